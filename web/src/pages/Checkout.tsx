import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router";
import { call, client, fieldError, isFailure, type Problem } from "../api/client";
import { addressLines, deliveryLine, gbp, newIdempotencyKey, type Address, type Credit, type DeliveryChoice, type Review } from "../api/store";
import { countryName } from "../countries";
import { AddressForm, BLANK_ADDRESS, addressInput, type AddressFormValues } from "../components/AddressForm";
import { ChoiceGroup } from "../components/Choices";
import { Dialog } from "../components/Dialog";
import { CheckboxField, ErrorSummary, LoadFailure, Notice, fieldId } from "../components/Fields";
import { AddressBlock, ItemsList, TotalsList } from "../components/OrderParts";
import { Page } from "../components/Page";
import { useLoaded } from "../components/useLoaded";
import { usePaged } from "../components/usePaged";
import { useReady } from "../session";

type Step = "addresses" | "delivery" | "review";

/** Which step a field the API names is chosen on. */
const STEP_OF: Record<string, Step> = {
  billing_address_id: "addresses",
  delivery_address_id: "addresses",
  delivery_option: "delivery",
  payment_method: "review",
};

interface Choices {
  billing: string;
  /** Deliver to the billing address. */
  same: boolean;
  delivery: string;
  option: string;
}

/** The review's key: one per review of these choices, reused by every retry of "Pay". */
interface Keyed {
  review: Review;
  key: string;
}

/**
 * ORD-3, ORD-4: checkout in steps — addresses (from the address book, or added on the spot and
 * saved to it), delivery (the options for the delivery address's country; skipped when nothing
 * is posted), review (what POST /api/checkout/review answers), and pay (the order placed with an
 * Idempotency-Key made once per review, then the payment provider's page). The step is in the
 * address, so the browser's Back goes to the step before; what was chosen stays meanwhile. A centre
 * user may pay on account (CEN-6) at the review: the order is charged to the centre's account at
 * once, within its available credit, and opens paid.
 */
