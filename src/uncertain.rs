//! Placeholder of the uncertain-parameters module of issue 15 part 1 (branch issue-15a), with
//! its interface only: a scenario without uncertain parameters. Replaced by the merge of
//! issue-15a.

use serde::Serialize;

use crate::error::ScenarioError;
use crate::scenario::raw::RawScenario;
use crate::scenario::{self, Scenario};

/// A distribution of an uncertain number.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Distribution {
    Uniform { min: f64, max: f64 },
}

impl Distribution {
    /// The inverse CDF at `p`.
    pub fn quantile(&self, p: f64) -> f64 {
        match self {
            Distribution::Uniform { min, max } => min + (max - min) * p.clamp(0.0, 1.0),
        }
    }
    /// The value used when nothing is drawn.
    pub fn nominal(&self) -> f64 {
        self.quantile(0.5)
    }
    /// The smallest and largest values.
    pub fn support(&self) -> (f64, f64) {
        (self.quantile(0.0), self.quantile(1.0))
    }
    /// As written.
    pub fn describe(&self) -> String {
        match self {
            Distribution::Uniform { min, max } => format!("Uniform(min: {min}, max: {max})"),
        }
    }
}

/// One uncertain number of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parameter {
    pub name: String,
    pub distribution: Distribution,
    pub line: usize,
    pub column: usize,
    pub path: String,
    pub integer: bool,
}

/// A scenario whose numbers may be uncertain.
#[derive(Debug, Clone)]
pub struct Uncertain {
    text: String,
    file: String,
    parameters: Vec<Parameter>,
    nominal: Scenario,
}

/// Load a scenario file path or built-in name.
pub fn load(spec: &str) -> Result<Uncertain, ScenarioError> {
    let nominal = scenario::load(spec)?;
    let text = scenario::builtin::get(spec).map(str::to_string).unwrap_or_default();
    Ok(Uncertain { text, file: spec.to_string(), parameters: Vec::new(), nominal })
}

impl Uncertain {
    pub fn parameters(&self) -> &[Parameter] {
        &self.parameters
    }
    pub fn nominal(&self) -> &Scenario {
        &self.nominal
    }
    pub fn nominal_values(&self) -> Vec<f64> {
        self.parameters.iter().map(|p| p.distribution.nominal()).collect()
    }
    pub fn raw_at(&self, _values: &[f64]) -> Result<RawScenario, ScenarioError> {
        scenario::parse_raw(&self.text, &self.file)
    }
    pub fn scenario_at(&self, _values: &[f64]) -> Result<Scenario, ScenarioError> {
        Ok(self.nominal.clone())
    }
    pub fn draw(&self, _seed: u64, _draw: u64) -> Vec<f64> {
        Vec::new()
    }
}
