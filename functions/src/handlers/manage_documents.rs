use http::StatusCode;
use portal_domain::Ctx;
use portal_domain::accounts::model::AccountKind;
use portal_domain::documents::lifecycle::{self, Change, ChangeInput};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let principal = auth::signed_in_as(ctx, &req, &[AccountKind::Admin]).await?;
    let change = match req.path.rsplit('/').next() {
        Some("revoke") => Change::Revoke,
        Some("withdraw") => Change::Withdraw,
        _ => Change::Reissue,
    };
    let input = req.json::<ChangeInput>()?;
    let changed =
        lifecycle::change(ctx, &principal, req.param("reference"), change, &input).await?;
    Ok(ApiResponse::json(StatusCode::OK, &changed))
}
