import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { call, client, type Problem } from "../api/client";
import { ErrorSummary, Notice, SubmitButton, TextField } from "../components/Fields";
import { Page } from "../components/Page";

export const PASSWORD_HINT =
  "At least 8 characters. A few unrelated words make a strong password that is easy to remember; avoid common passwords and your e-mail address.";

export function ForgotPassword() {
  const [email, setEmail] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const outcome = await call(client.POST("/api/auth/forgot-password", { body: { email: email.trim() } }));
    setBusy(false);
    if (outcome.ok) setSent(true);
    else setProblem(outcome.problem);
  }

  if (sent) {
    return (
      <Page title="Check your e-mail">
        <Notice kind="success">
          If <strong>{email.trim()}</strong> belongs to an account, we have sent it a link to set a new password. The link works once, for one hour.
        </Notice>
        <p>Setting a new password also unlocks an account locked after too many wrong passwords, and signs you out everywhere else.</p>
        <p>
          <Link to="/login">Back to sign in</Link>
        </p>
      </Page>
    );
  }
  return (
    <Page title="Forgotten your password?" lead="Enter the e-mail address you sign in with, and we will send you a link to set a new password.">
      <ErrorSummary problem={problem} />
      <form onSubmit={submit} noValidate className="form">
        <TextField name="email" label="E-mail address" type="email" inputMode="email" autoComplete="username" value={email} onChange={setEmail} problem={problem} required />
        <SubmitButton busy={busy}>Send the link</SubmitButton>
      </form>
      <p>
        <Link to="/login">Back to sign in</Link>
      </p>
    </Page>
  );
}

export function ResetPassword() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const token = params.get("token") ?? "";
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (password !== confirm) {
      setErrors({ confirm: "The two passwords are not the same" });
      return;
    }
    setErrors({});
    setBusy(true);
    const outcome = await call(client.POST("/api/auth/reset-password", { body: { token, password } }));
    setBusy(false);
    if (outcome.ok) navigate("/login?reset=1", { replace: true });
    else setProblem(outcome.problem);
  }

  const badLink = problem?.errors?.some((e) => e.field === "token");
  return (
    <Page title="Set a new password">
      <ErrorSummary problem={problem} errors={errors}>
        {badLink && (
          <p>
            <Link to="/forgot-password">Ask for a new link</Link>
          </p>
        )}
      </ErrorSummary>
      <form onSubmit={submit} noValidate className="form">
        <TextField name="password" label="New password" type="password" autoComplete="new-password" value={password} onChange={setPassword} problem={problem} errors={errors} hint={PASSWORD_HINT} required />
        <TextField name="confirm" label="Confirm new password" type="password" autoComplete="new-password" value={confirm} onChange={setConfirm} errors={errors} required />
        <SubmitButton busy={busy}>Set password</SubmitButton>
      </form>
    </Page>
  );
}
