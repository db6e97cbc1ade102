import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useLocation, useNavigate } from "react-router";
import { call, client, type Problem } from "../api/client";
import { ErrorSummary, SubmitButton, TextField } from "../components/Fields";
import { Page } from "../components/Page";
import { useReady } from "../session";
import { PASSWORD_HINT } from "./Passwords";

type Kind = "learner" | "third_party" | "centre";

interface Details {
  kind: Kind | "";
  email: string;
  password: string;
  confirm: string;
  first_name: string;
  last_name: string;
  date_of_birth: string;
  enrolment_number: string;
  company: string;
  phone: string;
  centre_number: string;
  centre_name: string;
}

const EMPTY: Details = {
  kind: "",
  email: "",
  password: "",
  confirm: "",
  first_name: "",
  last_name: "",
  date_of_birth: "",
  enrolment_number: "",
  company: "",
  phone: "",
  centre_number: "",
  centre_name: "",
};

const KINDS: Array<[Kind, string, string]> = [
  ["learner", "A learner", "You were awarded a qualification and want to see, share or order your documents."],
  ["third_party", "An employer, university or auditor", "A learner shares documents with you, or you want to ask one to."],
  ["centre", "Staff at a training centre", "You see and download the documents issued to your centre's learners."],
];

const STEPS = ["Login details", "Personal details", "Confirmation"] as const;
/** Which step holds each field, to send the person back to the first one that needs fixing. */
const STEP_OF: Record<string, number> = { kind: 0, email: 0, password: 0, confirm: 0 };

type Errors = Record<string, string | undefined>;

function personalFields(kind: Kind | ""): Array<[keyof Details, string]> {
  const names: Array<[keyof Details, string]> = [
    ["first_name", "First name"],
    ["last_name", "Last name"],
  ];
  switch (kind) {
    case "learner":
      return [...names, ["date_of_birth", "Date of birth"], ["enrolment_number", "Enrolment or candidate number"]];
    case "third_party":
      return [...names, ["company", "Organisation"], ["phone", "Phone"]];
    case "centre":
      return [...names, ["centre_number", "Centre number"], ["centre_name", "Centre name"], ["phone", "Phone"]];
    default:
      return names;
  }
}

function checkStep(step: number, d: Details): Errors {
  const errors: Errors = {};
  if (step === 0) {
    if (!d.kind) errors.kind = "Choose the kind of account you need";
    if (!d.email.trim()) errors.email = "Enter your e-mail address";
    else if (!/^[^\s@]+@[^\s@]+$/.test(d.email.trim())) errors.email = "Enter an e-mail address like name@example.org";
    if (d.password.length < 8) errors.password = "Your password needs at least 8 characters";
    if (d.confirm !== d.password) errors.confirm = "The two passwords are not the same";
  }
  if (step === 1) {
    for (const [field, label] of personalFields(d.kind)) {
      if (field !== "phone" && !d[field].trim()) errors[field] = `Enter your ${label.toLowerCase()}`;
    }
  }
  return errors;
}

