//! The run folder of a single replication (DESIGN.md section 5).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use super::write_atomic;
use crate::error::Error;
use crate::kpi::{self, Kpis};
use crate::model::ProviderKind;
use crate::sim::Outcome;

/// `summary.json` of a single run.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub scenario: String,
    pub title: String,
    pub seed: u64,
    pub days: u32,
    pub start: String,
    pub providers: usize,
    pub kpis: Kpis,
    /// The same KPIs for the baseline: the same scenario and seed without the incident.
    pub baseline: Kpis,
    pub by_kind: BTreeMap<String, Kpis>,
}

impl RunSummary {
    pub fn new(outcome: &Outcome, baseline: &Outcome) -> Self {
        let s = &outcome.scenario;
        let by_kind = ProviderKind::ALL
            .into_iter()
            .filter(|k| outcome.providers.iter().any(|p| p.kind == *k))
            .map(|k| (k.key().to_string(), kpi::compute(outcome, baseline, Some(k))))
            .collect();
        RunSummary {
            scenario: s.id.clone(),
            title: s.title.clone(),
            seed: outcome.seed,
            days: outcome.days,
            start: s.start.to_string(),
            providers: outcome.providers.len(),
            kpis: kpi::compute(outcome, baseline, None),
            baseline: kpi::compute(baseline, baseline, None),
            by_kind,
        }
    }
}

/// Write `summary.json`, `timeseries.csv` and `events.csv` into `dir`.
pub fn write_run(dir: &Path, outcome: &Outcome, baseline: &Outcome) -> Result<RunSummary, Error> {
    let summary = RunSummary::new(outcome, baseline);
    let json = serde_json::to_string_pretty(&summary).expect("summary serialises");
    write_atomic(&dir.join("summary.json"), format!("{json}\n").as_bytes())?;
    write_atomic(&dir.join("timeseries.csv"), timeseries_csv(outcome, baseline).as_bytes())?;
    write_atomic(&dir.join("events.csv"), events_csv(outcome).as_bytes())?;
    Ok(summary)
}

/// Columns of `timeseries.csv`, one row per day and provider kind.
pub const TIMESERIES_HEADER: &str = "day,kind,date,providers,demand,served,served_fallback,backlog,postponed,diverted,urgent_delayed,overtime_hours,clinical_utilisation,admin_hours,sick_share,services_fallback,services_blocked,records_stolen,records_stolen_high,referrals_sent,referrals_delayed,inquiries,surge_hours,service_level,baseline_served,baseline_backlog";

fn timeseries_csv(outcome: &Outcome, baseline: &Outcome) -> String {
    let mut out = String::with_capacity(outcome.series.len() * 120);
    out.push_str(TIMESERIES_HEADER);
    out.push('\n');
    let start = outcome.scenario.start;
    for (r, b) in outcome.series.iter().zip(&baseline.series) {
        let c = &r.counters;
        let utilisation =
            if c.clinical_capacity_minutes > 0.0 { c.clinical_used_minutes / c.clinical_capacity_minutes } else { 0.0 };
        let level = if c.demand > 0 { c.served as f64 / c.demand as f64 } else { 1.0 };
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{:.2},{:.4},{:.2},{:.4},{},{},{},{},{},{},{:.1},{:.2},{:.4},{},{}",
            r.day,
            ProviderKind::ALL[r.kind].key(),
            start.plus_days(i64::from(r.day)),
            r.providers,
            c.demand,
            c.served,
            c.served_fallback,
            r.backlog,
            c.postponed,
            c.diverted,
            c.urgent_delayed,
            c.overtime_minutes / 60.0,
            utilisation,
            c.admin_used_minutes / 60.0,
            r.sick_share,
            r.services_fallback,
            r.services_blocked,
            c.records_stolen,
            c.records_stolen_high,
            c.referrals_sent,
            c.referrals_delayed,
            c.inquiries,
            c.surge_hours,
            level,
            b.counters.served,
            b.backlog,
        );
    }
    out
}

fn events_csv(outcome: &Outcome) -> String {
    let mut out = String::from("time,event,target,text,day,hour\n");
    let start = outcome.scenario.start;
    for e in &outcome.events {
        let hours = e.tick * outcome.tick_hours;
        let (day, hour) = (hours / 24, hours % 24);
        let _ = writeln!(
            out,
            "{} {:02}:00,{},{},{},{},{}",
            start.plus_days(i64::from(day)),
            hour,
            csv_field(&e.event),
            csv_field(&e.target),
            csv_field(&e.text),
            day,
            hour
        );
    }
    out
}

pub use crate::text::csv_field;

/// The short table printed after a run.
pub fn summary_table(s: &RunSummary) -> String {
    let k = &s.kpis;
    let b = &s.baseline;
    let opt = |x: Option<u32>| x.map_or("—".to_string(), |d| format!("day {d}"));
    let rows: Vec<(&str, String, String)> = vec![
        (
            "care delivered",
            format!("{:.1}% of {}", k.care_delivered_pct, k.care_demand),
            format!("{:.1}%", b.care_delivered_pct),
        ),
        ("  in fallback", k.care_delivered_fallback.to_string(), b.care_delivered_fallback.to_string()),
        ("care behind at peak", k.care_behind_peak.to_string(), "—".into()),
        ("postponed", k.postponed.to_string(), b.postponed.to_string()),
        ("diverted", k.diverted.to_string(), b.diverted.to_string()),
        ("urgent delayed", k.urgent_delayed.to_string(), b.urgent_delayed.to_string()),
        ("peak backlog", k.peak_backlog.to_string(), b.peak_backlog.to_string()),
        ("backlog cleared", opt(k.backlog_cleared_day), "—".into()),
        (
            "referrals delayed",
            format!("{} of {}", k.referrals_delayed, k.referrals_total),
            b.referrals_delayed.to_string(),
        ),
        ("overtime hours", format!("{:.0}", k.overtime_hours), format!("{:.0}", b.overtime_hours)),
        ("surge staff hours", format!("{:.0}", k.surge_hours), format!("{:.0}", b.surge_hours)),
        ("protocol exhausted", opt(k.protocol_exhaustion_day), opt(b.protocol_exhaustion_day)),
        ("providers past MTPD", k.providers_mtpd_breached.to_string(), b.providers_mtpd_breached.to_string()),
        ("records stolen", k.records_exfiltrated.to_string(), b.records_exfiltrated.to_string()),
        (
            "  high sensitivity",
            k.records_exfiltrated_high_sensitivity.to_string(),
            b.records_exfiltrated_high_sensitivity.to_string(),
        ),
        ("patient inquiries", format!("{:.0}", k.inquiries), format!("{:.0}", b.inquiries)),
        (
            "deadlines met",
            k.notification_deadlines_met_pct
                .map_or("—".into(), |p| format!("{p:.0}% of {}", k.notification_deadlines)),
            "—".into(),
        ),
        ("time to recovery", k.time_to_recovery_days.map_or("—".into(), |d| format!("{d} days")), "—".into()),
    ];
    let mut out = format!("{} — {} providers, {} days, seed {}\n", s.title, s.providers, s.days, s.seed);
    let _ = writeln!(out, "  {:<22} {:>22}  {:>12}", "", "incident", "baseline");
    for (name, v, base) in rows {
        let _ = writeln!(out, "  {name:<22} {v:>22}  {base:>12}");
    }
    out
}
