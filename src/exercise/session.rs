//! The session state and the facilitator's loop: a stepped simulation and its baseline at the
//! same tick, the choices taken so far, the room's answers and the transcript. Time advances
//! to the next inject, by an hour or by a day; at each inject the room hears its text, sees the
//! state of care, discusses its questions and takes its decision (set in the World before the
//! inject fires). Going back to an earlier decision replays from the start with the earlier
//! choices kept (deterministic: same scenario, seed and choices give the same state).

use std::io;
use std::sync::Arc;

use super::console::{Cmd, HELP, Room, TakenView};
use super::decisions::Answer;
use super::state::{self, Snapshot};
use super::transcript::{Transcript, day_hour};
use crate::model::Timeline;
use crate::scenario::{Event, Scenario};
use crate::sim::{self, RunOptions, Simulation};

/// A decision the room has taken.
#[derive(Debug, Clone)]
pub struct Taken {
    pub tick: u32,
    pub id: String,
    /// Index of the option taken.
    pub option: usize,
    pub note: String,
}

/// A running exercise.
pub struct Session {
    /// The scenario as loaded (every decision at its default).
    scenario: Arc<Scenario>,
    baseline: Arc<Scenario>,
    options: RunOptions,
    sim: Simulation,
    base: Simulation,
    /// The tick whose injects have been put to the room.
    presented_at: Option<u32>,
    pub taken: Vec<Taken>,
    /// The room's answers to discussion questions, with their tick.
    pub answers: Vec<(u32, Answer)>,
    pub transcript: Transcript,
    /// Whether the facilitator ended before the horizon.
    pub ended_early: bool,
}

impl Session {
    pub fn new(scenario: Arc<Scenario>, options: RunOptions) -> Self {
        let baseline = Arc::new(sim::baseline_of(&scenario));
        Session {
            sim: Simulation::new(scenario.clone(), options),
            base: Simulation::new(baseline.clone(), options),
            scenario,
            baseline,
            options,
            presented_at: None,
            taken: Vec::new(),
            answers: Vec::new(),
            transcript: Transcript::default(),
            ended_early: false,
        }
    }

    /// The scenario with the room's choices taken (the run the outputs describe).
    pub fn chosen_scenario(&self) -> Scenario {
        with_choices(&self.scenario, &self.taken)
    }

    fn when(&self, tick: u32) -> String {
        let (day, hour) = day_hour(tick, self.scenario.tick_hours);
        let date = self.scenario.start.plus_days(i64::from(day));
        const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        format!("day {day} · {} {date} {hour:02}:00", WEEKDAYS[date.weekday() as usize % 7])
    }

    /// Tick of the next inject not yet put to the room, if any.
    fn next_inject(&self) -> Option<u32> {
        let now = self.sim.now();
        let tl = self.sim.world().resource::<Timeline>();
        tl.injects[tl.next..].iter().map(|(t, _)| *t).find(|&t| t > now || (t == now && self.presented_at != Some(now)))
    }

    fn step_to(&mut self, tick: u32) {
        let stop = self.next_inject().map_or(tick, |t| t.min(tick)).min(self.sim.horizon());
        self.sim.step_to(stop);
        self.base.step_to(stop);
    }

    fn state(&mut self) -> String {
        let now = Snapshot::of(&mut self.sim);
        let base = Snapshot::of(&mut self.base);
        state::render(&now, &base)
    }

