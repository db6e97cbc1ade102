use http::StatusCode;
use portal_domain::Ctx;
use portal_domain::records::{self, CentresImport};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    auth::records_caller(ctx, &req).await?;
    let input: CentresImport = req.json_within(super::import_learners::BODY_LIMIT)?;
    Ok(ApiResponse::json(
        StatusCode::OK,
        &records::import_centres(ctx, &input).await?,
    ))
}
