//! World-wide resources: the clock, random streams, the timeline, platform states, tallies.

use bevy_ecs::prelude::*;
use rand::rngs::ChaCha8Rng;
use serde::Serialize;

use super::provider::ProviderKind;
use crate::scenario::Inject;

/// Simulated time.
#[derive(Resource, Debug, Clone)]
pub struct Clock {
    pub tick: u32,
    pub tick_hours: u32,
    pub ticks_per_day: u32,
    /// Weekday of day 0, 0 = Monday.
    pub start_weekday: u32,
}

impl Clock {
    pub fn day(&self) -> u32 {
        self.tick / self.ticks_per_day
    }
    pub fn hour(&self) -> u32 {
        (self.tick % self.ticks_per_day) * self.tick_hours
    }
    pub fn weekday(&self) -> u32 {
        (self.start_weekday + self.day()) % 7
    }
    pub fn is_last_tick_of_day(&self) -> bool {
        (self.tick + 1).is_multiple_of(self.ticks_per_day)
    }
}

/// One seeded random stream per purpose, so a change in one mechanism does not shift another's draws.
#[derive(Resource, Debug)]
pub struct Streams {
    pub arrivals: ChaCha8Rng,
}

/// The injects of this replication, times drawn, sorted by tick.
#[derive(Resource, Debug, Clone, Default)]
pub struct Timeline {
    pub injects: Vec<(u32, Inject)>,
    pub next: usize,
}

/// Injects that fired this tick (indices into [`Timeline::injects`]).
#[derive(Resource, Debug, Clone, Default)]
pub struct Fired(pub Vec<usize>);

/// Availability of a platform.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Availability {
    Up,
    /// Serving the share of customers whose rollout rank is below this capacity.
    Degraded(f64),
    Down,
}

/// Availability of every platform, by index.
#[derive(Resource, Debug, Clone, Default)]
pub struct PlatformStatus {
    pub states: Vec<Availability>,
    /// Set when a state changed this tick, so providers' functions are recomputed.
    pub changed: bool,
}

/// Incident milestones of this replication.
#[derive(Resource, Debug, Clone, Default)]
pub struct Incident {
    pub first_compromise: Option<u32>,
    pub awareness: Option<u32>,
    pub last_restore: Option<u32>,
}

/// Flows and stocks of one provider kind, summed over a day (flows) or at its end (stocks).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Counters {
    pub demand: u64,
    pub served: u64,
    pub served_fallback: u64,
    pub postponed: u64,
    pub diverted: u64,
    pub urgent_delayed: u64,
    pub overtime_minutes: f64,
    pub clinical_capacity_minutes: f64,
    pub clinical_used_minutes: f64,
    pub admin_used_minutes: f64,
    pub records_stolen: u64,
    pub records_stolen_high: u64,
}

/// Today's counters by provider kind, the running backlog, and its peaks.
#[derive(Resource, Debug, Clone, Default)]
pub struct Tally {
    pub today: [Counters; ProviderKind::COUNT],
    pub backlog: [i64; ProviderKind::COUNT],
    pub peak_backlog: [i64; ProviderKind::COUNT],
    pub peak_backlog_total: i64,
}

/// An urgent case group that passed its wait and needs another provider.
#[derive(Debug, Clone, Copy)]
pub struct Diversion {
    pub from: u32,
    pub service: u16,
    pub count: u32,
}

/// Diversions requested this tick, applied by the spillover system.
#[derive(Resource, Debug, Clone, Default)]
pub struct Diversions(pub Vec<Diversion>);

/// Entities of providers by index, and each provider's neighbours (same profile and region).
#[derive(Resource, Debug, Clone, Default)]
pub struct Network {
    pub providers: Vec<Entity>,
    pub neighbours: Vec<Vec<u32>>,
}

/// A row of `events.csv`.
#[derive(Debug, Clone, Serialize)]
pub struct EventRow {
    pub tick: u32,
    pub event: String,
    pub target: String,
    pub text: String,
}

/// The timeline as it happened.
#[derive(Resource, Debug, Clone, Default)]
pub struct EventLog(pub Vec<EventRow>);

/// One day of one provider kind.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct DayRow {
    pub day: u32,
    pub kind: usize,
    pub counters: Counters,
    pub backlog: i64,
    pub sick_share: f64,
    pub services_fallback: u32,
    pub services_blocked: u32,
    pub providers: u32,
}

/// Daily rows written by the metrics system.
#[derive(Resource, Debug, Clone, Default)]
pub struct Series(pub Vec<DayRow>);
