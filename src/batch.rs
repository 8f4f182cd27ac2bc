//! Monte Carlo batches: replications, their seeds, parallelism and the statistics over them.
//!
//! Replication `r` of a batch with master seed `S` is `RunOptions { seed: S, replication: r }`;
//! its KPIs are measured against the baseline of the same seed and replication (common random
//! numbers). Replications run in parallel on a local rayon pool of `jobs` threads, one whole
//! World each; every replication yields a [`Record`], records are collected in replication order
//! and every statistic is reduced from them sequentially, so the output does not depend on the
//! thread count, nor on whether the replications ran in one process or in shards
//! ([`crate::shard`]). The engine is [`crate::experiment`]: a batch is a plan of `runs` units
//! and a report.
//!
//! Quantiles use linear interpolation between order statistics (Hyndman and Fan type 7, the
//! default of R and numpy): for `n` sorted values, `p` sits at rank `h = (n - 1) p`, between
//! `x[floor h]` and `x[floor h + 1]`. A KPI that can be null (`backlog_cleared_day`,
//! `protocol_exhaustion_day`, `time_to_recovery_days`) has its mean and quantiles taken over the
//! runs where it has a value, and `null_runs` counts the runs where it has none.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use serde::Serialize;

use crate::error::Error;
use crate::experiment::{Plan, Shard, SharedBaselines};
use crate::kpi::{self, Kpis};
use crate::model::ProviderKind;
use crate::quantiles::Quantiles;
use crate::report::write_atomic;
use crate::scenario::Scenario;
use crate::sim::{self, RunOptions};

pub use crate::experiment::{BatchMeta, ChartContext, Exact, Layout, Record, default_jobs, par_map, par_stream};

/// Upper bound on replications in one batch (keeps memory bounded whatever the input).
pub const MAX_RUNS: u64 = 1_000_000;

/// KPIs that may be null in a replication; their statistics always carry `null_runs`.
pub const NULLABLE: [&str; 3] = ["backlog_cleared_day", "protocol_exhaustion_day", "time_to_recovery_days"];

/// A derived KPI added to every record: care delivered in the baseline minus care delivered under
/// the incident (cases), i.e. the care the incident cost within the horizon.
pub const CARE_LOST: &str = "care_lost";

/// A derived KPI added to every record: the most cases the incident put behind the baseline at
/// any point, i.e. the largest cumulative shortfall of served cases (baseline minus incident,
/// summed from day 0) over the days of the horizon. Care that is delayed but caught up before
/// the horizon ends counts here and not in [`CARE_LOST`].
pub const CARE_BEHIND: &str = "care_behind_peak";

/// Per-day metrics of `bands.csv`, from the daily [demand, served, backlog] of each record.
/// The service level is over the 7 days to date (as for `time_to_recovery_days`): a single
/// day's level swings with weekends and with referrals arriving at closed services.
pub const BAND_METRICS: [&str; 3] = ["service_level_7d", "served", "backlog"];

/// Settings of a batch.
#[derive(Debug, Clone, Copy)]
pub struct BatchOptions {
    /// Replications in the whole batch (all shards together).
    pub runs: u64,
    /// Master seed.
    pub seed: u64,
    /// Worker threads.
    pub jobs: usize,
    /// The slice of replications to run.
    pub shard: Shard,
    /// Show a progress bar on stderr (only drawn when stderr is a terminal).
    pub progress: bool,
}

impl BatchOptions {
    /// Check the numbers; a bad value is a usage error (exit code 2).
    pub fn check(&self) -> Result<(), Error> {
        if self.runs == 0 || self.runs > MAX_RUNS {
            return Err(Error::Usage(format!("--runs is {}; use 1 to {MAX_RUNS}", self.runs)));
        }
        if self.jobs == 0 || self.jobs > 1024 {
            return Err(Error::Usage(format!("--jobs is {}; use 1 to 1024", self.jobs)));
        }
        self.shard.check()
    }

    /// The plan: `runs` replications of one parameter draw, sliced by the shard.
    pub fn plan(&self) -> Plan {
        Plan { runs: self.runs, draws: 1, shard: self.shard }
    }

    /// The replications this process runs, in order.
    pub fn replications(&self) -> Vec<u64> {
        self.plan().units().map(|u| u.replication).collect()
    }
}

/// The [`ChartContext`] of a scenario: runs replication 0 of `seed` and its baseline once more.
pub fn chart_context(scenario: &Scenario, seed: u64) -> ChartContext {
    let (incident, baseline) = sim::run_with_baseline(Arc::new(scenario.clone()), RunOptions { seed, replication: 0 });
    context_of(scenario, &incident, &baseline)
}

/// The [`ChartContext`] of replication 0's outcomes.
fn context_of(scenario: &Scenario, incident: &sim::Outcome, baseline: &sim::Outcome) -> ChartContext {
    ChartContext {
        start: (scenario.start.year, scenario.start.month, scenario.start.day),
        markers: crate::plot::inject_markers(incident).into_iter().map(|m| (Exact(m.day), m.label)).collect(),
        baseline: kpi::daily(baseline, None)
            .iter()
            .map(|d| [d.counters.demand as i64, d.counters.served as i64, d.backlog])
            .collect(),
    }
}

/// The provider kinds present in a scenario, in [`ProviderKind::ALL`] order.
pub fn kinds_of(scenario: &Scenario) -> Vec<ProviderKind> {
    ProviderKind::ALL.into_iter().filter(|k| scenario.providers.iter().any(|p| p.kind == *k)).collect()
}

/// The KPI names of a record, sorted.
pub fn kpi_names() -> Vec<String> {
    let mut kpis: Vec<String> = kpi_values(&Kpis::default()).into_keys().collect();
    kpis.sort();
    kpis
}

