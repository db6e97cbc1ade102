//! The centre portal (CEN): a centre user sees the jobs issued to their centre and its learners'
//! records, tells learners their documents are available, and downloads documents in bulk.
//! Everything is scoped by the centre the account is linked to: another centre's jobs, records
//! and downloads are not found, whatever id is asked for.

pub mod downloads;
pub mod notify;
pub mod zip;

use std::collections::BTreeMap;

use futures::stream::{self, StreamExt, TryStreamExt};
use serde::Serialize;

use crate::accounts::admin::Paged;
use crate::accounts::model::AccountKind;
use crate::accounts::sessions::Principal;
use crate::ctx::Ctx;
use crate::documents::Reference;
use crate::documents::jobs::{self, Achievement, JobSummary, Slot};
use crate::error::{Error, Fields, Result};
use crate::items::from_item;
use crate::keys;
use crate::ports::table::GSI1;
use crate::ports::{Query, SortCondition};
use crate::values::{EnrolmentNumber, parse_date};

/// Reads made at once when a page needs many items (a job's records, a download's documents).
pub(crate) const READS_AT_ONCE: usize = 16;
/// Records examined at most for one page of a filtered search; the page then ends early with a
/// cursor, so a search that matches little still answers quickly.
const MAX_EXAMINED: usize = 2_000;

/// The centre the signed-in user works for: only centre accounts linked to a centre record.
pub fn centre_of(principal: &Principal) -> Result<String> {
    principal.require(&[AccountKind::Centre])?;
    principal
        .account
        .linked_record
        .clone()
        .ok_or(Error::Forbidden)
}

/// The centre's jobs, newest first (CEN-1).
pub async fn jobs(
    ctx: &Ctx,
    principal: &Principal,
    cursor: Option<String>,
    limit: u32,
) -> Result<Paged<JobSummary>> {
    let centre = centre_of(principal)?;
    let page = Paged::<jobs::JobRecord>::of(
        ctx,
        &Query::index(GSI1, keys::centre_jobs_index(&centre))
            .descending()
            .limit(limit)
            .after(cursor),
    )
    .await?;
    Ok(page.map(JobSummary::from))
}

/// One job of the centre with a page of its records, in the job's order.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobRecords {
    pub job: JobSummary,
    pub records: Vec<Achievement>,
    /// Where the next page of records starts (`?cursor=`); `None` on the last page.
    pub next_cursor: Option<String>,
}

/// A job of the centre and its records from `cursor` (an achievement's place in the job).
pub async fn job(
    ctx: &Ctx,
    principal: &Principal,
    raw_job_id: &str,
    cursor: Option<&str>,
    limit: u32,
) -> Result<JobRecords> {
    let centre = centre_of(principal)?;
    let job_id = jobs::job_id(raw_job_id).map_err(|_| Error::NotFound)?;
    let record = jobs::job_record(ctx, &job_id)
        .await?
        .filter(|r| r.centre_number == centre)
        .ok_or(Error::NotFound)?;
    let start = match cursor {
        None => 0,
        Some(raw) => raw
            .parse::<usize>()
            .map_err(|_| Error::field("cursor", "is not a cursor this list gave"))?,
    };
    let (records, next) = job_achievements(ctx, &job_id, start, limit as usize).await?;
    Ok(JobRecords {
        job: record.into(),
        records: records.into_iter().map(|(_, a)| a).collect(),
        next_cursor: next.map(|index| index.to_string()),
    })
}

/// `count` achievements of the job from place `start`, with their places, and the next place if
/// there is one.
pub(crate) async fn job_achievements(
    ctx: &Ctx,
    job_id: &str,
    start: usize,
    count: usize,
) -> Result<(Vec<(usize, Achievement)>, Option<usize>)> {
    let (wanted, next) = first_slots(ctx, job_id, start, count).await?;
    let found = stream::iter(wanted)
        .map(|(index, slot)| async move {
            let number = slot_enrolment(ctx, &slot).await?;
            let found = achievement(ctx, &number, job_id, index)
                .await?
                .ok_or_else(|| {
                    Error::Internal(format!("job {job_id} lacks achievement {index}"))
                })?;
            Ok::<_, Error>((index, found))
        })
        .buffered(READS_AT_ONCE)
        .try_collect()
        .await?;
    Ok((found, next))
}

/// The first slot of each of `count` achievements of the job from `start` (a slot says whose
/// the achievement is), and the next achievement's place if there is one. Reads only as far
/// as the page needs.
async fn first_slots(
    ctx: &Ctx,
    job_id: &str,
    start: usize,
    count: usize,
) -> Result<(BTreeMap<usize, Slot>, Option<usize>)> {
    let mut found = BTreeMap::new();
    let mut cursor = None;
    loop {
        let page = ctx
            .table
            .query(
                &Query::partition(keys::job_partition(job_id))
                    .sort(SortCondition::Between(
                        format!("{}{start:05}", keys::SLOT_PREFIX),
                        format!("{}~", keys::SLOT_PREFIX),
                    ))
                    .limit(200)
                    .after(cursor),
            )
            .await?;
        for item in page.items {
            let slot: Slot = from_item(item)?;
            if found.contains_key(&slot.achievement) {
                continue;
            }
            if found.len() == count {
                return Ok((found, Some(slot.achievement)));
            }
            found.insert(slot.achievement, slot);
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok((found, None)),
        }
    }
}

