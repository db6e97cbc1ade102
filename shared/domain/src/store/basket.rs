//! The basket (ORD-2): server-side, one per account, kept across sessions and devices. A line is
//! one product for one document (adding the same again adds to its quantity); prices shown are
//! the current ones, and a line says when its price changed since it was added.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::catalogue::{Buyer, Fulfilment, MAX_QUANTITY, Product};
use super::money::Amounts;
use crate::accounts::sessions::Principal;
use crate::connections::Connection;
use crate::ctx::Ctx;
use crate::documents::Reference;
use crate::documents::access::{self, Audience};
use crate::documents::jobs::{Achievement, DocumentKind, DocumentRecord, DocumentStatus};
use crate::error::{Error, Fields, Result};
use crate::items::{from_item, to_item};
use crate::keys;
use crate::ports::{Condition, Key, Query, SortCondition, TableError, Write};

/// The most lines one basket holds.
pub const MAX_LINES: usize = 50;

/// A line as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Line {
    pub id: String,
    pub product_id: String,
    pub reference: String,
    /// The connection a third party sees the document through.
    #[serde(default)]
    pub connection_id: Option<String>,
    /// Where the document's achievement is (read when the basket is shown).
    pub enrolment_number: String,
    pub job_id: String,
    pub achievement: usize,
    pub document_kind: DocumentKind,
    pub quantity: i64,
    /// The price when it was added, to say when it has changed.
    pub price_when_added: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub added_at: OffsetDateTime,
    /// Why a duplicate is ordered (centres give one of the configured reasons).
    #[serde(default)]
    pub reason: Option<String>,
    pub version: i64,
}

impl Line {
    pub(super) fn achievement_key(&self) -> Key {
        keys::achievement(&self.enrolment_number, &self.job_id, self.achievement)
    }

    /// The key guarding "one per buyer and achievement", for products sold so.
    pub(super) fn once_key(&self, product: &Product, buyer_id: &str) -> Option<Key> {
        product.once_per_achievement.then(|| {
            keys::once_per_achievement(
                &product.id,
                buyer_id,
                &self.enrolment_number,
                &self.job_id,
                self.achievement,
            )
        })
    }
}

/// One product for one document, as asked for.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AddInput {
    pub product_id: Option<String>,
    /// The document's reference.
    pub reference: Option<String>,
    /// For a third party: the connection the document is shared through.
    pub connection_id: Option<String>,
    /// 1 to 10; 1 when absent.
    pub quantity: Option<i64>,
    /// Why a duplicate is ordered: one of the store's `duplicate_reasons`. Required of centres.
    pub reason: Option<String>,
    /// Ignored: prices come from the store, never from the client. (Named so that a client
    /// sending one is not refused for it.)
    #[serde(default)]
    #[schema(ignore)]
    pub price: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct QuantityInput {
    /// 1 to 10.
    pub quantity: Option<i64>,
}

/// A line as the buyer sees it, at today's price.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LineView {
    pub id: String,
    pub product_id: String,
    pub product_name: String,
    pub fulfilment: Fulfilment,
    pub reference: String,
    pub connection_id: Option<String>,
    pub document_kind: DocumentKind,
    pub qualification_title: String,
    /// The candidate's name.
    pub learner_name: String,
    pub quantity: i64,
    /// Today's price of one, VAT included, in pence.
    pub unit_price: i64,
    /// The price when it was added, when it differs from today's.
    pub price_when_added: Option<i64>,
    pub vat_rate: String,
    /// Net, VAT and gross of the line (`unit_price × quantity`).
    pub amounts: Amounts,
    /// Why a duplicate is ordered.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct BasketView {
    pub lines: Vec<LineView>,
    /// Items counted by quantity, for the header.
    pub count: i64,
    /// The lines' total, VAT included, before delivery.
    pub total: i64,
    /// Whether any line's price changed since it was added.
    pub prices_changed: bool,
    /// Whether any line is posted (so checkout asks for delivery).
    pub needs_delivery: bool,
}

fn line_id(product_id: &str, reference: &str) -> String {
    let digest = Sha256::digest(format!("{product_id}\n{reference}").as_bytes());
    hex::encode(&digest[..10])
}

