import { useCallback, useMemo, useState, type FormEvent } from "react";
import { call, client, fieldError, type Problem, type Schemas } from "../api/client";
import { countries, countryName } from "../countries";
import { ErrorSummary, LoadFailure, Notice, SubmitButton, TextField, fieldId } from "../components/Fields";
import { usePaged } from "../components/usePaged";
import { Page } from "../components/Page";
import { ProfileNav } from "../components/ProfileNav";

type Address = Schemas["Address"];
type Form = Record<"label" | "recipient" | "line1" | "line2" | "city" | "region" | "postcode" | "country", string>;

const BLANK: Form = { label: "", recipient: "", line1: "", line2: "", city: "", region: "", postcode: "", country: "GB" };

function toForm(a: Address): Form {
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

export function AddressBook() {
  const fetchAll = useCallback(() => call(client.GET("/api/me/addresses")), []);
  const { items: addresses, problem: listProblem, reload: load } = usePaged(fetchAll);
  const [actionProblem, setActionProblem] = useState<Problem | null>(null);
  const loadProblem = listProblem ?? actionProblem;
  // null: no form open; "new": adding; an id: editing that address.
  const [editing, setEditing] = useState<string | null>(null);
  const [form, setForm] = useState<Form>(BLANK);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [confirmRemove, setConfirmRemove] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const countryList = useMemo(countries, []);


  function open(target: string, start: Form) {
    setEditing(target);
    setForm(start);
    setProblem(null);
    setMessage(null);
  }

  async function save(e: FormEvent) {
    e.preventDefault();
    const body = Object.fromEntries(Object.entries(form).map(([k, v]) => [k, v.trim() || null])) as Schemas["AddressInput"];
    setBusy(true);
    const outcome =
      editing === "new"
        ? await call(client.POST("/api/me/addresses", { body }))
        : await call(client.PUT("/api/me/addresses/{id}", { params: { path: { id: editing! } }, body }));
    setBusy(false);
    if (outcome.ok) {
      setEditing(null);
      setMessage(editing === "new" ? "The address is added." : "The address is saved.");
      await load();
    } else setProblem(outcome.problem);
  }

  async function remove(id: string) {
    setBusy(true);
    const outcome = await call(client.DELETE("/api/me/addresses/{id}", { params: { path: { id } } }));
    setBusy(false);
    setConfirmRemove(null);
    if (outcome.ok) {
      setActionProblem(null);
      setMessage("The address is removed.");
      await load();
    } else setActionProblem(outcome.problem);
  }

  const set = (field: keyof Form) => (value: string) => setForm((f) => ({ ...f, [field]: value }));
  const countryError = fieldError(problem, "country");

  return (
    <Page title="Your address book" lead="Billing and delivery addresses, ready for when you order printed documents.">
      <ProfileNav />
      {message && (
        <Notice kind="success" focus>
          {message}
        </Notice>
      )}
      <LoadFailure problem={loadProblem} retry={load} />
      {addresses && addresses.length === 0 && editing === null && <p>You have no saved addresses yet.</p>}
      {addresses && addresses.length > 0 && (
        <ul className="cards">
          {addresses.map((a) => (
            <li key={a.id} className="card">
              <h2 className="card__title">{a.label || a.recipient}</h2>
              <address>
                {[a.recipient, a.line1, a.line2, a.city, a.region, a.postcode, countryName(a.country)].filter(Boolean).map((line, i) => (
                  <span key={i}>
                    {line}
                    <br />
                  </span>
                ))}
              </address>
              {confirmRemove === a.id ? (
                <div className="confirm" role="group" aria-label="Confirm removal">
                  <p>Remove this address?</p>
                  <button type="button" className="button button--danger" onClick={() => remove(a.id)} disabled={busy}>
                    Yes, remove it
                  </button>
                  <button type="button" className="button button--secondary" onClick={() => setConfirmRemove(null)}>
                    No, keep it
                  </button>
                </div>
              ) : (
                <div className="actions">
                  <button type="button" className="button button--secondary" onClick={() => open(a.id, toForm(a))}>
                    Edit<span className="visually-hidden"> {a.label || a.recipient}</span>
                  </button>
                  <button type="button" className="button button--secondary" onClick={() => setConfirmRemove(a.id)}>
                    Remove<span className="visually-hidden"> {a.label || a.recipient}</span>
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {editing === null ? (
        <button type="button" className="button" onClick={() => open("new", BLANK)}>
          Add an address
        </button>
      ) : (
        <section aria-labelledby="address-form" className="section">
          <h2 id="address-form">{editing === "new" ? "Add an address" : "Edit the address"}</h2>
          <ErrorSummary problem={problem} />
          <form onSubmit={save} noValidate className="form">
            <TextField name="label" label="Name for this address" hint='For example "Home" or "Office".' value={form.label} onChange={set("label")} problem={problem} />
            <TextField name="recipient" label="Recipient" autoComplete="name" value={form.recipient} onChange={set("recipient")} problem={problem} required />
            <TextField name="line1" label="Address line 1" autoComplete="address-line1" value={form.line1} onChange={set("line1")} problem={problem} required />
            <TextField name="line2" label="Address line 2" autoComplete="address-line2" value={form.line2} onChange={set("line2")} problem={problem} />
            <TextField name="city" label="Town or city" autoComplete="address-level2" value={form.city} onChange={set("city")} problem={problem} required />
            <TextField name="region" label="County, state or region" autoComplete="address-level1" value={form.region} onChange={set("region")} problem={problem} />
            <TextField name="postcode" label="Postcode" autoComplete="postal-code" value={form.postcode} onChange={set("postcode")} problem={problem} width="medium" hint="Needed for UK addresses." />
            <div className={countryError ? "field field--error" : "field"}>
              <label htmlFor={fieldId("country")}>Country</label>
              {countryError && (
                <p className="field-error" id={`${fieldId("country")}-error`}>
                  <span className="visually-hidden">Error: </span>
                  {countryError}
                </p>
              )}
              <select id={fieldId("country")} name="country" autoComplete="country" value={form.country} onChange={(e) => set("country")(e.target.value)} aria-invalid={countryError ? true : undefined} aria-describedby={countryError ? `${fieldId("country")}-error` : undefined}>
                {countryList.map((c) => (
                  <option key={c.code} value={c.code}>
                    {c.name}
                  </option>
                ))}
              </select>
            </div>
            <div className="actions">
              <SubmitButton busy={busy}>Save address</SubmitButton>
              <button type="button" className="button button--secondary" onClick={() => setEditing(null)}>
                Cancel
              </button>
            </div>
          </form>
        </section>
      )}
    </Page>
  );
}
