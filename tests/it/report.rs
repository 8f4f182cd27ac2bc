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
    let (html, md) = assert_self_contained(dir.path());
    // minijinja's HTML escape also escapes `'` and `/`.
    assert!(html.contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;&#x2f;script&gt; &amp; &lt;img"), "title not escaped");
    assert!(html.contains("a &lt;b&gt;bold&lt;&#x2f;b&gt; | pipe"), "description not escaped");
    assert!(html.contains("&lt;iframe src=&quot;http:&#x2f;&#x2f;evil&quot;&gt;"), "inject title not escaped");
    assert!(html.contains("<svg"), "charts are not inline");
    assert!(md.contains("a &lt;b&gt;bold&lt;/b&gt; \\| pipe"), "description not escaped for Markdown");
    for section in
        ["Exercise overview", "Executive summary", "Timeline", "Analysis of capabilities", "Improvement plan"]
    {
        assert!(html.contains(section) && md.contains(section), "section `{section}` missing");
    }
}

/// Check that `dir/report.html` is one self-contained page that runs no script and loads
/// nothing, and that `dir/report.md` passes no raw HTML; returns both texts.
pub fn assert_self_contained(dir: &Path) -> (String, String) {
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html");
    // Every tag, as written (escaped scenario text holds no `<`).
    for tag in html.split('<').skip(1).map(|t| t.split('>').next().unwrap_or("").to_lowercase()) {
        let name = tag.split_whitespace().next().unwrap_or("");
        for bad in [
            "script",
            "iframe",
            "img",
            "link",
            "object",
            "embed",
            "image",
            "use",
            "a",
            "form",
            "base",
            "meta http-equiv",
        ] {
            assert_ne!(name, bad, "{}: report.html has a <{bad}> tag", dir.display());
        }
        for attr in [" src=", " href=", " xlink:href=", " on", "javascript:", "url("] {
            let hit = match attr {
                " on" => tag.split_whitespace().skip(1).any(|a| a.starts_with("on") && a.contains('=')),
                _ => tag.contains(attr),
            };
            assert!(!hit, "{}: report.html has `{attr}` in <{tag}>", dir.display());
        }
        // The only address is the SVG namespace.
        if tag.contains("http") {
            assert!(
                tag.matches("http").count() == tag.matches("xmlns=\"http://www.w3.org/2000/svg\"").count(),
                "{}: <{tag}> refers to an address",
                dir.display()
            );
        }
    }
    let style = html.split("<style>").nth(1).and_then(|s| s.split("</style>").next()).unwrap_or("");
    assert!(!style.contains("url(") && !style.contains("@import"), "the CSS loads something");
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert!(html.contains("<style>"), "the CSS is not inline");
    let md = std::fs::read_to_string(dir.join("report.md")).expect("report.md");
    let md_lower = md.to_lowercase();
    for bad in ["<script", "<iframe", "<img", "<b>"] {
        assert!(!md_lower.contains(bad), "{}: report.md passes raw HTML `{bad}` through", dir.display());
    }
    (html, md)
}

/// A run's strengths and areas for improvement never contradict the ratings.
#[test]
fn a_measure_rated_worse_than_p_is_never_a_strength() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut scenario = common::builtin("chipsoft-2026");
    scenario.set_days(30);
    let mut r = run_into(dir.path(), &scenario);
    let check = |r: &aar::Report| {
        for (cap, m) in r.strengths() {
            let c = r.capabilities.iter().find(|c| c.name == cap).expect("capability");
            assert_eq!(m.rating, Rating::P, "{}: a strength rated {}", m.name, m.rating.code());
            assert_eq!(c.rating, Rating::P, "{}: a strength of a capability rated {}", m.name, c.rating.code());
        }
    };
    check(&r);
    // A measure that met its target for P inside a capability rated M is not a strength ...
    let c = &mut r.capabilities[0];
    c.measures[0].rating = Rating::P;
    c.measures[1].rating = Rating::M;
    c.rating = Rating::M;
    check(&r);
    assert!(!r.strengths().iter().any(|(_, m)| m.key == r.capabilities[0].measures[0].key));
    // ... and its name stays out of the strengths in the rendered report.
    let html_of = |r: &aar::Report| {
        let view = report::run_report::RunView::new(r, Vec::new());
        report::render::render("run.html", &view).expect("renders")
    };
    let html = html_of(&r);
    let strengths = html.split("<h3>Major strengths</h3>").nth(1).and_then(|s| s.split("</ul>").next()).unwrap();
    assert!(!strengths.contains(&r.capabilities[0].measures[0].name.to_lowercase()), "{strengths}");
    // Once every measure of the capability is P, it is a strength.
    for m in &mut r.capabilities[0].measures {
        m.rating = Rating::P;
    }
    r.capabilities[0].rating = Rating::P;
    check(&r);
    assert!(r.strengths().iter().any(|(_, m)| m.key == r.capabilities[0].measures[0].key));
    let html = html_of(&r);
    let strengths = html.split("<h3>Major strengths</h3>").nth(1).and_then(|s| s.split("</ul>").next()).unwrap();
    assert!(strengths.contains(&r.capabilities[0].measures[0].name.to_lowercase()), "{strengths}");
}

