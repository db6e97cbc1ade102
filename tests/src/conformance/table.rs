//! The table suite: DynamoDB single-table semantics as the [`Table`] port defines them.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use portal_domain::ports::table::{
    Condition, GSI1, Item, Key, MAX_PAGE_LIMIT, MAX_TRANSACTION_WRITES, Page, Query, SK,
    SortCondition, Table, TableError, Write,
};
use serde_json::{Value, json};

/// A table that keeps `guard` (a temporary directory, a connection to clean up) alive as long
/// as the table is in use.
pub fn with_guard(table: impl Table, guard: impl Send + Sync + 'static) -> Arc<dyn Table> {
    Arc::new(Guarded {
        table,
        _guard: guard,
    })
}

struct Guarded<T, G> {
    table: T,
    _guard: G,
}

#[async_trait]
impl<T: Table, G: Send + Sync + 'static> Table for Guarded<T, G> {
    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError> {
        self.table.get(key).await
    }

    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, TableError> {
        self.table.get_many(keys).await
    }

    async fn transact(&self, writes: Vec<Write>) -> Result<(), TableError> {
        self.table.transact(writes).await
    }

    async fn query(&self, query: &Query) -> Result<Page, TableError> {
        self.table.query(query).await
    }

    async fn increment(
        &self,
        key: &Key,
        attr: &str,
        by: i64,
        ttl: Option<i64>,
    ) -> Result<i64, TableError> {
        self.table.increment(key, attr, by, ttl).await
    }
}

type Fixture = Arc<dyn Table>;

fn item(value: Value) -> Item {
    match value {
        Value::Object(item) => item,
        other => panic!("an item is a JSON object, not {other}"),
    }
}

/// An item with just its keys and `extra` attributes.
fn keyed(pk: &str, sk: &str, extra: Value) -> Item {
    let mut item = item(extra);
    item.insert("pk".to_owned(), pk.into());
    item.insert("sk".to_owned(), sk.into());
    item
}

fn key(pk: &str, sk: &str) -> Key {
    Key::new(pk, sk)
}

fn sort_keys(items: &[Item]) -> Vec<String> {
    items.iter().map(|item| text(item, SK)).collect()
}

fn text(item: &Item, attr: &str) -> String {
    item.get(attr)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{attr} is not a string in {item:?}"))
        .to_owned()
}

async fn put_all(table: &Fixture, items: impl IntoIterator<Item = Item>) {
    let writes: Vec<_> = items.into_iter().map(Write::put).collect();
    for chunk in writes.chunks(MAX_TRANSACTION_WRITES) {
        table.transact(chunk.to_vec()).await.unwrap();
    }
}

/// Every item of the query, following cursors to the end; asserts no page is over the limit.
async fn all_pages(table: &Fixture, query: Query) -> (Vec<Item>, usize) {
    let mut items = Vec::new();
    let mut pages = 0;
    let mut cursor = None;
    loop {
        let page = table.query(&query.clone().after(cursor)).await.unwrap();
        pages += 1;
        assert!(pages <= 1000, "the cursors never ended");
        let limit = usize::try_from(query.limit).unwrap();
        assert!(
            page.items.len() <= limit,
            "a page of {} items, limit {limit}",
            page.items.len()
        );
        items.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return (items, pages),
        }
    }
}

async fn sort_keys_of(table: &Fixture, query: Query) -> Vec<String> {
    sort_keys(&all_pages(table, query).await.0)
}

#[track_caller]
fn assert_invalid<T: std::fmt::Debug>(result: Result<T, TableError>, what: &str) {
    assert!(
        matches!(result, Err(TableError::Invalid(_))),
        "{what}: expected Invalid, got {result:?}"
    );
}

#[track_caller]
fn assert_condition_failed<T: std::fmt::Debug>(result: Result<T, TableError>, index: usize) {
    assert!(
        matches!(result, Err(TableError::ConditionFailed { index: failed }) if failed == index),
        "expected ConditionFailed {{ index: {index} }}, got {result:?}"
    );
}

pub async fn get_of_a_missing_item_is_none(table: Fixture) {
    assert_eq!(table.get(&key("nobody", "nothing")).await.unwrap(), None);
    put_all(&table, [keyed("p", "a", json!({}))]).await;
    assert_eq!(table.get(&key("p", "b")).await.unwrap(), None);
    assert_eq!(table.get(&key("q", "a")).await.unwrap(), None);
}

