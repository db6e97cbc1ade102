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
    /// A collection order, ready at the awarding body's office.
    ReadyForCollection,
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
            Self::ReadyForCollection => "ready_for_collection",
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
            Self::ReadyForCollection => "Ready for collection",
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
            Self::ReadyForCollection,
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

    /// Whether the money was taken (by card or on account) and not all given back.
    pub fn is_paid(self) -> bool {
        matches!(
            self,
            Self::Paid
                | Self::Processing
                | Self::ReadyForCollection
                | Self::Dispatched
                | Self::Complete
        )
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
    /// Why a centre orders a duplicate (one of the configured reasons).
    #[serde(default)]
    pub reason: Option<String>,
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
    /// Why a centre ordered this duplicate.
    pub reason: Option<String>,
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
            reason: self.reason.clone(),
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
    /// Charged to a centre's account, invoiced later (its credit limit taken at checkout).
    OnAccount,
}

impl PaymentMethod {
    pub fn label(self) -> &'static str {
        match self {
            Self::Card => "Card",
            Self::OnAccount => "Centre account",
        }
    }
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

/// How a posted order left: the carrier and its tracking number (ORD-6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Dispatch {
    pub carrier: String,
    pub tracking_number: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
}

/// Money given back: through the payment provider for a card order, as a credit note on the
/// centre's account for an order on account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RefundEntry {
    pub amount: i64,
    pub reason: String,
    /// The provider's refund id, or the credit note's number.
    pub reference: String,
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
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
    /// The centre a centre's order is for: every user of the centre sees it, and an order on
    /// account is charged to it.
    #[serde(default)]
    pub centre_number: Option<String>,
    pub created_by: CreatedBy,
    pub status: OrderStatus,
    pub lines: Vec<OrderLine>,
    pub billing: Address,
    pub delivery: Option<OrderDelivery>,
    pub totals: Totals,
    pub currency: String,
    pub payment: Payment,
    pub log: Vec<StatusChange>,
    #[serde(default)]
    pub dispatch: Option<Dispatch>,
    #[serde(default)]
    pub refunds: Vec<RefundEntry>,
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
    /// Whose list it is in: the centre's for a centre's order, else the buyer's.
    fn list_partition(&self) -> String {
        match (&self.centre_number, self.buyer_kind) {
            (Some(centre), Buyer::Centre) => keys::centre_orders_index(centre),
            _ => keys::buyer_orders_index(&self.buyer_id),
        }
    }

    fn index_sort_key(&self) -> String {
        format!("{}#{}", sortable(self.created_at), self.id)
    }

    /// The order and its row in the administrators' queue, stored together (the row carries
    /// what the queue's filters read, so a page of the queue is one query).
    fn items(&self) -> Result<[Item; 2]> {
        Ok([
            indexed(
                to_item(&keys::order(&self.id), self)?,
                self.list_partition(),
                self.index_sort_key(),
            ),
            indexed(
                to_item(&keys::order_row(&self.id), &self.row())?,
                keys::ALL_ORDERS,
                self.index_sort_key(),
            ),
        ])
    }

    /// The writes that store a new order (if its id is new).
    pub(super) fn write_new(&self) -> Result<[Write; 2]> {
        let [order, row] = self.items()?;
        Ok([Write::put_new(order), Write::put(row)])
    }

    /// The writes that store this new version of the order, if nobody changed it since
    /// `expected`.
    pub(super) fn write_over(&self, expected: i64) -> Result<[Write; 2]> {
        let [order, row] = self.items()?;
        Ok([
            Write::put_if(order, Condition::version_is(expected)),
            Write::put(row),
        ])
    }

    /// What was taken, less what was given back.
    pub fn refundable(&self) -> i64 {
        if !self.status.is_paid() {
            return 0;
        }
        self.totals.total - self.refunds.iter().map(|r| r.amount).sum::<i64>()
    }

    /// The row of the administrators' queue (ORD-6): what its filters read and its columns show.
    pub fn row(&self) -> OrderRow {
        OrderRow {
            id: self.id.clone(),
            number: self.number.clone(),
            status: self.status,
            status_label: self.status.label().to_owned(),
            buyer_name: self.buyer_name.clone(),
            buyer_kind: self.buyer_kind,
            centre_number: self.centre_number.clone(),
            learner_names: {
                let mut names: Vec<String> =
                    self.lines.iter().map(|l| l.learner_name.clone()).collect();
                names.dedup();
                names
            },
            product_ids: self.lines.iter().map(|l| l.product_id.clone()).collect(),
            delivery_option: self.delivery.as_ref().map(|d| d.option_id.clone()),
            delivery_type: delivery_type(self),
            payment_method: self.payment.method,
            total: self.totals.total,
            created_by: self.created_by.clone(),
            created_at: self.created_at,
            items: self.lines.iter().map(|l| l.quantity).sum(),
        }
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
            can_pay: self.status.awaits_payment() && self.payment.method == PaymentMethod::Card,
            dispatch: self.dispatch.clone(),
            refunds: self.refunds.clone(),
            log: self.log.clone(),
            version: self.version,
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
    /// The carrier and tracking number, once dispatched.
    pub dispatch: Option<Dispatch>,
    /// Money given back.
    pub refunds: Vec<RefundEntry>,
    pub log: Vec<StatusChange>,
    /// Changes with each change (an administrator's change names the version it saw).
    pub version: i64,
}

