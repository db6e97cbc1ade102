//! The local portal serves the web app as CloudFront does in AWS: files by name, `index.html`
//! for the app's own routes, the API untouched under `/api/`, security headers on every page;
//! and `GET /api/site` gives the branding the pages show.

use portal_tests::portal::TestPortal;
use reqwest::{Method, StatusCode};

const INDEX: &str =
    "<!doctype html><title>app</title><script type=module src=/assets/app-3f2a.js></script>";

/// A portal serving a small built app from a temporary folder.
async fn portal_with_app() -> (TestPortal, tempfile::TempDir) {
    let web = tempfile::tempdir().expect("a temporary folder");
    std::fs::create_dir_all(web.path().join("assets")).expect("assets folder");
    std::fs::write(web.path().join("index.html"), INDEX).expect("index.html");
    std::fs::write(web.path().join("assets/app-3f2a.js"), "console.log(1)").expect("app");
    std::fs::write(web.path().join("favicon.svg"), "<svg/>").expect("icon");
    let dir = web.path().to_path_buf();
    let portal = TestPortal::start_with(|o| {
        o.web_dir = Some(dir);
        o.settings.organisation_name = "Example Awarding Body".into();
        o.settings.support_phone = Some("0300 123 4567".into());
        o.settings.logo_url = Some("/brand/logo.svg".into());
    })
    .await;
    (portal, web)
}

async fn fetch(
    portal: &TestPortal,
    method: Method,
    path: &str,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let response = portal
        .http
        .request(method, portal.url(path))
        .send()
        .await
        .expect("an answer");
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap_or_default())
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn the_app_is_served_at_every_route_of_its_own_with_security_headers() {
    let (portal, _web) = portal_with_app().await;
    for path in [
        "/",
        "/login",
        "/profile/addresses",
        "/verify-email?token=abc",
        "/admin/accounts/42",
    ] {
        let (status, headers, body) = fetch(&portal, Method::GET, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(body, INDEX, "{path}");
        assert!(
            header(&headers, "content-type").starts_with("text/html"),
            "{path}"
        );
        assert_eq!(header(&headers, "cache-control"), "no-cache", "{path}");
        let csp = header(&headers, "content-security-policy");
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert_eq!(header(&headers, "x-frame-options"), "DENY");
        assert_eq!(header(&headers, "referrer-policy"), "no-referrer");
        assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    }
}

#[tokio::test]
async fn built_files_are_served_by_name_and_hashed_assets_cached_for_good() {
    let (portal, _web) = portal_with_app().await;
    let (status, headers, body) = fetch(&portal, Method::GET, "/assets/app-3f2a.js").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "console.log(1)");
    assert!(header(&headers, "content-type").contains("javascript"));
    assert_eq!(
        header(&headers, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    let (status, headers, _) = fetch(&portal, Method::GET, "/favicon.svg").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "cache-control"), "no-cache");
    assert!(header(&headers, "content-type").starts_with("image/svg+xml"));

    // A file that is not there is a 404, not the app; nothing outside the folder is reachable.
    for path in [
        "/assets/missing.js",
        "/assets/../../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/..%2fCargo.toml",
    ] {
        let (status, _, body) = fetch(&portal, Method::GET, path).await;
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST,
            "{path}: {status}"
        );
        assert!(!body.contains("[workspace]"), "{path} leaked a file");
    }
}

#[tokio::test]
async fn the_api_keeps_its_own_answers_beside_the_app() {
    let (portal, _web) = portal_with_app().await;
    let unknown = portal.get("/api/no-such-thing").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.is_problem());
    // Writes are never answered with the app's page.
    let (status, headers, _) = fetch(&portal, Method::POST, "/profile").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(header(&headers, "content-type"), "application/problem+json");
    // A route's path with the wrong method is the API's 405, not the app.
    let (status, _, _) = fetch(&portal, Method::GET, "/api/auth/login").await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn before_the_app_is_built_the_portal_says_how_to_build_it() {
    let portal = TestPortal::start().await;
    let (status, _, body) = fetch(&portal, Method::GET, "/login").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("npm run build"), "{body}");
    assert_eq!(portal.get("/api/health").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_site_route_gives_the_configured_branding_to_anyone() {
    let (portal, _web) = portal_with_app().await;
    let site = portal.get("/api/site").await;
    assert_eq!(site.status, StatusCode::OK);
    assert_eq!(site.body["organisation_name"], "Example Awarding Body");
    assert_eq!(site.body["support_email"], "support@example.org");
    assert_eq!(site.body["support_phone"], "0300 123 4567");
    assert_eq!(site.body["logo_url"], "/brand/logo.svg");
    assert_eq!(site.body["password_min_length"], 8);
    // Only reading: a write to it is refused with the API's problem.
    let write = portal.post("/api/site", serde_json::json!({})).await;
    assert_eq!(write.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(write.is_problem());
}
