//! Every item kind's keys, in one place (single-table design).
//!
//! | item | pk | sk | gsi1pk / gsi1sk |
//! | --- | --- | --- | --- |
//! | account | `USER#{id}` | `PROFILE` | `ACCOUNTS#{first char of e-mail}` / `{email}` |
//! | e-mail guard (one account per e-mail) | `LOGIN#{email}` | `LOGIN` | |
//! | address | `USER#{id}` | `ADDRESS#{address id}` | |
//! | sign-in activity | `USER#{id}` | `SIGNIN#{instant}#{n}` | |
//! | session | `SESSION#{sha256(token)}` | `SESSION` | `SESSIONS#{user id}` / `{instant}#{session id}` |
//! | second factor (TOTP secret, last step used, recovery codes' hashes) | `USER#{id}` | `MFA` | |
//! | sign-in waiting for its second factor | `MFACHALLENGE#{sha256(token)}` | `MFA` | |
//! | wrong passwords in a row and locks, by e-mail (known or not) | `LOCKOUT#{sha256(e-mail)}` | `LOCKOUT` | |
//! | verification / reset token | `TOKEN#{sha256(token)}` | `TOKEN` | |
//! | unconfirmed registration | `UNVERIFIED` | `{instant}#{user id}` | |
//! | pending review | `REVIEWS` | `{instant}#{user id}` | |
//! | learner record | `LEARNER#{enrolment number}` | `RECORD` | `LEARNERNAME#{last name}` / `{first name}#{dob}#{enrolment}` |
//! | learner record's account (one account per learner) | `LINK#LEARNER#{enrolment number}` | `LINK` | |
//! | centre record | `CENTRE#{centre number}` | `RECORD` | `CENTRENAME#{name}` / `{centre number}` |
//! | queued e-mail | `EMAIL#{id}` | `EMAIL` | `EMAILQ` / `{next attempt}#{id}` while queued |
//! | rate counter | `RATE#{action}#{scope}` | `{window start}` | |
//! | job (one per job id; its body's hash) | `JOB#{job id}` | `JOB` | `CENTREJOBS#{centre number}` / `{instant}#{job id}` |
//! | job's document slot (which reference a job's n-th document got) | `JOB#{job id}` | `SLOT#{achievement:05}#{document}` | |
//! | document (its reference is its key: unique) | `DOC#{reference}` | `DOC` | |
//! | achievement with its documents | `LEARNER#{enrolment number}` | `ACH#{job id}#{achievement:05}` | `CENTRERECS#{centre number}` / `{award date}#{enrolment number}#{job id}#{achievement:05}` |
//! | learner told their documents are available (CEN-3) | `LEARNER#{enrolment number}` | `NOTIFIED#{centre number}#{documents' fingerprint}` | |
//! | centre's zip download | `CENTRE#{centre number}` | `DOWNLOAD#{id}` | `CENTREDLS#{centre number}` / `{instant}#{id}` |
//! | the documents a download holds, in chunks | `CENTRE#{centre number}` | `DLDOCS#{id}#{chunk:04}` | |
//! | download waiting to be built, or being built | `ZIPQUEUE` | `{instant}#{centre number}#{id}` | |
//! | download to delete when it expires | `DLEXPIRY` | `{expiry instant}#{centre number}#{id}` | |
//! | report | `REPORT#{id}` | `REPORT` | `REPORTS#{state}` / `{instant}#{id}` |
//! | connection | `CONN#{id}` | `CONN` | `CONNDUE` / `{expiry instant}#{id}` while active |
//! | a side's copy of a connection (its list) | `USER#{id}`, or `INVITED#{side}#{email}` before that side has an account | `CONN#A#{expiry instant}#{id}` while open, `CONN#I#{changed instant}#{id}` after | |
//! | learner found by third-party search (opted in) | `SEARCH#{normalised last name}` | `{normalised first name}#{user id}` | |
//! | basket line (one per product and document) | `USER#{id}` | `BASKET#{line id}` | |
//! | order (its id comes from the buyer's idempotency key) | `ORDER#{id}` | `ORDER` | `ORDERS#{buyer's user id}`, or `ORDERS#CENTRE#{centre number}` for a centre's / `{created instant}#{id}` |
//! | centre's account (credit limit, balance) | `CENTRE#{centre number}` | `CREDIT` | |
//! | centre's account entry (charge, credit note, payment) | `CENTRE#{centre number}` | `LEDGER#{account version, 12 digits}` | |
//! | order's row in the administrators' queue | `ORDER#{id}` | `ROW` | `ALLORDERS` / `{created instant}#{id}` |
//! | order to cancel if still unpaid | `ORDERDUE` | `{due instant}#{order id}` | |
//! | proof-of-qualification letter ordered (one per buyer and achievement) | `ONCE#{product}#{buyer's user id}#{enrolment number}#{job id}#{achievement:05}` | `ONCE` | |
//! | payment provider's webhook event handled | `PAYEVENT#{event id}` | `EVENT` | |

