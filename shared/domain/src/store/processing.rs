//! Order processing by the awarding body's staff (ORD-6): the queue of every order with the
//! ORD-5 filters, an order's details with the moves allowed from its status, moving it on
//! (paid → processing → dispatched with carrier and tracking number, or ready for collection →
//! complete; cancelling an unpaid order), pricing a delivery "priced by our team", and refunds
//! (through the payment provider for a card order, as a credit note for an order on account).
//!
//! Every change is conditional on the order's version as read, so two administrators moving
//! the same order at once cannot both win; each is logged on the order (who, when, from, to,
//! note), audited, and e-mailed to the buyer in the same transaction.

use serde::{Deserialize, Serialize};
use time::Duration;

use super::catalogue::Buyer;
use super::orders::{
    self, Dispatch, Order, OrderFilter, OrderRow, OrderStatus, OrderView, PaymentMethod,
    RefundEntry,
};
use crate::accounts::admin::Paged;
use crate::accounts::model::AccountKind;
use crate::accounts::sessions::Principal;
use crate::ctx::Ctx;
use crate::error::{Error, Fields, Result};
use crate::items::to_item;
use crate::keys;
use crate::ports::payments::{NewRefund, PaymentError, RefundReason};
use crate::ports::{TableError, Write};
use crate::values::short_text;

/// Every order, newest first, filtered (one index query a page unless the filter discards most).
pub async fn queue(
    ctx: &Ctx,
    admin: &Principal,
    filter: &OrderFilter,
    cursor: Option<&str>,
    limit: u32,
) -> Result<Paged<OrderRow>> {
    admin.require(&[AccountKind::Admin])?;
    orders::walk(
        ctx,
        keys::ALL_ORDERS.to_owned(),
        filter,
        cursor,
        limit,
        |row: OrderRow| row,
    )
    .await
}

/// An order as the awarding body's staff see it: the buyer's view, who the buyer is, and what
/// may be done with it now.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AdminOrderView {
    pub order: OrderView,
    pub buyer_kind: Buyer,
    pub buyer_email: String,
    pub centre_number: Option<String>,
    /// The candidates' enrolment numbers, by line.
    pub enrolment_numbers: Vec<String>,
    /// The statuses it may be moved to now.
    pub moves: Vec<OrderStatus>,
    /// Whether its delivery awaits a price from the team.
    pub can_price_delivery: bool,
    /// What may still be given back, in pence.
    pub refundable: i64,
}

/// The statuses an administrator may move an order to from where it is.
pub fn moves(order: &Order) -> Vec<OrderStatus> {
    use OrderStatus::{
        AwaitingPayment, AwaitingQuote, Cancelled, Complete, Dispatched, Paid, Processing,
        ReadyForCollection,
    };
    let collection = order.delivery.as_ref().is_some_and(|d| d.collection);
    match order.status {
        AwaitingQuote | AwaitingPayment => vec![Cancelled],
        Paid => vec![Processing],
        Processing if collection => vec![ReadyForCollection],
        Processing => vec![Dispatched],
        ReadyForCollection | Dispatched => vec![Complete],
        Complete | Cancelled | OrderStatus::Refunded => Vec::new(),
    }
}

fn admin_view(order: &Order) -> AdminOrderView {
    AdminOrderView {
        order: order.view(),
        buyer_kind: order.buyer_kind,
        buyer_email: order.buyer_email.clone(),
        centre_number: order.centre_number.clone(),
        enrolment_numbers: order
            .lines
            .iter()
            .map(|l| l.enrolment_number.clone())
            .collect(),
        moves: moves(order),
        can_price_delivery: order.status == OrderStatus::AwaitingQuote,
        refundable: order.refundable(),
    }
}

async fn load(ctx: &Ctx, admin: &Principal, id: &str) -> Result<Order> {
    admin.require(&[AccountKind::Admin])?;
    orders::load(ctx, id).await?.ok_or(Error::NotFound)
}

pub async fn details(ctx: &Ctx, admin: &Principal, id: &str) -> Result<AdminOrderView> {
    Ok(admin_view(&load(ctx, admin, id).await?))
}

