//! The integration tests: one binary, one module per area.

mod authoring;
mod authoring2;
mod baselines;
mod batch;
mod calibrate;
mod common;
mod conventions;
mod depth;
mod diagnostics;
mod exercise;
mod fidelity;
mod hardening;
mod hardening2;
mod model;
mod nested;
mod report;
mod room;
mod scenarios;
mod sensitivity;
mod travel;
mod uncertain;
