//! The print pack read back as the printer's software would: pages counted, text extracted
//! through the fonts' ToUnicode maps page by page, and the QR codes' bitmaps pulled out of the
//! file and scanned.

pub mod common;

use common::fixtures::{brand, item, order, pack, printed, units};
use common::{logo_png, page_qr_codes, page_texts, parse};
use lopdf::{Document, Object};
use portal_render::{
    Copy, Kind, PackOrder, PrintPack, Printed, RenderError, page_count, pdf, print_pack,
};

const ISSUED: &str = "Replacement copy issued 5 December 2026";

/// Three orders: posted with a certificate and a multi-page unit certificate, collected with
/// a letter, posted with two copies of one certificate.
fn sample() -> PrintPack {
    pack(vec![
        order(
            "P9708601A",
            false,
            vec![
                printed(Kind::Certificate, "42121928-01-5KNP", "Grace Hopper"),
                Printed {
                    units: units(120),
                    ..printed(Kind::UnitCertificate, "42121928-02-7QRT", "Grace Hopper")
                },
            ],
        ),
        order(
            "P9708602B",
            true,
            vec![printed(Kind::Letter, "53232039-01-8WXY", "Alan Turing")],
        ),
        order(
            "P9708603C",
            false,
            vec![
                printed(Kind::Certificate, "64343140-01-9ZAB", "Katherine Johnson"),
                printed(Kind::Certificate, "64343140-01-9ZAB", "Katherine Johnson"),
            ],
        ),
    ])
}

/// The pages each document of `order` takes, as `pdf` draws it.
fn document_pages(order: &PackOrder) -> Vec<usize> {
    order
        .documents
        .iter()
        .map(|d| page_count(d, &brand()).expect("counts"))
        .collect()
}

/// What each page of the pack should be, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expect {
    Slip(String),
    Label(String),
    /// The order's document `usize`, its page.
    Document(String, usize),
}

fn expected_pages(pack: &PrintPack) -> Vec<Expect> {
    let mut out = Vec::new();
    for order in &pack.orders {
        out.push(Expect::Slip(order.number.clone()));
        if !order.collection {
            out.push(Expect::Label(order.number.clone()));
        }
        for (i, pages) in document_pages(order).into_iter().enumerate() {
            out.extend((0..pages).map(|_| Expect::Document(order.number.clone(), i)));
        }
    }
    out
}

/// The order's document `d`.
fn document<'p>(pack: &'p PrintPack, number: &str, d: usize) -> &'p Printed {
    let order = pack.orders.iter().find(|o| o.number == number);
    &order.expect("order").documents[d]
}

/// The sample pack, rendered and read back, and what each of its pages should be.
struct Sample {
    pack: PrintPack,
    parsed: Document,
    pages: Vec<String>,
    expected: Vec<Expect>,
}

fn rendered_sample() -> Sample {
    let pack = sample();
    let parsed = parse(&print_pack(&pack).expect("renders"));
    Sample {
        pages: page_texts(&parsed),
        expected: expected_pages(&pack),
        pack,
        parsed,
    }
}

#[test]
fn each_order_is_its_slip_its_label_then_its_documents() {
    let Sample {
        pack,
        pages,
        expected,
        ..
    } = rendered_sample();
    // 1 slip + 1 label + 1 certificate + the unit certificate's pages; 1 slip + 1 letter;
    // 1 slip + 1 label + 2 certificates.
    let unit_pages = page_count(&pack.orders[0].documents[1], &brand()).expect("counts");
    assert!(unit_pages > 1, "a unit certificate over several pages");
    assert_eq!(expected.len(), (3 + unit_pages) + 2 + 4);
    assert_eq!(pages.len(), expected.len());

    for (i, (text, what)) in pages.iter().zip(&expected).enumerate() {
        let n = i + 1;
        match what {
            Expect::Slip(number) => {
                assert!(text.contains("Packing slip"), "page {n}: {text}");
                assert!(text.contains(number.as_str()), "page {n}: {text}");
                assert!(!text.contains(ISSUED), "page {n}");
            }
            Expect::Label(number) => {
                assert!(text.contains(number.as_str()), "page {n}: {text}");
                assert!(text.contains("Address label"), "page {n}: {text}");
                assert!(!text.contains("Packing slip"), "page {n}: {text}");
            }
            Expect::Document(number, d) => {
                let doc = document(&pack, number, *d);
                assert!(text.contains(ISSUED), "page {n}: {text}");
                assert!(text.contains(&doc.reference), "page {n}: {text}");
                assert!(text.contains(&doc.learner_name), "page {n}: {text}");
                assert!(!text.contains("Packing slip"), "page {n}: {text}");
            }
        }
    }
}

