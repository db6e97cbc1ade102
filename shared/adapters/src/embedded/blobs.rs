//! [`FolderBlobs`]: the blob port on a folder, with HMAC-signed, expiring download URLs.
//!
//! Layout under the root folder:
//! - `objects/<segment>/…/<last segment>@blob`: one file per blob. The key's segments become
//!   folders and the last one a file whose name ends in `@blob`; `@` is not allowed in keys, so a
//!   blob file never collides with a folder and the keys `a` and `a/b` both work, as in S3.
//! - `uploads/`: files being written. A blob is written there whole, fsynced, then renamed into
//!   `objects/`, so a blob is either all there or not at all, whenever the process dies.
//!
//! A blob file starts with one line of JSON holding the content type, then the bytes. Keeping
//! both in one file makes replacing a blob one atomic rename: bytes and content type can never
//! come from different versions.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use portal_domain::ports::blobs::{self, Blob, BlobError, Blobs, Upload};
use portal_domain::ports::clock::Clock;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use tempfile::NamedTempFile;

/// Ends every blob file's name; never part of a key, so never the name of a key's folder.
const BLOB_FILE_SUFFIX: &str = "@blob";
/// A file name holds at most 255 bytes on the file systems the portal runs on.
const MAX_SEGMENT_BYTES: usize = 255 - BLOB_FILE_SUFFIX.len();
/// The header line is small; a longer one means the file is not a blob file.
const MAX_HEADER_BYTES: u64 = 4096;
const MAX_CONTENT_TYPE_BYTES: usize = 255;
const MAX_DOWNLOAD_NAME_BYTES: usize = 255;
/// S3 presigned URLs live at most a week; so do ours, so that what works locally works in AWS.
const MAX_URL_LIFETIME: Duration = Duration::from_secs(7 * 24 * 60 * 60);
/// An upload buffers at most this much before writing it out, so memory stays bounded while
/// small chunks do not each cost a trip to the blocking pool.
const UPLOAD_FLUSH_BYTES: usize = 1024 * 1024;

type HmacSha256 = Hmac<Sha256>;

/// Blobs in a folder, served through signed URLs by the local portal. Cheap to clone.
///
/// # The download route
///
/// [`Blobs::signed_url`] returns
/// `{base_url}/blobs/{key}?expires={epoch secs}[&name={form-urlencoded download name}]&sig={hex}`
/// where `sig` is HMAC-SHA256, under the signing key, of `{key}\n{expires}\n` followed by
/// `name={download name}` when there is one. The local portal serves it with one route:
///
/// ```text
/// GET /blobs/{*key}   (the raw query string is passed through untouched)
///   match blobs.open_signed(&key, raw_query.unwrap_or("")).await {
///     Ok(blob) => 200 with
///         Content-Type: blob.content_type
///         Content-Length: blob.length
///         Content-Disposition: blob.content_disposition() (when Some)
///         Cache-Control: private, no-store
///         body: blob.file streamed (it is already positioned at the first byte; read exactly
///               blob.length bytes)
///     Err(refusal) => refusal.status() (403 forged, tampered or expired; 404 missing;
///                     500 unavailable) with no details in the body
///   }
/// ```
///
/// Keys only hold characters that need no percent-encoding, so the path parameter as axum
/// decodes it is the key as signed.
#[derive(Clone)]
pub struct FolderBlobs {
    inner: Arc<Inner>,
}

struct Inner {
    objects: PathBuf,
    uploads: PathBuf,
    base_url: String,
    signing_key: [u8; 32],
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for FolderBlobs {
    /// Leaves out the signing key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FolderBlobs")
            .field("objects", &self.inner.objects)
            .field("base_url", &self.inner.base_url)
            .finish_non_exhaustive()
    }
}

/// The first line of a blob file.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    content_type: String,
}

