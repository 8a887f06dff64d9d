//! Shared driver of the fuzz targets: one reader over fuzzer bytes, with tiny blocks and two workers
//! so that block boundaries and the parallel merge are exercised, and every column option and key
//! encoding switched on and off by control bytes. A reader may return an error for any input; it
//! must never panic, hang or crash.

use std::io::Cursor;

use keyplan::ingest::counter::{Event, KeyCounter};
use keyplan::ingest::encoding::KeyEncoding;
use keyplan::ingest::keyexpr::KeyExpr;
use keyplan::ingest::progress::Progress;
use keyplan::ingest::{self, IngestOptions, InputFormat, Source};

/// Every `--key-encoding`, indexed by the low bits of the second control byte.
const ENCODINGS: [KeyEncoding; 5] = [
    KeyEncoding::Utf8,
    KeyEncoding::Hex,
    KeyEncoding::Base64,
    KeyEncoding::Int32,
    KeyEncoding::Int64,
];

/// The compound key template of bit 6: two columns, a literal and an escaped brace.
const TEMPLATE: &str = "{k}-{{x}}-{j}";

/// Starts rayon's global thread pool (which the key table's final sort uses) before the first input.
/// The pool lives for the whole process; started during an input, its threads' allocations look
/// like that input's leak to LeakSanitizer (a false positive on any `counts` input that reads).
pub fn warm_up() {
    let mut sink = KeyCounter::new();
    sink.add_event(Event::new(b"warm-up", 1))
        .expect("one event cannot overflow");
    let _ = sink.finish();
}

/// Runs the reader for `format` over `data`.
///
/// The first two bytes are control bytes.
/// - Byte 0: bit 0 prepends a header naming the enabled columns (so the fuzzer need not find the
///   names), bit 1 reads `c` as a count column (`--count-col`; always on for `counts`), bits 2..8 pick
///   the block size (1..=64 bytes).
/// - Byte 1: bits 0..3 pick the key encoding (`value % 5`, any format), then for header formats:
///   bit 3 `--time-col t`, bit 4 `--size-col s`, bit 5 `--bytes-col b` (both 4 and 5: the usage
///   error), bit 6 the compound key [`TEMPLATE`] over `k` and `j` instead of `--key k`, bit 7 (for
///   `counts`) no `--key`/`--count-col`/`--bytes-col`, so the default `key`, `count` and `bytes`
///   columns apply.
pub fn run(format: InputFormat, data: &[u8]) {
    let [c0, c1, body @ ..] = data else {
        return;
    };
    let (c0, c1) = (*c0, *c1);
    let header = matches!(
        format,
        InputFormat::Csv | InputFormat::Tsv | InputFormat::Counts | InputFormat::Auto
    );
    let bit = |byte: u8, i: u8| header && byte & (1 << i) != 0;
    let defaults = format == InputFormat::Counts && bit(c1, 7);
    let compound = bit(c1, 6) && !defaults;
    let count = header && (format == InputFormat::Counts || bit(c0, 1));
    let (time, size, bytes) = (bit(c1, 3), bit(c1, 4), bit(c1, 5));

    let mut names: Vec<&str> = match (defaults, compound) {
        (true, _) => vec!["key"],
        (false, true) => vec!["k", "j"],
        (false, false) => vec!["k"],
    };
    for (on, name) in [
        (count, if defaults { "count" } else { "c" }),
        (time, "t"),
        (size, "s"),
        (bytes, if defaults { "bytes" } else { "b" }),
    ] {
        if on {
            names.push(name);
        }
    }
    let mut input = Vec::with_capacity(body.len() + 16);
    if bit(c0, 0) {
        let sep = if format == InputFormat::Tsv {
            "\t"
        } else {
            ","
        };
        input.extend_from_slice(names.join(sep).as_bytes());
        input.push(b'\n');
    }
    input.extend_from_slice(body);

    let key = match (header && !defaults, compound) {
        (false, _) => None,
        (true, true) => KeyExpr::parse(None, Some(TEMPLATE)).expect("the template is valid"),
        (true, false) => Some(KeyExpr::column("k")),
    };
    let options = IngestOptions {
        format,
        key,
        key_encoding: ENCODINGS[usize::from(c1 & 7) % ENCODINGS.len()],
        count_col: (count && !defaults).then(|| "c".to_string()),
        size_col: size.then(|| "s".to_string()),
        bytes_col: (bytes && !defaults).then(|| "b".to_string()),
        time_col: time.then(|| "t".to_string()),
        threads: 2,
        block_size: usize::from(c0 >> 2) + 1,
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
        if let Some((first, last)) = dist.time_range() {
            let range = ingest::time::MIN_TIME_MS..=ingest::time::MAX_TIME_MS;
            assert!(first <= last && range.contains(&first) && range.contains(&last));
        }
    }
}

/// Runs the field parsers (times, whole numbers, key encodings) on one field and checks them
/// against simpler oracles: accepted times are in range, and whole numbers small enough for `f64`
/// agree with Rust's own float parser.
pub fn fields(data: &[u8]) {
    if let Ok(ms) = ingest::time::parse_time(data) {
        assert!((ingest::time::MIN_TIME_MS..=ingest::time::MAX_TIME_MS).contains(&ms));
    }
    if let Ok(whole) = ingest::row::parse_whole(data, "count") {
        let text = std::str::from_utf8(data)
            .expect("accepted text is UTF-8")
            .trim();
        if whole < 1 << 53 {
            if let Ok(f) = text.parse::<f64>() {
                assert_eq!(f, whole as f64, "{text}");
            }
        }
    }
    for encoding in ENCODINGS {
        let _ = ingest::encoding::encode(data, encoding);
    }
}
