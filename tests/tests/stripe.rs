//! The Stripe adapter (`portal_adapters::stripe`) against a fake of Stripe's API on loopback
//! HTTP, and one purchase through the local portal paid by Stripe's webhook.
//!
//! No test reaches Stripe. The fake ([`FakeStripe`]) checks the wire format as Stripe does and
//! refuses as Stripe refuses, so a request it takes is one Stripe would take:
//! - `Authorization: Bearer sk_test_…` with the configured key, else 401;
//! - a pinned, real `Stripe-Version` (Stripe itself falls back to the account's default when none
//!   is sent; the fake requires one, as the adapter pins it);
//! - an `application/x-www-form-urlencoded` body, else 400;
//! - an `Idempotency-Key` of at most 255 characters on every POST (Stripe makes it optional; the
//!   fake requires it, as the portal's calls must be safe to retry). The same key with the same
//!   parameters answers the object first created (`Idempotent-Replayed: true`), with other
//!   parameters or on another endpoint it is refused (400 `idempotency_error`), and while the
//!   first request with a key is still running another with it is refused (409);
//! - only parameters Stripe's published OpenAPI description (`stripe/openapi`,
//!   `openapi/spec3.json`: `paths./v1/checkout/sessions.post` and `paths./v1/refunds.post`)
//!   lists, with their nesting, types and enums, else 400 `parameter_unknown`, and those Stripe
//!   requires, else 400 `parameter_missing`;
//! - answers shaped as the spec's `checkout.session` (`id`, `url`) and `refund` (`id`) objects,
//!   and errors as its `error` object (`{"error": {"type", "message", "code", "param"}}`).
//!
//! The parameter tables below are the subset of the spec this fake knows (what a portal sends,
//! and a few neighbours); each name, nesting and constraint in them was checked against the spec
//! by hand. None of Stripe's files are part of this repository.
//!
//! `SecretsManagerKeys` is tested against the AWS emulator (moto), like `aws_adapters`: those two
//! tests fail, never skip, when `PORTAL_TEST_AWS_ENDPOINT` is not set.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_secretsmanager::primitives::Blob;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use portal_adapters::stripe::{
    FixedKeys, KeySource, STRIPE_VERSION, SecretsManagerKeys, StripeKeys, StripePayments,
};
use portal_domain::ports::payments::{
    NewPayment, NewRefund, PaymentError, PaymentPage, Payments, RefundReason,
};
use portal_tests::connections::{ADA, expect};
use portal_tests::jobs;
use portal_tests::moto;
use portal_tests::store::{add, address, checkout, deliver_event, order, paid_event};
use serde_json::{Value, json};

const SECRET_KEY: &str = "sk_test_51PortalFakeStripeKey000000000000000000000000000000k3y9";
const WEBHOOK_SECRET: &str = "whsec_portalFakeEndpointSecret0000000000000000";
const ORDER_ID: &str = "6f1c7a52-0c4e-4b8e-9a57-2f4f0d3c1e88";

fn keys() -> StripeKeys {
    StripeKeys {
        secret_key: SECRET_KEY.to_owned(),
        webhook_secret: WEBHOOK_SECRET.to_owned(),
    }
}

fn stripe(fake: &FakeStripe) -> StripePayments {
    StripePayments::new(fake.url(), Arc::new(FixedKeys(keys())))
}

/// A payment as checkout asks for one; the e-mail's `+` and the URL's `&` must survive the
/// form encoding.
fn payment(idempotency_key: &str) -> NewPayment {
    NewPayment {
        order_id: ORDER_ID.to_owned(),
        order_number: "ORD-000123".to_owned(),
        amount: 6350,
        currency: "gbp".to_owned(),
        customer_email: "ada+shop@learners.test".to_owned(),
        success_url: format!("https://portal.example/orders/{ORDER_ID}?paid=1&from=stripe"),
        cancel_url: format!("https://portal.example/orders/{ORDER_ID}"),
        idempotency_key: idempotency_key.to_owned(),
    }
}

fn refund(payment_id: &str, amount: i64, key: &str) -> NewRefund {
    NewRefund {
        payment_id: payment_id.to_owned(),
        amount,
        reason: RefundReason::Duplicate,
        idempotency_key: key.to_owned(),
    }
}

fn refused(result: Result<impl std::fmt::Debug, PaymentError>) -> String {
    match result {
        Err(PaymentError::Refused(why)) => why,
        other => panic!("expected Refused, got {other:?}"),
    }
}

fn unavailable(result: Result<impl std::fmt::Debug, PaymentError>) -> String {
    match result {
        Err(PaymentError::Unavailable(source)) => source.to_string(),
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

fn pairs(expected: &[(&str, &str)]) -> BTreeMap<String, String> {
    expected
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The fake
// ---------------------------------------------------------------------------------------------

/// Stripe API versions the fake knows to exist (`Stripe-Version`); anything else is refused as
/// Stripe refuses an unknown version.
const KNOWN_VERSIONS: &[&str] = &[
    "2022-11-15",
    "2023-08-16",
    "2023-10-16",
    "2024-04-10",
    "2024-06-20",
    "2024-09-30.acacia",
];

/// Currencies the fake takes (Stripe takes many more; all lower-case ISO 4217).
const CURRENCIES: &[&str] = &["eur", "gbp", "usd"];

/// One request as the fake received it, and what it answered.
#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    path: String,
    /// Header names lower-cased.
    headers: HashMap<String, String>,
    /// The decoded form, in order.
    params: Vec<(String, String)>,
    status: u16,
    replayed: bool,
}

impl Recorded {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    fn form(&self) -> BTreeMap<String, String> {
        self.params.iter().cloned().collect()
    }
}

/// What the fake answers.
#[derive(Debug, Clone)]
struct Answer {
    status: u16,
    body: String,
    content_type: &'static str,
    replayed: bool,
}

impl Answer {
    fn json(status: u16, body: &Value) -> Self {
        Self {
            status,
            body: body.to_string(),
            content_type: "application/json",
            replayed: false,
        }
    }

    /// An error as Stripe's `error` schema has it (`api_errors`: `type` required; `message`,
    /// `code`, `param` as the case has them).
    fn error(
        status: u16,
        kind: &str,
        code: Option<&str>,
        param: Option<&str>,
        message: &str,
    ) -> Self {
        let mut error = json!({"type": kind, "message": message});
        if let Some(code) = code {
            error["code"] = json!(code);
            error["doc_url"] = json!(format!("https://stripe.com/docs/error-codes/{code}"));
        }
        if let Some(param) = param {
            error["param"] = json!(param);
        }
        Self::json(status, &json!({ "error": error }))
    }

    fn invalid(code: &str, param: &str, message: &str) -> Self {
        Self::error(
            400,
            "invalid_request_error",
            Some(code),
            Some(param),
            message,
        )
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut response = Response::builder()
            .status(self.status)
            .header("content-type", self.content_type)
            .header("request-id", "req_fake");
        if self.replayed {
            response = response.header("idempotent-replayed", "true");
        }
        response
            .body(axum::body::Body::from(self.body))
            .unwrap_or_else(|e| panic!("a response: {e}"))
    }
}

/// A saved idempotent result.
struct Saved {
    path: String,
    params: Vec<(String, String)>,
    answer: Answer,
}

#[derive(Default)]
struct Inner {
    requests: Vec<Recorded>,
    scripted: VecDeque<Answer>,
    saved: HashMap<String, Saved>,
    in_flight: HashSet<String>,
    sessions: Vec<Value>,
    refunds: Vec<Value>,
    /// Payment intents that can be refunded: amount, currency, refunded so far.
    intents: HashMap<String, (i64, String, i64)>,
    next_id: u64,
}

struct Fake {
    url: String,
    secret_key: String,
    delay: Mutex<Duration>,
    inner: Mutex<Inner>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A fake of Stripe's API on `127.0.0.1:0`, stopped when dropped.
struct FakeStripe {
    fake: Arc<Fake>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeStripe {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeStripe {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("its address");
        let fake = Arc::new(Fake {
            url: format!("http://{addr}"),
            secret_key: SECRET_KEY.to_owned(),
            delay: Mutex::new(Duration::ZERO),
            inner: Mutex::new(Inner::default()),
        });
        let app = Router::new().fallback(handle).with_state(Arc::clone(&fake));
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("the fake serves");
        });
        Self { fake, server }
    }

    fn url(&self) -> String {
        self.fake.url.clone()
    }

    fn requests(&self) -> Vec<Recorded> {
        lock(&self.fake.inner).requests.clone()
    }

    fn requests_to(&self, path: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    fn sessions(&self) -> Vec<Value> {
        lock(&self.fake.inner).sessions.clone()
    }

    fn refunds(&self) -> Vec<Value> {
        lock(&self.fake.inner).refunds.clone()
    }

    /// A captured payment that can be refunded.
    fn add_payment_intent(&self, id: &str, amount: i64) {
        lock(&self.fake.inner)
            .intents
            .insert(id.to_owned(), (amount, "gbp".to_owned(), 0));
    }

    /// The next request is answered with this, before anything is checked (as Stripe's edge
    /// answers a rate limit or an outage).
    fn answer_next(&self, status: u16, content_type: &'static str, body: &str) {
        lock(&self.fake.inner).scripted.push_back(Answer {
            status,
            body: body.to_owned(),
            content_type,
            replayed: false,
        });
    }

    /// How long creating an object takes (for requests that overlap).
    fn take(&self, delay: Duration) {
        *lock(&self.fake.delay) = delay;
    }
}

async fn handle(
    State(fake): State<Arc<Fake>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let path = uri.path().to_owned();
    let params: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let answer = fake.answer(&method, &path, &headers, &body, &params).await;
    lock(&fake.inner).requests.push(Recorded {
        method: method.to_string(),
        path,
        headers: headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    value.to_str().unwrap_or_default().to_owned(),
                )
            })
            .collect(),
        params,
        status: answer.status,
        replayed: answer.replayed,
    });
    answer
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    CheckoutSessions,
    Refunds,
}

