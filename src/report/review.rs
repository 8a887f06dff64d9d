//! The review documents of the report bundle (`plan --out DIR`, `analyze --out DIR`, `analyze
//! --format html`): one [`Document`] that report.md and report.html both render, in the order a
//! design review reads it:
//!
//! 1. the recommendation and the risks ([`PLAN_RISKS`], [`ANALYSIS_RISKS`]: one function per kind
//!    of risk, so adding a risk is one line);
//! 2. the comparison of candidates (keyplan against the average-based "naive" rule);
//! 3. the evidence: charts with captions and the per-scenario tables;
//! 4. the review checklist of the product specification, each item marked measured, measurable but
//!    not in this report, or not measurable from a sample, with the answer where the report has it;
//! 5. the method and assumptions: sample, intervals, partitioners, seed, provenance.
//!
//! Everything is read from the report value, so a redacted report gives a redacted document.

use super::analysis::{AnalysisReport, OrderingReport};
use super::charts::Chart;
use super::document::{Block, Document, Figure};
use super::plan::{describe_breach, PlanReport, PlanScenario};
use super::table::{Align, Table};
use super::{group_digits, keys, percent, plural, Provenance};
use crate::analysis::stats::IntervalMethod;
use crate::partitioner::Partitioner;

/// One risk a reviewer must weigh.
#[derive(Debug, Clone, PartialEq)]
pub struct Risk {
    /// Short name of the kind of risk (`hot key`, `placeholder key`, ...).
    pub kind: &'static str,
    /// What the data shows and what to do about it.
    pub text: String,
}

impl Risk {
    fn line(&self) -> String {
        format!("{}: {}", capitalise(self.kind), self.text)
    }
}

/// The risks a plan review looks for, in the order the report lists them. Adding a risk is one
/// function and one line here.
pub const PLAN_RISKS: &[fn(&PlanReport) -> Vec<Risk>] = &[
    plan_hot_keys,
    plan_placeholder_keys,
    plan_client_mismatch,
    plan_ordering_breaks,
    plan_sample_too_small,
    plan_design_breaches,
];

/// The risks of a one-shot `analyze` comparison, likewise.
pub const ANALYSIS_RISKS: &[fn(&AnalysisReport) -> Vec<Risk>] = &[
    analysis_hot_keys,
    analysis_placeholder_keys,
    analysis_client_mismatch,
    analysis_ordering_breaks,
    analysis_refused_keys,
    analysis_sample_too_small,
];

/// How an item of the review checklist stands in this report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckStatus {
    /// The report measured it; the answer says what it found.
    Measured,
    /// keyplan can measure it, but this report does not hold the data; the answer says what to add.
    NotInReport,
    /// No key sample can tell: listed for the reviewers.
    NotMeasurable,
}

impl CheckStatus {
    /// The label shown in the checklist.
    pub fn label(self) -> &'static str {
        match self {
            CheckStatus::Measured => "measured",
            CheckStatus::NotInReport => "measurable, not in this report",
            CheckStatus::NotMeasurable => "not measurable from a sample",
        }
    }
}

/// One item of the review checklist (product specification, "The review checklist").
#[derive(Debug, Clone, PartialEq)]
pub struct CheckItem {
    /// The question.
    pub item: &'static str,
    /// How it stands.
    pub status: CheckStatus,
    /// The measured answer, or what would answer it.
    pub answer: String,
}

/// Checklist questions, in the specification's order.
const Q_KEY: &str = "The key is a business entity, and it matches the entity whose events must \
    stay ordered";
const Q_ORDER: &str = "No ordering is assumed across partitions or topics; what a partition-count \
    change or a second producer client would reorder";
const Q_CAPACITY: &str = "Hot keys and skew are within the consumer's capacity over the horizon";
const Q_REPLAY: &str = "Replay of the retained data finishes in acceptable time (the hottest \
    partition decides it)";
const Q_WATCH: &str = "What to watch in production, with thresholds derived from the plan";
const Q_NOT_KEYS: &str = "Atomic database write + publish (outbox), idempotent consumers, \
    dead-letter handling";

/// A proposed alert on partition skew sits this far above the measured skew when the plan sets no
/// `max_skew`: a starting level for the reviewers (25% drift from the sample), not a measured one.
const SKEW_ALERT_MARGIN: f64 = 1.25;

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn figures(doc: &mut Document, charts: &[Chart]) {
    for c in charts {
        doc.push(Block::Figure(Figure {
            name: c.name.clone(),
            title: c.title.clone(),
            alt: c.alt.clone(),
            svg: c.svg.clone(),
        }));
    }
}

fn checklist_table(items: &[CheckItem]) -> Table {
    let mut t = Table::new(&[
        ("item", Align::Left),
        ("status", Align::Left),
        ("answer", Align::Left),
    ]);
    for i in items {
        t.push(vec![
            i.item.to_string(),
            i.status.label().to_string(),
            i.answer.clone(),
        ]);
    }
    t
}

