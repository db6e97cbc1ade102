//! What each side does with a connection (CON-1..8) and what the scheduler does (CON-10). Each
//! action reads the connection, asks the state machine, and stores the change with its e-mail to
//! the other side in one conditional transaction.

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime};

use super::state::{Action, Refused, Side, Status};
use super::{
    Connection, ExtensionRequest, Party, apply, end_of, join_waiting, load, load_for, rules, save,
};
use crate::accounts::admin::Paged;
use crate::accounts::model::{AccountKind, AccountStatus};
use crate::accounts::sessions::Principal;
use crate::ctx::Ctx;
use crate::documents::Reference;
use crate::documents::jobs::{self, DocumentKind, DocumentStatus};
use crate::error::{Error, Fields, Result};
use crate::keys;
use crate::messages;
use crate::outbox;
use crate::ports::table::GSI1;
use crate::ports::{Query, SortCondition, Write};
use crate::settings::Limit;
use crate::values::{EmailAddress, format_date, long_date, long_text, parse_date, short_text};
use crate::{rate_limit, secrets};

/// New connections one person may start an hour: each e-mails someone else.
const CREATE_PER_HOUR: Limit = Limit {
    n: 20,
    window: time::Duration::HOUR,
};
/// The most documents one connection shares.
const MAX_SHARED: usize = 100;

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ConnectionInput {
    /// The other side's name: the third party's (a learner adding) or the learner's (a third
    /// party asking).
    pub name: Option<String>,
    /// The other side's e-mail address.
    pub email: Option<String>,
    /// The last day of access, `YYYY-MM-DD`; one month from today when absent.
    pub expires_on: Option<String>,
    /// A note to the other side (up to 1,000 characters).
    pub message: Option<String>,
    /// Learners: the documents (and badges) to share, by reference.
    pub document_references: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SharesInput {
    /// The documents (and badges) to share, by reference; an empty list shares nothing.
    pub document_references: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ExpiryInput {
    /// The new last day of access, `YYYY-MM-DD`.
    pub expires_on: Option<String>,
}

/// The other side of a connection, as the caller sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OtherSide {
    pub name: String,
    pub email: String,
    pub company: Option<String>,
}

/// What the caller may do with a connection now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Allowed {
    Accept,
    Reject,
    ShareDocuments,
    Extend,
    RequestExtension,
    AnswerExtension,
    Cancel,
    ViewDocuments,
}

/// A connection as one side sees it (CON-7).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConnectionView {
    pub id: String,
    /// As it is now: an active connection past its expiry instant is `expired` at once.
    pub status: Status,
    pub initiated_by: Side,
    /// Which side the caller is.
    pub your_side: Side,
    pub other: OtherSide,
    pub message: Option<String>,
    pub document_references: Vec<String>,
    pub documents_shared: usize,
    /// The last day of access.
    #[schema(value_type = String, format = Date)]
    pub expires_on: String,
    /// The instant access ends (the start of the next day, UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    pub extension_request: Option<ExtensionRequest>,
    pub actions: Vec<Allowed>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

/// The connection as `side` sees it at `now`, with what that side may do.
pub fn view(ctx: &Ctx, connection: &Connection, side: Side) -> ConnectionView {
    let now = ctx.now();
    let state = connection.state();
    let rules = rules(ctx, now);
    let today_end = end_of(now.date());
    let allowed = |action: Action| match state.apply(Some(side), action, now, rules) {
        // A date the form would still have to get right does not hide the action.
        Ok(_) | Err(Refused::BadExpiry(_)) => true,
        Err(_) => false,
    };
    let mut actions = Vec::new();
    for (name, action) in [
        (
            Allowed::Accept,
            Action::Accept {
                choose_documents: true,
            },
        ),
        (Allowed::Reject, Action::Reject),
        (
            Allowed::ShareDocuments,
            Action::ShareDocuments { any: true },
        ),
        (Allowed::Extend, Action::Extend { until: today_end }),
        (
            Allowed::RequestExtension,
            Action::RequestExtension {
                until: state.expires_at.max(today_end) + time::Duration::days(1),
            },
        ),
        (Allowed::AnswerExtension, Action::DeclineExtension),
        (Allowed::Cancel, Action::Cancel),
    ] {
        if allowed(action) {
            actions.push(name);
        }
    }
    if side == Side::ThirdParty && state.third_party_sees_documents(now) {
        actions.push(Allowed::ViewDocuments);
    }
    let other = connection.party(side.other());
    ConnectionView {
        id: connection.id.clone(),
        status: state.status_at(now),
        initiated_by: connection.initiated_by,
        your_side: side,
        other: OtherSide {
            name: other.name.clone(),
            email: other.email.clone(),
            company: other.company.clone(),
        },
        message: connection.message.clone(),
        document_references: connection.document_references.clone(),
        documents_shared: connection.document_references.len(),
        expires_on: format_date(connection.expires_on),
        expires_at: connection.expires_at(),
        extension_request: connection.extension_request.clone(),
        actions,
        created_at: connection.created_at,
        updated_at: connection.updated_at,
    }
}

