//! What the awarding body sells (ORD-1), how it delivers (ORD-3) and the VAT it charges: the
//! store's configuration, with the defaults the guides describe and one validation that names
//! every bad field (the configuration console of the back office uses the same).

use serde::{Deserialize, Serialize};

use super::money::VatRate;
use crate::accounts::model::AccountKind;
use crate::documents::DocumentKind;
use crate::error::{FieldError, Result};

/// Who buys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Buyer {
    Learner,
    ThirdParty,
    Centre,
}

impl Buyer {
    pub fn of(kind: AccountKind) -> Option<Self> {
        match kind {
            AccountKind::Learner => Some(Self::Learner),
            AccountKind::ThirdParty => Some(Self::ThirdParty),
            AccountKind::Centre => Some(Self::Centre),
            AccountKind::Admin => None,
        }
    }
}

/// How a product reaches the buyer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Fulfilment {
    /// Printed and posted (or collected): needs a delivery option.
    Post,
    /// A letter issued as a document of its own, downloaded from the order: no delivery.
    Digital,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Product {
    /// Stable: baskets and orders name the product by it.
    pub id: String,
    pub name: String,
    pub description: String,
    /// What the buyer pays for one, VAT included, in pence.
    pub price: i64,
    /// The id of one of the store's VAT rates.
    pub vat_rate: String,
    pub buyers: Vec<Buyer>,
    /// The kinds of document it is ordered for.
    pub document_kinds: Vec<DocumentKind>,
    pub fulfilment: Fulfilment,
    /// At most one per candidate, achievement and buyer, ever (the proof-of-qualification
    /// letter: a third party orders one per candidate's achievement).
    #[serde(default)]
    pub once_per_achievement: bool,
}

/// Which delivery countries an option serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Countries {
    /// The United Kingdom (`GB`).
    Uk,
    /// Everywhere but the United Kingdom.
    International,
    /// Anywhere (collection in person).
    Any,
}

