//! The AWS adapters against the moto emulator (see `portal_tests::moto`).

#[path = "../src/moto.rs"]
mod moto;

use std::time::Duration;

use bytes::Bytes;
use portal_domain::ports::table::{
    Condition, GSI1, Item, Key, MAX_TRANSACTION_WRITES, Query, SortCondition, Table, TableError,
    Write,
};
use portal_domain::ports::{BlobError, Blobs, Email, MailError, Mailer};
use serde_json::{Value, json};

fn item(value: Value) -> Item {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn sks(items: &[Item]) -> Vec<&str> {
    items
        .iter()
        .map(|item| item["sk"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn items_round_trip_exactly() {
    let table = moto::table().await;
    let stored = item(json!({
        "pk": "p", "sk": "s",
        "int": 42, "neg": -7, "min": i64::MIN, "max": u64::MAX, "zero": 0,
        "text": "", "flag": true, "off": false, "nothing": null,
        "list": [1, "two", null, [3], {"four": 4}], "empty_list": [], "empty_map": {},
        "nested": {"a": {"b": [true, false, -1]}},
    }));
    table.put(stored.clone(), Condition::Always).await.unwrap();
    let got = table.get(&Key::new("p", "s")).await.unwrap().unwrap();
    assert_eq!(got, stored);
    assert!(got["int"].is_i64());
    assert!(
        table
            .get(&Key::new("p", "missing"))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn conditions_hold_as_the_port_defines() {
    let table = moto::table().await;
    let key = Key::new("p", "s");
    let first =
        item(json!({"pk": "p", "sk": "s", "version": 1, "state": "open", "meta": {"a": [1]}}));
    table
        .put(first.clone(), Condition::NotExists)
        .await
        .unwrap();
    assert!(matches!(
        table.put(first.clone(), Condition::NotExists).await,
        Err(TableError::ConditionFailed { index: 0 })
    ));
    let second = item(json!({"pk": "p", "sk": "s", "version": 2, "state": "open"}));
    assert!(matches!(
        table.put(second.clone(), Condition::version_is(5)).await,
        Err(TableError::ConditionFailed { index: 0 })
    ));
    let both = Condition::All(vec![
        Condition::version_is(1),
        Condition::equals("state", "open"),
        Condition::equals("meta", json!({"a": [1]})),
        Condition::All(vec![Condition::Always]),
    ]);
    table.put(second.clone(), both).await.unwrap();
    assert_eq!(table.get(&key).await.unwrap().unwrap(), second);
    // A missing attribute never equals, not even null.
    assert!(matches!(
        table
            .put(second.clone(), Condition::equals("absent", Value::Null))
            .await,
        Err(TableError::ConditionFailed { index: 0 })
    ));
    assert!(matches!(
        table
            .delete(Key::new("p", "other"), Condition::Exists)
            .await,
        Err(TableError::ConditionFailed { index: 0 })
    ));
    table
        .delete(Key::new("p", "other"), Condition::Always)
        .await
        .unwrap();
    table
        .delete(key.clone(), Condition::version_is(2))
        .await
        .unwrap();
    assert!(table.get(&key).await.unwrap().is_none());
    // A missing item fails an equality.
    assert!(matches!(
        table.put(second, Condition::version_is(2)).await,
        Err(TableError::ConditionFailed { index: 0 })
    ));
}

#[tokio::test]
async fn transactions_apply_all_or_nothing() {
    let table = moto::table().await;
    table
        .put(item(json!({"pk": "g", "sk": "guard"})), Condition::Always)
        .await
        .unwrap();
    let writes = vec![
        Write::put_new(item(json!({"pk": "t", "sk": "1"}))),
        Write::check(Key::new("g", "guard"), Condition::NotExists),
        Write::put(item(json!({"pk": "t", "sk": "2"}))),
    ];
    assert!(matches!(
        table.transact(writes).await,
        Err(TableError::ConditionFailed { index: 1 })
    ));
    assert!(table.get(&Key::new("t", "1")).await.unwrap().is_none());

    let writes = vec![
        Write::put_new(item(json!({"pk": "t", "sk": "1"}))),
        Write::check(Key::new("g", "guard"), Condition::Exists),
        Write::check(Key::new("g", "anything"), Condition::Always),
        Write::delete_if(Key::new("g", "guard"), Condition::Always),
    ];
    assert!(
        matches!(table.transact(writes).await, Err(TableError::Invalid(_))),
        "two writes on one key"
    );
    let writes = vec![
        Write::put_new(item(json!({"pk": "t", "sk": "1"}))),
        Write::check(Key::new("g", "guard"), Condition::Exists),
        Write::check(Key::new("g", "anything"), Condition::Always),
        Write::delete(Key::new("t", "none")),
    ];
    table.transact(writes).await.unwrap();
    assert!(table.get(&Key::new("t", "1")).await.unwrap().is_some());

    // A single check is a transaction of one.
    assert!(matches!(
        table
            .transact(vec![Write::check(
                Key::new("g", "guard"),
                Condition::NotExists
            )])
            .await,
        Err(TableError::ConditionFailed { index: 0 })
    ));
    table
        .transact(vec![Write::check(
            Key::new("g", "guard"),
            Condition::Exists,
        )])
        .await
        .unwrap();
    table
        .transact(vec![Write::check(Key::new("g", "none"), Condition::Always)])
        .await
        .unwrap();

    let full: Vec<Write> = (0..MAX_TRANSACTION_WRITES)
        .map(|i| Write::put(item(json!({"pk": "many", "sk": format!("{i:03}")}))))
        .collect();
    table.transact(full.clone()).await.unwrap();
    let mut over = full;
    over.push(Write::put(item(json!({"pk": "many", "sk": "over"}))));
    assert!(matches!(
        table.transact(over).await,
        Err(TableError::Invalid(_))
    ));
    assert!(matches!(
        table.transact(vec![]).await,
        Err(TableError::Invalid(_))
    ));
    assert!(matches!(
        table
            .put(
                item(json!({"pk": "f", "sk": "f", "x": 1.5})),
                Condition::Always
            )
            .await,
        Err(TableError::Invalid(_))
    ));
    assert!(matches!(
        table
            .put(
                item(json!({"pk": "f", "sk": "f", "gsi1pk": "x"})),
                Condition::Always
            )
            .await,
        Err(TableError::Invalid(_))
    ));
}

#[tokio::test]
async fn queries_page_in_sort_key_order() {
    let table = moto::table().await;
    let keys = ["a", "b#1", "b#2", "b#3", "c", "d", "é", "B"];
    let writes = keys
        .iter()
        .map(|sk| {
            Write::put(item(
                json!({"pk": "q", "sk": sk, "gsi1pk": "idx", "gsi1sk": format!("x{sk}")}),
            ))
        })
        .chain(std::iter::once(Write::put(item(
            json!({"pk": "q", "sk": "not-indexed"}),
        ))))
        .collect();
    table.transact(writes).await.unwrap();
    table
        .put(item(json!({"pk": "other", "sk": "a"})), Condition::Always)
        .await
        .unwrap();

    let all = table.query(&Query::partition("q")).await.unwrap();
    assert_eq!(
        sks(&all.items),
        ["B", "a", "b#1", "b#2", "b#3", "c", "d", "not-indexed", "é"]
    );
    assert_eq!(all.next_cursor, None);

    let prefix = table
        .query(&Query::partition("q").sort(SortCondition::BeginsWith("b#".into())))
        .await
        .unwrap();
    assert_eq!(sks(&prefix.items), ["b#1", "b#2", "b#3"]);
    let between = Query::partition("q")
        .sort(SortCondition::Between("b#2".into(), "d".into()))
        .descending();
    assert_eq!(
        sks(&table.query(&between).await.unwrap().items),
        ["d", "c", "b#3", "b#2"]
    );
    let at_least = Query::partition("q").sort(SortCondition::GreaterOrEqual("d".into()));
    assert_eq!(
        sks(&table.query(&at_least).await.unwrap().items),
        ["d", "not-indexed", "é"]
    );
    let at_most = Query::partition("q").sort(SortCondition::LessOrEqual("a".into()));
    assert_eq!(sks(&table.query(&at_most).await.unwrap().items), ["B", "a"]);
    let reversed = Query::partition("q").sort(SortCondition::Between("d".into(), "a".into()));
    assert!(table.query(&reversed).await.unwrap().items.is_empty());
    let empty_prefix = Query::partition("q").sort(SortCondition::BeginsWith(String::new()));
    assert_eq!(table.query(&empty_prefix).await.unwrap().items.len(), 9);
    assert!(
        table
            .query(&Query::partition(""))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        table
            .query(&Query::partition("none"))
            .await
            .unwrap()
            .items
            .is_empty()
    );

    // Paging through the index, descending, two at a time.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = table
            .query(
                &Query::index(GSI1, "idx")
                    .descending()
                    .limit(2)
                    .after(cursor),
            )
            .await
            .unwrap();
        assert!(page.items.len() <= 2);
        seen.extend(
            page.items
                .iter()
                .map(|item| item["gsi1sk"].as_str().unwrap().to_owned()),
        );
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen, ["xé", "xd", "xc", "xb#3", "xb#2", "xb#1", "xa", "xB"]);

    // Paging through the table.
    let first = table.query(&Query::partition("q").limit(4)).await.unwrap();
    assert_eq!(sks(&first.items), ["B", "a", "b#1", "b#2"]);
    let cursor = first.next_cursor.clone().unwrap();
    let second = table
        .query(&Query::partition("q").limit(4).after(Some(cursor.clone())))
        .await
        .unwrap();
    assert_eq!(sks(&second.items), ["b#3", "c", "d", "not-indexed"]);

    for bad in ["not base64!", "e30", &cursor[1..]] {
        let query = Query::partition("q").after(Some(bad.to_owned()));
        assert!(
            matches!(table.query(&query).await, Err(TableError::Invalid(_))),
            "cursor {bad}"
        );
    }
    let elsewhere = Query::partition("other").after(Some(cursor.clone()));
    assert!(matches!(
        table.query(&elsewhere).await,
        Err(TableError::Invalid(_))
    ));
    let on_index = Query::index(GSI1, "q").after(Some(cursor));
    assert!(matches!(
        table.query(&on_index).await,
        Err(TableError::Invalid(_))
    ));
    assert!(matches!(
        table.query(&Query::partition("q").limit(0)).await,
        Err(TableError::Invalid(_))
    ));
    assert!(matches!(
        table.query(&Query::partition("q").limit(1001)).await,
        Err(TableError::Invalid(_))
    ));
    assert!(matches!(
        table.query(&Query::index("gsi2", "q")).await,
        Err(TableError::Invalid(_))
    ));
}

#[tokio::test]
async fn increments_count_atomically() {
    let table = std::sync::Arc::new(moto::table().await);
    let key = Key::new("counter", "c");
    assert_eq!(table.increment(&key, "hits", 1, None).await.unwrap(), 1);
    assert_eq!(
        table
            .increment(&key, "hits", 4, Some(1_900_000_000))
            .await
            .unwrap(),
        5
    );
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let table = table.clone();
            let key = key.clone();
            tokio::spawn(async move { table.increment(&key, "hits", -1, None).await.unwrap() })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let stored = table.get(&key).await.unwrap().unwrap();
    assert_eq!(
        stored,
        item(json!({"pk": "counter", "sk": "c", "hits": -15, "ttl": 1_900_000_000}))
    );
}

#[tokio::test]
async fn blobs_store_and_remove() {
    let blobs = moto::blobs().await;
    blobs
        .put(
            "docs/a.pdf",
            Bytes::from_static(b"%PDF-1"),
            "application/pdf",
        )
        .await
        .unwrap();
    let blob = blobs.get("docs/a.pdf").await.unwrap().unwrap();
    assert_eq!(blob.bytes, Bytes::from_static(b"%PDF-1"));
    assert_eq!(blob.content_type, "application/pdf");
    assert!(blobs.get("docs/b.pdf").await.unwrap().is_none());
    blobs.delete("docs/a.pdf").await.unwrap();
    blobs.delete("docs/a.pdf").await.unwrap();
    assert!(blobs.get("docs/a.pdf").await.unwrap().is_none());
    for bad in ["", "/a", "a/../b", "a b", "a//b"] {
        assert!(
            matches!(blobs.get(bad).await, Err(BlobError::Invalid(_))),
            "key {bad:?}"
        );
    }
}

#[tokio::test]
async fn uploads_appear_only_when_finished() {
    let blobs = moto::blobs().await;
    // Empty.
    let upload = blobs
        .start_upload("z/empty", "application/zip")
        .await
        .unwrap();
    assert_eq!(upload.finish().await.unwrap(), 0);
    assert_eq!(blobs.get("z/empty").await.unwrap().unwrap().bytes.len(), 0);
    // Small, in pieces.
    let mut upload = blobs.start_upload("z/small", "text/plain").await.unwrap();
    upload.write(Bytes::from_static(b"hello ")).await.unwrap();
    upload.write(Bytes::from_static(b"world")).await.unwrap();
    assert!(blobs.get("z/small").await.unwrap().is_none());
    assert_eq!(upload.finish().await.unwrap(), 11);
    let small = blobs.get("z/small").await.unwrap().unwrap();
    assert_eq!(
        (small.bytes.as_ref(), small.content_type.as_str()),
        (&b"hello world"[..], "text/plain")
    );
    // Several parts (8 MiB each) and a remainder.
    let chunk: Vec<u8> = (0..1024 * 1024).map(|i: u32| (i % 251) as u8).collect();
    let mut upload = blobs
        .start_upload("z/big", "application/zip")
        .await
        .unwrap();
    for _ in 0..19 {
        upload.write(Bytes::from(chunk.clone())).await.unwrap();
    }
    assert!(blobs.get("z/big").await.unwrap().is_none());
    assert_eq!(upload.finish().await.unwrap(), 19 * 1024 * 1024);
    let big = blobs.get("z/big").await.unwrap().unwrap();
    assert_eq!(big.bytes.len(), 19 * 1024 * 1024);
    assert!(
        big.bytes
            .chunks(chunk.len())
            .all(|part| part == chunk.as_slice())
    );
    assert_eq!(big.content_type, "application/zip");
    // Aborted.
    let mut upload = blobs.start_upload("z/aborted", "text/plain").await.unwrap();
    upload.write(Bytes::from_static(b"gone")).await.unwrap();
    upload.abort().await.unwrap();
    assert!(blobs.get("z/aborted").await.unwrap().is_none());
}

#[tokio::test]
async fn signed_urls_serve_the_blob() {
    let blobs = moto::blobs().await;
    blobs
        .put(
            "d/report.pdf",
            Bytes::from_static(b"%PDF-report"),
            "application/pdf",
        )
        .await
        .unwrap();
    let url = blobs
        .signed_url(
            "d/report.pdf",
            Duration::from_secs(60),
            Some("My report.pdf"),
        )
        .await
        .unwrap();
    let response = reqwest::get(&url).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"My report.pdf\""
    );
    assert_eq!(
        response.bytes().await.unwrap(),
        Bytes::from_static(b"%PDF-report")
    );

    let plain = blobs
        .signed_url("d/report.pdf", Duration::from_secs(60), None)
        .await
        .unwrap();
    let response = reqwest::get(&plain).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("content-disposition").is_none());

    // Moto serves presigned URLs without checking their signature or expiry; the expiry is
    // the URL's own.
    let short = blobs
        .signed_url("d/report.pdf", Duration::from_secs(90), None)
        .await
        .unwrap();
    assert!(short.contains("X-Amz-Expires=90&"), "{short}");
    assert!(short.contains("X-Amz-Signature="), "{short}");
    let too_long = blobs
        .signed_url("d/report.pdf", Duration::from_secs(8 * 24 * 3600), None)
        .await;
    assert!(
        matches!(too_long, Err(BlobError::Invalid(_))),
        "{too_long:?}"
    );
}

fn email(to: &str, subject: &str) -> Email {
    Email {
        id: moto::unique_name("email"),
        to: to.to_owned(),
        subject: subject.to_owned(),
        text: "Hello in text".to_owned(),
        html: "<p>Hello in HTML</p>".to_owned(),
    }
}

#[tokio::test]
async fn mail_is_sent_through_ses() {
    let fixture = moto::mailer().await;
    let to = fixture.recipient("learner");
    fixture
        .mailer
        .send(&email(&to, "Verify your account"))
        .await
        .unwrap();
    let sent = fixture.sent_to(&to).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].subject, "Verify your account");
    assert_eq!(sent[0].body, "<p>Hello in HTML</p>");
    assert_eq!(sent[0].from, fixture.from_address);

    let bad = fixture.mailer.send(&email("not-an-address", "x")).await;
    assert!(matches!(bad, Err(MailError::Rejected(_))), "{bad:?}");
}

#[tokio::test]
async fn mail_from_an_unverified_sender_is_rejected() {
    let config = moto::sdk_config().await;
    let mailer = portal_adapters::aws::SesMailer::new(
        portal_adapters::aws::config::ses_client(&config),
        format!("{}@example.com", moto::unique_name("unverified")),
    );
    let result = mailer.send(&email("someone@example.com", "x")).await;
    assert!(matches!(result, Err(MailError::Rejected(_))), "{result:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn experiment_concurrent_guarded_transactions() {
    let table = std::sync::Arc::new(moto::table().await);
    for round in 0..40 {
        let tasks: Vec<_> = (0..32)
            .map(|i| {
                let table = table.clone();
                tokio::spawn(async move {
                    table
                        .transact(vec![
                            Write::put_new(item(json!({"pk": format!("guard{round}"), "sk": "g", "by": i}))),
                            Write::put(item(json!({"pk": format!("thing{round}"), "sk": format!("{i}")}))),
                        ])
                        .await
                })
            })
            .collect();
        let mut wins = 0;
        for task in tasks {
            if task.await.unwrap().is_ok() {
                wins += 1;
            }
        }
        let things = table.query(&Query::partition(format!("thing{round}"))).await.unwrap().items.len();
        let guard = table.get(&Key::new(format!("guard{round}"), "g")).await.unwrap();
        println!("round {round}: wins {wins}, things {things}, guard {guard:?}");
    }
}
