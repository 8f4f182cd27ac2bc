//! ECS components and resources: providers, platforms, services, staff, the clock and tallies.

mod care;
mod function;
mod provider;
mod resources;
mod staff;

pub use care::{Arrivals, Book, CareServices, CdfTable, Cohort, CohortQueue, Mode, OpenHours, Service};
pub use function::{DEFAULT_FALLBACK, FallbackCost, Function, FunctionSet};
pub use provider::{BreachWork, Duty, Functions, Hosting, Provider, ProviderKind, Records, Source};
pub use resources::*;
pub use staff::{ADMIN, CLINICAL, Continuity, Staffing};
