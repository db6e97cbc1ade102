//! [`EmbeddedTable`]: the table port on one redb file.
//!
//! Three redb tables hold the data, all updated in the same write transaction:
//! - [`ITEMS`]: `pk NUL sk` → the item as JSON. Because keys hold no NUL, a partition's items are
//!   contiguous and ordered by the bytes of their sort keys, so a query is one range scan.
//! - [`GSI1_ENTRIES`]: `gsi1pk NUL gsi1sk NUL pk NUL sk` → `pk NUL sk`, one entry per item that
//!   has both index attributes. The item's own key ends the entry's key so that items sharing an
//!   index sort key still have distinct, totally ordered entries (and cursors).
//! - [`EXPIRIES`]: `ttl (8 bytes, order-preserving) ++ pk NUL sk` → `()`, one entry per item with
//!   an integer `ttl`, so [`EmbeddedTable::sweep_expired`] reads only what has expired.
//!
//! redb runs one write transaction at a time and readers see snapshots, so evaluating conditions
//! inside the write transaction that applies the writes makes conditional writes race-free.

use std::error::Error;
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use portal_domain::ports::table::{
    self, Condition, GSI1, GSI1_PK, GSI1_SK, Item, Key, PK, Page, Query, SK, SortCondition, TTL,
    Table, TableError, Write,
};
use redb::{
    Database, Durability, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction,
};
use serde_json::Value;

/// Items by `pk NUL sk`.
const ITEMS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("items");
/// The sparse index gsi1: `gsi1pk NUL gsi1sk NUL pk NUL sk` → `pk NUL sk`.
const GSI1_ENTRIES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("gsi1");
/// Items with an integer ttl: `order-preserving ttl ++ pk NUL sk`.
const EXPIRIES: TableDefinition<&[u8], ()> = TableDefinition::new("expiries");

/// Separates the parts of a stored key; refused inside keys so that keys split unambiguously.
const SEPARATOR: u8 = 0;

/// DynamoDB's limits, enforced here too so that what works locally works in AWS.
const MAX_PARTITION_KEY_BYTES: usize = 2048;
const MAX_SORT_KEY_BYTES: usize = 1024;
/// DynamoDB refuses items over 400 KB. Their JSON is a little larger than DynamoDB's own measure
/// of them, so this errs on the side of refusing locally what AWS might still accept.
const MAX_ITEM_JSON_BYTES: usize = 400 * 1024;

/// Expired items deleted per write transaction by [`EmbeddedTable::sweep_expired`], so that a
/// large sweep never holds the writer for long.
const SWEEP_BATCH: usize = 256;

/// The page cache redb may use. Its default (1 GiB) suits a database server, not a local portal.
const CACHE_BYTES: usize = 64 * 1024 * 1024;

/// Cursor layout version and what the cursor's key belongs to.
const CURSOR_VERSION: u8 = 1;
const CURSOR_OF_TABLE: u8 = b't';
const CURSOR_OF_GSI1: u8 = b'i';

/// The table port on a redb file: durable (every transaction but most counter increments is
/// fsynced before it is acknowledged), serializable, cheap to clone.
#[derive(Debug, Clone)]
pub struct EmbeddedTable {
    db: Arc<Database>,
    /// Increments since the last one written to disk (see `increment`).
    unsynced_increments: Arc<AtomicU32>,
}

/// Counters are fsynced at least every this many increments (any other write fsyncs them too).
const INCREMENTS_PER_SYNC: u32 = 64;

impl EmbeddedTable {
    /// Opens the store at `path`, creating the file (not its folder) when missing. After a crash,
    /// opening repairs the file to its last committed transaction. A file is open once at a time
    /// (a second open, in this process or another, is `Unavailable`): open it once and clone.
    pub fn open(path: &Path) -> Result<Self, TableError> {
        let db = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(path)
            .or_unavailable()?;
        let txn = begin_durable_write(&db)?;
        // Creates the tables, so that read transactions can open them from now on.
        WriteTables::open(&txn)?;
        txn.commit().or_unavailable()?;
        Ok(Self {
            db: Arc::new(db),
            unsynced_increments: Arc::new(AtomicU32::new(0)),
        })
    }

    /// Deletes the items whose [`TTL`] is below `now_epoch_secs` and returns how many went; the
    /// local portal calls it on a timer, standing in for DynamoDB's TTL. Deletes in batches of
    /// bounded size, each its own transaction, so writers wait at most one batch.
    pub async fn sweep_expired(&self, now_epoch_secs: i64) -> Result<usize, TableError> {
        let mut swept = 0;
        loop {
            let batch = self
                .blocking(move |db| sweep_batch(db, now_epoch_secs, SWEEP_BATCH))
                .await?;
            swept += batch;
            if batch < SWEEP_BATCH {
                return Ok(swept);
            }
        }
    }

