//! Appointments booked ahead, and the continuity plan's precautionary cancellation.
//!
//! At the first tick of each day, for every service that books:
//!
//! 1. **Booking**: the appointments of the day that now enters each class's booking horizon
//!    are drawn (Poisson on the class's daily demand, on open days) and written in the book.
//!    They arrive on their day (the demand system releases them over its open hours).
//! 2. **Review** (as soon as a disruption starts, then at the start of each day): if the plan
//!    has a cancellation policy and the service is in fallback (or blocked, if the policy says
//!    so), and the outage is expected to last at least the policy's minimum (an outage whose
//!    length is not announced counts as long), a share of the booked appointments in the next
//!    `ahead_days` not reviewed before is cancelled (from tomorrow's when the review is
//!    mid-day: today's lists are running). Cancelled patients
//!    are counted in demand at once (their care is now owed), and wait to be booked again
//!    `rebook_after_days` later. Once the service is back to normal no new cancellations are
//!    made, so cancellations are front-loaded and taper as services return.
//! 3. **Re-booking**: cancelled patients whose re-booking day has come get an appointment that
//!    day (on an open day), as postponed cases.
//!
//! Shares of whole appointments are carried over between days rather than drawn, so that the
//! incident run and the baseline make exactly the same random draws (common random numbers).

use bevy_ecs::prelude::*;

use crate::model::{
    CancellationPlans, CareServices, Clock, Continuity, Functions, Mode, OpenHours, PlatformStatus, Provider, Service,
    Source, Streams, Tally,
};

pub fn book_and_review(
    clock: Res<Clock>,
    plans: Res<CancellationPlans>,
    status: Res<PlatformStatus>,
    mut streams: ResMut<Streams>,
    mut tally: ResMut<Tally>,
    mut providers: Query<(&Provider, &Functions, &Continuity, &OpenHours, &mut CareServices)>,
) {
    let start_of_day = clock.tick().is_multiple_of(clock.ticks_per_day);
    if !start_of_day && !plans.0 {
        return;
    }
    let (now, day) = (clock.tick(), clock.day());
    let rng = &mut streams.arrivals;
    let tally = &mut *tally;
    for (provider, functions, plan, open_hours, mut services) in &mut providers {
        // Reviews happen as soon as a disruption starts, and again each day; nothing to do for
        // a provider with every function up outside the start of a day.
        if !start_of_day {
            if plan.cancellation.is_none() || open_hours.needs.is_subset_of(functions.available) {
                continue;
            }
        } else {
            book_day(&mut services, day, clock.start_weekday, rng);
        }
        // 2. Review for precautionary cancellation.
        let Some(policy) = plan.cancellation else { continue };
        // Mid-day, today's lists are running: the review starts with tomorrow's.
        let first_day = if start_of_day { day } else { day + 1 };
        for service in services.0.iter_mut() {
            if service.book.is_none() {
                continue;
            }
            service.set_mode(functions, plan, now);
            let triggered = match service.mode {
                Mode::Normal => false,
                Mode::Fallback => true,
                Mode::Blocked => policy.when_blocked,
            };
            if !triggered || expected_outage_days(service, functions, &status, &clock) < policy.min_expected_outage_days
            {
                continue;
            }
            // Default: what the paper protocol cannot do (even while it is still being set up).
            let missing = service.needs.minus(functions.available);
            let ceiling = service.fallback_throughput.unwrap_or_else(|| plan.throughput_without(missing));
            let share = policy.share.unwrap_or(1.0 - ceiling.min(1.0)).clamp(0.0, 1.0);
            cancel(service, provider, day, first_day, &policy, share, tally);
        }
    }
}

