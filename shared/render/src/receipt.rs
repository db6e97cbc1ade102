//! The VAT receipt for a paid order: seller and buyer, a table of what was bought (flowing over
//! as many pages as it needs, its header repeated), the VAT by rate, the totals and the
//! payment, with the support contact in every page's footer.
//!
//! Amounts come in as integer pence and are written here as `£1,234.56` ([`gbp`]): the
//! renderer then owns how every figure on the page looks (the same in every column, always two
//! decimals) and sizes its columns to the widest figure, and callers cannot hand it strings that
//! disagree with the numbers. The figures themselves (VAT per line and per rate, the totals) are
//! the caller's: they are printed as given, never worked out again here, so the receipt always
//! says what the order says. The one sum made here is the items' subtotal (the lines' totals),
//! printed above the delivery charge.

use std::ops::Range;

use krilla::Document;

use crate::RenderError;
use crate::layout::{self, Align, GREY, INK, NAVY, Pen, RULE, STRIPE, logo_image};
use crate::stationery::{
    self, BOTTOM, EMPTY_H, Figure, Heading, LEAD, MIN_SIZE, NEXT_TOP, PAD, RIGHT, SIZE, Sender,
    TABLE_W, TABLE_X, TableRow, address, continued, figure, gbp, no_items, table_body, widest,
};
use crate::text::{self, Faces, clean};

/// The seller: the awarding body, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptSeller {
    pub organisation_name: String,
    /// Lines of the postal address, in order.
    pub address: Vec<String>,
    /// The VAT registration number, e.g. `GB 123 4567 89`. Without one the document is titled
    /// "Receipt": a "VAT receipt" must carry the seller's VAT number.
    pub vat_number: Option<String>,
    /// Printed in every page's footer.
    pub support_email: String,
}

/// Who paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptBuyer {
    pub name: String,
    /// Lines of the billing address, in order (may be empty).
    pub address: Vec<String>,
}

/// A delivery that was charged for (a posted or collected order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptDelivery {
    /// E.g. `Royal Mail Signed For`.
    pub name: String,
    /// VAT included, in pence.
    pub price: i64,
}

/// One line of the order. Amounts are in pence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptLine {
    /// What was bought, e.g. `Replacement certificate — Level 3 Award in …, Grace Hopper`.
    pub description: String,
    /// The document's reference, e.g. `42121928-01-5KNP`.
    pub reference: String,
    pub quantity: i64,
    /// What one costs, VAT included (as the store sets its prices).
    pub unit_price: i64,
    /// E.g. `Standard rate`.
    pub vat_rate_name: String,
    /// Hundredths of a per cent: 2000 is 20 %.
    pub vat_basis_points: u32,
    pub net: i64,
    pub vat: i64,
    pub gross: i64,
}

/// The VAT charged at one rate on the whole order (lines and delivery). Amounts in pence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptVat {
    pub rate_name: String,
    /// Hundredths of a per cent: 2000 is 20 %.
    pub basis_points: u32,
    pub net: i64,
    pub vat: i64,
    pub gross: i64,
}

/// The order's totals, in pence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptTotals {
    pub net: i64,
    pub vat: i64,
    /// What the buyer paid.
    pub total: i64,
}

/// How it was paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptPayment {
    /// E.g. `Card`.
    pub method: String,
    /// The payment provider's reference; left out when empty.
    pub reference: String,
}

/// Everything printed on a receipt. The date comes already formatted, so its wording stays with
/// the caller that knows the locale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub seller: ReceiptSeller,
    /// A PNG; an invalid one is an error ([`RenderError::Logo`]) so the caller can retry without.
    pub logo_png: Option<Vec<u8>>,
    /// The receipt (order) number.
    pub number: String,
    /// Formatted, e.g. `3 November 2026`.
    pub paid_on: String,
    pub buyer: ReceiptBuyer,
    /// `None`: nothing was posted ("Digital delivery").
    pub delivery: Option<ReceiptDelivery>,
    /// Any number, flowing over pages.
    pub lines: Vec<ReceiptLine>,
    /// VAT by rate, in the order to print.
    pub vat: Vec<ReceiptVat>,
    pub totals: ReceiptTotals,
    pub payment: ReceiptPayment,
}

