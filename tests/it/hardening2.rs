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
    // The lock file appears a moment before it is locked; the manifest is written after, so
    // once it exists the first run holds the lock (waiting for the lock file alone was a race
    // that a loaded machine lost).
    let manifest = out.join(".downtime-manifest.json");
    let start = std::time::Instant::now();
    while !manifest.exists() && start.elapsed().as_secs() < 20 {
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

/// The hospital template with `from` replaced by `to` (once; the text must be there).
fn hospital_with(from: &str, to: &str) -> String {
    let t = downtime::scenario::templates::get("hospital").unwrap();
    assert!(t.contains(from), "{from}");
    t.replacen(from, to, 1)
}

/// `downtime validate` of `text`: exit code, stderr.
fn validate_text(text: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("x.ron");
    std::fs::write(&f, text).unwrap();
    code_err(&downtime(&["validate", s(&f)]))
}

/// The 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

/// Class 3: duplicate ids of every kind are positioned errors (exit 2), never a panic.
#[test]
fn duplicate_ids_are_positioned_errors() {
    // Two decision points with one id (the exercise used to panic building counterfactuals).
    let t = downtime::scenario::templates::get("hospital").unwrap();
    let start = t.find("        Inject(day: 1, hour: 14, event: Decision(").unwrap();
    let end = t[start..].find("        // Staged restore").unwrap() + start;
    let twice = format!("{}{}{}", &t[..end], &t[start..end].replace("day: 1, hour: 14", "day: 2, hour: 14"), &t[end..]);
    let (code, err) = validate_text(&twice);
    assert_eq!(code, 2, "{err}");
    let second = twice[end..].find("id: \"response\"").unwrap() + end;
    let line = twice[..second].matches('\n').count() + 1;
    assert!(err.contains(&format!("x.ron:{line}:")) && err.contains("decision id `response` is used twice"), "{err}");
    // The exercise refuses it the same way.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("x.ron");
    std::fs::write(&f, &twice).unwrap();
    let (code, err) = code_err(&downtime(&["exercise", s(&f), "--days", "3", "--out", s(&dir.path().join("o"))]));
    assert_eq!(code, 2, "{err}");
    // Other ids: providers, vendors, platforms, option keys, services.
    for (from, to, word) in [
        ("id: \"neighbour-hospital\"", "id: \"our-hospital\"", "used twice"),
        ("Option(key: \"extend\"", "Option(key: \"surge\"", "used twice"),
    ] {
        let (code, err) = validate_text(&hospital_with(from, to));
        assert_eq!(code, 2, "{from}: {err}");
        assert!(err.contains(word) && err.starts_with("error: "), "{err}");
    }
    // A key repeated in a RON map (vendor shares would sum wrong): at the repeated key.
    let national = downtime::scenario::templates::get("national-policy").unwrap();
    let dup = national.replacen("\"third\": 0.1}", "\"third\": 0.1, \"leader\": 0.0}", 1);
    let (code, err) = validate_text(&dup);
    assert_eq!(code, 2, "{err}");
    let line = line_of(&dup, "\"leader\": 0.0");
    assert!(err.contains(&format!("x.ron:{line}:")) && err.contains("given twice"), "{err}");
}

/// Runs the binary with `args`, failing the test if it does not end within `secs`.
fn within(secs: u64, args: &[&str]) -> (i32, String) {
    let mut child = Command::new(bin())
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            return (status.code().unwrap_or(-1), err);
        }
        if start.elapsed().as_secs() >= secs {
            let _ = child.kill();
            panic!("`downtime {}` did not end within {secs} s", args.join(" "));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Class 5: a FIFO (or a folder, or a device) given to any reader is refused at once, exit 2.
#[cfg(unix)]
#[test]
fn non_regular_inputs_are_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.ron");
    let ok = Command::new("mkfifo").arg(&fifo).status().map(|s| s.success()).unwrap_or(false);
    if !ok {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    let out = dir.path().join("o");
    let file = hospital(dir.path());
    for args in [
        vec!["validate", s(&fifo)],
        vec!["run", s(&fifo), "--out", s(&out)],
        vec!["exercise", s(&file), "--decisions", s(&fifo), "--out", s(&out)],
        vec!["sweep", s(&fifo), "--out", s(&out)],
        vec!["merge", s(&fifo), "--out", s(&out)],
        vec!["validate", "/dev/zero"],
        vec!["validate", s(dir.path())],
    ] {
        let (code, err) = within(20, &args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.starts_with("error: ") && err.contains("not a regular file"), "{args:?}: {err}");
    }
    // A sweep whose base is a FIFO.
    let sweep = dir.path().join("sweep.ron");
    std::fs::write(&sweep, "Sweep(id: \"x\", title: \"x\", base: \"pipe.ron\", variants: [Variant(name: \"a\")])")
        .unwrap();
    let (code, err) = within(20, &["sweep", s(&sweep), "--out", s(&out)]);
    assert_eq!(code, 2, "{err}");
}

/// A real partial result of a two-run batch of the hospital template, as JSON.
fn partial(dir: &Path) -> serde_json::Value {
    let file = hospital(dir);
    let part = dir.join("part");
    let o = downtime(&["batch", s(&file), "--runs", "2", "--days", "3", "--shard", "0/1", "--out", s(&part)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_str(&std::fs::read_to_string(part.join("partial.json")).unwrap()).unwrap()
}

/// Class 9 and 4: merge refuses partial results whose parts disagree, are empty, hold
/// non-finite values, or whose header would size work or memory beyond the run.
#[test]
fn merge_refuses_inconsistent_partials() {
    let dir = tempfile::tempdir().unwrap();
    let good = partial(dir.path());
    let tamper = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = good.clone();
        f(&mut v);
        v
    };
    let cases: Vec<(&str, serde_json::Value)> = vec![
        ("a huge horizon", tamper(&|v| v["meta"]["days"] = 4_000_000_000u32.into())),
        ("a horizon other than the arrays'", tamper(&|v| v["meta"]["days"] = 4.into())),
        ("zero runs", tamper(&|v| v["meta"]["runs"] = 0.into())),
        ("a huge shard count", tamper(&|v| v["shard"]["count"] = u64::MAX.into())),
        (
            "too many records",
            tamper(&|v| {
                let r = v["records"][0].clone();
                v["records"].as_array_mut().unwrap().push(r);
            }),
        ),
        ("a NaN", tamper(&|v| v["records"][0]["kpis"][0] = "NaN".into())),
        ("an infinity", tamper(&|v| v["records"][1]["kpis"][2] = "inf".into())),
        (
            "a short KPI array",
            tamper(&|v| {
                v["records"][0]["kpis"].as_array_mut().unwrap().pop();
            }),
        ),
        (
            "a short daily array",
            tamper(&|v| {
                v["records"][0]["daily"][0].as_array_mut().unwrap().pop();
            }),
        ),
        (
            "a repeated provider kind",
            tamper(&|v| {
                let k = v["layout"]["kinds"][0].clone();
                v["layout"]["kinds"].as_array_mut().unwrap().push(k);
            }),
        ),
        ("an unknown provider kind", tamper(&|v| v["layout"]["kinds"][0] = "=cmd|' /C calc'!A0".into())),
        ("an unknown KPI", tamper(&|v| v["layout"]["kpis"][0] = "bogus".into())),
        ("a replication out of range", tamper(&|v| v["records"][1]["replication"] = 7.into())),
    ];
    for (what, v) in cases {
        let p = dir.path().join("tampered.json");
        std::fs::write(&p, serde_json::to_string(&v).unwrap()).unwrap();
        let (code, err) = within(20, &["merge", s(&p), "--out", s(&dir.path().join("merged")), "--force"]);
        assert_eq!(code, 2, "{what}: {err}");
        assert!(err.starts_with("error: ") && err.contains("tampered.json:"), "{what}: {err}");
    }
    // A sweep partial with more variants than a sweep may have.
    let mut variants = Vec::new();
    for i in 0..=downtime::sweep::MAX_VARIANTS {
        variants.push(serde_json::json!({"variant": {"name": format!("v{i}"), "compromised": "x", "hhi": 0.0, "providers": 1}, "records": []}));
    }
    let sweep = serde_json::json!({"command": "sweep", "format": "downtime-partial/1", "shard": {"index": 0, "count": 1},
        "meta": {"sweep": "x", "title": "x", "base": "x", "seed": 1, "days": 3, "runs": 1, "market": "all"},
        "layout": good["layout"].clone(), "variants": variants});
    let p = dir.path().join("sweep.json");
    std::fs::write(&p, serde_json::to_string(&sweep).unwrap()).unwrap();
    let (code, err) = within(20, &["merge", s(&p), "--out", s(&dir.path().join("merged")), "--force"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("variants"), "{err}");
    // The untampered one merges.
    let p = dir.path().join("good.json");
    std::fs::write(&p, serde_json::to_string(&good).unwrap()).unwrap();
    let (code, err) = within(60, &["merge", s(&p), "--out", s(&dir.path().join("merged"))]);
    assert_eq!(code, 0, "{err}");
}

/// Class 9: decision files with an impossible horizon, a repeated choice, or a choice of a
/// decision after the horizon are positioned errors.
#[test]
fn decision_files_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let file = hospital(dir.path());
    let out = dir.path().join("o");
    let try_file = |text: &str, extra: &[&str]| {
        let d = dir.path().join("d.ron");
        std::fs::write(&d, text).unwrap();
        let mut args = vec!["exercise", s(&file), "--decisions", s(&d), "--out", s(&out), "--force"];
        args.extend_from_slice(extra);
        code_err(&downtime(&args))
    };
    for (text, word, line) in [
        ("Decisions(scenario: \"my-hospital\",\n days: 0)", "horizon is 0 days", 2),
        ("Decisions(scenario: \"my-hospital\",\n days: 4000000000)", "horizon is 4000000000 days", 2),
        (
            "Decisions(scenario: \"my-hospital\", choices: {\n\"response\": Choice(option: \"surge\"),\n\"response\": Choice(option: \"wait\")})",
            "given twice",
            3,
        ),
    ] {
        let (code, err) = try_file(text, &[]);
        assert_eq!(code, 2, "{text}: {err}");
        assert!(err.contains(word) && err.contains(&format!("d.ron:{line}:")), "{text}: {err}");
    }
    // The decision comes on day 1: with a horizon of 1 day the choice would never be taken.
    let text = "Decisions(scenario: \"my-hospital\", days: 1, choices: {\n\"response\": Choice(option: \"wait\")})";
    let (code, err) = try_file(text, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("after the horizon") && err.contains("d.ron:2:"), "{err}");
    let (code, err) = try_file(text, &["--days", "3"]);
    assert_eq!(code, 0, "--days overrides the file's horizon: {err}");
}

/// Class 9: other inputs accepted silently before: a byte-order mark (now ignored),
/// `MarketShares` on a base without groups, a restore that lowers capacity; and the stated
/// behaviour of `--days`: injects after the horizon are left out.
#[test]
fn inconsistent_inputs_are_errors_or_stated_behaviour() {
    let t = downtime::scenario::templates::get("hospital").unwrap();
    let (code, err) = validate_text(&format!("\u{FEFF}{t}"));
    assert_eq!(code, 0, "a UTF-8 byte-order mark is ignored: {err}");
    // A restore to 0.5 after a full restore, with no disconnect between.
    let lowered = hospital_with(
        "Restore(platforms: [\"portal\", \"mobile\", \"exchange\"], capacity: 1.0, throughput: 0.7)",
        "Restore(platforms: [\"portal\", \"mobile\", \"exchange\"], capacity: 1.0, throughput: 0.7)),\n        Inject(day: 10, hour: 9, event: Restore(platforms: [\"portal\"], capacity: 0.5)",
    );
    let (code, err) = validate_text(&lowered);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("lower") && err.contains(&format!("x.ron:{}:", line_of(&lowered, "day: 10, hour: 9"))),
        "{err}"
    );
    // MarketShares on a base without groups.
    let dir = tempfile::tempdir().unwrap();
    hospital(dir.path());
    let sweep = dir.path().join("sweep.ron");
    std::fs::write(
        &sweep,
        "Sweep(id: \"x\", title: \"x\", base: \"s.ron\", variants: [\n  Variant(name: \"a\", levers: [MarketShares(vendors: {\"vendor\": 1.0})]),\n])",
    )
    .unwrap();
    let (code, err) = code_err(&downtime(&["sweep", s(&sweep), "--runs", "1", "--out", s(&dir.path().join("o"))]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no `groups`") && err.contains("sweep.ron:2:"), "{err}");
    // --days 2 leaves out the injects after day 2: none of them is in the events.
    let out = dir.path().join("short");
    let (code, err) = run_into(&dir.path().join("s.ron"), &out, &[]);
    assert_eq!(code, 0, "{err}");
    let events = std::fs::read_to_string(out.join("events.csv")).unwrap();
    assert!(
        events.lines().skip(1).all(|l| l.split(',').rev().nth(1).is_some_and(|d| d.parse::<u32>().unwrap() < 2)),
        "{events}"
    );
    assert!(!events.contains("Restart for half"), "{events}");
}

/// Cases per reader property (fixed seed: every run tries the same inputs; a few seconds).
const PROP_CASES: u32 = 250;

fn prop_runner(seed: u8) -> proptest::test_runner::TestRunner {
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let config = Config { cases: PROP_CASES, failure_persistence: None, ..Config::default() };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]))
}

fn mutants() -> impl proptest::strategy::Strategy<Value = Vec<crate::hardening::Mutation>> {
    proptest::collection::vec(crate::hardening::mutation(), 1..4)
}

/// Every rejection carries at least one problem with a message (rendered as FILE:LINE:COLUMN).
fn positioned(e: &downtime::ScenarioError, text: &str) {
    assert!(!e.problems.is_empty() && e.problems.iter().all(|p| !p.message.is_empty()), "{e:?}");
    assert!(e.render(Some(text)).starts_with("error: "));
}

/// Property: mutated decision files are read and applied to the scenario (and checked against
/// the horizon) without a panic: accepted, or rejected with positioned problems (exit 2).
#[test]
fn decision_files_never_panic() {
    let base = downtime::scenario::from_str(downtime::scenario::templates::get("hospital").unwrap(), "s.ron").unwrap();
    let seeds = [
        "Decisions(scenario: \"my-hospital\", seed: 7, days: 12, choices: {\"response\": Choice(option: \"divert\", note: \"n\")}, discussion: [Answer(inject: \"Attack on the vendor\", question: \"Who?\", note: \"x\")])",
        "Decisions(scenario: \"my-hospital\", choices: {\"response\": Choice(option: \"wait\"), \"other\": Choice(option: \"x\")})",
    ];
    let (ok, bad) = (std::cell::Cell::new(0u32), std::cell::Cell::new(0u32));
    prop_runner(11)
        .run(&(0..seeds.len(), mutants()), |(s, m)| {
            let text = crate::hardening::apply(seeds[s], &m);
            let mut sc = base.clone();
            let r = downtime::exercise::decisions::parse(&text, "d.ron").and_then(|d| {
                downtime::exercise::decisions::apply(&d, &mut sc, &text, "d.ron")?;
                downtime::exercise::decisions::check_horizon(&d, &base, d.days.unwrap_or(base.days), &text, "d.ron")
            });
            match r {
                Ok(()) => ok.set(ok.get() + 1),
                Err(e) => {
                    positioned(&e, &text);
                    bad.set(bad.get() + 1)
                }
            }
            Ok(())
        })
        .unwrap();
    eprintln!("decision mutants: {} accepted, {} rejected", ok.get(), bad.get());
    assert!(bad.get() > 0);
}

/// Property: mutated sweep files (over a small base with groups) are built without a panic.
#[test]
fn sweep_files_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("base.ron"), downtime::scenario::templates::get("national-policy").unwrap())
        .unwrap();
    let seed = r#"Sweep(id: "p", title: "P", base: "base.ron", runs: 3, seed: 5, days: 20, market: Some(Hospital),
  variants: [
    Variant(name: "today"),
    Variant(name: "split", levers: [MarketShares(groups: ["hospital"], vendors: {"leader": 0.5, "second": 0.3, "third": 0.2})]),
    Variant(name: "cloud", levers: [HostingMix(groups: ["gp"], hosting: {VendorCloud: 0.5, SelfHosted: 0.5}), Plan(overtime_cap: 0.3, fallback_efficiency: 0.5)]),
    Variant(name: "each", levers: [Compromise(EachInTurn), Exchange(Federated)]),
    Variant(name: "new", levers: [AddVendor(id: "fresh", like: "leader"), Compromise(Largest)]),
  ])"#;
    if let Err(e) = downtime::sweep::from_str(seed, "p.ron", dir.path()) {
        panic!("the seed sweep is valid: {}", e.render(Some(seed)));
    }
    let (ok, bad) = (std::cell::Cell::new(0u32), std::cell::Cell::new(0u32));
    prop_runner(12)
        .run(&mutants(), |m| {
            let text = crate::hardening::apply(seed, &m);
            match downtime::sweep::from_str(&text, "p.ron", dir.path()) {
                Ok(s) => {
                    assert!(!s.variants.is_empty() && s.variants.len() <= downtime::sweep::MAX_VARIANTS);
                    ok.set(ok.get() + 1)
                }
                Err(e) => {
                    positioned(&e, &text);
                    bad.set(bad.get() + 1)
                }
            }
            Ok(())
        })
        .unwrap();
    eprintln!("sweep mutants: {} accepted, {} rejected", ok.get(), bad.get());
    assert!(bad.get() > 0 && ok.get() > 0);
}