    /// Runs redb work off the async runtime: its calls block on disk and on the writer lock.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Database) -> Result<T, TableError> + Send + 'static,
    ) -> Result<T, TableError> {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || work(&db))
            .await
            .or_unavailable()?
    }
}

#[async_trait]
impl Table for EmbeddedTable {
    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError> {
        let item_key = encode_item_key(key)?;
        self.blocking(move |db| {
            let txn = db.begin_read().or_unavailable()?;
            let items = txn.open_table(ITEMS).or_unavailable()?;
            let stored = items.get(item_key.as_slice()).or_unavailable()?;
            stored.map(|json| decode_item(json.value())).transpose()
        })
        .await
    }

    /// One read transaction: the items as of one snapshot.
    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, TableError> {
        table::check_batch_get(keys)?;
        let item_keys = keys
            .iter()
            .map(encode_item_key)
            .collect::<Result<Vec<_>, _>>()?;
        self.blocking(move |db| {
            let txn = db.begin_read().or_unavailable()?;
            let items = txn.open_table(ITEMS).or_unavailable()?;
            item_keys
                .iter()
                .map(|key| {
                    let stored = items.get(key.as_slice()).or_unavailable()?;
                    stored.map(|json| decode_item(json.value())).transpose()
                })
                .collect()
        })
        .await
    }

    async fn transact(&self, writes: Vec<Write>) -> Result<(), TableError> {
        table::validate_transaction(&writes)?;
        let writes = writes
            .into_iter()
            .map(PreparedWrite::new)
            .collect::<Result<Vec<_>, _>>()?;
        self.blocking(move |db| transact_blocking(db, &writes))
            .await
    }

    async fn query(&self, query: &Query) -> Result<Page, TableError> {
        table::validate_query(query)?;
        let Some(plan) = QueryPlan::new(query)? else {
            return Ok(Page::default());
        };
        self.blocking(move |db| plan.run(db)).await
    }

    async fn increment(
        &self,
        key: &Key,
        attr: &str,
        by: i64,
        ttl: Option<i64>,
    ) -> Result<i64, TableError> {
        let item_key = encode_item_key(key)?;
        if attr.is_empty() || [PK, SK, GSI1_PK, GSI1_SK].contains(&attr) {
            return Err(TableError::Invalid(format!(
                "cannot increment the attribute {attr:?}"
            )));
        }
        if attr == TTL && ttl.is_some() {
            return Err(TableError::Invalid(format!(
                "cannot both increment {TTL} and set it"
            )));
        }
        let key = key.clone();
        let attr = attr.to_owned();
        // Counters are rate limits: losing the last few in a crash only forgets some attempts,
        // while an fsync per public request (every Smart Verify check counts one) would make the
        // disk the server's speed. So most increments commit without waiting for the disk; the
        // next durable write, or every INCREMENTS_PER_SYNC-th increment, takes them to disk.
        let sync =
            self.unsynced_increments.fetch_add(1, Ordering::Relaxed) + 1 >= INCREMENTS_PER_SYNC;
        if sync {
            self.unsynced_increments.store(0, Ordering::Relaxed);
        }
        self.blocking(move |db| {
            let txn = if sync {
                begin_durable_write(db)?
            } else {
                let mut txn = db.begin_write().or_unavailable()?;
                txn.set_durability(Durability::None).or_unavailable()?;
                txn
            };
            let incremented = {
                let mut tables = WriteTables::open(&txn)?;
                let stored = tables.get(&item_key)?;
                increment_item(&key, stored.as_ref(), &attr, by, ttl).and_then(|(item, value)| {
                    let json = encode_item(&item)?;
                    if let Some(stored) = &stored {
                        tables.remove_entries(&item_key, stored)?;
                    }
                    tables.insert(&item_key, &item, &json)?;
                    Ok(value)
                })
            };
            match incremented {
                Ok(value) => {
                    txn.commit().or_unavailable()?;
                    Ok(value)
                }
                Err(refused) => {
                    txn.abort().or_unavailable()?;
                    Err(refused)
                }
            }
        })
        .await
    }
}

