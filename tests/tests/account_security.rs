//! What must not be possible: telling which addresses have accounts, reaching another person's
//! data or another kind of account's routes, forged browser requests, and half-written changes.

use portal_tests::portal::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn register_forgot_and_login_answer_the_same_for_known_and_unknown_addresses() {
    let portal = TestPortal::start().await;
    portal.active_learner("ada@example.org", "A1234567").await;

    let known = portal
        .post("/api/auth/register", learner("ada@example.org", "A1234567"))
        .await;
    let unknown = portal
        .post(
            "/api/auth/register",
            learner("someone@example.org", "A7654321"),
        )
        .await;
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body));
    // The owner of the known address is told, instead of getting a second account.
    assert!(
        portal
            .mail_to("ada@example.org")
            .await
            .iter()
            .any(|m| m["subject"].as_str().unwrap().contains("tried to register"))
    );

    let known = portal
        .post(
            "/api/auth/forgot-password",
            json!({ "email": "ada@example.org" }),
        )
        .await;
    let unknown = portal
        .post(
            "/api/auth/forgot-password",
            json!({ "email": "nobody@example.org" }),
        )
        .await;
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body));
    assert_eq!(portal.mail_to("nobody@example.org").await.len(), 0);

    let wrong_password = portal
        .login("ada@example.org", "not the password at all")
        .await;
    let unknown_email = portal
        .login("nobody@example.org", "not the password at all")
        .await;
    assert_eq!(
        (wrong_password.status, &wrong_password.body),
        (unknown_email.status, &unknown_email.body)
    );
    assert_eq!(
        wrong_password.body["detail"],
        "E-mail or password is wrong."
    );

    // Unknown addresses "lock" after five failures too, so the lock tells nothing.
    for _ in 0..3 {
        portal
            .login("nobody@example.org", "not the password at all")
            .await;
    }
    assert_eq!(
        portal
            .login("nobody@example.org", "not the password at all")
            .await
            .status,
        StatusCode::LOCKED
    );
}

