//! The OpenAPI 3.1 document, generated from the route table and the request and response
//! types. `GET /api/openapi.json` serves it; `functions/openapi.json` is the copy kept in the
//! repository (a test fails when it is stale; `UPDATE_OPENAPI=1 cargo test -p functions`
//! rewrites it).

use std::sync::OnceLock;

use portal_domain::accounts::{
    addresses, admin, mfa, model, passwords, profile, registration, sessions,
};
use portal_domain::documents::{self, jobs};
use portal_domain::records;
use portal_domain::{centre, connections, store};
use serde_json::{Value, json};
use utoipa::openapi::ComponentsBuilder;

use crate::handlers;
use crate::routes::{ROUTES, Route};

/// What one route takes and gives, by schema name.
struct Operation {
    summary: &'static str,
    request: Option<&'static str>,
    status: u16,
    response: Option<&'static str>,
    /// Who may call it.
    access: &'static str,
}

fn operation(route: &Route) -> Operation {
    let op = |summary, request, status, response, access| Operation {
        summary,
        request,
        status,
        response,
        access,
    };
    match (route.method, route.path) {
        ("GET", "/api/health") => op("Health and version", None, 200, Some("Health"), "anyone"),
        ("GET", "/api/openapi.json") => op("This document", None, 200, None, "anyone"),
        ("GET", "/api/site") => op(
            "Branding and support contact (white-label configuration)",
            None,
            200,
            Some("Site"),
            "anyone",
        ),
        ("POST", "/api/auth/register") => op(
            "Register (the same answer whether or not the e-mail is known)",
            Some("RegisterInput"),
            202,
            Some("Message"),
            "anyone",
        ),
        ("POST", "/api/auth/verify-email") => op(
            "Follow the verification link",
            Some("VerifyInput"),
            200,
            Some("Verified"),
            "anyone",
        ),
        ("POST", "/api/auth/centre-approval") => op(
            "A centre's central address approves or declines a centre user (the link e-mailed to it; works once, 7 days)",
            Some("CentreDecisionInput"),
            200,
            Some("CentreDecision"),
            "anyone with the link",
        ),
        ("POST", "/api/auth/record-code") => op(
            "Claim a learner record with the one-time code sent to the address it holds (5 tries, 1 hour)",
            Some("RecordCodeInput"),
            200,
            Some("Verified"),
            "anyone with the code token",
        ),
        ("POST", "/api/auth/cancel-email-change") => op(
            "Cancel an e-mail change from the link sent to the old address (before or within 7 days after it is confirmed); ends every session",
            Some("CancelEmailChangeInput"),
            200,
            Some("Message"),
            "anyone with the link",
        ),
        ("POST", "/api/auth/login") => op(
            "Sign in; sets the session cookie, or (with a second factor) answers {mfa_required, mfa_token} for POST /api/auth/mfa. Five wrong attempts in a row pause sign-in (423, Retry-After)",
            Some("LoginBody"),
            200,
            Some("LoginAnswer"),
            "anyone",
        ),
        ("POST", "/api/auth/mfa") => op(
            "Second step of signing in: the code from the authenticator app (or a recovery code) with the login's mfa_token; answers the session as login does",
            Some("SecondStepBody"),
            200,
            Some("SessionStarted"),
            "anyone",
        ),
        ("POST", "/api/me/mfa/totp") => op(
            "Start setting up two-step sign-in: a new secret, its otpauth URI and QR code (not in force until confirmed)",
            None,
            200,
            Some("TotpSetupAnswer"),
            "signed in",
        ),
        ("POST", "/api/me/mfa/totp/confirm") => op(
            "Confirm the new secret with a code from it: two-step sign-in is on; answers 10 single-use recovery codes, once",
            Some("ConfirmInput"),
            200,
            Some("RecoveryCodes"),
            "signed in",
        ),
        ("DELETE", "/api/me/mfa") => op(
            "Turn two-step sign-in off, with the password and a code (not for administrators and centre users)",
            Some("DisableInput"),
            200,
            Some("Message"),
            "signed in (learners and third parties)",
        ),
        ("POST", "/api/auth/logout") => op("End this session", None, 204, None, "signed in"),
        ("POST", "/api/auth/forgot-password") => op(
            "Ask for a reset link (the same answer whether or not the e-mail is known)",
            Some("ForgotInput"),
            202,
            Some("Message"),
            "anyone",
        ),
        ("POST", "/api/auth/reset-password") => op(
            "Set a new password from a reset link; unlocks; ends all sessions",
            Some("ResetInput"),
            200,
            Some("Message"),
            "anyone",
        ),
        ("GET", "/api/me") => op("My profile", None, 200, Some("Me"), "signed in"),
        ("PATCH", "/api/me") => op(
            "Change my profile",
            Some("ProfileChange"),
            200,
            Some("Me"),
            "signed in",
        ),
        ("POST", "/api/me/password") => op(
            "Change my password; ends other sessions and renews this one",
            Some("ChangePasswordInput"),
            200,
            Some("SessionStarted"),
            "signed in",
        ),
        ("GET", "/api/me/addresses") => op(
            "My address book",
            None,
            200,
            Some("AddressList"),
            "signed in",
        ),
        ("POST", "/api/me/addresses") => op(
            "Add an address",
            Some("AddressInput"),
            201,
            Some("Address"),
            "signed in",
        ),
        ("PUT", "/api/me/addresses/{id}") => op(
            "Replace an address",
            Some("AddressInput"),
            200,
            Some("Address"),
            "signed in (own addresses)",
        ),
        ("DELETE", "/api/me/addresses/{id}") => op(
            "Remove an address",
            None,
            204,
            None,
            "signed in (own addresses)",
        ),
        ("GET", "/api/me/sessions") => op(
            "Where I am signed in: device, address, signed in at, last seen; never a session's token",
            None,
            200,
            Some("SessionList"),
            "signed in",
        ),
        ("DELETE", "/api/me/sessions/{id}") => op(
            "End one of my sessions (this one too: that signs out)",
            None,
            204,
            None,
            "signed in (own sessions)",
        ),
        ("POST", "/api/records/learners") => op(
            "Upsert up to 1,000 learner records",
            Some("LearnersImport"),
            200,
            Some("Imported"),
            "records system (API key), admin",
        ),
        ("POST", "/api/records/centres") => op(
            "Upsert up to 1,000 centre records",
            Some("CentresImport"),
            200,
            Some("Imported"),
            "records system (API key), admin",
        ),
        ("POST", "/api/records/jobs") => op(
            "Issue a job of up to 5,000 documents (201); the same job_id again issues nothing new (200)",
            Some("JobInput"),
            201,
            Some("JobIssued"),
            "records system (API key), admin",
        ),
        ("GET", "/api/documents") => op(
            "My achievements with their documents, newest award first",
            None,
            200,
            Some("AchievementList"),
            "learner",
        ),
        ("GET", "/api/documents/{reference}") => op(
            "One document with its achievement",
            None,
            200,
            Some("DocumentView"),
            "learner (own documents), third party (shared with them: ?connection=id), admin",
        ),
        ("GET", "/api/documents/{reference}/linkedin") => op(
            "LinkedIn's add-to-profile address for my document (DOC-7)",
            None,
            200,
            Some("LinkedIn"),
            "learner (own documents)",
        ),
        ("GET", "/api/documents/{reference}/pdf") => op(
            "The document as a PDF with its QR code (view: inline, never counted; ?download=true: an attachment counted against the learner's limit, X-Downloads-Remaining says what is left)",
            None,
            200,
            Some(PDF),
            "learner (own documents), third party (shared with them: ?connection=id), admin",
        ),
        ("GET", "/api/documents/{reference}/badge") => op(
            "A digital badge's image (SVG)",
            None,
            200,
            Some(SVG),
            "learner (own documents), third party (shared with them: ?connection=id), admin",
        ),
        ("POST", "/api/documents/{reference}/reports") => op(
            "Report a problem with a document; the awarding body's team is e-mailed (DOC-6). The answer leaves out the learner's enrolment number",
            Some("ReportInput"),
            201,
            Some("FiledReport"),
            "learner (own documents), third party (shared with them: ?connection=id), admin",
        ),
        ("GET", "/api/admin/reports") => op(
            "Reports, oldest first (?state=open|closed)",
            None,
            200,
            Some("ReportPage"),
            "admin",
        ),
        ("POST", "/api/admin/reports/{id}/close") => op(
            "Answer and close a report; the reporter is e-mailed the answer (ADM-3)",
            Some("CloseInput"),
            200,
            Some("Report"),
            "admin",
        ),
        ("GET", "/api/admin/audit") => op(
            "The audit log: sign-ins and changes, who did what, when and from which address, newest first; a month (?month=YYYY-MM, this month by default) or a date range of at most 12 months (?from=&to=), filtered by actor, action prefix and target; a page examines at most 1,000 entries and may hold fewer matches than the limit with a cursor to go on (ADM-5)",
            None,
            200,
            Some("AuditEntryPage"),
            "admin",
        ),
        ("GET", "/api/admin/audit.csv") => op(
            "The audit log as a CSV download (RFC 4180; columns at, actor_email, actor_id, action, target, detail, client; cells that a spreadsheet would take for a formula start with '), with the same filters, newest first, at most 10,000 rows (X-Audit-Truncated: true when more matched) (ADM-5)",
            None,
            200,
            Some(CSV),
            "admin",
        ),
        ("POST", "/api/admin/documents/{reference}/revoke") => op(
            "Revoke a document: it is no longer valid anywhere (DOC-8)",
            Some("DocumentChangeInput"),
            200,
            Some("Changed"),
            "admin",
        ),
        ("POST", "/api/admin/documents/{reference}/withdraw") => op(
            "Withdraw a document (DOC-8)",
            Some("DocumentChangeInput"),
            200,
            Some("Changed"),
            "admin",
        ),
        ("POST", "/api/admin/documents/{reference}/reissue") => op(
            "Reissue a document with the next issue number; the old one is superseded (DOC-8)",
            Some("DocumentChangeInput"),
            200,
            Some("Changed"),
            "admin",
        ),
        ("GET", "/verify/{reference}") => op(
            "The Smart Verify page for phones (HTML); JSON with Accept: application/json",
            None,
            200,
            Some("Verification"),
            "anyone (rate-limited per address)",
        ),
        ("GET", "/api/verify/{reference}") => op(
            "A document's status and key facts (JSON)",
            None,
            200,
            Some("Verification"),
            "anyone (rate-limited per address)",
        ),
        ("GET", "/api/admin/registrations") => op(
            "Pending registrations beside the closest records",
            None,
            200,
            Some("PendingRegistrationPage"),
            "admin",
        ),
        ("POST", "/api/admin/registrations/{id}/approve") => op(
            "Approve, linking the right record",
            Some("ApproveInput"),
            200,
            Some("Profile"),
            "admin",
        ),
        ("POST", "/api/admin/registrations/{id}/reject") => op(
            "Reject, with the reason e-mailed",
            Some("RejectInput"),
            200,
            Some("Profile"),
            "admin",
        ),
        ("GET", "/api/admin/users") => op(
            "Find accounts by the start of their e-mail (?q=)",
            None,
            200,
            Some("AccountSummaryPage"),
            "admin",
        ),
        ("GET", "/api/admin/users/{id}") => op(
            "One account with its recent sign-in activity",
            None,
            200,
            Some("AccountDetail"),
            "admin",
        ),
        ("POST", "/api/admin/users/{id}/lock") => op(
            "Lock an account",
            None,
            200,
            Some("AccountSummary"),
            "admin",
        ),
        ("POST", "/api/admin/users/{id}/mfa/reset") => op(
            "Remove a person's second factor (audited; they are e-mailed)",
            None,
            200,
            Some("Message"),
            "admin",
        ),
        ("POST", "/api/admin/users/{id}/unlock") => op(
            "Unlock an account",
            None,
            200,
            Some("AccountSummary"),
            "admin",
        ),
        ("GET", "/api/connections") => op(
            "My connections on one tab (?tab=active: pending and active, soonest expiry first; ?tab=inactive: expired, rejected, cancelled, latest first), filtered by ?q= (CON-7)",
            None,
            200,
            Some("ConnectionViewPage"),
            "learner, third party",
        ),
        ("POST", "/api/connections") => op(
            "Start a connection: a learner adds a third party and chooses documents (CON-1); a third party asks a learner (CON-2). The same answer whether or not the e-mail belongs to anyone",
            Some("ConnectionInput"),
            201,
            Some("ConnectionView"),
            "learner, third party",
        ),
        ("GET", "/api/connections/{id}") => op(
            "One connection, with what the caller may do now",
            None,
            200,
            Some("ConnectionView"),
            "either side",
        ),
        ("DELETE", "/api/connections/{id}") => op(
            "Cancel a pending or active connection; the other side is e-mailed (CON-6)",
            None,
            200,
            Some("ConnectionView"),
            "either side",
        ),
        ("POST", "/api/connections/{id}/accept") => op(
            "Accept a pending connection (CON-3); a learner accepting chooses the documents to share",
            Some("SharesInput"),
            200,
            Some("ConnectionView"),
            "the side that did not start it",
        ),
        ("POST", "/api/connections/{id}/reject") => op(
            "Reject a pending connection (CON-3)",
            None,
            200,
            Some("ConnectionView"),
            "the side that did not start it",
        ),
        ("PUT", "/api/connections/{id}/documents") => op(
            "Change the documents shared (CON-4)",
            Some("SharesInput"),
            200,
            Some("ConnectionView"),
            "learner",
        ),
        ("POST", "/api/connections/{id}/extend") => op(
            "Set a new last day of access, also for an expired connection (CON-5)",
            Some("ExpiryInput"),
            200,
            Some("ConnectionView"),
            "learner",
        ),
        ("POST", "/api/connections/{id}/extension-requests") => op(
            "Ask the learner for more time (CON-5); the connection's extension_request holds its id",
            Some("ExpiryInput"),
            201,
            Some("ConnectionView"),
            "third party",
        ),
        ("POST", "/api/connections/{id}/extension-requests/{request_id}/approve") => op(
            "Approve the third party's request for more time (CON-5)",
            None,
            200,
            Some("ConnectionView"),
            "learner",
        ),
        ("POST", "/api/connections/{id}/extension-requests/{request_id}/decline") => op(
            "Decline the third party's request for more time (CON-5)",
            None,
            200,
            Some("ConnectionView"),
            "learner",
        ),
        ("GET", "/api/connections/{id}/documents") => op(
            "The documents a connection shares, while it is active and before its expiry instant (CON-8); open each with ?connection=id",
            None,
            200,
            Some("SharedDocuments"),
            "third party",
        ),
        ("GET", "/api/search/learners") => op(
            "Learners who opted in to third-party search, by full name or a document's reference (?q=, 3 characters at least; rate-limited): name, reference, qualification, award date only (CON-9)",
            None,
            200,
            Some("LearnerFoundPage"),
            "third party",
        ),
        ("GET", "/api/centre/jobs") => op(
            "The centre's jobs, newest first (CEN-1)",
            None,
            200,
            Some("JobSummaryPage"),
            "centre",
        ),
        ("GET", "/api/centre/jobs/{job_id}") => op(
            "One of the centre's jobs with a page of its records, in the job's order (CEN-1)",
            None,
            200,
            Some("JobRecords"),
            "centre",
        ),
        ("GET", "/api/centre/records") => op(
            "The centre's records (a learner's achievement with its documents), newest award first, searched (CEN-2); open documents with the document routes (view-only copies)",
            None,
            200,
            Some("AchievementPage"),
            "centre",
        ),
        ("POST", "/api/centre/notifications") => op(
            "E-mail learners that their documents are available; not twice for the same documents within the configured interval (CEN-3)",
            Some("NotifyInput"),
            200,
            Some("Notified"),
            "centre",
        ),
        ("POST", "/api/centre/downloads") => op(
            "Ask for a zip of documents (references, or a whole job) with the purpose; answers at once, queued (CEN-4). Idempotency-Key: asking again answers the same download",
            Some("DownloadInput"),
            202,
            Some("DownloadView"),
            "centre",
        ),
        ("GET", "/api/centre/downloads") => op(
            "The centre's downloads, newest first, with status, progress and expiry (CEN-4)",
            None,
            200,
            Some("DownloadViewPage"),
            "centre",
        ),
        ("GET", "/api/centre/downloads/{id}") => op(
            "One download; when ready, with `url`: a signed URL for the zip, valid 15 minutes (CEN-4)",
            None,
            200,
            Some("DownloadView"),
            "centre",
        ),
        ("POST", "/api/centre/downloads/{id}/retry") => op(
            "Queue a failed download again (CEN-4)",
            None,
            202,
            Some("DownloadView"),
            "centre",
        ),
        ("GET", "/api/store/products") => op(
            "What this buyer may buy, with the documents each product may be ordered for (ORD-1); third parties name the connection (`connection_id`)",
            None,
            200,
            Some("Offer"),
            "learner, third party",
        ),
        ("GET", "/api/basket") => op(
            "The basket at today's prices: lines, item count, total, whether prices changed (ORD-2)",
            None,
            200,
            Some("BasketView"),
            "learner, third party",
        ),
        ("POST", "/api/basket/items") => op(
            "Add a product for a document (the same again adds to its quantity); prices come from the store, never the client (ORD-2)",
            Some("AddInput"),
            201,
            Some("BasketView"),
            "learner, third party",
        ),
        ("PATCH", "/api/basket/items/{id}") => op(
            "Set a line's quantity, 1 to 10 (ORD-2)",
            Some("QuantityInput"),
            200,
            Some("BasketView"),
            "learner, third party (own basket)",
        ),
        ("DELETE", "/api/basket/items/{id}") => op(
            "Remove a line (ORD-2)",
            None,
            200,
            Some("BasketView"),
            "learner, third party (own basket)",
        ),
        ("GET", "/api/checkout/delivery-options") => op(
            "The delivery options for a delivery country (ORD-3)",
            None,
            200,
            Some("DeliveryChoiceList"),
            "signed in",
        ),
        ("POST", "/api/checkout/review") => op(
            "What the order would charge: each line's net, VAT and gross, delivery, VAT by rate and the total; nothing is written (ORD-3)",
            Some("CheckoutInput"),
            200,
            Some("Review"),
            "learner, third party",
        ),
        ("POST", "/api/checkout") => op(
            "Place the order from the basket (Idempotency-Key required: the same key answers the same order); answers where to pay (ORD-3, ORD-4)",
            Some("CheckoutInput"),
            201,
            Some("Placed"),
            "learner, third party",
        ),
        ("POST", "/api/payments/webhook") => op(
            "The payment provider's webhook, signed as Stripe signs (Stripe-Signature); handled once per event (ORD-4)",
            None,
            200,
            Some("Handled"),
            "the payment provider (signed)",
        ),
        ("GET", "/api/orders") => op(
            "The buyer's orders, newest first, filtered (ORD-5)",
            None,
            200,
            Some("OrderRowPage"),
            "learner, third party, centre (the centre's orders)",
        ),
        ("GET", "/api/orders/{id}") => op(
            "One of the buyer's orders: billing, delivery, lines, totals, payment and the log of its status changes (ORD-5)",
            None,
            200,
            Some("OrderView"),
            "learner, third party (own orders)",
        ),
        ("GET", "/api/orders/{id}/receipt") => op(
            "The order's VAT receipt as a PDF, once paid (ORD-4)",
            None,
            200,
            Some(PDF),
            "learner, third party (own orders)",
        ),
        ("POST", "/api/orders/{id}/pay") => op(
            "Pay now, again: a new payment page for an order awaiting payment (ORD-4)",
            None,
            200,
            Some("Placed"),
            "learner, third party (own orders)",
        ),
        ("GET", "/api/centre/credit") => op(
            "The centre's account: credit limit, what it owes, what an order on account may take (CEN-6)",
            None,
            200,
            Some("CreditView"),
            "centre",
        ),
        ("GET", "/api/centre/statements") => op(
            "The centre's monthly statements of its account, newest first (CEN-6)",
            None,
            200,
            Some("StatementList"),
            "centre",
        ),
        ("GET", "/api/centre/statements/{month}") => op(
            "A month's statement (`YYYY-MM`) as a PDF: opening and closing balance, each charge, credit note and payment (CEN-6)",
            None,
            200,
            Some(PDF),
            "centre",
        ),
        ("GET", "/api/admin/centres/{centre_number}/statements") => op(
            "A centre's monthly statements, newest first (CEN-6)",
            None,
            200,
            Some("StatementList"),
            "admin",
        ),
        ("GET", "/api/admin/centres/{centre_number}/statements/{month}") => op(
            "A centre's statement for a month (`YYYY-MM`) as a PDF (CEN-6)",
            None,
            200,
            Some(PDF),
            "admin",
        ),
        ("GET", "/api/admin/orders") => op(
            "Every order, newest first, with the ORD-5 filters and the centre (ORD-6)",
            None,
            200,
            Some("OrderRowPage"),
            "admin",
        ),
        ("GET", "/api/admin/orders/{id}") => op(
            "One order with the moves allowed from its status and what may be refunded (ORD-6)",
            None,
            200,
            Some("AdminOrderView"),
            "admin",
        ),
        ("PATCH", "/api/admin/orders/{id}") => op(
            "Move an order on (dispatch needs a carrier), cancel an unpaid one, or price a delivery priced by the team; logged, audited and e-mailed (ORD-6)",
            Some("ChangeInput"),
            200,
            Some("AdminOrderView"),
            "admin",
        ),
        ("POST", "/api/admin/orders") => op(
            "Place an order on a learner's or a centre's behalf: the buyer's own rules, addresses and payment methods; the buyer is e-mailed a link to pay (ORD-6)",
            Some("OnBehalfInput"),
            201,
            Some("Placed"),
            "admin",
        ),
        ("POST", "/api/admin/orders/{id}/refund") => op(
            "Refund (part of) a paid order: to the card, or a credit note for an order on account (ORD-6)",
            Some("RefundInput"),
            200,
            Some("AdminOrderView"),
            "admin",
        ),
        ("GET", "/api/admin/config") => op(
            "The configuration now: its version, who changed it and when (version 0: the environment's defaults) (ADM-4)",
            None,
            200,
            Some("ConfigVersion"),
            "admin",
        ),
        ("PUT", "/api/admin/config") => op(
            "A new version of the configuration, validated as a whole, conditional on the version seen (409 otherwise); in effect everywhere within 60 s; audited (ADM-4)",
            Some("ConfigInput"),
            200,
            Some("ConfigVersion"),
            "admin",
        ),
        ("GET", "/api/admin/config/versions") => op(
            "Every saved version, newest first (ADM-4)",
            None,
            200,
            Some("ConfigVersionPage"),
            "admin",
        ),
        ("POST", "/api/admin/print-packs") => op(
            "Print chosen paid orders: one PDF of packing slips, address labels and replacement copies (a link for 15 minutes); moves them to processing (ORD-6)",
            Some("PrintPackInput"),
            201,
            Some("PrintPackView"),
            "admin",
        ),
        ("GET", "/api/admin/centres/{centre_number}/credit") => op(
            "A centre's account (CEN-6)",
            None,
            200,
            Some("CreditView"),
            "admin",
        ),
        ("PUT", "/api/admin/centres/{centre_number}/credit") => op(
            "Set a centre's credit limit (audited)",
            Some("LimitInput"),
            200,
            Some("CreditView"),
            "admin",
        ),
        ("POST", "/api/admin/centres/{centre_number}/payments") => op(
            "Record a payment received from a centre: it restores the centre's available credit (audited)",
            Some("PaymentInput"),
            200,
            Some("CreditView"),
            "admin",
        ),
        _ => op("", None, 200, None, ""),
    }
}

