//! The configuration console (ADM-4) over HTTP against the local portal: a change is versioned
//! (who, when, what), validated with field errors, conditional on the version seen, in effect
//! everywhere within a minute, and never changes an order already placed.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use portal_tests::connections::{ada_with_documents, expect};
use portal_tests::portal::{Answer, Session, TestPortal};
use portal_tests::store::{add, address, checkout};

const CONFIG: &str = "/api/admin/config";

async fn current(portal: &TestPortal, admin: &Session) -> Value {
    expect(
        portal.call(admin, Method::GET, CONFIG, None).await,
        StatusCode::OK,
        "the configuration",
    )
    .body
}

async fn save(
    portal: &TestPortal,
    admin: &Session,
    version: &Value,
    configuration: &Value,
) -> Answer {
    portal
        .call(
            admin,
            Method::PUT,
            CONFIG,
            Some(json!({"version": version, "configuration": configuration})),
        )
        .await
}

async fn certificate_price(portal: &TestPortal, who: &Session) -> i64 {
    let offer = expect(
        portal
            .call(who, Method::GET, "/api/store/products", None)
            .await,
        StatusCode::OK,
        "the store",
    )
    .body;
    offer["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "replacement-certificate")
        .map(|p| p["price"].as_i64().unwrap())
        .expect("the replacement certificate")
}

#[tokio::test]
async fn a_change_is_versioned_in_effect_within_a_minute_and_leaves_placed_orders_alone() {
    let (portal, ada, references) = ada_with_documents().await;
    let admin = portal.admin().await;
    let first = current(&portal, &admin).await;
    assert_eq!(first["version"], 0, "the environment's defaults");
    assert_eq!(
        first["configuration"]["organisation_name"],
        "Digital Achievement Portal"
    );

    // An order placed at today's price.
    let home = address(&portal, &ada, "GB").await;
    add(
        &portal,
        &ada,
        json!({"product_id": "replacement-certificate", "reference": references[0]}),
    )
    .await;
    let body = json!({"billing_address_id": home, "delivery_address_id": home, "delivery_option": "uk-first-class", "payment_method": "card"});
    let placed = expect(
        checkout(&portal, &ada, body, "before").await,
        StatusCode::CREATED,
        "an order",
    )
    .body;
    assert_eq!(placed["total"], 3350);

    let mut next = first["configuration"].clone();
    next["organisation_name"] = json!("Northern Awards");
    next["duplicate_reasons"] = json!(["Lost", "Damaged", "Stolen"]);
    for product in next["products"].as_array_mut().unwrap() {
        if product["id"] == "replacement-certificate" {
            product["price"] = json!(3500);
        }
    }
    let saved = expect(
        save(&portal, &admin, &json!(0), &next).await,
        StatusCode::OK,
        "saved",
    )
    .body;
    assert_eq!(saved["version"], 1);
    assert_eq!(saved["changed_by"], "Portal Administrator");
    let mut changed: Vec<&str> = saved["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    changed.sort_unstable();
    assert_eq!(
        changed,
        ["duplicate_reasons", "organisation_name", "products"]
    );

    // Within the minute, functions may still run with what they read; after it, all run with
    // the new version.
    portal.advance(time::Duration::seconds(61));
    let site = expect(portal.get("/api/site").await, StatusCode::OK, "the site").body;
    assert_eq!(site["organisation_name"], "Northern Awards", "{site}");
    assert_eq!(certificate_price(&portal, &ada).await, 3500);
    let order = expect(
        portal
            .call(
                &ada,
                Method::GET,
                &format!("/api/orders/{}", placed["id"].as_str().unwrap()),
                None,
            )
            .await,
        StatusCode::OK,
        "the order placed before",
    )
    .body;
    assert_eq!(
        order["totals"]["total"], 3350,
        "a price change never changes a placed order"
    );

    // A change from a stale version is refused; two at once, one wins.
    let stale = save(&portal, &admin, &json!(0), &next).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let mut a = next.clone();
    a["connection_max_days"] = json!(90);
    let mut b = next.clone();
    b["connection_max_days"] = json!(180);
    let seen = json!(1);
    let (one, two) = tokio::join!(
        save(&portal, &admin, &seen, &a),
        save(&portal, &admin, &seen, &b)
    );
    let mut statuses = [one.status, two.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);

    // Every version is kept, newest first; the change is audited.
    let versions = expect(
        portal
            .call(&admin, Method::GET, "/api/admin/config/versions", None)
            .await,
        StatusCode::OK,
        "the versions",
    )
    .body;
    let numbers: Vec<i64> = versions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [2, 1]);
    assert_eq!(
        versions["items"][1]["configuration"]["organisation_name"],
        "Northern Awards"
    );
    let audit = expect(
        portal
            .call(&admin, Method::GET, "/api/admin/audit", None)
            .await,
        StatusCode::OK,
        "the audit log",
    )
    .body;
    let changes = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "config.change")
        .count();
    assert_eq!(changes, 2);
}

