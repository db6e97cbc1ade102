//! The configuration console (ADM-4): the configuration now, its earlier versions, and a new
//! version.

use http::Method;
use portal_domain::Ctx;
use portal_domain::config::{self, ConfigInput};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

use super::ok;

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    match req.method {
        Method::GET if req.path.ends_with("/versions") => {
            let admin = auth::signed_in(ctx, &req).await?;
            let (cursor, limit) = req.page()?;
            ok(config::history(ctx, &admin, cursor, limit).await?)
        }
        Method::GET => {
            let admin = auth::signed_in(ctx, &req).await?;
            ok(config::get(ctx, &admin).await?)
        }
        _ => {
            let admin = auth::signed_in_to_change(ctx, &req).await?;
            ok(config::put(ctx, &admin, &req.json::<ConfigInput>()?).await?)
        }
    }
}
