//! The `keyplan` binary: parse arguments, run, exit with the command's code.

fn main() -> std::process::ExitCode {
    keyplan::cli::run().into()
}
