//! Finding a block's structural bytes (line ends and the delimiter) 64 bytes at a time.
//!
//! [`Hits3`] yields the same positions as `memchr::memchr3_iter`, in order. `memchr3` is built for
//! needles that are far apart: each call sets up, scans and returns one position. CSV rows of
//! machine exports are short (13 bytes in the benchmark: a key and a line end), so the CSV readers
//! called it tens of millions of times and its per-call cost showed in profiles. Here each 64-byte
//! chunk is compared with the three needles once (SSE2 on x86-64, which every x86-64 CPU has; a
//! portable loop elsewhere) into a 64-bit mask, and positions are taken off the mask one by one.

/// Bytes per chunk: one bit of the mask each.
const CHUNK: usize = 64;

/// The positions in `hay` of every byte equal to `a`, `b` or `c`, in increasing order.
#[derive(Debug, Clone)]
pub(crate) struct Hits3<'a> {
    hay: &'a [u8],
    needles: [u8; 3],
    /// The offset of the chunk `mask` describes.
    base: usize,
    /// The chunk's hits not yet yielded (bit `i`: `hay[base + i]`).
    mask: u64,
}

impl<'a> Hits3<'a> {
    /// An iterator over the positions of `a`, `b` and `c` in `hay`.
    pub(crate) fn new(a: u8, b: u8, c: u8, hay: &'a [u8]) -> Hits3<'a> {
        let needles = [a, b, c];
        let mask = chunk_mask(hay, 0, needles);
        Hits3 {
            hay,
            needles,
            base: 0,
            mask,
        }
    }
}

impl Iterator for Hits3<'_> {
    type Item = usize;

    #[inline(always)]
    fn next(&mut self) -> Option<usize> {
        while self.mask == 0 {
            self.base += CHUNK;
            if self.base >= self.hay.len() {
                return None;
            }
            self.mask = chunk_mask(self.hay, self.base, self.needles);
        }
        let at = self.base + self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        Some(at)
    }
}

/// The hits of the chunk at `base` (`base < hay.len()`, or 0 for an empty `hay`): bit `i` is set
/// when `hay[base + i]` is a needle. Bits past the end of `hay` are clear.
#[inline(always)]
fn chunk_mask(hay: &[u8], base: usize, needles: [u8; 3]) -> u64 {
    let rest = &hay[base.min(hay.len())..];
    if rest.len() >= CHUNK {
        full_chunk_mask(&rest[..CHUNK], needles)
    } else {
        let mut padded = [0u8; CHUNK];
        padded[..rest.len()].copy_from_slice(rest);
        let valid = (1u64 << rest.len()) - 1; // rest.len() < 64
        full_chunk_mask(&padded, needles) & valid
    }
}

/// The hits of exactly [`CHUNK`] bytes.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn full_chunk_mask(chunk: &[u8], needles: [u8; 3]) -> u64 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    assert!(chunk.len() >= CHUNK);
    // SAFETY: SSE2 is part of the x86-64 baseline, so these intrinsics are always available; the
    // four unaligned 16-byte loads read `chunk[0..64]`, in bounds by the assertion above.
    unsafe {
        let [a, b, c] = needles.map(|n| _mm_set1_epi8(n as i8));
        let mut mask = 0u64;
        for lane in 0..CHUNK / 16 {
            let v = _mm_loadu_si128(chunk.as_ptr().add(lane * 16) as *const __m128i);
            let hit = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(v, a), _mm_cmpeq_epi8(v, b)),
                _mm_cmpeq_epi8(v, c),
            );
            mask |= u64::from(_mm_movemask_epi8(hit) as u16) << (lane * 16);
        }
        mask
    }
}

/// The hits of exactly [`CHUNK`] bytes (portable form).
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn full_chunk_mask(chunk: &[u8], needles: [u8; 3]) -> u64 {
    let [a, b, c] = needles;
    chunk[..CHUNK]
        .iter()
        .enumerate()
        .fold(0u64, |mask, (i, &x)| {
            mask | (u64::from(x == a || x == b || x == c) << i)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The same positions as memchr3, at every length and alignment.
        #[test]
        fn same_as_memchr3(
            hay in prop::collection::vec(prop::sample::select(b"ab,\n\r\0x".to_vec()), 0..300),
            skip in 0usize..70,
            needles in prop::sample::select(vec![(b'\n', b'\r', b','), (b'\n', b'\r', 0u8),
                (b'\n', b'\r', b'\t'), (b'a', b'a', b'a')]),
        ) {
            let hay = &hay[skip.min(hay.len())..];
            let (a, b, c) = needles;
            let ours: Vec<usize> = Hits3::new(a, b, c, hay).collect();
            let theirs: Vec<usize> = memchr::memchr3_iter(a, b, c, hay).collect();
            prop_assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn edges() {
        assert_eq!(Hits3::new(b'\n', b'\r', b',', b"").count(), 0);
        let hay = [b','; 64];
        assert_eq!(Hits3::new(b'\n', b'\r', b',', &hay).count(), 64);
        let mut hay = vec![b'x'; 200];
        hay[63] = b'\n';
        hay[64] = b'\r';
        hay[199] = b',';
        let got: Vec<usize> = Hits3::new(b'\n', b'\r', b',', &hay).collect();
        assert_eq!(got, vec![63, 64, 199]);
    }
}
