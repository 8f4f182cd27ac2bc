//! How the command line talks to its user besides its results: how much it says (`-q`, `-v`)
//! and progress of long runs. On a terminal progress is an indicatif bar; when standard error is
//! not a terminal (a job log, CI, `2> file`) it is a plain line every [`PROGRESS_SECONDS`]
//! seconds, plus one at the start and one at the end, so a log shows that a long batch is alive
//! and how far it got.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// -1 quiet, 0 normal, 1 and more verbose (`-v`, `-vv`).
static LEVEL: AtomicI8 = AtomicI8::new(0);

/// With `--json`: standard output holds the JSON only.
static JSON: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Reserve standard output for `--json`'s JSON.
pub fn set_json(json: bool) {
    JSON.store(json, Ordering::Relaxed);
}

/// Whether text for people may go to standard output: not with `-q`, not with `--json`.
pub fn stdout_for_text() -> bool {
    !quiet() && !JSON.load(Ordering::Relaxed)
}

/// Set how much the program says: `quiet` wins over `verbose` (a count of `-v`).
pub fn set_verbosity(quiet: bool, verbose: u8) {
    let level = if quiet { -1 } else { verbose.min(3) as i8 };
    LEVEL.store(level, Ordering::Relaxed);
}

/// With `-q`: print nothing but errors (and what `--json` asks for).
pub fn quiet() -> bool {
    LEVEL.load(Ordering::Relaxed) < 0
}

/// The number of `-v` given (0 when quiet).
pub fn verbosity() -> u8 {
    LEVEL.load(Ordering::Relaxed).max(0) as u8
}

/// A note for `-v`: printed to standard error when at least `level` `-v` were given.
pub fn note(level: u8, message: &str) {
    if verbosity() >= level {
        eprintln!("{}", crate::text::terminal(message));
    }
}

/// Seconds between progress lines in a log. Assumption: often enough that a job log shows a
/// batch is alive, rarely enough that a long run writes at most a few hundred lines an hour.
pub const PROGRESS_SECONDS: u64 = 5;

/// Progress of `total` runs: a bar on a terminal, lines in a log, nothing when quiet.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    lines: Option<Lines>,
}

struct Lines {
    total: u64,
    done: AtomicU64,
    start: Instant,
    last: Mutex<Instant>,
}

impl Progress {
    /// Progress of `total` runs when `enabled` and not quiet; on a terminal or as lines.
    pub fn new(total: u64, enabled: bool) -> Self {
        if !enabled || quiet() {
            return Self { bar: None, lines: None };
        }
        if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new(total);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{elapsed_precise} [{wide_bar}] {pos}/{len} runs, ETA {eta_precise}",
            ) {
                bar.set_style(style);
            }
            return Self { bar: Some(bar), lines: None };
        }
        let now = Instant::now();
        eprintln!("progress: 0/{total} runs");
        Self { bar: None, lines: Some(Lines { total, done: AtomicU64::new(0), start: now, last: Mutex::new(now) }) }
    }

    /// One more run done.
    pub fn inc(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
        if let Some(l) = &self.lines {
            let done = l.done.fetch_add(1, Ordering::Relaxed) + 1;
            let now = Instant::now();
            if let Ok(mut last) = l.last.try_lock()
                && now.duration_since(*last) >= Duration::from_secs(PROGRESS_SECONDS)
                && done < l.total
            {
                *last = now;
                eprintln!("{}", l.line(done, now));
            }
        }
    }

    /// All runs done: the bar is cleared; a log gets its last line.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if let Some(l) = &self.lines {
            let done = l.done.load(Ordering::Relaxed);
            eprintln!("progress: {done}/{} runs done in {:.1} s", l.total, l.start.elapsed().as_secs_f64());
        }
    }
}

impl Lines {
    fn line(&self, done: u64, now: Instant) -> String {
        let elapsed = now.duration_since(self.start).as_secs_f64();
        let left = elapsed / done.max(1) as f64 * self.total.saturating_sub(done) as f64;
        format!(
            "progress: {done}/{} runs ({:.0}%), {elapsed:.0} s, about {left:.0} s left",
            self.total,
            100.0 * done as f64 / self.total.max(1) as f64
        )
    }
}
