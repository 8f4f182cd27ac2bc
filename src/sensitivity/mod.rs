//! `downtime sensitivity`: which uncertain parameters drive each headline KPI.
//!
//! Two stages on the experiment layer ([`crate::experiment`]):
//!
//! 1. **Screening** ([`morris`]): Morris elementary effects over every uncertain parameter of the
//!    scenario, `r (k + 1)` model evaluations; parameters ranked by `mu*`.
//! 2. **Variance-based indices** ([`sobol`]): Sobol first- and total-order indices (Saltelli
//!    sampling, Saltelli 2010 and Jansen estimators, bootstrap intervals) for the few parameters
//!    that matter most in the screening (or those named), `n (k + 2)` evaluations; the
//!    parameters left out stay at their nominal values.
//!
//! One model evaluation is a point of the design mapped through each parameter's quantile
//! function (Morris: the grid's [0, 1] onto the 0.5th to 99.5th percentile, so unbounded tails
//! do not set the step; Sobol: the open unit interval, i.e. the distribution itself), the
//! scenario at those values, and `runs` replications of it with their baselines (chance seeds
//! `(seed, r)`, the same for every evaluation: common random numbers); its output is the mean of
//! each KPI over the replications. The evaluations are the units of a [`Plan`], so they run in
//! parallel, reduce in evaluation order and shard with `--shard I/N` (evaluation `e` belongs to
//! shard `e % N`); [`merge`] puts the partial results back in order and computes exactly what
//! the unsharded run computes. Memory holds the design and one number per evaluation and KPI,
//! whatever the replications.

pub mod morris;
pub mod sobol;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::batch::{self, CARE_BEHIND, CARE_LOST};
use crate::error::Error;
use crate::experiment::{self, Exact, Plan, Shard};
use crate::report::render::{self, Cell, Column, Figure, Section, Table};
use crate::report::write_atomic;
use crate::sim;
use crate::uncertain::{self, Uncertain};

/// The KPIs analysed, with their labels: the headline KPIs of the care a incident costs.
pub const KPIS: [(&str, &str); 4] = [
    (CARE_LOST, "care lost (cases)"),
    ("urgent_delayed", "urgent care delayed (cases)"),
    (CARE_BEHIND, "care behind at peak (cases)"),
    ("peak_backlog", "peak backlog (cases)"),
];

/// Format tag of a sensitivity partial result.
pub const FORMAT: &str = "downtime-sensitivity-partial/1";

/// Most evaluations one stage may have (bounds time and the partial results' size).
pub const MAX_EVALUATIONS: u64 = 1_000_000;

/// Most numbers the designs of one stage may hold (evaluations × parameters; 160 MB).
pub const MAX_DESIGN_NUMBERS: u64 = 20_000_000;

/// Default parameters carried from the screening to the Sobol stage ("the few that matter":
/// an assumption; the report ranks every parameter by the screening).
pub const DEFAULT_TOP: usize = 5;

/// Which analysis to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Morris,
    Sobol,
    Both,
}

impl std::str::FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "morris" => Ok(Method::Morris),
            "sobol" => Ok(Method::Sobol),
            "both" => Ok(Method::Both),
            _ => Err(format!("`{s}` is not a method; use morris, sobol or both")),
        }
    }
}

/// One stage of a sensitivity analysis: its design and the parameters it varies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    /// `morris` or `sobol`.
    pub method: String,
    /// Trajectories (Morris) or rows of the Saltelli matrices (Sobol).
    pub size: u64,
    /// The parameters varied, as indices into [`SensitivityMeta::parameters`].
    pub varied: Vec<usize>,
    /// Model evaluations of the stage.
    pub evaluations: u64,
}

impl Stage {
    fn new(method: &str, size: u64, varied: Vec<usize>) -> Result<Stage, Error> {
        let k = varied.len() as u64;
        let evaluations = if method == "morris" { size.saturating_mul(k + 1) } else { size.saturating_mul(k + 2) };
        // The designs hold one number per evaluation and parameter: at most MAX_DESIGN_NUMBERS.
        if size == 0 || evaluations > MAX_EVALUATIONS || evaluations.saturating_mul(k.max(1)) > MAX_DESIGN_NUMBERS {
            return Err(Error::Usage(format!(
                "the {method} stage would need {evaluations} model evaluations; use 1 to {MAX_EVALUATIONS} (fewer {} or parameters)",
                if method == "morris" { "--trajectories" } else { "--samples" }
            )));
        }
        Ok(Stage { method: method.into(), size, varied, evaluations })
    }