pub async fn get_many_answers_in_the_order_asked_with_gaps_and_repeats(table: Fixture) {
    put_all(
        &table,
        (0..120).map(|n| {
            keyed(
                &format!("p{}", n % 3),
                &format!("s{n:03}"),
                json!({ "n": n }),
            )
        }),
    )
    .await;
    let asked = [
        key("p2", "s005"),
        key("nobody", "nothing"),
        key("p0", "s000"),
        key("p2", "s005"),
        key("p1", "s001"),
    ];
    let found = table.get_many(&asked).await.unwrap();
    let numbers: Vec<Option<i64>> = found
        .iter()
        .map(|i| i.as_ref().and_then(|i| i["n"].as_i64()))
        .collect();
    assert_eq!(numbers, [Some(5), None, Some(0), Some(5), Some(1)]);
    assert_eq!(found[2], table.get(&key("p0", "s000")).await.unwrap());
    assert_eq!(
        table.get_many(&[]).await.unwrap(),
        Vec::<Option<Item>>::new()
    );
    // One hundred keys at once (DynamoDB's BatchGetItem limit), all found.
    let hundred: Vec<Key> = (0..100)
        .map(|n| key(&format!("p{}", n % 3), &format!("s{n:03}")))
        .collect();
    let found = table.get_many(&hundred).await.unwrap();
    assert!(
        found
            .iter()
            .enumerate()
            .all(|(n, i)| i.as_ref().and_then(|i| i["n"].as_i64()) == Some(n as i64))
    );
    let too_many: Vec<Key> = (0..101).map(|n| key("p0", &format!("s{n:03}"))).collect();
    assert!(matches!(
        table.get_many(&too_many).await,
        Err(TableError::Invalid(_))
    ));
}

pub async fn every_kind_of_value_round_trips(table: Fixture) {
    let stored = keyed(
        "values",
        "all",
        json!({
            "text": "héllo ✓ 𝄞",
            "empty_text": "",
            "zero": 0,
            "negative": -42,
            "large": 9_007_199_254_740_993_i64,
            "max": i64::MAX,
            "min": i64::MIN,
            "yes": true,
            "no": false,
            "nothing": null,
            "list": [1, "two", [3], {"four": 4}, true, null],
            "empty_list": [],
            "map": {"inner": {"deeper": [-1, i64::MAX]}, "flag": false, "text": "x"},
            "empty_map": {},
        }),
    );
    table.put(stored.clone(), Condition::Always).await.unwrap();
    assert_eq!(
        table.get(&key("values", "all")).await.unwrap(),
        Some(stored)
    );
}

pub async fn put_replaces_the_whole_item(table: Fixture) {
    let first = keyed(
        "p",
        "s",
        json!({"a": 1, "b": "two", "gsi1pk": "g", "gsi1sk": "1"}),
    );
    table.put(first, Condition::Always).await.unwrap();
    let second = keyed("p", "s", json!({"c": [3]}));
    table.put(second.clone(), Condition::Always).await.unwrap();
    assert_eq!(table.get(&key("p", "s")).await.unwrap(), Some(second));
    let indexed = table.query(&Query::index(GSI1, "g")).await.unwrap();
    assert!(indexed.items.is_empty(), "the replaced item left the index");
}

pub async fn not_exists_holds_only_when_nothing_is_stored(table: Fixture) {
    let first = keyed("p", "s", json!({"n": 1}));
    table
        .put(first.clone(), Condition::NotExists)
        .await
        .unwrap();
    let second = keyed("p", "s", json!({"n": 2}));
    assert_condition_failed(table.put(second, Condition::NotExists).await, 0);
    assert_eq!(table.get(&key("p", "s")).await.unwrap(), Some(first));
}

pub async fn exists_holds_only_when_an_item_is_stored(table: Fixture) {
    let update = keyed("p", "s", json!({"n": 2}));
    assert_condition_failed(table.put(update.clone(), Condition::Exists).await, 0);
    assert_eq!(table.get(&key("p", "s")).await.unwrap(), None);
    table
        .put(keyed("p", "s", json!({"n": 1})), Condition::Always)
        .await
        .unwrap();
    table.put(update.clone(), Condition::Exists).await.unwrap();
    assert_eq!(table.get(&key("p", "s")).await.unwrap(), Some(update));
}

pub async fn equals_compares_the_stored_attribute_by_value_and_type(table: Fixture) {
    let stored = keyed("p", "s", json!({"state": "open", "count": 3, "flag": true}));
    table.put(stored.clone(), Condition::Always).await.unwrap();
    let touched = |n: i64| {
        keyed(
            "p",
            "s",
            json!({"state": "open", "count": 3, "flag": true, "touched": n}),
        )
    };

    let holding = [
        Condition::equals("state", "open"),
        Condition::equals("count", 3),
        Condition::equals("flag", true),
    ];
    for (n, condition) in (1..).zip(holding) {
        table
            .put(touched(n), condition.clone())
            .await
            .unwrap_or_else(|e| panic!("{condition:?}: {e}"));
        assert_eq!(
            table.get(&key("p", "s")).await.unwrap(),
            Some(touched(n)),
            "{condition:?}"
        );
    }

    let failing = [
        Condition::equals("state", "closed"),
        Condition::equals("count", 4),
        Condition::equals("count", "3"),
        Condition::equals("flag", false),
        Condition::equals("missing", "open"),
    ];
    for condition in failing {
        let result = table.put(touched(99), condition.clone()).await;
        assert!(
            matches!(result, Err(TableError::ConditionFailed { index: 0 })),
            "{condition:?}: {result:?}"
        );
    }
    assert_eq!(table.get(&key("p", "s")).await.unwrap(), Some(touched(3)));

    let on_nothing = table.put(
        keyed("p", "other", json!({})),
        Condition::equals("state", "open"),
    );
    assert_condition_failed(on_nothing.await, 0);
    assert_eq!(table.get(&key("p", "other")).await.unwrap(), None);
}

