//! The report models of `batch`, `compare` and `sweep` (`report.md` and a self-contained
//! `report.html`, rendered through `batch.*`, `compare.*` and `sweep.*`): what was run and what
//! varies between replications, a KPI table (for comparisons and sweeps: the paired difference
//! from the reference with its 95% interval, Student's t, and a better / worse / within-noise
//! mark that follows each KPI's direction), the charts, and a written conclusion that says what
//! the numbers support and what they do not. Built from the replication records, so a merge of
//! shards writes the same report as the unsharded run.

use std::path::Path;

use serde::Serialize;

use super::direction::{self, KpiInfo, Verdict};
use super::format::{self, Unit};
use super::render::{self, Cell, Column, Figure, Section, Table};
use super::stats::MeanCi;
use super::write_atomic;
use crate::batch::{Layout, Record};
use crate::error::Error;

/// The values of KPI `key` in each record (`None` where null or unknown).
pub fn column(layout: &Layout, records: &[Record], key: &str) -> Vec<Option<f64>> {
    let Some(i) = layout.kpis.iter().position(|k| k == key) else { return vec![None; records.len()] };
    records.iter().map(|r| r.kpis.get(i).copied().flatten().map(|e| e.0)).collect()
}

/// One KPI of one variant against the reference: both means and the paired difference.
#[derive(Debug, Clone, Serialize)]
pub struct KpiDiff {
    pub key: &'static str,
    pub label: &'static str,
    pub reference: Option<MeanCi>,
    pub value: Option<MeanCi>,
    /// The paired difference (variant − reference) over the replications both have.
    pub diff: Option<MeanCi>,
    pub verdict: Verdict,
}

/// Every shown KPI of `records` against `reference` (the same replications).
pub fn kpi_diffs(layout: &Layout, reference: &[Record], records: &[Record]) -> Vec<KpiDiff> {
    direction::KPIS
        .iter()
        .filter(|k| layout.kpis.iter().any(|x| x == k.key))
        .map(|k| {
            let a = column(layout, reference, k.key);
            let b = column(layout, records, k.key);
            let diff = MeanCi::paired(&a, &b);
            let verdict = diff.as_ref().map_or(Verdict::NoDifference, |d| Verdict::of(d, k.direction));
            let some = |v: &[Option<f64>]| MeanCi::of(&v.iter().flatten().copied().collect::<Vec<_>>());
            KpiDiff { key: k.key, label: k.label, reference: some(&a), value: some(&b), diff, verdict }
        })
        .collect()
}

fn info(key: &str) -> &'static KpiInfo {
    direction::kpi(key).unwrap_or(&direction::KPIS[0])
}

/// A value for the policy tables: percentages with two decimals, where means of many runs
/// differ in the second.
fn precise(unit: Unit, x: f64) -> String {
    match unit {
        Unit::Percent if x.is_finite() => format!("{x:.2}%"),
        u => u.value(x),
    }
}

/// A mean and, below it, its 95% interval, in the KPI's unit.
fn mean_ci(unit: Unit, ci: &Option<MeanCi>) -> (String, String) {
    match ci {
        None => ("—".into(), String::new()),
        Some(c) if c.n < 2 || c.half_width == 0.0 => (precise(unit, c.mean), String::new()),
        Some(c) => (precise(unit, c.mean), format!("95% CI {} to {}", precise(unit, c.low), precise(unit, c.high))),
    }
}

/// The cell of a difference: signed value, interval, and the mark.
pub fn diff_cell(d: &KpiDiff) -> Cell {
    let unit = info(d.key).unit;
    match &d.diff {
        None => Cell::new("—"),
        Some(c) => {
            let text = format!("{} {}", unit.diff(c.mean), d.verdict.mark());
            let sub = if c.half_width > 0.0 && c.half_width.is_finite() {
                format!("95% CI {} to {}", unit.diff(c.low), unit.diff(c.high))
            } else {
                String::new()
            };
            Cell::new(text).with_sub(sub).with_class(d.verdict.class())
        }
    }
}

/// A table of every KPI of one variant against the reference.
pub fn diff_table(reference: &str, variant: &str, diffs: &[KpiDiff]) -> Table {
    Table {
        columns: vec![
            Column::text("KPI"),
            Column::num(format!("{reference} (reference)")),
            Column::num(variant.to_string()),
            Column::num("difference, 95% CI"),
        ],
        rows: diffs
            .iter()
            .map(|d| {
                let unit = info(d.key).unit;
                let (rv, rs) = mean_ci(unit, &d.reference);
                let (vv, vs) = mean_ci(unit, &d.value);
                vec![Cell::new(d.label), Cell::new(rv).with_sub(rs), Cell::new(vv).with_sub(vs), diff_cell(d)]
            })
            .collect(),
    }
}

