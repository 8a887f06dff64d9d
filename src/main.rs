//! The `keyplan` binary: parse arguments, run, exit with the command's code.

/// mimalloc instead of the system allocator: `analyze` allocates one boxed key per distinct key (a
/// million on large samples) and grows tables of tens of megabytes; on the 20M-event zipf benchmark
/// (`benches/ingest.sh`) it cut the wall time by about 7%. Set in the binary only, so that the
/// library leaves the choice to its users.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    keyplan::cli::run().into()
}