/// The record layout of a scenario.
pub fn layout(scenario: &Scenario) -> Layout {
    Layout {
        kpis: kpi_names(),
        kinds: kinds_of(scenario).into_iter().map(|k| k.key().to_string()).collect(),
        observed: scenario.observed.iter().map(|o| crate::fit::Fit::new(o, None, None, None)).collect(),
    }
}

/// KPI name → value (`None` for null). [`CARE_LOST`] and [`CARE_BEHIND`] are among the KPIs.
fn kpi_values(k: &Kpis) -> BTreeMap<String, Option<f64>> {
    let value = serde_json::to_value(k).expect("KPIs serialise");
    match value {
        serde_json::Value::Object(map) => map.into_iter().map(|(name, v)| (name, v.as_f64())).collect(),
        _ => BTreeMap::new(),
    }
}

fn aligned(layout: &Layout, values: &BTreeMap<String, Option<f64>>) -> Vec<Option<Exact>> {
    layout.kpis.iter().map(|name| values.get(name).copied().flatten().map(Exact)).collect()
}

/// Run replication `replication` of `scenario` (and of its baseline `base`) and measure it.
/// Both runs happen on the calling thread. The baseline comes from `baselines` when given (run
/// there once per distinct baseline, see [`SharedBaselines`]); with `context`, replication 0
/// also keeps the batch's chart context, so the batch need not run it a second time.
pub fn record(
    scenario: &Arc<Scenario>,
    base: &Arc<Scenario>,
    layout: &Layout,
    seed: u64,
    replication: u64,
    baselines: Option<&SharedBaselines>,
    context: Option<&OnceLock<ChartContext>>,
) -> Record {
    let options = RunOptions { seed, replication };
    let outcome = sim::run(scenario.clone(), options);
    let baseline = match baselines {
        Some(shared) => shared.run(base, options),
        None => sim::run(base.clone(), options),
    };
    if let Some(context) = context.filter(|_| replication == 0) {
        context.get_or_init(|| context_of(scenario, &outcome, &baseline));
    }
    let kinds = kinds_of(scenario);
    let measure = |kind: Option<ProviderKind>| {
        let k = kpi::compute(&outcome, &baseline, kind);
        aligned(layout, &kpi_values(&k))
    };
    let day_rows = |kind: Option<ProviderKind>| -> Vec<[i64; 3]> {
        kpi::daily(&outcome, kind)
            .iter()
            .map(|d| [d.counters.demand as i64, d.counters.served as i64, d.backlog])
            .collect()
    };
    Record {
        replication,
        kpis: measure(None),
        by_kind: kinds.iter().map(|k| measure(Some(*k))).collect(),
        daily: std::iter::once(None).chain(kinds.iter().map(|k| Some(*k))).map(day_rows).collect(),
        observed: scenario
            .observed
            .iter()
            .map(|o| crate::fit::model_value(o, &outcome, &baseline).map(Exact))
            .collect(),
    }
}

/// Run the replications of `options` (its shard only) and reduce their records in order,
/// keeping none: the memory of a batch does not grow with its runs. Replication 0's chart
/// context goes to `context` if the plan runs it.
fn run_reduced(
    scenario: &Scenario,
    options: &BatchOptions,
    context: &OnceLock<ChartContext>,
) -> Result<Reducer, Error> {
    options.check()?;
    let layout = layout(scenario);
    let mut reducer = Reducer::new(&layout, scenario.days);
    let scenario = Arc::new(scenario.clone());
    let base = Arc::new(sim::baseline_of(&scenario));
    crate::experiment::run_plan(
        options.jobs,
        &options.plan(),
        options.progress,
        |u| record(&scenario, &base, &layout, options.seed, u.replication, None, Some(context)),
        |rec| reducer.push(&rec),
    )?;
    Ok(reducer)
}

/// The units of a nested batch (`draws` parameter draws of `options.runs` replications each,
/// `options`' shard only) mapped to records in plan order and handed to `sink`. Unit `(d, r)`
/// runs the scenario at parameter draw `d` ([`crate::uncertain::Uncertain::draw`] of the seed)
/// with the chance streams of replication `r`; its record's `replication` is the unit's index
/// `d × runs + r`.
pub fn run_nested(
    u: &crate::uncertain::Uncertain,
    days: Option<u32>,
    options: &BatchOptions,
    draws: u64,
    sink: impl FnMut(Record),
) -> Result<(), Error> {
    options.check()?;
    let layout = layout(u.nominal());
    let plan = Plan { runs: options.runs, draws, shard: options.shard };
    // Draws that change only what acts during the incident share their baselines.
    let baselines = SharedBaselines::for_scenario(u.nominal(), options.runs as usize, options.jobs);
    crate::experiment::try_run_plan(
        options.jobs,
        &plan,
        options.progress,
        |unit| {
            let mut s = u.scenario_at(&u.draw(options.seed, unit.draw))?;
            if let Some(d) = days {
                s.set_days(d);
            }
            Ok(unit_record(s, &layout, options.seed, unit, Some(&baselines)))
        },
        sink,
    )
}

/// The record of one unit of a nested plan: `scenario` (already at the unit's parameter draw)
/// against its baseline on the chance streams of the unit's replication, numbered by the unit's
/// index in the plan.
pub fn unit_record(
    scenario: Scenario,
    layout: &Layout,
    seed: u64,
    unit: &crate::experiment::Unit,
    baselines: Option<&SharedBaselines>,
) -> Record {
    let s = Arc::new(scenario);
    let base = Arc::new(sim::baseline_of(&s));
    let mut rec = record(&s, &base, layout, seed, unit.replication, baselines, None);
    rec.replication = unit.index;
    rec
}

