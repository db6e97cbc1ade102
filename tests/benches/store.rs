//! The store (ORD-1..5): round trips against the table for each store request, counted through
//! the functions' own dispatch over a counting table, and the latency of placing an order and of
//! the payment webhook over HTTP against the local portal.
//!
//! `cargo bench -p portal-tests --bench store` — prints, asserts nothing about speed, but panics
//! if any request gets another status than the one it should.
//!
//! Round trips: every call of the table port is one (`get`, `get_many`, `query`, `transact`,
//! `increment`; a conditional put or delete is a transaction of one). The session lookup of a
//! signed-in request (`sessions::resolve`: the session item, then the account) is counted apart
//! so the store's own figure is clear. The payment provider keeps its sessions on a table of its
//! own (Stripe's side), which is not counted. Each request's calls are listed after the table.
//!
//! `STORE_BENCH_SAMPLES` (default 300) and `STORE_BENCH_WARMUP` (default 30) change the HTTP
//! part's rounds.

use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use http::Method;
use portal_adapters::embedded::{EmbeddedTable, LocalPayments, OutboxMailer, Outcome};
use portal_domain::Ctx;
use portal_domain::ports::{
    Clock, Condition, FixedClock, Item, Key, Page, Query, Table, TableError, Write,
};
use portal_http::ApiRequest;
use portal_tests::connections::ada_with_documents;
use portal_tests::portal::{PASSWORD, RECORDS_KEY, learner};
use portal_tests::store::{add, address, checkout, deliver_event, paid_event, webhook_secret};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Orders the buyer has when their list is read.
const SEEDED_ORDERS: usize = 10_000;
/// Of the seeded orders, one in this many is paid (the rest cancelled), for the filtered list.
const PAID_ONE_IN: usize = 50;
const ENROLMENT: &str = "ENR-1001";
const EMAIL: &str = "ada@learners.test";

fn env_or<T: FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(raw) => raw
            .parse()
            .unwrap_or_else(|_| panic!("{name}={raw:?} is not a number")),
        Err(_) => default,
    }
}

/// One call of the table port.
struct Call {
    what: String,
    transaction: bool,
    /// Made by the session lookup (`sessions::resolve`), not by the store.
    session: bool,
    /// The round it was made in: calls made while another is still in flight share its round
    /// (the store issues some at once), so a request's rounds are its sequential waits.
    round: usize,
}

/// The embedded table, counting (and describing) every call.
struct Counting {
    inner: EmbeddedTable,
    calls: Mutex<Vec<Call>>,
    in_flight: AtomicUsize,
    rounds: AtomicUsize,
}

/// A key with its ids left out: `DOC#…/DOC`, `USER#…/BASKET#…`.
fn label(key: &Key) -> String {
    let short = |part: &str| match part.split_once('#') {
        Some((head, _)) => format!("{head}#…"),
        None => part.to_owned(),
    };
    format!("{}/{}", short(&key.pk), short(&key.sk))
}

fn write_label(write: &Write) -> String {
    let key = write.key().map_or_else(|| "?".to_owned(), |k| label(&k));
    let op = match write {
        Write::Put {
            condition: Condition::Always,
            ..
        } => "put",
        Write::Put {
            condition: Condition::NotExists,
            ..
        } => "put-new",
        Write::Put { .. } => "put-if",
        Write::Delete { .. } => "delete",
        Write::Check { .. } => "check",
    };
    format!("{op} {key}")
}

fn failed<T>(result: &Result<T, TableError>) -> &'static str {
    match result {
        Ok(_) => "",
        Err(TableError::ConditionFailed { .. }) => " → condition failed",
        Err(_) => " → error",
    }
}

impl Counting {
    /// A call starts: a new round unless another call is still in flight.
    fn begin(&self) -> usize {
        if self.in_flight.fetch_add(1, Ordering::SeqCst) == 0 {
            self.rounds.fetch_add(1, Ordering::SeqCst) + 1
        } else {
            self.rounds.load(Ordering::SeqCst)
        }
    }

    fn note(&self, round: usize, what: String, transaction: bool, session: bool) {
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.calls.lock().unwrap().push(Call {
            what,
            transaction,
            session,
            round,
        });
    }

