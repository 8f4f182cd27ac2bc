//! # downtime
//!
//! A tabletop-exercise simulator for health-IT supply-chain incidents: what happens to patient
//! care when an EHR vendor is compromised?
//!
//! ## The shape of a run
//!
//! 1. **Load a scenario** ([`scenario::load`]): a RON file, or a built-in such as
//!    `chipsoft-2026`, is read ([`scenario::raw`]) and validated into a [`Scenario`]. Every
//!    problem comes back at once as a [`ScenarioError`] with `FILE:LINE:COLUMN` positions.
//! 2. **Simulate** ([`sim::run`]): the scenario becomes a bevy_ecs `World` of providers (with
//!    their care services, staff and continuity plans) and platforms; a fixed schedule of
//!    [`systems`] advances it one tick at a time: injects fire and decisions take effect,
//!    platforms go down, demand arrives, care is delivered normally or under the emergency
//!    protocol, referrals travel (or stall) between providers, cases wait, get postponed or
//!    diverted to neighbours, staff tire and fall sick, records are stolen, patients call,
//!    notification clocks run. `docs/model.md` gives every mechanism's equations and sources.
//! 3. **Measure** ([`kpi::compute`]): the headline KPIs, each against the baseline run (the
//!    same scenario and seed with the incident removed).
//! 4. **Report** ([`report`]): `summary.json`, `timeseries.csv`, `events.csv`; the charts
//!    ([`plot`], PNG and SVG) and the after-action report ([`report::aar`], `report.md` and a
//!    self-contained `report.html`) with [`report::write_charts_and_report`].
//!
//! ```no_run
//! use std::sync::Arc;
//! let scenario = Arc::new(downtime::scenario::load("chipsoft-2026")?);
//! let (incident, baseline) = downtime::sim::run_with_baseline(
//!     scenario,
//!     downtime::sim::RunOptions { seed: 1, replication: 0 },
//! );
//! let kpis = downtime::kpi::compute(&incident, &baseline, None);
//! println!("{:.1}% of care delivered", kpis.care_delivered_pct);
//! # Ok::<(), downtime::ScenarioError>(())
//! ```
//!
//! ## Many runs
//!
//! [`batch`] runs Monte Carlo replications in parallel (rayon over whole Worlds) with results
//! independent of the thread count; [`compare`] sets scenarios side by side on common random
//! numbers; [`sweep`] varies policy levers (market shares and HHI, hosting, exchange
//! architecture, plan strength, which vendor is hit); [`shard`] splits a batch or sweep across
//! machines and merges the parts into exactly the unsharded result. [`exercise`] steps a room
//! through the timeline and records its decisions.
//!
//! ## Determinism
//!
//! All randomness comes from ChaCha8 streams seeded from `(seed, replication, purpose)`; systems
//! run single-threaded in a fixed order, and query order follows spawn order. The same scenario
//! and seed give byte-identical output files.

pub mod batch;
pub mod calibrate;
pub mod compare;
pub mod diagnostic;
pub mod error;
pub mod exercise;
pub mod experiment;
pub mod fit;
pub mod huge_pages;
pub mod input;
pub mod kpi;
pub mod model;
pub mod plot;
pub mod quantiles;
pub mod reference;
pub mod report;
pub mod scenario;
pub mod sensitivity;
pub mod shard;
pub mod sim;
// Issue 14: spreadsheets in and out.
pub mod spreadsheet;
pub mod sweep;
pub mod systems;
pub mod text;
pub mod ui;
pub mod uncertain;

pub use error::{Error, ScenarioError};
pub use scenario::Scenario;
