import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { call, client, type Problem } from "../api/client";
import { ErrorSummary, Notice, SubmitButton, TextField } from "../components/Fields";
import { Page } from "../components/Page";
import { useSession } from "../session";

/**
 * Where to go after signing in: only a page of this site. The browser's own URL parser decides
 * (so tricks like "/\t/evil.example", which it reads as "//evil.example", are caught).
 */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/")) return "/dashboard";
  try {
    const url = new URL(next, window.location.origin);
    return url.origin === window.location.origin ? url.pathname + url.search + url.hash : "/dashboard";
  } catch {
    return "/dashboard";
  }
}

/** An administrator's lock says so (423 with this title); a pause after wrong attempts does not. */
const ADMIN_LOCK_TITLE = "Account locked by the awarding body";

export function Login() {
  const [params] = useSearchParams();
  const { signedIn } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  // The second step: the token the password answered, while it lasts.
  const [mfaToken, setMfaToken] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const outcome = await call(client.POST("/api/auth/login", { body: { email, password } }));
    setBusy(false);
    // The password is not kept after an attempt; the e-mail is.
    setPassword("");
    if (!outcome.ok) {
      setProblem(outcome.problem);
      return;
    }
    setProblem(null);
    const data = outcome.data;
    if ("mfa_required" in data) {
      setMfaToken(data.mfa_token);
    } else {
      // The sign-in route's guard then sends the person on to `next` (or the dashboard), or to
      // setting up two-step sign-in when their account needs it first.
      signedIn(data.user, data.csrf_token, Boolean(data.mfa_setup_required));
    }
  }

  if (mfaToken) {
    return (
      <SecondStep
        token={mfaToken}
        onSpent={(p) => {
          setMfaToken(null);
          setProblem(p);
        }}
      />
    );
  }

  const locked = problem?.status === 423;
  const adminLock = locked && problem?.title === ADMIN_LOCK_TITLE;
  return (
    <Page title="Sign in">
      {params.get("signed_out") && !problem && <Notice>You have signed out.</Notice>}
      {params.get("expired") && !problem && <Notice kind="warning">Your session has ended. Sign in again to carry on where you were.</Notice>}
      {params.get("reset") && !problem && <Notice kind="success">Your new password is set. Sign in with it.</Notice>}
      <ErrorSummary problem={problem}>
        {locked && !adminLock && (
          <p>
            <Link to="/forgot-password">Set a new password to sign in now</Link>
          </p>
        )}
      </ErrorSummary>
      <form onSubmit={submit} noValidate className="form">
        <TextField name="email" label="E-mail address" type="email" autoComplete="username" inputMode="email" value={email} onChange={setEmail} problem={problem} required />
        <TextField name="password" label="Password" type="password" autoComplete="current-password" value={password} onChange={setPassword} problem={problem} required />
        <SubmitButton busy={busy}>Sign in</SubmitButton>
      </form>
      <p>
        <Link to="/forgot-password">Forgotten your password?</Link>
      </p>
      <p>
        New here? <Link to="/register">Create an account</Link>
      </p>
    </Page>
  );
}

/** After the password: the code from the authenticator app, or a recovery code. */
function SecondStep({ token, onSpent }: { token: string; onSpent(problem: Problem): void }) {
  const { signedIn } = useSession();
  const [code, setCode] = useState("");
  const [recovery, setRecovery] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const outcome = await call(client.POST("/api/auth/mfa", { body: { mfa_token: token, code } }));
    setBusy(false);
    if (outcome.ok) {
      signedIn(outcome.data.user, outcome.data.csrf_token);
      return;
    }
    const spent = outcome.problem.errors?.some((e) => e.field === "mfa_token") || outcome.problem.status === 423;
    if (spent) {
      // The token is over (expired, used, or too many wrong codes): start again from the password.
      onSpent(outcome.problem);
    } else {
      setProblem(outcome.problem);
      setCode("");
    }
  }

  return (
    <Page title="Two-step sign-in" lead={recovery ? "Type one of the recovery codes you saved when you set up two-step sign-in. Each works once." : "Open your authenticator app and type the 6-digit code it shows for this portal."}>
      <ErrorSummary problem={problem} />
      <form onSubmit={submit} noValidate className="form">
        {recovery ? (
          <TextField key="recovery" name="code" label="Recovery code" autoComplete="off" value={code} onChange={setCode} problem={problem} hint="For example abcde-23456" width="medium" required />
        ) : (
          <TextField key="totp" name="code" label="Code from your app" autoComplete="one-time-code" inputMode="numeric" maxLength={7} value={code} onChange={setCode} problem={problem} width="short" required />
        )}
        <SubmitButton busy={busy}>Continue</SubmitButton>
      </form>
      <p>
        <button
          type="button"
          className="link-button"
          onClick={() => {
            setRecovery(!recovery);
            setCode("");
            setProblem(null);
          }}
        >
          {recovery ? "Use a code from your app instead" : "Use a recovery code instead"}
        </button>
      </p>
      <p>Lost your phone and your recovery codes? Contact support to have two-step sign-in reset.</p>
    </Page>
  );
}
