//! A centre's account (CEN-6): its credit, and its monthly statements (each also as a PDF).

use portal_domain::Ctx;
use portal_domain::store::credit;
use portal_http::{ApiRequest, ApiResponse, Problem, auth};

use super::ok;

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let principal = auth::signed_in(ctx, &req).await?;
    if req.path.ends_with("/credit") {
        ok(credit::mine(ctx, &principal).await?)
    } else if req.path.ends_with("/statements") {
        ok(credit::my_statements(ctx, &principal).await?)
    } else {
        let statement = credit::my_statement(ctx, &principal, req.param("month")).await?;
        statement_pdf(ctx, &statement).await
    }
}

/// The statement as a PDF, named for the centre and the month.
pub async fn statement_pdf(
    ctx: &Ctx,
    statement: &credit::PrintableStatement,
) -> Result<ApiResponse, Problem> {
    let pdf = crate::printing::statement(ctx, statement).await?;
    super::private_pdf(
        pdf,
        &format!(
            "statement-{}-{}.pdf",
            statement.statement.centre_number, statement.statement.month
        ),
    )
}