/// The item after adding `by` to `attr` (and setting the ttl), and the attribute's new value.
fn increment_item(
    key: &Key,
    stored: Option<&Item>,
    attr: &str,
    by: i64,
    ttl: Option<i64>,
) -> Result<(Item, i64), TableError> {
    let mut item = stored.cloned().unwrap_or_else(|| {
        let mut fresh = Item::new();
        fresh.insert(PK.to_owned(), Value::from(key.pk.as_str()));
        fresh.insert(SK.to_owned(), Value::from(key.sk.as_str()));
        fresh
    });
    let current = match item.get(attr) {
        None => 0,
        Some(value) => value.as_i64().ok_or_else(|| {
            TableError::Invalid(format!("the attribute {attr:?} is not an integer"))
        })?,
    };
    let value = current
        .checked_add(by)
        .ok_or_else(|| TableError::Invalid(format!("the attribute {attr:?} would overflow")))?;
    item.insert(attr.to_owned(), Value::from(value));
    if let Some(ttl) = ttl {
        item.insert(TTL.to_owned(), Value::from(ttl));
    }
    Ok((item, value))
}

/// One write with its key encoded and its item serialized, ready for the write transaction.
struct PreparedWrite {
    item_key: Vec<u8>,
    condition: Condition,
    action: Action,
}

enum Action {
    Put { item: Item, json: Vec<u8> },
    Delete,
    Check,
}

impl PreparedWrite {
    fn new(write: Write) -> Result<Self, TableError> {
        let (key, condition, action) = match write {
            Write::Put { item, condition } => {
                let key = Key::of(&item).ok_or_else(|| {
                    TableError::Invalid("an item without string pk and sk".to_owned())
                })?;
                check_index_attributes(&item)?;
                let json = encode_item(&item)?;
                (key, condition, Action::Put { item, json })
            }
            Write::Delete { key, condition } => (key, condition, Action::Delete),
            Write::Check { key, condition } => (key, condition, Action::Check),
        };
        Ok(Self {
            item_key: encode_item_key(&key)?,
            condition,
            action,
        })
    }
}

fn transact_blocking(db: &Database, writes: &[PreparedWrite]) -> Result<(), TableError> {
    let txn = begin_durable_write(db)?;
    let failed_condition = {
        let mut tables = WriteTables::open(&txn)?;
        let stored = writes
            .iter()
            .map(|write| tables.get(&write.item_key))
            .collect::<Result<Vec<_>, _>>()?;
        let failed_condition = writes
            .iter()
            .zip(&stored)
            .position(|(write, stored)| !write.condition.holds(stored.as_ref()));
        if failed_condition.is_none() {
            for (write, stored) in writes.iter().zip(&stored) {
                match (&write.action, stored) {
                    (Action::Put { item, json }, stored) => {
                        if let Some(stored) = stored {
                            tables.remove_entries(&write.item_key, stored)?;
                        }
                        tables.insert(&write.item_key, item, json)?;
                    }
                    (Action::Delete, Some(stored)) => tables.remove(&write.item_key, stored)?,
                    (Action::Delete, None) | (Action::Check, _) => {}
                }
            }
        }
        failed_condition
    };
    match failed_condition {
        None => txn.commit().or_unavailable(),
        Some(index) => {
            txn.abort().or_unavailable()?;
            Err(TableError::ConditionFailed { index })
        }
    }
}

fn sweep_batch(db: &Database, now_epoch_secs: i64, batch: usize) -> Result<usize, TableError> {
    let txn = begin_durable_write(db)?;
    let swept = {
        let mut tables = WriteTables::open(&txn)?;
        let expired_before = encode_ttl(now_epoch_secs);
        let expired = tables
            .expiries
            .range::<&[u8]>(..expired_before.as_slice())
            .or_unavailable()?
            .take(batch)
            .map(|entry| entry.map(|(key, _)| key.value().to_vec()))
            .collect::<Result<Vec<_>, _>>()
            .or_unavailable()?;
        for expiry_key in &expired {
            let item_key = &expiry_key[TTL_BYTES..];
            match tables.get(item_key)? {
                Some(stored) => tables.remove(item_key, &stored)?,
                // Cannot happen while the tables are kept together; drop the stray entry.
                None => {
                    tables
                        .expiries
                        .remove(expiry_key.as_slice())
                        .or_unavailable()?;
                }
            }
        }
        expired.len()
    };
    txn.commit().or_unavailable()?;
    Ok(swept)
}

