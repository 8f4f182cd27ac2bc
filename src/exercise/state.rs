//! The state of care shown to the room: a snapshot of a stepped [`Simulation`] (key figures now,
//! and per day so far) beside the baseline's at the same tick, rendered as a small text table
//! with trend sparklines.

use std::fmt::Write as _;

use crate::model::{CareServices, Clock, Counters, Mode, Series, Staffing, Tally};
use crate::plot::fmt_count;
use crate::sim::Simulation;

/// Key figures of one simulation at its current tick.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Completed days, all provider kinds summed: (demand, served, backlog at the end, overtime
    /// hours, sick share).
    pub days: Vec<Day>,
    /// Today's counters so far (all kinds).
    pub today: Counters,
    pub backlog: i64,
    pub services_fallback: u32,
    pub services_blocked: u32,
    pub services: u32,
    pub sick_share: f64,
    /// Records stolen so far.
    pub records_stolen: u64,
    /// Overtime hours so far.
    pub overtime_hours: f64,
    /// Surge staff hours so far.
    pub surge_hours: f64,
}

/// One completed day, all kinds summed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Day {
    pub demand: u64,
    pub served: u64,
    pub backlog: i64,
    pub overtime_hours: f64,
    pub sick_share: f64,
}

impl Snapshot {
    /// Read the figures from `sim`'s World.
    pub fn of(sim: &mut Simulation) -> Snapshot {
        let world = sim.world_mut();
        let tick_hours = world.resource::<Clock>().tick_hours;
        let mut s = Snapshot::default();
        let mut sick_weight = 0.0;
        let mut query = world.query::<(&Staffing, &CareServices)>();
        for (staff, services) in query.iter(world) {
            // Weighted by headcount, as the daily series is (see `Service::whole_tick_scale`).
            let weight: f64 = services
                .0
                .iter()
                .map(|s| (s.clinical_capacity + s.admin_capacity) * s.whole_tick_scale(tick_hours))
                .sum();
            s.sick_share += staff.sick_share() * weight;
            sick_weight += weight;
            for svc in &services.0 {
                s.services += 1;
                match svc.mode {
                    Mode::Normal => {}
                    Mode::Fallback => s.services_fallback += 1,
                    Mode::Blocked => s.services_blocked += 1,
                }
            }
        }
        if sick_weight > 0.0 {
            s.sick_share /= sick_weight;
        }
        let tally = world.resource::<Tally>();
        for c in &tally.today {
            s.today.add(c);
        }
        s.backlog = tally.backlog.iter().sum();
        for r in &world.resource::<Series>().kinds {
            let d = r.day as usize;
            if s.days.len() <= d {
                s.days.resize(d + 1, Day::default());
            }
            let day = &mut s.days[d];
            day.demand += r.counters.demand;
            day.served += r.counters.served;
            day.backlog += r.backlog;
            day.overtime_hours += r.counters.overtime_minutes / 60.0;
            day.sick_share += r.sick_share * f64::from(r.providers);
            s.records_stolen += r.counters.records_stolen;
            s.surge_hours += r.counters.surge_hours;
        }
        let providers =
            world.resource::<Series>().kinds.iter().filter(|r| r.day == 0).map(|r| r.providers).sum::<u32>();
        for d in &mut s.days {
            if providers > 0 {
                d.sick_share /= f64::from(providers);
            }
        }
        s.overtime_hours = s.days.iter().map(|d| d.overtime_hours).sum::<f64>() + s.today.overtime_minutes / 60.0;
        s.records_stolen += s.today.records_stolen;
        s.surge_hours += s.today.surge_hours;
        s
    }

    /// Delivered / demanded over the last 7 days including today so far, in percent.
    pub fn service_level_7d(&self) -> f64 {
        let recent = &self.days[self.days.len().saturating_sub(6)..];
        let demand = self.today.demand + recent.iter().map(|d| d.demand).sum::<u64>();
        let served = self.today.served + recent.iter().map(|d| d.served).sum::<u64>();
        if demand == 0 { 100.0 } else { 100.0 * served as f64 / demand as f64 }
    }
}