    fn take(&self) -> Vec<Call> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }

    /// Whether the last call was the session lookup's read of the session item.
    fn after_session_read(&self) -> bool {
        self.calls
            .lock()
            .unwrap()
            .last()
            .is_some_and(|c| c.session && c.what.starts_with("get SESSION#"))
    }
}

#[async_trait]
impl Table for Counting {
    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError> {
        // `sessions::resolve` reads the session item and then the account it belongs to.
        let session =
            key.pk.starts_with("SESSION#") || (key.sk == "PROFILE" && self.after_session_read());
        let round = self.begin();
        let found = self.inner.get(key).await;
        let outcome = match &found {
            Ok(Some(_)) => "",
            Ok(None) => " → none",
            Err(_) => " → error",
        };
        self.note(
            round,
            format!("get {}{outcome}", label(key)),
            false,
            session,
        );
        found
    }

    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, TableError> {
        let round = self.begin();
        let found = self.inner.get_many(keys).await;
        let labels: Vec<String> = keys.iter().map(label).collect();
        self.note(
            round,
            format!("get_many [{}]", labels.join(", ")),
            false,
            false,
        );
        found
    }

    async fn transact(&self, writes: Vec<Write>) -> Result<(), TableError> {
        let session = writes
            .iter()
            .all(|w| w.key().is_some_and(|k| k.pk.starts_with("SESSION#")));
        let labels: Vec<String> = writes.iter().map(write_label).collect();
        let round = self.begin();
        let done = self.inner.transact(writes).await;
        self.note(
            round,
            format!("transact [{}]{}", labels.join(", "), failed(&done)),
            true,
            session,
        );
        done
    }

    async fn query(&self, query: &Query) -> Result<Page, TableError> {
        let round = self.begin();
        let page = self.inner.query(query).await;
        let partition = match query.partition.split_once('#') {
            Some((head, _)) => format!("{head}#…"),
            None => query.partition.clone(),
        };
        let items = page.as_ref().map_or(0, |p| p.items.len());
        self.note(
            round,
            format!(
                "query {}{partition} {:?} limit {} → {items} items",
                query.index.map_or(String::new(), |i| format!("{i} ")),
                query.sort,
                query.limit,
            ),
            false,
            false,
        );
        page
    }

    async fn increment(
        &self,
        key: &Key,
        attr: &str,
        by: i64,
        ttl: Option<i64>,
    ) -> Result<i64, TableError> {
        let round = self.begin();
        let counted = self.inner.increment(key, attr, by, ttl).await;
        self.note(round, format!("increment {}", label(key)), false, false);
        counted
    }
}

/// The functions over the counting table, as `permissions.rs` builds them.
struct Bench {
    ctx: Ctx,
    table: Arc<Counting>,
    clock: Arc<FixedClock>,
    outbox: OutboxMailer,
    payments: LocalPayments,
    _dir: tempfile::TempDir,
}

/// One counted request: what it was, its calls, and the target the issue sets for it.
struct Row {
    name: String,
    calls: Vec<Call>,
    target: Option<Target>,
}

#[derive(Clone, Copy)]
enum Target {
    /// At most this many round trips beyond the session.
    RoundTrips(usize),
    /// Exactly this many transactions.
    Transactions(usize),
}

impl Row {
    fn round_trips(&self) -> usize {
        self.calls.len()
    }

    /// The store's sequential rounds (calls made at once count once), beyond the session.
    fn own_rounds(&self) -> usize {
        let mut rounds: Vec<usize> = self
            .calls
            .iter()
            .filter(|c| !c.session)
            .map(|c| c.round)
            .collect();
        rounds.dedup();
        rounds.len()
    }

    fn transactions(&self) -> usize {
        self.calls.iter().filter(|c| c.transaction).count()
    }

    fn session(&self) -> usize {
        self.calls.iter().filter(|c| c.session).count()
    }

    fn verdict(&self) -> String {
        match self.target {
            None => String::new(),
            Some(Target::RoundTrips(most)) => {
                let own = self.own_rounds();
                format!(
                    "≤ {most} beyond the session: {}",
                    if own <= most { "met" } else { "MISSED" }
                )
            }
            Some(Target::Transactions(n)) => format!(
                "{n} transaction: {}",
                if self.transactions() == n {
                    "met"
                } else {
                    "MISSED"
                }
            ),
        }
    }
}

