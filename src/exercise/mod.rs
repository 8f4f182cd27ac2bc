//! Exercise mode for trainers (`downtime exercise`): a facilitator console that steps through
//! a scenario's timeline with a room, asks its discussion questions and decisions, and writes
//! the run folder plus `decisions.ron` and `transcript.md`; with `--decisions` it replays a
//! decisions file with no prompts. This module owns the orchestration; the pieces are
//! [`session`] (state and loop), [`console`] (prompts), [`state`] (the state of care shown),
//! [`transcript`], [`decisions`] (the file) and [`counterfactual`] (what other options would
//! have done, for the report).

pub mod cards;
pub mod console;
pub mod counterfactual;
pub mod debrief;
pub mod decisions;
pub mod server;
pub mod session;
pub mod state;
pub mod store;
pub mod teams;
pub mod transcript;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use crate::error::Error;
use crate::report::aar::{EntryKind, TimelineEntry, sort_timeline};
use crate::report::{self, RunSummary, write_atomic};
use crate::scenario::{self, Scenario};
use crate::sim::{self, RunOptions};
use store::Store;

use console::{Console, Room, Script};
use decisions::{Choice, DecisionsFile};
pub use session::Session;

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
    /// Continue the session saved in this folder.
    pub resume: Option<PathBuf>,
    /// Run the room in the browser instead of the console.
    pub serve: bool,
    /// Address to serve on (with `serve`); codes are then required on every page.
    pub listen: Option<String>,
    /// The teams taking part (names); default: the scenario's teams.
    pub teams: Vec<String>,
    /// Field delimiter of the CSV files: `;`, or `,` for anything else (the default).
    pub csv_delimiter: char,
}

/// What an exercise produced.
pub struct Finished {
    pub out: PathBuf,
    pub summary: RunSummary,
    pub scenario: Scenario,
}

/// Run `downtime exercise`: prompts on stdin/stdout (or none with `--decisions`), or the room
/// in the browser with `--serve`; then write the outputs. Returns the text to print at the end.
pub fn command(c: &ExerciseCommand) -> Result<String, Error> {
    if c.serve {
        if c.decisions.is_some() {
            return Err(Error::Usage("--serve runs a room; --decisions replays one without it: pick one".into()));
        }
        let (session, out) = open(c)?;
        let listen = server::ServeOptions::parse(c.listen.as_deref())?;
        return server::serve(session, out, listen);
    }
    let stdin = std::io::stdin();
    let tty = stdin.is_terminal();
    // A replay shows its cards on stdout unless -q or --json keep stdout for other things.
    let finished = if c.decisions.is_some() && !crate::ui::stdout_for_text() {
        run(c, stdin.lock(), std::io::sink(), tty)?
    } else {
        run(c, stdin.lock(), std::io::stdout(), tty)?
    };
    Ok(format!(
        "{}wrote {}\nopen {}\n",
        report::summary_table(&finished.summary),
        finished.out.display(),
        finished.out.join("report.html").display()
    ))
}

/// Open a session for the room: a new one in the output folder, or the one saved in
/// `--resume DIR`. It saves itself to that folder after every change.
pub fn open(c: &ExerciseCommand) -> Result<(Session, PathBuf), Error> {
    if let Some(dir) = &c.resume {
        if c.decisions.is_some() || c.scenario.is_some() || c.seed.is_some() || c.days.is_some() || c.out.is_some() {
            return Err(Error::Usage(
                "--resume continues a saved session with its own scenario, seed, days and folder; give no other".into(),
            ));
        }
        let rec = Store::load(dir)?;
        if rec.finished {
            return Err(Error::Usage(format!(
                "the session in `{}` has ended; its report is {}",
                dir.display(),
                dir.join("report.html").display()
            )));
        }
        let name = if rec.scenario == store::SCENARIO_FILE {
            dir.join(store::SCENARIO_FILE).display().to_string()
        } else {
            rec.scenario.clone()
        };
        let mut sc = scenario::load(&name)?;
        sc.set_days(rec.days);
        let mut session = Session::resume(Arc::new(sc), rec);
        session.autosave(Store::new(dir));
        return Ok((session, dir.clone()));
    }
    let name = c.scenario.clone().unwrap_or_else(|| "chipsoft-2026".to_string());
    let mut sc = scenario::load(&name)?;
    if let Some(d) = c.days {
        sc.set_days(d);
    }
    let seed = c.seed.unwrap_or(sc.seed);
    let out_dir = c.out.clone().unwrap_or_else(|| PathBuf::from("reports").join(format!("{}-exercise", sc.id)));
    // Refuse a foreign folder before the room spends its time; the session holds the folder's
    // lock until it ends.
    let lock = report::prepare_output_dir(&out_dir, c.force)?;
    if !c.force
        && let Ok(rec) = Store::load(&out_dir)
        && !rec.finished
    {
        return Err(Error::Usage(format!(
            "`{0}` holds a session that has not ended; continue it with `downtime exercise --resume {0}`, or pass --force to start over there",
            out_dir.display()
        )));
    }
    let store = Store::new(&out_dir);
    let mut session = Session::new(Arc::new(sc.clone()), RunOptions { seed, replication: 0 });
    session.rec.scenario = if scenario::builtin::get(&name).is_some() {
        name.clone()
    } else {
        // Keep the scenario as it was: resuming must not pick up later edits.
        let text = std::fs::read(&name).map_err(|e| Error::Write { path: name.clone(), source: e })?;
        write_atomic(&out_dir.join(store::SCENARIO_FILE), &text)?;
        store::SCENARIO_FILE.to_string()
    };
    session.rec.teams = teams::of(&sc, &c.teams)?;
    session.hold(lock);
    session.autosave(store);
    session.save();
    Ok((session, out_dir))
}

