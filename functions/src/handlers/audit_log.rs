//! The audit log (ADM-5): a page at a time as JSON, or every matching entry (at most
//! `audit::EXPORT_ROWS`, 10,000) as a CSV download; both take the same filters.

use http::StatusCode;
use portal_domain::accounts::model::AccountKind;
use portal_domain::{Ctx, audit};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let principal = auth::signed_in_as(ctx, &req, &[AccountKind::Admin]).await?;
    let query = audit::AuditQuery {
        month: req.query_param("month"),
        from: req.query_param("from"),
        to: req.query_param("to"),
        actor: req.query_param("actor"),
        action: req.query_param("action"),
        target: req.query_param("target"),
    };
    if req.path.ends_with(".csv") {
        let export = audit::export(ctx, &principal, &query).await?;
        let mut response = ApiResponse::new(
            StatusCode::OK,
            "text/csv; charset=utf-8",
            audit::csv(&export.entries)?,
        )
        .header(
            "content-disposition",
            &format!("attachment; filename=\"audit-{}.csv\"", export.label),
        )
        .header("cache-control", "private, no-store");
        if export.truncated {
            response = response.header("x-audit-truncated", "true");
        }
        return Ok(response);
    }
    let (cursor, limit) = req.page()?;
    Ok(ApiResponse::json(
        StatusCode::OK,
        &audit::list(ctx, &principal, &query, cursor.as_deref(), limit).await?,
    ))
}