impl Bench {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let table = Arc::new(Counting {
            inner: EmbeddedTable::open(&dir.path().join("table.redb")).expect("the table"),
            calls: Mutex::default(),
            in_flight: AtomicUsize::new(0),
            rounds: AtomicUsize::new(0),
        });
        let clock = Arc::new(FixedClock::new(
            time::OffsetDateTime::now_utc()
                .replace_nanosecond(0)
                .expect("zero nanoseconds"),
        ));
        let portal_tests::portal::EmbeddedCtx {
            ctx,
            outbox,
            payments,
        } = portal_tests::portal::embedded_ctx(dir.path(), table.clone(), clock.clone());
        Self {
            ctx,
            table,
            clock,
            outbox,
            payments,
            _dir: dir,
        }
    }

    /// Sends the request through the functions' dispatch; answers the body and the calls made.
    async fn send(&self, mut req: ApiRequest, expect: u16) -> (Value, Vec<Call>) {
        req.client = "203.0.113.7".to_owned();
        let what = format!("{} {}", req.method, req.path);
        self.table.take();
        let response = functions::app::dispatch(&self.ctx, req, None).await;
        let calls = self.table.take();
        assert_eq!(
            response.status.as_u16(),
            expect,
            "{what}: {}",
            String::from_utf8_lossy(&response.body)
        );
        (
            serde_json::from_slice(&response.body).unwrap_or(Value::Null),
            calls,
        )
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<Value>,
        expect: u16,
    ) -> (Value, Vec<Call>) {
        let mut req = ApiRequest::new(method, path);
        if let Some(token) = bearer {
            req.headers.insert(
                "authorization",
                format!("Bearer {token}").parse().expect("a header"),
            );
        }
        if let Some(body) = body {
            req.headers.insert(
                "content-type",
                "application/json".parse().expect("a header"),
            );
            req.body = body.to_string().into();
        }
        self.send(req, expect).await
    }

    async fn checkout(
        &self,
        bearer: &str,
        body: &Value,
        key: &str,
        expect: u16,
    ) -> (Value, Vec<Call>) {
        let mut req = ApiRequest::new(Method::POST, "/api/checkout");
        req.headers.insert(
            "authorization",
            format!("Bearer {bearer}").parse().expect("a header"),
        );
        req.headers.insert(
            "content-type",
            "application/json".parse().expect("a header"),
        );
        req.headers
            .insert("idempotency-key", key.parse().expect("a header"));
        req.body = body.to_string().into();
        self.send(req, expect).await
    }

    /// Pays the order's page on the local provider; answers the signed webhook's request.
    async fn paid_webhook(&self, placed: &Value) -> ApiRequest {
        let session = placed["payment_url"]
            .as_str()
            .expect("a payment page")
            .rsplit('/')
            .next()
            .expect("a session id")
            .to_owned();
        let delivery = self
            .payments
            .complete(&session, Outcome::Paid, self.clock.now())
            .await
            .expect("the provider takes the payment");
        webhook_request(&delivery.signature, delivery.body)
    }

    /// A learner with a record, registered, verified and signed in, with a certificate and a unit
    /// certificate issued, and an address; answers the session token, the references and the
    /// address.
    async fn learner_ready_to_buy(&self) -> (String, Vec<String>, String) {
        let key = Some(RECORDS_KEY);
        self.call(
            Method::POST,
            "/api/records/centres",
            key,
            Some(json!({ "centres": [{ "centre_number": portal_tests::jobs::CENTRE, "name": "Northgate College", "email": portal_tests::jobs::CENTRE_EMAIL }] })),
            200,
        )
        .await;
        self.call(
            Method::POST,
            "/api/records/learners",
            key,
            Some(json!({ "learners": [{ "enrolment_number": ENROLMENT, "first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1990-12-10" }] })),
            200,
        )
        .await;
        self.call(
            Method::POST,
            "/api/auth/register",
            None,
            Some(learner(EMAIL, ENROLMENT)),
            202,
        )
        .await;
        functions::scheduled::run("deliver-emails", &self.ctx)
            .await
            .expect("e-mails delivered");
        let needle = "/verify-email?token=";
        let mails = self.outbox.list().await.expect("the outbox");
        let text = &mails
            .iter()
            .rev()
            .find(|m| m.email.to == EMAIL && m.email.text.contains(needle))
            .expect("a verification link")
            .email
            .text;
        let start = text.find(needle).expect("the link") + needle.len();
        let token: String = text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        self.call(
            Method::POST,
            "/api/auth/verify-email",
            None,
            Some(json!({ "token": token })),
            200,
        )
        .await;
        let (signed_in, _) = self
            .call(
                Method::POST,
                "/api/auth/login",
                None,
                Some(json!({ "email": EMAIL, "password": PASSWORD, "session": "token" })),
                200,
            )
            .await;
        let bearer = signed_in["session_token"]
            .as_str()
            .expect("signed in")
            .to_owned();
        let (issued, _) = self
            .call(
                Method::POST,
                "/api/records/jobs",
                key,
                Some(portal_tests::jobs::job(
                    "J-STORE-1",
                    vec![portal_tests::jobs::achievement(
                        ENROLMENT,
                        "603/4182/8",
                        &["certificate", "unit_certificate", "badge"],
                    )],
                )),
                201,
            )
            .await;
        let references = portal_tests::jobs::references(&issued);
        let (home, _) = self
            .call(
                Method::POST,
                "/api/me/addresses",
                Some(&bearer),
                Some(json!({ "label": "Home", "recipient": "Ada Lovelace", "line1": "12 Analytical Row", "city": "Leeds", "postcode": "LS1 4AP", "country": "GB" })),
                201,
            )
            .await;
        let home = home["id"].as_str().expect("an address").to_owned();
        (bearer, references, home)
    }

    /// Writes `n` orders of the buyer straight into the table (uncounted), cloned from one real
    /// order's item: each with its own id, number and an earlier creation time, paid one in
    /// [`PAID_ONE_IN`] and cancelled otherwise; 100 to a transaction.
    async fn seed_orders(&self, order_id: &str, n: usize) {
        let read = |key: portal_domain::ports::Key| async move {
            self.table
                .inner
                .get(&key)
                .await
                .expect("a read")
                .expect("the order")
        };
        let template = read(portal_domain::keys::order(order_id)).await;
        // Its row in the administrators' queue, seeded beside it as the store writes them.
        let row_template = read(portal_domain::keys::order_row(order_id)).await;
        let created = self.clock.now();
        let mut writes = Vec::with_capacity(100);
        for i in 0..n {
            let id = format!("00000000-0000-4000-8000-{i:012}");
            let at = created - time::Duration::minutes(i as i64 + 1);
            let millis = at.unix_timestamp_nanos() / 1_000_000;
            let mut item = template.clone();
            let key = portal_domain::keys::order(&id);
            item.insert("pk".into(), key.pk.into());
            item.insert("id".into(), id.clone().into());
            item.insert("number".into(), format!("P{i:08}").into());
            item.insert("gsi1sk".into(), format!("{millis:015}#{id}").into());
            item.insert(
                "created_at".into(),
                at.format(&time::format_description::well_known::Rfc3339)
                    .expect("a date")
                    .into(),
            );
            let status = if i % PAID_ONE_IN == 0 {
                "paid"
            } else {
                "cancelled"
            };
            item.insert("status".into(), status.into());
            let mut row = row_template.clone();
            for field in ["id", "number", "gsi1sk", "created_at", "status"] {
                row.insert(field.into(), item[field].clone());
            }
            row.insert("pk".into(), item["pk"].clone());
            writes.push(Write::put(item));
            writes.push(Write::put(row));
            if writes.len() >= 100 {
                self.table
                    .inner
                    .transact(std::mem::take(&mut writes))
                    .await
                    .expect("seeded");
            }
        }
        if !writes.is_empty() {
            self.table.inner.transact(writes).await.expect("seeded");
        }
    }
}

