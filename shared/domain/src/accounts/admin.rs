//! Administration of accounts: pending registrations (ADM-1), finding, locking and unlocking
//! accounts and their sign-in activity (ADM-2).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::model::{Account, AccountKind, AccountStatus, Profile};
use super::sessions::{Principal, SignIn};
use crate::audit;
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::items::from_item;
use crate::keys;
use crate::messages;
use crate::outbox;
use crate::ports::table::GSI1;
use crate::ports::{Condition, Query, SortCondition, TableError, Write};
use crate::records::{self, CentreRecord, LearnerRecord};
use crate::secrets;
use crate::values::{CentreNumber, EnrolmentNumber, short_text};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Paged<T> {
    /// The same page with each item turned into what the caller shows.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

impl<T: serde::de::DeserializeOwned> Paged<T> {
    /// One page of `query`, each item read as a `T`; a cursor the list did not give out is bad
    /// input naming `cursor`.
    pub async fn of(ctx: &Ctx, query: &Query) -> Result<Self> {
        let page = ctx.table.query(query).await.map_err(bad_cursor)?;
        Ok(Self {
            items: page
                .items
                .into_iter()
                .map(from_item)
                .collect::<Result<_>>()?,
            next_cursor: page.next_cursor,
        })
    }
}

/// A registration waiting for review, beside the records closest to it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PendingRegistration {
    pub account: Profile,
    pub closest_learner_records: Vec<LearnerRecord>,
    pub closest_centre_records: Vec<CentreRecord>,
}

fn admin_only(principal: &Principal) -> Result<()> {
    principal.require(&[AccountKind::Admin])
}

/// Pending registrations, oldest first.
pub async fn pending(
    ctx: &Ctx,
    principal: &Principal,
    cursor: Option<String>,
    limit: u32,
) -> Result<Paged<PendingRegistration>> {
    admin_only(principal)?;
    let page = ctx
        .table
        .query(&Query::partition(keys::REVIEWS).limit(limit).after(cursor))
        .await
        .map_err(bad_cursor)?;
    let mut items = Vec::with_capacity(page.items.len());
    for item in page.items {
        let Some(user_id) = item.get("user_id").and_then(|v| v.as_str()) else {
            continue;
        };
        let Some(account) = super::load(ctx, user_id).await? else {
            continue;
        };
        let (closest_learner_records, closest_centre_records) = match account.kind {
            AccountKind::Learner => (records::closest_learners(ctx, &account).await?, Vec::new()),
            AccountKind::Centre => (Vec::new(), records::closest_centres(ctx, &account).await?),
            AccountKind::ThirdParty | AccountKind::Admin => (Vec::new(), Vec::new()),
        };
        items.push(PendingRegistration {
            account: account.profile(),
            closest_learner_records,
            closest_centre_records,
        });
    }
    Ok(Paged {
        items,
        next_cursor: page.next_cursor,
    })
}

fn bad_cursor(e: TableError) -> Error {
    match e {
        TableError::Invalid(_) => Error::field("cursor", "is not a cursor this list gave out"),
        other => other.into(),
    }
}

#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct ApproveInput {
    /// For a learner: the enrolment number of the record to link the account to.
    pub enrolment_number: Option<String>,
    /// For a centre user: the centre number of the record to link the account to.
    pub centre_number: Option<String>,
}

async fn pending_account(ctx: &Ctx, user_id: &str) -> Result<Account> {
    if !secrets::is_id(user_id) {
        return Err(Error::NotFound);
    }
    let account = super::load(ctx, user_id).await?.ok_or(Error::NotFound)?;
    if account.status != AccountStatus::PendingReview {
        return Err(Error::Conflict(format!(
            "the registration is {}, not pending review",
            account.status.as_str()
        )));
    }
    Ok(account)
}

