//! Property tests across readers: no input makes a reader panic, and the parallel fast path gives the
//! same sample (or the same error, to the line) as the sequential quote-aware parser.

use std::io::{BufReader, Cursor};

use proptest::prelude::*;

use super::*;
use crate::ingest::delimited::{finish, read_quoted, LineEnds};

/// The outcome of a read, comparable across paths.
type Outcome = std::result::Result<(KeyDistribution, ReadStats), String>;

fn source(bytes: &[u8]) -> Source {
    Source::from_reader("t", Box::new(Cursor::new(bytes.to_vec()))).unwrap()
}

fn read_bytes(bytes: &[u8], options: &IngestOptions) -> Outcome {
    let mut counter = KeyCounter::new();
    let progress = Progress::new(false);
    read_source(source(bytes), options, &progress, &mut counter)
        .map(|stats| (counter.finish(), stats))
        .map_err(|e| e.to_string())
}

/// The sequential csv-core path over the whole input.
fn read_sequential(bytes: &[u8], options: &IngestOptions) -> Outcome {
    let mut counter = KeyCounter::new();
    let input = BufReader::new(Cursor::new(bytes.to_vec()));
    let delimiter = options.delimiter.unwrap_or(b',');
    // The line ends the header's line end decides, as for the fast path.
    let first = bytes
        .iter()
        .position(|&b| b != b'\n' && b != b'\r')
        .unwrap_or(bytes.len());
    let ends = match memchr::memchr2(b'\n', b'\r', &bytes[first..]) {
        Some(i) => LineEnds::of(bytes[first + i], bytes.get(first + i + 1).copied()),
        None => LineEnds::LF,
    };
    read_quoted(
        "t",
        false,
        input,
        delimiter,
        (0, ends),
        None,
        options,
        options.format,
        &mut counter,
    )
    .and_then(|stats| finish("t", stats))
    .map(|stats| (counter.finish(), stats))
    .map_err(|e| e.to_string())
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// Bytes that matter to the readers, weighted towards the ones that make trouble.
fn tricky_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => prop::sample::select(b"ab1".to_vec()),
        2 => Just(b','),
        2 => Just(b'\n'),
        1 => Just(b'\r'),
        1 => Just(b'"'),
        1 => prop::sample::select(vec![0u8, 0xff, b' ', b'{', b'}', b':', b'-', b'\t']),
    ];
    prop::collection::vec(byte, 0..max)
}

