//! The second factor (ACC-3b, ASVS 6.3.3): a TOTP authenticator app (RFC 6238: SHA-1, six
//! digits, 30-second steps, one step of skew either way) with ten single-use recovery codes.
//!
//! - Setting up stores a pending secret; it is in force only once a code from it is confirmed,
//!   which answers the recovery codes once (only their hashes are kept).
//! - Signing in with a second factor: a right password answers a short-lived (5 minutes),
//!   single-use token, kept hashed, bound to the account and its session generation; the code
//!   goes with it. Wrong codes count towards the same lock as wrong passwords, and a token takes
//!   five at most. A TOTP step is accepted once (the last one used is kept).
//! - Administrators and centre users must have one: without it, signing in gives a session that
//!   can only set one up, and they cannot turn it off. An administrator can remove a person's.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use super::model::{Account, AccountKind, AccountStatus};
use super::sessions::{self, Principal, SignedIn};
use crate::audit;
use crate::ctx::Ctx;
use crate::error::{Error, Fields, Result};
use crate::items::{expiring, from_item, to_item};
use crate::keys;
use crate::messages;
use crate::outbox;
use crate::ports::{Condition, TableError, Write, random_bytes};
use crate::secrets;

/// How long the token between the password and the code lasts.
const CHALLENGE_LIFE: Duration = Duration::minutes(5);
/// Wrong codes one token takes before it is spent.
const CHALLENGE_TRIES: i64 = 5;
/// Recovery codes given at setup.
const RECOVERY_CODES: usize = 10;
/// 32 letters and digits that cannot be mistaken for one another (no l, o, 0, 1).
const RECOVERY_ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";
const RECOVERY_LEN: usize = 10;

/// Whether this kind of account must have a second factor.
pub fn is_required(kind: AccountKind) -> bool {
    matches!(kind, AccountKind::Admin | AccountKind::Centre)
}

/// Six digits from an authenticator app (spaces ignored).
#[derive(Clone, PartialEq, Eq)]
pub struct TotpCode(String);

impl TotpCode {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(digits))
        } else {
            Err("must be the 6 digits your authenticator app shows")
        }
    }
}

/// A code that proves the second factor: from the app, or one of the recovery codes.
#[derive(Clone, PartialEq, Eq)]
pub enum SecondFactorCode {
    Totp(TotpCode),
    /// Normalised: lower case, without the dash.
    Recovery(String),
}

impl SecondFactorCode {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        if let Ok(code) = TotpCode::parse(raw) {
            return Ok(Self::Totp(code));
        }
        let normalised: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if normalised.len() == RECOVERY_LEN
            && normalised.bytes().all(|b| RECOVERY_ALPHABET.contains(&b))
        {
            Ok(Self::Recovery(normalised))
        } else {
            Err(
                "must be the 6-digit code from your authenticator app, or one of your recovery codes",
            )
        }
    }
}

// Codes are secrets: never in logs.
impl std::fmt::Debug for TotpCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpCode(..)")
    }
}

impl std::fmt::Debug for SecondFactorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecondFactorCode(..)")
    }
}

/// The stored second factor of an account.
#[derive(Clone, Serialize, Deserialize)]
struct SecondFactor {
    /// The TOTP secret, base32 (RFC 4648, no padding).
    secret: String,
    /// Confirmed with a code; until then only pending.
    active: bool,
    /// The last TOTP step accepted: no code of it or before is accepted again.
    #[serde(default)]
    last_step: u64,
    /// SHA-256 of the account id and each unused recovery code.
    #[serde(default)]
    recovery: Vec<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    enabled_at: Option<OffsetDateTime>,
    version: i64,
}

impl std::fmt::Debug for SecondFactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecondFactor")
            .field("active", &self.active)
            .field("last_step", &self.last_step)
            .field("recovery_left", &self.recovery.len())
            .finish_non_exhaustive()
    }
}

fn totp(secret_base32: &str) -> Result<totp_rs::Totp> {
    let secret = totp_rs::Secret::try_from_base32(secret_base32)
        .map_err(|e| Error::Internal(format!("a stored TOTP secret is not base32: {e}")))?;
    totp_rs::Builder::new()
        .with_secret(secret.as_ref().to_vec())
        .build()
        .map_err(|e| Error::Internal(format!("a TOTP could not be built: {e}")))
}

