import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { call, client, type Problem, type Schemas } from "../api/client";
import { ErrorSummary, SubmitButton, TextField } from "../components/Fields";
import { IncompleteLink, Page } from "../components/Page";
import { useReady, useSession } from "../session";

/**
 * A learner whose record holds another e-mail address: the one-time code sent there links the
 * record. Without it, an administrator checks the registration.
 */
function RecordCode({ codeToken, sentTo }: { codeToken: string; sentTo: string }) {
  const [code, setCode] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const outcome = await call(client.POST("/api/auth/record-code", { body: { token: codeToken, code: code.trim() } }));
    setBusy(false);
    if (outcome.ok) setDone(true);
    else setProblem(outcome.problem);
  }

  if (done) {
    return (
      <Page title="Your account is ready">
        <p>The code was right: your account is linked to your learner record. Sign in to see your portal.</p>
        <Link className="button" to="/login">
          Sign in
        </Link>
      </Page>
    );
  }
  return (
    <Page title="Enter the code we sent you">
      <ErrorSummary problem={problem} />
      <p>
        Your e-mail address is confirmed. Your learner record holds another e-mail address, so we sent a code to the address your
        centre holds for you: <strong>{sentTo}</strong>.
      </p>
      <form onSubmit={submit} noValidate className="form">
        <TextField
          name="code"
          label="Code"
          value={code}
          onChange={setCode}
          problem={problem}
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={6}
          width="short"
          hint="6 digits. The code works for one hour; you have five tries."
          required
        />
        <SubmitButton busy={busy}>Link my record</SubmitButton>
      </form>
      <p>
        Cannot get to that address? You need do nothing more: an administrator will check your registration and e-mail you when
        it is done.
      </p>
    </Page>
  );
}

/**
 * Where the link in the confirmation e-mail lands. The token is spent by pressing the button,
 * not by opening the page: mail scanners that open links must not use up a person's link.
 */
export function VerifyEmail() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const { me } = useReady();
  const { reload } = useSession();
  const navigate = useNavigate();
  const [result, setResult] = useState<Schemas["Verified"] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  async function confirm(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const outcome = await call(client.POST("/api/auth/verify-email", { body: { token } }));
    setBusy(false);
    if (outcome.ok) setResult(outcome.data);
    else setProblem(outcome.problem);
  }

  if (result?.status === "active") {
    return (
      <Page title="Your e-mail address is confirmed">
        {me ? (
          <>
            <p>Your new e-mail address is confirmed. Use it to sign in from now on.</p>
            <p>For your safety, everywhere your account was signed in has been signed out, this browser too.</p>
            {/* Reloads the session (now ended), then signs in afresh. */}
            <button
              type="button"
              className="button"
              onClick={() => {
                reload();
                navigate("/login");
              }}
            >
              Sign in again
            </button>
          </>
        ) : (
          <>
            <p>Your account is ready. Sign in to see your portal.</p>
            <Link className="button" to="/login">
              Sign in
            </Link>
          </>
        )}
      </Page>
    );
  }
  if (result?.status === "pending_review" && result.code_token) {
    return <RecordCode codeToken={result.code_token} sentTo={result.code_sent_to ?? "the address your centre holds for you"} />;
  }
  if (result?.status === "pending_review" && result.centre_asked) {
    return (
      <Page title="Your centre will approve your access">
        <p>Your e-mail address is confirmed.</p>
        <p>
          We have e-mailed your centre's central address (usually the exams office) to ask them to approve your access to the
          centre's records. If they do not answer, an administrator of the awarding body will check your registration.
        </p>
        <p>We will e-mail you as soon as it is decided; there is nothing more you need to do now.</p>
      </Page>
    );
  }
  if (result?.status === "pending_review") {
    return (
      <Page title="Your registration is being checked">
        <p>Your e-mail address is confirmed, but the details you gave did not match the awarding body's records exactly.</p>
        <p>An administrator will compare them and link your account to the right record. We will e-mail you as soon as it is done; there is nothing more you need to do now.</p>
        <p>If you think a detail was mistyped, you can tell the support team when they contact you.</p>
      </Page>
    );
  }
  if (!token) {
    return <IncompleteLink />;
  }
  return (
    <Page title="Confirm your e-mail address">
      <ErrorSummary problem={problem}>
        {problem && problem.status < 500 && problem.status !== 0 && (
          <p>
            Links work once and for 24 hours. If yours has expired, <Link to="/register">register again</Link> with the same e-mail address.
          </p>
        )}
      </ErrorSummary>
      <p>Press the button to confirm that this e-mail address is yours.</p>
      <form onSubmit={confirm} className="form">
        <SubmitButton busy={busy}>Confirm my e-mail address</SubmitButton>
      </form>
    </Page>
  );
}
