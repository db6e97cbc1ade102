import { useCallback, useEffect, useRef, useState } from "react";
import { Link } from "react-router";
import { call, client, type Problem } from "../api/client";
import { gbp, type Basket as BasketView, type BasketLine } from "../api/store";
import { items, useBasket } from "../basket";
import { QuantitySelect } from "../components/Choices";
import { ErrorSummary, LoadFailure, Notice } from "../components/Fields";
import { Page } from "../components/Page";
import { useLoaded } from "../components/useLoaded";
import { useReady } from "../session";
import { KIND } from "./Documents";

/**
 * ORD-2: the basket at today's prices — each line with its quantity (1 to 10, changed at once)
 * and Remove, the notice when a price changed since it was added, the total, and checkout. A
 * centre's lines say whose document each is and why the duplicate is ordered (CEN-6); more
 * learners' documents are added from the records.
 */
export function Basket() {
  const { me } = useReady();
  const centre = me?.kind === "centre";
  const shared = useBasket();
  const fetchOne = useCallback(() => call(client.GET("/api/basket")), []);
  const { data: basket, setData, problem, reload } = useLoaded(fetchOne);
  const [failed, setFailed] = useState<Problem | null>(null);
  const [removed, setRemoved] = useState<string | null>(null);
  const [said, setSaid] = useState("");
  const [busy, setBusy] = useState<string | null>(null);
  // Bumped when a change is refused, so each line shows its quantity as the basket has it again.
  const [resets, setResets] = useState(0);
  // Only the newest change of a line counts: a slow answer to an older one is dropped.
  const latest = useRef(0);

  // What this page loads is also what the header shows.
  const setShared = shared.set;
  useEffect(() => {
    if (basket) setShared(basket);
  }, [basket, setShared]);

  function answered(view: BasketView) {
    setData(view);
    setFailed(null);
  }

  async function changeQuantity(line: BasketLine, quantity: number) {
    const request = ++latest.current;
    setRemoved(null);
    setSaid("");
    setBusy(line.id);
    const outcome = await call(client.PATCH("/api/basket/items/{id}", { params: { path: { id: line.id } }, body: { quantity } }));
    if (request !== latest.current) return;
    setBusy(null);
    if (outcome.ok) {
      answered(outcome.data);
      setSaid(`${line.product_name}: quantity changed to ${quantity}. The basket's total is now ${gbp(outcome.data.total)}.`);
    } else {
      setFailed(outcome.problem);
      setResets((n) => n + 1);
      reload();
    }
  }

  async function remove(line: BasketLine) {
    setRemoved(null);
    setSaid("");
    setBusy(line.id);
    const outcome = await call(client.DELETE("/api/basket/items/{id}", { params: { path: { id: line.id } } }));
    setBusy(null);
    if (outcome.ok) {
      answered(outcome.data);
      setRemoved(`${line.product_name} for ${KIND[line.document_kind].toLowerCase()} ${line.reference} was removed from your basket.`);
    } else setFailed(outcome.problem);
  }

  if (!basket) {
    return (
      <Page title="Your basket">
        <LoadFailure problem={problem} retry={reload} />
        {!problem && <p role="status">Loading your basket…</p>}
      </Page>
    );
  }
  return (
    <Page title="Your basket" wide>
      {removed && (
        <Notice kind="success" focus>
          {removed}
        </Notice>
      )}
      <p className="visually-hidden" role="status">
        {said}
      </p>
      <ErrorSummary problem={failed} />
      {basket.lines.length === 0 ? (
        <>
          <p>Your basket is empty.</p>
          {centre ? (
            <p>
              To order a printed copy for a learner, find them in <Link to="/centre/records">your records</Link> and choose “Order a printed copy”.
            </p>
          ) : (
            <p>
              <Link className="button" to="/store">
                Go to the store
              </Link>
            </p>
          )}
        </>
      ) : (
        <>
          {basket.prices_changed && (
            <Notice kind="warning">
              Some prices have changed since you added the items. The basket shows today's prices: they are what you will pay.
            </Notice>
          )}
          <ul className="cards cards--stack basket">
            {basket.lines.map((line) => (
              <li key={line.id} className="card">
                <LineCard key={`${line.id}-${resets}`} line={line} busy={busy === line.id} onQuantity={(q) => changeQuantity(line, q)} onRemove={() => remove(line)} />
              </li>
            ))}
          </ul>
          <dl className="summary totals" aria-label="Basket total">
            <div>
              <dt>Items</dt>
              <dd>{items(basket.count)}</dd>
            </div>
            <div className="totals__total">
              <dt>Total, VAT included</dt>
              <dd>{gbp(basket.total)}</dd>
            </div>
          </dl>
          {basket.needs_delivery && <p className="hint">Delivery is chosen at checkout, and added to the total there.</p>}
          <div className="actions">
            <Link className="button" to="/checkout">
              Continue to checkout
            </Link>
            {centre ? (
              <Link className="button button--secondary" to="/centre/records">
                Order for another learner
              </Link>
            ) : (
              <Link className="button button--secondary" to="/store">
                Continue shopping
              </Link>
            )}
          </div>
        </>
      )}
    </Page>
  );
}

