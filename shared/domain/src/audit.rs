//! The audit log (ADM-5): who changed what, when, and from which address. Each entry is written
//! in the same transaction as the change it records, so there is never a change without its
//! entry, nor the reverse.
//!
//! Entries are kept a month to a partition (`AUDIT#YYYY-MM`), newest first. The log is read a
//! month at a time or over a date range of at most 12 months, filtered by who acted (e-mail or
//! id, exact or prefix), the kind of action (prefix, such as `auth.`) and the object (exact).
//! Filters are applied as entries are read, so a page examines at most [`MAX_EXAMINED`] entries
//! and answers with a cursor to go on even when few match. The CSV export ([`export`], [`csv`])
//! takes the same filters and stops at [`EXPORT_ROWS`] rows.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::accounts::admin::Paged;
use crate::accounts::model::{Account, AccountKind};
use crate::accounts::sessions::Principal;
use crate::ctx::Ctx;
use crate::error::{Error, Fields, Result};
use crate::items::{from_item, sortable, to_item};
use crate::ports::{Key, Query, SortCondition, Write};
use crate::secrets;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    /// The account that acted.
    pub actor_id: String,
    pub actor_email: String,
    /// What was done, such as `document.revoke` or `auth.sign_in`.
    pub action: String,
    /// What it was done to, such as a document's reference.
    pub target: String,
    /// The reason given, or what changed.
    pub detail: Option<String>,
    /// The network address the request came from (absent for entries written before it was
    /// kept, and for changes made outside a request).
    #[serde(default)]
    pub client: Option<String>,
}

/// The most entries one page of the log examines, matching or not.
pub const MAX_EXAMINED: usize = 1000;
/// The most rows one CSV export holds; a longer log is exported in narrower ranges.
pub const EXPORT_ROWS: usize = 10_000;
/// The longest date range one read covers, in calendar months.
const MAX_MONTHS: i32 = 12;

/// The month's partition: entries are listed newest first a month at a time.
pub fn partition(at: OffsetDateTime) -> String {
    month_partition(at.year(), u8::from(at.month()))
}

fn month_partition(year: i32, month: u8) -> String {
    format!("AUDIT#{year:04}-{month:02}")
}

/// The filters of a read of the log, as given (`?month=` or `?from=&to=`, `?actor=`,
/// `?action=`, `?target=`); each is optional.
#[derive(Debug, Default, Clone)]
pub struct AuditQuery {
    /// `YYYY-MM`; this month when neither it nor a range is given.
    pub month: Option<String>,
    /// `YYYY-MM-DD`, inclusive; without it, the range starts 11 months before `to`'s month.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, inclusive; today when absent.
    pub to: Option<String>,
    /// Who acted: an e-mail address or account id, or the start of one.
    pub actor: Option<String>,
    /// The start of the action's name (`auth.`, `order.placed`).
    pub action: Option<String>,
    /// The object, exactly.
    pub target: Option<String>,
}

/// A checked [`AuditQuery`].
#[derive(Debug)]
struct Filter {
    /// The month partitions to read, newest first.
    partitions: Vec<String>,
    /// Inclusive bounds of the entries' sort keys (a date range); none for whole months.
    low: Option<String>,
    high: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    target: Option<String>,
    /// Names what was read, for an export's file name.
    label: String,
}

impl Filter {
    fn matches(&self, entry: &AuditEntry) -> bool {
        self.actor.as_deref().is_none_or(|actor| {
            entry.actor_email.to_lowercase().starts_with(actor) || entry.actor_id.starts_with(actor)
        }) && self
            .action
            .as_deref()
            .is_none_or(|action| entry.action.starts_with(action))
            && self
                .target
                .as_deref()
                .is_none_or(|target| entry.target == target)
    }
}

fn parse_month(raw: &str) -> Result<(i32, u8), &'static str> {
    raw.split_once('-')
        .filter(|(y, m)| y.len() == 4 && m.len() == 2)
        .and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<u8>().ok()?)))
        .filter(|(_, m)| (1..=12).contains(m))
        .ok_or("must be a month such as 2026-11")
}

