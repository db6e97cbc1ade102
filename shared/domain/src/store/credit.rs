//! Centres' accounts (CEN-6): a centre may pay for its orders "on account", invoiced later, up to
//! the credit limit an administrator sets. The account keeps what the centre owes (its
//! balance); each charge, credit note and payment received is a ledger entry, and a month's
//! entries are that month's statement.
//!
//! An order on account is placed only if it fits the available credit: the account is written
//! in the order's own transaction, conditional on the version that was read, so two orders at
//! once cannot both take the same credit (the loser reads the account again and retries).

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::money::format_gbp;
use super::orders::Order;
use crate::accounts::model::AccountKind;
use crate::accounts::sessions::Principal;
use crate::ctx::Ctx;
use crate::error::{Error, Fields, Result};
use crate::items::{from_item, to_item};
use crate::keys;
use crate::ports::{Condition, Query, SortCondition, TableError, Write};

/// The largest credit limit, and the largest payment, in pence (£1,000,000).
const MAX_AMOUNT: i64 = 100_000_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub centre_number: String,
    /// Pence; 0: the centre cannot order on account.
    pub limit: i64,
    /// What the centre owes, in pence.
    pub balance: i64,
    pub version: i64,
}

impl Account {
    fn empty(centre_number: &str) -> Self {
        Self {
            centre_number: centre_number.to_owned(),
            limit: 0,
            balance: 0,
            version: 0,
        }
    }

    pub fn available(&self) -> i64 {
        (self.limit - self.balance).max(0)
    }

    /// The write of this new version, if nobody changed the account since `expected`
    /// (version 0: there was none).
    fn write_over(&self, expected: i64) -> Result<Write> {
        let item = to_item(&keys::centre_credit(&self.centre_number), self)?;
        Ok(if expected == 0 {
            Write::put_new(item)
        } else {
            Write::put_if(item, Condition::version_is(expected))
        })
    }

    pub fn view(&self) -> CreditView {
        CreditView {
            centre_number: self.centre_number.clone(),
            limit: self.limit,
            balance: self.balance,
            available: self.available(),
        }
    }
}

/// A centre's account as its users and administrators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CreditView {
    pub centre_number: String,
    /// The credit limit, in pence.
    pub limit: i64,
    /// What the centre owes now, in pence.
    pub balance: i64,
    /// What an order on account may still take, in pence.
    pub available: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// An order on account.
    Charge,
    /// Money given back on an order on account.
    CreditNote,
    /// A payment received from the centre.
    Payment,
}

/// One line of the ledger (and of a statement).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Entry {
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    pub kind: EntryKind,
    /// What it adds to the balance, in pence (a charge is positive; a credit note and a payment,
    /// negative).
    pub amount: i64,
    /// The balance after it.
    pub balance: i64,
    /// The order's number, the credit note's number or the payment's reference.
    pub reference: String,
    pub order_id: Option<String>,
    pub description: String,
    /// Who recorded it.
    pub by: String,
}

pub async fn load(ctx: &Ctx, centre_number: &str) -> Result<Account> {
    Ok(ctx
        .table
        .get(&keys::centre_credit(centre_number))
        .await?
        .map(from_item)
        .transpose()?
        .unwrap_or_else(|| Account::empty(centre_number)))
}

/// The writes that add `entry` to the account (if it still is as read).
fn post(account: &mut Account, mut entry: Entry) -> Result<[Write; 2]> {
    let expected = account.version;
    account.balance += entry.amount;
    account.version += 1;
    entry.balance = account.balance;
    let key = keys::centre_ledger(&account.centre_number, account.version);
    Ok([
        account.write_over(expected)?,
        Write::put_new(to_item(&key, &entry)?),
    ])
}

/// Charges a new order to its centre's account: the writes, or why it does not fit (naming
/// `payment_method`). `account` is as read; the first write is conditional on it.
pub(super) fn charge(ctx: &Ctx, account: &mut Account, order: &Order) -> Result<[Write; 2]> {
    let total = order.totals.total;
    if account.limit == 0 {
        return Err(Error::field(
            "payment_method",
            "is not open to your centre: it has no credit account (pay by card, or ask us for one)",
        ));
    }
    if total > account.available() {
        return Err(Error::field(
            "payment_method",
            format!(
                "cannot take this order: it comes to {}, and your centre's available credit is {}",
                format_gbp(total),
                format_gbp(account.available())
            ),
        ));
    }
    post(
        account,
        Entry {
            at: ctx.now(),
            kind: EntryKind::Charge,
            amount: total,
            balance: 0,
            reference: order.number.clone(),
            order_id: Some(order.id.clone()),
            description: format!("Order {}", order.number),
            by: order.created_by.name.clone(),
        },
    )
}

