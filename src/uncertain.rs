//! Uncertain parameters: numbers of a scenario written as distributions of what we do not know.
//!
//! Any number of a scenario file may be written as `Uncertain(DISTRIBUTION)` or
//! `Uncertain(DISTRIBUTION, name: "a short name")`, where DISTRIBUTION is one of
//!
//! | written | meaning | nominal value |
//! | --- | --- | --- |
//! | `Uniform(min: a, max: b)` | uniform on [a, b] | the midpoint |
//! | `Triangular(min: a, mode: m, max: b)` | triangular | the mode |
//! | `Pert(min: a, mode: m, max: b)` | (modified) PERT: a beta on [a, b] with shapes 1 + 4(m − a)/(b − a), 1 + 4(b − m)/(b − a) | the mode |
//! | `Normal(mean: μ, sd: σ, min: a, max: b)` | normal truncated to [a, b]; without `min`/`max`, to μ ± 6σ and the field's valid range | the mean |
//! | `LogNormal(median: m, sigma: s, min: a, max: b)` | log-normal truncated likewise (to m·e^(±6s) and the valid range) | the median |
//! | `Beta(alpha: α, beta: β, min: a, max: b)` | a beta on [a, b] (default [0, 1]) | the mode (the median when α or β ≤ 1) |
//!
//! This is ignorance about the world (one value for the whole run, drawn once per replication),
//! not chance within a run: the `Uniform`, `Triangular` and `LogNormal` of `patients` sizes and
//! inject delays are drawn per provider or per inject and stay as they are.
//!
//! The mechanism is a pre-pass over the text ([`Uncertain::from_text`]): every
//! `Uncertain(...)` outside strings and comments is parsed into a [`Parameter`], and a scenario
//! at given values is the text with each expression replaced by its number, padded so that
//! every position after it stays where it was (errors still point into the file as written).
//! The scenario format itself ([`crate::scenario::raw`]) does not change. At load time the
//! scenario is validated at each parameter's nominal value and at both ends of its support (the
//! others nominal), so that a range reaching an invalid value is a positioned error at once.
//!
//! Draws come from a parameter stream of their own (ChaCha8 seeded from the batch seed and a
//! purpose constant, one stream per draw index), by inverse CDF of uniform numbers, so draw `d`
//! is the same for every variant of a comparison or sweep, and designs (Latin hypercube, Sobol)
//! can call [`Distribution::quantile`] directly.

use rand::rngs::ChaCha8Rng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use statrs::distribution::{Beta, Continuous, ContinuousCDF, Normal};

use crate::error::{Problem, ScenarioError};
use crate::scenario::raw::RawScenario;
use crate::scenario::{self, Scenario};

/// Most uncertain parameters one scenario may have (each costs two validations at load time).
pub const MAX_PARAMETERS: usize = 200;

/// Purpose constant of the parameter stream: the second word of the ChaCha8 key, so no stream
/// of [`crate::sim`] (seeded with `seed_from_u64`) coincides with it.
const PARAMETER_PURPOSE: u64 = 0x7061_7261_6d73_0015; // "params", issue 15

/// Standard deviations an unbounded normal (or log-normal, on the log scale) keeps at most.
const TAIL_SDS: f64 = 6.0;

/// A distribution of an uncertain number. Bounds are finite once loaded (a normal without
/// stated bounds is truncated to its valid range, see the module documentation).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Distribution {
    Uniform { min: f64, max: f64 },
    Triangular { min: f64, mode: f64, max: f64 },
    Pert { min: f64, mode: f64, max: f64 },
    Normal { mean: f64, sd: f64, min: f64, max: f64 },
    LogNormal { median: f64, sigma: f64, min: f64, max: f64 },
    Beta { alpha: f64, beta: f64, min: f64, max: f64 },
}

/// The standard normal.
fn std_normal() -> Normal {
    Normal::new(0.0, 1.0).expect("the standard normal is valid")
}

impl Distribution {
    /// The inverse CDF at `p` (clamped into (0, 1)).
    pub fn quantile(&self, p: f64) -> f64 {
        let p = if p.is_nan() { 0.5 } else { p.clamp(1e-12, 1.0 - 1e-12) };
        let (lo, hi) = self.support();
        let x = match *self {
            Distribution::Uniform { min, max } => min + p * (max - min),
            Distribution::Triangular { min, mode, max } => {
                let width = max - min;
                if width <= 0.0 {
                    return min;
                }
                let f = (mode - min) / width;
                if p < f {
                    min + (p * width * (mode - min)).sqrt()
                } else {
                    max - ((1.0 - p) * width * (max - mode)).sqrt()
                }
            }
            Distribution::Pert { min, mode, max } => {
                let (a, b) = pert_shapes(min, mode, max);
                min + (max - min) * beta_quantile(a, b, p)
            }
            Distribution::Beta { alpha, beta, min, max } => min + (max - min) * beta_quantile(alpha, beta, p),
            Distribution::Normal { mean, sd, min, max } => truncated_normal_quantile(mean, sd, min, max, p),
            Distribution::LogNormal { median, sigma, min, max } => {
                let lmin = if min > 0.0 { min.ln() } else { f64::NEG_INFINITY };
                truncated_normal_quantile(median.ln(), sigma, lmin, max.ln(), p).exp()
            }
        };
        x.clamp(lo, hi)
    }

