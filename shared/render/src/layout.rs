//! Page layouts: the certificate, the unit certificate (a table flowing over pages) and the
//! letter, plus what every page carries (QR block, footer, view-only and revocation marks).
//!
//! Coordinates are points on an A4 page with the origin at the top left and y growing down;
//! text is placed by its baseline. Every piece of variable text is wrapped or shrunk to a
//! width and a number of lines, so nothing can run off the page.

use std::ops::Range;

use krilla::color::rgb;
use krilla::error::KrillaError;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::surface::Surface;
use krilla::{Data, Document};

use crate::text::{self, Face, Faces, clean};
use crate::{Brand, Copy, Kind, Printed, RenderError};

/// A4 portrait, in points.
pub(crate) const W: f32 = 595.28;
pub(crate) const H: f32 = 841.89;
pub(crate) const MARGIN: f32 = 56.0;
/// The width centred text may take.
const BODY_W: f32 = W - 2.0 * MARGIN - 20.0;

/// The QR code's side, and where its block (code, caption, link) starts.
const QR_SIDE: f32 = 84.0;
const QR_X: f32 = W - 48.0 - QR_SIDE;
const QR_Y: f32 = H - 48.0 - QR_SIDE - 22.0;
/// Where running content (the units table, the letter) must stop, clear of the QR block.
const CONTENT_LIMIT: f32 = QR_Y - 12.0;
/// The widest the verify link under the QR code gets (right-aligned to the code).
const URL_W: f32 = 240.0;
/// A note's baseline, bottom left: below the signature, above the footer, and left of the
/// verify link however long the link is.
const NOTE_Y: f32 = H - 46.0;
const NOTE_W: f32 = QR_X + QR_SIDE - URL_W - 12.0 - MARGIN;

/// Logos larger than this (pixels per side) are refused: they would only slow rendering.
const MAX_LOGO_PIXELS: u32 = 4096;

pub(crate) type Rgb = (u8, u8, u8);
pub(crate) const INK: Rgb = (25, 28, 36);
pub(crate) const NAVY: Rgb = (22, 48, 99);
pub(crate) const GREY: Rgb = (92, 98, 110);
pub(crate) const RULE: Rgb = (196, 201, 211);
const ACCENT: Rgb = (176, 141, 60);
pub(crate) const STRIPE: Rgb = (243, 245, 249);
const BAND: Rgb = (255, 229, 153);
const RED: Rgb = (196, 18, 30);

/// The words that mark a third party's copy, on the band, the watermark and the footer.
pub(crate) const VIEW_ONLY: &str = "Digital copy — view only";

#[derive(Clone, ::core::marker::Copy)]
pub(crate) enum Align {
    Left,
    Center,
    Right,
}

/// Draws on a page, or only measures when it has no surface (to count pages without drawing).
pub(crate) struct Pen<'s, 'a> {
    surface: Option<&'s mut Surface<'a>>,
    /// When kept, the extent of every upright text run (left, right, baseline), so tests can
    /// check that nothing runs off the page.
    pub(crate) runs: Option<Vec<[f32; 3]>>,
    /// Inside a rotation, where extents mean nothing.
    turned: bool,
}

impl<'s, 'a> Pen<'s, 'a> {
    pub(crate) fn drawing(surface: &'s mut Surface<'a>) -> Self {
        Self {
            surface: Some(surface),
            runs: None,
            turned: false,
        }
    }

    pub(crate) fn measuring() -> Self {
        Self {
            surface: None,
            runs: None,
            turned: false,
        }
    }
}

fn fill(color: Rgb, opacity: f32) -> Fill {
    Fill {
        paint: rgb::Color::new(color.0, color.1, color.2).into(),
        opacity: NormalizedF32::new(opacity).unwrap_or(NormalizedF32::ONE),
        rule: FillRule::default(),
    }
}

fn stroke(color: Rgb, width: f32) -> Stroke {
    Stroke {
        paint: rgb::Color::new(color.0, color.1, color.2).into(),
        width,
        ..Stroke::default()
    }
}

