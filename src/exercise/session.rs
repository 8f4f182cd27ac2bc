//! The session state and the facilitator's loop: a stepped simulation and its baseline at the
//! same tick, the choices taken so far, the room's answers, the teams' votes, the facilitator's
//! observations and the transcript. Time advances to the next inject, by an hour or by a day; at
//! each inject the room hears its text, sees the state of care, discusses its questions and takes
//! its decision (set in the World before the inject fires). Going back to an earlier decision
//! replays from the start with the earlier choices kept (deterministic: same scenario, seed and
//! choices give the same state); the answers and votes given after that point stay in the
//! transcript and in [`Record::earlier`], and are offered again when their inject comes back.
//!
//! Everything the room gives is kept in a [`Record`], which a session saves to its folder after
//! every change ([`super::store`]); a session is rebuilt from its record on resume
//! ([`Session::resume`]). The same operations drive the console ([`Session::run`]) and the
//! browser room ([`super::server`]).

use std::io;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::console::{Cmd, HELP, Room, TakenView};
use super::decisions::Answer;
use super::state::{self, Snapshot};
use super::store::Store;
use super::transcript::{Line, Transcript, day_hour};
use crate::model::{EventLog, Timeline};
use crate::scenario::{Decision, Event, Inject, Scenario};
use crate::sim::{self, RunOptions, Simulation};

/// Longest answer, note or observation kept, in characters.
pub const MAX_TEXT: usize = 2000;
/// Most answers, votes, observations and transcript lines a session keeps (each).
pub const MAX_ITEMS: usize = 5000;
/// How the transcript starts the line of going back.
const BACK: &str = "The room went back to the decision ";
/// The team id the console (and a room without teams) answers as.
pub const ROOM: &str = "room";

/// A decision the room has taken.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Taken {
    pub tick: u32,
    pub id: String,
    /// Index of the option taken.
    pub option: usize,
    pub note: String,
    /// The teams' votes when the decision was closed: (team id, option key).
    #[serde(default)]
    pub votes: Vec<(String, String)>,
}

/// A team's answer to a discussion question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamAnswer {
    pub tick: u32,
    pub team: String,
    pub inject: String,
    pub question: String,
    pub note: String,
}

/// A team's vote at an open decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vote {
    pub tick: u32,
    pub team: String,
    pub decision: String,
    /// The option's key.
    pub option: String,
}

/// A facilitator's observation for the after-action report (an evaluator note).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub tick: u32,
    pub text: String,
}

/// A team taking part: an id used in addresses and a name shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Team {
    pub id: String,
    pub name: String,
}

/// Everything a session holds that the room gave it: with the scenario and seed it rebuilds
/// the session exactly. Saved as `session.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Record {
    /// The scenario as named on the command line (a built-in name or the folder's copy).
    pub scenario: String,
    pub seed: u64,
    pub days: u32,
    pub teams: Vec<Team>,
    /// The next tick to run.
    pub now: u32,
    /// The tick whose injects have been put to the room.
    pub presented_at: Option<u32>,
    pub taken: Vec<Taken>,
    pub answers: Vec<TeamAnswer>,
    /// Votes at decisions not yet closed.
    pub votes: Vec<Vote>,
    /// Answers and votes given after a point the room went back to: history, offered again.
    pub earlier: Vec<TeamAnswer>,
    pub earlier_votes: Vec<Vote>,
    /// Decisions taken and then gone back over.
    pub earlier_taken: Vec<Taken>,
    pub observations: Vec<Observation>,
    pub transcript: Vec<Line>,
    /// Hot-wash notes: what went well, what to improve (after the end).
    #[serde(default)]
    pub hotwash: Vec<Observation>,
    /// Whether the facilitator ended before the horizon.
    pub ended_early: bool,
    /// Whether the session is over (outputs written).
    pub finished: bool,
}

/// Why an operation was refused; the message is for the person who asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// How far to step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Inject,
    Hour,
    Day,
}

