//! The VAT receipt read back as a reader would: text extracted through the fonts' ToUnicode
//! maps, page by page.

pub mod common;

use common::{
    assert_flowed_over_pages, assert_logo_drawn_and_bad_ones_refused, gbp, page_texts, parse,
};
use portal_render::{
    Receipt, ReceiptBuyer, ReceiptDelivery, ReceiptLine, ReceiptPayment, ReceiptSeller,
    ReceiptTotals, ReceiptVat, receipt,
};

const VAT_NUMBER: &str = "GB 123 4567 89";
const ORDER: &str = "ORD-2026-000123";

/// A line at 20 %, its VAT worked out on its gross (half up), as the store does.
fn line(i: usize, description: &str, quantity: i64, unit_price: i64) -> ReceiptLine {
    let gross = quantity * unit_price;
    let vat = (gross * 2000 * 2 + 12_000) / (2 * 12_000);
    ReceiptLine {
        description: description.into(),
        reference: format!("4212{i:04}-01-5KNP"),
        quantity,
        unit_price,
        vat_rate_name: "Standard rate".into(),
        vat_basis_points: 2000,
        net: gross - vat,
        vat,
        gross,
    }
}

/// A receipt with these lines, one zero-rated delivery, the VAT and totals summed from them.
fn with_lines(lines: Vec<ReceiptLine>) -> Receipt {
    let delivery = 420;
    let items: i64 = lines.iter().map(|l| l.gross).sum();
    let standard_vat = (items * 2000 * 2 + 12_000) / (2 * 12_000);
    let vat = vec![
        ReceiptVat {
            rate_name: "Standard rate".into(),
            basis_points: 2000,
            net: items - standard_vat,
            vat: standard_vat,
            gross: items,
        },
        ReceiptVat {
            rate_name: "Zero rate".into(),
            basis_points: 0,
            net: delivery,
            vat: 0,
            gross: delivery,
        },
    ];
    Receipt {
        seller: ReceiptSeller {
            organisation_name: "Example Awarding Body".into(),
            address: vec!["1 Example Street".into(), "Leeds".into(), "LS1 1AA".into()],
            vat_number: Some(VAT_NUMBER.into()),
            support_email: "support@example.org".into(),
        },
        logo_png: None,
        number: ORDER.into(),
        paid_on: "3 November 2026".into(),
        buyer: ReceiptBuyer {
            name: "Grace Hopper".into(),
            address: vec![
                "12 High Street".into(),
                "York".into(),
                "YO1 7HH".into(),
                "United Kingdom".into(),
            ],
        },
        delivery: Some(ReceiptDelivery {
            name: "Royal Mail Signed For".into(),
            price: delivery,
        }),
        totals: ReceiptTotals {
            net: vat.iter().map(|v| v.net).sum(),
            vat: vat.iter().map(|v| v.vat).sum(),
            total: items + delivery,
        },
        lines,
        vat,
        payment: ReceiptPayment {
            method: "Card".into(),
            reference: "pi_3NqR2x2eZvKYlo2C1h3c0XyZ".into(),
        },
    }
}

fn sample() -> Receipt {
    with_lines(vec![
        line(
            1,
            "Replacement certificate (posted) — Level 3 Award in Electric Vehicle Repair, Grace Hopper",
            1,
            3000,
        ),
        line(2, "Unit certificate (posted), Grace Hopper", 2, 2500),
        line(3, "Confirmation letter (digital)", 1, 1250),
        line(4, "Framed certificates for the centre", 10, 12_345),
    ])
}

