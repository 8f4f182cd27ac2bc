//! Charts and the after-action report: every chart is a valid PNG and SVG, the HTML is
//! self-contained and escapes scenario text, ratings follow the scenario's thresholds.

use std::path::Path;

use downtime::kpi::Kpis;
use downtime::plot;
use downtime::report::aar::{self, Facts, Rating};
use downtime::report::{self, write_charts_and_report};
use downtime::scenario::evaluation::{Evaluation, Levels};

use crate::common;

/// Width and height of a PNG, checking its signature and IHDR chunk.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(bytes.len() > 33, "{} is too short for a PNG", path.display());
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{} lacks the PNG signature", path.display());
    assert_eq!(&bytes[12..16], b"IHDR", "{} lacks the IHDR chunk", path.display());
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().expect("4 bytes"));
    assert_eq!(&bytes[bytes.len() - 8..bytes.len() - 4], b"IEND", "{} is truncated", path.display());
    (be(16), be(20))
}

/// Check that a file is an SVG document: an `<svg>` root that closes, with balanced tags.
fn check_svg(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let t = text.trim();
    assert!(t.starts_with("<svg") || t.starts_with("<?xml"), "{} does not start an SVG", path.display());
    assert!(t.ends_with("</svg>"), "{} does not close its <svg>", path.display());
    let opens = t.matches("<text").count();
    let closes = t.matches("</text>").count();
    assert_eq!(opens, closes, "{}: unbalanced <text> elements", path.display());
    assert!(opens > 0, "{}: no text drawn (titles, axes)", path.display());
}

fn run_into(dir: &Path, scenario: &downtime::Scenario) -> aar::Report {
    let (incident, baseline) = common::run_pair(scenario, scenario.seed);
    let summary = report::write_run(dir, &incident, &baseline).expect("run folder written");
    write_charts_and_report(dir, &incident, &baseline, &summary).expect("charts and report written")
}

#[test]
fn a_run_writes_every_chart_as_valid_png_and_svg() {
    let dir = tempfile::tempdir().expect("temp dir");
    run_into(dir.path(), &common::builtin("chipsoft-2026"));
    let plots = dir.path().join("plots");
    assert!(plot::RUN_CHARTS.len() >= 4);
    for (stem, _) in plot::RUN_CHARTS {
        let (w, h) = png_size(&plots.join(format!("{stem}.png")));
        assert!(w >= 800 && h >= 400, "{stem}.png is {w}x{h}");
        check_svg(&plots.join(format!("{stem}.svg")));
    }
    // No temporary files are left behind.
    for entry in std::fs::read_dir(&plots).expect("plots folder") {
        let name = entry.expect("entry").file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with('.'), "temporary file left behind: {name}");
    }
    for file in ["report.md", "report.html"] {
        assert!(dir.path().join(file).metadata().expect(file).len() > 1000, "{file} is empty");
    }
}

#[test]
fn fan_and_interval_charts_are_valid() {
    let tmp = tempfile::tempdir().expect("temp dir");
    // DOWNTIME_KEEP_CHARTS=DIR keeps the charts for a look.
    let kept = std::env::var_os("DOWNTIME_KEEP_CHARTS").map(std::path::PathBuf::from);
    let dir: &Path = kept.as_deref().unwrap_or(tmp.path());
    let x: Vec<f64> = (0..30).map(f64::from).collect();
    let p50: Vec<f64> = x.iter().map(|d| 100.0 - 10.0 * (-(d - 10.0).powi(2) / 20.0).exp()).collect();
    let p5: Vec<f64> = p50.iter().map(|v| v - 3.0).collect();
    let p95: Vec<f64> = p50.iter().map(|v| v + 2.0).collect();
    plot::fan_chart(dir, "fan", "Service level, 200 runs", "delivered (%)", &x, &p5, &p50, &p95).expect("fan chart");
    let labels: Vec<String> = ["one vendor", "three vendors", "federated"].map(String::from).to_vec();
    plot::interval_chart(
        dir,
        "interval",
        "Care lost by market structure",
        "cases",
        &labels,
        &[1200.0, 700.0, 300.0],
        &[1000.0, 500.0, 250.0],
        &[1500.0, 900.0, 420.0],
    )
    .expect("interval chart");
    // Degenerate input draws without panicking.
    plot::fan_chart(dir, "empty", "No data", "x", &[], &[], &[], &[]).expect("empty fan chart");
    plot::interval_chart(dir, "nan", "NaN", "x", &labels, &[f64::NAN; 3], &[0.0; 3], &[f64::INFINITY; 3])
        .expect("chart with non-finite values");
    for stem in ["fan", "interval", "empty", "nan"] {
        png_size(&dir.join(format!("{stem}.png")));
        check_svg(&dir.join(format!("{stem}.svg")));
    }
}

/// The chipsoft scenario with hostile text in its title, description and one inject.
fn hostile_scenario() -> downtime::Scenario {
    let text = downtime::scenario::builtin::get("chipsoft-2026").expect("built-in");
    let title = "title: \"ChipSoft cloud breach, April 2026\"";
    assert!(text.contains(title), "the built-in's title changed; update this test");
    let text = text.replacen(title, "title: \"<script>alert('x')</script> & <img src=x onerror=alert(1)>\"", 1);
    assert!(text.contains("description: \""), "the built-in has no description; update this test");
    let text = text.replacen("description: \"", "description: \"a <b>bold</b> | pipe. ", 1);
    let text =
        text.replacen("title: \"Attack on the ChipSoft cloud\"", "title: \"<iframe src=\\\"http://evil\\\">\"", 1);
    let mut s = downtime::scenario::from_str(&text, "test.ron").expect("hostile scenario is still valid");
    s.set_days(30);
    s
}

