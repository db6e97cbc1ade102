//! The awarding body's stationery, shared by the VAT receipt and the print pack's packing slip:
//! the letterhead (logo, organisation and its address), the first page's heading under it (the
//! title, whom the document is for, its details), the later pages' heading and the footer.

use krilla::Document;
use krilla::image::Image;
use krilla::metadata::Metadata;

use crate::ReceiptSeller;
use crate::layout::{self, Align, GREY, H, INK, MARGIN, NAVY, Pen, RULE, STRIPE, W, fit_box};
use crate::text::{Face, Faces, clean};

/// The right margin.
pub(crate) const RIGHT: f32 = W - MARGIN;
/// The width between the margins.
pub(crate) const WIDTH: f32 = W - 2.0 * MARGIN;
/// Where running content stops, clear of the footer.
pub(crate) const BOTTOM: f32 = H - 66.0;
/// Where running content starts on pages after the first (under [`continued`]).
pub(crate) const NEXT_TOP: f32 = 96.0;
/// Address lines printed before the rest are run together.
const ADDRESS_LINES: usize = 7;

/// The tables' style: from margin to margin, cells padded, type size and leading.
pub(crate) const TABLE_X: f32 = MARGIN;
pub(crate) const TABLE_W: f32 = WIDTH;
pub(crate) const PAD: f32 = 5.0;
pub(crate) const SIZE: f32 = 8.5;
pub(crate) const LEAD: f32 = 10.5;
/// The height of a table's header band of one line ([`table_head`]).
pub(crate) const HEAD_H: f32 = 20.0;
/// The height of the line saying a table has no rows ([`no_items`]).
pub(crate) const EMPTY_H: f32 = 24.0;
/// Smallest size a figure shrinks to before it is cut (only absurd amounts get there).
pub(crate) const MIN_SIZE: f32 = 6.0;

/// The awarding body as its stationery prints it, cleaned (and its logo decoded) once.
pub(crate) struct Sender {
    pub(crate) faces: &'static Faces,
    pub(crate) org: String,
    /// The postal address ([`address`]).
    pub(crate) address: Vec<String>,
    /// Printed under the address when there is one.
    pub(crate) vat_number: Option<String>,
    pub(crate) email: String,
    pub(crate) logo: Option<Image>,
}

impl Sender {
    /// Without a logo, which only drawing needs decoded.
    pub(crate) fn new(
        faces: &'static Faces,
        org: &str,
        address_lines: &[String],
        vat_number: Option<&str>,
        email: &str,
    ) -> Self {
        Self {
            faces,
            org: clean(org),
            address: address(address_lines),
            vat_number: vat_number.map(clean).filter(|v| !v.is_empty()),
            email: clean(email),
            logo: None,
        }
    }

    /// The seller of a receipt or a statement, without its logo.
    pub(crate) fn seller(faces: &'static Faces, seller: &ReceiptSeller) -> Self {
        Self::new(
            faces,
            &seller.organisation_name,
            &seller.address,
            seller.vat_number.as_deref(),
            &seller.support_email,
        )
    }
}

/// An empty PDF titled `title`, created by the sender, in British English.
pub(crate) fn document(s: &Sender, title: String) -> Document {
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(title)
            .creator(s.org.clone())
            .language("en-GB".into()),
    );
    document
}

/// Pence as pounds: `£1,234.56`, a negative amount with its sign in front (`-£25.00`).
pub(crate) fn gbp(pence: i64) -> String {
    pounds(pence, "-")
}

/// Pence as pounds as [`gbp`] writes them, but a negative amount takes a real minus sign
/// (U+2212, `−£25.00`), as a statement's credits and payments do.
pub(crate) fn signed_gbp(pence: i64) -> String {
    pounds(pence, "\u{2212}")
}

fn pounds(pence: i64, minus: &str) -> String {
    let sign = if pence < 0 { minus } else { "" };
    let pence = pence.unsigned_abs();
    let pounds = (pence / 100).to_string();
    let mut grouped = String::with_capacity(pounds.len() + pounds.len() / 3);
    for (i, digit) in pounds.chars().enumerate() {
        if i > 0 && (pounds.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}£{grouped}.{:02}", pence % 100)
}

/// The widest of `texts` at `size`.
pub(crate) fn widest<'t>(face: &Face, size: f32, texts: impl IntoIterator<Item = &'t str>) -> f32 {
    texts
        .into_iter()
        .map(|t| face.width(t, size))
        .fold(0.0, f32::max)
}

