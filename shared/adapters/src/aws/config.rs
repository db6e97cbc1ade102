//! The SDK configuration and the three clients, built once per process (once per Lambda
//! instance) and shared.

use aws_config::meta::region::RegionProviderChain;
use aws_config::{BehaviorVersion, ConfigLoader, Region, SdkConfig};

/// The region used when neither the environment (`AWS_REGION`, `AWS_DEFAULT_REGION`) nor the
/// profile names one.
pub const DEFAULT_REGION: &str = "eu-west-2";

/// The default configuration loader: credentials and region from the usual chain (environment,
/// profile, container/instance role), the region falling back to [`DEFAULT_REGION`], and every
/// service sent to `endpoint_url` when given (an emulator such as moto). Callers may add to it
/// before loading (tests set static credentials this way).
pub fn sdk_config_loader(endpoint_url: Option<&str>) -> ConfigLoader {
    let region = RegionProviderChain::default_provider().or_else(Region::new(DEFAULT_REGION));
    let loader = aws_config::defaults(BehaviorVersion::latest()).region(region);
    match endpoint_url {
        Some(url) => loader.endpoint_url(url),
        None => loader,
    }
}

/// Loads the SDK configuration (see [`sdk_config_loader`]).
pub async fn sdk_config(endpoint_url: Option<&str>) -> SdkConfig {
    sdk_config_loader(endpoint_url).load().await
}

pub fn dynamodb_client(config: &SdkConfig) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(config)
}

/// The S3 client; with an endpoint override it addresses buckets by path
/// (`http://host/bucket/key`), as emulators need, instead of by virtual host.
pub fn s3_client(config: &SdkConfig) -> aws_sdk_s3::Client {
    let s3_config = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(config.endpoint_url().is_some())
        .build();
    aws_sdk_s3::Client::from_conf(s3_config)
}

pub fn ses_client(config: &SdkConfig) -> aws_sdk_sesv2::Client {
    aws_sdk_sesv2::Client::new(config)
}
