//! The centre's jobs and records (CEN-1, CEN-2).

use http::Method;
use portal_domain::Ctx;
use portal_domain::centre::{self, RecordSearch};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

use super::ok;

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let principal = auth::signed_in(ctx, &req).await?;
    let (cursor, limit) = req.page()?;
    match (&req.method, req.path.as_str()) {
        (&Method::GET, "/api/centre/jobs") => {
            ok(centre::jobs(ctx, &principal, cursor, limit).await?)
        }
        (&Method::GET, "/api/centre/records") => {
            let [q, qualification, from, to] =
                ["q", "qualification", "from", "to"].map(|name| req.query_param(name));
            let search = RecordSearch {
                q: q.as_deref(),
                qualification: qualification.as_deref(),
                from: from.as_deref(),
                to: to.as_deref(),
                cursor: cursor.as_deref(),
                limit,
            };
            ok(centre::records(ctx, &principal, &search).await?)
        }
        (&Method::GET, _) => ok(centre::job(
            ctx,
            &principal,
            req.param("job_id"),
            cursor.as_deref(),
            limit,
        )
        .await?),
        _ => Err(Problem::not_found()),
    }
}
