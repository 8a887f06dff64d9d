//! The two per-key loops of a Monte Carlo trial ([`crate::analysis::stats`]), branch-free and, on
//! x86-64 CPUs with AVX2, four and eight keys at a time (eight and sixteen with AVX-512).
//!
//! A trial of the random-placement expectation reads one 64-bit draw per heavy key (2,000 of them)
//! and then looks for the keys drawn onto the partition that may hold the largest load. Profiling
//! `analyze` on the 20M-event benchmark put these two loops at half of the Monte Carlo's time, which
//! was a fifth of the run's. Both give the same values as their scalar forms, which remain for other
//! CPUs and are what the tests compare against.

/// Whether the CPU has AVX-512 F and VL, which the 512-bit forms here and the ChaCha8 stream's
/// rotations ([`crate::analysis::keystream`]) need.
#[cfg(target_arch = "x86_64")]
pub(super) fn has_avx512() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512vl")
}

/// `rand`'s `gen_range(0..range)` applied to `words` in turn, as it would read them one by one:
/// the high word of `v * range`, unless the low word is above `zone` (`rand`'s rejection zone), which
/// skips `v`. The accepted partitions are written to the front of `drawn` in order, and their number
/// is returned. `drawn` must be at least as long as `words`; past the accepted values its contents
/// are unspecified. `range` is at least 1 and below 2^32.
pub(super) fn accept_draws(words: &[u64], range: u64, zone: u64, drawn: &mut [u32]) -> usize {
    assert!(drawn.len() >= words.len() && (1..=u64::from(u32::MAX)).contains(&range));
    #[cfg(target_arch = "x86_64")]
    if has_avx512() {
        // SAFETY: the CPU has AVX-512 F and VL, and the lengths were checked above.
        return unsafe { x86::accept_draws_avx512(words, range, zone, drawn) };
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, and the lengths were checked above.
        return unsafe { x86::accept_draws(words, range, zone, drawn) };
    }
    accept_draws_scalar(words, range, zone, drawn)
}

/// [`accept_draws`], one draw at a time.
fn accept_draws_scalar(words: &[u64], range: u64, zone: u64, drawn: &mut [u32]) -> usize {
    let mut accepted = 0;
    for (&v, i) in words.iter().zip(0..) {
        let (high, low) = wide_mul(v, range);
        // `accepted <= i < drawn.len()`: the `min` only spares a bounds check.
        drawn[accepted.min(i)] = high;
        accepted += usize::from(low <= zone);
    }
    accepted
}

/// The indices `i` with `drawn[i] == partition`, in increasing order, written to the front of
/// `picked`; returns how many. `picked` must be at least as long as `drawn` (and indices fit 32 bits);
/// past the returned count its contents are unspecified.
pub(super) fn pick(drawn: &[u32], partition: u32, picked: &mut [u32]) -> usize {
    assert!(picked.len() >= drawn.len() && u32::try_from(drawn.len()).is_ok());
    #[cfg(target_arch = "x86_64")]
    if has_avx512() {
        // SAFETY: the CPU has AVX-512 F and VL, and the lengths were checked above.
        return unsafe { x86::pick_avx512(drawn, partition, picked) };
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, and the lengths were checked above.
        return unsafe { x86::pick(drawn, partition, picked) };
    }
    pick_scalar(drawn, partition, picked)
}

/// [`pick`], one key at a time.
fn pick_scalar(drawn: &[u32], partition: u32, picked: &mut [u32]) -> usize {
    let mut count = 0;
    for (&p, i) in drawn.iter().zip(0u32..) {
        picked[count.min(i as usize)] = i;
        count += usize::from(p == partition);
    }
    count
}

