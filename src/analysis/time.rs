//! Time: per-partition events per time window, bursts, a lag simulation against the consumers, and
//! the series the charts draw (README, "Time windows, lag and replay").
//!
//! Input is the run's per-key window counts ([`WindowCounts`], windows aligned to multiples of their
//! length since the Unix epoch) keyed by index into the [`KeyDistribution`]: each distinct key is
//! placed once per scenario from the hash already computed for the loads, and every (key, window) cell
//! follows its key. Definitions, with `E[p][w]` the events on partition `p` in window `w`, the windows
//! `w = 0 .. windows-1` running from the first to the last window holding an event (empty ones
//! included) and `W` the window length in seconds:
//! - `peak_window_events[p] = max_w E[p][w]`; `max_peak_window_events` its maximum over partitions,
//!   on `peak_partition` (the lowest index among equals);
//! - `burst_factor = max_peak_window_events / (L / windows)` with `L = sum_w E[peak_partition][w]`: the
//!   busiest window of that partition over its mean window;
//! - the lag simulation scales every window by `scale = peak_events_per_sec / (max_w sum_p E[p][w] /
//!   W)`, so the busiest window of the whole topic arrives at the target peak, then runs
//!   `lag_w = max(0, lag_{w-1} + scale * E[p][w] - c * W)` from `lag_{-1} = 0` for every partition
//!   ([`simulate_lag`]).
//!
//! Events of keys a client places at random are spread evenly over the partitions within each window
//! (`r / n` each, the remainder one each on the lowest indices), as the loads spread them; keys the
//! client refuses are on no partition and left out.

use serde::{Deserialize, Serialize};

use crate::analysis::HashColumn;
use crate::model::{KeyDistribution, PartitionCount, WindowCounts};
use crate::partitioner::{Partitioner, Placement};

/// The most points of a [`WindowSeries`]; longer spans are bucketed (each point the busiest window of
/// its bucket), which keeps a chart readable and the JSON small.
pub const MAX_SERIES_POINTS: usize = 500;

/// Partitions x windows up to which per-partition windows are counted in one dense table; past it,
/// cells are grouped per partition by sorting (memory then grows with cells, not with the span).
const DENSE_CELLS: u64 = 1 << 22;

/// What the lag simulation runs against (the capacity targets).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LagTarget {
    /// The topic's peak events per second (`peak_events_per_sec`).
    pub peak_events_per_sec: f64,
    /// Events per second one consumer processes from one partition (`consumer_events_per_sec`).
    pub consumer_events_per_sec: f64,
}

/// The hottest-in-window partition's events per window, for charts. Field names are part of the JSON
/// contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowSeries {
    /// The partition drawn (`peak_partition`).
    pub partition: u32,
    /// Consecutive windows per point: 1 when the span has at most [`MAX_SERIES_POINTS`] windows,
    /// otherwise `ceil(windows / 500)`, and each point is the busiest window of its bucket.
    pub windows_per_point: u64,
    /// Events per point, from the first window on.
    pub events: Vec<u64>,
}

/// The lag simulation of one scenario (its worst partition). Field names are part of the JSON contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LagSimulation {
    /// The factor every observed window count is multiplied by: `peak_events_per_sec` over the busiest
    /// observed window of the whole topic, in events per second.
    pub scale: f64,
    /// The busiest observed window of the whole topic (all partitions), in events per second.
    pub observed_peak_events_per_sec: f64,
    /// `consumer_events_per_sec * window_seconds`: what one consumer clears per window.
    pub consumer_events_per_window: f64,
    /// The largest lag of any partition at the end of any window, in events (scaled).
    pub max_lag_events: f64,
    /// `max_lag_events / consumer_events_per_sec`: how far behind that consumer is.
    pub max_lag_seconds: f64,
    /// The partition with that lag (the lowest index among equals); null when no partition lags.
    pub partition: Option<u32>,
    /// The start of the window at whose end the lag peaks (ms since the epoch).
    pub max_lag_window_start_ms: Option<i64>,
    /// Seconds from the end of that window until the partition's lag is back to 0, arrivals spread
    /// evenly within each window; past the observed span the partition keeps its mean (scaled)
    /// arrival rate. 0 when nothing lags; null ("never") when the lag outlives the span and that mean
    /// rate is at or above the consumer's.
    pub drain_seconds: Option<f64>,
    /// Partitions whose lag is above 0 at the end of some window.
    pub partitions_lagging: u32,
}

