import { useCallback, useState, type FormEvent, type ReactNode } from "react";
import { Link, useSearchParams } from "react-router";
import { call, client, fieldError, type Outcome, type Problem, type Schemas } from "../api/client";
import { DocumentChecklist } from "../components/DocumentChecklist";
import { Dialog } from "../components/Dialog";
import { ErrorSummary, LoadFailure, Notice, SubmitButton, TextField } from "../components/Fields";
import { Page } from "../components/Page";
import { usePaged } from "../components/usePaged";
import { useWide } from "../components/useWide";
import { useReady } from "../session";
import { longDate } from "./Documents";

type Connection = Schemas["ConnectionView"];
type Allowed = Schemas["Allowed"];

export const CONNECTION_STATUS: Record<Connection["status"], string> = {
  pending: "Pending",
  active: "Active",
  rejected: "Rejected",
  cancelled: "Cancelled",
  expired: "Expired",
};

/** The dialogs a row's buttons open. */
type DialogKind = "accept" | "share" | "extend" | "request" | "cancel" | "reject";
type Open = { kind: "add" } | { kind: DialogKind; connection: Connection } | null;

function initiatedBy(c: Connection) {
  if (c.initiated_by === c.your_side) return "You";
  return c.initiated_by === "learner" ? "Learner" : "Third party";
}

