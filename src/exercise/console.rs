//! Prompts and answers: the [`Room`] the session asks, either a facilitator at a [`Console`]
//! (a terminal, or piped lines where an empty line takes the default or continues) or a
//! [`Script`] that answers from a decisions file with no prompts at all.

use std::collections::BTreeMap;
use std::io::{self, BufRead, Write};

use super::decisions::DecisionsFile;
use crate::scenario::Decision;

/// What the facilitator asks for at the command prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    /// Run to the next inject (`n` or Enter).
    Next,
    /// Advance one hour (`h`).
    Hour,
    /// Advance one day (`d`).
    Day,
    /// Go back to an earlier decision (`b`).
    Back,
    /// Show the state of care again (`s`).
    Show,
    /// End the exercise early (`q`).
    Quit,
}

/// A decision already taken, as listed when going back.
#[derive(Debug, Clone)]
pub struct TakenView {
    pub when: String,
    pub id: String,
    pub option: String,
    pub label: String,
}

/// Who answers the session's questions.
pub trait Room {
    /// Show text to the room (the inject, the state of care).
    fn show(&mut self, text: &str) -> io::Result<()>;
    /// The next command.
    fn command(&mut self) -> io::Result<Cmd>;
    /// The room's answer to a discussion question (empty: none); `earlier` is the answer given
    /// before the room went back, offered again.
    fn answer(&mut self, inject: &str, question: &str, earlier: Option<&str>) -> io::Result<String>;
    /// The option taken at `decision` (an index into its options) and the room's note.
    fn decide(&mut self, decision: &Decision) -> io::Result<(usize, String)>;
    /// Which taken decision to go back to (an index into `taken`), or none.
    fn revisit(&mut self, taken: &[TakenView]) -> io::Result<Option<usize>>;
    /// Whether prompts are answered by a person (not a script).
    fn interactive(&self) -> bool;
    /// Start a new screen (a new inject).
    fn clear(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// Wrap `text` for this room, each line indented by `indent`.
    fn wrap(&self, text: &str, indent: &str) -> String {
        super::session::wrap(text, indent)
    }
    /// Ask whether to go on with `question`; yes unless a person says no.
    fn confirm(&mut self, _question: &str) -> io::Result<bool> {
        Ok(true)
    }
}

/// Longest input line kept, in bytes; the rest of a longer line is skipped.
pub const MAX_LINE: usize = 4096;

/// A facilitator at a terminal or a script of piped lines.
pub struct Console<R, W> {
    input: R,
    out: W,
    /// A terminal: headings in bold; the typed input is echoed by the terminal itself.
    tty: bool,
    /// Columns to wrap text at: the terminal's width, else 96.
    width: usize,
    /// Line editing and history on a terminal (rustyline); none for piped input.
    editor: Option<rustyline::DefaultEditor>,
}

impl<R: BufRead, W: Write> Console<R, W> {
    pub fn new(input: R, out: W, tty: bool) -> Self {
        let width = if tty {
            terminal_size::terminal_size().map_or(96, |(w, _)| usize::from(w.0).saturating_sub(2).clamp(40, 160))
        } else {
            96
        };
        let editor = if tty && std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            rustyline::DefaultEditor::new().ok()
        } else {
            None
        };
        Console { input, out, tty, width, editor }
    }

    /// Print `prompt`, read one line (trimmed). End of input reads as an empty line.
    fn line(&mut self, prompt: &str) -> io::Result<String> {
        if let Some(editor) = &mut self.editor {
            self.out.flush()?;
            return match editor.readline(prompt) {
                Ok(s) => {
                    let text = clean_line(&s);
                    if !text.is_empty() {
                        let _ = editor.add_history_entry(text.as_str());
                    }
                    Ok(text)
                }
                // Ctrl-D reads as the end of input: an empty line.
                Err(rustyline::error::ReadlineError::Eof) => Ok(String::new()),
                Err(rustyline::error::ReadlineError::Interrupted) => {
                    Err(io::Error::new(io::ErrorKind::Interrupted, "stopped with Ctrl-C"))
                }
                Err(e) => Err(io::Error::other(e.to_string())),
            };
        }
        write!(self.out, "{prompt}")?;
        self.out.flush()?;
        let mut buf = Vec::new();
        let n = io::Read::take(&mut self.input, MAX_LINE as u64).read_until(b'\n', &mut buf)?;
        if n == MAX_LINE && buf.last() != Some(&b'\n') {
            // Skip the rest of an overlong line.
            let mut rest = Vec::new();
            loop {
                rest.clear();
                let m = io::Read::take(&mut self.input, MAX_LINE as u64).read_until(b'\n', &mut rest)?;
                if m == 0 || rest.last() == Some(&b'\n') {
                    break;
                }
            }
        }
        let text = clean_line(&String::from_utf8_lossy(&buf));
        if !self.tty {
            // Piped input is not echoed: show it so the log reads like a session.
            writeln!(self.out, "{text}")?;
        }
        Ok(text)
    }