/// Per-window figures of one scenario. Field names are part of the JSON contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeProfile {
    /// The window length in seconds.
    pub window_seconds: f64,
    /// Windows from the first to the last window holding an event, empty ones included.
    pub windows: u64,
    /// The start of the first window (ms since the Unix epoch; windows start at multiples of their
    /// length).
    pub first_window_start_ms: i64,
    /// Events with a time that the client places on a partition (the windows' total).
    pub timed_events: u64,
    /// Per partition index: the most events in any one window.
    pub peak_window_events: Vec<u64>,
    /// The maximum of `peak_window_events`.
    pub max_peak_window_events: u64,
    /// `max_peak_window_events / window_seconds`.
    pub peak_window_events_per_sec: f64,
    /// The partition holding it (the lowest index among equals).
    pub peak_partition: u32,
    /// The start of that window (the first among equals), ms since the epoch.
    pub peak_window_start_ms: i64,
    /// `max_peak_window_events` over the mean window of `peak_partition` (its timed events / windows);
    /// null without timed events.
    pub burst_factor: Option<f64>,
    /// The peak partition's events per window, for charts.
    pub series: WindowSeries,
    /// The lag simulation, with capacity targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lag: Option<LagSimulation>,
}

/// The result of running the lag recurrence over one partition.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LagRun {
    /// The largest lag at the end of a window, in events.
    pub max_lag: f64,
    /// The window index at whose end it is reached first (None when the lag never exceeds 0).
    pub max_at: Option<u64>,
    /// Seconds from the end of that window until the lag is back to 0 (see
    /// [`LagSimulation::drain_seconds`]); None when it never drains.
    pub drain_seconds: Option<f64>,
}

/// Runs `lag_w = max(0, lag_{w-1} + a_w - c * W)` over `windows` windows of `window_seconds` each, with
/// arrivals `a_w` given sparsely as `(window index, arrivals)` in increasing index order (absent
/// windows have none) and `c` the consumer's events per second.
///
/// Within a window arrivals are spread evenly, so a lag that drains does so at
/// `lag_{w-1} / (c - a_w / W)` seconds into the window. A lag left at the end of the span drains at
/// `c - mean`, `mean` the arrivals' mean rate over the span, or never when `mean >= c`.
pub fn simulate_lag(
    arrivals: impl IntoIterator<Item = (u64, f64)>,
    windows: u64,
    window_seconds: f64,
    consumer_per_sec: f64,
) -> LagRun {
    let per_window = consumer_per_sec * window_seconds;
    let mut lag = 0.0_f64;
    let mut run = LagRun {
        max_lag: 0.0,
        max_at: None,
        drain_seconds: Some(0.0),
    };
    // Seconds since the end of the max window while the lag has not drained; None once drained.
    let mut draining: Option<f64> = None;
    let mut total = 0.0;
    // Empty windows: the consumer clears `per_window` each.
    let idle = |lag: &mut f64, draining: &mut Option<f64>, run: &mut LagRun, gap: u64| {
        if gap == 0 || *lag <= 0.0 {
            return;
        }
        let capacity = per_window * gap as f64;
        if let Some(t) = draining.as_mut() {
            if capacity >= *lag {
                run.drain_seconds = Some(*t + *lag / consumer_per_sec);
                *draining = None;
            } else {
                *t += window_seconds * gap as f64;
            }
        }
        *lag = (*lag - capacity).max(0.0);
    };
    let mut next = 0u64;
    for (w, a) in arrivals {
        debug_assert!(
            w >= next && w < windows,
            "arrivals in increasing window order"
        );
        idle(&mut lag, &mut draining, &mut run, w - next);
        total += a;
        let end = lag + a - per_window;
        if let Some(t) = draining.as_mut() {
            if end <= 0.0 {
                let net = consumer_per_sec - a / window_seconds;
                run.drain_seconds = Some(*t + lag / net);
                draining = None;
            } else {
                *t += window_seconds;
            }
        }
        lag = end.max(0.0);
        if lag > run.max_lag {
            run.max_lag = lag;
            run.max_at = Some(w);
            draining = Some(0.0);
            run.drain_seconds = None;
        }
        next = w + 1;
    }
    idle(
        &mut lag,
        &mut draining,
        &mut run,
        windows.saturating_sub(next),
    );
    if let Some(t) = draining {
        let mean = total / (windows as f64 * window_seconds);
        run.drain_seconds = (consumer_per_sec > mean).then(|| t + lag / (consumer_per_sec - mean));
    }
    run
}

