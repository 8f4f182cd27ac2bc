//! Monte Carlo batches, comparisons, sweeps, shards and merge.

use std::path::Path;
use std::process::Command;

use downtime::Scenario;
use downtime::batch::{self, BatchMeta, BatchOptions, quantile};
use downtime::shard::{self, Partial, Shard};

/// A small scenario: two vendors, a portal and an exchange platform, 40 practices, two weeks.
const SMALL: &str = r#"
Scenario(
    id: "small",
    title: "Small test scenario",
    start: "2026-04-01",
    days: 14,
    tick_hours: 4,
    seed: 5,
    regions: ["a", "b"],
    vendors: [Vendor(id: "big"), Vendor(id: "small")],
    platforms: [
        Platform(id: "big-cloud", vendor: "big", kind: Cloud, functions: [RecordAccess]),
        Platform(id: "big-portal", vendor: "big", kind: PatientPortal, functions: [OnlineBooking]),
        Platform(id: "big-exchange", vendor: "big", kind: Exchange, functions: [Exchange]),
        Platform(id: "small-cloud", vendor: "small", kind: Cloud, functions: [RecordAccess]),
        Platform(id: "small-portal", vendor: "small", kind: PatientPortal, functions: [OnlineBooking]),
    ],
    profiles: [
        Profile(
            id: "gp",
            kind: GpPractice,
            services: [
                Service(
                    name: "consultations",
                    demand_per_1000: 20.0,
                    hours: (8, 16),
                    days: Weekdays,
                    urgency: (
                        urgent: (share: 0.1, max_wait_hours: 8),
                        soon: (share: 0.3, max_wait_hours: 48),
                        elective: (share: 0.6, max_wait_hours: 240),
                    ),
                    clinical_minutes: 10,
                    admin_minutes: 4,
                    clinical_staff_per_1000: 0.45,
                    admin_staff_per_1000: 0.2,
                    needs: [RecordAccess, OnlineBooking, Exchange],
                ),
            ],
        ),
    ],
    groups: [
        Group(id: "gp", profile: "gp", count: 40, patients: Uniform(1000, 4000),
              vendors: {"big": 0.75, "small": 0.25}, hosting: {VendorCloud: 0.5, SelfHosted: 0.5}),
    ],
    timeline: [
        Inject(day: 2, event: Compromise(vendor: "big")),
        Inject(day: 3, hour: 8, delay: Uniform(min: 0, max: 24), event: Disconnect(platforms: ["big-portal", "big-exchange"])),
        Inject(day: 4, event: Exfiltrate(scope: CloudTenants("big"), share: 0.5)),
        Inject(day: 8, delay: Triangular(min: 0, mode: 12, max: 48), event: Restore(platforms: ["big-portal", "big-exchange"])),
    ],
)
"#;

fn small() -> Scenario {
    downtime::scenario::from_str(SMALL, "small.ron").expect("the test scenario is valid")
}

fn options(runs: u64, jobs: usize, shard: Shard) -> BatchOptions {
    BatchOptions { runs, seed: 11, jobs, shard, progress: false }
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
}

#[test]
fn quantiles_on_a_known_distribution() {
    let xs: Vec<f64> = (0..=100).map(f64::from).collect();
    assert_eq!(quantile(&xs, 0.05), 5.0);
    assert_eq!(quantile(&xs, 0.5), 50.0);
    assert_eq!(quantile(&xs, 0.95), 95.0);
    // Linear interpolation between order statistics (type 7).
    assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
    assert_eq!(quantile(&[10.0, 20.0], 0.05), 10.5);
    assert_eq!(quantile(&[7.0], 0.95), 7.0);
    let st = batch::Stat::of("backlog_cleared_day", [Some(1.0), None, Some(3.0)].into_iter());
    assert_eq!((st.mean, st.p50, st.null_runs), (Some(2.0), Some(2.0), Some(1)));
}

