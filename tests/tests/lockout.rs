//! Lock-out (ACC-4): five wrong passwords in a row pause signing in for a while that backs off
//! (15 minutes, doubling); the pause keeps the person's sessions, answers the same for
//! addresses without an account, ends with a password reset, and is told apart from an
//! administrator's lock.

use portal_tests::portal::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use time::Duration;

const WRONG: &str = "not the password at all";

fn retry_after(answer: &Answer) -> Option<u64> {
    answer
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// Four wrong passwords (401 each), then a fifth that locks: its answer.
async fn five_wrong(portal: &TestPortal, email: &str) -> Answer {
    for attempt in 1..=4 {
        let wrong = portal.login(email, WRONG).await;
        assert_eq!(
            wrong.status,
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}: {:?}",
            wrong.body
        );
    }
    portal.login(email, WRONG).await
}

#[tokio::test]
async fn a_pause_lasts_fifteen_minutes_then_doubles_and_keeps_the_sessions() {
    let portal = TestPortal::start().await;
    let session = portal.active_learner("ada@example.org", "A1234567").await;

    let fifth = five_wrong(&portal, "ada@example.org").await;
    assert_eq!(fifth.status, StatusCode::LOCKED, "{:?}", fifth.body);
    assert!(fifth.is_problem());
    assert_eq!(retry_after(&fifth), Some(15 * 60));
    let detail = fifth.body["detail"].as_str().unwrap();
    assert!(detail.contains("15 minutes"), "{detail}");
    assert!(detail.contains("Forgotten your password?"), "{detail}");

    // Even the right password waits; the person's session goes on.
    portal.advance(Duration::minutes(10));
    let right = portal.login("ada@example.org", PASSWORD).await;
    assert_eq!(right.status, StatusCode::LOCKED);
    assert_eq!(retry_after(&right), Some(5 * 60));
    let me = portal.call(&session, Method::GET, "/api/me", None).await;
    assert_eq!(me.status, StatusCode::OK, "{:?}", me.body);

    // The e-mail says when it ends and that a reset is one way, not the only one.
    let mail = portal.mail_to("ada@example.org").await;
    let paused = mail
        .iter()
        .find(|m| m["subject"] == "Sign-in to your account is paused")
        .expect("the pause is e-mailed");
    let text = paused["text"].as_str().unwrap();
    assert!(text.contains("paused until"), "{text}");
    assert!(
        text.contains("You can sign in as usual after that"),
        "{text}"
    );
    assert!(!text.contains("to unlock it"), "{text}");

    // After the pause, the right password works again. (Each burst of attempts is 15 minutes
    // after the last, under the per-address rate limit.)
    portal.advance(Duration::minutes(5));
    assert_eq!(
        portal.login("ada@example.org", PASSWORD).await.status,
        StatusCode::OK
    );

    // A success starts the count again: four wrong, a right one, four wrong, no lock.
    for _ in 0..4 {
        assert_eq!(
            portal.login("ada@example.org", WRONG).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    portal.advance(Duration::minutes(15));
    assert_eq!(
        portal.login("ada@example.org", PASSWORD).await.status,
        StatusCode::OK
    );
    for _ in 0..4 {
        assert_eq!(
            portal.login("ada@example.org", WRONG).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // The fifth in a row locks again, and the second lock (the same day) lasts twice as long,
    // the third four times.
    portal.advance(Duration::minutes(15));
    let second = portal.login("ada@example.org", WRONG).await;
    assert_eq!(second.status, StatusCode::LOCKED);
    assert_eq!(retry_after(&second), Some(30 * 60));
    portal.advance(Duration::minutes(31));
    let third = five_wrong(&portal, "ada@example.org").await;
    assert_eq!(retry_after(&third), Some(60 * 60));
    let detail = third.body["detail"].as_str().unwrap();
    assert!(detail.contains("60 minutes"), "{detail}");

    // A day after the last lock, all is forgotten: the next lock is 15 minutes again.
    portal.advance(Duration::hours(26));
    let fresh = five_wrong(&portal, "ada@example.org").await;
    assert_eq!(retry_after(&fresh), Some(15 * 60));
}

#[tokio::test]
async fn administrators_see_a_pause_only_while_it_lasts() {
    let portal = TestPortal::start().await;
    let admin = portal.admin().await;
    let ada = portal.active_learner("ada@example.org", "A1234567").await;
    let id = ada.user["id"].as_str().unwrap().to_owned();
    let detail = format!("/api/admin/users/{id}");
    let list = "/api/admin/users?q=ada%40example.org";

    let fifth = five_wrong(&portal, "ada@example.org").await;
    assert_eq!(fifth.status, StatusCode::LOCKED);
    let paused = portal.call(&admin, Method::GET, &detail, None).await;
    assert_eq!(paused.body["locked"], true, "{:?}", paused.body);
    let until = paused.body["locked_until"].as_str().unwrap_or_default();
    assert!(
        time::OffsetDateTime::parse(until, &time::format_description::well_known::Rfc3339).is_ok(),
        "{until}"
    );
    let listed = portal.call(&admin, Method::GET, list, None).await;
    assert_eq!(listed.body["items"][0]["locked"], true, "{:?}", listed.body);

    // Once the pause has run out the account is not shown as locked, though nobody has signed
    // in since to clear the flag.
    portal.advance(Duration::minutes(15) + Duration::seconds(1));
    let over = portal.call(&admin, Method::GET, &detail, None).await;
    assert_eq!(over.body["locked"], false, "{:?}", over.body);
    assert!(over.body["locked_until"].is_null(), "{:?}", over.body);
    assert_eq!(over.body["failed_logins"], 5);
    let listed = portal.call(&admin, Method::GET, list, None).await;
    assert_eq!(
        listed.body["items"][0]["locked"], false,
        "{:?}",
        listed.body
    );
}

#[tokio::test]
async fn an_address_without_an_account_answers_exactly_as_one_with_an_account() {
    let portal = TestPortal::start().await;
    portal.active_learner("ada@example.org", "A1234567").await;
    // Late in a UTC day, so that a count by calendar day would show at midnight.
    let now = now(&portal);
    let to_midnight = Duration::days(1) - (now - now.replace_time(time::Time::MIDNIGHT));
    portal.advance(to_midnight - Duration::minutes(5));

    let compare = |known: Answer, unknown: Answer, what: &str| {
        assert_eq!(known.status, unknown.status, "{what}");
        assert_eq!(known.body, unknown.body, "{what}");
        assert_eq!(retry_after(&known), retry_after(&unknown), "{what}");
        known.status
    };
    for attempt in 1..=5 {
        let known = portal.login("ada@example.org", WRONG).await;
        let unknown = portal.login("nobody@example.org", WRONG).await;
        let status = compare(known, unknown, &format!("attempt {attempt}"));
        let expected = if attempt < 5 {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::LOCKED
        };
        assert_eq!(status, expected, "attempt {attempt}");
    }
    // Past midnight, still paused alike; after the pause, alike again, and the second lock
    // backs off alike.
    portal.advance(Duration::minutes(10));
    let known = portal.login("ada@example.org", WRONG).await;
    let unknown = portal.login("nobody@example.org", WRONG).await;
    assert_eq!(
        compare(known, unknown, "after midnight"),
        StatusCode::LOCKED
    );
    portal.advance(Duration::minutes(6));
    for attempt in 1..=5 {
        let known = portal.login("ada@example.org", WRONG).await;
        let unknown = portal.login("nobody@example.org", WRONG).await;
        compare(known, unknown, &format!("second round, attempt {attempt}"));
    }
    let known = portal.login("ada@example.org", WRONG).await;
    assert_eq!(retry_after(&known).map(|s| s > 15 * 60), Some(true));
}

#[tokio::test]
async fn a_reset_ends_a_pause_and_an_administrators_lock_says_it_is_one() {
    let portal = TestPortal::start().await;
    let admin = portal.admin().await;
    let ada = portal.active_learner("ada@example.org", "A1234567").await;
    let id = ada.user["id"].as_str().unwrap().to_owned();

    assert_eq!(
        five_wrong(&portal, "ada@example.org").await.status,
        StatusCode::LOCKED
    );
    let forgot = portal
        .post(
            "/api/auth/forgot-password",
            json!({ "email": "ada@example.org" }),
        )
        .await;
    assert_eq!(forgot.status, StatusCode::ACCEPTED);
    let token = portal
        .token_from_mail("ada@example.org", "/reset-password")
        .await;
    let new_password = "a brand new passphrase for me";
    let reset = portal
        .post(
            "/api/auth/reset-password",
            json!({ "token": token, "password": new_password }),
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{:?}", reset.body);
    let ada = portal.sign_in("ada@example.org", new_password).await;

    // An administrator's lock: told as such, no time to wait, no "set a new password"; it does
    // end the person's sessions.
    let locked = portal
        .call(
            &admin,
            Method::POST,
            &format!("/api/admin/users/{id}/lock"),
            None,
        )
        .await;
    assert_eq!(locked.status, StatusCode::OK, "{:?}", locked.body);
    let refused = portal.login("ada@example.org", new_password).await;
    assert_eq!(refused.status, StatusCode::LOCKED);
    assert_eq!(retry_after(&refused), None);
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(detail.contains("locked by the awarding body"), "{detail}");
    assert!(detail.contains("contact support"), "{detail}");
    assert!(!detail.to_lowercase().contains("password"), "{detail}");
    assert_eq!(
        portal.call(&ada, Method::GET, "/api/me", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    // A wrong password on an administrator's lock says the same (it counts nothing).
    let wrong = portal.login("ada@example.org", WRONG).await;
    assert_eq!((wrong.status, &wrong.body), (refused.status, &refused.body));
}

#[tokio::test]
async fn wrong_passwords_cannot_sign_the_first_administrator_out() {
    let portal = TestPortal::start().await;
    let admin = portal.admin().await;
    let fifth = five_wrong(&portal, ADMIN_EMAIL).await;
    assert_eq!(fifth.status, StatusCode::LOCKED);
    let users = portal
        .call(&admin, Method::GET, "/api/admin/users?q=admin", None)
        .await;
    assert_eq!(users.status, StatusCode::OK, "{:?}", users.body);
    // And the pause ends on its own.
    portal.advance(Duration::minutes(16));
    portal.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
}
