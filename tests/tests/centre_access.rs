//! Who may use the centre portal (CEN-1..5) and what it refuses: every centre route against
//! every kind of caller and another centre's user; the signed URL of a zip, changed or
//! expired; bad input, each named and nothing queued or sent; idempotent requests; and the
//! rules of telling learners (interval, links, one e-mail when asked twice at once).

use portal_domain::centre::downloads::blob_key;
use portal_domain::documents::Reference;
use portal_tests::centre::{
    OTHER_CENTRE, ask, build, download, download_ids, issue_many, other_centre_session, queue,
};
use portal_tests::connections::{GRACE, again, centre_session, expect};
use portal_tests::jobs::{self, CENTRE};
use portal_tests::portal::{Answer, Session, TestPortal};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const ADA: &str = "ada@learners.test";

/// Two centres, each with a job and a ready download, and every kind of caller.
struct World {
    portal: TestPortal,
    here: Session,
    other: Session,
    learner: Session,
    third_party: Session,
    admin: Session,
    /// This centre's job J-HERE-1: Ada's certificate, unit certificate and badge.
    references: Vec<String>,
    /// The other centre's job J-THERE-1.
    other_references: Vec<String>,
    download: String,
    other_download: String,
}

async fn world() -> World {
    let portal = jobs::portal().await;
    let learner = portal.active_learner(ADA, "ENR-1001").await;
    let references = portal
        .issue(jobs::job(
            "J-HERE-1",
            vec![jobs::achievement(
                "ENR-1001",
                "603/4182/8",
                &["certificate", "unit_certificate", "badge"],
            )],
        ))
        .await;
    let here = centre_session(&portal).await;
    let other = other_centre_session(&portal).await;
    let other_references = issue_many(
        &portal,
        OTHER_CENTRE,
        "J-THERE-1",
        "SBK-",
        2,
        &["certificate"],
    )
    .await;
    let third_party = portal.active_third_party(GRACE).await;
    let admin = portal.admin().await;
    let download = queue(
        &portal,
        &here,
        json!({ "job_id": "J-HERE-1", "purpose": "Audit" }),
    )
    .await;
    let other_download = queue(
        &portal,
        &other,
        json!({ "job_id": "J-THERE-1", "purpose": "Audit" }),
    )
    .await;
    assert_eq!(build(&portal).await["built"], 2);
    World {
        portal,
        here,
        other,
        learner,
        third_party,
        admin,
        references,
        other_references,
        download,
        other_download,
    }
}

/// Every centre route, as this centre's user would call it.
fn routes(w: &World) -> Vec<(Method, String, Option<Value>)> {
    let d = &w.download;
    vec![
        (Method::GET, "/api/centre/jobs".into(), None),
        (Method::GET, "/api/centre/jobs/J-HERE-1".into(), None),
        (Method::GET, "/api/centre/records".into(), None),
        (
            Method::POST,
            "/api/centre/notifications".into(),
            Some(json!({ "enrolment_numbers": ["ENR-1001"] })),
        ),
        (
            Method::POST,
            "/api/centre/downloads".into(),
            Some(json!({ "job_id": "J-HERE-1", "purpose": "Audit" })),
        ),
        (Method::GET, "/api/centre/downloads".into(), None),
        (Method::GET, format!("/api/centre/downloads/{d}"), None),
        (
            Method::POST,
            format!("/api/centre/downloads/{d}/retry"),
            Some(json!({})),
        ),
    ]
}

fn items(answer: &Answer) -> &Vec<Value> {
    answer.body["items"].as_array().expect("items")
}

fn strings(answer: &Answer, field: &str) -> Vec<String> {
    items(answer)
        .iter()
        .map(|i| i[field].as_str().expect("a string").to_owned())
        .collect()
}

