//! The verify link as a QR code, drawn as a plain greyscale bitmap.
//!
//! A bitmap (rather than vector squares) is what scanners and tests can read straight back out
//! of the PDF; whole pixels per module and no interpolation keep the edges sharp at any zoom.

use std::sync::Arc;

use krilla::image::{BitsPerComponent, CustomImage, Image, ImageColorspace};
use qrcode::{Color, EcLevel, QrCode};

use crate::RenderError;

/// Pixels per QR module in the bitmap.
const SCALE: usize = 4;
/// The quiet zone around the code, in modules (the standard asks for four).
const QUIET: usize = 4;

/// An 8-bit greyscale bitmap: 0 is black, 255 white.
#[derive(Clone, Hash)]
struct Bitmap {
    pixels: Arc<Vec<u8>>,
    side: u32,
}

impl CustomImage for Bitmap {
    fn color_channel(&self) -> &[u8] {
        &self.pixels
    }

    fn alpha_channel(&self) -> Option<&[u8]> {
        None
    }

    fn bits_per_component(&self) -> BitsPerComponent {
        BitsPerComponent::Eight
    }

    fn size(&self) -> (u32, u32) {
        (self.side, self.side)
    }

    fn icc_profile(&self) -> Option<&[u8]> {
        None
    }

    fn color_space(&self) -> ImageColorspace {
        ImageColorspace::Luma
    }
}

/// The QR code of `url` (error correction level Q, which survives a creased or scuffed paper
/// copy) as an image XObject without interpolation.
pub(crate) fn image(url: &str) -> Result<Image, RenderError> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::Q)
        .map_err(|e| RenderError::Qr(e.to_string()))?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (mx, my) = (i % modules + QUIET, i / modules + QUIET);
        for y in my * SCALE..(my + 1) * SCALE {
            let row = y * side;
            pixels[row + mx * SCALE..row + (mx + 1) * SCALE].fill(0);
        }
    }
    let side = u32::try_from(side).map_err(|_| RenderError::Qr("code too large".into()))?;
    Image::from_custom(
        Bitmap {
            pixels: Arc::new(pixels),
            side,
        },
        false,
    )
    .map_err(RenderError::Qr)
}

/// `text` as a QR code in SVG (error correction level M, four modules of quiet zone), one path
/// of unit squares in a view box of modules, to be scaled by the page.
pub fn svg(text: &str, title: &str) -> Result<String, RenderError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| RenderError::Qr(e.to_string()))?;
    let modules = code.width();
    let side = modules + 2 * QUIET;
    let mut path = String::new();
    for (i, color) in code.to_colors().iter().enumerate() {
        if *color == Color::Dark {
            let (x, y) = (i % modules + QUIET, i / modules + QUIET);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    let title = title
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    Ok(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" shape-rendering="crispEdges" role="img" aria-label="{title}"><title>{title}</title><rect width="{side}" height="{side}" fill="#fff"/><path d="{path}" fill="#000"/></svg>"##
    ))
}
