//! The report bundle: every file of `plan --out DIR` and `analyze --out DIR`, built in memory from
//! the one report value and written as a whole (README, "The report bundle").
//!
//! | file | what |
//! |---|---|
//! | `report.md` | the review document as Markdown; charts linked as `charts/NAME.svg` |
//! | `report.html` | the same document as one self-contained page (charts inline) |
//! | `report.json` | the report value (`keyplan.report/v1` for plans, `keyplan.analysis/v1` for analyze) |
//! | `scenarios.csv`, `partitions.csv`, `top-keys.csv`, `consumers.csv` | the tables, one value per cell ([`super::csvsafe`] rules); `consumers.csv` only for plans |
//! | `charts/NAME.svg`, `charts/NAME.png` | each chart of [`super::charts`] |
//!
//! The bytes depend on the report only (no time, no absolute path, fixed order), so two runs give
//! identical files. The directory is written through [`AtomicDir`]: complete or left as it was.
//! Only a directory that is missing, empty, or holds nothing but a previous bundle's files is
//! replaced ([`check_out_dir`]).

use std::fs;
use std::io;
use std::path::Path;

use super::analysis::AnalysisReport;
use super::charts::{self, Chart};
use super::csvsafe::{Cell, CsvTable};
use super::plan::PlanReport;
use super::{Format, Report};
use crate::error::{Error, Result};
use crate::output::AtomicDir;

/// The files at the top of a bundle directory.
pub const TOP_FILES: [&str; 7] = [
    "report.md",
    "report.html",
    "report.json",
    "scenarios.csv",
    "partitions.csv",
    "top-keys.csv",
    "consumers.csv",
];

/// The charts' subdirectory.
pub const CHARTS_DIR: &str = "charts";

/// A bundle: relative file names and their bytes, in writing order.
#[derive(Debug, Clone, Default)]
pub struct Bundle {
    /// `(relative path, bytes)`; paths use `/`.
    pub files: Vec<(String, Vec<u8>)>,
}

impl Bundle {
    /// The bundle of a plan review.
    pub fn plan(report: &PlanReport) -> Result<Bundle> {
        let charts = checked(charts::plan_charts(report)?)?;
        let doc = report.review_document(&charts);
        let mut b = Bundle::default();
        b.add("report.md", doc.to_markdown().into_bytes());
        b.add("report.html", doc.to_html().into_bytes());
        b.add(
            "report.json",
            Report::Plan(Box::new(report.clone())).render(Format::Json),
        );
        b.add("scenarios.csv", plan_scenarios_csv(report));
        b.add("partitions.csv", plan_partitions_csv(report));
        b.add("top-keys.csv", plan_top_keys_csv(report));
        b.add("consumers.csv", plan_consumers_csv(report));
        b.add_charts(&charts);
        Ok(b)
    }

    /// The bundle of a one-shot `analyze` comparison (no consumers.csv: analyze has no consumer
    /// groups).
    pub fn analysis(report: &AnalysisReport) -> Result<Bundle> {
        let charts = checked(charts::analysis_charts(report)?)?;
        let doc = report.review_document(&charts);
        let mut b = Bundle::default();
        b.add("report.md", doc.to_markdown().into_bytes());
        b.add("report.html", doc.to_html().into_bytes());
        b.add(
            "report.json",
            Report::Analysis(Box::new(report.clone())).render(Format::Json),
        );
        b.add("scenarios.csv", report.scenario_csv().into_bytes());
        b.add("partitions.csv", analysis_partitions_csv(report));
        b.add("top-keys.csv", analysis_top_keys_csv(report));
        b.add_charts(&charts);
        Ok(b)
    }

    fn add(&mut self, name: &str, bytes: Vec<u8>) {
        self.files.push((name.to_string(), bytes));
    }

    fn add_charts(&mut self, charts: &[Chart]) {
        for c in charts {
            self.add(
                &format!("{CHARTS_DIR}/{}.svg", c.name),
                c.svg.clone().into_bytes(),
            );
            self.add(&format!("{CHARTS_DIR}/{}.png", c.name), c.png.clone());
        }
    }

    /// The bytes of one file of the bundle.
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
    }

    /// Writes the bundle to `dir` as a whole ([`AtomicDir`]), after [`check_out_dir`].
    pub fn write(&self, dir: &Path) -> Result<()> {
        check_out_dir(dir)?;
        let mut out = AtomicDir::create(dir)?;
        for (name, bytes) in &self.files {
            out.write(name, bytes)?;
        }
        out.commit()
    }
}