#[tokio::test]
async fn centre_routes_answer_only_the_centres_own_users() {
    let w = world().await;
    let portal = &w.portal;

    // Anonymous: 401 everywhere. Learners, third parties and admins: 403 everywhere.
    for (method, path, body) in routes(&w) {
        let anonymous = portal.send(method.clone(), &path, body.clone(), &[]).await;
        assert_eq!(
            anonymous.status,
            StatusCode::UNAUTHORIZED,
            "anonymous {method} {path}: {:?}",
            anonymous.body
        );
        for (who, session) in [
            ("a learner", &w.learner),
            ("a third party", &w.third_party),
            ("an admin", &w.admin),
        ] {
            let answer = portal
                .call(session, method.clone(), &path, body.clone())
                .await;
            assert_eq!(
                answer.status,
                StatusCode::FORBIDDEN,
                "{who}: {method} {path}: {:?}",
                answer.body
            );
        }
    }

    // The centre's own user: every route answers.
    let mut own = Vec::new();
    for (method, path, body) in routes(&w) {
        own.push(portal.call(&w.here, method, &path, body).await.status);
    }
    assert_eq!(
        own,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::ACCEPTED,
            StatusCode::OK,
            StatusCode::OK,
            // A ready download is not retried.
            StatusCode::CONFLICT,
        ]
    );

    // Another centre's user: this centre's job and download are not found; its lists hold its
    // own work only.
    let other = &w.other;
    let jobs_there = expect(
        portal
            .call(other, Method::GET, "/api/centre/jobs", None)
            .await,
        StatusCode::OK,
        "the other centre's jobs",
    );
    assert_eq!(strings(&jobs_there, "job_id"), ["J-THERE-1"]);
    let records_there = expect(
        portal
            .call(other, Method::GET, "/api/centre/records?limit=100", None)
            .await,
        StatusCode::OK,
        "the other centre's records",
    );
    let mut numbers = strings(&records_there, "enrolment_number");
    numbers.sort();
    assert_eq!(numbers, ["SBK-0001", "SBK-0002"]);
    // Searching for this centre's learner or document finds nothing.
    for q in ["ENR-1001", "lovelace", w.references[0].as_str()] {
        let found = expect(
            portal
                .call(
                    other,
                    Method::GET,
                    &format!("/api/centre/records?q={q}"),
                    None,
                )
                .await,
            StatusCode::OK,
            q,
        );
        assert!(items(&found).is_empty(), "{q}: {:?}", found.body);
    }
    assert_eq!(
        download_ids(portal, other).await,
        [w.other_download.as_str()]
    );
    let here_download = format!("/api/centre/downloads/{}", w.download);
    for (method, path) in [
        (Method::GET, "/api/centre/jobs/J-HERE-1".to_owned()),
        (Method::GET, here_download.clone()),
        (Method::POST, format!("{here_download}/retry")),
    ] {
        let answer = portal
            .call(
                other,
                method.clone(),
                &path,
                Some(json!({})).filter(|_| method == Method::POST),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::NOT_FOUND,
            "{method} {path}: {:?}",
            answer.body
        );
    }
    // And the other way round.
    let there_download = format!("/api/centre/downloads/{}", w.other_download);
    for path in ["/api/centre/jobs/J-THERE-1", there_download.as_str()] {
        let answer = portal.call(&w.here, Method::GET, path, None).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
    }
    let here_jobs = portal
        .call(&w.here, Method::GET, "/api/centre/jobs", None)
        .await;
    assert_eq!(strings(&here_jobs, "job_id"), ["J-HERE-1"]);

    // Telling this centre's learner is refused, naming the number; nothing is sent.
    let mails = portal.mail_to(ADA).await.len();
    let told = portal
        .call(
            other,
            Method::POST,
            "/api/centre/notifications",
            Some(json!({ "enrolment_numbers": ["SBK-0001", "ENR-1001"] })),
        )
        .await;
    assert_eq!(
        told.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        told.body
    );
    assert!(told.is_problem());
    assert_eq!(told.fields(), ["enrolment_numbers[1]"]);
    assert_eq!(portal.mail_to(ADA).await.len(), mails);
}

