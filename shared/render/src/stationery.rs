//! The awarding body's stationery, shared by the VAT receipt and the print pack's packing slip:
//! the letterhead (logo, organisation and its address), the first page's heading under it (the
//! title, whom the document is for, its details), the later pages' heading and the footer.

use krilla::image::Image;

use crate::layout::{self, Align, GREY, H, INK, MARGIN, NAVY, Pen, RULE, W, fit_box};
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
/// The height of the line saying a table has no rows ([`no_items`]).
pub(crate) const EMPTY_H: f32 = 24.0;

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
    pen.text(bold, 22.0, MARGIN, title_y, h.title, Align::Left, NAVY);
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
