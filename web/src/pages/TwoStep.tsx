// Two-step sign-in (ACC-3b): setting up an authenticator app (QR code, or the secret typed in),
// confirming it with a code, the recovery codes shown once, and turning it off.
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { call, client, type Problem, type Schemas } from "../api/client";
import { ErrorSummary, Notice, SubmitButton, TextField } from "../components/Fields";
import { Page } from "../components/Page";
import { ProfileNav } from "../components/ProfileNav";
import { useReady, useSession } from "../session";

type Status = Schemas["SecondFactorStatus"];
type Setup = Schemas["TotpSetupAnswer"];

/** The secret in groups of four, easier to type into an app by hand. */
function grouped(secret: string): string {
  return secret.match(/.{1,4}/g)?.join(" ") ?? secret;
}

/**
 * Setting up: a new secret from the portal (its QR code and the secret as text), then a code from
 * the app to confirm, then the recovery codes, once. `onDone` runs when the person has them.
 */
export function SetUpApp({ onDone, doneLabel }: { onDone(): void; doneLabel: string }) {
  const [setup, setSetup] = useState<Setup | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [code, setCode] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);

  async function start() {
    setBusy(true);
    const outcome = await call(client.POST("/api/me/mfa/totp"));
    setBusy(false);
    if (outcome.ok) {
      setSetup(outcome.data);
      setProblem(null);
    } else setProblem(outcome.problem);
  }

  async function confirm(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const outcome = await call(client.POST("/api/me/mfa/totp/confirm", { body: { code } }));
    setBusy(false);
    if (outcome.ok) {
      setCodes(outcome.data.recovery_codes);
      setProblem(null);
    } else {
      setProblem(outcome.problem);
      setCode("");
    }
  }

  async function copy() {
    if (!codes) return;
    try {
      await navigator.clipboard.writeText(codes.join("\n"));
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }

  if (codes) {
    return (
      <section aria-labelledby="recovery-heading">
        <Notice kind="success" focus>
          Two-step sign-in is on.
        </Notice>
        <h2 id="recovery-heading">Your recovery codes</h2>
        <p>If you lose your phone, each of these codes signs you in once instead of a code from the app. Keep them somewhere safe, away from your phone. They are shown only now.</p>
        <ol className="recovery-codes">
          {codes.map((c) => (
            <li key={c}>
              <code>{c}</code>
            </li>
          ))}
        </ol>
        <div className="actions">
          <button type="button" className="button button--secondary" onClick={copy}>
            Copy the codes
          </button>
          <button type="button" className="button button--secondary" onClick={() => window.print()}>
            Print the codes
          </button>
          <button type="button" className="button" onClick={onDone}>
            {doneLabel}
          </button>
        </div>
        {copied && <Notice>The codes are copied.</Notice>}
      </section>
    );
  }

  if (!setup) {
    return (
      <>
        <ErrorSummary problem={problem} />
        <p>You will need an authenticator app on your phone, such as Google Authenticator, Microsoft Authenticator or 1Password.</p>
        <button type="button" className="button" disabled={busy} onClick={start}>
          Set up an authenticator app
        </button>
      </>
    );
  }

  const qr = setup.qr_svg ? `data:image/svg+xml;charset=utf-8,${encodeURIComponent(setup.qr_svg)}` : null;
  return (
    <>
      <ErrorSummary problem={problem} />
      <h2>1. Add this portal to your app</h2>
      <p>Scan the QR code with your authenticator app.</p>
      {qr && <img className="qr-code" src={qr} alt="QR code to add this portal to your authenticator app" width={200} height={200} />}
      <p>Or type this key into the app by hand:</p>
      <p>
        <code className="secret">{grouped(setup.secret)}</code>
      </p>
      <h2>2. Type the code the app shows</h2>
      <form onSubmit={confirm} noValidate className="form">
        <TextField name="code" label="Code from your app" autoComplete="one-time-code" inputMode="numeric" maxLength={7} value={code} onChange={setCode} problem={problem} width="short" required />
        <SubmitButton busy={busy}>Turn on two-step sign-in</SubmitButton>
      </form>
    </>
  );
}