/// Basis points as a percentage without needless zeros: `20%`, `17.5%`, `12.34%`.
pub(crate) fn percent(basis_points: u32) -> String {
    let whole = basis_points / 100;
    match basis_points % 100 {
        0 => format!("{whole}%"),
        f if f % 10 == 0 => format!("{whole}.{}%", f / 10),
        f => format!("{whole}.{f:02}%"),
    }
}

/// The reference under a line's description.
const REF_SIZE: f32 = 7.5;
const REF_LEAD: f32 = 9.5;
const HEAD_H: f32 = 26.0;
/// Lines a description may take before it is cut short.
const DESCRIPTION_LINES: usize = 5;
/// The narrowest the description column gets; the figures' columns give way below it.
const MIN_DESCRIPTION_W: f32 = 150.0;
/// The widest a figures' column grows.
const MAX_FIGURE_W: f32 = 80.0;
/// The widest the VAT rate column grows (a longer name wraps).
const MAX_RATE_W: f32 = 84.0;
/// Rows of the VAT summary and of the totals.
const SUMMARY_ROW: f32 = 16.0;

/// The table's columns, left to right: description (with the reference), quantity, unit
/// price, VAT rate, net, VAT, total.
type Cols = stationery::Cols<7>;

const DESCRIPTION: usize = 0;
const QTY: usize = 1;
const UNIT: usize = 2;
const RATE: usize = 3;
const NET: usize = 4;
const VAT: usize = 5;
const GROSS: usize = 6;

/// The header of each column, its lines and how they align.
const HEADS: [(&[&str], Align); 7] = [
    (&["Description"], Align::Left),
    (&["Qty"], Align::Right),
    (&["Unit price", "inc. VAT"], Align::Right),
    (&["VAT rate"], Align::Left),
    (&["Net"], Align::Right),
    (&["VAT"], Align::Right),
    (&["Total"], Align::Right),
];

/// One row of the lines table, already broken into lines.
struct Row {
    description: Vec<String>,
    reference: Vec<String>,
    rate: Vec<String>,
    /// Quantity, unit price, net, VAT, total.
    figures: [Figure; 5],
    height: f32,
}

impl TableRow for Row {
    fn height(&self) -> f32 {
        self.height
    }
}

/// A row of the VAT summary.
struct VatRow {
    label: String,
    figures: [Figure; 3],
}

/// The printed fields, cleaned of control characters once.
struct Fields {
    title: &'static str,
    number: String,
    paid_on: String,
    buyer: String,
    buyer_address: Vec<String>,
    delivery: String,
    delivery_price: i64,
    items: i64,
    method: String,
    payment_reference: String,
}

impl Fields {
    fn new(r: &Receipt) -> Self {
        let has_vat_number = r
            .seller
            .vat_number
            .as_deref()
            .is_some_and(|v| !clean(v).is_empty());
        let (delivery, delivery_price) = match &r.delivery {
            Some(d) => (format!("Delivery: {}", clean(&d.name)), d.price),
            None => ("Digital delivery".to_owned(), 0),
        };
        Self {
            title: if has_vat_number {
                "VAT receipt"
            } else {
                "Receipt"
            },
            number: clean(&r.number),
            paid_on: clean(&r.paid_on),
            buyer: clean(&r.buyer.name),
            buyer_address: address(&r.buyer.address),
            delivery,
            delivery_price,
            items: r
                .lines
                .iter()
                .fold(0i64, |sum, l| sum.saturating_add(l.gross)),
            method: clean(&r.payment.method),
            payment_reference: clean(&r.payment.reference),
        }
    }
}

/// What one rendering needs besides the page being drawn.
struct Ctx {
    faces: &'static Faces,
    /// The seller.
    sender: Sender,
    f: Fields,
    cols: Cols,
    rows: Vec<Row>,
    vat: Vec<VatRow>,
    totals: ReceiptTotals,
}