/// Connections are for learners and third parties only.
fn side_of_kind(principal: &Principal) -> Result<Side> {
    super::side_for(principal.kind()).ok_or(Error::Forbidden)
}

/// One month after `day` (the last day of the month when it has fewer days).
fn month_after(day: Date) -> Date {
    let (year, month) = match day.month() {
        Month::December => (day.year() + 1, Month::January),
        m => (day.year(), m.next()),
    };
    (0..4)
        .find_map(|back| Date::from_calendar_date(year, month, day.day() - back).ok())
        .unwrap_or(day)
}

/// The last day of access as typed, checked against now and the configured maximum.
fn parse_expiry(ctx: &Ctx, raw: &str) -> std::result::Result<Date, &'static str> {
    let day = parse_date(raw)?;
    let now = ctx.now();
    match super::state::check_expiry(end_of(day), now, rules(ctx, now)) {
        Ok(()) => Ok(day),
        Err(Refused::BadExpiry(why) | Refused::NotNow(why) | Refused::NotYours(why)) => Err(why),
    }
}

/// The documents a learner chose, checked: each one theirs and standing (not revoked,
/// withdrawn or replaced); repeats dropped.
async fn chosen_documents(
    ctx: &Ctx,
    enrolment_number: Option<&str>,
    raw: Option<&[String]>,
) -> Result<Vec<String>> {
    let raw = raw.unwrap_or_default();
    if raw.len() > MAX_SHARED {
        return Err(Error::field(
            "document_references",
            format!("share at most {MAX_SHARED} documents"),
        ));
    }
    let mut fields = Fields::new();
    let mut chosen: Vec<String> = Vec::with_capacity(raw.len());
    for (i, typed) in raw.iter().enumerate() {
        let field = format!("document_references[{i}]");
        let found = match Reference::parse(typed) {
            Ok(reference) => jobs::document(ctx, &reference).await?,
            Err(_) => None,
        };
        match found {
            Some((record, _))
                if Some(record.enrolment_number.as_str()) == enrolment_number
                    && enrolment_number.is_some() =>
            {
                if record.status != DocumentStatus::Valid {
                    fields.add(
                        &field,
                        format!("is {} and cannot be shared", record.status.as_str()),
                    );
                } else if !chosen.contains(&record.reference.to_string()) {
                    chosen.push(record.reference.to_string());
                }
            }
            // Someone else's document and no document at all answer alike.
            _ => fields.add(&field, "is not one of your documents"),
        }
    }
    fields.finish()?;
    Ok(chosen)
}

/// The link in an e-mail to a side: the connections page, or registering for a side with no
/// account yet.
fn link_for(ctx: &Ctx, party: &Party) -> (&'static str, String) {
    match party.user_id {
        Some(_) => ("See your connections", ctx.settings.link("/connections")),
        None => (
            "Create your account with this e-mail address",
            ctx.settings.link("/register"),
        ),
    }
}

