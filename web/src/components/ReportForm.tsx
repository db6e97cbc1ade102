import { useState, type FormEvent, type Ref } from "react";
import { call, client, type Problem } from "../api/client";
import { useReady } from "../session";
import { ErrorSummary, RadioGroup, SubmitButton, TextField } from "./Fields";

/**
 * DOC-6, CEN-5: a report on one document — a reason from the awarding body's list and a
 * description, both required. `onSent` once the portal has it.
 */
export function ReportForm({ reference, connection, onSent, onCancel, formRef }: { reference: string; connection?: string; onSent(): void; onCancel(): void; formRef?: Ref<HTMLFormElement> }) {
  const { site } = useReady();
  const [reason, setReason] = useState("");
  const [description, setDescription] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const outcome = await call(client.POST("/api/documents/{reference}/reports", { params: { path: { reference }, query: { connection } }, body: { reason, description } }));
    setBusy(false);
    if (outcome.ok) {
      setProblem(null);
      onSent();
    } else setProblem(outcome.problem);
  }

  return (
    <form onSubmit={submit} noValidate className="form" ref={formRef}>
      <ErrorSummary problem={problem} />
      <RadioGroup name="reason" legend="What is wrong?" options={site.report_reasons} value={reason} onChange={setReason} problem={problem} />
      <TextField name="description" label="Tell us more" multiline required value={description} onChange={setDescription} problem={problem} maxLength={2000} hint="What should it say instead? Up to 2,000 characters." />
      <div className="actions">
        <SubmitButton busy={busy}>Send the report</SubmitButton>
        <button type="button" className="button button--secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
