//! The print pack: one PDF the back office sends to its printer for a batch of paid orders of
//! printed copies. For each order, in order: a packing slip (what goes in the envelope, flowing
//! over pages when the order is long), an address label (unless the order is collected in
//! person), then every ordered copy drawn exactly as the learner's original, with a line on
//! each of its pages saying when the replacement was issued.
//!
//! Everything goes into one krilla [`Document`], so each font is subset and embedded once and
//! the logo stored once for the whole pack, however many orders it holds. Each page's content
//! is compressed when the page is finished, each QR code is stored compressed, and only the
//! order being drawn is held measured, so memory follows the PDF's size (a few kB a page): a
//! pack of 500 orders and 1,000 documents peaks at some 30 MB, well within a Lambda's memory.

use std::ops::Range;

use krilla::Document;
use krilla::destination::XyzDestination;
use krilla::geom::Point;
use krilla::outline::{Outline, OutlineNode};

use crate::layout::{self, Align, GREY, INK, MARGIN, Marks, NAVY, Pen, RULE, a4_page, logo_image};
use crate::stationery::{
    self, BOTTOM, HEAD_H, Heading, LEAD, NEXT_TOP, PAD, SIZE, Sender, TABLE_W, TABLE_X, TableRow,
    address, block, continued, letterhead, no_items, table_body,
};
use crate::text::{self, Faces, clean};
use crate::{Brand, Copy, Printed, RenderError};

/// A batch of paid orders of printed copies, as one PDF for the printer ([`crate::print_pack`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintPack {
    /// Printed on every slip and label, and drawn on the copies.
    pub brand: Brand,
    /// Where undelivered parcels go back to, printed on every packing slip and label: the
    /// lines of the postal address, in order, without the organisation's name (printed from
    /// the brand above them).
    pub return_address: Vec<String>,
    /// The formatted date the copies are issued, e.g. `5 December 2026`: printed on every page
    /// of every copy ("Replacement copy issued 5 December 2026").
    pub issued_on: String,
    /// In the order they are to be packed. None gives a one-page PDF saying "No orders".
    pub orders: Vec<PackOrder>,
}

/// One paid order: its packing slip, its label and the copies to go in its envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackOrder {
    /// The order number, e.g. `P9708601A`, on the slip and the label to match them up.
    pub number: String,
    /// Formatted, e.g. `3 December 2026`.
    pub placed_on: String,
    /// Who paid.
    pub buyer_name: String,
    /// Who the parcel is addressed to (or who collects it).
    pub delivery_name: String,
    /// E.g. `UK tracked courier`.
    pub delivery_option: String,
    /// Collected in person: no address label, and the slip says "For collection".
    pub collection: bool,
    /// Lines of the delivery address, in order, with the postcode and country.
    pub address: Vec<String>,
    /// The slip's table: what was ordered, any number of rows.
    pub items: Vec<PackItem>,
    /// Every ordered copy, quantities already expanded (two copies of a certificate are two
    /// entries), in the order they go into the envelope.
    pub documents: Vec<Printed>,
}

/// A row of the packing slip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackItem {
    /// E.g. `Replacement certificate — Level 3 Award in Electric Vehicle Repair`.
    pub description: String,
    pub learner_name: String,
    /// The document's reference, e.g. `42121928-01-5KNP`.
    pub reference: String,
    pub quantity: u32,
    /// Why the copy was ordered, e.g. `Lost in a house move`.
    pub reason: Option<String>,
}

/// The items table's columns, left to right; the description takes what the others leave.
const LEARNER_W: f32 = 96.0;
const REFERENCE_W: f32 = 96.0;
const QTY_W: f32 = 28.0;
const REASON_W: f32 = 112.0;
const DESCRIPTION_W: f32 = TABLE_W - LEARNER_W - REFERENCE_W - QTY_W - REASON_W;
const LEARNER_X: f32 = TABLE_X + DESCRIPTION_W;
const REFERENCE_X: f32 = LEARNER_X + LEARNER_W;
const QTY_X: f32 = REFERENCE_X + REFERENCE_W;
const REASON_X: f32 = QTY_X + QTY_W;