/// The e-mail telling `to` (one side of `connection`) what happened.
fn tell(
    ctx: &Ctx,
    connection: &Connection,
    to: Side,
    subject: String,
    lines: Vec<String>,
) -> Result<Write> {
    let party = connection.party(to);
    let (label, link) = link_for(ctx, party);
    outbox::enqueue(
        ctx,
        messages::connection_news(&ctx.settings, &party.name, subject, &lines, (label, &link)),
        &party.email,
    )
}

/// How the other side is named in an e-mail to `to`: with the company for a third party.
fn named(connection: &Connection, who: Side) -> String {
    let party = connection.party(who);
    match &party.company {
        Some(company) => format!("{} ({company})", party.name),
        None => party.name.clone(),
    }
}

/// Starts a connection (CON-1 by a learner, CON-2 by a third party). The answer is the same
/// whether or not the e-mail belongs to anyone: the other side joins when they sign in with it.
pub async fn create(
    ctx: &Ctx,
    principal: &Principal,
    input: &ConnectionInput,
) -> Result<ConnectionView> {
    let side = side_of_kind(principal)?;
    let mut f = Fields::new();
    let name = f.required("name", input.name.as_deref(), |n| short_text(n, 100));
    let email = f.required("email", input.email.as_deref(), EmailAddress::parse);
    if email.as_ref() == Some(&principal.account.email) {
        f.add("email", "is your own address");
    }
    let today = ctx.now().date();
    let expires_on = f
        .optional("expires_on", input.expires_on.as_deref(), |d| {
            parse_expiry(ctx, d)
        })
        .map(|d| d.unwrap_or_else(|| month_after(today)));
    let message = f.optional("message", input.message.as_deref(), |m| long_text(m, 1000));
    if side == Side::ThirdParty
        && input
            .document_references
            .as_ref()
            .is_some_and(|r| !r.is_empty())
    {
        f.add(
            "document_references",
            "only the learner chooses what is shared",
        );
    }
    let account = &principal.account;
    let own_enrolment = account.enrolment_number.as_ref().map(|n| n.to_string());
    let documents = if side == Side::Learner {
        match chosen_documents(
            ctx,
            own_enrolment.as_deref(),
            input.document_references.as_deref(),
        )
        .await
        {
            Ok(documents) => documents,
            Err(Error::Invalid(errors)) => {
                for e in errors {
                    f.add(&e.field, e.message);
                }
                Vec::new()
            }
            Err(e) => return Err(e),
        }
    } else {
        Vec::new()
    };
    f.finish()?;
    let (Some(name), Some(email), Some(expires_on), Some(message)) =
        (name, email, expires_on, message)
    else {
        return Err(Error::Internal(
            "connection parsed without its fields".into(),
        ));
    };
    rate_limit::enforce(ctx, "connection", principal.user_id(), CREATE_PER_HOUR).await?;
    let other_kind = match side {
        Side::Learner => AccountKind::ThirdParty,
        Side::ThirdParty => AccountKind::Learner,
    };
    let other_account = crate::accounts::find_by_email(ctx, &email)
        .await?
        .filter(|a| a.kind == other_kind && a.status == AccountStatus::Active);
    let me = Party {
        user_id: Some(account.id.clone()),
        name: account.full_name(),
        email: account.email.to_string(),
        company: account.company.clone(),
    };
    let other = Party {
        user_id: other_account.as_ref().map(|a| a.id.clone()),
        name,
        email: email.to_string(),
        company: other_account.as_ref().and_then(|a| a.company.clone()),
    };
    let now = ctx.now();
    let (learner, third_party, enrolment_number) = match side {
        Side::Learner => (me, other, own_enrolment),
        Side::ThirdParty => (
            other,
            me,
            other_account
                .as_ref()
                .and_then(|a| a.enrolment_number.as_ref().map(|n| n.to_string())),
        ),
    };
    let connection = Connection {
        id: secrets::new_id(ctx.random.as_ref()),
        status: Status::Pending,
        initiated_by: side,
        learner,
        enrolment_number,
        third_party,
        message,
        document_references: documents,
        expires_on,
        extension_request: None,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let from = named(&connection, side);
    let mut lines = vec![match side {
        Side::Learner => format!(
            "{from} would like to share their documents from {} with you until {}.",
            ctx.settings.organisation_name,
            long_date(expires_on)
        ),
        Side::ThirdParty => format!(
            "{from} asks you to share your documents from {} with them.",
            ctx.settings.organisation_name
        ),
    }];
    if let Some(note) = &connection.message {
        lines.push(format!("Their message: {note}"));
    }
    lines.push(match connection.party(side.other()).user_id {
        Some(_) => "Accept or reject the connection in the portal.".to_owned(),
        None => format!(
            "To answer, create your account in the portal with this e-mail address, as a {}; the connection will be waiting for you.",
            match side {
                Side::Learner => "third party",
                Side::ThirdParty => "learner",
            }
        ),
    });
    let mail = tell(
        ctx,
        &connection,
        side.other(),
        format!("{from} wants to connect with you"),
        lines,
    )?;
    save(ctx, None, &connection, vec![mail]).await?;
    Ok(view(ctx, &connection, side))
}

/// Which tab of the list (CON-7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// Pending and active.
    Active,
    /// Expired, rejected and cancelled.
    Inactive,
}

