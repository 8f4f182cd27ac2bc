//! The integration tests: one binary, one module per area.

mod authoring;
mod batch;
mod calibrate;
mod common;
mod depth;
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
