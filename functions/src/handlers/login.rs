use http::StatusCode;
use portal_domain::Ctx;
use portal_domain::accounts::model::Profile;
use portal_domain::accounts::sessions::{self, LoginInput, LoginOutcome, SignedIn};
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
    /// Administrators and centre users without a second factor: this session can only set one
    /// up (`POST /api/me/mfa/totp`, then `/confirm`); everything else answers 403 until then.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub mfa_setup_required: bool,
}

/// The password was right and the account has a second factor: send its code with the token
/// to `POST /api/auth/mfa` within 5 minutes.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SecondFactorNeeded {
    /// Always `true`.
    pub mfa_required: bool,
    pub mfa_token: String,
}

/// What a sign-in answers: a session, or the second step (for the OpenAPI document).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum LoginAnswer {
    SessionStarted(Box<SessionStarted>),
    SecondFactorNeeded(SecondFactorNeeded),
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
        mfa_setup_required: signed_in.setup_only,
    };
    ApiResponse::json(StatusCode::OK, &body).header("set-cookie", &cookie)
}

/// Whether the client asked for the session token in the body (`"session": "token"`).
pub fn token_in_body(session: Option<&str>) -> Result<bool, Problem> {
    match session {
        None | Some("cookie") => Ok(false),
        Some("token") => Ok(true),
        Some(_) => Err(Problem::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "session",
            "must be cookie or token",
        )),
    }
}

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let body: LoginBody = req.json()?;
    let token_in_body = token_in_body(body.session.as_deref())?;
    Ok(
        match sessions::login(
            ctx,
            &body.credentials,
            &req.client,
            req.header("user-agent"),
        )
        .await?
        {
            LoginOutcome::SignedIn(signed_in) => session_response(ctx, *signed_in, token_in_body),
            LoginOutcome::SecondFactorNeeded { mfa_token } => ApiResponse::json(
                StatusCode::OK,
                &SecondFactorNeeded {
                    mfa_required: true,
                    mfa_token,
                },
            ),
        },
    )
}
