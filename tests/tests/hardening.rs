//! Issue 16, items 5, 7, 8 and 9: the local mail page stays on this machine, stored mail
//! loses its links once sent.

use portal_domain::keys;
use portal_domain::ports::Table as _;
use portal_tests::portal::{TestPortal, third_party};
use reqwest::StatusCode;

/// The stored queue item of every e-mail delivered so far.
async fn stored_mail(portal: &TestPortal) -> Vec<serde_json::Value> {
    let delivered = portal.get("/dev/mail.json").await.body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut stored = Vec::new();
    for mail in delivered {
        let id = mail["id"].as_str().expect("an id");
        let item = portal
            .running
            .table
            .get(&keys::email(id))
            .await
            .expect("the table answers")
            .expect("the queue item is kept for support");
        stored.push(serde_json::to_value(item).expect("an item is JSON"));
    }
    stored
}

/// A queued e-mail holds a working verification link until it is sent; after that the stored
/// item keeps who, what and when for support, and no link.
#[tokio::test]
async fn a_sent_mail_is_kept_without_its_body() {
    let portal = TestPortal::start().await;
    let answer = portal
        .post("/api/auth/register", third_party("ida@example.org"))
        .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED);
    assert_eq!(portal.deliver().await["sent"], 1);
    let stored = stored_mail(&portal).await;
    assert_eq!(stored.len(), 1);
    for item in stored {
        assert_eq!(item["status"], "sent");
        assert_eq!(item["to"], "ida@example.org");
        assert!(item["subject"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(item.get("text").is_none(), "text kept: {item}");
        assert!(item.get("html").is_none(), "html kept: {item}");
        assert!(!item.to_string().contains("token="), "a link kept: {item}");
    }
}

/// `/dev/mail` shows every reset link sent: a portal listening beyond loopback must not serve it.
#[tokio::test]
async fn dev_mail_is_off_when_the_portal_listens_beyond_loopback() {
    let portal = TestPortal::start_with(|options| {
        options.addr = "0.0.0.0:0".parse().expect("an address");
    })
    .await;
    let port = portal.running.addr.port();
    let http = reqwest::Client::new();
    for path in ["/dev/mail", "/dev/mail.json"] {
        let answer = http
            .get(format!("http://127.0.0.1:{port}{path}"))
            .send()
            .await
            .expect("an answer");
        assert_ne!(answer.status(), 200, "{path} is served beyond loopback");
    }
}

#[tokio::test]
async fn dev_mail_beyond_loopback_only_when_asked() {
    let portal = TestPortal::start_with(|options| {
        options.addr = "0.0.0.0:0".parse().expect("an address");
        options.dev_mail_beyond_loopback = true;
    })
    .await;
    let port = portal.running.addr.port();
    let answer = reqwest::get(format!("http://127.0.0.1:{port}/dev/mail.json"))
        .await
        .expect("an answer");
    assert_eq!(answer.status(), 200);
}

#[tokio::test]
async fn dev_mail_is_served_on_loopback() {
    let portal = TestPortal::start().await;
    assert_eq!(portal.get("/dev/mail.json").await.status, 200);
}
