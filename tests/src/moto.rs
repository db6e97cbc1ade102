//! The AWS emulator (moto) the AWS adapters are tested against, over loopback HTTP with the real
//! `aws-sdk-*` clients, and the conformance fixtures built on it.
//!
//! The emulator's address comes from [`ENDPOINT_VAR`]; the tests fail (never skip) when it is not
//! set. Every fixture creates its own table, bucket or sender identity under a unique name, so
//! tests run in parallel against one emulator.
//!
//! Where moto falls short of AWS, the fixtures make up for it in the open:
//! - moto runs requests on parallel threads without locking, so concurrent conditional writes
//!   can both win and a failed transaction can roll back another's write: [`table`] sends one
//!   request at a time per table ([`OneAtATime`]);
//! - moto serves presigned URLs without checking their signature or expiry: [`blobs`] follows
//!   them with [`PresignedUrls`], which first checks them as S3 does;
//! - moto records only the HTML body of a sent e-mail: [`mailer`] reads the text body from the
//!   request moto accepted ([`SentMail`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use aws_config::{Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_sesv2::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_sesv2::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_sesv2::error::BoxError;
use bytes::Bytes;
use portal_adapters::aws::config::{dynamodb_client, s3_client, sdk_config_loader};
use portal_adapters::aws::provision::{create_bucket, create_table};
use portal_adapters::aws::{DynamoTable, S3Blobs, SesMailer};
use portal_domain::ports::table::{Item, Key, Page, Query, Table, TableError, Write};
use serde_json::{Value, json};

use crate::conformance::{
    BlobsFixture, Delivered, FetchUrl, HttpFetcher, MailerFixture, SentMailbox,
};

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
/// letters, digits and `-` (given such a prefix), valid for tables, buckets and e-mail local
/// parts.
pub fn unique_name(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.subsec_nanos());
    format!("{prefix}-{}-{nanos}-{n}", std::process::id())
}

/// A new, empty DynamoDB table shaped as the template declares it.
///
/// # Panics
/// When the emulator cannot create it.
pub async fn dynamo_table() -> DynamoTable {
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

/// The table conformance fixture: a new [`dynamo_table`], one request at a time.
pub async fn table() -> Arc<dyn Table> {
    Arc::new(OneAtATime::new(dynamo_table().await))
}

/// A table that lets one request at a time through to the one inside.
///
/// Moto handles requests on parallel threads and does not lock its tables: two conditional
/// writes racing on one item can both pass their condition, and a transaction that fails
/// restores a snapshot of the whole table taken when it started, undoing writes that committed
/// meanwhile. DynamoDB itself serialises conflicting writes (or answers
/// `TransactionConflict`). Queued one at a time, the concurrency cases still check that the
/// adapter's conditions let exactly one contender win.
pub struct OneAtATime<T> {
    inner: T,
    turn: tokio::sync::Mutex<()>,
}

impl<T> OneAtATime<T> {
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            turn: tokio::sync::Mutex::new(()),
        }
    }
}

#[async_trait]
impl<T: Table> Table for OneAtATime<T> {
    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError> {
        let _turn = self.turn.lock().await;
        self.inner.get(key).await
    }

    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, TableError> {
        let _turn = self.turn.lock().await;
        self.inner.get_many(keys).await
    }

    async fn transact(&self, writes: Vec<Write>) -> Result<(), TableError> {
        let _turn = self.turn.lock().await;
        self.inner.transact(writes).await
    }

    async fn query(&self, query: &Query) -> Result<Page, TableError> {
        let _turn = self.turn.lock().await;
        self.inner.query(query).await
    }

    async fn increment(
        &self,
        key: &Key,
        attr: &str,
        by: i64,
        ttl: Option<i64>,
    ) -> Result<i64, TableError> {
        let _turn = self.turn.lock().await;
        self.inner.increment(key, attr, by, ttl).await
    }
}

