//! keyplan's integration tests, in one binary (one link step): CLI behaviour with assert_cmd, every
//! row of the client test vectors in tests/vectors, and property tests of the invariants.

mod common;

mod analyze;
mod bundle;
mod detect;
mod hostile;
mod ingest;
mod messages;
mod ordering;
mod output;
mod partitioner_properties;
mod plan;
mod properties;
mod remap;
mod reports;
mod synth_bounded;
mod vectors;
mod which;
