// An address's fields, as the address book keeps them: on the address book page, and at
// checkout, where an address added on the spot is saved to the book.
import { useMemo, type FormEvent, type ReactNode } from "react";
import { fieldError, type Problem, type Schemas } from "../api/client";
import { countries } from "../countries";
import { ErrorSummary, SubmitButton, TextField, fieldId } from "./Fields";

type Address = Schemas["Address"];
export type AddressFormValues = Record<"label" | "recipient" | "line1" | "line2" | "city" | "region" | "postcode" | "country", string>;

export const BLANK_ADDRESS: AddressFormValues = { label: "", recipient: "", line1: "", line2: "", city: "", region: "", postcode: "", country: "GB" };

export function toAddressForm(a: Address): AddressFormValues {
  return {
    label: a.label ?? "",
    recipient: a.recipient,
    line1: a.line1,
    line2: a.line2 ?? "",
    city: a.city,
    region: a.region ?? "",
    postcode: a.postcode ?? "",
    country: a.country,
  };
}

/** What the API takes: empty fields as null. */
export function addressInput(form: AddressFormValues): Schemas["AddressInput"] {
  return Object.fromEntries(Object.entries(form).map(([k, v]) => [k, v.trim() || null])) as Schemas["AddressInput"];
}

interface Props {
  form: AddressFormValues;
  onChange(form: AddressFormValues): void;
  onSubmit(e: FormEvent): void;
  problem: Problem | null;
  busy: boolean;
  submit: string;
  /** Beside the submit button (Cancel). */
  children?: ReactNode;
  /** Tells these fields apart from others of the page. */
  scope?: string;
}

export function AddressForm({ form, onChange, onSubmit, problem, busy, submit, children, scope }: Props) {
  const countryList = useMemo(countries, []);
  const set = (field: keyof AddressFormValues) => (value: string) => onChange({ ...form, [field]: value });
  const countryId = fieldId("country", scope);
  const countryError = fieldError(problem, "country");
  const common = { problem, scope };
  return (
    <>
      <ErrorSummary problem={problem} scope={scope} />
      <form onSubmit={onSubmit} noValidate className="form">
        <TextField name="label" label="Name for this address" hint='For example "Home" or "Office".' value={form.label} onChange={set("label")} {...common} />
        <TextField name="recipient" label="Recipient" autoComplete="name" value={form.recipient} onChange={set("recipient")} {...common} required />
        <TextField name="line1" label="Address line 1" autoComplete="address-line1" value={form.line1} onChange={set("line1")} {...common} required />
        <TextField name="line2" label="Address line 2" autoComplete="address-line2" value={form.line2} onChange={set("line2")} {...common} />
        <TextField name="city" label="Town or city" autoComplete="address-level2" value={form.city} onChange={set("city")} {...common} required />
        <TextField name="region" label="County, state or region" autoComplete="address-level1" value={form.region} onChange={set("region")} {...common} />
        <TextField name="postcode" label="Postcode" autoComplete="postal-code" value={form.postcode} onChange={set("postcode")} {...common} width="medium" hint="Needed for UK addresses." />
        <div className={countryError ? "field field--error" : "field"}>
          <label htmlFor={countryId}>Country</label>
          {countryError && (
            <p className="field-error" id={`${countryId}-error`}>
              <span className="visually-hidden">Error: </span>
              {countryError}
            </p>
          )}
          <select id={countryId} name="country" autoComplete="country" value={form.country} onChange={(e) => set("country")(e.target.value)} aria-invalid={countryError ? true : undefined} aria-describedby={countryError ? `${countryId}-error` : undefined}>
            {countryList.map((c) => (
              <option key={c.code} value={c.code}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div className="actions">
          <SubmitButton busy={busy}>{submit}</SubmitButton>
          {children}
        </div>
      </form>
    </>
  );
}
