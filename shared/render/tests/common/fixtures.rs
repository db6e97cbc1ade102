//! What the tests, the benches and the `samples` example render: a brand, documents, orders
//! of printed copies for a print pack, and a centre's statement of account. The tests reach it as `common::fixtures`; the
//! benches and the example include this file with `#[path = "../tests/common/fixtures.rs"]`.
//! Each user takes only some of it, so every item is `pub` (and included as a `pub mod`):
//! no user is warned about the others.

use portal_render::{
    Brand, Kind, PackItem, PackOrder, PrintPack, Printed, ReceiptSeller, Statement, StatementEntry,
    Unit,
};

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

/// The awarding body as receipts and statements print it.
pub fn seller() -> ReceiptSeller {
    ReceiptSeller {
        organisation_name: "Example Awarding Body".into(),
        address: vec![
            "Example House".into(),
            "1 Example Street".into(),
            "Leeds LS1 1AA".into(),
        ],
        vat_number: Some("GB 123 4567 89".into()),
        support_email: "support@example.org".into(),
    }
}

/// The `i`th entry of a month, after a balance of `balance_before`: a charge for an order, a
/// credit note or a payment, in turn.
pub fn statement_entry(i: usize, balance_before: i64) -> StatementEntry {
    let (kind, reference, description, amount) = match i % 3 {
        0 => (
            "Charge",
            format!("P97086{i:03}A"),
            format!("Printed certificates for {} learners, posted", 1 + i % 7),
            3000 * (1 + i as i64 % 7),
        ),
        1 => (
            "Credit note",
            format!("CN-2026-{i:04}"),
            "Certificate reprinted at our expense (misprinted name)".to_owned(),
            -(3350 + i as i64),
        ),
        _ => (
            "Payment",
            format!("BACS-NORTHGATE-{i:03}"),
            "Payment received, thank you".to_owned(),
            -(10_000 + i as i64),
        ),
    };
    StatementEntry {
        date: format!("{} Nov 2026", 1 + i % 30),
        kind: kind.into(),
        reference,
        description,
        amount,
        balance: balance_before + amount,
    }
}

/// Northgate College's (centre C-40213) November 2026: `n` entries from an opening balance of
/// £1,234.50 under a credit limit of £5,000.00, the sums and balances worked out from them.
pub fn centre_statement(n: usize) -> Statement {
    let opening = 123_450;
    let mut balance = opening;
    let entries: Vec<StatementEntry> = (0..n)
        .map(|i| {
            let e = statement_entry(i, balance);
            balance = e.balance;
            e
        })
        .collect();
    let sum = |kind: &str| -> i64 {
        (entries.iter())
            .filter(|e| e.kind == kind)
            .map(|e| e.amount.abs())
            .sum()
    };
    let limit = 500_000;
    Statement {
        seller: seller(),
        logo_png: None,
        centre_name: "Northgate College".into(),
        centre_number: "C-40213".into(),
        month: "November 2026".into(),
        issued_on: "1 December 2026".into(),
        opening,
        charges: sum("Charge"),
        credits: sum("Credit note"),
        payments: sum("Payment"),
        closing: balance,
        limit,
        available: limit - balance,
        entries,
    }
}
