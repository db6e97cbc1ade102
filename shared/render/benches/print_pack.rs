//! What a big print pack costs, on one core in one thread: 500 orders of 1,000 documents
//! (certificates, letters and unit certificates of two or three pages; one order in ten
//! collected) rendered once, with the time, the PDF's size and pages, and the process's peak
//! memory (`VmHWM`) before and after, which is what a Lambda's memory setting must cover. Then
//! criterion's figures for a pack of 10 orders.
//!
//! `cargo bench -p portal-render --bench print_pack`

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, Throughput};
use portal_render::{Kind, PrintPack, Printed, print_pack};

#[path = "../tests/common/fixtures.rs"]
pub mod fixtures;

use fixtures::{order, pack, units};

/// The `n`th learner's document; a unit certificate has 40 to 89 units (two or three pages).
fn printed(kind: Kind, n: usize) -> Printed {
    let reference = format!("{:08}-01-5KNP", 42_121_928 + n);
    let mut doc = fixtures::printed(kind, &reference, &format!("Learner {n} Hopper"));
    doc.enrolment_number = format!("ENR-{n:05}");
    if kind == Kind::UnitCertificate {
        doc.units = units(40 + n % 50);
    }
    doc
}

/// `orders` orders of two documents each: mostly certificates, a letter in every third order,
/// a unit certificate in every fifth; one order in ten collected.
fn big_pack(orders: usize) -> PrintPack {
    pack(
        (0..orders)
            .map(|o| {
                let second = match o % 15 {
                    0 | 5 | 10 => Kind::UnitCertificate,
                    3 | 6 | 9 | 12 => Kind::Letter,
                    _ => Kind::Certificate,
                };
                let documents = vec![
                    printed(Kind::Certificate, 2 * o),
                    printed(second, 2 * o + 1),
                ];
                order(&format!("P{:07}A", 9_708_601 + o), o % 10 == 7, documents)
            })
            .collect(),
    )
}

/// The process's peak resident memory so far, in MB (Linux; `None` elsewhere).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn show(mb: Option<f64>) -> String {
    mb.map_or_else(|| "unknown".into(), |mb| format!("{mb:.1} MB"))
}

fn main() {
    // The big pack first, so the peak measured is its own and not criterion's.
    let big = big_pack(500);
    let documents: usize = big.orders.iter().map(|o| o.documents.len()).sum();
    let before = peak_rss_mb();
    let start = Instant::now();
    let bytes = print_pack(black_box(&big)).expect("the pack renders");
    let elapsed = start.elapsed();
    let after = peak_rss_mb();
    let pages = lopdf::Document::load_mem(&bytes)
        .expect("the pack parses")
        .get_pages()
        .len();
    println!(
        "print pack: {} orders, {documents} documents, {pages} pages",
        big.orders.len()
    );
    println!(
        "  rendered in {:.2} s ({:.2} ms a page), {:.1} MB",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / pages as f64,
        bytes.len() as f64 / 1_000_000.0
    );
    println!(
        "  peak RSS (VmHWM): {} before, {} after{}",
        show(before),
        show(after),
        match (before, after) {
            (Some(b), Some(a)) => format!(" (+{:.1} MB)", a - b),
            _ => String::new(),
        }
    );
    drop(bytes);
    drop(big);

    let small = big_pack(10);
    let mut criterion = Criterion::default().sample_size(20).configure_from_args();
    let mut group = criterion.benchmark_group("print pack");
    group.throughput(Throughput::Elements(10));
    group.bench_function("10 orders, 20 documents", |b| {
        b.iter(|| print_pack(black_box(&small)))
    });
    group.finish();
    criterion.final_summary();
}