pub async fn all_holds_only_when_every_condition_holds(table: Fixture) {
    table
        .put(
            keyed("p", "s", json!({"state": "open", "version": 1})),
            Condition::Always,
        )
        .await
        .unwrap();
    let both = Condition::All(vec![
        Condition::equals("state", "open"),
        Condition::version_is(1),
    ]);
    let updated = keyed("p", "s", json!({"state": "open", "version": 2}));
    table.put(updated.clone(), both).await.unwrap();
    assert_eq!(
        table.get(&key("p", "s")).await.unwrap(),
        Some(updated.clone())
    );

    let one_fails = Condition::All(vec![
        Condition::equals("state", "open"),
        Condition::version_is(1),
    ]);
    assert_condition_failed(
        table
            .put(keyed("p", "s", json!({"version": 3})), one_fails)
            .await,
        0,
    );
    let nested = Condition::All(vec![
        Condition::Exists,
        Condition::All(vec![
            Condition::version_is(2),
            Condition::equals("state", "closed"),
        ]),
    ]);
    assert_condition_failed(
        table
            .put(keyed("p", "s", json!({"version": 3})), nested)
            .await,
        0,
    );
    assert_eq!(table.get(&key("p", "s")).await.unwrap(), Some(updated));
}

pub async fn version_is_guards_optimistic_updates(table: Fixture) {
    table
        .put(
            keyed("p", "s", json!({"version": 1, "by": "first"})),
            Condition::NotExists,
        )
        .await
        .unwrap();
    let second = keyed("p", "s", json!({"version": 2, "by": "second"}));
    table
        .put(second.clone(), Condition::version_is(1))
        .await
        .unwrap();
    let stale = keyed("p", "s", json!({"version": 2, "by": "stale"}));
    assert_condition_failed(table.put(stale, Condition::version_is(1)).await, 0);
    assert_eq!(table.get(&key("p", "s")).await.unwrap(), Some(second));
    let missing = keyed("p", "new", json!({"version": 1}));
    assert_condition_failed(table.put(missing, Condition::version_is(0)).await, 0);
}

pub async fn a_transaction_applies_all_its_writes(table: Fixture) {
    put_all(
        &table,
        [
            keyed("p", "old", json!({})),
            keyed("p", "kept", json!({"n": 1})),
        ],
    )
    .await;
    table
        .transact(vec![
            Write::put_new(keyed("p", "a", json!({"n": 1}))),
            Write::put(keyed("q", "b", json!({"n": 2}))),
            Write::delete(key("p", "old")),
            Write::put_if(
                keyed("p", "kept", json!({"n": 2})),
                Condition::equals("n", 1),
            ),
        ])
        .await
        .unwrap();
    assert_eq!(
        sort_keys_of(&table, Query::partition("p")).await,
        ["a", "kept"]
    );
    assert_eq!(
        table.get(&key("p", "kept")).await.unwrap(),
        Some(keyed("p", "kept", json!({"n": 2})))
    );
    assert_eq!(
        table.get(&key("q", "b")).await.unwrap(),
        Some(keyed("q", "b", json!({"n": 2})))
    );
}

pub async fn a_transaction_of_one_hundred_writes_applies(table: Fixture) {
    let writes = (0..MAX_TRANSACTION_WRITES)
        .map(|n| Write::put_new(keyed("many", &format!("{n:03}"), json!({"n": n}))))
        .collect();
    table.transact(writes).await.unwrap();
    let query = Query::partition("many").limit(MAX_PAGE_LIMIT);
    assert_eq!(
        all_pages(&table, query).await.0.len(),
        MAX_TRANSACTION_WRITES
    );
}

pub async fn a_failed_transaction_writes_nothing_and_names_the_failing_write(table: Fixture) {
    put_all(
        &table,
        [
            keyed("p", "guard", json!({"state": "open"})),
            keyed("p", "old", json!({"n": 1})),
        ],
    )
    .await;
    let before = all_pages(&table, Query::partition("p")).await.0;

    let third_fails = table.transact(vec![
        Write::put_new(keyed("p", "new", json!({}))),
        Write::delete(key("p", "old")),
        Write::put_if(
            keyed("p", "guard", json!({"state": "used"})),
            Condition::equals("state", "closed"),
        ),
    ]);
    assert_condition_failed(third_fails.await, 2);
    assert_eq!(all_pages(&table, Query::partition("p")).await.0, before);

    let first_fails = table.transact(vec![
        Write::put_if(keyed("p", "missing", json!({})), Condition::Exists),
        Write::put(keyed("p", "new", json!({}))),
    ]);
    assert_condition_failed(first_fails.await, 0);

    let second_and_third_fail = table.transact(vec![
        Write::put(keyed("p", "new", json!({}))),
        Write::delete_if(key("p", "old"), Condition::version_is(7)),
        Write::put_if(keyed("p", "guard", json!({})), Condition::NotExists),
    ]);
    assert_condition_failed(second_and_third_fail.await, 1);
    assert_eq!(all_pages(&table, Query::partition("p")).await.0, before);
}