/// Property: mutated partial results are read (streamed, checked) and, when accepted, reduced
/// as merge reduces them, without a panic and without sizing anything from an unchecked count.
#[test]
fn partial_files_never_panic() {
    use downtime::batch::{self, BatchMeta, BatchOptions};
    use downtime::shard::{self, Partial, Shard};
    let mut sc =
        downtime::scenario::from_str(downtime::scenario::templates::get("hospital").unwrap(), "s.ron").unwrap();
    sc.set_days(3);
    let options = BatchOptions { runs: 2, seed: 1, jobs: 1, shard: Shard::ALL, progress: false };
    let (layout, records) = batch::run_records(&sc, &options).unwrap();
    let meta = BatchMeta::new(&sc, 1, 2);
    let good = Partial::Batch { format: shard::FORMAT.into(), shard: Shard::ALL, meta, layout, records };
    let seed = serde_json::to_string_pretty(&good).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("partial.json");
    let (ok, bad) = (std::cell::Cell::new(0u32), std::cell::Cell::new(0u32));
    prop_runner(13)
        .run(&mutants(), |m| {
            let text = crate::hardening::apply(&seed, &m);
            std::fs::write(&path, &text).unwrap();
            match shard::read_partial(&path) {
                Ok(Partial::Batch { meta, layout, records, .. }) => {
                    let summary = batch::summarize(&meta, &layout, &records);
                    assert_eq!(summary.runs, records.len() as u64);
                    let _ = batch::bands(&meta, &layout, &records);
                    ok.set(ok.get() + 1)
                }
                Ok(Partial::Sweep { .. }) => ok.set(ok.get() + 1),
                Err(e) => {
                    assert_eq!(e.exit_code(), 2, "{e}");
                    bad.set(bad.get() + 1)
                }
            }
            Ok(())
        })
        .unwrap();
    eprintln!("partial mutants: {} accepted, {} rejected", ok.get(), bad.get());
    assert!(bad.get() > 0);
}

