//! The plan file (`PLAN.toml`): a design review's inputs, targets, candidates, strategies, the design
//! under review and its limits (README, "Planning capacity").
//!
//! Parsing is strict, because a typo in a plan silently changing a recommendation is worse than an
//! error: unknown fields are refused with `file:line` and the closest valid name (by edit distance),
//! missing fields say what to add, and every value is validated before any input is read. Paths are
//! relative to the plan file, so a plan runs the same from any working directory.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::{parse_delimiter, parse_partition_list};
use crate::analysis::capacity::{Limits, Targets, DEFAULT_MAX_UTILIZATION};
use crate::analysis::{stats, StatsSettings};
use crate::engine::{RunSettings, DEFAULT_MAX_KEYS};
use crate::error::{Error, Location, Result};
use crate::ingest::encoding::KeyEncoding;
use crate::ingest::keyexpr::KeyExpr;
use crate::ingest::{IngestOptions, InputFormat};
use crate::model::{FacetsSpec, KeyStrategy, PartitionCount};
use crate::partitioner::Partitioner;

/// How many heavy keys a plan run keeps at least (the report lists the top few; more are kept when
/// more can overload a partition, see [`Plan::top_keys`]).
pub const PLAN_TOP_KEYS: usize = 20;

/// The most heavy keys a plan run keeps, whatever the targets (memory stays small).
pub const MAX_PLAN_TOP_KEYS: usize = 100_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    input: RawInput,
    targets: RawTargets,
    candidates: RawCandidates,
    #[serde(default)]
    strategy: Vec<RawStrategy>,
    design: Option<RawDesign>,
    #[serde(default)]
    limits: RawLimits,
    /// The ordering entity whose events must stay in order.
    ordering: Option<RawOrdering>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrdering {
    /// The entity's columns (several form one composite entity), as `--order-by`.
    require: Spanned<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInput {
    paths: Spanned<Vec<String>>,
    key: Option<Spanned<String>>,
    key_template: Option<Spanned<String>>,
    key_encoding: Option<Spanned<String>>,
    count_col: Option<String>,
    bytes_col: Option<String>,
    size_col: Option<String>,
    time_col: Option<String>,
    input_format: Option<Spanned<String>>,
    delimiter: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTargets {
    peak_events_per_sec: Spanned<f64>,
    growth_per_month: Option<Spanned<f64>>,
    horizon_months: Option<Spanned<f64>>,
    consumer_events_per_sec: Spanned<f64>,
    max_utilization: Option<Spanned<f64>>,
    partition_bytes_per_sec: Option<Spanned<f64>>,
    mean_event_bytes: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawCounts {
    List(Vec<i64>),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCandidates {
    partitions: Spanned<RawCounts>,
    partitioners: Option<Spanned<Vec<String>>>,
    consumers: Option<Spanned<Vec<i64>>>,
    current_partitions: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStrategy {
    name: Spanned<String>,
    key: Spanned<String>,
    key_template: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDesign {
    strategy: Option<Spanned<String>>,
    partitioner: Option<Spanned<String>>,
    partitions: Spanned<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    max_skew: Option<Spanned<f64>>,
    min_headroom: Option<Spanned<f64>>,
    max_partitions: Option<Spanned<i64>>,
    /// Remap limits come with another issue; refused with a clear message until then.
    max_events_moved: Option<Spanned<f64>>,
}

/// One key strategy of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanStrategy {
    /// Its name in reports.
    pub name: String,
    /// The key expression as written (columns, comma-separated).
    pub key: String,
    /// The template joining the columns, when given.
    pub key_template: Option<String>,
    /// The parsed key (for a salting or splitting strategy: its field).
    pub expr: KeyExpr,
    /// The key strategy: the key as read, or `salt(...)` / `split-hot(...)`.
    pub strategy: KeyStrategy,
}

/// The design under review (`[design]`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Design {
    /// Index into [`Plan::strategies`].
    pub strategy: usize,
    /// The producer client.
    pub partitioner: Partitioner,
    /// The partition count.
    pub partitions: PartitionCount,
}

/// A validated plan.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The plan file as the user named it.
    pub path: String,
    /// The inputs as written in the plan (relative to the plan file), for reports.
    pub paths: Vec<String>,
    /// The inputs resolved against the plan file's directory, for reading.
    pub inputs: Vec<String>,
    /// How to read them (the key is set per strategy).
    pub ingest: IngestOptions,
    /// The `[input]` settings as written, for provenance.
    pub input_settings: Vec<(String, String)>,
    /// Key strategies, at least one (the `[input]` key when there is no `[[strategy]]`).
    pub strategies: Vec<PlanStrategy>,
    /// Capacity targets.
    pub targets: Targets,
    /// Candidate partition counts, ascending, without repeats.
    pub counts: Vec<PartitionCount>,
    /// Candidate partitioners, without repeats, in plan order.
    pub partitioners: Vec<Partitioner>,
    /// Planned consumer group sizes, as given (repeats dropped).
    pub consumers: Vec<u32>,
    /// The topic's partition count today, when it exists.
    pub current_partitions: Option<u32>,
    /// The design under review.
    pub design: Option<Design>,
    /// `[limits]`.
    pub limits: Limits,
}

impl Plan {
    /// Reads and validates the plan at `path`.
    pub fn load(path: &Path) -> Result<Plan> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let base = path.parent().unwrap_or(Path::new("")).to_path_buf();
        Plan::parse(&text, &path.display().to_string(), &base)
    }

    /// Validates plan `text`; `name` is used in messages, `base` resolves relative input paths.
    pub fn parse(text: &str, name: &str, base: &Path) -> Result<Plan> {
        let src = Source { text, name };
        let raw: RawPlan = toml::from_str(text).map_err(|e| src.toml_error(&e))?;
        let order_by = match &raw.ordering {
            None => Vec::new(),
            Some(o) => ordering(&src, &o.require)?,
        };
        if let Some(m) = &raw.limits.max_events_moved {
            return Err(src.at(
                m.span(),
                "limits.max_events_moved is not evaluated by this keyplan version yet (it comes \
                 with remap analysis); remove it to run the plan",
            ));
        }
        let input = &raw.input;
        if input.paths.get_ref().is_empty() {
            return Err(src.at(
                input.paths.span(),
                "input.paths is empty: list at least one sample file, e.g. paths = [\"events.csv.gz\"]",
            ));
        }
        let paths = input.paths.get_ref().clone();
        let inputs = paths
            .iter()
            .map(|p| resolve(base, p))
            .collect::<Vec<String>>();
        let key_encoding = match &input.key_encoding {
            None => KeyEncoding::Utf8,
            Some(s) => value_enum(s.get_ref()).ok_or_else(|| {
                src.at(
                    s.span(),
                    &format!(
                        "unknown key_encoding '{}' {}",
                        s.get_ref(),
                        choices::<KeyEncoding>()
                    ),
                )
            })?,
        };
        let format = match &input.input_format {
            None => InputFormat::Auto,
            Some(s) => value_enum(s.get_ref()).ok_or_else(|| {
                src.at(
                    s.span(),
                    &format!(
                        "unknown input_format '{}' {}",
                        s.get_ref(),
                        choices::<InputFormat>()
                    ),
                )
            })?,
        };
        let delimiter = match &input.delimiter {
            None => None,
            Some(s) => {
                Some(parse_delimiter(s.get_ref()).map_err(|e| src.at(s.span(), &e.to_string()))?)
            }
        };
        let mut input_settings = vec![("input_format".to_string(), format.name().to_string())];
        for (name, value) in [
            ("key", input.key.as_ref().map(|k| k.get_ref())),
            (
                "key_template",
                input.key_template.as_ref().map(|k| k.get_ref()),
            ),
            ("count_col", input.count_col.as_ref()),
            ("bytes_col", input.bytes_col.as_ref()),
            ("size_col", input.size_col.as_ref()),
            ("time_col", input.time_col.as_ref()),
        ] {
            if let Some(v) = value {
                input_settings.push((name.to_string(), v.clone()));
            }
        }
        input_settings.push(("key_encoding".to_string(), key_encoding.name().to_string()));
        let ingest = IngestOptions {
            format,
            key: None,
            key_encoding,
            count_col: input.count_col.clone(),
            bytes_col: input.bytes_col.clone(),
            size_col: input.size_col.clone(),
            time_col: input.time_col.clone(),
            partition_col: None,
            partition_limit: None,
            delimiter,
            threads: 0,
            progress: true,
            block_size: 0,
            order_by,
            bucket_by: None,
        };
        let strategies = strategies(&src, &raw)?;
        let targets = targets(&src, &raw.targets)?;
        let (counts, partitioners, consumers, current_partitions) =
            candidates(&src, &raw.candidates)?;
        let limits = limits(&src, &raw.limits)?;
        let design = match &raw.design {
            None => None,
            Some(d) => Some(design(&src, d, &strategies, &partitioners)?),
        };
        Ok(Plan {
            path: name.to_string(),
            paths,
            inputs,
            ingest,
            input_settings,
            strategies,
            targets,
            counts,
            partitioners,
            consumers,
            current_partitions,
            design,
            limits,
        })
    }

    /// How many heavy keys to keep so that every key that alone overloads a partition is seen: such a
    /// key has more than `capacity / t` of the events, so there are fewer than `t / capacity + 1`.
    pub fn top_keys(&self) -> usize {
        let bound = self.targets.peak_at_horizon() / self.targets.partition_capacity();
        let needed = if bound.is_finite() {
            bound.ceil().min(MAX_PLAN_TOP_KEYS as f64) as usize + 1
        } else {
            MAX_PLAN_TOP_KEYS
        };
        needed.clamp(PLAN_TOP_KEYS, MAX_PLAN_TOP_KEYS)
    }

    /// The engine settings of one strategy over `partitioners` x `counts`.
    pub fn run_settings(
        &self,
        strategy: usize,
        partitioners: Vec<Partitioner>,
        counts: Vec<PartitionCount>,
    ) -> RunSettings {
        let s = &self.strategies[strategy];
        RunSettings {
            inputs: self.inputs.clone(),
            ingest: IngestOptions {
                key: Some(s.expr.clone()),
                ..self.ingest.clone()
            },
            strategies: vec![s.strategy.clone()],
            partitioners,
            counts,
            stats: StatsSettings {
                trials: stats::DEFAULT_TRIALS,
                seed: stats::DEFAULT_SEED,
                ..StatsSettings::default()
            },
            max_keys: DEFAULT_MAX_KEYS,
            top: self.top_keys(),
            facets: FacetsSpec::default(),
        }
    }
}

/// The plan text and its name, for messages that point at a line.
struct Source<'a> {
    text: &'a str,
    name: &'a str,
}

impl Source<'_> {
    fn line(&self, offset: usize) -> u64 {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64
            + 1
    }

    fn at(&self, span: std::ops::Range<usize>, message: &str) -> Error {
        Error::input(
            Location::line(self.name, self.line(span.start)),
            message.to_string(),
        )
    }

    /// The `[table]` (or `[[array]]`) header in force at `offset`, for messages.
    fn section(&self, offset: usize) -> String {
        let end = offset.min(self.text.len());
        let line_end = self.text[end..]
            .find('\n')
            .map_or(self.text.len(), |i| end + i);
        self.text[..line_end]
            .lines()
            .rev()
            .map(str::trim)
            .find(|l| l.starts_with('['))
            .map(|l| l.split('#').next().unwrap_or(l).trim().to_string())
            .unwrap_or_else(|| "the top level".to_string())
    }

    /// A TOML or schema error as `file:line: message`, with the closest valid name for an unknown
    /// field and what to add for a missing one.
    fn toml_error(&self, e: &toml::de::Error) -> Error {
        let span = e.span().unwrap_or(0..0);
        let message = e.message().trim();
        let section = self.section(span.start);
        let text = if let Some(rest) = message.strip_prefix("unknown field `") {
            let (field, expected) = rest.split_once('`').unwrap_or((rest, ""));
            let valid: Vec<&str> = expected
                .split('`')
                .enumerate()
                .filter(|(i, _)| i % 2 == 1)
                .map(|(_, s)| s)
                .collect();
            match closest(field, &valid) {
                Some(best) => format!(
                    "unknown field `{field}` in {section}; did you mean `{best}`? (valid: {})",
                    valid.join(", ")
                ),
                None => format!("unknown field `{field}` in {section}"),
            }
        } else if let Some(rest) = message.strip_prefix("missing field `") {
            let field = rest.split('`').next().unwrap_or(rest);
            format!(
                "missing field `{field}` in {section}; add {}",
                missing_hint(field)
            )
        } else {
            format!("{message} (in {section})")
        };
        Error::input(Location::line(self.name, self.line(span.start)), text)
    }
}

