//! The blob store: documents, zips and images by key.

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    pub bytes: Bytes,
    pub content_type: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("invalid blob key or request: {0}")]
    Invalid(String),
    #[error("the blob store is unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Keys are `/`-separated paths of `[A-Za-z0-9._-]` segments (no empty, `.` or `..` segment),
/// at most 512 bytes; anything else is [`BlobError::Invalid`].
pub fn check_key(key: &str) -> Result<(), BlobError> {
    let segment_ok = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    };
    if key.len() <= 512 && key.split('/').all(segment_ok) {
        Ok(())
    } else {
        Err(BlobError::Invalid(format!("bad blob key {key:?}")))
    }
}

#[async_trait]
pub trait Blobs: Send + Sync + 'static {
    /// Stores the bytes under the key, replacing what was there. Durable once `Ok`.
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> Result<(), BlobError>;

    /// Starts a streamed upload: parts are written as they come, and the blob appears under the
    /// key only when [`Upload::finish`] succeeds (never half-written).
    async fn start_upload(
        &self,
        key: &str,
        content_type: &str,
    ) -> Result<Box<dyn Upload>, BlobError>;

    async fn get(&self, key: &str) -> Result<Option<Blob>, BlobError>;

    /// Removes the blob; removing a missing blob is fine.
    async fn delete(&self, key: &str) -> Result<(), BlobError>;

    /// A URL anyone holding it can GET the blob from until `expires_in` has passed, and not
    /// after; changing any part of it makes it refused. `download_name` sets the file name the
    /// browser saves it under.
    async fn signed_url(
        &self,
        key: &str,
        expires_in: Duration,
        download_name: Option<&str>,
    ) -> Result<String, BlobError>;
}

/// A streamed upload in progress. Memory stays bounded whatever the total size.
#[async_trait]
pub trait Upload: Send {
    async fn write(&mut self, chunk: Bytes) -> Result<(), BlobError>;
    /// Completes the upload and returns the blob's size in bytes.
    async fn finish(self: Box<Self>) -> Result<u64, BlobError>;
    /// Abandons the upload; nothing appears under the key.
    async fn abort(self: Box<Self>) -> Result<(), BlobError>;
}
