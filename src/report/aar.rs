//! The after-action report / improvement plan (HSEEP structure) of a single run: this module
//! owns its content — the capability ratings (P / S / M / U against the scenario's
//! [`Evaluation`] thresholds), the timeline entries, the improvement plan — and the
//! orchestration that writes the charts, `report.md` and `report.html` into a run folder.
//! Rendering lives in [`super::markdown`] and [`super::html`].

use std::path::Path;

use super::RunSummary;
use super::format;
use super::render::Section;
use crate::error::Error;
use crate::kpi::Kpis;
use crate::model::{Hosting, ProviderKind};
use crate::plot;
use crate::scenario::Date;
use crate::scenario::evaluation::{Evaluation, Levels};
use crate::sim::Outcome;

/// An HSEEP performance rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rating {
    /// Performed without challenges.
    P,
    /// Performed with some challenges.
    S,
    /// Performed with major challenges.
    M,
    /// Unable to be performed.
    U,
    /// Not exercised in this run (nothing to measure).
    NotRated,
}

impl Rating {
    /// The letter, or "—" when not rated.
    pub fn code(self) -> &'static str {
        match self {
            Rating::P => "P",
            Rating::S => "S",
            Rating::M => "M",
            Rating::U => "U",
            Rating::NotRated => "—",
        }
    }

    /// The HSEEP meaning.
    pub fn meaning(self) -> &'static str {
        match self {
            Rating::P => "performed without challenges",
            Rating::S => "performed with some challenges",
            Rating::M => "performed with major challenges",
            Rating::U => "unable to be performed",
            Rating::NotRated => "not exercised in this run",
        }
    }

    /// The worse of two ratings; "not rated" yields to any rating.
    pub fn worst(self, other: Rating) -> Rating {
        match (self, other) {
            (Rating::NotRated, x) | (x, Rating::NotRated) => x,
            (a, b) => a.max(b),
        }
    }
}

/// Rate `value` against `levels`. `higher_is_better` for measures with a minimum (care
/// delivered); otherwise the levels are maxima. `None` means the target was never reached
/// within the horizon (e.g. no recovery): U.
pub fn rate(value: Option<f64>, levels: &Levels, higher_is_better: bool) -> Rating {
    let Some(v) = value else { return Rating::U };
    if v.is_nan() {
        return Rating::U;
    }
    let meets = |t: f64| if higher_is_better { v >= t - 1e-9 } else { v <= t + 1e-9 };
    if meets(levels.p) {
        Rating::P
    } else if meets(levels.s) {
        Rating::S
    } else if meets(levels.m) {
        Rating::M
    } else {
        Rating::U
    }
}

/// Facts about a run that the KPIs do not carry but the ratings need.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub providers: u64,
    pub records_on_file: u64,
    /// Day of the first compromise; `None` when the run has no incident.
    pub compromise_day: Option<u32>,
    /// Hours from the first compromise until awareness; `None` when never aware.
    pub detection_hours: Option<f64>,
    /// Day of the last restore.
    pub last_restore_day: Option<u32>,
}

impl Facts {
    pub fn of(outcome: &Outcome) -> Self {
        let ticks_per_day = 24 / outcome.tick_hours.max(1);
        let inc = &outcome.incident;
        Facts {
            providers: outcome.providers.len() as u64,
            records_on_file: outcome.scenario.providers.iter().map(|p| p.patients).sum(),
            compromise_day: inc.first_compromise.map(|t| t / ticks_per_day),
            detection_hours: inc
                .first_compromise
                .zip(inc.awareness)
                .map(|(c, a)| f64::from(a.saturating_sub(c) * outcome.tick_hours)),
            last_restore_day: inc.last_restore.map(|t| t / ticks_per_day),
        }
    }
}

/// One measure of a capability, as shown in the report.
#[derive(Debug, Clone)]
pub struct Measure {
    /// Stable key, the evaluation field's name.
    pub key: &'static str,
    pub name: &'static str,
    /// This run's value, formatted with its unit.
    pub value: String,
    /// The baseline's value (same scenario and seed, no incident).
    pub baseline: String,
    /// The thresholds, e.g. "P ≥ 99%, S ≥ 97%, M ≥ 90%".
    pub target: String,
    pub rating: Rating,
    /// Why it is not rated, or a note on the value.
    pub note: String,
}

