//! Opening inputs: a path or `-` for standard input, plain or gzip-compressed (detected by its magic
//! bytes, not by its name).
//!
//! Gzip is inflated by flate2's zlib-rs backend, in the block engine's reads: the worker holding the
//! read lock inflates the next block while the others parse theirs, so inflating already overlaps
//! parsing (a dedicated inflating thread measured slower on two cores: one more thread, one more
//! copy). Every member of a multi-member file (`pigz`, `bgzip`, concatenated `.gz` files) is read, in
//! order; BGZF members (`bgzip`) are inflated in parallel batches ([`super::gzip`]).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};

use crate::error::{Error, Result};
use crate::ingest::gzip::GzipDecoder;
use crate::ingest::mapped::Map;

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
    /// The file behind `reader` when it is a plain (not compressed) file opened by path, which
    /// [`map_rest`](Self::map_rest) can map instead of reading.
    file: Option<File>,
}

impl Source {
    /// Opens `name`: a file path, or `-` for standard input.
    pub fn open(name: &str) -> Result<Source> {
        Source::open_with_threads(name, 0)
    }

    /// [`Source::open`], inflating BGZF members on at most `threads` threads (0: every core; 1: in
    /// the reading thread, as `--threads 1` asks).
    pub fn open_with_threads(name: &str, threads: usize) -> Result<Source> {
        let mut file = None;
        let raw: Box<dyn Read + Send> = if name == "-" {
            Box::new(io::stdin())
        } else {
            let opened = File::open(name).map_err(|e| Error::io(name, e))?;
            if opened.metadata().map(|m| m.is_dir()).unwrap_or(false) {
                return Err(Error::io(
                    name,
                    io::Error::new(io::ErrorKind::InvalidInput, "is a directory, not a file"),
                ));
            }
            // A second handle shares the file offset, which tells how far `reader` has read.
            file = opened.try_clone().ok();
            Box::new(opened)
        };
        let mut source = Source::from_reader_with_threads(name, raw, threads)?;
        if !source.gzip {
            source.file = file;
        }
        Ok(source)
    }

    /// A [`Map`] of a plain file and the offset in it of the first byte `reader` has not handed
    /// out yet, so that the rest can be parsed in place; `None` for anything that is not a plain
    /// regular file, or that cannot be mapped (then `reader` reads on as before).
    pub fn map_rest(&mut self) -> Option<(Map, usize)> {
        let file = self.file.as_ref()?;
        let map = Map::new(file, &self.name)?;
        // Bytes the reader took from the file minus those it still holds (filling the buffer when it
        // is empty moves both alike).
        let buffered = self.reader.fill_buf().ok()?.len() as u64;
        let taken = io::Seek::stream_position(&mut &*file).ok()?;
        let from = usize::try_from(taken.checked_sub(buffered)?).ok()?;
        (from <= map.bytes().len()).then_some((map, from))
    }

    /// Wraps any reader, detecting gzip by its first bytes.
    ///
    /// The magic is read until both bytes are in or the input ends: a pipe's first read may return a
    /// single byte, and one byte cannot tell gzip from text.
    pub fn from_reader(name: &str, raw: Box<dyn Read + Send>) -> Result<Source> {
        Source::from_reader_with_threads(name, raw, 0)
    }

    /// [`Source::from_reader`], inflating BGZF members on at most `threads` threads (0: every core).
    pub fn from_reader_with_threads(
        name: &str,
        mut raw: Box<dyn Read + Send>,
        threads: usize,
    ) -> Result<Source> {
        let mut head = [0u8; GZIP_MAGIC.len()];
        let mut got = 0;
        while got < head.len() {
            match raw.read(&mut head[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io(name, e)),
            }
        }
        let gzip = head[..got] == GZIP_MAGIC;
        let raw: Box<dyn Read + Send> = Box::new(io::Cursor::new(head).take(got as u64).chain(raw));
        let buffered = BufReader::with_capacity(BUF_SIZE, raw);
        let reader: Box<dyn BufRead + Send> = if gzip {
            Box::new(BufReader::with_capacity(
                BUF_SIZE,
                GzipReader(GzipDecoder::new(buffered, threads)),
            ))
        } else {
            Box::new(buffered)
        };
        Ok(Source {
            name: name.to_string(),
            gzip,
            reader,
            file: None,
        })
    }
}

