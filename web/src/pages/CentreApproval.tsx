import { useState } from "react";
import { useSearchParams } from "react-router";
import { call, client, type Problem, type Schemas } from "../api/client";
import { ErrorSummary } from "../components/Fields";
import { IncompleteLink, Page } from "../components/Page";

/**
 * Where the approval link e-mailed to a centre's central address lands. Nothing is decided by
 * opening the page (mail scanners open links): only by pressing Approve or Decline.
 */
export function CentreApproval() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const [result, setResult] = useState<Schemas["CentreDecision"] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState<"approve" | "decline" | null>(null);

  async function decide(decision: "approve" | "decline") {
    setBusy(decision);
    setProblem(null);
    const outcome = await call(client.POST("/api/auth/centre-approval", { body: { token, decision } }));
    setBusy(null);
    if (outcome.ok) setResult(outcome.data);
    else setProblem(outcome.problem);
  }

  if (result) {
    return result.status === "active" ? (
      <Page title="Access approved">
        <p>
          {result.name} ({result.email}) can now sign in and use your centre's records. We have e-mailed them.
        </p>
      </Page>
    ) : (
      <Page title="Request declined">
        <p>
          {result.name} ({result.email}) will not get access to your centre's records. We have e-mailed them.
        </p>
      </Page>
    );
  }
  if (!token) {
    return <IncompleteLink />;
  }
  return (
    <Page title="Approve a centre user">
      <ErrorSummary problem={problem} />
      <p>
        Somebody registered as a user of your centre. The e-mail this link came in says who they are. Once approved, they see your
        centre's jobs, learner records and documents, and can download them.
      </p>
      <p>Approve them only if you know who they are and that they work for your centre. The link works once.</p>
      <div className="actions">
        <button type="button" className="button" aria-disabled={busy !== null} disabled={busy !== null} onClick={() => decide("approve")}>
          {busy === "approve" ? "Please wait…" : "Approve"}
        </button>
        <button type="button" className="button button--secondary" aria-disabled={busy !== null} disabled={busy !== null} onClick={() => decide("decline")}>
          {busy === "decline" ? "Please wait…" : "Decline"}
        </button>
      </div>
    </Page>
  );
}
