//! Every DynamoDB action a function's code performs is granted by that function's own policy in
//! `template.yaml`. The functions run a whole account journey against a table that records
//! which port calls each made; each call maps to the IAM action that authorizes it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use http::Method;
use portal_adapters::embedded::{EmbeddedTable, LocalPayments, OutboxMailer, Outcome};
use portal_domain::Ctx;
use portal_domain::ports::{Clock, FixedClock, Item, Key, Page, Query, Table, TableError, Write};
use portal_http::ApiRequest;
use portal_tests::portal::{
    ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, RECORDS_KEY, learner, third_party,
};
use serde_json::{Value, json};

/// Records the IAM action of every call.
struct Recording {
    inner: EmbeddedTable,
    actions: Mutex<BTreeSet<&'static str>>,
}

impl Recording {
    fn note(&self, action: &'static str) {
        self.actions.lock().unwrap().insert(action);
    }

    fn take(&self) -> BTreeSet<&'static str> {
        std::mem::take(&mut *self.actions.lock().unwrap())
    }
}

#[async_trait]
impl Table for Recording {
    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError> {
        self.note("dynamodb:GetItem");
        self.inner.get(key).await
    }

    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, TableError> {
        self.note("dynamodb:BatchGetItem");
        self.inner.get_many(keys).await
    }

    async fn transact(&self, writes: Vec<Write>) -> Result<(), TableError> {
        for write in &writes {
            self.note(match write {
                Write::Put { .. } => "dynamodb:PutItem",
                Write::Delete { .. } => "dynamodb:DeleteItem",
                Write::Check { .. } => "dynamodb:ConditionCheckItem",
            });
        }
        self.inner.transact(writes).await
    }

    async fn query(&self, query: &Query) -> Result<Page, TableError> {
        self.note(if query.index.is_some() {
            "dynamodb:Query (index)"
        } else {
            "dynamodb:Query"
        });
        self.inner.query(query).await
    }

    async fn increment(
        &self,
        key: &Key,
        attr: &str,
        by: i64,
        ttl: Option<i64>,
    ) -> Result<i64, TableError> {
        self.note("dynamodb:UpdateItem");
        self.inner.increment(key, attr, by, ttl).await
    }
}

/// The DynamoDB actions each function's policy grants ("… (index)" for the index resource).
fn granted() -> BTreeMap<String, BTreeSet<String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
    let template: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut granted = BTreeMap::new();
    for function in functions::routes::FUNCTIONS {
        let pascal: String = function
            .name
            .split('-')
            .map(|w| w[..1].to_uppercase() + &w[1..])
            .collect();
        let policy = &template["Resources"][format!("{pascal}Policy").as_str()];
        let mut actions = BTreeSet::new();
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            let index = format!("{:?}", statement["Resource"]).contains("/index/");
            let listed: Vec<String> = match &statement["Action"] {
                serde_yaml::Value::String(one) => vec![one.clone()],
                serde_yaml::Value::Sequence(many) => many
                    .iter()
                    .filter_map(|a| a.as_str().map(str::to_owned))
                    .collect(),
                _ => Vec::new(),
            };
            for action in listed {
                actions.insert(if index {
                    format!("{action} (index)")
                } else {
                    action
                });
            }
        }
        granted.insert(function.name.to_owned(), actions);
    }
    granted
}

struct Journey {
    ctx: Ctx,
    table: Arc<Recording>,
    clock: Arc<FixedClock>,
    outbox: OutboxMailer,
    /// The local payment provider, on a table of its own (Stripe's side, not the portal's).
    payments: LocalPayments,
    used: BTreeMap<&'static str, BTreeSet<&'static str>>,
    /// Authenticator apps: e-mail → the TOTP secret and the last step used.
    apps: BTreeMap<String, (String, u64)>,
    _dir: tempfile::TempDir,
}