fn webhook_request(signature: &str, body: Vec<u8>) -> ApiRequest {
    let mut req = ApiRequest::new(Method::POST, "/api/payments/webhook");
    req.headers
        .insert("stripe-signature", signature.parse().expect("a header"));
    req.headers.insert(
        "content-type",
        "application/json".parse().expect("a header"),
    );
    req.body = body.into();
    req
}

async fn count_round_trips() {
    let bench = Bench::new();
    let (ada, references, home) = bench.learner_ready_to_buy().await;
    let (certificate, unit_certificate) = (&references[0], &references[1]);
    let bearer = Some(ada.as_str());
    let posted = json!({ "billing_address_id": home, "delivery_address_id": home, "delivery_option": "uk-first-class", "payment_method": "card" });
    let mut rows = Vec::new();
    let mut row = |name: &str, calls: Vec<Call>, target: Option<Target>| {
        rows.push(Row {
            name: name.to_owned(),
            calls,
            target,
        });
    };

    let (offer, calls) = bench
        .call(Method::GET, "/api/store/products", bearer, None, 200)
        .await;
    assert!(
        offer["products"][0]["documents"]
            .as_array()
            .is_some_and(|d| !d.is_empty()),
        "{offer}"
    );
    row("GET /api/store/products", calls, None);
    let (_, calls) = bench
        .call(Method::GET, "/api/basket", bearer, None, 200)
        .await;
    row("GET /api/basket (empty)", calls, None);
    let buy = json!({ "product_id": "replacement-certificate", "reference": certificate });
    let (basket, calls) = bench
        .call(
            Method::POST,
            "/api/basket/items",
            bearer,
            Some(buy.clone()),
            201,
        )
        .await;
    row(
        "POST /api/basket/items (a new line)",
        calls,
        Some(Target::RoundTrips(2)),
    );
    let line = basket["lines"][0]["id"]
        .as_str()
        .expect("a line")
        .to_owned();
    let (basket, calls) = bench
        .call(Method::POST, "/api/basket/items", bearer, Some(buy), 201)
        .await;
    assert_eq!(basket["lines"][0]["quantity"], 2, "{basket}");
    row(
        "POST /api/basket/items (to an existing line)",
        calls,
        Some(Target::RoundTrips(2)),
    );
    let (_, calls) = bench
        .call(
            Method::PATCH,
            &format!("/api/basket/items/{line}"),
            bearer,
            Some(json!({ "quantity": 1 })),
            200,
        )
        .await;
    row("PATCH /api/basket/items/{id}", calls, None);
    let (_, calls) = bench
        .call(Method::GET, "/api/basket", bearer, None, 200)
        .await;
    row("GET /api/basket (1 line)", calls, None);
    let (_, calls) = bench
        .call(
            Method::POST,
            "/api/checkout/review",
            bearer,
            Some(posted.clone()),
            200,
        )
        .await;
    row("POST /api/checkout/review", calls, None);
    let (placed, calls) = bench.checkout(&ada, &posted, "order-1", 201).await;
    row("POST /api/checkout", calls, Some(Target::Transactions(1)));
    let order = placed["id"].as_str().expect("an order").to_owned();
    let (again, calls) = bench.checkout(&ada, &posted, "order-1", 201).await;
    assert_eq!(again["id"], order.as_str());
    row("POST /api/checkout (the same key again)", calls, None);
    let webhook = bench.paid_webhook(&placed).await;
    let replay = webhook.clone();
    let (handled, calls) = bench.send(webhook, 200).await;
    assert_eq!(handled["outcome"], "paid", "{handled}");
    row(
        "POST /api/payments/webhook (paid)",
        calls,
        Some(Target::Transactions(1)),
    );
    let (handled, calls) = bench.send(replay, 200).await;
    assert_eq!(handled["outcome"], "duplicate_event", "{handled}");
    row("POST /api/payments/webhook (the same again)", calls, None);

    // A learner's letter is issued when its order is paid: the webhook reads its achievement.
    let letter = json!({ "product_id": "confirmation-of-award", "reference": unit_certificate });
    bench
        .call(Method::POST, "/api/basket/items", bearer, Some(letter), 201)
        .await;
    let (letter_order, _) = bench
        .checkout(&ada, &json!({ "billing_address_id": home }), "order-2", 201)
        .await;
    let webhook = bench.paid_webhook(&letter_order).await;
    let (handled, calls) = bench.send(webhook, 200).await;
    assert_eq!(handled["outcome"], "paid", "{handled}");
    row(
        "POST /api/payments/webhook (paid, a letter)",
        calls,
        Some(Target::Transactions(1)),
    );

    let seeding = Instant::now();
    bench.seed_orders(&order, SEEDED_ORDERS).await;
    let seeding = seeding.elapsed();
    let (listed, calls) = bench
        .call(Method::GET, "/api/orders", bearer, None, 200)
        .await;
    assert_eq!(
        listed["items"].as_array().map(Vec::len),
        Some(20),
        "{listed}"
    );
    row(
        "GET /api/orders (page of 20 of 10,002)",
        calls,
        Some(Target::RoundTrips(2)),
    );
    let cursor = listed["next_cursor"].as_str().expect("a next page");
    let (_, calls) = bench
        .call(
            Method::GET,
            &format!("/api/orders?cursor={cursor}"),
            bearer,
            None,
            200,
        )
        .await;
    row(
        "GET /api/orders?cursor= (the next 20)",
        calls,
        Some(Target::RoundTrips(2)),
    );
    let (listed, calls) = bench
        .call(Method::GET, "/api/orders?status=paid", bearer, None, 200)
        .await;
    assert!(listed["items"].as_array().is_some_and(|i| !i.is_empty()));
    row(
        &format!("GET /api/orders?status=paid (1 in {PAID_ONE_IN})"),
        calls,
        None,
    );
    let (_, calls) = bench
        .call(
            Method::GET,
            &format!("/api/orders/{order}"),
            bearer,
            None,
            200,
        )
        .await;
    row("GET /api/orders/{id}", calls, None);

    // The administrators' queue over the same 10,002 orders (ORD-6): one index query a page.
    portal_domain::accounts::ensure_admin(
        &bench.ctx,
        portal_tests::portal::ADMIN_EMAIL,
        portal_tests::portal::ADMIN_PASSWORD,
    )
    .await
    .expect("the first administrator");
    let (admin, _) = bench
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({ "email": portal_tests::portal::ADMIN_EMAIL, "password": portal_tests::portal::ADMIN_PASSWORD, "session": "token" })),
            200,
        )
        .await;
    let admin = admin["session_token"]
        .as_str()
        .expect("signed in")
        .to_owned();
    // Administrators set up their second factor at their first sign-in (ACC-3b).
    let (setup, _) = bench
        .call(Method::POST, "/api/me/mfa/totp", Some(&admin), None, 200)
        .await;
    let code = portal_tests::portal::totp_at(
        setup["secret"].as_str().expect("a secret"),
        portal_tests::portal::step_of(bench.clock.now()),
    );
    bench
        .call(
            Method::POST,
            "/api/me/mfa/totp/confirm",
            Some(&admin),
            Some(json!({ "code": code })),
            200,
        )
        .await;
    let admin = Some(admin.as_str());
    let (queue, calls) = bench
        .call(Method::GET, "/api/admin/orders", admin, None, 200)
        .await;
    assert_eq!(queue["items"].as_array().map(Vec::len), Some(20), "{queue}");
    row(
        "GET /api/admin/orders (page of 20 of 10,002)",
        calls,
        Some(Target::RoundTrips(2)),
    );
    let cursor = queue["next_cursor"].as_str().expect("a next page");
    let (_, calls) = bench
        .call(
            Method::GET,
            &format!("/api/admin/orders?cursor={cursor}"),
            admin,
            None,
            200,
        )
        .await;
    row(
        "GET /api/admin/orders?cursor= (the next 20)",
        calls,
        Some(Target::RoundTrips(2)),
    );
    let (_, calls) = bench
        .call(
            Method::GET,
            "/api/admin/orders?status=paid",
            admin,
            None,
            200,
        )
        .await;
    row(
        &format!("GET /api/admin/orders?status=paid (1 in {PAID_ONE_IN})"),
        calls,
        None,
    );

    println!(
        "Round trips against the table per store request (embedded table behind a counting \
         adapter, through functions::app::dispatch; a learner with 3 documents and an address)"
    );
    println!(
        "Orders list: {SEEDED_ORDERS} orders seeded straight into the table in {:.2} s — the \
         first paid order's item cloned with a new id, number and an earlier created_at/gsi1sk, \
         1 in {PAID_ONE_IN} paid and the rest cancelled, 100 puts a transaction (not counted)",
        seeding.as_secs_f64()
    );
    println!();
    println!(
        "{:<46} {:>11} {:>21} {:>16} {:>20}   target",
        "request", "calls", "of which transactions", "of which session", "rounds (own, seq.)"
    );
    for row in &rows {
        println!(
            "{:<46} {:>11} {:>21} {:>16} {:>20}   {}",
            row.name,
            row.round_trips(),
            row.transactions(),
            row.session(),
            row.own_rounds(),
            row.verdict()
        );
    }
    println!(
        "calls: every call of the table port; rounds: the store's own sequential waits beyond the \
         session (calls it makes at once, with join, share one round)."
    );
    println!(
        "The session lookup of a signed-in request (sessions::resolve) is {} round trips: the \
         session item, then its account (its last-seen write, at most once a minute, never \
         falls in this run: the clock stands still).",
        rows[0].session()
    );
    println!();
    println!("The calls of each request, in order (S: the session lookup):");
    for row in &rows {
        println!("{}", row.name);
        for call in &row.calls {
            println!(
                "  {} r{} {}",
                if call.session { "S" } else { "-" },
                call.round,
                call.what
            );
        }
    }
}

