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
    /// The scenario's observed figures beside the model's values.
    pub observed: Vec<crate::fit::Fit>,
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
            observed: crate::fit::evaluate(outcome, baseline),
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
    write_atomic(&dir.join("services.csv"), services_csv(outcome).as_bytes())?;
    write_atomic(&dir.join("weekly.csv"), weekly_csv(outcome).as_bytes())?;
    if !outcome.reported.is_empty() {
        write_atomic(&dir.join("providers.csv"), providers_csv(outcome).as_bytes())?;
    }
    Ok(summary)
}

/// Columns of `services.csv`: one row per day and service (per provider kind and service name,
/// at the providers the incident hits directly and at the others), by urgency class.
pub const SERVICES_HEADER: &str = "day,date,kind,service,providers,demand_urgent,demand_soon,demand_elective,served_urgent,served_soon,served_elective,cancelled_soon,cancelled_elective,postponed_soon,postponed_elective,walked_out,diverted,went_elsewhere,mean_wait_hours";

fn services_csv(outcome: &Outcome) -> String {
    let mut out = String::with_capacity(outcome.service_series.len() * 100 + 256);
    out.push_str(SERVICES_HEADER);
    out.push('\n');
    let start = outcome.scenario.start;
    // Slots of the same kind, service and group are summed (several profiles may share them).
    let mut rows: BTreeMap<(u32, &str, &str, bool), crate::model::ServiceDay> = BTreeMap::new();
    for (day, slot, d) in &outcome.service_series {
        let s = &outcome.slots[*slot as usize];
        let row = rows.entry((*day, s.kind.key(), s.service.as_str(), s.affected)).or_default();
        for c in 0..3 {
            row.demand[c] += d.demand[c];
            row.served[c] += d.served[c];
            row.cancelled[c] += d.cancelled[c];
            row.postponed[c] += d.postponed[c];
            row.walked_out[c] += d.walked_out[c];
        }
        row.diverted += d.diverted;
        row.went_elsewhere += d.went_elsewhere;
        row.wait_hours += d.wait_hours;
    }
    for ((day, kind, service, affected), d) in rows {
        let served: u64 = d.served.iter().sum();
        let wait = if served > 0 { d.wait_hours / served as f64 } else { 0.0 };
        let _ = writeln!(
            out,
            "{day},{},{kind},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{:.2}",
            start.plus_days(i64::from(day)),
            csv_field(service),
            if affected { "affected" } else { "unaffected" },
            d.demand[0],
            d.demand[1],
            d.demand[2],
            d.served[0],
            d.served[1],
            d.served[2],
            d.cancelled[1],
            d.cancelled[2],
            d.postponed[1],
            d.postponed[2],
            d.walked_out.iter().sum::<u64>(),
            d.diverted,
            d.went_elsewhere,
            wait,
        );
    }
    out
}

/// Columns of `weekly.csv`: per week of the horizon (from day 0), provider kind and service.
pub const WEEKLY_HEADER: &str =
    "week,from,kind,service,providers,demand,served,cancelled,postponed,walked_out,diverted,went_elsewhere";

fn weekly_csv(outcome: &Outcome) -> String {
    let mut out = String::from(WEEKLY_HEADER);
    out.push('\n');
    let start = outcome.scenario.start;
    let mut rows: BTreeMap<(u32, &str, &str, bool), [u64; 7]> = BTreeMap::new();
    for (day, slot, d) in &outcome.service_series {
        let s = &outcome.slots[*slot as usize];
        let row = rows.entry((day / 7, s.kind.key(), s.service.as_str(), s.affected)).or_default();
        let sum = |a: &[u64; 3]| a.iter().sum::<u64>();
        for (x, v) in row.iter_mut().zip([
            sum(&d.demand),
            sum(&d.served),
            sum(&d.cancelled),
            sum(&d.postponed),
            sum(&d.walked_out),
            d.diverted,
            d.went_elsewhere,
        ]) {
            *x += v;
        }
    }
    for ((week, kind, service, affected), v) in rows {
        let _ = writeln!(
            out,
            "{week},{},{kind},{},{},{},{},{},{},{},{},{}",
            start.plus_days(i64::from(week * 7)),
            csv_field(service),
            if affected { "affected" } else { "unaffected" },
            v[0],
            v[1],
            v[2],
            v[3],
            v[4],
            v[5],
            v[6]
        );
    }
    out
}

/// Columns of `providers.csv`: per day, each provider the scenario marks `report: true`.
pub const PROVIDERS_HEADER: &str =
    "day,date,provider,kind,demand,served,served_fallback,backlog,cancelled,postponed,diverted,diverted_in,walked_out";

fn providers_csv(outcome: &Outcome) -> String {
    let mut out = String::from(PROVIDERS_HEADER);
    out.push('\n');
    let start = outcome.scenario.start;
    for (day, slot, p) in &outcome.provider_series {
        let Some(&index) = outcome.reported.get(*slot as usize) else { continue };
        let spec = &outcome.scenario.providers[index as usize];
        let _ = writeln!(
            out,
            "{day},{},{},{},{},{},{},{},{},{},{},{},{}",
            start.plus_days(i64::from(*day)),
            csv_field(&spec.id),
            spec.kind.key(),
            p.demand,
            p.served,
            p.served_fallback,
            p.backlog,
            p.cancelled,
            p.postponed,
            p.diverted,
            p.diverted_in,
            p.walked_out
        );
    }
    out
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
        ("cancelled ahead", n(k.cancelled), n(b.cancelled)),
        ("postponed", n(k.postponed), n(b.postponed)),
        ("left unseen", n(k.walked_out), n(b.walked_out)),
        ("went elsewhere", n(k.went_elsewhere), n(b.went_elsewhere)),
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
        (
            "  of the backlog",
            k.time_to_recovery_backlog_days.map_or("not within the horizon".into(), |d| days(f64::from(d))),
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
    let rows: Vec<Vec<String>> = rows.into_iter().map(|(name, v, base)| vec![name.to_string(), v, base]).collect();
    out.push_str(&crate::text::table(&["", "incident", "baseline"], &rows));
    out.push_str(&crate::fit::table(&s.observed));
    out
}
