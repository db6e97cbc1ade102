//! Building the centre's zips (CEN-4): a zip of more than one multipart part written to S3
//! (moto) through the AWS adapter and fetched by its presigned URL; progress; a failing store
//! and a retry; two builders at once; a builder that died and whose lease lapsed.
//!
//! The S3 test needs the moto emulator at `PORTAL_TEST_AWS_ENDPOINT` (as `conformance_aws`);
//! `infra/test` starts it for the whole suite.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use portal_domain::accounts::sessions::Principal;
use portal_domain::centre::downloads::{self, DownloadStatus, blob_key};
use portal_domain::centre::zip::{LEASE, build_due};
use portal_domain::documents::jobs::{Achievement, DocumentRecord};
use portal_domain::ports::{BlobError, Blobs, Printer, Upload};
use portal_domain::{Ctx, Error};
use portal_tests::centre::{
    build, certificates_queued, download, issue_here, queue, ready_zip, reference_in, unzip,
};
use portal_tests::connections::{again, centre_session, expect, principal};
use portal_tests::jobs;
use portal_tests::moto;
use reqwest::{Method, StatusCode};
use serde_json::json;
use time::Duration;

const BUDGET: Duration = Duration::minutes(5);
/// The S3 adapter's multipart part size (8 MiB).
const PART_SIZE: u64 = 8 * 1024 * 1024;

#[tokio::test]
async fn a_zip_of_many_parts_goes_to_s3_and_comes_back_by_its_presigned_url() {
    // The portal's embedded table holds the records; the zip goes to a bucket in moto through
    // the S3 adapter (the context the builder gets is the portal's with S3 as its blob store).
    let portal = jobs::portal().await;
    let references = issue_here(
        &portal,
        "J-S3-1",
        "ENR-",
        200,
        &["certificate", "unit_certificate"],
    )
    .await;
    assert_eq!(references.len(), 400);
    let alan = centre_session(&portal).await;
    let id = queue(
        &portal,
        &alan,
        json!({ "job_id": "J-S3-1", "purpose": "The regulator's audit" }),
    )
    .await;
    let fixture = moto::blobs().await;
    let ctx = Ctx {
        blobs: Arc::clone(&fixture.blobs),
        ..portal.running.ctx.clone()
    };
    let report = build_due(&ctx, &functions::printing::PdfPrinter, BUDGET)
        .await
        .expect("the build runs");
    assert_eq!(report.built, 1, "{report:?}");
    assert_eq!(report.documents, 400);

    let alan = principal(&portal, &alan).await;
    let ready = downloads::get(&ctx, &alan, &id)
        .await
        .expect("the download");
    assert_eq!(ready.status, DownloadStatus::Ready);
    assert_eq!(ready.done, 400);
    let size = ready.size_bytes.expect("a size");
    assert!(
        size > PART_SIZE,
        "{size} bytes: more than one part of {PART_SIZE}"
    );
    let url = ready.url.expect("a presigned URL");
    // Nothing was written to the portal's own store.
    assert!(
        portal
            .running
            .ctx
            .blobs
            .get(&blob_key(&id))
            .await
            .unwrap()
            .is_none()
    );

    let (status, bytes) = fixture.urls.fetch(&url).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(bytes.len() as u64, size);
    let entries = unzip(&bytes);
    assert_eq!(entries.len(), references.len());
    let mut seen = Vec::new();
    for (name, pdf) in &entries {
        assert!(pdf.starts_with(b"%PDF-"), "{name} is a PDF");
        let reference = reference_in(name).to_owned();
        assert!(references.contains(&reference), "{name}");
        assert!(
            name.starts_with("Example_Learner")
                && (name.contains("/Certificate_") || name.contains("/Unit-certificate_")),
            "{name}"
        );
        seen.push(reference);
    }
    // Every PDF is one lopdf reads; a sample is checked to hold its own reference (reading
    // the text of all 400 would take long).
    for (n, (name, pdf)) in entries.iter().enumerate() {
        let doc = lopdf::Document::load_mem(pdf)
            .unwrap_or_else(|e| panic!("{name} is a readable PDF: {e}"));
        if n % 37 == 0 {
            let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
            let text = doc
                .extract_text(&pages)
                .unwrap_or_else(|_| String::from_utf8_lossy(pdf).into_owned());
            assert!(text.contains(reference_in(name)), "{name}");
        }
    }
    seen.sort();
    let mut expected = references.clone();
    expected.sort();
    assert_eq!(seen, expected, "each document once");

    // The presigned URL, changed, is refused as S3 would refuse it.
    let other_key = url.replace(&id, "00000000-0000-4000-8000-000000000000");
    assert_eq!(fixture.urls.fetch(&other_key).await.0, 403);
    let signature = url.find("X-Amz-Signature=").expect("a signature") + "X-Amz-Signature=".len();
    let mut forged = url.clone();
    let flipped = if &url[signature..=signature] == "0" {
        "1"
    } else {
        "0"
    };
    forged.replace_range(signature..=signature, flipped);
    assert_eq!(fixture.urls.fetch(&forged).await.0, 403);
    let longer = url.replace("X-Amz-Expires=900", "X-Amz-Expires=901");
    assert_ne!(longer, url, "the URL lasts 15 minutes: {url}");
    assert_eq!(fixture.urls.fetch(&longer).await.0, 403);
}

