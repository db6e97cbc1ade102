use http::StatusCode;
use portal_domain::Ctx;
use portal_domain::records::{self, LearnersImport};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

/// A batch of 1,000 records fits well within this.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    auth::records_caller(ctx, &req).await?;
    let input: LearnersImport = req.json_within(BODY_LIMIT)?;
    Ok(ApiResponse::json(
        StatusCode::OK,
        &records::import_learners(ctx, &input).await?,
    ))
}
