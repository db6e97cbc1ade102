//! Signing in and out, and the server-side sessions that carry a signed-in person.
//!
//! A session is a random 256-bit token held by the client (a `__Host-` cookie in browsers, a
//! bearer token for API clients); the table keeps its SHA-256 with the account, a CSRF token,
//! and the instants that bound it (idle and absolute timeouts). Ending a session deletes it;
//! a password change or reset moves the account to a new session generation, which ends
//! every session of the old one at once.
//!
//! Wrong passwords (and wrong second-factor codes) are counted per e-mail address, whether or
//! not it has an account: five in a row pause sign-in for 15 minutes, doubling with each further
//! lock up to a day; a success (or a password reset, for an account) clears the count.
//!
//! A person sees where they are signed in and can end any of those sessions. Each session has
//! a separate random id for that list (and the index `SESSIONS#{user id}`), so neither the token
//! nor its hash ever leaves the server.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::model::{Account, AccountKind, AccountStatus};
use crate::ctx::Ctx;
use crate::error::{Error, Fields, Result};
use crate::items::{expiring, from_item, indexed, sortable, to_item};
use crate::keys;
use crate::messages;
use crate::outbox;
use crate::ports::table::GSI1;
use crate::ports::{Condition, Item, Key, Query, TableError, Write};
use crate::rate_limit;
use crate::secrets;
use crate::values::EmailAddress;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub user_id: String,
    pub kind: AccountKind,
    pub generation: i64,
    pub csrf_token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen_at: OffsetDateTime,
    /// An administrator or centre user without a second factor: this session can only set one
    /// up (see `portal_http::auth`), until it is confirmed.
    #[serde(default)]
    pub setup_only: bool,
    /// The id the person's list of sessions shows (not the token, nor its hash). Sessions
    /// started before lists existed have none and are not listed.
    #[serde(default)]
    pub id: String,
    /// The device, summarised from the User-Agent at sign-in ("Chrome on Android").
    #[serde(default)]
    pub device: String,
    /// The client's network address at sign-in.
    #[serde(default)]
    pub address: String,
}

/// A request's signed-in person.
#[derive(Debug, Clone)]
pub struct Principal {
    pub account: Account,
    pub session_key: Key,
    pub session: Session,
}

impl Principal {
    pub fn user_id(&self) -> &str {
        &self.account.id
    }

    pub fn kind(&self) -> AccountKind {
        self.account.kind
    }

    /// Refuses (403) unless the account is of one of these kinds.
    pub fn require(&self, kinds: &[AccountKind]) -> Result<()> {
        if kinds.contains(&self.account.kind) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct LoginInput {
    pub email: Option<String>,
    pub password: Option<String>,
}

/// A new session: the secret for the client and its CSRF token.
#[derive(Debug)]
pub struct SignedIn {
    pub token: String,
    pub csrf_token: String,
    pub account: Account,
    /// The session can only set up a second factor (administrators and centre users without one).
    pub setup_only: bool,
}

/// How a right password went on.
#[derive(Debug)]
pub enum LoginOutcome {
    SignedIn(Box<SignedIn>),
    /// The account has a second factor: its code goes with this token to `POST /api/auth/mfa`.
    SecondFactorNeeded {
        mfa_token: String,
    },
}

/// How sign-in attempts went, for the account's activity list (ADM-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignInOutcome {
    Success,
    WrongPassword,
    Locked,
    NotActive,
    /// The password was right; the second factor's code was not.
    WrongCode,
}

/// Keeps sign-in activity for 90 days.
const KEEP_ACTIVITY: Duration = Duration::days(90);

/// The first lock's length; each further lock in a row lasts twice the one before.
pub const FIRST_LOCK: Duration = Duration::minutes(15);
/// No lock lasts longer.
pub const LONGEST_LOCK: Duration = Duration::hours(24);
/// Failures and locks are forgotten this long after the last of them.
const FORGET_AFTER: Duration = Duration::hours(24);

/// How long the lock after `previous` locks in a row lasts: 15 minutes, doubling, at most 24 h.
pub fn lock_length(previous: i64) -> Duration {
    let doublings = u32::try_from(previous.clamp(0, 7)).unwrap_or(7);
    (FIRST_LOCK * 2_i32.pow(doublings)).min(LONGEST_LOCK)
}

/// Wrong attempts in a row for one e-mail address, known or not, kept the same way for both so
/// neither the answers nor their timing tell which addresses have accounts. A known account's
/// lock also needs its `locked` flag, which a password reset or an administrator clears.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lockout {
    /// Wrong attempts since the last lock or success.
    pub failures: i64,
    /// Locks in a row (sets the next one's length).
    pub locks: i64,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub locked_until: Option<OffsetDateTime>,
    /// The last failure, or the end of the last lock: all is forgotten a day after it.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_at: Option<OffsetDateTime>,
    #[serde(default)]
    pub version: i64,
}

