//! Hottest-partition utilization and runway vs partition count. Top: the hottest partition's consumer
//! utilization at the horizon (`max_share * peak * (1+g)^h / consumer_events_per_sec`) per strategy
//! and partitioner, with the `max_utilization` line every candidate must stay under. Bottom: the
//! runway, months until that utilization reaches `max_utilization` at the planned growth, with the
//! horizon line it must reach.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{self, palette, DrawResult, Figure, Swatch};
use super::{Chart, ChartError};

/// The utilization axis ends at this many times `max_utilization`.
const UTILIZATION_CAP_TIMES_LIMIT: f64 = 2.5;

/// One strategy x partitioner across counts.
#[derive(Debug, Clone)]
pub struct UtilizationSeries {
    /// `strategy / partitioner`, already in words.
    pub label: String,
    /// `(count, utilization at the horizon, runway in months)`, by count; runway `None` when it
    /// never reaches the limit (no growth).
    pub points: Vec<(u32, f64, Option<f64>)>,
}

/// What the utilization-and-runway chart shows.
#[derive(Debug, Clone)]
pub struct UtilizationRunway {
    /// One series per strategy x partitioner.
    pub series: Vec<UtilizationSeries>,
    /// `targets.max_utilization`.
    pub max_utilization: f64,
    /// `targets.horizon_months`.
    pub horizon_months: f64,
    /// `targets.growth_per_month`: without growth there is no runway to draw.
    pub growth_per_month: f64,
}

impl UtilizationRunway {
    fn title(&self) -> String {
        "Hottest partition: utilization and runway vs partition count".to_string()
    }

    fn count_range(&self) -> (f64, f64) {
        let counts = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0));
        let (lo, hi) = counts.fold((u32::MAX, 0), |(lo, hi), n| (lo.min(n), hi.max(n)));
        if lo > hi {
            (0.0, 2.0)
        } else if lo == hi {
            (f64::from(lo) - 1.0, f64::from(hi) + 1.0)
        } else {
            style::padded(f64::from(lo), f64::from(hi), 0.05, None)
        }
    }

    /// Where the utilization axis stops (percent): a hot key can put a scenario at many times the
    /// limit, which would flatten every line that matters; those points are drawn on the top edge.
    fn utilization_cap(&self) -> f64 {
        self.max_utilization * 100.0 * UTILIZATION_CAP_TIMES_LIMIT
    }

    fn clipped(&self) -> bool {
        let cap = self.utilization_cap();
        self.series
            .iter()
            .any(|s| s.points.iter().any(|p| p.1 * 100.0 > cap))
    }

    /// Where the runway axis stops: runways beyond it are drawn on the top edge.
    fn runway_cap(&self) -> f64 {
        (self.horizon_months * 3.0).max(12.0)
    }

    fn any_runway(&self) -> bool {
        self.growth_per_month > 0.0
            && self
                .series
                .iter()
                .any(|s| s.points.iter().any(|p| p.2.is_some()))
    }
}

