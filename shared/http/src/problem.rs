//! RFC 9457 problem details, and the one mapping from domain errors to HTTP statuses.

use http::StatusCode;
use portal_domain::{Error, FieldError};
use serde::Serialize;

use crate::response::ApiResponse;

/// An error answer. `internal` is logged once at the boundary and never sent.
#[derive(Debug)]
pub struct Problem {
    pub status: StatusCode,
    pub title: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub retry_after_secs: Option<u64>,
    pub internal: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProblemBody<'a> {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: &'a str,
    pub status: u16,
    pub detail: &'a str,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    pub errors: &'a [FieldError],
}

impl Problem {
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            title,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after_secs: None,
            internal: None,
        }
    }

    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{} {}", one.field, one.message),
            _ => "Some fields are not right; each error names its field.".to_owned(),
        };
        Self {
            errors,
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "Invalid input", detail)
        }
    }

    pub fn field(status: StatusCode, field: &str, message: impl Into<String>) -> Self {
        let error = FieldError::new(field, message);
        Self {
            errors: vec![error.clone()],
            ..Self::new(
                status,
                "Invalid request",
                format!("{} {}", error.field, error.message),
            )
        }
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Not found",
            "There is nothing here, or it is not yours to see.",
        )
    }

    pub fn internal(what: impl Into<String>) -> Self {
        Self {
            internal: Some(what.into()),
            ..Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "Something went wrong on our side. Please try again in a moment.",
            )
        }
    }

    /// A short machine-readable name for the kind of problem (the `type` URI's last part).
    fn slug(&self) -> &'static str {
        match self.status {
            StatusCode::BAD_REQUEST => "bad-request",
            StatusCode::UNAUTHORIZED => "unauthenticated",
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::NOT_FOUND => "not-found",
            StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
            StatusCode::CONFLICT => "conflict",
            StatusCode::PAYLOAD_TOO_LARGE => "payload-too-large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type",
            StatusCode::UNPROCESSABLE_ENTITY => "invalid-input",
            StatusCode::LOCKED => "account-locked",
            StatusCode::TOO_MANY_REQUESTS => "too-many-requests",
            StatusCode::SERVICE_UNAVAILABLE => "unavailable",
            _ => "server-error",
        }
    }

    pub fn into_response(self) -> ApiResponse {
        let body = ProblemBody {
            type_: format!("/problems/{}", self.slug()),
            title: self.title,
            status: self.status.as_u16(),
            detail: &self.detail,
            errors: &self.errors,
        };
        let mut response = ApiResponse::json_as(self.status, &body, "application/problem+json");
        if let Some(secs) = self.retry_after_secs {
            response = response.header("retry-after", &secs.to_string());
        }
        response
    }
}

impl From<Error> for Problem {
    fn from(error: Error) -> Self {
        match error {
            Error::Invalid(errors) => Self::invalid(errors),
            Error::Unauthenticated => Self::new(
                StatusCode::UNAUTHORIZED,
                "Sign in needed",
                "Please sign in; your session has ended or you are not signed in.",
            ),
            Error::BadCredentials => Self::new(
                StatusCode::UNAUTHORIZED,
                "Sign-in failed",
                "E-mail or password is wrong.",
            ),
            Error::Locked { retry_after_secs } => Self {
                retry_after_secs: Some(retry_after_secs),
                ..Self::new(
                    StatusCode::LOCKED,
                    "Too many wrong attempts",
                    format!(
                        "Sign-in is paused for {} after too many wrong attempts in a row. Try again then, or set a new password with 'Forgotten your password?' to sign in now.",
                        wait_in_words(retry_after_secs)
                    ),
                )
            },
            Error::AdminLocked => Self::new(
                StatusCode::LOCKED,
                "Account locked by the awarding body",
                "This account has been locked by the awarding body. Please contact support to have it unlocked.",
            ),
            Error::NotActive(status) => Self::new(
                StatusCode::FORBIDDEN,
                "Account not active",
                match status {
                    "pending_review" => {
                        "Your registration is being checked by an administrator. We will e-mail you when it is done."
                    }
                    "unverified" => {
                        "Please confirm your e-mail address first: follow the link we sent you."
                    }
                    _ => "This account cannot sign in. Please contact support.",
                },
            ),
            Error::Forbidden => Self::new(
                StatusCode::FORBIDDEN,
                "Not allowed",
                "Your account cannot do this.",
            ),
            Error::NotFound => Self::not_found(),
            Error::Conflict(detail) => Self::new(StatusCode::CONFLICT, "Conflict", detail),
            Error::RateLimited { retry_after_secs } => Self {
                retry_after_secs: Some(retry_after_secs),
                ..Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many attempts",
                    format!(
                        "Too many attempts. Please wait {} and try again.",
                        wait(retry_after_secs)
                    ),
                )
            },
            Error::TooManyTries {
                field,
                retry_after_secs,
            } => Self {
                retry_after_secs: Some(retry_after_secs),
                ..Self::field(
                    StatusCode::TOO_MANY_REQUESTS,
                    field,
                    format!(
                        "was wrong too many times in a row. Please wait {} and try again.",
                        wait(retry_after_secs)
                    ),
                )
            },
            Error::Table(e) => unavailable(&e),
            Error::Blobs(e) => unavailable(&e),
            Error::Internal(what) => Self::internal(what),
        }
    }
}

fn unavailable(e: &dyn std::error::Error) -> Problem {
    let mut chain = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        source = s.source();
    }
    Problem {
        internal: Some(chain),
        ..Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Temporarily unavailable",
            "The service is busy or unavailable. Please try again in a moment.",
        )
    }
}

fn wait(secs: u64) -> String {
    match secs {
        0..=90 => format!("{secs} seconds"),
        _ => format!("{} minutes", secs.div_ceil(60)),
    }
}

/// "15 minutes", "2 hours", rounded up to a whole minute.
fn wait_in_words(secs: u64) -> String {
    let minutes = secs.div_ceil(60).max(1);
    match minutes {
        1 => "1 minute".to_owned(),
        m if m < 120 => format!("{m} minutes"),
        m => format!("{} hours", m.div_ceil(60)),
    }
}