impl Tab {
    pub fn parse(raw: Option<&str>) -> Result<Self> {
        match raw.map(str::trim) {
            None | Some("" | "active") => Ok(Self::Active),
            Some("inactive") => Ok(Self::Inactive),
            Some(_) => Err(Error::field("tab", "must be active or inactive")),
        }
    }
}

/// Reads at most this many pages for one page of a filtered list.
const MAX_READS: usize = 10;

/// The caller's connections on one tab: the active tab soonest expiry first, the inactive
/// one most recently ended first; `q` keeps those whose other side's name, e-mail or company
/// contains it.
pub async fn list(
    ctx: &Ctx,
    principal: &Principal,
    tab: Tab,
    q: Option<&str>,
    cursor: Option<String>,
    limit: u32,
) -> Result<Paged<ConnectionView>> {
    let side = side_of_kind(principal)?;
    join_waiting(ctx, principal).await?;
    let needle = match q.map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) if q.chars().count() > 100 => {
            return Err(Error::field("q", "is too long (100 characters at most)"));
        }
        Some(q) => Some(q.to_lowercase()),
        None => None,
    };
    let prefix = match tab {
        Tab::Active => keys::CONNECTIONS_OPEN,
        Tab::Inactive => keys::CONNECTIONS_CLOSED,
    };
    let mut items = Vec::new();
    let mut cursor = cursor;
    for _ in 0..MAX_READS {
        let mut query = Query::partition(keys::user_partition(principal.user_id()))
            .sort(SortCondition::BeginsWith(prefix.to_owned()))
            .limit(limit - u32::try_from(items.len()).unwrap_or(limit))
            .after(cursor);
        if tab == Tab::Inactive {
            query = query.descending();
        }
        let page = Paged::<Connection>::of(ctx, &query).await?;
        for connection in page.items {
            let other = connection.party(side.other());
            let matches = needle.as_ref().is_none_or(|needle| {
                [
                    Some(&other.name),
                    Some(&other.email),
                    other.company.as_ref(),
                ]
                .into_iter()
                .flatten()
                .any(|text| text.to_lowercase().contains(needle.as_str()))
            });
            if matches {
                items.push(view(ctx, &connection, side));
            }
        }
        cursor = page.next_cursor;
        if cursor.is_none() || items.len() >= limit as usize {
            break;
        }
    }
    Ok(Paged {
        items,
        next_cursor: cursor,
    })
}

/// One connection, for either side (CON-7).
pub async fn get(ctx: &Ctx, principal: &Principal, id: &str) -> Result<ConnectionView> {
    let (connection, side) = load_for(ctx, principal, id).await?;
    Ok(view(ctx, &connection, side))
}

/// Stores the change with the e-mail telling the other side what happened (a subject and one
/// line), and answers the connection as the side that acted sees it.
async fn commit(
    ctx: &Ctx,
    before: &Connection,
    changed: Connection,
    side: Side,
    (subject, line): (String, String),
) -> Result<ConnectionView> {
    let mail = tell(ctx, &changed, side.other(), subject, vec![line])?;
    save(ctx, Some(before), &changed, vec![mail]).await?;
    Ok(view(ctx, &changed, side))
}

