//! Money in integer pence (never a float), and VAT.
//!
//! Prices are set VAT-inclusive — what a buyer pays, as UK prices shown to consumers must be —
//! so a basket's total is the sum of its lines to the penny. VAT is then worked out **per rate
//! on the invoice total, rounded half up**: for each rate, the VAT in the gross amount charged
//! at that rate is `gross × rate / (1 + rate)`, rounded to the nearest penny with halves going
//! up, and the net is the gross less that VAT. A line's own VAT is shown by the same rule; the
//! lines' VAT may then differ from the rate's total by a penny, and the total is the one that
//! counts (it is what the receipt shows as VAT at that rate).

use serde::{Deserialize, Serialize};

/// The VAT in a VAT-inclusive amount at `basis_points` (2000 = 20 %), rounded half up.
pub fn vat_in_gross(gross: i64, basis_points: u32) -> i64 {
    if gross <= 0 || basis_points == 0 {
        return 0;
    }
    let numerator = i128::from(gross) * i128::from(basis_points);
    let denominator = 10_000 + i128::from(basis_points);
    // Half up: add half the divisor before the (flooring, as both are positive) division.
    let vat = (2 * numerator + denominator) / (2 * denominator);
    i64::try_from(vat).unwrap_or(i64::MAX)
}

/// `£1,234.50` (negative amounts keep their sign in front).
pub fn format_gbp(pence: i64) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    let pence = pence.unsigned_abs();
    let pounds = (pence / 100).to_string();
    let mut grouped = String::with_capacity(pounds.len() + pounds.len() / 3);
    for (i, digit) in pounds.chars().enumerate() {
        if i > 0 && (pounds.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}£{grouped}.{:02}", pence % 100)
}

/// A rate of VAT the awarding body charges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VatRate {
    /// Products and delivery options name their rate by this (`standard`, `zero`).
    pub id: String,
    /// As printed on receipts ("Standard rate").
    pub name: String,
    /// Hundredths of a per cent: 2000 is 20 %.
    pub basis_points: u32,
}

/// Net, VAT and gross of one amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Amounts {
    pub net: i64,
    pub vat: i64,
    pub gross: i64,
}

impl Amounts {
    pub fn of_gross(gross: i64, basis_points: u32) -> Self {
        let vat = vat_in_gross(gross, basis_points);
        Self {
            net: gross - vat,
            vat,
            gross,
        }
    }
}

/// The VAT charged at one rate on a whole order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VatAtRate {
    pub rate_id: String,
    pub rate_name: String,
    pub basis_points: u32,
    #[serde(flatten)]
    pub amounts: Amounts,
}

/// Sums gross amounts by rate and works out each rate's VAT on its total (the rule above).
/// Rates come out in the order they were first charged.
pub fn vat_by_rate<'a>(charges: impl IntoIterator<Item = (&'a VatRate, i64)>) -> Vec<VatAtRate> {
    let mut totals: Vec<(&VatRate, i64)> = Vec::new();
    for (rate, gross) in charges {
        match totals.iter_mut().find(|(r, _)| r.id == rate.id) {
            Some((_, sum)) => *sum += gross,
            None => totals.push((rate, gross)),
        }
    }
    totals
        .into_iter()
        .map(|(rate, gross)| VatAtRate {
            rate_id: rate.id.clone(),
            rate_name: rate.name.clone(),
            basis_points: rate.basis_points,
            amounts: Amounts::of_gross(gross, rate.basis_points),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rate(id: &str, basis_points: u32) -> VatRate {
        VatRate {
            id: id.to_owned(),
            name: id.to_owned(),
            basis_points,
        }
    }

    #[test]
    fn vat_at_twenty_per_cent_of_round_prices_is_exact() {
        assert_eq!(vat_in_gross(3000, 2000), 500);
        assert_eq!(vat_in_gross(420, 2000), 70);
        assert_eq!(vat_in_gross(0, 2000), 0);
        assert_eq!(vat_in_gross(999, 0), 0);
    }

    #[test]
    fn halves_round_up() {
        // 3 × 2000 / 12000 = 0.5 → 1; 9 × 2000 / 12000 = 1.5 → 2; 1 → 0.1667 → 0.
        assert_eq!(vat_in_gross(3, 2000), 1);
        assert_eq!(vat_in_gross(9, 2000), 2);
        assert_eq!(vat_in_gross(1, 2000), 0);
        // 5 % (reduced): 21 × 500 / 10500 = 1.0 exactly; 42 → 2.
        assert_eq!(vat_in_gross(21, 500), 1);
        assert_eq!(vat_in_gross(42, 500), 2);
    }

    #[test]
    fn vat_is_worked_out_on_each_rates_total_not_summed_from_lines() {
        let standard = rate("standard", 2000);
        let zero = rate("zero", 0);
        // Three lines of 3p: each line's VAT rounds to 1p (0.5 up), but on the total of 9p it
        // is 1.5 → 2p, not 3p.
        let by_rate = vat_by_rate([(&standard, 3), (&zero, 500), (&standard, 3), (&standard, 3)]);
        assert_eq!(by_rate.len(), 2);
        assert_eq!(by_rate[0].rate_id, "standard");
        assert_eq!(
            by_rate[0].amounts,
            Amounts {
                net: 7,
                vat: 2,
                gross: 9
            }
        );
        assert_eq!(
            by_rate[1].amounts,
            Amounts {
                net: 500,
                vat: 0,
                gross: 500
            }
        );
    }

    #[test]
    fn pounds_are_written_with_pence_and_thousands() {
        assert_eq!(format_gbp(0), "£0.00");
        assert_eq!(format_gbp(350), "£3.50");
        assert_eq!(format_gbp(999), "£9.99");
        assert_eq!(format_gbp(123_456_789), "£1,234,567.89");
        assert_eq!(format_gbp(-2500), "-£25.00");
    }

    proptest! {
        #[test]
        fn net_plus_vat_is_gross_and_vat_is_within_half_a_penny(gross in 0i64..10_000_000, bp in 0u32..5000) {
            let a = Amounts::of_gross(gross, bp);
            prop_assert_eq!(a.net + a.vat, gross);
            prop_assert!(a.vat >= 0 && a.vat <= gross);
            // |vat − exact| ≤ ½ penny, in integers: |vat × (10000 + bp) − gross × bp| × 2 ≤ 10000 + bp.
            let exact = i128::from(gross) * i128::from(bp);
            let got = i128::from(a.vat) * (10_000 + i128::from(bp));
            prop_assert!((got - exact).abs() * 2 <= 10_000 + i128::from(bp));
        }
    }
}