/// A printer that draws a small stand-in PDF, and notes the download's progress as stored
/// each time it is asked (the builder writes progress while it draws).
struct Watching {
    principal: Principal,
    id: String,
    seen: Mutex<Vec<usize>>,
}

#[async_trait]
impl Printer for Watching {
    async fn print_pack(
        &self,
        _ctx: &Ctx,
        _orders: &[portal_domain::store::print_pack::PackedOrder],
    ) -> portal_domain::Result<Vec<u8>> {
        Err(portal_domain::Error::Internal("zips only".into()))
    }

    async fn centre_copy(
        &self,
        ctx: &Ctx,
        document: &DocumentRecord,
        _achievement: &Achievement,
        _centre_name: Option<&str>,
    ) -> portal_domain::error::Result<Vec<u8>> {
        let stored = downloads::get(ctx, &self.principal, &self.id).await?;
        assert_eq!(stored.status, DownloadStatus::Building);
        self.seen.lock().unwrap().push(stored.done);
        Ok(format!("%PDF-1.4 stand-in for {}", document.reference.as_str()).into_bytes())
    }
}

#[tokio::test]
async fn a_build_writes_its_progress_as_it_goes() {
    let portal = jobs::portal().await;
    issue_here(
        &portal,
        "J-BIG-1",
        "ENR-",
        300,
        &["certificate", "unit_certificate"],
    )
    .await;
    let alan = centre_session(&portal).await;
    let id = queue(
        &portal,
        &alan,
        json!({ "job_id": "J-BIG-1", "purpose": "Audit" }),
    )
    .await;
    let queued = expect(
        download(&portal, &alan, &id).await,
        StatusCode::OK,
        "queued",
    );
    assert_eq!(queued.body["total"], 600);
    assert_eq!(queued.body["done"], 0);

    let printer = Watching {
        principal: principal(&portal, &alan).await,
        id: id.clone(),
        seen: Mutex::new(Vec::new()),
    };
    let report = build_due(&portal.running.ctx, &printer, BUDGET)
        .await
        .unwrap();
    assert_eq!(report.built, 1);
    let seen = printer.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 600);
    // Four achievements are drawn at once, so their reads of the progress may finish out of
    // order: what is checked is that progress was stored while drawing, not the order of reads.
    let stages: std::collections::BTreeSet<usize> = seen.iter().copied().collect();
    assert!(
        stages.len() >= 2 && seen[seen.len() - 1] > 0 && seen[seen.len() - 1] < 600,
        "progress is written while building: {stages:?}"
    );
    let (ready, entries) = ready_zip(&portal, &alan, &id).await;
    assert_eq!(ready["done"], 600);
    assert_eq!(ready["total"], 600);
    assert_eq!(entries.len(), 600);
}

/// The portal's blob store, except that uploads fail while `failing` is set.
struct FailingUploads {
    inner: Arc<dyn Blobs>,
    failing: AtomicBool,
}

struct FailingUpload;

#[async_trait]
impl Upload for FailingUpload {
    async fn write(&mut self, _chunk: Bytes) -> Result<(), BlobError> {
        Err(BlobError::Unavailable("the store is down (test)".into()))
    }
    async fn finish(self: Box<Self>) -> Result<u64, BlobError> {
        Err(BlobError::Unavailable("the store is down (test)".into()))
    }
    async fn abort(self: Box<Self>) -> Result<(), BlobError> {
        Ok(())
    }
}

