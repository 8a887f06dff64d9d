//! Opening inputs: a path or `-` for standard input, plain or gzip-compressed (detected by its magic
//! bytes, not by its name).
//!
//! Gzip input is decompressed on a thread of its own ([`Gunzip`]), a few chunks ahead of the parsers:
//! inflating is the slowest stage of reading a compressed sample and cannot be split (each member is
//! one deflate stream), so it runs alongside the parsing instead of taking turns with it. Every member
//! of a multi-member file (`pigz`, `bgzip`, concatenated `.gz` files) is read, in order.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::sync::mpsc;
use std::thread;

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
    ///
    /// The magic is read until both bytes are in or the input ends: a pipe's first read may return a
    /// single byte, and one byte cannot tell gzip from text.
    pub fn from_reader(name: &str, mut raw: Box<dyn Read + Send>) -> Result<Source> {
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
                Gunzip::spawn(GzipReader(MultiGzDecoder::new(buffered))),
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

/// Decompressed bytes handed over per message: large enough that the hand-over is noise, small enough
/// that [`AHEAD`] of them keep memory flat.
const CHUNK: usize = 1 << 19;

/// Chunks the decompressing thread may run ahead of the reader.
const AHEAD: usize = 2;

/// A reader of bytes decompressed by a thread of its own: the thread reads `CHUNK`-sized pieces and
/// sends them (or the read error that stopped it) over a bounded channel. The thread stops at the end
/// of the input, at an error, or when this reader is dropped (its next send fails).
struct Gunzip {
    chunks: mpsc::Receiver<io::Result<Vec<u8>>>,
    /// Emptied chunks go back to the thread for reuse.
    spent: mpsc::SyncSender<Vec<u8>>,
    current: Vec<u8>,
    at: usize,
    /// The thread could not be started: reported at the first read.
    failed: Option<io::Error>,
}

impl Gunzip {
    fn spawn<R: Read + Send + 'static>(mut inner: R) -> Gunzip {
        let (send, chunks) = mpsc::sync_channel::<io::Result<Vec<u8>>>(AHEAD);
        let (spent, reuse) = mpsc::sync_channel::<Vec<u8>>(AHEAD + 2);
        let spawned = thread::Builder::new()
            .name("keyplan-gunzip".into())
            .spawn(move || loop {
                let mut chunk = reuse.try_recv().unwrap_or_default();
                chunk.resize(CHUNK, 0);
                let mut filled = 0;
                let result = loop {
                    match inner.read(&mut chunk[filled..]) {
                        Ok(0) => break Ok(true),
                        Ok(n) => {
                            filled += n;
                            if filled == chunk.len() {
                                break Ok(false);
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => break Err(e),
                    }
                };
                chunk.truncate(filled);
                if filled > 0 && send.send(Ok(chunk)).is_err() {
                    return; // the reader is gone
                }
                match result {
                    Ok(false) => {}
                    Ok(true) => return,
                    Err(e) => {
                        let _ = send.send(Err(e));
                        return;
                    }
                }
            });
        Gunzip {
            chunks,
            spent,
            current: Vec::new(),
            at: 0,
            failed: spawned.err(),
        }
    }
}

impl Read for Gunzip {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        while self.at == self.current.len() {
            match self.chunks.recv() {
                Ok(Ok(chunk)) => {
                    let spent = std::mem::replace(&mut self.current, chunk);
                    // The thread may have ended; then the buffer is simply dropped.
                    let _ = self.spent.try_send(spent);
                    self.at = 0;
                }
                Ok(Err(e)) => return Err(e),
                // The thread ended after its last chunk (or its error, already returned).
                Err(mpsc::RecvError) => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len() - self.at);
        buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
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

    /// Every member of a multi-member gzip file is read, in order, across the decompressing thread's
    /// chunks: concatenated files as `cat a.gz b.gz` makes them, and many small members as `pigz` and
    /// `bgzip` write them.
    #[test]
    fn multi_member_gzip_reads_fully() {
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
