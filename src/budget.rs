//! Legal but huge requests: estimates of the memory and work a command's flags ask for, checked
//! before any input is read, so that a run that cannot finish fails at once with exit 2 and a message
//! saying what would fit, instead of aborting on allocation after minutes (or never ending).
//!
//! Pure functions over the flags (and, passed in, how much memory the machine has), so each limit is
//! unit-tested. What depends on the input (its distinct keys) is not known here: bounded-memory mode
//! (`--max-keys`) covers that.

use crate::model::PartitionCount;

/// The most worker threads `--threads` accepts: far more than any machine keyplan runs on has cores,
/// and each worker holds its own blocks and counters, so beyond this a typo costs memory, not speed.
pub const MAX_THREADS: usize = 256;

/// The most Monte Carlo trials `--trials` accepts. The random-placement p95 is stable to about 1%
/// from a few thousand trials; a million leave room for any study, and keep the per-count array of
/// trial results at 8 MB.
pub const MAX_TRIALS: u32 = 1_000_000;

/// The most Monte Carlo steps (one random placement of one key or one partition's tail draw) a run
/// may ask for: about a minute of CPU at a few nanoseconds each.
pub const MAX_MONTE_CARLO_STEPS: u64 = 20_000_000_000;

/// Bytes held per per-partition load in exact mode: the scenario's loads and byte loads, the report's
/// copies of both, and their rendering (generous: a JSON number and its comma).
const BYTES_PER_LOAD: u64 = 8 * 4 + 24;

/// Bytes each worker holds per per-partition load once a sample turns bounded (every fork keeps its
/// own loads for every scenario).
const BYTES_PER_LOAD_PER_WORKER: u64 = 8;

/// The share of physical memory a run may plan to use for partition loads: the rest is for the key
/// table, the input blocks and everything else on the machine.
const MEMORY_SHARE: f64 = 0.5;

/// Checks what an `analyze` run asks for: `partitioners` × `counts` scenarios on `threads` workers
/// (already resolved: 0 means one per core) with `trials` Monte Carlo trials per count, on a machine
/// with `memory` bytes (when known). `monte_carlo_keys` is how many of the heaviest keys each trial
/// places one by one (the rest is drawn per partition).
pub fn check_analyze(
    partitioners: usize,
    counts: &[PartitionCount],
    threads: usize,
    trials: u32,
    monte_carlo_keys: usize,
    memory: Option<u64>,
) -> Result<(), String> {
    if threads > MAX_THREADS {
        return Err(format!(
            "--threads {threads} is too many; use 0 (one per core) or at most {MAX_THREADS}"
        ));
    }
    if trials > MAX_TRIALS {
        return Err(format!(
            "--trials {trials} is too many; use at most {MAX_TRIALS} (a few thousand already give a \
             stable p95), or 0 to skip the random-placement expectation"
        ));
    }
    let partitions: u64 = counts.iter().map(|n| u64::from(n.get())).sum();
    let loads = partitions.saturating_mul(partitioners as u64);
    if let Some(memory) = memory {
        let per_load = BYTES_PER_LOAD + BYTES_PER_LOAD_PER_WORKER * threads.max(1) as u64;
        let budget = (memory as f64 * MEMORY_SHARE) as u64;
        let fits = budget / per_load;
        if loads > fits {
            return Err(format!(
                "--partitions lists {} counts totalling {partitions} partitions; with {partitioners} \
                 partitioner(s) that is {loads} per-partition loads, about {} of memory, and at most \
                 {fits} fit in half of this machine's {}. List fewer counts (e.g. a range with a \
                 step, 8..4096:8) or fewer partitioners",
                counts.len(),
                human_bytes(loads.saturating_mul(per_load)),
                human_bytes(memory)
            ));
        }
    }
    let steps_per_trial: u64 = counts
        .iter()
        .map(|n| u64::from(n.get()) + monte_carlo_keys as u64)
        .fold(0, u64::saturating_add);
    let steps = steps_per_trial.saturating_mul(u64::from(trials));
    if steps > MAX_MONTE_CARLO_STEPS {
        let fit = MAX_MONTE_CARLO_STEPS / steps_per_trial.max(1);
        return Err(format!(
            "--trials {trials} over {} partition counts asks for {steps} Monte Carlo steps (at most \
             {MAX_MONTE_CARLO_STEPS}); use --trials {fit} or fewer, fewer counts, or --trials 0",
            counts.len()
        ));
    }
    Ok(())
}

/// [`check_analyze`] for `analyze`'s flags as given: `threads` 0 means one per core; the machine's
/// memory is read here.
pub fn analyze_flags(
    partitioners: usize,
    counts: &[PartitionCount],
    threads: usize,
    trials: u32,
) -> crate::Result<()> {
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let keys = crate::analysis::stats::EXACT_KEYS;
    check_analyze(
        partitioners,
        counts,
        threads,
        trials,
        keys,
        physical_memory(),
    )
    .map_err(crate::Error::Usage)
}

