//! Skew vs partition count: the observed skew (hottest partition over the mean) of each partitioner
//! at each count, against what placing the same key weights uniformly at random gives (a band from
//! its mean to its 95th percentile) and the hot-key floor `max(1, top_key_share * N)`, the skew no
//! placement can go below. A line above the band marks a count that is unlucky for this hash and key
//! set; a line on the floor means one key decides the skew.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{self, palette, DrawResult, Figure, Swatch};
use super::{Chart, ChartError};

/// One partitioner's observed skews.
#[derive(Debug, Clone)]
pub struct SkewSeries {
    /// The partitioner's label.
    pub label: String,
    /// `(partition count, skew)`, by count.
    pub points: Vec<(u32, f64)>,
}

/// What the skew-vs-count chart shows.
#[derive(Debug, Clone)]
pub struct SkewVsPartitions {
    /// What the chart is of (the key strategy), already in words.
    pub subject: String,
    /// One series per partitioner.
    pub series: Vec<SkewSeries>,
    /// `(count, mean, p95)` of the random-placement skew, by count (empty when not computed).
    pub band: Vec<(u32, f64, f64)>,
    /// `(count, hot-key floor)`, by count.
    pub floor: Vec<(u32, f64)>,
}

impl SkewVsPartitions {
    fn title(&self) -> String {
        format!("Skew vs partition count: {}", self.subject)
    }

    fn counts(&self) -> (u32, u32) {
        let all = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .chain(self.floor.iter().map(|p| p.0));
        let (lo, hi) = all.fold((u32::MAX, 0), |(lo, hi), n| (lo.min(n), hi.max(n)));
        if lo > hi {
            (1, 1)
        } else {
            (lo, hi)
        }
    }
}

impl Figure for SkewVsPartitions {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let body = style::titled(root, &self.title())?;
        let (plot, panel) = body.split_horizontally(style::WIDTH - 330);
        let (lo, hi) = self.counts();
        let (x0, x1) = style::padded(f64::from(lo), f64::from(hi), 0.05, None);
        let (x0, x1) = if lo == hi {
            (f64::from(lo) - 1.0, f64::from(hi) + 1.0)
        } else {
            (x0, x1)
        };
        let values = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .chain(self.band.iter().flat_map(|b| [b.1, b.2]))
            .chain(self.floor.iter().map(|f| f.1))
            .chain([1.0])
            .filter(|v| v.is_finite());
        let (vmin, vmax) = values.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
        let (y0, y1) = style::padded(vmin, vmax, 0.08, Some(0.0));
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .margin_right(24)
            .x_label_area_size(56)
            .y_label_area_size(80)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        let x_fmt = |v: &f64| style::number(*v);
        let y_fmt = |v: &f64| style::number(*v);
        let mut mesh = chart.configure_mesh();
        style::mesh(&mut mesh);
        mesh.x_labels(10)
            .y_labels(8)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_desc("partition count")
            .y_desc("skew (hottest partition / mean)")
            .draw()?;
        if !self.band.is_empty() {
            let upper = self.band.iter().map(|b| (f64::from(b.0), b.2));
            let lower = self.band.iter().rev().map(|b| (f64::from(b.0), b.1));
            let outline: Vec<(f64, f64)> = upper.chain(lower).collect();
            if self.band.len() == 1 {
                let b = self.band[0];
                let x = f64::from(b.0);
                let w = (x1 - x0) * 0.01;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x - w, b.1), (x + w, b.2)],
                    palette::SKY.mix(0.35).filled(),
                )))?;
            } else {
                chart.draw_series(std::iter::once(Polygon::new(
                    outline,
                    palette::SKY.mix(0.35).filled(),
                )))?;
            }
        }
        if !self.floor.is_empty() {
            let floor: Vec<(f64, f64)> = self.floor.iter().map(|f| (f64::from(f.0), f.1)).collect();
            chart.draw_series(DashedLineSeries::new(
                floor,
                10,
                6,
                palette::BLACK.stroke_width(3),
            ))?;
        }
        for (i, s) in self.series.iter().enumerate() {
            style::series_line(
                &mut chart,
                i,
                s.points.iter().map(|p| (f64::from(p.0), p.1)),
            )?;
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
        if !self.band.is_empty() {
            y += style::legend_entry(
                &panel,
                (8, y),
                &Swatch::Band(palette::SKY),
                "random placement:\nmean to 95th percentile",
            )?;
        }
        if !self.floor.is_empty() {
            y += style::legend_entry(
                &panel,
                (8, y),
                &Swatch::Dashed(palette::BLACK),
                "hot-key floor:\nmax(1, top key share x N)",
            )?;
        }
        let notes = [
            "1 = perfectly even.",
            "Above the band: an unlucky",
            "count for this hash.",
            "On the floor: one key",
            "decides the skew.",
        ];
        let lines: Vec<(i32, String, RGBColor)> = notes
            .iter()
            .map(|n| (0, n.to_string(), palette::GREY))
            .collect();
        style::text_lines(&panel, (8, y + 16), style::LINE, &lines)
    }
}
/// The skew-vs-partition-count chart.
pub fn skew_vs_partitions(name: &str, input: &SkewVsPartitions) -> Result<Chart, ChartError> {
    let (svg, png) = style::render(name, input)?;
    let (lo, hi) = input.counts();
    let worst = input
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(move |p| (&s.label, p.0, p.1)))
        .fold(None, |best: Option<(&String, u32, f64)>, p| match best {
            Some(b) if b.2 >= p.2 => Some(b),
            _ => Some(p),
        });
    let worst = worst.map_or(String::new(), |(label, n, skew)| {
        format!(
            " The highest is {} with {label} at {n} partitions.",
            style::number(skew)
        )
    });
    Ok(Chart {
        name: name.to_string(),
        title: input.title(),
        alt: format!(
            "Line chart of the skew of {} partitioner(s) for {lo} to {hi} partitions, with the \
             random-placement band and the hot-key floor.{worst}",
            input.series.len()
        ),
        svg,
        png,
    })
}
