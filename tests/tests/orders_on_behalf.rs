//! Orders an administrator places on a learner's or a centre's behalf (ORD-6, "Created by
//! admin"): the buyer's own rules and addresses, the buyer's basket left alone, who created the
//! order kept and shown, the buyer e-mailed a link to pay; the route's denied cases and bad
//! input.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use portal_tests::centre::{issue_here, other_centre_session};
use portal_tests::connections::{ADA, ada_with_documents, centre_session, expect};
use portal_tests::jobs::{self, CENTRE};
use portal_tests::portal::{Answer, Session, TestPortal};
use portal_tests::store::{add, address, press};

const CERTIFICATE: &str = "replacement-certificate";
const UNIT: &str = "replacement-unit-certificate";

async fn on_behalf(portal: &TestPortal, admin: &Session, body: Value, key: &str) -> Answer {
    let bearer = format!("Bearer {}", admin.token);
    let mut headers = vec![("authorization", bearer.as_str())];
    if !key.is_empty() {
        headers.push(("idempotency-key", key));
    }
    portal
        .send(Method::POST, "/api/admin/orders", Some(body), &headers)
        .await
}

fn id_of(session: &Session) -> String {
    session.user["id"].as_str().expect("a user id").to_owned()
}

#[tokio::test]
async fn an_administrator_orders_for_a_learner_who_is_emailed_a_link_to_pay() {
    let (portal, ada, references) = ada_with_documents().await;
    let home = address(&portal, &ada, "GB").await;
    // Something of Ada's own in her basket, which the administrator's order leaves alone.
    expect(
        add(
            &portal,
            &ada,
            json!({"product_id": UNIT, "reference": references[1]}),
        )
        .await,
        StatusCode::CREATED,
        "Ada's own basket",
    );
    let admin = portal.admin().await;
    let detail = expect(
        portal
            .call(
                &admin,
                Method::GET,
                &format!("/api/admin/users/{}", id_of(&ada)),
                None,
            )
            .await,
        StatusCode::OK,
        "Ada's account",
    )
    .body;
    assert_eq!(detail["addresses"][0]["id"], home.as_str(), "{detail}");

    let body = json!({
        "buyer_id": id_of(&ada),
        "items": [{"product_id": CERTIFICATE, "reference": references[0], "quantity": 2}],
        "billing_address_id": home, "delivery_address_id": home,
        "delivery_option": "uk-tracked", "payment_method": "card",
    });
    let placed = expect(
        on_behalf(&portal, &admin, body.clone(), "phone-order-1").await,
        StatusCode::CREATED,
        "placed on Ada's behalf",
    )
    .body;
    assert_eq!(placed["status"], "awaiting_payment");
    // Two certificates at £30 and tracked delivery at £9.99.
    assert_eq!(placed["total"], 6999);
    let id = placed["id"].as_str().unwrap().to_owned();
    let again = expect(
        on_behalf(&portal, &admin, body, "phone-order-1").await,
        StatusCode::CREATED,
        "the same key again",
    )
    .body;
    assert_eq!(again["id"], id.as_str(), "a retry is the same order");

    // Ada sees who made it, and is e-mailed a link to pay it.
    let mine = expect(
        portal
            .call(&ada, Method::GET, &format!("/api/orders/{id}"), None)
            .await,
        StatusCode::OK,
        "Ada's order",
    )
    .body;
    assert_eq!(mine["created_by"]["kind"], "admin", "{mine}");
    assert_eq!(mine["created_by"]["name"], "Portal Administrator");
    assert!(
        mine["log"][0]["note"]
            .as_str()
            .unwrap()
            .starts_with("Order placed for you by"),
        "{mine}"
    );
    let mail = portal.mail_to(ADA).await;
    let told: Vec<&Value> = mail
        .iter()
        .filter(|m| m["subject"].as_str().unwrap().contains("placed for you"))
        .collect();
    assert_eq!(told.len(), 1, "one e-mail, whatever the retries");
    assert!(
        told[0]["text"]
            .as_str()
            .unwrap()
            .contains(&format!("/orders/{id}"))
    );
    let basket = expect(
        portal.call(&ada, Method::GET, "/api/basket", None).await,
        StatusCode::OK,
        "Ada's basket",
    )
    .body;
    assert_eq!(basket["lines"].as_array().unwrap().len(), 1);
    assert_eq!(basket["lines"][0]["reference"], references[1].as_str());

    // She pays from the order's page; the administrators' queue says who created it.
    press(&portal, mine["payment"]["url"].as_str().unwrap(), "paid").await;
    let queue = expect(
        portal
            .call(
                &admin,
                Method::GET,
                "/api/admin/orders?created_by=admin",
                None,
            )
            .await,
        StatusCode::OK,
        "the queue by creator",
    )
    .body;
    assert_eq!(queue["items"][0]["id"], id.as_str(), "{queue}");
    assert_eq!(queue["items"][0]["status"], "paid");
}

