//! The web app's files (`web/dist`), as CloudFront serves them in AWS: a file when the path names
//! one, `index.html` for the app's own routes (paths without a file extension), with the same
//! security headers as `template.yaml`'s response headers policy.

use std::path::Path;

use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

/// Kept in step with `WebSecurityHeaders` in template.yaml.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

pub async fn serve(web_dir: Option<&Path>, request: Request) -> Response {
    let Some(dir) = web_dir.filter(|dir| dir.join("index.html").is_file()) else {
        return not_built();
    };
    let path = request.uri().path().to_owned();
    let names_a_file = path
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'));
    let served = if names_a_file {
        ServeDir::new(dir).oneshot(request).await
    } else {
        ServeFile::new(dir.join("index.html"))
            .oneshot(request)
            .await
    };
    let mut response = match served {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    };
    // Built assets carry their content's hash in their names; everything else is checked anew.
    let cache = if path.starts_with("/assets/") && response.status() == StatusCode::OK {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CACHE_CONTROL, cache),
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Before `web/` is built (the run command builds it; `PORTAL_WEB_DIR` may point elsewhere).
fn not_built() -> Response {
    let page = "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>Web app not built</title>\
         <body style=\"font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5\">\
         <h1>The web app is not built</h1><p>The API is running at <a href=\"/api/health\">/api</a> (its contract: <a href=\"/api/openapi.json\">/api/openapi.json</a>), \
         and e-mails it sends are in the <a href=\"/dev/mail\">local outbox</a>.</p>\
         <p>To build the app, run <code>npm ci &amp;&amp; npm run build</code> in <code>web/</code> (Node.js 20 or later), \
         or point <code>PORTAL_WEB_DIR</code> at a built copy.</p></body></html>";
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}
