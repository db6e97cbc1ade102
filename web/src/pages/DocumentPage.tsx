import { useCallback, useEffect, useRef, useState } from "react";
import { Link, useLocation, useParams, useSearchParams } from "react-router";
import { call, client, csrfHeaders, unreachable, type Problem, type Schemas } from "../api/client";
import { ErrorSummary, LoadFailure, Notice } from "../components/Fields";
import { Page } from "../components/Page";
import { OrderDialog } from "../components/OrderDialog";
import { ReportForm } from "../components/ReportForm";
import { useLoaded } from "../components/useLoaded";
import { useReady } from "../session";
import { KIND, STATUS, longDate } from "./Documents";

type DocumentView = Schemas["DocumentView"];

/** DOC-4..7: one document — shown in the page, downloaded within the limit, reported, shared. */
export function DocumentPage() {
  const { reference = "" } = useParams();
  const [params] = useSearchParams();
  // A third party sees a document through the connection it is shared by (CON-8).
  const connection = params.get("connection") ?? undefined;
  const { me } = useReady();
  // A centre user comes from a job or a search (CEN-1, CEN-2), and goes back to it.
  const from = (useLocation().state as { back?: { to: string; label: string } } | null)?.back;
  const back = connection
    ? { to: `/connections/${encodeURIComponent(connection)}/documents`, label: "Back to the shared documents" }
    : me?.kind === "centre"
      ? from?.to.startsWith("/centre/") ? from : { to: "/centre/records", label: "Back to the records" }
      : { to: "/documents", label: "Back to your documents" };
  const fetchOne = useCallback(() => call(client.GET("/api/documents/{reference}", { params: { path: { reference }, query: { connection } } })), [reference, connection]);
  const { data: doc, setData: setDoc, problem, reload: load } = useLoaded(fetchOne);

  if (!doc) {
    return (
      <Page title="Document">
        <LoadFailure problem={problem} retry={load} />
        {!problem && <p role="status">Loading the document…</p>}
        <p>
          <Link to={back.to}>{back.label}</Link>
        </p>
      </Page>
    );
  }
  const a = doc.achievement;
  const through = connection ? `?connection=${encodeURIComponent(connection)}` : "";
  const pdf = `/api/documents/${encodeURIComponent(doc.reference)}/pdf${through}`;
  return (
    <Page title={`${KIND[doc.type]}: ${a.qualification_title}`} wide>
      <p>
        <Link to={back.to}>{back.label}</Link>
      </p>
      {doc.status !== "valid" && (
        <Notice kind="warning">
          {doc.status === "superseded" && doc.superseded_by && !connection ? (
            <>
              This document has been replaced by a newer issue, <Link to={`/documents/${doc.superseded_by}`}>{doc.superseded_by}</Link>. Use that one.
            </>
          ) : (
            <>This document is {STATUS[doc.status].toLowerCase()}: it is not valid. You can still see it here, marked as such.</>
          )}
        </Notice>
      )}
      <dl className="summary summary--compact">
        <div>
          <dt>Reference</dt>
          <dd className="reference">{doc.reference}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>{STATUS[doc.status]}</dd>
        </div>
        <div>
          <dt>Name</dt>
          <dd>
            {a.first_name} {a.last_name}
          </dd>
        </div>
        {/* Not sent to third parties: it is the learner's, not the document's. */}
        {a.enrolment_number && (
          <div>
            <dt>Candidate number</dt>
            <dd>{a.enrolment_number}</dd>
          </div>
        )}
        <div>
          <dt>Qualification</dt>
          <dd>
            {a.qualification_title} ({a.qualification_code})
          </dd>
        </div>
        <div>
          <dt>Award date</dt>
          <dd>{longDate(a.award_date)}</dd>
        </div>
        {a.expires_on && (
          <div>
            <dt>Expires</dt>
            <dd>{longDate(a.expires_on)}</dd>
          </div>
        )}
        <div>
          <dt>Check it online</dt>
          <dd>
            <a href={doc.verify_url}>{doc.verify_url}</a>
          </dd>
        </div>
      </dl>
      {doc.type === "badge" ? <Badge doc={doc} connection={connection} /> : <Pdf doc={doc} src={pdf} onChange={setDoc} />}
      {doc.status === "valid" && (doc.type === "certificate" || doc.type === "unit_certificate") && (me?.kind === "learner" || (me?.kind === "third_party" && connection)) && <Order doc={doc} connection={connection} />}
      {doc.status === "valid" && (doc.type === "certificate" || doc.type === "unit_certificate") && me?.kind === "centre" && <CentreOrder doc={doc} back={back} />}
      <Report reference={doc.reference} connection={connection} open={params.get("report") === "1"} />
    </Page>
  );
}

