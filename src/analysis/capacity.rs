//! Capacity: what a scenario's hottest partition means for the consumers, now and after growth, and
//! which candidate to recommend.
//!
//! Formulas (README, "Planning capacity"), with `peak` the peak
//! events/s, `c` what one consumer processes from one partition (events/s), `g` the compound monthly
//! growth and `h` the horizon in months:
//! - `hot_partition_utilization = max_share * peak / c`
//! - `utilization_at_horizon = hot_partition_utilization * (1 + g)^h`
//! - `headroom = 1 - hot_partition_utilization`
//! - `runway_months = ln(max_utilization / u) / ln(1 + g)`: months until `u` grows to
//!   `max_utilization`; 0 when already there, none when it never gets there (`g <= 0`, or no load)
//! - the `_upper` variants use the upper end of the `max_share` confidence interval
//! - `byte_utilization = max_bytes_share * peak * mean_event_bytes / partition_bytes_per_sec`, with
//!   the sample's bytes per event and per-partition byte shares when it has sizes, otherwise the plan's
//!   `mean_event_bytes` and the event shares
//! - the naive rule (Confluent's `max(t/p, t/c)`) with `t = peak * (1+g)^h` and
//!   `p = partition_bytes_per_sec / mean_event_bytes` (events/s one partition takes from producers)
//! - replay of `retention_hours` of data ([`replay`]): the hottest partition holds
//!   `max_share * peak * retention_hours * 3600` events and its consumer clears them at `c - max_share *
//!   peak` (live events keep arriving), so `replay_hours = retention_hours * u / (1 - u)` with
//!   `u = hot_partition_utilization`; never when `u >= 1`

use serde::{Deserialize, Serialize};

/// The default ceiling on a consumer's utilization: 70% leaves room for rebalances, retries and
/// catch-up after an outage (the product spec's default).
pub const DEFAULT_MAX_UTILIZATION: f64 = 0.7;

/// A neighbouring candidate is "markedly better" when its skew is more than this fraction lower. Skew
/// (peak-to-mean) rather than max_share, because max_share falls with the count by itself: at equal
/// skew, 13 partitions always have a lower max_share than 12. 10% is well above the run-to-run
/// difference of random placement at the sample sizes the statistics accept (README, "Statistics").
pub const UNLUCKY_MARGIN: f64 = 0.10;

/// Capacity targets (a plan's `[targets]`, or `analyze --peak-rate ...`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Targets {
    /// Peak events per second the topic must take today.
    pub peak_events_per_sec: f64,
    /// Compound growth per month (`0.04` = 4%).
    pub growth_per_month: f64,
    /// Months ahead the design must hold.
    pub horizon_months: f64,
    /// Events per second one consumer processes from one partition.
    pub consumer_events_per_sec: f64,
    /// Highest acceptable consumer utilization, in `(0, 1]`.
    pub max_utilization: f64,
    /// Producer/broker guideline for one partition, bytes per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_bytes_per_sec: Option<f64>,
    /// Mean payload bytes per event, for samples without a size column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_event_bytes: Option<f64>,
    /// Hours of data the topic retains, for the replay time ([`replay`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_hours: Option<f64>,
}

impl Targets {
    /// `(1 + g)^h`.
    pub fn growth_factor(&self) -> f64 {
        growth_factor(self.growth_per_month, self.horizon_months)
    }

    /// Peak events per second at the horizon: `peak * (1 + g)^h`.
    pub fn peak_at_horizon(&self) -> f64 {
        self.peak_events_per_sec * self.growth_factor()
    }

    /// Events per second one partition may carry and stay within `max_utilization`.
    pub fn partition_capacity(&self) -> f64 {
        self.max_utilization * self.consumer_events_per_sec
    }

