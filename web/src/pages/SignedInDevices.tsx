import { useCallback, useState } from "react";
import { call, client, type Problem } from "../api/client";
import { dateTime } from "../api/centre";
import { LoadFailure, Notice } from "../components/Fields";
import { usePaged } from "../components/usePaged";
import { Page } from "../components/Page";
import { ProfileNav } from "../components/ProfileNav";

/** Where the person is signed in (ACC-9): each session's device, address and times; end any other one. */
export function SignedInDevices() {
  const fetchAll = useCallback(() => call(client.GET("/api/me/sessions")), []);
  const { items: sessions, problem: listProblem, reload } = usePaged(fetchAll);
  const [actionProblem, setActionProblem] = useState<Problem | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function end(id: string, device: string) {
    setBusy(true);
    const outcome = await call(client.DELETE("/api/me/sessions/{id}", { params: { path: { id } } }));
    setBusy(false);
    if (outcome.ok) {
      setActionProblem(null);
      setMessage(`You are signed out on ${device}.`);
      await reload();
    } else setActionProblem(outcome.problem);
  }

  return (
    <Page title="Signed-in devices" lead="Where you are signed in now. Sign out anywhere you do not recognise, then change your password.">
      <ProfileNav />
      {message && (
        <Notice kind="success" focus>
          {message}
        </Notice>
      )}
      <LoadFailure problem={listProblem ?? actionProblem} retry={reload} />
      {sessions && (
        <ul className="cards">
          {sessions.map((s) => (
            <li key={s.id} className="card">
              <h2 className="card__title">
                {s.device}
                {s.this_session && " (this device)"}
              </h2>
              <dl className="summary summary--compact">
                <dt>Address</dt>
                <dd>{s.address}</dd>
                <dt>Signed in</dt>
                <dd>{dateTime(s.signed_in_at)}</dd>
                <dt>Last seen</dt>
                <dd>{dateTime(s.last_seen_at)}</dd>
              </dl>
              {!s.this_session && (
                <div className="actions">
                  <button type="button" className="button button--secondary" onClick={() => end(s.id, s.device)} disabled={busy}>
                    Sign out<span className="visually-hidden"> on {s.device}, signed in {dateTime(s.signed_in_at)}</span>
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}