impl FolderBlobs {
    /// Blobs under `root` (created on first write), with download URLs under `base_url` (the
    /// local portal's address, e.g. `http://127.0.0.1:8080`) signed with `signing_key` and
    /// checked against `clock`.
    pub fn new(
        root: PathBuf,
        base_url: String,
        signing_key: [u8; 32],
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                objects: root.join("objects"),
                uploads: root.join("uploads"),
                base_url: base_url.trim_end_matches('/').to_owned(),
                signing_key,
                clock,
            }),
        }
    }

    /// Checks a download URL's key and query string (see the route on [`FolderBlobs`]) and opens
    /// the blob it grants. Refuses anything this store did not sign, anything changed since,
    /// and anything past its expiry.
    pub async fn open_signed(&self, key: &str, query: &str) -> Result<SignedBlob, SignedUrlError> {
        if blobs::check_key(key).is_err() {
            return Err(SignedUrlError::Refused);
        }
        let grant = UrlGrant::parse(query).ok_or(SignedUrlError::Refused)?;
        let signature = hex::decode(&grant.sig).map_err(|_| SignedUrlError::Refused)?;
        self.mac(key, grant.expires, grant.name.as_deref())
            .verify_slice(&signature)
            .map_err(|_| SignedUrlError::Refused)?;
        if self.inner.clock.now().unix_timestamp() > grant.expires {
            return Err(SignedUrlError::Expired);
        }
        let path = self.blob_path(key);
        let opened = tokio::task::spawn_blocking(move || open_blob(&path))
            .await
            .map_err(|lost| SignedUrlError::Unavailable(io::Error::other(lost)))?
            .map_err(SignedUrlError::Unavailable)?;
        let (file, header, length) = opened.ok_or(SignedUrlError::NotFound)?;
        Ok(SignedBlob {
            file: tokio::fs::File::from_std(file),
            length,
            content_type: header.content_type,
            download_name: grant.name,
        })
    }

    /// HMAC over the canonical string of a URL's grant. The download name comes last, so the
    /// string splits one way only even if the name holds newlines; `name=` tells "no name"
    /// from "empty name".
    fn mac(&self, key: &str, expires: i64, download_name: Option<&str>) -> HmacSha256 {
        let mut canonical = format!("{key}\n{expires}\n");
        if let Some(name) = download_name {
            canonical.push_str("name=");
            canonical.push_str(name);
        }
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.inner.signing_key)
            // HMAC takes keys of any length; only fixed-size MACs refuse some.
            .unwrap_or_else(|_| unreachable!("HMAC accepts a 32-byte key"));
        mac.update(canonical.as_bytes());
        mac
    }

    fn blob_path(&self, key: &str) -> PathBuf {
        let mut path = self.inner.objects.clone();
        let mut segments = key.split('/').peekable();
        while let Some(segment) = segments.next() {
            if segments.peek().is_some() {
                path.push(segment);
            } else {
                path.push(format!("{segment}{BLOB_FILE_SUFFIX}"));
            }
        }
        path
    }

    /// The key's file, after checking the key fits both the port's rules and file name limits.
    fn checked_blob_path(&self, key: &str) -> Result<PathBuf, BlobError> {
        blobs::check_key(key)?;
        if key
            .split('/')
            .any(|segment| segment.len() > MAX_SEGMENT_BYTES)
        {
            return Err(BlobError::Invalid(format!(
                "a segment of {key:?} is longer than {MAX_SEGMENT_BYTES} bytes"
            )));
        }
        Ok(self.blob_path(key))
    }

    /// A temporary file in `uploads/` holding the header, removed if dropped before
    /// [`commit_blob`].
    fn new_blob_file(&self, content_type: &str) -> io::Result<NamedTempFile> {
        create_dir_durably(&self.inner.uploads)?;
        let mut file = tempfile::Builder::new()
            .prefix("upload-")
            .suffix(".part")
            .tempfile_in(&self.inner.uploads)?;
        let header = Header {
            content_type: content_type.to_owned(),
        };
        serde_json::to_writer(&mut file, &header)?;
        file.write_all(b"\n")?;
        Ok(file)
    }
}

/// What a download URL grants, from its query string.
struct UrlGrant {
    expires: i64,
    name: Option<String>,
    sig: String,
}

impl UrlGrant {
    /// `None` for anything but exactly one `expires`, one `sig`, at most one `name` and nothing
    /// else: an added or repeated parameter is a changed URL.
    fn parse(query: &str) -> Option<Self> {
        let (mut expires, mut name, mut sig) = (None, None, None);
        for (param, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match param.as_ref() {
                "expires" => &mut expires,
                "name" => &mut name,
                "sig" => &mut sig,
                _ => return None,
            };
            if slot.replace(value.into_owned()).is_some() {
                return None;
            }
        }
        Some(Self {
            expires: expires?.parse().ok()?,
            name,
            sig: sig?,
        })
    }
}