impl Pen<'_, '_> {
    #[expect(
        clippy::too_many_arguments,
        reason = "a text run is all of these; a struct would only rename them"
    )]
    fn text_with(
        &mut self,
        face: &Face,
        size: f32,
        x: f32,
        y: f32,
        text: &str,
        align: Align,
        color: Rgb,
        opacity: f32,
    ) {
        if text.is_empty() || (self.surface.is_none() && self.runs.is_none()) {
            return;
        }
        let width = face.width(text, size);
        let x = match align {
            Align::Left => x,
            Align::Center => x - width / 2.0,
            Align::Right => x - width,
        };
        if let Some(runs) = self.runs.as_mut().filter(|_| !self.turned) {
            runs.push([x, x + width, y]);
        }
        let Some(surface) = self.surface.as_deref_mut() else {
            return;
        };
        surface.set_stroke(None);
        surface.set_fill(Some(fill(color, opacity)));
        let glyphs = face.glyphs(text);
        surface.draw_glyphs(
            Point::from_xy(x, y),
            &glyphs,
            face.font.clone(),
            text,
            size,
            false,
        );
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "a text run is all of these; a struct would only rename them"
    )]
    pub(crate) fn text(
        &mut self,
        face: &Face,
        size: f32,
        x: f32,
        y: f32,
        text: &str,
        align: Align,
        color: Rgb,
    ) {
        self.text_with(face, size, x, y, text, align, color, 1.0);
    }

    /// Lines from the baseline `y`, `leading` apart; gives the last line's baseline.
    #[expect(
        clippy::too_many_arguments,
        reason = "a text run is all of these; a struct would only rename them"
    )]
    pub(crate) fn lines(
        &mut self,
        face: &Face,
        size: f32,
        leading: f32,
        x: f32,
        y: f32,
        lines: &[String],
        align: Align,
        color: Rgb,
    ) -> f32 {
        let mut baseline = y;
        for (i, line) in lines.iter().enumerate() {
            baseline = y + leading * i as f32;
            self.text(face, size, x, baseline, line, align, color);
        }
        baseline
    }

    pub(crate) fn rect(
        &mut self,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill_color: Option<Rgb>,
        line: Option<(Rgb, f32)>,
    ) {
        let Some(surface) = self.surface.as_deref_mut() else {
            return;
        };
        let Some(rect) = Rect::from_xywh(x, y, w, h) else {
            return;
        };
        let mut builder = PathBuilder::new();
        builder.push_rect(rect);
        let Some(path) = builder.finish() else {
            return;
        };
        surface.set_fill(fill_color.map(|c| fill(c, 1.0)));
        surface.set_stroke(line.map(|(c, width)| stroke(c, width)));
        surface.draw_path(&path);
    }

    pub(crate) fn hline(&mut self, x1: f32, x2: f32, y: f32, color: Rgb, width: f32) {
        let Some(surface) = self.surface.as_deref_mut() else {
            return;
        };
        let mut builder = PathBuilder::new();
        builder.move_to(x1, y);
        builder.line_to(x2, y);
        let Some(path) = builder.finish() else {
            return;
        };
        surface.set_fill(None);
        surface.set_stroke(Some(stroke(color, width)));
        surface.draw_path(&path);
    }

    pub(crate) fn image(&mut self, image: &Image, x: f32, y: f32, w: f32, h: f32) {
        let Some(surface) = self.surface.as_deref_mut() else {
            return;
        };
        let Some(size) = Size::from_wh(w, h) else {
            return;
        };
        surface.push_transform(&Transform::from_translate(x, y));
        surface.draw_image(image.clone(), size);
        surface.pop();
    }

    /// Text centred on (`cx`, `cy`), turned to run up the page from bottom left to top right.
    #[expect(
        clippy::too_many_arguments,
        reason = "a text run is all of these; a struct would only rename them"
    )]
    fn diagonal(
        &mut self,
        face: &Face,
        size: f32,
        cx: f32,
        cy: f32,
        text: &str,
        color: Rgb,
        opacity: f32,
    ) {
        if let Some(surface) = self.surface.as_deref_mut() {
            surface.push_transform(&Transform::from_rotate_at(-54.0, cx, cy));
        }
        self.turned = true;
        self.text_with(
            face,
            size,
            cx,
            cy + size * 0.36,
            text,
            Align::Center,
            color,
            opacity,
        );
        self.turned = false;
        if let Some(surface) = self.surface.as_deref_mut() {
            surface.pop();
        }
    }
}

/// The printed fields, cleaned of control characters once.
struct Fields {
    reference: String,
    name: String,
    enrolment: String,
    title: String,
    code: String,
    course: Option<String>,
    award_date: String,
    issued_on: String,
    centre: Option<String>,
    url: String,
    org: String,
    email: String,
}

impl Fields {
    fn new(doc: &Printed, brand: &Brand) -> Self {
        let optional = |s: &Option<String>| s.as_deref().map(clean).filter(|s| !s.is_empty());
        Self {
            reference: clean(&doc.reference),
            name: clean(&doc.learner_name),
            enrolment: clean(&doc.enrolment_number),
            title: clean(&doc.qualification_title),
            code: clean(&doc.qualification_code),
            course: optional(&doc.course),
            award_date: clean(&doc.award_date),
            issued_on: clean(&doc.issued_on),
            centre: optional(&doc.centre_name),
            url: clean(&doc.verify_url),
            org: clean(&brand.organisation_name),
            email: clean(&brand.support_email),
        }
    }
}

/// One row of the units table, already broken into lines.
struct Row {
    code: Vec<String>,
    title: Vec<String>,
    grade: Vec<String>,
    height: f32,
}

/// The columns of the units table.
const TABLE_X: f32 = MARGIN;
const TABLE_W: f32 = W - 2.0 * MARGIN;
const CODE_W: f32 = 96.0;
const GRADE_W: f32 = 86.0;
const TITLE_W: f32 = TABLE_W - CODE_W - GRADE_W;
const CELL_PAD: f32 = 5.0;
const TABLE_SIZE: f32 = 9.0;
const TABLE_LEADING: f32 = 11.5;
const TABLE_HEAD_H: f32 = 20.0;
/// Lines a cell may take before it is cut short (only absurd input gets there).
const CELL_MAX_LINES: usize = 6;
/// Where the table starts on pages after the first.
const NEXT_TABLE_TOP: f32 = 104.0;

fn rows(faces: &Faces, doc: &Printed) -> Vec<Row> {
    let cell = |text: &str, width: f32| {
        faces
            .regular
            .fit(
                &clean(text),
                TABLE_SIZE,
                TABLE_SIZE,
                width - 2.0 * CELL_PAD,
                CELL_MAX_LINES,
            )
            .1
    };
    doc.units
        .iter()
        .map(|unit| {
            let code = cell(&unit.code, CODE_W);
            let title = cell(&unit.title, TITLE_W);
            let grade = cell(unit.grade.as_deref().unwrap_or("—"), GRADE_W);
            let lines = code.len().max(title.len()).max(grade.len());
            Row {
                code,
                title,
                grade,
                height: lines as f32 * TABLE_LEADING + 2.0 * CELL_PAD,
            }
        })
        .collect()
}

