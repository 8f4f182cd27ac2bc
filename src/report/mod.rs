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
pub use output_dir::{OWN_FILES, OutputDir, prepare_output_dir, sha256_hex};
pub use run_folder::{RunSummary, summary_table, write_run};
