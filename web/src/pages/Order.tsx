import { useCallback, useEffect, useState } from "react";
import { Link, useLocation, useParams, useSearchParams } from "react-router";
import { dateTime } from "../api/centre";
import { call, client, type Problem } from "../api/client";
import { ORDER_STATUS, deliveryLine, gbp, statusTag, type Order as OrderView } from "../api/store";
import { useBasket } from "../basket";
import { ErrorSummary, LoadFailure, Notice } from "../components/Fields";
import { AddressBlock, DispatchDetails, ItemsList, OrderLog, RefundList, TotalsList } from "../components/OrderParts";
import { Page } from "../components/Page";
import { useLoaded } from "../components/useLoaded";

/** How often, and for how long, an order just paid for is looked at again. */
const POLL_MS = 2000;
const POLL_FOR_MS = 30_000;

/**
 * ORD-4, ORD-5, ORD-6: one order — its status and payment, "Pay now" while it can be paid,
 * billing, delivery (with the carrier and tracking number once dispatched), lines (with a centre's
 * reason for each duplicate), totals, refunds and the log of its status changes. Back from the
 * payment page with `?paid=1`, the webhook (the source of truth) may not have arrived yet: while
 * the order still awaits payment the page says the payment is being confirmed, and looks again
 * every 2 s for up to 30 s.
 */
