//! The card payment provider (ORD-4): a hosted payment page for an order, and refunds. Its
//! signed webhook (see [`crate::store::webhook`]) is the source of truth for what was paid; the
//! provider's answers here only say where to send the buyer.
//!
//! Two adapters: Stripe (Checkout Sessions) for deployment, and the local provider of the local
//! portal, which shows a page with Pay, Decline and Cancel and then sends the portal a webhook
//! signed exactly as Stripe signs.

use async_trait::async_trait;

/// A hosted payment page to open for one order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    /// The order, carried back in the webhook's metadata (`order_id`).
    pub order_id: String,
    /// The order's number, shown to the buyer on the provider's page.
    pub order_number: String,
    /// What is charged, in the currency's minor unit (pence).
    pub amount: i64,
    /// ISO 4217, lower case (`gbp`).
    pub currency: String,
    /// Pre-filled on the provider's page.
    pub customer_email: String,
    /// Where the buyer returns after paying, and after giving up.
    pub success_url: String,
    pub cancel_url: String,
    /// The same key gives the same page (a retried checkout opens one session, not two).
    pub idempotency_key: String,
}

/// The provider's page for a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentPage {
    /// The provider's id of the payment session (Stripe: `cs_…`).
    pub session_id: String,
    pub url: String,
}

/// A refund of (part of) a captured payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRefund {
    /// The provider's id of the captured payment (Stripe: the payment intent, `pi_…`).
    pub payment_id: String,
    pub amount: i64,
    /// Why, for the provider's records (`duplicate`, `requested_by_customer`).
    pub reason: RefundReason,
    /// The same key refunds once, however often it is asked.
    pub idempotency_key: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundReason {
    /// A second payment for an order already paid.
    Duplicate,
    RequestedByCustomer,
}

impl RefundReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Duplicate => "duplicate",
            Self::RequestedByCustomer => "requested_by_customer",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    /// The provider's id of the refund (Stripe: `re_…`).
    pub refund_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// The provider refused the request for good (a bad key, an amount it will not take).
    #[error("the payment provider refused: {0}")]
    Refused(String),
    /// The provider could not be reached or failed; trying again later may work.
    #[error("the payment provider is unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

#[async_trait]
pub trait Payments: Send + Sync + 'static {
    /// Opens the provider's hosted page for a payment.
    async fn open(&self, payment: &NewPayment) -> Result<PaymentPage, PaymentError>;

    /// Refunds (part of) a captured payment.
    async fn refund(&self, refund: &NewRefund) -> Result<Refund, PaymentError>;

    /// The secret the provider signs its webhooks with (Stripe: the endpoint's `whsec_…`).
    async fn webhook_secret(&self) -> Result<String, PaymentError>;
}