fn recovery_hash(user_id: &str, normalised: &str) -> String {
    hex::encode(Sha256::digest(format!("{user_id}:{normalised}").as_bytes()))
}

impl SecondFactor {
    /// The factor after accepting `code` at `now`, or `None` when the code is wrong, a TOTP
    /// step already used, or a recovery code already spent.
    fn accept(
        &self,
        user_id: &str,
        code: &SecondFactorCode,
        now: OffsetDateTime,
    ) -> Result<Option<Self>> {
        match code {
            SecondFactorCode::Totp(code) => self.accept_totp(code, now),
            SecondFactorCode::Recovery(normalised) => {
                let hash = recovery_hash(user_id, normalised);
                Ok(self
                    .recovery
                    .iter()
                    .position(|h| secrets::same_secret(h, &hash))
                    .map(|i| {
                        let mut updated = self.clone();
                        updated.recovery.remove(i);
                        updated.version += 1;
                        updated
                    }))
            }
        }
    }

    fn accept_totp(&self, code: &TotpCode, now: OffsetDateTime) -> Result<Option<Self>> {
        let secs = u64::try_from(now.unix_timestamp()).unwrap_or(0);
        let step = totp(&self.secret)?.check(&code.0, secs);
        Ok(step.filter(|s| *s > self.last_step).map(|step| {
            let mut updated = self.clone();
            updated.last_step = step;
            updated.version += 1;
            updated
        }))
    }
}

async fn load(ctx: &Ctx, user_id: &str) -> Result<Option<SecondFactor>> {
    ctx.table
        .get(&keys::second_factor(user_id))
        .await?
        .map(from_item)
        .transpose()
}

fn factor_write(user_id: &str, before: Option<i64>, after: &SecondFactor) -> Result<Write> {
    let item = to_item(&keys::second_factor(user_id), after)?;
    Ok(Write::put_if(
        item,
        before.map_or(Condition::NotExists, Condition::version_is),
    ))
}

fn changed_meanwhile(e: TableError) -> Error {
    match e {
        TableError::ConditionFailed { .. } | TableError::Conflict => {
            Error::Conflict("your two-step sign-in changed meanwhile; try again".to_owned())
        }
        other => other.into(),
    }
}

/// Whether the account has a second factor in force.
pub async fn is_enabled(ctx: &Ctx, user_id: &str) -> Result<bool> {
    Ok(load(ctx, user_id).await?.is_some_and(|f| f.active))
}

/// What a person's page shows of their second factor.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SecondFactorStatus {
    /// An authenticator app is set up.
    pub enabled: bool,
    /// Required for this kind of account (administrators and centre users): it cannot be
    /// turned off.
    pub required: bool,
    /// This session can only set it up: every other request is refused until it is.
    pub setup_required: bool,
    /// Recovery codes not used yet.
    pub recovery_codes_left: usize,
}

pub async fn status(ctx: &Ctx, principal: &Principal) -> Result<SecondFactorStatus> {
    let factor = load(ctx, principal.user_id()).await?.filter(|f| f.active);
    Ok(SecondFactorStatus {
        enabled: factor.is_some(),
        required: is_required(principal.kind()),
        setup_required: principal.session.setup_only,
        recovery_codes_left: factor.map_or(0, |f| f.recovery.len()),
    })
}

/// A new secret to add to an authenticator app.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TotpSetup {
    /// Base32, for typing into the app by hand.
    pub secret: String,
    /// `otpauth://totp/…`, what the QR code holds.
    pub otpauth_uri: String,
}

