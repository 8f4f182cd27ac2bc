//! Regional spillover: urgent cases a provider could not serve within their maximum wait go to
//! a neighbouring provider of the same profile (its region first, then the next region) that can
//! still work, the least loaded first; if none can, they stay and count as urgent delayed. A
//! decision can instead divert new urgent cases to named providers.

use bevy_ecs::prelude::*;

use crate::model::{BreachWork, CareServices, Clock, Cohort, Continuity, Diversions, Mode, Network, Provider, Tally};
use crate::sim::Roster;

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
    for d in diversions.0.drain(..) {
        let s = usize::from(d.service);
        let origin = network.providers[d.from as usize];
        let Ok((origin_provider, plan, _, _)) = providers.get(origin) else { continue };
        let origin_kind = origin_provider.kind.index();
        let service_name = &scenario.profiles[scenario.providers[d.from as usize].profile].services[s].name;
        let candidates: &[u32] = if d.directed { &plan.divert_to } else { &network.neighbours[d.from as usize] };
        // The least loaded candidate whose matching service is not blocked.
        let mut best: Option<(u32, usize, u32)> = None;
        for &n in candidates {
            let spec = &scenario.providers[n as usize];
            let Some(t) = scenario.profiles[spec.profile].services.iter().position(|x| &x.name == service_name) else {
                continue;
            };
            if let Ok((_, _, services, _)) = providers.get(network.providers[n as usize]) {
                let svc = &services.0[t];
                if svc.mode != Mode::Blocked && best.is_none_or(|(_, _, q)| svc.queued < q) {
                    best = Some((n, t, svc.queued));
                }
            }
        }
        match best {
            Some((n, t, _)) => {
                let Ok((provider, _, mut services, mut work)) = providers.get_mut(network.providers[n as usize]) else {
                    continue;
                };
                let kind = provider.kind.index();
                let svc = &mut services.0[t];
                let deadline = clock.tick.saturating_add(svc.wait_ticks[0]);
                svc.enqueue(0, deadline, d.count, Cohort::TRANSFERRED);
                work.diverted_in += u64::from(d.count);
                tally.today[origin_kind].diverted += u64::from(d.count);
                tally.backlog[origin_kind] -= i64::from(d.count);
                tally.backlog[kind] += i64::from(d.count);
            }
            None => {
                let Ok((_, _, mut services, _)) = providers.get_mut(origin) else { continue };
                let svc = &mut services.0[s];
                svc.overdue += d.count;
                svc.queued += d.count;
                tally.today[origin_kind].urgent_delayed += u64::from(d.count);
            }
        }
    }
}
