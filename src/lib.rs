//! keyplan: plan Kafka partition counts and keys from a sample of real message keys.
//!
//! Layers, each with typed data between them:
//! - [`ingest`] reads inputs into a [`model::KeyDistribution`] (distinct keys and their event counts);
//! - [`partitioner`] reproduces each producer client's key -> partition mapping bit for bit;
//! - [`analysis`] computes per-scenario partition loads and metrics;
//! - [`report`] holds one serializable value per command and renders it per format;
//! - [`synth`] generates seeded synthetic samples;
//! - [`cmd`] wires them together, one module per subcommand; [`cli`] parses arguments.

pub mod analysis;
pub mod budget;
pub mod cli;
pub mod cmd;
pub mod engine;
pub mod error;
pub mod ingest;
pub mod keytext;
pub mod model;
pub mod output;
pub mod partitioner;
pub mod report;
pub mod settings;
pub mod synth;
pub mod terminal;

pub use error::{Error, Exit, Result};
