//! The `downtime` command: parse the arguments, call the library, map errors to exit codes
//! (0 success, 2 bad input, 1 anything else).

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use cli::{Cli, Command};
use downtime::{Error, batch, compare, exercise, reference, report, scenario, sensitivity, shard, sim, sweep, text};

fn main() -> ExitCode {
    // Before anything else: may start the program again (see the module).
    downtime::huge_pages::restart_with_huge_pages();
    let cli = parse();
    downtime::ui::set_verbosity(cli.quiet, cli.verbose);
    downtime::ui::set_json(cli.json);
    let out = Out { json: cli.json, color: cli.color.stderr() };
    let started = std::time::Instant::now();
    match execute(cli.command, &out) {
        Ok(code) => {
            downtime::ui::note(1, &format!("done in {:.1} s", started.elapsed().as_secs_f64()));
            code
        }
        Err(e) => {
            let code = e.downcast_ref::<Error>().map_or(1, Error::exit_code);
            if let Some(Error::Scenario(se)) = e.downcast_ref::<Error>() {
                eprint!("{}", scenario::render_error_styled(se, out.color));
            } else {
                let prefix = downtime::diagnostic::error_prefix(out.color);
                for line in format!("{e}").lines() {
                    eprintln!("{prefix}{}", text::terminal(line));
                }
            }
            ExitCode::from(code as u8)
        }
    }
}

/// The arguments, with clap's own messages coloured as `--color` and NO_COLOR say.
fn parse() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let choice = cli::color_from_args(&args);
    let color = match choice {
        downtime::diagnostic::ColorChoice::Always => clap::ColorChoice::Always,
        c if !c.stderr() => clap::ColorChoice::Never,
        _ => clap::ColorChoice::Auto,
    };
    let matches = Cli::command().color(color).get_matches_from(args);
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// Where results go: `--json` puts the summary as JSON on stdout and nothing else there.
struct Out {
    json: bool,
    color: bool,
}

impl Out {
    /// A command's human summary: stdout, or (with --json) stderr with -v only; never with -q.
    fn say(&self, text: &str) {
        if downtime::ui::quiet() {
            return;
        }
        if self.json {
            downtime::ui::note(1, text.trim_end());
        } else {
            print!("{}", text::terminal(text));
        }
    }

    /// A document that is the command's product (a template, the reference, a man page):
    /// stdout as it is, or (with --json) as `{"text": ...}`.
    fn product(&self, text: &str) {
        if self.json {
            println!("{}", serde_json::json!({ "text": text }));
        } else {
            print!("{}", text::terminal(text));
        }
    }

    /// With --json, the summary the command wrote into its output folder (or, for a shard,
    /// where its partial result is).
    fn summary(&self) -> anyhow::Result<()> {
        if self.json {
            println!("{}", downtime::report::summary_json(downtime::report::last_prepared().as_deref())?);
        }
        Ok(())
    }
}

/// Before a run or batch of a valid scenario (`text`, as read, named `spec` on the command
/// line): one line on standard error when the checks of `validate` that need no run warn
/// (staff utilisation out of bounds, opening hours no tick starts in), so that a scenario
/// whose results would be silently empty or overloaded does not go unnoticed. `validate` shows
/// each warning at its position, and may find more (its checks that run a baseline).
fn point_at_warnings(spec: &str, text: &str, scenario: &scenario::Scenario) {
    let n = scenario::check::quick(scenario, text).len();
    if n > 0 && !downtime::ui::quiet() {
        eprintln!(
            "note: {n} calibration warning{} from this scenario's figures; `downtime validate {}` shows {} and may find more",
            if n == 1 { "" } else { "s" },
            text::shell_word(&text::terminal_line(spec)),
            if n == 1 { "it" } else { "them" }
        );
    }
}