/// Points per millimetre.
const MM: f32 = 72.0 / 25.4;
/// The address label: 99.1 × 67.7 mm where the first label of a standard sheet of eight
/// (two across, four down, 4.65 mm from the side and 13.1 mm from the top) sits, so the page
/// can go through the printer on label stock, or on plain paper and be cut out along the
/// outline.
const LABEL_X: f32 = 4.65 * MM;
const LABEL_Y: f32 = 13.1 * MM;
const LABEL_W: f32 = 99.1 * MM;
const LABEL_H: f32 = 67.7 * MM;
const LABEL_PAD: f32 = 5.0 * MM;
/// The label's name and address: the address's size to the name's, the leadings, and the
/// smallest the name is set (a two-line name and seven address lines fit well above it).
const ADDRESS_SCALE: f32 = 0.86;
const NAME_LEAD: f32 = 1.22;
const ADDRESS_LEAD: f32 = 1.28;
const MIN_LABEL_SIZE: f32 = 7.0;

/// One row of the items table, already broken into lines.
struct Row {
    description: Vec<String>,
    learner: Vec<String>,
    reference: Vec<String>,
    quantity: String,
    reason: Vec<String>,
    height: f32,
}

impl TableRow for Row {
    fn height(&self) -> f32 {
        self.height
    }
}

/// One order's slip and label: its fields cleaned and its table measured.
struct Slip {
    number: String,
    placed_on: String,
    buyer: String,
    name: String,
    option: String,
    collection: bool,
    address: Vec<String>,
    copies: usize,
    rows: Vec<Row>,
}

impl Slip {
    fn new(faces: &Faces, order: &PackOrder) -> Self {
        let cell = |text: &str, width: f32, lines: usize| {
            faces
                .regular
                .fit(&clean(text), SIZE, SIZE, width - 2.0 * PAD, lines)
                .1
        };
        let rows = order
            .items
            .iter()
            .map(|item| {
                let description = cell(&item.description, DESCRIPTION_W, 5);
                let learner = cell(&item.learner_name, LEARNER_W, 5);
                let reference = cell(&item.reference, REFERENCE_W, 2);
                let reason = cell(item.reason.as_deref().unwrap_or("—"), REASON_W, 4);
                let lines = [&description, &learner, &reference, &reason]
                    .iter()
                    .map(|l| l.len())
                    .max()
                    .unwrap_or(1);
                Row {
                    description,
                    learner,
                    reference,
                    quantity: item.quantity.to_string(),
                    reason,
                    height: lines as f32 * LEAD + 2.0 * PAD,
                }
            })
            .collect();
        Self {
            number: clean(&order.number),
            placed_on: clean(&order.placed_on),
            buyer: clean(&order.buyer_name),
            name: clean(&order.delivery_name),
            option: clean(&order.delivery_option),
            collection: order.collection,
            address: address(&order.address),
            copies: order.documents.len(),
            rows,
        }
    }
}

/// The slip's first page heading: letterhead, title, where it goes and the order's details;
/// gives where the items table starts.
fn heading(pen: &mut Pen<'_, '_>, s: &Sender, o: &Slip) -> f32 {
    let copies = match o.copies {
        1 => "1 document".to_owned(),
        n => format!("{n} documents"),
    };
    let collected = ["Collected in person: there is no address label.".to_owned()];
    let (to, lines, lines_color) = if o.collection {
        ("For collection", &collected[..], GREY)
    } else {
        ("Deliver to", &o.address[..], INK)
    };
    let heading = Heading {
        title: "Packing slip",
        to,
        name: &o.name,
        lines,
        lines_color,
        details: &[
            ("Order number", o.number.as_str()),
            ("Placed on", o.placed_on.as_str()),
            ("Buyer", o.buyer.as_str()),
            ("Delivery", o.option.as_str()),
            ("Enclosed", copies.as_str()),
        ],
    };
    stationery::heading(pen, s, &heading)
}

fn table_head(pen: &mut Pen<'_, '_>, s: &Sender, top: f32) {
    let heads = [
        (TABLE_X, DESCRIPTION_W, "Description", Align::Left),
        (LEARNER_X, LEARNER_W, "Learner", Align::Left),
        (REFERENCE_X, REFERENCE_W, "Reference", Align::Left),
        (QTY_X, QTY_W, "Qty", Align::Right),
        (REASON_X, REASON_W, "Reason", Align::Left),
    ];
    stationery::table_head(pen, s, top, &heads);
}

fn table_rows(pen: &mut Pen<'_, '_>, s: &Sender, o: &Slip, top: f32, range: Range<usize>) {
    let regular = &s.faces.regular;
    table_body(pen, top, &o.rows[range], |pen, row, baseline| {
        for (x, lines) in [
            (TABLE_X, &row.description),
            (LEARNER_X, &row.learner),
            (REFERENCE_X, &row.reference),
            (REASON_X, &row.reason),
        ] {
            pen.lines(
                regular,
                SIZE,
                LEAD,
                x + PAD,
                baseline,
                lines,
                Align::Left,
                INK,
            );
        }
        pen.text(
            regular,
            SIZE,
            QTY_X + QTY_W - PAD,
            baseline,
            &row.quantity,
            Align::Right,
            INK,
        );
    });
}

