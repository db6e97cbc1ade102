//! Creates the table and the bucket as `template.yaml` declares them, for the AWS emulator in tests
//! and for the local bootstrap. (In AWS, the SAM template creates them.)

use std::time::Duration;

use aws_sdk_dynamodb::client::Waiters as _;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification,
};
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use portal_domain::ports::table::{GSI1, GSI1_PK, GSI1_SK, PK, SK, TTL};

/// How long [`create_table`] waits for a new table to become active.
const TABLE_ACTIVE_TIMEOUT: Duration = Duration::from_secs(120);

/// The region whose buckets take no location constraint.
const US_EAST_1: &str = "us-east-1";

#[derive(Debug, thiserror::Error)]
#[error("could not {action}")]
pub struct ProvisionError {
    action: String,
    #[source]
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl ProvisionError {
    fn new(
        action: impl Into<String>,
    ) -> impl FnOnce(Box<dyn std::error::Error + Send + Sync>) -> Self {
        let action = action.into();
        move |source| Self { action, source }
    }
}

fn boxed<E: std::error::Error + Send + Sync + 'static>(
    err: E,
) -> Box<dyn std::error::Error + Send + Sync> {
    Box::new(err)
}

/// Creates the portal's table: string keys `pk` (hash) and `sk` (range); the index `gsi1` on
/// `gsi1pk`/`gsi1sk` projecting all attributes; on-demand billing; a stream of new images; TTL on
/// `ttl`. Waits until it is active. Does nothing if a table of that name exists.
pub async fn create_table(
    client: &aws_sdk_dynamodb::Client,
    name: &str,
) -> Result<(), ProvisionError> {
    let error = |action: &str| ProvisionError::new(format!("{action} table {name}"));
    let key = |attr: &str, key_type: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(attr)
            .key_type(key_type)
            .build()
            .map_err(boxed)
    };
    let string = |attr: &str| {
        AttributeDefinition::builder()
            .attribute_name(attr)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .map_err(boxed)
    };
    let build = || -> Result<_, Box<dyn std::error::Error + Send + Sync>> {
        let index = GlobalSecondaryIndex::builder()
            .index_name(GSI1)
            .key_schema(key(GSI1_PK, KeyType::Hash)?)
            .key_schema(key(GSI1_SK, KeyType::Range)?)
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::All)
                    .build(),
            )
            .build()
            .map_err(boxed)?;
        let stream = StreamSpecification::builder()
            .stream_enabled(true)
            .stream_view_type(StreamViewType::KeysOnly)
            .build()
            .map_err(boxed)?;
        let attributes = vec![string(PK)?, string(SK)?, string(GSI1_PK)?, string(GSI1_SK)?];
        Ok((
            vec![key(PK, KeyType::Hash)?, key(SK, KeyType::Range)?],
            attributes,
            index,
            stream,
        ))
    };
    let (key_schema, attributes, index, stream) = build().map_err(error("describe"))?;

    let created = client
        .create_table()
        .table_name(name)
        .set_key_schema(Some(key_schema))
        .set_attribute_definitions(Some(attributes))
        .global_secondary_indexes(index)
        .billing_mode(BillingMode::PayPerRequest)
        .stream_specification(stream)
        .send()
        .await;
    match created {
        Ok(_) => {}
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|err| err.is_resource_in_use_exception()) =>
        {
            return Ok(());
        }
        Err(err) => return Err(error("create")(boxed(err))),
    }
    client
        .wait_until_table_exists()
        .table_name(name)
        .wait(TABLE_ACTIVE_TIMEOUT)
        .await
        .map_err(|err| error("wait for")(boxed(err)))?;
    let ttl = TimeToLiveSpecification::builder()
        .enabled(true)
        .attribute_name(TTL)
        .build()
        .map_err(|err| error("describe the TTL of")(boxed(err)))?;
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(ttl)
        .send()
        .await
        .map_err(|err| error("enable TTL on")(boxed(err)))?;
    Ok(())
}

/// Creates the bucket in the client's region. Does nothing if this account already owns it.
pub async fn create_bucket(client: &aws_sdk_s3::Client, name: &str) -> Result<(), ProvisionError> {
    let location = client
        .config()
        .region()
        .map(|region| region.as_ref())
        .filter(|region| *region != US_EAST_1)
        .map(|region| {
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region))
                .build()
        });
    match client
        .create_bucket()
        .bucket(name)
        .set_create_bucket_configuration(location)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|err| err.is_bucket_already_owned_by_you()) =>
        {
            Ok(())
        }
        Err(err) => Err(ProvisionError::new(format!("create bucket {name}"))(boxed(
            err,
        ))),
    }
}
