//! The payment provider's webhook (ORD-4), the source of truth for what was paid.
//!
//! Signed as Stripe signs: the `Stripe-Signature` header holds `t=<unix seconds>` and one or
//! more `v1=<hex HMAC-SHA256 of "<t>.<body>" under the endpoint secret>`; a signature that does
//! not match, or a timestamp more than five minutes from now, is refused (400) with nothing
//! changed. Handled idempotently: each event id is recorded in the same transaction as the change
//! it makes, so a replayed or duplicated event changes nothing, and two deliveries at once make
//! one change (the order is written conditionally on its version). Out of order is fine: an event
//! about a payment page that is no longer the order's, or a decline after the order was paid,
//! changes no status. The amount and currency must be the order's.
//!
//! A second successful payment for an order already paid (or one for an order cancelled
//! meanwhile) is refunded through the provider — with the event's id as the refund's idempotency
//! key, before the event is recorded, so a failed refund is retried with the webhook and a
//! repeated one refunds once — and logged on the order.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use time::{Duration, OffsetDateTime};

use super::orders::Order;
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::items::{expiring, to_item};
use crate::keys;
use crate::ports::payments::{NewRefund, PaymentError, RefundReason};
use crate::ports::{TableError, Write};

/// How far a webhook's timestamp may be from now (Stripe's default tolerance).
pub const TOLERANCE: Duration = Duration::minutes(5);
/// Handled events are remembered this long (the provider retries for three days).
const REMEMBER: Duration = Duration::days(30);
const BY_PROVIDER: &str = "Payment provider";

/// The `Stripe-Signature` header for a body sent at `timestamp`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", signature(secret, timestamp, body))
}

fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Checks the header against the body: a matching `v1` signature and a fresh timestamp.
pub fn verify(secret: &str, header: Option<&str>, body: &[u8], now: OffsetDateTime) -> Result<()> {
    let refuse = |why: &str| Err(Error::field("Stripe-Signature", why));
    let Some(header) = header else {
        return refuse("is missing");
    };
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.push(v),
            _ => {}
        }
    }
    let Some(timestamp) = timestamp else {
        return refuse("has no timestamp (t=)");
    };
    if signatures.is_empty() {
        return refuse("has no v1 signature");
    }
    let expected = signature(secret, timestamp, body);
    if !signatures
        .iter()
        .any(|s| crate::secrets::same_secret(s, &expected))
    {
        return refuse("does not match the body");
    }
    let age = now.unix_timestamp() - timestamp;
    if age.abs() > TOLERANCE.whole_seconds() {
        return refuse("is too old (or from the future): more than five minutes from now");
    }
    Ok(())
}

/// The parts of a Stripe event the portal reads.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: EventData,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct EventData {
    pub object: CheckoutSession,
}

/// A Checkout Session, as far as the portal reads it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct CheckoutSession {
    pub id: String,
    #[serde(default)]
    pub amount_total: Option<i64>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub payment_status: Option<String>,
    #[serde(default)]
    pub payment_intent: Option<String>,
    #[serde(default)]
    pub metadata: std::collections::HashMap<String, String>,
}

/// What the portal makes of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Meaning {
    Paid,
    Declined,
    Abandoned,
    /// Nothing for the portal (an event type it does not act on, or a session not paid yet).
    Nothing,
}

fn meaning(event: &Event) -> Meaning {
    let session = &event.data.object;
    match event.kind.as_str() {
        "checkout.session.completed" if session.payment_status.as_deref() == Some("paid") => {
            Meaning::Paid
        }
        "checkout.session.async_payment_succeeded" => Meaning::Paid,
        "checkout.session.async_payment_failed" => Meaning::Declined,
        "checkout.session.expired" => Meaning::Abandoned,
        _ => Meaning::Nothing,
    }
}

/// What handling an event did, for the provider's log (always 200 once verified and valid).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Handled {
    /// `paid`, `declined`, `abandoned`, `refunded_duplicate`, `duplicate_event`, `ignored`.
    pub outcome: String,
}

fn handled(outcome: &str) -> Handled {
    Handled {
        outcome: outcome.to_owned(),
    }
}

