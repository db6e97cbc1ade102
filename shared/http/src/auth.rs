//! Who is asking: a signed-in person (session cookie or bearer token), or the records system
//! (its API key). Cookie-authenticated writes must carry the session's CSRF token.

use http::{Method, StatusCode};
use portal_domain::accounts::model::AccountKind;
use portal_domain::accounts::sessions::{self, Principal};
use portal_domain::{Ctx, Error, secrets};

use crate::problem::Problem;
use crate::request::{ApiRequest, CSRF_HEADER, SESSION_COOKIE};

fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses writes that a browser says come from another site (defence in depth beside
/// SameSite cookies and the CSRF token; it also stops sign-in CSRF).
pub fn reject_cross_site(req: &ApiRequest) -> Result<(), Problem> {
    if is_write(&req.method) {
        refuse_cross_site(req)
    } else {
        Ok(())
    }
}

fn refuse_cross_site(req: &ApiRequest) -> Result<(), Problem> {
    if req.header("sec-fetch-site") == Some("cross-site") {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "Cross-site request refused",
            "This request came from another site.",
        ));
    }
    Ok(())
}

/// The signed-in person, or 401.
pub async fn signed_in(ctx: &Ctx, req: &ApiRequest) -> Result<Principal, Problem> {
    authenticate(ctx, req, is_write(&req.method)).await
}

/// As [`signed_in`], for a read that also changes something (a counted download): a browser
/// session must send its CSRF token and come from this site, as for any write, so another site
/// cannot spend it by sending the person to a link.
pub async fn signed_in_to_change(ctx: &Ctx, req: &ApiRequest) -> Result<Principal, Problem> {
    refuse_cross_site(req)?;
    authenticate(ctx, req, true).await
}

async fn authenticate(ctx: &Ctx, req: &ApiRequest, changes: bool) -> Result<Principal, Problem> {
    let (token, by_cookie) = match (req.bearer(), req.cookie(SESSION_COOKIE)) {
        (Some(token), _) => (token, false),
        (None, Some(token)) => (token, true),
        (None, None) => return Err(Error::Unauthenticated.into()),
    };
    let principal = sessions::resolve(ctx, token).await?;
    if principal.session.setup_only && !allowed_before_second_factor(req) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "Set up two-step sign-in first",
            "Your account needs two-step sign-in: set up an authenticator app before anything else.",
        ));
    }
    if by_cookie && changes {
        let sent = req.header(CSRF_HEADER).unwrap_or("");
        if !secrets::same_secret(sent, &principal.session.csrf_token) {
            return Err(Problem::new(
                StatusCode::FORBIDDEN,
                "CSRF token missing or wrong",
                "Reload the page and try again.",
            ));
        }
    }
    Ok(principal)
}

/// What a session that can only set up a second factor may do: see who it is, sign out, and
/// set one up.
fn allowed_before_second_factor(req: &ApiRequest) -> bool {
    matches!(
        (req.method.as_str(), req.path.as_str()),
        ("GET", "/api/me")
            | ("POST", "/api/auth/logout")
            | ("POST", "/api/me/mfa/totp")
            | ("POST", "/api/me/mfa/totp/confirm")
    )
}

/// The signed-in person if their account is of one of these kinds; 401 or 403 otherwise.
pub async fn signed_in_as(
    ctx: &Ctx,
    req: &ApiRequest,
    kinds: &[AccountKind],
) -> Result<Principal, Problem> {
    let principal = signed_in(ctx, req).await?;
    principal.require(kinds)?;
    Ok(principal)
}

/// Who may call the records API.
#[derive(Debug)]
pub enum RecordsCaller {
    System,
    Admin(Box<Principal>),
}

/// The records system by its API key, or a signed-in administrator.
pub async fn records_caller(ctx: &Ctx, req: &ApiRequest) -> Result<RecordsCaller, Problem> {
    if let (Some(key), Some(stored)) = (req.bearer(), ctx.settings.records_api_key_sha256.as_ref())
        && secrets::api_key_matches(key, stored)
    {
        return Ok(RecordsCaller::System);
    }
    let principal = signed_in_as(ctx, req, &[AccountKind::Admin]).await?;
    Ok(RecordsCaller::Admin(Box::new(principal)))
}

/// The `Set-Cookie` value that carries a new session in a browser: host-only (`__Host-`),
/// HttpOnly, Secure, SameSite=Lax (so following a link from an e-mail keeps you signed in),
/// living no longer than the session's absolute timeout.
pub fn session_cookie(token: &str, max_age_secs: i64) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; Max-Age={max_age_secs}; HttpOnly; Secure; SameSite=Lax"
    )
}

pub fn cleared_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax")
}
