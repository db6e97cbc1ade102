//! The account record and what is shown of it.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::error::Result;
use crate::items::{indexed, to_item};
use crate::keys;
use crate::ports::Item;
use crate::values::{CentreNumber, EmailAddress, EnrolmentNumber, PersonName, Phone};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    Learner,
    ThirdParty,
    Centre,
    Admin,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Learner => "learner",
            Self::ThirdParty => "third_party",
            Self::Centre => "centre",
            Self::Admin => "admin",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Registered; the e-mail address is not confirmed yet.
    Unverified,
    /// Confirmed, but the details did not match the records: an administrator decides.
    PendingReview,
    Active,
    Rejected,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unverified => "unverified",
            Self::PendingReview => "pending_review",
            Self::Active => "active",
            Self::Rejected => "rejected",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub kind: AccountKind,
    pub status: AccountStatus,
    pub email: EmailAddress,
    pub password_hash: String,
    pub first_name: PersonName,
    #[serde(default)]
    pub middle_name: Option<PersonName>,
    pub last_name: PersonName,
    #[serde(default, with = "crate::items::date::option")]
    pub date_of_birth: Option<Date>,
    #[serde(default)]
    pub enrolment_number: Option<EnrolmentNumber>,
    #[serde(default)]
    pub centre_number: Option<CentreNumber>,
    #[serde(default)]
    pub centre_name: Option<String>,
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub phone: Option<Phone>,
    #[serde(default)]
    pub additional_contact: Option<String>,
    #[serde(default)]
    pub third_party_search_opt_in: bool,
    /// The learner's enrolment number or the centre's number this account is linked to, once
    /// matched or approved.
    #[serde(default)]
    pub linked_record: Option<String>,
    /// Wrong passwords in a row since the last success.
    #[serde(default)]
    pub failed_logins: i64,
    /// Paused by wrong attempts, until `locked_until`; a password reset or an administrator
    /// ends the pause early.
    #[serde(default)]
    pub locked: bool,
    /// When the pause ends (none on pauses from before it was kept: those last until cleared).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub locked_until: Option<OffsetDateTime>,
    /// Locked by an administrator; only an administrator unlocks it.
    #[serde(default)]
    pub admin_locked: bool,
    /// Sessions of an older generation are over (password changed or reset).
    #[serde(default)]
    pub session_generation: i64,
    /// Reset links of an older generation no longer work: a newer reset link, a password
    /// change or reset, and an e-mail change each move it on.
    #[serde(default)]
    pub credential_generation: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub verified_at: Option<OffsetDateTime>,
    /// A new address waiting to be confirmed by the link sent to it.
    #[serde(default)]
    pub pending_email: Option<String>,
    /// When it entered review (keys its review item).
    #[serde(default)]
    pub review_since: Option<String>,
    pub version: i64,
}

impl Account {
    pub fn is_locked(&self) -> bool {
        self.locked || self.admin_locked
    }

    /// Whether a pause from wrong attempts is in force at `now`. The `locked` flag stays set
    /// after a pause runs out (the next sign-in clears it), so it alone says too much.
    pub fn is_paused(&self, now: OffsetDateTime) -> bool {
        self.locked && self.locked_until.is_none_or(|until| now < until)
    }

    /// Forgets wrong attempts and ends any pause (a success, a reset or an administrator).
    pub fn clear_pause(&mut self) {
        self.locked = false;
        self.locked_until = None;
        self.failed_logins = 0;
    }

    /// The item, listed in the accounts index by e-mail.
    pub fn to_item(&self) -> Result<Item> {
        let item = to_item(&keys::account(&self.id), self)?;
        Ok(indexed(
            item,
            keys::accounts_index(self.email.as_str()),
            format!("{}#{}", self.email, self.id),
        ))
    }

    pub fn full_name(&self) -> String {
        match &self.middle_name {
            Some(middle) => format!("{} {} {}", self.first_name, middle, self.last_name),
            None => format!("{} {}", self.first_name, self.last_name),
        }
    }

    pub fn profile(&self) -> Profile {
        Profile {
            id: self.id.clone(),
            kind: self.kind,
            status: self.status,
            email: self.email.to_string(),
            first_name: self.first_name.to_string(),
            middle_name: self.middle_name.as_ref().map(ToString::to_string),
            last_name: self.last_name.to_string(),
            date_of_birth: self.date_of_birth.map(crate::values::format_date),
            enrolment_number: self.enrolment_number.as_ref().map(ToString::to_string),
            centre_number: self.centre_number.as_ref().map(ToString::to_string),
            centre_name: self.centre_name.clone(),
            company: self.company.clone(),
            phone: self.phone.as_ref().map(ToString::to_string),
            additional_contact: self.additional_contact.clone(),
            third_party_search_opt_in: (self.kind == AccountKind::Learner)
                .then_some(self.third_party_search_opt_in),
            pending_email: self.pending_email.clone(),
            created_at: self.created_at,
        }
    }
}

/// What a person sees of their own account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Profile {
    pub id: String,
    pub kind: AccountKind,
    pub status: AccountStatus,
    pub email: String,
    pub first_name: String,
    pub middle_name: Option<String>,
    pub last_name: String,
    /// `YYYY-MM-DD` (learners).
    pub date_of_birth: Option<String>,
    pub enrolment_number: Option<String>,
    pub centre_number: Option<String>,
    pub centre_name: Option<String>,
    pub company: Option<String>,
    pub phone: Option<String>,
    pub additional_contact: Option<String>,
    /// Learners only: whether third parties may find them by search (ACC-8).
    pub third_party_search_opt_in: Option<bool>,
    /// A new e-mail address waiting for its confirmation link to be followed.
    pub pending_email: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}