export function Checkout() {
  const { site, me } = useReady();
  const centre = me?.kind === "centre";
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const asked = params.get("step");
  const step: Step = asked === "delivery" || asked === "review" ? asked : "addresses";

  const fetchBasket = useCallback(() => call(client.GET("/api/basket")), []);
  const { data: basket, problem: basketProblem, reload: reloadBasket } = useLoaded(fetchBasket);
  const fetchAddresses = useCallback(() => call(client.GET("/api/me/addresses")), []);
  const { items: addresses, problem: addressesProblem, reload: reloadAddresses } = usePaged(fetchAddresses);

  const [choices, setChoices] = useState<Choices>({ billing: "", same: true, delivery: "", option: "" });
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [adding, setAdding] = useState<"billing" | "delivery" | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const needsDelivery = basket?.needs_delivery ?? false;
  const steps: Array<[Step, string]> = needsDelivery
    ? [
        ["addresses", "Addresses"],
        ["delivery", "Delivery"],
        ["review", "Review and pay"],
      ]
    : [
        ["addresses", "Billing address"],
        ["review", "Review and pay"],
      ];
  const index = Math.max(
    0,
    steps.findIndex(([s]) => s === step),
  );
  const deliveryId = choices.same ? choices.billing : choices.delivery;
  const deliveryAddress = addresses?.find((a) => a.id === deliveryId);

  // Each step replaces the form: focus goes to its heading, and the window title says the step.
  const stepHeading = useRef<HTMLHeadingElement>(null);
  const firstStep = useRef(true);
  const stepName = steps[index]?.[1] ?? "";
  useEffect(() => {
    document.title = `Checkout (step ${index + 1} of ${steps.length}: ${stepName}) — ${site.organisation_name}`;
    if (firstStep.current) {
      firstStep.current = false;
      return;
    }
    stepHeading.current?.focus();
  }, [index, steps.length, stepName, site.organisation_name]);

  function goTo(target: Step, replace = false) {
    setErrors({});
    setParams(target === "addresses" ? {} : { step: target }, { replace });
  }

  function body() {
    return {
      billing_address_id: choices.billing,
      delivery_address_id: needsDelivery ? deliveryId || null : null,
      delivery_option: needsDelivery ? choices.option || null : null,
      payment_method: "card",
    };
  }

  /** A refusal: back to the first step with a field it names, messages beside the fields. */
  function refused(found: Problem) {
    setProblem(found);
    const named = (found.errors ?? []).map((e) => STEP_OF[e.field]).filter((s): s is Step => Boolean(s));
    const first = (["addresses", "delivery"] as Step[]).find((s) => named.includes(s));
    if (first && first !== step) goTo(first);
  }

  function addressesDone(e: FormEvent) {
    e.preventDefault();
    const found: Record<string, string> = {};
    if (!choices.billing) found.billing_address_id = "Choose a billing address, or add one";
    if (needsDelivery && !choices.same && !choices.delivery) found.delivery_address_id = "Choose a delivery address, or add one";
    setErrors(found);
    setProblem(null);
    if (Object.keys(found).length === 0) goTo(needsDelivery ? "delivery" : "review");
  }

  function deliveryDone(option: DeliveryChoice | undefined) {
    setProblem(null);
    if (!option) {
      setErrors({ delivery_option: "Choose how it is delivered" });
      return;
    }
    setErrors({});
    goTo("review");
  }

  async function addAddress(form: AddressFormValues): Promise<Problem | null> {
    const outcome = await call(client.POST("/api/me/addresses", { body: addressInput(form) }));
    if (!outcome.ok) return outcome.problem;
    const which = adding;
    await reloadAddresses();
    setChoices((c) => (which === "billing" ? { ...c, billing: outcome.data.id } : { ...c, delivery: outcome.data.id }));
    setErrors({});
    setSaved(`The address is saved to your address book and chosen as the ${which === "billing" ? "billing" : "delivery"} address.`);
    setAdding(null);
    return null;
  }

  // The steps after the first need what the first chose (after a reload, say): back to it.
  const missing = !choices.billing || (needsDelivery && (!deliveryId || !deliveryAddress)) || (step === "review" && needsDelivery && !choices.option) || (step === "delivery" && !needsDelivery);
  if (addresses && basket && basket.lines.length > 0 && step !== "addresses" && missing) {
    return <Navigate to="/checkout" replace />;
  }

  if (!basket || !addresses) {
    const loadProblem = basketProblem ?? addressesProblem;
    return (
      <Page title="Checkout">
        <LoadFailure
          problem={loadProblem}
          retry={() => {
            reloadBasket();
            reloadAddresses();
          }}
        />
        {!loadProblem && <p role="status">Loading your basket…</p>}
      </Page>
    );
  }
  if (basket.lines.length === 0) {
    return (
      <Page title="Checkout">
        <p>Your basket is empty: there is nothing to pay for.</p>
        <p>
          <Link className="button" to={centre ? "/centre/records" : "/store"}>
            {centre ? "Go to your records" : "Go to the store"}
          </Link>
        </p>
      </Page>
    );
  }

  // Messages about fields of another step are named in the summary; this step's link to their fields.
  const stepOf = (field: string): Step | "basket" => STEP_OF[field] ?? "basket";
  const here = problem && { ...problem, errors: problem.errors?.filter((e) => stepOf(e.field) === step) };
  const basketErrors = (problem?.errors ?? []).filter((e) => stepOf(e.field) === "basket");

  return (
    <Page title="Checkout" lead={`${basket.count === 1 ? "1 item" : `${basket.count} items`}, ${gbp(basket.total)} before delivery.`} wide>
      <ol className="steps" aria-label="Checkout steps">
        {steps.map(([s, name], i) => (
          <li key={s} aria-current={i === index ? "step" : undefined} className={i < index ? "done" : undefined}>
            <span className="steps__number">{i + 1}</span> {name}
          </li>
        ))}
      </ol>
      <h2 ref={stepHeading} tabIndex={-1}>
        Step {index + 1} of {steps.length}: {stepName}
      </h2>
      <ErrorSummary problem={here} errors={errors}>
        {basketErrors.length > 0 && <BasketProblems messages={basketErrors.map((e) => e.message)} />}
      </ErrorSummary>
      {saved && step === "addresses" && (
        <Notice kind="success" focus>
          {saved}
        </Notice>
      )}

      {step === "addresses" && (
        <form onSubmit={addressesDone} noValidate className="form">
          {addresses.length === 0 && <p>You have no saved addresses yet. Add one below: it is saved to your address book for next time.</p>}
          <AddressChoice
            name="billing_address_id"
            legend="Billing address"
            hint={centre ? "The address on the receipt: usually your centre's." : "The address on your receipt: usually your home address, or your card's."}
            addresses={addresses}
            value={choices.billing}
            onChange={(id) => setChoices((c) => ({ ...c, billing: id }))}
            errors={errors}
            problem={problem}
            onAdd={() => {
              setSaved(null);
              setAdding("billing");
            }}
            add="Add a new billing address"
          />
          {needsDelivery && (
            <>
              <CheckboxField name="same" label="Post it to the billing address" checked={choices.same} onChange={(same) => setChoices((c) => ({ ...c, same }))} hint="Untick to choose another delivery address. Collection from our office needs no address: choose it at the next step." />
              {!choices.same && (
                <AddressChoice
                  name="delivery_address_id"
                  legend="Delivery address"
                  hint="Where the printed documents are posted. The delivery options depend on its country."
                  addresses={addresses}
                  value={choices.delivery}
                  onChange={(id) => setChoices((c) => ({ ...c, delivery: id }))}
                  errors={errors}
                  problem={problem}
                  onAdd={() => {
                    setSaved(null);
                    setAdding("delivery");
                  }}
                  add="Add a new delivery address"
                />
              )}
            </>
          )}
          {!needsDelivery && <p className="hint">Nothing in your basket is posted: letters are issued online, so no delivery address is needed.</p>}
          <div className="actions">
            <button type="submit" className="button">
              Continue
            </button>
            <Link className="button button--secondary" to="/basket">
              Back to your basket
            </Link>
          </div>
        </form>
      )}

      {step === "delivery" && deliveryAddress && (
        <DeliveryStep
          address={deliveryAddress}
          value={choices.option}
          onChange={(option) => setChoices((c) => ({ ...c, option }))}
          errors={errors}
          problem={problem}
          onBack={() => goTo("addresses")}
          onDone={deliveryDone}
        />
      )}

      {step === "review" && (
        <ReviewStep
          body={body()}
          centre={centre}
          problem={problem}
          needsDelivery={needsDelivery}
          onBack={() => goTo(needsDelivery ? "delivery" : "addresses")}
          onRefused={refused}
          billing={addresses.find((a) => a.id === choices.billing)}
          onPlaced={(placed) => {
            if (placed.payment_url) window.location.assign(placed.payment_url);
            else navigate(`/orders/${placed.id}`, { state: { placed: true } });
          }}
        />
      )}

      {adding && <NewAddressDialog which={adding} onClose={() => setAdding(null)} onSave={addAddress} />}
    </Page>
  );
}

