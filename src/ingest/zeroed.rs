//! A fixed-length array of plain values that starts all zero and can grow in place, for the key
//! table's slots.
//!
//! Why not `Vec`: when the key table doubles, a `Vec` allocates a second, twice larger array and the
//! old one is freed. Every byte of the new array is fresh memory that the kernel zeroes on first
//! touch, so doubling up to a table of N bytes zeroes about 2N bytes, and on the benchmark (two
//! workers, 32 MiB tables) that zeroing was the largest single cost of the run. Large arrays here are
//! anonymous memory maps that `mremap` extends (Linux): the pages already in use stay where they
//! are, and only the added half is new, so the table zeroes N bytes in all.
//!
//! Small arrays, and every array elsewhere than Linux, live on the heap and grow by copying.

use std::alloc::Layout;
use std::ptr::NonNull;

/// Arrays at least this large are memory maps (smaller ones would waste most of a page).
const MAP_AT_LEAST: usize = 1 << 16;

/// Maps at least this large ask for transparent huge pages (2 MiB): a table of a million keys spans
/// 32 MiB, and with 4 KiB pages nearly every lookup missed the TLB as well as the cache (measured: a
/// tenth less CPU time on the 20M-event benchmark with huge pages).
const HUGE_PAGE: usize = 2 << 20;

/// `len` values of `T`, all zero bytes when created or added. `T` must be a type for which all-zero
/// bytes are a valid value (see [`ZeroedArray::new`]).
pub(crate) struct ZeroedArray<T: Copy> {
    ptr: NonNull<T>,
    len: usize,
    /// Whether `ptr` is a memory map (else a heap allocation of `len` values).
    mapped: bool,
}

// SAFETY: the array owns its values exclusively, like a `Vec<T>`.
unsafe impl<T: Copy + Send> Send for ZeroedArray<T> {}
unsafe impl<T: Copy + Sync> Sync for ZeroedArray<T> {}

impl<T: Copy> ZeroedArray<T> {
    /// `len` (at least 1) zero values.
    ///
    /// # Safety
    /// All-zero bytes must be a valid `T` (plain integers and arrays of them).
    pub(crate) unsafe fn new(len: usize) -> ZeroedArray<T> {
        assert!(len > 0 && std::mem::size_of::<T>() > 0);
        let (ptr, mapped) = allocate::<T>(len);
        ZeroedArray { ptr, len, mapped }
    }

    /// Grows to `len` values (more than now): the first values keep theirs, the added ones are zero.
    pub(crate) fn grow(&mut self, len: usize) {
        assert!(len > self.len);
        if self.mapped {
            if let Some(ptr) = remap::<T>(self.ptr, self.len, len) {
                populate(
                    ptr.cast(),
                    layout::<T>(self.len).size(),
                    layout::<T>(len).size(),
                );
                self.ptr = ptr;
                self.len = len;
                return;
            }
        }
        let (ptr, mapped) = allocate::<T>(len);
        // SAFETY: both regions hold at least `self.len` values and do not overlap.
        unsafe { std::ptr::copy_nonoverlapping(self.ptr.as_ptr(), ptr.as_ptr(), self.len) };
        // SAFETY: the old region is ours and no longer used.
        unsafe { release::<T>(self.ptr, self.len, self.mapped) };
        // Fields, not `*self = ...`, which would drop (and free) the old region a second time.
        self.ptr = ptr;
        self.len = len;
        self.mapped = mapped;
    }
}

impl<T: Copy> std::ops::Deref for ZeroedArray<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        // SAFETY: `ptr` holds `len` initialized values (zero bytes are a valid `T`, see `new`).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl<T: Copy> std::ops::DerefMut for ZeroedArray<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as for `deref`, and `&mut self` makes the access exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl<T: Copy> Clone for ZeroedArray<T> {
    fn clone(&self) -> Self {
        // SAFETY: `self` exists, so zero bytes are a valid `T`; every value is then overwritten.
        let mut copy = unsafe { ZeroedArray::new(self.len) };
        copy.copy_from_slice(self);
        copy
    }
}

impl<T: Copy + std::fmt::Debug> std::fmt::Debug for ZeroedArray<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZeroedArray")
            .field("len", &self.len)
            .field("mapped", &self.mapped)
            .finish()
    }
}

impl<T: Copy> Drop for ZeroedArray<T> {
    fn drop(&mut self) {
        // SAFETY: the region is ours and dropped with the array.
        unsafe { release::<T>(self.ptr, self.len, self.mapped) };
    }
}

/// The heap layout of `len` values of `T`.
fn layout<T>(len: usize) -> Layout {
    Layout::array::<T>(len).expect("the array fits in memory")
}

