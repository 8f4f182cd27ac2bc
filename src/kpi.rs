//! Headline KPIs of a replication, as defined in DESIGN.md section 5, computed from its daily
//! series and compared with the baseline (the same scenario and seed without the incident).

use serde::Serialize;

use crate::model::{DayRow, ProviderKind};
use crate::sim::Outcome;

/// The headline figures of one run (or one provider kind of it).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Kpis {
    /// Cases that arrived within the horizon.
    pub care_demand: u64,
    /// Cases served within the horizon, normally or in fallback.
    pub care_delivered: u64,
    /// 100 × delivered / demanded.
    pub care_delivered_pct: f64,
    /// Cases served under the emergency protocol.
    pub care_delivered_fallback: u64,
    /// Care the incident cost within the horizon: cases the baseline served minus cases served.
    pub care_lost: i64,
    /// The most cases the incident put behind the baseline at any point: the largest cumulative
    /// shortfall of cases served (baseline minus incident, summed from day 0). Care delayed and
    /// caught up before the horizon ends counts here and not in `care_lost`.
    pub care_behind_peak: i64,
    /// Cases postponed at least once.
    pub postponed: u64,
    /// Booked appointments cancelled ahead by the continuity plan (each cancellation counts).
    pub cancelled: u64,
    /// Patients who left without being seen after their maximum wait.
    pub walked_out: u64,
    /// Walk-in patients who went to another provider because the wait was too long.
    pub went_elsewhere: u64,
    /// Ambulance patients diverted to another provider (also in `diverted`).
    pub ambulances_diverted: u64,
    /// Mean hours a served case waited (from arrival or re-booking; waits of a day or more are
    /// counted to the end of their day).
    pub mean_wait_hours: Option<f64>,
    /// Staff hours spent entering paper records into the EHR after the restore.
    pub back_entry_hours: f64,
    /// Urgent cases sent to another provider.
    pub diverted: u64,
    /// Urgent cases served after their maximum wait (or not by the end) and not diverted.
    pub urgent_delayed: u64,
    /// Largest number of cases waiting at any tick.
    pub peak_backlog: i64,
    /// Cases still waiting at the end of the horizon.
    pub backlog_at_end: i64,
    /// First day after the last restore with the backlog within 5% of normal.
    pub backlog_cleared_day: Option<u32>,
    /// Referrals, prescriptions and transfers sent.
    pub referrals_total: u64,
    /// Those that arrived later than their normal transit time, or not by the end though due.
    pub referrals_delayed: u64,
    /// Those sent the fallback way (phone or post).
    pub referrals_fallback: u64,
    /// Median and 95th percentile of how late delayed referrals arrived, in hours (whole run only).
    pub referral_delay_p50_hours: Option<f64>,
    pub referral_delay_p95_hours: Option<f64>,
    /// Staff hours worked beyond contracted shifts.
    pub overtime_hours: f64,
    /// Surge staff hours and their cost in euros.
    pub surge_hours: f64,
    pub surge_cost_eur: f64,
    /// Patients' inquiries about the breach, and admin hours spent on inquiries and notifications.
    pub inquiries: f64,
    pub breach_admin_hours: f64,
    /// Notification duties (GDPR art. 33, NIS2 art. 23) and how many were met in time.
    pub notification_deadlines: u64,
    pub notification_deadlines_met: u64,
    /// 100 × met / deadlines; null when there were none.
    pub notification_deadlines_met_pct: Option<f64>,
    /// First day any provider's emergency protocol could no longer be staffed.
    pub protocol_exhaustion_day: Option<u32>,
    /// Providers whose protocol could no longer be staffed at some point.
    pub providers_exhausted: u64,
    /// Providers disrupted for longer than their plan's maximum tolerable period.
    pub providers_mtpd_breached: u64,
    pub records_exfiltrated: u64,
    pub records_exfiltrated_high_sensitivity: u64,
    /// Days from the first compromise until the 7-day service level stays at or above 95% of
    /// normal for the rest of the horizon.
    pub time_to_recovery_days: Option<u32>,
    /// Days from the first compromise until the backlog is back within 5% (and one case) of
    /// normal and stays there to the end of the horizon: recovery of the work, not only of the
    /// flow (null if not within the horizon).
    pub time_to_recovery_backlog_days: Option<u32>,
}

