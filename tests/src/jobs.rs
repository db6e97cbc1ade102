//! Jobs of documents for journeys: one centre, two learners named Ada Lovelace, achievements
//! built from a qualification code and document types.

use serde_json::{Value, json};

use crate::portal::TestPortal;

pub const CENTRE: &str = "C-7001";
pub const CENTRE_EMAIL: &str = "exams@northgate.test";

pub fn achievement(enrolment: &str, code: &str, documents: &[&str]) -> Value {
    json!({
        "enrolment_number": enrolment,
        "qualification_title": "Level 3 Award in Electric Vehicle Repair",
        "qualification_code": code,
        "course": "EV Repair",
        "award_date": "2026-11-01",
        "units": [{ "code": "U1", "title": "Working safely", "grade": "Pass" }],
        "documents": documents.iter().map(|d| json!({ "type": d })).collect::<Vec<_>>(),
    })
}

pub fn job(id: &str, achievements: Vec<Value>) -> Value {
    json!({
        "job_id": id,
        "centre_number": CENTRE,
        "learners": [
            { "enrolment_number": "ENR-1001", "first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1990-12-10" },
            { "enrolment_number": "ENR-1002", "first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1990-12-10" }
        ],
        "achievements": achievements,
    })
}

/// A portal whose records hold the centre.
pub async fn portal() -> TestPortal {
    portal_with(|_| {}).await
}

pub async fn portal_with(adjust: impl FnOnce(&mut portal_local::Options)) -> TestPortal {
    let portal = TestPortal::start_with(adjust).await;
    portal
        .import_centre(CENTRE, "Northgate College", CENTRE_EMAIL)
        .await;
    portal
}

/// The references a job's answer lists, in order.
pub fn references(answer: &Value) -> Vec<String> {
    answer["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .map(|d| d["reference"].as_str().expect("a reference").to_owned())
        .collect()
}

impl TestPortal {
    /// Issues a job and answers its references; panics unless it was created.
    pub async fn issue(&self, body: Value) -> Vec<String> {
        let issued = self.records("/api/records/jobs", body).await;
        assert_eq!(
            issued.status,
            reqwest::StatusCode::CREATED,
            "{:?}",
            issued.body
        );
        references(&issued.body)
    }
}
