//! What a connection shares, for its third party while it is active (CON-8).

use http::StatusCode;
use portal_domain::Ctx;
use portal_domain::connections::actions;
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let principal = auth::signed_in(ctx, &req).await?;
    Ok(ApiResponse::json(
        StatusCode::OK,
        &actions::shared_documents(ctx, &principal, req.param("id")).await?,
    ))
}
