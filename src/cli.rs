//! Command-line definitions (clap).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Tabletop-exercise simulator for health-IT supply-chain incidents.
#[derive(Debug, Parser)]
#[command(name = "downtime", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one replication and write its run folder.
    Run {
        /// A scenario file (.ron) or the name of a built-in (see `downtime scenarios`).
        #[arg(default_value = "chipsoft-2026")]
        scenario: String,
        /// Master seed (default: the scenario's own).
        #[arg(long)]
        seed: Option<u64>,
        /// Horizon in days, overriding the scenario's.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: Option<u32>,
        /// Output folder (default: reports/<scenario-id>/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Check scenario files; print every problem; exit 0 only when all are valid.
    Validate {
        /// Scenario files or built-in names.
        #[arg(required = true)]
        scenarios: Vec<String>,
    },
    /// List the built-in scenarios.
    Scenarios,
}
