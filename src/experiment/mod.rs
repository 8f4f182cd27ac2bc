//! The experiment layer: one engine under `batch`, `compare`, `sweep` and `sensitivity`.
//!
//! An experiment is a set of runs, each a [`Unit`] (variant, parameter draw, replication),
//! reduced into statistics. This layer knows nothing about any command's outputs:
//!
//! - [`plan`]: which units exist ([`Plan`]) and which a shard owns ([`Shard`]: `index % N == I`);
//! - [`run`]: the units run in parallel on a local rayon pool and are handed to a sequential
//!   reduction in plan order, a bounded chunk at a time ([`run_plan`], [`par_stream`]), so the
//!   results do not depend on the thread count and memory does not grow with the units;
//! - [`record`]: what a run leaves ([`Record`], aligned with a [`Layout`]) and the identities
//!   of batches and sweeps;
//! - [`baselines`]: baseline runs shared between evaluations that differ only in the incident;
//! - [`partial`]: the partial result a shard writes and the bounded, positioned reader merge
//!   uses.
//!
//! The commands sit on top: [`crate::batch`], [`crate::compare`], [`crate::sweep`] and
//! [`crate::sensitivity`] are plans and reports; [`crate::shard`] merges batches and sweeps.
//! Nothing here imports them, so there is no import circle.

pub mod baselines;
pub mod partial;
pub mod plan;
pub mod record;
pub mod run;

pub use baselines::{SharedBaselines, shared_order};
pub use partial::{FORMAT, MAX_PARTIAL_BYTES, PARTIAL_FILE, Partial, VariantRecords, write_partial};
pub use plan::{Plan, Shard, Unit};
pub use record::{BatchMeta, ChartContext, Exact, Layout, Record, SweepMeta, VariantMeta};
pub use run::{default_jobs, par_map, par_stream, run_plan, try_run_plan};