/// The executive summary leads with the harm, each figure beside what it is compared with.
#[test]
fn the_executive_summary_leads_with_what_hurt_most() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut scenario = common::builtin("chipsoft-2026");
    scenario.set_days(30);
    let r = run_into(dir.path(), &scenario);
    let s = r.summary_sentences();
    assert!(s[0].contains("behind") && s[0].contains("baseline"), "{}", s[0]);
    assert!(s[1].contains("urgent") && s[1].contains("baseline"), "{}", s[1]);
    assert!(s.iter().any(|x| x.starts_with("Hardest hit:")), "{s:?}");
    for x in &s {
        assert!(!x.contains(" 1 days") && !x.contains(".00 cases"), "{x}");
    }
    // Recovery "0 days" never reads as "recovered instantly".
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(!md.contains("| Time to recovery (service level back to 95% of normal) | 0 days |"), "{md}");
}

#[test]
fn student_t_intervals_match_the_tables_for_small_samples() {
    use downtime::report::stats::{MeanCi, t95};
    assert!((t95(4).unwrap() - 2.776).abs() < 5e-4);
    assert!((t95(9).unwrap() - 2.262).abs() < 5e-4);
    let ci = MeanCi::of(&[10.0, 12.0, 14.0, 16.0, 18.0]).unwrap();
    // sd = sqrt(10); half width = 2.776 * sqrt(10) / sqrt(5) = 3.926, not 1.96 * ... = 2.772.
    assert!((ci.half_width - 2.7764 * 2f64.sqrt()).abs() < 1e-3, "{}", ci.half_width);
    assert!((ci.low - (14.0 - ci.half_width)).abs() < 1e-12);
}

#[test]
fn better_and_worse_flip_with_the_kpi_direction() {
    use downtime::report::direction::{self, Direction, Verdict};
    use downtime::report::policy::{KpiDiff, diff_cell};
    use downtime::report::stats::MeanCi;
    let up = MeanCi::of(&[1.9, 2.0, 2.1]).unwrap();
    let down = MeanCi::of(&[-1.9, -2.0, -2.1]).unwrap();
    let noise = MeanCi::of(&[-1.0, 2.0, -0.5]).unwrap();
    assert_eq!(Verdict::of(&up, Direction::HigherIsBetter), Verdict::Better);
    assert_eq!(Verdict::of(&up, Direction::LowerIsBetter), Verdict::Worse);
    assert_eq!(Verdict::of(&down, Direction::HigherIsBetter), Verdict::Worse);
    assert_eq!(Verdict::of(&down, Direction::LowerIsBetter), Verdict::Better);
    assert_eq!(Verdict::of(&noise, Direction::LowerIsBetter), Verdict::WithinNoise);
    // The same increase reads as better for care delivered and worse for urgent cases delayed,
    // with the sign and a word as well as the colour.
    let cell = |key: &'static str| {
        let k = direction::kpi(key).unwrap();
        let verdict = Verdict::of(&up, k.direction);
        diff_cell(&KpiDiff { key, label: k.label, reference: None, value: None, diff: Some(up), verdict })
    };
    let delivered = cell("care_delivered_pct");
    let delayed = cell("urgent_delayed");
    assert!(delivered.text.starts_with('+') && delivered.text.contains("▲ better"), "{}", delivered.text);
    assert_eq!(delivered.class, "better");
    assert!(delayed.text.starts_with('+') && delayed.text.contains("▼ worse"), "{}", delayed.text);
    assert_eq!(delayed.class, "worse");
    assert_eq!(direction::kpi("care_delivered_pct").unwrap().direction, Direction::HigherIsBetter);
    assert_eq!(direction::kpi("records_exfiltrated").unwrap().direction, Direction::LowerIsBetter);
}

#[test]
fn batch_and_compare_reports_are_self_contained_and_escape_scenario_text() {
    use downtime::batch::{self, BatchMeta, BatchOptions};
    let tmp = tempfile::tempdir().expect("temp dir");
    let hostile = hostile_scenario();
    let options = BatchOptions { runs: 2, seed: 3, jobs: 2, shard: downtime::shard::Shard::ALL, progress: false };
    let (layout, records) = batch::run_records(&hostile, &options).expect("batch");
    let mut meta = BatchMeta::new(&hostile, 3, 2);
    meta.context = Some(batch::chart_context(&hostile, 3));
    let dir = tmp.path().join("batch");
    batch::write_batch(&dir, &meta, &layout, &records).expect("batch written");
    let (html, md) = assert_self_contained(&dir);
    assert!(html.contains("&lt;script&gt;alert("), "batch title not escaped");
    assert!(md.contains("Conclusion") && html.contains("Conclusion"));

    let mut plain = common::builtin("chipsoft-2026");
    plain.set_days(30);
    let c = downtime::compare::compare(&[plain, hostile], &options).expect("compare");
    let dir = tmp.path().join("compare");
    downtime::compare::write_comparison(&dir, &c).expect("comparison written");
    let (html, md) = assert_self_contained(&dir);
    assert!(html.contains("&lt;script&gt;alert("), "compared title not escaped");
    assert!(md.contains("&lt;script&gt;alert("), "compared title not escaped for Markdown");
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
