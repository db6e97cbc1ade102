//! Third parties find learners who opted in (CON-9, ACC-8).

use http::StatusCode;
use portal_domain::Ctx;
use portal_domain::connections::search;
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let principal = auth::signed_in(ctx, &req).await?;
    let q = req.query_param("q");
    Ok(ApiResponse::json(
        StatusCode::OK,
        &search::learners(ctx, &principal, q.as_deref()).await?,
    ))
}