/// A figure, fitted to one line of its column.
pub(crate) struct Figure {
    pub(crate) size: f32,
    pub(crate) text: String,
}

/// `text` at `size`, shrunk (or at the last cut) to one line of a column `width` wide.
pub(crate) fn figure(face: &Face, size: f32, text: String, width: f32) -> Figure {
    let (size, lines) = face.fit(&text, size, MIN_SIZE, width - 2.0 * PAD, 1);
    Figure {
        size,
        text: lines.concat(),
    }
}

/// A table's `N` columns, left to right, from [`TABLE_X`] to the right margin.
pub(crate) struct Cols<const N: usize> {
    pub(crate) widths: [f32; N],
}

impl<const N: usize> Cols<N> {
    /// Every column as wide as `widths` asks but the `flexible` one, which takes the rest of
    /// the table; when that is less than `min_flexible` (only absurd amounts get there), the
    /// others give way in proportion, and their figures shrink (or, at the last, are cut).
    pub(crate) fn sharing(mut widths: [f32; N], flexible: usize, min_flexible: f32) -> Self {
        widths[flexible] = 0.0;
        let fixed_w: f32 = widths.iter().sum();
        if TABLE_W - fixed_w < min_flexible {
            let scale = (TABLE_W - min_flexible) / fixed_w;
            for w in &mut widths {
                *w *= scale;
            }
        }
        widths[flexible] = TABLE_W - widths.iter().sum::<f32>();
        Self { widths }
    }

    pub(crate) fn x(&self, column: usize) -> f32 {
        TABLE_X + self.widths[..column].iter().sum::<f32>()
    }

    pub(crate) fn right(&self, column: usize) -> f32 {
        self.x(column) + self.widths[column]
    }

    /// `figure` set right in `column`, on `baseline`.
    pub(crate) fn figure(
        &self,
        pen: &mut Pen<'_, '_>,
        face: &Face,
        column: usize,
        baseline: f32,
        figure: &Figure,
        color: layout::Rgb,
    ) {
        let x = self.right(column) - PAD;
        pen.text(
            face,
            figure.size,
            x,
            baseline,
            &figure.text,
            Align::Right,
            color,
        );
    }
}

/// A row of a table, already broken into lines.
pub(crate) trait TableRow {
    /// Its height, padding included.
    fn height(&self) -> f32;
}

/// A table's `rows` from `top`, every other one shaded and each ruled off under it; `draw`
/// draws a row's text from its first baseline. Gives where the rows end.
pub(crate) fn table_body<R: TableRow>(
    pen: &mut Pen<'_, '_>,
    top: f32,
    rows: &[R],
    mut draw: impl FnMut(&mut Pen<'_, '_>, &R, f32),
) -> f32 {
    let mut y = top;
    for (i, row) in rows.iter().enumerate() {
        let h = row.height();
        if i % 2 == 1 {
            pen.rect(TABLE_X, y, TABLE_W, h, Some(STRIPE), None);
        }
        draw(pen, row, y + PAD + SIZE);
        y += h;
        pen.hline(TABLE_X, RIGHT, y, RULE, 0.5);
    }
    y
}

/// Address lines cleaned, blanks dropped; past [`ADDRESS_LINES`] the rest share the last line.
pub(crate) fn address(lines: &[String]) -> Vec<String> {
    let mut lines: Vec<String> = lines
        .iter()
        .map(|l| clean(l))
        .filter(|l| !l.is_empty())
        .collect();
    if lines.len() > ADDRESS_LINES {
        let rest = lines.split_off(ADDRESS_LINES - 1).join(", ");
        lines.push(rest);
    }
    lines
}

