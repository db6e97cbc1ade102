import { useCallback, useState } from "react";
import { Link, useParams } from "react-router";
import { dateTime, type CentreJobSummary, type CentreRecord } from "../api/centre";
import { call, client, type Outcome } from "../api/client";
import { DownloadDialog, ReportDialog } from "../components/CentreDialogs";
import { LoadFailure, Notice } from "../components/Fields";
import { Page } from "../components/Page";
import { RecordList } from "../components/RecordList";
import { usePaged } from "../components/usePaged";
import { useWide } from "../components/useWide";
import { useReady } from "../session";

function jobLink(id: string) {
  return `/centre/jobs/${encodeURIComponent(id)}`;
}

/** CEN-1: the jobs that issued documents to the centre's learners, newest first. */
export function CentreJobs() {
  const wide = useWide();
  const fetchPage = useCallback((cursor?: string) => call(client.GET("/api/centre/jobs", { params: { query: { cursor, limit: 25 } } })), []);
  const { items, problem, more, reload } = usePaged(fetchPage);
  return (
    <Page title="Jobs issued" lead="A job is a batch of documents issued together to your centre's learners. Open one to see its learners' records and documents, or to download them all." wide>
      <LoadFailure problem={problem} retry={reload} />
      {!items && !problem && <p role="status">Loading jobs…</p>}
      {items && items.length === 0 && <p>No documents have been issued to your centre's learners yet. When they are, the centre's e-mail address is told and the job appears here.</p>}
      {items && items.length > 0 && (wide ? <JobTable items={items} /> : <JobCards items={items} />)}
      {more && (
        <button type="button" className="button button--secondary" onClick={more}>
          Show more jobs
        </button>
      )}
    </Page>
  );
}

function JobTable({ items }: { items: CentreJobSummary[] }) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Jobs issued, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Issued</th>
            <th scope="col">Status</th>
            <th scope="col" className="numeric">
              Achievements
            </th>
            <th scope="col" className="numeric">
              Documents
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((j) => (
            <tr key={j.job_id}>
              <th scope="row">
                <Link to={jobLink(j.job_id)}>Job {j.job_id}</Link>
              </th>
              <td>{dateTime(j.created_at)}</td>
              <td>
                <JobStatus job={j} />
              </td>
              <td className="numeric">{j.achievements.toLocaleString("en-GB")}</td>
              <td className="numeric">{j.documents.toLocaleString("en-GB")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function JobCards({ items }: { items: CentreJobSummary[] }) {
  return (
    <ul className="cards cards--stack">
      {items.map((j) => (
        <li key={j.job_id} className="card">
          <section aria-labelledby={`job-${j.job_id.replace(/[^a-zA-Z0-9_-]/g, "-")}`}>
            <h2 id={`job-${j.job_id.replace(/[^a-zA-Z0-9_-]/g, "-")}`} className="card__title">
              <Link to={jobLink(j.job_id)}>Job {j.job_id}</Link>
            </h2>
            <JobFacts job={j} />
          </section>
        </li>
      ))}
    </ul>
  );
}

function JobStatus({ job }: { job: CentreJobSummary }) {
  return job.issued ? <span className="tag">Issued</span> : <span className="tag tag--warning">Being issued</span>;
}

function JobFacts({ job: j }: { job: CentreJobSummary }) {
  return (
    <dl className="summary summary--compact">
      <div>
        <dt>Issued</dt>
        <dd>{dateTime(j.created_at)}</dd>
      </div>
      <div>
        <dt>Status</dt>
        <dd>
          <JobStatus job={j} />
        </dd>
      </div>
      <div>
        <dt>Achievements</dt>
        <dd>{j.achievements.toLocaleString("en-GB")}</dd>
      </div>
      <div>
        <dt>Documents</dt>
        <dd>{j.documents.toLocaleString("en-GB")}</dd>
      </div>
    </dl>
  );
}

/** CEN-1: one job — its records with their documents (a page at a time), and a download of them all. */
export function CentreJob() {
  const { site } = useReady();
  const { jobId = "" } = useParams();
  const [job, setJob] = useState<CentreJobSummary | null>(null);
  // The job comes with each page of its records.
  const fetchPage = useCallback(
    async (cursor?: string): Promise<Outcome<{ items: CentreRecord[]; next_cursor: string | null }>> => {
      const outcome = await call(client.GET("/api/centre/jobs/{job_id}", { params: { path: { job_id: jobId }, query: { cursor, limit: 50 } } }));
      if (!outcome.ok) return outcome;
      setJob(outcome.data.job);
      return { ...outcome, data: { items: outcome.data.records, next_cursor: outcome.data.next_cursor ?? null } };
    },
    [jobId],
  );
  const { items: records, problem, more, reload } = usePaged(fetchPage);
  const [downloading, setDownloading] = useState(false);
  const [reporting, setReporting] = useState<CentreRecord | null>(null);
  const [reported, setReported] = useState<string | null>(null);
  const back = (
    <p>
      <Link to="/centre/jobs">Back to the jobs</Link>
    </p>
  );

  if (!job || !records || job.job_id !== jobId) {
    return (
      <Page title={problem?.status === 404 ? "Job not found" : `Job ${jobId}`}>
        {back}
        {problem?.status === 404 ? <p>There is no job {jobId} for your centre. Check the link, or find the job in the list of jobs.</p> : <LoadFailure problem={problem} retry={reload} />}
        {!problem && <p role="status">Loading the job…</p>}
      </Page>
    );
  }
  const none = job.documents === 0;
  return (
    <Page title={`Job ${job.job_id}`} wide>
      {back}
      <JobFacts job={job} />
      <div className="actions">
        <button type="button" className="button" onClick={() => setDownloading(true)} disabled={none || !job.issued} aria-describedby="download-all-hint">
          Download all
        </button>
        <p className="hint" id="download-all-hint">
          {!job.issued
            ? "The job's documents are still being issued. Reload the page in a moment to download them."
            : none
              ? "This job has no documents to download."
              : "A zip file of every document of this job (badges have no PDF, so they are left out), prepared on the Downloads page."}
        </p>
      </div>
      {reported && (
        <Notice kind="success" focus>
          Thank you. Your report on {reported} has been sent to {site.organisation_name}. We will e-mail you when it has been looked into.
        </Notice>
      )}
      <h2>Records</h2>
      {records.length === 0 && <p>This job has no records yet.</p>}
      {records.length > 0 && <RecordList records={records} back={{ to: jobLink(job.job_id), label: `Back to job ${job.job_id}` }} onReport={setReporting} caption={`The records of job ${job.job_id}`} />}
      {more && (
        <button type="button" className="button button--secondary" onClick={more}>
          Show more records
        </button>
      )}
      {downloading && <DownloadDialog of={{ job_id: job.job_id }} onClose={() => setDownloading(false)} />}
      {reporting && (
        <ReportDialog
          record={reporting}
          onClose={() => setReporting(null)}
          onSent={(reference) => {
            setReporting(null);
            setReported(reference);
          }}
        />
      )}
    </Page>
  );
}