/// Stripe shows a key it refuses by its start and last four characters.
fn masked(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    let prefix: String = key.chars().take_while(|c| *c != '_').collect();
    let last: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!(
        "{prefix}_test_{}{last}",
        "*".repeat(chars.len().saturating_sub(12))
    )
}

impl Fake {
    async fn answer(
        &self,
        method: &Method,
        path: &str,
        headers: &HeaderMap,
        body: &[u8],
        params: &[(String, String)],
    ) -> Answer {
        if let Some(scripted) = lock(&self.inner).scripted.pop_front() {
            return scripted;
        }
        let endpoint = match (method, path) {
            (&Method::POST, "/v1/checkout/sessions") => Endpoint::CheckoutSessions,
            (&Method::POST, "/v1/refunds") => Endpoint::Refunds,
            _ => {
                return Answer::error(
                    404,
                    "invalid_request_error",
                    None,
                    None,
                    &format!(
                        "Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/."
                    ),
                );
            }
        };
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };

        // Authentication: a bearer secret key, the configured one.
        let Some(authorization) = header("authorization") else {
            return Answer::error(
                401,
                "invalid_request_error",
                None,
                None,
                "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
            );
        };
        let given = authorization.strip_prefix("Bearer ").unwrap_or_default();
        if !given.starts_with("sk_test_") || given != self.secret_key {
            return Answer::error(
                401,
                "invalid_request_error",
                Some("api_key_invalid"),
                None,
                &format!("Invalid API Key provided: {}", masked(given)),
            );
        }

        // The API version the request is written for.
        match header("stripe-version") {
            None => {
                return Answer::error(
                    400,
                    "invalid_request_error",
                    None,
                    None,
                    "This fake requires a pinned Stripe-Version header (Stripe would use the account's default API version).",
                );
            }
            Some(version) if !KNOWN_VERSIONS.contains(&version.as_str()) => {
                return Answer::error(
                    400,
                    "invalid_request_error",
                    None,
                    None,
                    &format!("Invalid Stripe API version: {version}"),
                );
            }
            Some(_) => {}
        }

        // The body: form-encoded, as every Stripe v1 POST takes it.
        let content_type = header("content-type").unwrap_or_default();
        let media_type = content_type.split(';').next().unwrap_or_default().trim();
        if !media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Answer::error(
                400,
                "invalid_request_error",
                None,
                None,
                &format!(
                    "Invalid request: unsupported Content-Type {content_type}. If error persists and you need assistance, please contact support@stripe.com."
                ),
            );
        }
        if std::str::from_utf8(body).is_err() {
            return Answer::error(
                400,
                "invalid_request_error",
                None,
                None,
                "Invalid request: the body is not UTF-8 form data.",
            );
        }
        let mut seen = HashSet::new();
        if let Some((name, _)) = params.iter().find(|(name, _)| !seen.insert(name.as_str())) {
            return Answer::invalid(
                "parameter_invalid",
                name,
                &format!("Received {name} more than once."),
            );
        }

        // The idempotency key.
        let Some(key) = header("idempotency-key") else {
            return Answer::error(
                400,
                "invalid_request_error",
                None,
                None,
                "This fake requires an Idempotency-Key on every POST (the portal's calls must be safe to retry).",
            );
        };
        if key.is_empty() || key.chars().count() > 255 {
            return Answer::error(
                400,
                "invalid_request_error",
                None,
                None,
                &format!(
                    "Keys for idempotent requests must be between 1 and 255 characters long; this one has {}.",
                    key.chars().count()
                ),
            );
        }

        // The parameters, against the spec.
        let checked = match endpoint {
            Endpoint::CheckoutSessions => check(params, checkout_session_param)
                .and_then(|()| checkout_session_requires(params)),
            Endpoint::Refunds => check(params, refund_param).and_then(|()| refund_requires(params)),
        };
        if let Err(refusal) = checked {
            return refusal;
        }

        // Idempotency: replay, refuse a reuse, or run (one at a time per key).
        let mut sorted = params.to_vec();
        sorted.sort();
        {
            let mut inner = lock(&self.inner);
            if let Some(saved) = inner.saved.get(&key) {
                if saved.path != path {
                    return Answer::error(
                        400,
                        "idempotency_error",
                        None,
                        None,
                        &format!(
                            "Keys for idempotent requests can only be used for the same endpoint they were first used for ('{}' vs '{path}'). Try using a key other than '{key}' if you meant to execute a different request.",
                            saved.path
                        ),
                    );
                }
                if saved.params != sorted {
                    return Answer::error(
                        400,
                        "idempotency_error",
                        None,
                        None,
                        &format!(
                            "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."
                        ),
                    );
                }
                let mut replay = saved.answer.clone();
                replay.replayed = true;
                return replay;
            }
            if !inner.in_flight.insert(key.clone()) {
                return Answer::error(
                    409,
                    "idempotency_error",
                    None,
                    None,
                    &format!(
                        "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): {key}. Please try again later."
                    ),
                );
            }
        }
        let delay = *lock(&self.delay);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let mut inner = lock(&self.inner);
        inner.in_flight.remove(&key);
        let answer = match endpoint {
            Endpoint::CheckoutSessions => inner.create_session(&self.url, params),
            Endpoint::Refunds => inner.create_refund(params),
        };
        if answer.status == 200 {
            inner.saved.insert(
                key,
                Saved {
                    path: path.to_owned(),
                    params: sorted,
                    answer: answer.clone(),
                },
            );
        }
        answer
    }
}

impl Inner {
    fn next(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{:016x}{:08}", 0x5eed_u64, self.next_id)
    }