/// Left-aligned lines of `text`, each fitted to one line of `width`; gives the last baseline.
#[expect(
    clippy::too_many_arguments,
    reason = "a block of text is all of these; a struct would only rename them"
)]
pub(crate) fn block(
    pen: &mut Pen<'_, '_>,
    face: &Face,
    size: f32,
    leading: f32,
    x: f32,
    y: f32,
    width: f32,
    lines: &[String],
    align: Align,
    color: layout::Rgb,
) -> f32 {
    let mut baseline = y - leading;
    for line in lines {
        baseline += leading;
        let (size, fitted) = face.fit(line, size, size * 0.75, width, 1);
        pen.text(face, size, x, baseline, &fitted.concat(), align, color);
    }
    baseline
}

/// The logo on the left; the organisation, its address and its VAT number right-aligned beside
/// it; a rule under them. Gives the rule's y.
pub(crate) fn letterhead(pen: &mut Pen<'_, '_>, s: &Sender) -> f32 {
    let (regular, bold) = (&s.faces.regular, &s.faces.bold);
    let top = 48.0;
    let mut logo_bottom: f32 = 0.0;
    let mut sender_w = WIDTH;
    if let Some(logo) = &s.logo {
        let (w, h) = fit_box(logo, 150.0, 56.0);
        pen.image(logo, MARGIN, top, w, h);
        logo_bottom = top + h;
        sender_w = WIDTH - w - 24.0;
    }
    let (size, org) = bold.fit(&s.org, 14.0, 9.0, sender_w, 2);
    let mut y = pen.lines(
        bold,
        size,
        size * 1.25,
        RIGHT,
        top + size,
        &org,
        Align::Right,
        NAVY,
    );
    // The address, then the VAT number, each under what is above it.
    let vat_number: Vec<String> = (s.vat_number.iter())
        .map(|v| format!("VAT registration number: {v}"))
        .collect();
    for (face, lines, color) in [(regular, &s.address, GREY), (bold, &vat_number, INK)] {
        if !lines.is_empty() {
            y = block(
                pen,
                face,
                9.0,
                12.0,
                RIGHT,
                y + 15.0,
                sender_w,
                lines,
                Align::Right,
                color,
            );
        }
    }
    let y = y.max(logo_bottom) + 16.0;
    pen.hline(MARGIN, RIGHT, y, RULE, 0.8);
    y
}

/// The first page's heading under the letterhead: the title, whom the document is for on the
/// left, its details on the right.
pub(crate) struct Heading<'h> {
    pub(crate) title: &'h str,
    /// Over the name, e.g. `Billed to`.
    pub(crate) to: &'h str,
    pub(crate) name: &'h str,
    /// Under the name (an address, or a note), in `lines_color`.
    pub(crate) lines: &'h [String],
    pub(crate) lines_color: layout::Rgb,
    /// Labels and values, top to bottom.
    pub(crate) details: &'h [(&'h str, &'h str)],
}

/// The letterhead and the heading under it; gives where the content starts.
pub(crate) fn heading(pen: &mut Pen<'_, '_>, s: &Sender, h: &Heading<'_>) -> f32 {
    let (regular, bold) = (&s.faces.regular, &s.faces.bold);
    let y = letterhead(pen, s);

    // The title and whom it is for on the left; the details on the right.
    let details_w = 250.0;
    let left_w = WIDTH - details_w - 20.0;
    let title_y = y + 36.0;
    // A long title shrinks to keep clear of the details.
    let (size, title) = bold.fit(h.title, 22.0, 14.0, left_w, 1);
    pen.lines(bold, size, size, MARGIN, title_y, &title, Align::Left, NAVY);
    let mut left = title_y + 30.0;
    pen.text(bold, 9.0, MARGIN, left, h.to, Align::Left, NAVY);
    let (size, name) = bold.fit(h.name, 10.5, 8.0, left_w, 2);
    left = pen.lines(
        bold,
        size,
        size * 1.3,
        MARGIN,
        left + 15.0,
        &name,
        Align::Left,
        INK,
    );
    if !h.lines.is_empty() {
        left = block(
            pen,
            regular,
            9.0,
            12.0,
            MARGIN,
            left + 13.0,
            left_w,
            h.lines,
            Align::Left,
            h.lines_color,
        );
    }

    let label_right = RIGHT - details_w + 86.0;
    let value_x = label_right + 8.0;
    let value_w = RIGHT - value_x;
    let mut right = title_y - 8.0;
    for (label, value) in h.details {
        pen.text(regular, 9.0, label_right, right, label, Align::Right, GREY);
        let (size, lines) = bold.fit(value, 9.0, 7.0, value_w, 2);
        right = pen.lines(
            bold,
            size,
            size * 1.3,
            value_x,
            right,
            &lines,
            Align::Left,
            INK,
        ) + 15.0;
    }
    left.max(right - 15.0) + 26.0
}

