//! The Lambda side: build the clients once per instance, then serve events with the same
//! dispatch the local portal uses.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use lambda_http::request::RequestContext;
use lambda_http::{Body, RequestExt};
use portal_adapters::aws::{self, DynamoTable, S3Blobs, SesMailer};
use portal_adapters::stripe::{SecretsManagerKeys, StripePayments};
use portal_domain::ports::{SystemClock, SystemRandom};
use portal_domain::{Ctx, Settings};
use portal_http::{ApiRequest, ApiResponse};

use crate::app;
use crate::config::{AwsResources, ConfigError, Env};

/// JSON logs, one line per event, level from `PORTAL_LOG` (default `info`).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PORTAL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .without_time()
        .try_init();
}

/// The ports on AWS, from the environment.
pub async fn aws_ctx() -> Result<Ctx, ConfigError> {
    let env = Env::process();
    let resources = AwsResources::from_env(&env)?;
    let defaults = Settings::local(env.required("PORTAL_PUBLIC_URL")?);
    let settings = crate::config::settings(&env, defaults)?;
    let sdk = aws::config::sdk_config(resources.endpoint_url.as_deref()).await;
    let payments = payments(&sdk, &resources);
    Ok(Ctx {
        table: Arc::new(DynamoTable::new(
            aws::config::dynamodb_client(&sdk),
            resources.table,
        )),
        blobs: Arc::new(S3Blobs::new(aws::config::s3_client(&sdk), resources.bucket)),
        mailer: Arc::new(SesMailer::new(
            aws::config::ses_client(&sdk),
            resources.mail_from,
        )),
        clock: Arc::new(SystemClock),
        random: Arc::new(SystemRandom),
        payments,
        settings: Arc::new(settings),
        config: Default::default(),
        client: None,
    })
}

/// Stripe, with its keys read on first use from the payments secret; without the secret the
/// function takes no payments, and says why.
fn payments(
    sdk: &aws_config::SdkConfig,
    resources: &AwsResources,
) -> Arc<dyn portal_domain::ports::Payments> {
    match &resources.payments_secret {
        Some(secret_id) => Arc::new(StripePayments::new(
            resources.stripe_api.clone(),
            Arc::new(SecretsManagerKeys {
                client: aws_sdk_secretsmanager::Client::new(sdk),
                secret_id: secret_id.clone(),
            }),
        )),
        None => Arc::new(portal_adapters::NoPayments(
            "PORTAL_PAYMENTS_SECRET_ARN is not set for this function",
        )),
    }
}

/// Serves one HTTP function's routes.
pub async fn run_http(function: &'static str) -> Result<(), lambda_http::Error> {
    init_tracing();
    portal_domain::secrets::warm_up();
    let ctx = Arc::new(aws_ctx().await?);
    lambda_http::run(lambda_http::service_fn(
        move |event: lambda_http::Request| {
            let ctx = Arc::clone(&ctx);
            async move {
                Ok::<_, std::convert::Infallible>(to_lambda(
                    app::dispatch(&ctx, from_lambda(event), Some(function)).await,
                ))
            }
        },
    ))
    .await
}

/// Serves a scheduled (or stream-triggered) function.
pub async fn run_scheduled(function: &'static str) -> Result<(), lambda_runtime::Error> {
    init_tracing();
    let ctx = Arc::new(aws_ctx().await?);
    lambda_runtime::run(lambda_runtime::service_fn(
        move |_event: lambda_runtime::LambdaEvent<serde_json::Value>| {
            let ctx = Arc::clone(&ctx);
            async move {
                let report = crate::scheduled::run(function, &ctx).await.map_err(|e| {
                    tracing::error!(function, error = %e, "scheduled run failed");
                    lambda_runtime::Error::from(e.to_string())
                })?;
                tracing::info!(function, %report, "scheduled run done");
                Ok::<_, lambda_runtime::Error>(report)
            }
        },
    ))
    .await
}

/// Set by the CloudFront function in front of `/api/*` to the viewer's address (template.yaml:
/// `ApiClientAddress`); any value a client sends is overwritten there.
pub const CLIENT_ADDRESS_HEADER: &str = "x-portal-client-address";
/// Added by CloudFront to every request it sends the API, with the secret in
/// `PORTAL_ORIGIN_VERIFY`: it tells requests that came through CloudFront from direct ones.
pub const ORIGIN_VERIFY_HEADER: &str = "x-portal-origin-verify";

