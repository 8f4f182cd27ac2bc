//! Scenario comparison: the same replications (same seed, same replication numbers: common
//! random numbers) of several scenarios, and the paired difference of every KPI against the first.
//!
//! For each scenario after the first and each KPI, the difference `x_s,r - x_0,r` is taken per
//! replication `r` (pairs where either value is null are left out); `compare.csv` and
//! `compare.md` give both means, the mean difference with a 95% confidence interval (Student's
//! t on n − 1 degrees of freedom, [`crate::report::stats`]) and the 5th and 95th percentiles
//! of the paired differences. A scenario compared with itself gives differences of exactly
//! zero. `report.md` and `report.html` ([`crate::report::policy`]) say what the differences
//! mean, KPI by KPI, with better and worse marked.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use crate::batch::{self, BatchOptions, HEADLINE, Layout, Record, csv_field, fmt_num, mean, quantile, round4};
use crate::error::Error;
use crate::report::stats::MeanCi;
use crate::report::write_atomic;
use crate::scenario::Scenario;
use crate::sim;

/// The comparison of one KPI of one scenario with the first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    pub scenario: String,
    pub kpi: String,
    pub base_mean: Option<f64>,
    pub mean: Option<f64>,
    pub diff_mean: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    pub diff_p5: Option<f64>,
    pub diff_p95: Option<f64>,
    /// Replications where both values exist.
    pub pairs: u64,
}

/// Everything a comparison produced.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The tool's version.
    pub version: &'static str,
    /// The layout version of `summary.json`.
    pub schema: u32,
    /// Labels of the scenarios, the first being the reference.
    pub scenarios: Vec<String>,
    /// Titles of the scenarios, in the same order.
    #[serde(skip)]
    pub titles: Vec<String>,
    pub seed: u64,
    pub runs: u64,
    pub diffs: Vec<Diff>,
    /// The record layout and each scenario's records, in replication order (for the report).
    #[serde(skip)]
    pub layout: Layout,
    #[serde(skip)]
    pub records: Vec<Vec<Record>>,
}

/// Labels for the scenarios: their ids, made unique with `#2`, `#3`... where repeated.
fn labels(scenarios: &[Scenario]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in scenarios {
        let n = out.iter().filter(|l| *l == &s.id || l.starts_with(&format!("{}#", s.id))).count();
        out.push(if n == 0 { s.id.clone() } else { format!("{}#{}", s.id, n + 1) });
    }
    out
}

/// Run every scenario with the same replications and compare them with the first.
pub fn compare(scenarios: &[Scenario], options: &BatchOptions) -> Result<Comparison, Error> {
    options.check()?;
    if scenarios.len() < 2 {
        return Err(Error::Usage("compare needs at least two scenarios".into()));
    }
    let layout = batch::layout(&scenarios[0]);
    let arcs: Vec<(Arc<Scenario>, Arc<Scenario>)> = scenarios
        .iter()
        .map(|s| {
            let s = Arc::new(s.clone());
            let b = Arc::new(sim::baseline_of(&s));
            (s, b)
        })
        .collect();
    let reps = options.replications();
    // Scenarios that differ only in their incident share their baselines.
    let baselines = crate::experiment::SharedBaselines::for_scenario(&scenarios[0], reps.len(), options.jobs);
    let items = crate::experiment::shared_order(arcs.len(), &reps);
    let mut per: Vec<Vec<Record>> = vec![Vec::new(); arcs.len()];
    crate::experiment::par_stream(
        options.jobs,
        &items,
        options.progress,
        |&(i, r)| (i, batch::record(&arcs[i].0, &arcs[i].1, &layout, options.seed, r, Some(&baselines), None)),
        |(i, record)| per[i].push(record),
    )?;
    Ok(assemble(scenarios, layout, per, options.seed))
}