/// Run an exercise reading the room's answers from `input` (ignored with a decisions file)
/// and writing the console to `out`.
pub fn run(c: &ExerciseCommand, input: impl BufRead, mut out: impl Write, tty: bool) -> Result<Finished, Error> {
    let io = |e: std::io::Error| Error::Write { path: "the console".into(), source: e };
    let Some(path) = &c.decisions else {
        let (mut session, out_dir) = open(c)?;
        let mut room = Console::new(input, &mut out, tty);
        match session.run(&mut room as &mut dyn Room) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {
                return Err(Error::Usage(format!(
                    "stopped; the session is saved: continue it with `downtime exercise --resume {}`",
                    out_dir.display()
                )));
            }
            r => r.map_err(io)?,
        }
        let summary = finish(&mut session, &out_dir, false)?;
        report::csv::apply(&out_dir, c.csv_delimiter)?;
        let scenario = (**session.scenario()).clone();
        return Ok(Finished { out: out_dir, summary, scenario });
    };
    if c.resume.is_some() {
        return Err(Error::Usage("--decisions replays a session from its start; it does not --resume".into()));
    }
    let (f, text) = decisions::read(path)?;
    let name = c.scenario.clone().unwrap_or_else(|| f.scenario.clone());
    let mut sc = scenario::load(&name)?;
    // Check every choice against the scenario, with positions, before running anything.
    let mut check = sc.clone();
    decisions::apply(&f, &mut check, &text, &path.display().to_string())?;
    let horizon = c.days.or(f.days).unwrap_or(sc.days);
    decisions::check_horizon(&f, &sc, horizon, &text, &path.display().to_string())?;
    if let Some(d) = c.days.or(f.days) {
        sc.set_days(d);
    }
    let seed = c.seed.or(f.seed).unwrap_or(sc.seed);
    let options = RunOptions { seed, replication: 0 };
    let out_dir = c.out.clone().unwrap_or_else(|| PathBuf::from("reports").join(format!("{}-exercise", sc.id)));
    let _out_lock = report::prepare_output_dir(&out_dir, c.force)?;
    let mut session = Session::new(Arc::new(sc.clone()), options);
    let mut room = Script::new(&f, &mut out);
    session.run(&mut room).map_err(io)?;
    let summary = write_outputs(&out_dir, &session, session.chosen_scenario(), options, true)?;
    report::csv::apply(&out_dir, c.csv_delimiter)?;
    Ok(Finished { out: out_dir, summary, scenario: sc })
}

/// Write the outputs of a session the room has finished (or ended) into `dir`, and mark it
/// finished.
pub fn finish(session: &mut Session, dir: &std::path::Path, replayed: bool) -> Result<RunSummary, Error> {
    session.end();
    let summary = write_outputs(dir, session, session.chosen_scenario(), session.options(), replayed)?;
    session.finish();
    Ok(summary)
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
    for t in &session.rec.taken {
        if let Some(d) = chosen.decisions().find(|d| d.id == t.id) {
            file.choices.insert(t.id.clone(), Choice { option: d.options[t.option].key.clone(), note: t.note.clone() });
        }
    }
    file.discussion = session::discussion(&session.rec, |t| session.team_name(t));
    write_atomic(&dir.join("decisions.ron"), decisions::render(&file).as_bytes())?;
    write_atomic(&dir.join("cards.html"), cards::render(session).as_bytes())?;
    write_atomic(&dir.join("transcript.md"), session.transcript.render(&chosen, options.seed, replayed).as_bytes())?;

    // The report, with the room's decisions in its timeline and the counterfactuals.
    let entries: Vec<TimelineEntry> = session
        .rec
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
            if !t.votes.is_empty() {
                let votes: Vec<String> =
                    t.votes.iter().map(|(team, o)| format!("{} {o}", session.team_name(team))).collect();
                text.push_str(&format!(". Votes: {}", votes.join(", ")));
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
        (r.extra_md, r.extra_html) = debrief::render(session);
        r.generated_by = "downtime exercise";
    })?;
    Ok(summary)
}