impl Journey {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let table = Arc::new(Recording {
            inner: EmbeddedTable::open(&dir.path().join("table.redb")).unwrap(),
            actions: Mutex::default(),
        });
        let clock = Arc::new(FixedClock::new(time::OffsetDateTime::now_utc()));
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
            used: BTreeMap::new(),
            apps: BTreeMap::new(),
            _dir: dir,
        }
    }

    /// Calls one function; its table calls are counted against it.
    async fn call(
        &mut self,
        function: &'static str,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<Value>,
    ) -> Value {
        let mut req = ApiRequest::new(method, path);
        if let Some(token) = bearer {
            req.headers
                .insert("authorization", format!("Bearer {token}").parse().unwrap());
        }
        if let Some(body) = body {
            req.headers
                .insert("content-type", "application/json".parse().unwrap());
            req.body = body.to_string().into();
        }
        self.dispatch(function, req).await
    }

    /// Sends a request as it is (headers and body set by the caller).
    async fn dispatch(&mut self, function: &'static str, mut req: ApiRequest) -> Value {
        req.client = "203.0.113.7".to_owned();
        let req_path = req.path.clone();
        self.table.take();
        let response = functions::app::dispatch(&self.ctx, req, Some(function)).await;
        self.used
            .entry(function)
            .or_default()
            .extend(self.table.take());
        assert!(
            response.status.as_u16() < 500,
            "{function} {}: {}",
            req_path,
            String::from_utf8_lossy(&response.body)
        );
        serde_json::from_slice(&response.body).unwrap_or(Value::Null)
    }

    async fn scheduled(&mut self, function: &'static str) {
        self.table.take();
        functions::scheduled::run(function, &self.ctx)
            .await
            .unwrap();
        self.used
            .entry(function)
            .or_default()
            .extend(self.table.take());
    }

    async fn token(&mut self, to: &str, path: &str) -> String {
        self.scheduled("deliver-emails").await;
        let needle = format!("{path}?token=");
        let mails = self.outbox.list().await.unwrap();
        let text = mails
            .iter()
            .rev()
            .find(|m| m.email.to == to && m.email.text.contains(&needle))
            .expect("a link")
            .email
            .text
            .clone();
        let start = text.find(&needle).unwrap() + needle.len();
        text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }

    /// Signs in as a person does: with the code of their app when they have one; administrators
    /// and centre users set one up at their first sign-in (the `mfa` function).
    async fn sign_in(&mut self, email: &str, password: &str) -> String {
        let body = self
            .call(
                "login",
                Method::POST,
                "/api/auth/login",
                None,
                Some(json!({ "email": email, "password": password, "session": "token" })),
            )
            .await;
        if body["mfa_required"] == true {
            let code = self.totp_code(email);
            let body = self
                .call(
                    "mfa",
                    Method::POST,
                    "/api/auth/mfa",
                    None,
                    Some(
                        json!({ "mfa_token": body["mfa_token"], "code": code, "session": "token" }),
                    ),
                )
                .await;
            return body["session_token"]
                .as_str()
                .expect("signed in with a code")
                .to_owned();
        }
        let token = body["session_token"]
            .as_str()
            .expect("signed in")
            .to_owned();
        if body["mfa_setup_required"] == true {
            let setup = self
                .call("mfa", Method::POST, "/api/me/mfa/totp", Some(&token), None)
                .await;
            let secret = setup["secret"].as_str().expect("a secret").to_owned();
            self.apps.insert(email.to_owned(), (secret, 0));
            let code = self.totp_code(email);
            let confirmed = self
                .call(
                    "mfa",
                    Method::POST,
                    "/api/me/mfa/totp/confirm",
                    Some(&token),
                    Some(json!({ "code": code })),
                )
                .await;
            assert!(confirmed["recovery_codes"].is_array(), "{confirmed}");
        }
        token
    }

    /// A code of this person's app not used before (moving the clock on when needed).
    fn totp_code(&mut self, email: &str) -> String {
        let current = portal_tests::portal::step_of(self.clock.now());
        let (secret, last) = self.apps.get_mut(email).expect("an app");
        let step = (*last + 1).max(current - 1);
        if step > current + 1 {
            let steps = i64::try_from(step - current - 1).unwrap();
            self.clock.advance(time::Duration::seconds(30 * steps));
        }
        *last = step;
        portal_tests::portal::totp_at(secret, step)
    }

    async fn register(&mut self, registration: Value) {
        let email = registration["email"].as_str().unwrap().to_owned();
        self.call(
            "register",
            Method::POST,
            "/api/auth/register",
            None,
            Some(registration),
        )
        .await;
        let token = self.token(&email, "/verify-email").await;
        self.call(
            "verify-email",
            Method::POST,
            "/api/auth/verify-email",
            None,
            Some(json!({ "token": token })),
        )
        .await;
    }
}

#[test]
fn every_table_action_a_function_performs_is_granted_by_its_own_policy() {
    // The journey is one async fn that awaits every function in turn; in a debug build its
    // future (held on the stack by `block_on`) outgrew the test thread's 2 MiB.
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(journey());
        })
        .unwrap()
        .join()
        .unwrap();
}

