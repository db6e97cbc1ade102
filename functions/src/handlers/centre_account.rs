//! A centre's account (CEN-6): its credit, and its monthly statements.

use portal_domain::Ctx;
use portal_domain::store::credit;
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

use super::ok;

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let principal = auth::signed_in(ctx, &req).await?;
    if req.path.ends_with("/credit") {
        ok(credit::mine(ctx, &principal).await?)
    } else {
        ok(credit::my_statements(ctx, &principal).await?)
    }
}
