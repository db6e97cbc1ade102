//! The blob port on one S3 bucket.

use std::fmt::Write as _;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::operation::get_object::GetObjectError;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use bytes::{Bytes, BytesMut};
use portal_domain::ports::blobs::{Blob, BlobError, Blobs, Upload, check_key};

use super::Unexpected;

/// A streamed upload sends a part whenever this much is buffered. S3 wants every part but the
/// last to be at least 5 MiB.
pub const PART_SIZE: usize = 8 * 1024 * 1024;

const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// The [`Blobs`] port on one S3 bucket.
#[derive(Debug, Clone)]
pub struct S3Blobs {
    client: Client,
    bucket: String,
}

impl S3Blobs {
    pub fn new(client: Client, bucket: String) -> Self {
        Self { client, bucket }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }
}

#[async_trait]
impl Blobs for S3Blobs {
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> Result<(), BlobError> {
        check_key(key)?;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn start_upload(
        &self,
        key: &str,
        content_type: &str,
    ) -> Result<Box<dyn Upload>, BlobError> {
        check_key(key)?;
        let output = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .send()
            .await
            .map_err(unavailable)?;
        let upload_id = output.upload_id.ok_or_else(|| {
            unavailable(Unexpected(
                "CreateMultipartUpload returned no upload id".to_owned(),
            ))
        })?;
        Ok(Box::new(S3Upload {
            client: self.client.clone(),
            bucket: self.bucket.clone(),
            key: key.to_owned(),
            content_type: content_type.to_owned(),
            upload_id,
            buffer: BytesMut::new(),
            parts: Vec::new(),
            size: 0,
            open: true,
            broken: false,
        }))
    }

    async fn get(&self, key: &str) -> Result<Option<Blob>, BlobError> {
        check_key(key)?;
        let output = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(output) => output,
            // (Without s3:ListBucket on the bucket, S3 answers AccessDenied instead.)
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(GetObjectError::is_no_such_key) =>
            {
                return Ok(None);
            }
            Err(err) => return Err(unavailable(err)),
        };
        let content_type = output
            .content_type
            .unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_owned());
        let bytes = output
            .body
            .collect()
            .await
            .map_err(unavailable)?
            .into_bytes();
        Ok(Some(Blob {
            bytes,
            content_type,
        }))
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        check_key(key)?;
        // S3 deletes a missing key without complaint.
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn signed_url(
        &self,
        key: &str,
        expires_in: Duration,
        download_name: Option<&str>,
    ) -> Result<String, BlobError> {
        check_key(key)?;
        let presigning = PresigningConfig::expires_in(expires_in).map_err(|err| {
            BlobError::Invalid(format!(
                "a signed URL cannot expire in {expires_in:?}: {err}"
            ))
        })?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .set_response_content_disposition(download_name.map(attachment))
            .presigned(presigning)
            .await
            .map_err(unavailable)?;
        Ok(request.uri().to_owned())
    }
}

/// A multipart upload: parts of at least [`PART_SIZE`] go up as they fill; an upload that never
/// filled one becomes a single `PutObject`.
struct S3Upload {
    client: Client,
    bucket: String,
    key: String,
    content_type: String,
    upload_id: String,
    buffer: BytesMut,
    parts: Vec<CompletedPart>,
    size: u64,
    /// The multipart upload still exists (neither completed nor aborted).
    open: bool,
    /// A part failed to upload and its bytes are gone: the upload can only be aborted.
    broken: bool,
}

impl S3Upload {
    async fn upload_part(&mut self) -> Result<(), BlobError> {
        self.usable()?;
        let part_number = i32::try_from(self.parts.len() + 1)
            .map_err(|_| BlobError::Invalid("too many parts in one upload".to_owned()))?;
        let body = self.buffer.split().freeze();
        // Until the part is stored, its bytes are nowhere else.
        self.broken = true;
        let output = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(&self.upload_id)
            .part_number(part_number)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(unavailable)?;
        self.broken = false;
        // The SDK sends each part's CRC32 and S3 checks it; the completion names parts by ETag.
        self.parts.push(
            CompletedPart::builder()
                .part_number(part_number)
                .set_e_tag(output.e_tag)
                .build(),
        );
        Ok(())
    }

