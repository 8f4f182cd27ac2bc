//! Hardening: the loader and validator under hostile input, size limits, output paths and the
//! output-folder guard.
//!
//! Property tests (proptest, a fixed number of cases so the suite stays fast) feed
//! `scenario::from_str` arbitrary bytes and mutated valid scenarios (tokens deleted, duplicated
//! or swapped, numbers replaced by extremes, NaN, negatives and huge values, truncation, deep
//! nesting). Every case must end without a panic, either valid or rejected with positioned
//! problems (line >= 1); mutants that stay valid are simulated for two days and must finish.

use std::sync::Arc;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use downtime::scenario;

/// Cases per property; with the fixed seed below every run tries the same inputs.
const CASES: u32 = 1000;

fn runner() -> TestRunner {
    let config = Config { cases: CASES, failure_persistence: None, ..Config::default() };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]))
}

/// Valid scenarios to mutate: the templates and a small test scenario.
fn seeds() -> Vec<&'static str> {
    let mut s: Vec<&str> = scenario::templates::TEMPLATES.iter().map(|(_, _, t)| *t).collect();
    s.push(scenario::builtin::get("chipsoft-2026").unwrap());
    s
}

/// Load `text`; a reject must carry a position for every problem.
fn check_load(text: &str) -> Option<downtime::Scenario> {
    match scenario::from_str(text, "fuzz.ron") {
        Ok(s) => Some(s),
        Err(e) => {
            assert!(!e.problems.is_empty(), "an error without problems");
            for p in &e.problems {
                assert!(p.line >= 1 && p.column >= 1, "a problem without a position: {p:?}\n--- input ---\n{text}");
                assert!(!p.message.is_empty());
            }
            // Rendering with the source never panics either.
            let _ = e.render(Some(text));
            None
        }
    }
}

/// Split RON text into tokens (strings, numbers and names, punctuation, whitespace, comments),
/// so mutations act on meaningful pieces.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let c = b[i];
        if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(b.len());
        } else if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'-' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b"_.-+".contains(&b[i])) {
                i += 1;
            }
        } else if c.is_ascii_whitespace() {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
        } else {
            i += 1;
            while i < b.len() && !text.is_char_boundary(i) {
                i += 1;
            }
        }
        out.push(&text[start..i]);
    }
    out
}

/// Replacements for numbers: extremes, non-finite, negative, huge and malformed.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "-1",
    "-1e308",
    "1e308",
    "1e-308",
    "NaN",
    "inf",
    "-inf",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999",
    "0.0000001",
    "1.5",
    "3651",
    "100001",
    "50000001",
    "1e9",
    "0x10",
    "1_000",
    "+5",
    ".5",
    "5.",
    "1e",
    "--1",
];

#[derive(Debug, Clone)]
pub(crate) enum Mutation {
    Delete(usize),
    Duplicate(usize),
    Swap(usize, usize),
    Number(usize, usize),
    /// Replace a token with another token of the same file.
    Copy(usize, usize),
    Truncate(usize),
    Nest(usize, usize),
    /// Replace a quoted name with another quoted name of the same file.
    CopyString(usize, usize),
}

pub(crate) fn mutation() -> impl Strategy<Value = Mutation> {
    let n = any::<usize>();
    prop_oneof![
        n.prop_map(Mutation::Delete),
        n.prop_map(Mutation::Duplicate),
        (n, n).prop_map(|(a, b)| Mutation::Swap(a, b)),
        (n, 0..NUMBERS.len()).prop_map(|(a, k)| Mutation::Number(a, k)),
        (n, n).prop_map(|(a, b)| Mutation::Copy(a, b)),
        n.prop_map(Mutation::Truncate),
        (n, 1usize..5000).prop_map(|(a, d)| Mutation::Nest(a, d)),
    ]
}

