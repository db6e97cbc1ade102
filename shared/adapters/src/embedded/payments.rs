//! The local payment provider: the embedded default, so the portal takes card orders with no
//! account anywhere. It behaves as Stripe Checkout does, as far as the portal can tell: a payment
//! page per session (idempotent on the key asked with), and for each outcome a webhook event in
//! Stripe's shape signed exactly as Stripe signs. Its page (`/dev/pay/{session}` on the local
//! portal) shows the amount and three buttons — Pay, Decline, Cancel — and a form POST of
//! `outcome=paid|declined|cancelled` does what they do.
//!
//! Sessions and refunds are kept in the table under the provider's own keys (`LOCALPAY#…`),
//! as Stripe keeps them on its side.

use std::sync::Arc;

use async_trait::async_trait;
use portal_domain::items::{from_item, to_item};
use portal_domain::ports::payments::{
    NewPayment, NewRefund, PaymentError, PaymentPage, Payments, Refund,
};
use portal_domain::ports::{Condition, Key, Random, Table, TableError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What the buyer chose on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Paid,
    Declined,
    Cancelled,
}

impl Outcome {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "paid" => Some(Self::Paid),
            "declined" => Some(Self::Declined),
            "cancelled" => Some(Self::Cancelled),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    Open,
    Complete,
    Expired,
}

/// A payment session as the local provider keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalSession {
    pub id: String,
    pub order_id: String,
    pub order_number: String,
    pub amount: i64,
    pub currency: String,
    pub customer_email: String,
    pub success_url: String,
    pub cancel_url: String,
    pub status: SessionStatus,
    /// The payment once paid (`pi_local_…`).
    pub payment_intent: Option<String>,
    pub version: i64,
}