/// The lines as stored, oldest first.
pub(super) async fn lines(ctx: &Ctx, user_id: &str) -> Result<Vec<Line>> {
    let page = ctx
        .table
        .query(
            &Query::partition(keys::user_partition(user_id))
                .sort(SortCondition::BeginsWith(keys::BASKET_PREFIX.to_owned()))
                .limit(u32::try_from(MAX_LINES).unwrap_or(50)),
        )
        .await?;
    let mut lines = page
        .items
        .into_iter()
        .map(from_item::<Line>)
        .collect::<Result<Vec<_>>>()?;
    lines.sort_by_key(|l| l.added_at);
    Ok(lines)
}

fn buyer_of(principal: &Principal) -> Result<Buyer> {
    Buyer::of(principal.kind()).ok_or(Error::Forbidden)
}

/// The basket with today's prices (two round trips: the lines, then their achievements).
pub async fn view(ctx: &Ctx, principal: &Principal) -> Result<BasketView> {
    buyer_of(principal)?;
    let lines = lines(ctx, principal.user_id()).await?;
    let achievements = achievements_of(ctx, &lines).await?;
    Ok(show(ctx, &lines, &achievements))
}

/// Each line's achievement, in the lines' order (one round trip).
pub(super) async fn achievements_of(ctx: &Ctx, lines: &[Line]) -> Result<Vec<Option<Achievement>>> {
    if lines.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<Key> = lines.iter().map(Line::achievement_key).collect();
    ctx.table
        .get_many(&keys)
        .await?
        .into_iter()
        .map(|item| item.map(from_item).transpose())
        .collect()
}

fn show(ctx: &Ctx, lines: &[Line], achievements: &[Option<Achievement>]) -> BasketView {
    let store = &ctx.settings.store;
    let mut view = BasketView {
        lines: Vec::with_capacity(lines.len()),
        count: 0,
        total: 0,
        prices_changed: false,
        needs_delivery: false,
    };
    for (line, achievement) in lines.iter().zip(achievements) {
        // A product the awarding body has stopped selling stays visible, priced as added, so
        // the buyer can see and remove it; checkout refuses it by name.
        let product = store.product(&line.product_id);
        let unit_price = product.map_or(line.price_when_added, |p| p.price);
        let vat_rate = product.map_or_else(|| "standard".to_owned(), |p| p.vat_rate.clone());
        let basis_points = store.vat_rate(&vat_rate).map_or(0, |r| r.basis_points);
        let fulfilment = product.map_or(Fulfilment::Post, |p| p.fulfilment);
        let changed = unit_price != line.price_when_added;
        view.count += line.quantity;
        view.total += unit_price * line.quantity;
        view.prices_changed |= changed;
        view.needs_delivery |= fulfilment == Fulfilment::Post;
        view.lines.push(LineView {
            id: line.id.clone(),
            product_id: line.product_id.clone(),
            product_name: product.map_or_else(
                || format!("{} (no longer sold)", line.product_id),
                |p| p.name.clone(),
            ),
            fulfilment,
            reference: line.reference.clone(),
            connection_id: line.connection_id.clone(),
            document_kind: line.document_kind,
            qualification_title: achievement
                .as_ref()
                .map(|a| a.qualification_title.clone())
                .unwrap_or_default(),
            learner_name: achievement
                .as_ref()
                .map(|a| format!("{} {}", a.first_name, a.last_name))
                .unwrap_or_default(),
            quantity: line.quantity,
            unit_price,
            price_when_added: changed.then_some(line.price_when_added),
            vat_rate,
            amounts: Amounts::of_gross(unit_price * line.quantity, basis_points),
            reason: line.reason.clone(),
        });
    }
    view
}

fn quantity(fields: &mut Fields, raw: Option<i64>, product: Option<&Product>) -> Option<i64> {
    let quantity = raw.unwrap_or(1);
    if !(1..=MAX_QUANTITY).contains(&quantity) {
        fields.add("quantity", format!("must be from 1 to {MAX_QUANTITY}"));
        return None;
    }
    if quantity > 1 && product.is_some_and(|p| p.once_per_achievement) {
        fields.add(
            "quantity",
            "must be 1: this product is sold once per achievement",
        );
        return None;
    }
    if quantity > 1 && product.is_some_and(|p| p.fulfilment == Fulfilment::Digital) {
        fields.add(
            "quantity",
            "must be 1: a letter is issued once, to download",
        );
        return None;
    }
    Some(quantity)
}

/// What a buyer sees a document through: a third party, a connection; a centre, the centre of
/// the document's achievement.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct SeenThrough<'a> {
    pub connection: Option<&'a Connection>,
    pub centre_number: Option<&'a str>,
}

