import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useLocation, useParams } from "react-router";
import { dateTime } from "../api/centre";
import { call, client, type Outcome, type Problem } from "../api/client";
import { BUYER_KIND, ORDER_STATUS, PAYMENT_METHOD, deliveryLine, gbp, statusTag, toPence, type AdminOrder as AdminOrderView, type OrderStatus } from "../api/store";
import { ErrorSummary, LoadFailure, Notice, SubmitButton, TextField } from "../components/Fields";
import { AddressBlock, DispatchDetails, ItemsList, OrderLog, RefundList, TotalsList } from "../components/OrderParts";
import { Page } from "../components/Page";
import { useLoaded } from "../components/useLoaded";
import { countryName } from "../countries";
import { KIND_NAMES } from "../session";

/** Each move an order may be given, as its button and its form say it. */
const MOVES: Partial<Record<OrderStatus, { button: string; explain: string; submit: string; danger?: boolean }>> = {
  processing: { button: "Start processing", explain: "The order moves to processing: its copies are being printed.", submit: "Move to processing" },
  dispatched: { button: "Mark as dispatched", explain: "The order has left: say who carries it and, if it has one, its tracking number. The buyer sees them on the order.", submit: "Mark as dispatched" },
  ready_for_collection: { button: "Mark as ready for collection", explain: "The order is ready for the buyer to collect from the office.", submit: "Mark as ready for collection" },
  complete: { button: "Mark as complete", explain: "The order is delivered or collected: nothing more is to be done.", submit: "Mark as complete" },
  cancelled: { button: "Cancel the order", explain: "The unpaid order is cancelled and can no longer be paid.", submit: "Cancel the order", danger: true },
};

type Message = { kind: "success" | "warning"; text: string };

/** What a change's answer leads to: the form's own problem to show, or nothing more to do. */
type Handled = Problem | null;

/**
 * ORD-6: one order as the awarding body's staff see it — the buyer, the lines with the candidates'
 * enrolment numbers and a centre's reasons, the dispatch, the refunds and the log; the moves its
 * status allows (dispatching asks for the carrier and tracking number), pricing a delivery priced
 * by the team, and refunds. Every change names the version of the order shown: when someone else
 * changed it meanwhile (409), the page says so and shows the order as it is now.
 */
