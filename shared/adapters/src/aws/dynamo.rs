//! The table port on DynamoDB: one table keyed by `pk`/`sk` with the index `gsi1`.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, ConditionCheck, Delete, KeysAndAttributes, Put,
    ReturnValue, TransactWriteItem,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use portal_domain::ports::table::{
    Condition, GSI1_PK, GSI1_SK, Item, Key, PK, Page, Query, SK, SortCondition, TTL, Table,
    TableError, Write, check_batch_get, check_item, validate_query, validate_transaction,
};
use serde_json::Value;

use super::Unexpected;

type Attributes = HashMap<String, AttributeValue>;

/// The [`Table`] port on one DynamoDB table (see `provision::create_table` for its shape).
#[derive(Debug, Clone)]
pub struct DynamoTable {
    client: Client,
    table_name: String,
}

impl DynamoTable {
    pub fn new(client: Client, table_name: String) -> Self {
        Self { client, table_name }
    }

    pub fn table_name(&self) -> &str {
        &self.table_name
    }

    async fn put_one(&self, item: Item, condition: &Condition) -> Result<(), TableError> {
        let conditional = Conditional::of(condition)?;
        self.client
            .put_item()
            .table_name(&self.table_name)
            .set_item(Some(to_attributes(item)?))
            .set_condition_expression(conditional.expression)
            .set_expression_attribute_names(conditional.names)
            .set_expression_attribute_values(conditional.values)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    async fn delete_one(&self, key: &Key, condition: &Condition) -> Result<(), TableError> {
        let conditional = Conditional::of(condition)?;
        self.client
            .delete_item()
            .table_name(&self.table_name)
            .set_key(Some(key_attributes(key)))
            .set_condition_expression(conditional.expression)
            .set_expression_attribute_names(conditional.names)
            .set_expression_attribute_values(conditional.values)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    async fn transact_items(&self, writes: Vec<Write>) -> Result<(), TableError> {
        let items = writes
            .into_iter()
            .map(|write| self.transact_item(write))
            .collect::<Result<Vec<_>, _>>()?;
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) => {
                let cancelled = match err.as_service_error() {
                    Some(TransactWriteItemsError::TransactionCanceledException(cancel)) => {
                        cancellation(cancel.cancellation_reasons())
                    }
                    _ => None,
                };
                Err(cancelled.unwrap_or_else(|| sdk_error(err)))
            }
        }
    }

    fn transact_item(&self, write: Write) -> Result<TransactWriteItem, TableError> {
        let item = match write {
            Write::Put { item, condition } => {
                let conditional = Conditional::of(&condition)?;
                let put = Put::builder()
                    .table_name(&self.table_name)
                    .set_item(Some(to_attributes(item)?))
                    .set_condition_expression(conditional.expression)
                    .set_expression_attribute_names(conditional.names)
                    .set_expression_attribute_values(conditional.values)
                    .build()
                    .map_err(unavailable)?;
                TransactWriteItem::builder().put(put)
            }
            Write::Delete { key, condition } => {
                let conditional = Conditional::of(&condition)?;
                let delete = Delete::builder()
                    .table_name(&self.table_name)
                    .set_key(Some(key_attributes(&key)))
                    .set_condition_expression(conditional.expression)
                    .set_expression_attribute_names(conditional.names)
                    .set_expression_attribute_values(conditional.values)
                    .build()
                    .map_err(unavailable)?;
                TransactWriteItem::builder().delete(delete)
            }
            Write::Check { key, condition } => {
                // A condition check must carry an expression; `Always` becomes one that always
                // holds, so that the writes keep their indexes for `ConditionFailed`.
                let conditional = match Conditional::of(&condition)? {
                    Conditional {
                        expression: None, ..
                    } => Conditional::always(),
                    conditional => conditional,
                };
                let check = ConditionCheck::builder()
                    .table_name(&self.table_name)
                    .set_key(Some(key_attributes(&key)))
                    .set_condition_expression(conditional.expression)
                    .set_expression_attribute_names(conditional.names)
                    .set_expression_attribute_values(conditional.values)
                    .build()
                    .map_err(unavailable)?;
                TransactWriteItem::builder().condition_check(check)
            }
        };
        Ok(item.build())
    }
}

