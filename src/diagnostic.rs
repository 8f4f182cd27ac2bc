//! Problems in input files shown as a compiler shows them, by the `annotate-snippets` crate (the
//! renderer rustc and cargo use): the first line `error: FILE:LINE:COLUMN: message` (tools and
//! tests read it), then the source lines with the place underlined and labelled, and any other
//! places the problem involves (such as the first definition of an id given twice). Colour only
//! when asked for (see [`ColorChoice`]); the text of the file is neutralised first
//! ([`crate::text::terminal`]), so a scenario cannot send escape sequences to the terminal.

use std::io::IsTerminal;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::error::{MAX_RENDERED_PROBLEMS, Problem, Severity};
use crate::text;

/// When to colour output: `auto` colours on a terminal unless `NO_COLOR` is set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour a stream that is (`is_terminal`) or is not a terminal. `NO_COLOR` set to
    /// anything but the empty string turns `auto` off; an explicit `--color always` still wins,
    /// as <https://no-color.org> asks of command-line flags.
    pub fn enabled(self, is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    /// Whether to colour standard error.
    pub fn stderr(self) -> bool {
        self.enabled(std::io::stderr().is_terminal())
    }
}

/// `error: ` before a message, in the compiler's red when `color`.
pub fn error_prefix(color: bool) -> String {
    if color {
        let style = anstyle::AnsiColor::BrightRed.on_default().effects(anstyle::Effects::BOLD);
        format!("{style}error{style:#}: ")
    } else {
        "error: ".to_string()
    }
}

/// Problems as JSON for `--json`: severity, line, column, message and the other places.
pub fn problems_json(problems: &[Problem]) -> serde_json::Value {
    let list: Vec<serde_json::Value> = problems
        .iter()
        .map(|p| {
            let labels: Vec<serde_json::Value> = p
                .labels
                .iter()
                .map(|l| serde_json::json!({ "line": l.line, "column": l.column, "message": l.message }))
                .collect();
            serde_json::json!({
                "severity": p.severity.word(), "line": p.line, "column": p.column,
                "message": p.message, "labels": labels,
            })
        })
        .collect();
    serde_json::Value::Array(list)
}

/// Lines of source around a place shown with it; places further apart get their own excerpt.
const NEAR_LINES: usize = 30;
/// Lines longer than this are cut to a window around the marked place (in characters).
const MAX_LINE_CHARS: usize = 400;
/// Characters of a long line kept on each side of the marked place.
const WINDOW_CHARS: usize = 120;

/// `problems` of `file` as a compiler shows them; `source` is the file's text when known.
pub fn render(file: &str, problems: &[Problem], source: Option<&str>, color: bool) -> String {
    let renderer = if color { Renderer::styled() } else { Renderer::plain() };
    let lines = source.map(Lines::new);
    let file = text::terminal_line(file);
    let mut out = String::new();
    for p in problems.iter().take(MAX_RENDERED_PROBLEMS) {
        let level = match p.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let title = format!("{file}:{}:{}: {}", p.line.max(1), p.column.max(1), text::terminal_line(&p.message));
        let mut group = Group::with_title(level.primary_title(title));
        if let Some(lines) = &lines {
            group = group.elements(excerpts(lines, p, &file));
        }
        // A blank line between problems, as compilers print them.
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&renderer.render(&[group]));
        out.push('\n');
    }
    if problems.len() > MAX_RENDERED_PROBLEMS {
        let more = format!("{file}: {} more problems not shown", problems.len() - MAX_RENDERED_PROBLEMS);
        out.push_str(&renderer.render(&[Group::with_title(Level::ERROR.primary_title(more))]));
        out.push('\n');
    }
    out
}

/// One place to mark: 1-based line and column, its label, whether it is the problem's own.
struct Mark<'a> {
    line: usize,
    column: usize,
    label: &'a str,
    primary: bool,
}

/// The source excerpts of one problem: nearby places share an excerpt.
fn excerpts<'a>(lines: &Lines<'_>, p: &'a Problem, file: &str) -> Vec<Snippet<'a, annotate_snippets::Annotation<'a>>> {
    let mut marks = vec![Mark { line: p.line, column: p.column, label: "", primary: true }];
    marks.extend(p.labels.iter().map(|l| Mark { line: l.line, column: l.column, label: &l.message, primary: false }));
    marks.retain(|m| m.line >= 1 && m.line <= lines.count());
    marks.sort_by_key(|m| (m.line, m.column));
    let mut out = Vec::new();
    let mut i = 0;
    while i < marks.len() {
        let mut j = i + 1;
        while j < marks.len() && marks[j].line <= marks[j - 1].line + NEAR_LINES {
            j += 1;
        }
        let snippet = excerpt(lines, &marks[i..j]);
        // A second excerpt says where it is, as `::: FILE`.
        out.push(if out.is_empty() { snippet } else { snippet.path(file.to_string()) });
        i = j;
    }
    out
}

