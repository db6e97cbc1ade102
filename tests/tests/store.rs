//! The store (ORD-1..5) over HTTP against the local portal: a learner's purchase through the
//! local payment provider's page, a third party's proof-of-qualification letter, the webhook's
//! signature, idempotence and ordering rules, unpaid orders cancelled, and every route's denied
//! cases and bad input.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::Duration;

use portal_tests::connections::{
    ADA, GRACE, active_connection, ada_with_documents, ada_with_documents_and, again, expect,
    issue_to, learner_named,
};
use portal_tests::portal::{Session, TestPortal};
use portal_tests::store::{
    add, address, basket, checkout, deliver_event, order, paid_event, pdf_at, press, webhook_secret,
};

const CERTIFICATE: &str = "replacement-certificate";

async fn ada_ready_to_buy() -> (TestPortal, Session, Vec<String>, String) {
    let (portal, ada, references) = ada_with_documents_and(|o| {
        o.settings.store.seller.vat_number = Some("GB 123 4567 89".to_owned());
        o.settings.store.seller.address =
            vec!["1 Awarding Way".to_owned(), "Leeds LS1 1AA".to_owned()];
    })
    .await;
    let home = address(&portal, &ada, "GB").await;
    (portal, ada, references, home)
}

/// Ada with a replacement certificate ordered, awaiting payment.
async fn ada_placed_an_order() -> (TestPortal, Session, portal_tests::portal::Answer) {
    let (portal, ada, references, home) = ada_ready_to_buy().await;
    let line = json!({"product_id": CERTIFICATE, "reference": references[0]});
    expect(
        add(&portal, &ada, line).await,
        StatusCode::CREATED,
        "a certificate",
    );
    let placed = checkout(&portal, &ada, posted_to(&home), "k").await;
    let placed = expect(placed, StatusCode::CREATED, "checkout");
    (portal, ada, placed)
}

fn posted_to(home: &str) -> Value {
    json!({"billing_address_id": home, "delivery_address_id": home, "delivery_option": "uk-first-class", "payment_method": "card"})
}