#[async_trait]
impl Table for DynamoTable {
    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table_name)
            .set_key(Some(key_attributes(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        output.item.map(from_attributes).transpose()
    }

    /// BatchGetItem, consistent; keys it leaves unprocessed (throttling) are asked again.
    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, TableError> {
        check_batch_get(keys)?;
        let mut unique: Vec<&Key> = Vec::with_capacity(keys.len());
        for key in keys {
            if !unique.contains(&key) {
                unique.push(key);
            }
        }
        let mut found: HashMap<Key, Item> = HashMap::with_capacity(unique.len());
        let mut asking: Vec<Attributes> = unique.iter().map(|k| key_attributes(k)).collect();
        let mut round = 0u32;
        while !asking.is_empty() {
            let request = KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut asking)))
                .consistent_read(true)
                .build()
                .map_err(unavailable)?;
            let output = self
                .client
                .batch_get_item()
                .request_items(&self.table_name, request)
                .send()
                .await
                .map_err(sdk_error)?;
            for attributes in output
                .responses
                .and_then(|mut r| r.remove(&self.table_name))
                .unwrap_or_default()
            {
                let item = from_attributes(attributes)?;
                if let Some(key) = Key::of(&item) {
                    found.insert(key, item);
                }
            }
            asking = output
                .unprocessed_keys
                .and_then(|mut u| u.remove(&self.table_name))
                .map(|k| k.keys)
                .unwrap_or_default();
            if !asking.is_empty() {
                round += 1;
                if round > 8 {
                    return Err(TableError::Unavailable(Box::new(Unexpected(
                        "BatchGetItem left keys unprocessed eight times".to_owned(),
                    ))));
                }
                tokio::time::sleep(std::time::Duration::from_millis(25 << round.min(6))).await;
            }
        }
        Ok(keys.iter().map(|k| found.get(k).cloned()).collect())
    }

    async fn transact(&self, mut writes: Vec<Write>) -> Result<(), TableError> {
        validate_transaction(&writes)?;
        if writes.len() > 1 {
            return self.transact_items(writes).await;
        }
        match writes.pop() {
            Some(Write::Put { item, condition }) => self.put_one(item, &condition).await,
            Some(Write::Delete { key, condition }) => self.delete_one(&key, &condition).await,
            // Nothing to check; the key was validated.
            Some(Write::Check {
                condition: Condition::Always,
                ..
            }) => Ok(()),
            // DynamoDB has no single condition check: a transaction of one does it.
            Some(check @ Write::Check { .. }) => self.transact_items(vec![check]).await,
            // `validate_transaction` refuses an empty transaction.
            None => Err(TableError::Invalid(
                "a transaction holds at least one write".to_owned(),
            )),
        }
    }

    async fn query(&self, query: &Query) -> Result<Page, TableError> {
        validate_query(query)?;
        let (partition_attr, sort_attr) = key_names(query.index);
        let start_key = query
            .cursor
            .as_deref()
            .map(|cursor| decode_cursor(cursor, query))
            .transpose()?;
        // DynamoDB stores no empty key strings and refuses them in key conditions, so an empty
        // partition, or a sort condition only an empty sort key meets, has no items.
        let Some(sort) = effective_sort(&query.sort) else {
            return Ok(Page::default());
        };
        if query.partition.is_empty() {
            return Ok(Page::default());
        }

        let mut expression = Expression::default();
        let partition = format!(
            "{} = {}",
            expression.name(partition_attr),
            expression.value(AttributeValue::S(query.partition.clone()))
        );
        let sort = match sort {
            SortCondition::All => None,
            SortCondition::BeginsWith(prefix) => Some(format!(
                "begins_with({}, {})",
                expression.name(sort_attr),
                expression.value(AttributeValue::S(prefix))
            )),
            SortCondition::Between(low, high) => Some(format!(
                "{} BETWEEN {} AND {}",
                expression.name(sort_attr),
                expression.value(AttributeValue::S(low)),
                expression.value(AttributeValue::S(high))
            )),
            SortCondition::GreaterOrEqual(low) => Some(format!(
                "{} >= {}",
                expression.name(sort_attr),
                expression.value(AttributeValue::S(low))
            )),
            SortCondition::LessOrEqual(high) => Some(format!(
                "{} <= {}",
                expression.name(sort_attr),
                expression.value(AttributeValue::S(high))
            )),
        };
        let key_condition = match sort {
            Some(sort) => format!("{partition} AND {sort}"),
            None => partition,
        };
        let limit = i32::try_from(query.limit)
            .map_err(|_| TableError::Invalid(format!("limit {} is out of range", query.limit)))?;

        let output = self
            .client
            .query()
            .table_name(&self.table_name)
            .set_index_name(query.index.map(str::to_owned))
            .key_condition_expression(key_condition)
            .set_expression_attribute_names(Some(expression.names))
            .set_expression_attribute_values(Some(expression.values))
            .scan_index_forward(query.ascending)
            .limit(limit)
            .set_exclusive_start_key(start_key)
            // Index queries can only be eventually consistent; table queries read consistently.
            .set_consistent_read(query.index.is_none().then_some(true))
            .send()
            .await
            .map_err(sdk_error)?;

        let items = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(from_attributes)
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = output.last_evaluated_key.map(encode_cursor).transpose()?;
        Ok(Page { items, next_cursor })
    }

    async fn increment(
        &self,
        key: &Key,
        attr: &str,
        by: i64,
        ttl: Option<i64>,
    ) -> Result<i64, TableError> {
        let mut expression = Expression::default();
        let add = format!(
            "ADD {} {}",
            expression.name(attr),
            expression.value(AttributeValue::N(by.to_string()))
        );
        let update = match ttl {
            Some(ttl) => format!(
                "SET {} = {} {add}",
                expression.name(TTL),
                expression.value(AttributeValue::N(ttl.to_string()))
            ),
            None => add,
        };
        let output = self
            .client
            .update_item()
            .table_name(&self.table_name)
            .set_key(Some(key_attributes(key)))
            .update_expression(update)
            .set_expression_attribute_names(Some(expression.names))
            .set_expression_attribute_values(Some(expression.values))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(sdk_error)?;
        match output
            .attributes
            .as_ref()
            .and_then(|attributes| attributes.get(attr))
        {
            Some(AttributeValue::N(number)) => number.parse::<i64>().map_err(|_| {
                TableError::Invalid(format!("{attr} is now {number}, beyond a 64-bit integer"))
            }),
            other => Err(unavailable(Unexpected(format!(
                "UpdateItem returned {other:?} for the incremented attribute {attr}"
            )))),
        }
    }
}

