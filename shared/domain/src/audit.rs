//! The audit log (ADM-5): who changed what, when. Each entry is written in the same transaction
//! as the change it records, so there is never a change without its entry, nor the reverse.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::accounts::sessions::Principal;
use crate::ctx::Ctx;
use crate::error::Result;
use crate::items::{sortable, to_item};
use crate::ports::{Key, Write};
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
    format!("AUDIT#{:04}-{:02}", at.year(), u8::from(at.month()))
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
