//! A document's files: its PDF (DOC-4, DOC-5, VER-2), rendered on demand, and a badge's image
//! (DOC-7). Viewing the PDF never counts and gives a copy marked view-only; `?download=true` gives
//! the original and counts one of the learner's downloads, only once the PDF is ready to send.

use http::{HeaderValue, StatusCode};
use portal_domain::documents::access::{self, Audience, Opened};
use portal_domain::documents::badges::verify_url;
use portal_domain::documents::jobs::{DocumentKind, DocumentStatus};
use portal_domain::values::long_date;
use portal_domain::{Ctx, Error, records};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};
use portal_render as render;
use tokio::sync::OnceCell;

/// Where the awarding body's logo for printed documents is kept (a PNG in the blob store).
pub const LOGO_KEY: &str = "branding/logo.png";

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let download = req.query_param("download").as_deref() == Some("true");
    let principal = if download {
        auth::signed_in_to_change(ctx, &req).await?
    } else {
        auth::signed_in(ctx, &req).await?
    };
    let opened = access::open(ctx, &principal, req.param("reference")).await?;
    let reference = opened.record.reference.as_str().to_owned();
    if req.path.ends_with("/badge") {
        return badge(ctx, &opened);
    }
    let Some(kind) = printed_kind(opened.record.kind) else {
        return Err(Error::Conflict(
            "a digital badge is an image, not a PDF: see its /badge".into(),
        )
        .into());
    };
    if download {
        // Refused before the work of rendering; counted only after it (below).
        access::downloadable(ctx, &opened)?;
    }
    let printed = printed(ctx, &opened, kind).await?;
    let brand = brand(ctx).await;
    // The clean original is what a counted download gives; what is shown in the browser (and
    // could be saved from its viewer) is marked as a view-only copy, so the limit means something.
    let copy = match (opened.audience, download) {
        (Audience::Owner, true) | (Audience::Admin, _) => render::Copy::Original,
        (Audience::Owner, false) => render::Copy::ViewOnly,
    };
    let marking = marking(opened.record.status);
    let bytes =
        tokio::task::spawn_blocking(move || render_with_fallback(&printed, brand, copy, marking))
            .await
            .map_err(|e| Problem::internal(format!("rendering stopped: {e}")))?
            .map_err(|e| Problem::internal(format!("rendering {reference} failed: {e}")))?;
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

fn printed_kind(kind: DocumentKind) -> Option<render::Kind> {
    match kind {
        DocumentKind::Certificate => Some(render::Kind::Certificate),
        DocumentKind::UnitCertificate => Some(render::Kind::UnitCertificate),
        DocumentKind::Letter => Some(render::Kind::Letter),
        DocumentKind::Badge => None,
    }
}

fn marking(status: DocumentStatus) -> Option<&'static str> {
    match status {
        DocumentStatus::Valid => None,
        DocumentStatus::Revoked => Some("REVOKED"),
        DocumentStatus::Withdrawn => Some("WITHDRAWN"),
        DocumentStatus::Superseded => Some("SUPERSEDED"),
    }
}

async fn printed(ctx: &Ctx, opened: &Opened, kind: render::Kind) -> Result<render::Printed, Error> {
    let a = &opened.achievement;
    let centre_name = records::centre(ctx, &a.centre_number)
        .await?
        .map(|c| c.name);
    Ok(render::Printed {
        kind,
        reference: opened.record.reference.as_str().to_owned(),
        learner_name: format!("{} {}", a.first_name, a.last_name),
        enrolment_number: a.enrolment_number.clone(),
        qualification_title: a.qualification_title.clone(),
        qualification_code: a.qualification_code.clone(),
        course: a.course.clone(),
        award_date: long_date(a.award_date),
        issued_on: long_date(a.issued_at.date()),
        centre_name,
        units: a
            .units
            .iter()
            .map(|u| render::Unit {
                code: u.code.clone(),
                title: u.title.clone(),
                grade: u.grade.clone(),
            })
            .collect(),
        verify_url: verify_url(&ctx.settings, opened.record.reference.as_str()),
    })
}

/// The awarding body as printed: its name, support address and, when one is kept, its logo
/// (read once per process).
async fn brand(ctx: &Ctx) -> render::Brand {
    static LOGO: OnceCell<Option<Vec<u8>>> = OnceCell::const_new();
    // Kept once read (present or not); a failed read is not kept, so the next request tries again.
    let logo = LOGO
        .get_or_try_init(|| async {
            ctx.blobs
                .get(LOGO_KEY)
                .await
                .map(|found| found.map(|blob| blob.bytes.to_vec()))
        })
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "the logo for printed documents cannot be read; printing without it");
        })
        .ok()
        .cloned()
        .flatten();
    render::Brand {
        organisation_name: ctx.settings.organisation_name.clone(),
        logo_png: logo,
        support_email: ctx.settings.support_email.clone(),
    }
}

/// A logo that cannot be drawn must not stop documents being printed: print without it.
fn render_with_fallback(
    printed: &render::Printed,
    mut brand: render::Brand,
    copy: render::Copy,
    marking: Option<&str>,
) -> Result<Vec<u8>, render::RenderError> {
    match render::pdf(printed, &brand, copy, marking) {
        Err(render::RenderError::Logo(reason)) => {
            tracing::warn!(%reason, "the logo for printed documents cannot be drawn; printing without it");
            brand.logo_png = None;
            render::pdf(printed, &brand, copy, marking)
        }
        other => other,
    }
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