/// Verifies and handles one webhook delivery.
pub async fn receive(ctx: &Ctx, signature: Option<&str>, body: &[u8]) -> Result<Handled> {
    let secret = ctx
        .payments
        .webhook_secret()
        .await
        .map_err(|e| Error::Internal(format!("the webhook secret cannot be read: {e}")))?;
    verify(&secret, signature, body, ctx.now())?;
    let event: Event = serde_json::from_slice(body)
        .map_err(|e| Error::field("body", format!("is not an event this portal reads: {e}")))?;
    if event.id.is_empty() || event.id.len() > 255 {
        return Err(Error::field("id", "must be the event's id"));
    }
    let meaning = meaning(&event);
    if meaning == Meaning::Nothing {
        return Ok(handled("ignored"));
    }
    let session = &event.data.object;
    let order_id = session
        .metadata
        .get("order_id")
        .map(String::as_str)
        .unwrap_or_default();
    let order = super::orders::load(ctx, order_id).await?.ok_or_else(|| {
        Error::field(
            "data.object.metadata.order_id",
            "is not an order of this portal",
        )
    })?;
    if session.currency.as_deref() != Some(order.currency.as_str()) {
        return Err(Error::field(
            "data.object.currency",
            "is not the order's currency",
        ));
    }
    if session.amount_total != Some(order.totals.total) {
        return Err(Error::field(
            "data.object.amount_total",
            "is not the order's total",
        ));
    }
    let outcome = match meaning {
        Meaning::Paid => paid(ctx, &event, order).await?,
        Meaning::Declined => {
            not_paid(
                ctx,
                &event,
                order,
                "declined",
                "The card payment was declined.",
            )
            .await?
        }
        Meaning::Abandoned => {
            not_paid(
                ctx,
                &event,
                order,
                "cancelled",
                "The payment was cancelled.",
            )
            .await?
        }
        Meaning::Nothing => "ignored",
    };
    Ok(handled(outcome))
}

/// The event's record, written with the change it makes.
fn remember(ctx: &Ctx, event: &Event) -> Result<Write> {
    Ok(Write::put_new(expiring(
        to_item(
            &keys::payment_event(&event.id),
            &serde_json::json!({"type": event.kind, "order_id": event.data.object.metadata.get("order_id")}),
        )?,
        ctx.now() + REMEMBER,
    )))
}

/// Writes the change with the event's record. The event handled before (a replay, or another
/// delivery at the same moment) is "duplicate_event", with nothing changed; another change to the
/// order at the same moment is a conflict, and the provider's retry finds the order as it is now.
async fn commit(
    ctx: &Ctx,
    event: &Event,
    writes: Vec<Write>,
    outcome: &'static str,
) -> Result<&'static str> {
    match ctx.table.transact(writes).await {
        Ok(()) => Ok(outcome),
        Err(TableError::ConditionFailed { .. }) => {
            if ctx
                .table
                .get(&keys::payment_event(&event.id))
                .await?
                .is_some()
            {
                Ok("duplicate_event")
            } else {
                Err(Error::Conflict(
                    "the order changed at the same moment; deliver the event again".to_owned(),
                ))
            }
        }
        Err(e) => Err(e.into()),
    }
}

