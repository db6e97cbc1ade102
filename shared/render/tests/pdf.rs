//! The PDFs read back as a reader would: text extracted through the fonts' ToUnicode maps, the
//! QR code's bitmap pulled out of the file and scanned.

pub mod common;

use common::fixtures::{self, brand};
use common::{logo_png, page_images, page_qr_codes, page_texts, parse};
use lopdf::{Document, Object};
use portal_render::{Brand, Copy, Kind, Printed, RenderError, Unit, badge_svg, page_count, pdf};

const URL: &str = "https://portal.example.org/verify/42121928-01-5KNP";
const VIEW_ONLY: &str = "Digital copy — view only";

/// Grace Hopper's document of `kind`, with six units.
fn printed(kind: Kind) -> Printed {
    Printed {
        units: (1..=6)
            .map(|i| Unit {
                code: format!("U{i:03}"),
                title: format!("Unit {i}: working safely with high-voltage systems"),
                grade: Some(if i % 2 == 0 { "Merit" } else { "Pass" }.into()),
            })
            .collect(),
        ..fixtures::printed(kind, "42121928-01-5KNP", "Grace Hopper")
    }
}

fn with_units(n: usize) -> Printed {
    let mut doc = printed(Kind::UnitCertificate);
    doc.units = (1..=n)
        .map(|i| Unit {
            code: format!("K{i:04}X"),
            title: if i % 7 == 0 {
                format!("Unit {i}: diagnosing faults in battery management, charging and thermal control systems of hybrid and electric vehicles")
            } else {
                format!("Unit {i}: routine maintenance")
            },
            grade: (i % 5 != 0).then(|| "Distinction".into()),
        })
        .collect();
    doc
}

fn all_text(doc: &Document) -> String {
    page_texts(doc).concat()
}

#[test]
fn every_kind_holds_the_name_and_reference_in_its_text() {
    for kind in [Kind::Certificate, Kind::UnitCertificate, Kind::Letter] {
        let bytes = pdf(&printed(kind), &brand(), Copy::Original, None).expect("renders");
        assert!(bytes.starts_with(b"%PDF-"));
        let doc = parse(&bytes);
        let text = all_text(&doc);
        assert!(text.contains("Grace Hopper"), "{kind:?}: {text}");
        assert!(text.contains("42121928-01-5KNP"), "{kind:?}: {text}");
        assert!(text.contains("Scan to verify"), "{kind:?}: {text}");
        assert!(
            !text.contains(VIEW_ONLY),
            "{kind:?}: an original is not marked view-only"
        );
    }
}