/// Class 4: batches stream their reduction; beyond the exact limit the statistics stay
/// deterministic: the same for 1 and 2 threads and for the merged shards.
#[test]
fn streamed_batches_are_deterministic_beyond_the_exact_limit() {
    let dir = tempfile::tempdir().unwrap();
    let file = hospital(dir.path());
    let runs = (downtime::quantiles::EXACT_LIMIT + 37).to_string();
    let batch = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let mut args = vec!["batch", s(&file), "--runs", &runs, "--days", "2", "--out", s(&out)];
        args.extend_from_slice(extra);
        let o = downtime(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out
    };
    let one = batch("one", &["--jobs", "1"]);
    let two = batch("two", &["--jobs", "2"]);
    let a = batch("a", &["--jobs", "2", "--shard", "0/2"]);
    let b = batch("b", &["--jobs", "1", "--shard", "1/2"]);
    let merged = dir.path().join("merged");
    let o = downtime(&["merge", s(&a), s(&b), "--out", s(&merged)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["summary.json", "bands.csv"] {
        let x = std::fs::read(one.join(f)).unwrap();
        assert_eq!(x, std::fs::read(two.join(f)).unwrap(), "{f}: 1 vs 2 threads");
        assert_eq!(x, std::fs::read(merged.join(f)).unwrap(), "{f}: whole vs merged shards");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(one.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["runs"], downtime::quantiles::EXACT_LIMIT as u64 + 37);
    let k = &summary["kpis"]["care_demand"];
    let (p5, p50, p95) = (k["p5"].as_f64().unwrap(), k["p50"].as_f64().unwrap(), k["p95"].as_f64().unwrap());
    assert!(p5 <= p50 && p50 <= p95 && p5 > 0.0, "{k}");
}

/// Class 6: scenario text reaches the terminal without escape sequences (run summary, error
/// messages), CSV cells are neutralised for spreadsheets, sweep text is escaped in results.md.
#[test]
fn scenario_text_is_escaped_for_terminal_csv_and_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let evil = hospital_with(
        "title: \"Our hospital without the vendor's portals, app and exchange\"",
        "title: \"Evil \u{1b}[2J\u{1b}]0;pwned\u{7} \u{9b}31m title\"",
    )
    .replacen("title: \"Attack on the vendor\"", "title: \"=HYPERLINK(\\\"http://x\\\")\"", 1);
    let file = dir.path().join("evil.ron");
    std::fs::write(&file, &evil).unwrap();
    let o = downtime(&["run", s(&file), "--days", "3", "--out", s(&dir.path().join("o"))]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("Evil") && !stdout.contains(['\u{1b}', '\u{7}', '\u{9b}']), "{stdout:?}");
    let events = std::fs::read_to_string(dir.path().join("o/events.csv")).unwrap();
    assert!(events.contains(",\"'=HYPERLINK(\"\"http://x\"\")"), "{events}");
    // An error message quoting scenario text.
    let bad = hospital_with("vendor: \"our-vendor\"", "vendor: \"\u{1b}[31mred\"");
    std::fs::write(&file, bad).unwrap();
    let (code, err) = code_err(&downtime(&["validate", s(&file)]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("red") && !err.contains('\u{1b}'), "{err:?}");
    // results.md of a sweep: no HTML, no link, no broken table row.
    std::fs::write(dir.path().join("s.ron"), downtime::scenario::templates::get("hospital").unwrap()).unwrap();
    let sweep = dir.path().join("sweep.ron");
    std::fs::write(
        &sweep,
        "Sweep(id: \"x\", title: \"<img src=x onerror=alert(1)>\", base: \"s.ron\", days: 2, variants: [\n  Variant(name: \"[click](javascript:alert(1)) | <script>x</script>\\nnext\"),\n])",
    )
    .unwrap();
    let out = dir.path().join("sw");
    let o = downtime(&["sweep", s(&sweep), "--runs", "1", "--out", s(&out)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = std::fs::read_to_string(out.join("results.md")).unwrap();
    assert!(!md.contains("<img") && !md.contains("<script"), "{md}");
    // The brackets are escaped, so Markdown shows them as text, not as a link.
    assert!(md.contains("\\[click\\](javascript") && !md.contains(" [click]("), "{md}");
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
    assert_eq!(rows.len(), 3, "header, rule and one variant row: {md}");
}

/// Class 5: work sized by input is bounded: the exercise's counterfactual runs (options over
/// all decision points), and validation of a long timeline stays fast.
#[test]
fn work_sized_by_input_is_bounded() {
    let marker = "        // Staged restore";
    let decision = |n: usize, options: usize| {
        let opts: Vec<String> = (0..options).map(|o| format!("Option(key: \"k{o}\", label: \"option {o}\")")).collect();
        format!(
            "        Inject(day: 2, hour: {}, event: Decision(id: \"d{n}\", question: \"q\", options: [{}], default: \"k0\"), title: \"d\"),\n",
            n % 24,
            opts.join(", ")
        )
    };
    // 12 decisions of 26 options: 312 options in all, more than the 300 allowed.
    let many: String = (0..12).map(|n| decision(n, 26)).collect();
    let text = hospital_with(marker, &format!("{many}{marker}"));
    let (code, err) = validate_text(&text);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("more than 300 options"), "{err}");
    let fewer: String = (0..11).map(|n| decision(n, 26)).collect();
    let (code, err) = validate_text(&hospital_with(marker, &format!("{fewer}{marker}")));
    assert_eq!(code, 0, "{err}");
    // 9,900 restores (the most a timeline allows, about): validated in seconds at most.
    let restores: String = (0..9_900)
        .map(|i| {
            format!(
                "        Inject(day: 10, hour: {}, event: Restore(platforms: [\"portal\", \"mobile\", \"exchange\"]), title: \"r\"),\n",
                i % 24
            )
        })
        .collect();
    let text = hospital_with(marker, &format!("{restores}{marker}"));
    let start = std::time::Instant::now();
    let (code, err) = validate_text(&text);
    assert_eq!(code, 0, "{err}");
    assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
}

/// The binary starts itself again with glibc's huge-page tunable added to the user's tunables,
/// its arguments (argv[0] included) and its name kept; a tunable the user set is left as it is,
/// with no restart (see `downtime::huge_pages`). Seen from outside, in `/proc`, on a run that
/// waits for the facilitator's input. (glibc may cut the variable short in place as it reads
/// it, so the test looks for the settings anywhere in the environment's bytes.)
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn the_binary_restarts_with_huge_pages_unless_told_otherwise() {
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("room");
    let read = |pid: u32, what: &str| std::fs::read(format!("/proc/{pid}/{what}")).unwrap_or_default();
    let has = |bytes: &[u8], text: &str| bytes.windows(text.len()).any(|w| w == text.as_bytes());
    for (preset, restarts) in
        [(None, true), (Some("glibc.malloc.arena_max=4"), true), (Some("glibc.malloc.hugetlb=0"), false)]
    {
        let mut command = Command::new(bin());
        command.args(["exercise", "chipsoft-2026", "--out", s(&out)]);
        command.env_remove("GLIBC_TUNABLES").stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::null());
        if let Some(p) = preset {
            command.env("GLIBC_TUNABLES", p);
        }
        let mut child = command.spawn().unwrap();
        let pid = child.id();
        let start = Instant::now();
        let mut restarted = false;
        while start.elapsed() < Duration::from_millis(if restarts { 5000 } else { 500 }) {
            let environ = read(pid, "environ");
            restarted |= has(&environ, "glibc.malloc.hugetlb=1");
            if restarted && restarts {
                if let Some(p) = preset {
                    assert!(has(&environ, p), "the user's tunables kept: {preset:?}");
                }
                let cmdline = read(pid, "cmdline");
                assert_eq!(cmdline.split(|&b| b == 0).next(), Some(bin().as_bytes()), "argv[0] kept");
                assert_eq!(String::from_utf8_lossy(&read(pid, "comm")).trim(), "downtime", "the name kept");
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(restarted, restarts, "preset {preset:?}");
        let _ = std::fs::remove_dir_all(&out);
    }
}
