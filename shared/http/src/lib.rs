//! The HTTP glue every function shares: requests and responses as plain values, problem+json
//! errors, and who is asking (sessions, CSRF, the records system's key).

pub mod auth;
pub mod problem;
pub mod request;
pub mod response;

pub use problem::Problem;
pub use request::{ApiRequest, CSRF_HEADER, SESSION_COOKIE};
pub use response::ApiResponse;
