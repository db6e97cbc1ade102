//! Centres' accounts for administrators (CEN-6): the credit limit, payments received, and the
//! centre's statements.

use http::Method;
use portal_domain::Ctx;
use portal_domain::store::credit::{self, LimitInput, PaymentInput};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

use super::ok;

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let centre = req.param("centre_number");
    match req.method {
        Method::GET if req.path.ends_with("/statements") => {
            let admin = auth::signed_in(ctx, &req).await?;
            ok(credit::statements_of(ctx, &admin, centre).await?)
        }
        Method::GET if req.path.contains("/statements/") => {
            let admin = auth::signed_in(ctx, &req).await?;
            let statement = credit::statement_of(ctx, &admin, centre, req.param("month")).await?;
            super::centre_account::statement_pdf(ctx, &statement).await
        }
        Method::GET => {
            let admin = auth::signed_in(ctx, &req).await?;
            ok(credit::of_centre(ctx, &admin, centre).await?)
        }
        Method::PUT => {
            let admin = auth::signed_in_to_change(ctx, &req).await?;
            ok(credit::set_limit(ctx, &admin, centre, &req.json::<LimitInput>()?).await?)
        }
        _ => {
            let admin = auth::signed_in_to_change(ctx, &req).await?;
            ok(credit::record_payment(ctx, &admin, centre, &req.json::<PaymentInput>()?).await?)
        }
    }
}
