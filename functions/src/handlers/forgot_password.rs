use http::StatusCode;
use portal_domain::Ctx;
use portal_domain::accounts::passwords::{self, ForgotInput};
use portal_http::{ApiRequest, ApiResponse, Problem};

/// The one answer, whether or not the address has an account.
pub const IF_KNOWN: &str = "If an account uses this address, we have sent it a link to set a new password. The link works for one hour.";

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let input: ForgotInput = req.json()?;
    passwords::forgot(ctx, &input, &req.client).await?;
    Ok(super::message(StatusCode::ACCEPTED, IF_KNOWN))
}
