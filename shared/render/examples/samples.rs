//! Writes sample documents to a folder, to look at: `cargo run -p portal-render --example
//! samples -- /tmp/samples`.

use std::path::PathBuf;

use portal_render::{Brand, Copy, Kind, Printed, Unit, badge_svg, pdf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "samples".into()));
    std::fs::create_dir_all(&dir)?;
    let long = std::env::var_os("LONG").is_some();
    let brand = Brand {
        organisation_name: "Example Awarding Body".into(),
        logo_png: std::env::var_os("LOGO").map(std::fs::read).transpose()?,
        support_email: "support@example.org".into(),
    };
    let doc = |kind, units: usize| Printed {
        kind,
        reference: "42121928-01-5KNP".into(),
        learner_name: if long {
            "Maximiliana-Wilhelmina Alexandrina Konstantinopoulou-Featherstonehaugh de la Vega y Montoya".into()
        } else {
            "Grace Hopper".into()
        },
        enrolment_number: "ENR-1001".into(),
        qualification_title: if long {
            "Level 3 Extended Diploma in the Diagnosis, Maintenance and Repair of Electric, Hybrid and Hydrogen Fuel Cell Vehicles x".into()
        } else {
            "Level 3 Award in Electric Vehicle Repair".into()
        },
        qualification_code: "603/4182/8".into(),
        course: Some("Evening course, autumn intake".into()),
        award_date: "1 November 2026".into(),
        issued_on: "3 November 2026".into(),
        centre_name: Some(if long {
            "The Northgate and District College of Further Education, Engineering and Automotive Campus".into()
        } else {
            "Northgate College".into()
        }),
        units: (1..=units)
            .map(|i| Unit {
                code: format!("K{i:04}X"),
                title: format!("Unit {i}: diagnosing faults in battery management systems"),
                grade: Some("Merit".into()),
            })
            .collect(),
        verify_url: "https://portal.example.org/verify/42121928-01-5KNP".into(),
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
    Ok(())
}