pub(crate) fn apply(text: &str, mutations: &[Mutation]) -> String {
    let mut toks: Vec<String> = tokens(text).into_iter().map(str::to_string).collect();
    // Mutate the meaningful tokens only (not whitespace or comments).
    for m in mutations {
        let idx: Vec<usize> =
            (0..toks.len()).filter(|&i| !toks[i].trim().is_empty() && !toks[i].starts_with("//")).collect();
        if idx.is_empty() {
            break;
        }
        let pick = |k: usize| idx[k % idx.len()];
        match *m {
            Mutation::Delete(a) => {
                toks.remove(pick(a));
            }
            Mutation::Duplicate(a) => {
                let i = pick(a);
                toks.insert(i, toks[i].clone());
            }
            Mutation::Swap(a, b) => toks.swap(pick(a), pick(b)),
            Mutation::Number(a, k) => {
                // The a-th number token, if any.
                let nums: Vec<usize> = idx.iter().copied().filter(|&i| toks[i].parse::<f64>().is_ok()).collect();
                if !nums.is_empty() {
                    toks[nums[a % nums.len()]] = NUMBERS[k].to_string();
                }
            }
            Mutation::Copy(a, b) => {
                let (i, j) = (pick(a), pick(b));
                toks[i] = toks[j].clone();
            }
            Mutation::Truncate(a) => toks.truncate(pick(a)),
            Mutation::CopyString(a, b) => {
                let strings: Vec<usize> = idx.iter().copied().filter(|&i| toks[i].starts_with('"')).collect();
                if !strings.is_empty() {
                    let (i, j) = (strings[a % strings.len()], strings[b % strings.len()]);
                    toks[i] = toks[j].clone();
                }
            }
            Mutation::Nest(a, depth) => {
                let i = pick(a);
                toks.insert(i, "[".repeat(depth));
            }
        }
    }
    toks.concat()
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut runner = runner();
    let bytes = prop::collection::vec(any::<u8>(), 0..2048);
    runner
        .run(&bytes, |b| {
            check_load(&String::from_utf8_lossy(&b));
            Ok(())
        })
        .unwrap();
    // Bytes built from RON's own alphabet reach deeper into the parser.
    let alphabet: Vec<char> = "()[]{}:,\"'/*# \n0123456789.-+eE_abcdefghijklmnopqrstuvwxyzSVPIG".chars().collect();
    let ron_like = prop::collection::vec(prop::sample::select(alphabet), 0..1024);
    runner
        .run(&ron_like, |cs| {
            check_load(&format!("Scenario({})", cs.into_iter().collect::<String>()));
            Ok(())
        })
        .unwrap();
}

#[test]
fn mutated_scenarios_are_rejected_with_positions_or_run() {
    let seeds = seeds();
    let mut runner = runner();
    let strategy = (0..seeds.len(), prop::collection::vec(mutation(), 1..4));
    let (valid, rejected) = (std::cell::Cell::new(0u32), std::cell::Cell::new(0u32));
    runner
        .run(&strategy, |(s, mutations)| {
            let text = apply(seeds[s], &mutations);
            match check_load(&text) {
                Some(mut sc) => {
                    valid.set(valid.get() + 1);
                    // A valid mutant must also simulate; keep it short.
                    sc.set_days(2);
                    let out = downtime::sim::run(Arc::new(sc), downtime::sim::RunOptions { seed: 1, replication: 0 });
                    prop_assert!(out.days <= 2);
                }
                None => rejected.set(rejected.get() + 1),
            }
            Ok(())
        })
        .unwrap();
    eprintln!("mutants: {} valid and simulated, {} rejected with positions", valid.get(), rejected.get());
    assert!(rejected.get() > CASES / 4, "the mutations should break most files");
}

#[test]
fn semantic_mutants_are_rejected_with_positions_or_run() {
    // Mutations that keep the syntax: numbers set to extremes and names copied over other
    // names (swapped references, duplicate ids), so the validator and the simulator are reached.
    let seeds = seeds();
    let mut runner = runner();
    let op = prop_oneof![
        (any::<usize>(), 0..NUMBERS.len()).prop_map(|(a, k)| Mutation::Number(a, k)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::CopyString(a, b)),
    ];
    let strategy = (0..seeds.len(), prop::collection::vec(op, 1..4));
    let (valid, rejected) = (std::cell::Cell::new(0u32), std::cell::Cell::new(0u32));
    runner
        .run(&strategy, |(s, mutations)| {
            let text = apply(seeds[s], &mutations);
            match check_load(&text) {
                Some(mut sc) => {
                    valid.set(valid.get() + 1);
                    sc.set_days(2);
                    let out = downtime::sim::run(Arc::new(sc), downtime::sim::RunOptions { seed: 1, replication: 0 });
                    prop_assert!(out.days <= 2);
                }
                None => rejected.set(rejected.get() + 1),
            }
            Ok(())
        })
        .unwrap();
    eprintln!("semantic mutants: {} valid and simulated, {} rejected with positions", valid.get(), rejected.get());
    assert!(valid.get() > 0 && rejected.get() > 0);
}