async fn paid(ctx: &Ctx, event: &Event, mut order: Order) -> Result<&'static str> {
    let session = &event.data.object;
    let payment_id = session.payment_intent.clone().ok_or_else(|| {
        Error::field(
            "data.object.payment_intent",
            "is required of a paid session",
        )
    })?;
    let now = ctx.now();
    let expected = order.version;
    if order.payment.payment_id.as_deref() == Some(payment_id.as_str()) {
        // The same payment told twice (completed, then succeeded): nothing more to do.
        return commit(ctx, event, vec![remember(ctx, event)?], "duplicate_event").await;
    }
    if !order.status.awaits_payment() {
        // Paid already (another page), or cancelled meanwhile: give the money back — once. A
        // replay of this event after its refund was recorded refunds nothing more (the
        // provider's idempotency lasts a day; its retries, three).
        if ctx
            .table
            .get(&keys::payment_event(&event.id))
            .await?
            .is_some()
        {
            return Ok("duplicate_event");
        }
        let refund = ctx
            .payments
            .refund(&NewRefund {
                payment_id: payment_id.clone(),
                amount: order.totals.total,
                reason: RefundReason::Duplicate,
                idempotency_key: format!("refund-{}", event.id),
            })
            .await
            .map_err(|e| match e {
                PaymentError::Refused(why) => Error::Internal(format!("refund refused: {why}")),
                PaymentError::Unavailable(s) => Error::Internal(format!("refund failed: {s}")),
            })?;
        tracing::warn!(order = %order.id, payment = %payment_id, refund = %refund.refund_id, "a second payment for an order was refunded");
        order.note(
            BY_PROVIDER,
            format!(
                "A second payment of {} was received and refunded in full.",
                super::money::format_gbp(order.totals.total)
            ),
            now,
        );
        return commit(
            ctx,
            event,
            [
                order.write_over(expected)?.to_vec(),
                vec![remember(ctx, event)?],
            ]
            .concat(),
            "refunded_duplicate",
        )
        .await;
    }
    order.payment.payment_id = Some(payment_id);
    let mut writes =
        super::orders::settle(ctx, &mut order, BY_PROVIDER, "Payment received.").await?;
    writes.extend(order.write_over(expected)?);
    writes.push(remember(ctx, event)?);
    commit(ctx, event, writes, "paid").await
}

async fn not_paid(
    ctx: &Ctx,
    event: &Event,
    mut order: Order,
    outcome: &'static str,
    note: &str,
) -> Result<&'static str> {
    let expected = order.version;
    let current = order.payment.session_id.as_deref() == Some(event.data.object.id.as_str());
    if !order.status.awaits_payment() || !current {
        // About a page the order has moved on from: remembered, nothing else.
        return commit(ctx, event, vec![remember(ctx, event)?], "ignored").await;
    }
    order.payment.last_outcome = Some(outcome.to_owned());
    order.note(BY_PROVIDER, note.to_owned(), ctx.now());
    commit(
        ctx,
        event,
        [
            order.write_over(expected)?.to_vec(),
            vec![remember(ctx, event)?],
        ]
        .concat(),
        outcome,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const SECRET: &str = "whsec_test_secret";

    #[test]
    fn a_signature_made_here_verifies_and_a_changed_body_does_not() {
        let now = datetime!(2026-12-04 12:00 UTC);
        let body = br#"{"id":"evt_1"}"#;
        let header = sign(SECRET, now.unix_timestamp(), body);
        assert!(verify(SECRET, Some(&header), body, now).is_ok());
        assert!(verify(SECRET, Some(&header), br#"{"id":"evt_2"}"#, now).is_err());
        assert!(verify("whsec_other", Some(&header), body, now).is_err());
        assert!(verify(SECRET, None, body, now).is_err());
        assert!(verify(SECRET, Some("t=abc,v1=00"), body, now).is_err());
    }

    #[test]
    fn stale_and_future_timestamps_are_refused_past_five_minutes() {
        let now = datetime!(2026-12-04 12:00 UTC);
        let body = b"{}";
        let at = |secs: i64| sign(SECRET, now.unix_timestamp() + secs, body);
        assert!(verify(SECRET, Some(&at(-300)), body, now).is_ok());
        assert!(verify(SECRET, Some(&at(-301)), body, now).is_err());
        assert!(verify(SECRET, Some(&at(301)), body, now).is_err());
    }

    #[test]
    fn any_of_several_v1_signatures_may_match_as_when_stripe_rolls_its_secret() {
        let now = datetime!(2026-12-04 12:00 UTC);
        let body = b"{}";
        let good = signature(SECRET, now.unix_timestamp(), body);
        let header = format!(
            "t={},v1={},v1={good},v0=ignored",
            now.unix_timestamp(),
            "0".repeat(64)
        );
        assert!(verify(SECRET, Some(&header), body, now).is_ok());
    }

    #[test]
    fn the_signed_message_is_the_timestamp_a_dot_and_the_body() {
        let body = b"{}";
        let expected = signature(SECRET, 1_733_313_600, body);
        let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(b"1733313600.{}");
        assert_eq!(expected, hex::encode(mac.finalize().into_bytes()));
    }
}
