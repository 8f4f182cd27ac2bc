//! Command-line definitions (clap).

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use downtime::diagnostic::ColorChoice;

/// Tabletop-exercise simulator for health-IT supply-chain incidents.
#[derive(Debug, Parser)]
#[command(name = "downtime", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Print nothing but errors (and, with --json, the JSON).
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Say more on standard error: what was loaded and written, and the time taken (-vv: more).
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Colour in messages: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print the command's summary as JSON on standard output, and nothing else there.
    #[arg(long, global = true)]
    pub json: bool,
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
        #[arg(short = 'o', long)]
        out: Option<PathBuf>,
        /// Write into the output folder even when it holds files downtime did not write.
        #[arg(long)]
        force: bool,
        /// Field delimiter of the CSV files: `,` (default) or `;` for spreadsheets in locales with a decimal comma.
        #[arg(long, default_value = ",", value_parser = downtime::report::csv::parse_delimiter)]
        csv_delimiter: char,
    },
    /// Check scenario files; print every problem; exit 0 only when all are valid.
    ///
    /// A valid scenario is also checked for calibration (warnings, exit 0): staff utilisation
    /// in normal times above 100% or below 30%, a short baseline run (no incident) that
    /// delivers less than 90% of demanded care or serves more than 5% of urgent cases late.
    Validate {
        /// Scenario files or built-in names.
        #[arg(required = true)]
        scenarios: Vec<String>,
        /// Treat calibration warnings as errors (exit 2 when there is any).
        #[arg(long)]
        strict: bool,
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
        #[arg(short = 'o', long)]
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
        /// Parameter draws for scenarios with uncertain parameters: every scenario runs the same
        /// DRAWS × RUNS units, a parameter of the same name taking the same value in all of them
        /// (default 1: parameters at their nominal values).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        draws: u64,
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
        #[arg(short = 'o', long)]
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
        #[arg(short = 'o', long)]
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
        #[arg(short = 'o', long)]
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
        #[arg(short = 'o', long, required = true)]
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
    // Issue 14: spreadsheets in and out.
    /// Build a scenario from spreadsheets (CSV or XLSX): providers and services, and/or a
    /// master scenario events list (MSEL).
    ///
    /// Sheets and columns (header names; case and spaces do not matter; see docs/spreadsheets.md):
    ///
    ///   Providers: Provider, Kind, Patients, Vendor, Hosting, Region, Latitude, Longitude, Plan like
    ///
    ///   Services: Provider, Service, Visits per day, Open from, Open to, Open days, Urgent share,
    ///   Urgent max wait (hours), Soon share, Soon max wait (hours), Elective share, Elective max
    ///   wait (hours), Clinical minutes per case, Admin minutes per case, Clinical staff per shift,
    ///   Admin staff per shift, Needs
    ///
    ///   MSEL: Date, Time, Inject, Target, Title, Text, Questions, Teams, Details, Delay
    ///
    /// Providers and services are merged into the base scenario (--into; default the `hospital`
    /// template): each provider gets a profile of its own, replaces a base provider of the same
    /// id, and takes its plan and unlisted service fields from the base. An MSEL replaces the
    /// base's timeline. Every bad cell is reported as FILE:SHEET:ROW:COLUMN (Header) and the
    /// command exits 2; the result is validated and checked for calibration.
    ///
    /// Examples: `downtime import --providers hospital.xlsx -o my-hospital.ron`;
    /// `downtime import --msel msel.xlsx --into chipsoft-2026 -o exercise.ron`
    #[command(verbatim_doc_comment)]
    Import {
        /// The MSEL sheet: an XLSX workbook with a sheet named MSEL, or a CSV file.
        #[arg(long, value_name = "FILE")]
        msel: Option<PathBuf>,
        /// The providers: an XLSX workbook with sheets Providers and Services, or a CSV file (then give --services).
        #[arg(long, value_name = "FILE")]
        providers: Option<PathBuf>,
        /// The services, as a CSV file (or a workbook with a sheet named Services).
        #[arg(long, value_name = "FILE", requires = "providers")]
        services: Option<PathBuf>,
        /// The base scenario: a built-in, a template (`downtime new --list`) or a file. Default for
        /// --providers: the `hospital` template; required for --msel alone.
        #[arg(long, value_name = "SCENARIO")]
        into: Option<String>,
        /// The scenario file to write.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: PathBuf,
        /// Replace the output file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Write a scenario's timeline as an MSEL spreadsheet a trainer can edit and import again.
    Export {
        /// A scenario file (.ron), a built-in or a template.
        #[arg(default_value = "chipsoft-2026")]
        scenario: String,
        /// A .xlsx or .csv file, or a folder that gets msel.xlsx and msel.csv.
        #[arg(long, short = 'o', value_name = "PATH", default_value = ".")]
        output: PathBuf,
        /// Replace files that exist.
        #[arg(long)]
        force: bool,
    },
}

/// The `--color` given among `args` (before clap parses them, so that clap's own messages
/// follow it too); `auto` when none or unreadable.
pub fn color_from_args(args: &[std::ffi::OsString]) -> ColorChoice {
    let mut choice = ColorChoice::Auto;
    let mut it = args.iter().map(|a| a.to_string_lossy());
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        let value = match a.strip_prefix("--color") {
            Some("") => it.next().map(|v| v.into_owned()),
            Some(v) => v.strip_prefix('=').map(str::to_string),
            None => None,
        };
        choice = match value.as_deref() {
            Some("always") => ColorChoice::Always,
            Some("never") => ColorChoice::Never,
            Some(_) => ColorChoice::Auto,
            None => choice,
        };
    }
    choice
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
        for arg in cli.get_arguments() {
            let id = arg.get_id().as_str();
            if id != "help" && id != "version" && arg.get_help().is_none() {
                missing.push(format!("downtime {id}"));
            }
        }
        assert!(missing.is_empty(), "options without help: {missing:?}");
    }
}