/// Why a KPI may not move between variants, for the conclusion.
fn why_unchanged(key: &str) -> &'static str {
    match key {
        "records_exfiltrated" | "records_exfiltrated_high_sensitivity" => {
            "records stolen do not change because records are stolen from the providers whose records sit in the compromised vendor's cloud; a variant changes them only if it changes who those cloud tenants are (their vendor or their hosting), which these variants do not"
        }
        "notification_deadlines_met_pct" => {
            "notification deadlines follow the breach and the scenario's response times, which these variants do not change"
        }
        "providers_exhausted" => {
            "none of the levers in these variants changes whether an emergency protocol runs out of staff"
        }
        _ => "none of the levers in these variants acts on it",
    }
}

/// The conclusion of a comparison of `variants` (label, diffs) against `reference`.
pub fn conclusion(reference: &str, variants: &[(String, Vec<KpiDiff>)], runs: u64) -> Vec<String> {
    let mut out = Vec::new();
    // The answer first: which variant puts the fewest and the most cases behind normal.
    let behind: Vec<(&str, f64)> = variants
        .iter()
        .filter_map(|(l, ds)| {
            let d = ds.iter().find(|d| d.key == "care_behind_peak")?;
            Some((l.as_str(), d.diff.as_ref().filter(|_| d.verdict != Verdict::WithinNoise)?.mean))
        })
        .collect();
    let best = behind.iter().copied().min_by(|a, b| a.1.total_cmp(&b.1));
    let worst = behind.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1));
    if let (Some(best), Some(worst)) = (best, worst)
        && variants.len() > 1
    {
        let unit = Unit::Count;
        let mut parts = Vec::new();
        if best.1 < 0.0 {
            parts.push(format!(
                "{} protects care most ({} cases fewer behind normal at the incident's worst point than {reference})",
                best.0,
                unit.value(-best.1)
            ));
        }
        if worst.1 > 0.0 {
            parts.push(format!(
                "{} does most harm ({} cases more behind normal than {reference})",
                worst.0,
                unit.value(worst.1)
            ));
        }
        let s = if parts.is_empty() { String::new() } else { format!("Of the variants, {}.", parts.join("; ")) };
        if !s.is_empty() {
            out.push(s);
        }
    }
    for (label, diffs) in variants {
        let headline = |d: &&KpiDiff| OVERVIEW.contains(&d.key) || d.key == "care_lost";
        let better: Vec<String> =
            diffs.iter().filter(headline).filter(|d| d.verdict == Verdict::Better).map(describe).collect();
        let worse: Vec<String> =
            diffs.iter().filter(headline).filter(|d| d.verdict == Verdict::Worse).map(describe).collect();
        let others =
            diffs.iter().filter(|d| !headline(d) && matches!(d.verdict, Verdict::Better | Verdict::Worse)).count();
        let identical = diffs.iter().all(|d| d.verdict == Verdict::NoDifference);
        let mut s = format!("Against {reference}, {label} is ");
        match (better.is_empty(), worse.is_empty()) {
            _ if identical => s.push_str("identical in every KPI and every replication; the two give the same result."),
            (true, true) => s.push_str("not different beyond the noise between replications in the key figures."),
            (false, true) => s.push_str(&format!("better on {}; worse on none of the key figures.", better.join("; "))),
            (true, false) => s.push_str(&format!("worse on {}; better on none of the key figures.", worse.join("; "))),
            (false, false) => s.push_str(&format!("better on {}; worse on {}.", better.join("; "), worse.join("; "))),
        }
        if others > 0 && !identical {
            s.push_str(&format!(
                " {} other {} differ beyond the noise (see the details below).",
                format::count(others as f64),
                if others == 1 { "KPI" } else { "KPIs" }
            ));
        }
        out.push(s);
    }
    // KPIs that never move, where some variant does differ elsewhere.
    let all_identical = variants.iter().all(|(_, ds)| ds.iter().all(|d| d.verdict == Verdict::NoDifference));
    if let Some((_, first)) = variants.first()
        && !all_identical
    {
        let unchanged: Vec<&KpiDiff> = first
            .iter()
            .enumerate()
            .filter(|(i, d)| {
                d.reference.as_ref().is_some_and(|r| r.mean != 0.0)
                    && variants.iter().all(|(_, ds)| ds.get(*i).is_some_and(|x| x.verdict == Verdict::NoDifference))
            })
            .map(|(_, d)| d)
            .collect();
        if !unchanged.is_empty() {
            let names: Vec<String> = unchanged.iter().map(|d| short(d.label)).collect();
            let mut s = format!("Exactly the same in every variant and every replication: {}.", names.join(", "));
            let mut reasons: Vec<&str> = unchanged.iter().map(|d| why_unchanged(d.key)).collect();
            reasons.dedup();
            for r in reasons.iter().filter(|r| !r.starts_with("none of")) {
                s.push_str(&format!(" {}.", capitalise(r)));
            }
            out.push(s);
        }
    }
    out.push(format!(
        "What these numbers do not support: each interval is a 95% confidence interval of the mean over {} paired replications (Student's t on {} degrees of freedom); it covers the model's randomness (arrivals, incident timing, staff sickness), not uncertainty in the scenario's parameters or in the model itself. \"Within noise\" means the data cannot tell the variants apart, not that they are equal; more replications (--runs) narrow the intervals.",
        format::count(runs as f64),
        format::count(runs.saturating_sub(1) as f64)
    ));
    out
}