/** The profile's "Two-step sign-in" page: its state, setting it up, turning it off. */
export function TwoStep() {
  const { me } = useReady();
  const [status, setStatus] = useState<Status | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [setting, setSetting] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  const load = useCallback(async () => {
    const outcome = await call(client.GET("/api/me"));
    if (outcome.ok) setStatus(outcome.data.second_factor);
    else setProblem(outcome.problem);
  }, []);
  useEffect(() => {
    load();
  }, [load]);

  return (
    <Page title="Two-step sign-in" lead="With two-step sign-in, signing in takes your password and a code from an app on your phone, so a stolen password is not enough.">
      <ProfileNav />
      {message && (
        <Notice kind="success" focus>
          {message}
        </Notice>
      )}
      <ErrorSummary problem={problem} />
      {!status && !problem && <p role="status">Loading…</p>}
      {status && !status.enabled && (
        <>
          {!setting && <p>Two-step sign-in is off.</p>}
          {setting ? (
            <SetUpApp
              doneLabel="I have saved my recovery codes"
              onDone={() => {
                setSetting(false);
                setMessage("Two-step sign-in is on. You will be asked for a code each time you sign in.");
                load();
              }}
            />
          ) : (
            <button type="button" className="button" onClick={() => setSetting(true)}>
              Set up two-step sign-in
            </button>
          )}
        </>
      )}
      {status && status.enabled && (
        <>
          <p>
            Two-step sign-in is on. You have {status.recovery_codes_left} unused recovery {status.recovery_codes_left === 1 ? "code" : "codes"}.
          </p>
          {status.required ? (
            <p>{me?.kind === "admin" ? "Administrators" : "Centre users"} must keep two-step sign-in on. If you lose your phone and your recovery codes, ask an administrator to reset it.</p>
          ) : (
            <TurnOff
              onDone={() => {
                setMessage("Two-step sign-in is off.");
                load();
              }}
            />
          )}
        </>
      )}
    </Page>
  );
}

function TurnOff({ onDone }: { onDone(): void }) {
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const outcome = await call(client.DELETE("/api/me/mfa", { body: { password, code } }));
    setBusy(false);
    setPassword("");
    setCode("");
    if (outcome.ok) {
      setProblem(null);
      onDone();
    } else setProblem(outcome.problem);
  }

  return (
    <section aria-labelledby="turn-off-heading">
      <h2 id="turn-off-heading">Turn off two-step sign-in</h2>
      <ErrorSummary problem={problem} />
      <form onSubmit={submit} noValidate className="form">
        <TextField name="password" label="Password" type="password" autoComplete="current-password" value={password} onChange={setPassword} problem={problem} required />
        <TextField name="code" label="Code from your app, or a recovery code" autoComplete="one-time-code" value={code} onChange={setCode} problem={problem} width="medium" required />
        <SubmitButton busy={busy} secondary>
          Turn off two-step sign-in
        </SubmitButton>
      </form>
    </section>
  );
}

/** Administrators and centre users without two-step sign-in: set it up before anything else. */
export function SetUpTwoStep() {
  const { reload } = useSession();
  const { me } = useReady();
  return (
    <Page title="Set up two-step sign-in" lead={`${me?.kind === "admin" ? "Administrators" : "Centre users"} sign in with a password and a code from an app on their phone. Set it up now to carry on.`}>
      <SetUpApp
        doneLabel="Continue"
        onDone={() => {
          // The session is a full one now: load it afresh; the page's guard then goes on.
          reload();
        }}
      />
      <p>If you lose your phone and your recovery codes later, an administrator can reset it.</p>
    </Page>
  );
}