    /// Checks the invariants the formulas rely on; the message names the offending field.
    pub fn validate(&self) -> Result<(), TargetError> {
        use TargetField::*;
        let positive = |v: f64| v.is_finite() && v > 0.0;
        let bad = |field, rule| Err(TargetError { field, rule });
        if !positive(self.peak_events_per_sec) {
            return bad(PeakEventsPerSec, "must be a number above 0");
        }
        if !positive(self.consumer_events_per_sec) {
            return bad(ConsumerEventsPerSec, "must be a number above 0");
        }
        if !(self.growth_per_month.is_finite() && self.growth_per_month > -1.0) {
            return bad(
                GrowthPerMonth,
                "must be a number above -1 (0.04 is 4% a month)",
            );
        }
        if !(self.horizon_months.is_finite() && self.horizon_months >= 0.0) {
            return bad(HorizonMonths, "must be a number of months, 0 or more");
        }
        if !(self.max_utilization.is_finite()
            && self.max_utilization > 0.0
            && self.max_utilization <= 1.0)
        {
            return bad(MaxUtilization, "must be in (0, 1] (0.7 is 70%)");
        }
        if self.partition_bytes_per_sec.is_some_and(|v| !positive(v)) {
            return bad(PartitionBytesPerSec, "must be a number above 0");
        }
        if self.mean_event_bytes.is_some_and(|v| !positive(v)) {
            return bad(MeanEventBytes, "must be a number above 0");
        }
        if self.retention_hours.is_some_and(|v| !positive(v)) {
            return bad(RetentionHours, "must be a number of hours above 0");
        }
        Ok(())
    }
}

/// A target that cannot be planned with: which one, and the rule it breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{} {rule}", field.name())]
pub struct TargetError {
    /// The target.
    pub field: TargetField,
    /// What it must be.
    pub rule: &'static str,
}

/// The targets, named as in a plan's `[targets]` and as `analyze` flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetField {
    /// `peak_events_per_sec`, `--peak-rate`.
    PeakEventsPerSec,
    /// `consumer_events_per_sec`, `--consumer-rate`.
    ConsumerEventsPerSec,
    /// `growth_per_month`, `--growth`.
    GrowthPerMonth,
    /// `horizon_months`, `--horizon`.
    HorizonMonths,
    /// `max_utilization`, `--max-utilization`.
    MaxUtilization,
    /// `partition_bytes_per_sec` (plan only).
    PartitionBytesPerSec,
    /// `mean_event_bytes` (plan only).
    MeanEventBytes,
    /// `retention_hours`, `--retention-hours`.
    RetentionHours,
}

impl TargetField {
    /// The plan field's name.
    pub fn name(self) -> &'static str {
        match self {
            TargetField::PeakEventsPerSec => "peak_events_per_sec",
            TargetField::ConsumerEventsPerSec => "consumer_events_per_sec",
            TargetField::GrowthPerMonth => "growth_per_month",
            TargetField::HorizonMonths => "horizon_months",
            TargetField::MaxUtilization => "max_utilization",
            TargetField::PartitionBytesPerSec => "partition_bytes_per_sec",
            TargetField::MeanEventBytes => "mean_event_bytes",
            TargetField::RetentionHours => "retention_hours",
        }
    }

    /// The `analyze` flag that sets it, when there is one.
    pub fn flag(self) -> Option<&'static str> {
        match self {
            TargetField::PeakEventsPerSec => Some("--peak-rate"),
            TargetField::ConsumerEventsPerSec => Some("--consumer-rate"),
            TargetField::GrowthPerMonth => Some("--growth"),
            TargetField::HorizonMonths => Some("--horizon"),
            TargetField::MaxUtilization => Some("--max-utilization"),
            TargetField::RetentionHours => Some("--retention-hours"),
            TargetField::PartitionBytesPerSec | TargetField::MeanEventBytes => None,
        }
    }
}

/// `(1 + g)^h`: compound growth over `h` months.
pub fn growth_factor(growth_per_month: f64, horizon_months: f64) -> f64 {
    (1.0 + growth_per_month).powf(horizon_months)
}

