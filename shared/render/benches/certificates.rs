//! How fast documents render, on one core in one thread: a certificate (as the learner gets it,
//! and as a revoked view-only copy), a letter, and a unit certificate with 40 units. After
//! criterion's figures it prints plain certificates per second from a timed run.
//!
//! `cargo bench -p portal-render --bench certificates`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use portal_render::{Copy, Kind, Printed, pdf};

#[path = "../tests/common/fixtures.rs"]
pub mod fixtures;

use fixtures::{brand, printed, units};

fn main() {
    let brand = brand();
    let doc = |kind| printed(kind, "42121928-01-5KNP", "Grace Hopper");
    let certificate = doc(Kind::Certificate);
    let letter = doc(Kind::Letter);
    let units = Printed {
        units: units(40),
        ..doc(Kind::UnitCertificate)
    };

    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("render");
    group.throughput(Throughput::Elements(1));
    group.bench_function("certificate", |b| {
        b.iter(|| pdf(black_box(&certificate), &brand, Copy::Original, None))
    });
    group.bench_function("certificate, view-only, revoked", |b| {
        b.iter(|| {
            pdf(
                black_box(&certificate),
                &brand,
                Copy::ViewOnly,
                Some("REVOKED"),
            )
        })
    });
    group.bench_function("letter", |b| {
        b.iter(|| pdf(black_box(&letter), &brand, Copy::Original, None))
    });
    group.bench_function("unit certificate, 40 units", |b| {
        b.iter(|| pdf(black_box(&units), &brand, Copy::Original, None))
    });
    group.finish();
    criterion.final_summary();

    let rate = |doc: &Printed, n: u32| {
        let start = Instant::now();
        let mut bytes = 0;
        for _ in 0..n {
            bytes += pdf(black_box(doc), &brand, Copy::Original, None)
                .map(|pdf| pdf.len())
                .unwrap_or_default();
        }
        let elapsed: Duration = start.elapsed();
        (
            f64::from(n) / elapsed.as_secs_f64(),
            elapsed.as_secs_f64() * 1000.0 / f64::from(n),
            bytes / n as usize,
        )
    };
    let (per_second, ms, size) = rate(&certificate, 500);
    println!(
        "\ncertificates: {per_second:.0} per second on one thread ({ms:.2} ms each, {size} bytes)"
    );
    let (per_second, ms, size) = rate(&units, 100);
    println!(
        "unit certificates with 40 units: {per_second:.0} per second ({ms:.2} ms each, {size} bytes)"
    );
}
