//! What every page shows before anyone signs in: the awarding body's branding and support
//! contact (white-label configuration, ADM-4).

use http::StatusCode;
use portal_domain::Ctx;
use portal_domain::secrets::{PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
use portal_http::{ApiRequest, ApiResponse, Problem};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Site {
    pub organisation_name: String,
    pub support_email: String,
    pub support_phone: Option<String>,
    /// An https URL or a path of this site; none: the name stands alone.
    pub logo_url: Option<String>,
    /// The password policy's bounds, for the forms' hints.
    pub password_min_length: usize,
    pub password_max_length: usize,
    /// The reasons offered when reporting a problem with a document (DOC-6).
    pub report_reasons: Vec<String>,
}

pub async fn handle(ctx: &Ctx, _req: ApiRequest) -> Result<ApiResponse, Problem> {
    let s = &ctx.settings;
    Ok(ApiResponse::json(
        StatusCode::OK,
        &Site {
            organisation_name: s.organisation_name.clone(),
            support_email: s.support_email.clone(),
            support_phone: s.support_phone.clone(),
            logo_url: s.logo_url.clone(),
            password_min_length: PASSWORD_MIN_CHARS,
            password_max_length: PASSWORD_MAX_CHARS,
            report_reasons: s.documents.report_reasons.clone(),
        },
    ))
}