/// A gzip decoder whose errors say that the compressed data is at fault, so a truncated download
/// reads as "truncated or corrupt gzip data" rather than a bare "incomplete deflate stream".
struct GzipReader<R>(R);

impl<R: Read> Read for GzipReader<R> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that returns at most one byte per call, as a slow pipe may.
    struct Trickle(io::Cursor<Vec<u8>>);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(1);
            self.0.read(&mut buf[..n])
        }
    }

    fn read_all(bytes: &[u8], trickle: bool) -> (bool, Vec<u8>) {
        let raw: Box<dyn Read + Send> = if trickle {
            Box::new(Trickle(io::Cursor::new(bytes.to_vec())))
        } else {
            Box::new(io::Cursor::new(bytes.to_vec()))
        };
        let mut source = Source::from_reader("t", raw).unwrap();
        let mut out = Vec::new();
        source.reader.read_to_end(&mut out).unwrap();
        (source.gzip, out)
    }

    /// Every member of a multi-member gzip file is read, in order, across read buffers: concatenated
    /// files as `cat a.gz b.gz` makes them, and many small members as `pigz` and `bgzip` write them.
    #[test]
    fn multi_member_gzip_reads_fully() {
        const CHUNK: usize = BUF_SIZE;
        use std::io::Write;
        let member = |text: &[u8]| {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(text).unwrap();
            enc.finish().unwrap()
        };
        let mut expected = Vec::new();
        let mut gz = Vec::new();
        for i in 0..40 {
            // Members of none to a few chunks' bytes.
            let text: Vec<u8> = (0..(i * 99_991) % (3 * CHUNK + 7))
                .map(|j| b'a' + ((i + j) % 26) as u8)
                .collect();
            expected.extend_from_slice(&text);
            gz.extend(member(&text));
        }
        let (gzip, out) = read_all(&gz, false);
        assert!(gzip);
        assert_eq!(out.len(), expected.len());
        assert!(out == expected);
        // A pipe that trickles, on a smaller file.
        let small: Vec<u8> = [member(b"a\nb\n"), member(b""), member(b"c\n")].concat();
        assert_eq!(read_all(&small, true), (true, b"a\nb\nc\n".to_vec()));
    }

    /// A truncated stream is an error after the bytes before it, not a silent end.
    #[test]
    fn truncated_gzip_is_an_error() {
        const CHUNK: usize = BUF_SIZE;
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let text: Vec<u8> = (0..3 * CHUNK).map(|j| (j % 251) as u8).collect();
        enc.write_all(&text).unwrap();
        let gz = enc.finish().unwrap();
        let cut = &gz[..gz.len() / 2];
        let raw: Box<dyn Read + Send> = Box::new(io::Cursor::new(cut.to_vec()));
        let mut source = Source::from_reader("t", raw).unwrap();
        let mut out = Vec::new();
        let err = source.reader.read_to_end(&mut out).unwrap_err();
        assert!(err.to_string().contains("gzip"), "{err}");
    }

    /// Gzip is detected when the first read returns a single byte (issue #13).
    #[test]
    fn gzip_is_detected_from_one_byte_reads() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"a\nb\n").unwrap();
        let gz = enc.finish().unwrap();
        for trickle in [false, true] {
            assert_eq!(read_all(&gz, trickle), (true, b"a\nb\n".to_vec()));
        }
        for plain in [&b""[..], b"\x1f", b"x", b"\x1fx", b"key\n"] {
            assert_eq!(read_all(plain, true), (false, plain.to_vec()));
        }
    }
}
