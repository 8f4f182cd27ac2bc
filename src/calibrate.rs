//! Calibration: fit a scenario's uncertain parameters to its `observed` figures by approximate
//! Bayesian computation, sequential Monte Carlo with an adaptive tolerance (Del Moral, Doucet
//! and Jasra, "An adaptive sequential Monte Carlo method for approximate Bayesian computation",
//! Statistics and Computing 2012).
//!
//! The engine ([`abc_smc`]) knows nothing of scenarios: it takes the priors, the targets and a
//! closure that evaluates a parameter vector (one model value per target), so any layer that can
//! run a parameter vector can drive it. Each generation:
//!
//! 1. the tolerance ε becomes the distance that keeps the closest `keep` share of the particles
//!    (by weight), and the others are dropped;
//! 2. the survivors are resampled back to N (systematic resampling);
//! 3. each particle makes one Metropolis–Hastings move: a Gaussian step with twice the
//!    population's variance per parameter (Beaumont et al., Biometrika 2009), accepted when the
//!    proposal is inside the prior's support, its distance is within ε, and with probability
//!    prior(θ′)/prior(θ).
//!
//! It stops after the given number of generations, when ε reaches 0 (every figure within its
//! observed range), or when fewer than 5% of the moves are accepted (the population no longer
//! moves). Distance: the root mean square over the targets of (relative error / band), the
//! relative error as in [`crate::fit`] (0 inside an observed range); a figure the model cannot
//! compute counts as a relative error of 10.
//!
//! Determinism: particle `i` of generation `g` draws from its own ChaCha8 stream and is
//! evaluated with its own key (`g`, `i`); the moves run in parallel (rayon) and are gathered in
//! particle order, so the result is the same whatever the number of threads.

use rand::rngs::ChaCha8Rng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::Error;
use crate::fit::{self, Fit};
use crate::report::write_atomic;
use crate::scenario::Scenario;
use crate::sim::{self, RunOptions};
use crate::uncertain::{self, Distribution, Uncertain};

/// One observed figure as the engine sees it: a range and the relative error that counts as a
/// fit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Target {
    pub low: f64,
    pub high: f64,
    pub band: f64,
}

/// Relative error that stands for a figure the model cannot compute.
pub const MISSING_ERROR: f64 = 10.0;

/// Distance of model values from the targets: the root mean square of relative error over band.
pub fn distance(targets: &[Target], values: &[Option<f64>]) -> f64 {
    if targets.is_empty() {
        return 0.0;
    }
    let sum: f64 = targets
        .iter()
        .zip(values)
        .map(|(t, v)| {
            let e = v
                .filter(|x| x.is_finite())
                .map_or(MISSING_ERROR, |x| crate::scenario::observed::relative_error(t.low, t.high, x));
            (e / t.band.max(1e-6)).powi(2)
        })
        .sum();
    (sum / targets.len() as f64).sqrt()
}

/// Settings of a calibration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Options {
    /// Particles per generation (N).
    pub particles: usize,
    /// Most generations after the first draw from the priors.
    pub generations: usize,
    /// Share of the particles kept by each new tolerance (0 < keep < 1).
    pub keep: f64,
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        // Assumption: 100 particles and 6 generations halve the tolerance about six times for
        // some 700 evaluations, a few minutes for the calibration built-ins on one machine.
        Options { particles: 100, generations: 6, keep: 0.5, seed: 1 }
    }
}

/// One generation's summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Generation {
    pub epsilon: f64,
    /// Share of the Metropolis–Hastings moves accepted (1 for the draw from the priors).
    pub acceptance: f64,
    /// Median distance of the population after the moves.
    pub median_distance: f64,
}

/// The final population.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Posterior {
    /// One parameter vector per particle (equal weights after resampling).
    pub particles: Vec<Vec<f64>>,
    pub distances: Vec<f64>,
    pub generations: Vec<Generation>,
    /// Model evaluations made.
    pub evaluations: usize,
}

