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
    /// The authenticator apps of the people signed in so far: e-mail → the TOTP secret and the
    /// last step a code was made for (each step is accepted once).
    pub authenticators: std::sync::Mutex<std::collections::HashMap<String, Authenticator>>,
}

/// A person's authenticator app, as the tests hold it.
#[derive(Debug, Clone)]
pub struct Authenticator {
    pub secret: String,
    pub last_step: u64,
    pub recovery_codes: Vec<String>,
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
            authenticators: Default::default(),
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
            .find_map(|m| token_after(m["text"].as_str()?, &needle))
            .unwrap_or_else(|| panic!("no {path} link in the mail to {to}: {mails:#?}"))
    }

    pub async fn login(&self, email: &str, password: &str) -> Answer {
        self.post(
            "/api/auth/login",
            json!({ "email": email, "password": password, "session": "token" }),
        )
        .await
    }

    /// Signs in as a person does: the password, then the code from their authenticator app if
    /// they have one; administrators and centre users without one set it up first (the app's
    /// secret is kept in [`Self::authenticators`]).
    pub async fn sign_in(&self, email: &str, password: &str) -> Session {
        let answer = self.login(email, password).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "signing in as {email}: {:?}",
            answer.body
        );
        if answer.body["mfa_required"] == true {
            let answer = self.second_step(&answer, &self.totp_code(email)).await;
            assert_eq!(
                answer.status,
                StatusCode::OK,
                "the second step for {email}: {:?}",
                answer.body
            );
            return session_of(&answer);
        }
        let session = session_of(&answer);
        if answer.body["mfa_setup_required"] == true {
            self.enrol_totp(&session, email).await;
        }
        session
    }

    /// `POST /api/auth/mfa` with the token of a login answer and `code`.
    pub async fn second_step(&self, login: &Answer, code: &str) -> Answer {
        let token = login.body["mfa_token"].as_str().expect("an mfa_token");
        self.post(
            "/api/auth/mfa",
            json!({ "mfa_token": token, "code": code, "session": "token" }),
        )
        .await
    }

    /// Sets up an authenticator app for this session's person and confirms it; keeps the
    /// secret and the recovery codes.
    pub async fn enrol_totp(&self, session: &Session, email: &str) -> Vec<String> {
        let setup = self
            .call(session, Method::POST, "/api/me/mfa/totp", None)
            .await;
        assert_eq!(setup.status, StatusCode::OK, "{:?}", setup.body);
        let secret = setup.body["secret"].as_str().expect("a secret").to_owned();
        self.authenticators.lock().expect("the apps").insert(
            email.to_owned(),
            Authenticator {
                secret,
                last_step: 0,
                recovery_codes: Vec::new(),
            },
        );
        let code = self.totp_code(email);
        let confirmed = self
            .call(
                session,
                Method::POST,
                "/api/me/mfa/totp/confirm",
                Some(json!({ "code": code })),
            )
            .await;
        assert_eq!(confirmed.status, StatusCode::OK, "{:?}", confirmed.body);
        let codes: Vec<String> = confirmed.body["recovery_codes"]
            .as_array()
            .expect("recovery codes")
            .iter()
            .map(|c| c.as_str().expect("a code").to_owned())
            .collect();
        if let Some(app) = self.authenticators.lock().expect("the apps").get_mut(email) {
            app.recovery_codes = codes.clone();
        }
        codes
    }

    /// The next code of this person's app on the portal's clock: a step not used before (the
    /// portal accepts each once, one step either side of now), moving the clock on 30 s when
    /// the three steps around now are spent.
    pub fn totp_code(&self, email: &str) -> String {
        let mut apps = self.authenticators.lock().expect("the apps");
        let app = apps
            .get_mut(email)
            .unwrap_or_else(|| panic!("{email} has no authenticator app in this test"));
        let current = step_of(now(self));
        let step = (app.last_step + 1).max(current - 1);
        if step > current + 1 {
            let steps = i64::try_from(step - current - 1).expect("a few steps");
            self.advance(time::Duration::seconds(30 * steps));
        }
        app.last_step = step;
        totp_at(&app.secret, step)
    }

    pub async fn admin(&self) -> Session {
        self.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// A learner record without an e-mail address: a registration matching it is reviewed.
    pub async fn import_learner(&self, enrolment: &str, first: &str, last: &str, dob: &str) {
        let answer = self
            .records("/api/records/learners", json!({ "learners": [{ "enrolment_number": enrolment, "first_name": first, "last_name": last, "date_of_birth": dob }] }))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    }

    /// A learner record holding this e-mail address: a registration from it that matches is
    /// active at once; one from another address is sent a code there.
    pub async fn import_learner_with_email(
        &self,
        enrolment: &str,
        (first, last): (&str, &str),
        dob: &str,
        email: &str,
    ) {
        let answer = self
            .records("/api/records/learners", json!({ "learners": [{ "enrolment_number": enrolment, "first_name": first, "last_name": last, "date_of_birth": dob, "email": email }] }))
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

    /// The token of the newest link to `path` in any e-mail that mentions `about` (a centre's
    /// approval link names the person who asked).
    pub async fn token_from_mail_about(&self, about: &str, path: &str) -> String {
        self.deliver().await;
        let all = self.get("/dev/mail.json").await.body;
        let needle = format!("{path}?token=");
        all["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .rev()
            .filter(|m| m["text"].as_str().is_some_and(|t| t.contains(about)))
            .find_map(|m| token_after(m["text"].as_str()?, &needle))
            .unwrap_or_else(|| panic!("no {path} link in a mail about {about}"))
    }

    /// Follows the approval link the centre's central address got for this person: `approve`
    /// or `decline`; returns the answer.
    pub async fn centre_decides(&self, person_email: &str, decision: &str) -> Answer {
        let token = self
            .token_from_mail_about(person_email, "/centre-approval")
            .await;
        self.post(
            "/api/auth/centre-approval",
            json!({ "token": token, "decision": decision }),
        )
        .await
    }

    /// A centre user registered, verified and approved by the centre's central address (the
    /// centre's record must be imported): answers the approval.
    pub async fn approved_centre_user(&self, registration: Value) -> Answer {
        let email = registration["email"].as_str().expect("an email").to_owned();
        let verified = self.register_and_verify(registration).await;
        assert_eq!(verified.status, StatusCode::OK, "{:?}", verified.body);
        assert_eq!(
            verified.body["status"], "pending_review",
            "{:?}",
            verified.body
        );
        assert_eq!(verified.body["centre_asked"], true, "{:?}", verified.body);
        let approved = self.centre_decides(&email, "approve").await;
        assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);
        approved
    }

    /// A learner whose records match: registered, verified, active, signed in.
    pub async fn active_learner(&self, email: &str, enrolment: &str) -> Session {
        self.import_learner_with_email(enrolment, ("Ada", "Lovelace"), "1990-12-10", email)
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

/// The TOTP step (30 s) an instant falls in.
pub fn step_of(at: OffsetDateTime) -> u64 {
    u64::try_from(at.unix_timestamp()).expect("after 1970") / 30
}

/// The code an authenticator app with this (base32) secret shows in `step`.
pub fn totp_at(secret: &str, step: u64) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret).expect("a base32 secret");
    totp_rs::Builder::new()
        .with_secret(secret.as_ref().to_vec())
        .build()
        .expect("an RFC 6238 TOTP")
        .generate(step * 30)
        .to_string()
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

/// The token that follows `needle` (such as `/verify-email?token=`) in a mail's text.
fn token_after(text: &str, needle: &str) -> Option<String> {
    let start = text.find(needle)? + needle.len();
    Some(
        text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect(),
    )
}