/// Per-partition window counts of one scenario, grouped so each partition's windows can be walked in
/// time order.
enum Grouped {
    /// `partitions x windows`, row-major.
    Dense { table: Vec<u64>, span: usize },
    /// `(window, events)` per partition, each slice sorted by window with repeats summed.
    Sparse {
        cells: Vec<(u64, u64)>,
        offsets: Vec<usize>,
    },
}

impl Grouped {
    /// Partition `p`'s windows with events, in time order.
    fn partition(&self, p: usize) -> Vec<(u64, u64)> {
        match self {
            Grouped::Dense { table, span } => table[p * span..(p + 1) * span]
                .iter()
                .enumerate()
                .filter(|(_, &e)| e > 0)
                .map(|(w, &e)| (w as u64, e))
                .collect(),
            Grouped::Sparse { cells, offsets } => cells[offsets[p]..offsets[p + 1]].to_vec(),
        }
    }
}

/// The time profile of `partitioner` at `n` partitions, from the run's window counts; `hashes` are the
/// keys' hashes under the partitioner's family (in the distribution's order). None when no event has a
/// time. With `lag`, the lag simulation is added.
pub fn profile(
    dist: &KeyDistribution,
    hashes: &HashColumn,
    windows: &WindowCounts,
    partitioner: Partitioner,
    n: PartitionCount,
    lag: Option<LagTarget>,
) -> Option<TimeProfile> {
    profile_with(dist, hashes, windows, partitioner, n, lag, DENSE_CELLS)
}

