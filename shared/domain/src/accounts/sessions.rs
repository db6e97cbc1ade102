//! Signing in and out, and the server-side sessions that carry a signed-in person.
//!
//! A session is a random 256-bit token held by the client (a `__Host-` cookie in browsers, a
//! bearer token for API clients); the table keeps its SHA-256 with the account, a CSRF token,
//! and the instants that bound it (idle and absolute timeouts). Ending a session deletes it;
//! a password change or reset moves the account to a new session generation, which ends
//! every session of the old one at once.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::model::{Account, AccountKind, AccountStatus};
use crate::ctx::Ctx;
use crate::error::{Error, Fields, Result};
use crate::items::{expiring, from_item, sortable, to_item};
use crate::keys;
use crate::messages;
use crate::outbox;
use crate::ports::{Condition, Key, TableError, Write};
use crate::rate_limit;
use crate::secrets;
use crate::values::EmailAddress;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub user_id: String,
    pub kind: AccountKind,
    pub generation: i64,
    pub csrf_token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen_at: OffsetDateTime,
}

/// A request's signed-in person.
#[derive(Debug, Clone)]
pub struct Principal {
    pub account: Account,
    pub session_key: Key,
    pub session: Session,
}

impl Principal {
    pub fn user_id(&self) -> &str {
        &self.account.id
    }

    pub fn kind(&self) -> AccountKind {
        self.account.kind
    }

