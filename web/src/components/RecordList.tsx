import { Link } from "react-router";
import { recordKey, type CentreRecord } from "../api/centre";
import { KIND, STATUS, longDate } from "../pages/Documents";
import { useWide } from "./useWide";

/** Where a document's page leads back to: the job or the search the centre user came from. */
export interface Back {
  to: string;
  label: string;
}

interface Props {
  records: CentreRecord[];
  back: Back;
  /** A checkbox per record (the Records page); none on a job's page. */
  selected?: ReadonlySet<string>;
  onSelect?(record: CentreRecord, on: boolean): void;
  onReport(record: CentreRecord): void;
  /** The job each record was issued in (the Records page, where they are mixed). */
  showJob?: boolean;
  caption: string;
}

function who(r: CentreRecord) {
  return `${r.first_name} ${r.last_name}`;
}

/** The record's documents a printed copy may be ordered of (CEN-6): valid certificates and unit certificates. */
function orderableReferences(r: CentreRecord): string[] {
  return r.documents.filter((d) => d.status === "valid" && (d.type === "certificate" || d.type === "unit_certificate")).map((d) => d.reference);
}

/** The centre store with this record's documents (the way back is the page the user came from). */
function OrderLink({ record: r, back }: { record: CentreRecord; back: Back }) {
  const references = orderableReferences(r);
  if (references.length === 0) return null;
  const query = new URLSearchParams(references.map((reference) => ["reference", reference]));
  return (
    <Link className="button button--small button--secondary" to={`/store?${query.toString()}`} state={{ back }}>
      Order a printed copy
      <span className="visually-hidden">
        {" "}
        for {who(r)}, {r.qualification_title}
      </span>
    </Link>
  );
}

/** CEN-1, CEN-2: learners' records with their documents, a table on wide screens, cards on phones. */
export function RecordList(props: Props) {
  const wide = useWide();
  return wide ? <RecordTable {...props} /> : <RecordCards {...props} />;
}

function RecordTable({ records, back, selected, onSelect, onReport, showJob, caption }: Props) {
  return (
    <div className="table-wrap">
      <table className="records">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {selected && (
              <th scope="col" className="records__select">
                <span className="visually-hidden">Selected</span>
              </th>
            )}
            <th scope="col">Learner</th>
            <th scope="col">Qualification</th>
            <th scope="col">Award date</th>
            <th scope="col">Documents</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {records.map((r) => {
            const key = recordKey(r);
            return (
              <tr key={key} className={selected?.has(key) ? "records__row--selected" : undefined}>
                {selected && (
                  <td className="records__select">
                    <Select record={r} checked={selected.has(key)} onSelect={onSelect} />
                  </td>
                )}
                <th scope="row">
                  {who(r)}
                  <span className="records__sub">{r.enrolment_number}</span>
                </th>
                <td>
                  {r.qualification_title}
                  <span className="records__sub">
                    {r.qualification_code}
                    {showJob && (
                      <>
                        {" · "}
                        <Link to={`/centre/jobs/${encodeURIComponent(r.job_id)}`}>Job {r.job_id}</Link>
                      </>
                    )}
                  </span>
                </td>
                <td>{longDate(r.award_date)}</td>
                <td>
                  <Documents record={r} back={back} />
                </td>
                <td>
                  <div className="row-actions">
                    <OrderLink record={r} back={back} />
                    <ReportButton record={r} onReport={onReport} />
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function RecordCards({ records, back, selected, onSelect, onReport, showJob }: Props) {
  return (
    <ul className="cards cards--stack">
      {records.map((r) => {
        const key = recordKey(r);
        const headingId = `record-${key.replace(/[^a-zA-Z0-9_-]/g, "-")}`;
        return (
          <li key={key} className={selected?.has(key) ? "card records__card--selected" : "card"}>
            {/* Not a section: one learner's records would be landmarks of the same name. */}
            <article aria-labelledby={headingId}>
              <div className="records__card-head">
                <h3 id={headingId} className="card__title">
                  {who(r)}
                </h3>
                {selected && <Select record={r} checked={selected.has(key)} onSelect={onSelect} visible />}
              </div>
              <dl className="summary summary--compact">
                <div>
                  <dt>Enrolment number</dt>
                  <dd>{r.enrolment_number}</dd>
                </div>
                <div>
                  <dt>Qualification</dt>
                  <dd>
                    {r.qualification_title} ({r.qualification_code})
                  </dd>
                </div>
                <div>
                  <dt>Award date</dt>
                  <dd>{longDate(r.award_date)}</dd>
                </div>
                {showJob && (
                  <div>
                    <dt>Issued in</dt>
                    <dd>
                      <Link to={`/centre/jobs/${encodeURIComponent(r.job_id)}`}>Job {r.job_id}</Link>
                    </dd>
                  </div>
                )}
                <div>
                  <dt>Documents</dt>
                  <dd>
                    <Documents record={r} back={back} />
                  </dd>
                </div>
              </dl>
              <div className="row-actions">
                <OrderLink record={r} back={back} />
                <ReportButton record={r} onReport={onReport} />
              </div>
            </article>
          </li>
        );
      })}
    </ul>
  );
}

function Select({ record: r, checked, onSelect, visible }: { record: CentreRecord; checked: boolean; onSelect?: Props["onSelect"]; visible?: boolean }) {
  const id = `select-${recordKey(r).replace(/[^a-zA-Z0-9_-]/g, "-")}`;
  return (
    <div className="field--checkbox records__checkbox">
      <input type="checkbox" id={id} checked={checked} onChange={(e) => onSelect?.(r, e.target.checked)} />
      <label htmlFor={id}>
        {visible ? "Select" : <span className="visually-hidden">Select</span>}
        <span className="visually-hidden">
          {" "}
          {who(r)}, {r.qualification_title}, {longDate(r.award_date)}
        </span>
      </label>
    </div>
  );
}

/** The record's documents, each opening the document's page (view only: centres cannot share). */
function Documents({ record: r, back }: { record: CentreRecord; back: Back }) {
  return (
    <ul className="records__documents">
      {r.documents.map((d) => (
        <li key={d.reference}>
          <Link to={`/documents/${encodeURIComponent(d.reference)}`} state={{ back }}>
            {KIND[d.type]} <span className="reference">{d.reference}</span>
          </Link>
          {d.status !== "valid" && <span className="tag tag--danger">{STATUS[d.status]}</span>}
        </li>
      ))}
    </ul>
  );
}

function ReportButton({ record: r, onReport }: { record: CentreRecord; onReport(r: CentreRecord): void }) {
  return (
    <button type="button" className="button button--small button--warning" onClick={() => onReport(r)}>
      Report a problem
      <span className="visually-hidden">
        {" "}
        with the record of {who(r)}, {r.qualification_title}
      </span>
    </button>
  );
}