function BasketProblems({ messages }: { messages: string[] }) {
  return (
    <>
      <ul>
        {messages.map((m) => (
          <li key={m}>{m}</li>
        ))}
      </ul>
      <p>
        Change these in <Link to="/basket">your basket</Link>.
      </p>
    </>
  );
}

function AddressChoice({ name, legend, hint, addresses, value, onChange, errors, problem, onAdd, add }: { name: string; legend: string; hint: string; addresses: Address[]; value: string; onChange(id: string): void; errors: Record<string, string | undefined>; problem: Problem | null; onAdd(): void; add: string }) {
  const error = errors[name] ?? fieldError(problem, name);
  return (
    <div className={addresses.length === 0 && error ? "address-choice field--error" : "address-choice"}>
      {addresses.length > 0 ? (
        <ChoiceGroup
          name={name}
          legend={legend}
          hint={hint}
          value={value}
          onChange={onChange}
          errors={errors}
          problem={problem}
          choices={addresses.map((a) => ({
            value: a.id,
            label: a.label ? `${a.label}: ${a.recipient}` : a.recipient,
            hint: addressLines(a, countryName).slice(1).join(", "),
          }))}
        />
      ) : (
        <>
          <p className="address-choice__legend">{legend}</p>
          {error && (
            <p className="field-error" id={`${fieldId(name)}-error`}>
              <span className="visually-hidden">Error: </span>
              {error}
            </p>
          )}
        </>
      )}
      {/* With no address to choose, the error summary's link lands on this button. */}
      <button type="button" className="button button--secondary" onClick={onAdd} id={addresses.length === 0 ? fieldId(name) : undefined} aria-describedby={addresses.length === 0 && error ? `${fieldId(name)}-error` : undefined}>
        {add}
      </button>
    </div>
  );
}