fn parse_date(raw: &str) -> Result<Date, &'static str> {
    Date::parse(
        raw,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
    .filter(|d| (2000..=9000).contains(&d.year()))
    .ok_or("must be a date such as 2026-11-30")
}

/// Months counted from year 0, so that ranges of months are ranges of numbers.
fn month_number(year: i32, month: u8) -> i32 {
    year * 12 + i32::from(month) - 1
}

fn month_of_number(n: i32) -> (i32, u8) {
    (n.div_euclid(12), (n.rem_euclid(12) + 1) as u8)
}

fn text_filter(
    max: usize,
    valid: impl Fn(char) -> bool,
) -> impl Fn(&str) -> Result<String, String> {
    move |raw| {
        if raw.chars().count() > max {
            Err(format!("must be at most {max} characters"))
        } else if !raw.chars().all(&valid) {
            Err("has characters no value of it has".to_owned())
        } else {
            Ok(raw.to_owned())
        }
    }
}

fn filter(ctx: &Ctx, query: &AuditQuery) -> Result<Filter> {
    let mut f = Fields::new();
    let month = f.optional("month", query.month.as_deref(), parse_month);
    let from = f.optional("from", query.from.as_deref(), parse_date);
    let to = f.optional("to", query.to.as_deref(), parse_date);
    let actor = f.optional(
        "actor",
        query.actor.as_deref(),
        text_filter(254, |c| !c.is_control()),
    );
    let action = f.optional(
        "action",
        query.action.as_deref(),
        text_filter(64, |c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c)
        }),
    );
    let target = f.optional(
        "target",
        query.target.as_deref(),
        text_filter(200, |c| !c.is_control()),
    );
    let (Some(month), Some(from), Some(to), Some(actor), Some(action), Some(target)) =
        (month, from, to, actor, action, target)
    else {
        return Err(f.into_error());
    };
    let (first, last, low, high, label) = match (month, from, to) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(Error::field(
                "month",
                "give either a month or a date range (from, to), not both",
            ));
        }
        (Some((year, month)), None, None) => {
            let n = month_number(year, month);
            (n, n, None, None, format!("{year:04}-{month:02}"))
        }
        (None, None, None) => {
            let now = ctx.now();
            let n = month_number(now.year(), u8::from(now.month()));
            let (year, month) = month_of_number(n);
            (n, n, None, None, format!("{year:04}-{month:02}"))
        }
        (None, from, to) => {
            let to = to.unwrap_or_else(|| ctx.now().date());
            let from = from.unwrap_or_else(|| {
                let (year, month) =
                    month_of_number(month_number(to.year(), u8::from(to.month())) - 11);
                Date::from_calendar_date(year, month.try_into().unwrap_or(time::Month::January), 1)
                    .unwrap_or(to)
            });
            if to < from {
                return Err(Error::field("to", "must not be before from"));
            }
            let first = month_number(from.year(), u8::from(from.month()));
            let last = month_number(to.year(), u8::from(to.month()));
            if last - first >= MAX_MONTHS {
                return Err(Error::field(
                    "from",
                    format!("a range spans at most {MAX_MONTHS} months"),
                ));
            }
            let low = sortable(from.midnight().assume_utc());
            // Sort keys are `millis#id`, so the next day's first millisecond bounds them.
            let high = sortable(to.next_day().unwrap_or(to).midnight().assume_utc());
            (first, last, Some(low), Some(high), format!("{from}_{to}"))
        }
    };
    Ok(Filter {
        partitions: (first..=last)
            .rev()
            .map(|n| {
                let (year, month) = month_of_number(n);
                month_partition(year, month)
            })
            .collect(),
        low,
        high,
        actor: actor.map(|a| a.to_lowercase()),
        action,
        target,
        label,
    })
}

/// A page's cursor: the partition it stopped in and the sort key of the last entry examined
/// there (empty: none yet).
fn encode_cursor(partition: &str, last: Option<&str>) -> String {
    URL_SAFE_NO_PAD.encode(format!("{partition}\n{}", last.unwrap_or("")))
}

