//! The table: single-table DynamoDB semantics, whatever stores it.
//!
//! An [`Item`] is a JSON object. Every item has the string attributes [`PK`] and [`SK`]; an item
//! that also has the string attributes [`GSI1_PK`] and [`GSI1_SK`] is in the secondary index
//! [`GSI1`] (a sparse index: items without them are not). [`TTL`] holds epoch seconds after which
//! the store may delete the item on its own, some time later (DynamoDB takes up to days), so
//! callers that care about expiry check it themselves. Numbers are integers (i64); no floats.
//!
//! Sort keys and index sort keys order by their UTF-8 bytes, as DynamoDB orders strings.

use async_trait::async_trait;
use serde_json::Value;

pub type Item = serde_json::Map<String, Value>;

pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const GSI1: &str = "gsi1";
pub const GSI1_PK: &str = "gsi1pk";
pub const GSI1_SK: &str = "gsi1sk";
pub const TTL: &str = "ttl";
pub const VERSION: &str = "version";

/// The most writes one transaction may hold (DynamoDB's limit).
pub const MAX_TRANSACTION_WRITES: usize = 100;
/// The most keys one [`Table::get_many`] may ask for (DynamoDB's BatchGetItem limit).
pub const MAX_BATCH_GET: usize = 100;
/// The most items one query page may return.
pub const MAX_PAGE_LIMIT: u32 = 1000;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
        }
    }

    /// The key of an item, if it has string `pk` and `sk` attributes.
    pub fn of(item: &Item) -> Option<Self> {
        Some(Self::new(item.get(PK)?.as_str()?, item.get(SK)?.as_str()?))
    }
}

/// What must hold of the item currently stored under a write's key for the write to apply.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// No condition.
    Always,
    /// No item is stored under the key.
    NotExists,
    /// An item is stored under the key.
    Exists,
    /// An item is stored and its attribute equals the value (a missing attribute never equals).
    Equals(String, Value),
    /// Every condition holds.
    All(Vec<Condition>),
}

impl Condition {
    /// The stored item exists and its [`VERSION`] attribute equals `version`.
    pub fn version_is(version: i64) -> Self {
        Self::Equals(VERSION.to_owned(), Value::from(version))
    }

    pub fn equals(attr: &str, value: impl Into<Value>) -> Self {
        Self::Equals(attr.to_owned(), value.into())
    }

    /// Whether the condition holds of the stored item (`None` when nothing is stored).
    /// The embedded adapter uses this; it is the definition of the semantics.
    pub fn holds(&self, stored: Option<&Item>) -> bool {
        match self {
            Self::Always => true,
            Self::NotExists => stored.is_none(),
            Self::Exists => stored.is_some(),
            Self::Equals(attr, value) => stored.and_then(|item| item.get(attr)) == Some(value),
            Self::All(all) => all.iter().all(|c| c.holds(stored)),
        }
    }
}

/// One write of a transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// Store the item whole (replacing what is under its key) if the condition holds.
    Put { item: Item, condition: Condition },
    /// Remove what is under the key, if the condition holds (removing nothing is fine).
    Delete { key: Key, condition: Condition },
    /// Write nothing; only require the condition (guards read in the same transaction).
    Check { key: Key, condition: Condition },
}

impl Write {
    pub fn put(item: Item) -> Self {
        Self::Put {
            item,
            condition: Condition::Always,
        }
    }

    pub fn put_new(item: Item) -> Self {
        Self::Put {
            item,
            condition: Condition::NotExists,
        }
    }

    pub fn put_if(item: Item, condition: Condition) -> Self {
        Self::Put { item, condition }
    }

    pub fn delete(key: Key) -> Self {
        Self::Delete {
            key,
            condition: Condition::Always,
        }
    }

    pub fn delete_if(key: Key, condition: Condition) -> Self {
        Self::Delete { key, condition }
    }

    pub fn check(key: Key, condition: Condition) -> Self {
        Self::Check { key, condition }
    }

