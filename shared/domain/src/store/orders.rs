//! Orders (ORD-5): what was bought, fixed at checkout (prices and totals never change after),
//! its payment, and the log of its status changes. The buyer lists theirs with the guides'
//! filters and opens one.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::catalogue::{Buyer, Fulfilment};
use super::money::{Amounts, VatAtRate};
use crate::accounts::addresses::Address;
use crate::accounts::admin::Paged;
use crate::accounts::sessions::Principal;
use crate::ctx::Ctx;
use crate::documents::jobs::DocumentKind;
use crate::error::{Error, Fields, Result};
use crate::items::{from_item, indexed, sortable, to_item};
use crate::keys;
use crate::ports::{Condition, Item, Key, Query, SortCondition, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    AwaitingPayment,
    /// Delivery "priced by our team": the order waits for its delivery charge.
    AwaitingQuote,
    Paid,
    Processing,
    Dispatched,
    Complete,
    Cancelled,
    Refunded,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AwaitingPayment => "awaiting_payment",
            Self::AwaitingQuote => "awaiting_quote",
            Self::Paid => "paid",
            Self::Processing => "processing",
            Self::Dispatched => "dispatched",
            Self::Complete => "complete",
            Self::Cancelled => "cancelled",
            Self::Refunded => "refunded",
        }
    }

    /// As the guides word it, for e-mails and pages.
    pub fn label(self) -> &'static str {
        match self {
            Self::AwaitingPayment => "Awaiting payment",
            Self::AwaitingQuote => "Awaiting delivery quote",
            Self::Paid => "Paid",
            Self::Processing => "Processing",
            Self::Dispatched => "Dispatched",
            Self::Complete => "Complete",
            Self::Cancelled => "Cancelled",
            Self::Refunded => "Refunded",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::AwaitingPayment,
            Self::AwaitingQuote,
            Self::Paid,
            Self::Processing,
            Self::Dispatched,
            Self::Complete,
            Self::Cancelled,
            Self::Refunded,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }

    /// Whether the buyer still owes the money (a payment is still welcome).
    pub fn awaits_payment(self) -> bool {
        self == Self::AwaitingPayment
    }
}

/// One thing bought, with the price fixed when the order was placed (as stored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderLine {
    pub product_id: String,
    pub product_name: String,
    pub fulfilment: Fulfilment,
    pub reference: String,
    pub document_kind: DocumentKind,
    pub qualification_title: String,
    pub learner_name: String,
    pub enrolment_number: String,
    #[serde(default)]
    pub connection_id: Option<String>,
    pub quantity: i64,
    pub unit_price: i64,
    pub vat_rate: String,
    pub amounts: Amounts,
    /// Where this line's achievement is (for the once-per-achievement guard).
    pub job_id: String,
    pub achievement: usize,
    /// Sold once per achievement: the guard item to release if the order is cancelled.
    #[serde(default)]
    pub once_key: Option<(String, String)>,
    /// A letter's reference, once issued (when the order is paid).
    #[serde(default)]
    pub letter: Option<String>,
}

/// A line as the buyer sees it: no enrolment number (a third party never sees one) and nothing
/// of the portal's own bookkeeping.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OrderedItem {
    pub product_id: String,
    pub product_name: String,
    pub fulfilment: Fulfilment,
    pub reference: String,
    pub document_kind: DocumentKind,
    pub qualification_title: String,
    pub learner_name: String,
    pub quantity: i64,
    /// VAT included, in pence, as fixed when the order was placed.
    pub unit_price: i64,
    pub vat_rate: String,
    pub amounts: Amounts,
    /// A letter's own reference once it is issued: verifiable, and downloadable from
    /// `/api/documents/{reference}/pdf` by the buyer.
    pub letter_reference: Option<String>,
}