/// `share * peak / consumer_events_per_sec`: the utilization of the consumer of a partition that gets
/// `share` of all events.
pub fn utilization(share: f64, targets: &Targets) -> f64 {
    share * targets.peak_events_per_sec / targets.consumer_events_per_sec
}

/// Months until utilization `u` grows to `max_utilization` at compound `growth_per_month`: 0 when it
/// is already there, `None` when it never gets there (no growth, or no load).
pub fn runway_months(u: f64, max_utilization: f64, growth_per_month: f64) -> Option<f64> {
    if u >= max_utilization {
        Some(0.0)
    } else if growth_per_month <= 0.0 || u <= 0.0 {
        None
    } else {
        Some((max_utilization / u).ln() / (1.0 + growth_per_month).ln())
    }
}

/// What the byte utilization is computed from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ByteLoad {
    /// Share of all payload bytes on the partition with the most bytes.
    pub max_bytes_share: f64,
    /// Mean payload bytes per event.
    pub mean_event_bytes: f64,
    /// True when both come from the sample's sizes, false when from the plan's `mean_event_bytes`.
    pub measured: bool,
}

/// The capacity figures of one scenario. Field names are part of the JSON contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Capacity {
    /// `max_share * peak_events_per_sec / consumer_events_per_sec`.
    pub hot_partition_utilization: f64,
    /// `hot_partition_utilization * (1 + growth_per_month)^horizon_months`.
    pub utilization_at_horizon: f64,
    /// `1 - hot_partition_utilization` (negative when over capacity today).
    pub headroom: f64,
    /// Months until the hot partition's utilization reaches `max_utilization`: 0 when already over,
    /// `null` when it never does (no growth).
    pub runway_months: Option<f64>,
    /// `hot_partition_utilization` at the upper end of the `max_share` confidence interval.
    pub hot_partition_utilization_upper: f64,
    /// `utilization_at_horizon` at the upper end of the `max_share` confidence interval.
    pub utilization_at_horizon_upper: f64,
    /// Hottest partition's bytes/s at peak over `partition_bytes_per_sec` (only with that target and
    /// a byte size: the sample's, or `mean_event_bytes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byte_utilization: Option<f64>,
    /// `byte_utilization * (1 + growth_per_month)^horizon_months`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byte_utilization_at_horizon: Option<f64>,
    /// Where the bytes come from: `sample` (the size column) or `mean_event_bytes` (the plan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byte_basis: Option<String>,
    /// Replay of the retained data at consumer capacity (only with `retention_hours`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<Replay>,
}

/// How long the consumers take to replay the retained data: the hottest partition decides, since its
/// consumer has the most to read and the least spare capacity. Field names are part of the JSON
/// contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Replay {
    /// Hours of data retained (`retention_hours`).
    pub retention_hours: f64,
    /// `max_share * peak_events_per_sec * retention_hours * 3600`: the hottest partition's retained
    /// events, accumulated at the peak rate (an upper bound for real traffic).
    pub backlog_events: f64,
    /// `consumer_events_per_sec - max_share * peak_events_per_sec`: what its consumer gains per second
    /// while live events keep arriving at the peak rate (0 or less: it never catches up).
    pub catch_up_events_per_sec: f64,
    /// `backlog_events / catch_up_events_per_sec / 3600` = `retention_hours * u / (1 - u)`, with `u` the
    /// hot partition's utilization; null ("never") when `u >= 1`.
    pub replay_hours: Option<f64>,
    /// The same at the horizon, with `u * (1 + growth_per_month)^horizon_months`.
    pub replay_hours_at_horizon: Option<f64>,
}

/// `retention_hours * u / (1 - u)`: hours to replay `retention_hours` of data on a partition at
/// utilization `u` (its retained events over the consumer's spare capacity); None when `u >= 1`.
pub fn replay_hours(u: f64, retention_hours: f64) -> Option<f64> {
    (u < 1.0).then(|| retention_hours * u / (1.0 - u))
}