#[tokio::test]
async fn another_centres_documents_cannot_be_downloaded_or_opened() {
    let w = world().await;
    let portal = &w.portal;
    let other = &w.other;
    let before = download_ids(portal, other).await;

    for (body, field) in [
        (
            json!({ "references": [w.references[0]], "purpose": "Audit" }),
            vec!["references[0]"],
        ),
        (
            json!({ "references": [w.other_references[0], w.references[1]], "purpose": "Audit" }),
            vec!["references[1]"],
        ),
        (
            json!({ "job_id": "J-HERE-1", "purpose": "Audit" }),
            vec!["job_id"],
        ),
    ] {
        let answer = ask(portal, other, body.clone()).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {:?}",
            answer.body
        );
        assert!(answer.is_problem(), "{body}");
        assert_eq!(answer.fields(), field, "{body}");
    }
    assert_eq!(download_ids(portal, other).await, before);
    assert_eq!(build(portal).await["built"], 0);

    // The documents themselves: not found for the other centre, in any form.
    for path in [
        format!("/api/documents/{}", w.references[0]),
        format!("/api/documents/{}/pdf", w.references[0]),
        format!("/api/documents/{}/pdf?download=true", w.references[0]),
    ] {
        let answer = portal.call(other, Method::GET, &path, None).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
    }
    // This centre sees its own, but may not download a single document.
    let own = portal
        .call(
            &w.here,
            Method::GET,
            &format!("/api/documents/{}", w.references[0]),
            None,
        )
        .await;
    assert_eq!(own.status, StatusCode::OK, "{:?}", own.body);
    let single = portal
        .call(
            &w.here,
            Method::GET,
            &format!("/api/documents/{}/pdf?download=true", w.references[0]),
            None,
        )
        .await;
    assert_eq!(single.status, StatusCode::FORBIDDEN);
}

/// The URL with one character at `at` changed to another of its kind.
fn changed_at(url: &str, at: usize) -> Option<String> {
    let c = url[at..].chars().next()?;
    let replacement = match c {
        '0'..='8' | 'a'..='y' | 'A'..='Y' => char::from(c as u8 + 1),
        '9' => '0',
        'z' => 'a',
        'Z' => 'A',
        _ => return None,
    };
    let mut changed = url.to_owned();
    changed.replace_range(at..at + c.len_utf8(), &replacement.to_string());
    Some(changed)
}

/// Where a part of the URL (the text after `start`, up to `end` or the end) lies.
fn span(url: &str, start: &str, end: char) -> std::ops::Range<usize> {
    let from = url
        .find(start)
        .unwrap_or_else(|| panic!("{start} in {url}"))
        + start.len();
    let to = url[from..].find(end).map_or(url.len(), |n| from + n);
    from..to
}