#[tokio::test]
async fn a_learner_buys_two_replacement_certificates_through_the_local_payment_page() {
    let (portal, ada, references, home) = ada_ready_to_buy().await;

    // The store offers Ada what she may buy, for her own documents.
    let offer = expect(
        portal
            .call(&ada, Method::GET, "/api/store/products", None)
            .await,
        StatusCode::OK,
        "the store",
    )
    .body;
    let certificate = offer["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == CERTIFICATE)
        .expect("replacement certificates are sold to learners");
    assert_eq!(certificate["price"], 3000);
    assert_eq!(certificate["documents"][0]["reference"], references[0]);
    assert!(
        offer["products"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["id"] != "proof-of-qualification"),
        "proof letters are for third parties"
    );

    // Into the basket; a price the client sends is ignored.
    let added = add(
        &portal,
        &ada,
        json!({"product_id": CERTIFICATE, "reference": references[0], "price": 1}),
    )
    .await;
    let added = expect(added, StatusCode::CREATED, "adding to the basket");
    assert_eq!(added.body["lines"][0]["unit_price"], 3000);
    // Adding the same again adds to its quantity.
    let again = expect(
        add(
            &portal,
            &ada,
            json!({"product_id": CERTIFICATE, "reference": references[0]}),
        )
        .await,
        StatusCode::CREATED,
        "adding again",
    );
    assert_eq!(again.body["lines"].as_array().unwrap().len(), 1);
    assert_eq!(again.body["lines"][0]["quantity"], 2);
    assert_eq!(
        (again.body["count"].clone(), again.body["total"].clone()),
        (json!(2), json!(6000))
    );
    assert_eq!(again.body["needs_delivery"], true);

    // Delivery options depend on the country.
    let uk = expect(
        portal
            .call(
                &ada,
                Method::GET,
                "/api/checkout/delivery-options?country=gb",
                None,
            )
            .await,
        StatusCode::OK,
        "UK options",
    );
    let ids: Vec<&str> = uk
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "uk-second-class",
            "uk-first-class",
            "uk-tracked",
            "collection"
        ]
    );

    // The review: two at £30.00 and £3.50 first class; VAT at 20 % on the £63.50 total.
    let review = expect(
        portal
            .call(
                &ada,
                Method::POST,
                "/api/checkout/review",
                Some(posted_to(&home)),
            )
            .await,
        StatusCode::OK,
        "the review",
    );
    let totals = &review.body["totals"];
    assert_eq!(totals["items"], 6000);
    assert_eq!(totals["delivery"], 350);
    assert_eq!(totals["total"], 6350);
    assert_eq!(
        totals["vat"][0]["vat"], 1058,
        "6350 × 20/120 = 1058.33, rounded"
    );
    assert_eq!(totals["vat_total"], 1058);
    assert_eq!(totals["net"], 5292);

    // Checkout: the order, and where to pay it. The same key gives the same order.
    let placed = expect(
        checkout(&portal, &ada, posted_to(&home), "order-key-1").await,
        StatusCode::CREATED,
        "checkout",
    );
    let id = placed.body["id"].as_str().unwrap().to_owned();
    assert_eq!(placed.body["status"], "awaiting_payment");
    assert_eq!(placed.body["total"], 6350);
    let payment_url = placed.body["payment_url"].as_str().unwrap().to_owned();
    let same = checkout(&portal, &ada, posted_to(&home), "order-key-1").await;
    assert_eq!(same.body["id"], id.as_str());
    assert_eq!(same.body["payment_url"], payment_url.as_str());

    // The local provider's page shows the amount; declining leaves the order to pay.
    let page = portal
        .http
        .get(&payment_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("£63.50"), "{page}");
    let (status, back) = press(&portal, &payment_url, "declined").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(back.ends_with(&format!("/orders/{id}")), "{back}");
    let declined = order(&portal, &ada, &id).await;
    assert_eq!(declined["status"], "awaiting_payment");
    assert_eq!(declined["payment"]["last_outcome"], "declined");
    assert_eq!(declined["can_pay"], true);
    assert_eq!(
        basket(&portal, &ada).await["count"],
        2,
        "the basket empties only when paid"
    );

    // Pay now, again: paid; the basket empties; an e-mail confirms the order.
    let retry = expect(
        portal
            .call(&ada, Method::POST, &format!("/api/orders/{id}/pay"), None)
            .await,
        StatusCode::OK,
        "paying again",
    );
    let second_url = retry.body["payment_url"].as_str().unwrap().to_owned();
    assert_ne!(second_url, payment_url, "a new payment page");
    let (status, back) = press(&portal, &second_url, "paid").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(back.contains(&format!("/orders/{id}?paid=1")), "{back}");
    let paid = order(&portal, &ada, &id).await;
    assert_eq!(paid["status"], "paid");
    assert!(
        paid["payment"]["payment_id"]
            .as_str()
            .unwrap()
            .starts_with("pi_local_")
    );
    assert_eq!(
        paid["totals"]["total"], 6350,
        "prices are fixed in the order"
    );
    let log: Vec<&str> = paid["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["to"].as_str().unwrap())
        .collect();
    assert_eq!(log, ["awaiting_payment", "awaiting_payment", "paid"]);
    assert_eq!(basket(&portal, &ada).await["count"], 0);
    // The VAT receipt: the order's number, the seller's VAT number, the VAT and the total.
    let text = pdf_at(&portal, &ada, &format!("/api/orders/{id}/receipt")).await;
    let number = paid["number"].as_str().unwrap();
    for needle in [number, "GB 123 4567 89", "£10.58", "£63.50"] {
        assert!(text.contains(needle), "{needle} in the receipt: {text}");
    }
    let mails = portal.mail_to(ADA).await;
    let confirmation = mails
        .iter()
        .find(|m| m["subject"].as_str().unwrap().contains("confirmed"))
        .expect("an order confirmation");
    assert!(
        confirmation["text"]
            .as_str()
            .unwrap()
            .contains("Total paid: £63.50")
    );
    // Ada's orders, with the guide's columns and filters.
    let list = expect(
        portal.call(&ada, Method::GET, "/api/orders", None).await,
        StatusCode::OK,
        "the orders",
    );
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(list.body["items"][0]["delivery_type"], "UK 1st class post");
    assert_eq!(list.body["items"][0]["created_by"]["name"], "Ada Lovelace");
    for (filter, found) in [
        ("status=paid", 1),
        ("status=cancelled", 0),
        ("product=replacement-certificate", 1),
        ("product=confirmation-of-award", 0),
        ("delivery=uk-first-class", 1),
        ("delivery=digital", 0),
        ("min_total=6350&max_total=6350", 1),
        ("min_total=6351", 0),
    ] {
        let listed = portal
            .call(&ada, Method::GET, &format!("/api/orders?{filter}"), None)
            .await;
        assert_eq!(
            listed.body["items"].as_array().map(Vec::len),
            Some(found),
            "{filter}"
        );
    }
}

