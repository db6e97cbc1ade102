import { useCallback, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { call, client, type Problem, type Schemas } from "../api/client";
import { ErrorSummary, LoadFailure, Notice, SubmitButton, TextField } from "../components/Fields";
import { Page } from "../components/Page";
import { usePaged } from "../components/usePaged";

type Report = Schemas["Report"];

/** ADM-3: reports on documents, oldest first; answer one and it closes, the reporter e-mailed. */
export function AdminReports() {
  const [params] = useSearchParams();
  const state = params.get("state") === "closed" ? "closed" : "open";
  const fetchPage = useCallback((cursor?: string) => call(client.GET("/api/admin/reports", { params: { query: { state, cursor, limit: 25 } } })), [state]);
  const { items, problem, more, reload } = usePaged(fetchPage);
  const [closed, setClosed] = useState<string | null>(null);

  return (
    <Page title="Reports on documents" lead="Problems people reported with their documents. Answer a report to close it: the answer is e-mailed to the person who reported it." wide>
      <nav aria-label="Reports" className="sub-nav">
        <ul>
          {(["open", "closed"] as const).map((s) => (
            <li key={s}>
              <Link to={s === "open" ? "/admin/reports" : "/admin/reports?state=closed"} aria-current={state === s ? "page" : undefined}>
                {s === "open" ? "Open" : "Closed"}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {closed && (
        <Notice kind="success" focus>
          The report was closed and the answer e-mailed to {closed}.
        </Notice>
      )}
      <LoadFailure problem={problem} retry={reload} />
      {!items && !problem && <p role="status">Loading reports…</p>}
      {items && items.length === 0 && <p>{state === "open" ? "No reports are waiting for an answer." : "No reports have been closed yet."}</p>}
      {items && items.length > 0 && (
        <ul className="cards cards--stack">
          {items.map((r) => (
            <li key={r.id} className="card">
              <ReportCard
                report={r}
                onClosed={() => {
                  setClosed(r.reporter_email);
                  reload();
                }}
              />
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

function ReportCard({ report: r, onClosed }: { report: Report; onClosed(): void }) {
  const [answer, setAnswer] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const headingId = `report-${r.id}`;

  async function close(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const outcome = await call(client.POST("/api/admin/reports/{id}/close", { params: { path: { id: r.id } }, body: { answer } }));
    setBusy(false);
    if (outcome.ok) onClosed();
    else setProblem(outcome.problem);
  }

  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId} className="card__title">
        {r.reason}
      </h2>
      <dl className="summary summary--compact">
        <div>
          <dt>Document</dt>
          <dd>
            <Link className="reference" to={`/admin/documents?reference=${r.reference}`}>
              {r.reference}
            </Link>
          </dd>
        </div>
        <div>
          <dt>Qualification</dt>
          <dd>{r.qualification_title}</dd>
        </div>
        <div>
          <dt>Enrolment number</dt>
          <dd>{r.enrolment_number}</dd>
        </div>
        <div>
          <dt>Reported by</dt>
          <dd>
            {r.reporter_name} ({r.reporter_email})
          </dd>
        </div>
        <div>
          <dt>Reported</dt>
          <dd>{new Date(r.created_at).toLocaleString("en-GB")}</dd>
        </div>
      </dl>
      <p className="quote">{r.description}</p>
      {r.state === "closed" ? (
        <>
          <h3>Answer{r.closed_at ? `, ${new Date(r.closed_at).toLocaleDateString("en-GB")}` : ""}</h3>
          <p className="quote">{r.answer}</p>
        </>
      ) : (
        <form onSubmit={close} noValidate className="form">
          <ErrorSummary problem={problem} scope={r.id} />
          <TextField name="answer" scope={r.id} label="Your answer" multiline required value={answer} onChange={setAnswer} problem={problem} maxLength={2000} hint={`E-mailed to ${r.reporter_email} when you close the report.`} />
          <SubmitButton busy={busy}>Answer and close</SubmitButton>
        </form>
      )}
    </section>
  );
}
