//! Platform availability (disconnects, degraded throughput, staged and ramped restores), the
//! functions each provider has and at what throughput, and service capacity cut or restored by
//! injects.
//!
//! A restore only ever raises a platform's capacity, and is ignored while a re-compromise holds
//! the platform down (see the decisions system). A restore with `ramp_days` moves capacity and
//! throughput along a straight line from their values at the restore to its targets; several
//! restores make a piecewise-linear curve.

use bevy_ecs::prelude::*;

use crate::model::{
    Availability, CareServices, Clock, ExchangeUp, Fired, Function, FunctionSet, Functions, Network, OpenHours,
    PlatformStatus, Provider, Ramp, Source, Timeline, Unmet,
};
use crate::scenario::Event;
use crate::sim::Roster;

pub fn update_availability(
    clock: Res<Clock>,
    timeline: Res<Timeline>,
    fired: Res<Fired>,
    roster: Res<Roster>,
    network: Res<Network>,
    mut status: ResMut<PlatformStatus>,
    mut exchange: ResMut<ExchangeUp>,
    mut unmet: ResMut<Unmet>,
    mut providers: Query<(&Provider, &OpenHours, &mut Functions, &mut CareServices)>,
) {
    let now = clock.tick();
    status.changed = false;
    for &i in &fired.0 {
        match &timeline.injects[i].1.event {
            Event::Disconnect { platforms, expected_days } => {
                for &p in platforms {
                    status.states[p] = Availability::Down;
                    status.expected_up[p] =
                        expected_days.map(|d| now + (d * f64::from(clock.ticks_per_day)).round() as u32);
                    status.ramps.retain(|r| r.platform != p);
                }
                status.changed = true;
            }
            Event::Degrade { platforms, throughput } => {
                for &p in platforms {
                    status.throughput[p] = *throughput;
                }
                status.changed = true;
            }
            Event::Restore { platforms, capacity, throughput, ramp_days } => {
                for &p in platforms {
                    // A restore never lowers availability (an early reconnect stays), and does
                    // not lift a platform held down by a re-compromise.
                    if status.held(p, now) {
                        continue;
                    }
                    let was_down = status.states[p] == Availability::Down;
                    let from_cap = status.states[p].capacity();
                    let to_cap = capacity.max(from_cap);
                    let from_tp = if was_down { *throughput } else { status.throughput[p] };
                    let to_tp = if was_down { *throughput } else { throughput.max(status.throughput[p]) };
                    let ticks = (ramp_days * f64::from(clock.ticks_per_day)).round() as u32;
                    status.ramps.retain(|r| r.platform != p);
                    status.expected_up[p] = None;
                    if ticks > 0 {
                        status.ramps.push(Ramp {
                            platform: p,
                            start: now,
                            end: now + ticks,
                            capacity: (from_cap, to_cap),
                            throughput: (from_tp, to_tp),
                        });
                    } else {
                        status.states[p] = Availability::at(to_cap);
                        status.throughput[p] = to_tp;
                    }
                }
                status.changed = true;
            }
            Event::ServiceCapacity { providers: scope, service, capacity } => {
                let scenario = &roster.0;
                for &i in scope {
                    let spec = &scenario.providers[i as usize];
                    let names = &scenario.profiles[spec.profile].services;
                    let Ok((_, _, _, mut services)) = providers.get_mut(network.providers[i as usize]) else {
                        continue;
                    };
                    for (s, svc) in services.0.iter_mut().enumerate() {
                        if service.as_ref().is_none_or(|n| *n == names[s].name) {
                            svc.capacity = *capacity;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    // Restores along a curve move a step each tick.
    if !status.ramps.is_empty() {
        let PlatformStatus { ramps, states, throughput, .. } = &mut *status;
        for r in ramps.iter() {
            let x = if r.end > r.start { f64::from(now - r.start) / f64::from(r.end - r.start) } else { 1.0 };
            let x = x.clamp(0.0, 1.0);
            states[r.platform] = Availability::at(r.capacity.0 + (r.capacity.1 - r.capacity.0) * x);
            throughput[r.platform] = r.throughput.0 + (r.throughput.1 - r.throughput.0) * x;
        }
        ramps.retain(|r| now < r.end);
        status.changed = true;
    }
    if !status.changed {
        return;
    }
    unmet.0 = false;
    for (provider, open_hours, mut functions, _) in &mut providers {
        let mut available = FunctionSet::EMPTY;
        let mut degraded = FunctionSet::EMPTY;
        for f in Function::ALL {
            let (up, tp) = match functions.sources[f.index()] {
                Source::Local => (true, 1.0),
                Source::Platform(p) => {
                    let p = usize::from(p);
                    let up = match status.states[p] {
                        Availability::Up => true,
                        Availability::Down => false,
                        Availability::Degraded(c) => provider.rollout_rank < c,
                    };
                    (up, status.throughput[p])
                }
            };
            functions.throughput[f.index()] = tp as f32;
            if (tp as f32) < 1.0 {
                degraded = degraded | f.bit();
            }
            if up {
                available = available | f.bit();
            } else if functions.available.contains(f) {
                functions.down_since[f.index()] = now;
            }
        }
        functions.available = available;
        functions.degraded = degraded;
        unmet.0 |= !open_hours.needs.is_subset_of(available);
        exchange.0[provider.index as usize] = available.contains(Function::Exchange);
    }
}
