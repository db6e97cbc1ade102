//! The centre's statement of account read back as a reader would: text extracted through the
//! fonts' ToUnicode maps, page by page.

pub mod common;

use common::{
    assert_flowed_over_pages, assert_logo_drawn_and_bad_ones_refused, fixtures, gbp, page_texts,
    parse,
};
use portal_render::{Statement, statement};

// As in `fixtures::centre_statement`.
const CENTRE: &str = "Northgate College";
const CENTRE_NUMBER: &str = "C-40213";
const MONTH: &str = "November 2026";
const SUPPORT: &str = "support@example.org";
/// The minus sign (U+2212) negative amounts are printed with.
const MINUS: char = '\u{2212}';

fn with_entries(n: usize) -> Statement {
    fixtures::centre_statement(n)
}

fn sample() -> Statement {
    with_entries(6)
}

fn texts(s: &Statement) -> Vec<String> {
    page_texts(&parse(&statement(s).expect("renders")))
}

#[test]
fn a_statement_holds_the_centre_the_month_the_entries_and_the_balances() {
    let s = sample();
    let pages = texts(&s);
    assert_eq!(pages.len(), 1);
    // A description wrapped over lines reads as one, its lines joined by a space.
    let text = pages
        .concat()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for expected in [
        "Statement of account",
        "Example Awarding Body",
        "1 Example Street",
        "GB 123 4567 89",
        CENTRE,
        CENTRE_NUMBER,
        MONTH,
        "1 December 2026",
        "Credit limit",
        "£5,000.00",
        "Available credit",
        "Opening balance",
        "Charges",
        "Credit notes",
        "Payments received",
        "Balance due",
        "Closing balance",
        SUPPORT,
        "Page 1 of 1",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
    for e in &s.entries {
        for expected in [
            &e.reference,
            &e.kind,
            &e.description,
            &e.date,
            &gbp(e.amount),
            &gbp(e.balance),
        ] {
            assert!(
                text.contains(expected.as_str()),
                "missing {expected} in {text}"
            );
        }
    }
    // The summary: opening, the sums (credits and payments taken off), the closing balance.
    assert_eq!(gbp(s.opening), "£1,234.50");
    for amount in [
        s.opening,
        s.charges,
        -s.credits,
        -s.payments,
        s.closing,
        s.available,
    ] {
        assert!(
            text.contains(&gbp(amount)),
            "missing {} in {text}",
            gbp(amount)
        );
    }
}

#[test]
fn a_hundred_and_twenty_entries_run_over_pages_with_the_header_on_each() {
    let s = with_entries(120);
    let pages = texts(&s);
    let n = pages.len();
    assert!(n >= 3, "120 entries on {n} pages");
    assert_flowed_over_pages(
        &pages,
        s.entries.iter().map(|e| e.reference.as_str()),
        &[
            "Date",
            "Type",
            "Reference",
            "Description",
            "Amount",
            "Balance",
            CENTRE_NUMBER,
            SUPPORT,
        ],
    );
    let text = pages.concat();
    // The entries in order, page after page.
    let page_of = |reference: &str| pages.iter().position(|p| p.contains(reference));
    let positions: Vec<_> = s.entries.iter().map(|e| page_of(&e.reference)).collect();
    assert!(positions.windows(2).all(|w| w[0] <= w[1]), "{positions:?}");
    assert_eq!(positions.last().copied().flatten(), Some(n - 1));
    // The summary on the first page; the closing balance ends the last.
    assert_eq!(text.matches("Balance due").count(), 1);
    assert!(pages[0].contains("Balance due") && pages[0].contains(&gbp(s.closing)));
    assert_eq!(text.matches("Closing balance").count(), 1);
    let last = pages.last().expect("a page");
    assert!(last.contains("Closing balance") && last.contains(&gbp(s.closing)));
}

#[test]
fn a_month_without_entries_says_so() {
    let s = with_entries(0);
    let pages = texts(&s);
    assert_eq!(pages.len(), 1);
    let text = &pages[0];
    for expected in [
        "No entries this month.",
        "Opening balance",
        "Closing balance",
        "£1,234.50",
        "£0.00",
        MONTH,
        CENTRE,
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
}

#[test]
fn negative_amounts_are_printed_with_a_minus_sign() {
    let mut s = sample();
    s.opening = -5_000;
    s.closing = -3_350;
    s.available = -12_345;
    let text = texts(&s).concat();
    for e in s.entries.iter().filter(|e| e.amount < 0) {
        let amount = gbp(e.amount);
        assert!(amount.starts_with(MINUS));
        assert!(text.contains(&amount), "missing {amount} in {text}");
    }
    for expected in ["\u{2212}£33.50", "\u{2212}£50.00", "\u{2212}£123.45"] {
        assert!(text.contains(expected), "missing {expected} in {text}");
    }
    assert!(
        text.contains("in credit"),
        "a negative closing balance is a credit: {text}"
    );
    // No hyphen stands in for the minus sign.
    assert!(!text.contains("-£"), "{text}");
}

#[test]
fn a_logo_is_drawn_and_a_bad_one_is_an_error() {
    assert_logo_drawn_and_bad_ones_refused(|logo_png| {
        statement(&Statement {
            logo_png,
            ..sample()
        })
    });
}

#[test]
fn names_beyond_latin_1_render() {
    let mut s = sample();
    s.centre_name = "Zespół Szkół Łódź — Zoë Brontë Centre".into();
    s.entries[0].description = "Certificates for Łukasz Żółw".into();
    let text = texts(&s).concat();
    for expected in ["Zespół Szkół Łódź", "Zoë Brontë", "Łukasz Żółw"] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
}

#[test]
fn the_same_statement_gives_the_same_bytes() {
    assert_eq!(statement(&sample()), statement(&sample()));
    assert_eq!(statement(&with_entries(120)), statement(&with_entries(120)));
}
