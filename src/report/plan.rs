//! The reports of `keyplan plan` (a design review: every strategy x partitioner x count with capacity,
//! consumer loads, the naive rule and a recommendation) and `keyplan check` (the design's breaches).
//!
//! Every figure is derived here from the engine's outcomes with [`crate::analysis::capacity`] and
//! [`crate::analysis::consumers`], before any writer runs. JSON field names are the public contract
//! (`schema` = [`PLAN_SCHEMA`] / [`CHECK_SCHEMA`]): extend, never rename.

use serde::{Deserialize, Serialize};

use super::analysis::{
    hot_partition_keys, key_concentration, HotPartitionKey, OrderingReport, StrategyReport, TopKey,
};
use super::document::{Block, Document};
use super::table::{Align, Table};
use super::{group_digits, percent, Provenance};
use crate::analysis::capacity::{
    self, Breach, Candidate, Capacity, Limits, Naive, SeriesPoint, Targets,
};
use crate::analysis::consumers::{consumer_loads, ConsumerLoad};
use crate::analysis::ordering::KeyVsEntity;
use crate::analysis::remap::{self, RemapFromCurrent};
use crate::analysis::time::{LagTarget, TimeProfile};
use crate::analysis::{LoadMetrics, Scenario, ScenarioStats};
use crate::engine::{self, Exactness, Outcome};
use crate::model::PartitionCount;
use crate::settings::plan::Plan;

/// Schema id of `plan`'s report.json.
pub const PLAN_SCHEMA: &str = "keyplan.report/v1";
/// Schema id of `check --format json`.
pub const CHECK_SCHEMA: &str = "keyplan.check/v1";

/// What the report says about multi-topic subscriptions and the assignors (method notes).
const ASSIGNOR_NOTE: &str = "Consumer loads assume one topic per consumer group, partitions and \
    members in id order, and a fresh group (cooperative-sticky then assigns like roundrobin: partition \
    p to consumer p mod C; range gives consumer j a contiguous block of N/C partitions, one more for \
    the first N%C). Multi-topic subscriptions are out of scope.";

/// One key strategy's sample. Field names are part of the JSON contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategySummary {
    /// The strategy's name.
    pub name: String,
    /// Its key expression.
    pub key: String,
    /// Its key template, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_template: Option<String>,
    /// Events in the sample.
    pub events: u64,
    /// Distinct keys (an estimate when `approximate`).
    pub distinct_keys: u64,
    /// Share of events on the heaviest key (an upper bound when `approximate`).
    pub top_key_share: f64,
    /// True when the sample had too many distinct keys to count exactly (loads stay exact).
    pub approximate: bool,
    /// Mean payload bytes per event, when the sample has sizes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_event_bytes: Option<f64>,
    /// The heaviest keys.
    pub top_keys: Vec<TopKey>,
    /// Keys that alone exceed one partition's capacity at the horizon (see `HotKey`).
    pub hot_keys: Vec<HotKey>,
    /// Key concentration curve, `[share of keys, share of events]` with the heaviest keys first, at
    /// most 201 points (README, "Charts"; `analysis::concentration`). Absent when `approximate`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_concentration: Vec<[f64; 2]>,
    /// The salting or splitting strategy and what it did; absent for a plain key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_strategy: Option<StrategyReport>,
}

/// One strategy at the recommended (or design) partitioner and count: the skew gain next to the
/// ordering cost. Field names are part of the JSON contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategyComparison {
    /// Strategy name.
    pub strategy: String,
    /// Partitioner id.
    pub partitioner: String,
    /// Partition count.
    pub partitions: u32,
    /// Its skew.
    pub skew: f64,
    /// `skew / skew of the first strategy` at the same partitioner and count (below 1 is a gain).
    pub skew_vs_first: f64,
    /// Entities split (with `[ordering]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entities_split: Option<u64>,
    /// Events of the split entities (with `[ordering]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events_at_risk: Option<u64>,
    /// Keys the strategy spreads over several sub-keys (each needs a merge on the consumer side);
    /// null when not counted exactly.
    pub split_keys: Option<u64>,
}

/// A key that alone exceeds one partition's capacity at the horizon:
/// `share * peak * (1+g)^h > max_utilization * consumer_events_per_sec`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HotKey {
    /// The key as text.
    pub key: String,
    /// Its share of the events.
    pub share: f64,
    /// Its events/s at peak, at the horizon.
    pub events_per_sec_at_horizon: f64,
    /// One partition's capacity: `max_utilization * consumer_events_per_sec`.
    pub partition_capacity: f64,
}

/// One strategy x partitioner x count. Field names are part of the JSON contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanScenario {
    /// Strategy name.
    pub strategy: String,
    /// Partitioner id.
    pub partitioner: String,
    /// Partition count.
    pub partitions: u32,
    /// False for the design's own scenario when its count or partitioner is not a candidate: it is
    /// evaluated for `check` but never recommended.
    pub candidate: bool,
    /// Events per partition index.
    pub partition_events: Vec<u64>,
    /// Load metrics.
    #[serde(flatten)]
    pub metrics: LoadMetrics,
    /// Confidence interval and random-placement expectation.
    #[serde(flatten)]
    pub stats: ScenarioStats,
    /// Share of payload bytes on the partition with the most bytes (only with sizes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes_share: Option<f64>,
    /// Capacity figures.
    #[serde(flatten)]
    pub capacity: Capacity,
    /// Per planned consumer group size and assignor.
    pub consumers: Vec<ConsumerLoad>,
    /// The limits this scenario breaches (empty when feasible).
    pub breaches: Vec<Breach>,
    /// True when no limit is breached.
    pub feasible: bool,
    /// True when the count splits evenly among every planned consumer group size.
    pub divides_evenly: bool,
    /// Set when a neighbouring candidate does markedly better (README, "Planning capacity").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlucky: Option<String>,
    /// Index into `scenarios` of that better neighbour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlucky_vs: Option<usize>,
    /// The heaviest keys on the hottest partition (`hottest_partition`), heaviest first: what makes
    /// it hot (as in `analyze`'s report).
    #[serde(default)]
    pub hot_partition_keys: Vec<HotPartitionKey>,
    /// Per ordering entity (`[ordering] require`): entities split and events at risk.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ordering: Vec<OrderingReport>,
    /// What moves from `current_partitions` to this count (only with `current_partitions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remap_from_current: Option<RemapFromCurrent>,
    /// Per-window figures and the lag simulation (only with `[input] time_col`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<TimeProfile>,
}

