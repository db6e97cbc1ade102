//! People's own data (ACC-9): where a person is signed in, and ending one of those sessions.
//! The list shows each session's device, address and times under an id of its own, never the
//! token or its hash; only the person's own sessions are listed or can be ended.

use portal_domain::secrets::token_hash;
use portal_tests::portal::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::Duration;

const PHONE: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

/// Signs in again as this person from a phone: a second session.
async fn sign_in_from_phone(portal: &TestPortal, email: &str) -> Session {
    let answer = portal
        .send(
            Method::POST,
            "/api/auth/login",
            Some(json!({ "email": email, "password": PASSWORD, "session": "token" })),
            &[("user-agent", PHONE)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    session_of(&answer)
}

async fn sessions_of(portal: &TestPortal, who: &Session) -> Vec<Value> {
    let answer = portal
        .call(who, Method::GET, "/api/me/sessions", None)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    answer.body["items"].as_array().cloned().unwrap_or_default()
}

async fn end(portal: &TestPortal, who: &Session, id: &str) -> Answer {
    portal
        .call(who, Method::DELETE, &format!("/api/me/sessions/{id}"), None)
        .await
}

fn id_of(session: &Value) -> String {
    session["id"].as_str().expect("a session id").to_owned()
}

#[tokio::test]
async fn a_person_sees_where_they_are_signed_in_and_ends_another_session() {
    let portal = TestPortal::start().await;
    let laptop = portal.active_learner("ada@example.org", "A1234567").await;
    let phone = sign_in_from_phone(&portal, "ada@example.org").await;

    let listed = sessions_of(&portal, &laptop).await;
    assert_eq!(listed.len(), 2, "{listed:#?}");
    let (this, other): (Vec<_>, Vec<_>) = listed.iter().partition(|s| s["this_session"] == true);
    assert_eq!((this.len(), other.len()), (1, 1), "{listed:#?}");
    let other = other[0];
    assert_eq!(other["device"], "Chrome on Android");
    assert!(!other["address"].as_str().unwrap_or("").is_empty());
    assert!(other["signed_in_at"].is_string() && other["last_seen_at"].is_string());
    // Neither session's token nor its hash is in the list.
    let text = serde_json::to_string(&listed).unwrap();
    for token in [&laptop.token, &phone.token] {
        assert!(!text.contains(token.as_str()));
        assert!(!text.contains(&token_hash(token)));
    }
    // The phone sees the same two, with itself marked.
    let from_phone = sessions_of(&portal, &phone).await;
    let mine = from_phone
        .iter()
        .find(|s| s["this_session"] == true)
        .unwrap();
    assert_eq!(id_of(mine), id_of(other));

    let ended = end(&portal, &laptop, &id_of(other)).await;
    assert_eq!(ended.status, StatusCode::NO_CONTENT, "{:?}", ended.body);
    let me = portal.call(&phone, Method::GET, "/api/me", None).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    let left = sessions_of(&portal, &laptop).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["this_session"], true);
    // Ending it again finds nothing.
    let again = end(&portal, &laptop, &id_of(other)).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(again.is_problem());
}

#[tokio::test]
async fn ending_this_session_signs_out() {
    let portal = TestPortal::start().await;
    let laptop = portal.active_learner("ada@example.org", "A1234567").await;
    let listed = sessions_of(&portal, &laptop).await;
    let ended = end(&portal, &laptop, &id_of(&listed[0])).await;
    assert_eq!(ended.status, StatusCode::NO_CONTENT);
    let me = portal.call(&laptop, Method::GET, "/api/me", None).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn nobody_lists_or_ends_anothers_sessions_and_bad_ids_are_not_found() {
    let portal = TestPortal::start().await;
    let ada = portal.active_learner("ada@example.org", "A1234567").await;
    let bob = portal.active_third_party("bob@example.org").await;
    let adas = id_of(&sessions_of(&portal, &ada).await[0]);

    // Bob's list has only his session; Ada's id is not found for him, and hers goes on.
    let bobs = sessions_of(&portal, &bob).await;
    assert_eq!(bobs.len(), 1);
    assert_ne!(id_of(&bobs[0]), adas);
    let denied = end(&portal, &bob, &adas).await;
    assert_eq!(denied.status, StatusCode::NOT_FOUND, "{:?}", denied.body);
    assert!(denied.is_problem());
    let me = portal.call(&ada, Method::GET, "/api/me", None).await;
    assert_eq!(me.status, StatusCode::OK);

    for bad in [
        "not-an-id",
        "00000000-0000-4000-8000-000000000000",
        "%00",
        &"x".repeat(300),
    ] {
        let answer = end(&portal, &ada, bad).await;
        assert_eq!(
            answer.status,
            StatusCode::NOT_FOUND,
            "{bad}: {:?}",
            answer.body
        );
    }

    // Anonymous callers reach neither route.
    let anonymous = Session::anonymous();
    let list = portal
        .call(&anonymous, Method::GET, "/api/me/sessions", None)
        .await;
    assert_eq!(list.status, StatusCode::UNAUTHORIZED);
    let ending = end(&portal, &anonymous, &adas).await;
    assert_eq!(ending.status, StatusCode::UNAUTHORIZED);
    assert_eq!(sessions_of(&portal, &ada).await.len(), 1);
}

#[tokio::test]
async fn two_requests_ending_one_session_do_not_both_win() {
    let portal = TestPortal::start().await;
    let laptop = portal.active_learner("ada@example.org", "A1234567").await;
    let _phone = sign_in_from_phone(&portal, "ada@example.org").await;
    let listed = sessions_of(&portal, &laptop).await;
    let other = listed.iter().find(|s| s["this_session"] == false).unwrap();
    let id = id_of(other);
    let (first, second) = tokio::join!(end(&portal, &laptop, &id), end(&portal, &laptop, &id));
    let mut statuses = [first.status, second.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::NO_CONTENT, StatusCode::NOT_FOUND]);
}

#[tokio::test]
async fn last_seen_moves_at_most_once_a_minute_and_old_generations_drop_out() {
    let portal = TestPortal::start().await;
    let laptop = portal.active_learner("ada@example.org", "A1234567").await;
    let phone = sign_in_from_phone(&portal, "ada@example.org").await;
    let seen = |list: &[Value]| {
        list.iter()
            .find(|s| s["this_session"] == true)
            .map(|s| s["last_seen_at"].clone())
            .unwrap()
    };
    let first = seen(&sessions_of(&portal, &laptop).await);
    portal.advance(Duration::seconds(30));
    assert_eq!(seen(&sessions_of(&portal, &laptop).await), first);
    portal.advance(Duration::seconds(45));
    assert_ne!(seen(&sessions_of(&portal, &laptop).await), first);

    // A password change ends every other session: the list shows only the new one.
    let changed = portal
        .call(
            &phone,
            Method::POST,
            "/api/me/password",
            Some(json!({
                "current_password": PASSWORD,
                "new_password": "another long passphrase 42"
            })),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    let renewed = session_of(&changed);
    let listed = sessions_of(&portal, &renewed).await;
    assert_eq!(listed.len(), 1, "{listed:#?}");
    // The renewed session keeps the device it replaced.
    assert_eq!(listed[0]["device"], "Chrome on Android");
}