/// Run the replications of `options` (its shard only) and return their records in order.
pub fn run_records(scenario: &Scenario, options: &BatchOptions) -> Result<(Layout, Vec<Record>), Error> {
    run_records_with(scenario, options, None)
}

/// [`run_records`], keeping replication 0's chart context in `context` if the shard runs it.
fn run_records_with(
    scenario: &Scenario,
    options: &BatchOptions,
    context: Option<&OnceLock<ChartContext>>,
) -> Result<(Layout, Vec<Record>), Error> {
    options.check()?;
    let layout = layout(scenario);
    let scenario = Arc::new(scenario.clone());
    let base = Arc::new(sim::baseline_of(&scenario));
    let reps = options.replications();
    let records = par_map(options.jobs, &reps, options.progress, |&r| {
        record(&scenario, &base, &layout, options.seed, r, None, context)
    })?;
    Ok((layout, records))
}

/// Mean and quantiles of one KPI over the runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stat {
    pub mean: Option<f64>,
    pub p5: Option<f64>,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    /// Runs in which the KPI was null (only for KPIs that can be null).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub null_runs: Option<u64>,
}

impl Stat {
    /// Statistics of `values` (nulls left out and counted for nullable KPIs).
    pub fn of(name: &str, values: impl Iterator<Item = Option<f64>>) -> Stat {
        let mut nulls = 0;
        let mut xs: Vec<f64> = values
            .filter_map(|v| {
                if v.is_none() {
                    nulls += 1;
                }
                v
            })
            .collect();
        xs.sort_by(f64::total_cmp);
        let q = |p| (!xs.is_empty()).then(|| round4(quantile(&xs, p)));
        Stat {
            mean: mean(&xs).map(round4),
            p5: q(0.05),
            p50: q(0.5),
            p95: q(0.95),
            null_runs: (nulls > 0 || NULLABLE.contains(&name)).then_some(nulls),
        }
    }
}

/// The `p` quantile (0..=1) of sorted values by linear interpolation (type 7); NaN when empty.
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let frac = h - lo as f64;
    if frac == 0.0 { sorted[lo] } else { sorted[lo] + frac * (sorted[hi] - sorted[lo]) }
}

/// The arithmetic mean, summed in order; `None` when empty.
pub fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
}

/// Round to 4 decimals for output (every output goes through this, so it is reproducible).
pub fn round4(x: f64) -> f64 {
    let r = (x * 10_000.0).round() / 10_000.0;
    if r == 0.0 { 0.0 } else { r }
}

/// `summary.json` of a batch.
#[derive(Debug, Clone, Serialize)]
pub struct BatchSummary {
    /// The tool's version.
    pub version: &'static str,
    /// The layout version of `summary.json`.
    pub schema: u32,
    pub scenario: String,
    pub title: String,
    pub seed: u64,
    pub days: u32,
    pub providers: usize,
    pub runs: u64,
    /// How quantiles are computed.
    pub quantiles: &'static str,
    pub kpis: BTreeMap<String, Stat>,
    pub by_kind: BTreeMap<String, BTreeMap<String, Stat>>,
    /// The scenario's observed figures beside the model's mean over the runs (with its 5th and
    /// 95th percentiles).
    pub observed: Vec<crate::fit::Fit>,
    /// A nested batch's spread split into chance and parameters (`Split`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<Uncertainty>,
}

/// The spread of one KPI over a nested batch, split by its source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spread {
    pub mean: Option<f64>,
    /// From chance alone: the mean plus the 5th and 95th percentiles of each run's deviation
    /// from its draw's mean (the spread if the parameters were known).
    pub chance_p5: Option<f64>,
    pub chance_p95: Option<f64>,
    /// From the parameters: the 5th and 95th percentiles of the draws' means.
    pub parameter_p5: Option<f64>,
    pub parameter_p95: Option<f64>,
    /// Both: the 5th and 95th percentiles of all runs.
    pub total_p5: Option<f64>,
    pub total_p95: Option<f64>,
    /// The share of the variance that comes from the parameters: `Var(E[X | θ]) / Var(X)`,
    /// with `Var(E[X | θ])` the variance of the draw means less the chance left in them
    /// (within-draw variance / runs per draw), at least 0.
    pub parameter_share: Option<f64>,
}

/// `uncertainty` in the `summary.json` of a nested batch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Uncertainty {
    pub draws: u64,
    pub runs_per_draw: u64,
    /// The headline KPIs.
    pub kpis: BTreeMap<String, Spread>,
}

/// Per day: the service level and backlog of all providers (the fan charts' metrics).
const SPLIT_METRICS: [usize; 2] = [0, 2];

/// The reduction of a nested batch's spread into chance and parameters. Runs arrive draw by
/// draw (the plan is draw-major); the current draw's values are held (runs per draw of them)
/// until it is complete, then each run's deviation from the draw's mean goes into a quantile
/// sketch and the mean into the list of draw means: memory grows with the draws, not the runs.
#[derive(Debug, Clone)]
struct Split {
    runs_per_draw: usize,
    /// Layout indices of the headline KPIs.
    kpis: Vec<usize>,
    draw_means: Vec<Vec<f64>>,
    residuals: Vec<Quantiles>,
    /// Per KPI: sum of squared deviations and their degrees of freedom.
    within: Vec<(f64, u64)>,
    current: Vec<Vec<f64>>,
    days: usize,
    day_residuals: Vec<Quantiles>,
    day_current: Vec<Vec<f64>>,
    seen: usize,
}

