//! Issuing a job (DOC-1): the records system sends one centre's batch of achievements and their
//! documents; every document gets a reference; the learners and the centre are e-mailed (DOC-2).
//!
//! The whole job is parsed before anything is written. Writing is idempotent and resumable, so a
//! job of thousands of documents needs no single giant transaction:
//! 1. the job item (its id, its body's SHA-256, state `writing`) is written first — the same id
//!    with another body is refused from then on;
//! 2. each document's reference is kept in a *slot* item of the job (`SLOT#{achievement}#{n}`),
//!    written in the same transaction as the document, so a retry (or a second request racing the
//!    first) finds the references already given and never issues a document twice;
//! 3. e-mails are queued under ids derived from the job (`outbox::enqueue_once`): never twice;
//! 4. the job turns `issued`. Sending the same job again then answers with what was issued.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Date, OffsetDateTime};

use super::Reference;
use crate::ctx::Ctx;
use crate::error::{Error, Fields, Result};
use crate::items::{from_item, indexed, to_item};
use crate::keys;
use crate::ports::table::MAX_TRANSACTION_WRITES;
use crate::ports::{Condition, Item, Query, SortCondition, TableError, Write};
use crate::records::{self, LearnerRecord, LearnerRecordInput};
use crate::values::{CentreNumber, EnrolmentNumber, parse_date, short_text};
use crate::{messages, outbox};

/// The most documents one job may issue.
pub const MAX_DOCUMENTS: usize = 5_000;
/// The most units an achievement's unit certificate may list.
pub const MAX_UNITS: usize = 200;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct JobInput {
    /// The records system's id for this job: sending the same id again issues nothing new.
    pub job_id: Option<String>,
    /// The centre the job is for (one centre per job).
    pub centre_number: Option<String>,
    /// Learner records to upsert with the job (optional when they are already in the records).
    pub learners: Option<Vec<LearnerRecordInput>>,
    pub achievements: Option<Vec<AchievementInput>>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AchievementInput {
    pub enrolment_number: Option<String>,
    pub qualification_title: Option<String>,
    /// The qualification's code, such as `603/4182/8`.
    pub qualification_code: Option<String>,
    pub course: Option<String>,
    /// `YYYY-MM-DD`, not in the future.
    pub award_date: Option<String>,
    /// `YYYY-MM-DD`, after the award date, when the certification expires (shown with badges).
    pub expires_on: Option<String>,
    /// Needed when a unit certificate is issued.
    pub units: Option<Vec<UnitInput>>,
    pub documents: Option<Vec<DocumentInput>>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct UnitInput {
    pub code: Option<String>,
    pub title: Option<String>,
    pub grade: Option<String>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct DocumentInput {
    /// `certificate`, `unit_certificate`, `letter` or `badge`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Certificate,
    UnitCertificate,
    Letter,
    Badge,
}

impl DocumentKind {
    fn parse(raw: &str) -> std::result::Result<Self, &'static str> {
        match raw {
            "certificate" => Ok(Self::Certificate),
            "unit_certificate" => Ok(Self::UnitCertificate),
            "letter" => Ok(Self::Letter),
            "badge" => Ok(Self::Badge),
            _ => Err("must be certificate, unit_certificate, letter or badge"),
        }
    }

    /// How people call it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Certificate => "Certificate",
            Self::UnitCertificate => "Unit certificate",
            Self::Letter => "Letter",
            Self::Badge => "Digital badge",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Unit {
    pub code: String,
    pub title: String,
    pub grade: Option<String>,
}

/// Whether a document stands (DOC-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    Valid,
    /// Cancelled by the awarding body: it was never or is no longer a true record.
    Revoked,
    /// Taken back by the awarding body, for instance while something is checked.
    Withdrawn,
    /// Replaced by a reissued document with the next issue number.
    Superseded,
}

impl DocumentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Revoked => "revoked",
            Self::Withdrawn => "withdrawn",
            Self::Superseded => "superseded",
        }
    }
}

