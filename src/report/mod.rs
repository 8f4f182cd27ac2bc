//! What a run leaves behind: `summary.json`, `timeseries.csv`, `events.csv` in its folder, and
//! the summary table on the terminal. Every file is written atomically.

pub mod aar;
mod atomic;
pub mod csv;
pub mod direction;
pub mod format;
pub mod html;
pub mod markdown;
mod output_dir;
pub mod policy;
pub mod render;
mod run_folder;
pub mod run_report;
pub mod stats;

pub use aar::write_charts_and_report;
pub use atomic::write_atomic;
pub use output_dir::{OWN_FILES, OutputDir, last_prepared, prepare_output_dir, sha256_hex};
pub use run_folder::{RunSummary, summary_table, write_run};

/// The summary a command wrote into output folder `dir`, as one line of JSON for `--json`: its
/// `summary.json`, or for a shard `{"partial": PATH}` (the partial result can be large).
pub fn summary_json(dir: Option<&std::path::Path>) -> Result<String, crate::Error> {
    let Some(dir) = dir else { return Ok("{}".to_string()) };
    // `calibrate` writes its summary as calibration.json.
    let summary = ["summary.json", "calibration.json"]
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
        .unwrap_or_else(|| dir.join("summary.json"));
    let partial = dir.join("partial.json");
    if partial.is_file() && !summary.is_file() {
        return Ok(serde_json::json!({ "partial": partial.display().to_string() }).to_string());
    }
    let read = |source| crate::Error::Write { path: summary.display().to_string(), source };
    let text = std::fs::read_to_string(&summary).map_err(read)?;
    // One line: a log or `jq` reads it as one record.
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| read(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
    Ok(value.to_string())
}
