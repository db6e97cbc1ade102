import { useCallback, useState, type FormEvent } from "react";
import { call, client, type Problem } from "../api/client";
import { countryName } from "../countries";
import { AddressForm, BLANK_ADDRESS, addressInput, toAddressForm, type AddressFormValues } from "../components/AddressForm";
import { LoadFailure, Notice } from "../components/Fields";
import { usePaged } from "../components/usePaged";
import { Page } from "../components/Page";
import { ProfileNav } from "../components/ProfileNav";

type Form = AddressFormValues;
const BLANK = BLANK_ADDRESS;
const toForm = toAddressForm;

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

  function open(target: string, start: Form) {
    setEditing(target);
    setForm(start);
    setProblem(null);
    setMessage(null);
  }

  async function save(e: FormEvent) {
    e.preventDefault();
    const body = addressInput(form);
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
          <AddressForm form={form} onChange={setForm} onSubmit={save} problem={problem} busy={busy} submit="Save address">
            <button type="button" className="button button--secondary" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </AddressForm>
        </section>
      )}
    </Page>
  );
}