/// Every write is fsynced before its transaction is acknowledged, so no acknowledged write is
/// lost when the process dies.
fn begin_durable_write(db: &Database) -> Result<WriteTransaction, TableError> {
    let mut txn = db.begin_write().or_unavailable()?;
    txn.set_durability(Durability::Immediate).or_unavailable()?;
    Ok(txn)
}

/// The three tables of one write transaction, kept consistent with each other.
struct WriteTables<'txn> {
    items: redb::Table<'txn, &'static [u8], &'static [u8]>,
    gsi1: redb::Table<'txn, &'static [u8], &'static [u8]>,
    expiries: redb::Table<'txn, &'static [u8], ()>,
}

impl<'txn> WriteTables<'txn> {
    fn open(txn: &'txn WriteTransaction) -> Result<Self, TableError> {
        Ok(Self {
            items: txn.open_table(ITEMS).or_unavailable()?,
            gsi1: txn.open_table(GSI1_ENTRIES).or_unavailable()?,
            expiries: txn.open_table(EXPIRIES).or_unavailable()?,
        })
    }

    fn get(&self, item_key: &[u8]) -> Result<Option<Item>, TableError> {
        let stored = self.items.get(item_key).or_unavailable()?;
        stored.map(|json| decode_item(json.value())).transpose()
    }

    /// Stores the item and its index entries; the entries of what it replaces must be removed
    /// first ([`Self::remove_entries`]).
    fn insert(&mut self, item_key: &[u8], item: &Item, json: &[u8]) -> Result<(), TableError> {
        self.items.insert(item_key, json).or_unavailable()?;
        if let Some(gsi1_key) = gsi1_entry_key(item, item_key) {
            self.gsi1
                .insert(gsi1_key.as_slice(), item_key)
                .or_unavailable()?;
        }
        if let Some(expiry_key) = expiry_entry_key(item, item_key) {
            self.expiries
                .insert(expiry_key.as_slice(), ())
                .or_unavailable()?;
        }
        Ok(())
    }

    fn remove(&mut self, item_key: &[u8], stored: &Item) -> Result<(), TableError> {
        self.items.remove(item_key).or_unavailable()?;
        self.remove_entries(item_key, stored)
    }

    fn remove_entries(&mut self, item_key: &[u8], stored: &Item) -> Result<(), TableError> {
        if let Some(gsi1_key) = gsi1_entry_key(stored, item_key) {
            self.gsi1.remove(gsi1_key.as_slice()).or_unavailable()?;
        }
        if let Some(expiry_key) = expiry_entry_key(stored, item_key) {
            self.expiries
                .remove(expiry_key.as_slice())
                .or_unavailable()?;
        }
        Ok(())
    }
}

/// A query turned into one range of stored keys, walked forwards or backwards.
#[derive(Debug)]
struct QueryPlan {
    in_gsi1: bool,
    /// The partition and its separator: every key of the partition starts with it.
    prefix: Vec<u8>,
    lower: Bound<Vec<u8>>,
    upper: Bound<Vec<u8>>,
    sort: SortCondition,
    ascending: bool,
    limit: usize,
}

impl QueryPlan {
    /// The plan, or `None` when nothing can match (a partition with NUL is never stored).
    fn new(query: &Query) -> Result<Option<Self>, TableError> {
        let in_gsi1 = query.index == Some(GSI1);
        if query.partition.as_bytes().contains(&SEPARATOR) {
            return match &query.cursor {
                Some(_) => Err(invalid_cursor()),
                None => Ok(None),
            };
        }
        let partition = query.partition.as_bytes();
        let prefix = [partition, &[SEPARATOR]].concat();
        let at = |sort_key: &str| [prefix.as_slice(), sort_key.as_bytes()].concat();
        // Stored sort keys hold no NUL, so a sort key followed by 0x01 is above every stored
        // key whose sort key is at most that sort key, in the table and in the index.
        let just_above = |sort_key: &str| [prefix.as_slice(), sort_key.as_bytes(), &[1]].concat();
        let partition_end = [partition, &[SEPARATOR + 1]].concat();
        let (lower, upper) = match &query.sort {
            SortCondition::All => (
                Bound::Included(prefix.clone()),
                Bound::Excluded(partition_end),
            ),
            SortCondition::BeginsWith(start) => {
                let start = at(start);
                let upper = match prefix_successor(&start) {
                    Some(end) => Bound::Excluded(end),
                    None => Bound::Excluded(partition_end),
                };
                (Bound::Included(start), upper)
            }
            SortCondition::Between(low, high) => {
                if low > high {
                    return Err(TableError::Invalid(format!(
                        "between {low:?} and {high:?}: the low end is above the high end"
                    )));
                }
                (Bound::Included(at(low)), Bound::Excluded(just_above(high)))
            }
            SortCondition::GreaterOrEqual(low) => {
                (Bound::Included(at(low)), Bound::Excluded(partition_end))
            }
            SortCondition::LessOrEqual(high) => (
                Bound::Included(prefix.clone()),
                Bound::Excluded(just_above(high)),
            ),
        };
        let mut plan = Self {
            in_gsi1,
            prefix,
            lower,
            upper,
            sort: query.sort.clone(),
            ascending: query.ascending,
            limit: usize::try_from(query.limit).unwrap_or(usize::MAX),
        };
        if let Some(cursor) = &query.cursor {
            let after = decode_cursor(cursor, in_gsi1)?;
            if !after.starts_with(&plan.prefix) {
                return Err(invalid_cursor());
            }
            if plan.ascending {
                plan.lower = tighter_lower(plan.lower, after);
            } else {
                plan.upper = tighter_upper(plan.upper, after);
            }
        }
        Ok(Some(plan))
    }

