//! Platform availability (disconnects, staged restores) and the functions each provider has.
//!
//! A restore only ever raises a platform's capacity, and is ignored while a re-compromise holds
//! the platform down (see the decisions system).

use bevy_ecs::prelude::*;

use crate::model::{
    Availability, Clock, ExchangeUp, Fired, Function, FunctionSet, Functions, PlatformStatus, Provider, Source,
    Timeline,
};
use crate::scenario::Event;

pub fn update_availability(
    clock: Res<Clock>,
    timeline: Res<Timeline>,
    fired: Res<Fired>,
    mut status: ResMut<PlatformStatus>,
    mut exchange: ResMut<ExchangeUp>,
    mut providers: Query<(&Provider, &mut Functions)>,
) {
    status.changed = false;
    for &i in &fired.0 {
        match &timeline.injects[i].1.event {
            Event::Disconnect { platforms } => {
                for &p in platforms {
                    status.states[p] = Availability::Down;
                }
                status.changed = true;
            }
            Event::Restore { platforms, capacity } => {
                // A restore never lowers availability (an early reconnect stays), and does not
                // lift a platform held down by a re-compromise.
                for &p in platforms {
                    if status.held(p, clock.tick) {
                        continue;
                    }
                    let c = capacity.max(status.states[p].capacity());
                    status.states[p] = if c >= 1.0 {
                        Availability::Up
                    } else if c <= 0.0 {
                        Availability::Down
                    } else {
                        Availability::Degraded(c)
                    };
                }
                status.changed = true;
            }
            _ => {}
        }
    }
    if !status.changed {
        return;
    }
    for (provider, mut functions) in &mut providers {
        let mut available = FunctionSet::EMPTY;
        for f in Function::ALL {
            let up = match functions.sources[f.index()] {
                Source::Local => true,
                Source::Platform(p) => match status.states[usize::from(p)] {
                    Availability::Up => true,
                    Availability::Down => false,
                    Availability::Degraded(c) => provider.rollout_rank < c,
                },
            };
            if up {
                available = available | f.bit();
            } else if functions.available.contains(f) {
                functions.down_since[f.index()] = clock.tick;
            }
        }
        functions.available = available;
        exchange.0[provider.index as usize] = available.contains(Function::Exchange);
    }
}
