//! Patients' demand for care: Poisson arrivals per open tick, split by urgency.

use bevy_ecs::prelude::*;

use crate::model::{CareServices, Clock, Continuity, Diversion, Diversions, OpenHours, Provider, Streams, Tally};

pub fn draw_arrivals(
    clock: Res<Clock>,
    mut streams: ResMut<Streams>,
    mut tally: ResMut<Tally>,
    mut diversions: ResMut<Diversions>,
    mut providers: Query<(&Provider, &OpenHours, &Continuity, &mut CareServices)>,
) {
    let (now, weekday, hour) = (clock.tick, clock.weekday(), clock.hour());
    let day_ticks = clock.ticks_per_day;
    let rng = &mut streams.arrivals;
    for (provider, open, plan, mut services) in &mut providers {
        if !open.any_open(weekday, hour, clock.tick_hours) {
            continue;
        }
        let kind = provider.kind.index();
        let mut arrived = 0u64;
        let divert = now < plan.divert_until;
        for (s, service) in services.0.iter_mut().enumerate() {
            if !service.is_open(weekday, hour) {
                continue;
            }
            for class in 0..3 {
                let n = service.arrivals[class].draw(rng);
                if n > 0 && class == 0 && divert {
                    // A decision sends new urgent cases straight to named providers.
                    arrived += u64::from(n);
                    diversions.0.push(Diversion { from: provider.index, service: s as u16, count: n, directed: true });
                } else if n > 0 {
                    let deadline = deadline(now, service.wait_ticks[class], day_ticks);
                    service.enqueue(class, deadline, n, 0);
                    arrived += u64::from(n);
                }
            }
        }
        if arrived > 0 {
            tally.today[kind].demand += arrived;
            tally.backlog[kind] += arrived as i64;
        }
    }
}

/// The tick by which a case that arrives now must be served. Waits of a day or more are rounded
/// up to the end of a day so that one day's cases share a cohort.
pub fn deadline(now: u32, wait_ticks: u32, ticks_per_day: u32) -> u32 {
    let d = now.saturating_add(wait_ticks);
    if wait_ticks >= ticks_per_day { d.div_ceil(ticks_per_day).saturating_mul(ticks_per_day) } else { d }
}