/// Columns sized to their widest figure (and heading); the description takes the rest.
fn columns(faces: &Faces, r: &Receipt) -> Cols {
    let head = |column: usize| widest(&faces.bold, SIZE, HEADS[column].0.iter().copied());
    let figures = |column: usize, values: Vec<String>| {
        let w = widest(&faces.regular, SIZE, values.iter().map(String::as_str));
        w.max(head(column)) + 2.0 * PAD
    };
    let lines = &r.lines;
    let vat = &r.vat;
    let qty = figures(QTY, lines.iter().map(|l| l.quantity.to_string()).collect());
    let unit = figures(UNIT, lines.iter().map(|l| gbp(l.unit_price)).collect());
    // A money column holds the lines' amounts and the VAT summary's, aligned.
    let money = |column, line: fn(&ReceiptLine) -> i64, rate: fn(&ReceiptVat) -> i64| {
        figures(
            column,
            lines
                .iter()
                .map(line)
                .chain(vat.iter().map(rate))
                .map(gbp)
                .collect(),
        )
    };
    let net = money(NET, |l| l.net, |v| v.net);
    let vat_w = money(VAT, |l| l.vat, |v| v.vat);
    let gross = money(GROSS, |l| l.gross, |v| v.gross);
    // The rate's name over its percentage, each on a line when the name is short.
    let rate = widest(
        &faces.regular,
        SIZE,
        lines.iter().map(|l| l.vat_rate_name.as_str()),
    )
    .max(head(RATE))
    .max(faces.regular.width("100.00%", SIZE))
        + 2.0 * PAD;
    let widths = [
        0.0,
        qty.min(MAX_FIGURE_W),
        unit.min(MAX_FIGURE_W),
        rate.min(MAX_RATE_W),
        net.min(MAX_FIGURE_W),
        vat_w.min(MAX_FIGURE_W),
        gross.min(MAX_FIGURE_W),
    ];
    Cols::sharing(widths, DESCRIPTION, MIN_DESCRIPTION_W)
}

fn rows(faces: &Faces, cols: &Cols, lines: &[ReceiptLine]) -> Vec<Row> {
    let regular = &faces.regular;
    let inner = |column: usize| cols.widths[column] - 2.0 * PAD;
    lines
        .iter()
        .map(|line| {
            let description = regular
                .fit(
                    &clean(&line.description),
                    SIZE,
                    SIZE,
                    inner(DESCRIPTION),
                    DESCRIPTION_LINES,
                )
                .1;
            let reference = clean(&line.reference);
            let reference = if reference.is_empty() {
                Vec::new()
            } else {
                regular
                    .fit(
                        &format!("Ref. {reference}"),
                        REF_SIZE,
                        REF_SIZE,
                        inner(DESCRIPTION),
                        2,
                    )
                    .1
            };
            let name = clean(&line.vat_rate_name);
            let mut rate = if name.is_empty() {
                Vec::new()
            } else {
                regular.fit(&name, SIZE, SIZE, inner(RATE), 2).1
            };
            rate.push(percent(line.vat_basis_points));
            let fig =
                |column: usize, text: String| figure(regular, SIZE, text, cols.widths[column]);
            let figures = [
                fig(QTY, line.quantity.to_string()),
                fig(UNIT, gbp(line.unit_price)),
                fig(NET, gbp(line.net)),
                fig(VAT, gbp(line.vat)),
                fig(GROSS, gbp(line.gross)),
            ];
            let text_h = (description.len() as f32 * LEAD + reference.len() as f32 * REF_LEAD)
                .max(rate.len() as f32 * LEAD);
            Row {
                description,
                reference,
                rate,
                figures,
                height: text_h + 2.0 * PAD,
            }
        })
        .collect()
}

fn vat_rows(faces: &Faces, cols: &Cols, vat: &[ReceiptVat]) -> Vec<VatRow> {
    let regular = &faces.regular;
    vat.iter()
        .map(|v| {
            let name = clean(&v.rate_name);
            let rate = percent(v.basis_points);
            let label = if name.is_empty() {
                format!("VAT at {rate}")
            } else {
                format!("{name} ({rate})")
            };
            let fig =
                |column: usize, pence: i64| figure(regular, SIZE, gbp(pence), cols.widths[column]);
            VatRow {
                label,
                figures: [fig(NET, v.net), fig(VAT, v.vat), fig(GROSS, v.gross)],
            }
        })
        .collect()
}

impl Ctx {
    /// Everything but the logo, which only drawing needs decoded.
    fn new(r: &Receipt) -> Result<Self, RenderError> {
        let faces = text::faces()?;
        let f = Fields::new(r);
        let cols = columns(faces, r);
        Ok(Self {
            faces,
            sender: Sender::seller(faces, &r.seller),
            rows: rows(faces, &cols, &r.lines),
            vat: vat_rows(faces, &cols, &r.vat),
            cols,
            f,
            totals: r.totals.clone(),
        })
    }
}

