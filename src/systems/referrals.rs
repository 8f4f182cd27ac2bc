//! The referral network: GP → hospital referrals, GP → pharmacy prescriptions, hospital →
//! rehabilitation transfers, sent by served cases (the care pass calls `Dispatch::send` while
//! the sending service is in cache) and arriving as demand at a receiver of the right kind in
//! the sender's region after a transit time.
//!
//! With exchange up at both ends a referral takes its normal transit time. When exchange is down
//! at either end it goes the fallback way (phone or post: extra admin minutes at both ends and a
//! longer transit) if the sender's plan covers exchange, or waits until exchange is back at both
//! ends. A referral is *delayed* when it arrives later than its normal transit would have.

use bevy_ecs::prelude::*;

use crate::model::{
    CareServices, Clock, Counters, ExchangeUp, Network, PlatformStatus, Provider, Referrals, Tally, Transit,
};
use crate::systems::ONE_TABLE;
use crate::systems::cache::prefetch;
use crate::systems::demand::deadline;

/// Sending referrals during the care pass: the network, who has exchange this tick, and the
/// tick with its slot in the calendar ring.
pub(crate) struct Dispatch<'a> {
    referrals: &'a mut Referrals,
    exchange: &'a [bool],
    now: u32,
    /// `now` modulo the calendar ring's length.
    today: u32,
}

impl<'a> Dispatch<'a> {
    /// Sending at tick `now`, with exchange up where `exchange` says so.
    pub(crate) fn new(referrals: &'a mut Referrals, exchange: &'a [bool], now: u32) -> Self {
        let today = now % referrals.calendar.len() as u32;
        Dispatch { referrals, exchange, now, today }
    }

    /// Send `count` referrals of rule `rule` from `sender` to the next receiver of its region
    /// in turn. With exchange up at both ends they take the normal transit; else, when the
    /// sender's plan covers exchange, they go by phone or post (admin minutes now from the
    /// sending service's `admin_balance`, and at the receiver on arrival, and a longer
    /// transit); else they wait until exchange is back at both ends.
    // Inlined into the care pass (measured: 0.6 % fewer instructions than a call per send).
    #[inline(always)]
    pub(crate) fn send(
        &mut self,
        sender: &Provider,
        covers_exchange: bool,
        rule: u16,
        count: u32,
        admin_balance: &mut f64,
        counters: &mut Counters,
    ) {
        let Referrals { rules, calendar, stuck, .. } = &mut *self.referrals;
        let rule = &mut rules[usize::from(rule)];
        let region = usize::from(sender.region).min(rule.receivers.len() - 1);
        let receivers = &rule.receivers[region];
        if receivers.is_empty() {
            return;
        }
        // Round robin; `next` stays below the receivers' count (a compare, not a division).
        let next = rule.next[region] as usize;
        let (to, to_service) = receivers[next];
        rule.next[region] = if next + 1 == receivers.len() { 0 } else { next as u32 + 1 };
        // The round robin reads the list in order, but seldom: by the next turn of this
        // region the line has left the cache. Ask for the line eight turns ahead.
        if let Some(ahead) = receivers.get(next + 8) {
            prefetch(ahead);
        }
        counters.referrals_sent += u64::from(count);
        let mut transit = Transit {
            from: sender.index,
            to,
            to_service,
            class: rule.class,
            count,
            sender_kind: sender.kind.index() as u8,
            normal_arrival: self.now + rule.transit_ticks,
            admin_minutes: 0.0,
        };
        let ring = calendar.len() as u32;
        let after = |ticks: u32| ring_slot(self.today, ticks, ring);
        if self.exchange[sender.index as usize] && self.exchange[to as usize] {
            calendar[after(rule.transit_ticks)].push(transit);
        } else if covers_exchange {
            let admin = rule.fallback_admin_minutes;
            transit.admin_minutes = admin as f32;
            *admin_balance -= admin * f64::from(count);
            counters.referrals_fallback += u64::from(count);
            calendar[after(rule.fallback_ticks)].push(transit);
        } else {
            stuck.push(transit);
        }
    }
}