    /// The point (in the unit cube of the varied parameters) of evaluation `e`.
    fn point(&self, designs: &Designs, e: usize) -> Vec<f64> {
        match (self.method.as_str(), designs) {
            ("morris", Designs { morris: Some(d), .. }) => d.point(e),
            (_, Designs { sobol: Some(d), .. }) => d.point(e),
            _ => Vec::new(),
        }
    }
}

/// The designs of a stage, built from the seed (the same in every shard).
struct Designs {
    morris: Option<morris::Design>,
    sobol: Option<sobol::Design>,
}

impl Designs {
    fn of(stage: &Stage, seed: u64) -> Designs {
        let k = stage.varied.len();
        if stage.method == "morris" {
            Designs { morris: Some(morris::Design::new(stage.size as usize, k, seed)), sobol: None }
        } else {
            Designs { morris: None, sobol: Some(sobol::Design::new(stage.size as usize, k, seed)) }
        }
    }
}

/// The identity of a sensitivity analysis, repeated in partial results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensitivityMeta {
    /// The scenario as given on the command line (a built-in name or a path).
    pub source: String,
    pub scenario: String,
    pub title: String,
    pub seed: u64,
    pub days: u32,
    /// Replications per evaluation.
    pub runs: u64,
    /// Every uncertain parameter of the scenario, in file order, with its distribution as written.
    pub parameters: Vec<(String, String)>,
    pub kpis: Vec<String>,
    pub stage: Stage,
}

/// A shard's partial result: the KPI means of the evaluations it owns, in evaluation order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Partial {
    pub command: String,
    pub format: String,
    pub shard: Shard,
    pub meta: SensitivityMeta,
    pub values: Vec<(u64, Vec<Exact>)>,
}

/// What `downtime sensitivity` was asked to do.
#[derive(Debug, Clone)]
pub struct SensitivityCommand {
    pub scenario: String,
    pub method: Method,
    pub trajectories: u64,
    pub samples: u64,
    pub runs: u64,
    pub top: usize,
    /// Parameters (names) for the Sobol stage instead of the screening's top.
    pub parameters: Vec<String>,
    pub seed: Option<u64>,
    pub jobs: Option<usize>,
    pub days: Option<u32>,
    pub out: Option<PathBuf>,
    pub force: bool,
    pub shard: Option<Shard>,
    pub csv_delimiter: char,
}

/// The outputs of one evaluation: the mean of each KPI of [`KPIS`] over the replications.
fn evaluate(
    u: &Uncertain,
    meta: &SensitivityMeta,
    layout: &experiment::Layout,
    at: &[usize],
    point: &[f64],
    baselines: &experiment::SharedBaselines,
) -> Result<Vec<f64>, Error> {
    let morris = meta.stage.method == "morris";
    let mut values = u.nominal_values();
    for (slot, &p) in meta.stage.varied.iter().enumerate() {
        let x = point.get(slot).copied().unwrap_or(0.5);
        let prob = if morris { 0.005 + 0.99 * x } else { x };
        values[p] = u.parameters()[p].distribution.quantile(prob);
    }
    let mut s = u.scenario_at(&values)?;
    s.set_days(meta.days);
    let s = Arc::new(s);
    let b = Arc::new(sim::baseline_of(&s));
    let mut sums = vec![0.0; at.len()];
    for r in 0..meta.runs {
        let rec = batch::record(&s, &b, layout, meta.seed, r, Some(baselines), None);
        for (sum, &i) in sums.iter_mut().zip(at) {
            *sum += rec.kpis.get(i).copied().flatten().map_or(0.0, |e| e.0);
        }
    }
    Ok(sums.into_iter().map(|x| x / meta.runs as f64).collect())
}

/// Run the evaluations of `meta`'s stage that `shard` owns, in evaluation order.
fn run_stage(u: &Uncertain, meta: &SensitivityMeta, shard: Shard, jobs: usize) -> Result<Vec<(u64, Vec<f64>)>, Error> {
    let layout = batch::layout(u.nominal());
    let at: Vec<usize> = meta
        .kpis
        .iter()
        .map(|k| layout.kpis.iter().position(|x| x == k).ok_or_else(|| Error::Usage(format!("no KPI `{k}`"))))
        .collect::<Result<_, _>>()?;
    let designs = Designs::of(&meta.stage, meta.seed);
    let plan = Plan { runs: meta.stage.evaluations, draws: 1, shard };
    // Points that differ only in parameters acting during the incident share their baselines:
    // in a Morris trajectory each step moves one parameter; in Sobol's design row j of block
    // A·B_i differs from row j of block A in parameter i, a block (`size` rows) later.
    let wanted = (meta.stage.size as usize + 4 * jobs.max(1)) * meta.runs as usize;
    let baselines = experiment::SharedBaselines::for_scenario(u.nominal(), wanted, jobs);
    let mut out = Vec::new();
    experiment::try_run_plan(
        jobs,
        &plan,
        true,
        |unit| {
            Ok((
                unit.index,
                evaluate(u, meta, &layout, &at, &meta.stage.point(&designs, unit.index as usize), &baselines)?,
            ))
        },
        |pair| out.push(pair),
    )?;
    Ok(out)
}

