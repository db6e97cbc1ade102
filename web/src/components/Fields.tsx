// Form fields that show the API's message for them next to the field (problem+json `errors`).
import { useEffect, useRef, type ChangeEvent, type ReactNode } from "react";
import { fieldError, isFailure, type Problem } from "../api/client";

interface TextFieldProps {
  name: string;
  label: string;
  value: string;
  onChange(value: string): void;
  problem?: Problem | null;
  /** Client-side messages, shown like the API's. */
  errors?: Record<string, string | undefined>;
  type?: "text" | "email" | "password" | "date" | "tel" | "search";
  autoComplete?: string;
  hint?: ReactNode;
  required?: boolean;
  multiline?: boolean;
  inputMode?: "text" | "numeric" | "decimal" | "email" | "tel";
  maxLength?: number;
  width?: "short" | "medium";
  /** Tells apart the same field in several forms of one page (one per card, say). */
  scope?: string;
}

export function fieldId(name: string, scope?: string) {
  return `field-${scope ? `${scope}-` : ""}${name.replace(/[^a-zA-Z0-9_-]/g, "-")}`;
}

export function TextField(props: TextFieldProps) {
  const { name, label, value, onChange, problem, errors, type = "text", autoComplete, hint, required, multiline, inputMode, maxLength, width, scope } = props;
  const id = fieldId(name, scope);
  const error = errors?.[name] ?? fieldError(problem, name);
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  const common = {
    id,
    name,
    value,
    required,
    autoComplete,
    maxLength,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": describedBy,
    onChange: (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => onChange(e.target.value),
  };
  return (
    <div className={error ? "field field--error" : "field"}>
      <label htmlFor={id}>
        {label}
        {!required && <span className="optional"> (optional)</span>}
      </label>
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <FieldError id={id} error={error} />
      {multiline ? (
        <textarea rows={4} {...common} />
      ) : (
        <input type={type} inputMode={inputMode} className={width ? `input--${width}` : undefined} {...common} />
      )}
    </div>
  );
}

export function CheckboxField({ name, label, checked, onChange, hint }: { name: string; label: string; checked: boolean; onChange(checked: boolean): void; hint?: ReactNode }) {
  const id = fieldId(name);
  return (
    <div className="field field--checkbox">
      <input type="checkbox" id={id} name={name} checked={checked} onChange={(e) => onChange(e.target.checked)} aria-describedby={hint ? `${id}-hint` : undefined} />
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}

/**
 * The API's messages are about a field ("is required"): in the summary, away from the field,
 * they are said with the field's label ("Reason: is required"). Sentences stand alone.
 */
function withLabel(field: string, message: string, scope?: string): string {
  if (!/^[a-z]/.test(message)) return message;
  const input = document.getElementById(fieldId(field, scope)) as HTMLInputElement | null;
  // A choice's own label names the option, not the question: radio buttons are named by the legend.
  const legend = input?.type === "radio" ? input.closest("fieldset")?.querySelector("legend")?.textContent : undefined;
  const label = legend ?? input?.labels?.[0]?.textContent;
  return label ? `${label.replace(/ \(optional\)$/, "")}: ${message}` : message;
}

/**
 * What went wrong, at the top of a form: the problem's title and detail, and a link to each
 * field it names. Takes focus when it appears, so the error is announced and easy to reach.
 */
export function ErrorSummary({ problem, errors, children, scope }: { problem?: Problem | null; errors?: Record<string, string | undefined>; children?: ReactNode; scope?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const local = Object.entries(errors ?? {}).filter((e): e is [string, string] => Boolean(e[1]));
  const listed = [...local.map(([field, message]) => ({ field, message })), ...(problem?.errors ?? []).filter((e) => !errors?.[e.field])];
  const shown = Boolean(problem) || listed.length > 0;
  // Each new problem or set of messages (a new object on every failed submit) takes focus again.
  useEffect(() => {
    if (shown) box.current?.focus();
  }, [shown, problem, errors]);
  if (!shown) return null;
  const failure = problem && isFailure(problem);
  return (
    <div className={failure ? "alert alert--failure" : "alert alert--error"} role="alert" tabIndex={-1} ref={box}>
      <h2>{problem ? problem.title : "Please check what you entered"}</h2>
      {problem?.detail && <p>{problem.detail}</p>}
      {listed.length > 0 && (
        <ul>
          {listed.map((e) => (
            <li key={e.field}>
              <a href={`#${fieldId(e.field, scope)}`}>{withLabel(e.field, e.message, scope)}</a>
            </li>
          ))}
        </ul>
      )}
      {children}
    </div>
  );
}

/**
 * A message. `focus`: it takes focus when it appears — for the outcome of an action whose button
 * has just gone (a removed address, a decided registration), so keyboard and screen-reader users
 * are not left on nothing.
 */
/** A list or page that could not be loaded: what went wrong, and a way to try again. */
export function LoadFailure({ problem, retry }: { problem: Problem | null; retry(): void }) {
  return (
    <ErrorSummary problem={problem}>
      {problem && (
        <button type="button" className="button button--secondary" onClick={retry}>
          Try again
        </button>
      )}
    </ErrorSummary>
  );
}

export function Notice({ children, kind = "info", focus }: { children: ReactNode; kind?: "info" | "success" | "warning"; focus?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (focus) box.current?.focus();
  }, [focus, children]);
  return (
    <div className={`notice notice--${kind}`} role="status" ref={box} tabIndex={focus ? -1 : undefined}>
      {children}
    </div>
  );
}

export function SubmitButton({ busy, children, secondary }: { busy: boolean; children: ReactNode; secondary?: boolean }) {
  return (
    <button type="submit" className={secondary ? "button button--secondary" : "button"} aria-disabled={busy} disabled={busy}>
      {busy ? "Please wait…" : children}
    </button>
  );
}

/** One choice of several, as radio buttons in a fieldset; the API's message for it shows above. */
export function RadioGroup({ name, legend, options, value, onChange, problem }: { name: string; legend: string; options: string[]; value: string; onChange(value: string): void; problem?: Problem | null }) {
  const id = fieldId(name);
  const error = fieldError(problem, name);
  return (
    <fieldset className={error ? "field field--error" : "field"} aria-describedby={error ? `${id}-error` : undefined}>
      <legend>{legend}</legend>
      <FieldError id={id} error={error} />
      {options.map((option, i) => {
        // The first option carries the field's id, so the error summary's link lands on it.
        const optionId = i === 0 ? id : `${id}-${i}`;
        return (
          <div className="radio" key={option}>
            <input type="radio" name={name} id={optionId} value={option} checked={value === option} onChange={() => onChange(option)} />
            <label htmlFor={optionId}>{option}</label>
          </div>
        );
      })}
    </fieldset>
  );
}

/** A choice from a list, as a select, with the message for it (the API's or the page's own). */
export function SelectField({ name, label, value, onChange, options, problem, errors, hint, scope, disabled, className }: { name: string; label: ReactNode; value: string; onChange(value: string): void; options: Array<{ value: string; label: string }>; problem?: Problem | null; errors?: Record<string, string | undefined>; hint?: ReactNode; scope?: string; disabled?: boolean; className?: string }) {
  const id = fieldId(name, scope);
  const error = errors?.[name] ?? fieldError(problem, name);
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className={["field", error ? "field--error" : null, className].filter(Boolean).join(" ")}>
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <FieldError id={id} error={error} />
      <select id={id} name={name} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)} aria-invalid={error ? true : undefined} aria-describedby={describedBy}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * Several choices of a list, as checkboxes in a fieldset; the message for it shows above them,
 * and the first checkbox carries the field's id so that the error summary's link lands on it.
 */
export function CheckboxGroup<T extends string>({ name, legend, options, values, onChange, problem, errors, scope }: { name: string; legend: string; options: Array<{ value: T; label: string }>; values: T[]; onChange(values: T[]): void; problem?: Problem | null; errors?: Record<string, string | undefined>; scope?: string }) {
  const id = fieldId(name, scope);
  const error = errors?.[name] ?? fieldError(problem, name);
  return (
    <fieldset className={error ? "field field--error checks" : "field checks"} aria-describedby={error ? `${id}-error` : undefined}>
      <legend>{legend}</legend>
      <FieldError id={id} error={error} />
      {options.map((o, i) => {
        const optionId = i === 0 ? id : `${id}-${i}`;
        return (
          <div className="field--checkbox" key={o.value}>
            <input type="checkbox" id={optionId} checked={values.includes(o.value)} onChange={(e) => onChange(e.target.checked ? [...values, o.value] : values.filter((v) => v !== o.value))} />
            <label htmlFor={optionId}>{o.label}</label>
          </div>
        );
      })}
    </fieldset>
  );
}

/** A field's message, beside it; `id` is the field's (the message is `${id}-error`). */
export function FieldError({ id, error }: { id: string; error?: string }) {
  if (!error) return null;
  return (
    <p className="field-error" id={`${id}-error`}>
      <span className="visually-hidden">Error: </span>
      {error}
    </p>
  );
}