impl Figure for UtilizationRunway {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let body = style::titled(root, &self.title())?;
        let (plots, panel) = body.split_horizontally(style::WIDTH - 330);
        let (top, bottom) = plots.split_vertically(if self.any_runway() { 330 } else { 600 });
        let (x0, x1) = self.count_range();
        let fmt = |v: &f64| style::number(*v);
        // Utilization at the horizon, in percent.
        let limit = self.max_utilization * 100.0;
        let ucap = self.utilization_cap();
        let umax = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1 * 100.0))
            .filter(|v| v.is_finite())
            .fold(limit, f64::max)
            .min(ucap);
        let mut chart = ChartBuilder::on(&top)
            .margin(10)
            .margin_right(24)
            .x_label_area_size(if self.any_runway() { 28 } else { 56 })
            .y_label_area_size(80)
            .build_cartesian_2d(x0..x1, 0f64..umax * 1.1)?;
        let mut mesh = chart.configure_mesh();
        style::mesh(&mut mesh).x_labels(10).y_labels(6);
        mesh.x_label_formatter(&fmt)
            .y_label_formatter(&fmt)
            .y_desc("utilization at horizon (%)");
        if !self.any_runway() {
            mesh.x_desc("partition count");
        }
        mesh.draw()?;
        chart.draw_series(DashedLineSeries::new(
            [(x0, limit), (x1, limit)],
            10,
            6,
            palette::BLACK.stroke_width(3),
        ))?;
        for (i, s) in self.series.iter().enumerate() {
            let pts = s
                .points
                .iter()
                .map(|p| (f64::from(p.0), (p.1 * 100.0).min(ucap)));
            style::series_line(&mut chart, i, pts)?;
        }
        if self.any_runway() {
            let cap = self.runway_cap();
            let mut chart = ChartBuilder::on(&bottom)
                .margin(10)
                .margin_right(24)
                .x_label_area_size(56)
                .y_label_area_size(80)
                .build_cartesian_2d(x0..x1, 0f64..cap * 1.05)?;
            let mut mesh = chart.configure_mesh();
            style::mesh(&mut mesh).x_labels(10).y_labels(6);
            mesh.x_label_formatter(&fmt)
                .y_label_formatter(&fmt)
                .x_desc("partition count")
                .y_desc("runway (months)")
                .draw()?;
            chart.draw_series(DashedLineSeries::new(
                [(x0, self.horizon_months), (x1, self.horizon_months)],
                10,
                6,
                palette::GREY.stroke_width(3),
            ))?;
            for (i, s) in self.series.iter().enumerate() {
                let pts = s
                    .points
                    .iter()
                    .filter_map(|p| p.2.map(|r| (f64::from(p.0), r.min(cap))));
                style::series_line(&mut chart, i, pts)?;
            }
        }
        let mut y = 16;
        for (i, s) in self.series.iter().enumerate() {
            y += style::legend_entry(
                &panel,
                (8, y),
                &Swatch::Series(palette::series(i), i),
                &s.label,
            )?;
        }
        y += style::legend_entry(
            &panel,
            (8, y),
            &Swatch::Dashed(palette::BLACK),
            &format!(
                "max_utilization {}%",
                style::number(self.max_utilization * 100.0)
            ),
        )?;
        let mut notes = Vec::new();
        if self.clipped() {
            notes.extend([
                format!(
                    "Utilization over {}%",
                    style::number(self.utilization_cap())
                ),
                "is drawn on the top edge.".to_string(),
            ]);
        }
        if self.any_runway() {
            y += style::legend_entry(
                &panel,
                (8, y),
                &Swatch::Dashed(palette::GREY),
                &format!("horizon: {} months", style::number(self.horizon_months)),
            )?;
            notes.extend([
                "Runway: months until the".to_string(),
                "hottest partition reaches".to_string(),
                "max_utilization (0: over it".to_string(),
                "today); runways over".to_string(),
                format!(
                    "{} months sit on the top edge.",
                    style::number(self.runway_cap())
                ),
            ]);
        } else {
            notes.extend([
                "No growth planned: no runway".to_string(),
                "to draw; utilization stays".to_string(),
                "where it is today.".to_string(),
            ]);
        }
        let lines: Vec<(i32, String, RGBColor)> =
            notes.into_iter().map(|n| (0, n, palette::GREY)).collect();
        style::text_lines(&panel, (8, y + 12), style::LINE, &lines)
    }
}

/// The utilization-and-runway chart.
pub fn utilization_runway(name: &str, input: &UtilizationRunway) -> Result<Chart, ChartError> {
    let (svg, png) = style::render(name, input)?;
    let under: usize = input
        .series
        .iter()
        .map(|s| {
            s.points
                .iter()
                .filter(|p| p.1 <= input.max_utilization)
                .count()
        })
        .sum();
    let all: usize = input.series.iter().map(|s| s.points.len()).sum();
    Ok(Chart {
        name: name.to_string(),
        title: input.title(),
        alt: format!(
            "Line charts of the hottest partition's utilization at the horizon and its runway in \
             months for each partition count; {under} of {all} scenarios stay under \
             max_utilization {}%.",
            style::number(input.max_utilization * 100.0)
        ),
        svg,
        png,
    })
}
