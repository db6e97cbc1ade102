//! Telling the centre's learners their documents are available (CEN-3).

use portal_domain::Ctx;
use portal_domain::centre::notify::{self, NotifyInput};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

use super::ok;

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let principal = auth::signed_in_to_change(ctx, &req).await?;
    ok(notify::notify(ctx, &principal, &req.json::<NotifyInput>()?).await?)
}
