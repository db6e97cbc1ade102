use http::StatusCode;
use portal_domain::Ctx;
use portal_http::{ApiRequest, ApiResponse, Problem};

pub async fn handle(_ctx: &Ctx, _req: ApiRequest) -> Result<ApiResponse, Problem> {
    Ok(ApiResponse::new(
        StatusCode::OK,
        "application/json",
        crate::openapi::document_json(),
    ))
}
