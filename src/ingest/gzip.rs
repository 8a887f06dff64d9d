//! Inflating gzip input, in parallel where the members allow it.
//!
//! A BGZF file (`bgzip`, the format of BAM, VCF.gz and tabix) is a series of gzip members of at most
//! 64 KiB each, every one carrying its own compressed size in a `BC` extra subfield (SAM/BAM format
//! specification, section 4.1) and its inflated size in the trailer. Members can therefore be cut out
//! of the stream without inflating them: [`GzipDecoder`] reads a batch of them, inflates the batch on
//! rayon's pool, checks each member's CRC-32 and length, and hands the output out in member order.
//! Read-ahead is bounded by one batch (`BATCH_OUT` of output and the members behind it). With
//! `--threads 1` the batch is inflated in the reading thread instead.
//!
//! Any other gzip (a single `gzip` or `pigz` member, `cat a.gz b.gz`, or a BGZF member that fails a
//! check) has no index to split on: from the first member that is not a complete, valid BGZF member
//! on, the rest of the input goes through flate2's sequential [`MultiGzDecoder`], from that member's
//! first byte. So everything that is not well-formed BGZF is read, and fails, exactly as before:
//! a truncated or corrupt member gives the same error as it would without the parallel path, after
//! the output of every member before it.

use std::io::{self, BufRead, Cursor, Read};
use std::ops::Range;

use flate2::read::MultiGzDecoder;
use flate2::{Decompress, FlushDecompress, Status};
use rayon::prelude::*;

/// Output bytes inflated per batch: with 64 KiB members, 64 members, so both cores have work while
/// read-ahead stays a few MiB.
const BATCH_OUT: usize = 4 << 20;

/// The most a member may claim to inflate to and still go through the parallel path. BGZF members
/// inflate to at most 64 KiB; a larger claim (a gzip writer that sets `BC` but not BGZF's limits)
/// goes to the sequential decoder instead of sizing a buffer from an unchecked header.
const MAX_MEMBER_OUT: usize = 1 << 20;

/// Bytes of a BGZF member header: the 10-byte gzip header, `XLEN`, and at least the 6-byte `BC`
/// subfield (RFC 1952 section 2.3; SAM/BAM specification section 4.1).
const MIN_HEADER: usize = 12;

/// The gzip trailer: CRC-32 and ISIZE, little-endian.
const TRAILER: usize = 8;

/// Up to this many block workers, BGZF members are inflated in the reading thread. The block engine
/// already overlaps inflating (by the worker holding the read lock) with parsing (by the others), and
/// on two cores parsing is the longer of the two, so a pool inflating beside both workers only
/// competes with them: measured with `benches/ingest.sh` on the 2-core benchmark machine, the BGZF
/// file took 0.73 s wall and 1.15 s CPU on the pool against 0.59 s and 1.01 s for the same data in
/// one gzip member. With more workers the serial inflating becomes the bottleneck, and the pool pays.
pub const INFLATE_IN_READER_UP_TO: usize = 2;

/// One member of the current batch.
struct Member {
    /// Its bytes in the batch's compressed buffer, header to trailer.
    raw: Range<usize>,
    /// Its deflate stream within `raw`.
    deflate: Range<usize>,
    /// The CRC-32 of its output, from the trailer.
    crc: u32,
    /// Its output length, from the trailer.
    len: usize,
}

/// A gzip decoder that inflates BGZF members in parallel and everything else sequentially.
pub struct GzipDecoder<R: BufRead> {
    /// The compressed input, until the sequential decoder takes it over.
    raw: Option<R>,
    /// The sequential decoder, once a member that is not valid BGZF has been met.
    sequential: Option<MultiGzDecoder<io::Chain<Cursor<Vec<u8>>, R>>>,
    /// Compressed bytes of the current batch.
    packed: Vec<u8>,
    members: Vec<Member>,
    /// Inflated bytes of the current batch's valid members, and how many of them were handed out.
    out: Vec<u8>,
    pos: usize,
    /// Whether batches are inflated on rayon's pool (false: in the reading thread).
    parallel: bool,
}

