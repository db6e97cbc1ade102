//! Links and codes e-mailed to a person, followed without signing in: confirming an address,
//! a centre's approval of a centre user, a learner's one-time code, cancelling an e-mail change.

use http::StatusCode;
use portal_domain::Ctx;
use portal_domain::accounts::centre_approval::{self, CentreDecisionInput};
use portal_domain::accounts::profile::{self, CancelEmailChangeInput};
use portal_domain::accounts::record_code::{self, RecordCodeInput};
use portal_domain::accounts::registration::{self, VerifyInput};
use portal_http::{ApiRequest, ApiResponse, Problem};

/// The answer once an e-mail change is cancelled.
pub const CHANGE_CANCELLED: &str = "The change is cancelled: your account keeps this address and is signed out everywhere. Please set a new password now.";

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    Ok(match req.path.as_str() {
        "/api/auth/centre-approval" => {
            let input: CentreDecisionInput = req.json()?;
            ApiResponse::json(StatusCode::OK, &centre_approval::decide(ctx, &input).await?)
        }
        "/api/auth/record-code" => {
            let input: RecordCodeInput = req.json()?;
            ApiResponse::json(StatusCode::OK, &record_code::confirm(ctx, &input).await?)
        }
        "/api/auth/cancel-email-change" => {
            let input: CancelEmailChangeInput = req.json()?;
            profile::cancel_email_change(ctx, &input).await?;
            super::message(StatusCode::OK, CHANGE_CANCELLED)
        }
        _ => {
            let input: VerifyInput = req.json()?;
            let verified = registration::verify_email(ctx, &input).await?;
            ApiResponse::json(StatusCode::OK, &verified)
        }
    })
}
