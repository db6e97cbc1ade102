import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { dateTime } from "../api/centre";
import { call, client } from "../api/client";
import { ORDER_STATUS, gbp, statusTag, toPence, toPounds, type OrderStatus, type OrderSummary } from "../api/store";
import { KIND_NAMES } from "../session";
import { ErrorSummary, LoadFailure, SelectField, TextField } from "../components/Fields";
import { Page } from "../components/Page";
import { useLoaded } from "../components/useLoaded";
import { usePaged } from "../components/usePaged";
import { useWide } from "../components/useWide";

const FILTERS = ["status", "product", "delivery", "from", "to", "min_total", "max_total"] as const;
type Filters = Record<(typeof FILTERS)[number], string>;
const NONE: Filters = { status: "", product: "", delivery: "", from: "", to: "", min_total: "", max_total: "" };

/**
 * The filters as the address keeps them: totals in pence (what the API takes), shown and typed in
 * pounds.
 */
function fromParams(params: URLSearchParams): Filters {
  const f = { ...NONE };
  for (const name of FILTERS) f[name] = params.get(name) ?? "";
  return f;
}

function typed(applied: Filters): Filters {
  const pounds = (pence: string) => (/^\d+$/.test(pence) ? toPounds(Number(pence)) : pence);
  return { ...applied, min_total: pounds(applied.min_total), max_total: pounds(applied.max_total) };
}

/** The delivery types to filter by: every option of the store (UK and abroad), and "digital". */
export function useDeliveryTypes() {
  const fetchAll = useCallback(async () => {
    const [uk, abroad] = await Promise.all([
      call(client.GET("/api/checkout/delivery-options", { params: { query: { country: "GB" } } })),
      // Any country but the UK has the international options.
      call(client.GET("/api/checkout/delivery-options", { params: { query: { country: "FR" } } })),
    ]);
    if (!uk.ok) return uk;
    const seen = new Map<string, string>();
    for (const o of [...uk.data, ...(abroad.ok ? abroad.data : [])]) seen.set(o.id, o.name);
    return { ok: true as const, status: 200, data: [...seen].map(([value, label]) => ({ value, label })) };
  }, []);
  return useLoaded(fetchAll).data;
}

/** ORD-5: the buyer's orders, newest first, with the guides' columns and filters, a page at a time. */
export function Orders() {
  const wide = useWide();
  const [params, setParams] = useSearchParams();
  const applied = useMemo(() => fromParams(params), [params]);
  const [form, setForm] = useState<Filters>(() => typed(applied));
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const filtered = FILTERS.some((name) => applied[name]);
  // Phones see the list first: the filters fold away until asked for (or while some apply).
  const [showFilters, setShowFilters] = useState(() => wide || filtered);
  const fetchProducts = useCallback(() => call(client.GET("/api/store/products")), []);
  const products = useLoaded(fetchProducts).data?.products;
  const deliveries = useDeliveryTypes();

  const fetchPage = useCallback(
    (cursor?: string) => {
      const query: Record<string, string> = {};
      for (const name of FILTERS) if (applied[name]) query[name] = applied[name];
      return call(client.GET("/api/orders", { params: { query: { ...query, cursor, limit: 25 } } }));
    },
    [applied],
  );
  const { items, problem, more, reload } = usePaged(fetchPage);
  // Back and Forward change the filters in the address: the form follows.
  useEffect(() => setForm(typed(applied)), [applied]);

  // After a search, its results' heading takes focus, so what was found is announced.
  const searched = useRef(false);
  const results = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if ((items || problem) && searched.current) {
      searched.current = false;
      results.current?.focus();
    }
  }, [items, problem]);

  function search(e: FormEvent) {
    e.preventDefault();
    const found: Record<string, string> = {};
    const pence: Partial<Filters> = {};
    for (const name of ["min_total", "max_total"] as const) {
      const value = form[name].trim();
      if (!value) continue;
      const p = toPence(value);
      if (p === null) found[name] = `Enter the ${name === "min_total" ? "lowest" : "highest"} total in pounds, such as ${name === "min_total" ? "25 or 25.50" : "100 or 99.99"}`;
      else pence[name] = String(p);
    }
    if (!found.min_total && !found.max_total && pence.min_total && pence.max_total && Number(pence.min_total) > Number(pence.max_total)) {
      found.max_total = "The highest total must not be less than the lowest";
    }
    if (form.from && form.to && form.from > form.to) found.to = "The last date must not be before the first";
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const next = new URLSearchParams();
    for (const name of FILTERS) {
      const value = name === "min_total" || name === "max_total" ? (pence[name] ?? "") : form[name].trim();
      if (value) next.set(name, value);
    }
    searched.current = true;
    setParams(next);
  }

  function clear() {
    setForm(NONE);
    setErrors({});
    searched.current = true;
    setParams(new URLSearchParams());
  }

  const set = (name: keyof Filters) => (value: string) => setForm((f) => ({ ...f, [name]: value }));
  // The API's refusals of a filter (a bad date) are shown by its field, not as a failed list.
  const refused = problem && problem.status === 422 ? problem : null;
  return (
    <Page title="Your orders" lead="Everything you have ordered, newest first. Open an order to see its details, pay for it, or open the letters it issued." wide>
      <ErrorSummary problem={refused} errors={errors} />
      <details className="filters" open={showFilters} onToggle={(e) => setShowFilters(e.currentTarget.open)}>
        <summary>{filtered ? "Filters (some applied)" : "Filter your orders"}</summary>
        <form role="search" aria-label="Orders" className="form search-form" onSubmit={search} noValidate>
          <div className="search-form__fields">
            <SelectField
              name="status"
              label="Status"
              value={form.status}
              onChange={set("status")}
              problem={refused}
              options={[{ value: "", label: "Any status" }, ...(Object.keys(ORDER_STATUS) as OrderStatus[]).map((s) => ({ value: s, label: ORDER_STATUS[s] }))]}
            />
            <SelectField name="product" label="Product" value={form.product} onChange={set("product")} problem={refused} options={[{ value: "", label: "Any product" }, ...(products ?? []).map((p) => ({ value: p.id, label: p.name }))]} />
            <SelectField name="delivery" label="Delivery type" value={form.delivery} onChange={set("delivery")} problem={refused} options={[{ value: "", label: "Any delivery" }, ...(deliveries ?? []), { value: "digital", label: "Digital (letters only)" }]} />
            <div className="search-form__pair">
              <TextField name="from" type="date" label="Placed from" value={form.from} onChange={set("from")} problem={refused} errors={errors} width="medium" />
              <TextField name="to" type="date" label="Placed to" value={form.to} onChange={set("to")} problem={refused} errors={errors} width="medium" />
            </div>
            <div className="search-form__pair">
              <TextField name="min_total" label="Total from (£)" inputMode="decimal" hint="In pounds, such as 25." value={form.min_total} onChange={set("min_total")} problem={refused} errors={errors} width="short" />
              <TextField name="max_total" label="Total up to (£)" inputMode="decimal" hint="In pounds, such as 100." value={form.max_total} onChange={set("max_total")} problem={refused} errors={errors} width="short" />
            </div>
          </div>
          <div className="actions">
            <button type="submit" className="button">
              Filter
            </button>
            {filtered && (
              <button type="button" className="button button--secondary" onClick={clear}>
                Clear the filters
              </button>
            )}
          </div>
        </form>
      </details>

      <section aria-labelledby="results" className="section">
        <h2 id="results" tabIndex={-1} ref={results}>
          {!items ? "Orders" : items.length === 0 ? "No orders found" : filtered ? `Orders found: ${items.length}${more ? "+" : ""}` : "Orders"}
        </h2>
        {!refused && <LoadFailure problem={problem} retry={reload} />}
        {!items && !problem && <p role="status">Loading your orders…</p>}
        {items && items.length === 0 && (
          <p>
            {filtered ? (
              "No orders match these filters."
            ) : (
              <>
                You have not ordered anything yet. See what you can order in the <Link to="/store">store</Link>.
              </>
            )}
          </p>
        )}
        {items && items.length > 0 && (wide ? <OrderTable items={items} /> : <OrderCards items={items} />)}
        {more && (
          <button type="button" className="button button--secondary" onClick={more}>
            Show more orders
          </button>
        )}
      </section>
    </Page>
  );
}