/// A running exercise.
pub struct Session {
    /// The scenario as loaded (every decision at its default).
    scenario: Arc<Scenario>,
    baseline: Arc<Scenario>,
    options: RunOptions,
    sim: Simulation,
    base: Simulation,
    pub rec: Record,
    pub transcript: Transcript,
    store: Option<Store>,
    /// The output folder's lock, held while the session runs.
    lock: Option<crate::report::OutputDir>,
}

impl Session {
    pub fn new(scenario: Arc<Scenario>, options: RunOptions) -> Self {
        let baseline = Arc::new(sim::baseline_of(&scenario));
        let rec = Record { seed: options.seed, days: scenario.days, ..Default::default() };
        Session {
            sim: Simulation::new(scenario.clone(), options),
            base: Simulation::new(baseline.clone(), options),
            scenario,
            baseline,
            options,
            rec,
            transcript: Transcript::default(),
            store: None,
            lock: None,
        }
    }

    /// Rebuild a session from its record: the choices taken, stepped to where it stopped.
    pub fn resume(scenario: Arc<Scenario>, rec: Record) -> Self {
        let options = RunOptions { seed: rec.seed, replication: 0 };
        let mut s = Session::new(scenario, options);
        s.sim = Simulation::new(Arc::new(with_choices(&s.scenario, &rec.taken)), options);
        s.sim.step_to(rec.now);
        s.base.step_to(rec.now);
        s.transcript.lines = rec.transcript.clone();
        s.rec = rec;
        // Decisions taken at the current tick are set in the World (the inject has not fired).
        for t in s.rec.taken.clone() {
            if t.tick == s.sim.now() {
                s.set_chosen(&t.id, t.option);
            }
        }
        s
    }

    /// Save the record after every change to `store`.
    pub fn autosave(&mut self, store: Store) {
        self.store = Some(store);
    }

    /// Hold the output folder (its lock and manifest) while the session runs.
    pub fn hold(&mut self, lock: crate::report::OutputDir) {
        self.lock = Some(lock);
    }

    /// Write the record to the session's folder (if any). A failed save is reported on stderr
    /// and retried at the next change: the room goes on.
    pub fn save(&mut self) {
        self.rec.now = self.sim.now();
        self.rec.transcript = self.transcript.lines.clone();
        if let Some(store) = &self.store
            && let Err(e) = store.save(&self.rec)
        {
            eprintln!("warning: could not save the session: {e}");
        }
    }

    pub fn scenario(&self) -> &Arc<Scenario> {
        &self.scenario
    }

    pub fn options(&self) -> RunOptions {
        self.options
    }

    /// The scenario with the room's choices taken (the run the outputs describe).
    pub fn chosen_scenario(&self) -> Scenario {
        with_choices(&self.scenario, &self.rec.taken)
    }

    pub fn now(&self) -> u32 {
        self.sim.now()
    }

    pub fn horizon(&self) -> u32 {
        self.sim.horizon()
    }

    /// "day 6 · Tue 2026-04-07 12:00".
    pub fn when(&self, tick: u32) -> String {
        let (day, hour) = day_hour(tick, self.scenario.tick_hours);
        let date = self.scenario.start.plus_days(i64::from(day));
        const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        format!("day {day} · {} {date} {hour:02}:00", WEEKDAYS[date.weekday() as usize % 7])
    }

    /// Tick of the next inject not yet put to the room, if any.
    pub fn next_inject(&self) -> Option<u32> {
        let now = self.sim.now();
        let tl = self.sim.world().resource::<Timeline>();
        tl.injects[tl.next..]
            .iter()
            .map(|(t, _)| *t)
            .find(|&t| t > now || (t == now && self.rec.presented_at != Some(now)))
    }

    fn step_to(&mut self, tick: u32) {
        let stop = self.next_inject().map_or(tick, |t| t.min(tick)).min(self.sim.horizon());
        self.sim.step_to(stop);
        self.base.step_to(stop);
    }