    fn run(&self, db: &Database) -> Result<Page, TableError> {
        if range_is_empty(&self.lower, &self.upper) {
            return Ok(Page::default());
        }
        let txn = db.begin_read().or_unavailable()?;
        let items = txn.open_table(ITEMS).or_unavailable()?;
        let scanned = if self.in_gsi1 {
            txn.open_table(GSI1_ENTRIES).or_unavailable()?
        } else {
            txn.open_table(ITEMS).or_unavailable()?
        };
        let range = scanned.range::<&[u8]>(self.bounds()).or_unavailable()?;
        let entries: Box<dyn Iterator<Item = _>> = if self.ascending {
            Box::new(range)
        } else {
            Box::new(range.rev())
        };

        let mut page = Page::default();
        let mut last_key = None;
        for entry in entries {
            let (key, value) = entry.or_unavailable()?;
            let key = key.value();
            if !self.sort.matches(&self.sort_key_of(key)?) {
                continue;
            }
            if page.items.len() == self.limit {
                page.next_cursor = last_key.map(|last: Vec<u8>| encode_cursor(&last, self.in_gsi1));
                break;
            }
            let item = if self.in_gsi1 {
                let item_key = value.value();
                let json = items.get(item_key).or_unavailable()?.ok_or_else(|| {
                    TableError::Unavailable("an index entry without its item".into())
                })?;
                decode_item(json.value())?
            } else {
                decode_item(value.value())?
            };
            page.items.push(item);
            last_key = Some(key.to_vec());
        }
        Ok(page)
    }

    fn bounds(&self) -> (Bound<&[u8]>, Bound<&[u8]>) {
        (
            self.lower.as_ref().map(Vec::as_slice),
            self.upper.as_ref().map(Vec::as_slice),
        )
    }

    /// The sort key (of the table, or of the index) of a stored key of the partition.
    fn sort_key_of(&self, key: &[u8]) -> Result<String, TableError> {
        let rest = key
            .strip_prefix(self.prefix.as_slice())
            .ok_or_else(corrupt_key)?;
        let sort_key = if self.in_gsi1 {
            rest.split(|b| *b == SEPARATOR)
                .next()
                .ok_or_else(corrupt_key)?
        } else {
            rest
        };
        String::from_utf8(sort_key.to_vec()).map_err(|_| corrupt_key())
    }
}

fn corrupt_key() -> TableError {
    TableError::Unavailable("a stored key that does not decode".into())
}

/// The smallest byte string above every string starting with `prefix`, if there is one.
fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// The lower bound that also excludes `after` and everything below it.
fn tighter_lower(lower: Bound<Vec<u8>>, after: Vec<u8>) -> Bound<Vec<u8>> {
    match &lower {
        Bound::Included(low) if *low > after => lower,
        Bound::Excluded(low) if *low >= after => lower,
        _ => Bound::Excluded(after),
    }
}

/// The upper bound that also excludes `before` and everything above it.
fn tighter_upper(upper: Bound<Vec<u8>>, before: Vec<u8>) -> Bound<Vec<u8>> {
    match &upper {
        Bound::Included(high) if *high < before => upper,
        Bound::Excluded(high) if *high <= before => upper,
        _ => Bound::Excluded(before),
    }
}

