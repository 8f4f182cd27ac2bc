//! Patients' demand for care, by route: walk-ins and ambulances (Poisson arrivals per open tick,
//! split by urgency), booked appointments released on their day (see the bookings system),
//! and referrals (see the referral system).
//!
//! Some new patients go elsewhere at once: urgent cases sent on by a decision; ambulance
//! patients while the plan's ambulance diversion is in force (the service is blocked, or in
//! fallback when the plan says so, for at most `max_days`); walk-ins who choose another
//! provider when the expected wait is longer than they accept. Shares of whole patients are
//! carried over, not drawn, so the incident run and the baseline make the same random draws.

use rand::rngs::ChaCha8Rng;

use crate::model::{CdfTable, Clock, Cohort, Continuity, Diversion, DiversionReason, Mode, Provider, Service};

/// New cases at one open provider this tick, service by service: the care pass (see
/// [`crate::systems::care`]) visits each open provider once per tick and, for each service,
/// draws its arrivals ([`Self::service`]) just before working on it, so a service's data is
/// touched once. Providers and their services are visited in the same order every tick, and
/// this draws from the arrivals stream only, so the draws do not depend on where in the tick
/// it is called; nothing the care pass does to one service is read by another's arrivals.
/// The arrivals of `provider` (with its `plan`) are drawn from `rng` off `cdf`; cases sent
/// elsewhere at once go to `diversions`.
pub(crate) struct Tick<'a> {
    pub(crate) clock: &'a Clock,
    pub(crate) rng: &'a mut ChaCha8Rng,
    pub(crate) cdf: &'a CdfTable,
    pub(crate) diversions: &'a mut Vec<Diversion>,
    pub(crate) provider: &'a Provider,
    pub(crate) plan: &'a Continuity,
}

impl Tick<'_> {
    /// New cases at `service` (number `s` of the provider), which must be open now: drawn,
    /// booked, diverted or queued, and added to `demand` (its tally by class). Returns how
    /// many arrived. The caller adds them to the provider's and kind's tallies.
    #[inline(always)]
    pub(crate) fn service(&mut self, service: &mut Service, s: usize, demand: &mut [u64; 3]) -> u64 {
        let clock = self.clock;
        let ambulances_away = ambulance_diversion(service, self.plan, clock.tick(), clock.ticks_per_day);
        let wait_too_long =
            service.choice.is_some_and(|(ticks, _)| service.queued > 0 && service.expected_wait_ticks() > ticks);
        // The classes one after another, each compiled for its own class (the class-dependent
        // checks fold away): measured, fewer instructions than a loop over them.
        let urgent = self.class::<0>(service, s, &mut demand[0], ambulances_away, wait_too_long);
        let soon = self.class::<1>(service, s, &mut demand[1], ambulances_away, wait_too_long);
        let elective = self.class::<2>(service, s, &mut demand[2], ambulances_away, wait_too_long);
        u64::from(urgent) + u64::from(soon) + u64::from(elective)
    }
    /// New cases of class `CLASS` at open service `service` (number `s` of its provider):
    /// drawn, booked, diverted or queued. Returns how many arrived.
    #[inline(always)]
    fn class<const CLASS: usize>(
        &mut self,
        service: &mut Service,
        s: usize,
        demand: &mut u64,
        ambulances_away: f64,
        wait_too_long: bool,
    ) -> u32 {
        let class = CLASS;
        let (clock, provider) = (self.clock, self.provider);
        let (now, hour, day_ticks) = (clock.tick(), clock.hour(), clock.ticks_per_day);
        let mut n = service.arrivals[class].draw_tabulated(self.rng, self.cdf);
        let mut fresh_booked = 0;
        if let Some(book) = service.book.as_deref_mut()
            && book.days[class] > 0
        {
            // Booked appointments of today, spread over the open ticks.
            let slot = book.slot(clock.day());
            let k = (hour.saturating_sub(u32::from(service.open)) / clock.tick_hours).min(service.open_ticks - 1);
            let share = |total: u32| {
                let total = u64::from(total);
                let o = u64::from(service.open_ticks);
                ((total * u64::from(k + 1)) / o - (total * u64::from(k)) / o) as u32
            };
            fresh_booked = share(book.fresh[slot][class]);
            let again = share(book.again[slot][class]);
            if again > 0 {
                let due = deadline(now, service.wait_ticks[class], day_ticks);
                service.enqueue(class, due, again, Cohort::POSTPONED);
            }
            n += fresh_booked;
        }
        // No early exit when nobody came (often, for small means): the draw's count is as
        // unpredictable as a coin, and a branch on it costs a pipeline flush; adding and
        // queueing zero cases changes nothing.
        *demand += u64::from(n);
        let mut here = n;
        // A decision sends new urgent cases straight to named providers.
        if class == 0 && now < self.plan.divert_until {
            if here > 0 {
                self.diversions.push(divert_to(provider, s, here, DiversionReason::Directed, class));
            }
            return n;
        }
        if class == 0 && ambulances_away > 0.0 {
            let k = take(&mut service.carry[0], f64::from(here) * service.ambulance_share * ambulances_away, here);
            if k > 0 {
                self.diversions.push(divert_to(provider, s, k, DiversionReason::Ambulance, class));
                here -= k;
            }
        }
        let walk_ins = here - fresh_booked.min(here);
        if wait_too_long && class < 2 && walk_ins > 0 {
            let walk_in_share = if class == 0 { 1.0 - service.ambulance_share } else { 1.0 };
            let (_, share) = service.choice.unwrap_or((0.0, 0.0));
            let k = take(&mut service.carry[1], f64::from(walk_ins) * walk_in_share * share, walk_ins);
            if k > 0 {
                self.diversions.push(divert_to(provider, s, k, DiversionReason::Choice, class));
                here -= k;
            }
        }
        let due = deadline(now, service.wait_ticks[class], day_ticks);
        service.enqueue(class, due, here, 0);
        n
    }
}

