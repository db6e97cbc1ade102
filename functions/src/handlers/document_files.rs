//! A document's files: its PDF (DOC-4, DOC-5, VER-2), rendered on demand, and a badge's image
//! (DOC-7). Viewing the PDF never counts and gives a copy marked view-only; `?download=true` gives
//! the original and counts one of the learner's downloads, only once the PDF is ready to send.

use http::{HeaderValue, StatusCode};
use portal_domain::Ctx;
use portal_domain::documents::access::{self, Audience, Opened};
use portal_domain::documents::jobs::DocumentKind;
use portal_domain::values::long_date;
use portal_http::{ApiRequest, ApiResponse, Problem, auth};
use portal_render as render;

use crate::printing;

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let download = req.query_param("download").as_deref() == Some("true");
    let principal = if download {
        auth::signed_in_to_change(ctx, &req).await?
    } else {
        auth::signed_in(ctx, &req).await?
    };
    let opened = access::open(
        ctx,
        &principal,
        req.param("reference"),
        req.query_param("connection").as_deref(),
    )
    .await?;
    let reference = opened.record.reference.as_str().to_owned();
    if req.path.ends_with("/badge") {
        return badge(ctx, &opened);
    }
    if download {
        // Refused before the work of rendering; counted only after it (below).
        access::downloadable(ctx, &opened)?;
    }
    // The clean original is what a counted download gives; what is shown in the browser (and
    // could be saved from its viewer) is marked as a view-only copy, so the limit means something.
    let copy = match (opened.audience, download) {
        (Audience::Owner, true) | (Audience::Admin, _) => render::Copy::Original,
        (Audience::Owner, false) | (Audience::ThirdParty | Audience::Centre, _) => {
            render::Copy::ViewOnly
        }
    };
    let bytes = printing::pdf(ctx, &opened, copy).await?;
    let mut response = ApiResponse::new(StatusCode::OK, "application/pdf", bytes);
    let disposition = if download { "attachment" } else { "inline" };
    response = response.header(
        "content-disposition",
        &format!("{disposition}; filename=\"{reference}.pdf\""),
    );
    if download {
        let left = access::take_download(ctx, &opened).await?;
        response = response.header("x-downloads-remaining", &left.remaining.to_string());
    }
    // The web app shows the PDF in a frame of its own pages.
    response
        .headers
        .insert("x-frame-options", HeaderValue::from_static("SAMEORIGIN"));
    // Only who may frame it: a stricter policy (object-src, style-src 'none') can leave browsers'
    // built-in PDF viewers blank.
    response.headers.insert(
        "content-security-policy",
        HeaderValue::from_static("frame-ancestors 'self'"),
    );
    Ok(response)
}

fn badge(ctx: &Ctx, opened: &Opened) -> Result<ApiResponse, Problem> {
    if opened.record.kind != DocumentKind::Badge {
        return Err(Problem::not_found());
    }
    let a = &opened.achievement;
    let svg = render::badge_svg(
        &a.qualification_title,
        &format!("{} {}", a.first_name, a.last_name),
        &long_date(a.award_date),
        &ctx.settings.organisation_name,
    );
    let mut response = ApiResponse::new(StatusCode::OK, "image/svg+xml", svg);
    // An image, never a page: nothing in it may run or load.
    response.headers.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    Ok(response)
}
