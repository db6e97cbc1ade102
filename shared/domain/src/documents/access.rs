//! Who may see a document, and what they may do with it (DOC-3..6). One check, used by every
//! route that takes a reference, so no route can forget it.

use serde::Serialize;

use super::Reference;
use super::jobs::{self, Achievement, DocumentKind, DocumentRecord, DocumentStatus};
use crate::accounts::model::AccountKind;
use crate::accounts::sessions::Principal;
use crate::connections::Connection;
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::items::to_item;
use crate::keys;
use crate::ports::{Condition, TableError, Write};

/// Whose eyes a document is opened for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The learner it was issued to: the original, downloads counted.
    Owner,
    /// The awarding body's staff.
    Admin,
    /// A third party the learner shares it with through an active connection (CON-8):
    /// view-only copies.
    ThirdParty,
    /// A user of the centre it was issued through (CEN-2): view-only copies; centres cannot
    /// share or download single documents.
    Centre,
}

/// A document someone may see, with its achievement.
#[derive(Debug, Clone)]
pub struct Opened {
    pub record: DocumentRecord,
    pub achievement: Achievement,
    pub audience: Audience,
}

/// Opens a document for the signed-in person; a third party names the connection it is shared
/// through. A malformed reference, an unknown one and one the person may not see all answer
/// `NotFound`: nothing to learn from the difference.
pub async fn open(
    ctx: &Ctx,
    principal: &Principal,
    raw: &str,
    connection: Option<&str>,
) -> Result<Opened> {
    let reference = Reference::parse(raw).map_err(|_| Error::NotFound)?;
    let (record, achievement) = jobs::document(ctx, &reference)
        .await?
        .ok_or(Error::NotFound)?;
    let connection = match principal.kind() {
        AccountKind::ThirdParty => {
            crate::connections::load(ctx, connection.unwrap_or_default()).await?
        }
        _ => None,
    };
    let audience = audience(
        principal,
        &record,
        Some(&achievement.centre_number),
        connection.as_ref(),
        ctx.now(),
    )
    .ok_or(Error::NotFound)?;
    Ok(Opened {
        record,
        achievement,
        audience,
    })
}

/// Whose eyes the document is for, if this person may see it at all: the one rule, for callers
/// that read the items themselves (the store reads a basket's documents at once). The centre's
/// number is the document's achievement's (`None`: centres are not asked about); a third party
/// sees it through `connection` only.
pub fn audience(
    principal: &Principal,
    record: &DocumentRecord,
    centre_number: Option<&str>,
    connection: Option<&Connection>,
    now: time::OffsetDateTime,
) -> Option<Audience> {
    let account = &principal.account;
    // A letter bought from the store by someone other than the learner is its buyer's own.
    if record.ordered_by.as_deref() == Some(principal.user_id()) {
        return Some(Audience::Owner);
    }
    match account.kind {
        AccountKind::Admin => Some(Audience::Admin),
        AccountKind::Learner
            if account.enrolment_number.as_ref().map(|n| n.as_str())
                == Some(record.enrolment_number.as_str()) =>
        {
            Some(Audience::Owner)
        }
        AccountKind::Centre
            if centre_number.is_some() && account.linked_record.as_deref() == centre_number =>
        {
            Some(Audience::Centre)
        }
        AccountKind::ThirdParty
            if connection.is_some_and(|c| {
                c.side_of(principal) == Some(crate::connections::state::Side::ThirdParty)
                    && c.enrolment_number.as_deref() == Some(record.enrolment_number.as_str())
                    && c.shows(record.reference.as_str(), now)
            }) =>
        {
            Some(Audience::ThirdParty)
        }
        _ => None,
    }
}

impl Opened {
    /// The achievement as this audience may see it: a third party sees the document shared
    /// with them, not the learner's other documents nor their enrolment number (CON-8).
    pub fn visible_achievement(&self) -> Achievement {
        let mut achievement = self.achievement.clone();
        if self.audience == Audience::ThirdParty {
            achievement.enrolment_number.clear();
            achievement
                .documents
                .retain(|d| d.reference == self.record.reference);
        }
        achievement
    }
}

/// A learner's downloads of one document (DOC-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Downloads {
    pub limit: i64,
    pub used: i64,
    pub remaining: i64,
}

impl Downloads {
    pub fn of(ctx: &Ctx, record: &DocumentRecord) -> Option<Self> {
        let limits = ctx.settings.documents.download_limit;
        let limit = match record.kind {
            DocumentKind::Certificate => limits.certificate,
            DocumentKind::UnitCertificate => limits.unit_certificate,
            DocumentKind::Letter => limits.letter,
            DocumentKind::Badge => return None,
        };
        Some(Self {
            limit,
            used: record.downloads,
            remaining: (limit - record.downloads).max(0),
        })
    }
}

/// The downloads left of the owner's document, or why it cannot be downloaded now.
pub fn downloadable(ctx: &Ctx, opened: &Opened) -> Result<Downloads> {
    owner_only(opened)?;
    left(ctx, &opened.record)
}

/// Downloads are the learner's own: nobody else's count.
fn owner_only(opened: &Opened) -> Result<()> {
    if opened.audience == Audience::Owner {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

fn left(ctx: &Ctx, record: &DocumentRecord) -> Result<Downloads> {
    if record.status != DocumentStatus::Valid {
        return Err(Error::Conflict(format!(
            "this document is {} and can no longer be downloaded",
            record.status.as_str()
        )));
    }
    let downloads = Downloads::of(ctx, record).ok_or_else(|| {
        Error::Conflict("a digital badge is an image, not a PDF to download".into())
    })?;
    if downloads.limit == 0 {
        return Err(Error::Conflict(format!(
            "{}s are not offered for download; you can view it",
            record.kind.name()
        )));
    }
    if downloads.remaining == 0 {
        return Err(Error::Conflict(format!(
            "you have used all {} downloads of this {}; you can still view it",
            downloads.limit,
            record.kind.name().to_lowercase()
        )));
    }
    Ok(downloads)
}

/// Counts one download of the owner's document, refusing once the limit is reached. The count is
/// changed only if nobody changed the document since it was read, so concurrent downloads can
/// never pass the limit; a request that loses the race reads again and tries again.
pub async fn take_download(ctx: &Ctx, opened: &Opened) -> Result<Downloads> {
    owner_only(opened)?;
    let mut record = opened.record.clone();
    // Each lost race means another download (or a status change) succeeded, so this ends.
    for _ in 0..100 {
        let downloads = left(ctx, &record)?;
        let mut counted = record.clone();
        counted.downloads += 1;
        counted.version += 1;
        let key = keys::document(record.reference.as_str());
        match ctx
            .table
            .transact(vec![Write::put_if(
                to_item(&key, &counted)?,
                Condition::version_is(record.version),
            )])
            .await
        {
            Ok(()) => {
                return Ok(Downloads {
                    used: counted.downloads,
                    remaining: downloads.remaining - 1,
                    ..downloads
                });
            }
            Err(TableError::ConditionFailed { .. } | TableError::Conflict) => {
                let item = ctx.table.get(&key).await?.ok_or(Error::NotFound)?;
                record = crate::items::from_item(item)?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::Conflict(
        "too many downloads at once; try again".into(),
    ))
}
