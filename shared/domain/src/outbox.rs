//! E-mails are queued in the table in the same transaction as the change that causes them, and
//! delivered after commit by [`deliver_due`] (the `deliver-emails` function), which is safe to
//! run twice or twice at once: a queued e-mail is claimed by a conditional write before it is
//! sent, so two runs never both send it; a failed send stays queued and is retried with backoff;
//! the user's request never waits for, or fails because of, the mail service.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::ctx::Ctx;
use crate::error::Result;
use crate::items::{expiring, from_item, indexed, to_item};
use crate::keys;
use crate::ports::table::{GSI1, GSI1_PK, GSI1_SK};
use crate::ports::{Condition, Email, MailError, Query, SortCondition, TableError, Write};

/// How long a claimed e-mail is left to its sender before another run may try it.
const CLAIM: Duration = Duration::seconds(60);
/// Sent e-mails are kept this long (for support questions), then expire.
const KEEP_SENT: Duration = Duration::days(30);
const MAX_BACKOFF: Duration = Duration::hours(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Queued,
    Sent,
    /// Refused for good by the mail service (a bad address); not retried.
    Failed,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Queued {
    id: String,
    to: String,
    subject: String,
    /// The bodies hold working reset and verification links: blanked once the e-mail is sent
    /// or refused, so a stored or streamed item past that point carries none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    text: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    html: String,
    status: Status,
    attempts: i64,
    /// Epoch milliseconds.
    next_attempt_at: i64,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_error: Option<String>,
    version: i64,
}

impl Queued {
    fn forget_bodies(&mut self) {
        self.text.clear();
        self.html.clear();
    }
}

/// The write that queues an e-mail; put it in the transaction of the change that causes it.
pub fn enqueue(ctx: &Ctx, message: crate::messages::Message, to: &str) -> Result<Write> {
    let id = crate::secrets::new_id(ctx.random.as_ref());
    queue(ctx, id, message, to)
}

/// The write that queues the e-mail of one `event` (`job:J-1:learner:E-1`): its id comes from
/// the event, so queueing it again — a retried request — fails the write's condition instead of
/// sending a second e-mail.
pub fn enqueue_once(
    ctx: &Ctx,
    event: &str,
    message: crate::messages::Message,
    to: &str,
) -> Result<Write> {
    let digest = crate::secrets::token_hash(event);
    queue(ctx, format!("event-{}", &digest[..32]), message, to)
}

fn queue(ctx: &Ctx, id: String, message: crate::messages::Message, to: &str) -> Result<Write> {
    let now = ctx.now();
    let queued = Queued {
        id: id.clone(),
        to: to.to_owned(),
        subject: message.subject,
        text: message.text,
        html: message.html,
        status: Status::Queued,
        attempts: 0,
        next_attempt_at: millis(now),
        created_at: now,
        last_error: None,
        version: 1,
    };
    Ok(Write::put_new(queued_item(&queued)?))
}

fn queued_item(q: &Queued) -> Result<crate::ports::Item> {
    let item = to_item(&keys::email(&q.id), q)?;
    Ok(match q.status {
        Status::Queued => indexed(
            item,
            keys::EMAIL_QUEUE,
            format!("{:015}#{}", q.next_attempt_at, q.id),
        ),
        Status::Sent | Status::Failed => expiring(
            item,
            OffsetDateTime::from_unix_timestamp(q.next_attempt_at / 1000)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH)
                + KEEP_SENT,
        ),
    })
}

fn millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    pub sent: usize,
    /// Sends that failed and will be retried.
    pub deferred: usize,
    /// Sends refused for good.
    pub failed: usize,
    /// E-mails another run claimed first.
    pub skipped: usize,
}

/// Sends every e-mail that is due, at most `max` of them.
pub async fn deliver_due(ctx: &Ctx, max: usize) -> Result<DeliveryReport> {
    let mut report = DeliveryReport::default();
    let mut cursor = None;
    let mut seen = 0;
    loop {
        let now = ctx.now();
        let due = Query::index(GSI1, keys::EMAIL_QUEUE)
            .sort(SortCondition::LessOrEqual(format!("{:015}~", millis(now))))
            .limit(100)
            .after(cursor.take());
        let page = ctx.table.query(&due).await?;
        for item in page.items {
            seen += 1;
            let queued: Queued = from_item(item)?;
            deliver_one(ctx, queued, &mut report).await?;
            if seen >= max {
                return Ok(report);
            }
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(report),
        }
    }
}

async fn deliver_one(ctx: &Ctx, mut queued: Queued, report: &mut DeliveryReport) -> Result<()> {
    let now = ctx.now();
    if queued.status != Status::Queued || queued.next_attempt_at > millis(now) {
        report.skipped += 1;
        return Ok(());
    }
    // Claim it: only one run's conditional write on this version succeeds.
    let claimed_version = queued.version;
    queued.version += 1;
    queued.attempts += 1;
    queued.next_attempt_at = millis(now + CLAIM);
    if !applied(
        ctx.table
            .put(
                queued_item(&queued)?,
                Condition::version_is(claimed_version),
            )
            .await,
    )? {
        report.skipped += 1;
        return Ok(());
    }
    let email = Email {
        id: queued.id.clone(),
        to: queued.to.clone(),
        subject: queued.subject.clone(),
        text: queued.text.clone(),
        html: queued.html.clone(),
    };
    let outcome = ctx.mailer.send(&email).await;
    let claim = queued.version;
    queued.version += 1;
    let done_at = ctx.now();
    match outcome {
        Ok(()) => {
            queued.status = Status::Sent;
            queued.next_attempt_at = millis(done_at);
            queued.last_error = None;
            queued.forget_bodies();
            report.sent += 1;
        }
        Err(MailError::Rejected(reason)) => {
            tracing::warn!(email_id = %queued.id, attempts = queued.attempts, %reason, "e-mail refused for good");
            queued.status = Status::Failed;
            queued.next_attempt_at = millis(done_at);
            queued.last_error = Some(reason);
            queued.forget_bodies();
            report.failed += 1;
        }
        Err(MailError::Unavailable(source)) => {
            let backoff = backoff(queued.attempts);
            tracing::warn!(email_id = %queued.id, attempts = queued.attempts, error = %source, retry_in_secs = backoff.whole_seconds(), "e-mail send failed; will retry");
            queued.next_attempt_at = millis(done_at + backoff);
            queued.last_error = Some(source.to_string());
            report.deferred += 1;
        }
    }
    // If this write is lost (the claim expired and another run took over), that run sees a
    // newer version; the e-mail was sent once by us and its record is settled by the other.
    let _ = applied(
        ctx.table
            .put(queued_item(&queued)?, Condition::version_is(claim))
            .await,
    )?;
    Ok(())
}

/// Exponential backoff from 30 seconds, capped at an hour: retried until sent.
fn backoff(attempts: i64) -> Duration {
    let exp = u32::try_from(attempts.clamp(1, 8) - 1).unwrap_or(0);
    (Duration::seconds(30) * 2i32.pow(exp)).min(MAX_BACKOFF)
}

fn applied(result: std::result::Result<(), TableError>) -> Result<bool> {
    match result {
        Ok(()) => Ok(true),
        Err(TableError::ConditionFailed { .. } | TableError::Conflict) => Ok(false),
        Err(other) => Err(other.into()),
    }
}

/// Whether an item of the queue is still waiting (for tests and the local mail page).
pub fn is_queued(item: &crate::ports::Item) -> bool {
    item.get(GSI1_PK).is_some() && item.get(GSI1_SK).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(60));
        assert_eq!(backoff(50), MAX_BACKOFF);
    }
}
