//! The badge image shared on LinkedIn and the like: a self-contained SVG (no fonts, images or
//! links fetched from anywhere), so it renders the same wherever it is shown.

use std::fmt::Write as _;

use crate::text::clean;

/// A 600 × 600 SVG badge: the organisation round the top, the award's name in the middle, to
/// whom and when below. All text is XML-escaped; long text wraps and shrinks.
pub fn badge_svg(name: &str, issued_to: &str, issued_on: &str, organisation: &str) -> String {
    let (name, issued_to, issued_on, organisation) = (
        clean(name),
        clean(issued_to),
        clean(issued_on),
        clean(organisation),
    );
    let mut svg = String::with_capacity(4096);
    let label = format!("{name} — awarded to {issued_to} by {organisation}, {issued_on}");
    // Writing to a String cannot fail, so the results are ignored.
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="600" height="600" viewBox="0 0 600 600" role="img" aria-label="{label}">
<title>{label}</title>
<defs>
<linearGradient id="face" x1="0" y1="0" x2="0" y2="1">
<stop offset="0" stop-color="#1f4a94"/>
<stop offset="1" stop-color="#132e63"/>
</linearGradient>
</defs>
<circle cx="300" cy="300" r="292" fill="#b08d3c"/>
<circle cx="300" cy="300" r="276" fill="url(#face)"/>
<circle cx="300" cy="300" r="258" fill="none" stroke="#e6cf8f" stroke-width="2" stroke-dasharray="4 6"/>
<g font-family="DejaVu Sans, Verdana, Arial, Helvetica, sans-serif" text-anchor="middle" fill="#ffffff">
"##,
        label = escape(&label),
    );

    // The organisation, above a small star.
    let mut y = block(
        &mut svg,
        &organisation,
        150.0,
        20.0,
        14.0,
        330.0,
        2,
        "#e6cf8f",
        "600",
        1.5,
    );
    y += 34.0;
    let _ = writeln!(
        svg,
        r##"<path d="{}" fill="#e6cf8f"/>"##,
        star(300.0, y - 10.0, 14.0)
    );

    // The award's name, as large as fits.
    y = block(
        &mut svg,
        &name,
        y + 52.0,
        38.0,
        20.0,
        420.0,
        4,
        "#ffffff",
        "700",
        0.0,
    );

    let _ = writeln!(
        svg,
        r##"<text x="300" y="{:.1}" font-size="17" fill="#c9d6f0">Awarded to</text>"##,
        y + 46.0
    );
    y = block(
        &mut svg,
        &issued_to,
        y + 80.0,
        26.0,
        15.0,
        380.0,
        2,
        "#ffffff",
        "700",
        0.0,
    );
    let _ = writeln!(
        svg,
        r##"<text x="300" y="{:.1}" font-size="17" fill="#c9d6f0">{}</text>"##,
        y + 36.0,
        escape(&issued_on)
    );
    svg.push_str("</g>\n</svg>\n");
    svg
}

/// Writes `text` centred at the top of the badge from baseline `y`, shrinking from `max` to
/// `min` pixels and wrapping to `lines`; gives the last baseline.
#[expect(
    clippy::too_many_arguments,
    reason = "a text block is all of these; a struct would only rename them"
)]
fn block(
    svg: &mut String,
    text: &str,
    y: f32,
    max: f32,
    min: f32,
    width: f32,
    lines: usize,
    color: &str,
    weight: &str,
    spacing: f32,
) -> f32 {
    let (size, wrapped) = wrap(text, max, min, width, lines, spacing);
    let mut baseline = y;
    for (i, line) in wrapped.iter().enumerate() {
        baseline = y + i as f32 * size * 1.2;
        let _ = writeln!(
            svg,
            r##"<text x="300" y="{baseline:.1}" font-size="{size:.1}" font-weight="{weight}" fill="{color}" letter-spacing="{spacing}">{}</text>"##,
            escape(line)
        );
    }
    baseline
}

/// Wraps by an estimated character width (the viewer picks the font) plus letter spacing,
/// shrinking first.
fn wrap(
    text: &str,
    max: f32,
    min: f32,
    width: f32,
    lines: usize,
    spacing: f32,
) -> (f32, Vec<String>) {
    let mut size = max;
    loop {
        let per_line = ((width / (size * 0.62 + spacing)) as usize).max(1);
        let wrapped = wrap_chars(text, per_line);
        if wrapped.len() <= lines || size <= min {
            let mut wrapped = wrapped;
            if wrapped.len() > lines {
                wrapped.truncate(lines);
                if let Some(last) = wrapped.last_mut() {
                    while last.chars().count() + 1 > per_line && last.pop().is_some() {}
                    last.push('…');
                }
            }
            return (size, wrapped);
        }
        size = (size * 0.9).max(min);
    }
}

fn wrap_chars(text: &str, per_line: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let (len, word_len) = (line.chars().count(), word.chars().count());
        if len > 0 && len + 1 + word_len <= per_line {
            line.push(' ');
            line.push_str(word);
            continue;
        }
        if len > 0 {
            lines.push(std::mem::take(&mut line));
        }
        for c in word.chars() {
            if line.chars().count() >= per_line {
                lines.push(std::mem::take(&mut line));
            }
            line.push(c);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A five-pointed star centred on (`cx`, `cy`).
fn star(cx: f32, cy: f32, r: f32) -> String {
    let mut d = String::new();
    for i in 0..10 {
        let radius = if i % 2 == 0 { r } else { r * 0.45 };
        let angle = std::f32::consts::PI * (i as f32) / 5.0 - std::f32::consts::FRAC_PI_2;
        let _ = write!(
            d,
            "{}{:.1} {:.1} ",
            if i == 0 { "M" } else { "L" },
            cx + radius * angle.cos(),
            cy + radius * angle.sin()
        );
    }
    d.push('Z');
    d
}

/// Text safe inside XML elements and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}
