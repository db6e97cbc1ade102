//! Print packs for administrators (ORD-6): chosen paid orders as one PDF for the printer.

use http::StatusCode;
use portal_domain::Ctx;
use portal_domain::store::print_pack::{self, PrintPackInput};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let admin = auth::signed_in_to_change(ctx, &req).await?;
    let input = req.json::<PrintPackInput>()?;
    let pack = print_pack::print(ctx, &admin, &input, &crate::printing::PdfPrinter).await?;
    Ok(ApiResponse::json(StatusCode::CREATED, &pack))
}
