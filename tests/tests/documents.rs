//! Issuing jobs and learners' documents over HTTP (DOC-1, DOC-2, DOC-3): the records system
//! issues, learners see their own documents at once, e-mails go out once, and a job is never
//! issued twice.

use portal_tests::jobs::{CENTRE, CENTRE_EMAIL, achievement, job, portal, references};
use portal_tests::portal::learner;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn a_job_issues_references_the_learner_sees_at_once_and_both_are_emailed_once() {
    let portal = portal().await;
    let ada = portal.active_learner("ada@learners.test", "ENR-1001").await;

    let body = job(
        "J-2026-001",
        vec![
            achievement(
                "ENR-1001",
                "603/4182/8",
                &["certificate", "unit_certificate", "badge"],
            ),
            achievement("ENR-1002", "603/4182/8", &["certificate"]),
        ],
    );
    let issued = portal.records("/api/records/jobs", body.clone()).await;
    assert_eq!(issued.status, StatusCode::CREATED, "{:?}", issued.body);
    assert_eq!(issued.body["created"], true);
    let refs = references(&issued.body);
    assert_eq!(refs.len(), 4);
    for r in &refs {
        assert_eq!(r.len(), 16, "{r}");
        assert!(portal_domain::documents::Reference::parse(r).is_ok(), "{r}");
    }
    let unique: std::collections::HashSet<_> = refs.iter().collect();
    assert_eq!(unique.len(), 4);

    // The learner with an account sees the achievement at once, with its three documents.
    let list = portal.call(&ada, Method::GET, "/api/documents", None).await;
    assert_eq!(list.status, StatusCode::OK, "{:?}", list.body);
    let items = list.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    let a = &items[0];
    assert_eq!(a["enrolment_number"], "ENR-1001");
    assert_eq!(a["first_name"], "Ada");
    assert_eq!(a["qualification_code"], "603/4182/8");
    assert_eq!(a["course"], "EV Repair");
    assert_eq!(a["award_date"], "2026-11-01");
    assert_eq!(a["units"][0]["grade"], "Pass");
    let kinds: Vec<_> = a["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["certificate", "unit_certificate", "badge"]);
    assert!(
        a["documents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"] == "valid")
    );

    // One document by its reference: its owner sees it; it is typed loosely too.
    let own = &refs[0];
    let one = portal
        .call(&ada, Method::GET, &format!("/api/documents/{own}"), None)
        .await;
    assert_eq!(one.status, StatusCode::OK, "{:?}", one.body);
    assert_eq!(one.body["type"], "certificate");
    assert_eq!(
        one.body["achievement"]["qualification_title"],
        "Level 3 Award in Electric Vehicle Repair"
    );
    let loose = own.to_lowercase().replace('-', " ");
    let again = portal
        .call(
            &ada,
            Method::GET,
            &format!("/api/documents/{}", loose.replace(' ', "%20")),
            None,
        )
        .await;
    assert_eq!(again.body["reference"], own.as_str());

    // E-mails: the learner with an account, listing their three documents; the centre, all four.
    let to_ada = portal.mail_to("ada@learners.test").await;
    let news: Vec<_> = to_ada
        .iter()
        .filter(|m| m["subject"].as_str().unwrap().starts_with("New documents"))
        .collect();
    assert_eq!(news.len(), 1);
    let text = news[0]["text"].as_str().unwrap();
    for r in &refs[..3] {
        assert!(text.contains(r.as_str()), "{r} not in {text}");
    }
    assert!(
        !text.contains(refs[3].as_str()),
        "another learner's document in Ada's e-mail"
    );
    let to_centre = portal.mail_to(CENTRE_EMAIL).await;
    assert_eq!(to_centre.len(), 1);
    assert!(
        to_centre[0]["subject"]
            .as_str()
            .unwrap()
            .contains("4 documents issued")
    );
    for r in &refs {
        assert!(to_centre[0]["text"].as_str().unwrap().contains(r.as_str()));
    }

    // The same job again: nothing new — the same references, no second e-mail.
    let mails = portal.mail_count().await;
    let replay = portal.records("/api/records/jobs", body.clone()).await;
    assert_eq!(replay.status, StatusCode::OK, "{:?}", replay.body);
    assert_eq!(replay.body["created"], false);
    assert_eq!(references(&replay.body), refs);
    assert_eq!(portal.mail_count().await, mails);
    let list = portal.call(&ada, Method::GET, "/api/documents", None).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);

    // The same job id with other contents is refused, and changes nothing.
    let mut changed = body.clone();
    changed["achievements"][0]["award_date"] = json!("2026-10-01");
    let refused = portal.records("/api/records/jobs", changed).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{:?}", refused.body);
    assert!(refused.is_problem());
    let list = portal.call(&ada, Method::GET, "/api/documents", None).await;
    assert_eq!(list.body["items"][0]["award_date"], "2026-11-01");
}