/// The text with its first letter in upper case.
fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

/// A KPI label without its unit, lower case: "care behind normal at the peak".
fn short(label: &str) -> String {
    let l = label.split(" (").next().unwrap_or(label);
    if l.starts_with("of which") { format!("records stolen {l}") } else { l.to_lowercase() }
}

fn describe(d: &KpiDiff) -> String {
    let unit = info(d.key).unit;
    let label = short(d.label);
    match &d.diff {
        Some(c) if c.half_width > 0.0 && c.half_width.is_finite() => {
            format!("{label} ({}, 95% CI {} to {})", unit.diff(c.mean), unit.diff(c.low), unit.diff(c.high))
        }
        Some(c) => format!("{label} ({} in every replication)", unit.diff(c.mean)),
        None => label,
    }
}

/// The model of a comparison or sweep report.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyView {
    /// "Comparison" or "Policy sweep".
    pub kind: &'static str,
    pub title: String,
    pub subtitle: String,
    pub version: &'static str,
    pub generated_by: String,
    /// What was compared and why.
    pub intro: Vec<String>,
    /// How many replications and what varies between them.
    pub method: Vec<String>,
    /// The overview table (one row per variant).
    pub overview: Table,
    pub figures: Vec<Figure>,
    pub conclusion: Vec<String>,
    /// Details: one section per variant against the reference, and any extra blocks.
    pub sections: Vec<Section>,
    pub data_files: String,
}

/// The model of a batch report.
#[derive(Debug, Clone, Serialize)]
pub struct BatchView {
    pub title: String,
    pub subtitle: String,
    pub version: &'static str,
    pub intro: Vec<String>,
    pub method: Vec<String>,
    pub table: Table,
    pub figures: Vec<Figure>,
    pub conclusion: Vec<String>,
    pub sections: Vec<Section>,
}

/// The method paragraph shared by the reports of many replications.
pub fn method(runs: u64, seed: u64, paired: bool) -> Vec<String> {
    let mut v = vec![format!(
        "{} from master seed {}. Replication r draws its random numbers from the stream (seed, r): patient arrivals, injects whose time is drawn from a distribution, staff sickness. Everything else is the scenario's. Each replication is measured against its own baseline: the same draws without the incident.",
        format::plural(runs as f64, "replication"),
        seed
    )];
    if paired {
        v.push("Every variant runs the same replications (common random numbers), so a difference is taken per replication (variant − reference) and averaged: the paired difference, which is far less noisy than the difference of two separate means. ▲ better and ▼ worse follow each KPI's direction (fewer cases delayed is better; more care delivered is better) and are shown only when the 95% interval of the paired difference excludes zero; ≈ within noise otherwise; = no difference when every replication gave the same value.".into());
    }
    v
}

/// Write `report.md` and `report.html` of a comparison or sweep into `dir`.
pub fn write_policy(dir: &Path, view: &PolicyView) -> Result<(), Error> {
    write_atomic(&dir.join("report.md"), render::render("policy.md", view)?.as_bytes())?;
    write_atomic(&dir.join("report.html"), render::render("policy.html", view)?.as_bytes())?;
    Ok(())
}

