//! Bulk downloads (CEN-4, SCH-2): a centre asks for a zip of some of its documents; the request
//! is checked whole and answered at once with a *queued* download; `build-zip` builds it in the
//! background (see [`super::zip`]); the centre fetches it by a signed URL valid 15 minutes; after
//! 7 days `expire-downloads` removes it and its file.
//!
//! Requesting writes, in one transaction, the download, the list of its documents (in chunks),
//! its entry in the build queue, its entry in the expiry list and the audit entry: a download is
//! never half-requested, and the build is never lost (the queue entry stays until it is ready or
//! failed).

use std::collections::{BTreeMap, HashSet};

use futures::stream::{self, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use super::{READS_AT_ONCE, centre_of};
use crate::accounts::admin::Paged;
use crate::accounts::sessions::Principal;
use crate::ctx::Ctx;
use crate::documents::Reference;
use crate::documents::jobs::{self, DocumentKind};
use crate::error::{Error, Fields, Result};
use crate::items::{from_item, indexed, sortable, to_item};
use crate::keys;
use crate::ports::table::GSI1;
use crate::ports::{Condition, Query, SortCondition, TableError, Write};
use crate::settings::Limit;
use crate::values::long_text;
use crate::{audit, rate_limit, secrets};

/// How long a download is kept (the bucket's lifecycle rule on `downloads/` says the same).
pub const KEEP: Duration = Duration::days(7);
/// How long a download's signed URL works.
pub const URL_LIFETIME: Duration = Duration::minutes(15);
/// Achievements per stored chunk of a download's document list: at most 4 documents each, so
/// about 1,000 references a chunk, far below DynamoDB's 400 KB an item; 20,000 documents take
/// at most 80 chunks, within one transaction.
const CHUNK_ENTRIES: usize = 250;

const PER_HOUR: Limit = Limit {
    n: 30,
    window: Duration::hours(1),
};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct DownloadInput {
    /// The documents to put in the zip (their references); or give `job_id`.
    pub references: Option<Vec<String>>,
    /// Every document (with a PDF) of this job of the centre's; or give `references`.
    pub job_id: Option<String>,
    /// Why the documents are downloaded (for instance, the regulator's audit), up to 500
    /// characters.
    pub purpose: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DownloadStatus {
    Queued,
    Building,
    Ready,
    Failed,
    /// Past its 7 days: its file is gone (or about to be).
    Expired,
}

/// A download as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Download {
    pub id: String,
    pub centre_number: String,
    pub requested_by: String,
    pub requested_by_name: String,
    pub purpose: String,
    pub total: usize,
    pub done: usize,
    pub status: DownloadStatus,
    pub failure: Option<String>,
    /// Builds started so far.
    pub attempt: i64,
    /// While building: when the builder's claim lapses unless it reports progress.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub lease_until: Option<OffsetDateTime>,
    /// Its key in the build queue (while queued or building).
    pub queued_at: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub ready_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub size_bytes: Option<u64>,
    pub file_name: String,
    pub version: i64,
}

/// One achievement's documents in a download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub enrolment_number: String,
    pub job_id: String,
    pub achievement: usize,
    pub references: Vec<Reference>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Chunk {
    entries: Vec<Entry>,
}

/// A download as the centre sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DownloadView {
    pub id: String,
    pub status: DownloadStatus,
    pub purpose: String,
    /// Documents in the zip.
    pub total: usize,
    /// Documents written so far.
    pub done: usize,
    /// Why it failed (it can be retried).
    pub failure: Option<String>,
    pub file_name: String,
    pub size_bytes: Option<u64>,
    /// Who asked for it.
    pub requested_by: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ready_at: Option<OffsetDateTime>,
    /// When it and its file are deleted.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    /// When ready (and only in the answer for one download): where to fetch the zip, no
    /// sign-in needed, until `url_expires_at`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub url_expires_at: Option<OffsetDateTime>,
}

impl Download {
    pub(crate) fn key(&self) -> crate::ports::Key {
        keys::download(&self.centre_number, &self.id)
    }