/// The replay figures of a scenario whose hottest partition has `max_share` of the events.
pub fn replay(max_share: f64, retention_hours: f64, targets: &Targets) -> Replay {
    let rate = max_share * targets.peak_events_per_sec;
    let u = utilization(max_share, targets);
    Replay {
        retention_hours,
        backlog_events: rate * retention_hours * 3600.0,
        catch_up_events_per_sec: targets.consumer_events_per_sec - rate,
        replay_hours: replay_hours(u, retention_hours),
        replay_hours_at_horizon: replay_hours(u * targets.growth_factor(), retention_hours),
    }
}

/// The capacity figures of a scenario whose hottest partition has `max_share` of the events (upper
/// confidence bound `max_share_upper`); `bytes` when a byte size is known.
pub fn capacity(
    max_share: f64,
    max_share_upper: f64,
    bytes: Option<ByteLoad>,
    targets: &Targets,
) -> Capacity {
    let growth = targets.growth_factor();
    let u = utilization(max_share, targets);
    let upper = utilization(max_share_upper, targets);
    let byte_u = match (bytes, targets.partition_bytes_per_sec) {
        (Some(b), Some(limit)) => {
            Some(b.max_bytes_share * targets.peak_events_per_sec * b.mean_event_bytes / limit)
        }
        _ => None,
    };
    Capacity {
        hot_partition_utilization: u,
        utilization_at_horizon: u * growth,
        headroom: 1.0 - u,
        runway_months: runway_months(u, targets.max_utilization, targets.growth_per_month),
        hot_partition_utilization_upper: upper,
        utilization_at_horizon_upper: upper * growth,
        byte_utilization: byte_u,
        byte_utilization_at_horizon: byte_u.map(|b| b * growth),
        byte_basis: byte_u.and(bytes).map(|b| {
            if b.measured {
                "sample".to_string()
            } else {
                "mean_event_bytes".to_string()
            }
        }),
        replay: targets
            .retention_hours
            .map(|r| replay(max_share, r, targets)),
    }
}

/// The capacity figures of an analysed scenario: byte figures from the sample's sizes when it has them
/// (`total_bytes` over `events` bytes per event, the per-partition byte shares), otherwise from the
/// plan's `mean_event_bytes` with the event shares.
pub fn scenario_capacity(
    scenario: &super::Scenario,
    events: u64,
    total_bytes: Option<u64>,
    targets: &Targets,
) -> Capacity {
    let measured = match (&scenario.byte_metrics, total_bytes) {
        (Some(m), Some(b)) if events > 0 => Some(ByteLoad {
            max_bytes_share: m.max_share,
            mean_event_bytes: b as f64 / events as f64,
            measured: true,
        }),
        _ => None,
    };
    let bytes = measured.or_else(|| {
        targets.mean_event_bytes.map(|b| ByteLoad {
            max_bytes_share: scenario.metrics.max_share,
            mean_event_bytes: b,
            measured: false,
        })
    });
    capacity(
        scenario.metrics.max_share,
        scenario.stats.max_share_ci[1],
        bytes,
        targets,
    )
}

/// The average-based rule: Confluent's `partitions = max(t/p, t/c)`. Field names are part of the JSON
/// contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Naive {
    /// `t`: peak events/s at the horizon, `peak * (1 + g)^h`.
    pub target_events_per_sec: f64,
    /// `t / c`, with `c = consumer_events_per_sec`.
    pub consumer_bound: f64,
    /// `t / p`, with `p = partition_bytes_per_sec / mean_event_bytes` (only when both are known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub producer_bound: Option<f64>,
    /// `ceil(max(t/p, t/c))`, at least 1.
    pub partitions: u32,
}

/// The naive answer for `targets`; `mean_event_bytes` is the sample's or the plan's, when known.
pub fn naive(targets: &Targets, mean_event_bytes: Option<f64>) -> Naive {
    let t = targets.peak_at_horizon();
    let consumer_bound = t / targets.consumer_events_per_sec;
    let producer_bound = match (targets.partition_bytes_per_sec, mean_event_bytes) {
        (Some(p_bytes), Some(b)) if b > 0.0 => Some(t / (p_bytes / b)),
        _ => None,
    };
    let bound = consumer_bound.max(producer_bound.unwrap_or(0.0));
    Naive {
        target_events_per_sec: t,
        consumer_bound,
        producer_bound,
        partitions: ceil_count(bound),
    }
}

