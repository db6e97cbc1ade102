//! Smart Verify (VER-1) throughput over HTTP against the local portal, beside `GET /api/health`
//! on the same server in the same run (the ratio is the figure: what a verify costs over the
//! cheapest route), with p50 and p99 latency for each; then where a verify's time goes, one
//! store call at a time.
//!
//! `cargo bench -p portal-tests --bench verify` — prints, asserts nothing about speed, but
//! panics if any request gets another status than the one it should (so a rate limit or a
//! wrong reference cannot produce a flattering figure).
//!
//! `VERIFY_BENCH_CONCURRENCY` (client tasks, default 16), `VERIFY_BENCH_SECONDS` (measured, per
//! route, default 5) and `VERIFY_BENCH_WARMUP_SECONDS` (default 1) change the load.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use portal_domain::settings::Limit;
use portal_tests::portal::TestPortal;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Documents issued by the job the verify requests cycle over.
const LEARNERS: usize = 25;
const KINDS: [&str; 2] = ["certificate", "badge"];
/// Well formed, never issued.
const UNKNOWN: &str = "12345678-01-ABCD";
const HTML: &str = "text/html";
const JSON: &str = "application/json";
/// Rounds of the in-process breakdown (each round times each call once, one after another).
const ROUNDS: usize = 1000;

fn env_or<T: FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(raw) => raw
            .parse()
            .unwrap_or_else(|_| panic!("{name}={raw:?} is not a number")),
        Err(_) => default,
    }
}

struct Config {
    concurrency: usize,
    warmup: Duration,
    measure: Duration,
}

/// One row: the requests (path and `Accept`) the clients cycle over, and the status each must get.
struct Load {
    name: &'static str,
    requests: Vec<(String, &'static str)>,
    expect: StatusCode,
}

struct Measured {
    requests: usize,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// Nearest-rank percentile of sorted samples, in milliseconds.
fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1000.0
}

/// `concurrency` client tasks sending the load's requests in turn until `length` has passed;
/// every answer is read whole and its status checked. Returns each request's latency and the
/// wall time until the last answer.
async fn drive(
    portal: &TestPortal,
    load: &Arc<Load>,
    concurrency: usize,
    length: Duration,
) -> (Vec<Duration>, Duration) {
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let deadline = start + length;
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let http = portal.http.clone();
            let base = portal.url("");
            let load = Arc::clone(load);
            let next = Arc::clone(&next);
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let (path, accept) = &load.requests[i % load.requests.len()];
                    let sent = Instant::now();
                    let response = http
                        .get(format!("{base}{path}"))
                        .header("accept", *accept)
                        .send()
                        .await
                        .map_err(|e| format!("{path}: {e}"))?;
                    let status = response.status();
                    let body = response.bytes().await.map_err(|e| format!("{path}: {e}"))?;
                    latencies.push(sent.elapsed());
                    if status != load.expect {
                        return Err(format!(
                            "{path} (accept {accept}) answered {status}, not {}: {}",
                            load.expect,
                            String::from_utf8_lossy(&body)
                        ));
                    }
                }
                Ok(latencies)
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        match task.await.expect("a client task") {
            Ok(latencies) => all.extend(latencies),
            Err(refused) => panic!("{}: {refused}", load.name),
        }
    }
    (all, start.elapsed())
}

async fn measure(portal: &TestPortal, load: Load, config: &Config) -> Measured {
    let load = Arc::new(load);
    drive(portal, &load, config.concurrency, config.warmup).await;
    let (mut latencies, elapsed) = drive(portal, &load, config.concurrency, config.measure).await;
    assert!(!latencies.is_empty(), "{}: no request finished", load.name);
    latencies.sort();
    let measured = Measured {
        requests: latencies.len(),
        rps: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50_ms: percentile(&latencies, 50.0),
        p99_ms: percentile(&latencies, 99.0),
    };
    println!(
        "{:<44} {:>9} {:>10.0} {:>8.2} {:>8.2}",
        load.name, measured.requests, measured.rps, measured.p50_ms, measured.p99_ms
    );
    measured
}

fn print_part(name: &str, mut latencies: Vec<Duration>) {
    latencies.sort();
    println!(
        "{name:<44} {:>8.3} {:>8.3}",
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0)
    );
}

