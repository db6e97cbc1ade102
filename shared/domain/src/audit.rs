//! The audit log (ADM-5): who changed what, when. Each entry is written in the same transaction
//! as the change it records, so there is never a change without its entry, nor the reverse.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::accounts::admin::Paged;
use crate::accounts::model::AccountKind;
use crate::accounts::sessions::Principal;
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::items::{sortable, to_item};
use crate::ports::{Key, Query, Write};
use crate::secrets;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    /// The account that acted.
    pub actor_id: String,
    pub actor_email: String,
    /// What was done, such as `document.revoke`.
    pub action: String,
    /// What it was done to, such as a document's reference.
    pub target: String,
    /// The reason given, or what changed.
    pub detail: Option<String>,
}

/// The month's partition: entries are listed newest first a month at a time.
pub fn partition(at: OffsetDateTime) -> String {
    month_partition(at.year(), u8::from(at.month()))
}

fn month_partition(year: i32, month: u8) -> String {
    format!("AUDIT#{year:04}-{month:02}")
}

/// One month's entries (`YYYY-MM`; this month when absent), newest first (ADM-5).
pub async fn list(
    ctx: &Ctx,
    admin: &Principal,
    month: Option<&str>,
    cursor: Option<String>,
    limit: u32,
) -> Result<Paged<AuditEntry>> {
    admin.require(&[AccountKind::Admin])?;
    let partition = match month.map(str::trim).filter(|m| !m.is_empty()) {
        None => partition(ctx.now()),
        Some(raw) => {
            let parsed = raw
                .split_once('-')
                .filter(|(y, m)| y.len() == 4 && m.len() == 2)
                .and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<u8>().ok()?)))
                .filter(|(_, m)| (1..=12).contains(m));
            let (year, month) =
                parsed.ok_or_else(|| Error::field("month", "must be a month such as 2026-11"))?;
            month_partition(year, month)
        }
    };
    Paged::of(
        ctx,
        &Query::partition(partition)
            .descending()
            .limit(limit)
            .after(cursor),
    )
    .await
}

/// The write that records `action` on `target` by `actor`, now.
pub fn entry(
    ctx: &Ctx,
    actor: &Principal,
    action: &str,
    target: &str,
    detail: Option<&str>,
) -> Result<Write> {
    let at = ctx.now();
    let record = AuditEntry {
        at,
        actor_id: actor.account.id.clone(),
        actor_email: actor.account.email.as_str().to_owned(),
        action: action.to_owned(),
        target: target.to_owned(),
        detail: detail.map(str::to_owned),
    };
    let key = Key::new(
        partition(at),
        format!("{}#{}", sortable(at), secrets::new_id(ctx.random.as_ref())),
    );
    Ok(Write::put_new(to_item(&key, &record)?))
}
