//! Benchmark: one replication of the built-in `nl-national` scenario, 90 days, hourly ticks,
//! on one core (no baseline run alongside).
//!
//! ```sh
//! cargo run --release --example bench_national [-- REPEATS [DAYS]]
//! ```
//!
//! DAYS (default 90) shortens the horizon, e.g. to compare instruction counts under
//! `valgrind --tool=callgrind` quickly.
//!
//! Prints the time to load and validate the scenario and, for each repeat, the time of one
//! replication, with the median.

use std::sync::Arc;
use std::time::Instant;

use downtime::sim::{self, RunOptions};

fn main() {
    let repeats: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(5);
    let t = Instant::now();
    let mut scenario = downtime::scenario::load("nl-national").expect("built-in scenario is valid");
    let days: u32 = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(90);
    scenario.set_days(days);
    let load = t.elapsed();
    let services: usize = scenario.providers.iter().map(|p| scenario.profiles[p.profile].services.len()).sum();
    println!(
        "nl-national: {} providers, {} services, {} days of {} h ticks; load + validate {:.1} ms",
        scenario.providers.len(),
        services,
        scenario.days,
        scenario.tick_hours,
        load.as_secs_f64() * 1e3
    );
    let scenario = Arc::new(scenario);
    let mut times = Vec::new();
    for r in 0..repeats {
        let t = Instant::now();
        let outcome = sim::run(scenario.clone(), RunOptions { seed: 1, replication: r as u64 });
        let secs = t.elapsed().as_secs_f64();
        let ticks = u64::from(outcome.days) * 24 / u64::from(outcome.tick_hours);
        println!(
            "replication {r}: {:.3} s ({:.1} ns per service-tick)",
            secs,
            secs * 1e9 / (ticks as f64 * services as f64)
        );
        times.push(secs);
    }
    times.sort_by(f64::total_cmp);
    println!("median {:.3} s over {repeats} replications", times[times.len() / 2]);
}