    /// The injects put to the room now (with their index in the timeline), if any.
    pub fn current(&self) -> Vec<(usize, Inject)> {
        let now = self.sim.now();
        if self.rec.presented_at != Some(now) {
            return Vec::new();
        }
        let tl = self.sim.world().resource::<Timeline>();
        (tl.next..tl.injects.len()).filter(|&i| tl.injects[i].0 == now).map(|i| (i, tl.injects[i].1.clone())).collect()
    }

    /// `d`'s question as put to the room, given the choices taken so far.
    pub fn question(&self, d: &Decision) -> String {
        let taken: Vec<(&str, &str)> = self
            .rec
            .taken
            .iter()
            .filter_map(|t| {
                let o = self.scenario.decisions().find(|x| x.id == t.id)?.options.get(t.option)?;
                Some((t.id.as_str(), o.key.as_str()))
            })
            .collect();
        d.question_given(&taken).to_string()
    }

    /// Decisions put to the room now and not yet taken.
    pub fn open_decisions(&self) -> Vec<Decision> {
        let now = self.sim.now();
        self.current()
            .into_iter()
            .filter_map(|(_, inj)| match inj.event {
                Event::Decision(d) => Some(d),
                _ => None,
            })
            .filter(|d| !self.rec.taken.iter().any(|t| t.tick == now && t.id == d.id))
            .collect()
    }

    /// Upcoming notification deadlines and other dated events announced in the model's log,
    /// from now on: (tick, what).
    pub fn deadlines(&self) -> Vec<(u32, String)> {
        let now = self.sim.now();
        let log = self.sim.world().resource::<EventLog>();
        let mut d: Vec<(u32, String)> = log
            .0
            .iter()
            .filter(|r| r.event == "deadline" && r.tick >= now)
            .map(|r| (r.tick, format!("{} ({})", r.text, r.target)))
            .collect();
        d.sort();
        d.dedup();
        d
    }

    /// Snapshots of the incident run and the baseline now.
    pub fn snapshots(&mut self) -> (Snapshot, Snapshot) {
        (Snapshot::of(&mut self.sim), Snapshot::of(&mut self.base))
    }

    /// The simulation (to read per-provider state).
    pub fn sim_mut(&mut self) -> &mut Simulation {
        &mut self.sim
    }

    fn state(&mut self) -> String {
        let (now, base) = self.snapshots();
        state::render(&now, &base)
    }

    /// Mark the injects due now as put to the room; plain injects go to the transcript.
    fn arrive(&mut self) {
        let now = self.sim.now();
        if self.next_inject() != Some(now) {
            return;
        }
        self.rec.presented_at = Some(now);
        for (_, inj) in self.current() {
            if inj.questions.is_empty() && !matches!(inj.event, Event::Decision(_)) {
                self.transcript.push(now, &inj.title, "", "", "");
            }
        }
    }

    /// Advance: to the next inject, by an hour or by a day. Refused while a decision put to
    /// the room is open, or after the end.
    pub fn step(&mut self, by: Step) -> Result<(), Refused> {
        self.check_running()?;
        if let Some(d) = self.open_decisions().first() {
            return Err(Refused(format!("close the decision `{}` first", d.id)));
        }
        if self.sim.now() >= self.sim.horizon() {
            return Err(Refused("the horizon is reached; end the exercise to write the report".into()));
        }
        let ticks_per_day = 24 / self.scenario.tick_hours;
        let target = match by {
            Step::Inject => self.next_inject().unwrap_or(self.sim.horizon()),
            Step::Hour => self.sim.now() + 1,
            Step::Day => self.sim.now() + ticks_per_day,
        };
        self.step_to(target);
        self.arrive();
        self.save();
        Ok(())
    }

    fn check_running(&self) -> Result<(), Refused> {
        if self.rec.finished { Err(Refused("the exercise has ended".into())) } else { Ok(()) }
    }

    fn check_team(&self, team: &str) -> Result<(), Refused> {
        if team == ROOM || self.rec.teams.iter().any(|t| t.id == team) {
            Ok(())
        } else {
            Err(Refused(format!("no team `{team}`")))
        }
    }

