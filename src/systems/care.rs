//! Delivering care: each service's mode, its staff capacity with sick leave and overtime, cases
//! served in urgency order at normal or fallback cost, and what happens to cases whose maximum
//! wait has passed (urgent: diverted or delayed; soon and elective: postponed and rescheduled).
//! Admin staff first work the breach's notification duties and patients' inquiries; served
//! cases send their referrals; decisions in force (surge staff, extended hours, cancelled
//! electives) change capacity and what is served.

use bevy_ecs::prelude::*;

use crate::model::{
    ADMIN, BreachWork, CLINICAL, CareServices, Clock, Cohort, Continuity, Diversion, Diversions, Function, Functions,
    Mode, OpenHours, Outgoing, Provider, Referrals, Service, Staffing, Tally,
};
use crate::systems::demand::deadline;

pub fn deliver_care(
    clock: Res<Clock>,
    mut tally: ResMut<Tally>,
    mut diversions: ResMut<Diversions>,
    mut referrals: ResMut<Referrals>,
    mut providers: Query<(
        &Provider,
        &OpenHours,
        &Functions,
        &mut Continuity,
        &mut Staffing,
        &mut CareServices,
        &mut BreachWork,
    )>,
) {
    let (now, weekday, hour) = (clock.tick, clock.weekday(), clock.hour());
    let day_ticks = clock.ticks_per_day;
    let referrals = &mut *referrals;
    for (provider, open_hours, functions, mut plan, mut staff, mut services, mut work) in &mut providers {
        if !open_hours.any_open(weekday, hour, clock.tick_hours) {
            // Closed: nothing to do but note a disruption (a calendar day counts).
            if !open_hours.needs.is_subset_of(functions.available) && !plan.disrupted_today {
                plan.disrupted_today = true;
            }
            continue;
        }
        let kind = provider.kind.index();
        let counters = &mut tally.today[kind];
        let surge = plan.surge_share(now);
        let on_duty = [1.0 - staff.sick[CLINICAL] + surge, 1.0 - staff.sick[ADMIN] + surge];
        let electives = now >= plan.electives_cancelled_until;
        let mut breach_pending = work.pending();
        let mut served_total = 0u64;
        let mut disrupted = false;
        for (s, service) in services.0.iter_mut().enumerate() {
            set_mode(service, functions, &plan, now);
            disrupted |= service.mode != Mode::Normal;
            let open = service.is_open(weekday, hour);
            if !open && !service.is_extended(weekday, hour, now) {
                continue;
            }
            let (cap_c, cap_a) = (service.clinical_capacity, service.admin_capacity);
            // Regular staff in opening hours; in extended hours every minute is overtime.
            let (c0, a0) = if open {
                staff.contracted_today[CLINICAL] += cap_c;
                staff.contracted_today[ADMIN] += cap_a;
                counters.clinical_capacity_minutes += cap_c;
                if surge > 0.0 {
                    let hours = (cap_c + cap_a) * surge / 60.0;
                    counters.surge_hours += hours;
                    counters.surge_cost += hours * plan.surge.map_or(0.0, |g| g.cost_per_hour);
                }
                (cap_c * on_duty[CLINICAL], cap_a * on_duty[ADMIN])
            } else {
                (0.0, 0.0)
            };
            service.clinical_balance += c0;
            service.admin_balance += a0;
            if breach_pending {
                let limit = work.inquiry_share_cap * a0;
                let used = work.answer(&mut service.admin_balance, limit, now);
                counters.breach_admin_minutes += used;
                breach_pending = work.pending();
            }
            let blocked = service.mode == Mode::Blocked;
            let (factor, extra_admin) = service.cost;
            let clinical_cost = service.clinical_minutes * factor;
            let admin_cost = service.admin_minutes + extra_admin;
            let mut served = if blocked { 0 } else { serve_all(service, clinical_cost, admin_cost, electives) };
            let pressing = service.overdue > 0 || !service.queues[0].is_empty();
            let overtime = if !open {
                (cap_c * on_duty[CLINICAL], cap_a * on_duty[ADMIN])
            } else if plan.overtime_cap > 0.0
                && ((!blocked && service.queued > 0 && (service.mode == Mode::Fallback || pressing)) || breach_pending)
            {
                (cap_c * plan.overtime_cap, cap_a * plan.overtime_cap)
            } else {
                (0.0, 0.0)
            };
            if overtime.0 + overtime.1 > 0.0 {
                service.clinical_balance += overtime.0;
                service.admin_balance += overtime.1;
                if breach_pending {
                    let limit = work.inquiry_share_cap * overtime.1;
                    counters.breach_admin_minutes += work.answer(&mut service.admin_balance, limit, now);
                }
                if !blocked {
                    served += serve_all(service, clinical_cost, admin_cost, electives);
                }
            }
            // Time left over is idle time, lost; a negative balance is a case still in progress.
            let idle_c = service.clinical_balance.max(0.0);
            let idle_a = service.admin_balance.max(0.0);
            service.clinical_balance -= idle_c;
            service.admin_balance -= idle_a;
            let ot = [(overtime.0 - idle_c).max(0.0), (overtime.1 - idle_a).max(0.0)];
            staff.overtime_today[CLINICAL] += ot[0];
            staff.overtime_today[ADMIN] += ot[1];
            counters.overtime_minutes += ot[0] + ot[1];
            counters.clinical_used_minutes += c0 + overtime.0 - idle_c;
            counters.admin_used_minutes += a0 + overtime.1 - idle_a;
            counters.served += served;
            if service.mode == Mode::Fallback {
                counters.served_fallback += served;
            }
            served_total += served;
            if served > 0 && !service.referrals.is_empty() {
                let covers = plan.covers.contains(Function::Exchange);
                refer(service, s as u16, provider, covers, served, referrals);
            }
            if open {
                expire(service, s as u16, provider.index, now, day_ticks, counters, &mut diversions.0);
            }
        }
        tally.backlog[kind] -= served_total as i64;
        if disrupted {
            plan.disrupted_today = true;
            if plan.surge_called.is_none() && plan.surge.is_some_and(|g| g.automatic) {
                plan.surge_called = Some(now);
            }
        }
    }
}