    /// Refuses (403) unless the account is of one of these kinds.
    pub fn require(&self, kinds: &[AccountKind]) -> Result<()> {
        if kinds.contains(&self.account.kind) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct LoginInput {
    pub email: Option<String>,
    pub password: Option<String>,
}

/// A new session: the secret for the client and its CSRF token.
#[derive(Debug)]
pub struct SignedIn {
    pub token: String,
    pub csrf_token: String,
    pub account: Account,
}

/// How sign-in attempts went, for the account's activity list (ADM-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignInOutcome {
    Success,
    WrongPassword,
    Locked,
    NotActive,
}

/// Keeps sign-in activity for 90 days.
const KEEP_ACTIVITY: Duration = Duration::days(90);

/// Signs in. The answer for an unknown e-mail and for a wrong password is the same, takes the
/// same time (a dummy hash is verified), and after five failures in a row both say "locked".
pub async fn login(ctx: &Ctx, input: &LoginInput, client: &str) -> Result<SignedIn> {
    let mut f = Fields::new();
    let email = f.required("email", input.email.as_deref(), EmailAddress::parse);
    let password = f.required("password", input.password.as_deref(), |p| {
        Ok::<_, &str>(p.to_owned())
    });
    let (Some(email), Some(password)) = (email, password) else {
        return Err(f.into_error());
    };
    let limits = &ctx.settings.limits;
    rate_limit::enforce(ctx, "login-ip", client, limits.login_per_ip).await?;
    rate_limit::enforce(
        ctx,
        "login-account",
        email.as_str(),
        limits.login_per_account,
    )
    .await?;

    let Some(account) = super::find_by_email(ctx, &email).await? else {
        // Not audited: there is no account to file the attempt under, and recording every
        // address tried would fill the log with whatever a guesser sends. Such attempts are
        // rate-limited per address and per client instead (above and below).
        secrets::verify_password(&password, None).await?;
        // Unknown addresses "lock" after the same number of failures, so the lock does not
        // tell which addresses have accounts.
        let count =
            rate_limit::hit(ctx, "login-unknown", email.as_str(), Duration::hours(24)).await?;
        return Err(if count >= limits.lockout_after {
            Error::Locked
        } else {
            Error::BadCredentials
        });
    };
    let right = secrets::verify_password(&password, Some(&account.password_hash)).await?;
    if account.is_locked() {
        record_failure(
            ctx,
            &account,
            client,
            SignInOutcome::Locked,
            "the account is locked",
        )
        .await?;
        return Err(Error::Locked);
    }
    if !right {
        let locked_now = count_failure(ctx, account, client).await?;
        return Err(if locked_now {
            Error::Locked
        } else {
            Error::BadCredentials
        });
    }
    if account.status != AccountStatus::Active {
        let why = format!("the account is {}", account.status.as_str());
        record_failure(ctx, &account, client, SignInOutcome::NotActive, &why).await?;
        return Err(Error::NotActive(account.status.as_str()));
    }
    let account = if account.failed_logins > 0 {
        let mut reset = account.clone();
        reset.failed_logins = 0;
        reset.version += 1;
        save(ctx, &account, &reset).await?;
        reset
    } else {
        account
    };
    let writes = vec![
        sign_in_record(ctx, &account, client, SignInOutcome::Success)?,
        crate::audit::entry_by(ctx, &account, "auth.sign_in", &account.id, None)?,
    ];
    start(ctx, account, writes).await
}

/// Adds one failure; locks at the limit (and e-mails the way out). Returns whether it locked.
async fn count_failure(ctx: &Ctx, mut account: Account, client: &str) -> Result<bool> {
    for _ in 0..5 {
        let mut updated = account.clone();
        updated.failed_logins += 1;
        updated.version += 1;
        let locks = updated.failed_logins >= ctx.settings.limits.lockout_after;
        updated.locked = locks;
        let mut writes = vec![
            Write::put_if(updated.to_item()?, Condition::version_is(account.version)),
            sign_in_record(ctx, &updated, client, SignInOutcome::WrongPassword)?,
            crate::audit::entry_by(
                ctx,
                &updated,
                "auth.sign_in_failed",
                &updated.id,
                Some(&format!(
                    "wrong password ({} in a row)",
                    updated.failed_logins
                )),
            )?,
        ];
        if locks {
            writes.push(crate::audit::entry_by(
                ctx,
                &updated,
                "auth.locked",
                &updated.id,
                Some(&format!(
                    "after {} wrong passwords in a row",
                    updated.failed_logins
                )),
            )?);
            let reset = ctx.settings.link("/forgot-password");
            writes.push(outbox::enqueue(
                ctx,
                messages::account_locked(&ctx.settings, account.first_name.as_str(), &reset),
                account.email.as_str(),
            )?);
        }
        match ctx.table.transact(writes).await {
            Ok(()) => return Ok(locks),
            Err(TableError::ConditionFailed { .. } | TableError::Conflict) => {
                account = super::load(ctx, &account.id)
                    .await?
                    .ok_or(Error::BadCredentials)?;
                if account.is_locked() {
                    return Ok(true);
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::Internal(
        "could not record a failed sign-in".to_owned(),
    ))
}

async fn save(ctx: &Ctx, before: &Account, after: &Account) -> Result<()> {
    ctx.table
        .put(after.to_item()?, Condition::version_is(before.version))
        .await
        .map_err(|e| match e {
            TableError::ConditionFailed { .. } | TableError::Conflict => {
                Error::Conflict("the account changed meanwhile; try again".to_owned())
            }
            other => other.into(),
        })
}

/// A refused sign-in of a known account that changes nothing else: its activity record and its
/// audit entry (`auth.sign_in_failed`, saying why, never what was typed), in one transaction.
async fn record_failure(
    ctx: &Ctx,
    account: &Account,
    client: &str,
    outcome: SignInOutcome,
    why: &str,
) -> Result<()> {
    ctx.table
        .transact(vec![
            sign_in_record(ctx, account, client, outcome)?,
            crate::audit::entry_by(ctx, account, "auth.sign_in_failed", &account.id, Some(why))?,
        ])
        .await?;
    Ok(())
}

/// The write of a sign-in attempt to the account's activity list (kept 90 days).
fn sign_in_record(
    ctx: &Ctx,
    account: &Account,
    client: &str,
    outcome: SignInOutcome,
) -> Result<Write> {
    let now = ctx.now();
    let n = secrets::new_id(ctx.random.as_ref());
    let key = keys::sign_in(&account.id, &sortable(now), &n[..8]);
    let record = SignIn {
        at: now,
        client: client.to_owned(),
        outcome,
    };
    Ok(Write::put(expiring(
        to_item(&key, &record)?,
        now + KEEP_ACTIVITY,
    )))
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SignIn {
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    /// The client's network address.
    pub client: String,
    pub outcome: SignInOutcome,
}

/// Creates a session for the account, in one transaction with `writes`.
pub(super) async fn start(ctx: &Ctx, account: Account, mut writes: Vec<Write>) -> Result<SignedIn> {
    let token = secrets::new_token(ctx.random.as_ref());
    let csrf_token = secrets::new_token(ctx.random.as_ref());
    let now = ctx.now();
    let session = Session {
        user_id: account.id.clone(),
        kind: account.kind,
        generation: account.session_generation,
        csrf_token: csrf_token.clone(),
        created_at: now,
        last_seen_at: now,
    };
    let item = expiring(
        to_item(&keys::session(&secrets::token_hash(&token)), &session)?,
        now + ctx.settings.session_absolute,
    );
    writes.push(Write::put_new(item));
    ctx.table.transact(writes).await?;
    Ok(SignedIn {
        token,
        csrf_token,
        account,
    })
}

/// The signed-in person behind a session token, or 401. Ends sessions past their idle or
/// absolute timeout, of an older generation, or of an account that is locked or not active.
pub async fn resolve(ctx: &Ctx, token: &str) -> Result<Principal> {
    if !secrets::looks_like_token(token) {
        return Err(Error::Unauthenticated);
    }
    let key = keys::session(&secrets::token_hash(token));
    let item = ctx.table.get(&key).await?.ok_or(Error::Unauthenticated)?;
    let mut session: Session = from_item(item)?;
    let now = ctx.now();
    let settings = &ctx.settings;
    if now >= session.created_at + settings.session_absolute
        || now >= session.last_seen_at + settings.session_idle
    {
        ctx.table.delete(key, Condition::Always).await?;
        return Err(Error::Unauthenticated);
    }
    let account = super::load(ctx, &session.user_id)
        .await?
        .ok_or(Error::Unauthenticated)?;
    if account.session_generation != session.generation
        || account.is_locked()
        || account.status != AccountStatus::Active
    {
        ctx.table.delete(key, Condition::Always).await?;
        return Err(Error::Unauthenticated);
    }
    // Note activity at most once a minute: a write per request would cost more than it tells.
    if now - session.last_seen_at >= Duration::minutes(1) {
        session.last_seen_at = now;
        let item = expiring(
            to_item(&key, &session)?,
            session.created_at + settings.session_absolute,
        );
        match ctx.table.put(item, Condition::Exists).await {
            Ok(()) | Err(TableError::ConditionFailed { .. } | TableError::Conflict) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Principal {
        account,
        session_key: key,
        session,
    })
}

/// Ends this session.
pub async fn logout(ctx: &Ctx, principal: &Principal) -> Result<()> {
    ctx.table
        .delete(principal.session_key.clone(), Condition::Always)
        .await?;
    Ok(())
}
