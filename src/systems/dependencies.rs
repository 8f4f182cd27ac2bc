//! Dependencies between services: a share of a service's cases needs a test or product from a
//! supplier's service (a pathology lab, imaging, a pharmacy), so the supplier's throughput
//! limits them. When the supplier is short, other suppliers of its kind can take part of its
//! work under mutual aid, after a lead time (rerouting samples, transport).
//!
//! Per dependent service and tick, with `c` the supplier's throughput share (its mode's share
//! times its service capacity, as of the previous tick), `a` the mutual-aid share and `d` the
//! dependent share:
//!
//! ```text
//! supply = (1 − d) + d × min(1, c + a)     (a only once the supplier has been short for the lead time,
//!                                            and only if another supplier of the kind exists)
//! ```
//!
//! Dependents multiply their throughput ceiling by `supply` (see the care system). Volumes are
//! not routed test by test: the coupling is through capacity, one tick behind the supplier.

use bevy_ecs::prelude::*;

use crate::model::{CareServices, Clock, Dependencies};

pub fn propagate_supply(clock: Res<Clock>, mut deps: ResMut<Dependencies>, mut services: Query<&mut CareServices>) {
    if deps.links.is_empty() {
        return;
    }
    let now = clock.tick();
    let mut any_short = false;
    for sup in deps.suppliers.iter_mut() {
        let Ok(s) = services.get(sup.entity) else { continue };
        let svc = &s.0[usize::from(sup.service)];
        sup.cap = (svc.mode_cap * svc.capacity).clamp(0.0, 1.0);
        if sup.cap < 1.0 {
            any_short = true;
            sup.short_since.get_or_insert(now);
        } else {
            sup.short_since = None;
        }
    }
    // Nothing short now or last tick: every dependent's supply is already 1 (and, from the second
    // such tick, was 1 the tick before, so there is nothing at all to do).
    let quiet = !any_short && !deps.any_short;
    if quiet && !deps.changed_last_tick {
        return;
    }
    // The previous tick's supply, for new patients judging the wait (the demand step).
    for link in deps.links.iter() {
        if let Ok(mut s) = services.get_mut(link.dependent) {
            let svc = &mut s.0[usize::from(link.service)];
            svc.supply_before = svc.supply;
        }
    }
    deps.changed_last_tick = !quiet;
    if quiet {
        return;
    }
    let Dependencies { suppliers, links, .. } = &mut *deps;
    for link in links.iter() {
        if let Ok(mut s) = services.get_mut(link.dependent) {
            s.0[usize::from(link.service)].supply = 1.0;
        }
    }
    for link in links.iter() {
        let sup = &suppliers[link.supplier as usize];
        let aid = match sup.short_since {
            Some(since) if sup.has_alternative && now - since >= link.aid_lead_ticks => link.mutual_aid,
            _ => 0.0,
        };
        let factor = (1.0 - link.share) + link.share * (sup.cap + aid).min(1.0);
        if let Ok(mut s) = services.get_mut(link.dependent) {
            s.0[usize::from(link.service)].supply *= factor;
        }
    }
    deps.any_short = any_short;
}