    /// The density at `x` (0 outside the support).
    pub fn pdf(&self, x: f64) -> f64 {
        let (lo, hi) = self.support();
        if !(x >= lo && x <= hi) {
            return 0.0;
        }
        if hi <= lo {
            return 1.0;
        }
        match *self {
            Distribution::Uniform { min, max } => 1.0 / (max - min),
            Distribution::Triangular { min, mode, max } => {
                if x < mode {
                    2.0 * (x - min) / ((max - min) * (mode - min))
                } else if x > mode {
                    2.0 * (max - x) / ((max - min) * (max - mode))
                } else {
                    2.0 / (max - min)
                }
            }
            Distribution::Pert { min, mode, max } => {
                let (a, b) = pert_shapes(min, mode, max);
                beta_pdf(a, b, (x - min) / (max - min)) / (max - min)
            }
            Distribution::Beta { alpha, beta, min, max } => {
                beta_pdf(alpha, beta, (x - min) / (max - min)) / (max - min)
            }
            Distribution::Normal { mean, sd, min, max } => {
                let n = std_normal();
                let mass = n.cdf((max - mean) / sd) - n.cdf((min - mean) / sd);
                n.pdf((x - mean) / sd) / sd / mass.max(1e-300)
            }
            Distribution::LogNormal { median, sigma, min, max } => {
                if x <= 0.0 {
                    return 0.0;
                }
                let n = std_normal();
                let mu = median.ln();
                let lo = if min > 0.0 { n.cdf((min.ln() - mu) / sigma) } else { 0.0 };
                let mass = n.cdf((max.ln() - mu) / sigma) - lo;
                n.pdf((x.ln() - mu) / sigma) / (sigma * x) / mass.max(1e-300)
            }
        }
    }

    /// The value used when nothing is drawn: the mode (the midpoint of a uniform; the mean of a
    /// normal and the median of a log-normal, each clamped into the support; the median of a
    /// beta without a mode inside).
    pub fn nominal(&self) -> f64 {
        let (lo, hi) = self.support();
        let x = match *self {
            Distribution::Uniform { min, max } => 0.5 * (min + max),
            Distribution::Triangular { mode, .. } | Distribution::Pert { mode, .. } => mode,
            Distribution::Normal { mean, .. } => mean,
            Distribution::LogNormal { median, .. } => median,
            Distribution::Beta { alpha, beta, min, max } => {
                if alpha > 1.0 && beta > 1.0 {
                    min + (max - min) * (alpha - 1.0) / (alpha + beta - 2.0)
                } else {
                    self.quantile(0.5)
                }
            }
        };
        x.clamp(lo, hi)
    }

    /// The smallest and largest value it can take.
    pub fn support(&self) -> (f64, f64) {
        match *self {
            Distribution::Uniform { min, max }
            | Distribution::Triangular { min, max, .. }
            | Distribution::Pert { min, max, .. }
            | Distribution::Normal { min, max, .. }
            | Distribution::LogNormal { min, max, .. }
            | Distribution::Beta { min, max, .. } => (min, max),
        }
    }

    /// The distribution in the scenario file's syntax (what goes inside `Uncertain(...)`).
    pub fn describe(&self) -> String {
        let n = |x: f64| number(x, false);
        match *self {
            Distribution::Uniform { min, max } => format!("Uniform(min: {}, max: {})", n(min), n(max)),
            Distribution::Triangular { min, mode, max } => {
                format!("Triangular(min: {}, mode: {}, max: {})", n(min), n(mode), n(max))
            }
            Distribution::Pert { min, mode, max } => {
                format!("Pert(min: {}, mode: {}, max: {})", n(min), n(mode), n(max))
            }
            Distribution::Normal { mean, sd, min, max } => {
                format!("Normal(mean: {}, sd: {}, min: {}, max: {})", n(mean), n(sd), n(min), n(max))
            }
            Distribution::LogNormal { median, sigma, min, max } => {
                format!("LogNormal(median: {}, sigma: {}, min: {}, max: {})", n(median), n(sigma), n(min), n(max))
            }
            Distribution::Beta { alpha, beta, min, max } => {
                format!("Beta(alpha: {}, beta: {}, min: {}, max: {})", n(alpha), n(beta), n(min), n(max))
            }
        }
    }
}

fn pert_shapes(min: f64, mode: f64, max: f64) -> (f64, f64) {
    let w = (max - min).max(f64::MIN_POSITIVE);
    (1.0 + 4.0 * (mode - min) / w, 1.0 + 4.0 * (max - mode) / w)
}

fn beta_quantile(a: f64, b: f64, p: f64) -> f64 {
    match Beta::new(a, b) {
        Ok(d) => d.inverse_cdf(p),
        Err(_) => p,
    }
}

fn beta_pdf(a: f64, b: f64, u: f64) -> f64 {
    match Beta::new(a, b) {
        Ok(d) => {
            let v = d.pdf(u.clamp(0.0, 1.0));
            if v.is_finite() { v } else { 0.0 }
        }
        Err(_) => 1.0,
    }
}

