import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import type { CentreRecord, NotifyResult } from "../api/centre";
import { call, client, type Problem } from "../api/client";
import { KIND, longDate } from "../pages/Documents";
import { useReady } from "../session";
import { Dialog } from "./Dialog";
import { ErrorSummary, Notice, SubmitButton, TextField } from "./Fields";
import { ReportForm } from "./ReportForm";

function plural(n: number, one: string, many: string) {
  return `${n.toLocaleString("en-GB")} ${n === 1 ? one : many}`;
}

/** A key for one request, so that sending the form twice (a double click, a retry) queues one zip. */
function newKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** What a download is of: chosen documents (from records), or every PDF of a job. */
export type DownloadOf = { references: string[]; records: number } | { job_id: string };

/** A record's documents that go into a download: badges have no PDF. */
export function pdfReferences(records: CentreRecord[]): string[] {
  return records.flatMap((r) => r.documents.filter((d) => d.type !== "badge").map((d) => d.reference));
}

/**
 * CEN-4: the short form before a bulk download (its purpose, required); once the portal has
 * queued the zip, the Downloads page, where it is built.
 */
export function DownloadDialog({ of, onClose }: { of: DownloadOf; onClose(): void }) {
  const navigate = useNavigate();
  const [purpose, setPurpose] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [busy, setBusy] = useState(false);
  const [key] = useState(newKey);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!purpose.trim()) {
      setErrors({ purpose: "Enter why you are downloading these documents" });
      return;
    }
    setErrors({});
    setBusy(true);
    const body = "references" in of ? { references: of.references, purpose: purpose.trim() } : { job_id: of.job_id, purpose: purpose.trim() };
    const outcome = await call(client.POST("/api/centre/downloads", { body, params: { header: { "Idempotency-Key": key } } }));
    setBusy(false);
    if (outcome.ok) navigate("/centre/downloads", { state: { requested: outcome.data.id } });
    else
      setProblem(
        onlyFields(outcome.problem, ["purpose"], (field) => {
          if ("job_id" in of) return `Job ${of.job_id}`;
          const i = indexIn(field, "references");
          return i === undefined ? "The selected documents" : `Document ${of.references[i] ?? ""}`;
        }),
      );
  }

  return (
    <Dialog title="Download documents" onClose={onClose}>
      <form onSubmit={submit} noValidate className="form">
        <ErrorSummary problem={problem} errors={errors} />
        <p>
          {"references" in of
            ? `A zip file of the ${plural(of.references.length, "document", "documents")} of the ${plural(of.records, "selected record", "selected records")} will be prepared.`
            : `A zip file of every document issued in job ${of.job_id} will be prepared.`}{" "}
          Badges are not included: they have no PDF.
        </p>
        <p>You will find it on the Downloads page when it is ready. It is deleted 7 days after you ask for it.</p>
        <TextField
          name="purpose"
          label="Purpose of the download"
          multiline
          required
          maxLength={500}
          hint="Why you need these copies, for example evidence for an audit. It is kept with the download. Up to 500 characters."
          value={purpose}
          onChange={setPurpose}
          problem={problem}
          errors={errors}
        />
        <div className="actions">
          <SubmitButton busy={busy}>Prepare the download</SubmitButton>
          <button type="button" className="button button--secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export interface Learner {
  enrolment_number: string;
  name: string;
}

/** The learners of some records, each once. */
export function learnersOf(records: CentreRecord[]): Learner[] {
  const seen = new Map<string, Learner>();
  for (const r of records) {
    if (!seen.has(r.enrolment_number)) seen.set(r.enrolment_number, { enrolment_number: r.enrolment_number, name: `${r.first_name} ${r.last_name}` });
  }
  return [...seen.values()];
}

/** The most learners one notification takes, as the API allows. */
export const NOTIFY_MAX = 500;

const SHOWN = 10;

/** Said when the API gives no words of its own. */
const SKIPPED: Record<NotifyResult["skipped"][number]["reason"], string> = {
  recently_notified: "already told about these documents recently",
  no_email: "no e-mail address",
  no_documents: "no documents to tell them about",
};