/// The rows of each page of the slip: at least one page, each filled to the footer.
fn slip_pages(s: &Sender, o: &Slip) -> Vec<Range<usize>> {
    let first_top = heading(&mut Pen::measuring(), s, o);
    let (pages, _) = layout::paginate(
        o.rows.iter().map(|r| r.height),
        first_top + HEAD_H,
        NEXT_TOP + HEAD_H,
        BOTTOM,
    );
    pages
}

/// Draws the slip's page `i`.
fn slip_page(pen: &mut Pen<'_, '_>, s: &Sender, o: &Slip, i: usize, range: Range<usize>) {
    let top = if i == 0 {
        heading(pen, s, o)
    } else {
        let what = format!("Packing slip {} (continued) — {}", o.number, o.name);
        continued(pen, s, &what);
        NEXT_TOP
    };
    table_head(pen, s, top);
    if o.rows.is_empty() {
        let end = no_items(pen, s, top + HEAD_H);
        debug_assert!(end <= BOTTOM);
    }
    table_rows(pen, s, o, top + HEAD_H, range);
}

/// The support contact and which page of which order this is.
fn footer(pen: &mut Pen<'_, '_>, s: &Sender, o: &Slip, what: &str) {
    let line = format!("{}  ·  Order {}  ·  {what}", s.org, o.number);
    stationery::footer(pen, s, "order", &line);
}

/// A page of the order's own paperwork (its slip or its label), saying `what` in its footer.
fn order_page(
    document: &mut Document,
    s: &Sender,
    o: &Slip,
    what: &str,
    draw: impl FnOnce(&mut Pen<'_, '_>),
) -> Result<(), RenderError> {
    a4_page(document, |pen| {
        draw(pen);
        footer(pen, s, o, what);
    })
}

/// The address label in its outline: the order number at the top (to match parcel and slip),
/// the name and address as large as they fit, the return address small at the bottom.
fn label(pen: &mut Pen<'_, '_>, s: &Sender, o: &Slip) {
    let (regular, bold) = (&s.faces.regular, &s.faces.bold);
    pen.rect(LABEL_X, LABEL_Y, LABEL_W, LABEL_H, None, Some((RULE, 0.5)));
    let x = LABEL_X + LABEL_PAD;
    let w = LABEL_W - 2.0 * LABEL_PAD;
    let top = LABEL_Y + LABEL_PAD;
    let bottom = LABEL_Y + LABEL_H - LABEL_PAD;

    let head = if o.option.is_empty() {
        format!("Order {}", o.number)
    } else {
        format!("Order {}  ·  {}", o.number, o.option)
    };
    let (size, head) = regular.fit(&head, 7.5, 5.5, w, 1);
    pen.lines(regular, size, size, x, top + size, &head, Align::Left, GREY);

    let sender: Vec<&str> = std::iter::once(s.org.as_str())
        .chain(s.address.iter().map(String::as_str))
        .filter(|l| !l.is_empty())
        .collect();
    let mut room_bottom = bottom;
    if !sender.is_empty() {
        let back = format!("If undelivered, please return to: {}", sender.join(", "));
        let (size, back) = regular.fit(&back, 6.5, 4.5, w, 2);
        let leading = size * 1.25;
        let first = bottom - leading * (back.len() as f32 - 1.0);
        pen.lines(regular, size, leading, x, first, &back, Align::Left, GREY);
        room_bottom = first - size - 8.0;
    }

    // The name and address as large as they fit in what is left (down to a size still read
    // easily at arm's length), the address a little smaller than the name.
    let room_top = top + 7.5 + 12.0;
    let mut size: f32 = 14.0;
    let (size, (name_size, name)) = loop {
        let (name_size, name) = bold.fit(&o.name, size, size * 0.8, w, 2);
        let address_size = size * ADDRESS_SCALE;
        // From the top of the name to the foot of the address's last line.
        let height = name_size * (NAME_LEAD * name.len() as f32 - (NAME_LEAD - 1.0))
            + if o.address.is_empty() {
                0.0
            } else {
                address_size * (ADDRESS_LEAD * (o.address.len() as f32 - 1.0) + 1.4 + 0.25)
            };
        if room_top + height <= room_bottom || size <= MIN_LABEL_SIZE {
            break (size, (name_size, name));
        }
        size = (size * 0.92).max(MIN_LABEL_SIZE);
    };
    let last = pen.lines(
        bold,
        name_size,
        name_size * NAME_LEAD,
        x,
        room_top + name_size,
        &name,
        Align::Left,
        INK,
    );
    let address_size = size * ADDRESS_SCALE;
    block(
        pen,
        regular,
        address_size,
        address_size * ADDRESS_LEAD,
        x,
        last + address_size * 1.4,
        w,
        &o.address,
        Align::Left,
        INK,
    );
}