/// The fewest partitions that would keep every consumer within `max_utilization` if events spread
/// perfectly evenly: `ceil(t / (max_utilization * c))`. The gap between this and the naive rule is the
/// utilization ceiling; the gap between this and keyplan's answer is the skew of the key set.
pub fn even_spread_partitions(targets: &Targets) -> u32 {
    ceil_count(targets.peak_at_horizon() / targets.partition_capacity())
}

fn ceil_count(x: f64) -> u32 {
    // Tolerate float noise just above a whole number (e.g. 12.000000000000002).
    let c = (x - 1e-9).ceil();
    if c.is_finite() {
        c.clamp(1.0, f64::from(u32::MAX)) as u32
    } else {
        u32::MAX
    }
}

/// True when a key with `key_share` of the events alone exceeds one partition's capacity at the
/// horizon: `key_share * peak * (1+g)^h > max_utilization * c`. No partition count can fix that.
pub fn key_exceeds_partition(key_share: f64, targets: &Targets) -> bool {
    key_share * targets.peak_at_horizon() > targets.partition_capacity()
}

/// The limits of a plan's `[limits]` besides `max_utilization`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// Highest acceptable peak-to-mean skew.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_skew: Option<f64>,
    /// Lowest acceptable headroom today (`1 - hot_partition_utilization`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_headroom: Option<f64>,
    /// Most partitions the platform team accepts for one topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_partitions: Option<u32>,
    /// Highest acceptable share of events whose key changes partition when the topic goes from
    /// `current_partitions` to the scenario's count ([`remap_breach`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_events_moved: Option<f64>,
}

/// The `max_events_moved` breach of a scenario that moves `events_moved_share` of the events from the
/// current partition count, if any.
pub fn remap_breach(events_moved_share: f64, limits: &Limits) -> Option<Breach> {
    let m = limits.max_events_moved?;
    (events_moved_share > m).then(|| Breach {
        limit: "max_events_moved".to_string(),
        metric: "events_moved_share".to_string(),
        value: events_moved_share,
        threshold: m,
    })
}

/// One limit a scenario breaches. Field names are part of the JSON contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Breach {
    /// The limit's name in the plan (`max_utilization`, `max_skew`, `min_headroom`, `max_partitions`).
    pub limit: String,
    /// The figure checked against it (`utilization_at_horizon`, `skew`, ...).
    pub metric: String,
    /// The scenario's value of that figure.
    pub value: f64,
    /// The limit's value.
    pub threshold: f64,
}

/// Every limit the scenario (`partitions`, `skew`, `capacity`) breaches: `max_utilization` against the
/// utilization at the horizon (events, and bytes when known), then each `[limits]` entry.
pub fn breaches(
    partitions: u32,
    skew: f64,
    capacity: &Capacity,
    targets: &Targets,
    limits: &Limits,
) -> Vec<Breach> {
    let mut out = Vec::new();
    let mut over = |limit: &str, metric: &str, value: f64, threshold: f64, bad: bool| {
        if bad {
            out.push(Breach {
                limit: limit.to_string(),
                metric: metric.to_string(),
                value,
                threshold,
            });
        }
    };
    let max_u = targets.max_utilization;
    let u = capacity.utilization_at_horizon;
    over(
        "max_utilization",
        "utilization_at_horizon",
        u,
        max_u,
        u > max_u,
    );
    if let Some(b) = capacity.byte_utilization_at_horizon {
        over(
            "max_utilization",
            "byte_utilization_at_horizon",
            b,
            max_u,
            b > max_u,
        );
    }
    if let Some(m) = limits.max_skew {
        over("max_skew", "skew", skew, m, skew > m);
    }
    if let Some(m) = limits.min_headroom {
        let h = capacity.headroom;
        over("min_headroom", "headroom", h, m, h < m);
    }
    if let Some(m) = limits.max_partitions {
        let n = f64::from(partitions);
        over(
            "max_partitions",
            "partitions",
            n,
            f64::from(m),
            partitions > m,
        );
    }
    out
}