/// A table's header band of one line from `top`, [`HEAD_H`] high: each column's heading as
/// `(x, width, heading, align)`, shrunk if it must be to fit its column.
pub(crate) fn table_head(
    pen: &mut Pen<'_, '_>,
    s: &Sender,
    top: f32,
    heads: &[(f32, f32, &str, Align)],
) {
    let bold = &s.faces.bold;
    pen.rect(TABLE_X, top, TABLE_W, HEAD_H, Some(NAVY), None);
    let y = top + 13.5;
    let white = (255, 255, 255);
    for &(x, width, head, align) in heads {
        let x = match align {
            Align::Right => x + width - PAD,
            _ => x + PAD,
        };
        let (size, fitted) = bold.fit(head, SIZE, MIN_SIZE, width - 2.0 * PAD, 1);
        pen.text(bold, size, x, y, &fitted.concat(), align, white);
    }
}

/// Says a table has no rows, where its rows would start (`top`); gives where the line ends.
pub(crate) fn no_items(pen: &mut Pen<'_, '_>, s: &Sender, top: f32) -> f32 {
    pen.text(
        &s.faces.regular,
        SIZE,
        TABLE_X + PAD,
        top + 15.0,
        "No items.",
        Align::Left,
        GREY,
    );
    top + EMPTY_H
}

/// The heading of later pages: the organisation, and what this is a continuation of.
pub(crate) fn continued(pen: &mut Pen<'_, '_>, s: &Sender, what: &str) {
    let (regular, bold) = (&s.faces.regular, &s.faces.bold);
    let (size, org) = bold.fit(&s.org, 11.0, 8.0, WIDTH, 1);
    pen.lines(bold, size, size, MARGIN, 56.0, &org, Align::Left, NAVY);
    let (size, what) = regular.fit(what, 10.0, 7.0, WIDTH, 1);
    pen.lines(regular, size, size, MARGIN, 74.0, &what, Align::Left, GREY);
}