/// What to write for a missing field.
fn missing_hint(field: &str) -> String {
    match field {
        "input" => "an [input] table with `paths` and `key`".into(),
        "targets" => {
            "a [targets] table with `peak_events_per_sec` and `consumer_events_per_sec`".into()
        }
        "candidates" => "a [candidates] table with `partitions = [6, 12, 24]`".into(),
        "paths" => "`paths = [\"events.csv.gz\"]` (relative to the plan file)".into(),
        "key" => "`key = \"COLUMN\"` (a column, or columns joined with ',')".into(),
        "name" => "`name = \"by-customer\"`".into(),
        "peak_events_per_sec" => "`peak_events_per_sec = 40000` (events/s at today's peak)".into(),
        "consumer_events_per_sec" => {
            "`consumer_events_per_sec = 2500` (events/s one consumer processes from one partition)"
                .into()
        }
        "partitions" => "`partitions = [6, 12, 24]`".into(),
        other => format!("`{other} = ...`"),
    }
}

/// The valid name closest to `word` by edit distance (ties: the first listed).
pub fn closest<'a>(word: &str, valid: &[&'a str]) -> Option<&'a str> {
    valid.iter().copied().min_by_key(|v| edit_distance(word, v))
}

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut row = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            row[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(row[j] + 1);
        }
        prev = row;
    }
    prev[b.len()]
}

