import { useCallback, useState, type FormEvent, type ReactNode } from "react";
import { dateTime } from "../api/centre";
import { call, client, type Problem } from "../api/client";
import { COUNTRIES, useConfiguration, type ConfigVersion, type Configuration, type Countries, type DocumentKind } from "../api/config";
import { BUYER_KIND, percent, toPence, toPounds } from "../api/store";
import { CheckboxField, CheckboxGroup, ErrorSummary, LoadFailure, Notice, SelectField, SubmitButton, TextField } from "../components/Fields";
import { Page } from "../components/Page";
import { usePaged } from "../components/usePaged";
import { KIND } from "./Documents";

type Buyer = Configuration["products"][number]["buyers"][number];
type Fulfilment = Configuration["products"][number]["fulfilment"];
type ProductForm = { id: string; name: string; description: string; price: string; vat_rate: string; buyers: Buyer[]; document_kinds: DocumentKind[]; fulfilment: Fulfilment; once_per_achievement: boolean };
type DeliveryForm = { id: string; name: string; priced: boolean; price: string; vat_rate: string; countries: Countries; collection: boolean };
type VatForm = { id: string; name: string; percent: string };
/** The configuration as the form holds it: amounts, rates and numbers as typed, lists a line each. */
interface Form {
  organisation_name: string;
  logo_url: string;
  support_email: string;
  support_phone: string;
  address: string;
  vat_number: string;
  products: ProductForm[];
  delivery_options: DeliveryForm[];
  vat_rates: VatForm[];
  unpaid_order_hours: string;
  download_limits: { certificate: string; unit_certificate: string; letter: string };
  report_reasons: string;
  duplicate_reasons: string;
  reports_email: string;
  verify_shows_document: boolean;
  connection_max_days: string;
}
type Errors = Record<string, string | undefined>;

const BUYERS = (Object.keys(BUYER_KIND) as Buyer[]).map((value) => ({ value, label: BUYER_KIND[value] }));
const DOCUMENT_KINDS = (["certificate", "unit_certificate", "letter", "badge"] as DocumentKind[]).map((value) => ({ value, label: KIND[value] }));
const LIMITS = [
  ["certificate", "Certificate downloads"],
  ["unit_certificate", "Unit certificate downloads"],
  ["letter", "Letter downloads"],
] as const;

function toForm(c: Configuration): Form {
  return {
    organisation_name: c.organisation_name,
    logo_url: c.logo_url ?? "",
    support_email: c.support_email,
    support_phone: c.support_phone ?? "",
    address: c.address.join("\n"),
    vat_number: c.vat_number ?? "",
    products: c.products.map((p) => ({ ...p, price: signedPounds(p.price), once_per_achievement: Boolean(p.once_per_achievement) })),
    delivery_options: c.delivery_options.map((d) => ({ ...d, priced: d.price !== null && d.price !== undefined, price: d.price === null || d.price === undefined ? "" : signedPounds(d.price), collection: Boolean(d.collection) })),
    vat_rates: c.vat_rates.map((v) => ({ id: v.id, name: v.name, percent: String(v.basis_points / 100) })),
    unpaid_order_hours: String(c.unpaid_order_hours),
    download_limits: { certificate: String(c.download_limits.certificate), unit_certificate: String(c.download_limits.unit_certificate), letter: String(c.download_limits.letter) },
    report_reasons: c.report_reasons.join("\n"),
    duplicate_reasons: c.duplicate_reasons.join("\n"),
    reports_email: c.reports_email ?? "",
    verify_shows_document: c.verify_shows_document,
    connection_max_days: String(c.connection_max_days),
  };
}

function signedPounds(pence: number): string {
  return pence < 0 ? `-${toPounds(-pence)}` : toPounds(pence);
}

/** Pounds typed, in pence; a minus sign is kept so that the API says what is wrong with it. */
function signedPence(typed: string): number | null {
  const t = typed.trim();
  const negative = t.startsWith("-");
  const p = toPence(negative ? t.slice(1) : t);
  return p === null ? null : negative ? -p : p;
}

/** A percentage typed ("20", "17.5") in hundredths of a per cent. */
function basisPoints(typed: string): number | null {
  const found = typed.trim().replace(/%$/, "").trim().match(/^(\d{1,3})(?:\.(\d{1,2}))?$/);
  return found ? Number(found[1]) * 100 + Number((found[2] ?? "").padEnd(2, "0")) : null;
}

function lines(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}