#[async_trait]
impl Blobs for FailingUploads {
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> Result<(), BlobError> {
        self.inner.put(key, bytes, content_type).await
    }
    async fn start_upload(
        &self,
        key: &str,
        content_type: &str,
    ) -> Result<Box<dyn Upload>, BlobError> {
        if self.failing.load(Ordering::SeqCst) {
            Ok(Box::new(FailingUpload))
        } else {
            self.inner.start_upload(key, content_type).await
        }
    }
    async fn get(&self, key: &str) -> Result<Option<portal_domain::ports::Blob>, BlobError> {
        self.inner.get(key).await
    }
    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        self.inner.delete(key).await
    }
    async fn signed_url(
        &self,
        key: &str,
        expires_in: std::time::Duration,
        download_name: Option<&str>,
    ) -> Result<String, BlobError> {
        self.inner.signed_url(key, expires_in, download_name).await
    }
}

#[tokio::test]
async fn a_build_the_store_refuses_fails_with_a_reason_and_a_retry_builds_it() {
    let portal = jobs::portal().await;
    let (alan, id) = certificates_queued(&portal, "J-FAIL-1", 3).await;
    let blobs = Arc::new(FailingUploads {
        inner: Arc::clone(&portal.running.ctx.blobs),
        failing: AtomicBool::new(true),
    });
    let ctx = Ctx {
        blobs: blobs.clone(),
        ..portal.running.ctx.clone()
    };
    let report = build_due(&ctx, &functions::printing::PdfPrinter, BUDGET)
        .await
        .unwrap();
    assert_eq!((report.built, report.failed), (0, 1), "{report:?}");
    let failed = expect(
        download(&portal, &alan, &id).await,
        StatusCode::OK,
        "failed",
    );
    assert_eq!(failed.body["status"], "failed");
    let reason = failed.body["failure"].as_str().expect("a reason");
    assert!(reason.contains("Retry"), "{reason}");
    assert!(failed.body.get("url").is_none(), "{:?}", failed.body);
    // Failed is settled: the builder leaves it.
    assert_eq!(build(&portal).await["built"], 0);

    let retried = expect(
        portal
            .call(
                &alan,
                Method::POST,
                &format!("/api/centre/downloads/{id}/retry"),
                Some(json!({})),
            )
            .await,
        StatusCode::ACCEPTED,
        "retry",
    );
    assert_eq!(retried.body["status"], "queued");
    assert_eq!(retried.body["failure"], serde_json::Value::Null);
    blobs.failing.store(false, Ordering::SeqCst);
    let report = build_due(&ctx, &functions::printing::PdfPrinter, BUDGET)
        .await
        .unwrap();
    assert_eq!(report.built, 1, "{report:?}");
    assert_eq!(ready_zip(&portal, &alan, &id).await.1.len(), 3);
}

/// The files under the portal's `downloads/` blobs (`objects/` of its blob folder, each blob a
/// `{key}@blob` file), and any
/// upload left unfinished (`uploads/`).
fn archives(portal: &portal_tests::portal::TestPortal) -> Vec<String> {
    let blobs = portal.dir.path().join("blobs");
    let unfinished = files(&blobs.join("uploads"));
    assert!(unfinished.is_empty(), "uploads left behind: {unfinished:?}");
    files(&blobs.join("objects").join("downloads"))
}