/// A blob a download URL grants, ready to stream.
#[derive(Debug)]
pub struct SignedBlob {
    /// Positioned at the blob's first byte; the blob is the next `length` bytes. An open file
    /// keeps its bytes even if the blob is replaced or deleted meanwhile.
    pub file: tokio::fs::File,
    pub length: u64,
    pub content_type: String,
    /// The file name the URL asks the browser to save the blob under.
    pub download_name: Option<String>,
}

impl SignedBlob {
    /// The `Content-Disposition` header value for the download name, if there is one.
    pub fn content_disposition(&self) -> Option<String> {
        self.download_name.as_deref().map(content_disposition)
    }
}

/// Characters that RFC 5987 `attr-char` allows unencoded in `filename*`.
const ATTR_CHAR_ESCAPES: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `attachment` with the name for every browser (RFC 6266): an ASCII-only `filename` fallback and
/// the exact UTF-8 name in `filename*`. The AWS adapter can pass the same value as S3's
/// `response-content-disposition`.
pub fn content_disposition(download_name: &str) -> String {
    let fallback: String = download_name
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() && c != '"' && c != '\\') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let exact = utf8_percent_encode(download_name, ATTR_CHAR_ESCAPES);
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{exact}")
}

/// Why a download URL was not honoured.
#[derive(Debug, thiserror::Error)]
pub enum SignedUrlError {
    /// Not signed by this store, or changed since it was signed.
    #[error("the download link is not valid")]
    Refused,
    #[error("the download link has expired")]
    Expired,
    /// The link is genuine but the blob is gone (deleted, or never written).
    #[error("the file is no longer available")]
    NotFound,
    #[error("the blob store is unavailable")]
    Unavailable(#[source] io::Error),
}

impl SignedUrlError {
    /// The HTTP status to answer with (403 for every refusal, as S3 does).
    pub fn status(&self) -> u16 {
        match self {
            Self::Refused | Self::Expired => 403,
            Self::NotFound => 404,
            Self::Unavailable(_) => 500,
        }
    }
}

#[async_trait]
impl Blobs for FolderBlobs {
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> Result<(), BlobError> {
        let path = self.checked_blob_path(key)?;
        check_content_type(content_type)?;
        let blobs = self.clone();
        let content_type = content_type.to_owned();
        run_blocking(move || {
            let mut file = blobs.new_blob_file(&content_type)?;
            file.write_all(&bytes)?;
            commit_blob(file, &path)
        })
        .await
    }

    async fn start_upload(
        &self,
        key: &str,
        content_type: &str,
    ) -> Result<Box<dyn Upload>, BlobError> {
        let path = self.checked_blob_path(key)?;
        check_content_type(content_type)?;
        let blobs = self.clone();
        let content_type = content_type.to_owned();
        let file = run_blocking(move || blobs.new_blob_file(&content_type)).await?;
        Ok(Box::new(FolderUpload {
            file: Some(file),
            path,
            pending: Vec::new(),
            pending_bytes: 0,
            size: 0,
        }))
    }

    async fn get(&self, key: &str) -> Result<Option<Blob>, BlobError> {
        let path = self.checked_blob_path(key)?;
        run_blocking(move || {
            let Some((mut file, header, length)) = open_blob(&path)? else {
                return Ok(None);
            };
            let mut bytes = Vec::with_capacity(usize::try_from(length).unwrap_or(0));
            file.read_to_end(&mut bytes)?;
            Ok(Some(Blob {
                bytes: Bytes::from(bytes),
                content_type: header.content_type,
            }))
        })
        .await
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        let path = self.checked_blob_path(key)?;
        run_blocking(move || match fs::remove_file(&path) {
            Ok(()) => sync_parent(&path),
            Err(missing) if missing.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(failed) => Err(failed),
        })
        .await
    }

