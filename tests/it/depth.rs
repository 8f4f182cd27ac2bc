//! Model depth: staff strain, the referral network, spillover, the breach aftermath, decisions.
//! Each test compares runs that differ in one thing, with the same seed (common random numbers).

use downtime::kpi::{self, Kpis};
use downtime::model::ProviderKind;
use downtime::scenario::{Decision, DecisionOption, Effect, Event, Inject, Scenario, Surge};
use downtime::sim::Outcome;

use crate::common::{builtin, run_pair};

fn kpis(scenario: &Scenario, seed: u64) -> (Kpis, Outcome, Outcome) {
    let (incident, baseline) = run_pair(scenario, seed);
    (kpi::compute(&incident, &baseline, None), incident, baseline)
}

/// chipsoft-2026 with the portals never restored.
fn endless_outage() -> Scenario {
    let mut s = builtin("chipsoft-2026");
    s.timeline.retain(|i| !matches!(i.event, Event::Restore { .. }));
    s
}

#[test]
fn fatigue_rises_under_overtime_and_falls_with_rest() {
    let (_, incident, baseline) = kpis(&builtin("chipsoft-2026"), 4);
    let sick = |o: &Outcome| -> Vec<f64> {
        kpi::daily(o, Some(ProviderKind::GpPractice)).iter().map(|r| r.sick_share).collect()
    };
    let (inc, base) = (sick(&incident), sick(&baseline));
    let peak_day = (0..inc.len()).max_by(|a, b| inc[*a].total_cmp(&inc[*b])).unwrap();
    assert!(inc[peak_day] > base[peak_day] + 0.005, "no rise in sick leave during the outage");
    assert!((10..40).contains(&peak_day), "sick leave peaked on day {peak_day}, not during or just after the outage");
    assert!(inc[59] < inc[peak_day] - 0.003, "sick leave did not fall with rest after the restore");
}

#[test]
fn tight_overtime_exhausts_the_protocol_and_surge_staff_delay_it() {
    let mut tight = endless_outage();
    for p in &mut tight.profiles {
        p.plan.overtime_cap = 0.1;
    }
    let (k, ..) = kpis(&tight, 1);
    let exhausted =
        k.protocol_exhaustion_day.expect("a long outage with a tight overtime cap never exhausted a protocol");
    let mut surge = tight.clone();
    for p in &mut surge.profiles {
        p.plan.surge = Some(Surge { share: 0.3, lead_hours: 24.0, cost_per_hour: 80.0, automatic: true });
    }
    let (ks, ..) = kpis(&surge, 1);
    assert!(ks.surge_hours > 0.0 && ks.surge_cost_eur > 0.0, "automatic surge staff never came");
    assert!(
        ks.protocol_exhaustion_day.is_none_or(|d| d > exhausted),
        "surge staff did not delay exhaustion: {:?} vs {exhausted}",
        ks.protocol_exhaustion_day
    );
    assert!(ks.providers_exhausted < k.providers_exhausted, "surge staff did not spare any provider");
}

#[test]
fn referrals_are_delayed_only_while_exchange_is_down() {
    let scenario = builtin("chipsoft-2026");
    let (k, incident, baseline) = kpis(&scenario, 2);
    let b = kpi::compute(&baseline, &baseline, None);
    assert!(b.referrals_total > 10_000, "the GP → hospital flow is missing");
    assert_eq!(b.referrals_delayed, 0, "referrals delayed with exchange up");
    assert!(k.referrals_delayed > 0 && k.referrals_fallback > 0, "the outage delayed no referral");
    // Exchange is down from day 7 (20:00) until the staged restore completes on day 23; the
    // fallback path takes up to 48 h, so nothing arrives late after day 26.
    for row in kpi::daily(&incident, None) {
        if row.day < 7 || row.day > 26 {
            assert_eq!(row.counters.referrals_delayed, 0, "referrals arrived late on day {}", row.day);
        }
    }
    assert!(k.referral_delay_p50_hours.is_some_and(|h| h > 0.0 && h <= 72.0), "{:?}", k.referral_delay_p50_hours);
}

