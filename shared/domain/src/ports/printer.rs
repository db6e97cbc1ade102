//! The document printer: a document's PDF as the awarding body prints it. Rendering lives
//! outside the domain (it needs fonts and a PDF library); the zip builder and the print pack ask
//! through this.

use async_trait::async_trait;

use crate::ctx::Ctx;
use crate::documents::jobs::{Achievement, DocumentRecord};
use crate::error::Result;
use crate::store::print_pack::PackedOrder;

#[async_trait]
pub trait Printer: Send + Sync {
    /// The document's PDF as a copy for its centre (marked view-only, and marked again when the
    /// document no longer stands). `centre_name` is printed on it. Heavy work runs off the
    /// async runtime.
    async fn centre_copy(
        &self,
        ctx: &Ctx,
        document: &DocumentRecord,
        achievement: &Achievement,
        centre_name: Option<&str>,
    ) -> Result<Vec<u8>>;

    /// One PDF for the printer: each order's packing slip and address label, then its
    /// documents as replacement copies (see `store::print_pack`).
    async fn print_pack(&self, ctx: &Ctx, orders: &[PackedOrder]) -> Result<Vec<u8>>;
}