/// One capability with its measures and overall rating (the worst of its measures).
#[derive(Debug, Clone)]
pub struct Capability {
    pub name: &'static str,
    /// The exercise objective it tests.
    pub objective: &'static str,
    pub rating: Rating,
    pub measures: Vec<Measure>,
    /// Chart stem (in `plots/`) that shows it, if any.
    pub chart: Option<&'static str>,
}

/// The five capabilities the report analyses, in order.
pub const CAPABILITIES: [(&str, &str); 5] = [
    (
        "Continuity of care",
        "Keep delivering care, urgent care first, while vendor platforms are down and the emergency protocol runs.",
    ),
    (
        "Staffing",
        "Staff the emergency protocol for as long as the disruption lasts, within the plan's overtime limits.",
    ),
    (
        "Exchange and referrals",
        "Keep referrals, prescriptions and transfers between providers moving when the exchange platform is down.",
    ),
    (
        "Breach response",
        "Detect the compromise, limit the data stolen, and meet the notification duties (GDPR 72 h, NIS2 24 h / 72 h).",
    ),
    (
        "Recovery",
        "Restore services and clear the backlog within each provider's maximum tolerable period of disruption.",
    ),
];

fn pct(x: f64) -> String {
    format::pct(x)
}

fn ratio(num: f64, den: f64) -> f64 {
    if den > 0.0 { num / den } else { 0.0 }
}

fn target(l: &Levels, higher: bool, unit: &str) -> String {
    let op = if higher { "≥" } else { "≤" };
    let f = |v: f64| if v.fract() == 0.0 { format!("{v:.0}{unit}") } else { format!("{v}{unit}") };
    format!("P {op} {}, S {op} {}, M {op} {}", f(l.p), f(l.s), f(l.m))
}

fn days_opt(d: Option<f64>) -> String {
    d.map_or("not within the horizon".into(), format::days)
}