/// Book the day entering each class's horizon (step 1), and re-book cancelled patients whose
/// day has come (step 3).
fn book_day(services: &mut CareServices, day: u32, start_weekday: u32, rng: &mut rand::rngs::ChaCha8Rng) {
    for service in services.0.iter_mut() {
        let Some(book) = service.book.as_deref_mut() else { continue };
        // 1. Booking the day entering the horizon.
        for class in 1..3 {
            let h = book.days[class];
            if h == 0 {
                continue;
            }
            let target = day + h;
            let slot = book.slot(target);
            book.fresh[slot][class] = 0;
            book.again[slot][class] = 0;
            if open_on(service.weekdays_only, start_weekday, target) {
                let n = book.daily[class].draw(rng);
                book.fresh[slot][class] = n;
            }
        }
        // 3. Re-booking cancelled patients whose day has come (on an open day).
        if open_on(service.weekdays_only, start_weekday, day) {
            let slot = book.slot(day);
            while let Some(&(d, class, n)) = book.rebook.front() {
                if d > day {
                    break;
                }
                book.rebook.pop_front();
                book.again[slot][usize::from(class)] += n;
            }
        }
    }
}

/// Cancel `share` of the booked appointments in the review window not reviewed before.
fn cancel(
    service: &mut Service,
    provider: &Provider,
    day: u32,
    first_day: u32,
    policy: &crate::scenario::CancellationSpec,
    share: f64,
    tally: &mut Tally,
) {
    let slot_index = service.slot as usize;
    let Some(book) = service.book.as_deref_mut() else { return };
    let rebook_day = day + policy.rebook_after_days.round() as u32;
    let kind = provider.kind.index();
    let mut fresh_total = 0u64;
    for class in 0..3 {
        if !policy.classes[class] || book.days[class] == 0 {
            continue;
        }
        // Today's appointments were reviewed yesterday at the latest; the window is today
        // onwards, within the booking horizon (later days are not booked yet).
        let first = book.reviewed[class].map_or(first_day, |r| (r + 1).max(first_day));
        let last = day + policy.ahead_days.min(book.days[class]).saturating_sub(1);
        let (mut cancelled_class, mut fresh_class) = (0u64, 0u64);
        for d in first..=last {
            let slot = book.slot(d);
            let (fresh, again) = (book.fresh[slot][class], book.again[slot][class]);
            book.carry += f64::from(fresh + again) * share;
            let k = (book.carry as u32).min(fresh + again);
            book.carry -= f64::from(k);
            if k == 0 {
                continue;
            }
            let from_fresh = k.min(fresh);
            book.fresh[slot][class] -= from_fresh;
            book.again[slot][class] -= k - from_fresh;
            fresh_class += u64::from(from_fresh);
            cancelled_class += u64::from(k);
            book.rebook.push_back((rebook_day, class as u8, k));
        }
        if last >= first {
            book.reviewed[class] = Some(last);
        }
        fresh_total += fresh_class;
        if cancelled_class > 0 {
            let s = &mut tally.services[slot_index];
            s.cancelled[class] += cancelled_class;
            s.demand[class] += fresh_class;
            tally.today[kind].cancelled += cancelled_class;
            if let Some(r) = provider.report {
                tally.reported[r as usize].cancelled += cancelled_class;
            }
        }
    }
    if fresh_total > 0 {
        // Cancelled new appointments are demand now: the patients are owed care.
        tally.today[kind].demand += fresh_total;
        tally.backlog[kind] += fresh_total as i64;
        if let Some(r) = provider.report {
            tally.reported[r as usize].demand += fresh_total;
        }
    }
}

/// Whether a service open on weekdays only (or all week) is open on `day`.
fn open_on(weekdays_only: bool, start_weekday: u32, day: u32) -> bool {
    !weekdays_only || (start_weekday + day) % 7 < 5
}

/// Days the outage of the service's missing functions is expected to last, as announced at the
/// disconnects (infinite when any was not announced).
fn expected_outage_days(service: &Service, functions: &Functions, status: &PlatformStatus, clock: &Clock) -> f64 {
    let missing = service.needs.minus(functions.available);
    let mut longest = 0.0f64;
    for f in missing.iter() {
        let Source::Platform(p) = functions.sources[f.index()] else { continue };
        match status.expected_up[usize::from(p)] {
            Some(t) => {
                longest = longest.max(f64::from(t.saturating_sub(clock.tick())) / f64::from(clock.ticks_per_day))
            }
            None => return f64::INFINITY,
        }
    }
    if missing.is_empty() { f64::INFINITY } else { longest }
}
