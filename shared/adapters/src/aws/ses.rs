//! The mailer port on Amazon SES (API v2, `SendEmail` with simple content).

use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use portal_domain::ports::mailer::{Email, MailError, Mailer};

const CHARSET: &str = "UTF-8";

/// The [`Mailer`] port on SES, sending from one verified identity.
#[derive(Debug, Clone)]
pub struct SesMailer {
    client: Client,
    from_address: String,
}

impl SesMailer {
    pub fn new(client: Client, from_address: String) -> Self {
        Self {
            client,
            from_address,
        }
    }

    pub fn from_address(&self) -> &str {
        &self.from_address
    }
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        let content = |data: &str| {
            Content::builder()
                .data(data)
                .charset(CHARSET)
                .build()
                .map_err(|err| MailError::Unavailable(Box::new(err)))
        };
        // An empty part is left out (SES refuses empty content).
        let part = |data: &str| (!data.is_empty()).then(|| content(data)).transpose();
        let body = Body::builder()
            .set_text(part(&email.text)?)
            .set_html(part(&email.html)?)
            .build();
        let message = Message::builder()
            .subject(content(&email.subject)?)
            .body(body)
            .build();
        self.client
            .send_email()
            .from_email_address(&self.from_address)
            .destination(Destination::builder().to_addresses(&email.to).build())
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await
            .map_err(send_error)?;
        Ok(())
    }
}

/// A message or recipient SES refuses for good is [`MailError::Rejected`]; anything else (the
/// account paused, throttling, the network, an unverified sending domain) may pass later.
fn send_error(err: SdkError<SendEmailError>) -> MailError {
    let rejected = match err.as_service_error() {
        Some(SendEmailError::MessageRejected(_) | SendEmailError::BadRequestException(_)) => true,
        // What moto answers for a malformed address (SES v1's code, through the v2 API).
        Some(other) => other.code() == Some("InvalidParameterValue"),
        None => false,
    };
    if rejected {
        MailError::Rejected(
            err.message()
                .unwrap_or("SES refused the message")
                .to_owned(),
        )
    } else {
        MailError::Unavailable(Box::new(err))
    }
}
