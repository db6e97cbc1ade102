//! The embedded adapters against the port conformance suites, each case in a fresh temporary
//! directory.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use percent_encoding::percent_decode_str;
use portal_adapters::embedded::{EmbeddedTable, FolderBlobs, OutboxMailer};
use portal_domain::ports::clock::SystemClock;
use portal_domain::ports::table::Table;
use portal_tests::conformance::{
    BlobsFixture, Delivered, FetchUrl, MailerFixture, SentMailbox, table::with_guard,
};
use portal_tests::{blobs_conformance, mailer_conformance, table_conformance};
use tempfile::TempDir;
use tokio::io::AsyncReadExt;

fn temp_dir() -> TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

async fn embedded_table() -> Arc<dyn Table> {
    let dir = temp_dir();
    let table = EmbeddedTable::open(&dir.path().join("table.redb")).expect("the table opens");
    with_guard(table, dir)
}

/// Where the fixture pretends the local portal listens; nothing is, as URLs are answered by
/// calling the route's logic directly.
const BASE_URL: &str = "http://portal.test";

async fn embedded_blobs() -> BlobsFixture {
    let dir = temp_dir();
    let blobs = FolderBlobs::new(
        dir.path().join("blobs"),
        format!("{BASE_URL}/"),
        *b"conformance-signing-key-32-bytes",
        Arc::new(SystemClock),
    );
    BlobsFixture {
        blobs: Arc::new(blobs.clone()),
        urls: Box::new(DownloadRoute { blobs, _dir: dir }),
    }
}

/// Answers a URL as the local portal's `GET /blobs/{*key}` route does.
struct DownloadRoute {
    blobs: FolderBlobs,
    _dir: TempDir,
}

#[async_trait]
impl FetchUrl for DownloadRoute {
    async fn fetch(&self, url: &str) -> (u16, Bytes) {
        let Some(path_and_query) = url.strip_prefix(BASE_URL) else {
            return (404, Bytes::new());
        };
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let Some(raw_key) = path.strip_prefix("/blobs/") else {
            return (404, Bytes::new());
        };
        // The router hands the handler the percent-decoded path.
        let Ok(key) = percent_decode_str(raw_key).decode_utf8() else {
            return (400, Bytes::new());
        };
        match self.blobs.open_signed(&key, query).await {
            Ok(blob) => {
                let mut body = Vec::new();
                let read = blob.file.take(blob.length).read_to_end(&mut body).await;
                read.expect("the opened blob reads");
                (200, body.into())
            }
            Err(refusal) => (refusal.status(), Bytes::new()),
        }
    }
}

async fn embedded_mailer() -> MailerFixture {
    let dir = temp_dir();
    let outbox = OutboxMailer::new(dir.path().join("outbox"));
    MailerFixture {
        mailer: Arc::new(outbox.clone()),
        mailbox: Box::new(Outbox { outbox, _dir: dir }),
    }
}

struct Outbox {
    outbox: OutboxMailer,
    _dir: TempDir,
}

#[async_trait]
impl SentMailbox for Outbox {
    async fn delivered(&self) -> Vec<Delivered> {
        let sent = self.outbox.list().await.expect("the outbox lists");
        sent.into_iter()
            .map(|sent| Delivered {
                to: sent.email.to,
                subject: sent.email.subject,
                text: sent.email.text,
            })
            .collect()
    }
}

table_conformance!(embedded_table);
blobs_conformance!(embedded_blobs);
mailer_conformance!(embedded_mailer);