#[test]
fn extreme_but_valid_numbers_simulate_and_end() {
    // Each replaces one value of the hospital template with a value at the edge of its range.
    let base = scenario::templates::get("hospital").unwrap();
    let edges = [
        ("    days: 28,", "    days: 3650,"),
        ("    tick_hours: 1,", "    tick_hours: 24,"),
        ("\"our-region\", patients: 250000,", "\"our-region\", patients: 50000000,"),
        ("\"our-region\", patients: 250000,", "\"our-region\", patients: 1,"),
        ("demand: PerDay(875),", "demand: PerDay(0),"),
        ("clinical_staff: PerShift(57.75),", "clinical_staff: PerShift(0.00025),"),
        ("overtime_cap: 0.2,", "overtime_cap: 1,"),
        ("activation_hours: 4,", "activation_hours: 8760,"),
        ("surge: Surge(share: 0.1, lead_hours: 48,", "surge: Surge(share: 1, lead_hours: 0,"),
        ("capacity: 0.5)", "capacity: 0)"),
        ("max_wait: Hours(4))", "max_wait: Hours(0.01))"),
        ("hours: 2, days: 7)", "hours: 16, days: 3650)"),
        ("inquiry_rate: 0.005,", "inquiry_rate: 1,"),
        ("inquiry_half_life_days: 3,", "inquiry_half_life_days: 0.01,"),
    ];
    for (from, to) in edges {
        assert!(base.contains(from), "{from}");
        let text = base.replacen(from, to, 1);
        let mut sc = scenario::from_str(&text, "edge.ron").unwrap_or_else(|e| panic!("{to}: {e}"));
        sc.set_days(if to.contains("3650") { 40 } else { 10 });
        let out = downtime::sim::run(Arc::new(sc), downtime::sim::RunOptions { seed: 3, replication: 0 });
        assert!(out.days >= 1, "{to}");
    }
}

/// Expect `text` to be rejected with a problem whose message contains `word`, at a line >= 1.
fn rejected(text: &str, word: &str) -> scenario::ScenarioError {
    let e = scenario::from_str(text, "limit.ron").err().unwrap_or_else(|| panic!("accepted; wanted `{word}`"));
    let p = e.problems.iter().find(|p| p.message.contains(word)).unwrap_or_else(|| panic!("no `{word}` in {e}"));
    assert!(p.line >= 1 && p.column >= 1, "{p:?}");
    e
}

