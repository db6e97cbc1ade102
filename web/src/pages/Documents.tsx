import { useCallback, useState } from "react";
import { Link } from "react-router";
import { call, client, type Schemas } from "../api/client";
import { LoadFailure } from "../components/Fields";
import { OrderDialog } from "../components/OrderDialog";
import { usePaged } from "../components/usePaged";
import { Page } from "../components/Page";
import { useReady } from "../session";

type Achievement = Schemas["Achievement"];
type IssuedDocument = Schemas["IssuedDocument"];

export const KIND: Record<IssuedDocument["type"], string> = {
  certificate: "Certificate",
  unit_certificate: "Unit certificate",
  letter: "Letter",
  badge: "Digital badge",
};

export const STATUS: Record<IssuedDocument["status"], string> = {
  valid: "Valid",
  revoked: "Revoked",
  withdrawn: "Withdrawn",
  superseded: "Replaced",
};

export function longDate(iso: string) {
  return new Date(`${iso}T12:00:00Z`).toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric" });
}

/** DOC-3: a card per achievement, as in the guides, and the badges section. */
export function Documents() {
  const { site } = useReady();
  const fetchAll = useCallback(() => call(client.GET("/api/documents")), []);
  const { items, problem, reload: load } = usePaged(fetchAll);

  const badges = (items ?? []).flatMap((a) => a.documents.filter((d) => d.type === "badge").map((d) => ({ achievement: a, badge: d })));
  return (
    <Page title="Your documents" lead={`The official documents ${site.organisation_name} has issued to you. They are as valid as the printed ones.`} wide>
      <LoadFailure problem={problem} retry={load} />
      {!items && !problem && <p role="status">Loading your documents…</p>}
      {items && items.length === 0 && (
        <p>
          No documents have been issued to you yet. When one is, we will e-mail you. If you expected to see documents here, e-mail{" "}
          <a href={`mailto:${site.support_email}`}>{site.support_email}</a> with your name and enrolment number.
        </p>
      )}
      {items && items.length > 0 && (
        <ul className="cards cards--stack">
          {items.map((a) => (
            <li key={`${a.job_id}-${a.qualification_code}-${a.award_date}`} className="card">
              <AchievementCard achievement={a} />
            </li>
          ))}
        </ul>
      )}
      {badges.length > 0 && (
        <section aria-labelledby="badges" className="section">
          <h2 id="badges">Your badges</h2>
          <ul className="cards">
            {badges.map(({ achievement, badge }) => (
              <li key={badge.reference} className="card">
                <h3 className="card__title">{achievement.qualification_title}</h3>
                <dl className="summary summary--compact">
                  <div>
                    <dt>Issued to</dt>
                    <dd>
                      {achievement.first_name} {achievement.last_name}
                    </dd>
                  </div>
                  <div>
                    <dt>Date</dt>
                    <dd>{longDate(achievement.award_date)}</dd>
                  </div>
                  <div>
                    <dt>Credential ID</dt>
                    <dd className="reference">{badge.reference}</dd>
                  </div>
                </dl>
                <img className="badge-image badge-image--small" src={`/api/documents/${badge.reference}/badge`} alt="" width={120} height={120} />
                {badge.status !== "valid" && <p className="tag tag--danger">{STATUS[badge.status]}</p>}
                <p>
                  <Link to={`/documents/${badge.reference}`}>
                    {badge.status === "valid" ? "See the badge and add it to LinkedIn" : "See the badge"}
                    <span className="visually-hidden">: {achievement.qualification_title}</span>
                  </Link>
                </p>
              </li>
            ))}
          </ul>
        </section>
      )}
    </Page>
  );
}

function AchievementCard({ achievement: a }: { achievement: Achievement }) {
  const [ordering, setOrdering] = useState(false);
  // What can be ordered for: the valid certificates and unit certificates (not badges).
  const orderable = a.documents.filter((d) => d.status === "valid" && d.type !== "badge").map((d) => d.reference);
  const headingId = `achievement-${a.job_id}-${a.qualification_code}`.replace(/[^a-zA-Z0-9_-]/g, "-");
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId} className="card__title">
        {a.qualification_title}
      </h2>
      <dl className="summary summary--compact">
        <div>
          <dt>Candidate number</dt>
          <dd>{a.enrolment_number}</dd>
        </div>
        <div>
          <dt>Full name</dt>
          <dd>
            {a.first_name} {a.last_name}
          </dd>
        </div>
        <div>
          <dt>Qualification code</dt>
          <dd>{a.qualification_code}</dd>
        </div>
        {a.course && (
          <div>
            <dt>Course</dt>
            <dd>{a.course}</dd>
          </div>
        )}
        <div>
          <dt>Award date</dt>
          <dd>{longDate(a.award_date)}</dd>
        </div>
      </dl>
      <h3>Documents</h3>
      <ul className="doc-list">
        {a.documents.map((d) => (
          <li key={d.reference}>
            <span className="doc-list__kind">{KIND[d.type]}</span>
            <span className="reference">{d.reference}</span>
            <span className={d.status === "valid" ? "tag" : "tag tag--danger"}>{STATUS[d.status]}</span>
            <span className="doc-list__actions">
              <Link to={`/documents/${d.reference}`}>
                View<span className="visually-hidden"> {KIND[d.type].toLowerCase()} {d.reference}</span>
              </Link>
              <Link to={`/documents/${d.reference}?report=1`}>
                Report a problem<span className="visually-hidden"> with {KIND[d.type].toLowerCase()} {d.reference}</span>
              </Link>
            </span>
          </li>
        ))}
      </ul>
      {a.units.length > 0 && (
        <details>
          <summary>Units ({a.units.length})</summary>
          <ul className="plain-list">
            {a.units.map((u) => (
              <li key={u.code}>
                {u.code}: {u.title}
                {u.grade ? ` — ${u.grade}` : ""}
              </li>
            ))}
          </ul>
        </details>
      )}
      {orderable.length > 0 && (
        <div className="actions">
          <button type="button" className="button button--secondary" onClick={() => setOrdering(true)} aria-describedby={`${headingId}-order`}>
            Order a printed copy or a letter<span className="visually-hidden"> for {a.qualification_title}</span>
          </button>
          <p className="hint" id={`${headingId}-order`}>
            A printed replacement posted to you, or a confirmation of award letter issued online.
          </p>
        </div>
      )}
      {ordering && <OrderDialog title={`Order for ${a.qualification_title}`} references={orderable} onClose={() => setOrdering(false)} />}
    </section>
  );
}