fn value_enum<T: clap::ValueEnum>(text: &str) -> Option<T> {
    T::from_str(text, false).ok()
}

fn choices<T: clap::ValueEnum>() -> String {
    let names: Vec<String> = T::value_variants()
        .iter()
        .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
        .collect();
    format!("(expected one of: {})", names.join(", "))
}

fn resolve(base: &Path, path: &str) -> String {
    if path == "-" || Path::new(path).is_absolute() || base.as_os_str().is_empty() {
        path.to_string()
    } else {
        PathBuf::from(base).join(path).display().to_string()
    }
}

/// Parses a strategy's key: a plain key expression, or `salt(...)` / `split-hot(...)` (no template).
fn strategy_key(
    src: &Source,
    key: &Spanned<String>,
    template: Option<&Spanned<String>>,
    name: &str,
) -> Result<(KeyExpr, KeyStrategy)> {
    let k = key.get_ref();
    if let Some(strategy) =
        KeyStrategy::parse(k, name).map_err(|e| src.at(key.span(), &e.to_string()))?
    {
        if let Some(t) = template {
            return Err(src.at(
                t.span(),
                "key_template applies to plain keys, not to salt(...) or split-hot(...)",
            ));
        }
        let field = strategy.field().expect("a strategy has a field");
        return Ok((KeyExpr::column(field), strategy));
    }
    let expr = KeyExpr::parse(Some(k), template.map(|t| t.get_ref().as_str()))
        .map_err(|e| src.at(key.span(), &e.to_string()))?
        .expect("a key was given");
    Ok((expr, KeyStrategy::as_read(name)))
}

