use http::StatusCode;
use portal_domain::Ctx;
use portal_http::{ApiRequest, ApiResponse, Problem};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub version: &'static str,
}

pub async fn handle(_ctx: &Ctx, _req: ApiRequest) -> Result<ApiResponse, Problem> {
    Ok(ApiResponse::json(
        StatusCode::OK,
        &Health {
            status: "ok",
            version: env!("CARGO_PKG_VERSION"),
        },
    ))
}
