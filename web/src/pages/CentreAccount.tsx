import { useCallback } from "react";
import { Link } from "react-router";
import { dateTime } from "../api/centre";
import { call, client } from "../api/client";
import { gbp, monthName, type Credit, type LedgerEntry, type Statement } from "../api/store";
import { LoadFailure, Notice } from "../components/Fields";
import { Page } from "../components/Page";
import { useLoaded } from "../components/useLoaded";
import { useWide } from "../components/useWide";
import { useReady } from "../session";

const ENTRY_KIND: Record<LedgerEntry["kind"], string> = {
  charge: "Order",
  credit_note: "Credit note",
  payment: "Payment received",
};

/**
 * CEN-6: the centre's account with the awarding body — the credit limit, what the centre owes and
 * what an order on account may still take; and the statements, a month at a time, newest first:
 * what was owed at the start, the orders charged, credit notes and payments, what was owed at the
 * end, and each entry.
 */
export function CentreAccount() {
  const { site, me } = useReady();
  const fetchCredit = useCallback(() => call(client.GET("/api/centre/credit")), []);
  const credit = useLoaded(fetchCredit);
  const fetchStatements = useCallback(() => call(client.GET("/api/centre/statements")), []);
  const statements = useLoaded(fetchStatements);
  const centre = me?.centre_name ? `${me.centre_name}'s` : "Your centre's";

  return (
    <Page title="Account" lead={`${centre} account with ${site.organisation_name}: orders paid on account are charged to it; credit notes and the payments you send us are taken off.`} wide>
      <section aria-labelledby="credit-heading" className="section">
        <h2 id="credit-heading">Credit</h2>
        <LoadFailure problem={credit.problem} retry={credit.reload} />
        {!credit.data && !credit.problem && <p role="status">Loading your centre's account…</p>}
        {credit.data && <CreditSummary credit={credit.data} />}
        {credit.data && credit.data.limit === 0 && (
          <Notice kind="info">
            Your centre has no credit account yet, so its orders are paid by card. To order on account, ask us for one: e-mail <a href={`mailto:${site.support_email}`}>{site.support_email}</a>.
          </Notice>
        )}
      </section>
      <section aria-labelledby="statements-heading" className="section">
        <h2 id="statements-heading">Statements</h2>
        <LoadFailure problem={statements.problem} retry={statements.reload} />
        {!statements.data && !statements.problem && <p role="status">Loading the statements…</p>}
        {statements.data && statements.data.length === 0 && <p>Nothing has been charged to your centre's account yet.</p>}
        {statements.data?.map((s) => <MonthStatement key={s.month} statement={s} pdf={`/api/centre/statements/${encodeURIComponent(s.month)}`} orderPath="/orders/" />)}
      </section>
    </Page>
  );
}

/** The limit, what is owed and what is available, as the centre and administrators see them. */
export function CreditSummary({ credit, label = "Credit" }: { credit: Credit; label?: string }) {
  return (
    <dl className="summary totals" aria-label={label}>
      <div>
        <dt>Credit limit</dt>
        <dd>{gbp(credit.limit)}</dd>
      </div>
      <div>
        <dt>Owed now</dt>
        <dd>{gbp(credit.balance)}</dd>
      </div>
      <div className="totals__total">
        <dt>Available for orders on account</dt>
        <dd>{gbp(credit.available)}</dd>
      </div>
    </dl>
  );
}

/**
 * One month's statement: its summary, a link to it as a PDF (`pdf`, opened with the session like
 * the VAT receipt) and its entries; an order's entry links to `orderPath` + its id.
 */
export function MonthStatement({ statement: s, pdf, orderPath }: { statement: Statement; pdf: string; orderPath: string }) {
  const wide = useWide();
  const id = `statement-${s.month}`;
  const name = monthName(s.month);
  return (
    <section aria-labelledby={id} className="section">
      <h3 id={id}>{name}</h3>
      <p>
        <a href={pdf} target="_blank" rel="noopener">
          Download statement<span className="visually-hidden"> for {name}</span> (PDF)
        </a>
      </p>
      <dl className="summary totals" aria-label={`Statement for ${name}`}>
        <div>
          <dt>Owed at the start of the month</dt>
          <dd>{gbp(s.opening)}</dd>
        </div>
        <div>
          <dt>Orders charged</dt>
          <dd>{gbp(s.charges)}</dd>
        </div>
        <div>
          <dt>Credit notes</dt>
          <dd>{s.credits ? `−${gbp(s.credits)}` : gbp(0)}</dd>
        </div>
        <div>
          <dt>Payments received</dt>
          <dd>{s.payments ? `−${gbp(s.payments)}` : gbp(0)}</dd>
        </div>
        <div className="totals__total">
          <dt>Owed at the end of the month</dt>
          <dd>{gbp(s.closing)}</dd>
        </div>
      </dl>
      {wide ? <EntryTable entries={s.entries} orderPath={orderPath} caption={`The entries of ${name}, oldest first`} /> : <EntryCards entries={s.entries} orderPath={orderPath} label={`The entries of ${name}, oldest first`} />}
    </section>
  );
}

/** What an entry adds to the balance: a charge adds, a credit note or a payment takes off. */
function signed(amount: number): string {
  return amount < 0 ? `−${gbp(-amount)}` : gbp(amount);
}

function What({ entry: e, orderPath }: { entry: LedgerEntry; orderPath: string }) {
  return (
    <>
      {ENTRY_KIND[e.kind]}{" "}
      {e.order_id ? (
        <Link to={`${orderPath}${encodeURIComponent(e.order_id)}`}>
          <span className="reference">{e.reference}</span>
        </Link>
      ) : (
        <span className="reference">{e.reference}</span>
      )}
      {/* "Order P…" says nothing more than the line already does. */}
      {e.description !== `Order ${e.reference}` && <span className="records__sub">{e.description}</span>}
    </>
  );
}

function EntryTable({ entries, caption, orderPath }: { entries: LedgerEntry[]; caption: string; orderPath: string }) {
  return (
    <div className="table-wrap">
      <table className="items">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">What</th>
            <th scope="col">By</th>
            <th scope="col" className="numeric">
              Amount
            </th>
            <th scope="col" className="numeric">
              Owed after
            </th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e, i) => (
            <tr key={`${e.at}-${i}`}>
              <td>{dateTime(e.at)}</td>
              <th scope="row">
                <What entry={e} orderPath={orderPath} />
              </th>
              <td>{e.by}</td>
              <td className="numeric">{signed(e.amount)}</td>
              <td className="numeric">{gbp(e.balance)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function EntryCards({ entries, label, orderPath }: { entries: LedgerEntry[]; label: string; orderPath: string }) {
  return (
    <ul className="cards cards--stack items-cards" aria-label={label}>
      {entries.map((e, i) => (
        <li key={`${e.at}-${i}`} className="card">
          <p className="items-cards__name">
            <What entry={e} orderPath={orderPath} />
          </p>
          <dl className="summary summary--compact">
            <div>
              <dt>Date</dt>
              <dd>{dateTime(e.at)}</dd>
            </div>
            <div>
              <dt>By</dt>
              <dd>{e.by}</dd>
            </div>
            <div>
              <dt>Amount</dt>
              <dd>{signed(e.amount)}</dd>
            </div>
            <div>
              <dt>Owed after</dt>
              <dd>{gbp(e.balance)}</dd>
            </div>
          </dl>
        </li>
      ))}
    </ul>
  );
}
