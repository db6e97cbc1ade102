//! The address book (billing and delivery addresses used at checkout).

use serde::{Deserialize, Serialize};

use super::sessions::Principal;
use crate::ctx::Ctx;
use crate::error::{Error, Fields, Result};
use crate::items::{from_item, to_item};
use crate::keys;
use crate::ports::{Condition, Query, SortCondition, TableError};
use crate::secrets;
use crate::values::{PersonName, short_text};

/// The most addresses one account keeps.
pub const MAX_ADDRESSES: usize = 20;

#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct AddressInput {
    /// A name for the address ("Home", "Office").
    pub label: Option<String>,
    /// Who the post is for.
    pub recipient: Option<String>,
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postcode: Option<String>,
    /// ISO 3166-1 alpha-2 country code, e.g. `GB`.
    pub country: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Address {
    pub id: String,
    pub label: Option<String>,
    pub recipient: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postcode: Option<String>,
    pub country: String,
}

impl Address {
    fn parse(id: String, input: &AddressInput) -> Result<Self> {
        let mut f = Fields::new();
        let text = |max| move |s: &str| short_text(s, max);
        let label = f.optional("label", input.label.as_deref(), text(50));
        let recipient = f.required("recipient", input.recipient.as_deref(), |r| {
            PersonName::parse(r).map(String::from)
        });
        let line1 = f.required("line1", input.line1.as_deref(), text(100));
        let line2 = f.optional("line2", input.line2.as_deref(), text(100));
        let city = f.required("city", input.city.as_deref(), text(100));
        let region = f.optional("region", input.region.as_deref(), text(100));
        let country = f.required(
            "country",
            input.country.as_deref(),
            crate::values::country_code,
        );
        let postcode = f.optional("postcode", input.postcode.as_deref(), |p| {
            let p = p.trim().to_uppercase();
            if p.len() <= 12
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
            {
                Ok(p)
            } else {
                Err("must be a postcode of letters, digits, spaces or dashes")
            }
        });
        if country.as_deref() == Some("GB") && matches!(postcode, Some(None)) {
            f.add("postcode", "is required for UK addresses");
        }
        match (
            label, recipient, line1, line2, city, region, postcode, country,
        ) {
            (
                Some(label),
                Some(recipient),
                Some(line1),
                Some(line2),
                Some(city),
                Some(region),
                Some(postcode),
                Some(country),
            ) if f.is_empty() => Ok(Self {
                id,
                label,
                recipient,
                line1,
                line2,
                city,
                region,
                postcode,
                country,
            }),
            _ => Err(f.into_error()),
        }
    }
}

pub async fn list(ctx: &Ctx, principal: &Principal) -> Result<Vec<Address>> {
    list_of(ctx, principal.user_id()).await
}

/// The address book of `user_id` (for its owner, or an administrator ordering for them).
pub(crate) async fn list_of(ctx: &Ctx, user_id: &str) -> Result<Vec<Address>> {
    let query = Query::partition(keys::user_partition(user_id))
        .sort(SortCondition::BeginsWith(keys::ADDRESS_PREFIX.to_owned()))
        .limit(u32::try_from(MAX_ADDRESSES).unwrap_or(20));
    ctx.table
        .query(&query)
        .await?
        .items
        .into_iter()
        .map(from_item)
        .collect()
}

pub async fn create(ctx: &Ctx, principal: &Principal, input: &AddressInput) -> Result<Address> {
    let address = Address::parse(secrets::new_id(ctx.random.as_ref()), input)?;
    if list(ctx, principal).await?.len() >= MAX_ADDRESSES {
        return Err(Error::Conflict(format!(
            "an address book holds at most {MAX_ADDRESSES} addresses; remove one first"
        )));
    }
    let key = keys::address(principal.user_id(), &address.id);
    ctx.table
        .put(to_item(&key, &address)?, Condition::NotExists)
        .await?;
    Ok(address)
}

/// Replaces one of the person's own addresses; anyone else's is "not found".
pub async fn replace(
    ctx: &Ctx,
    principal: &Principal,
    id: &str,
    input: &AddressInput,
) -> Result<Address> {
    if !secrets::is_id(id) {
        return Err(Error::NotFound);
    }
    let address = Address::parse(id.to_owned(), input)?;
    let key = keys::address(principal.user_id(), id);
    match ctx
        .table
        .put(to_item(&key, &address)?, Condition::Exists)
        .await
    {
        Ok(()) => Ok(address),
        Err(TableError::ConditionFailed { .. }) => Err(Error::NotFound),
        Err(e) => Err(e.into()),
    }
}

pub async fn remove(ctx: &Ctx, principal: &Principal, id: &str) -> Result<()> {
    if !secrets::is_id(id) {
        return Err(Error::NotFound);
    }
    match ctx
        .table
        .delete(keys::address(principal.user_id(), id), Condition::Exists)
        .await
    {
        Ok(()) => Ok(()),
        Err(TableError::ConditionFailed { .. }) => Err(Error::NotFound),
        Err(e) => Err(e.into()),
    }
}
