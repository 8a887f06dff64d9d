//! Charts of a report, each drawn by one function from the one [`Report`](super::Report) value and
//! rendered twice: SVG (for Markdown and HTML) and PNG (for documents that take images).
//!
//! Interface contract for the report bundle (`plan --out DIR`, `analyze --out DIR`): the bundle asks
//! for [`plan_charts`] or [`analysis_charts`], writes each chart as `charts/NAME.svg` and
//! `charts/NAME.png`, links them from report.md and inlines the SVG in report.html. Charts read only
//! the report, so a redacted report gives redacted charts.
//!
//! One module per chart ([`load`], [`skew`], [`lorenz`], [`utilization`], [`consumers`]), each a
//! [`style::Figure`] fed with plain numbers and labels picked from the report here; [`style`] holds
//! the canvas, the bundled font and the palette. The README's "Charts" section says what each shows.

pub mod consumers;
pub mod load;
pub mod lorenz;
mod raster;
pub mod skew;
pub mod style;
pub mod timeline;
pub mod utilization;

use super::plan::PlanScenario;
use super::{AnalysisReport, PlanReport};
use crate::analysis::{LoadMetrics, ScenarioStats};
pub use crate::error::ChartError;
use crate::error::Result;

/// One rendered chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// File stem, unique in a report: lower-case ASCII, digits and `-` (e.g. `partition-load`).
    pub name: String,
    /// The title drawn on the chart, also the heading/caption in reports.
    pub title: String,
    /// A one-sentence text alternative (HTML `alt`, Markdown image text).
    pub alt: String,
    /// The chart as a standalone SVG document (UTF-8, every text escaped).
    pub svg: String,
    /// The chart as a PNG file (at least 1200 px wide).
    pub png: Vec<u8>,
}

/// The scenario a plan's single-scenario charts show: the recommendation; when nothing is
/// recommended, the design under review; else the candidate with the lowest utilization at the
/// horizon (the one the recommendation names as closest); else the first.
fn focus(report: &PlanReport) -> Option<&PlanScenario> {
    let closest = || {
        report
            .scenarios
            .iter()
            .filter(|s| s.candidate)
            .min_by(|a, b| {
                a.capacity
                    .utilization_at_horizon
                    .total_cmp(&b.capacity.utilization_at_horizon)
            })
    };
    report
        .recommended_or_design()
        .or_else(closest)
        .or(report.scenarios.first())
}

/// Why the focus scenario is shown, for titles.
fn focus_role(report: &PlanReport, s: &PlanScenario) -> &'static str {
    let r = &report.recommendation;
    if r.partitions == Some(s.partitions)
        && r.strategy == s.strategy
        && r.partitioner == s.partitioner
    {
        "recommended"
    } else if report.design.as_ref().is_some_and(|d| {
        d.partitions == s.partitions && d.strategy == s.strategy && d.partitioner == s.partitioner
    }) {
        "design"
    } else {
        "closest to feasible"
    }
}

/// `strategy, partitioner, N partitions` for chart subjects, user text made safe.
fn scenario_words(strategy: &str, partitioner: &str, partitions: u32) -> String {
    format!(
        "{}, {}, {} partitions",
        style::label(strategy, style::MAX_LABEL_CHARS),
        style::label(partitioner, style::MAX_LABEL_CHARS),
        partitions
    )
}

/// Unique chart names: a repeated name gets `-2`, `-3`, ... appended.
fn unique_name(used: &mut Vec<String>, name: String) -> String {
    let mut candidate = name.clone();
    let mut i = 2;
    while used.contains(&candidate) {
        candidate = format!("{name}-{i}");
        i += 1;
    }
    used.push(candidate.clone());
    candidate
}

