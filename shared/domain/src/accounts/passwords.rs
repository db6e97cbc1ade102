//! Forgotten password (ACC-5) and change password (ACC-6).

use serde::Deserialize;
use time::Duration;

use super::model::{Account, AccountStatus};
use super::sessions::{Principal, SignedIn};
use super::tokens::{self, Purpose};
use crate::ctx::Ctx;
use crate::error::{Error, Fields, Result};
use crate::messages;
use crate::outbox;
use crate::ports::{Condition, TableError, Write};
use crate::rate_limit;
use crate::secrets::{self, Password};
use crate::settings::Limit;
use crate::values::EmailAddress;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ForgotInput {
    pub email: Option<String>,
}

/// Sends a reset link if the address has a confirmed account; answers the same either way.
pub async fn forgot(ctx: &Ctx, input: &ForgotInput, client: &str) -> Result<()> {
    let email = Fields::new();
    let mut f = email;
    let email = f.required("email", input.email.as_deref(), EmailAddress::parse);
    let Some(email) = email else {
        return Err(f.into_error());
    };
    rate_limit::enforce(ctx, "forgot-ip", client, ctx.settings.limits.forgot_per_ip).await?;
    if !rate_limit::within(
        ctx,
        "forgot-email",
        email.as_str(),
        ctx.settings.limits.forgot_per_email,
    )
    .await?
    {
        return Ok(());
    }
    let Some(account) = super::find_by_email(ctx, &email).await? else {
        return Ok(());
    };
    if account.status == AccountStatus::Unverified {
        return Ok(());
    }
    // A new link moves the credential generation on, so any earlier link stops working.
    let mut updated = account.clone();
    updated.credential_generation += 1;
    updated.version += 1;
    let mut writes = vec![Write::put_if(
        updated.to_item()?,
        Condition::version_is(account.version),
    )];
    let token = tokens::Token {
        generation: Some(updated.credential_generation),
        ..tokens::Token::new(ctx, Purpose::ResetPassword, &updated, Duration::hours(1))
    };
    let token = tokens::issue_token(ctx, &token, &mut writes)?;
    let link = ctx.settings.link(&format!("/reset-password?token={token}"));
    writes.push(outbox::enqueue(
        ctx,
        messages::reset_password(&ctx.settings, account.first_name.as_str(), &link),
        account.email.as_str(),
    )?);
    match ctx.table.transact(writes).await {
        // The account changed at that moment (a sign-in, say): the answer is the same, and
        // asking again sends a link.
        Ok(()) | Err(TableError::ConditionFailed { .. } | TableError::Conflict) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ResetInput {
    pub token: Option<String>,
    pub password: Option<String>,
}

/// Sets a new password from a reset link: unlocks a lock from wrong passwords, and ends every
/// session. (A lock set by an administrator stays until an administrator lifts it.)
pub async fn reset(ctx: &Ctx, input: &ResetInput) -> Result<()> {
    let (token_key, token) =
        tokens::redeem(ctx, input.token.as_deref(), Purpose::ResetPassword).await?;
    let account = super::load(ctx, &token.user_id)
        .await?
        .ok_or_else(tokens::not_valid)?;
    if token.generation != Some(account.credential_generation) {
        return Err(tokens::superseded());
    }
    let names = [account.first_name.as_str(), account.last_name.as_str()];
    let password = match input.password.as_deref() {
        None | Some("") => return Err(Error::field("password", "is required")),
        Some(raw) => Password::parse(raw, Some(&account.email), &names)
            .map_err(|m| Error::field("password", m))?,
    };
    let hash = password.hash(ctx.random.as_ref()).await?;
    let mut updated = account.clone();
    updated.password_hash = hash;
    updated.clear_pause();
    updated.session_generation += 1;
    updated.credential_generation += 1;
    updated.version += 1;
    let writes = vec![
        tokens::spend(&token_key, &token)?,
        Write::put_if(updated.to_item()?, Condition::version_is(account.version)),
        outbox::enqueue(
            ctx,
            messages::password_changed(&ctx.settings, account.first_name.as_str()),
            account.email.as_str(),
        )?,
        crate::audit::entry_by(
            ctx,
            &account,
            "account.password_reset",
            &account.id,
            Some("from a reset link; every session ended"),
        )?,
    ];
    match ctx.table.transact(writes).await {
        Ok(()) => Ok(()),
        Err(TableError::ConditionFailed { index: 0 }) => Err(tokens::used()),
        Err(TableError::ConditionFailed { .. } | TableError::Conflict) => Err(Error::Conflict(
            "the account changed meanwhile; try again".to_owned(),
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ChangePasswordInput {
    pub current_password: Option<String>,
    pub new_password: Option<String>,
}

/// Changes the password (the current one is needed). Ends every other session: this one
/// carries on under a new session (new token) of the new generation.
pub async fn change(
    ctx: &Ctx,
    principal: &Principal,
    input: &ChangePasswordInput,
) -> Result<SignedIn> {
    let account = &principal.account;
    let mut f = Fields::new();
    let current = f.required("current_password", input.current_password.as_deref(), |p| {
        Ok::<_, &str>(p.to_owned())
    });
    let names = [account.first_name.as_str(), account.last_name.as_str()];
    let new = f.required("new_password", input.new_password.as_deref(), |p| {
        Password::parse(p, Some(&account.email), &names)
    });
    let (Some(current), Some(new)) = (current, new) else {
        return Err(f.into_error());
    };
    check_current_password(ctx, account, &current).await?;
    let mut updated = account.clone();
    updated.password_hash = new.hash(ctx.random.as_ref()).await?;
    updated.session_generation += 1;
    updated.credential_generation += 1;
    updated.version += 1;
    let writes = vec![
        Write::put_if(updated.to_item()?, Condition::version_is(account.version)),
        Write::delete(principal.session_key.clone()),
        outbox::enqueue(
            ctx,
            messages::password_changed(&ctx.settings, account.first_name.as_str()),
            account.email.as_str(),
        )?,
        crate::audit::entry(
            ctx,
            principal,
            "account.password_changed",
            &account.id,
            Some("every other session ended"),
        )?,
    ];
    let origin = super::sessions::Origin::of(&principal.session);
    super::sessions::start(ctx, updated, writes, &origin)
        .await
        .map_err(|e| match e {
            Error::Table(TableError::ConditionFailed { .. } | TableError::Conflict) => {
                Error::Conflict("the account changed meanwhile; try again".to_owned())
            }
            other => other,
        })
}

/// Wrong current passwords one account may give (changing the password or the e-mail address)
/// before it has to wait: a stolen session must not become a way to guess the password.
pub const CURRENT_PASSWORD_TRIES: Limit = Limit {
    n: 5,
    window: Duration::minutes(15),
};

/// Checks the signed-in person's current password, throttled per account: after
/// [`CURRENT_PASSWORD_TRIES`] wrong ones, every try (right or wrong) is refused with 429 naming
/// `current_password` until the window ends.
pub(super) async fn check_current_password(ctx: &Ctx, account: &Account, raw: &str) -> Result<()> {
    const ACTION: &str = "current-password";
    let limit = CURRENT_PASSWORD_TRIES;
    let (seen, retry_after_secs) = rate_limit::seen(ctx, ACTION, &account.id, limit.window).await?;
    if seen >= limit.n {
        return Err(Error::TooManyTries {
            field: "current_password",
            retry_after_secs,
        });
    }
    if secrets::verify_password(raw, Some(&account.password_hash)).await? {
        return Ok(());
    }
    rate_limit::hit(ctx, ACTION, &account.id, limit.window).await?;
    Err(Error::field(
        "current_password",
        "is not your current password",
    ))
}