#[tokio::test]
async fn nobody_reaches_anothers_addresses_and_anonymous_callers_reach_nothing() {
    let portal = TestPortal::start().await;
    let ada = portal.active_learner("ada@example.org", "A1234567").await;
    let grace = portal.active_third_party("grace@example.org").await;
    let address = json!({ "label": "Home", "recipient": "Ada Lovelace", "line1": "12 St James's Square", "city": "London", "postcode": "sw1y 4jh", "country": "gb" });
    let created = portal
        .call(
            &ada,
            Method::POST,
            "/api/me/addresses",
            Some(address.clone()),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.body["postcode"], "SW1Y 4JH");
    let id = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/me/addresses/{id}");

    let listed = portal
        .call(&ada, Method::GET, "/api/me/addresses", None)
        .await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    let mut moved = address.clone();
    moved["line1"] = json!("1 Marylebone Road");
    assert_eq!(
        portal
            .call(&ada, Method::PUT, &path, Some(moved.clone()))
            .await
            .body["line1"],
        "1 Marylebone Road"
    );

    // Grace cannot see, change or remove Ada's address: it is "not found" to her.
    assert_eq!(
        portal
            .call(&grace, Method::GET, "/api/me/addresses", None)
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        portal
            .call(&grace, Method::PUT, &path, Some(moved))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        portal
            .call(&grace, Method::DELETE, &path, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        portal
            .call(&ada, Method::GET, "/api/me/addresses", None)
            .await
            .body["items"][0]["line1"],
        "1 Marylebone Road"
    );

    for (method, path) in [
        (Method::GET, "/api/me"),
        (Method::PATCH, "/api/me"),
        (Method::GET, "/api/me/addresses"),
        (Method::POST, "/api/me/addresses"),
        (Method::DELETE, path.as_str()),
        (Method::POST, "/api/me/password"),
        (Method::POST, "/api/auth/logout"),
        (Method::GET, "/api/admin/registrations"),
        (Method::GET, "/api/admin/users?q=a"),
    ] {
        let body = (method != Method::GET && method != Method::DELETE).then(|| json!({}));
        let answer = portal.send(method.clone(), path, body, &[]).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert!(answer.is_problem());
    }
    assert_eq!(
        portal.call(&ada, Method::DELETE, &path, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        portal.call(&ada, Method::DELETE, &path, None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn each_kind_of_account_reaches_only_its_own_routes() {
    let portal = TestPortal::start().await;
    let ada = portal.active_learner("ada@example.org", "A1234567").await;
    let grace = portal.active_third_party("grace@example.org").await;
    let admin = portal.admin().await;
    let admin_id = admin.user["id"].as_str().unwrap().to_owned();
    for session in [&ada, &grace] {
        for (method, path) in [
            (Method::GET, "/api/admin/registrations".to_owned()),
            (
                Method::POST,
                format!("/api/admin/registrations/{admin_id}/approve"),
            ),
            (
                Method::POST,
                format!("/api/admin/registrations/{admin_id}/reject"),
            ),
            (Method::GET, "/api/admin/users?q=a".to_owned()),
            (Method::GET, format!("/api/admin/users/{admin_id}")),
            (Method::POST, format!("/api/admin/users/{admin_id}/lock")),
            (Method::POST, format!("/api/admin/users/{admin_id}/unlock")),
            (Method::POST, "/api/records/learners".to_owned()),
            (Method::POST, "/api/records/centres".to_owned()),
        ] {
            let body = (method == Method::POST).then(|| json!({}));
            assert_eq!(
                portal
                    .call(session, method.clone(), &path, body)
                    .await
                    .status,
                StatusCode::FORBIDDEN,
                "{} {method} {path}",
                session.user["kind"]
            );
        }
    }
    // A third party has no search opt-in; a learner cannot rename themselves.
    let opt = portal
        .call(
            &grace,
            Method::PATCH,
            "/api/me",
            Some(json!({ "third_party_search_opt_in": true })),
        )
        .await;
    assert_eq!(opt.fields(), ["third_party_search_opt_in"]);
    let rename = portal
        .call(
            &ada,
            Method::PATCH,
            "/api/me",
            Some(json!({ "first_name": "Augusta" })),
        )
        .await;
    assert_eq!(rename.fields(), ["first_name"]);
    let profile = portal.call(&ada, Method::PATCH, "/api/me", Some(json!({ "phone": "+44 20 7946 0001", "middle_name": "King", "third_party_search_opt_in": true }))).await;
    assert_eq!(profile.status, StatusCode::OK);
    assert_eq!(profile.body["third_party_search_opt_in"], true);
    assert_eq!(profile.body["middle_name"], "King");
    let cleared = portal
        .call(
            &ada,
            Method::PATCH,
            "/api/me",
            Some(json!({ "middle_name": "" })),
        )
        .await;
    assert_eq!(cleared.body["middle_name"], serde_json::Value::Null);
    let company = portal
        .call(
            &grace,
            Method::PATCH,
            "/api/me",
            Some(json!({ "company": "New Employer Ltd", "first_name": "Grace B." })),
        )
        .await;
    assert_eq!(
        (
            company.body["company"].as_str(),
            company.body["first_name"].as_str()
        ),
        (Some("New Employer Ltd"), Some("Grace B."))
    );
    // The records API wants its key (or an administrator); a wrong key is refused.
    let wrong_key = portal
        .send(
            Method::POST,
            "/api/records/learners",
            Some(json!({ "learners": [] })),
            &[("authorization", "Bearer not-the-key")],
        )
        .await;
    assert_eq!(wrong_key.status, StatusCode::UNAUTHORIZED);
    let by_admin = portal.call(&admin, Method::POST, "/api/records/centres", Some(json!({ "centres": [{ "centre_number": "C1000", "name": "A Centre", "email": "exams@centre.example.org" }] }))).await;
    assert_eq!(by_admin.status, StatusCode::OK);
}

#[tokio::test]
async fn browser_sessions_use_a_host_cookie_and_writes_need_the_csrf_token() {
    let portal = TestPortal::start().await;
    portal.active_learner("ada@example.org", "A1234567").await;
    let login = portal
        .post(
            "/api/auth/login",
            json!({ "email": "ada@example.org", "password": PASSWORD }),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(
        login.body.get("session_token").is_none(),
        "browsers get only the cookie"
    );
    let set_cookie = login.headers["set-cookie"].to_str().unwrap().to_owned();
    for part in [
        "__Host-portal_session=",
        "HttpOnly",
        "Secure",
        "SameSite=Lax",
        "Path=/",
    ] {
        assert!(set_cookie.contains(part), "{set_cookie} lacks {part}");
    }
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let csrf = login.body["csrf_token"].as_str().unwrap().to_owned();

    assert_eq!(
        portal
            .send(Method::GET, "/api/me", None, &[("cookie", &cookie)])
            .await
            .status,
        StatusCode::OK
    );
    let change = json!({ "phone": "+44 20 7946 0002" });
    let forged = portal
        .send(
            Method::PATCH,
            "/api/me",
            Some(change.clone()),
            &[("cookie", &cookie)],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let wrong = portal
        .send(
            Method::PATCH,
            "/api/me",
            Some(change.clone()),
            &[("cookie", &cookie), ("x-csrf-token", "wrong")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let cross_site = portal
        .send(
            Method::PATCH,
            "/api/me",
            Some(change.clone()),
            &[
                ("cookie", &cookie),
                ("x-csrf-token", &csrf),
                ("sec-fetch-site", "cross-site"),
            ],
        )
        .await;
    assert_eq!(cross_site.status, StatusCode::FORBIDDEN);
    let fine = portal
        .send(
            Method::PATCH,
            "/api/me",
            Some(change),
            &[
                ("cookie", &cookie),
                ("x-csrf-token", &csrf),
                ("sec-fetch-site", "same-origin"),
            ],
        )
        .await;
    assert_eq!(fine.status, StatusCode::OK);
    assert_eq!(fine.body["phone"], "+44 20 7946 0002");
    // Sign-in from another site is refused too (sign-in CSRF).
    let login_cross = portal
        .send(
            Method::POST,
            "/api/auth/login",
            Some(json!({ "email": "ada@example.org", "password": PASSWORD })),
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(login_cross.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn attempts_are_rate_limited_per_client_address() {
    let portal = TestPortal::start().await;
    let mut last = StatusCode::OK;
    for i in 0..31 {
        last = portal
            .login(&format!("user{i}@example.org"), "not the password at all")
            .await
            .status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    let limited = portal
        .login("someone@example.org", "whatever password")
        .await;
    assert!(limited.headers.contains_key("retry-after"));
    portal.advance(time::Duration::minutes(16));
    assert_eq!(
        portal
            .login("someone@example.org", "whatever password")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn racing_requests_cannot_both_win() {
    let portal = TestPortal::start().await;
    portal
        .post("/api/auth/register", third_party("race@example.org"))
        .await;
    let token = portal
        .token_from_mail("race@example.org", "/verify-email")
        .await;
    let body = json!({ "token": token });
    let answers = futures_join(&portal, body).await;
    let ok = answers.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(ok, 1, "{answers:?}");

    let admin = portal.admin().await;
    let ada = portal.active_learner("ada@example.org", "A1234567").await;
    let id = ada.user["id"].as_str().unwrap().to_owned();
    let lock = format!("/api/admin/users/{id}/lock");
    let (a, b) = tokio::join!(
        portal.call(&admin, Method::POST, &lock, None),
        portal.call(&admin, Method::POST, &lock, None)
    );
    assert!(a.status == StatusCode::OK || b.status == StatusCode::OK);
    assert_eq!(
        portal.login("ada@example.org", PASSWORD).await.status,
        StatusCode::LOCKED
    );
    // Each lock that took effect is in the audit log (ADM-5), and nothing else is.
    let done = [&a, &b]
        .iter()
        .filter(|x| x.status == StatusCode::OK)
        .count();
    let log = portal
        .call(&admin, Method::GET, "/api/admin/audit", None)
        .await;
    let locks: Vec<_> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "account.lock" && e["target"] == id.as_str())
        .collect();
    assert_eq!(locks.len(), done, "{:?}", log.body);
}

async fn futures_join(portal: &TestPortal, body: serde_json::Value) -> Vec<StatusCode> {
    let (a, b, c) = tokio::join!(
        portal.post("/api/auth/verify-email", body.clone()),
        portal.post("/api/auth/verify-email", body.clone()),
        portal.post("/api/auth/verify-email", body),
    );
    vec![a.status, b.status, c.status]
}
