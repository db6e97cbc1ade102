//! Checkout (ORD-3): the delivery options for a country, the review of what will be charged,
//! and placing the order — its prices and totals fixed there — with the buyer sent to the
//! payment provider's page (ORD-4).
//!
//! Placing is idempotent: the order's id comes from the buyer and their `Idempotency-Key`, so
//! the same key answers the same order, and two requests with it at once make one order (the
//! order is written with a "not there yet" condition in the one transaction that also takes the
//! once-per-achievement guards). The payment page is opened before that transaction with the
//! provider's own idempotency key (the order's id), so both requests get the same page.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::Duration;

use super::basket::{self, Line, SeenThrough, orderable};
use super::catalogue::{Buyer, DeliveryOption, Fulfilment};
use super::money::{Amounts, vat_by_rate};
use super::orders::{
    CreatedBy, Order, OrderDelivery, OrderLine, OrderStatus, OrderView, Payment, PaymentMethod,
    StatusChange, Totals,
};
use crate::accounts::addresses::Address;
use crate::accounts::sessions::Principal;
use crate::connections::Connection;
use crate::ctx::Ctx;
use crate::documents::jobs::{Achievement, DocumentRecord};
use crate::error::{Error, FieldError, Fields, Result};
use crate::items::{from_item, to_item};
use crate::keys;
use crate::ports::payments::{NewPayment, PaymentError};
use crate::ports::{Key, TableError, Write};

/// A delivery option as a buyer in one country is offered it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DeliveryChoice {
    pub id: String,
    pub name: String,
    /// VAT included, in pence; `None`: priced by our team after the order is placed.
    pub price: Option<i64>,
    pub priced_by_team: bool,
    pub collection: bool,
}

impl DeliveryChoice {
    fn of(option: &DeliveryOption) -> Self {
        Self {
            id: option.id.clone(),
            name: option.name.clone(),
            price: option.price,
            priced_by_team: option.price.is_none(),
            collection: option.collection,
        }
    }
}

/// The delivery options for a delivery country (ORD-3).
pub fn delivery_options(ctx: &Ctx, raw_country: Option<&str>) -> Result<Vec<DeliveryChoice>> {
    let mut fields = Fields::new();
    let country = fields.required("country", raw_country, crate::values::country_code);
    fields.finish()?;
    let country = country.ok_or_else(|| Error::field("country", "is required"))?;
    Ok(ctx
        .settings
        .store
        .delivery_options_for(&country)
        .map(DeliveryChoice::of)
        .collect())
}

/// What checkout was asked for.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CheckoutInput {
    /// One of the buyer's addresses.
    pub billing_address_id: Option<String>,
    /// One of the buyer's addresses; needed when something is posted (not for a collection).
    pub delivery_address_id: Option<String>,
    /// A delivery option for the delivery address's country; needed when something is posted.
    pub delivery_option: Option<String>,
    /// `card`, or for a centre user `centre_credit`: charged to the centre's account at once
    /// (the order's payment method is then `on_account`).
    pub payment_method: Option<String>,
}

/// What the order will charge: each line, delivery, VAT by rate and the total.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Review {
    pub lines: Vec<super::orders::OrderedItem>,
    pub delivery: Option<OrderDelivery>,
    pub totals: Totals,
}

