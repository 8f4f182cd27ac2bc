//! The session's transcript (`transcript.md`): every inject put to the room, each discussion
//! question and decision with the room's choice and note, going back to an earlier decision,
//! ending early — in the order they happened, with their simulated time.

use std::fmt::Write as _;

use crate::report::markdown::escape;
use crate::scenario::Scenario;

/// One line of the transcript.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Line {
    /// Simulated tick.
    pub tick: u32,
    /// The inject's title (or what happened, for the facilitator's own actions).
    pub inject: String,
    /// The discussion question or decision question; empty for a plain inject.
    pub question: String,
    /// The option taken, for a decision.
    pub choice: String,
    /// The room's answer or note.
    pub note: String,
}

/// The transcript as it grows.
#[derive(Debug, Clone, Default)]
pub struct Transcript {
    pub lines: Vec<Line>,
}

impl Transcript {
    pub fn push(&mut self, tick: u32, inject: &str, question: &str, choice: &str, note: &str) {
        self.lines.push(Line {
            tick,
            inject: inject.to_string(),
            question: question.to_string(),
            choice: choice.to_string(),
            note: note.to_string(),
        });
    }

    /// `transcript.md`.
    pub fn render(&self, s: &Scenario, seed: u64, replayed: bool) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "# Exercise transcript: {}\n", escape(&s.title));
        let _ = writeln!(
            o,
            "Scenario `{}`, seed {}, {} days from {}. {}\n",
            escape(&s.id),
            seed,
            s.days,
            s.start,
            if replayed {
                "Replayed from a decisions file (no prompts)."
            } else {
                "Choices and notes as the room gave them."
            }
        );
        let _ = writeln!(o, "| time | day | inject | question | choice | note |\n|---|---:|---|---|---|---|");
        for l in &self.lines {
            let (day, hour) = day_hour(l.tick, s.tick_hours);
            let _ = writeln!(
                o,
                "| {} {hour:02}:00 | {day} | {} | {} | {} | {} |",
                s.start.plus_days(i64::from(day)),
                escape(&l.inject),
                escape(&l.question),
                escape(&l.choice),
                escape(&l.note)
            );
        }
        o
    }
}

/// Day and hour of a tick.
pub fn day_hour(tick: u32, tick_hours: u32) -> (u32, u32) {
    let hours = tick * tick_hours;
    (hours / 24, hours % 24)
}
