//! Telling learners their documents are available (CEN-3). Each learner gets one e-mail listing
//! their valid documents from the centre: at their account's address with a sign-in link, or at
//! the address in their record with a link to register. A learner is not told twice about the
//! same documents within the configured interval: a marker keyed by the documents' fingerprint is
//! written in the same transaction as the e-mail, on the condition that no live marker stands, so
//! two requests at once send one e-mail.

use futures::stream::{self, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::{READS_AT_ONCE, centre_of};
use crate::accounts::sessions::Principal;
use crate::ctx::Ctx;
use crate::documents::jobs::{self, Achievement, DocumentStatus};
use crate::error::{Error, Fields, Result};
use crate::items::{expiring, from_item, to_item};
use crate::keys;
use crate::ports::{Condition, TableError, Write};
use crate::settings::Limit;
use crate::values::EnrolmentNumber;
use crate::{accounts, messages, outbox, rate_limit, records};

/// The most learners one request may notify.
pub const MAX_LEARNERS: usize = 500;

const PER_HOUR: Limit = Limit {
    n: 30,
    window: time::Duration::hours(1),
};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NotifyInput {
    /// The learners to tell (1 to 500 of the centre's learners).
    pub enrolment_numbers: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Notified {
    /// E-mails queued.
    pub sent: usize,
    /// Learners not e-mailed, and why.
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Skipped {
    pub enrolment_number: String,
    pub reason: SkipReason,
    /// The reason in words.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Told about these same documents within the interval.
    RecentlyNotified,
    /// Neither an account nor the record has an e-mail address.
    NoEmail,
    /// None of the learner's documents from the centre stands (all revoked or withdrawn).
    NoDocuments,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Marker {
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
    version: i64,
}

/// E-mails each selected learner (see the module's notes). A number that is not one of the
/// centre's learners is bad input: nothing is sent.
pub async fn notify(ctx: &Ctx, principal: &Principal, input: &NotifyInput) -> Result<Notified> {
    let centre = centre_of(principal)?;
    let numbers = parse(input)?;
    rate_limit::enforce(ctx, "centre-notify", principal.user_id(), PER_HOUR).await?;
    let learners: Vec<(usize, EnrolmentNumber, Vec<Achievement>)> = stream::iter(numbers)
        .map(|(i, number)| {
            let centre = centre.clone();
            async move {
                let records: Vec<Achievement> = jobs::of_learner(ctx, number.as_str())
                    .await?
                    .into_iter()
                    .filter(|a| a.centre_number == centre)
                    .collect();
                Ok::<_, Error>((i, number, records))
            }
        })
        .buffered(READS_AT_ONCE)
        .try_collect()
        .await?;
    let mut fields = Fields::new();
    for (i, _, records) in &learners {
        if records.is_empty() {
            fields.add(
                &format!("enrolment_numbers[{i}]"),
                "is not one of your centre's learners",
            );
        }
    }
    fields.finish()?;
    let centre_name = records::centre(ctx, &centre)
        .await?
        .map_or_else(|| centre.clone(), |c| c.name);
    let mut result = Notified {
        sent: 0,
        skipped: Vec::new(),
    };
    // Each learner is a few reads and one write of their own: several at once, in order.
    let outcomes: Vec<(EnrolmentNumber, Option<SkipReason>)> = stream::iter(learners)
        .map(|(_, number, records)| {
            let (centre, centre_name) = (&centre, &centre_name);
            async move {
                let outcome = tell(ctx, centre, centre_name, &number, &records).await?;
                Ok::<_, Error>((number, outcome))
            }
        })
        .buffered(READS_AT_ONCE)
        .try_collect()
        .await?;
    for (number, outcome) in outcomes {
        match outcome {
            None => result.sent += 1,
            Some(reason) => result.skipped.push(Skipped {
                enrolment_number: number.as_str().to_owned(),
                message: match reason {
                    SkipReason::RecentlyNotified => format!(
                        "already told about these documents in the last {} days",
                        ctx.settings.centres.notify_interval.whole_days()
                    ),
                    SkipReason::NoEmail => "has no e-mail address in the records".to_owned(),
                    SkipReason::NoDocuments => "has no valid documents from your centre".to_owned(),
                },
                reason,
            }),
        }
    }
    Ok(result)
}

fn parse(input: &NotifyInput) -> Result<Vec<(usize, EnrolmentNumber)>> {
    let raw = match input.enrolment_numbers.as_deref() {
        None | Some([]) => {
            return Err(Error::field(
                "enrolment_numbers",
                "must name at least one learner",
            ));
        }
        Some(raw) if raw.len() > MAX_LEARNERS => {
            return Err(Error::field(
                "enrolment_numbers",
                format!(
                    "names {} learners; notify at most {MAX_LEARNERS} at once",
                    raw.len()
                ),
            ));
        }
        Some(raw) => raw,
    };
    let mut fields = Fields::new();
    let mut numbers: Vec<(usize, EnrolmentNumber)> = Vec::new();
    for (i, raw) in raw.iter().enumerate() {
        let parsed = fields.take(
            &format!("enrolment_numbers[{i}]"),
            EnrolmentNumber::parse(raw),
        );
        if let Some(number) = parsed
            && !numbers.iter().any(|(_, n)| *n == number)
        {
            numbers.push((i, number));
        }
    }
    fields.finish()?;
    Ok(numbers)
}

/// E-mails one learner unless a reason stops it; the reason when it did.
async fn tell(
    ctx: &Ctx,
    centre: &str,
    centre_name: &str,
    number: &EnrolmentNumber,
    records: &[Achievement],
) -> Result<Option<SkipReason>> {
    let mut lines = Vec::new();
    let mut references = Vec::new();
    for a in records {
        for d in a
            .documents
            .iter()
            .filter(|d| d.status == DocumentStatus::Valid)
        {
            lines.push(format!(
                "{} — {}: {}",
                a.qualification_title,
                d.kind.name(),
                d.reference
            ));
            references.push(d.reference.as_str().to_owned());
        }
    }
    if references.is_empty() {
        return Ok(Some(SkipReason::NoDocuments));
    }
    references.sort();
    let fingerprint = hex::encode(&Sha256::digest(references.join(",").as_bytes())[..12]);
    let key = keys::notified(number.as_str(), centre, &fingerprint);
    let now = ctx.now();
    let interval = ctx.settings.centres.notify_interval;
    let stored: Option<Marker> = ctx.table.get(&key).await?.map(from_item).transpose()?;
    if stored.as_ref().is_some_and(|m| m.at + interval > now) {
        return Ok(Some(SkipReason::RecentlyNotified));
    }
    let (first_name, to, has_account) = match accounts::linked_learner(ctx, number.as_str()).await?
    {
        Some(account) => (
            account.first_name.as_str().to_owned(),
            account.email.as_str().to_owned(),
            true,
        ),
        None => match records::learner(ctx, number.as_str()).await? {
            Some(record) if record.email.is_some() => (
                record.first_name.as_str().to_owned(),
                record
                    .email
                    .map(|e| e.as_str().to_owned())
                    .unwrap_or_default(),
                false,
            ),
            _ => return Ok(Some(SkipReason::NoEmail)),
        },
    };
    let marker = Marker {
        at: now,
        version: stored.as_ref().map_or(1, |m| m.version + 1),
    };
    let condition = match &stored {
        None => Condition::NotExists,
        Some(old) => Condition::version_is(old.version),
    };
    let writes = vec![
        Write::put_if(expiring(to_item(&key, &marker)?, now + interval), condition),
        outbox::enqueue(
            ctx,
            messages::documents_available(
                &ctx.settings,
                &first_name,
                centre_name,
                &lines,
                has_account,
            ),
            &to,
        )?,
    ];
    match ctx.table.transact(writes).await {
        Ok(()) => Ok(None),
        // Another request told them first.
        Err(TableError::ConditionFailed { .. } | TableError::Conflict) => {
            Ok(Some(SkipReason::RecentlyNotified))
        }
        Err(e) => Err(e.into()),
    }
}
