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
        /// Horizon in days, overriding the scenario's; injects after it are left out (a shorter run).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: Option<u32>,
        /// Output folder (default: reports/<scenario-id>/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write into the output folder even when it holds files downtime did not write.
        #[arg(long)]
        force: bool,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
        /// Field delimiter of the CSV files: `,` (default) or `;` for spreadsheets in locales with a decimal comma.
        #[arg(long, default_value = ",", value_parser = downtime::report::csv::parse_delimiter)]
        csv_delimiter: char,
    },
    /// Check scenario files; print every problem; exit 0 only when all are valid.
    Validate {
        /// Scenario files or built-in names.
        #[arg(required = true)]
        scenarios: Vec<String>,
    },
    /// List the built-in scenarios and sweeps.
    Scenarios,
    /// Monte Carlo: many replications in parallel; quantiles, per-day bands, fan charts.
    Batch {
        /// A scenario file (.ron) or the name of a built-in.
        #[arg(default_value = "chipsoft-2026")]
        scenario: String,
        /// Replications (all shards together); with --draws, replications per parameter draw.
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        runs: u64,
        /// Parameter draws of a scenario with uncertain parameters: a nested batch of DRAWS × RUNS
        /// runs whose spread is split into chance and parameters (default 1: parameters at their
        /// nominal values).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        draws: u64,
        /// Master seed (default: the scenario's own); replication r uses (seed, r).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads (default: all cores). Results do not depend on it.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
        jobs: Option<u64>,
        /// Horizon in days, overriding the scenario's; injects after it are left out (a shorter run).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: Option<u32>,
        /// Output folder (default: reports/<scenario-id>-batch/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write into the output folder even when it holds files downtime did not write.
        #[arg(long)]
        force: bool,
        /// Run only replications r with r % N == I and write partial.json (see `downtime merge`).
        #[arg(long, value_name = "I/N")]
        shard: Option<downtime::experiment::Shard>,
        /// Field delimiter of the CSV files: `,` (default) or `;` for spreadsheets in locales with a decimal comma.
        #[arg(long, default_value = ",", value_parser = downtime::report::csv::parse_delimiter)]
        csv_delimiter: char,
    },
    /// Fit a scenario's uncertain parameters to its observed figures (ABC-SMC); writes the fitted ranges, the fit before and after, and the calibrated scenario.
    Calibrate {
        /// A scenario file (.ron) or the name of a built-in with `observed` figures and `Uncertain(...)` parameters.
        scenario: String,
        /// Parameters to fit, by name, comma-separated (default: all); the others stay at their nominal values.
        #[arg(long, value_delimiter = ',', value_name = "NAME,...")]
        params: Option<Vec<String>>,
        /// Particles of the sequential Monte Carlo.
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(4..=100_000))]
        particles: u64,
        /// Most generations after the draw from the priors (each costs one evaluation per particle).
        #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u64).range(1..=100))]
        generations: u64,
        /// Replications averaged per evaluation.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=1000))]
        runs: u64,
        /// Master seed (default: the scenario's own).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads (default: all cores). Results do not depend on it.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
        jobs: Option<u64>,
        /// Output folder (default: reports/<scenario-id>-calibrate/).
        #[arg(short = 'o', long)]
        out: Option<PathBuf>,
        /// Write into the output folder even when it holds files downtime did not write.
        #[arg(long)]
        force: bool,
    },
    /// Compare scenarios on the same replications (common random numbers).
    Compare {
        /// Two or more scenario files or built-in names; differences are against the first.
        #[arg(required = true, num_args = 2..)]
        scenarios: Vec<String>,
        /// Replications per scenario (the same ones for each).
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        runs: u64,
        /// Master seed (default: the first scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads (default: all cores). Results do not depend on it.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
        jobs: Option<u64>,
        /// Horizon in days, overriding the scenarios'; injects after it are left out (a shorter run).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: Option<u32>,
        /// Output folder (default: reports/<first-id>-compare/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write into the output folder even when it holds files downtime did not write.
        #[arg(long)]
        force: bool,
        /// Field delimiter of the CSV files: `,` (default) or `;` for spreadsheets in locales with a decimal comma.
        #[arg(long, default_value = ",", value_parser = downtime::report::csv::parse_delimiter)]
        csv_delimiter: char,
    },
    /// Policy sweep: variants of a base scenario over policy levers (see docs/distributed.md).
    Sweep {
        /// A sweep file (.ron) or the name of a built-in sweep, such as `diversification`
        /// (see `downtime scenarios`).
        sweep: PathBuf,
        /// Replications per variant (default: the sweep file's).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        runs: Option<u64>,
        /// Parameter draws of a base with uncertain parameters: every variant runs the same
        /// DRAWS × RUNS units (default 1: parameters at their nominal values).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        draws: u64,
        /// Worker threads (default: all cores). Results do not depend on it.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
        jobs: Option<u64>,
        /// Output folder (default: reports/<sweep-id>-sweep/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write into the output folder even when it holds files downtime did not write.
        #[arg(long)]
        force: bool,
        /// Run only replications r with r % N == I and write partial.json (see `downtime merge`).
        #[arg(long, value_name = "I/N")]
        shard: Option<downtime::experiment::Shard>,
        /// Field delimiter of the CSV files: `,` (default) or `;` for spreadsheets in locales with a decimal comma.
        #[arg(long, default_value = ",", value_parser = downtime::report::csv::parse_delimiter)]
        csv_delimiter: char,
    },
    /// Which uncertain parameters drive the headline KPIs: Morris screening, then Sobol indices.
    Sensitivity {
        /// A scenario file (.ron) or built-in name with uncertain parameters (`Uncertain(...)`).
        #[arg(default_value = "chipsoft-2026")]
        scenario: String,
        /// Output folder (default: reports/<scenario-id>-sensitivity/).
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// morris (screening), sobol (variance-based indices) or both (Sobol for the top of the screening).
        #[arg(long, default_value = "both", value_parser = clap::value_parser!(downtime::sensitivity::Method))]
        method: downtime::sensitivity::Method,
        /// Morris trajectories (each costs parameters + 1 evaluations).
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=100_000))]
        trajectories: u64,
        /// Rows of the Sobol sample (each costs parameters + 2 evaluations).
        #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(2..=100_000))]
        samples: u64,
        /// Replications per model evaluation (the same ones for every evaluation).
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        runs: u64,
        /// Parameters carried from the screening to the Sobol stage.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=200))]
        top: u64,
        /// The parameters of the Sobol stage (names, comma-separated) instead of the screening's top.
        #[arg(long, value_delimiter = ',')]
        parameters: Vec<String>,
        /// Master seed (default: the scenario's own): the design and the replications' seeds.
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads (default: all cores). Results do not depend on it.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
        jobs: Option<u64>,
        /// Horizon in days, overriding the scenario's; injects after it are left out (a shorter run).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: Option<u32>,
        /// Write into the output folder even when it holds files downtime did not write.
        #[arg(long)]
        force: bool,
        /// Run only evaluations e with e % N == I of one stage and write partial.json (see `downtime merge`).
        #[arg(long, value_name = "I/N")]
        shard: Option<downtime::experiment::Shard>,
        /// Field delimiter of the CSV files: `,` (default) or `;` for spreadsheets in locales with a decimal comma.
        #[arg(long, default_value = ",", value_parser = downtime::report::csv::parse_delimiter)]
        csv_delimiter: char,
    },
    /// Write a commented starting scenario from a template (`--list` names them), or a built-in
    /// scenario as an editable file (`--from`).
    New {
        /// The template: hospital, gp-cooperative, regional-network or national-policy.
        #[arg(required_unless_present_any = ["list", "from"])]
        template: Option<String>,
        /// Name the templates, one line each.
        #[arg(long, conflicts_with_all = ["template", "from"])]
        list: bool,
        /// Start from this built-in scenario (see `downtime scenarios`) instead of a template.
        #[arg(long, value_name = "BUILTIN", conflicts_with = "template")]
        from: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Overwrite the file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Facilitator mode: step through the timeline with a room, discuss, decide; writes the run
    /// folder plus decisions.ron and transcript.md. With --decisions, replays with no prompts.
    Exercise {
        /// A scenario file (.ron) or built-in name (default: the decisions file's, else chipsoft-2026).
        scenario: Option<String>,
        /// Replay the choices of this decisions file (an exercise's decisions.ron) without prompts.
        #[arg(long)]
        decisions: Option<PathBuf>,
        /// Master seed (default: the decisions file's, else the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Horizon in days, overriding the scenario's; injects after it are left out (a shorter run).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: Option<u32>,
        /// Output folder (default: reports/<scenario-id>-exercise/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write into the output folder even when it holds files downtime did not write.
        #[arg(long)]
        force: bool,
        /// Field delimiter of the CSV files: `,` (default) or `;` for spreadsheets in locales with a decimal comma.
        #[arg(long, default_value = ",", value_parser = downtime::report::csv::parse_delimiter)]
        csv_delimiter: char,
        /// Continue the session saved in this folder (after Ctrl-C, a crash or a closed lid).
        #[arg(long, value_name = "DIR")]
        resume: Option<PathBuf>,
        /// Run the room in the browser: a projector view, a facilitator view and a view per team.
        #[arg(long)]
        serve: bool,
        /// With --serve: listen on this address (HOST:PORT, or a port on every address) instead of
        /// 127.0.0.1:8080; every page then needs the join code, the controls the facilitator's
        /// secret and each team its token.
        #[arg(long, value_name = "ADDR", requires = "serve")]
        listen: Option<String>,
        /// The teams taking part, comma-separated (default: the scenario's, else a board, a GP
        /// cooperative, the vendor and the regulator).
        #[arg(long, value_delimiter = ',')]
        teams: Vec<String>,
    },
    /// Combine the partial results of `--shard I/N` runs into exactly the unsharded result.
    Merge {
        /// The shard folders (or their partial.json files).
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output folder.
        #[arg(long, required = true)]
        out: PathBuf,
        /// Write into the output folder even when it holds files downtime did not write.
        #[arg(long)]
        force: bool,
        /// Field delimiter of the CSV files: `,` (default) or `;` for spreadsheets in locales with a decimal comma.
        #[arg(long, default_value = ",", value_parser = downtime::report::csv::parse_delimiter)]
        csv_delimiter: char,
    },
    /// Print the scenario reference (every field and type), or only the sections naming FIELD.
    Reference {
        /// A field or type name, such as `Booking`, `fallback_throughput` or `Observed`.
        field: Option<String>,
    },
    /// Print a shell completion script to standard output.
    Completions {
        /// The shell: bash, elvish, fish, powershell or zsh.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to standard output, e.g. `downtime man > downtime.1`.
    Man,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every option and argument of every subcommand says what it is for in `--help`.
    #[test]
    fn every_option_has_help() {
        let cli = super::Cli::command();
        let mut missing = Vec::new();
        for sub in cli.get_subcommands() {
            assert!(sub.get_about().is_some(), "`{}` has no description", sub.get_name());
            for arg in sub.get_arguments() {
                let id = arg.get_id().as_str();
                if id != "help" && id != "version" && arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{} {id}", sub.get_name()));
                }
            }
        }
        assert!(missing.is_empty(), "options without help: {missing:?}");
    }
}
