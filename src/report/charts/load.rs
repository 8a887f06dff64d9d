//! Per-partition load: one bar per partition, the hottest in vermillion, the capacity of one partition
//! as a dashed line (when targets are known), the even spread as a grey dashed line, and a side panel
//! naming the hottest partition's heaviest keys: what makes it hot.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{self, palette, DrawResult, Figure, Swatch};
use super::{Chart, ChartError};
use crate::report::analysis::HotPartitionKey;

/// How bar heights are expressed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LoadScale {
    /// Events per second at peak, at the horizon: `share * peak_at_horizon`, with one partition's
    /// capacity `max_utilization * consumer_events_per_sec` as the limit line.
    Rate {
        /// `peak_events_per_sec * (1 + g)^h`.
        peak_at_horizon: f64,
        /// `max_utilization * consumer_events_per_sec`.
        partition_capacity: f64,
    },
    /// Share of the sample's events, in percent (no targets known).
    Share,
}

/// What the per-partition load chart shows.
#[derive(Debug, Clone)]
pub struct PartitionLoad<'a> {
    /// What the chart is of (strategy, partitioner, count), already in words.
    pub subject: String,
    /// Events per partition index.
    pub loads: &'a [u64],
    /// The hottest partition's index.
    pub hottest: u32,
    /// Its heaviest keys, heaviest first.
    pub keys: &'a [HotPartitionKey],
    /// The y axis.
    pub scale: LoadScale,
}

/// Keys listed in the side panel.
const PANEL_KEYS: usize = 5;
/// The longest key the side panel shows before an ellipsis (it fits the panel's width).
const PANEL_KEY_CHARS: usize = 30;
/// Width of the side panel in pixels.
const PANEL_WIDTH: u32 = 330;

impl PartitionLoad<'_> {
    fn total(&self) -> u64 {
        self.loads.iter().sum()
    }

    /// Bar height of `events`.
    fn value(&self, events: u64) -> f64 {
        let share = events as f64 / self.total().max(1) as f64;
        match self.scale {
            LoadScale::Rate {
                peak_at_horizon, ..
            } => share * peak_at_horizon,
            LoadScale::Share => share * 100.0,
        }
    }

    fn capacity(&self) -> Option<f64> {
        match self.scale {
            LoadScale::Rate {
                partition_capacity, ..
            } => Some(partition_capacity),
            LoadScale::Share => None,
        }
    }

    fn title(&self) -> String {
        format!("Load per partition: {}", self.subject)
    }
}

impl Figure for PartitionLoad<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let body = style::titled(root, &self.title())?;
        let (plot, panel) = body.split_horizontally(style::WIDTH - PANEL_WIDTH);
        let n = self.loads.len().max(1);
        let max = self
            .loads
            .iter()
            .map(|&l| self.value(l))
            .fold(0.0, f64::max);
        let mean = self.value(self.total()) / n as f64;
        let top = max.max(self.capacity().unwrap_or(0.0)).max(mean) * 1.08;
        let top = if top > 0.0 { top } else { 1.0 };
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(56)
            .y_label_area_size(96)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..top)?;
        let y_desc = match self.scale {
            LoadScale::Rate { .. } => "events/s per partition at peak, at the horizon",
            LoadScale::Share => "share of events (%)",
        };
        let x_fmt = |v: &f64| {
            if (v - v.round()).abs() < 1e-6 && *v >= 0.0 {
                format!("{}", v.round() as i64)
            } else {
                String::new()
            }
        };
        let y_fmt = |v: &f64| style::number(*v);
        let mut mesh = chart.configure_mesh();
        style::mesh(&mut mesh);
        mesh.disable_x_mesh()
            .x_labels(12.min(n))
            .y_labels(8)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_desc("partition index")
            .y_desc(y_desc)
            .draw()?;
        // Bars: a gap between them while they are wide enough to show one.
        let half = if n <= 120 { 0.4 } else { 0.5 };
        chart.draw_series(
            self.loads
                .iter()
                .enumerate()
                .filter(|&(i, _)| i as u32 != self.hottest)
                .map(|(i, &l)| {
                    Rectangle::new(
                        [(i as f64 - half, 0.0), (i as f64 + half, self.value(l))],
                        palette::BLUE.filled(),
                    )
                }),
        )?;
        // The hottest bar on top, at least 4 px wide, so it shows among a thousand.
        if let Some(&l) = self.loads.get(self.hottest as usize) {
            let px = f64::from(plot.dim_in_pixel().0.max(1));
            let half = half.max(2.0 * n as f64 / px);
            let x = f64::from(self.hottest);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x - half, 0.0), (x + half, self.value(l))],
                palette::VERMILLION.filled(),
            )))?;
        }
        let span = [(-0.5, 0.0), (n as f64 - 0.5, 0.0)];
        let dashed = |y: f64, color: RGBColor| {
            DashedLineSeries::new(
                span.iter().map(move |&(x, _)| (x, y)),
                10,
                6,
                color.stroke_width(3),
            )
        };
        chart.draw_series(dashed(mean, palette::GREY))?;
        if let Some(c) = self.capacity() {
            chart.draw_series(dashed(c, palette::BLACK))?;
        }
        self.draw_panel(&panel, mean)
    }
}

