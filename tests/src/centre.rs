//! The centre portal (CEN) for tests: a second centre and its user, jobs of many learners,
//! downloads asked for and built, and the zip opened.

use std::io::{Cursor, Read};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::connections::{centre_session, expect};
use crate::jobs::{self, CENTRE};
use crate::portal::{Answer, PASSWORD, Session, TestPortal, centre_user};

/// A second centre, with its own user and jobs.
pub const OTHER_CENTRE: &str = "C-8002";
pub const OTHER_CENTRE_NAME: &str = "Southbank College";
pub const OTHER_CENTRE_EMAIL: &str = "exams@southbank.test";

/// Registers the second centre's record and a user of it, active and signed in.
pub async fn other_centre_session(portal: &TestPortal) -> Session {
    portal
        .import_centre(OTHER_CENTRE, OTHER_CENTRE_NAME, OTHER_CENTRE_EMAIL)
        .await;
    let email = "bea@southbank.test";
    let approved = portal
        .approved_centre_user(centre_user(email, OTHER_CENTRE, OTHER_CENTRE_NAME))
        .await;
    assert_eq!(approved.body["status"], "active", "{:?}", approved.body);
    portal.sign_in(email, PASSWORD).await
}

/// A job for `centre` of `learners` learners numbered `{prefix}{0001..}`, each with one
/// achievement of these documents; answers the references issued.
pub async fn issue_many(
    portal: &TestPortal,
    centre: &str,
    job_id: &str,
    prefix: &str,
    learners: usize,
    documents: &[&str],
) -> Vec<String> {
    let numbers: Vec<String> = (1..=learners).map(|n| format!("{prefix}{n:04}")).collect();
    portal
        .issue(json!({
            "job_id": job_id,
            "centre_number": centre,
            "learners": numbers.iter().enumerate().map(|(n, number)| json!({
                "enrolment_number": number, "first_name": format!("Learner{n}"),
                "last_name": "Example", "date_of_birth": "1991-03-04",
            })).collect::<Vec<_>>(),
            "achievements": numbers.iter().map(|number| jobs::achievement(number, "603/4182/8", documents)).collect::<Vec<_>>(),
        }))
        .await
}

/// A job of this centre ([`CENTRE`]) of `learners` learners.
pub async fn issue_here(
    portal: &TestPortal,
    job_id: &str,
    prefix: &str,
    learners: usize,
    documents: &[&str],
) -> Vec<String> {
    issue_many(portal, CENTRE, job_id, prefix, learners, documents).await
}

/// Asks for a download; the raw answer.
pub async fn ask(portal: &TestPortal, who: &Session, body: Value) -> Answer {
    portal
        .call(who, Method::POST, "/api/centre/downloads", Some(body))
        .await
}

/// Asks for a download that must be queued; answers its id.
pub async fn queue(portal: &TestPortal, who: &Session, body: Value) -> String {
    let queued = expect(
        ask(portal, who, body).await,
        StatusCode::ACCEPTED,
        "asking for a download",
    );
    assert_eq!(queued.body["status"], "queued", "{:?}", queued.body);
    queued.body["id"].as_str().expect("an id").to_owned()
}

/// A download of `learners` certificates of a new job, asked for by the centre's signed-in user
/// (who, and the download's id).
pub async fn certificates_queued(
    portal: &TestPortal,
    job_id: &str,
    learners: usize,
) -> (Session, String) {
    let references = issue_here(portal, job_id, "ENR-", learners, &["certificate"]).await;
    let alan = centre_session(portal).await;
    let id = queue(
        portal,
        &alan,
        json!({ "references": references, "purpose": "Audit" }),
    )
    .await;
    (alan, id)
}

/// A ready download as its centre sees it, and its zip's entries fetched by its signed URL.
pub async fn ready_zip(
    portal: &TestPortal,
    who: &Session,
    id: &str,
) -> (Value, Vec<(String, Vec<u8>)>) {
    let ready = expect(download(portal, who, id).await, StatusCode::OK, "ready");
    assert_eq!(ready.body["status"], "ready", "{:?}", ready.body);
    let url = ready.body["url"].as_str().expect("a signed URL");
    let bytes = reqwest::get(url)
        .await
        .expect("the URL answers")
        .bytes()
        .await
        .expect("a body");
    (ready.body, unzip(&bytes))
}

/// Runs `build-zip` as its schedule would; its report.
pub async fn build(portal: &TestPortal) -> Value {
    portal
        .running
        .run_scheduled("build-zip")
        .await
        .expect("build-zip runs")
}

/// One download as its centre sees it.
pub async fn download(portal: &TestPortal, who: &Session, id: &str) -> Answer {
    portal
        .call(
            who,
            Method::GET,
            &format!("/api/centre/downloads/{id}"),
            None,
        )
        .await
}

/// The ids on the caller's download list.
pub async fn download_ids(portal: &TestPortal, who: &Session) -> Vec<String> {
    let listed = expect(
        portal
            .call(who, Method::GET, "/api/centre/downloads?limit=100", None)
            .await,
        StatusCode::OK,
        "the download list",
    );
    listed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|d| d["id"].as_str().expect("an id").to_owned())
        .collect()
}

/// The entries of a zip: name and bytes, in the archive's order; checks every entry is stored.
pub fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).expect("an entry");
            let name = file.name().expect("a UTF-8 name").to_string();
            assert_eq!(file.compression(), zip::CompressionMethod::Stored, "{name}");
            let mut content = Vec::new();
            file.read_to_end(&mut content).expect("the entry reads");
            (name, content)
        })
        .collect()
}

/// The reference an entry's name `{folder}/{Type}_{reference}.pdf` carries.
pub fn reference_in(name: &str) -> &str {
    name.rsplit('_')
        .next()
        .and_then(|last| last.strip_suffix(".pdf"))
        .unwrap_or_else(|| panic!("{name} is not named Type_reference.pdf"))
}
