//! The exact counter's hash table: key bytes -> (events, bytes), built for streaming billions of rows.
//!
//! Why not `HashMap<Box<[u8]>, _>`: profiling `analyze` on a 20M-event zipf sample showed the time
//! going to cache misses: one on the table slot and one on the boxed key. This table stores keys up to
//! [`INLINE_KEY`] bytes inside the slot (one miss instead of two), keeps 32 bits of the hash in the
//! slot (a key is compared only when they are equal), and lets readers [`prefetch`] the slot of
//! rows they are about to add, so that the misses of a batch of rows overlap instead of queueing.
//!
//! A slot is 24 bytes: the hash, one 32-bit word for the key's length and its first 2^27 - 1 events,
//! and the key. Every byte of a slot is paid for twice on the benchmark: in cache misses, and in fresh
//! memory, which on a virtual machine just after another process freed its own costs ~2.3 ms per MiB
//! (the host maps it again). 32-byte slots with a 64-bit count made two workers' tables 64 MiB there;
//! 24 makes them 48. A key with more events than the word holds moves to the long keys, whose counts
//! are 64 bits.
//!
//! Open addressing with linear probing, at most 3/4 full, with a fixed-seed `foldhash` so that the same
//! key has the same hash in every fork of a counter (merges reuse it) and in every run.
//!
//! [`prefetch`]: KeyTable::prefetch

use std::hash::BuildHasher;

use rayon::prelude::*;

use crate::ingest::counter::KeyRow;
use crate::ingest::zeroed::ZeroedArray;
use crate::model::sample::KeyList;
use crate::model::WeightSummary;

/// Keys up to this many bytes live inside the slot. Most Kafka keys are ids (`user-1234`,
/// `acme:17`) or binary UUIDs (16 bytes).
pub const INLINE_KEY: usize = 16;

/// The low bits of a slot's `word`: its key's length code, `length + 1` for an inline key (so never
/// 0), [`LONG`] for a key in the table's `long_keys`.
const CODE_BITS: u32 = 5;
const CODE_MASK: u32 = (1 << CODE_BITS) - 1;
/// The length code of a key kept in `long_keys` (longer than [`INLINE_KEY`], or with more events
/// than [`WORD_EVENTS`]); its events are counted there, in 64 bits.
const LONG: u32 = CODE_MASK;
const _: () = assert!(INLINE_KEY as u32 + 1 < LONG);
/// The most events a slot's word counts (2^27 - 1).
const WORD_EVENTS: u64 = (u32::MAX >> CODE_BITS) as u64;

/// Initial slot count (a power of two).
const INITIAL_SLOTS: usize = 1 << 10;

/// A key's table hash as [`KeyTable::prefetch`] computed it, handed back to
/// [`KeyTable::add`] so that a key read once is hashed once. The seed is fixed, so a tag is
/// valid in every table. [`KeyTag::NONE`] (never a real tag: tags have their low bit set) means
/// "not computed".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyTag(u32);

impl KeyTag {
    /// No tag: the table hashes the key itself.
    pub const NONE: KeyTag = KeyTag(0);
}

/// What is counted per distinct key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyStats {
    /// Events of the key.
    pub events: u64,
    /// Payload bytes of those events (0 when sizes are unknown).
    pub bytes: u64,
}

/// One slot (24 bytes). `tag == 0` marks an empty slot; stored tags have their low bit set, so never
/// 0. A key of up to [`INLINE_KEY`] bytes is stored in `key` (zero-padded), with its events in
/// `word`, until they outgrow it; a longer key, or one with more events, lives in the table's
/// `long_keys` and `key` holds its index there. Byte totals live in a side array that exists only
/// once some row had a size, which keeps the slots of the common count-only table small.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(8))]
struct Slot {
    /// The low 32 bits of the key's hash, low bit set; the home slot is `tag >> 1` (masked).
    tag: u32,
    /// `events << CODE_BITS | code`: the key's length code (see [`CODE_BITS`]) and, for an inline
    /// key, its events (0 for a [`LONG`] one: they are in `long_keys`).
    word: u32,
    key: [u8; INLINE_KEY],
}

const _: () = assert!(std::mem::size_of::<Slot>() == 24);

const EMPTY_SLOT: Slot = Slot {
    tag: 0,
    word: 0,
    key: [0; INLINE_KEY],
};

impl Slot {
    /// The key's length code: `length + 1` inline, [`LONG`] in `long_keys`.
    #[inline(always)]
    fn code(&self) -> u32 {
        self.word & CODE_MASK
    }

    /// Whether the key (and its events) live in `long_keys`.
    #[inline(always)]
    fn is_long(&self) -> bool {
        self.code() == LONG
    }
}

/// A key kept outside the slots: longer than [`INLINE_KEY`], or with more than [`WORD_EVENTS`]
/// events.
#[derive(Debug, Clone)]
struct LongKey {
    key: Box<[u8]>,
    events: u64,
}

/// The home slot of a tag in a table with `mask + 1` slots. The tag's low bit is always set, so it is
/// shifted out: otherwise only odd slots would be home slots.
#[inline(always)]
fn home(tag: u32, mask: usize) -> usize {
    (tag >> 1) as usize & mask
}

/// The keys of a table in distribution order, as parallel columns.
#[derive(Debug, Default)]
pub struct SortedColumns {
    /// Key bytes, heaviest first, ties by key bytes.
    pub keys: KeyList,
    /// Events of each key (all at least 1).
    pub events: Vec<u64>,
    /// Payload bytes of each key; empty when no row had a size above 0 (every total would be 0).
    pub bytes: Vec<u64>,
}

/// Distinct keys and their stats.
#[derive(Debug, Clone)]
pub struct KeyTable {
    slots: ZeroedArray<Slot>,
    /// Keys kept outside their slots (see [`LongKey`]), indexed from them.
    long_keys: Vec<LongKey>,
    /// Payload bytes per slot index: empty until the first row with a size, then `slots.len()` long.
    byte_totals: Vec<u64>,
    len: usize,
    /// Slots examined by lookups, so tests can check that work stays linear without timing it.
    #[cfg(test)]
    probes: u64,
}

