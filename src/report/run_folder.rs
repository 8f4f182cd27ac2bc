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
    /// The tool's version.
    pub version: &'static str,
    /// The layout version of `summary.json` ([`super::render::SCHEMA`]).
    pub schema: u32,
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
            version: super::render::VERSION,
            schema: super::render::SCHEMA,
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

/// Quote a CSV field when it holds a comma, quote or line break; neutralise spreadsheet formulas.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

/// The short table printed after a run, numbers formatted as in the reports.
pub fn summary_table(s: &RunSummary) -> String {
    use super::format::{amount, count, days, pct};
    let k = &s.kpis;
    let b = &s.baseline;
    let n = |x: u64| count(x as f64);
    let opt = |x: Option<u32>| x.map_or("—".to_string(), |d| format!("day {d}"));
    let rows: Vec<(&str, String, String)> = vec![
        ("care delivered", format!("{} of {}", pct(k.care_delivered_pct), n(k.care_demand)), pct(b.care_delivered_pct)),
        ("  in fallback", n(k.care_delivered_fallback), n(b.care_delivered_fallback)),
        ("care behind at peak", count(k.care_behind_peak as f64), "—".into()),
        ("postponed", n(k.postponed), n(b.postponed)),
        ("diverted", n(k.diverted), n(b.diverted)),
        ("urgent delayed", n(k.urgent_delayed), n(b.urgent_delayed)),
        ("peak backlog", count(k.peak_backlog as f64), count(b.peak_backlog as f64)),
        ("backlog cleared", opt(k.backlog_cleared_day), "—".into()),
        (
            "referrals delayed",
            format!("{} of {}", n(k.referrals_delayed), n(k.referrals_total)),
            n(b.referrals_delayed),
        ),
        ("overtime hours", amount(k.overtime_hours), amount(b.overtime_hours)),
        ("surge staff hours", amount(k.surge_hours), amount(b.surge_hours)),
        ("protocol exhausted", opt(k.protocol_exhaustion_day), opt(b.protocol_exhaustion_day)),
        ("providers past MTPD", n(k.providers_mtpd_breached), n(b.providers_mtpd_breached)),
        ("records stolen", n(k.records_exfiltrated), n(b.records_exfiltrated)),
        ("  high sensitivity", n(k.records_exfiltrated_high_sensitivity), n(b.records_exfiltrated_high_sensitivity)),
        ("patient inquiries", amount(k.inquiries), amount(b.inquiries)),
        (
            "deadlines met",
            k.notification_deadlines_met_pct
                .map_or("—".into(), |p| format!("{p:.0}% of {}", n(k.notification_deadlines))),
            "—".into(),
        ),
        (
            "time to recovery",
            match k.time_to_recovery_days {
                None => "not within the horizon".into(),
                Some(0) => "never below 95%".into(),
                Some(d) => days(f64::from(d)),
            },
            "—".into(),
        ),
    ];
    let mut out = format!(
        "{} — {} providers, {}, seed {}\n",
        s.title,
        count(s.providers as f64),
        days(f64::from(s.days)),
        s.seed
    );
    let _ = writeln!(out, "  {:<22} {:>22}  {:>12}", "", "incident", "baseline");
    for (name, v, base) in rows {
        let _ = writeln!(out, "  {name:<22} {v:>22}  {base:>12}");
    }
    out
}
