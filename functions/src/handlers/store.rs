//! What this buyer may buy, for which of their documents (ORD-1).

use portal_domain::Ctx;
use portal_domain::store::offer;
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

use super::ok;

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let principal = auth::signed_in(ctx, &req).await?;
    let connection = req.query_param("connection_id");
    ok(offer::offer(ctx, &principal, connection.as_deref()).await?)
}
