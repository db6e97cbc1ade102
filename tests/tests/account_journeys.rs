//! Whole account journeys over real HTTP against the local portal.

use portal_tests::portal::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_matched_learner_registers_verifies_by_email_and_signs_in() {
    let portal = TestPortal::start().await;
    portal
        .import_learner_with_email(
            "A1234567",
            ("Ada", "Lovelace"),
            "1990-12-10",
            "ada@example.org",
        )
        .await;
    // Records match on folded names: accents, case and punctuation do not matter.
    let registration = json!({
        "kind": "learner", "email": "Ada@Example.org", "password": PASSWORD,
        "first_name": " ADA ", "last_name": "lovelace", "date_of_birth": "1990-12-10", "enrolment_number": "a1234567"
    });
    let answer = portal.post("/api/auth/register", registration).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED);
    // Not active before the link is followed.
    assert_eq!(
        portal.login("ada@example.org", PASSWORD).await.status,
        StatusCode::FORBIDDEN
    );

    let token = portal
        .token_from_mail("ada@example.org", "/verify-email")
        .await;
    let verified = portal
        .post("/api/auth/verify-email", json!({ "token": token }))
        .await;
    assert_eq!(verified.status, StatusCode::OK);
    assert_eq!(verified.body["status"], "active");

    let session = portal.sign_in("ada@example.org", PASSWORD).await;
    let me = portal.call(&session, Method::GET, "/api/me", None).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["kind"], "learner");
    assert_eq!(me.body["email"], "ada@example.org");
    assert_eq!(me.body["enrolment_number"], "A1234567");
    assert_eq!(me.body["third_party_search_opt_in"], false);

    // The link works once.
    let again = portal
        .post("/api/auth/verify-email", json!({ "token": token }))
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again.fields(), ["token"]);
    assert!(
        again.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already been used")
    );
}

#[tokio::test]
async fn a_mismatched_learner_waits_for_review_and_signs_in_once_approved() {
    let portal = TestPortal::start().await;
    portal
        .import_learner("B7654321", "Ada", "Lovelace", "1990-12-10")
        .await;
    // Wrong date of birth: no exact match.
    let mut registration = learner("ada@example.org", "B7654321");
    registration["date_of_birth"] = json!("1990-12-11");
    let verified = portal.register_and_verify(registration).await;
    assert_eq!(verified.body["status"], "pending_review");
    let mails = portal.mail_to("ada@example.org").await;
    assert!(
        mails
            .iter()
            .any(|m| m["subject"] == "Your registration will be checked")
    );
    let refused = portal.login("ada@example.org", PASSWORD).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("being checked")
    );

    let admin = portal.admin().await;
    let pending = portal
        .call(&admin, Method::GET, "/api/admin/registrations", None)
        .await;
    assert_eq!(pending.status, StatusCode::OK);
    let items = pending.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["account"]["date_of_birth"], "1990-12-11");
    assert_eq!(
        items[0]["closest_learner_records"][0]["enrolment_number"],
        "B7654321"
    );
    assert_eq!(
        items[0]["closest_learner_records"][0]["date_of_birth"],
        "1990-12-10"
    );
    let id = items[0]["account"]["id"].as_str().unwrap();

    let approved = portal
        .call(
            &admin,
            Method::POST,
            &format!("/api/admin/registrations/{id}/approve"),
            Some(json!({ "enrolment_number": "B7654321" })),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);
    assert_eq!(approved.body["status"], "active");
    // Linked to the record, whose details win.
    assert_eq!(approved.body["date_of_birth"], "1990-12-10");
    assert!(
        portal
            .mail_to("ada@example.org")
            .await
            .iter()
            .any(|m| m["subject"] == "Your account is ready")
    );
    portal.sign_in("ada@example.org", PASSWORD).await;
    let after = portal
        .call(&admin, Method::GET, "/api/admin/registrations", None)
        .await;
    assert_eq!(after.body["items"].as_array().unwrap().len(), 0);
    // Deciding twice is a conflict, not a second change.
    let twice = portal
        .call(
            &admin,
            Method::POST,
            &format!("/api/admin/registrations/{id}/approve"),
            Some(json!({ "enrolment_number": "B7654321" })),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    // The decision, once, in the audit log: who approved whom, linked to which record.
    let log = portal
        .call(
            &admin,
            Method::GET,
            "/api/admin/audit?action=registration.",
            None,
        )
        .await;
    let decisions: Vec<_> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].clone(),
                e["target"].clone(),
                e["detail"].clone(),
            )
        })
        .collect();
    assert_eq!(
        decisions,
        [(json!("registration.approve"), json!(id), json!("B7654321"))]
    );
}

