//! The scheduled and background functions. Each is idempotent: running it twice, or twice at
//! once, does nothing more than running it once. Their events carry nothing they need (a
//! schedule tick, or a stream record that only says "there is work"): each looks for the work
//! that is due in the table.

use portal_domain::accounts::registration;
use portal_domain::{Ctx, centre, connections, outbox};
use serde_json::{Value, json};

/// E-mails one run sends at most (a Lambda run stays well within its timeout).
const EMAILS_PER_RUN: usize = 500;
const CLEANUPS_PER_RUN: usize = 5_000;
/// Connections one run expires at most (about 20 a second on DynamoDB, 16 at once).
const EXPIRIES_PER_RUN: usize = 5_000;
/// A run starts no new zip after this long: the one under way (5,000 documents at most, a few
/// minutes) still ends well within the function's 15 minutes.
const ZIP_BUDGET: time::Duration = time::Duration::minutes(5);
/// Downloads one run removes at most.
const DOWNLOAD_EXPIRIES_PER_RUN: usize = 1_000;
/// Unpaid orders one run cancels at most.
const ORDER_EXPIRIES_PER_RUN: usize = 1_000;

/// Runs a scheduled function and reports what it did.
pub async fn run(function: &str, ctx: &Ctx) -> Result<Value, portal_domain::Error> {
    let ctx = &crate::app::configured(ctx, function).await;
    match function {
        "deliver-emails" => Ok(json!(outbox::deliver_due(ctx, EMAILS_PER_RUN).await?)),
        "cleanup-registrations" => Ok(json!(registration::cleanup(ctx, CLEANUPS_PER_RUN).await?)),
        "expire-connections" => Ok(json!(
            connections::actions::expire_due(ctx, EXPIRIES_PER_RUN).await?
        )),
        "build-zip" => Ok(json!(
            centre::zip::build_due(ctx, &crate::printing::PdfPrinter, ZIP_BUDGET).await?
        )),
        "expire-downloads" => Ok(json!(
            centre::downloads::expire_due(ctx, DOWNLOAD_EXPIRIES_PER_RUN).await?
        )),
        "expire-orders" => Ok(json!(
            portal_domain::store::orders::expire_due(ctx, ORDER_EXPIRIES_PER_RUN).await?
        )),
        other => Err(portal_domain::Error::Internal(format!(
            "no scheduled function {other}"
        ))),
    }
}