use crate::ports::Key;

pub const PROFILE: &str = "PROFILE";
pub const RECORD: &str = "RECORD";

pub fn account(user_id: &str) -> Key {
    Key::new(user_partition(user_id), PROFILE)
}

pub fn user_partition(user_id: &str) -> String {
    format!("USER#{user_id}")
}

/// The index partition accounts are found in by e-mail prefix (sharded by first character).
pub fn accounts_index(email_or_prefix: &str) -> String {
    let first = email_or_prefix.chars().next().unwrap_or('_');
    format!("ACCOUNTS#{first}")
}

pub fn email_guard(email: &str) -> Key {
    Key::new(format!("LOGIN#{email}"), "LOGIN")
}

pub const ADDRESS_PREFIX: &str = "ADDRESS#";

pub fn address(user_id: &str, address_id: &str) -> Key {
    Key::new(
        user_partition(user_id),
        format!("{ADDRESS_PREFIX}{address_id}"),
    )
}

pub const SIGNIN_PREFIX: &str = "SIGNIN#";

pub fn sign_in(user_id: &str, at: &str, n: &str) -> Key {
    Key::new(user_partition(user_id), format!("{SIGNIN_PREFIX}{at}#{n}"))
}

pub fn session(token_hash: &str) -> Key {
    Key::new(format!("SESSION#{token_hash}"), "SESSION")
}

/// The index partition of an account's sessions (its list of where it is signed in).
pub fn user_sessions_index(user_id: &str) -> String {
    format!("SESSIONS#{user_id}")
}

pub fn second_factor(user_id: &str) -> Key {
    Key::new(user_partition(user_id), "MFA")
}

pub fn mfa_challenge(token_hash: &str) -> Key {
    Key::new(format!("MFACHALLENGE#{token_hash}"), "MFA")
}

/// `scope`: a hash of the e-mail address tried, so unknown addresses are kept the same way.
pub fn lockout(scope: &str) -> Key {
    Key::new(format!("LOCKOUT#{scope}"), "LOCKOUT")
}

pub fn token(token_hash: &str) -> Key {
    Key::new(format!("TOKEN#{token_hash}"), "TOKEN")
}

pub const UNVERIFIED: &str = "UNVERIFIED";

pub fn unverified(since: &str, user_id: &str) -> Key {
    Key::new(UNVERIFIED, format!("{since}#{user_id}"))
}

pub const REVIEWS: &str = "REVIEWS";

pub fn review(since: &str, user_id: &str) -> Key {
    Key::new(REVIEWS, format!("{since}#{user_id}"))
}

pub fn learner_record(enrolment_number: &str) -> Key {
    Key::new(learner_partition(enrolment_number), RECORD)
}

/// Guards that one account at most is linked to a learner record.
pub fn learner_link(enrolment_number: &str) -> Key {
    Key::new(format!("LINK#LEARNER#{enrolment_number}"), "LINK")
}

