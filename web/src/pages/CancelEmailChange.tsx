import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { call, client, type Problem } from "../api/client";
import { ErrorSummary, Notice, SubmitButton } from "../components/Fields";
import { IncompleteLink, Page } from "../components/Page";
import { useSession } from "../session";

/**
 * Where the link e-mailed to the old address lands when somebody asks to move an account to
 * another address. Nothing happens on opening it (mail scanners open links), only on the button.
 */
export function CancelEmailChange() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const { reload } = useSession();
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  async function cancel(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const outcome = await call(client.POST("/api/auth/cancel-email-change", { body: { token } }));
    setBusy(false);
    if (outcome.ok) {
      setDone(true);
      // Every session ended, this browser's too.
      reload();
    } else setProblem(outcome.problem);
  }

  if (done) {
    return (
      <Page title="The change is cancelled">
        <Notice kind="success">Your account keeps this e-mail address, and it has been signed out everywhere.</Notice>
        <p>Whoever asked for the change knew your password. Please set a new one now.</p>
        <Link className="button" to="/forgot-password">
          Set a new password
        </Link>
      </Page>
    );
  }
  if (!token) {
    return <IncompleteLink />;
  }
  return (
    <Page title="Cancel the change of your e-mail address">
      <ErrorSummary problem={problem} />
      <p>Somebody asked to move your account to another e-mail address. If it was not you, cancel it: your account stays at (or goes back to) this address, and is signed out everywhere.</p>
      <form onSubmit={cancel} className="form">
        <SubmitButton busy={busy}>Cancel the change</SubmitButton>
      </form>
    </Page>
  );
}
