//! The payments port on Stripe: Checkout Sessions for the hosted payment page, Refunds for money
//! given back. A small client over `reqwest` rather than a Stripe crate: the portal needs two
//! calls, and the well-kept Rust crates for Stripe generate the whole API (hundreds of thousands
//! of lines, minutes of build time for every function); two form-encoded POSTs are easy to read
//! and are tested against a fake that checks Stripe's wire format (`tests/tests/stripe.rs`).
//!
//! The secret key and the webhook endpoint's secret are read once, on first use, from one
//! Secrets Manager secret (JSON: `{"secret_key": "sk_…", "webhook_secret": "whsec_…"}`), so a
//! function that never takes a payment never reads them, and they are never in the environment.
//! Keys that are not a secret (or restricted) key and an endpoint secret are refused before any
//! request: an empty webhook secret would let anyone sign a webhook.
//!
//! Stripe's answers: 2xx is the object; 409 (another request with the same idempotency key is
//! still running, or the object is locked), 429 and 5xx are worth retrying (`Unavailable`); any
//! other 4xx is `Refused` with Stripe's error type and message.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use portal_domain::ports::payments::{
    NewPayment, NewRefund, PaymentError, PaymentPage, Payments, Refund,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

/// The API version the requests are written for (pinned, so an account's default cannot change
/// the shapes under the portal).
pub const STRIPE_VERSION: &str = "2024-06-20";
pub const STRIPE_API: &str = "https://api.stripe.com";
/// The longest `Idempotency-Key` Stripe takes.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

/// The two secrets; never printed.
#[derive(Clone, Deserialize)]
pub struct StripeKeys {
    pub secret_key: String,
    pub webhook_secret: String,
}

impl fmt::Debug for StripeKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StripeKeys { .. }")
    }
}

impl StripeKeys {
    /// The keys if they look like Stripe's: a secret (`sk_…`) or restricted (`rk_…`) key, and a
    /// webhook endpoint's secret (`whsec_…`). The refusal never quotes them.
    pub fn checked(self) -> Result<Self, PaymentError> {
        fn token(value: &str, prefixes: &[&str]) -> bool {
            prefixes
                .iter()
                .any(|p| value.len() > p.len() && value.starts_with(p))
                && value.bytes().all(|b| b.is_ascii_graphic())
        }
        if !token(&self.secret_key, &["sk_", "rk_"]) {
            return Err(PaymentError::Refused(
                "the payments secret's secret_key is not a Stripe secret key (sk_… or rk_…)"
                    .to_owned(),
            ));
        }
        if !token(&self.webhook_secret, &["whsec_"]) {
            return Err(PaymentError::Refused(
                "the payments secret's webhook_secret is not a webhook endpoint secret (whsec_…)"
                    .to_owned(),
            ));
        }
        Ok(self)
    }
}

/// Where the keys come from.
#[async_trait]
pub trait KeySource: Send + Sync + 'static {
    async fn keys(&self) -> Result<StripeKeys, PaymentError>;
}

/// Keys given directly (tests, and the local portal pointed at Stripe's test mode).
#[derive(Debug)]
pub struct FixedKeys(pub StripeKeys);

#[async_trait]
impl KeySource for FixedKeys {
    async fn keys(&self) -> Result<StripeKeys, PaymentError> {
        Ok(self.0.clone())
    }
}

/// Keys in a Secrets Manager secret (its JSON as above).
#[derive(Debug)]
pub struct SecretsManagerKeys {
    pub client: aws_sdk_secretsmanager::Client,
    pub secret_id: String,
}

#[async_trait]
impl KeySource for SecretsManagerKeys {
    async fn keys(&self) -> Result<StripeKeys, PaymentError> {
        let secret = self
            .client
            .get_secret_value()
            .secret_id(&self.secret_id)
            .send()
            .await
            .map_err(|e| PaymentError::Unavailable(Box::new(e)))?;
        let raw = secret.secret_string().ok_or_else(|| {
            PaymentError::Refused("the payments secret holds no string".to_owned())
        })?;
        // An object only (serde would also take the two strings as an array), and the parser's
        // message, which may quote the secret, is dropped.
        serde_json::from_str::<serde_json::Value>(raw)
            .ok()
            .filter(serde_json::Value::is_object)
            .and_then(|object| serde_json::from_value::<StripeKeys>(object).ok())
            .ok_or_else(|| {
                PaymentError::Refused(
                    "the payments secret is not a JSON object with secret_key and webhook_secret"
                        .to_owned(),
                )
            })?
            .checked()
    }
}

pub struct StripePayments {
    http: reqwest::Client,
    api: String,
    source: Arc<dyn KeySource>,
    keys: OnceCell<StripeKeys>,
}