#[test]
fn limits_are_reachable_and_positioned() {
    let base = scenario::templates::get("gp-cooperative").unwrap();
    let group = "count: 20, patients: LogNormal";
    assert!(base.contains(group));
    // Too many providers.
    rejected(&base.replacen(group, "count: 100000, patients: LogNormal", 1), "providers");
    rejected(&base.replacen(group, "count: 4294967295, patients: LogNormal", 1), "count");
    // Horizon, patients, demand.
    rejected(&base.replacen("    days: 28,", "    days: 3651,", 1), "horizon");
    rejected(&base.replacen("\"town\", patients: 150000,", "\"town\", patients: 50000001,", 1), "patients");
    rejected(&base.replacen("demand: PerDay(108),", "demand: PerDay(900009),", 1), "demand");
    let busy = base.replacen("\"town\", patients: 150000,", "\"town\", patients: 50000000,", 1).replacen(
        "demand: PerDay(525),",
        "demand: PerDay(150000),",
        1,
    );
    rejected(&busy, "cases");
    // Too many services in a profile.
    let service = base.split("\n            services: [\n").nth(1).unwrap().split("\n            ],\n").next().unwrap();
    let seventeen = (0..17).map(|k| service.replacen("\"consultations\"", &format!("\"s{k}\""), 1)).collect::<String>();
    rejected(&base.replacen(service, &seventeen, 1), "services");
    // Too many injects, regions, decision options.
    let inject = "        Inject(day: 6, hour: 9, event: Announce(vendor: \"gp-vendor\"),\n               title: \"The breach is made public\"),\n";
    assert!(base.contains(inject));
    rejected(&base.replacen(inject, &inject.repeat(10_001), 1), "injects");
    let regions = format!("regions: [{}],", (0..10_001).map(|k| format!("\"r{k}\"")).collect::<Vec<_>>().join(","));
    rejected(&base.replacen("regions: [\"town\"],", &regions, 1), "entries");
    let option = "Option(key: \"carry-on\", label: \"Carry on with overtime\", effects: []),";
    assert!(base.contains(option));
    let options: String = (0..40).map(|k| option.replace("carry-on", &format!("o{k}"))).collect();
    rejected(&base.replacen(option, &format!("{option}{options}"), 1), "options");
    // Long identifiers and texts.
    let long = "x".repeat(300);
    rejected(&base.replacen("id: \"practice\"", &format!("id: \"{long}\""), 1), "characters");
    rejected(
        &base.replacen("title: \"The cloud EHR is back\"", &format!("title: \"{}\"", "t".repeat(20_000)), 1),
        "characters",
    );
}

#[test]
fn resolved_targets_are_bounded() {
    // 100,000 providers, each targeted by many injects: the resolved lists would need gigabytes.
    let base = scenario::templates::get("gp-cooperative").unwrap();
    let text = base.replacen("count: 20, patients: LogNormal", "count: 99000, patients: LogNormal", 1);
    let exfil =
        "        Inject(day: 5, hour: 10, event: Exfiltrate(scope: CloudTenants(\"gp-vendor\"), share: 1.0)),\n";
    let text = text.replacen("    timeline: [\n", &format!("    timeline: [\n{}", exfil.repeat(2000)), 1);
    let start = std::time::Instant::now();
    rejected(&text, "targets");
    assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
}

#[test]
fn oversized_files_are_refused_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.ron");
    let mut text = String::from("// ");
    text.push_str(&"x".repeat((scenario::MAX_FILE_BYTES + 10) as usize));
    std::fs::write(&path, text).unwrap();
    let e = scenario::load(path.to_str().unwrap()).unwrap_err();
    assert!(e.to_string().contains("larger than"), "{e}");
    assert!(e.problems[0].line >= 1);
}