/// Starts setting up (or starts again): a new pending secret, not in force until confirmed.
pub async fn begin_setup(ctx: &Ctx, principal: &Principal) -> Result<TotpSetup> {
    let existing = load(ctx, principal.user_id()).await?;
    if existing.as_ref().is_some_and(|f| f.active) {
        return Err(Error::Conflict(
            "two-step sign-in is already on; turn it off first to set up another app".to_owned(),
        ));
    }
    let bytes = random_bytes::<20>(ctx.random.as_ref());
    let secret = totp_rs::Secret::from(bytes.to_vec()).to_base32();
    let issuer = ctx.settings.organisation_name.replace(':', " ");
    let uri = totp_rs::Builder::new()
        .with_secret(bytes.to_vec())
        .with_account_name(principal.account.email.as_str())
        .with_issuer(Some(issuer.as_str()))
        .build()
        .and_then(|t| t.to_url())
        .map_err(|e| Error::Internal(format!("the otpauth URI could not be made: {e}")))?;
    let factor = SecondFactor {
        secret: secret.clone(),
        active: false,
        last_step: 0,
        recovery: Vec::new(),
        enabled_at: None,
        version: existing.as_ref().map_or(1, |f| f.version + 1),
    };
    let write = factor_write(
        principal.user_id(),
        existing.as_ref().map(|f| f.version),
        &factor,
    )?;
    ctx.table
        .transact(vec![write])
        .await
        .map_err(changed_meanwhile)?;
    Ok(TotpSetup {
        secret,
        otpauth_uri: uri,
    })
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ConfirmInput {
    /// The 6 digits the app shows for the new secret.
    pub code: Option<String>,
}

/// Shown once, when a second factor is confirmed.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RecoveryCodes {
    /// Ten single-use codes, each accepted once instead of a code from the app.
    pub recovery_codes: Vec<String>,
}

fn new_recovery_code(ctx: &Ctx) -> String {
    let bytes = random_bytes::<RECOVERY_LEN>(ctx.random.as_ref());
    let chars: String = bytes
        .iter()
        .map(|b| char::from(RECOVERY_ALPHABET[usize::from(b & 31)]))
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// Puts the pending secret in force with a code from it; answers the recovery codes (once).
/// A setup-only session becomes a full one.
pub async fn confirm(
    ctx: &Ctx,
    principal: &Principal,
    input: &ConfirmInput,
) -> Result<RecoveryCodes> {
    let mut f = Fields::new();
    let code = f.required("code", input.code.as_deref(), TotpCode::parse);
    let Some(code) = code else {
        return Err(f.into_error());
    };
    let user_id = principal.user_id();
    rate_limit_codes(ctx, user_id).await?;
    let Some(pending) = load(ctx, user_id).await?.filter(|f| !f.active) else {
        return Err(Error::Conflict(
            "there is no app being set up: start again".to_owned(),
        ));
    };
    let Some(mut factor) = pending.accept_totp(&code, ctx.now())? else {
        return Err(Error::field(
            "code",
            "is not right: type the code your app shows now",
        ));
    };
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| new_recovery_code(ctx))
        .collect();
    factor.active = true;
    factor.enabled_at = Some(ctx.now());
    factor.recovery = codes
        .iter()
        .map(|c| recovery_hash(user_id, &c.replace('-', "")))
        .collect();
    let mut writes = vec![
        factor_write(user_id, Some(pending.version), &factor)?,
        audit::entry(ctx, principal, "account.mfa_enabled", user_id, None)?,
    ];
    if principal.session.setup_only {
        let mut session = principal.session.clone();
        session.setup_only = false;
        let item = expiring(
            to_item(&principal.session_key, &session)?,
            session.created_at + ctx.settings.session_absolute,
        );
        writes.push(Write::put_if(item, Condition::Exists));
    }
    ctx.table
        .transact(writes)
        .await
        .map_err(changed_meanwhile)?;
    Ok(RecoveryCodes {
        recovery_codes: codes,
    })
}

