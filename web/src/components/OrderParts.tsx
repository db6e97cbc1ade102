// What checkout's review and an order's page both show: the lines with their net, VAT and gross,
// the totals with VAT by rate, and addresses.
import { countryName } from "../countries";
import { addressLines, gbp, percent, type Address, type OrderedItem, type Totals } from "../api/store";
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

function ItemName({ item }: { item: OrderedItem }) {
  return (
    <>
      {item.product_name}
      <span className="records__sub">
        {KIND[item.document_kind]} <span className="reference">{item.reference}</span>: {item.qualification_title}, {item.learner_name}
      </span>
      <Letter item={item} />
    </>
  );
}

/** The lines: a table on wide screens, cards on phones. */
export function ItemsList({ items, caption }: { items: OrderedItem[]; caption: string }) {
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
                  <ItemName item={item} />
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
            <ItemName item={item} />
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