    /// The key the write is about (`None` for a put of an item without string `pk`/`sk`).
    pub fn key(&self) -> Option<Key> {
        match self {
            Self::Put { item, .. } => Key::of(item),
            Self::Delete { key, .. } | Self::Check { key, .. } => Some(key.clone()),
        }
    }
}

/// Which sort keys (of the table or of the index) a query returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortCondition {
    All,
    BeginsWith(String),
    /// Inclusive at both ends.
    Between(String, String),
    GreaterOrEqual(String),
    LessOrEqual(String),
}

impl SortCondition {
    pub fn matches(&self, sort_key: &str) -> bool {
        match self {
            Self::All => true,
            Self::BeginsWith(prefix) => sort_key.starts_with(prefix.as_str()),
            Self::Between(low, high) => low.as_str() <= sort_key && sort_key <= high.as_str(),
            Self::GreaterOrEqual(low) => low.as_str() <= sort_key,
            Self::LessOrEqual(high) => sort_key <= high.as_str(),
        }
    }
}

/// The items of one partition (of the table, or of the index [`GSI1`]), in sort-key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// `None`: the table (`pk`/`sk`); `Some(GSI1)`: the index (`gsi1pk`/`gsi1sk`).
    /// Index queries return whole items, but in DynamoDB they are eventually consistent: a
    /// write may show in the index only a moment later (the embedded store shows it at once),
    /// so code that must see its own write reads the table.
    pub index: Option<&'static str>,
    pub partition: String,
    pub sort: SortCondition,
    /// Ascending sort keys when true.
    pub ascending: bool,
    /// At most this many items (1..=[`MAX_PAGE_LIMIT`]).
    pub limit: u32,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl Query {
    pub fn partition(partition: impl Into<String>) -> Self {
        Self {
            index: None,
            partition: partition.into(),
            sort: SortCondition::All,
            ascending: true,
            limit: 100,
            cursor: None,
        }
    }

    pub fn index(index: &'static str, partition: impl Into<String>) -> Self {
        Self {
            index: Some(index),
            ..Self::partition(partition)
        }
    }

    pub fn sort(mut self, sort: SortCondition) -> Self {
        self.sort = sort;
        self
    }

    pub fn descending(mut self) -> Self {
        self.ascending = false;
        self
    }

    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit;
        self
    }

    pub fn after(mut self, cursor: Option<String>) -> Self {
        self.cursor = cursor;
        self
    }
}

/// One page of a query. `next_cursor` is `None` when there are no more items; it may be `Some`
/// and lead to an empty page (DynamoDB cannot always tell that the page was the last).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    pub items: Vec<Item>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The condition of the write at this index of the transaction did not hold; nothing was
    /// written.
    #[error("the condition of write {index} did not hold")]
    ConditionFailed { index: usize },
    /// Another transaction touched the same items at the same moment; nothing was written.
    /// Retrying (after reading again) may succeed.
    #[error("the transaction conflicted with another")]
    Conflict,
    /// The request itself is malformed (no writes, too many, two writes on one key, an item
    /// without keys, a limit out of range, a cursor that is not one of ours, a float).
    #[error("invalid table request: {0}")]
    Invalid(String),
    /// The store could not be reached or failed.
    #[error("the table is unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