    pub(crate) fn blob_key(&self) -> String {
        blob_key(&self.id)
    }

    /// The stored item, in its centre's list.
    pub(crate) fn item(&self) -> Result<crate::ports::Item> {
        Ok(indexed(
            to_item(&self.key(), self)?,
            keys::centre_downloads_index(&self.centre_number),
            format!("{}#{}", sortable(self.created_at), self.id),
        ))
    }

    pub(crate) fn queue_key(&self) -> Option<crate::ports::Key> {
        self.queued_at
            .as_deref()
            .map(|at| keys::zip_queue_entry(at, &self.centre_number, &self.id))
    }

    fn expiry_key(&self) -> crate::ports::Key {
        keys::download_expiry_entry(&sortable(self.expires_at), &self.centre_number, &self.id)
    }

    fn view(&self, now: OffsetDateTime) -> DownloadView {
        DownloadView {
            id: self.id.clone(),
            status: if now >= self.expires_at {
                DownloadStatus::Expired
            } else {
                self.status
            },
            purpose: self.purpose.clone(),
            total: self.total,
            done: self.done,
            failure: self.failure.clone(),
            file_name: self.file_name.clone(),
            size_bytes: self.size_bytes,
            requested_by: self.requested_by_name.clone(),
            created_at: self.created_at,
            ready_at: self.ready_at,
            expires_at: self.expires_at,
            url: None,
            url_expires_at: None,
        }
    }
}

/// Where a download's zip is kept (under the prefix the bucket's lifecycle rule expires).
pub fn blob_key(id: &str) -> String {
    format!("downloads/{id}.zip")
}

/// What the build queue's and the expiry list's entries hold: which download they are for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Pointer {
    pub centre_number: String,
    pub id: String,
}

impl Pointer {
    /// The entry under `key` pointing at `download`.
    fn write(key: &crate::ports::Key, download: &Download) -> Result<Write> {
        let pointer = Self {
            centre_number: download.centre_number.clone(),
            id: download.id.clone(),
        };
        Ok(Write::put(to_item(key, &pointer)?))
    }

    /// An entry's key and the download it points at.
    pub(crate) fn read(item: crate::ports::Item) -> Result<(crate::ports::Key, Self)> {
        let key = crate::ports::Key::of(&item)
            .ok_or_else(|| Error::Internal("a list entry without its key".into()))?;
        Ok((key, from_item(item)?))
    }
}

/// The download's entry in the build queue, while it is queued or building.
fn queue_entry(download: &Download) -> Result<Option<Write>> {
    download
        .queue_key()
        .map(|key| Pointer::write(&key, download))
        .transpose()
}