/// An administrator's change to an order (`PATCH /api/admin/orders/{id}`): a new status, or a
/// price for a delivery priced by the team.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ChangeInput {
    /// One of the order's `moves`.
    pub status: Option<String>,
    /// For a delivery priced by the team: its price, VAT included, in pence.
    pub delivery_price: Option<i64>,
    /// Required to dispatch: who carries it.
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    /// Shown to the buyer in the order's log and the e-mail.
    pub note: Option<String>,
    /// The order's `version` as the administrator saw it: a change made since refuses this one.
    pub version: Option<i64>,
}

/// What a change asks for, parsed.
enum Change {
    Move {
        to: OrderStatus,
        dispatch: Option<(String, Option<String>)>,
    },
    PriceDelivery(i64),
}

fn parse_change(input: &ChangeInput, order: &Order) -> Result<(Change, Option<String>)> {
    let mut f = Fields::new();
    let note = f.optional("note", input.note.as_deref(), |n| short_text(n, 500));
    let change = match (input.status.as_deref().map(str::trim), input.delivery_price) {
        (Some(_), Some(_)) => {
            f.add("delivery_price", "is set on its own, without a status");
            None
        }
        (None, None) => {
            f.add("status", "is required (or delivery_price)");
            None
        }
        (None, Some(price)) => {
            if order.status != OrderStatus::AwaitingQuote {
                f.add(
                    "delivery_price",
                    format!(
                        "can only be set while the order awaits its delivery price (it is {})",
                        order.status.label().to_lowercase()
                    ),
                );
                None
            } else if !(0..=1_000_000).contains(&price) {
                f.add("delivery_price", "must be from 0 to 1000000 pence");
                None
            } else {
                Some(Change::PriceDelivery(price))
            }
        }
        (Some(raw), None) => match OrderStatus::parse(raw) {
            None => {
                f.add("status", "is not an order status");
                None
            }
            Some(to) if !moves(order).contains(&to) => {
                let allowed: Vec<&str> = moves(order).iter().map(|s| s.as_str()).collect();
                f.add(
                    "status",
                    if allowed.is_empty() {
                        format!(
                            "cannot change: the order is {}",
                            order.status.label().to_lowercase()
                        )
                    } else {
                        format!(
                            "cannot go from {} to {}; allowed: {}",
                            order.status.as_str(),
                            to.as_str(),
                            allowed.join(", ")
                        )
                    },
                );
                None
            }
            Some(OrderStatus::Dispatched) => {
                let carrier =
                    f.required("carrier", input.carrier.as_deref(), |c| short_text(c, 100));
                let tracking =
                    f.optional("tracking_number", input.tracking_number.as_deref(), |t| {
                        short_text(t, 100)
                    });
                carrier.map(|carrier| Change::Move {
                    to: OrderStatus::Dispatched,
                    dispatch: Some((carrier, tracking.flatten())),
                })
            }
            Some(to) => Some(Change::Move { to, dispatch: None }),
        },
    };
    f.finish()?;
    let change = change.ok_or_else(|| Error::field("status", "is required"))?;
    Ok((change, note.flatten()))
}

fn stale(input_version: Option<i64>, order: &Order) -> Result<()> {
    match input_version {
        Some(v) if v != order.version => Err(Error::Conflict(format!(
            "the order was changed meanwhile (it is now {}); reload it",
            order.status.label().to_lowercase()
        ))),
        _ => Ok(()),
    }
}

/// Moves an order on, or prices its delivery (see the module's notes).
pub async fn change(
    ctx: &Ctx,
    admin: &Principal,
    id: &str,
    input: &ChangeInput,
) -> Result<AdminOrderView> {
    let order = load(ctx, admin, id).await?;
    Ok(admin_view(&change_order(ctx, admin, order, input).await?))
}

