//! What the test files share: the fixtures ([`fixtures`]), and reading a PDF back as a reader
//! would (text extracted through the fonts' ToUnicode maps page by page, QR codes' bitmaps
//! pulled out of the file and scanned). Each test file takes only some of it, so every item is
//! `pub` and each file declares `pub mod common;`: no file is warned about the rest.

pub mod fixtures;

use lopdf::{Dictionary, Document, Object, ObjectId};
use portal_render::RenderError;

/// The PDF, checked to be one.
pub fn parse(bytes: &[u8]) -> Document {
    assert!(bytes.starts_with(b"%PDF-"));
    Document::load_mem(bytes).expect("the output parses as a PDF")
}

/// The text of each page, in page order.
pub fn page_texts(doc: &Document) -> Vec<String> {
    doc.get_pages()
        .keys()
        .map(|&n| doc.extract_text(&[n]).expect("text extracts"))
        .collect()
}

/// Pence as the documents print them: `£1,234.50`, and a negative amount as a statement prints
/// it, with a real minus sign (`−£33.50`).
pub fn gbp(pence: i64) -> String {
    let sign = if pence < 0 { "\u{2212}" } else { "" };
    let pence = pence.unsigned_abs();
    let pounds = (pence / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in pounds.chars().enumerate() {
        if i > 0 && (pounds.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}£{grouped}.{:02}", pence % 100)
}

/// A table run over pages: each of `references` printed exactly once, and every page carrying
/// each of `on_every_page` (the table's header, what the document is), "Page i of n", and
/// from the second on "(continued)".
pub fn assert_flowed_over_pages<'r>(
    pages: &[String],
    references: impl IntoIterator<Item = &'r str>,
    on_every_page: &[&str],
) {
    let text = pages.concat();
    for reference in references {
        assert_eq!(
            text.matches(reference).count(),
            1,
            "{reference} printed once"
        );
    }
    let n = pages.len();
    for (i, page) in pages.iter().enumerate() {
        let number = format!("Page {} of {n}", i + 1);
        let continued = if i > 0 { "(continued)" } else { "" };
        for expected in on_every_page
            .iter()
            .copied()
            .chain([&number[..], continued])
        {
            assert!(
                page.contains(expected),
                "{expected:?} is not on page {}: {page}",
                i + 1
            );
        }
    }
}

fn deref<'a>(doc: &'a Document, object: &'a Object) -> Option<&'a Object> {
    match object {
        Object::Reference(id) => doc.get_object(*id).ok(),
        other => Some(other),
    }
}

fn dict<'a>(doc: &'a Document, object: &'a Object) -> Option<&'a Dictionary> {
    match deref(doc, object)? {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

/// Every image XObject a page draws, looking into form XObjects too.
pub fn page_images(doc: &Document, page: ObjectId) -> Vec<ObjectId> {
    fn walk(doc: &Document, resources: &Dictionary, out: &mut Vec<ObjectId>) {
        let Some(xobjects) = resources.get(b"XObject").ok().and_then(|x| dict(doc, x)) else {
            return;
        };
        for (_, object) in xobjects.iter() {
            let Object::Reference(id) = object else {
                continue;
            };
            let Ok(Object::Stream(stream)) = doc.get_object(*id) else {
                continue;
            };
            match stream.dict.get(b"Subtype").and_then(Object::as_name) {
                Ok(b"Image") => out.push(*id),
                Ok(b"Form") => {
                    if let Some(inner) = stream
                        .dict
                        .get(b"Resources")
                        .ok()
                        .and_then(|r| dict(doc, r))
                    {
                        walk(doc, inner, out);
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    let page_dict = doc.get_dictionary(page).expect("page dictionary");
    if let Some(resources) = page_dict.get(b"Resources").ok().and_then(|r| dict(doc, r)) {
        walk(doc, resources, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

/// What a QR scanner reads from an 8-bit greyscale image XObject, if anything.
fn scan(doc: &Document, id: ObjectId) -> Option<String> {
    let Ok(Object::Stream(stream)) = doc.get_object(id) else {
        return None;
    };
    let d = &stream.dict;
    if d.get(b"ColorSpace").and_then(Object::as_name).ok()? != b"DeviceGray"
        || d.get(b"BitsPerComponent").and_then(Object::as_i64).ok()? != 8
    {
        return None;
    }
    let width = usize::try_from(d.get(b"Width").and_then(Object::as_i64).ok()?).ok()?;
    let height = usize::try_from(d.get(b"Height").and_then(Object::as_i64).ok()?).ok()?;
    assert!(
        !matches!(d.get(b"Interpolate"), Ok(Object::Boolean(true))),
        "the QR code must not be smoothed"
    );
    let pixels = if d.has(b"Filter") {
        stream
            .decompressed_content()
            .expect("the image stream decompresses")
    } else {
        stream.content.clone()
    };
    assert_eq!(pixels.len(), width * height, "one byte per pixel");
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| pixels[y * width + x]);
    let grids = image.detect_grids();
    let (_, content) = grids.first()?.decode().ok()?;
    Some(content)
}

/// The QR contents drawn on each page.
pub fn page_qr_codes(doc: &Document) -> Vec<Vec<String>> {
    doc.get_pages()
        .values()
        .map(|&page| {
            page_images(doc, page)
                .into_iter()
                .filter_map(|id| scan(doc, id))
                .collect()
        })
        .collect()
}

/// A small RGB PNG (a blue bar, 48 pixels wide), made the way any image tool would.
pub fn logo_png() -> Vec<u8> {
    let (w, h) = (48u32, 16u32);
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("png header");
        let pixels: Vec<u8> = (0..w * h).flat_map(|i| [20, 60, (i % 255) as u8]).collect();
        writer.write_image_data(&pixels).expect("png data");
    }
    out
}

/// `render` (given a logo, or none) draws [`logo_png`] once, and refuses a logo that is not a
/// PNG, a truncated one and an empty one with [`RenderError::Logo`], so the caller can retry
/// without.
pub fn assert_logo_drawn_and_bad_ones_refused(
    render: impl Fn(Option<Vec<u8>>) -> Result<Vec<u8>, RenderError>,
) {
    let doc = parse(&render(Some(logo_png())).expect("renders with the logo"));
    let images = doc
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .filter(|s| s.dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Image"))
        .filter(|s| s.dict.get(b"Width").and_then(Object::as_i64).ok() == Some(48))
        .count();
    assert_eq!(images, 1, "the 48-pixel logo is drawn");

    let good = logo_png();
    for bad in [
        b"not a png at all".to_vec(),
        good[..good.len() - 20].to_vec(),
        Vec::new(),
    ] {
        let result = render(Some(bad));
        assert!(matches!(result, Err(RenderError::Logo(_))), "{result:?}");
    }
}