fn decode_cursor(cursor: &str, filter: &Filter) -> Result<(usize, Option<String>)> {
    let bad = || Error::field("cursor", "is not a cursor this list gave");
    let text = URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .filter(|text| text.len() <= 300)
        .ok_or_else(bad)?;
    let (partition, last) = text.split_once('\n').ok_or_else(bad)?;
    let index = filter
        .partitions
        .iter()
        .position(|p| p == partition)
        .ok_or_else(bad)?;
    Ok((index, Some(last.to_owned()).filter(|l| !l.is_empty())))
}

/// Reads `filter`'s partitions newest first from the cursor, keeping matching entries, until
/// `limit` match or `max_examined` were read.
async fn walk(
    ctx: &Ctx,
    filter: &Filter,
    cursor: Option<&str>,
    limit: usize,
    max_examined: usize,
) -> Result<Paged<AuditEntry>> {
    let (mut index, mut last) = match cursor {
        None => (0, None),
        Some(cursor) => decode_cursor(cursor, filter)?,
    };
    let mut items = Vec::new();
    let mut examined = 0;
    while let Some(partition) = filter.partitions.get(index) {
        loop {
            let high = match (&filter.high, &last) {
                (Some(high), Some(last)) => Some(high.min(last).clone()),
                (high, last) => high.clone().or_else(|| last.clone()),
            };
            let sort = match (filter.low.clone(), high) {
                (None, None) => SortCondition::All,
                (Some(low), None) => SortCondition::GreaterOrEqual(low),
                (None, Some(high)) => SortCondition::LessOrEqual(high),
                (Some(low), Some(high)) if low <= high => SortCondition::Between(low, high),
                (Some(_), Some(_)) => break,
            };
            let page = ctx
                .table
                .query(
                    &Query::partition(partition.clone())
                        .sort(sort)
                        .descending()
                        .limit(200),
                )
                .await?;
            let exhausted = page.next_cursor.is_none();
            for item in page.items {
                let key = Key::of(&item)
                    .ok_or_else(|| Error::Internal("an audit entry without its key".into()))?;
                if last.as_ref() == Some(&key.sk) {
                    continue;
                }
                examined += 1;
                last = Some(key.sk);
                let entry: AuditEntry = from_item(item)?;
                if filter.matches(&entry) {
                    items.push(entry);
                }
                if items.len() >= limit || examined >= max_examined {
                    return Ok(Paged {
                        items,
                        next_cursor: Some(encode_cursor(partition, last.as_deref())),
                    });
                }
            }
            if exhausted {
                break;
            }
        }
        index += 1;
        last = None;
    }
    Ok(Paged {
        items,
        next_cursor: None,
    })
}

/// A page of the log, newest first (ADM-5): this month's, a month's or a date range's, filtered.
pub async fn list(
    ctx: &Ctx,
    admin: &Principal,
    query: &AuditQuery,
    cursor: Option<&str>,
    limit: u32,
) -> Result<Paged<AuditEntry>> {
    admin.require(&[AccountKind::Admin])?;
    let filter = filter(ctx, query)?;
    walk(ctx, &filter, cursor, limit as usize, MAX_EXAMINED).await
}

/// The entries of an export, newest first.
#[derive(Debug)]
pub struct Export {
    pub entries: Vec<AuditEntry>,
    /// More entries matched than the [`EXPORT_ROWS`] kept.
    pub truncated: bool,
    /// What was read (`2026-11`, `2026-01-01_2026-03-31`), for the file's name.
    pub label: String,
}

/// Every entry the filters keep, up to [`EXPORT_ROWS`] (ADM-5).
pub async fn export(ctx: &Ctx, admin: &Principal, query: &AuditQuery) -> Result<Export> {
    admin.require(&[AccountKind::Admin])?;
    let filter = filter(ctx, query)?;
    let mut entries = Vec::new();
    let mut cursor = None;
    loop {
        let page = walk(
            ctx,
            &filter,
            cursor.as_deref(),
            EXPORT_ROWS + 1 - entries.len(),
            MAX_EXAMINED * 5,
        )
        .await?;
        entries.extend(page.items);
        cursor = page.next_cursor;
        if cursor.is_none() || entries.len() > EXPORT_ROWS {
            break;
        }
    }
    let truncated = entries.len() > EXPORT_ROWS;
    entries.truncate(EXPORT_ROWS);
    Ok(Export {
        entries,
        truncated,
        label: filter.label,
    })
}