/** CEN-3: confirm, then e-mail the learners; the outcome says who was told and who was not, and why. */
export function NotifyDialog({ learners, onClose }: { learners: Learner[]; onClose(): void }) {
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<NotifyResult | null>(null);
  const names = new Map(learners.map((l) => [l.enrolment_number, l.name]));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const outcome = await call(client.POST("/api/centre/notifications", { body: { enrolment_numbers: learners.map((l) => l.enrolment_number) } }));
    setBusy(false);
    if (outcome.ok) {
      setProblem(null);
      setResult(outcome.data);
    } else
      setProblem(
        onlyFields(outcome.problem, [], (field) => {
          const learner = learners[indexIn(field, "enrolment_numbers") ?? -1];
          return learner ? `${learner.name} (${learner.enrolment_number})` : "The selected learners";
        }),
      );
  }

  if (result) {
    return (
      <Dialog title="Learners notified" onClose={onClose}>
        <Notice kind={result.sent > 0 ? "success" : "warning"} focus>
          {result.sent > 0 ? `${plural(result.sent, "learner was", "learners were")} e-mailed that their documents are available.` : "No learners were e-mailed."}
        </Notice>
        {result.skipped.length > 0 && (
          <>
            <h3>Not e-mailed ({result.skipped.length.toLocaleString("en-GB")})</h3>
            <ul className="skipped">
              {result.skipped.map((s) => (
                <li key={s.enrolment_number}>
                  <span className="skipped__who">
                    {names.get(s.enrolment_number) ?? s.enrolment_number} ({s.enrolment_number})
                  </span>
                  : {s.message || SKIPPED[s.reason]}
                </li>
              ))}
            </ul>
          </>
        )}
        <div className="actions">
          <button type="button" className="button" onClick={onClose}>
            Close
          </button>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog title={`Notify ${plural(learners.length, "learner", "learners")}?`} onClose={onClose}>
      <form onSubmit={submit} noValidate className="form">
        <ErrorSummary problem={problem} />
        <p>We will e-mail each of them that their documents are available to see in the portal, with a link to sign in — or to register, if they have no account yet.</p>
        <ul className="plain-list">
          {learners.slice(0, SHOWN).map((l) => (
            <li key={l.enrolment_number}>
              {l.name} ({l.enrolment_number})
            </li>
          ))}
          {learners.length > SHOWN && <li>and {plural(learners.length - SHOWN, "other", "others")}</li>}
        </ul>
        <p className="hint">A learner who has already been told about these documents recently is not e-mailed again.</p>
        <div className="actions">
          <SubmitButton busy={busy}>Yes, notify them</SubmitButton>
          <button type="button" className="button button--secondary" onClick={onClose}>
            No, go back
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/**
 * Messages about what is not a field of the form (the documents or learners chosen) are said in
 * the problem's detail, each with what it is about, not as links to a field that is not there.
 */
function onlyFields(problem: Problem, fields: string[], label: (field: string) => string): Problem {
  const other = problem.errors?.filter((e) => !fields.includes(e.field)) ?? [];
  if (other.length === 0) return problem;
  const kept = problem.errors?.filter((e) => fields.includes(e.field)) ?? [];
  return { ...problem, errors: kept.length ? kept : undefined, detail: [problem.detail, ...other.map((e) => `${label(e.field)}: ${e.message}.`)].filter(Boolean).join(" ") };
}

/** The item of a list a field like `references[3]` names. */
function indexIn(field: string, list: string): number | undefined {
  const found = new RegExp(`^${list}\\[(\\d+)\\]$`).exec(field)?.[1];
  return found === undefined ? undefined : Number(found);
}

/** CEN-5: a report on one of the record's documents, as a learner reports one (DOC-6). */
export function ReportDialog({ record: r, onClose, onSent }: { record: CentreRecord; onClose(): void; onSent(reference: string): void }) {
  const [reference, setReference] = useState(r.documents[0]?.reference ?? "");
  const choices = r.documents.length > 1;
  const name = `${r.first_name} ${r.last_name}`;
  return (
    <Dialog title={`Report a problem with a document of ${name}`} onClose={onClose} wide>
      <p>
        {r.qualification_title} ({r.qualification_code}), awarded {longDate(r.award_date)}. Enrolment number {r.enrolment_number}.
      </p>
      <ReportNote />
      {choices && (
        <fieldset className="field">
          <legend>Which document?</legend>
          {r.documents.map((d, i) => {
            const id = i === 0 ? "field-document" : `field-document-${i}`;
            return (
              <div className="radio" key={d.reference}>
                <input type="radio" name="document" id={id} value={d.reference} checked={reference === d.reference} onChange={() => setReference(d.reference)} />
                <label htmlFor={id}>
                  {KIND[d.type]} <span className="reference">{d.reference}</span>
                </label>
              </div>
            );
          })}
        </fieldset>
      )}
      <ReportForm reference={reference} onSent={() => onSent(reference)} onCancel={onClose} />
    </Dialog>
  );
}

function ReportNote() {
  const { site } = useReady();
  return <p className="hint">Your report goes to {site.organisation_name}, with your name and e-mail address, the learner's enrolment number and the qualification. We will e-mail you when it has been looked into.</p>;
}
