//! A centre's statement of account for a month: the awarding body's letterhead, the centre and
//! the statement's details (the month, the credit limit and what is available), a summary box
//! (opening balance, charges, credit notes, payments, the balance due), then every entry of the
//! month with the running balance, between the opening and the closing balance (flowing over as
//! many pages as it needs, its header repeated), with the support contact in every page's footer.
//!
//! As on the receipt, amounts come in as integer pence and are written here (`£1,234.50`, a
//! negative one with a real minus sign, `−£33.50`); the figures are the caller's, printed as
//! given and never worked out again here, so the statement says what the account says.

use std::ops::Range;

use crate::layout::{self, Align, GREY, INK, NAVY, Pen, RULE, Rgb, STRIPE, a4_page, logo_image};
use crate::stationery::{
    self, BOTTOM, Figure, HEAD_H, Heading, LEAD, MIN_SIZE, NEXT_TOP, PAD, SIZE, Sender, TABLE_W,
    TABLE_X, TableRow, continued, figure, signed_gbp, table_body, widest,
};
use crate::text::{self, Face, Faces, clean};
use crate::{ReceiptSeller, RenderError};

/// A centre's account for one month, as printed on its statement. Dates come already
/// formatted, so their wording stays with the caller that knows the locale; amounts are pence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The awarding body: its organisation, address, VAT number and support e-mail.
    pub seller: ReceiptSeller,
    /// A PNG; an invalid one is an error ([`RenderError::Logo`]) so the caller can retry without.
    pub logo_png: Option<Vec<u8>>,
    pub centre_name: String,
    pub centre_number: String,
    /// Formatted, e.g. `November 2026`.
    pub month: String,
    /// The formatted date of issue.
    pub issued_on: String,
    /// What the centre owed at the start of the month.
    pub opening: i64,
    /// What was charged in the month.
    pub charges: i64,
    /// What was credited in the month, as a positive amount.
    pub credits: i64,
    /// What was paid in the month, as a positive amount.
    pub payments: i64,
    /// What the centre owes at the end of the month (negative: the account is in credit).
    pub closing: i64,
    /// The account's credit limit.
    pub limit: i64,
    /// The credit available now.
    pub available: i64,
    /// The month's entries, in order; any number, flowing over pages.
    pub entries: Vec<StatementEntry>,
}

/// One entry of the month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementEntry {
    /// Formatted, e.g. `3 Nov 2026`.
    pub date: String,
    /// `Charge`, `Credit note` or `Payment`.
    pub kind: String,
    /// The order number, the credit note's number or the payment's reference.
    pub reference: String,
    pub description: String,
    /// Signed pence: a charge is positive, a credit or a payment negative.
    pub amount: i64,
    /// What the centre owes after this entry.
    pub balance: i64,
}

/// The title on the first page, and in the metadata and continued headings.
const TITLE: &str = "Statement of account";

/// The table's columns, left to right.
type Cols = stationery::Cols<6>;

const DATE: usize = 0;
const KIND: usize = 1;
const REFERENCE: usize = 2;
const DESCRIPTION: usize = 3;
const AMOUNT: usize = 4;
const BALANCE: usize = 5;

/// The header of each column and how it aligns.
const HEADS: [(&str, Align); 6] = [
    ("Date", Align::Left),
    ("Type", Align::Left),
    ("Reference", Align::Left),
    ("Description", Align::Left),
    ("Amount", Align::Right),
    ("Balance", Align::Right),
];

/// The widest each column but the description grows (longer text wraps, figures shrink).
const MAX_WIDTHS: [f32; 6] = [84.0, 70.0, 110.0, 0.0, 80.0, 80.0];
/// The narrowest the description column gets; the others give way below it.
const MIN_DESCRIPTION_W: f32 = 120.0;
/// Lines a description may take before it is cut short; the other cells take two.
const DESCRIPTION_LINES: usize = 4;
const CELL_LINES: usize = 2;

/// The summary box: its height, and the size of its figures.
const BOX_H: f32 = 44.0;
const BOX_SIZE: f32 = 11.0;
/// Between the summary box (or the note under it) and the table.
const BOX_GAP: f32 = 18.0;

