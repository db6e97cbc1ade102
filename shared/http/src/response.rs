//! Responses: JSON bodies, cookies and the headers every answer carries.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct ApiResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl ApiResponse {
    pub fn new(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Self {
        let mut response = Self {
            status,
            headers: HeaderMap::new(),
            body: body.into(),
        };
        if !content_type.is_empty() {
            response = response.header("content-type", content_type);
        }
        response.secure()
    }

    pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Self {
        Self::json_as(status, body, "application/json")
    }

    pub fn json_as<T: Serialize>(status: StatusCode, body: &T, content_type: &str) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => Self::new(status, content_type, bytes),
            // Our response types always serialize; should one not, say so without detail.
            Err(_) => Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "application/problem+json",
                r#"{"type":"/problems/server-error","title":"Something went wrong","status":500,"detail":"Something went wrong on our side."}"#,
            ),
        }
    }

    pub fn no_content() -> Self {
        Self::new(StatusCode::NO_CONTENT, "", Bytes::new())
    }

    /// Sets a header; a value that is not a valid header value is dropped (we build them all).
    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.headers.append(HeaderName::from_static(name), value);
        }
        self
    }

    /// API answers are private to the person and never cached; browsers must not sniff them.
    fn secure(mut self) -> Self {
        for (name, value) in [
            ("cache-control", "no-store"),
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "no-referrer"),
            ("x-frame-options", "DENY"),
        ] {
            self.headers.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        self
    }
}
