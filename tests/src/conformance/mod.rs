//! Port conformance: one suite per port, run against every adapter of that port, so that the
//! embedded adapters and the AWS adapters keep the same semantics.
//!
//! # Design
//!
//! Each case is a plain `pub async fn` in [`table`], [`blobs`] or [`mailer`] that takes a fresh,
//! empty fixture and panics on a deviation. An adapter's test file runs every case with one
//! macro call per port; each case becomes its own `#[tokio::test(flavor = "multi_thread")]`, so
//! failures are reported by case name and cases run in parallel:
//!
//! ```text
//! use portal_tests::{blobs_conformance, mailer_conformance, table_conformance};
//!
//! async fn table() -> Arc<dyn Table> { … }                          // a fresh, empty table
//! async fn blobs() -> portal_tests::conformance::BlobsFixture { … }  // blobs + a URL fetcher
//! async fn mailer() -> portal_tests::conformance::MailerFixture { … } // mailer + its mailbox
//!
//! table_conformance!(table);
//! blobs_conformance!(blobs);
//! mailer_conformance!(mailer);
//! ```
//!
//! The factory is a path to an `async fn` taking no arguments. The calling crate needs `tokio`
//! (with `macros` and `rt-multi-thread`). To keep a temporary directory or other resource alive
//! for a table case, wrap the table with [`table::with_guard`]; the blob and mailer fixtures own
//! whatever their fetcher or mailbox holds.
//!
//! - Table fixture: `Arc<dyn Table>`.
//! - Blob fixture: [`BlobsFixture`]: the store and a [`FetchUrl`] that GETs a signed URL as a
//!   browser would ([`HttpFetcher`] does it over HTTP, for S3's presigned URLs).
//! - Mailer fixture: [`MailerFixture`]: the mailer and a [`SentMailbox`] listing what was
//!   delivered. Cases only look for their own e-mails (unique subjects), so a mailbox shared
//!   between cases (one emulator) is fine.
//!
//! Cases assume that a write is visible to the next read, on the table and on the index. An
//! emulator gives that; DynamoDB's index is only eventually consistent (see [`Query`]).
//!
//! [`Query`]: portal_domain::ports::table::Query

pub mod blobs;
pub mod mailer;
pub mod table;

pub use blobs::{BlobsFixture, FetchUrl, HttpFetcher};
pub use mailer::{Delivered, MailerFixture, SentMailbox};

/// Expands to one `#[tokio::test]` per named case of a suite module.
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_cases {
    ($suite:ident, $factory:path, [$($case:ident),* $(,)?]) => {
        $(
            #[::tokio::test(flavor = "multi_thread")]
            async fn $case() {
                $crate::conformance::$suite::$case($factory().await).await;
            }
        )*
    };
}

/// Runs the table suite against `$factory`, an `async fn() -> Arc<dyn Table>` returning a fresh,
/// empty table each time.
#[macro_export]
macro_rules! table_conformance {
    ($factory:path) => {
        $crate::__conformance_cases!(
            table,
            $factory,
            [
                get_of_a_missing_item_is_none,
                get_many_answers_in_the_order_asked_with_gaps_and_repeats,
                every_kind_of_value_round_trips,
                put_replaces_the_whole_item,
                not_exists_holds_only_when_nothing_is_stored,
                exists_holds_only_when_an_item_is_stored,
                equals_compares_the_stored_attribute_by_value_and_type,
                all_holds_only_when_every_condition_holds,
                version_is_guards_optimistic_updates,
                a_transaction_applies_all_its_writes,
                a_transaction_of_one_hundred_writes_applies,
                a_failed_transaction_writes_nothing_and_names_the_failing_write,
                a_check_guards_a_transaction_without_writing,
                delete_is_conditional_and_deleting_nothing_is_fine,
                invalid_transactions_are_refused_and_write_nothing,
                query_orders_by_sort_key_bytes,
                query_begins_with,
                query_between_is_inclusive,
                query_greater_or_equal_and_less_or_equal,
                partitions_are_isolated,
                an_empty_partition_is_one_empty_last_page,
                a_page_with_room_to_spare_is_the_last,
                pagination_returns_every_item_once_in_order,
                pagination_returns_every_item_once_in_descending_order,
                pagination_respects_the_sort_condition,
                bad_cursors_are_invalid,
                limits_out_of_range_are_invalid,
                an_unknown_index_is_invalid,
                the_index_holds_only_items_with_both_index_attributes,
                the_index_follows_updates_and_removals,
                index_queries_order_and_paginate,
                index_queries_apply_sort_conditions,
                increment_creates_from_zero_and_adds,
                increment_by_a_negative_amount,
                increment_sets_the_ttl_and_keeps_other_attributes,
                concurrent_increments_all_count,
                concurrent_conditional_puts_have_one_winner,
                concurrent_put_new_has_one_winner,
                concurrent_guarded_transactions_have_one_winner,
            ]
        );
    };
}

/// Runs the blob suite against `$factory`, an `async fn() -> BlobsFixture` returning an empty
/// store each time.
#[macro_export]
macro_rules! blobs_conformance {
    ($factory:path) => {
        $crate::__conformance_cases!(
            blobs,
            $factory,
            [
                get_of_a_missing_blob_is_none,
                put_then_get_round_trips_bytes_and_content_type,
                an_empty_blob_round_trips,
                put_replaces_bytes_and_content_type,
                delete_removes_and_deleting_again_is_fine,
                bad_keys_are_invalid_everywhere,
                a_key_and_keys_below_it_coexist,
                a_streamed_upload_in_uneven_chunks_is_stored_exactly,
                an_upload_is_invisible_until_finished,
                an_aborted_upload_leaves_nothing,
                an_upload_of_nothing_is_an_empty_blob,
                a_signed_url_serves_the_current_bytes,
                a_signed_url_with_a_changed_signature_is_refused,
                a_signed_url_changed_to_another_key_is_refused,
                a_signed_url_with_a_changed_expiry_is_refused,
                an_expired_signed_url_is_refused,
                a_signed_url_of_a_missing_blob_serves_nothing,
            ]
        );
    };
}

/// Runs the mailer suite against `$factory`, an `async fn() -> MailerFixture`.
#[macro_export]
macro_rules! mailer_conformance {
    ($factory:path) => {
        $crate::__conformance_cases!(
            mailer,
            $factory,
            [a_sent_email_is_delivered, two_emails_are_both_delivered,]
        );
    };
}

/// A token no other case or run uses, for names in shared emulators.
pub(crate) fn unique_token() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    format!(
        "{nanos:x}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}