/// Checks, for `synth --output PATH`, that the sample fits on `path`'s filesystem. The estimate
/// is a lower bound (each row holds at least the key, a newline, and a digit and a comma per other
/// column), so a run that would fit is never refused.
pub fn synth_output(spec: &crate::synth::SynthSpec, path: &std::path::Path) -> crate::Result<()> {
    let row = spec.key_prefix.len()
        + crate::synth::MIN_KEY_DIGITS
        + 1
        + 2 * spec.columns.len().saturating_sub(1);
    let min_bytes = spec.events.saturating_mul(row as u64);
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    check_output_size(min_bytes, free_space(dir))
        .map_err(|e| crate::Error::Usage(format!("{}: {e}", path.display())))
}

/// Checks that a `synth` output of at least `min_bytes` fits in the `free` bytes of the target's
/// filesystem (when known).
pub fn check_output_size(min_bytes: u64, free: Option<u64>) -> Result<(), String> {
    match free {
        Some(free) if min_bytes > free => Err(format!(
            "the sample needs at least {} and the output's filesystem has {} free; write fewer \
             --events, or to standard output",
            human_bytes(min_bytes),
            human_bytes(free)
        )),
        _ => Ok(()),
    }
}

/// The physical memory of this machine, when the OS says.
pub fn physical_memory() -> Option<u64> {
    #[cfg(unix)]
    {
        // SAFETY: sysconf only reads system configuration.
        let (pages, size) = unsafe {
            (
                libc::sysconf(libc::_SC_PHYS_PAGES),
                libc::sysconf(libc::_SC_PAGESIZE),
            )
        };
        if pages > 0 && size > 0 {
            return Some((pages as u64).saturating_mul(size as u64));
        }
    }
    None
}

/// The bytes available to an unprivileged writer on the filesystem holding `dir`, when known.
pub fn free_space(dir: &std::path::Path) -> Option<u64> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
        // SAFETY: a valid NUL-terminated path and a zeroed struct that statvfs fills.
        let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
        if unsafe { libc::statvfs(c.as_ptr(), &mut stat) } == 0 {
            return Some((stat.f_bavail as u64).saturating_mul(stat.f_frsize as u64));
        }
    }
    let _ = dir;
    None
}

/// `n` bytes for a message: `1.5 GB`.
fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["bytes", "KB", "MB", "GB", "TB", "PB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::parse_partition_list;

    const GB: u64 = 1_000_000_000;

    fn check(list: &str, threads: usize, trials: u32) -> Result<(), String> {
        let counts = parse_partition_list(list).unwrap();
        check_analyze(1, &counts, threads, trials, 2000, Some(16 * GB))
    }

    #[test]
    fn ordinary_requests_pass() {
        check("6,12,24,48,96", 2, 200).unwrap();
        check("1..1000", 64, 200).unwrap();
        check("100000", MAX_THREADS, MAX_TRIALS).unwrap_err(); // 1e6 trials x 102000 steps
        check("100000", MAX_THREADS, 10_000).unwrap();
    }

    #[test]
    fn every_count_up_to_the_maximum_does_not_fit() {
        let e = check("1..100000", 2, 0).unwrap_err();
        assert!(e.contains("5000050000 partitions"), "{e}");
        assert!(e.contains("fit in half of this machine's 16.0 GB"), "{e}");
    }

    #[test]
    fn memory_unknown_skips_only_the_memory_check() {
        let counts = parse_partition_list("1..100000").unwrap();
        assert!(check_analyze(1, &counts, 2, 0, 2000, None).is_ok());
        assert!(check_analyze(1, &counts, 2, 10, 2000, None).is_err());
    }

    #[test]
    fn threads_and_trials_have_maximums() {
        assert!(check("12", 100_000, 200).unwrap_err().contains("--threads"));
        let e = check("12", 2, u32::MAX).unwrap_err();
        assert!(e.contains(&format!("at most {MAX_TRIALS}")), "{e}");
    }

    #[test]
    fn monte_carlo_work_is_bounded_and_the_message_says_what_fits() {
        let e = check("1..10000", 2, 1000).unwrap_err();
        assert!(e.contains("Monte Carlo"), "{e}");
        let fit: u32 = e
            .split("use --trials ")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .and_then(|s| s.parse().ok())
            .unwrap();
        check("1..10000", 2, fit).unwrap();
        check("1..10000", 2, fit + 1).unwrap_err();
    }

    #[test]
    fn output_size_check() {
        assert!(check_output_size(10, Some(100)).is_ok());
        assert!(check_output_size(10, None).is_ok());
        let e = check_output_size(3 * GB, Some(GB)).unwrap_err();
        assert!(e.contains("3.0 GB") && e.contains("1.0 GB free"), "{e}");
    }
}
