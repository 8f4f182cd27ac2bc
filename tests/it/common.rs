//! Helpers shared by the integration tests.

use std::sync::Arc;

use downtime::Scenario;
use downtime::sim::{self, Outcome, RunOptions};

/// A built-in scenario, loaded.
pub fn builtin(name: &str) -> Scenario {
    downtime::scenario::load(name).expect("built-in scenario is valid")
}

/// Run one replication and its baseline.
pub fn run_pair(scenario: &Scenario, seed: u64) -> (Outcome, Outcome) {
    sim::run_with_baseline(Arc::new(scenario.clone()), RunOptions { seed, replication: 0 })
}

/// Run one replication.
pub fn run(scenario: &Scenario, seed: u64) -> Outcome {
    sim::run(Arc::new(scenario.clone()), RunOptions { seed, replication: 0 })
}

/// The path of the built binary.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_downtime")
}