/// The results of a stage for one KPI and parameter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub kpi: String,
    pub parameter: String,
    pub distribution: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub morris: Option<morris::Effects>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sobol: Option<sobol::Indices>,
}

/// What a stage found: per KPI (in [`KPIS`] order), per varied parameter.
#[derive(Debug, Clone, Serialize)]
pub struct StageResult {
    pub stage: Stage,
    pub rows: Vec<Row>,
    /// Variance of each KPI's evaluations (Sobol) or its mean (both), for the report.
    pub output_mean: Vec<f64>,
}

/// Analyse a complete stage from its values (every evaluation, in order).
fn analyse(meta: &SensitivityMeta, values: &[Vec<f64>]) -> StageResult {
    let stage = &meta.stage;
    let k = stage.varied.len();
    let mut rows = Vec::new();
    let mut output_mean = Vec::new();
    for (ki, kpi) in meta.kpis.iter().enumerate() {
        let y: Vec<f64> = values.iter().map(|v| v[ki]).collect();
        output_mean.push(y.iter().sum::<f64>() / y.len().max(1) as f64);
        if stage.method == "morris" {
            let design = morris::Design::new(stage.size as usize, k, meta.seed);
            for (slot, e) in morris::estimate(&design, &y).into_iter().enumerate() {
                let (name, dist) = meta.parameters[stage.varied[slot]].clone();
                rows.push(Row { kpi: kpi.clone(), parameter: name, distribution: dist, morris: Some(e), sobol: None });
            }
        } else {
            for (slot, ix) in sobol::estimate(stage.size as usize, k, &y, meta.seed).into_iter().enumerate() {
                let (name, dist) = meta.parameters[stage.varied[slot]].clone();
                rows.push(Row { kpi: kpi.clone(), parameter: name, distribution: dist, morris: None, sobol: Some(ix) });
            }
        }
    }
    StageResult { stage: stage.clone(), rows, output_mean }
}

/// The parameters (indices) that matter most in a screening: ranked by the largest `mu*` over
/// the KPIs, each KPI's `mu*` divided by its largest so every KPI counts alike.
pub fn top_parameters(screening: &StageResult, kpis: &[String], top: usize) -> Vec<usize> {
    let varied = &screening.stage.varied;
    let mut score = vec![0.0f64; varied.len()];
    for kpi in kpis {
        let rows: Vec<&Row> = screening.rows.iter().filter(|r| &r.kpi == kpi).collect();
        let most = rows.iter().filter_map(|r| r.morris.map(|m| m.mu_star)).fold(0.0, f64::max);
        if most > 0.0 {
            for (slot, r) in rows.iter().enumerate() {
                score[slot] = score[slot].max(r.morris.map_or(0.0, |m| m.mu_star) / most);
            }
        }
    }
    let mut order: Vec<usize> = (0..varied.len()).collect();
    order.sort_by(|a, b| score[*b].total_cmp(&score[*a]).then(a.cmp(b)));
    let mut chosen: Vec<usize> = order.into_iter().take(top).map(|slot| varied[slot]).collect();
    chosen.sort_unstable();
    chosen
}

/// `summary.json` of a sensitivity analysis.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub version: &'static str,
    pub schema: u32,
    pub scenario: String,
    pub title: String,
    pub seed: u64,
    pub days: u32,
    /// Replications per model evaluation.
    pub runs: u64,
    /// Simulated replications in all (each with its baseline).
    pub replications: u64,
    pub parameters: Vec<(String, String)>,
    pub stages: Vec<StageResult>,
    /// Per KPI, the parameters that matter most, most first (by total-order index where the
    /// Sobol stage ran, else by `mu*`).
    pub ranking: Vec<(String, Vec<String>)>,
}

fn r4(x: f64) -> f64 {
    batch::round4(x)
}

/// Per KPI, the rows of the last stage ranked (total order, else `mu*`), most first.
fn ranked<'a>(stages: &'a [StageResult], kpi: &str) -> Vec<&'a Row> {
    let Some(last) = stages.last() else { return Vec::new() };
    let mut rows: Vec<&Row> = last.rows.iter().filter(|r| r.kpi == kpi).collect();
    let key = |r: &Row| r.sobol.map(|s| s.total).or(r.morris.map(|m| m.mu_star)).unwrap_or(0.0);
    rows.sort_by(|a, b| key(b).total_cmp(&key(a)).then(a.parameter.cmp(&b.parameter)));
    rows
}