/// Which candidate counts keep the most keys in place from `current_partitions`. Field names are part
/// of the JSON contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemapGuidance {
    /// The topic's partition count today.
    pub current_partitions: u32,
    /// The strategy and partitioner the choices are for (the recommendation's).
    pub strategy: String,
    /// Partitioner id.
    pub partitioner: String,
    /// Candidate counts other than the current one, fewest events moved first (ties: the smaller
    /// count), at most [`REMAP_CHOICES`].
    pub keep_most: Vec<RemapChoice>,
    /// What the choices mean.
    pub note: String,
}

/// How many candidate counts [`RemapGuidance::keep_most`] lists.
pub const REMAP_CHOICES: usize = 3;

/// One candidate count and what it keeps in place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemapChoice {
    /// The candidate count.
    pub partitions: u32,
    /// Share of events whose key changes partition.
    pub events_moved_share: f64,
    /// Share of keys that keep their partition.
    pub keys_stay_share: f64,
    /// True when it is a multiple of the current count.
    pub multiple: bool,
}

/// The naive rule next to keyplan's answer. Field names are part of the JSON contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NaiveComparison {
    /// The rule as a formula.
    pub formula: String,
    /// Its inputs and answer.
    #[serde(flatten)]
    pub naive: Naive,
    /// `ceil(t / (max_utilization * c))`: the naive rule with the utilization ceiling.
    pub even_spread_partitions: u32,
    /// keyplan's recommended count (null when none works).
    pub keyplan_partitions: Option<u32>,
    /// Why the two differ.
    pub reasons: Vec<String>,
}

/// The recommendation. Field names are part of the JSON contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// The strategy (when nothing is feasible: the one closest to it).
    pub strategy: String,
    /// The partitioner (likewise).
    pub partitioner: String,
    /// The partition count; null when no candidate works.
    pub partitions: Option<u32>,
    /// Why, including hot keys and unlucky counts.
    pub reasons: Vec<String>,
}

/// The design under review and what it breaches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignCheck {
    /// Strategy name.
    pub strategy: String,
    /// Partitioner id.
    pub partitioner: String,
    /// Partition count.
    pub partitions: u32,
    /// Its skew.
    pub skew: f64,
    /// Its capacity figures.
    #[serde(flatten)]
    pub capacity: Capacity,
    /// Every limit it breaches.
    pub breaches: Vec<Breach>,
    /// True when it breaches none.
    pub ok: bool,
    /// What moves from `current_partitions` to the design's count (only with `current_partitions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remap_from_current: Option<RemapFromCurrent>,
}

/// The result of `keyplan plan`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanReport {
    /// Always [`PLAN_SCHEMA`].
    pub schema: String,
    /// The plan file.
    pub plan: String,
    /// The targets, defaults filled in.
    pub targets: Targets,
    /// `(1 + growth_per_month)^horizon_months`.
    pub growth_factor: f64,
    /// `peak_events_per_sec * growth_factor`.
    pub peak_at_horizon: f64,
    /// `max_utilization * consumer_events_per_sec`: events/s one partition may carry.
    pub partition_capacity: f64,
    /// `[limits]`.
    pub limits: Limits,
    /// Planned consumer group sizes.
    pub consumer_counts: Vec<u32>,
    /// The topic's partition count today, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_partitions: Option<u32>,
    /// With `current_partitions`: which candidates keep the most keys in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remap_guidance: Option<RemapGuidance>,
    /// One entry per key strategy.
    pub strategies: Vec<StrategySummary>,
    /// Strategy-major, then partitioner (plan order), then count (ascending).
    pub scenarios: Vec<PlanScenario>,
    /// The average-based rule and why keyplan differs.
    pub naive: NaiveComparison,
    /// What to build.
    pub recommendation: Recommendation,
    /// The design under review, when the plan has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design: Option<DesignCheck>,
    /// Every strategy at the recommended partitioner and count (the design's when nothing is
    /// recommended): skew against the first strategy next to entities split. Empty with one
    /// strategy and no `[ordering]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub strategy_comparison: Vec<StrategyComparison>,
    /// Method and assumptions.
    pub method_notes: Vec<String>,
    /// How the report was made.
    pub provenance: Provenance,
}

/// The result of `keyplan check`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    /// Always [`CHECK_SCHEMA`].
    pub schema: String,
    /// The plan file.
    pub plan: String,
    /// The design and its breaches.
    pub design: DesignCheck,
    /// How the report was made.
    pub provenance: Provenance,
}

fn fmt_opt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.digits$}"))
}

/// The plan's settings that change numbers, for provenance.
pub fn plan_provenance(plan: &Plan, rows: u64) -> Provenance {
    let mut p = Provenance::new(plan.paths.clone(), rows);
    p.set("plan", &plan.path);
    for (name, value) in &plan.input_settings {
        p.set(name, value);
    }
    p.seed = Some(crate::analysis::stats::DEFAULT_SEED);
    p.trials = Some(crate::analysis::stats::DEFAULT_TRIALS);
    p
}

fn strategy_summary(plan: &Plan, index: usize, outcome: &Outcome, redact: bool) -> StrategySummary {
    let s = &plan.strategies[index];
    let events = outcome.analysis.events;
    let targets = &plan.targets;
    let top_keys: Vec<TopKey> = outcome
        .top_keys
        .iter()
        .enumerate()
        .map(|(rank, k)| TopKey {
            max_error: k.max_error,
            ..TopKey::new(&k.key, rank + 1, k.events, events, redact)
        })
        .collect();
    let hot_keys = top_keys
        .iter()
        .filter(|k| capacity::key_exceeds_partition(k.share, targets))
        .map(|k| HotKey {
            key: k.key.clone(),
            share: k.share,
            events_per_sec_at_horizon: k.share * targets.peak_at_horizon(),
            partition_capacity: targets.partition_capacity(),
        })
        .collect();
    StrategySummary {
        name: s.name.clone(),
        key: s.key.clone(),
        key_template: s.key_template.clone(),
        events,
        distinct_keys: outcome.analysis.distinct_keys as u64,
        top_key_share: outcome.top_key_share,
        approximate: outcome.exactness != Exactness::Exact,
        mean_event_bytes: outcome
            .total_bytes
            .filter(|_| events > 0)
            .map(|b| b as f64 / events as f64),
        top_keys: top_keys.into_iter().take(5).collect(),
        hot_keys,
        key_concentration: key_concentration(outcome),
        key_strategy: StrategyReport::new(&s.key, &s.strategy, outcome.split),
    }
}

