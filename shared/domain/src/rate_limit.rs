//! Fixed-window attempt counters in the table, expiring on their own.

use sha2::{Digest, Sha256};

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::keys;
use crate::settings::Limit;

/// Counts one attempt of `action` by `who` (an address or an e-mail; only its hash is stored)
/// and says whether it is within the limit.
pub async fn within(ctx: &Ctx, action: &str, who: &str, limit: Limit) -> Result<bool> {
    Ok(hit(ctx, action, who, limit.window).await? <= limit.n)
}

/// Counts one attempt and returns how many this window has seen.
pub async fn hit(ctx: &Ctx, action: &str, who: &str, window: time::Duration) -> Result<i64> {
    let now = ctx.now().unix_timestamp();
    let window = window.whole_seconds().max(1);
    let start = now - now.rem_euclid(window);
    let key = keys::rate(action, &scope(who), start);
    Ok(ctx
        .table
        .increment(&key, "n", 1, Some(start + window + 60))
        .await?)
}

/// As [`within`], failing with 429 (and when to retry) past the limit.
pub async fn enforce(ctx: &Ctx, action: &str, who: &str, limit: Limit) -> Result<()> {
    if within(ctx, action, who, limit).await? {
        Ok(())
    } else {
        let now = ctx.now().unix_timestamp();
        let window = limit.window.whole_seconds().max(1);
        let retry_after_secs = u64::try_from(window - now.rem_euclid(window)).unwrap_or(1);
        Err(Error::RateLimited { retry_after_secs })
    }
}

/// How many attempts of `action` by `who` this window has seen, without counting one, and the
/// seconds until the window ends.
pub async fn seen(
    ctx: &Ctx,
    action: &str,
    who: &str,
    window: time::Duration,
) -> Result<(i64, u64)> {
    let now = ctx.now().unix_timestamp();
    let window = window.whole_seconds().max(1);
    let start = now - now.rem_euclid(window);
    let key = keys::rate(action, &scope(who), start);
    let n = ctx
        .table
        .get(&key)
        .await?
        .and_then(|item| item.get("n").and_then(serde_json::Value::as_i64))
        .unwrap_or(0);
    Ok((n, u64::try_from(start + window - now).unwrap_or(1).max(1)))
}

fn scope(who: &str) -> String {
    hex::encode(&Sha256::digest(who.to_lowercase().as_bytes())[..16])
}
