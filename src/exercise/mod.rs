//! Exercise mode for trainers (`downtime exercise`): a facilitator console that steps through
//! a scenario's timeline with a room, asks its discussion questions and decisions, and writes
//! the run folder plus `decisions.ron` and `transcript.md`; with `--decisions` it replays a
//! decisions file with no prompts. This module owns the orchestration; the pieces are
//! [`session`] (state and loop), [`console`] (prompts), [`state`] (the state of care shown),
//! [`transcript`], [`decisions`] (the file) and [`counterfactual`] (what other options would
//! have done, for the report).

pub mod console;
pub mod counterfactual;
pub mod decisions;
pub mod session;
pub mod state;
pub mod transcript;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use crate::error::Error;
use crate::report::aar::{EntryKind, TimelineEntry, sort_timeline};
use crate::report::{self, RunSummary, write_atomic};
use crate::scenario::{self, Scenario};
use crate::sim::{self, RunOptions};

use console::{Console, Room, Script};
use decisions::{Choice, DecisionsFile};
use session::Session;

/// The arguments of `downtime exercise`.
#[derive(Debug, Clone, Default)]
pub struct ExerciseCommand {
    /// A scenario file or built-in name; default: the decisions file's scenario, else
    /// `chipsoft-2026`.
    pub scenario: Option<String>,
    /// Replay this decisions file without prompts.
    pub decisions: Option<PathBuf>,
    pub seed: Option<u64>,
    pub days: Option<u32>,
    /// Output folder; default `reports/<id>-exercise/`.
    pub out: Option<PathBuf>,
    /// Write into an output folder holding files downtime did not write.
    pub force: bool,
    /// Field delimiter of the CSV files: `;`, or `,` for anything else (the default).
    pub csv_delimiter: char,
}

/// What an exercise produced.
pub struct Finished {
    pub out: PathBuf,
    pub summary: RunSummary,
    pub scenario: Scenario,
}

/// Run `downtime exercise`: prompts on stdin/stdout (or none with `--decisions`), then write
/// the outputs. Returns the text to print at the end.
pub fn command(c: &ExerciseCommand) -> Result<String, Error> {
    let stdin = std::io::stdin();
    let tty = stdin.is_terminal();
    let finished = run(c, stdin.lock(), std::io::stdout(), tty)?;
    Ok(format!(
        "{}wrote {}\nopen {}\n",
        report::summary_table(&finished.summary),
        finished.out.display(),
        finished.out.join("report.html").display()
    ))
}

/// Run an exercise reading the room's answers from `input` (ignored with a decisions file)
/// and writing the console to `out`.
pub fn run(c: &ExerciseCommand, input: impl BufRead, mut out: impl Write, tty: bool) -> Result<Finished, Error> {
    let file = match &c.decisions {
        Some(path) => Some(decisions::read(path)?),
        None => None,
    };
    let name = c
        .scenario
        .clone()
        .or_else(|| file.as_ref().map(|(f, _)| f.scenario.clone()))
        .unwrap_or_else(|| "chipsoft-2026".to_string());
    let mut sc = scenario::load(&name)?;
    if let (Some(path), Some((f, text))) = (&c.decisions, &file) {
        // Check every choice against the scenario, with positions, before running anything.
        let mut check = sc.clone();
        decisions::apply(f, &mut check, text, &path.display().to_string())?;
        let horizon = c.days.or(f.days).unwrap_or(sc.days);
        decisions::check_horizon(f, &sc, horizon, text, &path.display().to_string())?;
    }
    if let Some(d) = c.days.or(file.as_ref().and_then(|(f, _)| f.days)) {
        sc.set_days(d);
    }
    let seed = c.seed.or(file.as_ref().and_then(|(f, _)| f.seed)).unwrap_or(sc.seed);
    let options = RunOptions { seed, replication: 0 };
    let out_dir = c.out.clone().unwrap_or_else(|| PathBuf::from("reports").join(format!("{}-exercise", sc.id)));
    // Refuse a foreign folder before the room spends its time.
    let _out_lock = report::prepare_output_dir(&out_dir, c.force)?;

    let mut session = Session::new(Arc::new(sc.clone()), options);
    let io = |e: std::io::Error| Error::Write { path: "the console".into(), source: e };
    match &file {
        Some((f, _)) => {
            let mut room = Script::new(f, &mut out);
            session.run(&mut room).map_err(io)?;
        }
        None => {
            let mut room = Console::new(input, &mut out, tty);
            session.run(&mut room as &mut dyn Room).map_err(io)?;
        }
    }
    let replayed = file.is_some();
    let chosen = session.chosen_scenario();
    let summary = write_outputs(&out_dir, &session, chosen, options, replayed)?;
    report::csv::apply(&out_dir, c.csv_delimiter)?;
    Ok(Finished { out: out_dir, summary, scenario: sc })
}

fn write_outputs(
    dir: &std::path::Path,
    session: &Session,
    chosen: Scenario,
    options: RunOptions,
    replayed: bool,
) -> Result<RunSummary, Error> {
    let chosen = Arc::new(chosen);
    let (incident, baseline) = sim::run_with_baseline(chosen.clone(), options);
    let summary = report::write_run(dir, &incident, &baseline)?;
    let cf = counterfactual::compute(&chosen, options, &baseline, &summary.kpis);

    // decisions.ron
    let mut file = DecisionsFile {
        scenario: chosen.id.clone(),
        seed: Some(options.seed),
        days: Some(chosen.days),
        ..Default::default()
    };
    for t in &session.taken {
        if let Some(d) = chosen.decisions().find(|d| d.id == t.id) {
            file.choices.insert(t.id.clone(), Choice { option: d.options[t.option].key.clone(), note: t.note.clone() });
        }
    }
    file.discussion = session.answers.iter().map(|(_, a)| a.clone()).collect();
    write_atomic(&dir.join("decisions.ron"), decisions::render(&file).as_bytes())?;
    write_atomic(&dir.join("transcript.md"), session.transcript.render(&chosen, options.seed, replayed).as_bytes())?;

    // The report, with the room's decisions in its timeline and the counterfactuals.
    let entries: Vec<TimelineEntry> = session
        .taken
        .iter()
        .filter_map(|t| {
            let d = chosen.decisions().find(|d| d.id == t.id)?;
            let o = &d.options[t.option];
            let (day, hour) = transcript::day_hour(t.tick, chosen.tick_hours);
            let mut text = format!("The room chose: {}", o.label);
            if t.option == d.default {
                text.push_str(" (the default)");
            }
            if !t.note.is_empty() {
                text.push_str(&format!(". Note: {}", t.note));
            }
            Some(TimelineEntry {
                day,
                hour,
                kind: EntryKind::Decision,
                event: "room's decision".into(),
                target: format!("{}: {}", t.id, o.key),
                text,
            })
        })
        .collect();
    report::aar::write_charts_and_report_with(dir, &incident, &baseline, &summary, |r| {
        // The model logs each decision taken ("decided"); the room's choice and note replace
        // that line, so each decision reads once.
        for entry in entries {
            let same = r.timeline.iter_mut().find(|e| {
                e.event == "decided" && e.target == entry.target && (e.day, e.hour) == (entry.day, entry.hour)
            });
            match same {
                Some(e) => *e = entry,
                None => r.timeline.push(entry),
            }
        }
        sort_timeline(&mut r.timeline);
        r.counterfactuals = cf;
        r.generated_by = "downtime exercise";
    })?;
    Ok(summary)
}
