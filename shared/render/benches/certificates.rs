//! How fast documents render, on one core in one thread: a certificate (as the learner gets it,
//! and as a revoked view-only copy), a letter, and a unit certificate with 40 units. After
//! criterion's figures it prints plain certificates per second from a timed run.
//!
//! `cargo bench -p portal-render --bench certificates`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use portal_render::{Brand, Copy, Kind, Printed, Unit, pdf};

fn printed(kind: Kind, units: usize) -> Printed {
    Printed {
        kind,
        reference: "42121928-01-5KNP".into(),
        learner_name: "Grace Hopper".into(),
        enrolment_number: "ENR-1001".into(),
        qualification_title: "Level 3 Award in Electric Vehicle Repair".into(),
        qualification_code: "603/4182/8".into(),
        course: Some("Evening course, autumn intake".into()),
        award_date: "1 November 2026".into(),
        issued_on: "3 November 2026".into(),
        centre_name: Some("Northgate College".into()),
        units: (1..=units)
            .map(|i| Unit {
                code: format!("K{i:04}X"),
                title: format!("Unit {i}: diagnosing faults in battery management systems"),
                grade: Some("Merit".into()),
            })
            .collect(),
        verify_url: "https://portal.example.org/verify/42121928-01-5KNP".into(),
    }
}

fn brand() -> Brand {
    Brand {
        organisation_name: "Example Awarding Body".into(),
        logo_png: None,
        support_email: "support@example.org".into(),
    }
}

fn main() {
    let brand = brand();
    let certificate = printed(Kind::Certificate, 0);
    let letter = printed(Kind::Letter, 0);
    let units = printed(Kind::UnitCertificate, 40);

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
