//! The output folder guard: downtime never silently overwrites a folder holding files it did not
//! write. A folder that is missing, empty, or holds only downtime's own files (a previous run) is
//! fine; anything else is refused unless the user passes `--force`.

use std::path::Path;

use crate::error::Error;

/// Files downtime writes at the top of an output folder (run, batch, sweep, compare, exercise,
/// shard).
pub const OWN_FILES: &[&str] = &[
    "summary.json",
    "timeseries.csv",
    "events.csv",
    "report.md",
    "report.html",
    "decisions.ron",
    "transcript.md",
    "results.csv",
    "results.md",
    "bands.csv",
    "compare.csv",
    "compare.md",
    "partial.json",
    "session.json",
    "room.json",
    "scenario.ron",
    "cards.html",
];

/// Whether `name`, found at the top of an output folder, is something downtime writes there.
fn is_own_top(name: &str, is_dir: bool) -> bool {
    if is_dir {
        // plots/, and the shard folders below a default batch or sweep folder.
        return name == "plots" || name.starts_with("shard-");
    }
    OWN_FILES.contains(&name) || is_temp(name)
}

/// A temporary file left by an interrupted atomic write (`.NAME.tmp-PID`).
fn is_temp(name: &str) -> bool {
    name.starts_with('.') && name.contains(".tmp-")
}

/// Check that `dir` may be written: it is missing, empty, or holds only files downtime writes
/// (`plots/` only charts, `shard-*/` only a shard's files). Otherwise return a usage error
/// (exit code 2) naming a few of the foreign files, unless `force`.
pub fn prepare_output_dir(dir: &Path, force: bool) -> Result<(), Error> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Usage(format!("the output path `{}` is a file, not a folder", dir.display())));
    }
    if force || !dir.is_dir() {
        return Ok(());
    }
    let mut foreign = Vec::new();
    scan(dir, dir, 0, &mut foreign);
    if foreign.is_empty() {
        return Ok(());
    }
    foreign.sort();
    let more = foreign.len().saturating_sub(5);
    let mut list: Vec<String> = foreign.iter().take(5).map(|f| format!("`{f}`")).collect();
    if more > 0 {
        list.push(format!("and {more} more"));
    }
    Err(Error::Usage(format!(
        "the output folder `{}` holds files downtime did not write ({}); choose another folder with --out, or pass --force to write into it anyway",
        dir.display(),
        list.join(", ")
    )))
}

/// Collect the entries of `dir` (relative to `root`) that downtime does not write.
fn scan(root: &Path, dir: &Path, depth: u32, foreign: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        foreign.push(rel(root, dir));
        return;
    };
    for entry in entries.flatten() {
        if foreign.len() > 100 {
            return;
        }
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        // Do not follow symbolic links: a link is never something downtime wrote.
        let kind = entry.file_type().ok();
        let is_dir = kind.is_some_and(|k| k.is_dir());
        let is_file = kind.is_some_and(|k| k.is_file());
        let parent = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let own = match depth {
            0 => (is_dir || is_file) && is_own_top(&name, is_dir),
            // Inside plots/: the charts.
            _ if parent == "plots" => is_file && (name.ends_with(".png") || name.ends_with(".svg") || is_temp(&name)),
            // Inside a shard folder: its partial result.
            _ => is_file && (name == "partial.json" || is_temp(&name)),
        };
        if !own {
            foreign.push(rel(root, &path));
        } else if is_dir && depth == 0 {
            scan(root, &path, depth + 1, foreign);
        }
    }
}

fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_files_pass_and_foreign_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        assert!(prepare_output_dir(&out, false).is_ok(), "a missing folder is fine");
        std::fs::create_dir_all(out.join("plots")).unwrap();
        std::fs::write(out.join("summary.json"), "{}").unwrap();
        std::fs::write(out.join("plots/backlog.png"), "").unwrap();
        assert!(prepare_output_dir(&out, false).is_ok(), "a previous run is fine");
        std::fs::write(out.join("thesis.docx"), "").unwrap();
        let e = prepare_output_dir(&out, false).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("thesis.docx") && e.to_string().contains("--force"), "{e}");
        assert!(prepare_output_dir(&out, true).is_ok());
        std::fs::remove_file(out.join("thesis.docx")).unwrap();
        std::fs::write(out.join("plots/notes.txt"), "").unwrap();
        assert!(prepare_output_dir(&out, false).is_err(), "foreign files inside plots/ count too");
    }
}