function Status({ o }: { o: OrderSummary }) {
  return <span className={statusTag(o.status)}>{o.status_label || ORDER_STATUS[o.status]}</span>;
}

function createdBy(o: OrderSummary) {
  return `${o.created_by.name} (${KIND_NAMES[o.created_by.kind]})`;
}

function OrderTable({ items }: { items: OrderSummary[] }) {
  return (
    <div className="table-wrap">
      <table className="orders">
        <caption className="visually-hidden">Your orders, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Order number</th>
            <th scope="col">Status</th>
            <th scope="col">Delivery type</th>
            <th scope="col" className="numeric">
              Total
            </th>
            <th scope="col">Created by</th>
            <th scope="col">Created at</th>
          </tr>
        </thead>
        <tbody>
          {items.map((o) => (
            <tr key={o.id}>
              <th scope="row">
                <Link to={`/orders/${o.id}`}>
                  <span className="visually-hidden">Order </span>
                  <span className="reference">{o.number}</span>
                </Link>
                <span className="records__sub">{o.items === 1 ? "1 item" : `${o.items} items`}</span>
              </th>
              <td>
                <Status o={o} />
              </td>
              <td>{o.delivery_type}</td>
              <td className="numeric">{gbp(o.total)}</td>
              <td>{createdBy(o)}</td>
              <td>{dateTime(o.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function OrderCards({ items }: { items: OrderSummary[] }) {
  return (
    <ul className="cards cards--stack">
      {items.map((o) => (
        <li key={o.id} className="card">
          <article aria-labelledby={`order-${o.id}`}>
            <h3 id={`order-${o.id}`} className="card__title">
              <Link to={`/orders/${o.id}`}>
                Order <span className="reference">{o.number}</span>
              </Link>
            </h3>
            <dl className="summary summary--compact">
              <div>
                <dt>Status</dt>
                <dd>
                  <Status o={o} />
                </dd>
              </div>
              <div>
                <dt>Delivery type</dt>
                <dd>{o.delivery_type}</dd>
              </div>
              <div>
                <dt>Total</dt>
                <dd>
                  {gbp(o.total)} ({o.items === 1 ? "1 item" : `${o.items} items`})
                </dd>
              </div>
              <div>
                <dt>Created by</dt>
                <dd>{createdBy(o)}</dd>
              </div>
              <div>
                <dt>Created at</dt>
                <dd>{dateTime(o.created_at)}</dd>
              </div>
            </dl>
          </article>
        </li>
      ))}
    </ul>
  );
}