/// Nearest-rank percentile of sorted samples, in milliseconds.
fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1000.0
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{name:<52} {:>5} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
        samples.len(),
        percentile(&samples, 50.0),
        percentile(&samples, 90.0),
        percentile(&samples, 99.0),
        percentile(&samples, 100.0),
    );
}

async fn http_latency() {
    let samples: usize = env_or("STORE_BENCH_SAMPLES", 300).max(1);
    let warmup: usize = env_or("STORE_BENCH_WARMUP", 30);
    let (portal, ada, references) = ada_with_documents().await;
    let home = address(&portal, &ada, "GB").await;
    let secret = webhook_secret(&portal);
    let posted = json!({ "billing_address_id": home, "delivery_address_id": home, "delivery_option": "uk-first-class", "payment_method": "card" });
    let buy = json!({ "product_id": "replacement-certificate", "reference": references[0] });

    let mut checkouts = Vec::with_capacity(samples);
    let mut webhooks = Vec::with_capacity(samples);
    let started = Instant::now();
    for i in 0..warmup + samples {
        // A fresh line each round: the paid webhook of the round before emptied the basket.
        let added = add(&portal, &ada, buy.clone()).await;
        assert_eq!(added.status, StatusCode::CREATED, "{:?}", added.body);
        assert_eq!(added.body["count"], 1, "{:?}", added.body);

        let start = Instant::now();
        let placed = checkout(&portal, &ada, posted.clone(), &format!("bench-{i}")).await;
        let took = start.elapsed();
        assert_eq!(placed.status, StatusCode::CREATED, "{:?}", placed.body);
        let order = placed.body["id"].as_str().expect("an order").to_owned();
        let total = placed.body["total"].as_i64().expect("a total");

        let event = paid_event(
            &format!("evt_bench_{i}"),
            &order,
            total,
            &format!("pi_bench_{i}"),
        );
        let at = portal_tests::portal::now(&portal).unix_timestamp();
        let start = Instant::now();
        let handled = deliver_event(&portal, &event, &secret, at).await;
        let delivered = start.elapsed();
        assert_eq!(handled.status, StatusCode::OK, "{:?}", handled.body);
        assert_eq!(handled.body["outcome"], "paid", "{:?}", handled.body);
        if i >= warmup {
            checkouts.push(took);
            webhooks.push(delivered);
        }
    }
    println!();
    println!(
        "Latency over HTTP against the local portal (in-process, loopback, timers off, every \
         commit fsynced), {warmup} warm-up rounds then {samples}; each round adds a fresh line \
         (untimed), places it (timed) and delivers its signed \"paid\" event (timed), one \
         request at a time; {:.1} s in all",
        started.elapsed().as_secs_f64()
    );
    println!(
        "{:<52} {:>5} {:>8} {:>8} {:>8} {:>8}",
        "request", "n", "p50 ms", "p90 ms", "p99 ms", "max ms"
    );
    report(
        "POST /api/checkout (1 line, a new Idempotency-Key)",
        checkouts,
    );
    report("POST /api/payments/webhook (paid, a fresh order)", webhooks);
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    count_round_trips().await;
    http_latency().await;
}
