import { useCallback, useEffect, useState } from "react";
import { Link, useLocation } from "react-router";
import { dateTime, type Download } from "../api/centre";
import { call, client, type Problem } from "../api/client";
import { ErrorSummary, LoadFailure, Notice } from "../components/Fields";
import { Page } from "../components/Page";
import { usePaged } from "../components/usePaged";
import { useWide } from "../components/useWide";

/** How often a download being prepared is looked at again. */
const POLL_MS = 2000;

const STATUS: Record<Download["status"], string> = {
  queued: "Waiting",
  building: "Being prepared",
  ready: "Ready",
  failed: "Failed",
  expired: "Expired",
};

function working(d: Download) {
  return d.status === "queued" || d.status === "building";
}

function size(bytes: number) {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toLocaleString("en-GB", { maximumFractionDigits: 1 })} ${units[unit]}`;
}

type RowProps = { items: Download[]; onChange(d: Download): void };

/**
 * CEN-4: the zip files the centre asked for, newest first. While any is waiting or being prepared,
 * each of those is looked at again every 2 seconds (and no more once none is, or the page is
 * left); a ready one is fetched through a fresh signed link when its button is pressed.
 */
export function CentreDownloads() {
  const wide = useWide();
  const location = useLocation();
  const requested = (location.state as { requested?: string } | null)?.requested;
  const fetchPage = useCallback((cursor?: string) => call(client.GET("/api/centre/downloads", { params: { query: { cursor, limit: 25 } } })), []);
  const { items, setItems, problem, more, reload } = usePaged(fetchPage);
  const [announced, setAnnounced] = useState("");

  const change = useCallback(
    (d: Download) => setItems((old) => old && old.map((o) => (o.id === d.id ? d : o))),
    [setItems],
  );

  // The ids being prepared now: polling restarts whenever that set changes, and stops when empty.
  const busy = (items ?? []).filter(working).map((d) => d.id).join(" ");
  useEffect(() => {
    if (!busy) return;
    const ids = busy.split(" ");
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const tick = async () => {
      const answers = await Promise.all(ids.map((id) => call(client.GET("/api/centre/downloads/{id}", { params: { path: { id } } }))));
      if (stopped) return;
      const fresh = new Map<string, Download>();
      for (const a of answers) if (a.ok) fresh.set(a.data.id, a.data);
      const finished = [...fresh.values()].filter((d) => !working(d));
      if (finished.length > 0) {
        setAnnounced(finished.map((d) => (d.status === "ready" ? `${d.file_name} is ready to download.` : `${d.file_name}: ${STATUS[d.status].toLowerCase()}.`)).join(" "));
      }
      setItems((old) => old && old.map((o) => fresh.get(o.id) ?? o));
      timer = setTimeout(tick, POLL_MS);
    };
    timer = setTimeout(tick, POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [busy, setItems]);

  return (
    <Page title="Downloads" lead="Zip files of your learners' documents that you asked for on the Records and Jobs pages. Each is deleted 7 days after it was asked for." wide>
      {requested && (
        <Notice kind="success">
          Your download has been requested. It is being prepared: its progress shows below, and a button to download it when it is ready. You can leave this page meanwhile.
        </Notice>
      )}
      <p className="visually-hidden" role="status">
        {announced}
      </p>
      <LoadFailure problem={problem} retry={reload} />
      {!items && !problem && <p role="status">Loading downloads…</p>}
      {items && items.length === 0 && (
        <p>
          You have not asked for any downloads yet, or they have been deleted. To make one, select records on the <Link to="/centre/records">Records</Link> page and choose Download, or open a job and choose Download all.
        </p>
      )}
      {items && items.length > 0 && (wide ? <DownloadTable items={items} onChange={change} /> : <DownloadCards items={items} onChange={change} />)}
      {more && (
        <button type="button" className="button button--secondary" onClick={more}>
          Show more downloads
        </button>
      )}
    </Page>
  );
}

function DownloadTable({ items, onChange }: RowProps) {
  return (
    <div className="table-wrap">
      <table className="downloads">
        <caption className="visually-hidden">Your downloads, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Download</th>
            <th scope="col">Asked for</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((d) => (
            <tr key={d.id}>
              <th scope="row">
                <span className="downloads__file">{d.file_name}</span>
                <span className="records__sub">{d.purpose}</span>
              </th>
              <td>
                {dateTime(d.created_at)}
                <span className="records__sub">by {d.requested_by}</span>
              </td>
              <td>
                <State d={d} />
              </td>
              <td>
                <Action d={d} onChange={onChange} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function DownloadCards({ items, onChange }: RowProps) {
  return (
    <ul className="cards cards--stack">
      {items.map((d) => (
        <li key={d.id} className="card">
          <section aria-labelledby={`download-${d.id}`}>
            <h2 id={`download-${d.id}`} className="card__title downloads__file">
              {d.file_name}
            </h2>
            <dl className="summary summary--compact">
              <div>
                <dt>Purpose</dt>
                <dd>{d.purpose}</dd>
              </div>
              <div>
                <dt>Asked for</dt>
                <dd>
                  {dateTime(d.created_at)} by {d.requested_by}
                </dd>
              </div>
              <div>
                <dt>Status</dt>
                <dd>
                  <State d={d} />
                </dd>
              </div>
            </dl>
            <Action d={d} onChange={onChange} />
          </section>
        </li>
      ))}
    </ul>
  );
}

/** Where a download is: progress while it is prepared, then until when it can be fetched, or why not. */
function State({ d }: { d: Download }) {
  const tag = d.status === "failed" || d.status === "expired" ? "tag tag--danger" : "tag";
  return (
    <div className="download-state">
      <span className={tag}>{STATUS[d.status]}</span>
      {working(d) && (
        <div className="download-state__progress">
          <progress max={Math.max(d.total, 1)} value={d.done} aria-label={`Progress of ${d.file_name}`} aria-describedby={`progress-${d.id}`} />
          <span id={`progress-${d.id}`}>
            {d.done.toLocaleString("en-GB")} of {d.total.toLocaleString("en-GB")} documents
          </span>
        </div>
      )}
      {d.status === "ready" && (
        <p className="download-state__note">
          {d.total.toLocaleString("en-GB")} {d.total === 1 ? "document" : "documents"}
          {typeof d.size_bytes === "number" && `, ${size(d.size_bytes)}`}. Available until {dateTime(d.expires_at)}.
        </p>
      )}
      {d.status === "failed" && <p className="download-state__note">{d.failure ?? "It could not be prepared."}</p>}
      {d.status === "expired" && <p className="download-state__note">Deleted on {dateTime(d.expires_at)}. Ask for it again from the Records page if you still need it.</p>}
    </div>
  );
}

/** Ready: fetch a fresh signed link (it lasts 15 minutes) and go to it. Failed: try again. */
function Action({ d, onChange }: { d: Download; onChange(d: Download): void }) {
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  async function download() {
    setBusy(true);
    setProblem(null);
    const outcome = await call(client.GET("/api/centre/downloads/{id}", { params: { path: { id: d.id } } }));
    setBusy(false);
    if (!outcome.ok) {
      setProblem(outcome.problem);
      return;
    }
    if (outcome.data.status === "ready" && outcome.data.url) {
      window.location.assign(outcome.data.url);
    } else {
      // It expired (or changed) since the list was loaded: show it as it is now.
      onChange(outcome.data);
    }
  }

  async function retry() {
    setBusy(true);
    setProblem(null);
    const outcome = await call(client.POST("/api/centre/downloads/{id}/retry", { params: { path: { id: d.id } } }));
    setBusy(false);
    if (outcome.ok) onChange(outcome.data);
    else setProblem(outcome.problem);
  }

  if (d.status !== "ready" && d.status !== "failed") return null;
  return (
    <div className="row-actions">
      <ErrorSummary problem={problem} />
      {d.status === "ready" ? (
        <button type="button" className="button button--small" onClick={download} disabled={busy}>
          {busy ? "Please wait…" : "Download zip"}
          <span className="visually-hidden"> {d.file_name}</span>
        </button>
      ) : (
        <button type="button" className="button button--small" onClick={retry} disabled={busy}>
          {busy ? "Please wait…" : "Retry"}
          <span className="visually-hidden"> {d.file_name}</span>
        </button>
      )}
    </div>
  );
}