/// Compare scenarios with uncertain parameters over the same `draws` × `options.runs` units
/// (a nested plan, [`crate::experiment::Plan`]): unit `(d, r)` runs every scenario at parameter
/// draw `d` on the chance streams of replication `r`, and the differences are paired unit by
/// unit. A parameter takes the same value in every scenario where it has the same name and
/// range as in the first (so a comparison of two plans under the same assumptions varies the
/// assumptions together); a parameter of its own is drawn from the scenario's own stream.
pub fn compare_drawn(
    scenarios: &[crate::uncertain::Uncertain],
    days: Option<u32>,
    options: &BatchOptions,
    draws: u64,
) -> Result<Comparison, Error> {
    options.check()?;
    if scenarios.len() < 2 {
        return Err(Error::Usage("compare needs at least two scenarios".into()));
    }
    if draws.checked_mul(options.runs).is_none_or(|t| t > batch::MAX_RUNS) {
        return Err(Error::Usage(format!(
            "--draws {draws} × --runs {} is more than {} runs",
            options.runs,
            batch::MAX_RUNS
        )));
    }
    let nominal: Vec<Scenario> = scenarios.iter().map(|u| u.nominal().clone()).collect();
    let layout = batch::layout(&nominal[0]);
    let first = scenarios[0].parameters();
    // For each scenario and parameter: the index of the same parameter in the first scenario.
    let shared: Vec<Vec<Option<usize>>> = scenarios
        .iter()
        .map(|u| {
            u.parameters()
                .iter()
                .map(|p| first.iter().position(|f| f.name == p.name && f.distribution == p.distribution))
                .collect()
        })
        .collect();
    let plan = crate::experiment::Plan { runs: options.runs, draws, shard: options.shard };
    // Scenarios and draws that differ only in what acts during the incident share baselines.
    let baselines = crate::experiment::SharedBaselines::for_scenario(&nominal[0], options.runs as usize, options.jobs);
    let mut per: Vec<Vec<Record>> = vec![Vec::new(); scenarios.len()];
    crate::experiment::try_run_plan(
        options.jobs,
        &plan,
        options.progress,
        |unit| -> Result<Vec<Record>, Error> {
            let base_values = scenarios[0].draw(options.seed, unit.draw);
            let mut out = Vec::with_capacity(scenarios.len());
            for (u, shared) in scenarios.iter().zip(&shared) {
                let own = u.draw(options.seed, unit.draw);
                let values: Vec<f64> = shared.iter().zip(&own).map(|(s, v)| s.map_or(*v, |i| base_values[i])).collect();
                let mut s = u.scenario_at(&values)?;
                if let Some(d) = days {
                    s.set_days(d);
                }
                out.push(batch::unit_record(s, &layout, options.seed, unit, Some(&baselines)));
            }
            Ok(out)
        },
        |recs| per.iter_mut().zip(recs).for_each(|(p, rec)| p.push(rec)),
    )?;
    Ok(assemble(&nominal, layout, per, options.seed))
}

/// The comparison of records run in the same order for every scenario.
fn assemble(scenarios: &[Scenario], layout: Layout, per: Vec<Vec<Record>>, seed: u64) -> Comparison {
    let labels = labels(scenarios);
    let mut diffs = Vec::new();
    for (s, label) in labels.iter().enumerate().skip(1) {
        diffs.extend(paired(&layout, label, &per[0], &per[s]));
    }
    Comparison {
        version: crate::report::render::VERSION,
        schema: crate::report::render::SCHEMA,
        scenarios: labels,
        titles: scenarios.iter().map(|s| s.title.clone()).collect(),
        seed,
        runs: per.first().map_or(0, |p| p.len() as u64),
        diffs,
        layout,
        records: per,
    }
}

fn paired(layout: &Layout, label: &str, base: &[Record], other: &[Record]) -> Vec<Diff> {
    layout
        .kpis
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let value = |r: &Record| r.kpis.get(k).copied().flatten().map(|e| e.0);
            let xs: Vec<f64> = base.iter().filter_map(value).collect();
            let ys: Vec<f64> = other.iter().filter_map(value).collect();
            let mut d: Vec<f64> = base.iter().zip(other).filter_map(|(a, b)| Some(value(b)? - value(a)?)).collect();
            let ci = MeanCi::of(&d);
            let m = ci.map(|c| c.mean);
            // One pair has no interval; report it as a point.
            let half = ci.map(|c| if c.half_width.is_finite() { c.half_width } else { 0.0 });
            d.sort_by(f64::total_cmp);
            let q = |p| (!d.is_empty()).then(|| round4(quantile(&d, p)));
            Diff {
                scenario: label.to_string(),
                kpi: name.clone(),
                base_mean: mean(&xs).map(round4),
                mean: mean(&ys).map(round4),
                diff_mean: m.map(round4),
                ci95_low: m.zip(half).map(|(m, h)| round4(m - h)),
                ci95_high: m.zip(half).map(|(m, h)| round4(m + h)),
                diff_p5: q(0.05),
                diff_p95: q(0.95),
                pairs: d.len() as u64,
            }
        })
        .collect()
}

fn cell(x: Option<f64>) -> String {
    x.map_or(String::new(), |v| v.to_string())
}

/// `compare.csv`: one row per scenario (after the first) and KPI.
pub fn compare_csv(c: &Comparison) -> String {
    let mut out = String::from(
        "scenario,reference,kpi,reference_mean,mean,diff_mean,ci95_low,ci95_high,diff_p5,diff_p95,pairs\n",
    );
    for d in &c.diffs {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{}",
            csv_field(&d.scenario),
            csv_field(&c.scenarios[0]),
            d.kpi,
            cell(d.base_mean),
            cell(d.mean),
            cell(d.diff_mean),
            cell(d.ci95_low),
            cell(d.ci95_high),
            cell(d.diff_p5),
            cell(d.diff_p95),
            d.pairs
        );
    }
    out
}

