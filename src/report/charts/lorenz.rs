//! Key concentration (a Lorenz curve read from the heaviest key): the cumulative share of events
//! against the cumulative share of keys, heaviest key first, one curve per key strategy, with the
//! equality line `y = x` where every key carries the same events. The further a curve bows above
//! the line, the fewer keys carry the traffic, and the less any partition count can even it out.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{self, palette, DrawResult, Figure, Swatch};
use super::{Chart, ChartError};

/// One key set's curve.
#[derive(Debug, Clone)]
pub struct LorenzCurve<'a> {
    /// The key strategy's label.
    pub label: String,
    /// `[share of keys, share of events]`, from `[0, 0]` to `[1, 1]` (see
    /// [`crate::analysis::concentration`]).
    pub points: &'a [[f64; 2]],
}

impl LorenzCurve<'_> {
    /// The share of events on the heaviest `x` share of the keys, interpolated between the curve's
    /// points; `None` when the curve has fewer than 11 points (fewer than 10 keys: "the top 10%" is
    /// not a whole key).
    pub fn share_at(&self, x: f64) -> Option<f64> {
        if self.points.len() < 11 {
            return None;
        }
        let i = self.points.iter().position(|p| p[0] >= x)?;
        let b = self.points[i];
        if i == 0 || b[0] == x {
            return Some(b[1]);
        }
        let a = self.points[i - 1];
        Some(a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0]))
    }
}

/// What the key concentration chart shows.
#[derive(Debug, Clone)]
pub struct KeyConcentration<'a> {
    /// One curve per key strategy (those without a curve are left out).
    pub curves: Vec<LorenzCurve<'a>>,
}

/// The key share the legend quotes ("the top 10% of keys carry ...").
const QUOTED_KEY_SHARE: f64 = 0.1;

impl KeyConcentration<'_> {
    fn title(&self) -> String {
        "Key concentration: share of events on the heaviest keys".to_string()
    }
}

impl Figure for KeyConcentration<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let body = style::titled(root, &self.title())?;
        let (plot, panel) = body.split_horizontally(style::WIDTH - 380);
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .margin_right(24)
            .x_label_area_size(56)
            .y_label_area_size(80)
            .build_cartesian_2d(0f64..100f64, 0f64..100f64)?;
        let fmt = |v: &f64| style::number(*v);
        let mut mesh = chart.configure_mesh();
        style::mesh(&mut mesh);
        mesh.x_labels(11)
            .y_labels(11)
            .x_label_formatter(&fmt)
            .y_label_formatter(&fmt)
            .x_desc("share of distinct keys, heaviest first (%)")
            .y_desc("cumulative share of events (%)")
            .draw()?;
        chart.draw_series(DashedLineSeries::new(
            [(0.0, 0.0), (100.0, 100.0)],
            10,
            6,
            palette::GREY.stroke_width(2),
        ))?;
        for (i, c) in self.curves.iter().enumerate() {
            let points = c.points.iter().map(|p| (p[0] * 100.0, p[1] * 100.0));
            chart.draw_series(LineSeries::new(points, palette::series(i).stroke_width(3)))?;
        }
        let mut y = 16;
        for (i, c) in self.curves.iter().enumerate() {
            let quote = c.share_at(QUOTED_KEY_SHARE).map_or(String::new(), |s| {
                format!(
                    "\ntop {}% of keys: {} of events",
                    style::number(QUOTED_KEY_SHARE * 100.0),
                    style::pct(s)
                )
            });
            y += style::legend_entry(
                &panel,
                (8, y),
                &Swatch::Line(palette::series(i)),
                &format!("{}{quote}", c.label),
            )? + 6;
        }
        style::legend_entry(
            &panel,
            (8, y),
            &Swatch::Dashed(palette::GREY),
            "equality: every key\ncarries the same events",
        )?;
        Ok(())
    }
}

/// The key concentration chart; `None` when no strategy has a curve (bounded-memory samples).
pub fn key_concentration(
    name: &str,
    input: &KeyConcentration<'_>,
) -> Result<Option<Chart>, ChartError> {
    if input.curves.iter().all(|c| c.points.is_empty()) {
        return Ok(None);
    }
    let (svg, png) = style::render(name, input)?;
    let quotes: Vec<String> = input
        .curves
        .iter()
        .filter_map(|c| {
            c.share_at(QUOTED_KEY_SHARE)
                .map(|s| format!("{}: {}", c.label, style::pct(s)))
        })
        .collect();
    let quotes = if quotes.is_empty() {
        String::new()
    } else {
        format!(
            " Share of events on the heaviest {}% of keys: {}.",
            style::number(QUOTED_KEY_SHARE * 100.0),
            quotes.join("; ")
        )
    };
    Ok(Some(Chart {
        name: name.to_string(),
        title: input.title(),
        alt: format!(
            "Concentration curve of events over keys, heaviest key first, for {} key strateg{}, \
             with the equality line.{quotes}",
            input.curves.len(),
            if input.curves.len() == 1 { "y" } else { "ies" }
        ),
        svg,
        png,
    }))
}
