//! Connections (CON): a learner shares chosen documents with a third party (an employer, a
//! university, an auditor) for a limited time. Either side starts one; the other accepts or
//! rejects; the learner chooses what is shared and extends it; the third party asks for more
//! time; either side cancels; the scheduler marks them expired.
//!
//! A connection is one item (the truth) plus a copy in each side's list. Every change is one
//! transaction conditional on the connection's version — the item, both copies and the e-mail
//! to the other side — so two concurrent changes never both apply and no change is half-written.
//! A side that has no account yet (invited by e-mail) keeps its copy under its e-mail address
//! until an account of the right kind with that verified address opens it.

pub mod actions;
pub mod search;
pub mod state;

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime, Time};

use crate::accounts::model::AccountKind;
use crate::accounts::sessions::Principal;
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::items::{from_item, indexed, sortable, to_item};
use crate::keys;
use crate::ports::{Condition, Item, Key, TableError, Write};
use state::{Action, Refused, Rules, Side, State, Status};

/// One side of a connection as the other side named it, and its account once it has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// The account, once known (`None`: invited by e-mail, no account of that kind yet).
    pub user_id: Option<String>,
    pub name: String,
    pub email: String,
    /// The third party's company, from their account.
    #[serde(default)]
    pub company: Option<String>,
}

/// The third party's proposal of a new expiry date (CON-5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExtensionRequest {
    pub id: String,
    #[serde(with = "crate::items::date")]
    #[schema(value_type = String, format = Date)]
    pub expires_on: Date,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub requested_at: OffsetDateTime,
}

/// A connection as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Connection {
    pub id: String,
    pub status: Status,
    pub initiated_by: Side,
    pub learner: Party,
    /// The learner's enrolment number, once the learner's account is known: the documents
    /// shared must be theirs.
    pub enrolment_number: Option<String>,
    pub third_party: Party,
    pub message: Option<String>,
    pub document_references: Vec<String>,
    /// The last day of access, as people chose it (access ends at [`Connection::expires_at`]).
    #[serde(with = "crate::items::date")]
    pub expires_on: Date,
    pub extension_request: Option<ExtensionRequest>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// When access ends for a connection that lasts through `day`.
pub fn end_of(day: Date) -> OffsetDateTime {
    day.next_day()
        .unwrap_or(Date::MAX)
        .with_time(Time::MIDNIGHT)
        .assume_utc()
}

/// The last day of access that ends at `end` (the inverse of [`end_of`]).
fn last_day(end: OffsetDateTime) -> Date {
    (end - Duration::NANOSECOND).date()
}

/// The configured limits as the state machine takes them: the last day allowed is
/// `max_days` after today, so access may run to the end of that day.
pub fn rules(ctx: &Ctx, now: OffsetDateTime) -> Rules {
    let today_start = now.date().with_time(Time::MIDNIGHT).assume_utc();
    Rules {
        max_length: (today_start - now) + Duration::days(ctx.settings.connections.max_days + 1),
    }
}

impl Connection {
    /// The instant access ends: the start of the day after the last day, UTC.
    pub fn expires_at(&self) -> OffsetDateTime {
        end_of(self.expires_on)
    }

    pub fn state(&self) -> State {
        State {
            status: self.status,
            initiated_by: self.initiated_by,
            expires_at: self.expires_at(),
            extension_requested: self
                .extension_request
                .as_ref()
                .map(|r| end_of(r.expires_on)),
            shares_documents: !self.document_references.is_empty(),
        }
    }

    /// Which side the signed-in person is, if either.
    pub fn side_of(&self, principal: &Principal) -> Option<Side> {
        let me = Some(principal.user_id());
        match principal.kind() {
            AccountKind::Learner if self.learner.user_id.as_deref() == me => Some(Side::Learner),
            AccountKind::ThirdParty if self.third_party.user_id.as_deref() == me => {
                Some(Side::ThirdParty)
            }
            _ => None,
        }
    }

    pub fn party(&self, side: Side) -> &Party {
        match side {
            Side::Learner => &self.learner,
            Side::ThirdParty => &self.third_party,
        }
    }