#[tokio::test]
async fn a_zips_signed_url_works_only_unchanged_and_unexpired() {
    let portal = jobs::portal().await;
    let references = issue_many(&portal, CENTRE, "J-URL-1", "ENR-", 2, &["certificate"]).await;
    let alan = centre_session(&portal).await;
    let first = queue(
        &portal,
        &alan,
        json!({ "references": [references[0]], "purpose": "Audit" }),
    )
    .await;
    let second = queue(
        &portal,
        &alan,
        json!({ "references": [references[1]], "purpose": "Audit" }),
    )
    .await;
    assert_eq!(build(&portal).await["built"], 2);
    let ready = expect(
        download(&portal, &alan, &first).await,
        StatusCode::OK,
        "ready",
    );
    let url = ready.body["url"].as_str().expect("a URL").to_owned();
    assert!(ready.body["url_expires_at"].is_string());
    assert!(url.contains(&first), "{url}");

    // No session needed.
    let fetched = reqwest::get(&url).await.unwrap();
    assert_eq!(fetched.status(), StatusCode::OK);
    assert!(!fetched.bytes().await.unwrap().is_empty());

    // Another download's file by the same signature: refused.
    let swapped = url.replace(&first, &second);
    let status = reqwest::get(&swapped).await.unwrap().status();
    assert!(status.is_client_error(), "{swapped}: {status}");

    // Any character of the key, the expiry or the signature changed: refused.
    let mut tried = 0;
    for part in [
        span(&url, "/blobs/", '?'),
        span(&url, "expires=", '&'),
        span(&url, "sig=", '&'),
    ] {
        for at in part {
            let Some(changed) = changed_at(&url, at) else {
                continue;
            };
            tried += 1;
            let status = reqwest::get(&changed).await.unwrap().status();
            assert!(status.is_client_error(), "{changed}: {status}");
        }
    }
    assert!(tried > 60, "{tried} changes tried");

    // Past 15 minutes the URL is refused; asking again gives a new one that works.
    portal.advance(time::Duration::minutes(15) + time::Duration::seconds(1));
    let status = reqwest::get(&url).await.unwrap().status();
    assert!(status.is_client_error(), "an expired URL: {status}");
    let alan = again(&portal, &alan).await;
    let fresh = expect(
        download(&portal, &alan, &first).await,
        StatusCode::OK,
        "again",
    );
    let fresh_url = fresh.body["url"].as_str().expect("a new URL").to_owned();
    assert_ne!(fresh_url, url);
    assert_eq!(
        reqwest::get(&fresh_url).await.unwrap().status(),
        StatusCode::OK
    );

    // After 7 days the download and its file are gone.
    portal.advance(time::Duration::days(7));
    let expired = portal
        .running
        .run_scheduled("expire-downloads")
        .await
        .unwrap();
    assert_eq!(expired["expired"], 2, "{expired}");
    let alan = again(&portal, &alan).await;
    assert_eq!(
        download(&portal, &alan, &first).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(download_ids(&portal, &alan).await.is_empty());
    assert!(
        portal
            .running
            .ctx
            .blobs
            .get(&blob_key(&first))
            .await
            .unwrap()
            .is_none(),
        "the zip is deleted"
    );
    assert_ne!(
        reqwest::get(&fresh_url).await.unwrap().status(),
        StatusCode::OK
    );
}

/// A request that must be refused as a problem naming exactly these fields.
async fn refused(portal: &TestPortal, who: &Session, body: Value, fields: &[&str]) {
    let answer = ask(portal, who, body.clone()).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{body}: {:?}",
        answer.body
    );
    assert!(answer.is_problem(), "{body}");
    assert_eq!(answer.fields(), fields, "{body}: {:?}", answer.body);
}