    fn usable(&self) -> Result<(), BlobError> {
        if self.broken {
            return Err(unavailable(Unexpected(
                "a part of this upload failed to upload; abort it and start again".to_owned(),
            )));
        }
        Ok(())
    }

    async fn abort_multipart(&mut self) -> Result<(), BlobError> {
        self.client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(&self.upload_id)
            .send()
            .await
            .map_err(unavailable)?;
        self.open = false;
        Ok(())
    }
}

#[async_trait]
impl Upload for S3Upload {
    async fn write(&mut self, chunk: Bytes) -> Result<(), BlobError> {
        self.usable()?;
        self.size += chunk.len() as u64;
        self.buffer.extend_from_slice(&chunk);
        if self.buffer.len() >= PART_SIZE {
            self.upload_part().await?;
        }
        Ok(())
    }

    async fn finish(mut self: Box<Self>) -> Result<u64, BlobError> {
        self.usable()?;
        if self.parts.is_empty() {
            // Smaller than one part (perhaps empty): one PutObject stores it whole, and the
            // multipart upload, which would need at least one part, is dropped.
            let body = self.buffer.split().freeze();
            self.client
                .put_object()
                .bucket(&self.bucket)
                .key(&self.key)
                .content_type(&self.content_type)
                .body(ByteStream::from(body))
                .send()
                .await
                .map_err(unavailable)?;
            if let Err(err) = self.abort_multipart().await {
                // The blob is stored; only an unused multipart upload remains (S3 lifecycle
                // rules clean those up).
                tracing::warn!(error = %err, key = %self.key, "could not abort an unused multipart upload");
            }
            return Ok(self.size);
        }
        if !self.buffer.is_empty() {
            self.upload_part().await?;
        }
        let parts = CompletedMultipartUpload::builder()
            .set_parts(Some(std::mem::take(&mut self.parts)))
            .build();
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(&self.upload_id)
            .multipart_upload(parts)
            .send()
            .await
            .map_err(unavailable)?;
        self.open = false;
        Ok(self.size)
    }

    async fn abort(mut self: Box<Self>) -> Result<(), BlobError> {
        self.abort_multipart().await
    }
}

impl Drop for S3Upload {
    /// An upload dropped unfinished (or whose finish failed) is aborted in the background, so that
    /// S3 does not keep its parts.
    fn drop(&mut self) {
        if !self.open {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let abort = self
            .client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(&self.upload_id);
        let key = self.key.clone();
        runtime.spawn(async move {
            if let Err(err) = abort.send().await {
                tracing::warn!(error = %err, %key, "could not abort an abandoned multipart upload");
            }
        });
    }
}

/// The `Content-Disposition` that makes browsers save the blob as `name`: a plain quoted
/// `filename` when the name is printable ASCII, else an ASCII fallback plus the RFC 6266
/// `filename*` in UTF-8.
fn attachment(name: &str) -> String {
    let plain = |c: char| (c.is_ascii_graphic() || c == ' ') && c != '"' && c != '\\';
    if name.chars().all(plain) {
        return format!("attachment; filename=\"{name}\"");
    }
    let fallback: String = name
        .chars()
        .map(|c| if plain(c) { c } else { '_' })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

fn unavailable(err: impl std::error::Error + Send + Sync + 'static) -> BlobError {
    BlobError::Unavailable(Box::new(err))
}

#[cfg(test)]
mod tests {
    use super::attachment;

    #[test]
    fn attachment_quotes_plain_names_and_encodes_others() {
        assert_eq!(
            attachment("report 2024.pdf"),
            "attachment; filename=\"report 2024.pdf\""
        );
        assert_eq!(
            attachment("résumé \"final\".pdf"),
            "attachment; filename=\"r_sum_ _final_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf"
        );
    }
}
