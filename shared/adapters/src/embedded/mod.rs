//! Embedded adapters, for the local portal: a redb file, a folder of blobs, an outbox folder.
//! Each keeps the semantics of its AWS counterpart (the conformance suites in `portal-tests`
//! run against both) and is durable: what a call acknowledged survives the process being killed.

mod blobs;
mod mailer;
mod payments;
mod table;

pub use blobs::{FolderBlobs, SignedBlob, SignedUrlError, content_disposition};
pub use mailer::{OutboxMailer, SentEmail};
pub use payments::{Delivery, LocalPayError, LocalPayments, LocalSession, Outcome, SessionStatus};
pub use table::EmbeddedTable;
