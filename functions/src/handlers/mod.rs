//! One module per function: parse the request, call one domain service, shape the answer.

pub mod addresses;
pub mod admin_orders;
pub mod audit_log;
pub mod basket;
pub mod centre_account;
pub mod centre_downloads;
pub mod centre_records;
pub mod change_password;
pub mod checkout;
pub mod configure;
pub mod connections;
pub mod document_files;
pub mod documents;
pub mod forgot_password;
pub mod health;
pub mod import_centres;
pub mod import_learners;
pub mod issue_job;
pub mod login;
pub mod logout;
pub mod manage_accounts;
pub mod manage_credit;
pub mod manage_documents;
pub mod mfa;
pub mod notify_learners;
pub mod openapi;
pub mod orders;
pub mod payments_webhook;
pub mod print_packs;
pub mod profile;
pub mod register;
pub mod reports;
pub mod reset_password;
pub mod review_registrations;
pub mod search_learners;
pub mod sessions;
pub mod shared_documents;
pub mod site;
pub mod store;
pub mod verify;
pub mod verify_email;

use http::StatusCode;
use portal_http::ApiResponse;
use serde::Serialize;

/// A short confirmation for actions that return nothing else.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Message {
    pub message: &'static str,
}

pub fn message(status: StatusCode, message: &'static str) -> ApiResponse {
    ApiResponse::json(status, &Message { message })
}

/// 200 with a PDF made for this person: shown in the browser, saved as `file_name`, never
/// cached by anyone else.
pub fn private_pdf(bytes: Vec<u8>, file_name: &str) -> Result<ApiResponse, portal_http::Problem> {
    Ok(ApiResponse::new(StatusCode::OK, "application/pdf", bytes)
        .header(
            "content-disposition",
            &format!("inline; filename=\"{file_name}\""),
        )
        .header("cache-control", "private, no-store"))
}

/// 200 with the body as JSON.
pub fn ok(body: impl Serialize) -> Result<ApiResponse, portal_http::Problem> {
    Ok(ApiResponse::json(StatusCode::OK, &body))
}
