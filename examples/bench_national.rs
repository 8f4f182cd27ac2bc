//! Benchmark: one replication of the built-in `nl-national` scenario (90 days, hourly ticks, one
//! core, no baseline run alongside) at one, four and ten times national scale, with the floor
//! program beside it.
//!
//! ```sh
//! cargo run --release --example bench_national [-- REPEATS [DAYS [SCALES]]]
//! ```
//!
//! REPEATS (default 3) replications per scale; DAYS (default 90) shortens the horizon, e.g. to
//! compare instruction counts under `valgrind --tool=callgrind` quickly; SCALES (default
//! `1,4,10`) are the multiples of the national provider list to run (each provider repeated,
//! the copies unreported).
//!
//! For each scale it prints the time to build the World, and per replication the time of the
//! ticks alone in ns per service-tick (every service, every tick of the horizon) and per open
//! service-tick (a service in its opening hours), with the median and the least (on a shared
//! host, where neighbours only ever add time, the least is the steadier). The *floor* is a bare
//! program over the same services: the same Poisson draws from the same generator for each
//! class of each open service-tick (read off the same kind of table), and a queue counter
//! served at a fixed rate. Its ratio is the headroom left in the simulator's own bookkeeping.
//! The resident memory a World takes when built is printed where the platform reports it
//! (Linux), for the first scale of the run only: later Worlds reuse pages the earlier ones
//! freed, so their growth would understate them. Run one scale per process to measure each
//! (`-- 1 1 10`).
//!
//! A scale written `/K` runs every K-th national provider instead, without the incident (the
//! baseline run), so the World shrinks K-fold with the same mix of providers: `-- 3 28 /1,/4,/16`
//! shows whether the cost per service-tick depends on where the World lives (at `/16` it fits in
//! a 1 MB L2 cache). On the machine of docs/performance.md it does not: 33.9, 32.1
//! and 34.2 ns per service-tick at `/1`, `/4` and `/16` (least of 3). These runs are also the
//! steadiest on a shared machine, for comparing two builds.
//!
//! Like the `downtime` binary, it starts itself again with huge pages for the heap
//! (`downtime::huge_pages`). Under valgrind, set `GLIBC_TUNABLES=glibc.malloc.hugetlb=1` first
//! (or `=0` to compare without), else the restart leaves valgrind behind.

use std::sync::Arc;
use std::time::Instant;

use downtime::model::{Arrivals, CdfTable};
use downtime::scenario::{OpenDays, Scenario};
use downtime::sim::{RunOptions, Simulation};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;

fn main() {
    // As the `downtime` binary does: huge pages for the heap (see `downtime::huge_pages`).
    downtime::huge_pages::restart_with_huge_pages();
    let arg = |i: usize| std::env::args().nth(i);
    let repeats: usize = arg(1).and_then(|a| a.parse().ok()).unwrap_or(3).max(1);
    let days: u32 = arg(2).and_then(|a| a.parse().ok()).unwrap_or(90);
    let scales: Vec<Scale> =
        arg(3).unwrap_or_else(|| "1,4,10".to_string()).split(',').filter_map(|s| Scale::parse(s.trim())).collect();
    let t = Instant::now();
    let mut national = downtime::scenario::load("nl-national").expect("built-in scenario is valid");
    national.set_days(days);
    println!(
        "nl-national: {} providers, {} days of {} h ticks; load + validate {:.1} ms",
        national.providers.len(),
        national.days,
        national.tick_hours,
        t.elapsed().as_secs_f64() * 1e3
    );
    let mut per_tick = Vec::new();
    for (i, &k) in scales.iter().enumerate() {
        let scenario = k.apply(&national);
        let shape = Shape::of(&scenario);
        println!(
            "{k}: {} providers, {} services, {} service-ticks ({} open)",
            scenario.providers.len(),
            shape.services,
            shape.service_ticks,
            shape.open_service_ticks
        );
        let scenario = Arc::new(scenario);
        let mut times = Vec::new();
        for r in 0..repeats {
            let rss0 = resident_mb();
            let t = Instant::now();
            let mut sim = Simulation::new(scenario.clone(), RunOptions { seed: 1, replication: r as u64 });
            let build = t.elapsed().as_secs_f64();
            let rss1 = resident_mb();
            let t = Instant::now();
            let horizon = sim.horizon();
            sim.step_to(horizon);
            let secs = t.elapsed().as_secs_f64();
            drop(sim);
            // Only the first World's growth is meaningful (later ones reuse freed pages).
            let memory = match (rss0, rss1) {
                (Some(a), Some(b)) if r == 0 && i == 0 => format!("; World {:.0} MB resident", b - a),
                _ => String::new(),
            };
            println!(
                "  replication {r}: build {:.0} ms, ticks {:.3} s: {:.1} ns per service-tick, {:.1} ns per open service-tick{memory}",
                build * 1e3,
                secs,
                secs * 1e9 / shape.service_ticks as f64,
                secs * 1e9 / shape.open_service_ticks as f64,
            );
            times.push(secs);
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        let t = Instant::now();
        let checksum = floor(&scenario, 1);
        let floor_secs = t.elapsed().as_secs_f64();
        let sim_ns = median * 1e9 / shape.service_ticks as f64;
        let floor_ns = floor_secs * 1e9 / shape.service_ticks as f64;
        println!(
            "  median {sim_ns:.1} ns per service-tick ({:.1} per open; least {:.1}); floor {floor_ns:.1} ns per service-tick ({:.1} per open; checksum {checksum}); ratio {:.2}",
            median * 1e9 / shape.open_service_ticks as f64,
            times[0] * 1e9 / shape.service_ticks as f64,
            floor_secs * 1e9 / shape.open_service_ticks as f64,
            sim_ns / floor_ns
        );
        per_tick.push((k, sim_ns));
    }
    if let Some(&(k0, base)) = per_tick.first() {
        for &(k, ns) in &per_tick[1..] {
            println!("cost per service-tick at {k} / {k0}: {:.2}", ns / base);
        }
    }
}

/// A multiple of national scale (`K`), or every K-th provider without the incident (`/K`).
#[derive(Debug, Clone, Copy)]
enum Scale {
    Times(usize),
    Thinned(usize),
}

impl Scale {
    fn parse(text: &str) -> Option<Scale> {
        let k = |t: &str| t.parse::<usize>().ok().filter(|&k| k >= 1);
        match text.strip_prefix('/') {
            Some(t) => k(t).map(Scale::Thinned),
            None => k(text).map(Scale::Times),
        }
    }

    fn apply(self, national: &Scenario) -> Scenario {
        match self {
            Scale::Times(k) => scaled(national, k),
            Scale::Thinned(k) => {
                let mut s = downtime::sim::baseline_of(national);
                let mut i = 0;
                s.providers.retain(|_| {
                    i += 1;
                    (i - 1) % k == 0
                });
                s
            }
        }
    }
}

impl std::fmt::Display for Scale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scale::Times(k) => write!(f, "x{k}"),
            Scale::Thinned(k) => write!(f, "/{k} (baseline)"),
        }
    }
}