/// KPIs of the whole run (`kind: None`) or of one provider kind.
pub fn compute(outcome: &Outcome, baseline: &Outcome, kind: Option<ProviderKind>) -> Kpis {
    let rows = |o: &Outcome| -> Vec<DayRow> { daily(o, kind) };
    let (inc, base) = (rows(outcome), rows(baseline));
    let mut k = Kpis::default();
    let mut wait_hours = 0.0;
    for r in &inc {
        let c = &r.counters;
        k.care_demand += c.demand;
        k.care_delivered += c.served;
        k.care_delivered_fallback += c.served_fallback;
        k.postponed += c.postponed;
        k.cancelled += c.cancelled;
        k.walked_out += c.walked_out;
        k.went_elsewhere += c.went_elsewhere;
        k.ambulances_diverted += c.ambulances_diverted;
        wait_hours += c.wait_hours;
        k.back_entry_hours += c.back_entry_minutes / 60.0;
        k.diverted += c.diverted;
        k.urgent_delayed += c.urgent_delayed;
        k.overtime_hours += c.overtime_minutes / 60.0;
        k.records_exfiltrated += c.records_stolen;
        k.records_exfiltrated_high_sensitivity += c.records_stolen_high;
        k.referrals_total += c.referrals_sent;
        k.referrals_delayed += c.referrals_delayed;
        k.referrals_fallback += c.referrals_fallback;
        k.surge_hours += c.surge_hours;
        k.surge_cost_eur += c.surge_cost;
        k.inquiries += c.inquiries;
        k.breach_admin_hours += c.breach_admin_minutes / 60.0;
    }
    k.referrals_delayed += match kind {
        None => outcome.referrals_late_at_end.iter().sum(),
        Some(kind) => outcome.referrals_late_at_end[kind.index()],
    };
    if kind.is_none() {
        k.referral_delay_p50_hours = histogram_quantile(&outcome.referral_delay_histogram, 0.5);
        k.referral_delay_p95_hours = histogram_quantile(&outcome.referral_delay_histogram, 0.95);
    }
    k.mean_wait_hours = (k.care_delivered > 0).then(|| round2(wait_hours / k.care_delivered as f64));
    k.back_entry_hours = round2(k.back_entry_hours);
    k.overtime_hours = round2(k.overtime_hours);
    k.surge_hours = round2(k.surge_hours);
    k.surge_cost_eur = round2(k.surge_cost_eur);
    k.inquiries = k.inquiries.round();
    k.breach_admin_hours = round2(k.breach_admin_hours);
    k.care_delivered_pct =
        if k.care_demand > 0 { round2(100.0 * k.care_delivered as f64 / k.care_demand as f64) } else { 100.0 };
    k.peak_backlog = match kind {
        None => outcome.peak_backlog,
        Some(kind) => outcome.peak_backlog_by_kind[kind.index()],
    };
    k.backlog_at_end = inc.last().map_or(0, |r| r.backlog);
    let mut behind = 0i64;
    for (i, b) in inc.iter().zip(&base) {
        behind += b.counters.served as i64 - i.counters.served as i64;
        k.care_behind_peak = k.care_behind_peak.max(behind);
    }
    k.care_lost = behind;
    let providers = outcome.providers.iter().filter(|p| kind.is_none_or(|k| p.kind == k));
    for p in providers {
        if let Some(d) = p.exhausted_day {
            k.providers_exhausted += 1;
            k.protocol_exhaustion_day = Some(k.protocol_exhaustion_day.map_or(d, |x: u32| x.min(d)));
        }
        if f64::from(p.disrupted_days) > p.max_tolerable_days {
            k.providers_mtpd_breached += 1;
        }
        let horizon = outcome.days * 24 / outcome.tick_hours;
        for &(_, due, done) in &p.duties {
            if due < horizon || done.is_some() {
                k.notification_deadlines += 1;
                k.notification_deadlines_met += u64::from(done.is_some_and(|d| d <= due));
            }
        }
    }
    k.notification_deadlines_met_pct = (k.notification_deadlines > 0)
        .then(|| round2(100.0 * k.notification_deadlines_met as f64 / k.notification_deadlines as f64));
    let ticks_per_day = 24 / outcome.tick_hours;
    let compromise_day = outcome.incident.first_compromise.map(|t| t / ticks_per_day);
    let restore_day = outcome.incident.last_restore.map(|t| t / ticks_per_day);
    let any_disconnect = outcome.events.iter().any(|e| e.event == "disconnect");
    k.backlog_cleared_day = compromise_day.and_then(|c| {
        let from = match (restore_day, any_disconnect) {
            (Some(r), _) => r.max(c),
            (None, true) => return None,
            (None, false) => c,
        };
        inc.iter()
            .zip(&base)
            .find(|(r, b)| r.day >= from && r.backlog as f64 <= 1.05 * b.backlog as f64 + 1.0)
            .map(|(r, _)| r.day)
    });
    k.time_to_recovery_backlog_days = compromise_day.and_then(|c| {
        let mut from = None;
        for (r, b) in inc.iter().zip(&base) {
            let ok = r.backlog as f64 <= 1.05 * b.backlog as f64 + 1.0;
            if r.day >= c && ok {
                from.get_or_insert(r.day);
            } else {
                from = None;
            }
        }
        from.map(|d| d - c)
    });
    k.time_to_recovery_days = compromise_day.and_then(|c| {
        let level = service_level_7d(&inc);
        let normal = service_level_7d(&base);
        let mut recovered_from = None;
        for (d, (l, n)) in level.iter().zip(&normal).enumerate() {
            let ok = *l >= 0.95 * n;
            if d as u32 >= c && ok {
                recovered_from.get_or_insert(d as u32);
            } else {
                recovered_from = None;
            }
        }
        recovered_from.map(|r| r - c)
    });
    k
}