impl Countries {
    pub fn serves(self, country: &str) -> bool {
        match self {
            Self::Uk => country == "GB",
            Self::International => country != "GB",
            Self::Any => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliveryOption {
    pub id: String,
    pub name: String,
    /// VAT included, in pence; `None`: priced by the awarding body's team for each order (the
    /// order waits for a quote before it can be paid).
    pub price: Option<i64>,
    pub vat_rate: String,
    pub countries: Countries,
    /// Collected in person: no delivery address is needed.
    #[serde(default)]
    pub collection: bool,
}

/// The seller as printed on VAT receipts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Seller {
    /// Lines of the awarding body's postal address.
    pub address: Vec<String>,
    pub vat_number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreSettings {
    pub products: Vec<Product>,
    pub delivery_options: Vec<DeliveryOption>,
    pub vat_rates: Vec<VatRate>,
    pub seller: Seller,
    /// An order not paid within this many hours is cancelled.
    pub unpaid_order_hours: i64,
    /// Why a centre orders a duplicate (CEN-6): one is picked per item.
    pub duplicate_reasons: Vec<String>,
}

/// The most of one item in a basket.
pub const MAX_QUANTITY: i64 = 10;

fn product(
    id: &str,
    name: &str,
    description: &str,
    price: i64,
    buyers: &[Buyer],
    document_kinds: &[DocumentKind],
    fulfilment: Fulfilment,
) -> Product {
    Product {
        id: id.to_owned(),
        name: name.to_owned(),
        description: description.to_owned(),
        price,
        vat_rate: "standard".to_owned(),
        buyers: buyers.to_vec(),
        document_kinds: document_kinds.to_vec(),
        fulfilment,
        once_per_achievement: false,
    }
}

fn delivery(id: &str, name: &str, price: Option<i64>, countries: Countries) -> DeliveryOption {
    DeliveryOption {
        id: id.to_owned(),
        name: name.to_owned(),
        price,
        vat_rate: "standard".to_owned(),
        countries,
        collection: false,
    }
}

impl Default for StoreSettings {
    fn default() -> Self {
        use Buyer::{Centre, Learner, ThirdParty};
        use DocumentKind::{Certificate, UnitCertificate};
        let mut proof = product(
            "proof-of-qualification",
            "Proof of qualification letter",
            "A letter confirming the candidate's achievement, issued to you with its own reference and QR code.",
            2400,
            &[ThirdParty],
            &[Certificate, UnitCertificate],
            Fulfilment::Digital,
        );
        proof.once_per_achievement = true;
        Self {
            products: vec![
                product(
                    "replacement-certificate",
                    "Replacement certificate",
                    "A printed replacement of the certificate, marked as a replacement copy.",
                    3000,
                    &[Learner, Centre],
                    &[Certificate],
                    Fulfilment::Post,
                ),
                product(
                    "replacement-unit-certificate",
                    "Replacement unit certificate",
                    "A printed replacement of the unit certificate, marked as a replacement copy.",
                    2500,
                    &[Learner, Centre],
                    &[UnitCertificate],
                    Fulfilment::Post,
                ),
                product(
                    "confirmation-of-award",
                    "Confirmation of award letter",
                    "A letter confirming your achievement, issued with its own reference and QR code.",
                    1800,
                    &[Learner],
                    &[Certificate, UnitCertificate],
                    Fulfilment::Digital,
                ),
                proof,
            ],
            delivery_options: vec![
                delivery(
                    "uk-second-class",
                    "UK 2nd class post",
                    Some(0),
                    Countries::Uk,
                ),
                delivery(
                    "uk-first-class",
                    "UK 1st class post",
                    Some(350),
                    Countries::Uk,
                ),
                delivery("uk-tracked", "UK tracked courier", Some(999), Countries::Uk),
                DeliveryOption {
                    collection: true,
                    ..delivery(
                        "collection",
                        "Collection from our office",
                        Some(0),
                        Countries::Any,
                    )
                },
                delivery(
                    "international",
                    "International courier (priced by our team)",
                    None,
                    Countries::International,
                ),
            ],
            vat_rates: vec![
                VatRate {
                    id: "standard".to_owned(),
                    name: "Standard rate".to_owned(),
                    basis_points: 2000,
                },
                VatRate {
                    id: "zero".to_owned(),
                    name: "Zero rate".to_owned(),
                    basis_points: 0,
                },
            ],
            seller: Seller {
                address: Vec::new(),
                vat_number: None,
            },
            unpaid_order_hours: 24,
            duplicate_reasons: ["Lost", "Damaged", "Name change", "Never received"]
                .map(str::to_owned)
                .to_vec(),
        }
    }
}

impl StoreSettings {
    pub fn product(&self, id: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.id == id)
    }

    pub fn delivery_option(&self, id: &str) -> Option<&DeliveryOption> {
        self.delivery_options.iter().find(|d| d.id == id)
    }

    pub fn vat_rate(&self, id: &str) -> Option<&VatRate> {
        self.vat_rates.iter().find(|r| r.id == id)
    }

    /// The delivery options for a delivery country, in the configured order.
    pub fn delivery_options_for<'a>(
        &'a self,
        country: &'a str,
    ) -> impl Iterator<Item = &'a DeliveryOption> + 'a {
        self.delivery_options
            .iter()
            .filter(move |d| d.countries.serves(country))
    }

    /// Every problem with the configuration, each naming its field
    /// (`products[2].price`); nothing is taken until there are none.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut add = |field: String, message: &str| errors.push(FieldError::new(field, message));
        let id_ok = |id: &str| {
            !id.is_empty()
                && id.len() <= 50
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        if self.vat_rates.is_empty() {
            add("vat_rates".into(), "must name at least one rate");
        }
        for (i, rate) in self.vat_rates.iter().enumerate() {
            if !id_ok(&rate.id) {
                add(
                    format!("vat_rates[{i}].id"),
                    "must be 1 to 50 lower-case letters, digits or dashes",
                );
            }
            if rate.basis_points > 10_000 {
                add(
                    format!("vat_rates[{i}].basis_points"),
                    "must be from 0 to 10000 (100 %)",
                );
            }
            if self.vat_rates[..i].iter().any(|r| r.id == rate.id) {
                add(format!("vat_rates[{i}].id"), "is used by another rate");
            }
        }
        if self.products.is_empty() {
            add("products".into(), "must hold at least one product");
        }
        for (i, p) in self.products.iter().enumerate() {
            let at = |field: &str| format!("products[{i}].{field}");
            if !id_ok(&p.id) {
                add(
                    at("id"),
                    "must be 1 to 50 lower-case letters, digits or dashes",
                );
            }
            if self.products[..i].iter().any(|q| q.id == p.id) {
                add(at("id"), "is used by another product");
            }
            if p.name.trim().is_empty() || p.name.chars().count() > 100 {
                add(at("name"), "must be 1 to 100 characters");
            }
            if !(0..=1_000_000).contains(&p.price) {
                add(at("price"), "must be from 0 to 1000000 pence");
            }
            if self.vat_rate(&p.vat_rate).is_none() {
                add(at("vat_rate"), "is not one of the VAT rates");
            }
            if p.buyers.is_empty() {
                add(at("buyers"), "must name at least one kind of buyer");
            }
            if p.document_kinds.is_empty() || p.document_kinds.contains(&DocumentKind::Badge) {
                add(
                    at("document_kinds"),
                    "must name certificates, unit certificates or letters",
                );
            }
        }
        for (i, d) in self.delivery_options.iter().enumerate() {
            let at = |field: &str| format!("delivery_options[{i}].{field}");
            if !id_ok(&d.id) {
                add(
                    at("id"),
                    "must be 1 to 50 lower-case letters, digits or dashes",
                );
            }
            if self.delivery_options[..i].iter().any(|e| e.id == d.id) {
                add(at("id"), "is used by another delivery option");
            }
            if d.name.trim().is_empty() || d.name.chars().count() > 100 {
                add(at("name"), "must be 1 to 100 characters");
            }
            if d.price.is_some_and(|p| !(0..=1_000_000).contains(&p)) {
                add(
                    at("price"),
                    "must be from 0 to 1000000 pence, or null for priced by our team",
                );
            }
            if self.vat_rate(&d.vat_rate).is_none() {
                add(at("vat_rate"), "is not one of the VAT rates");
            }
        }
        if self.duplicate_reasons.is_empty() {
            add("duplicate_reasons".into(), "must hold at least one reason");
        }
        for (i, reason) in self.duplicate_reasons.iter().enumerate() {
            if reason.trim().is_empty() || reason.chars().count() > 100 {
                add(
                    format!("duplicate_reasons[{i}]"),
                    "must be 1 to 100 characters",
                );
            } else if self.duplicate_reasons[..i]
                .iter()
                .any(|r| r.eq_ignore_ascii_case(reason))
            {
                add(format!("duplicate_reasons[{i}]"), "is given twice");
            }
        }
        if !(1..=24 * 30).contains(&self.unpaid_order_hours) {
            add("unpaid_order_hours".into(), "must be from 1 to 720");
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid_and_deliver_by_country() {
        let store = StoreSettings::default();
        assert_eq!(store.validate(), Ok(()));
        let uk: Vec<_> = store
            .delivery_options_for("GB")
            .map(|d| d.id.as_str())
            .collect();
        assert_eq!(
            uk,
            [
                "uk-second-class",
                "uk-first-class",
                "uk-tracked",
                "collection"
            ]
        );
        let abroad: Vec<_> = store
            .delivery_options_for("FR")
            .map(|d| d.id.as_str())
            .collect();
        assert_eq!(abroad, ["collection", "international"]);
        assert_eq!(store.delivery_option("international").unwrap().price, None);
    }

    #[test]
    fn a_bad_configuration_names_every_field() {
        let mut store = StoreSettings::default();
        store.products[0].price = -1;
        store.products[1].vat_rate = "luxury".into();
        store.products[2].id = store.products[0].id.clone();
        store.delivery_options[1].price = Some(-5);
        let errors = store.validate().unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "products[0].price",
                "products[1].vat_rate",
                "products[2].id",
                "delivery_options[1].price"
            ]
        );
        store.products.clear();
        let errors = store.validate().unwrap_err();
        assert_eq!(errors[0].field, "products");
    }
}