#[test]
fn the_slip_and_the_label_carry_the_order_and_the_addresses() {
    let Sample {
        pack,
        pages,
        expected,
        ..
    } = rendered_sample();
    let page_of = |what: Expect| {
        let i = expected.iter().position(|e| e == &what).expect("expected");
        &pages[i]
    };
    for order in &pack.orders {
        let slip = page_of(Expect::Slip(order.number.clone()));
        for expected in [
            "Packing slip",
            "Example Awarding Body",
            "3 December 2026",
            "Northgate College",
            order.delivery_option.as_str(),
            order.delivery_name.as_str(),
            "Description",
            "Learner",
            "Reference",
            "Qty",
            "Reason",
            "Lost in a house move",
            "support@example.org",
        ] {
            assert!(
                slip.contains(expected),
                "{}: {expected:?} in {slip}",
                order.number
            );
        }
        for line in &pack.return_address {
            assert!(
                slip.contains(line.as_str()),
                "return address {line:?} in {slip}"
            );
        }
        for doc in &order.documents {
            assert!(slip.contains(&doc.reference), "{slip}");
            assert!(slip.contains(&doc.learner_name), "{slip}");
        }
        let documents = match order.documents.len() {
            1 => "1 document".to_owned(),
            n => format!("{n} documents"),
        };
        assert!(slip.contains(&documents), "{slip}");
        if order.collection {
            assert!(slip.contains("For collection"), "{slip}");
            continue;
        }
        assert!(slip.contains("Deliver to"), "{slip}");
        let label = page_of(Expect::Label(order.number.clone()));
        assert!(label.contains(order.delivery_name.as_str()), "{label}");
        for line in &order.address {
            assert!(slip.contains(line.as_str()), "{line:?} on the slip: {slip}");
            assert!(
                label.contains(line.as_str()),
                "{line:?} on the label: {label}"
            );
        }
        // The return address runs on in small print, wrapping where it must.
        let flat = label.split_whitespace().collect::<Vec<_>>().join(" ");
        let back = format!(
            "If undelivered, please return to: Example Awarding Body, {}",
            pack.return_address.join(", ")
        );
        assert!(flat.contains(&back), "{back:?} on the label: {label}");
    }
}

#[test]
fn every_document_page_is_marked_and_its_qr_code_scans_to_its_verify_url() {
    let Sample {
        pack,
        parsed,
        pages,
        expected,
    } = rendered_sample();
    let codes = page_qr_codes(&parsed);
    assert_eq!(codes.len(), expected.len());
    for (i, what) in expected.iter().enumerate() {
        match what {
            Expect::Document(number, d) => {
                let url = &document(&pack, number, *d).verify_url;
                assert_eq!(codes[i], std::slice::from_ref(url), "page {}", i + 1);
                assert_eq!(pages[i].matches(ISSUED).count(), 1, "page {}", i + 1);
            }
            _ => assert!(codes[i].is_empty(), "no QR code on page {}", i + 1),
        }
    }
}

/// A copy in the pack is the original as `pdf` draws it, plus the replacement line.
#[test]
fn a_copy_is_the_original_with_one_line_more() {
    let Sample {
        pack,
        pages,
        expected,
        ..
    } = rendered_sample();
    for order in &pack.orders {
        for (d, doc) in order.documents.iter().enumerate() {
            let original = page_texts(&parse(
                &pdf(doc, &brand(), Copy::Original, None).expect("renders"),
            ));
            let first = expected
                .iter()
                .position(|e| e == &Expect::Document(order.number.clone(), d))
                .expect("its pages");
            for (p, original) in original.iter().enumerate() {
                let copy = &pages[first + p];
                assert_eq!(
                    copy.replace(ISSUED, "")
                        .split_whitespace()
                        .collect::<Vec<_>>(),
                    original.split_whitespace().collect::<Vec<_>>(),
                    "{} page {}",
                    doc.reference,
                    p + 1
                );
            }
        }
    }
}

#[test]
fn each_order_is_bookmarked_at_its_slip() {
    let Sample {
        pack,
        parsed,
        expected,
        ..
    } = rendered_sample();
    let toc = parsed.get_toc().expect("an outline");
    let found: Vec<(String, usize)> = toc.toc.iter().map(|t| (t.title.clone(), t.page)).collect();
    let wanted: Vec<(String, usize)> = pack
        .orders
        .iter()
        .map(|o| {
            let slip = expected
                .iter()
                .position(|e| e == &Expect::Slip(o.number.clone()))
                .expect("a slip");
            (format!("{} — {}", o.number, o.delivery_name), slip + 1)
        })
        .collect();
    assert_eq!(found, wanted);
}

