//! Writes sample documents to a folder, to look at: `cargo run -p portal-render --example
//! samples -- /tmp/samples` (`LONG=1` for long names, a receipt of 60 lines, a statement of 120
//! entries and a packing slip of 60 items, `LOGO=file.png` for a logo).

use std::path::PathBuf;

use portal_render::{
    Brand, Copy, Kind, PrintPack, Printed, Receipt, ReceiptBuyer, ReceiptDelivery, ReceiptLine,
    ReceiptPayment, ReceiptTotals, ReceiptVat, Statement, badge_svg, pdf, print_pack, receipt,
    statement,
};

#[path = "../tests/common/fixtures.rs"]
pub mod fixtures;

use fixtures::{item, order, pack, printed, units};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "samples".into()));
    std::fs::create_dir_all(&dir)?;
    let long = std::env::var_os("LONG").is_some();
    let brand = Brand {
        logo_png: std::env::var_os("LOGO").map(std::fs::read).transpose()?,
        ..fixtures::brand()
    };
    let doc = |kind, units_n: usize| {
        let learner = if long {
            "Maximiliana-Wilhelmina Alexandrina Konstantinopoulou-Featherstonehaugh de la Vega y Montoya"
        } else {
            "Grace Hopper"
        };
        let mut doc = printed(kind, "42121928-01-5KNP", learner);
        doc.units = units(units_n);
        if long {
            doc.qualification_title = "Level 3 Extended Diploma in the Diagnosis, Maintenance and Repair of Electric, Hybrid and Hydrogen Fuel Cell Vehicles x".into();
            doc.centre_name = Some("The Northgate and District College of Further Education, Engineering and Automotive Campus".into());
        }
        doc
    };
    let samples = [
        (
            "certificate",
            doc(Kind::Certificate, 0),
            Copy::Original,
            None,
        ),
        (
            "certificate-view-only",
            doc(Kind::Certificate, 0),
            Copy::ViewOnly,
            None,
        ),
        (
            "certificate-revoked",
            doc(Kind::Certificate, 0),
            Copy::ViewOnly,
            Some("REVOKED"),
        ),
        (
            "unit-certificate",
            doc(Kind::UnitCertificate, 60),
            Copy::Original,
            None,
        ),
        ("letter", doc(Kind::Letter, 0), Copy::Original, None),
        (
            "letter-withdrawn",
            doc(Kind::Letter, 0),
            Copy::Original,
            Some("WITHDRAWN"),
        ),
    ];
    for (name, printed, copy, marking) in samples {
        std::fs::write(
            dir.join(format!("{name}.pdf")),
            pdf(&printed, &brand, copy, marking)?,
        )?;
    }
    let badge = if long {
        badge_svg(
            "Level 3 Extended Diploma in the Diagnosis, Maintenance and Repair of Electric, Hybrid and Hydrogen Fuel Cell Vehicles",
            "Maximiliana-Wilhelmina Alexandrina Konstantinopoulou-Featherstonehaugh",
            "30 September 2026",
            "The Extraordinarily Long-Named Awarding Body for Vocational Qualifications & <Co>",
        )
    } else {
        badge_svg(
            "Level 3 Award in Electric Vehicle Repair",
            "Grace Hopper",
            "1 November 2026",
            "Example Awarding Body",
        )
    };
    std::fs::write(dir.join("badge.svg"), badge)?;
    std::fs::write(
        dir.join("receipt.pdf"),
        receipt(&sample_receipt(
            brand.logo_png.clone(),
            if long { 60 } else { 4 },
        ))?,
    )?;
    std::fs::write(
        dir.join("statement.pdf"),
        statement(&Statement {
            logo_png: brand.logo_png.clone(),
            ..fixtures::centre_statement(if long { 120 } else { 8 })
        })?,
    )?;
    std::fs::write(
        dir.join("print-pack.pdf"),
        print_pack(&sample_pack(
            brand,
            [
                doc(Kind::Certificate, 0),
                doc(Kind::UnitCertificate, 60),
                doc(Kind::Letter, 0),
            ],
            long,
        ))?,
    )?;
    Ok(())
}

/// Two posted orders and one collected, `docs` shared out among them; with `long`, the first
/// order lists 60 items.
fn sample_pack(brand: Brand, docs: [Printed; 3], long: bool) -> PrintPack {
    let [certificate, units, letter] = docs;
    let mut first = order("P9708601A", false, vec![certificate.clone(), units]);
    if long {
        first.items = (0..60)
            .map(|i| item(&certificate, (i % 3 == 0).then_some("Damaged in the post")))
            .collect();
    }
    PrintPack {
        brand,
        ..pack(vec![
            first,
            order("P9708602B", true, vec![letter]),
            order("P9708603C", false, vec![certificate.clone(), certificate]),
        ])
    }
}

/// A paid order: `lines` posted certificates at 20 % and a delivery charge at 20 %.
fn sample_receipt(logo_png: Option<Vec<u8>>, lines: usize) -> Receipt {
    let vat_in = |gross: i64| (gross * 2000 * 2 + 12_000) / 24_000;
    let lines: Vec<ReceiptLine> = (1..=lines)
        .map(|i| {
            let quantity = 1 + (i as i64 % 3);
            let unit_price = if i == 3 { 124_950 } else { 3000 };
            let gross = quantity * unit_price;
            let vat = vat_in(gross);
            ReceiptLine {
                description: if i == 2 {
                    "Unit certificate (posted) — Level 3 Extended Diploma in Electric and Hybrid \
                     Vehicle Repair, Zoë Łukasz"
                        .into()
                } else {
                    format!("Replacement certificate (posted) — Level 3 Award in Electric Vehicle Repair, learner {i}")
                },
                reference: format!("4212{i:04}-01-5KNP"),
                quantity,
                unit_price,
                vat_rate_name: "Standard rate".into(),
                vat_basis_points: 2000,
                net: gross - vat,
                vat,
                gross,
            }
        })
        .collect();
    let delivery = 999;
    let gross = lines.iter().map(|l| l.gross).sum::<i64>() + delivery;
    let vat = vat_in(gross);
    Receipt {
        seller: fixtures::seller(),
        logo_png,
        number: "ORD-2026-000123".into(),
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
            name: "UK tracked courier".into(),
            price: delivery,
        }),
        lines,
        vat: vec![ReceiptVat {
            rate_name: "Standard rate".into(),
            basis_points: 2000,
            net: gross - vat,
            vat,
            gross,
        }],
        totals: ReceiptTotals {
            net: gross - vat,
            vat,
            total: gross,
        },
        payment: ReceiptPayment {
            method: "Card".into(),
            reference: "pi_3NqR2x2eZvKYlo2C1h3c0XyZ".into(),
        },
    }
}
