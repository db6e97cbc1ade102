//! Smart Verify: `GET /verify/{reference}` is the page a phone opens from a certificate's QR
//! code — rendered here, no script, a few kilobytes; the same URL answers JSON to
//! `Accept: application/json`, as does `GET /api/verify/{reference}`.

use http::{HeaderValue, StatusCode};
use portal_domain::documents::jobs::DocumentStatus;
use portal_domain::documents::verify::{self, DocumentContents, Verification};
use portal_domain::messages::escape;
use portal_domain::{Ctx, Error};
use portal_http::{ApiRequest, ApiResponse, Problem};

/// The most units the page lists, so it stays small on a phone (a job allows 200).
const UNITS_SHOWN: usize = 30;

/// A status change (DOC-8) shows within a minute: no cache keeps an answer longer.
const CACHE: &str = "public, max-age=60";
const PAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let wants_json = req.path.starts_with("/api/")
        || req
            .header("accept")
            .is_some_and(|a| a.contains("application/json") && !a.contains("text/html"));
    let found = verify::verify(ctx, req.param("reference"), &req.client).await;
    let org = &ctx.settings.organisation_name;
    let response = match (found, wants_json) {
        (Ok(Some(v)), true) => ApiResponse::json(StatusCode::OK, &v),
        (Ok(Some(v)), false) => page(StatusCode::OK, org, &found_page(&v)),
        (Ok(None), true) => Problem::not_found().into_response(),
        (Ok(None), false) => page(StatusCode::NOT_FOUND, org, &not_found_page(&ctx.settings.support_email)),
        (Err(Error::RateLimited { retry_after_secs }), false) => page(
            StatusCode::TOO_MANY_REQUESTS,
            org,
            "<h1>Too many checks</h1><p>Too many documents have been checked from your network just now. Please wait a minute and try again.</p>",
        )
        .header("retry-after", &retry_after_secs.to_string()),
        (Err(e), _) => return Err(e.into()),
    };
    Ok(cacheable(response))
}

fn cacheable(mut response: ApiResponse) -> ApiResponse {
    if matches!(response.status, StatusCode::OK | StatusCode::NOT_FOUND) {
        response
            .headers
            .insert("cache-control", HeaderValue::from_static(CACHE));
    }
    response.header("vary", "Accept")
}

fn page(status: StatusCode, org: &str, body: &str) -> ApiResponse {
    let html = format!(
        "<!doctype html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<meta name=\"robots\" content=\"noindex\"><title>Check a document — {org}</title><style>{STYLE}</style></head>\
<body><header><p>{org} · Smart Verify</p></header><main>{body}</main></body></html>",
        org = escape(org),
    );
    let mut response = ApiResponse::new(status, "text/html; charset=utf-8", html);
    response.headers.insert(
        "content-security-policy",
        HeaderValue::from_static(PAGE_CSP),
    );
    response
}

const STYLE: &str = "body{margin:0;font:1.05rem/1.5 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1b1f24;background:#eef1f5}\
header{background:#1d4f91;color:#fff;padding:.75rem 1rem;font-weight:700}header p{margin:0}\
main{max-width:34rem;margin:1rem auto;padding:1.25rem;background:#fff;border-radius:.5rem}\
h1{font-size:1.5rem;line-height:1.25;margin:0 0 .75rem}.status{border-left:.5rem solid;padding:.5rem .9rem;margin:0 0 1rem}\
.valid{border-color:#14672f;background:#eefaf1}.invalid{border-color:#b3261e;background:#fdecea}\
dl{margin:0}dt{font-weight:600;margin-top:.6rem}dd{margin:0}.ref{font-family:ui-monospace,Menlo,Consolas,monospace}\
.small{color:#4a5360;font-size:.9rem;margin-top:1.25rem}a{color:#1d4f91}\
.doc{margin-top:1.25rem;padding:1rem;border:1px solid #c9d1db;border-radius:.4rem;background:#fbfcfd}.doc h2{font-size:1.15rem;margin:0 0 .5rem}\
table{border-collapse:collapse;width:100%;font-size:.9rem}caption{text-align:left;font-weight:600;padding:.25rem 0}th,td{text-align:left;padding:.3rem .4rem;border-top:1px solid #dde3ea;vertical-align:top}";

