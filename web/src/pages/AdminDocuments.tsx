import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { call, client, type Problem, type Schemas } from "../api/client";
import { ErrorSummary, Notice, SubmitButton, TextField } from "../components/Fields";
import { Page } from "../components/Page";
import { KIND, STATUS, longDate } from "./Documents";

type Action = "revoke" | "withdraw" | "reissue";

const ACTIONS: Record<Action, { label: string; explain: string; done: string }> = {
  revoke: { label: "Revoke", explain: "It will show as revoked, not valid, everywhere at once — on the verify page its QR code opens too.", done: "The document is revoked." },
  withdraw: { label: "Withdraw", explain: "It will show as withdrawn, not valid, until it is reissued.", done: "The document is withdrawn." },
  reissue: { label: "Reissue", explain: "A new document with the next issue number replaces it; the old one shows as superseded, pointing to the new one. The learner is e-mailed.", done: "The document was reissued" },
};

/** DOC-8: find a document by its reference; revoke, withdraw or reissue it, giving a reason. */
export function AdminDocuments() {
  const [params, setParams] = useSearchParams();
  const reference = params.get("reference") ?? "";
  const [typed, setTyped] = useState(reference);
  const [doc, setDoc] = useState<Schemas["DocumentView"] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const load = useCallback(async () => {
    setDoc(null);
    setProblem(null);
    if (!reference) return;
    const outcome = await call(client.GET("/api/documents/{reference}", { params: { path: { reference } } }));
    if (outcome.ok) setDoc(outcome.data);
    else setProblem(outcome.problem.status === 404 ? { ...outcome.problem, title: "No document has this reference", detail: "Check the reference: 8 digits, the issue number and 4 characters, such as 42121928-01-5KNA." } : outcome.problem);
  }, [reference]);
  useEffect(() => {
    load();
  }, [load]);

  function find(e: FormEvent) {
    e.preventDefault();
    setMessage(null);
    setParams(typed.trim() ? { reference: typed.trim().toUpperCase() } : {});
  }

  return (
    <Page title="Documents" lead="Find a document by its reference to revoke, withdraw or reissue it. Every change is recorded in the audit log with your reason." wide>
      <form onSubmit={find} className="form form--inline" role="search">
        <TextField name="reference" label="Reference" type="search" value={typed} onChange={setTyped} width="medium" />
        <SubmitButton busy={false}>Find</SubmitButton>
      </form>
      {message && (
        <Notice kind="success" focus>
          {message}
        </Notice>
      )}
      <ErrorSummary problem={problem} />
      {doc && (
        <>
          <h2>
            {KIND[doc.type]}: {doc.achievement.qualification_title}
          </h2>
          <dl className="summary summary--compact">
            <div>
              <dt>Reference</dt>
              <dd className="reference">{doc.reference}</dd>
            </div>
            <div>
              <dt>Status</dt>
              <dd>
                {STATUS[doc.status]}
                {doc.superseded_by && (
                  <>
                    {" "}
                    by <Link to={`/admin/documents?reference=${doc.superseded_by}`}>{doc.superseded_by}</Link>
                  </>
                )}
              </dd>
            </div>
            <div>
              <dt>Learner</dt>
              <dd>
                {doc.achievement.first_name} {doc.achievement.last_name} ({doc.achievement.enrolment_number})
              </dd>
            </div>
            <div>
              <dt>Award date</dt>
              <dd>{longDate(doc.achievement.award_date)}</dd>
            </div>
            <div>
              <dt>Verify page</dt>
              <dd>
                <a href={doc.verify_url}>{doc.verify_url}</a>
              </dd>
            </div>
          </dl>
          <Change
            doc={doc}
            onDone={(text, next) => {
              setMessage(text);
              if (next) setParams({ reference: next });
              else load();
            }}
          />
        </>
      )}
    </Page>
  );
}

function Change({ doc, onDone }: { doc: Schemas["DocumentView"]; onDone(message: string, next?: string): void }) {
  const [action, setAction] = useState<Action | null>(null);
  const [reason, setReason] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const box = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (action) box.current?.querySelector("textarea")?.focus();
  }, [action]);
  // As the API allows: revoked and superseded are final; withdrawn can be revoked or reissued.
  const available: Action[] = doc.status === "valid" ? ["revoke", "withdraw", "reissue"] : doc.status === "withdrawn" ? ["revoke", "reissue"] : [];
  const actions = useRef<HTMLDivElement>(null);
  const chosen = useRef(false);
  useEffect(() => {
    // Cancelling gives focus back to the actions rather than to nothing.
    if (!action && chosen.current) actions.current?.querySelector("button")?.focus();
    chosen.current = action !== null;
  }, [action]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!action) return;
    setBusy(true);
    const options = { params: { path: { reference: doc.reference } }, body: { reason } };
    const outcome =
      action === "revoke"
        ? await call(client.POST("/api/admin/documents/{reference}/revoke", options))
        : action === "withdraw"
          ? await call(client.POST("/api/admin/documents/{reference}/withdraw", options))
          : await call(client.POST("/api/admin/documents/{reference}/reissue", options));
    setBusy(false);
    if (!outcome.ok) {
      setProblem(outcome.problem);
      return;
    }
    const next = outcome.data.reissued_as ?? undefined;
    onDone(next ? `${ACTIONS.reissue.done} as ${next}.` : ACTIONS[action].done, next);
  }

  return (
    <section aria-labelledby="change-heading" className="section">
      <h2 id="change-heading">Change this document</h2>
      {available.length === 0 ? (
        <p>This document is {STATUS[doc.status].toLowerCase()}: that is final.</p>
      ) : !action ? (
        <div className="actions" ref={actions}>
          {available.map((a) => (
            <button key={a} type="button" className={a === "reissue" ? "button button--secondary" : "button button--danger"} onClick={() => setAction(a)}>
              {ACTIONS[a].label}…
            </button>
          ))}
        </div>
      ) : (
        <form onSubmit={submit} noValidate className="form confirm" ref={box}>
          <p>
            <strong>
              {ACTIONS[action].label} {doc.reference}?
            </strong>{" "}
            {ACTIONS[action].explain}
          </p>
          <ErrorSummary problem={problem} />
          <TextField name="reason" label="Reason" multiline required value={reason} onChange={setReason} problem={problem} maxLength={500} hint="Kept in the audit log. Up to 500 characters." />
          <div className="actions">
            <SubmitButton busy={busy}>{ACTIONS[action].label} the document</SubmitButton>
            <button type="button" className="button button--secondary" onClick={() => setAction(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