/// Accepts a pending connection the other side started (CON-3); a learner accepting chooses the
/// documents to share.
pub async fn accept(
    ctx: &Ctx,
    principal: &Principal,
    id: &str,
    input: &SharesInput,
) -> Result<ConnectionView> {
    let (connection, side) = load_for(ctx, principal, id).await?;
    let documents = match side {
        Side::Learner => Some(
            chosen_documents(
                ctx,
                connection.enrolment_number.as_deref(),
                input.document_references.as_deref(),
            )
            .await?,
        ),
        Side::ThirdParty
            if input
                .document_references
                .as_ref()
                .is_some_and(|r| !r.is_empty()) =>
        {
            return Err(Error::field(
                "document_references",
                "only the learner chooses what is shared",
            ));
        }
        Side::ThirdParty => None,
    };
    let mut changed = apply(
        ctx,
        &connection,
        Some(side),
        Action::Accept {
            choose_documents: documents.as_ref().is_some_and(|d| !d.is_empty()),
        },
    )?;
    if let Some(documents) = documents {
        changed.document_references = documents;
    }
    let words = (
        format!("{} accepted your connection", named(&changed, side)),
        format!(
            "{} accepted the connection; it lasts until {}.",
            named(&changed, side),
            long_date(changed.expires_on)
        ),
    );
    commit(ctx, &connection, changed, side, words).await
}

/// Rejects a pending connection the other side started (CON-3).
pub async fn reject(ctx: &Ctx, principal: &Principal, id: &str) -> Result<ConnectionView> {
    change(ctx, principal, id, Action::Reject, |c, side| {
        (
            format!("{} declined your connection", named(c, side)),
            format!("{} declined the connection.", named(c, side)),
        )
    })
    .await
}

/// Cancels a pending or active connection, by either side (CON-6).
pub async fn cancel(ctx: &Ctx, principal: &Principal, id: &str) -> Result<ConnectionView> {
    change(ctx, principal, id, Action::Cancel, |c, side| {
        (
            format!("{} cancelled your connection", named(c, side)),
            format!(
                "{} cancelled the connection; documents are no longer shared through it.",
                named(c, side)
            ),
        )
    })
    .await
}

/// An action that changes only the state, with its e-mail to the other side.
async fn change(
    ctx: &Ctx,
    principal: &Principal,
    id: &str,
    action: Action,
    words: impl Fn(&Connection, Side) -> (String, String),
) -> Result<ConnectionView> {
    let (connection, side) = load_for(ctx, principal, id).await?;
    let changed = apply(ctx, &connection, Some(side), action)?;
    let words = words(&changed, side);
    commit(ctx, &connection, changed, side, words).await
}

/// The learner changes the documents shared (CON-4).
pub async fn share(
    ctx: &Ctx,
    principal: &Principal,
    id: &str,
    input: &SharesInput,
) -> Result<ConnectionView> {
    let (connection, side) = load_for(ctx, principal, id).await?;
    if side != Side::Learner {
        return Err(Error::Forbidden);
    }
    if input.document_references.is_none() {
        return Err(Error::field("document_references", "is required"));
    }
    let documents = chosen_documents(
        ctx,
        connection.enrolment_number.as_deref(),
        input.document_references.as_deref(),
    )
    .await?;
    let mut changed = apply(
        ctx,
        &connection,
        Some(side),
        Action::ShareDocuments {
            any: !documents.is_empty(),
        },
    )?;
    changed.document_references = documents;
    let count = changed.document_references.len();
    let words = (
        format!(
            "{} changed the documents shared with you",
            named(&changed, side)
        ),
        format!(
            "{} now shares {count} document{} with you.",
            named(&changed, side),
            if count == 1 { "" } else { "s" }
        ),
    );
    commit(ctx, &connection, changed, side, words).await
}

/// The date a request must carry; the state machine checks it against now and the maximum.
fn required_expiry(input: &ExpiryInput) -> Result<Date> {
    let raw = input
        .expires_on
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| Error::field("expires_on", "is required"))?;
    parse_date(raw).map_err(|why| Error::field("expires_on", why))
}