/// One scenario of the review; `redact` hides the names of its hottest partition's keys.
fn plan_scenario(
    plan: &Plan,
    strategy: &str,
    outcome: &Outcome,
    s: &Scenario,
    redact: bool,
) -> PlanScenario {
    let targets = &plan.targets;
    let capacity =
        capacity::scenario_capacity(s, outcome.analysis.events, outcome.total_bytes, targets);
    let n = s.partitions.get();
    let remap_from_current = plan.current_partitions.and_then(|c| {
        let (dist, hashes) = (outcome.distribution.as_ref()?, outcome.hashes.as_ref()?);
        let from = PartitionCount::new(u64::from(c)).ok()?;
        let h = hashes.get(s.partitioner.family());
        Some(remap::from_current(
            dist,
            h,
            s.partitioner,
            from,
            s.partitions,
        ))
    });
    let mut breaches = capacity::breaches(n, s.metrics.skew, &capacity, targets, &plan.limits);
    if let Some(r) = &remap_from_current {
        breaches.extend(capacity::remap_breach(r.events_moved_share, &plan.limits));
    }
    PlanScenario {
        strategy: strategy.to_string(),
        partitioner: s.partitioner.id().to_string(),
        partitions: n,
        candidate: plan.counts.contains(&s.partitions)
            && plan.partitioners.contains(&s.partitioner),
        partition_events: s.loads.clone(),
        metrics: s.metrics.clone(),
        stats: s.stats.clone(),
        max_bytes_share: s.byte_metrics.as_ref().map(|m| m.max_share),
        capacity,
        consumers: consumer_loads(&s.loads, &plan.consumers),
        feasible: breaches.is_empty(),
        breaches,
        divides_evenly: capacity::divides_evenly(n, &plan.consumers),
        unlucky: None,
        unlucky_vs: None,
        remap_from_current,
        time: None,
        hot_partition_keys: hot_partition_keys(s, redact),
        ordering: match (&outcome.ordering, s.ordering) {
            (Some(o), Some(cost)) => vec![OrderingReport::new(o, cost, outcome.analysis.events)],
            _ => Vec::new(),
        },
    }
}

/// Every strategy at the recommended partitioner and count, or the design's when nothing is
/// recommended; empty when there is one strategy and no ordering entity.
fn compare_strategies(
    strategies: &[StrategySummary],
    scenarios: &[PlanScenario],
    at: Option<(&str, u32)>,
) -> Vec<StrategyComparison> {
    let Some((partitioner, partitions)) = at else {
        return Vec::new();
    };
    let ordering = scenarios.iter().any(|s| !s.ordering.is_empty());
    if strategies.len() < 2 && !ordering {
        return Vec::new();
    }
    let find = |name: &str| {
        scenarios.iter().find(|s| {
            s.strategy == name && s.partitioner == partitioner && s.partitions == partitions
        })
    };
    let first = strategies.first().and_then(|st| find(&st.name));
    strategies
        .iter()
        .filter_map(|st| {
            let s = find(&st.name)?;
            let o = s.ordering.first();
            Some(StrategyComparison {
                strategy: st.name.clone(),
                partitioner: partitioner.to_string(),
                partitions,
                skew: s.metrics.skew,
                skew_vs_first: first.map_or(f64::NAN, |f| s.metrics.skew / f.metrics.skew),
                entities_split: o.map(|o| o.entities_split),
                events_at_risk: o.map(|o| o.events_at_risk),
                split_keys: st.key_strategy.as_ref().map_or(Some(0), |k| k.split_keys),
            })
        })
        .collect()
}

/// What a scenario does to the ordering entity, in one sentence.
fn ordering_reason(s: &PlanScenario, o: &OrderingReport) -> String {
    if o.entities_split == 0 {
        format!(
            "Ordering by {}: strategy '{}' at {} partitions keeps every one of the {} entities on \
             one partition ({}).",
            o.entity,
            s.strategy,
            s.partitions,
            o.entities,
            match o.key_vs_entity {
                KeyVsEntity::Finer =>
                    "some entities carry several keys, but those keys land together",
                KeyVsEntity::Coarser => "the key is coarser than the entity: safe at every count",
                KeyVsEntity::Same => "the key is the entity",
            }
        )
    } else {
        format!(
            "Ordering breaks: strategy '{}' at {} partitions splits {} of {} entities by {} over \
             several partitions ({} of events at risk: consumers may see them out of order); the \
             key is {} than the entity.",
            s.strategy,
            s.partitions,
            o.entities_split,
            o.entities,
            o.entity,
            percent(o.events_at_risk_share),
            o.key_vs_entity.name()
        )
    }
}

/// The design's check from its evaluated scenario.
fn design_check(scenario: &PlanScenario) -> DesignCheck {
    DesignCheck {
        strategy: scenario.strategy.clone(),
        partitioner: scenario.partitioner.clone(),
        partitions: scenario.partitions,
        skew: scenario.metrics.skew,
        capacity: scenario.capacity.clone(),
        ok: scenario.breaches.is_empty(),
        breaches: scenario.breaches.clone(),
        remap_from_current: scenario.remap_from_current.clone(),
    }
}

impl CheckReport {
    /// The check of `plan`'s design from its strategy's outcome (which must hold the design's
    /// partitioner and count).
    pub fn new(plan: &Plan, outcome: &Outcome) -> Option<CheckReport> {
        let design = plan.design?;
        let name = &plan.strategies[design.strategy].name;
        let s =
            outcome.analysis.scenarios.iter().find(|s| {
                s.partitioner == design.partitioner && s.partitions == design.partitions
            })?;
        Some(CheckReport {
            schema: CHECK_SCHEMA.to_string(),
            plan: plan.path.clone(),
            design: design_check(&plan_scenario(plan, name, outcome, s, false)),
            provenance: plan_provenance(plan, outcome.read.rows),
        })
    }

    /// The breaches as a table (CSV output).
    pub fn breach_table(&self) -> Table {
        let mut t = Table::new(&[
            ("limit", Align::Left),
            ("metric", Align::Left),
            ("value", Align::Right),
            ("threshold", Align::Right),
        ]);
        for b in &self.design.breaches {
            t.push(vec![
                b.limit.clone(),
                b.metric.clone(),
                b.value.to_string(),
                b.threshold.to_string(),
            ]);
        }
        t
    }

    /// One line per breach (`limit: metric value > threshold`); empty when the design holds.
    pub fn document(&self) -> Document {
        let mut doc = Document::new("Design check");
        let d = &self.design;
        if !d.ok {
            let mut lines = vec![format!(
                "{}: design {} / {} / {} partitions breaches {} limit(s):",
                self.plan,
                d.strategy,
                d.partitioner,
                d.partitions,
                d.breaches.len()
            )];
            lines.extend(d.breaches.iter().map(describe_breach));
            doc.push(Block::Notes(lines));
        }
        doc
    }
}

