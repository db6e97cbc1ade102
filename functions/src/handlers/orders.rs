//! The buyer's orders (ORD-5): the list with its filters, one order, and "Pay now" again.

use http::Method;
use portal_domain::Ctx;
use portal_domain::store::checkout;
use portal_domain::store::orders::{self, OrderFilter, OrderFilterInput};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

use super::ok;

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let id = req.param("id");
    match (&req.method, req.path.rsplit('/').next().unwrap_or_default()) {
        (&Method::GET, "orders") => {
            let principal = auth::signed_in(ctx, &req).await?;
            let (cursor, limit) = req.page()?;
            ok(orders::list(ctx, &principal, &filter(&req)?, cursor.as_deref(), limit).await?)
        }
        (&Method::GET, "receipt") => {
            let principal = auth::signed_in(ctx, &req).await?;
            let order = orders::own(ctx, &principal, id).await?;
            let pdf = crate::printing::receipt(ctx, &order).await?;
            super::private_pdf(pdf, &format!("receipt-{}.pdf", order.number))
        }
        (&Method::GET, _) => {
            let principal = auth::signed_in(ctx, &req).await?;
            ok(orders::get(ctx, &principal, id).await?)
        }
        (&Method::POST, "pay") => {
            let principal = auth::signed_in_to_change(ctx, &req).await?;
            ok(checkout::pay_again(ctx, &principal, id).await?)
        }
        _ => Err(Problem::not_found()),
    }
}

/// The orders lists' filters from the query (ORD-5; the administrators' queue reads the same).
pub fn filter(req: &ApiRequest) -> Result<OrderFilter, Problem> {
    Ok(OrderFilter::parse(&OrderFilterInput {
        status: req.query_param("status"),
        product: req.query_param("product"),
        delivery: req.query_param("delivery"),
        from: req.query_param("from"),
        to: req.query_param("to"),
        min_total: req.query_param("min_total"),
        max_total: req.query_param("max_total"),
        name: req.query_param("name"),
        created_by: req.query_param("created_by"),
        centre: req.query_param("centre"),
    })?)
}