/// The learner sets a new expiry date, also for an expired connection (CON-5).
pub async fn extend(
    ctx: &Ctx,
    principal: &Principal,
    id: &str,
    input: &ExpiryInput,
) -> Result<ConnectionView> {
    side_of_kind(principal)?;
    let day = required_expiry(input)?;
    let (connection, side) = load_for(ctx, principal, id).await?;
    let changed = apply(
        ctx,
        &connection,
        Some(side),
        Action::Extend { until: end_of(day) },
    )?;
    let words = (
        format!("{} extended your connection", named(&changed, side)),
        format!(
            "{} extended the connection until {}.",
            named(&changed, side),
            long_date(day)
        ),
    );
    commit(ctx, &connection, changed, side, words).await
}

/// The third party asks for more time (CON-5); the learner approves or declines.
pub async fn request_extension(
    ctx: &Ctx,
    principal: &Principal,
    id: &str,
    input: &ExpiryInput,
) -> Result<ConnectionView> {
    side_of_kind(principal)?;
    let day = required_expiry(input)?;
    let (connection, side) = load_for(ctx, principal, id).await?;
    let mut changed = apply(
        ctx,
        &connection,
        Some(side),
        Action::RequestExtension { until: end_of(day) },
    )?;
    changed.extension_request = Some(ExtensionRequest {
        id: secrets::new_id(ctx.random.as_ref()),
        expires_on: day,
        requested_at: ctx.now(),
    });
    let words = (
        format!("{} asks for more time", named(&changed, side)),
        format!(
            "{} asks you to extend your connection, which ends on {}, until {}. Approve or decline it in the portal.",
            named(&changed, side),
            long_date(connection.expires_on),
            long_date(day)
        ),
    );
    commit(ctx, &connection, changed, side, words).await
}

/// The learner approves (`approve`) or declines the third party's request for more time; the
/// third party is told either way (CON-5).
pub async fn answer_extension(
    ctx: &Ctx,
    principal: &Principal,
    id: &str,
    request_id: &str,
    approve: bool,
) -> Result<ConnectionView> {
    let (connection, side) = load_for(ctx, principal, id).await?;
    let request = connection
        .extension_request
        .clone()
        .filter(|r| r.id == request_id)
        .ok_or(Error::NotFound)?;
    let action = if approve {
        Action::ApproveExtension
    } else {
        Action::DeclineExtension
    };
    let changed = apply(ctx, &connection, Some(side), action)?;
    let words = if approve {
        (
            format!("{} approved more time", named(&changed, side)),
            format!(
                "{} approved your request: the connection now lasts until {}.",
                named(&changed, side),
                long_date(request.expires_on)
            ),
        )
    } else {
        (
            format!("{} declined more time", named(&changed, side)),
            format!(
                "{} declined your request to extend the connection until {}; it still ends on {}.",
                named(&changed, side),
                long_date(request.expires_on),
                long_date(changed.expires_on)
            ),
        )
    };
    commit(ctx, &connection, changed, side, words).await
}

/// One document shared with a third party (CON-8).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SharedDocument {
    pub reference: String,
    #[serde(rename = "type")]
    pub kind: DocumentKind,
    pub status: DocumentStatus,
    pub superseded_by: Option<String>,
    pub learner_name: String,
    pub qualification_title: String,
    pub qualification_code: String,
    #[schema(value_type = String, format = Date)]
    pub award_date: String,
}

/// The documents a connection shares, for its third party while it is active.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SharedDocuments {
    pub connection: ConnectionView,
    pub items: Vec<SharedDocument>,
}

