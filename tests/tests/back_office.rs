//! The back office (CEN-6, ORD-6) over HTTP against the local portal: centres ordering for their
//! learners on account within their credit, statements and payments received; administrators
//! moving orders through their statuses, pricing a delivery, refunding; and every route's denied
//! cases and bad input.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use portal_tests::centre::{issue_here, other_centre_session};
use portal_tests::connections::{ada_with_documents, centre_session, expect};
use portal_tests::jobs::{self, CENTRE};
use portal_tests::portal::{PASSWORD, Session, TestPortal, centre_user};
use portal_tests::store::{add, address, admin_order, checkout, order, pdf_at, press};

const CERTIFICATE: &str = "replacement-certificate";
/// An order id no order has.
const NO_ORDER: &str = "0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a";

fn on_account(home: &str) -> Value {
    json!({"billing_address_id": home, "delivery_address_id": home, "delivery_option": "uk-first-class", "payment_method": "centre_credit"})
}

fn by_card(home: &str, delivery: &str) -> Value {
    json!({"billing_address_id": home, "delivery_address_id": home, "delivery_option": delivery, "payment_method": "card"})
}

async fn set_limit(portal: &TestPortal, admin: &Session, pence: i64) -> Value {
    expect(
        portal
            .call(
                admin,
                Method::PUT,
                &format!("/api/admin/centres/{CENTRE}/credit"),
                Some(json!({"limit": pence})),
            )
            .await,
        StatusCode::OK,
        "setting the credit limit",
    )
    .body
}

async fn credit(portal: &TestPortal, who: &Session) -> Value {
    expect(
        portal
            .call(who, Method::GET, "/api/centre/credit", None)
            .await,
        StatusCode::OK,
        "the centre's credit",
    )
    .body
}

async fn change(
    portal: &TestPortal,
    admin: &Session,
    id: &str,
    body: Value,
) -> portal_tests::portal::Answer {
    portal
        .call(
            admin,
            Method::PATCH,
            &format!("/api/admin/orders/{id}"),
            Some(body),
        )
        .await
}

async fn refund(
    portal: &TestPortal,
    admin: &Session,
    id: &str,
    body: Value,
) -> portal_tests::portal::Answer {
    portal
        .call(
            admin,
            Method::POST,
            &format!("/api/admin/orders/{id}/refund"),
            Some(body),
        )
        .await
}

/// A centre (with two learners holding a certificate each), its user with an address, and
/// the administrator.
async fn centre_ready_to_order() -> (TestPortal, Session, Session, Vec<String>, String) {
    let portal = jobs::portal().await;
    let references = issue_here(&portal, "J-BO-1", "ENR-5", 2, &["certificate"]).await;
    let alan = centre_session(&portal).await;
    let home = address(&portal, &alan, "GB").await;
    let admin = portal.admin().await;
    (portal, alan, admin, references, home)
}

