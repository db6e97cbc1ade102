//! The Lambda side: build the clients once per instance, then serve events with the same
//! dispatch the local portal uses.

use std::sync::Arc;

use bytes::Bytes;
use lambda_http::request::RequestContext;
use lambda_http::{Body, RequestExt};
use portal_adapters::aws::{self, DynamoTable, S3Blobs, SesMailer};
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
        settings: Arc::new(settings),
    })
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

/// An API Gateway (HTTP API, payload 2.0) request as the handlers see requests.
pub fn from_lambda(event: lambda_http::Request) -> ApiRequest {
    let client = match event.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.http.source_ip.clone(),
        _ => None,
    };
    let (parts, body) = event.into_parts();
    let mut req = ApiRequest::new(parts.method, parts.uri.path());
    req.query = parts.uri.query().unwrap_or_default().to_owned();
    req.headers = parts.headers;
    req.body = match body {
        Body::Empty => Bytes::new(),
        Body::Text(text) => Bytes::from(text),
        Body::Binary(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    req.client = client.unwrap_or_else(|| "unknown".to_owned());
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
