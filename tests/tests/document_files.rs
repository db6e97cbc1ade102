//! Documents as files over HTTP (DOC-4, DOC-5, DOC-7, VER-2): the PDF, rendered on demand, holds
//! the learner's name, the reference and the verify link; viewing never counts; downloads stop at
//! the limit however many arrive at once; a badge's image; nobody else's files.

use portal_tests::jobs::{achievement, job, portal_with};
use portal_tests::portal::{Answer, Session, TestPortal};
use portal_tests::store::pdf_pages;
use reqwest::{Method, StatusCode};
use serde_json::json;

struct Fetched {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    bytes: Vec<u8>,
}

async fn fetch(portal: &TestPortal, who: Option<&Session>, path: &str) -> Fetched {
    let token = who.map(|s| s.token.clone());
    fetch_url(portal.http.clone(), portal.url(path), token).await
}

async fn fetch_url(http: reqwest::Client, url: String, token: Option<String>) -> Fetched {
    let mut request = http.request(Method::GET, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("the portal answers");
    Fetched {
        status: response.status(),
        headers: response.headers().clone(),
        bytes: response.bytes().await.unwrap().to_vec(),
    }
}

/// Ada (ENR-1001) signed in, with a certificate, a unit certificate of 60 units and a badge; a
/// certificate may be downloaded three times.
async fn issued() -> (TestPortal, Session, Vec<String>) {
    let portal = portal_with(|o| o.settings.documents.download_limit.certificate = 3).await;
    let ada = portal.active_learner("ada@learners.test", "ENR-1001").await;
    let mut a = achievement(
        "ENR-1001",
        "603/4182/8",
        &["certificate", "unit_certificate", "badge"],
    );
    a["units"] = json!((1..=60)
        .map(|i| json!({ "code": format!("EV{i:03}"), "title": format!("Unit {i}: high-voltage systems"), "grade": "Pass" }))
        .collect::<Vec<_>>());
    let references = portal.issue(job("J-F", vec![a])).await;
    (portal, ada, references)
}

async fn downloads_left(portal: &TestPortal, who: &Session, reference: &str) -> i64 {
    let view: Answer = portal
        .call(
            who,
            Method::GET,
            &format!("/api/documents/{reference}"),
            None,
        )
        .await;
    view.body["downloads"]["remaining"]
        .as_i64()
        .expect("downloads")
}

#[tokio::test]
async fn the_pdf_holds_the_name_the_reference_and_the_verify_link_and_viewing_is_free() {
    let (portal, ada, refs) = issued().await;
    let certificate = &refs[0];
    for _ in 0..4 {
        let viewed = fetch(
            &portal,
            Some(&ada),
            &format!("/api/documents/{certificate}/pdf"),
        )
        .await;
        assert_eq!(viewed.status, StatusCode::OK);
        assert_eq!(viewed.headers["content-type"], "application/pdf");
        assert!(
            viewed.headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("inline")
        );
        assert_eq!(viewed.headers["x-frame-options"], "SAMEORIGIN");
        let (pages, text) = pdf_pages(&viewed.bytes);
        assert_eq!(pages, 1);
        for needle in [
            "Ada Lovelace",
            certificate.as_str(),
            "Level 3 Award in Electric Vehicle Repair",
            "Northgate College",
            &portal.url(&format!("/verify/{certificate}")),
            "view only",
        ] {
            assert!(text.contains(needle), "{needle} not in {text}");
        }
    }
    assert_eq!(downloads_left(&portal, &ada, certificate).await, 3);

    // The unit certificate runs over pages and lists every unit.
    let units = fetch(
        &portal,
        Some(&ada),
        &format!("/api/documents/{}/pdf", refs[1]),
    )
    .await;
    let (pages, text) = pdf_pages(&units.bytes);
    assert!(pages >= 2, "{pages} pages");
    for i in 1..=60 {
        assert!(text.contains(&format!("EV{i:03}")), "unit EV{i:03}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_downloads_at_once_with_a_limit_of_three_give_exactly_three() {
    let (portal, ada, refs) = issued().await;
    let path = format!("/api/documents/{}/pdf?download=true", refs[0]);
    let mut racing = tokio::task::JoinSet::new();
    for _ in 0..20 {
        racing.spawn(fetch_url(
            portal.http.clone(),
            portal.url(&path),
            Some(ada.token.clone()),
        ));
    }
    let answers = racing.join_all().await;
    let ok: Vec<_> = answers
        .iter()
        .filter(|a| a.status == StatusCode::OK)
        .collect();
    assert_eq!(
        ok.len(),
        3,
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    for refused in answers.iter().filter(|a| a.status != StatusCode::OK) {
        assert_eq!(refused.status, StatusCode::CONFLICT);
        let problem: serde_json::Value = serde_json::from_slice(&refused.bytes).unwrap();
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("used all 3 downloads"),
            "{problem}"
        );
    }
    let mut left: Vec<_> = ok
        .iter()
        .map(|a| {
            a.headers["x-downloads-remaining"]
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    left.sort();
    assert_eq!(left, ["0", "1", "2"]);
    for a in &ok {
        assert!(
            a.headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        pdf_pages(&a.bytes);
    }
    assert_eq!(downloads_left(&portal, &ada, &refs[0]).await, 0);
    // Viewing still works when the downloads are used up.
    let viewed = fetch(
        &portal,
        Some(&ada),
        &format!("/api/documents/{}/pdf", refs[0]),
    )
    .await;
    assert_eq!(viewed.status, StatusCode::OK);
}

#[tokio::test]
async fn nobody_else_gets_the_files_and_a_document_that_no_longer_stands_is_marked() {
    let (portal, ada, refs) = issued().await;
    let (certificate, badge) = (&refs[0], &refs[2]);
    let other = portal
        .active_learner("other@learners.test", "ENR-1002")
        .await;
    let admin = portal.admin().await;
    for path in [
        format!("/api/documents/{certificate}/pdf"),
        format!("/api/documents/{certificate}/pdf?download=true"),
        format!("/api/documents/{badge}/badge"),
    ] {
        assert_eq!(
            fetch(&portal, Some(&other), &path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
        assert_eq!(
            fetch(&portal, None, &path).await.status,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
    for missing in ["12345678-01-ABCD", "not-a-reference"] {
        let answer = fetch(
            &portal,
            Some(&ada),
            &format!("/api/documents/{missing}/pdf"),
        )
        .await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{missing}");
    }
    // An administrator may view, but downloads are the learner's.
    let path = format!("/api/documents/{certificate}/pdf");
    assert_eq!(
        fetch(&portal, Some(&admin), &path).await.status,
        StatusCode::OK
    );
    let admin_download = fetch(&portal, Some(&admin), &format!("{path}?download=true")).await;
    assert_eq!(admin_download.status, StatusCode::FORBIDDEN);
    // A badge is an image, not a PDF; a certificate has no badge image.
    let badge_pdf = fetch(&portal, Some(&ada), &format!("/api/documents/{badge}/pdf")).await;
    assert_eq!(badge_pdf.status, StatusCode::CONFLICT);
    let not_badge = fetch(
        &portal,
        Some(&ada),
        &format!("/api/documents/{certificate}/badge"),
    )
    .await;
    assert_eq!(not_badge.status, StatusCode::NOT_FOUND);

    // Revoked: still viewable by its learner, marked so on the page; no longer downloadable.
    let revoked = portal
        .call(
            &admin,
            Method::POST,
            &format!("/api/admin/documents/{certificate}/revoke"),
            Some(json!({ "reason": "Issued in error." })),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK);
    let viewed = fetch(&portal, Some(&ada), &path).await;
    assert!(pdf_pages(&viewed.bytes).1.contains("REVOKED"));
    let download = fetch(&portal, Some(&ada), &format!("{path}?download=true")).await;
    assert_eq!(download.status, StatusCode::CONFLICT);
    assert_eq!(downloads_left(&portal, &ada, certificate).await, 3);
}

#[tokio::test]
async fn a_badge_image_names_the_award_and_runs_nothing() {
    let (portal, ada, refs) = issued().await;
    let image = fetch(
        &portal,
        Some(&ada),
        &format!("/api/documents/{}/badge", refs[2]),
    )
    .await;
    assert_eq!(image.status, StatusCode::OK);
    assert_eq!(image.headers["content-type"], "image/svg+xml");
    assert!(
        image.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'")
    );
    let svg = String::from_utf8(image.bytes).unwrap();
    assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"), "{svg}");
    for needle in [
        "Level 3 Award in Electric Vehicle Repair",
        "Ada Lovelace",
        "1 November 2026",
    ] {
        assert!(svg.contains(needle), "{needle} not in the badge");
    }
    assert!(!svg.contains("<script"));
}

#[tokio::test]
async fn a_browser_download_needs_the_sessions_csrf_token_and_this_site() {
    let (portal, ada, refs) = issued().await;
    let url = portal.url(&format!("/api/documents/{}/pdf?download=true", refs[0]));
    let cookie = format!("{}={}", portal_http::SESSION_COOKIE, ada.token);
    let send = |headers: Vec<(&'static str, String)>| {
        let mut request = portal.http.get(&url).header("cookie", &cookie);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request.send()
    };
    // Another site sending the learner to the link spends nothing.
    let forged = send(vec![]).await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let cross = send(vec![
        ("x-csrf-token", ada.csrf.clone()),
        ("sec-fetch-site", "cross-site".into()),
    ])
    .await
    .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    assert_eq!(downloads_left(&portal, &ada, &refs[0]).await, 3);
    // The portal's own page sends the token: counted.
    let own = send(vec![("x-csrf-token", ada.csrf.clone())])
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::OK);
    assert_eq!(downloads_left(&portal, &ada, &refs[0]).await, 2);
    // Viewing with the cookie alone is fine (it changes nothing).
    let view = portal
        .http
        .get(portal.url(&format!("/api/documents/{}/pdf", refs[0])))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(view.status(), StatusCode::OK);
}
