// What checkout's review and an order's page both show: the lines with their net, VAT and gross,
// the totals with VAT by rate, and addresses; what the buyer's and the administrators' order pages
// both show: the dispatch, the refunds and the log of status changes.
import { dateTime } from "../api/centre";
import { countryName } from "../countries";
import { ORDER_STATUS, addressLines, gbp, percent, type Address, type Dispatch, type OrderedItem, type PaymentMethod, type RefundEntry, type StatusChange, type Totals } from "../api/store";
import { KIND } from "../pages/Documents";
import { useWide } from "./useWide";

export function AddressBlock({ address }: { address: Address }) {
  return (
    <address className="address">
      {addressLines(address, countryName).map((line, i) => (
        <span key={i}>
          {line}
          <br />
        </span>
      ))}
    </address>
  );
}

/** A letter issued for a paid order: open it (the buyer's own document). */
function Letter({ item }: { item: OrderedItem }) {
  if (!item.letter_reference) return null;
  const reference = item.letter_reference;
  return (
    <span className="records__sub">
      Your letter: <span className="reference">{reference}</span>{" "}
      <a href={`/api/documents/${encodeURIComponent(reference)}/pdf`} target="_blank" rel="noopener">
        Open the letter<span className="visually-hidden"> {reference} (PDF, opens in a new tab)</span>
      </a>
    </span>
  );
}

function ItemName({ item, enrolment }: { item: OrderedItem; enrolment?: string }) {
  return (
    <>
      {item.product_name}
      <span className="records__sub">
        {KIND[item.document_kind]} <span className="reference">{item.reference}</span>: {item.qualification_title}, {item.learner_name}
        {enrolment && ` (${enrolment})`}
      </span>
      {/* Why a centre ordered a duplicate. */}
      {item.reason && <span className="records__sub">Reason: {item.reason}</span>}
      <Letter item={item} />
    </>
  );
}

/**
 * The lines: a table on wide screens, cards on phones. `enrolments`: the candidates' enrolment
 * numbers by line (administrators see them).
 */
