// Choices with more to say than a word: radio buttons whose labels and hints are any content
// (an address, a price and a description), and the quantity of an item.
import type { ReactNode } from "react";
import { fieldError, type Problem } from "../api/client";
import { MAX_QUANTITY } from "../api/store";
import { FieldError, SelectField, fieldId } from "./Fields";

export interface Choice {
  value: string;
  label: ReactNode;
  hint?: ReactNode;
}

/**
 * One choice of several, as radio buttons in a fieldset; the message for it (the API's, or the
 * page's own in `errors`) shows above the choices, and the first choice carries the field's id so
 * that the error summary's link lands on it.
 */
export function ChoiceGroup({ name, legend, hint, choices, value, onChange, problem, errors, scope }: { name: string; legend: ReactNode; hint?: ReactNode; choices: Choice[]; value: string; onChange(value: string): void; problem?: Problem | null; errors?: Record<string, string | undefined>; scope?: string }) {
  const id = fieldId(name, scope);
  const error = errors?.[name] ?? fieldError(problem, name);
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  return (
    <fieldset className={error ? "field field--error choices" : "field choices"} aria-describedby={describedBy}>
      <legend>{legend}</legend>
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <FieldError id={id} error={error} />
      {choices.map((choice, i) => {
        const optionId = i === 0 ? id : `${id}-${i}`;
        return (
          <div className="radio choices__choice" key={choice.value}>
            <input type="radio" name={scope ? `${scope}-${name}` : name} id={optionId} value={choice.value} checked={value === choice.value} onChange={() => onChange(choice.value)} aria-describedby={choice.hint ? `${optionId}-hint` : undefined} />
            <label htmlFor={optionId}>{choice.label}</label>
            {choice.hint && (
              <div className="hint" id={`${optionId}-hint`}>
                {choice.hint}
              </div>
            )}
          </div>
        );
      })}
    </fieldset>
  );
}

/** How many of one item, 1 to 10, as a select (what the basket allows). */
export function QuantitySelect({ name, label, value, onChange, problem, scope, disabled, hint }: { name: string; label: ReactNode; value: number; onChange(value: number): void; problem?: Problem | null; scope?: string; disabled?: boolean; hint?: string }) {
  return <SelectField name={name} label={label} value={String(value)} onChange={(v) => onChange(Number(v))} options={QUANTITIES} problem={problem} scope={scope} disabled={disabled} hint={hint} className="quantity" />;
}

const QUANTITIES = Array.from({ length: MAX_QUANTITY }, (_, i) => ({ value: String(i + 1), label: String(i + 1) }));