/// `breach: max_skew: skew 2.3100 > 2.0000`.
pub fn describe_breach(b: &Breach) -> String {
    let op = if b.limit.starts_with("min_") {
        "<"
    } else {
        ">"
    };
    format!(
        "breach: {}: {} {:.4} {op} {:.4}",
        b.limit, b.metric, b.value, b.threshold
    )
}

impl PlanReport {
    /// Builds the review from one outcome per strategy (in plan order), each evaluated over the
    /// candidate partitioners and counts (plus the design's, for its strategy). With `redact`, every
    /// key is replaced by `<key #RANK>` (its rank in its strategy's sample) before any text that
    /// names it is built, so no writer or chart can show a key.
    pub fn new(plan: &Plan, outcomes: &[Outcome], redact: bool) -> PlanReport {
        let targets = &plan.targets;
        let strategies: Vec<StrategySummary> = outcomes
            .iter()
            .enumerate()
            .map(|(i, o)| strategy_summary(plan, i, o, redact))
            .collect();
        let mut scenarios = Vec::new();
        let lag = LagTarget {
            peak_events_per_sec: targets.peak_events_per_sec,
            consumer_events_per_sec: targets.consumer_events_per_sec,
        };
        for (i, o) in outcomes.iter().enumerate() {
            let times = engine::time_profiles(o, Some(lag));
            for (s, time) in o.analysis.scenarios.iter().zip(times) {
                let mut scenario = plan_scenario(plan, &plan.strategies[i].name, o, s, redact);
                scenario.time = time;
                scenarios.push(scenario);
            }
        }
        mark_unlucky(&mut scenarios);
        let design = plan.design.and_then(|d| {
            let name = &plan.strategies[d.strategy].name;
            scenarios
                .iter()
                .find(|s| {
                    &s.strategy == name
                        && s.partitioner == d.partitioner.id()
                        && s.partitions == d.partitions.get()
                })
                .map(design_check)
        });
        let mut recommendation = recommend(plan, &strategies, &scenarios);
        let remap_guidance = remap_guidance(plan, &scenarios, &recommendation);
        recommendation.reasons.extend(change_reasons(
            &scenarios,
            &recommendation,
            remap_guidance.as_ref(),
        ));
        let at = match (recommendation.partitions, &design) {
            (Some(n), _) => Some((recommendation.partitioner.as_str(), n)),
            (None, Some(d)) => Some((d.partitioner.as_str(), d.partitions)),
            (None, None) => None,
        };
        let strategy_comparison = compare_strategies(&strategies, &scenarios, at);
        let mean_bytes = strategies
            .first()
            .and_then(|s| s.mean_event_bytes)
            .or(targets.mean_event_bytes);
        let naive = naive_comparison(plan, &strategies, &scenarios, &recommendation, mean_bytes);
        let rows = outcomes.first().map_or(0, |o| o.read.rows);
        let mut method_notes = vec![
            format!(
                "Utilization is the hottest partition's: max_share x peak_events_per_sec / \
                 consumer_events_per_sec; at the horizon it is multiplied by (1 + {})^{} = {:.4}.",
                targets.growth_per_month, targets.horizon_months, targets.growth_factor()
            ),
            "The _upper figures use the upper end of the 95% interval of max_share (key-clustered: \
             keys are the sampling units; multinomial for a strategy counted in bounded memory)."
                .to_string(),
            ASSIGNOR_NOTE.to_string(),
            format!(
                "Unlucky counts: a count is flagged when an adjacent candidate count (same strategy \
                 and partitioner), or the same count under another candidate partitioner, has a skew \
                 more than {:.0}% lower.",
                capacity::UNLUCKY_MARGIN * 100.0
            ),
        ];
        if let Some(r) = targets.retention_hours {
            method_notes.push(format!(
                "Replay of the retained data: the hottest partition holds max_share x \
                 peak_events_per_sec x {r} h x 3600 events, accumulated at the peak rate, and its \
                 consumer clears them at consumer_events_per_sec - max_share x peak_events_per_sec \
                 while live events keep arriving: replay_hours = {r} x u / (1 - u), u the hot \
                 partition's utilization; never when u >= 1."
            ));
        }
        if let Some(w) = plan.window_ms {
            method_notes.push(format!(
                "Time windows of {} s, aligned to multiples of their length since the Unix epoch. \
                 The lag simulation scales every observed window so the topic's busiest window \
                 arrives at peak_events_per_sec, then runs lag_w = max(0, lag_(w-1) + arrivals_w - \
                 consumer_events_per_sec x window) per partition; drain time runs from the end of the \
                 worst window until that partition's lag is 0 (arrivals even within a window; past \
                 the sample, at the partition's mean rate).",
                w as f64 / 1000.0
            ));
        }
        if let Some(o) = scenarios.iter().find_map(|s| s.ordering.first()) {
            method_notes.push(format!(
                "Ordering by {}: an entity is split when its events land on more than one \
                 partition; events_at_risk counts all events of split entities; events with an \
                 empty entity value have no entity. Round-robin sub-keys count an entity with \
                 several events as on every sub-key of its key (the worst case).",
                o.entity
            ));
        }
        if strategies.iter().any(|s| s.key_strategy.is_some()) {
            method_notes.push(
                "Salted and split keys: a key spread over D sub-keys needs its per-key aggregates \
                 merged over up to D partitions on the consumer side, and keeps per-key order only \
                 within a sub-key (docs/strategies.md)."
                    .to_string(),
            );
        }
        if strategies.iter().any(|s| s.approximate) {
            method_notes.push(
                "Some strategies had more distinct keys than exact counting allows: partition loads \
                 stay exact; top-key shares are upper bounds."
                    .to_string(),
            );
        }
        PlanReport {
            schema: PLAN_SCHEMA.to_string(),
            plan: plan.path.clone(),
            targets: targets.clone(),
            growth_factor: targets.growth_factor(),
            peak_at_horizon: targets.peak_at_horizon(),
            partition_capacity: targets.partition_capacity(),
            limits: plan.limits.clone(),
            consumer_counts: plan.consumers.clone(),
            current_partitions: plan.current_partitions,
            remap_guidance,
            strategies,
            scenarios,
            naive,
            recommendation,
            design,
            strategy_comparison,
            method_notes,
            provenance: {
                let mut p = plan_provenance(plan, rows);
                p.set("redact_keys", redact);
                // More than 16 candidates share a trial budget: the review says so.
                p.trials_limit = outcomes
                    .iter()
                    .flat_map(|o| &o.analysis.scenarios)
                    .filter_map(|s| s.stats.random_trials_limit)
                    .max();
                p
            },
        }
    }