impl PartitionLoad<'_> {
    /// The side panel: the legend, then the hottest partition and its heaviest keys.
    fn draw_panel<DB: DrawingBackend>(
        &self,
        panel: &DrawingArea<DB, Shift>,
        mean: f64,
    ) -> DrawResult<DB> {
        let x = 8;
        let mut y = 16;
        let unit = match self.scale {
            LoadScale::Rate { .. } => " events/s",
            LoadScale::Share => "%",
        };
        let mut entries = vec![
            (Swatch::Bar(palette::BLUE), "partition".to_string()),
            (
                Swatch::Bar(palette::VERMILLION),
                "hottest partition".to_string(),
            ),
            (
                Swatch::Dashed(palette::GREY),
                format!("even spread: {}{unit}", style::number(mean)),
            ),
        ];
        if let Some(c) = self.capacity() {
            entries.push((
                Swatch::Dashed(palette::BLACK),
                format!("capacity: {}{unit}", style::number(c)),
            ));
        }
        for (swatch, text) in &entries {
            y += style::legend_entry(panel, (x, y), swatch, text)?;
        }
        y += 18;
        let hot = self.loads.get(self.hottest as usize).copied().unwrap_or(0);
        let share = hot as f64 / self.total().max(1) as f64;
        let mut lines = vec![
            (
                0,
                format!("Hottest: partition {}", self.hottest),
                palette::BLACK,
            ),
            (
                0,
                format!(
                    "{} of events, {}x the mean",
                    style::pct(share),
                    style::number(share * self.loads.len() as f64)
                ),
                palette::BLACK,
            ),
        ];
        if self.keys.is_empty() {
            lines.push((0, "(no single key placed there)".to_string(), palette::GREY));
        } else {
            lines.push((
                0,
                "Its heaviest keys, share of it:".to_string(),
                palette::BLACK,
            ));
            for (i, k) in self.keys.iter().take(PANEL_KEYS).enumerate() {
                lines.push((
                    0,
                    format!("{}. {}", i + 1, style::label(&k.key, PANEL_KEY_CHARS)),
                    palette::BLACK,
                ));
                lines.push((
                    28,
                    format!(
                        "{}{}",
                        style::pct(k.share_of_partition),
                        if k.placeholder { " (placeholder)" } else { "" }
                    ),
                    palette::GREY,
                ));
            }
        }
        style::text_lines(panel, (x, y), style::LINE + 2, &lines)
    }
}

/// The per-partition load chart.
pub fn partition_load(name: &str, input: &PartitionLoad<'_>) -> Result<Chart, ChartError> {
    let (svg, png) = style::render(name, input)?;
    let hot = input
        .loads
        .get(input.hottest as usize)
        .copied()
        .unwrap_or(0);
    let share = hot as f64 / input.total().max(1) as f64;
    let capacity = match input.scale {
        LoadScale::Rate {
            partition_capacity, ..
        } => format!(
            ", against a capacity of {} events/s per partition",
            style::number(partition_capacity)
        ),
        LoadScale::Share => String::new(),
    };
    let keys = if input.keys.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = input
            .keys
            .iter()
            .take(3)
            .map(|k| style::label(&k.key, style::MAX_LABEL_CHARS))
            .collect();
        format!("; its heaviest keys are {}", names.join(", "))
    };
    Ok(Chart {
        name: name.to_string(),
        title: input.title(),
        alt: format!(
            "Bar chart of the load on each of {} partitions{capacity}. Partition {} is the hottest \
             with {} of events{keys}.",
            input.loads.len(),
            input.hottest,
            style::pct(share)
        ),
        svg,
        png,
    })
}
