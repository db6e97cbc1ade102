//! The store (ORD) for journeys: a buyer's address, a basket, checkout, and the local payment
//! provider's page used as a browser would (a form POST of the button's outcome).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::connections::expect;
use crate::portal::{Answer, Session, TestPortal};

/// Adds an address to the person's book; answers its id.
pub async fn address(portal: &TestPortal, who: &Session, country: &str) -> String {
    let postcode = if country == "GB" { "LS1 4AP" } else { "75001" };
    let created = portal
        .call(
            who,
            Method::POST,
            "/api/me/addresses",
            Some(json!({
                "label": "Home", "recipient": "Ada Lovelace", "line1": "12 Analytical Row",
                "city": if country == "GB" { "Leeds" } else { "Paris" }, "postcode": postcode,
                "country": country
            })),
        )
        .await;
    let created = expect(created, StatusCode::CREATED, "adding an address");
    created.body["id"]
        .as_str()
        .expect("an address id")
        .to_owned()
}

/// Adds a product for a document; answers the basket.
pub async fn add(portal: &TestPortal, who: &Session, body: Value) -> Answer {
    portal
        .call(who, Method::POST, "/api/basket/items", Some(body))
        .await
}

pub async fn basket(portal: &TestPortal, who: &Session) -> Value {
    expect(
        portal.call(who, Method::GET, "/api/basket", None).await,
        StatusCode::OK,
        "the basket",
    )
    .body
}

/// Places the order with this idempotency key.
pub async fn checkout(portal: &TestPortal, who: &Session, body: Value, key: &str) -> Answer {
    let bearer = format!("Bearer {}", who.token);
    portal
        .send(
            Method::POST,
            "/api/checkout",
            Some(body),
            &[("authorization", &bearer), ("idempotency-key", key)],
        )
        .await
}

/// Presses a button on the local provider's page; answers the status and where it sent the
/// browser.
pub async fn press(portal: &TestPortal, payment_url: &str, outcome: &str) -> (StatusCode, String) {
    let response = portal
        .http
        .post(payment_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("outcome={outcome}"))
        .send()
        .await
        .expect("the payment page answers");
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, location)
}

pub async fn order(portal: &TestPortal, who: &Session, id: &str) -> Value {
    expect(
        portal
            .call(who, Method::GET, &format!("/api/orders/{id}"), None)
            .await,
        StatusCode::OK,
        "the order",
    )
    .body
}

/// The local provider's webhook signing secret (generated into the data folder).
pub fn webhook_secret(portal: &TestPortal) -> String {
    std::fs::read_to_string(portal.dir.path().join("payments-webhook-secret.txt"))
        .expect("the local provider's secret")
        .trim()
        .to_owned()
}

/// A webhook delivery as the provider makes it: the event signed at `timestamp`.
pub async fn deliver_event(
    portal: &TestPortal,
    event: &Value,
    secret: &str,
    timestamp: i64,
) -> Answer {
    let body = event.to_string();
    let signature = portal_domain::store::webhook::sign(secret, timestamp, body.as_bytes());
    let response = portal
        .http
        .post(portal.url("/api/payments/webhook"))
        .header("content-type", "application/json")
        .header("stripe-signature", signature)
        .body(body)
        .send()
        .await
        .expect("the webhook answers");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("a body");
    Answer {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

/// A `checkout.session.completed` event for an order, as Stripe sends it.
pub fn paid_event(event_id: &str, order_id: &str, amount: i64, payment_intent: &str) -> Value {
    json!({
        "id": event_id, "object": "event", "type": "checkout.session.completed", "created": 0,
        "data": {"object": {
            "id": format!("cs_test_{event_id}"), "object": "checkout.session",
            "amount_total": amount, "currency": "gbp", "payment_status": "paid",
            "payment_intent": payment_intent, "metadata": {"order_id": order_id}
        }}
    })
}

/// An order as administrators see it (`GET /api/admin/orders/{id}`).
pub async fn admin_order(portal: &TestPortal, admin: &Session, id: &str) -> Value {
    expect(
        portal
            .call(admin, Method::GET, &format!("/api/admin/orders/{id}"), None)
            .await,
        StatusCode::OK,
        "the order (admin)",
    )
    .body
}

/// A PDF's page count and its text.
pub fn pdf_pages(pdf: &[u8]) -> (usize, String) {
    let doc = lopdf::Document::load_mem(pdf).expect("a readable PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    (
        pages.len(),
        doc.extract_text(&pages).expect("text extracts"),
    )
}

/// A PDF route's file, as `who`: answered 200 as `application/pdf`; its text.
pub async fn pdf_at(portal: &TestPortal, who: &Session, path: &str) -> String {
    let response = portal
        .http
        .get(portal.url(path))
        .bearer_auth(&who.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    assert_eq!(response.headers()["content-type"], "application/pdf");
    pdf_pages(&response.bytes().await.unwrap()).1
}
