//! The audit log (ADM-5) over HTTP against the local portal: sign-ins (success, failure, lock),
//! profile and password changes, each with who, what, when and from which address; the filters
//! by person, kind of action, object and date; the CSV export; and who may read either.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use portal_tests::portal::{
    ADMIN_EMAIL, Answer, PASSWORD, Session, TestPortal, centre_user, learner, now,
};

/// The entries a filtered read of the log answers (one page of up to 100).
async fn audit(portal: &TestPortal, admin: &Session, query: &str) -> Vec<Value> {
    let answer = portal
        .call(
            admin,
            Method::GET,
            &format!("/api/admin/audit?limit=100&{query}"),
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{query}: {:?}", answer.body);
    answer.body["items"].as_array().unwrap().clone()
}

fn actions(entries: &[Value]) -> Vec<&str> {
    entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect()
}

/// The CSV export as text, with its answer's status and headers.
async fn export(portal: &TestPortal, session: &Session, query: &str) -> (Answer, String) {
    let mut request = portal
        .http
        .get(portal.url(&format!("/api/admin/audit.csv?{query}")));
    if !session.token.is_empty() {
        request = request.bearer_auth(&session.token);
    }
    let response = request.send().await.expect("the portal answers");
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    (
        Answer {
            status,
            headers,
            body,
        },
        text,
    )
}

#[tokio::test]
async fn sign_ins_profile_and_password_changes_are_audited_with_the_address() {
    let portal = TestPortal::start().await;
    let ada = portal.active_learner("ada@example.org", "A1234567").await;
    let ada_id = ada.user["id"].as_str().unwrap().to_owned();
    let admin = portal.admin().await;

    // A successful sign-in: who, what, when, from where (the test's requests come from 127.0.0.1).
    let signed_in = audit(&portal, &admin, "action=auth.sign_in&actor=ada@example.org").await;
    let success: Vec<_> = signed_in
        .iter()
        .filter(|e| e["action"] == "auth.sign_in")
        .collect();
    assert_eq!(success.len(), 1, "{signed_in:?}");
    assert_eq!(success[0]["actor_id"], ada_id.as_str());
    assert_eq!(success[0]["target"], ada_id.as_str());
    assert_eq!(success[0]["client"], "127.0.0.1");
    assert!(success[0]["at"].as_str().is_some());

    // A wrong password for a known account: filed under that account, never the password.
    let wrong = portal
        .login("ada@example.org", "not the password at all")
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let failed = audit(&portal, &admin, "action=auth.sign_in_failed").await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["actor_email"], "ada@example.org");
    assert_eq!(failed[0]["target"], ada_id.as_str());
    assert_eq!(failed[0]["client"], "127.0.0.1");
    assert!(!failed[0].to_string().contains("not the password"));

    // An address with no account is not audited (it is rate-limited instead).
    let unknown = portal.login("nobody@example.org", PASSWORD).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(audit(&portal, &admin, "actor=nobody@").await.is_empty());

    // Five wrong passwords in a row lock the account: each failure and the lock are audited,
    // and so is a later attempt on the locked account.
    let grace = portal.active_third_party("grace@example.org").await;
    let grace_id = grace.user["id"].as_str().unwrap().to_owned();
    for _ in 0..5 {
        portal.login("grace@example.org", "wrong wrong wrong").await;
    }
    assert_eq!(
        portal.login("grace@example.org", PASSWORD).await.status,
        StatusCode::LOCKED
    );
    let graces = audit(&portal, &admin, &format!("target={grace_id}&action=auth.")).await;
    let mut seen = actions(&graces);
    seen.sort_unstable();
    let mut wanted = vec!["auth.sign_in_failed"; 6];
    wanted.extend(["auth.locked", "auth.sign_in"]);
    wanted.sort_unstable();
    assert_eq!(seen, wanted, "{graces:?}");
    assert!(graces.iter().all(|e| e["client"] == "127.0.0.1"));
    let lock = graces
        .iter()
        .find(|e| e["action"] == "auth.locked")
        .unwrap();
    assert_eq!(lock["actor_email"], "grace@example.org");

    // A profile change names the fields that changed, not what they now hold.
    let changed = portal
        .call(
            &ada,
            Method::PATCH,
            "/api/me",
            Some(json!({ "phone": "+44 20 7946 0000", "third_party_search_opt_in": true })),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    let profile = audit(&portal, &admin, "action=account.profile").await;
    assert_eq!(profile.len(), 1, "{profile:?}");
    assert_eq!(profile[0]["actor_id"], ada_id.as_str());
    assert_eq!(profile[0]["detail"], "phone, third_party_search_opt_in");
    assert_eq!(profile[0]["client"], "127.0.0.1");
    assert!(!profile[0].to_string().contains("7946"));

    // A new e-mail address is audited when asked for, and again when confirmed.
    let moved = portal
        .call(
            &ada,
            Method::PATCH,
            "/api/me",
            Some(json!({ "email": "ada.lovelace@example.org", "current_password": PASSWORD })),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    let token = portal
        .token_from_mail("ada.lovelace@example.org", "/verify-email")
        .await;
    let confirmed = portal
        .post("/api/auth/verify-email", json!({ "token": token }))
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{:?}", confirmed.body);
    let email = audit(&portal, &admin, "action=account.email").await;
    assert_eq!(
        actions(&email)
            .iter()
            .filter(|a| **a == "account.email_changed")
            .count(),
        1,
        "{email:?}"
    );
    assert_eq!(
        actions(&email)
            .iter()
            .filter(|a| **a == "account.email_change_requested")
            .count(),
        1,
        "{email:?}"
    );

    // A password change: audited, without the password.
    let ada = portal.sign_in("ada.lovelace@example.org", PASSWORD).await;
    let new_password = "violet harbour engine ninety";
    let changed = portal
        .call(
            &ada,
            Method::POST,
            "/api/me/password",
            Some(json!({ "current_password": PASSWORD, "new_password": new_password })),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    let password = audit(&portal, &admin, "action=account.password").await;
    assert_eq!(actions(&password), ["account.password_changed"]);
    assert_eq!(password[0]["target"], ada_id.as_str());
    assert!(!password[0].to_string().contains("violet"));
}

#[tokio::test]
async fn filters_narrow_by_person_action_object_and_date() {
    let portal = TestPortal::start().await;
    let ada = portal.active_learner("ada@example.org", "A1234567").await;
    let ada_id = ada.user["id"].as_str().unwrap().to_owned();
    let first_day = now(&portal).date();
    let admin = portal.admin().await;
    let admin_id = admin.user["id"].as_str().unwrap().to_owned();
    // Two days on (sessions have ended by then), everyone signs in again.
    portal.advance(time::Duration::days(2));
    let second_day = now(&portal).date();
    let admin = portal.admin().await;
    portal.sign_in("ada@example.org", PASSWORD).await;
    let range = format!("from={first_day}&to={second_day}");

    // Four sign-ins, and the administrator's second factor set up at the first one (ACC-3b).
    let everything = audit(&portal, &admin, &range).await;
    assert_eq!(everything.len(), 5, "{everything:?}");

    // By person: an e-mail address or its start, or an account id or its start.
    for actor in ["ada@example.org", "ADA@", &ada_id, &ada_id[..8]] {
        let by = audit(&portal, &admin, &format!("{range}&actor={actor}")).await;
        assert_eq!(by.len(), 2, "{actor}: {by:?}");
        assert!(by.iter().all(|e| e["actor_id"] == ada_id.as_str()));
    }
    let by_admin = audit(&portal, &admin, &format!("{range}&actor={ADMIN_EMAIL}")).await;
    assert!(by_admin.iter().all(|e| e["actor_id"] == admin_id.as_str()));
    assert_eq!(by_admin.len(), 3);

    // By kind of action (a prefix) and by object (exactly).
    assert_eq!(
        audit(&portal, &admin, &format!("{range}&action=auth."))
            .await
            .len(),
        4
    );
    assert!(
        audit(&portal, &admin, &format!("{range}&action=order."))
            .await
            .is_empty()
    );
    let on_ada = audit(&portal, &admin, &format!("{range}&target={ada_id}")).await;
    assert_eq!(on_ada.len(), 2);
    assert!(
        audit(&portal, &admin, &format!("{range}&target={}", &ada_id[..8]))
            .await
            .is_empty()
    );

    // By date: each day holds its own sign-ins, newest first across months.
    let day_one = audit(&portal, &admin, &format!("from={first_day}&to={first_day}")).await;
    assert_eq!(day_one.len(), 3, "{day_one:?}");
    let day_two = audit(
        &portal,
        &admin,
        &format!("from={second_day}&to={second_day}"),
    )
    .await;
    assert_eq!(day_two.len(), 2, "{day_two:?}");
    assert!(day_two[0]["at"].as_str() >= day_one[0]["at"].as_str());
    assert_eq!(&everything[..2], &day_two[..]);
    assert!(
        audit(&portal, &admin, "from=2001-01-01&to=2001-01-31")
            .await
            .is_empty()
    );

    // A page examines a bounded number of entries and hands on a cursor; following the cursors
    // reads everything exactly once.
    let mut cursor: Option<String> = None;
    let mut read = Vec::new();
    loop {
        let query = match &cursor {
            None => format!("/api/admin/audit?{range}&limit=1"),
            Some(c) => format!("/api/admin/audit?{range}&limit=1&cursor={c}"),
        };
        let page = portal.call(&admin, Method::GET, &query, None).await;
        assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
        read.extend(page.body["items"].as_array().unwrap().iter().cloned());
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(read, everything);

    // Bad values are refused naming their field.
    for (query, field) in [
        ("month=2026-13", "month"),
        ("from=2026-02-30", "from"),
        ("to=soon", "to"),
        ("from=2026-03-02&to=2026-03-01", "to"),
        ("from=2024-01-01&to=2025-06-30", "from"),
        ("month=2026-01&from=2026-01-01", "month"),
        ("action=AUTH!", "action"),
        ("cursor=not-ours", "cursor"),
    ] {
        // The export has no pages, so no cursor.
        let paths = if field == "cursor" {
            &["/api/admin/audit"][..]
        } else {
            &["/api/admin/audit", "/api/admin/audit.csv"][..]
        };
        for path in paths {
            let answer = portal
                .call(&admin, Method::GET, &format!("{path}?{query}"), None)
                .await;
            assert_eq!(
                answer.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path}?{query}"
            );
            assert_eq!(answer.fields(), [field], "{path}?{query}");
        }
    }
}

#[tokio::test]
async fn the_csv_export_is_rfc_4180_neutralises_formulas_and_is_for_admins_only() {
    let portal = TestPortal::start().await;
    let ada = portal.active_learner("ada@example.org", "A1234567").await;
    let admin = portal.admin().await;
    // A rejection whose reason has a comma and quotes and starts like a formula.
    let pending = portal
        .register_and_verify(learner("nobody@example.org", "Z9999999"))
        .await;
    assert_eq!(pending.body["status"], "pending_review");
    let queue = portal
        .call(&admin, Method::GET, "/api/admin/registrations", None)
        .await;
    let id = queue.body["items"][0]["account"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reason = "=HYPERLINK(\"https://example.org\", \"no record\"), sorry";
    let rejected = portal
        .call(
            &admin,
            Method::POST,
            &format!("/api/admin/registrations/{id}/reject"),
            Some(json!({ "reason": reason })),
        )
        .await;
    assert_eq!(rejected.status, StatusCode::OK, "{:?}", rejected.body);

    let (answer, text) = export(&portal, &admin, "").await;
    assert_eq!(answer.status, StatusCode::OK, "{text}");
    assert_eq!(
        answer.headers["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    let month = &now(&portal).to_string()[..7];
    let disposition = answer.headers["content-disposition"].to_str().unwrap();
    assert_eq!(
        disposition,
        format!("attachment; filename=\"audit-{month}.csv\"")
    );
    let mut lines = text.split("\r\n");
    assert_eq!(
        lines.next(),
        Some("at,actor_email,actor_id,action,target,detail,client")
    );
    let row = text
        .split("\r\n")
        .find(|l| l.contains("registration.reject"))
        .unwrap_or_else(|| panic!("no rejection in {text}"));
    assert!(
        row.ends_with(
            ",\"'=HYPERLINK(\"\"https://example.org\"\", \"\"no record\"\"), sorry\",127.0.0.1"
        ),
        "{row}"
    );
    assert!(text.ends_with("\r\n"));

    // The same filters as the list.
    let (_, signins) = export(&portal, &admin, "action=auth.sign_in").await;
    let rows: Vec<_> = signins
        .split("\r\n")
        .skip(1)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(rows.len(), 2, "{signins}");
    assert!(rows.iter().all(|r| r.contains(",auth.sign_in,")));

    // Learners and centre users may not read the log; no one signed out may.
    portal
        .import_centre(
            "C12345",
            "Northfield College",
            "alan@northfield.example.org",
        )
        .await;
    let verified = portal
        .approved_centre_user(centre_user(
            "alan@northfield.example.org",
            "C12345",
            "Northfield College",
        ))
        .await;
    assert_eq!(verified.body["status"], "active", "{:?}", verified.body);
    let alan = portal
        .sign_in("alan@northfield.example.org", PASSWORD)
        .await;
    for session in [&ada, &alan] {
        let list = portal
            .call(session, Method::GET, "/api/admin/audit", None)
            .await;
        assert_eq!(list.status, StatusCode::FORBIDDEN);
        let (csv, _) = export(&portal, session, "").await;
        assert_eq!(csv.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        portal.get("/api/admin/audit").await.status,
        StatusCode::UNAUTHORIZED
    );
    let (anonymous, _) = export(&portal, &Session::anonymous(), "").await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}
