use http::StatusCode;
use portal_domain::Ctx;
use portal_domain::accounts::passwords::{self, ResetInput};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let input: ResetInput = req.json()?;
    passwords::reset(ctx, &input).await?;
    Ok(super::message(StatusCode::OK, "Your password has been changed and you have been signed out everywhere. Sign in with the new password.")
        .header("set-cookie", &auth::cleared_session_cookie()))
}
