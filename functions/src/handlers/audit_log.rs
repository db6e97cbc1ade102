use http::StatusCode;
use portal_domain::accounts::model::AccountKind;
use portal_domain::{Ctx, audit};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let principal = auth::signed_in_as(ctx, &req, &[AccountKind::Admin]).await?;
    let (cursor, limit) = req.page()?;
    let month = req.query_param("month");
    Ok(ApiResponse::json(
        StatusCode::OK,
        &audit::list(ctx, &principal, month.as_deref(), cursor, limit).await?,
    ))
}
