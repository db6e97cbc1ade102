//! The embedded table loses no acknowledged write when its process is killed at any moment.
//!
//! The test re-runs its own binary as a child (selected by [`CHILD_STORE_VAR`]) that commits
//! writes in a loop and prints `ack <n>` after each one returns. The parent reads some acks,
//! SIGKILLs the child mid-stream, reopens the file and checks every acknowledged write, three
//! times over the same file so that recovery from a killed writer is itself recovered from.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use portal_adapters::embedded::EmbeddedTable;
use portal_domain::ports::table::{Item, Key, Query, Table, Write};
use serde_json::json;

/// Set in the child: the store to write to.
const CHILD_STORE_VAR: &str = "PORTAL_DURABILITY_CHILD_STORE";
/// Set in the child: the first write number, so rounds never reuse a key.
const CHILD_FIRST_VAR: &str = "PORTAL_DURABILITY_CHILD_FIRST";
const TEST_NAME: &str = "acknowledged_writes_survive_sigkill";

const ITEMS: &str = "durability";
const TWINS: &str = "twins";
const COUNTER: (&str, &str) = ("counter", "writes");

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

fn item_of(partition: &str, n: u64) -> Item {
    let value =
        json!({"pk": partition, "sk": format!("{n:010}"), "n": n, "payload": "x".repeat(500)});
    value.as_object().cloned().expect("an object")
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    if let Some(store) = std::env::var_os(CHILD_STORE_VAR) {
        let first = std::env::var(CHILD_FIRST_VAR)
            .expect("the first number")
            .parse()
            .expect("a number");
        write_until_killed(Path::new(&store), first);
        return;
    }

    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("table.redb");
    let mut acknowledged = BTreeSet::new();
    let mut next = 0;
    for acks_this_round in [150, 250, 350] {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_STORE_VAR, &store)
            .env(CHILD_FIRST_VAR, next.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut acks = 0;
        for line in stdout.lines() {
            if let Some(n) = line.unwrap().strip_prefix("ack ") {
                acknowledged.insert(n.parse::<u64>().unwrap());
                acks += 1;
                if acks == acks_this_round {
                    break;
                }
            }
        }
        assert_eq!(
            acks, acks_this_round,
            "the child stopped before it was killed"
        );
        child.kill().unwrap(); // SIGKILL: no destructor, no flush, no clean close.
        child.wait().unwrap();

        next = runtime().block_on(check_store(&store, &acknowledged)) + 1;
    }
}

/// Asserts every acknowledged write is stored whole and the store still takes writes; returns
/// the highest write number stored.
async fn check_store(store: &Path, acknowledged: &BTreeSet<u64>) -> u64 {
    let table = EmbeddedTable::open(store).expect("the store reopens after the kill");
    for &n in acknowledged {
        let key = Key::new(ITEMS, format!("{n:010}"));
        assert_eq!(
            table.get(&key).await.unwrap(),
            Some(item_of(ITEMS, n)),
            "acknowledged write {n}"
        );
    }
    let items = all_numbers(&table, ITEMS).await;
    let twins = all_numbers(&table, TWINS).await;
    assert_eq!(items, twins, "each transaction is all there or not at all");
    assert!(items.is_superset(acknowledged));

    // Each acknowledged loop also incremented once; an unacknowledged one may have, too. Counter
    // increments may be acknowledged before they are on disk (the port allows it: they are rate
    // limits), but the next durable write takes them along, so at most the last one is lost.
    let counter = table.get(&Key::new(COUNTER.0, COUNTER.1)).await.unwrap();
    let count = counter.and_then(|c| c["n"].as_u64()).unwrap_or(0);
    let acked = u64::try_from(acknowledged.len()).unwrap();
    let stored = u64::try_from(items.len()).unwrap();
    assert!(
        (acked.saturating_sub(1)..=stored).contains(&count),
        "counter {count}, acked {acked}, stored {stored}"
    );

    let probe = Key::new("probe", "after-recovery");
    table
        .increment(&probe, "n", 1, None)
        .await
        .expect("the recovered store takes writes");
    *items.last().expect("some writes")
}

async fn all_numbers(table: &EmbeddedTable, partition: &str) -> BTreeSet<u64> {
    let mut numbers = BTreeSet::new();
    let mut cursor = None;
    loop {
        let page = table
            .query(&Query::partition(partition).limit(1000).after(cursor))
            .await
            .unwrap();
        numbers.extend(
            page.items
                .iter()
                .map(|item| item["n"].as_u64().expect("a number")),
        );
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return numbers,
        }
    }
}

/// The child's loop: a two-item transaction and an increment, then the acknowledgement.
fn write_until_killed(store: &Path, first: u64) {
    runtime().block_on(async {
        let table = EmbeddedTable::open(store).expect("the child opens the store");
        let counter = Key::new(COUNTER.0, COUNTER.1);
        for n in first.. {
            let writes = vec![
                Write::put_new(item_of(ITEMS, n)),
                Write::put_new(item_of(TWINS, n)),
            ];
            table.transact(writes).await.expect("the write commits");
            table
                .increment(&counter, "n", 1, None)
                .await
                .expect("the increment commits");
            // Line-buffered: each acknowledgement reaches the parent as soon as it is printed.
            println!("ack {n}");
        }
    });
}
