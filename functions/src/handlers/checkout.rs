//! Checkout (ORD-3, ORD-4): delivery options for a country, the review of what will be charged,
//! and placing the order (with `Idempotency-Key`), answered with where to pay.

use http::{Method, StatusCode};
use portal_domain::Ctx;
use portal_domain::store::checkout::{self, CheckoutInput};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

use super::ok;

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    match (&req.method, req.path.rsplit('/').next().unwrap_or_default()) {
        (&Method::GET, "delivery-options") => {
            auth::signed_in(ctx, &req).await?;
            let country = req.query_param("country");
            ok(checkout::delivery_options(ctx, country.as_deref())?)
        }
        (&Method::POST, "review") => {
            let principal = auth::signed_in_to_change(ctx, &req).await?;
            let input = req.json::<CheckoutInput>()?;
            ok(checkout::review(ctx, &principal, &input).await?)
        }
        (&Method::POST, "checkout") => {
            let principal = auth::signed_in_to_change(ctx, &req).await?;
            let input = req.json::<CheckoutInput>()?;
            let key = req.header("idempotency-key");
            Ok(ApiResponse::json(
                StatusCode::CREATED,
                &checkout::place(ctx, &principal, &input, key).await?,
            ))
        }
        _ => Err(Problem::not_found()),
    }
}