/// Works out the totals: the lines and the delivery (when priced) summed by VAT rate, each
/// rate's VAT on its total (half up), the net the gross less the VAT.
pub fn totals(ctx: &Ctx, lines: &[OrderLine], delivery: Option<&OrderDelivery>) -> Totals {
    let store = &ctx.settings.store;
    let zero = super::money::VatRate {
        id: "zero".into(),
        name: "Zero rate".into(),
        basis_points: 0,
    };
    let rate = |id: &str| store.vat_rate(id).unwrap_or(&zero);
    let mut charges: Vec<(&super::money::VatRate, i64)> = lines
        .iter()
        .map(|l| (rate(&l.vat_rate), l.amounts.gross))
        .collect();
    let delivery_price = delivery.and_then(|d| d.price);
    if let (Some(d), Some(price)) = (delivery, delivery_price) {
        charges.push((rate(&d.vat_rate), price));
    }
    let vat = vat_by_rate(charges);
    let items: i64 = lines.iter().map(|l| l.amounts.gross).sum();
    let total = items + delivery_price.unwrap_or(0);
    let vat_total: i64 = vat.iter().map(|v| v.amounts.vat).sum();
    Totals {
        items,
        delivery: if delivery.is_some() {
            delivery_price
        } else {
            Some(0)
        },
        vat,
        net: total - vat_total,
        vat_total,
        total,
    }
}

/// Everything checkout reads, each problem named: the lines priced now, the addresses and the
/// delivery. Nothing is written.
struct Prepared {
    lines: Vec<OrderLine>,
    line_ids: Vec<String>,
    billing: Address,
    delivery: Option<OrderDelivery>,
    once_keys: Vec<Key>,
    method: PaymentMethod,
}

/// `given`: lines an administrator orders on the buyer's behalf, in place of the basket.
async fn prepare(
    ctx: &Ctx,
    principal: &Principal,
    input: &CheckoutInput,
    given: Option<Vec<Line>>,
) -> Result<Prepared> {
    let store = &ctx.settings.store;
    let mut fields = Fields::new();
    let method = match (
        input
            .payment_method
            .as_deref()
            .map(str::trim)
            .unwrap_or("card"),
        Buyer::of(principal.kind()),
    ) {
        ("card", _) => PaymentMethod::Card,
        ("centre_credit", Some(Buyer::Centre)) => PaymentMethod::OnAccount,
        ("centre_credit", _) => {
            fields.add("payment_method", "is for centres' accounts only");
            PaymentMethod::Card
        }
        _ => {
            fields.add("payment_method", "must be card or centre_credit");
            PaymentMethod::Card
        }
    };
    let from_basket = given.is_none();
    let lines_field = if from_basket { "basket.lines" } else { "items" };
    // The basket and the address book are read at once (one partition, two ranges).
    let (stored, addresses) = futures::try_join!(
        async {
            match given {
                Some(lines) => Ok(lines),
                None => basket::lines(ctx, principal.user_id()).await,
            }
        },
        crate::accounts::addresses::list(ctx, principal)
    )?;
    if stored.is_empty() {
        fields.add("basket", "is empty: add something to order first");
        return Err(fields.into_error());
    }
    let find = |field: &str, id: Option<&str>, fields: &mut Fields| -> Option<Address> {
        let id = id.map(str::trim).filter(|i| !i.is_empty())?;
        let found = addresses.iter().find(|a| a.id == id).cloned();
        if found.is_none() {
            fields.add(field, "is not one of your addresses");
        }
        found
    };
    let billing = find(
        "billing_address_id",
        input.billing_address_id.as_deref(),
        &mut fields,
    );
    if input
        .billing_address_id
        .as_deref()
        .is_none_or(|i| i.trim().is_empty())
    {
        fields.add("billing_address_id", "is required");
    }

    // Re-read each line's document (and connection) and achievement: what was orderable when
    // added may not be now (revoked, no longer shared).
    let (records, connections, achievements) = read_lines(ctx, &stored).await?;
    let mut lines = Vec::with_capacity(stored.len());
    let mut once_keys = Vec::new();
    let mut posted = false;
    for (i, line) in stored.iter().enumerate() {
        let at = format!("{lines_field}[{i}]");
        let Some(product) = store.product(&line.product_id) else {
            fields.add(&at, "is a product no longer sold: remove it");
            continue;
        };
        if let Err(why) = orderable(
            principal,
            product,
            records[i].as_ref(),
            SeenThrough {
                connection: connections[i].as_ref(),
                centre_number: achievements[i].as_ref().map(|a| a.centre_number.as_str()),
            },
            ctx.now(),
        ) {
            fields.add(&at, format!("{}: the document {why}", product.name));
            continue;
        }
        let Some(achievement) = &achievements[i] else {
            fields.add(&at, "is a document that can no longer be found");
            continue;
        };
        posted |= product.fulfilment == Fulfilment::Post;
        let basis_points = store
            .vat_rate(&product.vat_rate)
            .map_or(0, |r| r.basis_points);
        let once = line.once_key(product, principal.user_id());
        if let Some(key) = &once {
            once_keys.push(key.clone());
        }
        lines.push(OrderLine {
            product_id: product.id.clone(),
            product_name: product.name.clone(),
            fulfilment: product.fulfilment,
            reference: line.reference.clone(),
            document_kind: line.document_kind,
            qualification_title: achievement.qualification_title.clone(),
            learner_name: format!("{} {}", achievement.first_name, achievement.last_name),
            enrolment_number: line.enrolment_number.clone(),
            connection_id: line.connection_id.clone(),
            quantity: line.quantity,
            unit_price: product.price,
            vat_rate: product.vat_rate.clone(),
            amounts: Amounts::of_gross(product.price * line.quantity, basis_points),
            job_id: line.job_id.clone(),
            achievement: line.achievement,
            once_key: once.map(|k| (k.pk, k.sk)),
            letter: None,
            reason: line.reason.clone(),
        });
    }

    let delivery = if posted {
        delivery(&mut fields, store, input, |f, id| {
            find("delivery_address_id", id, f)
        })
    } else {
        None
    };
    fields.finish()?;
    let billing = billing.ok_or_else(|| Error::field("billing_address_id", "is required"))?;
    Ok(Prepared {
        lines,
        // Lines given on the buyer's behalf leave the buyer's basket as it is.
        line_ids: if from_basket {
            stored.iter().map(|l| l.id.clone()).collect()
        } else {
            Vec::new()
        },
        billing,
        delivery,
        once_keys,
        method,
    })
}

