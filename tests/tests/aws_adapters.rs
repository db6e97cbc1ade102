//! What the AWS adapters do beyond the conformance suites: error mapping, provisioning, the
//! download name of presigned URLs, multi-part uploads, SES refusals. Against moto, like
//! `conformance_aws`.

use std::time::Duration;

use aws_sdk_dynamodb::types::{ProjectionType, StreamViewType, TimeToLiveStatus};
use bytes::Bytes;
use portal_adapters::aws::config::{dynamodb_client, s3_client, ses_client};
use portal_adapters::aws::provision::{create_bucket, create_table};
use portal_adapters::aws::{DynamoTable, S3Blobs, SesMailer};
use portal_domain::ports::table::{
    Condition, GSI1, GSI1_PK, GSI1_SK, Item, Key, PK, Query, SK, TTL, Table, TableError,
};
use portal_domain::ports::{BlobError, Blobs, Email, MailError, Mailer};
use portal_tests::moto;
use serde_json::{Value, json};

fn item(value: Value) -> Item {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

#[tokio::test]
async fn the_table_is_provisioned_as_the_template_declares() {
    let client = dynamodb_client(&moto::sdk_config().await);
    let name = moto::unique_name("provisioned");
    create_table(&client, &name).await.unwrap();
    create_table(&client, &name)
        .await
        .expect("creating an existing table does nothing");

    let table = client
        .describe_table()
        .table_name(&name)
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    let keys: Vec<_> = table
        .key_schema()
        .iter()
        .map(|key| {
            (
                key.attribute_name().to_owned(),
                key.key_type().as_str().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            (PK.to_owned(), "HASH".to_owned()),
            (SK.to_owned(), "RANGE".to_owned())
        ]
    );
    let mut attributes: Vec<_> = table
        .attribute_definitions()
        .iter()
        .map(|attr| {
            (
                attr.attribute_name().to_owned(),
                attr.attribute_type().as_str().to_owned(),
            )
        })
        .collect();
    attributes.sort();
    let strings = |names: &[&str]| {
        names
            .iter()
            .map(|name| ((*name).to_owned(), "S".to_owned()))
            .collect::<Vec<_>>()
    };
    assert_eq!(attributes, strings(&[GSI1_PK, GSI1_SK, PK, SK]));
    let [index] = table.global_secondary_indexes() else {
        panic!("one index expected: {:?}", table.global_secondary_indexes());
    };
    assert_eq!(index.index_name(), Some(GSI1));
    let index_keys: Vec<_> = index
        .key_schema()
        .iter()
        .map(|key| key.attribute_name().to_owned())
        .collect();
    assert_eq!(index_keys, [GSI1_PK, GSI1_SK]);
    assert_eq!(
        index.projection().and_then(|p| p.projection_type()),
        Some(&ProjectionType::All)
    );
    assert_eq!(
        table
            .billing_mode_summary()
            .and_then(|b| b.billing_mode())
            .map(|b| b.as_str()),
        Some("PAY_PER_REQUEST")
    );
    let stream = table.stream_specification().unwrap();
    assert!(stream.stream_enabled());
    assert_eq!(stream.stream_view_type(), Some(&StreamViewType::KeysOnly));

    let ttl = client
        .describe_time_to_live()
        .table_name(&name)
        .send()
        .await
        .unwrap();
    let ttl = ttl.time_to_live_description().unwrap();
    assert_eq!(ttl.attribute_name(), Some(TTL));
    assert_eq!(ttl.time_to_live_status(), Some(&TimeToLiveStatus::Enabled));
}

#[tokio::test]
async fn an_unreachable_table_is_unavailable_with_its_cause() {
    let client = dynamodb_client(&moto::sdk_config().await);
    let table = DynamoTable::new(client, moto::unique_name("never-created"));
    let err = table.get(&Key::new("p", "s")).await.unwrap_err();
    assert!(matches!(err, TableError::Unavailable(_)), "{err:?}");
    let chain = moto::error_chain(&err);
    assert!(
        chain.contains("ResourceNotFound"),
        "the cause is kept: {chain}"
    );
}

#[tokio::test]
async fn equality_with_null_needs_a_stored_null() {
    // Moto takes `#a = :null` to hold of a missing attribute (and of a missing item); the
    // adapter asks for a stored null by type instead.
    let table = moto::dynamo_table().await;
    let with_null = item(json!({"pk": "n", "sk": "n", "gone": null}));
    let on_nothing = table
        .put(with_null.clone(), Condition::equals("gone", Value::Null))
        .await;
    assert!(
        matches!(on_nothing, Err(TableError::ConditionFailed { index: 0 })),
        "{on_nothing:?}"
    );
    table
        .put(with_null.clone(), Condition::NotExists)
        .await
        .unwrap();
    table
        .put(with_null.clone(), Condition::equals("gone", Value::Null))
        .await
        .unwrap();
    let missing = table
        .put(with_null, Condition::equals("other", Value::Null))
        .await;
    assert!(
        matches!(missing, Err(TableError::ConditionFailed { index: 0 })),
        "{missing:?}"
    );
}

#[tokio::test]
async fn a_cursor_only_continues_its_own_query() {
    let table = moto::dynamo_table().await;
    for sk in ["a", "b", "c"] {
        let item = item(json!({"pk": "p", "sk": sk, "gsi1pk": "i", "gsi1sk": sk}));
        table.put(item, Condition::Always).await.unwrap();
    }
    let page = table.query(&Query::partition("p").limit(1)).await.unwrap();
    let cursor = page.next_cursor.unwrap();
    let next = table
        .query(&Query::partition("p").limit(1).after(Some(cursor.clone())))
        .await
        .unwrap();
    assert_eq!(next.items[0]["sk"], "b");
    for query in [
        Query::partition("q"),
        Query::index(GSI1, "p"),
        Query::partition("p").sort(portal_domain::ports::table::SortCondition::BeginsWith(
            "z".into(),
        )),
    ] {
        let result = table
            .query(&query.clone().after(Some(cursor.clone())))
            .await;
        assert!(
            matches!(result, Err(TableError::Invalid(_))),
            "{query:?}: {result:?}"
        );
    }
}

#[tokio::test]
async fn the_bucket_is_created_once() {
    let client = s3_client(&moto::sdk_config().await);
    let name = moto::unique_name("bucket");
    create_bucket(&client, &name).await.unwrap();
    create_bucket(&client, &name)
        .await
        .expect("creating an owned bucket does nothing");
    let blobs = S3Blobs::new(client, name);
    blobs
        .put("k", Bytes::from_static(b"v"), "text/plain")
        .await
        .unwrap();
}

#[tokio::test]
async fn presigned_urls_name_the_download_and_cap_the_expiry() {
    let blobs = moto::s3_blobs().await;
    blobs
        .put(
            "d/report.pdf",
            Bytes::from_static(b"%PDF-report"),
            "application/pdf",
        )
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let cases = [
        ("My report.pdf", "attachment; filename=\"My report.pdf\""),
        (
            "Zertifikat Müller.pdf",
            "attachment; filename=\"Zertifikat M_ller.pdf\"; filename*=UTF-8''Zertifikat%20M%C3%BCller.pdf",
        ),
    ];
    for (name, disposition) in cases {
        let url = blobs
            .signed_url("d/report.pdf", Duration::from_secs(60), Some(name))
            .await
            .unwrap();
        let response = http.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-disposition"], disposition);
    }
    let url = blobs
        .signed_url("d/report.pdf", Duration::from_secs(90), None)
        .await
        .unwrap();
    assert!(url.contains("X-Amz-Expires=90&"), "{url}");
    let response = http.get(&url).send().await.unwrap();
    assert!(response.headers().get("content-disposition").is_none());

    let too_long = blobs
        .signed_url("d/report.pdf", Duration::from_secs(8 * 24 * 3600), None)
        .await;
    assert!(
        matches!(too_long, Err(BlobError::Invalid(_))),
        "{too_long:?}"
    );
}

#[tokio::test]
async fn an_upload_of_several_parts_is_stored_exactly() {
    let blobs = moto::s3_blobs().await;
    let chunk: Bytes = (0..1024 * 1024)
        .map(|i: u32| (i % 251) as u8)
        .collect::<Vec<u8>>()
        .into();
    let mut upload = blobs
        .start_upload("z/big", "application/zip")
        .await
        .unwrap();
    for _ in 0..19 {
        upload.write(chunk.clone()).await.unwrap();
    }
    assert!(blobs.get("z/big").await.unwrap().is_none());
    assert_eq!(upload.finish().await.unwrap(), 19 * 1024 * 1024);
    let big = blobs.get("z/big").await.unwrap().unwrap();
    assert_eq!(big.bytes.len(), 19 * 1024 * 1024);
    assert!(big.bytes.chunks(chunk.len()).all(|part| part == chunk));
    assert_eq!(big.content_type, "application/zip");
}

fn email(to: &str) -> Email {
    Email {
        id: moto::unique_name("email"),
        to: to.to_owned(),
        subject: "Verify your account".to_owned(),
        text: "Hello in text".to_owned(),
        html: "<p>Hello in HTML</p>".to_owned(),
    }
}

#[tokio::test]
async fn ses_refusals_are_rejections() {
    let fixture = moto::mailer().await;
    let bad_address = fixture.mailer.send(&email("not-an-address")).await;
    assert!(
        matches!(bad_address, Err(MailError::Rejected(_))),
        "{bad_address:?}"
    );

    let config = moto::sdk_config().await;
    let unverified = SesMailer::new(
        ses_client(&config),
        format!("{}@example.com", moto::unique_name("unverified")),
    );
    let result = unverified.send(&email("someone@example.com")).await;
    assert!(matches!(result, Err(MailError::Rejected(_))), "{result:?}");
}
