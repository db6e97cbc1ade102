//! The centre portal's journey (CEN-1..5): a job is issued, a centre user signs in, finds the
//! records, asks for a zip, waits for it, fetches it by its signed URL and finds in it every
//! document asked for, each a PDF of the right document; tells learners; views and reports.

use std::io::{Cursor, Read};

use portal_tests::connections::{again, centre_session, expect};
use portal_tests::jobs::{self, CENTRE};
use portal_tests::portal::TestPortal;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A job of three learners: two with a certificate, a unit certificate and a badge, one with a
/// letter.
async fn issued(portal: &TestPortal) -> Vec<String> {
    portal
        .issue(json!({
            "job_id": "J-CEN-1",
            "centre_number": CENTRE,
            "learners": [
                { "enrolment_number": "ENR-2001", "first_name": "Grace", "last_name": "Hopper", "date_of_birth": "1990-12-09", "email": "grace@learners.test" },
                { "enrolment_number": "ENR-2002", "first_name": "José", "last_name": "Núñez", "date_of_birth": "1991-01-02", "email": "jose@learners.test" },
                { "enrolment_number": "ENR-2003", "first_name": "Alan", "last_name": "Kay", "date_of_birth": "1992-05-17" }
            ],
            "achievements": [
                jobs::achievement("ENR-2001", "603/4182/8", &["certificate", "unit_certificate", "badge"]),
                jobs::achievement("ENR-2002", "603/4182/8", &["certificate", "unit_certificate", "badge"]),
                jobs::achievement("ENR-2003", "601/0001/X", &["letter"]),
            ],
        }))
        .await
}

async fn build(portal: &TestPortal) -> Value {
    portal
        .running
        .run_scheduled("build-zip")
        .await
        .expect("build-zip runs")
}

