import { useCallback, useState } from "react";
import { Link, useParams } from "react-router";
import { call, client } from "../api/client";
import { LoadFailure, Notice } from "../components/Fields";
import { OrderDialog } from "../components/OrderDialog";
import { Page } from "../components/Page";
import { useLoaded } from "../components/useLoaded";
import { KIND, STATUS, longDate } from "./Documents";

/** CON-8: what a learner shares with this third party, view-only, while the connection is active. */
export function SharedDocuments() {
  const { id = "" } = useParams();
  const fetchOne = useCallback(() => call(client.GET("/api/connections/{id}/documents", { params: { path: { id } } })), [id]);
  const { data: shared, problem, reload: load } = useLoaded(fetchOne);
  // The document a letter is being ordered for.
  const [ordering, setOrdering] = useState<string | null>(null);
  const back = (
    <p>
      <Link to="/connections">Back to your connections</Link>
    </p>
  );

  if (!shared) {
    // 409: the connection is no longer active (expired, cancelled, or not yet accepted).
    const ended = problem?.status === 409;
    return (
      <Page title={ended ? "This connection is not active" : "Shared documents"}>
        {back}
        {ended ? (
          <Notice kind="warning">
            <p>{problem.detail ?? "You can see a learner's documents only while the connection is active and has not expired."}</p>
            <p>If it has expired, you can ask the learner for more time from the Inactive tab of your connections.</p>
          </Notice>
        ) : (
          <LoadFailure problem={problem} retry={load} />
        )}
        {!problem && <p role="status">Loading the shared documents…</p>}
      </Page>
    );
  }
  const c = shared.connection;
  const through = `?connection=${encodeURIComponent(c.id)}`;
  return (
    <Page title={`Documents shared by ${c.other.name}`} lead={`Shared with you until ${longDate(c.expires_on)}. These copies are for viewing here only: printed or downloaded, they are not valid.`} wide>
      {back}
      {shared.items.length === 0 && <p>{c.other.name} has not shared any documents with you yet. Ask them to choose the documents to share.</p>}
      {shared.items.some((d) => d.status === "valid" && d.type !== "badge") && <p>To have an achievement confirmed in writing, order a proof-of-qualification letter: it is issued to you online, with its own reference, as soon as it is paid.</p>}
      <ul className="cards cards--stack">
        {shared.items.map((d) => {
          const what = ` ${KIND[d.type].toLowerCase()} ${d.reference}`;
          return (
            <li key={d.reference} className="card">
              <section aria-labelledby={`shared-${d.reference}`}>
                <h2 id={`shared-${d.reference}`} className="card__title">
                  {KIND[d.type]}: {d.qualification_title}
                </h2>
                <dl className="summary summary--compact">
                  <div>
                    <dt>Learner</dt>
                    <dd>{d.learner_name}</dd>
                  </div>
                  <div>
                    <dt>Reference</dt>
                    <dd className="reference">{d.reference}</dd>
                  </div>
                  <div>
                    <dt>Qualification code</dt>
                    <dd>{d.qualification_code}</dd>
                  </div>
                  <div>
                    <dt>Award date</dt>
                    <dd>{longDate(d.award_date)}</dd>
                  </div>
                  <div>
                    <dt>Status</dt>
                    <dd>
                      <span className={d.status === "valid" ? "tag" : "tag tag--danger"}>{STATUS[d.status]}</span>
                      {d.status === "superseded" && d.superseded_by && <> by {d.superseded_by}</>}
                    </dd>
                  </div>
                </dl>
                <div className="row-actions">
                  <Link className="button button--small" to={`/documents/${d.reference}${through}`}>
                    View details<span className="visually-hidden"> of{what}</span>
                  </Link>
                  {d.type !== "badge" && (
                    <a className="button button--small button--secondary" href={`/api/documents/${encodeURIComponent(d.reference)}/pdf${through}`} target="_blank" rel="noopener">
                      {d.type === "certificate" ? "eCertificate" : d.type === "unit_certificate" ? "eTranscript" : "eLetter"}
                      <span className="visually-hidden"> {d.reference} (PDF, opens in a new tab)</span>
                    </a>
                  )}
                  {d.status === "valid" && (d.type === "certificate" || d.type === "unit_certificate") && (
                    <button type="button" className="button button--small button--secondary" onClick={() => setOrdering(d.reference)}>
                      Order a letter<span className="visually-hidden"> for{what}</span>
                    </button>
                  )}
                  <Link className="button button--small button--warning" to={`/documents/${d.reference}${through}&report=1`}>
                    Report a problem<span className="visually-hidden"> with{what}</span>
                  </Link>
                </div>
              </section>
            </li>
          );
        })}
      </ul>
      {ordering && <OrderDialog title={`Order a letter: ${ordering}`} references={[ordering]} connectionId={c.id} onClose={() => setOrdering(null)} />}
    </Page>
  );
}