fn truncated_normal_quantile(mean: f64, sd: f64, min: f64, max: f64, p: f64) -> f64 {
    let n = std_normal();
    let a = n.cdf((min - mean) / sd);
    let b = n.cdf((max - mean) / sd);
    let q = (a + p * (b - a)).clamp(1e-300, 1.0 - 1e-16);
    mean + sd * n.inverse_cdf(q)
}

/// A number as scenario text: the shortest form that reads back as the same f64 (an integer
/// without a decimal point when `integer`).
fn number(x: f64, integer: bool) -> String {
    if integer {
        format!("{}", x.round() as i64)
    } else if x == x.trunc() && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// One uncertain number of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parameter {
    /// As given with `name:`, or the path of the field (such as `profiles[hospital].plan.overtime_cap`).
    pub name: String,
    pub distribution: Distribution,
    /// Position of `Uncertain` in the file (1-based).
    pub line: usize,
    pub column: usize,
    /// The field's path in the scenario (for example `profiles[0].plan.overtime_cap`).
    pub path: String,
    /// Whether the field takes whole numbers (values are rounded).
    pub integer: bool,
}

/// A scenario whose numbers may be uncertain: its text, its parameters, and the scenario with
/// every parameter at its nominal value.
#[derive(Debug, Clone)]
pub struct Uncertain {
    text: String,
    file: String,
    parameters: Vec<Parameter>,
    /// Byte span of each parameter's `Uncertain(...)` expression in `text`.
    spans: Vec<(usize, usize)>,
    nominal: Scenario,
}

/// Whether `text` may hold an `Uncertain(...)` expression (a quick test before the pre-pass).
pub fn mentions(text: &str) -> bool {
    text.contains("Uncertain")
}

/// `text` (a fragment of a scenario, such as an inject written in a spreadsheet cell) with
/// each `Uncertain(...)` replaced by its nominal value, to check that the fragment reads; the
/// message of the first expression that does not parse otherwise.
pub fn nominal_text(text: &str) -> Result<String, String> {
    let found = find_expressions(text);
    if found.is_empty() {
        return Ok(text.to_string());
    }
    let lines = LineIndex::new(text);
    let mut values = Vec::with_capacity(found.len());
    let mut parameters = Vec::with_capacity(found.len());
    for &span in &found {
        let parsed = parse_expression(text, span, &lines).map_err(|p| p.message)?;
        values.push(parsed.distribution.nominal());
        parameters.push(Parameter {
            name: String::new(),
            path: String::new(),
            distribution: parsed.distribution,
            integer: false,
            line: 0,
            column: 0,
        });
    }
    Ok(substitute(text, &found, &parameters, &values))
}

/// Load a scenario file path or built-in name (like [`scenario::load`]) with its uncertain
/// parameters.
pub fn load(spec: &str) -> Result<Uncertain, ScenarioError> {
    if let Some(text) = scenario::builtin::get(spec) {
        return Uncertain::from_text(text, &format!("<built-in {spec}>"));
    }
    let path = std::path::Path::new(spec);
    let text = scenario::read_bounded(path)?;
    Uncertain::from_text(&text, &path.display().to_string())
}

impl Uncertain {
    /// Parse `text` (named `file` in errors): find and check every `Uncertain(...)`, and
    /// validate the scenario at the nominal values and at each parameter's ends.
    pub fn from_text(text: &str, file: &str) -> Result<Uncertain, ScenarioError> {
        Self::read(text, file, true)
    }

    /// Like [`Uncertain::from_text`], but without checking the ends of each range (one
    /// validation instead of two per parameter): for callers that only need the nominal
    /// scenario ([`crate::scenario::from_str`]).
    pub fn nominal_only(text: &str, file: &str) -> Result<Uncertain, ScenarioError> {
        Self::read(text, file, false)
    }

