//! The breach and its aftermath.
//!
//! - An exfiltration marks the records of every provider in its scope as stolen, by sensitivity.
//! - The jurisdiction's notification duties (the scenario's `notification` regime; by default
//!   the EU's: GDPR art. 33 and NIS2 art. 23) start their clocks at their trigger: detection of
//!   the compromise (NIS2: the vendor's essential customers) or the announcement of the theft
//!   (GDPR: every provider whose records were stolen; later thefts start theirs at once).
//! - The announcement also brings a wave of patients' inquiries:
//!   `stolen × inquiry_rate × 0.5^(days since / half-life)` calls a day, each `inquiry_minutes`
//!   of admin work; a phishing wave multiplies it while it lasts.
//!
//! The duties and inquiries are admin work, done by the provider's admin staff before case work
//! (see the care system); a duty is met when its work is done by its deadline. A duty of 0
//! minutes only marks its deadline on the timeline.

use bevy_ecs::prelude::*;

use crate::model::{
    Aftermath, BreachWork, Clock, Duty, EventLog, EventRow, Fired, Network, Provider, Records, Tally, Timeline,
};
use crate::scenario::raw::{DutyScope, DutyTrigger};
use crate::scenario::{DutySpec, Event};
use crate::sim::Roster;

pub fn steal_records(
    clock: Res<Clock>,
    roster: Res<Roster>,
    timeline: Res<Timeline>,
    fired: Res<Fired>,
    network: Res<Network>,
    mut aftermath: ResMut<Aftermath>,
    mut tally: ResMut<Tally>,
    mut log: ResMut<EventLog>,
    mut providers: Query<(&Provider, &mut Records, &mut BreachWork)>,
) {
    let now = clock.tick();
    let hours = |h: f64| now + (h / f64::from(clock.tick_hours)).ceil() as u32;
    let duties = &roster.0.regime.duties;
    for &i in &fired.0 {
        match &timeline.injects[i].1.event {
            Event::Exfiltrate { providers: scope, share } => {
                let mut total = 0u64;
                for &p in scope {
                    let Ok((provider, mut records, mut work)) = providers.get_mut(network.providers[p as usize]) else {
                        continue;
                    };
                    let target = ((records.patients as f64) * share).round() as u64;
                    let new = target.saturating_sub(records.stolen);
                    if new == 0 {
                        continue;
                    }
                    if records.stolen == 0 {
                        aftermath.affected.push(p);
                        if aftermath.announced.is_some() {
                            for (k, d) in duties.iter().enumerate() {
                                if d.trigger == DutyTrigger::Announce && d.applies_to == DutyScope::RecordsStolen {
                                    push_duty(&mut work, k, d, hours(d.hours));
                                }
                            }
                        }
                    }
                    records.stolen += new;
                    total += new;
                    let c = &mut tally.today[provider.kind.index()];
                    c.records_stolen += new;
                    if records.high_sensitivity {
                        c.records_stolen_high += new;
                    }
                }
                log.0.push(EventRow {
                    tick: now,
                    event: "records_stolen".into(),
                    target: format!("{} providers", scope.len()),
                    text: format!("{total} patient records stolen"),
                });
            }
            Event::Detect { vendor } => {
                start_clocks(
                    DutyTrigger::Detect,
                    *vendor,
                    duties,
                    &aftermath,
                    &network,
                    &mut providers,
                    &mut log,
                    now,
                    &hours,
                );
            }
            Event::Announce { vendor } if aftermath.announced.is_none() => {
                aftermath.announced = Some(now);
                start_clocks(
                    DutyTrigger::Announce,
                    *vendor,
                    duties,
                    &aftermath,
                    &network,
                    &mut providers,
                    &mut log,
                    now,
                    &hours,
                );
            }
            Event::Phishing { multiplier, days } => {
                let until = now + (days * f64::from(clock.ticks_per_day)).round() as u32;
                aftermath.phishing.push((until, *multiplier));
            }
            _ => {}
        }
    }

    // The inquiry wave, once patients have been told.
    let Some(announced) = aftermath.announced else { return };
    let p = aftermath.params;
    if p.inquiry_rate <= 0.0 || aftermath.affected.is_empty() {
        return;
    }
    let days_since = f64::from(now - announced) / f64::from(clock.ticks_per_day);
    let multiplier: f64 = aftermath.phishing.iter().filter(|(until, _)| now < *until).map(|(_, m)| *m).product();
    let per_tick = p.inquiry_rate * 0.5f64.powf(days_since / p.inquiry_half_life_days) * multiplier
        / f64::from(clock.ticks_per_day);
    if per_tick < 1e-9 {
        return;
    }
    for &i in &aftermath.affected {
        if let Ok((provider, records, mut work)) = providers.get_mut(network.providers[i as usize]) {
            let calls = records.stolen as f64 * per_tick;
            work.inquiry_minutes += calls * p.inquiry_minutes;
            tally.today[provider.kind.index()].inquiries += calls;
        }
    }
}

/// Start the clocks of the duties with this trigger: push each duty with work to the providers
/// owing it, and log its deadline.
#[allow(clippy::too_many_arguments)]
fn start_clocks(
    trigger: DutyTrigger,
    vendor: usize,
    duties: &[DutySpec],
    aftermath: &Aftermath,
    network: &Network,
    providers: &mut Query<(&Provider, &mut Records, &mut BreachWork)>,
    log: &mut EventLog,
    now: u32,
    hours: &dyn Fn(f64) -> u32,
) {
    for (k, d) in duties.iter().enumerate().filter(|(_, d)| d.trigger == trigger) {
        let due = hours(d.hours);
        let mut n = 0usize;
        match &d.applies_to {
            DutyScope::RecordsStolen => {
                for p in &aftermath.affected {
                    if let Ok((_, _, mut work)) = providers.get_mut(network.providers[*p as usize]) {
                        push_duty(&mut work, k, d, due);
                        n += 1;
                    }
                }
            }
            DutyScope::VendorCustomers(kinds) => {
                for (provider, _, mut work) in providers.iter_mut() {
                    if usize::from(provider.vendor) == vendor && kinds.contains(&provider.kind) {
                        push_duty(&mut work, k, d, due);
                        n += 1;
                    }
                }
            }
        }
        if n > 0 {
            let after = match trigger {
                DutyTrigger::Detect => "detection",
                DutyTrigger::Announce => "the announcement",
            };
            log.0.push(EventRow {
                tick: due.max(now),
                event: "deadline".into(),
                target: format!("{n} providers"),
                text: format!("{} due ({} h after {after})", d.name, d.hours),
            });
        }
    }
}

/// Give a provider duty `k` of the regime, due at tick `due` (a duty of no work is not pushed).
fn push_duty(work: &mut BreachWork, k: usize, d: &DutySpec, due: u32) {
    if d.minutes > 0.0 {
        work.duties.push(Duty { what: k as u8, due, minutes_left: d.minutes, done: None });
    }
}