/// The delivery of posted items: an option for the delivery address's country (a collection
/// needs no address).
fn delivery(
    fields: &mut Fields,
    store: &super::catalogue::StoreSettings,
    input: &CheckoutInput,
    mut find: impl FnMut(&mut Fields, Option<&str>) -> Option<Address>,
) -> Option<OrderDelivery> {
    let Some(option_id) = input
        .delivery_option
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
    else {
        fields.add(
            "delivery_option",
            "is required: something in the basket is posted",
        );
        return None;
    };
    let Some(option) = store.delivery_option(option_id) else {
        fields.add("delivery_option", "is not a delivery option");
        return None;
    };
    let address = find(fields, input.delivery_address_id.as_deref());
    if !option.collection {
        let Some(address) = &address else {
            if input
                .delivery_address_id
                .as_deref()
                .is_none_or(|i| i.trim().is_empty())
            {
                fields.add("delivery_address_id", "is required for posted items");
            }
            return None;
        };
        if !option.countries.serves(&address.country) {
            fields.add(
                "delivery_option",
                format!("does not deliver to {}", address.country),
            );
            return None;
        }
    }
    Some(OrderDelivery {
        option_id: option.id.clone(),
        name: option.name.clone(),
        price: option.price,
        vat_rate: option.vat_rate.clone(),
        collection: option.collection,
        address: if option.collection { None } else { address },
    })
}

