//! Shared baselines: evaluations that differ only in what acts during the incident take one
//! baseline run, and that is only ever done when the runs are in fact the same.

use std::sync::Arc;

use downtime::experiment::SharedBaselines;
use downtime::sim::{self, Outcome, RunOptions};

/// An outcome as text, without its scenario (which a shared baseline replaces by the caller's).
fn text(outcome: &Outcome, scenario: &Arc<downtime::scenario::Scenario>) -> String {
    let mut o = outcome.clone();
    o.scenario = scenario.clone();
    format!("{o:?}")
}

/// Every uncertain parameter of the built-ins, moved from its 5% to its 95% quantile alone:
/// when the two baselines get the same key, their runs must be identical to the last digit
/// (else a shared baseline would give wrong numbers); and some parameters must share (else the
/// cache never helps).
#[test]
fn baselines_are_shared_only_between_identical_runs() {
    let options = RunOptions { seed: 11, replication: 2 };
    let mut shared_params = Vec::new();
    for name in ["chipsoft-2026", "us-ransomware-hospital", "wannacry-2017"] {
        let u = downtime::uncertain::load(name).expect("built-in");
        let nominal = u.nominal_values();
        for (p, param) in u.parameters().iter().enumerate() {
            let at = |q: f64| {
                let mut values = nominal.clone();
                values[p] = param.distribution.quantile(q);
                let mut s = u.scenario_at(&values).expect("a quantile inside the range is valid");
                s.set_days(21);
                Arc::new(sim::baseline_of(&s))
            };
            let (low, high) = (at(0.05), at(0.95));
            if sim::baseline_key(&low) != sim::baseline_key(&high) {
                continue;
            }
            let (a, b) = (sim::run(low.clone(), options), sim::run(high.clone(), options));
            assert_eq!(
                text(&a, &low),
                text(&b, &low),
                "{name}: `{}` leaves the baseline key alone but changes the baseline run",
                param.name
            );
            shared_params.push(format!("{name}: {}", param.name));
        }
    }
    // Restore timing, fallback costs and plan activation act only during the incident.
    assert!(shared_params.len() >= 5, "too few parameters share a baseline: {shared_params:?}");
    assert!(shared_params.iter().any(|p| p.contains("pharmacy admin minutes without exchange")), "{shared_params:?}");
}

/// The cache hands out exactly the outcome a fresh run gives, with the caller's scenario, and
/// runs a baseline once for two scenarios that differ only in their incident.
#[test]
fn a_shared_baseline_is_the_run_it_replaces() {
    let mut s = downtime::scenario::load("chipsoft-2026").expect("built-in");
    s.set_days(14);
    let mut later = s.clone();
    later.timeline.iter_mut().for_each(|i| i.day += 1);
    let (base, later_base) = (Arc::new(sim::baseline_of(&s)), Arc::new(sim::baseline_of(&later)));
    let cache = SharedBaselines::new(4);
    let options = RunOptions { seed: 3, replication: 1 };
    let first = cache.run(&base, options);
    let second = cache.run(&later_base, options);
    assert_eq!(cache.counts(), (1, 1));
    assert!(Arc::ptr_eq(&second.scenario, &later_base));
    let fresh = sim::run(later_base.clone(), options);
    assert_eq!(text(&second, &later_base), text(&fresh, &later_base));
    assert_eq!(text(&first, &base), text(&fresh, &base));
    // Another replication is another run.
    cache.run(&base, RunOptions { seed: 3, replication: 2 });
    assert_eq!(cache.counts(), (2, 1));
}

/// Evaluations run in the cache's order find every shared baseline, however many replications
/// there are: two variants that differ only in their incident, ten replications, a cache of
/// four. Variant by variant, each replication's baseline would have left the cache before the
/// second variant asked for it (20 runs, none shared).
#[test]
fn variants_in_the_cache_order_share_every_baseline() {
    let mut s = downtime::scenario::load("chipsoft-2026").expect("built-in");
    s.set_days(10);
    let mut later = s.clone();
    later.timeline.iter_mut().for_each(|i| i.day += 1);
    let bases = [Arc::new(sim::baseline_of(&s)), Arc::new(sim::baseline_of(&later))];
    let reps: Vec<u64> = (0..10).collect();
    let cache = SharedBaselines::new(4);
    let order = downtime::experiment::shared_order(2, &reps);
    // Every (variant, replication) once.
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(sorted, (0..2).flat_map(|v| reps.iter().map(move |&r| (v, r))).collect::<Vec<_>>());
    // Each variant's replications in order, so a reduction in item order sees them in order.
    for v in 0..2 {
        let mine: Vec<u64> = order.iter().filter(|(w, _)| *w == v).map(|(_, r)| *r).collect();
        assert_eq!(mine, reps);
    }
    for &(v, r) in &order {
        cache.run(&bases[v], RunOptions { seed: 1, replication: r });
    }
    assert_eq!(cache.counts(), (10, 10), "one baseline run per replication, each shared once");
}
