//! Configuration from the environment, read once at start into typed values. The same names
//! are used by `template.yaml` (Globals), the local portal and the README.

use portal_domain::Settings;
use portal_domain::settings::DocumentRules;
use portal_domain::store::StoreSettings;
use sha2::{Digest, Sha256};
use time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} must be set")]
    Missing(&'static str),
    #[error("{name} is not valid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// Reads a variable through `env` (the process environment, or a map in tests).
pub struct Env<'a>(pub &'a dyn Fn(&str) -> Option<String>);

impl Env<'_> {
    pub fn process() -> Env<'static> {
        Env(&|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    pub fn get(&self, name: &str) -> Option<String> {
        (self.0)(name)
    }

    pub fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        self.get(name).ok_or(ConfigError::Missing(name))
    }

    fn number(
        &self,
        name: &'static str,
        default: i64,
        range: std::ops::RangeInclusive<i64>,
    ) -> Result<i64, ConfigError> {
        match self.get(name) {
            None => Ok(default),
            Some(raw) => raw
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|n| range.contains(n))
                .ok_or_else(|| ConfigError::Invalid {
                    name,
                    reason: format!(
                        "must be a whole number from {} to {}",
                        range.start(),
                        range.end()
                    ),
                }),
        }
    }
}

/// The domain's settings: every variable optional, over the given defaults.
pub fn settings(env: &Env<'_>, mut settings: Settings) -> Result<Settings, ConfigError> {
    if let Some(name) = env.get("PORTAL_ORG_NAME") {
        settings.organisation_name = name;
    }
    if let Some(email) = env.get("PORTAL_SUPPORT_EMAIL") {
        settings.support_email = email;
    }
    if let Some(phone) = env.get("PORTAL_SUPPORT_PHONE") {
        settings.support_phone = Some(phone.trim().to_owned());
    }
    if let Some(logo) = env.get("PORTAL_LOGO_URL") {
        let logo = logo.trim().to_owned();
        // Only a secure address or a path of the site itself, so pages never load mixed content.
        if !(logo.starts_with("https://") || (logo.starts_with('/') && !logo.starts_with("//"))) {
            return Err(ConfigError::Invalid {
                name: "PORTAL_LOGO_URL",
                reason: "must start with https:// or be a path such as /logo.svg".into(),
            });
        }
        settings.logo_url = Some(logo);
    }
    if let Some(url) = env.get("PORTAL_PUBLIC_URL") {
        let url = url.trim_end_matches('/').to_owned();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(ConfigError::Invalid {
                name: "PORTAL_PUBLIC_URL",
                reason: "must start with https:// (or http:// locally)".into(),
            });
        }
        settings.public_url = url;
    }
    settings.session_idle = Duration::minutes(env.number(
        "PORTAL_SESSION_IDLE_MINUTES",
        settings.session_idle.whole_minutes(),
        1..=1440,
    )?);
    settings.session_absolute = Duration::hours(env.number(
        "PORTAL_SESSION_ABSOLUTE_HOURS",
        settings.session_absolute.whole_hours(),
        1..=720,
    )?);
    documents(env, &mut settings.documents)?;
    settings.connections.max_days = env.number(
        "PORTAL_CONNECTION_MAX_DAYS",
        settings.connections.max_days,
        1..=3650,
    )?;
    let max_documents = env.number(
        "PORTAL_DOWNLOAD_MAX_DOCUMENTS",
        settings.centres.max_download_documents as i64,
        1..=20_000,
    )?;
    settings.centres.max_download_documents = usize::try_from(max_documents).unwrap_or(5_000);
    settings.centres.notify_interval = Duration::days(env.number(
        "PORTAL_NOTIFY_INTERVAL_DAYS",
        settings.centres.notify_interval.whole_days(),
        0..=365,
    )?);
    if let Some(hex_hash) = env.get("PORTAL_RECORDS_API_KEY_SHA256") {
        let bytes = hex::decode(hex_hash.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok());
        settings.records_api_key_sha256 = Some(bytes.ok_or_else(|| ConfigError::Invalid {
            name: "PORTAL_RECORDS_API_KEY_SHA256",
            reason: "must be 64 hex digits (sha256 of the key)".into(),
        })?);
    } else if let Some(key) = env.get("PORTAL_RECORDS_API_KEY") {
        if key.len() < 32 {
            return Err(ConfigError::Invalid {
                name: "PORTAL_RECORDS_API_KEY",
                reason: "must be at least 32 characters".into(),
            });
        }
        // Only the hash is kept, even in memory.
        settings.records_api_key_sha256 = Some(Sha256::digest(key.as_bytes()).into());
    }
    store(env, &mut settings.store)?;
    Ok(settings)
}

