//! Bad input gets a problem+json answer naming the field, and writes nothing.

use portal_tests::portal::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn registration_names_every_bad_field_and_writes_nothing() {
    let portal = TestPortal::start().await;
    let cases = [
        (
            json!({ "kind": "learner" }),
            vec![
                "email",
                "first_name",
                "last_name",
                "password",
                "date_of_birth",
                "enrolment_number",
            ],
        ),
        (
            json!({ "kind": "learner", "email": "not an email", "password": PASSWORD, "first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1990-02-30", "enrolment_number": "A1234567" }),
            vec!["email", "date_of_birth"],
        ),
        (
            json!({ "kind": "third_party", "email": "g@example.org", "password": "short", "first_name": "Grace", "last_name": "Hopper", "company": "X" }),
            vec!["password"],
        ),
        (
            json!({ "kind": "third_party", "email": "g@example.org", "password": "password123", "first_name": "Grace", "last_name": "Hopper", "company": "X" }),
            vec!["password"],
        ),
        (
            json!({ "kind": "third_party", "email": "grace.hopper@example.org", "password": "xx grace.hopper xx 42!", "first_name": "Grace", "last_name": "Hopper", "company": "X" }),
            vec!["password"],
        ),
        (
            json!({ "kind": "wizard", "email": "g@example.org", "password": PASSWORD, "first_name": "Grace", "last_name": "Hopper" }),
            vec!["kind"],
        ),
        (json!({ "kind": "learner", "email": 42 }), vec!["email"]),
        (json!({ "kind": ["learner"] }), vec!["kind"]),
    ];
    for (body, fields) in cases {
        let answer = portal.post("/api/auth/register", body.clone()).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(answer.is_problem(), "{body}");
        assert_eq!(answer.body["status"], 422);
        assert_eq!(answer.fields(), fields, "{body}");
    }
    let malformed = portal
        .send(
            Method::POST,
            "/api/auth/register",
            None,
            &[("content-type", "application/json")],
        )
        .await;
    assert_eq!(
        malformed.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an empty body lacks every field"
    );
    let not_json = portal
        .http
        .post(portal.url("/api/auth/register"))
        .header("content-type", "application/json")
        .body("{\"kind\":")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        not_json.headers()["content-type"],
        "application/problem+json"
    );
    let text = portal
        .http
        .post(portal.url("/api/auth/register"))
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(text.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let huge =
        json!({ "kind": "learner", "email": "a@example.org", "first_name": "x".repeat(70 * 1024) });
    let too_large = portal.post("/api/auth/register", huge).await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(too_large.is_problem());

    // Nothing was written: no e-mail went out, and the addresses are still free.
    assert_eq!(portal.mail_count().await, 0);
    let ok = portal
        .register_and_verify(third_party("g@example.org"))
        .await;
    assert_eq!(ok.body["status"], "active");
}