function NewAddressDialog({ which, onClose, onSave }: { which: "billing" | "delivery"; onClose(): void; onSave(form: AddressFormValues): Promise<Problem | null> }) {
  const [form, setForm] = useState<AddressFormValues>(BLANK_ADDRESS);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const found = await onSave(form);
    setBusy(false);
    if (found) setProblem(found);
  }
  return (
    <Dialog title={which === "billing" ? "Add a billing address" : "Add a delivery address"} onClose={onClose} wide>
      <p>It is saved to your address book, for next time too.</p>
      <AddressForm form={form} onChange={setForm} onSubmit={submit} problem={problem} busy={busy} submit="Save and use this address" scope="new-address">
        <button type="button" className="button button--secondary" onClick={onClose}>
          Cancel
        </button>
      </AddressForm>
    </Dialog>
  );
}

function DeliveryStep({ address, value, onChange, errors, problem, onBack, onDone }: { address: Address; value: string; onChange(id: string): void; errors: Record<string, string | undefined>; problem: Problem | null; onBack(): void; onDone(option: DeliveryChoice | undefined): void }) {
  const fetchOptions = useCallback(() => call(client.GET("/api/checkout/delivery-options", { params: { query: { country: address.country } } })), [address.country]);
  const { data: options, problem: loadProblem, reload } = useLoaded(fetchOptions);
  const chosen = options?.find((o) => o.id === value);
  // An option of another country (the address was changed) no longer stands.
  useEffect(() => {
    if (options && value && !options.some((o) => o.id === value)) onChange("");
  }, [options, value, onChange]);

  function submit(e: FormEvent) {
    e.preventDefault();
    onDone(chosen);
  }
  return (
    <>
      <div className="delivering-to">
        <p className="delivering-to__title">Posting to</p>
        <AddressBlock address={address} />
        <button type="button" className="link-button" onClick={onBack}>
          Change the address
        </button>
      </div>
      <LoadFailure problem={loadProblem} retry={reload} />
      {!options && !loadProblem && <p role="status">Loading the delivery options for {countryName(address.country)}…</p>}
      {options && (
        <form onSubmit={submit} noValidate className="form">
          {options.length === 0 ? (
            <p>We have no delivery to {countryName(address.country)}. Choose another address, or e-mail us.</p>
          ) : (
            <ChoiceGroup
              name="delivery_option"
              legend={`Delivery to ${countryName(address.country)}`}
              hint="Prices include VAT."
              value={value}
              onChange={onChange}
              errors={errors}
              problem={problem}
              choices={options.map((o) => ({
                value: o.id,
                label: (
                  <>
                    {o.name}
                    {/* The option's name may say it already ("International courier (priced by our team)"). */}
                    {o.priced_by_team ? (
                      /priced by our team/i.test(o.name) ? null : <> — priced by our team</>
                    ) : (
                      <>
                        {" "}
                        — <span className="price">{o.price ? gbp(o.price) : "free"}</span>
                      </>
                    )}
                  </>
                ),
                hint: o.priced_by_team
                  ? "Our team works out the cost of delivering to your address and e-mails you a link to pay: your order waits until then."
                  : o.collection
                    ? "Collect it in person from our office; we e-mail you when it is ready."
                    : undefined,
              }))}
            />
          )}
          <div className="actions">
            <button type="submit" className="button">
              Continue
            </button>
            <button type="button" className="button button--secondary" onClick={onBack}>
              Back
            </button>
          </div>
        </form>
      )}
    </>
  );
}