const optional = (text: string) => text.trim() || null;

/** The form as the API takes it, or the page's own messages for what is not a number. */
function fromForm(f: Form): { configuration: Configuration; errors: Errors } {
  const errors: Errors = {};
  const whole = (name: string, typed: string) => {
    if (!/^-?\d{1,9}$/.test(typed.trim())) errors[name] = "Enter a whole number, such as 5";
    return Number(typed.trim());
  };
  const configuration: Configuration = {
    organisation_name: f.organisation_name.trim(),
    logo_url: optional(f.logo_url),
    support_email: f.support_email.trim(),
    support_phone: optional(f.support_phone),
    address: lines(f.address),
    vat_number: optional(f.vat_number),
    products: f.products.map((p, i) => {
      const price = signedPence(p.price);
      if (price === null) errors[`products[${i}].price`] = "Enter the price in pounds, such as 30 or 29.99";
      return { id: p.id.trim(), name: p.name.trim(), description: p.description.trim(), price: price ?? 0, vat_rate: p.vat_rate, buyers: p.buyers, document_kinds: p.document_kinds, fulfilment: p.fulfilment, once_per_achievement: p.once_per_achievement };
    }),
    delivery_options: f.delivery_options.map((d, i) => {
      const price = d.priced ? signedPence(d.price) : null;
      if (d.priced && price === null) errors[`delivery_options[${i}].price`] = "Enter the price in pounds, such as 3.50, or choose “priced by our team”";
      return { id: d.id.trim(), name: d.name.trim(), price, vat_rate: d.vat_rate, countries: d.countries, collection: d.collection };
    }),
    vat_rates: f.vat_rates.map((v, i) => {
      const bp = basisPoints(v.percent);
      if (bp === null) errors[`vat_rates[${i}].basis_points`] = "Enter the rate as a percentage, such as 20 or 17.5";
      return { id: v.id.trim(), name: v.name.trim(), basis_points: bp ?? 0 };
    }),
    unpaid_order_hours: whole("unpaid_order_hours", f.unpaid_order_hours),
    download_limits: {
      certificate: whole("download_limits.certificate", f.download_limits.certificate),
      unit_certificate: whole("download_limits.unit_certificate", f.download_limits.unit_certificate),
      letter: whole("download_limits.letter", f.download_limits.letter),
    },
    report_reasons: lines(f.report_reasons),
    duplicate_reasons: lines(f.duplicate_reasons),
    reports_email: optional(f.reports_email),
    verify_shows_document: f.verify_shows_document,
    connection_max_days: whole("connection_max_days", f.connection_max_days),
  };
  return { configuration, errors };
}

/** Who saved a version, and when; version 0 is the environment's defaults. */
function savedBy(v: ConfigVersion): string {
  if (v.version === 0) return "The environment's defaults: never changed here.";
  return `Saved by ${v.changed_by ?? "someone"}${v.changed_at ? ` on ${dateTime(v.changed_at)}` : ""}.`;
}

/** One row of a list (a product, a delivery option, a VAT rate): its fields, and a button to remove it. */
function ConfigRow({ what, n, name, onRemove, children }: { what: string; n: number; name: string; onRemove(): void; children: ReactNode }) {
  return (
    <fieldset className="config-row">
      <legend>
        {what} {n}
        {name && `: ${name}`}
      </legend>
      {children}
      <button type="button" className="button button--secondary" onClick={onRemove}>
        Remove {what === "VAT rate" ? what : what.toLowerCase()} {n}
        <span className="visually-hidden">{name && `: ${name}`}</span>
      </button>
    </fieldset>
  );
}

function changedList(v: ConfigVersion): string {
  return v.changed && v.changed.length > 0 ? v.changed.join(", ") : "nothing";
}

/**
 * ADM-4: the configuration console — every setting of the portal in one form, saved as a new
 * version (validated as a whole, in effect everywhere within a minute, audited). Saving names the
 * version shown: when someone else saved meanwhile (409), the page says so and offers to reload.
 * Below, the earlier versions: who saved each, when, and what it changed.
 */
