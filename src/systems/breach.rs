//! The breach and its aftermath.
//!
//! - An exfiltration marks the records of every provider in its scope as stolen, by sensitivity.
//! - Detection of an attack on a vendor starts the NIS2 clocks (early warning 24 h, notification
//!   72 h; NIS2 art. 23) for its hospital customers, essential entities under NIS2.
//! - The announcement of the theft starts the GDPR clock (art. 33: the data-protection authority
//!   within 72 h of awareness) for every provider whose records were stolen, and a wave of
//!   patients' inquiries: `stolen × inquiry_rate × 0.5^(days since / half-life)` calls a day,
//!   each `inquiry_minutes` of admin work; a phishing wave multiplies it while it lasts.
//!
//! The duties and inquiries are admin work, done by the provider's admin staff before case work
//! (see the care system); a duty is met when its work is done by its deadline.

use bevy_ecs::prelude::*;

use crate::model::{
    Aftermath, BreachWork, Clock, Duty, EventLog, EventRow, Fired, Network, Provider, ProviderKind, Records, Tally,
    Timeline,
};
use crate::scenario::Event;

/// Hours from awareness to each deadline.
pub const NIS2_EARLY_WARNING_HOURS: u32 = 24;
pub const NIS2_NOTIFICATION_HOURS: u32 = 72;
pub const GDPR_NOTIFICATION_HOURS: u32 = 72;
/// NIS2 final report: one month after the notification.
pub const NIS2_FINAL_REPORT_HOURS: u32 = 72 + 30 * 24;

pub fn steal_records(
    clock: Res<Clock>,
    timeline: Res<Timeline>,
    fired: Res<Fired>,
    network: Res<Network>,
    mut aftermath: ResMut<Aftermath>,
    mut tally: ResMut<Tally>,
    mut log: ResMut<EventLog>,
    mut providers: Query<(&Provider, &mut Records, &mut BreachWork)>,
) {
    let now = clock.tick;
    let hours = |h: u32| now + h.div_ceil(clock.tick_hours);
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
                            work.duties.push(gdpr_duty(hours(GDPR_NOTIFICATION_HOURS), &aftermath));
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
                let mut n = 0;
                for (provider, _, mut work) in &mut providers {
                    let essential = matches!(provider.kind, ProviderKind::Hospital | ProviderKind::EyeHospital);
                    if essential && usize::from(provider.vendor) == *vendor {
                        let p = &aftermath.params;
                        work.duties.push(duty(
                            "NIS2 early warning",
                            hours(NIS2_EARLY_WARNING_HOURS),
                            p.nis2_early_warning_minutes,
                        ));
                        work.duties.push(duty(
                            "NIS2 notification",
                            hours(NIS2_NOTIFICATION_HOURS),
                            p.nis2_notification_minutes,
                        ));
                        n += 1;
                    }
                }
                if n > 0 {
                    for (h, text) in [
                        (NIS2_EARLY_WARNING_HOURS, "NIS2 early warning to the CSIRT due (24 h after awareness)"),
                        (NIS2_NOTIFICATION_HOURS, "NIS2 incident notification due (72 h after awareness)"),
                        (NIS2_FINAL_REPORT_HOURS, "NIS2 final report due (one month after the notification)"),
                    ] {
                        log.0.push(EventRow {
                            tick: hours(h),
                            event: "deadline".into(),
                            target: format!("{n} hospitals"),
                            text: text.into(),
                        });
                    }
                }
            }
            Event::Announce { .. } if aftermath.announced.is_none() => {
                aftermath.announced = Some(now);
                let affected = aftermath.affected.clone();
                for p in &affected {
                    if let Ok((_, _, mut work)) = providers.get_mut(network.providers[*p as usize]) {
                        work.duties.push(gdpr_duty(hours(GDPR_NOTIFICATION_HOURS), &aftermath));
                    }
                }
                if !affected.is_empty() {
                    log.0.push(EventRow {
                        tick: hours(GDPR_NOTIFICATION_HOURS),
                        event: "deadline".into(),
                        target: format!("{} providers", affected.len()),
                        text: "GDPR art. 33 notification to the data-protection authority due (72 h after awareness)"
                            .into(),
                    });
                }
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

fn duty(what: &'static str, due: u32, minutes: f64) -> Duty {
    Duty { what, due, minutes_left: minutes, done: if minutes <= 0.0 { Some(0) } else { None } }
}

fn gdpr_duty(due: u32, aftermath: &Aftermath) -> Duty {
    duty("GDPR notification", due, aftermath.params.gdpr_notification_minutes)
}
