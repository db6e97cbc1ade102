//! The blob suite: the [`Blobs`] port, including streamed uploads and signed download URLs.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use portal_domain::ports::blobs::{Blob, BlobError, Blobs};

/// A blob store under test and a way to follow the URLs it signs.
pub struct BlobsFixture {
    pub blobs: Arc<dyn Blobs>,
    pub urls: Box<dyn FetchUrl>,
}

/// Follows a signed URL as a browser would.
#[async_trait]
pub trait FetchUrl: Send + Sync {
    /// GETs the URL: the response's status and body (the body of a refusal is not looked at).
    async fn fetch(&self, url: &str) -> (u16, Bytes);
}

/// Fetches over real HTTP (S3 presigned URLs, or a running local portal).
#[derive(Debug, Clone, Default)]
pub struct HttpFetcher {
    client: reqwest::Client,
}

#[async_trait]
impl FetchUrl for HttpFetcher {
    async fn fetch(&self, url: &str) -> (u16, Bytes) {
        let response = self
            .client
            .get(url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .unwrap_or_else(|e| panic!("body of GET {url}: {e}"));
        (status, body)
    }
}

const TEXT: &str = "text/plain; charset=utf-8";
const PDF: &str = "application/pdf";
const ZIP: &str = "application/zip";

/// Bytes that are not all the same and not valid UTF-8, reproducible from `seed`.
fn sample(len: usize, seed: u64) -> Bytes {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect::<Vec<u8>>()
        .into()
}

async fn get(fixture: &BlobsFixture, key: &str) -> Option<Blob> {
    fixture
        .blobs
        .get(key)
        .await
        .unwrap_or_else(|e| panic!("get {key}: {e}"))
}

async fn put(fixture: &BlobsFixture, key: &str, bytes: Bytes, content_type: &str) {
    fixture
        .blobs
        .put(key, bytes, content_type)
        .await
        .unwrap_or_else(|e| panic!("put {key}: {e}"));
}

async fn signed(
    fixture: &BlobsFixture,
    key: &str,
    expires_in: Duration,
    name: Option<&str>,
) -> String {
    fixture
        .blobs
        .signed_url(key, expires_in, name)
        .await
        .unwrap_or_else(|e| panic!("signed_url {key}: {e}"))
}

#[track_caller]
fn assert_invalid<T: std::fmt::Debug>(result: Result<T, BlobError>, what: &str) {
    assert!(
        matches!(result, Err(BlobError::Invalid(_))),
        "{what}: expected Invalid, got {result:?}"
    );
}

#[track_caller]
fn assert_refused(status: u16, what: &str) {
    assert!(
        (400..500).contains(&status),
        "{what}: expected a 4xx refusal, got {status}"
    );
}

/// The URL with one query parameter's value changed: the first whose lower-cased name
/// satisfies `is_param`. Only that value changes; the rest of the URL stays byte for byte.
fn change_param(
    url: &str,
    is_param: impl Fn(&str) -> bool,
    change: impl Fn(&str) -> String,
) -> String {
    let (base, query) = url
        .split_once('?')
        .unwrap_or_else(|| panic!("no query string in {url}"));
    let mut changed = false;
    let params: Vec<String> = query
        .split('&')
        .map(|param| {
            let (name, value) = param.split_once('=').unwrap_or((param, ""));
            if !changed && is_param(&name.to_ascii_lowercase()) {
                changed = true;
                format!("{name}={}", change(value))
            } else {
                param.to_owned()
            }
        })
        .collect();
    assert!(changed, "no such parameter in {url}");
    format!("{base}?{}", params.join("&"))
}

pub async fn get_of_a_missing_blob_is_none(fixture: BlobsFixture) {
    assert_eq!(get(&fixture, "missing/blob.pdf").await, None);
    put(&fixture, "present/blob.pdf", sample(10, 1), PDF).await;
    assert_eq!(get(&fixture, "present/other.pdf").await, None);
    assert_eq!(
        get(&fixture, "present").await,
        None,
        "a folder of keys is not a blob"
    );
}

pub async fn put_then_get_round_trips_bytes_and_content_type(fixture: BlobsFixture) {
    let every_byte: Bytes = (0..=255u8).cycle().take(4096).collect::<Vec<_>>().into();
    put(
        &fixture,
        "docs/all-bytes.bin",
        every_byte.clone(),
        "application/octet-stream",
    )
    .await;
    let blob = get(&fixture, "docs/all-bytes.bin").await.unwrap();
    assert_eq!(
        blob,
        Blob {
            bytes: every_byte,
            content_type: "application/octet-stream".to_owned()
        }
    );

    put(&fixture, "docs/letter.txt", Bytes::from("Grüße ✓\n"), TEXT).await;
    let blob = get(&fixture, "docs/letter.txt").await.unwrap();
    assert_eq!(
        blob,
        Blob {
            bytes: Bytes::from("Grüße ✓\n"),
            content_type: TEXT.to_owned()
        }
    );
}

pub async fn an_empty_blob_round_trips(fixture: BlobsFixture) {
    put(&fixture, "empty.txt", Bytes::new(), TEXT).await;
    let blob = get(&fixture, "empty.txt").await.unwrap();
    assert_eq!(
        blob,
        Blob {
            bytes: Bytes::new(),
            content_type: TEXT.to_owned()
        }
    );
}

pub async fn put_replaces_bytes_and_content_type(fixture: BlobsFixture) {
    put(&fixture, "report", sample(1000, 2), PDF).await;
    put(&fixture, "report", sample(10, 3), TEXT).await;
    let blob = get(&fixture, "report").await.unwrap();
    assert_eq!(
        blob,
        Blob {
            bytes: sample(10, 3),
            content_type: TEXT.to_owned()
        }
    );
}

pub async fn delete_removes_and_deleting_again_is_fine(fixture: BlobsFixture) {
    put(&fixture, "a/b.pdf", sample(100, 4), PDF).await;
    put(&fixture, "a/c.pdf", sample(100, 5), PDF).await;
    fixture.blobs.delete("a/b.pdf").await.unwrap();
    assert_eq!(get(&fixture, "a/b.pdf").await, None);
    assert!(
        get(&fixture, "a/c.pdf").await.is_some(),
        "only the deleted blob went"
    );
    fixture.blobs.delete("a/b.pdf").await.unwrap();
    fixture.blobs.delete("never/there.pdf").await.unwrap();
}

pub async fn bad_keys_are_invalid_everywhere(fixture: BlobsFixture) {
    let too_long = "a".repeat(513);
    let bad_keys = [
        "",
        "/a",
        "a/",
        "a//b",
        ".",
        "..",
        "../a",
        "a/../b",
        "a/./b",
        "a b",
        "a?b",
        "a#b",
        "a%2Fb",
        "a\\b",
        "é",
        "a\0b",
        too_long.as_str(),
    ];
    for key in bad_keys {
        assert_invalid(fixture.blobs.put(key, Bytes::from("x"), TEXT).await, key);
        assert_invalid(fixture.blobs.get(key).await, key);
        assert_invalid(fixture.blobs.delete(key).await, key);
        assert_invalid(
            fixture
                .blobs
                .signed_url(key, Duration::from_secs(60), None)
                .await,
            key,
        );
        assert_invalid(fixture.blobs.start_upload(key, TEXT).await.map(|_| ()), key);
    }
    let longest = format!("{}/{}", "a".repeat(200), "b".repeat(200));
    put(&fixture, &longest, Bytes::from("x"), TEXT).await;
    assert_eq!(get(&fixture, &longest).await.unwrap().bytes, "x");
}

pub async fn a_key_and_keys_below_it_coexist(fixture: BlobsFixture) {
    put(&fixture, "a", Bytes::from("a"), TEXT).await;
    put(&fixture, "a/b", Bytes::from("a/b"), TEXT).await;
    put(&fixture, "a/b/c", Bytes::from("a/b/c"), TEXT).await;
    for key in ["a", "a/b", "a/b/c"] {
        assert_eq!(get(&fixture, key).await.unwrap().bytes, key);
    }
    fixture.blobs.delete("a/b").await.unwrap();
    assert_eq!(get(&fixture, "a").await.unwrap().bytes, "a");
    assert_eq!(get(&fixture, "a/b/c").await.unwrap().bytes, "a/b/c");
}

const MIB: usize = 1024 * 1024;

pub async fn a_streamed_upload_in_uneven_chunks_is_stored_exactly(fixture: BlobsFixture) {
    let whole = sample(12 * MIB, 6);
    // Chunks far below and above S3's 5 MiB part minimum, one of them empty.
    let chunk_sizes = [
        1,
        4093,
        MIB + 17,
        0,
        3 * MIB,
        5,
        2 * MIB - 1,
        7 * 1024,
        5 * MIB + 3,
    ];
    let mut upload = fixture
        .blobs
        .start_upload("zips/export.zip", ZIP)
        .await
        .unwrap();
    let mut at = 0;
    for size in chunk_sizes.iter().copied().cycle() {
        let end = (at + size).min(whole.len());
        upload.write(whole.slice(at..end)).await.unwrap();
        at = end;
        if at == whole.len() {
            break;
        }
    }
    let size = upload.finish().await.unwrap();
    assert_eq!(size, u64::try_from(whole.len()).unwrap());
    let blob = get(&fixture, "zips/export.zip").await.unwrap();
    assert_eq!(blob.content_type, ZIP);
    assert!(
        blob.bytes == whole,
        "the stored bytes differ from the uploaded ones"
    );
}

pub async fn an_upload_is_invisible_until_finished(fixture: BlobsFixture) {
    let mut fresh = fixture
        .blobs
        .start_upload("zips/new.zip", ZIP)
        .await
        .unwrap();
    fresh.write(sample(MIB, 7)).await.unwrap();
    assert_eq!(get(&fixture, "zips/new.zip").await, None);

    put(&fixture, "zips/old.zip", sample(100, 8), ZIP).await;
    let mut replacing = fixture
        .blobs
        .start_upload("zips/old.zip", PDF)
        .await
        .unwrap();
    replacing.write(sample(MIB, 9)).await.unwrap();
    let old = get(&fixture, "zips/old.zip").await.unwrap();
    assert_eq!(
        old,
        Blob {
            bytes: sample(100, 8),
            content_type: ZIP.to_owned()
        }
    );

    fresh.write(sample(10, 10)).await.unwrap();
    assert_eq!(
        fresh.finish().await.unwrap(),
        u64::try_from(MIB + 10).unwrap()
    );
    assert_eq!(
        get(&fixture, "zips/new.zip").await.unwrap().bytes.len(),
        MIB + 10
    );
    replacing.finish().await.unwrap();
    let replaced = get(&fixture, "zips/old.zip").await.unwrap();
    assert_eq!(
        replaced,
        Blob {
            bytes: sample(MIB, 9),
            content_type: PDF.to_owned()
        }
    );
}

pub async fn an_aborted_upload_leaves_nothing(fixture: BlobsFixture) {
    let mut upload = fixture
        .blobs
        .start_upload("zips/aborted.zip", ZIP)
        .await
        .unwrap();
    upload.write(sample(6 * MIB, 11)).await.unwrap();
    upload.abort().await.unwrap();
    assert_eq!(get(&fixture, "zips/aborted.zip").await, None);

    put(&fixture, "zips/kept.zip", sample(100, 12), ZIP).await;
    let mut upload = fixture
        .blobs
        .start_upload("zips/kept.zip", ZIP)
        .await
        .unwrap();
    upload.write(sample(100, 13)).await.unwrap();
    upload.abort().await.unwrap();
    assert_eq!(
        get(&fixture, "zips/kept.zip").await.unwrap().bytes,
        sample(100, 12)
    );
}

pub async fn an_upload_of_nothing_is_an_empty_blob(fixture: BlobsFixture) {
    let upload = fixture
        .blobs
        .start_upload("zips/empty.zip", ZIP)
        .await
        .unwrap();
    assert_eq!(upload.finish().await.unwrap(), 0);
    let blob = get(&fixture, "zips/empty.zip").await.unwrap();
    assert_eq!(
        blob,
        Blob {
            bytes: Bytes::new(),
            content_type: ZIP.to_owned()
        }
    );
}

pub async fn a_signed_url_serves_the_current_bytes(fixture: BlobsFixture) {
    put(&fixture, "docs/cert.pdf", sample(70_000, 14), PDF).await;
    let plain = signed(&fixture, "docs/cert.pdf", Duration::from_secs(300), None).await;
    assert_eq!(fixture.urls.fetch(&plain).await, (200, sample(70_000, 14)));
    let named = signed(
        &fixture,
        "docs/cert.pdf",
        Duration::from_secs(300),
        Some("Zertifikat Müller.pdf"),
    )
    .await;
    assert_eq!(fixture.urls.fetch(&named).await, (200, sample(70_000, 14)));

    put(&fixture, "docs/cert.pdf", sample(10, 15), PDF).await;
    assert_eq!(
        fixture.urls.fetch(&plain).await,
        (200, sample(10, 15)),
        "the URL serves the blob, not a copy"
    );
}

pub async fn a_signed_url_with_a_changed_signature_is_refused(fixture: BlobsFixture) {
    put(&fixture, "docs/cert.pdf", sample(100, 16), PDF).await;
    let url = signed(
        &fixture,
        "docs/cert.pdf",
        Duration::from_secs(300),
        Some("cert.pdf"),
    )
    .await;
    let is_signature = |name: &str| name.ends_with("sig") || name.ends_with("signature");
    let flip_last = |value: &str| {
        let mut changed = value.to_owned();
        let last = changed.pop().unwrap_or('0');
        changed.push(if last == '0' { '1' } else { '0' });
        changed
    };
    let forged = change_param(&url, is_signature, flip_last);
    let (status, body) = fixture.urls.fetch(&forged).await;
    assert_refused(status, "a changed signature");
    assert_ne!(body, sample(100, 16));

    let renamed = change_param(
        &url,
        |name| name == "name" || name.ends_with("content-disposition"),
        |value| format!("x{value}"),
    );
    assert_refused(
        fixture.urls.fetch(&renamed).await.0,
        "a changed download name",
    );
}

pub async fn a_signed_url_changed_to_another_key_is_refused(fixture: BlobsFixture) {
    put(&fixture, "docs/alpha.pdf", sample(100, 17), PDF).await;
    put(&fixture, "docs/gamma.pdf", sample(100, 18), PDF).await;
    let url = signed(&fixture, "docs/alpha.pdf", Duration::from_secs(300), None).await;
    assert!(
        url.contains("/docs/alpha.pdf?"),
        "the key is the URL's path: {url}"
    );
    let other = url.replacen("/docs/alpha.pdf?", "/docs/gamma.pdf?", 1);
    let (status, body) = fixture.urls.fetch(&other).await;
    assert_refused(status, "another key");
    assert_ne!(body, sample(100, 18));
}

pub async fn a_signed_url_with_a_changed_expiry_is_refused(fixture: BlobsFixture) {
    put(&fixture, "docs/cert.pdf", sample(100, 19), PDF).await;
    let url = signed(&fixture, "docs/cert.pdf", Duration::from_secs(300), None).await;
    let later = |value: &str| {
        let value: i64 = value
            .parse()
            .unwrap_or_else(|e| panic!("expiry {value:?}: {e}"));
        (value + 3600).to_string()
    };
    let extended = change_param(&url, |name| name.contains("expires"), later);
    assert_refused(fixture.urls.fetch(&extended).await.0, "a later expiry");
}

pub async fn an_expired_signed_url_is_refused(fixture: BlobsFixture) {
    put(&fixture, "docs/cert.pdf", sample(100, 20), PDF).await;
    let url = signed(&fixture, "docs/cert.pdf", Duration::from_secs(1), None).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let (status, body) = fixture.urls.fetch(&url).await;
    assert_refused(status, "an expired URL");
    assert_ne!(body, sample(100, 20));
}

pub async fn a_signed_url_of_a_missing_blob_serves_nothing(fixture: BlobsFixture) {
    let url = signed(&fixture, "docs/never.pdf", Duration::from_secs(300), None).await;
    assert_refused(fixture.urls.fetch(&url).await.0, "a missing blob");
    put(&fixture, "docs/gone.pdf", sample(100, 21), PDF).await;
    let url = signed(&fixture, "docs/gone.pdf", Duration::from_secs(300), None).await;
    fixture.blobs.delete("docs/gone.pdf").await.unwrap();
    assert_refused(fixture.urls.fetch(&url).await.0, "a deleted blob");
}