    /// Whether the third party may see this document now (CON-8): the connection is active and
    /// before its expiry instant, and the document is one the learner shares.
    pub fn shows(&self, reference: &str, now: OffsetDateTime) -> bool {
        self.state().third_party_sees_documents(now)
            && self.document_references.iter().any(|r| r == reference)
    }
}

/// The side of a connection an account of this kind takes, if any.
fn side_for(kind: AccountKind) -> Option<Side> {
    match kind {
        AccountKind::Learner => Some(Side::Learner),
        AccountKind::ThirdParty => Some(Side::ThirdParty),
        AccountKind::Centre | AccountKind::Admin => None,
    }
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Learner => "learner",
        Side::ThirdParty => "third_party",
    }
}

/// The partition of a side's list: its account's, or its e-mail's while it has none.
fn list_partition(side: Side, party: &Party) -> String {
    match &party.user_id {
        Some(user_id) => keys::user_partition(user_id),
        None => keys::invited_partition(side_name(side), &party.email),
    }
}

/// A side's copy of the connection: open ones sort by expiry, closed ones by when they closed.
fn list_key(side: Side, connection: &Connection) -> Key {
    let sort = if connection.status.is_open() {
        format!(
            "{}{}#{}",
            keys::CONNECTIONS_OPEN,
            sortable(connection.expires_at()),
            connection.id
        )
    } else {
        format!(
            "{}{}#{}",
            keys::CONNECTIONS_CLOSED,
            sortable(connection.updated_at),
            connection.id
        )
    };
    Key::new(list_partition(side, connection.party(side)), sort)
}

fn item(connection: &Connection) -> Result<Item> {
    let item = to_item(&keys::connection(&connection.id), connection)?;
    Ok(if connection.status == Status::Active {
        indexed(
            item,
            keys::CONNECTIONS_DUE,
            format!("{}#{}", sortable(connection.expires_at()), connection.id),
        )
    } else {
        item
    })
}

/// The writes that store `after` over `before` (`None`: a new connection): the connection
/// itself, conditional on the version read, and both sides' copies, moved when their keys change.
fn writes(before: Option<&Connection>, after: &Connection) -> Result<Vec<Write>> {
    let mut writes = vec![match before {
        None => Write::put_new(item(after)?),
        Some(before) => Write::put_if(item(after)?, Condition::version_is(before.version)),
    }];
    for side in [Side::Learner, Side::ThirdParty] {
        let key = list_key(side, after);
        if let Some(before) = before {
            let old = list_key(side, before);
            if old != key {
                writes.push(Write::delete(old));
            }
        }
        writes.push(Write::put(to_item(&key, after)?));
    }
    Ok(writes)
}

/// Stores new connections as they are, through the same writes as [`save`] (the item, its
/// index entry while active, both sides' list copies) but many at once and without e-mails:
/// for tests that need thousands of them (the expiry function's load).
#[doc(hidden)]
pub async fn seed(ctx: &Ctx, connections: &[Connection]) -> Result<()> {
    for chunk in connections.chunks(crate::ports::table::MAX_TRANSACTION_WRITES / 3) {
        let mut all = Vec::with_capacity(chunk.len() * 3);
        for connection in chunk {
            all.extend(writes(None, connection)?);
        }
        ctx.table.transact(all).await?;
    }
    Ok(())
}