impl Lockout {
    /// The state as it stands at `now`: nothing remembered a day after the last event.
    pub fn at(self, now: OffsetDateTime) -> Self {
        match self.last_at {
            Some(last) if now < last + FORGET_AFTER => self,
            _ => Self {
                version: self.version,
                ..Self::default()
            },
        }
    }

    /// How long the lock still lasts, if it is in force.
    pub fn remaining(&self, now: OffsetDateTime) -> Option<Duration> {
        self.locked_until.filter(|u| now < *u).map(|u| u - now)
    }

    /// Counts a wrong attempt; at the limit, locks and returns for how long.
    pub fn fail(&mut self, now: OffsetDateTime, limit: i64) -> Option<Duration> {
        self.failures += 1;
        self.last_at = Some(now);
        if self.failures < limit {
            return None;
        }
        let length = lock_length(self.locks);
        self.failures = 0;
        self.locks += 1;
        self.locked_until = Some(now + length);
        self.last_at = Some(now + length);
        Some(length)
    }
}

fn lockout_key(email: &EmailAddress) -> Key {
    keys::lockout(&secrets::token_hash(&email.as_str().to_lowercase()))
}

async fn load_lockout(ctx: &Ctx, key: &Key) -> Result<Lockout> {
    Ok(match ctx.table.get(key).await? {
        Some(item) => from_item::<Lockout>(item)?.at(ctx.now()),
        None => Lockout::default(),
    })
}

/// A known account's state: its `locked` flag and failure count win (a reset clears them).
fn account_lockout(account: &Account, stored: Lockout) -> Lockout {
    let mut state = stored;
    state.failures = state.failures.min(account.failed_logins);
    if !account.locked {
        state.locked_until = None;
    }
    state
}

/// The write of a lockout state, conditional on the version read (kept a day past its last event).
fn lockout_write(key: &Key, before: i64, after: &Lockout) -> Result<Write> {
    let expires = after.last_at.unwrap_or(OffsetDateTime::UNIX_EPOCH) + FORGET_AFTER;
    let item = expiring(to_item(key, after)?, expires);
    Ok(if before == 0 {
        Write::put_if(item, Condition::NotExists)
    } else {
        Write::put_if(item, Condition::version_is(before))
    })
}

fn locked_error(remaining: Duration) -> Error {
    Error::Locked {
        retry_after_secs: u64::try_from(remaining.whole_seconds()).unwrap_or(0).max(1),
    }
}

