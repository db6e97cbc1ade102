//! Accounts: registration, sign-in, sessions, passwords, profile, address book, administration.

pub mod addresses;
pub mod admin;
pub mod centre_approval;
pub mod mfa;
pub mod model;
pub mod passwords;
pub mod profile;
pub mod record_code;
pub mod registration;
pub mod sessions;
pub mod tokens;

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::items::from_item;
use crate::keys;
use crate::ports::TableError;
use crate::secrets::{self, Password};
use crate::values::{EmailAddress, PersonName};
use model::{Account, AccountKind, AccountStatus};

pub async fn load(ctx: &Ctx, user_id: &str) -> Result<Option<Account>> {
    ctx.table
        .get(&keys::account(user_id))
        .await?
        .map(from_item)
        .transpose()
}

pub async fn find_by_email(ctx: &Ctx, email: &EmailAddress) -> Result<Option<Account>> {
    let Some(guard) = ctx.table.get(&keys::email_guard(email.as_str())).await? else {
        return Ok(None);
    };
    match guard.get("user_id").and_then(|v| v.as_str()) {
        Some(user_id) => load(ctx, user_id).await,
        None => Ok(None),
    }
}

/// The active account linked to a learner record, if any (one at most: the link guard).
pub async fn linked_learner(ctx: &Ctx, enrolment_number: &str) -> Result<Option<Account>> {
    let Some(link) = ctx.table.get(&keys::learner_link(enrolment_number)).await? else {
        return Ok(None);
    };
    let Some(user_id) = link.get("user_id").and_then(|v| v.as_str()) else {
        return Ok(None);
    };
    Ok(load(ctx, user_id)
        .await?
        .filter(|a| a.status == AccountStatus::Active))
}

/// What [`ensure_admin`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminBootstrap {
    Created,
    AlreadyThere,
}

/// Creates the first administrator (local first start, or the one-off step in AWS), unless an
/// account with that e-mail exists.
pub async fn ensure_admin(ctx: &Ctx, email: &str, password: &str) -> Result<AdminBootstrap> {
    let email = EmailAddress::parse(email).map_err(|m| Error::field("PORTAL_ADMIN_EMAIL", m))?;
    if find_by_email(ctx, &email).await?.is_some() {
        return Ok(AdminBootstrap::AlreadyThere);
    }
    let password = Password::parse(password, Some(&email), &[])
        .map_err(|m| Error::field("PORTAL_ADMIN_PASSWORD", m))?;
    let now = ctx.now();
    let name = |n: &str| PersonName::parse(n).map_err(|m| Error::Internal(m.to_owned()));
    let account = Account {
        id: secrets::new_id(ctx.random.as_ref()),
        kind: AccountKind::Admin,
        status: AccountStatus::Active,
        email,
        password_hash: password.hash(ctx.random.as_ref()).await?,
        first_name: name("Portal")?,
        middle_name: None,
        last_name: name("Administrator")?,
        date_of_birth: None,
        enrolment_number: None,
        centre_number: None,
        centre_name: None,
        company: None,
        phone: None,
        additional_contact: None,
        third_party_search_opt_in: false,
        linked_record: None,
        failed_logins: 0,
        locked: false,
        locked_until: None,
        admin_locked: false,
        session_generation: 0,
        credential_generation: 0,
        created_at: now,
        verified_at: Some(now),
        pending_email: None,
        review_since: None,
        version: 1,
    };
    let writes = vec![
        registration::new_guard(&account)?,
        crate::ports::Write::put_new(account.to_item()?),
    ];
    match ctx.table.transact(writes).await {
        Ok(()) => Ok(AdminBootstrap::Created),
        Err(TableError::ConditionFailed { .. } | TableError::Conflict) => {
            Ok(AdminBootstrap::AlreadyThere)
        }
        Err(e) => Err(e.into()),
    }
}
