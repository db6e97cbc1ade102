//! The AWS emulator (moto) the AWS adapters are tested against, over loopback HTTP with the real
//! `aws-sdk-*` clients.
//!
//! The emulator's address comes from [`ENDPOINT_VAR`]; the tests fail (never skip) when it is not
//! set. Every fixture creates its own table, bucket or sender identity under a unique name, so
//! tests run in parallel against one emulator.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_config::{Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use portal_adapters::aws::config::{dynamodb_client, s3_client, sdk_config_loader, ses_client};
use portal_adapters::aws::provision::{create_bucket, create_table};
use portal_adapters::aws::{DynamoTable, S3Blobs, SesMailer};
use serde_json::{Value, json};

/// The environment variable holding the emulator's base URL, e.g. `http://127.0.0.1:5123`.
pub const ENDPOINT_VAR: &str = "PORTAL_TEST_AWS_ENDPOINT";

/// The region the tests use (moto keeps each region's resources apart).
pub const REGION: &str = "eu-west-2";

/// The emulator's base URL, without a trailing `/`.
///
/// # Panics
/// When [`ENDPOINT_VAR`] is not set, with instructions to start the emulator.
pub fn endpoint() -> String {
    match std::env::var(ENDPOINT_VAR) {
        Ok(url) if !url.trim().is_empty() => url.trim().trim_end_matches('/').to_owned(),
        _ => panic!(
            "{ENDPOINT_VAR} is not set: the AWS adapter tests need the moto AWS emulator. Start it \
             with\n  python3 -m venv .venv && .venv/bin/pip install 'moto[server]'\n  \
             .venv/bin/python -m moto.server -H 127.0.0.1 -p 5123 &\nthen run\n  \
             {ENDPOINT_VAR}=http://127.0.0.1:5123 cargo test -p portal-tests --test conformance_aws"
        ),
    }
}

/// The SDK configuration for the emulator: its endpoint, static test credentials (set here, not
/// in the process environment) and [`REGION`].
pub async fn sdk_config() -> SdkConfig {
    sdk_config_loader(Some(&endpoint()))
        .credentials_provider(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "portal-tests",
        ))
        .region(Region::new(REGION))
        .load()
        .await
}

/// A name no other fixture of any test process uses: `prefix-<pid>-<nanos>-<n>`, lowercase ASCII
/// letters, digits and `-`, valid for tables, buckets and e-mail local parts.
pub fn unique_name(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.subsec_nanos());
    format!("{prefix}-{}-{nanos}-{n}", std::process::id())
}

/// A new, empty table shaped as the template declares it.
///
/// # Panics
/// When the emulator cannot create it.
pub async fn table() -> DynamoTable {
    let client = dynamodb_client(&sdk_config().await);
    let name = unique_name("portal-table");
    if let Err(err) = create_table(&client, &name).await {
        panic!(
            "creating the table {name} in the emulator at {}: {}",
            endpoint(),
            error_chain(&err)
        );
    }
    DynamoTable::new(client, name)
}

/// A new, empty bucket.
///
/// # Panics
/// When the emulator cannot create it.
pub async fn blobs() -> S3Blobs {
    let client = s3_client(&sdk_config().await);
    let name = unique_name("portal-blobs");
    if let Err(err) = create_bucket(&client, &name).await {
        panic!(
            "creating the bucket {name} in the emulator at {}: {}",
            endpoint(),
            error_chain(&err)
        );
    }
    S3Blobs::new(client, name)
}

/// An SES mailer whose sender identity is new and verified, and the record of what moto sent.
pub struct MotoMailer {
    pub mailer: SesMailer,
    pub from_address: String,
}

/// One message moto recorded as sent. Moto keeps the HTML body only (the text body when there is
/// no HTML).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentEmail {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
}

impl MotoMailer {
    /// A recipient address no other fixture uses.
    pub fn recipient(&self, name: &str) -> String {
        format!("{}@example.com", unique_name(name))
    }

    /// What the emulator recorded as sent from this fixture's sender identity, oldest first.
    pub async fn sent(&self) -> Vec<SentEmail> {
        sent_emails()
            .await
            .into_iter()
            .filter(|email| email.from == self.from_address)
            .collect()
    }

    /// What the emulator recorded as sent to `recipient`, oldest first.
    pub async fn sent_to(&self, recipient: &str) -> Vec<SentEmail> {
        self.sent()
            .await
            .into_iter()
            .filter(|email| email.to.iter().any(|to| to == recipient))
            .collect()
    }
}

/// A mailer sending from a new sender identity, verified in the emulator (moto, like SES in
/// sandbox, refuses to send from an unverified identity).
///
/// # Panics
/// When the emulator cannot create the identity.
pub async fn mailer() -> MotoMailer {
    let client = ses_client(&sdk_config().await);
    let from_address = format!("{}@example.com", unique_name("portal-sender"));
    if let Err(err) = client
        .create_email_identity()
        .email_identity(&from_address)
        .send()
        .await
    {
        panic!(
            "verifying {from_address} in the emulator at {}: {}",
            endpoint(),
            error_chain(&err)
        );
    }
    MotoMailer {
        mailer: SesMailer::new(client, from_address.clone()),
        from_address,
    }
}

/// Every message the emulator recorded as sent through SES (v1 or v2), from
/// `GET /moto-api/data.json` (`ses` → `Message`).
///
/// # Panics
/// When the emulator does not answer as expected.
pub async fn sent_emails() -> Vec<SentEmail> {
    let client = reqwest::Client::new();
    // Moto's data.json reads every S3 object's restore status, which moves a status on to
    // "RESTORED" and then looks up the object's bucket; multipart parts have none, so once an
    // upload has happened data.json fails with a server error. Freezing that status transition
    // (restores are never used here) keeps data.json working.
    let freeze = json!({
        "model_name": "s3::keyrestore",
        "transition": {"progression": "manual", "times": 1_000_000_000},
    });
    let url = format!("{}/moto-api/state-manager/set-transition", endpoint());
    match client.post(&url).json(&freeze).send().await {
        Ok(response) if response.status().is_success() => {}
        Ok(response) => panic!("{url} answered {}", response.status()),
        Err(err) => panic!("posting to {url}: {}", error_chain(&err)),
    }
    let url = format!("{}/moto-api/data.json", endpoint());
    let data: Value = match client.get(&url).send().await {
        Ok(response) if response.status().is_success() => match response.json().await {
            Ok(data) => data,
            Err(err) => panic!("reading {url}: {}", error_chain(&err)),
        },
        Ok(response) => panic!("{url} answered {}", response.status()),
        Err(err) => panic!("fetching {url}: {}", error_chain(&err)),
    };
    let messages = data
        .pointer("/ses/Message")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let text = |message: &Value, field: &str| {
        message
            .get(field)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    messages
        .iter()
        .map(|message| SentEmail {
            from: text(message, "source"),
            to: message
                .pointer("/destinations/ToAddresses")
                .and_then(Value::as_array)
                .map(|to| {
                    to.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            subject: text(message, "subject"),
            body: text(message, "body"),
        })
        .collect()
}

/// An error and its sources, `: `-separated (the SDK's errors say little at the top).
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = err.to_string();
    let mut source = err.source();
    while let Some(err) = source {
        chain.push_str(": ");
        chain.push_str(&err.to_string());
        source = err.source();
    }
    chain
}
