//! Sign rules: how each client turns a 32-bit hash into a partition index.
//!
//! Clients disagree here even when they share a hash function, so these three functions are the only
//! place the rules live; every partitioner names the one it uses.

/// A sign rule, named so partitioners can say which one they use (and `keyplan partitioners` can
/// show it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignRule {
    /// [`mask`]: clear the sign bit (Java `toPositive`).
    Mask,
    /// [`neg`]: absolute value of the `i32` (Sarama, librdkafka `fnv1a`).
    Neg,
    /// [`unsigned`]: the hash as `u32` (librdkafka CRC-32, Redpanda client).
    Unsigned,
}

impl SignRule {
    /// Applies the rule: the partition index in `0..n` of a 32-bit hash `h`.
    pub fn apply(self, h: u32, n: u32) -> u32 {
        match self {
            SignRule::Mask => mask(h, n),
            SignRule::Neg => neg(h, n),
            SignRule::Unsigned => unsigned(h, n),
        }
    }

    /// The rule's value before the remainder: `apply(h, n) == reduce(h) % n` for every `h` and `n`, so
    /// a sweep over many counts reduces each hash once.
    pub fn reduce(self, h: u32) -> u32 {
        match self {
            SignRule::Mask => h & 0x7fff_ffff,
            SignRule::Neg => (h as i32).unsigned_abs(),
            SignRule::Unsigned => h,
        }
    }

    /// The formula, as `keyplan partitioners` prints it.
    pub fn formula(self) -> &'static str {
        match self {
            SignRule::Mask => "mask: (h & 0x7fffffff) % n",
            SignRule::Neg => "neg: |h as i32| % n",
            SignRule::Unsigned => "unsigned: (h as u32) % n",
        }
    }
}

/// Java's `Utils.toPositive(h) % n`: clear the sign bit, then take the remainder. Not `abs`.
pub fn mask(h: u32, n: u32) -> u32 {
    (h & 0x7fff_ffff) % n
}

/// Sarama's rule: the `i32` remainder, negated when negative. Equal to `|h as i32| % n` computed
/// without overflow, so `i32::MIN` (FNV-1a of `1468509572224`) maps to `2^31 % n`.
pub fn neg(h: u32, n: u32) -> u32 {
    (h as i32).unsigned_abs() % n
}

/// The plain unsigned remainder (librdkafka's CRC-32 `consistent` partitioner).
pub fn unsigned(h: u32, n: u32) -> u32 {
    h % n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_differ_on_negative_hashes() {
        let h = 0xffff_fffe_u32; // -2 as i32
        assert_eq!(mask(h, 10), 0x7fff_fffe % 10);
        assert_eq!(neg(h, 10), 2);
        assert_eq!(unsigned(h, 10), 0xffff_fffe % 10);
    }

    #[test]
    fn reduce_then_remainder_is_apply() {
        let hashes = [
            0,
            1,
            2,
            0x7fff_ffff,
            0x8000_0000,
            0x8000_0001,
            0xffff_fffe,
            0xffff_ffff,
        ];
        let counts = [1, 2, 3, 7, 10, 1000, 0x7fff_ffff, 0x8000_0000, u32::MAX];
        for rule in [SignRule::Mask, SignRule::Neg, SignRule::Unsigned] {
            for &h in &hashes {
                for &n in &counts {
                    assert_eq!(
                        rule.apply(h, n),
                        rule.reduce(h) % n,
                        "{rule:?} {h:#x} % {n}"
                    );
                }
            }
        }
    }

    #[test]
    fn int_min_under_neg() {
        assert_eq!(neg(0x8000_0000, 1000), (1u64 << 31) as u32 % 1000);
        assert_eq!(mask(0x8000_0000, 1000), 0);
    }
}