/// Each line's document, connection and achievement (one round trip of up to 100 keys).
async fn read_lines(
    ctx: &Ctx,
    lines: &[Line],
) -> Result<(
    Vec<Option<DocumentRecord>>,
    Vec<Option<Connection>>,
    Vec<Option<Achievement>>,
)> {
    let mut wanted = Vec::with_capacity(lines.len() * 3);
    for line in lines {
        wanted.push(keys::document(&line.reference));
        wanted.push(line.achievement_key());
        // A key nothing is stored under stands in for "no connection".
        wanted.push(match &line.connection_id {
            Some(id) => keys::connection(id),
            None => Key::new("NONE", "NONE"),
        });
    }
    let mut found = Vec::with_capacity(wanted.len());
    for chunk in wanted.chunks(crate::ports::table::MAX_BATCH_GET - 1) {
        found.extend(ctx.table.get_many(chunk).await?);
    }
    let mut records = Vec::with_capacity(lines.len());
    let mut achievements = Vec::with_capacity(lines.len());
    let mut connections = Vec::with_capacity(lines.len());
    for triple in found.chunks(3) {
        records.push(triple[0].clone().map(from_item).transpose()?);
        achievements.push(triple[1].clone().map(from_item).transpose()?);
        connections.push(triple[2].clone().map(from_item).transpose()?);
    }
    Ok((records, connections, achievements))
}

/// What the order would charge, without placing it (the review step).
pub async fn review(ctx: &Ctx, principal: &Principal, input: &CheckoutInput) -> Result<Review> {
    Buyer::of(principal.kind()).ok_or(Error::Forbidden)?;
    let prepared = prepare(ctx, principal, input, None).await?;
    let totals = totals(ctx, &prepared.lines, prepared.delivery.as_ref());
    Ok(Review {
        lines: prepared.lines.iter().map(OrderLine::shown).collect(),
        delivery: prepared.delivery,
        totals,
    })
}

/// The order placed, and where to pay it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Placed {
    pub id: String,
    pub number: String,
    pub status: OrderStatus,
    pub total: i64,
    /// The payment provider's page; `None` while the order awaits its delivery quote.
    pub payment_url: Option<String>,
    pub order: OrderView,
}

impl Placed {
    fn of(order: &Order) -> Self {
        Self {
            id: order.id.clone(),
            number: order.number.clone(),
            status: order.status,
            total: order.totals.total,
            payment_url: if order.status.awaits_payment() {
                order.payment.url.clone()
            } else {
                None
            },
            order: order.view(),
        }
    }
}

