//! `keyplan which`: the partition each key lands on under one client's partitioner.
//!
//! The mapping is the bit-exact one of [`crate::partitioner`] (docs/partitioners.md), so the
//! answer is what the real client would do. Keys come from the command line (each argument's raw
//! bytes, so non-UTF-8 works on Unix) and/or a keys file, one key per line.
//!
//! Keys-file rules (keys are bytes end to end):
//! - lines end at `\n` only; the `\n` is not part of the key;
//! - a final `\n` at the end of the file ends the last line, it does not add an empty key, but an
//!   empty line anywhere else (including `\n\n` at the end) is the empty key;
//! - a `\r` before the `\n` is kept as part of the key (a key may legitimately end in `\r`); with
//!   `--key-encoding utf8` keyplan warns when lines end in `\r`, the mark of CRLF line ends. The other
//!   encodings ignore surrounding whitespace, so CRLF files just work with them;
//! - `-` reads standard input; gzip-compressed files are read transparently (detected by the gzip
//!   magic bytes `1f 8b` at the start, so a raw keys file cannot start with those two bytes);
//! - a key that holds `\n` cannot be written as one line: give it with `--key-encoding hex` or
//!   `base64`.
//!
//! Where the client places a key at random (e.g. the empty key under `librdkafka`), the partition is
//! the word `random`; where it refuses the key (Kinesis: not 1..=256 code points of UTF-8), `invalid`.

use std::ffi::OsString;
use std::io::BufRead;
use std::path::PathBuf;

use super::args;
use crate::error::{Error, Exit, Location, Result};
use crate::ingest::encoding::{encode, KeyEncoding};
use crate::ingest::Source;
use crate::output;
use crate::partitioner::{PartitionCount, Partitioner, Placement};
use crate::report::{ListFormat, Provenance, Report, WhichKey, WhichReport};

/// Show the partition each key lands on, exactly as a given producer client computes it.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  keyplan which --partitioner librdkafka --partitions 12 order-17 order-18
  keyplan which --partitioner sarama --partitions 48 --keys-file keys.txt --format csv
  keyplan which --partitioner java -p 6 --key-encoding int64 42
  printf '6b61666b61\\n' | keyplan which --partitioner kinesis -p 4 --key-encoding hex --keys-file -")]
pub struct WhichArgs {
    /// Keys to place. Each argument's raw bytes are the key text (then decoded by --key-encoding).
    #[arg(value_name = "KEY")]
    pub keys: Vec<OsString>,

    /// Producer client partitioner; `keyplan partitioners` lists the ids and who uses each.
    #[arg(long, value_name = "ID", default_value = "java", value_parser = args::partitioner())]
    pub partitioner: Partitioner,

    /// Partition count (shard count for `kinesis`), 1..=100000.
    #[arg(long, short = 'p', value_name = "N", value_parser = args::partition_count)]
    pub partitions: PartitionCount,

    /// How each key text becomes the bytes the producer's serializer writes.
    #[arg(long, value_enum, value_name = "ENCODING", default_value_t = KeyEncoding::Utf8)]
    pub key_encoding: KeyEncoding,

    /// Read keys from this file, one per line (`-` for standard input); after any KEY arguments.
    #[arg(long, value_name = "FILE")]
    pub keys_file: Option<String>,

    /// Output format: a table, CSV (`key,partition`, keys echoed as given) or JSON.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,

    /// Write the result to this file (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,
}

/// One key as the user gave it, with where it came from.
#[derive(Debug, Clone)]
struct GivenKey {
    /// The key text as given (argument bytes, or the line without its `\n`).
    text: Vec<u8>,
    /// Where it came from, for error messages.
    origin: Origin,
}

#[derive(Debug, Clone)]
enum Origin {
    /// The n-th KEY argument (1-based).
    Argument(usize),
    /// A line of the keys file.
    Line(Location),
}

/// One placed key, in input order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    /// The key text as given.
    pub given: Vec<u8>,
    /// The bytes hashed (after `--key-encoding`).
    pub bytes: Vec<u8>,
    /// Where the client puts it.
    pub placement: Placement,
}

/// Encodes one key text and places it under `partitioner` with `n` partitions. The error names the
/// key; callers add where it came from.
pub fn place_key(
    text: Vec<u8>,
    encoding: KeyEncoding,
    partitioner: Partitioner,
    n: PartitionCount,
) -> std::result::Result<Placed, String> {
    let bytes = encode(&text, encoding)?.into_owned();
    let placement = partitioner.partition_of(&bytes, n);
    Ok(Placed {
        given: text,
        bytes,
        placement,
    })
}