/// Splits rows of these heights over pages, the first page's rows starting at `first`, later
/// pages' at `next`: at least one row per page (and at least one page), each page filled to
/// `limit`. Gives the rows of each page and where the last page's rows end.
pub(crate) fn paginate(
    heights: impl IntoIterator<Item = f32>,
    first: f32,
    next: f32,
    limit: f32,
) -> (Vec<Range<usize>>, f32) {
    let mut pages = Vec::new();
    let mut start = 0;
    let mut end = 0;
    let mut y = first;
    for (i, height) in heights.into_iter().enumerate() {
        if y + height > limit && i > start {
            pages.push(start..i);
            start = i;
            y = next;
        }
        y += height;
        end = i + 1;
    }
    pages.push(start..end);
    (pages, y)
}

/// What one rendering needs besides the page being drawn.
struct Ctx {
    faces: &'static Faces,
    f: Fields,
    kind: Kind,
    copy: Copy,
    marking: Option<String>,
    /// A small line at the foot of every page ([`Marks::note`]), cleaned.
    note: Option<String>,
    qr: Option<Image>,
    logo: Option<Image>,
    rows: Vec<Row>,
}

impl Ctx {
    /// Everything but the images, which only drawing needs.
    fn new(
        doc: &Printed,
        brand: &Brand,
        copy: Copy,
        marking: Option<&str>,
    ) -> Result<Self, RenderError> {
        let faces = text::faces()?;
        Ok(Self {
            faces,
            f: Fields::new(doc, brand),
            kind: doc.kind,
            copy,
            marking: marking.map(clean).filter(|m| !m.is_empty()),
            note: None,
            qr: None,
            logo: None,
            rows: rows(faces, doc),
        })
    }
}

/// How a copy is marked, beyond what the document itself says.
#[derive(Debug, Clone, ::core::marker::Copy)]
pub(crate) struct Marks<'m> {
    pub(crate) copy: Copy,
    /// Printed large across every page when the document no longer stands, e.g. `REVOKED`.
    pub(crate) marking: Option<&'m str>,
    /// A small line at the foot of every page, bottom left, clear of everything else, e.g.
    /// `Replacement copy issued 5 December 2026`.
    pub(crate) note: Option<&'m str>,
}

pub(crate) fn render(
    doc: &Printed,
    brand: &Brand,
    copy: Copy,
    marking: Option<&str>,
) -> Result<Vec<u8>, RenderError> {
    let logo = brand.logo_png.as_deref().map(logo_image).transpose()?;
    let mut document = Document::new();
    let title = match doc.kind {
        Kind::Certificate => "Certificate",
        Kind::UnitCertificate => "Unit certificate",
        Kind::Letter => "Letter",
    };
    document.set_metadata(
        Metadata::new()
            .title(format!(
                "{title} {} — {}",
                clean(&doc.reference),
                clean(&doc.learner_name)
            ))
            .creator(clean(&brand.organisation_name))
            .language("en-GB".into()),
    );
    let marks = Marks {
        copy,
        marking,
        note: None,
    };
    draw(&mut document, doc, brand, logo.as_ref(), marks)?;
    finish(document)
}

/// Draws `doc`'s pages after those `document` already has, so that many documents can share
/// one PDF (a print pack), and with it one subset of each font and one copy of the logo.
/// `logo` is the brand's, decoded once by the caller ([`logo_image`]). Gives the number of
/// pages drawn.
pub(crate) fn draw(
    document: &mut Document,
    doc: &Printed,
    brand: &Brand,
    logo: Option<&Image>,
    marks: Marks<'_>,
) -> Result<usize, RenderError> {
    let mut ctx = Ctx::new(doc, brand, marks.copy, marks.marking)?;
    ctx.note = marks.note.map(clean).filter(|n| !n.is_empty());
    ctx.logo = logo.cloned();
    ctx.qr = Some(crate::qr::image(doc.verify_url.trim())?);
    match doc.kind {
        Kind::Certificate => {
            page(document, &ctx, 1, 1, |pen| certificate(pen, &ctx))?;
            Ok(1)
        }
        Kind::Letter => {
            page(document, &ctx, 1, 1, |pen| letter(pen, &ctx))?;
            Ok(1)
        }
        Kind::UnitCertificate => unit_certificate(document, &ctx),
    }
}

/// The PDF's bytes; a logo whose body cannot be decoded surfaces here, as
/// [`RenderError::Logo`].
pub(crate) fn finish(document: Document) -> Result<Vec<u8>, RenderError> {
    document.finish().map_err(|e| match e {
        KrillaError::Image(_, _, message) => RenderError::Logo(message),
        other => RenderError::Pdf(format!("{other:?}")),
    })
}

pub(crate) fn page_count(doc: &Printed, brand: &Brand) -> Result<usize, RenderError> {
    if doc.kind != Kind::UnitCertificate {
        return Ok(1);
    }
    let mut ctx = Ctx::new(doc, brand, Copy::Original, None)?;
    // The logo's size moves the table, so it counts; its pixels are not decoded.
    ctx.logo = brand.logo_png.as_deref().map(logo_image).transpose()?;
    Ok(unit_pages(&ctx).1.len())
}

/// The logo, checked as far as can be without decoding it; a broken body surfaces when the
/// document is written, also as [`RenderError::Logo`].
pub(crate) fn logo_image(png: &[u8]) -> Result<Image, RenderError> {
    let image = Image::from_png(Data::from(png.to_vec()), false).map_err(RenderError::Logo)?;
    let (w, h) = image.size();
    if w == 0 || h == 0 || w > MAX_LOGO_PIXELS || h > MAX_LOGO_PIXELS {
        return Err(RenderError::Logo(format!(
            "{w}×{h} pixels; at most {MAX_LOGO_PIXELS} a side"
        )));
    }
    Ok(image)
}

