//! Opening inputs: a path or `-` for standard input, plain or gzip-compressed (detected by its magic
//! bytes, not by its name).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};

use flate2::read::MultiGzDecoder;

use crate::error::{Error, Result};

/// Read buffer size: large enough that a 250 MB input costs few system calls.
const BUF_SIZE: usize = 1 << 18;

/// The two magic bytes every gzip member starts with (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// An opened input, ready to read as decompressed bytes.
pub struct Source {
    /// The name the user gave (`-` for standard input), used in every message about this input.
    pub name: String,
    /// Whether the bytes were gzip-compressed.
    pub gzip: bool,
    /// The decompressed content.
    pub reader: Box<dyn BufRead + Send>,
}

impl Source {
    /// Opens `name`: a file path, or `-` for standard input.
    pub fn open(name: &str) -> Result<Source> {
        let raw: Box<dyn Read + Send> = if name == "-" {
            Box::new(io::stdin())
        } else {
            let file = File::open(name).map_err(|e| Error::io(name, e))?;
            if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
                return Err(Error::io(
                    name,
                    io::Error::new(io::ErrorKind::InvalidInput, "is a directory, not a file"),
                ));
            }
            Box::new(file)
        };
        Source::from_reader(name, raw)
    }

    /// Wraps any reader, detecting gzip by its first bytes.
    pub fn from_reader(name: &str, raw: Box<dyn Read + Send>) -> Result<Source> {
        let mut buffered = BufReader::with_capacity(BUF_SIZE, raw);
        let gzip = loop {
            match buffered.fill_buf() {
                Ok(head) => break head.starts_with(&GZIP_MAGIC),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io(name, e)),
            }
        };
        let reader: Box<dyn BufRead + Send> = if gzip {
            Box::new(BufReader::with_capacity(
                BUF_SIZE,
                GzipReader(MultiGzDecoder::new(buffered)),
            ))
        } else {
            Box::new(buffered)
        };
        Ok(Source {
            name: name.to_string(),
            gzip,
            reader,
        })
    }
}

/// A gzip decoder whose errors say that the compressed data is at fault, so a truncated download
/// reads as "truncated or corrupt gzip data" rather than a bare "incomplete deflate stream".
struct GzipReader<R>(MultiGzDecoder<R>);

impl<R: BufRead> Read for GzipReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| {
            let kind = match e.kind() {
                io::ErrorKind::Interrupted => return e,
                io::ErrorKind::UnexpectedEof => io::ErrorKind::UnexpectedEof,
                _ => io::ErrorKind::InvalidData,
            };
            io::Error::new(kind, format!("truncated or corrupt gzip data ({e})"))
        })
    }
}