export function ItemsList({ items, caption, enrolments }: { items: OrderedItem[]; caption: string; enrolments?: string[] }) {
  const wide = useWide();
  if (wide) {
    return (
      <div className="table-wrap">
        <table className="items">
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">Item</th>
              <th scope="col" className="numeric">
                Quantity
              </th>
              <th scope="col" className="numeric">
                Price each
              </th>
              <th scope="col" className="numeric">
                Net
              </th>
              <th scope="col" className="numeric">
                VAT
              </th>
              <th scope="col" className="numeric">
                Total
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((item, i) => (
              <tr key={`${item.product_id}-${item.reference}-${i}`}>
                <th scope="row">
                  <ItemName item={item} enrolment={enrolments?.[i]} />
                </th>
                <td className="numeric">{item.quantity}</td>
                <td className="numeric">{gbp(item.unit_price)}</td>
                <td className="numeric">{gbp(item.amounts.net)}</td>
                <td className="numeric">{gbp(item.amounts.vat)}</td>
                <td className="numeric">{gbp(item.amounts.gross)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }
  return (
    <ul className="cards cards--stack items-cards" aria-label={caption}>
      {items.map((item, i) => (
        <li key={`${item.product_id}-${item.reference}-${i}`} className="card">
          <p className="items-cards__name">
            <ItemName item={item} enrolment={enrolments?.[i]} />
          </p>
          <dl className="summary summary--compact">
            <div>
              <dt>Quantity</dt>
              <dd>
                {item.quantity} × {gbp(item.unit_price)}
              </dd>
            </div>
            <div>
              <dt>Net</dt>
              <dd>{gbp(item.amounts.net)}</dd>
            </div>
            <div>
              <dt>VAT</dt>
              <dd>{gbp(item.amounts.vat)}</dd>
            </div>
            <div>
              <dt>Total</dt>
              <dd>{gbp(item.amounts.gross)}</dd>
            </div>
          </dl>
        </li>
      ))}
    </ul>
  );
}

/**
 * The totals as the receipt has them: the items, delivery (or "priced by our team"), VAT at
 * each rate on that rate's total, the net, and what is paid.
 */
export function TotalsList({ totals, delivered, label = "Totals" }: { totals: Totals; delivered: boolean; label?: string }) {
  const unpriced = totals.delivery === null || totals.delivery === undefined;
  return (
    <dl className="summary totals" aria-label={label}>
      <div>
        <dt>Items</dt>
        <dd>{gbp(totals.items)}</dd>
      </div>
      {delivered && (
        <div>
          <dt>Delivery</dt>
          <dd>{unpriced ? "Priced by our team" : totals.delivery === 0 ? "Free" : gbp(totals.delivery!)}</dd>
        </div>
      )}
      <div>
        <dt>Net</dt>
        <dd>{gbp(totals.net)}</dd>
      </div>
      {totals.vat.map((v) => (
        <div key={v.rate_id}>
          <dt>
            VAT at {percent(v.basis_points)} <span className="totals__rate">({v.rate_name}, on {gbp(v.gross)})</span>
          </dt>
          <dd>{gbp(v.vat)}</dd>
        </div>
      ))}
      <div className="totals__total">
        <dt>{unpriced && delivered ? "Total so far, VAT included" : "Total, VAT included"}</dt>
        <dd>{gbp(totals.total)}</dd>
      </div>
    </dl>
  );
}

/** How a posted order left: the carrier, its tracking number and when. */
export function DispatchDetails({ dispatch }: { dispatch: Dispatch }) {
  return (
    <dl className="summary summary--compact" aria-label="Dispatch">
      <div>
        <dt>Dispatched</dt>
        <dd>{dateTime(dispatch.at)}</dd>
      </div>
      <div>
        <dt>Carrier</dt>
        <dd>{dispatch.carrier}</dd>
      </div>
      <div>
        <dt>Tracking number</dt>
        <dd>{dispatch.tracking_number ? <span className="reference">{dispatch.tracking_number}</span> : "None given"}</dd>
      </div>
    </dl>
  );
}

/** Money given back, oldest first: to the card, or as a credit note on a centre's account. */
export function RefundList({ refunds, method, heading, headingLevel = 2 }: { refunds: RefundEntry[]; method: PaymentMethod; heading: string; headingLevel?: 2 | 3 }) {
  const Heading = headingLevel === 2 ? "h2" : "h3";
  const total = refunds.reduce((sum, r) => sum + r.amount, 0);
  return (
    <section aria-labelledby="order-refunds" className="section">
      <Heading id="order-refunds">{heading}</Heading>
      <p>
        {gbp(total)} {method === "on_account" ? "credited to the centre's account" : "refunded to the card it was paid with"}.
      </p>
      <ul className="order-log">
        {refunds.map((r) => (
          <li key={r.reference}>
            <p className="order-log__what">
              {gbp(r.amount)}
              {method === "on_account" ? ", credit note " : ", refund "}
              <span className="reference reference--long">{r.reference}</span>
            </p>
            <p className="order-log__note">{r.reason}</p>
            <p className="records__sub">
              {dateTime(r.at)}, {r.by}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The log of an order's status changes (and notes), newest first. */
export function OrderLog({ log, headingLevel = 2 }: { log: StatusChange[]; headingLevel?: 2 | 3 }) {
  const Heading = headingLevel === 2 ? "h2" : "h3";
  return (
    <section aria-labelledby="order-log" className="section">
      <Heading id="order-log">History</Heading>
      <ol className="order-log">
        {[...log].reverse().map((change, i) => (
          <li key={`${change.at}-${i}`}>
            <p className="order-log__what">
              {change.from && change.from !== change.to ? `${ORDER_STATUS[change.from]} → ${ORDER_STATUS[change.to]}` : change.from ? `Note (${ORDER_STATUS[change.to].toLowerCase()})` : ORDER_STATUS[change.to]}
            </p>
            {change.note && <p className="order-log__note">{change.note}</p>}
            <p className="records__sub">
              {dateTime(change.at)}, {change.by}
            </p>
          </li>
        ))}
      </ol>
    </section>
  );
}