/// The charts of a plan review, in the order reports show them.
pub fn plan_charts(report: &PlanReport) -> Result<Vec<Chart>> {
    let mut charts = Vec::new();
    if let Some(s) = focus(report) {
        charts.push(load::partition_load(
            "partition-load",
            &load::PartitionLoad {
                subject: format!(
                    "{} ({})",
                    scenario_words(&s.strategy, &s.partitioner, s.partitions),
                    focus_role(report, s)
                ),
                loads: &s.partition_events,
                hottest: s.metrics.hottest_partition,
                keys: &s.hot_partition_keys,
                scale: load::LoadScale::Rate {
                    peak_at_horizon: report.peak_at_horizon,
                    partition_capacity: report.partition_capacity,
                },
            },
        )?);
    }
    let mut used = vec!["partition-load".to_string()];
    for (i, st) in report.strategies.iter().enumerate() {
        let scenarios: Vec<&PlanScenario> = report
            .scenarios
            .iter()
            .filter(|s| s.strategy == st.name)
            .collect();
        if scenarios.is_empty() {
            continue;
        }
        let base = if report.strategies.len() == 1 {
            "skew-vs-partitions".to_string()
        } else {
            format!(
                "skew-vs-partitions-{}",
                style::slug(&st.name, &format!("strategy-{}", i + 1))
            )
        };
        let name = unique_name(&mut used, base);
        let input = skew_input(
            format!(
                "strategy {}",
                style::label(&st.name, style::MAX_LABEL_CHARS)
            ),
            scenarios.iter().map(|s| ScenarioPoint {
                partitioner: &s.partitioner,
                partitions: s.partitions,
                metrics: &s.metrics,
                stats: &s.stats,
            }),
        );
        charts.push(skew::skew_vs_partitions(&name, &input)?);
    }
    let curves = report
        .strategies
        .iter()
        .filter(|s| !s.key_concentration.is_empty())
        .map(|s| lorenz::LorenzCurve {
            label: style::label(&s.name, style::MAX_LABEL_CHARS),
            points: &s.key_concentration,
        })
        .collect();
    if let Some(c) =
        lorenz::key_concentration("key-concentration", &lorenz::KeyConcentration { curves })?
    {
        charts.push(c);
    }
    let mut series: Vec<utilization::UtilizationSeries> = Vec::new();
    for s in &report.scenarios {
        let label = format!(
            "{} / {}",
            style::label(&s.strategy, 16),
            style::label(&s.partitioner, 16)
        );
        let point = (
            s.partitions,
            s.capacity.utilization_at_horizon,
            s.capacity.runway_months,
        );
        match series.iter_mut().find(|x| x.label == label) {
            Some(x) => x.points.push(point),
            None => series.push(utilization::UtilizationSeries {
                label,
                points: vec![point],
            }),
        }
    }
    for x in &mut series {
        x.points.sort_by_key(|p| p.0);
    }
    charts.push(utilization::utilization_runway(
        "utilization-runway",
        &utilization::UtilizationRunway {
            series,
            max_utilization: report.targets.max_utilization,
            horizon_months: report.targets.horizon_months,
            growth_per_month: report.targets.growth_per_month,
        },
    )?);
    if let Some(s) = focus(report) {
        let mut panels: Vec<consumers::ConsumerPanel> = Vec::new();
        for c in &s.consumers {
            let entry = (c.assignor.clone(), c.consumer_events.clone());
            match panels.iter_mut().find(|p| p.consumers == c.consumers) {
                Some(p) => p.assignors.push(entry),
                None => panels.push(consumers::ConsumerPanel {
                    consumers: c.consumers,
                    assignors: vec![entry],
                }),
            }
        }
        let input = consumers::ConsumerLoads {
            subject: format!(
                "{} ({})",
                scenario_words(&s.strategy, &s.partitioner, s.partitions),
                focus_role(report, s)
            ),
            panels,
            total: s.partition_events.iter().sum(),
        };
        if let Some(c) = consumers::consumer_loads("consumer-load", &input)? {
            charts.push(c);
        }
        if let Some(t) = &s.time {
            let subject = format!(
                "{} ({})",
                scenario_words(&s.strategy, &s.partitioner, s.partitions),
                focus_role(report, s)
            );
            let consumer = report.targets.consumer_events_per_sec;
            if let Some(c) = timeline_chart(subject, t, consumer)? {
                charts.push(c);
            }
        }
    }
    Ok(charts)
}

/// The hottest partition over time of one scenario's time profile, scaled to production when the
/// lag simulation ran (it knows the factor that brings the sample's busiest window to the target).
fn timeline_chart(
    subject: String,
    t: &crate::analysis::time::TimeProfile,
    consumer_events_per_sec: f64,
) -> Result<Option<Chart>> {
    Ok(timeline::hottest_over_time(
        "partition-over-time",
        &timeline::HottestOverTime {
            subject,
            partition: t.series.partition,
            first_window_start_ms: t.first_window_start_ms,
            window_seconds: t.window_seconds,
            windows_per_point: t.series.windows_per_point,
            events: &t.series.events,
            scaled: t.lag.as_ref().map(|l| (l.scale, consumer_events_per_sec)),
        },
    )?)
}

/// What the skew chart needs of one scenario (plan and analysis scenarios differ in type).
struct ScenarioPoint<'a> {
    partitioner: &'a str,
    partitions: u32,
    metrics: &'a LoadMetrics,
    stats: &'a ScenarioStats,
}

/// The skew chart's series (one per partitioner, by count), random band and floor (one value per
/// count: both depend on the key weights and the count only).
fn skew_input<'a>(
    subject: String,
    points: impl Iterator<Item = ScenarioPoint<'a>>,
) -> skew::SkewVsPartitions {
    let mut series: Vec<skew::SkewSeries> = Vec::new();
    let mut band: Vec<(u32, f64, f64)> = Vec::new();
    let mut floor: Vec<(u32, f64)> = Vec::new();
    for p in points {
        let label = style::label(p.partitioner, style::MAX_LABEL_CHARS);
        let point = (p.partitions, p.metrics.skew);
        match series.iter_mut().find(|s| s.label == label) {
            Some(s) => s.points.push(point),
            None => series.push(skew::SkewSeries {
                label,
                points: vec![point],
            }),
        }
        if let (Some(mean), Some(p95)) = (
            p.stats.expected_skew_random,
            p.stats.expected_skew_random_p95,
        ) {
            if !band.iter().any(|b| b.0 == p.partitions) {
                band.push((p.partitions, mean, p95));
            }
        }
        if !floor.iter().any(|f| f.0 == p.partitions) {
            floor.push((p.partitions, p.metrics.hot_key_floor));
        }
    }
    for s in &mut series {
        s.points.sort_by_key(|p| p.0);
    }
    band.sort_by_key(|b| b.0);
    floor.sort_by_key(|f| f.0);
    skew::SkewVsPartitions {
        subject,
        series,
        band,
        floor,
    }
}

