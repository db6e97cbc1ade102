//! The print pack (ORD-6): for a chosen set of paid orders, one PDF for the printer — each
//! order's packing slip and address label, then its documents as replacement copies — stored
//! for a week and handed out by a short-lived link.
//!
//! Paid orders are moved to processing first, each as one administrator's move (logged,
//! audited, e-mailed, conditional on the version that was read), and only the orders that moved
//! (or were already processing: printing again after a lost link or a jammed printer) go into
//! the pack; an order someone changed meanwhile is left out and said so. Rendering happens
//! through the [`Printer`] port, off the async runtime.

use std::collections::HashMap;

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::catalogue::Fulfilment;
use super::orders::{Order, OrderStatus};
use super::processing::{self, ChangeInput};
use crate::accounts::model::AccountKind;
use crate::accounts::sessions::Principal;
use crate::ctx::Ctx;
use crate::documents::jobs::{Achievement, DocumentRecord};
use crate::error::{Error, Result};
use crate::items::from_item;
use crate::keys;
use crate::ports::table::MAX_BATCH_GET;
use crate::ports::{Item, Key, Printer};

/// The most orders in one pack: 500 orders with 1,000 documents render in about a second
/// within 40 MB (the `print_pack` benchmark), and the moves fit in an API request's time.
pub const MAX_ORDERS: usize = 500;
/// How long the pack's link works; the file itself is kept a week (`downloads/` expiry).
pub const URL_LIFETIME: time::Duration = time::Duration::minutes(15);
/// Orders moved to processing at once.
const MOVES_AT_ONCE: usize = 8;

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PrintPackInput {
    /// The orders to print: paid (moved to processing) or already processing (printed again).
    pub order_ids: Option<Vec<String>>,
}

/// One order as it goes into the pack: the order and each printed document with what is
/// printed on it.
#[derive(Debug, Clone)]
pub struct PackedOrder {
    pub order: Order,
    pub documents: Vec<PackedDocument>,
}

#[derive(Debug, Clone)]
pub struct PackedDocument {
    pub record: DocumentRecord,
    pub achievement: Achievement,
    pub centre_name: Option<String>,
    /// Copies ordered.
    pub quantity: u32,
}

