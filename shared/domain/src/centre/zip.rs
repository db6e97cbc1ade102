//! Building downloads' zips (`build-zip`, CEN-4). A run takes downloads from the build queue one
//! at a time: it *claims* one by a conditional write (queued → building, with a lease), renders
//! each document's PDF, appends it to a ZIP64 archive of stored (not deflated) entries and sends
//! the archive to the blob store part by part as it grows, so memory stays flat whatever the
//! number of documents. Progress (and the lease) is written every couple of seconds. At the end
//! the download turns *ready* — or *failed* with a reason the centre can act on (it may retry).
//!
//! Two runs at once never build one download twice: only one claim succeeds. A builder that
//! dies (a Lambda timeout) stops renewing its lease; the next run takes the download again, up
//! to three attempts. The archive's key is the download's, so a retry replaces, never adds, a
//! file: one download never has two archives.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::stream::{self, StreamExt};
use serde::Serialize;
use time::{Duration, OffsetDateTime};
use unicode_normalization::UnicodeNormalization;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, PreparedZipFile, ZipWriter};

use super::downloads::{self, Download, DownloadStatus, Entry, Pointer, store_if_unchanged};
use crate::ctx::Ctx;
use crate::documents::jobs::{self, Achievement, DocumentKind, DocumentRecord};
use crate::error::{Error, Result};
use crate::keys;
use crate::ports::{Condition, Printer, Query, Upload, Write};
use crate::records;

/// A builder that has not reported for this long is taken to have died.
pub const LEASE: Duration = Duration::minutes(2);
/// Builds a download gets before it is failed for good (until the centre retries it).
const MAX_ATTEMPTS: i64 = 3;
/// Progress is written at least this often…
const PROGRESS_EVERY: Duration = Duration::seconds(2);
/// …and after this many documents.
const PROGRESS_DOCUMENTS: usize = 250;
/// Achievements read and rendered at once (their PDFs wait in order to be appended).
const RENDERS_AT_ONCE: usize = 4;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BuildReport {
    pub built: usize,
    pub failed: usize,
    /// Documents written into zips.
    pub documents: usize,
}

/// Builds queued downloads until none is left or `budget` has passed (a run then leaves the rest
/// to the next; a download started is finished).
pub async fn build_due(ctx: &Ctx, printer: &dyn Printer, budget: Duration) -> Result<BuildReport> {
    let started = ctx.now();
    let mut report = BuildReport::default();
    while ctx.now() - started < budget {
        let Some(download) = claim_next(ctx, &mut report).await? else {
            break;
        };
        build(ctx, printer, download, &mut report).await?;
    }
    Ok(report)
}

/// Claims the oldest download that is queued, or whose builder's lease has lapsed.
async fn claim_next(ctx: &Ctx, report: &mut BuildReport) -> Result<Option<Download>> {
    let page = ctx
        .table
        .query(&Query::partition(keys::ZIP_QUEUE).limit(100))
        .await?;
    for item in page.items {
        let (entry_key, queued) = Pointer::read(item)?;
        let download = downloads::load(ctx, &queued.centre_number, &queued.id).await?;
        let now = ctx.now();
        let Some(download) = download.filter(|d| d.queue_key().as_ref() == Some(&entry_key)) else {
            // Left by a download that finished, or was removed: nothing to build.
            ctx.table.delete(entry_key, Condition::Always).await?;
            continue;
        };
        let lapsed = download.lease_until.is_some_and(|until| until <= now);
        match download.status {
            DownloadStatus::Queued => {}
            DownloadStatus::Building if lapsed && download.attempt >= MAX_ATTEMPTS => {
                let reason = format!(
                    "The zip could not be built in {MAX_ATTEMPTS} attempts. Retry it, or ask for fewer documents at once."
                );
                if settle(ctx, &download, Err(reason)).await? {
                    report.failed += 1;
                }
                continue;
            }
            DownloadStatus::Building if lapsed => {}
            _ => continue,
        }
        let claimed = Download {
            status: DownloadStatus::Building,
            attempt: download.attempt + 1,
            lease_until: Some(now + LEASE),
            done: 0,
            version: download.version + 1,
            ..download.clone()
        };
        // Unless another run claimed it first.
        if store_if_unchanged(ctx, &download, &claimed, Vec::new()).await? {
            return Ok(Some(claimed));
        }
    }
    Ok(None)
}

