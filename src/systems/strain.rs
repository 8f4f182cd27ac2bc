//! Staff strain, once a day: overtime accrues fatigue, fatigue raises the chance of falling
//! sick, rest lowers it; and the check whether a provider's emergency protocol can still be
//! staffed.
//!
//! Per provider and role (clinical, admin), with `o` the day's overtime hours per full-time
//! shift equivalent (8 h) of that role:
//!
//! ```text
//! fatigue'   = fatigue * FATIGUE_RETAINED + o
//! p_sick     = p0 * exp(FATIGUE_SICK_EFFECT * fatigue),   p0 = s0 * RECOVERY / (1 - s0)
//! sick'      = sick + p_sick * (1 - sick) - RECOVERY * sick
//! ```
//!
//! so that in normal times the sick share stays at its base `s0`. The protocol is exhausted on
//! the first day a disrupted provider's staff on duty, with its full overtime allowance, has
//! fewer minutes than its expected daily workload at the current (fallback) cost (electives left
//! out while a decision has cancelled them; surge staff counted once they have arrived).

use bevy_ecs::prelude::*;

use crate::model::{ADMIN, CLINICAL, CareServices, Clock, Continuity, Mode, Staffing};

/// Share of yesterday's fatigue still felt today. Assumption: a half-life of about a week.
pub const FATIGUE_RETAINED: f64 = 0.9;
/// Relative rise of the daily chance of falling sick per hour of accumulated fatigue.
/// Assumption: 16 h of fatigue (a steady 20% overtime) multiplies it by about five.
pub const FATIGUE_SICK_EFFECT: f64 = 0.1;
/// Daily chance that a sick staff member returns. Assumption: spells of a week on average.
pub const RECOVERY: f64 = 1.0 / 7.0;

pub fn update_staff_strain(clock: Res<Clock>, mut providers: Query<(&mut Staffing, &mut Continuity, &CareServices)>) {
    if !clock.is_last_tick_of_day() {
        return;
    }
    let day = clock.day();
    let weekday = clock.weekday();
    for (mut staff, mut plan, services) in &mut providers {
        let s0 = staff.base_sick_share;
        let p0 = s0 * RECOVERY / (1.0 - s0);
        for role in [CLINICAL, ADMIN] {
            let shifts = staff.contracted_today[role] / (8.0 * 60.0);
            let overtime_hours = if shifts > 0.0 { staff.overtime_today[role] / 60.0 / shifts } else { 0.0 };
            staff.fatigue[role] = staff.fatigue[role] * FATIGUE_RETAINED + overtime_hours;
            // Without fatigue (no overtime yet, most providers on most days) the factor is
            // exp(0) = 1 exactly: skip the call, same value to the bit.
            let fatigue = staff.fatigue[role];
            let p = if fatigue == 0.0 { p0 } else { p0 * (FATIGUE_SICK_EFFECT * fatigue).exp() }.min(1.0);
            let s = staff.sick[role];
            staff.sick[role] = (s + p * (1.0 - s) - RECOVERY * s).clamp(0.0, 0.95);
            staff.contracted_today[role] = 0.0;
            staff.overtime_today[role] = 0.0;
        }
        if plan.disrupted_today {
            plan.disrupted_days += 1;
            if plan.exhausted_day.is_none() && !protocol_holds(&staff, &plan, services, weekday, clock.tick()) {
                plan.exhausted_day = Some(day);
            }
        } else {
            // A full day without disruption: any surge staff go home.
            plan.surge_called = None;
        }
        plan.disrupted_today = false;
    }
}

/// Whether staff on duty, with overtime, cover a day's expected work at current costs.
fn protocol_holds(staff: &Staffing, plan: &Continuity, services: &CareServices, weekday: u32, now: u32) -> bool {
    let surge = plan.surge_share(now);
    let on_duty = |role: usize| (1.0 - staff.sick[role]) * (1.0 + plan.overtime_cap) + surge;
    // Cancelled electives are not part of the protocol's workload while cancelled.
    let electives = if now < plan.electives_cancelled_until { 0.0 } else { 1.0 };
    let (mut need_c, mut have_c, mut need_a, mut have_a) = (0.0, 0.0, 0.0, 0.0);
    for s in &services.0 {
        if s.weekdays_only && weekday >= 5 || s.mode == Mode::Blocked {
            continue;
        }
        let open_ticks = f64::from(s.open_ticks);
        let cases = s.daily_demand * (1.0 - (1.0 - electives) * s.elective_share);
        need_c += cases * s.clinical_minutes * s.cost.0;
        need_a += cases * (s.admin_minutes + s.cost.1);
        have_c += s.clinical_capacity * open_ticks * on_duty(CLINICAL);
        have_a += s.admin_capacity * open_ticks * on_duty(ADMIN);
    }
    need_c <= have_c && need_a <= have_a
}