#[async_trait]
pub trait Table: Send + Sync + 'static {
    /// The item under the key, read consistently (it reflects every acknowledged write).
    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError>;

    /// The items under several keys (at most [`MAX_BATCH_GET`]), read consistently, in one round
    /// trip where the store allows; answers in the order of `keys`.
    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, TableError> {
        check_batch_get(keys)?;
        let mut found = Vec::with_capacity(keys.len());
        for key in keys {
            found.push(self.get(key).await?);
        }
        Ok(found)
    }

    /// Applies all the writes or none of them: each write's condition is checked against the
    /// state before the transaction, and if any fails nothing is written
    /// ([`TableError::ConditionFailed`] names the first that failed). 1 to
    /// [`MAX_TRANSACTION_WRITES`] writes, no two on the same key. Once this returns `Ok` the
    /// writes are durable.
    async fn transact(&self, writes: Vec<Write>) -> Result<(), TableError>;

    /// One page of one partition, in sort-key order (see [`Query`]).
    async fn query(&self, query: &Query) -> Result<Page, TableError>;

    /// Adds `by` to the integer attribute `attr` of the item under `key` (creating the item, and
    /// the attribute from 0, when missing), sets [`TTL`] to `ttl` when given, and returns the new
    /// value. Atomic: concurrent increments all count. Counters are for rate limits, so an
    /// adapter may acknowledge an increment before it is on disk (a crash may forget the last few).
    async fn increment(
        &self,
        key: &Key,
        attr: &str,
        by: i64,
        ttl: Option<i64>,
    ) -> Result<i64, TableError>;

    /// One conditional put.
    async fn put(&self, item: Item, condition: Condition) -> Result<(), TableError> {
        self.transact(vec![Write::Put { item, condition }]).await
    }

    /// One conditional delete.
    async fn delete(&self, key: Key, condition: Condition) -> Result<(), TableError> {
        self.transact(vec![Write::Delete { key, condition }]).await
    }
}

/// Checks the size of a [`Table::get_many`] the same way in every adapter.
pub fn check_batch_get(keys: &[Key]) -> Result<(), TableError> {
    if keys.len() > MAX_BATCH_GET {
        return Err(TableError::Invalid(format!(
            "get_many takes at most {MAX_BATCH_GET} keys, not {}",
            keys.len()
        )));
    }
    Ok(())
}

/// Checks the shape of a transaction the same way in every adapter.
pub fn validate_transaction(writes: &[Write]) -> Result<(), TableError> {
    if writes.is_empty() || writes.len() > MAX_TRANSACTION_WRITES {
        return Err(TableError::Invalid(format!(
            "a transaction holds 1 to {MAX_TRANSACTION_WRITES} writes, not {}",
            writes.len()
        )));
    }
    let mut seen = std::collections::HashSet::with_capacity(writes.len());
    for write in writes {
        let key = write
            .key()
            .ok_or_else(|| TableError::Invalid("an item without string pk and sk".to_owned()))?;
        if !seen.insert(key) {
            return Err(TableError::Invalid("two writes on the same key".to_owned()));
        }
        if let Write::Put { item, .. } = write {
            check_item(item)?;
        }
    }
    Ok(())
}

/// Items hold no floats (both stores keep integers exactly) and index attributes come in pairs.
pub fn check_item(item: &Item) -> Result<(), TableError> {
    fn no_floats(value: &Value) -> bool {
        match value {
            Value::Number(n) => n.is_i64() || n.is_u64(),
            Value::Array(values) => values.iter().all(no_floats),
            Value::Object(map) => map.values().all(no_floats),
            _ => true,
        }
    }
    if !item.values().all(no_floats) {
        return Err(TableError::Invalid(
            "items hold integers, not floats".to_owned(),
        ));
    }
    for attr in [PK, SK, GSI1_PK, GSI1_SK] {
        if item.get(attr).and_then(Value::as_str) == Some("") {
            return Err(TableError::Invalid(format!("{attr} must not be empty")));
        }
    }
    let in_index = |attr: &str| item.get(attr).map(Value::is_string);
    match (in_index(GSI1_PK), in_index(GSI1_SK)) {
        (None, None) | (Some(true), Some(true)) => Ok(()),
        _ => Err(TableError::Invalid(format!(
            "{GSI1_PK} and {GSI1_SK} are strings set together"
        ))),
    }
}

pub fn validate_query(query: &Query) -> Result<(), TableError> {
    if query.limit == 0 || query.limit > MAX_PAGE_LIMIT {
        return Err(TableError::Invalid(format!(
            "limit must be 1 to {MAX_PAGE_LIMIT}"
        )));
    }
    match query.index {
        None => Ok(()),
        Some(GSI1) => Ok(()),
        Some(other) => Err(TableError::Invalid(format!("no index {other}"))),
    }
}