/// Share of ambulances diverted now by the plan (0 when not in force).
fn ambulance_diversion(service: &mut Service, plan: &Continuity, now: u32, day_ticks: u32) -> f64 {
    let Some(a) = plan.ambulance_diversion else { return 0.0 };
    if service.ambulance_share <= 0.0 {
        return 0.0;
    }
    let trigger = match service.mode {
        Mode::Normal => false,
        Mode::Fallback => a.in_fallback,
        Mode::Blocked => true,
    };
    if !trigger {
        service.diverting_since = None;
        return 0.0;
    }
    let since = *service.diverting_since.get_or_insert(now);
    match a.max_days {
        Some(d) if f64::from(now - since) >= d * f64::from(day_ticks) => 0.0,
        _ => a.share,
    }
}

/// Whole cases out of an expected `x` (at most `n`), the fraction carried in `carry`.
#[inline]
pub(crate) fn take(carry: &mut f64, x: f64, n: u32) -> u32 {
    *carry += x;
    let k = (*carry as u32).min(n);
    *carry -= f64::from(k);
    k
}

fn divert_to(provider: &Provider, s: usize, count: u32, reason: DiversionReason, class: usize) -> Diversion {
    Diversion { from: provider.index, service: s as u16, count, reason, class: class as u8 }
}

/// The tick by which a case that arrives now must be served. Waits of a day or more are rounded
/// up to the end of a day so that one day's cases share a cohort.
#[inline]
pub fn deadline(now: u32, wait_ticks: u32, ticks_per_day: u32) -> u32 {
    let d = now.saturating_add(wait_ticks);
    if wait_ticks < ticks_per_day {
        return d;
    }
    // Hourly ticks are the usual case: a division by the constant 24 compiles to a multiply
    // (a division by a run-time value takes ~25 cycles, and this runs per cohort).
    if ticks_per_day == 24 {
        d.div_ceil(24).saturating_mul(24)
    } else {
        d.div_ceil(ticks_per_day).saturating_mul(ticks_per_day)
    }
}