fn csv_options(count: bool, threads: usize, block_size: usize) -> IngestOptions {
    IngestOptions {
        format: InputFormat::Csv,
        key: Some(KeyExpr::column("k")),
        count_col: count.then(|| "c".to_string()),
        delimiter: Some(b','),
        threads,
        block_size,
        ..IngestOptions::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The fast path (tiny blocks, two workers) and csv-core agree on every input, errors included.
    #[test]
    fn fast_path_equals_csv_core(
        header in prop::sample::select(vec!["k", "k,c", "c,k", "\r\nk\r", "\"k\",c"]),
        body in tricky_bytes(300),
        count in any::<bool>(),
        block_size in 1usize..64,
    ) {
        let count = count && header.contains('c');
        let mut input = header.as_bytes().to_vec();
        input.push(b'\n');
        input.extend_from_slice(&body);
        let options = csv_options(count, 2, block_size);
        let fast = read_bytes(&input, &options);
        let sequential = read_sequential(&input, &options);
        prop_assert_eq!(&fast, &sequential);
        // Gzip and one thread change nothing either.
        let one = read_bytes(&input, &csv_options(count, 1, 1 << 20));
        prop_assert_eq!(&fast, &one);
        let zipped = read_bytes(&gzip(&input), &options);
        prop_assert_eq!(&fast, &zipped);
    }

    /// The same comparison on inputs without any quote, so the parallel fast path really runs on
    /// every block (a quote diverts a block to the sequential parser, which would compare csv-core
    /// with itself). Counts are digits most of the time, so rows are accepted, not only rejected.
    #[test]
    fn fast_path_equals_csv_core_without_quotes(
        rows in prop::collection::vec(
            (
                prop::collection::vec(prop::sample::select(b"ab1 \xff\t-".to_vec()), 0..6),
                prop_oneof![
                    8 => (0u32..50).prop_map(|c| c.to_string()),
                    1 => Just("x".to_string()),
                    // Counts the key-only loop leaves to the general parser: spaces, decimals,
                    // exponents, 20 digits, empty, a second comma (one field too many).
                    1 => prop::sample::select(vec![
                        " 5", "5.0", "1e3", "99999999999999999999", "",
                        "007", "2,3",
                    ]).prop_map(str::to_string),
                ],
                prop_oneof![6 => Just(&b"\n"[..]), 1 => Just(&b"\r\n"[..])],
            ),
            0..120,
        ),
        count in any::<bool>(),
        block_size in 1usize..48,
    ) {
        let mut input = b"k,c\n".to_vec();
        for (key, c, end) in &rows {
            input.extend_from_slice(key);
            input.push(b',');
            input.extend_from_slice(c.as_bytes());
            input.extend_from_slice(end);
        }
        prop_assert!(!input.contains(&b'"'));
        let options = csv_options(count, 2, block_size);
        let fast = read_bytes(&input, &options);
        prop_assert_eq!(&fast, &read_sequential(&input, &options));
        prop_assert_eq!(&fast, &read_bytes(&input, &csv_options(count, 3, block_size)));
    }

    /// The same for a file of one column, the key, which takes a loop of its own: keys with an
    /// occasional delimiter (two fields: the general path's error), empty lines, `\r\n` and lone
    /// `\r` ends under a header that ends either way.
    #[test]
    fn one_column_fast_path_equals_csv_core(
        rows in prop::collection::vec(
            (
                prop::collection::vec(
                    prop_oneof![20 => prop::sample::select(b"ab1 \xff\t-".to_vec()), 1 => Just(b',')],
                    0..6,
                ),
                prop_oneof![6 => Just(&b"\n"[..]), 1 => Just(&b"\r\n"[..]), 1 => Just(&b"\r"[..])],
            ),
            0..120,
        ),
        end in any::<bool>(),
        header in prop::sample::select(vec![&b"k\n"[..], b"k\r", b"k\r\n"]),
        block_size in 1usize..48,
    ) {
        let mut input = header.to_vec();
        for (key, line_end) in &rows {
            input.extend_from_slice(key);
            input.extend_from_slice(line_end);
        }
        if !end && input.ends_with(b"\n") {
            input.pop();
        }
        let options = csv_options(false, 2, block_size);
        let fast = read_bytes(&input, &options);
        prop_assert_eq!(&fast, &read_sequential(&input, &options));
        prop_assert_eq!(&fast, &read_bytes(&input, &csv_options(false, 1, 1 << 20)));
    }

    /// A file read through a memory map (blocks parsed in place, a divert resuming in the map) gives
    /// the same sample, or the same error to the line, as the same bytes read through a reader.
    #[test]
    fn mapped_file_equals_reader(
        header in prop::sample::select(vec!["k", "k,c", "c,k", "\r\nk\r"]),
        body in tricky_bytes(300),
        count in any::<bool>(),
        block_size in 1usize..64,
        threads in 1usize..5,
    ) {
        let count = count && header.contains('c');
        let mut input = header.as_bytes().to_vec();
        input.push(b'\n');
        input.extend_from_slice(&body);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        std::fs::write(&path, &input).unwrap();
        let name = path.to_str().unwrap();
        // Workers check mapped blocks for quotes in parallel: any thread count gives one result.
        let options = csv_options(count, threads, block_size);
        let read = |source: Source| {
            let mut counter = KeyCounter::new();
            read_source(source, &options, &Progress::new(false), &mut counter)
                .map(|stats| (counter.finish(), stats))
                .map_err(|e| e.to_string())
        };
        prop_assert!(Source::open(name).unwrap().map_rest().is_some());
        let mapped = read(Source::open(name).unwrap());
        let reader = Source::from_reader(name, Box::new(Cursor::new(input.clone()))).unwrap();
        prop_assert_eq!(&mapped, &read(reader));
    }

    /// The same for line-oriented inputs (keys per line, kcat envelopes).
    #[test]
    fn mapped_lines_equal_reader(input in tricky_bytes(300), block_size in 1usize..32) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.txt");
        std::fs::write(&path, &input).unwrap();
        let name = path.to_str().unwrap();
        for format in [InputFormat::Lines, InputFormat::KcatJson] {
            let options = IngestOptions {
                format,
                threads: 2,
                block_size,
                ..IngestOptions::default()
            };
            let read = |source: Source| {
                let mut counter = KeyCounter::new();
                read_source(source, &options, &Progress::new(false), &mut counter)
                    .map(|stats| (counter.finish(), stats))
                    .map_err(|e| e.to_string())
            };
            let mapped = read(Source::open(name).unwrap());
            let reader = Source::from_reader(name, Box::new(Cursor::new(input.clone()))).unwrap();
            prop_assert_eq!(&mapped, &read(reader));
        }
    }

    /// No byte sequence makes any reader panic.
    #[test]
    fn readers_never_panic(input in tricky_bytes(400), block_size in 1usize..32) {
        for format in [
            InputFormat::Auto,
            InputFormat::Csv,
            InputFormat::Tsv,
            InputFormat::Lines,
            InputFormat::Counts,
            InputFormat::KcatJson,
        ] {
            let header = matches!(format, InputFormat::Csv | InputFormat::Tsv | InputFormat::Auto);
            let options = IngestOptions {
                format,
                key: header.then(|| KeyExpr::column("a")),
                threads: 2,
                block_size,
                ..IngestOptions::default()
            };
            let _ = read_bytes(&input, &options);
        }
    }

    /// Lines: every line is one key, whatever the block size.
    #[test]
    fn lines_are_keys(input in tricky_bytes(300), block_size in 1usize..32) {
        let options = IngestOptions {
            format: InputFormat::Lines,
            threads: 2,
            block_size,
            ..IngestOptions::default()
        };
        let got = read_bytes(&input, &options);
        let mut expected = Vec::new();
        if !input.is_empty() {
            let body = input.strip_suffix(b"\n").unwrap_or(&input);
            for line in body.split(|&b| b == b'\n') {
                expected.push((line.strip_suffix(b"\r").unwrap_or(line), 1));
            }
        }
        match got {
            Ok((dist, stats)) => {
                prop_assert_eq!(stats.rows as usize, expected.len());
                prop_assert_eq!(dist, KeyDistribution::from_pairs(expected));
            }
            Err(e) => prop_assert!(expected.is_empty(), "{}", e),
        }
    }
}