/// Signs in. The answer for an unknown e-mail and for a wrong password is the same, takes the
/// same time (a dummy hash is verified), and after five failures in a row both say "locked for
/// a while" for the same time. With a second factor, a right password gives a token for
/// [`super::mfa::complete_sign_in`] rather than a session.
pub async fn login(
    ctx: &Ctx,
    input: &LoginInput,
    client: &str,
    user_agent: Option<&str>,
) -> Result<LoginOutcome> {
    let mut f = Fields::new();
    let email = f.required("email", input.email.as_deref(), EmailAddress::parse);
    let password = f.required("password", input.password.as_deref(), |p| {
        Ok::<_, &str>(p.to_owned())
    });
    let (Some(email), Some(password)) = (email, password) else {
        return Err(f.into_error());
    };
    let limits = &ctx.settings.limits;
    rate_limit::enforce(ctx, "login-ip", client, limits.login_per_ip).await?;
    rate_limit::enforce(
        ctx,
        "login-account",
        email.as_str(),
        limits.login_per_account,
    )
    .await?;
    let lock_key = lockout_key(&email);

    let Some(account) = super::find_by_email(ctx, &email).await? else {
        // Not audited: there is no account to file the attempt under, and recording every
        // address tried would fill the log with whatever a guesser sends. Such attempts are
        // rate-limited per address and per client instead (above), and lock as accounts do.
        secrets::verify_password(&password, None).await?;
        return Err(unknown_failure(ctx, &lock_key).await);
    };
    let right = secrets::verify_password(&password, Some(&account.password_hash)).await?;
    if account.admin_locked {
        let why = "the account is locked by an administrator";
        record_failure(ctx, &account, client, SignInOutcome::Locked, why).await?;
        return Err(Error::AdminLocked);
    }
    refuse_if_paused(ctx, &account, client).await?;
    if !right {
        return Err(count_failure(ctx, account, client, "wrong password").await?);
    }
    if account.status != AccountStatus::Active {
        let why = format!("the account is {}", account.status.as_str());
        record_failure(ctx, &account, client, SignInOutcome::NotActive, &why).await?;
        return Err(Error::NotActive(account.status.as_str()));
    }
    if super::mfa::is_enabled(ctx, &account.id).await? {
        let mfa_token = super::mfa::challenge(ctx, &account).await?;
        return Ok(LoginOutcome::SecondFactorNeeded { mfa_token });
    }
    let setup_only = super::mfa::is_required(account.kind);
    finish_sign_in(ctx, account, client, user_agent, setup_only, None)
        .await
        .map(|signed_in| LoginOutcome::SignedIn(Box::new(signed_in)))
}

/// Refuses (and records the attempt) while sign-in is paused after wrong attempts: checked at
/// the password and again at the second factor, since a pause can begin between the two.
pub(super) async fn refuse_if_paused(ctx: &Ctx, account: &Account, client: &str) -> Result<()> {
    let state = account_lockout(
        account,
        load_lockout(ctx, &lockout_key(&account.email)).await?,
    );
    match state.remaining(ctx.now()) {
        None => Ok(()),
        Some(remaining) => {
            let why = "sign-in is paused after wrong attempts";
            record_failure(ctx, account, client, SignInOutcome::Locked, why).await?;
            Err(locked_error(remaining))
        }
    }
}

/// The last step of a successful sign-in: clears the failures, records it, starts the session
/// (with `more` writes in the same transaction). How many locks came before is kept (for a day
/// after the last), so a guesser gains nothing from the person's own sign-ins.
pub(super) async fn finish_sign_in(
    ctx: &Ctx,
    account: Account,
    client: &str,
    user_agent: Option<&str>,
    setup_only: bool,
    more: Option<Vec<Write>>,
) -> Result<SignedIn> {
    let account = if account.failed_logins > 0 || account.locked {
        let mut reset = account.clone();
        reset.clear_pause();
        reset.version += 1;
        save(ctx, &account, &reset).await?;
        reset
    } else {
        account
    };
    let detail = more.is_some().then_some("with a second factor");
    let mut writes = more.unwrap_or_default();
    writes.push(sign_in_record(
        ctx,
        &account,
        client,
        SignInOutcome::Success,
    )?);
    writes.push(crate::audit::entry_by(
        ctx,
        &account,
        "auth.sign_in",
        &account.id,
        detail,
    )?);
    let origin = Origin {
        address: client.to_owned(),
        device: device_name(user_agent),
    };
    start_session(ctx, account, writes, &origin, setup_only).await
}