/// One document of an achievement, as listed with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IssuedDocument {
    #[serde(rename = "type")]
    pub kind: DocumentKind,
    #[schema(value_type = String)]
    pub reference: Reference,
    pub status: DocumentStatus,
}

/// An achievement of a learner with the documents issued for it (kept in the learner's record
/// partition: one query lists a learner's documents).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Achievement {
    pub job_id: String,
    pub centre_number: String,
    /// The learner's enrolment (candidate) number.
    pub enrolment_number: String,
    pub first_name: String,
    pub last_name: String,
    pub qualification_title: String,
    pub qualification_code: String,
    pub course: Option<String>,
    #[serde(with = "crate::items::date")]
    #[schema(value_type = String, format = Date)]
    pub award_date: Date,
    #[serde(with = "crate::items::date::option", default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub expires_on: Option<Date>,
    pub units: Vec<Unit>,
    pub documents: Vec<IssuedDocument>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub issued_at: OffsetDateTime,
    /// Changes when one of its documents is revoked, withdrawn or reissued (0: stored before
    /// versions were kept).
    #[serde(default)]
    pub version: i64,
}

/// A document's own item: where it belongs, its state, its downloads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentRecord {
    pub reference: Reference,
    pub kind: DocumentKind,
    pub status: DocumentStatus,
    pub enrolment_number: String,
    pub job_id: String,
    pub achievement: usize,
    /// The learner's downloads so far (DOC-5).
    pub downloads: i64,
    pub version: i64,
    /// The reissued document that replaces this one.
    #[serde(default)]
    pub superseded_by: Option<Reference>,
    /// The document this one was reissued from.
    #[serde(default)]
    pub replaces: Option<Reference>,
    /// Why an administrator revoked, withdrew or reissued it.
    #[serde(default)]
    pub status_reason: Option<String>,
    /// A letter bought from the store: the order it was issued for, and the buyer when that is
    /// not the learner (a third party's proof of qualification), who then holds it as its owner.
    #[serde(default)]
    pub order_id: Option<String>,
    #[serde(default)]
    pub ordered_by: Option<String>,
}

impl DocumentRecord {
    /// A document as first issued.
    pub fn new(
        reference: Reference,
        kind: DocumentKind,
        enrolment_number: &str,
        job_id: &str,
        achievement: usize,
    ) -> Self {
        Self {
            reference,
            kind,
            status: DocumentStatus::Valid,
            enrolment_number: enrolment_number.to_owned(),
            job_id: job_id.to_owned(),
            achievement,
            downloads: 0,
            version: 1,
            superseded_by: None,
            replaces: None,
            status_reason: None,
            order_id: None,
            ordered_by: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum JobState {
    Writing,
    Issued,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct JobRecord {
    pub job_id: String,
    pub centre_number: String,
    body_sha256: String,
    state: JobState,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub achievements: usize,
    pub documents: usize,
}

/// A job as its centre lists it (CEN-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct JobSummary {
    pub job_id: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    pub achievements: usize,
    pub documents: usize,
    /// False while the job's documents are still being written.
    pub issued: bool,
}

impl From<JobRecord> for JobSummary {
    fn from(record: JobRecord) -> Self {
        Self {
            issued: record.state == JobState::Issued,
            job_id: record.job_id,
            created_at: record.created_at,
            achievements: record.achievements,
            documents: record.documents,
        }
    }
}

/// The job stored under this id, if any.
pub(crate) async fn job_record(ctx: &Ctx, job_id: &str) -> Result<Option<JobRecord>> {
    ctx.table
        .get(&keys::job(job_id))
        .await?
        .map(from_item)
        .transpose()
}

/// What issuing answers: every document of the job with its reference.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobIssued {
    pub job_id: String,
    /// False when this job was already issued (a repeated request): nothing new was created.
    pub created: bool,
    pub documents: Vec<JobDocument>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct JobDocument {
    pub enrolment_number: String,
    pub qualification_code: String,
    #[serde(rename = "type")]
    pub kind: DocumentKind,
    #[schema(value_type = String)]
    pub reference: Reference,
}

/// A job as parsed: every field valid, nothing written.
#[derive(Debug, Serialize)]
struct Job {
    job_id: String,
    centre_number: CentreNumber,
    learners: Vec<LearnerRecord>,
    achievements: Vec<NewAchievement>,
}

#[derive(Debug, Serialize)]
struct NewAchievement {
    enrolment_number: EnrolmentNumber,
    qualification_title: String,
    qualification_code: String,
    course: Option<String>,
    #[serde(with = "crate::items::date")]
    award_date: Date,
    // Left out when absent, so jobs sent before it existed keep their body's hash.
    #[serde(
        with = "crate::items::date::option",
        skip_serializing_if = "Option::is_none"
    )]
    expires_on: Option<Date>,
    units: Vec<Unit>,
    documents: Vec<DocumentKind>,
}

pub(crate) fn job_id(raw: &str) -> std::result::Result<String, &'static str> {
    let ok = (1..=64).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    ok.then(|| raw.to_owned())
        .ok_or("must be 1 to 64 letters, digits, '-', '_' or '.'")
}