/// A credit note for (part of) an order on account: the writes that give the money back.
pub(super) fn credit_note(
    ctx: &Ctx,
    account: &mut Account,
    order: &Order,
    amount: i64,
    number: &str,
    by: &str,
) -> Result<[Write; 2]> {
    post(
        account,
        Entry {
            at: ctx.now(),
            kind: EntryKind::CreditNote,
            amount: -amount,
            balance: 0,
            reference: number.to_owned(),
            order_id: Some(order.id.clone()),
            description: format!("Credit note for order {}", order.number),
            by: by.to_owned(),
        },
    )
}

/// The signed-in centre user's account.
pub async fn mine(ctx: &Ctx, principal: &Principal) -> Result<CreditView> {
    let centre = crate::centre::centre_of(principal)?;
    Ok(load(ctx, &centre).await?.view())
}

/// A centre known to the records, or "not found".
async fn known_centre(ctx: &Ctx, raw: &str) -> Result<String> {
    let number = crate::values::CentreNumber::parse(raw).map_err(|_| Error::NotFound)?;
    crate::records::centre(ctx, number.as_str())
        .await?
        .map(|c| c.centre_number.as_str().to_owned())
        .ok_or(Error::NotFound)
}

/// A centre's account, for administrators.
pub async fn of_centre(ctx: &Ctx, admin: &Principal, centre: &str) -> Result<CreditView> {
    admin.require(&[AccountKind::Admin])?;
    let centre = known_centre(ctx, centre).await?;
    Ok(load(ctx, &centre).await?.view())
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct LimitInput {
    /// The credit limit in pence (0 closes ordering on account).
    pub limit: Option<i64>,
}

/// Sets a centre's credit limit (audited). Lowering it below the balance only stops new
/// orders on account; nothing owed changes.
pub async fn set_limit(
    ctx: &Ctx,
    admin: &Principal,
    centre: &str,
    input: &LimitInput,
) -> Result<CreditView> {
    admin.require(&[AccountKind::Admin])?;
    let limit = match input.limit {
        Some(limit) if (0..=MAX_AMOUNT).contains(&limit) => limit,
        Some(_) => {
            return Err(Error::field(
                "limit",
                "must be from 0 to 100000000 pence (£1,000,000)",
            ));
        }
        None => return Err(Error::field("limit", "is required (pence)")),
    };
    let centre = known_centre(ctx, centre).await?;
    let mut account = load(ctx, &centre).await?;
    let expected = account.version;
    let before = account.limit;
    account.limit = limit;
    account.version += 1;
    let writes = vec![
        account.write_over(expected)?,
        crate::audit::entry(
            ctx,
            admin,
            "credit.limit",
            &centre,
            Some(&format!(
                "Credit limit {} → {}",
                format_gbp(before),
                format_gbp(limit)
            )),
        )?,
    ];
    commit(ctx, writes).await?;
    Ok(account.view())
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PaymentInput {
    /// Pence received.
    pub amount: Option<i64>,
    /// The bank's or the cheque's reference.
    pub reference: Option<String>,
}

/// Records a payment received from a centre (audited): it lowers what the centre owes, and so
/// restores its available credit.
pub async fn record_payment(
    ctx: &Ctx,
    admin: &Principal,
    centre: &str,
    input: &PaymentInput,
) -> Result<CreditView> {
    admin.require(&[AccountKind::Admin])?;
    let mut fields = Fields::new();
    let amount = match input.amount {
        Some(a) if (1..=MAX_AMOUNT).contains(&a) => Some(a),
        Some(_) => {
            fields.add("amount", "must be from 1 to 100000000 pence");
            None
        }
        None => {
            fields.add("amount", "is required (pence)");
            None
        }
    };
    let reference = fields.required("reference", input.reference.as_deref(), |r| {
        crate::values::short_text(r, 100)
    });
    fields.finish()?;
    let (Some(amount), Some(reference)) = (amount, reference) else {
        return Err(Error::field("amount", "is required"));
    };
    let centre = known_centre(ctx, centre).await?;
    let mut account = load(ctx, &centre).await?;
    if amount > account.balance {
        return Err(Error::field(
            "amount",
            format!(
                "is more than the centre owes ({})",
                format_gbp(account.balance)
            ),
        ));
    }
    let [account_write, entry_write] = post(
        &mut account,
        Entry {
            at: ctx.now(),
            kind: EntryKind::Payment,
            amount: -amount,
            balance: 0,
            reference: reference.clone(),
            order_id: None,
            description: "Payment received — thank you".to_owned(),
            by: admin.account.full_name(),
        },
    )?;
    let audit = crate::audit::entry(
        ctx,
        admin,
        "credit.payment",
        &centre,
        Some(&format!("{} received ({reference})", format_gbp(amount))),
    )?;
    commit(ctx, vec![account_write, entry_write, audit]).await?;
    Ok(account.view())
}

async fn commit(ctx: &Ctx, writes: Vec<Write>) -> Result<()> {
    match ctx.table.transact(writes).await {
        Ok(()) => Ok(()),
        Err(TableError::ConditionFailed { .. }) => Err(Error::Conflict(
            "the centre's account changed meanwhile; try again".to_owned(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// One month of a centre's account: the statement (CEN-6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Statement {
    /// `YYYY-MM`.
    pub month: String,
    pub centre_number: String,
    /// What was owed at the start of the month, in pence.
    pub opening: i64,
    pub charges: i64,
    pub credits: i64,
    pub payments: i64,
    /// What was owed at the end of the month (or now, for this month).
    pub closing: i64,
    pub entries: Vec<Entry>,
}

/// Every ledger entry of the centre, oldest first.
async fn ledger(ctx: &Ctx, centre: &str) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    let mut cursor = None;
    loop {
        let page = ctx
            .table
            .query(
                &Query::partition(keys::centre_partition(centre))
                    .sort(SortCondition::BeginsWith(keys::LEDGER_PREFIX.to_owned()))
                    .limit(1000)
                    .after(cursor),
            )
            .await?;
        for item in page.items {
            entries.push(from_item::<Entry>(item)?);
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(entries),
        }
    }
}

fn month_of(at: OffsetDateTime) -> String {
    format!("{:04}-{:02}", at.year(), u8::from(at.month()))
}

/// The centre's statements, newest month first: each month with an entry.
pub async fn statements(ctx: &Ctx, centre: &str) -> Result<Vec<Statement>> {
    let entries = ledger(ctx, centre).await?;
    let mut months: Vec<Statement> = Vec::new();
    let mut balance = 0;
    for entry in entries {
        let month = month_of(entry.at);
        if months.last().is_none_or(|m| m.month != month) {
            months.push(Statement {
                month,
                centre_number: centre.to_owned(),
                opening: balance,
                charges: 0,
                credits: 0,
                payments: 0,
                closing: balance,
                entries: Vec::new(),
            });
        }
        let statement = months
            .last_mut()
            .ok_or_else(|| Error::Internal("no month".into()))?;
        match entry.kind {
            EntryKind::Charge => statement.charges += entry.amount,
            EntryKind::CreditNote => statement.credits -= entry.amount,
            EntryKind::Payment => statement.payments -= entry.amount,
        }
        balance = entry.balance;
        statement.closing = balance;
        statement.entries.push(entry);
    }
    months.reverse();
    Ok(months)
}

/// The signed-in centre user's statements.
pub async fn my_statements(ctx: &Ctx, principal: &Principal) -> Result<Vec<Statement>> {
    let centre = crate::centre::centre_of(principal)?;
    statements(ctx, &centre).await
}

/// A centre's statements, for administrators.
pub async fn statements_of(ctx: &Ctx, admin: &Principal, centre: &str) -> Result<Vec<Statement>> {
    admin.require(&[AccountKind::Admin])?;
    let centre = known_centre(ctx, centre).await?;
    statements(ctx, &centre).await
}

/// A month's statement with what its PDF prints beside it: the centre's name and its account
/// as it is now.
#[derive(Debug, Clone)]
pub struct PrintableStatement {
    pub statement: Statement,
    pub centre_name: String,
    pub account: CreditView,
}

async fn printable(ctx: &Ctx, centre: &str, month: &str) -> Result<PrintableStatement> {
    let wanted = parse_month(month)
        .ok_or_else(|| Error::field("month", "must be a month such as 2026-11"))?;
    let (all, account, record) = futures::try_join!(
        statements(ctx, centre),
        load(ctx, centre),
        crate::records::centre(ctx, centre)
    )?;
    let statement = all
        .into_iter()
        .find(|s| s.month == wanted)
        .ok_or(Error::NotFound)?;
    Ok(PrintableStatement {
        statement,
        centre_name: record.map_or_else(|| centre.to_owned(), |r| r.name),
        account: account.view(),
    })
}

/// One month's statement (`YYYY-MM`) of the signed-in user's centre, for its PDF; a month
/// without entries has none.
pub async fn my_statement(
    ctx: &Ctx,
    principal: &Principal,
    month: &str,
) -> Result<PrintableStatement> {
    let centre = crate::centre::centre_of(principal)?;
    printable(ctx, &centre, month).await
}

/// One month's statement of a centre, for administrators.
pub async fn statement_of(
    ctx: &Ctx,
    admin: &Principal,
    centre: &str,
    month: &str,
) -> Result<PrintableStatement> {
    admin.require(&[AccountKind::Admin])?;
    let centre = known_centre(ctx, centre).await?;
    printable(ctx, &centre, month).await
}

fn parse_month(raw: &str) -> Option<String> {
    let date = Date::parse(
        &format!("{raw}-01"),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    Some(format!("{:04}-{:02}", date.year(), u8::from(date.month())))
}