/// Rate every capability of a run from its KPIs, the baseline's and the run's facts.
pub fn assess(k: &Kpis, b: &Kpis, facts: &Facts, e: &Evaluation) -> Vec<Capability> {
    let n = facts.providers as f64;
    let incident = facts.compromise_day.is_some();
    let measure = |key, name, value: String, baseline: String, target: String, rating, note: &str| Measure {
        key,
        name,
        value,
        baseline,
        target,
        rating,
        note: note.to_string(),
    };

    let urgent_10k = |k: &Kpis| 1e4 * ratio(k.urgent_delayed as f64, k.care_demand as f64);
    let continuity = vec![
        measure(
            "care_delivered_pct",
            "Care delivered (share of care demanded)",
            pct(k.care_delivered_pct),
            pct(b.care_delivered_pct),
            target(&e.care_delivered_pct, true, "%"),
            rate(Some(k.care_delivered_pct), &e.care_delivered_pct, true),
            "",
        ),
        measure(
            "urgent_delayed_per_10k",
            "Urgent care delayed (per 10,000 cases)",
            format!("{:.2} ({} cases)", urgent_10k(k), format::count(k.urgent_delayed as f64)),
            format!("{:.2} ({} cases)", urgent_10k(b), format::count(b.urgent_delayed as f64)),
            target(&e.urgent_delayed_per_10k, false, ""),
            rate(Some(urgent_10k(k)), &e.urgent_delayed_per_10k, false),
            "",
        ),
    ];

    let exhausted = |k: &Kpis| 100.0 * ratio(k.providers_exhausted as f64, n);
    let extra_ot = ratio((k.overtime_hours - b.overtime_hours).max(0.0), n);
    let staffing = vec![
        measure(
            "providers_exhausted_pct",
            "Providers whose protocol could not be staffed",
            format!(
                "{} ({} of {})",
                pct(exhausted(k)),
                format::count(k.providers_exhausted as f64),
                format::count(facts.providers as f64)
            ),
            pct(exhausted(b)),
            target(&e.providers_exhausted_pct, false, "%"),
            rate(Some(exhausted(k)), &e.providers_exhausted_pct, false),
            "",
        ),
        measure(
            "extra_overtime_hours_per_provider",
            "Extra overtime per provider",
            format!("{extra_ot:.1} h ({} h in total)", format::count(k.overtime_hours.round())),
            format!("{} h in total", format::count(b.overtime_hours.round())),
            target(&e.extra_overtime_hours_per_provider, false, " h"),
            rate(Some(extra_ot), &e.extra_overtime_hours_per_provider, false),
            "",
        ),
    ];

    let referrals = |k: &Kpis| 100.0 * ratio(k.referrals_delayed as f64, k.referrals_total as f64);
    let exchange = vec![if k.referrals_total == 0 {
        measure(
            "referrals_delayed_pct",
            "Referrals, prescriptions and transfers delayed",
            "none sent".into(),
            "none sent".into(),
            target(&e.referrals_delayed_pct, false, "%"),
            Rating::NotRated,
            "The run has no referral flows to measure.",
        )
    } else {
        measure(
            "referrals_delayed_pct",
            "Referrals, prescriptions and transfers delayed",
            format!(
                "{} ({} of {})",
                pct(referrals(k)),
                format::count(k.referrals_delayed as f64),
                format::count(k.referrals_total as f64)
            ),
            pct(referrals(b)),
            target(&e.referrals_delayed_pct, false, "%"),
            rate(Some(referrals(k)), &e.referrals_delayed_pct, false),
            "",
        )
    }];

    let stolen = 100.0 * ratio(k.records_exfiltrated as f64, facts.records_on_file as f64);
    let breach = vec![
        measure(
            "detection_hours",
            "Time from compromise to awareness",
            facts.detection_hours.map_or("never within the horizon".into(), |h| format!("{h:.0} h")),
            "—".into(),
            target(&e.detection_hours, false, " h"),
            if incident { rate(facts.detection_hours, &e.detection_hours, false) } else { Rating::NotRated },
            if incident { "" } else { "The run has no compromise." },
        ),
        measure(
            "records_stolen_pct",
            "Patient records stolen (share of records on file)",
            format!(
                "{} ({} records, {} of high sensitivity)",
                pct(stolen),
                format::count(k.records_exfiltrated as f64),
                format::count(k.records_exfiltrated_high_sensitivity as f64)
            ),
            "0.0%".into(),
            target(&e.records_stolen_pct, false, "%"),
            rate(Some(stolen), &e.records_stolen_pct, false),
            "",
        ),
    ];

    let mtpd = |k: &Kpis| 100.0 * ratio(k.providers_mtpd_breached as f64, n);
    let cleared = k
        .backlog_cleared_day
        .map(|d| f64::from(d.saturating_sub(facts.last_restore_day.or(facts.compromise_day).unwrap_or(0))));
    let recovery = vec![
        measure(
            "time_to_recovery_days",
            "Time to recovery (service level back to 95% of normal)",
            match k.time_to_recovery_days {
                Some(0) => "0 days: the 7-day service level never fell below 95% of normal".into(),
                d => days_opt(d.map(f64::from)),
            },
            "—".into(),
            target(&e.time_to_recovery_days, false, " days"),
            if incident {
                rate(k.time_to_recovery_days.map(f64::from), &e.time_to_recovery_days, false)
            } else {
                Rating::NotRated
            },
            if incident { "" } else { "The run has no compromise." },
        ),
        measure(
            "mtpd_breached_pct",
            "Providers disrupted beyond their maximum tolerable period",
            format!(
                "{} ({} of {})",
                pct(mtpd(k)),
                format::count(k.providers_mtpd_breached as f64),
                format::count(facts.providers as f64)
            ),
            pct(mtpd(b)),
            target(&e.mtpd_breached_pct, false, "%"),
            rate(Some(mtpd(k)), &e.mtpd_breached_pct, false),
            "",
        ),
        measure(
            "backlog_cleared_days",
            "Backlog back to normal, days after the last restore",
            days_opt(cleared),
            "—".into(),
            target(&e.backlog_cleared_days, false, " days"),
            if incident { rate(cleared, &e.backlog_cleared_days, false) } else { Rating::NotRated },
            if incident { "" } else { "The run has no compromise." },
        ),
    ];

    let charts = [
        Some(plot::service_level::STEM),
        Some(plot::staff::STEM),
        Some(plot::exchange::STEM),
        Some(plot::records::STEM),
        Some(plot::backlog::STEM),
    ];
    [continuity, staffing, exchange, breach, recovery]
        .into_iter()
        .zip(CAPABILITIES)
        .zip(charts)
        .map(|((measures, (name, objective)), chart)| Capability {
            name,
            objective,
            rating: measures.iter().fold(Rating::NotRated, |r, m| r.worst(m.rating)),
            measures,
            chart,
        })
        .collect()
}