/// [`profile`], counting densely up to `dense_limit` partitions x windows.
fn profile_with(
    dist: &KeyDistribution,
    hashes: &HashColumn,
    windows: &WindowCounts,
    partitioner: Partitioner,
    n: PartitionCount,
    lag: Option<LagTarget>,
    dense_limit: u64,
) -> Option<TimeProfile> {
    let window_ms = windows.window_ms;
    let first = windows.cells.iter().map(|c| c.1).min()?;
    let last = windows.cells.iter().map(|c| c.1).max()?;
    let span = ((last - first) / window_ms) as u64 + 1;
    let parts = n.as_usize();
    let keys = dist.keys();
    let placements: Vec<Placement> = keys
        .iter()
        .zip(hashes.iter())
        .map(|(k, h)| partitioner.place(k, h, n))
        .collect();
    let index = |start: i64| ((start - first) / window_ms) as u64;
    // Randomly placed events per window, spread evenly afterwards.
    let mut random: Vec<(u64, u64)> = Vec::new();
    let dense = (parts as u64).saturating_mul(span) <= dense_limit;
    let mut grouped = if dense {
        Grouped::Dense {
            table: vec![0; parts * span as usize],
            span: span as usize,
        }
    } else {
        Grouped::Sparse {
            cells: Vec::new(),
            offsets: Vec::new(),
        }
    };
    let mut tagged: Vec<(u32, u64, u64)> = Vec::new();
    for &(k, start, events) in &windows.cells {
        let w = index(start);
        match placements[k as usize] {
            Placement::Partition(p) => match &mut grouped {
                Grouped::Dense { table, span } => table[p as usize * *span + w as usize] += events,
                Grouped::Sparse { .. } => tagged.push((p, w, events)),
            },
            Placement::Random => random.push((w, events)),
            Placement::Invalid => {}
        }
    }
    if let Grouped::Sparse { cells, offsets } = &mut grouped {
        tagged.sort_unstable_by_key(|c| (c.0, c.1));
        let mut counts = vec![0usize; parts + 1];
        for (p, w, e) in tagged {
            if let Some(last) = cells.last_mut().filter(|_| counts[p as usize + 1] > 0) {
                let last: &mut (u64, u64) = last;
                if last.0 == w {
                    last.1 += e;
                    continue;
                }
            }
            cells.push((w, e));
            counts[p as usize + 1] += 1;
        }
        for p in 0..parts {
            counts[p + 1] += counts[p];
        }
        *offsets = counts;
    }
    random.sort_unstable();
    let random = merge_sorted(random);
    let spread = |p: usize, r: u64| r / parts as u64 + u64::from((p as u64) < r % parts as u64);
    // Partition p's windows with its share of the random events, in time order.
    let sequence = |p: usize| -> Vec<(u64, u64)> {
        let own = grouped.partition(p);
        if random.is_empty() {
            return own;
        }
        let mut out = Vec::with_capacity(own.len() + random.len());
        let (mut i, mut j) = (0, 0);
        while i < own.len() || j < random.len() {
            let (w, e) = match (own.get(i), random.get(j)) {
                (Some(a), Some(b)) if a.0 == b.0 => {
                    i += 1;
                    j += 1;
                    (a.0, a.1 + spread(p, b.1))
                }
                (Some(a), Some(b)) if a.0 < b.0 => {
                    i += 1;
                    *a
                }
                (Some(a), None) => {
                    i += 1;
                    *a
                }
                (_, Some(b)) => {
                    j += 1;
                    (b.0, spread(p, b.1))
                }
                (None, None) => unreachable!("loop condition"),
            };
            if e > 0 {
                out.push((w, e));
            }
        }
        out
    };
    let mut peaks = vec![0u64; parts];
    let mut peak_at = vec![0u64; parts];
    let mut totals = vec![0u64; parts];
    for p in 0..parts {
        let seq = sequence(p);
        for &(w, e) in &seq {
            totals[p] += e;
            if e > peaks[p] {
                peaks[p] = e;
                peak_at[p] = w;
            }
        }
    }
    let timed_events: u64 = totals.iter().sum();
    let (peak_partition, &max_peak) = peaks
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
        .expect("at least one partition");
    let window_seconds = window_ms as f64 / 1000.0;
    let mean_window = totals[peak_partition] as f64 / span as f64;
    let series = series(&sequence(peak_partition), span, peak_partition as u32);
    let lag = lag.and_then(|target| {
        let observed = busiest_window(windows, &placements, first, span)? as f64 / window_seconds;
        let scale = target.peak_events_per_sec / observed;
        let c = target.consumer_events_per_sec;
        let mut worst: Option<(usize, LagRun)> = None;
        let mut lagging = 0u32;
        for p in 0..parts {
            let seq = sequence(p);
            let run = simulate_lag(
                seq.iter().map(|&(w, e)| (w, e as f64 * scale)),
                span,
                window_seconds,
                c,
            );
            if run.max_lag > 0.0 {
                lagging += 1;
                if worst.is_none_or(|(_, b)| run.max_lag > b.max_lag) {
                    worst = Some((p, run));
                }
            }
        }
        Some(LagSimulation {
            scale,
            observed_peak_events_per_sec: observed,
            consumer_events_per_window: c * window_seconds,
            max_lag_events: worst.map_or(0.0, |w| w.1.max_lag),
            max_lag_seconds: worst.map_or(0.0, |w| w.1.max_lag / c),
            partition: worst.map(|w| w.0 as u32),
            max_lag_window_start_ms: worst
                .and_then(|w| w.1.max_at)
                .map(|w| first + w as i64 * window_ms),
            drain_seconds: worst.map_or(Some(0.0), |w| w.1.drain_seconds),
            partitions_lagging: lagging,
        })
    });
    Some(TimeProfile {
        window_seconds,
        windows: span,
        first_window_start_ms: first,
        timed_events,
        max_peak_window_events: max_peak,
        peak_window_events_per_sec: max_peak as f64 / window_seconds,
        peak_partition: peak_partition as u32,
        peak_window_start_ms: first + peak_at[peak_partition] as i64 * window_ms,
        burst_factor: (mean_window > 0.0).then(|| max_peak as f64 / mean_window),
        peak_window_events: peaks,
        series,
        lag,
    })
}