    /// A team's name (the id for the console's room).
    pub fn team_name(&self, team: &str) -> String {
        self.rec.teams.iter().find(|t| t.id == team).map_or_else(|| team.to_string(), |t| t.name.clone())
    }

    /// Record `team`'s answer to question `question` of the inject at timeline index `inject`
    /// put to the room now. A second answer from the same team replaces its first.
    pub fn answer(&mut self, team: &str, inject: usize, question: usize, text: &str) -> Result<(), Refused> {
        self.check_running()?;
        self.check_team(team)?;
        let text = clean(text)?;
        let now = self.sim.now();
        let Some((_, inj)) = self.current().into_iter().find(|(i, _)| *i == inject) else {
            return Err(Refused("that inject is not before the room now".into()));
        };
        let Some(q) = inj.questions.get(question) else { return Err(Refused("no such question".into())) };
        if self.rec.answers.len() >= MAX_ITEMS {
            return Err(Refused("the session holds as many answers as it can".into()));
        }
        let name = self.team_name(team);
        let shown = if team == ROOM { text.clone() } else { format!("{name}: {text}") };
        self.transcript.push(now, &inj.title, q, "", &shown);
        self.rec.answers.retain(|a| !(a.tick == now && a.team == team && a.inject == inj.title && &a.question == q));
        if !text.is_empty() {
            self.rec.answers.push(TeamAnswer {
                tick: now,
                team: team.to_string(),
                inject: inj.title.clone(),
                question: q.clone(),
                note: text,
            });
        }
        self.save();
        Ok(())
    }

    /// The answer `team` gave before the room went back, to offer again.
    pub fn earlier_answer(&self, team: &str, inject: &str, question: &str) -> Option<&str> {
        self.rec
            .earlier
            .iter()
            .rev()
            .find(|a| a.team == team && a.inject == inject && a.question == question)
            .map(|a| a.note.as_str())
    }

    /// `team`'s answer now, if any.
    pub fn answer_of(&self, team: &str, inject: &str, question: &str) -> Option<&str> {
        let now = self.sim.now();
        self.rec
            .answers
            .iter()
            .find(|a| a.tick == now && a.team == team && a.inject == inject && a.question == question)
            .map(|a| a.note.as_str())
    }

    /// Record `team`'s vote for option `key` at the open decision `decision` (replacing its
    /// earlier vote there).
    pub fn vote(&mut self, team: &str, decision: &str, key: &str) -> Result<(), Refused> {
        self.check_running()?;
        self.check_team(team)?;
        let Some(d) = self.open_decisions().into_iter().find(|d| d.id == decision) else {
            return Err(Refused(format!("the decision `{decision}` is not open")));
        };
        if !d.options.iter().any(|o| o.key == key) {
            return Err(Refused(format!("`{key}` is not an option of `{decision}`")));
        }
        let now = self.sim.now();
        self.rec.votes.retain(|v| !(v.team == team && v.decision == decision));
        self.rec.votes.push(Vote { tick: now, team: team.into(), decision: decision.into(), option: key.into() });
        self.save();
        Ok(())
    }

    /// The votes at `decision` now: (team, option key).
    pub fn votes_at(&self, decision: &str) -> Vec<(String, String)> {
        self.rec.votes.iter().filter(|v| v.decision == decision).map(|v| (v.team.clone(), v.option.clone())).collect()
    }

    /// The option most teams voted for (the earliest option on a tie), if any votes.
    pub fn majority(&self, d: &Decision) -> Option<usize> {
        let votes = self.votes_at(&d.id);
        let count = |k: &str| votes.iter().filter(|(_, o)| o == k).count();
        let best = d.options.iter().map(|o| count(&o.key)).max().unwrap_or(0);
        (best > 0).then(|| d.options.iter().position(|o| count(&o.key) == best)).flatten()
    }