function LineCard({ line, busy, onQuantity, onRemove }: { line: BasketLine; busy: boolean; onQuantity(q: number): void; onRemove(): void }) {
  const headingId = `line-${line.id}`;
  const what = `${line.product_name} for ${KIND[line.document_kind].toLowerCase()} ${line.reference}`;
  // Shown at once as chosen; the basket's answer (or a refusal's reload) sets it again.
  const [quantity, setQuantity] = useState(line.quantity);
  useEffect(() => setQuantity(line.quantity), [line.quantity]);
  return (
    <article aria-labelledby={headingId} className="basket-line">
      <div className="product__head">
        <h2 id={headingId} className="card__title">
          {line.product_name}
        </h2>
        <p className="price price--large">{gbp(line.amounts.gross)}</p>
      </div>
      <dl className="summary summary--compact">
        <div>
          <dt>For</dt>
          <dd>
            {KIND[line.document_kind]} <span className="reference">{line.reference}</span>
          </dd>
        </div>
        {line.qualification_title && (
          <div>
            <dt>Qualification</dt>
            <dd>{line.qualification_title}</dd>
          </div>
        )}
        {line.learner_name && (
          <div>
            <dt>Candidate</dt>
            <dd>{line.learner_name}</dd>
          </div>
        )}
        {line.reason && (
          <div>
            <dt>Reason for the duplicate</dt>
            <dd>{line.reason}</dd>
          </div>
        )}
        <div>
          <dt>Price</dt>
          <dd>
            {gbp(line.unit_price)} each, VAT included
            {line.fulfilment === "post" ? " (posted)" : " (issued online)"}
          </dd>
        </div>
      </dl>
      {typeof line.price_when_added === "number" && (
        <Notice kind="warning">
          The price has changed since you added this: it was {gbp(line.price_when_added)}, it is now {gbp(line.unit_price)}.
        </Notice>
      )}
      <div className="basket-line__controls">
        {line.fulfilment === "post" ? (
          <QuantitySelect
            name="quantity"
            scope={line.id}
            label={
              <>
                Quantity<span className="visually-hidden"> of {what}</span>
              </>
            }
            value={quantity}
            onChange={(q) => {
              setQuantity(q);
              onQuantity(q);
            }}
            hint="1 to 10."
          />
        ) : (
          <p className="basket-line__one">Quantity: {line.quantity} (a letter is issued once)</p>
        )}
        <button type="button" className="button button--secondary" onClick={onRemove} disabled={busy}>
          Remove<span className="visually-hidden"> {what}</span>
        </button>
      </div>
    </article>
  );
}
