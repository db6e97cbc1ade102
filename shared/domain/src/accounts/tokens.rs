//! Single-use, expiring link tokens (e-mail verification, password reset, a centre's approval,
//! cancelling an e-mail change, a learner's one-time code). The link carries 256 random bits;
//! the table keeps only their SHA-256. A spent token is kept (marked used) until it expires from
//! the table, so a second click gets "already used", not "not valid".

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::model::Account;
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::items::{expiring, from_item, to_item};
use crate::keys;
use crate::ports::{Condition, Key, Write};
use crate::secrets;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
    /// Confirms a new e-mail address for an existing account.
    ChangeEmail,
    /// Sent to the old address: undoes an e-mail change, before or after it is confirmed.
    CancelEmailChange,
    /// Sent to a centre's central address: approves or declines a centre user's registration.
    CentreApproval,
    /// Given to a learner whose record holds another address: goes with the code sent there.
    RecordCode,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Token {
    pub purpose: Purpose,
    pub user_id: String,
    /// The account version the link was issued for (a newer registration voids it).
    #[serde(default)]
    pub account_version: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub used: bool,
    /// For [`Purpose::ChangeEmail`] and [`Purpose::CancelEmailChange`]: the new address.
    #[serde(default)]
    pub new_email: Option<String>,
    /// For [`Purpose::CancelEmailChange`]: the address before the change.
    #[serde(default)]
    pub old_email: Option<String>,
    /// For [`Purpose::ResetPassword`]: the account's credential generation it was issued in (a
    /// later reset link, password change or e-mail change moves it on, and voids this one).
    #[serde(default)]
    pub generation: Option<i64>,
    /// For [`Purpose::RecordCode`]: the SHA-256 of the account id and the code sent.
    #[serde(default)]
    pub code_hash: Option<String>,
    /// For [`Purpose::RecordCode`]: wrong codes so far.
    #[serde(default)]
    pub tries: i64,
}

impl Token {
    /// A fresh, unspent token for `account` (its version at issue), valid from now.
    pub fn new(ctx: &Ctx, purpose: Purpose, account: &Account, valid_for: Duration) -> Self {
        Self {
            purpose,
            user_id: account.id.clone(),
            account_version: Some(account.version),
            expires_at: ctx.now() + valid_for,
            used: false,
            new_email: None,
            old_email: None,
            generation: None,
            code_hash: None,
            tries: 0,
        }
    }
}

/// How long spent and expired tokens stay readable, to tell the person what happened.
const KEEP_AFTER_EXPIRY: Duration = Duration::days(7);

/// Adds the token's item to `writes` and returns the secret for the link.
pub fn issue(
    ctx: &Ctx,
    purpose: Purpose,
    account: &Account,
    valid_for: Duration,
    writes: &mut Vec<Write>,
) -> Result<String> {
    issue_with(ctx, purpose, account, valid_for, None, writes)
}

/// As [`issue`], carrying the new address of an e-mail change.
pub fn issue_with(
    ctx: &Ctx,
    purpose: Purpose,
    account: &Account,
    valid_for: Duration,
    new_email: Option<String>,
    writes: &mut Vec<Write>,
) -> Result<String> {
    let token = Token {
        new_email,
        ..Token::new(ctx, purpose, account, valid_for)
    };
    issue_token(ctx, &token, writes)
}

/// Adds this token's item to `writes` and returns the secret for the link.
pub fn issue_token(ctx: &Ctx, token: &Token, writes: &mut Vec<Write>) -> Result<String> {
    let secret = secrets::new_token(ctx.random.as_ref());
    let item = expiring(
        to_item(&keys::token(&secrets::token_hash(&secret)), token)?,
        token.expires_at + KEEP_AFTER_EXPIRY,
    );
    writes.push(Write::put_new(item));
    Ok(secret)
}

/// The write that stores a token changed in place (a wrong code counted), unless another
/// request spent it or counted a try first.
pub fn update(key: &Key, before: &Token, after: &Token) -> Result<Write> {
    let item = expiring(to_item(key, after)?, after.expires_at + KEEP_AFTER_EXPIRY);
    Ok(Write::put_if(
        item,
        Condition::All(vec![
            Condition::equals("used", false),
            Condition::equals("tries", before.tries),
        ]),
    ))
}

/// Finds an unspent, unexpired token of this purpose, or says clearly what is wrong with it.
pub async fn redeem(ctx: &Ctx, raw: Option<&str>, purpose: Purpose) -> Result<(Key, Token)> {
    redeem_any(ctx, raw, &[purpose]).await
}

/// As [`redeem`], for a token of any of these purposes.
pub async fn redeem_any(
    ctx: &Ctx,
    raw: Option<&str>,
    purposes: &[Purpose],
) -> Result<(Key, Token)> {
    let raw = raw
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::field("token", "is required"))?;
    if !secrets::looks_like_token(raw) {
        return Err(not_valid());
    }
    let key = keys::token(&secrets::token_hash(raw));
    let item = ctx.table.get(&key).await?.ok_or_else(not_valid)?;
    let token: Token = from_item(item)?;
    if !purposes.contains(&token.purpose) {
        Err(not_valid())
    } else if token.used {
        Err(used())
    } else if token.expires_at <= ctx.now() {
        Err(expired())
    } else {
        Ok((key, token))
    }
}

/// The write that spends the token; it fails if another request spent it first.
pub fn spend(key: &Key, token: &Token) -> Result<Write> {
    let spent = Token {
        used: true,
        ..token.clone()
    };
    let item = expiring(to_item(key, &spent)?, token.expires_at + KEEP_AFTER_EXPIRY);
    Ok(Write::put_if(item, Condition::equals("used", false)))
}

pub fn not_valid() -> Error {
    Error::field(
        "token",
        "This link is not valid. Check that you copied all of it, or ask for a new one.",
    )
}

pub fn used() -> Error {
    Error::field(
        "token",
        "This link has already been used. Sign in, or ask for a new link.",
    )
}

/// A reset link voided by a later one, or by a password or e-mail change since.
pub fn superseded() -> Error {
    Error::field(
        "token",
        "This link no longer works: a newer link was sent, or the password or e-mail address changed since. Ask for a new one.",
    )
}

pub fn expired() -> Error {
    Error::field("token", "This link has expired. Ask for a new one.")
}