fn provenance_lines(p: &Provenance) -> Vec<String> {
    let mut lines = vec![
        format!("keyplan version {}.", p.keyplan_version),
        format!(
            "Inputs: {} ({} read).",
            p.inputs.join(", "),
            plural(p.rows_read, "row", "rows")
        ),
    ];
    if let (Some(seed), Some(trials)) = (p.seed, p.trials) {
        lines.push(format!(
            "Random-placement expectation: seeded Monte Carlo, seed {seed}, {trials} trials (more \
             in batches until the p95's standard error is below 0.5%); the same seed gives the same \
             bytes."
        ));
        if let Some(limit) = p.trials_limit {
            lines.push(format!(
                "A wide sweep: at most {limit} trials per partition count, a share of a budget of {} \
                 counts' worth (an explicit --trials runs every count in full).",
                crate::analysis::stats::WIDE
            ));
        }
    }
    if !p.settings.is_empty() {
        let settings: Vec<String> = p.settings.iter().map(|(k, v)| format!("{k}={v}")).collect();
        lines.push(format!("Settings: {}.", settings.join(", ")));
    }
    lines
}

fn partitioner_lines(ids: &[&str]) -> Vec<String> {
    ids.iter()
        .map(|id| match Partitioner::from_id(id) {
            Some(p) => format!(
                "Partitioner {id}: {}; used by default by {}.",
                p.summary().trim_end_matches('.'),
                p.clients().trim_end_matches('.')
            ),
            None => format!("Partitioner {id}."),
        })
        .collect()
}

/// Distinct ids in first-seen order.
fn distinct<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for id in ids {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// Pairs of the given partitioner ids that hash keys with different functions.
fn mismatched_pairs(ids: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, a) in ids.iter().enumerate() {
        for b in &ids[i + 1..] {
            if let (Some(pa), Some(pb)) = (Partitioner::from_id(a), Partitioner::from_id(b)) {
                if pa.family() != pb.family() {
                    out.push((a.to_string(), b.to_string()));
                }
            }
        }
    }
    out
}

fn client_mismatch_text(pairs: &[(String, String)], n: Option<u32>) -> String {
    let names: Vec<String> = pairs.iter().map(|(a, b)| format!("{a} and {b}")).collect();
    let count = n.map_or("N".to_string(), |n| n.to_string());
    format!(
        "{} hash keys with different functions: if producers of one topic use both, a key's events \
         land on different partitions (about 1 - 1/N of keys for unrelated hashes) and per-key order \
         breaks silently. Pin one client's partitioner for every producer; keyplan clients INPUT \
         -p {count} --partitioners {} measures the share of keys and events that differ.",
        names.join("; "),
        pairs
            .first()
            .map_or(String::new(), |(a, b)| format!("{a},{b}"))
    )
}

// ---- plan ------------------------------------------------------------------------------------

impl PlanReport {
    /// Every risk of [`PLAN_RISKS`], in order.
    pub fn risks(&self) -> Vec<Risk> {
        PLAN_RISKS.iter().flat_map(|f| f(self)).collect()
    }