/// Write `report.md` and `report.html` of a batch into `dir`.
pub fn write_batch(dir: &Path, view: &BatchView) -> Result<(), Error> {
    write_atomic(&dir.join("report.md"), render::render("batch.md", view)?.as_bytes())?;
    write_atomic(&dir.join("report.html"), render::render("batch.html", view)?.as_bytes())?;
    Ok(())
}

/// The batch table: per KPI the mean with its 95% interval, median and 5th–95th percentile.
pub fn batch_table(layout: &Layout, records: &[Record]) -> Table {
    let mut rows = Vec::new();
    for k in direction::KPIS.iter().filter(|k| layout.kpis.iter().any(|x| x == k.key)) {
        let values = column(layout, records, k.key);
        let mut xs: Vec<f64> = values.iter().flatten().copied().collect();
        let nulls = values.len() - xs.len();
        let ci = MeanCi::of(&xs);
        xs.sort_by(f64::total_cmp);
        let q = |p| if xs.is_empty() { "—".to_string() } else { precise(k.unit, crate::batch::quantile(&xs, p)) };
        let (mean, sub) = mean_ci(k.unit, &ci);
        let missing = match (nulls, k.key) {
            (0, _) => String::new(),
            (n, "time_to_recovery_days") => {
                format!("not recovered within the horizon in {}", format::plural(n as f64, "run"))
            }
            (n, _) => format!("no value in {}", format::plural(n as f64, "run")),
        };
        rows.push(vec![
            Cell::new(k.label),
            Cell::new(mean).with_sub(sub),
            Cell::new(q(0.5)),
            Cell::new(format!("{} to {}", q(0.05), q(0.95))).with_sub(missing),
        ]);
    }
    Table {
        columns: vec![
            Column::text("KPI"),
            Column::num("mean, 95% CI"),
            Column::num("median"),
            Column::num("5th to 95th percentile of runs"),
        ],
        rows,
    }
}

/// The model of a batch report: `meta` and the complete records in replication order; the
/// fan charts are already in `dir/plots/`.
pub fn batch_view(
    dir: &Path,
    meta: &crate::batch::BatchMeta,
    layout: &Layout,
    records: &[Record],
) -> Result<BatchView, Error> {
    let n = records.len() as u64;
    let stat = |key: &str| {
        let xs: Vec<f64> = column(layout, records, key).into_iter().flatten().collect();
        (MeanCi::of(&xs), xs)
    };
    let mut conclusion = Vec::new();
    let range = |xs: &[f64], unit: Unit| {
        let mut s = xs.to_vec();
        s.sort_by(f64::total_cmp);
        format!(
            "{} to {}",
            precise(unit, crate::batch::quantile(&s, 0.05)),
            precise(unit, crate::batch::quantile(&s, 0.95))
        )
    };
    let sentence = |key: &str, what: &str| -> Option<String> {
        let k = direction::kpi(key)?;
        let (ci, xs) = stat(key);
        let ci = ci?;
        if ci.sd == 0.0 {
            return Some(format!("{what}: {} in every replication.", k.unit.value(ci.mean)));
        }
        Some(format!(
            "{what}: {} on average (95% confidence interval of the mean {} to {}); in 90% of the replications between {}.",
            precise(k.unit, ci.mean),
            precise(k.unit, ci.low),
            precise(k.unit, ci.high),
            range(&xs, k.unit)
        ))
    };
    conclusion.extend(sentence(
        "care_behind_peak",
        "Care behind normal at the incident's worst point, in cases against each replication's baseline",
    ));
    conclusion.extend(sentence("urgent_delayed", "Urgent cases delayed past their maximum wait"));
    conclusion.extend(sentence("care_delivered_pct", "Share of the care demanded that was delivered"));
    let recovered = column(layout, records, "time_to_recovery_days");
    let with = recovered.iter().flatten().count();
    if with < recovered.len() {
        conclusion.push(format!(
            "The service level came back to 95% of normal within the horizon in {} of {} replications; in the others the horizon ended first, so the mean time to recovery covers only the replications that recovered.",
            format::count(with as f64),
            format::count(recovered.len() as f64)
        ));
    } else {
        conclusion.extend(sentence(
            "time_to_recovery_days",
            "Time from the first compromise until the 7-day service level is back to 95% of normal",
        ));
    }
    let (records_ci, _) = stat("records_exfiltrated");
    if let Some(ci) = records_ci
        && ci.sd == 0.0
    {
        conclusion.push(format!(
            "Patient records stolen: {} in every replication. The breach's scope is set by the scenario (which providers' records sit in the compromised cloud), not drawn at random, so replications do not vary it.",
            format::count(ci.mean)
        ));
    } else {
        conclusion.extend(sentence("records_exfiltrated", "Patient records stolen"));
    }
    conclusion.push(format!(
        "What these numbers do not support: the intervals cover the model's randomness over {} (arrivals, incident timing, staff sickness), with Student's t on {} degrees of freedom; they do not cover uncertainty in the scenario's parameters (staffing, plans, outage length) or in the model itself.",
        format::plural(n as f64, "replication"),
        format::count(n.saturating_sub(1) as f64)
    ));
    let figures = vec![
        Figure::load(
            dir,
            "fan_service_level",
            "Service level of all providers over 7 days: the median replication and the 5th to 95th percentile band",
        )?,
        Figure::load(
            dir,
            "fan_backlog",
            "Cases waiting, all providers: the median replication and the 5th to 95th percentile band",
        )?,
    ];
    Ok(BatchView {
        title: meta.title.clone(),
        subtitle: format!(
            "Scenario {} · {} providers · {} · {} from seed {}",
            meta.scenario,
            format::count(meta.providers as f64),
            format::days(f64::from(meta.days)),
            format::plural(n as f64, "replication"),
            meta.seed
        ),
        version: render::VERSION,
        intro: vec![format!(
            "The scenario {} ({}) run {} times with different random draws, to see how much its outcome depends on chance: how far the figures of one run can be trusted, and how bad a bad case gets.",
            meta.title,
            meta.scenario,
            format::count(n as f64)
        )],
        method: method(n, meta.seed, false),
        table: batch_table(layout, records),
        figures,
        conclusion,
        sections: {
            let fits: Vec<crate::fit::Fit> = layout
                .observed
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let values: Vec<f64> =
                        records.iter().filter_map(|r| r.observed.get(i).copied().flatten().map(|e| e.0)).collect();
                    f.with_values(&values)
                })
                .collect();
            crate::fit::section(&fits, true).into_iter().collect()
        },
    })
}