/// The size of `image` scaled to fit in `max_w` × `max_h`, keeping its proportions.
pub(crate) fn fit_box(image: &Image, max_w: f32, max_h: f32) -> (f32, f32) {
    let (w, h) = image.size();
    let (w, h) = (w as f32, h as f32);
    let scale = (max_w / w).min(max_h / h);
    (w * scale, h * scale)
}

fn page(
    document: &mut Document,
    ctx: &Ctx,
    number: usize,
    of: usize,
    draw: impl FnOnce(&mut Pen<'_, '_>),
) -> Result<(), RenderError> {
    a4_page(document, |pen| {
        draw(pen);
        furniture(pen, ctx, number, of);
    })
}

/// One A4 page of the document, drawn whole by `draw` (every kind of document, receipts too).
pub(crate) fn a4_page(
    document: &mut Document,
    draw: impl FnOnce(&mut Pen<'_, '_>),
) -> Result<(), RenderError> {
    let settings =
        PageSettings::from_wh(W, H).ok_or_else(|| RenderError::Pdf("page size".into()))?;
    let mut page = document.start_page_with(settings);
    let mut surface = page.surface();
    {
        let mut pen = Pen::drawing(&mut surface);
        draw(&mut pen);
    }
    surface.finish();
    page.finish();
    Ok(())
}

/// What every page carries: the QR block, the footer, and the view-only and marking overlays
/// (drawn last, so they lie over the content).
fn furniture(pen: &mut Pen<'_, '_>, ctx: &Ctx, number: usize, of: usize) {
    let faces = ctx.faces;
    let f = &ctx.f;

    if let Some(qr) = &ctx.qr {
        pen.image(qr, QR_X, QR_Y, QR_SIDE, QR_SIDE);
    }
    let centre = QR_X + QR_SIDE / 2.0;
    pen.text(
        &faces.bold,
        8.0,
        centre,
        QR_Y + QR_SIDE + 8.0,
        "Scan to verify",
        Align::Center,
        NAVY,
    );
    let (size, url) = faces.regular.fit(&f.url, 6.5, 4.5, URL_W, 2);
    pen.lines(
        &faces.regular,
        size,
        size * 1.2,
        QR_X + QR_SIDE,
        QR_Y + QR_SIDE + 8.0 + size * 1.4,
        &url,
        Align::Right,
        GREY,
    );
    if let Some(note) = &ctx.note {
        let (size, note) = faces.regular.fit(note, 7.5, 5.0, NOTE_W, 1);
        pen.lines(
            &faces.regular,
            size,
            size,
            MARGIN,
            NOTE_Y,
            &note,
            Align::Left,
            INK,
        );
    }

    let mut parts = Vec::new();
    if let Some(marking) = &ctx.marking {
        parts.push(marking.clone());
    }
    if ctx.copy == Copy::ViewOnly {
        parts.push(format!("{VIEW_ONLY}, not an original"));
    }
    parts.push(format!("Reference {}", f.reference));
    if of > 1 || ctx.kind == Kind::UnitCertificate {
        parts.push(format!("Page {number} of {of}"));
    }
    if !f.email.is_empty() {
        parts.push(format!("Questions: {}", f.email));
    }
    let footer = parts.join("  ·  ");
    let (size, footer) = faces.regular.fit(&footer, 7.5, 5.0, W - 2.0 * MARGIN, 1);
    pen.lines(
        &faces.regular,
        size,
        size,
        W / 2.0,
        H - 30.0,
        &footer,
        Align::Center,
        GREY,
    );

    if ctx.copy == Copy::ViewOnly {
        pen.rect(0.0, 0.0, W, 18.0, Some(BAND), None);
        let band = format!("{VIEW_ONLY}  ·  for checking, not valid as an original");
        pen.text(&faces.bold, 8.0, W / 2.0, 12.3, &band, Align::Center, INK);
        if ctx.marking.is_none() {
            let size = (620.0 / faces.bold.width(VIEW_ONLY, 1.0)).min(60.0);
            pen.diagonal(&faces.bold, size, W / 2.0, H / 2.0, VIEW_ONLY, GREY, 0.13);
        }
    }
    if let Some(marking) = &ctx.marking {
        let size = (640.0 / faces.bold.width(marking, 1.0)).clamp(10.0, 130.0);
        let (size, lines) = faces.bold.fit(marking, size, 10.0, 640.0, 1);
        pen.diagonal(
            &faces.bold,
            size,
            W / 2.0,
            H / 2.0,
            &lines.concat(),
            RED,
            0.32,
        );
    }
}

/// A double rule round the page, as certificates have.
fn frame(pen: &mut Pen<'_, '_>) {
    pen.rect(22.0, 24.0, W - 44.0, H - 48.0, None, Some((NAVY, 1.6)));
    pen.rect(27.0, 29.0, W - 54.0, H - 58.0, None, Some((ACCENT, 0.6)));
}

/// Logo and organisation name centred from `top`; gives the name's last baseline.
fn centred_header(pen: &mut Pen<'_, '_>, ctx: &Ctx, top: f32, logo_h: f32, name_size: f32) -> f32 {
    let mut y = top;
    if let Some(logo) = &ctx.logo {
        let (w, h) = fit_box(logo, 180.0, logo_h);
        pen.image(logo, (W - w) / 2.0, y, w, h);
        y += h + 8.0;
    }
    let bold = &ctx.faces.bold;
    let (size, lines) = bold.fit(&ctx.f.org, name_size, 9.0, BODY_W, 2);
    pen.lines(
        bold,
        size,
        size * 1.25,
        W / 2.0,
        y + size,
        &lines,
        Align::Center,
        NAVY,
    )
}

