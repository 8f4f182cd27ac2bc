//! ECS systems, one file per mechanism, run once per tick in this order:
//!
//! 1. [`timeline`] fires the injects due this tick;
//! 2. [`decisions`] applies the chosen options of decision points that fired;
//! 3. [`availability`] applies disconnects and restores to platforms and providers' functions;
//! 4. [`breach`] marks stolen records, starts the notification clocks and brings inquiries;
//! 5. [`bookings`] (at the start of each day) books appointments ahead, cancels booked ones as
//!    a precaution under the continuity plan, and re-books cancelled patients;
//! 6. [`dependencies`] limits services by their suppliers' (labs', imaging's) throughput;
//! 7. [`demand`] draws new cases for every open service (walk-ins, ambulances, booked
//!    appointments of the day) and sends some on (ambulance diversion, patients' choice); it
//!    runs inside the care pass, just before each open service is worked on, and sees the
//!    suppliers' throughput of the previous tick and the service's mode as last set;
//! 8. [`care`] sets each service's mode, staffs it, works the breach's admin duties and
//!    back-entry, serves cases in urgency order within its throughput ceiling, sends referrals
//!    (routed over exchange, or phone and post, by `referrals::Dispatch` while the sending
//!    service is in cache) and handles cases whose wait has passed (walk-outs, postponement,
//!    diversion);
//! 9. [`referrals`] releases referrals held for exchange and delivers arrivals;
//! 10. [`spillover`] hands diverted patients to a neighbouring or named provider;
//! 11. [`strain`] (at the end of each day) turns overtime into fatigue and sick leave, and
//!     checks whether each emergency protocol can still be staffed;
//! 12. [`metrics`] tracks the backlog peak and writes each day's rows.

/// Every provider is spawned once, in index order, with the same components, and none is
/// removed or given others: they lie in one table, each at its index. The care pass and
/// referral delivery read that table's slices by position instead of looking providers up.
pub(crate) const ONE_TABLE: &str = "the providers lie in one table, in index order";

pub mod availability;
pub mod bookings;
pub mod breach;
mod cache;
pub mod care;
pub mod decisions;
pub mod demand;
pub mod dependencies;
pub mod metrics;
pub mod referrals;
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
            decisions::apply_decisions,
            availability::update_availability,
            breach::steal_records,
            bookings::book_and_review,
            dependencies::propagate_supply,
            care::deliver_care,
            referrals::deliver_referrals,
            spillover::divert_urgent_cases,
            strain::update_staff_strain,
            metrics::record_metrics,
        )
            .chain(),
    );
    schedule
}
