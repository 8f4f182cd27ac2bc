//! The breach: an exfiltration marks the records of every provider in its scope as stolen;
//! awareness of the breach starts the notification clocks (GDPR art. 33: the data-protection
//! authority within 72 h; NIS2 art. 23: early warning 24 h, notification 72 h, final report
//! one month).

use bevy_ecs::prelude::*;

use crate::model::{Clock, EventLog, EventRow, Fired, Incident, Network, Provider, Records, Tally, Timeline};
use crate::scenario::Event;

/// Notification duties after awareness: (hours, event key, text).
pub const NOTIFICATION_DUTIES: [(u32, &str, &str); 4] = [
    (24, "deadline", "NIS2 early warning to the CSIRT due (24 h after awareness)"),
    (72, "deadline", "GDPR art. 33 notification to the data-protection authority due (72 h after awareness)"),
    (72, "deadline", "NIS2 incident notification due (72 h after awareness)"),
    (24 * 30, "deadline", "NIS2 final report due (one month after the notification)"),
];

pub fn steal_records(
    clock: Res<Clock>,
    timeline: Res<Timeline>,
    fired: Res<Fired>,
    network: Res<Network>,
    incident: Res<Incident>,
    mut tally: ResMut<Tally>,
    mut log: ResMut<EventLog>,
    mut providers: Query<(&Provider, &mut Records)>,
) {
    for &i in &fired.0 {
        match &timeline.injects[i].1.event {
            Event::Exfiltrate { providers: scope, share } => {
                let mut total = 0u64;
                for &p in scope {
                    let Ok((provider, mut records)) = providers.get_mut(network.providers[p as usize]) else {
                        continue;
                    };
                    let target = ((records.patients as f64) * share).round() as u64;
                    let new = target.saturating_sub(records.stolen);
                    records.stolen += new;
                    total += new;
                    let c = &mut tally.today[provider.kind.index()];
                    c.records_stolen += new;
                    if records.high_sensitivity {
                        c.records_stolen_high += new;
                    }
                }
                log.0.push(EventRow {
                    tick: clock.tick,
                    event: "records_stolen".into(),
                    target: format!("{} providers", scope.len()),
                    text: format!("{total} patient records stolen"),
                });
            }
            Event::Detect { .. } | Event::Announce { .. } if incident.awareness == Some(clock.tick) => {
                for (hours, key, text) in NOTIFICATION_DUTIES {
                    log.0.push(EventRow {
                        tick: clock.tick + hours.div_ceil(clock.tick_hours),
                        event: key.into(),
                        target: "vendor and affected providers".into(),
                        text: text.into(),
                    });
                }
            }
            _ => {}
        }
    }
}