#[tokio::test]
async fn bad_download_requests_are_refused_naming_the_field_and_queue_nothing() {
    let portal = jobs::portal_with(|o| o.settings.centres.max_download_documents = 2).await;
    let certificates = issue_many(&portal, CENTRE, "J-BAD-1", "ENR-", 3, &["certificate"]).await;
    let badge = issue_many(&portal, CENTRE, "J-BAD-2", "BDG-", 1, &["badge"]).await;
    let alan = centre_session(&portal).await;
    let other = other_centre_session(&portal).await;
    issue_many(
        &portal,
        OTHER_CENTRE,
        "J-THERE-1",
        "SBK-",
        1,
        &["certificate"],
    )
    .await;
    let unknown = Reference::new(portal.running.ctx.random.as_ref());
    let one = &certificates[0];

    for (body, fields) in [
        (
            json!({ "references": [], "purpose": "Audit" }),
            vec!["references"],
        ),
        (json!({ "purpose": "Audit" }), vec!["references"]),
        (
            json!({ "references": [one], "job_id": "J-BAD-1", "purpose": "Audit" }),
            vec!["job_id"],
        ),
        (json!({ "references": [one] }), vec!["purpose"]),
        (
            json!({ "references": [one], "purpose": "   " }),
            vec!["purpose"],
        ),
        (
            json!({ "references": [one], "purpose": "x".repeat(501) }),
            vec!["purpose"],
        ),
        (
            json!({ "references": [one, "not-a-reference"], "purpose": "Audit" }),
            vec!["references[1]"],
        ),
        (
            json!({ "references": [unknown.as_str()], "purpose": "Audit" }),
            vec!["references[0]"],
        ),
        (
            json!({ "references": [badge[0]], "purpose": "Audit" }),
            vec!["references[0]"],
        ),
        (
            json!({ "references": certificates, "purpose": "Audit" }),
            vec!["references"],
        ),
        (
            json!({ "job_id": "J-BAD-1", "purpose": "Audit" }),
            vec!["job_id"],
        ),
        (
            json!({ "job_id": "J-NOPE-9", "purpose": "Audit" }),
            vec!["job_id"],
        ),
        (
            json!({ "job_id": "J-THERE-1", "purpose": "Audit" }),
            vec!["job_id"],
        ),
        // A job of badges only has nothing to put in a zip.
        (
            json!({ "job_id": "J-BAD-2", "purpose": "Audit" }),
            vec!["job_id"],
        ),
        // Everything wrong at once: every problem named.
        (
            json!({ "references": ["nope"], "purpose": "" }),
            vec!["purpose", "references[0]"],
        ),
    ] {
        refused(&portal, &alan, body, &fields).await;
    }
    // Wrong JSON types: a problem, whatever the field.
    for body in [
        json!({ "references": "x", "purpose": "Audit" }),
        json!({ "references": [1, 2], "purpose": "Audit" }),
        json!({ "references": [one], "purpose": 5 }),
        json!({ "job_id": ["J-BAD-1"], "purpose": "Audit" }),
    ] {
        let answer = ask(&portal, &alan, body.clone()).await;
        assert!(
            matches!(
                answer.status,
                StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY
            ),
            "{body}: {:?}",
            answer.body
        );
        assert!(answer.is_problem(), "{body}: {:?}", answer.headers);
    }
    let not_json = portal
        .send(
            Method::POST,
            "/api/centre/downloads",
            None,
            &[("authorization", &format!("Bearer {}", alan.token))],
        )
        .await;
    assert!(not_json.status.is_client_error(), "{not_json:?}");

    // Nothing was queued, and the builder has nothing to build.
    assert!(download_ids(&portal, &alan).await.is_empty());
    assert!(download_ids(&portal, &other).await.is_empty());
    assert_eq!(build(&portal).await["built"], 0);

    // The limits are where they say.
    let at_limits = queue(
        &portal,
        &alan,
        json!({ "references": certificates[..2], "purpose": "x".repeat(500) }),
    )
    .await;
    assert_eq!(download_ids(&portal, &alan).await, [at_limits]);
}

#[tokio::test]
async fn bad_notifications_and_searches_are_refused_naming_the_field() {
    let portal = jobs::portal().await;
    issue_many(&portal, CENTRE, "J-BAD-1", "ENR-", 1, &["certificate"]).await;
    let alan = centre_session(&portal).await;
    let other = other_centre_session(&portal).await;
    issue_many(
        &portal,
        OTHER_CENTRE,
        "J-THERE-1",
        "SBK-",
        1,
        &["certificate"],
    )
    .await;
    let mails = portal.mail_count().await;

    let many: Vec<String> = (0..501).map(|n| format!("ENR-{n:05}")).collect();
    for (body, fields) in [
        (
            json!({ "enrolment_numbers": [] }),
            vec!["enrolment_numbers"],
        ),
        (json!({}), vec!["enrolment_numbers"]),
        (
            json!({ "enrolment_numbers": many }),
            vec!["enrolment_numbers"],
        ),
        (
            json!({ "enrolment_numbers": ["ENR-0001", "not a number!"] }),
            vec!["enrolment_numbers[1]"],
        ),
        (
            json!({ "enrolment_numbers": ["ENR-0001", "SBK-0001"] }),
            vec!["enrolment_numbers[1]"],
        ),
        (
            json!({ "enrolment_numbers": ["NOBODY-1", "ENR-0001"] }),
            vec!["enrolment_numbers[0]"],
        ),
    ] {
        let answer = portal
            .call(
                &alan,
                Method::POST,
                "/api/centre/notifications",
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {:?}",
            answer.body
        );
        assert!(answer.is_problem());
        assert_eq!(answer.fields(), fields, "{body}");
    }
    let wrong_type = portal
        .call(
            &alan,
            Method::POST,
            "/api/centre/notifications",
            Some(json!({ "enrolment_numbers": "ENR-0001" })),
        )
        .await;
    assert!(
        matches!(
            wrong_type.status,
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY
        ),
        "{wrong_type:?}"
    );
    assert!(wrong_type.is_problem());
    assert_eq!(portal.mail_count().await, mails, "nothing was sent");
    // The other centre's learner was not told either: a good request now sends one e-mail.
    let told = expect(
        portal
            .call(
                &other,
                Method::POST,
                "/api/centre/notifications",
                Some(json!({ "enrolment_numbers": ["SBK-0001"] })),
            )
            .await,
        StatusCode::OK,
        "the other centre tells its own learner",
    );
    assert_eq!(told.body["skipped"][0]["reason"], "no_email");

    for (query, field) in [
        ("from=yesterday", "from"),
        ("from=2026-13-01", "from"),
        ("to=2026-02-30", "to"),
        ("from=2026-11-02&to=2026-11-01", "to"),
        ("cursor=%25%25not-a-cursor%25%25", "cursor"),
    ] {
        let answer = portal
            .call(
                &alan,
                Method::GET,
                &format!("/api/centre/records?{query}"),
                None,
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {:?}",
            answer.body
        );
        assert!(answer.is_problem());
        assert_eq!(answer.fields(), [field], "{query}");
    }
    // The jobs' lists page by cursors of their own.
    for path in [
        "/api/centre/jobs/J-BAD-1?cursor=not-a-number",
        "/api/centre/jobs?cursor=%25%25not-a-cursor%25%25",
        "/api/centre/downloads?cursor=%25%25not-a-cursor%25%25",
    ] {
        let answer = portal.call(&alan, Method::GET, path, None).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {:?}",
            answer.body
        );
        assert!(answer.is_problem());
        assert_eq!(answer.fields(), ["cursor"], "{path}");
    }
    let page = portal
        .call(&alan, Method::GET, "/api/centre/records?limit=0", None)
        .await;
    assert!(page.status.is_client_error(), "{page:?}");
}

