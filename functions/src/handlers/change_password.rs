use portal_domain::Ctx;
use portal_domain::accounts::passwords::{self, ChangePasswordInput};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

/// Answers with a fresh session (the old one, like every other, has ended).
pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let principal = auth::signed_in(ctx, &req).await?;
    let input: ChangePasswordInput = req.json()?;
    let signed_in = passwords::change(ctx, &principal, &input).await?;
    Ok(super::login::session_response(
        ctx,
        signed_in,
        req.bearer().is_some(),
    ))
}
