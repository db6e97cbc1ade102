use http::{Method, StatusCode};
use portal_domain::Ctx;
use portal_domain::accounts::admin::{self, ApproveInput, RejectInput};
use portal_domain::accounts::model::AccountKind;
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let principal = auth::signed_in_as(ctx, &req, &[AccountKind::Admin]).await?;
    let id = req.param("id");
    Ok(match req.method {
        Method::POST if req.path.ends_with("/approve") => ApiResponse::json(
            StatusCode::OK,
            &admin::approve(ctx, &principal, id, &req.json::<ApproveInput>()?).await?,
        ),
        Method::POST => ApiResponse::json(
            StatusCode::OK,
            &admin::reject(ctx, &principal, id, &req.json::<RejectInput>()?).await?,
        ),
        _ => {
            let (cursor, limit) = req.page()?;
            ApiResponse::json(
                StatusCode::OK,
                &admin::pending(ctx, &principal, cursor, limit).await?,
            )
        }
    })
}