/// The charts of a one-shot `analyze` comparison, in the order reports show them.
pub fn analysis_charts(report: &AnalysisReport) -> Result<Vec<Chart>> {
    let mut charts = Vec::new();
    let mut used = Vec::new();
    // One load chart per partitioner, at its count with the highest skew: the worst case it offers.
    let mut partitioners: Vec<&str> = Vec::new();
    for s in &report.scenarios {
        if !partitioners.contains(&s.partitioner.as_str()) {
            partitioners.push(&s.partitioner);
        }
    }
    for p in partitioners {
        let worst = report
            .scenarios
            .iter()
            .filter(|s| s.partitioner == p)
            .reduce(|a, b| {
                if b.metrics.skew > a.metrics.skew {
                    b
                } else {
                    a
                }
            });
        let Some(s) = worst else { continue };
        let several = report
            .scenarios
            .iter()
            .filter(|o| o.partitioner == p)
            .count()
            > 1;
        let scale = match &report.targets {
            Some(t) => load::LoadScale::Rate {
                peak_at_horizon: t.peak_at_horizon(),
                partition_capacity: t.partition_capacity(),
            },
            None => load::LoadScale::Share,
        };
        let name = unique_name(
            &mut used,
            format!("partition-load-{}", style::slug(p, "partitioner")),
        );
        charts.push(load::partition_load(
            &name,
            &load::PartitionLoad {
                subject: format!(
                    "{}, {} partitions{}",
                    style::label(p, style::MAX_LABEL_CHARS),
                    s.partitions,
                    if several { " (its highest skew)" } else { "" }
                ),
                loads: &s.partition_events,
                hottest: s.metrics.hottest_partition,
                keys: &s.hot_partition_keys,
                scale,
            },
        )?);
    }
    let counts: Vec<u32> = report.scenarios.iter().map(|s| s.partitions).collect();
    if !counts.is_empty() {
        let name = unique_name(&mut used, "skew-vs-partitions".to_string());
        let input = skew_input(
            "the sample's keys".to_string(),
            report.scenarios.iter().map(|s| ScenarioPoint {
                partitioner: &s.partitioner,
                partitions: s.partitions,
                metrics: &s.metrics,
                stats: &s.stats,
            }),
        );
        charts.push(skew::skew_vs_partitions(&name, &input)?);
    }
    let curve = lorenz::KeyConcentration {
        curves: vec![lorenz::LorenzCurve {
            label: "sample keys".to_string(),
            points: &report.key_concentration,
        }],
    };
    if let Some(c) = lorenz::key_concentration("key-concentration", &curve)? {
        charts.push(c);
    }
    if let Some(t) = &report.targets {
        let mut series: Vec<utilization::UtilizationSeries> = Vec::new();
        for s in &report.scenarios {
            let Some(c) = &s.capacity else { continue };
            let label = style::label(&s.partitioner, style::MAX_LABEL_CHARS);
            let point = (s.partitions, c.utilization_at_horizon, c.runway_months);
            match series.iter_mut().find(|x| x.label == label) {
                Some(x) => x.points.push(point),
                None => series.push(utilization::UtilizationSeries {
                    label,
                    points: vec![point],
                }),
            }
        }
        for x in &mut series {
            x.points.sort_by_key(|p| p.0);
        }
        if !series.is_empty() {
            charts.push(utilization::utilization_runway(
                "utilization-runway",
                &utilization::UtilizationRunway {
                    series,
                    max_utilization: t.max_utilization,
                    horizon_months: t.horizon_months,
                    growth_per_month: t.growth_per_month,
                },
            )?);
        }
    }
    // The hottest partition over time, for the scenario with the busiest window of all (the first
    // such scenario on ties).
    let busiest = report
        .scenarios
        .iter()
        .filter_map(|s| s.time.as_ref().map(|t| (s, t)))
        .reduce(|a, b| {
            if b.1.max_peak_window_events > a.1.max_peak_window_events {
                b
            } else {
                a
            }
        });
    if let Some((s, t)) = busiest {
        let subject = format!(
            "{}, {} partitions (the busiest window)",
            style::label(&s.partitioner, style::MAX_LABEL_CHARS),
            s.partitions
        );
        let consumer = report
            .targets
            .as_ref()
            .map_or(0.0, |t| t.consumer_events_per_sec);
        if let Some(c) = timeline_chart(subject, t, consumer)? {
            charts.push(c);
        }
    }
    Ok(charts)
}

#[cfg(test)]
mod tests;