    fn bold(&self, s: &str) -> String {
        if self.tty { format!("\x1b[1m{s}\x1b[0m") } else { s.to_string() }
    }
}

/// A typed line: trimmed, control characters and the rest of an overlong line dropped.
fn clean_line(s: &str) -> String {
    let mut t: String = s.trim().chars().filter(|c| !c.is_control()).collect();
    if t.len() > MAX_LINE {
        let mut cut = MAX_LINE;
        while !t.is_char_boundary(cut) {
            cut -= 1;
        }
        t.truncate(cut);
    }
    t
}

/// Parse a command; `None` when unknown.
pub fn parse_command(s: &str) -> Option<Cmd> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" | "n" | "next" => Some(Cmd::Next),
        "h" | "hour" => Some(Cmd::Hour),
        "d" | "day" => Some(Cmd::Day),
        "b" | "back" => Some(Cmd::Back),
        "s" | "state" | "show" => Some(Cmd::Show),
        "q" | "quit" | "end" => Some(Cmd::Quit),
        _ => None,
    }
}

/// The option `s` names: its number (1-based) or its key; `None` when it names none.
pub fn parse_option(s: &str, d: &Decision) -> Option<usize> {
    let s = s.trim();
    if s.is_empty() {
        return Some(d.default);
    }
    if let Ok(n) = s.parse::<usize>() {
        return (1..=d.options.len()).contains(&n).then(|| n - 1);
    }
    d.options.iter().position(|o| o.key.eq_ignore_ascii_case(s))
}

/// Scenario or room text for the terminal.
fn t(s: &str) -> String {
    crate::text::terminal(s)
}

pub const HELP: &str =
    "commands: Enter or n = next inject, h = one hour, d = one day, b = back to a decision, s = state, q = end";

impl<R: BufRead, W: Write> Room for Console<R, W> {
    fn show(&mut self, text: &str) -> io::Result<()> {
        // Lines starting with "━━" are headings. Scenario text never reaches the terminal raw.
        let text = t(text);
        for line in text.lines() {
            if line.starts_with("━━") {
                writeln!(self.out, "{}", self.bold(line))?;
            } else {
                writeln!(self.out, "{line}")?;
            }
        }
        self.out.flush()
    }

    fn command(&mut self) -> io::Result<Cmd> {
        loop {
            let s = self.line("[Enter/n] next inject  [h] +1 hour  [d] +1 day  [b] back  [s] state  [q] end > ")?;
            match parse_command(&s) {
                Some(c) => return Ok(c),
                None => writeln!(self.out, "  `{}` is not a command; {HELP}", t(&s))?,
            }
        }
    }

    fn answer(&mut self, _inject: &str, question: &str, earlier: Option<&str>) -> io::Result<String> {
        let wrapped = super::session::wrap_at(&format!("Discuss: {}", t(question)), "  ", self.width);
        write!(self.out, "{}", wrapped.replacen("Discuss:", &self.bold("Discuss:"), 1))?;
        match earlier {
            Some(e) => {
                writeln!(self.out, "  earlier answer: {}", t(e))?;
                let s = self.line("  room's answer or note (Enter keeps the earlier answer, - for none) > ")?;
                Ok(match s.as_str() {
                    "" => e.to_string(),
                    "-" => String::new(),
                    _ => s,
                })
            }
            None => self.line("  room's answer or note (Enter to go on) > "),
        }
    }

    fn decide(&mut self, d: &Decision) -> io::Result<(usize, String)> {
        let head = format!("Decision `{}`:", t(&d.id));
        let wrapped = super::session::wrap_at(&format!("{head} {}", t(&d.question)), "  ", self.width);
        write!(self.out, "{}", wrapped.replacen(&head, &self.bold(&head), 1))?;
        for (i, o) in d.options.iter().enumerate() {
            let default = if i == d.default { "  (default)" } else { "" };
            writeln!(self.out, "    {}. {} — {}{default}", i + 1, t(&o.key), t(&o.label))?;
        }
        let choice = loop {
            let s = self.line(&format!(
                "  choice: a number or key (Enter for the default, {}) > ",
                t(d.options.get(d.default).map_or("", |o| o.key.as_str()))
            ))?;
            match parse_option(&s, d) {
                Some(i) => break i,
                None => writeln!(
                    self.out,
                    "  `{}` is not an option; type 1 to {} or an option's key",
                    t(&s),
                    d.options.len()
                )?,
            }
        };
        let note = self.line("  note on the decision (Enter for none) > ")?;
        Ok((choice, note))
    }