/// One excerpt: lines `marks[0].line ..= marks[last].line` with every mark annotated.
fn excerpt<'a>(lines: &Lines<'_>, marks: &[Mark<'a>]) -> Snippet<'a, annotate_snippets::Annotation<'a>> {
    let first = marks[0].line;
    let last = marks[marks.len() - 1].line;
    let mut source = String::new();
    let mut annotations = Vec::new();
    for n in first..=last {
        let line: Vec<char> = text::terminal(lines.get(n)).chars().collect();
        // A long line is cut to a window around its first mark (marks outside it are left out).
        let at = marks.iter().find(|m| m.line == n).map_or(0, |m| m.column.saturating_sub(1));
        let (start, end) = if line.len() > MAX_LINE_CHARS {
            let start = at.saturating_sub(WINDOW_CHARS).min(line.len());
            (start, (at + WINDOW_CHARS).min(line.len()))
        } else {
            (0, line.len())
        };
        let prefix = if start > 0 { "..." } else { "" };
        let suffix = if end < line.len() { "..." } else { "" };
        source.push_str(prefix);
        let body_start = source.len();
        let body: String = line[start..end].iter().collect();
        source.push_str(&body);
        source.push_str(suffix);
        source.push('\n');
        for m in marks.iter().filter(|m| m.line == n) {
            let col = m.column.max(1) - 1;
            if col < start || col > end {
                continue;
            }
            let rel = col - start;
            let from = body_start + body.chars().take(rel).map(char::len_utf8).sum::<usize>();
            let len: usize = line[col..end].iter().take(token_chars(&line[col..end])).map(|c| c.len_utf8()).sum();
            let kind = if m.primary { AnnotationKind::Primary } else { AnnotationKind::Context };
            annotations.push(kind.span(from..from + len).label(if m.label.is_empty() { None } else { Some(m.label) }));
        }
    }
    Snippet::source(source).line_start(first).fold(true).annotations(annotations)
}

/// How many characters of `rest` (the line from a marked place on) the mark underlines: a
/// quoted text, a word or number, or one character.
fn token_chars(rest: &[char]) -> usize {
    match rest.first() {
        None => 0,
        Some('"') => {
            let mut i = 1;
            while i < rest.len() {
                match rest[i] {
                    '\\' => i += 2,
                    '"' => return i + 1,
                    _ => i += 1,
                }
            }
            rest.len()
        }
        Some(c) if c.is_alphanumeric() || matches!(c, '_' | '-' | '+' | '.' | '%') => {
            rest.iter().take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '+' | '.' | '%' | '#')).count()
        }
        Some(_) => 1,
    }
}

/// The lines of a source text, found once (a file may have many problems).
struct Lines<'s> {
    text: &'s str,
    starts: Vec<usize>,
}

impl<'s> Lines<'s> {
    fn new(text: &'s str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        if starts.last() == Some(&text.len()) && !text.is_empty() {
            starts.pop();
        }
        Self { text, starts }
    }

    fn count(&self) -> usize {
        self.starts.len()
    }

    /// Line `n` (1-based) without its line break.
    fn get(&self, n: usize) -> &'s str {
        let start = self.starts[n - 1];
        let end = self.starts.get(n).map_or(self.text.len(), |&e| e - 1);
        self.text[start..end].trim_end_matches('\r')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_line_is_file_line_column_and_places_are_marked() {
        let src = "Scenario(\n  vendors: [\n    Vendor(id: \"a\"),\n    Vendor(id: \"a\"),\n  ],\n)\n";
        let p = Problem::new(4, 16, "the id `a` is used twice").with_label(3, 16, "first given here");
        let out = render("f.ron", &[p], Some(src), false);
        let mut lines = out.lines();
        assert_eq!(lines.next(), Some("error: f.ron:4:16: the id `a` is used twice"));
        assert!(out.contains("3 |     Vendor(id: \"a\"),"), "{out}");
        assert!(out.contains("--- first given here"), "{out}");
        assert!(out.contains("^^^"), "{out}");
        assert!(!out.contains('\u{1b}'), "no colour unless asked: {out}");
        assert!(render("f.ron", &[Problem::new(4, 16, "x")], Some(src), true).contains('\u{1b}'));
    }

    #[test]
    fn warnings_escapes_and_long_lines() {
        let w = Problem::warning(1, 3, "odd");
        assert!(render("f.ron", &[w], Some("a\u{1b}[2Jb"), false).starts_with("warning: f.ron:1:3: odd"));
        let out = render("f.ron", &[Problem::new(1, 3, "x")], Some("a\u{1b}[2Jb"), true);
        assert!(!out.contains("\u{1b}[2J"), "{out}");
        let long = format!("{}bad{}", "a ".repeat(5000), " b".repeat(5000));
        let out = render("f.ron", &[Problem::new(1, 10_001, "here")], Some(&long), false);
        assert!(out.lines().all(|l| l.chars().count() < 400), "{out}");
        assert!(out.contains("bad"), "{out}");
        // Positions outside the text show the first line only.
        assert_eq!(render("f.ron", &[Problem::new(9, 1, "x")], Some("a"), false), "error: f.ron:9:1: x\n");
    }
}
