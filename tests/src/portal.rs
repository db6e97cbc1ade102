//! The local portal started in-process on a free loopback port, with a clock the test
//! controls, and the client side of the user journeys (real HTTP).

use std::sync::Arc;

use portal_domain::ports::{Clock, FixedClock, Mailer};
use portal_local::{Options, Running};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::OffsetDateTime;

/// The records system's key in tests.
pub const RECORDS_KEY: &str = "test-records-key-0123456789abcdef0123456789";
pub const ADMIN_EMAIL: &str = "admin@example.org";
pub const ADMIN_PASSWORD: &str = "orchid lantern quarry twelve";
pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestPortal {
    pub running: Running,
    pub clock: Arc<FixedClock>,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
}

/// An answer: status, headers and the JSON body (`Null` when empty or not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The fields a problem+json answer names.
    pub fn fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|e| {
                e.iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn is_problem(&self) -> bool {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            == Some("application/problem+json")
    }
}

/// A signed-in API client (bearer token).
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub csrf: String,
    pub user: Value,
}

impl Session {
    /// No one signed in: requests go without a session.
    pub fn anonymous() -> Self {
        Self {
            token: String::new(),
            csrf: String::new(),
            user: Value::Null,
        }
    }
}

impl TestPortal {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts with the options adjusted (a failing mailer, say).
    pub async fn start_with(adjust: impl FnOnce(&mut Options)) -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let now = OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .expect("zero nanoseconds");
        let clock = Arc::new(FixedClock::new(now));
        let mut options = Options::new(
            dir.path().to_path_buf(),
            "127.0.0.1:0".parse().expect("an address"),
        );
        options.clock = clock.clone();
        options.timers = false;
        options.admin = Some((ADMIN_EMAIL.to_owned(), ADMIN_PASSWORD.to_owned()));
        options.settings.records_api_key_sha256 = Some(sha256(RECORDS_KEY));
        adjust(&mut options);
        let running = portal_local::start(options)
            .await
            .expect("the portal starts");
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client");
        Self {
            running,
            clock,
            http,
            dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.url())
    }

    pub fn advance(&self, by: time::Duration) {
        self.clock.advance(by);
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut request = self.http.request(method, self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.expect("the portal answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("a body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(body), &[]).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None, &[]).await
    }

    /// A request as a signed-in API client.
    pub async fn call(
        &self,
        session: &Session,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let bearer = format!("Bearer {}", session.token);
        self.send(method, path, body, &[("authorization", &bearer)])
            .await
    }

    pub async fn records(&self, path: &str, body: Value) -> Answer {
        let bearer = format!("Bearer {RECORDS_KEY}");
        self.send(
            Method::POST,
            path,
            Some(body),
            &[("authorization", &bearer)],
        )
        .await
    }

    /// Runs `deliver-emails` as its timer would.
    pub async fn deliver(&self) -> Value {
        self.running
            .run_scheduled("deliver-emails")
            .await
            .expect("delivery runs")
    }

    /// Every delivered e-mail to this address, oldest first (from `/dev/mail.json`).
    pub async fn mail_to(&self, to: &str) -> Vec<Value> {
        self.deliver().await;
        let all = self.get("/dev/mail.json").await.body;
        all["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m["to"] == to)
            .collect()
    }

    /// The token of the newest link to `path` e-mailed to this address.
    pub async fn token_from_mail(&self, to: &str, path: &str) -> String {
        let mails = self.mail_to(to).await;
        let needle = format!("{path}?token=");
        mails
            .iter()
            .rev()
            .find_map(|m| {
                let text = m["text"].as_str()?;
                let start = text.find(&needle)? + needle.len();
                Some(
                    text[start..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                        .collect::<String>(),
                )
            })
            .unwrap_or_else(|| panic!("no {path} link in the mail to {to}: {mails:#?}"))
    }

    pub async fn login(&self, email: &str, password: &str) -> Answer {
        self.post(
            "/api/auth/login",
            json!({ "email": email, "password": password, "session": "token" }),
        )
        .await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Session {
        let answer = self.login(email, password).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "signing in as {email}: {:?}",
            answer.body
        );
        session_of(&answer)
    }

    pub async fn admin(&self) -> Session {
        self.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    pub async fn import_learner(&self, enrolment: &str, first: &str, last: &str, dob: &str) {
        let answer = self
            .records("/api/records/learners", json!({ "learners": [{ "enrolment_number": enrolment, "first_name": first, "last_name": last, "date_of_birth": dob }] }))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    }

    pub async fn import_centre(&self, number: &str, name: &str, email: &str) {
        let answer = self
            .records(
                "/api/records/centres",
                json!({ "centres": [{ "centre_number": number, "name": name, "email": email }] }),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    }

    /// Registers and follows the e-mailed link; returns what verification said.
    pub async fn register_and_verify(&self, registration: Value) -> Answer {
        let email = registration["email"].as_str().expect("an email").to_owned();
        let answer = self.post("/api/auth/register", registration).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED, "{:?}", answer.body);
        let token = self.token_from_mail(&email, "/verify-email").await;
        self.post("/api/auth/verify-email", json!({ "token": token }))
            .await
    }

    /// A learner whose records match: registered, verified, active, signed in.
    pub async fn active_learner(&self, email: &str, enrolment: &str) -> Session {
        self.import_learner(enrolment, "Ada", "Lovelace", "1990-12-10")
            .await;
        let verified = self.register_and_verify(learner(email, enrolment)).await;
        assert_eq!(verified.body["status"], "active", "{:?}", verified.body);
        self.sign_in(email, PASSWORD).await
    }

    pub async fn active_third_party(&self, email: &str) -> Session {
        let verified = self.register_and_verify(third_party(email)).await;
        assert_eq!(verified.body["status"], "active", "{:?}", verified.body);
        self.sign_in(email, PASSWORD).await
    }

    /// Mails delivered so far, to anyone.
    pub async fn mail_count(&self) -> usize {
        self.deliver().await;
        self.get("/dev/mail.json").await.body["items"]
            .as_array()
            .map_or(0, Vec::len)
    }

    pub fn mailer_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("outbox")
    }
}

pub fn session_of(answer: &Answer) -> Session {
    Session {
        token: answer.body["session_token"]
            .as_str()
            .expect("a session token")
            .to_owned(),
        csrf: answer.body["csrf_token"]
            .as_str()
            .expect("a csrf token")
            .to_owned(),
        user: answer.body["user"].clone(),
    }
}

pub fn learner(email: &str, enrolment: &str) -> Value {
    json!({
        "kind": "learner", "email": email, "password": PASSWORD,
        "first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1990-12-10", "enrolment_number": enrolment
    })
}

pub fn third_party(email: &str) -> Value {
    json!({ "kind": "third_party", "email": email, "password": PASSWORD, "first_name": "Grace", "last_name": "Hopper", "company": "Example Employer Ltd", "phone": "+44 20 7946 0000" })
}

pub fn centre_user(email: &str, number: &str, name: &str) -> Value {
    json!({ "kind": "centre", "email": email, "password": PASSWORD, "first_name": "Alan", "last_name": "Turing", "centre_number": number, "centre_name": name })
}

pub fn sha256(text: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes()).into()
}