    fn read(text: &str, file: &str, check_ends: bool) -> Result<Uncertain, ScenarioError> {
        let err = |problems: Vec<Problem>| ScenarioError { file: file.to_string(), problems };
        let found = find_expressions(text);
        if found.is_empty() {
            let nominal = scenario::validate::from_str(text, file)?;
            return Ok(Uncertain {
                text: text.to_string(),
                file: file.to_string(),
                parameters: Vec::new(),
                spans: Vec::new(),
                nominal,
            });
        }
        let lines = LineIndex::new(text);
        if found.len() > MAX_PARAMETERS {
            let (line, column) = lines.at(found[MAX_PARAMETERS].0);
            return Err(err(vec![Problem::new(
                line,
                column,
                format!(
                    "more than {MAX_PARAMETERS} uncertain parameters; keep the ones that matter most as distributions and the others as numbers"
                ),
            )]));
        }
        let mut problems = Vec::new();
        let mut parsed = Vec::new();
        for &span in &found {
            match parse_expression(text, span, &lines) {
                Ok(p) => parsed.push(p),
                Err(p) => problems.push(p),
            }
        }
        if !problems.is_empty() {
            return Err(err(problems));
        }
        let spans = found;
        let mut open = Vec::new();
        let mut given = Vec::new();
        let mut parameters: Vec<Parameter> = Vec::new();
        for (&(start, _), parsed) in spans.iter().zip(parsed) {
            let (line, column) = lines.at(start);
            open.push(parsed.open);
            given.push(parsed.name);
            let distribution = parsed.distribution;
            parameters.push(Parameter {
                name: String::new(),
                distribution,
                line,
                column,
                path: String::new(),
                // Whole numbers until the fields are known: they parse in every numeric field.
                integer: true,
            });
        }
        let nominal_of = |ps: &[Parameter]| -> Vec<f64> { ps.iter().map(|p| p.distribution.nominal()).collect() };
        // The scenario must parse with every parameter at its nominal value (before the text
        // is indexed for names: indexing assumes well-formed text).
        let nominal_values = nominal_of(&parameters);
        scenario::validate::parse_raw(&substitute(text, &spans, &parameters, &nominal_values), file)?;
        // Names: as given, or the field's path.
        let locations = scenario::locate::Locations::index(text);
        for i in 0..parameters.len() {
            let (line, column) = (parameters[i].line, parameters[i].column);
            let path =
                locations.path_before(line, column).map(|p| readable_path(p, &locations, &lines)).unwrap_or_default();
            let mut name =
                given[i].clone().unwrap_or_else(|| if path.is_empty() { format!("line {line}") } else { path.clone() });
            if parameters[..i].iter().any(|p| p.name == name) {
                if given[i].is_some() {
                    problems.push(Problem::new(
                        line,
                        column,
                        format!("another uncertain parameter is already named \"{name}\"; give each its own name"),
                    ));
                }
                name = format!("{name} (line {line})");
            }
            parameters[i].name = name;
            parameters[i].path = path;
        }
        if !problems.is_empty() {
            return Err(err(problems));
        }
        // Whole-number fields: a value with a fraction does not parse there.
        for i in 0..parameters.len() {
            let mut v = nominal_values.clone();
            v[i] = v[i].floor() + 0.5;
            parameters[i].integer = false;
            parameters[i].integer =
                scenario::validate::parse_raw(&substitute(text, &spans, &parameters, &v), file).is_err();
        }
        let nominal_values = nominal_of(&parameters);
        let nominal = scenario::validate::from_str(&substitute(text, &spans, &parameters, &nominal_values), file)?;
        let mut this = Uncertain { text: text.to_string(), file: file.to_string(), parameters, spans, nominal };
        if !check_ends {
            return Ok(this);
        }
        // Each parameter's support, the others nominal: unbounded ends are cut at the field's
        // valid range; stated ends must be valid.
        for i in 0..this.parameters.len() {
            let nominal = nominal_values[i];
            let (lo, hi) = this.parameters[i].distribution.support();
            let mut bounds = [lo, hi];
            for k in 0..2 {
                let valid = |x: f64| {
                    let mut v = nominal_values.clone();
                    v[i] = x;
                    scenario::validate::from_str(&this.text_at(&v), file)
                };
                let Err(e) = valid(bounds[k]) else { continue };
                let p = &this.parameters[i];
                if open[i][k] {
                    // The last valid value between the nominal and this end.
                    let (mut good, mut bad) = (nominal, bounds[k]);
                    for _ in 0..60 {
                        let mid = 0.5 * (good + bad);
                        if mid == good || mid == bad {
                            break;
                        }
                        if valid(mid).is_ok() {
                            good = mid;
                        } else {
                            bad = mid;
                        }
                    }
                    bounds[k] = if p.integer { good.round() } else { good };
                } else {
                    let side = if k == 0 { "lower" } else { "upper" };
                    let first = e.problems.first().map(|q| q.message.clone()).unwrap_or_default();
                    problems.push(Problem::new(p.line, p.column, format!(
                            "`{}`: at the {side} end of its range ({}) the scenario is invalid ({first}); narrow the range to values the field accepts",
                            p.name,
                            number(bounds[k], p.integer)
                        )));
                }
            }
            this.parameters[i].distribution.set_support(bounds[0], bounds[1]);
        }
        if !problems.is_empty() {
            return Err(err(problems));
        }
        Ok(this)
    }

    /// The uncertain parameters, in file order (empty when the scenario has none).
    pub fn parameters(&self) -> &[Parameter] {
        &self.parameters
    }

    /// The scenario with every parameter at its nominal value.
    pub fn nominal(&self) -> &Scenario {
        &self.nominal
    }

    /// The scenario with every parameter at its nominal value, owned.
    pub fn into_nominal(self) -> Scenario {
        self.nominal
    }

    /// Every parameter's nominal value, in order.
    pub fn nominal_values(&self) -> Vec<f64> {
        self.parameters.iter().map(|p| p.distribution.nominal()).collect()
    }

    /// The file name used in errors.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The scenario text as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The scenario text with parameter `i` at `values[i]` (rounded for whole-number fields),
    /// every other position unchanged.
    pub fn text_at(&self, values: &[f64]) -> String {
        substitute(&self.text, &self.spans, &self.parameters, values)
    }

