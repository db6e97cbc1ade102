use http::{Method, StatusCode};
use portal_domain::Ctx;
use portal_domain::accounts::mfa;
use portal_domain::accounts::model::Profile;
use portal_domain::accounts::profile::{self, ProfileChange};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    #[serde(flatten)]
    pub profile: Profile,
    /// The session's CSRF token, for a page loaded afresh.
    pub csrf_token: String,
    /// Two-step sign-in (ACC-3b).
    pub second_factor: mfa::SecondFactorStatus,
}

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let principal = auth::signed_in(ctx, &req).await?;
    let profile = if req.method == Method::PATCH {
        let change: ProfileChange = req.json()?;
        profile::update(ctx, &principal, &change).await?
    } else {
        principal.account.profile()
    };
    let second_factor = mfa::status(ctx, &principal).await?;
    Ok(ApiResponse::json(
        StatusCode::OK,
        &Me {
            profile,
            csrf_token: principal.session.csrf_token,
            second_factor,
        },
    ))
}