fn found_page(v: &Verification) -> String {
    let org = escape(&v.awarding_body);
    let (class, headline, words) = match v.status {
        DocumentStatus::Valid if v.expired => (
            "invalid",
            "Genuine, but expired",
            format!(
                "{org} issued this document, but the certification it records expired on {}.",
                v.expires_on
                    .map(portal_domain::values::long_date)
                    .unwrap_or_default()
            ),
        ),
        DocumentStatus::Valid => (
            "valid",
            "Genuine and current",
            format!("This document was issued by {org} and is valid today."),
        ),
        DocumentStatus::Revoked => (
            "invalid",
            "Revoked — not valid",
            format!("{org} issued this document but has revoked it. It must not be relied on."),
        ),
        DocumentStatus::Withdrawn => (
            "invalid",
            "Withdrawn — not valid at present",
            format!(
                "{org} issued this document but has withdrawn it. It must not be relied on while it is withdrawn."
            ),
        ),
        DocumentStatus::Superseded => (
            "invalid",
            "Replaced by a newer issue",
            match &v.superseded_by {
                Some(current) => format!(
                    "{org} has reissued this document; this copy is out of date. <a href=\"/verify/{r}\">Check the current document, {r}</a>.",
                    r = escape(current.as_str())
                ),
                None => format!("{org} has reissued this document; this copy is out of date."),
            },
        ),
    };
    let date = portal_domain::values::long_date(v.award_date);
    let mut html = format!(
        "<h1>{headline}</h1><p class=\"status {class}\">{words}</p><dl>\
<dt>Name</dt><dd>{name}</dd><dt>Qualification</dt><dd>{title}</dd><dt>Awarded</dt><dd>{date}</dd>\
{expiry}<dt>Document</dt><dd>{kind}</dd><dt>Reference</dt><dd class=\"ref\">{reference}</dd><dt>Awarding body</dt><dd>{org}</dd></dl>",
        name = escape(&v.learner_name),
        title = escape(&v.qualification_title),
        kind = v.kind.name(),
        reference = escape(v.reference.as_str()),
        expiry = v
            .expires_on
            .map(|d| format!(
                "<dt>{}</dt><dd>{}</dd>",
                if v.expired { "Expired" } else { "Expires" },
                portal_domain::values::long_date(d)
            ))
            .unwrap_or_default(),
    );
    if let Some(document) = &v.document {
        html.push_str(&document_view(v, document));
    }
    html.push_str("<p class=\"small\">Check that these details match the document you were shown. This page shows the document's status at the moment you opened it.</p>");
    html
}

/// The document itself, as the awarding body lets the page show it (VER-1): what it certifies
/// and, for a unit certificate, its units.
fn document_view(v: &Verification, d: &DocumentContents) -> String {
    let mut html = format!(
        "<section class=\"doc\" aria-label=\"The document\"><h2>{kind}</h2><p>This is to certify that <strong>{name}</strong> has been awarded <strong>{title}</strong> ({code}){course} on {date}.</p>",
        kind = v.kind.name(),
        name = escape(&v.learner_name),
        title = escape(&v.qualification_title),
        code = escape(&d.qualification_code),
        course = d
            .course
            .as_deref()
            .map(|c| format!(", course {}", escape(c)))
            .unwrap_or_default(),
        date = portal_domain::values::long_date(v.award_date),
    );
    if !d.units.is_empty() {
        html.push_str("<table><caption>Units</caption><thead><tr><th scope=\"col\">Code</th><th scope=\"col\">Unit</th><th scope=\"col\">Grade</th></tr></thead><tbody>");
        for unit in d.units.iter().take(UNITS_SHOWN) {
            html.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&unit.code),
                escape(&unit.title),
                escape(unit.grade.as_deref().unwrap_or("—"))
            ));
        }
        html.push_str("</tbody></table>");
        if d.units.len() > UNITS_SHOWN {
            html.push_str(&format!(
                "<p>… and {} more units, listed on the document itself.</p>",
                d.units.len() - UNITS_SHOWN
            ));
        }
    }
    html.push_str("</section>");
    html
}

fn not_found_page(support: &str) -> String {
    format!(
        "<h1>No document has this reference</h1><p class=\"status invalid\">We cannot find a document with this reference, so we cannot confirm that it is genuine.</p>\
<p>If you typed the reference, check it against the document. If you scanned a QR code and still see this, the document may not be genuine: write to <a href=\"mailto:{support}\">{support}</a>.</p>",
        support = escape(support),
    )
}