/// The query parameters a route reads: (name, schema type, description).
fn query_parameters(route: &Route) -> Vec<(&'static str, &'static str, &'static str)> {
    const CURSOR: (&str, &str, &str) = (
        "cursor",
        "string",
        "Where the previous page ended (its `next_cursor`).",
    );
    const LIMIT: (&str, &str, &str) = ("limit", "integer", "At most this many items (1 to 100).");
    const CONNECTION: (&str, &str, &str) = (
        "connection",
        "string",
        "Third parties: the connection the document is shared through.",
    );
    const AUDIT_FILTERS: [(&str, &str, &str); 6] = [
        (
            "month",
            "string",
            "YYYY-MM; this month when neither it nor a range is given.",
        ),
        (
            "from",
            "string",
            "YYYY-MM-DD, inclusive (not with month); 11 months before to's month when absent.",
        ),
        (
            "to",
            "string",
            "YYYY-MM-DD, inclusive (not with month); today when absent. At most 12 months from from.",
        ),
        (
            "actor",
            "string",
            "Who acted: an e-mail address or account id, or its start.",
        ),
        (
            "action",
            "string",
            "The start of the action's name, such as auth. or order.",
        ),
        ("target", "string", "The object acted on, exactly."),
    ];
    match (route.method, route.path) {
        ("GET", "/api/admin/registrations") => vec![CURSOR, LIMIT],
        ("GET", "/api/admin/config/versions") => vec![CURSOR, LIMIT],
        ("GET", "/api/admin/audit") => [AUDIT_FILTERS.as_slice(), &[CURSOR, LIMIT]].concat(),
        ("GET", "/api/admin/audit.csv") => AUDIT_FILTERS.to_vec(),
        ("GET", "/api/documents/{reference}/pdf") => vec![
            (
                "download",
                "boolean",
                "true: download it (counts against the learner's limit).",
            ),
            CONNECTION,
        ],
        ("GET", "/api/admin/reports") => vec![
            ("state", "string", "open (the default) or closed."),
            CURSOR,
            LIMIT,
        ],
        ("GET", "/api/connections") => vec![
            ("tab", "string", "active (the default) or inactive."),
            (
                "q",
                "string",
                "Part of the other side's name, e-mail or company.",
            ),
            CURSOR,
            LIMIT,
        ],
        ("GET", "/api/search/learners") => vec![(
            "q",
            "string",
            "A full name or a document's reference (3 letters or digits at least).",
        )],
        ("GET", "/api/documents/{reference}" | "/api/documents/{reference}/badge")
        | ("POST", "/api/documents/{reference}/reports") => vec![CONNECTION],
        ("GET", "/api/centre/jobs" | "/api/centre/downloads" | "/api/centre/jobs/{job_id}") => {
            vec![CURSOR, LIMIT]
        }
        ("GET", "/api/centre/records") => vec![
            (
                "q",
                "string",
                "Part of a learner's name, an enrolment number or a document's reference.",
            ),
            (
                "qualification",
                "string",
                "Part of the qualification's title, or its code.",
            ),
            ("from", "string", "Awarded on or after (YYYY-MM-DD)."),
            ("to", "string", "Awarded on or before (YYYY-MM-DD)."),
            CURSOR,
            LIMIT,
        ],
        ("GET", "/api/store/products") => vec![(
            "connection_id",
            "string",
            "Third parties: the connection whose shared documents to offer products for.",
        )],
        ("GET", "/api/checkout/delivery-options") => vec![(
            "country",
            "string",
            "The delivery address's country: ISO 3166-1 alpha-2 (GB).",
        )],
        ("GET", "/api/orders" | "/api/admin/orders") => vec![
            (
                "status",
                "string",
                "One of the order statuses (awaiting_payment, paid, …).",
            ),
            ("product", "string", "A product id: orders holding it."),
            ("delivery", "string", "A delivery option id, or digital."),
            ("from", "string", "Placed on or after (YYYY-MM-DD)."),
            ("to", "string", "Placed on or before (YYYY-MM-DD)."),
            ("min_total", "integer", "At least this total, in pence."),
            ("max_total", "integer", "At most this total, in pence."),
            (
                "name",
                "string",
                "Part of a first or last name: the buyer's or a candidate's.",
            ),
            (
                "created_by",
                "string",
                "Part of the name of who placed it, or a kind of user (admin, centre, learner, third_party).",
            ),
            ("centre", "string", "A centre's number."),
            CURSOR,
            LIMIT,
        ],
        ("GET", "/api/admin/users") => vec![
            ("q", "string", "The start of the e-mail address."),
            CURSOR,
            LIMIT,
        ],
        _ => Vec::new(),
    }
}