/// The store's first defaults (ORD-1, ORD-3): products, delivery options and VAT rates as JSON
/// arrays, the seller's address and VAT number for receipts; checked as a whole, every bad
/// field named.
fn store(env: &Env<'_>, store: &mut StoreSettings) -> Result<(), ConfigError> {
    fn json<T: serde::de::DeserializeOwned>(
        env: &Env<'_>,
        name: &'static str,
    ) -> Result<Option<T>, ConfigError> {
        env.get(name)
            .map(|raw| {
                serde_json::from_str(&raw).map_err(|e| ConfigError::Invalid {
                    name,
                    reason: format!("is not the JSON expected: {e}"),
                })
            })
            .transpose()
    }
    if let Some(products) = json(env, "PORTAL_PRODUCTS")? {
        store.products = products;
    }
    if let Some(options) = json(env, "PORTAL_DELIVERY_OPTIONS")? {
        store.delivery_options = options;
    }
    if let Some(rates) = json(env, "PORTAL_VAT_RATES")? {
        store.vat_rates = rates;
    }
    if let Some(address) = env.get("PORTAL_SELLER_ADDRESS") {
        store.seller.address = address
            .split('|')
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect();
    }
    if let Some(vat_number) = env.get("PORTAL_VAT_NUMBER") {
        store.seller.vat_number = Some(vat_number.trim().to_owned());
    }
    store.unpaid_order_hours = env.number(
        "PORTAL_UNPAID_ORDER_HOURS",
        store.unpaid_order_hours,
        1..=720,
    )?;
    store.validate().map_err(|errors| ConfigError::Invalid {
        name: "PORTAL_PRODUCTS / PORTAL_DELIVERY_OPTIONS / PORTAL_VAT_RATES",
        reason: errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; "),
    })
}

/// The awarding body's document rules (DOC-5, DOC-6, VER-1).
fn documents(env: &Env<'_>, rules: &mut DocumentRules) -> Result<(), ConfigError> {
    let limits = &mut rules.download_limit;
    limits.certificate = env.number(
        "PORTAL_DOWNLOAD_LIMIT_CERTIFICATE",
        limits.certificate,
        0..=1000,
    )?;
    limits.unit_certificate = env.number(
        "PORTAL_DOWNLOAD_LIMIT_UNIT_CERTIFICATE",
        limits.unit_certificate,
        0..=1000,
    )?;
    limits.letter = env.number("PORTAL_DOWNLOAD_LIMIT_LETTER", limits.letter, 0..=1000)?;
    if let Some(raw) = env.get("PORTAL_REPORT_REASONS") {
        let reasons: Vec<String> = raw
            .split('|')
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .collect();
        if reasons.is_empty() || reasons.iter().any(|r| r.chars().count() > 100) {
            return Err(ConfigError::Invalid {
                name: "PORTAL_REPORT_REASONS",
                reason: "must list reasons of up to 100 characters separated by |".into(),
            });
        }
        rules.report_reasons = reasons;
    }
    if let Some(email) = env.get("PORTAL_REPORTS_EMAIL") {
        rules.reports_email = Some(email.trim().to_owned());
    }
    if let Some(raw) = env.get("PORTAL_VERIFY_SHOWS_DOCUMENT") {
        rules.verify_shows_document = match raw.trim() {
            "true" => true,
            "false" => false,
            _ => {
                return Err(ConfigError::Invalid {
                    name: "PORTAL_VERIFY_SHOWS_DOCUMENT",
                    reason: "must be true or false".into(),
                });
            }
        };
    }
    Ok(())
}

/// Where the AWS resources are.
#[derive(Debug, Clone)]
pub struct AwsResources {
    pub table: String,
    pub bucket: String,
    pub mail_from: String,
    /// The Secrets Manager secret with the payment provider's keys (see `stripe.rs`); functions
    /// that take no payments run without it.
    pub payments_secret: Option<String>,
    /// Stripe's API (a fake in tests).
    pub stripe_api: String,
    /// An emulator's address in tests; unset in AWS.
    pub endpoint_url: Option<String>,
}

