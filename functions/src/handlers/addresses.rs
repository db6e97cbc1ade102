use http::{Method, StatusCode};
use portal_domain::Ctx;
use portal_domain::accounts::addresses::{self, Address, AddressInput};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct AddressList {
    pub items: Vec<Address>,
    pub next_cursor: Option<String>,
}

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let principal = auth::signed_in(ctx, &req).await?;
    let id = req.param("id");
    Ok(match req.method {
        Method::POST => ApiResponse::json(
            StatusCode::CREATED,
            &addresses::create(ctx, &principal, &req.json::<AddressInput>()?).await?,
        ),
        Method::PUT => ApiResponse::json(
            StatusCode::OK,
            &addresses::replace(ctx, &principal, id, &req.json::<AddressInput>()?).await?,
        ),
        Method::DELETE => {
            addresses::remove(ctx, &principal, id).await?;
            ApiResponse::no_content()
        }
        _ => ApiResponse::json(
            StatusCode::OK,
            &AddressList {
                items: addresses::list(ctx, &principal).await?,
                next_cursor: None,
            },
        ),
    })
}