/// A query parameter's schema: its type and the bounds the server enforces, so a request the
/// document admits is not refused (the contract check in `infra/test` holds the two together).
fn query_schema(route: &Route, name: &str, kind: &str) -> Value {
    match (route.path, name) {
        (_, "limit") => json!({ "type": kind, "minimum": 1, "maximum": 100, "default": 20 }),
        ("/api/admin/audit" | "/api/admin/audit.csv", "month") => {
            json!({ "type": kind, "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$" })
        }
        (_, "from" | "to") => json!({ "type": kind, "format": "date" }),
        ("/api/connections", "tab") => json!({ "type": kind, "enum": ["active", "inactive"] }),
        ("/api/admin/reports", "state") => json!({ "type": kind, "enum": ["open", "closed"] }),
        (_, "min_total" | "max_total") => {
            json!({ "type": kind, "minimum": 0, "maximum": 100_000_000 })
        }
        ("/api/admin/users", "q") => {
            json!({ "type": kind, "minLength": 1, "maxLength": 254, "pattern": "\\S" })
        }
        ("/api/checkout/delivery-options", "country") => {
            json!({ "type": kind, "pattern": "^[A-Za-z]{2}$" })
        }
        _ => json!({ "type": kind }),
    }
}

/// The query parameters the server refuses a request without.
fn query_required(route: &Route, name: &str) -> bool {
    matches!(
        (route.path, name),
        ("/api/admin/users", "q") | ("/api/checkout/delivery-options", "country")
    )
}

