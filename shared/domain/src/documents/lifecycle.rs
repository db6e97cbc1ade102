//! Revoke, withdraw, reissue (DOC-8): an administrator changes a document's standing. The
//! document, its achievement (what the learner's pages list) and the audit entry change in one
//! transaction, conditional on both being as read, so the change shows everywhere at once and
//! two administrators acting together cannot both win.

use serde::{Deserialize, Serialize};

use super::Reference;
use super::access::{self, Audience};
use super::jobs::{DocumentRecord, DocumentStatus, IssuedDocument};
use crate::accounts::sessions::Principal;
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::items::to_item;
use crate::ports::{Condition, TableError, Write};
use crate::values::long_text;
use crate::{audit, keys, messages, outbox};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Revoke,
    Withdraw,
    Reissue,
}

impl Change {
    fn action(self) -> &'static str {
        match self {
            Self::Revoke => "document.revoke",
            Self::Withdraw => "document.withdraw",
            Self::Reissue => "document.reissue",
        }
    }
}

// Named apart from the orders' `ChangeInput` in the OpenAPI document, which would replace it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = DocumentChangeInput)]
pub struct ChangeInput {
    /// Why: kept in the audit log (up to 500 characters).
    #[schema(value_type = String, required = true, min_length = 1, max_length = 500, pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    pub reason: Option<String>,
}

/// The document after the change; for a reissue, also the new document.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Changed {
    #[schema(value_type = String)]
    pub reference: Reference,
    pub status: DocumentStatus,
    /// The reissued document's reference.
    #[schema(value_type = Option<String>)]
    pub reissued_as: Option<Reference>,
}

pub async fn change(
    ctx: &Ctx,
    admin: &Principal,
    raw_reference: &str,
    change: Change,
    input: &ChangeInput,
) -> Result<Changed> {
    admin.require(&[crate::accounts::model::AccountKind::Admin])?;
    let reason = match input.reason.as_deref().map(str::trim) {
        None | Some("") => return Err(Error::field("reason", "is required")),
        Some(r) => long_text(r, 500).map_err(|m| Error::field("reason", m))?,
    };
    let opened = access::open(ctx, admin, raw_reference, None).await?;
    debug_assert_eq!(opened.audience, Audience::Admin);
    let old = opened.record;
    // Revoked and superseded are final: a revoked document must never turn into a pointer to a
    // valid one. A withdrawn one is being looked into: it can be revoked, or reissued corrected.
    match (change, old.status) {
        (_, DocumentStatus::Superseded) => {
            return Err(Error::Conflict(format!(
                "this document was reissued as {}; change that one",
                old.superseded_by
                    .as_ref()
                    .map_or("another", Reference::as_str)
            )));
        }
        (_, DocumentStatus::Revoked) => {
            return Err(Error::Conflict(
                "this document is revoked; a revocation is final".into(),
            ));
        }
        (Change::Withdraw, DocumentStatus::Withdrawn) => {
            return Err(Error::Conflict("this document is already withdrawn".into()));
        }
        _ => {}
    }
    let mut achievement = opened.achievement;
    let mut updated = old.clone();
    updated.version += 1;
    updated.status_reason = Some(reason.clone());
    let mut writes = Vec::new();
    let mut reissued_as = None;
    match change {
        Change::Revoke => updated.status = DocumentStatus::Revoked,
        Change::Withdraw => updated.status = DocumentStatus::Withdrawn,
        Change::Reissue => {
            let new_reference = old
                .reference
                .next_issue(ctx.random.as_ref())
                .ok_or_else(|| {
                    Error::Conflict("this document has reached the highest issue number, 99".into())
                })?;
            updated.status = DocumentStatus::Superseded;
            updated.superseded_by = Some(new_reference.clone());
            let mut new = DocumentRecord::new(
                new_reference.clone(),
                old.kind,
                &old.enrolment_number,
                &old.job_id,
                old.achievement,
            );
            new.replaces = Some(old.reference.clone());
            writes.push(Write::put_new(to_item(
                &keys::document(new_reference.as_str()),
                &new,
            )?));
            if let Some(write) = reissue_email(ctx, &achievement, &new).await? {
                writes.push(write);
            }
            reissued_as = Some(new_reference);
        }
    }
    for listed in &mut achievement.documents {
        if listed.reference == old.reference {
            *listed = IssuedDocument {
                kind: old.kind,
                reference: reissued_as.clone().unwrap_or_else(|| old.reference.clone()),
                status: if reissued_as.is_some() {
                    DocumentStatus::Valid
                } else {
                    updated.status
                },
            };
        }
    }
    let achievement_version = achievement.version;
    achievement.version += 1;
    // An achievement stored before versions were kept has none to compare: it must still exist.
    let achievement_unchanged = if achievement_version == 0 {
        Condition::Exists
    } else {
        Condition::version_is(achievement_version)
    };
    writes.push(Write::put_if(
        to_item(&keys::document(old.reference.as_str()), &updated)?,
        Condition::version_is(old.version),
    ));
    writes.push(Write::put_if(
        super::jobs::achievement_item(&achievement, old.achievement)?,
        achievement_unchanged,
    ));
    let detail = match &reissued_as {
        Some(new) => format!("{reason} (reissued as {new})"),
        None => reason.clone(),
    };
    writes.push(audit::entry(
        ctx,
        admin,
        change.action(),
        old.reference.as_str(),
        Some(&detail),
    )?);
    match ctx.table.transact(writes).await {
        Ok(()) => Ok(Changed {
            reference: old.reference,
            status: updated.status,
            reissued_as,
        }),
        Err(TableError::ConditionFailed { .. } | TableError::Conflict) => Err(Error::Conflict(
            "the document changed while this was being done; look again and retry".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// DOC-2 for a reissue: the learner, if they have an account, hears of the new document.
async fn reissue_email(
    ctx: &Ctx,
    achievement: &super::Achievement,
    new: &DocumentRecord,
) -> Result<Option<Write>> {
    let Some(account) = crate::accounts::linked_learner(ctx, &new.enrolment_number).await? else {
        return Ok(None);
    };
    let line = format!(
        "{} — {} (reissued): {}",
        achievement.qualification_title,
        new.kind.name(),
        new.reference
    );
    Ok(Some(outbox::enqueue_once(
        ctx,
        &format!("reissue:{}", new.reference),
        messages::documents_issued(
            &ctx.settings,
            account.first_name.as_str(),
            &[line],
            &ctx.settings.link("/documents"),
        ),
        account.email.as_str(),
    )?))
}
