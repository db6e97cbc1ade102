//! Order processing (ORD-6): the queue with its filters, orders placed on a buyer's behalf, one
//! order, moving it on or pricing its delivery, and refunds.

use http::{Method, StatusCode};
use portal_domain::Ctx;
use portal_domain::store::on_behalf::{self, OnBehalfInput};
use portal_domain::store::processing::{self, ChangeInput, RefundInput};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

use super::ok;

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let id = req.param("id");
    match (&req.method, req.path.rsplit('/').next().unwrap_or_default()) {
        (&Method::GET, "orders") => {
            let admin = auth::signed_in(ctx, &req).await?;
            let (cursor, limit) = req.page()?;
            let filter = super::orders::filter(&req)?;
            ok(processing::queue(ctx, &admin, &filter, cursor.as_deref(), limit).await?)
        }
        (&Method::POST, "orders") => {
            let admin = auth::signed_in_to_change(ctx, &req).await?;
            let input = req.json::<OnBehalfInput>()?;
            let key = req.header("idempotency-key");
            Ok(ApiResponse::json(
                StatusCode::CREATED,
                &on_behalf::place(ctx, &admin, &input, key).await?,
            ))
        }
        (&Method::GET, _) => {
            let admin = auth::signed_in(ctx, &req).await?;
            ok(processing::details(ctx, &admin, id).await?)
        }
        (&Method::PATCH, _) => {
            let admin = auth::signed_in_to_change(ctx, &req).await?;
            ok(processing::change(ctx, &admin, id, &req.json::<ChangeInput>()?).await?)
        }
        (&Method::POST, "refund") => {
            let admin = auth::signed_in_to_change(ctx, &req).await?;
            ok(processing::refund(ctx, &admin, id, &req.json::<RefundInput>()?).await?)
        }
        _ => Err(Problem::not_found()),
    }
}
