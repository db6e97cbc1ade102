use portal_domain::Ctx;
use portal_domain::accounts::sessions;
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let principal = auth::signed_in(ctx, &req).await?;
    sessions::logout(ctx, &principal).await?;
    Ok(ApiResponse::no_content().header("set-cookie", &auth::cleared_session_cookie()))
}
