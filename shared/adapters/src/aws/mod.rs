//! AWS adapters of the ports: [`DynamoTable`] (DynamoDB), [`S3Blobs`] (S3), [`SesMailer`] (SES v2),
//! with [`config`] to build their clients once per process and [`provision`] to create the table
//! and bucket the way the SAM template does (for the emulator and the local bootstrap).

pub mod config;
mod dynamo;
pub mod provision;
mod s3;
mod ses;

pub use dynamo::DynamoTable;
pub use s3::S3Blobs;
pub use ses::SesMailer;

/// An error an adapter meets that is not the SDK's own (an answer it did not expect).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Unexpected(pub(crate) String);