    fn create_session(&mut self, base: &str, params: &[(String, String)]) -> Answer {
        let form: BTreeMap<&str, &str> = params
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let id = self.next("cs_test_a1");
        let mut total = 0_i64;
        let mut currency = None;
        for index in 0.. {
            let field = |name: &str| {
                form.get(format!("line_items[{index}]{name}").as_str())
                    .copied()
            };
            let Some(quantity) = field("[quantity]") else {
                break;
            };
            let quantity: i64 = quantity.parse().unwrap_or_default();
            let unit: i64 = field("[price_data][unit_amount]")
                .and_then(|u| u.parse().ok())
                .unwrap_or_default();
            total += quantity * unit;
            currency = currency.or(field("[price_data][currency]"));
        }
        let metadata = |prefix: &str| -> Value {
            params
                .iter()
                .filter_map(|(name, value)| {
                    let key = name.strip_prefix(prefix)?.strip_suffix(']')?;
                    Some((key.to_owned(), json!(value)))
                })
                .collect::<serde_json::Map<_, _>>()
                .into()
        };
        let session = json!({
            "id": id,
            "object": "checkout.session",
            "url": format!("{base}/c/pay/{id}"),
            "mode": form.get("mode"),
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": total,
            "currency": currency,
            "customer_email": form.get("customer_email"),
            "client_reference_id": form.get("client_reference_id"),
            "success_url": form.get("success_url"),
            "cancel_url": form.get("cancel_url"),
            "metadata": metadata("metadata["),
            "payment_intent": null,
            "livemode": false,
            "created": 1_767_225_600,
            "expires_at": 1_767_312_000,
        });
        self.sessions.push(session.clone());
        Answer::json(200, &session)
    }

    fn create_refund(&mut self, params: &[(String, String)]) -> Answer {
        let form: BTreeMap<&str, &str> = params
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let Some(intent) = form.get("payment_intent").copied() else {
            return Answer::invalid(
                "resource_missing",
                "charge",
                "This fake refunds payment intents only.",
            );
        };
        let Some((amount, currency, refunded)) = self.intents.get(intent).cloned() else {
            return Answer::error(
                404,
                "invalid_request_error",
                Some("resource_missing"),
                Some("payment_intent"),
                &format!("No such payment_intent: '{intent}'"),
            );
        };
        let left = amount - refunded;
        let asked = form
            .get("amount")
            .and_then(|a| a.parse::<i64>().ok())
            .unwrap_or(left);
        if left == 0 {
            return Answer::invalid(
                "charge_already_refunded",
                "payment_intent",
                &format!("Charge ch_of_{intent} has already been refunded."),
            );
        }
        if asked > left {
            return Answer::invalid(
                "amount_too_large",
                "amount",
                &format!(
                    "Refund amount ({asked}) is greater than unrefunded amount on charge ({left})"
                ),
            );
        }
        if let Some(entry) = self.intents.get_mut(intent) {
            entry.2 += asked;
        }
        let id = self.next("re_test_");
        let refund = json!({
            "id": id,
            "object": "refund",
            "amount": asked,
            "currency": currency,
            "payment_intent": intent,
            "charge": format!("ch_of_{intent}"),
            "reason": form.get("reason"),
            "status": "succeeded",
            "metadata": {},
            "created": 1_767_225_600,
        });
        self.refunds.push(refund.clone());
        Answer::json(200, &refund)
    }
}

/// What a parameter must be.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Text(usize),
    Integer {
        min: i64,
    },
    OneOf(&'static [&'static str]),
    Currency,
    Url,
    Email,
    Boolean,
    /// A metadata value: a key of 1..=40 characters without brackets, a value of at most 500.
    Metadata,
}

/// `a[b][c]` as `["a", "b", "c"]`; `None` when the brackets are unbalanced.
fn segments(name: &str) -> Option<Vec<&str>> {
    let (head, mut rest) = name.find('[').map_or((name, ""), |i| name.split_at(i));
    if head.is_empty() {
        return None;
    }
    let mut out = vec![head];
    while !rest.is_empty() {
        let inside = rest.strip_prefix('[')?;
        let end = inside.find(']')?;
        out.push(&inside[..end]);
        rest = &inside[end + 1..];
    }
    Some(out)
}

fn is_index(segment: &str) -> bool {
    !segment.is_empty() && segment.len() <= 3 && segment.bytes().all(|b| b.is_ascii_digit())
}

/// `POST /v1/checkout/sessions` (spec3.json `paths./v1/checkout/sessions.post.requestBody`,
/// `additionalProperties: false`): the parameters this fake knows.
fn checkout_session_param(segments: &[&str]) -> Option<Kind> {
    match segments {
        ["mode"] => Some(Kind::OneOf(&["payment", "setup", "subscription"])),
        ["success_url" | "cancel_url"] => Some(Kind::Url),
        ["client_reference_id"] => Some(Kind::Text(200)),
        ["customer_email"] => Some(Kind::Email),
        ["currency"] => Some(Kind::Currency),
        ["expires_at"] => Some(Kind::Integer { min: 0 }),
        ["metadata", _] | ["payment_intent_data", "metadata", _] => Some(Kind::Metadata),
        ["payment_intent_data", "description"] => Some(Kind::Text(1000)),
        ["payment_intent_data", "receipt_email"] => Some(Kind::Email),
        ["expand" | "payment_method_types", index] if is_index(index) => Some(Kind::Text(5000)),
        ["line_items", index, rest @ ..] if is_index(index) => match rest {
            ["quantity"] => Some(Kind::Integer { min: 0 }),
            ["price"] => Some(Kind::Text(5000)),
            ["price_data", "currency"] => Some(Kind::Currency),
            ["price_data", "unit_amount"] => Some(Kind::Integer { min: 0 }),
            ["price_data", "product"] => Some(Kind::Text(5000)),
            ["price_data", "product_data", "name"] => Some(Kind::Text(5000)),
            ["price_data", "product_data", "description"] => Some(Kind::Text(40000)),
            _ => None,
        },
        _ => None,
    }
}

/// `POST /v1/refunds` (spec3.json `paths./v1/refunds.post.requestBody`).
fn refund_param(segments: &[&str]) -> Option<Kind> {
    match segments {
        ["payment_intent" | "charge"] => Some(Kind::Text(5000)),
        ["amount"] => Some(Kind::Integer { min: 1 }),
        ["currency"] => Some(Kind::Currency),
        ["reason"] => Some(Kind::OneOf(&[
            "duplicate",
            "fraudulent",
            "requested_by_customer",
        ])),
        ["metadata", _] => Some(Kind::Metadata),
        ["refund_application_fee" | "reverse_transfer"] => Some(Kind::Boolean),
        ["expand", index] if is_index(index) => Some(Kind::Text(5000)),
        _ => None,
    }
}

fn one_of(values: &[&str]) -> String {
    match values {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{}, or {last}", rest.join(", ")),
    }
}