impl Posterior {
    /// The `p` quantile of parameter `k` over the particles.
    pub fn quantile(&self, k: usize, p: f64) -> f64 {
        let mut xs: Vec<f64> = self.particles.iter().map(|x| x[k]).collect();
        xs.sort_by(f64::total_cmp);
        crate::batch::quantile(&xs, p)
    }

    /// The particle closest to the targets (the first among equals).
    pub fn best(&self) -> Option<&[f64]> {
        let i = (0..self.distances.len()).min_by(|&a, &b| self.distances[a].total_cmp(&self.distances[b]))?;
        Some(&self.particles[i])
    }
}

/// Purpose constant of the calibration streams (distinct from the simulation's and the
/// parameter draws').
const CALIBRATION_PURPOSE: u64 = 0x6361_6c69_6272_0015; // "calibr", issue 15

fn stream(seed: u64, generation: u64, particle: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&CALIBRATION_PURPOSE.to_le_bytes());
    key[16..24].copy_from_slice(&generation.to_le_bytes());
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(particle);
    rng
}

fn unit(rng: &mut ChaCha8Rng) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller.
    let (u, v) = (unit(rng), unit(rng));
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// The key an evaluation gets: distinct per (generation, particle), for the caller's random
/// streams (for instance the replication number of a simulation).
pub fn evaluation_key(generation: u64, particle: u64) -> u64 {
    generation * 1_000_003 + particle
}

/// Fit `priors` to `targets`. `evaluate(theta, key)` returns one model value per target
/// (`None` when the model cannot compute it); `key` is distinct per evaluation (see
/// [`evaluation_key`]). `progress` is called after each generation.
pub fn abc_smc<F>(
    priors: &[Distribution],
    targets: &[Target],
    options: &Options,
    evaluate: F,
    mut progress: impl FnMut(&Generation),
) -> Posterior
where
    F: Fn(&[f64], u64) -> Vec<Option<f64>> + Sync,
{
    let n = options.particles.max(2);
    let dist = |theta: &[f64], key: u64| distance(targets, &evaluate(theta, key));
    let prior_density = |theta: &[f64]| -> f64 { priors.iter().zip(theta).map(|(d, &x)| d.pdf(x)).product() };
    // Generation 0: the priors.
    let mut particles: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            let mut rng = stream(options.seed, 0, i as u64);
            priors.iter().map(|d| d.quantile(unit(&mut rng))).collect()
        })
        .collect();
    let mut distances: Vec<f64> =
        particles.par_iter().enumerate().map(|(i, theta)| dist(theta, evaluation_key(0, i as u64))).collect();
    let mut evaluations = n;
    let mut generations =
        vec![Generation { epsilon: f64::INFINITY, acceptance: 1.0, median_distance: median(&distances) }];
    progress(&generations[0]);
    for g in 1..=options.generations as u64 {
        // 1. The new tolerance keeps the closest share.
        let mut sorted = distances.clone();
        sorted.sort_by(f64::total_cmp);
        let cut = ((n as f64 * options.keep.clamp(0.05, 0.95)).ceil() as usize).clamp(1, n) - 1;
        let epsilon = sorted[cut];
        let alive: Vec<usize> = (0..n).filter(|&i| distances[i] <= epsilon).collect();
        // 2. Systematic resampling of the survivors back to N.
        let mut rng = stream(options.seed, g, u64::MAX);
        let start = unit(&mut rng) / n as f64;
        let picks: Vec<usize> = (0..n)
            .map(|k| alive[((start + k as f64 / n as f64) * alive.len() as f64) as usize % alive.len()])
            .collect();
        particles = picks.iter().map(|&i| particles[i].clone()).collect();
        distances = picks.iter().map(|&i| distances[i]).collect();
        // 3. One Metropolis–Hastings move each, with twice the population's variance.
        let scale: Vec<f64> = (0..priors.len())
            .map(|k| {
                let mean = particles.iter().map(|x| x[k]).sum::<f64>() / n as f64;
                let var = particles.iter().map(|x| (x[k] - mean).powi(2)).sum::<f64>() / n as f64;
                let (lo, hi) = priors[k].support();
                // A collapsed population still moves a little (1% of the prior's range).
                (2.0 * var).sqrt().max(0.01 * (hi - lo))
            })
            .collect();
        let moved: Vec<(Vec<f64>, f64, bool)> = particles
            .par_iter()
            .zip(distances.par_iter())
            .enumerate()
            .map(|(i, (theta, &d))| {
                let mut rng = stream(options.seed, g, i as u64);
                let proposal: Vec<f64> = theta.iter().zip(&scale).map(|(&x, &s)| x + s * normal(&mut rng)).collect();
                let u = unit(&mut rng);
                let p_new = prior_density(&proposal);
                if p_new <= 0.0 {
                    return (theta.clone(), d, false);
                }
                let ratio = p_new / prior_density(theta).max(1e-300);
                if u > ratio {
                    return (theta.clone(), d, false);
                }
                let d_new = dist(&proposal, evaluation_key(g, i as u64));
                if d_new <= epsilon { (proposal, d_new, true) } else { (theta.clone(), d, false) }
            })
            .collect();
        evaluations += n;
        let accepted = moved.iter().filter(|m| m.2).count();
        particles = moved.iter().map(|m| m.0.clone()).collect();
        distances = moved.iter().map(|m| m.1).collect();
        let generation =
            Generation { epsilon, acceptance: accepted as f64 / n as f64, median_distance: median(&distances) };
        progress(&generation);
        let stop = epsilon <= 0.0 || generation.acceptance < 0.05;
        generations.push(generation);
        if stop {
            break;
        }
    }
    Posterior { particles, distances, generations, evaluations }
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    crate::batch::quantile(&v, 0.5)
}

