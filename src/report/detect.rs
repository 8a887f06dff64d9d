//! The report of `keyplan detect`: how well each partitioner explains the observed (key, partition)
//! pairs of a topic, the best one (ties named), whether two clients write the topic, and the keys
//! that fit nothing.

use serde::{Deserialize, Serialize};

use super::document::{Block, Document};
use super::keys::KeyLabel;
use super::table::{Align, Table};
use super::{group_digits, percent, Provenance};
use crate::analysis::detect::{Detection, MATCH_PAIR, MATCH_SINGLE};
use crate::model::KeyDistribution;

/// Schema id of `detect --format json`.
pub const DETECT_SCHEMA: &str = "keyplan.detect/v1";

/// One partitioner and how well it explains the observed placement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectCandidate {
    /// The partitioner id.
    pub partitioner: String,
    /// Share of observed events on the partition it computes (random placements count as matches).
    #[serde(rename = "match")]
    pub match_share: f64,
    /// Share of distinct keys all of whose observed events match.
    pub keys_match: f64,
    /// Share of observed events of keys it places at random (counted as matching).
    pub random_share: f64,
    /// Share of observed events of keys it refuses (never matching).
    pub refused_share: f64,
}

/// A key that the explanation does not fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnexplainedKey {
    /// The key as text; `<key #R>` when keys are redacted, R its rank in the whole sample.
    pub key: String,
    /// The key's exact bytes in hex (absent when keys are redacted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_hex: Option<String>,
    /// Its observed events.
    pub events: u64,
    /// Of those, events on a partition the explanation does not compute.
    pub unexplained_events: u64,
    /// The partitions it was observed on, with their events.
    pub observed: Vec<ObservedCell>,
}

/// Events of one key on one observed partition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedCell {
    /// The partition.
    pub partition: u32,
    /// The events seen there.
    pub events: u64,
}

/// The thresholds the verdict used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// [`MATCH_SINGLE`].
    pub match_single: f64,
    /// [`MATCH_PAIR`].
    pub match_pair: f64,
}

/// The result of `keyplan detect`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectReport {
    /// Always [`DETECT_SCHEMA`].
    pub schema: String,
    /// The partition count compared at.
    pub partitions: u32,
    /// Events with an observed partition.
    pub events: u64,
    /// Distinct keys with an observed partition.
    pub keys: u64,
    /// Every partitioner, by match (descending), then in `keyplan partitioners` order.
    pub candidates: Vec<DetectCandidate>,
    /// The first in `keyplan partitioners` order among those with the highest match.
    pub best: String,
    /// Every partitioner with exactly the best match (identical mappings cannot be told apart).
    pub best_tied: Vec<String>,
    /// No single partitioner explains `match_single` of events, but a pair explains `match_pair`.
    pub mixed: bool,
    /// The pair, when `mixed`.
    pub mixed_pair: Option<[String; 2]>,
    /// Every pair explaining as many events as `mixed_pair` (including it): identical mappings tie.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mixed_pairs_tied: Vec<[String; 2]>,
    /// Share of events the pair explains, when `mixed`.
    pub mixed_match: Option<f64>,
    /// The thresholds of the verdict.
    pub thresholds: Thresholds,
    /// The heaviest keys the explanation (the pair when mixed, else `best`) does not fit.
    pub unexplained_keys: Vec<UnexplainedKey>,
    /// How the report was made.
    pub provenance: Provenance,
}

