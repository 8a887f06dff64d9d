//! Weighted Space-Saving heavy hitters (Metwally, Agrawal, El Abbadi, "Efficient Computation of Frequent
//! and Top-k Elements in Data Streams", 2005), mergeable as in Agarwal et al., "Mergeable Summaries"
//! (PODS 2012) and Cafaro, Pulimeno, Tempesta, "A parallel space saving algorithm for frequent items"
//! (2016).
//!
//! The summary monitors at most `capacity` keys, each with a `count` and an `error`, plus a `floor`.
//! Invariants, for every key `x` with true (weighted) count `f(x)` in a stream of total weight `N`:
//! - monitored: `count - error <= f(x) <= count`, and `error <= floor`;
//! - not monitored: `f(x) <= floor`;
//! - `floor <= N / capacity`, so every key with `f(x) > N / capacity` is monitored.
//!
//! A new key takes a free counter at `floor + w`, or, when all are taken, evicts the smallest counter
//! `m` (whose key occurred at most `m` times) and starts at `m + w` with error `m`; the floor becomes at
//! least `m`. Merging adds the two counts of each key, using the other summary's floor for a key it does
//! not monitor, then keeps the `capacity` largest counts; the floor becomes the sum of the floors or the
//! largest dropped count, whichever is larger. Both steps keep `sum(counts) + (capacity - monitored) *
//! floor <= N`; since every count is at least the floor, `floor <= N / capacity` follows. The property
//! tests below check every invariant on random streams, sequential and merged.

use hashbrown::HashTable;

use super::key_hash;

/// One monitored key, as reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    /// The key's exact bytes.
    pub key: Box<[u8]>,
    /// Upper bound on the key's true count.
    pub count: u64,
    /// How much `count` may exceed the true count: the true count is at least `count - error`.
    pub error: u64,
}

/// A counter with its key's hash, kept so the index can rehash and remove without hashing again.
#[derive(Debug, Clone)]
struct Slot {
    counter: Counter,
    hash: u64,
}

/// A Space-Saving summary with a fixed number of counters.
///
/// Memory: per monitored key, its bytes, one slot (48 bytes), 8 bytes of heap bookkeeping and ~5 bytes
/// of index, i.e. about 100 bytes for a 12-byte key including allocator overhead.
#[derive(Debug, Clone)]
pub struct SpaceSaving {
    capacity: usize,
    /// Indices into `slots`, found by key hash and key bytes.
    index: HashTable<u32>,
    slots: Vec<Slot>,
    /// Min-heap of indices into `slots`, ordered by count.
    heap: Vec<u32>,
    /// `heap_pos[i]` is the position of slot `i` in `heap`.
    heap_pos: Vec<u32>,
    floor: u64,
}

impl SpaceSaving {
    /// An empty summary with `capacity` counters (at least 1, at most `u32::MAX`).
    pub fn new(capacity: usize) -> SpaceSaving {
        let capacity = capacity.clamp(1, u32::MAX as usize);
        SpaceSaving {
            capacity,
            index: HashTable::new(),
            slots: Vec::new(),
            heap: Vec::new(),
            heap_pos: Vec::new(),
            floor: 0,
        }
    }

    /// The number of counters.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The number of keys monitored now.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether no key has been added.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The largest possible error: every count overestimates its key by at most this, and every key
    /// not monitored occurs at most this often. 0 means every count is exact.
    pub fn max_error(&self) -> u64 {
        self.floor
    }

    /// Adds `weight` occurrences of `key`. Zero weights are ignored.
    pub fn add(&mut self, key: &[u8], weight: u64) {
        self.add_hashed(key, key_hash(key), weight);
    }

    /// [`add`](Self::add) for a key whose [`key_hash`] the caller already has.
    pub fn add_hashed(&mut self, key: &[u8], hash: u64, weight: u64) {
        if weight == 0 {
            return;
        }
        let slots = &self.slots;
        if let Some(&i) = self
            .index
            .find(hash, |&i| *slots[i as usize].counter.key == *key)
        {
            let c = &mut self.slots[i as usize].counter;
            c.count = c.count.saturating_add(weight);
            self.sift_down(self.heap_pos[i as usize] as usize);
        } else if self.slots.len() < self.capacity {
            let i = self.slots.len() as u32;
            self.slots.push(Slot {
                counter: Counter {
                    key: key.into(),
                    count: self.floor.saturating_add(weight),
                    error: self.floor,
                },
                hash,
            });
            self.insert_index(i);
            self.heap.push(i);
            self.heap_pos.push(self.heap.len() as u32 - 1);
            self.sift_up(self.heap.len() - 1);
        } else {
            let i = self.heap[0];
            let old_hash = self.slots[i as usize].hash;
            if let Ok(entry) = self.index.find_entry(old_hash, |&j| j == i) {
                entry.remove();
            }
            let slot = &mut self.slots[i as usize];
            let evicted = slot.counter.count;
            self.floor = self.floor.max(evicted);
            *slot = Slot {
                counter: Counter {
                    key: key.into(),
                    count: evicted.saturating_add(weight),
                    error: evicted,
                },
                hash,
            };
            self.insert_index(i);
            self.sift_down(0);
        }
    }