/// `len` zero values: a memory map when large (on Linux), else from the heap.
fn allocate<T>(len: usize) -> (NonNull<T>, bool) {
    let size = layout::<T>(len).size();
    if size >= MAP_AT_LEAST {
        if let Some(ptr) = map::<T>(size) {
            populate(ptr.cast(), 0, size);
            return (ptr, true);
        }
    }
    let layout = layout::<T>(len);
    // SAFETY: the layout's size is not zero (`new` asserts `len > 0` and a sized `T`).
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) } as *mut T;
    match NonNull::new(ptr) {
        Some(ptr) => (ptr, false),
        None => std::alloc::handle_alloc_error(layout),
    }
}

/// Frees what [`allocate`] or [`remap`] returned.
///
/// # Safety
/// `ptr` holds `len` values of a region of that kind, which is not used again.
unsafe fn release<T>(ptr: NonNull<T>, len: usize, mapped: bool) {
    if mapped {
        #[cfg(target_os = "linux")]
        libc::munmap(ptr.as_ptr().cast(), layout::<T>(len).size());
    } else {
        std::alloc::dealloc(ptr.as_ptr().cast(), layout::<T>(len));
    }
}

/// A fresh anonymous map of `size` bytes (zero, untouched until used), on huge pages when large.
#[cfg(target_os = "linux")]
fn map<T>(size: usize) -> Option<NonNull<T>> {
    // SAFETY: a new private anonymous mapping; the result is checked.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            size,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if ptr == libc::MAP_FAILED {
        return None;
    }
    advise_huge_pages(ptr, size);
    NonNull::new(ptr.cast())
}

#[cfg(not(target_os = "linux"))]
fn map<T>(size: usize) -> Option<NonNull<T>> {
    let _ = size;
    None
}

/// The map at `ptr` (`old` values) extended to `new` values in place or moved by the kernel without
/// copying; `None` when the kernel refuses (the caller then copies).
#[cfg(target_os = "linux")]
fn remap<T>(ptr: NonNull<T>, old: usize, new: usize) -> Option<NonNull<T>> {
    let (old, new) = (layout::<T>(old).size(), layout::<T>(new).size());
    // SAFETY: `ptr` is a mapping of `old` bytes that this array owns; MREMAP_MAYMOVE keeps its
    // contents and zero-fills the added part. On failure the old mapping is left as it was.
    let moved = unsafe { libc::mremap(ptr.as_ptr().cast(), old, new, libc::MREMAP_MAYMOVE) };
    if moved == libc::MAP_FAILED {
        return None;
    }
    advise_huge_pages(moved, new);
    NonNull::new(moved.cast())
}

#[cfg(not(target_os = "linux"))]
fn remap<T>(ptr: NonNull<T>, old: usize, new: usize) -> Option<NonNull<T>> {
    let _ = (ptr, old, new);
    None
}

/// Faults in bytes `from..to` of the map at `ptr` (zero: new, or added by `mremap`) by writing a
/// zero to each page, before the key table reads them.
///
/// Why: the table's first touch of a page is nearly always a read (a probe, or the re-placement walk
/// looking for a free slot). A read of an untouched page maps the shared zero page; the write that
/// follows then faults a second time to replace it, and in a process with two workers that
/// replacement flushes the other core's TLB by interrupt. Measured on the benchmark: the table's
/// doubling from 1 to 2 MiB took 3.7-4.7 ms per worker that way, 0.6 ms with the pages written first.
fn populate(ptr: NonNull<u8>, from: usize, to: usize) {
    const PAGE: usize = 4096;
    let mut at = from.next_multiple_of(PAGE);
    while at < to {
        // SAFETY: `at < to`, within the map; the byte is zero and stays zero. Volatile, so the store
        // is not dropped as writing what is (unknown to the compiler) already there.
        unsafe { ptr.as_ptr().add(at).write_volatile(0) };
        at += PAGE;
    }
}

/// Asks the kernel to back a map with transparent huge pages. Advice only: where the kernel has them
/// turned off nothing changes but speed.
#[cfg(target_os = "linux")]
fn advise_huge_pages(ptr: *mut libc::c_void, size: usize) {
    if size >= HUGE_PAGE {
        // SAFETY: the range is a mapping this array owns; MADV_HUGEPAGE never changes its contents.
        unsafe { libc::madvise(ptr, size, libc::MADV_HUGEPAGE) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_keeping_values_and_zeroing_the_rest() {
        for start in [1usize, 100, 1 << 13, 1 << 17] {
            // SAFETY: all-zero bytes are a valid u64.
            let mut a: ZeroedArray<u64> = unsafe { ZeroedArray::new(start) };
            assert!(a.iter().all(|&v| v == 0));
            for (i, v) in a.iter_mut().enumerate() {
                *v = i as u64 + 1;
            }
            for len in [start * 2, start * 8 + 3] {
                a.grow(len);
                assert_eq!(a.len(), len);
                assert!(a[..start]
                    .iter()
                    .enumerate()
                    .all(|(i, &v)| v == i as u64 + 1));
                assert!(a[start..].iter().all(|&v| v == 0));
            }
            let b = a.clone();
            assert!(b[..] == a[..]);
        }
    }
}