/// Chart names become file names and Markdown links: refuse anything but `[a-z0-9-]+`, and
/// duplicates.
fn checked(charts: Vec<Chart>) -> Result<Vec<Chart>> {
    for (i, c) in charts.iter().enumerate() {
        let plain = !c.name.is_empty()
            && c.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !plain || charts[..i].iter().any(|o| o.name == c.name) {
            return Err(Error::Usage(format!(
                "internal error: chart name {:?} is not a unique [a-z0-9-] file stem",
                c.name
            )));
        }
    }
    Ok(charts)
}

/// Checks, before any long work, that `dir` may receive a bundle: it is missing, an empty
/// directory, or a directory holding only files a bundle writes (with `report.json` among them).
/// Anything else is refused rather than replaced, so `--out .` or `--out ~/docs` never deletes a
/// user's files.
pub fn check_out_dir(dir: &Path) -> Result<()> {
    let refuse = |why: String| {
        Err(Error::Usage(format!(
            "--out {}: {why}; choose a new or empty directory (a previous keyplan report \
             directory is replaced as a whole)",
            dir.display()
        )))
    };
    if dir.file_name().is_none() {
        // `.`, `..`, `/`: the directory is swapped with a sibling, so it needs a name of its own.
        return refuse("name a directory of its own (not ., .. or /)".to_string());
    }
    let meta = match fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    if meta.file_type().is_symlink() {
        return refuse("is a symbolic link".to_string());
    }
    if !meta.is_dir() {
        return refuse("exists and is not a directory".to_string());
    }
    let names = entries(dir)?;
    if names.is_empty() {
        return Ok(());
    }
    let foreign: Vec<String> = names
        .iter()
        .filter(|n| !owned_top(dir, n))
        .cloned()
        .collect();
    if !foreign.is_empty() {
        return refuse(format!(
            "holds files a keyplan report does not write ({})",
            foreign.join(", ")
        ));
    }
    if !names.iter().any(|n| n == "report.json") {
        return refuse("is not empty and has no report.json".to_string());
    }
    Ok(())
}