export function Order() {
  const { id = "" } = useParams();
  const [params] = useSearchParams();
  const location = useLocation();
  const placed = (location.state as { placed?: boolean } | null)?.placed;
  const returned = params.get("paid") === "1";
  const basket = useBasket();
  const fetchOne = useCallback(() => call(client.GET("/api/orders/{id}", { params: { path: { id } } })), [id]);
  const { data: order, setData, problem, reload } = useLoaded(fetchOne);
  const [waiting, setWaiting] = useState<"confirming" | "slow" | null>(null);
  const [confirmed, setConfirmed] = useState(false);

  // A paid order empties the basket: the header says so.
  const refreshBasket = basket.refresh;
  const status = order?.status;
  useEffect(() => {
    if (status) refreshBasket();
  }, [status, refreshBasket]);

  // Confirming: only when back from paying and the order still awaits its payment.
  const confirming = returned && status === "awaiting_payment";
  useEffect(() => {
    if (!confirming) return;
    setWaiting("confirming");
    const until = Date.now() + POLL_FOR_MS;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const tick = async () => {
      const outcome = await call(client.GET("/api/orders/{id}", { params: { path: { id } } }));
      if (stopped) return;
      if (outcome.ok && outcome.data.status !== "awaiting_payment") {
        setWaiting(null);
        setConfirmed(outcome.data.status === "paid" || outcome.data.status === "complete" || outcome.data.status === "processing");
        setData(outcome.data);
        return;
      }
      if (Date.now() >= until) {
        setWaiting("slow");
        return;
      }
      timer = setTimeout(tick, POLL_MS);
    };
    timer = setTimeout(tick, POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [confirming, id, setData]);

  if (!order) {
    return (
      <Page title="Order">
        <LoadFailure problem={problem} retry={reload} />
        {!problem && <p role="status">Loading the order…</p>}
        <p>
          <Link to="/orders">Back to your orders</Link>
        </p>
      </Page>
    );
  }
  const paidNow = returned && !confirming && (order.status === "paid" || order.status === "complete" || order.status === "processing");
  return (
    <Page title={`Order ${order.number}`} wide>
      <p>
        <Link to="/orders">Back to your orders</Link>
      </p>
      {confirming && waiting !== "slow" && (
        <Notice kind="info">
          <p className="notice__title">We are confirming your payment</p>
          <p>This takes a few seconds: the page updates itself. Please do not pay again.</p>
        </Notice>
      )}
      {confirming && waiting === "slow" && (
        <Notice kind="warning">
          <p className="notice__title">Your payment is taking longer than usual to confirm</p>
          <p>If you paid, there is nothing more to do: we e-mail you when it is confirmed. Please do not pay again.</p>
          <button type="button" className="button button--secondary" onClick={() => reload()}>
            Check again
          </button>
        </Notice>
      )}
      {(confirmed || paidNow) && (
        <Notice kind="success" focus>
          <p className="notice__title">Thank you: your payment is confirmed</p>
          <p>We have e-mailed you a confirmation of order {order.number}.</p>
        </Notice>
      )}
      {placed && order.payment.method === "on_account" && order.status !== "awaiting_quote" && (
        <Notice kind="success" focus>
          <p className="notice__title">Your order is placed and paid on account</p>
          <p>
            {gbp(order.totals.total)} is charged to your centre's account: it is on your centre's <Link to="/centre/account">statement</Link>. We have e-mailed you a confirmation of order {order.number}.
          </p>
        </Notice>
      )}
      {placed && order.status === "awaiting_quote" && (
        <Notice kind="success" focus>
          <p className="notice__title">Your order is placed</p>
          <p>Our team will work out the cost of delivering it to your address and e-mail you a link to pay. Nothing has been charged.</p>
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
          <dt>Placed</dt>
          <dd>
            {dateTime(order.created_at)} by {order.created_by.name}
          </dd>
        </div>
        <div>
          <dt>Total</dt>
          <dd>{gbp(order.totals.total)}</dd>
        </div>
      </dl>
      <Payment order={order} waiting={confirming} />
      <section aria-labelledby="order-items" className="section">
        <h2 id="order-items">Items</h2>
        <ItemsList items={order.lines} caption={`The items of order ${order.number}, with the net, VAT and total of each`} />
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
              {order.delivery.address ? <AddressBlock address={order.delivery.address} /> : order.delivery.collection && <p>{order.status === "ready_for_collection" ? "Ready for you to collect from our office." : "Collected from our office: we e-mail you when it is ready."}</p>}
              {order.dispatch && <DispatchDetails dispatch={order.dispatch} />}
            </>
          ) : (
            <p>Issued online: each letter opens from the items above once the order is paid.</p>
          )}
        </section>
      </div>
      {order.refunds.length > 0 && <RefundList refunds={order.refunds} method={order.payment.method} heading="Refunds" />}
      <OrderLog log={order.log} />
    </Page>
  );
}

/** The payment: how it stands, and "Pay now" (a new payment page) while the order can be paid. */
function Payment({ order, waiting }: { order: OrderView; waiting: boolean }) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const p = order.payment;

  async function payNow() {
    setBusy(true);
    setProblem(null);
    const outcome = await call(client.POST("/api/orders/{id}/pay", { params: { path: { id: order.id } } }));
    if (outcome.ok && outcome.data.payment_url) {
      window.location.assign(outcome.data.payment_url);
      return;
    }
    setBusy(false);
    if (!outcome.ok) setProblem(outcome.problem);
  }

  let state: string;
  switch (waiting ? "confirming" : order.status) {
    case "confirming":
      state = "Being confirmed by our payment provider.";
      break;
    case "awaiting_payment":
      state =
        p.last_outcome === "declined"
          ? "Your card was declined, so nothing was charged. You can try again, with the same card or another."
          : p.last_outcome === "cancelled" || p.last_outcome === "abandoned"
            ? "The payment was cancelled, so nothing was charged. You can pay now."
            : "Not paid yet.";
      break;
    case "awaiting_quote":
      state =
        p.method === "on_account"
          ? "Our team is working out the delivery charge; the order is then charged to your centre's account (or, if it no longer fits your centre's credit, we e-mail you a link to pay by card). Nothing has been charged."
          : "Our team is working out the delivery charge. We will e-mail you a link to pay; nothing has been charged.";
      break;
    case "cancelled":
      state = p.paid_at ? `Paid on ${dateTime(p.paid_at)}; the order was cancelled.` : "Not paid: the order was cancelled.";
      break;
    case "refunded":
      state = p.method === "on_account" ? "Refunded: credited to your centre's account." : "Refunded to the card it was paid with.";
      break;
    default:
      state =
        p.method === "on_account"
          ? p.paid_at
            ? `Charged to your centre's account on ${dateTime(p.paid_at)}.`
            : "Charged to your centre's account."
          : p.paid_at
            ? `Paid by card on ${dateTime(p.paid_at)}.`
            : "Paid by card.";
  }
  return (
    <section aria-labelledby="order-payment" className="section">
      <h2 id="order-payment">Payment</h2>
      <p>{state}</p>
      {p.paid_at && !waiting && (
        <p>
          {/* Not in the OpenAPI document yet: a PDF the portal makes once the order is paid. */}
          <a href={`/api/orders/${encodeURIComponent(order.id)}/receipt`} target="_blank" rel="noopener">
            Your VAT receipt<span className="visually-hidden"> for order {order.number}</span> (PDF, opens in a new tab)
          </a>
        </p>
      )}
      {order.can_pay && !waiting && (
        <>
          {order.pay_by && <p className="hint">If it is not paid by {dateTime(order.pay_by)}, the order is cancelled.</p>}
          <ErrorSummary problem={problem} />
          <div className="actions">
            <button type="button" className="button" onClick={payNow} disabled={busy}>
              {busy ? "Please wait…" : `Pay now, ${gbp(order.totals.total)}`}
            </button>
          </div>
        </>
      )}
    </section>
  );
}
