//! Model behaviour that would catch a wrong model: determinism, conservation, the reference
//! case's facts, monotonicity.

use downtime::kpi;
use downtime::model::{Hosting, ProviderKind};

use crate::common::{bin, builtin, run, run_pair};

fn run_cli(args: &[&str]) -> std::process::Output {
    std::process::Command::new(bin()).args(args).output().expect("binary runs")
}

#[test]
fn same_seed_gives_identical_files_and_another_seed_differs() {
    let dir = tempfile::tempdir().unwrap();
    let out = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    for (name, seed) in [("a", "7"), ("b", "7"), ("c", "8")] {
        let o = run_cli(&["run", "chipsoft-2026", "--seed", seed, "--days", "30", "--quiet", "--out", &out(name)]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let read = |d: &str, f: &str| std::fs::read(dir.path().join(d).join(f)).unwrap();
    for f in ["summary.json", "timeseries.csv", "events.csv"] {
        assert_eq!(read("a", f), read("b", f), "{f} differs between two runs with the same seed");
    }
    assert_ne!(read("a", "timeseries.csv"), read("c", "timeseries.csv"), "another seed gives the same series");
}

#[test]
fn no_case_vanishes() {
    let mut scenario = builtin("chipsoft-2026");
    // A weak plan, so that cases wait, get postponed, diverted and delayed.
    for p in &mut scenario.profiles {
        p.plan.overtime_cap = 0.0;
        for s in &mut p.services {
            s.admin_staff_per_1000 *= 0.8;
        }
        // GP practices have no fallback at all: their urgent patients must go elsewhere.
        if p.id == "gp" {
            p.plan.covers = downtime::model::FunctionSet::EMPTY;
        }
    }
    scenario.set_days(40);
    let outcome = run(&scenario, 3);
    let days = kpi::daily(&outcome, None);
    let (mut arrived, mut served) = (0i64, 0i64);
    for d in &days {
        arrived += d.counters.demand as i64;
        served += d.counters.served as i64;
        // Every arrival is served or still waiting (postponed cases wait again, diverted ones
        // wait at their receiver): nothing leaves the system any other way.
        assert_eq!(arrived - served, d.backlog, "day {}: arrivals - served != backlog", d.day);
    }
    let waiting: u64 = outcome.providers.iter().map(|p| p.queued_at_end).sum();
    assert_eq!(waiting as i64, days.last().unwrap().backlog, "providers' queues disagree with the tally");
    let k = kpi::compute(&outcome, &outcome, None);
    assert!(k.postponed > 0 && k.urgent_delayed + k.diverted > 0, "the stress test did not stress: {k:?}");
}

#[test]
fn chipsoft_reference_facts() {
    let scenario = builtin("chipsoft-2026");
    let (incident, baseline) = run_pair(&scenario, 1);
    let k = kpi::compute(&incident, &baseline, None);
    // 1.8 million dossiers, all from vendor-cloud tenants; none from self-hosted providers.
    assert_eq!(k.records_exfiltrated, 1_800_000);
    for (p, spec) in incident.providers.iter().zip(&scenario.providers) {
        match spec.hosting {
            Hosting::VendorCloud if scenario.vendors[spec.vendor].id == "chipsoft" => {
                assert_eq!(p.records_stolen, spec.patients, "{} lost less than its records", spec.id)
            }
            _ => assert_eq!(p.records_stolen, 0, "{} is not a ChipSoft cloud tenant but lost records", spec.id),
        }
    }
    // The forensic-care provider's records are the high-sensitivity ones.
    assert_eq!(k.records_exfiltrated_high_sensitivity, 5_000);
    // Self-hosted hospitals lose no records but do lose the portals: their services go to fallback.
    let hospitals = kpi::daily(&incident, Some(ProviderKind::Hospital));
    assert!(hospitals[10].services_fallback > 0, "hospitals did not switch to fallback while portals were down");
    assert_eq!(hospitals[40].services_fallback, 0, "hospitals still in fallback after the restore");
    // Events on 7, 8, 16 and 17 April 2026.
    let days: Vec<(String, u32)> = incident.events.iter().map(|e| (e.event.clone(), e.tick / 24)).collect();
    for (event, day) in [("compromise", 6), ("disconnect", 7), ("exfiltrate", 15), ("restore", 16)] {
        assert!(days.contains(&(event.to_string(), day)), "no {event} on day {day}: {days:?}");
    }
    // Nothing is stolen and nothing falls back in the baseline.
    let b = kpi::compute(&baseline, &baseline, None);
    assert!(k.care_behind_peak > 0 && k.care_behind_peak >= k.care_lost, "{} vs {}", k.care_behind_peak, k.care_lost);
    assert_eq!((b.care_lost, b.care_behind_peak), (0, 0), "the baseline is behind itself");
    assert_eq!(b.records_exfiltrated, 0);
    assert_eq!(b.care_delivered_fallback, 0);
}

#[test]
fn portals_down_moves_booking_to_admin_phone_time() {
    let scenario = builtin("chipsoft-2026");
    let (incident, baseline) = run_pair(&scenario, 5);
    let admin_per_case = |o: &downtime::sim::Outcome, days: std::ops::Range<usize>| {
        let rows = kpi::daily(o, Some(ProviderKind::GpPractice));
        let (admin, served) =
            rows[days].iter().fold((0.0, 0u64), |(a, s), r| (a + r.counters.admin_used_minutes, s + r.counters.served));
        admin / served as f64
    };
    // Days 9-14: portals down. Days 40-50: long after the restore.
    let during = admin_per_case(&incident, 9..15);
    let normal = admin_per_case(&baseline, 9..15);
    let after = admin_per_case(&incident, 40..51);
    assert!(during > normal * 1.2, "admin minutes per case: {during:.2} during the outage vs {normal:.2} normally");
    assert!((after - admin_per_case(&baseline, 40..51)).abs() < 0.3 * normal, "admin time did not return to normal");
}

#[test]
fn more_staff_never_delivers_less_care() {
    let mut base = builtin("chipsoft-2026");
    base.set_days(35);
    for p in &mut base.profiles {
        p.plan.overtime_cap = 0.05;
    }
    let mut more = base.clone();
    for p in &mut more.profiles {
        for s in &mut p.services {
            s.clinical_staff_per_1000 *= 1.15;
            s.admin_staff_per_1000 *= 1.15;
        }
    }
    let (mut less_total, mut more_total) = (0u64, 0u64);
    for seed in 1..=4 {
        let (a, ab) = run_pair(&base, seed);
        let (b, bb) = run_pair(&more, seed);
        let (ka, kb) = (kpi::compute(&a, &ab, None), kpi::compute(&b, &bb, None));
        // Common random numbers: the same own demand; referrals follow cases served, so the
        // total may differ a little.
        let gap = (ka.care_demand as f64 - kb.care_demand as f64).abs() / ka.care_demand as f64;
        assert!(gap < 0.002, "seed {seed}: demand differs by {:.3}%", gap * 100.0);
        assert!(kb.care_delivered >= ka.care_delivered, "seed {seed}: more staff delivered less");
        assert!(kb.peak_backlog <= ka.peak_backlog, "seed {seed}: more staff, larger backlog");
        less_total += ka.care_delivered;
        more_total += kb.care_delivered;
    }
    assert!(more_total > less_total, "more staff made no difference at all: the test is not testing");
}

#[test]
fn longer_outage_never_shrinks_the_backlog() {
    let base = builtin("chipsoft-2026");
    let mut longer = base.clone();
    for inj in &mut longer.timeline {
        if matches!(inj.event, downtime::scenario::Event::Restore { .. }) {
            inj.day += 7;
        }
    }
    for seed in 1..=3 {
        let (a, ab) = run_pair(&base, seed);
        let (b, bb) = run_pair(&longer, seed);
        let (ka, kb) = (kpi::compute(&a, &ab, None), kpi::compute(&b, &bb, None));
        assert!(kb.peak_backlog >= ka.peak_backlog, "seed {seed}: a longer outage shrank the peak backlog");
        assert!(kb.overtime_hours > ka.overtime_hours, "seed {seed}: a longer outage needed no more overtime");
    }
}

#[test]
fn sustained_overtime_raises_sick_leave() {
    let mut scenario = builtin("chipsoft-2026");
    // Portals never come back: fallback for the whole horizon.
    scenario.timeline.retain(|i| !matches!(i.event, downtime::scenario::Event::Restore { .. }));
    let (incident, baseline) = run_pair(&scenario, 2);
    let sick = |o: &downtime::sim::Outcome, day: usize| kpi::daily(o, Some(ProviderKind::GpPractice))[day].sick_share;
    assert!(sick(&incident, 40) > sick(&baseline, 40) + 0.01, "five weeks on fallback left sick leave unchanged");
    assert!(sick(&incident, 40) > sick(&incident, 15), "sick leave did not keep rising under sustained overtime");
    assert!((sick(&baseline, 40) - 0.06).abs() < 0.005, "sick leave drifts in normal times");
    let k = kpi::compute(&incident, &baseline, None);
    assert!(k.protocol_exhaustion_day.is_some(), "an endless outage never exhausted any protocol");
}

/// Staff work a service's opening hours whatever the tick length: the staff minutes contracted
/// in a week of the gp-cooperative template (hours 08:00–17:00 and 08:00–18:00, weekdays) are
/// the same at 1-, 2-, 4- and 8-hour ticks, and equal the staff figures times the opening
/// hours. Before staff minutes were
/// shared over the open ticks, 4-hour ticks gave a 08:00–17:00 clinic 12 hours a day.
#[test]
fn staff_work_the_opening_hours_at_any_tick_length() {
    let text = downtime::scenario::templates::get("gp-cooperative").unwrap();
    let base = downtime::scenario::from_str(text, "gp-cooperative").unwrap();
    assert_eq!(base.tick_hours, 1);
    // Expected: Σ over providers and services of staff × opening hours × 60 × open days.
    let days = 7;
    let start = base.start.weekday();
    let expected: f64 = base
        .providers
        .iter()
        .map(|p| {
            let profile = &base.profiles[p.profile];
            let scale = p.patients as f64 / 1000.0;
            profile
                .services
                .iter()
                .map(|s| {
                    let open_days = (0..days).filter(|d| s.is_open((start + d) % 7, s.open)).count() as f64;
                    s.clinical_staff_per_1000 * scale * f64::from(s.open_hours_per_day()) * 60.0 * open_days
                })
                .sum::<f64>()
        })
        .sum();
    assert!(expected > 0.0);
    for tick_hours in [1, 2, 4, 8] {
        let mut sc = downtime::sim::baseline_of(&base);
        sc.tick_hours = tick_hours;
        sc.set_days(days);
        // Every service opens (a tick starts within its hours), though 17:00 and 18:00 are not
        // on a tick's start at 2-, 4- and 8-hour ticks.
        assert!(sc.profiles.iter().flat_map(|p| &p.services).all(|s| s.open_ticks(tick_hours) > 0));
        let outcome =
            downtime::sim::run(std::sync::Arc::new(sc), downtime::sim::RunOptions { seed: 1, replication: 0 });
        let contracted: f64 = outcome.series.iter().map(|r| r.counters.clinical_capacity_minutes).sum();
        assert!(
            (contracted - expected).abs() <= 1e-9 * expected,
            "tick_hours {tick_hours}: {contracted} staff minutes, expected {expected}"
        );
    }
}

/// What is not shared over the opening hours is a whole tick: for every service of the
/// regional-network template, at every tick length, an open tick's staff minutes times
/// `whole_tick_scale` are the staff times the tick's length (extended hours are worked whole
/// ticks at a time, and the daily sick share is weighted by headcount), and the scale is exactly
/// 1 at hourly ticks.
#[test]
fn a_whole_tick_is_the_staff_times_the_tick_length() {
    let text = downtime::scenario::templates::get("regional-network").unwrap();
    let base = downtime::scenario::from_str(text, "regional-network").unwrap();
    for tick_hours in [1, 2, 3, 4, 6, 8, 12] {
        let mut sc = base.clone();
        sc.tick_hours = tick_hours;
        let mut sim = downtime::sim::Simulation::new(
            std::sync::Arc::new(sc.clone()),
            downtime::sim::RunOptions { seed: 1, replication: 0 },
        );
        let world = sim.world_mut();
        let mut query = world.query::<(&downtime::model::Provider, &downtime::model::CareServices)>();
        let mut checked = 0;
        for (provider, services) in query.iter(world) {
            let spec = &sc.providers[provider.index as usize];
            let profile = &sc.profiles[spec.profile];
            for (service, s) in services.0.iter().zip(&profile.services) {
                let scale = service.whole_tick_scale(tick_hours);
                if tick_hours == 1 {
                    assert_eq!(scale, 1.0);
                }
                if s.open_ticks(tick_hours) == 0 {
                    continue; // never opens (validate warns)
                }
                let staff = s.clinical_staff_per_1000 * spec.patients as f64 / 1000.0;
                let whole = staff * 60.0 * f64::from(tick_hours);
                let got = service.clinical_capacity * scale;
                assert!((got - whole).abs() <= 1e-9 * whole, "{tick_hours} h, {}: {got} against {whole}", s.name);
                checked += 1;
            }
        }
        assert!(checked > 0);
    }
}