/// Send referrals for `served` cases: each rule's expected count, with the fraction carried over.
fn refer(
    service: &mut Service,
    s: u16,
    provider: &Provider,
    covers_exchange: bool,
    served: u64,
    referrals: &mut Referrals,
) {
    for (rule, per_case, carry) in service.referrals.iter_mut() {
        *carry += served as f64 * *per_case;
        let count = *carry as u32; // carry is never negative: truncation is the floor
        if count >= 1 {
            *carry -= f64::from(count);
            referrals.outbox.push(Outgoing {
                from: provider.index,
                service: s,
                rule: *rule,
                count,
                sender_kind: provider.kind.index() as u8,
                region: provider.region,
                covers_exchange,
            });
        }
    }
}

/// Normal when every needed function is up; fallback when the plan covers every missing one and
/// has had time to activate; blocked otherwise.
fn set_mode(service: &mut Service, functions: &Functions, plan: &Continuity, now: u32) {
    let missing = service.needs.minus(functions.available);
    if missing.is_empty() {
        service.mode = Mode::Normal;
        service.cost = (1.0, 0.0);
        return;
    }
    let activated =
        missing.iter().all(|f| now.saturating_sub(functions.down_since[f.index()]) >= plan.activation_ticks);
    if missing.is_subset_of(plan.covers) && activated {
        service.mode = Mode::Fallback;
        service.cost = plan.cost_without(missing);
    } else {
        service.mode = Mode::Blocked;
    }
}

/// Serve overdue urgent cases, then urgent, soon and elective ones, while staff time remains.
fn serve_all(service: &mut Service, clinical_cost: f64, admin_cost: f64, electives: bool) -> u64 {
    let mut served = 0u64;
    let n = serve(
        &mut service.overdue,
        &mut service.clinical_balance,
        &mut service.admin_balance,
        clinical_cost,
        admin_cost,
    );
    served += u64::from(n);
    let classes = if electives { 3 } else { 2 };
    for class in 0..classes {
        let Service { queues, clinical_balance, admin_balance, .. } = service;
        let queue = &mut queues[class];
        while let Some(front) = queue.front_mut() {
            let n = serve(&mut front.count, clinical_balance, admin_balance, clinical_cost, admin_cost);
            served += u64::from(n);
            if front.count == 0 {
                queue.pop_front();
            } else {
                break;
            }
        }
    }
    service.queued -= served as u32;
    served
}

/// Serve as many of `count` cases as the balances allow; a started case may overdraw them.
#[inline]
fn serve(count: &mut u32, clinical: &mut f64, admin: &mut f64, clinical_cost: f64, admin_cost: f64) -> u32 {
    if *count == 0 || *clinical <= 0.0 || (admin_cost > 0.0 && *admin <= 0.0) {
        return 0;
    }
    let mut n = ceil_u32(*clinical / clinical_cost);
    if admin_cost > 0.0 {
        n = n.min(ceil_u32(*admin / admin_cost));
    }
    let n = n.min(*count);
    *count -= n;
    *clinical -= f64::from(n) * clinical_cost;
    *admin -= f64::from(n) * admin_cost;
    n
}

/// Ceiling of a positive quotient as an integer, without a libm call (saturates at u32::MAX).
#[inline]
fn ceil_u32(q: f64) -> u32 {
    let n = q as u32;
    if f64::from(n) < q { n.saturating_add(1) } else { n }
}

/// Handle cases past their deadline: urgent ones are diverted (or, if they were diverted here
/// already, delayed); soon and elective ones are postponed and rescheduled.
fn expire(
    service: &mut Service,
    s: u16,
    provider: u32,
    now: u32,
    day_ticks: u32,
    counters: &mut crate::model::Counters,
    diversions: &mut Vec<Diversion>,
) {
    while let Some(front) = service.queues[0].front() {
        if front.deadline > now {
            break;
        }
        let c = *front;
        service.queues[0].pop_front();
        if c.flags & Cohort::TRANSFERRED != 0 {
            service.overdue += c.count;
            counters.urgent_delayed += u64::from(c.count);
        } else {
            service.queued -= c.count;
            diversions.push(Diversion { from: provider, service: s, count: c.count, directed: false });
        }
    }
    for class in 1..3 {
        let wait = service.wait_ticks[class];
        while let Some(front) = service.queues[class].front() {
            if front.deadline > now {
                break;
            }
            let c = *front;
            service.queues[class].pop_front();
            service.queued -= c.count;
            if c.flags & Cohort::POSTPONED == 0 {
                counters.postponed += u64::from(c.count);
            }
            service.enqueue(class, deadline(now, wait, day_ticks), c.count, c.flags | Cohort::POSTPONED);
        }
    }
}
