//! The configuration console (ADM-4): what the awarding body changes without a deployment —
//! its name, logo, address, VAT number and support contact; products and prices, delivery
//! options and their countries, VAT rates; download limits, report and duplicate reasons,
//! whether the verify page shows the document, the longest connection.
//!
//! Kept in the table (`CONFIG`/`CURRENT`), each change a new version conditional on the one the
//! administrator saw, with every earlier version kept beside it (`CONFIG`/`VERSION#…`: who, when,
//! what). The environment gives the first defaults only. Every function reads the current
//! version at most once a minute ([`Live`]), so a change is in effect everywhere within 60
//! seconds. Orders keep the prices they were placed at: a price change never touches one.

use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::accounts::model::AccountKind;
use crate::accounts::sessions::Principal;
use crate::ctx::Ctx;
use crate::error::{Error, FieldError, Fields, Result};
use crate::items::{from_item, to_item};
use crate::ports::{Condition, Key, Query, SortCondition, TableError, Write};
use crate::settings::{DownloadLimits, Settings};
use crate::store::catalogue::{DeliveryOption, Product, Seller};
use crate::store::money::VatRate;

/// How long a function keeps the configuration it read before reading it again.
pub const REFRESH: Duration = Duration::seconds(60);

const PARTITION: &str = "CONFIG";
const CURRENT: &str = "CURRENT";
const VERSION_PREFIX: &str = "VERSION#";

fn current_key() -> Key {
    Key::new(PARTITION, CURRENT)
}

fn version_key(version: i64) -> Key {
    Key::new(PARTITION, format!("{VERSION_PREFIX}{version:010}"))
}

/// What the console edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Configuration {
    pub organisation_name: String,
    /// An `https://` address or a path on the site (`/logo.svg`); none shows the name alone.
    pub logo_url: Option<String>,
    pub support_email: String,
    pub support_phone: Option<String>,
    /// The awarding body's postal address, a line each (receipts, statements, return address).
    pub address: Vec<String>,
    pub vat_number: Option<String>,
    pub products: Vec<Product>,
    pub delivery_options: Vec<DeliveryOption>,
    pub vat_rates: Vec<VatRate>,
    /// Hours an order may wait for its payment before it is cancelled.
    pub unpaid_order_hours: i64,
    /// Downloads allowed per document, by type (0 turns downloads off for that type).
    pub download_limits: DownloadAllowance,
    pub report_reasons: Vec<String>,
    /// Where reports of problems go; the support address when none.
    pub reports_email: Option<String>,
    pub duplicate_reasons: Vec<String>,
    pub verify_shows_document: bool,
    /// The longest a connection may last, in days.
    pub connection_max_days: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DownloadAllowance {
    pub certificate: i64,
    pub unit_certificate: i64,
    pub letter: i64,
}

impl Configuration {
    /// The configuration as `settings` have it (the environment's first defaults).
    pub fn of(settings: &Settings) -> Self {
        let store = &settings.store;
        let limits = settings.documents.download_limit;
        Self {
            organisation_name: settings.organisation_name.clone(),
            logo_url: settings.logo_url.clone(),
            support_email: settings.support_email.clone(),
            support_phone: settings.support_phone.clone(),
            address: store.seller.address.clone(),
            vat_number: store.seller.vat_number.clone(),
            products: store.products.clone(),
            delivery_options: store.delivery_options.clone(),
            vat_rates: store.vat_rates.clone(),
            unpaid_order_hours: store.unpaid_order_hours,
            download_limits: DownloadAllowance {
                certificate: limits.certificate,
                unit_certificate: limits.unit_certificate,
                letter: limits.letter,
            },
            report_reasons: settings.documents.report_reasons.clone(),
            reports_email: settings.documents.reports_email.clone(),
            duplicate_reasons: store.duplicate_reasons.clone(),
            verify_shows_document: settings.documents.verify_shows_document,
            connection_max_days: settings.connections.max_days,
        }
    }