/// Requests a download (see the module's notes). With an idempotency key, asking again answers
/// the download the first request made.
pub async fn request(
    ctx: &Ctx,
    principal: &Principal,
    input: &DownloadInput,
    idempotency_key: Option<&str>,
) -> Result<DownloadView> {
    let centre = centre_of(principal)?;
    let id = match idempotency_key.map(str::trim).filter(|k| !k.is_empty()) {
        Some(key) if key.len() > 200 => {
            return Err(Error::field(
                "Idempotency-Key",
                "is too long (200 characters at most)",
            ));
        }
        Some(key) => {
            let digest = Sha256::digest(format!("{}\n{key}", principal.user_id()).as_bytes());
            let id = uuid_from(&digest);
            if let Some(existing) = load(ctx, &centre, &id).await? {
                return Ok(existing.view(ctx.now()));
            }
            id
        }
        None => secrets::new_id(ctx.random.as_ref()),
    };
    let (purpose, entries) = parse(ctx, &centre, input).await?;
    rate_limit::enforce(ctx, "centre-download", principal.user_id(), PER_HOUR).await?;
    let now = ctx.now();
    let total = entries.iter().map(|e| e.references.len()).sum();
    let download = Download {
        file_name: format!(
            "documents-{}-{}.zip",
            crate::values::format_date(now.date()),
            &id[..8]
        ),
        id,
        centre_number: centre.clone(),
        requested_by: principal.user_id().to_owned(),
        requested_by_name: principal.account.full_name(),
        purpose,
        total,
        done: 0,
        status: DownloadStatus::Queued,
        failure: None,
        attempt: 0,
        lease_until: None,
        queued_at: Some(sortable(now)),
        created_at: now,
        ready_at: None,
        expires_at: now + KEEP,
        size_bytes: None,
        version: 1,
    };
    let mut writes = vec![Write::put_new(download.item()?)];
    for (n, chunk) in entries.chunks(CHUNK_ENTRIES).enumerate() {
        writes.push(Write::put(to_item(
            &keys::download_documents(&centre, &download.id, n),
            &Chunk {
                entries: chunk.to_vec(),
            },
        )?));
    }
    writes.extend(queue_entry(&download)?);
    writes.push(Pointer::write(&download.expiry_key(), &download)?);
    writes.push(audit::entry(
        ctx,
        principal,
        "centre.download",
        &download.id,
        Some(&format!(
            "{} documents; purpose: {}",
            download.total, download.purpose
        )),
    )?);
    match ctx.table.transact(writes).await {
        Ok(()) => Ok(download.view(now)),
        // The same idempotency key at the same moment: the other request made it.
        Err(TableError::ConditionFailed { .. }) => load(ctx, &centre, &download.id)
            .await?
            .map(|d| d.view(ctx.now()))
            .ok_or_else(|| Error::Conflict("the download is being requested; try again".into())),
        Err(e) => Err(e.into()),
    }
}

fn uuid_from(digest: &[u8]) -> String {
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// The purpose and the documents, every problem named at once; nothing is written.
async fn parse(ctx: &Ctx, centre: &str, input: &DownloadInput) -> Result<(String, Vec<Entry>)> {
    let mut fields = Fields::new();
    let purpose = fields.required("purpose", input.purpose.as_deref(), |p| long_text(p, 500));
    let max = ctx.settings.centres.max_download_documents;
    let too_many = |n: usize| format!("holds {n} documents; a download may hold at most {max}");
    let entries = match (input.references.as_deref(), input.job_id.as_deref()) {
        (Some(_), Some(_)) => {
            fields.add("job_id", "give either references or job_id, not both");
            None
        }
        (None | Some([]), None) => {
            fields.add("references", "select at least one document");
            None
        }
        (Some(raw), None) if raw.len() > max => {
            fields.add("references", too_many(raw.len()));
            None
        }
        (Some(raw), None) => by_reference(ctx, centre, raw, &mut fields).await?,
        (None, Some(raw)) => {
            let entries = by_job(ctx, centre, raw, &mut fields).await?;
            let total: usize = entries.iter().flatten().map(|e| e.references.len()).sum();
            if total > max {
                fields.add("job_id", too_many(total));
            } else if entries.is_some() && total == 0 {
                fields.add("job_id", "has no documents with a PDF (badges are images)");
            }
            entries
        }
    };
    fields.finish()?;
    match (purpose, entries) {
        (Some(purpose), Some(entries)) => Ok((purpose, entries)),
        _ => Err(Error::Internal(
            "a download parsed without its parts".into(),
        )),
    }
}

/// The documents named, checked to be the centre's and to have a PDF, grouped by achievement.
async fn by_reference(
    ctx: &Ctx,
    centre: &str,
    raw: &[String],
    fields: &mut Fields,
) -> Result<Option<Vec<Entry>>> {
    let not_yours = "is not one of your centre's documents";
    let mut seen = HashSet::new();
    let mut wanted = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        let field = format!("references[{i}]");
        match Reference::parse(r) {
            Ok(reference) => {
                if seen.insert(reference.clone()) {
                    wanted.push((field, reference));
                }
            }
            Err(_) => fields.add(&field, "is not a document reference"),
        }
    }
    let found: Vec<_> = stream::iter(wanted)
        .map(|(field, reference)| async move {
            let found = jobs::document(ctx, &reference).await?;
            Ok::<_, Error>((field, reference, found))
        })
        .buffered(READS_AT_ONCE)
        .try_collect()
        .await?;
    let mut entries: BTreeMap<(String, String, usize), Vec<Reference>> = BTreeMap::new();
    for (field, reference, found) in found {
        match found {
            Some((record, achievement)) if achievement.centre_number == centre => {
                if record.kind == DocumentKind::Badge {
                    fields.add(&field, "is a digital badge, which has no PDF");
                } else {
                    entries
                        .entry((record.enrolment_number, record.job_id, record.achievement))
                        .or_default()
                        .push(reference);
                }
            }
            _ => fields.add(&field, not_yours),
        }
    }
    Ok(fields.is_empty().then(|| {
        entries
            .into_iter()
            .map(
                |((enrolment_number, job_id, achievement), references)| Entry {
                    enrolment_number,
                    job_id,
                    achievement,
                    references,
                },
            )
            .collect()
    }))
}

