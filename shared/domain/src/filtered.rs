//! One page of an index partition read newest first and filtered as it is read — for lists whose
//! filters the index cannot apply (a centre's records by name, a buyer's orders by status).
//!
//! The cursor is the index sort key of the last item examined, so a narrow filter never repeats
//! or skips an item; a page stops at `limit` matches or after `max_examined` items, whichever is
//! first, and then answers what it found with a cursor to go on. Each read is one query of the
//! index between the range's bounds.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::accounts::admin::Paged;
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::ports::table::{GSI1, GSI1_SK, Item};
use crate::ports::{Query, SortCondition};

/// What to read: the index partition, the inclusive range of sort keys, and the page's size.
pub struct Walk<'a> {
    pub partition: String,
    pub low: String,
    pub high: String,
    pub cursor: Option<&'a str>,
    pub limit: usize,
    pub max_examined: usize,
}

/// Reads newest first from the cursor, keeping what `keep` turns into `Some`.
pub async fn page<T>(
    ctx: &Ctx,
    walk: Walk<'_>,
    mut keep: impl FnMut(Item) -> Result<Option<T>>,
) -> Result<Paged<T>> {
    let Walk {
        partition,
        low,
        mut high,
        cursor,
        limit,
        max_examined,
    } = walk;
    let mut skip = None;
    if let Some(cursor) = cursor {
        let last = URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .filter(|key| key.len() <= 200)
            .ok_or_else(|| Error::field("cursor", "is not a cursor this list gave"))?;
        if last < high {
            high.clone_from(&last);
        }
        skip = Some(last);
    }
    let mut items = Vec::new();
    let mut examined = 0;
    loop {
        let page = ctx
            .table
            .query(
                &Query::index(GSI1, partition.clone())
                    .sort(SortCondition::Between(low.clone(), high.clone()))
                    .descending()
                    .limit(200),
            )
            .await?;
        let exhausted = page.next_cursor.is_none();
        for item in page.items {
            let key = item
                .get(GSI1_SK)
                .and_then(|k| k.as_str())
                .ok_or_else(|| Error::Internal("an indexed item without its index key".into()))?
                .to_owned();
            if skip.as_ref() == Some(&key) {
                continue;
            }
            examined += 1;
            high.clone_from(&key);
            skip = Some(key);
            if let Some(kept) = keep(item)? {
                items.push(kept);
            }
            if items.len() >= limit || examined >= max_examined {
                return Ok(Paged {
                    items,
                    next_cursor: skip.map(|k| URL_SAFE_NO_PAD.encode(k)),
                });
            }
        }
        if exhausted {
            return Ok(Paged {
                items,
                next_cursor: None,
            });
        }
    }
}
