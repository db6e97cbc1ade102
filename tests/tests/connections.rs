//! Connections over HTTP (CON-1..10): both sides' journeys with the clock moving, who may do
//! what, the same answer for any e-mail, bad input writing nothing, races between the sides,
//! the expiry function, third-party search and reports through a connection.

use portal_domain::Error;
use portal_domain::accounts::sessions::Principal;
use portal_domain::connections::actions::{self, ConnectionInput, ExpiryInput, SharesInput, Tab};
use portal_domain::connections::state::{Action, Side, Status};
use portal_domain::connections::{self, Connection, end_of, rules};
use portal_domain::documents::access;
use portal_domain::secrets;
use portal_tests::connections::principal;
use portal_tests::connections::{
    ADA, GRACE, act, active_connection, ada_with_documents, again, centre_session, connect,
    connection_path, date_of, day, expect, fetch, ids_on, iso, issue_to, learner_named,
    mails_about, run_expiry, stored, tab,
};
use portal_tests::portal::{Session, TestPortal, now};
use proptest::collection::vec;
use proptest::prelude::{Strategy, any};
use proptest::test_runner::{Config, TestRunner};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::Date;
use time::{Duration, OffsetDateTime};

fn id_of(answer: &Value) -> String {
    answer["id"].as_str().expect("an id").to_owned()
}

fn actions_of(view: &Value) -> Vec<String> {
    view["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| a.as_str().expect("an action").to_owned())
        .collect()
}

fn sorted(mut references: Vec<String>) -> Vec<String> {
    references.sort();
    references
}

/// The references `GET …/documents` lists, or its status when refused.
async fn shared_with(
    portal: &TestPortal,
    who: &Session,
    id: &str,
) -> Result<Vec<String>, StatusCode> {
    let answer = act(portal, who, Method::GET, id, "/documents", None).await;
    if answer.status != StatusCode::OK {
        return Err(answer.status);
    }
    Ok(sorted(
        answer.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|d| d["reference"].as_str().expect("a reference").to_owned())
            .collect(),
    ))
}

/// The status of opening a document through a connection (`None`: without one).
async fn open_through(
    portal: &TestPortal,
    who: &Session,
    reference: &str,
    id: Option<&str>,
) -> StatusCode {
    let query = id.map(|id| format!("?connection={id}")).unwrap_or_default();
    portal
        .call(
            who,
            Method::GET,
            &format!("/api/documents/{reference}{query}"),
            None,
        )
        .await
        .status
}

/// Moves the clock to `instant`.
fn move_to(portal: &TestPortal, instant: OffsetDateTime) {
    portal.advance(instant - now(portal));
}

