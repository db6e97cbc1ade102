import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { call, client, type Problem, type Schemas } from "../api/client";
import { ErrorSummary, LoadFailure, Notice, SubmitButton, TextField } from "../components/Fields";
import { Page } from "../components/Page";
import { KIND_NAMES } from "../session";
import { usePaged } from "../components/usePaged";

type Pending = Schemas["PendingRegistration"];

export function AdminRegistrations() {
  const fetchPage = useCallback((cursor?: string) => call(client.GET("/api/admin/registrations", { params: { query: { limit: 20, cursor } } })), []);
  const { items, setItems, problem, reload, more } = usePaged(fetchPage);
  const [message, setMessage] = useState<string | null>(null);

  function decided(text: string, id: string) {
    setMessage(text);
    setItems((old) => old?.filter((p) => p.account.id !== id) ?? null);
  }

  return (
    <Page title="Pending registrations" lead="Registrations whose details did not match the records exactly. Compare them with the closest records, then approve with the right record or reject." wide>
      {message && (
        <Notice kind="success" focus>
          {message}
        </Notice>
      )}
      <LoadFailure problem={problem} retry={reload} />
      {items && items.length === 0 && <p>No registrations are waiting for review.</p>}
      {items && items.length > 0 && (
        <ul className="cards cards--stack">
          {items.map((p) => (
            <li key={p.account.id} className="card">
              <Registration pending={p} decided={decided} />
            </li>
          ))}
        </ul>
      )}
      {more && (
        <button type="button" className="button button--secondary" onClick={more}>
          Show more
        </button>
      )}
    </Page>
  );
}