#[tokio::test]
async fn other_routes_name_their_bad_fields() {
    let portal = TestPortal::start().await;
    let ada = portal.active_learner("ada@example.org", "A1234567").await;
    let login = portal
        .post("/api/auth/login", json!({ "email": "ada@example.org" }))
        .await;
    assert_eq!(login.fields(), ["password"]);
    let login = portal
        .post(
            "/api/auth/login",
            json!({ "email": "ada@example.org", "password": PASSWORD, "session": "forever" }),
        )
        .await;
    assert_eq!(login.fields(), ["session"]);
    assert_eq!(
        portal
            .post("/api/auth/forgot-password", json!({ "email": "nope" }))
            .await
            .fields(),
        ["email"]
    );
    assert_eq!(
        portal
            .post("/api/auth/reset-password", json!({ "password": PASSWORD }))
            .await
            .fields(),
        ["token"]
    );
    let weak = portal
        .call(
            &ada,
            Method::POST,
            "/api/me/password",
            Some(json!({ "current_password": PASSWORD, "new_password": "12345678" })),
        )
        .await;
    assert_eq!(weak.fields(), ["new_password"]);
    let address = portal.call(&ada, Method::POST, "/api/me/addresses", Some(json!({ "recipient": "Ada", "line1": "", "city": "London", "country": "United Kingdom" }))).await;
    assert_eq!(address.fields(), ["line1", "country"]);
    let uk = portal
        .call(
            &ada,
            Method::POST,
            "/api/me/addresses",
            Some(
                json!({ "recipient": "Ada", "line1": "1 Road", "city": "London", "country": "GB" }),
            ),
        )
        .await;
    assert_eq!(uk.fields(), ["postcode"]);
    let types = portal
        .call(
            &ada,
            Method::PATCH,
            "/api/me",
            Some(json!({ "third_party_search_opt_in": "yes" })),
        )
        .await;
    assert_eq!(types.fields(), ["third_party_search_opt_in"]);
    let phone = portal
        .call(
            &ada,
            Method::PATCH,
            "/api/me",
            Some(json!({ "phone": "call me maybe" })),
        )
        .await;
    assert_eq!(phone.fields(), ["phone"]);
    assert_eq!(
        portal.call(&ada, Method::GET, "/api/me", None).await.body["phone"],
        serde_json::Value::Null,
        "nothing half-written"
    );
    let admin = portal.admin().await;
    let paging = portal
        .call(&admin, Method::GET, "/api/admin/users?q=a&limit=1000", None)
        .await;
    assert_eq!(paging.fields(), ["limit"]);
    let cursor = portal
        .call(
            &admin,
            Method::GET,
            "/api/admin/registrations?cursor=garbage",
            None,
        )
        .await;
    assert_eq!(cursor.fields(), ["cursor"]);
    let empty_q = portal
        .call(&admin, Method::GET, "/api/admin/users", None)
        .await;
    assert_eq!(empty_q.fields(), ["q"]);
    assert_eq!(
        portal
            .call(
                &admin,
                Method::POST,
                "/api/admin/users/not-an-id/lock",
                None
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_records_batch_is_checked_whole_before_anything_is_written() {
    let portal = TestPortal::start().await;
    let batch = json!({ "learners": [
        { "enrolment_number": "A0000001", "first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1990-12-10" },
        { "enrolment_number": "A0000002", "first_name": "", "last_name": "Byron", "date_of_birth": "10/12/1990" },
        { "enrolment_number": "A0000001", "first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1990-12-10", "email": "bad" },
    ] });
    let answer = portal.records("/api/records/learners", batch).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer.fields(),
        [
            "learners[1].first_name",
            "learners[1].date_of_birth",
            "learners[2].email",
            "learners[2].enrolment_number"
        ]
    );
    // Nothing was written: the first (valid) record does not match a registration.
    let verified = portal
        .register_and_verify(learner("ada@example.org", "A0000001"))
        .await;
    assert_eq!(verified.body["status"], "pending_review");

    let too_many: Vec<_> = (0..1001).map(|i| json!({ "enrolment_number": format!("N{i:07}"), "first_name": "A", "last_name": "B", "date_of_birth": "2000-01-01" })).collect();
    assert_eq!(
        portal
            .records("/api/records/learners", json!({ "learners": too_many }))
            .await
            .fields(),
        ["learners"]
    );
    let thousand: Vec<_> = (0..1000).map(|i| json!({ "enrolment_number": format!("N{i:07}"), "first_name": "A", "last_name": "B", "date_of_birth": "2000-01-01" })).collect();
    let ok = portal
        .records("/api/records/learners", json!({ "learners": thousand }))
        .await;
    assert_eq!(
        (ok.status, ok.body["upserted"].as_u64()),
        (StatusCode::OK, Some(1000))
    );
    assert_eq!(
        portal
            .records("/api/records/learners", json!({}))
            .await
            .fields(),
        ["learners"]
    );
    assert_eq!(portal.records("/api/records/centres", json!({ "centres": [{ "centre_number": "C1", "name": "X", "email": "x@example.org" }] })).await.fields(), ["centres[0].centre_number"]);
}

#[tokio::test]
async fn unknown_paths_and_methods_are_problems_too() {
    let portal = TestPortal::start().await;
    let missing = portal.get("/api/nothing-here").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.is_problem());
    let wrong_method = portal
        .send(Method::DELETE, "/api/auth/login", None, &[])
        .await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(wrong_method.is_problem());
    assert_eq!(wrong_method.headers["allow"], "POST");
    // A path with a parameter and two methods lists exactly those two (RFC 9110 §15.5.6).
    let wrong_method = portal
        .send(Method::GET, "/api/me/addresses/any-id", None, &[])
        .await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.headers["allow"], "PUT, DELETE");
    assert!(missing.headers.get("allow").is_none());
    let health = portal.get("/api/health").await;
    assert_eq!(health.body["status"], "ok");
    let openapi = portal.get("/api/openapi.json").await;
    assert_eq!(openapi.body["openapi"], "3.1.0");
}