export function AdminOrder() {
  const { id = "" } = useParams();
  const from = (useLocation().state as { back?: string } | null)?.back;
  const back = from?.startsWith("/admin/orders") ? from : "/admin/orders";
  const fetchOne = useCallback(() => call(client.GET("/api/admin/orders/{id}", { params: { path: { id } } })), [id]);
  const { data: view, setData, problem, reload } = useLoaded(fetchOne);
  const [message, setMessage] = useState<Message | null>(null);

  /** A change's answer: the order as it is now, a conflict (reloaded), or the form's problem. */
  async function answered(outcome: Outcome<AdminOrderView>, done: (changed: AdminOrderView) => string): Promise<Handled> {
    if (outcome.ok) {
      setData(outcome.data);
      setMessage({ kind: "success", text: done(outcome.data) });
      return null;
    }
    if (outcome.problem.status === 409) {
      setMessage({ kind: "warning", text: "Someone else changed this order while you had it open, so your change was not made. The order below is as it is now: check it, and try again if it still needs doing." });
      await reload();
      return null;
    }
    setMessage(null);
    return outcome.problem;
  }

  if (!view) {
    return (
      <Page title="Order">
        <LoadFailure problem={problem} retry={reload} />
        {!problem && <p role="status">Loading the order…</p>}
        <p>
          <Link to={back}>Back to the orders</Link>
        </p>
      </Page>
    );
  }
  const order = view.order;
  const p = order.payment;
  return (
    <Page title={`Order ${order.number}`} wide>
      <p>
        <Link to={back}>Back to the orders</Link>
      </p>
      {message && (
        <Notice kind={message.kind} focus>
          {message.text}
        </Notice>
      )}
      <dl className="summary summary--compact">
        <div>
          <dt>Status</dt>
          <dd>
            <span className={statusTag(order.status)}>{order.status_label || ORDER_STATUS[order.status]}</span>
          </dd>
        </div>
        <div>
          <dt>Order number</dt>
          <dd className="reference">{order.number}</dd>
        </div>
        <div>
          <dt>Buyer</dt>
          <dd>
            {order.buyer_name} ({BUYER_KIND[view.buyer_kind]}
            {view.centre_number && (
              <>
                {" "}
                <Link to={`/admin/centres?centre=${encodeURIComponent(view.centre_number)}`}>{view.centre_number}</Link>
              </>
            )}
            ), <a href={`mailto:${view.buyer_email}`}>{view.buyer_email}</a>
          </dd>
        </div>
        <div>
          <dt>Placed</dt>
          <dd>
            {dateTime(order.created_at)} by {order.created_by.name} ({KIND_NAMES[order.created_by.kind]})
          </dd>
        </div>
        <div>
          <dt>Payment</dt>
          <dd>
            {PAYMENT_METHOD[p.method]}
            {p.paid_at ? `, paid ${dateTime(p.paid_at)}` : ", not paid"}
          </dd>
        </div>
        <div>
          <dt>Total</dt>
          <dd>{gbp(order.totals.total)}</dd>
        </div>
        {view.refundable > 0 && (
          <div>
            <dt>Left to refund</dt>
            <dd>{gbp(view.refundable)}</dd>
          </div>
        )}
      </dl>

      <Moves key={`moves-${order.version}`} view={view} onAnswer={answered} />
      {view.can_price_delivery && <PriceDelivery key={`price-${order.version}`} view={view} onAnswer={answered} />}
      {view.refundable > 0 && <Refund key={`refund-${order.version}`} view={view} onAnswer={answered} />}

      <section aria-labelledby="order-items" className="section">
        <h2 id="order-items">Items</h2>
        <ItemsList items={order.lines} enrolments={view.enrolment_numbers} caption={`The items of order ${order.number}, with the candidates, the reasons and the net, VAT and total of each`} />
        <TotalsList totals={order.totals} delivered={Boolean(order.delivery)} label={`Totals of order ${order.number}`} />
      </section>
      <div className="review-addresses">
        <section aria-labelledby="order-billing">
          <h2 id="order-billing">Billing address</h2>
          <AddressBlock address={order.billing} />
        </section>
        <section aria-labelledby="order-delivery">
          <h2 id="order-delivery">Delivery</h2>
          {order.delivery ? (
            <>
              <p>{deliveryLine(order.delivery)}</p>
              {order.delivery.address ? <AddressBlock address={order.delivery.address} /> : order.delivery.collection && <p>Collected from the office.</p>}
              {order.dispatch && <DispatchDetails dispatch={order.dispatch} />}
            </>
          ) : (
            <p>Issued online: nothing is posted.</p>
          )}
        </section>
      </div>
      {order.refunds.length > 0 && <RefundList refunds={order.refunds} method={p.method} heading="Refunds" />}
      <OrderLog log={order.log} />
    </Page>
  );
}

type Answer = (outcome: Outcome<AdminOrderView>, done: (changed: AdminOrderView) => string) => Promise<Handled>;

