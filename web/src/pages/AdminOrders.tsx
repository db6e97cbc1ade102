import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { dateTime } from "../api/centre";
import { call, client } from "../api/client";
import { BUYER_KIND, ORDER_STATUS, PAYMENT_METHOD, gbp, statusTag, toPence, toPounds, type OrderStatus, type OrderSummary } from "../api/store";
import { useConfiguration } from "../api/config";
import { ErrorSummary, LoadFailure, SelectField, TextField } from "../components/Fields";
import { PrintPackBar, PrintPackResult, SelectOrder, usePrintPack } from "../components/PrintPack";
import { Page } from "../components/Page";
import { usePaged } from "../components/usePaged";
import { useWide } from "../components/useWide";
import { KIND_NAMES } from "../session";

const FILTERS = ["name", "status", "product", "delivery", "created_by", "centre", "from", "to", "min_total", "max_total"] as const;
type Filters = Record<(typeof FILTERS)[number], string>;
const NONE: Filters = { name: "", status: "", product: "", delivery: "", created_by: "", centre: "", from: "", to: "", min_total: "", max_total: "" };

/** The filters as the address keeps them (totals in pence, what the API takes). */
function fromParams(params: URLSearchParams): Filters {
  const f = { ...NONE };
  for (const name of FILTERS) f[name] = params.get(name) ?? "";
  return f;
}

/** The filters as the form shows them: totals in pounds. */
function typed(applied: Filters): Filters {
  const pounds = (pence: string) => (/^\d+$/.test(pence) ? toPounds(Number(pence)) : pence);
  return { ...applied, min_total: pounds(applied.min_total), max_total: pounds(applied.max_total) };
}

/**
 * ORD-6: every order, newest first, with the ORD-5 filters and the back office's own (a buyer's or
 * a candidate's name, who placed it, the centre), a page at a time. The filters are in the
 * address, so a filtered queue can be bookmarked, shared and gone back to from an order.
 */
export function AdminOrders() {
  const wide = useWide();
  const [params, setParams] = useSearchParams();
  const applied = useMemo(() => fromParams(params), [params]);
  const [form, setForm] = useState<Filters>(() => typed(applied));
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const filtered = FILTERS.some((name) => applied[name]);
  const [showFilters, setShowFilters] = useState(() => wide || filtered);
  // The products and delivery options to filter by: the configuration's (administrators have no
  // store catalogue, and the checkout's delivery options are the buyers').
  const config = useConfiguration().data?.configuration;

  const fetchPage = useCallback(
    (cursor?: string) => {
      const query: Record<string, string> = {};
      for (const name of FILTERS) if (applied[name]) query[name] = applied[name];
      return call(client.GET("/api/admin/orders", { params: { query: { ...query, cursor, limit: 25 } } }));
    },
    [applied],
  );
  const { items, problem, more, reload } = usePaged(fetchPage);
  const pack = usePrintPack(items, reload);
  useEffect(() => setForm(typed(applied)), [applied]);

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
  const refused = problem && problem.status === 422 ? problem : null;
  const here = `/admin/orders${params.toString() ? `?${params.toString()}` : ""}`;
  return (
    <Page title="Orders" lead="Every order, newest first. Filter the queue, then open an order to move it on, price its delivery or refund it." wide>
      <ErrorSummary problem={refused} errors={errors} />
      <details className="filters" open={showFilters} onToggle={(e) => setShowFilters(e.currentTarget.open)}>
        <summary>{filtered ? "Filters (some applied)" : "Filter the orders"}</summary>
        <form role="search" aria-label="Orders" className="form search-form" onSubmit={search} noValidate>
          <div className="search-form__fields">
            <TextField name="name" type="search" label="Name" hint="Part of the buyer's or a candidate's first or last name." value={form.name} onChange={set("name")} problem={refused} />
            <TextField name="centre" label="Centre number" hint="Such as C-7201." value={form.centre} onChange={set("centre")} problem={refused} width="medium" />
            <SelectField
              name="status"
              label="Status"
              value={form.status}
              onChange={set("status")}
              problem={refused}
              options={[{ value: "", label: "Any status" }, ...(Object.keys(ORDER_STATUS) as OrderStatus[]).map((s) => ({ value: s, label: ORDER_STATUS[s] }))]}
            />
            <SelectField name="product" label="Product" value={form.product} onChange={set("product")} problem={refused} options={[{ value: "", label: "Any product" }, ...named(config?.products ?? [], applied.product)]} />
            <SelectField name="delivery" label="Delivery type" value={form.delivery} onChange={set("delivery")} problem={refused} options={[{ value: "", label: "Any delivery" }, ...named(config?.delivery_options ?? [], applied.delivery === "digital" ? "" : applied.delivery), { value: "digital", label: "Digital (letters only)" }]} />
            <TextField name="created_by" label="Created by" hint="Part of the name of who placed it, or a kind of user: admin, centre, learner or third_party." value={form.created_by} onChange={set("created_by")} problem={refused} />
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
        {!items && !problem && <p role="status">Loading the orders…</p>}
        {items && items.length === 0 && <p>{filtered ? "No orders match these filters." : "No orders have been placed yet."}</p>}
        {pack.result && <PrintPackResult result={pack.result} />}
        {items && items.length > 0 && (
          <>
            <PrintPackBar pack={pack} />
            {wide ? <QueueTable items={items} back={here} pack={pack} /> : <QueueCards items={items} back={here} pack={pack} />}
          </>
        )}
        {more && (
          <button type="button" className="button button--secondary" onClick={more}>
            Show more orders
          </button>
        )}
      </section>
    </Page>
  );
}