/// One row per day: the rows of one kind, or all kinds summed.
pub fn daily(outcome: &Outcome, kind: Option<ProviderKind>) -> Vec<DayRow> {
    let mut days: Vec<DayRow> = (0..outcome.days).map(|d| DayRow { day: d, ..Default::default() }).collect();
    for r in &outcome.series {
        if kind.is_some_and(|k| k.index() != r.kind) {
            continue;
        }
        let Some(d) = days.get_mut(r.day as usize) else { continue };
        d.counters.add(&r.counters);
        d.backlog += r.backlog;
        d.sick_share += r.sick_share * f64::from(r.providers);
        d.providers += r.providers;
        d.services_fallback += r.services_fallback;
        d.services_blocked += r.services_blocked;
        d.kind = r.kind;
    }
    for d in &mut days {
        if d.providers > 0 {
            d.sick_share /= f64::from(d.providers);
        }
    }
    days
}

/// Delivered / demanded over the 7 days ending on each day (1 where nothing was demanded).
pub fn service_level_7d(rows: &[DayRow]) -> Vec<f64> {
    (0..rows.len())
        .map(|d| {
            let w = &rows[d.saturating_sub(6)..=d];
            let demand: u64 = w.iter().map(|r| r.counters.demand).sum();
            let served: u64 = w.iter().map(|r| r.counters.served).sum();
            if demand == 0 { 1.0 } else { served as f64 / demand as f64 }
        })
        .collect()
}

/// The `q` quantile of a histogram of whole hours (the lower edge of the bucket); None if empty.
fn histogram_quantile(h: &[u64], q: f64) -> Option<f64> {
    let total: u64 = h.iter().sum();
    if total == 0 {
        return None;
    }
    let target = (q * total as f64).ceil().max(1.0) as u64;
    let mut acc = 0;
    h.iter()
        .position(|&n| {
            acc += n;
            acc >= target
        })
        .map(|i| i as f64)
}

pub(crate) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