#[test]
fn diverted_patients_become_demand_at_their_receivers() {
    let mut scenario = builtin("chipsoft-2026");
    // The cloud GP practices have no fallback: while the portal is down they cannot work.
    for p in &mut scenario.profiles {
        if p.id == "gp" {
            p.plan.covers = downtime::model::FunctionSet::EMPTY;
        }
    }
    let (k, incident, baseline) = kpis(&scenario, 3);
    assert!(k.diverted > 100, "blocked practices diverted no urgent patients");
    let received: u64 = incident.providers.iter().map(|p| p.diverted_in).sum();
    assert_eq!(received, k.diverted, "diverted cases were not all received");
    // Receivers are the other practices in the region: they serve more than without the incident.
    let other_gp = |o: &Outcome| -> u64 {
        o.providers
            .iter()
            .zip(&o.scenario.providers)
            .filter(|(_, s)| s.id.starts_with("gp-other"))
            .map(|(p, _)| p.diverted_in)
            .sum()
    };
    assert!(other_gp(&incident) > 0 && other_gp(&baseline) == 0);
    let gp = |o: &Outcome| kpi::compute(o, o, Some(ProviderKind::GpPractice)).care_delivered;
    let _ = gp;
}

#[test]
fn inquiries_scale_with_records_stolen() {
    let full = builtin("chipsoft-2026");
    let mut half = full.clone();
    for inj in &mut half.timeline {
        if let Event::Exfiltrate { share, .. } = &mut inj.event {
            *share = 0.5;
        }
    }
    let (kf, ..) = kpis(&full, 1);
    let (kh, ..) = kpis(&half, 1);
    assert_eq!(kh.records_exfiltrated * 2, kf.records_exfiltrated);
    let ratio = kf.inquiries / kh.inquiries;
    assert!((ratio - 2.0).abs() < 0.05, "twice the records stolen gave {ratio:.3} times the inquiries");
    assert!(kf.notification_deadlines > 0, "no notification duties");
}

#[test]
fn decisions_change_the_outcome() {
    let scenario = builtin("chipsoft-2026");
    let mut wait = scenario.clone();
    wait.choose("surge", "wait").unwrap();
    let (call, ..) = kpis(&scenario, 1);
    let (no_call, ..) = kpis(&wait, 1);
    assert!(call.surge_hours > 0.0 && no_call.surge_hours == 0.0);
    assert!(call.overtime_hours < no_call.overtime_hours, "surge staff did not relieve overtime");
    assert!(call.care_delivered >= no_call.care_delivered, "surge staff delivered less care");

    assert!(wait.choose("surge", "nonsense").is_err());
    assert!(wait.choose("nonsense", "wait").is_err());
}

fn with_reconnect(risk: f64) -> Scenario {
    let mut s = builtin("chipsoft-2026");
    let platforms = s.platforms.iter().enumerate().filter(|(_, p)| p.vendor == 0).map(|(i, _)| i).skip(1).collect();
    s.timeline.push(Inject {
        day: 10,
        hour: 9,
        delay: None,
        event: Event::Decision(Decision {
            id: "reconnect".into(),
            question: "Reconnect the portals early?".into(),
            options: vec![DecisionOption {
                key: "now".into(),
                label: "Reconnect now".into(),
                effects: vec![Effect::ReconnectEarly { platforms, risk, after_days: 2.0, outage_days: 10.0 }],
            }],
            chosen: 0,
            default: 0,
            question_after: Vec::new(),
        }),
        title: "Decision: reconnect".into(),
        text: String::new(),
        questions: Vec::new(),
        teams: Vec::new(),
    });
    s
}

#[test]
fn early_reconnect_shortens_the_outage_unless_it_is_compromised_again() {
    let (base, ..) = kpis(&builtin("chipsoft-2026"), 1);
    let (safe, safe_run, _) = kpis(&with_reconnect(0.0), 1);
    let (risky, risky_run, _) = kpis(&with_reconnect(1.0), 1);
    let disconnects = |o: &Outcome| o.events.iter().filter(|e| e.event == "disconnect").count();
    assert_eq!(disconnects(&safe_run), 1);
    assert_eq!(disconnects(&risky_run), 2, "a certain re-compromise did not happen");
    assert!(safe.care_delivered_fallback < base.care_delivered_fallback, "reconnecting early did not shorten fallback");
    assert!(risky.care_delivered_fallback > safe.care_delivered_fallback, "a re-compromise cost nothing");
    let fallback = |o: &Outcome, day: usize| kpi::daily(o, None)[day].services_fallback;
    // Day 17: the scheduled staged restore (25%) must not take an early reconnect back down.
    assert_eq!(fallback(&safe_run, 17), 0, "a staged restore undid the early reconnect");
    // Days 13-21: the re-compromise holds the platforms down through the scheduled restores.
    let (_, base_run, _) = kpis(&builtin("chipsoft-2026"), 1);
    assert!(fallback(&risky_run, 20) > fallback(&base_run, 20), "a scheduled restore cut the re-compromise short");
}
