//! The awarding body's learner and centre records, pushed in by its records system, and the
//! matching of registrations against them.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::accounts::model::Account;
use crate::ctx::Ctx;
use crate::error::{Error, Fields, Result};
use crate::items::{from_item, indexed, to_item};
use crate::keys;
use crate::ports::table::GSI1;
use crate::ports::{Query, SortCondition, Write};
use crate::values::{
    CentreNumber, EmailAddress, EnrolmentNumber, PersonName, normalise_name, parse_date, short_text,
};

/// The most records one import call may carry.
pub const MAX_BATCH: usize = 1000;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct LearnerRecordInput {
    pub enrolment_number: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct LearnersImport {
    pub learners: Option<Vec<LearnerRecordInput>>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct CentreRecordInput {
    pub centre_number: Option<String>,
    pub name: Option<String>,
    /// The centre's central e-mail address.
    pub email: Option<String>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct CentresImport {
    pub centres: Option<Vec<CentreRecordInput>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LearnerRecord {
    #[schema(value_type = String)]
    pub enrolment_number: EnrolmentNumber,
    #[schema(value_type = String)]
    pub first_name: PersonName,
    #[schema(value_type = String)]
    pub last_name: PersonName,
    #[serde(with = "crate::items::date")]
    #[schema(value_type = String, format = Date)]
    pub date_of_birth: Date,
    #[schema(value_type = Option<String>)]
    pub email: Option<EmailAddress>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CentreRecord {
    #[schema(value_type = String)]
    pub centre_number: CentreNumber,
    pub name: String,
    #[schema(value_type = String)]
    pub email: EmailAddress,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Imported {
    /// Records created or replaced.
    pub upserted: usize,
}

fn batch<'a, T>(field: &str, items: Option<&'a [T]>) -> Result<&'a [T]> {
    match items {
        None => Err(Error::field(field, "is required")),
        Some([]) => Err(Error::field(field, "must hold at least one record")),
        Some(items) if items.len() > MAX_BATCH => Err(Error::field(
            field,
            format!(
                "holds {} records; send at most {MAX_BATCH} per call",
                items.len()
            ),
        )),
        Some(items) => Ok(items),
    }
}

/// Parses the whole batch (every bad field of every record named at once), then upserts.
pub async fn import_learners(ctx: &Ctx, input: &LearnersImport) -> Result<Imported> {
    let inputs = batch("learners", input.learners.as_deref())?;
    let mut all = Fields::new();
    let records = parse_learners(inputs, &mut all);
    all.finish()?;
    upsert_learners(ctx, &records).await
}

/// Upserts parsed learner records (idempotent; see [`upsert`]).
pub async fn upsert_learners(ctx: &Ctx, records: &[LearnerRecord]) -> Result<Imported> {
    let now = ctx.now();
    let writes = records
        .iter()
        .map(|r| learner_item(r, now).map(Write::put))
        .collect::<Result<Vec<_>>>()?;
    upsert(ctx, writes).await
}

/// Parses learner records, naming each bad field as `learners[i].field` in `all`; an enrolment
/// number given twice is refused.
pub fn parse_learners(inputs: &[LearnerRecordInput], all: &mut Fields) -> Vec<LearnerRecord> {
    let mut records = Vec::with_capacity(inputs.len());
    let mut seen = std::collections::HashSet::new();
    for (i, raw) in inputs.iter().enumerate() {
        let mut f = Fields::nested(format!("learners[{i}]."));
        let enrolment_number = f.required(
            "enrolment_number",
            raw.enrolment_number.as_deref(),
            EnrolmentNumber::parse,
        );
        let first_name = f.required("first_name", raw.first_name.as_deref(), PersonName::parse);
        let last_name = f.required("last_name", raw.last_name.as_deref(), PersonName::parse);
        let date_of_birth = f.required("date_of_birth", raw.date_of_birth.as_deref(), parse_date);
        let email = f.optional("email", raw.email.as_deref(), EmailAddress::parse);
        if let Some(number) = &enrolment_number
            && !seen.insert(number.clone())
        {
            f.add("enrolment_number", "appears twice in this batch");
        }
        if let (
            Some(enrolment_number),
            Some(first_name),
            Some(last_name),
            Some(date_of_birth),
            Some(email),
        ) = (
            enrolment_number,
            first_name,
            last_name,
            date_of_birth,
            email,
        ) {
            records.push(LearnerRecord {
                enrolment_number,
                first_name,
                last_name,
                date_of_birth,
                email,
            });
        }
        all.absorb(f);
    }
    records
}

pub async fn import_centres(ctx: &Ctx, input: &CentresImport) -> Result<Imported> {
    let inputs = batch("centres", input.centres.as_deref())?;
    let mut all = Fields::new();
    let mut records = Vec::with_capacity(inputs.len());
    let mut seen = std::collections::HashSet::new();
    for (i, raw) in inputs.iter().enumerate() {
        let mut f = Fields::nested(format!("centres[{i}]."));
        let centre_number = f.required(
            "centre_number",
            raw.centre_number.as_deref(),
            CentreNumber::parse,
        );
        let name = f.required("name", raw.name.as_deref(), |n| short_text(n, 100));
        let email = f.required("email", raw.email.as_deref(), EmailAddress::parse);
        if let Some(number) = &centre_number
            && !seen.insert(number.clone())
        {
            f.add("centre_number", "appears twice in this batch");
        }
        if let (Some(centre_number), Some(name), Some(email)) = (centre_number, name, email) {
            records.push(CentreRecord {
                centre_number,
                name,
                email,
            });
        }
        all.absorb(f);
    }
    all.finish()?;
    let writes = records
        .iter()
        .map(|r| {
            let item = to_item(&keys::centre_record(r.centre_number.as_str()), r)?;
            Ok(Write::put(indexed(
                item,
                keys::centre_name_index(&normalise_name(&r.name)),
                r.centre_number.as_str(),
            )))
        })
        .collect::<Result<Vec<_>>>()?;
    upsert(ctx, writes).await
}

fn learner_item(record: &LearnerRecord, now: OffsetDateTime) -> Result<crate::ports::Item> {
    let mut item = to_item(
        &keys::learner_record(record.enrolment_number.as_str()),
        record,
    )?;
    item.insert("updated_at".into(), now.unix_timestamp().into());
    Ok(indexed(
        item,
        keys::learner_name_index(&record.last_name.normalised()),
        format!(
            "{}#{}#{}",
            record.first_name.normalised(),
            crate::values::format_date(record.date_of_birth),
            record.enrolment_number
        ),
    ))
}

/// Upserts are independent and idempotent, so they go in transactions of up to 100; a failure
/// part-way leaves every written record whole, and sending the batch again completes it.
async fn upsert(ctx: &Ctx, writes: Vec<Write>) -> Result<Imported> {
    let upserted = writes.len();
    let mut writes = writes.into_iter().peekable();
    while writes.peek().is_some() {
        let chunk: Vec<Write> = writes
            .by_ref()
            .take(crate::ports::table::MAX_TRANSACTION_WRITES)
            .collect();
        ctx.table.transact(chunk).await?;
    }
    Ok(Imported { upserted })
}

pub async fn learner(ctx: &Ctx, enrolment_number: &str) -> Result<Option<LearnerRecord>> {
    ctx.table
        .get(&keys::learner_record(enrolment_number))
        .await?
        .map(from_item)
        .transpose()
}

pub async fn centre(ctx: &Ctx, centre_number: &str) -> Result<Option<CentreRecord>> {
    ctx.table
        .get(&keys::centre_record(centre_number))
        .await?
        .map(from_item)
        .transpose()
}

/// The learner record whose names (accents, case and punctuation folded), date of birth and
/// enrolment number all agree with the registration. Agreeing facts prove nothing on their own
/// (the enrolment number is printed on every copy others see): see [`claim`].
pub async fn match_learner(ctx: &Ctx, account: &Account) -> Result<Option<LearnerRecord>> {
    let Some(number) = &account.enrolment_number else {
        return Ok(None);
    };
    let Some(record) = learner(ctx, number.as_str()).await? else {
        return Ok(None);
    };
    let same = record.first_name.normalised() == account.first_name.normalised()
        && record.last_name.normalised() == account.last_name.normalised()
        && Some(record.date_of_birth) == account.date_of_birth;
    Ok(same.then_some(record))
}

/// How a registration that matches a learner record may claim it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The registration's e-mail is the record's: the account is active at once.
    SameAddress,
    /// The record holds another address: a one-time code goes there.
    CodeTo(EmailAddress),
    /// The record holds no address: an administrator checks.
    Review,
}

/// Whether the person registering may claim the matched record, and how.
pub fn claim(record: &LearnerRecord, email: &EmailAddress) -> Claim {
    match &record.email {
        Some(held) if held == email => Claim::SameAddress,
        Some(held) => Claim::CodeTo(held.clone()),
        None => Claim::Review,
    }
}

/// The centre record whose number and name agree with a centre user's registration. That alone
/// (numbers and names of centres are public) activates nothing: the centre's central address,
/// or an administrator, approves the person.
pub async fn match_centre(ctx: &Ctx, account: &Account) -> Result<Option<CentreRecord>> {
    let (Some(number), Some(name)) = (&account.centre_number, &account.centre_name) else {
        return Ok(None);
    };
    let Some(record) = centre(ctx, number.as_str()).await? else {
        return Ok(None);
    };
    Ok((normalise_name(&record.name) == normalise_name(name)).then_some(record))
}

/// Domains anyone can have an address at: they never count as a centre's own.
const FREEMAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "live.com",
    "msn.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "pm.me",
    "zoho.com",
    "mail.com",
    "yandex.com",
    "yandex.ru",
    "gmx.com",
    "gmx.net",
    "web.de",
    "tutanota.com",
    "fastmail.com",
    "btinternet.com",
    "sky.com",
    "virginmedia.com",
    "talktalk.net",
    "qq.com",
    "163.com",
];

/// Freemail families with a domain per country (`hotmail.co.uk`, `yahoo.fr`, `gmx.de`).
const FREEMAIL_FAMILIES: &[&str] = &["hotmail", "yahoo", "ymail", "gmx", "live", "outlook"];

/// Whether anybody can get an address at this domain.
pub fn is_freemail(domain: &str) -> bool {
    let domain = domain.trim_end_matches('.').to_lowercase();
    FREEMAIL.contains(&domain.as_str())
        || domain
            .split_once('.')
            .is_some_and(|(first, _)| FREEMAIL_FAMILIES.contains(&first))
}

/// Whether the person's address is at the centre's own domain (a freemail domain never is):
/// told to the centre's central address when it is asked to approve them.
pub fn at_centre_domain(record: &CentreRecord, email: &EmailAddress) -> bool {
    !is_freemail(record.email.domain()) && record.email.domain() == email.domain()
}

/// An address shown without giving it away: `a***@example.org`.
pub fn mask_email(email: &EmailAddress) -> String {
    let first = email.local_part().chars().next().unwrap_or('*');
    format!("{first}***@{}", email.domain())
}

/// The records an administrator should see beside a pending learner registration: the record
/// under the given enrolment number and those with the same last name, closest first.
pub async fn closest_learners(ctx: &Ctx, account: &Account) -> Result<Vec<LearnerRecord>> {
    let mut found: Vec<LearnerRecord> = Vec::new();
    if let Some(number) = &account.enrolment_number {
        found.extend(learner(ctx, number.as_str()).await?);
    }
    let by_name = Query::index(
        GSI1,
        keys::learner_name_index(&account.last_name.normalised()),
    )
    .limit(20);
    for item in ctx.table.query(&by_name).await?.items {
        let record: LearnerRecord = from_item(item)?;
        if !found
            .iter()
            .any(|r| r.enrolment_number == record.enrolment_number)
        {
            found.push(record);
        }
    }
    let score = |r: &LearnerRecord| {
        u8::from(Some(&r.enrolment_number) == account.enrolment_number.as_ref()) * 4
            + u8::from(Some(r.date_of_birth) == account.date_of_birth) * 2
            + u8::from(r.first_name.normalised() == account.first_name.normalised())
    };
    found.sort_by_key(|r| std::cmp::Reverse(score(r)));
    found.truncate(5);
    Ok(found)
}

pub async fn closest_centres(ctx: &Ctx, account: &Account) -> Result<Vec<CentreRecord>> {
    let mut found: Vec<CentreRecord> = Vec::new();
    if let Some(number) = &account.centre_number {
        found.extend(centre(ctx, number.as_str()).await?);
    }
    if let Some(name) = &account.centre_name {
        let by_name = Query::index(GSI1, keys::centre_name_index(&normalise_name(name)))
            .sort(SortCondition::All)
            .limit(5);
        for item in ctx.table.query(&by_name).await?.items {
            let record: CentreRecord = from_item(item)?;
            if !found
                .iter()
                .any(|r| r.centre_number == record.centre_number)
            {
                found.push(record);
            }
        }
    }
    found.truncate(5);
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freemail_domains_never_count_as_a_centres() {
        for domain in [
            "gmail.com",
            "hotmail.co.uk",
            "hotmail.com",
            "yahoo.fr",
            "outlook.com",
            "icloud.com",
            "aol.com",
            "proton.me",
            "gmx.de",
        ] {
            assert!(is_freemail(domain), "{domain}");
        }
        assert!(!is_freemail("northgate.ac.uk"));
        let gmail_centre = CentreRecord {
            centre_number: CentreNumber::parse("C-7002").unwrap(),
            name: "Small Centre".into(),
            email: EmailAddress::parse("small.centre@gmail.com").unwrap(),
        };
        let anyone = EmailAddress::parse("anyone@gmail.com").unwrap();
        assert!(!at_centre_domain(&gmail_centre, &anyone));
        let college = CentreRecord {
            email: EmailAddress::parse("exams@northgate.ac.uk").unwrap(),
            ..gmail_centre
        };
        let staff = EmailAddress::parse("alan@northgate.ac.uk").unwrap();
        assert!(at_centre_domain(&college, &staff));
    }

    #[test]
    fn masked_addresses_keep_the_first_letter_and_the_domain() {
        let email = EmailAddress::parse("ada.lovelace@example.org").unwrap();
        assert_eq!(mask_email(&email), "a***@example.org");
    }
}