/// How a row is drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Entry,
    /// The opening or the closing balance, in bold across the text columns.
    Balance,
    /// "No entries this month.", in grey across the text columns.
    Note,
}

/// One row of the entries table, already broken into lines.
struct Row {
    /// Date, type, reference, description; a balance or note row has only its first, spanning
    /// the text columns.
    cells: [Vec<String>; 4],
    amount: Option<Figure>,
    balance: Option<Figure>,
    style: Style,
    height: f32,
}

impl TableRow for Row {
    fn height(&self) -> f32 {
        self.height
    }
}

/// The printed fields, cleaned of control characters once.
struct Fields {
    centre: String,
    centre_number: String,
    month: String,
    issued_on: String,
    limit: String,
    available: String,
}

/// The statement measured and laid out, all but its pages.
struct Ctx {
    /// The awarding body.
    sender: Sender,
    faces: &'static Faces,
    f: Fields,
    rows: Vec<Row>,
    cols: Cols,
    /// The summary box's cells, left to right.
    summary: [(&'static str, i64); 5],
    in_credit: bool,
}

/// Columns sized to their widest content (and heading); the description takes the rest.
fn columns(faces: &Faces, s: &Statement) -> Cols {
    let (regular, bold) = (&faces.regular, &faces.bold);
    let entries = &s.entries;
    let texts: [Vec<String>; 3] = [
        entries.iter().map(|e| clean(&e.date)).collect(),
        entries.iter().map(|e| clean(&e.kind)).collect(),
        entries.iter().map(|e| clean(&e.reference)).collect(),
    ];
    let amounts: Vec<String> = entries.iter().map(|e| signed_gbp(e.amount)).collect();
    let balances: Vec<String> = entries.iter().map(|e| signed_gbp(e.balance)).collect();
    let totals = [signed_gbp(s.opening), signed_gbp(s.closing)];
    let content = [
        widest(regular, SIZE, texts[0].iter().map(String::as_str)),
        widest(regular, SIZE, texts[1].iter().map(String::as_str)),
        widest(regular, SIZE, texts[2].iter().map(String::as_str)),
        0.0,
        widest(regular, SIZE, amounts.iter().map(String::as_str)),
        widest(regular, SIZE, balances.iter().map(String::as_str)).max(widest(
            bold,
            SIZE,
            totals.iter().map(String::as_str),
        )),
    ];
    let mut widths = [0.0; 6];
    for (column, w) in widths.iter_mut().enumerate() {
        let head = bold.width(HEADS[column].0, SIZE);
        *w = (content[column].max(head) + 2.0 * PAD).min(MAX_WIDTHS[column]);
    }
    Cols::sharing(widths, DESCRIPTION, MIN_DESCRIPTION_W)
}

/// The entries' rows between the opening and the closing balance ("No entries this month."
/// between them when there are none).
fn rows(faces: &Faces, cols: &Cols, s: &Statement) -> Vec<Row> {
    let (regular, bold) = (&faces.regular, &faces.bold);
    let inner = |column: usize| cols.widths[column] - 2.0 * PAD;
    let span = cols.x(AMOUNT) - TABLE_X - 2.0 * PAD;
    let fig = |face: &Face, column: usize, pence: i64| {
        Some(figure(face, SIZE, signed_gbp(pence), cols.widths[column]))
    };
    let row = |cells: [Vec<String>; 4], amount, balance, style| {
        let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
        Row {
            cells,
            amount,
            balance,
            style,
            height: lines as f32 * LEAD + 2.0 * PAD,
        }
    };
    let spanning = |text: &str, face: &Face, balance: Option<i64>, style| {
        let label = face.fit(text, SIZE, MIN_SIZE, span, 1).1;
        let balance = balance.and_then(|pence| fig(face, BALANCE, pence));
        row(
            [label, Vec::new(), Vec::new(), Vec::new()],
            None,
            balance,
            style,
        )
    };

    let mut out = Vec::with_capacity(s.entries.len() + 2);
    out.push(spanning(
        "Opening balance",
        bold,
        Some(s.opening),
        Style::Balance,
    ));
    for e in &s.entries {
        let cell = |text: &str, column: usize, lines: usize| {
            regular
                .fit(&clean(text), SIZE, SIZE, inner(column), lines)
                .1
        };
        out.push(row(
            [
                cell(&e.date, DATE, CELL_LINES),
                cell(&e.kind, KIND, CELL_LINES),
                cell(&e.reference, REFERENCE, CELL_LINES),
                cell(&e.description, DESCRIPTION, DESCRIPTION_LINES),
            ],
            fig(regular, AMOUNT, e.amount),
            fig(regular, BALANCE, e.balance),
            Style::Entry,
        ));
    }
    if s.entries.is_empty() {
        out.push(spanning(
            "No entries this month.",
            regular,
            None,
            Style::Note,
        ));
    }
    out.push(spanning(
        "Closing balance",
        bold,
        Some(s.closing),
        Style::Balance,
    ));
    out
}

impl Ctx {
    /// Everything but the logo, which only drawing needs decoded.
    fn new(s: &Statement) -> Result<Self, RenderError> {
        let faces = text::faces()?;
        let cols = columns(faces, s);
        // Credits and payments come in positive and are shown as what they take off.
        let off = |pence: i64| 0i64.saturating_sub(pence);
        Ok(Self {
            faces,
            sender: Sender::seller(faces, &s.seller),
            f: Fields {
                centre: clean(&s.centre_name),
                centre_number: clean(&s.centre_number),
                month: clean(&s.month),
                issued_on: clean(&s.issued_on),
                limit: signed_gbp(s.limit),
                available: signed_gbp(s.available),
            },
            rows: rows(faces, &cols, s),
            cols,
            summary: [
                ("Opening balance", s.opening),
                ("Charges", s.charges),
                ("Credit notes", off(s.credits)),
                ("Payments received", off(s.payments)),
                ("Balance due", s.closing),
            ],
            in_credit: s.closing < 0,
        })
    }
}

/// The first page's heading: the awarding body, the title, the centre and the statement's
/// details; gives where the summary box starts.
fn heading(pen: &mut Pen<'_, '_>, ctx: &Ctx) -> f32 {
    let f = &ctx.f;
    let number: Vec<String> = Some(&f.centre_number)
        .filter(|n| !n.is_empty())
        .map(|n| format!("Centre number {n}"))
        .into_iter()
        .collect();
    let heading = Heading {
        title: TITLE,
        to: "Centre",
        name: &f.centre,
        lines: &number,
        lines_color: GREY,
        details: &[
            ("Statement for", f.month.as_str()),
            ("Issued on", f.issued_on.as_str()),
            ("Credit limit", f.limit.as_str()),
            ("Available credit", f.available.as_str()),
        ],
    };
    stationery::heading(pen, &ctx.sender, &heading)
}

/// The summary box from `top`, its cells side by side, the balance due last and shaded; gives
/// where the table starts.
fn summary_box(pen: &mut Pen<'_, '_>, ctx: &Ctx, top: f32) -> f32 {
    let (regular, bold) = (&ctx.faces.regular, &ctx.faces.bold);
    let cell_w = TABLE_W / ctx.summary.len() as f32;
    let last = ctx.summary.len() - 1;
    for (i, (label, pence)) in ctx.summary.iter().enumerate() {
        let x = TABLE_X + cell_w * i as f32;
        let (fill, color) = if i == last {
            (Some(STRIPE), NAVY)
        } else {
            (None, INK)
        };
        pen.rect(x, top, cell_w, BOX_H, fill, Some((RULE, 0.8)));
        let (size, label) = regular.fit(label, 8.0, MIN_SIZE, cell_w - 2.0 * PAD, 1);
        pen.text(
            regular,
            size,
            x + PAD,
            top + 15.0,
            &label.concat(),
            Align::Left,
            GREY,
        );
        let fig = figure(bold, BOX_SIZE, signed_gbp(*pence), cell_w);
        pen.text(
            bold,
            fig.size,
            x + PAD,
            top + 33.0,
            &fig.text,
            Align::Left,
            color,
        );
    }
    let mut y = top + BOX_H;
    if ctx.in_credit {
        y += 14.0;
        pen.text(
            regular,
            SIZE,
            TABLE_X,
            y,
            "The account is in credit: nothing is due.",
            Align::Left,
            GREY,
        );
    }
    y + BOX_GAP
}

/// The heading of later pages.
fn continued_heading(pen: &mut Pen<'_, '_>, ctx: &Ctx) {
    let f = &ctx.f;
    let mut what = format!("{TITLE} for {} (continued) — {}", f.month, f.centre);
    if !f.centre_number.is_empty() {
        what.push_str(&format!(" ({})", f.centre_number));
    }
    continued(pen, &ctx.sender, &what);
}

fn table_head(pen: &mut Pen<'_, '_>, ctx: &Ctx, top: f32) {
    let cols = &ctx.cols;
    let heads: Vec<(f32, f32, &str, Align)> = (HEADS.iter().enumerate())
        .map(|(column, (head, align))| (cols.x(column), cols.widths[column], *head, *align))
        .collect();
    stationery::table_head(pen, &ctx.sender, top, &heads);
}

fn table_rows(pen: &mut Pen<'_, '_>, ctx: &Ctx, top: f32, range: Range<usize>) -> f32 {
    let cols = &ctx.cols;
    let rows = &ctx.rows[range];
    table_body(pen, top, rows, |pen, row, baseline| {
        let (face, color): (_, Rgb) = match row.style {
            Style::Entry => (&ctx.faces.regular, INK),
            Style::Balance => (&ctx.faces.bold, NAVY),
            Style::Note => (&ctx.faces.regular, GREY),
        };
        for (column, lines) in [DATE, KIND, REFERENCE, DESCRIPTION].iter().zip(&row.cells) {
            pen.lines(
                face,
                SIZE,
                LEAD,
                cols.x(*column) + PAD,
                baseline,
                lines,
                Align::Left,
                color,
            );
        }
        for (figure, column) in [(&row.amount, AMOUNT), (&row.balance, BALANCE)] {
            if let Some(figure) = figure {
                cols.figure(pen, face, column, baseline, figure, color);
            }
        }
    })
}

/// The footer every page carries: the support contact, the statement and the page number.
fn footer(pen: &mut Pen<'_, '_>, ctx: &Ctx, number: usize, of: usize) {
    let (sender, f) = (&ctx.sender, &ctx.f);
    let mut parts = vec![sender.org.clone()];
    if !f.centre_number.is_empty() {
        parts.push(format!("Centre {}", f.centre_number));
    }
    parts.push(format!("Statement for {}", f.month));
    parts.push(format!("Page {number} of {of}"));
    stationery::footer(pen, sender, "statement", &parts.join("  ·  "));
}

/// Where the table starts on the first page, under the heading and the summary box.
fn first_top(ctx: &Ctx) -> f32 {
    let mut pen = Pen::measuring();
    let y = heading(&mut pen, ctx);
    summary_box(&mut pen, ctx, y)
}

/// The rows of each page: at least one page, each filled to the footer.
fn pages(ctx: &Ctx) -> Vec<Range<usize>> {
    let (pages, _) = layout::paginate(
        ctx.rows.iter().map(|r| r.height),
        first_top(ctx) + HEAD_H,
        NEXT_TOP + HEAD_H,
        BOTTOM,
    );
    pages
}

/// Draws page `i` but its footer (its heading, the summary box on the first, the table's
/// header and rows); gives where the rows end.
fn statement_page(pen: &mut Pen<'_, '_>, ctx: &Ctx, i: usize, range: Range<usize>) -> f32 {
    let top = if i == 0 {
        let y = heading(pen, ctx);
        summary_box(pen, ctx, y)
    } else {
        continued_heading(pen, ctx);
        NEXT_TOP
    };
    table_head(pen, ctx, top);
    table_rows(pen, ctx, top + HEAD_H, range)
}

pub(crate) fn render(s: &Statement) -> Result<Vec<u8>, RenderError> {
    let mut ctx = Ctx::new(s)?;
    ctx.sender.logo = s.logo_png.as_deref().map(logo_image).transpose()?;
    let pages = pages(&ctx);
    let of = pages.len();

    let title = format!("{TITLE} for {} — {}", ctx.f.month, ctx.f.centre);
    let mut document = stationery::document(&ctx.sender, title);
    for (i, range) in pages.into_iter().enumerate() {
        a4_page(&mut document, |pen| {
            statement_page(pen, &ctx, i, range);
            footer(pen, &ctx, i + 1, of);
        })?;
    }
    layout::finish(document)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stationery::testing::{
        LONG_ORG, assert_filled, assert_within_margins, long_seller, runs,
    };

    fn long_statement(entries: usize, pence: i64) -> Statement {
        Statement {
            seller: long_seller(),
            logo_png: None,
            centre_name: format!("{LONG_ORG}, Centre for Engineering and Automotive Studies"),
            centre_number: "CENTRE-000123-WITH-A-VERY-LONG-SUFFIX-THAT-NOBODY-SHOULD-USE".into(),
            month: "September 2026".into(),
            issued_on: "1 October 2026".into(),
            opening: pence,
            charges: pence * 3,
            credits: pence,
            payments: pence,
            closing: -pence * 2,
            limit: pence * 10,
            available: -pence,
            entries: (0..entries)
                .map(|i| StatementEntry {
                    date: "30 September 2026 (a Wednesday, late in the afternoon)".into(),
                    kind: ["Charge", "Credit note", "Payment received by bank transfer"][i % 3]
                        .into(),
                    reference: format!("REFERENCE-WITHOUT-ANY-SPACES-AT-ALL-{i:06}"),
                    description: "Replacement certificates, posted, for learners with long names "
                        .repeat(4),
                    amount: if i % 3 == 0 { pence } else { -pence },
                    balance: -pence * i as i64,
                })
                .collect(),
        }
    }

    #[test]
    fn long_text_and_huge_amounts_stay_on_the_page() {
        for (entries, pence) in [(0, 3000), (1, 3000), (3, 999_999_999_999_999), (60, 3000)] {
            let ctx = Ctx::new(&long_statement(entries, pence)).expect("context");
            let pages = pages(&ctx);
            let of = pages.len();
            for (i, range) in pages.into_iter().enumerate() {
                let runs = runs(|pen| {
                    statement_page(pen, &ctx, i, range);
                    footer(pen, &ctx, i + 1, of);
                });
                assert_within_margins(&format!("{entries} entries"), i + 1, &runs);
            }
            assert!(ctx.cols.widths.iter().all(|w| *w > 0.0));
            assert!(ctx.cols.widths[DESCRIPTION] >= MIN_DESCRIPTION_W - 0.01);
        }
    }

    #[test]
    fn every_page_of_entries_ends_above_the_footer_and_is_filled() {
        let ctx = Ctx::new(&long_statement(60, 3000)).expect("context");
        let pages = pages(&ctx);
        assert!(pages.len() > 1);
        let heights: Vec<f32> = ctx.rows.iter().map(|r| r.height).collect();
        assert_filled(&heights, &pages, first_top(&ctx), HEAD_H);
    }

    #[test]
    fn the_table_runs_from_the_opening_to_the_closing_balance() {
        let ctx = Ctx::new(&long_statement(2, 3000)).expect("context");
        let styles: Vec<_> = ctx.rows.iter().map(|r| r.style).collect();
        assert!(styles == [Style::Balance, Style::Entry, Style::Entry, Style::Balance]);
        let ctx = Ctx::new(&long_statement(0, 3000)).expect("context");
        let styles: Vec<_> = ctx.rows.iter().map(|r| r.style).collect();
        assert!(styles == [Style::Balance, Style::Note, Style::Balance]);
        assert!(ctx.in_credit);
    }
}