pub async fn a_check_guards_a_transaction_without_writing(table: Fixture) {
    let guard = keyed("g", "g", json!({"state": "open"}));
    table.put(guard.clone(), Condition::Always).await.unwrap();

    table
        .transact(vec![
            Write::check(key("g", "g"), Condition::equals("state", "open")),
            Write::put(keyed("p", "x", json!({}))),
            Write::check(key("g", "absent"), Condition::NotExists),
        ])
        .await
        .unwrap();
    assert!(table.get(&key("p", "x")).await.unwrap().is_some());
    assert_eq!(
        table.get(&key("g", "g")).await.unwrap(),
        Some(guard.clone())
    );
    assert_eq!(
        table.get(&key("g", "absent")).await.unwrap(),
        None,
        "a check writes nothing"
    );

    let refused = table.transact(vec![
        Write::put(keyed("p", "y", json!({}))),
        Write::check(key("g", "g"), Condition::equals("state", "closed")),
    ]);
    assert_condition_failed(refused.await, 1);
    assert_eq!(table.get(&key("p", "y")).await.unwrap(), None);
    assert_eq!(table.get(&key("g", "g")).await.unwrap(), Some(guard));
}

pub async fn delete_is_conditional_and_deleting_nothing_is_fine(table: Fixture) {
    table
        .put(keyed("p", "s", json!({"version": 1})), Condition::Always)
        .await
        .unwrap();
    assert_condition_failed(
        table.delete(key("p", "s"), Condition::version_is(2)).await,
        0,
    );
    assert!(table.get(&key("p", "s")).await.unwrap().is_some());
    table
        .delete(key("p", "s"), Condition::version_is(1))
        .await
        .unwrap();
    assert_eq!(table.get(&key("p", "s")).await.unwrap(), None);

    table
        .delete(key("p", "s"), Condition::Always)
        .await
        .unwrap();
    table
        .delete(key("p", "never"), Condition::NotExists)
        .await
        .unwrap();
    assert_condition_failed(table.delete(key("p", "s"), Condition::Exists).await, 0);
}

pub async fn invalid_transactions_are_refused_and_write_nothing(table: Fixture) {
    assert_invalid(table.transact(Vec::new()).await, "no writes");

    let too_many = (0..=MAX_TRANSACTION_WRITES)
        .map(|n| Write::put(keyed("bad", &format!("{n:03}"), json!({}))))
        .collect();
    assert_invalid(table.transact(too_many).await, "101 writes");

    let same_key = vec![
        Write::put(keyed("bad", "s", json!({}))),
        Write::delete(key("bad", "s")),
    ];
    assert_invalid(table.transact(same_key).await, "two writes on one key");
    let same_key = vec![
        Write::put(keyed("bad", "t", json!({}))),
        Write::check(key("bad", "t"), Condition::NotExists),
    ];
    assert_invalid(
        table.transact(same_key).await,
        "a put and a check on one key",
    );

    let bad_items = [
        ("a float", keyed("bad", "f", json!({"price": 1.5}))),
        (
            "a nested float",
            keyed("bad", "f", json!({"prices": [1, {"p": 0.25}]})),
        ),
        (
            "gsi1pk without gsi1sk",
            keyed("bad", "g", json!({"gsi1pk": "g"})),
        ),
        (
            "gsi1sk without gsi1pk",
            keyed("bad", "g", json!({"gsi1sk": "1"})),
        ),
        (
            "a number as gsi1pk",
            keyed("bad", "g", json!({"gsi1pk": 1, "gsi1sk": "1"})),
        ),
        ("no sk", item(json!({"pk": "bad"}))),
        ("a number as pk", item(json!({"pk": 1, "sk": "s"}))),
    ];
    for (what, bad) in bad_items {
        let with_a_good_write = vec![Write::put(keyed("bad", "good", json!({}))), Write::put(bad)];
        assert_invalid(table.transact(with_a_good_write).await, what);
    }
    assert_eq!(
        sort_keys_of(&table, Query::partition("bad")).await,
        Vec::<String>::new()
    );
}

/// Sort keys in an order that differs between bytes, case-folding, numbers and UTF-16.
const UNORDERED_SORT_KEYS: [&str; 12] = [
    "b", "a", "B", "aa", "a#2", "a#10", "é", "z", "0", "~", "\u{FFFD}", "𝄞",
];

pub async fn query_orders_by_sort_key_bytes(table: Fixture) {
    put_all(
        &table,
        UNORDERED_SORT_KEYS.map(|sk| keyed("p", sk, json!({}))),
    )
    .await;
    let mut ascending: Vec<String> = UNORDERED_SORT_KEYS.map(str::to_owned).into();
    ascending.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    let mut descending = ascending.clone();
    descending.reverse();

    let page = table.query(&Query::partition("p")).await.unwrap();
    assert_eq!(sort_keys(&page.items), ascending);
    assert_eq!(page.next_cursor, None);
    assert_eq!(
        sort_keys_of(&table, Query::partition("p").descending()).await,
        descending
    );
}