/// A mailer that fails its first `failures` sends, then delivers to the wrapped one.
pub struct FlakyMailer {
    pub inner: Arc<dyn Mailer>,
    pub failures: std::sync::atomic::AtomicUsize,
    pub attempts: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl Mailer for FlakyMailer {
    async fn send(
        &self,
        email: &portal_domain::ports::Email,
    ) -> Result<(), portal_domain::ports::MailError> {
        use std::sync::atomic::Ordering;
        self.attempts.fetch_add(1, Ordering::SeqCst);
        let failing = self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if failing {
            return Err(portal_domain::ports::MailError::Unavailable(
                "the mail service is down (test)".into(),
            ));
        }
        self.inner.send(email).await
    }
}

/// Keeps the clock type nameable for tests that need `now()`.
pub fn now(portal: &TestPortal) -> OffsetDateTime {
    portal.clock.now()
}

/// The functions' context over `table` (a wrapper that counts or records its calls), with the
/// embedded blobs, outbox and a local payment provider on a table of its own (Stripe's side,
/// not the portal's), in `dir`; settings as the local portal's, with the records key.
pub struct EmbeddedCtx {
    pub ctx: portal_domain::Ctx,
    pub outbox: portal_adapters::embedded::OutboxMailer,
    pub payments: portal_adapters::embedded::LocalPayments,
}

pub fn embedded_ctx(
    dir: &std::path::Path,
    table: Arc<dyn portal_domain::ports::Table>,
    clock: Arc<FixedClock>,
) -> EmbeddedCtx {
    use portal_adapters::embedded::{EmbeddedTable, FolderBlobs, LocalPayments, OutboxMailer};
    const URL: &str = "http://127.0.0.1:3000";
    let outbox = OutboxMailer::new(dir.join("outbox"));
    let mut settings = portal_domain::Settings::local(URL);
    settings.records_api_key_sha256 = Some(sha256(RECORDS_KEY));
    let payments = LocalPayments::new(
        Arc::new(EmbeddedTable::open(&dir.join("provider.redb")).expect("the provider's table")),
        Arc::new(portal_domain::ports::SystemRandom),
        URL.into(),
        "whsec_embedded_ctx".into(),
    );
    let ctx = portal_domain::Ctx {
        table,
        blobs: Arc::new(FolderBlobs::new(
            dir.join("blobs"),
            URL.into(),
            [7; 32],
            clock.clone(),
        )),
        mailer: Arc::new(outbox.clone()),
        clock,
        random: Arc::new(portal_domain::ports::SystemRandom),
        payments: Arc::new(payments.clone()),
        settings: Arc::new(settings),
        config: Default::default(),
        client: None,
    };
    EmbeddedCtx {
        ctx,
        outbox,
        payments,
    }
}