async fn rate_limit_codes(ctx: &Ctx, user_id: &str) -> Result<()> {
    crate::rate_limit::enforce(
        ctx,
        "mfa-code",
        user_id,
        ctx.settings.limits.login_per_account,
    )
    .await
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct DisableInput {
    pub password: Option<String>,
    /// A code from the app, or a recovery code.
    pub code: Option<String>,
}

/// Turns the second factor off, with the password and a code. Not for administrators and
/// centre users, who must keep one.
pub async fn disable(ctx: &Ctx, principal: &Principal, input: &DisableInput) -> Result<()> {
    if is_required(principal.kind()) {
        return Err(Error::Forbidden);
    }
    let mut f = Fields::new();
    let password = f.required("password", input.password.as_deref(), |p| {
        Ok::<_, &str>(p.to_owned())
    });
    let code = f.required("code", input.code.as_deref(), SecondFactorCode::parse);
    let (Some(password), Some(code)) = (password, code) else {
        return Err(f.into_error());
    };
    let user_id = principal.user_id();
    rate_limit_codes(ctx, user_id).await?;
    let Some(factor) = load(ctx, user_id).await?.filter(|f| f.active) else {
        return Err(Error::Conflict("two-step sign-in is not on".to_owned()));
    };
    if !secrets::verify_password(&password, Some(&principal.account.password_hash)).await? {
        return Err(Error::field("password", "is not right"));
    }
    if factor.accept(user_id, &code, ctx.now())?.is_none() {
        return Err(Error::field("code", "is not right"));
    }
    ctx.table
        .transact(vec![
            Write::delete_if(
                keys::second_factor(user_id),
                Condition::version_is(factor.version),
            ),
            audit::entry(ctx, principal, "account.mfa_disabled", user_id, None)?,
        ])
        .await
        .map_err(changed_meanwhile)?;
    Ok(())
}

/// An administrator removes a person's second factor (they lost their phone): audited, and the
/// person is e-mailed. Administrators and centre users set one up again at their next sign-in.
pub async fn admin_reset(ctx: &Ctx, admin: &Principal, user_id: &str) -> Result<()> {
    admin.require(&[AccountKind::Admin])?;
    if !secrets::is_id(user_id) {
        return Err(Error::NotFound);
    }
    let account = super::load(ctx, user_id).await?.ok_or(Error::NotFound)?;
    let Some(factor) = load(ctx, user_id).await? else {
        return Err(Error::Conflict(
            "this account has no two-step sign-in to reset".to_owned(),
        ));
    };
    let sign_in = ctx.settings.link("/login");
    ctx.table
        .transact(vec![
            Write::delete_if(
                keys::second_factor(user_id),
                Condition::version_is(factor.version),
            ),
            audit::entry(ctx, admin, "account.mfa_reset", user_id, None)?,
            outbox::enqueue(
                ctx,
                messages::second_factor_reset(&ctx.settings, account.first_name.as_str(), &sign_in),
                account.email.as_str(),
            )?,
        ])
        .await
        .map_err(changed_meanwhile)
}

/// A sign-in waiting for its second factor.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Challenge {
    user_id: String,
    generation: i64,
    attempts: i64,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
    version: i64,
}