fn files(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[tokio::test]
async fn two_builders_at_once_build_a_download_once() {
    let portal = jobs::portal().await;
    let (alan, id) = certificates_queued(&portal, "J-TWO-1", 12).await;
    let ctx = &portal.running.ctx;
    let printer = functions::printing::PdfPrinter;
    let (a, b) = tokio::join!(
        build_due(ctx, &printer, BUDGET),
        build_due(ctx, &printer, BUDGET)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.built + b.built, 1, "{a:?} {b:?}");
    assert_eq!(a.documents + b.documents, 12, "{a:?} {b:?}");
    assert_eq!(a.failed + b.failed, 0);
    assert_eq!(archives(&portal), [format!("{id}.zip@blob")]);
    assert_eq!(ready_zip(&portal, &alan, &id).await.1.len(), 12);
    assert_eq!(build(&portal).await["built"], 0, "nothing left to build");
}

/// A printer that never finishes drawing: it says when it has been asked, then waits for ever
/// (the builder is then stopped from outside, as a Lambda that times out is).
struct Stuck {
    asked: Arc<tokio::sync::Notify>,
    calls: AtomicUsize,
}

#[async_trait]
impl Printer for Stuck {
    async fn print_pack(
        &self,
        _ctx: &Ctx,
        _orders: &[portal_domain::store::print_pack::PackedOrder],
    ) -> portal_domain::Result<Vec<u8>> {
        Err(portal_domain::Error::Internal("zips only".into()))
    }

    async fn centre_copy(
        &self,
        _ctx: &Ctx,
        _document: &DocumentRecord,
        _achievement: &Achievement,
        _centre_name: Option<&str>,
    ) -> portal_domain::error::Result<Vec<u8>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.asked.notify_one();
        std::future::pending::<()>().await;
        Err(Error::Internal("unreachable".into()))
    }
}

#[tokio::test]
async fn a_build_whose_builder_died_is_taken_over_once_its_lease_lapses() {
    let portal = jobs::portal().await;
    let (alan, id) = certificates_queued(&portal, "J-DIED-1", 3).await;

    // A builder claims the download and gets stuck drawing; then it dies (its task is
    // aborted mid-build, as a Lambda is stopped at its timeout): no progress, no settling.
    let asked = Arc::new(tokio::sync::Notify::new());
    let stuck = Arc::new(Stuck {
        asked: Arc::clone(&asked),
        calls: AtomicUsize::new(0),
    });
    let ctx = portal.running.ctx.clone();
    let builder = {
        let stuck = Arc::clone(&stuck);
        tokio::spawn(async move { build_due(&ctx, stuck.as_ref(), BUDGET).await })
    };
    tokio::time::timeout(std::time::Duration::from_secs(30), asked.notified())
        .await
        .expect("the builder starts drawing");
    let building = expect(
        download(&portal, &alan, &id).await,
        StatusCode::OK,
        "building",
    );
    assert_eq!(building.body["status"], "building");
    builder.abort();
    assert!(builder.await.unwrap_err().is_cancelled());

    // While its lease holds, nobody else takes it.
    portal.advance(LEASE - Duration::seconds(1));
    let report = build(&portal).await;
    assert_eq!(report["built"], 0, "{report}");
    let alan = again(&portal, &alan).await;
    assert_eq!(
        download(&portal, &alan, &id).await.body["status"],
        "building"
    );

    // Once it lapses, the next run takes the download over and finishes it.
    portal.advance(Duration::seconds(2));
    let report = build(&portal).await;
    assert_eq!(report["built"], 1, "{report}");
    let alan = again(&portal, &alan).await;
    let (ready, entries) = ready_zip(&portal, &alan, &id).await;
    assert_eq!(ready["done"], 3);
    assert_eq!(entries.len(), 3);
    assert_eq!(archives(&portal), [format!("{id}.zip@blob")]);
    assert!(stuck.calls.load(Ordering::SeqCst) >= 1);
}

/// Starts a builder that claims a download, gets stuck drawing and is stopped from outside.
async fn a_builder_dies(portal: &portal_tests::portal::TestPortal) {
    let asked = Arc::new(tokio::sync::Notify::new());
    let stuck = Arc::new(Stuck {
        asked: Arc::clone(&asked),
        calls: AtomicUsize::new(0),
    });
    let ctx = portal.running.ctx.clone();
    let builder = tokio::spawn(async move { build_due(&ctx, stuck.as_ref(), BUDGET).await });
    tokio::time::timeout(std::time::Duration::from_secs(30), asked.notified())
        .await
        .expect("the builder starts drawing");
    builder.abort();
    assert!(builder.await.unwrap_err().is_cancelled());
}

