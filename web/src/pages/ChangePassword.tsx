import { useState, type FormEvent } from "react";
import { call, client, type Problem } from "../api/client";
import { ErrorSummary, Notice, SubmitButton, TextField } from "../components/Fields";
import { Page } from "../components/Page";
import { ProfileNav } from "../components/ProfileNav";
import { useSession } from "../session";
import { PASSWORD_HINT } from "./Passwords";

export function ChangePassword() {
  const { signedIn } = useSession();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setDone(false);
    if (next !== confirm) {
      setErrors({ confirm: "The two new passwords are not the same" });
      setProblem(null);
      return;
    }
    setErrors({});
    setBusy(true);
    const outcome = await call(client.POST("/api/me/password", { body: { current_password: current, new_password: next } }));
    setBusy(false);
    if (outcome.ok) {
      // The session is renewed: keep its new CSRF token.
      signedIn(outcome.data.user, outcome.data.csrf_token);
      setProblem(null);
      setCurrent("");
      setNext("");
      setConfirm("");
      setDone(true);
    } else {
      setProblem(outcome.problem);
    }
  }

  return (
    <Page title="Change your password">
      <ProfileNav />
      {done && <Notice kind="success">Your password is changed. You have been signed out everywhere else.</Notice>}
      <ErrorSummary problem={problem} errors={errors} />
      <form onSubmit={submit} noValidate className="form">
        <TextField name="current_password" label="Current password" type="password" autoComplete="current-password" value={current} onChange={setCurrent} problem={problem} required />
        <TextField name="new_password" label="New password" type="password" autoComplete="new-password" value={next} onChange={setNext} problem={problem} hint={PASSWORD_HINT} required />
        <TextField name="confirm" label="Confirm new password" type="password" autoComplete="new-password" value={confirm} onChange={setConfirm} errors={errors} required />
        <SubmitButton busy={busy}>Change password</SubmitButton>
      </form>
    </Page>
  );
}