impl AwsResources {
    pub fn from_env(env: &Env<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            table: env.required("PORTAL_TABLE")?,
            bucket: env.required("PORTAL_BUCKET")?,
            mail_from: env.required("PORTAL_MAIL_FROM")?,
            payments_secret: env.get("PORTAL_PAYMENTS_SECRET_ARN"),
            stripe_api: env
                .get("PORTAL_STRIPE_API_URL")
                .unwrap_or_else(|| portal_adapters::stripe::STRIPE_API.to_owned()),
            endpoint_url: env.get("PORTAL_AWS_ENDPOINT"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn variables_override_defaults_and_bad_ones_are_named() {
        let vars = env_of(&[
            ("PORTAL_ORG_NAME", "Awarding Body"),
            ("PORTAL_PUBLIC_URL", "https://portal.example.org/"),
            ("PORTAL_SESSION_IDLE_MINUTES", "15"),
            ("PORTAL_RECORDS_API_KEY", "k".repeat(40).as_str()),
        ]);
        let lookup = |n: &str| vars.get(n).cloned();
        let s = settings(&Env(&lookup), Settings::local("http://127.0.0.1:3000")).unwrap();
        assert_eq!(s.organisation_name, "Awarding Body");
        assert_eq!(s.public_url, "https://portal.example.org");
        assert_eq!(s.session_idle, Duration::minutes(15));
        assert!(s.records_api_key_sha256.is_some());

        let bad = env_of(&[("PORTAL_SESSION_IDLE_MINUTES", "0")]);
        let lookup = |n: &str| bad.get(n).cloned();
        let err = settings(&Env(&lookup), Settings::local("http://x")).unwrap_err();
        assert!(err.to_string().contains("PORTAL_SESSION_IDLE_MINUTES"));
        let none = HashMap::<String, String>::new();
        let lookup = |n: &str| none.get(n).cloned();
        assert!(
            AwsResources::from_env(&Env(&lookup))
                .unwrap_err()
                .to_string()
                .contains("PORTAL_TABLE")
        );
    }

    #[test]
    fn branding_takes_a_logo_only_from_a_secure_address_or_the_site_itself() {
        let read = |pairs: &[(&str, &str)]| {
            let vars = env_of(pairs);
            let lookup = move |n: &str| vars.get(n).cloned();
            settings(&Env(&lookup), Settings::local("http://x"))
        };
        let s = read(&[
            ("PORTAL_LOGO_URL", "https://cdn.example.org/logo.svg"),
            ("PORTAL_SUPPORT_PHONE", " 0300 123 4567 "),
        ])
        .unwrap();
        assert_eq!(
            s.logo_url.as_deref(),
            Some("https://cdn.example.org/logo.svg")
        );
        assert_eq!(s.support_phone.as_deref(), Some("0300 123 4567"));
        assert_eq!(
            read(&[("PORTAL_LOGO_URL", "/brand/logo.png")])
                .unwrap()
                .logo_url
                .as_deref(),
            Some("/brand/logo.png")
        );
        for bad in [
            "http://cdn.example.org/logo.svg",
            "//evil.example/x.svg",
            "javascript:alert(1)",
        ] {
            let err = read(&[("PORTAL_LOGO_URL", bad)]).unwrap_err();
            assert!(err.to_string().contains("PORTAL_LOGO_URL"), "{bad}");
        }
    }

    #[test]
    fn document_rules_come_from_variables_and_bad_ones_are_named() {
        let read = |pairs: &[(&str, &str)]| {
            let vars = env_of(pairs);
            let lookup = |n: &str| vars.get(n).cloned();
            settings(&Env(&lookup), Settings::local("http://x"))
        };
        let s = read(&[
            ("PORTAL_DOWNLOAD_LIMIT_CERTIFICATE", "5"),
            ("PORTAL_DOWNLOAD_LIMIT_LETTER", "0"),
            ("PORTAL_REPORT_REASONS", "Wrong name | Wrong date ||"),
            ("PORTAL_SUPPORT_EMAIL", "help@example.org"),
            ("PORTAL_VERIFY_SHOWS_DOCUMENT", "false"),
            ("PORTAL_CONNECTION_MAX_DAYS", "90"),
            ("PORTAL_DOWNLOAD_MAX_DOCUMENTS", "1000"),
            ("PORTAL_NOTIFY_INTERVAL_DAYS", "0"),
        ])
        .unwrap();
        assert_eq!(s.connections.max_days, 90);
        assert_eq!(s.centres.max_download_documents, 1000);
        assert_eq!(s.centres.notify_interval, time::Duration::ZERO);
        assert_eq!(s.documents.download_limit.certificate, 5);
        assert_eq!(s.documents.download_limit.unit_certificate, 3);
        assert_eq!(s.documents.download_limit.letter, 0);
        assert_eq!(s.documents.report_reasons, ["Wrong name", "Wrong date"]);
        assert_eq!(s.reports_to(), "help@example.org");
        assert!(!s.documents.verify_shows_document);
        for (name, bad) in [
            ("PORTAL_DOWNLOAD_LIMIT_UNIT_CERTIFICATE", "-1"),
            ("PORTAL_REPORT_REASONS", " | "),
            ("PORTAL_VERIFY_SHOWS_DOCUMENT", "yes"),
            ("PORTAL_CONNECTION_MAX_DAYS", "0"),
            ("PORTAL_DOWNLOAD_MAX_DOCUMENTS", "0"),
            ("PORTAL_NOTIFY_INTERVAL_DAYS", "x"),
        ] {
            let err = read(&[(name, bad)]).unwrap_err();
            assert!(err.to_string().contains(name), "{name}={bad}: {err}");
        }
        let team = read(&[("PORTAL_REPORTS_EMAIL", "team@example.org")]).unwrap();
        assert_eq!(team.reports_to(), "team@example.org");
    }
}