/// The page of a pack without orders: it says so rather than fail.
fn nothing(pen: &mut Pen<'_, '_>, s: &Sender, issued_on: &str) {
    let (regular, bold) = (&s.faces.regular, &s.faces.bold);
    let y = letterhead(pen, s) + 36.0;
    pen.text(bold, 22.0, MARGIN, y, "Print pack", Align::Left, NAVY);
    pen.text(bold, 14.0, MARGIN, y + 40.0, "No orders", Align::Left, INK);
    let line = if issued_on.is_empty() {
        "No orders were chosen for printing.".to_owned()
    } else {
        format!("No orders were chosen for printing on {issued_on}.")
    };
    let (size, line) = regular.fit(&line, 10.0, 7.0, TABLE_W, 2);
    pen.lines(
        regular,
        size,
        size * 1.3,
        MARGIN,
        y + 62.0,
        &line,
        Align::Left,
        GREY,
    );
}

/// A document that cannot be drawn, named so the back office can find it in a big pack.
fn in_document(error: RenderError, order: &Slip, doc: &Printed) -> RenderError {
    let at = format!("order {}, document {}", order.number, clean(&doc.reference));
    match error {
        RenderError::Qr(message) => RenderError::Qr(format!("{at}: {message}")),
        RenderError::Pdf(message) => RenderError::Pdf(format!("{at}: {message}")),
        other => other,
    }
}