/// `[ordering] require`: the entity's columns, at least one, none empty or twice.
fn ordering(src: &Source, require: &Spanned<Vec<String>>) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    if require.get_ref().is_empty() {
        return Err(src.at(
            require.span(),
            "ordering.require is empty: name the entity's column(s), e.g. require = [\"order_id\"]",
        ));
    }
    for c in require.get_ref() {
        let c = c.trim();
        if c.is_empty() || out.iter().any(|o| o == c) {
            return Err(src.at(
                require.span(),
                &format!("ordering.require: column '{c}' is empty or named twice"),
            ));
        }
        out.push(c.to_string());
    }
    Ok(out)
}

fn strategies(src: &Source, raw: &RawPlan) -> Result<Vec<PlanStrategy>> {
    let mut out: Vec<PlanStrategy> = Vec::new();
    if raw.strategy.is_empty() {
        let Some(key) = &raw.input.key else {
            return Err(Error::input(
                Location::file(src.name),
                "no key: add `key = \"COLUMN\"` to [input], or one [[strategy]] with `name` and `key`",
            ));
        };
        let template = raw.input.key_template.as_ref();
        let (expr, strategy) = strategy_key(src, key, template, key.get_ref())?;
        out.push(PlanStrategy {
            name: key.get_ref().clone(),
            key: key.get_ref().clone(),
            key_template: template.map(|t| t.get_ref().clone()),
            expr,
            strategy,
        });
        return Ok(out);
    }
    for s in &raw.strategy {
        let name = s.name.get_ref();
        if name.trim().is_empty() {
            return Err(src.at(s.name.span(), "strategy name is empty"));
        }
        if out.iter().any(|o| &o.name == name) {
            return Err(src.at(
                s.name.span(),
                &format!("strategy name '{name}' is used twice; names must be unique"),
            ));
        }
        let (expr, strategy) = strategy_key(src, &s.key, s.key_template.as_ref(), name)?;
        out.push(PlanStrategy {
            name: name.clone(),
            key: s.key.get_ref().clone(),
            key_template: s.key_template.as_ref().map(|t| t.get_ref().clone()),
            expr,
            strategy,
        });
    }
    Ok(out)
}

