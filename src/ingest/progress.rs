//! Progress on long ingests: bytes and rows read and the rate, on standard error, only when standard
//! error is a terminal (so CI logs and redirected output never see it).

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often the progress line is redrawn: often enough to look alive, rarely enough to cost nothing.
const REDRAW_EVERY: Duration = Duration::from_millis(500);

/// A shared progress counter. Cheap to update from any thread.
#[derive(Debug)]
pub struct Progress {
    enabled: bool,
    start: Instant,
    bytes: AtomicU64,
    rows: AtomicU64,
    last: Mutex<Instant>,
    drawn: AtomicBool,
}

impl Progress {
    /// A progress line that is drawn only if `wanted` and standard error is a terminal.
    pub fn new(wanted: bool) -> Progress {
        let now = Instant::now();
        Progress {
            enabled: wanted && std::io::stderr().is_terminal(),
            start: now,
            bytes: AtomicU64::new(0),
            rows: AtomicU64::new(0),
            last: Mutex::new(now),
            drawn: AtomicBool::new(false),
        }
    }

    /// Counts `n` more (decompressed) bytes read, and redraws if it is time.
    pub fn add_bytes(&self, n: usize) {
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        self.tick();
    }

    /// Counts `n` more rows parsed.
    pub fn add_rows(&self, n: u64) {
        self.rows.fetch_add(n, Ordering::Relaxed);
    }

    fn tick(&self) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        let Ok(mut last) = self.last.try_lock() else {
            return;
        };
        if now.duration_since(*last) < REDRAW_EVERY {
            return;
        }
        *last = now;
        let bytes = self.bytes.load(Ordering::Relaxed) as f64;
        let rows = self.rows.load(Ordering::Relaxed);
        let secs = now.duration_since(self.start).as_secs_f64().max(1e-9);
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[Kkeyplan: read {:.1} MB, {rows} rows, {:.0} MB/s",
            bytes / 1e6,
            bytes / 1e6 / secs
        );
        let _ = err.flush();
        self.drawn.store(true, Ordering::Relaxed);
    }

    /// Clears the progress line, if one was drawn.
    pub fn finish(&self) {
        if self.drawn.swap(false, Ordering::Relaxed) {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[K");
        }
    }
}