/** The moves the order's status allows, a button each; the one chosen opens its form. */
function Moves({ view, onAnswer }: { view: AdminOrderView; onAnswer: Answer }) {
  const order = view.order;
  const [move, setMove] = useState<OrderStatus | null>(null);
  const [note, setNote] = useState("");
  const [carrier, setCarrier] = useState("");
  const [tracking, setTracking] = useState("");
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const box = useRef<HTMLFormElement>(null);
  const buttons = useRef<HTMLDivElement>(null);
  const chosen = useRef(false);
  // The form takes focus to its first field when it opens; cancelling gives it back to the buttons.
  useEffect(() => {
    if (move) box.current?.querySelector<HTMLElement>("input, textarea")?.focus();
    else if (chosen.current) buttons.current?.querySelector("button")?.focus();
    chosen.current = move !== null;
  }, [move]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!move) return;
    if (move === "dispatched" && !carrier.trim()) {
      setErrors({ carrier: "Enter who carries it, such as Royal Mail" });
      setProblem(null);
      return;
    }
    setErrors({});
    setBusy(true);
    const body = {
      version: order.version,
      status: move,
      note: note.trim() || null,
      ...(move === "dispatched" ? { carrier: carrier.trim(), tracking_number: tracking.trim() || null } : {}),
    };
    const outcome = await call(client.PATCH("/api/admin/orders/{id}", { params: { path: { id: order.id } }, body }));
    setBusy(false);
    const found = await onAnswer(outcome, (changed) => `Order ${changed.order.number} is now ${ORDER_STATUS[changed.order.status].toLowerCase()}. The buyer has been e-mailed.`);
    setProblem(found);
  }

  return (
    <section aria-labelledby="moves-heading" className="section">
      <h2 id="moves-heading">Change the status</h2>
      {view.moves.length === 0 ? (
        <p>The order is {ORDER_STATUS[order.status].toLowerCase()}: its status changes no more.</p>
      ) : !move ? (
        <div className="actions" ref={buttons}>
          {view.moves.map((m) => (
            <button key={m} type="button" className={MOVES[m]?.danger ? "button button--danger" : "button"} onClick={() => setMove(m)}>
              {MOVES[m]?.button ?? `Move to ${ORDER_STATUS[m].toLowerCase()}`}…
            </button>
          ))}
        </div>
      ) : (
        <form onSubmit={submit} noValidate className="form confirm" ref={box} aria-labelledby="move-heading">
          <h3 id="move-heading">
            {MOVES[move]?.button ?? `Move to ${ORDER_STATUS[move].toLowerCase()}`}: order {order.number}
          </h3>
          <p>{MOVES[move]?.explain} The buyer is e-mailed, with your note.</p>
          <ErrorSummary problem={problem} errors={errors} scope="move" />
          {move === "dispatched" && (
            <>
              <TextField name="carrier" scope="move" label="Carrier" required value={carrier} onChange={setCarrier} problem={problem} errors={errors} maxLength={100} hint="Such as Royal Mail or DPD." />
              <TextField name="tracking_number" scope="move" label="Tracking number" value={tracking} onChange={setTracking} problem={problem} maxLength={100} width="medium" />
            </>
          )}
          <TextField name="note" scope="move" label="Note to the buyer" multiline value={note} onChange={setNote} problem={problem} maxLength={500} hint="Shown on the order and in the e-mail. Up to 500 characters." />
          <div className="actions">
            <SubmitButton busy={busy}>{MOVES[move]?.submit ?? "Save"}</SubmitButton>
            <button type="button" className="button button--secondary" onClick={() => setMove(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

/** A delivery priced by the team: its price; the buyer is e-mailed a link to pay (or, on account, it is charged). */
function PriceDelivery({ view, onAnswer }: { view: AdminOrderView; onAnswer: Answer }) {
  const order = view.order;
  const [price, setPrice] = useState("");
  const [note, setNote] = useState("");
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const pence = toPence(price);
    if (pence === null) {
      setErrors({ delivery_price: "Enter the delivery price in pounds, such as 25 or 24.99" });
      setProblem(null);
      return;
    }
    setErrors({});
    setBusy(true);
    const outcome = await call(client.PATCH("/api/admin/orders/{id}", { params: { path: { id: order.id } }, body: { version: order.version, delivery_price: pence, note: note.trim() || null } }));
    setBusy(false);
    const found = await onAnswer(outcome, (changed) =>
      changed.order.status === "awaiting_payment"
        ? `The delivery is priced at ${gbp(pence)}: the order comes to ${gbp(changed.order.totals.total)}, and the buyer has been e-mailed a link to pay.`
        : `The delivery is priced at ${gbp(pence)}: the order comes to ${gbp(changed.order.totals.total)} and is ${ORDER_STATUS[changed.order.status].toLowerCase()}. The buyer has been e-mailed.`,
    );
    setProblem(found);
  }

  return (
    <section aria-labelledby="price-heading" className="section">
      <h2 id="price-heading">Price the delivery</h2>
      <p>
        {order.delivery?.name ?? "The delivery"} is priced by our team{order.delivery?.address ? ` (to ${order.delivery.address.city}, ${countryName(order.delivery.address.country)})` : ""}. Once priced, the buyer is e-mailed a link to pay{order.payment.method === "on_account" ? " — or, on account, the order is charged to the centre's account if it fits its credit" : ""}.
      </p>
      <form onSubmit={submit} noValidate className="form">
        <ErrorSummary problem={problem} errors={errors} scope="price" />
        <TextField name="delivery_price" scope="price" label="Delivery price (£)" required inputMode="decimal" value={price} onChange={setPrice} problem={problem} errors={errors} width="short" hint="VAT included, in pounds, such as 25." />
        <TextField name="note" scope="price" label="Note to the buyer" multiline value={note} onChange={setNote} problem={problem} maxLength={500} hint="Shown on the order and in the e-mail." />
        <SubmitButton busy={busy}>Price the delivery</SubmitButton>
      </form>
    </section>
  );
}

/** Money back on a paid order: to the card, or a credit note for an order on account. */
function Refund({ view, onAnswer }: { view: AdminOrderView; onAnswer: Answer }) {
  const order = view.order;
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const onAccount = order.payment.method === "on_account";

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found: Record<string, string> = {};
    const pence = toPence(amount);
    if (pence === null || pence === 0) found.amount = "Enter the amount to refund in pounds, such as 9.99";
    else if (pence > view.refundable) found.amount = `The most that can be refunded is ${gbp(view.refundable)}`;
    if (!reason.trim()) found.reason = "Enter why it is refunded";
    setErrors(found);
    setProblem(null);
    if (Object.keys(found).length > 0 || pence === null) return;
    setBusy(true);
    const outcome = await call(client.POST("/api/admin/orders/{id}/refund", { params: { path: { id: order.id } }, body: { version: order.version, amount: pence, reason: reason.trim() } }));
    setBusy(false);
    const answer = await onAnswer(outcome, (changed) => `${gbp(pence)} is refunded ${onAccount ? "as a credit note on the centre's account" : "to the card it was paid with"}. ${changed.refundable > 0 ? `${gbp(changed.refundable)} is left to refund.` : "The whole order is refunded."} The buyer has been e-mailed.`);
    setProblem(answer);
  }

  return (
    <section aria-labelledby="refund-heading" className="section">
      <h2 id="refund-heading">Refund</h2>
      <p>
        Up to {gbp(view.refundable)} can be given back, {onAccount ? "as a credit note on the centre's account (it restores the centre's credit)" : "to the card it was paid with"}. Refunding all of it moves the order to refunded.
      </p>
      <form onSubmit={submit} noValidate className="form">
        <ErrorSummary problem={problem} errors={errors} scope="refund" />
        <TextField name="amount" scope="refund" label="Amount to refund (£)" required inputMode="decimal" value={amount} onChange={setAmount} problem={problem} errors={errors} width="short" hint={`In pounds, up to ${gbp(view.refundable)}.`} />
        <TextField name="reason" scope="refund" label="Reason" required value={reason} onChange={setReason} problem={problem} errors={errors} maxLength={200} hint="Told to the buyer, and kept with the order." />
        <SubmitButton busy={busy}>Refund</SubmitButton>
      </form>
    </section>
  );
}
