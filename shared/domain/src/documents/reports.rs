//! Reports of a problem with a document (DOC-6) and their answers (ADM-3). A report is a case:
//! open until an administrator answers and closes it, when the reporter is e-mailed the answer.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::Reference;
use super::access;
use crate::accounts::admin::Paged;
use crate::accounts::model::AccountKind;
use crate::accounts::sessions::Principal;
use crate::ctx::Ctx;
use crate::error::{Error, Fields, Result};
use crate::items::{from_item, indexed, sortable, to_item};
use crate::ports::table::GSI1;
use crate::ports::{Condition, Query, TableError, Write};
use crate::settings::Limit;
use crate::values::long_text;
use crate::{audit, keys, messages, outbox, rate_limit, secrets};

/// The most reports one person may send an hour: each one e-mails the team.
const PER_HOUR: Limit = Limit {
    n: 10,
    window: time::Duration::HOUR,
};

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ReportInput {
    /// One of the configured reasons (`GET /api/site` lists them).
    pub reason: Option<String>,
    /// What is wrong, in the reporter's words (up to 2,000 characters).
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    Open,
    Closed,
}

impl ReportState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Report {
    pub id: String,
    #[schema(value_type = String)]
    pub reference: Reference,
    pub enrolment_number: String,
    pub qualification_title: String,
    pub reporter_id: String,
    pub reporter_name: String,
    pub reporter_email: String,
    pub reason: String,
    pub description: String,
    pub state: ReportState,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    pub answer: Option<String>,
    #[serde(with = "time::serde::rfc3339::option", default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closed_at: Option<OffsetDateTime>,
    pub version: i64,
}

/// What the person who filed a report is answered: not the learner's enrolment number, which
/// a third party or a centre must not learn from it (ASVS 8.2; only the awarding body's team,
/// by e-mail and in ADM-3, sees it).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FiledReport {
    pub id: String,
    #[schema(value_type = String)]
    pub reference: Reference,
    pub qualification_title: String,
    pub reason: String,
    pub description: String,
    pub state: ReportState,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<Report> for FiledReport {
    fn from(report: Report) -> Self {
        Self {
            id: report.id,
            reference: report.reference,
            qualification_title: report.qualification_title,
            reason: report.reason,
            description: report.description,
            state: report.state,
            created_at: report.created_at,
        }
    }
}

fn item(report: &Report) -> Result<crate::ports::Item> {
    Ok(indexed(
        to_item(&keys::report(&report.id), report)?,
        keys::reports_index(report.state.as_str()),
        format!("{}#{}", sortable(report.created_at), report.id),
    ))
}

/// Files a report on a document the person may see; e-mails the team.
pub async fn create(
    ctx: &Ctx,
    principal: &Principal,
    raw_reference: &str,
    connection: Option<&str>,
    input: &ReportInput,
) -> Result<FiledReport> {
    let opened = access::open(ctx, principal, raw_reference, connection).await?;
    let mut fields = Fields::new();
    let reasons = &ctx.settings.documents.report_reasons;
    let reason = fields.required("reason", input.reason.as_deref(), |r| {
        reasons
            .iter()
            .find(|known| known.as_str() == r.trim())
            .cloned()
            .ok_or("must be one of the listed reasons")
    });
    let description = fields.required("description", input.description.as_deref(), |d| {
        long_text(d, 2000)
    });
    fields.finish()?;
    let (Some(reason), Some(description)) = (reason, description) else {
        return Err(Error::Internal("report parsed without its fields".into()));
    };
    rate_limit::enforce(ctx, "report", principal.user_id(), PER_HOUR).await?;
    let account = &principal.account;
    let report = Report {
        id: secrets::new_id(ctx.random.as_ref()),
        reference: opened.record.reference.clone(),
        enrolment_number: opened.record.enrolment_number.clone(),
        qualification_title: opened.achievement.qualification_title.clone(),
        reporter_id: account.id.clone(),
        reporter_name: account.full_name(),
        reporter_email: account.email.as_str().to_owned(),
        reason,
        description,
        state: ReportState::Open,
        created_at: ctx.now(),
        answer: None,
        closed_at: None,
        version: 1,
    };
    let message = messages::report_received(
        &ctx.settings,
        &messages::ReportFacts {
            reporter_name: &report.reporter_name,
            reporter_email: &report.reporter_email,
            enrolment_number: &report.enrolment_number,
            qualification_title: &report.qualification_title,
            reference: report.reference.as_str(),
            reason: &report.reason,
            description: &report.description,
        },
        &ctx.settings.link("/admin/reports"),
    );
    ctx.table
        .transact(vec![
            Write::put_new(item(&report)?),
            outbox::enqueue(ctx, message, ctx.settings.reports_to())?,
        ])
        .await?;
    Ok(report.into())
}

/// Reports in one state, oldest first (ADM-3).
pub async fn list(
    ctx: &Ctx,
    admin: &Principal,
    state: Option<&str>,
    cursor: Option<String>,
    limit: u32,
) -> Result<Paged<Report>> {
    admin.require(&[AccountKind::Admin])?;
    let state = match state {
        None | Some("open") => ReportState::Open,
        Some("closed") => ReportState::Closed,
        Some(_) => return Err(Error::field("state", "must be open or closed")),
    };
    Paged::of(
        ctx,
        &Query::index(GSI1, keys::reports_index(state.as_str()))
            .limit(limit)
            .after(cursor),
    )
    .await
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CloseInput {
    /// The answer e-mailed to the reporter (up to 2,000 characters).
    #[schema(value_type = String, required = true, min_length = 1, max_length = 2000, pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    pub answer: Option<String>,
}

/// Answers and closes a report; the reporter is e-mailed the answer. Closing twice is refused.
pub async fn close(ctx: &Ctx, admin: &Principal, id: &str, input: &CloseInput) -> Result<Report> {
    admin.require(&[AccountKind::Admin])?;
    let answer = match input.answer.as_deref() {
        None => return Err(Error::field("answer", "is required")),
        Some(a) => long_text(a, 2000).map_err(|m| Error::field("answer", m))?,
    };
    if !secrets::is_id(id) {
        return Err(Error::NotFound);
    }
    let stored = ctx
        .table
        .get(&keys::report(id))
        .await?
        .ok_or(Error::NotFound)?;
    let report: Report = from_item(stored)?;
    if report.state == ReportState::Closed {
        return Err(Error::Conflict("this report is already closed".into()));
    }
    let mut closed = report.clone();
    closed.state = ReportState::Closed;
    closed.answer = Some(answer.clone());
    closed.closed_at = Some(ctx.now());
    closed.version += 1;
    let first_name = report
        .reporter_name
        .split_whitespace()
        .next()
        .unwrap_or_default();
    let result = ctx
        .table
        .transact(vec![
            Write::put_if(item(&closed)?, Condition::version_is(report.version)),
            outbox::enqueue(
                ctx,
                messages::report_answered(
                    &ctx.settings,
                    first_name,
                    report.reference.as_str(),
                    &answer,
                ),
                &report.reporter_email,
            )?,
            audit::entry(
                ctx,
                admin,
                "report.close",
                &report.id,
                Some(&format!("on {}: {answer}", report.reference)),
            )?,
        ])
        .await;
    match result {
        Ok(()) => Ok(closed),
        Err(TableError::ConditionFailed { .. } | TableError::Conflict) => {
            Err(Error::Conflict("this report was closed meanwhile".into()))
        }
        Err(e) => Err(e.into()),
    }
}