#[test]
fn the_certificate_says_what_was_awarded() {
    let doc =
        parse(&pdf(&printed(Kind::Certificate), &brand(), Copy::Original, None).expect("renders"));
    let text = all_text(&doc);
    for expected in [
        "Example Awarding Body",
        "Certificate",
        "This is to certify that",
        "Level 3 Award in Electric Vehicle Repair",
        "603/4182/8",
        "Evening course, autumn intake",
        "1 November 2026",
        "ENR-1001",
        "Northgate College",
        URL,
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
    assert_eq!(doc.get_pages().len(), 1);
}

#[test]
fn the_letter_greets_the_learner_and_confirms_the_award() {
    let doc = parse(&pdf(&printed(Kind::Letter), &brand(), Copy::Original, None).expect("renders"));
    let text = all_text(&doc);
    for expected in [
        "Dear Grace Hopper,",
        "603/4182/8",
        "1 November 2026",
        "ENR-1001",
        "Yours sincerely",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
}

#[test]
fn a_view_only_copy_is_marked_on_every_page() {
    for doc in [
        printed(Kind::Certificate),
        printed(Kind::Letter),
        with_units(120),
    ] {
        let parsed = parse(&pdf(&doc, &brand(), Copy::ViewOnly, None).expect("renders"));
        let pages = page_texts(&parsed);
        assert!(!pages.is_empty());
        for (i, text) in pages.iter().enumerate() {
            // The band, the watermark and the footer.
            assert!(
                text.matches(VIEW_ONLY).count() >= 3,
                "{:?} page {}: {text}",
                doc.kind,
                i + 1
            );
        }
    }
}

#[test]
fn a_marking_is_printed_on_every_page() {
    for marking in ["REVOKED", "WITHDRAWN", "SUPERSEDED"] {
        for doc in [
            printed(Kind::Certificate),
            printed(Kind::Letter),
            with_units(120),
        ] {
            let parsed =
                parse(&pdf(&doc, &brand(), Copy::ViewOnly, Some(marking)).expect("renders"));
            for (i, text) in page_texts(&parsed).iter().enumerate() {
                assert!(
                    text.contains(marking),
                    "{:?} page {}: {text}",
                    doc.kind,
                    i + 1
                );
                assert!(text.contains(VIEW_ONLY));
            }
        }
    }
    let clean =
        parse(&pdf(&printed(Kind::Certificate), &brand(), Copy::Original, None).expect("renders"));
    assert!(!all_text(&clean).contains("REVOKED"));
}

#[test]
fn the_qr_code_on_every_page_scans_to_the_verify_url() {
    for doc in [
        printed(Kind::Certificate),
        printed(Kind::Letter),
        with_units(120),
    ] {
        for copy in [Copy::Original, Copy::ViewOnly] {
            let parsed = parse(&pdf(&doc, &brand(), copy, Some("REVOKED")).expect("renders"));
            let codes = page_qr_codes(&parsed);
            assert!(!codes.is_empty());
            for (i, on_page) in codes.iter().enumerate() {
                assert_eq!(on_page, &[URL.to_owned()], "{:?} page {}", doc.kind, i + 1);
            }
        }
    }
}

#[test]
fn the_qr_code_follows_the_url() {
    let mut doc = printed(Kind::Certificate);
    doc.verify_url = "https://verify.example.com/v/99999999-02-ABCD?utm=paper".into();
    let parsed = parse(&pdf(&doc, &brand(), Copy::Original, None).expect("renders"));
    assert_eq!(page_qr_codes(&parsed), [[doc.verify_url.clone()]]);
}

#[test]
fn two_hundred_units_flow_over_pages_with_every_code_printed() {
    let doc = with_units(200);
    let parsed = parse(&pdf(&doc, &brand(), Copy::Original, None).expect("renders"));
    let pages = page_texts(&parsed);
    let n = pages.len();
    assert!(n >= 4, "200 units on {n} pages");
    assert_eq!(page_count(&doc, &brand()), Ok(n));
    let text = pages.concat();
    for unit in &doc.units {
        assert_eq!(
            text.matches(&unit.code).count(),
            1,
            "{} printed once",
            unit.code
        );
    }
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains(&format!("Page {} of {n}", i + 1)),
            "page {}: {page}",
            i + 1
        );
        assert!(
            page.contains("Unit title"),
            "the table header repeats on page {}",
            i + 1
        );
        assert!(
            page.contains("42121928-01-5KNP"),
            "the reference is on page {}",
            i + 1
        );
    }
}

#[test]
fn a_unit_certificate_without_units_says_so() {
    let mut doc = printed(Kind::UnitCertificate);
    doc.units.clear();
    let parsed = parse(&pdf(&doc, &brand(), Copy::Original, None).expect("renders"));
    assert!(all_text(&parsed).contains("No units are recorded"));
    assert_eq!(page_count(&doc, &brand()), Ok(1));
}

/// A 120-character title and a 100-character name wrap or shrink; not a word is lost (the
/// unit tests in `layout` check that every line also stays on the page).
#[test]
fn long_names_and_titles_are_printed_whole() {
    let title = "Level 3 Extended Diploma in the Diagnosis, Maintenance and Repair of Electric, \
                 Hybrid and Hydrogen Fuel Cell Vehicles";
    let title = format!("{title} {}", "x".repeat(120 - title.len() - 1));
    assert_eq!(title.chars().count(), 120);
    let name = "Maximiliana-Wilhelmina Alexandrina Konstantinopoulou-Featherstonehaugh de la Vega y Montoya-Ruiz Smith";
    assert!(name.len() >= 100);
    let words: Vec<&str> = title.split(' ').chain(name.split(' ')).collect();
    for kind in [Kind::Certificate, Kind::UnitCertificate, Kind::Letter] {
        let mut doc = printed(kind);
        doc.qualification_title.clone_from(&title);
        doc.learner_name = name.into();
        doc.centre_name = Some(
            "The Northgate and District College of Further Education, Engineering Campus".into(),
        );
        let parsed = parse(&pdf(&doc, &brand(), Copy::Original, None).expect("renders"));
        let text = all_text(&parsed);
        for word in &words {
            assert!(
                text.contains(word),
                "{kind:?}: {word:?} missing from {text}"
            );
        }
        assert!(!text.contains('…'), "{kind:?}: nothing cut short");
    }
}