/// The duplicate reason as given: one of the configured reasons, required of centres.
pub(super) fn reason(
    fields: &mut Fields,
    store: &super::catalogue::StoreSettings,
    buyer: Buyer,
    raw: Option<&str>,
) -> Option<String> {
    let given = raw.map(str::trim).filter(|r| !r.is_empty());
    match given {
        None if buyer == Buyer::Centre => {
            fields.add(
                "reason",
                format!(
                    "is required: why a duplicate is ordered ({})",
                    store.duplicate_reasons.join(", ")
                ),
            );
            None
        }
        None => None,
        Some(reason) => match store
            .duplicate_reasons
            .iter()
            .find(|r| r.eq_ignore_ascii_case(reason))
        {
            Some(known) => Some(known.clone()),
            None => {
                fields.add(
                    "reason",
                    format!("must be one of: {}", store.duplicate_reasons.join(", ")),
                );
                None
            }
        },
    }
}

/// The document as this buyer may order it, or why not (a field error on `reference`: the same
/// words whether it does not exist or is not theirs).
pub(super) fn orderable(
    principal: &Principal,
    product: &Product,
    record: Option<&DocumentRecord>,
    seen_through: SeenThrough<'_>,
    now: OffsetDateTime,
) -> std::result::Result<(), &'static str> {
    let buyer = Buyer::of(principal.kind());
    let Some(record) = record else {
        return Err("is not a document of yours, or shared with you");
    };
    let wanted = match buyer {
        Some(Buyer::Learner) => Audience::Owner,
        Some(Buyer::ThirdParty) => Audience::ThirdParty,
        Some(Buyer::Centre) => Audience::Centre,
        None => return Err("is not a document of yours, or shared with you"),
    };
    let SeenThrough {
        connection,
        centre_number,
    } = seen_through;
    if access::audience(principal, record, centre_number, connection, now) != Some(wanted) {
        return Err(match wanted {
            Audience::ThirdParty => "is not shared with you now (through that connection)",
            Audience::Centre => "is not a document of one of your centre's learners",
            _ => "is not a document of yours, or shared with you",
        });
    }
    if record.status != DocumentStatus::Valid {
        return Err("no longer stands (revoked, withdrawn or superseded); it cannot be ordered");
    }
    if !product.document_kinds.contains(&record.kind) {
        return Err("is not a kind of document this product is for");
    }
    Ok(())
}

/// Adds a product for one of the buyer's documents (or one shared with them). Two round trips,
/// each of two calls at once: the document (with its connection and its line, if the basket has
/// it already) beside the basket's lines; then one conditional write beside the achievements the
/// answer names. Adding a line that is there adds to its quantity.
/// One item as asked for, parsed.
struct Wanted<'a> {
    product: &'a Product,
    quantity: i64,
    reason: Option<String>,
    reference: Reference,
    connection_id: Option<&'a str>,
}

/// Parses an item for `buyer`, each problem recorded in `fields`.
fn wanted<'a>(
    fields: &mut Fields,
    store: &'a super::catalogue::StoreSettings,
    buyer: Buyer,
    input: &'a AddInput,
) -> Option<Wanted<'a>> {
    let product = fields.required("product_id", input.product_id.as_deref(), |id| match store
        .product(id.trim())
    {
        Some(p) if p.buyers.contains(&buyer) => Ok(p),
        Some(_) => Err("is not sold to your kind of account"),
        None => Err("is not a product on sale"),
    });
    let quantity = quantity(fields, input.quantity, product);
    let reason = reason(fields, store, buyer, input.reason.as_deref());
    let reference = fields.required("reference", input.reference.as_deref(), |r| {
        Reference::parse(r).map_err(|_| "is not a document reference such as 42121928-01-5KNQ")
    });
    let connection_id = input
        .connection_id
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if buyer == Buyer::ThirdParty && connection_id.is_none() {
        fields.add(
            "connection_id",
            "is required: the connection the document is shared through",
        );
    }
    let (Some(product), Some(quantity), Some(reference)) = (product, quantity, reference) else {
        return None;
    };
    Some(Wanted {
        product,
        quantity,
        reason,
        reference,
        connection_id,
    })
}