#[tokio::test]
async fn only_a_failed_download_is_retried() {
    let portal = jobs::portal().await;
    let references = issue_many(&portal, CENTRE, "J-RETRY-1", "ENR-", 1, &["certificate"]).await;
    let alan = centre_session(&portal).await;
    let id = queue(
        &portal,
        &alan,
        json!({ "references": references, "purpose": "Audit" }),
    )
    .await;
    let retry = |id: String| {
        let portal = &portal;
        let alan = &alan;
        async move {
            portal
                .call(
                    alan,
                    Method::POST,
                    &format!("/api/centre/downloads/{id}/retry"),
                    Some(json!({})),
                )
                .await
        }
    };
    let queued = retry(id.clone()).await;
    assert_eq!(queued.status, StatusCode::CONFLICT, "{:?}", queued.body);
    assert!(queued.is_problem());
    assert_eq!(build(&portal).await["built"], 1);
    assert_eq!(retry(id.clone()).await.status, StatusCode::CONFLICT);
    let unknown = uuid_like(&id);
    assert_eq!(retry(unknown).await.status, StatusCode::NOT_FOUND);
    assert_eq!(retry("nope".into()).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        download(&portal, &alan, "nope").await.status,
        StatusCode::NOT_FOUND
    );
    // Still the one download, still ready.
    assert_eq!(download_ids(&portal, &alan).await, [id.as_str()]);
    assert_eq!(download(&portal, &alan, &id).await.body["status"], "ready");
}

/// An id shaped like this one that is no download's.
fn uuid_like(id: &str) -> String {
    let mut other: String = id.chars().rev().collect();
    if other == id {
        other = "00000000-0000-4000-8000-000000000000".into();
    }
    // Keep the dashes where a UUID has them.
    let digits: String = other.chars().filter(|c| *c != '-').collect();
    format!(
        "{}-{}-{}-{}-{}",
        &digits[..8],
        &digits[8..12],
        &digits[12..16],
        &digits[16..20],
        &digits[20..32]
    )
}

async fn ask_with_key(portal: &TestPortal, who: &Session, key: &str, body: &Value) -> Answer {
    let bearer = format!("Bearer {}", who.token);
    portal
        .send(
            Method::POST,
            "/api/centre/downloads",
            Some(body.clone()),
            &[("authorization", &bearer), ("idempotency-key", key)],
        )
        .await
}