fn targets(src: &Source, raw: &RawTargets) -> Result<Targets> {
    let value = |v: &Option<Spanned<f64>>| v.as_ref().map(|s| *s.get_ref());
    let t = Targets {
        peak_events_per_sec: *raw.peak_events_per_sec.get_ref(),
        growth_per_month: value(&raw.growth_per_month).unwrap_or(0.0),
        horizon_months: value(&raw.horizon_months).unwrap_or(0.0),
        consumer_events_per_sec: *raw.consumer_events_per_sec.get_ref(),
        max_utilization: value(&raw.max_utilization).unwrap_or(DEFAULT_MAX_UTILIZATION),
        partition_bytes_per_sec: value(&raw.partition_bytes_per_sec),
        mean_event_bytes: value(&raw.mean_event_bytes),
    };
    t.validate().map_err(|e| {
        // Point at the field that breaks its rule.
        use crate::analysis::capacity::TargetField::*;
        let span = match e.field {
            PeakEventsPerSec => Some(raw.peak_events_per_sec.span()),
            ConsumerEventsPerSec => Some(raw.consumer_events_per_sec.span()),
            GrowthPerMonth => raw.growth_per_month.as_ref().map(Spanned::span),
            HorizonMonths => raw.horizon_months.as_ref().map(Spanned::span),
            MaxUtilization => raw.max_utilization.as_ref().map(Spanned::span),
            PartitionBytesPerSec => raw.partition_bytes_per_sec.as_ref().map(Spanned::span),
            MeanEventBytes => raw.mean_event_bytes.as_ref().map(Spanned::span),
        };
        src.at(
            span.unwrap_or_else(|| raw.peak_events_per_sec.span()),
            &format!("targets.{e}"),
        )
    })?;
    Ok(t)
}

fn count(src: &Source, span: std::ops::Range<usize>, n: i64, what: &str) -> Result<PartitionCount> {
    let n =
        u64::try_from(n).map_err(|_| src.at(span.clone(), &format!("{what} {n} is negative")))?;
    PartitionCount::new(n).map_err(|e| src.at(span, &format!("{what}: {e}")))
}

type CandidateSet = (Vec<PartitionCount>, Vec<Partitioner>, Vec<u32>, Option<u32>);

fn candidates(src: &Source, raw: &RawCandidates) -> Result<CandidateSet> {
    let span = raw.partitions.span();
    let mut counts = match raw.partitions.get_ref() {
        RawCounts::List(list) => list
            .iter()
            .map(|&n| count(src, span.clone(), n, "candidates.partitions"))
            .collect::<Result<Vec<_>>>()?,
        RawCounts::Text(text) => parse_partition_list(text)
            .map_err(|e| src.at(span.clone(), &format!("candidates.partitions: {e}")))?,
    };
    if counts.is_empty() {
        return Err(src.at(
            span,
            "candidates.partitions is empty: list counts, e.g. [6, 12, 24]",
        ));
    }
    counts.sort_unstable();
    counts.dedup();
    let mut partitioners = Vec::new();
    match &raw.partitioners {
        None => partitioners.push(Partitioner::Java),
        Some(list) => {
            for id in list.get_ref() {
                let p = partitioner(src, id, list.span())?;
                if !partitioners.contains(&p) {
                    partitioners.push(p);
                }
            }
            if partitioners.is_empty() {
                return Err(src.at(
                    list.span(),
                    "candidates.partitioners is empty (e.g. [\"java\"])",
                ));
            }
        }
    }
    let mut consumers = Vec::new();
    if let Some(list) = &raw.consumers {
        for &c in list.get_ref() {
            let c = u32::try_from(c).ok().filter(|&c| c > 0).ok_or_else(|| {
                src.at(
                    list.span(),
                    &format!("candidates.consumers: {c} is not a consumer count (1 or more)"),
                )
            })?;
            if !consumers.contains(&c) {
                consumers.push(c);
            }
        }
    }
    let current = match &raw.current_partitions {
        None => None,
        Some(n) => Some(count(src, n.span(), *n.get_ref(), "candidates.current_partitions")?.get()),
    };
    Ok((counts, partitioners, consumers, current))
}

fn partitioner(src: &Source, id: &str, span: std::ops::Range<usize>) -> Result<Partitioner> {
    Partitioner::from_id(id).ok_or_else(|| {
        let ids: Vec<&str> = Partitioner::ALL.iter().map(|p| p.id()).collect();
        let hint = closest(id, &ids).map_or(String::new(), |c| format!("; did you mean '{c}'?"));
        src.at(
            span,
            &format!(
                "unknown partitioner '{id}'{hint} (`keyplan partitioners` lists them: {})",
                ids.join(", ")
            ),
        )
    })
}