    /// The readable summary (text and Markdown).
    pub fn document(&self) -> Document {
        let mut doc = Document::new("Partition plan");
        let r = &self.recommendation;
        doc.push(Block::Summary(match r.partitions {
            Some(n) => format!(
                "Recommendation: {n} partitions, key strategy '{}', partitioner {}",
                r.strategy, r.partitioner
            ),
            None => "Recommendation: no candidate partition count works".to_string(),
        }));
        doc.push(Block::Bullets(r.reasons.clone()));
        let n = &self.naive;
        let mut naive = vec![
            String::new(),
            format!(
            "Naive rule {}: {} partitions (t = {:.1} events/s at the horizon, t/c = {:.2}{}); with \
             max_utilization and an even spread: {}.",
            n.formula,
            n.naive.partitions,
            n.naive.target_events_per_sec,
            n.naive.consumer_bound,
            n.naive
                .producer_bound
                .map_or(String::new(), |p| format!(", t/p = {p:.2}")),
            n.even_spread_partitions
        ),
        ];
        naive.extend(n.reasons.iter().cloned());
        doc.push(Block::Notes(naive));
        doc.table("Scenarios", self.scenario_table());
        if let Some(c) = self.strategy_comparison.first() {
            doc.table(
                &format!(
                    "Strategies at {} partitions ({}): skew gain and ordering cost",
                    c.partitions, c.partitioner
                ),
                self.comparison_table(),
            );
        }
        let shown = self.recommended_or_design();
        if let Some(s) = shown.filter(|s| !s.consumers.is_empty()) {
            doc.table(
                &format!(
                    "Consumers at {} partitions ({}, {})",
                    s.partitions, s.strategy, s.partitioner
                ),
                consumer_table(s),
            );
        }
        if let Some(d) = &self.design {
            let mut lines = vec![format!(
                "Design {} / {} / {} partitions: {}",
                d.strategy,
                d.partitioner,
                d.partitions,
                if d.ok {
                    "holds every limit".to_string()
                } else {
                    format!("breaches {} limit(s)", d.breaches.len())
                }
            )];
            lines.extend(d.breaches.iter().map(describe_breach));
            doc.push(Block::Notes(lines));
        }
        doc.push(Block::Bullets(self.method_notes.clone()));
        doc
    }

    /// Every strategy at one count: skew against the first strategy, entities split, split keys.
    pub fn comparison_table(&self) -> Table {
        let mut t = Table::new(&[
            ("strategy", Align::Left),
            ("skew", Align::Right),
            ("skew_vs_first", Align::Right),
            ("entities_split", Align::Right),
            ("events_at_risk", Align::Right),
            ("split_keys", Align::Right),
        ]);
        for c in &self.strategy_comparison {
            let opt = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
            t.push(vec![
                c.strategy.clone(),
                format!("{:.3}", c.skew),
                format!("{:.3}", c.skew_vs_first),
                opt(c.entities_split),
                opt(c.events_at_risk),
                opt(c.split_keys),
            ]);
        }
        t
    }

    /// The comparison table, one row per scenario.
    pub fn scenario_table(&self) -> Table {
        // Change and time columns only when the plan asks for them.
        let any = |f: fn(&PlanScenario) -> bool| self.scenarios.iter().any(f);
        let with_moved = any(|s| s.remap_from_current.is_some());
        let with_replay = any(|s| s.capacity.replay.is_some());
        let with_lag = any(|s| s.time.as_ref().is_some_and(|t| t.lag.is_some()));
        let mut headers = vec![
            ("strategy", Align::Left),
            ("partitioner", Align::Left),
            ("partitions", Align::Right),
            ("max_share", Align::Right),
            ("skew", Align::Right),
            ("hot_util", Align::Right),
            ("util_at_horizon", Align::Right),
            ("upper", Align::Right),
            ("headroom", Align::Right),
            ("runway_months", Align::Right),
            ("byte_util_at_horizon", Align::Right),
            ("moved", Align::Right),
            ("replay_h", Align::Right),
            ("max_lag_s", Align::Right),
            ("feasible", Align::Left),
            ("notes", Align::Left),
        ];
        let shown = [with_moved, with_replay, with_lag];
        headers.retain(|h| match h.0 {
            "moved" => shown[0],
            "replay_h" => shown[1],
            "max_lag_s" => shown[2],
            _ => true,
        });
        let mut t = Table::new(&headers)
            // What a 120-column terminal leaves out first: figures the JSON and wider columns repeat.
            .optional(&[
                "byte_util_at_horizon",
                "upper",
                "hot_util",
                "headroom",
                "max_share",
            ]);
        for s in &self.scenarios {
            let c = &s.capacity;
            let mut notes = Vec::new();
            if !s.candidate {
                notes.push("design only".to_string());
            }
            if s.divides_evenly && !self.consumer_counts.is_empty() {
                notes.push("even".to_string());
            }
            if let Some(o) = s.ordering.first().filter(|o| o.entities_split > 0) {
                notes.push(format!(
                    "splits {} entities ({} of events)",
                    o.entities_split,
                    percent(o.events_at_risk_share)
                ));
            }
            if let Some(j) = s.unlucky_vs {
                // The full sentence is in `unlucky`; the table names the better neighbour.
                let b = &self.scenarios[j];
                notes.push(format!(
                    "unlucky: {} {} has skew {:.3}",
                    b.partitions, b.partitioner, b.metrics.skew
                ));
            }
            let mut row = vec![
                s.strategy.clone(),
                s.partitioner.clone(),
                s.partitions.to_string(),
                format!("{:.4}", s.metrics.max_share),
                format!("{:.3}", s.metrics.skew),
                format!("{:.3}", c.hot_partition_utilization),
                format!("{:.3}", c.utilization_at_horizon),
                format!("{:.3}", c.utilization_at_horizon_upper),
                format!("{:.3}", c.headroom),
                c.runway_months
                    .map_or_else(|| "never".to_string(), |m| format!("{m:.1}")),
                fmt_opt(c.byte_utilization_at_horizon, 3),
            ];
            if with_moved {
                row.push(
                    s.remap_from_current
                        .as_ref()
                        .map_or_else(|| "-".to_string(), |r| percent(r.events_moved_share)),
                );
            }
            if with_replay {
                row.push(c.replay.as_ref().map_or_else(
                    || "-".to_string(),
                    |r| {
                        r.replay_hours
                            .map_or_else(|| "never".to_string(), |h| format!("{h:.2}"))
                    },
                ));
            }
            if with_lag {
                row.push(
                    s.time
                        .as_ref()
                        .and_then(|t| t.lag.as_ref())
                        .map_or_else(|| "-".to_string(), |l| format!("{:.1}", l.max_lag_seconds)),
                );
            }
            row.push(if s.feasible { "yes" } else { "no" }.to_string());
            row.push(notes.join("; "));
            t.push(row);
        }
        t
    }
}