/// A wrong password for an address without an account: counted and locked as for an account.
async fn unknown_failure(ctx: &Ctx, key: &Key) -> Error {
    let limit = ctx.settings.limits.lockout_after;
    for _ in 0..5 {
        let now = ctx.now();
        let mut state = match load_lockout(ctx, key).await {
            Ok(state) => state,
            Err(e) => return e,
        };
        if let Some(remaining) = state.remaining(now) {
            return locked_error(remaining);
        }
        let before = state.version;
        state.version += 1;
        let locked = state.fail(now, limit);
        let write = match lockout_write(key, before, &state) {
            Ok(write) => write,
            Err(e) => return e,
        };
        match ctx.table.transact(vec![write]).await {
            Ok(()) => return locked.map_or(Error::BadCredentials, locked_error),
            Err(TableError::ConditionFailed { .. } | TableError::Conflict) => {}
            Err(e) => return e.into(),
        }
    }
    Error::BadCredentials
}

/// Adds one wrong attempt (`what`: "wrong password", "wrong code"); locks at the limit for a
/// while (and e-mails the person). Returns the error to answer with: locked, or wrong.
pub(super) async fn count_failure(
    ctx: &Ctx,
    mut account: Account,
    client: &str,
    what: &str,
) -> Result<Error> {
    let key = lockout_key(&account.email);
    let limit = ctx.settings.limits.lockout_after;
    let outcome = if what == "wrong password" {
        SignInOutcome::WrongPassword
    } else {
        SignInOutcome::WrongCode
    };
    for _ in 0..5 {
        let now = ctx.now();
        let stored = load_lockout(ctx, &key).await?;
        let mut state = account_lockout(&account, stored.clone());
        if let Some(remaining) = state.remaining(now) {
            return Ok(locked_error(remaining));
        }
        let before = stored.version;
        state.version = before + 1;
        let locked = state.fail(now, limit);
        let mut updated = account.clone();
        updated.failed_logins = if locked.is_some() {
            limit
        } else {
            state.failures
        };
        updated.locked = locked.is_some();
        updated.locked_until = locked.map(|length| now + length);
        updated.version += 1;
        let mut writes = vec![
            Write::put_if(updated.to_item()?, Condition::version_is(account.version)),
            lockout_write(&key, before, &state)?,
            sign_in_record(ctx, &updated, client, outcome)?,
            crate::audit::entry_by(
                ctx,
                &updated,
                "auth.sign_in_failed",
                &updated.id,
                Some(&format!("{what} ({} in a row)", updated.failed_logins)),
            )?,
        ];
        if let Some(length) = locked {
            writes.push(crate::audit::entry_by(
                ctx,
                &updated,
                "auth.locked",
                &updated.id,
                Some(&format!(
                    "for {} minutes after {} wrong attempts in a row",
                    length.whole_minutes(),
                    updated.failed_logins
                )),
            )?);
            let reset = ctx.settings.link("/forgot-password");
            let until = until_in_words(now + length);
            writes.push(outbox::enqueue(
                ctx,
                messages::account_locked(
                    &ctx.settings,
                    account.first_name.as_str(),
                    &until,
                    &reset,
                ),
                account.email.as_str(),
            )?);
        }
        match ctx.table.transact(writes).await {
            Ok(()) => {
                return Ok(locked.map_or(Error::BadCredentials, locked_error));
            }
            Err(TableError::ConditionFailed { .. } | TableError::Conflict) => {
                account = super::load(ctx, &account.id)
                    .await?
                    .ok_or(Error::BadCredentials)?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::Internal(
        "could not record a failed sign-in".to_owned(),
    ))
}

/// "14:05 UTC on 5 December 2026".
fn until_in_words(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[hour]:[minute] UTC on [day padding:none] [month repr:long] [year]"
    );
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_else(|_| at.to_string())
}

async fn save(ctx: &Ctx, before: &Account, after: &Account) -> Result<()> {
    ctx.table
        .put(after.to_item()?, Condition::version_is(before.version))
        .await
        .map_err(|e| match e {
            TableError::ConditionFailed { .. } | TableError::Conflict => {
                Error::Conflict("the account changed meanwhile; try again".to_owned())
            }
            other => other.into(),
        })
}

/// A refused sign-in of a known account that changes nothing else: its activity record and its
/// audit entry (`auth.sign_in_failed`, saying why, never what was typed), in one transaction.
async fn record_failure(
    ctx: &Ctx,
    account: &Account,
    client: &str,
    outcome: SignInOutcome,
    why: &str,
) -> Result<()> {
    ctx.table
        .transact(vec![
            sign_in_record(ctx, account, client, outcome)?,
            crate::audit::entry_by(ctx, account, "auth.sign_in_failed", &account.id, Some(why))?,
        ])
        .await?;
    Ok(())
}

/// The write of a sign-in attempt to the account's activity list (kept 90 days).
fn sign_in_record(
    ctx: &Ctx,
    account: &Account,
    client: &str,
    outcome: SignInOutcome,
) -> Result<Write> {
    let now = ctx.now();
    let n = secrets::new_id(ctx.random.as_ref());
    let key = keys::sign_in(&account.id, &sortable(now), &n[..8]);
    let record = SignIn {
        at: now,
        client: client.to_owned(),
        outcome,
    };
    Ok(Write::put(expiring(
        to_item(&key, &record)?,
        now + KEEP_ACTIVITY,
    )))
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SignIn {
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    /// The client's network address.
    pub client: String,
    pub outcome: SignInOutcome,
}

/// Where a session was started from, as the person's list of sessions shows it.
#[derive(Debug, Clone)]
pub(super) struct Origin {
    pub address: String,
    pub device: String,
}

impl Origin {
    /// The device and address of an existing session (for the one that replaces it).
    pub fn of(session: &Session) -> Self {
        Self {
            address: session.address.clone(),
            device: session.device.clone(),
        }
    }
}

/// Creates a session for the account, in one transaction with `writes`.
pub(super) async fn start(
    ctx: &Ctx,
    account: Account,
    writes: Vec<Write>,
    origin: &Origin,
) -> Result<SignedIn> {
    start_session(ctx, account, writes, origin, false).await
}

/// As [`start`]; a `setup_only` session can only set up a second factor.
async fn start_session(
    ctx: &Ctx,
    account: Account,
    mut writes: Vec<Write>,
    origin: &Origin,
    setup_only: bool,
) -> Result<SignedIn> {
    let token = secrets::new_token(ctx.random.as_ref());
    let csrf_token = secrets::new_token(ctx.random.as_ref());
    let now = ctx.now();
    let session = Session {
        user_id: account.id.clone(),
        kind: account.kind,
        generation: account.session_generation,
        csrf_token: csrf_token.clone(),
        created_at: now,
        last_seen_at: now,
        setup_only,
        id: secrets::new_id(ctx.random.as_ref()),
        device: origin.device.clone(),
        address: origin.address.clone(),
    };
    let item = session_item(ctx, &keys::session(&secrets::token_hash(&token)), &session)?;
    writes.push(Write::put_new(item));
    ctx.table.transact(writes).await?;
    Ok(SignedIn {
        token,
        csrf_token,
        account,
        setup_only,
    })
}

/// The signed-in person behind a session token, or 401. Ends sessions past their idle or
/// absolute timeout, of an older generation, or of an account that is locked or not active.
pub async fn resolve(ctx: &Ctx, token: &str) -> Result<Principal> {
    if !secrets::looks_like_token(token) {
        return Err(Error::Unauthenticated);
    }
    let key = keys::session(&secrets::token_hash(token));
    let item = ctx.table.get(&key).await?.ok_or(Error::Unauthenticated)?;
    let mut session: Session = from_item(item)?;
    let now = ctx.now();
    let settings = &ctx.settings;
    if now >= session.created_at + settings.session_absolute
        || now >= session.last_seen_at + settings.session_idle
    {
        ctx.table.delete(key, Condition::Always).await?;
        return Err(Error::Unauthenticated);
    }
    let account = super::load(ctx, &session.user_id)
        .await?
        .ok_or(Error::Unauthenticated)?;
    // A lock after wrong passwords does not end sessions (it would let anyone sign anyone
    // out); an administrator's lock does.
    if account.session_generation != session.generation
        || account.admin_locked
        || account.status != AccountStatus::Active
    {
        ctx.table.delete(key, Condition::Always).await?;
        return Err(Error::Unauthenticated);
    }
    // Note activity at most once a minute: a write per request would cost more than it tells.
    if now - session.last_seen_at >= Duration::minutes(1) {
        session.last_seen_at = now;
        let item = session_item(ctx, &key, &session)?;
        match ctx.table.put(item, Condition::Exists).await {
            Ok(()) | Err(TableError::ConditionFailed { .. } | TableError::Conflict) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Principal {
        account,
        session_key: key,
        session,
    })
}

/// A session's stored item: kept until its absolute timeout, listed under its account (by
/// start instant) once it has a list id.
fn session_item(ctx: &Ctx, key: &Key, session: &Session) -> Result<Item> {
    let mut item = to_item(key, session)?;
    if !session.id.is_empty() {
        item = indexed(
            item,
            keys::user_sessions_index(&session.user_id),
            format!("{}#{}", sortable(session.created_at), session.id),
        );
    }
    Ok(expiring(
        item,
        session.created_at + ctx.settings.session_absolute,
    ))
}

/// "Chrome on Android", "Safari on iOS", "Firefox": the browser and the operating system a
/// User-Agent names, coarsely (enough for a person to recognise their device, no more).
pub fn device_name(user_agent: Option<&str>) -> String {
    let ua = user_agent.unwrap_or("");
    let has = |needles: &[&str]| needles.iter().any(|n| ua.contains(n));
    let browser = if has(&["Edg/", "EdgA/", "EdgiOS/"]) {
        Some("Edge")
    } else if has(&["OPR/", "Opera"]) {
        Some("Opera")
    } else if has(&["Firefox/", "FxiOS/"]) {
        Some("Firefox")
    } else if has(&["Chrome/", "CriOS/", "Chromium/"]) {
        Some("Chrome")
    } else if has(&["Safari/"]) {
        Some("Safari")
    } else {
        None
    };
    let system = if has(&["Android"]) {
        Some("Android")
    } else if has(&["iPhone", "iPad", "iPod"]) {
        Some("iOS")
    } else if has(&["Windows"]) {
        Some("Windows")
    } else if has(&["CrOS"]) {
        Some("ChromeOS")
    } else if has(&["Macintosh", "Mac OS X"]) {
        Some("macOS")
    } else if has(&["Linux"]) {
        Some("Linux")
    } else {
        None
    };
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(one), None) | (None, Some(one)) => one.to_owned(),
        (None, None) => "Unknown device".to_owned(),
    }
}

/// One place the person is signed in, as their list shows it: never the token or its hash.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionSummary {
    pub id: String,
    /// "Chrome on Android": the browser and system, from the User-Agent at sign-in.
    pub device: String,
    /// The network address signed in from.
    pub address: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub signed_in_at: OffsetDateTime,
    /// Noted at most once a minute.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub last_seen_at: OffsetDateTime,
    /// The session this request came with.
    pub this_session: bool,
}

