//! Decisions: when a decision point fires, the chosen option's effects change the model —
//! surge staff called in, opening hours extended, electives cancelled, urgent care diverted to
//! named providers, platforms reconnected early (with a chance of re-compromise).

use bevy_ecs::prelude::*;
use rand::RngExt;

use crate::model::{
    CareServices, Clock, Continuity, EventLog, EventRow, Fired, Network, OpenHours, OpenHoursVersion, PlatformStatus,
    Streams, Timeline,
};
use crate::scenario::{Effect, Event, Inject};

pub fn apply_decisions(
    clock: Res<Clock>,
    fired: Res<Fired>,
    network: Res<Network>,
    mut timeline: ResMut<Timeline>,
    mut streams: ResMut<Streams>,
    mut status: ResMut<PlatformStatus>,
    mut log: ResMut<EventLog>,
    mut hours_version: ResMut<OpenHoursVersion>,
    mut providers: Query<(&mut Continuity, &mut OpenHours, &mut CareServices)>,
) {
    if fired.0.is_empty() {
        return;
    }
    let now = clock.tick();
    let ticks = |days: f64| (days * f64::from(clock.ticks_per_day)).round() as u32;
    for &i in &fired.0 {
        let Event::Decision(decision) = &timeline.injects[i].1.event else { continue };
        let option = decision.options[decision.chosen].clone();
        log.0.push(EventRow {
            tick: now,
            event: "decided".into(),
            target: format!("{}: {}", decision.id, option.key),
            text: option.label.clone(),
        });
        let mut later: Vec<(u32, Inject)> = Vec::new();
        for effect in &option.effects {
            match effect {
                Effect::SurgeStaff { providers: list } => {
                    for &p in list {
                        if let Ok((mut plan, _, _)) = providers.get_mut(network.providers[p as usize])
                            && plan.surge.is_some()
                            && plan.surge_called.is_none()
                        {
                            plan.surge_called = Some(now);
                        }
                    }
                }
                Effect::ExtendHours { providers: list, hours, days } => {
                    for &p in list {
                        if let Ok((_, mut open, mut services)) = providers.get_mut(network.providers[p as usize]) {
                            for s in services.0.iter_mut() {
                                s.extra_hours = (*hours).min(24 - u32::from(s.close)) as u8;
                                s.extended_until = now + ticks(*days);
                                open.extend(s.close, s.extra_hours);
                            }
                            hours_version.0 += 1;
                        }
                    }
                }
                Effect::CancelElectives { providers: list, days } => {
                    for &p in list {
                        if let Ok((mut plan, _, _)) = providers.get_mut(network.providers[p as usize]) {
                            plan.electives_cancelled_until = now + ticks(*days);
                        }
                    }
                }
                Effect::DivertUrgent { from, to, days } => {
                    for &p in from {
                        if let Ok((mut plan, _, _)) = providers.get_mut(network.providers[p as usize]) {
                            plan.divert_to = to.iter().copied().filter(|t| *t != p).collect();
                            plan.divert_until = now + ticks(*days);
                        }
                    }
                }
                Effect::ReconnectEarly { platforms, risk, after_days, outage_days } => {
                    let restore = |capacity: f64| Event::Restore {
                        platforms: platforms.clone(),
                        capacity,
                        throughput: 1.0,
                        ramp_days: 0.0,
                    };
                    later.push((now + 1, inject(restore(1.0), "Platforms reconnected early")));
                    let draw: f64 = streams.incident.random();
                    if draw < *risk {
                        let at = now + 1 + ticks(*after_days).max(1);
                        let until = at + ticks(*outage_days).max(1);
                        for &p in platforms {
                            status.holds.push((p, at, until));
                        }
                        later.push((
                            at,
                            inject(
                                Event::Disconnect { platforms: platforms.clone(), expected_days: Some(*outage_days) },
                                "Re-compromised after early reconnect",
                            ),
                        ));
                        later.push((until, inject(restore(1.0), "Platforms restored again")));
                    }
                }
            }
        }
        for (tick, inj) in later {
            let next = timeline.next;
            let at = next + timeline.injects[next..].partition_point(|(t, _)| *t <= tick);
            timeline.injects.insert(at, (tick, inj));
        }
    }
}

fn inject(event: Event, title: &str) -> Inject {
    Inject {
        day: 0,
        hour: 0,
        delay: None,
        event,
        title: title.to_string(),
        text: String::new(),
        questions: Vec::new(),
        teams: Vec::new(),
    }
}