function Registration({ pending, decided }: { pending: Pending; decided(text: string, id: string): void }) {
  const a = pending.account;
  const [problem, setProblem] = useState<Problem | null>(null);
  const [reason, setReason] = useState("");
  // Linking the wrong record would show someone else's documents: a second, explicit step.
  const [chosen, setChosen] = useState<RecordRow | null>(null);
  const confirmBox = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (chosen) confirmBox.current?.focus();
  }, [chosen]);
  const [busy, setBusy] = useState(false);
  const name = `${a.first_name} ${a.last_name}`;
  const headingId = `registration-${a.id}`;

  async function approve(link: Schemas["ApproveInput"]) {
    setBusy(true);
    const outcome = await call(client.POST("/api/admin/registrations/{id}/approve", { params: { path: { id: a.id } }, body: link }));
    setBusy(false);
    if (outcome.ok) decided(`${name}'s registration is approved; they have been e-mailed.`, a.id);
    else setProblem(outcome.problem);
  }

  // Several registrations are on the page: their fields' ids carry the account's id.
  const reasonField = `reason-${a.id}`;
  const shown = problem && { ...problem, errors: problem.errors?.map((e) => (e.field === "reason" ? { ...e, field: reasonField } : e)) };

  async function reject(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const outcome = await call(client.POST("/api/admin/registrations/{id}/reject", { params: { path: { id: a.id } }, body: { reason } }));
    setBusy(false);
    if (outcome.ok) decided(`${name}'s registration is rejected; they have been e-mailed the reason.`, a.id);
    else setProblem(outcome.problem);
  }

  const learner = a.kind === "learner";
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId} className="card__title">
        {name} <span className="tag">{KIND_NAMES[a.kind]}</span>
      </h2>
      <ErrorSummary problem={shown} />
      <h3>Submitted</h3>
      <dl className="summary summary--compact">
        <div>
          <dt>E-mail</dt>
          <dd>{a.email}</dd>
        </div>
        {learner ? (
          <>
            <div>
              <dt>Date of birth</dt>
              <dd>{a.date_of_birth}</dd>
            </div>
            <div>
              <dt>Enrolment number</dt>
              <dd>{a.enrolment_number}</dd>
            </div>
          </>
        ) : (
          <div>
            <dt>Centre</dt>
            <dd>
              {a.centre_number} {a.centre_name}
            </dd>
          </div>
        )}
        <div>
          <dt>Registered</dt>
          <dd>{new Date(a.created_at).toLocaleString("en-GB")}</dd>
        </div>
      </dl>
      <h3>Closest records</h3>
      {learner ? (
        <ClosestRecords
          label={`Closest learner records for ${name}`}
          empty="No learner record is close to these details."
          headings={["Name", "Date of birth", "Enrolment number", "E-mail"]}
          rows={pending.closest_learner_records.map((r) => ({
            key: r.enrolment_number,
            cells: [`${r.first_name} ${r.last_name}`, differs(r.date_of_birth, a.date_of_birth), differs(r.enrolment_number, a.enrolment_number), r.email ?? "—"],
            link: { enrolment_number: r.enrolment_number },
            action: `${name} to record ${r.enrolment_number}`,
          }))}
          busy={busy}
          choose={setChosen}
        />
      ) : (
        <ClosestRecords
          label={`Closest centre records for ${name}`}
          empty="No centre record is close to these details."
          headings={["Centre number", "Name", "E-mail"]}
          rows={pending.closest_centre_records.map((r) => ({
            key: r.centre_number,
            cells: [differs(r.centre_number, a.centre_number), differs(r.name, a.centre_name), differs(domainOf(r.email), domainOf(a.email), r.email)],
            link: { centre_number: r.centre_number },
            action: `${name} to centre ${r.centre_number}`,
          }))}
          busy={busy}
          choose={setChosen}
        />
      )}
      {chosen && (
        <div className="confirm" role="group" aria-labelledby={`confirm-${a.id}`} tabIndex={-1} ref={confirmBox}>
          <p id={`confirm-${a.id}`}>
            Approve and link {chosen.action}? {name} will see that record's documents.
          </p>
          <button type="button" className="button" disabled={busy} onClick={() => approve(chosen.link)}>
            Yes, approve
          </button>
          <button type="button" className="button button--secondary" onClick={() => setChosen(null)}>
            Cancel
          </button>
        </div>
      )}
      <details className="reject">
        <summary>Reject this registration</summary>
        <form onSubmit={reject} noValidate className="form">
          <TextField name={reasonField} label="Reason (e-mailed to them)" multiline value={reason} onChange={setReason} required maxLength={500} problem={shown} />
          <SubmitButton busy={busy} secondary>
            Reject
          </SubmitButton>
        </form>
      </details>
    </section>
  );
}

const fold = (v: string | null | undefined) => (v ?? "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/\s+/g, " ").trim();
const domainOf = (email: string) => email.slice(email.lastIndexOf("@") + 1);

/** A record's value, marked where it is not what was submitted (so the eye goes to it). */
function differs(record: string, submitted: string | null | undefined, shown: string = record): ReactNode {
  if (fold(record) === fold(submitted)) return shown;
  return (
    <mark title={`Submitted: ${submitted ?? "nothing"}`}>
      {shown}
      <span className="visually-hidden"> (differs from the submitted {submitted || "value"})</span>
    </mark>
  );
}

interface RecordRow {
  key: string;
  cells: ReactNode[];
  link: Schemas["ApproveInput"];
  /** The end of the button's accessible name: who is linked to what. */
  action: string;
}

function ClosestRecords({ label, empty, headings, rows, busy, choose }: { label: string; empty: string; headings: string[]; rows: RecordRow[]; busy: boolean; choose(row: RecordRow): void }) {
  if (rows.length === 0) return <p>{empty}</p>;
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={label}>
      <table>
        <thead>
          <tr>
            {headings.map((h) => (
              <th scope="col" key={h}>
                {h}
              </th>
            ))}
            <th scope="col">
              <span className="visually-hidden">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key}>
              {row.cells.map((cell, i) => (
                <td key={i}>{cell}</td>
              ))}
              <td>
                <button type="button" className="button button--small" disabled={busy} onClick={() => choose(row)}>
                  Approve and link<span className="visually-hidden"> {row.action}</span>
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
