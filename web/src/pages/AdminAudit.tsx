import { useCallback, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { call, client } from "../api/client";
import { LoadFailure, SubmitButton, TextField } from "../components/Fields";
import { Page } from "../components/Page";
import { usePaged } from "../components/usePaged";

const ACTIONS: Record<string, string> = {
  "document.revoke": "Revoked a document",
  "document.withdraw": "Withdrew a document",
  "document.reissue": "Reissued a document",
  "report.close": "Answered and closed a report",
  "registration.approve": "Approved a registration",
  "registration.reject": "Rejected a registration",
  "account.lock": "Locked an account",
  "account.unlock": "Unlocked an account",
  "order.placed": "Placed an order",
  "order.status": "Changed an order's status",
  "order.price_delivery": "Priced an order's delivery",
  "order.refund": "Refunded an order",
  "credit.limit": "Set a centre's credit limit",
  "credit.payment": "Recorded a centre's payment",
};

/** ADM-5: who did what, when — newest first, a month at a time. */
export function AdminAudit() {
  const [params, setParams] = useSearchParams();
  const month = params.get("month") ?? "";
  const [typed, setTyped] = useState(month);
  const fetchPage = useCallback((cursor?: string) => call(client.GET("/api/admin/audit", { params: { query: { month: month || undefined, cursor, limit: 50 } } })), [month]);
  const { items, problem, more, reload } = usePaged(fetchPage);

  function choose(e: FormEvent) {
    e.preventDefault();
    setParams(typed.trim() ? { month: typed.trim() } : {});
  }

  return (
    <Page title="Audit log" lead="What administrators changed, who, when and why — newest first, a month at a time." wide>
      <form onSubmit={choose} className="form form--inline">
        <TextField name="month" label="Month" hint="Such as 2026-11; empty for this month." value={typed} onChange={setTyped} problem={problem} width="short" />
        <SubmitButton busy={false}>Show</SubmitButton>
      </form>
      <LoadFailure problem={problem} retry={reload} />
      {items && items.length === 0 && <p>Nothing was recorded in this month.</p>}
      {items && items.length > 0 && (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Audit log">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Of</th>
                <th scope="col">Reason or detail</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr key={`${e.at}-${e.action}-${e.target}`}>
                  <td>{new Date(e.at).toLocaleString("en-GB")}</td>
                  <td>{e.actor_email}</td>
                  <td>{ACTIONS[e.action] ?? e.action}</td>
                  <td className="reference">{e.target}</td>
                  <td>{e.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {more && (
        <button type="button" className="button button--secondary" onClick={more}>
          Show more
        </button>
      )}
    </Page>
  );
}