/// The routes that take an `Idempotency-Key` header: (whether it is required, what it does).
fn idempotency_key(route: &Route) -> Option<(bool, &'static str)> {
    match (route.method, route.path) {
        ("POST", "/api/checkout") => Some((
            true,
            "A new unique key for each order; a retry sends the same and is answered the same order.",
        )),
        ("POST", "/api/admin/orders") => Some((
            true,
            "A new unique key for each order; a retry sends the same and is answered the same order.",
        )),
        ("POST", "/api/centre/downloads") => Some((
            false,
            "Asking again with the same key answers the same download.",
        )),
        _ => None,
    }
}

/// A stable, unique name for the operation: the method and the path's words
/// (`get-admin-users-id`), which client generators use for function names.
fn operation_id(route: &Route) -> String {
    // Pages outside /api (the verify page) are told apart from the API route of the same name.
    let (kind, rest) = match route.path.strip_prefix("/api/") {
        Some(rest) => ("", rest),
        None => ("page-", route.path),
    };
    let words: Vec<&str> = rest
        .split(['/', '.'])
        .map(|s| s.trim_start_matches('{').trim_end_matches('}'))
        .filter(|s| !s.is_empty())
        .collect();
    format!("{}-{kind}{}", route.method.to_lowercase(), words.join("-"))
}