    /// The review checklist.
    pub fn checklist(&self) -> Vec<CheckItem> {
        let t = &self.targets;
        let focus = self.recommended_or_design();
        let mut items = Vec::new();
        // The key as an entity: placeholders say it is not one; ordering needs [ordering].
        let placeholders: Vec<String> = self
            .strategies
            .iter()
            .flat_map(|s| {
                s.top_keys.iter().filter(|k| k.placeholder).map(move |k| {
                    format!(
                        "'{}' in '{}' ({})",
                        keys::printable(&k.key),
                        s.name,
                        percent(k.share)
                    )
                })
            })
            .collect();
        let ordering: Vec<String> = focus
            .map(|s| {
                s.ordering
                    .iter()
                    .map(|o| {
                        format!(
                            "At {} partitions ({}, {}): {}; {} of {} entities split.",
                            s.partitions,
                            s.strategy,
                            s.partitioner,
                            o.relation_text(),
                            group_digits(o.entities_split),
                            group_digits(o.entities)
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        items.push(CheckItem {
            item: Q_KEY,
            status: if ordering.is_empty() {
                CheckStatus::NotInReport
            } else {
                CheckStatus::Measured
            },
            answer: format!(
                "{} {}",
                if placeholders.is_empty() {
                    "No placeholder spelling (NA, null, empty, 0, ...) among the heaviest keys."
                        .to_string()
                } else {
                    format!(
                        "Placeholder keys among the heaviest (missing data, not an entity): {}.",
                        placeholders.join(", ")
                    )
                },
                if ordering.is_empty() {
                    "The ordering entity is not compared: the plan has no [ordering] section."
                        .to_string()
                } else {
                    ordering.join(" ")
                }
            ),
        });
        let ids = distinct(self.scenarios.iter().map(|s| s.partitioner.as_str()));
        let pairs = mismatched_pairs(&ids);
        items.push(CheckItem {
            item: Q_ORDER,
            status: CheckStatus::NotInReport,
            answer: format!(
                "Not measured here: keyplan remap INPUT --from {} --to {} measures what a \
                 partition-count change moves, keyplan clients what a second producer client \
                 places differently.{}",
                self.current_partitions
                    .map_or("CURRENT".to_string(), |c| c.to_string()),
                self.recommendation
                    .partitions
                    .map_or("N".to_string(), |n| n.to_string()),
                if pairs.is_empty() {
                    String::new()
                } else {
                    " The candidate partitioners hash keys differently (see Risks).".to_string()
                }
            ),
        });
        let hot: Vec<String> = self
            .strategies
            .iter()
            .filter(|s| !s.hot_keys.is_empty())
            .map(|s| {
                format!(
                    "'{}': {}",
                    s.name,
                    plural(s.hot_keys.len() as u64, "key", "keys")
                )
            })
            .collect();
        items.push(CheckItem {
            item: Q_CAPACITY,
            status: CheckStatus::Measured,
            answer: match focus {
                Some(s) => format!(
                    "At {} partitions ({}, {}): skew {:.3}, hottest partition at {:.3} of a \
                     consumer at the horizon (upper end of its interval {:.3}) against \
                     max_utilization {}: {}. Keys alone over one partition's capacity of {:.1} \
                     events/s: {}.",
                    s.partitions,
                    s.strategy,
                    s.partitioner,
                    s.metrics.skew,
                    s.capacity.utilization_at_horizon,
                    s.capacity.utilization_at_horizon_upper,
                    t.max_utilization,
                    if s.feasible { "within" } else { "over" },
                    self.partition_capacity,
                    if hot.is_empty() {
                        "none".to_string()
                    } else {
                        hot.join("; ")
                    }
                ),
                None => "No candidate or design scenario to measure.".to_string(),
            },
        });
        items.push(CheckItem {
            item: Q_REPLAY,
            status: if self.replay_checklist_line().is_some() {
                CheckStatus::Measured
            } else {
                CheckStatus::NotInReport
            },
            answer: self.replay_checklist_line().map_or_else(
                || "Needs a retention: add [targets] retention_hours to the plan.".to_string(),
                |line| capitalise(&line),
            ),
        });
        items.push(CheckItem {
            item: Q_WATCH,
            status: CheckStatus::Measured,
            answer: match focus {
                Some(s) => {
                    let skew_alert = match self.limits.max_skew {
                        Some(m) => format!("{m} ([limits] max_skew)"),
                        None => format!(
                            "{:.2} ({SKEW_ALERT_MARGIN} x the measured {:.3})",
                            s.metrics.skew * SKEW_ALERT_MARGIN,
                            s.metrics.skew
                        ),
                    };
                    format!(
                        "Proposed alert levels: hottest partition rate above {:.1} events/s \
                         (max_utilization x consumer_events_per_sec; expected {:.1} at today's \
                         peak and {:.1} at the horizon); partition skew above {skew_alert}. \
                         Consumer lag per partition, rebalance count, retry and dead-letter volume: \
                         levels not derivable from keys (lag needs event times).",
                        self.partition_capacity,
                        s.metrics.max_share * t.peak_events_per_sec,
                        s.metrics.max_share * self.peak_at_horizon,
                    )
                }
                None => "No scenario to derive thresholds from.".to_string(),
            },
        });
        items.push(CheckItem {
            item: Q_NOT_KEYS,
            status: CheckStatus::NotMeasurable,
            answer: "Not visible in message keys: for the reviewers.".to_string(),
        });
        items
    }

    /// keyplan's answer next to the average-based rule, one row per rule.
    pub fn naive_comparison_table(&self) -> Table {
        let n = &self.naive;
        let r = &self.recommendation;
        let mut t = Table::new(&[
            ("rule", Align::Left),
            ("partitions", Align::Right),
            ("basis", Align::Left),
            ("util_at_horizon", Align::Right),
            ("feasible", Align::Left),
        ]);
        // The measured figures at a count, for the recommended strategy and partitioner.
        let at = |count: Option<u32>| -> (String, String) {
            let s = count.and_then(|c| {
                self.scenarios.iter().find(|s| {
                    s.partitions == c && s.strategy == r.strategy && s.partitioner == r.partitioner
                })
            });
            match s {
                Some(s) => (
                    format!("{:.3}", s.capacity.utilization_at_horizon),
                    if s.feasible { "yes" } else { "no" }.to_string(),
                ),
                None => ("-".to_string(), "not a candidate".to_string()),
            }
        };
        let producer = n
            .naive
            .producer_bound
            .map_or(String::new(), |p| format!(", t/p = {p:.2}"));
        let (u, f) = at(Some(n.naive.partitions));
        t.push(vec![
            format!("naive {}", n.formula),
            n.naive.partitions.to_string(),
            format!(
                "even spread at 100%: t = {:.1} events/s at the horizon, t/c = {:.2}{producer}",
                n.naive.target_events_per_sec, n.naive.consumer_bound
            ),
            u,
            f,
        ]);
        let (u, f) = at(Some(n.even_spread_partitions));
        t.push(vec![
            "naive with max_utilization".to_string(),
            n.even_spread_partitions.to_string(),
            format!(
                "even spread at max_utilization {}: ceil(t / (U x c))",
                self.targets.max_utilization
            ),
            u,
            f,
        ]);
        let (u, f) = at(r.partitions);
        t.push(vec![
            "keyplan".to_string(),
            r.partitions
                .map_or_else(|| "none".to_string(), |p| p.to_string()),
            format!(
                "measured loads of '{}' under {}: smallest feasible count, even among consumers",
                r.strategy, r.partitioner
            ),
            u,
            f,
        ]);
        t
    }

    /// The review document of the bundle (see the module documentation).
    pub fn review_document(&self, charts: &[Chart]) -> Document {
        let mut doc = Document::new("Partition plan review");
        let r = &self.recommendation;
        doc.push(Block::Heading("Recommendation".into()));
        doc.push(Block::Summary(match r.partitions {
            Some(n) => format!(
                "{n} partitions, key strategy '{}', partitioner {}",
                r.strategy, r.partitioner
            ),
            None => "No candidate partition count works".to_string(),
        }));
        doc.push(Block::Bullets(r.reasons.clone()));
        if let Some(d) = &self.design {
            doc.push(Block::Notes(vec![format!(
                "Design under review: {} / {} / {} partitions {}.",
                d.strategy,
                d.partitioner,
                d.partitions,
                if d.ok {
                    "holds every limit".to_string()
                } else {
                    format!("breaches {} limit(s)", d.breaches.len())
                }
            )]));
        }
        doc.push(Block::Heading("Risks".into()));
        let risks = self.risks();
        if risks.is_empty() {
            doc.push(Block::Notes(vec![
                "None of the risks keyplan checks shows in this data.".to_string(),
            ]));
        } else {
            doc.push(Block::Bullets(risks.iter().map(Risk::line).collect()));
        }
        doc.push(Block::Heading("Candidates compared".into()));
        doc.table(
            "keyplan against the average-based rule",
            self.naive_comparison_table(),
        );
        doc.push(Block::Bullets(self.naive.reasons.clone()));
        if let Some(c) = self.strategy_comparison.first() {
            doc.table(
                &format!(
                    "Strategies at {} partitions ({}): skew gain and ordering cost",
                    c.partitions, c.partitioner
                ),
                self.comparison_table(),
            );
        }
        doc.table("Every scenario", self.scenario_table());
        doc.push(Block::Heading("Evidence".into()));
        figures(&mut doc, charts);
        if let Some(s) = self.recommended_or_design() {
            doc.table(
                &format!(
                    "Partition loads at {} partitions ({}, {})",
                    s.partitions, s.strategy, s.partitioner
                ),
                partition_table(&s.partition_events),
            );
            if !s.consumers.is_empty() {
                doc.table(
                    &format!(
                        "Consumers at {} partitions ({}, {})",
                        s.partitions, s.strategy, s.partitioner
                    ),
                    self.consumer_table(s),
                );
            }
        }
        for st in &self.strategies {
            if st.top_keys.is_empty() {
                continue;
            }
            let mut t = Table::new(&[
                ("rank", Align::Right),
                ("key", Align::Left),
                ("events", Align::Right),
                ("share", Align::Right),
                ("events_per_sec_at_horizon", Align::Right),
                ("notes", Align::Left),
            ]);
            for (i, k) in st.top_keys.iter().enumerate() {
                let mut notes = Vec::new();
                if k.placeholder {
                    notes.push("placeholder");
                }
                if st.hot_keys.iter().any(|h| h.key == k.key) {
                    notes.push("alone over one partition's capacity");
                }
                t.push(vec![
                    (i + 1).to_string(),
                    keys::printable(&k.key),
                    k.events.to_string(),
                    percent(k.share),
                    format!("{:.1}", k.share * self.peak_at_horizon),
                    notes.join("; "),
                ]);
            }
            doc.table(&format!("Top keys of '{}' ({})", st.name, st.key), t);
        }
        doc.push(Block::Heading("Review checklist".into()));
        doc.push(Block::Table {
            heading: None,
            table: checklist_table(&self.checklist()),
        });
        doc.push(Block::Heading("Method and assumptions".into()));
        doc.push(Block::Bullets(self.method_lines()));
        doc
    }

    fn consumer_table(&self, s: &PlanScenario) -> Table {
        let mut t = Table::new(&[
            ("consumers", Align::Right),
            ("assignor", Align::Left),
            ("max_consumer_share", Align::Right),
            ("idle", Align::Right),
        ]);
        for c in &s.consumers {
            t.push(vec![
                c.consumers.to_string(),
                c.assignor.clone(),
                percent(c.max_consumer_share),
                c.idle.to_string(),
            ]);
        }
        t
    }

    fn method_lines(&self) -> Vec<String> {
        let t = &self.targets;
        let mut lines = Vec::new();
        for s in &self.strategies {
            lines.push(format!(
                "Sample of strategy '{}' (key {}{}): {}, {}{}; the heaviest key carries {}.",
                s.name,
                s.key,
                s.key_template
                    .as_ref()
                    .map_or(String::new(), |k| format!(", template {k}")),
                plural(s.events, "event", "events"),
                plural(s.distinct_keys, "distinct key", "distinct keys"),
                if s.approximate {
                    " (approximate: bounded-memory mode)"
                } else {
                    ""
                },
                percent(s.top_key_share)
            ));
        }
        lines.push(format!(
            "Targets: peak {} events/s, growth {} a month over {} months (x{:.4}, {:.1} events/s at \
             the horizon), {} events/s per consumer, max_utilization {}.",
            t.peak_events_per_sec,
            t.growth_per_month,
            t.horizon_months,
            self.growth_factor,
            self.peak_at_horizon,
            t.consumer_events_per_sec,
            t.max_utilization
        ));
        lines.push(format!(
            "Intervals: the 95% interval of the hottest partition's share is {} (README, \
             \"Statistics\"); sample_too_small marks a skew interval wider than +-10%.",
            if self.strategies.iter().any(|s| s.approximate) {
                "multinomial for approximate strategies and key-clustered otherwise".to_string()
            } else {
                format!(
                    "{} (keys are the sampling units, valid when events arrive in bursts)",
                    IntervalMethod::KeyClustered.name()
                )
            }
        ));
        let ids = distinct(self.scenarios.iter().map(|s| s.partitioner.as_str()));
        lines.extend(partitioner_lines(&ids));
        lines.extend(self.method_notes.iter().cloned());
        lines.push(format!("Plan file: {}.", self.plan));
        lines.extend(provenance_lines(&self.provenance));
        lines
    }
}

fn partition_table(loads: &[u64]) -> Table {
    let total: u64 = loads.iter().sum();
    let mean = total as f64 / loads.len().max(1) as f64;
    let mut t = Table::new(&[
        ("partition", Align::Right),
        ("events", Align::Right),
        ("share", Align::Right),
        ("vs_mean", Align::Right),
    ]);
    for (i, &l) in loads.iter().enumerate() {
        t.push(vec![
            i.to_string(),
            group_digits(l),
            percent(l as f64 / total.max(1) as f64),
            if mean > 0.0 {
                format!("{:.3}", l as f64 / mean)
            } else {
                "-".to_string()
            },
        ]);
    }
    t
}

fn plan_hot_keys(r: &PlanReport) -> Vec<Risk> {
    /// Keys named in full; the rest are counted, to keep the risk readable.
    const NAMED: usize = 5;
    r.strategies
        .iter()
        .filter(|s| !s.hot_keys.is_empty())
        .map(|s| {
            let mut named: Vec<String> = s
                .hot_keys
                .iter()
                .take(NAMED)
                .map(|k| {
                    format!(
                        "'{}' ({}, {:.1} events/s)",
                        keys::printable(&k.key),
                        percent(k.share),
                        k.events_per_sec_at_horizon
                    )
                })
                .collect();
            if s.hot_keys.len() > NAMED {
                named.push(format!("{} more", s.hot_keys.len() - NAMED));
            }
            Risk {
                kind: "hot key over capacity",
                text: format!(
                    "strategy '{}': {} alone exceed{} one partition's capacity of {:.1} events/s \
                     at the horizon; no partition count fixes that. Change the key, salt it, split \
                     the hot key, or give it a topic of its own.",
                    s.name,
                    named.join(", "),
                    if s.hot_keys.len() == 1 { "s" } else { "" },
                    r.partition_capacity
                ),
            }
        })
        .collect()
}

fn plan_placeholder_keys(r: &PlanReport) -> Vec<Risk> {
    r.strategies
        .iter()
        .flat_map(|s| {
            s.top_keys
                .iter()
                .filter(|k| k.placeholder)
                .map(move |k| Risk {
                    kind: "placeholder key",
                    text: format!(
                        "'{}' of strategy '{}' carries {} of events: usually a missing or default \
                     value, not an entity; check the producer before sizing for it.",
                        keys::printable(&k.key),
                        s.name,
                        percent(k.share)
                    ),
                })
        })
        .collect()
}

fn plan_client_mismatch(r: &PlanReport) -> Vec<Risk> {
    let ids = distinct(
        r.scenarios
            .iter()
            .filter(|s| s.candidate)
            .map(|s| s.partitioner.as_str()),
    );
    let pairs = mismatched_pairs(&ids);
    if pairs.is_empty() {
        return Vec::new();
    }
    vec![Risk {
        kind: "client mismatch",
        text: client_mismatch_text(&pairs, r.recommendation.partitions),
    }]
}

/// One risk per ordering entity that `scenario` splits.
fn split_entities(ordering: &[OrderingReport], scenario: &str, partitions: u32) -> Vec<Risk> {
    ordering
        .iter()
        .filter(|o| o.entities_split > 0)
        .map(move |o| Risk {
            kind: "ordering break",
            text: format!(
                "at {partitions} partitions ({scenario}) {} of {} entities by {} land on more than \
                 one partition: {} events ({}) may be consumed out of order. The key is finer than \
                 the ordering entity; key by the entity (or a coarser one) to keep its order.",
                group_digits(o.entities_split),
                group_digits(o.entities),
                o.entity,
                group_digits(o.events_at_risk),
                percent(o.events_at_risk_share)
            ),
        })
        .collect()
}

fn plan_ordering_breaks(r: &PlanReport) -> Vec<Risk> {
    let mut out: Vec<Risk> = match r.recommended_or_design() {
        Some(s) => split_entities(
            &s.ordering,
            &format!("'{}', {}", s.strategy, s.partitioner),
            s.partitions,
        ),
        None => Vec::new(),
    };
    out.extend(plan_count_change(r));
    out
}

fn plan_count_change(r: &PlanReport) -> Vec<Risk> {
    match (r.current_partitions, r.recommendation.partitions) {
        (Some(cur), Some(rec)) if cur != rec => vec![Risk {
            kind: "ordering break",
            text: format!(
                "Going from today's {cur} partitions to {rec} moves keys to other partitions: \
                 events of a moved key written before and after the change can be consumed out of \
                 order. keyplan remap INPUT --from {cur} --to {rec} measures the keys and events \
                 that move; drain the topic or pause producers across the change."
            ),
        }],
        _ => Vec::new(),
    }
}

fn plan_sample_too_small(r: &PlanReport) -> Vec<Risk> {
    let mut out = Vec::new();
    if let Some(s) = r.recommended_or_design() {
        if s.stats.sample_too_small {
            out.push(Risk {
                kind: "sample too small",
                text: format!(
                    "at {} partitions the skew's 95% interval is {:.3}-{:.3}, wider than +-10% of \
                     {:.3}: collect more events (more distinct keys) to pin it down.",
                    s.partitions, s.stats.skew_ci[0], s.stats.skew_ci[1], s.metrics.skew
                ),
            });
        }
        if s.capacity.utilization_at_horizon_upper > r.targets.max_utilization && s.feasible {
            out.push(Risk {
                kind: "sample too small",
                text: format!(
                    "at the upper end of the max_share interval the utilization at the horizon \
                     would be {:.3}, above max_utilization {}: a larger sample would tell whether \
                     {} partitions is enough.",
                    s.capacity.utilization_at_horizon_upper,
                    r.targets.max_utilization,
                    s.partitions
                ),
            });
        }
    }
    for s in r.strategies.iter().filter(|s| s.approximate) {
        out.push(Risk {
            kind: "approximate sample",
            text: format!(
                "Strategy '{}' had more distinct keys than exact counting allows: its loads are \
                 exact, its top-key shares are upper bounds.",
                s.name
            ),
        });
    }
    out
}

fn plan_design_breaches(r: &PlanReport) -> Vec<Risk> {
    match &r.design {
        Some(d) if !d.ok => vec![Risk {
            kind: "design breaches its limits",
            text: format!(
                "{} / {} / {} partitions: {}.",
                d.strategy,
                d.partitioner,
                d.partitions,
                d.breaches
                    .iter()
                    .map(describe_breach)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        }],
        _ => Vec::new(),
    }
}

// ---- analyze ---------------------------------------------------------------------------------

impl AnalysisReport {
    /// Every risk of [`ANALYSIS_RISKS`], in order.
    pub fn risks(&self) -> Vec<Risk> {
        ANALYSIS_RISKS.iter().flat_map(|f| f(self)).collect()
    }

    /// The finding that opens the review: with capacity figures, the smallest count that stays
    /// within max_utilization at the horizon; without, the count and partitioner of lowest skew.
    fn finding(&self) -> String {
        let with_capacity = self.scenarios.iter().any(|s| s.capacity.is_some());
        let max_u = self
            .provenance
            .as_ref()
            .and_then(|p| p.settings.get("max_utilization"))
            .and_then(|v| v.parse::<f64>().ok());
        if let (true, Some(u)) = (with_capacity, max_u) {
            let fits = self
                .scenarios
                .iter()
                .filter(|s| {
                    s.capacity
                        .as_ref()
                        .is_some_and(|c| c.utilization_at_horizon <= u)
                })
                .min_by_key(|s| s.partitions);
            return match fits {
                Some(s) => format!(
                    "Smallest count within max_utilization {u} at the horizon: {} partitions under \
                     {} (skew {:.3})",
                    s.partitions, s.partitioner, s.metrics.skew
                ),
                None => format!("No count stays within max_utilization {u} at the horizon"),
            };
        }
        let best = self
            .scenarios
            .iter()
            .filter(|s| !s.metrics.skew.is_nan())
            .min_by(|a, b| a.metrics.skew.total_cmp(&b.metrics.skew));
        match best {
            Some(s) => format!(
                "Lowest skew: {} partitions under {} (skew {:.3}, effective parallelism {:.2})",
                s.partitions, s.partitioner, s.metrics.skew, s.metrics.effective_parallelism
            ),
            None => "No partitioner hashed any event of this sample".to_string(),
        }
    }

    /// The review checklist (fewer answers than a plan's: no targets unless given as flags).
    pub fn checklist(&self) -> Vec<CheckItem> {
        let placeholders: Vec<String> = self
            .top_keys
            .iter()
            .filter(|k| k.placeholder)
            .map(|k| format!("'{}' ({})", keys::printable(&k.key), percent(k.share)))
            .collect();
        let worst = self
            .scenarios
            .iter()
            .filter(|s| !s.metrics.skew.is_nan())
            .max_by(|a, b| a.metrics.skew.total_cmp(&b.metrics.skew));
        // The relation of key and entity is the same in every scenario: say it once.
        let ordering: Vec<String> = self
            .scenarios
            .first()
            .map(|s| {
                s.ordering
                    .iter()
                    .map(|o| format!("{}.", capitalise(&o.relation_text())))
                    .collect()
            })
            .unwrap_or_default();
        vec![
            CheckItem {
                item: Q_KEY,
                status: if ordering.is_empty() {
                    CheckStatus::NotInReport
                } else {
                    CheckStatus::Measured
                },
                answer: format!(
                    "{} {}",
                    if placeholders.is_empty() {
                        "No placeholder spelling among the heaviest keys.".to_string()
                    } else {
                        format!(
                            "Placeholder keys among the heaviest: {}.",
                            placeholders.join(", ")
                        )
                    },
                    if ordering.is_empty() {
                        "The ordering entity is not compared: add --order-by ENTITY.".to_string()
                    } else {
                        ordering.join(" ")
                    }
                ),
            },
            CheckItem {
                item: Q_ORDER,
                status: CheckStatus::NotInReport,
                answer: "keyplan remap and keyplan clients measure what a partition-count \
                         change or a second producer client moves."
                    .to_string(),
            },
            CheckItem {
                item: Q_CAPACITY,
                status: if self.scenarios.iter().any(|s| s.capacity.is_some()) {
                    CheckStatus::Measured
                } else {
                    CheckStatus::NotInReport
                },
                answer: match worst {
                    Some(s) => format!(
                        "Skew from {:.3} to {:.3} over the candidates; the top key carries {}. {}",
                        self.scenarios
                            .iter()
                            .map(|s| s.metrics.skew)
                            .filter(|v| !v.is_nan())
                            .fold(f64::INFINITY, f64::min),
                        s.metrics.skew,
                        percent(self.top_key_share),
                        if self.scenarios.iter().any(|s| s.capacity.is_some()) {
                            "Utilization columns in the comparison table."
                        } else {
                            "Capacity needs --peak-rate and --consumer-rate (or a plan)."
                        }
                    ),
                    None => "No hashed event.".to_string(),
                },
            },
            CheckItem {
                item: Q_REPLAY,
                status: CheckStatus::NotInReport,
                answer: "Needs event times and a retention: not evaluated in this report."
                    .to_string(),
            },
            CheckItem {
                item: Q_WATCH,
                status: CheckStatus::NotInReport,
                answer: "Alert levels come from targets: keyplan plan derives them.".to_string(),
            },
            CheckItem {
                item: Q_NOT_KEYS,
                status: CheckStatus::NotMeasurable,
                answer: "Not visible in message keys: for the reviewers.".to_string(),
            },
        ]
    }

    /// The review document of `analyze --out DIR` and `analyze --format html`.
    pub fn review_document(&self, charts: &[Chart]) -> Document {
        let mut doc = Document::new("Key distribution review");
        doc.push(Block::Heading("Finding".into()));
        doc.push(Block::Summary(self.finding()));
        let mut summary = self.document();
        // The analysis document opens with its one-line summary of the sample.
        if let Some(Block::Summary(text)) = summary.blocks.first() {
            doc.push(Block::Notes(vec![format!("{text}.")]));
        }
        doc.push(Block::Heading("Risks".into()));
        let risks = self.risks();
        if risks.is_empty() {
            doc.push(Block::Notes(vec![
                "None of the risks keyplan checks shows in this data.".to_string(),
            ]));
        } else {
            doc.push(Block::Bullets(risks.iter().map(Risk::line).collect()));
        }
        // The analysis document's blocks after its summary: the comparison table with the notes
        // that explain its markers go under "Candidates compared", the rest (hottest partitions,
        // placeholders, top keys) under "Evidence".
        summary.blocks.retain(|b| !matches!(b, Block::Summary(_)));
        let table_at = summary.blocks.iter().position(|b| {
            matches!(b, Block::Table { heading: Some(h), .. } if h.as_str() == "Partition counts")
        });
        let mut comparison = Vec::new();
        if let Some(i) = table_at {
            let end = match summary.blocks.get(i + 1) {
                Some(Block::Bullets(_)) => i + 2,
                _ => i + 1,
            };
            comparison = summary.blocks.drain(i..end).collect();
        }
        doc.push(Block::Heading("Candidates compared".into()));
        doc.blocks.extend(comparison);
        doc.push(Block::Heading("Evidence".into()));
        figures(&mut doc, charts);
        doc.blocks.extend(summary.blocks);
        doc.push(Block::Heading("Review checklist".into()));
        doc.push(Block::Table {
            heading: None,
            table: checklist_table(&self.checklist()),
        });
        doc.push(Block::Heading("Method and assumptions".into()));
        let mut lines = Vec::new();
        if let Some(i) = &self.interval {
            lines.push(format!("Intervals: {}: {}.", i.method, i.reason));
        }
        if let Some(a) = &self.approximate {
            lines.push(format!(
                "Bounded-memory mode: {}; distinct keys are a HyperLogLog estimate, top-key counts \
                 upper bounds (each at most {} above the truth).",
                a.reason,
                group_digits(a.top_keys_max_error)
            ));
        }
        let ids = distinct(self.scenarios.iter().map(|s| s.partitioner.as_str()));
        lines.extend(partitioner_lines(&ids));
        if let Some(p) = &self.provenance {
            lines.extend(provenance_lines(p));
        }
        doc.push(Block::Bullets(lines));
        doc
    }
}

fn analysis_hot_keys(r: &AnalysisReport) -> Vec<Risk> {
    // A scenario whose skew sits at its hot-key floor is limited by one key, not by the hash.
    let limited: Vec<String> = r
        .scenarios
        .iter()
        .filter(|s| {
            s.metrics.hot_key_floor > 1.0 && s.metrics.skew <= s.metrics.hot_key_floor * 1.1
        })
        .map(|s| format!("{} ({})", s.partitions, s.partitioner))
        .collect();
    if limited.is_empty() {
        return Vec::new();
    }
    vec![Risk {
        kind: "hot key",
        text: format!(
            "The top key ({} of events) sets the skew at {}: within 10% of the hot-key floor, so \
             more partitions do not help there; change or split the key.",
            percent(r.top_key_share),
            limited.join(", ")
        ),
    }]
}

fn analysis_placeholder_keys(r: &AnalysisReport) -> Vec<Risk> {
    r.top_keys
        .iter()
        .filter(|k| k.placeholder)
        .map(|k| Risk {
            kind: "placeholder key",
            text: format!(
                "'{}' carries {} of events: usually a missing or default value, not an entity; \
                 check the producer before sizing for it.",
                keys::printable(&k.key),
                percent(k.share)
            ),
        })
        .collect()
}

fn analysis_client_mismatch(r: &AnalysisReport) -> Vec<Risk> {
    let ids = distinct(r.scenarios.iter().map(|s| s.partitioner.as_str()));
    let pairs = mismatched_pairs(&ids);
    if pairs.is_empty() {
        return Vec::new();
    }
    vec![Risk {
        kind: "client mismatch",
        text: client_mismatch_text(&pairs, None),
    }]
}

fn analysis_ordering_breaks(r: &AnalysisReport) -> Vec<Risk> {
    r.scenarios
        .iter()
        .flat_map(|s| split_entities(&s.ordering, &s.partitioner, s.partitions))
        .collect()
}

fn analysis_refused_keys(r: &AnalysisReport) -> Vec<Risk> {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for s in r.scenarios.iter().filter(|s| s.rejected_keys > 0) {
        if seen.contains(&s.partitioner.as_str()) {
            continue;
        }
        seen.push(&s.partitioner);
        out.push(Risk {
            kind: "refused keys",
            text: format!(
                "{} refuses {} ({} of events): the producer would fail to send them.",
                s.partitioner,
                plural(s.rejected_keys, "distinct key", "distinct keys"),
                percent(s.rejected_events as f64 / r.events.max(1) as f64)
            ),
        });
    }
    out
}

fn analysis_sample_too_small(r: &AnalysisReport) -> Vec<Risk> {
    let small: Vec<String> = r
        .scenarios
        .iter()
        .filter(|s| s.stats.sample_too_small)
        .map(|s| format!("{} ({})", s.partitions, s.partitioner))
        .collect();
    let mut out = Vec::new();
    if !small.is_empty() {
        out.push(Risk {
            kind: "sample too small",
            text: format!(
                "the skew's 95% interval is wider than +-10% at {}: collect more events (more \
                 distinct keys) before deciding between close counts.",
                small.join(", ")
            ),
        });
    }
    if r.approximate.is_some() {
        out.push(Risk {
            kind: "approximate sample",
            text: "more distinct keys than exact counting allows: loads are exact, top-key shares \
                   upper bounds."
                .to_string(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn different_hashes_are_a_mismatch_and_equal_ones_are_not() {
        assert_eq!(
            mismatched_pairs(&["java", "librdkafka"]),
            vec![("java".to_string(), "librdkafka".to_string())]
        );
        assert!(mismatched_pairs(&["java", "librdkafka-murmur2"]).is_empty());
        assert!(mismatched_pairs(&["java"]).is_empty());
    }

    #[test]
    fn statuses_have_the_specification_labels() {
        assert_eq!(CheckStatus::Measured.label(), "measured");
        assert_eq!(
            CheckStatus::NotMeasurable.label(),
            "not measurable from a sample"
        );
    }
}