impl Split {
    fn new(layout: &Layout, days: u32, runs_per_draw: u64) -> Split {
        let kpis: Vec<usize> = HEADLINE.iter().filter_map(|(k, _)| layout.kpis.iter().position(|x| x == k)).collect();
        let days = days as usize;
        Split {
            runs_per_draw: runs_per_draw.max(1) as usize,
            draw_means: vec![Vec::new(); kpis.len()],
            residuals: vec![Quantiles::new(); kpis.len()],
            within: vec![(0.0, 0); kpis.len()],
            current: vec![Vec::new(); kpis.len()],
            kpis,
            days,
            day_residuals: vec![Quantiles::new(); days * SPLIT_METRICS.len()],
            day_current: vec![Vec::new(); days * SPLIT_METRICS.len()],
            seen: 0,
        }
    }

    fn push(&mut self, r: &Record) {
        for (slot, &i) in self.kpis.iter().enumerate() {
            if let Some(v) = r.kpis.get(i).copied().flatten() {
                self.current[slot].push(v.0);
            }
        }
        if let Some(all) = r.daily.first() {
            for day in 0..self.days.min(all.len()) {
                let window = &all[day.saturating_sub(6)..=day];
                let demand: i64 = window.iter().map(|x| x[0]).sum();
                let served: i64 = window.iter().map(|x| x[1]).sum();
                let level = if demand > 0 { served as f64 / demand as f64 } else { 1.0 };
                self.day_current[day * 2].push(level);
                self.day_current[day * 2 + 1].push(all[day][2] as f64);
            }
        }
        self.seen += 1;
        if self.seen == self.runs_per_draw {
            self.seen = 0;
            for slot in 0..self.kpis.len() {
                let xs = std::mem::take(&mut self.current[slot]);
                if xs.is_empty() {
                    continue;
                }
                let m = xs.iter().sum::<f64>() / xs.len() as f64;
                for x in &xs {
                    self.residuals[slot].push(x - m);
                    self.within[slot].0 += (x - m) * (x - m);
                }
                self.within[slot].1 += xs.len() as u64 - 1;
                self.draw_means[slot].push(m);
            }
            for (cur, q) in self.day_current.iter_mut().zip(&mut self.day_residuals) {
                let xs = std::mem::take(cur);
                let m = xs.iter().sum::<f64>() / xs.len().max(1) as f64;
                xs.iter().for_each(|x| q.push(x - m));
            }
        }
    }

    fn summary(&self, layout: &Layout, cells: &[KpiCell]) -> Uncertainty {
        let mut kpis = BTreeMap::new();
        for (slot, &i) in self.kpis.iter().enumerate() {
            let name = &layout.kpis[i];
            let cell = &cells[i];
            let mean = cell.values.mean_sorted();
            let total = cell.values.quantiles([0.05, 0.95]);
            let res = self.residuals[slot].quantiles([0.05, 0.95]);
            let mut means = self.draw_means[slot].clone();
            means.sort_by(f64::total_cmp);
            let d = means.len();
            let between = (d > 1).then(|| {
                let m = means.iter().sum::<f64>() / d as f64;
                means.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (d - 1) as f64
            });
            let (ss, df) = self.within[slot];
            let within = (df > 0).then(|| ss / df as f64);
            let share = match (between, within) {
                (Some(b), Some(w)) => {
                    let param = (b - w / self.runs_per_draw as f64).max(0.0);
                    (param + w > 0.0).then(|| round4(param / (param + w)))
                }
                (Some(b), None) => Some(if b > 0.0 { 1.0 } else { 0.0 }),
                _ => None,
            };
            kpis.insert(
                name.clone(),
                Spread {
                    mean: mean.map(round4),
                    chance_p5: mean.zip(res).map(|(m, q)| round4(m + q[0])),
                    chance_p95: mean.zip(res).map(|(m, q)| round4(m + q[1])),
                    parameter_p5: (d > 0).then(|| round4(quantile(&means, 0.05))),
                    parameter_p95: (d > 0).then(|| round4(quantile(&means, 0.95))),
                    total_p5: total.map(|q| round4(q[0])),
                    total_p95: total.map(|q| round4(q[1])),
                    parameter_share: share,
                },
            );
        }
        Uncertainty {
            draws: self.draw_means.first().map_or(0, |m| m.len() as u64),
            runs_per_draw: self.runs_per_draw as u64,
            kpis,
        }
    }

    /// Per day, the chance band around the median of all runs: `[(low, high)]` for the metric
    /// at `m` (0 = service level, 1 = backlog), scaled.
    fn chance_band(&self, medians: &[f64], m: usize, scale: f64) -> Vec<(f64, f64)> {
        (0..self.days.min(medians.len()))
            .map(|day| match self.day_residuals[day * 2 + m].quantiles([0.05, 0.95]) {
                Some([lo, hi]) => (medians[day] + lo * scale, medians[day] + hi * scale),
                None => (f64::NAN, f64::NAN),
            })
            .collect()
    }
}

/// A description of the quantile method, repeated in every summary.
pub const QUANTILE_METHOD: &str = "linear interpolation between order statistics (type 7), exact up to 100 runs and within 0.5% beyond (log-bucketed histogram); nullable KPIs over the runs with a value, null_runs counts the others";

/// Statistics of KPI values per KPI name.
pub fn kpi_stats(layout: &Layout, rows: &[&[Option<Exact>]]) -> BTreeMap<String, Stat> {
    layout
        .kpis
        .iter()
        .enumerate()
        .map(|(i, name)| (name.clone(), Stat::of(name, rows.iter().map(|r| r.get(i).copied().flatten().map(|e| e.0)))))
        .collect()
}

/// Reduce the records (sorted by replication) into the summary.
pub fn summarize(meta: &BatchMeta, layout: &Layout, records: &[Record]) -> BatchSummary {
    let mut r = Reducer::new(layout, meta.days);
    records.iter().for_each(|x| r.push(x));
    r.summary(meta)
}