/// Responses that are files, not JSON: named by their media type.
const PDF: &str = "application/pdf";
const SVG: &str = "image/svg+xml";
const CSV: &str = "text/csv";

/// The success response's content: a file's media type, or a JSON schema.
fn content(name: &str) -> Value {
    match name {
        PDF | SVG | CSV => {
            json!({ name: { "schema": { "type": "string", "contentMediaType": name } } })
        }
        _ => json!({ "application/json": { "schema": schema_ref(name) } }),
    }
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn page_of(item: &str) -> Value {
    json!({
        "type": "object",
        "required": ["items", "next_cursor"],
        "properties": {
            "items": { "type": "array", "items": schema_ref(item) },
            "next_cursor": { "type": ["string", "null"] }
        }
    })
}

/// The document as a JSON value.
pub fn document() -> Value {
    let components = ComponentsBuilder::new()
        .schema_from::<handlers::health::Health>()
        .schema_from::<handlers::site::Site>()
        .schema_from::<handlers::Message>()
        .schema_from::<registration::RegisterInput>()
        .schema_from::<registration::VerifyInput>()
        .schema_from::<registration::Verified>()
        .schema_from::<portal_domain::accounts::centre_approval::CentreDecisionInput>()
        .schema_from::<portal_domain::accounts::centre_approval::CentreDecision>()
        .schema_from::<portal_domain::accounts::record_code::RecordCodeInput>()
        .schema_from::<profile::CancelEmailChangeInput>()
        .schema_from::<sessions::LoginInput>()
        .schema_from::<handlers::login::LoginBody>()
        .schema_from::<handlers::login::SessionStarted>()
        .schema_from::<handlers::login::SecondFactorNeeded>()
        .schema_from::<handlers::login::LoginAnswer>()
        .schema_from::<handlers::mfa::SecondStepBody>()
        .schema_from::<handlers::mfa::TotpSetupAnswer>()
        .schema_from::<mfa::SecondStepInput>()
        .schema_from::<mfa::TotpSetup>()
        .schema_from::<mfa::ConfirmInput>()
        .schema_from::<mfa::RecoveryCodes>()
        .schema_from::<mfa::DisableInput>()
        .schema_from::<mfa::SecondFactorStatus>()
        .schema_from::<passwords::ForgotInput>()
        .schema_from::<passwords::ResetInput>()
        .schema_from::<passwords::ChangePasswordInput>()
        .schema_from::<model::Profile>()
        .schema_from::<model::AccountKind>()
        .schema_from::<model::AccountStatus>()
        .schema_from::<handlers::profile::Me>()
        .schema_from::<profile::ProfileChange>()
        .schema_from::<addresses::AddressInput>()
        .schema_from::<addresses::Address>()
        .schema_from::<handlers::addresses::AddressList>()
        .schema_from::<sessions::SessionSummary>()
        .schema_from::<handlers::sessions::SessionList>()
        .schema_from::<records::LearnerRecordInput>()
        .schema_from::<records::LearnersImport>()
        .schema_from::<records::CentreRecordInput>()
        .schema_from::<records::CentresImport>()
        .schema_from::<records::LearnerRecord>()
        .schema_from::<records::CentreRecord>()
        .schema_from::<records::Imported>()
        .schema_from::<admin::PendingRegistration>()
        .schema_from::<admin::ApproveInput>()
        .schema_from::<admin::RejectInput>()
        .schema_from::<admin::AccountSummary>()
        .schema_from::<admin::AccountDetail>()
        .schema_from::<sessions::SignIn>()
        .schema_from::<sessions::SignInOutcome>()
        .schema_from::<portal_domain::FieldError>()
        .schema_from::<jobs::JobInput>()
        .schema_from::<jobs::AchievementInput>()
        .schema_from::<jobs::UnitInput>()
        .schema_from::<jobs::DocumentInput>()
        .schema_from::<jobs::DocumentKind>()
        .schema_from::<jobs::DocumentStatus>()
        .schema_from::<jobs::Unit>()
        .schema_from::<jobs::IssuedDocument>()
        .schema_from::<jobs::Achievement>()
        .schema_from::<jobs::JobIssued>()
        .schema_from::<jobs::JobDocument>()
        .schema_from::<portal_domain::documents::verify::Verification>()
        .schema_from::<handlers::documents::AchievementList>()
        .schema_from::<handlers::documents::DocumentView>()
        .schema_from::<handlers::documents::LinkedIn>()
        .schema_from::<documents::access::Downloads>()
        .schema_from::<documents::verify::DocumentContents>()
        .schema_from::<documents::reports::ReportInput>()
        .schema_from::<documents::reports::ReportState>()
        .schema_from::<documents::reports::Report>()
        .schema_from::<documents::reports::FiledReport>()
        .schema_from::<documents::reports::CloseInput>()
        .schema_from::<documents::lifecycle::ChangeInput>()
        .schema_from::<documents::lifecycle::Changed>()
        .schema_from::<portal_domain::audit::AuditEntry>()
        .schema_from::<connections::actions::ConnectionInput>()
        .schema_from::<connections::actions::SharesInput>()
        .schema_from::<connections::actions::ExpiryInput>()
        .schema_from::<connections::actions::ConnectionView>()
        .schema_from::<connections::actions::OtherSide>()
        .schema_from::<connections::actions::Allowed>()
        .schema_from::<connections::actions::SharedDocument>()
        .schema_from::<connections::actions::SharedDocuments>()
        .schema_from::<connections::state::Status>()
        .schema_from::<connections::state::Side>()
        .schema_from::<connections::ExtensionRequest>()
        .schema_from::<connections::search::LearnerFound>()
        .schema_from::<jobs::JobSummary>()
        .schema_from::<centre::JobRecords>()
        .schema_from::<centre::notify::NotifyInput>()
        .schema_from::<centre::notify::Notified>()
        .schema_from::<centre::notify::Skipped>()
        .schema_from::<centre::notify::SkipReason>()
        .schema_from::<centre::downloads::DownloadInput>()
        .schema_from::<centre::downloads::DownloadView>()
        .schema_from::<centre::downloads::DownloadStatus>()
        .schema_from::<store::money::Amounts>()
        .schema_from::<store::money::VatAtRate>()
        .schema_from::<store::catalogue::Fulfilment>()
        .schema_from::<store::offer::Offer>()
        .schema_from::<store::offer::OfferedProduct>()
        .schema_from::<store::offer::OrderableDocument>()
        .schema_from::<store::basket::AddInput>()
        .schema_from::<store::basket::QuantityInput>()
        .schema_from::<store::basket::BasketView>()
        .schema_from::<store::basket::LineView>()
        .schema_from::<store::checkout::DeliveryChoice>()
        .schema_from::<store::checkout::CheckoutInput>()
        .schema_from::<store::checkout::Review>()
        .schema_from::<store::checkout::Placed>()
        .schema_from::<store::orders::OrderedItem>()
        .schema_from::<store::orders::OrderDelivery>()
        .schema_from::<store::orders::Totals>()
        .schema_from::<store::orders::OrderStatus>()
        .schema_from::<store::orders::Payment>()
        .schema_from::<store::orders::PaymentMethod>()
        .schema_from::<store::orders::StatusChange>()
        .schema_from::<store::orders::CreatedBy>()
        .schema_from::<store::orders::OrderView>()
        .schema_from::<store::orders::OrderRow>()
        .schema_from::<store::orders::Dispatch>()
        .schema_from::<store::orders::RefundEntry>()
        .schema_from::<store::catalogue::Buyer>()
        .schema_from::<store::processing::AdminOrderView>()
        .schema_from::<store::processing::ChangeInput>()
        .schema_from::<store::processing::RefundInput>()
        .schema_from::<portal_domain::config::ConfigVersion>()
        .schema_from::<portal_domain::config::ConfigInput>()
        .schema_from::<portal_domain::config::Configuration>()
        .schema_from::<portal_domain::config::DownloadAllowance>()
        .schema_from::<store::catalogue::Product>()
        .schema_from::<store::catalogue::DeliveryOption>()
        .schema_from::<store::catalogue::Countries>()
        .schema_from::<store::money::VatRate>()
        .schema_from::<store::on_behalf::OnBehalfInput>()
        .schema_from::<store::print_pack::PrintPackInput>()
        .schema_from::<store::print_pack::PrintPackView>()
        .schema_from::<store::print_pack::PackedOrderRef>()
        .schema_from::<store::print_pack::LeftOut>()
        .schema_from::<store::credit::CreditView>()
        .schema_from::<store::credit::LimitInput>()
        .schema_from::<store::credit::PaymentInput>()
        .schema_from::<store::credit::Statement>()
        .schema_from::<store::credit::Entry>()
        .schema_from::<store::credit::EntryKind>()
        .schema_from::<store::webhook::Handled>()
        .build();
    let mut components = serde_json::to_value(components).unwrap_or_else(|_| json!({}));
    if let Some(schemas) = components.get_mut("schemas").and_then(Value::as_object_mut) {
        schemas.insert(
            "PendingRegistrationPage".into(),
            page_of("PendingRegistration"),
        );
        schemas.insert("AccountSummaryPage".into(), page_of("AccountSummary"));
        schemas.insert("ReportPage".into(), page_of("Report"));
        schemas.insert("AuditEntryPage".into(), page_of("AuditEntry"));
        schemas.insert("ConnectionViewPage".into(), page_of("ConnectionView"));
        schemas.insert("LearnerFoundPage".into(), page_of("LearnerFound"));
        schemas.insert("JobSummaryPage".into(), page_of("JobSummary"));
        schemas.insert("AchievementPage".into(), page_of("Achievement"));
        schemas.insert("DownloadViewPage".into(), page_of("DownloadView"));
        schemas.insert("OrderRowPage".into(), page_of("OrderRow"));
        schemas.insert("ConfigVersionPage".into(), page_of("ConfigVersion"));
        schemas.insert(
            "StatementList".into(),
            json!({ "type": "array", "items": schema_ref("Statement") }),
        );
        schemas.insert(
            "DeliveryChoiceList".into(),
            json!({ "type": "array", "items": schema_ref("DeliveryChoice") }),
        );
        schemas.insert("Problem".into(), json!({
            "type": "object",
            "description": "RFC 9457 problem details; `errors` names each field that is not right.",
            "required": ["type", "title", "status", "detail"],
            "properties": {
                "type": { "type": "string" },
                "title": { "type": "string" },
                "status": { "type": "integer" },
                "detail": { "type": "string" },
                "errors": { "type": "array", "items": schema_ref("FieldError") }
            }
        }));
    }
    if let Some(object) = components.as_object_mut() {
        object.insert("securitySchemes".into(), json!({
            "session": { "type": "apiKey", "in": "cookie", "name": portal_http::SESSION_COOKIE, "description": "Browser session; writes also need the X-CSRF-Token header." },
            "bearer": { "type": "http", "scheme": "bearer", "description": "A session token (login with \"session\": \"token\"), or the records system's API key." }
        }));
    }

    let mut paths = serde_json::Map::new();
    for route in ROUTES {
        let spec = operation(route);
        let mut op = json!({
            "operationId": operation_id(route),
            "summary": spec.summary,
            "tags": [route.function],
            "x-function": route.function,
            "x-access": spec.access,
            "responses": {
                spec.status.to_string(): match spec.response {
                    Some(name) => json!({ "description": "Success", "content": content(name) }),
                    None => json!({ "description": "Success" }),
                },
                "default": { "description": "A problem", "content": { "application/problem+json": { "schema": schema_ref("Problem") } } }
            }
        });
        if let Some(request) = spec.request {
            op["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": schema_ref(request) } } });
        }
        let mut params: Vec<Value> = route
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        params.extend(
            query_parameters(route)
                .into_iter()
                .map(|(name, kind, description)| json!({ "name": name, "in": "query", "required": query_required(route, name), "description": description, "schema": query_schema(route, name, kind) })),
        );
        if let Some((required, description)) = idempotency_key(route) {
            params.push(json!({ "name": "Idempotency-Key", "in": "header", "required": required, "description": description, "schema": { "type": "string", "maxLength": 200 } }));
        }
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
        }
        if spec.access != "anyone" {
            op["security"] = json!([{ "session": [] }, { "bearer": [] }]);
        }
        let item = paths.entry(route.path).or_insert_with(|| json!({}));
        item[route.method.to_lowercase()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Digital Achievement Portal API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Conventions: JSON in snake_case; dates YYYY-MM-DD; instants RFC 3339 UTC; lists are {items, next_cursor} with ?cursor=&limit= (limit at most 100); errors are application/problem+json."
        },
        "paths": paths,
        "components": components,
    })
}

/// The document, serialized once.
pub fn document_json() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| serde_json::to_string_pretty(&document()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_described_and_every_schema_reference_resolves() {
        let doc = document();
        for route in ROUTES {
            assert!(
                !operation(route).summary.is_empty(),
                "{} {} has no description",
                route.method,
                route.path
            );
            assert!(doc["paths"][route.path][route.method.to_lowercase()].is_object());
        }
        let text = doc.to_string();
        for part in text.split("#/components/schemas/").skip(1) {
            let name: String = part
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            assert!(
                doc["components"]["schemas"][&name].is_object(),
                "schema {name} is referenced but missing"
            );
        }
    }

    #[test]
    fn operation_ids_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for route in ROUTES {
            let id = operation_id(route);
            assert!(seen.insert(id.clone()), "{id} is used twice");
        }
        assert_eq!(
            operation_id(&Route {
                method: "POST",
                path: "/api/admin/users/{id}/lock",
                function: "manage-accounts"
            }),
            "post-admin-users-id-lock"
        );
    }

    #[test]
    fn the_committed_document_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
        let current = format!("{}\n", document_json());
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            std::fs::write(&path, &current).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == current,
            "functions/openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test -p functions openapi` and commit it"
        );
    }
}