/// Every parameter known, well-formed and of its kind.
fn check(params: &[(String, String)], known: fn(&[&str]) -> Option<Kind>) -> Result<(), Answer> {
    for (name, value) in params {
        let Some(kind) = segments(name).and_then(|s| known(&s).map(|k| (k, s))) else {
            return Err(Answer::invalid(
                "parameter_unknown",
                name,
                &format!("Received unknown parameter: {name}"),
            ));
        };
        let (kind, segments) = kind;
        let field = segments.last().copied().unwrap_or_default();
        let bad = |code: &str, message: String| Err(Answer::invalid(code, name, &message));
        match kind {
            Kind::Text(max) if value.chars().count() > max => {
                return bad(
                    "string_length_exceeds_maximum",
                    format!("Invalid string: {value}; must be at most {max} characters"),
                );
            }
            Kind::Integer { min } => match value.parse::<i64>() {
                Err(_) => {
                    return bad(
                        "parameter_invalid_integer",
                        format!("Invalid integer: {value}"),
                    );
                }
                Ok(n) if n < min => {
                    return bad(
                        "parameter_invalid_integer",
                        format!("This value must be greater than or equal to {min}."),
                    );
                }
                Ok(_) => {}
            },
            Kind::OneOf(values) if !values.contains(&value.as_str()) => {
                return bad(
                    "parameter_invalid_string",
                    format!("Invalid {field}: must be one of {}", one_of(values)),
                );
            }
            Kind::Currency if !CURRENCIES.contains(&value.as_str()) => {
                return bad(
                    "parameter_invalid_string",
                    format!(
                        "Invalid currency: {value}. Stripe currently supports these currencies: {}",
                        CURRENCIES.join(", ")
                    ),
                );
            }
            Kind::Url
                if !url::Url::parse(value)
                    .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host()) =>
            {
                return bad("url_invalid", "Not a valid URL".to_owned());
            }
            Kind::Email
                if !value.split_once('@').is_some_and(|(local, domain)| {
                    !local.is_empty()
                        && domain.contains('.')
                        && !domain.contains('@')
                        && !value.chars().any(char::is_whitespace)
                }) =>
            {
                return bad("email_invalid", format!("Invalid email address: {value}"));
            }
            Kind::Boolean if value != "true" && value != "false" => {
                return bad(
                    "parameter_invalid_boolean",
                    format!("Invalid boolean: {value}"),
                );
            }
            Kind::Metadata => {
                if field.is_empty() || field.chars().count() > 40 {
                    return bad(
                        "parameter_invalid_string",
                        "Metadata keys can have up to 40 characters.".to_owned(),
                    );
                }
                if value.chars().count() > 500 {
                    return bad(
                        "parameter_invalid_string",
                        "Metadata values can have up to 500 characters.".to_owned(),
                    );
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn missing(name: &str) -> Answer {
    Answer::invalid(
        "parameter_missing",
        name,
        &format!("Missing required param: {name}."),
    )
}

/// What Stripe requires of a Checkout Session: `mode`; in `payment` mode (hosted page, the
/// default `ui_mode`) `line_items` and `success_url`; each line a `quantity` and one of `price`
/// or `price_data`, whose `currency` (required in the spec's `price_data_with_product_data`),
/// `unit_amount` and one of `product` or `product_data[name]` (required in `product_data`); the
/// lines in one currency.
fn checkout_session_requires(params: &[(String, String)]) -> Result<(), Answer> {
    let form: BTreeMap<&str, &str> = params
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let Some(mode) = form.get("mode") else {
        return Err(missing("mode"));
    };
    let indices: std::collections::BTreeSet<usize> = params
        .iter()
        .filter_map(|(name, _)| match segments(name)?.as_slice() {
            ["line_items", index, ..] => index.parse::<usize>().ok(),
            _ => None,
        })
        .collect();
    if *mode == "payment" {
        if indices.is_empty() {
            return Err(missing("line_items"));
        }
        if !form.contains_key("success_url") {
            return Err(missing("success_url"));
        }
    }
    let mut currencies = HashSet::new();
    for (position, index) in indices.iter().enumerate() {
        if *index != position {
            return Err(Answer::invalid(
                "parameter_invalid",
                "line_items",
                "Invalid array: line_items must be indexed from 0 without gaps.",
            ));
        }
        let name = |rest: &str| format!("line_items[{index}]{rest}");
        let has = |rest: &str| form.contains_key(name(rest).as_str());
        if !has("[quantity]") {
            return Err(missing(&name("[quantity]")));
        }
        let price_data = params
            .iter()
            .any(|(n, _)| n.starts_with(&name("[price_data]")));
        match (has("[price]"), price_data) {
            (false, false) => return Err(missing(&name("[price]"))),
            (true, true) => {
                return Err(Answer::invalid(
                    "parameter_invalid",
                    &name("[price_data]"),
                    &format!(
                        "You may only specify one of these parameters: {}, {}.",
                        name("[price]"),
                        name("[price_data]")
                    ),
                ));
            }
            (true, false) => {}
            (false, true) => {
                for required in ["[price_data][currency]", "[price_data][unit_amount]"] {
                    if !has(required) {
                        return Err(missing(&name(required)));
                    }
                }
                if !has("[price_data][product]") && !has("[price_data][product_data][name]") {
                    return Err(missing(&name("[price_data][product_data][name]")));
                }
                currencies.insert(form[name("[price_data][currency]").as_str()]);
            }
        }
    }
    if currencies.len() > 1 {
        return Err(Answer::invalid(
            "parameter_invalid",
            "line_items",
            "All line items must have the same currency.",
        ));
    }
    Ok(())
}

/// A refund names exactly one of `payment_intent` or `charge`.
fn refund_requires(params: &[(String, String)]) -> Result<(), Answer> {
    let has = |name: &str| params.iter().any(|(n, _)| n == name);
    match (has("payment_intent"), has("charge")) {
        (false, false) => Err(Answer::error(
            400,
            "invalid_request_error",
            Some("parameter_missing"),
            None,
            "One of the following params should be provided for this request: payment_intent or charge.",
        )),
        (true, true) => Err(Answer::error(
            400,
            "invalid_request_error",
            Some("parameter_invalid"),
            None,
            "You may only specify one of these parameters: charge, payment_intent.",
        )),
        _ => Ok(()),
    }
}

/// A request to the fake as any client might send it (to show the fake's checks bite).
async fn raw(fake: &FakeStripe, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", fake.url()))
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("the fake answers");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

// ---------------------------------------------------------------------------------------------
// The fake refuses what Stripe refuses
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_fake_refuses_requests_as_stripe_does() {
    let fake = FakeStripe::start().await;
    let bearer = format!("Bearer {SECRET_KEY}");
    let good = |key: &'static str| -> Vec<(&'static str, String)> {
        vec![
            (
                "content-type",
                "application/x-www-form-urlencoded".to_owned(),
            ),
            ("stripe-version", STRIPE_VERSION.to_owned()),
            ("idempotency-key", key.to_owned()),
        ]
    };
    let send = |path: &'static str, headers: Vec<(&'static str, String)>, body: String| {
        let fake = &fake;
        let bearer = bearer.clone();
        async move {
            let mut all: Vec<(&str, &str)> = vec![("authorization", bearer.as_str())];
            all.extend(headers.iter().map(|(n, v)| (*n, v.as_str())));
            raw(fake, path, &all, &body).await
        }
    };
    let session = "mode=payment&success_url=https%3A%2F%2Fportal.example%2Fdone\
        &line_items[0][quantity]=1&line_items[0][price_data][currency]=gbp\
        &line_items[0][price_data][unit_amount]=3350\
        &line_items[0][price_data][product_data][name]=Order%201";

    // No key, a wrong key, a publishable key: 401.
    let (status, body) = raw(&fake, "/v1/checkout/sessions", &[], session).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("did not provide an API key")
    );
    for wrong in [
        "Bearer sk_test_not_the_key_1234",
        "Bearer pk_test_publishable",
        SECRET_KEY,
    ] {
        let (status, body) = raw(
            &fake,
            "/v1/checkout/sessions",
            &[("authorization", wrong)],
            session,
        )
        .await;
        assert_eq!(status, 401, "{wrong}");
        assert!(!body.to_string().contains(SECRET_KEY), "keys are masked");
    }

    // JSON instead of a form; no or an unknown Stripe-Version; no Idempotency-Key: 400.
    let mut json_body = good("k-json");
    json_body[0].1 = "application/json".to_owned();
    let (status, body) = send(
        "/v1/checkout/sessions",
        json_body,
        r#"{"mode":"payment"}"#.to_owned(),
    )
    .await;
    assert_eq!(
        (status, body["error"]["type"].as_str()),
        (400, Some("invalid_request_error"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Content-Type")
    );
    let mut unversioned = good("k-unversioned");
    unversioned.remove(1);
    assert_eq!(
        send("/v1/checkout/sessions", unversioned, session.to_owned())
            .await
            .0,
        400
    );
    let mut badly_versioned = good("k-version");
    badly_versioned[1].1 = "2024-13-45".to_owned();
    let (status, body) = send("/v1/checkout/sessions", badly_versioned, session.to_owned()).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["error"]["message"],
        "Invalid Stripe API version: 2024-13-45"
    );
    let mut keyless = good("unused");
    keyless.remove(2);
    assert_eq!(
        send("/v1/checkout/sessions", keyless, session.to_owned())
            .await
            .0,
        400
    );

    // Unknown parameters (a name flattened wrongly), missing ones, wrong types and enums.
    for (path, body, code, param) in [
        (
            "/v1/checkout/sessions",
            format!("{session}&line_items[0][price_data][name]=Order"),
            "parameter_unknown",
            "line_items[0][price_data][name]",
        ),
        (
            "/v1/checkout/sessions",
            format!("{session}&order_id=1"),
            "parameter_unknown",
            "order_id",
        ),
        (
            "/v1/checkout/sessions",
            format!("{session}&payment_intent_data[order_id]=1"),
            "parameter_unknown",
            "payment_intent_data[order_id]",
        ),
        (
            "/v1/checkout/sessions",
            "mode=payment&success_url=https%3A%2F%2Fportal.example%2F".to_owned(),
            "parameter_missing",
            "line_items",
        ),
        (
            "/v1/checkout/sessions",
            session.replace("&line_items[0][quantity]=1", ""),
            "parameter_missing",
            "line_items[0][quantity]",
        ),
        (
            "/v1/checkout/sessions",
            session.replace("unit_amount]=3350", "unit_amount]=33.50"),
            "parameter_invalid_integer",
            "line_items[0][price_data][unit_amount]",
        ),
        (
            "/v1/checkout/sessions",
            session.replace("currency]=gbp", "currency]=GBP"),
            "parameter_invalid_string",
            "line_items[0][price_data][currency]",
        ),
        (
            "/v1/checkout/sessions",
            session.replace("mode=payment", "mode=pay"),
            "parameter_invalid_string",
            "mode",
        ),
        (
            "/v1/checkout/sessions",
            session.replace("https%3A%2F%2Fportal.example%2Fdone", "%2Fdone"),
            "url_invalid",
            "success_url",
        ),
        (
            "/v1/refunds",
            "payment_intent=pi_1&amount=100&reason=mistake".to_owned(),
            "parameter_invalid_string",
            "reason",
        ),
        (
            "/v1/refunds",
            "payment_intent=pi_1&amount=1.00".to_owned(),
            "parameter_invalid_integer",
            "amount",
        ),
    ] {
        let (status, answer) = send(path, good("k-invalid"), body.clone()).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["error"]["type"], "invalid_request_error", "{body}");
        assert_eq!(answer["error"]["code"], code, "{body}: {answer}");
        assert_eq!(answer["error"]["param"], param, "{body}: {answer}");
    }
    let (status, answer) = send("/v1/refunds", good("k-refund"), "amount=100".to_owned()).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (400, Some("parameter_missing"))
    );
    assert_eq!(
        send("/v1/charges", good("k-charge"), String::new()).await.0,
        404
    );

    // Idempotency: the same key and body answer the same object; another body is refused.
    let (status, first) = send("/v1/checkout/sessions", good("k-same"), session.to_owned()).await;
    assert_eq!(status, 200, "{first}");
    assert!(first["id"].as_str().unwrap().starts_with("cs_test_"));
    let (_, again) = send("/v1/checkout/sessions", good("k-same"), session.to_owned()).await;
    assert_eq!(again, first);
    assert!(fake.requests().last().unwrap().replayed);
    let (status, reused) = send(
        "/v1/checkout/sessions",
        good("k-same"),
        session.replace("3350", "3351"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(reused["error"]["type"], "idempotency_error");
    let (status, elsewhere) = send(
        "/v1/refunds",
        good("k-same"),
        "payment_intent=pi_1".to_owned(),
    )
    .await;
    assert_eq!(
        (status, elsewhere["error"]["type"].as_str()),
        (400, Some("idempotency_error"))
    );
    assert_eq!(fake.sessions().len(), 1);
}

// ---------------------------------------------------------------------------------------------
// open()
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn opening_a_payment_page_sends_the_checkout_session_form_stripe_documents() {
    let fake = FakeStripe::start().await;
    let page = stripe(&fake)
        .open(&payment("order-1-attempt-1"))
        .await
        .expect("a payment page");

    let [request] = &fake.requests()[..] else {
        panic!("one request: {:?}", fake.requests());
    };
    assert_eq!(
        (
            request.method.as_str(),
            request.path.as_str(),
            request.status
        ),
        ("POST", "/v1/checkout/sessions", 200)
    );
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {SECRET_KEY}").as_str())
    );
    assert_eq!(request.header("stripe-version"), Some(STRIPE_VERSION));
    assert!(KNOWN_VERSIONS.contains(&STRIPE_VERSION));
    assert_eq!(request.header("idempotency-key"), Some("order-1-attempt-1"));
    assert!(
        request
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded")),
        "{:?}",
        request.header("content-type")
    );
    // Exactly this form: one line for the order's total in pence, the order in the session's
    // and the payment intent's metadata, the way back to the portal.
    assert_eq!(
        request.form(),
        pairs(&[
            ("mode", "payment"),
            (
                "success_url",
                &format!("https://portal.example/orders/{ORDER_ID}?paid=1&from=stripe")
            ),
            (
                "cancel_url",
                &format!("https://portal.example/orders/{ORDER_ID}")
            ),
            ("client_reference_id", ORDER_ID),
            ("customer_email", "ada+shop@learners.test"),
            ("metadata[order_id]", ORDER_ID),
            ("metadata[order_number]", "ORD-000123"),
            ("payment_intent_data[metadata][order_id]", ORDER_ID),
            ("line_items[0][quantity]", "1"),
            ("line_items[0][price_data][currency]", "gbp"),
            ("line_items[0][price_data][unit_amount]", "6350"),
            (
                "line_items[0][price_data][product_data][name]",
                "Order ORD-000123"
            ),
        ])
    );
    assert_eq!(request.params.len(), 12, "no parameter twice");

    // The page is the session Stripe answered.
    let [session] = &fake.sessions()[..] else {
        panic!("one session");
    };
    assert_eq!(
        page,
        PaymentPage {
            session_id: session["id"].as_str().unwrap().to_owned(),
            url: session["url"].as_str().unwrap().to_owned(),
        }
    );
    assert!(page.session_id.starts_with("cs_test_"));
    assert!(page.url.starts_with(&fake.url()));
    assert_eq!(session["amount_total"], 6350);
    assert_eq!(session["metadata"]["order_id"], ORDER_ID);
}

#[tokio::test]
async fn the_same_idempotency_key_opens_one_session_and_another_key_another() {
    let fake = FakeStripe::start().await;
    let stripe = stripe(&fake);
    let first = stripe.open(&payment("order-1-attempt-1")).await.unwrap();
    let again = stripe.open(&payment("order-1-attempt-1")).await.unwrap();
    assert_eq!(again, first, "a retried checkout gets the same page");
    assert_eq!(fake.sessions().len(), 1, "and Stripe made one session");
    assert!(fake.requests()[1].replayed);

    let second = stripe.open(&payment("order-1-attempt-2")).await.unwrap();
    assert_ne!(second.session_id, first.session_id);
    assert_eq!(fake.sessions().len(), 2);

    // The same key for a different payment is Stripe's idempotency_error: refused.
    let mut dearer = payment("order-1-attempt-1");
    dearer.amount = 9999;
    let why = refused(stripe.open(&dearer).await);
    assert!(why.contains("idempotency_error"), "{why}");
    assert!(why.contains("same parameters"), "{why}");
    assert_eq!(fake.sessions().len(), 2);
}

#[tokio::test]
async fn overlapping_requests_with_one_key_make_one_object_and_the_loser_may_retry() {
    let fake = FakeStripe::start().await;
    fake.add_payment_intent("pi_overlap", 3350);
    fake.take(Duration::from_millis(400));
    let stripe = stripe(&fake);
    let asked = refund("pi_overlap", 3350, "refund-evt_overlap");
    let (a, b) = tokio::join!(stripe.refund(&asked), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        stripe.refund(&asked).await
    });
    let first = a.expect("the first request refunds");
    // Stripe answers 409 to the second while the first runs: worth retrying, not a refusal.
    let why = unavailable(b);
    assert!(why.contains("in-progress"), "{why}");
    fake.take(Duration::ZERO);
    let retried = stripe
        .refund(&asked)
        .await
        .expect("a retry gets the refund");
    assert_eq!(retried, first);
    assert_eq!(fake.refunds().len(), 1);
}

// ---------------------------------------------------------------------------------------------
// refund()
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_refund_sends_the_payment_intent_amount_reason_and_its_key() {
    let fake = FakeStripe::start().await;
    fake.add_payment_intent("pi_duplicate", 6350);
    fake.add_payment_intent("pi_asked", 3350);
    let stripe = stripe(&fake);

    let made = stripe
        .refund(&refund("pi_duplicate", 6350, "refund-evt_1"))
        .await
        .expect("a refund");
    let [request] = &fake.requests()[..] else {
        panic!("one request");
    };
    assert_eq!(request.path, "/v1/refunds");
    assert_eq!(request.header("idempotency-key"), Some("refund-evt_1"));
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {SECRET_KEY}").as_str())
    );
    assert_eq!(request.header("stripe-version"), Some(STRIPE_VERSION));
    assert_eq!(
        request.form(),
        pairs(&[
            ("payment_intent", "pi_duplicate"),
            ("amount", "6350"),
            ("reason", "duplicate"),
        ])
    );
    let [stored] = &fake.refunds()[..] else {
        panic!("one refund");
    };
    assert_eq!(made.refund_id, stored["id"].as_str().unwrap());
    assert!(made.refund_id.starts_with("re_"));

    // Asked again with its key: the same refund, not a second.
    let again = stripe
        .refund(&refund("pi_duplicate", 6350, "refund-evt_1"))
        .await
        .unwrap();
    assert_eq!(again, made);
    assert_eq!(fake.refunds().len(), 1);

    // The other reason the port knows is one of Stripe's enum.
    let mut asked = refund("pi_asked", 1000, "refund-request-7");
    asked.reason = RefundReason::RequestedByCustomer;
    stripe.refund(&asked).await.expect("a partial refund");
    assert_eq!(
        fake.requests().last().unwrap().form()["reason"],
        "requested_by_customer"
    );
}