/// Every document with a PDF of one of the centre's jobs.
async fn by_job(
    ctx: &Ctx,
    centre: &str,
    raw: &str,
    fields: &mut Fields,
) -> Result<Option<Vec<Entry>>> {
    let not_yours = "is not one of your centre's jobs";
    let Ok(job_id) = jobs::job_id(raw.trim()) else {
        fields.add("job_id", not_yours);
        return Ok(None);
    };
    if jobs::job_record(ctx, &job_id)
        .await?
        .is_none_or(|job| job.centre_number != centre)
    {
        fields.add("job_id", not_yours);
        return Ok(None);
    }
    // The achievements' documents as they stand now (a reissued document replaces the one the
    // job issued), read through the slots that say whose each achievement is.
    let (achievements, _) = super::job_achievements(ctx, &job_id, 0, usize::MAX).await?;
    let entries = achievements
        .into_iter()
        .map(|(index, achievement)| Entry {
            references: achievement
                .documents
                .into_iter()
                .filter(|d| d.kind != DocumentKind::Badge)
                .map(|d| d.reference)
                .collect(),
            enrolment_number: achievement.enrolment_number,
            job_id: job_id.clone(),
            achievement: index,
        })
        .filter(|e| !e.references.is_empty())
        .collect();
    Ok(Some(entries))
}

pub(crate) async fn load(ctx: &Ctx, centre: &str, id: &str) -> Result<Option<Download>> {
    if !secrets::is_id(id) {
        return Ok(None);
    }
    ctx.table
        .get(&keys::download(centre, id))
        .await?
        .map(from_item)
        .transpose()
}

/// The documents a download holds, in the order they go in the zip.
pub(crate) async fn entries(ctx: &Ctx, download: &Download) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for item in chunks(ctx, &download.centre_number, &download.id).await? {
        let chunk: Chunk = from_item(item)?;
        entries.extend(chunk.entries);
    }
    Ok(entries)
}

/// The stored chunks of a download's document list.
async fn chunks(ctx: &Ctx, centre: &str, id: &str) -> Result<Vec<crate::ports::Item>> {
    jobs::every_item(
        ctx,
        keys::centre_partition(centre),
        &keys::download_documents_prefix(id),
    )
    .await
}

/// The centre's downloads, newest first.
pub async fn list(
    ctx: &Ctx,
    principal: &Principal,
    cursor: Option<String>,
    limit: u32,
) -> Result<Paged<DownloadView>> {
    let centre = centre_of(principal)?;
    let page = Paged::<Download>::of(
        ctx,
        &Query::index(GSI1, keys::centre_downloads_index(&centre))
            .descending()
            .limit(limit)
            .after(cursor),
    )
    .await?;
    let now = ctx.now();
    Ok(page.map(|d| d.view(now)))
}

