//! The payment provider's signed webhook (ORD-4): the source of truth for payments.

use portal_domain::Ctx;
use portal_domain::store::webhook;
use portal_http::{ApiRequest, ApiResponse, Problem};

use super::ok;

/// Stripe's events are small; anything larger is not one.
const MAX_EVENT_BYTES: usize = 256 * 1024;

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    if req.body.len() > MAX_EVENT_BYTES {
        return Err(Problem::field(
            http::StatusCode::PAYLOAD_TOO_LARGE,
            "body",
            "is larger than any event",
        ));
    }
    let signature = req.header("stripe-signature");
    match webhook::receive(ctx, signature, &req.body).await {
        Ok(handled) => ok(handled),
        // The provider's request is malformed or not genuine: Stripe's own answer for that is
        // 400 (it retries 4xx and 5xx alike, so a fixed secret lets a retry through).
        Err(e) => {
            let mut problem = Problem::from(e);
            if problem.status == http::StatusCode::UNPROCESSABLE_ENTITY {
                problem.status = http::StatusCode::BAD_REQUEST;
            }
            Err(problem)
        }
    }
}