/// The high and low 64-bit words of `v * range` for a `range` below 2^32 (the high word is then
/// below `range`), from two 32 x 32 -> 64-bit products: the same values as the 128-bit product
/// `rand` takes, at half its cost here.
#[inline]
pub(super) fn wide_mul(v: u64, range: u64) -> (u32, u64) {
    debug_assert!(range <= u64::from(u32::MAX));
    let low_part = (v & 0xffff_ffff) * range;
    let high_part = (v >> 32) * range + (low_part >> 32);
    (
        (high_part >> 32) as u32,
        (high_part << 32) | (low_part & 0xffff_ffff),
    )
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::{accept_draws_scalar, pick_scalar};

    /// For each 8-bit mask: the 32-bit lanes of the set bits, in order, then zeros. Indexing a
    /// register's lanes with it packs the selected lanes to the front (`vpermd`).
    static PACK8: [[u32; 8]; 256] = pack_table(1);
    /// The same for a 4-bit mask over the 64-bit lanes of a register, selecting the upper 32-bit
    /// half of each (lanes 1, 3, 5, 7).
    static PACK4_HIGH: [[u32; 8]; 256] = pack_table(2);

    /// The packing table over lanes `step * j + step - 1` for the set bits `j` of each mask.
    const fn pack_table(step: u32) -> [[u32; 8]; 256] {
        let mut table = [[0u32; 8]; 256];
        let mut mask = 0;
        while mask < 256 {
            let mut out = 0;
            let mut j = 0;
            while j < 8 {
                if mask & (1 << j) != 0 {
                    table[mask][out] = step * j as u32 + step - 1;
                    out += 1;
                }
                j += 1;
            }
            mask += 1;
        }
        table
    }

    /// [`super::accept_draws`], four draws per step.
    ///
    /// # Safety
    /// The CPU must have AVX2, and `drawn` must be at least as long as `words`.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn accept_draws(
        words: &[u64],
        range: u64,
        zone: u64,
        drawn: &mut [u32],
    ) -> usize {
        let range_v = _mm256_set1_epi64x(range as i64);
        let low_half = _mm256_set1_epi64x(0xffff_ffff);
        // Unsigned 64-bit comparison as a signed one, both sides with the top bit flipped.
        let flip = _mm256_set1_epi64x(i64::MIN);
        let zone_v = _mm256_set1_epi64x((zone ^ (1 << 63)) as i64);
        let chunks = words.chunks_exact(4);
        let rest = chunks.remainder();
        let mut accepted = 0;
        for chunk in chunks {
            let v = _mm256_loadu_si256(chunk.as_ptr().cast());
            // `wide_mul`, lane by lane: `_mm256_mul_epu32` multiplies the low 32-bit halves.
            let low_part = _mm256_mul_epu32(v, range_v);
            let high_part = _mm256_add_epi64(
                _mm256_mul_epu32(_mm256_srli_epi64::<32>(v), range_v),
                _mm256_srli_epi64::<32>(low_part),
            );
            let low = _mm256_or_si256(
                _mm256_slli_epi64::<32>(high_part),
                _mm256_and_si256(low_part, low_half),
            );
            let rejected = _mm256_cmpgt_epi64(_mm256_xor_si256(low, flip), zone_v);
            let keep = !_mm256_movemask_pd(_mm256_castsi256_pd(rejected)) as usize & 0xf;
            // The high words are the upper halves of `high_part`'s lanes.
            let order = _mm256_loadu_si256(PACK4_HIGH[keep].as_ptr().cast());
            let packed = _mm256_permutevar8x32_epi32(high_part, order);
            // `accepted` is at most the chunk's offset, so the four values stay inside `drawn`.
            _mm_storeu_si128(
                drawn.as_mut_ptr().add(accepted).cast(),
                _mm256_castsi256_si128(packed),
            );
            accepted += keep.count_ones() as usize;
        }
        accepted + accept_draws_scalar(rest, range, zone, &mut drawn[accepted..][..rest.len()])
    }

    /// [`pick_scalar`] on the last `rest` keys of `drawn` (those a vector loop left), with their
    /// indices in `drawn`, into the front of `picked`; returns how many.
    fn pick_rest(drawn: &[u32], rest: usize, partition: u32, picked: &mut [u32]) -> usize {
        let done = drawn.len() - rest;
        let tail = pick_scalar(&drawn[done..], partition, &mut picked[..rest]);
        for i in &mut picked[..tail] {
            *i += done as u32;
        }
        tail
    }

    /// [`super::accept_draws`], eight draws per step: [`accept_draws`] in 512-bit registers, with
    /// an unsigned comparison giving the mask and the accepted lanes packed in a register
    /// (`vpcompressd` to memory is slow on some CPUs).
    ///
    /// # Safety
    /// The CPU must have AVX-512 F and VL, and `drawn` must be at least as long as `words`.
    #[target_feature(enable = "avx2,avx512f,avx512vl")]
    pub(super) unsafe fn accept_draws_avx512(
        words: &[u64],
        range: u64,
        zone: u64,
        drawn: &mut [u32],
    ) -> usize {
        let range_v = _mm512_set1_epi64(range as i64);
        let low_half = _mm512_set1_epi64(0xffff_ffff);
        let zone_v = _mm512_set1_epi64(zone as i64);
        let chunks = words.chunks_exact(8);
        let rest = chunks.remainder();
        let mut accepted = 0;
        for chunk in chunks {
            let v = _mm512_loadu_si512(chunk.as_ptr().cast());
            let low_part = _mm512_mul_epu32(v, range_v);
            let high_part = _mm512_add_epi64(
                _mm512_mul_epu32(_mm512_srli_epi64::<32>(v), range_v),
                _mm512_srli_epi64::<32>(low_part),
            );
            let low = _mm512_or_si512(
                _mm512_slli_epi64::<32>(high_part),
                _mm512_and_si512(low_part, low_half),
            );
            let keep = _mm512_cmple_epu64_mask(low, zone_v);
            let high = _mm512_cvtepi64_epi32(_mm512_srli_epi64::<32>(high_part));
            // `accepted` is at most the chunk's offset, so the eight values stay inside `drawn`.
            _mm256_storeu_si256(
                drawn.as_mut_ptr().add(accepted).cast(),
                _mm256_maskz_compress_epi32(keep, high),
            );
            accepted += keep.count_ones() as usize;
        }
        accepted + accept_draws_scalar(rest, range, zone, &mut drawn[accepted..][..rest.len()])
    }

    /// [`super::pick`], sixteen keys per step: [`pick`] in 512-bit registers.
    ///
    /// # Safety
    /// The CPU must have AVX-512 F and VL, `picked` must be at least as long as `drawn`, and
    /// `drawn.len()` must fit 32 bits.
    #[target_feature(enable = "avx2,avx512f,avx512vl")]
    pub(super) unsafe fn pick_avx512(drawn: &[u32], partition: u32, picked: &mut [u32]) -> usize {
        let target = _mm512_set1_epi32(partition as i32);
        let sixteen = _mm512_set1_epi32(16);
        let mut index = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        let chunks = drawn.chunks_exact(16);
        let rest = chunks.remainder();
        let mut count = 0;
        for chunk in chunks {
            let p = _mm512_loadu_si512(chunk.as_ptr().cast());
            let hit = _mm512_cmpeq_epi32_mask(p, target);
            // `count` is at most the chunk's offset, so the sixteen values stay inside `picked`.
            _mm512_storeu_si512(
                picked.as_mut_ptr().add(count).cast(),
                _mm512_maskz_compress_epi32(hit, index),
            );
            count += hit.count_ones() as usize;
            index = _mm512_add_epi32(index, sixteen);
        }
        count + pick_rest(drawn, rest.len(), partition, &mut picked[count..])
    }

    /// [`super::pick`], eight keys per step.
    ///
    /// # Safety
    /// The CPU must have AVX2, `picked` must be at least as long as `drawn`, and `drawn.len()` must
    /// fit 32 bits.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn pick(drawn: &[u32], partition: u32, picked: &mut [u32]) -> usize {
        let target = _mm256_set1_epi32(partition as i32);
        let eight = _mm256_set1_epi32(8);
        let mut index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        let chunks = drawn.chunks_exact(8);
        let rest = chunks.remainder();
        let mut count = 0;
        for chunk in chunks {
            let p = _mm256_loadu_si256(chunk.as_ptr().cast());
            let hit = _mm256_cmpeq_epi32(p, target);
            let mask = _mm256_movemask_ps(_mm256_castsi256_ps(hit)) as usize;
            let order = _mm256_loadu_si256(PACK8[mask].as_ptr().cast());
            // `count` is at most the chunk's offset, so the eight values stay inside `picked`.
            _mm256_storeu_si256(
                picked.as_mut_ptr().add(count).cast(),
                _mm256_permutevar8x32_epi32(index, order),
            );
            count += mask.count_ones() as usize;
            index = _mm256_add_epi32(index, eight);
        }
        count + pick_rest(drawn, rest.len(), partition, &mut picked[count..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `rand`'s rejection zone for `range`, as the trial computes it.
    fn zone(range: u64) -> u64 {
        (range << range.leading_zeros()).wrapping_sub(1)
    }

    proptest! {
        /// The vector forms give the scalar forms' values, at every length and range (powers of
        /// two, where nothing is rejected, included).
        #[test]
        fn same_as_scalar(
            words in prop::collection::vec(any::<u64>(), 0..70),
            range in prop_oneof![1u64..200, Just(64), Just(u64::from(u32::MAX)), 1u64..=u64::from(u32::MAX)],
        ) {
            let mut fast = vec![0u32; words.len()];
            let mut slow = vec![0u32; words.len()];
            let n = accept_draws(&words, range, zone(range), &mut fast);
            let m = accept_draws_scalar(&words, range, zone(range), &mut slow);
            prop_assert_eq!(n, m);
            prop_assert_eq!(&fast[..n], &slow[..m]);
            // And what `rand` itself would draw from these values, one by one.
            let expected: Vec<u32> = words
                .iter()
                .filter_map(|&v| {
                    let p = u128::from(v) * u128::from(range);
                    ((p as u64) <= zone(range)).then_some((p >> 64) as u32)
                })
                .collect();
            prop_assert_eq!(&fast[..n], &expected[..]);
            // The AVX2 form too, where the one above is AVX-512's.
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                let mut avx2 = vec![0u32; words.len()];
                // SAFETY: the CPU has AVX2; `avx2` is as long as `words`.
                let k = unsafe { x86::accept_draws(&words, range, zone(range), &mut avx2) };
                prop_assert_eq!(&avx2[..k], &expected[..]);
            }

            let drawn: Vec<u32> = words.iter().map(|&v| (v % 5) as u32).collect();
            let mut fast = vec![0u32; drawn.len()];
            let mut slow = vec![0u32; drawn.len()];
            for partition in 0..5 {
                let n = pick(&drawn, partition, &mut fast);
                let m = pick_scalar(&drawn, partition, &mut slow);
                let expected: Vec<u32> = (0u32..).zip(&drawn)
                    .filter(|&(_, &p)| p == partition)
                    .map(|(i, _)| i)
                    .collect();
                prop_assert_eq!(&fast[..n], &expected[..]);
                prop_assert_eq!(&slow[..m], &expected[..]);
                #[cfg(target_arch = "x86_64")]
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU has AVX2; `slow` is as long as `drawn`.
                    let k = unsafe { x86::pick(&drawn, partition, &mut slow) };
                    prop_assert_eq!(&slow[..k], &expected[..]);
                }
            }
        }
    }
}