#[tokio::test]
async fn one_idempotency_key_makes_one_download() {
    let portal = jobs::portal().await;
    let references = issue_many(&portal, CENTRE, "J-IDEM-1", "ENR-", 2, &["certificate"]).await;
    let alan = centre_session(&portal).await;
    let body = json!({ "references": references, "purpose": "Audit" });

    let first = expect(
        ask_with_key(&portal, &alan, "key-one", &body).await,
        StatusCode::ACCEPTED,
        "first",
    );
    let second = expect(
        ask_with_key(&portal, &alan, "key-one", &body).await,
        StatusCode::ACCEPTED,
        "second",
    );
    assert_eq!(first.body["id"], second.body["id"]);
    assert_eq!(download_ids(&portal, &alan).await.len(), 1);
    // Another key is another download.
    let third = expect(
        ask_with_key(&portal, &alan, "key-two", &body).await,
        StatusCode::ACCEPTED,
        "another key",
    );
    assert_ne!(third.body["id"], first.body["id"]);

    // A key too long to be one is refused, and makes nothing.
    let long = "k".repeat(201);
    let refused = ask_with_key(&portal, &alan, &long, &body).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        refused.body
    );
    assert_eq!(refused.fields(), ["Idempotency-Key"]);
    assert_eq!(download_ids(&portal, &alan).await.len(), 2);

    // Two at once with one key: one download.
    let (a, b) = tokio::join!(
        ask_with_key(&portal, &alan, "key-three", &body),
        ask_with_key(&portal, &alan, "key-three", &body)
    );
    assert_eq!(a.status, StatusCode::ACCEPTED, "{:?}", a.body);
    assert_eq!(b.status, StatusCode::ACCEPTED, "{:?}", b.body);
    assert_eq!(a.body["id"], b.body["id"]);
    let ids = download_ids(&portal, &alan).await;
    assert_eq!(ids.len(), 3, "{ids:?}");
    // And it is built once.
    assert_eq!(build(&portal).await["built"], 3);
}

async fn notify(portal: &TestPortal, who: &Session, numbers: &[&str]) -> Answer {
    portal
        .call(
            who,
            Method::POST,
            "/api/centre/notifications",
            Some(json!({ "enrolment_numbers": numbers })),
        )
        .await
}

/// The "your documents are available" e-mails to this address.
async fn told(portal: &TestPortal, to: &str) -> Vec<Value> {
    portal
        .mail_to(to)
        .await
        .into_iter()
        .filter(|m| {
            m["text"]
                .as_str()
                .is_some_and(|t| t.contains("would like you to know"))
        })
        .collect()
}

fn learner_with_email(job_id: &str, number: &str, email: &str) -> Value {
    json!({
        "job_id": job_id,
        "centre_number": CENTRE,
        "learners": [{ "enrolment_number": number, "first_name": "Grace", "last_name": "Hopper", "date_of_birth": "1990-12-09", "email": email }],
        "achievements": [jobs::achievement(number, "603/4182/8", &["certificate"])],
    })
}

