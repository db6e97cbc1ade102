use http::{Method, StatusCode};
use portal_domain::Ctx;
use portal_domain::accounts::admin;
use portal_domain::accounts::model::AccountKind;
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let principal = auth::signed_in_as(ctx, &req, &[AccountKind::Admin]).await?;
    let id = req.param("id");
    Ok(match req.method {
        Method::POST if req.path.ends_with("/mfa/reset") => {
            portal_domain::accounts::mfa::admin_reset(ctx, &principal, id).await?;
            super::message(StatusCode::OK, "Their two-step sign-in is removed.")
        }
        Method::POST => {
            let lock = req.path.ends_with("/lock");
            ApiResponse::json(
                StatusCode::OK,
                &admin::set_lock(ctx, &principal, id, lock).await?,
            )
        }
        _ if !id.is_empty() => {
            ApiResponse::json(StatusCode::OK, &admin::detail(ctx, &principal, id).await?)
        }
        _ => {
            let (cursor, limit) = req.page()?;
            let q = req.query_param("q").unwrap_or_default();
            ApiResponse::json(
                StatusCode::OK,
                &admin::find(ctx, &principal, &q, cursor, limit).await?,
            )
        }
    })
}
