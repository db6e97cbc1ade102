//! The one list of the portal's functions and HTTP routes. The local portal routes from it,
//! every Lambda binary checks its requests against it, and a test holds `template.yaml` to it.

/// How a function is started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// HTTP API routes (see [`ROUTES`]).
    Http,
    /// An EventBridge schedule (the expression as written in `template.yaml`); locally a timer
    /// of the same period.
    Schedule {
        expression: &'static str,
        local_period_secs: u64,
    },
    /// An EventBridge schedule and, for promptness, the table's stream: new items whose
    /// partition key starts with `stream_pk_prefix` (the function's work list).
    ScheduleAndStream {
        expression: &'static str,
        local_period_secs: u64,
        stream_pk_prefix: &'static str,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Function {
    /// The `[[bin]]` name, the SAM logical id's stem and the cargo-lambda function name.
    pub name: &'static str,
    pub trigger: Trigger,
    /// What it does, for the README and the template's descriptions.
    pub summary: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    /// An API Gateway path template: `{name}` matches one segment.
    pub path: &'static str,
    pub function: &'static str,
}

const fn route(method: &'static str, path: &'static str, function: &'static str) -> Route {
    Route {
        method,
        path,
        function,
    }
}

const fn http(name: &'static str, summary: &'static str) -> Function {
    Function {
        name,
        trigger: Trigger::Http,
        summary,
    }
}