#[tokio::test]
async fn a_centre_user_downloads_its_learners_documents_as_one_zip_of_pdfs() {
    let portal = jobs::portal().await;
    let references = issued(&portal).await;
    let alan = centre_session(&portal).await;

    // CEN-1: the job, newest first, with its records.
    let jobs_page = expect(
        portal
            .call(&alan, Method::GET, "/api/centre/jobs", None)
            .await,
        StatusCode::OK,
        "jobs",
    );
    assert_eq!(jobs_page.body["items"][0]["job_id"], "J-CEN-1");
    assert_eq!(jobs_page.body["items"][0]["documents"], 7);
    let job = expect(
        portal
            .call(&alan, Method::GET, "/api/centre/jobs/J-CEN-1", None)
            .await,
        StatusCode::OK,
        "job",
    );
    assert_eq!(job.body["records"].as_array().unwrap().len(), 3);

    // CEN-2: by name (part of it, any case), by enrolment number, by reference.
    for (q, expected) in [
        ("hopp", vec!["ENR-2001"]),
        ("ENR-2002", vec!["ENR-2002"]),
        (references[6].as_str(), vec!["ENR-2003"]),
    ] {
        let found = expect(
            portal
                .call(
                    &alan,
                    Method::GET,
                    &format!("/api/centre/records?q={q}"),
                    None,
                )
                .await,
            StatusCode::OK,
            q,
        );
        let numbers: Vec<&str> = found.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["enrolment_number"].as_str().unwrap())
            .collect();
        assert_eq!(numbers, expected, "q={q}");
    }
    // Paging: one record a page, all three in turn.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/centre/records?limit=1&cursor={c}"),
            None => "/api/centre/records?limit=1".to_owned(),
        };
        let page = expect(
            portal.call(&alan, Method::GET, &path, None).await,
            StatusCode::OK,
            "page",
        );
        for r in page.body["items"].as_array().unwrap() {
            seen.push(r["enrolment_number"].as_str().unwrap().to_owned());
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    seen.sort();
    assert_eq!(seen, ["ENR-2001", "ENR-2002", "ENR-2003"]);

    // CEN-2: a document is viewable, as a view-only copy; not downloadable.
    let pdf = portal
        .call(
            &alan,
            Method::GET,
            &format!("/api/documents/{}/pdf", references[0]),
            None,
        )
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    let download = portal
        .call(
            &alan,
            Method::GET,
            &format!("/api/documents/{}/pdf?download=true", references[0]),
            None,
        )
        .await;
    assert_eq!(download.status, StatusCode::FORBIDDEN);

    // CEN-4: the whole job; badges have no PDF, so 5 documents.
    let queued = expect(
        portal
            .call(
                &alan,
                Method::POST,
                "/api/centre/downloads",
                Some(json!({ "job_id": "J-CEN-1", "purpose": "The regulator's audit" })),
            )
            .await,
        StatusCode::ACCEPTED,
        "download",
    );
    assert_eq!(queued.body["status"], "queued");
    assert_eq!(queued.body["total"], 5);
    let id = queued.body["id"].as_str().unwrap().to_owned();
    let report = build(&portal).await;
    assert_eq!(report["built"], 1, "{report}");
    let ready = expect(
        portal
            .call(
                &alan,
                Method::GET,
                &format!("/api/centre/downloads/{id}"),
                None,
            )
            .await,
        StatusCode::OK,
        "ready",
    );
    assert_eq!(ready.body["status"], "ready", "{:?}", ready.body);
    assert_eq!(ready.body["done"], 5);
    let url = ready.body["url"].as_str().expect("a signed URL").to_owned();
    // The URL needs no session.
    let zip = reqwest::get(&url).await.unwrap();
    assert_eq!(zip.status(), StatusCode::OK);
    let bytes = zip.bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).expect("a zip");
    let mut names = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().expect("a UTF-8 name").to_string();
        assert_eq!(file.compression(), zip::CompressionMethod::Stored);
        let mut pdf = Vec::new();
        file.read_to_end(&mut pdf).unwrap();
        assert!(pdf.starts_with(b"%PDF-"), "{name} is a PDF");
        let text = String::from_utf8_lossy(&pdf);
        let reference = name
            .rsplit('_')
            .next()
            .unwrap()
            .trim_end_matches(".pdf")
            .to_owned();
        assert!(references.contains(&reference), "{name}");
        // The document's own PDF: lopdf finds the reference in its text.
        let doc = lopdf::Document::load_mem(&pdf).expect("a readable PDF");
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        let words = doc
            .extract_text(&pages)
            .unwrap_or_else(|_| text.to_string());
        assert!(words.contains(&reference), "{name} holds {reference}");
        names.push(name);
    }
    names.sort();
    assert_eq!(names.len(), 5, "{names:?}");
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("Nunez_Jose_ENR-2002/Certificate_")),
        "{names:?}"
    );
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("Kay_Alan_ENR-2003/Letter_")),
        "{names:?}"
    );

    // CEN-3: tell two learners; the one without an e-mail is skipped with the reason; asking
    // again is skipped as recently notified.
    let told = expect(
        portal
            .call(
                &alan,
                Method::POST,
                "/api/centre/notifications",
                Some(json!({ "enrolment_numbers": ["ENR-2001", "ENR-2003"] })),
            )
            .await,
        StatusCode::OK,
        "notify",
    );
    assert_eq!(told.body["sent"], 1, "{:?}", told.body);
    assert_eq!(told.body["skipped"][0]["reason"], "no_email");
    let mail = portal.mail_to("grace@learners.test").await;
    assert!(
        mail.iter()
            .any(|m| m["text"].as_str().unwrap().contains("/register")),
        "{mail:?}"
    );
    let told_again = expect(
        portal
            .call(
                &alan,
                Method::POST,
                "/api/centre/notifications",
                Some(json!({ "enrolment_numbers": ["ENR-2001"] })),
            )
            .await,
        StatusCode::OK,
        "notify again",
    );
    assert_eq!(told_again.body["sent"], 0);
    assert_eq!(told_again.body["skipped"][0]["reason"], "recently_notified");

    // CEN-5: a report on a record.
    let reported = portal
        .call(
            &alan,
            Method::POST,
            &format!("/api/documents/{}/reports", references[0]),
            Some(json!({ "reason": "A date is wrong", "description": "The award date is a day early." })),
        )
        .await;
    assert_eq!(reported.status, StatusCode::CREATED, "{:?}", reported.body);

    // SCH-2: after 7 days the download and its file are gone.
    portal.advance(time::Duration::days(7));
    let expired = portal
        .running
        .run_scheduled("expire-downloads")
        .await
        .unwrap();
    assert_eq!(expired["expired"], 1);
    let alan = again(&portal, &alan).await;
    let gone = portal
        .call(
            &alan,
            Method::GET,
            &format!("/api/centre/downloads/{id}"),
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_ne!(reqwest::get(&url).await.unwrap().status(), StatusCode::OK);
}