/// One band of `bands.csv`: statistics of one metric of one kind on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub day: u32,
    pub kind: String,
    pub metric: &'static str,
    pub mean: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

/// Per-day quantile bands for every kind (`all` first) and metric of [`BAND_METRICS`].
pub fn bands(meta: &BatchMeta, layout: &Layout, records: &[Record]) -> Vec<Band> {
    let mut r = Reducer::new(layout, meta.days);
    records.iter().for_each(|x| r.push(x));
    r.bands()
}

/// One KPI's values over the runs, nulls counted apart.
#[derive(Debug, Clone, Default)]
struct KpiCell {
    values: Quantiles,
    nulls: u64,
}

impl KpiCell {
    fn push(&mut self, v: Option<f64>) {
        match v {
            Some(x) => self.values.push(x),
            None => self.nulls += 1,
        }
    }

    fn stat(&self, name: &str) -> Stat {
        let q = self.values.quantiles([0.05, 0.5, 0.95]).map(|q| q.map(round4));
        Stat {
            mean: self.values.mean_sorted().map(round4),
            p5: q.map(|q| q[0]),
            p50: q.map(|q| q[1]),
            p95: q.map(|q| q[2]),
            null_runs: (self.nulls > 0 || NULLABLE.contains(&name)).then_some(self.nulls),
        }
    }
}

/// The statistics of a batch reduced from its records one at a time, in replication order:
/// the summary's KPI statistics and the per-day bands. Its memory does not grow with the runs
/// (see [`crate::quantiles`]: exact up to [`crate::quantiles::EXACT_LIMIT`] runs, within 0.5%
/// beyond), so a batch of any size keeps no record it has reduced.
#[derive(Debug, Clone)]
pub struct Reducer {
    pub layout: Layout,
    days: usize,
    runs: u64,
    kpis: Vec<KpiCell>,
    by_kind: Vec<Vec<KpiCell>>,
    /// Per day, per kind (`all` first), per metric of [`BAND_METRICS`].
    bands: Vec<Quantiles>,
    /// The model's value for each observed figure.
    observed: Vec<KpiCell>,
    /// Each replication's headline KPIs (see [`Record::slim`]), for the report's intervals:
    /// a few hundred bytes a run.
    pub rows: Vec<Record>,
    /// The split of the spread into chance and parameters, for a nested batch.
    split: Option<Split>,
}

impl Reducer {
    pub fn new(layout: &Layout, days: u32) -> Self {
        let days = days as usize;
        let kinds = layout.kinds.len() + 1;
        Reducer {
            layout: layout.clone(),
            days,
            runs: 0,
            kpis: vec![KpiCell::default(); layout.kpis.len()],
            by_kind: vec![vec![KpiCell::default(); layout.kpis.len()]; layout.kinds.len()],
            bands: vec![Quantiles::new(); days * kinds * BAND_METRICS.len()],
            observed: vec![KpiCell::default(); layout.observed.len()],
            rows: Vec::new(),
            split: None,
        }
    }

    /// The reducer of a batch: with the chance/parameter split when `meta` has draws.
    pub fn for_meta(layout: &Layout, meta: &BatchMeta) -> Self {
        let mut r = Reducer::new(layout, meta.days);
        if let Some(draws) = meta.draws.filter(|d| *d > 1) {
            r.split = Some(Split::new(layout, meta.days, meta.runs / draws));
        }
        r
    }

    /// Add the next record (in replication order).
    pub fn push(&mut self, r: &Record) {
        self.runs += 1;
        if let Some(split) = &mut self.split {
            split.push(r);
        }
        self.rows.push(r.slim());
        for (i, cell) in self.observed.iter_mut().enumerate() {
            cell.push(r.observed.get(i).copied().flatten().map(|e| e.0));
        }
        for (i, cell) in self.kpis.iter_mut().enumerate() {
            cell.push(r.kpis.get(i).copied().flatten().map(|e| e.0));
        }
        for (k, cells) in self.by_kind.iter_mut().enumerate() {
            let row = r.by_kind.get(k).map_or(&[][..], |v| v.as_slice());
            for (i, cell) in cells.iter_mut().enumerate() {
                cell.push(row.get(i).copied().flatten().map(|e| e.0));
            }
        }
        let kinds = self.layout.kinds.len() + 1;
        for (k, d) in r.daily.iter().enumerate().take(kinds) {
            for day in 0..self.days.min(d.len()) {
                let [_, served, backlog] = d[day];
                let window = &d[day.saturating_sub(6)..=day];
                let demand: i64 = window.iter().map(|x| x[0]).sum();
                let served7: i64 = window.iter().map(|x| x[1]).sum();
                let level = if demand > 0 { served7 as f64 / demand as f64 } else { 1.0 };
                let at = (day * kinds + k) * BAND_METRICS.len();
                self.bands[at].push(level);
                self.bands[at + 1].push(served as f64);
                self.bands[at + 2].push(backlog as f64);
            }
        }
    }

    /// Records reduced so far.
    pub fn runs(&self) -> u64 {
        self.runs
    }