/// A webhook delivery to make: the body and its `Stripe-Signature`, and where the buyer goes
/// next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub body: Vec<u8>,
    pub signature: String,
    pub redirect: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LocalPayError {
    #[error("no such payment session")]
    NotFound,
    #[error("this payment session is {0}: it cannot be used again")]
    Closed(&'static str),
    #[error(transparent)]
    Table(#[from] TableError),
    #[error("the session is unreadable: {0}")]
    Stored(String),
}

#[derive(Clone)]
pub struct LocalPayments {
    table: Arc<dyn Table>,
    random: Arc<dyn Random>,
    public_url: String,
    webhook_secret: String,
}

fn session_key(id: &str) -> Key {
    Key::new(format!("LOCALPAY#{id}"), "SESSION")
}

fn refund_key(id: &str) -> Key {
    Key::new(format!("LOCALPAY#{id}"), "REFUND")
}

fn hashed(prefix: &str, seed: &str) -> String {
    let digest = Sha256::digest(seed.as_bytes());
    format!("{prefix}{}", hex::encode(&digest[..12]))
}

impl LocalPayments {
    /// `public_url` is the local portal's (the page is on it); `webhook_secret` signs events.
    pub fn new(
        table: Arc<dyn Table>,
        random: Arc<dyn Random>,
        public_url: String,
        webhook_secret: String,
    ) -> Self {
        Self {
            table,
            random,
            public_url,
            webhook_secret,
        }
    }

    pub async fn session(&self, id: &str) -> Result<LocalSession, LocalPayError> {
        if !id.starts_with("cs_local_") || id.len() > 64 {
            return Err(LocalPayError::NotFound);
        }
        let item = self
            .table
            .get(&session_key(id))
            .await?
            .ok_or(LocalPayError::NotFound)?;
        from_item(item).map_err(|e| LocalPayError::Stored(e.to_string()))
    }

    /// Does what the page's button does, and answers the webhook to deliver (signed at `now`).
    /// Paying completes the session; declining leaves it open (the buyer may try again);
    /// cancelling expires it.
    pub async fn complete(
        &self,
        id: &str,
        outcome: Outcome,
        now: time::OffsetDateTime,
    ) -> Result<Delivery, LocalPayError> {
        let mut session = self.session(id).await?;
        match session.status {
            SessionStatus::Open => {}
            SessionStatus::Complete => return Err(LocalPayError::Closed("paid")),
            SessionStatus::Expired => return Err(LocalPayError::Closed("cancelled")),
        }
        let expected = session.version;
        session.version += 1;
        let (kind, payment_status, redirect) = match outcome {
            Outcome::Paid => {
                session.status = SessionStatus::Complete;
                session.payment_intent = Some(hashed("pi_local_", &session.id));
                (
                    "checkout.session.completed",
                    "paid",
                    session.success_url.clone(),
                )
            }
            Outcome::Declined => (
                "checkout.session.async_payment_failed",
                "unpaid",
                session.cancel_url.clone(),
            ),
            Outcome::Cancelled => {
                session.status = SessionStatus::Expired;
                (
                    "checkout.session.expired",
                    "unpaid",
                    session.cancel_url.clone(),
                )
            }
        };
        let item = to_item(&session_key(&session.id), &session)
            .map_err(|e| LocalPayError::Stored(e.to_string()))?;
        match self.table.put(item, Condition::version_is(expected)).await {
            Ok(()) => {}
            Err(TableError::ConditionFailed { .. }) => {
                return Err(LocalPayError::Closed("being used in another window"));
            }
            Err(e) => return Err(e.into()),
        }
        let event = serde_json::json!({
            "id": format!("evt_local_{}", portal_domain::secrets::new_token(self.random.as_ref())),
            "object": "event",
            "type": kind,
            "created": now.unix_timestamp(),
            "livemode": false,
            "data": {"object": {
                "id": session.id,
                "object": "checkout.session",
                "amount_total": session.amount,
                "currency": session.currency,
                "customer_email": session.customer_email,
                "payment_status": payment_status,
                "payment_intent": session.payment_intent,
                "client_reference_id": session.order_id,
                "metadata": {"order_id": session.order_id, "order_number": session.order_number},
            }},
        });
        let body = serde_json::to_vec(&event).map_err(|e| LocalPayError::Stored(e.to_string()))?;
        let signature =
            portal_domain::store::webhook::sign(&self.webhook_secret, now.unix_timestamp(), &body);
        Ok(Delivery {
            body,
            signature,
            redirect,
        })
    }
}

#[async_trait]
impl Payments for LocalPayments {
    async fn open(&self, payment: &NewPayment) -> Result<PaymentPage, PaymentError> {
        let id = hashed("cs_local_", &payment.idempotency_key);
        let session = LocalSession {
            id: id.clone(),
            order_id: payment.order_id.clone(),
            order_number: payment.order_number.clone(),
            amount: payment.amount,
            currency: payment.currency.clone(),
            customer_email: payment.customer_email.clone(),
            success_url: payment.success_url.clone(),
            cancel_url: payment.cancel_url.clone(),
            status: SessionStatus::Open,
            payment_intent: None,
            version: 1,
        };
        let item = to_item(&session_key(&id), &session)
            .map_err(|e| PaymentError::Refused(e.to_string()))?;
        match self.table.put(item, Condition::NotExists).await {
            // The same key again: the same page, as Stripe answers a repeated request.
            Ok(()) | Err(TableError::ConditionFailed { .. }) => Ok(PaymentPage {
                url: format!("{}/dev/pay/{id}", self.public_url),
                session_id: id,
            }),
            Err(e) => Err(PaymentError::Unavailable(Box::new(e))),
        }
    }

    async fn refund(&self, refund: &NewRefund) -> Result<Refund, PaymentError> {
        let id = hashed("re_local_", &refund.idempotency_key);
        let record = serde_json::json!({
            "id": id,
            "payment_intent": refund.payment_id,
            "amount": refund.amount,
            "reason": refund.reason.as_str(),
        });
        let item =
            to_item(&refund_key(&id), &record).map_err(|e| PaymentError::Refused(e.to_string()))?;
        match self.table.put(item, Condition::NotExists).await {
            Ok(()) | Err(TableError::ConditionFailed { .. }) => Ok(Refund { refund_id: id }),
            Err(e) => Err(PaymentError::Unavailable(Box::new(e))),
        }
    }

    async fn webhook_secret(&self) -> Result<String, PaymentError> {
        Ok(self.webhook_secret.clone())
    }
}
