import { useCallback, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { call, client } from "../api/client";
import { LoadFailure, SelectField, SubmitButton, TextField } from "../components/Fields";
import { Page } from "../components/Page";
import { usePaged } from "../components/usePaged";

const ACTIONS: Record<string, string> = {
  "auth.sign_in": "Signed in",
  "auth.sign_in_failed": "Failed to sign in",
  "auth.locked": "Locked out by failed sign-ins",
  "account.profile": "Changed their details",
  "account.email_change_requested": "Asked to change their e-mail",
  "account.email_changed": "Changed their e-mail",
  "account.password_changed": "Changed their password",
  "account.session_ended": "Ended one of their sessions",
  "account.password_reset": "Reset their password",
  "account.lock": "Locked an account",
  "account.unlock": "Unlocked an account",
  "config.change": "Changed the configuration",
  "document.revoke": "Revoked a document",
  "document.withdraw": "Withdrew a document",
  "document.reissue": "Reissued a document",
  "report.close": "Answered and closed a report",
  "registration.approve": "Approved a registration",
  "registration.reject": "Rejected a registration",
  "centre.download": "Downloaded a centre's documents",
  "order.placed": "Placed an order",
  "order.status": "Changed an order's status",
  "order.price_delivery": "Priced an order's delivery",
  "order.refund": "Refunded an order",
  "order.print_pack": "Printed a print pack",
  "credit.limit": "Set a centre's credit limit",
  "credit.payment": "Recorded a centre's payment",
};

/** The kinds of action to filter by: each is the start of the actions' names. */
const KINDS = [
  { value: "", label: "Any" },
  { value: "auth.", label: "Sign-ins" },
  { value: "account.", label: "Account changes" },
  { value: "config.", label: "Configuration" },
  { value: "order.", label: "Orders" },
  { value: "credit.", label: "Centre credit" },
  { value: "document.", label: "Documents" },
  { value: "report.", label: "Reports" },
  { value: "registration.", label: "Registrations" },
  { value: "centre.", label: "Centre downloads" },
];

/** The filters the log takes, as kept in the page's address. */
const FILTERS = ["month", "from", "to", "actor", "action", "target"] as const;
type Filter = (typeof FILTERS)[number];
type Filters = Record<Filter, string>;

function read(params: URLSearchParams): Filters {
  return Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ""])) as Filters;
}

function query(filters: Filters): Record<string, string> {
  return Object.fromEntries(FILTERS.flatMap((f) => (filters[f].trim() ? [[f, filters[f].trim()]] : [])));
}

/** ADM-5: who did what, to what, when and from where — newest first, filtered, and as CSV. */
export function AdminAudit() {
  const [params, setParams] = useSearchParams();
  const shown = read(params);
  const key = new URLSearchParams(query(shown)).toString();
  const [typed, setTyped] = useState<Filters>(shown);
  const set = (f: Filter) => (value: string) => setTyped((t) => ({ ...t, [f]: value }));
  const fetchPage = useCallback(
    (cursor?: string) => call(client.GET("/api/admin/audit", { params: { query: { ...Object.fromEntries(new URLSearchParams(key)), cursor, limit: 50 } } })),
    [key],
  );
  const { items, problem, more, reload } = usePaged(fetchPage);

  function choose(e: FormEvent) {
    e.preventDefault();
    setParams(query(typed));
  }

  return (
    <Page title="Audit log" lead="Who did what, to what, when and from which address — newest first. Without dates, this month." wide>
      <LoadFailure problem={problem} retry={reload} />
      <form role="search" aria-label="Audit log" className="form search-form" onSubmit={choose} noValidate>
        <div className="search-form__fields">
          <TextField name="actor" type="search" label="Who" hint="An e-mail address or account id, or its start." value={typed.actor} onChange={set("actor")} problem={problem} />
          <SelectField name="action" label="Kind of action" value={typed.action} onChange={set("action")} options={KINDS} problem={problem} />
          <TextField name="target" label="Of what" hint="A document reference, order id, centre number or account id, exactly." value={typed.target} onChange={set("target")} problem={problem} />
          <TextField name="month" label="Month" hint="Such as 2026-11; or give dates instead." value={typed.month} onChange={set("month")} problem={problem} width="short" />
          <div className="search-form__pair">
            <TextField name="from" type="date" label="From" value={typed.from} onChange={set("from")} problem={problem} width="medium" />
            <TextField name="to" type="date" label="To" value={typed.to} onChange={set("to")} problem={problem} width="medium" />
          </div>
        </div>
        <div className="actions">
          <SubmitButton busy={false}>Show</SubmitButton>
          <a className="button button--secondary" href={`/api/admin/audit.csv${key ? `?${key}` : ""}`} download>
            Download these as CSV
          </a>
        </div>
      </form>
      {items && items.length === 0 && <p>Nothing recorded matches.</p>}
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
                <th scope="col">From</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e, i) => (
                <tr key={`${e.at}-${e.action}-${e.target}-${i}`}>
                  <td>{new Date(e.at).toLocaleString("en-GB")}</td>
                  <td>{e.actor_email}</td>
                  <td>{ACTIONS[e.action] ?? e.action}</td>
                  <td className="reference">{e.target}</td>
                  <td>{e.detail}</td>
                  <td className="reference">{e.client ?? "—"}</td>
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