#[test]
fn batch_results_do_not_depend_on_jobs() {
    let s = small();
    let (l1, r1) = batch::run_records(&s, &options(6, 1, Shard::ALL)).unwrap();
    let (l2, r2) = batch::run_records(&s, &options(6, 2, Shard::ALL)).unwrap();
    assert_eq!(l1, l2);
    assert_eq!(r1, r2);
    assert_eq!(r1.iter().map(|r| r.replication).collect::<Vec<_>>(), (0..6).collect::<Vec<_>>());
    // Replications differ from each other (random delays, arrivals).
    assert!(r1.windows(2).any(|w| w[0].kpis != w[1].kpis || w[0].daily != w[1].daily));
    let meta = BatchMeta::new(&s, 11, 6);
    let a = serde_json::to_string(&batch::summarize(&meta, &l1, &r1)).unwrap();
    let b = serde_json::to_string(&batch::summarize(&meta, &l2, &r2)).unwrap();
    assert_eq!(a, b);
}

#[test]
fn merged_shards_equal_the_unsharded_run_byte_for_byte() {
    let s = small();
    let tmp = tempfile::tempdir().unwrap();
    let runs = 7;
    let meta = BatchMeta::new(&s, 11, runs);
    let (layout, records) = batch::run_records(&s, &options(runs, 2, Shard::ALL)).unwrap();
    let whole = tmp.path().join("whole");
    batch::write_batch(&whole, &meta, &layout, &records).unwrap();

    let mut dirs = Vec::new();
    for index in [2, 0, 1] {
        let shard = Shard { index, count: 3 };
        let (layout, records) = batch::run_records(&s, &options(runs, 1, shard)).unwrap();
        assert!(records.iter().all(|r| r.replication % 3 == index));
        let dir = tmp.path().join(shard.folder());
        let partial = Partial::Batch { format: shard::FORMAT.into(), shard, meta: meta.clone(), layout, records };
        shard::write_partial(&dir, &partial).unwrap();
        dirs.push(dir);
    }
    let merged = tmp.path().join("merged");
    shard::merge(&dirs, &merged).unwrap();
    for file in ["summary.json", "bands.csv", "report.md", "report.html"] {
        assert_eq!(read(&whole, file), read(&merged, file), "{file} differs");
    }
    // A missing shard is refused.
    let err = shard::merge(&dirs[..2], &tmp.path().join("bad")).unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");
}

