//! The ways into someone else's account a security review found (issue 16: 1, 2, 6 and the
//! first points of 9), each closed: journeys over HTTP against the local portal.

use portal_tests::connections::{GRACE, active_connection, ada_with_documents, expect};
use portal_tests::portal::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const CENTRE_NUMBER: &str = "C-7001";
const CENTRE_NAME: &str = "Northgate College";
const CENTRE_ADDRESS: &str = "exams@northgate.test";

fn message(answer: &Answer) -> String {
    answer.body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn subjects(portal: &TestPortal, to: &str) -> Vec<String> {
    portal
        .mail_to(to)
        .await
        .iter()
        .map(|m| m["subject"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn pending_ids(portal: &TestPortal, admin: &Session) -> Vec<String> {
    let pending = portal
        .call(admin, Method::GET, "/api/admin/registrations", None)
        .await;
    pending.body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|i| {
            i["account"]["email"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

// 1. Centre accounts are approved by the centre's central address, not by an e-mail domain.

#[tokio::test]
async fn a_centre_user_at_the_centres_domain_waits_for_the_central_address_to_approve() {
    let portal = TestPortal::start().await;
    portal
        .import_centre(CENTRE_NUMBER, CENTRE_NAME, CENTRE_ADDRESS)
        .await;
    let alan = "alan@northgate.test";
    let verified = portal
        .register_and_verify(centre_user(alan, CENTRE_NUMBER, CENTRE_NAME))
        .await;
    // Today's code made this account active at once: same domain, public number and name.
    assert_eq!(
        verified.body["status"], "pending_review",
        "{:?}",
        verified.body
    );
    assert_eq!(verified.body["centre_asked"], true);
    assert_eq!(
        portal.login(alan, PASSWORD).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(
        subjects(&portal, alan)
            .await
            .contains(&"Your centre has been asked to approve you".to_owned())
    );
    let asked = portal.mail_to(CENTRE_ADDRESS).await;
    let request = asked.last().expect("the centre is asked");
    let text = request["text"].as_str().unwrap();
    assert!(
        text.contains("Alan Turing") && text.contains(alan),
        "{text}"
    );
    assert!(
        text.contains("Their address is at your centre's domain."),
        "{text}"
    );
    assert!(text.contains("/centre-approval?token="), "{text}");

    // Bad input names its fields, and spends nothing.
    let empty = portal.post("/api/auth/centre-approval", json!({})).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.is_problem());
    assert_eq!(empty.fields(), ["decision", "token"]);
    let token = portal.token_from_mail_about(alan, "/centre-approval").await;
    let odd = portal
        .post(
            "/api/auth/centre-approval",
            json!({ "token": token, "decision": "maybe" }),
        )
        .await;
    assert_eq!(odd.fields(), ["decision"]);
    let forged = portal
        .post(
            "/api/auth/centre-approval",
            json!({ "token": "A".repeat(43), "decision": "approve" }),
        )
        .await;
    assert_eq!(forged.fields(), ["token"]);
    // A verification or reset link is not an approval link.
    let wrong_kind = portal
        .post(
            "/api/auth/centre-approval",
            json!({ "token": portal.token_from_mail(alan, "/verify-email").await, "decision": "approve" }),
        )
        .await;
    assert_eq!(wrong_kind.fields(), ["token"]);
    assert_eq!(
        portal.login(alan, PASSWORD).await.status,
        StatusCode::FORBIDDEN
    );

    let approved = portal
        .post(
            "/api/auth/centre-approval",
            json!({ "token": token, "decision": "approve" }),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);
    assert_eq!(approved.body["status"], "active");
    assert_eq!(approved.body["email"], alan);
    assert_eq!(approved.body["name"], "Alan Turing");
    assert!(
        subjects(&portal, alan)
            .await
            .contains(&"Your account is ready".to_owned())
    );
    let again = portal
        .post(
            "/api/auth/centre-approval",
            json!({ "token": token, "decision": "decline" }),
        )
        .await;
    assert_eq!(again.fields(), ["token"]);
    assert!(
        message(&again).contains("already been used"),
        "{:?}",
        again.body
    );
    assert_ne!(
        portal.login(alan, PASSWORD).await.status,
        StatusCode::FORBIDDEN
    );
    let admin = portal.admin().await;
    assert!(pending_ids(&portal, &admin).await.is_empty());
}

#[tokio::test]
async fn a_centre_declines_freemail_never_counts_and_an_administrator_can_decide_first() {
    let portal = TestPortal::start().await;
    // A small centre whose central address is at a freemail domain.
    portal
        .import_centre("C-7002", "Hillside Training", "hillside.training@gmail.com")
        .await;
    let eve = "eve@gmail.com";
    let verified = portal
        .register_and_verify(centre_user(eve, "C-7002", "Hillside Training"))
        .await;
    assert_eq!(verified.body["status"], "pending_review");
    let asked = portal.mail_to("hillside.training@gmail.com").await;
    let text = asked.last().unwrap()["text"].as_str().unwrap().to_owned();
    assert!(text.contains("NOT at your centre's domain"), "{text}");
    let declined = portal.centre_decides(eve, "decline").await;
    assert_eq!(declined.status, StatusCode::OK, "{:?}", declined.body);
    assert_eq!(declined.body["status"], "rejected");
    assert!(
        subjects(&portal, eve)
            .await
            .contains(&"Your registration was declined".to_owned())
    );
    // The address is free again; the account never signs in.
    assert_eq!(
        portal.login(eve, PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );

    // An administrator approves before the centre answers: the centre's link is then spent.
    let admin = portal.admin().await;
    let bob = "bob@hillside.example";
    portal
        .register_and_verify(centre_user(bob, "C-7002", "Hillside Training"))
        .await;
    let pending = portal
        .call(&admin, Method::GET, "/api/admin/registrations", None)
        .await;
    let id = pending.body["items"][0]["account"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let approved = portal
        .call(
            &admin,
            Method::POST,
            &format!("/api/admin/registrations/{id}/approve"),
            Some(json!({ "centre_number": "C-7002" })),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);
    let late = portal.centre_decides(bob, "decline").await;
    assert_eq!(late.fields(), ["token"]);
    assert!(
        message(&late).contains("already been decided"),
        "{:?}",
        late.body
    );

    // A registration naming no known centre asks nobody.
    let nobody = portal
        .register_and_verify(centre_user("x@elsewhere.example", "C-9999", "Nowhere"))
        .await;
    assert_eq!(nobody.body["status"], "pending_review");
    assert_eq!(nobody.body["centre_asked"], false);
}

// 2. A learner's record is claimed by its e-mail address, or a code sent there.

async fn code_sent_to(portal: &TestPortal, to: &str) -> String {
    let mails = portal.mail_to(to).await;
    let subject = mails.last().expect("a code")["subject"].as_str().unwrap();
    subject.rsplit(": ").next().unwrap().to_owned()
}

#[tokio::test]
async fn a_learner_whose_record_holds_another_address_claims_it_with_the_code_sent_there() {
    let portal = TestPortal::start().await;
    portal
        .import_learner_with_email(
            "A1234567",
            ("Ada", "Lovelace"),
            "1990-12-10",
            "ada.home@example.org",
        )
        .await;
    let verified = portal
        .register_and_verify(learner("ada.new@example.org", "A1234567"))
        .await;
    // Today's code made this account active from the facts printed on every copy.
    assert_eq!(
        verified.body["status"], "pending_review",
        "{:?}",
        verified.body
    );
    assert_eq!(verified.body["code_sent_to"], "a***@example.org");
    let code_token = verified.body["code_token"].as_str().unwrap().to_owned();
    let code = code_sent_to(&portal, "ada.home@example.org").await;
    assert_eq!(code.len(), 6);
    assert!(!verified.body.to_string().contains(&code));
    assert_eq!(
        portal.login("ada.new@example.org", PASSWORD).await.status,
        StatusCode::FORBIDDEN
    );

    let missing = portal.post("/api/auth/record-code", json!({})).await;
    assert_eq!(missing.fields(), ["token", "code"]);
    let letters = portal
        .post(
            "/api/auth/record-code",
            json!({ "token": code_token, "code": "12ab56" }),
        )
        .await;
    assert_eq!(letters.fields(), ["code"]);
    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    let wrong = portal
        .post(
            "/api/auth/record-code",
            json!({ "token": code_token, "code": wrong_code }),
        )
        .await;
    assert_eq!(wrong.fields(), ["code"]);
    assert!(message(&wrong).contains("4 more tries"), "{:?}", wrong.body);
    let right = portal
        .post(
            "/api/auth/record-code",
            json!({ "token": code_token, "code": code }),
        )
        .await;
    assert_eq!(right.status, StatusCode::OK, "{:?}", right.body);
    assert_eq!(right.body["status"], "active");
    let ada = portal.sign_in("ada.new@example.org", PASSWORD).await;
    let me = portal.call(&ada, Method::GET, "/api/me", None).await;
    assert_eq!(me.body["enrolment_number"], "A1234567");
    let admin = portal.admin().await;
    assert!(pending_ids(&portal, &admin).await.is_empty());
    let twice = portal
        .post(
            "/api/auth/record-code",
            json!({ "token": code_token, "code": code }),
        )
        .await;
    assert_eq!(twice.fields(), ["code"]);
}

#[tokio::test]
async fn a_code_allows_five_tries_and_an_hour_then_an_administrator_decides() {
    let portal = TestPortal::start().await;
    portal
        .import_learner_with_email(
            "A1234567",
            ("Ada", "Lovelace"),
            "1990-12-10",
            "ada.home@example.org",
        )
        .await;
    portal
        .import_learner_with_email(
            "B1234567",
            ("Bea", "Lovelace"),
            "1990-12-10",
            "bea.home@example.org",
        )
        .await;
    let verified = portal
        .register_and_verify(learner("guesser@example.org", "A1234567"))
        .await;
    let code_token = verified.body["code_token"].as_str().unwrap().to_owned();
    let code = code_sent_to(&portal, "ada.home@example.org").await;
    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let wrong = portal
            .post(
                "/api/auth/record-code",
                json!({ "token": code_token, "code": wrong_code }),
            )
            .await;
        assert_eq!(wrong.fields(), ["code"]);
    }
    let late = portal
        .post(
            "/api/auth/record-code",
            json!({ "token": code_token, "code": code }),
        )
        .await;
    assert_eq!(late.fields(), ["code"]);
    assert!(message(&late).contains("too many"), "{:?}", late.body);
    let admin = portal.admin().await;
    assert_eq!(pending_ids(&portal, &admin).await, ["guesser@example.org"]);

    let mut bea = learner("bea.new@example.org", "B1234567");
    bea["first_name"] = json!("Bea");
    let verified = portal.register_and_verify(bea).await;
    let code_token = verified.body["code_token"].as_str().unwrap().to_owned();
    let code = code_sent_to(&portal, "bea.home@example.org").await;
    portal.advance(time::Duration::minutes(61));
    let expired = portal
        .post(
            "/api/auth/record-code",
            json!({ "token": code_token, "code": code }),
        )
        .await;
    assert!(message(&expired).contains("expired"), "{:?}", expired.body);

    // A record without an address: reviewed, no code.
    portal
        .import_learner("C1234567", "Ada", "Lovelace", "1990-12-10")
        .await;
    let verified = portal
        .register_and_verify(learner("cee@example.org", "C1234567"))
        .await;
    assert_eq!(verified.body["status"], "pending_review");
    assert_eq!(verified.body["code_token"], Value::Null);
}

// 6. Changing the e-mail address needs the password; the old address can undo it.

#[tokio::test]
async fn an_email_change_needs_the_current_password_throttled() {
    let portal = TestPortal::start().await;
    let grace = portal.active_third_party("grace@example.org").await;
    let bare = portal
        .call(
            &grace,
            Method::PATCH,
            "/api/me",
            Some(json!({ "email": "thief@example.org", "phone": "+44 20 7946 0001" })),
        )
        .await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bare.fields(), ["current_password"]);
    for _ in 0..5 {
        let wrong = portal
            .call(
                &grace,
                Method::PATCH,
                "/api/me",
                Some(json!({ "email": "thief@example.org", "current_password": "a guess at it" })),
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(wrong.fields(), ["current_password"]);
    }
    let throttled = portal
        .call(
            &grace,
            Method::PATCH,
            "/api/me",
            Some(json!({ "email": "thief@example.org", "current_password": PASSWORD })),
        )
        .await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(throttled.fields(), ["current_password"]);
    // Nothing was written by any of them.
    let me = portal.call(&grace, Method::GET, "/api/me", None).await;
    assert_eq!(me.body["pending_email"], Value::Null);
    assert_eq!(me.body["phone"], "+44 20 7946 0000");
    assert!(portal.mail_to("thief@example.org").await.is_empty());
    portal.advance(time::Duration::minutes(16));
    let allowed = portal
        .call(
            &grace,
            Method::PATCH,
            "/api/me",
            Some(json!({ "email": "thief@example.org", "current_password": PASSWORD })),
        )
        .await;
    assert_eq!(allowed.status, StatusCode::OK, "{:?}", allowed.body);
}

async fn ask_to_move(portal: &TestPortal, who: &Session, to: &str) {
    let asked = portal
        .call(
            who,
            Method::PATCH,
            "/api/me",
            Some(json!({ "email": to, "current_password": PASSWORD })),
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{:?}", asked.body);
}

#[tokio::test]
async fn the_old_address_cancels_an_email_change_before_it_is_confirmed() {
    let portal = TestPortal::start().await;
    let grace = portal.active_third_party("grace@example.org").await;
    ask_to_move(&portal, &grace, "thief@example.org").await;
    assert!(
        subjects(&portal, "grace@example.org")
            .await
            .contains(&"Somebody asked to change your e-mail address".to_owned())
    );
    let cancel = portal
        .token_from_mail("grace@example.org", "/cancel-email-change")
        .await;
    let missing = portal
        .post("/api/auth/cancel-email-change", json!({}))
        .await;
    assert_eq!(missing.fields(), ["token"]);
    let cancelled = portal
        .post("/api/auth/cancel-email-change", json!({ "token": cancel }))
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{:?}", cancelled.body);
    // Every session ended; the new address's link no longer works.
    let me = portal.call(&grace, Method::GET, "/api/me", None).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    let confirm = portal
        .token_from_mail("thief@example.org", "/verify-email")
        .await;
    let refused = portal
        .post("/api/auth/verify-email", json!({ "token": confirm }))
        .await;
    assert_eq!(refused.fields(), ["token"]);
    let back = portal.sign_in("grace@example.org", PASSWORD).await;
    assert_eq!(back.user["pending_email"], Value::Null);
    let twice = portal
        .post("/api/auth/cancel-email-change", json!({ "token": cancel }))
        .await;
    assert_eq!(twice.fields(), ["token"]);
    let admin = portal.admin().await;
    let audit = portal
        .call(
            &admin,
            Method::GET,
            "/api/admin/audit?action=account.email_change_cancelled",
            None,
        )
        .await;
    assert_eq!(
        audit.body["items"].as_array().map(Vec::len),
        Some(1),
        "{:?}",
        audit.body
    );
}

#[tokio::test]
async fn confirming_a_new_address_ends_sessions_and_the_old_address_can_still_undo_it() {
    let portal = TestPortal::start().await;
    let grace = portal.active_third_party("grace@example.org").await;
    let other = portal.sign_in("grace@example.org", PASSWORD).await;
    ask_to_move(&portal, &grace, "grace.new@example.org").await;
    let confirm = portal
        .token_from_mail("grace.new@example.org", "/verify-email")
        .await;
    let confirmed = portal
        .post("/api/auth/verify-email", json!({ "token": confirm }))
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{:?}", confirmed.body);
    assert_eq!(
        portal
            .call(&other, Method::GET, "/api/me", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // The newest cancel link (in "Your e-mail address was changed") undoes it.
    let cancel = portal
        .token_from_mail("grace@example.org", "/cancel-email-change")
        .await;
    let moved = portal.sign_in("grace.new@example.org", PASSWORD).await;
    let undone = portal
        .post("/api/auth/cancel-email-change", json!({ "token": cancel }))
        .await;
    assert_eq!(undone.status, StatusCode::OK, "{:?}", undone.body);
    assert_eq!(
        portal
            .call(&moved, Method::GET, "/api/me", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        portal.login("grace.new@example.org", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    let back = portal.sign_in("grace@example.org", PASSWORD).await;
    assert_eq!(back.user["email"], "grace@example.org");
}

// 9. Reset links follow the credential generation; change-password is throttled; the report
// answer keeps the enrolment number; a pending registration keeps its password.

async fn reset_link(portal: &TestPortal, email: &str) -> String {
    let asked = portal
        .post("/api/auth/forgot-password", json!({ "email": email }))
        .await;
    assert_eq!(asked.status, StatusCode::ACCEPTED);
    portal.token_from_mail(email, "/reset-password").await
}

async fn reset(portal: &TestPortal, token: &str, password: &str) -> Answer {
    portal
        .post(
            "/api/auth/reset-password",
            json!({ "token": token, "password": password }),
        )
        .await
}

#[tokio::test]
async fn a_reset_link_stops_working_after_a_newer_link_a_password_change_or_an_email_change() {
    let portal = TestPortal::start().await;
    let ada = portal.active_third_party("ada@example.org").await;
    let older = reset_link(&portal, "ada@example.org").await;
    let newer = reset_link(&portal, "ada@example.org").await;
    let superseded = reset(&portal, &older, "a different long passphrase").await;
    assert_eq!(superseded.fields(), ["token"]);
    assert!(
        message(&superseded).contains("no longer works"),
        "{:?}",
        superseded.body
    );
    assert_eq!(
        reset(&portal, &newer, "a different long passphrase")
            .await
            .status,
        StatusCode::OK
    );

    let ada = {
        let _ = ada;
        portal
            .sign_in("ada@example.org", "a different long passphrase")
            .await
    };
    let before_change = reset_link(&portal, "ada@example.org").await;
    let changed = portal
        .call(&ada, Method::POST, "/api/me/password", Some(json!({ "current_password": "a different long passphrase", "new_password": PASSWORD })))
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    let ada = session_of(&changed);
    assert_eq!(
        reset(&portal, &before_change, "yet another long passphrase")
            .await
            .fields(),
        ["token"]
    );

    let before_move = reset_link(&portal, "ada@example.org").await;
    ask_to_move(&portal, &ada, "ada.new@example.org").await;
    let confirm = portal
        .token_from_mail("ada.new@example.org", "/verify-email")
        .await;
    portal
        .post("/api/auth/verify-email", json!({ "token": confirm }))
        .await;
    assert_eq!(
        reset(&portal, &before_move, "yet another long passphrase")
            .await
            .fields(),
        ["token"]
    );
}

#[tokio::test]
async fn the_current_password_check_on_change_password_is_throttled() {
    let portal = TestPortal::start().await;
    let ada = portal.active_third_party("ada@example.org").await;
    for _ in 0..5 {
        let wrong = portal
            .call(&ada, Method::POST, "/api/me/password", Some(json!({ "current_password": "a guess at it", "new_password": "a different long passphrase" })))
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(wrong.fields(), ["current_password"]);
    }
    let throttled = portal
        .call(&ada, Method::POST, "/api/me/password", Some(json!({ "current_password": PASSWORD, "new_password": "a different long passphrase" })))
        .await;
    assert_eq!(
        throttled.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{:?}",
        throttled.body
    );
    assert!(throttled.is_problem());
    assert_eq!(throttled.fields(), ["current_password"]);
    // The password did not change.
    assert_eq!(
        portal.login("ada@example.org", PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_report_answers_a_third_party_without_the_learners_enrolment_number() {
    let (portal, ada, refs) = ada_with_documents().await;
    let grace = portal.active_third_party(GRACE).await;
    let id = active_connection(&portal, &ada, &grace, &[refs[0].clone()]).await;
    let reasons = portal.get("/api/site").await.body["report_reasons"].clone();
    let filed = portal
        .call(
            &grace,
            Method::POST,
            &format!("/api/documents/{}/reports?connection={id}", refs[0]),
            Some(json!({ "reason": reasons[0], "description": "The award date looks wrong." })),
        )
        .await;
    let filed = expect(filed, StatusCode::CREATED, "Grace reports");
    assert_eq!(
        filed.body["enrolment_number"],
        Value::Null,
        "{:?}",
        filed.body
    );
    assert!(
        !filed.body.to_string().contains("ENR-1001"),
        "{:?}",
        filed.body
    );
    assert_eq!(filed.body["reference"], refs[0].as_str());
}

#[tokio::test]
async fn a_second_registration_resends_the_link_and_keeps_the_first_password() {
    let portal = TestPortal::start().await;
    let first = third_party("pending@example.org");
    let answer = portal.post("/api/auth/register", first).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED);
    let mut second = third_party("pending@example.org");
    second["password"] = json!("an attacker's own passphrase");
    second["company"] = json!("Attacker Ltd");
    let again = portal.post("/api/auth/register", second).await;
    assert_eq!(again.status, StatusCode::ACCEPTED);
    assert_eq!(again.body, answer.body);
    let links = portal
        .mail_to("pending@example.org")
        .await
        .iter()
        .filter(|m| {
            m["text"]
                .as_str()
                .unwrap_or_default()
                .contains("/verify-email?token=")
        })
        .count();
    assert_eq!(links, 2);
    let token = portal
        .token_from_mail("pending@example.org", "/verify-email")
        .await;
    let verified = portal
        .post("/api/auth/verify-email", json!({ "token": token }))
        .await;
    assert_eq!(verified.body["status"], "active");
    assert_eq!(
        portal
            .login("pending@example.org", "an attacker's own passphrase")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let me = portal.sign_in("pending@example.org", PASSWORD).await;
    assert_eq!(me.user["company"], "Example Employer Ltd");
}