/** Options of ids and names; an id in the address that is no longer configured is kept, by its id. */
function named(list: Array<{ id: string; name: string }>, kept: string) {
  const options = list.map((p) => ({ value: p.id, label: p.name }));
  return kept && !list.some((p) => p.id === kept) ? [...options, { value: kept, label: kept }] : options;
}

function Status({ o }: { o: OrderSummary }) {
  return <span className={statusTag(o.status)}>{o.status_label || ORDER_STATUS[o.status]}</span>;
}

function buyer(o: OrderSummary) {
  return `${BUYER_KIND[o.buyer_kind]}${o.centre_number ? ` ${o.centre_number}` : ""}`;
}

function placed(o: OrderSummary) {
  return `${dateTime(o.created_at)} by ${o.created_by.name} (${KIND_NAMES[o.created_by.kind]})`;
}

function OrderLink({ o, back }: { o: OrderSummary; back: string }) {
  return (
    <Link to={`/admin/orders/${encodeURIComponent(o.id)}`} state={{ back }}>
      <span className="visually-hidden">Order </span>
      <span className="reference">{o.number}</span>
    </Link>
  );
}

type Pack = ReturnType<typeof usePrintPack>;

function QueueTable({ items, back, pack }: { items: OrderSummary[]; back: string; pack: Pack }) {
  return (
    <div className="table-wrap">
      <table className="orders">
        <caption className="visually-hidden">Orders, newest first</caption>
        <thead>
          <tr>
            <th scope="col" className="records__select">
              <span className="visually-hidden">Selected to print</span>
            </th>
            <th scope="col">Order</th>
            <th scope="col">Status</th>
            <th scope="col">Buyer</th>
            <th scope="col">Candidates</th>
            <th scope="col">Delivery</th>
            <th scope="col">Payment</th>
            <th scope="col" className="numeric">
              Total
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((o) => (
            <tr key={o.id} className={pack.selected.has(o.id) ? "records__row--selected" : undefined}>
              <td className="records__select">
                <SelectOrder order={o} pack={pack} />
              </td>
              <th scope="row">
                <OrderLink o={o} back={back} />
                <span className="records__sub">{placed(o)}</span>
              </th>
              <td>
                <Status o={o} />
              </td>
              <td>
                {o.buyer_name}
                <span className="records__sub">{buyer(o)}</span>
              </td>
              <td>{o.learner_names.join(", ")}</td>
              <td>
                {o.delivery_type}
                <span className="records__sub">{o.items === 1 ? "1 item" : `${o.items} items`}</span>
              </td>
              <td>{PAYMENT_METHOD[o.payment_method]}</td>
              <td className="numeric">{gbp(o.total)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function QueueCards({ items, back, pack }: { items: OrderSummary[]; back: string; pack: Pack }) {
  return (
    <ul className="cards cards--stack">
      {items.map((o) => (
        <li key={o.id} className={pack.selected.has(o.id) ? "card records__card--selected" : "card"}>
          <article aria-labelledby={`order-${o.id}`}>
            <div className="records__card-head">
              <h3 id={`order-${o.id}`} className="card__title">
                <Link to={`/admin/orders/${encodeURIComponent(o.id)}`} state={{ back }}>
                  Order <span className="reference">{o.number}</span>
                </Link>
              </h3>
              <SelectOrder order={o} pack={pack} visible />
            </div>
            <dl className="summary summary--compact">
              <div>
                <dt>Status</dt>
                <dd>
                  <Status o={o} />
                </dd>
              </div>
              <div>
                <dt>Buyer</dt>
                <dd>
                  {o.buyer_name} ({buyer(o)})
                </dd>
              </div>
              <div>
                <dt>Candidates</dt>
                <dd>{o.learner_names.join(", ")}</dd>
              </div>
              <div>
                <dt>Delivery</dt>
                <dd>
                  {o.delivery_type} ({o.items === 1 ? "1 item" : `${o.items} items`})
                </dd>
              </div>
              <div>
                <dt>Total</dt>
                <dd>
                  {gbp(o.total)}, {PAYMENT_METHOD[o.payment_method].toLowerCase()}
                </dd>
              </div>
              <div>
                <dt>Placed</dt>
                <dd>{placed(o)}</dd>
              </div>
            </dl>
          </article>
        </li>
      ))}
    </ul>
  );
}