#[tokio::test]
async fn a_build_that_dies_three_times_fails_and_a_retry_gets_three_attempts_again() {
    let portal = jobs::portal().await;
    let (alan, id) = certificates_queued(&portal, "J-DIED-2", 2).await;
    for _ in 0..3 {
        a_builder_dies(&portal).await;
        portal.advance(LEASE + Duration::seconds(1));
    }
    // The fourth run gives up on it: failed, with a reason.
    let report = build(&portal).await;
    assert_eq!(
        (report["built"].as_u64(), report["failed"].as_u64()),
        (Some(0), Some(1)),
        "{report}"
    );
    let alan = again(&portal, &alan).await;
    let failed = expect(
        download(&portal, &alan, &id).await,
        StatusCode::OK,
        "failed",
    );
    assert_eq!(failed.body["status"], "failed");
    let reason = failed.body["failure"].as_str().expect("a reason");
    assert!(reason.contains("3 attempts"), "{reason}");

    // The centre retries it: the download is queued again with its attempts anew, so a builder
    // dying once more is taken over like the first time, not failed at once.
    let retried = portal
        .call(
            &alan,
            Method::POST,
            &format!("/api/centre/downloads/{id}/retry"),
            Some(json!({})),
        )
        .await;
    assert_eq!(retried.status, StatusCode::ACCEPTED, "{:?}", retried.body);
    a_builder_dies(&portal).await;
    portal.advance(LEASE + Duration::seconds(1));
    let report = build(&portal).await;
    let alan = again(&portal, &alan).await;
    let after = download(&portal, &alan, &id).await;
    assert_eq!(
        after.body["status"], "ready",
        "a retried download whose builder died once: {report} {:?}",
        after.body
    );
    assert_eq!(report["built"], 1, "{report}");
}

/// A printer that, at its first drawing, says so and waits to be let go; then draws stand-ins.
struct Paused {
    asked: Arc<tokio::sync::Notify>,
    go: Arc<tokio::sync::Notify>,
    first: AtomicBool,
}

#[async_trait]
impl Printer for Paused {
    async fn print_pack(
        &self,
        _ctx: &Ctx,
        _orders: &[portal_domain::store::print_pack::PackedOrder],
    ) -> portal_domain::Result<Vec<u8>> {
        Err(portal_domain::Error::Internal("zips only".into()))
    }

    async fn centre_copy(
        &self,
        _ctx: &Ctx,
        document: &DocumentRecord,
        _achievement: &Achievement,
        _centre_name: Option<&str>,
    ) -> portal_domain::error::Result<Vec<u8>> {
        if self.first.swap(false, Ordering::SeqCst) {
            self.asked.notify_one();
            self.go.notified().await;
        }
        Ok(format!("%PDF-1.4 stand-in for {}", document.reference.as_str()).into_bytes())
    }
}

#[tokio::test]
async fn a_download_that_expires_while_it_is_built_leaves_no_zip_behind() {
    let portal = jobs::portal().await;
    let (alan, id) = certificates_queued(&portal, "J-LATE-1", 2).await;
    let (asked, go) = (
        Arc::new(tokio::sync::Notify::new()),
        Arc::new(tokio::sync::Notify::new()),
    );
    let printer = Arc::new(Paused {
        asked: Arc::clone(&asked),
        go: Arc::clone(&go),
        first: AtomicBool::new(true),
    });
    let ctx = portal.running.ctx.clone();
    let builder = {
        let printer = Arc::clone(&printer);
        tokio::spawn(async move { build_due(&ctx, printer.as_ref(), BUDGET).await })
    };
    tokio::time::timeout(std::time::Duration::from_secs(30), asked.notified())
        .await
        .expect("the builder starts drawing");
    // Seven days pass while it draws (a slow builder on a download asked for long ago): the
    // download expires and is removed.
    portal.advance(Duration::days(7));
    let expired = portal
        .running
        .run_scheduled("expire-downloads")
        .await
        .unwrap();
    assert_eq!(expired["expired"], 1, "{expired}");
    go.notify_one();
    let report = builder.await.unwrap().unwrap();
    assert_eq!(report.built, 0, "{report:?}");
    // Nothing is left of it: not the download, not its zip (no later run would delete it).
    let alan = again(&portal, &alan).await;
    assert_eq!(
        download(&portal, &alan, &id).await.status,
        StatusCode::NOT_FOUND
    );
    portal
        .running
        .run_scheduled("expire-downloads")
        .await
        .unwrap();
    assert!(
        portal
            .running
            .ctx
            .blobs
            .get(&blob_key(&id))
            .await
            .unwrap()
            .is_none(),
        "the zip of a removed download is left in the store: {:?}",
        archives(&portal)
    );
}