/** CON-1..7: the connections on one tab, searchable, with what each side may do now. */
export function Connections() {
  const { me } = useReady();
  const learner = me!.kind === "learner";
  const wide = useWide();
  const [params, setParams] = useSearchParams();
  const tab = params.get("tab") === "inactive" ? "inactive" : "active";
  const q = params.get("q") ?? "";
  const [query, setQuery] = useState(q);
  const fetchPage = useCallback((cursor?: string) => call(client.GET("/api/connections", { params: { query: { tab, q: q || undefined, cursor, limit: 25 } } })), [tab, q]);
  const { items, problem, more, reload } = usePaged(fetchPage);
  const [open, setOpen] = useState<Open>(null);
  const [done, setDone] = useState<string | null>(null);
  const [failed, setFailed] = useState<Problem | null>(null);

  function finished(message: string) {
    setOpen(null);
    setFailed(null);
    setDone(message);
    reload();
  }

  /** Actions without a dialog: answering an extension request, a third party accepting. */
  async function act(request: Promise<Outcome<Connection>>, message: (c: Connection) => string) {
    setDone(null);
    const outcome = await request;
    if (outcome.ok) finished(message(outcome.data));
    else setFailed(outcome.problem);
  }

  function onAction(c: Connection, action: Allowed | "approve" | "decline") {
    const path = { id: c.id };
    const name = c.other.name;
    switch (action) {
      case "accept":
        if (learner) setOpen({ kind: "accept", connection: c });
        else act(call(client.POST("/api/connections/{id}/accept", { params: { path }, body: {} })), () => `You accepted the connection with ${name}. You can now see the documents they share with you.`);
        break;
      case "approve":
      case "decline": {
        const request = c.extension_request!;
        const answer = { params: { path: { id: c.id, request_id: request.id } } };
        if (action === "approve") {
          act(call(client.POST("/api/connections/{id}/extension-requests/{request_id}/approve", answer)), (n) => `You approved the extension: the connection with ${name} now ends on ${longDate(n.expires_on)}. They have been e-mailed.`);
        } else {
          act(call(client.POST("/api/connections/{id}/extension-requests/{request_id}/decline", answer)), () => `You declined the extension ${name} asked for. They have been e-mailed; the connection still ends on ${longDate(c.expires_on)}.`);
        }
        break;
      }
      case "share_documents":
        setOpen({ kind: "share", connection: c });
        break;
      case "request_extension":
        setOpen({ kind: "request", connection: c });
        break;
      case "extend":
      case "cancel":
      case "reject":
        setOpen({ kind: action, connection: c });
        break;
    }
  }

  function search(e: FormEvent) {
    e.preventDefault();
    const next = new URLSearchParams(params);
    if (query.trim()) next.set("q", query.trim());
    else next.delete("q");
    setParams(next);
  }

  const tabLink = (t: "active" | "inactive") => {
    const next = new URLSearchParams(q ? { q } : {});
    if (t === "inactive") next.set("tab", "inactive");
    const s = next.toString();
    return s ? `/connections?${s}` : "/connections";
  };

  const lead = learner
    ? "Share your documents with employers, universities and others by adding a connection: give their name and e-mail address, and until when they may see the documents you choose. Current and pending connections are on the Active tab; ended ones on the Inactive tab."
    : "The learners who share their documents with you, and those you have asked to. Ask a learner by adding a connection. Current and pending connections are on the Active tab; rejected, cancelled and expired ones on the Inactive tab — from there you can ask a learner for more time.";
  return (
    <Page title="Connections" lead={lead} wide>
      <div className="actions">
        <button type="button" className="button" onClick={() => setOpen({ kind: "add" })}>
          Add connection
        </button>
      </div>
      {done && (
        <Notice kind="success" focus>
          {done}
        </Notice>
      )}
      <ErrorSummary problem={failed} />
      <nav aria-label="Connections" className="sub-nav">
        <ul>
          {(["active", "inactive"] as const).map((t) => (
            <li key={t}>
              <Link to={tabLink(t)} aria-current={tab === t ? "page" : undefined}>
                {t === "active" ? "Active" : "Inactive"}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <form role="search" aria-label="Connections" className="form--inline" onSubmit={search}>
        <TextField name="q" type="search" label="Search connections" hint="A name, an e-mail address or a company." value={query} onChange={setQuery} />
        <button type="submit" className="button button--secondary">
          Search
        </button>
      </form>
      <LoadFailure problem={problem} retry={reload} />
      {!items && !problem && <p role="status">Loading connections…</p>}
      {items && items.length === 0 && <p>{q ? `No ${tab} connections match “${q}”.` : tab === "active" ? "You have no active or pending connections." : "You have no inactive connections."}</p>}
      {items && items.length > 0 && (wide ? <ConnectionTable items={items} learner={learner} onAction={onAction} /> : <ConnectionCards items={items} onAction={onAction} />)}
      {more && (
        <button type="button" className="button button--secondary" onClick={more}>
          Show more connections
        </button>
      )}
      {open?.kind === "add" && <AddConnection learner={learner} onClose={() => setOpen(null)} onDone={(c) => finished(`Your connection with ${c.other.name} was sent: they have been e-mailed, and it is pending until they accept.`)} />}
      {open && open.kind !== "add" && <ConnectionDialog kind={open.kind} connection={open.connection} onClose={() => setOpen(null)} onDone={finished} />}
    </Page>
  );
}

type RowProps = { items: Connection[]; onAction(c: Connection, action: Allowed | "approve" | "decline"): void };

function ConnectionTable({ items, learner, onAction }: RowProps & { learner: boolean }) {
  const other = learner ? "Third party" : "Learner";
  return (
    <div className="table-wrap">
      <table className="connections">
        <caption className="visually-hidden">Your connections</caption>
        <thead>
          <tr>
            <th scope="col">{other}</th>
            <th scope="col">E-mail address</th>
            <th scope="col">Status</th>
            <th scope="col">Initiated by</th>
            <th scope="col">Documents shared</th>
            <th scope="col">Expires</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {items.map((c) => (
            <tr key={c.id}>
              <th scope="row">
                {c.other.name}
                {c.other.company && <span className="connections__company">{c.other.company}</span>}
              </th>
              <td className="connections__email">{c.other.email}</td>
              <td>
                <StatusTag c={c} />
              </td>
              <td>{initiatedBy(c)}</td>
              <td>{c.documents_shared}</td>
              <td>{longDate(c.expires_on)}</td>
              <td>
                <Actions c={c} onAction={onAction} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ConnectionCards({ items, onAction }: RowProps) {
  return (
    <ul className="cards cards--stack">
      {items.map((c) => (
        <li key={c.id} className="card">
          <section aria-labelledby={`connection-${c.id}`}>
            <h2 id={`connection-${c.id}`} className="card__title">
              {c.other.name}
            </h2>
            <dl className="summary summary--compact">
              <div>
                <dt>E-mail address</dt>
                <dd>{c.other.email}</dd>
              </div>
              {c.other.company && (
                <div>
                  <dt>Company</dt>
                  <dd>{c.other.company}</dd>
                </div>
              )}
              <div>
                <dt>Status</dt>
                <dd>
                  <StatusTag c={c} />
                </dd>
              </div>
              <div>
                <dt>Initiated by</dt>
                <dd>{initiatedBy(c)}</dd>
              </div>
              <div>
                <dt>Documents shared</dt>
                <dd>{c.documents_shared}</dd>
              </div>
              <div>
                <dt>Expires</dt>
                <dd>{longDate(c.expires_on)}</dd>
              </div>
            </dl>
            <Actions c={c} onAction={onAction} />
          </section>
        </li>
      ))}
    </ul>
  );
}

function StatusTag({ c }: { c: Connection }) {
  return <span className={c.status === "active" || c.status === "pending" ? "tag" : "tag tag--danger"}>{CONNECTION_STATUS[c.status]}</span>;
}

const LABELS: Record<Exclude<Allowed, "answer_extension" | "view_documents">, string> = {
  accept: "Accept",
  reject: "Reject",
  share_documents: "Change documents",
  extend: "Extend",
  request_extension: "Request extension",
  cancel: "Cancel",
};

/** Exactly the buttons the API allows now, each named with whom it is about. */
function Actions({ c, onAction }: { c: Connection; onAction: RowProps["onAction"] }) {
  const who = ` connection with ${c.other.name}`;
  const request = c.extension_request;
  return (
    <div className="row-actions">
      {request && (
        <p className="row-actions__note">
          {c.actions.includes("answer_extension") ? `${c.other.name} asks to extend it to ${longDate(request.expires_on)}.` : `You asked to extend it to ${longDate(request.expires_on)}.`}
        </p>
      )}
      {c.actions.includes("answer_extension") && request && (
        <>
          <button type="button" className="button button--small" onClick={() => onAction(c, "approve")}>
            Approve<span className="visually-hidden"> extension of{who}</span>
          </button>
          <button type="button" className="button button--small button--secondary" onClick={() => onAction(c, "decline")}>
            Decline<span className="visually-hidden"> extension of{who}</span>
          </button>
        </>
      )}
      {c.actions.includes("view_documents") && (
        <Link className="button button--small" to={`/connections/${c.id}/documents`}>
          View documents<span className="visually-hidden"> shared by {c.other.name}</span>
        </Link>
      )}
      {(Object.keys(LABELS) as Array<keyof typeof LABELS>)
        .filter((a) => c.actions.includes(a))
        .map((a) => (
          <button key={a} type="button" className={a === "accept" ? "button button--small" : "button button--small button--secondary"} onClick={() => onAction(c, a)}>
            {LABELS[a]}
            <span className="visually-hidden">
              {a === "share_documents" ? ` shared with ${c.other.name}` : who}
            </span>
          </button>
        ))}
    </div>
  );
}

/**
 * A dialog with one form: its problem shown at the top and by the fields it names, the button
 * busy while the request is on its way, `onDone` with the connection as the API answers it.
 */
function FormDialog({ title, submit, send, onClose, onDone, children, wide }: { title: string; submit: string; send(): Promise<Outcome<Connection>>; onClose(): void; onDone(c: Connection): void; children(problem: Problem | null): ReactNode; wide?: boolean }) {
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  async function submitted(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const outcome = await send();
    setBusy(false);
    if (outcome.ok) onDone(outcome.data);
    else setProblem(outcome.problem);
  }
  return (
    <Dialog title={title} onClose={onClose} wide={wide}>
      <form onSubmit={submitted} noValidate className="form">
        <ErrorSummary problem={problem} />
        {children(problem)}
        <div className="actions">
          <SubmitButton busy={busy}>{submit}</SubmitButton>
          <button type="button" className="button button--secondary" onClick={onClose}>
            {submit.startsWith("Yes") ? "No, go back" : "Cancel"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function AddConnection({ learner, onClose, onDone }: { learner: boolean; onClose(): void; onDone(c: Connection): void }) {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [expires, setExpires] = useState("");
  const [message, setMessage] = useState("");
  const [shared, setShared] = useState<string[]>([]);
  const send = () =>
    call(
      client.POST("/api/connections", {
        body: learner ? { name, email, message: message || undefined, expires_on: expires || undefined, document_references: shared } : { name, email, message: message || undefined },
      }),
    );
  return (
    <FormDialog title={learner ? "Add a connection" : "Ask a learner to connect"} submit={learner ? "Send and share" : "Send the request"} send={send} onClose={onClose} onDone={onDone} wide={learner}>
      {(problem) => (
        <>
          <p>{learner ? "We will e-mail them a link to see what you share. If they have no account yet, the e-mail invites them to register." : "We will e-mail the learner, who can accept and choose documents to share with you, or reject."}</p>
          <TextField name="name" label={learner ? "Their name" : "Learner's name"} required autoComplete="off" value={name} onChange={setName} problem={problem} />
          <TextField name="email" type="email" label={learner ? "Their e-mail address" : "Learner's e-mail address"} required autoComplete="off" value={email} onChange={setEmail} problem={problem} />
          {learner && <TextField name="expires_on" type="date" label="Expiry date" hint="The last day they can see your documents. If you leave it empty, it is one month from today. You can extend it later." value={expires} onChange={setExpires} problem={problem} width="medium" />}
          <TextField name="message" label="Message" multiline maxLength={1000} hint="Up to 1,000 characters, sent with the e-mail." value={message} onChange={setMessage} problem={problem} />
          {learner && <DocumentChecklist selected={shared} onChange={setShared} error={fieldError(problem, "document_references")} />}
        </>
      )}
    </FormDialog>
  );
}

/** The dialogs for one connection: choose documents, pick a date, or confirm. */
function ConnectionDialog({ kind, connection: c, onClose, onDone }: { kind: DialogKind; connection: Connection; onClose(): void; onDone(message: string): void }) {
  const path = { params: { path: { id: c.id } } };
  const [shared, setShared] = useState<string[]>(c.document_references);
  const [date, setDate] = useState("");
  const name = c.other.name;
  switch (kind) {
    case "accept":
    case "share":
      return (
        <FormDialog
          title={kind === "accept" ? `Accept the connection with ${name}` : `Documents shared with ${name}`}
          submit={kind === "accept" ? "Accept and share" : "Share these documents"}
          wide
          send={() => (kind === "accept" ? call(client.POST("/api/connections/{id}/accept", { ...path, body: { document_references: shared } })) : call(client.PUT("/api/connections/{id}/documents", { ...path, body: { document_references: shared } })))}
          onClose={onClose}
          onDone={(n) => onDone(kind === "accept" ? `You accepted the connection with ${name}, sharing ${n.documents_shared} ${n.documents_shared === 1 ? "document" : "documents"}.` : `${name} can now see ${n.documents_shared} ${n.documents_shared === 1 ? "document" : "documents"} of yours.`)}
        >
          {(problem) => (
            <>
              {kind === "accept" && c.message && (
                <>
                  <p>Their message:</p>
                  <p className="quote">{c.message}</p>
                </>
              )}
              <DocumentChecklist selected={shared} onChange={setShared} error={fieldError(problem, "document_references")} />
            </>
          )}
        </FormDialog>
      );
    case "extend":
    case "request":
      return (
        <FormDialog
          title={kind === "extend" ? `Extend the connection with ${name}` : `Ask ${name} for more time`}
          submit={kind === "extend" ? "Extend" : "Send the request"}
          send={() => (kind === "extend" ? call(client.POST("/api/connections/{id}/extend", { ...path, body: { expires_on: date } })) : call(client.POST("/api/connections/{id}/extension-requests", { ...path, body: { expires_on: date } })))}
          onClose={onClose}
          onDone={(n) => onDone(kind === "extend" ? `The connection with ${name} now ends on ${longDate(n.expires_on)}. They have been e-mailed.` : `Your request was sent to ${name}. We will e-mail you when they answer.`)}
        >
          {(problem) => (
            <>
              <p>
                {c.status === "expired" ? `It ended on ${longDate(c.expires_on)}.` : `It now ends on ${longDate(c.expires_on)}.`}{" "}
                {kind === "extend" ? `${name} will be e-mailed the new date.` : `${name} will be asked to approve the new date.`}
              </p>
              <TextField name="expires_on" type="date" label="New expiry date" required hint="The last day of access." value={date} onChange={setDate} problem={problem} width="medium" />
            </>
          )}
        </FormDialog>
      );
    case "cancel":
    case "reject":
      return (
        <FormDialog
          title={kind === "cancel" ? `Cancel the connection with ${name}?` : `Reject the connection with ${name}?`}
          submit={kind === "cancel" ? "Yes, cancel it" : "Yes, reject it"}
          send={() => (kind === "cancel" ? call(client.DELETE("/api/connections/{id}", path)) : call(client.POST("/api/connections/{id}/reject", path)))}
          onClose={onClose}
          onDone={() => onDone(kind === "cancel" ? `The connection with ${name} was cancelled and they have been e-mailed. It is on the Inactive tab.` : `You rejected the connection with ${name}. They have been e-mailed.`)}
        >
          {() => <p>{kind === "cancel" ? `${name} will no longer see any documents through it, and will be e-mailed. A cancelled connection cannot be restarted: you would add a new one.` : `${name} will be e-mailed that you rejected it.`}</p>}
        </FormDialog>
      );
  }
}
