//! What the tests, the benches and the `samples` example render: a brand, documents, and
//! orders of printed copies for a print pack. The tests reach it as `common::fixtures`; the
//! benches and the example include this file with `#[path = "../tests/common/fixtures.rs"]`.
//! Each user takes only some of it, so every item is `pub` (and included as a `pub mod`):
//! no user is warned about the others.

use portal_render::{Brand, Kind, PackItem, PackOrder, PrintPack, Printed, Unit};

pub fn brand() -> Brand {
    Brand {
        organisation_name: "Example Awarding Body".into(),
        logo_png: None,
        support_email: "support@example.org".into(),
    }
}

/// A document of `kind` for `learner`, its verify link ending in its `reference`; no units.
pub fn printed(kind: Kind, reference: &str, learner: &str) -> Printed {
    Printed {
        kind,
        reference: reference.into(),
        learner_name: learner.into(),
        enrolment_number: "ENR-1001".into(),
        qualification_title: "Level 3 Award in Electric Vehicle Repair".into(),
        qualification_code: "603/4182/8".into(),
        course: Some("Evening course, autumn intake".into()),
        award_date: "1 November 2026".into(),
        issued_on: "3 November 2026".into(),
        centre_name: Some("Northgate College".into()),
        units: Vec::new(),
        verify_url: format!("https://portal.example.org/verify/{reference}"),
    }
}

/// `n` units (`K0001X` on), all at Merit.
pub fn units(n: usize) -> Vec<Unit> {
    (1..=n)
        .map(|i| Unit {
            code: format!("K{i:04}X"),
            title: format!("Unit {i}: diagnosing faults in battery management systems"),
            grade: Some("Merit".into()),
        })
        .collect()
}

/// The packing slip's row for one copy of `doc`.
pub fn item(doc: &Printed, reason: Option<&str>) -> PackItem {
    let what = match doc.kind {
        Kind::Certificate => "certificate",
        Kind::UnitCertificate => "unit certificate",
        Kind::Letter => "letter",
    };
    PackItem {
        description: format!("Replacement {what} — {}", doc.qualification_title),
        learner_name: doc.learner_name.clone(),
        reference: doc.reference.clone(),
        quantity: 1,
        reason: reason.map(Into::into),
    }
}

/// An order of `documents` (one item each, lost in a house move), posted to Ada Lovelace at a
/// flat named after the order number's last two characters, or collected.
pub fn order(number: &str, collection: bool, documents: Vec<Printed>) -> PackOrder {
    PackOrder {
        number: number.into(),
        placed_on: "3 December 2026".into(),
        buyer_name: "Northgate College".into(),
        delivery_name: "Ada Lovelace".into(),
        delivery_option: if collection {
            "Collection from our office".into()
        } else {
            "UK tracked courier".into()
        },
        collection,
        address: vec![
            format!("Flat {}", &number[number.len().saturating_sub(2)..]),
            "12 High Street".into(),
            "York".into(),
            "YO1 7HH".into(),
            "United Kingdom".into(),
        ],
        items: documents
            .iter()
            .map(|d| item(d, Some("Lost in a house move")))
            .collect(),
        documents,
    }
}

/// A print pack of `orders` under [`brand`], issued on 5 December 2026.
pub fn pack(orders: Vec<PackOrder>) -> PrintPack {
    PrintPack {
        brand: brand(),
        return_address: vec![
            "Returns department".into(),
            "1 Example Street".into(),
            "Leeds LS1 1AA".into(),
        ],
        issued_on: "5 December 2026".into(),
        orders,
    }
}