pub async fn query_begins_with(table: Fixture) {
    put_all(
        &table,
        ["a", "ab", "abc", "abd", "ac", "b", "a#1", "Ab"].map(|sk| keyed("p", sk, json!({}))),
    )
    .await;
    let begins =
        |prefix: &str| Query::partition("p").sort(SortCondition::BeginsWith(prefix.to_owned()));
    assert_eq!(
        sort_keys_of(&table, begins("ab")).await,
        ["ab", "abc", "abd"]
    );
    assert_eq!(
        sort_keys_of(&table, begins("ab").descending()).await,
        ["abd", "abc", "ab"]
    );
    assert_eq!(
        sort_keys_of(&table, begins("a")).await,
        ["a", "a#1", "ab", "abc", "abd", "ac"]
    );
    assert_eq!(
        sort_keys_of(&table, begins("abz")).await,
        Vec::<String>::new()
    );
}

pub async fn query_between_is_inclusive(table: Fixture) {
    put_all(
        &table,
        ["a", "b", "c", "c1", "d", "d1", "e"].map(|sk| keyed("p", sk, json!({}))),
    )
    .await;
    let between = |low: &str, high: &str| {
        Query::partition("p").sort(SortCondition::Between(low.to_owned(), high.to_owned()))
    };
    assert_eq!(
        sort_keys_of(&table, between("b", "d")).await,
        ["b", "c", "c1", "d"]
    );
    assert_eq!(
        sort_keys_of(&table, between("b", "d").descending()).await,
        ["d", "c1", "c", "b"]
    );
    assert_eq!(sort_keys_of(&table, between("c", "c")).await, ["c"]);
    assert_eq!(
        sort_keys_of(&table, between("bb", "bz")).await,
        Vec::<String>::new()
    );
}

pub async fn query_greater_or_equal_and_less_or_equal(table: Fixture) {
    put_all(
        &table,
        ["a", "b", "c", "c1", "d"].map(|sk| keyed("p", sk, json!({}))),
    )
    .await;
    let at_least = Query::partition("p").sort(SortCondition::GreaterOrEqual("c".to_owned()));
    assert_eq!(
        sort_keys_of(&table, at_least.clone()).await,
        ["c", "c1", "d"]
    );
    assert_eq!(
        sort_keys_of(&table, at_least.descending()).await,
        ["d", "c1", "c"]
    );
    let at_most = Query::partition("p").sort(SortCondition::LessOrEqual("c".to_owned()));
    assert_eq!(sort_keys_of(&table, at_most.clone()).await, ["a", "b", "c"]);
    assert_eq!(
        sort_keys_of(&table, at_most.descending()).await,
        ["c", "b", "a"]
    );
    let below_all = Query::partition("p").sort(SortCondition::LessOrEqual("0".to_owned()));
    assert_eq!(sort_keys_of(&table, below_all).await, Vec::<String>::new());
}

