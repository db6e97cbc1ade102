//! Fixed-window attempt counters in the table, expiring on their own.

use std::net::{IpAddr, Ipv6Addr};

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
    let who = match who.parse::<IpAddr>() {
        Ok(address) => client_network(address).to_string(),
        Err(_) => who.to_lowercase(),
    };
    hex::encode(&Sha256::digest(who.as_bytes())[..16])
}

/// The network an address is counted as: one IPv6 subscriber is handed a whole /64, so
/// counting single IPv6 addresses would give each client 2^64 fresh allowances. IPv4-mapped
/// IPv6 addresses count as the IPv4 address they carry.
fn client_network(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(v6.to_bits() & !u128::from(u64::MAX))),
        v4 @ IpAddr::V4(_) => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_count_by_their_64() {
        assert_eq!(
            scope("2001:db8:1:2::1"),
            scope("2001:db8:1:2:ffff:abcd:1:2")
        );
        assert_ne!(scope("2001:db8:1:2::1"), scope("2001:db8:1:3::1"));
    }

    #[test]
    fn ipv4_mapped_addresses_count_as_ipv4() {
        assert_eq!(scope("::ffff:192.0.2.7"), scope("192.0.2.7"));
        assert_ne!(scope("192.0.2.7"), scope("192.0.2.8"));
    }

    #[test]
    fn e_mail_addresses_count_regardless_of_case() {
        assert_eq!(scope("Ann@Example.org"), scope("ann@example.org"));
    }
}
