//! Error types of the library. Scenario problems carry their file position.

use std::fmt;

/// How serious a problem is: an error makes the file unusable; a warning is shown but does not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    #[default]
    Error,
    Warning,
}

impl Severity {
    /// The word that starts the problem's first line: `error` or `warning`.
    pub fn word(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A further place a problem involves, such as the first definition of an id given twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// One problem found in a scenario, at a position in its file (1-based; 0 when unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub severity: Severity,
    /// Other places shown with the problem (secondary labels).
    pub labels: Vec<Label>,
}

impl Problem {
    /// An error at `line`:`column`.
    pub fn new(line: usize, column: usize, message: impl Into<String>) -> Self {
        Self { line, column, message: message.into(), severity: Severity::Error, labels: Vec::new() }
    }

    /// A warning at `line`:`column`.
    pub fn warning(line: usize, column: usize, message: impl Into<String>) -> Self {
        Self { severity: Severity::Warning, ..Self::new(line, column, message) }
    }

    /// The problem with one more place shown beside it.
    pub fn with_label(mut self, line: usize, column: usize, message: impl Into<String>) -> Self {
        self.labels.push(Label { line, column, message: message.into() });
        self
    }
}

/// Every problem found in one scenario file.
#[derive(Debug, Clone, thiserror::Error)]
pub struct ScenarioError {
    pub file: String,
    pub problems: Vec<Problem>,
}

impl ScenarioError {
    pub fn single(file: &str, line: usize, column: usize, message: String) -> Self {
        Self { file: file.to_string(), problems: vec![Problem::new(line, column, message)] }
    }

    /// Whether any problem is an error (rather than a warning).
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.severity == Severity::Error)
    }
}

/// Most problems [`ScenarioError::render`] shows; the rest are counted.
pub const MAX_RENDERED_PROBLEMS: usize = 200;

impl ScenarioError {
    /// The problems as a compiler would show them, without colour: see [`Self::render_styled`].
    pub fn render(&self, source: Option<&str>) -> String {
        self.render_styled(source, false)
    }

    /// The problems as a compiler would show them (by [`crate::diagnostic`]):
    /// `error: FILE:LINE:COLUMN: message` first, then the source lines with the place marked and
    /// labelled, and any other places the problem involves. `source` is the file's text, when
    /// known; without it (or for a position outside it) only the first line is shown. With
    /// `color`, ANSI colours as on a terminal.
    pub fn render_styled(&self, source: Option<&str>, color: bool) -> String {
        crate::diagnostic::render(&self.file, &self.problems, source, color)
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            if p.severity != Severity::Error {
                write!(f, "{}: ", p.severity.word())?;
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
