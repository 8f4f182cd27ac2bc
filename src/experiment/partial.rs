//! Partial results: what a shard writes (`partial.json`) and the bounded reader merge uses.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{BatchMeta, Layout, Record, Shard, SweepMeta, VariantMeta};
use crate::error::Error;
use crate::report::write_atomic;

/// Name of a partial result file inside a shard's output folder.
pub const PARTIAL_FILE: &str = "partial.json";
/// Format tag of partial files.
pub const FORMAT: &str = "downtime-partial/1";
/// Largest partial file merge reads.
pub const MAX_PARTIAL_BYTES: u64 = 4 << 30;

/// The records of one sweep variant in a partial file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantRecords {
    pub variant: VariantMeta,
    pub records: Vec<Record>,
}

/// What a shard leaves behind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "lowercase")]
pub enum Partial {
    Batch { format: String, shard: Shard, meta: BatchMeta, layout: Layout, records: Vec<Record> },
    Sweep { format: String, shard: Shard, meta: SweepMeta, layout: Layout, variants: Vec<VariantRecords> },
}

impl Partial {
    /// The shard that wrote it.
    pub fn shard(&self) -> Shard {
        match self {
            Partial::Batch { shard, .. } | Partial::Sweep { shard, .. } => *shard,
        }
    }
}

/// Write `partial.json` into `dir`.
pub fn write_partial(dir: &Path, partial: &Partial) -> Result<PathBuf, Error> {
    let path = dir.join(PARTIAL_FILE);
    let json = serde_json::to_string(partial).expect("partial serialises");
    write_atomic(&path, format!("{json}\n").as_bytes())?;
    Ok(path)
}

/// Read a partial result of any experiment: `path` is a shard's folder or its `partial.json`.
/// The file is parsed as it is read (never held whole as text) and never past
/// [`MAX_PARTIAL_BYTES`]; a problem is a positioned error naming the file. `what` names the
/// commands that write this kind of partial result, for the messages.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<(String, T), Error> {
    use std::io::Read;
    let file = if path.is_dir() { path.join(PARTIAL_FILE) } else { path.to_path_buf() };
    let name = file.display().to_string();
    let bad = |line: usize, column: usize, msg: String| {
        Error::Scenario(crate::ScenarioError::single(&name, line, column, msg))
    };
    let f = crate::input::open_regular(&file)
        .map_err(|e| bad(0, 0, format!("cannot read the partial result: {e}; give the folder a --shard run wrote")))?;
    let size = f.metadata().map(|m| m.len()).unwrap_or(0);
    if size > MAX_PARTIAL_BYTES {
        return Err(bad(
            1,
            1,
            format!("the file is larger than {} GiB; no partial result is that large", MAX_PARTIAL_BYTES >> 30),
        ));
    }
    let reader = std::io::BufReader::new(f.take(MAX_PARTIAL_BYTES));
    let value: T = serde_json::from_reader(reader)
        .map_err(|e| bad(e.line(), e.column(), format!("not a partial result of `downtime {what} --shard`: {e}")))?;
    Ok((name, value))
}