#[tokio::test]
async fn an_idempotency_key_longer_than_stripe_takes_is_shortened_the_same_way_each_time() {
    let fake = FakeStripe::start().await;
    fake.add_payment_intent("pi_long", 3350);
    fake.add_payment_intent("pi_long_2", 3350);
    let stripe = stripe(&fake);
    // The webhook takes event ids of up to 255 characters; its refund key is `refund-{id}`.
    let long = format!("refund-evt_{}", "x".repeat(255));
    let first = stripe
        .refund(&refund("pi_long", 3350, &long))
        .await
        .unwrap();
    let again = stripe
        .refund(&refund("pi_long", 3350, &long))
        .await
        .unwrap();
    assert_eq!(again, first);
    assert_eq!(fake.refunds().len(), 1);
    let sent: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| r.header("idempotency-key").unwrap().to_owned())
        .collect();
    assert!(
        sent.iter().all(|k| k.len() <= 255 && *k == sent[0]),
        "{sent:?}"
    );
    // Another long key with the same beginning is another key.
    let other = format!("{long}y");
    stripe
        .refund(&refund("pi_long_2", 3350, &other))
        .await
        .unwrap();
    let last = fake
        .requests()
        .last()
        .unwrap()
        .header("idempotency-key")
        .unwrap()
        .to_owned();
    assert_ne!(last, sent[0]);
    assert_eq!(fake.refunds().len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Failures
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn stripe_refusals_are_refused_with_stripes_message() {
    let fake = FakeStripe::start().await;
    fake.add_payment_intent("pi_small", 1000);

    // A wrong key: 401, refused with Stripe's message (which masks the key).
    let wrong = StripeKeys {
        secret_key: "sk_test_thisIsNotTheKeyStripeKnows0000wxyz".to_owned(),
        webhook_secret: WEBHOOK_SECRET.to_owned(),
    };
    let stripe_with_wrong_key = StripePayments::new(fake.url(), Arc::new(FixedKeys(wrong.clone())));
    let why = refused(stripe_with_wrong_key.open(&payment("k-wrong-key")).await);
    assert!(why.contains("invalid_request_error"), "{why}");
    assert!(why.contains("Invalid API Key provided"), "{why}");
    assert!(!why.contains(&wrong.secret_key), "{why}");

    let stripe = stripe(&fake);
    // A payment intent Stripe does not know: 404.
    let why = refused(
        stripe
            .refund(&refund("pi_unknown", 1000, "k-unknown"))
            .await,
    );
    assert!(
        why.contains("No such payment_intent: 'pi_unknown'"),
        "{why}"
    );
    // More than was paid: 400.
    let why = refused(stripe.refund(&refund("pi_small", 5000, "k-too-much")).await);
    assert!(why.contains("greater than unrefunded amount"), "{why}");
    // A currency Stripe does not take: 400, and nothing made.
    let mut pounds = payment("k-pounds");
    pounds.currency = "pounds".to_owned();
    let why = refused(stripe.open(&pounds).await);
    assert!(why.contains("Invalid currency: pounds"), "{why}");
    // A card error (402) is a refusal too.
    fake.answer_next(
        402,
        "application/json",
        r#"{"error":{"type":"card_error","code":"card_declined","message":"Your card was declined."}}"#,
    );
    let why = refused(stripe.open(&payment("k-declined")).await);
    assert_eq!(why, "card_error: Your card was declined.");
    assert!(fake.sessions().is_empty() && fake.refunds().is_empty());
}

#[tokio::test]
async fn server_errors_and_rate_limits_are_unavailable_and_a_retry_with_the_key_succeeds() {
    let fake = FakeStripe::start().await;
    let stripe = stripe(&fake);
    for (status, content_type, body) in [
        (
            500,
            "application/json",
            r#"{"error":{"type":"api_error","message":"An unknown error occurred"}}"#,
        ),
        (
            502,
            "text/html",
            "<html><body>502 Bad Gateway</body></html>",
        ),
        (503, "application/json", ""),
        (
            429,
            "application/json",
            r#"{"error":{"type":"invalid_request_error","code":"rate_limit","message":"Too many requests made to the API too quickly"}}"#,
        ),
    ] {
        fake.answer_next(status, content_type, body);
        let why = unavailable(stripe.open(&payment("k-retried")).await);
        assert!(!why.is_empty(), "{status}");
    }
    assert!(fake.sessions().is_empty());
    let page = stripe.open(&payment("k-retried")).await.expect("the retry");
    assert_eq!(fake.sessions().len(), 1);
    assert_eq!(page.session_id, fake.sessions()[0]["id"].as_str().unwrap());
}

#[tokio::test]
async fn an_unreachable_stripe_is_unavailable() {
    let closed = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    };
    let stripe = StripePayments::new(format!("http://{closed}"), Arc::new(FixedKeys(keys())));
    unavailable(stripe.open(&payment("k-nowhere")).await);
    unavailable(
        stripe
            .refund(&refund("pi_1", 100, "k-nowhere-refund"))
            .await,
    );
}