/// The most sessions a list shows (newest first); sessions end within 12 hours anyway.
const MAX_LISTED: u32 = 100;

/// The person's live sessions (newest first), with their keys.
async fn live_sessions(ctx: &Ctx, principal: &Principal) -> Result<Vec<(Key, Session)>> {
    let query = Query::index(GSI1, keys::user_sessions_index(principal.user_id()))
        .descending()
        .limit(MAX_LISTED);
    let page = ctx.table.query(&query).await?;
    let now = ctx.now();
    let settings = &ctx.settings;
    let mut live = Vec::new();
    for item in page.items {
        let Some(key) = Key::of(&item) else { continue };
        let session: Session = from_item(item)?;
        if session.user_id == principal.user_id()
            && session.generation == principal.account.session_generation
            && now < session.created_at + settings.session_absolute
            && now < session.last_seen_at + settings.session_idle
        {
            live.push((key, session));
        }
    }
    Ok(live)
}

/// Where the person is signed in, newest first; `this_session` marks the request's own.
pub async fn list(ctx: &Ctx, principal: &Principal) -> Result<Vec<SessionSummary>> {
    Ok(live_sessions(ctx, principal)
        .await?
        .into_iter()
        .map(|(key, session)| SessionSummary {
            this_session: key == principal.session_key,
            id: session.id,
            device: session.device,
            address: session.address,
            signed_in_at: session.created_at,
            last_seen_at: session.last_seen_at,
        })
        .collect())
}