#[test]
fn crlf_gives_the_same_keys_as_lf() {
    let lf = read_bytes(b"k,c\na,1\nb,2\n", &csv_options(true, 2, 4)).unwrap();
    let crlf = read_bytes(b"k,c\r\na,1\r\nb,2\r\n", &csv_options(true, 2, 4)).unwrap();
    assert_eq!(lf, crlf);
    assert_eq!(&lf.0.keys()[0], b"b");
}

#[test]
fn errors_name_the_exact_line_across_blocks() {
    let mut input = b"k,c\n".to_vec();
    for i in 0..1000 {
        input.extend_from_slice(format!("key{i},{i}\n").as_bytes());
    }
    input.extend_from_slice(b"bad,-3\n");
    let err = read_bytes(&input, &csv_options(true, 2, 64)).unwrap_err();
    assert_eq!(
        err,
        "t:1002:2 (column 'c'): count '-3' is negative; expected a non-negative whole number"
    );
}

#[test]
fn truncated_gzip_is_an_error_with_a_line() {
    let mut input = b"k\n".to_vec();
    for i in 0..20_000 {
        input.extend_from_slice(format!("key{i}\n").as_bytes());
    }
    let zipped = gzip(&input);
    let cut = &zipped[..zipped.len() / 2];
    let err = read_bytes(cut, &csv_options(false, 2, 1 << 12)).unwrap_err();
    assert!(err.contains("gzip stream is truncated"), "{err}");
    assert!(err.starts_with("t:"), "{err}");
}

#[test]
fn compound_keys_sizes_and_times() {
    let options = IngestOptions {
        format: InputFormat::Csv,
        key: KeyExpr::parse(Some("t,o"), None).unwrap(),
        size_col: Some("s".into()),
        time_col: Some("ts".into()),
        threads: 2,
        ..IngestOptions::default()
    };
    let input =
        b"t,o,s,ts\nacme,1,10,1714564800\nacme,1,5,2024-05-01T12:00:01Z\nbeta,2,1,1714564802000\n";
    let (dist, _) = read_bytes(input, &options).unwrap();
    assert_eq!(&dist.keys()[0], b"acme:1");
    assert_eq!(dist.weights(), &[2, 1]);
    assert_eq!(dist.bytes(), Some(&[15, 1][..]));
    assert_eq!(
        dist.time_range(),
        Some((1_714_564_800_000, 1_714_564_802_000))
    );
}
