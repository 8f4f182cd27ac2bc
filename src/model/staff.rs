//! Staff strain and the continuity plan of a provider.

use bevy_ecs::prelude::*;

use super::function::{FallbackCost, Function, FunctionSet};

/// Staff roles: index into the per-role arrays of [`Staffing`].
pub const CLINICAL: usize = 0;
pub const ADMIN: usize = 1;

/// Sick leave and fatigue of a provider's staff, per role (clinical, admin), aggregated over its
/// services: the admin staff who take the phone calls tire on their own.
/// The three fields the care pass writes on every open tick come first (`repr(C)`).
#[derive(Component, Debug, Clone)]
#[repr(C)]
pub struct Staffing {
    /// Share of staff off sick now, per role.
    pub sick: [f64; 2],
    /// Contracted staff minutes today and overtime minutes worked today, per role.
    pub contracted_today: [f64; 2],
    pub overtime_today: [f64; 2],
    /// Sick share in normal times.
    pub base_sick_share: f64,
    /// Accumulated overtime per role, in hours per full-time shift equivalent, decaying with rest.
    pub fatigue: [f64; 2],
    /// Contracted minutes per open day per role, to weigh the roles in averages.
    pub weight: [f64; 2],
}

impl Staffing {
    pub fn new(base_sick_share: f64, weight: [f64; 2]) -> Self {
        Self {
            sick: [base_sick_share; 2],
            base_sick_share,
            fatigue: [0.0; 2],
            contracted_today: [0.0; 2],
            overtime_today: [0.0; 2],
            weight,
        }
    }

    /// Sick share over all staff.
    pub fn sick_share(&self) -> f64 {
        let w = self.weight[0] + self.weight[1];
        if w > 0.0 { (self.sick[0] * self.weight[0] + self.sick[1] * self.weight[1]) / w } else { self.sick[0] }
    }
}

/// The continuity plan in force, and how it is holding up.
///
/// Laid out by hand (`repr(C)`), as [`crate::model::Service`]: what the care pass reads on
/// every open tick in the first 64 bytes, and aligned to 64 so that those bytes are one cache
/// line (checked at compile time below); the surge pool, the fallback table and the daily
/// bookkeeping after.
#[derive(Component, Debug, Clone)]
#[repr(C, align(64))]
pub struct Continuity {
    // --- Read on every open tick: one cache line. ---
    /// When the surge pool was called (tick), if it was.
    pub surge_called: Option<u32>,
    pub surge_lead_ticks: u32,
    /// Decisions in force: electives cancelled, or new urgent cases diverted to named
    /// providers, until these ticks.
    pub electives_cancelled_until: u32,
    pub divert_until: u32,
    pub covers: FunctionSet,
    /// Whether any service ran in fallback or was blocked today.
    pub disrupted_today: bool,
    pub overtime_cap: f64,
    /// Ambulance diversion, if the plan has it.
    pub ambulance_diversion: Option<crate::scenario::AmbulanceDiversionSpec>,
    // --- Read when the surge pool is called, a function is down, or once a day. ---
    /// The surge pool, if the plan has one.
    pub surge: Option<crate::scenario::Surge>,
    pub activation_ticks: u32,
    /// Back-entry minutes per case handled in fallback, and the largest share of staff time
    /// spent on it per tick.
    pub back_entry_minutes: f64,
    pub back_entry_share: f64,
    pub fallback: [FallbackCost; Function::COUNT],
    pub max_tolerable_days: f64,
    /// Days with any service in fallback or blocked.
    pub disrupted_days: u32,
    /// First day the protocol could not be staffed.
    pub exhausted_day: Option<u32>,
    pub divert_to: Vec<u32>,
    /// Precautionary cancellation of booked appointments, if the plan has it.
    pub cancellation: Option<crate::scenario::CancellationSpec>,
}

// The fields read on every open tick fit the first cache line.
const _: () = assert!(
    std::mem::offset_of!(Continuity, ambulance_diversion)
        + std::mem::size_of::<Option<crate::scenario::AmbulanceDiversionSpec>>()
        <= 64
);

impl Continuity {
    /// The extra staff share the surge pool adds at tick `now` (0 when not called or not yet there).
    pub fn surge_share(&self, now: u32) -> f64 {
        // `surge_called` first: it is on the hot line, `surge` is not.
        let Some(called) = self.surge_called else { return 0.0 };
        match self.surge {
            Some(s) if now >= called.saturating_add(self.surge_lead_ticks) => s.share,
            _ => 0.0,
        }
    }

    /// Throughput ceiling for working without `missing`: the lowest of the functions' ceilings.
    /// The manual steps of a case run one after another, so the slowest sets the pace (the
    /// bottleneck of a serial line), rather than the slowdowns multiplying.
    pub fn throughput_without(&self, missing: FunctionSet) -> f64 {
        missing.iter().map(|m| self.fallback[m.index()].throughput).fold(1.0, f64::min)
    }

    /// Clinical factor and extra admin minutes for working without `missing`.
    pub fn cost_without(&self, missing: FunctionSet) -> (f64, f64) {
        missing.iter().fold((1.0, 0.0), |(f, a), m| {
            let c = self.fallback[m.index()];
            (f * c.clinical_factor, a + c.admin_minutes)
        })
    }
}