/// What kind of line a timeline entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// An inject from the scenario's timeline.
    Inject,
    /// A decision taken by the room (exercise mode) or a decision script.
    Decision,
    /// A duty falling due (notification deadlines).
    Deadline,
    /// Something the model observed (records stolen, protocol exhausted, recovery).
    Consequence,
}

impl EntryKind {
    pub fn label(self) -> &'static str {
        match self {
            EntryKind::Inject => "inject",
            EntryKind::Decision => "decision",
            EntryKind::Deadline => "deadline",
            EntryKind::Consequence => "consequence",
        }
    }
}

/// One line of the report's timeline. Decisions (a later feature) are added as entries of
/// kind [`EntryKind::Decision`] before rendering; [`sort_timeline`] keeps the order.
#[derive(Debug, Clone)]
pub struct TimelineEntry {
    pub day: u32,
    pub hour: u32,
    pub kind: EntryKind,
    /// Short key or title, e.g. "disconnect".
    pub event: String,
    /// What it acts on.
    pub target: String,
    /// Text for the room (scenario text: escaped when rendered).
    pub text: String,
}

/// Event text with its long whole numbers given thousands separators ("1800000 patient
/// records" → "1,800,000 patient records"); the CSV keeps the model's text as it is.
fn readable_numbers(text: &str) -> String {
    text.split(' ')
        .map(|w| match w.parse::<u64>() {
            Ok(n) if w.len() > 4 => format::count(n as f64),
            _ => w.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The timeline as it happened (`events.csv`), plus the model's milestones.
pub fn timeline_from(outcome: &Outcome, k: &Kpis) -> Vec<TimelineEntry> {
    let mut out: Vec<TimelineEntry> = outcome
        .events
        .iter()
        .map(|e| {
            let hours = e.tick * outcome.tick_hours;
            let kind = match e.event.as_str() {
                "deadline" => EntryKind::Deadline,
                "records_stolen" => EntryKind::Consequence,
                "decision" | "decided" => EntryKind::Decision,
                _ => EntryKind::Inject,
            };
            TimelineEntry {
                day: hours / 24,
                hour: hours % 24,
                kind,
                event: e.event.replace('_', " "),
                target: e.target.clone(),
                text: readable_numbers(&e.text),
            }
        })
        .collect();
    let mut milestone = |day: u32, event: &str, text: String| {
        out.push(TimelineEntry {
            day,
            hour: 23,
            kind: EntryKind::Consequence,
            event: event.into(),
            target: String::new(),
            text,
        })
    };
    if let Some(d) = k.protocol_exhaustion_day {
        milestone(
            d,
            "protocol exhausted",
            format!(
                "The first provider's emergency protocol can no longer be staffed ({} in all by the end).",
                format::plural(k.providers_exhausted as f64, "provider")
            ),
        );
    }
    let facts = Facts::of(outcome);
    if let (Some(c), Some(t)) = (facts.compromise_day, k.time_to_recovery_days) {
        let text = if t == 0 {
            "The 7-day service level never falls below 95% of normal after the compromise."
        } else {
            "The 7-day service level is back to 95% of normal and stays there."
        };
        milestone(c + t, "recovered", text.into());
    }
    if let Some(d) = k.backlog_cleared_day {
        milestone(d, "backlog cleared", "The backlog is back within 5% of normal.".into());
    }
    sort_timeline(&mut out);
    out
}

/// Order entries by time (stable: same-time entries keep their order).
pub fn sort_timeline(entries: &mut [TimelineEntry]) {
    entries.sort_by_key(|e| (e.day, e.hour));
}

/// One row of the improvement plan.
#[derive(Debug, Clone)]
pub struct Improvement {
    pub capability: &'static str,
    pub rating: Rating,
    /// The observation: what fell short and by how much.
    pub issue: String,
    pub action: &'static str,
    pub owner: &'static str,
    /// Completion date to agree.
    pub due: Date,
}

/// The corrective action and owner suggested for a missed measure.
pub fn action_for(key: &str) -> (&'static str, &'static str) {
    match key {
        "care_delivered_pct" => (
            "Review the fallback procedures of the services that lost most care; prepare paper and phone workflows and drill them twice a year.",
            "Head of care operations",
        ),
        "urgent_delayed_per_10k" => (
            "Agree a triage and diversion protocol for urgent patients with neighbouring providers, with capacity reserved in advance.",
            "Medical director",
        ),
        "providers_exhausted_pct" => (
            "Strengthen the staffing reserve of the emergency protocol: surge pool, agency agreements, cross-trained admin staff, shorter call-in time.",
            "HR director",
        ),
        "extra_overtime_hours_per_provider" => (
            "Limit sustained overtime with rotations and call in surge staff earlier, before fatigue raises sick leave.",
            "HR director with department heads",
        ),
        "referrals_delayed_pct" => (
            "Agree a fallback route for referrals, prescriptions and lab orders (secure e-mail, phone, courier) with regional partners and test it.",
            "Regional care network coordinator",
        ),
        "detection_hours" => (
            "Contract the vendor to report incidents within 24 h; subscribe to sector CERT alerts; monitor the vendor's services.",
            "CISO with the contract manager",
        ),
        "records_stolen_pct" => (
            "Reassess the hosting of patient data: minimise what sits in the vendor cloud, require encryption with provider-held keys, and prepare patient communication and the 72 h notification.",
            "Data protection officer with the CISO",
        ),
        "time_to_recovery_days" => (
            "Plan the staged restore with the vendor: priority order, validation steps and capacity to catch up after each stage.",
            "CIO",
        ),
        "mtpd_breached_pct" => (
            "Align the maximum tolerable period of disruption with the vendor's realistic recovery time, or add an alternative (read-only copy, self-hosted fallback).",
            "Board member responsible for continuity",
        ),
        "backlog_cleared_days" => (
            "Plan catch-up capacity for after the restore (extra sessions, evening and weekend clinics) and agree how waiting patients are prioritised.",
            "Head of care operations",
        ),
        _ => ("Review with the capability's owner.", "Exercise director"),
    }
}

/// Improvement-plan rows for every measure rated S, M or U, worst first. Due dates: 90 days
/// after the exercise horizon for M and U, 180 days for S.
pub fn improvement_plan(capabilities: &[Capability], end: Date) -> Vec<Improvement> {
    let mut out = Vec::new();
    for c in capabilities {
        for m in &c.measures {
            if !matches!(m.rating, Rating::S | Rating::M | Rating::U) {
                continue;
            }
            let (action, owner) = action_for(m.key);
            out.push(Improvement {
                capability: c.name,
                rating: m.rating,
                issue: format!("{}: {} (target {}).", m.name, m.value, m.target),
                action,
                owner,
                due: end.plus_days(if m.rating == Rating::S { 180 } else { 90 }),
            });
        }
    }
    out.sort_by_key(|i| std::cmp::Reverse(i.rating));
    out
}

/// A provider kind taking part: how many, patients on record, hosting mix.
#[derive(Debug, Clone)]
pub struct Participant {
    pub kind: &'static str,
    pub providers: u64,
    pub patients: u64,
    /// Providers by hosting: vendor cloud, self-hosted, third party.
    pub hosting: [u64; 3],
    pub high_sensitivity: bool,
}

/// What each option of one decision did, or would have done, to the headline KPIs (exercise
/// mode): the same scenario and seed with only that choice changed.
#[derive(Debug, Clone)]
pub struct Counterfactual {
    /// The decision's id.
    pub id: String,
    /// The question put to the room (scenario text).
    pub question: String,
    /// When the decision point is scheduled.
    pub day: u32,
    pub hour: u32,
    /// Index of the option taken, and of the default.
    pub chosen: usize,
    pub default: usize,
    /// Every option: key, label (scenario text) and the KPIs of the run with it taken.
    pub options: Vec<(String, String, Kpis)>,
}

/// The provider kind the incident hit hardest: the lowest 7-day service level relative to the
/// same kind's level in the baseline run, on any day from the first compromise on.
#[derive(Debug, Clone, PartialEq)]
pub struct WorstHit {
    /// Human label, e.g. "GP practices".
    pub kind: &'static str,
    /// The lowest level, as a percentage of the baseline's level on the same day.
    pub floor_pct: f64,
    /// The day it was lowest.
    pub day: u32,
}

/// The hardest-hit provider kind of a run, if the run has an incident.
pub fn worst_hit(incident: &Outcome, baseline: &Outcome) -> Option<WorstHit> {
    let ticks_per_day = 24 / incident.tick_hours.max(1);
    let from = incident.incident.first_compromise? / ticks_per_day;
    let mut worst: Option<WorstHit> = None;
    for kind in ProviderKind::ALL {
        if !incident.providers.iter().any(|p| p.kind == kind) {
            continue;
        }
        let level = crate::kpi::service_level_7d(&crate::kpi::daily(incident, Some(kind)));
        let normal = crate::kpi::service_level_7d(&crate::kpi::daily(baseline, Some(kind)));
        for (d, (l, n)) in level.iter().zip(&normal).enumerate().skip(from as usize) {
            if *n <= 0.0 {
                continue;
            }
            let rel = 100.0 * l / n;
            if worst.as_ref().is_none_or(|w| rel < w.floor_pct - 1e-9) {
                worst = Some(WorstHit { kind: plot::kind_label(kind.key()), floor_pct: rel, day: d as u32 });
            }
        }
    }
    worst
}

/// Everything the report shows, assembled once and rendered as Markdown and HTML.
#[derive(Debug, Clone)]
pub struct Report {
    pub summary: RunSummary,
    pub start: Date,
    pub end: Date,
    pub description: String,
    pub vendors: Vec<String>,
    pub platforms: Vec<String>,
    pub participants: Vec<Participant>,
    pub facts: Facts,
    pub capabilities: Vec<Capability>,
    /// The timeline; add decisions here before rendering (then [`sort_timeline`]).
    pub timeline: Vec<TimelineEntry>,
    pub improvements: Vec<Improvement>,
    /// Charts as (stem in `plots/`, caption).
    pub charts: Vec<(&'static str, &'static str)>,
    /// Exercise mode: each decision's options and what they did; empty for other runs.
    pub counterfactuals: Vec<Counterfactual>,
    /// The command that produced the run, named in the report ("downtime run").
    pub generated_by: &'static str,
    /// The provider kind hit hardest, for the executive summary.
    pub worst_hit: Option<WorstHit>,
    /// Extra sections shown after the analysis of capabilities (such as observed figures
    /// against the model's); empty by default.
    pub sections: Vec<Section>,
    /// Sections a command adds (exercise: the room's answers, votes, observations, hot wash),
    /// as Markdown and as an HTML fragment; empty for other runs.
    pub extra_md: String,
    pub extra_html: String,
}

impl Report {
    /// Assemble the report of a run from its outcome, the baseline and its summary.
    pub fn new(incident: &Outcome, baseline: &Outcome, summary: &RunSummary) -> Self {
        let s = &incident.scenario;
        let facts = Facts::of(incident);
        let capabilities = assess(&summary.kpis, &summary.baseline, &facts, &s.evaluation);
        let end = s.start.plus_days(i64::from(incident.days.saturating_sub(1)));
        let participants = ProviderKind::ALL
            .into_iter()
            .filter_map(|k| {
                let of_kind: Vec<_> = s.providers.iter().filter(|p| p.kind == k).collect();
                if of_kind.is_empty() {
                    return None;
                }
                let count = |h: Hosting| of_kind.iter().filter(|p| p.hosting == h).count() as u64;
                Some(Participant {
                    kind: plot::kind_label(k.key()),
                    providers: of_kind.len() as u64,
                    patients: of_kind.iter().map(|p| p.patients).sum(),
                    hosting: [count(Hosting::VendorCloud), count(Hosting::SelfHosted), count(Hosting::ThirdParty)],
                    high_sensitivity: of_kind.iter().any(|p| p.high_sensitivity),
                })
            })
            .collect();
        Report {
            summary: summary.clone(),
            start: s.start,
            end,
            description: s.description.clone(),
            vendors: s.vendors.iter().map(|v| v.name.clone()).collect(),
            platforms: s.platforms.iter().map(|p| p.name.clone()).collect(),
            participants,
            improvements: improvement_plan(&capabilities, end),
            timeline: timeline_from(incident, &summary.kpis),
            capabilities,
            facts,
            charts: plot::RUN_CHARTS.to_vec(),
            counterfactuals: Vec::new(),
            generated_by: "downtime run",
            worst_hit: worst_hit(incident, baseline),
            sections: crate::fit::section(&summary.observed, false).into_iter().collect(),
            extra_md: String::new(),
            extra_html: String::new(),
        }
    }

    /// The date of day `d`.
    pub fn date(&self, d: u32) -> Date {
        self.start.plus_days(i64::from(d))
    }

    /// Strengths: measures rated P in capabilities rated P. A measure that met its own target
    /// is not a strength while its capability as a whole fell short (a capability takes the
    /// worst rating of its measures), so a strength never sits beside a weak rating.
    pub fn strengths(&self) -> Vec<(&'static str, &Measure)> {
        self.capabilities
            .iter()
            .filter(|c| c.rating == Rating::P)
            .flat_map(|c| c.measures.iter().filter(|m| m.rating == Rating::P).map(move |m| (c.name, m)))
            .collect()
    }

    /// Areas for improvement: measures rated S, M or U, worst first.
    pub fn weaknesses(&self) -> Vec<(&'static str, &Measure)> {
        let mut v: Vec<_> = self
            .capabilities
            .iter()
            .flat_map(|c| {
                c.measures
                    .iter()
                    .filter(|m| matches!(m.rating, Rating::S | Rating::M | Rating::U))
                    .map(move |m| (c.name, m))
            })
            .collect();
        v.sort_by_key(|(_, m)| std::cmp::Reverse(m.rating));
        v
    }

    /// The executive summary, one sentence per item, what hurt most first; every figure says
    /// what it is compared with (the baseline: the same scenario and seed without the incident).
    pub fn summary_sentences(&self) -> Vec<String> {
        let k = &self.summary.kpis;
        let b = &self.summary.baseline;
        let c = format::count;
        let mut out = Vec::new();
        if self.facts.compromise_day.is_none() {
            out.push(format!(
                "The scenario has no compromise: over {} the {} providers delivered {} of the {} cases demanded.",
                format::days(f64::from(self.summary.days)),
                c(self.summary.providers as f64),
                format::pct(k.care_delivered_pct),
                c(k.care_demand as f64)
            ));
            return out;
        }
        let mut first = format!(
            "At the worst point the incident put {} behind what the same providers deliver without it (the baseline run)",
            format::plural(k.care_behind_peak.max(0) as f64, "case")
        );
        if k.care_lost > 0 {
            first.push_str(&format!(
                "; {} had still not been delivered when the {}-day horizon ended",
                c(k.care_lost as f64),
                self.summary.days
            ));
        } else {
            first.push_str("; by the end of the horizon the providers had caught up");
        }
        first.push('.');
        out.push(first);
        out.push(format!(
            "{} urgent {} delayed past {} maximum wait (baseline: {}), and {} diverted to another provider (baseline: {}).",
            c(k.urgent_delayed as f64),
            if k.urgent_delayed == 1 { "case was" } else { "cases were" },
            if k.urgent_delayed == 1 { "its" } else { "their" },
            c(b.urgent_delayed as f64),
            c(k.diverted as f64),
            c(b.diverted as f64)
        ));
        if let Some(w) = &self.worst_hit
            && w.floor_pct < 99.95
        {
            out.push(format!(
                "Hardest hit: {}, whose service level over 7 days fell to {} of their normal level (the baseline's on the same day) on {}.",
                w.kind,
                format::pct(w.floor_pct),
                self.date(w.day)
            ));
        }
        out.push(format!(
            "Over the {} from {} to {}, the {} providers delivered {} of the {} cases demanded (baseline: {}); {} of them under the emergency protocol. The backlog peaked at {} cases waiting (baseline: {}).",
            format::days(f64::from(self.summary.days)),
            self.start,
            self.end,
            c(self.summary.providers as f64),
            format::pct(k.care_delivered_pct),
            c(k.care_demand as f64),
            format::pct(b.care_delivered_pct),
            c(k.care_delivered_fallback as f64),
            c(k.peak_backlog as f64),
            c(b.peak_backlog as f64)
        ));
        if let Some(d) = k.protocol_exhaustion_day {
            out.push(format!(
                "The first emergency protocol could no longer be staffed on {} (day {d}; none in the baseline); {} of {} providers were disrupted beyond their maximum tolerable period.",
                self.date(d),
                c(k.providers_mtpd_breached as f64),
                c(self.summary.providers as f64)
            ));
        }
        if k.records_exfiltrated > 0 {
            out.push(format!(
                "{} patient records were stolen ({} of the {} on file), {} of them of high sensitivity.",
                c(k.records_exfiltrated as f64),
                format::pct(100.0 * ratio(k.records_exfiltrated as f64, self.facts.records_on_file as f64)),
                c(self.facts.records_on_file as f64),
                c(k.records_exfiltrated_high_sensitivity as f64)
            ));
        }
        out
    }

    /// The executive summary as one paragraph of plain text.
    pub fn headline(&self) -> String {
        self.summary_sentences().join(" ")
    }
}

/// Write the charts into `dir/plots/`, then `report.md` and the self-contained `report.html`
/// into `dir`, each atomically. Returns the assembled report.
pub fn write_charts_and_report(
    dir: &Path,
    incident: &Outcome,
    baseline: &Outcome,
    summary: &RunSummary,
) -> Result<Report, Error> {
    write_charts_and_report_with(dir, incident, baseline, summary, |_| {})
}

/// [`write_charts_and_report`], letting `edit` add to the report before it is rendered (exercise
/// mode adds the room's decisions to the timeline and the counterfactuals).
pub fn write_charts_and_report_with(
    dir: &Path,
    incident: &Outcome,
    baseline: &Outcome,
    summary: &RunSummary,
    edit: impl FnOnce(&mut Report),
) -> Result<Report, Error> {
    let plots = dir.join("plots");
    plot::write_run_charts(&plots, incident, baseline)?;
    let mut report = Report::new(incident, baseline, summary);
    edit(&mut report);
    super::run_report::write(dir, &report)?;
    Ok(report)
}

/// Column headings of the counterfactual tables.
pub const COUNTERFACTUAL_COLUMNS: [&str; 6] =
    ["care delivered", "urgent delayed", "peak backlog", "overtime hours", "surge cost", "time to recovery"];

/// The headline KPIs of an option, each as (value, difference from the option taken; none for
/// the option taken itself), in [`COUNTERFACTUAL_COLUMNS`] order.
pub fn counterfactual_cells(k: &Kpis, taken: &Kpis, is_taken: bool) -> [(String, Option<String>); 6] {
    let signed = |d: f64, prefix: &str, unit: &str| {
        if d.abs() < 0.005 {
            "±0".to_string()
        } else {
            format!("{}{prefix}{}{unit}", if d > 0.0 { "+" } else { "−" }, format::count(d.abs()))
        }
    };
    let with = |v: String, d: Option<String>| (v, d.filter(|_| !is_taken));
    let pp = k.care_delivered_pct - taken.care_delivered_pct;
    let pp = if pp.abs() < 0.005 {
        "±0 pp".to_string()
    } else {
        format!("{}{:.2} pp", if pp > 0.0 { "+" } else { "−" }, pp.abs())
    };
    let recovery = |x: Option<u32>| x.map_or("not within the horizon".to_string(), |d| format::days(f64::from(d)));
    let recovery_delta = match (k.time_to_recovery_days, taken.time_to_recovery_days) {
        (Some(a), Some(b)) => Some(format::Unit::Days.diff(f64::from(a) - f64::from(b))),
        (None, None) => Some("±0".into()),
        _ => None,
    };
    [
        with(format!("{:.2}%", k.care_delivered_pct), Some(pp)),
        with(
            format::count(k.urgent_delayed as f64),
            Some(signed(k.urgent_delayed as f64 - taken.urgent_delayed as f64, "", "")),
        ),
        with(format::count(k.peak_backlog as f64), Some(signed((k.peak_backlog - taken.peak_backlog) as f64, "", ""))),
        with(format::count(k.overtime_hours.round()), Some(signed(k.overtime_hours - taken.overtime_hours, "", ""))),
        with(
            format!("€{}", format::count(k.surge_cost_eur.round())),
            Some(signed(k.surge_cost_eur - taken.surge_cost_eur, "€", "")),
        ),
        with(recovery(k.time_to_recovery_days), recovery_delta),
    ]
}
