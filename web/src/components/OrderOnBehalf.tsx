// ORD-6: an order an administrator places for a learner or a centre user — on the phone, say. The
// person's own rules and address book apply; they are e-mailed a link to pay (or, for a centre,
// it may go on the centre's account), and their order says it was created by the administrator.
import { useRef, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { call, client, isFailure, type Problem, type Schemas } from "../api/client";
import { useConfiguration } from "../api/config";
import { MAX_QUANTITY, ORDER_STATUS, addressLines, deliveryLine, gbp, newIdempotencyKey } from "../api/store";
import { countryName } from "../countries";
import { ErrorSummary, LoadFailure, Notice, SelectField, SubmitButton, TextField } from "./Fields";
import { ChoiceGroup } from "./Choices";

type Account = Schemas["AccountDetail"];
type Placed = Schemas["Placed"];
type Item = { product_id: string; reference: string; quantity: string; reason: string };

const SCOPE = "behalf";
const EMPTY: Item = { product_id: "", reference: "", quantity: "1", reason: "" };

export function OrderOnBehalf({ account }: { account: Account }) {
  const config = useConfiguration();
  const buyer = account.kind === "centre" ? "centre" : "learner";
  const [items, setItems] = useState<Item[]>([EMPTY]);
  const first = account.addresses[0]?.id ?? "";
  const [billing, setBilling] = useState(first);
  const [delivery, setDelivery] = useState(first);
  const [option, setOption] = useState("");
  const [payment, setPayment] = useState("card");
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [placed, setPlaced] = useState<Placed | null>(null);
  const [busy, setBusy] = useState(false);
  // One key per order: made on the first try and sent again when the answer was lost (a network
  // failure or the portal failing), so that a retry cannot place it twice.
  const key = useRef<string | null>(null);

  const c = config.data?.configuration;
  const products = (c?.products ?? []).filter((p) => p.buyers.includes(buyer));
  const options = c?.delivery_options ?? [];
  const chosen = options.find((o) => o.id === option);
  const setItem = (i: number, change: Partial<Item>) => setItems((all) => all.map((it, j) => (j === i ? { ...it, ...change } : it)));

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found: Record<string, string> = {};
    items.forEach((it, i) => {
      if (!/^\d{1,2}$/.test(it.quantity.trim())) found[`items[${i}].quantity`] = `Enter how many, from 1 to ${MAX_QUANTITY}`;
    });
    setErrors(found);
    if (Object.keys(found).length > 0) {
      setProblem(null);
      return;
    }
    key.current ??= newIdempotencyKey();
    const body = {
      buyer_id: account.id,
      items: items.map((it) => ({ product_id: it.product_id || null, reference: it.reference.trim() || null, quantity: Number(it.quantity.trim()), reason: buyer === "centre" ? it.reason || null : null })),
      billing_address_id: billing || null,
      delivery_address_id: chosen?.collection ? null : delivery || null,
      delivery_option: option || null,
      payment_method: payment,
    };
    setBusy(true);
    const outcome = await call(client.POST("/api/admin/orders", { params: { header: { "Idempotency-Key": key.current } }, body }));
    setBusy(false);
    if (outcome.ok) {
      key.current = null;
      setProblem(null);
      setPlaced(outcome.data);
      setItems([EMPTY]);
      return;
    }
    // Refused: nothing was placed, so the next try is a new order. Lost: the same key again.
    if (!isFailure(outcome.problem)) key.current = null;
    setPlaced(null);
    setProblem(outcome.problem);
  }

  return (
    <section aria-labelledby="behalf-heading" className="section">
      <h2 id="behalf-heading">Place an order for this person</h2>
      {placed && (
        <Notice kind="success" focus>
          Order{" "}
          <Link to={`/admin/orders/${encodeURIComponent(placed.id)}`}>
            <span className="reference">{placed.number}</span>
          </Link>{" "}
          is placed for {account.first_name} {account.last_name}: {gbp(placed.total)}, {ORDER_STATUS[placed.status].toLowerCase()}.
          {placed.status === "awaiting_payment" && " They have been e-mailed a link to pay."}
        </Notice>
      )}
      <LoadFailure problem={config.problem} retry={config.reload} />
      {!c && !config.problem && <p role="status">Loading the products…</p>}
      {c && account.addresses.length === 0 && <p>{account.first_name} has no addresses in their address book yet: an order needs one to bill. They can add one on their Profile page.</p>}
      {c && account.addresses.length > 0 && (
        <form onSubmit={submit} noValidate className="form">
          <p>The order follows {account.first_name}'s own rules and is shown to them as created by you.</p>
          <ErrorSummary problem={problem} errors={errors} scope={SCOPE} />
          {items.map((it, i) => (
            <fieldset key={i} className="config-row">
              <legend>Item {i + 1}</legend>
              <div className="config-row__fields">
                <SelectField name={`items[${i}].product_id`} scope={SCOPE} label="Product" value={it.product_id} onChange={(product_id) => setItem(i, { product_id })} problem={problem} errors={errors} options={[{ value: "", label: "Choose a product" }, ...products.map((p) => ({ value: p.id, label: `${p.name}: ${gbp(p.price)}` }))]} />
                <TextField name={`items[${i}].reference`} scope={SCOPE} label="Document reference" required value={it.reference} onChange={(reference) => setItem(i, { reference })} problem={problem} errors={errors} hint="The reference of the document it is for." />
                <TextField name={`items[${i}].quantity`} scope={SCOPE} label="Quantity" required inputMode="numeric" width="short" value={it.quantity} onChange={(quantity) => setItem(i, { quantity })} problem={problem} errors={errors} />
                {buyer === "centre" && (
                  <SelectField name={`items[${i}].reason`} scope={SCOPE} label="Reason for the duplicate" value={it.reason} onChange={(reason) => setItem(i, { reason })} problem={problem} errors={errors} options={[{ value: "", label: "Choose a reason" }, ...c.duplicate_reasons.map((r) => ({ value: r, label: r }))]} />
                )}
              </div>
              {items.length > 1 && (
                <button type="button" className="button button--secondary" onClick={() => setItems((all) => all.filter((_, j) => j !== i))}>
                  Remove item {i + 1}
                </button>
              )}
            </fieldset>
          ))}
          <p>
            <button type="button" className="button button--secondary" onClick={() => setItems((all) => [...all, EMPTY])}>
              Add another item
            </button>
          </p>
          <SelectField name="billing_address_id" scope={SCOPE} label="Billing address" value={billing} onChange={setBilling} problem={problem} errors={errors} options={account.addresses.map((a) => ({ value: a.id, label: addressLines(a, countryName).join(", ") }))} />
          <SelectField name="delivery_option" scope={SCOPE} label="Delivery" value={option} onChange={setOption} problem={problem} errors={errors} options={[{ value: "", label: "Choose a delivery" }, ...options.map((o) => ({ value: o.id, label: deliveryLine(o) }))]} hint="Digital products need none; the delivery must serve the delivery address's country." />
          {!chosen?.collection && (
            <SelectField name="delivery_address_id" scope={SCOPE} label="Delivery address" value={delivery} onChange={setDelivery} problem={problem} errors={errors} options={account.addresses.map((a) => ({ value: a.id, label: addressLines(a, countryName).join(", ") }))} />
          )}
          {buyer === "centre" ? (
            <ChoiceGroup
              name="payment_method"
              scope={SCOPE}
              legend="How to pay"
              value={payment}
              onChange={setPayment}
              problem={problem}
              errors={errors}
              choices={[
                { value: "card", label: "By card", hint: "The centre user is e-mailed a link to pay." },
                { value: "centre_credit", label: "On the centre's account", hint: "Charged to the centre's account, if it fits its available credit." },
              ]}
            />
          ) : (
            <p>{account.first_name} pays by card: they are e-mailed a link to pay.</p>
          )}
          <SubmitButton busy={busy}>Place the order</SubmitButton>
        </form>
      )}
    </section>
  );
}
