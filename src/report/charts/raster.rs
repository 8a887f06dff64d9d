//! The PNG canvas: plotters' bitmap backend with text drawn by our own glyph layout.
//!
//! plotters 0.3.7 places each glyph at the pen position without the glyph's left side bearing, so
//! PNG text comes out with uneven gaps ("h eaviest"). This backend forwards every shape to the bitmap
//! backend and draws text itself with `ab_glyph`: glyphs positioned at the pen plus kerning, each
//! outline rasterized where the font puts it. Text is sized and anchored like the SVG writer does it
//! (font size `size / 1.24`, baseline `0.76 em` below a top anchor, `0.5 ex` below a centre one), so
//! the PNG and the SVG of a chart look alike.

use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};
use plotters::prelude::BitMapBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

/// SVG's font size for plotters' text size (`plotters-svg` writes `font-size = size / 1.24`).
const SVG_EM_PER_SIZE: f64 = 1.0 / 1.24;
/// Where an SVG baseline sits below a top-anchored text (`dy = 0.76em` in plotters-svg).
const TOP_BASELINE_EM: f32 = 0.76;

/// A bitmap canvas that draws text with correct glyph placement (see the module docs).
pub struct PngCanvas<'a> {
    inner: BitMapBackend<'a>,
    font: FontRef<'static>,
}

impl<'a> PngCanvas<'a> {
    /// A canvas over an RGB buffer of `size`, drawing text with `font`.
    pub fn new(buffer: &'a mut [u8], size: (u32, u32), font: FontRef<'static>) -> PngCanvas<'a> {
        PngCanvas {
            inner: BitMapBackend::with_buffer(buffer, size),
            font,
        }
    }
}

type Error<'a> = DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>;

impl<'a> DrawingBackend for PngCanvas<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Error<'a>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Error<'a>> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Error<'a>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), Error<'a>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), Error<'a>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let em = (style.size() * SVG_EM_PER_SIZE) as f32;
        // ab_glyph scales by ascent - descent; this makes one em `em` pixels.
        let units_per_em = self.font.units_per_em().unwrap_or(2048.0);
        let scale = PxScale::from(em * self.font.height_unscaled() / units_per_em);
        let font = self.font.as_scaled(scale);
        // Pen positions of every glyph, and the run's width.
        let mut glyphs = Vec::with_capacity(text.len());
        let mut pen = 0f32;
        let mut previous = None;
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = previous {
                pen += font.kern(p, id);
            }
            glyphs.push((id, pen));
            pen += font.h_advance(id);
            previous = Some(id);
        }
        let x0 = match style.anchor().h_pos {
            HPos::Left => 0.0,
            HPos::Center => -pen / 2.0,
            HPos::Right => -pen,
        };
        let x_height = font
            .outline_glyph(font.scaled_glyph('x'))
            .map_or(em * 0.55, |g| g.px_bounds().height());
        let baseline = match style.anchor().v_pos {
            VPos::Top => TOP_BASELINE_EM * em,
            VPos::Center => x_height / 2.0,
            VPos::Bottom => -x_height / 2.0,
        };
        let transform = style.transform();
        let (w, h) = self.get_size();
        for (id, x) in glyphs {
            let glyph = id.with_scale_and_position(scale, point(x0 + x, baseline));
            let Some(outline) = font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            let mut pixels = Vec::new();
            outline.draw(|gx, gy, coverage| {
                if coverage > 0.0 {
                    pixels.push((
                        bounds.min.x as i32 + gx as i32,
                        bounds.min.y as i32 + gy as i32,
                        coverage,
                    ));
                }
            });
            for (dx, dy, coverage) in pixels {
                let (dx, dy) = transform.transform(dx, dy);
                let (px, py) = (pos.0 + dx, pos.1 + dy);
                if px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h {
                    self.inner.draw_pixel(
                        (px, py),
                        BackendColor {
                            alpha: color.alpha * f64::from(coverage.min(1.0)),
                            rgb: color.rgb,
                        },
                    )?;
                }
            }
        }
        Ok(())
    }
}