/// Whose a slot's document is: kept in the slot since centres list jobs, else read from the
/// document.
async fn slot_enrolment(ctx: &Ctx, slot: &Slot) -> Result<String> {
    if let Some(number) = &slot.enrolment_number {
        return Ok(number.clone());
    }
    let (record, _) = jobs::document(ctx, &slot.reference)
        .await?
        .ok_or_else(|| Error::Internal(format!("slot of {} has no document", slot.reference)))?;
    Ok(record.enrolment_number)
}

/// One achievement, if stored.
pub(crate) async fn achievement(
    ctx: &Ctx,
    enrolment_number: &str,
    job_id: &str,
    index: usize,
) -> Result<Option<Achievement>> {
    ctx.table
        .get(&keys::achievement(enrolment_number, job_id, index))
        .await?
        .map(from_item)
        .transpose()
}

/// What the Records page asks (CEN-2); every part optional.
#[derive(Debug, Clone, Default)]
pub struct RecordSearch<'a> {
    /// A learner's name (part of it), an enrolment number or a document reference.
    pub q: Option<&'a str>,
    /// Part of the qualification's title, or its code.
    pub qualification: Option<&'a str>,
    /// Award dates from and to (inclusive), `YYYY-MM-DD`.
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub cursor: Option<&'a str>,
    pub limit: u32,
}

/// The search as parsed.
struct Filter {
    /// As typed (trimmed), for looking up a reference or an enrolment number.
    typed: Option<String>,
    /// Lower-cased, for matching.
    q: Option<String>,
    qualification: Option<String>,
    low: String,
    high: String,
}

impl Filter {
    fn parse(search: &RecordSearch<'_>) -> Result<Self> {
        let mut fields = Fields::new();
        let text = |fields: &mut Fields, name: &str, raw: Option<&str>| {
            fields
                .optional(name, raw, |t| {
                    if t.chars().count() > 100 {
                        Err("is too long (100 characters at most)")
                    } else {
                        Ok(t.to_lowercase())
                    }
                })
                .flatten()
        };
        let q = text(&mut fields, "q", search.q);
        let qualification = text(&mut fields, "qualification", search.qualification);
        let from = fields.optional("from", search.from, parse_date).flatten();
        let to = fields.optional("to", search.to, parse_date).flatten();
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            fields.add("to", "must not be before from");
        }
        fields.finish()?;
        Ok(Self {
            typed: search
                .q
                .map(|q| q.trim().to_owned())
                .filter(|q| !q.is_empty()),
            q,
            qualification,
            // DynamoDB refuses an empty key value; every date sorts after "0".
            low: from
                .map(crate::values::format_date)
                .unwrap_or_else(|| "0".to_owned()),
            // Every sort key of that day starts with the date and a '#', which sorts below '~'.
            high: format!(
                "{}~",
                to.map(crate::values::format_date)
                    .unwrap_or_else(|| "9999-12-31".to_owned())
            ),
        })
    }

    fn matches(&self, a: &Achievement) -> bool {
        let date = crate::values::format_date(a.award_date);
        let in_range = self.low.as_str() <= date.as_str() && date.as_str() < self.high.as_str();
        let qualification = self.qualification.as_ref().is_none_or(|needle| {
            a.qualification_title.to_lowercase().contains(needle)
                || a.qualification_code.to_lowercase().contains(needle)
        });
        let q = self.q.as_ref().is_none_or(|needle| {
            let full = format!("{} {}", a.first_name, a.last_name).to_lowercase();
            full.contains(needle)
                || a.enrolment_number.to_lowercase() == *needle
                || a.documents
                    .iter()
                    .any(|d| d.reference.as_str().to_lowercase() == *needle)
        });
        in_range && qualification && q
    }
}

/// The centre's records (achievements) newest award first, filtered (CEN-2). A reference or an
/// enrolment number is looked up directly; a name is matched over the centre's records by
/// award date, a page at a time.
pub async fn records(
    ctx: &Ctx,
    principal: &Principal,
    search: &RecordSearch<'_>,
) -> Result<Paged<Achievement>> {
    let centre = centre_of(principal)?;
    let filter = Filter::parse(search)?;
    if search.cursor.is_none()
        && let Some(found) = direct(ctx, &centre, &filter).await?
    {
        return Ok(Paged {
            items: found,
            next_cursor: None,
        });
    }
    crate::filtered::page(
        ctx,
        crate::filtered::Walk {
            partition: keys::centre_records_index(&centre),
            low: filter.low.clone(),
            high: filter.high.clone(),
            cursor: search.cursor,
            limit: search.limit as usize,
            max_examined: MAX_EXAMINED,
        },
        |item| {
            let achievement: Achievement = from_item(item)?;
            Ok(filter.matches(&achievement).then_some(achievement))
        },
    )
    .await
}

/// A search by a reference or an enrolment number answered by reading that learner's records.
/// `None` when `q` is neither (or names no record of the centre): search by name instead.
async fn direct(ctx: &Ctx, centre: &str, filter: &Filter) -> Result<Option<Vec<Achievement>>> {
    let Some(q) = filter.typed.as_deref() else {
        return Ok(None);
    };
    if let Ok(reference) = Reference::parse(q) {
        let found = jobs::document(ctx, &reference).await?;
        let records = found
            .map(|(_, a)| a)
            .filter(|a| a.centre_number == centre && filter.matches(a))
            .into_iter()
            .collect();
        return Ok(Some(records));
    }
    let Ok(number) = EnrolmentNumber::parse(q) else {
        return Ok(None);
    };
    let records: Vec<Achievement> = jobs::of_learner(ctx, number.as_str())
        .await?
        .into_iter()
        .filter(|a| a.centre_number == centre && filter.matches(a))
        .collect();
    Ok((!records.is_empty()).then_some(records))
}