pub const FUNCTIONS: &[Function] = &[
    http("health", "Answers 200 with the version"),
    http("openapi", "Serves the OpenAPI document"),
    http(
        "site",
        "Answers the branding and support contact every page shows",
    ),
    http(
        "register",
        "Registers a learner, third party or centre user (ACC-1..3)",
    ),
    http(
        "verify-email",
        "Follows a verification link: matches the records, activates or queues for review; a centre's approval, a learner's code, cancelling an e-mail change",
    ),
    http("login", "Signs in with e-mail and password (ACC-4)"),
    http("logout", "Ends this session (ACC-10)"),
    http(
        "mfa",
        "Two-step sign-in: set up, confirm and turn off an authenticator app; the code after the password (ACC-3b)",
    ),
    http("forgot-password", "Sends a reset link (ACC-5)"),
    http(
        "reset-password",
        "Sets a new password from a reset link; unlocks; ends all sessions (ACC-5)",
    ),
    http(
        "profile",
        "Reads and changes the signed-in user's profile (ACC-7, ACC-8)",
    ),
    http(
        "change-password",
        "Changes the password; ends other sessions (ACC-6)",
    ),
    http("addresses", "The signed-in user's address book (ACC-7)"),
    http(
        "sessions",
        "Where the signed-in user is signed in; ends one of those sessions (ACC-9)",
    ),
    http(
        "import-learners",
        "Upserts learner records from the records system",
    ),
    http(
        "import-centres",
        "Upserts centre records from the records system",
    ),
    http(
        "review-registrations",
        "Admin: pending registrations beside the closest records; approve or reject (ADM-1)",
    ),
    http(
        "manage-accounts",
        "Admin: find accounts, see sign-in activity, lock and unlock, reset a second factor (ADM-2)",
    ),
    http(
        "issue-job",
        "Issues a job of documents from the records system (DOC-1, DOC-2)",
    ),
    http(
        "documents",
        "A learner's documents; one document by its reference (DOC-3)",
    ),
    http(
        "verify",
        "Smart Verify: a document's status for anyone with its reference (VER-1, VER-3)",
    ),
    http(
        "document-files",
        "A document's PDF with its QR code, downloads counted (DOC-4, DOC-5, VER-2); a badge's image (DOC-7)",
    ),
    http(
        "reports",
        "Reports of a problem with a document; admins answer and close them (DOC-6, ADM-3)",
    ),
    http(
        "manage-documents",
        "Admin: revoke, withdraw or reissue a document, audit-logged (DOC-8)",
    ),
    http(
        "audit-log",
        "Admin: the audit log of sign-ins and changes, filtered, as pages or a CSV export (ADM-5)",
    ),
    http(
        "connections",
        "Connections: learners share documents with third parties for a limited time (CON-1..7)",
    ),
    http(
        "shared-documents",
        "The documents a connection shares, for its third party while it is active (CON-8)",
    ),
    http(
        "search-learners",
        "Third parties find learners who opted in (CON-9, ACC-8)",
    ),
    http(
        "centre-records",
        "Centres: their jobs (CEN-1) and their learners' records, searched (CEN-2)",
    ),
    http(
        "notify-learners",
        "Centres: e-mail learners that their documents are available (CEN-3)",
    ),
    http(
        "centre-downloads",
        "Centres: ask for a zip of documents, list downloads, fetch one by a signed URL (CEN-4)",
    ),
    http(
        "store",
        "What this buyer may buy, for which of their documents (ORD-1)",
    ),
    http(
        "basket",
        "The buyer's basket: add, change quantity, remove (ORD-2)",
    ),
    http(
        "checkout",
        "Delivery options, the review of the charges, placing the order and its payment page (ORD-3, ORD-4)",
    ),
    http(
        "payments-webhook",
        "The payment provider's signed webhook: payments, declines, duplicates refunded (ORD-4)",
    ),
    http(
        "orders",
        "The buyer's orders with filters, one order, and paying again (ORD-5)",
    ),
    http(
        "centre-account",
        "Centres: their account's credit and monthly statements (CEN-6)",
    ),
    http(
        "admin-orders",
        "Admin: the orders queue with filters; move an order on, price a delivery, refund (ORD-6)",
    ),
    http(
        "print-packs",
        "Admin: one PDF of packing slips, labels and replacement copies for chosen paid orders, which moves them to processing (ORD-6)",
    ),
    http(
        "configure",
        "Admin: the configuration console — branding, store, documents' rules — versioned, in effect everywhere within a minute (ADM-4)",
    ),
    http(
        "manage-credit",
        "Admin: a centre's credit limit and the payments it sends (CEN-6)",
    ),
    Function {
        name: "deliver-emails",
        trigger: Trigger::ScheduleAndStream {
            expression: "rate(1 minute)",
            local_period_secs: 2,
            stream_pk_prefix: "EMAIL#",
        },
        summary: "Sends queued e-mails; retries failures with backoff (SCH-4)",
    },
    Function {
        name: "cleanup-registrations",
        trigger: Trigger::Schedule {
            expression: "rate(1 hour)",
            local_period_secs: 600,
        },
        summary: "Removes registrations never verified and spent tokens (SCH-3)",
    },
    Function {
        name: "expire-connections",
        trigger: Trigger::Schedule {
            expression: "rate(5 minutes)",
            local_period_secs: 60,
        },
        summary: "Marks connections past their expiry as expired and e-mails both sides (CON-10, SCH-1)",
    },
    Function {
        name: "build-zip",
        trigger: Trigger::ScheduleAndStream {
            expression: "rate(2 minutes)",
            local_period_secs: 5,
            stream_pk_prefix: "ZIPQUEUE",
        },
        summary: "Builds queued downloads' zips of PDFs into the bucket, streaming (CEN-4)",
    },
    Function {
        name: "expire-downloads",
        trigger: Trigger::Schedule {
            expression: "rate(1 hour)",
            local_period_secs: 600,
        },
        summary: "Deletes downloads and their zips 7 days after they were asked for (SCH-2)",
    },
    Function {
        name: "expire-orders",
        trigger: Trigger::Schedule {
            expression: "rate(15 minutes)",
            local_period_secs: 60,
        },
        summary: "Cancels orders still unpaid 24 hours after they were placed, e-mailing the buyer (ORD-4)",
    },
];

