//! The basket (ORD-2): see it, add a product for a document, change a line's quantity, remove it.

use http::{Method, StatusCode};
use portal_domain::Ctx;
use portal_domain::store::basket::{self, AddInput, QuantityInput};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

use super::ok;

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let id = req.param("id");
    match req.method {
        Method::GET => {
            let principal = auth::signed_in(ctx, &req).await?;
            ok(basket::view(ctx, &principal).await?)
        }
        Method::POST => {
            let principal = auth::signed_in_to_change(ctx, &req).await?;
            let input = req.json::<AddInput>()?;
            Ok(ApiResponse::json(
                StatusCode::CREATED,
                &basket::add(ctx, &principal, &input).await?,
            ))
        }
        Method::PATCH => {
            let principal = auth::signed_in_to_change(ctx, &req).await?;
            let input = req.json::<QuantityInput>()?;
            ok(basket::set_quantity(ctx, &principal, id, &input).await?)
        }
        Method::DELETE => {
            let principal = auth::signed_in_to_change(ctx, &req).await?;
            ok(basket::remove(ctx, &principal, id).await?)
        }
        _ => Err(Problem::not_found()),
    }
}
