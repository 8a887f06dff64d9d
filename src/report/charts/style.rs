//! What every chart shares: the canvas size, the bundled font, the colour-blind-safe palette, label
//! text made safe and short, and rendering one figure to SVG and PNG.
//!
//! Text is drawn with DejaVu Sans, compiled into the binary (`assets/fonts/`), so a PNG looks the same
//! on every machine and needs no system font. The SVG names the same family first and generic
//! fallbacks after it, since an SVG viewer draws its text with the fonts it has.

use std::sync::OnceLock;

use plotters::chart::MeshStyle;
use plotters::coord::ranged1d::Ranged;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

use super::raster::PngCanvas;
use super::ChartError;

/// Canvas width in pixels (PNG and the SVG's viewBox): at least the 1200 px reports need.
pub const WIDTH: u32 = 1200;
/// Canvas height in pixels (16:9).
pub const HEIGHT: u32 = 675;

/// The family name text is drawn with. The PNG renderer finds the bundled DejaVu Sans under this
/// name; the SVG writes it as its `font-family`, so viewers without DejaVu Sans fall back to the
/// metrically close Bitstream Vera Sans and Verdana, then any sans-serif.
pub const FONT_FAMILY: &str = "DejaVu Sans, Bitstream Vera Sans, Verdana, sans-serif";

/// DejaVu Sans 2.37 (Debian fonts-dejavu-core; licence in assets/fonts/LICENSE-DejaVu.txt).
static FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// Okabe & Ito's palette (Color Universal Design, 2008), distinguishable with every common colour
/// vision deficiency. Series take [`SERIES`](palette::SERIES) in order; the yellow is left out: it is unreadable as a
/// line on white.
pub mod palette {
    use plotters::style::RGBColor;
    /// Blue.
    pub const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
    /// Orange.
    pub const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
    /// Bluish green.
    pub const GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
    /// Vermillion: limits and what breaches them.
    pub const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
    /// Reddish purple.
    pub const PURPLE: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
    /// Sky blue.
    pub const SKY: RGBColor = RGBColor(0x56, 0xB4, 0xE9);
    /// Black: reference lines.
    pub const BLACK: RGBColor = RGBColor(0x00, 0x00, 0x00);
    /// Grey for secondary reference lines and grid text.
    pub const GREY: RGBColor = RGBColor(0x66, 0x66, 0x66);
    /// The order series take their colours in.
    pub const SERIES: [RGBColor; 6] = [BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION];

    /// The colour of series `i` (the palette repeats past its end; marker shapes tell them apart).
    pub fn series(i: usize) -> RGBColor {
        SERIES[i % SERIES.len()]
    }
}

/// Font sizes in plotters' units (an em is `size / 1.24` px).
pub mod size {
    /// Chart title.
    pub const TITLE: u32 = 30;
    /// Axis descriptions.
    pub const AXIS: u32 = 22;
    /// Tick labels, legends and notes.
    pub const LABEL: u32 = 19;
}

/// The longest key (or other user text) a label shows before an ellipsis.
pub const MAX_LABEL_CHARS: usize = 28;

/// Registers the bundled font once per process; later calls return the first answer.
fn ensure_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    if *REGISTERED.get_or_init(|| register_font(FONT_FAMILY, FontStyle::Normal, FONT).is_ok()) {
        Ok(())
    } else {
        Err(ChartError::Font)
    }
}

/// A text style of the bundled font at `size` in `color`.
pub fn text(size: u32, color: RGBColor) -> TextStyle<'static> {
    (FONT_FAMILY, size).into_font().color(&color)
}

/// User text (a key, a strategy name) made safe and short for a label: control characters and
/// Unicode non-characters (which XML cannot hold even escaped) are written as escapes, an empty text
/// as `""`, and text past `max_chars` characters is cut with an ellipsis. XML escaping of `<`, `&`,
/// quotes is the SVG writer's: every attribute and text node it writes is escaped.
pub fn label(text: &str, max_chars: usize) -> String {
    if text.is_empty() {
        return "\"\"".to_string();
    }
    let mut pieces: Vec<String> = Vec::new();
    for c in text.chars() {
        let nonchar = matches!(c as u32, 0xFDD0..=0xFDEF) || (c as u32 & 0xFFFE) == 0xFFFE;
        if c.is_control() || nonchar {
            pieces.push(c.escape_unicode().to_string());
        } else {
            pieces.push(c.to_string());
        }
    }
    let max = max_chars.max(2);
    let chars: usize = pieces.iter().map(|p| p.chars().count()).sum();
    if chars <= max {
        return pieces.concat();
    }
    let mut out = String::new();
    let mut used = 0;
    for p in pieces {
        let n = p.chars().count();
        if used + n > max - 1 {
            break;
        }
        out.push_str(&p);
        used += n;
    }
    out.push('…');
    out
}