#[test]
fn scenario_ids_cannot_escape_the_output_folder() {
    let base = scenario::templates::get("hospital").unwrap();
    for id in ["../escape", "/etc", "a/b", "..", ".", "C:\\x", "a\\b", "-x", "A", "", "x\u{0}y", "x y"] {
        let text = base.replacen("id: \"my-hospital\"", &format!("id: \"{}\"", id.escape_default()), 1);
        let e = rejected(&text, "folder");
        assert_eq!(e.problems[0].line, base.lines().position(|l| l.contains("id: \"my-hospital\"")).unwrap() + 1);
    }
    // The only other names built from scenario data are fixed: chart stems and report files.
    // A run of a valid scenario writes nothing outside its folder.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("inside");
    let file = dir.path().join("s.ron");
    std::fs::write(&file, base).unwrap();
    let status = std::process::Command::new(crate::common::bin())
        .args(["run", file.to_str().unwrap(), "--days", "3", "-q", "--out", out.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut top: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    top.sort();
    assert_eq!(top, ["inside", "s.ron"]);
    for entry in walk(&out) {
        assert!(entry.starts_with(&out), "{}", entry.display());
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}

#[test]
fn sweep_ids_cannot_escape_the_output_folder() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.ron");
    let sweep = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/sweeps/diversification.ron"))
        .unwrap()
        .replacen("id: \"diversification\"", "id: \"../../escape\"", 1);
    std::fs::write(&path, sweep).unwrap();
    let e = downtime::sweep::load(&path).err().expect("rejected");
    assert!(e.to_string().contains("folder"), "{e}");
}

#[test]
fn folders_with_foreign_files_are_not_overwritten_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.ron");
    std::fs::write(&file, scenario::templates::get("hospital").unwrap()).unwrap();
    let out = dir.path().join("out");
    let run = |extra: &[&str]| {
        let mut args = vec!["run", file.to_str().unwrap(), "--days", "3", "-q", "--out", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        let o = std::process::Command::new(crate::common::bin()).args(&args).output().unwrap();
        (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stderr).into_owned())
    };
    assert_eq!(run(&[]).0, 0);
    // A previous run's folder is overwritten without --force.
    assert_eq!(run(&[]).0, 0);
    std::fs::write(out.join("minutes-of-the-board.docx"), "precious").unwrap();
    let (code, err) = run(&[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.starts_with("error: ") && err.contains("minutes-of-the-board.docx") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(run(&["--force"]).0, 0);
    assert_eq!(std::fs::read_to_string(out.join("minutes-of-the-board.docx")).unwrap(), "precious");
    // Batch and compare check the folder before they spend time running.
    for args in [
        vec!["batch", file.to_str().unwrap(), "--runs", "2", "--days", "3", "--out", out.to_str().unwrap()],
        vec![
            "compare",
            file.to_str().unwrap(),
            file.to_str().unwrap(),
            "--runs",
            "2",
            "--days",
            "3",
            "--out",
            out.to_str().unwrap(),
        ],
    ] {
        let o = std::process::Command::new(crate::common::bin()).args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    }
    // Merge too: the shard's partial result goes elsewhere, the merge into the guarded folder.
    let part = dir.path().join("part");
    let o = std::process::Command::new(crate::common::bin())
        .args(["batch", file.to_str().unwrap(), "--runs", "2", "--days", "3", "--shard", "0/1"])
        .args(["--out", part.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let merge = |extra: &[&str]| {
        let o = std::process::Command::new(crate::common::bin())
            .args(["merge", part.to_str().unwrap(), "--out", out.to_str().unwrap()])
            .args(extra)
            .output()
            .unwrap();
        o.status.code()
    };
    assert_eq!(merge(&[]), Some(2));
    assert_eq!(merge(&["--force"]), Some(0));
    // A file where the folder should be.
    let (code, err) = {
        let mut args = vec!["run", file.to_str().unwrap(), "--days", "3", "-q", "--out", file.to_str().unwrap()];
        args.push("--force");
        let o = std::process::Command::new(crate::common::bin()).args(&args).output().unwrap();
        (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stderr).into_owned())
    };
    assert_eq!(code, 2, "{err}");
}

#[test]
fn no_temporary_files_are_left_behind() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let status = std::process::Command::new(crate::common::bin())
        .args(["run", "chipsoft-2026", "--days", "5", "-q", "--out", out.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success());
    let stray: Vec<_> = walk(&out).into_iter().filter(|p| p.to_string_lossy().contains(".tmp-")).collect();
    assert!(stray.is_empty(), "{stray:?}");
}

#[test]
fn many_misspellings_and_huge_names_stay_fast() {
    // 5,000 vendors and 9,000 providers naming none of them, one name a megabyte long.
    let base = scenario::templates::get("hospital").unwrap();
    let vendors: String = (0..5000).map(|k| format!("Vendor(id: \"vendor-{k}\"),")).collect();
    let providers: String = (0..9_000)
        .map(|k| format!("Provider(id: \"p{k}\", profile: \"hospital\", patients: 10, vendor: \"vendr-{k}\"),"))
        .collect();
    let text = base
        .replacen("    vendors: [\n", &format!("    vendors: [\n{vendors}"), 1)
        .replacen("    providers: [\n", &format!("    providers: [\n{providers}"), 1)
        .replacen("vendor: \"other-vendor\", hosting", &format!("vendor: \"{}\", hosting", "v".repeat(1 << 20)), 1);
    let start = std::time::Instant::now();
    let e = rejected(&text, "unknown vendor");
    assert!(e.problems.len() > 9_000);
    assert!(e.problems[0].message.contains("did you mean"), "{}", e.problems[0].message);
    assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
    let _ = e.render(Some(&text));
}