pub async fn add(ctx: &Ctx, principal: &Principal, input: &AddInput) -> Result<BasketView> {
    let buyer = buyer_of(principal)?;
    let store = &ctx.settings.store;
    let mut fields = Fields::new();
    let Some(Wanted {
        product,
        quantity,
        reason,
        reference,
        connection_id,
    }) = wanted(&mut fields, store, buyer, input)
    else {
        return Err(fields.into_error());
    };
    fields.finish()?;

    // Round one, at once: the document (with its connection and the line if it is already
    // there), and the basket as it is.
    let through = connection_id.filter(|id| crate::secrets::is_id(id));
    let id = line_id(&product.id, reference.as_str());
    let key = keys::basket_line(principal.user_id(), &id);
    let mut wanted = vec![keys::document(reference.as_str()), key.clone()];
    if let Some(id) = through {
        wanted.push(keys::connection(id));
    }
    let (found, mut basket) = futures::try_join!(
        async { ctx.table.get_many(&wanted).await.map_err(Error::from) },
        lines(ctx, principal.user_id())
    )?;
    let mut found = found.into_iter();
    let record: Option<DocumentRecord> = found.next().flatten().map(from_item).transpose()?;
    let existing: Option<Line> = found.next().flatten().map(from_item).transpose()?;
    let connection: Option<Connection> = found.next().flatten().map(from_item).transpose()?;
    // A centre orders for its own learners: the achievement says whose they are (one more
    // read, for centres only).
    let centre_number = match (&record, buyer) {
        (Some(record), Buyer::Centre) => ctx
            .table
            .get(&keys::achievement(
                &record.enrolment_number,
                &record.job_id,
                record.achievement,
            ))
            .await?
            .map(from_item::<Achievement>)
            .transpose()?
            .map(|a| a.centre_number),
        _ => None,
    };
    orderable(
        principal,
        product,
        record.as_ref(),
        SeenThrough {
            connection: connection.as_ref(),
            centre_number: centre_number.as_deref(),
        },
        ctx.now(),
    )
    .map_err(|why| Error::field("reference", why))?;
    let record = record.ok_or(Error::NotFound)?;

    let (line, write) = match existing {
        None => {
            let line = Line {
                id,
                product_id: product.id.clone(),
                reference: reference.as_str().to_owned(),
                connection_id: through.map(str::to_owned),
                enrolment_number: record.enrolment_number.clone(),
                job_id: record.job_id.clone(),
                achievement: record.achievement,
                document_kind: record.kind,
                quantity,
                price_when_added: product.price,
                added_at: ctx.now(),
                reason,
                version: 1,
            };
            if basket.len() >= MAX_LINES {
                return Err(Error::Conflict(format!(
                    "a basket holds at most {MAX_LINES} lines; order or remove some first"
                )));
            }
            let write = Write::put_new(to_item(&key, &line)?);
            (line, write)
        }
        Some(_) if product.once_per_achievement => {
            return Err(Error::field(
                "product_id",
                "is in your basket for this achievement already: one letter per achievement",
            ));
        }
        Some(_) if product.fulfilment == Fulfilment::Digital => {
            return Err(Error::field(
                "product_id",
                "is in your basket already: a letter is issued once, to download",
            ));
        }
        Some(mut line) => {
            let total = line.quantity + quantity;
            if total > MAX_QUANTITY {
                return Err(Error::field(
                    "quantity",
                    format!(
                        "would make {total} of this item; a basket holds at most {MAX_QUANTITY} of one"
                    ),
                ));
            }
            let expected = line.version;
            line.quantity = total;
            if reason.is_some() {
                line.reason = reason;
            }
            line.version += 1;
            let write = Write::put_if(to_item(&key, &line)?, Condition::version_is(expected));
            (line, write)
        }
    };
    let mut writes = vec![write];
    if let Some(once) = line.once_key(product, principal.user_id()) {
        writes.push(Write::check(once, Condition::NotExists));
    }
    match basket.iter_mut().find(|l| l.id == line.id) {
        Some(shown) => *shown = line,
        None => basket.push(line),
    }
    // Round two, at once: the write, and the achievements the answer names.
    let (written, achievements) =
        futures::join!(ctx.table.transact(writes), achievements_of(ctx, &basket));
    match written {
        Ok(()) => Ok(show(ctx, &basket, &achievements?)),
        Err(TableError::ConditionFailed { index: 1 }) => Err(Error::field(
            "product_id",
            "was already ordered for this candidate's achievement: one letter per achievement",
        )),
        Err(TableError::ConditionFailed { .. }) => Err(Error::Conflict(
            "the basket changed meanwhile; try again".to_owned(),
        )),
        Err(e) => Err(e.into()),
    }
}

