use http::StatusCode;
use portal_domain::Ctx;
use portal_domain::accounts::registration::{self, RegisterInput};
use portal_http::{ApiRequest, ApiResponse, Problem};

/// The one answer to every well-formed registration, whether or not the address is known.
pub const CHECK_YOUR_EMAIL: &str =
    "Thank you. Check your e-mail: we have sent you a link to confirm your address.";

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let input: RegisterInput = req.json()?;
    registration::register(ctx, &input, &req.client).await?;
    Ok(super::message(StatusCode::ACCEPTED, CHECK_YOUR_EMAIL))
}
