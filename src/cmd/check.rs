//! `keyplan check`: the CI gate. Evaluates the plan's `[design]` against `targets.max_utilization` at
//! the horizon and every `[limits]` entry; exits 1 listing each breach, 0 quietly when all hold, 2 on
//! errors.

use std::path::PathBuf;

use super::plan::note_skipped;
use crate::engine;
use crate::error::{Error, Exit, Result};
use crate::output;
use crate::report::{CheckReport, Format, Report};
use crate::settings::plan::Plan;

/// Check the plan's [design] against its limits: exit 0 when all hold, 1 on a breach, 2 on errors.
// `[design]` is the plan file's table, not a link: these doc comments are the `--help` text.
#[allow(rustdoc::broken_intra_doc_links)]
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  keyplan check plan.toml            # quiet when the design holds; one line per breach otherwise
  keyplan check plan.toml --format json")]
pub struct CheckArgs {
    /// The plan file; it needs a [design] section.
    #[arg(value_name = "PLAN.toml")]
    pub plan: PathBuf,

    /// Output format. `table` prints only breaches; `json` always prints the full check.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Runs `check`.
pub fn run(args: CheckArgs) -> Result<Exit> {
    let plan = Plan::load(&args.plan)?;
    let Some(design) = plan.design else {
        return Err(Error::Usage(format!(
            "{}: no [design] section to check; add one with strategy, partitioner and partitions",
            plan.path
        )));
    };
    let mut settings = plan.run_settings(
        design.strategy,
        vec![design.partitioner],
        vec![design.partitions],
    );
    // No limit reads the time windows: skip collecting them.
    settings.facets.window_ms = None;
    let outcome = engine::run(&settings)?;
    note_skipped(&outcome);
    let report = CheckReport::new(&plan, &outcome).expect("the run covers the design's scenario");
    engine::release_at_exit(outcome);
    let ok = report.design.ok;
    let report = Report::Check(Box::new(report));
    output::emit_bytes(None, &report.render(args.format))?;
    Ok(if ok { Exit::Ok } else { Exit::Breach })
}
