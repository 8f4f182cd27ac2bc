//! The integration tests: one binary, one module per area.

mod batch;
mod common;
mod depth;
mod exercise;
mod model;
mod report;
mod scenarios;