type Body = { billing_address_id: string; delivery_address_id: string | null; delivery_option: string | null; payment_method: string };
type Placed = { id: string; payment_url?: string | null };

/** How a centre may pay (CEN-6): whether on account at all, and its credit now. */
function usePaymentOptions(centre: boolean) {
  const fetchOptions = useCallback(async () => {
    if (!centre) return { ok: true as const, status: 200, data: { onAccount: false, credit: null as Credit | null } };
    const [offer, credit] = await Promise.all([call(client.GET("/api/store/products")), call(client.GET("/api/centre/credit"))]);
    if (!offer.ok) return offer;
    if (!credit.ok) return credit;
    return { ok: true as const, status: 200, data: { onAccount: offer.data.on_account, credit: credit.data as Credit | null } };
  }, [centre]);
  return useLoaded(fetchOptions);
}

type Method = "card" | "centre_credit";

function ReviewStep({ body, centre, problem, billing, needsDelivery, onBack, onRefused, onPlaced }: { body: Body; centre: boolean; problem: Problem | null; billing?: Address; needsDelivery: boolean; onBack(): void; onRefused(problem: Problem): void; onPlaced(placed: Placed): void }) {
  const options = usePaymentOptions(centre);
  const [method, setMethod] = useState<Method | null>(null);
  const [keyed, setKeyed] = useState<Keyed | null>(null);
  // Refused (a line that can no longer be ordered, say): the page's summary says why.
  const [refusal, setRefusal] = useState(false);
  const [loadProblem, setLoadProblem] = useState<Problem | null>(null);
  const [payProblem, setPayProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const signature = JSON.stringify(body);

  const load = useCallback(async () => {
    setLoadProblem(null);
    setRefusal(false);
    setKeyed(null);
    const outcome = await call(client.POST("/api/checkout/review", { body: JSON.parse(signature) as Body }));
    if (outcome.ok) {
      // One key per review: every retry of "Pay" below sends it again, so a retry after a lost
      // answer finds the order already placed instead of placing another.
      setKeyed({ review: outcome.data, key: newIdempotencyKey() });
    } else if (isFailure(outcome.problem)) setLoadProblem(outcome.problem);
    else {
      setRefusal(true);
      onRefused(outcome.problem);
    }
  }, [signature, onRefused]);
  // `onRefused` changes with each render of the page; the review is asked for once per choice.
  const loadOnce = useRef(load);
  loadOnce.current = load;
  useEffect(() => {
    loadOnce.current();
  }, [signature]);

  // On account when the centre has an account the order fits; else by card (the choice says why).
  const total = keyed?.review.totals.total ?? 0;
  const fits = Boolean(options.data?.credit && options.data.credit.limit > 0 && options.data.credit.available >= total);
  const chosen: Method = options.data?.onAccount ? (method ?? (fits ? "centre_credit" : "card")) : "card";

  async function pay(e: FormEvent) {
    e.preventDefault();
    if (!keyed || (centre && !options.data)) return;
    setBusy(true);
    setPayProblem(null);
    const outcome = await call(client.POST("/api/checkout", { body: { ...body, payment_method: chosen }, params: { header: { "Idempotency-Key": keyed.key } } }));
    if (outcome.ok) {
      onPlaced(outcome.data);
      // Leaving for the payment page: the button stays busy until the browser goes.
      if (!outcome.data.payment_url) setBusy(false);
      return;
    }
    setBusy(false);
    if (isFailure(outcome.problem)) setPayProblem(outcome.problem);
    else onRefused(outcome.problem);
  }

  if (!keyed || !options.data) {
    return (
      <>
        <LoadFailure problem={loadProblem ?? options.problem} retry={loadProblem ? load : options.reload} />
        {!loadProblem && !options.problem && !refusal && <p role="status">Working out your total…</p>}
        {refusal && (
          <div className="actions">
            <button type="button" className="button button--secondary" onClick={onBack}>
              Back
            </button>
          </div>
        )}
      </>
    );
  }
  const { review } = keyed;
  const quote = Boolean(review.delivery && (review.delivery.price === null || review.delivery.price === undefined));
  const { onAccount, credit } = options.data;
  return (
    <>
      <section aria-labelledby="review-items" className="section">
        <h3 id="review-items">What you are ordering</h3>
        <ItemsList items={review.lines} caption="What you are ordering, with the net, VAT and total of each line" />
      </section>
      <div className="review-addresses">
        <section aria-labelledby="review-billing">
          <h3 id="review-billing">Billing address</h3>
          {billing && <AddressBlock address={billing} />}
        </section>
        {review.delivery && (
          <section aria-labelledby="review-delivery">
            <h3 id="review-delivery">Delivery</h3>
            <p>{deliveryLine(review.delivery)}</p>
            {review.delivery.address ? <AddressBlock address={review.delivery.address} /> : review.delivery.collection ? <p>Collected from our office.</p> : null}
          </section>
        )}
        {!needsDelivery && (
          <section aria-labelledby="review-delivery">
            <h3 id="review-delivery">Delivery</h3>
            <p>Issued online: you can open your letters from the order as soon as it is paid.</p>
          </section>
        )}
      </div>
      <section aria-labelledby="review-totals" className="section">
        <h3 id="review-totals">Total</h3>
        <TotalsList totals={review.totals} delivered={needsDelivery} label="Order totals" />
      </section>
      <ErrorSummary problem={payProblem}>
        {payProblem && <p>Nothing was charged. Press the button again to try once more: the order is placed only once.</p>}
      </ErrorSummary>
      <form onSubmit={pay} className="form">
        {onAccount && credit && (
          <ChoiceGroup
            name="payment_method"
            legend="How to pay"
            value={chosen}
            onChange={(m) => setMethod(m as Method)}
            problem={problem}
            choices={[
              {
                value: "centre_credit",
                label: "On account",
                hint: (
                  <>
                    {credit.limit === 0
                      ? "Your centre has no credit account: pay by card, or ask us to open one."
                      : `Charged to your centre's account at once. Available credit: ${gbp(credit.available)} (a limit of ${gbp(credit.limit)}; ${gbp(credit.balance)} owed).`}
                    {credit.limit > 0 && !fits && !quote && ` This order, ${gbp(review.totals.total)}, is more than that: pay by card, or ask us to raise the limit.`}
                  </>
                ),
              },
              { value: "card", label: "By card", hint: "On our payment provider's secure page." },
            ]}
          />
        )}
        {quote ? (
          <Notice kind="info">
            {chosen === "centre_credit"
              ? "The delivery to your address is priced by our team. When you place the order, they work out the cost; the order is then charged to your centre's account (or, if it no longer fits your credit, we e-mail you a link to pay by card). Nothing is charged now."
              : "The delivery to your address is priced by our team. When you place the order, they work out the cost and e-mail you a link to pay: nothing is charged now."}
          </Notice>
        ) : (
          <p className="hint" id="pay-hint">
            {chosen === "centre_credit"
              ? "The order is placed and charged to your centre's account at once: there is nothing to pay now."
              : "You will go to our payment provider's secure page to pay by card. The order is placed now and kept for you while it is paid."}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="button" disabled={busy} aria-describedby={quote ? undefined : "pay-hint"}>
            {busy ? "Please wait…" : quote ? "Place the order" : chosen === "centre_credit" ? `Place the order on account, ${gbp(review.totals.total)}` : `Pay ${gbp(review.totals.total)}`}
          </button>
          <button type="button" className="button button--secondary" onClick={onBack}>
            Back
          </button>
        </div>
      </form>
    </>
  );
}
