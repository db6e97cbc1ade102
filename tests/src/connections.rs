//! Connections (CON) for journeys: the people on both sides, their documents, dates as the API
//! takes them, the e-mails each side got, and the connection as stored.

use portal_domain::accounts::sessions::{self, Principal};
use portal_domain::connections::{self, Connection};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::{Date, Duration};

use crate::jobs::{self, CENTRE};
use crate::portal::{Answer, PASSWORD, Session, TestPortal, centre_user};

pub const ADA: &str = "ada@learners.test";
pub const GRACE: &str = "grace@employer.test";

/// A portal with Ada (ENR-1001, a certificate, a unit certificate and a badge) signed in, and
/// her references.
pub async fn ada_with_documents() -> (TestPortal, Session, Vec<String>) {
    ada_with_documents_and(|_| {}).await
}

/// The same, on a portal whose options are adjusted first (settings, say).
pub async fn ada_with_documents_and(
    adjust: impl FnOnce(&mut portal_local::Options),
) -> (TestPortal, Session, Vec<String>) {
    let portal = jobs::portal_with(adjust).await;
    let ada = portal.active_learner(ADA, "ENR-1001").await;
    let references = portal
        .issue(jobs::job(
            "J-CON-1",
            vec![jobs::achievement(
                "ENR-1001",
                "603/4182/8",
                &["certificate", "unit_certificate", "badge"],
            )],
        ))
        .await;
    (portal, ada, references)
}

/// A learner of this name, with a record, registered, verified and signed in.
pub async fn learner_named(
    portal: &TestPortal,
    email: &str,
    enrolment: &str,
    (first, last): (&str, &str),
) -> Session {
    portal
        .import_learner_with_email(enrolment, (first, last), "1991-03-04", email)
        .await;
    let verified = portal
        .register_and_verify(json!({
            "kind": "learner", "email": email, "password": PASSWORD, "first_name": first,
            "last_name": last, "date_of_birth": "1991-03-04", "enrolment_number": enrolment
        }))
        .await;
    assert_eq!(verified.body["status"], "active", "{:?}", verified.body);
    portal.sign_in(email, PASSWORD).await
}

/// Issues one achievement with these documents to a learner of this name; its references.
pub async fn issue_to(
    portal: &TestPortal,
    job_id: &str,
    enrolment: &str,
    (first, last): (&str, &str),
    documents: &[&str],
) -> Vec<String> {
    portal
        .issue(json!({
            "job_id": job_id,
            "centre_number": CENTRE,
            "learners": [{ "enrolment_number": enrolment, "first_name": first, "last_name": last, "date_of_birth": "1991-03-04" }],
            "achievements": [jobs::achievement(enrolment, "603/4182/8", documents)],
        }))
        .await
}

/// A user of the centre the jobs are issued by, active and signed in.
pub async fn centre_session(portal: &TestPortal) -> Session {
    let email = "alan@northgate.test";
    let approved = portal
        .approved_centre_user(centre_user(email, CENTRE, "Northgate College"))
        .await;
    assert_eq!(approved.body["status"], "active", "{:?}", approved.body);
    portal.sign_in(email, PASSWORD).await
}

/// Today on the portal's clock, moved by `days`.
pub fn day(portal: &TestPortal, days: i64) -> Date {
    crate::portal::now(portal).date() + Duration::days(days)
}