    /// `base` with this configuration in it (what is not configured here stays as it was).
    pub fn applied_to(&self, base: &Settings) -> Settings {
        let mut s = base.clone();
        s.organisation_name.clone_from(&self.organisation_name);
        s.logo_url.clone_from(&self.logo_url);
        s.support_email.clone_from(&self.support_email);
        s.support_phone.clone_from(&self.support_phone);
        s.store.seller = Seller {
            address: self.address.clone(),
            vat_number: self.vat_number.clone(),
        };
        s.store.products.clone_from(&self.products);
        s.store.delivery_options.clone_from(&self.delivery_options);
        s.store.vat_rates.clone_from(&self.vat_rates);
        s.store.unpaid_order_hours = self.unpaid_order_hours;
        s.store
            .duplicate_reasons
            .clone_from(&self.duplicate_reasons);
        s.documents.download_limit = DownloadLimits {
            certificate: self.download_limits.certificate,
            unit_certificate: self.download_limits.unit_certificate,
            letter: self.download_limits.letter,
        };
        s.documents.report_reasons.clone_from(&self.report_reasons);
        s.documents.reports_email.clone_from(&self.reports_email);
        s.documents.verify_shows_document = self.verify_shows_document;
        s.connections.max_days = self.connection_max_days;
        s
    }

    /// Every problem, each naming its field; nothing is taken until there are none.
    fn validate(&self, base: &Settings) -> Result<()> {
        let mut fields = Fields::new();
        let text = |fields: &mut Fields, field: &str, value: &str, max: usize| {
            let n = value.trim().chars().count();
            if n == 0 || n > max {
                fields.add(field, format!("must be 1 to {max} characters"));
            }
        };
        text(
            &mut fields,
            "organisation_name",
            &self.organisation_name,
            100,
        );
        if let Some(logo) = &self.logo_url {
            // Only a secure address or a path of the site itself, so pages never load mixed
            // content.
            if !(logo.starts_with("https://") || (logo.starts_with('/') && !logo.starts_with("//")))
                || logo.len() > 500
            {
                fields.add(
                    "logo_url",
                    "must start with https:// or be a path such as /logo.svg",
                );
            }
        }
        for (field, email) in [
            ("support_email", Some(&self.support_email)),
            ("reports_email", self.reports_email.as_ref()),
        ] {
            if let Some(email) = email
                && crate::values::EmailAddress::parse(email).is_err()
            {
                fields.add(field, "is not an e-mail address");
            }
        }
        if let Some(phone) = &self.support_phone {
            text(&mut fields, "support_phone", phone, 40);
        }
        if self.address.len() > 8 {
            fields.add("address", "must be at most 8 lines");
        }
        for (i, line) in self.address.iter().enumerate() {
            text(&mut fields, &format!("address[{i}]"), line, 100);
        }
        if let Some(vat) = &self.vat_number {
            text(&mut fields, "vat_number", vat, 30);
        }
        let DownloadAllowance {
            certificate,
            unit_certificate,
            letter,
        } = self.download_limits;
        for (field, n) in [
            ("download_limits.certificate", certificate),
            ("download_limits.unit_certificate", unit_certificate),
            ("download_limits.letter", letter),
        ] {
            if !(0..=1000).contains(&n) {
                fields.add(field, "must be from 0 to 1000");
            }
        }
        // (The store's own check covers the duplicate reasons and the unpaid order hours.)
        if self.report_reasons.is_empty() || self.report_reasons.len() > 20 {
            fields.add("report_reasons", "must list 1 to 20 reasons");
        }
        for (i, reason) in self.report_reasons.iter().enumerate() {
            text(&mut fields, &format!("report_reasons[{i}]"), reason, 100);
        }
        if !(1..=3650).contains(&self.connection_max_days) {
            fields.add("connection_max_days", "must be from 1 to 3650");
        }
        let store = self.applied_to(base).store;
        if let Err(errors) = store.validate() {
            for FieldError { field, message } in errors {
                fields.add(&field, message);
            }
        }
        fields.finish()
    }
}

/// A version of the configuration as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConfigVersion {
    /// 0: never changed here, the environment's defaults.
    pub version: i64,
    pub configuration: Configuration,
    pub changed_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option", default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub changed_at: Option<OffsetDateTime>,
    /// The fields this version changed from the one before.
    #[serde(default)]
    pub changed: Vec<String>,
}

/// The stored current version, if any was ever saved.
async fn stored(ctx: &Ctx) -> Result<Option<ConfigVersion>> {
    ctx.table
        .get(&current_key())
        .await?
        .map(from_item)
        .transpose()
}

/// What a function runs with: the process's settings (the environment's) with the stored
/// configuration applied, read again once [`REFRESH`] has passed. One per process, in its
/// [`Ctx`].
#[derive(Default)]
pub struct Live {
    cached: Mutex<Option<(OffsetDateTime, Arc<Settings>)>>,
}

impl Live {
    fn fresh(&self, now: OffsetDateTime) -> Option<Arc<Settings>> {
        let cached = self.cached.lock().ok()?;
        cached
            .as_ref()
            .filter(|(at, _)| now - *at < REFRESH)
            .map(|(_, settings)| settings.clone())
    }

