//! Centres' zips (CEN-4): how fast `build-zip` turns N issued documents into one zip, and how
//! much memory the builder needs doing it; then the zip step alone beside `zip -0`.
//!
//! `cargo bench -p portal-tests --bench zips` — prints, asserts nothing about speed (it panics
//! only if a build does not put every document in its zip, so a failure cannot pass for a fast
//! run).
//!
//! 1. For each N (1,000 and 5,000 documents: N/2 learners, a certificate and a letter each, one
//!    job), `centre::zip::build_due` with the portal's PDF printer, against the embedded store
//!    (`EmbeddedTable` + `FolderBlobs`) and, when [`ENDPOINT_VAR`] names a moto server, against
//!    moto's S3 (`S3Blobs`; the table stays embedded, so the row measures the blob store). Each
//!    build runs in a child process (this binary run again with [`CHILD_VAR`] set) so that its
//!    peak resident memory is the builder's own: the child sets up the data, resets the peak
//!    (`5` to `/proc/self/clear_refs`), builds, and reports `VmHWM` before and after as a JSON
//!    line.
//! 2. The PDFs of the largest build, taken out of its zip onto disk, zipped again by the
//!    builder's zip step alone (`ZipWriter::new_stream` over a buffered file, stored, ZIP64
//!    entries prepared from memory as `zip.rs` does) and by `zip -0 -q`.
//!
//! `ZIPS_BENCH_SIZES` (comma-separated, default `1000,5000`; at most 5,000, a job's limit) and
//! `ZIPS_BENCH_DIR` (where the stores and files go, default the temporary directory; the figures
//! in the README were taken on tmpfs, `/dev/shm`) change the run.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufWriter, Cursor, Read, Write as _};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use functions::printing::PdfPrinter;
use portal_adapters::embedded::{EmbeddedTable, FolderBlobs, OutboxMailer};
use portal_domain::accounts::model::Account;
use portal_domain::accounts::sessions::{Principal, Session};
use portal_domain::centre::{downloads, zip as centre_zip};
use portal_domain::documents::jobs::{self, AchievementInput, DocumentInput, JobInput};
use portal_domain::ports::{Blobs, Key, SystemClock, SystemRandom, Write};
use portal_domain::records::{
    self, CentreRecordInput, CentresImport, LearnerRecordInput, LearnersImport,
};
use portal_domain::{Ctx, Settings};
use portal_tests::moto::ENDPOINT_VAR;
use serde_json::{Value, json};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, PreparedZipFile, ZipWriter};

/// Set in a child: `embedded:N` or `s3:N`, the build it runs.
const CHILD_VAR: &str = "ZIPS_BENCH_CHILD";
/// Set in a child: where to copy the zip it built (after measuring).
const KEEP_VAR: &str = "ZIPS_BENCH_KEEP";
/// The line a child reports on.
const RESULT: &str = "ZIPS_BENCH_RESULT ";
const CENTRE: &str = "C-7001";
const JOB: &str = "J-BENCH-ZIPS";
/// Timings of the zip step alone and of `zip -0` (the median is printed).
const ZIP_ROUNDS: usize = 3;

fn main() {
    match std::env::var(CHILD_VAR) {
        Ok(spec) => child(&spec),
        Err(_) => parent(),
    }
}