/// The order id the buyer's idempotency key stands for.
fn order_id(user_id: &str, key: &str) -> String {
    let digest = Sha256::digest(format!("order\n{user_id}\n{key}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// The idempotency key as sent: required, 1 to 200 characters.
fn idempotency_key(raw: Option<&str>) -> Result<&str> {
    match raw.map(str::trim) {
        None | Some("") => Err(Error::field(
            "Idempotency-Key",
            "is required: send a new unique key for each order (a retry sends the same)",
        )),
        Some(key) if key.len() > 200 => Err(Error::field(
            "Idempotency-Key",
            "is too long (200 characters at most)",
        )),
        Some(key) => Ok(key),
    }
}

/// How often placing an order on account reads the centre's account again when another order
/// took credit at the same moment.
const CREDIT_ATTEMPTS: usize = 25;

/// Places the order from the basket (see the module's notes). An order on account is charged
/// to the centre's account in the same transaction, or not placed.
pub async fn place(
    ctx: &Ctx,
    principal: &Principal,
    input: &CheckoutInput,
    raw_key: Option<&str>,
) -> Result<Placed> {
    place_as(ctx, principal, principal, input, raw_key, None).await
}

/// Places an order for `principal` (the buyer), made by `creator`: the buyer themselves from
/// their basket, or an administrator with `given` lines on the buyer's behalf (who made it is
/// kept on the order, logged and audited).
pub(super) async fn place_as(
    ctx: &Ctx,
    principal: &Principal,
    creator: &Principal,
    input: &CheckoutInput,
    raw_key: Option<&str>,
    given: Option<Vec<Line>>,
) -> Result<Placed> {
    let buyer_kind = Buyer::of(principal.kind()).ok_or(Error::Forbidden)?;
    let centre_number = match buyer_kind {
        Buyer::Centre => Some(crate::centre::centre_of(principal)?),
        _ => None,
    };
    let key = idempotency_key(raw_key)?;
    let id = order_id(creator.user_id(), key);
    let lines_field = if given.is_some() {
        "items"
    } else {
        "basket.lines"
    };
    // The order this key made, if any, is read beside what a new one needs; it wins (a retry
    // after payment finds the basket empty, and must still get its order).
    let (existing, prepared) = futures::join!(
        super::orders::load(ctx, &id),
        prepare(ctx, principal, input, given)
    );
    if let Some(existing) = existing? {
        return Ok(Placed::of(&existing));
    }
    let prepared = prepared?;
    let now = ctx.now();
    let totals = totals(ctx, &prepared.lines, prepared.delivery.as_ref());
    let awaiting_quote = prepared
        .delivery
        .as_ref()
        .is_some_and(|d| d.price.is_none());
    let status = if awaiting_quote {
        OrderStatus::AwaitingQuote
    } else {
        OrderStatus::AwaitingPayment
    };
    let on_account = prepared.method == PaymentMethod::OnAccount;
    let account = &principal.account;
    let made_by = creator.account.full_name();
    let on_behalf = creator.user_id() != principal.user_id();
    let mut order = Order {
        number: format!("P{}", &id.replace('-', "")[..8].to_uppercase()),
        id,
        buyer_id: account.id.clone(),
        buyer_kind,
        buyer_name: account.full_name(),
        buyer_email: account.email.as_str().to_owned(),
        centre_number,
        created_by: CreatedBy {
            user_id: creator.account.id.clone(),
            name: made_by.clone(),
            kind: creator.account.kind,
        },
        status,
        lines: prepared.lines,
        billing: prepared.billing,
        delivery: prepared.delivery,
        totals,
        currency: "gbp".to_owned(),
        payment: Payment {
            method: prepared.method,
            url: None,
            session_id: None,
            attempts: 0,
            payment_id: None,
            paid_at: None,
            last_outcome: None,
        },
        dispatch: None,
        refunds: Vec::new(),
        log: vec![StatusChange {
            at: now,
            from: None,
            to: status,
            by: made_by.clone(),
            note: Some(match (awaiting_quote, on_behalf) {
                (true, _) => {
                    "Order placed; our team will price the delivery and e-mail you when it is."
                        .to_owned()
                }
                (false, true) => format!("Order placed for you by {made_by}."),
                (false, false) => "Order placed.".to_owned(),
            }),
        }],
        basket_line_ids: prepared.line_ids,
        created_at: now,
        pay_by: (!awaiting_quote && !on_account)
            .then(|| now + Duration::hours(ctx.settings.store.unpaid_order_hours)),
        version: 1,
    };
    if !awaiting_quote && !on_account {
        open_payment_page(ctx, &mut order).await?;
    }
    let placed = order;
    for _ in 0..CREDIT_ATTEMPTS {
        let mut order = placed.clone();
        let mut later = Vec::new();
        let mut credit_at = None;
        if on_account && !awaiting_quote {
            let mut account =
                super::credit::load(ctx, order.centre_number.as_deref().unwrap_or_default())
                    .await?;
            later = super::orders::settle(
                ctx,
                &mut order,
                &made_by,
                "Charged to your centre's account.",
            )
            .await?;
            let charge = super::credit::charge(ctx, &mut account, &order)?;
            credit_at = Some(charge);
        }
        let [order_write, row_write] = order.write_new()?;
        let mut writes = vec![order_write];
        for once in &prepared.once_keys {
            writes.push(Write::put_new(to_item(
                once,
                &serde_json::json!({"order_id": order.id}),
            )?));
        }
        if let Some(due) = order.due_key() {
            writes.push(Write::put(to_item(
                &due,
                &serde_json::json!({"order_id": order.id}),
            )?));
        }
        writes.push(row_write);
        writes.push(crate::audit::entry(
            ctx,
            creator,
            "order.placed",
            &order.id,
            Some(&format!(
                "{} for {} ({})",
                order.number,
                super::money::format_gbp(order.totals.total),
                order.payment.method.label()
            )),
        )?);
        writes.extend(later);
        let account_index = writes.len();
        if let Some(charge) = credit_at {
            writes.extend(charge);
        }
        match ctx.table.transact(writes).await {
            Ok(()) => return Ok(Placed::of(&order)),
            Err(TableError::ConditionFailed { index: 0 }) => {
                // The same key at the same moment: the other request placed it.
                let existing = super::orders::load(ctx, &order.id).await?.ok_or_else(|| {
                    Error::Conflict("the order is being placed; try again".to_owned())
                })?;
                return Ok(Placed::of(&existing));
            }
            Err(TableError::ConditionFailed { index }) if index == account_index => {
                // Another order took credit at the same moment: read the account again.
                tokio::task::yield_now().await;
            }
            Err(TableError::ConditionFailed { index }) if index <= prepared.once_keys.len() => {
                let line = order
                    .lines
                    .iter()
                    .position(|l| {
                        l.once_key
                            .as_ref()
                            .map(|(pk, sk)| Key::new(pk.clone(), sk.clone()))
                            == prepared.once_keys.get(index - 1).cloned()
                    })
                    .unwrap_or(0);
                return Err(Error::Invalid(vec![FieldError::new(
                    format!("{lines_field}[{line}]"),
                    "was already ordered for this candidate's achievement: one letter per achievement",
                )]));
            }
            Err(TableError::ConditionFailed { .. }) => {
                return Err(Error::Conflict(
                    "the basket changed meanwhile; try again".to_owned(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::Conflict(
        "many orders are being charged to your centre's account at once; try again".to_owned(),
    ))
}

/// Opens a payment page for the order and keeps it on the order (not yet stored).
pub(super) async fn open_payment_page(ctx: &Ctx, order: &mut Order) -> Result<()> {
    order.payment.attempts += 1;
    let page = ctx
        .payments
        .open(&NewPayment {
            order_id: order.id.clone(),
            order_number: order.number.clone(),
            amount: order.totals.total,
            currency: order.currency.clone(),
            customer_email: order.buyer_email.clone(),
            success_url: ctx.settings.link(&format!("/orders/{}?paid=1", order.id)),
            cancel_url: ctx.settings.link(&format!("/orders/{}", order.id)),
            idempotency_key: format!("{}-{}", order.id, order.payment.attempts),
        })
        .await
        .map_err(|e| match e {
            PaymentError::Refused(why) => Error::Internal(format!(
                "the payment provider refused a payment page: {why}"
            )),
            PaymentError::Unavailable(source) => {
                Error::Internal(format!("the payment provider is unavailable: {source}"))
            }
        })?;
    order.payment.session_id = Some(page.session_id);
    order.payment.url = Some(page.url);
    Ok(())
}

/// "Pay now" again, after a declined or abandoned payment: a new payment page.
pub async fn pay_again(ctx: &Ctx, principal: &Principal, id: &str) -> Result<Placed> {
    let mut order = super::orders::own(ctx, principal, id).await?;
    if !order.status.awaits_payment() {
        return Err(Error::Conflict(format!(
            "the order is {}: there is nothing to pay",
            order.status.label().to_lowercase()
        )));
    }
    let expected = order.version;
    open_payment_page(ctx, &mut order).await?;
    order.version += 1;
    match ctx
        .table
        .transact(order.write_over(expected)?.to_vec())
        .await
    {
        Ok(()) => Ok(Placed::of(&order)),
        Err(TableError::ConditionFailed { .. }) => Err(Error::Conflict(
            "the order changed meanwhile; open it again".to_owned(),
        )),
        Err(e) => Err(e.into()),
    }
}
