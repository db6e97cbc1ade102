use http::{Method, StatusCode};
use portal_domain::Ctx;
use portal_domain::documents::reports::{self, CloseInput, ReportInput};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let principal = auth::signed_in(ctx, &req).await?;
    Ok(match req.method {
        Method::POST if req.path.starts_with("/api/documents/") => ApiResponse::json(
            StatusCode::CREATED,
            &reports::create(
                ctx,
                &principal,
                req.param("reference"),
                req.query_param("connection").as_deref(),
                &req.json::<ReportInput>()?,
            )
            .await?,
        ),
        Method::POST => ApiResponse::json(
            StatusCode::OK,
            &reports::close(ctx, &principal, req.param("id"), &req.json::<CloseInput>()?).await?,
        ),
        _ => {
            let (cursor, limit) = req.page()?;
            ApiResponse::json(
                StatusCode::OK,
                &reports::list(
                    ctx,
                    &principal,
                    req.query_param("state").as_deref(),
                    cursor,
                    limit,
                )
                .await?,
            )
        }
    })
}
