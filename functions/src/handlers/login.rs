use http::StatusCode;
use portal_domain::Ctx;
use portal_domain::accounts::model::Profile;
use portal_domain::accounts::sessions::{self, LoginInput, SignedIn};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginBody {
    #[serde(flatten)]
    pub credentials: LoginInput,
    /// API clients set `"token"` to receive the session token in the body, to send as
    /// `Authorization: Bearer`. Browsers leave it out and get only the HttpOnly cookie.
    pub session: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionStarted {
    pub user: Profile,
    /// Send it back as `X-CSRF-Token` on every cookie-authenticated write.
    pub csrf_token: String,
    /// Only when asked for with `"session": "token"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_token: Option<String>,
}

/// The answer that carries a new session: the cookie, and the token in the body if asked.
pub fn session_response(ctx: &Ctx, signed_in: SignedIn, token_in_body: bool) -> ApiResponse {
    let cookie = auth::session_cookie(
        &signed_in.token,
        ctx.settings.session_absolute.whole_seconds(),
    );
    let body = SessionStarted {
        user: signed_in.account.profile(),
        csrf_token: signed_in.csrf_token,
        session_token: token_in_body.then_some(signed_in.token),
    };
    ApiResponse::json(StatusCode::OK, &body).header("set-cookie", &cookie)
}

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let body: LoginBody = req.json()?;
    let token_in_body = match body.session.as_deref() {
        None | Some("cookie") => false,
        Some("token") => true,
        Some(_) => {
            return Err(Problem::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "session",
                "must be cookie or token",
            ));
        }
    };
    let signed_in = sessions::login(ctx, &body.credentials, &req.client).await?;
    Ok(session_response(ctx, signed_in, token_in_body))
}
