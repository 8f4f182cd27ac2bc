//! The model beside what was observed: each `observed` figure of a scenario (a published
//! outcome of a real incident, or a provider's own last downtime) with the model's value over
//! the same window, the relative error and whether it falls within the stated band.
//!
//! Days count from the first compromise (its day is day 0 of a window). The series come from
//! the per-service counters of a run (see [`crate::sim::Outcome::service_series`]), restricted
//! to the observation's provider kind, service, urgency class and providers (affected by the
//! incident, not affected, or all); `Change` compares with the baseline run (same seed, no
//! incident).

use serde::{Deserialize, Serialize};

use crate::model::ServiceDay;
use crate::scenario::observed::Observed;
use crate::scenario::raw::{ObservedMeasure, ObservedMetric, ObservedProviders};
use crate::sim::Outcome;

/// One observation beside the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fit {
    pub name: String,
    /// What is measured, in words (for example "change in cases served, %").
    pub measure: String,
    /// Days from the first compromise, inclusive (not used by a recovery day).
    pub window: (i32, i32),
    /// Whether the figure is a recovery day (counted from the compromise, no window).
    #[serde(default)]
    pub recovery: bool,
    /// The published figure as written (a value, or a range "a to b").
    pub observed: String,
    pub observed_low: f64,
    pub observed_high: f64,
    /// The model's value (the mean over replications in a batch); null when it cannot be
    /// computed (no compromise, an empty window, a zero baseline, not recovered).
    pub model: Option<f64>,
    /// The 5th and 95th percentiles of the model's value over replications (batches only).
    pub model_p5: Option<f64>,
    pub model_p95: Option<f64>,
    /// Relative error of the model's value against the figure (0 inside a range).
    pub relative_error: Option<f64>,
    /// The band the scenario states for this figure, and whether the model is within it.
    pub band: f64,
    pub within_band: bool,
    pub source: String,
}

impl Fit {
    /// The fit of a model value (or a batch's mean with its percentiles) to an observation.
    pub fn new(o: &Observed, model: Option<f64>, p5: Option<f64>, p95: Option<f64>) -> Fit {
        Fit {
            name: o.name.clone(),
            measure: describe(o),
            window: o.window,
            recovery: matches!(o.measure, ObservedMeasure::RecoveryDay(_)),
            observed: o.value_text(),
            observed_low: o.low,
            observed_high: o.high,
            model: None,
            model_p5: None,
            model_p95: None,
            relative_error: None,
            band: o.band,
            within_band: false,
            source: o.source.clone(),
        }
        .with_stat(model, p5, p95)
    }
}

impl Fit {
    /// This observation with the model's value taken from replications (their mean, 5th and
    /// 95th percentiles; runs where it could not be computed are left out).
    pub fn with_values(&self, values: &[f64]) -> Fit {
        let mut xs: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        xs.sort_by(f64::total_cmp);
        let mean = (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64);
        let q = |p| (!xs.is_empty()).then(|| crate::batch::quantile(&xs, p));
        self.with_stat(mean, q(0.05), q(0.95))
    }

    /// This observation with the model's mean over replications and its percentiles.
    pub fn with_stat(&self, mean: Option<f64>, p5: Option<f64>, p95: Option<f64>) -> Fit {
        let relative_error =
            mean.map(|m| crate::scenario::observed::relative_error(self.observed_low, self.observed_high, m));
        Fit {
            model: mean.map(round2),
            model_p5: p5.map(round2),
            model_p95: p95.map(round2),
            relative_error: relative_error.map(|e| (e * 1000.0).round() / 1000.0),
            within_band: relative_error.is_some_and(|e| e.abs() <= self.band + 1e-9),
            ..self.clone()
        }
    }
}

/// Every observation of the run's scenario beside the run.
pub fn evaluate(outcome: &Outcome, baseline: &Outcome) -> Vec<Fit> {
    outcome.scenario.observed.iter().map(|o| Fit::new(o, model_value(o, outcome, baseline), None, None)).collect()
}