#[tokio::test]
async fn answers_that_are_not_a_page_are_not_taken_for_one() {
    let fake = FakeStripe::start().await;
    let stripe = stripe(&fake);
    // A session without a URL (an embedded-mode session) gives the buyer nowhere to go.
    fake.answer_next(
        200,
        "application/json",
        r#"{"id":"cs_test_embedded","object":"checkout.session","url":null}"#,
    );
    refused(stripe.open(&payment("k-embedded")).await);
    // A success that is not JSON.
    fake.answer_next(200, "text/html", "<html>maintenance</html>");
    unavailable(stripe.open(&payment("k-html")).await);
}

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

/// Counts the key fetches; fails the first `failures`.
struct CountingKeys<S> {
    inner: S,
    calls: AtomicUsize,
    failures: AtomicUsize,
}

impl<S> CountingKeys<S> {
    fn new(inner: S, failures: usize) -> Self {
        Self {
            inner,
            calls: AtomicUsize::new(0),
            failures: AtomicUsize::new(failures),
        }
    }
}

#[async_trait]
impl<S: KeySource> KeySource for CountingKeys<S> {
    async fn keys(&self) -> Result<StripeKeys, PaymentError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(PaymentError::Unavailable(
                "the secret store is down (test)".into(),
            ));
        }
        self.inner.keys().await
    }
}