    /// The raw scenario at `values` (one per parameter, in order), for callers that change it
    /// before validating (policy sweeps).
    pub fn raw_at(&self, values: &[f64]) -> Result<RawScenario, ScenarioError> {
        self.check_len(values)?;
        scenario::validate::parse_raw(&self.text_at(values), &self.file)
    }

    /// The validated scenario at `values` (one per parameter, in order).
    pub fn scenario_at(&self, values: &[f64]) -> Result<Scenario, ScenarioError> {
        self.check_len(values)?;
        if self.parameters.is_empty() {
            return Ok(self.nominal.clone());
        }
        scenario::validate::from_str(&self.text_at(values), &self.file)
    }

    fn check_len(&self, values: &[f64]) -> Result<(), ScenarioError> {
        if values.len() != self.parameters.len() || values.iter().any(|v| !v.is_finite()) {
            return Err(ScenarioError::single(
                &self.file,
                0,
                0,
                format!("{} finite values given for {} uncertain parameters", values.len(), self.parameters.len()),
            ));
        }
        Ok(())
    }

    /// Draw `draw` of the parameters for batch seed `seed`: one uniform number per parameter
    /// from the parameter stream, through each quantile function. The same (seed, draw) gives
    /// the same values whatever the variant, thread or shard.
    pub fn draw(&self, seed: u64, draw: u64) -> Vec<f64> {
        let mut rng = parameter_stream(seed, draw);
        self.parameters.iter().map(|p| p.distribution.quantile(open_unit(&mut rng))).collect()
    }

    /// The text with each parameter's distribution replaced by `fitted[i]` (same order), its
    /// name kept: a scenario file with fitted ranges.
    pub fn text_with(&self, fitted: &[Distribution]) -> String {
        let mut out = String::with_capacity(self.text.len());
        let mut at = 0;
        for ((start, end), (p, d)) in self.spans.iter().zip(self.parameters.iter().zip(fitted)) {
            out.push_str(&self.text[at..*start]);
            out.push_str(&format!("Uncertain({}, name: {:?})", d.describe(), p.name));
            at = *end;
        }
        out.push_str(&self.text[at..]);
        out
    }
}

/// What `downtime run` says about a scenario's uncertain parameters, if it has any.
pub fn run_note(u: &Uncertain) -> Option<String> {
    let n = u.parameters().len();
    (n > 0).then(|| {
        format!(
            "{n} uncertain parameter{} in the scenario, at {} nominal value{} in this run",
            if n == 1 { "" } else { "s" },
            if n == 1 { "its" } else { "their" },
            if n == 1 { "" } else { "s" },
        )
    })
}

/// The parameter stream of one draw: ChaCha8 keyed with the seed and [`PARAMETER_PURPOSE`],
/// stream `draw`.
fn parameter_stream(seed: u64, draw: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&PARAMETER_PURPOSE.to_le_bytes());
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(draw);
    rng
}

/// A uniform number strictly inside (0, 1).
fn open_unit(rng: &mut ChaCha8Rng) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

impl Distribution {
    fn set_support(&mut self, lo: f64, hi: f64) {
        match self {
            Distribution::Uniform { min, max }
            | Distribution::Triangular { min, max, .. }
            | Distribution::Pert { min, max, .. }
            | Distribution::Normal { min, max, .. }
            | Distribution::LogNormal { min, max, .. }
            | Distribution::Beta { min, max, .. } => {
                *min = lo;
                *max = hi;
            }
        }
    }
}

/// `text` with parameter `i`'s expression (at `spans[i]`) replaced by `values[i]`, padded to
/// the expression's shape (newlines kept, other characters blank) so that every later position
/// stays where it was.
fn substitute(text: &str, spans: &[(usize, usize)], parameters: &[Parameter], values: &[f64]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for ((start, end), (p, &v)) in spans.iter().zip(parameters.iter().zip(values)) {
        out.push_str(&text[at..*start]);
        let n = number(v, p.integer);
        out.push_str(&n);
        for c in text[*start..*end].chars().skip(n.chars().count()) {
            out.push(if c == '\n' || c == '\r' { c } else { ' ' });
        }
        at = *end;
    }
    out.push_str(&text[at..]);
    out
}

/// Byte offset → 1-based (line, column in characters).
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }
    fn at(&self, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        (line, self.text[start..offset].chars().count() + 1)
    }
    /// The text of the value that starts at (line, column), when it is a string.
    fn string_at(&self, line: usize, column: usize) -> Option<String> {
        let start = *self.starts.get(line.checked_sub(1)?)?;
        let rest: String = self.text[start..].chars().skip(column - 1).take(MAX_NAME_CHARS + 2).collect();
        let rest = rest.strip_prefix('"')?;
        let end = rest.find(['"', '\\', '\n'])?;
        Some(rest[..end].to_string())
    }
}

/// Longest `name:` of a parameter, in characters.
const MAX_NAME_CHARS: usize = 100;