/// `sensitivity.csv`: one row per stage, KPI and parameter.
pub fn csv(stages: &[StageResult]) -> String {
    let mut out =
        String::from("stage,kpi,parameter,distribution,mu_star,mu,sigma,s1,s1_low,s1_high,st,st_low,st_high\n");
    let cell = |x: Option<f64>| x.map_or(String::new(), |v| r4(v).to_string());
    for s in stages {
        for r in &s.rows {
            let m = r.morris;
            let i = r.sobol;
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{},{}",
                s.stage.method,
                r.kpi,
                batch::csv_field(&r.parameter),
                batch::csv_field(&r.distribution),
                cell(m.map(|m| m.mu_star)),
                cell(m.map(|m| m.mu)),
                cell(m.map(|m| m.sigma)),
                cell(i.map(|i| i.first)),
                cell(i.map(|i| i.first_low)),
                cell(i.map(|i| i.first_high)),
                cell(i.map(|i| i.total)),
                cell(i.map(|i| i.total_low)),
                cell(i.map(|i| i.total_high)),
            );
        }
    }
    out
}

/// The view the report templates render.
#[derive(Debug, Clone, Serialize)]
pub struct View {
    pub title: String,
    pub subtitle: String,
    pub version: &'static str,
    pub intro: Vec<String>,
    pub conclusion: Vec<String>,
    pub tables: Vec<Section>,
    pub figures: Vec<Figure>,
    pub method: Vec<String>,
    pub sections: Vec<Section>,
}

fn label(kpi: &str) -> &str {
    KPIS.iter().find(|(k, _)| *k == kpi).map_or(kpi, |(_, l)| l)
}

/// Write `summary.json`, `sensitivity.csv`, the tornado charts and the report into `dir`.
pub fn write(dir: &Path, meta: &SensitivityMeta, stages: Vec<StageResult>) -> Result<Summary, Error> {
    let replications = stages.iter().map(|s| s.stage.evaluations * meta.runs).sum();
    let ranking = meta
        .kpis
        .iter()
        .map(|k| (k.clone(), ranked(&stages, k).iter().map(|r| r.parameter.clone()).collect()))
        .collect();
    let summary = Summary {
        version: render::VERSION,
        schema: render::SCHEMA,
        scenario: meta.scenario.clone(),
        title: meta.title.clone(),
        seed: meta.seed,
        days: meta.days,
        runs: meta.runs,
        replications,
        parameters: meta.parameters.clone(),
        stages,
        ranking,
    };
    let mut json = serde_json::to_value(&summary).expect("summary serialises");
    round_json(&mut json);
    let text = serde_json::to_string_pretty(&json).expect("summary serialises");
    write_atomic(&dir.join("summary.json"), format!("{text}\n").as_bytes())?;
    write_atomic(&dir.join("sensitivity.csv"), csv(&summary.stages).as_bytes())?;
    let view = view(dir, meta, &summary)?;
    write_atomic(&dir.join("report.md"), render::render("sensitivity.md", &view)?.as_bytes())?;
    write_atomic(&dir.join("report.html"), render::render("sensitivity.html", &view)?.as_bytes())?;
    Ok(summary)
}