/// After a right password: the token that carries the sign-in to its code.
pub(super) async fn challenge(ctx: &Ctx, account: &Account) -> Result<String> {
    let token = secrets::new_token(ctx.random.as_ref());
    let expires_at = ctx.now() + CHALLENGE_LIFE;
    let challenge = Challenge {
        user_id: account.id.clone(),
        generation: account.session_generation,
        attempts: 0,
        expires_at,
        version: 1,
    };
    let item = expiring(
        to_item(
            &keys::mfa_challenge(&secrets::token_hash(&token)),
            &challenge,
        )?,
        expires_at,
    );
    ctx.table.put(item, Condition::NotExists).await?;
    Ok(token)
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct SecondStepInput {
    /// From the login answer that said `mfa_required`.
    pub mfa_token: Option<String>,
    /// A code from the app, or a recovery code.
    pub code: Option<String>,
}

fn spent_token() -> Error {
    Error::field(
        "mfa_token",
        "has expired or was used: sign in again with your password",
    )
}

/// The second step of signing in: the code with the token from the first. Starts the session.
pub async fn complete_sign_in(
    ctx: &Ctx,
    input: &SecondStepInput,
    client: &str,
    user_agent: Option<&str>,
) -> Result<SignedIn> {
    let mut f = Fields::new();
    let token = f.required("mfa_token", input.mfa_token.as_deref(), |t| {
        if secrets::looks_like_token(t) {
            Ok(t.to_owned())
        } else {
            Err("is not a sign-in token")
        }
    });
    let code = f.required("code", input.code.as_deref(), SecondFactorCode::parse);
    let (Some(token), Some(code)) = (token, code) else {
        return Err(f.into_error());
    };
    crate::rate_limit::enforce(ctx, "mfa-ip", client, ctx.settings.limits.login_per_ip).await?;
    let key = keys::mfa_challenge(&secrets::token_hash(&token));
    let now = ctx.now();
    let challenge: Challenge = match ctx.table.get(&key).await? {
        Some(item) => from_item(item)?,
        None => return Err(spent_token()),
    };
    if now >= challenge.expires_at || challenge.attempts >= CHALLENGE_TRIES {
        return Err(spent_token());
    }
    let account = super::load(ctx, &challenge.user_id)
        .await?
        .filter(|a| a.session_generation == challenge.generation)
        .filter(|a| a.status == AccountStatus::Active)
        .ok_or_else(spent_token)?;
    if account.admin_locked {
        return Err(Error::AdminLocked);
    }
    sessions::refuse_if_paused(ctx, &account, client).await?;
    let factor = load(ctx, &account.id)
        .await?
        .filter(|f| f.active)
        .ok_or_else(spent_token)?;
    match factor.accept(&account.id, &code, now)? {
        Some(updated) => {
            // The token is spent by this transaction: a second request with it fails here.
            let more = vec![
                Write::delete_if(key, Condition::version_is(challenge.version)),
                factor_write(&account.id, Some(factor.version), &updated)?,
            ];
            sessions::finish_sign_in(ctx, account, client, user_agent, false, Some(more))
                .await
                .map_err(|e| match e {
                    Error::Table(TableError::ConditionFailed { .. } | TableError::Conflict) => {
                        spent_token()
                    }
                    other => other,
                })
        }
        None => {
            let mut spent = challenge.clone();
            spent.attempts += 1;
            spent.version += 1;
            let item = expiring(to_item(&key, &spent)?, challenge.expires_at);
            match ctx
                .table
                .put(item, Condition::version_is(challenge.version))
                .await
            {
                Ok(()) => {}
                Err(TableError::ConditionFailed { .. } | TableError::Conflict) => {
                    return Err(spent_token());
                }
                Err(e) => return Err(e.into()),
            }
            match sessions::count_failure(ctx, account, client, "wrong code").await? {
                Error::BadCredentials => Err(Error::field("code", "is not right")),
                locked => Err(locked),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_as_six_digits_or_a_recovery_code() {
        assert!(TotpCode::parse("123456").is_ok());
        assert!(TotpCode::parse(" 123 456 ").is_ok());
        for bad in ["", "12345", "1234567", "12345a", "١٢٣٤٥٦"] {
            assert!(TotpCode::parse(bad).is_err(), "{bad}");
        }
        assert!(matches!(
            SecondFactorCode::parse("ABCDE-23456"),
            Ok(SecondFactorCode::Recovery(c)) if c == "abcde23456"
        ));
        assert!(matches!(
            SecondFactorCode::parse("654321"),
            Ok(SecondFactorCode::Totp(_))
        ));
        // l, o, 0 and 1 are not in the alphabet; lengths other than ten are not codes.
        for bad in ["abcde-2345l", "abcde-23450", "abcd-2345", "abcde-234567"] {
            assert!(SecondFactorCode::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            format!("{:?}", TotpCode::parse("123456")),
            "Ok(TotpCode(..))"
        );
    }

    #[test]
    fn a_step_is_accepted_once_and_a_recovery_code_once() {
        let factor = SecondFactor {
            secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ".to_owned(),
            active: true,
            last_step: 0,
            recovery: vec![recovery_hash("u1", "abcde23456")],
            enabled_at: None,
            version: 1,
        };
        // RFC 6238's SHA-1 test vector: 59 s is step 1, code 94287082 (six digits: 287082).
        let now = OffsetDateTime::UNIX_EPOCH + Duration::seconds(59);
        let code = SecondFactorCode::parse("287082").unwrap();
        let used = factor.accept("u1", &code, now).unwrap().expect("accepted");
        assert_eq!((used.last_step, used.version), (1, 2));
        assert!(used.accept("u1", &code, now).unwrap().is_none());
        let spare = SecondFactorCode::parse("abcde-23456").unwrap();
        let spent = factor.accept("u1", &spare, now).unwrap().expect("accepted");
        assert!(spent.recovery.is_empty());
        assert!(spent.accept("u1", &spare, now).unwrap().is_none());
        // Another account's hash of the same code is not this one's.
        assert!(factor.accept("u2", &spare, now).unwrap().is_none());
        assert!(!format!("{factor:?}").contains("GEZDGNBV"));
    }
}