pub fn learner_name_index(normalised_last_name: &str) -> String {
    format!("LEARNERNAME#{normalised_last_name}")
}

pub fn centre_record(centre_number: &str) -> Key {
    Key::new(centre_partition(centre_number), RECORD)
}

pub fn centre_name_index(normalised_name: &str) -> String {
    format!("CENTRENAME#{normalised_name}")
}

/// Queued e-mails' partition key prefix; the template's stream filter uses it too.
pub const EMAIL_PREFIX: &str = "EMAIL#";
pub const EMAIL_QUEUE: &str = "EMAILQ";

pub fn email(id: &str) -> Key {
    Key::new(format!("{EMAIL_PREFIX}{id}"), "EMAIL")
}

pub fn rate(action: &str, scope: &str, window_start: i64) -> Key {
    Key::new(format!("RATE#{action}#{scope}"), window_start.to_string())
}

pub fn job(job_id: &str) -> Key {
    Key::new(job_partition(job_id), "JOB")
}

pub fn job_partition(job_id: &str) -> String {
    format!("JOB#{job_id}")
}

pub fn centre_jobs_index(centre_number: &str) -> String {
    format!("CENTREJOBS#{centre_number}")
}

pub const SLOT_PREFIX: &str = "SLOT#";

pub fn job_slot(job_id: &str, achievement: usize, document: usize) -> Key {
    Key::new(
        job_partition(job_id),
        format!("{SLOT_PREFIX}{achievement:05}#{document}"),
    )
}

pub fn document(reference: &str) -> Key {
    Key::new(format!("DOC#{reference}"), "DOC")
}

pub const ACHIEVEMENT_PREFIX: &str = "ACH#";

pub fn learner_partition(enrolment_number: &str) -> String {
    format!("LEARNER#{enrolment_number}")
}

pub fn achievement(enrolment_number: &str, job_id: &str, index: usize) -> Key {
    Key::new(
        learner_partition(enrolment_number),
        format!("{ACHIEVEMENT_PREFIX}{job_id}#{index:05}"),
    )
}

pub fn report(id: &str) -> Key {
    Key::new(format!("REPORT#{id}"), "REPORT")
}

/// Reports by state, oldest first: `open` for admins to answer, `closed` for the record (ADM-3).
pub fn reports_index(state: &str) -> String {
    format!("REPORTS#{state}")
}

pub fn connection(id: &str) -> Key {
    Key::new(format!("CONN#{id}"), "CONN")
}

/// Active connections by expiry instant: the expiry function's work list (CON-10).
pub const CONNECTIONS_DUE: &str = "CONNDUE";

/// The list of one side's connections: the prefix of the open ones (pending, active), by
/// expiry, and of the closed ones, by when they closed.
pub const CONNECTIONS_OPEN: &str = "CONN#A#";
pub const CONNECTIONS_CLOSED: &str = "CONN#I#";

/// Where a side's copy of a connection waits until someone with that e-mail has an account.
pub fn invited_partition(side: &str, email: &str) -> String {
    format!("INVITED#{side}#{email}")
}

pub fn search_entry(normalised_last_name: &str, normalised_first_name: &str, user_id: &str) -> Key {
    Key::new(
        search_partition(normalised_last_name),
        format!("{normalised_first_name}#{user_id}"),
    )
}

pub fn search_partition(normalised_last_name: &str) -> String {
    format!("SEARCH#{normalised_last_name}")
}

/// A centre's records (achievements), by award date: the Records page (CEN-2).
pub fn centre_records_index(centre_number: &str) -> String {
    format!("CENTRERECS#{centre_number}")
}

pub fn notified(enrolment_number: &str, centre_number: &str, fingerprint: &str) -> Key {
    Key::new(
        learner_partition(enrolment_number),
        format!("NOTIFIED#{centre_number}#{fingerprint}"),
    )
}

/// A centre's record and its downloads.
pub fn centre_partition(centre_number: &str) -> String {
    format!("CENTRE#{centre_number}")
}