/// A row of the orders lists (ORD-5's columns; the administrators' queue reads the same).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderRow {
    pub id: String,
    pub number: String,
    pub status: OrderStatus,
    pub status_label: String,
    /// The buyer's full name.
    pub buyer_name: String,
    pub buyer_kind: Buyer,
    pub centre_number: Option<String>,
    /// The candidates the order is for.
    pub learner_names: Vec<String>,
    pub product_ids: Vec<String>,
    /// The delivery option's id; none when nothing is posted.
    pub delivery_option: Option<String>,
    pub delivery_type: String,
    pub payment_method: PaymentMethod,
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
    /// Part of a first or last name: the buyer's or a candidate's.
    pub name: Option<String>,
    /// Part of the name of who placed it, or a kind of user (`admin`, `centre`, `learner`,
    /// `third_party`).
    pub created_by: Option<String>,
    /// A centre's number (the administrators' queue).
    pub centre: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    name: Option<String>,
    created_by: Option<String>,
    centre: Option<String>,
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
        let words = |raw: Option<&str>, field: &str, f: &mut Fields| {
            let text = raw.map(str::trim).filter(|t| !t.is_empty())?;
            if text.chars().count() > 100 {
                f.add(field, "must be at most 100 characters");
                return None;
            }
            Some(crate::values::normalise_name(text))
        };
        let name = words(input.name.as_deref(), "name", &mut f);
        let created_by = words(input.created_by.as_deref(), "created_by", &mut f);
        let centre = words(input.centre.as_deref(), "centre", &mut f);
        f.finish()?;
        Ok(Self {
            name,
            created_by,
            centre,
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

    pub fn matches(&self, row: &OrderRow) -> bool {
        let day = row.created_at.date();
        let has =
            |text: &str, part: &String| crate::values::normalise_name(text).contains(part.as_str());
        self.status.is_none_or(|s| row.status == s)
            && self
                .product
                .as_ref()
                .is_none_or(|p| row.product_ids.contains(p))
            && self
                .delivery
                .as_ref()
                .is_none_or(|d| match &row.delivery_option {
                    Some(option) => option == d,
                    None => d == "digital",
                })
            && self.from.is_none_or(|from| day >= from)
            && self.to.is_none_or(|to| day <= to)
            && self.min_total.is_none_or(|min| row.total >= min)
            && self.max_total.is_none_or(|max| row.total <= max)
            && self.name.as_ref().is_none_or(|n| {
                has(&row.buyer_name, n) || row.learner_names.iter().any(|l| has(l, n))
            })
            && self.created_by.as_ref().is_none_or(|c| {
                has(&row.created_by.name, c) || has(row.created_by.kind.as_str(), c)
            })
            && self
                .centre
                .as_ref()
                .is_none_or(|c| row.centre_number.as_deref().is_some_and(|n| has(n, c)))
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

/// Orders examined for one page of a filtered list (the buyer's or the administrators' queue)
/// before it answers with what it found (and a cursor to go on), so a narrow filter still
/// answers quickly.
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
) -> Result<Paged<OrderRow>> {
    let partition = match Buyer::of(principal.kind()).ok_or(Error::Forbidden)? {
        Buyer::Centre => keys::centre_orders_index(&crate::centre::centre_of(principal)?),
        _ => keys::buyer_orders_index(principal.user_id()),
    };
    walk(ctx, partition, filter, cursor, limit, |order: Order| {
        order.row()
    })
    .await
}

/// One page of an orders index, filtered on each order's row.
pub(super) async fn walk<T: serde::de::DeserializeOwned>(
    ctx: &Ctx,
    partition: String,
    filter: &OrderFilter,
    cursor: Option<&str>,
    limit: u32,
    row: impl Fn(T) -> OrderRow,
) -> Result<Paged<OrderRow>> {
    let (low, high) = filter.range();
    crate::filtered::page(
        ctx,
        crate::filtered::Walk {
            partition,
            low,
            high,
            cursor,
            limit: limit as usize,
            max_examined: MAX_EXAMINED,
        },
        |item| {
            let row = row(from_item(item)?);
            Ok(filter.matches(&row).then_some(row))
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
    let buyer = Buyer::of(principal.kind()).ok_or(Error::Forbidden)?;
    let centre = match buyer {
        Buyer::Centre => Some(crate::centre::centre_of(principal)?),
        _ => None,
    };
    match load(ctx, id).await? {
        Some(order) if order.list_partition() == own_partition(principal, centre.as_deref()) => {
            Ok(order)
        }
        _ => Err(Error::NotFound),
    }
}

/// The orders list a buyer sees: their centre's, or their own.
fn own_partition(principal: &Principal, centre: Option<&str>) -> String {
    match centre {
        Some(centre) => keys::centre_orders_index(centre),
        None => keys::buyer_orders_index(principal.user_id()),
    }
}

/// Marks the order paid (its payment's details set by the caller) and returns what goes with
/// that, but for the order itself: its place in the unpaid list removed, its letters issued
/// (an order of letters only is then complete), the basket lines it was made from emptied, and
/// the buyer's confirmation e-mail.
pub(super) async fn settle(
    ctx: &Ctx,
    order: &mut Order,
    by: &str,
    note: &str,
) -> Result<Vec<Write>> {
    let now = ctx.now();
    let mut writes: Vec<Write> = order.due_key().map(Write::delete).into_iter().collect();
    order.payment.paid_at = Some(now);
    order.payment.url = None;
    order.payment.last_outcome = None;
    order.change(OrderStatus::Paid, by, Some(note.to_owned()), now);
    order.pay_by = None;
    writes.extend(super::letters::issue(ctx, order).await?);
    if order.lines.iter().all(|l| l.letter.is_some()) {
        // Nothing to post: the letters are the whole order, delivered as they are issued.
        order.change(
            OrderStatus::Complete,
            BY_SYSTEM,
            Some("Letters issued: download them from this order.".to_owned()),
            now,
        );
    }
    // The basket empties only now, of the lines this order was made from.
    for line_id in &order.basket_line_ids {
        writes.push(Write::delete(keys::basket_line(
            &order.created_by.user_id,
            line_id,
        )));
    }
    writes.push(crate::outbox::enqueue_once(
        ctx,
        &format!("order-paid:{}", order.id),
        crate::messages::order_paid(&ctx.settings, order),
        &order.buyer_email,
    )?);
    Ok(writes)
}

/// What one run of `expire-orders` did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExpiryReport {
    pub cancelled: usize,
    /// Paid, cancelled or changed by someone else meanwhile (another run, a payment).
    pub skipped: usize,
}

pub(super) const BY_SYSTEM: &str = "System";

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
        writes.extend(order.write_over(expected)?);
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
