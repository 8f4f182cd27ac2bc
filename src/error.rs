//! Error types of the library. Scenario problems carry their file position.

use std::fmt;

/// One problem found in a scenario, at a position in its file (1-based; 0 when unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Every problem found in one scenario file.
#[derive(Debug, Clone, thiserror::Error)]
pub struct ScenarioError {
    pub file: String,
    pub problems: Vec<Problem>,
}

impl ScenarioError {
    pub fn single(file: &str, line: usize, column: usize, message: String) -> Self {
        Self { file: file.to_string(), problems: vec![Problem { line, column, message }] }
    }
}

/// Most problems [`ScenarioError::render`] shows; the rest are counted.
pub const MAX_RENDERED_PROBLEMS: usize = 200;

impl ScenarioError {
    /// The problems as a compiler would show them: `error: FILE:LINE:COLUMN: message` first,
    /// then the source line with a caret under the column. `source` is the file's text, when
    /// known; without it (or for a position outside it) only the first line is shown.
    pub fn render(&self, source: Option<&str>) -> String {
        let mut out = String::new();
        let lines: Vec<&str> = source.map(|s| s.lines().collect()).unwrap_or_default();
        for p in self.problems.iter().take(MAX_RENDERED_PROBLEMS) {
            out.push_str(&format!("error: {}:{}:{}: {}\n", self.file, p.line.max(1), p.column.max(1), p.message));
            if p.line == 0 {
                continue;
            }
            let Some(text) = lines.get(p.line - 1) else { continue };
            let (shown, caret) = excerpt(text, p.column.max(1));
            let number = p.line.to_string();
            let pad = " ".repeat(number.len());
            out.push_str(&format!("{pad} |\n{number} | {shown}\n{pad} | {caret}^\n"));
        }
        if self.problems.len() > MAX_RENDERED_PROBLEMS {
            out.push_str(&format!(
                "error: {}: {} more problems not shown\n",
                self.file,
                self.problems.len() - MAX_RENDERED_PROBLEMS
            ));
        }
        out
    }
}

/// A window of at most 120 characters of `line` around 1-based character `column`, and the
/// padding that puts a caret under that column (tabs kept, so the caret lines up).
fn excerpt(line: &str, column: usize) -> (String, String) {
    const WIDTH: usize = 120;
    let chars: Vec<char> = line.chars().map(|c| if c.is_control() && c != '\t' { ' ' } else { c }).collect();
    let at = (column - 1).min(chars.len());
    let start = if chars.len() <= WIDTH || at < WIDTH - 20 { 0 } else { (at - (WIDTH - 40)).min(chars.len() - WIDTH) };
    let end = (start + WIDTH).min(chars.len());
    let mut shown: String = chars[start..end].iter().collect();
    let mut caret: String = chars[start..at].iter().map(|&c| if c == '\t' { '\t' } else { ' ' }).collect();
    if start > 0 {
        shown.insert_str(0, "...");
        caret.insert_str(0, "   ");
    }
    if end < chars.len() {
        shown.push_str("...");
    }
    (shown.trim_end().to_string(), caret)
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}:{}:{}: {}", self.file, p.line.max(1), p.column.max(1), p.message)?;
        }
        Ok(())
    }
}

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The scenario (or another input file) is malformed or inconsistent: exit code 2.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A command-line value is out of range: exit code 2.
    #[error("{0}")]
    Usage(String),
    /// The output folder is in use by another run: exit code 1.
    #[error("{0}")]
    Busy(String),
    /// Writing output failed: exit code 1.
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: std::io::Error },
}

impl Error {
    /// The process exit code this error maps to.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Scenario(_) | Error::Usage(_) => 2,
            Error::Write { .. } | Error::Busy(_) => 1,
        }
    }
}