/// The columns of the CSV export.
pub const CSV_HEADER: [&str; 7] = [
    "at",
    "actor_email",
    "actor_id",
    "action",
    "target",
    "detail",
    "client",
];

/// A cell a spreadsheet would not take for a formula: one starting with `=`, `+`, `-`, `@` (or a
/// tab or carriage return) gets a leading `'`.
fn neutralised(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// The entries as CSV (RFC 4180: CRLF line ends, fields with commas, quotes or line breaks
/// quoted, quotes doubled), with the header row.
pub fn csv(entries: &[AuditEntry]) -> Result<Vec<u8>> {
    let failed = |e: csv::Error| Error::Internal(format!("writing the CSV: {e}"));
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record(CSV_HEADER).map_err(failed)?;
    for entry in entries {
        let at = entry
            .at
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| Error::Internal(e.to_string()))?;
        out.write_record(
            [
                at.as_str(),
                &entry.actor_email,
                &entry.actor_id,
                &entry.action,
                &entry.target,
                entry.detail.as_deref().unwrap_or(""),
                entry.client.as_deref().unwrap_or(""),
            ]
            .map(neutralised)
            .iter()
            .map(|cell| cell.as_bytes()),
        )
        .map_err(failed)?;
    }
    out.into_inner()
        .map_err(|e| Error::Internal(format!("writing the CSV: {e}")))
}

/// The write that records `action` on `target` by the signed-in `actor`, now, from the
/// request's address.
pub fn entry(
    ctx: &Ctx,
    actor: &Principal,
    action: &str,
    target: &str,
    detail: Option<&str>,
) -> Result<Write> {
    entry_by(ctx, &actor.account, action, target, detail)
}

/// [`entry`] for an account that is not (yet) signed in: one signing in, or following a link
/// mailed to it.
pub fn entry_by(
    ctx: &Ctx,
    actor: &Account,
    action: &str,
    target: &str,
    detail: Option<&str>,
) -> Result<Write> {
    let at = ctx.now();
    let record = AuditEntry {
        at,
        actor_id: actor.id.clone(),
        actor_email: actor.email.as_str().to_owned(),
        action: action.to_owned(),
        target: target.to_owned(),
        detail: detail.map(str::to_owned),
        client: ctx.client.as_deref().map(str::to_owned),
    };
    let key = Key::new(
        partition(at),
        format!("{}#{}", sortable(at), secrets::new_id(ctx.random.as_ref())),
    );
    Ok(Write::put_new(to_item(&key, &record)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(detail: &str) -> AuditEntry {
        AuditEntry {
            at: time::macros::datetime!(2026-11-03 09:15 UTC),
            actor_id: "a1".into(),
            actor_email: "admin@example.org".into(),
            action: "document.revoke".into(),
            target: "=HYPERLINK(\"x\")".into(),
            detail: Some(detail.into()),
            client: Some("2001:db8::1".into()),
        }
    }

    #[test]
    fn csv_quotes_per_rfc_4180_and_neutralises_formulas() {
        let text = String::from_utf8(csv(&[entry("a, \"b\"\nc")]).unwrap()).unwrap();
        assert_eq!(
            text,
            "at,actor_email,actor_id,action,target,detail,client\r\n\
             2026-11-03T09:15:00Z,admin@example.org,a1,document.revoke,\
             \"'=HYPERLINK(\"\"x\"\")\",\"a, \"\"b\"\"\nc\",2001:db8::1\r\n"
        );
    }

    #[test]
    fn cursors_name_a_partition_of_the_filter() {
        let filter = Filter {
            partitions: vec!["AUDIT#2026-11".into(), "AUDIT#2026-10".into()],
            low: None,
            high: None,
            actor: None,
            action: None,
            target: None,
            label: String::new(),
        };
        let cursor = encode_cursor("AUDIT#2026-10", Some("0001#x"));
        assert_eq!(
            decode_cursor(&cursor, &filter).unwrap(),
            (1, Some("0001#x".to_owned()))
        );
        let other = encode_cursor("AUDIT#2025-01", None);
        assert!(decode_cursor(&other, &filter).is_err());
        assert!(decode_cursor("not-ours", &filter).is_err());
    }
}