impl DetectReport {
    /// The report of `detection` over the keys of `dist`.
    pub fn new(
        d: &Detection,
        dist: &KeyDistribution,
        redact: bool,
        provenance: Provenance,
    ) -> DetectReport {
        let keys = d.keys.max(1) as f64;
        DetectReport {
            schema: DETECT_SCHEMA.to_string(),
            partitions: d.partitions.get(),
            events: d.events,
            keys: d.keys,
            candidates: d
                .candidates
                .iter()
                .map(|c| DetectCandidate {
                    partitioner: c.partitioner.id().to_string(),
                    match_share: d.share(c.matched_events),
                    keys_match: c.matched_keys as f64 / keys,
                    random_share: d.share(c.random_events),
                    refused_share: d.share(c.refused_events),
                })
                .collect(),
            best: d.best.id().to_string(),
            best_tied: d.tied.iter().map(|p| p.id().to_string()).collect(),
            mixed: d.mixed.is_some(),
            mixed_pair: d
                .mixed
                .map(|(a, b, _)| [a.id().to_string(), b.id().to_string()]),
            mixed_pairs_tied: d
                .mixed_tied
                .iter()
                .map(|(a, b)| [a.id().to_string(), b.id().to_string()])
                .collect(),
            mixed_match: d.mixed.map(|(_, _, e)| d.share(e)),
            thresholds: Thresholds {
                match_single: MATCH_SINGLE,
                match_pair: MATCH_PAIR,
            },
            unexplained_keys: d
                .unexplained
                .iter()
                .map(|u| {
                    let key = dist.keys()[u.key as usize].as_ref();
                    // Keys are heaviest first in the sample, so the index is the rank.
                    let label = KeyLabel::new(key, u.key as usize + 1, redact);
                    UnexplainedKey {
                        key: label.text,
                        key_hex: label.hex,
                        events: u.events,
                        unexplained_events: u.unexplained_events,
                        observed: u
                            .observed
                            .iter()
                            .map(|&(partition, events)| ObservedCell { partition, events })
                            .collect(),
                    }
                })
                .collect(),
            provenance,
        }
    }

    /// The verdict in one sentence.
    pub fn verdict(&self) -> String {
        let top = self.candidates.first().map_or(0.0, |c| c.match_share);
        if let (true, Some([a, b]), Some(m)) = (self.mixed, &self.mixed_pair, self.mixed_match) {
            let ties = if self.mixed_pairs_tied.len() > 1 {
                let others: Vec<String> = self.mixed_pairs_tied[1..]
                    .iter()
                    .map(|[x, y]| format!("{x} + {y}"))
                    .collect();
                format!(
                    " (as do {}: identical mappings cannot be told apart)",
                    others.join(", ")
                )
            } else {
                String::new()
            };
            return format!(
                "Mixed: no single partitioner explains {} of events (best {} at {}), but {a} and \
                 {b} together explain {}{ties}",
                percent(MATCH_SINGLE),
                self.best,
                percent(top),
                percent(m)
            );
        }
        let ties = if self.best_tied.len() > 1 {
            format!(
                " (tied with {}: identical mappings on these keys cannot be told apart)",
                self.best_tied[1..].join(", ")
            )
        } else {
            String::new()
        };
        format!(
            "Best: {} explains {} of {} observed events at {} partitions{ties}",
            self.best,
            percent(top),
            group_digits(self.events),
            self.partitions
        )
    }

    /// The report as a document.
    pub fn document(&self) -> Document {
        let mut doc = Document::new("Which client wrote this topic");
        doc.push(Block::Summary(self.verdict()));
        doc.table("Candidates", self.table());
        if !self.unexplained_keys.is_empty() {
            let mut t = Table::new(&[
                ("key", Align::Left),
                ("events", Align::Right),
                ("unexplained", Align::Right),
                ("observed partitions", Align::Left),
            ]);
            for k in &self.unexplained_keys {
                let observed: Vec<String> = k
                    .observed
                    .iter()
                    .map(|c| format!("{}:{}", c.partition, c.events))
                    .collect();
                t.push(vec![
                    k.key.clone(),
                    group_digits(k.events),
                    group_digits(k.unexplained_events),
                    observed.join(" "),
                ]);
            }
            doc.table("Unexplained keys", t);
        }
        doc
    }

    /// One row per partitioner.
    pub fn table(&self) -> Table {
        let mut t = Table::new(&[
            ("partitioner", Align::Left),
            ("match", Align::Right),
            ("keys match", Align::Right),
            ("random", Align::Right),
            ("refused", Align::Right),
        ]);
        for c in &self.candidates {
            t.push(vec![
                c.partitioner.clone(),
                format!("{:.4}", c.match_share),
                format!("{:.4}", c.keys_match),
                format!("{:.4}", c.random_share),
                format!("{:.4}", c.refused_share),
            ]);
        }
        t
    }
}
