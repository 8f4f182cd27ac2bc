//! `downtime sensitivity`: Morris and Sobol over a scenario's uncertain parameters, sharded
//! and merged into exactly the unsharded result.

use std::path::Path;
use std::process::Command;

use crate::common;

/// The hospital template with three of its plan numbers uncertain, over 10 days.
fn scenario(dir: &Path) -> std::path::PathBuf {
    let o = Command::new(common::bin()).args(["new", "hospital"]).output().unwrap();
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout)
        .unwrap()
        .replacen(
            "fallback_throughput: 0.8",
            "fallback_throughput: Uncertain(Uniform(min: 0.4, max: 0.95), name: \"fallback\")",
            1,
        )
        .replacen(
            "overtime_cap: 0.2",
            "overtime_cap: Uncertain(Triangular(min: 0.0, mode: 0.2, max: 0.5), name: \"overtime\")",
            1,
        )
        .replacen(
            "activation_hours: 4",
            "activation_hours: Uncertain(Uniform(min: 1, max: 48), name: \"activation\")",
            1,
        );
    assert_eq!(text.matches("Uncertain(").count(), 3, "the template still has the numbers replaced");
    let path = dir.join("h.ron");
    std::fs::write(&path, text).unwrap();
    path
}

fn downtime(args: &[&str]) -> std::process::Output {
    let o = Command::new(common::bin()).args(args).output().unwrap();
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    o
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Sharded and unsharded sensitivity results are identical, byte for byte, whatever the
/// threads; for both stages.
#[test]
fn sharded_and_unsharded_sensitivity_are_identical() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path());
    for (stage, extra) in [
        ("morris", vec!["--trajectories", "3"]),
        ("sobol", vec!["--samples", "4", "--parameters", "fallback,activation"]),
    ] {
        let base = |out: &Path| {
            let mut a =
                vec!["sensitivity", s(&file), "--method", stage, "--runs", "1", "--days", "10", "--out", s(out)];
            a.extend(extra.iter().copied());
            a.into_iter().map(String::from).collect::<Vec<_>>()
        };
        let run = |out: &Path, more: &[&str]| {
            let mut a = base(out);
            a.extend(more.iter().map(|x| x.to_string()));
            downtime(&a.iter().map(String::as_str).collect::<Vec<_>>())
        };
        let whole = dir.path().join(format!("{stage}-whole"));
        run(&whole, &["--jobs", "2"]);
        let parts: Vec<_> = (0..3).map(|i| dir.path().join(format!("{stage}-{i}"))).collect();
        for (i, p) in parts.iter().enumerate() {
            run(p, &["--jobs", "1", "--shard", &format!("{i}/3")]);
        }
        let merged = dir.path().join(format!("{stage}-merged"));
        downtime(&["merge", s(&parts[2]), s(&parts[0]), s(&parts[1]), "--out", s(&merged)]);
        for f in ["summary.json", "sensitivity.csv", "report.md", "report.html"] {
            let a = std::fs::read(whole.join(f)).unwrap();
            assert_eq!(a, std::fs::read(merged.join(f)).unwrap(), "{stage} {f}: whole vs merged shards");
        }
        let csv = std::fs::read_to_string(whole.join("sensitivity.csv")).unwrap();
        // One row per KPI and parameter varied.
        let varied = if stage == "morris" { 3 } else { 2 };
        assert_eq!(csv.lines().count(), 1 + 4 * varied, "{csv}");
        // A missing shard is refused.
        let o = Command::new(common::bin())
            .args(["merge", s(&parts[0]), s(&parts[1]), "--out", s(&dir.path().join(format!("{stage}-bad")))])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    }
}

/// Both stages: the screening ranks every parameter, Sobol takes the top ones, and the report
/// has its tables and tornado charts. The fallback's throughput drives care lost in a hospital
/// whose records system is down; the activation delay of the plan too; none is ignored.
#[test]
fn both_stages_write_a_ranked_report() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path());
    let out = dir.path().join("both");
    downtime(&[
        "sensitivity",
        s(&file),
        "--runs",
        "1",
        "--days",
        "10",
        "--trajectories",
        "3",
        "--samples",
        "8",
        "--top",
        "2",
        "--out",
        s(&out),
    ]);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let stages = summary["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 2);
    assert_eq!(stages[0]["stage"]["evaluations"], 3 * 4);
    assert_eq!(stages[1]["stage"]["varied"].as_array().unwrap().len(), 2);
    assert_eq!(stages[1]["stage"]["evaluations"], 8 * 4);
    assert_eq!(summary["replications"], 3 * 4 + 8 * 4);
    for kpi in ["care_lost", "urgent_delayed"] {
        assert!(out.join(format!("plots/tornado_{kpi}.svg")).exists());
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Sensitivity analysis") && html.contains("fallback") && html.contains("<svg"));
    // The fallback's throughput is among the two carried to the Sobol stage: it sets how much
    // care a hospital without its records system delivers.
    let varied: Vec<u64> =
        stages[1]["stage"]["varied"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    assert!(varied.contains(&0), "fallback (parameter 0) is in the top two: {varied:?}");
}

/// A scenario without uncertain parameters, and `both` with a shard, are usage errors.
#[test]
fn sensitivity_refuses_what_it_cannot_do() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.ron");
    downtime(&["new", "hospital", "-o", s(&plain)]);
    let o = Command::new(common::bin())
        .args(["sensitivity", s(&plain), "--out", s(&dir.path().join("x"))])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no uncertain parameters"));
    let file = scenario(dir.path());
    let o = Command::new(common::bin())
        .args(["sensitivity", s(&file), "--shard", "0/2", "--out", s(&dir.path().join("y"))])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}
