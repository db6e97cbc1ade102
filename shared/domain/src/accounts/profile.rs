//! The signed-in person's own details (ACC-7) and search opt-in (ACC-8).

use serde::Deserialize;

use super::model::{AccountKind, Profile};
use super::sessions::Principal;
use crate::ctx::Ctx;
use crate::error::{Error, Fields, Result};
use crate::ports::{Condition, TableError};
use crate::values::{PersonName, Phone, short_text};

/// A change to the profile: absent fields stay as they are; an empty string clears an
/// optional field.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct ProfileChange {
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
    for (field, value) in [("first_name", &change.first_name), ("last_name", &change.last_name)] {
        let Some(raw) = value else { continue };
        if learner {
            f.add(field, "comes from your records; report an issue on a document to have it corrected");
        } else if let Some(name) = f.take(field, PersonName::parse(raw)) {
            if field == "first_name" { after.first_name = name } else { after.last_name = name }
        }
    }
    if let Some(raw) = &change.middle_name {
        if let Some(name) = f.optional("middle_name", Some(raw), PersonName::parse) {
            after.middle_name = name;
        }
    }
    if let Some(raw) = &change.phone {
        if let Some(phone) = f.optional("phone", Some(raw), Phone::parse) {
            after.phone = phone;
        }
    }
    if let Some(raw) = &change.company {
        if before.kind != AccountKind::ThirdParty {
            f.add("company", "is only kept for third parties");
        } else if let Some(company) = f.required("company", Some(raw), |c| short_text(c, 100)) {
            after.company = Some(company);
        }
    }
    if let Some(raw) = &change.additional_contact {
        if let Some(text) = f.optional("additional_contact", Some(raw), |c| short_text(c, 500)) {
            after.additional_contact = text;
        }
    }
    if let Some(opt_in) = change.third_party_search_opt_in {
        if learner {
            after.third_party_search_opt_in = opt_in;
        } else {
            f.add("third_party_search_opt_in", "is only for learners");
        }
    }
    f.finish()?;
    after.version += 1;
    match ctx.table.put(after.to_item()?, Condition::version_is(before.version)).await {
        Ok(()) => Ok(after.profile()),
        Err(TableError::ConditionFailed { .. } | TableError::Conflict) => Err(Error::Conflict("your account changed meanwhile; reload and try again".to_owned())),
        Err(e) => Err(e.into()),
    }
}