#[test]
fn the_html_report_is_self_contained_and_escapes_scenario_text() {
    let dir = tempfile::tempdir().expect("temp dir");
    run_into(dir.path(), &hostile_scenario());
    let html = std::fs::read_to_string(dir.path().join("report.html")).expect("report.html");
    let lower = html.to_lowercase();
    for bad in
        ["<script", "src=\"http", "href=\"http", "@import", "url(http", "<iframe", "<img", "<link", "<object", "<embed"]
    {
        assert!(!lower.contains(bad), "report.html contains `{bad}`");
    }
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;img"), "title not escaped");
    assert!(html.contains("a &lt;b&gt;bold&lt;/b&gt; | pipe"), "description not escaped");
    assert!(html.contains("&lt;iframe src=&quot;http://evil&quot;&gt;"), "inject title not escaped");
    assert!(html.contains("<svg"), "charts are not inline");
    assert!(html.contains("</html>"));
    let md = std::fs::read_to_string(dir.path().join("report.md")).expect("report.md");
    assert!(!md.to_lowercase().contains("<script"), "report.md passes raw HTML through");
    for section in
        ["Exercise overview", "Executive summary", "Timeline", "Analysis of capabilities", "Improvement plan"]
    {
        assert!(html.contains(section) && md.contains(section), "section `{section}` missing");
    }
}

fn kpis(care_delivered_pct: f64) -> Kpis {
    Kpis { care_demand: 10_000, care_delivered_pct, ..Kpis::default() }
}

#[test]
fn a_rating_changes_when_its_threshold_is_crossed() {
    let l = Levels::new(99.0, 97.0, 90.0);
    assert_eq!(aar::rate(Some(99.0), &l, true), Rating::P);
    assert_eq!(aar::rate(Some(98.99), &l, true), Rating::S);
    assert_eq!(aar::rate(Some(96.9), &l, true), Rating::M);
    assert_eq!(aar::rate(Some(89.9), &l, true), Rating::U);
    let days = Levels::new(7.0, 14.0, 28.0);
    assert_eq!(aar::rate(Some(7.0), &days, false), Rating::P);
    assert_eq!(aar::rate(Some(8.0), &days, false), Rating::S);
    assert_eq!(aar::rate(Some(29.0), &days, false), Rating::U);
    assert_eq!(aar::rate(None, &days, false), Rating::U, "never recovered");

    // Through the capability assessment, with synthetic KPIs.
    let facts = Facts { providers: 10, records_on_file: 1000, ..Facts::default() };
    let base = kpis(100.0);
    let e = Evaluation::default();
    let continuity = |pct| aar::assess(&kpis(pct), &base, &facts, &e)[0].rating;
    assert_eq!(continuity(e.care_delivered_pct.p), Rating::P);
    assert_eq!(continuity(e.care_delivered_pct.p - 0.01), Rating::S);
    // A stricter scenario threshold turns the same run's P into S.
    let strict = Evaluation { care_delivered_pct: Levels::new(99.5, 97.0, 90.0), ..Evaluation::default() };
    assert_eq!(aar::assess(&kpis(99.2), &base, &facts, &e)[0].rating, Rating::P);
    assert_eq!(aar::assess(&kpis(99.2), &base, &facts, &strict)[0].rating, Rating::S);
    // A capability takes the worst of its measures; missed measures seed the improvement plan.
    let bad = Kpis { urgent_delayed: 50, ..kpis(99.5) };
    let caps = aar::assess(&bad, &base, &facts, &e);
    assert_eq!(caps[0].rating, Rating::U, "50 urgent delayed per 10,000 cases is beyond M");
    let plan = aar::improvement_plan(&caps, downtime::scenario::Date { year: 2026, month: 5, day: 30 });
    assert!(plan.iter().any(|i| i.capability == "Continuity of care" && i.rating == Rating::U));
    // Exchange is not rated without referrals.
    assert_eq!(caps[2].rating, Rating::NotRated);
}

#[test]
fn evaluation_thresholds_are_read_and_checked() {
    let text = downtime::scenario::builtin::get("chipsoft-2026").expect("built-in");
    let at = text.rfind(')').expect("closing parenthesis");
    let with = |eval: &str| format!("{}    evaluation: ({eval}),\n{}", &text[..at], &text[at..]);
    let s = downtime::scenario::from_str(&with("care_delivered_pct: (p: 95, s: 90, m: 80)"), "test.ron")
        .expect("valid evaluation");
    assert_eq!(s.evaluation.care_delivered_pct, Levels::new(95.0, 90.0, 80.0));
    assert_eq!(s.evaluation.time_to_recovery_days, Evaluation::default().time_to_recovery_days);
    let err = downtime::scenario::from_str(&with("time_to_recovery_days: (p: 30, s: 14, m: 7)"), "test.ron")
        .expect_err("levels out of order");
    let msg = err.to_string();
    assert!(msg.contains("time_to_recovery_days") && msg.contains("out of order"), "{msg}");
    assert!(!msg.contains("test.ron:1:1:"), "the problem has a position: {msg}");
}