/// The most events the whole topic (every key the client accepts) has in one window: the sum over
/// partitions does not depend on the partition count. Counted in one table of `span` windows when it
/// is small enough, by sorting the cells otherwise. None without accepted events.
fn busiest_window(
    windows: &WindowCounts,
    placements: &[Placement],
    first: i64,
    span: u64,
) -> Option<u64> {
    let accepted = windows
        .cells
        .iter()
        .filter(|c| placements[c.0 as usize] != Placement::Invalid)
        .map(|c| (((c.1 - first) / windows.window_ms) as u64, c.2));
    let busiest = if span <= DENSE_CELLS {
        let mut table = vec![0u64; span as usize];
        for (w, e) in accepted {
            table[w as usize] += e;
        }
        table.into_iter().max()
    } else {
        let mut cells: Vec<(u64, u64)> = accepted.collect();
        cells.sort_unstable();
        merge_sorted(cells).into_iter().map(|c| c.1).max()
    };
    busiest.filter(|&e| e > 0)
}

/// Sums the events of equal windows in a list sorted by window.
fn merge_sorted(cells: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(cells.len());
    for (w, e) in cells {
        match out.last_mut() {
            Some(last) if last.0 == w => last.1 += e,
            _ => out.push((w, e)),
        }
    }
    out
}

