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
    /// Writing output failed: exit code 1.
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: std::io::Error },
}

impl Error {
    /// The process exit code this error maps to.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Scenario(_) | Error::Usage(_) => 2,
            Error::Write { .. } => 1,
        }
    }
}