    /// Close the open decision `id` with option `option` (an index) and a note.
    pub fn decide(&mut self, id: &str, option: usize, note: &str) -> Result<(), Refused> {
        self.check_running()?;
        let note = clean(note)?;
        let Some(d) = self.open_decisions().into_iter().find(|d| d.id == id) else {
            return Err(Refused(format!("the decision `{id}` is not open")));
        };
        let Some(o) = d.options.get(option) else { return Err(Refused("no such option".into())) };
        let now = self.sim.now();
        let title = self.current().into_iter().find(|(_, i)| matches!(&i.event, Event::Decision(x) if x.id == id));
        let title = title.map(|(_, i)| i.title).unwrap_or_default();
        let mut choice = format!("{} — {}", o.key, o.label);
        if option == d.default {
            choice.push_str(" (default)");
        }
        let votes = self.votes_at(id);
        let mut shown = note.clone();
        if !votes.is_empty() {
            let list: Vec<String> = votes.iter().map(|(t, o)| format!("{} voted {o}", self.team_name(t))).collect();
            if !shown.is_empty() {
                shown.push_str(". ");
            }
            shown.push_str(&list.join(", "));
        }
        let question = self.question(&d);
        self.transcript.push(now, &title, &question, &choice, &shown);
        self.set_chosen(id, option);
        self.rec.votes.retain(|v| v.decision != id);
        self.rec.taken.push(Taken { tick: now, id: id.to_string(), option, note, votes });
        self.save();
        Ok(())
    }

    fn set_chosen(&mut self, id: &str, option: usize) {
        let mut timeline = self.sim.world_mut().resource_mut::<Timeline>();
        let next = timeline.next;
        for (_, inj) in &mut timeline.injects[next..] {
            if let Event::Decision(live) = &mut inj.event
                && live.id == id
            {
                live.chosen = option;
            }
        }
    }

    /// Add a facilitator's observation.
    pub fn observe(&mut self, text: &str) -> Result<(), Refused> {
        let text = clean(text)?;
        if text.is_empty() {
            return Err(Refused("the observation is empty".into()));
        }
        if self.rec.observations.len() >= MAX_ITEMS {
            return Err(Refused("the session holds as many observations as it can".into()));
        }
        let now = self.sim.now();
        self.transcript.push(now, "Facilitator's observation", "", "", &text);
        self.rec.observations.push(Observation { tick: now, text });
        self.save();
        Ok(())
    }

    /// Add a hot-wash note (what went well, what to improve).
    pub fn hotwash(&mut self, text: &str) -> Result<(), Refused> {
        let text = clean(text)?;
        if text.is_empty() {
            return Err(Refused("the note is empty".into()));
        }
        if self.rec.hotwash.len() >= MAX_ITEMS {
            return Err(Refused("the session holds as many notes as it can".into()));
        }
        let now = self.sim.now();
        self.rec.hotwash.push(Observation { tick: now, text });
        self.save();
        Ok(())
    }

    /// The decisions taken so far, as listed when going back.
    pub fn taken_views(&self) -> Vec<TakenView> {
        self.rec
            .taken
            .iter()
            .map(|t| {
                let d = self.scenario.decisions().find(|d| d.id == t.id);
                let o = d.and_then(|d| d.options.get(t.option));
                TakenView {
                    when: self.when(t.tick),
                    id: t.id.clone(),
                    option: o.map_or(String::new(), |o| o.key.clone()),
                    label: o.map_or(String::new(), |o| o.label.clone()),
                }
            })
            .collect()
    }