/// An order that is in the pack, or one that was left out and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PackedOrderRef {
    pub id: String,
    pub number: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LeftOut {
    pub id: String,
    pub number: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PrintPackView {
    pub id: String,
    /// The PDF, for [`URL_LIFETIME`]; print the same orders again for a new link.
    pub url: String,
    pub url_expires_at: OffsetDateTime,
    pub orders: Vec<PackedOrderRef>,
    /// Copies printed, over all the orders.
    pub documents: u32,
    /// Orders changed by someone else between reading and moving them.
    pub left_out: Vec<LeftOut>,
}

/// The order ids, parsed: 1 to [`MAX_ORDERS`] distinct ids.
fn parse(input: &PrintPackInput) -> Result<Vec<String>> {
    let ids = input.order_ids.clone().unwrap_or_default();
    if ids.is_empty() {
        return Err(Error::field(
            "order_ids",
            "is required: choose paid orders to print",
        ));
    }
    if ids.len() > MAX_ORDERS {
        return Err(Error::field(
            "order_ids",
            format!(
                "has {} orders: one pack takes at most {MAX_ORDERS}",
                ids.len()
            ),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for id in &ids {
        if !crate::secrets::is_id(id) {
            return Err(Error::field("order_ids", format!("{id:?} is no order id")));
        }
        if !seen.insert(id.as_str()) {
            return Err(Error::field("order_ids", format!("names {id} twice")));
        }
    }
    Ok(ids)
}

/// Reads `keys` in batches, in order.
async fn read_all(ctx: &Ctx, keys: &[Key]) -> Result<Vec<Option<Item>>> {
    let mut found = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(MAX_BATCH_GET) {
        found.extend(ctx.table.get_many(chunk).await?);
    }
    Ok(found)
}

/// The chosen orders, each printable (paid or processing, with something to post), or a field
/// error naming the first that is not.
async fn chosen(ctx: &Ctx, ids: &[String]) -> Result<Vec<Order>> {
    let keys: Vec<_> = ids.iter().map(|id| keys::order(id)).collect();
    let mut orders = Vec::with_capacity(ids.len());
    for (id, item) in ids.iter().zip(read_all(ctx, &keys).await?) {
        let Some(item) = item else {
            return Err(Error::field("order_ids", format!("{id} is no order")));
        };
        let order: Order = from_item(item)?;
        if !matches!(order.status, OrderStatus::Paid | OrderStatus::Processing) {
            return Err(Error::field(
                "order_ids",
                format!(
                    "{} is {}: only paid or processing orders are printed",
                    order.number,
                    order.status.label().to_lowercase()
                ),
            ));
        }
        if !order.lines.iter().any(|l| l.fulfilment == Fulfilment::Post) {
            return Err(Error::field(
                "order_ids",
                format!(
                    "{} has nothing to print (its letters are digital)",
                    order.number
                ),
            ));
        }
        orders.push(order);
    }
    Ok(orders)
}

/// Moves each paid order to processing; gives the orders that may be printed and those left
/// out.
async fn start(ctx: &Ctx, admin: &Principal, orders: Vec<Order>) -> (Vec<Order>, Vec<LeftOut>) {
    let moved: Vec<(Order, Result<Order>)> = futures::stream::iter(orders)
        .map(|order| async move {
            if order.status == OrderStatus::Processing {
                return (order.clone(), Ok(order));
            }
            let input = ChangeInput {
                status: Some(OrderStatus::Processing.as_str().to_owned()),
                note: Some("Printing.".to_owned()),
                version: Some(order.version),
                ..ChangeInput::default()
            };
            let outcome = processing::change_order(ctx, admin, order.clone(), &input).await;
            (order, outcome)
        })
        .buffered(MOVES_AT_ONCE)
        .collect()
        .await;
    let mut printable = Vec::new();
    let mut left_out = Vec::new();
    for (read, outcome) in moved {
        match outcome {
            Ok(order) => printable.push(order),
            Err(e) => left_out.push(LeftOut {
                id: read.id,
                number: read.number,
                reason: match e {
                    Error::Conflict(why) => why,
                    other => other.to_string(),
                },
            }),
        }
    }
    (printable, left_out)
}

/// Each printed line's document, achievement and centre name, read in batches.
async fn contents(ctx: &Ctx, orders: Vec<Order>) -> Result<Vec<PackedOrder>> {
    let lines: Vec<_> = orders
        .iter()
        .flat_map(|o| o.lines.iter())
        .filter(|l| l.fulfilment == Fulfilment::Post)
        .collect();
    let mut wanted = Vec::with_capacity(lines.len() * 2);
    for line in &lines {
        wanted.push(keys::document(&line.reference));
        wanted.push(keys::achievement(
            &line.enrolment_number,
            &line.job_id,
            line.achievement,
        ));
    }
    let mut found = read_all(ctx, &wanted).await?.into_iter();
    let mut centres: HashMap<String, Option<String>> = HashMap::new();
    let mut packed = Vec::with_capacity(orders.len());
    for order in orders {
        let mut documents = Vec::new();
        for line in order
            .lines
            .iter()
            .filter(|l| l.fulfilment == Fulfilment::Post)
        {
            let (Some(Some(record)), Some(Some(achievement))) = (found.next(), found.next()) else {
                return Err(Error::Internal(format!(
                    "order {} names {}, which is not stored",
                    order.number, line.reference
                )));
            };
            let achievement: Achievement = from_item(achievement)?;
            let centre_name = match centres.get(&achievement.centre_number) {
                Some(name) => name.clone(),
                None => {
                    let name = crate::records::centre(ctx, &achievement.centre_number)
                        .await?
                        .map(|c| c.name);
                    centres.insert(achievement.centre_number.clone(), name.clone());
                    name
                }
            };
            documents.push(PackedDocument {
                record: from_item(record)?,
                achievement,
                centre_name,
                quantity: u32::try_from(line.quantity).unwrap_or(1),
            });
        }
        packed.push(PackedOrder { order, documents });
    }
    Ok(packed)
}

/// Prints the chosen orders (see the module's notes): `POST /api/admin/print-packs`.
pub async fn print(
    ctx: &Ctx,
    admin: &Principal,
    input: &PrintPackInput,
    printer: &dyn Printer,
) -> Result<PrintPackView> {
    admin.require(&[AccountKind::Admin])?;
    let ids = parse(input)?;
    let orders = chosen(ctx, &ids).await?;
    let (printable, left_out) = start(ctx, admin, orders).await;
    if printable.is_empty() {
        return Err(Error::Conflict(format!(
            "none of the orders could be printed: {}",
            left_out
                .iter()
                .map(|l| format!("{} ({})", l.number, l.reason))
                .collect::<Vec<_>>()
                .join("; ")
        )));
    }
    let packed = contents(ctx, printable).await?;
    let documents = packed
        .iter()
        .flat_map(|o| o.documents.iter())
        .map(|d| d.quantity)
        .sum();
    let pdf = printer.print_pack(ctx, &packed).await?;
    let id = crate::secrets::new_id(ctx.random.as_ref());
    let key = format!("downloads/print-packs/{id}.pdf");
    ctx.blobs.put(&key, pdf.into(), "application/pdf").await?;
    let now = ctx.now();
    let name = format!(
        "print-pack-{}-{}-orders.pdf",
        crate::values::format_date(now.date()),
        packed.len()
    );
    let url = ctx
        .blobs
        .signed_url(&key, URL_LIFETIME.unsigned_abs(), Some(&name))
        .await?;
    let orders: Vec<PackedOrderRef> = packed
        .iter()
        .map(|p| PackedOrderRef {
            id: p.order.id.clone(),
            number: p.order.number.clone(),
        })
        .collect();
    let detail = format!(
        "{} orders, {documents} copies: {}",
        orders.len(),
        orders
            .iter()
            .map(|o| o.number.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    ctx.table
        .transact(vec![crate::audit::entry(
            ctx,
            admin,
            "order.print_pack",
            &id,
            Some(&detail),
        )?])
        .await?;
    Ok(PrintPackView {
        id,
        url,
        url_expires_at: now + URL_LIFETIME,
        orders,
        documents,
        left_out,
    })
}