#[test]
fn a_bad_logo_is_an_error_and_a_good_one_is_drawn() {
    let good = logo_png();
    let truncated = good[..good.len() - 20].to_vec();
    for bad in [b"not a png at all".to_vec(), truncated, Vec::new()] {
        let brand = Brand {
            logo_png: Some(bad),
            ..brand()
        };
        for kind in [Kind::Certificate, Kind::Letter] {
            let result = pdf(&printed(kind), &brand, Copy::Original, None);
            assert!(
                matches!(result, Err(RenderError::Logo(_))),
                "{kind:?}: {result:?}"
            );
        }
    }

    let brand = Brand {
        logo_png: Some(good),
        ..brand()
    };
    for kind in [Kind::Certificate, Kind::UnitCertificate, Kind::Letter] {
        let parsed = parse(
            &pdf(&printed(kind), &brand, Copy::Original, None).expect("renders with the logo"),
        );
        let page = *parsed.get_pages().values().next().expect("a page");
        let images = page_images(&parsed, page);
        assert_eq!(images.len(), 2, "{kind:?}: the logo and the QR code");
        let logo = images
            .iter()
            .filter_map(|&id| parsed.get_object(id).ok()?.as_stream().ok())
            .find(|s| s.dict.get(b"Width").and_then(Object::as_i64).ok() == Some(48));
        assert!(logo.is_some(), "{kind:?}: the 48-pixel logo is drawn");
    }
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let a = pdf(
        &printed(Kind::Certificate),
        &brand(),
        Copy::ViewOnly,
        Some("REVOKED"),
    )
    .expect("renders");
    let b = pdf(
        &printed(Kind::Certificate),
        &brand(),
        Copy::ViewOnly,
        Some("REVOKED"),
    )
    .expect("renders");
    assert_eq!(a, b);
}

#[test]
fn fonts_are_embedded_as_subsets() {
    let bytes = pdf(&printed(Kind::Certificate), &brand(), Copy::Original, None).expect("renders");
    let doc = parse(&bytes);
    let mut embedded = 0;
    for object in doc.objects.values() {
        let Ok(d) = object.as_dict() else { continue };
        if d.get(b"Type").and_then(Object::as_name).ok() == Some(b"FontDescriptor") {
            assert!(
                d.has(b"FontFile2") || d.has(b"FontFile3"),
                "font program embedded"
            );
            embedded += 1;
        }
    }
    assert_eq!(embedded, 2, "regular and bold");
    // The two DejaVu files are ~1.4 MB; subsets are a few tens of kB.
    assert!(bytes.len() < 120_000, "{} bytes", bytes.len());
}

#[test]
fn the_badge_escapes_its_text() {
    let svg = badge_svg(
        "Level 3 <Award> in \"Repair\" & Care",
        "Grace <script>alert(1)</script> Hopper",
        "1 November 2026",
        "Smith & Sons' \"Awards\"",
    );
    assert!(svg.starts_with("<svg "), "{svg}");
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("width=\"600\"") && svg.contains("height=\"600\""));
    assert!(svg.contains("&lt;Award&gt;"));
    assert!(svg.contains("&quot;Repair&quot; &amp; Care"));
    assert!(svg.contains("Grace &lt;script&gt;alert(1)&lt;/script&gt; Hopper"));
    assert!(svg.contains("Smith &amp; Sons&apos; &quot;Awards&quot;"));
    assert!(svg.contains("1 November 2026"));
    assert!(!svg.contains("<script"), "{svg}");
    assert!(!svg.contains("<Award"));
    assert!(!svg.contains("href"), "self-contained");
    assert!(!svg.contains("& "), "every ampersand escaped");
}

#[test]
fn the_badge_holds_the_names() {
    let svg = badge_svg(
        "Level 3 Award in Electric Vehicle Repair",
        "Grace Hopper",
        "1 November 2026",
        "Example Awarding Body",
    );
    // Once each in the title, the label and the drawn text.
    for expected in ["Grace Hopper", "Example Awarding Body"] {
        assert!(
            svg.matches(expected).count() >= 3,
            "missing {expected:?} in {svg}"
        );
    }
    assert!(svg.matches("Level 3 Award").count() >= 3, "{svg}");
    assert!(svg.contains(">1 November 2026</text>"), "{svg}");
}