impl<R: BufRead + Send> GzipDecoder<R> {
    /// A decoder of `raw`, which starts with the first gzip member, inflating BGZF members on
    /// rayon's pool when `threads` (the block engine's workers) is more than
    /// [`INFLATE_IN_READER_UP_TO`], or 0 (always on the pool: tests); otherwise in the reading
    /// thread.
    pub fn new(raw: R, threads: usize) -> GzipDecoder<R> {
        GzipDecoder {
            raw: Some(raw),
            sequential: None,
            packed: Vec::new(),
            members: Vec::new(),
            out: Vec::new(),
            pos: 0,
            parallel: threads == 0 || threads > INFLATE_IN_READER_UP_TO,
        }
    }

    /// Inflates the next batch of BGZF members into `out`; switches to the sequential decoder at
    /// the first member that is not a complete, valid BGZF member.
    fn next_batch(&mut self) -> io::Result<()> {
        self.packed.clear();
        self.members.clear();
        self.out.clear();
        self.pos = 0;
        let Some(raw) = self.raw.as_mut() else {
            return Ok(());
        };
        let mut total = 0;
        // The compressed bytes from which the sequential decoder takes over, if it must.
        let mut hand_over = None;
        // Bounded by compressed bytes too: a run of empty members adds no output.
        while total < BATCH_OUT && self.packed.len() < BATCH_OUT {
            let start = self.packed.len();
            match read_member(raw, &mut self.packed)? {
                Next::End => break,
                Next::Member(member) => {
                    total += member.len;
                    self.members.push(member);
                }
                Next::Other => {
                    hand_over = Some(start);
                    break;
                }
            }
        }
        // Inflate every member into its own slice of `out`, in parallel.
        self.out.resize(total, 0);
        let mut slices = Vec::with_capacity(self.members.len());
        let mut rest = &mut self.out[..];
        for member in &self.members {
            let (head, tail) = rest.split_at_mut(member.len);
            slices.push(head);
            rest = tail;
        }
        let packed = &self.packed;
        let one = |inflater: &mut Decompress, (member, out): (&Member, &mut [u8])| {
            inflate(inflater, &packed[member.deflate.clone()], out, member.crc)
        };
        let ok: Vec<bool> = if self.parallel && self.members.len() > 1 {
            self.members
                .par_iter()
                .zip(slices.into_par_iter())
                .map_init(|| Decompress::new(false), one)
                .collect()
        } else {
            let mut inflater = Decompress::new(false);
            self.members
                .iter()
                .zip(slices)
                .map(|pair| one(&mut inflater, pair))
                .collect()
        };
        // Output stops before the first member that failed; the sequential decoder reads it again
        // and reports its error as it always has.
        if let Some(bad) = ok.iter().position(|ok| !ok) {
            let member = &self.members[bad];
            self.out
                .truncate(self.members[..bad].iter().map(|m| m.len).sum());
            hand_over = Some(member.raw.start);
        }
        if let Some(from) = hand_over {
            let pending = self.packed.split_off(from);
            let raw = self.raw.take().expect("the raw input is still ours");
            self.sequential = Some(MultiGzDecoder::new(Cursor::new(pending).chain(raw)));
        }
        Ok(())
    }
}

impl<R: BufRead + Send> Read for GzipDecoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.pos < self.out.len() {
                let n = buf.len().min(self.out.len() - self.pos);
                buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            if let Some(sequential) = self.sequential.as_mut() {
                return sequential.read(buf);
            }
            if self.raw.is_none() {
                return Ok(0);
            }
            self.next_batch()?;
            if self.out.is_empty() && self.sequential.is_none() {
                // A batch of empty members (BGZF's end-of-file marker) or the end of the input.
                if self.members.is_empty() {
                    self.raw = None;
                    return Ok(0);
                }
            }
        }
    }
}

/// What [`read_member`] found next in the input.
enum Next {
    /// The input ends, at a member boundary.
    End,
    /// A complete BGZF member, appended to the batch's bytes.
    Member(Member),
    /// Anything else (a member without `BC`, a truncated member, bytes that are not gzip): its bytes
    /// read so far are appended, for the sequential decoder.
    Other,
}

