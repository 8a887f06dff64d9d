//! `keyplan plan`: the design review of a plan file. One engine run per key strategy evaluates every
//! partitioner x partition count; the [`PlanReport`] adds capacity, consumer loads, the naive rule and
//! a recommendation, and is written as DIR/report.json and DIR/report.md (atomically) with a readable
//! summary on standard output.

use std::path::{Path, PathBuf};

use crate::engine::{self, Outcome};
use crate::error::{Error, Exit, Result};
use crate::output;
use crate::report::{Format, PlanReport, Report};
use crate::settings::plan::Plan;

/// Evaluate a plan file: every strategy x partitioner x partition count, with a recommendation.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  keyplan plan samples/flights/plan.toml --out review/
  keyplan init events.csv.gz --key customer_id -o plan.toml && keyplan plan plan.toml")]
pub struct PlanArgs {
    /// The plan file (TOML; README, \"Planning capacity\"). Paths in it are relative to it.
    #[arg(value_name = "PLAN.toml")]
    pub plan: PathBuf,

    /// Directory to write report.json and report.md to (created when missing). Without it, only the
    /// summary is printed.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Show every column of the summary's tables, however wide (by default they fit 120 columns).
    #[arg(long)]
    pub wide: bool,
}

/// Runs `plan`: plan file -> one engine run per strategy -> report -> files and summary.
pub fn run(args: PlanArgs) -> Result<Exit> {
    let plan = Plan::load(&args.plan)?;
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        output::check_writable(&dir.join("report.json"))?;
    }
    let outcomes = evaluate(&plan)?;
    let report = Report::Plan(Box::new(PlanReport::new(&plan, &outcomes)));
    for outcome in outcomes {
        engine::release_at_exit(outcome);
    }
    if let Some(dir) = &args.out {
        write(dir, "report.json", &report.render(Format::Json))?;
        write(dir, "report.md", &report.render(Format::Markdown))?;
    }
    output::emit_bytes(None, &report.render_wide(Format::Table, args.wide))?;
    Ok(Exit::Ok)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    output::write_atomic(&dir.join(name), bytes)
}

/// One engine run per strategy, over the candidates plus the design's partitioner and count for the
/// design's strategy (so `check` and the review see the same figures).
pub fn evaluate(plan: &Plan) -> Result<Vec<Outcome>> {
    let mut outcomes = Vec::with_capacity(plan.strategies.len());
    for i in 0..plan.strategies.len() {
        let mut partitioners = plan.partitioners.clone();
        let mut counts = plan.counts.clone();
        if let Some(d) = plan.design.filter(|d| d.strategy == i) {
            if !partitioners.contains(&d.partitioner) {
                partitioners.push(d.partitioner);
            }
            if !counts.contains(&d.partitions) {
                counts.push(d.partitions);
                counts.sort_unstable();
            }
        }
        let settings = plan.run_settings(i, partitioners, counts);
        let outcome = engine::run(&settings)?;
        note_skipped(&outcome);
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// Says on standard error how many null-key records were left out, as `analyze` does.
pub fn note_skipped(outcome: &Outcome) {
    if outcome.read.skipped > 0 {
        eprintln!(
            "keyplan: note: {} records with a null key were left out (producers spread them over \
             partitions without hashing)",
            outcome.read.skipped
        );
    }
}