#[tokio::test]
async fn keys_are_fetched_once_and_never_printed() {
    let fake = FakeStripe::start().await;
    fake.add_payment_intent("pi_keys", 3350);
    let source = Arc::new(CountingKeys::new(FixedKeys(keys()), 1));
    let stripe = StripePayments::new(fake.url(), source.clone());

    // A failed fetch is not kept: the next call fetches again.
    unavailable(stripe.open(&payment("k-before")).await);
    assert_eq!(source.calls.load(Ordering::SeqCst), 1);
    assert!(fake.requests().is_empty(), "nothing sent without keys");

    // Then once, however many calls at once.
    let (one, two, three) = (
        payment("k-1"),
        payment("k-2"),
        refund("pi_keys", 3350, "k-3"),
    );
    let (a, b, c, d) = tokio::join!(
        stripe.open(&one),
        stripe.open(&two),
        stripe.refund(&three),
        stripe.webhook_secret(),
    );
    a.unwrap();
    b.unwrap();
    c.unwrap();
    assert_eq!(d.unwrap(), WEBHOOK_SECRET);
    stripe.open(&payment("k-4")).await.unwrap();
    assert_eq!(stripe.webhook_secret().await.unwrap(), WEBHOOK_SECRET);
    assert_eq!(source.calls.load(Ordering::SeqCst), 2);

    // Never in Debug output, nor in an error's.
    let wrong = StripePayments::new(
        fake.url(),
        Arc::new(FixedKeys(StripeKeys {
            secret_key: format!("{SECRET_KEY}0"),
            webhook_secret: WEBHOOK_SECRET.to_owned(),
        })),
    );
    let error = wrong.open(&payment("k-wrong")).await.unwrap_err();
    let unreachable = StripePayments::new("http://127.0.0.1:9", Arc::new(FixedKeys(keys())))
        .open(&payment("k-unreachable"))
        .await
        .unwrap_err();
    for printed in [
        format!("{:?}", keys()),
        format!("{:#?}", keys()),
        format!("{:?}", FixedKeys(keys())),
        format!("{stripe:?}"),
        format!("{stripe:#?}"),
        format!("{error:?} {error}"),
        format!("{unreachable:?} {unreachable}"),
    ] {
        assert!(!printed.contains(SECRET_KEY), "{printed}");
        assert!(!printed.contains(&SECRET_KEY[8..24]), "{printed}");
        assert!(!printed.contains(WEBHOOK_SECRET), "{printed}");
        assert!(!printed.contains(&WEBHOOK_SECRET[6..20]), "{printed}");
    }
}

#[tokio::test]
async fn keys_that_are_not_stripe_keys_are_refused_before_any_request() {
    let fake = FakeStripe::start().await;
    for (secret_key, webhook_secret) in [
        ("", WEBHOOK_SECRET),
        (SECRET_KEY, ""),
        (SECRET_KEY, "whsec_"),
        ("pk_test_publishableNotSecret", WEBHOOK_SECRET),
        (SECRET_KEY, "not-a-webhook-secret"),
        ("sk_test_with a space", WEBHOOK_SECRET),
    ] {
        let stripe = StripePayments::new(
            fake.url(),
            Arc::new(FixedKeys(StripeKeys {
                secret_key: secret_key.to_owned(),
                webhook_secret: webhook_secret.to_owned(),
            })),
        );
        let why = refused(stripe.webhook_secret().await);
        assert!(!why.contains(secret_key) || secret_key.is_empty(), "{why}");
        refused(stripe.open(&payment("k-bad-keys")).await);
    }
    assert!(fake.requests().is_empty());
}

/// A Secrets Manager secret in the emulator holding `value`.
async fn secret(client: &aws_sdk_secretsmanager::Client, value: SecretValue<'_>) -> String {
    let name = moto::unique_name("portal-payments");
    let create = client.create_secret().name(&name);
    let create = match value {
        SecretValue::Text(text) => create.secret_string(text),
        SecretValue::Binary(bytes) => create.secret_binary(Blob::new(bytes.to_vec())),
    };
    if let Err(err) = create.send().await {
        panic!(
            "creating the secret {name} in the emulator at {}: {}",
            moto::endpoint(),
            moto::error_chain(&err)
        );
    }
    name
}