/// Ends one of the person's sessions by its list id (another person's id, or an unknown one,
/// is not found). Ending this very session signs out, as [`logout`] does.
pub async fn end(ctx: &Ctx, principal: &Principal, id: &str) -> Result<()> {
    if !secrets::is_id(id) {
        return Err(Error::NotFound);
    }
    let (key, session) = live_sessions(ctx, principal)
        .await?
        .into_iter()
        .find(|(_, session)| session.id == id)
        .ok_or(Error::NotFound)?;
    let detail = format!("{} from {}", session.device, session.address);
    // Conditional, so of two requests ending the same session only one succeeds (and audits).
    ctx.table
        .transact(vec![
            Write::delete_if(key, Condition::Exists),
            crate::audit::entry(
                ctx,
                principal,
                "account.session_ended",
                principal.user_id(),
                Some(&detail),
            )?,
        ])
        .await
        .map_err(|e| match e {
            TableError::ConditionFailed { .. } | TableError::Conflict => Error::NotFound,
            other => other.into(),
        })
}

/// Ends this session.
pub async fn logout(ctx: &Ctx, principal: &Principal) -> Result<()> {
    ctx.table
        .delete(principal.session_key.clone(), Condition::Always)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + Duration::days(20_000) + Duration::minutes(minutes)
    }

    #[test]
    fn devices_are_named_by_browser_and_system() {
        let named = |ua| device_name(Some(ua));
        assert_eq!(
            named(
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
            ),
            "Chrome on Android"
        );
        assert_eq!(
            named(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1"
            ),
            "Safari on iOS"
        );
        assert_eq!(
            named("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
            "Firefox on Linux"
        );
        assert_eq!(
            named(
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
            ),
            "Edge on Windows"
        );
        assert_eq!(named("curl/8.5.0"), "Unknown device");
        assert_eq!(device_name(None), "Unknown device");
    }

    #[test]
    fn locks_last_fifteen_minutes_then_double_up_to_a_day() {
        let lengths: Vec<i64> = (0..9).map(|n| lock_length(n).whole_minutes()).collect();
        assert_eq!(lengths, [15, 30, 60, 120, 240, 480, 960, 1440, 1440]);
        assert_eq!(lock_length(-3), FIRST_LOCK);
        assert_eq!(lock_length(i64::MAX), LONGEST_LOCK);
    }

    #[test]
    fn the_fifth_failure_locks_and_a_day_later_all_is_forgotten() {
        let mut state = Lockout::default();
        for _ in 0..4 {
            assert_eq!(state.fail(at(0), 5), None);
        }
        assert_eq!(state.remaining(at(0)), None);
        assert_eq!(state.fail(at(1), 5), Some(Duration::minutes(15)));
        assert_eq!(state.remaining(at(2)), Some(Duration::minutes(14)));
        assert_eq!(state.remaining(at(16)), None);
        // The count starts again after a lock; the next lock is longer.
        for _ in 0..4 {
            assert_eq!(state.fail(at(20), 5), None);
        }
        assert_eq!(state.fail(at(20), 5), Some(Duration::minutes(30)));
        // A day after the end of the last lock, nothing is remembered.
        let later = state.clone().at(at(50) + Duration::hours(24));
        assert_eq!(
            (later.failures, later.locks, later.locked_until),
            (0, 0, None)
        );
        let sooner = state.clone().at(at(49) + Duration::hours(24));
        assert_eq!(sooner.locks, 2);
    }
}
