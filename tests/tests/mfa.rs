//! Two-step sign-in (ACC-3b): an authenticator app (TOTP) with recovery codes, offered to
//! everyone and required of administrators and centre users; the code after the password.

use portal_tests::connections::centre_session;
use portal_tests::portal::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::Duration;

/// A six-digit code the app does not show now (nor a step either side).
fn wrong_code(portal: &TestPortal, email: &str) -> String {
    let secret = portal.authenticators.lock().unwrap()[email].secret.clone();
    let step = step_of(now(portal));
    let valid: Vec<String> = (step - 1..=step + 1).map(|s| totp_at(&secret, s)).collect();
    ["000000", "111111", "222222", "333333"]
        .into_iter()
        .find(|c| !valid.iter().any(|v| v == c))
        .unwrap()
        .to_owned()
}

async fn me(portal: &TestPortal, session: &Session) -> Value {
    let me = portal.call(session, Method::GET, "/api/me", None).await;
    assert_eq!(me.status, StatusCode::OK, "{:?}", me.body);
    me.body
}

async fn audit_actions(portal: &TestPortal, admin: &Session, target: &str) -> Vec<String> {
    let answer = portal
        .call(
            admin,
            Method::GET,
            &format!("/api/admin/audit?limit=100&target={target}&action=account.mfa"),
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    let mut actions: Vec<String> = answer.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    actions.sort_unstable();
    actions
}

#[tokio::test]
async fn a_learner_sets_up_an_app_and_then_signs_in_with_its_codes() {
    let portal = TestPortal::start().await;
    let admin = portal.admin().await;
    let ada = portal.active_learner("ada@example.org", "A1234567").await;
    let id = ada.user["id"].as_str().unwrap().to_owned();
    let status = &me(&portal, &ada).await["second_factor"];
    assert_eq!(status["enabled"], false);
    assert_eq!(status["required"], false);

    // Setting up: a secret, its otpauth URI and QR code; not in force until confirmed.
    let setup = portal
        .call(&ada, Method::POST, "/api/me/mfa/totp", None)
        .await;
    assert_eq!(setup.status, StatusCode::OK, "{:?}", setup.body);
    let secret = setup.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.len() >= 32, "160 bits in base32: {secret}");
    let uri = setup.body["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    assert!(
        uri.contains("ada%40example.org") || uri.contains("ada@example.org"),
        "{uri}"
    );
    assert!(setup.body["qr_svg"].as_str().unwrap().starts_with("<svg"));
    assert_eq!(
        portal.login("ada@example.org", PASSWORD).await.body["mfa_required"],
        Value::Null,
        "a pending secret asks for no code"
    );

    // Confirming: a code that is not six digits, a wrong code, then the right one.
    for (code, what) in [
        (json!({}), "missing"),
        (json!({ "code": "12345" }), "five digits"),
        (json!({ "code": "abcdef" }), "letters"),
        (json!({ "code": "000000x" }), "seven characters"),
    ] {
        let refused = portal
            .call(&ada, Method::POST, "/api/me/mfa/totp/confirm", Some(code))
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        assert!(refused.is_problem());
        assert_eq!(refused.fields(), ["code"], "{what}");
    }
    portal.authenticators.lock().unwrap().insert(
        "ada@example.org".to_owned(),
        Authenticator {
            secret: secret.clone(),
            last_step: 0,
            recovery_codes: Vec::new(),
        },
    );
    let wrong = wrong_code(&portal, "ada@example.org");
    let refused = portal
        .call(
            &ada,
            Method::POST,
            "/api/me/mfa/totp/confirm",
            Some(json!({ "code": wrong })),
        )
        .await;
    assert_eq!(refused.fields(), ["code"]);
    let code = portal.totp_code("ada@example.org");
    let confirmed = portal
        .call(
            &ada,
            Method::POST,
            "/api/me/mfa/totp/confirm",
            Some(json!({ "code": code })),
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{:?}", confirmed.body);
    let recovery: Vec<String> = confirmed.body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(recovery.len(), 10);
    let unique: std::collections::BTreeSet<_> = recovery.iter().collect();
    assert_eq!(unique.len(), 10);
    // Only once: confirming again or starting again is refused while it is on.
    let again = portal
        .call(
            &ada,
            Method::POST,
            "/api/me/mfa/totp/confirm",
            Some(json!({ "code": portal.totp_code("ada@example.org") })),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(
        portal
            .call(&ada, Method::POST, "/api/me/mfa/totp", None)
            .await
            .status,
        StatusCode::CONFLICT
    );
    let status = &me(&portal, &ada).await["second_factor"];
    assert_eq!(status["enabled"], true);
    assert_eq!(status["recovery_codes_left"], 10);

    // Signing in: the password answers a token and no session.
    let first = portal.login("ada@example.org", PASSWORD).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.body["mfa_required"], true);
    assert!(first.body.get("session_token").is_none());
    assert!(first.headers.get("set-cookie").is_none());
    // Bad input names its field.
    let token = first.body["mfa_token"].as_str().unwrap();
    for (body, field) in [
        (json!({ "code": "123456" }), "mfa_token"),
        (json!({ "mfa_token": token }), "code"),
        (json!({ "mfa_token": token, "code": "12-34" }), "code"),
        (
            json!({ "mfa_token": "not-a-token", "code": "123456" }),
            "mfa_token",
        ),
    ] {
        let refused = portal.post("/api/auth/mfa", body.clone()).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(refused.fields(), [field], "{body}");
    }
    let wrong = portal
        .second_step(&first, &wrong_code(&portal, "ada@example.org"))
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.fields(), ["code"]);
    let code = portal.totp_code("ada@example.org");
    let signed_in = portal.second_step(&first, &code).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{:?}", signed_in.body);
    assert!(signed_in.headers.get("set-cookie").is_some());
    let session = session_of(&signed_in);
    assert_eq!(me(&portal, &session).await["email"], "ada@example.org");

    // The token is spent; the same code (its step) is not accepted again.
    let reused = portal.second_step(&first, &code).await;
    assert_eq!(reused.fields(), ["mfa_token"]);
    let second = portal.login("ada@example.org", PASSWORD).await;
    let replayed = portal.second_step(&second, &code).await;
    assert_eq!(replayed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(replayed.fields(), ["code"]);

    // A recovery code works once (in any case, with or without its dash).
    let spare = recovery[0].to_uppercase().replace('-', "");
    assert_eq!(
        portal.second_step(&second, &spare).await.status,
        StatusCode::OK
    );
    let third = portal.login("ada@example.org", PASSWORD).await;
    assert_eq!(
        portal.second_step(&third, &recovery[0]).await.fields(),
        ["code"]
    );
    let session = session_of(&portal.second_step(&third, &recovery[1]).await);
    assert_eq!(
        me(&portal, &session).await["second_factor"]["recovery_codes_left"],
        8
    );

    // The token lasts five minutes.
    let late = portal.login("ada@example.org", PASSWORD).await;
    portal.advance(Duration::minutes(5) + Duration::seconds(1));
    let code = portal.totp_code("ada@example.org");
    assert_eq!(
        portal.second_step(&late, &code).await.fields(),
        ["mfa_token"]
    );

    // Setting up is audited; no secret or code is in the log.
    assert_eq!(
        audit_actions(&portal, &admin, &id).await,
        ["account.mfa_enabled"]
    );
    let log = portal
        .call(
            &admin,
            Method::GET,
            &format!("/api/admin/audit?limit=100&target={id}"),
            None,
        )
        .await;
    let text = log.body.to_string();
    assert!(!text.contains(&secret) && !text.contains(&recovery[2]));
}

#[tokio::test]
async fn wrong_codes_count_towards_the_lock_and_a_token_takes_five_at_most() {
    let portal = TestPortal::start().await;
    let ada = portal.active_learner("ada@example.org", "A1234567").await;
    portal.enrol_totp(&ada, "ada@example.org").await;

    let first = portal.login("ada@example.org", PASSWORD).await;
    for attempt in 1..=4 {
        let wrong = portal
            .second_step(&first, &wrong_code(&portal, "ada@example.org"))
            .await;
        assert_eq!(wrong.fields(), ["code"], "attempt {attempt}");
    }
    let fifth = portal
        .second_step(&first, &wrong_code(&portal, "ada@example.org"))
        .await;
    assert_eq!(fifth.status, StatusCode::LOCKED, "{:?}", fifth.body);
    // The token is spent, and the password is paused like after wrong passwords.
    let code = portal.totp_code("ada@example.org");
    assert_eq!(
        portal.second_step(&first, &code).await.fields(),
        ["mfa_token"]
    );
    assert_eq!(
        portal.login("ada@example.org", PASSWORD).await.status,
        StatusCode::LOCKED
    );
    // The session Ada had goes on.
    me(&portal, &ada).await;
    portal.advance(Duration::minutes(16));
    portal.sign_in("ada@example.org", PASSWORD).await;
}

#[tokio::test]
async fn turning_it_off_takes_the_password_and_a_code() {
    let portal = TestPortal::start().await;
    let admin = portal.admin().await;
    let ada = portal.active_learner("ada@example.org", "A1234567").await;
    let id = ada.user["id"].as_str().unwrap().to_owned();
    let recovery = portal.enrol_totp(&ada, "ada@example.org").await;

    let anonymous = portal
        .call(
            &Session::anonymous(),
            Method::DELETE,
            "/api/me/mfa",
            Some(json!({ "password": PASSWORD, "code": recovery[0] })),
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    for (body, fields) in [
        (json!({}), vec!["password", "code"]),
        (json!({ "code": recovery[0] }), vec!["password"]),
        (
            json!({ "password": PASSWORD, "code": "12345" }),
            vec!["code"],
        ),
        (
            json!({ "password": "not the password", "code": recovery[0] }),
            vec!["password"],
        ),
        (
            json!({ "password": PASSWORD, "code": wrong_code(&portal, "ada@example.org") }),
            vec!["code"],
        ),
    ] {
        let refused = portal
            .call(&ada, Method::DELETE, "/api/me/mfa", Some(body.clone()))
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(refused.fields(), fields, "{body}");
    }
    let code = portal.totp_code("ada@example.org");
    let off = portal
        .call(
            &ada,
            Method::DELETE,
            "/api/me/mfa",
            Some(json!({ "password": PASSWORD, "code": code })),
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{:?}", off.body);
    assert_eq!(me(&portal, &ada).await["second_factor"]["enabled"], false);
    let plain = portal.login("ada@example.org", PASSWORD).await;
    assert!(plain.body["session_token"].is_string(), "{:?}", plain.body);
    assert_eq!(
        audit_actions(&portal, &admin, &id).await,
        ["account.mfa_disabled", "account.mfa_enabled"]
    );
}

#[tokio::test]
async fn administrators_and_centre_users_set_it_up_first_and_keep_it() {
    // A portal with the centre's record, for its user below.
    let portal = portal_tests::jobs::portal().await;
    // The first sign-in of an administrator gives a session that can only set it up.
    let first = portal.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.body["mfa_setup_required"], true);
    let setup_only = session_of(&first);
    let status = &me(&portal, &setup_only).await["second_factor"];
    assert_eq!(status["setup_required"], true);
    assert_eq!(status["required"], true);
    for (method, path) in [
        (Method::GET, "/api/admin/users?q=a"),
        (Method::GET, "/api/admin/audit"),
        (Method::GET, "/api/me/addresses"),
        (Method::POST, "/api/me/password"),
        (Method::DELETE, "/api/me/mfa"),
    ] {
        let refused = portal
            .call(&setup_only, method.clone(), path, Some(json!({})))
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{method} {path}");
        assert!(refused.is_problem());
        assert_eq!(refused.body["title"], "Set up two-step sign-in first");
    }
    portal.enrol_totp(&setup_only, ADMIN_EMAIL).await;
    // Confirming made this session a full one.
    let users = portal
        .call(&setup_only, Method::GET, "/api/admin/users?q=a", None)
        .await;
    assert_eq!(users.status, StatusCode::OK, "{:?}", users.body);
    let admin = portal.admin().await;
    assert_eq!(
        me(&portal, &admin).await["second_factor"]["setup_required"],
        false
    );
    // It cannot be turned off.
    let code = portal.totp_code(ADMIN_EMAIL);
    let kept = portal
        .call(
            &admin,
            Method::DELETE,
            "/api/me/mfa",
            Some(json!({ "password": ADMIN_PASSWORD, "code": code })),
        )
        .await;
    assert_eq!(kept.status, StatusCode::FORBIDDEN);
    // Signing out works from a setup-only session too.
    let again = portal.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(again.body["mfa_required"], true);

    // A centre user: set up at the first sign-in (by the fixture); asked for a code after.
    let centre = centre_session(&portal).await;
    let email = centre.user["email"].as_str().unwrap().to_owned();
    let login = portal.login(&email, PASSWORD).await;
    assert_eq!(login.body["mfa_required"], true, "{:?}", login.body);
    let code = portal.totp_code(&email);
    let kept = portal
        .call(
            &centre,
            Method::DELETE,
            "/api/me/mfa",
            Some(json!({ "password": PASSWORD, "code": code })),
        )
        .await;
    assert_eq!(kept.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_pause_begun_after_the_password_step_stops_the_code() {
    let portal = TestPortal::start().await;
    let ada = portal.active_learner("ada@example.org", "A1234567").await;
    portal.enrol_totp(&ada, "ada@example.org").await;

    let first = portal.login("ada@example.org", PASSWORD).await;
    assert!(first.body["mfa_token"].is_string(), "{:?}", first.body);
    // Meanwhile someone else's wrong passwords pause sign-in to the account.
    for _ in 0..5 {
        portal
            .login("ada@example.org", "not the password at all")
            .await;
    }
    let code = portal.totp_code("ada@example.org");
    let refused = portal.second_step(&first, &code).await;
    assert_eq!(refused.status, StatusCode::LOCKED, "{:?}", refused.body);
    assert!(refused.is_problem());
    assert!(refused.headers.get("retry-after").is_some());

    // The token was not spent by the refusal: after the pause, a fresh sign-in works.
    portal.advance(Duration::minutes(16));
    portal.sign_in("ada@example.org", PASSWORD).await;
}

#[tokio::test]
async fn an_administrator_resets_a_persons_second_factor() {
    let portal = TestPortal::start().await;
    let admin = portal.admin().await;
    let ada = portal.active_learner("ada@example.org", "A1234567").await;
    let grace = portal.active_third_party("grace@example.org").await;
    let id = ada.user["id"].as_str().unwrap().to_owned();
    portal.enrol_totp(&ada, "ada@example.org").await;
    let path = format!("/api/admin/users/{id}/mfa/reset");

    assert_eq!(
        portal
            .call(&Session::anonymous(), Method::POST, &path, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    for who in [&ada, &grace] {
        let refused = portal.call(who, Method::POST, &path, None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(refused.is_problem());
    }
    let unknown = portal
        .call(
            &admin,
            Method::POST,
            "/api/admin/users/00000000-0000-4000-8000-000000000000/mfa/reset",
            None,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let detail = format!("/api/admin/users/{id}");
    let before = portal.call(&admin, Method::GET, &detail, None).await;
    assert_eq!(before.body["second_factor"], true, "{:?}", before.body);
    let reset = portal.call(&admin, Method::POST, &path, None).await;
    assert_eq!(reset.status, StatusCode::OK, "{:?}", reset.body);
    let twice = portal.call(&admin, Method::POST, &path, None).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let after = portal.call(&admin, Method::GET, &detail, None).await;
    assert_eq!(after.body["second_factor"], false, "{:?}", after.body);

    let plain = portal.login("ada@example.org", PASSWORD).await;
    assert!(plain.body["session_token"].is_string(), "{:?}", plain.body);
    assert!(
        portal
            .mail_to("ada@example.org")
            .await
            .iter()
            .any(|m| m["subject"] == "Your two-step sign-in was reset")
    );
    assert_eq!(
        audit_actions(&portal, &admin, &id).await,
        ["account.mfa_enabled", "account.mfa_reset"]
    );
    // An administrator's or centre user's reset asks them to set it up again at sign-in.
    let own_id = admin.user["id"].as_str().unwrap().to_owned();
    let own = portal
        .call(
            &admin,
            Method::POST,
            &format!("/api/admin/users/{own_id}/mfa/reset"),
            None,
        )
        .await;
    assert_eq!(own.status, StatusCode::OK);
    let again = portal.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(again.body["mfa_setup_required"], true, "{:?}", again.body);
}

#[tokio::test]
async fn setting_up_needs_a_session() {
    let portal = TestPortal::start().await;
    for (method, path) in [
        (Method::POST, "/api/me/mfa/totp"),
        (Method::POST, "/api/me/mfa/totp/confirm"),
        (Method::DELETE, "/api/me/mfa"),
    ] {
        let refused = portal
            .send(method.clone(), path, Some(json!({ "code": "123456" })), &[])
            .await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert!(refused.is_problem());
    }
}

#[tokio::test]
async fn a_sign_in_token_takes_only_its_own_accounts_codes() {
    let portal = TestPortal::start().await;
    let ada = portal.active_learner("ada@example.org", "A1234567").await;
    let grace = portal.active_third_party("grace@example.org").await;
    portal.enrol_totp(&ada, "ada@example.org").await;
    let recovery = portal.enrol_totp(&grace, "grace@example.org").await;
    // Grace's password, then Ada's code (or Grace's recovery code on Ada's token): refused.
    let graces = portal.login("grace@example.org", PASSWORD).await;
    let adas_code = portal.totp_code("ada@example.org");
    assert_eq!(
        portal.second_step(&graces, &adas_code).await.fields(),
        ["code"]
    );
    let adas = portal.login("ada@example.org", PASSWORD).await;
    assert_eq!(
        portal.second_step(&adas, &recovery[0]).await.fields(),
        ["code"]
    );
    // Each with its own goes in, as its own account.
    let code = portal.totp_code("grace@example.org");
    let signed_in = portal.second_step(&graces, &code).await;
    assert_eq!(signed_in.body["user"]["email"], "grace@example.org");
}