fn qualification_code(raw: &str) -> std::result::Result<String, &'static str> {
    let code = raw.trim();
    let ok = (1..=20).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'.'));
    ok.then(|| code.to_owned())
        .ok_or("must be 1 to 20 letters, digits, '/', '-' or '.' (such as 603/4182/8)")
}

fn parse(input: &JobInput, today: Date) -> Result<Job> {
    let mut all = Fields::new();
    let job_id = all.required("job_id", input.job_id.as_deref(), job_id);
    let centre_number = all.required(
        "centre_number",
        input.centre_number.as_deref(),
        CentreNumber::parse,
    );
    let learners = records::parse_learners(input.learners.as_deref().unwrap_or_default(), &mut all);
    let mut achievements = Vec::new();
    let mut total = 0;
    let mut seen = HashSet::new();
    match input.achievements.as_deref() {
        None | Some([]) => all.add("achievements", "must hold at least one achievement"),
        Some(inputs) => {
            for (i, raw) in inputs.iter().enumerate() {
                let mut f = Fields::nested(format!("achievements[{i}]."));
                if let Some(a) = parse_achievement(raw, today, &mut f) {
                    total += a.documents.len();
                    let key = (
                        a.enrolment_number.clone(),
                        a.qualification_code.clone(),
                        a.award_date,
                    );
                    if !seen.insert(key) {
                        f.add(
                            "qualification_code",
                            "this learner's achievement appears twice in the job",
                        );
                    }
                    achievements.push(a);
                }
                all.absorb(f);
            }
        }
    }
    if total > MAX_DOCUMENTS {
        all.add(
            "achievements",
            format!("issue {total} documents; a job may issue at most {MAX_DOCUMENTS}"),
        );
    }
    all.finish()?;
    let (Some(job_id), Some(centre_number)) = (job_id, centre_number) else {
        return Err(Error::Internal("parsed job without id".into()));
    };
    Ok(Job {
        job_id,
        centre_number,
        learners,
        achievements,
    })
}

