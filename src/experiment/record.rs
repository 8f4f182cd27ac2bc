//! What one run of an experiment leaves behind ([`Record`]), the names its values are aligned
//! with ([`Layout`]), and the identities of batches and sweeps repeated in partial results.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::scenario::Scenario;

/// An `f64` that survives a trip through JSON bit for bit: written as Rust's shortest
/// round-trip decimal string, read back with the correctly rounded `str::parse`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exact(pub f64);

impl Serialize for Exact {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for Exact {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse::<f64>().map(Exact).map_err(serde::de::Error::custom)
    }
}

/// Names shared by every record of a batch: KPI names and provider kinds, in record order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    pub kpis: Vec<String>,
    /// Provider kinds present; `daily` has one more entry first, `all`.
    pub kinds: Vec<String>,
    /// The scenario's observed figures (model values empty), aligned with [`Record::observed`].
    #[serde(default)]
    pub observed: Vec<crate::fit::Fit>,
}

/// What one replication leaves for the statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub replication: u64,
    /// KPI values aligned with [`Layout::kpis`]; `None` where the KPI is null.
    pub kpis: Vec<Option<Exact>>,
    /// The same per provider kind, aligned with [`Layout::kinds`].
    pub by_kind: Vec<Vec<Option<Exact>>>,
    /// Per kind (`all` first, then [`Layout::kinds`]), per day: `[demand, served, backlog]`.
    pub daily: Vec<Vec<[i64; 3]>>,
    /// The model's value for each observed figure, aligned with [`Layout::observed`].
    #[serde(default)]
    pub observed: Vec<Option<Exact>>,
}

/// The identity of a batch, repeated in partial results so that merge can check them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchMeta {
    pub scenario: String,
    pub title: String,
    pub seed: u64,
    pub days: u32,
    pub providers: usize,
    pub runs: u64,
    /// Dates, injects and baseline for the fan charts (`chart_context`); without it the
    /// charts count days and show no baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<ChartContext>,
    /// Parameter draws of a nested batch (`runs` counts all units: draws × replications per
    /// draw); absent when the parameters are not drawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draws: Option<u64>,
}

/// What the fan charts of a batch draw besides the bands: the scenario's start date, the
/// injects as they happened in replication 0, and the baseline of replication 0 (the same
/// draws without the incident), per day for all providers: `[demand, served, backlog]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartContext {
    /// Year, month, day.
    pub start: (i32, u32, u32),
    pub markers: Vec<(Exact, String)>,
    pub baseline: Vec<[i64; 3]>,
}

impl BatchMeta {
    pub fn new(scenario: &Scenario, seed: u64, runs: u64) -> Self {
        BatchMeta {
            scenario: scenario.id.clone(),
            title: scenario.title.clone(),
            seed,
            days: scenario.days,
            providers: scenario.providers.len(),
            runs,
            context: None,
            draws: None,
        }
    }
}

impl Record {
    /// The record without its daily series and per-kind figures: what reports keep of a run.
    pub fn slim(&self) -> Record {
        Record {
            replication: self.replication,
            kpis: self.kpis.clone(),
            by_kind: Vec::new(),
            daily: Vec::new(),
            observed: self.observed.clone(),
        }
    }
}

/// What a variant is, as written to the outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantMeta {
    pub name: String,
    /// The vendor the incident compromises.
    pub compromised: String,
    pub hhi: f64,
    pub providers: usize,
}

/// The identity of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepMeta {
    pub sweep: String,
    pub title: String,
    /// What the sweep asks, from the sweep file (for the report).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub base: String,
    pub seed: u64,
    pub days: u32,
    pub runs: u64,
    pub market: String,
    /// Parameter draws of a nested sweep (`runs` counts all units: draws × replications per
    /// draw); absent when the parameters are not drawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draws: Option<u64>,
}
