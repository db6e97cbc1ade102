use http::StatusCode;
use portal_domain::Ctx;
use portal_domain::accounts::registration::{self, VerifyInput};
use portal_http::{ApiRequest, ApiResponse, Problem};

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let input: VerifyInput = req.json()?;
    let verified = registration::verify_email(ctx, &input).await?;
    Ok(ApiResponse::json(StatusCode::OK, &verified))
}