impl Default for KeyTable {
    fn default() -> Self {
        KeyTable::new()
    }
}

/// `n` empty slots (see [`ZeroedArray`]: large arrays are maps on huge pages that grow in place).
fn empty_slots(n: usize) -> ZeroedArray<Slot> {
    const _: () = assert!(EMPTY_SLOT.tag == 0 && EMPTY_SLOT.word == 0);
    // SAFETY: a slot of zero bytes is a valid, empty slot (integers only: `EMPTY_SLOT`).
    unsafe { ZeroedArray::new(n) }
}

/// Mixing constants for short keys (digits of pi, as in many hash functions: any odd, dense bit
/// patterns do).
const MIX_A: u64 = 0x243f_6a88_85a3_08d3;
const MIX_B: u64 = 0x1319_8a2e_0370_7344;

/// The 128-bit product of `a` and `b`, folded to 64 bits (foldhash's and wyhash's mixing step).
#[inline(always)]
fn folded_multiply(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

/// The fixed-seed hash of a key, cut to the 32 bits a slot keeps (low bit set, so never 0).
///
/// Keys of up to 16 bytes (nearly all ids) are read as two overlapping words and mixed with one
/// folded multiply, inline; longer keys use `foldhash`. Profiling showed the out-of-line generic
/// `Hash` path costing a tenth of the ingest time on 12-byte keys.
#[inline(always)]
fn hash_key(key: &[u8]) -> u32 {
    let n = key.len();
    let word = |at: usize| u64::from_le_bytes(key[at..at + 8].try_into().expect("8 bytes"));
    let half = |at: usize| {
        u64::from(u32::from_le_bytes(
            key[at..at + 4].try_into().expect("4 bytes"),
        ))
    };
    let (a, b) = match n {
        0 => (0, 0),
        1..=3 => (
            u64::from(key[0]) | u64::from(key[n / 2]) << 8 | u64::from(key[n - 1]) << 16,
            0,
        ),
        4..=7 => (half(0), half(n - 4)),
        8..=16 => (word(0), word(n - 8)),
        _ => return foldhash::fast::FixedState::default().hash_one(key) as u32 | 1,
    };
    folded_multiply(a ^ MIX_A, b ^ MIX_B ^ n as u64) as u32 | 1
}

impl KeyTable {
    /// An empty table.
    pub fn new() -> KeyTable {
        KeyTable {
            slots: empty_slots(INITIAL_SLOTS),
            long_keys: Vec::new(),
            byte_totals: Vec::new(),
            len: 0,
            #[cfg(test)]
            probes: 0,
        }
    }

    /// Number of distinct keys.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the table holds no key.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// Hints the CPU to load the slot where `key` would be, ahead of an [`add`](Self::add),
    /// and returns the key's tag for it.
    #[inline]
    pub fn prefetch(&self, key: &[u8]) -> KeyTag {
        let tag = hash_key(key);
        let slot: *const Slot = &self.slots[home(tag, self.mask())];
        // Two lines: the slot's, and the next one, which holds the rest of a slot that straddles
        // the two and at least the two slots after it. A lookup that goes on past its home slot
        // (one in 19 on the benchmark file: the keys placed late, past the ones already there,
        // are the rarely seen ones, whose lines are not cached) would otherwise wait for that line
        // with nothing else in flight: those loads took twice the samples of the home slot's.
        // Asking for the next line instead of only a straddling slot's end: 481-486 -> 458-467 ms
        // user time (medians, back to back and alternating with DuckDB).
        prefetch_read(slot.cast::<u8>());
        prefetch_read(slot.cast::<u8>().wrapping_add(64));
        KeyTag(tag)
    }

    /// The slot tag of `key`: `tag` when it was computed (by [`prefetch`](Self::prefetch)), else
    /// hashed now.
    #[inline(always)]
    fn tag_of(tag: KeyTag, key: &[u8]) -> u32 {
        if tag == KeyTag::NONE {
            hash_key(key)
        } else {
            debug_assert_eq!(tag.0, hash_key(key));
            tag.0
        }
    }

    /// Adds `events` and `bytes` to `key`'s entry, inserting it if new, with the tag
    /// [`prefetch`](Self::prefetch) returned for `key` ([`KeyTag::NONE`]: computed here). Lookups of
    /// known keys do not allocate.
    #[inline]
    pub fn add(&mut self, tag: KeyTag, key: &[u8], events: u64, bytes: u64) {
        let i = self.index_for(Self::tag_of(tag, key), key);
        self.add_events(i, events);
        self.add_bytes(i, bytes);
    }

    /// Adds each row's weight to its key (a span of `block`), inserting new keys: [`add`](Self::add)
    /// on every row, with the lookup inlined into one loop.
    pub fn add_keys(&mut self, block: &[u8], rows: &[KeyRow]) {
        for r in rows {
            let key = &block[r.key.0..r.key.1];
            let tag = Self::tag_of(r.tag, key);
            // The common case first, in one test: the key inline in its home slot, its events
            // still within the word. Anything else (another key there, a key displaced from its
            // home, a long key, events past the word) takes the probe below. Two fifths fewer
            // instructions per row than the probe loop: ~3% of the run in user time.
            let at = home(tag, self.mask());
            let slot = &mut self.slots[at];
            let sum = word_sum(slot, r.weight);
            if slot.tag == tag && key.len() <= INLINE_KEY && holds_inline(slot, key) {
                if let Some(word) = sum {
                    slot.word = word;
                    continue;
                }
            }
            let i = self.find_or_insert(tag, key);
            self.add_events(i, r.weight);
        }
    }

    /// Adds `events` to slot `i`'s key: in its word while they fit, else in `long_keys`.
    #[inline(always)]
    fn add_events(&mut self, i: usize, events: u64) {
        let slot = &mut self.slots[i];
        match long_index(slot) {
            // No overflow: a key's events are at most the counter's total, which is checked.
            Some(at) => self.long_keys[at].events += events,
            None => match word_sum(slot, events) {
                Some(word) => slot.word = word,
                None => self.move_to_long_keys(i, events),
            },
        }
    }

    /// Moves slot `i`'s inline key to `long_keys`, with its events plus `events` (more than its word
    /// holds).
    #[inline(never)]
    fn move_to_long_keys(&mut self, i: usize, events: u64) {
        let slot = self.slots[i];
        let len = (slot.code() - 1) as usize;
        let at = self.long_keys.len();
        self.long_keys.push(LongKey {
            key: slot.key[..len].into(),
            events: u64::from(slot.word >> CODE_BITS) + events,
        });
        let mut key = [0u8; INLINE_KEY];
        key[..8].copy_from_slice(&(at as u64).to_le_bytes());
        self.slots[i] = Slot {
            word: LONG,
            key,
            ..slot
        };
    }

    /// The events of `slot`'s key.
    #[inline(always)]
    fn events_of(&self, slot: &Slot) -> u64 {
        slot_events(slot, &self.long_keys)
    }

    #[inline]
    fn add_bytes(&mut self, i: usize, bytes: u64) {
        if bytes != 0 {
            if self.byte_totals.is_empty() {
                self.byte_totals = vec![0; self.slots.len()];
            }
            self.byte_totals[i] += bytes;
        }
    }

    /// The key stored in `slot`.
    #[inline(always)]
    fn key_of<'a>(&'a self, slot: &'a Slot) -> &'a [u8] {
        stored_key(slot, &self.long_keys)
    }

    /// The slot index of `key` (with `tag`), inserted with no events if new.
    #[inline]
    fn index_for(&mut self, tag: u32, key: &[u8]) -> usize {
        self.find_or_insert(tag, key)
    }

    /// [`index_for`](Self::index_for), always inlined: the probe of a known key; a new key is
    /// inserted out of line.
    #[inline(always)]
    fn find_or_insert(&mut self, tag: u32, key: &[u8]) -> usize {
        let mask = self.mask();
        let mut i = home(tag, mask);
        loop {
            #[cfg(test)]
            {
                self.probes += 1;
            }
            let slot = &self.slots[i];
            if slot.tag == tag && self.holds(slot, key) {
                return i;
            }
            if slot.tag == 0 {
                return self.insert_at(i, tag, key);
            }
            i = (i + 1) & mask;
        }
    }

    /// Inserts `key` (with `tag`, not in the table) with no events at the empty slot `i` where its
    /// probe ended, or, when that would fill the table over 3/4, doubles the table and inserts it
    /// there. Returns its slot.
    #[inline(never)]
    fn insert_at(&mut self, i: usize, tag: u32, key: &[u8]) -> usize {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
            return self.index_for(tag, key);
        }
        self.len += 1;
        let mut inline = [0u8; INLINE_KEY];
        let word = if key.len() <= INLINE_KEY {
            inline[..key.len()].copy_from_slice(key);
            key.len() as u32 + 1
        } else {
            let index = self.long_keys.len() as u64;
            inline[..8].copy_from_slice(&index.to_le_bytes());
            self.long_keys.push(LongKey {
                key: key.into(),
                events: 0,
            });
            LONG
        };
        self.slots[i] = Slot {
            tag,
            word,
            key: inline,
        };
        i
    }

    /// Whether `slot` (whose tag equals `key`'s) holds `key`.
    #[inline(always)]
    fn holds(&self, slot: &Slot, key: &[u8]) -> bool {
        let code = slot.code() as usize;
        if code == LONG as usize {
            *self.key_of(slot) == *key
        } else {
            holds_inline(slot, key)
        }
    }

    /// Doubles the slot count and re-places every entry (tags are stored, keys are not rehashed).
    fn grow(&mut self) {
        self.double();
    }

    /// Makes room for `additional` more keys without growing in between: the slot count becomes
    /// the one the table would have reached by inserting them one by one.
    fn reserve(&mut self, additional: usize) {
        let needed = self.len.saturating_add(additional);
        let mut slots = self.slots.len();
        while needed.saturating_mul(4) > slots.saturating_mul(3) {
            slots = slots.saturating_mul(2);
        }
        while slots > self.slots.len() {
            self.double();
        }
    }

    /// Doubles the slot count in place ([`ZeroedArray::grow`]: only the added half is new memory)
    /// and re-places every entry.
    ///
    /// With `m` slots before, an entry's home becomes its old home `h` or `h + m`. The old slots are
    /// walked once, starting just after an empty one (one exists: the table is at most 3/4 full), so
    /// that every cluster is entered at its start; each entry is taken out and placed again from its
    /// new home. An entry homed in the old half lands in its old cluster between its home and its old
    /// slot, on slots the walk has passed, or past the old end in the new half; one homed in the new
    /// half lands in the new half. Either way its probe run crosses only slots already walked or in
    /// the new half, which the walk never empties again, so every entry stays reachable. The one
    /// exception is a probe run that wraps past the last slot to the first: then every entry is
    /// placed again from scratch ([`replace_all`](Self::replace_all)).
    fn double(&mut self) {
        let m = self.slots.len();
        self.slots.grow(2 * m);
        if !self.byte_totals.is_empty() {
            self.byte_totals.resize(2 * m, 0);
        }
        let mask = 2 * m - 1;
        let start = (0..m)
            .find(|&i| self.slots[i].tag == 0)
            .expect("a table is at most 3/4 full");
        let mut wrapped = false;
        for step in 1..=m {
            let i = (start + step) & (m - 1);
            let slot = self.slots[i];
            if slot.tag == 0 {
                continue;
            }
            self.slots[i] = EMPTY_SLOT;
            let mut j = home(slot.tag, mask);
            while self.slots[j].tag != 0 {
                j = (j + 1) & mask;
                wrapped |= j == 0;
            }
            self.slots[j] = slot;
            if !self.byte_totals.is_empty() {
                self.byte_totals[j] = std::mem::take(&mut self.byte_totals[i]);
            }
        }
        if wrapped {
            self.replace_all();
        }
    }

    /// Places every entry again from its home, from a copy (the rare case of [`double`](Self::double)).
    fn replace_all(&mut self) {
        let mask = self.mask();
        let mut entries = Vec::with_capacity(self.len);
        for i in 0..self.slots.len() {
            if self.slots[i].tag != 0 {
                let bytes = self.byte_totals.get(i).copied().unwrap_or(0);
                entries.push((self.slots[i], bytes));
                self.slots[i] = EMPTY_SLOT;
            }
        }
        self.byte_totals.fill(0);
        for (slot, bytes) in entries {
            let mut j = home(slot.tag, mask);
            while self.slots[j].tag != 0 {
                j = (j + 1) & mask;
            }
            self.slots[j] = slot;
            if !self.byte_totals.is_empty() {
                self.byte_totals[j] = bytes;
            }
        }
    }

    /// The slot index of `key` (with `tag`), if present.
    #[inline]
    fn find(&mut self, tag: u32, key: &[u8]) -> Option<usize> {
        let mask = self.mask();
        let mut i = home(tag, mask);
        loop {
            #[cfg(test)]
            {
                self.probes += 1;
            }
            let slot = &self.slots[i];
            if slot.tag == tag && self.holds(slot, key) {
                return Some(i);
            }
            if slot.tag == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// Adds every entry of `other` (its stored tags are valid here: the seed is fixed).
    ///
    /// In two passes, so that the table never grows in the middle of a merge. `other` is walked in
    /// its slot order, which is the order of home slots here too (same hash); inserting new keys in
    /// that order while growing on the way filled the low region of this table twice over before
    /// the load factor triggered a grow, so each insert probed to the end of one ever-longer run:
    /// merging two workers' tables of 1.25M distinct keys each took 23 s instead of 0.2 s. Adding
    /// the known keys first, then reserving for exactly the new ones, keeps the load at most 3/4
    /// throughout, where linear probing's total work does not depend on the insertion order.
    pub fn merge(&mut self, mut other: KeyTable) {
        let mut new_keys = 0;
        for j in 0..other.slots.len() {
            let slot = other.slots[j];
            if slot.tag == 0 {
                continue;
            }
            match self.find(slot.tag, other.key_of(&slot)) {
                Some(i) => {
                    self.add_events(i, other.events_of(&slot));
                    self.add_bytes(i, other.byte_totals.get(j).copied().unwrap_or(0));
                    // Done: the second pass skips it.
                    other.slots[j].tag = 0;
                }
                None => new_keys += 1,
            }
        }
        self.reserve(new_keys);
        for (j, slot) in other.slots.iter().enumerate().filter(|(_, s)| s.tag != 0) {
            let i = self.index_for(slot.tag, other.key_of(slot));
            self.add_events(i, other.events_of(slot));
            self.add_bytes(i, other.byte_totals.get(j).copied().unwrap_or(0));
        }
    }

    /// The keys with at least one event, heaviest first, ties by key bytes (a total order, so the
    /// result never depends on the table's layout), as columns: keys, events, bytes. Built in
    /// parallel, since on a sample with a million distinct keys this is most of the time after
    /// reading.
    pub fn into_sorted_columns(self) -> SortedColumns {
        if self.byte_totals.is_empty() && self.long_keys.is_empty() {
            return self.into_sorted_inline();
        }
        let KeyTable {
            mut slots,
            long_keys,
            byte_totals,
            ..
        } = self;
        // A slot as the sort sees it: a long key's events are copied into its slot first (the
        // second half of `key`, which holds only the index), so that comparisons read no
        // `long_keys` entry for a count.
        let sort_view = |slot: &Slot| -> Option<Slot> {
            let events = kept_events(slot, &long_keys)?;
            let mut slot = *slot;
            if slot.is_long() {
                slot.key[8..].copy_from_slice(&events.to_le_bytes());
            }
            Some(slot)
        };
        let order = |a: &Slot, b: &Slot| {
            sorted_events(b)
                .cmp(&sorted_events(a))
                .then_with(|| key_order(a, b, &long_keys))
        };
        let with_bytes: Vec<Slot>;
        let (slots, bytes): (&[Slot], Vec<u64>) = if byte_totals.is_empty() {
            // The slots themselves are sorted, in place: no second array of a million entries to
            // allocate and fill (which took a third of this step). Kept slots are moved to the
            // front, in order (what `Vec::retain` does).
            let mut n = 0;
            for i in 0..slots.len() {
                // Long keys' counts are read in slot order, which is not theirs: ask for them ahead.
                const AHEAD: usize = 16;
                if let Some(at) = slots.get(i + AHEAD).and_then(long_index) {
                    prefetch_read((&long_keys[at] as *const LongKey).cast());
                }
                if let Some(slot) = sort_view(&slots[i]) {
                    slots[n] = slot;
                    n += 1;
                }
            }
            slots[..n].par_sort_unstable_by(order);
            (&slots[..n], Vec::new())
        } else {
            // Byte totals (rarely present) travel with their slots.
            let mut pairs: Vec<(Slot, u64)> = slots
                .iter()
                .zip(byte_totals)
                .filter_map(|(s, b)| Some((sort_view(s)?, b)))
                .collect();
            pairs.par_sort_unstable_by(|a, b| order(&a.0, &b.0));
            let bytes;
            (with_bytes, bytes) = pairs.into_iter().unzip();
            (&with_bytes, bytes)
        };
        let keys = key_list(slots, |s, keys| {
            let key = stored_key(s, &long_keys);
            if let Some(keys) = keys {
                keys.push(key);
            }
            key.len()
        });
        SortedColumns {
            keys,
            events: slots.par_iter().map(sorted_events).collect(),
            bytes,
        }
    }

    /// [`into_sorted_columns`](Self::into_sorted_columns) for a table whose every key and count is
    /// in its slot (keys of up to [`INLINE_KEY`] bytes, none past [`WORD_EVENTS`] events: nearly
    /// every sample) and without byte totals. Each kept slot is rewritten in place as its
    /// [`SortKey`], whose integer order is the distribution order, so the sort compares three
    /// words and decodes nothing: 8.6 against 13 ms on the benchmark file's 351K keys.
    fn into_sorted_inline(self) -> SortedColumns {
        let mut slots = self.slots;
        let mut n = 0;
        for i in 0..slots.len() {
            let slot = slots[i];
            if kept_events(&slot, &[]).is_some() {
                slots[n] = SortKey::of(&slot).into_slot();
                n += 1;
            }
        }
        let slots = &mut slots[..n];
        slots.par_sort_unstable_by_key(SortKey::from_slot);
        let keys = key_list(slots, |s, keys| {
            let sort_key = SortKey::from_slot(s);
            if let Some(keys) = keys {
                keys.push(&sort_key.key()[..sort_key.len()]);
            }
            sort_key.len()
        });
        SortedColumns {
            keys,
            events: slots
                .par_iter()
                .map(|s| SortKey::from_slot(s).events())
                .collect(),
            bytes: Vec::new(),
        }
    }

    /// A summary of the events of every key the sorted columns will hold (zero-weight keys left
    /// out), keeping the `heaviest`: what the statistics that depend only on the weights start from
    /// while [`into_sorted_columns`](Self::into_sorted_columns) still sorts.
    pub fn weight_summary(&self, heaviest: usize) -> WeightSummary {
        self.slots
            .par_chunks(1 << 15)
            .fold(
                || WeightSummary::new(heaviest),
                |mut summary, chunk| {
                    for slot in chunk {
                        if let Some(events) = kept_events(slot, &self.long_keys) {
                            summary.add(events);
                        }
                    }
                    summary
                },
            )
            .reduce(|| WeightSummary::new(heaviest), WeightSummary::merge)
    }

    /// Every key and its stats, in no particular order.
    pub fn into_entries(self) -> impl Iterator<Item = (Box<[u8]>, KeyStats)> {
        let KeyTable {
            slots,
            long_keys,
            byte_totals,
            ..
        } = self;
        let long_events: Vec<u64> = long_keys.iter().map(|k| k.events).collect();
        let mut long_keys: Vec<Option<Box<[u8]>>> =
            long_keys.into_iter().map(|k| Some(k.key)).collect();
        (0..slots.len())
            .map(move |i| (i, slots[i]))
            .filter(|(_, s)| s.tag != 0)
            .map(move |(i, s)| {
                let bytes = byte_totals.get(i).copied().unwrap_or(0);
                let (key, events) = match long_index(&s) {
                    Some(at) => (
                        long_keys[at].take().expect("each long key has one slot"),
                        long_events[at],
                    ),
                    None => (
                        s.key[..(s.code() - 1) as usize].into(),
                        u64::from(s.word >> CODE_BITS),
                    ),
                };
                (key, KeyStats { events, bytes })
            })
    }
}

/// An inline slot's word with `events` more, or `None` when they outgrow it.
#[inline(always)]
fn word_sum(slot: &Slot, events: u64) -> Option<u32> {
    let sum = u64::from(slot.word) + (events.min(WORD_EVENTS + 1) << CODE_BITS);
    u32::try_from(sum).ok()
}

/// Whether `slot` holds `key` inline: the same length and bytes. Callers first make sure that the
/// slot is not [`LONG`] or that `key` has at most [`INLINE_KEY`] bytes (a 30-byte key's length code
/// would equal `LONG`).
#[inline(always)]
fn holds_inline(slot: &Slot, key: &[u8]) -> bool {
    slot.code() as usize == key.len() + 1 && bytes_eq(&slot.key[..key.len()], key)
}

/// The index in `long_keys` of a slot's key, when it is kept there.
#[inline(always)]
fn long_index(slot: &Slot) -> Option<usize> {
    slot.is_long().then(|| {
        let index = u64::from_le_bytes(slot.key[..8].try_into().expect("8 bytes"));
        usize::try_from(index).expect("an index of an in-memory vector")
    })
}

/// The keys of `slots`, in order, in one buffer (no box per key). `key(slot, list)` appends the
/// slot's key to `list` when given one, and returns the key's length: the buffer is sized in a
/// parallel pass first.
fn key_list(slots: &[Slot], key: impl Fn(&Slot, Option<&mut KeyList>) -> usize + Sync) -> KeyList {
    let total_len = slots.par_iter().map(|s| key(s, None)).sum();
    let mut keys = KeyList::with_capacity(slots.len(), total_len);
    for s in slots {
        key(s, Some(&mut keys));
    }
    keys
}

/// An inline slot as [`KeyTable::into_sorted_inline`] sorts it: three words whose lexicographic
/// order is the distribution order (more events first, then the key bytes). In order of
/// significance: `WORD_EVENTS - events` (27 bits), the zero-padded key as a big-endian number
/// (128 bits), the length code (5 bits). The padded keys compare as the bytes do up to their
/// first difference, and a key equal to another once padded is the other plus zero bytes, so the
/// shorter (smaller length code) goes first, as in a byte comparison.
///
/// The words travel in the slot's own 24 bytes ([`SortKey::into_slot`]), so the sort moves slots
/// and allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct SortKey([u64; 3]);

impl SortKey {
    /// The sort key of an inline slot with at least one event.
    #[inline(always)]
    fn of(slot: &Slot) -> SortKey {
        debug_assert!(!slot.is_long());
        let rank = WORD_EVENTS - u64::from(slot.word >> CODE_BITS);
        let key = u128::from_be_bytes(slot.key);
        SortKey([
            rank << 32 | (key >> 96) as u64,
            (key >> 32) as u64,
            (key as u64) << 32 | u64::from(slot.code()),
        ])
    }

    /// The three words stored in a slot's fields (a slot the table no longer reads as one).
    #[inline(always)]
    fn into_slot(self) -> Slot {
        let [first, second, third] = self.0;
        let mut key = [0u8; INLINE_KEY];
        key[..8].copy_from_slice(&second.to_le_bytes());
        key[8..].copy_from_slice(&third.to_le_bytes());
        Slot {
            tag: first as u32,
            word: (first >> 32) as u32,
            key,
        }
    }

    /// The sort key [`into_slot`](Self::into_slot) stored in `slot`.
    #[inline(always)]
    fn from_slot(slot: &Slot) -> SortKey {
        let word =
            |at: usize| u64::from_le_bytes(slot.key[at..at + 8].try_into().expect("8 bytes"));
        SortKey([
            u64::from(slot.word) << 32 | u64::from(slot.tag),
            word(0),
            word(8),
        ])
    }

    /// The key's events.
    #[inline(always)]
    fn events(self) -> u64 {
        WORD_EVENTS - (self.0[0] >> 32)
    }

    /// The key's length.
    #[inline(always)]
    fn len(self) -> usize {
        (self.0[2] as u32 & CODE_MASK) as usize - 1
    }

    /// The key's bytes, zero-padded to [`INLINE_KEY`].
    #[inline(always)]
    fn key(self) -> [u8; INLINE_KEY] {
        let [first, second, third] = self.0;
        (u128::from(first as u32) << 96 | u128::from(second) << 32 | u128::from(third >> 32))
            .to_be_bytes()
    }
}

/// The key stored in `slot`, inline or in `long_keys`.
#[inline(always)]
fn stored_key<'a>(slot: &'a Slot, long_keys: &'a [LongKey]) -> &'a [u8] {
    match long_index(slot) {
        Some(at) => &long_keys[at].key,
        None => &slot.key[..(slot.code() - 1) as usize],
    }
}

/// The events of `slot`'s key, in its word or in `long_keys`.
#[inline(always)]
fn slot_events(slot: &Slot, long_keys: &[LongKey]) -> u64 {
    match long_index(slot) {
        Some(at) => long_keys[at].events,
        None => u64::from(slot.word >> CODE_BITS),
    }
}

/// The events of `slot`'s key when the distribution keeps it: an occupied slot with at least one
/// event (count-0 rows add keys that are not in the sample).
#[inline(always)]
fn kept_events(slot: &Slot, long_keys: &[LongKey]) -> Option<u64> {
    let events = slot_events(slot, long_keys);
    (slot.tag != 0 && events != 0).then_some(events)
}

/// Slice equality without a `memcmp` call for the short keys that dominate: two overlapping 8-byte
/// (or 4-byte) loads per side cover any length up to 16. Profiling showed the call itself costing
/// a tenth of the ingest time.
#[inline(always)]
fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("8 bytes"));
    let half = |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().expect("4 bytes"));
    match n {
        0 => true,
        1..=3 => a == b,
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        _ => a == b,
    }
}

