//! The mailer suite: what the [`Mailer`] port sends arrives with its recipient, subject and text.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use portal_domain::ports::mailer::{Email, Mailer};

use super::unique_token;

/// A mailer under test and the mailbox its e-mails land in.
pub struct MailerFixture {
    pub mailer: Arc<dyn Mailer>,
    pub mailbox: Box<dyn SentMailbox>,
}

/// What the mail service delivered (the outbox folder, the emulator's record of sent mail).
#[async_trait]
pub trait SentMailbox: Send + Sync {
    async fn delivered(&self) -> Vec<Delivered>;
}

/// The parts of a delivered e-mail both adapters can show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// A mail service may deliver a moment after accepting; a mailbox is polled this long.
const DELIVERY_WAIT: Duration = Duration::from_secs(5);

fn email(subject: &str, to: &str) -> Email {
    let token = unique_token();
    Email {
        id: format!("conformance-{token}"),
        to: to.to_owned(),
        subject: format!("{subject} [{token}]"),
        text: format!(
            "Hello,\n\nconfirm your address: https://portal.example/verify?token={token}\n"
        ),
        html: format!(
            "<p>Confirm <a href=\"https://portal.example/verify?token={token}\">here</a>.</p>"
        ),
    }
}

fn delivered_form(email: &Email) -> Delivered {
    Delivered {
        to: email.to.clone(),
        subject: email.subject.clone(),
        text: email.text.clone(),
    }
}

/// Waits until every expected e-mail is in the mailbox.
async fn assert_delivered(mailbox: &dyn SentMailbox, expected: &[Delivered]) {
    let deadline = tokio::time::Instant::now() + DELIVERY_WAIT;
    loop {
        let delivered = mailbox.delivered().await;
        let missing: Vec<_> = expected.iter().filter(|e| !delivered.contains(e)).collect();
        if missing.is_empty() {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not delivered: {missing:#?}\ndelivered: {delivered:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn a_sent_email_is_delivered(fixture: MailerFixture) {
    let sent = email("Confirm your e-mail address", "learner@example.org");
    fixture.mailer.send(&sent).await.unwrap();
    assert_delivered(fixture.mailbox.as_ref(), &[delivered_form(&sent)]).await;
}

pub async fn two_emails_are_both_delivered(fixture: MailerFixture) {
    let first = email("Ihr Zertifikat ist fertig ✓", "learner@example.org");
    let second = email("A connection request", "employer@example.com");
    fixture.mailer.send(&first).await.unwrap();
    fixture.mailer.send(&second).await.unwrap();
    assert_delivered(
        fixture.mailbox.as_ref(),
        &[delivered_form(&first), delivered_form(&second)],
    )
    .await;
}