/// [`change`] on an order already read (the print pack reads many at once); gives the order
/// as changed.
pub(super) async fn change_order(
    ctx: &Ctx,
    admin: &Principal,
    mut order: Order,
    input: &ChangeInput,
) -> Result<Order> {
    stale(input.version, &order)?;
    let (change, note) = parse_change(input, &order)?;
    let expected = order.version;
    let by = admin.account.full_name();
    let now = ctx.now();
    let from = order.status;
    let mut writes = Vec::new();
    let mut account_index = None;
    let message;
    match change {
        Change::Move { to, dispatch } => {
            if let Some((carrier, tracking_number)) = dispatch {
                order.dispatch = Some(Dispatch {
                    carrier,
                    tracking_number,
                    at: now,
                });
            }
            if to == OrderStatus::Cancelled {
                writes.extend(order.releases());
                order.payment.url = None;
                order.pay_by = None;
            }
            order.change(to, &by, note, now);
            message = crate::messages::order_changed(
                &ctx.settings,
                &order,
                &format!("it is now {}.", to.label().to_lowercase()),
            );
        }
        Change::PriceDelivery(price) => {
            if let Some(delivery) = order.delivery.as_mut() {
                delivery.price = Some(price);
            }
            order.totals = super::checkout::totals(ctx, &order.lines, order.delivery.as_ref());
            let priced = format!(
                "Delivery priced at {}; the order comes to {}.",
                super::format_gbp(price),
                super::format_gbp(order.totals.total)
            );
            let note = Some(match note {
                Some(n) => format!("{priced} {n}"),
                None => priced,
            });
            order.change(OrderStatus::AwaitingPayment, &by, note, now);
            let mut charged = false;
            if order.payment.method == PaymentMethod::OnAccount {
                let centre = order.centre_number.clone().unwrap_or_default();
                let mut account = super::credit::load(ctx, &centre).await?;
                if let Ok(charge) = super::credit::charge(ctx, &mut account, &order) {
                    writes.extend(
                        orders::settle(ctx, &mut order, &by, "Charged to your centre's account.")
                            .await?,
                    );
                    account_index = Some(writes.len());
                    writes.extend(charge);
                    charged = true;
                } else {
                    // It no longer fits the centre's credit: the centre pays it by card.
                    order.payment.method = PaymentMethod::Card;
                    order.note(
                        &by,
                        "The order is more than the centre's available credit: pay it by card."
                            .to_owned(),
                        now,
                    );
                }
            }
            if !charged {
                order.pay_by = Some(now + Duration::hours(ctx.settings.store.unpaid_order_hours));
                if let Some(due) = order.due_key() {
                    writes.push(Write::put(to_item(
                        &due,
                        &serde_json::json!({"order_id": order.id}),
                    )?));
                }
                super::checkout::open_payment_page(ctx, &mut order).await?;
            }
            message = if charged {
                crate::messages::order_changed(
                    &ctx.settings,
                    &order,
                    "its delivery is priced and the order is charged to your centre's account.",
                )
            } else {
                crate::messages::order_priced(&ctx.settings, &order)
            };
        }
    }
    let action =
        if order.status == OrderStatus::AwaitingPayment || from == OrderStatus::AwaitingQuote {
            "order.price_delivery"
        } else {
            "order.status"
        };
    writes.extend(order.write_over(expected)?);
    writes.push(crate::audit::entry(
        ctx,
        admin,
        action,
        &order.id,
        Some(&format!(
            "{}: {} → {}",
            order.number,
            from.as_str(),
            order.status.as_str()
        )),
    )?);
    writes.push(crate::outbox::enqueue_once(
        ctx,
        &format!("order-change:{}:{}", order.id, order.version),
        message,
        &order.buyer_email,
    )?);
    commit(ctx, writes, account_index).await?;
    Ok(order)
}