/// Who is asking. Behind CloudFront the connection comes from CloudFront, so the viewer's address
/// is taken from the header CloudFront sets — but only when the request proves it came through
/// CloudFront; a direct caller could otherwise choose its own address and dodge the per-address
/// rate limits.
pub fn client_address(
    source_ip: Option<&str>,
    headers: &http::HeaderMap,
    origin_secret: Option<&str>,
) -> String {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let through_cloudfront = match (origin_secret, header(ORIGIN_VERIFY_HEADER)) {
        (Some(secret), Some(sent)) => portal_domain::secrets::same_secret(sent, secret),
        _ => false,
    };
    let viewer = header(CLIENT_ADDRESS_HEADER)
        .filter(|_| through_cloudfront)
        .and_then(|v| v.trim().parse::<std::net::IpAddr>().ok());
    match (viewer, source_ip) {
        (Some(ip), _) => ip.to_string(),
        (None, Some(ip)) => ip.to_owned(),
        (None, None) => "unknown".to_owned(),
    }
}

fn origin_secret() -> Option<&'static str> {
    static SECRET: OnceLock<Option<String>> = OnceLock::new();
    SECRET
        .get_or_init(|| {
            std::env::var("PORTAL_ORIGIN_VERIFY")
                .ok()
                .filter(|s| !s.trim().is_empty())
        })
        .as_deref()
}

/// An API Gateway (HTTP API, payload 2.0) request as the handlers see requests.
pub fn from_lambda(event: lambda_http::Request) -> ApiRequest {
    let source_ip = match event.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.http.source_ip.clone(),
        _ => None,
    };
    let (parts, body) = event.into_parts();
    let client = client_address(source_ip.as_deref(), &parts.headers, origin_secret());
    let mut req = ApiRequest::new(parts.method, parts.uri.path());
    req.query = parts.uri.query().unwrap_or_default().to_owned();
    req.headers = parts.headers;
    req.body = match body {
        Body::Empty => Bytes::new(),
        Body::Text(text) => Bytes::from(text),
        Body::Binary(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    req.client = client;
    req
}

pub fn to_lambda(response: ApiResponse) -> lambda_http::Response<Body> {
    let mut out = lambda_http::Response::new(if response.body.is_empty() {
        Body::Empty
    } else {
        Body::Binary(response.body.to_vec())
    });
    *out.status_mut() = response.status;
    *out.headers_mut() = response.headers;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> http::HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    http::HeaderName::from_static(k),
                    http::HeaderValue::from_static(v),
                )
            })
            .collect()
    }

    #[test]
    fn the_viewer_address_is_trusted_only_from_cloudfront() {
        let secret = Some("s3cret-origin-value");
        let via_cloudfront = headers(&[
            (ORIGIN_VERIFY_HEADER, "s3cret-origin-value"),
            (CLIENT_ADDRESS_HEADER, "198.51.100.7"),
        ]);
        assert_eq!(
            client_address(Some("130.176.1.1"), &via_cloudfront, secret),
            "198.51.100.7"
        );
        // IPv6 viewers too.
        let v6 = headers(&[
            (ORIGIN_VERIFY_HEADER, "s3cret-origin-value"),
            (CLIENT_ADDRESS_HEADER, "2001:db8::7"),
        ]);
        assert_eq!(
            client_address(Some("130.176.1.1"), &v6, secret),
            "2001:db8::7"
        );
        // A direct caller naming its own address, with a wrong or no secret: the connection's.
        for forged in [
            headers(&[(CLIENT_ADDRESS_HEADER, "10.0.0.1")]),
            headers(&[
                (ORIGIN_VERIFY_HEADER, "guess"),
                (CLIENT_ADDRESS_HEADER, "10.0.0.1"),
            ]),
        ] {
            assert_eq!(
                client_address(Some("203.0.113.9"), &forged, secret),
                "203.0.113.9"
            );
        }
        // Without a configured secret nothing is trusted; a malformed address is ignored.
        assert_eq!(
            client_address(Some("203.0.113.9"), &via_cloudfront, None),
            "203.0.113.9"
        );
        let garbage = headers(&[
            (ORIGIN_VERIFY_HEADER, "s3cret-origin-value"),
            (CLIENT_ADDRESS_HEADER, "not-an-ip"),
        ]);
        assert_eq!(
            client_address(Some("203.0.113.9"), &garbage, secret),
            "203.0.113.9"
        );
        assert_eq!(
            client_address(None, &http::HeaderMap::new(), secret),
            "unknown"
        );
    }
}