/// One of the centre's downloads; when ready, with a signed URL for its zip.
pub async fn get(ctx: &Ctx, principal: &Principal, id: &str) -> Result<DownloadView> {
    let centre = centre_of(principal)?;
    let download = load(ctx, &centre, id).await?.ok_or(Error::NotFound)?;
    let now = ctx.now();
    let mut view = download.view(now);
    if view.status == DownloadStatus::Ready {
        // Never past the download's own expiry.
        let lifetime = URL_LIFETIME.min(download.expires_at - now);
        let url = ctx
            .blobs
            .signed_url(
                &download.blob_key(),
                lifetime.unsigned_abs(),
                Some(&download.file_name),
            )
            .await?;
        view.url = Some(url);
        view.url_expires_at = Some(now + lifetime);
    }
    Ok(view)
}

/// Queues a failed download again; any other state is a conflict.
pub async fn retry(ctx: &Ctx, principal: &Principal, id: &str) -> Result<DownloadView> {
    let centre = centre_of(principal)?;
    let download = load(ctx, &centre, id).await?.ok_or(Error::NotFound)?;
    let now = ctx.now();
    if download.status != DownloadStatus::Failed || now >= download.expires_at {
        return Err(Error::Conflict(
            "only a failed download that has not expired can be retried".into(),
        ));
    }
    rate_limit::enforce(ctx, "centre-download", principal.user_id(), PER_HOUR).await?;
    let queued = Download {
        status: DownloadStatus::Queued,
        failure: None,
        done: 0,
        // The centre's retry starts the builds' count afresh.
        attempt: 0,
        lease_until: None,
        queued_at: Some(sortable(now)),
        version: download.version + 1,
        ..download.clone()
    };
    let queue = queue_entry(&queued)?.into_iter().collect();
    if store_if_unchanged(ctx, &download, &queued, queue).await? {
        Ok(queued.view(now))
    } else {
        Err(Error::Conflict(
            "the download changed meanwhile; look again".into(),
        ))
    }
}

/// Stores `next` over `current` if nobody changed it meanwhile (with `more` writes); whether
/// it did.
pub(crate) async fn store_if_unchanged(
    ctx: &Ctx,
    current: &Download,
    next: &Download,
    more: Vec<Write>,
) -> Result<bool> {
    let mut writes = vec![Write::put_if(
        next.item()?,
        Condition::version_is(current.version),
    )];
    writes.extend(more);
    match ctx.table.transact(writes).await {
        Ok(()) => Ok(true),
        Err(TableError::ConditionFailed { .. } | TableError::Conflict) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExpiryReport {
    pub expired: usize,
}

/// Removes downloads past their 7 days with their files and lists (SCH-2). Safe to run twice or
/// twice at once: deleting what is gone is fine.
pub async fn expire_due(ctx: &Ctx, max: usize) -> Result<ExpiryReport> {
    let mut report = ExpiryReport::default();
    while report.expired < max {
        let page = ctx
            .table
            .query(
                &Query::partition(keys::DOWNLOAD_EXPIRY)
                    .sort(SortCondition::LessOrEqual(format!(
                        "{}~",
                        sortable(ctx.now())
                    )))
                    .limit(100),
            )
            .await?;
        if page.items.is_empty() {
            break;
        }
        for item in page.items {
            let (entry_key, due) = Pointer::read(item)?;
            remove(ctx, &due.centre_number, &due.id, entry_key).await?;
            report.expired += 1;
        }
    }
    Ok(report)
}

/// Deletes the file first: a failure leaves the lists in place for the next run.
async fn remove(ctx: &Ctx, centre: &str, id: &str, entry_key: crate::ports::Key) -> Result<()> {
    ctx.blobs.delete(&blob_key(id)).await?;
    let mut writes = Vec::new();
    if let Some(download) = load(ctx, centre, id).await? {
        writes.push(Write::delete(download.key()));
        writes.extend(download.queue_key().map(Write::delete));
        for item in chunks(ctx, centre, id).await? {
            if let Some(key) = crate::ports::Key::of(&item) {
                writes.push(Write::delete(key));
            }
        }
    }
    // Last, so that a failure before it leaves the entry for the next run.
    writes.push(Write::delete(entry_key));
    for chunk in writes.chunks(crate::ports::table::MAX_TRANSACTION_WRITES) {
        ctx.table.transact(chunk.to_vec()).await?;
    }
    Ok(())
}
