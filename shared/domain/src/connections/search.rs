//! Third-party search (CON-9): third parties find learners who opted in (ACC-8), by full name
//! or by a document's reference, and see their full name, a reference, the qualification's
//! title and the award date — nothing else. A learner who opts in gets an entry in the search
//! partition of their last name; opting out removes it in the same write as the profile, so they
//! drop out of results at once. A minimum query length and per-person limits stop scraping.

use serde::{Deserialize, Serialize};

use crate::accounts::admin::Paged;
use crate::accounts::model::{Account, AccountKind, AccountStatus};
use crate::accounts::sessions::Principal;
use crate::ctx::Ctx;
use crate::documents::Reference;
use crate::documents::jobs::{self, Achievement, DocumentKind, DocumentStatus};
use crate::error::{Error, Result};
use crate::items::{from_item, to_item};
use crate::keys;
use crate::ports::{Key, Query, SortCondition, Write};
use crate::settings::Limit;
use crate::values::{format_date, normalise_name};
use crate::{accounts, rate_limit};

/// Letters or digits a query needs at least.
pub const MIN_QUERY: usize = 3;
/// Learners one name search reads at most.
const MAX_LEARNERS: u32 = 20;
/// Words of a name tried at most (every split into first and last names is tried).
const MAX_WORDS: usize = 5;
const PER_MINUTE: Limit = Limit {
    n: 20,
    window: time::Duration::MINUTE,
};
const PER_DAY: Limit = Limit {
    n: 300,
    window: time::Duration::DAY,
};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SearchEntry {
    user_id: String,
    enrolment_number: String,
}

fn entry_key(account: &Account) -> Key {
    keys::search_entry(
        &account.last_name.normalised(),
        &account.first_name.normalised(),
        &account.id,
    )
}

/// The writes that keep a learner's search entry in step with a change of their account:
/// put while opted in, removed when they opt out. Goes in the same transaction as the account.
pub fn entry_writes(before: &Account, after: &Account) -> Result<Vec<Write>> {
    let mut writes = Vec::new();
    if after.kind != AccountKind::Learner {
        return Ok(writes);
    }
    let listed = |a: &Account| a.third_party_search_opt_in && a.enrolment_number.is_some();
    if listed(before) && (!listed(after) || entry_key(before) != entry_key(after)) {
        writes.push(Write::delete(entry_key(before)));
    }
    if listed(after)
        && (!listed(before) || entry_key(before) != entry_key(after))
        && let Some(enrolment) = &after.enrolment_number
    {
        writes.push(Write::put(to_item(
            &entry_key(after),
            &SearchEntry {
                user_id: after.id.clone(),
                enrolment_number: enrolment.to_string(),
            },
        )?));
    }
    Ok(writes)
}

/// One result: what a third party may learn of an opted-in learner's achievement.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LearnerFound {
    pub full_name: String,
    pub reference: String,
    pub qualification_title: String,
    #[schema(value_type = String, format = Date)]
    pub award_date: String,
}

/// Opted-in learners matching `q` (a full name, or a document's reference).
pub async fn learners(
    ctx: &Ctx,
    principal: &Principal,
    q: Option<&str>,
) -> Result<Paged<LearnerFound>> {
    principal.require(&[AccountKind::ThirdParty])?;
    let q = q.map(str::trim).unwrap_or_default();
    if q.chars().filter(|c| c.is_alphanumeric()).count() < MIN_QUERY {
        return Err(Error::field(
            "q",
            format!("type at least {MIN_QUERY} letters or digits of a full name or a reference"),
        ));
    }
    if q.chars().count() > 100 {
        return Err(Error::field("q", "is too long (100 characters at most)"));
    }
    rate_limit::enforce(ctx, "search-minute", principal.user_id(), PER_MINUTE).await?;
    rate_limit::enforce(ctx, "search-day", principal.user_id(), PER_DAY).await?;
    let items = match Reference::parse(q) {
        Ok(reference) => by_reference(ctx, &reference).await?,
        Err(_) => by_name(ctx, q).await?,
    };
    Ok(Paged {
        items,
        next_cursor: None,
    })
}

async fn by_reference(ctx: &Ctx, reference: &Reference) -> Result<Vec<LearnerFound>> {
    let Some((record, achievement)) = jobs::document(ctx, reference).await? else {
        return Ok(Vec::new());
    };
    if record.status != DocumentStatus::Valid
        || opted_in(ctx, &record.enrolment_number).await?.is_none()
    {
        return Ok(Vec::new());
    }
    Ok(vec![found(&achievement, record.reference.to_string())])
}

/// The learner's account if it is active and opted in now.
async fn opted_in(ctx: &Ctx, enrolment_number: &str) -> Result<Option<Account>> {
    Ok(accounts::linked_learner(ctx, enrolment_number)
        .await?
        .filter(|a| a.third_party_search_opt_in))
}

async fn by_name(ctx: &Ctx, q: &str) -> Result<Vec<LearnerFound>> {
    let words: Vec<String> = q
        .split_whitespace()
        .map(normalise_name)
        .filter(|w| !w.is_empty())
        .take(MAX_WORDS)
        .collect();
    let mut learners: Vec<SearchEntry> = Vec::new();
    // "Anna van der Berg": the last name may be several words, and so may the first; try every
    // split into first and last names. A full name is both, and the first name matches whole
    // (an entry sorts as `{first}#{user}`): "Ada Lovelace" finds no "Adam Lovelace".
    for split in 1..words.len() {
        let (first, last) = words.split_at(split);
        let page = ctx
            .table
            .query(
                &Query::partition(keys::search_partition(&last.concat()))
                    .sort(SortCondition::BeginsWith(format!("{}#", first.concat())))
                    .limit(MAX_LEARNERS),
            )
            .await?;
        for item in page.items {
            let entry: SearchEntry = from_item(item)?;
            if !learners.iter().any(|l| l.user_id == entry.user_id) {
                learners.push(entry);
            }
        }
    }
    let mut items = Vec::new();
    for entry in learners.iter().take(MAX_LEARNERS as usize) {
        // The entry goes with the opt-in; the account is read again in case of a change since.
        let Some(account) = accounts::load(ctx, &entry.user_id).await? else {
            continue;
        };
        let still_listed = account.third_party_search_opt_in
            && account.status == AccountStatus::Active
            && account.enrolment_number.as_ref().map(|n| n.as_str())
                == Some(entry.enrolment_number.as_str());
        if !still_listed {
            continue;
        }
        for achievement in jobs::of_learner(ctx, &entry.enrolment_number).await? {
            if let Some(reference) = main_reference(&achievement) {
                items.push(found(&achievement, reference));
            }
        }
    }
    Ok(items)
}

/// The reference that stands for an achievement: its certificate, else its first standing
/// document.
fn main_reference(achievement: &Achievement) -> Option<String> {
    let standing = || {
        achievement
            .documents
            .iter()
            .filter(|d| d.status == DocumentStatus::Valid)
    };
    standing()
        .find(|d| d.kind == DocumentKind::Certificate)
        .or_else(|| standing().next())
        .map(|d| d.reference.to_string())
}

fn found(achievement: &Achievement, reference: String) -> LearnerFound {
    LearnerFound {
        full_name: format!("{} {}", achievement.first_name, achievement.last_name),
        reference,
        qualification_title: achievement.qualification_title.clone(),
        award_date: format_date(achievement.award_date),
    }
}
