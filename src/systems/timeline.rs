//! Fires the injects due this tick and logs them.

use bevy_ecs::prelude::*;

use crate::model::{Clock, EventLog, EventRow, Fired, Incident, Timeline};
use crate::scenario::Event;
use crate::sim::Roster;

pub fn fire_injects(
    clock: Res<Clock>,
    roster: Res<Roster>,
    mut timeline: ResMut<Timeline>,
    mut fired: ResMut<Fired>,
    mut incident: ResMut<Incident>,
    mut log: ResMut<EventLog>,
) {
    fired.0.clear();
    while let Some((tick, inject)) = timeline.injects.get(timeline.next) {
        if *tick > clock.tick() {
            break;
        }
        let index = timeline.next;
        let tick = *tick;
        match &inject.event {
            Event::Compromise { .. } => {
                incident.first_compromise.get_or_insert(tick);
            }
            Event::Detect { .. } | Event::Announce { .. } => {
                incident.awareness.get_or_insert(tick);
            }
            Event::Restore { .. } => incident.last_restore = Some(tick),
            _ => {}
        }
        log.0.push(EventRow {
            tick,
            event: inject.event.key().to_string(),
            target: roster.target(&inject.event),
            text: if inject.text.is_empty() {
                inject.title.clone()
            } else {
                format!("{}: {}", inject.title, inject.text)
            },
        });
        fired.0.push(index);
        timeline.next += 1;
    }
}
