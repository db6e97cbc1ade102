//! Connections between learners and third parties (CON-1..7).

use http::{Method, StatusCode};
use portal_domain::Ctx;
use portal_domain::connections::actions::{self, ConnectionInput, ExpiryInput, SharesInput, Tab};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

use super::ok;

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let principal = auth::signed_in(ctx, &req).await?;
    let id = req.param("id");
    match (&req.method, req.path.rsplit('/').next().unwrap_or_default()) {
        (&Method::GET, "connections") => {
            let (cursor, limit) = req.page()?;
            let tab = Tab::parse(req.query_param("tab").as_deref())?;
            let q = req.query_param("q");
            ok(actions::list(ctx, &principal, tab, q.as_deref(), cursor, limit).await?)
        }
        (&Method::GET, _) => ok(actions::get(ctx, &principal, id).await?),
        (&Method::POST, "connections") => Ok(ApiResponse::json(
            StatusCode::CREATED,
            &actions::create(ctx, &principal, &req.json::<ConnectionInput>()?).await?,
        )),
        (&Method::POST, "accept") => {
            ok(actions::accept(ctx, &principal, id, &req.json::<SharesInput>()?).await?)
        }
        (&Method::POST, "reject") => ok(actions::reject(ctx, &principal, id).await?),
        (&Method::PUT, "documents") => {
            ok(actions::share(ctx, &principal, id, &req.json::<SharesInput>()?).await?)
        }
        (&Method::POST, "extend") => {
            ok(actions::extend(ctx, &principal, id, &req.json::<ExpiryInput>()?).await?)
        }
        (&Method::POST, "extension-requests") => Ok(ApiResponse::json(
            StatusCode::CREATED,
            &actions::request_extension(ctx, &principal, id, &req.json::<ExpiryInput>()?).await?,
        )),
        (&Method::POST, answer @ ("approve" | "decline")) => ok(actions::answer_extension(
            ctx,
            &principal,
            id,
            req.param("request_id"),
            answer == "approve",
        )
        .await?),
        (&Method::DELETE, _) => ok(actions::cancel(ctx, &principal, id).await?),
        _ => Err(Problem::not_found()),
    }
}