/// A date as the API takes it.
pub fn iso(date: Date) -> String {
    format!(
        "{}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

pub fn connection_path(id: &str, rest: &str) -> String {
    format!("/api/connections/{id}{rest}")
}

/// An answer that must have this status.
pub fn expect(answer: Answer, status: StatusCode, what: &str) -> Answer {
    assert_eq!(answer.status, status, "{what}: {:?}", answer.body);
    answer
}

/// Starts a connection; answers its id.
pub async fn connect(portal: &TestPortal, who: &Session, body: Value) -> String {
    let created = portal
        .call(who, Method::POST, "/api/connections", Some(body))
        .await;
    let created = expect(created, StatusCode::CREATED, "creating a connection");
    created.body["id"].as_str().expect("an id").to_owned()
}

/// Ada shares `documents` with Grace, who accepts; answers the id.
pub async fn active_connection(
    portal: &TestPortal,
    learner: &Session,
    third_party: &Session,
    documents: &[String],
) -> String {
    let email = third_party.user["email"].as_str().expect("an e-mail");
    let id = connect(
        portal,
        learner,
        json!({ "name": "Grace Hopper", "email": email, "document_references": documents }),
    )
    .await;
    let accepted = portal
        .call(
            third_party,
            Method::POST,
            &connection_path(&id, "/accept"),
            Some(json!({})),
        )
        .await;
    expect(accepted, StatusCode::OK, "accepting");
    id
}

/// One tab of the caller's list.
pub async fn tab(portal: &TestPortal, who: &Session, tab: &str) -> Vec<Value> {
    let listed = portal
        .call(
            who,
            Method::GET,
            &format!("/api/connections?tab={tab}"),
            None,
        )
        .await;
    let listed = expect(listed, StatusCode::OK, "listing");
    listed.body["items"].as_array().cloned().unwrap_or_default()
}

/// The ids on a tab.
pub async fn ids_on(portal: &TestPortal, who: &Session, name: &str) -> Vec<String> {
    tab(portal, who, name)
        .await
        .iter()
        .map(|c| c["id"].as_str().expect("an id").to_owned())
        .collect()
}

/// How many e-mails to `to` have a subject containing `needle`.
pub async fn mails_about(portal: &TestPortal, to: &str, needle: &str) -> usize {
    portal
        .mail_to(to)
        .await
        .iter()
        .filter(|m| m["subject"].as_str().is_some_and(|s| s.contains(needle)))
        .count()
}

/// The connection as stored.
pub async fn stored(portal: &TestPortal, id: &str) -> Connection {
    connections::load(&portal.running.ctx, id)
        .await
        .expect("the table answers")
        .expect("the connection is stored")
}

/// The signed-in person behind a session, for driving the domain directly.
pub async fn principal(portal: &TestPortal, session: &Session) -> Principal {
    sessions::resolve(&portal.running.ctx, &session.token)
        .await
        .expect("the session resolves")
}

/// Runs the expiry function as its schedule would; answers how many it expired.
pub async fn run_expiry(portal: &TestPortal) -> u64 {
    let report = portal
        .running
        .run_scheduled("expire-connections")
        .await
        .expect("the expiry runs");
    report["expired"].as_u64().expect("an expired count")
}

/// Signs in again (after the clock moved past a session's life).
pub async fn again(portal: &TestPortal, session: &Session) -> Session {
    let email = session.user["email"].as_str().expect("an e-mail");
    portal.sign_in(email, PASSWORD).await
}

/// A small seeded generator (xorshift64*): random sequences that a seed replays.
pub struct Gen(u64);

impl Gen {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A whole number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn chance(&mut self, in_n: u64) -> bool {
        self.below(in_n) == 0
    }
}

/// A file as fetched: status, headers and bytes.
pub struct Fetched {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub bytes: Vec<u8>,
}

pub async fn fetch(portal: &TestPortal, who: &Session, path: &str) -> Fetched {
    let response = portal
        .http
        .get(portal.url(path))
        .bearer_auth(&who.token)
        .send()
        .await
        .expect("the portal answers");
    Fetched {
        status: response.status(),
        headers: response.headers().clone(),
        bytes: response.bytes().await.expect("a body").to_vec(),
    }
}

/// A date the API gave.
pub fn date_of(value: &Value) -> Date {
    portal_domain::values::parse_date(value.as_str().expect("a date")).expect("a date")
}

/// One side acts on a connection: `rest` is the route after `/api/connections/{id}`.
pub async fn act(
    portal: &TestPortal,
    who: &Session,
    method: Method,
    id: &str,
    rest: &str,
    body: Option<Value>,
) -> Answer {
    portal
        .call(who, method, &connection_path(id, rest), body)
        .await
}
