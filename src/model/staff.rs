//! Staff strain and the continuity plan of a provider.

use bevy_ecs::prelude::*;

use super::function::{FallbackCost, Function, FunctionSet};

/// Sick leave and fatigue of a provider's staff (aggregated over its services).
#[derive(Component, Debug, Clone)]
pub struct Staffing {
    /// Share of staff off sick now.
    pub sick_share: f64,
    /// Sick share in normal times.
    pub base_sick_share: f64,
    /// Accumulated overtime, in hours per full-time shift equivalent, decaying with rest.
    pub fatigue: f64,
    /// Contracted staff minutes today and overtime minutes worked today.
    pub contracted_today: f64,
    pub overtime_today: f64,
}

/// The continuity plan in force, and how it is holding up.
#[derive(Component, Debug, Clone)]
pub struct Continuity {
    pub activation_ticks: u32,
    pub covers: FunctionSet,
    pub fallback: [FallbackCost; Function::COUNT],
    pub overtime_cap: f64,
    pub max_tolerable_days: f64,
    /// Whether any service ran in fallback or was blocked today.
    pub disrupted_today: bool,
    /// Days with any service in fallback or blocked.
    pub disrupted_days: u32,
    /// First day the protocol could not be staffed.
    pub exhausted_day: Option<u32>,
}

impl Continuity {
    /// Clinical factor and extra admin minutes for working without `missing`.
    pub fn cost_without(&self, missing: FunctionSet) -> (f64, f64) {
        missing.iter().fold((1.0, 0.0), |(f, a), m| {
            let c = self.fallback[m.index()];
            (f * c.clinical_factor, a + c.admin_minutes)
        })
    }
}