/// The calendar slot `ticks` after the slot `today` of a ring of `ring` slots. The ring is one
/// longer than the longest transit, so one subtraction wraps it instead of a division per
/// referral (tens of cycles of latency).
#[inline]
fn ring_slot(today: u32, ticks: u32, ring: u32) -> usize {
    let slot = today + ticks;
    (if slot >= ring { slot - ring } else { slot }) as usize
}

/// Release held referrals whose exchange is back, and deliver this tick's arrivals (the care
/// pass has sent this tick's referrals already).
pub fn deliver_referrals(
    clock: Res<Clock>,
    network: Res<Network>,
    status: Res<PlatformStatus>,
    exchange: Res<ExchangeUp>,
    mut referrals: ResMut<Referrals>,
    mut tally: ResMut<Tally>,
    mut providers: Query<(&Provider, &mut CareServices)>,
) {
    let now = clock.tick();
    let referrals = &mut *referrals;
    let ring = referrals.calendar.len() as u32;
    let today = now % ring;
    let after = |ticks: u32| ring_slot(today, ticks, ring);
    let up = |i: u32| exchange.0[i as usize];

    // Stuck referrals leave once exchange is back at both ends.
    if status.changed && !referrals.stuck.is_empty() {
        let mut k = 0;
        while k < referrals.stuck.len() {
            let t = referrals.stuck[k];
            if up(t.from) && up(t.to) {
                referrals.stuck.swap_remove(k);
                referrals.calendar[after(1)].push(t);
            } else {
                k += 1;
            }
        }
    }

    // Deliver what arrives now: sum the arrivals per receiving service first (touching only a
    // dense table), then queue each service's sum once. Phone-and-post admin work is charged
    // to the receiver referral by referral, in arrival order, as before.
    let slot = today as usize;
    if referrals.calendar[slot].is_empty() {
        return;
    }
    // Receivers are found by index in the providers' table (see [`ONE_TABLE`]), not looked up
    // by entity.
    let (receivers, mut services) = providers.contiguous_iter_mut().expect(ONE_TABLE).next().expect(ONE_TABLE);
    let services = services.bypass_change_detection();
    assert_eq!(receivers.len(), network.providers.len(), "{ONE_TABLE}");
    let mut arriving = std::mem::take(&mut referrals.calendar[slot]);
    for t in &arriving {
        referrals.arriving.add(t.to, t.to_service, t.class, t.count);
        if t.admin_minutes != 0.0 {
            let services = &mut services[t.to as usize];
            services.0[usize::from(t.to_service)].admin_balance -= f64::from(t.admin_minutes) * f64::from(t.count);
        }
        if now > t.normal_arrival {
            let late_hours = (now - t.normal_arrival) * clock.tick_hours;
            tally.today[usize::from(t.sender_kind)].referrals_delayed += u64::from(t.count);
            let bucket = (late_hours as usize).min(referrals.delay_histogram.len() - 1);
            referrals.delay_histogram[bucket] += u64::from(t.count);
        }
    }
    arriving.clear();
    referrals.calendar[slot] = arriving;
    let tally = &mut *tally;
    referrals.arriving.drain(|to, s, counts| {
        let receiver = &receivers[to as usize];
        debug_assert_eq!(receiver.index, to, "{ONE_TABLE}");
        let kind = receiver.kind.index();
        let service = &mut services[to as usize].0[s];
        for (class, count) in counts.into_iter().enumerate() {
            if count == 0 {
                continue;
            }
            let due = deadline(now, service.wait_ticks[class], clock.ticks_per_day);
            service.enqueue(class, due, count, 0);
            tally.services[service.slot as usize].demand[class] += u64::from(count);
            if let Some(r) = receiver.report {
                tally.reported[r as usize].demand += u64::from(count);
            }
            tally.today[kind].demand += u64::from(count);
            tally.backlog[kind] += i64::from(count);
        }
    });
}
