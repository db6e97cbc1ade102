use http::{Method, StatusCode};
use portal_domain::Ctx;
use portal_domain::accounts::sessions::{self, SessionSummary};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionList {
    pub items: Vec<SessionSummary>,
}

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let principal = auth::signed_in(ctx, &req).await?;
    Ok(match req.method {
        Method::DELETE => {
            sessions::end(ctx, &principal, req.param("id")).await?;
            ApiResponse::no_content()
        }
        _ => ApiResponse::json(
            StatusCode::OK,
            &SessionList {
                items: sessions::list(ctx, &principal).await?,
            },
        ),
    })
}