pub(crate) fn render(pack: &PrintPack) -> Result<Vec<u8>, RenderError> {
    let faces = text::faces()?;
    let logo = pack.brand.logo_png.as_deref().map(logo_image).transpose()?;
    let sender = Sender {
        logo: logo.clone(),
        ..Sender::new(
            faces,
            &pack.brand.organisation_name,
            &pack.return_address,
            None,
            &pack.brand.support_email,
        )
    };
    let issued_on = clean(&pack.issued_on);
    let note = if issued_on.is_empty() {
        "Replacement copy".to_owned()
    } else {
        format!("Replacement copy issued {issued_on}")
    };
    let marks = Marks {
        copy: Copy::Original,
        marking: None,
        note: Some(&note),
    };

    let orders = match pack.orders.len() {
        1 => "1 order".to_owned(),
        n => format!("{n} orders"),
    };
    let mut document = stationery::document(&sender, format!("Print pack {issued_on} — {orders}"));
    if pack.orders.is_empty() {
        a4_page(&mut document, |pen| nothing(pen, &sender, &issued_on))?;
        return layout::finish(document);
    }

    // A bookmark per order, so the printer can find one in a pack of thousands of pages.
    let mut outline = Outline::new();
    let mut pages = 0;
    for order in &pack.orders {
        let slip = Slip::new(faces, order);
        outline.push_child(OutlineNode::new(
            format!("{} — {}", slip.number, slip.name),
            XyzDestination::new(pages, Point::from_xy(0.0, 0.0)),
        ));
        let ranges = slip_pages(&sender, &slip);
        let of = ranges.len();
        for (i, range) in ranges.into_iter().enumerate() {
            let what = format!("Packing slip, page {} of {of}", i + 1);
            order_page(&mut document, &sender, &slip, &what, |pen| {
                slip_page(pen, &sender, &slip, i, range);
            })?;
        }
        pages += of;
        if !slip.collection {
            let what = "Address label: cut along the outline, or print on 99.1 × 67.7 mm labels";
            order_page(&mut document, &sender, &slip, what, |pen| {
                label(pen, &sender, &slip);
            })?;
            pages += 1;
        }
        for doc in &order.documents {
            pages += layout::draw(&mut document, doc, &pack.brand, logo.as_ref(), marks)
                .map_err(|e| in_document(e, &slip, doc))?;
        }
    }
    document.set_outline(outline);
    layout::finish(document)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stationery::testing::{
        LONG_EMAIL, LONG_ORG, assert_filled, assert_within_margins, long_address, runs,
    };

    fn long_sender() -> Sender {
        Sender::new(
            text::faces().expect("fonts load"),
            LONG_ORG,
            &long_address("return"),
            None,
            LONG_EMAIL,
        )
    }

    fn long_order(items: usize, collection: bool) -> PackOrder {
        PackOrder {
            number: "P9708601A-WITH-A-VERY-LONG-SUFFIX-THAT-NOBODY-SHOULD-EVER-USE-0123456789".into(),
            placed_on: "30 September 2026".into(),
            buyer_name: "The Northgate and District College of Further Education, Engineering and Automotive Campus".into(),
            delivery_name: "Maximiliana-Wilhelmina Alexandrina Konstantinopoulou-Featherstonehaugh de la Vega y Montoya-Ruiz".into(),
            delivery_option: "International tracked and signed-for courier, priced by our team after checkout".into(),
            collection,
            address: (1..=10)
                .map(|i| format!("Delivery address line {i}, somewhere quite far away indeed, {}", "x".repeat(i * 4)))
                .collect(),
            items: (0..items)
                .map(|i| PackItem {
                    description: "Replacement certificate, posted, for a learner with a long name ".repeat(3),
                    learner_name: "Maximiliana-Wilhelmina Alexandrina Konstantinopoulou-Featherstonehaugh".into(),
                    reference: format!("4212{i:04}-01-5KNP-AND-A-LONG-TAIL-WITHOUT-SPACES"),
                    quantity: u32::MAX,
                    reason: Some("Lost, then found, then lost again in a series of house moves ".repeat(4)),
                })
                .collect(),
            documents: Vec::new(),
        }
    }

    #[test]
    fn long_text_stays_within_the_slip_margins() {
        let s = long_sender();
        for (items, collection) in [(0, false), (1, true), (40, false)] {
            let o = Slip::new(s.faces, &long_order(items, collection));
            let pages = slip_pages(&s, &o);
            assert_eq!(pages.len() > 1, items == 40);
            for (i, range) in pages.into_iter().enumerate() {
                let runs = runs(|pen| {
                    slip_page(pen, &s, &o, i, range);
                    footer(pen, &s, &o, "Packing slip, page 1 of 1");
                });
                assert_within_margins(&format!("{items} items"), i + 1, &runs);
            }
        }
    }

    #[test]
    fn every_page_of_items_ends_above_the_footer_and_is_filled() {
        let s = long_sender();
        let o = Slip::new(s.faces, &long_order(40, false));
        let first_top = heading(&mut Pen::measuring(), &s, &o);
        let pages = slip_pages(&s, &o);
        let heights: Vec<f32> = o.rows.iter().map(|r| r.height).collect();
        assert_filled(&heights, &pages, first_top, HEAD_H);
    }

    #[test]
    fn the_label_keeps_its_text_inside_its_outline_without_overlap() {
        let short = Sender {
            address: vec!["1 Example Street".into(), "Leeds LS1 1AA".into()],
            org: "Example Awarding Body".into(),
            ..long_sender()
        };
        let mut brief = long_order(0, false);
        brief.delivery_name = "Grace Hopper".into();
        brief.address = vec!["12 High Street".into(), "York YO1 7HH".into()];
        for (s, order) in [(&long_sender(), long_order(0, false)), (&short, brief)] {
            let o = Slip::new(s.faces, &order);
            let mut runs = runs(|pen| label(pen, s, &o));
            // The order line, the name, the address and the return address.
            let lines = 1 + 1 + order.address.len().min(7) + 1;
            assert!(runs.len() >= lines, "{} runs for {lines} lines", runs.len());
            for [left, right, baseline] in &runs {
                assert!(
                    *left >= LABEL_X + LABEL_PAD - 0.01
                        && *right <= LABEL_X + LABEL_W - LABEL_PAD + 0.01,
                    "{left}..{right} outside the label"
                );
                assert!(
                    *baseline >= LABEL_Y + LABEL_PAD
                        && *baseline <= LABEL_Y + LABEL_H - LABEL_PAD + 0.01,
                    "baseline {baseline} outside the label"
                );
            }
            // All start at the left edge, so lines must stand apart to be read.
            runs.sort_by(|a, b| a[2].total_cmp(&b[2]));
            for pair in runs.windows(2) {
                assert!(
                    pair[1][2] - pair[0][2] >= 5.0,
                    "lines at {} and {} overlap",
                    pair[0][2],
                    pair[1][2]
                );
            }
        }
    }
}