fn parse_achievement(
    raw: &AchievementInput,
    today: Date,
    f: &mut Fields,
) -> Option<NewAchievement> {
    let enrolment_number = f.required(
        "enrolment_number",
        raw.enrolment_number.as_deref(),
        EnrolmentNumber::parse,
    );
    let qualification_title = f.required(
        "qualification_title",
        raw.qualification_title.as_deref(),
        |t| short_text(t, 200),
    );
    let qualification_code = f.required(
        "qualification_code",
        raw.qualification_code.as_deref(),
        qualification_code,
    );
    let course = f
        .optional("course", raw.course.as_deref(), |c| short_text(c, 200))
        .flatten();
    let award_date = f.required("award_date", raw.award_date.as_deref(), |d| {
        let date = parse_date(d)?;
        if date > today {
            return Err("must not be in the future");
        }
        if date.year() < 1950 {
            return Err("must be 1950 or later");
        }
        Ok(date)
    });
    let expires_on = f
        .optional("expires_on", raw.expires_on.as_deref(), parse_date)
        .flatten();
    if let (Some(expires), Some(awarded)) = (expires_on, award_date)
        && expires <= awarded
    {
        f.add("expires_on", "must be after the award date");
    }
    let mut units = Vec::new();
    let unit_inputs = raw.units.as_deref().unwrap_or_default();
    if unit_inputs.len() > MAX_UNITS {
        f.add("units", format!("may list at most {MAX_UNITS} units"));
    }
    for (j, u) in unit_inputs.iter().enumerate() {
        let code = f.required(&format!("units[{j}].code"), u.code.as_deref(), |c| {
            short_text(c, 30)
        });
        let title = f.required(&format!("units[{j}].title"), u.title.as_deref(), |t| {
            short_text(t, 200)
        });
        let grade = f
            .optional(&format!("units[{j}].grade"), u.grade.as_deref(), |g| {
                short_text(g, 30)
            })
            .flatten();
        if let (Some(code), Some(title)) = (code, title) {
            units.push(Unit { code, title, grade });
        }
    }
    let mut documents = Vec::new();
    match raw.documents.as_deref() {
        None | Some([]) => f.add("documents", "must hold at least one document"),
        Some(inputs) => {
            for (j, d) in inputs.iter().enumerate() {
                let field = format!("documents[{j}].type");
                if let Some(kind) = f.required(&field, d.kind.as_deref(), DocumentKind::parse) {
                    if documents.contains(&kind) {
                        f.add(&field, "is issued twice for this achievement");
                    } else {
                        documents.push(kind);
                    }
                }
            }
        }
    }
    if documents.contains(&DocumentKind::UnitCertificate) && unit_inputs.is_empty() {
        f.add("units", "must list the units for a unit certificate");
    }
    Some(NewAchievement {
        enrolment_number: enrolment_number?,
        qualification_title: qualification_title?,
        qualification_code: qualification_code?,
        course,
        award_date: award_date?,
        expires_on,
        units,
        documents,
    })
}

/// Issues a job, or answers what it issued when it was issued before. See the module's notes.
pub async fn issue(ctx: &Ctx, input: &JobInput) -> Result<JobIssued> {
    let job = parse(input, ctx.now().date())?;
    let centre = records::centre(ctx, job.centre_number.as_str())
        .await?
        .ok_or_else(|| Error::field("centre_number", "is not a centre in the records"))?;
    let names = learner_names(ctx, &job).await?;
    let body_sha256 = hex::encode(Sha256::digest(
        serde_json::to_vec(&job).map_err(|e| Error::Internal(e.to_string()))?,
    ));
    let documents: usize = job.achievements.iter().map(|a| a.documents.len()).sum();
    let record = JobRecord {
        job_id: job.job_id.clone(),
        centre_number: job.centre_number.as_str().to_owned(),
        body_sha256,
        state: JobState::Writing,
        created_at: ctx.now(),
        achievements: job.achievements.len(),
        documents,
    };
    let (record, created) = begin(ctx, record).await?;
    if record.state == JobState::Issued {
        let slots = slots(ctx, &job.job_id).await?;
        return Ok(summary(&job, &slots, false));
    }
    records::upsert_learners(ctx, &job.learners).await?;
    let slots = write_documents(ctx, &job, &names, record.created_at).await?;
    queue_emails(ctx, &job, &centre, &slots).await?;
    finish(ctx, &record).await?;
    Ok(summary(&job, &slots, created))
}

/// Every learner the job names, with the name the records hold: from the job's own learners,
/// else the records. A learner in neither is refused (naming the achievement).
async fn learner_names(ctx: &Ctx, job: &Job) -> Result<HashMap<String, (String, String)>> {
    let mut names: HashMap<String, (String, String)> = job
        .learners
        .iter()
        .map(|l| {
            (
                l.enrolment_number.as_str().to_owned(),
                (
                    l.first_name.as_str().to_owned(),
                    l.last_name.as_str().to_owned(),
                ),
            )
        })
        .collect();
    let mut missing = Fields::new();
    for (i, a) in job.achievements.iter().enumerate() {
        let number = a.enrolment_number.as_str();
        if names.contains_key(number) {
            continue;
        }
        match records::learner(ctx, number).await? {
            Some(r) => {
                names.insert(
                    number.to_owned(),
                    (
                        r.first_name.as_str().to_owned(),
                        r.last_name.as_str().to_owned(),
                    ),
                );
            }
            None => missing.add(
                &format!("achievements[{i}].enrolment_number"),
                "is not a learner in the records or in this job's learners",
            ),
        }
    }
    missing.finish()?;
    Ok(names)
}