/// The first page's heading: seller, title, buyer and the receipt's details; gives where the
/// lines table starts.
fn heading(pen: &mut Pen<'_, '_>, ctx: &Ctx) -> f32 {
    let f = &ctx.f;
    let mut details = vec![
        ("Receipt number", f.number.as_str()),
        ("Date paid", f.paid_on.as_str()),
        ("Paid by", f.method.as_str()),
    ];
    if !f.payment_reference.is_empty() {
        details.push(("Payment reference", f.payment_reference.as_str()));
    }
    let heading = Heading {
        title: f.title,
        to: "Billed to",
        name: &f.buyer,
        lines: &f.buyer_address,
        lines_color: INK,
        details: &details,
    };
    stationery::heading(pen, &ctx.sender, &heading)
}

/// The heading of later pages.
fn continued_heading(pen: &mut Pen<'_, '_>, ctx: &Ctx) {
    let f = &ctx.f;
    let what = format!("{} {} (continued) — {}", f.title, f.number, f.buyer);
    continued(pen, &ctx.sender, &what);
}

fn table_head(pen: &mut Pen<'_, '_>, ctx: &Ctx, top: f32) {
    let bold = &ctx.faces.bold;
    let cols = &ctx.cols;
    pen.rect(TABLE_X, top, TABLE_W, HEAD_H, Some(NAVY), None);
    let white = (255, 255, 255);
    for (column, (lines, align)) in HEADS.iter().enumerate() {
        let x = match align {
            Align::Right => cols.right(column) - PAD,
            _ => cols.x(column) + PAD,
        };
        // One line sits in the middle; two share the band.
        let first = if lines.len() > 1 {
            top + 11.0
        } else {
            top + 16.0
        };
        for (i, line) in lines.iter().enumerate() {
            let (size, fitted) = bold.fit(line, SIZE, MIN_SIZE, cols.widths[column] - 2.0 * PAD, 1);
            let size = if i == 0 { size } else { size * 0.85 };
            pen.text(
                bold,
                size,
                x,
                first + 9.0 * i as f32,
                &fitted.concat(),
                *align,
                white,
            );
        }
    }
}

fn table_rows(pen: &mut Pen<'_, '_>, ctx: &Ctx, top: f32, range: Range<usize>) -> f32 {
    let regular = &ctx.faces.regular;
    let cols = &ctx.cols;
    let rows = &ctx.rows[range];
    table_body(pen, top, rows, |pen, row, baseline| {
        let x = cols.x(DESCRIPTION) + PAD;
        let last = pen.lines(
            regular,
            SIZE,
            LEAD,
            x,
            baseline,
            &row.description,
            Align::Left,
            INK,
        );
        pen.lines(
            regular,
            REF_SIZE,
            REF_LEAD,
            x,
            last + REF_LEAD,
            &row.reference,
            Align::Left,
            GREY,
        );
        pen.lines(
            regular,
            SIZE,
            LEAD,
            cols.x(RATE) + PAD,
            baseline,
            &row.rate,
            Align::Left,
            INK,
        );
        for (figure, column) in row.figures.iter().zip([QTY, UNIT, NET, VAT, GROSS]) {
            cols.figure(pen, regular, column, baseline, figure, INK);
        }
    })
}

const TOTAL_SIZE: f32 = 11.0;
/// The widest the totals' figures grow before they shrink.
const MAX_TOTALS_W: f32 = 110.0;