export function Register() {
  const navigate = useNavigate();
  const { site } = useReady();
  const [step, setStep] = useState(0);
  const [details, setDetails] = useState<Details>(EMPTY);
  const [errors, setErrors] = useState<Errors>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  const set = (field: keyof Details) => (value: string) => setDetails((d) => ({ ...d, [field]: value }));

  // Each step replaces the form: focus goes to its heading, and the window title says the step.
  const stepHeading = useRef<HTMLHeadingElement>(null);
  const firstStep = useRef(true);
  useEffect(() => {
    document.title = `Create an account (step ${step + 1} of 3) — ${site.organisation_name}`;
    if (firstStep.current) {
      firstStep.current = false;
      return;
    }
    stepHeading.current?.focus();
  }, [step, site.organisation_name]);

  /** Back to an earlier step: messages about this step's fields no longer apply there. */
  function goTo(target: number) {
    setErrors({});
    setStep(target);
  }

  function next(e: FormEvent) {
    e.preventDefault();
    const found = checkStep(step, details);
    setErrors(found);
    setProblem(null);
    if (Object.keys(found).length === 0) setStep(step + 1);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const d = details;
    const optional = (v: string) => (v.trim() ? v.trim() : undefined);
    const outcome = await call(
      client.POST("/api/auth/register", {
        body: {
          kind: d.kind,
          email: d.email.trim(),
          password: d.password,
          first_name: d.first_name.trim(),
          last_name: d.last_name.trim(),
          date_of_birth: d.kind === "learner" ? optional(d.date_of_birth) : undefined,
          enrolment_number: d.kind === "learner" ? optional(d.enrolment_number) : undefined,
          company: d.kind === "third_party" ? optional(d.company) : undefined,
          phone: d.kind !== "learner" ? optional(d.phone) : undefined,
          centre_number: d.kind === "centre" ? optional(d.centre_number) : undefined,
          centre_name: d.kind === "centre" ? optional(d.centre_name) : undefined,
        },
      }),
    );
    setBusy(false);
    if (outcome.ok) {
      navigate("/register/check-email", { state: { email: d.email.trim() } });
      return;
    }
    setErrors({});
    setProblem(outcome.problem);
    const steps = (outcome.problem.errors ?? []).map((e) => STEP_OF[e.field] ?? 1);
    if (steps.length > 0) setStep(Math.min(...steps));
  }

  // The summary links only to fields on this step; other steps' problems are named.
  const stepOf = (field: string) => STEP_OF[field] ?? 1;
  const problemHere = problem && { ...problem, errors: problem.errors?.filter((e) => stepOf(e.field) === step) };
  const laterSteps = [...new Set((problem?.errors ?? []).map((e) => stepOf(e.field)).filter((s) => s !== step))].sort().map((s) => s + 1);
  const kindError = errors.kind ?? problem?.errors?.find((e) => e.field === "kind")?.message;
  return (
    <Page title="Create an account" lead={`Register to use the ${site.organisation_name} portal. It takes three short steps.`}>
      <ol className="steps" aria-label="Registration steps">
        {STEPS.map((name, i) => (
          <li key={name} aria-current={i === step ? "step" : undefined} className={i < step ? "done" : undefined}>
            <span className="steps__number">{i + 1}</span> {name}
          </li>
        ))}
      </ol>
      <h2 ref={stepHeading} tabIndex={-1}>
        Step {step + 1} of 3: {STEPS[step]}
      </h2>
      <ErrorSummary problem={problemHere} errors={errors}>
        {laterSteps.length > 0 && <p>After this, step {laterSteps.join(" and ")} also needs a change.</p>}
      </ErrorSummary>

      {step === 0 && (
        <form onSubmit={next} noValidate className="form">
          <fieldset className={kindError ? "field field--error" : "field"} aria-describedby={kindError ? "field-kind-error" : undefined}>
            <legend>I am</legend>
            {kindError && (
              <p className="field-error" id="field-kind-error">
                <span className="visually-hidden">Error: </span>
                {kindError}
              </p>
            )}
            {KINDS.map(([kind, label, hint], i) => (
              <div className="radio" key={kind}>
                <input type="radio" name="kind" id={i === 0 ? "field-kind" : `field-kind-${kind}`} value={kind} checked={details.kind === kind} onChange={() => set("kind")(kind)} aria-describedby={`kind-${kind}-hint`} />
                <label htmlFor={i === 0 ? "field-kind" : `field-kind-${kind}`}>{label}</label>
                <p className="hint" id={`kind-${kind}-hint`}>
                  {hint}
                </p>
              </div>
            ))}
          </fieldset>
          <TextField name="email" label="E-mail address" type="email" inputMode="email" autoComplete="email" value={details.email} onChange={set("email")} problem={problem} errors={errors} required hint="You will sign in with it. We send a link to confirm it." />
          <TextField
            name="password"
            label="Password"
            type="password"
            autoComplete="new-password"
            value={details.password}
            onChange={set("password")}
            problem={problem}
            errors={errors}
            required
            hint={PASSWORD_HINT}
          />
          <TextField name="confirm" label="Confirm password" type="password" autoComplete="new-password" value={details.confirm} onChange={set("confirm")} errors={errors} required />
          <SubmitButton busy={false}>Continue</SubmitButton>
        </form>
      )}

      {step === 1 && (
        <form onSubmit={next} noValidate className="form">
          {details.kind === "learner" && (
            <p>
              Enter your details exactly as they appear on your documents: we match them against the awarding body's records. If your
              record holds another e-mail address than the one you register with, we send a code there to check it is you.
            </p>
          )}
          {details.kind === "centre" && (
            <p>
              Enter your centre's number and name as the awarding body has them. Your centre's central e-mail address (usually the exams
              office) is then asked to approve your access.
            </p>
          )}
          {personalFields(details.kind).map(([field, label]) => (
            <TextField
              key={field}
              name={field}
              label={label}
              type={field === "date_of_birth" ? "date" : field === "phone" ? "tel" : "text"}
              autoComplete={AUTOCOMPLETE[field]}
              value={details[field]}
              onChange={set(field)}
              problem={problem}
              errors={errors}
              required={field !== "phone"}
              width={field === "date_of_birth" || field === "enrolment_number" || field === "centre_number" ? "medium" : undefined}
            />
          ))}
          <div className="actions">
            <button type="button" className="button button--secondary" onClick={() => goTo(0)}>
              Back
            </button>
            <SubmitButton busy={false}>Continue</SubmitButton>
          </div>
        </form>
      )}

      {step === 2 && (
        <form onSubmit={submit} noValidate className="form">
          <p>Check your details, then create your account.</p>
          <dl className="summary">
            <div>
              <dt>Account</dt>
              <dd>{KINDS.find(([k]) => k === details.kind)?.[1]}</dd>
              <dd>
                <button type="button" className="link-button" onClick={() => goTo(0)}>
                  Change<span className="visually-hidden"> account kind</span>
                </button>
              </dd>
            </div>
            <div>
              <dt>E-mail address</dt>
              <dd>{details.email}</dd>
              <dd>
                <button type="button" className="link-button" onClick={() => goTo(0)}>
                  Change<span className="visually-hidden"> e-mail address</span>
                </button>
              </dd>
            </div>
            {personalFields(details.kind).map(([field, label]) => (
              <div key={field}>
                <dt>{label}</dt>
                <dd>{details[field] || "—"}</dd>
                <dd>
                  <button type="button" className="link-button" onClick={() => goTo(1)}>
                    Change<span className="visually-hidden"> {label.toLowerCase()}</span>
                  </button>
                </dd>
              </div>
            ))}
          </dl>
          <div className="actions">
            <button type="button" className="button button--secondary" onClick={() => goTo(1)}>
              Back
            </button>
            <SubmitButton busy={busy}>Create account</SubmitButton>
          </div>
        </form>
      )}
      <p>
        Already registered? <Link to="/login">Sign in</Link>
      </p>
    </Page>
  );
}

const AUTOCOMPLETE: Partial<Record<keyof Details, string>> = {
  first_name: "given-name",
  last_name: "family-name",
  date_of_birth: "bday",
  company: "organization",
  phone: "tel",
  centre_name: "organization",
};

export function CheckEmail() {
  const location = useLocation();
  const email = (location.state as { email?: string } | null)?.email;
  const { site } = useReady();
  return (
    <Page title="Check your e-mail">
      <p>
        We have sent a link to {email ? <strong>{email}</strong> : "the address you gave"}. Follow it to confirm your e-mail address and finish registering. The link works for 24
        hours, once.
      </p>
      <p>If it has not arrived within a few minutes, look in your spam or junk folder.</p>
      <p>
        Still nothing? E-mail <a href={`mailto:${site.support_email}`}>{site.support_email}</a> with your name and date of birth, or{" "}
        <Link to="/register">register again</Link>.
      </p>
    </Page>
  );
}