impl OrderLine {
    pub fn shown(&self) -> OrderedItem {
        OrderedItem {
            product_id: self.product_id.clone(),
            product_name: self.product_name.clone(),
            fulfilment: self.fulfilment,
            reference: self.reference.clone(),
            document_kind: self.document_kind,
            qualification_title: self.qualification_title.clone(),
            learner_name: self.learner_name.clone(),
            quantity: self.quantity,
            unit_price: self.unit_price,
            vat_rate: self.vat_rate.clone(),
            amounts: self.amounts,
            letter_reference: self.letter.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderDelivery {
    pub option_id: String,
    pub name: String,
    /// VAT included; `None` while the awarding body's team has not priced it.
    pub price: Option<i64>,
    pub vat_rate: String,
    pub collection: bool,
    /// Where it goes (none for a collection).
    pub address: Option<Address>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Totals {
    /// The lines, VAT included.
    pub items: i64,
    /// The delivery charge, VAT included (`None`: not priced yet).
    pub delivery: Option<i64>,
    /// VAT per rate, worked out on each rate's total (see the README's VAT rule).
    pub vat: Vec<VatAtRate>,
    pub net: i64,
    pub vat_total: i64,
    /// What the buyer pays, in pence.
    pub total: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Card,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Payment {
    pub method: PaymentMethod,
    /// The provider's page the buyer was last sent to (cleared once paid).
    #[serde(default)]
    pub url: Option<String>,
    /// The provider's payment session.
    #[serde(default)]
    pub session_id: Option<String>,
    /// How many payment pages were opened.
    #[serde(default)]
    pub attempts: i64,
    /// The captured payment (Stripe: the payment intent).
    #[serde(default)]
    pub payment_id: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub paid_at: Option<OffsetDateTime>,
    /// The last thing the provider said that was not a payment ("declined", "cancelled").
    #[serde(default)]
    pub last_outcome: Option<String>,
}

/// One change of an order's status (or a payment event worth telling), for its log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatusChange {
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    pub from: Option<OrderStatus>,
    pub to: OrderStatus,
    /// Who: a person's name, "Payment provider" or "System".
    pub by: String,
    pub note: Option<String>,
}

/// Who placed the order, and as what kind of user (ORD-5's "created by").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CreatedBy {
    pub user_id: String,
    pub name: String,
    pub kind: crate::accounts::model::AccountKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    pub number: String,
    pub buyer_id: String,
    pub buyer_kind: Buyer,
    pub buyer_name: String,
    pub buyer_email: String,
    pub created_by: CreatedBy,
    pub status: OrderStatus,
    pub lines: Vec<OrderLine>,
    pub billing: Address,
    pub delivery: Option<OrderDelivery>,
    pub totals: Totals,
    pub currency: String,
    pub payment: Payment,
    pub log: Vec<StatusChange>,
    /// The basket lines it was made from: emptied when it is paid.
    pub basket_line_ids: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it is cancelled if still unpaid (while awaiting payment).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub pay_by: Option<OffsetDateTime>,
    pub version: i64,
}

/// The delivery type as the orders list shows it.
pub fn delivery_type(order: &Order) -> String {
    order
        .delivery
        .as_ref()
        .map_or_else(|| "Digital".to_owned(), |d| d.name.clone())
}

impl Order {
    pub(super) fn item(&self) -> Result<Item> {
        Ok(indexed(
            to_item(&keys::order(&self.id), self)?,
            keys::buyer_orders_index(&self.buyer_id),
            format!("{}#{}", sortable(self.created_at), self.id),
        ))
    }

    /// The write that stores this new version of the order, if nobody changed it since
    /// `expected`.
    pub(super) fn write_over(&self, expected: i64) -> Result<Write> {
        Ok(Write::put_if(self.item()?, Condition::version_is(expected)))
    }

    pub(super) fn due_key(&self) -> Option<Key> {
        self.pay_by
            .map(|at| keys::order_due_entry(&sortable(at), &self.id))
    }

    /// What a cancelled order gives back: its once-per-achievement guards and its place in the
    /// unpaid list.
    pub(super) fn releases(&self) -> Vec<Write> {
        let mut writes: Vec<Write> = self
            .lines
            .iter()
            .filter_map(|l| l.once_key.clone())
            .map(|(pk, sk)| Write::delete(Key::new(pk, sk)))
            .collect();
        writes.extend(self.due_key().map(Write::delete));
        writes
    }

    /// Moves to `to` and logs it.
    pub(super) fn change(
        &mut self,
        to: OrderStatus,
        by: &str,
        note: Option<String>,
        at: OffsetDateTime,
    ) {
        self.log.push(StatusChange {
            at,
            from: Some(self.status),
            to,
            by: by.to_owned(),
            note,
        });
        self.status = to;
        self.version += 1;
    }

    /// Logs a payment event that changes no status (a declined card).
    pub(super) fn note(&mut self, by: &str, note: String, at: OffsetDateTime) {
        self.log.push(StatusChange {
            at,
            from: Some(self.status),
            to: self.status,
            by: by.to_owned(),
            note: Some(note),
        });
        self.version += 1;
    }

    pub fn view(&self) -> OrderView {
        OrderView {
            id: self.id.clone(),
            number: self.number.clone(),
            status: self.status,
            status_label: self.status.label().to_owned(),
            buyer_name: self.buyer_name.clone(),
            created_by: self.created_by.clone(),
            created_at: self.created_at,
            delivery_type: delivery_type(self),
            lines: self.lines.iter().map(OrderLine::shown).collect(),
            billing: self.billing.clone(),
            delivery: self.delivery.clone(),
            totals: self.totals.clone(),
            currency: self.currency.clone(),
            payment: self.payment.clone(),
            pay_by: self.pay_by,
            can_pay: self.status.awaits_payment(),
            log: self.log.clone(),
        }
    }

    pub fn summary(&self) -> OrderSummary {
        OrderSummary {
            id: self.id.clone(),
            number: self.number.clone(),
            status: self.status,
            status_label: self.status.label().to_owned(),
            delivery_type: delivery_type(self),
            total: self.totals.total,
            created_by: self.created_by.clone(),
            created_at: self.created_at,
            items: self.lines.iter().map(|l| l.quantity).sum(),
        }
    }
}

/// An order as its buyer sees it (ORD-5's details).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OrderView {
    pub id: String,
    pub number: String,
    pub status: OrderStatus,
    pub status_label: String,
    pub buyer_name: String,
    pub created_by: CreatedBy,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    pub delivery_type: String,
    pub lines: Vec<OrderedItem>,
    pub billing: Address,
    pub delivery: Option<OrderDelivery>,
    pub totals: Totals,
    pub currency: String,
    pub payment: Payment,
    /// When an unpaid order is cancelled.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub pay_by: Option<OffsetDateTime>,
    /// Whether "Pay now" is offered.
    pub can_pay: bool,
    pub log: Vec<StatusChange>,
}

/// A row of the orders list (ORD-5's columns).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OrderSummary {
    pub id: String,
    pub number: String,
    pub status: OrderStatus,
    pub status_label: String,
    pub delivery_type: String,
    pub total: i64,
    pub created_by: CreatedBy,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// Items counted by quantity.
    pub items: i64,
}

/// The orders list's filters, as sent (query parameters).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct OrderFilterInput {
    /// One of the statuses (`awaiting_payment`, `paid`, …).
    pub status: Option<String>,
    /// A product id: orders holding it.
    pub product: Option<String>,
    /// A delivery option id, or `digital` for orders with nothing posted.
    pub delivery: Option<String>,
    /// `YYYY-MM-DD`: placed on or after.
    pub from: Option<String>,
    /// `YYYY-MM-DD`: placed on or before.
    pub to: Option<String>,
    /// Pence.
    pub min_total: Option<String>,
    pub max_total: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    status: Option<OrderStatus>,
    product: Option<String>,
    delivery: Option<String>,
    from: Option<Date>,
    to: Option<Date>,
    min_total: Option<i64>,
    max_total: Option<i64>,
}

