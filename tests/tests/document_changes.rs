//! What happens to documents after they are issued, over HTTP: administrators revoke, withdraw
//! and reissue them (DOC-8) and every view changes at once; people report problems and
//! administrators answer and close the reports (DOC-6, ADM-3); learners add them to LinkedIn
//! (DOC-7); the verify page shows the document where the awarding body allows it (VER-1).

use portal_tests::jobs::{CENTRE, achievement, job, portal, portal_with};
use portal_tests::portal::{Answer, Session, TestPortal};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A portal with Ada (ENR-1001) signed in and one certificate issued to her.
async fn ada_with_certificate() -> (TestPortal, Session, String) {
    let portal = portal().await;
    let ada = portal.active_learner("ada@learners.test", "ENR-1001").await;
    let reference = portal
        .issue(job(
            "J-1",
            vec![achievement("ENR-1001", "603/4182/8", &["certificate"])],
        ))
        .await
        .remove(0);
    (portal, ada, reference)
}

async fn verify_json(portal: &TestPortal, reference: &str) -> Value {
    let answer = portal.get(&format!("/api/verify/{reference}")).await;
    assert_eq!(answer.status, StatusCode::OK, "{reference}");
    answer.body
}

async fn verify_page(portal: &TestPortal, reference: &str) -> String {
    portal
        .http
        .get(portal.url(&format!("/verify/{reference}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn change(
    portal: &TestPortal,
    who: &Session,
    reference: &str,
    action: &str,
    reason: Value,
) -> Answer {
    portal
        .call(
            who,
            Method::POST,
            &format!("/api/admin/documents/{reference}/{action}"),
            Some(json!({ "reason": reason })),
        )
        .await
}

#[tokio::test]
async fn a_revoked_document_says_so_everywhere_at_once() {
    let (portal, ada, reference) = ada_with_certificate().await;
    let admin = portal.admin().await;
    assert_eq!(verify_json(&portal, &reference).await["status"], "valid");

    let revoked = change(
        &portal,
        &admin,
        &reference,
        "revoke",
        json!("Issued in error."),
    )
    .await;
    assert_eq!(revoked.status, StatusCode::OK, "{:?}", revoked.body);
    assert_eq!(revoked.body["status"], "revoked");

    // The verify page, its JSON, the learner's document and list: all at once.
    let v = verify_json(&portal, &reference).await;
    assert_eq!(v["status"], "revoked");
    assert!(
        v["document"].is_null(),
        "a revoked document's contents are not shown"
    );
    let html = verify_page(&portal, &reference).await;
    assert!(html.contains("Revoked — not valid"), "{html}");
    assert!(!html.contains("Genuine and current"));
    let own = portal
        .call(
            &ada,
            Method::GET,
            &format!("/api/documents/{reference}"),
            None,
        )
        .await;
    assert_eq!(own.body["status"], "revoked");
    let list = portal.call(&ada, Method::GET, "/api/documents", None).await;
    assert_eq!(list.body["items"][0]["documents"][0]["status"], "revoked");

    // A revocation is final: not revoked again, withdrawn, nor reissued into a valid document.
    for action in ["revoke", "withdraw", "reissue"] {
        let again = change(&portal, &admin, &reference, action, json!("Again.")).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{action}");
        assert!(again.is_problem());
    }
    // A learner cannot add a revoked document to LinkedIn.
    let linkedin = portal
        .call(
            &ada,
            Method::GET,
            &format!("/api/documents/{reference}/linkedin"),
            None,
        )
        .await;
    assert_eq!(linkedin.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_withdrawn_document_is_not_valid_while_withdrawn() {
    let (portal, _ada, reference) = ada_with_certificate().await;
    let admin = portal.admin().await;
    let withdrawn = change(
        &portal,
        &admin,
        &reference,
        "withdraw",
        json!("Under review."),
    )
    .await;
    assert_eq!(withdrawn.status, StatusCode::OK, "{:?}", withdrawn.body);
    assert_eq!(
        verify_json(&portal, &reference).await["status"],
        "withdrawn"
    );
    assert!(verify_page(&portal, &reference).await.contains("Withdrawn"));
}

#[tokio::test]
async fn a_reissue_takes_the_next_issue_number_and_the_old_one_points_to_it() {
    let (portal, ada, reference) = ada_with_certificate().await;
    let admin = portal.admin().await;
    portal.mail_to("ada@learners.test").await; // the job's e-mail, delivered before counting

    let reissued = change(
        &portal,
        &admin,
        &reference,
        "reissue",
        json!("Name corrected."),
    )
    .await;
    assert_eq!(reissued.status, StatusCode::OK, "{:?}", reissued.body);
    assert_eq!(reissued.body["status"], "superseded");
    let current = reissued.body["reissued_as"].as_str().unwrap().to_owned();
    assert_eq!(current[..8], reference[..8], "the same number");
    assert_eq!(&current[9..11], "02", "the next issue");
    assert_ne!(current[12..], reference[12..], "a new suffix");

    let old = verify_json(&portal, &reference).await;
    assert_eq!(old["status"], "superseded");
    assert_eq!(old["superseded_by"], current.as_str());
    let html = verify_page(&portal, &reference).await;
    assert!(
        html.contains(&format!("href=\"/verify/{current}\"")),
        "{html}"
    );
    assert_eq!(verify_json(&portal, &current).await["status"], "valid");

    // The learner's list shows the current document; the old one still opens, superseded.
    let list = portal.call(&ada, Method::GET, "/api/documents", None).await;
    let documents = list.body["items"][0]["documents"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(documents.len(), 1);
    assert_eq!(documents[0]["reference"], current.as_str());
    assert_eq!(documents[0]["status"], "valid");
    let old_view = portal
        .call(
            &ada,
            Method::GET,
            &format!("/api/documents/{reference}"),
            None,
        )
        .await;
    assert_eq!(old_view.body["superseded_by"], current.as_str());
    // The learner hears of the new document.
    let mails = portal.mail_to("ada@learners.test").await;
    let last = mails.last().unwrap();
    assert!(last["text"].as_str().unwrap().contains(&current), "{last}");

    // The superseded one is not changed again; the current one can be.
    let again = change(&portal, &admin, &reference, "reissue", json!("Again.")).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body["detail"].as_str().unwrap().contains(&current));
    let next = change(&portal, &admin, &current, "reissue", json!("Again.")).await;
    assert_eq!(next.status, StatusCode::OK);
    assert_eq!(&next.body["reissued_as"].as_str().unwrap()[9..11], "03");
}

#[tokio::test]
async fn two_administrators_changing_one_document_at_once_cannot_both_win() {
    let (portal, _ada, reference) = ada_with_certificate().await;
    let admin = portal.admin().await;
    let (a, b, c) = tokio::join!(
        change(&portal, &admin, &reference, "reissue", json!("One.")),
        change(&portal, &admin, &reference, "reissue", json!("Two.")),
        change(&portal, &admin, &reference, "revoke", json!("Three.")),
    );
    let all = [a, b, c];
    let won = all.iter().filter(|x| x.status == StatusCode::OK).count();
    assert_eq!(
        won,
        1,
        "{:?}",
        all.iter().map(|x| &x.body).collect::<Vec<_>>()
    );
    for lost in all.iter().filter(|x| x.status != StatusCode::OK) {
        assert_eq!(lost.status, StatusCode::CONFLICT, "{:?}", lost.body);
    }
}

#[tokio::test]
async fn only_administrators_change_documents_and_a_reason_is_required() {
    let (portal, ada, reference) = ada_with_certificate().await;
    let admin = portal.admin().await;
    for action in ["revoke", "withdraw", "reissue"] {
        let learner = change(&portal, &ada, &reference, action, json!("Mine.")).await;
        assert_eq!(learner.status, StatusCode::FORBIDDEN, "{action}");
        let anonymous = portal
            .post(
                &format!("/api/admin/documents/{reference}/{action}"),
                json!({ "reason": "x" }),
            )
            .await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{action}");
        for reason in [
            json!(null),
            json!("  "),
            json!("x".repeat(501)),
            json!("a\u{0}b"),
        ] {
            let bad = change(&portal, &admin, &reference, action, reason.clone()).await;
            assert_eq!(
                bad.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{action} {reason}"
            );
            assert_eq!(bad.fields(), ["reason"]);
        }
        for missing in ["12345678-01-ABCD", "nonsense"] {
            let unknown = change(&portal, &admin, missing, action, json!("x")).await;
            assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{action} {missing}");
        }
    }
    // Nothing changed.
    assert_eq!(verify_json(&portal, &reference).await["status"], "valid");
}

async fn close_report(portal: &TestPortal, id: &str, who: &Session, answer: &str) -> Answer {
    let path = format!("/api/admin/reports/{id}/close");
    portal
        .call(who, Method::POST, &path, Some(json!({ "answer": answer })))
        .await
}

#[tokio::test]
async fn a_report_reaches_the_team_and_its_answer_reaches_the_reporter() {
    let (portal, ada, reference) = ada_with_certificate().await;
    let admin = portal.admin().await;
    let reasons = portal.get("/api/site").await.body["report_reasons"].clone();
    let reason = reasons[0].as_str().unwrap().to_owned();

    let path = format!("/api/documents/{reference}/reports");
    let filed = portal
        .call(
            &ada,
            Method::POST,
            &path,
            Some(json!({ "reason": reason, "description": "My name is spelt Lovelace,\nnot Lovelance." })),
        )
        .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{:?}", filed.body);
    assert_eq!(filed.body["state"], "open");
    let id = filed.body["id"].as_str().unwrap().to_owned();

    // The team's e-mail names the reporter, the enrolment number and the qualification.
    let team = portal.mail_to("support@example.org").await;
    let text = team.last().expect("the team is e-mailed")["text"]
        .as_str()
        .unwrap()
        .to_owned();
    for needle in [
        "ada@learners.test",
        "Ada Lovelace",
        "ENR-1001",
        "Level 3 Award in Electric Vehicle Repair",
        reference.as_str(),
        reason.as_str(),
        "not Lovelance.",
    ] {
        assert!(text.contains(needle), "{needle} not in {text}");
    }

    // Admins list open reports, answer and close them; the reporter gets the answer.
    let open = portal
        .call(&admin, Method::GET, "/api/admin/reports", None)
        .await;
    assert_eq!(open.body["items"][0]["id"], id.as_str());
    let no_answer = close_report(&portal, &id, &admin, " ").await;
    assert_eq!(no_answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_answer.fields(), ["answer"]);
    let by_learner = close_report(&portal, &id, &ada, "Done.").await;
    assert_eq!(by_learner.status, StatusCode::FORBIDDEN);
    let closed = close_report(
        &portal,
        &id,
        &admin,
        "We have corrected your name and reissued the certificate.",
    )
    .await;
    assert_eq!(closed.status, StatusCode::OK, "{:?}", closed.body);
    assert_eq!(closed.body["state"], "closed");
    let again = close_report(&portal, &id, &admin, "Again.").await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let mails = portal.mail_to("ada@learners.test").await;
    let answer = mails.last().unwrap()["text"].as_str().unwrap().to_owned();
    assert!(answer.contains("corrected your name"), "{answer}");

    let still_open = portal
        .call(&admin, Method::GET, "/api/admin/reports?state=open", None)
        .await;
    assert_eq!(still_open.body["items"].as_array().unwrap().len(), 0);
    let done = portal
        .call(&admin, Method::GET, "/api/admin/reports?state=closed", None)
        .await;
    assert_eq!(done.body["items"][0]["answer"], closed.body["answer"]);
    let bad_state = portal
        .call(&admin, Method::GET, "/api/admin/reports?state=all", None)
        .await;
    assert_eq!(bad_state.fields(), ["state"]);
    let bad_cursor = portal
        .call(
            &admin,
            Method::GET,
            "/api/admin/reports?cursor=not-ours",
            None,
        )
        .await;
    assert_eq!(bad_cursor.fields(), ["cursor"]);
    assert_eq!(
        portal
            .call(&ada, Method::GET, "/api/admin/reports", None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn reports_need_a_listed_reason_and_a_description_and_only_on_ones_own_documents() {
    let (portal, ada, reference) = ada_with_certificate().await;
    let other = portal
        .active_learner("other@learners.test", "ENR-1002")
        .await;
    let path = format!("/api/documents/{reference}/reports");
    let bad = portal
        .call(
            &ada,
            Method::POST,
            &path,
            Some(json!({ "reason": "Because", "description": "" })),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.fields(), ["reason", "description"]);
    let good = json!({ "reason": "A date is wrong", "description": "The date." });
    let theirs = portal
        .call(&other, Method::POST, &path, Some(good.clone()))
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    let anonymous = portal.post(&path, good.clone()).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let unknown = portal
        .call(
            &ada,
            Method::POST,
            "/api/documents/12345678-01-ABCD/reports",
            Some(good),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    // Nothing was filed.
    let admin = portal.admin().await;
    let open = portal
        .call(&admin, Method::GET, "/api/admin/reports", None)
        .await;
    assert_eq!(open.body["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn linkedin_gets_the_certification_with_its_reference_and_verify_page() {
    let portal = portal().await;
    let ada = portal.active_learner("ada@learners.test", "ENR-1001").await;
    let mut with_expiry = achievement("ENR-1001", "603/4182/8", &["badge"]);
    with_expiry["expires_on"] = json!("2029-10-31");
    let badge = portal.issue(job("J-B", vec![with_expiry])).await.remove(0);

    let answer = portal
        .call(
            &ada,
            Method::GET,
            &format!("/api/documents/{badge}/linkedin"),
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    let url = reqwest::Url::parse(answer.body["url"].as_str().unwrap()).unwrap();
    assert_eq!(url.host_str(), Some("www.linkedin.com"));
    assert_eq!(url.path(), "/profile/add");
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["startTask"], "CERTIFICATION_NAME");
    assert_eq!(q["name"], "Level 3 Award in Electric Vehicle Repair");
    assert_eq!(q["organizationName"], "Digital Achievement Portal");
    assert_eq!(
        (q["issueYear"].as_str(), q["issueMonth"].as_str()),
        ("2026", "11")
    );
    assert_eq!(
        (q["expirationYear"].as_str(), q["expirationMonth"].as_str()),
        ("2029", "10")
    );
    assert_eq!(q["certId"], badge);
    assert_eq!(q["certUrl"], portal.url(&format!("/verify/{badge}")));

    // Only the learner's own: another learner and an administrator get nothing.
    let other = portal
        .active_learner("other@learners.test", "ENR-1002")
        .await;
    let admin = portal.admin().await;
    for who in [&other, &admin] {
        let answer = portal
            .call(
                who,
                Method::GET,
                &format!("/api/documents/{badge}/linkedin"),
                None,
            )
            .await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND);
    }
    let anonymous = portal
        .get(&format!("/api/documents/{badge}/linkedin"))
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let bad_expiry = portal
        .records(
            "/api/records/jobs",
            json!({ "job_id": "J-X", "centre_number": CENTRE, "achievements": [{
                "enrolment_number": "ENR-1001", "qualification_title": "T", "qualification_code": "Q-9",
                "award_date": "2026-11-01", "expires_on": "2026-10-01", "documents": [{ "type": "badge" }] }] }),
        )
        .await;
    assert_eq!(bad_expiry.fields(), ["achievements[0].expires_on"]);
}

async fn unit_certificate(portal: &TestPortal) -> String {
    let mut a = achievement("ENR-1001", "603/4182/8", &["unit_certificate"]);
    a["units"] =
        json!([{ "code": "EV-301", "title": "High-voltage <isolation>", "grade": "Merit" }]);
    portal.issue(job("J-U", vec![a])).await.remove(0)
}

#[tokio::test]
async fn the_verify_page_shows_the_document_only_where_the_awarding_body_allows() {
    let shown = portal().await;
    let reference = unit_certificate(&shown).await;
    let html = verify_page(&shown, &reference).await;
    for needle in [
        "This is to certify that",
        "EV-301",
        "High-voltage &lt;isolation&gt;",
        "Merit",
    ] {
        assert!(html.contains(needle), "{needle} not in {html}");
    }
    assert!(html.len() < 20_000);
    assert_eq!(
        verify_json(&shown, &reference).await["document"]["units"][0]["code"],
        "EV-301"
    );

    // However many units, the page stays small: the first thirty, and how many more.
    let mut many = achievement("ENR-1001", "603/9999/9", &["unit_certificate"]);
    many["units"] = json!((1..=200)
        .map(|i| json!({ "code": format!("K{i:03}-LONG-CODE"), "title": format!("{i} & {}", "<long> title ".repeat(14)), "grade": "Distinction" }))
        .collect::<Vec<_>>());
    let long = shown.issue(job("J-L", vec![many])).await.remove(0);
    let html = verify_page(&shown, &long).await;
    assert!(html.len() < 20_000, "{} bytes", html.len());
    assert!(html.contains("K030-LONG-CODE") && !html.contains("K031-LONG-CODE"));
    assert!(html.contains("and 170 more units"));

    let hidden = portal_with(|o| o.settings.documents.verify_shows_document = false).await;
    let reference = unit_certificate(&hidden).await;
    let html = verify_page(&hidden, &reference).await;
    assert!(html.contains("Genuine and current"));
    assert!(!html.contains("EV-301"));
    assert!(verify_json(&hidden, &reference).await["document"].is_null());
}

#[tokio::test]
async fn every_change_is_in_the_audit_log_with_who_why_and_when() {
    let (portal, ada, reference) = ada_with_certificate().await;
    let admin = portal.admin().await;
    let reissued = change(
        &portal,
        &admin,
        &reference,
        "reissue",
        json!("Name corrected."),
    )
    .await;
    let current = reissued.body["reissued_as"].as_str().unwrap().to_owned();
    portal.advance(time::Duration::seconds(1));
    change(
        &portal,
        &admin,
        &current,
        "revoke",
        json!("Issued in error."),
    )
    .await;

    // Sign-ins are audited too; the document changes are those whose action starts `document.`.
    let log = portal
        .call(
            &admin,
            Method::GET,
            "/api/admin/audit?action=document.",
            None,
        )
        .await;
    assert_eq!(log.status, StatusCode::OK, "{:?}", log.body);
    let entries = log.body["items"].as_array().unwrap();
    let seen: Vec<_> = entries
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["target"].as_str().unwrap(),
                e["detail"].as_str().unwrap(),
            )
        })
        .collect();
    // Newest first.
    assert_eq!(
        seen,
        [
            ("document.revoke", current.as_str(), "Issued in error."),
            (
                "document.reissue",
                reference.as_str(),
                &*format!("Name corrected. (reissued as {current})")
            ),
        ]
    );
    assert_eq!(entries[0]["actor_email"], portal_tests::portal::ADMIN_EMAIL);

    let month = &entries[0]["at"].as_str().unwrap()[..7];
    let same = portal
        .call(
            &admin,
            Method::GET,
            &format!("/api/admin/audit?month={month}&action=document."),
            None,
        )
        .await;
    assert_eq!(same.body["items"], log.body["items"]);
    let empty = portal
        .call(&admin, Method::GET, "/api/admin/audit?month=2001-01", None)
        .await;
    assert_eq!(empty.body["items"].as_array().unwrap().len(), 0);
    let bad_cursor = portal
        .call(
            &admin,
            Method::GET,
            "/api/admin/audit?cursor=not-ours",
            None,
        )
        .await;
    assert_eq!(bad_cursor.fields(), ["cursor"]);
    for bad in ["2026-13", "26-11", "soon"] {
        let answer = portal
            .call(
                &admin,
                Method::GET,
                &format!("/api/admin/audit?month={bad}"),
                None,
            )
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(answer.fields(), ["month"]);
    }
    let learner = portal
        .call(&ada, Method::GET, "/api/admin/audit", None)
        .await;
    assert_eq!(learner.status, StatusCode::FORBIDDEN);
    assert_eq!(
        portal.get("/api/admin/audit").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_expired_certification_is_genuine_but_says_it_has_expired() {
    let portal = portal().await;
    let mut old = achievement("ENR-1001", "603/0001/1", &["certificate"]);
    old["award_date"] = json!("2020-03-01");
    old["expires_on"] = json!("2023-02-28");
    let mut current = achievement("ENR-1001", "603/0002/2", &["certificate"]);
    current["expires_on"] = json!("2099-10-31");
    let refs = portal.issue(job("J-E", vec![old, current])).await;

    let expired = verify_json(&portal, &refs[0]).await;
    assert_eq!(
        (expired["status"].as_str(), expired["expired"].as_bool()),
        (Some("valid"), Some(true))
    );
    assert_eq!(expired["expires_on"], "2023-02-28");
    let html = verify_page(&portal, &refs[0]).await;
    assert!(
        html.contains("Genuine, but expired") && html.contains("expired on 28 February 2023"),
        "{html}"
    );
    let live = verify_json(&portal, &refs[1]).await;
    assert_eq!(live["expired"], false);
    let html = verify_page(&portal, &refs[1]).await;
    assert!(
        html.contains("Genuine and current") && html.contains("31 October 2099"),
        "{html}"
    );
}
