//! Regional spillover: urgent cases a provider could not serve in time go to a neighbouring
//! provider of the same profile in the same region that can still work; if none can, they stay
//! and count as urgent delayed.

use bevy_ecs::prelude::*;

use crate::model::{CareServices, Clock, Cohort, Diversions, Mode, Network, Provider, Tally};

pub fn divert_urgent_cases(
    clock: Res<Clock>,
    network: Res<Network>,
    mut diversions: ResMut<Diversions>,
    mut tally: ResMut<Tally>,
    mut providers: Query<(&Provider, &mut CareServices)>,
) {
    if diversions.0.is_empty() {
        return;
    }
    for d in diversions.0.drain(..) {
        let s = usize::from(d.service);
        // The least loaded neighbour whose service is not blocked.
        let mut best: Option<(u32, u32)> = None;
        for &n in &network.neighbours[d.from as usize] {
            if let Ok((_, services)) = providers.get(network.providers[n as usize]) {
                let svc = &services.0[s];
                if svc.mode != Mode::Blocked && best.is_none_or(|(_, q)| svc.queued < q) {
                    best = Some((n, svc.queued));
                }
            }
        }
        let origin = network.providers[d.from as usize];
        match best {
            Some((n, _)) => {
                let Ok((provider, mut services)) = providers.get_mut(network.providers[n as usize]) else { continue };
                let kind = provider.kind.index();
                let svc = &mut services.0[s];
                let deadline = clock.tick.saturating_add(svc.wait_ticks[0]);
                svc.enqueue(0, deadline, d.count, Cohort::TRANSFERRED);
                tally.today[kind].diverted += u64::from(d.count);
            }
            None => {
                let Ok((provider, mut services)) = providers.get_mut(origin) else { continue };
                let kind = provider.kind.index();
                let svc = &mut services.0[s];
                svc.overdue += d.count;
                svc.queued += d.count;
                tally.today[kind].urgent_delayed += u64::from(d.count);
            }
        }
    }
}