    /// Combines another summary (of a disjoint part of the stream) into this one. The result keeps the
    /// invariants of the module doc for the union of both streams, with this summary's capacity.
    pub fn merge(&mut self, other: SpaceSaving) {
        let (f1, f2) = (self.floor, other.floor);
        // A key this summary monitors but `other` does not had at most f2 events there.
        for slot in &mut self.slots {
            slot.counter.count = slot.counter.count.saturating_add(f2);
            slot.counter.error = slot.counter.error.saturating_add(f2);
        }
        for theirs in other.slots {
            let slots = &self.slots;
            let key = &theirs.counter.key;
            let found = self
                .index
                .find(theirs.hash, |&i| slots[i as usize].counter.key == *key)
                .copied();
            match found {
                // Monitored by both: replace the floor stand-in by the real counter.
                Some(i) => {
                    let c = &mut self.slots[i as usize].counter;
                    c.count = (c.count - f2).saturating_add(theirs.counter.count);
                    c.error = (c.error - f2).saturating_add(theirs.counter.error);
                }
                None => {
                    let i = self.slots.len() as u32;
                    let mut slot = theirs;
                    slot.counter.count = slot.counter.count.saturating_add(f1);
                    slot.counter.error = slot.counter.error.saturating_add(f1);
                    self.slots.push(slot);
                    self.insert_index(i);
                }
            }
        }
        // Every combined count is at least f1 + f2, and any k + 1 of them sum to at most
        // N1 + f1 + N2 + f2 <= (N1 + N2)(k + 1) / k, so the largest dropped count is at most N / k.
        let mut floor = f1.saturating_add(f2);
        let mut slots = std::mem::take(&mut self.slots);
        if slots.len() > self.capacity {
            slots.sort_unstable_by(|a, b| order(&a.counter, &b.counter));
            floor = floor.max(slots[self.capacity].counter.count);
            slots.truncate(self.capacity);
        }
        self.rebuild(slots, floor);
    }

    /// The `n` largest counters, largest count first, ties by key bytes.
    pub fn top(&self, n: usize) -> Vec<Counter> {
        let mut refs: Vec<&Counter> = self.slots.iter().map(|s| &s.counter).collect();
        if n < refs.len() {
            refs.select_nth_unstable_by(n, |a, b| order(a, b));
            refs.truncate(n);
        }
        refs.sort_unstable_by(|a, b| order(a, b));
        refs.into_iter().cloned().collect()
    }

    fn insert_index(&mut self, i: u32) {
        let slots = &self.slots;
        self.index
            .insert_unique(slots[i as usize].hash, i, |&j| slots[j as usize].hash);
    }

    fn rebuild(&mut self, slots: Vec<Slot>, floor: u64) {
        self.floor = floor;
        self.slots = slots;
        self.index = HashTable::with_capacity(self.slots.len());
        for i in 0..self.slots.len() as u32 {
            self.insert_index(i);
        }
        self.heap = (0..self.slots.len() as u32).collect();
        self.heap_pos = self.heap.clone();
        for pos in (0..self.heap.len() / 2).rev() {
            self.sift_down(pos);
        }
    }

    fn count_at(&self, pos: usize) -> u64 {
        self.slots[self.heap[pos] as usize].counter.count
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.heap.swap(a, b);
        self.heap_pos[self.heap[a] as usize] = a as u32;
        self.heap_pos[self.heap[b] as usize] = b as u32;
    }

    fn sift_up(&mut self, mut pos: usize) {
        while pos > 0 {
            let parent = (pos - 1) / 2;
            if self.count_at(pos) >= self.count_at(parent) {
                break;
            }
            self.swap(pos, parent);
            pos = parent;
        }
    }

    fn sift_down(&mut self, mut pos: usize) {
        let len = self.heap.len();
        loop {
            let (l, r) = (2 * pos + 1, 2 * pos + 2);
            let mut smallest = pos;
            if l < len && self.count_at(l) < self.count_at(smallest) {
                smallest = l;
            }
            if r < len && self.count_at(r) < self.count_at(smallest) {
                smallest = r;
            }
            if smallest == pos {
                break;
            }
            self.swap(pos, smallest);
            pos = smallest;
        }
    }
}