/// An expression's attribute-name and -value placeholders (`#n0`, `:v0` …).
#[derive(Debug, Default)]
struct Expression {
    names: HashMap<String, String>,
    values: Attributes,
}

impl Expression {
    fn name(&mut self, attr: &str) -> String {
        if let Some((placeholder, _)) = self.names.iter().find(|(_, name)| *name == attr) {
            return placeholder.clone();
        }
        let placeholder = format!("#n{}", self.names.len());
        self.names.insert(placeholder.clone(), attr.to_owned());
        placeholder
    }

    fn value(&mut self, value: AttributeValue) -> String {
        let placeholder = format!(":v{}", self.values.len());
        self.values.insert(placeholder.clone(), value);
        placeholder
    }

    /// The condition expression, `None` when it always holds.
    fn condition(&mut self, condition: &Condition) -> Result<Option<String>, TableError> {
        Ok(match condition {
            Condition::Always => None,
            Condition::NotExists => Some(format!("attribute_not_exists({})", self.name(PK))),
            Condition::Exists => Some(format!("attribute_exists({})", self.name(PK))),
            // Null is a type of its own: the attribute is stored and holds null. (Said so rather
            // than `#a = :null`, which moto also takes to hold of a missing attribute.)
            Condition::Equals(attr, Value::Null) => Some(format!(
                "attribute_type({}, {})",
                self.name(attr),
                self.value(AttributeValue::S("NULL".to_owned()))
            )),
            // False when no item is stored, or when it lacks the attribute, as `holds` says.
            Condition::Equals(attr, value) => {
                let value = serde_dynamo::to_attribute_value(value).map_err(invalid_value)?;
                Some(format!("{} = {}", self.name(attr), self.value(value)))
            }
            Condition::All(all) => {
                let mut parts = Vec::with_capacity(all.len());
                for condition in all {
                    if let Some(part) = self.condition(condition)? {
                        parts.push(part);
                    }
                }
                match parts.len() {
                    0 => None,
                    1 => parts.pop(),
                    _ => Some(
                        parts
                            .iter()
                            .map(|part| format!("({part})"))
                            .collect::<Vec<_>>()
                            .join(" AND "),
                    ),
                }
            }
        })
    }
}

/// The parts of a conditional write, each `None` when there is no condition (DynamoDB refuses
/// empty name and value maps).
struct Conditional {
    expression: Option<String>,
    names: Option<HashMap<String, String>>,
    values: Option<Attributes>,
}

impl Conditional {
    fn of(condition: &Condition) -> Result<Self, TableError> {
        let mut expression = Expression::default();
        let condition = expression.condition(condition)?;
        Ok(Self {
            expression: condition,
            names: (!expression.names.is_empty()).then_some(expression.names),
            values: (!expression.values.is_empty()).then_some(expression.values),
        })
    }

    /// A condition that holds whether or not an item is stored.
    fn always() -> Self {
        Self {
            expression: Some("attribute_exists(#pk) OR attribute_not_exists(#pk)".to_owned()),
            names: Some(HashMap::from([("#pk".to_owned(), PK.to_owned())])),
            values: None,
        }
    }
}

/// The partition and sort attributes of the table (`None`) or of the index.
fn key_names(index: Option<&str>) -> (&'static str, &'static str) {
    match index {
        None => (PK, SK),
        Some(_) => (GSI1_PK, GSI1_SK),
    }
}

