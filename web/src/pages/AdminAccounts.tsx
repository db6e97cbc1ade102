import { useCallback, useEffect, useState, type FormEvent } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { call, client, type Problem, type Schemas } from "../api/client";
import { ErrorSummary, Notice, SubmitButton, TextField } from "../components/Fields";
import { Page } from "../components/Page";
import { KIND_NAMES } from "../session";
import { usePaged } from "../components/usePaged";
import { OrderOnBehalf } from "../components/OrderOnBehalf";

type Summary = Schemas["AccountSummary"];

const STATUS: Record<Summary["status"], string> = {
  unverified: "E-mail not confirmed",
  pending_review: "Waiting for review",
  active: "Active",
  rejected: "Rejected",
};

function LockState({ account }: { account: Summary }) {
  if (account.admin_locked) return <span className="tag tag--danger">Locked by an administrator</span>;
  if (account.locked) {
    const until = account.locked_until ? ` until ${new Date(account.locked_until).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" })}` : "";
    return <span className="tag tag--danger">Paused{until}: wrong passwords</span>;
  }
  return <span className="tag">Not locked</span>;
}

export function AdminAccounts() {
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const [query, setQuery] = useState(q);
  const fetchPage = useCallback((cursor?: string) => call(client.GET("/api/admin/users", { params: { query: { q, limit: 25, cursor } } })), [q]);
  const { items, problem, more } = usePaged(fetchPage);

  function search(e: FormEvent) {
    e.preventDefault();
    setParams(query.trim() ? { q: query.trim() } : {});
  }

  return (
    <Page title="Accounts" lead="Find an account by its e-mail address to see its sign-in activity, or to lock or unlock it." wide>
      <form onSubmit={search} className="form form--inline" role="search">
        <TextField name="q" label="E-mail address starts with" type="search" value={query} onChange={setQuery} problem={problem} />
        <SubmitButton busy={false}>Search</SubmitButton>
      </form>
      <ErrorSummary problem={problem} />
      {items && items.length === 0 && <p>No account's e-mail address starts with “{q}”.</p>}
      {items && items.length > 0 && (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Accounts found">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">E-mail</th>
                <th scope="col">Kind</th>
                <th scope="col">Status</th>
                <th scope="col">Lock</th>
              </tr>
            </thead>
            <tbody>
              {items.map((a) => (
                <tr key={a.id}>
                  <td>
                    <Link to={`/admin/accounts/${a.id}`}>
                      {a.first_name} {a.last_name}
                    </Link>
                  </td>
                  <td>{a.email}</td>
                  <td>{KIND_NAMES[a.kind]}</td>
                  <td>{STATUS[a.status]}</td>
                  <td>
                    <LockState account={a} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {more && (
        <button type="button" className="button button--secondary" onClick={more}>
          Show more
        </button>
      )}
    </Page>
  );
}

const OUTCOME: Record<Schemas["SignInOutcome"], string> = {
  success: "Signed in",
  wrong_password: "Wrong password",
  locked: "Refused: locked",
  not_active: "Refused: not active",
  wrong_code: "Wrong two-step code",
};

export function AdminAccount() {
  const { id = "" } = useParams();
  const [account, setAccount] = useState<Schemas["AccountDetail"] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    const outcome = await call(client.GET("/api/admin/users/{id}", { params: { path: { id } } }));
    if (outcome.ok) setAccount(outcome.data);
    else setProblem(outcome.problem);
  }, [id]);
  useEffect(() => {
    load();
  }, [load]);

  async function setLock(lock: boolean) {
    setBusy(true);
    const outcome = lock
      ? await call(client.POST("/api/admin/users/{id}/lock", { params: { path: { id } } }))
      : await call(client.POST("/api/admin/users/{id}/unlock", { params: { path: { id } } }));
    setBusy(false);
    if (outcome.ok) {
      setProblem(null);
      setMessage(lock ? "The account is locked. Its sessions have ended." : "The account is unlocked.");
      await load();
    } else setProblem(outcome.problem);
  }

  async function resetSecondFactor() {
    setBusy(true);
    const outcome = await call(client.POST("/api/admin/users/{id}/mfa/reset", { params: { path: { id } } }));
    setBusy(false);
    if (outcome.ok) {
      setProblem(null);
      setMessage("Their two-step sign-in is reset; they have been e-mailed. They can set it up again when they next sign in.");
      await load();
    } else setProblem(outcome.problem);
  }

  if (!account) {
    return (
      <Page title="Account">
        <ErrorSummary problem={problem} />
        {!problem && <p role="status">Loading…</p>}
        <p>
          <Link to="/admin/accounts">Back to accounts</Link>
        </p>
      </Page>
    );
  }
  const locked = account.locked || account.admin_locked;
  return (
    <Page title={`${account.first_name} ${account.last_name}`} wide>
      <p>
        <Link to="/admin/accounts">Back to accounts</Link>
      </p>
      {message && (
        <Notice kind="success" focus>
          {message}
        </Notice>
      )}
      <ErrorSummary problem={problem} />
      <dl className="summary summary--compact">
        <div>
          <dt>E-mail</dt>
          <dd>{account.email}</dd>
        </div>
        <div>
          <dt>Kind</dt>
          <dd>{KIND_NAMES[account.kind]}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>{STATUS[account.status]}</dd>
        </div>
        <div>
          <dt>Lock</dt>
          <dd>
            <LockState account={account} />
          </dd>
        </div>
        <div>
          <dt>Wrong passwords in a row</dt>
          <dd>{account.failed_logins}</dd>
        </div>
        <div>
          <dt>Two-step sign-in</dt>
          <dd>{account.second_factor ? "Set up" : "Not set up"}</dd>
        </div>
      </dl>
      <div className="actions">
        {locked ? (
          <button type="button" className="button" disabled={busy} onClick={() => setLock(false)}>
            Unlock account
          </button>
        ) : (
          <button type="button" className="button button--danger" disabled={busy} onClick={() => setLock(true)}>
            Lock account
          </button>
        )}
        {account.second_factor && (
          <button type="button" className="button button--secondary" disabled={busy} onClick={resetSecondFactor}>
            Reset second factor
          </button>
        )}
      </div>
      {account.status === "active" && (account.kind === "learner" || account.kind === "centre") && <OrderOnBehalf account={account} />}
      <h2>Recent sign-in activity</h2>
      {account.recent_sign_ins.length === 0 ? (
        <p>No sign-in attempts yet.</p>
      ) : (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Recent sign-in activity">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Outcome</th>
                <th scope="col">From</th>
              </tr>
            </thead>
            <tbody>
              {account.recent_sign_ins.map((s, i) => (
                <tr key={i}>
                  <td>{new Date(s.at).toLocaleString("en-GB")}</td>
                  <td>{OUTCOME[s.outcome]}</td>
                  <td>{s.client}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}