/// Label and value rows, the labels right-aligned to the middle; gives the last baseline.
fn details(pen: &mut Pen<'_, '_>, ctx: &Ctx, y: f32, size: f32, rows: &[(&str, &str)]) -> f32 {
    let (regular, bold) = (&ctx.faces.regular, &ctx.faces.bold);
    let mut y = y;
    let mut last = y;
    for (label, value) in rows {
        pen.text(regular, size, W / 2.0 - 8.0, y, label, Align::Right, GREY);
        let (value_size, lines) = bold.fit(value, size, size * 0.8, W / 2.0 - MARGIN - 10.0, 2);
        last = pen.lines(
            bold,
            value_size,
            size * 1.3,
            W / 2.0 + 8.0,
            y,
            &lines,
            Align::Left,
            INK,
        );
        y = last + size * 1.65;
    }
    last
}

fn detail_rows(f: &Fields) -> Vec<(&str, &str)> {
    let mut rows = vec![
        ("Award date", f.award_date.as_str()),
        ("Candidate number", f.enrolment.as_str()),
    ];
    if let Some(centre) = &f.centre {
        rows.push(("Centre", centre.as_str()));
    }
    rows.push(("Reference", f.reference.as_str()));
    rows.push(("Date of issue", f.issued_on.as_str()));
    rows
}

fn certificate(pen: &mut Pen<'_, '_>, ctx: &Ctx) {
    frame(pen);
    let top = centred_header(pen, ctx, 58.0, 56.0, 15.0);
    // Short documents leave room: spread it above the body rather than all below.
    let end = certificate_body(&mut Pen::measuring(), ctx, top);
    let spare = CONTENT_LIMIT - 20.0 - end;
    certificate_body(pen, ctx, top + (spare * 0.4).clamp(0.0, 48.0));
    signature(pen, ctx, MARGIN + 4.0, H - 118.0);
}

/// From the title down to the details, below the header's last baseline `top`; gives the
/// last baseline.
fn certificate_body(pen: &mut Pen<'_, '_>, ctx: &Ctx, top: f32) -> f32 {
    let (regular, bold) = (&ctx.faces.regular, &ctx.faces.bold);
    let f = &ctx.f;
    let mut y = top + 56.0;
    pen.text(bold, 38.0, W / 2.0, y, "Certificate", Align::Center, NAVY);
    y += 16.0;
    pen.hline(W / 2.0 - 44.0, W / 2.0 + 44.0, y, ACCENT, 1.2);
    y += 34.0;
    pen.text(
        regular,
        13.0,
        W / 2.0,
        y,
        "This is to certify that",
        Align::Center,
        GREY,
    );
    let (size, lines) = bold.fit(&f.name, 30.0, 12.0, BODY_W, 3);
    y = pen.lines(
        bold,
        size,
        size * 1.2,
        W / 2.0,
        y + 14.0 + size,
        &lines,
        Align::Center,
        INK,
    );
    y += 30.0;
    pen.text(
        regular,
        13.0,
        W / 2.0,
        y,
        "has been awarded the",
        Align::Center,
        GREY,
    );
    let (size, lines) = bold.fit(&f.title, 20.0, 11.0, BODY_W, 4);
    y = pen.lines(
        bold,
        size,
        size * 1.25,
        W / 2.0,
        y + 10.0 + size,
        &lines,
        Align::Center,
        INK,
    );
    y += 20.0;
    let code = format!("Qualification number {}", f.code);
    pen.text(regular, 11.0, W / 2.0, y, &code, Align::Center, GREY);
    if let Some(course) = &f.course {
        let (size, lines) = regular.fit(&format!("Course: {course}"), 11.0, 8.0, BODY_W, 2);
        y = pen.lines(
            regular,
            size,
            size * 1.3,
            W / 2.0,
            y + 17.0,
            &lines,
            Align::Center,
            GREY,
        );
    }
    y += 34.0;
    details(pen, ctx, y, 10.5, &detail_rows(f))
}

/// "For and on behalf of" the organisation, over a line for the signature.
fn signature(pen: &mut Pen<'_, '_>, ctx: &Ctx, x: f32, y: f32) {
    let (regular, bold) = (&ctx.faces.regular, &ctx.faces.bold);
    pen.hline(x, x + 200.0, y, RULE, 0.8);
    pen.text(
        regular,
        8.0,
        x,
        y + 12.0,
        "For and on behalf of",
        Align::Left,
        GREY,
    );
    let (size, lines) = bold.fit(&ctx.f.org, 10.0, 7.0, 250.0, 2);
    pen.lines(
        bold,
        size,
        size * 1.25,
        x,
        y + 14.0 + size,
        &lines,
        Align::Left,
        INK,
    );
}

/// The first page's heading of the unit certificate; gives where the table starts.
fn unit_heading(pen: &mut Pen<'_, '_>, ctx: &Ctx) -> f32 {
    let (regular, bold) = (&ctx.faces.regular, &ctx.faces.bold);
    let f = &ctx.f;
    let mut y = centred_header(pen, ctx, 50.0, 44.0, 13.0);
    y += 40.0;
    pen.text(
        bold,
        26.0,
        W / 2.0,
        y,
        "Unit Certificate",
        Align::Center,
        NAVY,
    );
    y += 12.0;
    pen.hline(W / 2.0 - 36.0, W / 2.0 + 36.0, y, ACCENT, 1.0);
    y += 24.0;
    pen.text(
        regular,
        11.0,
        W / 2.0,
        y,
        "This is to certify that",
        Align::Center,
        GREY,
    );
    let (size, lines) = bold.fit(&f.name, 20.0, 11.0, BODY_W, 3);
    y = pen.lines(
        bold,
        size,
        size * 1.2,
        W / 2.0,
        y + 8.0 + size,
        &lines,
        Align::Center,
        INK,
    );
    y += 20.0;
    pen.text(
        regular,
        11.0,
        W / 2.0,
        y,
        "has achieved the units below towards the",
        Align::Center,
        GREY,
    );
    let (size, lines) = bold.fit(&f.title, 14.0, 10.0, BODY_W, 3);
    y = pen.lines(
        bold,
        size,
        size * 1.25,
        W / 2.0,
        y + 6.0 + size,
        &lines,
        Align::Center,
        INK,
    );
    y += 16.0;
    let code = match &f.course {
        Some(course) => format!("Qualification number {} · Course: {course}", f.code),
        None => format!("Qualification number {}", f.code),
    };
    let (size, lines) = regular.fit(&code, 10.0, 7.5, BODY_W, 2);
    y = pen.lines(
        regular,
        size,
        size * 1.3,
        W / 2.0,
        y,
        &lines,
        Align::Center,
        GREY,
    );
    y += 24.0;
    y = details(pen, ctx, y, 9.5, &detail_rows(f));
    y + 18.0
}