/// `compare.md`: the headline KPIs as a Markdown table per scenario.
pub fn compare_md(c: &Comparison) -> String {
    let mut out = format!(
        "# Comparison against `{}`\n\n{} paired replications from seed {} (common random numbers). \
         Difference = scenario − reference, per replication; 95% CI of the mean difference \
         (Student's t) and the 5th–95th percentile of the paired differences.\n",
        c.scenarios[0], c.runs, c.seed
    );
    for label in c.scenarios.iter().skip(1) {
        let _ = write!(
            out,
            "\n## `{label}`\n\n| KPI | {} | {label} | difference | 95% CI | p5 … p95 |\n| --- | ---: | ---: | ---: | ---: | ---: |\n",
            c.scenarios[0]
        );
        for (key, name) in HEADLINE {
            let Some(d) = c.diffs.iter().find(|d| &d.scenario == label && d.kpi == key) else { continue };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} … {} | {} … {} |",
                name.trim(),
                fmt_num(d.base_mean),
                fmt_num(d.mean),
                fmt_num(d.diff_mean),
                fmt_num(d.ci95_low),
                fmt_num(d.ci95_high),
                fmt_num(d.diff_p5),
                fmt_num(d.diff_p95)
            );
        }
    }
    out
}

/// Write `compare.csv`, `compare.md` and `summary.json` into `dir`.
pub fn write_comparison(dir: &Path, c: &Comparison) -> Result<(), Error> {
    write_atomic(&dir.join("compare.csv"), compare_csv(c).as_bytes())?;
    write_atomic(&dir.join("compare.md"), compare_md(c).as_bytes())?;
    let json = serde_json::to_string_pretty(c).expect("comparison serialises");
    write_atomic(&dir.join("summary.json"), format!("{json}\n").as_bytes())?;
    let input = crate::report::policy::PolicyInput {
        kind: "Comparison",
        title: format!("{} against {}", c.scenarios[1..].join(", "), c.scenarios[0]),
        subtitle: format!(
            "{} scenarios · {} each, on common random numbers from seed {}",
            c.scenarios.len(),
            crate::report::format::plural(c.runs as f64, "replication"),
            c.seed
        ),
        generated_by: "downtime compare".into(),
        intro: vec![
            format!(
                "The reference is {} ({}); every other scenario is set beside it: {}.",
                c.scenarios[0],
                c.titles.first().cloned().unwrap_or_default(),
                c.scenarios
                    .iter()
                    .zip(&c.titles)
                    .skip(1)
                    .map(|(l, t)| format!("{l} ({t})"))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            "The question is what changes for patients and providers when the scenario does: every scenario runs the same replications, so the differences below are the scenarios' effect and not chance.".into(),
        ],
        labels: c.scenarios.clone(),
        extra: Vec::new(),
        layout: &c.layout,
        records: c.records.iter().map(Vec::as_slice).collect(),
        seed: c.seed,
        data_files: "summary.json, compare.csv".into(),
    };
    if c.records.len() == c.scenarios.len() {
        let view = crate::report::policy::policy_view(dir, &input)?;
        crate::report::policy::write_policy(dir, &view)?;
    }
    Ok(())
}

/// `downtime compare`: load the scenarios, compare them, write the folder; returns the text to print.
/// With `draws` above 1 the scenarios' uncertain parameters are drawn ([`compare_drawn`]).
pub fn command(
    names: &[String],
    runs: u64,
    draws: u64,
    seed: Option<u64>,
    jobs: Option<usize>,
    days: Option<u32>,
    out: Option<std::path::PathBuf>,
    force: bool,
    csv_delimiter: char,
) -> Result<String, Error> {
    if names.len() < 2 {
        return Err(Error::Usage("compare needs at least two scenarios".into()));
    }
    let mut uncertain = Vec::new();
    for n in names {
        uncertain.push(crate::uncertain::load(n)?);
    }
    if draws > 1 && uncertain.iter().all(|u| u.parameters().is_empty()) {
        return Err(Error::Usage(format!(
            "--draws {draws} needs uncertain parameters, and none of the scenarios has any; write the numbers you are unsure of as `Uncertain(...)` (docs/model.md), or leave out --draws"
        )));
    }
    let first = uncertain[0].nominal();
    let options = BatchOptions {
        runs,
        seed: seed.unwrap_or(first.seed),
        jobs: jobs.unwrap_or_else(crate::experiment::default_jobs),
        shard: crate::experiment::Shard::ALL,
        progress: true,
    };
    let out = out.unwrap_or_else(|| std::path::PathBuf::from("reports").join(format!("{}-compare", first.id)));
    let _out_dir = crate::report::prepare_output_dir(&out, force)?;
    let c = if draws > 1 {
        compare_drawn(&uncertain, days, &options, draws)?
    } else {
        let scenarios: Vec<Scenario> = uncertain
            .into_iter()
            .map(|u| {
                let mut s = u.into_nominal();
                if let Some(d) = days {
                    s.set_days(d);
                }
                s
            })
            .collect();
        compare(&scenarios, &options)?
    };
    write_comparison(&out, &c)?;
    crate::report::csv::apply(&out, csv_delimiter)?;
    Ok(format!("{}wrote {}\nopen {}\n", compare_md(&c), out.display(), out.join("report.html").display()))
}
