//! Rendering documents (DOC-4, VER-2): certificates, unit certificates and letters as PDFs
//! carrying the verify QR code, VAT receipts for the store's orders, centres' monthly
//! statements of account, print packs (packing slips, address labels and the printed copies of
//! a batch of orders, for the printer), and badge images as SVG.
//!
//! Pure: data in, bytes out — no I/O, no clock, no randomness, so the same input always gives
//! the same bytes and any caller (a Lambda, the local server, a batch job) can use it.
//!
//! PDFs are written with `krilla`, which embeds a subset of each font with a ToUnicode map, so
//! the text can be searched, copied and read by screen readers. The fonts are DejaVu Sans and
//! DejaVu Sans Bold, vendored under `fonts/` with their licence (`fonts/LICENSE-DejaVu.txt`).

mod badge;
mod layout;
mod pack;
mod qr;
mod receipt;
mod statement;
mod stationery;
mod text;

pub use badge::badge_svg;
pub use pack::{PackItem, PackOrder, PrintPack};
pub use qr::svg as qr_svg;
pub use receipt::{
    Receipt, ReceiptBuyer, ReceiptDelivery, ReceiptLine, ReceiptPayment, ReceiptSeller,
    ReceiptTotals, ReceiptVat,
};
pub use statement::{Statement, StatementEntry};

/// Which document to draw.
#[derive(Debug, Clone, ::core::marker::Copy, PartialEq, Eq)]
pub enum Kind {
    /// The award certificate: one page.
    Certificate,
    /// The list of units achieved: as many pages as the units need.
    UnitCertificate,
    /// A letter confirming the award: one page.
    Letter,
}

/// One unit on a unit certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub code: String,
    pub title: String,
    pub grade: Option<String>,
}

/// Everything printed on one document. Dates come already formatted, so the wording of dates
/// stays with the caller that knows the locale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printed {
    pub kind: Kind,
    /// The document's reference, e.g. `42121928-01-5KNP`.
    pub reference: String,
    pub learner_name: String,
    /// The candidate number, e.g. `ENR-1001`.
    pub enrolment_number: String,
    pub qualification_title: String,
    /// E.g. `603/4182/8`.
    pub qualification_code: String,
    pub course: Option<String>,
    /// Formatted, e.g. `1 November 2026`.
    pub award_date: String,
    /// The formatted date of issue.
    pub issued_on: String,
    pub centre_name: Option<String>,
    /// Used by the unit certificate; any number, flowing over pages.
    pub units: Vec<Unit>,
    /// What the QR code holds, e.g. `https://portal.example.org/verify/42121928-01-5KNP`.
    pub verify_url: String,
}

/// The awarding body as configured (the product is white-label).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    pub organisation_name: String,
    /// A PNG; an invalid one is an error ([`RenderError::Logo`]) so the caller can retry without.
    pub logo_png: Option<Vec<u8>>,
    pub support_email: String,
}

/// Who the copy is for.
#[derive(Debug, Clone, ::core::marker::Copy, PartialEq, Eq)]
pub enum Copy {
    /// The learner's own copy.
    Original,
    /// For third parties: every page is visibly marked "Digital copy — view only" (a band at
    /// the top, a diagonal watermark and the footer).
    ViewOnly,
}

/// Why a document could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The logo is not a PNG that can be decoded (or is unreasonably large); render without it.
    #[error("the logo cannot be used: {0}")]
    Logo(String),
    /// The verify URL does not fit in a QR code.
    #[error("the verify link cannot be made into a QR code: {0}")]
    Qr(String),
    /// The embedded fonts failed to load (a broken build, not bad input).
    #[error("the embedded fonts cannot be read")]
    Font,
    /// The PDF writer refused the document.
    #[error("the PDF cannot be written: {0}")]
    Pdf(String),
}

/// The document as an A4 PDF.
///
/// `marking` (e.g. `Some("REVOKED")`) is printed large across every page when the document no
/// longer stands.
pub fn pdf(
    doc: &Printed,
    brand: &Brand,
    copy: Copy,
    marking: Option<&str>,
) -> Result<Vec<u8>, RenderError> {
    layout::render(doc, brand, copy, marking)
}

/// How many pages [`pdf`] gives for `doc`, without drawing it (e.g. to price a printed copy).
/// The brand counts: its logo and name move where the units table starts.
pub fn page_count(doc: &Printed, brand: &Brand) -> Result<usize, RenderError> {
    layout::page_count(doc, brand)
}

/// A paid order's VAT receipt as an A4 PDF: as many pages as its lines need, the table's header
/// repeated on each. Titled "VAT receipt", or "Receipt" when the seller has no VAT number.
pub fn receipt(receipt: &Receipt) -> Result<Vec<u8>, RenderError> {
    receipt::render(receipt)
}

/// A centre's monthly statement of account as an A4 PDF: the awarding body's letterhead, the
/// centre and the month (with the credit limit and the credit available), a summary box
/// (opening balance, charges, credit notes, payments received and the balance due), then the
/// month's entries with their running balance between the opening and the closing balance, as
/// many pages as they need, the table's header repeated on each. Amounts are written as
/// `£1,234.50`, a negative one with a real minus sign (`−£33.50`). A month without entries says
/// "No entries this month.". As with [`receipt`], a logo that cannot be drawn is
/// [`RenderError::Logo`]: retry without it.
pub fn statement(statement: &Statement) -> Result<Vec<u8>, RenderError> {
    statement::render(statement)
}

/// One PDF for the printer holding a batch of paid orders of printed copies. For each order, in
/// order: its packing slip (as many pages as its items need, the table's header repeated), its
/// address label (a 99.1 × 67.7 mm label at the top left of a page of its own; none when the
/// order is collected in person, and the slip says "For collection"), then each of its
/// documents drawn as the learner's original ([`Copy::Original`], exactly as [`pdf`] draws it,
/// verify QR code included) with "Replacement copy issued …" at the foot of each of its pages.
///
/// One PDF whatever the batch, its fonts embedded once and its logo stored once: 500 orders of
/// 1,000 documents (about 2,200 pages) make a PDF of under 5 MB, written in about a second with
/// some 30 MB of memory (`benches/print_pack.rs`). Each order is bookmarked at its slip.
///
/// No orders is not an error: the PDF is one page saying "No orders", so a caller need not
/// treat an empty selection apart (it may refuse one before calling). As with [`pdf`], a logo
/// that cannot be drawn is [`RenderError::Logo`]: retry without it. A document whose verify
/// link is too long for a QR code fails the pack with [`RenderError::Qr`] naming the order and
/// the document.
pub fn print_pack(pack: &PrintPack) -> Result<Vec<u8>, RenderError> {
    pack::render(pack)
}
