//! Fonts, measuring and line breaking.
//!
//! Shaping is deliberately simple (one glyph per character from the `cmap`, advances from
//! `hmtx`): the documents are Latin-script text in one font, and doing it here keeps the exact
//! widths in our hands for wrapping and centring, without a shaping engine in the build.

use std::sync::LazyLock;

use krilla::Data;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};

use crate::RenderError;

static REGULAR_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// A font ready to draw (krilla's handle, which embeds and subsets it) and to measure.
pub(crate) struct Face {
    pub(crate) font: Font,
    charmap: Charmap<'static>,
    metrics: GlyphMetrics<'static>,
    units_per_em: f32,
}

/// The two faces every document uses, parsed once per process.
pub(crate) struct Faces {
    pub(crate) regular: Face,
    pub(crate) bold: Face,
}

static FACES: LazyLock<Result<Faces, RenderError>> = LazyLock::new(|| {
    Ok(Faces {
        regular: Face::load(REGULAR_TTF)?,
        bold: Face::load(BOLD_TTF)?,
    })
});

/// The parsed fonts; an error only if the vendored font files were corrupted at build time.
pub(crate) fn faces() -> Result<&'static Faces, RenderError> {
    FACES.as_ref().map_err(Clone::clone)
}

impl Face {
    fn load(bytes: &'static [u8]) -> Result<Self, RenderError> {
        let font = Font::new(Data::from(bytes), 0).ok_or(RenderError::Font)?;
        let font_ref = FontRef::new(bytes).map_err(|_| RenderError::Font)?;
        Ok(Self {
            font,
            charmap: font_ref.charmap(),
            metrics: font_ref.glyph_metrics(Size::unscaled(), LocationRef::default()),
            units_per_em: f32::from(
                font_ref
                    .metrics(Size::unscaled(), LocationRef::default())
                    .units_per_em,
            ),
        })
    }

    /// The glyph of `c` (`.notdef` when the font lacks it) and its advance in ems.
    fn glyph(&self, c: char) -> (u32, f32) {
        let gid = self.charmap.map(c).unwrap_or_default();
        let advance = self.metrics.advance_width(gid).unwrap_or(0.0) / self.units_per_em;
        (gid.to_u32(), advance)
    }

    /// Width of `text` set at `size` points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.glyph(c).1).sum::<f32>() * size
    }

    /// The glyphs of `text`, each mapped back to its character so the PDF's ToUnicode lets
    /// the text be copied and extracted.
    pub(crate) fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
        text.char_indices()
            .map(|(i, c)| {
                let (gid, advance) = self.glyph(c);
                KrillaGlyph::new(
                    GlyphId::new(gid),
                    advance,
                    0.0,
                    0.0,
                    0.0,
                    i..i + c.len_utf8(),
                    None,
                )
            })
            .collect()
    }

    /// Greedy line breaking at spaces; a word wider than the line is broken between
    /// characters (and says so), so no line is ever wider than `max_width`.
    fn wrap_words(&self, text: &str, size: f32, max_width: f32) -> (Vec<String>, bool) {
        let mut broken = false;
        let space = self.width(" ", size);
        let mut lines = Vec::new();
        let mut line = String::new();
        let mut line_width = 0.0;
        for word in text.split(' ').filter(|w| !w.is_empty()) {
            let word_width = self.width(word, size);
            let gap = if line.is_empty() { 0.0 } else { space };
            if line_width + gap + word_width <= max_width {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
                line_width += gap + word_width;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_width = 0.0;
            }
            if word_width <= max_width {
                line.push_str(word);
                line_width = word_width;
                continue;
            }
            broken = true;
            for c in word.chars() {
                let w = self.glyph(c).1 * size;
                if line_width + w > max_width && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line_width = 0.0;
                }
                line.push(c);
                line_width += w;
            }
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        (lines, broken)
    }

    /// The largest size from `max_size` down to `min_size` at which `text` takes at most
    /// `max_lines` lines of `max_width` without breaking a word (at `min_size`, words may
    /// break). Text still too long at `min_size` is cut with an ellipsis rather than run off
    /// the page (only absurd input gets there).
    pub(crate) fn fit(
        &self,
        text: &str,
        max_size: f32,
        min_size: f32,
        max_width: f32,
        max_lines: usize,
    ) -> (f32, Vec<String>) {
        let mut size = max_size;
        loop {
            let (lines, broken) = self.wrap_words(text, size, max_width);
            if lines.len() <= max_lines && (!broken || size <= min_size) {
                return (size, lines);
            }
            if size <= min_size {
                return (size, self.truncate(lines, size, max_width, max_lines));
            }
            size = (size * 0.92).max(min_size);
        }
    }

    fn truncate(
        &self,
        mut lines: Vec<String>,
        size: f32,
        max_width: f32,
        max_lines: usize,
    ) -> Vec<String> {
        lines.truncate(max_lines.max(1));
        if let Some(last) = lines.last_mut() {
            while !last.is_empty() && self.width(&format!("{last}…"), size) > max_width {
                last.pop();
            }
            last.push('…');
        }
        lines
    }
}

/// Printable single-line text: control characters (new lines, tabs) become spaces and runs
/// of white space collapse, so input can neither break the layout nor hide.
pub(crate) fn clean(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_lines_fit_and_keep_every_word() {
        let faces = faces().expect("fonts load");
        let text = "Level 3 Extended Diploma in Advanced Electric and Hybrid Vehicle Diagnostics, \
                    Repair and Replacement Supercalifragilisticexpialidociousnessestimations";
        for width in [60.0, 120.0, 300.0] {
            let (lines, _) = faces.regular.wrap_words(text, 12.0, width);
            for line in &lines {
                assert!(
                    faces.regular.width(line, 12.0) <= width + 0.01,
                    "{line} wider than {width}"
                );
            }
            assert_eq!(lines.concat().replace(' ', ""), text.replace(' ', ""));
        }
    }

    #[test]
    fn fit_shrinks_then_truncates() {
        let faces = faces().expect("fonts load");
        let (size, lines) = faces.bold.fit("Short", 20.0, 10.0, 400.0, 1);
        assert!((size - 20.0).abs() < f32::EPSILON);
        assert_eq!(lines, ["Short"]);
        let long = "word ".repeat(400);
        let (size, lines) = faces.bold.fit(&long, 20.0, 10.0, 400.0, 3);
        assert!((size - 10.0).abs() < f32::EPSILON);
        assert_eq!(lines.len(), 3);
        assert!(lines[2].ends_with('…'));
    }

    #[test]
    fn fit_shrinks_rather_than_break_a_word() {
        let faces = faces().expect("fonts load");
        let text = "Konstantinopoulou-Featherstonehaugh de la Vega";
        let (size, lines) = faces.bold.fit(text, 30.0, 10.0, 300.0, 3);
        assert!(size < 30.0);
        assert!(
            lines
                .iter()
                .any(|l| l.contains("Konstantinopoulou-Featherstonehaugh")),
            "{lines:?}"
        );
    }

    #[test]
    fn clean_flattens_control_characters() {
        assert_eq!(clean("  Grace\n\tHopper\u{0}  "), "Grace Hopper");
    }
}