/// Why a build stopped.
enum Stop {
    /// Another run holds the download now (this one's lease lapsed): leave it alone.
    LostClaim,
    /// Failed: the reason for the centre, and the cause for the log.
    Failed { reason: String, cause: String },
    /// The table failed: the download cannot even be marked; its lease lapses and the next run
    /// takes it again.
    Store(Error),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Self::Store(e)
    }
}

fn failed(reason: &str, cause: impl std::fmt::Display) -> Stop {
    Stop::Failed {
        reason: reason.to_owned(),
        cause: cause.to_string(),
    }
}

const STORE_FAILED: &str = "The file store could not take the zip. Retry the download.";
const ZIP_FAILED: &str = "The zip could not be written. Retry the download.";
const RECORD_MISSING: &str = "A document's record is missing. Ask for the download again.";

async fn build(
    ctx: &Ctx,
    printer: &dyn Printer,
    mut download: Download,
    report: &mut BuildReport,
) -> Result<()> {
    let outcome = match ctx
        .blobs
        .start_upload(&download.blob_key(), "application/zip")
        .await
    {
        Err(e) => Err(failed(STORE_FAILED, e)),
        Ok(mut upload) => match fill(ctx, printer, &mut download, upload.as_mut()).await {
            Ok(()) => upload.finish().await.map_err(|e| failed(STORE_FAILED, e)),
            Err(stop) => {
                if let Err(e) = upload.abort().await {
                    tracing::warn!(download = %download.id, error = %e, "could not abort a zip's upload");
                }
                Err(stop)
            }
        },
    };
    match outcome {
        Ok(size) => {
            download.size_bytes = Some(size);
            if settle(ctx, &download, Ok(())).await? {
                report.built += 1;
                report.documents += download.total;
            }
        }
        Err(Stop::LostClaim) => {}
        Err(Stop::Store(e)) => return Err(e),
        Err(Stop::Failed { reason, cause }) => {
            tracing::warn!(download = %download.id, error = %cause, "a zip build failed");
            if settle(ctx, &download, Err(reason)).await? {
                report.failed += 1;
            }
        }
    }
    Ok(())
}

/// Marks the download ready or failed and takes it off the queue; false if it changed
/// meanwhile (another run has it).
async fn settle(
    ctx: &Ctx,
    download: &Download,
    outcome: std::result::Result<(), String>,
) -> Result<bool> {
    let now = ctx.now();
    let mut next = Download {
        lease_until: None,
        queued_at: None,
        version: download.version + 1,
        ..download.clone()
    };
    match outcome {
        Ok(()) => {
            next.status = DownloadStatus::Ready;
            next.done = download.total;
            next.ready_at = Some(now);
        }
        Err(reason) => {
            next.status = DownloadStatus::Failed;
            next.failure = Some(reason);
        }
    }
    let off_queue = download
        .queue_key()
        .map(Write::delete)
        .into_iter()
        .collect();
    store_if_unchanged(ctx, download, &next, off_queue).await
}

/// Renders every document into the archive and sends it up as it grows.
async fn fill(
    ctx: &Ctx,
    printer: &dyn Printer,
    download: &mut Download,
    upload: &mut dyn Upload,
) -> std::result::Result<(), Stop> {
    let entries = downloads::entries(ctx, download).await?;
    let centre_name = records::centre(ctx, &download.centre_number)
        .await?
        .map(|c| c.name);
    let spill = Spill::default();
    let mut zip = ZipWriter::new_stream(spill.clone());
    let mut last_report = (ctx.now(), 0);
    let mut rendered = stream::iter(entries)
        .map(|entry| render_entry(ctx, printer, entry, centre_name.as_deref()))
        .buffered(RENDERS_AT_ONCE);
    while let Some(files) = rendered.next().await {
        for file in files? {
            zip.add_prepared_file(file)
                .map_err(|e| failed(ZIP_FAILED, e))?;
            download.done += 1;
        }
        spill.send(upload).await?;
        let now = ctx.now();
        if now - last_report.0 >= PROGRESS_EVERY
            || download.done - last_report.1 >= PROGRESS_DOCUMENTS
        {
            progress(ctx, download).await?;
            last_report = (now, download.done);
        }
    }
    zip.finish().map_err(|e| failed(ZIP_FAILED, e))?;
    spill.send(upload).await
}

/// Writes how far the build is and renews the lease.
async fn progress(ctx: &Ctx, download: &mut Download) -> std::result::Result<(), Stop> {
    let next = Download {
        lease_until: Some(ctx.now() + LEASE),
        version: download.version + 1,
        ..download.clone()
    };
    if store_if_unchanged(ctx, download, &next, Vec::new()).await? {
        *download = next;
        Ok(())
    } else {
        Err(Stop::LostClaim)
    }
}