/// KPIs of the overview table and the difference charts of comparisons and sweeps.
pub const OVERVIEW: [&str; 5] =
    ["care_behind_peak", "urgent_delayed", "care_delivered_pct", "records_exfiltrated", "time_to_recovery_days"];

/// KPIs drawn as difference charts.
pub const DIFF_CHARTS: [&str; 3] = ["care_behind_peak", "urgent_delayed", "records_exfiltrated"];

/// What a comparison or sweep report is about.
#[derive(Debug, Clone)]
pub struct PolicyInput<'a> {
    pub kind: &'static str,
    pub title: String,
    pub subtitle: String,
    pub generated_by: String,
    pub intro: Vec<String>,
    /// Variant labels, the first being the reference.
    pub labels: Vec<String>,
    /// Extra columns of the overview table (heading, one value per variant), e.g. HHI.
    pub extra: Vec<(String, Vec<String>)>,
    pub layout: &'a Layout,
    pub records: Vec<&'a [Record]>,
    pub seed: u64,
    pub data_files: String,
}

fn verdict_color(v: Verdict) -> plotters::style::RGBColor {
    match v {
        Verdict::Better => crate::plot::GREEN,
        Verdict::Worse => crate::plot::VERMILLION,
        _ => crate::plot::GREY,
    }
}