    /// Go back to the `k`-th decision taken: replay from the start with the choices before it.
    /// Later answers and votes become history, offered again.
    pub fn back(&mut self, k: usize) -> Result<(), Refused> {
        self.check_running()?;
        let Some(t) = self.rec.taken.get(k) else { return Err(Refused("no such decision taken".into())) };
        let target = t.tick;
        let id = t.id.clone();
        let later = self.rec.taken.split_off(k);
        self.rec.earlier_taken.extend(later);
        let (keep, later): (Vec<_>, Vec<_>) = self.rec.answers.drain(..).partition(|a| a.tick < target);
        self.rec.answers = keep;
        self.rec.earlier.extend(later);
        self.rec.earlier_votes.append(&mut self.rec.votes);
        truncate_front(&mut self.rec.earlier, MAX_ITEMS);
        truncate_front(&mut self.rec.earlier_votes, MAX_ITEMS);
        truncate_front(&mut self.rec.earlier_taken, MAX_ITEMS);
        self.sim = Simulation::new(Arc::new(with_choices(&self.scenario, &self.rec.taken)), self.options);
        self.base = Simulation::new(self.baseline.clone(), self.options);
        self.sim.step_to(target);
        self.base.step_to(target);
        self.rec.presented_at = None;
        self.transcript.push(
            target,
            &format!("{BACK}{id}"),
            "",
            "",
            "replayed from the start; later choices kept as history",
        );
        self.arrive();
        self.save();
        Ok(())
    }

    /// End the exercise: decisions not reached take their default.
    pub fn end(&mut self) {
        if self.sim.now() < self.sim.horizon() {
            self.rec.ended_early = true;
            let now = self.sim.now();
            self.transcript.push(
                now,
                "The facilitator ended the exercise",
                "",
                "",
                "decisions not reached take their default",
            );
        }
        self.save();
    }

    /// Mark the session finished (its outputs are written).
    pub fn finish(&mut self) {
        self.rec.finished = true;
        self.save();
    }

    /// Run the session with `room` (the console or a script) until the horizon or until the
    /// facilitator ends it.
    pub fn run(&mut self, room: &mut dyn Room) -> io::Result<()> {
        let s = self.scenario.clone();
        let decisions = s.decisions().count();
        let mut intro = format!("━━ Exercise: {} ━━\n", s.title);
        if !s.description.trim().is_empty() {
            intro.push_str(&wrap(s.description.trim(), "  "));
        }
        intro.push_str(&format!(
            "  {} days from {}, {} providers, {} injects, {} decision points; seed {}.\n",
            s.days,
            s.start,
            s.providers.len(),
            s.timeline.len(),
            decisions,
            self.options.seed
        ));
        if room.interactive() {
            intro.push_str(&format!("  {HELP}\n"));
        }
        if self.sim.now() > 0 {
            intro.push_str(&format!("  Resumed at {}.\n", self.when(self.sim.now())));
        }
        room.show(&intro)?;
        let mut shown: Option<u32> = None;
        loop {
            if self.sim.now() >= self.sim.horizon() {
                break;
            }
            self.arrive();
            let now = self.sim.now();
            if self.rec.presented_at == Some(now) && shown != Some(now) {
                shown = Some(now);
                self.present(room)?;
            }
            let by = match room.command()? {
                Cmd::Next => Step::Inject,
                Cmd::Hour => Step::Hour,
                Cmd::Day => Step::Day,
                Cmd::Show => {
                    self.show_time(room)?;
                    continue;
                }
                Cmd::Back => {
                    let views = self.taken_views();
                    if let Some(k) = room.revisit(&views)? {
                        let target = self.rec.taken[k].tick;
                        if self.back(k).is_ok() {
                            shown = None;
                            room.show(&format!("━━ Back to {} (replayed from the start) ━━\n", self.when(target)))?;
                        }
                    }
                    continue;
                }
                Cmd::Quit => {
                    if !room.confirm("End the exercise now? Decisions not reached take their default.")? {
                        continue;
                    }
                    self.end();
                    room.show(&format!(
                        "━━ Ended at {} ━━\n  Decisions not reached take their default; the report covers the whole horizon.\n",
                        self.when(self.sim.now())
                    ))?;
                    return Ok(());
                }
            };
            if self.step(by).is_ok() && by != Step::Inject {
                let now = self.sim.now();
                let inject_next = self.rec.presented_at == Some(now) && shown != Some(now);
                if !inject_next {
                    self.show_time(room)?;
                }
            }
        }
        self.save();
        let end = format!("━━ End of the horizon: {} ━━\n{}", self.when(self.sim.now()), self.state());
        room.show(&end)
    }

