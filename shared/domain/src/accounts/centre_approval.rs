//! A centre user's approval by the centre (ACC-3). Numbers and names of centres are public, and
//! a mailbox at the centre's domain proves nothing (students have them; freemail domains are
//! anyone's), so a centre user whose registration names a centre waits: a link goes to the
//! centre's central address (from the records system), saying who asked, and whoever reads that
//! mailbox approves or declines. Administrators can decide meanwhile, as for any review.

use serde::{Deserialize, Serialize};

use super::model::{Account, AccountStatus};
use super::registration::CENTRE_APPROVAL_VALID;
use super::tokens::{self, Purpose, Token};
use crate::ctx::Ctx;
use crate::error::{Error, Fields, Result};
use crate::keys;
use crate::messages::{self, CentreRequest};
use crate::outbox;
use crate::ports::{Condition, TableError, Write};
use crate::records::{self, CentreRecord};

/// Adds the approval link and its e-mail to the centre's central address to `writes`.
/// `account`: as it will be stored (the link works for that version only).
pub(super) fn ask(
    ctx: &Ctx,
    account: &Account,
    centre: &CentreRecord,
    writes: &mut Vec<Write>,
) -> Result<()> {
    let token = Token::new(ctx, Purpose::CentreApproval, account, CENTRE_APPROVAL_VALID);
    let secret = tokens::issue_token(ctx, &token, writes)?;
    let link = ctx
        .settings
        .link(&format!("/centre-approval?token={secret}"));
    let request = CentreRequest {
        centre_name: &centre.name,
        person_name: &account.full_name(),
        person_email: account.email.as_str(),
        at_centre_domain: records::at_centre_domain(centre, &account.email),
    };
    writes.push(outbox::enqueue(
        ctx,
        messages::centre_approval_request(&ctx.settings, &request, &link),
        centre.email.as_str(),
    )?);
    Ok(())
}

#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct CentreDecisionInput {
    /// From the link e-mailed to the centre's central address.
    pub token: Option<String>,
    /// `approve` or `decline`.
    pub decision: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Approve,
    Decline,
}

/// What the centre decided, and for whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CentreDecision {
    /// `active` (approved) or `rejected` (declined).
    pub status: AccountStatus,
    pub name: String,
    pub email: String,
}

fn decided() -> Error {
    Error::field(
        "token",
        "This registration has already been decided (by this link, or by an administrator).",
    )
}

/// Approves (the account is active and linked to the centre) or declines (rejected, its
/// address free again); the person is e-mailed either way. The link works once.
pub async fn decide(ctx: &Ctx, input: &CentreDecisionInput) -> Result<CentreDecision> {
    let mut f = Fields::new();
    let decision = f.required("decision", input.decision.as_deref(), |d| match d.trim() {
        "approve" => Ok(Decision::Approve),
        "decline" => Ok(Decision::Decline),
        _ => Err("must be approve or decline"),
    });
    if input.token.as_deref().is_none_or(|t| t.trim().is_empty()) {
        f.add("token", "is required");
    }
    let Some(decision) = decision.filter(|_| f.is_empty()) else {
        return Err(f.into_error());
    };
    let (token_key, token) =
        tokens::redeem(ctx, input.token.as_deref(), Purpose::CentreApproval).await?;
    let account = super::load(ctx, &token.user_id)
        .await?
        .ok_or_else(tokens::not_valid)?;
    if account.status != AccountStatus::PendingReview
        || token.account_version != Some(account.version)
    {
        return Err(decided());
    }
    let number = account
        .centre_number
        .as_ref()
        .ok_or_else(tokens::not_valid)?
        .to_string();
    let centre = records::centre(ctx, &number).await?.ok_or_else(|| {
        Error::Conflict("the centre's record is gone; an administrator will decide".to_owned())
    })?;
    let mut updated = account.clone();
    updated.review_since = None;
    updated.version += 1;
    let mut writes = vec![tokens::spend(&token_key, &token)?];
    let first_name = account.first_name.as_str();
    let detail = format!("by the centre's central address {}", centre.email);
    match decision {
        Decision::Approve => {
            updated.status = AccountStatus::Active;
            updated.linked_record = Some(number.clone());
            writes.push(outbox::enqueue(
                ctx,
                messages::centre_approved(
                    &ctx.settings,
                    first_name,
                    &centre.name,
                    &ctx.settings.link("/login"),
                ),
                account.email.as_str(),
            )?);
            writes.push(crate::audit::entry_by(
                ctx,
                &updated,
                "registration.approve",
                &account.id,
                Some(&detail),
            )?);
        }
        Decision::Decline => {
            updated.status = AccountStatus::Rejected;
            // The address is free again, as after an administrator's rejection.
            writes.push(Write::delete_if(
                keys::email_guard(account.email.as_str()),
                Condition::equals("user_id", account.id.as_str()),
            ));
            writes.push(outbox::enqueue(
                ctx,
                messages::centre_declined(&ctx.settings, first_name, &centre.name),
                account.email.as_str(),
            )?);
            writes.push(crate::audit::entry_by(
                ctx,
                &updated,
                "registration.reject",
                &account.id,
                Some(&detail),
            )?);
        }
    }
    writes.push(Write::put_if(
        updated.to_item()?,
        Condition::version_is(account.version),
    ));
    if let Some(since) = &account.review_since {
        writes.push(Write::delete(keys::review(since, &account.id)));
    }
    match ctx.table.transact(writes).await {
        Ok(()) => Ok(CentreDecision {
            status: updated.status,
            name: updated.full_name(),
            email: updated.email.to_string(),
        }),
        Err(TableError::ConditionFailed { index: 0 }) => Err(tokens::used()),
        Err(TableError::ConditionFailed { .. } | TableError::Conflict) => Err(decided()),
        Err(e) => Err(e.into()),
    }
}