    /// The summary of the records reduced.
    pub fn summary(&self, meta: &BatchMeta) -> BatchSummary {
        let stats = |cells: &[KpiCell]| -> BTreeMap<String, Stat> {
            self.layout.kpis.iter().zip(cells).map(|(name, c)| (name.clone(), c.stat(name))).collect()
        };
        BatchSummary {
            version: crate::report::render::VERSION,
            schema: crate::report::render::SCHEMA,
            scenario: meta.scenario.clone(),
            title: meta.title.clone(),
            seed: meta.seed,
            days: meta.days,
            providers: meta.providers,
            runs: self.runs,
            quantiles: QUANTILE_METHOD,
            kpis: stats(&self.kpis),
            by_kind: self.layout.kinds.iter().zip(&self.by_kind).map(|(kind, c)| (kind.clone(), stats(c))).collect(),
            observed: self
                .layout
                .observed
                .iter()
                .zip(&self.observed)
                .map(|(f, c)| {
                    let q = c.values.quantiles([0.05, 0.5, 0.95]);
                    f.with_stat(c.values.mean_sorted(), q.map(|q| q[0]), q.map(|q| q[2]))
                })
                .collect(),
            uncertainty: self.split.as_ref().map(|sp| sp.summary(&self.layout, &self.kpis)),
        }
    }

    /// The KPI statistics only (a sweep variant's).
    pub fn kpi_stats(&self) -> BTreeMap<String, Stat> {
        self.layout.kpis.iter().zip(&self.kpis).map(|(name, c)| (name.clone(), c.stat(name))).collect()
    }

    /// The per-day bands of the records reduced.
    pub fn bands(&self) -> Vec<Band> {
        let kinds: Vec<&str> = std::iter::once("all").chain(self.layout.kinds.iter().map(String::as_str)).collect();
        let mut out = Vec::new();
        for day in 0..self.days {
            for (k, kind) in kinds.iter().enumerate() {
                for (m, metric) in BAND_METRICS.iter().enumerate() {
                    let q = &self.bands[(day * kinds.len() + k) * BAND_METRICS.len() + m];
                    let (Some(avg), Some([p5, p50, p95])) = (q.mean_in_order(), q.quantiles([0.05, 0.5, 0.95])) else {
                        continue;
                    };
                    out.push(Band {
                        day: day as u32,
                        kind: kind.to_string(),
                        metric,
                        mean: round4(avg),
                        p5: round4(p5),
                        p50: round4(p50),
                        p95: round4(p95),
                    });
                }
            }
        }
        out
    }
}

/// `bands.csv`: `day,kind,metric,mean,p5,p50,p95`, one row per day, kind and metric.
pub fn bands_csv(bands: &[Band]) -> String {
    let mut out = String::from("day,kind,metric,mean,p5,p50,p95\n");
    for b in bands {
        let _ = writeln!(out, "{},{},{},{},{},{},{}", b.day, csv_field(&b.kind), b.metric, b.mean, b.p5, b.p50, b.p95);
    }
    out
}

/// Write the outputs of a whole batch into `dir`: `summary.json`, `bands.csv` and the fan charts.
/// The records must be complete and sorted by replication.
pub fn write_batch(dir: &Path, meta: &BatchMeta, layout: &Layout, records: &[Record]) -> Result<BatchSummary, Error> {
    let mut r = Reducer::for_meta(layout, meta);
    records.iter().for_each(|x| r.push(x));
    write_reduced(dir, meta, &r)
}

/// Write the outputs of a whole batch from its reduced statistics.
pub fn write_reduced(dir: &Path, meta: &BatchMeta, reducer: &Reducer) -> Result<BatchSummary, Error> {
    let summary = reducer.summary(meta);
    let json = serde_json::to_string_pretty(&summary).expect("summary serialises");
    write_atomic(&dir.join("summary.json"), format!("{json}\n").as_bytes())?;
    let bands = reducer.bands();
    write_atomic(&dir.join("bands.csv"), bands_csv(&bands).as_bytes())?;
    fan_charts(&dir.join("plots"), &bands, meta.context.as_ref(), reducer.split.as_ref())?;
    let mut view = crate::report::policy::batch_view(dir, meta, &reducer.layout, &reducer.rows)?;
    if let Some(u) = &summary.uncertainty {
        view.sections.insert(0, uncertainty_section(u));
    }
    crate::report::policy::write_batch(dir, &view)?;
    Ok(summary)
}

/// The fan charts of a batch: service level and backlog of all providers, p5–p95 and median,
/// with dates, injects and the baseline when `context` gives them.
fn fan_charts(dir: &Path, bands: &[Band], context: Option<&ChartContext>, split: Option<&Split>) -> Result<(), Error> {
    let base = context.map_or(&[][..], |c| c.baseline.as_slice());
    let base_level: Vec<f64> = (0..base.len())
        .map(|d| {
            let w = &base[d.saturating_sub(6)..=d];
            let demand: i64 = w.iter().map(|x| x[0]).sum();
            let served: i64 = w.iter().map(|x| x[1]).sum();
            if demand > 0 { 100.0 * served as f64 / demand as f64 } else { 100.0 }
        })
        .collect();
    let base_backlog: Vec<f64> = base.iter().map(|x| x[2] as f64).collect();
    let markers: Vec<crate::plot::Marker> = context
        .map(|c| c.markers.iter().map(|(d, l)| crate::plot::Marker { day: d.0, label: l.clone() }).collect())
        .unwrap_or_default();
    let start = context.map(|c| crate::scenario::Date { year: c.start.0, month: c.start.1, day: c.start.2 });
    for (metric, stem, title, y_label, scale, baseline, percent) in [
        (
            "service_level_7d",
            "fan_service_level",
            "Service level, all providers: care delivered / demanded over 7 days",
            "% of demand served, 7 days to date",
            100.0,
            &base_level,
            true,
        ),
        ("backlog", "fan_backlog", "Cases waiting, all providers", "cases waiting", 1.0, &base_backlog, false),
    ] {
        let rows: Vec<&Band> = bands.iter().filter(|b| b.kind == "all" && b.metric == metric).collect();
        let col = |f: fn(&Band) -> f64| rows.iter().map(|b| f(b) * scale).collect::<Vec<f64>>();
        // Values at the middle of each day, as in the run charts.
        let x: Vec<f64> = rows.iter().map(|b| f64::from(b.day) + if start.is_some() { 0.5 } else { 0.0 }).collect();
        let (p5, p50, p95) = (col(|b| b.p5), col(|b| b.p50), col(|b| b.p95));
        let chance = split.map_or(Vec::new(), |sp| sp.chance_band(&p50, usize::from(metric == "backlog"), scale));
        let chart = crate::plot::FanChart {
            title,
            x_label: "day",
            y_label,
            x: &x,
            p5: &p5,
            p50: &p50,
            p95: &p95,
            start,
            markers: &markers,
            baseline: if baseline.len() == x.len() { baseline } else { &[] },
            percent,
            chance: &chance,
        };
        crate::plot::render(dir, stem, &chart)?;
    }
    Ok(())
}