impl OrderFilter {
    pub fn parse(input: &OrderFilterInput) -> Result<Self> {
        let mut f = Fields::new();
        let status = f.optional("status", input.status.as_deref(), |s| {
            OrderStatus::parse(s).ok_or("is not an order status")
        });
        let date = |raw: &str| crate::values::parse_date(raw);
        let from = f.optional("from", input.from.as_deref(), date);
        let to = f.optional("to", input.to.as_deref(), date);
        let pence = |raw: &str| {
            raw.parse::<i64>()
                .ok()
                .filter(|p| (0..=100_000_000).contains(p))
                .ok_or("must be a whole number of pence")
        };
        let min_total = f.optional("min_total", input.min_total.as_deref(), pence);
        let max_total = f.optional("max_total", input.max_total.as_deref(), pence);
        if let (Some(Some(from)), Some(Some(to))) = (from, to)
            && from > to
        {
            f.add("to", "must not be before from");
        }
        if let (Some(Some(min)), Some(Some(max))) = (min_total, max_total)
            && min > max
        {
            f.add("max_total", "must not be less than min_total");
        }
        f.finish()?;
        Ok(Self {
            status: status.flatten(),
            product: input
                .product
                .as_deref()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned),
            delivery: input
                .delivery
                .as_deref()
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_owned),
            from: from.flatten(),
            to: to.flatten(),
            min_total: min_total.flatten(),
            max_total: max_total.flatten(),
        })
    }

    pub fn matches(&self, order: &Order) -> bool {
        let day = order.created_at.date();
        self.status.is_none_or(|s| order.status == s)
            && self
                .product
                .as_ref()
                .is_none_or(|p| order.lines.iter().any(|l| &l.product_id == p))
            && self
                .delivery
                .as_ref()
                .is_none_or(|d| match &order.delivery {
                    Some(delivery) => &delivery.option_id == d,
                    None => d == "digital",
                })
            && self.from.is_none_or(|from| day >= from)
            && self.to.is_none_or(|to| day <= to)
            && self.min_total.is_none_or(|min| order.totals.total >= min)
            && self.max_total.is_none_or(|max| order.totals.total <= max)
    }

    /// The lowest and highest index sort keys the dates allow (the index sorts by creation
    /// instant; `~` sorts after every key of ours).
    fn range(&self) -> (String, String) {
        let start = |d: Date| sortable(d.midnight().assume_utc());
        let end = |d: Date| sortable(d.next_day().unwrap_or(d).midnight().assume_utc());
        (
            self.from.map_or_else(|| "0".to_owned(), start),
            self.to.map_or_else(|| "~".to_owned(), end),
        )
    }
}