/// A download is kept under its centre: another centre's id finds nothing.
pub fn download(centre_number: &str, id: &str) -> Key {
    Key::new(centre_partition(centre_number), format!("DOWNLOAD#{id}"))
}

pub fn download_documents(centre_number: &str, id: &str, chunk: usize) -> Key {
    Key::new(
        centre_partition(centre_number),
        format!("{}{chunk:04}", download_documents_prefix(id)),
    )
}

/// The sort-key prefix of all of a download's document chunks.
pub fn download_documents_prefix(id: &str) -> String {
    format!("DLDOCS#{id}#")
}

/// A centre's downloads, newest first (CEN-4).
pub fn centre_downloads_index(centre_number: &str) -> String {
    format!("CENTREDLS#{centre_number}")
}

/// Downloads to build (queued) or being built: `build-zip`'s work list.
pub const ZIP_QUEUE: &str = "ZIPQUEUE";

pub fn zip_queue_entry(queued_at: &str, centre_number: &str, id: &str) -> Key {
    Key::new(ZIP_QUEUE, format!("{queued_at}#{centre_number}#{id}"))
}

/// Downloads by expiry: `expire-downloads`' work list (SCH-2).
pub const DOWNLOAD_EXPIRY: &str = "DLEXPIRY";

pub fn download_expiry_entry(expires_at: &str, centre_number: &str, id: &str) -> Key {
    Key::new(
        DOWNLOAD_EXPIRY,
        format!("{expires_at}#{centre_number}#{id}"),
    )
}

pub const BASKET_PREFIX: &str = "BASKET#";

pub fn basket_line(user_id: &str, line_id: &str) -> Key {
    Key::new(user_partition(user_id), format!("{BASKET_PREFIX}{line_id}"))
}

pub fn order(id: &str) -> Key {
    Key::new(format!("ORDER#{id}"), "ORDER")
}

/// A buyer's orders, newest first (ORD-5).
pub fn buyer_orders_index(user_id: &str) -> String {
    format!("ORDERS#{user_id}")
}

/// A centre's orders, newest first: every user of the centre sees them (ORD-5, CEN-6).
pub fn centre_orders_index(centre_number: &str) -> String {
    format!("ORDERS#CENTRE#{centre_number}")
}

/// A centre's account: its credit limit and what it owes (CEN-6).
pub fn centre_credit(centre_number: &str) -> Key {
    Key::new(centre_partition(centre_number), "CREDIT")
}

pub const LEDGER_PREFIX: &str = "LEDGER#";

/// One entry of a centre's account: a charge, a credit note or a payment.
pub fn centre_ledger(centre_number: &str, version: i64) -> Key {
    // The account's version orders the entries exactly as they were posted, which instants
    // from different functions' clocks (or within one millisecond) cannot.
    Key::new(
        centre_partition(centre_number),
        format!("{LEDGER_PREFIX}{version:012}"),
    )
}

/// An order's row in the administrators' queue.
pub fn order_row(id: &str) -> Key {
    Key::new(format!("ORDER#{id}"), "ROW")
}

/// Every order's row, newest first: the administrators' queue (ORD-6).
pub const ALL_ORDERS: &str = "ALLORDERS";

/// Orders to cancel when still unpaid: `expire-orders`' work list.
pub const ORDERS_DUE: &str = "ORDERDUE";

pub fn order_due_entry(due: &str, order_id: &str) -> Key {
    Key::new(ORDERS_DUE, format!("{due}#{order_id}"))
}

/// A product sold at most once per buyer and achievement (the proof-of-qualification letter).
pub fn once_per_achievement(
    product_id: &str,
    buyer_id: &str,
    enrolment_number: &str,
    job_id: &str,
    achievement: usize,
) -> Key {
    Key::new(
        format!("ONCE#{product_id}#{buyer_id}#{enrolment_number}#{job_id}#{achievement:05}"),
        "ONCE",
    )
}

pub fn payment_event(event_id: &str) -> Key {
    Key::new(format!("PAYEVENT#{event_id}"), "EVENT")
}