/// Report order: largest count first, ties by key bytes, so output never depends on hash order.
fn order(a: &Counter, b: &Counter) -> std::cmp::Ordering {
    b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    type Stream = Vec<(u8, u64)>;

    fn truth(stream: &[(u8, u64)]) -> HashMap<Vec<u8>, u64> {
        let mut t = HashMap::new();
        for &(k, w) in stream {
            *t.entry(vec![k]).or_insert(0) += w;
        }
        t
    }

    fn summarize(stream: &[(u8, u64)], capacity: usize) -> SpaceSaving {
        let mut s = SpaceSaving::new(capacity);
        for &(k, w) in stream {
            s.add(&[k], w);
        }
        s
    }

    /// Checks every guarantee of the module doc against the true counts.
    fn check(s: &SpaceSaving, stream: &[(u8, u64)]) {
        let t = truth(stream);
        let total: u64 = stream.iter().map(|&(_, w)| w).sum();
        assert!(s.len() <= s.capacity());
        assert!(
            s.max_error() as u128 * s.capacity() as u128 <= total as u128,
            "floor {} > N/k = {total}/{}",
            s.max_error(),
            s.capacity()
        );
        let monitored: HashMap<&[u8], &Counter> = s
            .slots
            .iter()
            .map(|slot| (&*slot.counter.key, &slot.counter))
            .collect();
        assert_eq!(s.index.len(), s.slots.len());
        for (key, &f) in &t {
            match monitored.get(key.as_slice()) {
                Some(c) => {
                    assert!(c.count >= f && c.count - c.error <= f, "{c:?} vs {f}");
                    assert!(c.error <= s.max_error());
                }
                None => assert!(f <= s.max_error(), "unmonitored {key:?} has {f}"),
            }
            if f as u128 * s.capacity() as u128 > total as u128 {
                assert!(
                    monitored.contains_key(key.as_slice()),
                    "heavy key {key:?} lost"
                );
            }
        }
        // Heap order: every parent's count is at most its children's.
        for pos in 1..s.heap.len() {
            assert!(s.count_at((pos - 1) / 2) <= s.count_at(pos));
        }
    }

    fn stream() -> impl Strategy<Value = Stream> {
        // Skewed keys: low key bytes are drawn more often, so heavy hitters exist.
        prop::collection::vec(((0u8..40).prop_map(|k| k % (k / 4 + 1)), 0u64..20), 0..400)
    }

    proptest! {
        #[test]
        fn sequential_guarantees(s in stream(), capacity in 1usize..12) {
            check(&summarize(&s, capacity), &s);
        }

        #[test]
        fn merged_guarantees(a in stream(), b in stream(), c in stream(), capacity in 1usize..12) {
            let mut left = summarize(&a, capacity);
            let mut right = summarize(&b, capacity);
            right.merge(summarize(&c, capacity));
            left.merge(right);
            let all: Stream = a.iter().chain(&b).chain(&c).copied().collect();
            check(&left, &all);
        }

        #[test]
        fn merge_equals_sequential_below_capacity(a in stream(), b in stream()) {
            // With more counters than keys nothing is ever evicted and every count is exact.
            let mut merged = summarize(&a, 64);
            merged.merge(summarize(&b, 64));
            let all: Stream = a.iter().chain(&b).copied().collect();
            let sequential = summarize(&all, 64);
            prop_assert_eq!(merged.top(64), sequential.top(64));
            prop_assert_eq!(merged.max_error(), 0);
        }
    }

    #[test]
    fn top_is_sorted_and_exact_when_everything_fits() {
        let s = summarize(&[(b'a', 3), (b'b', 5), (b'c', 3), (b'a', 1)], 8);
        let top = s.top(2);
        assert_eq!(top.len(), 2);
        assert_eq!((&*top[0].key, top[0].count), (&b"b"[..], 5));
        assert_eq!((&*top[1].key, top[1].count), (&b"a"[..], 4));
        assert_eq!(s.max_error(), 0);
        assert!(top.iter().all(|c| c.error == 0));
    }

    #[test]
    fn eviction_bounds() {
        // Capacity 2: c evicts the smaller of a and b and inherits its count as error.
        let s = summarize(&[(b'a', 10), (b'b', 4), (b'c', 1)], 2);
        let top = s.top(2);
        assert_eq!(
            (&*top[0].key, top[0].count, top[0].error),
            (&b"a"[..], 10, 0)
        );
        assert_eq!(
            (&*top[1].key, top[1].count, top[1].error),
            (&b"c"[..], 5, 4)
        );
        assert_eq!(s.max_error(), 4);
    }
}