/// The VAT summary, the totals and the payment, from `top` (just under the table); gives the
/// last baseline.
fn summary(pen: &mut Pen<'_, '_>, ctx: &Ctx, top: f32) -> f32 {
    let (regular, bold) = (&ctx.faces.regular, &ctx.faces.bold);
    let (cols, f) = (&ctx.cols, &ctx.f);
    let amounts = [NET, VAT, GROSS];

    // VAT by rate, its figures under the table's own Net, VAT and Total.
    let mut y = top + 18.0;
    pen.rect(TABLE_X, y, TABLE_W, SUMMARY_ROW + 2.0, Some(STRIPE), None);
    let head = y + 12.0;
    pen.text(
        bold,
        SIZE,
        TABLE_X + PAD,
        head,
        "VAT summary",
        Align::Left,
        NAVY,
    );
    for (column, label) in amounts.iter().zip(["Net", "VAT", "Total"]) {
        pen.text(
            bold,
            SIZE,
            cols.right(*column) - PAD,
            head,
            label,
            Align::Right,
            NAVY,
        );
    }
    y += SUMMARY_ROW + 2.0;
    let label_w = cols.x(NET) - TABLE_X - 2.0 * PAD;
    for row in &ctx.vat {
        let baseline = y + 11.5;
        let (size, label) = regular.fit(&row.label, SIZE, MIN_SIZE, label_w, 1);
        pen.text(
            regular,
            size,
            TABLE_X + PAD,
            baseline,
            &label.concat(),
            Align::Left,
            INK,
        );
        for (figure, column) in row.figures.iter().zip(amounts) {
            pen.text(
                regular,
                figure.size,
                cols.right(column) - PAD,
                baseline,
                &figure.text,
                Align::Right,
                INK,
            );
        }
        y += SUMMARY_ROW;
        pen.hline(TABLE_X, RIGHT, y, RULE, 0.5);
    }

    // The totals on the right, their figures ending under the table's last column, the
    // payment on the left.
    let summary_top = y + 22.0;
    let amount_x = RIGHT - PAD;
    let rows = [
        ("Items (VAT included)".to_owned(), f.items),
        (f.delivery.clone(), f.delivery_price),
        ("Total net".to_owned(), ctx.totals.net),
        ("Total VAT".to_owned(), ctx.totals.vat),
    ];
    let amounts_w = widest(
        regular,
        9.0,
        rows.iter()
            .map(|(_, pence)| gbp(*pence))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str),
    )
    .max(bold.width(&gbp(ctx.totals.total), TOTAL_SIZE))
    .min(MAX_TOTALS_W);
    let gross = amounts_w + 2.0 * PAD;
    let label_right = amount_x - amounts_w - 14.0;
    let left_w = TABLE_W * 0.42;
    let totals_label_w = label_right - (TABLE_X + left_w + 16.0);
    let mut y = summary_top;
    for (label, pence) in rows {
        let (size, label) = regular.fit(&label, 9.0, MIN_SIZE, totals_label_w, 1);
        pen.text(
            regular,
            size,
            label_right,
            y,
            &label.concat(),
            Align::Right,
            GREY,
        );
        let fig = figure(regular, 9.0, gbp(pence), gross);
        pen.text(regular, fig.size, amount_x, y, &fig.text, Align::Right, INK);
        y += 15.0;
    }
    pen.hline(TABLE_X + left_w + 16.0, RIGHT, y - 6.0, NAVY, 0.8);
    y += 9.0;
    pen.text(
        bold,
        TOTAL_SIZE,
        label_right,
        y,
        "Total paid",
        Align::Right,
        NAVY,
    );
    let fig = figure(bold, TOTAL_SIZE, gbp(ctx.totals.total), gross);
    pen.text(bold, fig.size, amount_x, y, &fig.text, Align::Right, NAVY);
    let totals_end = y;

    let mut paid = "Paid in full".to_owned();
    if !f.method.is_empty() {
        paid.push_str(&format!(" by {}", f.method));
    }
    if !f.paid_on.is_empty() {
        paid.push_str(&format!(" on {}", f.paid_on));
    }
    paid.push('.');
    let mut left = summary_top;
    pen.text(bold, 9.0, TABLE_X, left, "Payment", Align::Left, NAVY);
    for paragraph in [
        paid.as_str(),
        "VAT is worked out on the total charged at each rate, so the VAT shown on a line may \
         differ from it by a penny.",
    ] {
        let (size, lines) = regular.fit(paragraph, 8.5, 6.5, left_w, 4);
        left = pen.lines(
            regular,
            size,
            size * 1.35,
            TABLE_X,
            left + 6.0 + size * 1.35,
            &lines,
            Align::Left,
            GREY,
        );
    }
    totals_end.max(left)
}