/// A chart name made of lower-case ASCII letters, digits and `-` from user text (a strategy or
/// partitioner name); `fallback` when nothing is left.
pub fn slug(text: &str, fallback: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        fallback.to_string()
    } else {
        out
    }
}

/// The drawing error of one backend, as text (backends' error types differ).
pub type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A figure draws itself on any backend, so one description gives both the SVG and the PNG.
pub trait Figure {
    /// Draws the whole figure on `root` (already cleared to white).
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

/// Renders `figure` as an SVG document and a PNG file of [`WIDTH`] x [`HEIGHT`]. Both are
/// deterministic: the same figure gives the same bytes.
pub fn render(name: &str, figure: &impl Figure) -> Result<(String, Vec<u8>), ChartError> {
    ensure_font()?;
    let draw_error = |e: String| ChartError::Draw {
        chart: name.to_string(),
        message: e,
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| draw_error(e.to_string()))?;
        figure.draw(&root).map_err(|e| draw_error(e.to_string()))?;
        root.present().map_err(|e| draw_error(e.to_string()))?;
    }
    let mut rgb = vec![0u8; WIDTH as usize * HEIGHT as usize * 3];
    {
        let font = ab_glyph::FontRef::try_from_slice(FONT).map_err(|_| ChartError::Font)?;
        let root = PngCanvas::new(&mut rgb, (WIDTH, HEIGHT), font).into_drawing_area();
        root.fill(&WHITE).map_err(|e| draw_error(e.to_string()))?;
        figure.draw(&root).map_err(|e| draw_error(e.to_string()))?;
        root.present().map_err(|e| draw_error(e.to_string()))?;
    }
    let png = encode_png(&rgb).map_err(|e| ChartError::Png {
        chart: name.to_string(),
        message: e.to_string(),
    })?;
    Ok((svg, png))
}

/// 8-bit RGB PNG of the canvas, with no timestamp or other varying chunk.
fn encode_png(rgb: &[u8]) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Best);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(rgb)?;
        writer.finish()?;
    }
    Ok(out)
}

/// The chart title across the top of `root`, its font made smaller (down to the label size) until
/// it fits the width; returns the area below it.
pub fn titled<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    let room = root.dim_in_pixel().0.saturating_sub(40);
    let mut points = size::TITLE;
    while points > size::LABEL
        && root
            .estimate_text_size(title, &text(points, palette::BLACK))?
            .0
            > room
    {
        points -= 1;
    }
    root.titled(title, text(points, palette::BLACK))
}

/// The house style of a chart's axes and grid: label fonts, pale major grid lines, no minor ones.
pub fn mesh<'m, 'a, 'b, X, Y, DB>(
    m: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB>
where
    X: Ranged,
    Y: Ranged,
    DB: DrawingBackend,
{
    m.max_light_lines(0)
        .label_style(text(size::LABEL, palette::BLACK))
        .axis_desc_style(text(size::AXIS, palette::BLACK))
        .bold_line_style(RGBColor(0xE4, 0xE4, 0xE4))
}

/// Past this many points a series is drawn without markers: they would merge into a thick line.
const MAX_MARKERS: usize = 60;

/// Draws series `i` (its palette colour and marker) through `points`, leaving out points that are
/// not finite (a metric without events).
pub fn series_line<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    i: usize,
    points: impl IntoIterator<Item = (f64, f64)>,
) -> DrawResult<DB> {
    let color = palette::series(i);
    let points: Vec<(f64, f64)> = points
        .into_iter()
        .filter(|p| p.0.is_finite() && p.1.is_finite())
        .collect();
    chart.draw_series(LineSeries::new(points.clone(), color.stroke_width(3)))?;
    if points.len() <= MAX_MARKERS {
        chart.draw_series(points.into_iter().map(|p| marker::<DB>(i, p, color)))?;
    }
    Ok(())
}

/// Draws lines of text from `(x, y)` (pixels in `area`), `step` pixels apart, each with its indent
/// in pixels and its colour (an indent rather than leading spaces, which SVG collapses).
pub fn text_lines<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    step: i32,
    lines: &[(i32, String, RGBColor)],
) -> DrawResult<DB> {
    for (i, (indent, line, color)) in lines.iter().enumerate() {
        area.draw(&Text::new(
            line.clone(),
            (x + indent, y + i as i32 * step),
            text(size::LABEL, *color),
        ))?;
    }
    Ok(())
}

/// A legend entry's symbol, drawn by hand at the entry's left.
pub enum Swatch {
    /// A filled square (bars).
    Bar(RGBColor),
    /// A solid line (curves without markers).
    Line(RGBColor),
    /// A solid line with series `i`'s marker (see [`marker`]).
    Series(RGBColor, usize),
    /// A dashed line (limits and references).
    Dashed(RGBColor),
    /// A pale filled band.
    Band(RGBColor),
}