/// Whether no key lies within the bounds (redb, like `BTreeMap`, must not be given such a range).
fn range_is_empty(lower: &Bound<Vec<u8>>, upper: &Bound<Vec<u8>>) -> bool {
    match (lower, upper) {
        (Bound::Included(low), Bound::Included(high)) => low > high,
        (Bound::Included(low) | Bound::Excluded(low), Bound::Excluded(high))
        | (Bound::Excluded(low), Bound::Included(high)) => low >= high,
        (Bound::Unbounded, _) | (_, Bound::Unbounded) => false,
    }
}

fn encode_cursor(last_key: &[u8], in_gsi1: bool) -> String {
    let of = if in_gsi1 {
        CURSOR_OF_GSI1
    } else {
        CURSOR_OF_TABLE
    };
    URL_SAFE_NO_PAD.encode([&[CURSOR_VERSION, of], last_key].concat())
}

/// The stored key a cursor resumes after; `Invalid` unless it is one of ours for this kind of
/// query.
fn decode_cursor(cursor: &str, in_gsi1: bool) -> Result<Vec<u8>, TableError> {
    let of = if in_gsi1 {
        CURSOR_OF_GSI1
    } else {
        CURSOR_OF_TABLE
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| invalid_cursor())?;
    match bytes.as_slice() {
        [CURSOR_VERSION, kind, key @ ..] if *kind == of && !key.is_empty() => Ok(key.to_vec()),
        _ => Err(invalid_cursor()),
    }
}

fn invalid_cursor() -> TableError {
    TableError::Invalid("the cursor is not one this query returned".to_owned())
}

/// `pk NUL sk`, after checking both against DynamoDB's key rules and the NUL this store reserves.
fn encode_item_key(key: &Key) -> Result<Vec<u8>, TableError> {
    check_key_part(PK, &key.pk, MAX_PARTITION_KEY_BYTES)?;
    check_key_part(SK, &key.sk, MAX_SORT_KEY_BYTES)?;
    Ok([key.pk.as_bytes(), &[SEPARATOR], key.sk.as_bytes()].concat())
}

fn check_key_part(attr: &str, value: &str, max_bytes: usize) -> Result<(), TableError> {
    if value.is_empty() || value.len() > max_bytes {
        return Err(TableError::Invalid(format!(
            "{attr} must be 1 to {max_bytes} bytes"
        )));
    }
    if value.as_bytes().contains(&SEPARATOR) {
        return Err(TableError::Invalid(format!("{attr} must not contain NUL")));
    }
    Ok(())
}

/// The index attributes follow the key rules too ([`table::check_item`] has checked they pair).
fn check_index_attributes(item: &Item) -> Result<(), TableError> {
    if let (Some(Value::String(gsi1pk)), Some(Value::String(gsi1sk))) =
        (item.get(GSI1_PK), item.get(GSI1_SK))
    {
        check_key_part(GSI1_PK, gsi1pk, MAX_PARTITION_KEY_BYTES)?;
        check_key_part(GSI1_SK, gsi1sk, MAX_SORT_KEY_BYTES)?;
    }
    Ok(())
}

fn gsi1_entry_key(item: &Item, item_key: &[u8]) -> Option<Vec<u8>> {
    let gsi1pk = item.get(GSI1_PK)?.as_str()?;
    let gsi1sk = item.get(GSI1_SK)?.as_str()?;
    Some(
        [
            gsi1pk.as_bytes(),
            &[SEPARATOR],
            gsi1sk.as_bytes(),
            &[SEPARATOR],
            item_key,
        ]
        .concat(),
    )
}

const TTL_BYTES: usize = 8;

/// Big-endian with the sign bit flipped: byte order matches the order of the integers.
fn encode_ttl(ttl: i64) -> [u8; TTL_BYTES] {
    (ttl.cast_unsigned() ^ (1 << 63)).to_be_bytes()
}

fn expiry_entry_key(item: &Item, item_key: &[u8]) -> Option<Vec<u8>> {
    let ttl = item.get(TTL)?.as_i64()?;
    Some([&encode_ttl(ttl)[..], item_key].concat())
}

fn encode_item(item: &Item) -> Result<Vec<u8>, TableError> {
    let json = serde_json::to_vec(item).or_unavailable()?;
    if json.len() > MAX_ITEM_JSON_BYTES {
        return Err(TableError::Invalid(format!(
            "the item is larger than {MAX_ITEM_JSON_BYTES} bytes"
        )));
    }
    Ok(json)
}

fn decode_item(json: &[u8]) -> Result<Item, TableError> {
    serde_json::from_slice(json).or_unavailable()
}

