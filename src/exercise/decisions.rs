//! The decisions file (`decisions.ron`): the room's choices by decision id with their notes, and
//! the answers to discussion questions. An exercise writes it; `downtime exercise SCENARIO
//! --decisions FILE` reads it back and replays the session without prompts. Reading checks
//! every choice against the scenario and reports each problem at its `FILE:LINE:COLUMN`.
//!
//! ```ron
//! Decisions(
//!     scenario: "chipsoft-2026",
//!     seed: 2026,            // optional: the command line's --seed, else the scenario's
//!     days: 60,              // optional: the command line's --days, else the scenario's
//!     choices: {
//!         "surge": Choice(option: "call", note: "Agency contract allows 48 h"),
//!     },
//!     discussion: [
//!         Answer(inject: "Portals disconnected for every customer", question: "Who tells patients?", note: "Each provider"),
//!     ],
//! )
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Problem, ScenarioError};
use crate::scenario::Scenario;

/// Largest decisions file accepted, in bytes.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// The top level of a decisions file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename = "Decisions", deny_unknown_fields)]
pub struct DecisionsFile {
    /// The scenario's id (used when the command line names no scenario).
    pub scenario: String,
    /// Master seed of the session. Default: the command line's `--seed`, else the scenario's.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Horizon in days. Default: the command line's `--days`, else the scenario's.
    #[serde(default)]
    pub days: Option<u32>,
    /// The option taken at each decision point, by decision id. Decisions not listed take
    /// their default.
    #[serde(default, deserialize_with = "crate::scenario::unique::map")]
    pub choices: BTreeMap<String, Choice>,
    /// The room's answers to discussion questions, in the order they were given.
    #[serde(default)]
    pub discussion: Vec<Answer>,
}

/// `Choice(option: "call", note: "...")`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename = "Choice", deny_unknown_fields)]
pub struct Choice {
    /// The option's key.
    pub option: String,
    /// The room's note on the decision. Default: empty.
    #[serde(default)]
    pub note: String,
}

/// `Answer(inject: "...", question: "...", note: "...")`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename = "Answer", deny_unknown_fields)]
pub struct Answer {
    /// The inject's title.
    pub inject: String,
    pub question: String,
    #[serde(default)]
    pub note: String,
}

/// Read and parse a decisions file; syntax errors come back with their position.
pub fn read(path: &Path) -> Result<(DecisionsFile, String), ScenarioError> {
    let name = path.display().to_string();
    let file = crate::input::open_regular(path)
        .map_err(|e| ScenarioError::single(&name, 0, 0, format!("cannot read the decisions file: {e}")))?;
    let mut text = String::new();
    file.take(MAX_FILE_BYTES + 1).read_to_string(&mut text).map_err(|e| {
        ScenarioError::single(&name, 0, 0, format!("cannot read the decisions file as UTF-8 text: {e}"))
    })?;
    crate::input::strip_bom(&mut text);
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(ScenarioError::single(
            &name,
            1,
            1,
            format!("the decisions file is larger than {} KiB; it should hold a few choices", MAX_FILE_BYTES >> 10),
        ));
    }
    let parsed = parse(&text, &name)?;
    Ok((parsed, text))
}

/// Parse decisions-file text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<DecisionsFile, ScenarioError> {
    crate::scenario::syntax::parse_strict(
        text,
        file,
        "; a decisions file looks like `Decisions(scenario: \"chipsoft-2026\", choices: {\"surge\": Choice(option: \"call\")})`",
    )
}