/** The PDF in the page (viewing never counts) and the download, counted against the limit. */
function Pdf({ doc, src, onChange }: { doc: DocumentView; src: string; onChange(doc: DocumentView): void }) {
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const downloads = doc.downloads;

  async function download() {
    setBusy(true);
    setProblem(null);
    setDone(false);
    try {
      // A counted download changes something: it carries the session's CSRF token like any write.
      const response = await fetch(`${src}?download=true`, { credentials: "same-origin", headers: csrfHeaders() });
      if (!response.ok) {
        setProblem(await response.json().catch(() => unreachable(`The portal answered ${response.status}.`)));
        return;
      }
      const blob = await response.blob();
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = `${doc.reference}.pdf`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      const remaining = Number(response.headers.get("x-downloads-remaining"));
      if (downloads && Number.isFinite(remaining)) {
        onChange({ ...doc, downloads: { ...downloads, remaining, used: downloads.limit - remaining } });
      }
      setDone(true);
    } catch {
      setProblem(unreachable("Check your connection and try again."));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="pdf-heading" className="section">
      <h2 id="pdf-heading">The document</h2>
      <p>
        {downloads ? "The copy shown here is marked “view only” and does not use up a download; the downloaded PDF is the original. " : ""}
        <a href={src} target="_blank" rel="noopener">
          Open the PDF in a new tab
        </a>
        .
      </p>
      <iframe className="pdf-frame" src={src} title={`${KIND[doc.type]} ${doc.reference} (PDF)`} />
      {downloads && (
        <div className="actions">
          <ErrorSummary problem={problem} />
          {done && <Notice kind="success">Your download has started.</Notice>}
          <button type="button" className="button" onClick={download} disabled={busy || downloads.remaining === 0 || doc.status !== "valid"} aria-describedby="downloads-left">
            {busy ? "Please wait…" : "Download the PDF"}
          </button>
          <p className="hint" id="downloads-left">
            {doc.status !== "valid"
              ? "This document is no longer valid, so it cannot be downloaded."
              : downloads.limit === 0
                ? "This document is not offered for download; you can view it here, or order a printed copy."
                : downloads.remaining === 0
                  ? `You have used all ${downloads.limit} downloads of this document. You can still view it here, or order a printed copy.`
                  : `Downloads left: ${downloads.remaining} of ${downloads.limit}.`}
          </p>
        </div>
      )}
    </section>
  );
}

function Badge({ doc, connection }: { doc: DocumentView; connection?: string }) {
  const [linkedIn, setLinkedIn] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const a = doc.achievement;
  // Fetched beforehand, so the button is a real link: a window opened after a request is
  // blocked by some browsers' popup blockers.
  useEffect(() => {
    // LinkedIn is the owner's: a third party sees the badge only.
    if (doc.status !== "valid" || connection) return;
    call(client.GET("/api/documents/{reference}/linkedin", { params: { path: { reference: doc.reference } } })).then((outcome) => {
      if (outcome.ok) setLinkedIn(outcome.data.url);
      else setProblem(outcome.problem);
    });
  }, [doc.reference, doc.status, connection]);
  return (
    <section aria-labelledby="badge-heading" className="section">
      <h2 id="badge-heading">{connection ? "The badge" : "Your badge"}</h2>
      <img className="badge-image" src={`/api/documents/${encodeURIComponent(doc.reference)}/badge${connection ? `?connection=${encodeURIComponent(connection)}` : ""}`} alt={`Digital badge: ${a.qualification_title}, issued to ${a.first_name} ${a.last_name} on ${longDate(a.award_date)}`} width={240} height={240} />
      <ErrorSummary problem={problem} />
      {linkedIn && (
        <div className="actions">
          <a className="button" href={linkedIn} target="_blank" rel="noopener noreferrer">
            Add to LinkedIn<span className="visually-hidden"> (opens LinkedIn in a new tab)</span>
          </a>
          <p className="hint">LinkedIn opens with the certification, {a.qualification_title}, filled in, with this reference as the credential ID and the link to check it.</p>
        </div>
      )}
    </section>
  );
}

/** ORD-1: a printed copy or a letter of this document (a third party: a letter, through the connection). */
function Order({ doc, connection }: { doc: DocumentView; connection?: string }) {
  const [open, setOpen] = useState(false);
  const title = connection ? "Order a letter" : "Order a printed copy or a letter";
  return (
    <section aria-labelledby="order-heading" className="section">
      <h2 id="order-heading">{connection ? "Need it confirmed in writing?" : "Need a printed copy?"}</h2>
      <p>
        {connection
          ? `A proof-of-qualification letter confirms ${doc.achievement.first_name} ${doc.achievement.last_name}'s achievement. It is issued to you online, with its own reference and QR code, as soon as it is paid.`
          : "Order a printed replacement, posted to you, or a confirmation of award letter, issued online as soon as it is paid."}
      </p>
      <button type="button" className="button button--secondary" onClick={() => setOpen(true)}>
        {title}
      </button>
      {open && <OrderDialog title={`${title}: ${KIND[doc.type].toLowerCase()} ${doc.reference}`} references={[doc.reference]} connectionId={connection} onClose={() => setOpen(false)} />}
    </section>
  );
}

/** CEN-6: a printed copy of a learner's document, from the centre store (the way back is this page's). */
function CentreOrder({ doc, back }: { doc: DocumentView; back: { to: string; label: string } }) {
  return (
    <section aria-labelledby="order-heading" className="section">
      <h2 id="order-heading">Need a printed copy?</h2>
      <p>Order a printed replacement of this {KIND[doc.type].toLowerCase()} for the learner, saying why the duplicate is needed.</p>
      <Link className="button button--secondary" to={`/store?reference=${encodeURIComponent(doc.reference)}`} state={{ back }}>
        Order a printed copy
      </Link>
    </section>
  );
}

/** DOC-6: a reason from the awarding body's list and a description, both required. */
function Report({ reference, connection, open }: { reference: string; connection?: string; open: boolean }) {
  const { site } = useReady();
  const [shown, setShown] = useState(open);
  const [sent, setSent] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const opened = useRef(false);
  // Opening the form takes focus to its first choice; closing it gives focus back to the button.
  useEffect(() => {
    if (shown) form.current?.querySelector("input")?.focus();
    else if (opened.current) opener.current?.focus();
    opened.current = shown;
  }, [shown]);

  return (
    <section aria-labelledby="report-heading" className="section">
      <h2 id="report-heading">
        Something wrong with this document?
      </h2>
      {sent ? (
        <Notice kind="success" focus>
          Thank you. Your report has been sent to {site.organisation_name}. We will e-mail you when it has been looked into.
        </Notice>
      ) : !shown ? (
        <button type="button" className="button button--secondary" onClick={() => setShown(true)} ref={opener}>
          Report a problem
        </button>
      ) : (
        <ReportForm reference={reference} connection={connection} onSent={() => setSent(true)} onCancel={() => setShown(false)} formRef={form} />
      )}
    </section>
  );
}
