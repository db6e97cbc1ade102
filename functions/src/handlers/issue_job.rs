use http::StatusCode;
use portal_domain::Ctx;
use portal_domain::documents::{JobInput, jobs};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

/// A job of 5,000 documents with units fits well within this (API Gateway allows 10 MB).
pub const BODY_LIMIT: usize = 6 * 1024 * 1024;

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    auth::records_caller(ctx, &req).await?;
    let input: JobInput = req.json_within(BODY_LIMIT)?;
    let issued = jobs::issue(ctx, &input).await?;
    // 201 when this request issued the job; 200 when it was issued before (nothing new).
    let status = if issued.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(ApiResponse::json(status, &issued))
}