#[tokio::test]
async fn a_second_payment_for_a_paid_order_is_refunded_and_logged() {
    let (portal, ada, placed) = ada_placed_an_order().await;
    let id = placed.body["id"].as_str().unwrap().to_owned();
    let first = placed.body["payment_url"].as_str().unwrap().to_owned();
    // Two tabs: a second payment page opened while the first is still open.
    let second = portal
        .call(&ada, Method::POST, &format!("/api/orders/{id}/pay"), None)
        .await
        .body["payment_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        press(&portal, &first, "paid").await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        press(&portal, &second, "paid").await.0,
        StatusCode::SEE_OTHER
    );
    let paid = order(&portal, &ada, &id).await;
    assert_eq!(paid["status"], "paid");
    let notes: Vec<String> = paid["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["note"].as_str().map(str::to_owned))
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("second payment") && n.contains("refunded")),
        "{notes:?}"
    );
}

#[tokio::test]
async fn the_webhook_refuses_bad_signatures_stale_events_and_wrong_amounts_and_handles_each_event_once()
 {
    let (portal, ada, placed) = ada_placed_an_order().await;
    let id = placed.body["id"].as_str().unwrap().to_owned();
    let total = placed.body["total"].as_i64().unwrap();
    let secret = webhook_secret(&portal);
    let now = portal_tests::portal::now(&portal).unix_timestamp();
    let event = paid_event("evt_1", &id, total, "pi_1");

    let forged = deliver_event(&portal, &event, "whsec_not_the_secret", now).await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    assert!(forged.is_problem());
    assert_eq!(forged.fields(), ["Stripe-Signature"]);
    let stale = deliver_event(&portal, &event, &secret, now - 301).await;
    assert_eq!(
        (stale.status, stale.fields()),
        (StatusCode::BAD_REQUEST, vec!["Stripe-Signature".to_owned()])
    );
    let short = deliver_event(
        &portal,
        &paid_event("evt_2", &id, total - 1, "pi_1"),
        &secret,
        now,
    )
    .await;
    assert_eq!(
        (short.status, short.fields()),
        (
            StatusCode::BAD_REQUEST,
            vec!["data.object.amount_total".to_owned()]
        )
    );
    let mut euros = paid_event("evt_3", &id, total, "pi_1");
    euros["data"]["object"]["currency"] = json!("eur");
    let euros = deliver_event(&portal, &euros, &secret, now).await;
    assert_eq!(euros.fields(), ["data.object.currency"]);
    let unknown = deliver_event(
        &portal,
        &paid_event(
            "evt_4",
            "00000000-0000-4000-8000-000000000000",
            total,
            "pi_1",
        ),
        &secret,
        now,
    )
    .await;
    assert_eq!(unknown.fields(), ["data.object.metadata.order_id"]);
    assert_eq!(
        order(&portal, &ada, &id).await["status"],
        "awaiting_payment",
        "nothing changed"
    );

    // The same event twice at once, then again: one payment.
    let (a, b) = tokio::join!(
        deliver_event(&portal, &event, &secret, now),
        deliver_event(&portal, &event, &secret, now)
    );
    let mut outcomes = vec![a.body["outcome"].clone(), b.body["outcome"].clone()];
    outcomes.sort_by_key(ToString::to_string);
    assert_eq!(
        outcomes,
        [json!("duplicate_event"), json!("paid")],
        "{a:?} {b:?}"
    );
    let replay = deliver_event(&portal, &event, &secret, now).await;
    assert_eq!(replay.body["outcome"], "duplicate_event");
    let paid = order(&portal, &ada, &id).await;
    assert_eq!(paid["status"], "paid");
    assert_eq!(
        paid["log"].as_array().unwrap().len(),
        2,
        "placed, paid: nothing more"
    );
    // A late "expired" for the first page changes nothing.
    let mut expired = paid_event("evt_5", &id, total, "pi_1");
    expired["type"] = json!("checkout.session.expired");
    let late = deliver_event(&portal, &expired, &secret, now).await;
    assert_eq!(late.body["outcome"], "ignored");
    assert_eq!(order(&portal, &ada, &id).await["status"], "paid");
    // Signed, but not an event; an event of a kind the portal does not act on.
    let garbage = deliver_event(&portal, &json!(["not", "an", "event"]), &secret, now).await;
    assert_eq!(
        (garbage.status, garbage.fields()),
        (StatusCode::BAD_REQUEST, vec!["body".to_owned()])
    );
    let mut other = paid_event("evt_6", &id, total, "pi_1");
    other["type"] = json!("customer.created");
    let other = deliver_event(&portal, &other, &secret, now).await;
    assert_eq!(other.body["outcome"], "ignored");
}

