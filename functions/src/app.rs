//! From a request to a response: routing by the route table, one handler per function, and
//! the boundary where failures are logged once.

use http::StatusCode;
use portal_domain::Ctx;
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

use crate::handlers;
use crate::routes;

/// Answers one request. `only` restricts it to one function's routes (a Lambda serves only
/// its own); the local portal passes `None`.
pub async fn dispatch(ctx: &Ctx, mut req: ApiRequest, only: Option<&str>) -> ApiResponse {
    let found = routes::find(req.method.as_str(), &req.path)
        .filter(|(route, _)| only.is_none_or(|f| f == route.function));
    let Some((route, params)) = found else {
        let allowed = routes::allowed_methods(&req.path);
        if allowed.is_empty() {
            return Problem::not_found().into_response();
        }
        return Problem::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method not allowed",
            format!("{} is not allowed here.", req.method),
        )
        .into_response()
        .header("allow", &allowed.join(", "));
    };
    req.params = params;
    let method = req.method.clone();
    let mut ctx = configured(ctx, route.function).await;
    // The audit log records where each change came from (ADM-5); IPv6 addresses as they are.
    ctx.client = (!req.client.is_empty()).then(|| std::sync::Arc::from(req.client.as_str()));
    let ctx = &ctx;
    let outcome = match auth::reject_cross_site(&req) {
        Ok(()) => call(route.function, ctx, req).await,
        Err(problem) => Err(problem),
    };
    match outcome {
        Ok(response) => response,
        Err(problem) => {
            if let Some(internal) = &problem.internal {
                tracing::error!(function = route.function, %method, route = route.path, status = problem.status.as_u16(), error = %internal, "request failed");
            }
            problem.into_response()
        }
    }
}

/// `ctx` with the configuration console's current settings (read at most once a minute), for
/// the functions whose answers depend on them: health, this document and the mail sender use
/// none, and do not read the table for them.
pub async fn configured(ctx: &Ctx, function: &str) -> Ctx {
    if matches!(function, "health" | "openapi" | "deliver-emails") {
        ctx.clone()
    } else {
        ctx.config.current(ctx).await
    }
}

async fn call(function: &str, ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    match function {
        "health" => handlers::health::handle(ctx, req).await,
        "openapi" => handlers::openapi::handle(ctx, req).await,
        "site" => handlers::site::handle(ctx, req).await,
        "register" => handlers::register::handle(ctx, req).await,
        "verify-email" => handlers::verify_email::handle(ctx, req).await,
        "login" => handlers::login::handle(ctx, req).await,
        "logout" => handlers::logout::handle(ctx, req).await,
        "mfa" => handlers::mfa::handle(ctx, req).await,
        "forgot-password" => handlers::forgot_password::handle(ctx, req).await,
        "reset-password" => handlers::reset_password::handle(ctx, req).await,
        "profile" => handlers::profile::handle(ctx, req).await,
        "change-password" => handlers::change_password::handle(ctx, req).await,
        "addresses" => handlers::addresses::handle(ctx, req).await,
        "sessions" => handlers::sessions::handle(ctx, req).await,
        "import-learners" => handlers::import_learners::handle(ctx, req).await,
        "import-centres" => handlers::import_centres::handle(ctx, req).await,
        "review-registrations" => handlers::review_registrations::handle(ctx, req).await,
        "issue-job" => handlers::issue_job::handle(ctx, req).await,
        "documents" => handlers::documents::handle(ctx, req).await,
        "document-files" => handlers::document_files::handle(ctx, req).await,
        "verify" => handlers::verify::handle(ctx, req).await,
        "manage-accounts" => handlers::manage_accounts::handle(ctx, req).await,
        "audit-log" => handlers::audit_log::handle(ctx, req).await,
        "manage-documents" => handlers::manage_documents::handle(ctx, req).await,
        "reports" => handlers::reports::handle(ctx, req).await,
        "connections" => handlers::connections::handle(ctx, req).await,
        "shared-documents" => handlers::shared_documents::handle(ctx, req).await,
        "search-learners" => handlers::search_learners::handle(ctx, req).await,
        "centre-records" => handlers::centre_records::handle(ctx, req).await,
        "notify-learners" => handlers::notify_learners::handle(ctx, req).await,
        "centre-downloads" => handlers::centre_downloads::handle(ctx, req).await,
        "store" => handlers::store::handle(ctx, req).await,
        "basket" => handlers::basket::handle(ctx, req).await,
        "checkout" => handlers::checkout::handle(ctx, req).await,
        "payments-webhook" => handlers::payments_webhook::handle(ctx, req).await,
        "orders" => handlers::orders::handle(ctx, req).await,
        "centre-account" => handlers::centre_account::handle(ctx, req).await,
        "admin-orders" => handlers::admin_orders::handle(ctx, req).await,
        "print-packs" => handlers::print_packs::handle(ctx, req).await,
        "configure" => handlers::configure::handle(ctx, req).await,
        "manage-credit" => handlers::manage_credit::handle(ctx, req).await,
        other => Err(Problem::internal(format!(
            "no handler for function {other}"
        ))),
    }
}
