//! `keyplan plan`: the design review of a plan file. One engine run per key strategy evaluates every
//! partitioner x partition count; the [`PlanReport`] adds capacity, consumer loads, the naive rule and
//! a recommendation, and is written as the report bundle to DIR (report.md, report.html,
//! report.json, CSV tables, charts; all or nothing) with a readable summary on standard output.

use std::path::PathBuf;

use crate::engine::{self, Outcome};
use crate::error::{Exit, Result};
use crate::output;
use crate::report::bundle::{self, Bundle};
use crate::report::{Format, PlanReport, Report};
use crate::settings::plan::Plan;

/// Evaluate a plan file: every strategy x partitioner x partition count, with a recommendation.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  keyplan plan samples/flights/plan.toml --out review/
  keyplan plan plan.toml --out review/ --redact-keys      # a bundle that can leave the team
  keyplan init events.csv.gz --key customer_id -o plan.toml && keyplan plan plan.toml

--out DIR writes the report bundle: report.md (charts linked from charts/), report.html (one
self-contained page: styles and charts inline, no network), report.json (keyplan.report/v1),
scenarios.csv, partitions.csv, top-keys.csv, consumers.csv, and charts/NAME.svg + NAME.png.
CSV text cells that a spreadsheet would run as a formula (starting with = + - @ TAB CR) get a
leading '. The bundle is written to a temporary directory beside DIR and swapped into place, so
DIR holds either the previous report or the new one. DIR must be missing, empty, or a previous
keyplan report directory (it is replaced as a whole); anything else is refused.")]
pub struct PlanArgs {
    /// The plan file (TOML; README, \"Planning capacity\"). Paths in it are relative to it.
    #[arg(value_name = "PLAN.toml")]
    pub plan: PathBuf,

    /// Directory to write the report bundle to (created when missing; a previous report there is
    /// replaced as a whole). Without it, only the summary is printed.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Replace every key in every output (summary, bundle files, charts) by `<key #RANK>`, its rank
    /// in its strategy's sample, for reports that leave the team.
    #[arg(long)]
    pub redact_keys: bool,

    /// Show every column of the summary's tables, however wide (by default they fit 120 columns).
    #[arg(long)]
    pub wide: bool,
}

/// Runs `plan`: plan file -> one engine run per strategy -> report -> files and summary.
pub fn run(args: PlanArgs) -> Result<Exit> {
    let plan = Plan::load(&args.plan)?;
    if let Some(dir) = &args.out {
        // Before the long run: a directory that must not be replaced fails now, not after.
        bundle::check_out_dir(dir)?;
    }
    let outcomes = evaluate(&plan)?;
    let plan_report = PlanReport::new(&plan, &outcomes, args.redact_keys);
    for outcome in outcomes {
        engine::release_at_exit(outcome);
    }
    if let Some(dir) = &args.out {
        Bundle::plan(&plan_report)?.write(dir)?;
    }
    let report = Report::Plan(Box::new(plan_report));
    output::emit_bytes(None, &report.render_wide(Format::Table, args.wide))?;
    Ok(Exit::Ok)
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