/// The documents shared with the third party, only while the connection is active and before
/// its expiry instant (CON-8).
pub async fn shared_documents(
    ctx: &Ctx,
    principal: &Principal,
    id: &str,
) -> Result<SharedDocuments> {
    let (connection, side) = load_for(ctx, principal, id).await?;
    if side != Side::ThirdParty {
        return Err(Error::Forbidden);
    }
    if connection.state().status_at(ctx.now()) != Status::Active {
        return Err(Error::Conflict(
            "documents are shared only while the connection is active".into(),
        ));
    }
    let mut items = Vec::with_capacity(connection.document_references.len());
    for raw in &connection.document_references {
        let Ok(reference) = Reference::parse(raw) else {
            continue;
        };
        let Some((record, achievement)) = jobs::document(ctx, &reference).await? else {
            continue;
        };
        if Some(record.enrolment_number.as_str()) != connection.enrolment_number.as_deref() {
            continue;
        }
        items.push(SharedDocument {
            reference: record.reference.to_string(),
            kind: record.kind,
            status: record.status,
            superseded_by: record.superseded_by.map(|r| r.to_string()),
            learner_name: format!("{} {}", achievement.first_name, achievement.last_name),
            qualification_title: achievement.qualification_title,
            qualification_code: achievement.qualification_code,
            award_date: format_date(achievement.award_date),
        });
    }
    Ok(SharedDocuments {
        connection: view(ctx, &connection, side),
        items,
    })
}

/// What one run of the expiry function did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExpiryReport {
    pub expired: usize,
    /// Already expired or changed by someone else meanwhile (another run, an extension).
    pub skipped: usize,
}

/// Connections handled at once by the expiry function.
const EXPIRE_AT_ONCE: usize = 16;

/// Marks active connections past their expiry instant as expired and e-mails both sides
/// (CON-10), at most `max` of them. Found by the index of active connections by expiry (never
/// a scan). Safe to run twice at once: each expiry is conditional on the version read, so only
/// one run expires (and e-mails about) a connection.
pub async fn expire_due(ctx: &Ctx, max: usize) -> Result<ExpiryReport> {
    let now = ctx.now();
    let mut report = ExpiryReport::default();
    let mut cursor = None;
    while report.expired + report.skipped < max {
        let page = ctx
            .table
            .query(
                &Query::index(GSI1, keys::CONNECTIONS_DUE)
                    .sort(SortCondition::LessOrEqual(format!(
                        "{}#~",
                        crate::items::sortable(now)
                    )))
                    .limit(100)
                    .after(cursor),
            )
            .await?;
        let ids: Vec<String> = page
            .items
            .iter()
            .filter_map(|item| item.get("id")?.as_str().map(str::to_owned))
            .collect();
        for chunk in ids.chunks(EXPIRE_AT_ONCE) {
            let mut running = tokio::task::JoinSet::new();
            for id in chunk {
                let (ctx, id) = (ctx.clone(), id.clone());
                running.spawn(async move { expire_one(&ctx, &id).await });
            }
            while let Some(done) = running.join_next().await {
                match done.map_err(|e| Error::Internal(format!("an expiry task failed: {e}")))? {
                    Ok(true) => report.expired += 1,
                    Ok(false) => report.skipped += 1,
                    Err(e) => return Err(e),
                }
            }
        }
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    Ok(report)
}

/// Expires one connection if it is still due; false when there was nothing to do.
async fn expire_one(ctx: &Ctx, id: &str) -> Result<bool> {
    let Some(connection) = load(ctx, id).await? else {
        return Ok(false);
    };
    let Ok(changed) = apply(ctx, &connection, None, Action::Expire) else {
        return Ok(false);
    };
    let ended = long_date(connection.expires_on);
    let mails = vec![
        tell(
            ctx,
            &changed,
            Side::Learner,
            format!(
                "Your connection with {} has expired",
                named(&changed, Side::ThirdParty)
            ),
            vec![format!(
                "Your connection with {} ended on {ended}; your documents are no longer shared with them. You can extend it from your connections' Inactive tab.",
                named(&changed, Side::ThirdParty)
            )],
        )?,
        tell(
            ctx,
            &changed,
            Side::ThirdParty,
            format!("Your connection with {} has expired", changed.learner.name),
            vec![format!(
                "Your connection with {} ended on {ended}; their documents are no longer shared with you. You can ask them for more time.",
                changed.learner.name
            )],
        )?,
    ];
    match save(ctx, Some(&connection), &changed, mails).await {
        Ok(()) => Ok(true),
        Err(Error::Conflict(_)) => Ok(false),
        Err(e) => Err(e),
    }
}