/// Store failures (redb, I/O, a lost blocking task) all mean the table is unavailable.
trait OrUnavailable<T> {
    fn or_unavailable(self) -> Result<T, TableError>;
}

impl<T, E: Error + Send + Sync + 'static> OrUnavailable<T> for Result<T, E> {
    fn or_unavailable(self) -> Result<T, TableError> {
        self.map_err(|source| TableError::Unavailable(Box::new(source)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(value: Value) -> Item {
        match value {
            Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    fn open() -> (tempfile::TempDir, EmbeddedTable) {
        let dir = tempfile::tempdir().unwrap();
        let table = EmbeddedTable::open(&dir.path().join("table.redb")).unwrap();
        (dir, table)
    }

    #[test]
    fn ttl_encoding_preserves_order() {
        let ttls = [i64::MIN, -1_000, -1, 0, 1, 1_700_000_000, i64::MAX];
        for pair in ttls.windows(2) {
            assert!(encode_ttl(pair[0]) < encode_ttl(pair[1]), "{pair:?}");
        }
    }

    #[test]
    fn cursors_round_trip_and_refuse_the_other_kind() {
        let key = b"p\0s".to_vec();
        let cursor = encode_cursor(&key, false);
        assert_eq!(decode_cursor(&cursor, false).unwrap(), key);
        assert!(matches!(
            decode_cursor(&cursor, true),
            Err(TableError::Invalid(_))
        ));
        for bad in [
            "",
            "!!",
            "AQ",
            "AnQ",
            &URL_SAFE_NO_PAD.encode([2, b't', b'p']),
        ] {
            assert!(
                matches!(decode_cursor(bad, false), Err(TableError::Invalid(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn bounds_tighten_and_empty_ranges_are_seen() {
        let lower = tighter_lower(Bound::Included(b"b".to_vec()), b"a".to_vec());
        assert_eq!(lower, Bound::Included(b"b".to_vec()));
        let lower = tighter_lower(Bound::Included(b"b".to_vec()), b"b".to_vec());
        assert_eq!(lower, Bound::Excluded(b"b".to_vec()));
        let upper = tighter_upper(Bound::Excluded(b"c".to_vec()), b"d".to_vec());
        assert_eq!(upper, Bound::Excluded(b"c".to_vec()));
        let upper = tighter_upper(Bound::Excluded(b"c".to_vec()), b"b".to_vec());
        assert_eq!(upper, Bound::Excluded(b"b".to_vec()));
        assert!(range_is_empty(
            &Bound::Excluded(b"b".to_vec()),
            &Bound::Excluded(b"b".to_vec())
        ));
        assert!(range_is_empty(
            &Bound::Included(b"c".to_vec()),
            &Bound::Included(b"b".to_vec())
        ));
        assert!(!range_is_empty(
            &Bound::Included(b"b".to_vec()),
            &Bound::Included(b"b".to_vec())
        ));
    }

    #[test]
    fn prefix_successor_skips_trailing_max_bytes() {
        assert_eq!(prefix_successor(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_successor(&[b'a', 0xff]), Some(b"b".to_vec()));
        assert_eq!(prefix_successor(&[0xff, 0xff]), None);
    }

    #[tokio::test]
    async fn keys_with_nul_or_empty_parts_are_invalid() {
        let (_dir, table) = open();
        for key in [
            Key::new("a\0b", "s"),
            Key::new("p", "s\0"),
            Key::new("", "s"),
            Key::new("p", ""),
        ] {
            assert!(
                matches!(table.get(&key).await, Err(TableError::Invalid(_))),
                "{key:?}"
            );
            let put = table.put(item(json!({"pk": key.pk, "sk": key.sk})), Condition::Always);
            assert!(matches!(put.await, Err(TableError::Invalid(_))), "{key:?}");
        }
        let nul_in_index = item(json!({"pk": "p", "sk": "s", "gsi1pk": "g\0", "gsi1sk": "x"}));
        assert!(matches!(
            table.put(nul_in_index, Condition::Always).await,
            Err(TableError::Invalid(_))
        ));
    }

    #[tokio::test]
    async fn a_partition_with_nul_is_empty() {
        let (_dir, table) = open();
        table
            .put(item(json!({"pk": "a", "sk": "b"})), Condition::Always)
            .await
            .unwrap();
        for index in [None, Some(GSI1)] {
            let query = Query {
                index,
                ..Query::partition("a\0b")
            };
            assert_eq!(table.query(&query).await.unwrap(), Page::default());
        }
    }

    #[tokio::test]
    async fn between_with_low_above_high_is_invalid() {
        let (_dir, table) = open();
        let query = Query::partition("p").sort(SortCondition::Between("b".into(), "a".into()));
        assert!(matches!(
            table.query(&query).await,
            Err(TableError::Invalid(_))
        ));
    }

    #[tokio::test]
    async fn increment_refuses_key_attributes_non_integers_and_overflow() {
        let (_dir, table) = open();
        let key = Key::new("p", "s");
        for attr in [PK, SK, GSI1_PK, GSI1_SK, ""] {
            assert!(matches!(
                table.increment(&key, attr, 1, None).await,
                Err(TableError::Invalid(_))
            ));
        }
        table
            .put(
                item(json!({"pk": "p", "sk": "s", "name": "x", "n": i64::MAX})),
                Condition::Always,
            )
            .await
            .unwrap();
        assert!(matches!(
            table.increment(&key, "name", 1, None).await,
            Err(TableError::Invalid(_))
        ));
        assert!(matches!(
            table.increment(&key, "n", 1, None).await,
            Err(TableError::Invalid(_))
        ));
        assert_eq!(
            table.increment(&key, "n", -1, None).await.unwrap(),
            i64::MAX - 1
        );
    }

    #[tokio::test]
    async fn oversized_items_are_invalid() {
        let (_dir, table) = open();
        let big = "x".repeat(MAX_ITEM_JSON_BYTES);
        let put = table.put(
            item(json!({"pk": "p", "sk": "s", "big": big})),
            Condition::Always,
        );
        assert!(matches!(put.await, Err(TableError::Invalid(_))));
    }

    #[tokio::test]
    async fn sweep_deletes_only_expired_items_in_batches() {
        let (_dir, table) = open();
        let now = 1_700_000_000;
        let expired = SWEEP_BATCH * 2 + 7;
        let mut writes = Vec::new();
        for n in 0..expired {
            let ttl = now - 1 - i64::try_from(n).unwrap();
            let gsi = json!({"pk": "old", "sk": format!("{n:05}"), "ttl": ttl, "gsi1pk": "g", "gsi1sk": "old"});
            writes.push(Write::put(item(gsi)));
            if writes.len() == 100 {
                table.transact(std::mem::take(&mut writes)).await.unwrap();
            }
        }
        writes.push(Write::put(item(
            json!({"pk": "keep", "sk": "at-now", "ttl": now}),
        )));
        writes.push(Write::put(item(
            json!({"pk": "keep", "sk": "later", "ttl": now + 60, "gsi1pk": "g", "gsi1sk": "new"}),
        )));
        writes.push(Write::put(item(json!({"pk": "keep", "sk": "no-ttl"}))));
        writes.push(Write::put(item(
            json!({"pk": "keep", "sk": "text-ttl", "ttl": "0"}),
        )));
        table.transact(writes).await.unwrap();

        assert_eq!(table.sweep_expired(now).await.unwrap(), expired);
        assert_eq!(table.sweep_expired(now).await.unwrap(), 0);

        let old = table.query(&Query::partition("old")).await.unwrap();
        assert!(old.items.is_empty());
        let kept = table.query(&Query::partition("keep")).await.unwrap();
        let kept: Vec<_> = kept
            .items
            .iter()
            .map(|i| i[SK].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(kept, ["at-now", "later", "no-ttl", "text-ttl"]);
        let indexed = table.query(&Query::index(GSI1, "g")).await.unwrap();
        assert_eq!(indexed.items.len(), 1);
        assert_eq!(indexed.items[0][SK], "later");

        // A replaced ttl moves the item's expiry: only the new one counts.
        let key = Key::new("keep", "later");
        table.increment(&key, "n", 1, Some(now - 5)).await.unwrap();
        assert_eq!(table.sweep_expired(now).await.unwrap(), 1);
        assert_eq!(table.get(&key).await.unwrap(), None);
        assert!(
            table
                .query(&Query::index(GSI1, "g"))
                .await
                .unwrap()
                .items
                .is_empty()
        );
    }

    #[tokio::test]
    async fn reopening_keeps_committed_items() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("table.redb");
        {
            let table = EmbeddedTable::open(&path).unwrap();
            table
                .put(
                    item(json!({"pk": "p", "sk": "s", "n": 1})),
                    Condition::Always,
                )
                .await
                .unwrap();
        }
        let table = EmbeddedTable::open(&path).unwrap();
        assert_eq!(
            table.get(&Key::new("p", "s")).await.unwrap().unwrap()["n"],
            1
        );
    }
}