/// Reads the next member from `raw` and appends its bytes to `packed`.
fn read_member<R: Read>(raw: &mut R, packed: &mut Vec<u8>) -> io::Result<Next> {
    let start = packed.len();
    if read_up_to(raw, packed, MIN_HEADER)? == 0 {
        return Ok(Next::End);
    }
    let head = &packed[start..];
    // ID1 ID2 CM=8 FLG=FEXTRA only (BGZF sets no name, comment or header CRC).
    if head.len() < MIN_HEADER || head[..4] != [0x1f, 0x8b, 8, 4] {
        return Ok(Next::Other);
    }
    let xlen = usize::from(u16::from_le_bytes([head[10], head[11]]));
    if read_up_to(raw, packed, xlen)? < xlen {
        return Ok(Next::Other);
    }
    let Some(bsize) = bc_subfield(&packed[start + MIN_HEADER..]) else {
        return Ok(Next::Other);
    };
    // BSIZE is the member's total size minus one.
    let size = usize::from(bsize) + 1;
    let header = MIN_HEADER + xlen;
    if size < header + TRAILER {
        return Ok(Next::Other);
    }
    if read_up_to(raw, packed, size - header)? < size - header {
        return Ok(Next::Other);
    }
    let trailer = &packed[start + size - TRAILER..start + size];
    let crc = u32::from_le_bytes(trailer[..4].try_into().expect("4 bytes"));
    let len = u32::from_le_bytes(trailer[4..].try_into().expect("4 bytes")) as usize;
    if len > MAX_MEMBER_OUT {
        return Ok(Next::Other);
    }
    Ok(Next::Member(Member {
        raw: start..start + size,
        deflate: start + header..start + size - TRAILER,
        crc,
        len,
    }))
}

/// The `BSIZE` of the `BC` subfield in a gzip header's extra field, if it has one.
fn bc_subfield(mut extra: &[u8]) -> Option<u16> {
    while extra.len() >= 4 {
        let len = usize::from(u16::from_le_bytes([extra[2], extra[3]]));
        let body = extra.get(4..4 + len)?;
        if extra[..2] == *b"BC" && len == 2 {
            return Some(u16::from_le_bytes([body[0], body[1]]));
        }
        extra = &extra[4 + len..];
    }
    None
}

/// Appends up to `n` bytes of `raw` to `out`, fewer only at the end of the input; returns how many.
fn read_up_to<R: Read>(raw: &mut R, out: &mut Vec<u8>, n: usize) -> io::Result<usize> {
    let got = raw.take(n as u64).read_to_end(out)?;
    Ok(got)
}