/// True when `partitions` splits evenly among every planned consumer group size (vacuously true when
/// none is planned).
pub fn divides_evenly(partitions: u32, group_sizes: &[u32]) -> bool {
    group_sizes
        .iter()
        .all(|&c| c > 0 && partitions.is_multiple_of(c))
}

/// A candidate as the recommendation sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// Partition count.
    pub partitions: u32,
    /// Its utilization at the horizon (tie-break: lower first).
    pub utilization_at_horizon: f64,
    /// True when it breaches no limit.
    pub feasible: bool,
}

/// The recommendation rule: among feasible candidates, the smallest count that divides evenly among
/// every planned consumer group size; when none does, the smallest feasible count. Ties (the same count
/// under several strategies or partitioners) go to the lower utilization at the horizon, then to the
/// earlier candidate. Returns the chosen index, or `None` when no candidate is feasible.
pub fn pick(candidates: &[Candidate], group_sizes: &[u32]) -> Option<usize> {
    let feasible = || candidates.iter().enumerate().filter(|(_, c)| c.feasible);
    let any_even = feasible().any(|(_, c)| divides_evenly(c.partitions, group_sizes));
    feasible()
        .filter(|(_, c)| !any_even || divides_evenly(c.partitions, group_sizes))
        .min_by(|(i, a), (j, b)| {
            a.partitions
                .cmp(&b.partitions)
                .then(
                    a.utilization_at_horizon
                        .total_cmp(&b.utilization_at_horizon),
                )
                .then(i.cmp(j))
        })
        .map(|(i, _)| i)
}

/// One point of a series for the unlucky-count rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeriesPoint {
    /// Which series (the same strategy and partitioner).
    pub series: usize,
    /// A group of series that may be compared at equal counts (the same strategy).
    pub group: usize,
    /// Partition count.
    pub partitions: u32,
    /// Peak-to-mean skew.
    pub skew: f64,
}