fn line_key(principal: &Principal, id: &str) -> Result<Key> {
    if id.len() == 20 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(keys::basket_line(principal.user_id(), id))
    } else {
        Err(Error::NotFound)
    }
}

/// Sets a line's quantity (1 to 10).
pub async fn set_quantity(
    ctx: &Ctx,
    principal: &Principal,
    id: &str,
    input: &QuantityInput,
) -> Result<BasketView> {
    buyer_of(principal)?;
    let key = line_key(principal, id)?;
    let mut basket = lines(ctx, principal.user_id()).await?;
    let line = basket
        .iter_mut()
        .find(|l| l.id == id)
        .ok_or(Error::NotFound)?;
    let product = ctx.settings.store.product(&line.product_id);
    let mut fields = Fields::new();
    if input.quantity.is_none() {
        fields.add("quantity", "is required");
        return Err(fields.into_error());
    }
    let quantity = quantity(&mut fields, input.quantity, product);
    let Some(quantity) = quantity else {
        return Err(fields.into_error());
    };
    let expected = line.version;
    line.quantity = quantity;
    line.version += 1;
    let write = Write::put_if(to_item(&key, &*line)?, Condition::version_is(expected));
    let (written, achievements) = futures::join!(
        ctx.table.transact(vec![write]),
        achievements_of(ctx, &basket)
    );
    match written {
        Ok(()) => Ok(show(ctx, &basket, &achievements?)),
        Err(TableError::ConditionFailed { .. }) => Err(Error::Conflict(
            "the basket changed meanwhile; try again".to_owned(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Removes a line (removing one that is not there is fine: the basket is as asked).
pub async fn remove(ctx: &Ctx, principal: &Principal, id: &str) -> Result<BasketView> {
    buyer_of(principal)?;
    let key = line_key(principal, id)?;
    ctx.table.delete(key, Condition::Always).await?;
    view(ctx, principal).await
}

/// The lines of an order placed on the buyer's behalf (`POST /api/admin/orders`): each item
/// parsed as [`add`] parses it (problems named `items[i].…`), from its stored document. Whether
/// the buyer may order each is checked by checkout, as for any basket.
pub(super) async fn given_lines(
    ctx: &Ctx,
    buyer: &Principal,
    items: &[AddInput],
) -> Result<Vec<Line>> {
    let kind = buyer_of(buyer)?;
    let store = &ctx.settings.store;
    if items.is_empty() || items.len() > MAX_LINES {
        return Err(Error::field(
            "items",
            format!("must hold 1 to {MAX_LINES} items"),
        ));
    }
    let mut fields = Fields::new();
    let mut parsed = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let mut at = Fields::nested(format!("items[{i}]."));
        parsed.push(wanted(&mut at, store, kind, item));
        fields.absorb(at);
    }
    if !fields.is_empty() {
        return Err(fields.into_error());
    }
    let parsed: Vec<Wanted<'_>> = parsed.into_iter().flatten().collect();
    let mut seen = std::collections::HashSet::new();
    for (i, w) in parsed.iter().enumerate() {
        if !seen.insert(line_id(&w.product.id, w.reference.as_str())) {
            return Err(Error::field(
                format!("items[{i}]"),
                "repeats an item: give its quantity once",
            ));
        }
    }
    let keys: Vec<Key> = parsed
        .iter()
        .map(|w| keys::document(w.reference.as_str()))
        .collect();
    let mut records = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(crate::ports::table::MAX_BATCH_GET) {
        records.extend(ctx.table.get_many(chunk).await?);
    }
    let now = ctx.now();
    let mut lines = Vec::with_capacity(parsed.len());
    for (i, (w, record)) in parsed.into_iter().zip(records).enumerate() {
        let Some(record) = record.map(from_item::<DocumentRecord>).transpose()? else {
            fields.add(
                &format!("items[{i}].reference"),
                "is not a document of the buyer's, or shared with them",
            );
            continue;
        };
        lines.push(Line {
            id: line_id(&w.product.id, w.reference.as_str()),
            product_id: w.product.id.clone(),
            reference: w.reference.as_str().to_owned(),
            connection_id: w.connection_id.map(str::to_owned),
            enrolment_number: record.enrolment_number,
            job_id: record.job_id,
            achievement: record.achievement,
            document_kind: record.kind,
            quantity: w.quantity,
            price_when_added: w.product.price,
            added_at: now,
            reason: w.reason,
            version: 1,
        });
    }
    fields.finish()?;
    Ok(lines)
}