    async fn signed_url(
        &self,
        key: &str,
        expires_in: Duration,
        download_name: Option<&str>,
    ) -> Result<String, BlobError> {
        self.checked_blob_path(key)?;
        if expires_in > MAX_URL_LIFETIME {
            return Err(BlobError::Invalid(
                "a download link lives at most 7 days".to_owned(),
            ));
        }
        if let Some(name) = download_name {
            check_download_name(name)?;
        }
        // Rounded up: the link works for at least `expires_in`.
        let lifetime = expires_in.as_secs() + u64::from(expires_in.subsec_nanos() > 0);
        let lifetime = i64::try_from(lifetime).unwrap_or(i64::MAX);
        let expires = self
            .inner
            .clock
            .now()
            .unix_timestamp()
            .saturating_add(lifetime);
        let sig = hex::encode(
            self.mac(key, expires, download_name)
                .finalize()
                .into_bytes(),
        );
        let name_param = download_name
            .map(|name| {
                format!(
                    "&name={}",
                    url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
                )
            })
            .unwrap_or_default();
        Ok(format!(
            "{}/blobs/{key}?expires={expires}{name_param}&sig={sig}",
            self.inner.base_url
        ))
    }
}

/// Printable ASCII only: it becomes a response header.
fn check_content_type(content_type: &str) -> Result<(), BlobError> {
    let printable = content_type.bytes().all(|b| (b' '..=b'~').contains(&b));
    if content_type.is_empty() || content_type.len() > MAX_CONTENT_TYPE_BYTES || !printable {
        return Err(BlobError::Invalid(format!(
            "bad content type {content_type:?}"
        )));
    }
    Ok(())
}

/// A file name: no control characters and no path separators.
fn check_download_name(name: &str) -> Result<(), BlobError> {
    let fine = |c: char| !c.is_control() && c != '/' && c != '\\';
    if name.is_empty() || name.len() > MAX_DOWNLOAD_NAME_BYTES || !name.chars().all(fine) {
        return Err(BlobError::Invalid(format!("bad download name {name:?}")));
    }
    Ok(())
}

/// The blob file opened and positioned after its header, with the header and the blob's
/// length; `None` when there is no such blob.
fn open_blob(path: &Path) -> io::Result<Option<(File, Header, u64)>> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(missing) if missing.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(failed) => return Err(failed),
    };
    let file_length = file.metadata()?.len();
    let mut header_line = Vec::new();
    BufReader::new((&file).take(MAX_HEADER_BYTES)).read_until(b'\n', &mut header_line)?;
    if header_line.pop() != Some(b'\n') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "a blob file without a header",
        ));
    }
    let header: Header = serde_json::from_slice(&header_line)?;
    let header_length = u64::try_from(header_line.len() + 1).unwrap_or(u64::MAX);
    let mut file = file;
    file.seek(SeekFrom::Start(header_length))?;
    Ok(Some((
        file,
        header,
        file_length.saturating_sub(header_length),
    )))
}

/// Makes a fully written temporary file the key's blob: fsync, rename over the old one, fsync
/// the folder so the rename itself survives a crash.
fn commit_blob(file: NamedTempFile, path: &Path) -> io::Result<()> {
    file.as_file().sync_all()?;
    let folder = path
        .parent()
        .ok_or_else(|| io::Error::other("a blob path without a folder"))?;
    create_dir_durably(folder)?;
    file.persist(path).map_err(|failed| failed.error)?;
    sync_dir(folder)
}

/// Creates the folder and any missing parents, fsyncing each parent that gained an entry.
fn create_dir_durably(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let parent = dir
        .parent()
        .ok_or_else(|| io::Error::other("no folder to create the root in"))?;
    create_dir_durably(parent)?;
    match fs::create_dir(dir) {
        Ok(()) => sync_dir(parent),
        Err(exists) if exists.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(failed) => Err(failed),
    }
}

fn sync_parent(path: &Path) -> io::Result<()> {
    path.parent().map_or(Ok(()), sync_dir)
}

/// Makes the folder's entries (created, renamed, removed files) durable.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Folders cannot be opened for fsync here; renames are durable once the file system flushes.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// Runs file work off the async runtime; every I/O failure means the store is unavailable.
async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> Result<T, BlobError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|lost| BlobError::Unavailable(Box::new(lost)))?
        .map_err(|failed| BlobError::Unavailable(Box::new(failed)))
}

/// A streamed upload into a temporary file, renamed into place by `finish`. Dropped unfinished,
/// the temporary file is removed.
struct FolderUpload {
    /// `None` once a write to it has failed: the upload cannot be completed.
    file: Option<NamedTempFile>,
    path: PathBuf,
    pending: Vec<Bytes>,
    pending_bytes: usize,
    size: u64,
}

impl FolderUpload {
    async fn flush_pending(&mut self) -> Result<(), BlobError> {
        let mut file = self.file.take().ok_or_else(|| {
            BlobError::Unavailable("an earlier write of this upload failed".into())
        })?;
        let chunks = std::mem::take(&mut self.pending);
        self.pending_bytes = 0;
        // On failure the file is dropped, and so removed.
        self.file = Some(
            run_blocking(move || {
                for chunk in &chunks {
                    file.write_all(chunk)?;
                }
                Ok(file)
            })
            .await?,
        );
        Ok(())
    }
}