/// For each point, the index of a neighbour that does markedly better, if any: an adjacent candidate
/// count in the same series, or the same count in another series of the group, whose skew is more than
/// [`UNLUCKY_MARGIN`] lower. The best such neighbour (lowest skew, then earliest) is returned.
pub fn unlucky_neighbours(points: &[SeriesPoint]) -> Vec<Option<usize>> {
    points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut same: Vec<usize> = (0..points.len())
                .filter(|&j| points[j].series == p.series)
                .collect();
            same.sort_by_key(|&j| (points[j].partitions, j));
            let pos = same
                .iter()
                .position(|&j| j == i)
                .expect("i is in its series");
            let mut neighbours = Vec::new();
            if pos > 0 {
                neighbours.push(same[pos - 1]);
            }
            if pos + 1 < same.len() {
                neighbours.push(same[pos + 1]);
            }
            neighbours.extend((0..points.len()).filter(|&j| {
                j != i
                    && points[j].group == p.group
                    && points[j].series != p.series
                    && points[j].partitions == p.partitions
            }));
            neighbours
                .into_iter()
                .filter(|&j| points[j].skew < (1.0 - UNLUCKY_MARGIN) * p.skew)
                .min_by(|&a, &b| points[a].skew.total_cmp(&points[b].skew).then(a.cmp(&b)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets() -> Targets {
        Targets {
            peak_events_per_sec: 40_000.0,
            growth_per_month: 0.04,
            horizon_months: 24.0,
            consumer_events_per_sec: 2_500.0,
            max_utilization: 0.7,
            partition_bytes_per_sec: None,
            mean_event_bytes: None,
            retention_hours: None,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn utilization_follows_its_definition() {
        let t = targets();
        // 10% of 40,000/s = 4,000/s on one consumer of 2,500/s.
        let c = capacity(0.1, 0.12, None, &t);
        assert!(close(c.hot_partition_utilization, 1.6));
        assert!(close(c.utilization_at_horizon, 1.6 * 1.04f64.powi(24)));
        assert!(close(c.headroom, -0.6));
        assert_eq!(c.runway_months, Some(0.0));
        assert!(close(c.hot_partition_utilization_upper, 0.12 * 16.0));
        assert!(close(
            c.utilization_at_horizon_upper,
            0.12 * 16.0 * 1.04f64.powi(24)
        ));
        assert_eq!(c.byte_utilization, None);
    }

    /// Hand-computed: 5% of 40,000 ev/s = 2,000 ev/s on a consumer of 2,500 ev/s (u = 0.8). 24 hours
    /// retained = 172.8 M events, cleared at 500 ev/s: 345,600 s = 96 h = 24 * 0.8 / 0.2.
    #[test]
    fn replay_by_hand() {
        let t = Targets {
            retention_hours: Some(24.0),
            ..targets()
        };
        let r = capacity(0.05, 0.05, None, &t).replay.unwrap();
        assert!(close(r.backlog_events, 172_800_000.0));
        assert!(close(r.catch_up_events_per_sec, 500.0));
        assert!(close(r.replay_hours.unwrap(), 96.0));
        // At the horizon u = 0.8 * 1.04^24 > 1: never.
        assert_eq!(r.replay_hours_at_horizon, None);
        assert_eq!(replay_hours(1.0, 24.0), None);
        assert!(close(replay_hours(0.5, 10.0).unwrap(), 10.0));
        assert_eq!(replay_hours(0.0, 10.0), Some(0.0));
        assert_eq!(capacity(0.05, 0.05, None, &targets()).replay, None);
    }

    #[test]
    fn runway_under_compound_growth() {
        // 0.35 doubles to 0.7 in ln 2 / ln 1.04 months.
        let m = runway_months(0.35, 0.7, 0.04).unwrap();
        assert!(close(m, 2f64.ln() / 1.04f64.ln()));
        assert!(close(0.35 * 1.04f64.powf(m), 0.7));
        assert_eq!(runway_months(0.8, 0.7, 0.04), Some(0.0));
        assert_eq!(runway_months(0.7, 0.7, 0.0), Some(0.0));
        assert_eq!(runway_months(0.3, 0.7, 0.0), None);
        assert_eq!(runway_months(0.3, 0.7, -0.01), None);
        assert_eq!(runway_months(0.0, 0.7, 0.04), None);
    }

    #[test]
    fn byte_utilization_from_sample_or_mean() {
        let t = Targets {
            partition_bytes_per_sec: Some(1_000_000.0),
            ..targets()
        };
        let measured = ByteLoad {
            max_bytes_share: 0.2,
            mean_event_bytes: 500.0,
            measured: true,
        };
        let c = capacity(0.1, 0.1, Some(measured), &t);
        // 20% of 40,000 ev/s x 500 B = 4 MB/s against 1 MB/s.
        assert!(close(c.byte_utilization.unwrap(), 4.0));
        assert!(close(
            c.byte_utilization_at_horizon.unwrap(),
            4.0 * t.growth_factor()
        ));
        assert_eq!(c.byte_basis.as_deref(), Some("sample"));
        let assumed = ByteLoad {
            measured: false,
            ..measured
        };
        let c = capacity(0.1, 0.1, Some(assumed), &t);
        assert_eq!(c.byte_basis.as_deref(), Some("mean_event_bytes"));
        // No byte target: no byte figures.
        assert_eq!(
            capacity(0.1, 0.1, Some(measured), &targets()).byte_basis,
            None
        );
    }

    #[test]
    fn naive_rule() {
        let t = targets();
        let n = naive(&t, None);
        let horizon = 40_000.0 * 1.04f64.powi(24);
        assert!(close(n.target_events_per_sec, horizon));
        assert!(close(n.consumer_bound, horizon / 2_500.0));
        assert_eq!(n.producer_bound, None);
        assert_eq!(n.partitions, (horizon / 2_500.0).ceil() as u32);
        let t = Targets {
            partition_bytes_per_sec: Some(1_000_000.0),
            horizon_months: 0.0,
            ..targets()
        };
        // Producer side: 1 MB/s / 1,000 B = 1,000 ev/s per partition -> 40 partitions.
        let n = naive(&t, Some(1_000.0));
        assert!(close(n.producer_bound.unwrap(), 40.0));
        assert_eq!(n.partitions, 40);
        assert_eq!(even_spread_partitions(&t), 23); // 40,000 / 1,750 = 22.86
    }

    #[test]
    fn hot_key_against_partition_capacity() {
        let t = Targets {
            horizon_months: 0.0,
            ..targets()
        };
        // Capacity 1,750 ev/s: 4.375% of 40,000 is exactly at it.
        assert!(!key_exceeds_partition(0.04375, &t));
        assert!(key_exceeds_partition(0.044, &t));
    }

    #[test]
    fn limits_are_checked() {
        let t = targets();
        let c = capacity(0.01, 0.012, None, &t);
        let none = breaches(24, 1.2, &c, &t, &Limits::default());
        assert!(none.is_empty(), "{none:?}");
        let limits = Limits {
            max_skew: Some(1.1),
            min_headroom: Some(0.9),
            max_partitions: Some(12),
            max_events_moved: Some(0.5),
        };
        assert!(remap_breach(0.5, &limits).is_none());
        assert_eq!(
            remap_breach(0.51, &limits).unwrap().limit,
            "max_events_moved"
        );
        assert!(remap_breach(0.9, &Limits::default()).is_none());
        let b = breaches(24, 1.2, &c, &t, &limits);
        let names: Vec<&str> = b.iter().map(|b| b.limit.as_str()).collect();
        assert_eq!(names, ["max_skew", "min_headroom", "max_partitions"]);
        let hot = capacity(0.2, 0.2, None, &t);
        assert_eq!(
            breaches(24, 1.2, &hot, &t, &Limits::default())[0].limit,
            "max_utilization"
        );
    }

    #[test]
    fn pick_prefers_even_counts_then_smallest() {
        let c = |partitions, feasible| Candidate {
            partitions,
            utilization_at_horizon: 0.5,
            feasible,
        };
        let cands = [c(6, false), c(8, true), c(12, true), c(24, true)];
        assert_eq!(pick(&cands, &[3, 6]), Some(2)); // 12: smallest feasible divisible by 3 and 6
        assert_eq!(pick(&cands, &[]), Some(1)); // no consumer plan: smallest feasible
        assert_eq!(pick(&cands, &[7]), Some(1)); // none divides: smallest feasible
        assert_eq!(pick(&[c(6, false)], &[3]), None);
        let tie = [
            Candidate {
                utilization_at_horizon: 0.6,
                ..c(12, true)
            },
            c(12, true),
        ];
        assert_eq!(pick(&tie, &[]), Some(1));
    }

    #[test]
    fn unlucky_counts() {
        let p = |series, partitions, skew| SeriesPoint {
            series,
            group: 0,
            partitions,
            skew,
        };
        let points = [
            p(0, 12, 1.5),
            p(0, 13, 1.2),
            p(0, 14, 1.45),
            p(1, 12, 1.3),
            p(1, 13, 1.25),
        ];
        let u = unlucky_neighbours(&points);
        assert_eq!(u[0], Some(1)); // 13 beats 12 by 20% in the same series
        assert_eq!(u[1], None);
        assert_eq!(u[2], Some(1)); // 1.2 < 0.9 * 1.45
        assert_eq!(u[3], None); // 1.3 vs 1.5 of the other series at 12 is worse, 13 is 3.8% lower
        assert_eq!(u[4], None);
    }
}