/// Draw the charts and assemble the report of a comparison or sweep; charts go to `dir/plots/`.
pub fn policy_view(dir: &Path, input: &PolicyInput) -> Result<PolicyView, Error> {
    let reference = input.labels.first().cloned().unwrap_or_default();
    let runs = input.records.first().map_or(0, |r| r.len() as u64);
    let diffs: Vec<Vec<KpiDiff>> = input.records.iter().map(|r| kpi_diffs(input.layout, input.records[0], r)).collect();
    // Overview.
    let mut columns = vec![Column::text("variant")];
    columns.extend(input.extra.iter().map(|(h, v)| {
        // Right-align a column of numbers only.
        let numeric = v.iter().all(|x| x.chars().all(|c| c.is_ascii_digit() || c == ',' || c == '.'));
        if numeric { Column::num(h.clone()) } else { Column::text(h.clone()) }
    }));
    let shown: Vec<&'static KpiInfo> = OVERVIEW.iter().filter_map(|k| direction::kpi(k)).collect();
    columns.extend(shown.iter().map(|k| Column::num(k.label)));
    let rows = input
        .labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let mut row = vec![Cell::new(label.clone()).with_sub(if i == 0 { "reference" } else { "" })];
            row.extend(input.extra.iter().map(|(_, v)| Cell::new(v.get(i).cloned().unwrap_or_default())));
            for k in &shown {
                let Some(d) = diffs[i].iter().find(|d| d.key == k.key) else {
                    row.push(Cell::new("—"));
                    continue;
                };
                let (mean, _) = mean_ci(k.unit, &d.value);
                if i == 0 {
                    row.push(Cell::new(mean));
                } else {
                    let dc = diff_cell(d);
                    row.push(Cell::new(mean).with_sub(dc.text).with_class(dc.class));
                }
            }
            row
        })
        .collect();
    // Charts: the paired difference from the reference, per KPI.
    let plots = dir.join("plots");
    let mut figures = Vec::new();
    let others: Vec<String> = input.labels.iter().skip(1).cloned().collect();
    for key in DIFF_CHARTS {
        let Some(k) = direction::kpi(key) else { continue };
        let ds: Vec<&KpiDiff> = diffs.iter().skip(1).filter_map(|v| v.iter().find(|d| d.key == key)).collect();
        // No chart where no variant differs at all: the conclusion says so in words.
        if ds.len() != others.len() || ds.is_empty() || ds.iter().all(|d| d.verdict == Verdict::NoDifference) {
            continue;
        }
        let get =
            |f: fn(&MeanCi) -> f64| -> Vec<f64> { ds.iter().map(|d| d.diff.as_ref().map_or(f64::NAN, f)).collect() };
        let colors: Vec<_> = ds.iter().map(|d| verdict_color(d.verdict)).collect();
        let value_labels: Vec<String> = ds
            .iter()
            .map(|d| d.diff.as_ref().map_or("—".into(), |c| format!("{} {}", k.unit.diff(c.mean), d.verdict.mark())))
            .collect();
        let what = k.label.split(" (").next().unwrap_or(k.label);
        let title = format!("{what}: difference from {reference}");
        let x_label = match k.unit {
            Unit::Percent => "percentage points".to_string(),
            Unit::Days => "days".to_string(),
            Unit::Amount => {
                k.label.split(" (").nth(1).map_or("difference".into(), |u| u.trim_end_matches(')').to_string())
            }
            Unit::Count if key.starts_with("records") => "patient records".to_string(),
            Unit::Count => "cases".to_string(),
        };
        let stem = format!("diff_{key}");
        crate::plot::HBarChart {
            title: &title,
            x_label: &x_label,
            footer: "Bar: mean paired difference (variant minus reference); whisker: its 95% confidence interval. Green better, red worse, grey within noise.",
            labels: &others,
            value: &get(|c| c.mean),
            lo: &get(|c| c.low),
            hi: &get(|c| c.high),
            colors: &colors,
            integer: matches!(k.unit, Unit::Count | Unit::Days),
            value_labels: &value_labels,
        }
        .write(&plots, &stem)?;
        figures.push(Figure::load(dir, &stem, &format!("{title}, with 95% confidence intervals"))?);
    }
    // Details per variant.
    let sections = input
        .labels
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, label)| Section {
            id: format!("variant-{i}"),
            title: format!("{label} against {reference}"),
            paragraphs: vec![format!(
                "Every KPI of {label} beside {reference}, the mean of each with its 95% confidence interval, and the paired difference."
            )],
            table: Some(diff_table(&reference, label, &diffs[i])),
            notes: Vec::new(),
        })
        .collect();
    let named: Vec<(String, Vec<KpiDiff>)> = input.labels.iter().cloned().zip(diffs.iter().cloned()).skip(1).collect();
    Ok(PolicyView {
        kind: input.kind,
        title: input.title.clone(),
        subtitle: input.subtitle.clone(),
        version: render::VERSION,
        generated_by: input.generated_by.clone(),
        intro: input.intro.clone(),
        method: method(runs, input.seed, true),
        overview: Table { columns, rows },
        figures,
        conclusion: conclusion(&reference, &named, runs),
        sections,
        data_files: input.data_files.clone(),
    })
}
