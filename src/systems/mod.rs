//! ECS systems, one file per mechanism, run once per tick in this order:
//!
//! 1. [`timeline`] fires the injects due this tick;
//! 2. [`availability`] applies disconnects and restores to platforms and providers' functions;
//! 3. [`demand`] draws new cases for every open service;
//! 4. [`care`] sets each service's mode, staffs it, serves cases in urgency order and handles
//!    cases whose wait has passed (postpone, divert, delay);
//! 5. [`spillover`] hands diverted urgent cases to a neighbouring provider;
//! 6. [`breach`] marks stolen records and starts the notification clocks;
//! 7. [`strain`] (at the end of each day) turns overtime into fatigue and sick leave;
//! 8. [`metrics`] tracks the backlog peak and writes each day's rows.

pub mod availability;
pub mod breach;
pub mod care;
pub mod demand;
pub mod metrics;
pub mod spillover;
pub mod strain;
pub mod timeline;

use bevy_ecs::prelude::*;
use bevy_ecs::schedule::{LogLevel, ScheduleBuildSettings, ScheduleLabel, SingleThreadedExecutor};

/// The schedule run once per tick.
#[derive(ScheduleLabel, Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tick;

/// Build the per-tick schedule with every phase in a fixed order.
pub fn schedule() -> Schedule {
    let mut schedule = Schedule::new(Tick);
    schedule.set_executor(SingleThreadedExecutor::new());
    schedule.set_build_settings(ScheduleBuildSettings { ambiguity_detection: LogLevel::Error, ..Default::default() });
    schedule.add_systems(
        (
            timeline::fire_injects,
            availability::update_availability,
            demand::draw_arrivals,
            care::deliver_care,
            spillover::divert_urgent_cases,
            breach::steal_records,
            strain::update_staff_strain,
            metrics::record_metrics,
        )
            .chain(),
    );
    schedule
}