fn consumer_table(s: &PlanScenario) -> Table {
    let mut t = Table::new(&[
        ("consumers", Align::Right),
        ("assignor", Align::Left),
        ("max_consumer_share", Align::Right),
        ("idle", Align::Right),
        ("consumer_events", Align::Left),
    ])
    .optional(&["consumer_events"]);
    for c in &s.consumers {
        let events: Vec<String> = c.consumer_events.iter().map(|e| e.to_string()).collect();
        t.push(vec![
            c.consumers.to_string(),
            c.assignor.clone(),
            percent(c.max_consumer_share),
            c.idle.to_string(),
            events.join(" "),
        ]);
    }
    t
}

/// Flags locally unlucky counts ([`capacity::unlucky_neighbours`]).
fn mark_unlucky(scenarios: &mut [PlanScenario]) {
    let mut series: Vec<(String, String)> = Vec::new();
    let mut groups: Vec<String> = Vec::new();
    let points: Vec<SeriesPoint> = scenarios
        .iter()
        .map(|s| {
            let key = (s.strategy.clone(), s.partitioner.clone());
            let series_index = series.iter().position(|k| *k == key).unwrap_or_else(|| {
                series.push(key);
                series.len() - 1
            });
            let group = groups
                .iter()
                .position(|g| *g == s.strategy)
                .unwrap_or_else(|| {
                    groups.push(s.strategy.clone());
                    groups.len() - 1
                });
            SeriesPoint {
                series: series_index,
                group,
                // Only candidates are compared: the design's extra count is not a choice on offer.
                partitions: if s.candidate { s.partitions } else { u32::MAX },
                skew: s.metrics.skew,
            }
        })
        .collect();
    let flags = capacity::unlucky_neighbours(&points);
    for (i, flag) in flags.into_iter().enumerate() {
        if let Some(j) = flag.filter(|&j| scenarios[i].candidate && scenarios[j].candidate) {
            let (a, b) = (&scenarios[i], &scenarios[j]);
            let note = format!(
                "unlucky: {} partitions with {} has skew {:.3} (max_share {:.4}) vs {:.3} here",
                b.partitions, b.partitioner, b.metrics.skew, b.metrics.max_share, a.metrics.skew
            );
            scenarios[i].unlucky = Some(note);
            scenarios[i].unlucky_vs = Some(j);
        }
    }
}