/// The report's section on a nested batch: each headline KPI's spread from chance, from the
/// parameters, and from both.
fn uncertainty_section(u: &Uncertainty) -> crate::report::render::Section {
    use crate::report::render::{Cell, Column, Section, Table};
    let rows = HEADLINE
        .iter()
        .filter_map(|(key, label)| {
            let sp = u.kpis.get(*key)?;
            let range = |a: Option<f64>, b: Option<f64>| format!("{} to {}", fmt_num(a), fmt_num(b));
            Some(vec![
                Cell::new(label.trim()),
                Cell::new(fmt_num(sp.mean)),
                Cell::new(range(sp.chance_p5, sp.chance_p95)),
                Cell::new(range(sp.parameter_p5, sp.parameter_p95)),
                Cell::new(range(sp.total_p5, sp.total_p95)),
                Cell::new(sp.parameter_share.map_or("—".into(), |x| format!("{:.0}%", 100.0 * x))),
            ])
        })
        .collect();
    Section {
        id: "uncertainty".into(),
        title: "Chance and not knowing the parameters".into(),
        paragraphs: vec![format!(
            "The scenario's uncertain parameters were drawn {} times, and each draw ran {} replications (the same chance streams for every draw). Chance: where 90% of the runs fall around the mean if the parameters were known (the spread of runs within a draw). Parameters: where 90% of the draws' means fall (what not knowing the parameters adds). Both: 90% of all runs. The last column is the share of the variance that comes from the parameters (docs/model.md).",
            u.draws, u.runs_per_draw
        )],
        table: Some(Table {
            columns: vec![
                Column::text("KPI"),
                Column::num("mean"),
                Column::num("chance, 5th to 95th"),
                Column::num("parameters, 5th to 95th"),
                Column::num("both, 5th to 95th"),
                Column::num("share from parameters"),
            ],
            rows,
        }),
        notes: vec!["The fan charts show both bands: light, all runs (chance and parameters); dark, chance alone, around the median.".into()],
    }
}

/// KPIs shown in the terminal table of batch, compare and sweep, with their labels.
pub const HEADLINE: [(&str, &str); 10] = [
    ("care_delivered_pct", "care delivered %"),
    (CARE_LOST, "care lost (cases)"),
    (CARE_BEHIND, "care behind at peak (cases)"),
    ("urgent_delayed", "urgent delayed"),
    ("diverted", "diverted"),
    ("peak_backlog", "peak backlog"),
    ("overtime_hours", "overtime hours"),
    ("records_exfiltrated", "records stolen"),
    ("records_exfiltrated_high_sensitivity", "  high sensitivity"),
    ("time_to_recovery_days", "time to recovery (days)"),
];

/// A number for tables: thousands separators; integers and values from 100 up without
/// decimals, smaller ones with two (see [`crate::report::format`]).
pub fn fmt_num(x: Option<f64>) -> String {
    match x {
        None => "—".to_string(),
        Some(v) if v.fract() == 0.0 || v.abs() >= 100.0 => crate::report::format::count(v),
        Some(v) => format!("{v:.2}"),
    }
}

/// The terminal table of a batch.
pub fn summary_table(s: &BatchSummary) -> String {
    let mut out =
        format!("{} — {} providers, {} days, {} runs from seed {}\n", s.title, s.providers, s.days, s.runs, s.seed);
    let mut rows = Vec::new();
    for (key, label) in HEADLINE {
        let Some(st) = s.kpis.get(key) else { continue };
        let mut row = vec![label.to_string(), fmt_num(st.mean), fmt_num(st.p5), fmt_num(st.p50), fmt_num(st.p95)];
        row.push(st.null_runs.filter(|n| *n > 0).map_or(String::new(), |n| format!("(none in {n} runs)")));
        rows.push(row);
    }
    out.push_str(&crate::text::table(&["", "mean", "p5", "p50", "p95", ""], &rows));
    if let Some(u) = &s.uncertainty {
        let _ = writeln!(
            out,
            "spread by source ({} parameter draws x {} runs): 5th to 95th percentile",
            u.draws, u.runs_per_draw
        );
        let mut rows = Vec::new();
        for (key, label) in HEADLINE {
            let Some(sp) = u.kpis.get(key) else { continue };
            let r = |a, b| format!("{} to {}", fmt_num(a), fmt_num(b));
            rows.push(vec![
                label.to_string(),
                r(sp.chance_p5, sp.chance_p95),
                r(sp.parameter_p5, sp.parameter_p95),
                r(sp.total_p5, sp.total_p95),
                sp.parameter_share.map_or("—".into(), |x| format!("{:.0}%", 100.0 * x)),
            ]);
        }
        out.push_str(&crate::text::table(&["", "chance", "parameters", "both", "share"], &rows));
    }
    out.push_str(&crate::fit::table(&s.observed));
    out
}

