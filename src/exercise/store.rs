//! The session folder: a session's [`Record`] saved as `session.json` after every answer, vote,
//! decision, step and note (atomically: a temporary file, flushed, then renamed), so that
//! `downtime exercise --resume DIR` continues exactly where it stopped after Ctrl-C, a crash or
//! a closed laptop lid. The room's codes (`room.json`) and a copy of a scenario given as a file
//! (`scenario.ron`) live beside it; the run folder's outputs are written there at the end.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::session::Record;
use crate::error::{Error, ScenarioError};
use crate::report::write_atomic;

/// The record's file name.
pub const SESSION_FILE: &str = "session.json";
/// The room's codes.
pub const CODES_FILE: &str = "room.json";
/// A copy of a scenario given as a file.
pub const SCENARIO_FILE: &str = "scenario.ron";
/// Largest session file read back, in bytes.
pub const MAX_SESSION_BYTES: u64 = 64 << 20;

/// Version of the session file's layout.
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct File {
    downtime_session: u32,
    #[serde(flatten)]
    record: Record,
}

/// Where a session is saved.
#[derive(Debug, Clone)]
pub struct Store {
    pub dir: PathBuf,
}

impl Store {
    pub fn new(dir: &Path) -> Store {
        Store { dir: dir.to_path_buf() }
    }

    /// Save `rec` atomically.
    pub fn save(&self, rec: &Record) -> Result<(), Error> {
        let file = File { downtime_session: VERSION, record: rec.clone() };
        let text = serde_json::to_string_pretty(&file).map_err(|e| Error::Write {
            path: self.dir.join(SESSION_FILE).display().to_string(),
            source: std::io::Error::other(e),
        })?;
        write_atomic(&self.dir.join(SESSION_FILE), text.as_bytes())
    }

    /// Read the record saved in `dir`.
    pub fn load(dir: &Path) -> Result<Record, Error> {
        let path = dir.join(SESSION_FILE);
        let name = path.display().to_string();
        let text = read_bounded(&path, MAX_SESSION_BYTES).map_err(|e| {
            Error::Scenario(ScenarioError::single(
                &name,
                0,
                0,
                format!("cannot read the session ({e}); --resume takes a folder an exercise wrote"),
            ))
        })?;
        let file: File = serde_json::from_str(&text).map_err(|e| {
            Error::Scenario(ScenarioError::single(
                &name,
                e.line(),
                e.column(),
                format!("not a session file downtime wrote: {e}"),
            ))
        })?;
        if file.downtime_session != VERSION {
            return Err(Error::Scenario(ScenarioError::single(
                &name,
                1,
                1,
                format!(
                    "session file version {} is not {VERSION}; resume it with the downtime that wrote it",
                    file.downtime_session
                ),
            )));
        }
        Ok(file.record)
    }

    /// Save the room's codes, readable by their owner only (they are the room's keys).
    pub fn save_codes<T: Serialize>(&self, codes: &T) -> Result<(), Error> {
        let text = serde_json::to_string_pretty(codes).unwrap_or_default();
        let path = self.dir.join(CODES_FILE);
        write_atomic(&path, text.as_bytes())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| Error::Write { path: path.display().to_string(), source: e })?;
        }
        Ok(())
    }

    /// The room's codes saved before, if any (a resumed session keeps its addresses).
    pub fn load_codes<T: for<'de> Deserialize<'de>>(&self) -> Option<T> {
        let text = read_bounded(&self.dir.join(CODES_FILE), 1 << 20).ok()?;
        serde_json::from_str(&text).ok()
    }
}

/// Read at most `max` bytes of a regular file as UTF-8.
fn read_bounded(path: &Path, max: u64) -> std::io::Result<String> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut text = String::new();
    std::fs::File::open(path)?.take(max + 1).read_to_string(&mut text)?;
    if text.len() as u64 > max {
        return Err(std::io::Error::other(format!("larger than {} MiB", max >> 20)));
    }
    Ok(text)
}