/// The heading of the unit certificate's later pages.
fn unit_continued(pen: &mut Pen<'_, '_>, ctx: &Ctx) {
    let (regular, bold) = (&ctx.faces.regular, &ctx.faces.bold);
    let f = &ctx.f;
    let (size, org) = bold.fit(&f.org, 11.0, 8.0, TABLE_W, 1);
    pen.lines(bold, size, size, MARGIN, 56.0, &org, Align::Left, NAVY);
    let who = format!(
        "Unit Certificate (continued) — {}, candidate number {}",
        f.name, f.enrolment
    );
    let (size, who) = regular.fit(&who, 10.0, 7.0, TABLE_W, 2);
    pen.lines(
        regular,
        size,
        size * 1.3,
        MARGIN,
        74.0,
        &who,
        Align::Left,
        GREY,
    );
}

fn table_head(pen: &mut Pen<'_, '_>, ctx: &Ctx, top: f32) {
    let bold = &ctx.faces.bold;
    pen.rect(TABLE_X, top, TABLE_W, TABLE_HEAD_H, Some(NAVY), None);
    let y = top + 13.5;
    let white = (255, 255, 255);
    pen.text(
        bold,
        TABLE_SIZE,
        TABLE_X + CELL_PAD,
        y,
        "Unit code",
        Align::Left,
        white,
    );
    pen.text(
        bold,
        TABLE_SIZE,
        TABLE_X + CODE_W + CELL_PAD,
        y,
        "Unit title",
        Align::Left,
        white,
    );
    pen.text(
        bold,
        TABLE_SIZE,
        TABLE_X + CODE_W + TITLE_W + CELL_PAD,
        y,
        "Grade",
        Align::Left,
        white,
    );
}

fn table_rows(pen: &mut Pen<'_, '_>, ctx: &Ctx, top: f32, range: Range<usize>) {
    let regular = &ctx.faces.regular;
    let mut y = top;
    for (i, row) in ctx.rows[range].iter().enumerate() {
        if i % 2 == 1 {
            pen.rect(TABLE_X, y, TABLE_W, row.height, Some(STRIPE), None);
        }
        let baseline = y + CELL_PAD + TABLE_SIZE;
        let cells = [
            (TABLE_X, &row.code),
            (TABLE_X + CODE_W, &row.title),
            (TABLE_X + CODE_W + TITLE_W, &row.grade),
        ];
        for (x, lines) in cells {
            pen.lines(
                regular,
                TABLE_SIZE,
                TABLE_LEADING,
                x + CELL_PAD,
                baseline,
                lines,
                Align::Left,
                INK,
            );
        }
        y += row.height;
        pen.hline(TABLE_X, TABLE_X + TABLE_W, y, RULE, 0.5);
    }
}

/// The pages of the unit certificate: where its table starts on page one, and the rows of
/// each page.
fn unit_pages(ctx: &Ctx) -> (f32, Vec<Range<usize>>) {
    let first_top = unit_heading(&mut Pen::measuring(), ctx);
    let (pages, _) = paginate(
        ctx.rows.iter().map(|r| r.height),
        first_top + TABLE_HEAD_H,
        NEXT_TABLE_TOP + TABLE_HEAD_H,
        CONTENT_LIMIT,
    );
    (first_top, pages)
}

/// Draws the unit certificate's pages; gives how many.
fn unit_certificate(document: &mut Document, ctx: &Ctx) -> Result<usize, RenderError> {
    let (first_top, pages) = unit_pages(ctx);
    let of = pages.len();
    for (i, range) in pages.into_iter().enumerate() {
        page(document, ctx, i + 1, of, |pen| {
            pen.rect(22.0, 24.0, W - 44.0, H - 48.0, None, Some((NAVY, 0.8)));
            let top = if i == 0 {
                unit_heading(pen, ctx)
            } else {
                unit_continued(pen, ctx);
                NEXT_TABLE_TOP
            };
            debug_assert!(i != 0 || (top - first_top).abs() < 0.01);
            table_head(pen, ctx, top);
            if ctx.rows.is_empty() {
                let y = top + TABLE_HEAD_H + 16.0;
                pen.text(
                    &ctx.faces.regular,
                    10.0,
                    TABLE_X + CELL_PAD,
                    y,
                    "No units are recorded for this award.",
                    Align::Left,
                    GREY,
                );
            }
            table_rows(pen, ctx, top + TABLE_HEAD_H, range);
            if i + 1 == of {
                signature(pen, ctx, MARGIN + 4.0, H - 118.0);
            }
        })?;
    }
    Ok(of)
}

