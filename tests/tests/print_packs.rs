//! Print packs (ORD-6) over HTTP against the local portal: chosen paid orders become one PDF
//! of packing slips, address labels and replacement copies, and move to processing once; the
//! route's denied cases and bad input.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use portal_tests::connections::{ADA, ada_with_documents, expect};
use portal_tests::portal::{Session, TestPortal};
use portal_tests::store::{add, address, admin_order, checkout, pdf_pages, press};

const PACKS: &str = "/api/admin/print-packs";
const CERTIFICATE: &str = "replacement-certificate";
const UNIT: &str = "replacement-unit-certificate";

/// Ada's order of `quantity` copies of `reference` (as `product`) delivered by `delivery`, paid
/// by card unless `pay` is false.
async fn ordered(
    portal: &TestPortal,
    ada: &Session,
    home: &str,
    (product, reference, quantity, delivery): (&str, &str, u32, &str),
    pay: bool,
) -> Value {
    expect(
        add(
            portal,
            ada,
            json!({"product_id": product, "reference": reference, "quantity": quantity}),
        )
        .await,
        StatusCode::CREATED,
        "added",
    );
    let body = json!({"billing_address_id": home, "delivery_address_id": home, "delivery_option": delivery, "payment_method": "card"});
    let placed = expect(
        checkout(portal, ada, body, &format!("{reference}-{delivery}-{pay}")).await,
        StatusCode::CREATED,
        "checkout",
    )
    .body;
    if pay {
        press(portal, placed["payment_url"].as_str().unwrap(), "paid").await;
    }
    placed
}

async fn print(portal: &TestPortal, admin: &Session, ids: &[&str]) -> portal_tests::portal::Answer {
    portal
        .call(admin, Method::POST, PACKS, Some(json!({"order_ids": ids})))
        .await
}