enum SecretValue<'a> {
    Text(&'a str),
    Binary(&'a [u8]),
}

#[tokio::test]
async fn secrets_manager_keys_read_the_json_secret_from_the_emulator() {
    let client = aws_sdk_secretsmanager::Client::new(&moto::sdk_config().await);
    let body = json!({"secret_key": SECRET_KEY, "webhook_secret": WEBHOOK_SECRET}).to_string();
    let secret_id = secret(&client, SecretValue::Text(&body)).await;
    let source = SecretsManagerKeys {
        client: client.clone(),
        secret_id: secret_id.clone(),
    };
    let read = source.keys().await.expect("the keys");
    assert_eq!(
        (read.secret_key.as_str(), read.webhook_secret.as_str()),
        (SECRET_KEY, WEBHOOK_SECRET)
    );
    assert!(!format!("{source:?}").contains(SECRET_KEY));

    // Through the adapter: read once, on first use, and used as Stripe's key.
    let fake = FakeStripe::start().await;
    let counted = Arc::new(CountingKeys::new(source, 0));
    let stripe = StripePayments::new(fake.url(), counted.clone());
    assert_eq!(
        counted.calls.load(Ordering::SeqCst),
        0,
        "not read until used"
    );
    stripe.open(&payment("k-sm-1")).await.expect("a page");
    stripe.open(&payment("k-sm-2")).await.expect("a page");
    assert_eq!(stripe.webhook_secret().await.unwrap(), WEBHOOK_SECRET);
    assert_eq!(counted.calls.load(Ordering::SeqCst), 1);
    assert_eq!(
        fake.requests()[0].header("authorization"),
        Some(format!("Bearer {SECRET_KEY}").as_str())
    );
}

#[tokio::test]
async fn secrets_manager_keys_refuse_a_secret_that_is_not_the_expected_json() {
    let client = aws_sdk_secretsmanager::Client::new(&moto::sdk_config().await);
    let not_json = format!("secret_key={SECRET_KEY}");
    let missing_webhook = json!({"secret_key": SECRET_KEY}).to_string();
    let wrong_types = json!({"secret_key": 42, "webhook_secret": WEBHOOK_SECRET}).to_string();
    let renamed = json!({"secretKey": SECRET_KEY, "webhookSecret": WEBHOOK_SECRET}).to_string();
    let empty = json!({"secret_key": "", "webhook_secret": ""}).to_string();
    let publishable =
        json!({"secret_key": "pk_test_publishable", "webhook_secret": WEBHOOK_SECRET}).to_string();
    let array = json!([SECRET_KEY, WEBHOOK_SECRET]).to_string();
    for value in [
        SecretValue::Text(&not_json),
        SecretValue::Text(&missing_webhook),
        SecretValue::Text(&wrong_types),
        SecretValue::Text(&renamed),
        SecretValue::Text(&empty),
        SecretValue::Text(&publishable),
        SecretValue::Text(&array),
        SecretValue::Binary(missing_webhook.as_bytes()),
    ] {
        let secret_id = secret(&client, value).await;
        let source = SecretsManagerKeys {
            client: client.clone(),
            secret_id: secret_id.clone(),
        };
        let why = refused(source.keys().await);
        assert!(!why.contains(SECRET_KEY), "{why}");
        assert!(!why.contains(WEBHOOK_SECRET), "{why}");
    }
    // A secret that is not there: an error, whatever else.
    let source = SecretsManagerKeys {
        client,
        secret_id: moto::unique_name("portal-payments-missing"),
    };
    assert!(source.keys().await.is_err());
}

// ---------------------------------------------------------------------------------------------
// A journey through the local portal, paid through the fake
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_learner_pays_through_stripe_and_a_second_payment_is_refunded_once() {
    let fake = FakeStripe::start().await;
    let payments: Arc<dyn Payments> = Arc::new(stripe(&fake));
    let portal = jobs::portal_with(|o| o.payments = Some(payments)).await;
    let ada = portal.active_learner(ADA, "ENR-1001").await;
    let references = portal
        .issue(jobs::job(
            "J-STRIPE-1",
            vec![jobs::achievement(
                "ENR-1001",
                "603/4182/8",
                &["certificate", "unit_certificate", "badge"],
            )],
        ))
        .await;
    let home = address(&portal, &ada, "GB").await;
    expect(
        add(
            &portal,
            &ada,
            json!({"product_id": "replacement-certificate", "reference": references[0]}),
        )
        .await,
        reqwest::StatusCode::CREATED,
        "adding to the basket",
    );

    // Checkout opens a Checkout Session; the order's payment page is the session's URL.
    let placed = expect(
        checkout(
            &portal,
            &ada,
            json!({"billing_address_id": home, "delivery_address_id": home, "delivery_option": "uk-first-class", "payment_method": "card"}),
            "stripe-order-1",
        )
        .await,
        reqwest::StatusCode::CREATED,
        "checkout",
    );
    let id = placed.body["id"].as_str().unwrap().to_owned();
    let total = placed.body["total"].as_i64().unwrap();
    let [session] = &fake.sessions()[..] else {
        panic!("one session: {:?}", fake.sessions());
    };
    assert_eq!(placed.body["payment_url"], session["url"]);
    assert!(
        placed.body["payment_url"]
            .as_str()
            .unwrap()
            .starts_with(&fake.url())
    );
    let [opened] = &fake.requests_to("/v1/checkout/sessions")[..] else {
        panic!("one request to open it");
    };
    let form = opened.form();
    assert_eq!(form["metadata[order_id]"], id);
    assert_eq!(form["payment_intent_data[metadata][order_id]"], id);
    assert_eq!(
        form["line_items[0][price_data][unit_amount]"],
        total.to_string()
    );
    assert_eq!(form["line_items[0][price_data][currency]"], "gbp");
    assert_eq!(form["customer_email"], ADA);
    assert_eq!(
        form["success_url"],
        portal.url(&format!("/orders/{id}?paid=1"))
    );
    assert_eq!(form["cancel_url"], portal.url(&format!("/orders/{id}")));
    assert!(
        opened
            .header("idempotency-key")
            .is_some_and(|k| k.starts_with(&id)),
        "{:?}",
        opened.header("idempotency-key")
    );

    // Stripe's webhook for that session, signed with the endpoint's secret: paid.
    let now = portal_tests::portal::now(&portal).unix_timestamp();
    let mut paid = paid_event("evt_stripe_paid", &id, total, "pi_first");
    paid["data"]["object"]["id"] = session["id"].clone();
    let forged = deliver_event(&portal, &paid, "whsec_someone_else", now).await;
    assert_eq!(forged.status, reqwest::StatusCode::BAD_REQUEST);
    let answer = deliver_event(&portal, &paid, WEBHOOK_SECRET, now).await;
    assert_eq!(answer.status, reqwest::StatusCode::OK, "{:?}", answer.body);
    assert_eq!(answer.body["outcome"], "paid");
    let after = order(&portal, &ada, &id).await;
    assert_eq!(after["status"], "paid");
    assert_eq!(after["payment"]["payment_id"], "pi_first");
    assert!(fake.requests_to("/v1/refunds").is_empty());

    // A second payment for the paid order (another tab's session) is refunded through Stripe.
    // While Stripe is down the webhook fails, so Stripe delivers it again; then it refunds.
    fake.add_payment_intent("pi_second", total);
    let mut second = paid_event("evt_stripe_second", &id, total, "pi_second");
    second["data"]["object"]["id"] = json!("cs_test_other_tab");
    fake.answer_next(503, "application/json", "");
    let failed = deliver_event(&portal, &second, WEBHOOK_SECRET, now).await;
    assert!(failed.status.is_server_error(), "{failed:?}");
    assert!(fake.refunds().is_empty());
    let refunded = deliver_event(&portal, &second, WEBHOOK_SECRET, now).await;
    assert_eq!(
        refunded.status,
        reqwest::StatusCode::OK,
        "{:?}",
        refunded.body
    );
    assert_eq!(refunded.body["outcome"], "refunded_duplicate");
    let [made] = &fake.refunds()[..] else {
        panic!("one refund: {:?}", fake.refunds());
    };
    assert_eq!(
        (made["payment_intent"].as_str(), made["amount"].as_i64()),
        (Some("pi_second"), Some(total))
    );
    let requests = fake.requests_to("/v1/refunds");
    assert_eq!(requests.len(), 2, "the failed try and the refund");
    for request in &requests {
        assert_eq!(
            request.header("idempotency-key"),
            Some("refund-evt_stripe_second")
        );
        assert_eq!(
            request.form(),
            pairs(&[
                ("payment_intent", "pi_second"),
                ("amount", &total.to_string()),
                ("reason", "duplicate"),
            ])
        );
    }

    // The same event again: handled once, and Stripe refunds once.
    let replay = deliver_event(&portal, &second, WEBHOOK_SECRET, now).await;
    assert_eq!(replay.status, reqwest::StatusCode::OK, "{:?}", replay.body);
    assert_eq!(replay.body["outcome"], "duplicate_event");
    assert_eq!(fake.refunds().len(), 1, "no second refund");
    let after_replay = fake.requests_to("/v1/refunds");
    assert!(
        after_replay[requests.len()..]
            .iter()
            .all(|r| r.replayed && r.header("idempotency-key") == Some("refund-evt_stripe_second")),
        "any request the replay sent was Stripe's replay of the first refund: {after_replay:?}"
    );
    let last = order(&portal, &ada, &id).await;
    assert_eq!(last["status"], "paid");
    assert_eq!(last["payment"]["payment_id"], "pi_first");
    let notes: Vec<&str> = last["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["note"].as_str())
        .collect();
    assert_eq!(
        notes
            .iter()
            .filter(|n| n.contains("second payment") && n.contains("refunded"))
            .count(),
        1,
        "{notes:?}"
    );
}