fn join_u32(v: &[u32]) -> String {
    v.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

fn recommend(
    plan: &Plan,
    strategies: &[StrategySummary],
    scenarios: &[PlanScenario],
) -> Recommendation {
    let targets = &plan.targets;
    let offered: Vec<&PlanScenario> = scenarios.iter().filter(|s| s.candidate).collect();
    let candidates: Vec<Candidate> = offered
        .iter()
        .map(|s| Candidate {
            partitions: s.partitions,
            utilization_at_horizon: s.capacity.utilization_at_horizon,
            feasible: s.feasible,
        })
        .collect();
    let mut reasons = Vec::new();
    let horizon = format!(
        "{} months of {}% monthly growth",
        targets.horizon_months,
        targets.growth_per_month * 100.0
    );
    let chosen = capacity::pick(&candidates, &plan.consumers).map(|i| offered[i]);
    let limit_names = limit_list(&plan.limits);
    if let Some(s) = chosen {
        reasons.push(format!(
            "{} partitions is the smallest candidate{} whose hottest partition stays within \
             max_utilization {} after {horizon}: utilization_at_horizon {:.3} (upper end of its \
             interval {:.3}){}.",
            s.partitions,
            if plan.consumers.is_empty() || !s.divides_evenly {
                ""
            } else {
                " dividing evenly among the planned consumer counts"
            },
            targets.max_utilization,
            s.capacity.utilization_at_horizon,
            s.capacity.utilization_at_horizon_upper,
            if limit_names.is_empty() {
                String::new()
            } else {
                format!("; it meets every [limits] entry ({limit_names})")
            }
        ));
        let smallest = offered
            .iter()
            .filter(|o| o.feasible)
            .map(|o| o.partitions)
            .min()
            .unwrap_or(s.partitions);
        if !plan.consumers.is_empty() {
            if s.divides_evenly {
                reasons.push(format!(
                    "{} divides evenly among the planned consumer counts ({}): every consumer gets \
                     the same number of partitions{}.",
                    s.partitions,
                    join_u32(&plan.consumers),
                    if smallest < s.partitions {
                        format!(
                            "; preferred over {smallest}, the smallest feasible count, which does not"
                        )
                    } else {
                        String::new()
                    }
                ));
            } else {
                reasons.push(format!(
                    "No feasible candidate divides evenly among the planned consumer counts ({}); \
                     some consumers will own one partition more than others.",
                    join_u32(&plan.consumers)
                ));
            }
        }
        if s.capacity.utilization_at_horizon_upper > targets.max_utilization {
            reasons.push(format!(
                "Caution: at the upper end of the max_share interval the utilization at the horizon \
                 is {:.3}, above {}: a larger sample would tell whether {} is enough.",
                s.capacity.utilization_at_horizon_upper, targets.max_utilization, s.partitions
            ));
        }
        if let Some(u) = &s.unlucky {
            reasons.push(format!(
                "{} partitions is locally unlucky: {u}.",
                s.partitions
            ));
        }
        if let Some(o) = s.ordering.first() {
            reasons.push(ordering_reason(s, o));
        }
    }
    if chosen.is_none() {
        if let Some(d) = plan.design {
            let name = &plan.strategies[d.strategy].name;
            let design = scenarios.iter().find(|s| {
                &s.strategy == name
                    && s.partitioner == d.partitioner.id()
                    && s.partitions == d.partitions.get()
            });
            if let Some((s, o)) = design.and_then(|s| s.ordering.first().map(|o| (s, o))) {
                reasons.push(ordering_reason(s, o));
            }
        }
    }
    for st in strategies {
        if st.hot_keys.is_empty() {
            continue;
        }
        /// Keys named in full; the rest are counted, to keep the reason readable.
        const NAMED: usize = 5;
        let mut keys: Vec<String> = st
            .hot_keys
            .iter()
            .take(NAMED)
            .map(|k| {
                format!(
                    "'{}' ({} of events, {:.1} events/s at the horizon)",
                    k.key,
                    percent(k.share),
                    k.events_per_sec_at_horizon
                )
            })
            .collect();
        if st.hot_keys.len() > NAMED {
            keys.push(format!("{} more", st.hot_keys.len() - NAMED));
        }
        reasons.push(format!(
            "Strategy '{}': {} alone exceed{} one partition's capacity of {:.1} events/s \
             (max_utilization {} x consumer_events_per_sec {}); no partition count can fix that. \
             Mitigations: a different key, salting the key, splitting the hot key over several \
             partitions, or a dedicated topic for it.",
            st.name,
            keys.join(", "),
            if st.hot_keys.len() == 1 { "s" } else { "" },
            targets.partition_capacity(),
            targets.max_utilization,
            targets.consumer_events_per_sec
        ));
    }
    // Only the chosen strategy's unlucky counts: they are the alternatives a reviewer weighs.
    let unlucky: Vec<String> = offered
        .iter()
        .filter(|s| chosen.is_none_or(|c| c.strategy == s.strategy))
        .filter(|s| s.unlucky.is_some() && Some(s.partitions) != chosen.map(|c| c.partitions))
        .map(|s| format!("{} ({}, {})", s.partitions, s.strategy, s.partitioner))
        .collect();
    if !unlucky.is_empty() {
        reasons.push(format!(
            "Locally unlucky counts (a neighbouring candidate has a markedly lower skew): {}.",
            unlucky.join(", ")
        ));
    }
    match chosen {
        Some(s) => Recommendation {
            strategy: s.strategy.clone(),
            partitioner: s.partitioner.clone(),
            partitions: Some(s.partitions),
            reasons,
        },
        None => {
            // The closest to feasible: the lowest utilization at the horizon.
            let best = offered.iter().min_by(|a, b| {
                a.capacity
                    .utilization_at_horizon
                    .total_cmp(&b.capacity.utilization_at_horizon)
            });
            if let Some(b) = best {
                let breached: Vec<String> = b.breaches.iter().map(describe_breach).collect();
                reasons.insert(
                    0,
                    format!(
                        "No candidate meets every limit after {horizon}. The closest, {} partitions \
                         ({}, {}), has utilization_at_horizon {:.3} ({}). An even spread would need \
                         at least {} partitions: add larger candidates, relax the limits, or change \
                         the key.",
                        b.partitions,
                        b.strategy,
                        b.partitioner,
                        b.capacity.utilization_at_horizon,
                        breached.join("; "),
                        capacity::even_spread_partitions(targets)
                    ),
                );
            }
            Recommendation {
                strategy: best.map_or_else(String::new, |b| b.strategy.clone()),
                partitioner: best.map_or_else(String::new, |b| b.partitioner.clone()),
                partitions: None,
                reasons,
            }
        }
    }
}

/// With `current_partitions`: the candidates of the recommendation's strategy and partitioner (or the
/// first scenario's, when nothing is recommended) that move the fewest events.
fn remap_guidance(
    plan: &Plan,
    scenarios: &[PlanScenario],
    recommendation: &Recommendation,
) -> Option<RemapGuidance> {
    let current = plan.current_partitions?;
    let first = scenarios.iter().find(|s| s.candidate)?;
    let (strategy, partitioner) = if recommendation.strategy.is_empty() {
        (&first.strategy, &first.partitioner)
    } else {
        (&recommendation.strategy, &recommendation.partitioner)
    };
    let mut keep_most: Vec<RemapChoice> = scenarios
        .iter()
        .filter(|s| s.candidate && &s.strategy == strategy && &s.partitioner == partitioner)
        .filter(|s| s.partitions != current)
        .filter_map(|s| {
            let r = s.remap_from_current.as_ref()?;
            Some(RemapChoice {
                partitions: s.partitions,
                events_moved_share: r.events_moved_share,
                keys_stay_share: r.keys_stay_share,
                multiple: s.partitions % current == 0,
            })
        })
        .collect();
    keep_most.sort_by(|a, b| {
        a.events_moved_share
            .total_cmp(&b.events_moved_share)
            .then(a.partitions.cmp(&b.partitions))
    });
    keep_most.truncate(REMAP_CHOICES);
    let modulo = crate::partitioner::Partitioner::from_id(partitioner).is_some_and(|p| {
        matches!(
            p.behaviour().mapping,
            crate::partitioner::Mapping::Modulo(_)
        )
    });
    let note = if modulo {
        format!(
            "{partitioner} maps a key by its hash modulo the count: going from {current} to k x \
             {current} keeps 1/k of the keys in place (each key either stays or moves to one of the \
             k - 1 new partitions its old one splits into), and any other count keeps only the keys \
             whose hash agrees modulo both counts. Fewer moved events means fewer keys whose order \
             breaks across the change."
        )
    } else {
        format!(
            "{partitioner} does not map by modulo: the shares are measured, there is no multiple rule."
        )
    };
    Some(RemapGuidance {
        current_partitions: current,
        strategy: strategy.clone(),
        partitioner: partitioner.clone(),
        keep_most,
        note,
    })
}

/// The reasons about change and time for the chosen scenario: what moves from the current count,
/// which counts keep the most keys, the lag at the target peak and the replay time.
fn change_reasons(
    scenarios: &[PlanScenario],
    recommendation: &Recommendation,
    guidance: Option<&RemapGuidance>,
) -> Vec<String> {
    let mut out = Vec::new();
    let Some(s) = recommendation.partitions.and_then(|k| {
        scenarios.iter().find(|s| {
            s.partitions == k
                && s.strategy == recommendation.strategy
                && s.partitioner == recommendation.partitioner
        })
    }) else {
        return out;
    };
    if let Some(r) = &s.remap_from_current {
        out.push(format!(
            "Change: going from the current {} to {} partitions moves {} of the events ({} of the \
             keys; their order breaks across the change){}.",
            r.from,
            s.partitions,
            percent(r.events_moved_share),
            percent(r.keys_moved_share),
            r.bytes_moved.map_or(String::new(), |b| format!(
                ", {} payload bytes",
                group_digits(b)
            ))
        ));
    }
    if let Some(g) = guidance.filter(|g| !g.keep_most.is_empty()) {
        let list: Vec<String> = g
            .keep_most
            .iter()
            .map(|c| {
                format!(
                    "{} ({} of events move{})",
                    c.partitions,
                    percent(c.events_moved_share),
                    if c.multiple { ", a multiple" } else { "" }
                )
            })
            .collect();
        out.push(format!(
            "Candidates that keep the most keys in place from {}: {}.",
            g.current_partitions,
            list.join(", ")
        ));
    }
    if let Some(l) = s.time.as_ref().and_then(|t| t.lag.as_ref().map(|l| (t, l))) {
        let (t, l) = l;
        out.push(match l.partition {
            Some(p) => format!(
                "Bursts: scaled to the target peak, partition {p} falls {:.0} events ({:.1} s) behind \
                 in its worst {} s window and {}; burst factor {}.",
                l.max_lag_events,
                l.max_lag_seconds,
                t.window_seconds,
                l.drain_seconds.map_or_else(
                    || "never catches up within the sample".to_string(),
                    |d| format!("catches up {d:.1} s later")
                ),
                t.burst_factor.map_or_else(|| "-".to_string(), |b| format!("{b:.2}"))
            ),
            None => format!(
                "Bursts: scaled to the target peak, no partition falls behind in any {} s window \
                 (burst factor {}).",
                t.window_seconds,
                t.burst_factor.map_or_else(|| "-".to_string(), |b| format!("{b:.2}"))
            ),
        });
    }
    if let Some(line) = replay_line(s) {
        out.push(line);
    }
    out
}

/// The replay sentence of a scenario, when the plan has `retention_hours`.
fn replay_line(s: &PlanScenario) -> Option<String> {
    let r = s.capacity.replay.as_ref()?;
    let when = |h: Option<f64>| {
        h.map_or_else(
            || "never (the consumer is at or over capacity)".to_string(),
            |h| format!("{h:.2} h"),
        )
    };
    Some(format!(
        "Replay: reading back {} h of retained data at consumer capacity takes {} today and {} at the \
         horizon; the hottest partition decides it ({:.0} events, cleared at {:.1} events/s while \
         live events keep arriving).",
        r.retention_hours,
        when(r.replay_hours),
        when(r.replay_hours_at_horizon),
        r.backlog_events,
        r.catch_up_events_per_sec
    ))
}

impl PlanReport {
    /// The recommended scenario, or the design's when nothing is recommended.
    pub fn recommended_or_design(&self) -> Option<&PlanScenario> {
        let r = &self.recommendation;
        self.scenarios
            .iter()
            .find(|s| {
                Some(s.partitions) == r.partitions
                    && s.strategy == r.strategy
                    && s.partitioner == r.partitioner
            })
            .or_else(|| {
                let d = self.design.as_ref()?;
                self.scenarios.iter().find(|s| {
                    s.partitions == d.partitions
                        && s.strategy == d.strategy
                        && s.partitioner == d.partitioner
                })
            })
    }

    /// The review checklist's replay line for the recommended scenario (or the design's when nothing
    /// is recommended): `replay of the retained data ... (measured)`; None without `retention_hours`.
    pub fn replay_checklist_line(&self) -> Option<String> {
        let s = self.recommended_or_design()?;
        let replay = s.capacity.replay.as_ref()?;
        Some(format!(
            "replay of the retained data ({} h) finishes in {} at {} partitions, and the hottest \
             partition decides it (measured)",
            replay.retention_hours,
            replay
                .replay_hours
                .map_or_else(|| "never".to_string(), |h| format!("{h:.2} h")),
            s.partitions
        ))
    }
}

fn limit_list(limits: &Limits) -> String {
    let mut out = Vec::new();
    if let Some(v) = limits.max_skew {
        out.push(format!("max_skew {v}"));
    }
    if let Some(v) = limits.min_headroom {
        out.push(format!("min_headroom {v}"));
    }
    if let Some(v) = limits.max_partitions {
        out.push(format!("max_partitions {v}"));
    }
    if let Some(v) = limits.max_events_moved {
        out.push(format!("max_events_moved {v}"));
    }
    out.join(", ")
}

fn naive_comparison(
    plan: &Plan,
    strategies: &[StrategySummary],
    scenarios: &[PlanScenario],
    recommendation: &Recommendation,
    mean_event_bytes: Option<f64>,
) -> NaiveComparison {
    let targets = &plan.targets;
    let naive = capacity::naive(targets, mean_event_bytes);
    let even = capacity::even_spread_partitions(targets);
    let mut reasons = Vec::new();
    reasons.push(format!(
        "Utilization ceiling: the naive rule runs the hottest consumer at 100%; keeping it within \
         max_utilization {} with a perfectly even spread takes {even} partitions.",
        targets.max_utilization
    ));
    if let Some(k) = recommendation.partitions {
        let s = scenarios.iter().find(|s| {
            s.partitions == k
                && s.strategy == recommendation.strategy
                && s.partitioner == recommendation.partitioner
        });
        if let Some(s) = s {
            reasons.push(format!(
                "Skew of this key set: at {k} partitions the hottest partition carries max_share {:.4}, \
                 {:.3}x the mean 1/{k}; an even spread is what the naive rule assumes.",
                s.metrics.max_share, s.metrics.skew
            ));
        }
        if k > even {
            reasons.push(format!(
                "keyplan recommends {k} rather than {even} because of that skew{}.",
                if plan.consumers.is_empty() {
                    String::new()
                } else {
                    " and its preference for counts that divide evenly among consumers".to_string()
                }
            ));
        }
    }
    if let Some(st) = strategies
        .iter()
        .find(|s| s.name == recommendation.strategy)
        .or(strategies.first())
    {
        let floor = st.top_key_share * targets.peak_at_horizon() / targets.consumer_events_per_sec;
        reasons.push(format!(
            "Hot key: the top key of '{}' carries {} of events, so whatever the count one consumer \
             gets at least {:.3} utilization at the horizon{}.",
            st.name,
            percent(st.top_key_share),
            floor,
            if floor > targets.max_utilization {
                " - above max_utilization, which no partition count can fix"
            } else {
                ""
            }
        ));
    }
    let now = capacity::naive(
        &Targets {
            horizon_months: 0.0,
            ..targets.clone()
        },
        mean_event_bytes,
    );
    reasons.push(format!(
        "Growth: both answers size for the peak at the horizon, {:.4}x today's; for today's peak the \
         naive rule would give {} partitions.",
        targets.growth_factor(),
        now.partitions
    ));
    NaiveComparison {
        formula: "max(t/p, t/c)".to_string(),
        naive,
        even_spread_partitions: even,
        keyplan_partitions: recommendation.partitions,
        reasons,
    }
}