/// Approves, linking the account to the record the administrator chose; e-mails the person.
pub async fn approve(
    ctx: &Ctx,
    principal: &Principal,
    user_id: &str,
    input: &ApproveInput,
) -> Result<Profile> {
    admin_only(principal)?;
    let account = pending_account(ctx, user_id).await?;
    let mut updated = account.clone();
    let mut link = None;
    let record_check = match account.kind {
        AccountKind::Learner => {
            let raw = input
                .enrolment_number
                .as_deref()
                .ok_or_else(|| Error::field("enrolment_number", "is required to link a learner"))?;
            let number =
                EnrolmentNumber::parse(raw).map_err(|m| Error::field("enrolment_number", m))?;
            let record = records::learner(ctx, number.as_str())
                .await?
                .ok_or_else(|| Error::field("enrolment_number", "has no learner record"))?;
            updated.first_name = record.first_name.clone();
            updated.last_name = record.last_name.clone();
            updated.date_of_birth = Some(record.date_of_birth);
            updated.enrolment_number = Some(number.clone());
            updated.linked_record = Some(number.to_string());
            if ctx
                .table
                .get(&keys::learner_link(number.as_str()))
                .await?
                .is_some()
            {
                return Err(Error::field(
                    "enrolment_number",
                    "is already linked to another account",
                ));
            }
            link = Some(super::registration::link_learner(
                number.as_str(),
                &account.id,
            )?);
            keys::learner_record(number.as_str())
        }
        AccountKind::Centre => {
            let raw = input.centre_number.as_deref().ok_or_else(|| {
                Error::field("centre_number", "is required to link a centre user")
            })?;
            let number = CentreNumber::parse(raw).map_err(|m| Error::field("centre_number", m))?;
            let record = records::centre(ctx, number.as_str())
                .await?
                .ok_or_else(|| Error::field("centre_number", "has no centre record"))?;
            updated.centre_number = Some(number.clone());
            updated.centre_name = Some(record.name);
            updated.linked_record = Some(number.to_string());
            keys::centre_record(number.as_str())
        }
        AccountKind::ThirdParty | AccountKind::Admin => {
            return Err(Error::Conflict(
                "only learners and centre users are reviewed".to_owned(),
            ));
        }
    };
    updated.status = AccountStatus::Active;
    updated.review_since = None;
    updated.version += 1;
    let mut writes = vec![
        Write::put_if(updated.to_item()?, Condition::version_is(account.version)),
        Write::check(record_check, Condition::Exists),
        outbox::enqueue(
            ctx,
            messages::registration_approved(
                &ctx.settings,
                updated.first_name.as_str(),
                &ctx.settings.link("/login"),
            ),
            updated.email.as_str(),
        )?,
    ];
    if let Some(since) = &account.review_since {
        writes.push(Write::delete(keys::review(since, &account.id)));
    }
    writes.extend(link);
    writes.push(audit::entry(
        ctx,
        principal,
        "registration.approve",
        &account.id,
        updated.linked_record.as_deref(),
    )?);
    decided(ctx.table.transact(writes).await)?;
    Ok(updated.profile())
}

#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct RejectInput {
    /// Told to the person in the e-mail.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 500, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub reason: Option<String>,
}

/// Rejects and e-mails the person why. The e-mail address is released, so the person can
/// register again with the right details.
pub async fn reject(
    ctx: &Ctx,
    principal: &Principal,
    user_id: &str,
    input: &RejectInput,
) -> Result<Profile> {
    admin_only(principal)?;
    let reason = match input.reason.as_deref() {
        None => return Err(Error::field("reason", "is required")),
        Some(raw) => short_text(raw, 500).map_err(|m| Error::field("reason", m))?,
    };
    let account = pending_account(ctx, user_id).await?;
    let mut updated = account.clone();
    updated.status = AccountStatus::Rejected;
    updated.review_since = None;
    updated.version += 1;
    let mut writes = vec![
        Write::put_if(updated.to_item()?, Condition::version_is(account.version)),
        Write::delete_if(
            keys::email_guard(account.email.as_str()),
            Condition::equals("user_id", account.id.as_str()),
        ),
        outbox::enqueue(
            ctx,
            messages::registration_rejected(&ctx.settings, account.first_name.as_str(), &reason),
            account.email.as_str(),
        )?,
    ];
    if let Some(since) = &account.review_since {
        writes.push(Write::delete(keys::review(since, &account.id)));
    }
    writes.push(audit::entry(
        ctx,
        principal,
        "registration.reject",
        &account.id,
        Some(&reason),
    )?);
    decided(ctx.table.transact(writes).await)?;
    Ok(updated.profile())
}