#[async_trait]
impl Upload for FolderUpload {
    async fn write(&mut self, chunk: Bytes) -> Result<(), BlobError> {
        self.size += u64::try_from(chunk.len()).unwrap_or(u64::MAX);
        self.pending_bytes += chunk.len();
        self.pending.push(chunk);
        if self.pending_bytes >= UPLOAD_FLUSH_BYTES {
            self.flush_pending().await?;
        }
        Ok(())
    }

    async fn finish(mut self: Box<Self>) -> Result<u64, BlobError> {
        self.flush_pending().await?;
        let file = self.file.take().ok_or_else(|| {
            BlobError::Unavailable("an earlier write of this upload failed".into())
        })?;
        let path = self.path.clone();
        run_blocking(move || commit_blob(file, &path)).await?;
        Ok(self.size)
    }

    async fn abort(mut self: Box<Self>) -> Result<(), BlobError> {
        match self.file.take() {
            Some(file) => run_blocking(move || file.close()).await,
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_domain::ports::clock::FixedClock;
    use time::OffsetDateTime;

    const KEY: [u8; 32] = [7; 32];

    fn store(root: &Path, clock: Arc<FixedClock>) -> FolderBlobs {
        FolderBlobs::new(
            root.to_owned(),
            "http://127.0.0.1:9/".to_owned(),
            KEY,
            clock,
        )
    }

    fn clock() -> Arc<FixedClock> {
        Arc::new(FixedClock::new(
            OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
        ))
    }

    /// The key and query string of a URL the route would be given.
    fn split(url: &str) -> (&str, &str) {
        let rest = url.strip_prefix("http://127.0.0.1:9/blobs/").unwrap();
        rest.split_once('?').unwrap()
    }

    #[tokio::test]
    async fn signed_urls_have_the_documented_shape_and_signature() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = store(dir.path(), clock());
        let url = blobs
            .signed_url(
                "docs/a.pdf",
                Duration::from_millis(1500),
                Some("Report 1 é.pdf"),
            )
            .await
            .unwrap();
        let expires = 1_700_000_002;
        let mut mac = HmacSha256::new_from_slice(&KEY).unwrap();
        mac.update(format!("docs/a.pdf\n{expires}\nname=Report 1 é.pdf").as_bytes());
        let sig = hex::encode(mac.finalize().into_bytes());
        assert_eq!(
            url,
            format!(
                "http://127.0.0.1:9/blobs/docs/a.pdf?expires={expires}&name=Report+1+%C3%A9.pdf&sig={sig}"
            )
        );
        let unnamed = blobs
            .signed_url("docs/a.pdf", Duration::from_secs(60), None)
            .await
            .unwrap();
        assert!(!unnamed.contains("name="), "{unnamed}");
    }

    #[tokio::test]
    async fn open_signed_honours_only_untouched_unexpired_urls() {
        let dir = tempfile::tempdir().unwrap();
        let clock = clock();
        let blobs = store(dir.path(), Arc::clone(&clock));
        blobs
            .put("a/b.txt", Bytes::from_static(b"hello"), "text/plain")
            .await
            .unwrap();
        blobs
            .put("a/c.txt", Bytes::from_static(b"other"), "text/plain")
            .await
            .unwrap();
        let url = blobs
            .signed_url("a/b.txt", Duration::from_secs(60), Some("b.txt"))
            .await
            .unwrap();
        let (key, query) = split(&url);

        let mut blob = blobs.open_signed(key, query).await.unwrap();
        assert_eq!((blob.length, blob.content_type.as_str()), (5, "text/plain"));
        assert_eq!(blob.download_name.as_deref(), Some("b.txt"));
        let mut bytes = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut blob.file, &mut bytes)
            .await
            .unwrap();
        assert_eq!(bytes, b"hello");

        let refused = |result: Result<SignedBlob, SignedUrlError>| {
            matches!(result, Err(SignedUrlError::Refused))
        };
        assert!(refused(blobs.open_signed("a/c.txt", query).await));
        assert!(refused(blobs.open_signed("../a/b.txt", query).await));
        assert!(refused(
            blobs
                .open_signed(key, &query.replace("name=b.txt", "name=c.txt"))
                .await
        ));
        assert!(refused(
            blobs
                .open_signed(key, &query.replace("&name=b.txt", ""))
                .await
        ));
        assert!(refused(
            blobs
                .open_signed(key, &query.replace("expires=17", "expires=18"))
                .await
        ));
        assert!(refused(
            blobs.open_signed(key, &format!("{query}&extra=1")).await
        ));
        assert!(refused(
            blobs.open_signed(key, &format!("{query}&name=b.txt")).await
        ));
        assert!(refused(
            blobs.open_signed(key, &query[..query.len() - 1]).await
        ));
        assert!(refused(blobs.open_signed(key, "").await));

        clock.advance(time::Duration::seconds(60));
        assert!(
            blobs.open_signed(key, query).await.is_ok(),
            "valid through its last second"
        );
        clock.advance(time::Duration::seconds(1));
        assert!(matches!(
            blobs.open_signed(key, query).await,
            Err(SignedUrlError::Expired)
        ));

        let gone = blobs
            .signed_url("a/gone.txt", Duration::from_secs(60), None)
            .await
            .unwrap();
        let (key, query) = split(&gone);
        assert!(matches!(
            blobs.open_signed(key, query).await,
            Err(SignedUrlError::NotFound)
        ));
    }