/// A sparkline of `values` on the scale of `values` and `reference` together, spanning at
/// least `min_span` below the top (so noise on a flat line stays flat); from zero when
/// `from_zero`.
pub fn sparkline(values: &[f64], reference: &[f64], min_span: f64, from_zero: bool) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let all = values.iter().chain(reference).copied().filter(|v| v.is_finite());
    let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    let lo = if from_zero { lo.min(0.0) } else { lo.min(hi - min_span) };
    values
        .iter()
        .map(|v| {
            if !v.is_finite() || hi <= lo || hi - lo < 1e-9 * hi.abs().max(1.0) {
                BARS[0]
            } else {
                BARS[(((v - lo) / (hi - lo)) * 7.0).round().clamp(0.0, 7.0) as usize]
            }
        })
        .collect()
}

/// How many completed days the trends show.
pub const TREND_DAYS: usize = 14;

/// The state table: each key figure now, the baseline's at the same time, and a trend of the
/// last [`TREND_DAYS`] completed days.
pub fn render(now: &Snapshot, base: &Snapshot) -> String {
    let from = now.days.len().saturating_sub(TREND_DAYS);
    let series = |s: &Snapshot, f: &dyn Fn(&Day) -> f64| -> Vec<f64> {
        s.days[from.min(s.days.len())..].iter().map(f).collect()
    };
    let level = |d: &Day| if d.demand == 0 { f64::NAN } else { 100.0 * d.served as f64 / d.demand as f64 };
    let backlog = |d: &Day| d.backlog as f64;
    let overtime = |d: &Day| d.overtime_hours;
    let sick = |d: &Day| d.sick_share;
    let trend =
        |f: &dyn Fn(&Day) -> f64, span: f64, zero: bool| sparkline(&series(now, f), &series(base, f), span, zero);
    let pct = |x: f64| format!("{x:.1}%");
    let rows: Vec<(&str, String, String, String)> = vec![
        (
            "care delivered, last 7 days",
            pct(now.service_level_7d()),
            pct(base.service_level_7d()),
            trend(&level, 10.0, false),
        ),
        (
            "cases waiting (backlog)",
            fmt_count(now.backlog as f64),
            fmt_count(base.backlog as f64),
            trend(&backlog, 0.0, true),
        ),
        (
            "services in fallback / blocked",
            format!("{} / {} of {}", now.services_fallback, now.services_blocked, now.services),
            format!("{} / {}", base.services_fallback, base.services_blocked),
            String::new(),
        ),
        (
            "overtime hours so far",
            fmt_count(now.overtime_hours.round()),
            fmt_count(base.overtime_hours.round()),
            trend(&overtime, 0.0, true),
        ),
        ("staff off sick", pct(100.0 * now.sick_share), pct(100.0 * base.sick_share), trend(&sick, 0.02, false)),
        (
            "surge staff hours so far",
            fmt_count(now.surge_hours.round()),
            fmt_count(base.surge_hours.round()),
            String::new(),
        ),
        (
            "patient records stolen",
            fmt_count(now.records_stolen as f64),
            fmt_count(base.records_stolen as f64),
            String::new(),
        ),
    ];
    let days = now.days.len() - from;
    let mut o = String::new();
    let trend_head = if days > 0 { format!("last {days} days") } else { String::new() };
    let _ = writeln!(o, "  {:<32} {:>18} {:>10}  {}", "state of care", "now", "baseline", trend_head);
    for (name, v, b, t) in rows {
        let _ = writeln!(o, "  {name:<32} {v:>18} {b:>10}  {t}");
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales_to_both_series() {
        assert_eq!(sparkline(&[0.0, 5.0, 10.0], &[0.0], 0.0, false), "▁▅█");
        assert_eq!(sparkline(&[5.0, 5.0], &[5.0], 0.0, false), "▁▁");
        assert_eq!(sparkline(&[5.0], &[0.0, 10.0], 0.0, false), "▅");
        assert_eq!(sparkline(&[99.0, 100.0], &[], 10.0, false), "▇█");
        assert_eq!(sparkline(&[5.0, 10.0], &[], 0.0, true), "▅█");
    }
}
