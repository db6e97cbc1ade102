//! Requests as every function sees them, whether from API Gateway or the local server.

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use serde::de::DeserializeOwned;

use crate::problem::Problem;

/// The largest JSON body most routes accept.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

pub const SESSION_COOKIE: &str = "__Host-portal_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub method: Method,
    pub path: String,
    /// The raw query string, without `?`.
    pub query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The client's network address as the edge saw it.
    pub client: String,
    /// The route's path parameters, filled in by the router.
    pub params: Vec<(&'static str, String)>,
}

impl ApiRequest {
    pub fn new(method: Method, path_and_query: &str) -> Self {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        Self {
            method,
            path: path.to_owned(),
            query: query.to_owned(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            client: "unknown".to_owned(),
            params: Vec::new(),
        }
    }

    pub fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    pub fn query_param(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// `?limit=` within 1..=100 (default 20) and `?cursor=`.
    pub fn page(&self) -> Result<(Option<String>, u32), Problem> {
        let limit = match self.query_param("limit") {
            None => 20,
            Some(raw) => raw
                .parse::<u32>()
                .ok()
                .filter(|l| (1..=100).contains(l))
                .ok_or_else(|| {
                    Problem::field(
                        StatusCode::BAD_REQUEST,
                        "limit",
                        "must be a whole number from 1 to 100",
                    )
                })?,
        };
        Ok((self.query_param("cursor").filter(|c| !c.is_empty()), limit))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .get_all("cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }

    pub fn bearer(&self) -> Option<&str> {
        let value = self.header("authorization")?;
        let (scheme, token) = value.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    }

    /// The JSON body as `T`, within [`DEFAULT_BODY_LIMIT`].
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Problem> {
        self.json_within(DEFAULT_BODY_LIMIT)
    }

    /// The JSON body as `T`. A body over the limit is 413, not JSON 415, unparseable 400, and a
    /// field of the wrong type 422 naming the field.
    pub fn json_within<T: DeserializeOwned>(&self, limit: usize) -> Result<T, Problem> {
        if self.body.len() > limit {
            return Err(Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request too large",
                format!("The request body is larger than {} KiB.", limit / 1024),
            ));
        }
        let json = self.header("content-type").is_some_and(|ct| {
            let ct = ct.split(';').next().unwrap_or("").trim();
            ct.eq_ignore_ascii_case("application/json")
                || ct.to_ascii_lowercase().ends_with("+json")
        });
        if !json {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "JSON expected",
                "Send the body as JSON with Content-Type: application/json.",
            ));
        }
        let body: &[u8] = if self.body.is_empty() {
            b"{}"
        } else {
            &self.body
        };
        let mut value: serde_json::Value = serde_json::from_slice(body).map_err(|inner| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "Malformed JSON",
                format!(
                    "The body is not valid JSON (line {}, column {}).",
                    inner.line(),
                    inner.column()
                ),
            )
        })?;
        whole_numbers_as_integers(&mut value);
        serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let message = inner.to_string();
            // serde reports "missing field `x`" at the parent's path.
            let (field, message) = match message
                .split_once("missing field `")
                .and_then(|(_, rest)| rest.split_once('`'))
            {
                Some((name, _)) => (join(&path, name), "is required".to_owned()),
                None => (
                    if path == "." { "body".to_owned() } else { path },
                    readable(&message),
                ),
            };
            Problem::invalid(vec![portal_domain::FieldError::new(field, message)])
        })
    }
}

/// `26.0` is the integer 26 to JSON (and to the OpenAPI document's `integer`), though serde reads
/// it as a float that an integer field refuses: whole numbers within 2^53 become integers.
fn whole_numbers_as_integers(value: &mut serde_json::Value) {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match value {
        serde_json::Value::Number(number) => {
            if let Some(float) = number.as_f64().filter(|_| number.is_f64())
                && float.fract() == 0.0
                && float.abs() <= EXACT
            {
                #[expect(
                    clippy::cast_possible_truncation,
                    reason = "a whole number within 2^53 is exact as i64"
                )]
                let whole = float as i64;
                *number = whole.into();
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        serde_json::Value::Object(fields) => {
            fields.values_mut().for_each(whole_numbers_as_integers);
        }
        _ => {}
    }
}

fn join(path: &str, field: &str) -> String {
    if path == "." || path.is_empty() {
        field.to_owned()
    } else {
        format!("{path}.{field}")
    }
}

/// serde's "invalid type: integer `5`, expected a string at line 1 column 9" without position.
fn readable(message: &str) -> String {
    let message = message.split(" at line ").next().unwrap_or(message);
    message.replace("invalid type: ", "has the wrong type: ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[derive(Debug, serde::Deserialize)]
    #[expect(dead_code, reason = "the fields are only parsed")]
    struct Body {
        email: Option<String>,
        n: u32,
        items: Option<Vec<Item>>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[expect(dead_code, reason = "the fields are only parsed")]
    struct Item {
        name: String,
    }

    fn request(body: &str) -> ApiRequest {
        let mut r = ApiRequest::new(Method::POST, "/x?limit=5&cursor=abc");
        r.headers.insert(
            "content-type",
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        r.body = Bytes::from(body.to_owned());
        r
    }

    fn field_of(p: Problem) -> (u16, String) {
        (
            p.status.as_u16(),
            p.errors
                .first()
                .map(|e| e.field.clone())
                .unwrap_or_default(),
        )
    }

    #[test]
    fn bad_bodies_name_the_field() {
        assert_eq!(
            field_of(
                request(r#"{"email": 5, "n": 1}"#)
                    .json::<Body>()
                    .unwrap_err()
            ),
            (422, "email".into())
        );
        assert_eq!(
            field_of(request(r#"{"email": "a"}"#).json::<Body>().unwrap_err()),
            (422, "n".into())
        );
        assert_eq!(
            field_of(
                request(r#"{"n": 1, "items": [{"name": "a"}, {}]}"#)
                    .json::<Body>()
                    .unwrap_err()
            ),
            (422, "items[1].name".into())
        );
        assert_eq!(
            request("{").json::<Body>().unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
        // 26.0 is an integer to JSON Schema; a fraction is not.
        assert!(request(r#"{"n": 26.0}"#).json::<Body>().is_ok());
        assert_eq!(
            field_of(request(r#"{"n": 2.5}"#).json::<Body>().unwrap_err()),
            (422, "n".into())
        );
        assert_eq!(
            request(&format!(r#"{{"n": 1, "email": "{}"}}"#, "x".repeat(70_000)))
                .json::<Body>()
                .unwrap_err()
                .status,
            StatusCode::PAYLOAD_TOO_LARGE
        );
        let mut text = request(r#"{"n": 1}"#);
        text.headers
            .insert("content-type", HeaderValue::from_static("text/plain"));
        assert_eq!(
            text.json::<Body>().unwrap_err().status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
    }

    #[test]
    fn cookies_bearer_and_paging() {
        let mut r = request("{}");
        r.headers.insert(
            "cookie",
            HeaderValue::from_static("a=1; __Host-portal_session=tok; b=2"),
        );
        r.headers
            .insert("authorization", HeaderValue::from_static("Bearer  key "));
        assert_eq!(r.cookie(SESSION_COOKIE), Some("tok"));
        assert_eq!(r.bearer(), Some("key"));
        assert_eq!(r.page().unwrap(), (Some("abc".to_owned()), 5));
        r.query = "limit=500".into();
        assert_eq!(field_of(r.page().unwrap_err()), (400, "limit".into()));
    }
}
