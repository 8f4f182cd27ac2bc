//! The referral network: GP → hospital referrals, GP → pharmacy prescriptions, hospital →
//! rehabilitation transfers, sent by served cases (see the care system) and arriving as demand
//! at a receiver of the right kind in the sender's region after a transit time.
//!
//! With exchange up at both ends a referral takes its normal transit time. When exchange is down
//! at either end it goes the fallback way (phone or post: extra admin minutes at both ends and a
//! longer transit) if the sender's plan covers exchange, or waits until exchange is back at both
//! ends. A referral is *delayed* when it arrives later than its normal transit would have.

use bevy_ecs::prelude::*;

use crate::model::{CareServices, Clock, ExchangeUp, Network, PlatformStatus, Provider, Referrals, Tally, Transit};
use crate::systems::demand::deadline;

pub fn route_referrals(
    clock: Res<Clock>,
    network: Res<Network>,
    status: Res<PlatformStatus>,
    exchange: Res<ExchangeUp>,
    mut referrals: ResMut<Referrals>,
    mut tally: ResMut<Tally>,
    mut providers: Query<(&Provider, &mut CareServices)>,
) {
    let now = clock.tick;
    let referrals = &mut *referrals;
    let ring = referrals.calendar.len() as u32;
    // The calendar slot `ticks` from now. The ring is one longer than the longest transit, so
    // one subtraction wraps it instead of a division per referral (tens of cycles of latency;
    // the same slot, so the same outputs).
    let today = now % ring;
    let after = |ticks: u32| -> usize {
        let slot = today + ticks;
        (if slot >= ring { slot - ring } else { slot }) as usize
    };
    let up = |i: u32| exchange.0[i as usize];

    // Send this tick's referrals.
    for out in referrals.outbox.drain(..) {
        let rule = &mut referrals.rules[usize::from(out.rule)];
        let region = usize::from(out.region).min(rule.receivers.len() - 1);
        let receivers = &rule.receivers[region];
        if receivers.is_empty() {
            continue;
        }
        // Round robin; `next` stays below the receivers' count (a compare, not a division).
        let next = rule.next[region] as usize;
        let (to, to_service) = receivers[next];
        rule.next[region] = if next + 1 == receivers.len() { 0 } else { next as u32 + 1 };
        let sender_kind = usize::from(out.sender_kind);
        tally.today[sender_kind].referrals_sent += u64::from(out.count);
        let mut transit = Transit {
            from: out.from,
            to,
            to_service,
            class: rule.class,
            count: out.count,
            sender_kind: out.sender_kind,
            normal_arrival: now + rule.transit_ticks,
            admin_minutes: 0.0,
        };
        if up(out.from) && up(to) {
            referrals.calendar[after(rule.transit_ticks)].push(transit);
        } else if out.covers_exchange {
            // Phone or post: admin work now at the sender, at arrival at the receiver.
            let admin = rule.fallback_admin_minutes;
            transit.admin_minutes = admin as f32;
            if let Ok((_, mut services)) = providers.get_mut(network.providers[out.from as usize]) {
                services.0[usize::from(out.service)].admin_balance -= admin * f64::from(out.count);
            }
            tally.today[sender_kind].referrals_fallback += u64::from(out.count);
            referrals.calendar[after(rule.fallback_ticks)].push(transit);
        } else {
            referrals.stuck.push(transit);
        }
    }

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
    let arriving = std::mem::take(&mut referrals.calendar[slot]);
    for t in &arriving {
        referrals.arriving.add(t.to, t.to_service, t.class, t.count);
        if t.admin_minutes != 0.0
            && let Ok((_, mut services)) = providers.get_mut(network.providers[t.to as usize])
        {
            services.0[usize::from(t.to_service)].admin_balance -= f64::from(t.admin_minutes) * f64::from(t.count);
        }
        if now > t.normal_arrival {
            let late_hours = (now - t.normal_arrival) * clock.tick_hours;
            tally.today[usize::from(t.sender_kind)].referrals_delayed += u64::from(t.count);
            let bucket = (late_hours as usize).min(referrals.delay_histogram.len() - 1);
            referrals.delay_histogram[bucket] += u64::from(t.count);
        }
    }
    let mut arriving = arriving;
    arriving.clear();
    referrals.calendar[slot] = arriving;
    let tally = &mut *tally;
    referrals.arriving.drain(|to, s, counts| {
        let Ok((receiver, mut services)) = providers.get_mut(network.providers[to as usize]) else { return };
        let kind = receiver.kind.index();
        let service = &mut services.0[s];
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
