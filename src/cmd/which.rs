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
//! - a `\r` right before the `\n` (CRLF line ends) is part of the line end, not of the key: the one
//!   rule of every line-oriented input ([`line_key`]), so a CRLF file gives the keys of its LF twin.
//!   A key that really ends in `\r` is given with `--key-encoding hex` or `base64`;
//! - `-` reads standard input; gzip-compressed files are read transparently (detected by the gzip
//!   magic bytes `1f 8b` at the start, so a raw keys file cannot start with those two bytes);
//! - a key that holds `\n` cannot be written as one line: give it with `--key-encoding hex` or
//!   `base64`.
//!
//! Where the client places a key at random (e.g. the empty key under `librdkafka`), the partition is
//! the word `random`; where it refuses the key (Kinesis: not 1..=256 code points of UTF-8), `invalid`.

use std::ffi::OsString;
use std::io::{BufRead, Read};
use std::path::PathBuf;

use super::args;
use crate::error::{Error, Exit, Location, Result};
use crate::ingest::blocks::{line_too_long, MAX_LINE_BYTES};
use crate::ingest::encoding::{check_key_len, encode, KeyEncoding, MAX_KEY_BYTES};
use crate::ingest::lines::line_key;
use crate::ingest::Source;
use crate::output;
use crate::output::OutStream;
use crate::partitioner::{PartitionCount, Partitioner, Placement};
use crate::report::which::WhichStream;
use crate::report::{ListFormat, Provenance, WhichKey};

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
    // Keys stream from arguments and file to the output one by one: memory stays flat however many
    // keys a topic dump holds. With -o, a failure leaves the target as it was.
    let mut out = OutStream::open(args.output.as_deref())?;
    let name = out.name();
    let io_err = |e| Error::io(name.as_str(), e);
    let mut stream = WhichStream::new(
        &mut out,
        args.format.into(),
        args.partitioner,
        args.partitions,
        args.key_encoding.name(),
    )
    .map_err(io_err)?;
    let mut place = |key: GivenKey| -> Result<()> {
        let placed = place_key(
            key.text,
            args.key_encoding,
            args.partitioner,
            args.partitions,
        )
        .map_err(|message| match key.origin {
            Origin::Argument(i) => Error::Usage(format!("KEY argument {i}: {message}")),
            Origin::Line(location) => Error::input(location, message),
        })?;
        stream
            .push(WhichKey::new(placed.given, &placed.bytes, placed.placement))
            .map_err(io_err)
    };
    for (i, key) in args.keys.iter().enumerate() {
        place(GivenKey {
            text: os_bytes(key),
            origin: Origin::Argument(i + 1),
        })?;
    }
    if let Some(file) = &args.keys_file {
        for_each_key_line(file, args.key_encoding, &mut place)?;
    }
    let mut inputs = Vec::new();
    if !args.keys.is_empty() {
        inputs.push("KEY arguments".to_string());
    }
    inputs.extend(args.keys_file.iter().cloned());
    let mut provenance = Provenance::new(inputs, stream.written());
    provenance.set("partitioner", args.partitioner.id());
    provenance.set("partitions", args.partitions);
    provenance.set("key_encoding", args.key_encoding.name());
    stream.finish(provenance).map_err(io_err)?;
    out.finish()?;
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
fn for_each_key_line(
    name: &str,
    encoding: KeyEncoding,
    each: &mut dyn FnMut(GivenKey) -> Result<()>,
) -> Result<()> {
    let mut source = Source::open(name)?;
    // Like `split(b'\n')` (no empty key after a final `\n`, one per empty line elsewhere), but a
    // line is never held past MAX_LINE_BYTES: a file without line ends must not fill memory.
    for index in 1u64.. {
        let at = || Location::line(name, index);
        let mut text = Vec::new();
        let limit = MAX_LINE_BYTES as u64 + 1;
        let n = (&mut source.reader)
            .take(limit)
            .read_until(b'\n', &mut text)
            .map_err(|e| Error::io(name, e))?;
        if n == 0 {
            break;
        }
        if text.last() == Some(&b'\n') {
            text.pop();
        } else if n as u64 == limit {
            return Err(line_too_long(name, index));
        }
        if text.len() > MAX_KEY_BYTES {
            // The key is the decoded text, which no encoding makes longer than the text.
            if let Ok(key) = encode(&text, encoding) {
                check_key_len(&key).map_err(|m| Error::input(at(), m))?;
            }
        }
        let len = line_key(&text).len();
        text.truncate(len);
        each(GivenKey {
            text,
            origin: Origin::Line(at()),
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::WhichReport;

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