    fn revisit(&mut self, taken: &[TakenView]) -> io::Result<Option<usize>> {
        if taken.is_empty() {
            writeln!(self.out, "  No decision has been taken yet.")?;
            return Ok(None);
        }
        writeln!(self.out, "  Decisions taken:")?;
        for (i, x) in taken.iter().enumerate() {
            writeln!(self.out, "    {}. {}  {}: {} — {}", i + 1, t(&x.when), t(&x.id), t(&x.option), t(&x.label))?;
        }
        loop {
            let s = self.line("  go back to which decision (number; Enter to stay here) > ")?;
            if s.is_empty() {
                return Ok(None);
            }
            match s.parse::<usize>() {
                Ok(n) if (1..=taken.len()).contains(&n) => return Ok(Some(n - 1)),
                _ => writeln!(self.out, "  type 1 to {}, or Enter to stay", taken.len())?,
            }
        }
    }

    fn interactive(&self) -> bool {
        true
    }

    fn clear(&mut self) -> io::Result<()> {
        if self.tty {
            // Clear the screen and scrollback view; the cursor to the top left.
            write!(self.out, "\x1b[2J\x1b[H")?;
        }
        Ok(())
    }

    fn wrap(&self, text: &str, indent: &str) -> String {
        super::session::wrap_at(text, indent, self.width)
    }

    fn confirm(&mut self, question: &str) -> io::Result<bool> {
        if !self.tty {
            return Ok(true); // piped input: the script meant it
        }
        let s = self.line(&format!("  {question} [y/N] > "))?;
        Ok(matches!(s.to_ascii_lowercase().as_str(), "y" | "yes"))
    }
}

/// Answers from a decisions file: always on to the next inject, the file's choices (the
/// default where it has none), its answers to discussion questions in order. Shows only inject
/// headings.
pub struct Script<W> {
    choices: BTreeMap<String, (String, String)>,
    answers: Vec<(String, String, String)>,
    out: W,
}

impl<W: Write> Script<W> {
    pub fn new(file: &DecisionsFile, out: W) -> Self {
        Script {
            choices: file.choices.iter().map(|(k, c)| (k.clone(), (c.option.clone(), c.note.clone()))).collect(),
            answers: file.discussion.iter().map(|a| (a.inject.clone(), a.question.clone(), a.note.clone())).collect(),
            out,
        }
    }
}

impl<W: Write> Room for Script<W> {
    fn show(&mut self, text: &str) -> io::Result<()> {
        for line in text.lines().filter(|l| l.starts_with("━━")) {
            writeln!(self.out, "{}", t(line))?;
        }
        Ok(())
    }

    fn command(&mut self) -> io::Result<Cmd> {
        Ok(Cmd::Next)
    }

    fn answer(&mut self, inject: &str, question: &str, _earlier: Option<&str>) -> io::Result<String> {
        let at = self.answers.iter().position(|(i, q, _)| i == inject && q == question);
        Ok(at.map(|i| self.answers.remove(i).2).unwrap_or_default())
    }

    fn decide(&mut self, d: &Decision) -> io::Result<(usize, String)> {
        let (index, note) = match self.choices.get(&d.id) {
            Some((key, note)) => (d.options.iter().position(|o| &o.key == key).unwrap_or(d.default), note.clone()),
            None => (d.default, String::new()),
        };
        writeln!(self.out, "   decision {}: {}", t(&d.id), t(d.options.get(index).map_or("", |o| o.key.as_str())))?;
        Ok((index, note))
    }

    fn revisit(&mut self, _taken: &[TakenView]) -> io::Result<Option<usize>> {
        Ok(None)
    }

    fn interactive(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::DecisionOption;

    fn decision() -> Decision {
        let option = |key: &str| DecisionOption { key: key.into(), label: key.into(), effects: Vec::new() };
        Decision {
            id: "d".into(),
            question: "?".into(),
            options: vec![option("a"), option("b")],
            chosen: 1,
            default: 1,
            question_after: Vec::new(),
        }
    }

    #[test]
    fn options_by_number_key_or_default() {
        let d = decision();
        assert_eq!(parse_option("", &d), Some(1));
        assert_eq!(parse_option("1", &d), Some(0));
        assert_eq!(parse_option(" B ", &d), Some(1));
        assert_eq!(parse_option("3", &d), None);
        assert_eq!(parse_option("0", &d), None);
        assert_eq!(parse_option("c", &d), None);
    }

    #[test]
    fn end_of_input_takes_defaults_and_long_lines_are_cut() {
        let long = format!("{}\nnote\n", "x".repeat(3 * MAX_LINE));
        let mut c = Console::new(long.as_bytes(), Vec::new(), false);
        assert_eq!(c.line("> ").unwrap().len(), MAX_LINE);
        assert_eq!(c.line("> ").unwrap(), "note");
        assert_eq!(c.decide(&decision()).unwrap(), (1, String::new()));
        assert_eq!(c.command().unwrap(), Cmd::Next);
        assert_eq!(parse_command("Q"), Some(Cmd::Quit));
        assert_eq!(parse_command("later"), None);
    }
}