/// The footer every page carries: the support contact, the seller and the page number.
fn footer(pen: &mut Pen<'_, '_>, ctx: &Ctx, number: usize, of: usize) {
    let sender = &ctx.sender;
    let mut parts = vec![sender.org.clone()];
    if let Some(vat_number) = &sender.vat_number {
        parts.push(format!("VAT registration number {vat_number}"));
    }
    parts.push(format!("Receipt {}", ctx.f.number));
    parts.push(format!("Page {number} of {of}"));
    stationery::footer(pen, sender, "receipt", &parts.join("  ·  "));
}

/// How the receipt falls into pages.
struct Pages {
    /// The rows of each page that has some of the table (at least one page).
    tables: Vec<Range<usize>>,
    /// Whether the summary needs a page of its own after the table's last.
    summary_apart: bool,
}

impl Pages {
    fn count(&self) -> usize {
        self.tables.len() + usize::from(self.summary_apart)
    }
}

fn pages(ctx: &Ctx) -> Pages {
    let first_top = heading(&mut Pen::measuring(), ctx);
    let (tables, mut y) = layout::paginate(
        ctx.rows.iter().map(|r| r.height),
        first_top + HEAD_H,
        NEXT_TOP + HEAD_H,
        BOTTOM,
    );
    if ctx.rows.is_empty() {
        y += EMPTY_H;
    }
    let summary_h = summary(&mut Pen::measuring(), ctx, 0.0);
    Pages {
        tables,
        summary_apart: y + summary_h > BOTTOM,
    }
}

fn page(
    document: &mut Document,
    ctx: &Ctx,
    number: usize,
    of: usize,
    draw: impl FnOnce(&mut Pen<'_, '_>),
) -> Result<(), RenderError> {
    crate::layout::a4_page(document, |pen| {
        draw(pen);
        footer(pen, ctx, number, of);
    })
}

/// Draws the table's page `i` (its heading, the table's header and rows); gives where the rows
/// end.
fn table_page(pen: &mut Pen<'_, '_>, ctx: &Ctx, i: usize, range: Range<usize>) -> f32 {
    let top = if i == 0 {
        heading(pen, ctx)
    } else {
        continued_heading(pen, ctx);
        NEXT_TOP
    };
    table_head(pen, ctx, top);
    if ctx.rows.is_empty() {
        return no_items(pen, &ctx.sender, top + HEAD_H);
    }
    table_rows(pen, ctx, top + HEAD_H, range)
}

