//! E-mails are queued with the change that causes them and delivered after commit: a failing
//! mail service never fails the request, and every e-mail arrives exactly once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use portal_adapters::embedded::OutboxMailer;
use portal_tests::portal::*;
use reqwest::StatusCode;

#[tokio::test]
async fn a_failed_send_is_retried_later_and_the_mail_arrives_once() {
    let flaky = Arc::new(std::sync::OnceLock::<Arc<FlakyMailer>>::new());
    let slot = flaky.clone();
    let portal = TestPortal::start_with(move |options| {
        let mailer = Arc::new(FlakyMailer {
            inner: Arc::new(OutboxMailer::new(options.data_dir.join("outbox"))),
            failures: AtomicUsize::new(2),
            attempts: AtomicUsize::new(0),
        });
        let _ = slot.set(mailer.clone());
        options.mailer = Some(mailer);
    })
    .await;
    let mailer = flaky.get().unwrap().clone();

    // The request succeeds although the mail service is down.
    let answer = portal
        .post("/api/auth/register", third_party("grace@example.org"))
        .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED);
    let first = portal.deliver().await;
    assert_eq!(
        (first["sent"].as_u64(), first["deferred"].as_u64()),
        (Some(0), Some(1))
    );
    // Not due again until its backoff has passed.
    assert_eq!(portal.deliver().await["deferred"], 0);
    assert_eq!(mailer.attempts.load(Ordering::SeqCst), 1);
    portal.advance(time::Duration::seconds(31));
    assert_eq!(portal.deliver().await["deferred"], 1);
    portal.advance(time::Duration::seconds(61));
    let third = portal.deliver().await;
    assert_eq!(third["sent"], 1);
    portal.advance(time::Duration::hours(2));
    assert_eq!(portal.deliver().await["sent"], 0, "sent once, never again");
    assert_eq!(portal.mail_to("grace@example.org").await.len(), 1);
    assert_eq!(mailer.attempts.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn two_deliveries_at_once_send_each_mail_once() {
    let portal = TestPortal::start().await;
    // Ten registrations: the most one address may make in an hour.
    for i in 0..10 {
        portal
            .post(
                "/api/auth/register",
                third_party(&format!("p{i}@example.org")),
            )
            .await;
    }
    let (a, b) = tokio::join!(
        portal.running.run_scheduled("deliver-emails"),
        portal.running.run_scheduled("deliver-emails")
    );
    let sent = a.unwrap()["sent"].as_u64().unwrap() + b.unwrap()["sent"].as_u64().unwrap();
    assert_eq!(sent, 10);
    let all = portal.get("/dev/mail.json").await.body;
    assert_eq!(all["items"].as_array().unwrap().len(), 10);
    let mut recipients: Vec<_> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["to"].as_str().unwrap().to_owned())
        .collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), 10);
    let page = portal
        .http
        .get(portal.url("/dev/mail"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Confirm your e-mail address"));
    let id = all["items"][0]["id"].as_str().unwrap();
    let message = portal
        .http
        .get(portal.url(&format!("/dev/mail/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        message.contains("<a href=\"http://127.0.0.1"),
        "links are clickable"
    );
}
