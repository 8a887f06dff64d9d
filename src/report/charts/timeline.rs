//! The hottest partition over time: the events per second of the partition with the busiest time
//! window, window by window (each point the busiest window of its bucket when the span is long), with
//! what one consumer processes from one partition as a dashed line when capacity targets scale the
//! sample to production rates. Bursts above the line are where lag builds.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{self, palette, DrawResult, Figure, Swatch};
use super::{Chart, ChartError};

/// What the timeline shows.
#[derive(Debug, Clone)]
pub struct HottestOverTime<'a> {
    /// The scenario, already in words.
    pub subject: String,
    /// The partition drawn.
    pub partition: u32,
    /// Start of the first window, ms since the Unix epoch.
    pub first_window_start_ms: i64,
    /// Window length in seconds.
    pub window_seconds: f64,
    /// Consecutive windows per point.
    pub windows_per_point: u64,
    /// Events per point (the busiest window of each bucket).
    pub events: &'a [u64],
    /// With capacity targets: `(scale, consumer_events_per_sec)`, the factor that brings the sample's
    /// busiest topic window to the target peak, and one consumer's rate on one partition.
    pub scaled: Option<(f64, f64)>,
}

/// The x axis unit for a span of `seconds`.
fn time_unit(seconds: f64) -> (&'static str, f64) {
    if seconds <= 3.0 * 3600.0 {
        ("minutes", 60.0)
    } else if seconds <= 5.0 * 86_400.0 {
        ("hours", 3600.0)
    } else {
        ("days", 86_400.0)
    }
}

/// `YYYY-MM-DD HH:MM` (UTC) of `ms` since the Unix epoch (proleptic Gregorian calendar).
pub fn utc_minute(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}

impl HottestOverTime<'_> {
    fn title(&self) -> String {
        format!("Partition {} over time: {}", self.partition, self.subject)
    }

    fn point_seconds(&self) -> f64 {
        self.window_seconds * self.windows_per_point.max(1) as f64
    }

    /// Events per second of a point, scaled to production when targets are known.
    fn rate(&self, events: u64) -> f64 {
        let per_sec = events as f64 / self.window_seconds.max(f64::MIN_POSITIVE);
        match self.scaled {
            Some((scale, _)) => per_sec * scale,
            None => per_sec,
        }
    }
}

impl Figure for HottestOverTime<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let body = style::titled(root, &self.title())?;
        let (plot, panel) = body.split_horizontally(style::WIDTH - 330);
        let span = self.point_seconds() * self.events.len().max(1) as f64;
        let (unit, unit_seconds) = time_unit(span);
        let x1 = span / unit_seconds;
        let consumer = self.scaled.map(|s| s.1);
        let ymax = self
            .events
            .iter()
            .map(|&e| self.rate(e))
            .fold(consumer.unwrap_or(0.0), f64::max)
            .max(1e-9)
            * 1.08;
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .margin_right(24)
            .x_label_area_size(56)
            .y_label_area_size(96)
            .build_cartesian_2d(0f64..x1, 0f64..ymax)?;
        let fmt = |v: &f64| style::number(*v);
        let x_desc = format!(
            "{unit} since {} UTC",
            utc_minute(self.first_window_start_ms)
        );
        let y_desc = if self.scaled.is_some() {
            "events/s in the window, at the target peak"
        } else {
            "events/s in the window (sample)"
        };
        let mut mesh = chart.configure_mesh();
        style::mesh(&mut mesh);
        mesh.x_labels(10)
            .y_labels(8)
            .x_label_formatter(&fmt)
            .y_label_formatter(&fmt)
            .x_desc(x_desc)
            .y_desc(y_desc)
            .draw()?;
        // A step line: each point holds for its bucket.
        let step = self.point_seconds() / unit_seconds;
        let mut path = Vec::with_capacity(self.events.len() * 2);
        for (i, &e) in self.events.iter().enumerate() {
            let y = self.rate(e);
            path.push((i as f64 * step, y));
            path.push(((i + 1) as f64 * step, y));
        }
        chart.draw_series(LineSeries::new(path, palette::BLUE.stroke_width(2)))?;
        if let Some(c) = consumer {
            chart.draw_series(DashedLineSeries::new(
                [(0.0, c), (x1, c)],
                10,
                6,
                palette::BLACK.stroke_width(3),
            ))?;
        }
        let mut y = 16;
        y += style::legend_entry(
            &panel,
            (8, y),
            &Swatch::Line(palette::BLUE),
            &format!("partition {}", self.partition),
        )?;
        if let Some(c) = consumer {
            y += style::legend_entry(
                &panel,
                (8, y),
                &Swatch::Dashed(palette::BLACK),
                &format!("one consumer:\n{} events/s", style::number(c)),
            )?;
        }
        let mut notes = vec![format!(
            "Windows of {} s",
            style::number(self.window_seconds)
        )];
        if self.windows_per_point > 1 {
            notes.push(format!(
                "(each point: the busiest of {})",
                self.windows_per_point
            ));
        }
        if let Some((scale, _)) = self.scaled {
            notes.push(format!("sample scaled x{}", style::number(scale)));
            notes.push("to the target peak.".to_string());
        }
        let lines: Vec<(i32, String, RGBColor)> =
            notes.into_iter().map(|n| (0, n, palette::GREY)).collect();
        style::text_lines(&panel, (8, y + 12), style::LINE, &lines)
    }
}

/// The hottest-partition-over-time chart; `None` without windows.
pub fn hottest_over_time(
    name: &str,
    input: &HottestOverTime<'_>,
) -> Result<Option<Chart>, ChartError> {
    if input.events.is_empty() || !input.window_seconds.is_finite() || input.window_seconds <= 0.0 {
        return Ok(None);
    }
    let (svg, png) = style::render(name, input)?;
    let peak = input.events.iter().copied().max().unwrap_or(0);
    let over = input.scaled.map_or(String::new(), |(_, c)| {
        let n = input.events.iter().filter(|&&e| input.rate(e) > c).count();
        format!(
            "; {n} of {} points are above one consumer's {} events/s",
            input.events.len(),
            style::number(c)
        )
    });
    Ok(Some(Chart {
        name: name.to_string(),
        title: input.title(),
        alt: format!(
            "Step chart of partition {}'s events per second in each {}-second window from {} UTC; \
             the busiest reaches {} events/s{over}.",
            input.partition,
            style::number(input.window_seconds),
            utc_minute(input.first_window_start_ms),
            style::number(input.rate(peak))
        ),
        svg,
        png,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc_minute(0), "1970-01-01 00:00");
        assert_eq!(utc_minute(1_357_016_400_000), "2013-01-01 05:00");
        assert_eq!(utc_minute(951_782_400_000), "2000-02-29 00:00");
        assert_eq!(utc_minute(-60_000), "1969-12-31 23:59");
    }
}