/// Round every float of a JSON value to 4 decimals (the outputs' convention).
fn round_json(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if n.is_f64() => {
            if let Some(x) = n.as_f64().and_then(|x| serde_json::Number::from_f64(r4(x))) {
                *n = x;
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(round_json),
        serde_json::Value::Object(o) => o.values_mut().for_each(round_json),
        _ => {}
    }
}

fn view(dir: &Path, meta: &SensitivityMeta, s: &Summary) -> Result<View, Error> {
    let fmt = crate::report::format::count;
    let has_sobol = s.stages.iter().any(|x| x.stage.method == "sobol");
    let mut intro = vec![format!(
        "Which of the {} uncertain parameters of {} ({}) drive the care an incident costs? Each parameter is written in the scenario as a range of what we do not know; the analysis varies them and watches {}.",
        meta.parameters.len(),
        meta.scenario,
        meta.title,
        meta.kpis.iter().map(|k| label(k)).collect::<Vec<_>>().join(", ")
    )];
    for st in &s.stages {
        intro.push(if st.stage.method == "morris" {
            format!(
                "Screening (Morris elementary effects): {} trajectories through all {} parameters, {} model evaluations.",
                st.stage.size,
                st.stage.varied.len(),
                fmt(st.stage.evaluations as f64)
            )
        } else {
            format!(
                "Variance-based indices (Sobol, Saltelli sampling): {} rows over {} parameters ({}), {} model evaluations; the other parameters at their nominal values.",
                st.stage.size,
                st.stage.varied.len(),
                st.stage.varied.iter().map(|p| meta.parameters[*p].0.clone()).collect::<Vec<_>>().join(", "),
                fmt(st.stage.evaluations as f64)
            )
        });
    }
    intro.push(format!(
        "Every evaluation is the mean of {} (each against its own baseline), {} simulated replications in all.",
        crate::report::format::plural(meta.runs as f64, "replication"),
        fmt(s.replications as f64)
    ));
    // Conclusion: the top parameters for the two headline KPIs.
    let mut conclusion = Vec::new();
    for kpi in [CARE_LOST, "urgent_delayed"] {
        let rows = ranked(&s.stages, kpi);
        let top: Vec<String> = rows
            .iter()
            .take(5)
            .map(|r| match (r.sobol, r.morris) {
                (Some(i), _) => format!("{} (total {}, first order {})", r.parameter, f2(i.total), f2(i.first)),
                (None, Some(m)) => format!("{} (mu* {})", r.parameter, batch::fmt_num(Some(r4(m.mu_star)))),
                _ => r.parameter.clone(),
            })
            .collect();
        if !top.is_empty() {
            conclusion.push(format!("{}: most driven by {}.", capital(label(kpi)), top.join("; ")));
        }
    }
    if has_sobol {
        conclusion.push("A total-order index is the share of the KPI's variance that goes away if the parameter were known exactly (with everything it interacts with); first order, the share it explains alone. Indices near zero: that assumption does not change the answer.".into());
    }
    // Tables: one per KPI, ranked.
    let mut tables = Vec::new();
    let plots = dir.join("plots");
    let mut figures = Vec::new();
    for kpi in &meta.kpis {
        let rows = ranked(&s.stages, kpi);
        let screening: Vec<&Row> = s
            .stages
            .first()
            .filter(|x| x.stage.method == "morris")
            .map_or(Vec::new(), |x| x.rows.iter().filter(|r| &r.kpi == kpi).collect());
        let mut columns = vec![Column::text("parameter"), Column::text("range (as written)")];
        if has_sobol {
            columns.push(Column::num("total order, 95% CI"));
            columns.push(Column::num("first order, 95% CI"));
        }
        columns.push(Column::num("mu* (cases per range)"));
        columns.push(Column::num("sigma"));
        let mut table_rows = Vec::new();
        let mut shown: Vec<&str> = Vec::new();
        let screening_of = |name: &str| screening.iter().find(|r| r.parameter == name).and_then(|r| r.morris);
        for r in rows.iter().copied().chain(screening.iter().copied()) {
            if shown.contains(&r.parameter.as_str()) {
                continue;
            }
            shown.push(&r.parameter);
            let mut row = vec![Cell::new(r.parameter.clone()), Cell::new(r.distribution.clone())];
            if has_sobol {
                match r.sobol {
                    Some(i) => {
                        let ci = |lo: f64, hi: f64| {
                            if hi - lo > 1.0 {
                                format!("{} to {}: too few --samples to tell", f2(lo), f2(hi))
                            } else {
                                format!("{} to {}", f2(lo), f2(hi))
                            }
                        };
                        row.push(Cell::new(f2(i.total)).with_sub(ci(i.total_low, i.total_high)));
                        row.push(Cell::new(f2(i.first)).with_sub(ci(i.first_low, i.first_high)));
                    }
                    None => {
                        row.push(Cell::new("—").with_sub("not in the Sobol stage"));
                        row.push(Cell::new("—"));
                    }
                }
            }
            let m = r.morris.or_else(|| screening_of(&r.parameter));
            row.push(Cell::new(batch::fmt_num(m.map(|m| r4(m.mu_star)))));
            row.push(Cell::new(batch::fmt_num(m.map(|m| r4(m.sigma)))));
            table_rows.push(row);
        }
        tables.push(Section {
            id: format!("table-{kpi}"),
            title: capital(label(kpi)),
            paragraphs: Vec::new(),
            table: Some(Table { columns, rows: table_rows }),
            notes: Vec::new(),
        });
        // Tornado chart: the parameters ranked, the largest on top.
        let bars: Vec<&Row> = rows.iter().copied().take(12).collect();
        if bars.is_empty() {
            continue;
        }
        let labels: Vec<String> = bars.iter().map(|r| r.parameter.clone()).collect();
        let (value, lo, hi, x_label, footer): (Vec<f64>, Vec<f64>, Vec<f64>, String, &str) = if has_sobol {
            (
                bars.iter().map(|r| r.sobol.map_or(0.0, |i| i.total)).collect(),
                bars.iter().map(|r| r.sobol.map_or(f64::NAN, |i| i.total_low)).collect(),
                bars.iter().map(|r| r.sobol.map_or(f64::NAN, |i| i.total_high)).collect(),
                format!("total-order Sobol index of {} (share of its variance)", label(kpi)),
                "Bar: total-order index (the share of the KPI's variance that would go if the parameter were known); whisker: its 95% bootstrap interval.",
            )
        } else {
            (
                bars.iter().map(|r| r.morris.map_or(0.0, |m| m.mu_star)).collect(),
                vec![f64::NAN; bars.len()],
                vec![f64::NAN; bars.len()],
                format!("mu*: mean absolute change in {} over a parameter's range", label(kpi)),
                "Bar: Morris mu*, how much the KPI moves when the parameter goes across its range (0.5th to 99.5th percentile), averaged over the trajectories.",
            )
        };
        let value_labels: Vec<String> =
            value.iter().map(|v| if has_sobol { f2(*v) } else { batch::fmt_num(Some(r4(*v))) }).collect();
        let colors = vec![crate::plot::BLUE; bars.len()];
        let stem = format!("tornado_{kpi}");
        let title = format!("What drives {}", label(kpi));
        crate::plot::HBarChart {
            title: &title,
            x_label: &x_label,
            footer,
            labels: &labels,
            value: &value,
            lo: &lo,
            hi: &hi,
            colors: &colors,
            integer: false,
            value_labels: &value_labels,
        }
        .write(&plots, &stem)?;
        figures.push(Figure::load(dir, &stem, &title)?);
    }
    let method = vec![
        "Morris screening: each trajectory starts at a random point of a 4-level grid over the parameters' ranges (0.5th to 99.5th percentile of each distribution) and moves one parameter at a time by two thirds of its range; the change in the KPI per whole range is one elementary effect. mu* is the mean absolute effect (how much the parameter matters), sigma the spread of its effects (interactions or non-linearity). Morris (1991); Campolongo, Cariboni and Saltelli (2007).".into(),
        "Sobol indices: two independent Monte Carlo samples A and B of the parameters (fixed seed), and for each parameter A with that column from B; first order by the Saltelli (2010) estimator, total order by Jansen's, 95% intervals by a percentile bootstrap over the rows. With few rows the intervals are wide and small indices can come out slightly negative: read them as zero.".into(),
        format!(
            "Chance is held fixed: every evaluation uses the same replications (seeds ({}, 0) to ({}, {})), so differences between evaluations come from the parameters. The results do not depend on the number of threads or shards.",
            meta.seed,
            meta.seed,
            meta.runs.saturating_sub(1)
        ),
    ];
    let sections = vec![Section {
        id: "parameters".into(),
        title: "The uncertain parameters".into(),
        paragraphs: vec![
            "Every parameter of the scenario written as a distribution, as written in the scenario file.".into(),
        ],
        table: Some(Table {
            columns: vec![Column::text("parameter"), Column::text("distribution")],
            rows: meta.parameters.iter().map(|(n, d)| vec![Cell::new(n.clone()), Cell::new(d.clone())]).collect(),
        }),
        notes: Vec::new(),
    }];
    Ok(View {
        title: meta.title.clone(),
        subtitle: format!(
            "{} · {} uncertain parameters · {} simulated replications from seed {}",
            meta.scenario,
            meta.parameters.len(),
            fmt(s.replications as f64),
            meta.seed
        ),
        version: render::VERSION,
        intro,
        conclusion,
        tables,
        figures,
        method,
        sections,
    })
}

/// A share with two decimals, never `-0.00`.
fn f2(x: f64) -> String {
    format!("{:.2}", if x.abs() < 5e-3 { 0.0 } else { x })
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

/// The terminal text of a finished analysis.
pub fn summary_table(s: &Summary) -> String {
    let mut out = format!(
        "{} — {} uncertain parameters, {} replications per evaluation, {} in all\n",
        s.title,
        s.parameters.len(),
        s.runs,
        s.replications
    );
    for (kpi, names) in &s.ranking {
        let _ = writeln!(out, "  {:<30} {}", label(kpi), names.iter().take(5).cloned().collect::<Vec<_>>().join(", "));
    }
    out
}

/// Check a sensitivity partial result against itself before anything is sized from it.
fn check_partial(p: &Partial) -> Result<(), String> {
    let m = &p.meta;
    if p.command != "sensitivity" || p.format != FORMAT {
        return Err(format!("format `{}` is not `{FORMAT}`; rerun the shard with this version", p.format));
    }
    if !(1..=batch::MAX_RUNS).contains(&m.runs) {
        return Err(format!("the header says {} runs; use 1 to {}", m.runs, batch::MAX_RUNS));
    }
    if !(1..=crate::scenario::validate::MAX_DAYS).contains(&m.days) {
        return Err(format!("the header says {} days", m.days));
    }
    if m.kpis != KPIS.iter().map(|(k, _)| k.to_string()).collect::<Vec<_>>() {
        return Err("the KPI names are not those of this version of downtime".into());
    }
    if m.parameters.len() > crate::uncertain::MAX_PARAMETERS
        || m.stage.varied.iter().any(|p| *p >= m.parameters.len())
        || m.stage.varied.windows(2).any(|w| w[0] >= w[1])
    {
        return Err("the varied parameters are not among the parameters listed, in order, once each".into());
    }
    let expected = Stage::new(&m.stage.method, m.stage.size, m.stage.varied.clone()).map_err(|e| e.to_string())?;
    if expected != m.stage || !["morris", "sobol"].contains(&m.stage.method.as_str()) {
        return Err("the stage's method, size and evaluations do not agree".into());
    }
    let n = m.stage.evaluations;
    if p.shard.count == 0 || p.shard.index >= p.shard.count || p.shard.count > n {
        return Err(format!("shard {} of {n} evaluations does not exist", p.shard));
    }
    let most = (n - p.shard.index).div_ceil(p.shard.count);
    if p.values.len() as u64 > most {
        return Err(format!("{} values; shard {} of {n} evaluations has at most {most}", p.values.len(), p.shard));
    }
    for (i, (e, v)) in p.values.iter().enumerate() {
        if i > 0 && *e <= p.values[i - 1].0 {
            return Err(format!("values[{i}] repeats an evaluation or is out of order"));
        }
        if *e >= n || !p.shard.owns(*e) {
            return Err(format!("values[{i}] is evaluation {e}, which is not shard {}'s", p.shard));
        }
        if v.len() != m.kpis.len() || v.iter().any(|x| !x.0.is_finite()) {
            return Err(format!("values[{i}] does not hold one finite number per KPI"));
        }
    }
    Ok(())
}

/// Read and check a sensitivity partial result.
pub fn read_partial(path: &Path) -> Result<Partial, Error> {
    let (name, p): (String, Partial) = experiment::partial::read_json(path, "sensitivity")?;
    check_partial(&p).map_err(|msg| {
        Error::Scenario(crate::ScenarioError::single(
            &name,
            1,
            1,
            format!("inconsistent partial result: {msg}; rerun the shard"),
        ))
    })?;
    Ok(p)
}

/// Whether the file at `path` (a folder or its `partial.json`) is a sensitivity partial result:
/// its first bytes name the command.
pub fn is_partial(path: &Path) -> bool {
    use std::io::Read;
    let file = if path.is_dir() { path.join(experiment::PARTIAL_FILE) } else { path.to_path_buf() };
    let mut head = [0u8; 64];
    let n = crate::input::open_regular(&file).and_then(|mut f| f.read(&mut head)).unwrap_or(0);
    String::from_utf8_lossy(&head[..n]).starts_with("{\"command\":\"sensitivity\"")
}

/// Merge the partial results of one sharded stage into `out`, exactly as the unsharded stage.
pub fn merge(inputs: &[PathBuf], out: &Path) -> Result<Summary, Error> {
    let partials: Vec<Partial> = inputs.iter().map(|p| read_partial(p)).collect::<Result<_, _>>()?;
    let first = &partials[0];
    let count = first.shard.count;
    let mut seen = vec![false; count as usize];
    for (name, p) in inputs.iter().zip(&partials) {
        if p.meta != first.meta || p.shard.count != count {
            return Err(Error::Usage(format!(
                "{} is from a different sensitivity run than {} (scenario, seed, stage or shard count differ); merge the shards of one run only",
                name.display(),
                inputs[0].display()
            )));
        }
        if std::mem::replace(&mut seen[p.shard.index as usize], true) {
            return Err(Error::Usage(format!("shard {} is given twice; give each shard once", p.shard)));
        }
    }
    if let Some(i) = seen.iter().position(|s| !s) {
        return Err(Error::Usage(format!("shard {i}/{count} is missing; merge needs all {count}")));
    }
    let n = first.meta.stage.evaluations as usize;
    let mut values: Vec<Option<Vec<f64>>> = vec![None; n];
    for p in &partials {
        for (e, v) in &p.values {
            values[*e as usize] = Some(v.iter().map(|x| x.0).collect());
        }
    }
    let values: Vec<Vec<f64>> = values.into_iter().collect::<Option<_>>().ok_or_else(|| {
        Error::Usage("the shards do not hold every evaluation; rerun the shards that were cut short".into())
    })?;
    let result = analyse(&first.meta, &values);
    write(out, &first.meta, vec![result])
}

/// `downtime sensitivity`: run the stages (or one shard of one stage) and write the folder.
pub fn command(c: &SensitivityCommand) -> Result<String, Error> {
    let u = uncertain::load(&c.scenario)?;
    if u.parameters().is_empty() {
        return Err(Error::Usage(format!(
            "{} has no uncertain parameters; write the numbers you are unsure of as distributions, such as `Uncertain(Triangular(min: 0.5, mode: 0.7, max: 0.9))` (docs/model.md)",
            c.scenario
        )));
    }
    if c.shard.is_some() && c.method == Method::Both {
        return Err(Error::Usage(
            "--shard runs one stage: run `--method morris --shard I/N` and merge, then `--method sobol --parameters ...` with the parameters the screening ranks highest (docs/distributed.md)".into(),
        ));
    }
    let nominal = u.nominal();
    let days = c.days.unwrap_or(nominal.days);
    let seed = c.seed.unwrap_or(nominal.seed);
    let jobs = c.jobs.unwrap_or_else(experiment::default_jobs);
    if c.runs == 0 || c.runs > batch::MAX_RUNS {
        return Err(Error::Usage(format!("--runs is {}; use 1 to {}", c.runs, batch::MAX_RUNS)));
    }
    let names: Vec<String> = u.parameters().iter().map(|p| p.name.clone()).collect();
    let chosen: Vec<usize> = c
        .parameters
        .iter()
        .map(|n| {
            names.iter().position(|x| x == n).ok_or_else(|| {
                let hint = crate::scenario::validate::closest(n, names.iter().map(String::as_str))
                    .map_or(String::new(), |c| format!("did you mean `{c}`? "));
                Error::Usage(format!(
                    "`{n}` is not an uncertain parameter of {}; {hint}known: {}",
                    c.scenario,
                    names.join(", ")
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    let mut chosen = chosen;
    chosen.sort_unstable();
    chosen.dedup();
    let all: Vec<usize> = (0..names.len()).collect();
    let meta_for = |stage: Stage| SensitivityMeta {
        source: c.scenario.clone(),
        scenario: nominal.id.clone(),
        title: nominal.title.clone(),
        seed,
        days,
        runs: c.runs,
        parameters: u.parameters().iter().map(|p| (p.name.clone(), p.distribution.describe())).collect(),
        kpis: KPIS.iter().map(|(k, _)| k.to_string()).collect(),
        stage,
    };
    let default = PathBuf::from("reports").join(format!("{}-sensitivity", nominal.id));
    let out = c.out.clone().unwrap_or_else(|| c.shard.map_or_else(|| default.clone(), |s| default.join(s.folder())));
    let _out_dir = crate::report::prepare_output_dir(&out, c.force)?;
    let sobol_over = |chosen: Vec<usize>| -> Result<Stage, Error> {
        Stage::new("sobol", c.samples, if chosen.is_empty() { all.clone() } else { chosen })
    };
    let first = match c.method {
        Method::Morris | Method::Both => Stage::new("morris", c.trajectories, all.clone())?,
        Method::Sobol => sobol_over(chosen.clone())?,
    };
    if let Some(shard) = c.shard {
        shard.check()?;
        let meta = meta_for(first);
        if shard.count > meta.stage.evaluations {
            return Err(Error::Usage(format!("{shard}: the stage has only {} evaluations", meta.stage.evaluations)));
        }
        let values = run_stage(&u, &meta, shard, jobs)?;
        let partial = Partial {
            command: "sensitivity".into(),
            format: FORMAT.into(),
            shard,
            meta,
            values: values.into_iter().map(|(e, v)| (e, v.into_iter().map(Exact).collect())).collect(),
        };
        let path = out.join(experiment::PARTIAL_FILE);
        let json = serde_json::to_string(&partial).expect("partial serialises");
        write_atomic(&path, format!("{json}\n").as_bytes())?;
        return Ok(format!("shard {shard}: wrote {}\n", path.display()));
    }
    let meta = meta_for(first);
    let values: Vec<Vec<f64>> = run_stage(&u, &meta, Shard::ALL, jobs)?.into_iter().map(|(_, v)| v).collect();
    let mut stages = vec![analyse(&meta, &values)];
    if c.method == Method::Both {
        let top = if chosen.is_empty() { top_parameters(&stages[0], &meta.kpis[..2], c.top.max(1)) } else { chosen };
        let meta2 = meta_for(sobol_over(top)?);
        let values: Vec<Vec<f64>> = run_stage(&u, &meta2, Shard::ALL, jobs)?.into_iter().map(|(_, v)| v).collect();
        stages.push(analyse(&meta2, &values));
    }
    let summary = write(&out, &meta, stages)?;
    crate::report::csv::apply(&out, c.csv_delimiter)?;
    Ok(format!("{}wrote {}\nopen {}\n", summary_table(&summary), out.display(), out.join("report.html").display()))
}