#[tokio::test]
async fn an_administrator_orders_for_a_centre_on_its_account_with_reasons() {
    let portal = jobs::portal().await;
    let references = issue_here(&portal, "J-OB-1", "ENR-7", 2, &["certificate"]).await;
    let alan = centre_session(&portal).await;
    let home = address(&portal, &alan, "GB").await;
    let admin = portal.admin().await;
    expect(
        portal
            .call(
                &admin,
                Method::PUT,
                &format!("/api/admin/centres/{CENTRE}/credit"),
                Some(json!({"limit": 10_000})),
            )
            .await,
        StatusCode::OK,
        "the centre's credit",
    );
    let mut body = json!({
        "buyer_id": id_of(&alan),
        "items": [
            {"product_id": CERTIFICATE, "reference": references[0], "reason": "Lost"},
            {"product_id": CERTIFICATE, "reference": references[1]},
        ],
        "billing_address_id": home, "delivery_address_id": home,
        "delivery_option": "uk-first-class", "payment_method": "centre_credit",
    });
    let no_reason = on_behalf(&portal, &admin, body.clone(), "c-1").await;
    assert_eq!(no_reason.fields(), ["items[1].reason"]);
    body["items"][1]["reason"] = json!("Damaged");
    let placed = expect(
        on_behalf(&portal, &admin, body, "c-2").await,
        StatusCode::CREATED,
        "on the centre's account",
    )
    .body;
    assert_eq!(placed["status"], "paid", "{placed}");
    let credit = expect(
        portal
            .call(&alan, Method::GET, "/api/centre/credit", None)
            .await,
        StatusCode::OK,
        "the centre's credit",
    )
    .body;
    assert_eq!(credit["balance"], placed["total"]);
    let seen = expect(
        portal
            .call(
                &alan,
                Method::GET,
                &format!("/api/orders/{}", placed["id"].as_str().unwrap()),
                None,
            )
            .await,
        StatusCode::OK,
        "the centre's order",
    )
    .body;
    assert_eq!(seen["created_by"]["kind"], "admin");
}

#[tokio::test]
async fn orders_on_behalf_refuse_the_wrong_people_and_bad_input_and_write_nothing() {
    let (portal, ada, references) = ada_with_documents().await;
    let home = address(&portal, &ada, "GB").await;
    let admin = portal.admin().await;
    let bea = other_centre_session(&portal).await;
    let anonymous = Session::anonymous();
    let good = json!({
        "buyer_id": id_of(&ada),
        "items": [{"product_id": CERTIFICATE, "reference": references[0]}],
        "billing_address_id": home, "delivery_address_id": home,
        "delivery_option": "uk-tracked",
    });
    for (who, expected) in [
        (&ada, StatusCode::FORBIDDEN),
        (&bea, StatusCode::FORBIDDEN),
        (&anonymous, StatusCode::UNAUTHORIZED),
    ] {
        let answer = on_behalf(&portal, who, good.clone(), "k").await;
        assert_eq!(answer.status, expected);
        assert!(answer.is_problem());
    }
    let with = |field: &str, value: Value| {
        let mut body = good.clone();
        body[field] = value;
        body
    };
    let bea_home = address(&portal, &bea, "GB").await;
    for (body, key, fields) in [
        (with("buyer_id", Value::Null), "k1", vec!["buyer_id"]),
        (with("buyer_id", json!("not-an-id")), "k2", vec!["buyer_id"]),
        (
            with("buyer_id", json!(id_of(&admin))),
            "k3",
            vec!["buyer_id"],
        ),
        (with("items", json!([])), "k4", vec!["items"]),
        (
            with(
                "items",
                json!([{"product_id": "gold-frame", "reference": references[0], "quantity": 0}]),
            ),
            "k5",
            vec!["items[0].product_id", "items[0].quantity"],
        ),
        (
            with(
                "items",
                json!([{"product_id": CERTIFICATE, "reference": "nope"}]),
            ),
            "k6",
            vec!["items[0].reference"],
        ),
        (
            with(
                "items",
                json!([{"product_id": CERTIFICATE, "reference": references[2]}]),
            ),
            "k7",
            vec!["items[0]"],
        ),
        (
            with("billing_address_id", json!(bea_home)),
            "k8",
            vec!["billing_address_id"],
        ),
        (
            with("delivery_option", json!("pigeon")),
            "k9",
            vec!["delivery_option"],
        ),
        (good.clone(), "", vec!["Idempotency-Key"]),
    ] {
        let answer = on_behalf(&portal, &admin, body.clone(), key).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(answer.is_problem());
        assert_eq!(answer.fields(), fields, "{body}");
    }
    let orders = expect(
        portal.call(&ada, Method::GET, "/api/orders", None).await,
        StatusCode::OK,
        "Ada's orders",
    )
    .body;
    assert_eq!(orders["items"], json!([]), "nothing was written");
}