export function AdminConfig() {
  const { data: current, setData, problem: loadProblem, reload } = useConfiguration();
  const fetchVersions = useCallback((cursor?: string) => call(client.GET("/api/admin/config/versions", { params: { query: { cursor, limit: 20 } } })), []);
  const versions = usePaged(fetchVersions);
  const [saved, setSaved] = useState<ConfigVersion | null>(null);

  if (!current) {
    return (
      <Page title="Configuration">
        <LoadFailure problem={loadProblem} retry={reload} />
        {!loadProblem && <p role="status">Loading the configuration…</p>}
      </Page>
    );
  }
  return (
    <Page title="Configuration" lead="The portal's settings: the organisation, the store's products, delivery and VAT, downloads, reports and connections. Saving makes a new version, in effect everywhere within a minute; every version is kept and audited." wide>
      <section aria-labelledby="current-heading" className="section">
        <h2 id="current-heading">Version {current.version}</h2>
        {saved && saved.version === current.version ? (
          <Notice kind="success" focus>
            Version {saved.version} is saved. {savedBy(saved)} Changed: {changedList(saved)}.
          </Notice>
        ) : (
          <p>
            {savedBy(current)}
            {current.version > 0 && ` Changed: ${changedList(current)}.`}
          </p>
        )}
      </section>
      <ConfigForm
        key={current.version}
        current={current}
        onSaved={(now) => {
          setSaved(now);
          setData(now);
          versions.reload();
        }}
        onReload={reload}
      />
      <section aria-labelledby="versions-heading" className="section">
        <h2 id="versions-heading">Earlier versions</h2>
        <LoadFailure problem={versions.problem} retry={versions.reload} />
        {!versions.items && !versions.problem && <p role="status">Loading the versions…</p>}
        {versions.items && versions.items.length === 0 && <p>The configuration has not been changed here yet: the environment's defaults apply.</p>}
        {versions.items && versions.items.length > 0 && (
          <ol className="cards cards--stack" aria-label="Saved versions, newest first" reversed>
            {versions.items.map((v) => (
              <li key={v.version} className="card">
                <h3 className="card__title">Version {v.version}</h3>
                <p>{savedBy(v)}</p>
                <p>Changed: {changedList(v)}.</p>
              </li>
            ))}
          </ol>
        )}
        {versions.more && (
          <button type="button" className="button button--secondary" onClick={versions.more}>
            Show more versions
          </button>
        )}
      </section>
    </Page>
  );
}

function ConfigForm({ current, onSaved, onReload }: { current: ConfigVersion; onSaved(saved: ConfigVersion): void; onReload(): void }) {
  const [form, setForm] = useState<Form>(() => toForm(current.configuration));
  const [errors, setErrors] = useState<Errors>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [conflict, setConflict] = useState(false);
  const [busy, setBusy] = useState(false);

  const set = <K extends keyof Form>(name: K) => (value: Form[K]) => setForm((f) => ({ ...f, [name]: value }));
  const setRow = <K extends "products" | "delivery_options" | "vat_rates">(list: K, i: number, change: Partial<Form[K][number]>) =>
    setForm((f) => ({ ...f, [list]: f[list].map((row, j) => (j === i ? { ...row, ...change } : row)) }));
  const removeRow = (list: "products" | "delivery_options" | "vat_rates", i: number) => setForm((f) => ({ ...f, [list]: f[list].filter((_, j) => j !== i) }));
  const vatOptions = form.vat_rates.map((v) => ({ value: v.id, label: v.name || v.id || "(unnamed rate)" }));
  const firstRate = form.vat_rates[0]?.id ?? "";

  async function submit(e: FormEvent) {
    e.preventDefault();
    setConflict(false);
    const { configuration, errors: found } = fromForm(form);
    setErrors(found);
    setProblem(null);
    if (Object.values(found).some(Boolean)) return;
    setBusy(true);
    const outcome = await call(client.PUT("/api/admin/config", { body: { version: current.version, configuration } }));
    setBusy(false);
    if (outcome.ok) {
      onSaved(outcome.data);
    } else if (outcome.problem.status === 409) {
      setConflict(true);
    } else {
      setProblem(outcome.problem);
    }
  }

  const text = (name: keyof Form, label: string, extra: Partial<Parameters<typeof TextField>[0]> = {}) => (
    <TextField name={name} label={label} value={form[name] as string} onChange={set(name) as (v: string) => void} problem={problem} errors={errors} {...extra} />
  );

  return (
    <>
      {conflict && (
        <div className="notice notice--warning" role="alert">
          <p>Someone else changed the configuration while you had it open, so your changes were not saved. Reload it to see theirs, then make yours again.</p>
          <button type="button" className="button button--secondary" onClick={onReload}>
            Reload the configuration
          </button>
        </div>
      )}
      <form onSubmit={submit} noValidate className="form">
        <ErrorSummary problem={problem} errors={errors} />
        <section aria-labelledby="organisation-heading" className="section">
          <h2 id="organisation-heading">Organisation</h2>
          {text("organisation_name", "Organisation name", { required: true, maxLength: 200 })}
          {text("logo_url", "Logo address", { hint: "An https:// address, or a path on this site such as /logo.svg. Without one, the name shows alone." })}
          {text("support_email", "Support e-mail address", { type: "email", required: true })}
          {text("support_phone", "Support phone number", { type: "tel", width: "medium" })}
          {text("address", "Postal address", { multiline: true, hint: "A line each. Printed on receipts, statements and as the return address." })}
          {text("vat_number", "VAT number", { width: "medium" })}
        </section>

        <section aria-labelledby="products-heading" className="section">
          <h2 id="products-heading">Products</h2>
          {form.products.map((p, i) => (
            <ConfigRow key={i} what="Product" n={i + 1} name={p.name} onRemove={() => removeRow("products", i)}>
              <div className="config-row__fields">
                <TextField name={`products[${i}].id`} label="Id" required value={p.id} onChange={(id) => setRow("products", i, { id })} problem={problem} errors={errors} hint="Stable: baskets and orders name the product by it." />
                <TextField name={`products[${i}].name`} label="Name" required value={p.name} onChange={(name) => setRow("products", i, { name })} problem={problem} errors={errors} />
                <TextField name={`products[${i}].price`} label="Price (£)" required inputMode="decimal" width="short" value={p.price} onChange={(price) => setRow("products", i, { price })} problem={problem} errors={errors} hint="VAT included, such as 30." />
                <SelectField name={`products[${i}].vat_rate`} label="VAT rate" value={p.vat_rate} onChange={(vat_rate) => setRow("products", i, { vat_rate })} problem={problem} errors={errors} options={vatOptions} />
                <SelectField
                  name={`products[${i}].fulfilment`}
                  label="Fulfilment"
                  value={p.fulfilment}
                  onChange={(fulfilment) => setRow("products", i, { fulfilment: fulfilment as Fulfilment })}
                  problem={problem}
                  errors={errors}
                  options={[
                    { value: "post", label: "Posted" },
                    { value: "digital", label: "Digital" },
                  ]}
                />
              </div>
              <TextField name={`products[${i}].description`} label="Description" required multiline value={p.description} onChange={(description) => setRow("products", i, { description })} problem={problem} errors={errors} />
              <div className="config-row__fields">
                <CheckboxGroup name={`products[${i}].buyers`} legend="Who buys it" options={BUYERS} values={p.buyers} onChange={(buyers) => setRow("products", i, { buyers })} problem={problem} errors={errors} />
                <CheckboxGroup name={`products[${i}].document_kinds`} legend="Ordered for" options={DOCUMENT_KINDS} values={p.document_kinds} onChange={(document_kinds) => setRow("products", i, { document_kinds })} problem={problem} errors={errors} />
              </div>
              <CheckboxField name={`products[${i}].once_per_achievement`} label="Once per achievement" hint="At most one per candidate, achievement and buyer, ever." checked={p.once_per_achievement} onChange={(once_per_achievement) => setRow("products", i, { once_per_achievement })} />
            </ConfigRow>
          ))}
          <button type="button" className="button button--secondary" onClick={() => set("products")([...form.products, { id: "", name: "", description: "", price: "", vat_rate: firstRate, buyers: [], document_kinds: [], fulfilment: "post", once_per_achievement: false }])}>
            Add a product
          </button>
        </section>

        <section aria-labelledby="delivery-heading" className="section">
          <h2 id="delivery-heading">Delivery options</h2>
          {form.delivery_options.map((d, i) => (
            <ConfigRow key={i} what="Delivery option" n={i + 1} name={d.name} onRemove={() => removeRow("delivery_options", i)}>
              <div className="config-row__fields">
                <TextField name={`delivery_options[${i}].id`} label="Id" required value={d.id} onChange={(id) => setRow("delivery_options", i, { id })} problem={problem} errors={errors} />
                <TextField name={`delivery_options[${i}].name`} label="Name" required value={d.name} onChange={(name) => setRow("delivery_options", i, { name })} problem={problem} errors={errors} />
                <SelectField
                  name={`delivery_options[${i}].priced`}
                  label="Pricing"
                  value={d.priced ? "fixed" : "team"}
                  onChange={(v) => setRow("delivery_options", i, { priced: v === "fixed" })}
                  options={[
                    { value: "fixed", label: "A fixed price" },
                    { value: "team", label: "Priced by our team" },
                  ]}
                />
                {d.priced && <TextField name={`delivery_options[${i}].price`} label="Price (£)" required inputMode="decimal" width="short" value={d.price} onChange={(price) => setRow("delivery_options", i, { price })} problem={problem} errors={errors} hint="VAT included; 0 for free." />}
                <SelectField name={`delivery_options[${i}].vat_rate`} label="VAT rate" value={d.vat_rate} onChange={(vat_rate) => setRow("delivery_options", i, { vat_rate })} problem={problem} errors={errors} options={vatOptions} />
                <SelectField name={`delivery_options[${i}].countries`} label="Delivers to" value={d.countries} onChange={(countries) => setRow("delivery_options", i, { countries: countries as Countries })} problem={problem} errors={errors} options={(Object.keys(COUNTRIES) as Countries[]).map((value) => ({ value, label: COUNTRIES[value] }))} />
              </div>
              <CheckboxField name={`delivery_options[${i}].collection`} label="Collected in person" hint="No delivery address is needed." checked={d.collection} onChange={(collection) => setRow("delivery_options", i, { collection })} />
            </ConfigRow>
          ))}
          <button type="button" className="button button--secondary" onClick={() => set("delivery_options")([...form.delivery_options, { id: "", name: "", priced: true, price: "", vat_rate: firstRate, countries: "uk", collection: false }])}>
            Add a delivery option
          </button>
        </section>

        <section aria-labelledby="vat-heading" className="section">
          <h2 id="vat-heading">VAT rates</h2>
          {form.vat_rates.map((v, i) => (
            <ConfigRow key={i} what="VAT rate" n={i + 1} name={v.name} onRemove={() => removeRow("vat_rates", i)}>
              <div className="config-row__fields">
                <TextField name={`vat_rates[${i}].id`} label="Id" required value={v.id} onChange={(id) => setRow("vat_rates", i, { id })} problem={problem} errors={errors} hint="Products and delivery options name their rate by it." />
                <TextField name={`vat_rates[${i}].name`} label="Name" required value={v.name} onChange={(name) => setRow("vat_rates", i, { name })} problem={problem} errors={errors} hint="As printed on receipts." />
                <TextField name={`vat_rates[${i}].basis_points`} label="Rate (%)" required inputMode="decimal" width="short" value={v.percent} onChange={(p) => setRow("vat_rates", i, { percent: p })} problem={problem} errors={errors} hint={basisPoints(v.percent) !== null ? `Such as 20. Now ${percent(basisPoints(v.percent)!)}.` : "Such as 20."} />
              </div>
            </ConfigRow>
          ))}
          <button type="button" className="button button--secondary" onClick={() => set("vat_rates")([...form.vat_rates, { id: "", name: "", percent: "" }])}>
            Add a VAT rate
          </button>
        </section>

        <section aria-labelledby="orders-heading" className="section">
          <h2 id="orders-heading">Orders and downloads</h2>
          {text("unpaid_order_hours", "Hours an unpaid order waits", { required: true, inputMode: "numeric", width: "short", hint: "Then it is cancelled." })}
          {LIMITS.map(([kind, label]) => (
            <TextField key={kind} name={`download_limits.${kind}`} label={label} required inputMode="numeric" width="short" value={form.download_limits[kind]} onChange={(value) => set("download_limits")({ ...form.download_limits, [kind]: value })} problem={problem} errors={errors} hint="Allowed per document; 0 turns them off." />
          ))}
          {text("duplicate_reasons", "Duplicate reasons", { required: true, multiline: true, hint: "One per line: what a centre chooses from when it orders a duplicate." })}
        </section>

        <section aria-labelledby="reports-heading" className="section">
          <h2 id="reports-heading">Reports, verification and connections</h2>
          {text("report_reasons", "Report reasons", { required: true, multiline: true, hint: "One per line: what someone chooses from when they report a problem with a document." })}
          {text("reports_email", "Reports e-mail address", { type: "email", hint: "Where reports go; the support address when empty." })}
          <CheckboxField name="verify_shows_document" label="The verify page shows the document" checked={form.verify_shows_document} onChange={set("verify_shows_document")} />
          {text("connection_max_days", "Longest connection (days)", { required: true, inputMode: "numeric", width: "short" })}
        </section>
        <SubmitButton busy={busy}>Save the configuration</SubmitButton>
      </form>
    </>
  );
}