#[tokio::test]
async fn a_centre_orders_for_two_learners_on_account_and_its_payment_restores_the_credit() {
    let (portal, alan, admin, references, home) = centre_ready_to_order().await;
    assert_eq!(credit(&portal, &alan).await["available"], 0);
    let limit = set_limit(&portal, &admin, 10_000).await;
    assert_eq!(limit["available"], 10_000);

    // The store offers centres the reasons to pick from, and paying on account.
    let offer = expect(
        portal
            .call(&alan, Method::GET, "/api/store/products", None)
            .await,
        StatusCode::OK,
        "the store",
    )
    .body;
    assert_eq!(offer["on_account"], true);
    assert_eq!(
        offer["duplicate_reasons"],
        json!(["Lost", "Damaged", "Name change", "Never received"])
    );

    for (reference, reason) in references.iter().zip(["Lost", "damaged"]) {
        let added = add(
            &portal,
            &alan,
            json!({"product_id": CERTIFICATE, "reference": reference, "reason": reason}),
        )
        .await;
        expect(added, StatusCode::CREATED, "a learner's certificate");
        // Lines keep the order they were added in; the test clock stands still otherwise.
        portal.advance(time::Duration::seconds(1));
    }
    let placed = expect(
        checkout(&portal, &alan, on_account(&home), "centre-1").await,
        StatusCode::CREATED,
        "checkout on account",
    )
    .body;
    // Two certificates at £30 and first-class post at £3.50, charged at once.
    assert_eq!(placed["status"], "paid", "{placed}");
    assert_eq!(placed["total"], 6350);
    assert_eq!(placed["payment_url"], Value::Null);
    let id = placed["id"].as_str().unwrap().to_owned();
    let view = order(&portal, &alan, &id).await;
    assert_eq!(view["payment"]["method"], "on_account");
    assert_eq!(view["can_pay"], false);
    let reasons: Vec<&str> = view["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["Lost", "Damaged"]);
    let names: Vec<&str> = view["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["learner_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Learner0 Example", "Learner1 Example"]);
    let basket = portal_tests::store::basket(&portal, &alan).await;
    assert_eq!(
        basket["lines"],
        json!([]),
        "the basket empties when charged"
    );

    let now = credit(&portal, &alan).await;
    assert_eq!(
        (
            now["limit"].as_i64(),
            now["balance"].as_i64(),
            now["available"].as_i64()
        ),
        (Some(10_000), Some(6350), Some(3650))
    );

    // Another user of the same centre sees the centre's order; another centre does not.
    let beth_email = "beth@northgate.test";
    portal
        .approved_centre_user(centre_user(beth_email, CENTRE, "Northgate College"))
        .await;
    let beth = portal.sign_in(beth_email, PASSWORD).await;
    let list = expect(
        portal.call(&beth, Method::GET, "/api/orders", None).await,
        StatusCode::OK,
        "the centre's orders",
    )
    .body;
    assert_eq!(list["items"][0]["id"], id.as_str());
    assert_eq!(list["items"][0]["created_by"]["kind"], "centre");
    let bea = other_centre_session(&portal).await;
    let theirs = portal
        .call(&bea, Method::GET, &format!("/api/orders/{id}"), None)
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    let none = expect(
        portal.call(&bea, Method::GET, "/api/orders", None).await,
        StatusCode::OK,
        "another centre's orders",
    )
    .body;
    assert_eq!(none["items"], json!([]));

    // The statement of this month lists the charge.
    let statements = expect(
        portal
            .call(&alan, Method::GET, "/api/centre/statements", None)
            .await,
        StatusCode::OK,
        "statements",
    )
    .body;
    assert_eq!(statements[0]["opening"], 0);
    assert_eq!(statements[0]["charges"], 6350);
    assert_eq!(statements[0]["closing"], 6350);
    assert_eq!(statements[0]["entries"][0]["reference"], placed["number"]);
    let month = statements[0]["month"].as_str().unwrap().to_owned();
    let pdf = pdf_at(&portal, &alan, &format!("/api/centre/statements/{month}")).await;
    for needle in [
        "Statement of account",
        placed["number"].as_str().unwrap(),
        "£63.50",
    ] {
        assert!(pdf.contains(needle), "{needle} in the statement: {pdf}");
    }

    // The administrator records the centre's payment: the credit is whole again.
    let paid = expect(
        portal
            .call(
                &admin,
                Method::POST,
                &format!("/api/admin/centres/{CENTRE}/payments"),
                Some(json!({"amount": 6350, "reference": "BACS 0001"})),
            )
            .await,
        StatusCode::OK,
        "a payment received",
    )
    .body;
    assert_eq!(paid["available"], 10_000);
    assert_eq!(paid["balance"], 0);
    let statements = expect(
        portal
            .call(&alan, Method::GET, "/api/centre/statements", None)
            .await,
        StatusCode::OK,
        "statements",
    )
    .body;
    assert_eq!(statements[0]["payments"], 6350);
    assert_eq!(statements[0]["closing"], 0);
    let seen_by_admin = expect(
        portal
            .call(
                &admin,
                Method::GET,
                &format!("/api/admin/centres/{CENTRE}/statements"),
                None,
            )
            .await,
        StatusCode::OK,
        "the centre's statements (admin)",
    )
    .body;
    assert_eq!(seen_by_admin, statements);
    let pdf = pdf_at(
        &portal,
        &admin,
        &format!("/api/admin/centres/{CENTRE}/statements/{month}"),
    )
    .await;
    assert!(
        pdf.contains("BACS 0001"),
        "the payment in the statement: {pdf}"
    );

    // The administrators' queue finds it by centre and by a candidate's name; audited.
    let queue = expect(
        portal
            .call(
                &admin,
                Method::GET,
                &format!("/api/admin/orders?centre={CENTRE}&name=learner1"),
                None,
            )
            .await,
        StatusCode::OK,
        "the queue",
    )
    .body;
    assert_eq!(queue["items"][0]["id"], id.as_str());
    assert_eq!(queue["items"][0]["payment_method"], "on_account");
    let audit = expect(
        portal
            .call(&admin, Method::GET, "/api/admin/audit", None)
            .await,
        StatusCode::OK,
        "the audit log",
    )
    .body;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for wanted in ["credit.limit", "credit.payment", "order.placed"] {
        assert!(actions.contains(&wanted), "{wanted} in {actions:?}");
    }
}

#[tokio::test]
async fn an_order_past_the_credit_limit_is_refused_naming_the_payment_method_and_nothing_is_written()
 {
    let (portal, alan, admin, references, home) = centre_ready_to_order().await;
    // No account yet: refused.
    add(
        &portal,
        &alan,
        json!({"product_id": CERTIFICATE, "reference": references[0], "reason": "Lost"}),
    )
    .await;
    let refused = checkout(&portal, &alan, on_account(&home), "k1").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.fields(), ["payment_method"]);
    // £30 + £3.50 does not fit £33.49.
    set_limit(&portal, &admin, 3349).await;
    let refused = checkout(&portal, &alan, on_account(&home), "k2").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("£33.50"),
        "{:?}",
        refused.body
    );
    let list = expect(
        portal.call(&alan, Method::GET, "/api/orders", None).await,
        StatusCode::OK,
        "orders",
    )
    .body;
    assert_eq!(list["items"], json!([]), "no order was written");
    assert_eq!(credit(&portal, &alan).await["balance"], 0);
    assert_eq!(
        portal_tests::store::basket(&portal, &alan).await["lines"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // It fits at £33.50.
    set_limit(&portal, &admin, 3350).await;
    let placed = checkout(&portal, &alan, on_account(&home), "k3").await;
    assert_eq!(
        expect(placed, StatusCode::CREATED, "fits").body["status"],
        "paid"
    );
    assert_eq!(credit(&portal, &alan).await["available"], 0);
}

#[tokio::test]
async fn fifty_orders_on_account_at_once_never_take_more_than_the_credit_limit() {
    let portal = jobs::portal_with(|o| {
        o.settings.limits.register_per_ip.n = 1000;
        o.settings.limits.login_per_ip.n = 1000;
    })
    .await;
    let references = issue_here(&portal, "J-BO-50", "ENR-6", 1, &["certificate"]).await;
    let admin = portal.admin().await;
    // Seven orders of £30 (second-class post is free) fit.
    set_limit(&portal, &admin, 7 * 3000 + 2999).await;
    let users = futures::future::join_all((0..50).map(|n| {
        let portal = &portal;
        async move {
            let email = format!("user{n}@northgate.test");
            portal
                .approved_centre_user(centre_user(&email, CENTRE, "Northgate College"))
                .await;
            portal.sign_in(&email, PASSWORD).await
        }
    }))
    .await;
    let mut ready = Vec::new();
    for user in &users {
        let home = address(&portal, user, "GB").await;
        let added = add(
            &portal,
            user,
            json!({"product_id": CERTIFICATE, "reference": references[0], "reason": "Lost"}),
        )
        .await;
        expect(added, StatusCode::CREATED, "a certificate");
        ready.push((user, home));
    }
    let answers = futures::future::join_all(ready.iter().map(|(user, home)| {
        let body = json!({"billing_address_id": home, "delivery_address_id": home, "delivery_option": "uk-second-class", "payment_method": "centre_credit"});
        checkout(&portal, user, body, "at-once")
    }))
    .await;
    let placed = answers
        .iter()
        .filter(|a| a.status == StatusCode::CREATED)
        .count();
    for refused in answers.iter().filter(|a| a.status != StatusCode::CREATED) {
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{:?}",
            refused.body
        );
        assert_eq!(refused.fields(), ["payment_method"]);
    }
    assert_eq!(placed, 7, "exactly the orders that fit");
    let account = credit(&portal, &users[0]).await;
    assert_eq!(account["balance"], 7 * 3000);
    assert_eq!(account["available"], 2999);
}

#[tokio::test]
async fn a_centre_cannot_order_another_centres_learners_documents_nor_without_a_known_reason() {
    let (portal, alan, _admin, references, _home) = centre_ready_to_order().await;
    let bea = other_centre_session(&portal).await;
    let refused = add(
        &portal,
        &bea,
        json!({"product_id": CERTIFICATE, "reference": references[0], "reason": "Lost"}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.fields(), ["reference"]);
    let no_reason = add(
        &portal,
        &alan,
        json!({"product_id": CERTIFICATE, "reference": references[0]}),
    )
    .await;
    assert_eq!(no_reason.fields(), ["reason"]);
    let unknown = add(
        &portal,
        &alan,
        json!({"product_id": CERTIFICATE, "reference": references[0], "reason": "Fancied one"}),
    )
    .await;
    assert_eq!(unknown.fields(), ["reason"]);
    // A learner cannot pay on account.
    let (portal, ada, learner_refs) = ada_with_documents().await;
    let home = address(&portal, &ada, "GB").await;
    add(
        &portal,
        &ada,
        json!({"product_id": CERTIFICATE, "reference": learner_refs[0]}),
    )
    .await;
    let refused = checkout(&portal, &ada, on_account(&home), "k").await;
    assert_eq!(refused.fields(), ["payment_method"]);
}

/// Ada's replacement certificate, paid by card through the local provider's page.
async fn ada_paid(delivery: &str, country: &str) -> (TestPortal, Session, Session, String) {
    let (portal, ada, references) = ada_with_documents().await;
    let home = address(&portal, &ada, country).await;
    add(
        &portal,
        &ada,
        json!({"product_id": CERTIFICATE, "reference": references[0]}),
    )
    .await;
    let placed = expect(
        checkout(&portal, &ada, by_card(&home, delivery), "k").await,
        StatusCode::CREATED,
        "checkout",
    )
    .body;
    let id = placed["id"].as_str().unwrap().to_owned();
    if let Some(url) = placed["payment_url"].as_str() {
        press(&portal, url, "paid").await;
    }
    let admin = portal.admin().await;
    (portal, ada, admin, id)
}

#[tokio::test]
async fn an_administrator_processes_dispatches_with_tracking_and_refunds_and_the_buyer_sees_each_change()
 {
    let (portal, ada, admin, id) = ada_paid("uk-tracked", "GB").await;
    let queue = expect(
        portal
            .call(
                &admin,
                Method::GET,
                "/api/admin/orders?status=paid&name=lovelace",
                None,
            )
            .await,
        StatusCode::OK,
        "the queue",
    )
    .body;
    assert_eq!(queue["items"][0]["id"], id.as_str());
    let details = admin_order(&portal, &admin, &id).await;
    assert_eq!(details["moves"], json!(["processing"]));
    assert_eq!(details["refundable"], 3999);

    let moved = change(&portal, &admin, &id, json!({"status": "processing"})).await;
    let moved = expect(moved, StatusCode::OK, "processing").body;
    assert_eq!(moved["moves"], json!(["dispatched"]));
    // Dispatching names its carrier.
    let no_carrier = change(&portal, &admin, &id, json!({"status": "dispatched"})).await;
    assert_eq!(no_carrier.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_carrier.fields(), ["carrier"]);
    let dispatched = change(
        &portal,
        &admin,
        &id,
        json!({"status": "dispatched", "carrier": "Royal Mail", "tracking_number": "AB123456789GB", "note": "Sent today."}),
    )
    .await;
    expect(dispatched, StatusCode::OK, "dispatched");

    // The buyer sees the change and its tracking number, and was e-mailed.
    let seen = order(&portal, &ada, &id).await;
    assert_eq!(seen["status"], "dispatched");
    assert_eq!(seen["dispatch"]["tracking_number"], "AB123456789GB");
    let log: Vec<(&str, &str)> = seen["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["to"].as_str().unwrap(), c["by"].as_str().unwrap()))
        .collect();
    assert_eq!(
        &log[log.len() - 2..],
        [
            ("processing", "Portal Administrator"),
            ("dispatched", "Portal Administrator")
        ]
    );
    portal.deliver().await;
    let mail = portal.mail_to(portal_tests::connections::ADA).await;
    let last = mail
        .iter()
        .find(|m| m["subject"].as_str().unwrap().contains("Dispatched"))
        .expect("the dispatch e-mail");
    assert!(last["text"].as_str().unwrap().contains("AB123456789GB"));
    assert!(last["text"].as_str().unwrap().contains("Sent today."));

    // Refunds: more than was paid is refused; a part, then the rest.
    let too_much = refund(
        &portal,
        &admin,
        &id,
        json!({"amount": 4000, "reason": "Damaged"}),
    )
    .await;
    assert_eq!(too_much.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(too_much.fields(), ["amount"]);
    let part = expect(
        refund(
            &portal,
            &admin,
            &id,
            json!({"amount": 999, "reason": "Courier was late"}),
        )
        .await,
        StatusCode::OK,
        "a part refunded",
    )
    .body;
    assert_eq!(part["refundable"], 3000);
    assert_eq!(part["order"]["status"], "dispatched");
    let rest = expect(
        refund(
            &portal,
            &admin,
            &id,
            json!({"amount": 3000, "reason": "Lost in the post"}),
        )
        .await,
        StatusCode::OK,
        "the rest refunded",
    )
    .body;
    assert_eq!(rest["order"]["status"], "refunded");
    assert_eq!(rest["moves"], json!([]));
    let seen = order(&portal, &ada, &id).await;
    assert_eq!(seen["refunds"].as_array().unwrap().len(), 2);
    assert!(
        seen["refunds"][0]["reference"]
            .as_str()
            .unwrap()
            .starts_with("re_"),
        "{seen}"
    );
}

#[tokio::test]
async fn moves_not_allowed_stale_versions_and_two_administrators_at_once_are_refused() {
    let (portal, _ada, admin, id) = ada_paid("uk-first-class", "GB").await;
    let skip = change(&portal, &admin, &id, json!({"status": "complete"})).await;
    assert_eq!(skip.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(skip.fields(), ["status"]);
    let cancel_paid = change(&portal, &admin, &id, json!({"status": "cancelled"})).await;
    assert_eq!(cancel_paid.fields(), ["status"]);
    let unknown = change(&portal, &admin, &id, json!({"status": "teleported"})).await;
    assert_eq!(unknown.fields(), ["status"]);
    let price = change(&portal, &admin, &id, json!({"delivery_price": 500})).await;
    assert_eq!(price.fields(), ["delivery_price"]);
    let version = admin_order(&portal, &admin, &id).await["order"]["version"]
        .as_i64()
        .unwrap();
    let stale = change(
        &portal,
        &admin,
        &id,
        json!({"status": "processing", "version": version - 1}),
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);

    let (a, b) = futures::join!(
        change(&portal, &admin, &id, json!({"status": "processing"})),
        change(&portal, &admin, &id, json!({"status": "processing"}))
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses[0], StatusCode::OK);
    assert!(
        statuses[1] == StatusCode::CONFLICT || statuses[1] == StatusCode::UNPROCESSABLE_ENTITY,
        "{statuses:?}"
    );
    let after = admin_order(&portal, &admin, &id).await;
    let processing = after["order"]["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["to"] == "processing")
        .count();
    assert_eq!(processing, 1, "moved once");
}

#[tokio::test]
async fn a_delivery_priced_by_the_team_is_priced_and_the_buyer_gets_a_link_to_pay() {
    let (portal, ada, admin, id) = ada_paid("international", "FR").await;
    let waiting = admin_order(&portal, &admin, &id).await;
    assert_eq!(waiting["order"]["status"], "awaiting_quote");
    assert_eq!(waiting["can_price_delivery"], true);
    let bad = change(&portal, &admin, &id, json!({"delivery_price": -1})).await;
    assert_eq!(bad.fields(), ["delivery_price"]);
    let priced = expect(
        change(&portal, &admin, &id, json!({"delivery_price": 2500})).await,
        StatusCode::OK,
        "priced",
    )
    .body;
    assert_eq!(priced["order"]["status"], "awaiting_payment");
    assert_eq!(priced["order"]["totals"]["total"], 5500);
    portal.deliver().await;
    let mail = portal.mail_to(portal_tests::connections::ADA).await;
    let last = mail
        .iter()
        .find(|m| m["subject"].as_str().unwrap().contains("ready to pay"))
        .expect("the e-mail with the link to pay");
    assert!(
        last["text"]
            .as_str()
            .unwrap()
            .contains(&format!("/orders/{id}"))
    );
    let seen = order(&portal, &ada, &id).await;
    assert_eq!(seen["can_pay"], true);
    let url = seen["payment"]["url"].as_str().unwrap().to_owned();
    press(&portal, &url, "paid").await;
    assert_eq!(order(&portal, &ada, &id).await["status"], "paid");
}

#[tokio::test]
async fn a_refund_of_an_order_on_account_is_a_credit_note_that_restores_the_credit() {
    let (portal, alan, admin, references, home) = centre_ready_to_order().await;
    set_limit(&portal, &admin, 10_000).await;
    add(
        &portal,
        &alan,
        json!({"product_id": CERTIFICATE, "reference": references[0], "reason": "Lost"}),
    )
    .await;
    let placed = expect(
        checkout(&portal, &alan, on_account(&home), "k").await,
        StatusCode::CREATED,
        "on account",
    )
    .body;
    let id = placed["id"].as_str().unwrap();
    assert_eq!(credit(&portal, &alan).await["balance"], 3350);
    let refunded = expect(
        refund(
            &portal,
            &admin,
            id,
            json!({"amount": 3350, "reason": "Ordered twice"}),
        )
        .await,
        StatusCode::OK,
        "credit note",
    )
    .body;
    assert_eq!(refunded["order"]["status"], "refunded");
    let note = refunded["order"]["refunds"][0]["reference"]
        .as_str()
        .unwrap();
    assert!(note.starts_with("CN-"), "{note}");
    assert_eq!(credit(&portal, &alan).await["balance"], 0);
    let statements = expect(
        portal
            .call(&alan, Method::GET, "/api/centre/statements", None)
            .await,
        StatusCode::OK,
        "statements",
    )
    .body;
    assert_eq!(statements[0]["credits"], 3350);
    assert_eq!(statements[0]["entries"][1]["kind"], "credit_note");
}

#[tokio::test]
async fn back_office_routes_refuse_the_wrong_people_and_bad_input() {
    let (portal, alan, admin, _references, _home) = centre_ready_to_order().await;
    let ada = portal
        .active_learner(portal_tests::connections::ADA, "ENR-1001")
        .await;
    let anonymous = Session::anonymous();
    let routes: [(Method, String, Option<Value>); 10] = [
        (
            Method::GET,
            format!("/api/admin/centres/{CENTRE}/statements"),
            None,
        ),
        (
            Method::GET,
            format!("/api/admin/centres/{CENTRE}/statements/2026-11"),
            None,
        ),
        (
            Method::POST,
            "/api/admin/print-packs".into(),
            Some(json!({"order_ids": [NO_ORDER]})),
        ),
        (Method::GET, "/api/admin/orders".into(), None),
        (Method::GET, format!("/api/admin/orders/{}", NO_ORDER), None),
        (
            Method::PATCH,
            format!("/api/admin/orders/{}", NO_ORDER),
            Some(json!({"status": "processing"})),
        ),
        (
            Method::POST,
            format!("/api/admin/orders/{}/refund", NO_ORDER),
            Some(json!({"amount": 1, "reason": "x"})),
        ),
        (
            Method::GET,
            format!("/api/admin/centres/{CENTRE}/credit"),
            None,
        ),
        (
            Method::PUT,
            format!("/api/admin/centres/{CENTRE}/credit"),
            Some(json!({"limit": 100})),
        ),
        (
            Method::POST,
            format!("/api/admin/centres/{CENTRE}/payments"),
            Some(json!({"amount": 1, "reference": "x"})),
        ),
    ];
    for (method, path, body) in &routes {
        for (who, expected) in [
            (&ada, StatusCode::FORBIDDEN),
            (&alan, StatusCode::FORBIDDEN),
            (&anonymous, StatusCode::UNAUTHORIZED),
        ] {
            let answer = portal.call(who, method.clone(), path, body.clone()).await;
            assert_eq!(answer.status, expected, "{method} {path}");
            assert!(answer.is_problem());
        }
    }
    for path in [
        "/api/centre/credit",
        "/api/centre/statements",
        "/api/centre/statements/2026-11",
    ] {
        assert_eq!(
            portal.call(&ada, Method::GET, path, None).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            portal.call(&admin, Method::GET, path, None).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            portal
                .call(&anonymous, Method::GET, path, None)
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
    }
    // Bad input names its field; unknown centres and orders are not found.
    let path = format!("/api/admin/centres/{CENTRE}/credit");
    for body in [
        json!({"limit": -1}),
        json!({}),
        json!({"limit": 100_000_001}),
    ] {
        let answer = portal.call(&admin, Method::PUT, &path, Some(body)).await;
        assert_eq!(answer.fields(), ["limit"]);
    }
    let payments = format!("/api/admin/centres/{CENTRE}/payments");
    let over = portal
        .call(
            &admin,
            Method::POST,
            &payments,
            Some(json!({"amount": 1, "reference": "BACS"})),
        )
        .await;
    assert_eq!(over.fields(), ["amount"], "more than the centre owes");
    let blank = portal
        .call(
            &admin,
            Method::POST,
            &payments,
            Some(json!({"amount": 0, "reference": " "})),
        )
        .await;
    assert_eq!(blank.fields(), ["amount", "reference"]);
    let unknown = portal
        .call(
            &admin,
            Method::PUT,
            "/api/admin/centres/C-0000/credit",
            Some(json!({"limit": 1})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let missing = portal
        .call(
            &admin,
            Method::GET,
            &format!("/api/admin/orders/{}", NO_ORDER),
            None,
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let bad_filter = portal
        .call(
            &admin,
            Method::GET,
            "/api/admin/orders?min_total=-5&status=lost",
            None,
        )
        .await;
    assert_eq!(bad_filter.fields(), ["status", "min_total"]);
    for (who, path) in [
        (&alan, "/api/centre/statements/2026-13".to_owned()),
        (
            &admin,
            format!("/api/admin/centres/{CENTRE}/statements/last-month"),
        ),
    ] {
        let bad_month = portal.call(who, Method::GET, &path, None).await;
        assert_eq!(bad_month.fields(), ["month"], "{path}");
    }
    let no_entries = portal
        .call(&alan, Method::GET, "/api/centre/statements/2019-01", None)
        .await;
    assert_eq!(
        no_entries.status,
        StatusCode::NOT_FOUND,
        "a month without entries"
    );
    assert_eq!(
        credit(&portal, &alan).await["limit"],
        0,
        "nothing was written"
    );
}