async fn journey() {
    let mut j = Journey::new();
    portal_domain::accounts::ensure_admin(&j.ctx, ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .unwrap();
    let key = Some(RECORDS_KEY);
    j.call("import-learners", Method::POST, "/api/records/learners", key, Some(json!({ "learners": [
        { "enrolment_number": "A1234567", "first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1990-12-10", "email": "ada@example.org" },
        { "enrolment_number": "B1234567", "first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1991-01-01" }
    ] }))).await;
    j.call("import-centres", Method::POST, "/api/records/centres", key, Some(json!({ "centres": [{ "centre_number": "C12345", "name": "Northfield College", "email": "exams@northfield.example.org" }] }))).await;

    j.register(learner("ada@example.org", "A1234567")).await;
    j.register(learner("copy@example.org", "A1234567")).await;
    j.register(learner("bee@example.org", "B1234567")).await;
    j.register(third_party("grace@example.org")).await;
    j.call(
        "register",
        Method::POST,
        "/api/auth/register",
        None,
        Some(third_party("grace@example.org")),
    )
    .await;
    j.call(
        "register",
        Method::POST,
        "/api/auth/register",
        None,
        Some(third_party("ghost@example.org")),
    )
    .await;

    j.call(
        "login",
        Method::POST,
        "/api/auth/login",
        None,
        Some(json!({ "email": "ada@example.org", "password": "not the password" })),
    )
    .await;
    j.call(
        "login",
        Method::POST,
        "/api/auth/login",
        None,
        Some(json!({ "email": "nobody@example.org", "password": "not the password" })),
    )
    .await;
    let ada = j.sign_in("ada@example.org", PASSWORD).await;
    j.clock.advance(time::Duration::minutes(2));
    j.call("profile", Method::GET, "/api/me", Some(&ada), None)
        .await;
    j.call(
        "profile",
        Method::PATCH,
        "/api/me",
        Some(&ada),
        Some(json!({ "phone": "+44 20 7946 0000", "email": "ada.new@example.org", "current_password": PASSWORD })),
    )
    .await;
    let token = j.token("ada.new@example.org", "/verify-email").await;
    j.call(
        "verify-email",
        Method::POST,
        "/api/auth/verify-email",
        None,
        Some(json!({ "token": token })),
    )
    .await;
    // Confirming the new address ended every session.
    let ada = j.sign_in("ada.new@example.org", PASSWORD).await;
    let address = json!({ "recipient": "Ada Lovelace", "line1": "1 Road", "city": "London", "postcode": "N1 1AA", "country": "GB" });
    let created = j
        .call(
            "addresses",
            Method::POST,
            "/api/me/addresses",
            Some(&ada),
            Some(address.clone()),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    j.call(
        "addresses",
        Method::GET,
        "/api/me/addresses",
        Some(&ada),
        None,
    )
    .await;
    j.call(
        "addresses",
        Method::PUT,
        &format!("/api/me/addresses/{id}"),
        Some(&ada),
        Some(address),
    )
    .await;
    j.call(
        "addresses",
        Method::DELETE,
        &format!("/api/me/addresses/{id}"),
        Some(&ada),
        None,
    )
    .await;
    // Where Ada is signed in: a second session, listed and ended from the first.
    j.sign_in("ada.new@example.org", PASSWORD).await;
    let listed = j
        .call(
            "sessions",
            Method::GET,
            "/api/me/sessions",
            Some(&ada),
            None,
        )
        .await;
    let other = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["this_session"] == false)
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .unwrap();
    j.call(
        "sessions",
        Method::DELETE,
        &format!("/api/me/sessions/{other}"),
        Some(&ada),
        None,
    )
    .await;
    let changed = j
        .call(
            "change-password",
            Method::POST,
            "/api/me/password",
            Some(&ada),
            Some(
                json!({ "current_password": PASSWORD, "new_password": "another long passphrase" }),
            ),
        )
        .await;
    let ada = changed["session_token"].as_str().unwrap().to_owned();
    j.call(
        "forgot-password",
        Method::POST,
        "/api/auth/forgot-password",
        None,
        Some(json!({ "email": "ada.new@example.org" })),
    )
    .await;
    let token = j.token("ada.new@example.org", "/reset-password").await;
    j.call(
        "reset-password",
        Method::POST,
        "/api/auth/reset-password",
        None,
        Some(json!({ "token": token, "password": "a third long passphrase" })),
    )
    .await;
    let ada_again = j
        .sign_in("ada.new@example.org", "a third long passphrase")
        .await;
    j.call(
        "logout",
        Method::POST,
        "/api/auth/logout",
        Some(&ada_again),
        None,
    )
    .await;
    let learner = j
        .sign_in("ada.new@example.org", "a third long passphrase")
        .await;
    // Jobs and documents: issued (twice: the replay reads the slots), listed, one read.
    let job = json!({ "job_id": "J-1", "centre_number": "C12345", "achievements": [{
        "enrolment_number": "A1234567", "qualification_title": "Level 3 Award", "qualification_code": "603/4182/8",
        "award_date": "2025-11-13", "units": [{ "code": "U1", "title": "Safety" }],
        "documents": [{ "type": "certificate" }, { "type": "unit_certificate" }] }] });
    let issued = j
        .call(
            "issue-job",
            Method::POST,
            "/api/records/jobs",
            key,
            Some(job.clone()),
        )
        .await;
    j.call(
        "issue-job",
        Method::POST,
        "/api/records/jobs",
        key,
        Some(job),
    )
    .await;
    let reference = issued["documents"][0]["reference"]
        .as_str()
        .expect("a reference")
        .to_owned();
    // Revoked later on; the unit certificate stands to the end, for the centre's order.
    let unit_certificate = issued["documents"][1]["reference"]
        .as_str()
        .expect("a unit certificate")
        .to_owned();
    j.call(
        "documents",
        Method::GET,
        "/api/documents",
        Some(&learner),
        None,
    )
    .await;
    j.call(
        "documents",
        Method::GET,
        &format!("/api/documents/{reference}"),
        Some(&learner),
        None,
    )
    .await;
    j.call(
        "documents",
        Method::GET,
        &format!("/api/documents/{reference}/linkedin"),
        Some(&learner),
        None,
    )
    .await;
    for files in ["pdf", "pdf?download=true"] {
        j.call(
            "document-files",
            Method::GET,
            &format!("/api/documents/{reference}/{files}"),
            Some(&learner),
            None,
        )
        .await;
    }
    j.call(
        "document-files",
        Method::GET,
        &format!("/api/documents/{reference}/badge"),
        Some(&learner),
        None,
    )
    .await;
    let report = j
        .call(
            "reports",
            Method::POST,
            &format!("/api/documents/{reference}/reports"),
            Some(&learner),
            Some(json!({ "reason": "A date is wrong", "description": "The award date is a day out." })),
        )
        .await;
    let report_id = report["id"].as_str().expect("a report").to_owned();
    // Connections: the learner shares the certificate with Grace, who accepts, reads it, asks
    // for more time; the learner approves and opts in to search; Grace searches; one expires.
    let grace_session = j.sign_in("grace@example.org", PASSWORD).await;
    let grace = Some(grace_session.as_str());
    let offered = j
        .call(
            "connections",
            Method::POST,
            "/api/connections",
            Some(&learner),
            Some(json!({ "name": "Grace Hopper", "email": "grace@example.org", "document_references": [reference] })),
        )
        .await;
    let connection = offered["id"].as_str().expect("a connection").to_owned();
    j.call(
        "connections",
        Method::POST,
        "/api/connections",
        Some(&learner),
        Some(json!({ "name": "Nobody Yet", "email": "invited@example.org" })),
    )
    .await;
    j.call(
        "connections",
        Method::GET,
        "/api/connections?tab=active&q=grace",
        grace,
        None,
    )
    .await;
    let base = format!("/api/connections/{connection}");
    j.call("connections", Method::GET, &base, grace, None).await;
    j.call(
        "connections",
        Method::POST,
        &format!("{base}/accept"),
        grace,
        Some(json!({})),
    )
    .await;
    j.call(
        "shared-documents",
        Method::GET,
        &format!("{base}/documents"),
        grace,
        None,
    )
    .await;
    j.call(
        "documents",
        Method::GET,
        &format!("/api/documents/{reference}?connection={connection}"),
        grace,
        None,
    )
    .await;

    // The store: the learner buys a replacement certificate and pays on the provider's page (its
    // webhook delivered as Stripe would); a second order is paid for again, then cancelled
    // unpaid; Grace puts a proof-of-qualification letter for the shared certificate in her basket.
    j.call(
        "store",
        Method::GET,
        "/api/store/products",
        Some(&learner),
        None,
    )
    .await;
    let home = j
        .call(
            "addresses",
            Method::POST,
            "/api/me/addresses",
            Some(&learner),
            Some(json!({ "recipient": "Ada Lovelace", "line1": "1 Row", "city": "Leeds", "postcode": "LS1 4AP", "country": "GB" })),
        )
        .await["id"]
        .as_str()
        .expect("an address")
        .to_owned();
    let buy = json!({ "product_id": "replacement-certificate", "reference": reference });
    let basket = j
        .call(
            "basket",
            Method::POST,
            "/api/basket/items",
            Some(&learner),
            Some(buy.clone()),
        )
        .await;
    let line = basket["lines"][0]["id"]
        .as_str()
        .expect("a line")
        .to_owned();
    j.call(
        "basket",
        Method::POST,
        "/api/basket/items",
        Some(&learner),
        Some(buy),
    )
    .await;
    j.call(
        "basket",
        Method::PATCH,
        &format!("/api/basket/items/{line}"),
        Some(&learner),
        Some(json!({ "quantity": 1 })),
    )
    .await;
    j.call("basket", Method::GET, "/api/basket", Some(&learner), None)
        .await;
    j.call(
        "checkout",
        Method::GET,
        "/api/checkout/delivery-options?country=GB",
        Some(&learner),
        None,
    )
    .await;
    let posted = json!({ "billing_address_id": home, "delivery_address_id": home, "delivery_option": "uk-first-class" });
    j.call(
        "checkout",
        Method::POST,
        "/api/checkout/review",
        Some(&learner),
        Some(posted.clone()),
    )
    .await;
    let place = |key: &str| {
        let mut req = ApiRequest::new(Method::POST, "/api/checkout");
        req.headers.insert(
            "authorization",
            format!("Bearer {learner}").parse().unwrap(),
        );
        req.headers
            .insert("content-type", "application/json".parse().unwrap());
        req.headers.insert("idempotency-key", key.parse().unwrap());
        req.body = posted.to_string().into();
        req
    };
    let first = place("first");
    let second = place("second");
    let placed = j.dispatch("checkout", first).await;
    let order = placed["id"].as_str().expect("an order").to_owned();
    let session = placed["payment_url"]
        .as_str()
        .expect("a payment page")
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let delivery = j
        .payments
        .complete(&session, Outcome::Paid, j.clock.now())
        .await
        .unwrap();
    let mut webhook = ApiRequest::new(Method::POST, "/api/payments/webhook");
    webhook
        .headers
        .insert("stripe-signature", delivery.signature.parse().unwrap());
    webhook.body = delivery.body.into();
    let handled = j.dispatch("payments-webhook", webhook).await;
    assert_eq!(handled["outcome"], "paid", "{handled}");
    j.call(
        "orders",
        Method::GET,
        "/api/orders?status=paid",
        Some(&learner),
        None,
    )
    .await;
    j.call(
        "orders",
        Method::GET,
        &format!("/api/orders/{order}"),
        Some(&learner),
        None,
    )
    .await;
    j.call(
        "basket",
        Method::POST,
        "/api/basket/items",
        Some(&learner),
        Some(json!({ "product_id": "replacement-certificate", "reference": reference })),
    )
    .await;
    let unpaid = j.dispatch("checkout", second).await;
    let unpaid = unpaid["id"].as_str().expect("a second order").to_owned();
    j.call(
        "orders",
        Method::POST,
        &format!("/api/orders/{unpaid}/pay"),
        Some(&learner),
        None,
    )
    .await;
    j.call(
        "store",
        Method::GET,
        &format!("/api/store/products?connection_id={connection}"),
        grace,
        None,
    )
    .await;
    let proof = j
        .call(
            "basket",
            Method::POST,
            "/api/basket/items",
            grace,
            Some(json!({ "product_id": "proof-of-qualification", "reference": reference, "connection_id": connection })),
        )
        .await;
    let proof_line = proof["lines"][0]["id"]
        .as_str()
        .expect("a proof letter")
        .to_owned();
    j.call(
        "basket",
        Method::DELETE,
        &format!("/api/basket/items/{proof_line}"),
        grace,
        None,
    )
    .await;
    j.call(
        "document-files",
        Method::GET,
        &format!("/api/documents/{reference}/pdf?connection={connection}"),
        grace,
        None,
    )
    .await;
    j.call(
        "connections",
        Method::PUT,
        &format!("{base}/documents"),
        Some(&learner),
        Some(json!({ "document_references": [reference] })),
    )
    .await;
    let today = portal_domain::ports::Clock::now(j.clock.as_ref()).date();
    let asked = j
        .call(
            "connections",
            Method::POST,
            &format!("{base}/extension-requests"),
            grace,
            Some(json!({ "expires_on": (today + time::Duration::days(60)).to_string() })),
        )
        .await;
    let request = asked["extension_request"]["id"]
        .as_str()
        .expect("a request")
        .to_owned();
    j.call(
        "connections",
        Method::POST,
        &format!("{base}/extension-requests/{request}/approve"),
        Some(&learner),
        None,
    )
    .await;
    j.call(
        "connections",
        Method::POST,
        &format!("{base}/extend"),
        Some(&learner),
        Some(json!({ "expires_on": (today + time::Duration::days(1)).to_string() })),
    )
    .await;
    j.call(
        "profile",
        Method::PATCH,
        "/api/me",
        Some(&learner),
        Some(json!({ "third_party_search_opt_in": true })),
    )
    .await;
    j.call(
        "search-learners",
        Method::GET,
        "/api/search/learners?q=Ada%20Lovelace",
        grace,
        None,
    )
    .await;
    j.call(
        "search-learners",
        Method::GET,
        &format!("/api/search/learners?q={reference}"),
        grace,
        None,
    )
    .await;
    j.clock.advance(time::Duration::days(3));
    j.scheduled("expire-connections").await;
    j.call(
        "connections",
        Method::GET,
        "/api/connections?tab=inactive",
        Some(&learner),
        None,
    )
    .await;
    j.call("connections", Method::DELETE, &base, Some(&learner), None)
        .await;
    j.call(
        "verify",
        Method::GET,
        &format!("/verify/{reference}"),
        None,
        None,
    )
    .await;
    j.call(
        "verify",
        Method::GET,
        "/api/verify/12345678-01-ABCD",
        None,
        None,
    )
    .await;
    j.call("logout", Method::POST, "/api/auth/logout", Some(&ada), None)
        .await;

    let admin = j.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let pending = j
        .call(
            "review-registrations",
            Method::GET,
            "/api/admin/registrations",
            Some(&admin),
            None,
        )
        .await;
    let ids: Vec<(String, String)> = pending["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["account"]["id"].as_str().unwrap().to_owned(),
                p["account"]["email"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for (id, email) in ids {
        if email == "bee@example.org" {
            j.call(
                "review-registrations",
                Method::POST,
                &format!("/api/admin/registrations/{id}/approve"),
                Some(&admin),
                Some(json!({ "enrolment_number": "B1234567" })),
            )
            .await;
        } else {
            j.call(
                "review-registrations",
                Method::POST,
                &format!("/api/admin/registrations/{id}/reject"),
                Some(&admin),
                Some(json!({ "reason": "Not our learner." })),
            )
            .await;
        }
    }
    let found = j
        .call(
            "manage-accounts",
            Method::GET,
            "/api/admin/users?q=grace",
            Some(&admin),
            None,
        )
        .await;
    let grace = found["items"][0]["id"].as_str().unwrap().to_owned();
    j.call(
        "manage-accounts",
        Method::GET,
        &format!("/api/admin/users/{grace}"),
        Some(&admin),
        None,
    )
    .await;
    j.call(
        "manage-accounts",
        Method::POST,
        &format!("/api/admin/users/{grace}/lock"),
        Some(&admin),
        None,
    )
    .await;
    j.call(
        "manage-accounts",
        Method::POST,
        &format!("/api/admin/users/{grace}/unlock"),
        Some(&admin),
        None,
    )
    .await;
    j.call(
        "reports",
        Method::GET,
        "/api/admin/reports",
        Some(&admin),
        None,
    )
    .await;
    j.call(
        "reports",
        Method::POST,
        &format!("/api/admin/reports/{report_id}/close"),
        Some(&admin),
        Some(json!({ "answer": "Corrected and reissued." })),
    )
    .await;
    let reissued = j
        .call(
            "manage-documents",
            Method::POST,
            &format!("/api/admin/documents/{reference}/reissue"),
            Some(&admin),
            Some(json!({ "reason": "Award date corrected." })),
        )
        .await;
    let current = reissued["reissued_as"]
        .as_str()
        .expect("reissued")
        .to_owned();
    j.call(
        "manage-documents",
        Method::POST,
        &format!("/api/admin/documents/{current}/revoke"),
        Some(&admin),
        Some(json!({ "reason": "Issued in error." })),
    )
    .await;
    j.call(
        "audit-log",
        Method::GET,
        "/api/admin/audit",
        Some(&admin),
        None,
    )
    .await;
    // Filtered over a range of months (a query per month), and exported as CSV.
    j.call(
        "audit-log",
        Method::GET,
        "/api/admin/audit?from=2000-01-01&to=2000-06-30&actor=admin&action=auth.&target=x",
        Some(&admin),
        None,
    )
    .await;
    j.call(
        "audit-log",
        Method::GET,
        "/api/admin/audit.csv?action=document.",
        Some(&admin),
        None,
    )
    .await;
    j.call("health", Method::GET, "/api/health", None, None)
        .await;
    j.call("openapi", Method::GET, "/api/openapi.json", None, None)
        .await;
    j.call("site", Method::GET, "/api/site", None, None).await;
    // Sessions past their idle time are ended by whichever function sees them.
    j.clock.advance(time::Duration::hours(1));
    j.call(
        "manage-accounts",
        Method::GET,
        "/api/admin/users?q=a",
        Some(&admin),
        None,
    )
    .await;
    // A centre user of the job's centre: jobs, records, notifying, a zip built and expired.
    j.register(json!({ "kind": "centre", "email": "alan@northfield.example.org", "password": PASSWORD, "first_name": "Alan", "last_name": "Turing", "centre_number": "C12345", "centre_name": "Northfield College" })).await;
    // The centre's central address approves Alan.
    let approval = j
        .token("exams@northfield.example.org", "/centre-approval")
        .await;
    j.call(
        "verify-email",
        Method::POST,
        "/api/auth/centre-approval",
        None,
        Some(json!({ "token": approval, "decision": "approve" })),
    )
    .await;
    let centre_session = j.sign_in("alan@northfield.example.org", PASSWORD).await;
    let centre = Some(centre_session.as_str());
    for path in [
        "/api/centre/jobs".to_owned(),
        "/api/centre/jobs/J-1".to_owned(),
        "/api/centre/records?q=lovelace&from=2020-01-01".to_owned(),
        format!("/api/centre/records?q={reference}"),
        "/api/centre/records?q=A1234567".to_owned(),
    ] {
        j.call("centre-records", Method::GET, &path, centre, None)
            .await;
    }
    let told = j
        .call(
            "notify-learners",
            Method::POST,
            "/api/centre/notifications",
            centre,
            Some(json!({ "enrolment_numbers": ["A1234567"] })),
        )
        .await;
    assert_eq!(told["sent"], 1, "{told}");
    let mut downloads = Vec::new();
    for body in [
        json!({ "job_id": "J-1", "purpose": "Audit" }),
        json!({ "references": [reference], "purpose": "Audit" }),
    ] {
        let queued = j
            .call(
                "centre-downloads",
                Method::POST,
                "/api/centre/downloads",
                centre,
                Some(body),
            )
            .await;
        downloads.push(queued["id"].as_str().expect("queued").to_owned());
    }
    j.scheduled("build-zip").await;
    j.call(
        "centre-downloads",
        Method::GET,
        "/api/centre/downloads",
        centre,
        None,
    )
    .await;
    let ready = j
        .call(
            "centre-downloads",
            Method::GET,
            &format!("/api/centre/downloads/{}", downloads[0]),
            centre,
            None,
        )
        .await;
    assert_eq!(ready["status"], "ready", "{ready}");
    j.call(
        "centre-downloads",
        Method::POST,
        &format!("/api/centre/downloads/{}/retry", downloads[1]),
        centre,
        None,
    )
    .await;
    // The centre orders on account within the credit an administrator gave it; the
    // administrator moves orders on, refunds and records the centre's payment.
    // (The administrator's earlier session has been idle past its time.)
    let admin = j.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let credit_path = "/api/admin/centres/C12345/credit";
    j.call(
        "manage-credit",
        Method::GET,
        credit_path,
        Some(&admin),
        None,
    )
    .await;
    let limit = j
        .call(
            "manage-credit",
            Method::PUT,
            credit_path,
            Some(&admin),
            Some(json!({ "limit": 100_000 })),
        )
        .await;
    assert_eq!(limit["available"], 100_000, "{limit}");
    let centre_basket = j
        .call(
            "basket",
            Method::POST,
            "/api/basket/items",
            centre,
            Some(json!({ "product_id": "replacement-unit-certificate", "reference": unit_certificate, "reason": "Lost" })),
        )
        .await;
    assert_eq!(
        centre_basket["lines"][0]["reason"], "Lost",
        "{centre_basket}"
    );
    let centre_home = j
        .call(
            "addresses",
            Method::POST,
            "/api/me/addresses",
            centre,
            Some(json!({ "recipient": "Exams Office", "line1": "1 College Road", "city": "Leeds", "postcode": "LS2 9JT", "country": "GB" })),
        )
        .await["id"]
        .as_str()
        .expect("the centre's address")
        .to_owned();
    let mut on_account = ApiRequest::new(Method::POST, "/api/checkout");
    on_account.headers.insert(
        "authorization",
        format!("Bearer {centre_session}").parse().unwrap(),
    );
    on_account
        .headers
        .insert("content-type", "application/json".parse().unwrap());
    on_account
        .headers
        .insert("idempotency-key", "on-account".parse().unwrap());
    on_account.body = json!({ "billing_address_id": centre_home, "delivery_address_id": centre_home, "delivery_option": "uk-first-class", "payment_method": "centre_credit" }).to_string().into();
    let charged = j.dispatch("checkout", on_account).await;
    assert_eq!(charged["status"], "paid", "{charged}");
    let charged = charged["id"].as_str().unwrap().to_owned();
    let month = {
        let now = j.clock.now();
        format!("{:04}-{:02}", now.year(), u8::from(now.month()))
    };
    for path in [
        "/api/centre/credit".to_owned(),
        "/api/centre/statements".to_owned(),
        format!("/api/centre/statements/{month}"),
    ] {
        j.call("centre-account", Method::GET, &path, centre, None)
            .await;
    }
    for path in [
        "/api/admin/centres/C12345/statements".to_owned(),
        format!("/api/admin/centres/C12345/statements/{month}"),
    ] {
        j.call("manage-credit", Method::GET, &path, Some(&admin), None)
            .await;
    }
    j.call(
        "admin-orders",
        Method::GET,
        "/api/admin/orders?status=paid&centre=C12345",
        Some(&admin),
        None,
    )
    .await;
    let ada_id = j
        .call(
            "manage-accounts",
            Method::GET,
            "/api/admin/users?q=ada.new",
            Some(&admin),
            None,
        )
        .await["items"][0]["id"]
        .as_str()
        .expect("Ada's account")
        .to_owned();
    let ada_home = j
        .call(
            "manage-accounts",
            Method::GET,
            &format!("/api/admin/users/{ada_id}"),
            Some(&admin),
            None,
        )
        .await["addresses"][0]["id"]
        .as_str()
        .expect("Ada's address")
        .to_owned();
    let mut for_ada = ApiRequest::new(Method::POST, "/api/admin/orders");
    for_ada
        .headers
        .insert("authorization", format!("Bearer {admin}").parse().unwrap());
    for_ada
        .headers
        .insert("content-type", "application/json".parse().unwrap());
    for_ada
        .headers
        .insert("idempotency-key", "for-ada".parse().unwrap());
    for_ada.body = json!({ "buyer_id": ada_id, "items": [{ "product_id": "replacement-unit-certificate", "reference": unit_certificate }], "billing_address_id": ada_home, "delivery_address_id": ada_home, "delivery_option": "uk-first-class" }).to_string().into();
    let placed_for_ada = j.dispatch("admin-orders", for_ada).await;
    assert_eq!(
        placed_for_ada["status"], "awaiting_payment",
        "{placed_for_ada}"
    );
    let printed = j
        .call(
            "print-packs",
            Method::POST,
            "/api/admin/print-packs",
            Some(&admin),
            Some(json!({ "order_ids": [charged] })),
        )
        .await;
    assert_eq!(printed["orders"][0]["id"], charged.as_str(), "{printed}");
    for id in [&order, &charged] {
        let seen = j
            .call(
                "admin-orders",
                Method::GET,
                &format!("/api/admin/orders/{id}"),
                Some(&admin),
                None,
            )
            .await;
        // The order on account is processing already: printed.
        if seen["order"]["status"] == "paid" {
            let moved = j
                .call(
                    "admin-orders",
                    Method::PATCH,
                    &format!("/api/admin/orders/{id}"),
                    Some(&admin),
                    Some(json!({ "version": seen["order"]["version"], "status": "processing" })),
                )
                .await;
            assert_eq!(moved["order"]["status"], "processing", "{moved}");
        }
        let refunded = j
            .call(
                "admin-orders",
                Method::POST,
                &format!("/api/admin/orders/{id}/refund"),
                Some(&admin),
                Some(json!({ "amount": 100, "reason": "Damaged" })),
            )
            .await;
        assert_eq!(refunded["order"]["refunds"][0]["amount"], 100, "{refunded}");
    }
    let config = j
        .call(
            "configure",
            Method::GET,
            "/api/admin/config",
            Some(&admin),
            None,
        )
        .await;
    let mut changed = config["configuration"].clone();
    changed["organisation_name"] = json!("Northern Awards");
    let saved = j
        .call(
            "configure",
            Method::PUT,
            "/api/admin/config",
            Some(&admin),
            Some(json!({ "version": config["version"], "configuration": changed })),
        )
        .await;
    assert_eq!(saved["version"], 1, "{saved}");
    j.call(
        "configure",
        Method::GET,
        "/api/admin/config/versions",
        Some(&admin),
        None,
    )
    .await;
    j.call(
        "manage-credit",
        Method::POST,
        "/api/admin/centres/C12345/payments",
        Some(&admin),
        Some(json!({ "amount": 1000, "reference": "BACS 1" })),
    )
    .await;
    j.clock.advance(time::Duration::days(8));
    j.scheduled("expire-downloads").await;
    j.scheduled("cleanup-registrations").await;
    j.scheduled("deliver-emails").await;

    // The second order, never paid, is cancelled a day later.
    j.clock.advance(time::Duration::hours(25));
    j.scheduled("expire-orders").await;

    let granted = granted();
    let mut missing = Vec::new();
    for function in functions::routes::FUNCTIONS {
        let used = j
            .used
            .get(function.name)
            .unwrap_or_else(|| panic!("the journey never ran {}", function.name));
        for action in used {
            if !granted[function.name].contains(*action) {
                missing.push(format!("{}: {action}", function.name));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "template.yaml does not grant what the code does:\n  {}",
        missing.join("\n  ")
    );
}