fn execute(command: Command, out_: &Out) -> anyhow::Result<ExitCode> {
    match command {
        Command::Run { scenario, seed, days, out, force, csv_delimiter } => {
            let uncertain = downtime::uncertain::load(&scenario).map_err(Error::from)?;
            point_at_warnings(&scenario, uncertain.text(), uncertain.nominal());
            let mut sc = uncertain.nominal().clone();
            if let Some(d) = days {
                sc.set_days(d);
            }
            let seed = seed.unwrap_or(sc.seed);
            downtime::ui::note(
                1,
                &format!("scenario {}: {} providers, {} days, seed {seed}", sc.id, sc.providers.len(), sc.days),
            );
            let out = out.unwrap_or_else(|| PathBuf::from("reports").join(&sc.id));
            let _out_dir = report::prepare_output_dir(&out, force)?;
            let (incident, baseline) = sim::run_with_baseline(Arc::new(sc), sim::RunOptions { seed, replication: 0 });
            let summary = report::write_run(&out, &incident, &baseline)?;
            report::write_charts_and_report(&out, &incident, &baseline, &summary)?;
            report::csv::apply(&out, csv_delimiter)?;
            let note = downtime::uncertain::run_note(&uncertain).map_or(String::new(), |n| format!("{n}\n"));
            out_.say(&format!(
                "{}wrote {}\nopen {}\n{note}",
                report::summary_table(&summary),
                text::terminal_line(&out.display().to_string()),
                text::terminal_line(&out.join("report.html").display().to_string())
            ));
            out_.summary()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { scenarios, strict } => {
            let (mut bad, mut warned) = (0, 0);
            let mut results = Vec::new();
            for name in &scenarios {
                let loaded = scenario::source(name)
                    .and_then(|(text, file)| scenario::from_str(&text, &file).map(|s| (s, text, file)));
                match loaded {
                    Ok((s, text, file)) => {
                        out_.say(&format!(
                            "{}: ok ({} providers, {} days, {} injects)\n",
                            text::terminal_line(name),
                            s.providers.len(),
                            s.days,
                            s.timeline.len()
                        ));
                        let warnings = scenario::check::check(&s, &text);
                        if !warnings.is_empty() {
                            warned += 1;
                            eprint!("{}", scenario::check::render(&file, &warnings, &text, out_.color));
                            eprintln!(
                                "{}: {} calibration warning{}{}",
                                text::terminal_line(name),
                                warnings.len(),
                                if warnings.len() == 1 { "" } else { "s" },
                                if strict {
                                    " (errors under --strict)"
                                } else {
                                    " (validate --strict makes them errors)"
                                }
                            );
                        }
                        results.push(serde_json::json!({
                            "file": name, "valid": !strict || warnings.is_empty(), "providers": s.providers.len(),
                            "days": s.days, "injects": s.timeline.len(), "problems": [],
                            "warnings": downtime::diagnostic::problems_json(&scenario::check::problems(&warnings)),
                        }));
                    }
                    Err(e) => {
                        bad += 1;
                        eprint!("{}", scenario::render_error_styled(&e, out_.color));
                        results.push(serde_json::json!({
                            "file": name, "valid": false, "problems": downtime::diagnostic::problems_json(&e.problems),
                        }));
                    }
                }
            }
            if out_.json {
                println!("{}", serde_json::json!({ "files": results }));
            }
            Ok(if bad == 0 && !(strict && warned > 0) { ExitCode::SUCCESS } else { ExitCode::from(2) })
        }
        Command::Batch { scenario, runs, draws, seed, jobs, days, out, force, shard, csv_delimiter } => {
            if let Ok(u) = downtime::uncertain::load(&scenario) {
                point_at_warnings(&scenario, u.text(), u.nominal());
            }
            let jobs = jobs.map(|j| j as usize);
            let c = batch::BatchCommand { scenario, runs, seed, jobs, days, out, force, shard, csv_delimiter, draws };
            out_.say(&batch::command(&c)?);
            out_.summary()?;
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
            out_.say(&downtime::calibrate::command(&c)?);
            out_.summary()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Compare { scenarios, runs, draws, seed, jobs, days, out, force, csv_delimiter } => {
            let jobs = jobs.map(|j| j as usize);
            out_.say(&compare::command(&scenarios, runs, draws, seed, jobs, days, out, force, csv_delimiter)?);
            out_.summary()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Sweep { sweep, runs, draws, jobs, out, force, shard, csv_delimiter } => {
            let jobs = jobs.map(|j| j as usize);
            out_.say(&sweep::command(&sweep, runs, jobs, out, force, shard, csv_delimiter, draws)?);
            out_.summary()?;
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
            if out_.json && (c.decisions.is_none() || c.serve) {
                return Err(Error::Usage(
                    "--json needs --decisions: a live exercise talks to the room on standard output".into(),
                )
                .into());
            }
            out_.say(&exercise::command(&c)?);
            out_.summary()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Merge { dirs, out, force, csv_delimiter } => {
            let _out_dir = report::prepare_output_dir(&out, force)?;
            out_.say(&shard::command(&dirs, &out, csv_delimiter)?);
            out_.summary()?;
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
            out_.say(&sensitivity::command(&c)?);
            out_.summary()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::New { template, list, from, output, force } => {
            let wrote = output.as_ref().map(|o| serde_json::json!({ "wrote": o.display().to_string() }));
            let text = if let Some(from) = from {
                scenario::templates::from_builtin(&from, output.as_deref(), force)?
            } else if list {
                if out_.json {
                    let list: Vec<_> = scenario::templates::TEMPLATES
                        .iter()
                        .map(|(name, about, _)| serde_json::json!({ "name": name, "about": about }))
                        .collect();
                    println!("{}", serde_json::json!({ "templates": list }));
                    return Ok(ExitCode::SUCCESS);
                }
                scenario::templates::TEMPLATES.iter().map(|(name, about, _)| format!("{name:<18} {about}\n")).collect()
            } else {
                let name = template.unwrap_or_default();
                scenario::templates::command(&name, output.as_deref(), force)?
            };
            match wrote {
                Some(w) if out_.json => println!("{w}"),
                Some(_) => out_.say(&text),
                None => out_.product(&text),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Scenarios => {
            if out_.json {
                let list = |items: &[(&str, &str, &str)]| -> Vec<serde_json::Value> {
                    items.iter().map(|(name, about, _)| serde_json::json!({ "name": name, "about": about })).collect()
                };
                let json = serde_json::json!({
                    "scenarios": list(scenario::builtin::BUILTINS),
                    "sweeps": list(sweep::BUILTINS),
                });
                println!("{json}");
                return Ok(ExitCode::SUCCESS);
            }
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
            out_.product(&reference::lookup(field.as_deref())?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "downtime", &mut script);
            if out_.json {
                out_.product(&String::from_utf8_lossy(&script));
            } else {
                write_stdout(&script)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { msel, providers, services, into, output, force } => {
            let c = downtime::spreadsheet::ImportCommand { into, msel, providers, services, output, force };
            out_.say(&downtime::spreadsheet::import_command(&c)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { scenario, output, force } => {
            out_.say(&downtime::spreadsheet::export_command(&scenario, &output, force)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            let mut page = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut page)?;
            if out_.json {
                out_.product(&String::from_utf8_lossy(&page));
            } else {
                write_stdout(&page)?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Bytes to stdout as they are; a closed pipe (`downtime man | head`) is not an error.
fn write_stdout(bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    match std::io::stdout().write_all(bytes) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e),
        _ => Ok(()),
    }
}