/// Issues one job of `LEARNERS * KINDS.len()` documents; returns their references.
async fn issue(portal: &TestPortal) -> Vec<String> {
    portal
        .import_centre("C-7001", "Northgate College", "exams@northgate.test")
        .await;
    let learners: Vec<Value> = (0..LEARNERS)
        .map(|i| json!({ "enrolment_number": format!("ENR-{:04}", 1000 + i), "first_name": "Grace", "last_name": format!("Hopper{i}"), "date_of_birth": "1990-12-09" }))
        .collect();
    let achievements: Vec<Value> = (0..LEARNERS)
        .map(|i| json!({ "enrolment_number": format!("ENR-{:04}", 1000 + i),
            "qualification_title": "Level 3 Award in Electric Vehicle Repair", "qualification_code": "603/4182/8",
            "award_date": "2026-11-01", "documents": KINDS.map(|kind| json!({ "type": kind })) }))
        .collect();
    let answer = portal
        .records(
            "/api/records/jobs",
            json!({ "job_id": "J-BENCH-VERIFY", "centre_number": "C-7001", "learners": learners, "achievements": achievements }),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    let references: Vec<String> = answer.body["documents"]
        .as_array()
        .expect("the issued documents")
        .iter()
        .map(|d| d["reference"].as_str().expect("a reference").to_owned())
        .collect();
    assert_eq!(references.len(), LEARNERS * KINDS.len());
    references
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let config = Config {
        concurrency: env_or("VERIFY_BENCH_CONCURRENCY", 16).max(1),
        warmup: Duration::from_secs_f64(env_or("VERIFY_BENCH_WARMUP_SECONDS", 1.0)),
        measure: Duration::from_secs_f64(env_or("VERIFY_BENCH_SECONDS", 5.0)),
    };
    // Every request comes from 127.0.0.1: lift the per-address limit so the bench measures
    // serving, not refusals (production keeps its default).
    let portal = TestPortal::start_with(|options| {
        options.settings.limits.verify_per_ip = Limit {
            n: i64::MAX,
            window: time::Duration::minutes(1),
        };
    })
    .await;
    let references = issue(&portal).await;

    let html = |r: &String| (format!("/verify/{r}"), HTML);
    let api = |r: &String| (format!("/api/verify/{r}"), JSON);
    let loads = [
        Load {
            name: "GET /api/health",
            requests: vec![("/api/health".to_owned(), JSON)],
            expect: StatusCode::OK,
        },
        Load {
            name: "verify, HTML and JSON alternating",
            requests: references.iter().flat_map(|r| [html(r), api(r)]).collect(),
            expect: StatusCode::OK,
        },
        Load {
            name: "GET /verify/{reference} (HTML)",
            requests: references.iter().map(html).collect(),
            expect: StatusCode::OK,
        },
        Load {
            name: "GET /api/verify/{reference} (JSON)",
            requests: references.iter().map(api).collect(),
            expect: StatusCode::OK,
        },
        Load {
            name: "verify, unknown reference (404)",
            requests: vec![html(&UNKNOWN.to_owned()), api(&UNKNOWN.to_owned())],
            expect: StatusCode::NOT_FOUND,
        },
        Load {
            name: "GET /api/health (again, for drift)",
            requests: vec![("/api/health".to_owned(), JSON)],
            expect: StatusCode::OK,
        },
    ];

    println!(
        "Smart Verify over HTTP: {} documents, {} client tasks (keep-alive), {:?} warm-up + {:?} per row, {} worker threads",
        references.len(),
        config.concurrency,
        config.warmup,
        config.measure,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    );
    println!(
        "{:<44} {:>9} {:>10} {:>8} {:>8}",
        "route", "requests", "rps", "p50 ms", "p99 ms"
    );
    let mut measured = Vec::new();
    for load in loads {
        measured.push(measure(&portal, load, &config).await);
    }
    let (health, verify) = (&measured[0], &measured[1]);
    println!(
        "verify / health: {:.3} of the requests per second (p50 {:.1}x, p99 {:.1}x the latency)",
        verify.rps / health.rps,
        verify.p50_ms / health.p50_ms,
        verify.p99_ms / health.p99_ms,
    );
    let again = &measured[measured.len() - 1];
    println!(
        "health again / health first: {:.2} of the requests per second",
        again.rps / health.rps
    );

    // Where a verify's time goes: its store calls in-process, one at a time, no HTTP.
    let ctx = &portal.running.ctx;
    let reference = &references[0];
    let document = portal_domain::keys::document(reference);
    println!();
    println!("one verify's parts, in-process, one call at a time, {ROUNDS} rounds interleaved");
    println!("{:<44} {:>8} {:>8}", "call", "p50 ms", "p99 ms");
    let (mut whole, mut hits, mut reads) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let start = Instant::now();
        let found = portal_domain::documents::verify::verify(ctx, reference, "bench")
            .await
            .expect("verify");
        whole.push(start.elapsed());
        assert!(found.is_some(), "{reference} not found");
        let start = Instant::now();
        portal_domain::rate_limit::hit(ctx, "verify-bench", "bench", time::Duration::minutes(1))
            .await
            .expect("a hit");
        hits.push(start.elapsed());
        let start = Instant::now();
        let item = ctx.table.get(&document).await.expect("a read");
        reads.push(start.elapsed());
        assert!(item.is_some());
    }
    print_part("documents::verify::verify (all of it)", whole);
    print_part("rate_limit::hit (a counter; fsynced 1 in 64)", hits);
    print_part("table.get (the document; one of its 2 reads)", reads);
}