#[tokio::test]
async fn a_learner_shares_with_an_invited_third_party_who_gets_more_time_until_it_expires() {
    let (portal, ada, refs) = ada_with_documents().await;
    let shared = sorted(vec![refs[0].clone(), refs[2].clone()]);
    let created = portal
        .call(
            &ada,
            Method::POST,
            "/api/connections",
            Some(json!({ "name": "Grace Hopper", "email": GRACE, "message": "For the interview on Monday", "document_references": shared })),
        )
        .await;
    let created = expect(created, StatusCode::CREATED, "Ada adds Grace");
    let id = id_of(&created.body);
    assert_eq!(created.body["status"], "pending");
    assert_eq!(created.body["initiated_by"], "learner");
    assert_eq!(created.body["documents_shared"], 2);
    // No date given: one month from today.
    let lasts = (date_of(&created.body["expires_on"]) - day(&portal, 0)).whole_days();
    assert!((28..=31).contains(&lasts), "{lasts} days");

    // Grace has no account: the e-mail invites her to register with that address.
    let invite = portal.mail_to(GRACE).await;
    assert_eq!(invite.len(), 1, "{invite:#?}");
    let text = invite[0]["text"].as_str().unwrap();
    for needle in ["/register", "Ada Lovelace", "For the interview on Monday"] {
        assert!(text.contains(needle), "{needle} not in {text}");
    }
    let grace = portal.active_third_party(GRACE).await;
    let waiting = tab(&portal, &grace, "active").await;
    assert_eq!(waiting.len(), 1, "{waiting:#?}");
    assert_eq!(waiting[0]["id"], id.as_str());
    assert_eq!(waiting[0]["status"], "pending");
    assert_eq!(waiting[0]["your_side"], "third_party");
    assert_eq!(waiting[0]["other"]["email"], ADA);
    assert!(actions_of(&waiting[0]).contains(&"accept".to_owned()));
    assert_eq!(
        shared_with(&portal, &grace, &id).await,
        Err(StatusCode::CONFLICT),
        "nothing is seen while pending"
    );

    let accepted = act(
        &portal,
        &grace,
        Method::POST,
        &id,
        "/accept",
        Some(json!({})),
    )
    .await;
    assert_eq!(
        expect(accepted, StatusCode::OK, "Grace accepts").body["status"],
        "active"
    );
    assert_eq!(
        mails_about(&portal, ADA, "accepted your connection").await,
        1
    );

    // Exactly what is shared, view-only.
    assert_eq!(shared_with(&portal, &grace, &id).await, Ok(shared.clone()));
    let certificate = &refs[0];
    let viewed = portal
        .call(
            &grace,
            Method::GET,
            &format!("/api/documents/{certificate}?connection={id}"),
            None,
        )
        .await;
    let viewed = expect(viewed, StatusCode::OK, "Grace opens the certificate");
    assert_eq!(viewed.body["reference"], certificate.as_str());
    assert_eq!(viewed.body["downloads"], Value::Null, "downloads are Ada's");
    // Of the achievement, only what is shared: no other document's reference, no enrolment number.
    let listed: Vec<&str> = viewed.body["achievement"]["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["reference"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [certificate.as_str()]);
    assert_eq!(viewed.body["achievement"]["enrolment_number"], "");
    assert_eq!(
        open_through(&portal, &grace, certificate, None).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        open_through(&portal, &grace, &refs[1], Some(&id)).await,
        StatusCode::NOT_FOUND,
        "the unit certificate is not shared"
    );
    let pdf = fetch(
        &portal,
        &grace,
        &format!("/api/documents/{certificate}/pdf?connection={id}"),
    )
    .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.bytes.starts_with(b"%PDF"));
    assert!(
        pdf.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline")
    );
    let download = fetch(
        &portal,
        &grace,
        &format!("/api/documents/{certificate}/pdf?connection={id}&download=true"),
    )
    .await;
    assert_eq!(download.status, StatusCode::FORBIDDEN, "view only");

    // Grace asks for more time; Ada approves and Grace is told.
    let current = date_of(&stored_view(&portal, &grace, &id).await["expires_on"]);
    let wanted = current + Duration::days(30);
    let asked = portal
        .call(
            &grace,
            Method::POST,
            &connection_path(&id, "/extension-requests"),
            Some(json!({ "expires_on": iso(wanted) })),
        )
        .await;
    let asked = expect(asked, StatusCode::CREATED, "Grace asks for more time");
    let request = asked.body["extension_request"]["id"]
        .as_str()
        .expect("the request's id")
        .to_owned();
    assert_eq!(mails_about(&portal, ADA, "asks for more time").await, 1);
    // A request that is not the one waiting, or not an id at all, is not found; nothing changes.
    let waiting = stored(&portal, &id).await;
    for other in [
        secrets::new_id(&portal_domain::ports::SystemRandom),
        "x".to_owned(),
    ] {
        for answer in ["approve", "decline"] {
            let refused = act(
                &portal,
                &ada,
                Method::POST,
                &id,
                &format!("/extension-requests/{other}/{answer}"),
                None,
            )
            .await;
            assert_eq!(refused.status, StatusCode::NOT_FOUND, "{other} {answer}");
            assert!(refused.is_problem());
        }
    }
    assert_eq!(stored(&portal, &id).await, waiting);
    let approved = act(
        &portal,
        &ada,
        Method::POST,
        &id,
        &format!("/extension-requests/{request}/approve"),
        None,
    )
    .await;
    let approved = expect(approved, StatusCode::OK, "Ada approves");
    assert_eq!(approved.body["expires_on"], iso(wanted));
    assert_eq!(approved.body["extension_request"], Value::Null);
    assert_eq!(mails_about(&portal, GRACE, "approved more time").await, 1);

    // Access ends at the instant, before any scheduler.
    let ends: OffsetDateTime = OffsetDateTime::parse(
        approved.body["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    move_to(&portal, ends - Duration::minutes(1));
    let (ada, grace) = (again(&portal, &ada).await, again(&portal, &grace).await);
    assert_eq!(shared_with(&portal, &grace, &id).await, Ok(shared.clone()));
    portal.advance(Duration::minutes(1));
    assert_eq!(
        shared_with(&portal, &grace, &id).await,
        Err(StatusCode::CONFLICT)
    );
    assert_eq!(
        open_through(&portal, &grace, certificate, Some(&id)).await,
        StatusCode::NOT_FOUND
    );
    let seen = stored_view(&portal, &grace, &id).await;
    assert_eq!(seen["status"], "expired");
    assert!(!actions_of(&seen).contains(&"view_documents".to_owned()));
    assert_eq!(
        stored(&portal, &id).await.status,
        portal_domain::connections::state::Status::Active,
        "not yet marked"
    );

    // The scheduler marks it and tells both sides once, however often it runs.
    assert_eq!(run_expiry(&portal).await, 1);
    assert_eq!(run_expiry(&portal).await, 0);
    for who in [ADA, GRACE] {
        assert_eq!(mails_about(&portal, who, "has expired").await, 1, "{who}");
    }
    for who in [&ada, &grace] {
        assert_eq!(ids_on(&portal, who, "inactive").await, vec![id.clone()]);
        assert!(ids_on(&portal, who, "active").await.is_empty());
    }

    // Ada extends the expired connection: active again, and Grace is told.
    let extended = portal
        .call(
            &ada,
            Method::POST,
            &connection_path(&id, "/extend"),
            Some(json!({ "expires_on": iso(day(&portal, 10)) })),
        )
        .await;
    assert_eq!(
        expect(extended, StatusCode::OK, "Ada extends").body["status"],
        "active"
    );
    assert_eq!(shared_with(&portal, &grace, &id).await, Ok(shared));
    assert_eq!(
        mails_about(&portal, GRACE, "extended your connection").await,
        1
    );
    assert_eq!(ids_on(&portal, &grace, "active").await, vec![id]);
}

async fn stored_view(portal: &TestPortal, who: &Session, id: &str) -> Value {
    let seen = act(portal, who, Method::GET, id, "", None).await;
    expect(seen, StatusCode::OK, "reading the connection").body
}

#[tokio::test]
async fn a_third_party_asks_a_learner_who_chooses_and_changes_what_is_shared_until_cancelled() {
    let (portal, ada, refs) = ada_with_documents().await;
    let grace = portal.active_third_party(GRACE).await;
    let id = connect(
        &portal,
        &grace,
        json!({ "name": "Ada Lovelace", "email": ADA, "message": "We met at the careers fair" }),
    )
    .await;
    assert_eq!(
        mails_about(&portal, ADA, "wants to connect with you").await,
        1
    );
    let pending = tab(&portal, &ada, "active").await;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["initiated_by"], "third_party");
    assert_eq!(pending[0]["message"], "We met at the careers fair");
    assert_eq!(
        sorted(actions_of(&pending[0])),
        sorted(vec!["accept".into(), "reject".into(), "cancel".into()])
    );
    // Grace cannot accept her own request, nor see anything yet.
    let own = act(
        &portal,
        &grace,
        Method::POST,
        &id,
        "/accept",
        Some(json!({})),
    )
    .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    assert_eq!(
        shared_with(&portal, &grace, &id).await,
        Err(StatusCode::CONFLICT)
    );

    let accepted = act(
        &portal,
        &ada,
        Method::POST,
        &id,
        "/accept",
        Some(json!({ "document_references": [refs[0]] })),
    )
    .await;
    let accepted = expect(accepted, StatusCode::OK, "Ada accepts");
    assert_eq!(accepted.body["documents_shared"], 1);
    assert_eq!(
        mails_about(&portal, GRACE, "accepted your connection").await,
        1
    );
    assert_eq!(
        shared_with(&portal, &grace, &id).await,
        Ok(vec![refs[0].clone()])
    );

    // Ada changes what is shared; Grace is told, and sees only the new choice.
    let changed = act(
        &portal,
        &ada,
        Method::PUT,
        &id,
        "/documents",
        Some(json!({ "document_references": [refs[1], refs[2]] })),
    )
    .await;
    expect(changed, StatusCode::OK, "Ada changes the documents");
    assert_eq!(
        mails_about(&portal, GRACE, "changed the documents shared").await,
        1
    );
    assert_eq!(
        shared_with(&portal, &grace, &id).await,
        Ok(sorted(vec![refs[1].clone(), refs[2].clone()]))
    );
    assert_eq!(
        open_through(&portal, &grace, &refs[0], Some(&id)).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        open_through(&portal, &grace, &refs[1], Some(&id)).await,
        StatusCode::OK
    );

    // Grace cancels; Ada is told; it is over for good.
    let cancelled = act(&portal, &grace, Method::DELETE, &id, "", None).await;
    assert_eq!(
        expect(cancelled, StatusCode::OK, "Grace cancels").body["status"],
        "cancelled"
    );
    assert_eq!(
        mails_about(&portal, ADA, "cancelled your connection").await,
        1
    );
    let before = stored(&portal, &id).await;
    for (method, path, body) in [
        (
            Method::POST,
            "/extend",
            json!({ "expires_on": iso(day(&portal, 20)) }),
        ),
        (Method::POST, "/accept", json!({})),
        (
            Method::PUT,
            "/documents",
            json!({ "document_references": [refs[0]] }),
        ),
    ] {
        let refused = portal
            .call(&ada, method, &connection_path(&id, path), Some(body))
            .await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{path}");
    }
    assert_eq!(stored(&portal, &id).await, before);
    assert_eq!(
        shared_with(&portal, &grace, &id).await,
        Err(StatusCode::CONFLICT)
    );
    assert_eq!(
        open_through(&portal, &grace, &refs[1], Some(&id)).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(ids_on(&portal, &ada, "inactive").await, vec![id.clone()]);
    assert_eq!(
        tab(&portal, &grace, "inactive").await[0]["status"],
        "cancelled"
    );
}

/// The answer's shape: its keys, and for each value its kind (never the value).
fn shape(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| (key.clone(), shape(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        other => other.clone(),
    }
}

#[tokio::test]
async fn a_request_to_an_address_that_is_no_learners_answers_alike_and_waits_for_them() {
    let (portal, _ada, _) = ada_with_documents().await;
    let grace = portal.active_third_party(GRACE).await;
    let ask = |name: &str, email: &str| {
        portal.call(
            &grace,
            Method::POST,
            "/api/connections",
            Some(json!({ "name": name, "email": email, "message": "Hello" })),
        )
    };
    let known = ask("Ada Lovelace", ADA).await;
    let unknown = ask("Bea Nobody", "bea@learners.test").await;
    assert_eq!(known.status, StatusCode::CREATED);
    assert_eq!(unknown.status, known.status);
    assert_eq!(shape(&unknown.body), shape(&known.body));
    for field in [
        "status",
        "initiated_by",
        "your_side",
        "actions",
        "documents_shared",
        "expires_on",
        "expires_at",
        "message",
        "extension_request",
    ] {
        assert_eq!(unknown.body[field], known.body[field], "{field}");
    }
    assert_eq!(
        unknown.body["other"]["company"],
        known.body["other"]["company"]
    );
    let waiting = id_of(&unknown.body);

    // Bea registers as a learner with that address: the request waits for her, and she
    // shares her own documents.
    let bea_refs = issue_to(
        &portal,
        "J-BEA",
        "ENR-2001",
        ("Bea", "Nobody"),
        &["certificate"],
    )
    .await;
    let bea = learner_named(&portal, "bea@learners.test", "ENR-2001", ("Bea", "Nobody")).await;
    let listed = tab(&portal, &bea, "active").await;
    assert_eq!(listed.len(), 1, "{listed:#?}");
    assert_eq!(listed[0]["id"], waiting.as_str());
    assert_eq!(listed[0]["other"]["email"], GRACE);
    let accepted = act(
        &portal,
        &bea,
        Method::POST,
        &waiting,
        "/accept",
        Some(json!({ "document_references": bea_refs })),
    )
    .await;
    expect(accepted, StatusCode::OK, "Bea accepts, sharing her own");
    assert_eq!(shared_with(&portal, &grace, &waiting).await, Ok(bea_refs));

    // An account of the other kind with a waiting address does not take it.
    let for_carl = connect(
        &portal,
        &grace,
        json!({ "name": "Carl Nobody", "email": "carl@learners.test" }),
    )
    .await;
    let imposter = portal.active_third_party("carl@learners.test").await;
    assert!(tab(&portal, &imposter, "active").await.is_empty());
    assert_eq!(
        act(&portal, &imposter, Method::GET, &for_carl, "", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

/// What a connection is in before a row of the matrix is tried on it.
#[derive(Debug, Clone, Copy)]
enum Setup {
    /// Ada asked Grace; Grace has not answered.
    Pending,
    Active,
    /// Active, and Grace asked for more time.
    Asked,
}

/// A row of the matrix: the route after `/api/connections/{id}` (`{request}`: the extension
/// request's id), its body, the connection it is tried on, and each person's status.
type Row = (Method, &'static str, Option<Value>, Setup, [u16; 7]);

/// A fresh connection from Ada to Grace sharing the certificate, in `setup`; its id and the
/// extension request's.
async fn set_up(
    portal: &TestPortal,
    (ada, grace): (&Session, &Session),
    certificate: &str,
    setup: Setup,
) -> (String, String) {
    let id = connect(
        portal,
        ada,
        json!({ "name": "Grace Hopper", "email": GRACE, "document_references": [certificate] }),
    )
    .await;
    if let Setup::Pending = setup {
        return (id, String::new());
    }
    let accepted = act(portal, grace, Method::POST, &id, "/accept", Some(json!({}))).await;
    expect(accepted, StatusCode::OK, "accepting");
    if let Setup::Active = setup {
        return (id, String::new());
    }
    let asked = act(
        portal,
        grace,
        Method::POST,
        &id,
        "/extension-requests",
        Some(json!({ "expires_on": iso(day(portal, 60)) })),
    )
    .await;
    let asked = expect(asked, StatusCode::CREATED, "asking for more time");
    let request = asked.body["extension_request"]["id"]
        .as_str()
        .expect("a request")
        .to_owned();
    (id, request)
}

#[tokio::test]
async fn each_route_lets_only_the_right_side_act_and_tells_others_apart_by_status() {
    let (portal, ada, refs) = ada_with_documents().await;
    let grace = portal.active_third_party(GRACE).await;
    let bob = portal.active_learner("bob@learners.test", "ENR-1002").await;
    let hal = portal.active_third_party("hal@employer.test").await;
    let centre = centre_session(&portal).await;
    let admin = portal.admin().await;
    let people: [(&str, Option<&Session>); 7] = [
        ("the learner", Some(&ada)),
        ("the third party", Some(&grace)),
        ("another learner", Some(&bob)),
        ("another third party", Some(&hal)),
        ("a centre user", Some(&centre)),
        ("an administrator", Some(&admin)),
        ("anonymous", None),
    ];
    // Everyone who is neither side: 404 to people of the kinds that have connections, 403 to
    // other kinds, 401 to nobody signed in.
    const OUT: [u16; 5] = [404, 404, 403, 403, 401];
    let sides = |learner: u16, third_party: u16| -> [u16; 7] {
        let mut all = [learner, third_party, 0, 0, 0, 0, 0];
        all[2..].copy_from_slice(&OUT);
        all
    };
    let later = json!({ "expires_on": iso(day(&portal, 45)) });
    let rows: Vec<Row> = vec![
        (Method::GET, "", None, Setup::Active, sides(200, 200)),
        (Method::DELETE, "", None, Setup::Active, sides(200, 200)),
        (
            Method::POST,
            "/accept",
            Some(json!({})),
            Setup::Pending,
            sides(403, 200),
        ),
        (
            Method::POST,
            "/reject",
            None,
            Setup::Pending,
            sides(403, 200),
        ),
        (
            Method::PUT,
            "/documents",
            Some(json!({ "document_references": [refs[1]] })),
            Setup::Active,
            sides(200, 403),
        ),
        (
            Method::POST,
            "/extend",
            Some(later.clone()),
            Setup::Active,
            sides(200, 403),
        ),
        (
            Method::POST,
            "/extension-requests",
            Some(later),
            Setup::Active,
            sides(403, 201),
        ),
        (
            Method::POST,
            "/extension-requests/{request}/approve",
            None,
            Setup::Asked,
            sides(200, 403),
        ),
        (
            Method::POST,
            "/extension-requests/{request}/decline",
            None,
            Setup::Asked,
            sides(200, 403),
        ),
        (
            Method::GET,
            "/documents",
            None,
            Setup::Active,
            sides(403, 200),
        ),
    ];
    for (method, rest, body, setup, expected) in rows {
        let (mut id, mut request) = set_up(&portal, (&ada, &grace), &refs[0], setup).await;
        // Those refused first, on one connection that must not change; each success after.
        let mut order: Vec<usize> = (0..people.len()).collect();
        order.sort_by_key(|&i| expected[i] < 300);
        let mut succeeded = false;
        for i in order {
            let (who, session) = people[i];
            let success = expected[i] < 300;
            if success && succeeded && method != Method::GET {
                (id, request) = set_up(&portal, (&ada, &grace), &refs[0], setup).await;
            }
            let before = stored(&portal, &id).await;
            let path = connection_path(&id, &rest.replace("{request}", &request));
            let answer = match session {
                Some(session) => {
                    portal
                        .call(session, method.clone(), &path, body.clone())
                        .await
                }
                None => portal.send(method.clone(), &path, body.clone(), &[]).await,
            };
            assert_eq!(
                answer.status.as_u16(),
                expected[i],
                "{method} {rest} by {who}: {:?}",
                answer.body
            );
            if success {
                succeeded = true;
            } else {
                assert!(answer.is_problem(), "{method} {rest} by {who}");
                assert_eq!(
                    stored(&portal, &id).await,
                    before,
                    "{method} {rest} by {who}"
                );
            }
        }
    }

    // The lists and search: each kind its own.
    for (i, (who, session)) in people.iter().enumerate() {
        let list = match session {
            Some(session) => {
                portal
                    .call(session, Method::GET, "/api/connections", None)
                    .await
            }
            None => portal.get("/api/connections").await,
        };
        let expected = [200, 200, 200, 200, 403, 403, 401][i];
        assert_eq!(list.status.as_u16(), expected, "the list for {who}");
    }
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field_and_writes_nothing() {
    let (portal, ada, refs) = ada_with_documents().await;
    let grace = portal.active_third_party(GRACE).await;
    let bobs = portal
        .issue(portal_tests::jobs::job(
            "J-BOB",
            vec![portal_tests::jobs::achievement(
                "ENR-1002",
                "603/4182/8",
                &["certificate"],
            )],
        ))
        .await;
    let unknown =
        portal_domain::documents::Reference::new(portal.running.ctx.random.as_ref()).to_string();
    let id = active_connection(&portal, &ada, &grace, &[refs[0].clone()]).await;
    let pending = connect(
        &portal,
        &ada,
        json!({ "name": "Grace Hopper", "email": GRACE }),
    )
    .await;
    let snapshot = || async {
        (
            stored(&portal, &id).await,
            stored(&portal, &pending).await,
            tab(&portal, &ada, "active").await,
            tab(&portal, &ada, "inactive").await,
            tab(&portal, &grace, "active").await,
            portal.mail_count().await,
        )
    };
    let before = snapshot().await;
    let adding = |extra: Value| {
        let mut body = json!({ "name": "Hal Employer", "email": "hal@employer.test" });
        for (key, value) in extra.as_object().expect("fields") {
            body[key] = value.clone();
        }
        Some(body)
    };
    let (past, too_late) = (iso(day(&portal, -1)), iso(day(&portal, 366)));
    let long = "x".repeat(101);
    let creating = [
        (json!({ "expires_on": past }), "expires_on"),
        (json!({ "expires_on": too_late }), "expires_on"),
        (json!({ "expires_on": "2026-02-30" }), "expires_on"),
        (json!({ "expires_on": "next week" }), "expires_on"),
        (json!({ "name": null }), "name"),
        (json!({ "name": "   " }), "name"),
        (json!({ "email": null }), "email"),
        (json!({ "email": "not an address" }), "email"),
        (json!({ "email": ADA }), "email"),
        (
            json!({ "document_references": [bobs[0]] }),
            "document_references[0]",
        ),
        (
            json!({ "document_references": [refs[0], unknown] }),
            "document_references[1]",
        ),
        (
            json!({ "document_references": [refs[0], refs[1], "nonsense"] }),
            "document_references[2]",
        ),
    ];
    let mut cases: Vec<(&Session, Method, String, Option<Value>, &str)> = creating
        .into_iter()
        .map(|(extra, field)| {
            (
                &ada,
                Method::POST,
                "/api/connections".to_owned(),
                adding(extra),
                field,
            )
        })
        .collect();
    cases.extend([
        (
            &grace,
            Method::POST,
            "/api/connections".into(),
            Some(json!({ "name": "Ada Lovelace", "email": ADA, "document_references": [refs[0]] })),
            "document_references",
        ),
        (
            &grace,
            Method::POST,
            connection_path(&pending, "/accept"),
            Some(json!({ "document_references": [refs[0]] })),
            "document_references",
        ),
        (
            &ada,
            Method::PUT,
            connection_path(&id, "/documents"),
            Some(json!({})),
            "document_references",
        ),
        (
            &ada,
            Method::PUT,
            connection_path(&id, "/documents"),
            Some(json!({ "document_references": [bobs[0]] })),
            "document_references[0]",
        ),
        (
            &ada,
            Method::POST,
            connection_path(&id, "/extend"),
            Some(json!({})),
            "expires_on",
        ),
        (
            &ada,
            Method::POST,
            connection_path(&id, "/extend"),
            Some(json!({ "expires_on": "soon" })),
            "expires_on",
        ),
        (
            &ada,
            Method::POST,
            connection_path(&id, "/extend"),
            Some(json!({ "expires_on": past })),
            "expires_on",
        ),
        (
            &ada,
            Method::POST,
            connection_path(&id, "/extend"),
            Some(json!({ "expires_on": too_late })),
            "expires_on",
        ),
        (
            &grace,
            Method::POST,
            connection_path(&id, "/extension-requests"),
            Some(json!({ "expires_on": past })),
            "expires_on",
        ),
        (
            &grace,
            Method::POST,
            connection_path(&id, "/extension-requests"),
            Some(json!({ "expires_on": too_late })),
            "expires_on",
        ),
        (
            &ada,
            Method::GET,
            "/api/connections?tab=archived".into(),
            None,
            "tab",
        ),
        (
            &ada,
            Method::GET,
            format!("/api/connections?q={long}"),
            None,
            "q",
        ),
        (
            &grace,
            Method::GET,
            "/api/search/learners?q=ab".into(),
            None,
            "q",
        ),
    ]);
    for (who, method, path, body, field) in cases {
        let answer = portal.call(who, method.clone(), &path, body.clone()).await;
        let what = format!("{method} {path} {body:?}");
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {:?}",
            answer.body
        );
        assert!(answer.is_problem(), "{what}");
        assert!(
            answer.fields().contains(&field.to_owned()),
            "{what}: {field} not in {:?}",
            answer.fields()
        );
    }
    assert_eq!(snapshot().await, before, "nothing was written");

    // The edges are allowed: the last day the maximum allows, and today.
    for last in [day(&portal, 365), day(&portal, 0)] {
        connect(
            &portal,
            &ada,
            json!({ "name": "Hal Employer", "email": "hal@employer.test", "expires_on": iso(last) }),
        )
        .await;
    }
}

#[tokio::test]
async fn accepting_and_cancelling_at_once_end_as_a_serial_order_would() {
    let (portal, ada, refs) = ada_with_documents().await;
    let grace = portal.active_third_party(GRACE).await;
    let (mut accepts, mut cancels) = (0, 0);
    for round in 0..15 {
        let id = set_up(&portal, (&ada, &grace), &refs[0], Setup::Pending)
            .await
            .0;
        let version = stored(&portal, &id).await.version;
        let (accepted, cancelled) = tokio::join!(
            act(
                &portal,
                &grace,
                Method::POST,
                &id,
                "/accept",
                Some(json!({}))
            ),
            act(&portal, &ada, Method::DELETE, &id, "", None),
        );
        for answer in [&accepted, &cancelled] {
            assert!(
                [StatusCode::OK, StatusCode::CONFLICT].contains(&answer.status),
                "round {round}: {answer:?}"
            );
        }
        let after = stored(&portal, &id).await;
        let outcome = (
            accepted.status == StatusCode::OK,
            cancelled.status == StatusCode::OK,
        );
        // Both only as accept-then-cancel; otherwise the one that won alone.
        let (status, changes) = match outcome {
            (true, true) => (Status::Cancelled, 2),
            (true, false) => (Status::Active, 1),
            (false, true) => (Status::Cancelled, 1),
            (false, false) => panic!("round {round}: neither applied"),
        };
        assert_eq!(
            (after.status, after.version),
            (status, version + changes),
            "round {round}"
        );
        accepts += usize::from(outcome.0);
        cancels += usize::from(outcome.1);
    }
    assert_eq!(
        mails_about(&portal, ADA, "accepted your connection").await,
        accepts
    );
    assert_eq!(
        mails_about(&portal, GRACE, "cancelled your connection").await,
        cancels
    );
}

#[tokio::test]
async fn two_extensions_at_once_leave_one_winners_date() {
    let (portal, ada, refs) = ada_with_documents().await;
    let grace = portal.active_third_party(GRACE).await;
    let id = active_connection(&portal, &ada, &grace, &[refs[0].clone()]).await;
    let mut extended = 0;
    for round in 0..10 {
        let dates = [day(&portal, 40 + 2 * round), day(&portal, 41 + 2 * round)];
        let before = stored(&portal, &id).await;
        let extend = |date| {
            act(
                &portal,
                &ada,
                Method::POST,
                &id,
                "/extend",
                Some(json!({ "expires_on": iso(date) })),
            )
        };
        let (first, second) = tokio::join!(extend(dates[0]), extend(dates[1]));
        let winners: Vec<_> = [(first, dates[0]), (second, dates[1])]
            .into_iter()
            .filter_map(|(answer, date)| {
                assert!(
                    [StatusCode::OK, StatusCode::CONFLICT].contains(&answer.status),
                    "{answer:?}"
                );
                (answer.status == StatusCode::OK).then_some(date)
            })
            .collect();
        assert!(!winners.is_empty(), "round {round}: neither applied");
        let after = stored(&portal, &id).await;
        assert!(winners.contains(&after.expires_on), "round {round}");
        assert_eq!(after.version, before.version + winners.len() as i64);
        assert_eq!(
            date_of(&stored_view(&portal, &grace, &id).await["expires_on"]),
            after.expires_on
        );
        extended += winners.len();
    }
    assert_eq!(
        mails_about(&portal, GRACE, "extended your connection").await,
        extended
    );
}

/// One random step of the model test: who does what, as the model and as the domain take it.
#[derive(Debug, Clone)]
enum Step {
    Accept(Side, Vec<String>),
    Reject(Side),
    Cancel(Side),
    Share(Side, Vec<String>),
    Extend(Side, Date),
    AskForMore(Side, Date),
    Answer(Side, bool),
    Expire,
    Wait(Duration),
}

/// A step as proptest draws it: (what, whose side, which documents as a bit mask, a date as days
/// from the day it runs, approve or decline, hours to wait). Dates are relative so that a
/// shrunk sequence still means the same thing.
type StepSpec = (u8, bool, u8, i64, bool, i64);

fn step_specs() -> impl Strategy<Value = Vec<StepSpec>> {
    vec(
        (
            0u8..11,
            any::<bool>(),
            0u8..8,
            -3i64..397,
            any::<bool>(),
            0i64..480,
        ),
        1..30,
    )
}

fn step_of(spec: &StepSpec, refs: &[String], today: Date) -> Step {
    let &(what, learner, mask, days, approve, hours) = spec;
    let side = if learner {
        Side::Learner
    } else {
        Side::ThirdParty
    };
    let documents = || -> Vec<String> {
        refs.iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, r)| r.clone())
            .collect()
    };
    let date = today + Duration::days(days);
    match what {
        // A third party sending documents is refused as bad input (tested on its own).
        0 => Step::Accept(
            side,
            match side {
                Side::Learner => documents(),
                Side::ThirdParty => Vec::new(),
            },
        ),
        1 => Step::Reject(side),
        2 => Step::Cancel(side),
        3 => Step::Share(side, documents()),
        4 => Step::Extend(side, date),
        5 => Step::AskForMore(side, date),
        6 => Step::Answer(side, approve),
        7 => Step::Expire,
        _ => Step::Wait(Duration::hours(hours)),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_sequences_of_both_sides_and_the_clock_store_what_the_model_says() {
    let (portal, ada, refs) = ada_with_documents().await;
    let grace = portal.active_third_party(GRACE).await;
    let (ada, grace) = (
        principal(&portal, &ada).await,
        principal(&portal, &grace).await,
    );
    let handle = tokio::runtime::Handle::current();
    let mut runner = TestRunner::new(Config {
        cases: 40,
        failure_persistence: None,
        ..Config::default()
    });
    let cases = (any::<bool>(), 1usize..=3, step_specs());
    // proptest drives synchronous cases; each one runs the async sequence to its end, and a
    // failure is shrunk to the shortest sequence that still fails.
    let outcome = tokio::task::block_in_place(|| {
        runner.run(&cases, |(learner_starts, documents, specs)| {
            handle.block_on(sequence(
                &portal,
                [&ada, &grace],
                &refs,
                learner_starts,
                documents,
                &specs,
            ));
            Ok(())
        })
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}

/// One random sequence on a new connection: after every step, the stored connection is what the
/// model says, and the third party sees exactly what the model lets them.
async fn sequence(
    portal: &TestPortal,
    [ada, grace]: [&Principal; 2],
    refs: &[String],
    learner_starts: bool,
    documents: usize,
    specs: &[StepSpec],
) {
    let ctx = &portal.running.ctx;
    let who = |side: Side| match side {
        Side::Learner => ada,
        Side::ThirdParty => grace,
    };
    let input = if learner_starts {
        ConnectionInput {
            name: Some("Grace Hopper".into()),
            email: Some(GRACE.into()),
            document_references: Some(refs[..documents].to_vec()),
            ..Default::default()
        }
    } else {
        ConnectionInput {
            name: Some("Ada Lovelace".into()),
            email: Some(ADA.into()),
            ..Default::default()
        }
    };
    let starter = if input.document_references.is_some() {
        &ada
    } else {
        &grace
    };
    let id = actions::create(ctx, starter, &input)
        .await
        .expect("created")
        .id;
    let first = stored(portal, &id).await;
    let (mut model, mut shared) = (first.state(), first.document_references);
    let mut trail = Vec::new();
    for spec in specs {
        let now = ctx.now();
        let step = step_of(spec, refs, now.date());
        trail.push(step.clone());
        let at = format!("steps {trail:?}");
        let shares = |documents: &[String]| SharesInput {
            document_references: Some(documents.to_vec()),
        };
        let expiry = |date: Date| ExpiryInput {
            expires_on: Some(iso(date)),
        };
        let request = stored(portal, &id)
            .await
            .extension_request
            .map_or_else(|| "none".to_owned(), |r| r.id);
        let (by, action, done) = match &step {
            Step::Wait(by) => {
                portal.advance(*by);
                continue;
            }
            Step::Accept(side, documents) => (
                Some(*side),
                Action::Accept {
                    choose_documents: !documents.is_empty(),
                },
                actions::accept(ctx, who(*side), &id, &shares(documents))
                    .await
                    .map(drop),
            ),
            Step::Reject(side) => (
                Some(*side),
                Action::Reject,
                actions::reject(ctx, who(*side), &id).await.map(drop),
            ),
            Step::Cancel(side) => (
                Some(*side),
                Action::Cancel,
                actions::cancel(ctx, who(*side), &id).await.map(drop),
            ),
            Step::Share(side, documents) => (
                Some(*side),
                Action::ShareDocuments {
                    any: !documents.is_empty(),
                },
                actions::share(ctx, who(*side), &id, &shares(documents))
                    .await
                    .map(drop),
            ),
            Step::Extend(side, date) => (
                Some(*side),
                Action::Extend {
                    until: end_of(*date),
                },
                actions::extend(ctx, who(*side), &id, &expiry(*date))
                    .await
                    .map(drop),
            ),
            Step::AskForMore(side, date) => (
                Some(*side),
                Action::RequestExtension {
                    until: end_of(*date),
                },
                actions::request_extension(ctx, who(*side), &id, &expiry(*date))
                    .await
                    .map(drop),
            ),
            Step::Answer(side, approve) => (
                Some(*side),
                if *approve {
                    Action::ApproveExtension
                } else {
                    Action::DeclineExtension
                },
                actions::answer_extension(ctx, who(*side), &id, &request, *approve)
                    .await
                    .map(drop),
            ),
            Step::Expire => (
                None,
                Action::Expire,
                actions::expire_due(ctx, 5_000).await.map(drop),
            ),
        };
        let expected = model.apply(by, action, now, rules(ctx, now));
        if let Err(error) = &done {
            assert!(!matches!(error, Error::Internal(_)), "{error:?} at {at}");
        }
        let before = model.clone();
        match expected {
            // The scheduler "succeeds" on every run; whether it expired this one is in the
            // state.
            Ok(next) => {
                assert!(done.is_ok(), "refused {done:?} at {at}");
                model = next;
                if let Step::Accept(Side::Learner, documents)
                | Step::Share(Side::Learner, documents) = &step
                {
                    shared = documents.clone();
                }
            }
            Err(_) => assert!(
                done.is_err() || step_is_expire(&step),
                "allowed, against the model, at {at}"
            ),
        }
        let now_stored = stored(portal, &id).await;
        assert_eq!(now_stored.state(), model, "{before:?} at {at}");
        assert_eq!(now_stored.document_references, shared, "at {at}");

        // What each side sees, and what the third party may open.
        let now = ctx.now();
        let view = actions::get(ctx, ada, &id).await.expect("Ada sees it");
        assert_eq!(view.status, model.status_at(now), "at {at}");
        let listed = actions::list(ctx, grace, Tab::Active, None, None, 100)
            .await
            .expect("the list");
        assert_eq!(
            listed.items.iter().any(|c| c.id == id),
            model.status.is_open(),
            "on the active tab, at {at}"
        );
        assert_eq!(
            actions::shared_documents(ctx, grace, &id).await.is_ok(),
            model.status_at(now) == Status::Active,
            "the shared documents, at {at}"
        );
        for reference in refs {
            assert_eq!(
                access::open(ctx, grace, reference, Some(&id)).await.is_ok(),
                model.third_party_sees_documents(now) && shared.contains(reference),
                "{reference} at {at}"
            );
        }
    }
}

fn step_is_expire(step: &Step) -> bool {
    matches!(step, Step::Expire)
}

#[tokio::test]
async fn the_expiry_function_tells_each_side_once_however_often_and_however_many_run() {
    let (portal, ada, refs) = ada_with_documents().await;
    let grace = portal.active_third_party(GRACE).await;
    let mut expired = Vec::new();
    for runs_at_once in [false, true] {
        let (ada, grace) = (again(&portal, &ada).await, again(&portal, &grace).await);
        let mut due = Vec::new();
        for _ in 0..3 {
            due.push(active_connection(&portal, &ada, &grace, &[refs[0].clone()]).await);
        }
        // A default month, and a day more.
        portal.advance(Duration::days(32));
        if runs_at_once {
            let (one, other) = tokio::join!(
                portal.running.run_scheduled("expire-connections"),
                portal.running.run_scheduled("expire-connections"),
            );
            let (one, other) = (one.expect("a run"), other.expect("a run"));
            assert_eq!(
                one["expired"].as_u64().unwrap() + other["expired"].as_u64().unwrap(),
                3,
                "{one} {other}"
            );
        } else {
            assert_eq!(run_expiry(&portal).await, 3);
        }
        assert_eq!(run_expiry(&portal).await, 0);
        expired.extend(due);
        for who in [ADA, GRACE] {
            assert_eq!(
                mails_about(&portal, who, "has expired").await,
                expired.len(),
                "{who}"
            );
        }
    }
    for id in &expired {
        assert_eq!(stored(&portal, id).await.status, Status::Expired);
    }
}

#[tokio::test]
async fn one_run_expires_thousands_found_by_the_index_and_nothing_else() {
    let (portal, ada, refs) = ada_with_documents().await;
    let grace = portal.active_third_party(GRACE).await;
    let ctx = &portal.running.ctx;
    let template = stored(
        &portal,
        &active_connection(&portal, &ada, &grace, &[refs[0].clone()]).await,
    )
    .await;
    let like = |expires_on: Date| Connection {
        id: secrets::new_id(ctx.random.as_ref()),
        expires_on,
        ..template.clone()
    };
    let due: Vec<Connection> = (0..2_000).map(|_| like(day(&portal, -1))).collect();
    let later: Vec<Connection> = (0..50).map(|_| like(day(&portal, 3))).collect();
    connections::seed(ctx, &due).await.expect("seeded");
    connections::seed(ctx, &later).await.expect("seeded");

    let started = std::time::Instant::now();
    assert_eq!(run_expiry(&portal).await, 2_000);
    println!("2,000 expired in {:?}", started.elapsed());
    assert_eq!(run_expiry(&portal).await, 0);
    for (i, connection) in due.iter().enumerate().step_by(97) {
        assert_eq!(
            stored(&portal, &connection.id).await.status,
            Status::Expired,
            "{i}"
        );
    }
    for connection in later.iter().chain([&template]) {
        assert_eq!(stored(&portal, &connection.id).await.status, Status::Active);
    }
    let inactive = actions::list(
        ctx,
        &principal(&portal, &grace).await,
        Tab::Inactive,
        None,
        None,
        1_000,
    )
    .await
    .expect("the list");
    assert_eq!(inactive.items.len(), 1_000, "a full page of expired ones");
}

/// A third party's search for `q`.
async fn search(
    portal: &TestPortal,
    who: Option<&Session>,
    q: &str,
) -> portal_tests::portal::Answer {
    let path = format!("/api/search/learners?q={}", q.replace(' ', "%20"));
    match who {
        Some(who) => portal.call(who, Method::GET, &path, None).await,
        None => portal.get(&path).await,
    }
}

/// The full names found for `q`.
async fn found(portal: &TestPortal, who: &Session, q: &str) -> Vec<Value> {
    let answer = search(portal, Some(who), q).await;
    expect(answer, StatusCode::OK, q).body["items"]
        .as_array()
        .cloned()
        .expect("items")
}

async fn opt_in(portal: &TestPortal, who: &Session, yes: bool) {
    let changed = portal
        .call(
            who,
            Method::PATCH,
            "/api/me",
            Some(json!({ "third_party_search_opt_in": yes })),
        )
        .await;
    expect(changed, StatusCode::OK, "opting in or out");
}

#[tokio::test]
async fn third_parties_find_only_opted_in_learners_by_full_name_or_reference() {
    let portal = portal_tests::jobs::portal().await;
    let mut people = Vec::new();
    for (i, name) in [
        ("Anna", "van der Berg"),
        ("Ada", "Lovelace"),
        ("Adam", "Lovelace"),
        ("Carl", "Jung"),
    ]
    .into_iter()
    .enumerate()
    {
        let enrolment = format!("ENR-300{i}");
        let email = format!("{}@learners.test", name.0.to_lowercase());
        let session = learner_named(&portal, &email, &enrolment, name).await;
        let refs = issue_to(
            &portal,
            &format!("J-S{i}"),
            &enrolment,
            name,
            &["badge", "certificate"],
        )
        .await;
        people.push((session, refs));
    }
    let [
        (anna, anna_refs),
        (ada, ada_refs),
        (adam, _),
        (_, carl_refs),
    ] = &people[..]
    else {
        unreachable!()
    };
    for who in [anna, ada, adam] {
        opt_in(&portal, who, true).await;
    }
    let grace = portal.active_third_party(GRACE).await;

    let anna_found = found(&portal, &grace, "Anna van der Berg").await;
    assert_eq!(anna_found.len(), 1, "{anna_found:#?}");
    let mut keys: Vec<&str> = anna_found[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "award_date",
            "full_name",
            "qualification_title",
            "reference"
        ]
    );
    assert_eq!(anna_found[0]["full_name"], "Anna van der Berg");
    assert_eq!(
        anna_found[0]["reference"],
        anna_refs[1].as_str(),
        "the certificate stands for it"
    );
    assert_eq!(
        found(&portal, &grace, "  anna VAN DER berg ").await,
        anna_found
    );
    let by_reference = found(&portal, &grace, &anna_refs[0]).await;
    assert_eq!(by_reference.len(), 1);
    assert_eq!(by_reference[0]["full_name"], "Anna van der Berg");
    let ada_found = found(&portal, &grace, "Ada Lovelace").await;
    assert_eq!(ada_found.len(), 1, "not Adam: {ada_found:#?}");
    assert_eq!(ada_found[0]["full_name"], "Ada Lovelace");
    assert!(found(&portal, &grace, "Carl Jung").await.is_empty());
    assert!(found(&portal, &grace, &carl_refs[1]).await.is_empty());

    // Opting out takes Ada out at once, by name and by reference.
    opt_in(&portal, ada, false).await;
    assert!(found(&portal, &grace, "Ada Lovelace").await.is_empty());
    assert!(found(&portal, &grace, &ada_refs[1]).await.is_empty());

    for short in ["An", "a b", " - "] {
        let refused = search(&portal, Some(&grace), short).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{short}");
        assert_eq!(refused.fields(), ["q"]);
    }
    let centre = centre_session(&portal).await;
    for (who, status) in [
        (Some(anna), StatusCode::FORBIDDEN),
        (Some(&centre), StatusCode::FORBIDDEN),
        (None, StatusCode::UNAUTHORIZED),
    ] {
        assert_eq!(
            search(&portal, who, "Anna van der Berg").await.status,
            status
        );
    }

    // Twenty a minute; the next waits.
    let hal = portal.active_third_party("hal@employer.test").await;
    for i in 0..20 {
        let answer = search(&portal, Some(&hal), "Anna van der Berg").await;
        assert_eq!(answer.status, StatusCode::OK, "search {i}");
    }
    let limited = search(&portal, Some(&hal), "Anna van der Berg").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers.contains_key("retry-after"));
    portal.advance(Duration::seconds(61));
    assert_eq!(
        search(&portal, Some(&hal), "Anna van der Berg")
            .await
            .status,
        StatusCode::OK
    );
}

/// Files a report on a document, through a connection or not.
async fn file(
    portal: &TestPortal,
    report: &Value,
    who: &Session,
    reference: &str,
    connection: Option<&str>,
) -> portal_tests::portal::Answer {
    let query = connection
        .map(|c| format!("?connection={c}"))
        .unwrap_or_default();
    portal
        .call(
            who,
            Method::POST,
            &format!("/api/documents/{reference}/reports{query}"),
            Some(report.clone()),
        )
        .await
}

#[tokio::test]
async fn a_third_party_reports_a_problem_with_a_shared_document_only_through_the_connection() {
    let (portal, ada, refs) = ada_with_documents().await;
    let grace = portal.active_third_party(GRACE).await;
    let hal = portal.active_third_party("hal@employer.test").await;
    let id = active_connection(&portal, &ada, &grace, &[refs[0].clone()]).await;
    let reasons = portal.get("/api/site").await.body["report_reasons"].clone();
    let report = json!({ "reason": reasons[0], "description": "The award date looks wrong." });
    let filed = file(&portal, &report, &grace, &refs[0], Some(&id)).await;
    let filed = expect(filed, StatusCode::CREATED, "Grace reports");
    assert_eq!(filed.body["state"], "open");
    let team = portal.mail_to("support@example.org").await;
    let text = team.last().expect("the team is told")["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(text.contains(GRACE) && text.contains(&refs[0]), "{text}");

    for (who, reference, connection) in [
        (&grace, &refs[0], None),
        (&grace, &refs[1], Some(id.as_str())),
        (&hal, &refs[0], Some(id.as_str())),
    ] {
        assert_eq!(
            file(&portal, &report, who, reference, connection)
                .await
                .status,
            StatusCode::NOT_FOUND,
            "{reference} {connection:?}"
        );
    }
    expect(
        act(&portal, &ada, Method::DELETE, &id, "", None).await,
        StatusCode::OK,
        "Ada cancels",
    );
    assert_eq!(
        file(&portal, &report, &grace, &refs[0], Some(&id))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "not after it ends"
    );
    assert_eq!(
        portal.mail_to("support@example.org").await.len(),
        team.len()
    );
}