/// Stores a change with its e-mails; a change made meanwhile by someone else wins and this one
/// is refused, so the person can look again.
async fn save(
    ctx: &Ctx,
    before: Option<&Connection>,
    after: &Connection,
    also: Vec<Write>,
) -> Result<()> {
    let mut all = writes(before, after)?;
    all.extend(also);
    match ctx.table.transact(all).await {
        Ok(()) => Ok(()),
        Err(TableError::ConditionFailed { .. } | TableError::Conflict) => Err(Error::Conflict(
            "this connection was changed meanwhile; look at it again and retry".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The connection as stored (`None`: no such connection, or not an id at all).
pub async fn load(ctx: &Ctx, id: &str) -> Result<Option<Connection>> {
    if !crate::secrets::is_id(id) {
        return Ok(None);
    }
    ctx.table
        .get(&keys::connection(id))
        .await?
        .map(from_item)
        .transpose()
}

/// The connection and the caller's side of it; only learners and third parties may ask (403).
/// Someone who is neither side is told it does not exist. A side invited by e-mail joins it here
/// when the caller's verified address and kind are that side's.
async fn load_for(ctx: &Ctx, principal: &Principal, id: &str) -> Result<(Connection, Side)> {
    side_for(principal.kind()).ok_or(Error::Forbidden)?;
    let connection = load(ctx, id).await?.ok_or(Error::NotFound)?;
    if let Some(side) = connection.side_of(principal) {
        return Ok((connection, side));
    }
    let joined = join(ctx, principal, connection)
        .await?
        .ok_or(Error::NotFound)?;
    let side = joined.side_of(principal).ok_or(Error::NotFound)?;
    Ok((joined, side))
}

/// The side of `connection` the principal's account takes over, if it was waiting for them.
fn waiting_side(connection: &Connection, principal: &Principal) -> Option<Side> {
    let email = principal.account.email.as_str();
    let side = side_for(principal.kind())?;
    // A learner's side brings their documents: only a learner linked to their records takes it.
    if side == Side::Learner && principal.account.enrolment_number.is_none() {
        return None;
    }
    let party = connection.party(side);
    (party.user_id.is_none() && party.email == email).then_some(side)
}

/// Joins the principal's account to the side of `connection` that was waiting for its e-mail.
async fn join(
    ctx: &Ctx,
    principal: &Principal,
    connection: Connection,
) -> Result<Option<Connection>> {
    let Some(side) = waiting_side(&connection, principal) else {
        return Ok(None);
    };
    let account = &principal.account;
    let mut joined = connection.clone();
    match side {
        Side::Learner => {
            joined.learner.user_id = Some(account.id.clone());
            joined.enrolment_number = account.enrolment_number.as_ref().map(|n| n.to_string());
        }
        Side::ThirdParty => {
            joined.third_party.user_id = Some(account.id.clone());
            joined.third_party.company = account.company.clone();
        }
    }
    joined.version += 1;
    match save(ctx, Some(&connection), &joined, Vec::new()).await {
        Ok(()) => Ok(Some(joined)),
        // Joined (or changed) meanwhile: read what is there now.
        Err(Error::Conflict(_)) => load(ctx, &connection.id).await,
        Err(e) => Err(e),
    }
}

/// Joins every connection waiting for the principal's e-mail to their account (CON-1: the
/// connection attaches to the account registered with that e-mail).
async fn join_waiting(ctx: &Ctx, principal: &Principal) -> Result<()> {
    let Some(side) = side_for(principal.kind()) else {
        return Ok(());
    };
    let partition = keys::invited_partition(side_name(side), principal.account.email.as_str());
    let mut cursor = None;
    loop {
        let page = ctx
            .table
            .query(&crate::ports::Query::partition(&partition).after(cursor))
            .await?;
        for waiting in page.items {
            let id = waiting
                .get("id")
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            if let Some(connection) = load(ctx, id).await? {
                join(ctx, principal, connection).await?;
            }
        }
        cursor = page.next_cursor;
        if cursor.is_none() {
            return Ok(());
        }
    }
}

/// The state machine's refusal as the person sees it.
fn refused(refusal: Refused) -> Error {
    match refusal {
        Refused::NotNow(why) => Error::Conflict(why.to_owned()),
        Refused::NotYours(_) => Error::Forbidden,
        Refused::BadExpiry(why) => Error::field("expires_on", why),
    }
}

/// Applies one action of `side` to the connection, giving the changed connection.
fn apply(
    ctx: &Ctx,
    connection: &Connection,
    side: Option<Side>,
    action: Action,
) -> Result<Connection> {
    let now = ctx.now();
    let next = connection
        .state()
        .apply(side, action, now, rules(ctx, now))
        .map_err(refused)?;
    let mut changed = connection.clone();
    changed.status = next.status;
    // Every instant the machine is given is the end of a day, so this is that day.
    changed.expires_on = last_day(next.expires_at);
    if next.extension_requested.is_none() {
        changed.extension_request = None;
    }
    changed.updated_at = now;
    changed.version += 1;
    Ok(changed)
}