#[tokio::test]
async fn a_learner_who_registers_after_the_job_sees_its_documents() {
    let portal = portal().await;
    let issued = portal
        .records(
            "/api/records/jobs",
            job(
                "J-LATE",
                vec![achievement("ENR-1002", "Q-1", &["certificate", "letter"])],
            ),
        )
        .await;
    assert_eq!(issued.status, StatusCode::CREATED, "{:?}", issued.body);
    // No account yet: only the centre is e-mailed.
    assert_eq!(portal.mail_to(CENTRE_EMAIL).await.len(), 1);

    // The records system gives the learner's address, which the registration claims with.
    portal
        .import_learner_with_email(
            "ENR-1002",
            ("Ada", "Lovelace"),
            "1990-12-10",
            "late@learners.test",
        )
        .await;
    let verified = portal
        .register_and_verify(learner("late@learners.test", "ENR-1002"))
        .await;
    assert_eq!(verified.body["status"], "active");
    let late = portal
        .sign_in("late@learners.test", portal_tests::portal::PASSWORD)
        .await;
    let list = portal
        .call(&late, Method::GET, "/api/documents", None)
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let docs = list.body["items"][0]["documents"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(docs.len(), 2);
    assert_eq!(
        docs.iter()
            .map(|d| d["reference"].clone())
            .collect::<Vec<_>>(),
        references(&issued.body)
            .into_iter()
            .map(Value::from)
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn nobody_else_sees_a_learners_documents() {
    let portal = portal().await;
    let ada = portal.active_learner("ada@learners.test", "ENR-1001").await;
    let other = portal
        .active_learner("other@learners.test", "ENR-1002")
        .await;
    let employer = portal.active_third_party("hr@employer.test").await;
    let admin = portal.admin().await;
    let issued = portal
        .records(
            "/api/records/jobs",
            job(
                "J-1",
                vec![achievement("ENR-1001", "Q-1", &["certificate"])],
            ),
        )
        .await;
    let reference = references(&issued.body).remove(0);
    let path = format!("/api/documents/{reference}");

    // Another learner: not found (not told apart from an unknown reference); an empty list.
    let theirs = portal.call(&other, Method::GET, &path, None).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert!(theirs.is_problem());
    let list = portal
        .call(&other, Method::GET, "/api/documents", None)
        .await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 0);
    // Unknown and malformed references answer the same.
    for missing in [
        "/api/documents/12345678-01-ABCD",
        "/api/documents/not-a-reference",
    ] {
        let answer = portal.call(&ada, Method::GET, missing, None).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{missing}");
        assert_eq!(answer.body, theirs.body, "{missing}");
    }
    // A third party has no list of documents of its own, and sees a document only once it is
    // shared with them (CON-8): until then it is not found, as for anyone else.
    let list = portal
        .call(&employer, Method::GET, "/api/documents", None)
        .await;
    assert_eq!(list.status, StatusCode::FORBIDDEN);
    let not_shared = portal.call(&employer, Method::GET, &path, None).await;
    assert_eq!(not_shared.status, StatusCode::NOT_FOUND);
    assert_eq!(not_shared.body, theirs.body);
    // Anonymous: not signed in.
    for route in ["/api/documents", path.as_str()] {
        let answer = portal.get(route).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{route}");
        assert!(answer.is_problem());
    }
    // An administrator looks a document up by reference, but has no list of their own.
    assert_eq!(
        portal.call(&admin, Method::GET, &path, None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        portal
            .call(&admin, Method::GET, "/api/documents", None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Only the records system (or an administrator) issues jobs.
    let as_learner = portal
        .call(
            &ada,
            Method::POST,
            "/api/records/jobs",
            Some(job(
                "J-2",
                vec![achievement("ENR-1001", "Q-2", &["letter"])],
            )),
        )
        .await;
    assert_eq!(as_learner.status, StatusCode::FORBIDDEN);
    let wrong_key = portal
        .send(
            Method::POST,
            "/api/records/jobs",
            Some(job(
                "J-3",
                vec![achievement("ENR-1001", "Q-3", &["letter"])],
            )),
            &[(
                "authorization",
                "Bearer not-the-records-key-0000000000000000000",
            )],
        )
        .await;
    assert_eq!(wrong_key.status, StatusCode::UNAUTHORIZED);
    let by_admin = portal
        .call(
            &admin,
            Method::POST,
            "/api/records/jobs",
            Some(job(
                "J-4",
                vec![achievement("ENR-1001", "Q-4", &["letter"])],
            )),
        )
        .await;
    assert_eq!(by_admin.status, StatusCode::CREATED, "{:?}", by_admin.body);
    let list = portal.call(&ada, Method::GET, "/api/documents", None).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn bad_jobs_are_refused_whole_and_write_nothing() {
    let portal = portal().await;
    let ada = portal.active_learner("ada@learners.test", "ENR-1001").await;
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({}), vec!["job_id", "centre_number", "achievements"]),
        (
            json!({ "job_id": "J-BAD", "centre_number": CENTRE, "achievements": [{
                "enrolment_number": "ENR-1001", "qualification_title": "T", "qualification_code": "Q-1",
                "award_date": "2026-02-30", "documents": [{ "type": "certificate" }] }] }),
            vec!["achievements[0].award_date"],
        ),
        (
            json!({ "job_id": "J-BAD", "centre_number": CENTRE, "achievements": [
                achievement("ENR-1001", "Q-1", &["certificate"]),
                { "enrolment_number": "ENR-1001", "qualification_title": "T", "qualification_code": "Q-2",
                  "award_date": "2999-01-01", "documents": [{ "type": "certificate" }, { "type": "certificate" }] }] }),
            vec![
                "achievements[1].award_date",
                "achievements[1].documents[1].type",
            ],
        ),
        (
            json!({ "job_id": "J-BAD", "centre_number": "C-9999", "achievements": [achievement("ENR-1001", "Q-1", &["certificate"])] }),
            vec!["centre_number"],
        ),
        (
            json!({ "job_id": "J-BAD", "centre_number": CENTRE, "achievements": [achievement("ENR-0404", "Q-1", &["certificate"])] }),
            vec!["achievements[0].enrolment_number"],
        ),
        (
            json!({ "job_id": "J-BAD", "centre_number": CENTRE, "learners": [{ "enrolment_number": "ENR-1001" }],
                    "achievements": [achievement("ENR-1001", "Q-1", &["certificate"])] }),
            vec![
                "learners[0].first_name",
                "learners[0].last_name",
                "learners[0].date_of_birth",
            ],
        ),
    ];
    for (body, fields) in cases {
        let answer = portal.records("/api/records/jobs", body.clone()).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {:?}",
            answer.body
        );
        assert!(answer.is_problem());
        let named = answer.fields();
        for field in fields {
            assert!(
                named.contains(&field.to_owned()),
                "{field} not in {named:?} for {body}"
            );
        }
    }
    // 5,001 documents: refused before anything is written.
    let too_many: Vec<Value> = (0..1667)
        .map(|i| {
            achievement(
                "ENR-1001",
                &format!("Q-{i}"),
                &["certificate", "letter", "badge"],
            )
        })
        .collect();
    let answer = portal
        .records("/api/records/jobs", job("J-BIG", too_many))
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.fields(), ["achievements"]);
    // Nothing was written: no documents, and the refused job ids are free for a good job.
    let list = portal.call(&ada, Method::GET, "/api/documents", None).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 0);
    assert_eq!(portal.mail_to(CENTRE_EMAIL).await.len(), 0);
    let good = portal
        .records(
            "/api/records/jobs",
            job(
                "J-BAD",
                vec![achievement("ENR-1001", "Q-1", &["certificate"])],
            ),
        )
        .await;
    assert_eq!(good.status, StatusCode::CREATED, "{:?}", good.body);
}

#[tokio::test]
async fn a_job_of_five_thousand_documents_is_issued_and_two_racing_requests_issue_it_once() {
    let portal = portal().await;
    let learners: Vec<Value> = (0..1250)
        .map(|i| json!({ "enrolment_number": format!("ENR-{i:05}"), "first_name": "Learner", "last_name": format!("Number{i}"), "date_of_birth": "2000-01-01" }))
        .collect();
    let achievements: Vec<Value> = (0..1250)
        .map(|i| {
            achievement(
                &format!("ENR-{i:05}"),
                "603/4182/8",
                &["certificate", "unit_certificate", "letter", "badge"],
            )
        })
        .collect();
    let body = json!({ "job_id": "J-5000", "centre_number": CENTRE, "learners": learners, "achievements": achievements });
    let (a, b) = tokio::join!(
        portal.records("/api/records/jobs", body.clone()),
        portal.records("/api/records/jobs", body.clone())
    );
    assert!(a.status.is_success(), "{:?}", a.body);
    assert!(b.status.is_success(), "{:?}", b.body);
    let (ra, rb) = (references(&a.body), references(&b.body));
    assert_eq!(ra.len(), 5000);
    // Both answers name the same 5,000 references: the job was issued once.
    let differing: Vec<usize> = (0..ra.len()).filter(|i| ra[*i] != rb[*i]).collect();
    assert!(
        differing.is_empty(),
        "{} of 5,000 references differ, first at {:?}",
        differing.len(),
        differing.iter().take(10).collect::<Vec<_>>()
    );
    let unique: std::collections::HashSet<_> = ra.iter().collect();
    assert_eq!(unique.len(), 5000);
    // One centre e-mail, whichever request finished first.
    assert_eq!(portal.mail_to(CENTRE_EMAIL).await.len(), 1);
}

#[tokio::test]
async fn third_party_accounts_do_not_receive_learner_documents() {
    // A third party registered with a learner record's e-mail is not that learner.
    let portal = portal().await;
    let _employer = portal.active_third_party("ada@learners.test").await;
    let issued = portal
        .records(
            "/api/records/jobs",
            json!({ "job_id": "J-TP", "centre_number": CENTRE,
                    "learners": [{ "enrolment_number": "ENR-1001", "first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1990-12-10", "email": "ada@learners.test" }],
                    "achievements": [achievement("ENR-1001", "Q-1", &["certificate"])] }),
        )
        .await;
    assert_eq!(issued.status, StatusCode::CREATED);
    let mails = portal.mail_to("ada@learners.test").await;
    assert!(
        mails
            .iter()
            .all(|m| !m["subject"].as_str().unwrap().starts_with("New documents")),
        "{mails:#?}"
    );
}
