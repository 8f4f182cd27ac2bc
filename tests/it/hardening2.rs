//! Hardening, second pass (issue 11), driven through the binary: the output folder (manifest,
//! links, locks, special files), duplicate ids, non-regular inputs, merge consistency, decision
//! files, escaping, and property tests of every reader (scenario, sweep, decisions, partial).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::bin;

fn downtime(args: &[&str]) -> Output {
    Command::new(bin()).args(args).output().expect("the binary runs")
}

fn code_err(o: &Output) -> (i32, String) {
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A small valid scenario file (the hospital template) in `dir`.
fn hospital(dir: &Path) -> PathBuf {
    let file = dir.join("s.ron");
    std::fs::write(&file, downtime::scenario::templates::get("hospital").unwrap()).unwrap();
    file
}

fn run_into(file: &Path, out: &Path, extra: &[&str]) -> (i32, String) {
    let mut args = vec!["run", s(file), "--days", "2", "-q", "--out", s(out)];
    args.extend_from_slice(extra);
    code_err(&downtime(&args))
}

/// Class 1: a user's file with one of our names (or one of ours edited since) is refused
/// without --force; ours, unchanged, are replaced.
#[test]
fn a_users_file_with_our_name_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let file = hospital(dir.path());
    // A folder holding the user's own decisions.ron and report.md, nothing of ours.
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("report.md"), "my notes").unwrap();
    let (code, err) = run_into(&file, &out, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("report.md") && err.contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(out.join("report.md")).unwrap(), "my notes");
    // A run of ours, then a file of ours edited by the user.
    let out2 = dir.path().join("out2");
    assert_eq!(run_into(&file, &out2, &[]).0, 0);
    assert_eq!(run_into(&file, &out2, &[]).0, 0, "our own unchanged files are replaced");
    std::fs::write(out2.join("summary.json"), "{\"edited\": true}").unwrap();
    let (code, err) = run_into(&file, &out2, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("summary.json"), "{err}");
    // A hand-written decisions.ron in an exercise folder.
    let out3 = dir.path().join("out3");
    std::fs::create_dir(&out3).unwrap();
    std::fs::write(out3.join("decisions.ron"), "(scenario: \"mine\")").unwrap();
    let decisions = dir.path().join("d.ron");
    std::fs::write(&decisions, "(scenario: \"my-hospital\", choices: {})").unwrap();
    let (code, err) =
        code_err(&downtime(&["exercise", s(&file), "--decisions", s(&decisions), "--days", "2", "--out", s(&out3)]));
    assert_eq!(code, 2, "{err}");
    assert_eq!(std::fs::read_to_string(out3.join("decisions.ron")).unwrap(), "(scenario: \"mine\")");
    // The manifest lists every file written, with its hash.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out2.join(".downtime-manifest.json")).unwrap()).unwrap();
    let files = manifest["files"].as_object().unwrap();
    assert!(files.contains_key("report.html") && files.contains_key("plots/backlog.png"), "{files:?}");
    let bytes = std::fs::read(out2.join("report.html")).unwrap();
    assert_eq!(files["report.html"], downtime::report::sha256_hex(&bytes));
}

/// Class 2: links planted in the output folder never redirect a write out of it, temporaries
/// are unpredictable and cleaned, special files are never replaced.
#[cfg(unix)]
#[test]
fn links_in_the_output_folder_are_not_followed() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let file = hospital(dir.path());
    let out = dir.path().join("out");
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    assert_eq!(run_into(&file, &out, &[]).0, 0);
    // plots/ replaced by a link: refused even with --force, nothing written elsewhere.
    std::fs::remove_dir_all(out.join("plots")).unwrap();
    symlink(&elsewhere, out.join("plots")).unwrap();
    let (code, err) = run_into(&file, &out, &["--force"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("plots") && err.contains("link"), "{err}");
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
    std::fs::remove_file(out.join("plots")).unwrap();
    // A link with one of our names, pointing outside: with --force the link is replaced, the
    // target untouched; without --force it is foreign.
    let target = elsewhere.join("victim.txt");
    std::fs::write(&target, "keep me").unwrap();
    std::fs::remove_file(out.join("summary.json")).unwrap();
    symlink(&target, out.join("summary.json")).unwrap();
    assert_eq!(run_into(&file, &out, &[]).0, 2);
    // Links at every predictable temporary name of earlier versions change nothing either.
    for name in ["report.md", "summary.json", "events.csv"] {
        let _ = symlink(&target, out.join(format!(".{name}.tmp-1")));
    }
    assert_eq!(run_into(&file, &out, &["--force"]).0, 0);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    assert!(!std::fs::symlink_metadata(out.join("summary.json")).unwrap().file_type().is_symlink());
    // No temporary of ours is left behind.
    let left: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .chain(std::fs::read_dir(out.join("plots")).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".downtime-") && n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // `new -o` never replaces a device or a folder, even with --force.
    let (code, err) = code_err(&downtime(&["new", "hospital", "-o", "/dev/null", "--force"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("special file"), "{err}");
    let (code, _) = code_err(&downtime(&["new", "hospital", "-o", s(&elsewhere), "--force"]));
    assert_eq!(code, 2);
}

/// Class 7: a second run into a folder in use is refused with a clear message; the first
/// finishes normally.
#[test]
fn a_second_concurrent_run_into_one_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let file = hospital(dir.path());
    // An exercise reading its commands from a pipe holds the folder while it waits for input.
    let mut first = Command::new(bin())
        .args(["exercise", s(&file), "--days", "2", "--out", s(&out)])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let lock = out.join(".downtime-lock");
    let start = std::time::Instant::now();
    while !lock.exists() && start.elapsed().as_secs() < 20 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let (code, err) = run_into(&file, &out, &["--force"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("another downtime run is writing into"), "{err}");
    // End the first: `q` ends the exercise, which then writes its folder.
    {
        use std::io::Write;
        let mut stdin = first.stdin.take().unwrap();
        let _ = writeln!(stdin, "q");
    }
    assert!(first.wait().unwrap().success());
    assert!(out.join("decisions.ron").exists());
    // Now free.
    assert_eq!(run_into(&file, &out, &[]).0, 0);
}

/// Class 8: an output folder under a file, or with a name too long, is bad input (exit 2).
#[test]
fn impossible_output_folders_are_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = hospital(dir.path());
    let under = dir.path().join("s.ron").join("out");
    let (code, err) = run_into(&file, &under, &[]);
    assert_eq!(code, 2, "{err}");
    let long = dir.path().join("x".repeat(300));
    let (code, err) = run_into(&file, &long, &[]);
    assert_eq!(code, 2, "{err}");
    for cmd in [
        &["batch", s(&file), "--runs", "1", "--days", "1"][..],
        &["compare", s(&file), s(&file), "--runs", "1", "--days", "1"],
    ] {
        let mut args = cmd.to_vec();
        args.extend(["--out", s(&under)]);
        assert_eq!(code_err(&downtime(&args)).0, 2, "{args:?}");
    }
}