/// What `downtime batch` was asked to do.
#[derive(Debug, Clone)]
pub struct BatchCommand {
    pub scenario: String,
    pub runs: u64,
    pub seed: Option<u64>,
    pub jobs: Option<usize>,
    pub days: Option<u32>,
    pub out: Option<std::path::PathBuf>,
    /// Write into an output folder holding files downtime did not write.
    pub force: bool,
    pub shard: Option<Shard>,
    /// Field delimiter of the CSV files (`,` or `;`).
    pub csv_delimiter: char,
    /// Parameter draws (a nested batch of `draws × runs` when above 1; the scenario needs
    /// uncertain parameters).
    pub draws: u64,
}

/// `downtime batch`: run, then write the batch folder (or, with a shard, its `partial.json`).
/// Returns the text to print.
pub fn command(c: &BatchCommand) -> Result<String, Error> {
    if c.draws > 1 {
        return nested_command(c);
    }
    let mut scenario = crate::scenario::load(&c.scenario)?;
    if let Some(d) = c.days {
        scenario.set_days(d);
    }
    let options = BatchOptions {
        runs: c.runs,
        seed: c.seed.unwrap_or(scenario.seed),
        jobs: c.jobs.unwrap_or_else(default_jobs),
        shard: c.shard.unwrap_or(Shard::ALL),
        progress: true,
    };
    let default = std::path::PathBuf::from("reports").join(format!("{}-batch", scenario.id));
    let out = c.out.clone().unwrap_or_else(|| c.shard.map_or_else(|| default.clone(), |s| default.join(s.folder())));
    let _out_dir = crate::report::prepare_output_dir(&out, c.force)?;
    let mut meta = BatchMeta::new(&scenario, options.seed, options.runs);
    // The charts' context is replication 0's, kept as the plan runs it (a shard without it
    // runs it once more).
    let context = OnceLock::new();
    let context_or_run = |context: OnceLock<ChartContext>| {
        context.into_inner().unwrap_or_else(|| chart_context(&scenario, options.seed))
    };
    match c.shard {
        Some(shard) => {
            // A shard's partial result holds its records (merge reduces them in order).
            let (layout, records) = run_records_with(&scenario, &options, Some(&context))?;
            meta.context = Some(context_or_run(context));
            let partial = crate::experiment::Partial::Batch {
                format: crate::experiment::FORMAT.to_string(),
                shard,
                meta,
                layout,
                records,
            };
            let path = crate::experiment::write_partial(&out, &partial)?;
            Ok(format!("shard {shard}: wrote {}\n", path.display()))
        }
        None => {
            let reducer = run_reduced(&scenario, &options, &context)?;
            meta.context = Some(context_or_run(context));
            let summary = write_reduced(&out, &meta, &reducer)?;
            crate::report::csv::apply(&out, c.csv_delimiter)?;
            Ok(format!(
                "{}wrote {}\nopen {}\n",
                summary_table(&summary),
                out.display(),
                out.join("report.html").display()
            ))
        }
    }
}

/// `downtime batch --draws D` (D > 1): the nested batch of D parameter draws × `runs`
/// replications each.
fn nested_command(c: &BatchCommand) -> Result<String, Error> {
    let u = crate::uncertain::load(&c.scenario)?;
    if u.parameters().is_empty() {
        return Err(Error::Usage(format!(
            "--draws {} needs uncertain parameters, and {} has none; write the numbers you are unsure of as `Uncertain(...)` (docs/model.md), or leave out --draws",
            c.draws, c.scenario
        )));
    }
    let total =
        c.draws.checked_mul(c.runs).filter(|t| *t <= MAX_RUNS).ok_or_else(|| {
            Error::Usage(format!("--draws {} × --runs {} is more than {MAX_RUNS} runs", c.draws, c.runs))
        })?;
    let mut scenario = u.nominal().clone();
    if let Some(d) = c.days {
        scenario.set_days(d);
    }
    let options = BatchOptions {
        runs: c.runs,
        seed: c.seed.unwrap_or(scenario.seed),
        jobs: c.jobs.unwrap_or_else(default_jobs),
        shard: c.shard.unwrap_or(Shard::ALL),
        progress: true,
    };
    options.check()?;
    let default = std::path::PathBuf::from("reports").join(format!("{}-batch", scenario.id));
    let out = c.out.clone().unwrap_or_else(|| c.shard.map_or_else(|| default.clone(), |s| default.join(s.folder())));
    let _out_dir = crate::report::prepare_output_dir(&out, c.force)?;
    let mut meta = BatchMeta::new(&scenario, options.seed, total);
    meta.draws = Some(c.draws);
    meta.context = Some(chart_context(&scenario, options.seed));
    let layout = layout(&scenario);
    match c.shard {
        Some(shard) => {
            let mut records = Vec::new();
            run_nested(&u, c.days, &options, c.draws, |r| records.push(r))?;
            let partial = crate::experiment::Partial::Batch {
                format: crate::experiment::FORMAT.to_string(),
                shard,
                meta,
                layout,
                records,
            };
            let path = crate::experiment::write_partial(&out, &partial)?;
            Ok(format!("shard {shard}: wrote {}\n", path.display()))
        }
        None => {
            let mut reducer = Reducer::for_meta(&layout, &meta);
            run_nested(&u, c.days, &options, c.draws, |r| reducer.push(&r))?;
            let summary = write_reduced(&out, &meta, &reducer)?;
            crate::report::csv::apply(&out, c.csv_delimiter)?;
            Ok(format!(
                "{}wrote {}\nopen {}\n",
                summary_table(&summary),
                out.display(),
                out.join("report.html").display()
            ))
        }
    }
}

pub use crate::text::csv_field;
