//! The second factor: set up, confirm, turn off (the person), and the second step of signing in.

use http::{Method, StatusCode};
use portal_domain::Ctx;
use portal_domain::accounts::mfa::{self, ConfirmInput, DisableInput, SecondStepInput, TotpSetup};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SecondStepBody {
    #[serde(flatten)]
    pub input: SecondStepInput,
    /// As for login: `"token"` to receive the session token in the body.
    pub session: Option<String>,
}

/// A new secret to add to an authenticator app, with its QR code.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TotpSetupAnswer {
    #[serde(flatten)]
    pub setup: TotpSetup,
    /// The otpauth URI as a QR code (SVG), to scan with the app.
    pub qr_svg: Option<String>,
}

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    if req.path == "/api/auth/mfa" {
        let body: SecondStepBody = req.json()?;
        let token_in_body = super::login::token_in_body(body.session.as_deref())?;
        let signed_in =
            mfa::complete_sign_in(ctx, &body.input, &req.client, req.header("user-agent")).await?;
        return Ok(super::login::session_response(
            ctx,
            signed_in,
            token_in_body,
        ));
    }
    let principal = auth::signed_in(ctx, &req).await?;
    match (req.method.clone(), req.path.as_str()) {
        (Method::POST, "/api/me/mfa/totp") => {
            let setup = mfa::begin_setup(ctx, &principal).await?;
            let qr_svg =
                portal_render::qr_svg(&setup.otpauth_uri, "QR code for your authenticator app")
                    .ok();
            super::ok(TotpSetupAnswer { setup, qr_svg })
        }
        (Method::POST, _) => {
            let input: ConfirmInput = req.json()?;
            super::ok(mfa::confirm(ctx, &principal, &input).await?)
        }
        _ => {
            let input: DisableInput = req.json()?;
            mfa::disable(ctx, &principal, &input).await?;
            Ok(super::message(StatusCode::OK, "Two-step sign-in is off."))
        }
    }
}