/// One achievement's documents as zip entries, in the order asked.
async fn render_entry(
    ctx: &Ctx,
    printer: &dyn Printer,
    entry: Entry,
    centre_name: Option<&str>,
) -> std::result::Result<Vec<PreparedZipFile>, Stop> {
    let achievement = super::achievement(
        ctx,
        &entry.enrolment_number,
        &entry.job_id,
        entry.achievement,
    )
    .await?
    .ok_or_else(|| {
        failed(
            RECORD_MISSING,
            format!("no achievement {}#{}", entry.job_id, entry.achievement),
        )
    })?;
    let folder = folder_name(&achievement);
    let mut files = Vec::with_capacity(entry.references.len());
    for reference in &entry.references {
        let document = match achievement
            .documents
            .iter()
            .find(|d| d.reference == *reference)
        {
            Some(listed) => {
                let mut document = DocumentRecord::new(
                    reference.clone(),
                    listed.kind,
                    &achievement.enrolment_number,
                    &achievement.job_id,
                    entry.achievement,
                );
                document.status = listed.status;
                document
            }
            // Reissued since it was asked for: the achievement lists its successor; the
            // document itself is printed as what it now is (superseded).
            None => jobs::document(ctx, reference)
                .await?
                .map(|(record, _)| record)
                .ok_or_else(|| failed(RECORD_MISSING, format!("no document {reference}")))?,
        };
        let kind = document.kind;
        let pdf = printer
            .centre_copy(ctx, &document, &achievement, centre_name)
            .await
            .map_err(|e| {
                failed(
                    &format!("Document {reference} could not be drawn. Retry the download."),
                    e,
                )
            })?;
        let name = format!("{folder}/{}_{reference}.pdf", kind_name(kind));
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Stored)
            .large_file(true)
            .last_modified_time(zip_time(achievement.issued_at));
        files.push(
            PreparedZipFile::from_data(&name, options, &pdf).map_err(|e| failed(ZIP_FAILED, e))?,
        );
    }
    Ok(files)
}

fn kind_name(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Certificate => "Certificate",
        DocumentKind::UnitCertificate => "Unit-certificate",
        DocumentKind::Letter => "Letter",
        DocumentKind::Badge => "Badge",
    }
}

/// `Last_First_ENROLMENT`: who the documents are, in characters every unzip tool keeps.
pub fn folder_name(a: &Achievement) -> String {
    format!(
        "{}_{}_{}",
        file_part(&a.last_name),
        file_part(&a.first_name),
        file_part(&a.enrolment_number)
    )
}

/// ASCII letters, digits and `-`: accents dropped, anything else a `-`, at most 40 characters.
fn file_part(raw: &str) -> String {
    let mut out = String::new();
    for c in raw.nfkd() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !unicode_normalization::char::is_combining_mark(c) && !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed: String = out.trim_matches('-').chars().take(40).collect();
    if trimmed.is_empty() {
        "-".to_owned()
    } else {
        trimmed
    }
}

fn zip_time(at: OffsetDateTime) -> zip::DateTime {
    let at = at.to_offset(time::UtcOffset::UTC);
    zip::DateTime::from_date_and_time(
        u16::try_from(at.year()).unwrap_or(1980),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
    )
    .unwrap_or_default()
}

/// Where the archive's bytes wait between appending an entry and sending them up.
#[derive(Clone, Default)]
struct Spill(Arc<Mutex<Vec<u8>>>);

impl Spill {
    /// Sends up what has spilled since the last time.
    async fn send(&self, upload: &mut dyn Upload) -> std::result::Result<(), Stop> {
        let bytes = {
            let mut buffer = self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Bytes::from(std::mem::take(&mut *buffer))
        };
        if bytes.is_empty() {
            return Ok(());
        }
        upload
            .write(bytes)
            .await
            .map_err(|e| failed(STORE_FAILED, e))
    }
}

impl std::io::Write for Spill {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_only_safe_characters() {
        assert_eq!(file_part("José María"), "Jose-Maria");
        assert_eq!(file_part("O'Brien"), "O-Brien");
        assert_eq!(file_part("ENR/2026/01"), "ENR-2026-01");
        assert_eq!(file_part("../.."), "-");
        assert_eq!(file_part("李"), "-");
        assert_eq!(file_part(&"a".repeat(80)).len(), 40);
    }
}