    #[tokio::test]
    async fn a_url_signed_with_another_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let ours = store(dir.path(), clock());
        let theirs = FolderBlobs::new(
            dir.path().to_owned(),
            "http://127.0.0.1:9".to_owned(),
            [8; 32],
            clock(),
        );
        ours.put("x", Bytes::from_static(b"x"), "text/plain")
            .await
            .unwrap();
        let url = theirs
            .signed_url("x", Duration::from_secs(60), None)
            .await
            .unwrap();
        let (key, query) = split(&url);
        assert!(matches!(
            ours.open_signed(key, query).await,
            Err(SignedUrlError::Refused)
        ));
    }

    #[tokio::test]
    async fn bad_content_types_download_names_and_lifetimes_are_invalid() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = store(dir.path(), clock());
        for content_type in ["", "text/plain\r\nX-Evil: 1", "tëxt/plain"] {
            let put = blobs.put("k", Bytes::new(), content_type).await;
            assert!(
                matches!(put, Err(BlobError::Invalid(_))),
                "{content_type:?}"
            );
        }
        for name in ["", "a/b", "a\\b", "a\nb"] {
            let url = blobs
                .signed_url("k", Duration::from_secs(1), Some(name))
                .await;
            assert!(matches!(url, Err(BlobError::Invalid(_))), "{name:?}");
        }
        let week_and_a_second = MAX_URL_LIFETIME + Duration::from_secs(1);
        let url = blobs.signed_url("k", week_and_a_second, None).await;
        assert!(matches!(url, Err(BlobError::Invalid(_))));
        let long_segment = "a".repeat(MAX_SEGMENT_BYTES + 1);
        assert!(matches!(
            blobs.get(&long_segment).await,
            Err(BlobError::Invalid(_))
        ));
    }

    #[test]
    fn content_disposition_has_an_ascii_fallback_and_the_exact_name() {
        assert_eq!(
            content_disposition("Zeugnis \"Ä\".pdf"),
            "attachment; filename=\"Zeugnis ___.pdf\"; filename*=UTF-8''Zeugnis%20%22%C3%84%22.pdf"
        );
        assert_eq!(
            content_disposition("a+b.zip"),
            "attachment; filename=\"a+b.zip\"; filename*=UTF-8''a+b.zip"
        );
    }

    #[tokio::test]
    async fn blob_files_and_folders_never_collide_and_uploads_leave_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = store(dir.path(), clock());
        blobs
            .put("a", Bytes::from_static(b"1"), "text/plain")
            .await
            .unwrap();
        blobs
            .put("a/b", Bytes::from_static(b"2"), "text/plain")
            .await
            .unwrap();
        blobs
            .put("a@blob", Bytes::new(), "text/plain")
            .await
            .unwrap_err();
        assert_eq!(blobs.get("a").await.unwrap().unwrap().bytes, "1");
        assert_eq!(blobs.get("a/b").await.unwrap().unwrap().bytes, "2");

        let mut dropped = blobs.start_upload("c", "text/plain").await.unwrap();
        dropped.write(Bytes::from_static(b"partial")).await.unwrap();
        drop(dropped);
        let aborted = blobs.start_upload("d", "text/plain").await.unwrap();
        aborted.abort().await.unwrap();
        let uploads = fs::read_dir(dir.path().join("uploads")).unwrap().count();
        assert_eq!(uploads, 0);
        assert_eq!(blobs.get("c").await.unwrap(), None);
    }
}
