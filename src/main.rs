//! The `downtime` command: parse the arguments, call the library, map errors to exit codes
//! (0 success, 2 bad input, 1 anything else).

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;

use cli::{Cli, Command};
use downtime::{Error, batch, compare, exercise, report, scenario, shard, sim, sweep};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match execute(cli.command) {
        Ok(code) => code,
        Err(e) => {
            let code = e.downcast_ref::<Error>().map_or(1, Error::exit_code);
            if let Some(Error::Scenario(se)) = e.downcast_ref::<Error>() {
                eprint!("{}", scenario::render_error(se));
            } else {
                for line in format!("{e}").lines() {
                    eprintln!("error: {line}");
                }
            }
            ExitCode::from(code as u8)
        }
    }
}

fn execute(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Run { scenario, seed, days, out, force, quiet } => {
            let mut sc = scenario::load(&scenario).map_err(Error::from)?;
            if let Some(d) = days {
                sc.set_days(d);
            }
            let seed = seed.unwrap_or(sc.seed);
            let out = out.unwrap_or_else(|| PathBuf::from("reports").join(&sc.id));
            report::prepare_output_dir(&out, force)?;
            let (incident, baseline) = sim::run_with_baseline(Arc::new(sc), sim::RunOptions { seed, replication: 0 });
            let summary = report::write_run(&out, &incident, &baseline)?;
            report::write_charts_and_report(&out, &incident, &baseline, &summary)?;
            if !quiet {
                print!("{}", report::summary_table(&summary));
                println!("wrote {}", out.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { scenarios } => {
            let mut bad = 0;
            for name in &scenarios {
                match scenario::load(name) {
                    Ok(s) => println!(
                        "{name}: ok ({} providers, {} days, {} injects)",
                        s.providers.len(),
                        s.days,
                        s.timeline.len()
                    ),
                    Err(e) => {
                        bad += 1;
                        eprint!("{}", scenario::render_error(&e));
                    }
                }
            }
            Ok(if bad == 0 { ExitCode::SUCCESS } else { ExitCode::from(2) })
        }
        Command::Batch { scenario, runs, seed, jobs, days, out, force, shard } => {
            let jobs = jobs.map(|j| j as usize);
            let c = batch::BatchCommand { scenario, runs, seed, jobs, days, out, force, shard };
            print!("{}", batch::command(&c)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Compare { scenarios, runs, seed, jobs, days, out, force } => {
            print!("{}", compare::command(&scenarios, runs, seed, jobs.map(|j| j as usize), days, out, force)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Sweep { sweep, runs, jobs, out, force, shard } => {
            print!("{}", sweep::command(&sweep, runs, jobs.map(|j| j as usize), out, force, shard)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Exercise { scenario, decisions, seed, days, out, force, resume, serve, listen, teams } => {
            let c =
                exercise::ExerciseCommand { scenario, decisions, seed, days, out, force, resume, serve, listen, teams };
            print!("{}", exercise::command(&c)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Merge { dirs, out, force } => {
            report::prepare_output_dir(&out, force)?;
            print!("{}", shard::command(&dirs, &out)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::New { template, list, output, force } => {
            if list {
                for (name, about, _) in scenario::templates::TEMPLATES {
                    println!("{name:<18} {about}");
                }
            } else {
                let name = template.unwrap_or_default();
                print!("{}", scenario::templates::command(&name, output.as_deref(), force)?);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Scenarios => {
            let width = scenario::builtin::BUILTINS.iter().map(|(n, _, _)| n.len()).max().unwrap_or(0);
            for (name, about, _) in scenario::builtin::BUILTINS {
                println!("{name:<width$}  {about}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