/// A new, empty S3 bucket.
///
/// # Panics
/// When the emulator cannot create it.
pub async fn s3_blobs() -> S3Blobs {
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

/// The blob conformance fixture: a new [`s3_blobs`] bucket, its URLs followed by
/// [`PresignedUrls`].
pub async fn blobs() -> BlobsFixture {
    let client = s3_client(&sdk_config().await);
    let blobs = s3_blobs().await;
    BlobsFixture {
        blobs: Arc::new(blobs),
        urls: Box::new(PresignedUrls {
            client,
            http: HttpFetcher::default(),
        }),
    }
}

/// Follows presigned URLs as S3 would: refuses (403) one that has expired or whose signature is
/// not that of the request it names, then GETs it from moto, which checks neither.
///
/// S3 checks a presigned URL by signing the request it describes again with the secret key and
/// comparing; so does this, with the SDK's own presigner and the same credentials: the URL must
/// be exactly the one the SDK signs for its bucket, key, download name, time and expiry.
pub struct PresignedUrls {
    client: aws_sdk_s3::Client,
    http: HttpFetcher,
}

impl PresignedUrls {
    /// Why S3 would refuse the URL, if it would.
    async fn refusal(&self, url: &str) -> Option<String> {
        let parsed = match reqwest::Url::parse(url) {
            Ok(parsed) => parsed,
            Err(err) => return Some(format!("not a URL: {err}")),
        };
        let params: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        let param = |name: &str| {
            params
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, value)| value.as_str())
        };
        let Some((bucket, key)) = parsed
            .path()
            .strip_prefix('/')
            .and_then(|path| path.split_once('/'))
        else {
            return Some("no bucket and key in the path".to_owned());
        };
        let Some(signed_at) = param("X-Amz-Date").and_then(parse_amz_date) else {
            return Some("no valid X-Amz-Date".to_owned());
        };
        let Some(expires_in) = param("X-Amz-Expires").and_then(|value| value.parse::<u64>().ok())
        else {
            return Some("no valid X-Amz-Expires".to_owned());
        };
        if SystemTime::now() > signed_at + Duration::from_secs(expires_in) {
            return Some("Request has expired".to_owned());
        }
        let presigning = match PresigningConfig::builder()
            .start_time(signed_at)
            .expires_in(Duration::from_secs(expires_in))
            .build()
        {
            Ok(presigning) => presigning,
            Err(err) => return Some(format!("unsignable expiry: {err}")),
        };
        let resigned = self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .set_response_content_disposition(
                param("response-content-disposition").map(str::to_owned),
            )
            .presigned(presigning)
            .await;
        let resigned = match resigned {
            Ok(resigned) => resigned,
            Err(err) => return Some(format!("unsignable request: {}", error_chain(&err))),
        };
        let canonical = |url: &str| {
            reqwest::Url::parse(url).ok().map(|url| {
                let mut params: Vec<(String, String)> = url.query_pairs().into_owned().collect();
                params.sort();
                (
                    url.origin().ascii_serialization(),
                    url.path().to_owned(),
                    params,
                )
            })
        };
        if canonical(url) == canonical(resigned.uri()) {
            None
        } else {
            Some("SignatureDoesNotMatch".to_owned())
        }
    }
}

#[async_trait]
impl FetchUrl for PresignedUrls {
    async fn fetch(&self, url: &str) -> (u16, Bytes) {
        match self.refusal(url).await {
            Some(reason) => (403, Bytes::from(reason)),
            None => self.http.fetch(url).await,
        }
    }
}

/// `X-Amz-Date` (`20240131T235959Z`) as a time.
fn parse_amz_date(value: &str) -> Option<SystemTime> {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let at = time::PrimitiveDateTime::parse(value, format)
        .ok()?
        .assume_utc();
    let seconds = u64::try_from(at.unix_timestamp()).ok()?;
    Some(UNIX_EPOCH + Duration::from_secs(seconds))
}

/// The mailer conformance fixture: an SES mailer sending from a new sender identity, verified
/// in the emulator (moto, like SES in its sandbox, refuses to send from an unverified one), and
/// the mail moto recorded as sent from it.
///
/// # Panics
/// When the emulator cannot create the identity.
pub async fn mailer() -> MailerFixture {
    let from_address = format!("{}@example.com", unique_name("portal-sender"));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let config = aws_sdk_sesv2::config::Builder::from(&sdk_config().await)
        .interceptor(CaptureSendEmail {
            requests: Arc::clone(&requests),
        })
        .build();
    let client = aws_sdk_sesv2::Client::from_conf(config);
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
    MailerFixture {
        mailer: Arc::new(SesMailer::new(client, from_address.clone())),
        mailbox: Box::new(SentMail {
            from_address,
            requests,
        }),
    }
}

