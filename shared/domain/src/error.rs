//! The domain's one error type. The HTTP layer maps it to statuses in one place.

use std::fmt;

use crate::ports::{BlobError, TableError};

/// A reason one input field is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field's name as sent (`email`, `learners[3].date_of_birth`).
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is not acceptable; each field says why. Nothing was written.
    #[error("invalid input: {}", summary(.0))]
    Invalid(Vec<FieldError>),
    /// No valid session (or API key).
    #[error("not signed in")]
    Unauthenticated,
    /// The e-mail or password is wrong; deliberately not saying which.
    #[error("e-mail or password is wrong")]
    BadCredentials,
    /// Too many wrong passwords or codes in a row (for this address, known or not): try again
    /// after this many seconds, or set a new password.
    #[error("locked for a while after too many wrong attempts")]
    Locked { retry_after_secs: u64 },
    /// Locked by an administrator (the awarding body): only they can unlock it.
    #[error("the account is locked by an administrator")]
    AdminLocked,
    /// The account exists and the password was right, but it cannot sign in yet.
    #[error("the account is {0}")]
    NotActive(&'static str),
    /// Signed in, but this is not for this kind of account.
    #[error("not allowed")]
    Forbidden,
    /// No such thing, or not this caller's to see (the two are not told apart).
    #[error("not found")]
    NotFound,
    /// The request is right but the state of things forbids it now.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Too many attempts; try again after this many seconds.
    #[error("too many attempts")]
    RateLimited { retry_after_secs: u64 },
    /// Too many wrong values of one field (a current password, a code) lately: the answer names
    /// the field; try again after this many seconds.
    #[error("too many wrong tries of {field}")]
    TooManyTries {
        field: &'static str,
        retry_after_secs: u64,
    },
    #[error("storage failed")]
    Table(#[from] TableError),
    #[error("blob storage failed")]
    Blobs(#[from] BlobError),
    /// A broken invariant or a failed background task; never shown to the caller.
    #[error("internal error: {0}")]
    Internal(String),
}

fn summary(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Collects every field's problem before failing, so one answer names all of them.
#[derive(Debug, Default)]
pub struct Fields {
    errors: Vec<FieldError>,
    prefix: String,
}

impl Fields {
    pub fn new() -> Self {
        Self::default()
    }

    /// Field names are reported under this prefix (`learners[3].`).
    pub fn nested(prefix: impl Into<String>) -> Self {
        Self {
            errors: Vec::new(),
            prefix: prefix.into(),
        }
    }

    /// Keeps the value, or records why the field is not acceptable.
    pub fn take<T, E: fmt::Display>(&mut self, field: &str, parsed: Result<T, E>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(reason) => {
                self.add(field, reason.to_string());
                None
            }
        }
    }

    /// An optional input: absent (or blank) is fine, present must parse.
    pub fn optional<T, E: fmt::Display>(
        &mut self,
        field: &str,
        raw: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<Option<T>> {
        match raw.map(str::trim).filter(|s| !s.is_empty()) {
            None => Some(None),
            Some(raw) => self.take(field, parse(raw)).map(Some),
        }
    }

    /// A required input: absent or blank is an error naming the field.
    pub fn required<T, E: fmt::Display>(
        &mut self,
        field: &str,
        raw: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        match raw.filter(|s| !s.trim().is_empty()) {
            None => {
                self.add(field, "is required");
                None
            }
            Some(raw) => self.take(field, parse(raw)),
        }
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.errors
            .push(FieldError::new(format!("{}{field}", self.prefix), message));
    }

    pub fn absorb(&mut self, other: Fields) {
        self.errors.extend(other.errors);
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok` when no field failed; otherwise every failure at once.
    pub fn finish(self) -> Result<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.errors))
        }
    }

    pub fn into_error(self) -> Error {
        Error::Invalid(self.errors)
    }
}
