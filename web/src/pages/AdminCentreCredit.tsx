import { useCallback, useEffect, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { call, client, type Outcome, type Problem } from "../api/client";
import { gbp, toPence, toPounds, type Credit } from "../api/store";
import { ErrorSummary, LoadFailure, Notice, SubmitButton, TextField } from "../components/Fields";
import { Page } from "../components/Page";
import { useLoaded } from "../components/useLoaded";
import { CreditSummary, MonthStatement } from "./CentreAccount";

/**
 * CEN-6: a centre's account, found by its number — what it may owe (its credit limit, set here),
 * what it owes and what is available; and the payments it sends, recorded here, which restore its
 * credit. Both are audited.
 */
export function AdminCentreCredit() {
  const [params, setParams] = useSearchParams();
  const centre = params.get("centre") ?? "";
  const [typed, setTyped] = useState(centre);
  const [credit, setCredit] = useState<Credit | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  useEffect(() => setTyped(centre), [centre]);

  const load = useCallback(async () => {
    setCredit(null);
    setProblem(null);
    if (!centre) return;
    const outcome = await call(client.GET("/api/admin/centres/{centre_number}/credit", { params: { path: { centre_number: centre } } }));
    if (outcome.ok) setCredit(outcome.data);
    else setProblem(outcome.problem.status === 404 ? { ...outcome.problem, title: "No centre has this number", detail: `Check the centre number: ${centre} is not one of the centres in the records.` } : outcome.problem);
  }, [centre]);
  useEffect(() => {
    load();
  }, [load]);

  function find(e: FormEvent) {
    e.preventDefault();
    setMessage(null);
    const number = typed.trim().toUpperCase();
    setParams(number ? { centre: number } : {});
  }

  /** A change's answer: the account as it is now, and what to say. */
  function changed(outcome: Outcome<Credit>, say: (now: Credit) => string): Problem | null {
    if (!outcome.ok) {
      setMessage(null);
      return outcome.problem;
    }
    setCredit(outcome.data);
    setMessage(say(outcome.data));
    return null;
  }

  return (
    <Page title="Centre credit" lead="Find a centre by its number to see its account, set its credit limit, or record a payment it sent. Every change is recorded in the audit log." wide>
      <form onSubmit={find} className="form form--inline" role="search" aria-label="Centres">
        <TextField name="centre" label="Centre number" type="search" value={typed} onChange={setTyped} width="medium" hint="Such as C-7201." />
        <SubmitButton busy={false}>Find</SubmitButton>
      </form>
      {message && (
        <Notice kind="success" focus>
          {message}
        </Notice>
      )}
      {problem && problem.status === 404 ? <ErrorSummary problem={problem} /> : <LoadFailure problem={problem} retry={load} />}
      {centre && !credit && !problem && <p role="status">Loading the centre's account…</p>}
      {credit && (
        <>
          <section aria-labelledby="account-heading" className="section">
            <h2 id="account-heading">Centre {credit.centre_number}</h2>
            <CreditSummary credit={credit} label={`The account of centre ${credit.centre_number}`} />
            <p>
              <Link to={`/admin/orders?centre=${encodeURIComponent(credit.centre_number)}`}>The centre's orders</Link>
            </p>
          </section>
          <Limit key={`limit-${credit.limit}`} credit={credit} onAnswer={changed} />
          <PaymentReceived key={`payment-${credit.balance}`} credit={credit} onAnswer={changed} />
          <Statements key={`statements-${credit.balance}`} centre={credit.centre_number} />
        </>
      )}
    </Page>
  );
}

type Answer = (outcome: Outcome<Credit>, say: (now: Credit) => string) => Problem | null;

function Limit({ credit, onAnswer }: { credit: Credit; onAnswer: Answer }) {
  const [limit, setLimit] = useState(toPounds(credit.limit));
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const pence = toPence(limit);
    if (pence === null) {
      setErrors({ limit: "Enter the credit limit in pounds, such as 500; 0 closes ordering on account" });
      setProblem(null);
      return;
    }
    setErrors({});
    setBusy(true);
    const outcome = await call(client.PUT("/api/admin/centres/{centre_number}/credit", { params: { path: { centre_number: credit.centre_number } }, body: { limit: pence } }));
    setBusy(false);
    setProblem(onAnswer(outcome, (now) => `The credit limit of centre ${now.centre_number} is now ${gbp(now.limit)}: ${gbp(now.available)} is available for orders on account.`));
  }

  return (
    <section aria-labelledby="limit-heading" className="section">
      <h2 id="limit-heading">Credit limit</h2>
      <form onSubmit={submit} noValidate className="form">
        <ErrorSummary problem={problem} errors={errors} scope="credit" />
        <TextField
          name="limit"
          scope="credit"
          label="Credit limit (£)"
          required
          inputMode="decimal"
          value={limit}
          onChange={setLimit}
          problem={problem}
          errors={errors}
          width="short"
          hint="The most the centre may owe, in pounds. 0 closes ordering on account; a limit below what it owes only stops new orders on account."
        />
        <SubmitButton busy={busy}>Save the limit</SubmitButton>
      </form>
    </section>
  );
}

function PaymentReceived({ credit, onAnswer }: { credit: Credit; onAnswer: Answer }) {
  const [amount, setAmount] = useState("");
  const [reference, setReference] = useState("");
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found: Record<string, string> = {};
    const pence = toPence(amount);
    if (pence === null || pence === 0) found.amount = "Enter the amount received in pounds, such as 63.50";
    if (!reference.trim()) found.reference = "Enter the payment's reference";
    setErrors(found);
    setProblem(null);
    if (Object.keys(found).length > 0 || pence === null) return;
    setBusy(true);
    const outcome = await call(client.POST("/api/admin/centres/{centre_number}/payments", { params: { path: { centre_number: credit.centre_number } }, body: { amount: pence, reference: reference.trim() } }));
    setBusy(false);
    setProblem(onAnswer(outcome, (now) => `${gbp(pence)} received from centre ${now.centre_number} is recorded: it owes ${gbp(now.balance)}, and ${gbp(now.available)} is available for orders on account.`));
  }

  return (
    <section aria-labelledby="payment-heading" className="section">
      <h2 id="payment-heading">Record a payment received</h2>
      {credit.balance === 0 ? (
        <p>The centre owes nothing: there is no payment to record.</p>
      ) : (
        <form onSubmit={submit} noValidate className="form">
          <p>The centre owes {gbp(credit.balance)}. A payment lowers that, and restores its available credit.</p>
          <ErrorSummary problem={problem} errors={errors} scope="payment" />
          <TextField name="amount" scope="payment" label="Amount received (£)" required inputMode="decimal" value={amount} onChange={setAmount} problem={problem} errors={errors} width="short" hint={`In pounds, up to ${gbp(credit.balance)}.`} />
          <TextField name="reference" scope="payment" label="Reference" required value={reference} onChange={setReference} problem={problem} errors={errors} maxLength={100} hint="The bank's or the cheque's reference, such as BACS 0001." />
          <SubmitButton busy={busy}>Record the payment</SubmitButton>
        </form>
      )}
    </section>
  );
}

/** The centre's statements, newest first, each with its PDF, as the centre sees them. */
function Statements({ centre }: { centre: string }) {
  const fetchAll = useCallback(() => call(client.GET("/api/admin/centres/{centre_number}/statements", { params: { path: { centre_number: centre } } })), [centre]);
  const { data, problem, reload } = useLoaded(fetchAll);
  return (
    <section aria-labelledby="statements-heading" className="section">
      <h2 id="statements-heading">Statements</h2>
      <LoadFailure problem={problem} retry={reload} />
      {!data && !problem && <p role="status">Loading the statements…</p>}
      {data && data.length === 0 && <p>Nothing has been charged to the centre's account yet.</p>}
      {data?.map((s) => (
        <MonthStatement key={s.month} statement={s} pdf={`/api/admin/centres/${encodeURIComponent(centre)}/statements/${encodeURIComponent(s.month)}`} orderPath="/admin/orders/" />
      ))}
    </section>
  );
}