/// Series `i`'s marker at `at`: a circle, a triangle or a cross in turn, so series stay apart where
/// colours repeat or print in grey.
pub fn marker<DB: DrawingBackend>(
    i: usize,
    at: (f64, f64),
    color: RGBColor,
) -> DynElement<'static, DB, (f64, f64)> {
    match i % 3 {
        0 => Circle::new(at, 5, color.filled()).into_dyn(),
        1 => TriangleMarker::new(at, 7, color.filled()).into_dyn(),
        _ => Cross::new(at, 5, color.stroke_width(3)).into_dyn(),
    }
}

/// Draws one legend entry (a label may have several lines, split at `\n`); returns the entry's
/// height in pixels.
pub fn legend_entry<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    swatch: &Swatch,
    label: &str,
) -> Result<i32, DrawingAreaErrorKind<DB::ErrorType>> {
    let mid = y + 10;
    match swatch {
        Swatch::Bar(c) => {
            area.draw(&Rectangle::new([(x, y + 2), (x + 24, y + 18)], c.filled()))?;
        }
        Swatch::Line(c) => {
            area.draw(&PathElement::new(
                vec![(x, mid), (x + 24, mid)],
                c.stroke_width(3),
            ))?;
        }
        Swatch::Series(c, i) => {
            area.draw(&PathElement::new(
                vec![(x, mid), (x + 24, mid)],
                c.stroke_width(3),
            ))?;
            let at = (x + 12, mid);
            match i % 3 {
                0 => area.draw(&Circle::new(at, 5, c.filled()))?,
                1 => area.draw(&TriangleMarker::new(at, 7, c.filled()))?,
                _ => area.draw(&Cross::new(at, 5, c.stroke_width(3)))?,
            }
        }
        Swatch::Dashed(c) => {
            for dash in 0..3 {
                let x0 = x + dash * 9;
                area.draw(&PathElement::new(
                    vec![(x0, mid), (x0 + 6, mid)],
                    c.stroke_width(3),
                ))?;
            }
        }
        Swatch::Band(c) => {
            area.draw(&Rectangle::new(
                [(x, y + 2), (x + 24, y + 18)],
                c.mix(0.25).filled(),
            ))?;
        }
    }
    let mut lines = 0;
    for (i, line) in label.split('\n').enumerate() {
        area.draw(&Text::new(
            line.to_string(),
            (x + 32, y + 1 + i as i32 * LINE),
            text(size::LABEL, palette::BLACK),
        ))?;
        lines += 1;
    }
    Ok(26 + (lines - 1) * LINE)
}

/// Line spacing of label text, in pixels.
pub const LINE: i32 = 23;

/// Axis range `[lo, hi]` with a margin of `pad` of the span on both sides (never below `floor`).
pub fn padded(lo: f64, hi: f64, pad: f64, floor: Option<f64>) -> (f64, f64) {
    let (lo, hi) = if lo.is_finite() && hi.is_finite() {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    let span = if hi > lo { hi - lo } else { lo.abs().max(1.0) };
    let mut a = lo - span * pad;
    if let Some(f) = floor {
        a = a.max(f);
    }
    (a, hi + span * pad)
}

/// A number for a tick label: integers without decimals, others with up to three significant
/// decimals and no trailing zeros.
pub fn number(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    if (v - v.round()).abs() < 1e-9 {
        return group(v.round() as i64);
    }
    let digits = if v.abs() >= 10.0 {
        1
    } else if v.abs() >= 1.0 {
        2
    } else {
        3
    };
    let s = format!("{v:.digits$}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// An integer with thousands separators (`12,345`).
pub fn group(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// A share as a percentage for labels (`12.3%`, `0.04%`).
pub fn pct(share: f64) -> String {
    let p = share * 100.0;
    if p >= 10.0 {
        format!("{p:.1}%")
    } else if p >= 1.0 {
        format!("{p:.2}%")
    } else {
        format!("{p:.3}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_cut() {
        assert_eq!(label("", 10), "\"\"");
        assert_eq!(label("abc", 10), "abc");
        assert_eq!(label("abcdefghijk", 5), "abcd…");
        assert_eq!(label("a\u{1}b", 10), "a\\u{1}b");
        assert_eq!(label("a\u{fffe}", 20), "a\\u{fffe}");
        // An escape is never cut in half.
        assert_eq!(label("ab\u{1}cdef", 5), "ab…");
    }

    #[test]
    fn slugs_are_file_stems() {
        assert_eq!(slug("By Customer/ID", "x"), "by-customer-id");
        assert_eq!(slug("<>", "strategy-1"), "strategy-1");
        assert_eq!(slug("-a--b-", "x"), "a-b");
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(number(1200.0), "1,200");
        assert_eq!(number(2.5), "2.5");
        assert_eq!(number(0.125), "0.125");
        assert_eq!(number(12.34), "12.3");
        assert_eq!(pct(0.2996), "30.0%");
        assert_eq!(pct(0.0123), "1.23%");
    }
}
