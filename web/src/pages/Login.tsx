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

export function Login() {
  const [params] = useSearchParams();
  const { signedIn } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const outcome = await call(client.POST("/api/auth/login", { body: { email, password } }));
    setBusy(false);
    if (outcome.ok) {
      // The sign-in route's guard then sends the person on to `next` (or the dashboard).
      signedIn(outcome.data.user, outcome.data.csrf_token);
    } else {
      setProblem(outcome.problem);
      // The password is not kept after a failed attempt; the e-mail is.
      setPassword("");
    }
  }

  const locked = problem?.status === 423;
  return (
    <Page title="Sign in">
      {params.get("signed_out") && !problem && <Notice>You have signed out.</Notice>}
      {params.get("expired") && !problem && <Notice kind="warning">Your session has ended. Sign in again to carry on where you were.</Notice>}
      {params.get("reset") && !problem && <Notice kind="success">Your new password is set. Sign in with it.</Notice>}
      <ErrorSummary problem={problem}>
        {locked && (
          <p>
            <Link to="/forgot-password">Set a new password to unlock your account</Link>
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
