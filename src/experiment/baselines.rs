//! Baseline runs shared between evaluations whose baselines are the same run.
//!
//! Every evaluation measures the incident against a baseline: the same scenario without its
//! incident injects, on the same random streams. Sensitivity analysis, calibration and
//! comparisons evaluate many scenarios that differ only in what acts during the incident (a
//! restore date, a fallback's admin minutes, a plan's ceiling); their baselines are the same
//! run, which [`crate::sim::baseline_key`] detects. [`SharedBaselines`] runs each such
//! baseline once and hands out copies, which halves the work of those evaluations.
//!
//! The cache is bounded (least recently used first out) and safe to share between threads:
//! two threads asking for the same baseline at once wait for one run instead of making two.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use crate::scenario::Scenario;
use crate::sim::{self, Outcome, RunOptions};

/// A bounded cache of baseline outcomes, keyed by [`sim::baseline_key`], seed and replication.
#[derive(Debug)]
pub struct SharedBaselines {
    capacity: usize,
    entries: Mutex<VecDeque<Entry>>,
    runs: AtomicU64,
    shared: AtomicU64,
}

#[derive(Debug)]
struct Entry {
    key: Arc<str>,
    seed: u64,
    replication: u64,
    outcome: Arc<OnceLock<Arc<Outcome>>>,
}

impl SharedBaselines {
    /// A cache holding at most `capacity` baselines (at least one).
    pub fn new(capacity: usize) -> Self {
        SharedBaselines {
            capacity: capacity.max(1),
            entries: Mutex::new(VecDeque::new()),
            runs: AtomicU64::new(0),
            shared: AtomicU64::new(0),
        }
    }

    /// The baseline outcome of `base` (a scenario without incident injects, see
    /// [`sim::baseline_of`]) on the streams of `options`: run now, or copied from an earlier
    /// run of the same baseline. The copy carries `base` itself as its scenario, so it is the
    /// outcome `sim::run(base, options)` would return.
    pub fn run(&self, base: &Arc<Scenario>, options: RunOptions) -> Outcome {
        let key: Arc<str> = sim::baseline_key(base).into();
        let cell = {
            // A poisoned lock only means another evaluation panicked; the entries are intact.
            let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            let found = entries
                .iter()
                .position(|e| e.seed == options.seed && e.replication == options.replication && e.key == key);
            match found {
                Some(i) => {
                    let entry = entries.remove(i).expect("index from position");
                    let cell = entry.outcome.clone();
                    entries.push_back(entry);
                    cell
                }
                None => {
                    if entries.len() == self.capacity {
                        entries.pop_front();
                    }
                    let cell = Arc::new(OnceLock::new());
                    entries.push_back(Entry {
                        key,
                        seed: options.seed,
                        replication: options.replication,
                        outcome: cell.clone(),
                    });
                    cell
                }
            }
        };
        let mut ran = false;
        let outcome = cell.get_or_init(|| {
            ran = true;
            Arc::new(sim::run(base.clone(), options))
        });
        if ran {
            self.runs.fetch_add(1, Ordering::Relaxed);
        } else {
            self.shared.fetch_add(1, Ordering::Relaxed);
        }
        let mut copy = Outcome::clone(outcome);
        copy.scenario = base.clone();
        copy
    }

    /// A cache for evaluations of `scenario` that want up to `wanted` baselines at hand, on
    /// `jobs` workers: within a memory budget of about 128 MiB of outcomes (about 34 at
    /// national scale), but never fewer than the replications in progress need (two per
    /// worker and two more, see [`shared_order`]), so that on a machine with more workers than
    /// the budget holds a shared baseline still runs once.
    pub fn for_scenario(scenario: &Scenario, wanted: usize, jobs: usize) -> Self {
        const BUDGET: usize = 128 << 20;
        // An outcome holds a result per provider and rows per day (measured: about 3.5 MB for
        // nl-national's 6,948 providers over 90 days, peak memory of a sweep of 6 runs a variant).
        let per_outcome = 512 * scenario.providers.len() + 4096 * scenario.days as usize;
        let in_progress = 2 * jobs.max(1) + 2;
        Self::new(wanted.clamp(1, (BUDGET / per_outcome.max(1)).max(in_progress)))
    }

    /// Baselines run so far, and baselines handed out again without a run.
    pub fn counts(&self) -> (u64, u64) {
        (self.runs.load(Ordering::Relaxed), self.shared.load(Ordering::Relaxed))
    }
}

/// The order to run every replication of `reps` for each of `variants` evaluations in, so that
/// a baseline the variants share runs once and the others find it: replication by replication,
/// each run for every variant in turn (each variant's replications stay in `reps`' order).
/// A worker takes a stretch of this order ([`super::par_stream`] splits a chunk among the
/// workers), so the variants of a replication mostly run on one thread, one after the other,
/// and the cache has to hold only the replications in progress: about `--jobs` of them, a few
/// more when a replication's variants fall on two workers. [`SharedBaselines::for_scenario`]
/// makes room for two per worker and two more, beyond its memory budget if need be, so every
/// shared baseline runs once; variant by variant, a national sweep with more replications
/// than the cache holds ran every baseline again for every variant.
pub fn shared_order(variants: usize, reps: &[u64]) -> Vec<(usize, u64)> {
    reps.iter().flat_map(|&r| (0..variants).map(move |v| (v, r))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The budget bounds the cache at national scale (about 34 outcomes), except that the
    /// replications in progress always fit: 64 workers get room for 130.
    #[test]
    fn the_cache_holds_what_the_workers_have_in_progress() {
        let national = crate::scenario::load("nl-national").unwrap();
        let budget = SharedBaselines::for_scenario(&national, 1000, 2).capacity;
        assert!((30..=40).contains(&budget), "{budget}");
        assert_eq!(SharedBaselines::for_scenario(&national, 1000, 64).capacity, 130);
        assert_eq!(SharedBaselines::for_scenario(&national, 1000, 8).capacity, budget);
        // Never more than wanted.
        assert_eq!(SharedBaselines::for_scenario(&national, 5, 64).capacity, 5);
    }
}