/// Writes the job item, or finds it: the same body resumes or replays; another body is refused.
async fn begin(ctx: &Ctx, record: JobRecord) -> Result<(JobRecord, bool)> {
    let key = keys::job(&record.job_id);
    let stored = match ctx
        .table
        .transact(vec![Write::put_new(job_item(&record)?)])
        .await
    {
        Ok(()) => return Ok((record, true)),
        Err(TableError::ConditionFailed { .. }) => ctx.table.get(&key).await?,
        Err(e) => return Err(e.into()),
    };
    let stored: JobRecord = stored
        .map(from_item)
        .transpose()?
        .ok_or_else(|| Error::Internal("job vanished".into()))?;
    if stored.body_sha256 != record.body_sha256 {
        return Err(Error::Conflict(format!(
            "job {} was already issued with different contents; a new job needs a new job_id",
            record.job_id
        )));
    }
    Ok((stored, false))
}

/// Which reference a job's document got, and (in slots written since centres list jobs) whose
/// it is.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Slot {
    pub achievement: usize,
    pub document: usize,
    pub reference: Reference,
    #[serde(default)]
    pub enrolment_number: Option<String>,
}

/// Every slot of the job, in order of achievement and document.
async fn job_slots(ctx: &Ctx, job_id: &str) -> Result<Vec<Slot>> {
    every_item(ctx, keys::job_partition(job_id), keys::SLOT_PREFIX)
        .await?
        .into_iter()
        .map(from_item)
        .collect()
}

/// The references the job's documents got so far, by (achievement, document) index.
async fn slots(ctx: &Ctx, job_id: &str) -> Result<BTreeMap<(usize, usize), Reference>> {
    Ok(job_slots(ctx, job_id)
        .await?
        .into_iter()
        .map(|slot| ((slot.achievement, slot.document), slot.reference))
        .collect())
}

/// Every item of a partition whose sort key starts with `prefix`, page after page.
pub(crate) async fn every_item(ctx: &Ctx, partition: String, prefix: &str) -> Result<Vec<Item>> {
    let mut found = Vec::new();
    let mut cursor = None;
    loop {
        let page = ctx
            .table
            .query(
                &Query::partition(partition.clone())
                    .sort(SortCondition::BeginsWith(prefix.to_owned()))
                    .limit(crate::ports::table::MAX_PAGE_LIMIT)
                    .after(cursor),
            )
            .await?;
        found.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(found),
        }
    }
}