impl fmt::Debug for StripePayments {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripePayments")
            .field("api", &self.api)
            .field("keys_loaded", &self.keys.initialized())
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Created {
    id: String,
    #[serde(default)]
    url: Option<String>,
}

#[derive(Deserialize)]
struct Failure {
    error: FailureDetail,
}

#[derive(Deserialize)]
struct FailureDetail {
    #[serde(default)]
    message: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

impl StripePayments {
    /// `api` is Stripe's base URL ([`STRIPE_API`]; a fake in tests).
    pub fn new(api: impl Into<String>, source: Arc<dyn KeySource>) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(20))
                .build()
                .unwrap_or_default(),
            api: api.into().trim_end_matches('/').to_owned(),
            source,
            keys: OnceCell::new(),
        }
    }

    /// The keys, fetched on first use and kept; a failed fetch is not kept (the next call asks
    /// again).
    async fn keys(&self) -> Result<&StripeKeys, PaymentError> {
        self.keys
            .get_or_try_init(|| async { self.source.keys().await?.checked() })
            .await
    }

    /// One form-encoded POST, as Stripe takes them.
    async fn post(
        &self,
        path: &str,
        form: &[(String, String)],
        idempotency_key: &str,
    ) -> Result<Created, PaymentError> {
        let keys = self.keys().await?;
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let response = self
            .http
            .post(format!("{}{path}", self.api))
            .bearer_auth(&keys.secret_key)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("idempotency-key", stripe_idempotency_key(idempotency_key))
            .header("stripe-version", STRIPE_VERSION)
            .body(body)
            .send()
            .await
            .map_err(|e| PaymentError::Unavailable(Box::new(e)))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| PaymentError::Unavailable(Box::new(e)))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map_err(|e| PaymentError::Unavailable(Box::new(e)));
        }
        let detail = serde_json::from_slice::<Failure>(&bytes)
            .map(|f| {
                format!(
                    "{}: {}",
                    f.error.kind.unwrap_or_else(|| "error".to_owned()),
                    f.error.message.unwrap_or_default()
                )
            })
            .unwrap_or_else(|_| format!("HTTP {status}"));
        if status.is_server_error()
            || status == reqwest::StatusCode::TOO_MANY_REQUESTS
            || status == reqwest::StatusCode::CONFLICT
        {
            Err(PaymentError::Unavailable(detail.into()))
        } else {
            Err(PaymentError::Refused(detail))
        }
    }
}

/// The key as Stripe takes it: as it is when it fits; else a readable start and the SHA-256
/// of the whole key, so the same key is always sent the same way and different keys differently
/// (the webhook's refund key, `refund-{event id}`, can be longer than Stripe takes).
pub fn stripe_idempotency_key(key: &str) -> String {
    if key.len() <= MAX_IDEMPOTENCY_KEY {
        return key.to_owned();
    }
    let mut start = 150;
    while !key.is_char_boundary(start) {
        start -= 1;
    }
    format!(
        "{}~{}",
        &key[..start],
        hex::encode(Sha256::digest(key.as_bytes()))
    )
}

fn pair(name: &str, value: impl Into<String>) -> (String, String) {
    (name.to_owned(), value.into())
}

/// The form of a Checkout Session for one order: one line for the order's total (the order's
/// own lines and VAT are the portal's; Stripe only takes the amount).
pub fn checkout_session_form(payment: &NewPayment) -> Vec<(String, String)> {
    vec![
        pair("mode", "payment"),
        pair("success_url", payment.success_url.clone()),
        pair("cancel_url", payment.cancel_url.clone()),
        pair("client_reference_id", payment.order_id.clone()),
        pair("customer_email", payment.customer_email.clone()),
        pair("metadata[order_id]", payment.order_id.clone()),
        pair("metadata[order_number]", payment.order_number.clone()),
        pair(
            "payment_intent_data[metadata][order_id]",
            payment.order_id.clone(),
        ),
        pair("line_items[0][quantity]", "1"),
        pair(
            "line_items[0][price_data][currency]",
            payment.currency.clone(),
        ),
        pair(
            "line_items[0][price_data][unit_amount]",
            payment.amount.to_string(),
        ),
        pair(
            "line_items[0][price_data][product_data][name]",
            format!("Order {}", payment.order_number),
        ),
    ]
}

#[async_trait]
impl Payments for StripePayments {
    async fn open(&self, payment: &NewPayment) -> Result<PaymentPage, PaymentError> {
        let created = self
            .post(
                "/v1/checkout/sessions",
                &checkout_session_form(payment),
                &payment.idempotency_key,
            )
            .await?;
        let url = created.url.ok_or_else(|| {
            PaymentError::Refused("Stripe answered a session without a url".to_owned())
        })?;
        Ok(PaymentPage {
            session_id: created.id,
            url,
        })
    }

    async fn refund(&self, refund: &NewRefund) -> Result<Refund, PaymentError> {
        let form = vec![
            pair("payment_intent", refund.payment_id.clone()),
            pair("amount", refund.amount.to_string()),
            pair("reason", refund.reason.as_str()),
        ];
        let created = self
            .post("/v1/refunds", &form, &refund.idempotency_key)
            .await?;
        Ok(Refund {
            refund_id: created.id,
        })
    }

    async fn webhook_secret(&self) -> Result<String, PaymentError> {
        Ok(self.keys().await?.webhook_secret.clone())
    }
}
