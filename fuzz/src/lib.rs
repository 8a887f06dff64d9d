//! Shared driver of the fuzz targets: one reader over fuzzer bytes, with tiny blocks and two workers
//! so that block boundaries and the parallel merge are exercised. A reader may return an error for
//! any input; it must never panic, hang or crash.

use std::io::Cursor;

use keyplan::ingest::keyexpr::KeyExpr;
use keyplan::ingest::progress::Progress;
use keyplan::ingest::{self, IngestOptions, InputFormat, Source};
use keyplan::ingest::counter::KeyCounter;

/// Runs the reader for `format` over `data`.
///
/// The first byte is a control byte: bit 0 prepends a `k,c` header (so the fuzzer need not find the
/// column names), bit 1 reads `c` as a count column, bits 2..8 pick the block size (1..=64 bytes).
pub fn run(format: InputFormat, data: &[u8]) {
    let Some((&control, body)) = data.split_first() else {
        return;
    };
    let header = matches!(
        format,
        InputFormat::Csv | InputFormat::Tsv | InputFormat::Counts | InputFormat::Auto
    );
    let mut input = Vec::with_capacity(body.len() + 4);
    if header && control & 1 == 1 {
        let sep = if format == InputFormat::Tsv {
            b'\t'
        } else {
            b','
        };
        input.extend_from_slice(&[b'k', sep, b'c', b'\n']);
    }
    input.extend_from_slice(body);
    let with_columns = header && format != InputFormat::Counts;
    let options = IngestOptions {
        format,
        key: with_columns.then(|| KeyExpr::column("k")),
        count_col: (with_columns && control & 2 == 2).then(|| "c".to_string()),
        threads: 2,
        block_size: usize::from(control >> 2) + 1,
        ..IngestOptions::default()
    };
    let Ok(source) = Source::from_reader("fuzz", Box::new(Cursor::new(input))) else {
        return;
    };
    let mut sink = KeyCounter::new();
    let progress = Progress::new(false);
    if ingest::read_source(source, &options, &progress, &mut sink).is_ok() {
        // Finishing must work on whatever was read.
        let dist = sink.finish();
        assert_eq!(dist.weights().iter().sum::<u64>(), dist.total());
    }
}