/// `profiles[2].services[0].demand` with each list index replaced by the item's `id` or
/// `name` where it has one: `profiles[hospital].services[emergency].demand`.
fn readable_path(path: &str, locations: &scenario::locate::Locations, lines: &LineIndex) -> String {
    let mut out = String::new();
    let mut rest = path;
    let mut prefix = String::new();
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']').map(|c| open + c) else { break };
        prefix.push_str(&rest[..=close]);
        let label = ["id", "name"].iter().find_map(|f| {
            let key = format!("{prefix}.{f}");
            locations.exact(&key).and_then(|(l, c)| lines.string_at(l, c))
        });
        out.push_str(&rest[..open]);
        match label {
            Some(l) if !l.is_empty() => out.push_str(&format!("[{l}]")),
            _ => out.push_str(&rest[open..=close]),
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// A parsed `Uncertain(...)`: its distribution (unbounded ends provisional), which ends were
/// left open, and its given name.
struct Parsed {
    distribution: Distribution,
    open: [bool; 2],
    name: Option<String>,
}

/// What may be written inside `Uncertain(...)`.
#[derive(Deserialize)]
enum Spec {
    Uniform { min: f64, max: f64 },
    Triangular { min: f64, mode: f64, max: f64 },
    Pert { min: f64, mode: f64, max: f64 },
    Normal { mean: f64, sd: f64, min: Option<f64>, max: Option<f64> },
    LogNormal { median: f64, sigma: f64, min: Option<f64>, max: Option<f64> },
    Beta { alpha: f64, beta: f64, min: Option<f64>, max: Option<f64> },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Extras {
    name: Option<String>,
}

/// A RON error about an `Uncertain(...)` expression without the names of the Rust types that
/// read it (`Spec`, `Extras`), which mean nothing to a scenario's author.
fn in_scenario_words(code: &ron::error::Error) -> String {
    code.to_string().replace(" in enum `Spec`", "").replace(" in `Extras`", "").replace(" in `Spec`", "")
}

fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
}

/// Parse the expression at byte span `(start, end)` (from `Uncertain` to its closing bracket).
fn parse_expression(text: &str, (start, end): (usize, usize), lines: &LineIndex) -> Result<Parsed, Problem> {
    let (line, column) = lines.at(start);
    let problem = |message: String| Problem::new(line, column, message);
    let open = start + text[start..end].find('(').expect("found with its bracket");
    let inner_end = end - 1;
    // The distribution runs to the first comma outside brackets and strings.
    let split = top_level_comma(&text[open + 1..inner_end]).map(|c| open + 1 + c);
    let dist_end = split.unwrap_or(inner_end);
    let at = |offset: usize, e: &ron::error::SpannedError| {
        let (l0, c0) = lines.at(offset);
        let (l, c) = (e.span.start.line.max(1), e.span.start.col.max(1));
        if l == 1 { (l0, c0 + c - 1) } else { (l0 + l - 1, c) }
    };
    let dist_text = &text[open + 1..dist_end];
    let spec: Spec = ron_options().from_str(dist_text).map_err(|e| {
        let (line, column) = at(open + 1, &e);
        Problem::new(line, column, format!(
                "in `Uncertain(...)`: {}; write one of Uniform(min, max), Triangular(min, mode, max), Pert(min, mode, max), Normal(mean, sd), LogNormal(median, sigma), Beta(alpha, beta), with named fields",
                in_scenario_words(&e.code)
            ))
    })?;
    let mut name = None;
    if let Some(comma) = split {
        let rest = &text[comma + 1..end];
        if !rest.trim_start().starts_with(')') {
            let wrapped = format!("({rest}");
            let extras: Extras = ron_options().from_str(&wrapped).map_err(|e| {
                let (line, column) = at(comma, &e);
                Problem::new(
                    line,
                    column,
                    format!(
                        "in `Uncertain(...)`: {}; after the distribution only `name: \"...\"` may follow",
                        in_scenario_words(&e.code)
                    ),
                )
            })?;
            name = extras.name;
        }
    }
    if let Some(n) = &name
        && (n.trim().is_empty() || n.chars().count() > MAX_NAME_CHARS || n.contains(['"', '\\', '\n']))
    {
        return Err(problem(format!(
            "the parameter's name must be 1 to {MAX_NAME_CHARS} characters on one line, without quotes or backslashes"
        )));
    }
    let finite = |xs: &[f64]| xs.iter().all(|x| x.is_finite());
    let ordered = |what: &str, ok: bool| if ok { Ok(()) } else { Err(problem(format!("in `Uncertain(...)`: {what}"))) };
    let (distribution, open_ends) = match spec {
        Spec::Uniform { min, max } => {
            ordered("a uniform needs finite min < max", finite(&[min, max]) && min < max)?;
            (Distribution::Uniform { min, max }, [false; 2])
        }
        Spec::Triangular { min, mode, max } => {
            ordered(
                "a triangular needs finite min <= mode <= max with min < max",
                finite(&[min, mode, max]) && min <= mode && mode <= max && min < max,
            )?;
            (Distribution::Triangular { min, mode, max }, [false; 2])
        }
        Spec::Pert { min, mode, max } => {
            ordered(
                "a PERT needs finite min <= mode <= max with min < max",
                finite(&[min, mode, max]) && min <= mode && mode <= max && min < max,
            )?;
            (Distribution::Pert { min, mode, max }, [false; 2])
        }
        Spec::Normal { mean, sd, min, max } => {
            let lo = min.unwrap_or(mean - TAIL_SDS * sd);
            let hi = max.unwrap_or(mean + TAIL_SDS * sd);
            ordered(
                "a normal needs a finite mean, sd > 0 and min < max",
                finite(&[mean, sd, lo, hi]) && sd > 0.0 && lo < hi,
            )?;
            (Distribution::Normal { mean, sd, min: lo, max: hi }, [min.is_none(), max.is_none()])
        }
        Spec::LogNormal { median, sigma, min, max } => {
            ordered(
                "a log-normal needs median > 0 and sigma > 0",
                finite(&[median, sigma]) && median > 0.0 && sigma > 0.0,
            )?;
            let lo = min.unwrap_or(median * (-TAIL_SDS * sigma).exp());
            let hi = max.unwrap_or(median * (TAIL_SDS * sigma).exp());
            ordered("a log-normal needs 0 <= min < max", finite(&[lo, hi]) && lo >= 0.0 && lo < hi)?;
            (Distribution::LogNormal { median, sigma, min: lo, max: hi }, [min.is_none(), max.is_none()])
        }
        Spec::Beta { alpha, beta, min, max } => {
            let (lo, hi) = (min.unwrap_or(0.0), max.unwrap_or(1.0));
            ordered(
                "a beta needs alpha > 0, beta > 0 and finite min < max",
                finite(&[alpha, beta, lo, hi]) && alpha > 0.0 && beta > 0.0 && lo < hi,
            )?;
            (Distribution::Beta { alpha, beta, min: lo, max: hi }, [false; 2])
        }
    };
    Ok(Parsed { distribution, open: open_ends, name })
}

/// Byte offset of the first comma of `s` outside brackets, strings and comments.
fn top_level_comma(s: &str) -> Option<usize> {
    let mut depth = 0i32;
    let mut scan = Scanner::new(s);
    while let Some((i, c)) = scan.next_code() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

/// Byte spans of every `Uncertain(...)` of `text` outside strings and comments, from the name
/// to its closing bracket. An expression without a closing bracket is left to the RON parser.
fn find_expressions(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut scan = Scanner::new(text);
    while let Some((i, c)) = scan.next_code() {
        if !(c.is_alphabetic() || c == '_') {
            continue;
        }
        let word_end = i + text[i..].find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(text.len() - i);
        let word = &text[i..word_end];
        scan.skip_to(word_end);
        if word != "Uncertain" {
            continue;
        }
        let after = text[word_end..].trim_start();
        if !after.starts_with('(') {
            continue;
        }
        let open = text.len() - after.len();
        scan.skip_to(open + 1);
        let mut depth = 1;
        while let Some((j, c)) = scan.next_code() {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => {
                    depth -= 1;
                    if depth == 0 {
                        out.push((i, j + 1));
                        break;
                    }
                }
                _ => {}
            }
        }
        if out.len() > MAX_PARAMETERS {
            break;
        }
    }
    out
}

/// Walks RON text yielding the characters outside strings, characters literals and comments.
struct Scanner<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn new(s: &'a str) -> Self {
        Scanner { s, pos: 0 }
    }
    fn skip_to(&mut self, pos: usize) {
        self.pos = pos.max(self.pos);
    }
    fn next_code(&mut self) -> Option<(usize, char)> {
        loop {
            let rest = &self.s[self.pos..];
            let c = rest.chars().next()?;
            let at = self.pos;
            if rest.starts_with("//") {
                self.pos += rest.find('\n').unwrap_or(rest.len());
            } else if rest.starts_with("/*") {
                let mut depth = 0;
                let mut k = 0;
                let b = rest.as_bytes();
                while k < b.len() {
                    if b[k..].starts_with(b"/*") {
                        depth += 1;
                        k += 2;
                    } else if b[k..].starts_with(b"*/") {
                        depth -= 1;
                        k += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        k += 1;
                    }
                }
                self.pos += k.min(b.len());
            } else if c == '"' {
                let b = rest.as_bytes();
                let mut k = 1;
                while k < b.len() && b[k] != b'"' {
                    k += if b[k] == b'\\' { 2 } else { 1 };
                }
                self.pos += (k + 1).min(b.len());
            } else if c == 'r' && (rest[1..].starts_with('"') || rest[1..].starts_with("#")) && !self.word_before(at) {
                let hashes = rest[1..].chars().take_while(|&h| h == '#').count();
                let body = 1 + hashes;
                if !rest[body..].starts_with('"') {
                    self.pos += 1;
                    return Some((at, c));
                }
                let closing: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
                let end = rest[body + 1..].find(&closing).map_or(rest.len(), |e| body + 1 + e + closing.len());
                self.pos += end;
            } else if c == '\'' {
                let b = rest.as_bytes();
                let mut k = 1;
                while k < b.len() && b[k] != b'\'' {
                    k += if b[k] == b'\\' { 2 } else { 1 };
                }
                self.pos += (k + 1).min(b.len());
            } else {
                self.pos += c.len_utf8();
                return Some((at, c));
            }
        }
    }
    /// Whether the character before `at` continues a word (so `r` is not a raw-string prefix).
    fn word_before(&self, at: usize) -> bool {
        self.s[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Distribution> {
        vec![
            Distribution::Uniform { min: 1.0, max: 3.0 },
            Distribution::Triangular { min: 0.0, mode: 0.2, max: 1.0 },
            Distribution::Pert { min: 2.0, mode: 4.0, max: 10.0 },
            Distribution::Normal { mean: 1.0, sd: 0.5, min: 0.5, max: 3.0 },
            Distribution::LogNormal { median: 48.0, sigma: 0.5, min: 10.0, max: 200.0 },
            Distribution::Beta { alpha: 2.0, beta: 5.0, min: 0.0, max: 0.5 },
        ]
    }

    /// The quantile function inverts the CDF obtained by integrating the density.
    #[test]
    fn quantile_inverts_the_integrated_density() {
        for d in all() {
            let (lo, hi) = d.support();
            let n = 20_000;
            let h = (hi - lo) / n as f64;
            let mut cdf = 0.0;
            let mut checked = 0;
            let targets = [0.05, 0.25, 0.5, 0.75, 0.95];
            for k in 0..n {
                let x = lo + (k as f64 + 0.5) * h;
                let before = cdf;
                cdf += d.pdf(x) * h;
                for &p in &targets {
                    if before < p && cdf >= p {
                        let q = d.quantile(p);
                        assert!(
                            (q - x).abs() < 3.0 * h + 1e-3 * (hi - lo),
                            "{d:?}: quantile({p}) = {q}, integrated {x}"
                        );
                        checked += 1;
                    }
                }
            }
            assert!((cdf - 1.0).abs() < 1e-3, "{d:?}: density integrates to {cdf}");
            assert_eq!(checked, targets.len(), "{d:?}");
        }
    }

    #[test]
    fn nominal_values_and_supports() {
        let d = all();
        assert_eq!(d[0].nominal(), 2.0);
        assert_eq!(d[1].nominal(), 0.2);
        assert_eq!(d[2].nominal(), 4.0);
        assert_eq!(d[3].nominal(), 1.0);
        assert_eq!(d[4].nominal(), 48.0);
        // Beta(2, 5) has its mode at 1/5, scaled to [0, 0.5].
        assert!((d[5].nominal() - 0.1).abs() < 1e-12);
        for d in &d {
            let (lo, hi) = d.support();
            for p in [0.0, 1e-9, 0.3, 1.0 - 1e-9, 1.0] {
                let q = d.quantile(p);
                assert!(q >= lo && q <= hi, "{d:?} at {p}: {q}");
            }
        }
        // PERT of (2, 4, 10): mean (2 + 4·4 + 10)/6 = 4.667; the median lies between mode and mean.
        let median = d[2].quantile(0.5);
        assert!(median > 4.0 && median < 14.0 / 3.0 + 1e-9, "{median}");
    }

    #[test]
    fn describe_reads_back() {
        for d in all() {
            let text = d.describe();
            let spec: Spec = ron_options().from_str(&text).unwrap();
            let lines = LineIndex::new("Uncertain(x)");
            let _ = lines;
            let back = match spec {
                Spec::Uniform { min, max } => Distribution::Uniform { min, max },
                Spec::Triangular { min, mode, max } => Distribution::Triangular { min, mode, max },
                Spec::Pert { min, mode, max } => Distribution::Pert { min, mode, max },
                Spec::Normal { mean, sd, min, max } => {
                    Distribution::Normal { mean, sd, min: min.unwrap(), max: max.unwrap() }
                }
                Spec::LogNormal { median, sigma, min, max } => {
                    Distribution::LogNormal { median, sigma, min: min.unwrap(), max: max.unwrap() }
                }
                Spec::Beta { alpha, beta, min, max } => {
                    Distribution::Beta { alpha, beta, min: min.unwrap(), max: max.unwrap() }
                }
            };
            assert_eq!(back, d, "{text}");
        }
    }

    #[test]
    fn expressions_in_strings_and_comments_are_not_parameters() {
        let text = "X(a: \"Uncertain(1)\", // Uncertain(2)\n /* Uncertain(3) /* nested */ Uncertain(4) */ b: r#\"Uncertain(5)\"#, c: Uncertain( Pert(min: 1, mode: 2, max: (3)), name: \"c\"), d: NotUncertain(1))";
        let found = find_expressions(text);
        assert_eq!(found.len(), 1);
        let (s, e) = found[0];
        assert!(text[s..e].starts_with("Uncertain( Pert") && text[s..e].ends_with("\"c\")"));
        assert_eq!(top_level_comma("Pert(min: 1, max: 2), name: \"a,b\""), Some(20));
    }

    #[test]
    fn draws_are_reproducible_and_independent_of_order() {
        let a = parameter_stream(7, 3).next_u64();
        assert_eq!(a, parameter_stream(7, 3).next_u64());
        assert_ne!(a, parameter_stream(7, 4).next_u64());
        assert_ne!(a, parameter_stream(8, 3).next_u64());
        // Not any of the simulation's streams of the same seed.
        let mut sim = ChaCha8Rng::seed_from_u64(7);
        sim.set_stream(3);
        assert_ne!(a, sim.next_u64());
    }
}