/// Inflates one member's raw deflate stream into `out`, which has exactly the length its trailer
/// claims; true when the stream ends exactly there, uses all of `deflate` and matches `crc`.
fn inflate(inflater: &mut Decompress, deflate: &[u8], out: &mut [u8], crc: u32) -> bool {
    inflater.reset(false);
    let status = inflater.decompress(deflate, out, FlushDecompress::Finish);
    let mut ended = matches!(status, Ok(Status::StreamEnd));
    if !ended && status.is_ok() && inflater.total_out() == out.len() as u64 {
        // The output is full: the end-of-block code may still be unread. One spare byte tells a
        // stream that ends here from one that is longer than its trailer says.
        let read = inflater.total_in() as usize;
        let mut spare = [0u8; 1];
        let status = inflater.decompress(&deflate[read..], &mut spare, FlushDecompress::Finish);
        ended = matches!(status, Ok(Status::StreamEnd)) && inflater.total_out() == out.len() as u64;
    }
    ended
        && inflater.total_out() == out.len() as u64
        && inflater.total_in() == deflate.len() as u64
        && crc32fast::hash(out) == crc
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufReader, Write};

    /// One BGZF member holding `text` (SAM/BAM specification 4.1: FLG=FEXTRA, a `BC` subfield
    /// with the member's size minus one, then CRC-32 and ISIZE).
    fn bgzf_member(text: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(text).unwrap();
        let deflate = enc.finish().unwrap();
        let size = 18 + deflate.len() + 8;
        let mut member = vec![
            0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, b'B', b'C', 2, 0,
        ];
        member.extend_from_slice(&((size - 1) as u16).to_le_bytes());
        member.extend_from_slice(&deflate);
        member.extend_from_slice(&crc32fast::hash(text).to_le_bytes());
        member.extend_from_slice(&(text.len() as u32).to_le_bytes());
        member
    }

    /// `text` as BGZF: members of `chunk` input bytes each, and the empty end-of-file member.
    fn bgzf(text: &[u8], chunk: usize) -> Vec<u8> {
        let mut out: Vec<u8> = text.chunks(chunk).flat_map(bgzf_member).collect();
        out.extend(bgzf_member(b""));
        out
    }

    fn gzip(text: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(text).unwrap();
        enc.finish().unwrap()
    }

    /// Reads `bytes` through a [`GzipDecoder`] with a small input buffer, in reads of `step` bytes.
    fn decode(bytes: &[u8], step: usize) -> io::Result<Vec<u8>> {
        let raw = BufReader::with_capacity(1000, Cursor::new(bytes.to_vec()));
        let mut decoder = GzipDecoder::new(raw, 0);
        let mut out = Vec::new();
        let mut buf = vec![0u8; step];
        loop {
            match decoder.read(&mut buf) {
                Ok(0) => return Ok(out),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => return Err(e),
            }
        }
    }

    fn text(len: usize) -> Vec<u8> {
        (0..len)
            .map(|i| {
                if i % 17 == 16 {
                    b'\n'
                } else {
                    b'a' + (i * 7 % 26) as u8
                }
            })
            .collect()
    }

    /// Many members, more than one batch, read in steps that do not line up with members.
    #[test]
    fn bgzf_members_are_read_in_order() {
        let text = text(3 * BATCH_OUT + 12_345);
        let bytes = bgzf(&text, 65_280);
        for step in [1 << 20, 4093] {
            assert!(decode(&bytes, step).unwrap() == text);
        }
        // All of it on the BGZF path (the sequential decoder never took over), on the pool and in
        // the reading thread alike.
        for threads in [0, 1] {
            let mut decoder = GzipDecoder::new(BufReader::new(Cursor::new(bytes.clone())), threads);
            let mut out = Vec::new();
            decoder.read_to_end(&mut out).unwrap();
            assert!(out == text && decoder.sequential.is_none());
        }
        // Members of a few bytes, and a file of nothing but the end-of-file member.
        assert_eq!(decode(&bgzf(b"a\nbc\n", 2), 7).unwrap(), b"a\nbc\n");
        assert_eq!(decode(&bgzf(b"", 10), 7).unwrap(), b"");
        // More empty members than fit in a batch's compressed bytes, then text.
        let empties = bgzf_member(b"").repeat(BATCH_OUT / 28 + 100);
        let bytes = [empties, bgzf(b"k\n", 1)].concat();
        assert_eq!(decode(&bytes, 5).unwrap(), b"k\n");
    }

    /// BGZF followed by plain gzip members and back: the rest is read sequentially, in order.
    #[test]
    fn mixed_members_fall_back_to_sequential() {
        let (a, b, c) = (text(200_000), text(70_000), text(5));
        let bytes = [bgzf(&a, 60_000), gzip(&b), bgzf(&c, 2)].concat();
        assert!(decode(&bytes, 1 << 16).unwrap() == [a, b, c].concat());
        let plain = gzip(b"k\nx\n");
        assert_eq!(decode(&plain, 3).unwrap(), b"k\nx\n");
    }

    /// A member whose CRC-32 or ISIZE is wrong, or whose deflate data is damaged, is an error after
    /// the output of the members before it.
    #[test]
    fn corrupt_members_are_errors() {
        let text = text(1_000_000);
        let bytes = bgzf(&text, 60_000);
        let second = bgzf_member(&text[..60_000]).len();
        let third = second + bgzf_member(&text[60_000..120_000]).len();
        // The third member's CRC, its ISIZE, and a byte in the middle of its deflate data.
        for at in [third - 8, third - 2, (second + third) / 2] {
            let mut bad = bytes.clone();
            bad[at] ^= 0x55;
            let raw = BufReader::new(Cursor::new(bad));
            let mut decoder = GzipDecoder::new(raw, 0);
            let mut out = Vec::new();
            let err = decoder.read_to_end(&mut out).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
            assert!(out.len() >= 60_000 && text.starts_with(&out), "byte {at}");
        }
    }

    /// A file cut inside a member (or inside a header) is an error, not a silent end.
    #[test]
    fn truncated_bgzf_is_an_error() {
        let text = text(1_000_000);
        let bytes = bgzf(&text, 60_000);
        for cut in [bytes.len() / 2, 5, 14, bytes.len() - 29] {
            let err = decode(&bytes[..cut], 1 << 16).unwrap_err();
            assert!(
                matches!(
                    err.kind(),
                    io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidInput
                ),
                "cut {cut}: {err:?}"
            );
        }
    }
}