fn limits(src: &Source, raw: &RawLimits) -> Result<Limits> {
    let non_negative = |v: &Option<Spanned<f64>>, name: &str| -> Result<Option<f64>> {
        match v {
            None => Ok(None),
            Some(s) if s.get_ref().is_finite() && *s.get_ref() >= 0.0 => Ok(Some(*s.get_ref())),
            Some(s) => Err(src.at(
                s.span(),
                &format!("limits.{name} must be a number, 0 or more"),
            )),
        }
    };
    let max_partitions = match &raw.max_partitions {
        None => None,
        Some(n) => Some(count(src, n.span(), *n.get_ref(), "limits.max_partitions")?.get()),
    };
    Ok(Limits {
        max_skew: non_negative(&raw.max_skew, "max_skew")?,
        min_headroom: match &raw.min_headroom {
            // Headroom may be negative (over capacity), so any finite threshold is meaningful.
            Some(s) if !s.get_ref().is_finite() => {
                return Err(src.at(s.span(), "limits.min_headroom must be a number"))
            }
            other => other.as_ref().map(|s| *s.get_ref()),
        },
        max_partitions,
    })
}

fn design(
    src: &Source,
    raw: &RawDesign,
    strategies: &[PlanStrategy],
    partitioners: &[Partitioner],
) -> Result<Design> {
    let strategy = match &raw.strategy {
        None => 0,
        Some(name) => strategies
            .iter()
            .position(|s| &s.name == name.get_ref())
            .ok_or_else(|| {
                let names: Vec<&str> = strategies.iter().map(|s| s.name.as_str()).collect();
                let hint = closest(name.get_ref(), &names)
                    .map_or(String::new(), |c| format!("; did you mean '{c}'?"));
                src.at(
                    name.span(),
                    &format!(
                        "design.strategy '{}' is not a strategy of this plan{hint} (strategies: {})",
                        name.get_ref(),
                        names.join(", ")
                    ),
                )
            })?,
    };
    let partitioner = match &raw.partitioner {
        None => partitioners[0],
        Some(id) => partitioner(src, id.get_ref(), id.span())?,
    };
    let partitions = count(
        src,
        raw.partitions.span(),
        *raw.partitions.get_ref(),
        "design.partitions",
    )?;
    Ok(Design {
        strategy,
        partitioner,
        partitions,
    })
}

/// What `keyplan init` found in a sample, to write a starter plan from.
#[derive(Debug, Clone)]
pub struct Starter {
    /// The sample path, relative to where the plan will be written.
    pub path: String,
    /// The key expression.
    pub key: String,
    /// The key template, if any.
    pub key_template: Option<String>,
    /// Other `[input]` settings given to init (name, value), written as they are.
    pub input: Vec<(String, String)>,
    /// The sample's header columns, when it has a header.
    pub columns: Vec<String>,
    /// Events and distinct keys in the sample.
    pub events: u64,
    /// Distinct keys in the sample.
    pub distinct_keys: u64,
    /// Share of events on the heaviest key.
    pub top_key_share: f64,
    /// Placeholder targets (every one with its unit).
    pub targets: Targets,
    /// Candidate partition counts around the naive answer.
    pub counts: Vec<u32>,
    /// Planned consumer group sizes.
    pub consumers: Vec<u32>,
    /// The design's partition count (the naive answer rounded to a candidate).
    pub design_partitions: u32,
}

/// A TOML basic string (quotes and escapes).
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Candidate counts around `naive`: the usual divisible counts (multiples of 6 and powers of two)
/// from half to four times it, so the file already brackets the answer; at most ~10 of them.
pub fn counts_around(naive: u32) -> Vec<u32> {
    const USUAL: [u32; 22] = [
        1, 2, 3, 4, 6, 8, 12, 16, 18, 24, 32, 36, 48, 64, 72, 96, 128, 144, 192, 256, 288, 384,
    ];
    let low = (naive / 2).max(1);
    let high = naive.saturating_mul(4).max(6);
    let mut out: Vec<u32> = USUAL
        .iter()
        .copied()
        .filter(|&n| n >= low && n <= high)
        .collect();
    if out.is_empty() || !out.iter().any(|&n| n >= naive) {
        out.push(naive.max(1));
    }
    out.sort_unstable();
    out.dedup();
    out
}