/// The model's value for one observation.
pub fn model_value(o: &Observed, outcome: &Outcome, baseline: &Outcome) -> Option<f64> {
    let ticks_per_day = 24 / outcome.tick_hours;
    let compromise = i64::from(outcome.incident.first_compromise? / ticks_per_day);
    let inc = daily(o, outcome);
    let base = daily(o, baseline);
    let days = inc.len() as i64;
    let (from, to) = ((compromise + i64::from(o.window.0)).max(0), (compromise + i64::from(o.window.1)).min(days - 1));
    let sum = |v: &[f64]| -> f64 { if from > to { 0.0 } else { v[from as usize..=to as usize].iter().sum() } };
    match o.measure {
        ObservedMeasure::Total(_) => (from <= to).then(|| sum(&inc)),
        ObservedMeasure::Change(_) => {
            let b = sum(&base);
            (from <= to && b > 0.0).then(|| 100.0 * (sum(&inc) - b) / b)
        }
        ObservedMeasure::RecoveryDay(metric) => {
            let more_is_better = matches!(metric, ObservedMetric::Served | ObservedMetric::Demand);
            let week = |v: &[f64], d: usize| -> f64 { v[d.saturating_sub(6)..=d].iter().sum() };
            let mut recovered = None;
            for d in compromise.max(0) as usize..inc.len() {
                let (i, b) = (week(&inc, d), week(&base, d));
                let ok = if more_is_better { i >= 0.95 * b } else { i <= 1.05 * b + 1.0 };
                if ok {
                    recovered.get_or_insert(d);
                } else {
                    recovered = None;
                }
            }
            recovered.map(|d| (d as i64 - compromise) as f64)
        }
    }
}

/// The observation's metric per day of a run, over the matching service slots.
fn daily(o: &Observed, outcome: &Outcome) -> Vec<f64> {
    let metric = match o.measure {
        ObservedMeasure::Change(m) | ObservedMeasure::Total(m) | ObservedMeasure::RecoveryDay(m) => m,
    };
    let matches: Vec<bool> = outcome
        .slots
        .iter()
        .map(|s| {
            o.kind.is_none_or(|k| k == s.kind)
                && o.vendor.is_none_or(|v| v == usize::from(s.vendor))
                && o.service.as_ref().is_none_or(|n| *n == s.service)
                && match o.providers {
                    ObservedProviders::Affected => s.affected,
                    ObservedProviders::Unaffected => !s.affected,
                    ObservedProviders::All => true,
                }
        })
        .collect();
    let mut v = vec![0.0; outcome.days as usize];
    for (day, slot, d) in &outcome.service_series {
        if matches.get(*slot as usize).copied().unwrap_or(false)
            && let Some(x) = v.get_mut(*day as usize)
        {
            *x += value(d, metric, o.class);
        }
    }
    v
}

fn value(d: &ServiceDay, metric: ObservedMetric, class: Option<usize>) -> f64 {
    let classes = |a: &[u64; 3]| -> u64 { class.map_or(a.iter().sum(), |c| a[c]) };
    (match metric {
        ObservedMetric::Served => classes(&d.served),
        ObservedMetric::Demand => classes(&d.demand),
        ObservedMetric::Cancelled => classes(&d.cancelled),
        ObservedMetric::Postponed => classes(&d.postponed),
        ObservedMetric::Diverted => {
            if class.is_none_or(|c| c == 0) {
                d.diverted
            } else {
                0
            }
        }
        ObservedMetric::WalkedOut => classes(&d.walked_out),
    }) as f64
}