#[test]
fn a_receipt_holds_the_seller_the_order_the_lines_and_the_totals() {
    let r = sample();
    let doc = parse(&receipt(&r).expect("renders"));
    let pages = page_texts(&doc);
    assert_eq!(pages.len(), 1);
    let text = pages.concat();
    for expected in [
        "VAT receipt",
        "Example Awarding Body",
        "1 Example Street",
        VAT_NUMBER,
        ORDER,
        "3 November 2026",
        "Grace Hopper",
        "12 High Street",
        "YO1 7HH",
        "Royal Mail Signed For",
        "Card",
        "pi_3NqR2x2eZvKYlo2C1h3c0XyZ",
        "Standard rate (20%)",
        "Zero rate (0%)",
        "Total paid",
        "support@example.org",
        "Page 1 of 1",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
    for l in &r.lines {
        assert!(
            text.contains(&l.reference),
            "missing {} in {text}",
            l.reference
        );
        assert!(
            text.contains(&gbp(l.gross)),
            "missing {} in {text}",
            gbp(l.gross)
        );
    }
    // £1,234.50 a unit, ten of them £12,345.00: thousands are grouped.
    assert!(
        text.contains("£123.45") && text.contains("£1,234.50"),
        "{text}"
    );
    for amount in [r.totals.net, r.totals.vat, r.totals.total] {
        assert!(
            text.contains(&gbp(amount)),
            "missing {} in {text}",
            gbp(amount)
        );
    }
    assert_eq!(gbp(r.totals.total), "£1,331.20");
}

#[test]
fn a_hundred_and_twenty_lines_run_over_pages_with_the_header_on_each() {
    let r = with_lines(
        (1..=120)
            .map(|i| {
                let description = if i % 9 == 0 {
                    format!(
                        "Replacement unit certificate (posted) — Level 3 Extended Diploma in the \
                         Diagnosis, Maintenance and Repair of Electric and Hybrid Vehicles, learner {i}"
                    )
                } else {
                    format!("Replacement certificate (posted), learner {i}")
                };
                line(i, &description, 1 + (i as i64 % 3), 3000)
            })
            .collect(),
    );
    let doc = parse(&receipt(&r).expect("renders"));
    let pages = page_texts(&doc);
    let n = pages.len();
    assert!(n >= 3, "120 lines on {n} pages");
    assert_flowed_over_pages(
        &pages,
        r.lines.iter().map(|l| l.reference.as_str()),
        &[
            "Description",
            "Qty",
            "Unit price",
            "VAT rate",
            "Net",
            "Total",
            ORDER,
            "support@example.org",
        ],
    );
    let text = pages.concat();
    let last = pages.last().expect("a page");
    assert_eq!(text.matches("Total paid").count(), 1);
    assert!(last.contains("Total paid") && last.contains(&gbp(r.totals.total)));
}

#[test]
fn the_summary_moves_to_a_page_of_its_own_when_it_does_not_fit() {
    // However many lines there are, the totals come once, after the last line, and every page
    // is numbered out of the same count.
    let mut apart = 0;
    for n in 20..=45 {
        let r = with_lines((1..=n).map(|i| line(i, "Certificate", 1, 3000)).collect());
        let pages = page_texts(&parse(&receipt(&r).expect("renders")));
        let of = pages.len();
        let text = pages.concat();
        assert_eq!(text.matches("Total paid").count(), 1, "{n} lines");
        assert!(pages[of - 1].contains("Total paid"), "{n} lines");
        let last_ref = &r.lines[n - 1].reference;
        let last_line_page = pages.iter().position(|p| p.contains(last_ref));
        assert!(last_line_page.is_some_and(|p| p + 2 >= of), "{n} lines");
        for (i, page) in pages.iter().enumerate() {
            assert!(
                page.contains(&format!("Page {} of {of}", i + 1)),
                "{n} lines"
            );
        }
        if !pages[of - 1].contains("Ref. ") {
            apart += 1;
            assert!(pages[of - 1].contains("(continued)"), "{n} lines");
        }
    }
    assert!(
        apart > 0,
        "some count of lines leaves no room for the summary"
    );
}

#[test]
fn names_beyond_latin_1_render() {
    let mut r = sample();
    r.buyer.name = "Zoë Łukasz Wiśniewski 李".into();
    r.buyer.address = vec!["ul. Świętokrzyska 12".into(), "00-916 Warszawa".into()];
    r.seller.organisation_name = "Ærøskøbing Œuvre Ltd".into();
    r.lines[0].description = "Certificate for Zoë Brontë and Łukasz Żółw".into();
    let doc = parse(&receipt(&r).expect("renders"));
    let text = page_texts(&doc).concat();
    for expected in [
        "Zoë Łukasz Wiśniewski",
        "Świętokrzyska",
        "Ærøskøbing Œuvre Ltd",
        "Zoë",
        "Brontë",
        "Żółw",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
    // DejaVu Sans has no CJK glyphs: 李 is drawn as the font's missing-glyph box (with no
    // ToUnicode entry, so it extracts as U+FFFD), and the rest of the document is unharmed.
    assert!(text.contains(ORDER) && text.contains("Total paid"));
}

#[test]
fn without_a_vat_number_or_logo_it_still_renders_as_a_receipt() {
    let mut r = sample();
    r.seller.vat_number = None;
    r.logo_png = None;
    let doc = parse(&receipt(&r).expect("renders"));
    let text = page_texts(&doc).concat();
    assert!(text.contains("Receipt"), "{text}");
    assert!(!text.contains("VAT receipt"), "{text}");
    assert!(!text.contains("VAT registration number"), "{text}");
    assert!(text.contains(ORDER) && text.contains("Total paid"));
}

#[test]
fn digital_delivery_and_no_payment_reference() {
    let mut r = sample();
    r.delivery = None;
    r.payment.reference = String::new();
    r.seller.address.clear();
    r.buyer.address.clear();
    let text = page_texts(&parse(&receipt(&r).expect("renders"))).concat();
    assert!(text.contains("Digital delivery"), "{text}");
    assert!(!text.contains("Payment reference"), "{text}");
}

#[test]
fn a_receipt_without_lines_says_so() {
    let r = with_lines(Vec::new());
    let pages = page_texts(&parse(&receipt(&r).expect("renders")));
    assert_eq!(pages.len(), 1);
    assert!(pages[0].contains("No items."));
    assert!(pages[0].contains("Total paid"));
}

#[test]
fn a_logo_is_drawn_and_a_bad_one_is_an_error() {
    assert_logo_drawn_and_bad_ones_refused(|logo_png| {
        receipt(&Receipt {
            logo_png,
            ..sample()
        })
    });
}

#[test]
fn the_same_receipt_gives_the_same_bytes() {
    assert_eq!(receipt(&sample()), receipt(&sample()));
}