fn moves_to_processing(view: &Value) -> usize {
    view["order"]["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["to"] == "processing")
        .count()
}

#[tokio::test]
async fn paid_orders_print_as_one_pack_and_move_to_processing_once() {
    let (portal, ada, references) = ada_with_documents().await;
    let home = address(&portal, &ada, "GB").await;
    let posted = ordered(
        &portal,
        &ada,
        &home,
        (CERTIFICATE, &references[0], 1, "uk-tracked"),
        true,
    )
    .await;
    portal.advance(time::Duration::seconds(1));
    let collected = ordered(
        &portal,
        &ada,
        &home,
        (UNIT, &references[1], 2, "collection"),
        true,
    )
    .await;
    portal.advance(time::Duration::seconds(1));
    let unpaid = ordered(
        &portal,
        &ada,
        &home,
        (CERTIFICATE, &references[0], 1, "uk-first-class"),
        false,
    )
    .await;
    let id = |o: &Value| o["id"].as_str().unwrap().to_owned();
    let (posted_id, collected_id, unpaid_id) = (id(&posted), id(&collected), id(&unpaid));
    let admin = portal.admin().await;

    // An unpaid order in the selection refuses the whole pack, naming it; nothing moves.
    let refused = print(&portal, &admin, &[&posted_id, &unpaid_id]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.fields(), ["order_ids"]);
    let number = unpaid["number"].as_str().unwrap();
    assert!(
        refused.body["detail"].as_str().unwrap().contains(number),
        "{:?}",
        refused.body
    );
    assert_eq!(
        admin_order(&portal, &admin, &posted_id).await["order"]["status"],
        "paid"
    );

    let pack = expect(
        print(&portal, &admin, &[&posted_id, &collected_id]).await,
        StatusCode::CREATED,
        "the pack",
    )
    .body;
    assert_eq!(pack["documents"], 3, "{pack}");
    assert_eq!(pack["left_out"], json!([]));
    let numbers: Vec<&str> = pack["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["number"].as_str().unwrap())
        .collect();
    let posted_number = posted["number"].as_str().unwrap();
    let collected_number = collected["number"].as_str().unwrap();
    assert_eq!(numbers, [posted_number, collected_number]);
    for id in [&posted_id, &collected_id] {
        let view = admin_order(&portal, &admin, id).await;
        assert_eq!(view["order"]["status"], "processing");
        assert_eq!(moves_to_processing(&view), 1);
    }

    // The pack: the posted order's slip, label and certificate; the collected order's slip
    // and its two copies; every copy marked as a replacement issued today.
    let response = reqwest::get(pack["url"].as_str().unwrap()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let pdf = response.bytes().await.unwrap();
    let (pages, text) = pdf_pages(&pdf);
    let today = portal_domain::values::long_date(portal_tests::portal::now(&portal).date());
    let marked = text
        .matches(&format!("Replacement copy issued {today}"))
        .count();
    assert!(marked >= 3, "{marked} pages marked");
    assert_eq!(pages, 2 + 1 + marked, "slips, one label, the copies' pages");
    for needle in [
        posted_number,
        collected_number,
        "Packing slip",
        "For collection",
        "LS1 4AP",
    ] {
        assert!(text.contains(needle), "{needle} is in the pack");
    }

    // The buyer sees it move on, and is told.
    let mine = expect(
        portal
            .call(&ada, Method::GET, &format!("/api/orders/{posted_id}"), None)
            .await,
        StatusCode::OK,
        "Ada's order",
    )
    .body;
    assert_eq!(mine["status"], "processing");
    let mail = portal.mail_to(ADA).await;
    assert!(
        mail.iter().any(|m| m["subject"]
            .as_str()
            .unwrap()
            .contains(&format!("Order {posted_number}: Processing"))),
        "the buyer is e-mailed"
    );

    // Printed again (a lost link): the same orders, not moved twice.
    let again = expect(
        print(&portal, &admin, &[&posted_id]).await,
        StatusCode::CREATED,
        "printed again",
    )
    .body;
    assert_eq!(again["orders"][0]["number"], posted_number);
    assert_eq!(
        moves_to_processing(&admin_order(&portal, &admin, &posted_id).await),
        1
    );
}

#[tokio::test]
async fn two_administrators_printing_one_order_at_once_move_it_once() {
    let (portal, ada, references) = ada_with_documents().await;
    let home = address(&portal, &ada, "GB").await;
    let order = ordered(
        &portal,
        &ada,
        &home,
        (CERTIFICATE, &references[0], 1, "uk-tracked"),
        true,
    )
    .await;
    let id = order["id"].as_str().unwrap();
    let first = portal.admin().await;
    let second = portal.admin().await;
    let ids = [id];
    let (a, b) = tokio::join!(print(&portal, &first, &ids), print(&portal, &second, &ids));
    let printed: Vec<_> = [&a, &b]
        .into_iter()
        .filter(|r| {
            r.status == StatusCode::CREATED
                && r.body["orders"].as_array().is_some_and(|o| o.len() == 1)
        })
        .collect();
    assert!(!printed.is_empty(), "{:?} {:?}", a.body, b.body);
    for answer in [&a, &b] {
        assert!(
            answer.status == StatusCode::CREATED || answer.status == StatusCode::CONFLICT,
            "{:?}",
            answer.body
        );
    }
    assert_eq!(
        moves_to_processing(&admin_order(&portal, &first, id).await),
        1
    );
}

#[tokio::test]
async fn print_packs_refuse_the_wrong_people_and_bad_input() {
    let (portal, ada, references) = ada_with_documents().await;
    let home = address(&portal, &ada, "GB").await;
    let order = ordered(
        &portal,
        &ada,
        &home,
        (CERTIFICATE, &references[0], 1, "uk-tracked"),
        true,
    )
    .await;
    let id = order["id"].as_str().unwrap();
    let admin = portal.admin().await;
    let anonymous = Session::anonymous();
    assert_eq!(
        print(&portal, &ada, &[id]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        print(&portal, &anonymous, &[id]).await.status,
        StatusCode::UNAUTHORIZED
    );

    let unknown = "0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a";
    let too_many: Vec<String> = (0..501)
        .map(|n| format!("0d1e2f3a-4b5c-4d6e-8f7a-{n:012}"))
        .collect();
    for body in [
        json!({}),
        json!({"order_ids": []}),
        json!({"order_ids": ["not an id"]}),
        json!({"order_ids": [id, id]}),
        json!({"order_ids": [unknown]}),
        json!({"order_ids": too_many}),
        json!({"order_ids": "all"}),
    ] {
        let answer = portal
            .call(&admin, Method::POST, PACKS, Some(body.clone()))
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(answer.is_problem());
        assert_eq!(answer.fields(), ["order_ids"], "{body}");
    }
    assert_eq!(
        admin_order(&portal, &admin, id).await["order"]["status"],
        "paid",
        "nothing moved"
    );
}
