//! The signed-in person's own details (ACC-7) and search opt-in (ACC-8).

use serde::Deserialize;

use super::model::Account;
use super::model::{AccountKind, Profile};
use super::sessions::Principal;
use super::tokens::{self, Purpose, Token};
use crate::ctx::Ctx;
use crate::error::{Error, Fields, Result};
use crate::items::to_item;
use crate::keys;
use crate::messages;
use crate::outbox;
use crate::ports::{Condition, Key, TableError, Write};
use crate::values::{EmailAddress, PersonName, Phone, short_text};
use time::Duration;

/// A change to the profile: absent fields stay as they are; an empty string clears an
/// optional field.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct ProfileChange {
    /// A new e-mail address: it takes effect once the link sent to it is followed. Needs
    /// `current_password`.
    pub email: Option<String>,
    /// The account's password, needed to change the e-mail address (throttled: after five
    /// wrong ones in 15 minutes, 429 naming this field).
    pub current_password: Option<String>,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub additional_contact: Option<String>,
    pub third_party_search_opt_in: Option<bool>,
}

/// Applies the change. A learner's names are those of their records (they appear on the
/// certificates), so they are not changed here but through a report to the awarding body.
pub async fn update(ctx: &Ctx, principal: &Principal, change: &ProfileChange) -> Result<Profile> {
    let before = &principal.account;
    let mut after = before.clone();
    let mut f = Fields::new();
    let learner = before.kind == AccountKind::Learner;
    for (field, value) in [
        ("first_name", &change.first_name),
        ("last_name", &change.last_name),
    ] {
        let Some(raw) = value else { continue };
        if learner {
            f.add(
                field,
                "comes from your records; report an issue on a document to have it corrected",
            );
        } else if let Some(name) = f.take(field, PersonName::parse(raw)) {
            if field == "first_name" {
                after.first_name = name
            } else {
                after.last_name = name
            }
        }
    }
    if let Some(raw) = &change.middle_name
        && let Some(name) = f.optional("middle_name", Some(raw), PersonName::parse)
    {
        after.middle_name = name;
    }
    if let Some(raw) = &change.phone
        && let Some(phone) = f.optional("phone", Some(raw), Phone::parse)
    {
        after.phone = phone;
    }
    if let Some(raw) = &change.company {
        if before.kind != AccountKind::ThirdParty {
            f.add("company", "is only kept for third parties");
        } else if let Some(company) = f.required("company", Some(raw), |c| short_text(c, 100)) {
            after.company = Some(company);
        }
    }
    if let Some(raw) = &change.additional_contact
        && let Some(text) = f.optional("additional_contact", Some(raw), |c| short_text(c, 500))
    {
        after.additional_contact = text;
    }
    if let Some(opt_in) = change.third_party_search_opt_in {
        if learner {
            after.third_party_search_opt_in = opt_in;
        } else {
            f.add("third_party_search_opt_in", "is only for learners");
        }
    }
    let new_email = match &change.email {
        Some(raw) => f
            .take("email", EmailAddress::parse(raw))
            .filter(|email| *email != before.email),
        None => None,
    };
    let current_password = change.current_password.as_deref().filter(|p| !p.is_empty());
    if new_email.is_some() && current_password.is_none() {
        f.add(
            "current_password",
            "is required to change your e-mail address",
        );
    }
    f.finish()?;
    if let (Some(_), Some(password)) = (&new_email, current_password) {
        super::passwords::check_current_password(ctx, before, password).await?;
    }
    after.version += 1;
    let mut writes = Vec::with_capacity(5);
    let changed = changed_fields(before, &after);
    if !changed.is_empty() {
        // Which fields changed, not what they hold.
        writes.push(crate::audit::entry(
            ctx,
            principal,
            "account.profile",
            &before.id,
            Some(&changed.join(", ")),
        )?);
    }
    if let Some(new_email) = new_email {
        writes.push(crate::audit::entry(
            ctx,
            principal,
            "account.email_change_requested",
            &before.id,
            Some(&format!("to {new_email}, once confirmed from there")),
        )?);
        // Confirmed by the new address's owner, through verify-email (see `confirm_email`).
        after.pending_email = Some(new_email.to_string());
        let token = tokens::issue_with(
            ctx,
            Purpose::ChangeEmail,
            &after,
            Duration::hours(24),
            Some(new_email.to_string()),
            &mut writes,
        )?;
        let link = ctx.settings.link(&format!("/verify-email?token={token}"));
        writes.push(outbox::enqueue(
            ctx,
            messages::confirm_new_email(&ctx.settings, after.first_name.as_str(), &link),
            new_email.as_str(),
        )?);
        // The old address can stop it, before and for a while after it is confirmed.
        let cancel = cancel_link(ctx, &after, &before.email, &new_email, &mut writes)?;
        writes.push(outbox::enqueue(
            ctx,
            messages::email_change_requested(
                &ctx.settings,
                after.first_name.as_str(),
                new_email.as_str(),
                &cancel,
            ),
            before.email.as_str(),
        )?);
    }
    writes.extend(crate::connections::search::entry_writes(before, &after)?);
    writes.push(Write::put_if(
        after.to_item()?,
        Condition::version_is(before.version),
    ));
    match ctx.table.transact(writes).await {
        Ok(()) => Ok(after.profile()),
        Err(TableError::ConditionFailed { .. } | TableError::Conflict) => Err(Error::Conflict(
            "your account changed meanwhile; reload and try again".to_owned(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The names of the profile's fields that differ.
fn changed_fields(before: &Account, after: &Account) -> Vec<&'static str> {
    [
        ("first_name", before.first_name != after.first_name),
        ("middle_name", before.middle_name != after.middle_name),
        ("last_name", before.last_name != after.last_name),
        ("phone", before.phone != after.phone),
        ("company", before.company != after.company),
        (
            "additional_contact",
            before.additional_contact != after.additional_contact,
        ),
        (
            "third_party_search_opt_in",
            before.third_party_search_opt_in != after.third_party_search_opt_in,
        ),
    ]
    .into_iter()
    .filter_map(|(name, differs)| differs.then_some(name))
    .collect()
}

/// How long the old address can undo an e-mail change, from the e-mail sent to it.
pub const CANCEL_EMAIL_CHANGE_VALID: Duration = Duration::days(7);

/// A link for the old address that undoes the change from `old` to `new`.
fn cancel_link(
    ctx: &Ctx,
    account: &Account,
    old: &EmailAddress,
    new: &EmailAddress,
    writes: &mut Vec<Write>,
) -> Result<String> {
    let token = Token {
        old_email: Some(old.to_string()),
        new_email: Some(new.to_string()),
        ..Token::new(
            ctx,
            Purpose::CancelEmailChange,
            account,
            CANCEL_EMAIL_CHANGE_VALID,
        )
    };
    let secret = tokens::issue_token(ctx, &token, writes)?;
    Ok(ctx
        .settings
        .link(&format!("/cancel-email-change?token={secret}")))
}

/// Follows the link sent to a new address: the account moves to it (its old address is told,
/// with a link that undoes it), unless another account took the address meanwhile. Every
/// session ends, and reset links sent before no longer work.
pub(super) async fn confirm_email(
    ctx: &Ctx,
    token_key: &Key,
    token: &Token,
    account: Account,
) -> Result<()> {
    let new_email = token.new_email.as_deref().ok_or_else(tokens::not_valid)?;
    let new_email = EmailAddress::parse(new_email).map_err(|_| tokens::not_valid())?;
    if account.pending_email.as_deref() != Some(new_email.as_str()) {
        // A later change (or a confirmed one) replaced this request.
        return Err(tokens::used());
    }
    let mut after = account.clone();
    after.email = new_email.clone();
    after.pending_email = None;
    after.session_generation += 1;
    after.credential_generation += 1;
    after.version += 1;
    let mut cancel_writes = Vec::with_capacity(1);
    let cancel = cancel_link(ctx, &after, &account.email, &new_email, &mut cancel_writes)?;
    let mut writes = vec![
        tokens::spend(token_key, token)?,
        Write::put_new(to_item(
            &keys::email_guard(new_email.as_str()),
            &serde_json::json!({ "user_id": account.id }),
        )?),
        Write::delete_if(
            keys::email_guard(account.email.as_str()),
            Condition::equals("user_id", account.id.as_str()),
        ),
        Write::put_if(after.to_item()?, Condition::version_is(account.version)),
        outbox::enqueue(
            ctx,
            messages::email_changed(
                &ctx.settings,
                account.first_name.as_str(),
                new_email.as_str(),
                &cancel,
            ),
            account.email.as_str(),
        )?,
        crate::audit::entry_by(
            ctx,
            &after,
            "account.email_changed",
            &account.id,
            Some(&format!(
                "from {} to {}; every session ended",
                account.email, new_email
            )),
        )?,
    ];
    writes.extend(cancel_writes);
    match ctx.table.transact(writes).await {
        Ok(()) => Ok(()),
        Err(TableError::ConditionFailed { index: 1 }) => Err(Error::field(
            "token",
            "This address is already used by another account.",
        )),
        Err(TableError::ConditionFailed { .. } | TableError::Conflict) => Err(tokens::used()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct CancelEmailChangeInput {
    /// From the link e-mailed to the old address.
    pub token: Option<String>,
}

/// Follows the link sent to the old address: a change not yet confirmed is dropped; a confirmed
/// one is undone (the account goes back to the old address, unless another account has taken
/// it since). Either way every session ends and earlier reset links stop working: whoever asked
/// knew the password, so the person is told to set a new one.
pub async fn cancel_email_change(ctx: &Ctx, input: &CancelEmailChangeInput) -> Result<()> {
    let (token_key, token) =
        tokens::redeem(ctx, input.token.as_deref(), Purpose::CancelEmailChange).await?;
    let account = super::load(ctx, &token.user_id)
        .await?
        .ok_or_else(tokens::not_valid)?;
    let (Some(old), Some(new)) = (token.old_email.as_deref(), token.new_email.as_deref()) else {
        return Err(tokens::not_valid());
    };
    let old = EmailAddress::parse(old).map_err(|_| tokens::not_valid())?;
    let confirmed = account.email.as_str() == new;
    let waiting = account.email == old && account.pending_email.as_deref() == Some(new);
    if !confirmed && !waiting {
        // Cancelled already, or replaced by a later change.
        return Err(tokens::used());
    }
    let mut after = account.clone();
    after.email = old.clone();
    after.pending_email = None;
    after.session_generation += 1;
    after.credential_generation += 1;
    after.version += 1;
    let mut writes = vec![tokens::spend(&token_key, &token)?];
    if confirmed {
        writes.push(Write::put_new(to_item(
            &keys::email_guard(old.as_str()),
            &serde_json::json!({ "user_id": account.id }),
        )?));
        writes.push(Write::delete_if(
            keys::email_guard(new),
            Condition::equals("user_id", account.id.as_str()),
        ));
    }
    writes.push(Write::put_if(
        after.to_item()?,
        Condition::version_is(account.version),
    ));
    writes.push(outbox::enqueue(
        ctx,
        messages::email_change_cancelled(
            &ctx.settings,
            account.first_name.as_str(),
            &ctx.settings.link("/forgot-password"),
        ),
        old.as_str(),
    )?);
    let detail = if confirmed {
        format!("back from {new} to {old}; every session ended")
    } else {
        format!("to {new}, before it was confirmed; every session ended")
    };
    writes.push(crate::audit::entry_by(
        ctx,
        &after,
        "account.email_change_cancelled",
        &account.id,
        Some(&detail),
    )?);
    match ctx.table.transact(writes).await {
        Ok(()) => Ok(()),
        Err(TableError::ConditionFailed { index: 1 }) if confirmed => Err(Error::Conflict(
            "your old address now belongs to another account; please contact support".to_owned(),
        )),
        Err(TableError::ConditionFailed { .. } | TableError::Conflict) => Err(tokens::used()),
        Err(e) => Err(e.into()),
    }
}