/// At most [`MAX_SERIES_POINTS`] points over `windows` windows: each point the busiest window of
/// `ceil(windows / MAX_SERIES_POINTS)` consecutive ones.
fn series(seq: &[(u64, u64)], windows: u64, partition: u32) -> WindowSeries {
    let per_point = windows.div_ceil(MAX_SERIES_POINTS as u64).max(1);
    let mut events = vec![0u64; windows.div_ceil(per_point) as usize];
    for &(w, e) in seq {
        let point = &mut events[(w / per_point) as usize];
        *point = (*point).max(e);
    }
    WindowSeries {
        partition,
        windows_per_point: per_point,
        events,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::KeyHashes;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * b.abs().max(1.0)
    }

    /// Hand-computed: consumer 10 ev/s, windows of 1 s. Arrivals 30, 0, 5, 0, ...: lag 20, 10, 5, 0.
    #[test]
    fn lag_recurrence_by_hand() {
        let run = simulate_lag([(0, 30.0), (2, 5.0)], 6, 1.0, 10.0);
        assert!(close(run.max_lag, 20.0));
        assert_eq!(run.max_at, Some(0));
        // After window 0: lag 20 (the max). Window 1 (empty): 10. Window 2 (5 arrive): 5. Window 3
        // (empty) clears the 5 in 0.5 s: 2.5 s after the end of window 0.
        assert!(close(run.drain_seconds.unwrap(), 1.0 + 1.0 + 0.5));
    }

    #[test]
    fn lag_drains_inside_a_window() {
        // 15 in window 0 (lag 5), then 4 in window 1: net 6/s clears 5 in 5/6 s.
        let run = simulate_lag([(0, 15.0), (1, 4.0)], 2, 1.0, 10.0);
        assert!(close(run.max_lag, 5.0));
        assert!(close(run.drain_seconds.unwrap(), 5.0 / 6.0));
        // Never over capacity: no lag, drained at once.
        let run = simulate_lag([(0, 10.0), (3, 2.0)], 4, 1.0, 10.0);
        assert_eq!(run.max_lag, 0.0);
        assert_eq!(run.max_at, None);
        assert_eq!(run.drain_seconds, Some(0.0));
    }

    #[test]
    fn lag_left_at_the_end() {
        // Windows of 2 s, consumer 5 ev/s (10 per window). Arrivals 20, 20: lag 10, 20 at the end.
        // Mean rate 40 / 4 s = 10 ev/s >= 5: never drains.
        let run = simulate_lag([(0, 20.0), (1, 20.0)], 2, 2.0, 5.0);
        assert!(close(run.max_lag, 20.0));
        assert_eq!(run.max_at, Some(1));
        assert_eq!(run.drain_seconds, None);
        // Same arrivals over 10 windows (20 s): after window 1 the lag of 20 drains over two empty
        // windows, exactly at their end: 4 s.
        let run = simulate_lag([(0, 20.0), (1, 20.0)], 10, 2.0, 5.0);
        assert!(close(run.drain_seconds.unwrap(), 4.0));
        // Over 3 windows: 10 left at the end of the span (6 s); mean 40/6 ev/s, so 10 / (5 - 40/6)
        // would be negative: mean >= c -> never.
        let run = simulate_lag([(0, 20.0), (1, 20.0)], 3, 2.0, 5.0);
        assert_eq!(run.drain_seconds, None);
        // A low mean drains past the span: 30 in window 0 of 10 windows, c = 1/s, W = 1 s: lag 29 at
        // the end of window 0, 20 at the end of the span (9 s on); mean 3/s >= 1 -> never. With
        // c = 4/s: lag 26, drains after 26/4 = 6.5 s (within the span).
        let run = simulate_lag([(0, 30.0)], 10, 1.0, 4.0);
        assert!(close(run.max_lag, 26.0));
        assert!(close(run.drain_seconds.unwrap(), 6.5));
        // Span of 3 windows, c = 4/s: 26 - 8 = 18 left, mean 30/3 = 10 >= 4 -> never.
        assert_eq!(simulate_lag([(0, 30.0)], 3, 1.0, 4.0).drain_seconds, None);
        // Span of 3 windows, 12 in window 0, c = 5/s: lag 7, 0 after 1.4 s (the first empty window).
        let run = simulate_lag([(0, 12.0)], 3, 1.0, 5.0);
        assert!(close(run.drain_seconds.unwrap(), 1.4));
    }

    #[test]
    fn lag_drains_past_the_span_at_the_mean_rate() {
        // One window of 10 s, 100 arrive, c = 5/s: lag 50 at its end; mean 10/s >= 5: never.
        assert_eq!(simulate_lag([(0, 100.0)], 1, 10.0, 5.0).drain_seconds, None);
        // Two windows of 10 s, 100 in the second, c = 8/s: lag 20; mean 5/s: 20 / 3 s.
        let run = simulate_lag([(1, 100.0)], 2, 10.0, 8.0);
        assert!(close(run.max_lag, 20.0));
        assert!(close(run.drain_seconds.unwrap(), 20.0 / 3.0));
    }

    #[test]
    fn series_is_capped_by_bucket_maxima() {
        let seq: Vec<(u64, u64)> = (0..1200).map(|w| (w, w % 7)).collect();
        let s = series(&seq, 1200, 3);
        assert_eq!(s.windows_per_point, 3);
        assert_eq!(s.events.len(), 400);
        assert_eq!(s.events[0], 2); // windows 0, 1, 2
        assert_eq!(s.events[2], 6); // windows 6, 7, 8 -> 6, 0, 1
        let s = series(&[(4, 9)], 5, 0);
        assert_eq!((s.windows_per_point, s.events), (1, vec![0, 0, 0, 0, 9]));
        let s = series(&[], 1001, 0);
        assert_eq!((s.windows_per_point, s.events.len()), (3, 334));
    }

    /// Peaks per partition equal a direct count from (key, window) rows, dense and sparse alike.
    #[test]
    fn profile_counts_each_partition() {
        let owned: Vec<Vec<u8>> = (0..40).map(|i| format!("k{i}").into_bytes()).collect();
        let mut rows: Vec<(usize, i64)> = Vec::new();
        for i in 0..40usize {
            for t in 0..(i % 5 + 1) {
                rows.push((i, (i as i64 * 7 + t as i64 * 13) % 50 * 1000));
            }
        }
        let mut weights = vec![0u64; 40];
        for r in &rows {
            weights[r.0] += 1;
        }
        let dist =
            KeyDistribution::from_pairs(owned.iter().zip(&weights).map(|(k, &w)| (&k[..], w)));
        let pos = |k: &[u8]| dist.keys().iter().position(|d| d == k).unwrap() as u32;
        let mut cells: Vec<(u32, i64, u64)> = Vec::new();
        for &(i, t) in &rows {
            let start = crate::model::facets::window_start(t, 5000);
            cells.push((pos(&owned[i]), start, 1));
        }
        cells.sort_unstable();
        let windows = WindowCounts {
            window_ms: 5000,
            cells,
        };
        let p = Partitioner::Java;
        let n = PartitionCount::new(4).unwrap();
        let hashes = KeyHashes::compute(&dist, &[p]);
        let prof = profile(&dist, hashes.get(p.family()), &windows, p, n, None).unwrap();
        let mut direct = std::collections::HashMap::<(u32, i64), u64>::new();
        for &(i, t) in &rows {
            let Placement::Partition(q) = p.partition_of(&owned[i], n) else {
                panic!()
            };
            *direct.entry((q, t.div_euclid(5000))).or_default() += 1;
        }
        for q in 0..4 {
            let peak = direct
                .iter()
                .filter(|e| e.0 .0 == q)
                .map(|e| *e.1)
                .max()
                .unwrap_or(0);
            assert_eq!(prof.peak_window_events[q as usize], peak);
        }
        assert_eq!(prof.windows, 10);
        assert_eq!(prof.timed_events, rows.len() as u64);
        let target = LagTarget {
            peak_events_per_sec: 10.0,
            consumer_events_per_sec: 1.0,
        };
        let h = hashes.get(p.family());
        let with_lag = profile(&dist, h, &windows, p, n, Some(target)).unwrap();
        let lag = with_lag.lag.clone().unwrap();
        assert!(lag.max_lag_events > 0.0);
        assert_eq!(with_lag.peak_window_events, prof.peak_window_events);
        // The sparse path gives the same profile.
        let sparse = profile_with(&dist, h, &windows, p, n, Some(target), 0).unwrap();
        assert_eq!(sparse, with_lag);
        // Randomly placed keys (the empty key under librdkafka) are spread within each window.
        let mut random_cells = windows.clone();
        let dist2 = KeyDistribution::from_pairs([(&b""[..], 7), (&b"a"[..], 1)]);
        random_cells.cells = vec![(0, 0, 7), (1, 5000, 1)];
        let lib = Partitioner::Librdkafka;
        let h2 = KeyHashes::compute(&dist2, &[lib]);
        let prof = profile(&dist2, h2.get(lib.family()), &random_cells, lib, n, None).unwrap();
        assert_eq!(prof.timed_events, 8);
        assert_eq!(
            prof.peak_window_events.iter().filter(|&&e| e == 2).count(),
            3
        );
        let sparse = profile_with(&dist2, h2.get(lib.family()), &random_cells, lib, n, None, 0);
        assert_eq!(sparse.unwrap(), prof);
    }
}