/// `downtime calibrate`: what to fit and how hard.
#[derive(Debug, Clone)]
pub struct CalibrateCommand {
    pub scenario: String,
    /// Names of the parameters to fit (default: every uncertain parameter); the others stay at
    /// their nominal values.
    pub params: Option<Vec<String>>,
    pub particles: usize,
    pub generations: usize,
    /// Replications averaged per evaluation.
    pub runs: u64,
    pub seed: Option<u64>,
    pub jobs: Option<usize>,
    pub out: Option<PathBuf>,
    pub force: bool,
}

/// One fitted parameter, for `calibration.json` and the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FittedParameter {
    pub name: String,
    pub prior: String,
    pub prior_p5: f64,
    pub prior_p50: f64,
    pub prior_p95: f64,
    pub posterior_p5: f64,
    pub posterior_p50: f64,
    pub posterior_p95: f64,
    /// The fitted distribution written into the calibrated scenario file.
    pub fitted: String,
}

/// What `downtime calibrate` writes to `calibration.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    pub scenario: String,
    pub title: String,
    pub seed: u64,
    pub options: Options,
    pub runs_per_evaluation: u64,
    pub evaluations: usize,
    pub parameters: Vec<FittedParameter>,
    /// Parameters left at their nominal values.
    pub fixed: Vec<String>,
    pub generations: Vec<Generation>,
    /// Each observation beside the model at the nominal values and at the posterior medians
    /// (means of `check_runs` replications).
    pub before: Vec<Fit>,
    pub after: Vec<Fit>,
    pub check_runs: u64,
}

/// Replications behind the before/after fit of each observation.
const CHECK_RUNS: u64 = 10;

/// The model's value for each observation of `scenario`, one list per replication.
fn model_values(scenario: &Scenario, seed: u64, replications: impl Iterator<Item = u64>) -> Vec<Vec<Option<f64>>> {
    let scenario = Arc::new(scenario.clone());
    replications
        .map(|r| {
            let (incident, baseline) = sim::run_with_baseline(scenario.clone(), RunOptions { seed, replication: r });
            scenario.observed.iter().map(|o| fit::model_value(o, &incident, &baseline)).collect()
        })
        .collect()
}