#[tokio::test]
async fn the_local_payment_page_refuses_unknown_sessions_bad_outcomes_and_a_second_press() {
    let (portal, _ada, placed) = ada_placed_an_order().await;
    let url = placed.body["payment_url"].as_str().unwrap();
    let page = portal.http.get(url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let unknown = portal
        .http
        .get(portal.url("/dev/pay/cs_local_000000000000000000000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let bogus = portal
        .http
        .get(portal.url("/dev/pay/not-a-session"))
        .send()
        .await
        .unwrap();
    assert_eq!(bogus.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        press(&portal, url, "refund-me").await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(press(&portal, url, "paid").await.0, StatusCode::SEE_OTHER);
    assert_eq!(
        press(&portal, url, "paid").await.0,
        StatusCode::CONFLICT,
        "a page pays once"
    );
    assert_eq!(
        press(&portal, url, "cancelled").await.0,
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn two_checkouts_with_one_key_at_once_make_one_order() {
    let (portal, ada, references, home) = ada_ready_to_buy().await;
    add(
        &portal,
        &ada,
        json!({"product_id": CERTIFICATE, "reference": references[0]}),
    )
    .await;
    let (a, b) = tokio::join!(
        checkout(&portal, &ada, posted_to(&home), "same-key"),
        checkout(&portal, &ada, posted_to(&home), "same-key")
    );
    assert_eq!(a.status, StatusCode::CREATED, "{:?}", a.body);
    assert_eq!(b.status, StatusCode::CREATED, "{:?}", b.body);
    assert_eq!(a.body["id"], b.body["id"]);
    let list = portal.call(&ada, Method::GET, "/api/orders", None).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_order_unpaid_for_a_day_is_cancelled_once_and_the_buyer_told() {
    let (portal, ada, placed) = ada_placed_an_order().await;
    let id = placed.body["id"].as_str().unwrap().to_owned();
    portal.advance(Duration::hours(23));
    let early = portal.running.run_scheduled("expire-orders").await.unwrap();
    assert_eq!(early["cancelled"], 0);
    portal.advance(Duration::hours(2));
    let (a, b) = tokio::join!(
        portal.running.run_scheduled("expire-orders"),
        portal.running.run_scheduled("expire-orders")
    );
    let cancelled =
        a.unwrap()["cancelled"].as_u64().unwrap() + b.unwrap()["cancelled"].as_u64().unwrap();
    assert_eq!(cancelled, 1, "two runs at once cancel it once");
    let ada = again(&portal, &ada).await;
    let gone = order(&portal, &ada, &id).await;
    assert_eq!(gone["status"], "cancelled");
    assert_eq!(gone["can_pay"], false);
    let told = portal.mail_to(ADA).await;
    assert_eq!(
        told.iter()
            .filter(|m| m["subject"].as_str().unwrap().contains("cancelled"))
            .count(),
        1
    );
    // Paying the cancelled order's page now is a payment for nothing: refunded.
    let url = placed.body["payment_url"].as_str().unwrap();
    assert_eq!(press(&portal, url, "paid").await.0, StatusCode::SEE_OTHER);
    let after = order(&portal, &ada, &id).await;
    assert_eq!(after["status"], "cancelled");
    assert!(
        after["log"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["note"].as_str().is_some_and(|n| n.contains("refunded")))
    );
    let pay = portal
        .call(&ada, Method::POST, &format!("/api/orders/{id}/pay"), None)
        .await;
    assert_eq!(pay.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_third_party_orders_one_proof_letter_per_achievement_shared_with_them() {
    let (portal, ada, references) = ada_with_documents().await;
    let grace = portal.active_third_party(GRACE).await;
    let connection = active_connection(&portal, &ada, &grace, &references[..1]).await;
    let home = address(&portal, &grace, "FR").await;

    let offer = portal
        .call(
            &grace,
            Method::GET,
            &format!("/api/store/products?connection_id={connection}"),
            None,
        )
        .await;
    let products = offer.body["products"].as_array().unwrap();
    assert_eq!(products.len(), 1, "{products:?}");
    assert_eq!(products[0]["id"], "proof-of-qualification");
    assert_eq!(products[0]["documents"][0]["reference"], references[0]);

    let proof = json!({"product_id": "proof-of-qualification", "reference": references[0], "connection_id": connection});
    let without = add(
        &portal,
        &grace,
        json!({"product_id": "proof-of-qualification", "reference": references[0]}),
    )
    .await;
    assert_eq!(without.fields(), ["connection_id"]);
    let not_shared = add(&portal, &grace, json!({"product_id": "proof-of-qualification", "reference": references[1], "connection_id": connection})).await;
    assert_eq!(
        (not_shared.status, not_shared.fields()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["reference".to_owned()]
        )
    );
    let two = add(&portal, &grace, json!({"product_id": "proof-of-qualification", "reference": references[0], "connection_id": connection, "quantity": 2})).await;
    assert_eq!(two.fields(), ["quantity"]);
    expect(
        add(&portal, &grace, proof.clone()).await,
        StatusCode::CREATED,
        "a proof letter",
    );
    let twice = add(&portal, &grace, proof.clone()).await;
    assert_eq!(
        twice.fields(),
        ["product_id"],
        "one per achievement, even in the basket"
    );
    assert_eq!(
        basket(&portal, &grace).await["needs_delivery"],
        false,
        "letters are digital"
    );

    // A letter needs no delivery; the buyer abroad pays for it alone.
    let placed = expect(
        checkout(&portal, &grace, json!({"billing_address_id": home}), "g1").await,
        StatusCode::CREATED,
        "checkout of a letter",
    );
    assert_eq!(placed.body["total"], 2400);
    assert!(placed.body["order"]["delivery"].is_null());
    let url = placed.body["payment_url"].as_str().unwrap();
    press(&portal, url, "paid").await;
    // Paid: the letter is issued as a document of its own, verifiable, Grace's to download; the
    // order is complete (nothing to post).
    let id = placed.body["id"].as_str().unwrap();
    let done = order(&portal, &grace, id).await;
    assert_eq!(done["status"], "complete", "{done}");
    let letter = done["lines"][0]["letter_reference"]
        .as_str()
        .expect("a letter")
        .to_owned();
    assert_ne!(letter, references[0]);
    let verified = portal.get(&format!("/api/verify/{letter}")).await;
    assert_eq!(verified.status, StatusCode::OK);
    assert_eq!(verified.body["status"], "valid", "{:?}", verified.body);
    let pdf = portal
        .http
        .get(portal.url(&format!("/api/documents/{letter}/pdf?download=true")))
        .bearer_auth(&grace.token)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), StatusCode::OK);
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
    // Not Ada's to list, and nobody else's to open.
    let ada_sees = portal.call(&ada, Method::GET, "/api/documents", None).await;
    assert!(
        !ada_sees.body.to_string().contains(&letter),
        "a third party's letter is theirs"
    );
    let other = portal.active_third_party("eve@employer.test").await;
    let peek = portal
        .call(
            &other,
            Method::GET,
            &format!("/api/documents/{letter}"),
            None,
        )
        .await;
    assert_eq!(peek.status, StatusCode::NOT_FOUND);
    // Ordered now: a second letter for the same achievement is refused.
    let again = add(&portal, &grace, proof).await;
    assert_eq!(
        (again.status, again.fields()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["product_id".to_owned()]
        ),
        "{:?}",
        again.body
    );
}

#[tokio::test]
async fn a_learners_confirmation_letter_joins_her_documents_when_paid() {
    let (portal, ada, references, home) = ada_ready_to_buy().await;
    let letter = json!({"product_id": "confirmation-of-award", "reference": references[0]});
    let twice = add(
        &portal,
        &ada,
        json!({"product_id": "confirmation-of-award", "reference": references[0], "quantity": 2}),
    )
    .await;
    assert_eq!(twice.fields(), ["quantity"], "a letter is issued once");
    expect(
        add(&portal, &ada, letter.clone()).await,
        StatusCode::CREATED,
        "a letter",
    );
    let again = add(&portal, &ada, letter).await;
    assert_eq!(
        again.fields(),
        ["product_id"],
        "a letter is in the basket once"
    );
    let placed = checkout(&portal, &ada, json!({"billing_address_id": home}), "l1").await;
    assert_eq!(placed.body["total"], 1800);
    press(
        &portal,
        placed.body["payment_url"].as_str().unwrap(),
        "paid",
    )
    .await;
    let done = order(&portal, &ada, placed.body["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "complete");
    let issued = done["lines"][0]["letter_reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let listed = portal.call(&ada, Method::GET, "/api/documents", None).await;
    let documents = listed.body.to_string();
    assert!(
        documents.contains(&issued),
        "the letter is among her documents: {documents}"
    );
    let verified = portal.get(&format!("/api/verify/{issued}")).await;
    assert_eq!(verified.body["status"], "valid");
}

#[tokio::test]
async fn international_delivery_waits_for_a_quote_with_no_payment_page() {
    let (portal, ada, references) = ada_with_documents().await;
    let abroad = address(&portal, &ada, "FR").await;
    add(
        &portal,
        &ada,
        json!({"product_id": CERTIFICATE, "reference": references[0]}),
    )
    .await;
    let options = portal
        .call(
            &ada,
            Method::GET,
            "/api/checkout/delivery-options?country=FR",
            None,
        )
        .await;
    assert_eq!(options.body[1]["priced_by_team"], true);
    let uk_only = checkout(
        &portal,
        &ada,
        json!({"billing_address_id": abroad, "delivery_address_id": abroad, "delivery_option": "uk-first-class"}),
        "q0",
    )
    .await;
    assert_eq!(uk_only.fields(), ["delivery_option"]);
    let placed = expect(
        checkout(
            &portal,
            &ada,
            json!({"billing_address_id": abroad, "delivery_address_id": abroad, "delivery_option": "international"}),
            "q1",
        )
        .await,
        StatusCode::CREATED,
        "an international order",
    );
    assert_eq!(placed.body["status"], "awaiting_quote");
    assert!(placed.body["payment_url"].is_null());
    assert_eq!(placed.body["order"]["totals"]["delivery"], Value::Null);
    assert_eq!(placed.body["total"], 3000);
}

#[tokio::test]
async fn every_store_route_refuses_anonymous_callers_the_wrong_kind_and_bad_input() {
    let (portal, ada, references, home) = ada_ready_to_buy().await;
    let admin = portal.admin().await;
    let other = learner_named(
        &portal,
        "alan@learners.test",
        "ENR-2002",
        ("Alan", "Turing"),
    )
    .await;
    let alans = issue_to(
        &portal,
        "J-ALAN",
        "ENR-2002",
        ("Alan", "Turing"),
        &["certificate"],
    )
    .await;
    let alans_home = address(&portal, &other, "GB").await;

    for (method, path) in [
        (Method::GET, "/api/store/products"),
        (Method::GET, "/api/basket"),
        (Method::POST, "/api/basket/items"),
        (Method::PATCH, "/api/basket/items/00112233445566778899"),
        (Method::DELETE, "/api/basket/items/00112233445566778899"),
        (Method::GET, "/api/checkout/delivery-options?country=GB"),
        (Method::POST, "/api/checkout/review"),
        (Method::POST, "/api/checkout"),
        (Method::GET, "/api/orders"),
        (
            Method::GET,
            "/api/orders/00000000-0000-4000-8000-000000000000",
        ),
        (
            Method::POST,
            "/api/orders/00000000-0000-4000-8000-000000000000/pay",
        ),
        (
            Method::GET,
            "/api/orders/00000000-0000-4000-8000-000000000000/receipt",
        ),
    ] {
        let anonymous = portal
            .send(method.clone(), path, Some(json!({})), &[])
            .await;
        assert_eq!(
            anonymous.status,
            StatusCode::UNAUTHORIZED,
            "{method} {path}"
        );
        assert!(anonymous.is_problem(), "{method} {path}");
        if path != "/api/checkout/delivery-options?country=GB" {
            let staff = portal
                .call(&admin, method.clone(), path, Some(json!({})))
                .await;
            assert_eq!(
                staff.status,
                StatusCode::FORBIDDEN,
                "an administrator is no buyer: {method} {path}"
            );
        }
    }

    let bad = |body: Value| add(&portal, &ada, body);
    let unknown =
        bad(json!({"product_id": "gold-plated-certificate", "reference": references[0]})).await;
    assert_eq!(
        (unknown.status, unknown.fields()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["product_id".to_owned()]
        )
    );
    let not_hers = bad(json!({"product_id": CERTIFICATE, "reference": alans[0]})).await;
    assert_eq!(not_hers.fields(), ["reference"]);
    let wrong_kind = bad(json!({"product_id": CERTIFICATE, "reference": references[1]})).await;
    assert_eq!(
        wrong_kind.fields(),
        ["reference"],
        "a unit certificate is not a certificate"
    );
    let malformed = bad(json!({"product_id": CERTIFICATE, "reference": "nonsense"})).await;
    assert_eq!(malformed.fields(), ["reference"]);
    for quantity in [0, 11, -1] {
        let answer = bad(
            json!({"product_id": CERTIFICATE, "reference": references[0], "quantity": quantity}),
        )
        .await;
        assert_eq!(answer.fields(), ["quantity"], "quantity {quantity}");
    }
    let third_party_product =
        bad(json!({"product_id": "proof-of-qualification", "reference": references[0]})).await;
    assert_eq!(third_party_product.fields(), ["product_id"]);
    assert_eq!(basket(&portal, &ada).await["count"], 0, "nothing was added");

    let empty = checkout(&portal, &ada, posted_to(&home), "empty").await;
    assert_eq!(
        (empty.status, empty.fields()),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["basket".to_owned()])
    );
    let added = add(
        &portal,
        &ada,
        json!({"product_id": CERTIFICATE, "reference": references[0]}),
    )
    .await;
    let line = added.body["lines"][0]["id"].as_str().unwrap().to_owned();
    let no_key = portal
        .call(&ada, Method::POST, "/api/checkout", Some(posted_to(&home)))
        .await;
    assert_eq!(no_key.fields(), ["Idempotency-Key"]);
    let his_address = checkout(&portal, &ada, posted_to(&alans_home), "theirs").await;
    assert_eq!(
        his_address.fields(),
        ["billing_address_id", "delivery_address_id"]
    );
    let no_delivery = checkout(&portal, &ada, json!({"billing_address_id": home}), "nd").await;
    assert_eq!(no_delivery.fields(), ["delivery_option"]);
    let on_account = checkout(
        &portal,
        &ada,
        json!({"billing_address_id": home, "delivery_address_id": home, "delivery_option": "uk-first-class", "payment_method": "centre_credit"}),
        "acct",
    )
    .await;
    assert_eq!(on_account.fields(), ["payment_method"]);
    let country = portal
        .call(
            &ada,
            Method::GET,
            "/api/checkout/delivery-options?country=Narnia",
            None,
        )
        .await;
    assert_eq!(country.fields(), ["country"]);
    let orders = portal.call(&ada, Method::GET, "/api/orders", None).await;
    assert_eq!(
        orders.body["items"].as_array().unwrap().len(),
        0,
        "no bad request placed an order"
    );

    // Quantities: changed within 1–10 only; another's line or order is not found.
    let path = format!("/api/basket/items/{line}");
    for quantity in [json!(0), json!(11), json!("two"), Value::Null] {
        let answer = portal
            .call(
                &ada,
                Method::PATCH,
                &path,
                Some(json!({"quantity": quantity})),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{quantity}: {:?}",
            answer.body
        );
    }
    let changed = portal
        .call(&ada, Method::PATCH, &path, Some(json!({"quantity": 3})))
        .await;
    assert_eq!(changed.body["count"], 3);
    let alans_try = portal
        .call(&other, Method::PATCH, &path, Some(json!({"quantity": 1})))
        .await;
    assert_eq!(alans_try.status, StatusCode::NOT_FOUND);
    let placed = checkout(&portal, &ada, posted_to(&home), "real").await;
    let id = placed.body["id"].as_str().unwrap();
    let peek = portal
        .call(&other, Method::GET, &format!("/api/orders/{id}"), None)
        .await;
    assert_eq!(peek.status, StatusCode::NOT_FOUND);
    let pay = portal
        .call(&other, Method::POST, &format!("/api/orders/{id}/pay"), None)
        .await;
    assert_eq!(pay.status, StatusCode::NOT_FOUND);
    let theirs = portal
        .call(
            &other,
            Method::GET,
            &format!("/api/orders/{id}/receipt"),
            None,
        )
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    let unpaid = portal
        .call(
            &ada,
            Method::GET,
            &format!("/api/orders/{id}/receipt"),
            None,
        )
        .await;
    assert_eq!(
        unpaid.status,
        StatusCode::CONFLICT,
        "no receipt before payment"
    );
    let anonymous = portal.get(&format!("/api/orders/{id}/receipt")).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let filters = portal
        .call(
            &ada,
            Method::GET,
            "/api/orders?status=lost&from=2026-13-01&min_total=-5",
            None,
        )
        .await;
    assert_eq!(filters.fields(), ["status", "from", "min_total"]);
    let removed = portal.call(&ada, Method::DELETE, &path, None).await;
    assert_eq!(removed.body["count"], 0);
}

#[tokio::test]
async fn a_letter_for_a_document_no_longer_shared_is_refused_at_checkout_and_nothing_is_placed() {
    let (portal, ada, references) = ada_with_documents().await;
    let grace = portal.active_third_party(GRACE).await;
    let connection = active_connection(&portal, &ada, &grace, &references[..1]).await;
    let home = address(&portal, &grace, "GB").await;
    let proof = json!({"product_id": "proof-of-qualification", "reference": references[0], "connection_id": connection});
    expect(
        add(&portal, &grace, proof).await,
        StatusCode::CREATED,
        "a proof letter",
    );
    // Ada ends the connection before Grace checks out.
    let ended = portal
        .call(
            &ada,
            Method::DELETE,
            &format!("/api/connections/{connection}"),
            None,
        )
        .await;
    expect(ended, StatusCode::OK, "Ada cancels");
    let refused = checkout(&portal, &grace, json!({"billing_address_id": home}), "late").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.fields(), ["basket.lines[0]"], "{:?}", refused.body);
    let review = portal
        .call(
            &grace,
            Method::POST,
            "/api/checkout/review",
            Some(json!({"billing_address_id": home})),
        )
        .await;
    assert_eq!(review.fields(), ["basket.lines[0]"]);
    let orders = portal.call(&grace, Method::GET, "/api/orders", None).await;
    assert_eq!(orders.body["items"].as_array().unwrap().len(), 0);
}