/// Runs `which`.
pub fn run(args: WhichArgs) -> Result<Exit> {
    if let Some(path) = &args.output {
        output::check_writable(path)?;
        output::refuse_input_as_output(path, args.keys_file.as_slice())?;
    }
    if args.keys.is_empty() && args.keys_file.is_none() {
        return Err(Error::Usage(
            "no keys to place: give KEY arguments and/or --keys-file FILE ('-' for standard input)"
                .into(),
        ));
    }
    let mut given: Vec<GivenKey> = args
        .keys
        .iter()
        .enumerate()
        .map(|(i, key)| GivenKey {
            text: os_bytes(key),
            origin: Origin::Argument(i + 1),
        })
        .collect();
    if let Some(file) = &args.keys_file {
        given.extend(read_keys_file(file, args.key_encoding)?);
    }
    let placed = given
        .into_iter()
        .map(|key| {
            place_key(
                key.text,
                args.key_encoding,
                args.partitioner,
                args.partitions,
            )
            .map_err(|message| match key.origin {
                Origin::Argument(i) => Error::Usage(format!("KEY argument {i}: {message}")),
                Origin::Line(location) => Error::input(location, message),
            })
        })
        .collect::<Result<Vec<Placed>>>()?;
    let mut inputs = Vec::new();
    if !args.keys.is_empty() {
        inputs.push("KEY arguments".to_string());
    }
    inputs.extend(args.keys_file.iter().cloned());
    let mut provenance = Provenance::new(inputs, placed.len() as u64);
    provenance.set("partitioner", args.partitioner.id());
    provenance.set("partitions", args.partitions);
    provenance.set("key_encoding", args.key_encoding.name());
    let keys = placed
        .into_iter()
        .map(|p| WhichKey::new(p.given, &p.bytes, p.placement))
        .collect();
    let report = Report::Which(WhichReport::new(
        args.partitioner,
        args.partitions,
        args.key_encoding.name(),
        keys,
        provenance,
    ));
    output::emit_bytes(args.output.as_deref(), &report.render(args.format.into()))?;
    Ok(Exit::Ok)
}

/// The raw bytes of a command-line argument (Unix); elsewhere its lossy UTF-8.
fn os_bytes(arg: &OsString) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        arg.as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        arg.to_string_lossy().into_owned().into_bytes()
    }
}

/// Reads a keys file: one key per `\n`-terminated line (see the module docs for the exact rules).
fn read_keys_file(name: &str, encoding: KeyEncoding) -> Result<Vec<GivenKey>> {
    let source = Source::open(name)?;
    let mut keys = Vec::new();
    let mut cr_lines = 0u64;
    // `split` yields no empty item after a final `\n`, and one per empty line elsewhere.
    for (index, line) in source.reader.split(b'\n').enumerate() {
        let text = line.map_err(|e| Error::io(name, e))?;
        if text.ends_with(b"\r") {
            cr_lines += 1;
        }
        keys.push(GivenKey {
            text,
            origin: Origin::Line(Location::line(name, index as u64 + 1)),
        });
    }
    if cr_lines > 0 && encoding == KeyEncoding::Utf8 {
        let name = crate::terminal::field(name);
        eprintln!(
            "keyplan: warning: {cr_lines} line(s) of {name} end in '\\r' (CRLF line ends?); keys are \
             bytes, so each of those keys includes the '\\r'. Strip it (e.g. tr -d '\\r') unless the \
             producer's keys really end in '\\r'."
        );
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(count: u64) -> PartitionCount {
        PartitionCount::new(count).unwrap()
    }

    #[test]
    fn csv_echoes_and_quotes_keys() {
        let keys: Vec<WhichKey> = [&b"a,b"[..], b"", b"\xff\""]
            .iter()
            .map(|k| place_key(k.to_vec(), KeyEncoding::Utf8, Partitioner::Librdkafka, n(4)))
            .map(|p| {
                let p = p.unwrap();
                WhichKey::new(p.given, &p.bytes, p.placement)
            })
            .collect();
        let report = WhichReport::new(
            Partitioner::Librdkafka,
            n(4),
            "utf8",
            keys,
            Provenance::default(),
        );
        let expected = [
            b"key,partition\n\"a,b\",".to_vec(),
            (crate::partitioner::crc32::crc32(b"a,b") % 4)
                .to_string()
                .into_bytes(),
            b"\n,random\n\"\xff\"\"\",".to_vec(),
            (crate::partitioner::crc32::crc32(b"\xff\"") % 4)
                .to_string()
                .into_bytes(),
            b"\n".to_vec(),
        ]
        .concat();
        assert_eq!(report.csv(), expected);
    }

    #[test]
    fn bad_hex_names_the_key() {
        let err = place_key(b"zz".to_vec(), KeyEncoding::Hex, Partitioner::Java, n(3)).unwrap_err();
        assert!(err.contains("'zz'"), "{err}");
    }
}