/// What every page carries at its foot: the support contact ("Questions about this
/// `about`?") and a line saying what page of what this is.
pub(crate) fn footer(pen: &mut Pen<'_, '_>, s: &Sender, about: &str, line: &str) {
    let regular = &s.faces.regular;
    pen.hline(MARGIN, RIGHT, H - 54.0, RULE, 0.5);
    if !s.email.is_empty() {
        let contact = format!("Questions about this {about}? Contact {}", s.email);
        let (size, line) = regular.fit(&contact, 8.0, 5.0, WIDTH, 1);
        pen.lines(
            regular,
            size,
            size,
            W / 2.0,
            H - 40.0,
            &line,
            Align::Center,
            INK,
        );
    }
    let (size, line) = regular.fit(line, 7.5, 5.0, WIDTH, 1);
    pen.lines(
        regular,
        size,
        size,
        W / 2.0,
        H - 28.0,
        &line,
        Align::Center,
        GREY,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pounds_are_written_with_pence_and_thousands() {
        assert_eq!(gbp(0), "£0.00");
        assert_eq!(gbp(5), "£0.05");
        assert_eq!(gbp(350), "£3.50");
        assert_eq!(gbp(99_999), "£999.99");
        assert_eq!(gbp(123_456), "£1,234.56");
        assert_eq!(gbp(123_456_789), "£1,234,567.89");
        assert_eq!(gbp(-2500), "-£25.00");
        assert_eq!(gbp(i64::MIN), "-£92,233,720,368,547,758.08");
        assert_eq!(signed_gbp(-3350), "\u{2212}£33.50");
        assert_eq!(signed_gbp(123_450), "£1,234.50");
        assert_eq!(signed_gbp(i64::MIN), "\u{2212}£92,233,720,368,547,758.08");
    }

    #[test]
    fn the_flexible_column_takes_the_rest_or_its_least() {
        let cols = Cols::sharing([0.0, 50.0, 60.0], 0, 100.0);
        assert!((cols.widths[0] - (TABLE_W - 110.0)).abs() < 0.01);
        let cols = Cols::sharing([300.0, 0.0, 300.0], 1, 100.0);
        assert!((cols.widths[1] - 100.0).abs() < 0.01);
        assert!((cols.widths.iter().sum::<f32>() - TABLE_W).abs() < 0.01);
        assert!((cols.right(2) - RIGHT).abs() < 0.01);
    }
}

/// What the documents' own tests share: the awarding body at its longest, the text runs a
/// drawing places, and the checks that pages keep inside their margins and fill to the footer.
#[cfg(test)]
pub(crate) mod testing {
    use std::ops::Range;

    use super::{BOTTOM, NEXT_TOP, RIGHT};
    use crate::ReceiptSeller;
    use crate::layout::{H, MARGIN, Pen};

    pub(crate) const LONG_ORG: &str = "The Extraordinarily Long-Named Awarding Body for Vocational and Technical Qualifications in the United Kingdom";
    pub(crate) const LONG_EMAIL: &str =
        "qualifications-support-team@extraordinarily-long-named-awarding-body.example.org";

    /// Twelve long lines of an address (`what`, e.g. `postal`).
    pub(crate) fn long_address(what: &str) -> Vec<String> {
        (1..=12)
            .map(|i| {
                format!(
                    "Line {i} of a rather long and winding {what} address for the awarding body"
                )
            })
            .collect()
    }

    /// The awarding body as a receipt or a statement names it, everything at its longest.
    pub(crate) fn long_seller() -> ReceiptSeller {
        ReceiptSeller {
            organisation_name: LONG_ORG.into(),
            address: long_address("postal"),
            vat_number: Some(
                "GB 123 4567 89 and some more characters than any VAT number has".into(),
            ),
            support_email: LONG_EMAIL.into(),
        }
    }

    /// The text runs a drawing places.
    pub(crate) fn runs(draw: impl FnOnce(&mut Pen<'_, '_>)) -> Vec<[f32; 3]> {
        let mut pen = Pen::measuring();
        pen.runs = Some(Vec::new());
        draw(&mut pen);
        pen.runs.unwrap_or_default()
    }

    /// Page `page` (from 1) of `what` places some text, all of it within the margins and
    /// clear of the page's edges.
    pub(crate) fn assert_within_margins(what: &str, page: usize, runs: &[[f32; 3]]) {
        assert!(!runs.is_empty(), "{what}, page {page}: nothing drawn");
        for [left, right, baseline] in runs {
            assert!(
                *left >= MARGIN - 0.01 && *right <= RIGHT + 0.01,
                "{what}, page {page}: {left}..{right} outside the margins"
            );
            assert!(
                (40.0..=H - 24.0).contains(baseline),
                "{what}, page {page}: baseline {baseline} off the page"
            );
        }
    }

    /// A table of rows `heights` laid out as `pages` (its header `head_h` high, starting at
    /// `first_top` on the first page and [`NEXT_TOP`] after): every row is on a page, no page
    /// runs into the footer, and each but the last could not take its next row.
    pub(crate) fn assert_filled(
        heights: &[f32],
        pages: &[Range<usize>],
        first_top: f32,
        head_h: f32,
    ) {
        assert_eq!(pages.first().map(|r| r.start), Some(0));
        assert_eq!(pages.last().map(|r| r.end), Some(heights.len()));
        for (i, range) in pages.iter().enumerate() {
            assert!(!range.is_empty());
            let top = if i == 0 { first_top } else { NEXT_TOP };
            let height: f32 = heights[range.clone()].iter().sum();
            assert!(top + head_h + height <= BOTTOM, "page {} overflows", i + 1);
            if let Some(next) = heights.get(range.end) {
                assert!(
                    top + head_h + height + next > BOTTOM,
                    "page {} could hold more",
                    i + 1
                );
            }
        }
    }
}