pub async fn partitions_are_isolated(table: Fixture) {
    let in_partition = |pk: &str| {
        ["1", "2"].map(|n| keyed(pk, &format!("{pk}-{n}"), json!({"gsi1pk": pk, "gsi1sk": n})))
    };
    for pk in ["a", "ab", "a#", "b", "A"] {
        put_all(&table, in_partition(pk)).await;
    }
    for query in [Query::partition("a"), Query::index(GSI1, "a")] {
        assert_eq!(
            sort_keys_of(&table, query.clone()).await,
            ["a-1", "a-2"],
            "{query:?}"
        );
        assert_eq!(
            sort_keys_of(&table, query.clone().descending()).await,
            ["a-2", "a-1"]
        );
        let limited = query.limit(1);
        assert_eq!(sort_keys_of(&table, limited).await, ["a-1", "a-2"]);
    }
    let begins = Query::partition("a").sort(SortCondition::BeginsWith("a".to_owned()));
    assert_eq!(sort_keys_of(&table, begins).await, ["a-1", "a-2"]);
    assert!(
        table
            .query(&Query::partition("c"))
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

pub async fn an_empty_partition_is_one_empty_last_page(table: Fixture) {
    put_all(
        &table,
        [keyed(
            "other",
            "s",
            json!({"gsi1pk": "other", "gsi1sk": "s"}),
        )],
    )
    .await;
    for query in [Query::partition("empty"), Query::index(GSI1, "empty")] {
        assert_eq!(
            table.query(&query).await.unwrap(),
            Page::default(),
            "{query:?}"
        );
    }
}

pub async fn a_page_with_room_to_spare_is_the_last(table: Fixture) {
    put_all(
        &table,
        (0..4).map(|n| {
            keyed(
                "p",
                &n.to_string(),
                json!({"gsi1pk": "g", "gsi1sk": n.to_string()}),
            )
        }),
    )
    .await;
    for query in [
        Query::partition("p").limit(5),
        Query::index(GSI1, "g").limit(5),
    ] {
        let page = table.query(&query).await.unwrap();
        assert_eq!(page.items.len(), 4);
        assert_eq!(page.next_cursor, None, "{query:?}");
    }
    // A page that is exactly full may or may not have a next page, which then is empty.
    let (items, _) = all_pages(&table, Query::partition("p").limit(4)).await;
    assert_eq!(sort_keys(&items), ["0", "1", "2", "3"]);
}

fn numbered(count: usize) -> (Vec<Item>, Vec<String>) {
    let items: Vec<_> = (0..count)
        .map(|n| keyed("p", &format!("item#{n:02}"), json!({"n": n})))
        .collect();
    let sort_keys = sort_keys(&items);
    (items, sort_keys)
}

pub async fn pagination_returns_every_item_once_in_order(table: Fixture) {
    let (items, expected) = numbered(23);
    put_all(&table, items).await;
    for limit in [1, 5, 22, 23] {
        let (found, pages) = all_pages(&table, Query::partition("p").limit(limit)).await;
        assert_eq!(sort_keys(&found), expected, "limit {limit}");
        assert!(
            pages >= expected.len().div_ceil(usize::try_from(limit).unwrap()),
            "limit {limit}"
        );
    }
}

pub async fn pagination_returns_every_item_once_in_descending_order(table: Fixture) {
    let (items, mut expected) = numbered(23);
    expected.reverse();
    put_all(&table, items).await;
    for limit in [1, 5, 23] {
        let (found, _) = all_pages(&table, Query::partition("p").descending().limit(limit)).await;
        assert_eq!(sort_keys(&found), expected, "limit {limit}");
    }
}

pub async fn pagination_respects_the_sort_condition(table: Fixture) {
    let (items, _) = numbered(30);
    put_all(&table, items).await;
    let teens: Vec<String> = (10..20).map(|n| format!("item#{n}")).collect();
    let begins = Query::partition("p")
        .sort(SortCondition::BeginsWith("item#1".to_owned()))
        .limit(3);
    assert_eq!(sort_keys_of(&table, begins.clone()).await, teens);
    let mut reversed = teens.clone();
    reversed.reverse();
    assert_eq!(sort_keys_of(&table, begins.descending()).await, reversed);
    let between = Query::partition("p")
        .sort(SortCondition::Between(
            "item#10".to_owned(),
            "item#19".to_owned(),
        ))
        .limit(4);
    assert_eq!(sort_keys_of(&table, between).await, teens);
}

pub async fn bad_cursors_are_invalid(table: Fixture) {
    let (items, _) = numbered(3);
    put_all(&table, items).await;
    for cursor in [
        "",
        "not a cursor!",
        "%%%",
        "AAAA",
        "eyJ4IjoxfQ",
        "eyJwayI6eyJTIjoicCJ9fQ",
    ] {
        for query in [Query::partition("p"), Query::index(GSI1, "p")] {
            let result = table.query(&query.after(Some(cursor.to_owned()))).await;
            assert_invalid(result, &format!("cursor {cursor:?}"));
        }
    }
}

pub async fn limits_out_of_range_are_invalid(table: Fixture) {
    assert_invalid(
        table.query(&Query::partition("p").limit(0)).await,
        "limit 0",
    );
    let over = Query::partition("p").limit(MAX_PAGE_LIMIT + 1);
    assert_invalid(table.query(&over).await, "limit over the maximum");
    let (items, _) = numbered(3);
    put_all(&table, items).await;
    let page = table
        .query(&Query::partition("p").limit(MAX_PAGE_LIMIT))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 3);
}

pub async fn an_unknown_index_is_invalid(table: Fixture) {
    assert_invalid(table.query(&Query::index("gsi2", "p")).await, "index gsi2");
}

pub async fn the_index_holds_only_items_with_both_index_attributes(table: Fixture) {
    let indexed = keyed(
        "p",
        "in",
        json!({"gsi1pk": "g", "gsi1sk": "1", "payload": {"x": [1]}}),
    );
    put_all(
        &table,
        [
            indexed.clone(),
            keyed("p", "out", json!({"payload": 2})),
            keyed("p", "elsewhere", json!({"gsi1pk": "h", "gsi1sk": "1"})),
            keyed("g", "same-pk-as-the-index-partition", json!({})),
        ],
    )
    .await;
    let page = table.query(&Query::index(GSI1, "g")).await.unwrap();
    assert_eq!(page.items, [indexed], "index queries return whole items");
}

pub async fn the_index_follows_updates_and_removals(table: Fixture) {
    let index_keys =
        async |partition: &str| sort_keys_of(&table, Query::index(GSI1, partition)).await;
    put_all(
        &table,
        [
            keyed("p", "a", json!({"gsi1pk": "g1", "gsi1sk": "2"})),
            keyed("p", "b", json!({"gsi1pk": "g1", "gsi1sk": "1"})),
        ],
    )
    .await;
    assert_eq!(index_keys("g1").await, ["b", "a"]);

    table
        .put(
            keyed("p", "a", json!({"gsi1pk": "g1", "gsi1sk": "0"})),
            Condition::Always,
        )
        .await
        .unwrap();
    assert_eq!(
        index_keys("g1").await,
        ["a", "b"],
        "a new index sort key reorders"
    );

    table
        .put(
            keyed("p", "a", json!({"gsi1pk": "g2", "gsi1sk": "0"})),
            Condition::Always,
        )
        .await
        .unwrap();
    assert_eq!(
        index_keys("g1").await,
        ["b"],
        "a new index partition moves the item"
    );
    assert_eq!(index_keys("g2").await, ["a"]);

    table
        .put(
            keyed("p", "b", json!({"note": "unindexed"})),
            Condition::Always,
        )
        .await
        .unwrap();
    assert_eq!(
        index_keys("g1").await,
        Vec::<String>::new(),
        "no index attributes, no entry"
    );

    table
        .delete(key("p", "a"), Condition::Always)
        .await
        .unwrap();
    assert_eq!(
        index_keys("g2").await,
        Vec::<String>::new(),
        "a deleted item leaves the index"
    );

    table
        .put(
            keyed("p", "c", json!({"gsi1pk": "g3", "gsi1sk": "c"})),
            Condition::Always,
        )
        .await
        .unwrap();
    table
        .increment(&key("p", "c"), "views", 1, None)
        .await
        .unwrap();
    let page = table.query(&Query::index(GSI1, "g3")).await.unwrap();
    assert_eq!(
        page.items,
        [keyed(
            "p",
            "c",
            json!({"gsi1pk": "g3", "gsi1sk": "c", "views": 1})
        )]
    );
}

pub async fn index_queries_order_and_paginate(table: Fixture) {
    // Several items share an index sort key: their order among themselves is unspecified, but
    // every one must come exactly once.
    let items: Vec<_> = (0..17)
        .map(|n| {
            keyed(
                &format!("owner#{}", n % 4),
                &format!("doc#{n:02}"),
                json!({"gsi1pk": "g", "gsi1sk": format!("day#{}", n % 6)}),
            )
        })
        .collect();
    put_all(&table, items.clone()).await;
    put_all(
        &table,
        [keyed(
            "x",
            "y",
            json!({"gsi1pk": "other", "gsi1sk": "day#0"}),
        )],
    )
    .await;
    let all_keys: BTreeSet<_> = items.iter().map(|item| Key::of(item).unwrap()).collect();

    for (ascending, limit) in [(true, 4), (false, 4), (true, 1), (false, 17)] {
        let query = Query {
            ascending,
            ..Query::index(GSI1, "g").limit(limit)
        };
        let (found, _) = all_pages(&table, query).await;
        let found_keys: Vec<_> = found.iter().map(|item| Key::of(item).unwrap()).collect();
        assert_eq!(
            found_keys.len(),
            items.len(),
            "ascending {ascending}, limit {limit}"
        );
        assert_eq!(
            found_keys.iter().cloned().collect::<BTreeSet<_>>(),
            all_keys
        );
        let index_sort_keys: Vec<_> = found.iter().map(|item| text(item, "gsi1sk")).collect();
        let mut ordered = index_sort_keys.clone();
        ordered.sort();
        if !ascending {
            ordered.reverse();
        }
        assert_eq!(
            index_sort_keys, ordered,
            "ascending {ascending}, limit {limit}"
        );
    }
}

pub async fn index_queries_apply_sort_conditions(table: Fixture) {
    put_all(
        &table,
        ["a", "ab", "abc", "b", "c"].map(|s| keyed("p", s, json!({"gsi1pk": "g", "gsi1sk": s}))),
    )
    .await;
    let on_index = |sort: SortCondition| Query::index(GSI1, "g").sort(sort);
    let begins = on_index(SortCondition::BeginsWith("ab".to_owned()));
    assert_eq!(sort_keys_of(&table, begins.clone()).await, ["ab", "abc"]);
    assert_eq!(
        sort_keys_of(&table, begins.descending().limit(1)).await,
        ["abc", "ab"]
    );
    let between = on_index(SortCondition::Between("ab".to_owned(), "b".to_owned()));
    assert_eq!(sort_keys_of(&table, between).await, ["ab", "abc", "b"]);
    let at_least = on_index(SortCondition::GreaterOrEqual("abc".to_owned()));
    assert_eq!(sort_keys_of(&table, at_least).await, ["abc", "b", "c"]);
    let at_most = on_index(SortCondition::LessOrEqual("ab".to_owned()));
    assert_eq!(
        sort_keys_of(&table, at_most.descending()).await,
        ["ab", "a"]
    );
}

pub async fn increment_creates_from_zero_and_adds(table: Fixture) {
    let counter = key("counters", "logins");
    assert_eq!(
        table.increment(&counter, "count", 5, None).await.unwrap(),
        5
    );
    assert_eq!(
        table.get(&counter).await.unwrap(),
        Some(keyed("counters", "logins", json!({"count": 5})))
    );
    assert_eq!(
        table.increment(&counter, "count", 3, None).await.unwrap(),
        8
    );
    assert_eq!(
        table.increment(&counter, "other", 1, None).await.unwrap(),
        1
    );
    let stored = keyed("counters", "logins", json!({"count": 8, "other": 1}));
    assert_eq!(table.get(&counter).await.unwrap(), Some(stored));
}

pub async fn increment_by_a_negative_amount(table: Fixture) {
    let counter = key("counters", "stock");
    assert_eq!(
        table.increment(&counter, "left", -3, None).await.unwrap(),
        -3
    );
    assert_eq!(
        table.increment(&counter, "left", 10, None).await.unwrap(),
        7
    );
    assert_eq!(
        table.increment(&counter, "left", -7, None).await.unwrap(),
        0
    );
}

pub async fn increment_sets_the_ttl_and_keeps_other_attributes(table: Fixture) {
    table
        .put(
            keyed("rate", "ip#1", json!({"note": "kept", "ttl": 1_000})),
            Condition::Always,
        )
        .await
        .unwrap();
    let counter = key("rate", "ip#1");
    assert_eq!(
        table
            .increment(&counter, "hits", 1, Some(2_000_000_000))
            .await
            .unwrap(),
        1
    );
    let expected = keyed(
        "rate",
        "ip#1",
        json!({"note": "kept", "hits": 1, "ttl": 2_000_000_000}),
    );
    assert_eq!(table.get(&counter).await.unwrap(), Some(expected.clone()));
    assert_eq!(table.increment(&counter, "hits", 1, None).await.unwrap(), 2);
    let expected = keyed(
        "rate",
        "ip#1",
        json!({"note": "kept", "hits": 2, "ttl": 2_000_000_000}),
    );
    assert_eq!(
        table.get(&counter).await.unwrap(),
        Some(expected),
        "no ttl given, the ttl stays"
    );

    let fresh = key("rate", "ip#2");
    table
        .increment(&fresh, "hits", 1, Some(2_000_000_060))
        .await
        .unwrap();
    let created = keyed("rate", "ip#2", json!({"hits": 1, "ttl": 2_000_000_060}));
    assert_eq!(table.get(&fresh).await.unwrap(), Some(created));
}

pub async fn concurrent_increments_all_count(table: Fixture) {
    let counter = key("counters", "concurrent");
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let table = Arc::clone(&table);
        let counter = counter.clone();
        tasks.spawn(async move { table.increment(&counter, "n", 1, None).await.unwrap() });
    }
    let mut returned: Vec<i64> = tasks.join_all().await;
    returned.sort_unstable();
    assert_eq!(
        returned,
        (1..=20).collect::<Vec<_>>(),
        "each increment saw its own new value"
    );
    assert_eq!(table.get(&counter).await.unwrap().unwrap()["n"], 20);
}

