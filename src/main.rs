//! The `downtime` command: parse the arguments, call the library, map errors to exit codes
//! (0 success, 2 bad input, 1 anything else).

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;

use cli::{Cli, Command};
use downtime::{Error, batch, compare, exercise, reference, report, scenario, sensitivity, shard, sim, sweep, text};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match execute(cli.command) {
        Ok(code) => code,
        Err(e) => {
            let code = e.downcast_ref::<Error>().map_or(1, Error::exit_code);
            if let Some(Error::Scenario(se)) = e.downcast_ref::<Error>() {
                eprint!("{}", text::terminal(&scenario::render_error(se)));
            } else {
                for line in format!("{e}").lines() {
                    eprintln!("error: {}", text::terminal(line));
                }
            }
            ExitCode::from(code as u8)
        }
    }
}

fn execute(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Run { scenario, seed, days, out, force, quiet, csv_delimiter } => {
            let uncertain = downtime::uncertain::load(&scenario).map_err(Error::from)?;
            let mut sc = uncertain.nominal().clone();
            if let Some(d) = days {
                sc.set_days(d);
            }
            let seed = seed.unwrap_or(sc.seed);
            let out = out.unwrap_or_else(|| PathBuf::from("reports").join(&sc.id));
            let _out_dir = report::prepare_output_dir(&out, force)?;
            let (incident, baseline) = sim::run_with_baseline(Arc::new(sc), sim::RunOptions { seed, replication: 0 });
            let summary = report::write_run(&out, &incident, &baseline)?;
            report::write_charts_and_report(&out, &incident, &baseline, &summary)?;
            report::csv::apply(&out, csv_delimiter)?;
            if !quiet {
                print!("{}", text::terminal(&report::summary_table(&summary)));
                println!("wrote {}", text::terminal_line(&out.display().to_string()));
                println!("open {}", text::terminal_line(&out.join("report.html").display().to_string()));
                if let Some(note) = downtime::uncertain::run_note(&uncertain) {
                    println!("{}", text::terminal_line(&note));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { scenarios } => {
            let mut bad = 0;
            for name in &scenarios {
                match scenario::load(name) {
                    Ok(s) => println!(
                        "{}: ok ({} providers, {} days, {} injects)",
                        text::terminal_line(name),
                        s.providers.len(),
                        s.days,
                        s.timeline.len()
                    ),
                    Err(e) => {
                        bad += 1;
                        eprint!("{}", text::terminal(&scenario::render_error(&e)));
                    }
                }
            }
            Ok(if bad == 0 { ExitCode::SUCCESS } else { ExitCode::from(2) })
        }
        Command::Batch { scenario, runs, draws, seed, jobs, days, out, force, shard, csv_delimiter } => {
            let jobs = jobs.map(|j| j as usize);
            let c = batch::BatchCommand { scenario, runs, seed, jobs, days, out, force, shard, csv_delimiter, draws };
            print!("{}", text::terminal(&batch::command(&c)?));
            Ok(ExitCode::SUCCESS)
        }
        Command::Calibrate { scenario, params, particles, generations, runs, seed, jobs, out, force } => {
            let c = downtime::calibrate::CalibrateCommand {
                scenario,
                params,
                particles: particles as usize,
                generations: generations as usize,
                runs,
                seed,
                jobs: jobs.map(|j| j as usize),
                out,
                force,
            };
            print!("{}", text::terminal(&downtime::calibrate::command(&c)?));
            Ok(ExitCode::SUCCESS)
        }
        Command::Compare { scenarios, runs, seed, jobs, days, out, force, csv_delimiter } => {
            let jobs = jobs.map(|j| j as usize);
            print!(
                "{}",
                text::terminal(&compare::command(&scenarios, runs, seed, jobs, days, out, force, csv_delimiter)?)
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Sweep { sweep, runs, draws, jobs, out, force, shard, csv_delimiter } => {
            let jobs = jobs.map(|j| j as usize);
            print!("{}", text::terminal(&sweep::command(&sweep, runs, jobs, out, force, shard, csv_delimiter, draws)?));
            Ok(ExitCode::SUCCESS)
        }
        Command::Exercise {
            scenario,
            decisions,
            seed,
            days,
            out,
            force,
            csv_delimiter,
            resume,
            serve,
            listen,
            teams,
        } => {
            let c = exercise::ExerciseCommand {
                scenario,
                decisions,
                seed,
                days,
                out,
                force,
                resume,
                serve,
                listen,
                teams,
                csv_delimiter,
            };
            print!("{}", text::terminal(&exercise::command(&c)?));
            Ok(ExitCode::SUCCESS)
        }
        Command::Merge { dirs, out, force, csv_delimiter } => {
            let _out_dir = report::prepare_output_dir(&out, force)?;
            print!("{}", text::terminal(&shard::command(&dirs, &out, csv_delimiter)?));
            Ok(ExitCode::SUCCESS)
        }
        Command::Sensitivity {
            scenario,
            out,
            method,
            trajectories,
            samples,
            runs,
            top,
            parameters,
            seed,
            jobs,
            days,
            force,
            shard,
            csv_delimiter,
        } => {
            let c = sensitivity::SensitivityCommand {
                scenario,
                method,
                trajectories,
                samples,
                runs,
                top: top as usize,
                parameters,
                seed,
                jobs: jobs.map(|j| j as usize),
                days,
                out,
                force,
                shard,
                csv_delimiter,
            };
            print!("{}", text::terminal(&sensitivity::command(&c)?));
            Ok(ExitCode::SUCCESS)
        }
        Command::New { template, list, from, output, force } => {
            if let Some(from) = from {
                print!("{}", text::terminal(&scenario::templates::from_builtin(&from, output.as_deref(), force)?));
            } else if list {
                for (name, about, _) in scenario::templates::TEMPLATES {
                    println!("{name:<18} {about}");
                }
            } else {
                let name = template.unwrap_or_default();
                print!("{}", text::terminal(&scenario::templates::command(&name, output.as_deref(), force)?));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Scenarios => {
            let width = scenario::builtin::BUILTINS.iter().map(|(n, _, _)| n.len()).max().unwrap_or(0);
            for (name, about, _) in scenario::builtin::BUILTINS {
                println!("{name:<width$}  {about}");
            }
            println!("\nSweeps (`downtime sweep NAME`):");
            for (name, about, _) in sweep::BUILTINS {
                println!("{name:<width$}  {about}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Reference { field } => {
            print!("{}", text::terminal(&reference::lookup(field.as_deref())?));
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "downtime",
                &mut std::io::stdout(),
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            // A closed pipe (`downtime man | head`) is not an error.
            if let Err(e) =
                clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut std::io::stdout())
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                return Err(e.into());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
