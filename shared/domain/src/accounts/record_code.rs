//! A learner's one-time code (ACC-1): when the learner record a registration matches holds
//! another e-mail address, a six-digit code goes there, and entering it links the record. The
//! code is kept only as a hash, works for an hour and allows [`MAX_TRIES`] wrong tries; until it
//! is entered the registration also waits in the administrators' review list.

use serde::Deserialize;

use super::model::{Account, AccountStatus};
use super::registration::{RECORD_CODE_VALID, Verified};
use super::tokens::{self, Purpose, Token};
use crate::ctx::Ctx;
use crate::error::{Error, Fields, Result};
use crate::items::from_item;
use crate::keys;
use crate::ports::{Condition, TableError, Write};
use crate::records::{self, Claim};
use crate::secrets;

/// Wrong codes allowed before the code stops working (the registration stays in review).
pub const MAX_TRIES: i64 = 5;

/// Adds a code for `account` to `writes`; returns the token the page sends back with it, and
/// the code for the e-mail to the record's address.
pub(super) fn issue(
    ctx: &Ctx,
    account: &Account,
    writes: &mut Vec<Write>,
) -> Result<(String, String)> {
    let mut bytes = [0_u8; 8];
    ctx.random.fill(&mut bytes);
    let code = format!("{:06}", u64::from_le_bytes(bytes) % 1_000_000);
    let token = Token {
        code_hash: Some(code_hash(&account.id, &code)),
        ..Token::new(ctx, Purpose::RecordCode, account, RECORD_CODE_VALID)
    };
    Ok((tokens::issue_token(ctx, &token, writes)?, code))
}

fn code_hash(user_id: &str, code: &str) -> String {
    secrets::token_hash(&format!("{user_id}:{code}"))
}

#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct RecordCodeInput {
    /// The `code_token` verify-email answered.
    pub token: Option<String>,
    /// The six digits e-mailed to the address the learner record holds.
    pub code: Option<String>,
}

fn parse_code(raw: &str) -> Result<String, &'static str> {
    let code: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) {
        Ok(code)
    } else {
        Err("must be the 6 digits from the e-mail")
    }
}

fn code_error(message: &str) -> Error {
    Error::field("code", message)
}

const TO_REVIEW: &str = "An administrator will check your registration instead, and e-mail you.";

/// Links the record when the code is right: the account is active at once.
pub async fn confirm(ctx: &Ctx, input: &RecordCodeInput) -> Result<Verified> {
    let mut f = Fields::new();
    let raw_token = f.required("token", input.token.as_deref(), |t| {
        Ok::<_, &str>(t.trim().to_owned())
    });
    let code = f.required("code", input.code.as_deref(), parse_code);
    let (Some(raw_token), Some(code)) = (raw_token, code) else {
        return Err(f.into_error());
    };
    if !secrets::looks_like_token(&raw_token) {
        return Err(tokens::not_valid());
    }
    let key = keys::token(&secrets::token_hash(&raw_token));
    let token: Token = match ctx.table.get(&key).await? {
        Some(item) => from_item(item)?,
        None => return Err(tokens::not_valid()),
    };
    if token.purpose != Purpose::RecordCode {
        return Err(tokens::not_valid());
    }
    if token.used {
        return Err(code_error("has already been used. Sign in."));
    }
    if token.expires_at <= ctx.now() {
        return Err(code_error(&format!("has expired. {TO_REVIEW}")));
    }
    if token.tries >= MAX_TRIES {
        return Err(code_error(&format!(
            "was wrong too many times. {TO_REVIEW}"
        )));
    }
    let account = super::load(ctx, &token.user_id)
        .await?
        .ok_or_else(tokens::not_valid)?;
    if account.status != AccountStatus::PendingReview
        || token.account_version != Some(account.version)
    {
        return Err(Error::Conflict(
            "your registration has been decided meanwhile; see the e-mail we sent you".to_owned(),
        ));
    }
    let right = token
        .code_hash
        .as_deref()
        .is_some_and(|stored| secrets::same_secret(stored, &code_hash(&account.id, &code)));
    if !right {
        let counted = Token {
            tries: token.tries + 1,
            ..token.clone()
        };
        match ctx
            .table
            .transact(vec![tokens::update(&key, &token, &counted)?])
            .await
        {
            Ok(()) | Err(TableError::ConditionFailed { .. } | TableError::Conflict) => {}
            Err(e) => return Err(e.into()),
        }
        let left = MAX_TRIES - counted.tries;
        return Err(code_error(&if left > 0 {
            format!("is not the code we sent. {left} more tries.")
        } else {
            format!("was wrong too many times. {TO_REVIEW}")
        }));
    }
    // The record must still match and still hold another address.
    let record = match records::match_learner(ctx, &account).await? {
        Some(r) if matches!(records::claim(&r, &account.email), Claim::CodeTo(_)) => r,
        _ => {
            return Err(Error::Conflict(format!(
                "the learner record changed meanwhile. {TO_REVIEW}"
            )));
        }
    };
    let number = record.enrolment_number.to_string();
    let mut updated = account.clone();
    updated.status = AccountStatus::Active;
    updated.linked_record = Some(number.clone());
    updated.review_since = None;
    updated.version += 1;
    let mut writes = vec![
        tokens::spend(&key, &token)?,
        super::registration::link_learner(&number, &account.id)?,
        Write::put_if(updated.to_item()?, Condition::version_is(account.version)),
        crate::audit::entry_by(
            ctx,
            &updated,
            "registration.matched",
            &account.id,
            Some("by the one-time code sent to the learner record's address"),
        )?,
    ];
    if let Some(since) = &account.review_since {
        writes.push(Write::delete(keys::review(since, &account.id)));
    }
    match ctx.table.transact(writes).await {
        Ok(()) => Ok(Verified::status(AccountStatus::Active)),
        Err(TableError::ConditionFailed { index: 1 }) => Err(Error::Conflict(format!(
            "this learner record is linked to another account. {TO_REVIEW}"
        ))),
        Err(TableError::ConditionFailed { .. } | TableError::Conflict) => {
            Err(code_error("has already been used. Sign in."))
        }
        Err(e) => Err(e.into()),
    }
}
