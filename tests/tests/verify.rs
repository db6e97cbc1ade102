//! Smart Verify (VER-1, VER-3) over HTTP: the page a phone opens from a QR code, the JSON for
//! API clients, the same answer for every miss, and a per-address limit against enumeration.

use portal_tests::portal::TestPortal;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn issued() -> (TestPortal, String) {
    let portal = TestPortal::start().await;
    portal
        .import_centre("C-7001", "Northgate College", "exams@northgate.test")
        .await;
    let answer = portal
        .records(
            "/api/records/jobs",
            json!({ "job_id": "J-V", "centre_number": "C-7001",
                "learners": [{ "enrolment_number": "ENR-1001", "first_name": "Grace", "last_name": "Hopper", "date_of_birth": "1990-12-09" }],
                "achievements": [{ "enrolment_number": "ENR-1001", "qualification_title": "Level 3 Award <in> EV Repair",
                    "qualification_code": "603/4182/8", "award_date": "2026-11-01", "documents": [{ "type": "certificate" }] }] }),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    let reference = answer.body["documents"][0]["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    (portal, reference)
}

async fn page(
    portal: &TestPortal,
    path: &str,
    accept: &str,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let response = portal
        .http
        .request(Method::GET, portal.url(path))
        .header("accept", accept)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

#[tokio::test]
async fn the_verify_page_says_in_words_that_the_document_is_genuine() {
    let (portal, reference) = issued().await;
    let (status, headers, html) = page(&portal, &format!("/verify/{reference}"), "text/html").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    for needle in [
        "Genuine and current",
        "Grace Hopper",
        "Level 3 Award &lt;in&gt; EV Repair",
        "1 November 2026",
        "Certificate",
        reference.as_str(),
        "Digital Achievement Portal",
    ] {
        assert!(html.contains(needle), "{needle} not on the page");
    }
    // Small, no script, nothing private, cached for a minute at most.
    assert!(html.len() < 20 * 1024, "{} bytes", html.len());
    assert!(!html.contains("<script"));
    assert!(
        !html.contains("ENR-1001") && !html.contains("1990"),
        "private facts on the page"
    );
    assert_eq!(headers["cache-control"], "public, max-age=60");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    assert_eq!(headers["vary"], "Accept");

    // A reference typed loosely finds the same document.
    let loose = reference.to_lowercase();
    let (status, _, _) = page(&portal, &format!("/verify/{loose}"), "text/html").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn api_clients_get_json_from_both_addresses() {
    let (portal, reference) = issued().await;
    for (path, accept) in [
        (format!("/verify/{reference}"), "application/json"),
        (format!("/api/verify/{reference}"), "*/*"),
    ] {
        let (status, headers, body) = page(&portal, &path, accept).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(headers["content-type"], "application/json");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["status"], "valid");
        assert_eq!(v["reference"], reference.as_str());
        assert_eq!(v["learner_name"], "Grace Hopper");
        assert_eq!(v["award_date"], "2026-11-01");
        assert_eq!(v["type"], "certificate");
        assert!(v.get("enrolment_number").is_none());
    }
}

#[tokio::test]
async fn unknown_and_malformed_references_get_the_same_answer() {
    let (portal, reference) = issued().await;
    // A valid-looking reference that was never issued, a mistyped real one, and garbage.
    let mut mistyped = reference.clone().into_bytes();
    mistyped[0] = if mistyped[0] == b'9' { b'8' } else { b'9' };
    let mistyped = String::from_utf8(mistyped).unwrap();
    let misses = [
        "12345678-01-ABCD".to_owned(),
        mistyped,
        "not-a-reference".to_owned(),
    ];
    let mut pages = Vec::new();
    let mut json = Vec::new();
    for miss in &misses {
        let (status, _, html) = page(&portal, &format!("/verify/{miss}"), "text/html").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{miss}");
        assert!(html.contains("No document has this reference"));
        pages.push(html);
        let answer = portal.get(&format!("/api/verify/{miss}")).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND);
        assert!(answer.is_problem());
        json.push(answer.body);
    }
    assert!(pages.windows(2).all(|w| w[0] == w[1]));
    assert!(json.windows(2).all(|w| w[0] == w[1]));
}

#[tokio::test]
async fn one_address_cannot_check_references_without_limit() {
    let (portal, reference) = issued().await;
    let limit = portal.running.ctx.settings.limits.verify_per_ip.n;
    for _ in 0..limit {
        assert_eq!(
            portal.get(&format!("/api/verify/{reference}")).await.status,
            StatusCode::OK
        );
    }
    let refused = portal.get(&format!("/api/verify/{reference}")).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers.contains_key("retry-after"));
    let (status, _, html) = page(&portal, &format!("/verify/{reference}"), "text/html").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(html.contains("Too many checks"));
    // The window passes: checking works again.
    portal.advance(time::Duration::minutes(2));
    assert_eq!(
        portal.get(&format!("/api/verify/{reference}")).await.status,
        StatusCode::OK
    );
}