#[tokio::test]
async fn a_learner_is_told_again_only_after_the_interval_or_about_new_documents() {
    let portal = jobs::portal().await;
    let grace = "grace@learners.test";
    portal
        .issue(learner_with_email("J-TELL-1", "ENR-2001", grace))
        .await;
    let alan = centre_session(&portal).await;

    let first = expect(
        notify(&portal, &alan, &["ENR-2001"]).await,
        StatusCode::OK,
        "first",
    );
    assert_eq!(first.body["sent"], 1, "{:?}", first.body);
    let second = expect(
        notify(&portal, &alan, &["ENR-2001"]).await,
        StatusCode::OK,
        "second",
    );
    assert_eq!(second.body["sent"], 0);
    assert_eq!(second.body["skipped"][0]["reason"], "recently_notified");
    assert_eq!(second.body["skipped"][0]["enrolment_number"], "ENR-2001");
    assert_eq!(told(&portal, grace).await.len(), 1);

    // Not yet: a minute short of the interval.
    portal.advance(time::Duration::days(7) - time::Duration::minutes(1));
    let alan = again(&portal, &alan).await;
    let early = expect(
        notify(&portal, &alan, &["ENR-2001"]).await,
        StatusCode::OK,
        "early",
    );
    assert_eq!(early.body["sent"], 0, "{:?}", early.body);
    // Past it: told again.
    portal.advance(time::Duration::minutes(2));
    let later = expect(
        notify(&portal, &alan, &["ENR-2001"]).await,
        StatusCode::OK,
        "later",
    );
    assert_eq!(later.body["sent"], 1, "{:?}", later.body);
    assert_eq!(told(&portal, grace).await.len(), 2);

    // New documents: told at once, about them too.
    let new = portal
        .issue(learner_with_email("J-TELL-2", "ENR-2001", grace))
        .await;
    let alan = again(&portal, &alan).await;
    let news = expect(
        notify(&portal, &alan, &["ENR-2001"]).await,
        StatusCode::OK,
        "news",
    );
    assert_eq!(news.body["sent"], 1, "{:?}", news.body);
    let mails = told(&portal, grace).await;
    assert_eq!(mails.len(), 3);
    assert!(
        mails[2]["text"].as_str().unwrap().contains(&new[0]),
        "{:?}",
        mails[2]
    );
    let again_now = expect(
        notify(&portal, &alan, &["ENR-2001"]).await,
        StatusCode::OK,
        "again",
    );
    assert_eq!(again_now.body["sent"], 0);
}

#[tokio::test]
async fn a_learner_with_an_account_is_told_to_sign_in_one_without_to_register() {
    let portal = jobs::portal().await;
    portal.active_learner(ADA, "ENR-1001").await;
    let record_address = "ada.record@learners.test";
    portal
        .issue(json!({
            "job_id": "J-TELL-1",
            "centre_number": CENTRE,
            "learners": [
                { "enrolment_number": "ENR-1001", "first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1990-12-10", "email": record_address },
                { "enrolment_number": "ENR-2001", "first_name": "Grace", "last_name": "Hopper", "date_of_birth": "1990-12-09", "email": "grace@learners.test" }
            ],
            "achievements": [
                jobs::achievement("ENR-1001", "603/4182/8", &["certificate"]),
                jobs::achievement("ENR-2001", "603/4182/8", &["certificate"]),
            ],
        }))
        .await;
    let alan = centre_session(&portal).await;
    let sent = expect(
        notify(&portal, &alan, &["ENR-1001", "ENR-2001"]).await,
        StatusCode::OK,
        "notify",
    );
    assert_eq!(sent.body["sent"], 2, "{:?}", sent.body);

    let ada = told(&portal, ADA).await;
    assert_eq!(ada.len(), 1, "at the account's address");
    let text = ada[0]["text"].as_str().unwrap();
    assert!(text.contains("/documents"), "{text}");
    assert!(!text.contains("/register"), "{text}");
    assert!(told(&portal, record_address).await.is_empty());
    let grace = told(&portal, "grace@learners.test").await;
    assert_eq!(grace.len(), 1);
    let text = grace[0]["text"].as_str().unwrap();
    assert!(text.contains("/register"), "{text}");
    assert!(text.contains("Northgate College"), "{text}");
}

#[tokio::test]
async fn two_notifications_at_once_send_one_email() {
    let portal = jobs::portal().await;
    let grace = "grace@learners.test";
    portal
        .issue(learner_with_email("J-TELL-1", "ENR-2001", grace))
        .await;
    let alan = centre_session(&portal).await;
    let (a, b) = tokio::join!(
        notify(&portal, &alan, &["ENR-2001"]),
        notify(&portal, &alan, &["ENR-2001"])
    );
    let a = expect(a, StatusCode::OK, "one");
    let b = expect(b, StatusCode::OK, "the other");
    assert_eq!(
        a.body["sent"].as_u64().unwrap() + b.body["sent"].as_u64().unwrap(),
        1,
        "{:?} {:?}",
        a.body,
        b.body
    );
    assert_eq!(told(&portal, grace).await.len(), 1);
}