fn work_dir() -> PathBuf {
    std::env::var_os("ZIPS_BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from)
}

fn mib(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

// ---- the child: one build, measured ----

/// `VmHWM` and `VmRSS` of this process, in kB.
fn memory() -> (u64, u64) {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn child(spec: &str) {
    let (store, n) = spec
        .split_once(':')
        .and_then(|(store, n)| Some((store.to_owned(), n.parse::<usize>().ok()?)))
        .unwrap_or_else(|| panic!("{CHILD_VAR}={spec:?} is not store:N"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let report = runtime.block_on(build_in_child(&store, n));
    println!("{RESULT}{report}");
}

async fn context(store: &str, dir: &Path) -> Ctx {
    let blobs: Arc<dyn Blobs> = match store {
        "embedded" => Arc::new(FolderBlobs::new(
            dir.join("blobs"),
            "http://127.0.0.1:3000/".into(),
            [7; 32],
            Arc::new(SystemClock),
        )),
        "s3" => Arc::new(portal_tests::moto::s3_blobs().await),
        other => panic!("no store {other:?}: embedded or s3"),
    };
    Ctx {
        table: Arc::new(EmbeddedTable::open(&dir.join("table.redb")).expect("the table opens")),
        blobs,
        mailer: Arc::new(OutboxMailer::new(dir.join("outbox"))),
        clock: Arc::new(SystemClock),
        random: Arc::new(SystemRandom),
        payments: Arc::new(portal_adapters::NoPayments(
            "the zip benchmark takes no payments",
        )),
        settings: Arc::new(Settings::local("http://127.0.0.1:3000")),
        config: Default::default(),
        client: None,
    }
}

/// An active user of the centre, stored as registration would leave it, and a session of its.
async fn centre_user(ctx: &Ctx) -> Principal {
    let now = time::OffsetDateTime::now_utc();
    let at = now
        .format(&time::format_description::well_known::Rfc3339)
        .expect("a time");
    let account: Account = serde_json::from_value(json!({
        "id": "bench-centre-user", "kind": "centre", "status": "active",
        "email": "alan@northgate.test", "password_hash": "", "first_name": "Alan",
        "last_name": "Turing", "centre_number": CENTRE, "centre_name": "Northgate College",
        "linked_record": CENTRE, "created_at": at, "verified_at": at, "version": 1
    }))
    .expect("an account");
    ctx.table
        .transact(vec![Write::put(account.to_item().expect("its item"))])
        .await
        .expect("the account is stored");
    let session: Session = serde_json::from_value(json!({
        "user_id": account.id, "kind": "centre", "generation": 0, "csrf_token": "bench",
        "created_at": at, "last_seen_at": at
    }))
    .expect("a session");
    Principal {
        account,
        session_key: Key::new("SESSION#bench", "SESSION"),
        session,
    }
}

/// The centre, N/2 learners and one job of a certificate and a letter each; then the centre
/// asks for the job's zip. Answers the principal and the download's id.
async fn set_up(ctx: &Ctx, n: usize) -> (Principal, String) {
    records::import_centres(
        ctx,
        &CentresImport {
            centres: Some(vec![CentreRecordInput {
                centre_number: Some(CENTRE.into()),
                name: Some("Northgate College".into()),
                email: Some("exams@northgate.test".into()),
            }]),
        },
    )
    .await
    .expect("the centre is imported");
    let learners = n.div_ceil(2);
    let enrolment = |i: usize| format!("ENR-{:05}", 10_000 + i);
    let all: Vec<LearnerRecordInput> = (0..learners)
        .map(|i| LearnerRecordInput {
            enrolment_number: Some(enrolment(i)),
            first_name: Some("Grace".into()),
            last_name: Some(format!("Hopper{i}")),
            date_of_birth: Some("1990-12-09".into()),
            email: None,
        })
        .collect();
    for batch in all.chunks(records::MAX_BATCH) {
        records::import_learners(
            ctx,
            &LearnersImport {
                learners: Some(batch.to_vec()),
            },
        )
        .await
        .expect("the learners are imported");
    }
    let kinds = ["certificate", "letter"];
    let achievements = (0..learners)
        .map(|i| AchievementInput {
            enrolment_number: Some(enrolment(i)),
            qualification_title: Some("Level 3 Award in Electric Vehicle Repair".into()),
            qualification_code: Some("603/4182/8".into()),
            course: None,
            award_date: Some("2026-11-01".into()),
            expires_on: None,
            units: None,
            documents: Some(
                kinds
                    .iter()
                    .take(if 2 * i + 1 < n { 2 } else { 1 })
                    .map(|kind| DocumentInput {
                        kind: Some((*kind).into()),
                    })
                    .collect(),
            ),
        })
        .collect();
    let issued = jobs::issue(
        ctx,
        &JobInput {
            job_id: Some(JOB.into()),
            centre_number: Some(CENTRE.into()),
            learners: None,
            achievements: Some(achievements),
        },
    )
    .await
    .expect("the job is issued");
    assert_eq!(issued.documents.len(), n, "documents issued");
    let principal = centre_user(ctx).await;
    let download = downloads::request(
        ctx,
        &principal,
        &downloads::DownloadInput {
            references: None,
            job_id: Some(JOB.into()),
            purpose: Some("Benchmark".into()),
        },
        None,
    )
    .await
    .expect("the download is requested");
    assert_eq!(download.total, n, "documents in the download");
    (principal, download.id)
}

async fn build_in_child(store: &str, n: usize) -> Value {
    let dir = tempfile::tempdir_in(work_dir()).expect("a temporary directory");
    let ctx = context(store, dir.path()).await;
    let started = Instant::now();
    let (principal, id) = set_up(&ctx, n).await;
    let setup_s = started.elapsed().as_secs_f64();
    // The renderer's fonts and the logo are loaded on first use: part of the build, as in a
    // fresh Lambda.
    let (hwm_after_setup, rss_before) = memory();
    let cleared = fs::write("/proc/self/clear_refs", "5").is_ok();
    let (hwm_reset, _) = memory();
    let started = Instant::now();
    let report = centre_zip::build_due(&ctx, &PdfPrinter, time::Duration::hours(1))
        .await
        .expect("the build runs");
    let build_s = started.elapsed().as_secs_f64();
    let (hwm_after_build, rss_after) = memory();
    assert_eq!(
        (report.built, report.failed, report.documents),
        (1, 0, n),
        "the build"
    );
    let view = downloads::get(&ctx, &principal, &id)
        .await
        .expect("the download");
    if let Some(keep) = std::env::var_os(KEEP_VAR) {
        let blob = ctx
            .blobs
            .get(&downloads::blob_key(&id))
            .await
            .expect("the zip is read")
            .expect("the zip is there");
        fs::write(keep, &blob.bytes).expect("the zip is kept");
    }
    json!({
        "store": store, "documents": n, "setup_s": setup_s, "build_s": build_s,
        "zip_bytes": view.size_bytes, "clear_refs": cleared,
        "hwm_after_setup_kb": hwm_after_setup, "rss_before_kb": rss_before,
        "hwm_reset_kb": hwm_reset, "hwm_after_build_kb": hwm_after_build,
        "rss_after_kb": rss_after,
    })
}

// ---- the parent ----

struct Built {
    store: &'static str,
    n: usize,
    build_s: f64,
    zip_mb: f64,
    rss_before_mib: f64,
    /// Peak since the reset (or since the start, when the reset did not work).
    peak_mib: f64,
    cleared: bool,
}

fn run_child(store: &'static str, n: usize, keep: Option<&Path>) -> Built {
    let exe = std::env::current_exe().expect("this binary");
    let mut command = Command::new(exe);
    command.env(CHILD_VAR, format!("{store}:{n}"));
    if let Some(keep) = keep {
        command.env(KEEP_VAR, keep);
    }
    let output = command.output().expect("the child runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().find_map(|l| l.strip_prefix(RESULT));
    let Some(line) = line.filter(|_| output.status.success()) else {
        panic!(
            "the {store} build of {n} failed ({}):\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let r: Value = serde_json::from_str(line).expect("the child's JSON");
    let kb = |field: &str| r[field].as_u64().unwrap_or(0);
    let cleared = r["clear_refs"].as_bool().unwrap_or(false);
    let built = Built {
        store,
        n,
        build_s: r["build_s"].as_f64().unwrap_or(f64::NAN),
        zip_mb: r["zip_bytes"].as_u64().unwrap_or(0) as f64 / 1e6,
        rss_before_mib: mib(kb("rss_before_kb")),
        peak_mib: mib(kb("hwm_after_build_kb")),
        cleared,
    };
    println!(
        "{store:<9} {n:>5} docs: setup {:>6.1} s, build {:>6.2} s = {:>6.0} docs/s, zip {:>6.1} MB; \
         VmHWM after setup {:>6.1} MiB, VmRSS before build {:>6.1} MiB, VmHWM after reset {:>6.1} MiB \
         (clear_refs {}), VmHWM after build {:>6.1} MiB, VmRSS after {:>6.1} MiB",
        r["setup_s"].as_f64().unwrap_or(f64::NAN),
        built.build_s,
        n as f64 / built.build_s,
        built.zip_mb,
        mib(kb("hwm_after_setup_kb")),
        built.rss_before_mib,
        mib(kb("hwm_reset_kb")),
        if cleared { "worked" } else { "refused" },
        built.peak_mib,
        mib(kb("rss_after_kb")),
    );
    built
}

/// The zip's entries, in order, written under `dir`; their names.
fn unpack(zip_path: &Path, dir: &Path) -> Vec<String> {
    let bytes = fs::read(zip_path).expect("the kept zip");
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    let mut names = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("an entry");
        let name = entry.name().expect("a name").into_owned();
        let mut data = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
        entry.read_to_end(&mut data).expect("the entry reads");
        let path = dir.join(&name);
        fs::create_dir_all(path.parent().expect("a folder")).expect("the folder");
        fs::write(&path, &data).expect("the PDF is written");
        names.push(name);
    }
    names
}

fn options() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .large_file(true)
        .last_modified_time(
            zip::DateTime::from_date_and_time(2026, 11, 1, 12, 0, 0).expect("a zip time"),
        )
}

/// The builder's zip step: stored entries prepared from bytes in memory (CRC included),
/// appended to a stream writer over a buffered file. Answers the archive's size.
fn zip_step<'a, D: AsRef<[u8]>>(files: impl Iterator<Item = (&'a str, D)>, out: &Path) -> u64 {
    let mut zip = ZipWriter::new_stream(BufWriter::new(File::create(out).expect("the zip")));
    for (name, pdf) in files {
        let prepared = PreparedZipFile::from_data(name, options(), pdf.as_ref()).expect("an entry");
        zip.add_prepared_file(prepared).expect("an entry is added");
    }
    zip.finish()
        .expect("the zip finishes")
        .flush()
        .expect("the zip is written");
    fs::metadata(out).expect("the zip").len()
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

struct Zipped {
    n: usize,
    mb: f64,
    ours_s: f64,
    ours_reading_s: f64,
    zip0_s: Option<f64>,
}

fn compare_zip_step(dir: &Path, names: &[String], n: usize, zip_binary: bool) -> Zipped {
    let names = &names[..n];
    let out = dir.join("out.zip");
    let in_memory: Vec<(&str, Vec<u8>)> = names
        .iter()
        .map(|name| (name.as_str(), fs::read(dir.join(name)).expect("a PDF")))
        .collect();
    let mb = in_memory.iter().map(|(_, pdf)| pdf.len()).sum::<usize>() as f64 / 1e6;
    let (mut ours, mut ours_reading, mut zip0) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ZIP_ROUNDS {
        let _ = fs::remove_file(&out);
        let started = Instant::now();
        zip_step(in_memory.iter().map(|(n, pdf)| (*n, pdf.as_slice())), &out);
        ours.push(started.elapsed().as_secs_f64());

        let _ = fs::remove_file(&out);
        let started = Instant::now();
        zip_step(
            names
                .iter()
                .map(|name| (name.as_str(), fs::read(dir.join(name)).expect("a PDF"))),
            &out,
        );
        ours_reading.push(started.elapsed().as_secs_f64());

        if zip_binary {
            // zip adds to an archive that exists: start from none.
            let _ = fs::remove_file(&out);
            let started = Instant::now();
            let status = Command::new("zip")
                .arg("-0")
                .arg("-q")
                .arg(&out)
                .args(names)
                .current_dir(dir)
                .status()
                .expect("zip runs");
            zip0.push(started.elapsed().as_secs_f64());
            assert!(status.success(), "zip -0 failed: {status}");
        }
    }
    let _ = fs::remove_file(&out);
    let zipped = Zipped {
        n,
        mb,
        ours_s: median(ours),
        ours_reading_s: median(ours_reading),
        zip0_s: (!zip0.is_empty()).then(|| median(zip0)),
    };
    println!(
        "zip step {n:>5} PDFs ({mb:.1} MB): ours from memory {:.3} s, ours reading the files {:.3} s, zip -0 {}",
        zipped.ours_s,
        zipped.ours_reading_s,
        zipped
            .zip0_s
            .map_or_else(|| "not run".to_owned(), |s| format!("{s:.3} s")),
    );
    zipped
}

fn sizes() -> Vec<usize> {
    let raw = std::env::var("ZIPS_BENCH_SIZES").unwrap_or_else(|_| "1000,5000".into());
    let sizes: Vec<usize> = raw
        .split(',')
        .map(|n| {
            n.trim()
                .parse()
                .unwrap_or_else(|_| panic!("ZIPS_BENCH_SIZES={raw:?}"))
        })
        .collect();
    assert!(
        sizes.iter().all(|n| (1..=jobs::MAX_DOCUMENTS).contains(n)),
        "ZIPS_BENCH_SIZES: each between 1 and {}",
        jobs::MAX_DOCUMENTS
    );
    sizes
}

fn parent() {
    let sizes = sizes();
    let largest = sizes.iter().copied().max().expect("a size");
    let moto = std::env::var(ENDPOINT_VAR).is_ok_and(|url| !url.trim().is_empty());
    let work = tempfile::tempdir_in(work_dir()).expect("a temporary directory");
    println!(
        "build-zip: N/2 learners x (certificate + letter), one job; each build in a child process; \
         {} cores; files under {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        work_dir().display()
    );
    if !moto {
        println!(
            "moto rows skipped: {ENDPOINT_VAR} is not set. To run them:\n  \
             .venv/bin/python -m moto.server -H 127.0.0.1 -p 5124 &\n  \
             {ENDPOINT_VAR}=http://127.0.0.1:5124 cargo bench -p portal-tests --bench zips"
        );
    }
    let kept = work.path().join("kept.zip");
    let mut built = Vec::new();
    for &n in &sizes {
        built.push(run_child("embedded", n, (n == largest).then_some(&*kept)));
        if moto {
            built.push(run_child("s3", n, None));
        }
    }

    println!();
    let zip_binary = Command::new("zip").arg("-v").output().is_ok();
    if !zip_binary {
        println!("zip -0 not run: no `zip` binary on the PATH");
    }
    let files = work.path().join("pdfs");
    let names = unpack(&kept, &files);
    let zipped: Vec<Zipped> = sizes
        .iter()
        .map(|&n| compare_zip_step(&files, &names, n, zip_binary))
        .collect();

    println!();
    println!(
        "| store | documents | build | documents/s | zip | VmRSS before build | peak VmHWM in build | peak − before |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for b in &built {
        println!(
            "| {} | {} | {:.2} s | {:.0} | {:.1} MB | {:.1} MiB | {:.1} MiB{} | {:.1} MiB |",
            b.store,
            b.n,
            b.build_s,
            b.n as f64 / b.build_s,
            b.zip_mb,
            b.rss_before_mib,
            b.peak_mib,
            if b.cleared { "" } else { " (not reset)" },
            b.peak_mib - b.rss_before_mib,
        );
    }
    let mut by_store: BTreeMap<&str, Vec<&Built>> = BTreeMap::new();
    for b in &built {
        by_store.entry(b.store).or_default().push(b);
    }
    for (store, rows) in by_store {
        if let (Some(first), Some(last)) = (rows.first(), rows.last())
            && rows.len() > 1
        {
            println!(
                "{store}: {}x the documents, {:.2}x the build time, {:+.1} MiB of peak growth",
                last.n / first.n.max(1),
                last.build_s / first.build_s,
                (last.peak_mib - last.rss_before_mib) - (first.peak_mib - first.rss_before_mib),
            );
        }
    }
    println!();
    println!(
        "| PDFs | size | ours, from memory | ours, reading the files | zip -0 -q | ours / zip -0 |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    for z in &zipped {
        let ratio = |s: f64| {
            z.zip0_s
                .map_or_else(|| "—".to_owned(), |zip0| format!("{:.2}", s / zip0))
        };
        println!(
            "| {} | {:.1} MB | {:.3} s | {:.3} s | {} | {} (from memory), {} (reading) |",
            z.n,
            z.mb,
            z.ours_s,
            z.ours_reading_s,
            z.zip0_s
                .map_or_else(|| "—".to_owned(), |s| format!("{s:.3} s")),
            ratio(z.ours_s),
            ratio(z.ours_reading_s),
        );
    }
}