/// Writes every achievement and document not written yet, a chunk of whole achievements per
/// transaction. A chunk that loses a race (another request for the same job, or a reference
/// already taken) is re-planned from the slots as they now stand.
async fn write_documents(
    ctx: &Ctx,
    job: &Job,
    names: &HashMap<String, (String, String)>,
    issued_at: OffsetDateTime,
) -> Result<BTreeMap<(usize, usize), Reference>> {
    let mut slots = slots(ctx, &job.job_id).await?;
    let mut next = 0;
    let mut failures = 0;
    while next < job.achievements.len() {
        let (writes, end, planned) = plan_chunk(ctx, job, names, issued_at, &slots, next)?;
        if writes.is_empty() {
            next = end;
            continue;
        }
        match ctx.table.transact(writes).await {
            Ok(()) => {
                slots.extend(planned);
                next = end;
                failures = 0;
            }
            // Another request for this job wrote some of these first (or, once in 10¹², a
            // reference was taken): read what stands and plan again. Failures only count while
            // the other side makes no progress.
            Err(TableError::ConditionFailed { .. } | TableError::Conflict) if failures < 5 => {
                let known = slots.len();
                slots = self::slots(ctx, &job.job_id).await?;
                failures = if slots.len() > known { 0 } else { failures + 1 };
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(slots)
}

type Planned = Vec<((usize, usize), Reference)>;

/// The writes for achievements from `start` while they fit in one transaction.
fn plan_chunk(
    ctx: &Ctx,
    job: &Job,
    names: &HashMap<String, (String, String)>,
    issued_at: OffsetDateTime,
    slots: &BTreeMap<(usize, usize), Reference>,
    start: usize,
) -> Result<(Vec<Write>, usize, Planned)> {
    let mut writes = Vec::new();
    let mut planned = Vec::new();
    let mut index = start;
    while let Some(a) = job.achievements.get(index) {
        // An achievement whose documents all have references was written whole, in the
        // transaction that wrote them: nothing to do.
        if (0..a.documents.len()).all(|d| slots.contains_key(&(index, d))) {
            index += 1;
            continue;
        }
        // This achievement's writes and new references, taken only if it fits the transaction.
        let mut these = Vec::new();
        let mut these_planned = Vec::new();
        let mut documents = Vec::new();
        for (d, kind) in a.documents.iter().enumerate() {
            let reference = match slots.get(&(index, d)) {
                Some(reference) => reference.clone(),
                None => {
                    let reference = Reference::new(ctx.random.as_ref());
                    these.push(Write::put_new(to_item(
                        &keys::job_slot(&job.job_id, index, d),
                        &Slot {
                            achievement: index,
                            document: d,
                            reference: reference.clone(),
                            enrolment_number: Some(a.enrolment_number.as_str().to_owned()),
                        },
                    )?));
                    these.push(Write::put_new(to_item(
                        &keys::document(reference.as_str()),
                        &DocumentRecord::new(
                            reference.clone(),
                            *kind,
                            a.enrolment_number.as_str(),
                            &job.job_id,
                            index,
                        ),
                    )?));
                    these_planned.push(((index, d), reference.clone()));
                    reference
                }
            };
            documents.push(IssuedDocument {
                kind: *kind,
                reference,
                status: DocumentStatus::Valid,
            });
        }
        let number = a.enrolment_number.as_str();
        let (first_name, last_name) = names.get(number).cloned().unwrap_or_default();
        let achievement = Achievement {
            job_id: job.job_id.clone(),
            centre_number: job.centre_number.as_str().to_owned(),
            enrolment_number: number.to_owned(),
            first_name,
            last_name,
            qualification_title: a.qualification_title.clone(),
            qualification_code: a.qualification_code.clone(),
            course: a.course.clone(),
            award_date: a.award_date,
            expires_on: a.expires_on,
            units: a.units.clone(),
            documents,
            issued_at,
            version: 1,
        };
        // Written with its new documents; the same content whoever writes it (the references
        // come from the slots), so it needs no condition.
        these.push(Write::put(achievement_item(&achievement, index)?));
        if !writes.is_empty() && writes.len() + these.len() > MAX_TRANSACTION_WRITES {
            break;
        }
        writes.extend(these);
        planned.extend(these_planned);
        index += 1;
    }
    Ok((writes, index, planned))
}

/// DOC-2: each learner with an account, one e-mail listing their new documents; the centre's
/// central address, one listing all. Ids come from the job, so a retry queues nothing twice.
async fn queue_emails(
    ctx: &Ctx,
    job: &Job,
    centre: &records::CentreRecord,
    slots: &BTreeMap<(usize, usize), Reference>,
) -> Result<()> {
    let mut per_learner: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut everything = Vec::new();
    for (i, a) in job.achievements.iter().enumerate() {
        for (d, kind) in a.documents.iter().enumerate() {
            let Some(reference) = slots.get(&(i, d)) else {
                continue;
            };
            let line = format!("{} — {}: {}", a.qualification_title, kind.name(), reference);
            everything.push(format!("{}: {line}", a.enrolment_number));
            per_learner
                .entry(a.enrolment_number.as_str())
                .or_default()
                .push(line);
        }
    }
    let mut writes = Vec::new();
    let link = ctx.settings.link("/documents");
    for (number, lines) in per_learner {
        let Some(account) = crate::accounts::linked_learner(ctx, number).await? else {
            continue;
        };
        writes.push(outbox::enqueue_once(
            ctx,
            &format!("job:{}:learner:{number}", job.job_id),
            messages::documents_issued(&ctx.settings, account.first_name.as_str(), &lines, &link),
            account.email.as_str(),
        )?);
    }
    writes.push(outbox::enqueue_once(
        ctx,
        &format!("job:{}:centre", job.job_id),
        messages::centre_job_issued(&ctx.settings, &centre.name, &job.job_id, &everything),
        centre.email.as_str(),
    )?);
    for chunk in writes.chunks(MAX_TRANSACTION_WRITES) {
        match ctx.table.transact(chunk.to_vec()).await {
            Ok(()) => {}
            // Some were queued by an earlier attempt: queue the rest one by one.
            Err(TableError::ConditionFailed { .. }) => {
                for write in chunk {
                    match ctx.table.transact(vec![write.clone()]).await {
                        Ok(()) | Err(TableError::ConditionFailed { .. }) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// An achievement's item, in its centre's records by award date (CEN-2). `index` is its place
/// in its job.
pub(crate) fn achievement_item(achievement: &Achievement, index: usize) -> Result<Item> {
    let number = &achievement.enrolment_number;
    Ok(indexed(
        to_item(
            &keys::achievement(number, &achievement.job_id, index),
            achievement,
        )?,
        keys::centre_records_index(&achievement.centre_number),
        centre_record_sort_key(achievement, index),
    ))
}

/// The sort key of an achievement among its centre's records: award date, then who and which.
pub(crate) fn centre_record_sort_key(achievement: &Achievement, index: usize) -> String {
    format!(
        "{}#{}#{}#{index:05}",
        crate::values::format_date(achievement.award_date),
        achievement.enrolment_number,
        achievement.job_id
    )
}

/// The job's item, in its centre's list of jobs newest first (CEN-1).
fn job_item(record: &JobRecord) -> Result<Item> {
    Ok(indexed(
        to_item(&keys::job(&record.job_id), record)?,
        keys::centre_jobs_index(&record.centre_number),
        format!(
            "{}#{}",
            crate::items::sortable(record.created_at),
            record.job_id
        ),
    ))
}

async fn finish(ctx: &Ctx, record: &JobRecord) -> Result<()> {
    let mut issued = record.clone();
    issued.state = JobState::Issued;
    match ctx
        .table
        .transact(vec![Write::put_if(
            job_item(&issued)?,
            Condition::equals("state", "writing"),
        )])
        .await
    {
        // Another request for the same job finished it first: the same outcome.
        Ok(()) | Err(TableError::ConditionFailed { .. }) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

fn summary(job: &Job, slots: &BTreeMap<(usize, usize), Reference>, created: bool) -> JobIssued {
    let mut documents = Vec::new();
    for (i, a) in job.achievements.iter().enumerate() {
        for (d, kind) in a.documents.iter().enumerate() {
            if let Some(reference) = slots.get(&(i, d)) {
                documents.push(JobDocument {
                    enrolment_number: a.enrolment_number.as_str().to_owned(),
                    qualification_code: a.qualification_code.clone(),
                    kind: *kind,
                    reference: reference.clone(),
                });
            }
        }
    }
    JobIssued {
        job_id: job.job_id.clone(),
        created,
        documents,
    }
}

/// A learner's achievements with their documents, newest award first (DOC-3).
pub async fn of_learner(ctx: &Ctx, enrolment_number: &str) -> Result<Vec<Achievement>> {
    let items = every_item(
        ctx,
        keys::learner_partition(enrolment_number),
        keys::ACHIEVEMENT_PREFIX,
    )
    .await?;
    let mut found = items
        .into_iter()
        .map(from_item::<Achievement>)
        .collect::<Result<Vec<_>>>()?;
    found.sort_by(|a, b| {
        b.award_date
            .cmp(&a.award_date)
            .then_with(|| a.qualification_title.cmp(&b.qualification_title))
    });
    Ok(found)
}

/// One document with its achievement, if it exists.
pub async fn document(
    ctx: &Ctx,
    reference: &Reference,
) -> Result<Option<(DocumentRecord, Achievement)>> {
    let Some(item) = ctx.table.get(&keys::document(reference.as_str())).await? else {
        return Ok(None);
    };
    let record: DocumentRecord = from_item(item)?;
    // Written in the same transaction as the document: missing means a broken store.
    let achievement = ctx
        .table
        .get(&keys::achievement(
            &record.enrolment_number,
            &record.job_id,
            record.achievement,
        ))
        .await?
        .ok_or_else(|| Error::Internal(format!("document {reference} has no achievement")))?;
    Ok(Some((record, from_item(achievement)?)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn input(value: serde_json::Value) -> JobInput {
        serde_json::from_value(value).unwrap()
    }

    fn fields(e: Error) -> Vec<String> {
        match e {
            Error::Invalid(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("not invalid input: {other}"),
        }
    }

    #[test]
    fn a_good_job_parses() {
        let job = parse(
            &input(serde_json::json!({
                "job_id": "J-2026-001",
                "centre_number": "C-7001",
                "learners": [{"enrolment_number": "ENR-1001", "first_name": "Grace", "last_name": "Hopper", "date_of_birth": "1990-12-09"}],
                "achievements": [{
                    "enrolment_number": "ENR-1001", "qualification_title": "Level 3 Award", "qualification_code": "603/4182/8",
                    "award_date": "2026-11-01", "units": [{"code": "U1", "title": "Safety", "grade": "Pass"}],
                    "documents": [{"type": "certificate"}, {"type": "unit_certificate"}, {"type": "badge"}]
                }]
            })),
            date!(2026 - 11 - 23),
        )
        .unwrap();
        assert_eq!(job.achievements[0].documents.len(), 3);
        assert_eq!(job.achievements[0].units[0].grade.as_deref(), Some("Pass"));
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let err = parse(
            &input(serde_json::json!({
                "job_id": "has spaces",
                "centre_number": "",
                "achievements": [
                    {"enrolment_number": "x", "qualification_title": "", "qualification_code": "603 4182",
                     "award_date": "2099-01-01", "documents": [{"type": "diploma"}, {"type": "unit_certificate"}]},
                    {"enrolment_number": "ENR-1001", "qualification_title": "T", "qualification_code": "Q1",
                     "award_date": "2026-13-01", "documents": []},
                    {"enrolment_number": "ENR-1001", "qualification_title": "T", "qualification_code": "Q2",
                     "award_date": "2026-01-01", "documents": [{"type": "letter"}, {"type": "letter"}]}
                ]
            })),
            date!(2026 - 11 - 23),
        )
        .unwrap_err();
        let named = fields(err);
        for expected in [
            "job_id",
            "centre_number",
            "achievements[0].enrolment_number",
            "achievements[0].qualification_title",
            "achievements[0].qualification_code",
            "achievements[0].award_date",
            "achievements[0].documents[0].type",
            "achievements[0].units",
            "achievements[1].award_date",
            "achievements[1].documents",
            "achievements[2].documents[1].type",
        ] {
            assert!(
                named.contains(&expected.to_owned()),
                "{expected} not in {named:?}"
            );
        }
    }

    #[test]
    fn a_job_of_more_than_five_thousand_documents_is_refused() {
        let achievements: Vec<_> = (0..2501)
            .map(|i| serde_json::json!({
                "enrolment_number": "ENR-1001", "qualification_title": "T", "qualification_code": format!("Q{i}"),
                "award_date": "2026-01-01", "documents": [{"type": "certificate"}, {"type": "letter"}]
            }))
            .collect();
        let err = parse(
            &input(serde_json::json!({"job_id": "J", "centre_number": "C-7001", "achievements": achievements})),
            date!(2026 - 11 - 23),
        )
        .unwrap_err();
        assert_eq!(fields(err), vec!["achievements".to_owned()]);
    }
}