/// The national provider list repeated `k` times (copies are not reported, not located).
fn scaled(national: &Scenario, k: usize) -> Scenario {
    let mut s = national.clone();
    for copy in 1..k {
        s.providers.extend(national.providers.iter().map(|p| {
            let mut p = p.clone();
            p.id = format!("{}-x{copy}", p.id);
            p.report = false;
            p.location = None;
            p
        }));
    }
    s
}

/// Counts of service-ticks over the horizon.
struct Shape {
    services: usize,
    service_ticks: u64,
    open_service_ticks: u64,
}

impl Shape {
    fn of(s: &Scenario) -> Shape {
        let ticks_per_day = 24 / s.tick_hours;
        let ticks = s.days * ticks_per_day;
        let start = s.start.weekday();
        let mut services = 0;
        let mut open = 0u64;
        for p in &s.providers {
            for spec in &s.profiles[p.profile].services {
                services += 1;
                open += (0..ticks)
                    .filter(|t| {
                        let weekday = (start + t / ticks_per_day) % 7;
                        spec.is_open(weekday, (t % ticks_per_day) * s.tick_hours)
                    })
                    .count() as u64;
            }
        }
        Shape { services, service_ticks: services as u64 * u64::from(ticks), open_service_ticks: open }
    }
}

/// The floor program: for every open service-tick, the Poisson draws of its three classes from
/// one ChaCha8 stream, read off a quantised CDF table as the simulator draws them, a queue
/// counter, and service at the service's normal rate. Returns the cases left waiting (so the
/// work is not optimised away).
fn floor(s: &Scenario, seed: u64) -> u64 {
    struct Bare {
        open: u32,
        close: u32,
        weekdays_only: bool,
        arrivals: [Arrivals; 3],
        rate: u32,
        queue: u32,
    }
    let ticks_per_day = 24 / s.tick_hours;
    let mut bare: Vec<Bare> = Vec::new();
    let mut table = CdfTable::default();
    for p in &s.providers {
        for spec in &s.profiles[p.profile].services {
            let open_ticks = f64::from(spec.open_ticks(s.tick_hours).max(1));
            let mean = spec.demand_per_1000 * p.patients as f64 / 1000.0 / open_ticks;
            let mut arrivals = spec.share.map(|share| Arrivals::new(mean * share));
            for a in &mut arrivals {
                a.tabulate(&mut table);
            }
            bare.push(Bare {
                open: spec.open,
                close: spec.close,
                weekdays_only: spec.days == OpenDays::Weekdays,
                arrivals,
                rate: mean.ceil() as u32,
                queue: 0,
            });
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let start = s.start.weekday();
    for t in 0..s.days * ticks_per_day {
        let weekday = (start + t / ticks_per_day) % 7;
        let hour = (t % ticks_per_day) * s.tick_hours;
        for b in bare.iter_mut() {
            if (b.weekdays_only && weekday >= 5) || hour < b.open || hour >= b.close {
                continue;
            }
            for a in &b.arrivals {
                b.queue += a.draw_tabulated(&mut rng, &table);
            }
            b.queue -= b.queue.min(b.rate);
        }
    }
    bare.iter().map(|b| u64::from(b.queue)).sum()
}

/// Resident memory in MB (Linux: /proc/self/statm; elsewhere None).
fn resident_mb() -> Option<f64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: f64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096.0 / 1e6)
}