/// The events of a slot of [`KeyTable::into_sorted_columns`]'s sort, where a long key's are in the
/// second half of `key`.
#[inline(always)]
fn sorted_events(slot: &Slot) -> u64 {
    if slot.is_long() {
        u64::from_le_bytes(slot.key[8..].try_into().expect("8 bytes"))
    } else {
        u64::from(slot.word >> CODE_BITS)
    }
}

/// The tie-break of the distribution order (more events first, then the key bytes): the order of
/// the slots' key bytes.
///
/// Inline keys are compared as zero-padded big-endian numbers, then by length: the first differing
/// byte decides as in a byte comparison, and when the padded keys are equal one key is the other plus
/// zero bytes, so the shorter is smaller, as in a byte comparison. No `memcmp` call, no branch on bytes.
#[inline]
fn key_order(a: &Slot, b: &Slot, long_keys: &[LongKey]) -> std::cmp::Ordering {
    if !a.is_long() && !b.is_long() {
        // The length code is the length plus one: the same order.
        (u128::from_be_bytes(a.key), a.code()).cmp(&(u128::from_be_bytes(b.key), b.code()))
    } else {
        stored_key(a, long_keys).cmp(stored_key(b, long_keys))
    }
}

/// Hints the CPU to load the cache line of `address` (any address: a prefetch never faults).
#[inline(always)]
fn prefetch_read(address: *const u8) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch is only a hint; it never faults, never reads into the program and never
        // changes memory, whatever the address.
        #[allow(unused_unsafe)]
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>(address.cast::<i8>());
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = address;
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A table with an entry per tag (events = position in `tags`, bytes = 10x that), placed by
    /// linear probing as inserts would place them, without keys.
    fn table_of_tags(tags: &[u32], with_bytes: bool) -> KeyTable {
        let mut t = KeyTable::new();
        if with_bytes {
            t.byte_totals = vec![0; t.slots.len()];
        }
        let mask = t.mask();
        for (n, &tag) in tags.iter().enumerate() {
            let mut i = home(tag, mask);
            while t.slots[i].tag != 0 {
                i = (i + 1) & mask;
            }
            t.slots[i] = Slot {
                tag,
                word: ((n as u32 + 1) << CODE_BITS) | 1,
                key: [0; INLINE_KEY],
            };
            if with_bytes {
                t.byte_totals[i] = 10 * (n as u64 + 1);
            }
            t.len += 1;
        }
        t
    }

    /// Every entry is reachable: all slots from its home to its slot are occupied.
    fn assert_reachable(t: &KeyTable) {
        let mask = t.mask();
        for (p, slot) in t.slots.iter().enumerate().filter(|(_, s)| s.tag != 0) {
            let mut i = home(slot.tag, mask);
            while i != p {
                assert_ne!(t.slots[i].tag, 0, "hole at {i} before entry at {p}");
                i = (i + 1) & mask;
            }
        }
    }

    /// The entries as (tag, events, bytes), sorted.
    fn entries(t: &KeyTable) -> Vec<(u32, u64, u64)> {
        let mut all: Vec<_> = (0..t.slots.len())
            .filter(|&i| t.slots[i].tag != 0)
            .map(|i| {
                (
                    t.slots[i].tag,
                    t.events_of(&t.slots[i]),
                    t.byte_totals.get(i).copied().unwrap_or(0),
                )
            })
            .collect();
        all.sort_unstable();
        all
    }

    proptest! {
        /// Doubling in place keeps every entry (and its bytes) and leaves each reachable, also when
        /// homes crowd the end of the table so that probe runs wrap (the re-place fallback).
        #[test]
        fn doubling_in_place_keeps_every_entry_reachable(
            homes in prop::collection::vec(
                prop_oneof![3 => 0u32..INITIAL_SLOTS as u32, 2 => (INITIAL_SLOTS as u32 - 40)..INITIAL_SLOTS as u32],
                0..INITIAL_SLOTS * 3 / 4,
            ),
            high in prop::collection::vec(any::<u32>(), INITIAL_SLOTS * 3 / 4),
            with_bytes in any::<bool>(),
            doublings in 1usize..3,
        ) {
            // A tag with the given home in the first table (bits 1..=10); the bits above, which
            // pick the half after each doubling, are random; the low bit is set.
            let tags: Vec<u32> = homes
                .iter()
                .zip(&high)
                .map(|(&h, &r)| (r << 11) | (h << 1) | 1)
                .collect();
            let mut t = table_of_tags(&tags, with_bytes);
            let before = entries(&t);
            for _ in 0..doublings {
                t.double();
                assert_reachable(&t);
                prop_assert_eq!(&entries(&t), &before);
            }
        }
    }

    /// Row weights for the property tests: mostly tiny (so keys tie), some around the most a slot's
    /// word counts, some far past it.
    fn weight() -> impl Strategy<Value = u64> {
        prop_oneof![
            6 => 0u64..4,
            2 => (WORD_EVENTS - 2)..(WORD_EVENTS + 2),
            1 => Just(1u64 << 40),
        ]
    }

    #[test]
    fn counts_past_a_slot_word_move_to_the_long_keys() {
        let mut t = KeyTable::new();
        // Crossing the word's limit by one row, by a single huge row, and by a batch.
        t.add(KeyTag::NONE, b"small", WORD_EVENTS, 0);
        t.add(KeyTag::NONE, b"small", 1, 0);
        t.add(KeyTag::NONE, b"huge", u64::MAX / 2, 0);
        let block = b"batchbatch";
        let rows: Vec<KeyRow> = (0..4)
            .map(|_| KeyRow {
                tag: KeyTag::NONE,
                key: (0, 5),
                weight: WORD_EVENTS / 3,
            })
            .collect();
        t.add_keys(block, &rows);
        // Moved in one row, tied with one that moved adding up; and an inline key tied with a
        // long one: ties go by key bytes.
        t.add(KeyTag::NONE, b"aaaaa", WORD_EVENTS + 1, 0);
        t.add(KeyTag::NONE, b"zz", 3, 0);
        t.add(KeyTag::NONE, b"a key of twenty bytes", 3, 0);
        assert_eq!(t.long_keys.len(), 5);
        let sorted = t.clone().into_sorted_columns();
        let keys: Vec<&[u8]> = sorted.keys.iter().collect();
        assert_eq!(
            keys,
            [
                &b"huge"[..],
                b"batch",
                b"aaaaa",
                b"small",
                b"a key of twenty bytes",
                b"zz"
            ],
            "{sorted:?}"
        );
        assert_eq!(
            sorted.events,
            [
                u64::MAX / 2,
                4 * (WORD_EVENTS / 3),
                WORD_EVENTS + 1,
                WORD_EVENTS + 1,
                3,
                3
            ]
        );
        // Lookups still find moved keys, and merges add to them.
        let mut other = KeyTable::new();
        other.add(KeyTag::NONE, b"small", 5, 0);
        other.add(KeyTag::NONE, b"zz", WORD_EVENTS, 0);
        t.merge(other);
        let entries: std::collections::BTreeMap<Vec<u8>, u64> = t
            .into_entries()
            .map(|(k, s)| (k.into_vec(), s.events))
            .collect();
        assert_eq!(entries[&b"small"[..]], WORD_EVENTS + 6);
        assert_eq!(entries[&b"zz"[..]], WORD_EVENTS + 3);
        assert_eq!(entries.len(), 6);
    }

    /// The key of number `i` in the large-table tests: 14 bytes, inline.
    fn numbered(i: u64) -> Vec<u8> {
        format!("user-{i:09}").into_bytes()
    }

    /// The longest run of probes any stored key needs from its home slot: a clustered table (the
    /// symptom of a quadratic merge) has runs of thousands of slots.
    fn max_displacement(table: &KeyTable) -> usize {
        let mask = table.mask();
        table
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.tag != 0)
            .map(|(i, s)| i.wrapping_sub(home(s.tag, mask)) & mask)
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn grows_past_a_million_keys_keeping_byte_totals() {
        let n = 1_100_000u64;
        let mut table = KeyTable::new();
        for i in 0..n {
            table.add(KeyTag::NONE, &numbered(i), 1 + i % 3, 10 * i + 1);
        }
        // Second visit of every key: counts and bytes must add up across all the grows.
        for i in 0..n {
            table.add(KeyTag::NONE, &numbered(i), 1, 1);
        }
        assert_eq!(table.len(), n as usize);
        let mut seen = 0u64;
        for (key, stats) in table.into_entries() {
            let i: u64 = std::str::from_utf8(&key[5..]).unwrap().parse().unwrap();
            assert_eq!(stats.events, 2 + i % 3, "events of key {i}");
            assert_eq!(stats.bytes, 10 * i + 2, "bytes of key {i}");
            seen += 1;
        }
        assert_eq!(seen, n);
    }

    #[test]
    fn merging_large_disjoint_tables_keeps_counts_and_does_not_cluster() {
        // Two workers' tables of the same size with the same hash: inserting one in its slot order
        // into the other used to pile the entries up into one ever-growing run (quadratic time).
        let n = 600_000u64;
        let (mut a, mut b) = (KeyTable::new(), KeyTable::new());
        for i in 0..2 * n {
            let table = if i % 2 == 0 { &mut a } else { &mut b };
            table.add(KeyTag::NONE, &numbered(i), 1 + i % 5, i);
        }
        // A few shared keys too, so both merge paths (existing and new keys) run.
        for i in 0..1000 {
            b.add(KeyTag::NONE, &numbered(2 * i), 1, 7);
        }
        let before = a.probes;
        a.merge(b);
        let per_key = (a.probes - before) as f64 / (n + 1000) as f64;
        assert!(per_key < 10.0, "{per_key:.1} probes per merged key");
        assert_eq!(a.len(), 2 * n as usize);
        assert!(
            max_displacement(&a) < 500,
            "probe run of {} slots",
            max_displacement(&a)
        );
        let mut total_bytes = 0u64;
        for (key, stats) in a.into_entries() {
            let i: u64 = std::str::from_utf8(&key[5..]).unwrap().parse().unwrap();
            let shared = i.is_multiple_of(2) && i < 2000;
            assert_eq!(
                stats.events,
                1 + i % 5 + u64::from(shared),
                "events of key {i}"
            );
            assert_eq!(
                stats.bytes,
                i + if shared { 7 } else { 0 },
                "bytes of key {i}"
            );
            total_bytes += stats.bytes;
        }
        let n2 = 2 * n;
        assert_eq!(total_bytes, n2 * (n2 - 1) / 2 + 7 * 1000);
    }

    proptest! {
        #[test]
        fn counts_like_a_std_map(keys in proptest::collection::vec(
            (proptest::collection::vec(0u8..4, 0..30), weight()), 0..400)) {
            let mut table = KeyTable::new();
            let mut other = KeyTable::new();
            let mut expected = std::collections::BTreeMap::<Vec<u8>, (u64, u64)>::new();
            for (i, (k, w)) in keys.iter().enumerate() {
                table.prefetch(k);
                if i % 3 == 0 { other.add(KeyTag::NONE, k, *w, 1) } else { table.add(KeyTag::NONE, k, *w, 1) }
                let e = expected.entry(k.clone()).or_default();
                e.0 += w;
                e.1 += 1;
            }
            // Merging moves inline keys whose sum outgrows a slot's word, too.
            table.merge(other);
            prop_assert_eq!(table.len(), expected.len());
            let got: std::collections::BTreeMap<Vec<u8>, (u64, u64)> = table
                .into_entries()
                .map(|(k, s)| (k.into_vec(), (s.events, s.bytes)))
                .collect();
            prop_assert_eq!(got, expected);
        }

        /// The batch loop (whose first test is the home slot alone) counts as `add` does: keys
        /// inline and long, displaced from their home, at and past the word's limit.
        #[test]
        fn batches_count_like_a_std_map(keys in proptest::collection::vec(
            (proptest::collection::vec(0u8..4, 0..30), weight()), 0..400),
            batch in 1usize..70) {
            let mut block = Vec::new();
            let mut rows = Vec::new();
            let mut expected = std::collections::BTreeMap::<Vec<u8>, u64>::new();
            for (k, w) in &keys {
                let start = block.len();
                block.extend_from_slice(k);
                let tag = KeyTable::new().prefetch(k);
                rows.push(KeyRow { tag, key: (start, block.len()), weight: *w });
                *expected.entry(k.clone()).or_default() += w;
            }
            let mut table = KeyTable::new();
            for chunk in rows.chunks(batch) {
                table.add_keys(&block, chunk);
            }
            prop_assert_eq!(table.len(), expected.len());
            let got: std::collections::BTreeMap<Vec<u8>, u64> = table
                .into_entries()
                .map(|(k, s)| (k.into_vec(), s.events))
                .collect();
            prop_assert_eq!(got, expected);
        }

        #[test]
        fn sorted_columns_follow_the_distribution_order(keys in proptest::collection::vec(
            (proptest::collection::vec(0u8..3, 0..24), weight(), proptest::bool::ANY), 0..300)) {
            // Zero bytes and shared prefixes stress the padded inline comparison; lengths past
            // INLINE_KEY mix inline and long keys, and so do counts past a slot's word (equal
            // counts then compare an inline key with a moved one); weight-0 keys must be dropped.
            let mut table = KeyTable::new();
            let mut expected = std::collections::BTreeMap::<Vec<u8>, (u64, u64)>::new();
            let sized = keys.iter().any(|k| k.2);
            for (k, events, _) in &keys {
                let bytes = if sized { 3 } else { 0 };
                table.add(KeyTag::NONE, k, *events, bytes);
                let e = expected.entry(k.clone()).or_default();
                e.0 += events;
                e.1 += bytes;
            }
            let mut want: Vec<(Vec<u8>, u64, u64)> = expected
                .into_iter()
                .filter(|(_, (e, _))| *e > 0)
                .map(|(k, (e, b))| (k, e, b))
                .collect();
            want.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let got = table.into_sorted_columns();
            let bytes = |i: usize| got.bytes.get(i).copied().unwrap_or(0);
            let got: Vec<(Vec<u8>, u64, u64)> = got.keys.iter().zip(&got.events).enumerate()
                .map(|(i, (k, e))| (k.to_vec(), *e, bytes(i)))
                .collect();
            prop_assert_eq!(got, want);
        }

        #[test]
        fn inline_tables_sort_by_their_sort_keys(keys in proptest::collection::vec(
            (proptest::collection::vec(0u8..3, 0..=INLINE_KEY), prop_oneof![
                0u64..4,
                Just(WORD_EVENTS / 2),
                Just(WORD_EVENTS),
            ]), 0..300)) {
            // Every key and count fits its slot, so the sort keys order the slots: zero bytes
            // and shared prefixes up to the full inline length, the empty key, ties, counts up
            // to the word's limit and weight-0 keys (dropped).
            let mut table = KeyTable::new();
            let mut expected = std::collections::BTreeMap::<Vec<u8>, u64>::new();
            for (k, events) in &keys {
                if expected.get(k).is_some_and(|e| e + events > WORD_EVENTS) {
                    continue;
                }
                table.add(KeyTag::NONE, k, *events, 0);
                *expected.entry(k.clone()).or_default() += events;
            }
            prop_assert!(table.long_keys.is_empty());
            let mut want: Vec<(Vec<u8>, u64)> =
                expected.into_iter().filter(|(_, e)| *e > 0).collect();
            want.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let got = table.into_sorted_columns();
            prop_assert!(got.bytes.is_empty());
            let got: Vec<(Vec<u8>, u64)> =
                got.keys.iter().map(<[u8]>::to_vec).zip(got.events).collect();
            prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn sort_keys_keep_what_they_encode() {
        for (key, events) in [
            (&b""[..], 1),
            (b"a\0", 7),
            (b"0123456789abcdef", WORD_EVENTS),
        ] {
            let mut t = KeyTable::new();
            t.add(KeyTag::NONE, key, events, 0);
            let slot = *t.slots.iter().find(|s| s.tag != 0).expect("one key");
            let sort_key = SortKey::from_slot(&SortKey::of(&slot).into_slot());
            assert_eq!(sort_key, SortKey::of(&slot));
            assert_eq!(&sort_key.key()[..sort_key.len()], key);
            assert_eq!(sort_key.events(), events);
        }
    }
}