/// Keeps the JSON body of every request the fixture's SES client sends.
#[derive(Debug)]
struct CaptureSendEmail {
    requests: Arc<Mutex<Vec<Value>>>,
}

impl Intercept for CaptureSendEmail {
    fn name(&self) -> &'static str {
        "CaptureSendEmail"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(body) = context
            .request()
            .body()
            .bytes()
            .and_then(|body| serde_json::from_slice(body).ok())
        {
            self.requests
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(body);
        }
        Ok(())
    }
}

/// What moto recorded as sent from one sender identity.
///
/// Moto keeps a sent message's sender, recipients, subject and HTML body, not its text body; the
/// text is read from the `SendEmail` request that carried that sender, recipient, subject and
/// HTML body. A message moto did not record is not delivered, whatever was requested.
pub struct SentMail {
    from_address: String,
    requests: Arc<Mutex<Vec<Value>>>,
}

#[async_trait]
impl SentMailbox for SentMail {
    async fn delivered(&self) -> Vec<Delivered> {
        let requests = self
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let text_of = |to: &str, subject: &str, html: &str| {
            requests.iter().find_map(|request| {
                let field = |pointer: &str| request.pointer(pointer).and_then(Value::as_str);
                let sent_to = request
                    .pointer("/Destination/ToAddresses")
                    .and_then(Value::as_array);
                let matches = field("/FromEmailAddress") == Some(self.from_address.as_str())
                    && sent_to.is_some_and(|sent_to| sent_to.iter().any(|address| address == to))
                    && field("/Content/Simple/Subject/Data") == Some(subject)
                    && field("/Content/Simple/Body/Html/Data") == Some(html);
                matches.then(|| {
                    field("/Content/Simple/Body/Text/Data")
                        .unwrap_or_default()
                        .to_owned()
                })
            })
        };
        let mut delivered = Vec::new();
        for sent in sent_emails()
            .await
            .into_iter()
            .filter(|sent| sent.from == self.from_address)
        {
            for to in &sent.to {
                if let Some(text) = text_of(to, &sent.subject, &sent.body) {
                    delivered.push(Delivered {
                        to: to.clone(),
                        subject: sent.subject.clone(),
                        text,
                    });
                }
            }
        }
        delivered
    }
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

/// How often [`sent_emails`] asks for `data.json` before giving up.
const DATA_JSON_ATTEMPTS: u32 = 10;

/// Every message the emulator recorded as sent through SES (v1 or v2), oldest first, from
/// `GET /moto-api/data.json` (`ses` → `Message`).
///
/// # Panics
/// When the emulator does not answer as expected.
pub async fn sent_emails() -> Vec<SentEmail> {
    let client = reqwest::Client::new();
    // data.json reads every S3 object's restore status; reading it moves the status on to
    // "RESTORED" and then looks up the object's bucket, which multipart parts have none of, so
    // after any multipart upload data.json fails with a server error. Freezing that status
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
    // data.json first checks that each attribute of each instance serialises, then serialises
    // them all again; a request changing an attribute in between (a bucket gaining a multipart
    // upload) makes it fail with a server error. Asking again gets a consistent answer.
    let url = format!("{}/moto-api/data.json", endpoint());
    let mut attempts = 0;
    let data: Value = loop {
        attempts += 1;
        match client.get(&url).send().await {
            Ok(response) if response.status().is_success() => match response.json().await {
                Ok(data) => break data,
                Err(err) => panic!("reading {url}: {}", error_chain(&err)),
            },
            Ok(response)
                if response.status().is_server_error() && attempts < DATA_JSON_ATTEMPTS =>
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Ok(response) => panic!("{url} answered {} {attempts} times", response.status()),
            Err(err) => panic!("fetching {url}: {}", error_chain(&err)),
        }
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
