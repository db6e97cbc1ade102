//! Registering (ACC-1..3) and following the verification link.

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use super::model::{Account, AccountKind, AccountStatus};
use super::tokens::{self, Purpose};
use crate::ctx::Ctx;
use crate::error::{Fields, Result};
use crate::items::sortable;
use crate::keys;
use crate::messages;
use crate::outbox;
use crate::ports::{Condition, TableError, Write};
use crate::rate_limit;
use crate::records::{self, Claim};
use crate::secrets::{self, Password};
use crate::values::{
    CentreNumber, EmailAddress, EnrolmentNumber, PersonName, Phone, parse_date_of_birth, short_text,
};

/// What a registration form sends; every field is checked by [`Registration::parse`].
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct RegisterInput {
    /// `learner`, `third_party` or `centre`.
    pub kind: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Learners: `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    /// Learners: the enrolment (candidate) number on their documents.
    pub enrolment_number: Option<String>,
    /// Centre users: the centre's number.
    pub centre_number: Option<String>,
    /// Centre users: the centre's name.
    pub centre_name: Option<String>,
    /// Third parties: the organisation they work for.
    pub company: Option<String>,
    pub phone: Option<String>,
}

/// The details that differ by kind of account.
#[derive(Debug)]
pub enum KindDetails {
    Learner {
        date_of_birth: Date,
        enrolment_number: EnrolmentNumber,
    },
    ThirdParty {
        company: String,
    },
    Centre {
        centre_number: CentreNumber,
        centre_name: String,
    },
}

#[derive(Debug)]
pub struct Registration {
    pub email: EmailAddress,
    pub password: Password,
    pub first_name: PersonName,
    pub last_name: PersonName,
    pub phone: Option<Phone>,
    pub details: KindDetails,
}

impl Registration {
    pub fn parse(input: &RegisterInput, today: Date) -> Result<Self> {
        let mut f = Fields::new();
        let kind = f.required("kind", input.kind.as_deref(), |k| match k {
            "learner" => Ok(AccountKind::Learner),
            "third_party" => Ok(AccountKind::ThirdParty),
            "centre" => Ok(AccountKind::Centre),
            _ => Err("must be learner, third_party or centre"),
        });
        let email = f.required("email", input.email.as_deref(), EmailAddress::parse);
        let first_name = f.required("first_name", input.first_name.as_deref(), PersonName::parse);
        let last_name = f.required("last_name", input.last_name.as_deref(), PersonName::parse);
        let names = [
            first_name.as_ref().map_or("", |n| n.as_str()),
            last_name.as_ref().map_or("", |n| n.as_str()),
        ];
        let password = match input.password.as_deref() {
            None | Some("") => {
                f.add("password", "is required");
                None
            }
            Some(raw) => f.take("password", Password::parse(raw, email.as_ref(), &names)),
        };
        let phone = f.optional("phone", input.phone.as_deref(), Phone::parse);
        let details = match kind {
            Some(AccountKind::Learner) => {
                let dob = f.required("date_of_birth", input.date_of_birth.as_deref(), |d| {
                    parse_date_of_birth(d, today)
                });
                let enrolment = f.required(
                    "enrolment_number",
                    input.enrolment_number.as_deref(),
                    EnrolmentNumber::parse,
                );
                dob.zip(enrolment)
                    .map(|(date_of_birth, enrolment_number)| KindDetails::Learner {
                        date_of_birth,
                        enrolment_number,
                    })
            }
            Some(AccountKind::ThirdParty) => f
                .required("company", input.company.as_deref(), |c| short_text(c, 100))
                .map(|company| KindDetails::ThirdParty { company }),
            Some(AccountKind::Centre) => {
                let number = f.required(
                    "centre_number",
                    input.centre_number.as_deref(),
                    CentreNumber::parse,
                );
                let name = f.required("centre_name", input.centre_name.as_deref(), |c| {
                    short_text(c, 100)
                });
                number
                    .zip(name)
                    .map(|(centre_number, centre_name)| KindDetails::Centre {
                        centre_number,
                        centre_name,
                    })
            }
            Some(AccountKind::Admin) | None => None,
        };
        match (email, password, first_name, last_name, phone, details) {
            (
                Some(email),
                Some(password),
                Some(first_name),
                Some(last_name),
                Some(phone),
                Some(details),
            ) if f.is_empty() => Ok(Self {
                email,
                password,
                first_name,
                last_name,
                phone,
                details,
            }),
            _ => Err(f.into_error()),
        }
    }
}

/// Registers, answering the same whether or not the address already has an account: a new
/// address gets a verification link; an address with an unconfirmed registration gets a new
/// link to that registration (which stays as it was: a second registration must not replace
/// its password); a confirmed address gets an e-mail saying somebody tried to register with it.
pub async fn register(ctx: &Ctx, input: &RegisterInput, client: &str) -> Result<()> {
    rate_limit::enforce(
        ctx,
        "register-ip",
        client,
        ctx.settings.limits.register_per_ip,
    )
    .await?;
    let now = ctx.now();
    let registration = Registration::parse(input, now.date())?;
    // Hash before looking anything up, so both answers take the same time.
    let email = registration.email.clone();
    let password_hash = Password::hash(registration.password, ctx.random.as_ref()).await?;
    if !rate_limit::within(
        ctx,
        "register-email",
        email.as_str(),
        ctx.settings.limits.register_per_email,
    )
    .await?
    {
        return Ok(());
    }
    let mut account = Account {
        id: secrets::new_id(ctx.random.as_ref()),
        kind: AccountKind::Learner,
        status: AccountStatus::Unverified,
        email: email.clone(),
        password_hash,
        first_name: registration.first_name,
        middle_name: None,
        last_name: registration.last_name,
        date_of_birth: None,
        enrolment_number: None,
        centre_number: None,
        centre_name: None,
        company: None,
        phone: registration.phone,
        additional_contact: None,
        third_party_search_opt_in: false,
        linked_record: None,
        failed_logins: 0,
        locked: false,
        locked_until: None,
        admin_locked: false,
        session_generation: 0,
        credential_generation: 0,
        created_at: now,
        verified_at: None,
        pending_email: None,
        review_since: None,
        version: 1,
    };
    match registration.details {
        KindDetails::Learner {
            date_of_birth,
            enrolment_number,
        } => {
            account.date_of_birth = Some(date_of_birth);
            account.enrolment_number = Some(enrolment_number);
        }
        KindDetails::ThirdParty { company } => {
            account.kind = AccountKind::ThirdParty;
            account.company = Some(company);
        }
        KindDetails::Centre {
            centre_number,
            centre_name,
        } => {
            account.kind = AccountKind::Centre;
            account.centre_number = Some(centre_number);
            account.centre_name = Some(centre_name);
        }
    }

    let guard = keys::email_guard(email.as_str());
    let existing = match ctx.table.get(&guard).await? {
        Some(item) => match item.get("user_id").and_then(|v| v.as_str()) {
            Some(user_id) => super::load(ctx, user_id).await?,
            None => None,
        },
        None => None,
    };
    let mut writes = Vec::with_capacity(4);
    match existing {
        None => {
            writes.push(Write::put_new(guard_item(&guard, &account.id)?));
            writes.push(Write::put_new(account.to_item()?));
        }
        Some(previous) if previous.status == AccountStatus::Unverified => {
            // Re-send a link to the registration as it is; this one is dropped.
            verification_link(ctx, &previous, &mut writes)?;
            ctx.table.transact(writes).await?;
            return Ok(());
        }
        Some(owner) => {
            let message = messages::already_registered(
                &ctx.settings,
                owner.first_name.as_str(),
                &ctx.settings.link("/login"),
                &ctx.settings.link("/forgot-password"),
            );
            ctx.table
                .transact(vec![outbox::enqueue(ctx, message, owner.email.as_str())?])
                .await?;
            return Ok(());
        }
    }
    // Marks the registration for removal should it never be confirmed (see `cleanup`).
    let marker = keys::unverified(&sortable(now), &account.id);
    writes.push(Write::put(crate::items::to_item(
        &marker,
        &serde_json::json!({ "user_id": account.id }),
    )?));
    verification_link(ctx, &account, &mut writes)?;
    match ctx.table.transact(writes).await {
        // Somebody registered the same address at the same moment: the answer is the same.
        Ok(()) | Err(TableError::ConditionFailed { .. } | TableError::Conflict) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

fn guard_item(guard: &crate::ports::Key, user_id: &str) -> Result<crate::ports::Item> {
    crate::items::to_item(guard, &serde_json::json!({ "user_id": user_id }))
}

/// The write that links a learner record to its one account (fails if another has it).
pub(super) fn link_learner(enrolment_number: &str, user_id: &str) -> Result<Write> {
    Ok(Write::put_new(crate::items::to_item(
        &keys::learner_link(enrolment_number),
        &serde_json::json!({ "user_id": user_id }),
    )?))
}

pub(super) fn new_guard(account: &Account) -> Result<Write> {
    Ok(Write::put_new(guard_item(
        &keys::email_guard(account.email.as_str()),
        &account.id,
    )?))
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct VerifyInput {
    pub token: Option<String>,
}

/// What following the link did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Verified {
    /// `active` (sign in now) or `pending_review` (waiting: for the code, the centre or an
    /// administrator).
    pub status: AccountStatus,
    /// A learner whose record holds another address: where the code went, masked
    /// (`a***@example.org`).
    pub code_sent_to: Option<String>,
    /// Goes with that code to `POST /api/auth/record-code`.
    pub code_token: Option<String>,
    /// A centre user: the centre's central address was asked to approve them.
    pub centre_asked: bool,
}

impl Verified {
    pub fn status(status: AccountStatus) -> Self {
        Self {
            status,
            code_sent_to: None,
            code_token: None,
            centre_asked: false,
        }
    }
}

/// How long a one-time code sent to a learner record's address works.
pub const RECORD_CODE_VALID: Duration = Duration::hours(1);
/// How long a centre's approval link works.
pub const CENTRE_APPROVAL_VALID: Duration = Duration::days(7);

/// Confirms the address and matches the records. A third party needs no match and is active at
/// once; so is a learner whose record matches and holds this very address. A learner whose
/// matching record holds another address is sent a one-time code there (see [`super::record_code`]);
/// a centre user whose centre number and name match waits for the centre's central address to
/// approve them (see [`super::centre_approval`]). Both are also in the administrators' review
/// list meanwhile, as is everything else, with an e-mail saying so.
pub async fn verify_email(ctx: &Ctx, input: &VerifyInput) -> Result<Verified> {
    let (token_key, token) = tokens::redeem_any(
        ctx,
        input.token.as_deref(),
        &[Purpose::VerifyEmail, Purpose::ChangeEmail],
    )
    .await?;
    let account = super::load(ctx, &token.user_id)
        .await?
        .ok_or_else(tokens::not_valid)?;
    if token.purpose == Purpose::ChangeEmail {
        let status = account.status;
        super::profile::confirm_email(ctx, &token_key, &token, account).await?;
        return Ok(Verified::status(status));
    }
    if account.status != AccountStatus::Unverified || token.account_version != Some(account.version)
    {
        return Err(tokens::used());
    }
    let now = ctx.now();
    let mut updated = account.clone();
    updated.version += 1;
    updated.verified_at = Some(now);
    let mut writes = vec![tokens::spend(&token_key, &token)?];
    let mut answer = Verified::status(AccountStatus::PendingReview);
    // What sends the registration to review, and the e-mail the person gets about it.
    let mut review = Some(messages::pending_review(
        &ctx.settings,
        updated.first_name.as_str(),
    ));
    match account.kind {
        AccountKind::ThirdParty | AccountKind::Admin => review = None,
        AccountKind::Learner => {
            // A learner record already linked to an account is not matched again: the second
            // claimant is reviewed by a person.
            let record = match records::match_learner(ctx, &account).await? {
                Some(r)
                    if ctx
                        .table
                        .get(&keys::learner_link(r.enrolment_number.as_str()))
                        .await?
                        .is_none() =>
                {
                    Some(r)
                }
                _ => None,
            };
            match record.map(|r| (records::claim(&r, &account.email), r)) {
                Some((Claim::SameAddress, record)) => {
                    review = None;
                    let number = record.enrolment_number.to_string();
                    writes.push(link_learner(&number, &account.id)?);
                    updated.linked_record = Some(number);
                }
                Some((Claim::CodeTo(held), record)) => {
                    // Waits in review too, should the code never come back.
                    review = None;
                    let (code_token, code) = super::record_code::issue(ctx, &updated, &mut writes)?;
                    writes.push(outbox::enqueue(
                        ctx,
                        messages::record_code(&ctx.settings, record.first_name.as_str(), &code),
                        held.as_str(),
                    )?);
                    answer.code_sent_to = Some(records::mask_email(&held));
                    answer.code_token = Some(code_token);
                }
                Some((Claim::Review, _)) | None => {}
            }
        }
        AccountKind::Centre => {
            if let Some(centre) = records::match_centre(ctx, &account).await? {
                review = Some(messages::centre_approval_pending(
                    &ctx.settings,
                    updated.first_name.as_str(),
                    &centre.name,
                ));
                super::centre_approval::ask(ctx, &updated, &centre, &mut writes)?;
                answer.centre_asked = true;
            }
        }
    }
    let in_review = review.is_some() || answer.code_token.is_some();
    if in_review {
        updated.status = AccountStatus::PendingReview;
        let since = sortable(now);
        writes.push(Write::put_new(crate::items::to_item(
            &keys::review(&since, &updated.id),
            &serde_json::json!({ "user_id": updated.id }),
        )?));
        updated.review_since = Some(since);
    } else {
        updated.status = AccountStatus::Active;
    }
    if let Some(message) = review {
        writes.push(outbox::enqueue(ctx, message, updated.email.as_str())?);
    }
    writes.push(Write::put_if(
        updated.to_item()?,
        Condition::version_is(account.version),
    ));
    match ctx.table.transact(writes).await {
        Ok(()) => Ok(Verified {
            status: updated.status,
            ..answer
        }),
        Err(TableError::ConditionFailed { .. } | TableError::Conflict) => Err(tokens::used()),
        Err(e) => Err(e.into()),
    }
}

/// How long an unconfirmed registration is kept (its link expires after 24 hours).
pub const KEEP_UNCONFIRMED: Duration = Duration::days(7);

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Cleanup {
    /// Unconfirmed registrations removed (their e-mail addresses are free again).
    pub removed: usize,
    /// Markers of registrations confirmed or replaced since.
    pub settled: usize,
}

/// Removes registrations never confirmed within [`KEEP_UNCONFIRMED`] (SCH-3). Safe to run
/// twice at once: each removal is conditional on the account being unchanged.
pub async fn cleanup(ctx: &Ctx, max: usize) -> Result<Cleanup> {
    let cutoff = sortable(ctx.now() - KEEP_UNCONFIRMED);
    let due = crate::ports::Query::partition(keys::UNVERIFIED)
        .sort(crate::ports::SortCondition::LessOrEqual(format!(
            "{cutoff}~"
        )))
        .limit(100);
    let mut report = Cleanup::default();
    let mut cursor = None;
    loop {
        let page = ctx.table.query(&due.clone().after(cursor.take())).await?;
        for item in page.items {
            let Some(marker) = crate::ports::Key::of(&item) else {
                continue;
            };
            let user_id = item
                .get("user_id")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned();
            let account = super::load(ctx, &user_id).await?;
            let mut writes = vec![Write::delete(marker)];
            match account {
                Some(a)
                    if a.status == AccountStatus::Unverified
                        && a.created_at <= ctx.now() - KEEP_UNCONFIRMED =>
                {
                    writes.push(Write::delete_if(
                        keys::account(&a.id),
                        Condition::version_is(a.version),
                    ));
                    writes.push(Write::delete_if(
                        keys::email_guard(a.email.as_str()),
                        Condition::equals("user_id", a.id.as_str()),
                    ));
                    report.removed += 1;
                }
                _ => report.settled += 1,
            }
            match ctx.table.transact(writes).await {
                Ok(()) | Err(TableError::ConditionFailed { .. } | TableError::Conflict) => {}
                Err(e) => return Err(e.into()),
            }
            if report.removed + report.settled >= max {
                return Ok(report);
            }
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(report),
        }
    }
}

/// A 24-hour e-mail verification link for the account, mailed to its address (the token and the
/// mail join `writes`).
fn verification_link(ctx: &Ctx, account: &Account, writes: &mut Vec<Write>) -> Result<()> {
    let token = tokens::issue(
        ctx,
        Purpose::VerifyEmail,
        account,
        Duration::hours(24),
        writes,
    )?;
    let link = ctx.settings.link(&format!("/verify-email?token={token}"));
    writes.push(outbox::enqueue(
        ctx,
        messages::verify_email(&ctx.settings, account.first_name.as_str(), &link),
        account.email.as_str(),
    )?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    fn learner() -> RegisterInput {
        RegisterInput {
            kind: Some("learner".into()),
            email: Some("ada@example.org".into()),
            password: Some("correct horse battery staple".into()),
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            date_of_birth: Some("1990-12-10".into()),
            enrolment_number: Some("A1234567".into()),
            ..RegisterInput::default()
        }
    }

    fn fields(err: Error) -> Vec<String> {
        match err {
            Error::Invalid(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn a_learner_needs_a_date_of_birth_and_enrolment_number() {
        let today = time::macros::date!(2026 - 11 - 23);
        assert!(Registration::parse(&learner(), today).is_ok());
        let missing = RegisterInput {
            date_of_birth: None,
            enrolment_number: Some(" ".into()),
            ..learner()
        };
        assert_eq!(
            fields(Registration::parse(&missing, today).unwrap_err()),
            ["date_of_birth", "enrolment_number"]
        );
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let today = time::macros::date!(2026 - 11 - 23);
        let bad = RegisterInput {
            kind: Some("admin".into()),
            email: Some("nope".into()),
            password: Some("short".into()),
            first_name: None,
            ..learner()
        };
        assert_eq!(
            fields(Registration::parse(&bad, today).unwrap_err()),
            ["kind", "email", "first_name", "password"]
        );
        let centre = RegisterInput {
            kind: Some("centre".into()),
            ..learner()
        };
        assert_eq!(
            fields(Registration::parse(&centre, today).unwrap_err()),
            ["centre_number", "centre_name"]
        );
        let third = RegisterInput {
            kind: Some("third_party".into()),
            phone: Some("x".into()),
            ..learner()
        };
        assert_eq!(
            fields(Registration::parse(&third, today).unwrap_err()),
            ["phone", "company"]
        );
    }
}