pub const ROUTES: &[Route] = &[
    route("GET", "/api/health", "health"),
    route("GET", "/api/openapi.json", "openapi"),
    route("GET", "/api/site", "site"),
    route("POST", "/api/auth/register", "register"),
    route("POST", "/api/auth/verify-email", "verify-email"),
    route("POST", "/api/auth/centre-approval", "verify-email"),
    route("POST", "/api/auth/record-code", "verify-email"),
    route("POST", "/api/auth/cancel-email-change", "verify-email"),
    route("POST", "/api/auth/login", "login"),
    route("POST", "/api/auth/logout", "logout"),
    route("POST", "/api/auth/mfa", "mfa"),
    route("POST", "/api/auth/forgot-password", "forgot-password"),
    route("POST", "/api/auth/reset-password", "reset-password"),
    route("GET", "/api/me", "profile"),
    route("PATCH", "/api/me", "profile"),
    route("POST", "/api/me/password", "change-password"),
    route("POST", "/api/me/mfa/totp", "mfa"),
    route("POST", "/api/me/mfa/totp/confirm", "mfa"),
    route("DELETE", "/api/me/mfa", "mfa"),
    route("GET", "/api/me/addresses", "addresses"),
    route("POST", "/api/me/addresses", "addresses"),
    route("PUT", "/api/me/addresses/{id}", "addresses"),
    route("DELETE", "/api/me/addresses/{id}", "addresses"),
    route("GET", "/api/me/sessions", "sessions"),
    route("DELETE", "/api/me/sessions/{id}", "sessions"),
    route("POST", "/api/records/learners", "import-learners"),
    route("POST", "/api/records/centres", "import-centres"),
    route("POST", "/api/records/jobs", "issue-job"),
    route("GET", "/api/documents", "documents"),
    route("GET", "/api/documents/{reference}", "documents"),
    route("GET", "/api/documents/{reference}/linkedin", "documents"),
    route("GET", "/api/documents/{reference}/pdf", "document-files"),
    route("GET", "/api/documents/{reference}/badge", "document-files"),
    route("POST", "/api/documents/{reference}/reports", "reports"),
    route("GET", "/api/admin/reports", "reports"),
    route("POST", "/api/admin/reports/{id}/close", "reports"),
    route(
        "POST",
        "/api/admin/documents/{reference}/revoke",
        "manage-documents",
    ),
    route(
        "POST",
        "/api/admin/documents/{reference}/withdraw",
        "manage-documents",
    ),
    route(
        "POST",
        "/api/admin/documents/{reference}/reissue",
        "manage-documents",
    ),
    route("GET", "/api/connections", "connections"),
    route("POST", "/api/connections", "connections"),
    route("GET", "/api/connections/{id}", "connections"),
    route("DELETE", "/api/connections/{id}", "connections"),
    route("POST", "/api/connections/{id}/accept", "connections"),
    route("POST", "/api/connections/{id}/reject", "connections"),
    route("PUT", "/api/connections/{id}/documents", "connections"),
    route("POST", "/api/connections/{id}/extend", "connections"),
    route(
        "POST",
        "/api/connections/{id}/extension-requests",
        "connections",
    ),
    route(
        "POST",
        "/api/connections/{id}/extension-requests/{request_id}/approve",
        "connections",
    ),
    route(
        "POST",
        "/api/connections/{id}/extension-requests/{request_id}/decline",
        "connections",
    ),
    route("GET", "/api/connections/{id}/documents", "shared-documents"),
    route("GET", "/api/search/learners", "search-learners"),
    route("GET", "/api/centre/jobs", "centre-records"),
    route("GET", "/api/centre/jobs/{job_id}", "centre-records"),
    route("GET", "/api/centre/records", "centre-records"),
    route("POST", "/api/centre/notifications", "notify-learners"),
    route("POST", "/api/centre/downloads", "centre-downloads"),
    route("GET", "/api/centre/downloads", "centre-downloads"),
    route("GET", "/api/centre/downloads/{id}", "centre-downloads"),
    route(
        "POST",
        "/api/centre/downloads/{id}/retry",
        "centre-downloads",
    ),
    route("GET", "/api/store/products", "store"),
    route("GET", "/api/basket", "basket"),
    route("POST", "/api/basket/items", "basket"),
    route("PATCH", "/api/basket/items/{id}", "basket"),
    route("DELETE", "/api/basket/items/{id}", "basket"),
    route("GET", "/api/checkout/delivery-options", "checkout"),
    route("POST", "/api/checkout/review", "checkout"),
    route("POST", "/api/checkout", "checkout"),
    route("POST", "/api/payments/webhook", "payments-webhook"),
    route("GET", "/api/orders", "orders"),
    route("GET", "/api/orders/{id}", "orders"),
    route("POST", "/api/orders/{id}/pay", "orders"),
    route("GET", "/api/orders/{id}/receipt", "orders"),
    route("GET", "/api/centre/credit", "centre-account"),
    route("GET", "/api/centre/statements", "centre-account"),
    route("GET", "/api/centre/statements/{month}", "centre-account"),
    route("GET", "/api/admin/orders", "admin-orders"),
    route("POST", "/api/admin/orders", "admin-orders"),
    route("GET", "/api/admin/orders/{id}", "admin-orders"),
    route("PATCH", "/api/admin/orders/{id}", "admin-orders"),
    route("POST", "/api/admin/orders/{id}/refund", "admin-orders"),
    route("POST", "/api/admin/print-packs", "print-packs"),
    route("GET", "/api/admin/config", "configure"),
    route("PUT", "/api/admin/config", "configure"),
    route("GET", "/api/admin/config/versions", "configure"),
    route(
        "GET",
        "/api/admin/centres/{centre_number}/credit",
        "manage-credit",
    ),
    route(
        "PUT",
        "/api/admin/centres/{centre_number}/credit",
        "manage-credit",
    ),
    route(
        "POST",
        "/api/admin/centres/{centre_number}/payments",
        "manage-credit",
    ),
    route(
        "GET",
        "/api/admin/centres/{centre_number}/statements",
        "manage-credit",
    ),
    route(
        "GET",
        "/api/admin/centres/{centre_number}/statements/{month}",
        "manage-credit",
    ),
    route("GET", "/verify/{reference}", "verify"),
    route("GET", "/api/verify/{reference}", "verify"),
    route("GET", "/api/admin/registrations", "review-registrations"),
    route(
        "POST",
        "/api/admin/registrations/{id}/approve",
        "review-registrations",
    ),
    route(
        "POST",
        "/api/admin/registrations/{id}/reject",
        "review-registrations",
    ),
    route("GET", "/api/admin/audit", "audit-log"),
    route("GET", "/api/admin/audit.csv", "audit-log"),
    route("GET", "/api/admin/users", "manage-accounts"),
    route("GET", "/api/admin/users/{id}", "manage-accounts"),
    route("POST", "/api/admin/users/{id}/lock", "manage-accounts"),
    route("POST", "/api/admin/users/{id}/unlock", "manage-accounts"),
    route("POST", "/api/admin/users/{id}/mfa/reset", "manage-accounts"),
];