fn decided(result: std::result::Result<(), TableError>) -> Result<()> {
    match result {
        Ok(()) => Ok(()),
        Err(TableError::ConditionFailed { index: 1 }) => Err(Error::Conflict(
            "the record or the account changed meanwhile; reload and try again".to_owned(),
        )),
        Err(TableError::ConditionFailed { .. } | TableError::Conflict) => Err(Error::Conflict(
            "another administrator decided on this registration meanwhile".to_owned(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// An account as administrators see it in lists.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AccountSummary {
    #[serde(flatten)]
    pub profile: Profile,
    /// Sign-in is paused after wrong attempts (false again once the pause runs out).
    pub locked: bool,
    /// When the pause ends, if one is in force and its end is known.
    #[serde(with = "time::serde::rfc3339::option")]
    pub locked_until: Option<OffsetDateTime>,
    pub admin_locked: bool,
    pub failed_logins: i64,
}

impl AccountSummary {
    /// The account as it stands at `now`.
    fn at(account: &Account, now: OffsetDateTime) -> Self {
        let locked = account.is_paused(now);
        Self {
            profile: account.profile(),
            locked,
            locked_until: account.locked_until.filter(|_| locked),
            admin_locked: account.admin_locked,
            failed_logins: account.failed_logins,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AccountDetail {
    #[serde(flatten)]
    pub summary: AccountSummary,
    /// The most recent sign-in attempts, newest first.
    pub recent_sign_ins: Vec<SignIn>,
    /// The address book, to order on the person's behalf.
    pub addresses: Vec<super::addresses::Address>,
    /// Whether two-step sign-in is set up (an administrator can reset it).
    pub second_factor: bool,
}

/// Accounts whose e-mail starts with `q` (at least one character), in e-mail order.
pub async fn find(
    ctx: &Ctx,
    principal: &Principal,
    q: &str,
    cursor: Option<String>,
    limit: u32,
) -> Result<Paged<AccountSummary>> {
    admin_only(principal)?;
    let q = q.trim().to_lowercase();
    if q.is_empty() || q.len() > 254 {
        return Err(Error::field("q", "type the start of an e-mail address"));
    }
    let query = Query::index(GSI1, keys::accounts_index(&q))
        .sort(SortCondition::BeginsWith(q))
        .limit(limit)
        .after(cursor);
    Ok(Paged::<Account>::of(ctx, &query)
        .await?
        .map(|a| AccountSummary::at(&a, ctx.now())))
}

pub async fn detail(ctx: &Ctx, principal: &Principal, user_id: &str) -> Result<AccountDetail> {
    admin_only(principal)?;
    let account = load_any(ctx, user_id).await?;
    let recent = Query::partition(keys::user_partition(user_id))
        .sort(SortCondition::BeginsWith(keys::SIGNIN_PREFIX.to_owned()))
        .descending()
        .limit(20);
    let (recent, addresses, second_factor) = futures::try_join!(
        async { ctx.table.query(&recent).await.map_err(Error::from) },
        super::addresses::list_of(ctx, user_id),
        super::mfa::is_enabled(ctx, user_id)
    )?;
    let recent_sign_ins = recent
        .items
        .into_iter()
        .map(from_item)
        .collect::<Result<_>>()?;
    Ok(AccountDetail {
        summary: AccountSummary::at(&account, ctx.now()),
        recent_sign_ins,
        addresses,
        second_factor,
    })
}

async fn load_any(ctx: &Ctx, user_id: &str) -> Result<Account> {
    if !secrets::is_id(user_id) {
        return Err(Error::NotFound);
    }
    super::load(ctx, user_id).await?.ok_or(Error::NotFound)
}

/// Locks (`true`) or unlocks an account. Locking ends its sessions at their next request;
/// unlocking also clears a lock from wrong passwords.
pub async fn set_lock(
    ctx: &Ctx,
    principal: &Principal,
    user_id: &str,
    lock: bool,
) -> Result<AccountSummary> {
    admin_only(principal)?;
    if lock && user_id == principal.user_id() {
        return Err(Error::Conflict(
            "you cannot lock your own account".to_owned(),
        ));
    }
    let account = load_any(ctx, user_id).await?;
    let mut updated = account.clone();
    updated.admin_locked = lock;
    if !lock {
        updated.clear_pause();
    }
    updated.version += 1;
    let action = if lock {
        "account.lock"
    } else {
        "account.unlock"
    };
    match ctx
        .table
        .transact(vec![
            Write::put_if(updated.to_item()?, Condition::version_is(account.version)),
            audit::entry(ctx, principal, action, &account.id, None)?,
        ])
        .await
    {
        Ok(()) => Ok(AccountSummary::at(&updated, ctx.now())),
        Err(TableError::ConditionFailed { .. } | TableError::Conflict) => Err(Error::Conflict(
            "the account changed meanwhile; try again".to_owned(),
        )),
        Err(e) => Err(e.into()),
    }
}