/// The sort condition DynamoDB can express with the same meaning (no empty strings), or `None`
/// when only an empty sort key could match it (DynamoDB stores none).
fn effective_sort(sort: &SortCondition) -> Option<SortCondition> {
    match sort {
        SortCondition::All => Some(SortCondition::All),
        SortCondition::BeginsWith(prefix) if prefix.is_empty() => Some(SortCondition::All),
        SortCondition::GreaterOrEqual(low) if low.is_empty() => Some(SortCondition::All),
        SortCondition::LessOrEqual(high) if high.is_empty() => None,
        // DynamoDB refuses BETWEEN with bounds out of order; nothing lies between them.
        SortCondition::Between(low, high) if high.is_empty() || low > high => None,
        SortCondition::Between(low, high) if low.is_empty() => {
            Some(SortCondition::LessOrEqual(high.clone()))
        }
        other => Some(other.clone()),
    }
}

fn key_attributes(key: &Key) -> Attributes {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(key.pk.clone())),
        (SK.to_owned(), AttributeValue::S(key.sk.clone())),
    ])
}

fn to_attributes(item: Item) -> Result<Attributes, TableError> {
    check_item(&item)?;
    serde_dynamo::to_item(item).map_err(invalid_value)
}

fn from_attributes(attributes: Attributes) -> Result<Item, TableError> {
    serde_dynamo::from_item(attributes).map_err(unavailable)
}

/// The cursor: the `LastEvaluatedKey` (string attributes only) as base64url JSON.
fn encode_cursor(key: Attributes) -> Result<String, TableError> {
    let key = from_attributes(key)?;
    let json = serde_json::to_vec(&key).map_err(unavailable)?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

/// The `ExclusiveStartKey` of a cursor, which must be a key of the query's partition whose sort
/// key the query's sort condition matches.
fn decode_cursor(cursor: &str, query: &Query) -> Result<Attributes, TableError> {
    let invalid = || TableError::Invalid("the cursor is not one of this query's".to_owned());
    let json = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let key: Item = serde_json::from_slice(&json).map_err(|_| invalid())?;
    let (partition_attr, sort_attr) = key_names(query.index);
    let attrs: &[&str] = match query.index {
        None => &[PK, SK],
        Some(_) => &[PK, SK, GSI1_PK, GSI1_SK],
    };
    let string = |attr: &str| key.get(attr).and_then(Value::as_str);
    let well_formed = key.len() == attrs.len()
        && attrs.iter().all(|attr| string(attr).is_some())
        && string(partition_attr) == Some(query.partition.as_str())
        && string(sort_attr).is_some_and(|sort| query.sort.matches(sort));
    if !well_formed {
        return Err(invalid());
    }
    Ok(key
        .into_iter()
        .filter_map(|(name, value)| match value {
            Value::String(value) => Some((name, AttributeValue::S(value))),
            _ => None,
        })
        .collect())
}

/// Maps an SDK error: a failed condition (only single writes fail so: index 0), a conflicting
/// transaction, a request DynamoDB refused as malformed; anything else is unavailability.
fn sdk_error<E>(err: SdkError<E>) -> TableError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match err.code() {
        Some("ConditionalCheckFailedException") => TableError::ConditionFailed { index: 0 },
        Some("TransactionConflictException") => TableError::Conflict,
        Some("ValidationException") => TableError::Invalid(
            err.message()
                .unwrap_or("DynamoDB refused the request")
                .to_owned(),
        ),
        _ => unavailable(err),
    }
}

/// The outcome of a cancelled transaction: the first write whose condition failed, else a
/// conflict, else a write DynamoDB refused; `None` when the reasons say none of those.
fn cancellation(reasons: &[CancellationReason]) -> Option<TableError> {
    let code_is = |reason: &CancellationReason, code: &str| reason.code() == Some(code);
    if let Some(index) = reasons
        .iter()
        .position(|reason| code_is(reason, "ConditionalCheckFailed"))
    {
        return Some(TableError::ConditionFailed { index });
    }
    if reasons
        .iter()
        .any(|reason| code_is(reason, "TransactionConflict"))
    {
        return Some(TableError::Conflict);
    }
    reasons
        .iter()
        .find(|reason| code_is(reason, "ValidationError"))
        .map(|reason| {
            TableError::Invalid(
                reason
                    .message()
                    .unwrap_or("DynamoDB refused a write")
                    .to_owned(),
            )
        })
}

fn unavailable(err: impl std::error::Error + Send + Sync + 'static) -> TableError {
    TableError::Unavailable(Box::new(err))
}

fn invalid_value(err: serde_dynamo::Error) -> TableError {
    TableError::Invalid(format!("a value DynamoDB cannot hold: {err}"))
}