/// The route a request's method and path select, with the path's parameters.
pub fn find(method: &str, path: &str) -> Option<(&'static Route, Vec<(&'static str, String)>)> {
    ROUTES.iter().find_map(|route| {
        (route.method == method).then_some(())?;
        match_path(route.path, path).map(|params| (route, params))
    })
}

/// Whether any route has this path (to answer 405 rather than 404 for a wrong method).
pub fn path_exists(path: &str) -> bool {
    !allowed_methods(path).is_empty()
}

/// The methods the routes with this path answer, once each in table order: a 405's `Allow`
/// header (RFC 9110 §15.5.6).
pub fn allowed_methods(path: &str) -> Vec<&'static str> {
    let mut methods: Vec<&'static str> = Vec::new();
    for route in ROUTES {
        if !methods.contains(&route.method) && match_path(route.path, path).is_some() {
            methods.push(route.method);
        }
    }
    methods
}

/// Matches a concrete path against a template; parameters are percent-decoded segments.
pub fn match_path(template: &'static str, path: &str) -> Option<Vec<(&'static str, String)>> {
    let mut params = Vec::new();
    let mut segments = path.split('/');
    for expected in template.split('/') {
        let actual = segments.next()?;
        match expected.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                let value = percent_decode(actual)?;
                if value.is_empty() {
                    return None;
                }
                params.push((name, value));
            }
            None if expected == actual => {}
            None => return None,
        }
    }
    segments.next().is_none().then_some(params)
}

fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = segment.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

pub fn function(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_names_an_http_function_and_every_http_function_has_a_route() {
        for route in ROUTES {
            let f = function(route.function)
                .unwrap_or_else(|| panic!("{} has no function", route.function));
            assert_eq!(f.trigger, Trigger::Http, "{}", route.function);
        }
        for f in FUNCTIONS.iter().filter(|f| f.trigger == Trigger::Http) {
            assert!(
                ROUTES.iter().any(|r| r.function == f.name),
                "{} has no route",
                f.name
            );
        }
    }

    #[test]
    fn paths_match_with_parameters() {
        let (route, params) = find("PUT", "/api/me/addresses/a%2Db").unwrap();
        assert_eq!(route.function, "addresses");
        assert_eq!(params, vec![("id", "a-b".to_owned())]);
        assert!(find("PUT", "/api/me/addresses/").is_none());
        assert!(find("PUT", "/api/me/addresses/x/y").is_none());
        assert!(find("DELETE", "/api/me").is_none());
        assert!(path_exists("/api/me"));
        assert_eq!(allowed_methods("/api/me/addresses/a"), ["PUT", "DELETE"]);
        assert!(allowed_methods("/api/nothing").is_empty());
        assert!(find("GET", "/api/me/addresses/%zz").is_none());
    }
}