#[tokio::test]
async fn bad_configuration_is_refused_naming_each_field_and_nothing_is_saved() {
    let (portal, ada, _references) = ada_with_documents().await;
    let admin = portal.admin().await;
    let first = current(&portal, &admin).await;
    let good = first["configuration"].clone();
    let with = |path: &[&str], value: Value| {
        let mut c = good.clone();
        let mut at = &mut c;
        for (i, key) in path.iter().enumerate() {
            if i + 1 == path.len() {
                at[*key] = value.clone();
            } else {
                at = match key.parse::<usize>() {
                    Ok(n) => &mut at[n],
                    Err(_) => &mut at[*key],
                };
            }
        }
        c
    };
    for (configuration, fields) in [
        (
            with(&["organisation_name"], json!(" ")),
            vec!["organisation_name"],
        ),
        (
            with(&["logo_url"], json!("http://cdn.example.org/logo.png")),
            vec!["logo_url"],
        ),
        (
            with(&["support_email"], json!("help")),
            vec!["support_email"],
        ),
        (
            with(&["products", "0", "price"], json!(-1)),
            vec!["products[0].price"],
        ),
        (
            with(&["products", "0", "vat_rate"], json!("luxury")),
            vec!["products[0].vat_rate"],
        ),
        (with(&["products"], json!([])), vec!["products"]),
        (
            with(&["duplicate_reasons"], json!([])),
            vec!["duplicate_reasons"],
        ),
        (
            with(&["download_limits", "letter"], json!(5000)),
            vec!["download_limits.letter"],
        ),
        (
            with(&["connection_max_days"], json!(0)),
            vec!["connection_max_days"],
        ),
        (
            with(&["unpaid_order_hours"], json!(0)),
            vec!["unpaid_order_hours"],
        ),
    ] {
        let answer = save(&portal, &admin, &json!(0), &configuration).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{fields:?}"
        );
        assert!(answer.is_problem());
        assert_eq!(answer.fields(), fields);
    }
    let no_version = portal
        .call(
            &admin,
            Method::PUT,
            CONFIG,
            Some(json!({"configuration": good})),
        )
        .await;
    assert_eq!(no_version.fields(), ["version"]);
    let not_json = portal
        .call(
            &admin,
            Method::PUT,
            CONFIG,
            Some(json!({"version": 0, "configuration": {"organisation_name": 5}})),
        )
        .await;
    assert_eq!(not_json.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(not_json.is_problem());
    assert_eq!(
        current(&portal, &admin).await["version"],
        0,
        "nothing was saved"
    );

    // Denied: a learner, a centre user, no one.
    let alan = portal_tests::connections::centre_session(&portal).await;
    for (who, expected) in [
        (&ada, StatusCode::FORBIDDEN),
        (&alan, StatusCode::FORBIDDEN),
        (&Session::anonymous(), StatusCode::UNAUTHORIZED),
    ] {
        for (method, path, body) in [
            (Method::GET, CONFIG, None),
            (Method::GET, "/api/admin/config/versions", None),
            (
                Method::PUT,
                CONFIG,
                Some(json!({"version": 0, "configuration": good})),
            ),
        ] {
            let answer = portal.call(who, method.clone(), path, body).await;
            assert_eq!(answer.status, expected, "{method} {path}");
            assert!(answer.is_problem());
        }
    }
}