/// Orders examined for one page of a filtered list before it answers with what it found (and a
/// cursor to go on), so a narrow filter still answers quickly.
const MAX_EXAMINED: usize = 400;

/// The buyer's orders, newest first, filtered. The cursor is the index key of the last order
/// examined, so a narrow filter never repeats or skips one; a page costs one index query unless
/// the filter discards most of what it reads.
pub async fn list(
    ctx: &Ctx,
    principal: &Principal,
    filter: &OrderFilter,
    cursor: Option<&str>,
    limit: u32,
) -> Result<Paged<OrderSummary>> {
    Buyer::of(principal.kind()).ok_or(Error::Forbidden)?;
    let (low, high) = filter.range();
    crate::filtered::page(
        ctx,
        crate::filtered::Walk {
            partition: keys::buyer_orders_index(principal.user_id()),
            low,
            high,
            cursor,
            limit: limit as usize,
            max_examined: MAX_EXAMINED,
        },
        |item| {
            let order: Order = from_item(item)?;
            Ok(filter.matches(&order).then(|| order.summary()))
        },
    )
    .await
}

/// The order, if it exists (any buyer's).
pub(super) async fn load(ctx: &Ctx, id: &str) -> Result<Option<Order>> {
    if !crate::secrets::is_id(id) {
        return Ok(None);
    }
    ctx.table
        .get(&keys::order(id))
        .await?
        .map(from_item)
        .transpose()
}

/// One of the buyer's orders; anyone else's is "not found".
pub async fn get(ctx: &Ctx, principal: &Principal, id: &str) -> Result<OrderView> {
    Ok(own(ctx, principal, id).await?.view())
}

/// One of the buyer's orders as stored (for its receipt, say); anyone else's is "not found".
pub async fn own(ctx: &Ctx, principal: &Principal, id: &str) -> Result<Order> {
    Buyer::of(principal.kind()).ok_or(Error::Forbidden)?;
    match load(ctx, id).await? {
        Some(order) if order.buyer_id == principal.user_id() => Ok(order),
        _ => Err(Error::NotFound),
    }
}

/// What one run of `expire-orders` did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExpiryReport {
    pub cancelled: usize,
    /// Paid, cancelled or changed by someone else meanwhile (another run, a payment).
    pub skipped: usize,
}

const BY_SYSTEM: &str = "System";

/// Cancels orders still unpaid at their pay-by time (at most `max`), found through the unpaid
/// list (never a scan), e-mailing each buyer. Safe to run twice at once: each cancellation is
/// conditional on the order's version, so one run cancels (and e-mails about) an order.
pub async fn expire_due(ctx: &Ctx, max: usize) -> Result<ExpiryReport> {
    let now = ctx.now();
    let mut report = ExpiryReport::default();
    let page = ctx
        .table
        .query(
            &Query::partition(keys::ORDERS_DUE)
                .sort(SortCondition::LessOrEqual(format!("{}#~", sortable(now))))
                .limit(u32::try_from(max.clamp(1, 1000)).unwrap_or(100)),
        )
        .await?;
    for entry in page.items {
        let Some(key) = Key::of(&entry) else { continue };
        let order_id = entry
            .get("order_id")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned();
        let Some(mut order) = load(ctx, &order_id).await? else {
            ctx.table.delete(key, Condition::Always).await?;
            report.skipped += 1;
            continue;
        };
        if !order.status.awaits_payment() || order.pay_by.is_none_or(|at| at > now) {
            // Paid or cancelled meanwhile (its pointer is removed with that change), or its
            // time was moved on.
            if order.due_key().as_ref() != Some(&key) {
                ctx.table.delete(key, Condition::Always).await?;
            }
            report.skipped += 1;
            continue;
        }
        let expected = order.version;
        let mut writes = order.releases();
        let hours = ctx.settings.store.unpaid_order_hours;
        order.change(
            OrderStatus::Cancelled,
            BY_SYSTEM,
            Some(format!("Not paid within {hours} hours.")),
            now,
        );
        order.payment.url = None;
        writes.push(order.write_over(expected)?);
        writes.push(crate::outbox::enqueue_once(
            ctx,
            &format!("order-unpaid:{}", order.id),
            crate::messages::order_cancelled_unpaid(&ctx.settings, &order),
            &order.buyer_email,
        )?);
        match ctx.table.transact(writes).await {
            Ok(()) => report.cancelled += 1,
            Err(crate::ports::TableError::ConditionFailed { .. }) => report.skipped += 1,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(report)
}
