//! Sending one e-mail. Delivery of the e-mails the domain records (the e-mail queue in the table)
//! is the `deliver-emails` function's job; the mailer only sends.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    /// Stable identifier of the event that caused the e-mail; the embedded outbox keys its files
    /// by it, so delivering the same e-mail twice leaves one message.
    pub id: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The recipient or message was refused for good (bad address, message rejected):
    /// retrying will not help.
    #[error("the message was rejected: {0}")]
    Rejected(String),
    /// The service could not be reached or failed; try again later.
    #[error("the mail service is unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    async fn send(&self, email: &Email) -> Result<(), MailError>;
}