    /// Run the session with `room` until the horizon or until the facilitator ends it.
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
        room.show(&intro)?;
        let ticks_per_day = 24 / s.tick_hours;
        loop {
            if self.sim.now() >= self.sim.horizon() {
                break;
            }
            if self.next_inject() == Some(self.sim.now()) {
                self.present(room)?;
            }
            match room.command()? {
                Cmd::Next => {
                    let target = self.next_inject().unwrap_or(self.sim.horizon());
                    self.step_to(target);
                }
                Cmd::Hour => {
                    let t = self.sim.now() + 1;
                    self.step_to(t);
                    self.show_time(room)?;
                }
                Cmd::Day => {
                    let t = self.sim.now() + ticks_per_day;
                    self.step_to(t);
                    self.show_time(room)?;
                }
                Cmd::Show => self.show_time(room)?,
                Cmd::Back => self.back(room)?,
                Cmd::Quit => {
                    self.ended_early = true;
                    let now = self.sim.now();
                    self.transcript.push(
                        now,
                        "The facilitator ended the exercise",
                        "",
                        "",
                        "decisions not reached take their default",
                    );
                    room.show(&format!(
                        "━━ Ended at {} ━━\n  Decisions not reached take their default; the report covers the whole horizon.\n",
                        self.when(now)
                    ))?;
                    return Ok(());
                }
            }
        }
        let end = format!("━━ End of the horizon: {} ━━\n{}", self.when(self.sim.now()), self.state());
        room.show(&end)
    }

    fn show_time(&mut self, room: &mut dyn Room) -> io::Result<()> {
        if self.next_inject() == Some(self.sim.now()) {
            return Ok(()); // the inject's presentation shows the state
        }
        let text = format!("━━ {} ━━\n{}", self.when(self.sim.now()), self.state());
        room.show(&text)
    }

    /// Put the injects due now to the room: text, state, questions, decisions.
    fn present(&mut self, room: &mut dyn Room) -> io::Result<()> {
        let now = self.sim.now();
        self.presented_at = Some(now);
        let due: Vec<(usize, crate::scenario::Inject)> = {
            let tl = self.sim.world().resource::<Timeline>();
            (tl.next..tl.injects.len())
                .filter(|&i| tl.injects[i].0 == now)
                .map(|i| (i, tl.injects[i].1.clone()))
                .collect()
        };
        let mut text = String::new();
        for (_, inj) in &due {
            text.push_str(&format!("━━ {} ━━ {}\n", self.when(now), inj.event.key()));
            text.push_str(&format!("  {}\n", inj.title));
            if !inj.text.is_empty() {
                text.push_str(&wrap(&inj.text, "    "));
            }
        }
        text.push_str(&self.state());
        room.show(&text)?;
        for (index, inj) in due {
            if inj.questions.is_empty() && !matches!(inj.event, Event::Decision(_)) {
                self.transcript.push(now, &inj.title, "", "", "");
            }
            for q in &inj.questions {
                let answer = room.answer(&inj.title, q)?;
                self.transcript.push(now, &inj.title, q, "", &answer);
                if !answer.is_empty() {
                    self.answers
                        .push((now, Answer { inject: inj.title.clone(), question: q.clone(), note: answer.clone() }));
                }
            }
            if let Event::Decision(d) = &inj.event {
                let (option, note) = room.decide(d)?;
                let option = option.min(d.options.len().saturating_sub(1));
                let o = &d.options[option];
                let mut choice = format!("{} — {}", o.key, o.label);
                if option == d.default {
                    choice.push_str(" (default)");
                }
                self.transcript.push(now, &inj.title, &d.question, &choice, &note);
                if let Event::Decision(live) =
                    &mut self.sim.world_mut().resource_mut::<Timeline>().injects[index].1.event
                {
                    live.chosen = option;
                }
                self.taken.push(Taken { tick: now, id: d.id.clone(), option, note });
            }
        }
        Ok(())
    }

    /// Go back to an earlier decision: replay from the start with the choices before it.
    fn back(&mut self, room: &mut dyn Room) -> io::Result<()> {
        let views: Vec<TakenView> = self
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
            .collect();
        let Some(k) = room.revisit(&views)? else { return Ok(()) };
        let target = self.taken[k].tick;
        let id = self.taken[k].id.clone();
        self.taken.truncate(k);
        self.answers.retain(|(t, _)| *t < target);
        self.sim = Simulation::new(Arc::new(with_choices(&self.scenario, &self.taken)), self.options);
        self.base = Simulation::new(self.baseline.clone(), self.options);
        self.sim.step_to(target);
        self.base.step_to(target);
        self.presented_at = None;
        self.transcript.push(
            target,
            &format!("The room went back to the decision {id}"),
            "",
            "",
            "replayed from the start; later choices discarded",
        );
        room.show(&format!("━━ Back to {} (replayed from the start) ━━\n", self.when(target)))
    }
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

/// Word-wrap `text` at about 96 columns, each line indented by `indent`.
pub fn wrap(text: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + word.chars().count() + indent.len() >= 96 {
            out.push_str(indent);
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(indent);
        out.push_str(&line);
        out.push('\n');
    }
    out
}