/// The measure in words.
pub fn describe(o: &Observed) -> String {
    let metric = |m: ObservedMetric| match m {
        ObservedMetric::Served => "cases served",
        ObservedMetric::Demand => "cases arriving",
        ObservedMetric::Cancelled => "appointments cancelled ahead",
        ObservedMetric::Postponed => "cases postponed",
        ObservedMetric::Diverted => "urgent cases diverted",
        ObservedMetric::WalkedOut => "patients who left unseen",
    };
    let (what, unit) = match o.measure {
        ObservedMeasure::Change(m) => (format!("change in {}", metric(m)), "%"),
        ObservedMeasure::Total(m) => (metric(m).to_string(), "cases"),
        ObservedMeasure::RecoveryDay(m) => (format!("days until {} back to normal", metric(m)), "days"),
    };
    let whose = match o.providers {
        ObservedProviders::Affected => "affected",
        ObservedProviders::Unaffected => "unaffected",
        ObservedProviders::All => "all",
    };
    let kind = o.kind.map_or("providers".to_string(), |k| k.key().replace('_', " "));
    let service = o.service.as_ref().map_or(String::new(), |s| format!(" {s}"));
    format!("{what}, {unit} ({whose} {kind}{service})")
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The fit as a terminal table, one line per observation.
pub fn table(fits: &[Fit]) -> String {
    if fits.is_empty() {
        return String::new();
    }
    let mut out = String::from("Observed beside the model (relative error; within the stated band?)\n");
    let rows: Vec<Vec<String>> = fits
        .iter()
        .map(|f| {
            vec![
                f.name.clone(),
                f.observed.to_string(),
                f.model.map_or("—".to_string(), |m| format!("{m:.1}")),
                f.relative_error.map_or("—".to_string(), |e| format!("{:+.0}%", e * 100.0)),
                format!("{} (±{:.0}%)", if f.within_band { "fits" } else { "MISS" }, f.band * 100.0),
            ]
        })
        .collect();
    out.push_str(&crate::text::table(&["observation", "observed", "model", "error", "fit"], &rows));
    out
}

/// The fit as a report section (run and batch reports), or `None` when there is nothing observed.
pub fn section(fits: &[Fit], batch: bool) -> Option<crate::report::render::Section> {
    use crate::report::render::{Cell, Column, Section, Table};
    if fits.is_empty() {
        return None;
    }
    let pct = |e: f64| format!("{:+.0}%", e * 100.0);
    let mut columns = vec![
        Column::text("observation"),
        Column::text("measure"),
        Column::num("days"),
        Column::num("observed"),
        Column::num(if batch { "model (mean)" } else { "model" }),
    ];
    columns.extend([Column::num("error"), Column::text("fit"), Column::text("source")]);
    let rows = fits
        .iter()
        .map(|f| {
            let model = Cell::new(f.model.map_or("—".to_string(), |m| format!("{m:.1}")));
            let model = match (f.model_p5, f.model_p95) {
                (Some(a), Some(b)) if batch => model.with_sub(format!("90% of runs {a:.1} to {b:.1}")),
                _ => model,
            };
            vec![
                Cell::new(f.name.clone()),
                Cell::new(f.measure.clone()),
                Cell::new(if f.recovery { "from 0".to_string() } else { format!("{} to {}", f.window.0, f.window.1) }),
                Cell::new(f.observed.clone()),
                model,
                Cell::new(f.relative_error.map_or("—".to_string(), pct)),
                Cell::new(format!("{} (±{:.0}%)", if f.within_band { "fits" } else { "misses" }, f.band * 100.0))
                    .with_class(if f.within_band { "better" } else { "worse" }),
                Cell::new(f.source.clone()),
            ]
        })
        .collect();
    let fits_n = fits.iter().filter(|f| f.within_band).count();
    Some(Section {
        id: "observed".into(),
        title: "Observed beside the model".into(),
        paragraphs: vec![format!(
            "Published figures of the incident this scenario describes, beside the model's value over the same window (days from the first compromise){}. A figure fits when the relative error is within its band: {fits_n} of {} do.{}",
            if batch { ", the mean over the replications" } else { "" },
            fits.len(),
            if batch {
                ""
            } else {
                " This is one run: a service with a few dozen cases a day varies by several points from run to run, so judge the fit on the mean of a batch (`downtime batch`)."
            }
        )],
        table: Some(Table { columns, rows }),
        notes: vec![
            "The relative error is 0 inside a published range, else the distance to its nearest end over that end. docs/model.md describes each calibration case and why a band is wider where it is."
                .into(),
        ],
    })
}