async fn commit(ctx: &Ctx, writes: Vec<Write>, account_index: Option<usize>) -> Result<()> {
    match ctx.table.transact(writes).await {
        Ok(()) => Ok(()),
        Err(TableError::ConditionFailed { index }) if Some(index) == account_index => Err(
            Error::Conflict("the centre's account changed meanwhile; try again".to_owned()),
        ),
        Err(TableError::ConditionFailed { .. }) => Err(Error::Conflict(
            "the order was changed by someone else meanwhile; reload it".to_owned(),
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RefundInput {
    /// Pence, at most what is still refundable.
    pub amount: Option<i64>,
    /// Why, for the buyer and the records.
    pub reason: Option<String>,
    /// The order's `version` as the administrator saw it.
    pub version: Option<i64>,
}

/// Gives money back on a paid order: through the payment provider for a card order, as a credit
/// note on the centre's account for an order on account. Refunding all that was paid moves the
/// order to refunded.
pub async fn refund(
    ctx: &Ctx,
    admin: &Principal,
    id: &str,
    input: &RefundInput,
) -> Result<AdminOrderView> {
    let mut order = load(ctx, admin, id).await?;
    stale(input.version, &order)?;
    let refundable = order.refundable();
    let mut f = Fields::new();
    let amount = match input.amount {
        None => {
            f.add("amount", "is required (pence)");
            None
        }
        Some(_) if refundable == 0 => {
            f.add(
                "amount",
                format!(
                    "cannot be refunded: the order is {} and nothing paid is left to give back",
                    order.status.label().to_lowercase()
                ),
            );
            None
        }
        Some(a) if !(1..=refundable).contains(&a) => {
            f.add(
                "amount",
                format!(
                    "must be from 1 to {refundable} pence ({} is left to refund)",
                    super::format_gbp(refundable)
                ),
            );
            None
        }
        Some(a) => Some(a),
    };
    let reason = f.required("reason", input.reason.as_deref(), |r| short_text(r, 200));
    f.finish()?;
    let (Some(amount), Some(reason)) = (amount, reason) else {
        return Err(Error::field("amount", "is required"));
    };
    let by = admin.account.full_name();
    let expected = order.version;
    let n = order.refunds.len() + 1;
    let mut writes = Vec::new();
    let mut account_index = None;
    let reference = match order.payment.method {
        PaymentMethod::Card => {
            let payment_id = order.payment.payment_id.clone().ok_or_else(|| {
                Error::Conflict("the order has no card payment to refund".to_owned())
            })?;
            // The key is the refund's place in the order: asking again after a failed write
            // refunds once.
            ctx.payments
                .refund(&NewRefund {
                    payment_id,
                    amount,
                    reason: RefundReason::RequestedByCustomer,
                    idempotency_key: format!("refund-{}-{n}", order.id),
                })
                .await
                .map_err(|e| match e {
                    PaymentError::Refused(why) => {
                        Error::Conflict(format!("the payment provider refused the refund: {why}"))
                    }
                    PaymentError::Unavailable(source) => {
                        Error::Internal(format!("the payment provider is unavailable: {source}"))
                    }
                })?
                .refund_id
        }
        PaymentMethod::OnAccount => {
            let number = format!("CN-{}-{n}", order.number);
            let centre = order.centre_number.clone().unwrap_or_default();
            let mut account = super::credit::load(ctx, &centre).await?;
            let note = super::credit::credit_note(ctx, &mut account, &order, amount, &number, &by)?;
            account_index = Some(0);
            writes.extend(note);
            number
        }
    };
    order.refunds.push(RefundEntry {
        amount,
        reason: reason.clone(),
        reference: reference.clone(),
        by: by.clone(),
        at: ctx.now(),
    });
    let what = format!(
        "{} refunded ({}): {reason}",
        super::format_gbp(amount),
        match order.payment.method {
            PaymentMethod::Card => "to the card it was paid with",
            PaymentMethod::OnAccount => "as a credit note on your centre's account",
        }
    );
    let from = order.status;
    if order.refundable() == 0 {
        order.change(OrderStatus::Refunded, &by, Some(what.clone()), ctx.now());
    } else {
        order.note(&by, what.clone(), ctx.now());
    }
    writes.extend(order.write_over(expected)?);
    writes.push(crate::audit::entry(
        ctx,
        admin,
        "order.refund",
        &order.id,
        Some(&format!(
            "{}: {} refunded ({reference}); {} → {}",
            order.number,
            super::format_gbp(amount),
            from.as_str(),
            order.status.as_str()
        )),
    )?);
    writes.push(crate::outbox::enqueue_once(
        ctx,
        &format!("order-refund:{}:{n}", order.id),
        crate::messages::order_changed(&ctx.settings, &order, &what),
        &order.buyer_email,
    )?);
    commit(ctx, writes, account_index).await?;
    Ok(admin_view(&order))
}
