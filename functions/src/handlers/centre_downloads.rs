//! The centre's zip downloads (CEN-4): ask for one, list them, fetch one (with its signed URL
//! when ready), retry a failed one. The zip itself is built by `build-zip`.

use http::{Method, StatusCode};
use portal_domain::Ctx;
use portal_domain::centre::downloads::{self, DownloadInput};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

use super::ok;

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let id = req.param("id");
    match (&req.method, req.path.rsplit('/').next().unwrap_or_default()) {
        (&Method::GET, "downloads") => {
            let principal = auth::signed_in(ctx, &req).await?;
            let (cursor, limit) = req.page()?;
            ok(downloads::list(ctx, &principal, cursor, limit).await?)
        }
        (&Method::GET, _) => {
            let principal = auth::signed_in(ctx, &req).await?;
            let mut response =
                ApiResponse::json(StatusCode::OK, &downloads::get(ctx, &principal, id).await?);
            // It may carry a signed URL: not for any cache.
            response = response.header("cache-control", "no-store");
            Ok(response)
        }
        (&Method::POST, "downloads") => {
            let principal = auth::signed_in_to_change(ctx, &req).await?;
            let key = req.header("idempotency-key");
            let input = req.json::<DownloadInput>()?;
            Ok(ApiResponse::json(
                StatusCode::ACCEPTED,
                &downloads::request(ctx, &principal, &input, key).await?,
            ))
        }
        (&Method::POST, "retry") => {
            let principal = auth::signed_in_to_change(ctx, &req).await?;
            Ok(ApiResponse::json(
                StatusCode::ACCEPTED,
                &downloads::retry(ctx, &principal, id).await?,
            ))
        }
        _ => Err(Problem::not_found()),
    }
}