/// Sorted entry names of `dir`.
fn entries(dir: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for e in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let e = e.map_err(|e| Error::io(dir, e))?;
        names.push(e.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

/// True for an entry of a bundle directory that a bundle writes: a top file, a leftover temporary
/// file of an atomic write, or a `charts/` directory of `.svg` and `.png` files only.
fn owned_top(dir: &Path, name: &str) -> bool {
    if TOP_FILES.contains(&name) || name.ends_with(".keyplan-tmp") {
        return fs::symlink_metadata(dir.join(name)).is_ok_and(|m| m.is_file());
    }
    if name != CHARTS_DIR {
        return false;
    }
    let charts = dir.join(name);
    if !fs::symlink_metadata(&charts).is_ok_and(|m| m.is_dir()) {
        return false;
    }
    match entries(&charts) {
        Ok(names) => names.iter().all(|n| {
            (n.ends_with(".svg") || n.ends_with(".png"))
                && fs::symlink_metadata(charts.join(n)).is_ok_and(|m| m.is_file())
        }),
        Err(_) => false,
    }
}

fn plan_scenarios_csv(r: &PlanReport) -> Vec<u8> {
    let mut t = CsvTable::new(&[
        "strategy",
        "partitioner",
        "partitions",
        "candidate",
        "events",
        "max_partition_events",
        "hottest_partition",
        "max_share",
        "max_share_ci_low",
        "max_share_ci_high",
        "skew",
        "skew_ci_low",
        "skew_ci_high",
        "sample_too_small",
        "expected_skew_random",
        "expected_skew_random_p95",
        "worse_than_random",
        "cv",
        "gini",
        "effective_parallelism",
        "hot_key_floor",
        "empty_partitions",
        "max_bytes_share",
        "hot_partition_utilization",
        "hot_partition_utilization_upper",
        "utilization_at_horizon",
        "utilization_at_horizon_upper",
        "headroom",
        "runway_months",
        "byte_utilization",
        "byte_utilization_at_horizon",
        "feasible",
        "divides_evenly",
        "breaches",
        "unlucky",
        "ordering_entity",
        "entities_split",
        "events_at_risk",
    ]);
    for s in &r.scenarios {
        let (m, st, c) = (&s.metrics, &s.stats, &s.capacity);
        let mut breaches: Vec<&str> = s.breaches.iter().map(|b| b.limit.as_str()).collect();
        // max_utilization is checked on events and bytes: name it once.
        breaches.dedup();
        t.push(vec![
            Cell::text(&s.strategy),
            Cell::text(&s.partitioner),
            Cell::num(s.partitions),
            Cell::flag(s.candidate),
            Cell::num(s.partition_events.iter().sum::<u64>()),
            Cell::num(m.max_partition_events),
            Cell::num(m.hottest_partition),
            Cell::float(Some(m.max_share)),
            Cell::float(Some(st.max_share_ci[0])),
            Cell::float(Some(st.max_share_ci[1])),
            Cell::float(Some(m.skew)),
            Cell::float(Some(st.skew_ci[0])),
            Cell::float(Some(st.skew_ci[1])),
            Cell::flag(st.sample_too_small),
            Cell::float(st.expected_skew_random),
            Cell::float(st.expected_skew_random_p95),
            Cell::Number(
                st.worse_than_random
                    .map_or(String::new(), |b| b.to_string()),
            ),
            Cell::float(Some(m.cv)),
            Cell::float(Some(m.gini)),
            Cell::float(Some(m.effective_parallelism)),
            Cell::float(Some(m.hot_key_floor)),
            Cell::num(m.empty_partitions),
            Cell::float(s.max_bytes_share),
            Cell::float(Some(c.hot_partition_utilization)),
            Cell::float(Some(c.hot_partition_utilization_upper)),
            Cell::float(Some(c.utilization_at_horizon)),
            Cell::float(Some(c.utilization_at_horizon_upper)),
            Cell::float(Some(c.headroom)),
            Cell::float(c.runway_months),
            Cell::float(c.byte_utilization),
            Cell::float(c.byte_utilization_at_horizon),
            Cell::flag(s.feasible),
            Cell::flag(s.divides_evenly),
            Cell::text(breaches.join(" ")),
            Cell::text(s.unlucky.clone().unwrap_or_default()),
            // The first ordering entity ([ordering] require); empty without one.
            Cell::text(
                s.ordering
                    .first()
                    .map_or(String::new(), |o| o.entity.clone()),
            ),
            Cell::Number(
                s.ordering
                    .first()
                    .map_or(String::new(), |o| o.entities_split.to_string()),
            ),
            Cell::Number(
                s.ordering
                    .first()
                    .map_or(String::new(), |o| o.events_at_risk.to_string()),
            ),
        ]);
    }
    t.to_bytes()
}

fn plan_partitions_csv(r: &PlanReport) -> Vec<u8> {
    let mut t = CsvTable::new(&[
        "strategy",
        "partitioner",
        "partitions",
        "partition",
        "events",
        "share",
    ]);
    for s in &r.scenarios {
        let total: u64 = s.partition_events.iter().sum();
        for (i, &l) in s.partition_events.iter().enumerate() {
            t.push(vec![
                Cell::text(&s.strategy),
                Cell::text(&s.partitioner),
                Cell::num(s.partitions),
                Cell::num(i),
                Cell::num(l),
                Cell::float(Some(l as f64 / total.max(1) as f64)),
            ]);
        }
    }
    t.to_bytes()
}

fn plan_top_keys_csv(r: &PlanReport) -> Vec<u8> {
    let mut t = CsvTable::new(&[
        "strategy",
        "rank",
        "key",
        "key_hex",
        "events",
        "share",
        "max_error",
        "placeholder",
        "events_per_sec_at_horizon",
        "exceeds_partition_capacity",
    ]);
    for s in &r.strategies {
        for (i, k) in s.top_keys.iter().enumerate() {
            t.push(vec![
                Cell::text(&s.name),
                Cell::num(i + 1),
                Cell::text(&k.key),
                Cell::text(k.key_hex.clone().unwrap_or_default()),
                Cell::num(k.events),
                Cell::float(Some(k.share)),
                Cell::Number(k.max_error.map_or(String::new(), |e| e.to_string())),
                Cell::flag(k.placeholder),
                Cell::float(Some(k.share * r.peak_at_horizon)),
                Cell::flag(s.hot_keys.iter().any(|h| h.key == k.key)),
            ]);
        }
    }
    t.to_bytes()
}

fn plan_consumers_csv(r: &PlanReport) -> Vec<u8> {
    let mut t = CsvTable::new(&[
        "strategy",
        "partitioner",
        "partitions",
        "consumers",
        "assignor",
        "consumer",
        "events",
        "share",
    ]);
    for s in &r.scenarios {
        let total: u64 = s.partition_events.iter().sum();
        for c in &s.consumers {
            for (j, &e) in c.consumer_events.iter().enumerate() {
                t.push(vec![
                    Cell::text(&s.strategy),
                    Cell::text(&s.partitioner),
                    Cell::num(s.partitions),
                    Cell::num(c.consumers),
                    Cell::text(&c.assignor),
                    Cell::num(j),
                    Cell::num(e),
                    Cell::float(Some(e as f64 / total.max(1) as f64)),
                ]);
            }
        }
    }
    t.to_bytes()
}

fn analysis_partitions_csv(r: &AnalysisReport) -> Vec<u8> {
    let with_bytes = r.scenarios.iter().any(|s| s.partition_bytes.is_some());
    let mut header = vec!["partitioner", "partitions", "partition", "events", "share"];
    if with_bytes {
        header.push("bytes");
    }
    let mut t = CsvTable::new(&header);
    for s in &r.scenarios {
        let total: u64 = s.partition_events.iter().sum();
        for (i, &l) in s.partition_events.iter().enumerate() {
            let mut row = vec![
                Cell::text(&s.partitioner),
                Cell::num(s.partitions),
                Cell::num(i),
                Cell::num(l),
                Cell::float(Some(l as f64 / total.max(1) as f64)),
            ];
            if with_bytes {
                row.push(Cell::Number(
                    s.partition_bytes
                        .as_ref()
                        .and_then(|b| b.get(i))
                        .map_or(String::new(), |b| b.to_string()),
                ));
            }
            t.push(row);
        }
    }
    t.to_bytes()
}

fn analysis_top_keys_csv(r: &AnalysisReport) -> Vec<u8> {
    let mut t = CsvTable::new(&[
        "rank",
        "key",
        "key_hex",
        "events",
        "share",
        "max_error",
        "certain",
        "placeholder",
    ]);
    for (i, k) in r.top_keys.iter().enumerate() {
        t.push(vec![
            Cell::num(i + 1),
            Cell::text(&k.key),
            Cell::text(k.key_hex.clone().unwrap_or_default()),
            Cell::num(k.events),
            Cell::float(Some(k.share)),
            Cell::Number(k.max_error.map_or(String::new(), |e| e.to_string())),
            Cell::Number(k.certain.map_or(String::new(), |c| c.to_string())),
            Cell::flag(k.placeholder),
        ]);
    }
    t.to_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bundle_directories_are_replaced() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        assert!(check_out_dir(&dir).is_ok(), "missing");
        for unnamed in [".", "..", "/", "a/.."] {
            assert!(check_out_dir(Path::new(unnamed)).is_err(), "{unnamed}");
        }
        fs::create_dir(&dir).unwrap();
        assert!(check_out_dir(&dir).is_ok(), "empty");
        fs::write(dir.join("report.md"), b"x").unwrap();
        assert!(check_out_dir(&dir).is_err(), "no report.json");
        fs::write(dir.join("report.json"), b"{}").unwrap();
        fs::create_dir(dir.join("charts")).unwrap();
        fs::write(dir.join("charts/load.svg"), b"<svg/>").unwrap();
        assert!(check_out_dir(&dir).is_ok(), "a previous bundle");
        fs::write(dir.join("notes.txt"), b"mine").unwrap();
        let e = check_out_dir(&dir).unwrap_err().to_string();
        assert!(e.contains("notes.txt"), "{e}");
        fs::remove_file(dir.join("notes.txt")).unwrap();
        fs::write(dir.join("charts/data.xlsx"), b"mine").unwrap();
        assert!(check_out_dir(&dir).is_err(), "a foreign file in charts/");
    }

    #[test]
    fn chart_names_must_be_plain() {
        let chart = |name: &str| Chart {
            name: name.to_string(),
            title: String::new(),
            alt: String::new(),
            svg: String::new(),
            png: Vec::new(),
        };
        assert!(checked(vec![chart("partition-load"), chart("lorenz")]).is_ok());
        assert!(checked(vec![chart("../x")]).is_err());
        assert!(checked(vec![chart("a"), chart("a")]).is_err());
        assert!(checked(vec![chart("")]).is_err());
    }
}