pub(crate) fn render(r: &Receipt) -> Result<Vec<u8>, RenderError> {
    let mut ctx = Ctx::new(r)?;
    ctx.sender.logo = r.logo_png.as_deref().map(logo_image).transpose()?;
    let layout = pages(&ctx);
    let of = layout.count();

    let mut document = stationery::document(
        &ctx.sender,
        format!("{} {} — {}", ctx.f.title, ctx.f.number, ctx.f.buyer),
    );
    let last = layout.tables.len() - 1;
    for (i, range) in layout.tables.iter().enumerate() {
        page(&mut document, &ctx, i + 1, of, |pen| {
            let end = table_page(pen, &ctx, i, range.clone());
            if i == last && !layout.summary_apart {
                summary(pen, &ctx, end);
            }
        })?;
    }
    if layout.summary_apart {
        page(&mut document, &ctx, of, of, |pen| {
            continued_heading(pen, &ctx);
            summary(pen, &ctx, NEXT_TOP - 18.0);
        })?;
    }
    layout::finish(document)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stationery::testing::{assert_filled, assert_within_margins, long_seller, runs};

    #[test]
    fn rates_are_written_as_percentages() {
        assert_eq!(percent(2000), "20%");
        assert_eq!(percent(500), "5%");
        assert_eq!(percent(0), "0%");
        assert_eq!(percent(1750), "17.5%");
        assert_eq!(percent(1234), "12.34%");
        assert_eq!(percent(5), "0.05%");
    }

    fn line(i: usize, description: &str, pence: i64) -> ReceiptLine {
        ReceiptLine {
            description: description.into(),
            reference: format!("4212{i:04}-01-5KNP"),
            quantity: 2,
            unit_price: pence,
            vat_rate_name: "Standard rate".into(),
            vat_basis_points: 2000,
            net: pence * 2 * 5 / 6,
            vat: pence * 2 / 6,
            gross: pence * 2,
        }
    }

    fn long_receipt(lines: usize, pence: i64) -> Receipt {
        Receipt {
            seller: long_seller(),
            logo_png: None,
            number: "ORD-2026-000123-WITH-A-VERY-LONG-SUFFIX-THAT-NOBODY-SHOULD-USE".into(),
            paid_on: "30 September 2026".into(),
            buyer: ReceiptBuyer {
                name: "Maximiliana-Wilhelmina Alexandrina Konstantinopoulou-Featherstonehaugh de la Vega y Montoya-Ruiz".into(),
                address: (1..=10).map(|i| format!("Buyer address line {i}, somewhere far away")).collect(),
            },
            delivery: Some(ReceiptDelivery {
                name: "International tracked and signed-for courier, priced by our team after checkout".into(),
                price: pence,
            }),
            lines: (0..lines)
                .map(|i| line(i, &"Replacement certificate, posted, for a learner with a long name ".repeat(3), pence))
                .collect(),
            vat: vec![ReceiptVat {
                rate_name: "Standard rate of VAT in the United Kingdom, as configured".into(),
                basis_points: 2000,
                net: pence * 100,
                vat: pence * 20,
                gross: pence * 120,
            }],
            totals: ReceiptTotals {
                net: pence * 100,
                vat: pence * 20,
                total: pence * 120,
            },
            payment: ReceiptPayment {
                method: "Card".into(),
                reference: "pi_3NqR2x2eZvKYlo2C1h3c0XyZ_and_a_long_tail_of_characters".into(),
            },
        }
    }

    /// Every text run each page would place.
    fn page_runs(ctx: &Ctx) -> Vec<Vec<[f32; 3]>> {
        let layout = pages(ctx);
        let of = layout.count();
        let last = layout.tables.len() - 1;
        let mut out: Vec<_> = (layout.tables.iter().enumerate())
            .map(|(i, range)| {
                runs(|pen| {
                    let end = table_page(pen, ctx, i, range.clone());
                    if i == last && !layout.summary_apart {
                        summary(pen, ctx, end);
                    }
                    footer(pen, ctx, i + 1, of);
                })
            })
            .collect();
        if layout.summary_apart {
            out.push(runs(|pen| {
                continued_heading(pen, ctx);
                summary(pen, ctx, NEXT_TOP - 18.0);
                footer(pen, ctx, of, of);
            }));
        }
        out
    }

    #[test]
    fn long_text_and_huge_amounts_stay_on_the_page() {
        for (lines, pence) in [(0, 3000), (1, 3000), (3, 999_999_999_999), (60, 3000)] {
            let ctx = Ctx::new(&long_receipt(lines, pence)).expect("context");
            let runs = page_runs(&ctx);
            assert!(!runs.is_empty());
            for (page, runs) in runs.iter().enumerate() {
                assert_within_margins(&format!("{lines} lines"), page + 1, runs);
            }
            assert!(ctx.cols.widths.iter().all(|w| *w > 0.0));
            assert!(ctx.cols.widths[DESCRIPTION] >= MIN_DESCRIPTION_W - 0.01);
        }
    }

    #[test]
    fn every_page_of_lines_ends_above_the_footer_and_is_filled() {
        let ctx = Ctx::new(&long_receipt(60, 3000)).expect("context");
        let layout = pages(&ctx);
        let first_top = heading(&mut Pen::measuring(), &ctx);
        assert!(layout.tables.len() > 1);
        let heights: Vec<f32> = ctx.rows.iter().map(|r| r.height).collect();
        assert_filled(&heights, &layout.tables, first_top, HEAD_H);
        // The summary goes under the last rows when it fits, else on a page of its own.
        let last = layout.tables.last().cloned().unwrap_or_default();
        let end = NEXT_TOP + HEAD_H + ctx.rows[last].iter().map(|r| r.height).sum::<f32>();
        let summary_h = summary(&mut Pen::measuring(), &ctx, 0.0);
        assert_eq!(layout.summary_apart, end + summary_h > BOTTOM);
        assert!(NEXT_TOP - 18.0 + summary_h <= BOTTOM);
    }

    #[test]
    fn without_a_vat_number_it_is_a_receipt() {
        let mut r = long_receipt(1, 3000);
        assert_eq!(Fields::new(&r).title, "VAT receipt");
        r.seller.vat_number = Some("  ".into());
        assert_eq!(Fields::new(&r).title, "Receipt");
        r.seller.vat_number = None;
        assert_eq!(Fields::new(&r).title, "Receipt");
    }
}
