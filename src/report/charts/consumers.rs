//! Per-consumer load per assignor: for each planned consumer group size, one panel with each member's
//! share of the events under `range`, `roundrobin` and `cooperative-sticky`, and the even share
//! `1 / C` as a dashed line. A bar far above the line is a consumer that lags first.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{self, palette, size, DrawResult, Figure, Swatch};
use super::{Chart, ChartError};

/// One consumer group size.
#[derive(Debug, Clone)]
pub struct ConsumerPanel {
    /// Members in the group.
    pub consumers: u32,
    /// `(assignor, events per member in member-id order)`, in the assignors' fixed order.
    pub assignors: Vec<(String, Vec<u64>)>,
}

/// What the consumer chart shows.
#[derive(Debug, Clone)]
pub struct ConsumerLoads {
    /// The scenario, already in words.
    pub subject: String,
    /// One panel per group size (at most [`MAX_PANELS`] are drawn).
    pub panels: Vec<ConsumerPanel>,
    /// All events of the sample.
    pub total: u64,
}

/// Panels side by side on one canvas before they get too narrow to read.
pub const MAX_PANELS: usize = 4;

impl ConsumerLoads {
    fn title(&self) -> String {
        format!("Load per consumer: {}", self.subject)
    }

    fn shown(&self) -> &[ConsumerPanel] {
        &self.panels[..self.panels.len().min(MAX_PANELS)]
    }

    fn share(&self, events: u64) -> f64 {
        events as f64 / self.total.max(1) as f64 * 100.0
    }
}

impl Figure for ConsumerLoads {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let body = style::titled(root, &self.title())?;
        let (legend, plots) = body.split_vertically(44);
        let names: Vec<&str> = self
            .shown()
            .first()
            .map(|p| p.assignors.iter().map(|a| a.0.as_str()).collect())
            .unwrap_or_default();
        let mut x = 100;
        for (i, name) in names.iter().enumerate() {
            style::legend_entry(&legend, (x, 10), &Swatch::Bar(palette::series(i)), name)?;
            x += 60 + 12 * name.chars().count() as i32;
        }
        style::legend_entry(
            &legend,
            (x, 10),
            &Swatch::Dashed(palette::BLACK),
            "even share (1 / consumers)",
        )?;
        // One y scale for all panels, so bars compare across group sizes.
        let ymax = self
            .shown()
            .iter()
            .flat_map(|p| {
                p.assignors
                    .iter()
                    .flat_map(|a| a.1.iter().map(|&e| self.share(e)))
                    .chain([100.0 / f64::from(p.consumers.max(1))])
            })
            .fold(0.0, f64::max)
            .max(1e-9)
            * 1.1;
        let shown = self.shown();
        let areas = plots.split_evenly((1, shown.len().max(1)));
        let fmt = |v: &f64| style::number(*v);
        let idx = |v: &f64| {
            if (v - v.round()).abs() < 1e-6 && *v >= 0.0 {
                format!("{}", v.round() as i64)
            } else {
                String::new()
            }
        };
        for (panel, area) in shown.iter().zip(areas.iter()) {
            let c = panel.consumers.max(1) as usize;
            let mut chart = ChartBuilder::on(area)
                .caption(
                    format!("{} consumers", panel.consumers),
                    style::text(size::AXIS, palette::BLACK),
                )
                .margin(8)
                .margin_right(16)
                .x_label_area_size(56)
                .y_label_area_size(if shown.len() > 2 { 70 } else { 80 })
                .build_cartesian_2d(-0.5f64..(c as f64 - 0.5), 0f64..ymax)?;
            let mut mesh = chart.configure_mesh();
            style::mesh(&mut mesh);
            mesh.disable_x_mesh()
                .x_labels(c.min(8))
                .y_labels(6)
                .x_label_formatter(&idx)
                .y_label_formatter(&fmt)
                .x_desc("consumer (member id order)")
                .y_desc("share of events (%)")
                .draw()?;
            let k = panel.assignors.len().max(1) as f64;
            let width = 0.8 / k;
            for (j, (_, events)) in panel.assignors.iter().enumerate() {
                let color = palette::series(j);
                chart.draw_series(events.iter().enumerate().map(|(m, &e)| {
                    let left = m as f64 - 0.4 + width * j as f64;
                    Rectangle::new([(left, 0.0), (left + width, self.share(e))], color.filled())
                }))?;
            }
            let even = 100.0 / c as f64;
            chart.draw_series(DashedLineSeries::new(
                [(-0.5, even), (c as f64 - 0.5, even)],
                10,
                6,
                palette::BLACK.stroke_width(2),
            ))?;
        }
        Ok(())
    }
}

/// The per-consumer load chart; `None` when the plan names no consumer group sizes.
pub fn consumer_loads(name: &str, input: &ConsumerLoads) -> Result<Option<Chart>, ChartError> {
    if input.panels.is_empty() {
        return Ok(None);
    }
    let (svg, png) = style::render(name, input)?;
    let worst: Vec<String> = input
        .shown()
        .iter()
        .map(|p| {
            let (assignor, max) = p
                .assignors
                .iter()
                .map(|(a, e)| (a.as_str(), e.iter().copied().max().unwrap_or(0)))
                .fold(("", 0), |best, x| if x.1 > best.1 { x } else { best });
            format!(
                "{} consumers: busiest {} ({})",
                p.consumers,
                style::pct(input.share(max) / 100.0),
                if assignor.is_empty() { "-" } else { assignor }
            )
        })
        .collect();
    let left_out = if input.panels.len() > MAX_PANELS {
        format!(
            " Only the first {MAX_PANELS} of {} group sizes are drawn.",
            input.panels.len()
        )
    } else {
        String::new()
    };
    Ok(Some(Chart {
        name: name.to_string(),
        title: input.title(),
        alt: format!(
            "Bar charts of each consumer's share of events per assignor; {}.{left_out}",
            worst.join("; ")
        ),
        svg,
        png,
    }))
}
