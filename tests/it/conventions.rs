//! Command-line conventions on every command: `-q`, `-v`, `--json` (the summary on stdout and
//! nothing else there), `--color`, and progress lines when standard error is not a terminal.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::bin;

fn base() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/broken/base.ron")
}

fn run(args: &[&str]) -> Output {
    let o = Command::new(bin()).args(args).output().unwrap();
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    o
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn out_dir(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

#[test]
fn quiet_prints_nothing_verbose_says_more() {
    let dir = tempfile::tempdir().unwrap();
    let out = out_dir(dir.path(), "r");
    let normal = run(&["run", base(), "--days", "3", "--out", &out]);
    assert!(text(&normal.stdout).contains("wrote"), "{}", text(&normal.stdout));
    assert!(text(&normal.stderr).is_empty(), "{}", text(&normal.stderr));
    let quiet = run(&["run", base(), "--days", "3", "--out", &out, "-q"]);
    assert!(quiet.stdout.is_empty() && quiet.stderr.is_empty(), "{}", text(&quiet.stdout));
    // -q goes anywhere on the line (a global option), also before the command.
    let quiet = run(&["-q", "validate", base()]);
    assert!(quiet.stdout.is_empty(), "{}", text(&quiet.stdout));
    let verbose = run(&["run", base(), "--days", "3", "--out", &out, "-v"]);
    let err = text(&verbose.stderr);
    assert!(err.contains("scenario tiny: 11 providers, 3 days") && err.contains("done in"), "{err}");
    // -q and -v together are a usage error.
    let both = Command::new(bin()).args(["-q", "-v", "scenarios"]).output().unwrap();
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn json_prints_the_summary_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let out = out_dir(dir.path(), "r");
    let o = run(&["run", base(), "--days", "3", "--out", &out, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON only");
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r/summary.json")).unwrap()).unwrap();
    assert_eq!(v, written, "the summary of the run folder");
    assert_eq!(v["scenario"], "tiny");

    let out = out_dir(dir.path(), "b");
    let o = run(&["batch", base(), "--runs", "3", "--days", "3", "--out", &out, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON only");
    assert_eq!(v["runs"], 3);
    assert!(v["kpis"]["care_delivered_pct"]["p50"].is_number(), "{v}");

    // A replayed exercise prints its cards on stdout, except with --json (or -q).
    let decisions = dir.path().join("d.ron");
    std::fs::write(&decisions, "Decisions(scenario: \"tiny\", choices: {})\n").unwrap();
    let out = out_dir(dir.path(), "e");
    let args = ["exercise", base(), "--decisions", decisions.to_str().unwrap(), "--days", "3", "--out", &out];
    let o = run(&args);
    assert!(!o.stdout.is_empty());
    let o = run(&[&args[..], &["--json"]].concat());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON only");
    assert_eq!(v["scenario"], "tiny");

    for args in [&["scenarios", "--json"][..], &["reference", "Vendor", "--json"], &["new", "--list", "--json"]] {
        let o = run(args);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        assert!(v.is_object(), "{args:?}");
    }
    let o = run(&["scenarios", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["scenarios"].as_array().unwrap().iter().any(|s| s["name"] == "chipsoft-2026"));
}

#[test]
fn progress_lines_in_a_log() {
    // stderr is a pipe here, as in a CI job log: progress comes as plain lines, first and last.
    let dir = tempfile::tempdir().unwrap();
    let out = out_dir(dir.path(), "b");
    let o = run(&["batch", base(), "--runs", "4", "--days", "3", "--jobs", "1", "--out", &out]);
    let err = text(&o.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("progress: ")).collect();
    assert_eq!(lines.first(), Some(&"progress: 0/4 runs"), "{err}");
    assert!(lines.last().is_some_and(|l| l.starts_with("progress: 4/4 runs done in")), "{err}");
    assert!(!err.contains('\u{1b}') && !err.contains('\r'), "no bar in a log: {err:?}");
    // Quiet: none.
    let o = run(&["batch", base(), "--runs", "2", "--days", "3", "--out", &out, "-q"]);
    assert!(o.stderr.is_empty() && o.stdout.is_empty(), "{}", text(&o.stderr));
}

#[test]
fn colour_follows_the_flag_for_other_errors_too() {
    let o = Command::new(bin()).args(["--color", "always", "run", "/nonexistent.ron"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("\u{1b}["), "{}", text(&o.stderr));
    let o = Command::new(bin()).args(["run", "/nonexistent.ron"]).output().unwrap();
    let err = text(&o.stderr);
    assert!(err.starts_with("error: /nonexistent.ron:"), "{err}");
    assert!(!err.contains('\u{1b}'), "{err}");
}