fn letter(pen: &mut Pen<'_, '_>, ctx: &Ctx) {
    let (regular, bold) = (&ctx.faces.regular, &ctx.faces.bold);
    let f = &ctx.f;
    let right = W - MARGIN;
    let width = W - 2.0 * MARGIN;

    let mut logo_bottom: f32 = 0.0;
    let mut org_w = width;
    if let Some(logo) = &ctx.logo {
        let (w, h) = fit_box(logo, 150.0, 56.0);
        pen.image(logo, MARGIN, 48.0, w, h);
        logo_bottom = 48.0 + h;
        org_w = width - w - 24.0;
    }
    let (size, org) = bold.fit(&f.org, 16.0, 9.0, org_w, 2);
    let mut y = pen.lines(
        bold,
        size,
        size * 1.25,
        right,
        48.0 + size,
        &org,
        Align::Right,
        NAVY,
    );
    if !f.email.is_empty() {
        y += 15.0;
        pen.text(regular, 9.0, right, y, &f.email, Align::Right, GREY);
    }
    y = y.max(logo_bottom) + 18.0;
    pen.hline(MARGIN, right, y, RULE, 0.8);

    y += 34.0;
    pen.text(regular, 11.0, MARGIN, y, &f.issued_on, Align::Left, INK);
    y += 22.0;
    pen.text(
        regular,
        9.5,
        MARGIN,
        y,
        &format!("Our reference: {}", f.reference),
        Align::Left,
        GREY,
    );
    y += 13.0;
    pen.text(
        regular,
        9.5,
        MARGIN,
        y,
        &format!("Candidate number: {}", f.enrolment),
        Align::Left,
        GREY,
    );

    y += 34.0;
    let (size, dear) = regular.fit(&format!("Dear {},", f.name), 11.5, 8.0, width, 3);
    y = pen.lines(
        regular,
        size,
        size * 1.3,
        MARGIN,
        y,
        &dear,
        Align::Left,
        INK,
    );
    y += 24.0;
    pen.text(
        bold,
        11.5,
        MARGIN,
        y,
        "Confirmation of your award",
        Align::Left,
        INK,
    );

    let mut award = format!(
        "We are pleased to confirm that you have been awarded the {} ({}) on {}.",
        f.title, f.code, f.award_date
    );
    match (&f.course, &f.centre) {
        (Some(course), Some(centre)) => {
            award.push_str(&format!(" Course: {course}. Centre: {centre}."))
        }
        (Some(course), None) => award.push_str(&format!(" Course: {course}.")),
        (None, Some(centre)) => award.push_str(&format!(" Centre: {centre}.")),
        (None, None) => {}
    }
    let check = format!(
        "Your candidate number is {} and the reference of this letter is {}. Anyone you share \
         it with can check that it is genuine and current by scanning the QR code below or by \
         visiting {}.",
        f.enrolment, f.reference, f.url
    );
    let mut paragraphs = vec![award, check];
    if !f.email.is_empty() {
        paragraphs.push(format!(
            "If you have any questions, please contact us at {}.",
            f.email
        ));
    }
    y += 8.0;
    for paragraph in &paragraphs {
        let (size, lines) = regular.fit(paragraph, 11.0, 8.5, width, 8);
        y = pen.lines(
            regular,
            size,
            size * 1.45,
            MARGIN,
            y + 12.0 + size,
            &lines,
            Align::Left,
            INK,
        );
    }
    y += 30.0;
    pen.text(
        regular,
        11.0,
        MARGIN,
        y,
        "Yours sincerely,",
        Align::Left,
        INK,
    );
    y += 40.0;
    let (size, org) = bold.fit(&f.org, 11.0, 8.0, width - 2.0 * QR_SIDE, 2);
    pen.lines(
        bold,
        size,
        size * 1.3,
        MARGIN,
        y.min(CONTENT_LIMIT),
        &org,
        Align::Left,
        INK,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Unit;

    fn long_doc(kind: Kind) -> Printed {
        let title = "Level 3 Extended Diploma in the Diagnosis, Maintenance and Repair of Electric, \
                     Hybrid and Hydrogen Fuel Cell Vehicles, with Workshop Management";
        Printed {
            kind,
            reference: "42121928-01-5KNP".into(),
            learner_name: "Maximiliana-Wilhelmina Alexandrina Konstantinopoulou-Featherstonehaugh de la Vega y Montoya-Ruiz".into(),
            enrolment_number: "ENR-1001-ABCDEFGHIJKLMNOPQRSTUVWXYZ".into(),
            qualification_title: title[..120].into(),
            qualification_code: "603/4182/8".into(),
            course: Some("An evening course with an unusually long name, for people in full-time work, autumn and spring intakes".into()),
            award_date: "30 September 2026".into(),
            issued_on: "30 September 2026".into(),
            centre_name: Some("The Northgate and District College of Further Education, Engineering and Automotive Campus, Building 7".into()),
            units: (0..40)
                .map(|i| Unit {
                    code: format!("UNIT-CODE-WITHOUT-SPACES-{i:03}"),
                    title: "A unit title that runs on and on ".repeat(6),
                    grade: Some("Distinction with honours".into()),
                })
                .collect(),
            verify_url: "https://portal.example.org/verify/42121928-01-5KNP-and-a-rather-long-tail-of-path-segments/x".into(),
        }
    }

    fn brand() -> Brand {
        Brand {
            organisation_name: "The Extraordinarily Long-Named Awarding Body for Vocational and Technical Qualifications in the United Kingdom".into(),
            logo_png: None,
            support_email: "qualifications-support-team@extraordinarily-long-named-awarding-body.example.org".into(),
        }
    }

    /// The text runs a drawing would place, body and furniture apart.
    fn runs(ctx: &Ctx, draw: impl FnOnce(&mut Pen<'_, '_>)) -> (Vec<[f32; 3]>, Vec<[f32; 3]>) {
        let mut body = Pen::measuring();
        body.runs = Some(Vec::new());
        draw(&mut body);
        let mut furniture_pen = Pen::measuring();
        furniture_pen.runs = Some(Vec::new());
        furniture(&mut furniture_pen, ctx, 1, 1);
        (
            body.runs.unwrap_or_default(),
            furniture_pen.runs.unwrap_or_default(),
        )
    }

    fn assert_on_page(kind: Kind, runs: &[[f32; 3]]) {
        assert!(!runs.is_empty());
        for [left, right, baseline] in runs {
            assert!(
                *left >= 24.0 && *right <= W - 24.0,
                "{kind:?}: {left}..{right} off the page"
            );
            assert!(
                *baseline >= 10.0 && *baseline <= H - 24.0,
                "{kind:?}: baseline {baseline} off the page"
            );
        }
    }

    /// Body text stays clear of the QR block in the bottom right.
    fn assert_clear_of_qr(kind: Kind, runs: &[[f32; 3]]) {
        for [_, right, baseline] in runs {
            assert!(
                *baseline < QR_Y || *right < QR_X - 4.0,
                "{kind:?}: text at {baseline} reaching {right} runs into the QR code"
            );
        }
    }

    #[test]
    fn long_text_stays_on_the_page_and_clear_of_the_qr_code() {
        for copy in [Copy::Original, Copy::ViewOnly] {
            for kind in [Kind::Certificate, Kind::Letter] {
                let doc = long_doc(kind);
                let ctx = Ctx::new(&doc, &brand(), copy, Some("SUPERSEDED")).expect("context");
                let (body, furniture) = match kind {
                    Kind::Certificate => runs(&ctx, |pen| certificate(pen, &ctx)),
                    _ => runs(&ctx, |pen| letter(pen, &ctx)),
                };
                assert_on_page(kind, &body);
                assert_on_page(kind, &furniture);
                assert_clear_of_qr(kind, &body);
            }
            let doc = long_doc(Kind::UnitCertificate);
            let ctx = Ctx::new(&doc, &brand(), copy, None).expect("context");
            let (first_top, pages) = unit_pages(&ctx);
            assert!(pages.len() > 1);
            let (body, furniture) = runs(&ctx, |pen| {
                let top = unit_heading(pen, &ctx);
                table_head(pen, &ctx, top);
                table_rows(pen, &ctx, top + TABLE_HEAD_H, pages[0].clone());
                unit_continued(pen, &ctx);
                for range in &pages[1..] {
                    table_rows(pen, &ctx, NEXT_TABLE_TOP + TABLE_HEAD_H, range.clone());
                }
            });
            assert!(first_top < CONTENT_LIMIT);
            assert_on_page(Kind::UnitCertificate, &body);
            assert_on_page(Kind::UnitCertificate, &furniture);
            assert_clear_of_qr(Kind::UnitCertificate, &body);
        }
    }

    /// The replacement note at the foot of every page overlaps nothing, whatever the kind,
    /// however long the verify link and the organisation's name.
    #[test]
    fn the_note_stays_clear_of_everything_else() {
        for kind in [Kind::Certificate, Kind::UnitCertificate, Kind::Letter] {
            let doc = long_doc(kind);
            let mut ctx = Ctx::new(&doc, &brand(), Copy::Original, None).expect("context");
            let (_, without) = runs(&ctx, |_| {});
            ctx.note = Some("Replacement copy issued 30 September 2026".into());
            let (_, with) = runs(&ctx, |_| {});
            assert_eq!(with.len(), without.len() + 1);
            let note = *with
                .iter()
                .find(|run| !without.contains(run))
                .expect("the note's run");
            let (body, _) = match kind {
                Kind::Certificate => runs(&ctx, |pen| certificate(pen, &ctx)),
                Kind::Letter => runs(&ctx, |pen| letter(pen, &ctx)),
                Kind::UnitCertificate => runs(&ctx, |pen| {
                    let (_, pages) = unit_pages(&ctx);
                    unit_continued(pen, &ctx);
                    let last = pages.last().cloned().unwrap_or_default();
                    table_rows(pen, &ctx, NEXT_TABLE_TOP + TABLE_HEAD_H, last);
                    signature(pen, &ctx, MARGIN + 4.0, H - 118.0);
                }),
            };
            assert_on_page(kind, &[note]);
            for [left, right, baseline] in body.iter().chain(&without) {
                let apart = (baseline - note[2]).abs() >= 9.0;
                let beside = *right <= note[0] - 4.0 || *left >= note[1] + 4.0;
                assert!(
                    apart || beside,
                    "{kind:?}: {left}..{right} at {baseline} runs into the note at {note:?}"
                );
            }
        }
    }

    #[test]
    fn every_page_of_units_ends_above_the_qr_block() {
        let doc = long_doc(Kind::UnitCertificate);
        let ctx = Ctx::new(&doc, &brand(), Copy::Original, None).expect("context");
        let (first_top, pages) = unit_pages(&ctx);
        assert_eq!(pages.first().map(|r| r.start), Some(0));
        assert_eq!(pages.last().map(|r| r.end), Some(doc.units.len()));
        for (i, range) in pages.iter().enumerate() {
            assert!(!range.is_empty());
            let top = if i == 0 { first_top } else { NEXT_TABLE_TOP };
            let height: f32 = ctx.rows[range.clone()].iter().map(|r| r.height).sum();
            assert!(
                top + TABLE_HEAD_H + height <= CONTENT_LIMIT,
                "page {} overflows",
                i + 1
            );
            if let Some(next) = ctx.rows.get(range.end) {
                assert!(
                    top + TABLE_HEAD_H + height + next.height > CONTENT_LIMIT,
                    "page {} could hold more",
                    i + 1
                );
            }
        }
    }
}