    fn show_time(&mut self, room: &mut dyn Room) -> io::Result<()> {
        let text = format!("━━ {} ━━\n{}", self.when(self.sim.now()), self.state());
        room.show(&text)
    }

    /// Put the injects due now to the room: text, state, questions, decisions not yet taken.
    fn present(&mut self, room: &mut dyn Room) -> io::Result<()> {
        let now = self.sim.now();
        let due = self.current();
        let open: Vec<String> = self.open_decisions().into_iter().map(|d| d.id).collect();
        // Questions already put to the room at this tick (a resumed session), since it last
        // went back.
        let since = self.transcript.lines.iter().rposition(|l| l.inject.starts_with(BACK)).map_or(0, |i| i + 1);
        let asked = |s: &Self, inj: &Inject, q: &str| {
            s.transcript.lines[since..].iter().any(|l| l.tick == now && l.inject == inj.title && l.question == q)
        };
        room.clear()?;
        let mut text = String::new();
        for (_, inj) in &due {
            text.push_str(&format!("━━ {} ━━ {}\n", self.when(now), inj.event.key()));
            text.push_str(&format!("  {}\n", inj.title));
            if !inj.text.is_empty() {
                text.push_str(&room.wrap(&inj.text, "    "));
            }
        }
        text.push_str(&self.state());
        room.show(&text)?;
        for (index, inj) in due {
            for (qi, q) in inj.questions.iter().enumerate() {
                if !asked(self, &inj, q) {
                    let earlier = self.earlier_answer(ROOM, &inj.title, q).map(str::to_string);
                    let answer = room.answer(&inj.title, q, earlier.as_deref())?;
                    let _ = self.answer(ROOM, index, qi, &answer);
                }
            }
            if let Event::Decision(d) = &inj.event
                && open.contains(&d.id)
            {
                let mut asked = d.clone();
                asked.question = self.question(d);
                let (option, note) = room.decide(&asked)?;
                let option = option.min(d.options.len().saturating_sub(1));
                let _ = self.decide(&d.id, option, &note);
            }
        }
        Ok(())
    }
}

/// Keep the last `max` items.
fn truncate_front<T>(v: &mut Vec<T>, max: usize) {
    if v.len() > max {
        v.drain(..v.len() - max);
    }
}

/// Text from a person: control characters removed, trimmed, at most [`MAX_TEXT`] characters.
pub fn clean(text: &str) -> Result<String, Refused> {
    if text.chars().count() > MAX_TEXT {
        return Err(Refused(format!("the text is longer than {MAX_TEXT} characters")));
    }
    Ok(text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().trim().to_string())
}

/// The answers of a record as the decisions file lists them.
pub fn discussion(rec: &Record, team_name: impl Fn(&str) -> String) -> Vec<Answer> {
    rec.answers
        .iter()
        .map(|a| Answer {
            inject: a.inject.clone(),
            question: a.question.clone(),
            note: if a.team == ROOM { a.note.clone() } else { format!("{}: {}", team_name(&a.team), a.note) },
        })
        .collect()
}

/// `scenario` with the taken options chosen.
pub fn with_choices(scenario: &Scenario, taken: &[Taken]) -> Scenario {
    let mut s = scenario.clone();
    for t in taken {
        for inj in &mut s.timeline {
            if let Event::Decision(d) = &mut inj.event
                && d.id == t.id
                && t.option < d.options.len()
            {
                d.chosen = t.option;
            }
        }
    }
    s
}

/// Word-wrap `text` at `width` columns, each line indented by `indent`.
pub fn wrap_at(text: &str, indent: &str, width: usize) -> String {
    let options = textwrap::Options::new(width.max(indent.len() + 20)).initial_indent(indent).subsequent_indent(indent);
    let mut out = String::new();
    for line in textwrap::wrap(text.split_whitespace().collect::<Vec<_>>().join(" ").as_str(), options) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Word-wrap `text` at 96 columns, each line indented by `indent`.
pub fn wrap(text: &str, indent: &str) -> String {
    wrap_at(text, indent, 96)
}
