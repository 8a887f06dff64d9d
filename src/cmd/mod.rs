//! One module per subcommand. Each owns its clap `Args`, validates them into settings before reading
//! any input, and runs ingest -> analysis -> report.

pub mod analyze;
pub mod args;
pub mod check;
pub mod detect;
pub mod init;
pub mod partitioners;
pub mod plan;
pub mod remap;
pub mod synth;
pub mod which;