impl Starter {
    /// The commented starter plan. It parses as it is ([`Plan::parse`]), so `init` output runs through
    /// `plan` unchanged; the targets are placeholders to replace.
    pub fn render(&self) -> String {
        let list = |v: &[u32]| v.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
        let mut out = String::new();
        out.push_str("# keyplan plan: a starter written by `keyplan init` from a sample.\n");
        out.push_str("# Replace every PLACEHOLDER target with your figures, then run:\n");
        out.push_str("#   keyplan plan THIS_FILE --out review/   (the full report)\n");
        out.push_str(
            "#   keyplan check THIS_FILE                (the CI gate on [design] and [limits])\n",
        );
        out.push_str(&format!(
            "# The sample: {} events, {} distinct keys; the top key carries {:.2}% of events.\n\n",
            self.events,
            self.distinct_keys,
            self.top_key_share * 100.0
        ));
        out.push_str("[input]\n");
        out.push_str("# Paths are relative to this file.\n");
        out.push_str(&format!("paths = [{}]\n", quoted(&self.path)));
        if !self.columns.is_empty() {
            out.push_str(&format!("# Columns found: {}\n", self.columns.join(", ")));
        }
        out.push_str(&format!("key = {}\n", quoted(&self.key)));
        if let Some(t) = &self.key_template {
            out.push_str(&format!("key_template = {}\n", quoted(t)));
        }
        for (name, value) in &self.input {
            out.push_str(&format!("{name} = {}\n", quoted(value)));
        }
        let t = &self.targets;
        out.push_str("\n[targets]\n");
        out.push_str(&format!(
            "peak_events_per_sec = {:<10} # PLACEHOLDER events/s at today's peak, all partitions together\n",
            t.peak_events_per_sec
        ));
        out.push_str(&format!(
            "growth_per_month = {:<13} # PLACEHOLDER compound growth per month (0.04 = 4%)\n",
            t.growth_per_month
        ));
        out.push_str(&format!(
            "horizon_months = {:<15} # PLACEHOLDER months the design must hold\n",
            t.horizon_months
        ));
        out.push_str(&format!(
            "consumer_events_per_sec = {:<6} # PLACEHOLDER events/s one consumer processes from one partition\n",
            t.consumer_events_per_sec
        ));
        out.push_str(&format!(
            "max_utilization = {:<14} # highest acceptable consumer utilization (0.7 = 70%)\n",
            t.max_utilization
        ));
        out.push_str("# partition_bytes_per_sec = 1000000 # producer/broker guideline, bytes/s per partition\n");
        out.push_str("# mean_event_bytes = 1000           # bytes per event, when the sample has no size column\n");
        out.push_str("\n[candidates]\n");
        out.push_str(&format!(
            "# Around the naive answer ({} partitions for these targets, assuming an even spread).\n",
            self.design_partitions
        ));
        out.push_str(&format!("partitions = [{}]\n", list(&self.counts)));
        out.push_str(
            "partitioners = [\"java\"]  # `keyplan partitioners` lists the producer clients\n",
        );
        out.push_str(&format!(
            "consumers = [{}]  # planned consumer group sizes\n",
            list(&self.consumers)
        ));
        out.push_str(
            "# current_partitions = 12  # the topic's partition count today, if it exists\n",
        );
        out.push_str("\n[[strategy]]\n");
        out.push_str(&format!("name = {}\n", quoted(&self.key)));
        out.push_str(&format!("key = {}\n", quoted(&self.key)));
        if let Some(t) = &self.key_template {
            out.push_str(&format!("key_template = {}\n", quoted(t)));
        }
        out.push_str("\n[design]      # the design under review: `keyplan check` enforces the limits on it\n");
        out.push_str(&format!("strategy = {}\n", quoted(&self.key)));
        out.push_str("partitioner = \"java\"\n");
        out.push_str(&format!("partitions = {}\n", self.design_partitions));
        out.push_str("\n[limits]      # besides targets.max_utilization (at the horizon)\n");
        out.push_str("# max_skew = 2.0        # highest acceptable peak-to-mean partition load\n");
        out.push_str(
            "# min_headroom = 0.3    # lowest acceptable 1 - hot partition utilization today\n",
        );
        out.push_str(
            "# max_partitions = 96   # most partitions the platform accepts for one topic\n",
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = r#"
[input]
paths = ["events.csv"]
key = "customer"

[targets]
peak_events_per_sec = 40000
growth_per_month = 0.04
horizon_months = 24
consumer_events_per_sec = 2500

[candidates]
partitions = [24, 6, 12]
consumers = [3, 6]

[design]
partitions = 12

[limits]
max_skew = 2.0
"#;

    fn parse(text: &str) -> Result<Plan> {
        Plan::parse(text, "plan.toml", Path::new("dir"))
    }

    fn error(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn a_plan_parses_with_defaults() {
        let p = parse(PLAN).unwrap();
        assert_eq!(p.inputs, vec!["dir/events.csv".to_string()]);
        assert_eq!(p.paths, vec!["events.csv".to_string()]);
        assert_eq!(p.strategies.len(), 1);
        assert_eq!(p.strategies[0].name, "customer");
        assert_eq!(p.targets.max_utilization, 0.7);
        assert_eq!(p.targets.horizon_months, 24.0);
        let counts: Vec<u32> = p.counts.iter().map(|c| c.get()).collect();
        assert_eq!(counts, [6, 12, 24]);
        assert_eq!(p.partitioners, [Partitioner::Java]);
        assert_eq!(p.consumers, [3, 6]);
        let d = p.design.unwrap();
        assert_eq!((d.strategy, d.partitions.get()), (0, 12));
        assert_eq!(p.limits.max_skew, Some(2.0));
    }

    #[test]
    fn unknown_fields_name_line_and_closest() {
        let e = error(&PLAN.replace("growth_per_month", "growth_per_mnth"));
        assert!(e.starts_with("plan.toml:8:"), "{e}");
        assert!(e.contains("did you mean `growth_per_month`"), "{e}");
        assert!(e.contains("[targets]"), "{e}");
        let e = error(&PLAN.replace("[limits]", "[limit]"));
        assert!(e.contains("did you mean `limits`"), "{e}");
    }

    #[test]
    fn missing_fields_say_what_to_add() {
        let e = error(&PLAN.replace("consumer_events_per_sec = 2500", ""));
        assert!(e.contains("missing field `consumer_events_per_sec`"), "{e}");
        assert!(e.contains("add `consumer_events_per_sec = 2500`"), "{e}");
        let e = error(&PLAN.replace("key = \"customer\"", ""));
        assert!(e.contains("add `key = \"COLUMN\"`"), "{e}");
    }

    #[test]
    fn bad_values_name_their_line() {
        let e = error(&PLAN.replace(
            "consumer_events_per_sec = 2500",
            "consumer_events_per_sec = 0",
        ));
        assert!(e.starts_with("plan.toml:10:"), "{e}");
        assert!(e.contains("consumer_events_per_sec must be"), "{e}");
        let e = error(&PLAN.replace("[design]", "[design]\npartitioner = \"jav\""));
        assert!(e.contains("did you mean 'java'"), "{e}");
        let e = error(&PLAN.replace("[24, 6, 12]", "[0]"));
        assert!(e.contains("candidates.partitions"), "{e}");
        let e = error(&PLAN.replace("[24, 6, 12]", "[6, -1]"));
        assert!(e.contains("negative"), "{e}");
        let p = parse(&PLAN.replace("[24, 6, 12]", "\"8..32:8\"")).unwrap();
        assert_eq!(p.counts.len(), 4);
    }

    #[test]
    fn what_if_strategies_and_ordering_parse() {
        let text = format!(
            "{PLAN}\n[[strategy]]\nname = \"salted\"\nkey = \"salt(customer, 8, by=id)\"\n\
             [[strategy]]\nname = \"split\"\nkey = \"split-hot(customer, top=2, ways=4)\"\n\
             [ordering]\nrequire = [\"id\"]\n"
        );
        let p = parse(&text).unwrap();
        assert_eq!(p.ingest.order_by, vec!["id".to_string()]);
        assert_eq!(
            p.strategies[0].strategy,
            KeyStrategy::Salt {
                name: "salted".into(),
                field: "customer".into(),
                buckets: 8,
                by: Some("id".into())
            }
        );
        assert_eq!(p.strategies[0].expr, KeyExpr::column("customer"));
        let e = error(&format!(
            "{PLAN}\n[[strategy]]\nname = \"s\"\nkey = \"salt(customer, 0)\"\n"
        ));
        assert!(
            e.starts_with("plan.toml:24:") && e.contains("N must be"),
            "{e}"
        );
        let e = error(&format!("{PLAN}\n[ordering]\nrequire = []\n"));
        assert!(e.contains("ordering.require is empty"), "{e}");
    }

    #[test]
    fn edit_distance_and_closest() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(
            closest("parttions", &["paths", "partitions"]),
            Some("partitions")
        );
    }

    #[test]
    fn starter_plans_parse() {
        let s = Starter {
            path: "sample \"x\".csv".into(),
            key: "tailnum".into(),
            key_template: None,
            input: vec![("time_col".into(), "time_hour".into())],
            columns: vec!["tailnum".into(), "time_hour".into()],
            events: 10,
            distinct_keys: 3,
            top_key_share: 0.5,
            targets: Targets {
                peak_events_per_sec: 1000.0,
                growth_per_month: 0.02,
                horizon_months: 12.0,
                consumer_events_per_sec: 500.0,
                max_utilization: 0.7,
                partition_bytes_per_sec: None,
                mean_event_bytes: None,
            },
            counts: counts_around(4),
            consumers: vec![2, 4],
            design_partitions: 4,
        };
        let p = parse(&s.render()).unwrap();
        assert_eq!(p.paths, vec!["sample \"x\".csv".to_string()]);
        assert_eq!(p.design.unwrap().partitions.get(), 4);
        assert_eq!(counts_around(4), vec![2, 3, 4, 6, 8, 12, 16]);
        assert_eq!(counts_around(1), vec![1, 2, 3, 4, 6]);
    }
}