/// Runs `attempts` writes at once; returns which succeeded, after checking that every other one
/// failed its condition or conflicted.
async fn race(table: &Fixture, attempts: Vec<Vec<Write>>) -> Vec<usize> {
    let mut tasks = tokio::task::JoinSet::new();
    for (n, writes) in attempts.into_iter().enumerate() {
        let table = Arc::clone(table);
        tasks.spawn(async move { (n, table.transact(writes).await) });
    }
    let mut winners = Vec::new();
    for (n, result) in tasks.join_all().await {
        match result {
            Ok(()) => winners.push(n),
            Err(TableError::ConditionFailed { .. } | TableError::Conflict) => {}
            Err(other) => panic!("attempt {n} failed with {other:?}"),
        }
    }
    winners
}

pub async fn concurrent_conditional_puts_have_one_winner(table: Fixture) {
    table
        .put(keyed("p", "s", json!({"version": 1})), Condition::Always)
        .await
        .unwrap();
    let attempts = (0..10)
        .map(|n| {
            vec![Write::put_if(
                keyed("p", "s", json!({"version": 2, "by": n})),
                Condition::version_is(1),
            )]
        })
        .collect();
    let winners = race(&table, attempts).await;
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    let stored = table.get(&key("p", "s")).await.unwrap().unwrap();
    assert_eq!(stored["by"], json!(winners[0]));
}

pub async fn concurrent_put_new_has_one_winner(table: Fixture) {
    let attempts = (0..10)
        .map(|n| vec![Write::put_new(keyed("p", "s", json!({"by": n})))])
        .collect();
    let winners = race(&table, attempts).await;
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    assert_eq!(
        table.get(&key("p", "s")).await.unwrap().unwrap()["by"],
        json!(winners[0])
    );
}

/// The uniqueness pattern: an account and a guard item for its e-mail, created together.
pub async fn concurrent_guarded_transactions_have_one_winner(table: Fixture) {
    let attempts = (0..10)
        .map(|n| {
            vec![
                Write::put_new(keyed(
                    "account",
                    &format!("account#{n}"),
                    json!({"email": "a@example.org"}),
                )),
                Write::put_new(keyed("email", "a@example.org", json!({"account": n}))),
            ]
        })
        .collect();
    let winners = race(&table, attempts).await;
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    let accounts = sort_keys_of(&table, Query::partition("account")).await;
    assert_eq!(accounts, [format!("account#{}", winners[0])]);
}
