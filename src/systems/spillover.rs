//! Where patients go when they cannot be cared for where they are: urgent cases past their
//! maximum wait go to the least loaded neighbour (same profile: its region first, then the next
//! region; or the nearest, when providers have locations) that can still work; ambulance
//! patients under the plan's ambulance diversion and walk-ins who choose another provider go to
//! the nearest neighbour that is working and not diverting itself. If none can take them,
//! overdue urgent cases stay and count as urgent delayed, and new patients stay where they
//! came. A decision can instead divert new urgent cases to named providers.

use bevy_ecs::prelude::*;

use crate::model::{
    BreachWork, CareServices, Clock, Cohort, Continuity, DiversionReason, Diversions, Mode, Network, Provider, Tally,
};
use crate::sim::Roster;
use crate::systems::demand::deadline;

pub fn divert_urgent_cases(
    clock: Res<Clock>,
    network: Res<Network>,
    roster: Res<Roster>,
    mut diversions: ResMut<Diversions>,
    mut tally: ResMut<Tally>,
    mut providers: Query<(&Provider, &Continuity, &mut CareServices, &mut BreachWork)>,
) {
    if diversions.0.is_empty() {
        return;
    }
    let scenario = &roster.0;
    let tally = &mut *tally;
    for d in diversions.0.drain(..) {
        let s = usize::from(d.service);
        let class = usize::from(d.class);
        let origin = network.providers[d.from as usize];
        let Ok((origin_provider, plan, origin_services, _)) = providers.get(origin) else { continue };
        let origin_kind = origin_provider.kind.index();
        let origin_report = origin_provider.report;
        let origin_slot = origin_services.0[s].slot as usize;
        let service_name = &scenario.profiles[scenario.providers[d.from as usize].profile].services[s].name;
        let directed = d.reason == DiversionReason::Directed;
        let candidates: &[u32] = if directed { &plan.divert_to } else { &network.neighbours[d.from as usize] };
        let nearest_first = matches!(d.reason, DiversionReason::Ambulance | DiversionReason::Choice);
        // The least loaded (or, for new patients, the nearest) candidate whose matching service works.
        let mut best: Option<(u32, usize, u32)> = None;
        for &n in candidates {
            let spec = &scenario.providers[n as usize];
            let Some(t) = scenario.profiles[spec.profile].services.iter().position(|x| &x.name == service_name) else {
                continue;
            };
            if let Ok((_, _, services, _)) = providers.get(network.providers[n as usize]) {
                let svc = &services.0[t];
                let works = svc.mode != Mode::Blocked && (!nearest_first || svc.diverting_since.is_none());
                if works && best.is_none_or(|(_, _, q)| svc.queued < q) {
                    best = Some((n, t, svc.queued));
                    if nearest_first {
                        break;
                    }
                }
            }
        }
        let count = u64::from(d.count);
        match best {
            Some((n, t, _)) => {
                let Ok((provider, _, mut services, mut work)) = providers.get_mut(network.providers[n as usize]) else {
                    continue;
                };
                let kind = provider.kind.index();
                let svc = &mut services.0[t];
                let due = if class == 0 {
                    clock.tick().saturating_add(svc.wait_ticks[0])
                } else {
                    deadline(clock.tick(), svc.wait_ticks[class], clock.ticks_per_day)
                };
                svc.enqueue(class, due, d.count, Cohort::TRANSFERRED);
                work.diverted_in += count;
                if let Some(r) = provider.report {
                    tally.reported[r as usize].diverted_in += count;
                }
                let c = &mut tally.today[origin_kind];
                if d.reason == DiversionReason::Choice {
                    c.went_elsewhere += count;
                    tally.services[origin_slot].went_elsewhere += count;
                } else {
                    c.diverted += count;
                    tally.services[origin_slot].diverted += count;
                    if d.reason == DiversionReason::Ambulance {
                        c.ambulances_diverted += count;
                    }
                    if let Some(r) = origin_report {
                        tally.reported[r as usize].diverted += count;
                    }
                }
                tally.backlog[origin_kind] -= count as i64;
                tally.backlog[kind] += count as i64;
            }
            None => {
                let Ok((_, _, mut services, _)) = providers.get_mut(origin) else { continue };
                let svc = &mut services.0[s];
                match d.reason {
                    DiversionReason::Overdue | DiversionReason::Directed => {
                        svc.overdue += d.count;
                        svc.queued += d.count;
                        tally.today[origin_kind].urgent_delayed += count;
                    }
                    // Nobody nearby can take them: they are cared for where they came.
                    DiversionReason::Ambulance | DiversionReason::Choice => {
                        let due = deadline(clock.tick(), svc.wait_ticks[class], clock.ticks_per_day);
                        svc.enqueue(class, due, d.count, 0);
                    }
                }
            }
        }
    }
}