    /// `ctx` (the process's, with the environment's settings) with the current settings: from
    /// the cache, or read (one item) when it is older than a minute. A failed read keeps what
    /// the process had (or the environment's).
    pub async fn current(&self, ctx: &Ctx) -> Ctx {
        let now = ctx.now();
        let settings = match self.fresh(now) {
            Some(settings) => settings,
            None => {
                let settings = match stored(ctx).await {
                    Ok(Some(version)) => Arc::new(version.configuration.applied_to(&ctx.settings)),
                    Ok(None) => ctx.settings.clone(),
                    Err(e) => {
                        tracing::warn!(error = %e, "the configuration cannot be read; keeping what this process has");
                        self.cached
                            .lock()
                            .ok()
                            .and_then(|c| c.as_ref().map(|(_, s)| s.clone()))
                            .unwrap_or_else(|| ctx.settings.clone())
                    }
                };
                if let Ok(mut cached) = self.cached.lock() {
                    *cached = Some((now, settings.clone()));
                }
                settings
            }
        };
        Ctx {
            settings,
            ..ctx.clone()
        }
    }
}

/// The configuration now (`GET /api/admin/config`).
pub async fn get(ctx: &Ctx, admin: &Principal) -> Result<ConfigVersion> {
    admin.require(&[AccountKind::Admin])?;
    Ok(stored(ctx).await?.unwrap_or_else(|| ConfigVersion {
        version: 0,
        configuration: Configuration::of(&ctx.settings),
        changed_by: None,
        changed_at: None,
        changed: Vec::new(),
    }))
}

/// The earlier versions, newest first.
pub async fn history(
    ctx: &Ctx,
    admin: &Principal,
    cursor: Option<String>,
    limit: u32,
) -> Result<crate::accounts::admin::Paged<ConfigVersion>> {
    admin.require(&[AccountKind::Admin])?;
    let query = Query::partition(PARTITION)
        .sort(SortCondition::BeginsWith(VERSION_PREFIX.to_owned()))
        .descending()
        .limit(limit)
        .after(cursor);
    crate::accounts::admin::Paged::of(ctx, &query).await
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ConfigInput {
    /// The `version` the administrator saw: a change made since refuses this one (409).
    pub version: Option<i64>,
    pub configuration: Option<Configuration>,
}

/// Saves a new version (`PUT /api/admin/config`): validated as a whole, conditional on the
/// version seen, the previous version kept, audited.
pub async fn put(ctx: &Ctx, admin: &Principal, input: &ConfigInput) -> Result<ConfigVersion> {
    admin.require(&[AccountKind::Admin])?;
    let mut fields = Fields::new();
    if input.version.is_none() {
        fields.add("version", "is required: the version you changed");
    }
    if input.configuration.is_none() {
        fields.add("configuration", "is required");
    }
    fields.finish()?;
    let (Some(seen), Some(configuration)) = (input.version, input.configuration.clone()) else {
        return Err(Error::field("configuration", "is required"));
    };
    configuration.validate(&ctx.settings)?;
    let now_stored = get(ctx, admin).await?;
    if now_stored.version != seen {
        return Err(Error::Conflict(format!(
            "the configuration was changed meanwhile (it is at version {}); reload it",
            now_stored.version
        )));
    }
    let changed = changed_fields(&now_stored.configuration, &configuration);
    if changed.is_empty() {
        return Ok(now_stored);
    }
    let next = ConfigVersion {
        version: seen + 1,
        configuration,
        changed_by: Some(admin.account.full_name()),
        changed_at: Some(ctx.now()),
        changed,
    };
    let item = to_item(&current_key(), &next)?;
    let condition = if seen == 0 {
        Condition::NotExists
    } else {
        Condition::version_is(seen)
    };
    let writes = vec![
        Write::put_if(item, condition),
        Write::put_new(to_item(&version_key(next.version), &next)?),
        crate::audit::entry(
            ctx,
            admin,
            "config.change",
            &format!("version {}", next.version),
            Some(&next.changed.join(", ")),
        )?,
    ];
    match ctx.table.transact(writes).await {
        Ok(()) => Ok(next),
        Err(TableError::ConditionFailed { .. }) => Err(Error::Conflict(
            "the configuration was changed meanwhile; reload it".to_owned(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The top-level fields that differ.
fn changed_fields(before: &Configuration, after: &Configuration) -> Vec<String> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return Vec::new();
    };
    b.iter()
        .filter(|(k, v)| a.get(*k) != Some(v))
        .map(|(k, _)| k.clone())
        .collect()
}
