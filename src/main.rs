//! The `keyplan` binary: parse arguments, run, exit with the command's code.

/// mimalloc instead of the system allocator: `analyze` allocates one boxed key per distinct key (a
/// million on large samples) and grows tables of tens of megabytes; on the 20M-event zipf benchmark
/// (`benches/ingest.sh`) it cut the wall time by about 5%. Set in the binary only, so that the
/// library leaves the choice to its users.
///
/// mimalloc is also built without transparent huge pages for its own arenas (the `no_thp` feature in
/// Cargo.toml). With them, the first allocation in each fresh 2 MiB of an arena faults in a whole
/// huge page, which on a VM whose host has taken free memory back costs ~2.3 ms per MiB to zero:
/// 10-15% of the CPU samples on the issue-12 benchmark file were the kernel zeroing pages, most of
/// them under mimalloc (a small `Vec` in the block engine among them). Without them: 206 -> 190 ms
/// (median of 25 rounds, DuckDB before each run) and 210 -> 199 ms back to back, peak RSS 48 -> 40
/// MB. The key tables keep their huge pages (`ingest::zeroed` asks for them), so lookups in large
/// tables still miss the TLB as seldom as before.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Option ids of mimalloc 3 (`mi_option_e` in its `include/mimalloc.h`), which the Rust bindings do
/// not name. Used only when the linked mimalloc reports major version 3.
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Makes mimalloc commit memory on use and return freed memory at once. With its defaults (eager
/// arena commit, 10 ms purge delay) peak RSS rose from 114 to 172 MB on the zipf benchmark, from 20
/// to 47 MB on the flights sample and by a quarter on a sample of 3.3M distinct keys, where the
/// grown-out tables were still held; with these settings: 131, 44 and about +7% (430 vs 400 MB),
/// at no measured cost in time (within the run-to-run noise of 0.01-0.02 s).
fn tune_allocator() {
    // SAFETY: FFI calls without pointers; mi_option_set only changes a setting of the allocator, and
    // the ids are used only with the major version they were read from.
    unsafe {
        if libmimalloc_sys::mi_version() / 10000 == 3 {
            libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0);
            libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
        }
    }
}

fn main() -> std::process::ExitCode {
    tune_allocator();
    keyplan::cli::run().into()
}