/// Take every choice of `d` in `scenario`. Unknown decisions and options are reported at the
/// position of their text in `text`, all of them at once.
pub fn apply(d: &DecisionsFile, scenario: &mut Scenario, text: &str, file: &str) -> Result<(), ScenarioError> {
    let mut problems = Vec::new();
    if let Some(days) = d.days
        && !(1..=crate::scenario::validate::MAX_DAYS).contains(&days)
    {
        let (line, column) = position(text, "days");
        problems.push(Problem::new(
            line,
            column,
            format!("the horizon is {days} days; use 1 to {}", crate::scenario::validate::MAX_DAYS),
        ));
    }
    if d.scenario != scenario.id {
        let (line, column) = position(text, &quoted(&d.scenario));
        problems.push(Problem::new(
            line,
            column,
            format!(
                "these decisions were taken in scenario `{}`, not `{}`; name that scenario or fix the id",
                d.scenario, scenario.id
            ),
        ));
    }
    for (id, choice) in &d.choices {
        if let Err(message) = scenario.choose(id, &choice.option) {
            let known = scenario.decisions().any(|x| &x.id == id);
            let (line, column) =
                if known { position_after(text, id, &choice.option) } else { position(text, &quoted(id)) };
            let hint = if known {
                String::new()
            } else {
                let ids: Vec<&str> = scenario.decisions().map(|x| x.id.as_str()).collect();
                format!(
                    "; decisions in `{}`: {}",
                    scenario.id,
                    if ids.is_empty() { "none".into() } else { ids.join(", ") }
                )
            };
            problems.push(Problem::new(line, column, format!("{message}{hint}")));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        problems.sort_by_key(|p| (p.line, p.column));
        Err(ScenarioError { file: file.to_string(), problems })
    }
}

/// Every choice must be of a decision that happens within the horizon of `horizon` days;
/// a choice of a later decision would be silently left out, so it is an error at its position.
pub fn check_horizon(
    d: &DecisionsFile,
    scenario: &Scenario,
    horizon: u32,
    text: &str,
    file: &str,
) -> Result<(), ScenarioError> {
    let mut problems = Vec::new();
    for id in d.choices.keys() {
        let day = scenario.timeline.iter().find_map(|i| match &i.event {
            crate::scenario::Event::Decision(x) if &x.id == id => Some(i.day),
            _ => None,
        });
        if let Some(day) = day
            && day >= horizon
        {
            let (line, column) = position(text, &quoted(id));
            problems.push(Problem::new(
                line,
                column,
                format!(
                    "the decision `{id}` comes on day {day}, after the horizon of {horizon} days, so this choice would never be taken; remove it or give more days"
                ),
            ));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(ScenarioError { file: file.to_string(), problems }) }
}

fn quoted(s: &str) -> String {
    ron::to_string(&s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// 1-based line and column of the first occurrence of `needle` in `text`; (0, 0) if absent.
fn position(text: &str, needle: &str) -> (usize, usize) {
    text.find(needle).map_or((0, 0), |at| line_col(text, at))
}

/// The position of `option` (quoted) after the first occurrence of the quoted `id`.
fn position_after(text: &str, id: &str, option: &str) -> (usize, usize) {
    let Some(start) = text.find(&quoted(id)) else { return (0, 0) };
    match text[start..].find(&quoted(option)) {
        Some(at) => line_col(text, start + at),
        None => line_col(text, start),
    }
}

fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The file's text: readable, commented, replayable with `--decisions`.
pub fn render(d: &DecisionsFile) -> String {
    let q = |s: &str| quoted(s);
    let mut o = String::new();
    let _ = writeln!(o, "// Decisions taken in a `downtime exercise` session. Replay them (no prompts) with");
    let _ = writeln!(o, "//   downtime exercise {} --decisions decisions.ron", d.scenario);
    let _ = writeln!(o, "// Decisions not listed take their default option.");
    let _ = writeln!(o, "Decisions(");
    let _ = writeln!(o, "    scenario: {},", q(&d.scenario));
    if let Some(seed) = d.seed {
        let _ = writeln!(o, "    seed: {seed},");
    }
    if let Some(days) = d.days {
        let _ = writeln!(o, "    days: {days},");
    }
    let _ = writeln!(o, "    choices: {{");
    for (id, c) in &d.choices {
        let _ = writeln!(o, "        {}: Choice(option: {}, note: {}),", q(id), q(&c.option), q(&c.note));
    }
    let _ = writeln!(o, "    }},");
    let _ = writeln!(o, "    discussion: [");
    for a in &d.discussion {
        let _ = writeln!(
            o,
            "        Answer(inject: {}, question: {}, note: {}),",
            q(&a.inject),
            q(&a.question),
            q(&a.note)
        );
    }
    let _ = writeln!(o, "    ],");
    let _ = writeln!(o, ")");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_round_trips() {
        let mut d = DecisionsFile { scenario: "x".into(), seed: Some(7), days: Some(20), ..Default::default() };
        d.choices.insert("surge".into(), Choice { option: "call".into(), note: "a \"quoted\"\nnote".into() });
        d.discussion.push(Answer { inject: "i".into(), question: "q?".into(), note: "n // not a comment".into() });
        let text = render(&d);
        assert_eq!(parse(&text, "f").unwrap(), d);
    }

    #[test]
    fn syntax_errors_are_positioned() {
        let e =
            parse("Decisions(\n  scenario: \"x\",\n  choices: {\"a\": Choice(option: 3)},\n)", "f.ron").unwrap_err();
        assert_eq!(e.problems[0].line, 3);
    }
}