#[test]
fn a_long_item_list_flows_onto_a_second_slip_page() {
    let docs: Vec<Printed> = (0..60)
        .map(|i| {
            printed(
                Kind::Certificate,
                &format!("7000{i:04}-01-LONG"),
                &format!("Learner {i}"),
            )
        })
        .collect();
    let mut long = order("P9708699Z", false, docs);
    long.items = long
        .documents
        .iter()
        .enumerate()
        .map(|(i, d)| {
            item(
                d,
                (i % 3 == 0).then_some("Damaged in the post, returned to the centre"),
            )
        })
        .collect();
    let pack = pack(vec![long]);
    let parsed = parse(&print_pack(&pack).expect("renders"));
    let pages = page_texts(&parsed);
    let slips: Vec<&String> = pages
        .iter()
        .filter(|t| t.contains("Packing slip"))
        .collect();
    assert!(slips.len() >= 2, "60 items on {} slip pages", slips.len());
    // The slip's pages come first, then the label, then the 60 certificates.
    assert_eq!(pages.len(), slips.len() + 1 + 60);
    for (i, slip) in slips.iter().enumerate() {
        assert!(pages[i].contains("Packing slip"), "slip pages come first");
        assert!(slip.contains("P9708699Z"), "{slip}");
        assert!(slip.contains("Reason"), "the table header repeats: {slip}");
        assert!(
            slip.contains(&format!("page {} of {}", i + 1, slips.len())),
            "{slip}"
        );
    }
    assert!(slips[1].contains("(continued)"), "{}", slips[1]);
    let text: String = slips.iter().map(|s| s.as_str()).collect();
    for doc in &pack.orders[0].documents {
        // Once in the table; the slip's own pages hold nothing else with the reference.
        assert_eq!(text.matches(&doc.reference).count(), 1, "{}", doc.reference);
    }
}

#[test]
fn a_collected_order_has_no_label_page() {
    let docs = vec![
        printed(Kind::Certificate, "42121928-01-5KNP", "Grace Hopper"),
        printed(Kind::Letter, "42121928-01-5KNP", "Grace Hopper"),
    ];
    let pack = pack(vec![order("P9708604D", true, docs)]);
    let parsed = parse(&print_pack(&pack).expect("renders"));
    let pages = page_texts(&parsed);
    assert_eq!(pages.len(), 1 + 2, "the slip and the two documents");
    assert!(pages[0].contains("For collection"), "{}", pages[0]);
    assert!(pages[0].contains("no address label"), "{}", pages[0]);
    assert!(
        !pages.iter().any(|p| p.contains("Address label")),
        "no label page"
    );
    assert!(pages[1..].iter().all(|p| p.contains(ISSUED)));
}

#[test]
fn an_order_without_items_or_documents_is_still_slipped_and_labelled() {
    let mut empty = order("P9708605E", false, Vec::new());
    empty.items.clear();
    let pack = pack(vec![empty]);
    let pages = page_texts(&parse(&print_pack(&pack).expect("renders")));
    assert_eq!(pages.len(), 2);
    assert!(pages[0].contains("No items."), "{}", pages[0]);
    assert!(pages[0].contains("0 documents"), "{}", pages[0]);
    assert!(pages[1].contains("Address label"), "{}", pages[1]);
}

#[test]
fn no_orders_is_one_page_saying_so() {
    let pages = page_texts(&parse(&print_pack(&pack(Vec::new())).expect("renders")));
    assert_eq!(pages.len(), 1);
    assert!(pages[0].contains("No orders"), "{}", pages[0]);
    assert!(pages[0].contains("5 December 2026"), "{}", pages[0]);
}

#[test]
fn fonts_and_the_logo_are_embedded_once_for_the_whole_pack() {
    let orders = (0..12)
        .map(|i| {
            order(
                &format!("P97086{i:02}X"),
                i % 4 == 0,
                vec![
                    printed(
                        Kind::Certificate,
                        &format!("4212{i:04}-01-5KNP"),
                        "Grace Hopper",
                    ),
                    printed(Kind::Letter, &format!("4212{i:04}-02-5KNP"), "Grace Hopper"),
                ],
            )
        })
        .collect();
    let mut pack = pack(orders);
    pack.brand.logo_png = Some(logo_png());
    let bytes = print_pack(&pack).expect("renders");
    let parsed = parse(&bytes);
    let mut fonts = 0;
    let mut logos = 0;
    for object in parsed.objects.values() {
        if let Ok(d) = object.as_dict()
            && d.get(b"Type").and_then(Object::as_name).ok() == Some(b"FontDescriptor")
        {
            fonts += 1;
        }
        if let Ok(s) = object.as_stream()
            && s.dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Image")
            && s.dict.get(b"Width").and_then(Object::as_i64).ok() == Some(48)
        {
            logos += 1;
        }
    }
    assert_eq!(fonts, 2, "regular and bold, once each");
    assert_eq!(logos, 1, "one logo image, drawn on every page that has it");
    // 12 slips, 9 labels and 24 documents.
    assert_eq!(parsed.get_pages().len(), 12 + 9 + 24);
}

#[test]
fn a_bad_logo_is_an_error() {
    let mut pack = sample();
    pack.brand.logo_png = Some(b"not a png".to_vec());
    assert!(matches!(print_pack(&pack), Err(RenderError::Logo(_))));
}

#[test]
fn a_document_that_cannot_be_drawn_is_named() {
    let mut pack = sample();
    pack.orders[2].documents[1].verify_url = format!("https://x.example/{}", "x".repeat(5000));
    match print_pack(&pack) {
        Err(RenderError::Qr(message)) => {
            assert!(message.contains("P9708603C"), "{message}");
            assert!(message.contains("64343140-01-9ZAB"), "{message}");
        }
        other => panic!("expected a QR error, got {other:?}"),
    }
}

#[test]
fn the_same_pack_gives_the_same_bytes() {
    assert_eq!(print_pack(&sample()), print_pack(&sample()));
}