/// Mean over replications of each observation's value (replications where it cannot be
/// computed left out).
fn mean_values(per_run: &[Vec<Option<f64>>], count: usize) -> Vec<Option<f64>> {
    (0..count)
        .map(|k| {
            let xs: Vec<f64> = per_run.iter().filter_map(|v| v[k]).filter(|x| x.is_finite()).collect();
            (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
        })
        .collect()
}

/// The fitted distribution of a parameter: a PERT over the posterior's 2.5–97.5% range with
/// its mode at the posterior median, inside the prior's support.
fn fitted_distribution(prior: &Distribution, post: &Posterior, k: usize) -> Distribution {
    let (lo, hi) = prior.support();
    let mut min = post.quantile(k, 0.025).max(lo);
    let mut max = post.quantile(k, 0.975).min(hi);
    let mode = post.quantile(k, 0.5).clamp(min, max);
    if max - min < 1e-9 * (hi - lo).max(1e-12) {
        let w = 0.01 * (hi - lo);
        min = (mode - w).max(lo);
        max = (mode + w).min(hi);
    }
    let round = |x: f64| {
        let r = round_sig(x, 4);
        if r.is_finite() { r } else { x }
    };
    let (min, max) = (round(min).max(lo), round(max).min(hi));
    Distribution::Pert { min, mode: round(mode).clamp(min, max), max }
}

/// Run `downtime calibrate`; returns the text to print.
pub fn command(c: &CalibrateCommand) -> Result<String, Error> {
    let u = uncertain::load(&c.scenario)?;
    let nominal = u.nominal();
    if nominal.observed.is_empty() {
        return Err(Error::Usage(format!(
            "{} has no `observed` figures to calibrate against; add the outcomes of a real incident (see `downtime reference Observed`)",
            c.scenario
        )));
    }
    if u.parameters().is_empty() {
        return Err(Error::Usage(format!(
            "{} has no uncertain parameters to fit; write the numbers you are unsure of as distributions, for example `overtime_cap: Uncertain(Pert(min: 0.1, mode: 0.2, max: 0.3))` (see `downtime reference Uncertain`)",
            c.scenario
        )));
    }
    let names: Vec<&str> = u.parameters().iter().map(|p| p.name.as_str()).collect();
    let selected: Vec<usize> = match &c.params {
        None => (0..names.len()).collect(),
        Some(wanted) => {
            let mut out = Vec::new();
            for w in wanted {
                match names.iter().position(|n| n == w) {
                    Some(i) if !out.contains(&i) => out.push(i),
                    Some(_) => {}
                    None => {
                        let hint = crate::scenario::validate::closest(w, names.iter().copied())
                            .map_or(String::new(), |n| format!("; did you mean \"{n}\"?"));
                        return Err(Error::Usage(format!(
                            "--params: {} has no uncertain parameter \"{w}\"{hint} (its parameters: {})",
                            c.scenario,
                            names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
                        )));
                    }
                }
            }
            out
        }
    };
    let seed = c.seed.unwrap_or(nominal.seed);
    let options = Options { particles: c.particles, generations: c.generations, keep: 0.5, seed };
    let targets: Vec<Target> =
        nominal.observed.iter().map(|o| Target { low: o.low, high: o.high, band: o.band }).collect();
    let priors: Vec<Distribution> = selected.iter().map(|&i| u.parameters()[i].distribution.clone()).collect();
    let base = u.nominal_values();
    let at = |theta: &[f64]| -> Vec<f64> {
        let mut v = base.clone();
        for (&i, &x) in selected.iter().zip(theta) {
            v[i] = x;
        }
        v
    };
    let runs = c.runs.max(1);
    let count = targets.len();
    let evaluate = |theta: &[f64], key: u64| -> Vec<Option<f64>> {
        match u.scenario_at(&at(theta)) {
            Ok(s) => mean_values(&model_values(&s, seed, (0..runs).map(|r| key * runs + r)), count),
            // A combination the validator refuses is as far as can be.
            Err(_) => vec![None; count],
        }
    };
    let jobs = c.jobs.unwrap_or_else(crate::batch::default_jobs).max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {jobs} worker threads: {e}")))?;
    let default = PathBuf::from("reports").join(format!("{}-calibrate", nominal.id));
    let out = c.out.clone().unwrap_or(default);
    let _out_dir = crate::report::prepare_output_dir(&out, c.force)?;
    let started = std::time::Instant::now();
    let posterior = pool.install(|| {
        abc_smc(&priors, &targets, &options, evaluate, |g| {
            eprintln!(
                "generation: tolerance {:.3}, moves accepted {:.0}%, median distance {:.3}",
                g.epsilon,
                100.0 * g.acceptance,
                g.median_distance
            );
        })
    });
    // Before and after, on the same replications.
    let check = |values: &[f64]| -> Result<Vec<Fit>, Error> {
        let s = u.scenario_at(values)?;
        let per_run = pool.install(|| {
            (0..CHECK_RUNS)
                .into_par_iter()
                .map(|r| model_values(&s, seed, std::iter::once(r)))
                .flatten()
                .collect::<Vec<_>>()
        });
        Ok(s.observed
            .iter()
            .enumerate()
            .map(|(k, o)| {
                let xs: Vec<f64> = per_run.iter().filter_map(|v| v[k]).collect();
                Fit::new(o, None, None, None).with_values(&xs)
            })
            .collect())
    };
    let medians: Vec<f64> = (0..selected.len()).map(|k| posterior.quantile(k, 0.5)).collect();
    let before = check(&base)?;
    let after = check(&at(&medians))?;
    let mut fitted_all: Vec<Distribution> = u.parameters().iter().map(|p| p.distribution.clone()).collect();
    let mut parameters = Vec::new();
    for (k, &i) in selected.iter().enumerate() {
        let prior = &u.parameters()[i].distribution;
        let fitted = fitted_distribution(prior, &posterior, k);
        parameters.push(FittedParameter {
            name: u.parameters()[i].name.clone(),
            prior: prior.describe(),
            prior_p5: prior.quantile(0.05),
            prior_p50: prior.quantile(0.5),
            prior_p95: prior.quantile(0.95),
            posterior_p5: posterior.quantile(k, 0.05),
            posterior_p50: posterior.quantile(k, 0.5),
            posterior_p95: posterior.quantile(k, 0.95),
            fitted: fitted.describe(),
        });
        fitted_all[i] = fitted;
    }
    let fixed = (0..names.len()).filter(|i| !selected.contains(i)).map(|i| names[i].to_string()).collect();
    let calibration = Calibration {
        scenario: nominal.id.clone(),
        title: nominal.title.clone(),
        seed,
        options,
        runs_per_evaluation: runs,
        evaluations: posterior.evaluations,
        parameters,
        fixed,
        generations: posterior.generations.clone(),
        before,
        after,
        check_runs: CHECK_RUNS,
    };
    let seconds = started.elapsed().as_secs_f64();
    write(&out, &u, &calibration, &posterior, &fitted_all)?;
    Ok(format!(
        "{}calibrated {} parameter{} on {} evaluations of {} replication{} in {:.1} s\nwrote {}\nopen {}\n",
        summary_table(&calibration),
        calibration.parameters.len(),
        if calibration.parameters.len() == 1 { "" } else { "s" },
        calibration.evaluations,
        runs,
        if runs == 1 { "" } else { "s" },
        seconds,
        out.display(),
        out.join("report.md").display()
    ))
}

/// The fitted ranges as a terminal table.
fn summary_table(c: &Calibration) -> String {
    let mut s = String::new();
    for p in &c.parameters {
        s.push_str(&format!(
            "{}: prior {} (90%: {}..{}), posterior median {} (90%: {}..{})\n",
            p.name,
            p.prior,
            fmt(p.prior_p5),
            fmt(p.prior_p95),
            fmt(p.posterior_p50),
            fmt(p.posterior_p5),
            fmt(p.posterior_p95)
        ));
    }
    for (b, a) in c.before.iter().zip(&c.after) {
        s.push_str(&format!(
            "{}: observed {}; model {} before ({}), {} after ({})\n",
            b.name,
            b.observed,
            b.model.map_or("-".into(), fmt),
            if b.within_band { "within band" } else { "outside band" },
            a.model.map_or("-".into(), fmt),
            if a.within_band { "within band" } else { "outside band" }
        ));
    }
    s
}

/// `x` to `digits` significant digits.
fn round_sig(x: f64, digits: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(digits - 1 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

fn fmt(x: f64) -> String {
    let r = round_sig(x, 3);
    format!("{r}")
}

/// Write `calibration.json`, `posterior.csv`, the calibrated scenario and `report.md`.
fn write(
    out: &Path,
    u: &Uncertain,
    c: &Calibration,
    posterior: &Posterior,
    fitted: &[Distribution],
) -> Result<(), Error> {
    let json =
        serde_json::to_string_pretty(c).map_err(|e| Error::Usage(format!("cannot write calibration.json: {e}")))?;
    write_atomic(&out.join("calibration.json"), json.as_bytes())?;
    let mut csv = String::from("particle,distance");
    for p in &c.parameters {
        csv.push(',');
        csv.push_str(&crate::text::csv_field(&p.name));
    }
    csv.push('\n');
    for (i, (theta, d)) in posterior.particles.iter().zip(&posterior.distances).enumerate() {
        csv.push_str(&format!("{i},{d}"));
        for x in theta {
            csv.push_str(&format!(",{x}"));
        }
        csv.push('\n');
    }
    write_atomic(&out.join("posterior.csv"), csv.as_bytes())?;
    let header = format!(
        "// Calibrated by `downtime calibrate` against the scenario's observed figures: {} parameter(s) fitted\n// (ABC-SMC, {} evaluations, seed {}); the fitted distributions replace the original ones.\n",
        c.parameters.len(),
        c.evaluations,
        c.seed
    );
    let scenario_file = format!("{}-calibrated.ron", c.scenario);
    write_atomic(&out.join(&scenario_file), format!("{header}{}", u.text_with(fitted)).as_bytes())?;
    write_atomic(&out.join("report.md"), report_md(c, &scenario_file).as_bytes())?;
    Ok(())
}

fn report_md(c: &Calibration, scenario_file: &str) -> String {
    use crate::report::markdown::escape as e;
    let mut s = format!("# Calibration: {}\n\n", e(&c.title));
    s.push_str(&format!(
        "The uncertain parameters below were fitted to the scenario's observed figures by approximate Bayesian computation \
         (sequential Monte Carlo with an adaptive tolerance; {} particles, {} evaluations of {} replication(s) each, seed {}). \
         The posterior is the set of parameter values whose runs come closest to every figure at once; its spread is what \
         the figures leave unknown. The fitted scenario is `{}`.\n\n",
        c.options.particles,
        c.evaluations,
        c.runs_per_evaluation,
        c.seed,
        e(scenario_file)
    ));
    s.push_str("## Fitted ranges\n\n| parameter | prior | prior 5–95% | posterior median | posterior 5–95% | fitted |\n| --- | --- | --- | ---: | --- | --- |\n");
    for p in &c.parameters {
        s.push_str(&format!(
            "| {} | `{}` | {} – {} | {} | {} – {} | `{}` |\n",
            e(&p.name),
            p.prior,
            fmt(p.prior_p5),
            fmt(p.prior_p95),
            fmt(p.posterior_p50),
            fmt(p.posterior_p5),
            fmt(p.posterior_p95),
            p.fitted
        ));
    }
    if !c.fixed.is_empty() {
        s.push_str(&format!("\nKept at their nominal values: {}.\n", e(&c.fixed.join(", "))));
    }
    s.push_str(&format!(
        "\n## The model beside each observation\n\nMean of {} replications (5–95% in brackets), at the nominal values (before) and at the posterior medians (after).\n\n\
         | observation | observed | band | before | within | after | within |\n| --- | --- | ---: | --- | --- | --- | --- |\n",
        c.check_runs
    ));
    let cell = |f: &Fit| match (f.model, f.model_p5, f.model_p95) {
        (Some(m), Some(a), Some(b)) => format!("{} ({} – {})", fmt(m), fmt(a), fmt(b)),
        (Some(m), _, _) => fmt(m),
        _ => "–".to_string(),
    };
    let yes = |f: &Fit| if f.within_band { "yes" } else { "no" };
    for (b, a) in c.before.iter().zip(&c.after) {
        s.push_str(&format!(
            "| {} | {} | {:.0}% | {} | {} | {} | {} |\n",
            e(&b.name),
            e(&b.observed),
            100.0 * b.band,
            cell(b),
            yes(b),
            cell(a),
            yes(a)
        ));
    }
    s.push_str("\n## Generations\n\n| generation | tolerance | moves accepted | median distance |\n| ---: | ---: | ---: | ---: |\n");
    for (g, generation) in c.generations.iter().enumerate() {
        let eps = if generation.epsilon.is_finite() { fmt(generation.epsilon) } else { "prior".to_string() };
        s.push_str(&format!(
            "| {g} | {eps} | {:.0}% | {} |\n",
            100.0 * generation.acceptance,
            fmt(generation.median_distance)
        ));
    }
    s.push_str(
        "\nDistance: the root mean square over the observations of (relative error ÷ band); below 1 the model is, on the whole, \
         within the stated bands. A posterior as wide as its prior means the observations say little about that parameter.\n",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model whose output is its parameter plus noise: the posterior must concentrate around
    /// the parameter that produced the observation, and a parameter with no effect must keep
    /// its prior spread.
    #[test]
    fn recovers_the_parameter_of_a_noisy_linear_model() {
        let priors = vec![Distribution::Uniform { min: 0.0, max: 10.0 }, Distribution::Uniform { min: 0.0, max: 10.0 }];
        // Observed: 6.2 ± 2% (band 0.05).
        let targets = [Target { low: 6.2, high: 6.2, band: 0.05 }];
        let options = Options { particles: 200, generations: 8, keep: 0.5, seed: 3 };
        let noise = |key: u64| (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40) as f64 / (1u64 << 24) as f64 - 0.5;
        let post = abc_smc(&priors, &targets, &options, |t, key| vec![Some(t[0] + 0.05 * noise(key))], |_| {});
        let (p5, p95) = (post.quantile(0, 0.05), post.quantile(0, 0.95));
        assert!(p5 <= 6.2 && 6.2 <= p95 && p95 - p5 < 1.0, "{p5}..{p95}");
        // The second parameter does nothing: its spread stays wide.
        assert!(post.quantile(1, 0.95) - post.quantile(1, 0.05) > 5.0);
        assert!(post.generations.iter().skip(1).all(|g| g.epsilon.is_finite()));
        // Deterministic for a seed, whatever the thread count.
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let again = pool
            .install(|| abc_smc(&priors, &targets, &options, |t, key| vec![Some(t[0] + 0.05 * noise(key))], |_| {}));
        assert_eq!(post, again);
    }

    #[test]
    fn distance_is_zero_inside_ranges_and_counts_missing_figures() {
        let t = [Target { low: -20.0, high: -10.0, band: 0.1 }, Target { low: 100.0, high: 100.0, band: 0.2 }];
        assert_eq!(distance(&t, &[Some(-15.0), Some(100.0)]), 0.0);
        // -22 is 10% beyond -20 (one band); 120 is 20% above 100 (one band).
        assert!((distance(&t, &[Some(-22.0), Some(120.0)]) - 1.0).abs() < 1e-9);
        assert!(distance(&t, &[None, Some(100.0)]) > 50.0);
    }
}
