//! Nested designs: parameter draws × replications in batches and sweeps, the spread split into
//! chance and parameters, and the same draws for every variant.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common;

fn downtime(args: &[&str]) -> std::process::Output {
    let o = Command::new(common::bin()).args(args).output().unwrap();
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    o
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The hospital template with its overtime cap and fallback throughput uncertain.
fn base(dir: &Path) -> PathBuf {
    let o = downtime(&["new", "hospital"]);
    let text = String::from_utf8(o.stdout)
        .unwrap()
        .replacen("overtime_cap: 0.2", "overtime_cap: Uncertain(Uniform(min: 0.0, max: 0.5), name: \"overtime\")", 1)
        .replacen(
            "fallback_throughput: 0.8",
            "fallback_throughput: Uncertain(Uniform(min: 0.3, max: 0.95), name: \"fallback\")",
            1,
        );
    assert_eq!(text.matches("Uncertain(").count(), 2);
    let path = dir.join("base.ron");
    std::fs::write(&path, text).unwrap();
    path
}

/// Every variant of a sweep is built at the same parameter draw: the base's uncertain value
/// of draw d, whatever the variant's levers; and the draws differ from each other.
#[test]
fn sweep_variants_see_the_same_parameter_draws() {
    let dir = tempfile::tempdir().unwrap();
    base(dir.path());
    let file = dir.path().join("sweep.ron");
    std::fs::write(
        &file,
        r#"Sweep(id: "plans", title: "Plans", base: "base.ron", days: 10, runs: 1, variants: [
            Variant(name: "today"),
            Variant(name: "fast activation", levers: [Plan(activation_hours: 1.0)]),
        ])"#,
    )
    .unwrap();
    let sweep = downtime::sweep::load(&file).unwrap();
    let u = sweep.uncertain().expect("the base has uncertain parameters");
    assert_eq!(u.parameters().len(), 2);
    // Parameters come in file order: the fallback's throughput is written before the overtime cap.
    let overtime = u.parameters().iter().position(|p| p.name == "overtime").unwrap();
    let mut seen = Vec::new();
    for d in 0..4 {
        let values = u.draw(sweep.meta.seed, d);
        let a = sweep.scenario_at(0, &values).unwrap();
        let b = sweep.scenario_at(1, &values).unwrap();
        // The drawn overtime cap, in both variants; only the lever differs.
        assert_eq!(a.profiles[0].plan.overtime_cap, values[overtime]);
        assert_eq!(b.profiles[0].plan.overtime_cap, values[overtime]);
        assert_eq!(b.profiles[0].plan.activation_hours, 1.0);
        assert_ne!(a.profiles[0].plan.activation_hours, 1.0);
        seen.push(values[overtime]);
    }
    seen.dedup();
    assert_eq!(seen.len(), 4, "the draws differ: {seen:?}");
    // And the command runs the nested design: 3 draws × 1 run per variant.
    let out = dir.path().join("out");
    downtime(&["sweep", s(&file), "--draws", "3", "--jobs", "2", "--out", s(&out)]);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!((summary["draws"].as_u64(), summary["runs"].as_u64()), (Some(3), Some(3)));
}

/// A nested batch splits each headline KPI's spread: the three intervals, a share of variance
/// from the parameters between 0 and 1, and sharded shards merge to the same result.
#[test]
fn nested_batch_splits_chance_from_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let file = base(dir.path());
    let batch = |out: &Path, more: &[&str]| {
        let mut a = vec!["batch", s(&file), "--draws", "4", "--runs", "3", "--days", "10", "--out", s(out)];
        a.extend(more);
        downtime(&a)
    };
    let whole = dir.path().join("whole");
    let o = batch(&whole, &["--jobs", "2"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("spread by source (4 parameter draws x 3 runs)"));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(whole.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["runs"], 12);
    let u = &summary["uncertainty"];
    assert_eq!((u["draws"].as_u64(), u["runs_per_draw"].as_u64()), (Some(4), Some(3)));
    let care = &u["kpis"]["care_lost"];
    let f = |k: &str| care[k].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&f("parameter_share")), "{care}");
    assert!(f("parameter_p5") <= f("parameter_p95") && f("chance_p5") <= f("chance_p95"));
    // The draw means lie within the runs' range.
    assert!(f("total_p5") <= f("parameter_p95") && f("parameter_p5") <= f("total_p95"), "{care}");
    // The report says where the spread comes from.
    let md = std::fs::read_to_string(whole.join("report.md")).unwrap();
    assert!(md.contains("Chance and not knowing the parameters"));
    // Two shards merged: the same files.
    let parts: Vec<PathBuf> = (0..2).map(|i| dir.path().join(format!("s{i}"))).collect();
    for (i, p) in parts.iter().enumerate() {
        batch(p, &["--jobs", "1", "--shard", &format!("{i}/2")]);
    }
    let merged = dir.path().join("merged");
    downtime(&["merge", s(&parts[1]), s(&parts[0]), "--out", s(&merged)]);
    for f in ["summary.json", "bands.csv", "report.md"] {
        assert_eq!(std::fs::read(whole.join(f)).unwrap(), std::fs::read(merged.join(f)).unwrap(), "{f}");
    }
}

/// `compare --draws`: every scenario runs the same parameter draw in each unit, so a scenario
/// compared with a copy of itself differs by exactly zero in every unit, while the units
/// themselves differ (the draws vary the answer).
#[test]
fn compared_scenarios_see_the_same_parameter_draws() {
    let dir = tempfile::tempdir().unwrap();
    let file = base(dir.path());
    let copy = dir.path().join("copy.ron");
    std::fs::copy(&file, &copy).unwrap();
    let load = |p: &Path| downtime::uncertain::load(s(p)).unwrap();
    let options = downtime::batch::BatchOptions {
        runs: 2,
        seed: 7,
        jobs: 2,
        shard: downtime::experiment::Shard::ALL,
        progress: false,
    };
    let c = downtime::compare::compare_drawn(&[load(&file), load(&copy)], Some(10), &options, 3).unwrap();
    assert_eq!(c.runs, 6);
    let lost = c.layout.kpis.iter().position(|k| k == "care_lost").unwrap();
    let values: Vec<f64> = c.records[0].iter().map(|r| r.kpis[lost].unwrap().0).collect();
    assert!(values.windows(2).any(|w| w[0] != w[1]), "the draws change care lost: {values:?}");
    for d in &c.diffs {
        // A KPI can be null in some units (no recovery within 10 days): then null in both.
        assert!(d.pairs <= 6 && d.base_mean == d.mean, "{d:?}");
        if let Some(m) = d.diff_mean {
            assert_eq!(m, 0.0, "{d:?}");
        }
    }
    assert!(c.diffs.iter().any(|d| d.kpi == "care_lost" && d.pairs == 6));
    // The command: the nested design is refused for scenarios without uncertain parameters.
    let out = dir.path().join("cmp");
    let o = Command::new(common::bin())
        .args([
            "compare",
            "chipsoft-2026",
            "chipsoft-2026",
            "--draws",
            "2",
            "--runs",
            "1",
            "--days",
            "5",
            "--out",
            s(&out),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "chipsoft-2026 has uncertain parameters: {}", String::from_utf8_lossy(&o.stderr));
    let o = Command::new(common::bin())
        .args(["compare", "nl-national", "nl-national", "--draws", "2", "--runs", "1", "--out", s(&out), "--force"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
}