#[test]
fn comparing_a_scenario_with_itself_gives_zero_differences() {
    let s = small();
    let c = downtime::compare::compare(&[s.clone(), s], &options(4, 2, Shard::ALL)).unwrap();
    assert_eq!(c.scenarios, ["small", "small#2"]);
    assert!(!c.diffs.is_empty());
    for d in &c.diffs {
        assert_eq!(d.base_mean, d.mean, "{}", d.kpi);
        if d.pairs > 0 {
            for v in [d.diff_mean, d.ci95_low, d.ci95_high, d.diff_p5, d.diff_p95] {
                assert_eq!(v, Some(0.0), "{}", d.kpi);
            }
        }
    }
    let csv = downtime::compare::compare_csv(&c);
    assert!(csv.starts_with("scenario,reference,kpi,"));
    // The report says so, and marks nothing better, worse or within noise.
    let tmp = tempfile::tempdir().unwrap();
    downtime::compare::write_comparison(tmp.path(), &c).unwrap();
    let (html, md) = crate::report::assert_self_contained(tmp.path());
    for text in [&html, &md] {
        assert!(text.contains("identical in every KPI and every replication"), "{text}");
    }
    // No table cell is marked: Markdown rows carry no mark, HTML cells no better/worse/noise class.
    for row in md.lines().filter(|l| l.starts_with('|')) {
        for mark in ["▲", "▼", "≈"] {
            assert!(!row.contains(mark), "a self-comparison shows `{mark}`: {row}");
        }
        assert!(!row.contains("| Care") || row.contains("= no difference") || !row.contains('±'), "{row}");
    }
    for class in ["num better", "num worse", "num noise"] {
        assert!(!html.contains(class), "a self-comparison has a cell of class `{class}`");
    }
    assert!(html.contains("num same"), "differences are not marked as none");
    let diffs = downtime::report::policy::kpi_diffs(&c.layout, &c.records[0], &c.records[1]);
    assert!(diffs.iter().all(|d| d.verdict == downtime::report::direction::Verdict::NoDifference));
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn sweep_variants_hhi_and_sharded_merge() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "small.ron", SMALL);
    let sweep = write(
        tmp.path(),
        "sweep.ron",
        r#"Sweep(
    id: "t", title: "t <script>alert(1)</script>", base: "small.ron", runs: 3, days: 10, market: GpPractice,
    variants: [
        Variant(name: "today"),
        Variant(name: "equal", levers: [
            AddVendor(id: "third", like: "small"),
            MarketShares(groups: ["gp"], vendors: {"big": 0.25, "small": 0.25, "third": 0.5}),
            Plan(overtime_cap: 0.4, fallback_efficiency: 0.5),
            HostingMix(groups: [], hosting: {SelfHosted: 1.0}),
        ]),
        Variant(name: "federated", levers: [Exchange(Federated)]),
        Variant(name: "each", levers: [Compromise(EachInTurn)]),
    ],
)"#,
    );
    let s = downtime::sweep::load(&sweep).unwrap();
    let names: Vec<&str> = s.variants.iter().map(|(v, _)| v.name.as_str()).collect();
    assert_eq!(names, ["today", "equal", "federated", "each / big compromised", "each / small compromised"]);
    assert_eq!(s.variants[0].0.hhi, 6250.0); // 75% and 25% of 40 practices
    assert_eq!(s.variants[1].0.hhi, 3750.0);
    assert_eq!(s.variants[4].0.compromised, "small");
    // Self-hosted only: nothing in a vendor cloud to steal.
    let (layout, results) = downtime::sweep::run(&s, &options(3, 2, Shard::ALL)).unwrap();
    let stolen = layout.kpis.iter().position(|k| k == "records_exfiltrated").unwrap();
    assert!(results[1].1.iter().all(|r| r.kpis[stolen].unwrap().0 == 0.0));
    assert!(results[0].1.iter().all(|r| r.kpis[stolen].unwrap().0 > 0.0));

    let mut meta = s.meta.clone();
    meta.runs = 3;
    let whole = tmp.path().join("whole");
    downtime::sweep::write_sweep(&whole, &meta, &layout, &results).unwrap();
    let mut dirs = Vec::new();
    for index in 0..2 {
        let shard = Shard { index, count: 2 };
        let (layout, results) = downtime::sweep::run(&s, &options(3, 1, shard)).unwrap();
        let dir = tmp.path().join(shard.folder());
        shard::write_partial(&dir, &downtime::sweep::partial(&meta, shard, layout, results)).unwrap();
        dirs.push(dir);
    }
    let merged = tmp.path().join("merged");
    shard::merge(&dirs, &merged).unwrap();
    for file in ["summary.json", "results.csv", "results.md", "report.md", "report.html"] {
        assert_eq!(read(&whole, file), read(&merged, file), "{file} differs");
    }
    crate::report::assert_self_contained(&whole);
    let csv = String::from_utf8(read(&whole, "results.csv")).unwrap();
    assert!(csv.lines().next().unwrap().starts_with("variant,compromised,hhi,"));
    assert_eq!(csv.lines().count(), 6);
}

#[test]
fn a_malformed_sweep_file_exits_2_with_a_position() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |text: &str| {
        let p = write(tmp.path(), "bad.ron", text);
        let out = Command::new(env!("CARGO_BIN_EXE_downtime")).arg("sweep").arg(&p).output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    // Syntax: a missing comma.
    let (code, err) = run("Sweep(\n  id: \"x\"\n  title: \"t\", base: \"chipsoft-2026\", variants: [])\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("bad.ron:3:"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // Meaning: an unknown group, at its position.
    let (code, err) = run(
        "Sweep(id: \"x\", title: \"t\", base: \"chipsoft-2026\",\n  variants: [Variant(name: \"v\", levers: [\n    MarketShares(groups: [\"nope\"], vendors: {\"chipsoft\": 1.0})])])\n",
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("bad.ron:3:") && err.contains("nope"), "{err}");
    // A bad shard is a usage error.
    let out = Command::new(env!("CARGO_BIN_EXE_downtime")).args(["batch", "--shard", "3/3"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