#[tokio::test]
async fn a_rejected_registration_is_told_why_and_the_address_is_free_again() {
    let portal = TestPortal::start().await;
    let verified = portal
        .register_and_verify(learner("nobody@example.org", "Z9999999"))
        .await;
    assert_eq!(verified.body["status"], "pending_review");
    let admin = portal.admin().await;
    let pending = portal
        .call(&admin, Method::GET, "/api/admin/registrations", None)
        .await;
    let id = pending.body["items"][0]["account"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let missing_reason = portal
        .call(
            &admin,
            Method::POST,
            &format!("/api/admin/registrations/{id}/reject"),
            Some(json!({})),
        )
        .await;
    assert_eq!(missing_reason.fields(), ["reason"]);
    let rejected = portal
        .call(
            &admin,
            Method::POST,
            &format!("/api/admin/registrations/{id}/reject"),
            Some(json!({ "reason": "No learner with this enrolment number." })),
        )
        .await;
    assert_eq!(rejected.status, StatusCode::OK);
    assert_eq!(rejected.body["status"], "rejected");
    let log = portal
        .call(
            &admin,
            Method::GET,
            "/api/admin/audit?action=registration.",
            None,
        )
        .await;
    assert_eq!(log.body["items"][0]["action"], "registration.reject");
    assert_eq!(
        log.body["items"][0]["detail"],
        "No learner with this enrolment number."
    );
    let mail = portal.mail_to("nobody@example.org").await;
    let rejection = mail
        .iter()
        .find(|m| m["subject"] == "Your registration could not be approved")
        .expect("a rejection e-mail");
    assert!(
        rejection["text"]
            .as_str()
            .unwrap()
            .contains("No learner with this enrolment number.")
    );
    // The person can register again with the right details.
    portal
        .import_learner_with_email(
            "Z1111111",
            ("Ada", "Lovelace"),
            "1990-12-10",
            "nobody@example.org",
        )
        .await;
    let again = portal
        .register_and_verify(learner("nobody@example.org", "Z1111111"))
        .await;
    assert_eq!(again.body["status"], "active");
}

#[tokio::test]
async fn third_parties_need_no_match_and_centre_users_are_approved_by_their_centre() {
    let portal = TestPortal::start().await;
    let tp = portal
        .active_third_party("grace@employer.example.com")
        .await;
    let me = portal.call(&tp, Method::GET, "/api/me", None).await;
    assert_eq!(me.body["kind"], "third_party");
    assert_eq!(me.body["company"], "Example Employer Ltd");
    assert_eq!(
        me.body["third_party_search_opt_in"],
        serde_json::Value::Null
    );

    portal
        .import_centre(
            "C12345",
            "Northfield College",
            "exams@northfield.example.ac.uk",
        )
        .await;
    let matched = portal
        .approved_centre_user(centre_user(
            "alan@northfield.example.ac.uk",
            "c12345",
            "NORTHFIELD  college",
        ))
        .await;
    assert_eq!(matched.body["status"], "active");
    let centre = portal
        .sign_in("alan@northfield.example.ac.uk", PASSWORD)
        .await;
    assert_eq!(centre.user["kind"], "centre");
    assert_eq!(centre.user["centre_number"], "C12345");

    // Right number and name from an address outside the centre's domain: reviewed.
    let outsider = portal
        .register_and_verify(centre_user(
            "alan@gmail.example.com",
            "C12345",
            "Northfield College",
        ))
        .await;
    assert_eq!(outsider.body["status"], "pending_review");
    let admin = portal.admin().await;
    let pending = portal
        .call(&admin, Method::GET, "/api/admin/registrations", None)
        .await;
    assert_eq!(
        pending.body["items"][0]["closest_centre_records"][0]["centre_number"],
        "C12345"
    );
}

#[tokio::test]
async fn five_wrong_passwords_pause_even_the_right_one_until_a_reset() {
    let portal = TestPortal::start().await;
    let before = portal.active_learner("ada@example.org", "A1234567").await;
    for attempt in 1..=4 {
        let wrong = portal
            .login("ada@example.org", "not my password at all")
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let fifth = portal
        .login("ada@example.org", "not my password at all")
        .await;
    assert_eq!(fifth.status, StatusCode::LOCKED);
    let right = portal.login("ada@example.org", PASSWORD).await;
    assert_eq!(right.status, StatusCode::LOCKED);
    assert!(right.body["detail"].as_str().unwrap().contains("Forgotten"));
    // The pause does not end the person's sessions: anyone can type wrong passwords.
    assert_eq!(
        portal
            .call(&before, Method::GET, "/api/me", None)
            .await
            .status,
        StatusCode::OK
    );
    assert!(
        portal
            .mail_to("ada@example.org")
            .await
            .iter()
            .any(|m| m["subject"] == "Sign-in to your account is paused")
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
    assert_eq!(
        portal.login("ada@example.org", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    portal.sign_in("ada@example.org", new_password).await;
    let reused = portal
        .post(
            "/api/auth/reset-password",
            json!({ "token": token, "password": "yet another passphrase here" }),
        )
        .await;
    assert_eq!(reused.fields(), ["token"]);
}

#[tokio::test]
async fn a_reset_ends_every_session_and_a_change_ends_the_others() {
    let portal = TestPortal::start().await;
    let phone = portal.active_learner("ada@example.org", "A1234567").await;
    let laptop = portal.sign_in("ada@example.org", PASSWORD).await;

    let changed = portal.call(&laptop, Method::POST, "/api/me/password", Some(json!({ "current_password": PASSWORD, "new_password": "second passphrase of mine" }))).await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    let laptop = session_of(&changed);
    assert_eq!(
        portal
            .call(&phone, Method::GET, "/api/me", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        portal
            .call(&laptop, Method::GET, "/api/me", None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        portal.login("ada@example.org", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    let wrong_current = portal.call(&laptop, Method::POST, "/api/me/password", Some(json!({ "current_password": "not it at all", "new_password": "third passphrase of mine" }))).await;
    assert_eq!(wrong_current.fields(), ["current_password"]);

    portal
        .post(
            "/api/auth/forgot-password",
            json!({ "email": "ada@example.org" }),
        )
        .await;
    let token = portal
        .token_from_mail("ada@example.org", "/reset-password")
        .await;
    let reset = portal
        .post(
            "/api/auth/reset-password",
            json!({ "token": token, "password": "third passphrase of mine" }),
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK);
    assert_eq!(
        portal
            .call(&laptop, Method::GET, "/api/me", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        portal
            .mail_to("ada@example.org")
            .await
            .iter()
            .filter(|m| m["subject"] == "Your password was changed")
            .count()
            == 2
    );
}

#[tokio::test]
async fn logout_ends_the_session_and_sessions_time_out() {
    let portal = TestPortal::start().await;
    let session = portal.active_learner("ada@example.org", "A1234567").await;
    let out = portal
        .call(&session, Method::POST, "/api/auth/logout", None)
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(
        out.headers["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(
        portal
            .call(&session, Method::GET, "/api/me", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // Idle: 30 minutes without a request.
    let idle = portal.sign_in("ada@example.org", PASSWORD).await;
    portal.advance(time::Duration::minutes(29));
    assert_eq!(
        portal
            .call(&idle, Method::GET, "/api/me", None)
            .await
            .status,
        StatusCode::OK
    );
    portal.advance(time::Duration::minutes(29));
    assert_eq!(
        portal
            .call(&idle, Method::GET, "/api/me", None)
            .await
            .status,
        StatusCode::OK,
        "activity keeps it alive"
    );
    portal.advance(time::Duration::minutes(31));
    assert_eq!(
        portal
            .call(&idle, Method::GET, "/api/me", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // Absolute: 12 hours whatever happens.
    let busy = portal.sign_in("ada@example.org", PASSWORD).await;
    for _ in 0..25 {
        portal.advance(time::Duration::minutes(29));
        if portal
            .call(&busy, Method::GET, "/api/me", None)
            .await
            .status
            != StatusCode::OK
        {
            break;
        }
    }
    assert_eq!(
        portal
            .call(&busy, Method::GET, "/api/me", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn links_expire_and_garbage_is_not_a_link() {
    let portal = TestPortal::start().await;
    portal
        .post("/api/auth/register", third_party("late@example.org"))
        .await;
    let token = portal
        .token_from_mail("late@example.org", "/verify-email")
        .await;
    portal.advance(time::Duration::hours(25));
    let expired = portal
        .post("/api/auth/verify-email", json!({ "token": token }))
        .await;
    assert_eq!(expired.fields(), ["token"]);
    assert!(
        expired.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    let garbage = portal
        .post("/api/auth/verify-email", json!({ "token": "not-a-token" }))
        .await;
    assert!(
        garbage.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not valid")
    );
    let missing = portal.post("/api/auth/verify-email", json!({})).await;
    assert_eq!(missing.fields(), ["token"]);
    // Registering again sends a fresh link to the unconfirmed registration.
    portal
        .post("/api/auth/register", third_party("late@example.org"))
        .await;
    let fresh = portal
        .token_from_mail("late@example.org", "/verify-email")
        .await;
    assert_ne!(fresh, token);
    assert_eq!(
        portal
            .post("/api/auth/verify-email", json!({ "token": fresh }))
            .await
            .body["status"],
        "active"
    );
}

#[tokio::test]
async fn unconfirmed_registrations_are_cleaned_up_after_a_week() {
    let portal = TestPortal::start().await;
    portal
        .post("/api/auth/register", third_party("ghost@example.org"))
        .await;
    portal
        .post("/api/auth/register", third_party("real@example.org"))
        .await;
    let token = portal
        .token_from_mail("real@example.org", "/verify-email")
        .await;
    portal
        .post("/api/auth/verify-email", json!({ "token": token }))
        .await;
    portal.advance(time::Duration::days(8));
    let report = portal
        .running
        .run_scheduled("cleanup-registrations")
        .await
        .unwrap();
    assert_eq!(report["removed"], 1);
    assert_eq!(report["settled"], 1);
    let again = portal
        .running
        .run_scheduled("cleanup-registrations")
        .await
        .unwrap();
    assert_eq!(again["removed"], 0, "running twice changes nothing more");
    // The confirmed account is untouched; the ghost's address can register anew.
    portal.sign_in("real@example.org", PASSWORD).await;
    let admin = portal.admin().await;
    let found = portal
        .call(&admin, Method::GET, "/api/admin/users?q=ghost", None)
        .await;
    assert_eq!(found.body["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn a_new_email_address_takes_effect_once_confirmed_from_it() {
    let portal = TestPortal::start().await;
    let grace = portal.active_third_party("grace@example.org").await;
    portal.active_third_party("taken@example.org").await;
    let asked = portal
        .call(
            &grace,
            Method::PATCH,
            "/api/me",
            Some(json!({ "email": "Grace.New@Example.org", "current_password": PASSWORD })),
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK);
    assert_eq!(
        asked.body["email"], "grace@example.org",
        "unchanged until confirmed"
    );
    assert_eq!(asked.body["pending_email"], "grace.new@example.org");
    let token = portal
        .token_from_mail("grace.new@example.org", "/verify-email")
        .await;
    let confirmed = portal
        .post("/api/auth/verify-email", json!({ "token": token }))
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{:?}", confirmed.body);
    assert!(
        portal
            .mail_to("grace@example.org")
            .await
            .iter()
            .any(|m| m["subject"] == "Your e-mail address was changed")
    );
    assert_eq!(
        portal.login("grace@example.org", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    let me = portal.sign_in("grace.new@example.org", PASSWORD).await;
    assert_eq!(me.user["email"], "grace.new@example.org");
    assert_eq!(me.user["pending_email"], serde_json::Value::Null);
    // The old address is free for a new account; an address in use cannot be taken.
    assert_eq!(
        portal
            .register_and_verify(third_party("grace@example.org"))
            .await
            .body["status"],
        "active"
    );
    portal
        .call(
            &me,
            Method::PATCH,
            "/api/me",
            Some(json!({ "email": "taken@example.org", "current_password": PASSWORD })),
        )
        .await;
    let token = portal
        .token_from_mail("taken@example.org", "/verify-email")
        .await;
    let refused = portal
        .post("/api/auth/verify-email", json!({ "token": token }))
        .await;
    assert_eq!(refused.fields(), ["token"]);
    assert!(
        refused.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already used")
    );
    assert_eq!(
        portal
            .call(
                &me,
                Method::PATCH,
                "/api/me",
                Some(json!({ "email": "not an address", "current_password": PASSWORD }))
            )
            .await
            .fields(),
        ["email"]
    );
}

#[tokio::test]
async fn a_learner_record_links_to_one_account_only() {
    let portal = TestPortal::start().await;
    portal.active_learner("ada@example.org", "A1234567").await;
    // Somebody else who knows Ada's name, birthday and enrolment number is not let in.
    let copycat = portal
        .register_and_verify(learner("not.ada@example.org", "A1234567"))
        .await;
    assert_eq!(copycat.body["status"], "pending_review");
    let admin = portal.admin().await;
    let pending = portal
        .call(&admin, Method::GET, "/api/admin/registrations", None)
        .await;
    let id = pending.body["items"][0]["account"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Ada's record (already linked), a record that does not exist, and none at all.
    for link in [
        json!({ "enrolment_number": "A1234567" }),
        json!({ "enrolment_number": "Z0000000" }),
        json!({}),
    ] {
        let refused = portal
            .call(
                &admin,
                Method::POST,
                &format!("/api/admin/registrations/{id}/approve"),
                Some(link.clone()),
            )
            .await;
        assert_eq!(refused.fields(), ["enrolment_number"], "{link}");
    }
    assert_eq!(
        portal.login("not.ada@example.org", PASSWORD).await.status,
        StatusCode::FORBIDDEN
    );
}
