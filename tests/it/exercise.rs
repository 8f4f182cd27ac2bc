//! Exercise mode: the console driven through piped input, the transcript and decisions file it
//! writes, replaying that file with no prompts, going back to a decision, counterfactuals, bad
//! decisions files, and the stepping API it rests on.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use downtime::exercise::counterfactual;
use downtime::kpi;
use downtime::report::RunSummary;
use downtime::sim::{self, RunOptions, Simulation};

use crate::common::{bin, builtin};

/// Run `downtime ARGS` with `input` piped to stdin.
fn exercise(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(bin())
        .arg("exercise")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.code().is_some(), "killed by a signal; stderr: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Answers for chipsoft-2026 cut to 12 days, in prompt order: compromise; detect (three
/// questions); disconnect (two questions) with the disconnect decision at the same time; surge
/// (a question, then the decision); electives (likewise).
const SESSION: &str = "\n\
    \n\
    Dr. Jansen | <b>board</b>\n\n\n\n\
    \n\nkeep-down\n\n\n\
    \nwait\ntoo dear for now\n\n\
    \n2\n\n\n";

#[test]
fn piped_session_writes_transcript_and_decisions_and_replays_identically() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live");
    let o = exercise(&["chipsoft-2026", "--days", "12", "--out", live.to_str().unwrap()], SESSION);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "stderr: {}\nstdout: {stdout}", String::from_utf8_lossy(&o.stderr));
    // The console showed the inject text, the state of care and the decision options.
    assert!(stdout.contains("Portals disconnected for every customer"), "{stdout}");
    assert!(stdout.contains("cases waiting (backlog)"), "{stdout}");
    assert!(stdout.contains("2. wait — Wait and see; rely on overtime"), "{stdout}");

    let transcript = read(&live, "transcript.md");
    assert!(transcript.contains("| time | day | inject | question | choice | note |"), "{transcript}");
    let row = |needle: &str| {
        transcript.lines().find(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle}:\n{transcript}")).to_string()
    };
    // The room's answer, escaped for Markdown.
    let detect = row("Who in your organisation hears of this first");
    assert!(detect.starts_with("| 2026-04-07 12:00 | 6 | ChipSoft reports a cyber attack |"), "{detect}");
    assert!(detect.contains("Dr. Jansen \\| &lt;b&gt;board&lt;/b&gt;"), "{detect}");
    let surge = row("Call in agency and other-site staff now");
    assert!(surge.starts_with("| 2026-04-08 21:00 | 7 | Decision: surge staff |"), "{surge}");
    assert!(surge.contains("| wait — Wait and see; rely on overtime | too dear for now |"), "{surge}");
    let electives = row("What happens to elective appointments");
    assert!(electives.contains("cancel-week — Cancel elective hospital appointments for a week |"), "{electives}");
    assert!(
        row("Support the precautionary disconnect")
            .contains("keep-down — Support the disconnect until declared safe (default)")
    );

    let decisions = read(&live, "decisions.ron");
    assert!(decisions.contains(r#""surge": Choice(option: "wait", note: "too dear for now"),"#), "{decisions}");
    assert!(decisions.contains(r#""electives": Choice(option: "cancel-week", note: ""),"#), "{decisions}");
    assert!(decisions.contains("days: 12,") && decisions.contains("seed: 2026,"), "{decisions}");
    for f in ["summary.json", "timeseries.csv", "events.csv", "report.md", "report.html", "plots/service-level.svg"] {
        assert!(live.join(f).is_file(), "{f} missing");
    }
    let report = read(&live, "report.md");
    assert!(report.contains("## Decisions and counterfactuals"), "no counterfactual section");
    assert!(report.contains(
        "| room's decision | surge: wait | The room chose: Wait and see; rely on overtime. Note: too dear for now |"
    ));

    // The decisions file replays with no prompts (stdin closed) and gives identical outputs.
    let replay = dir.path().join("replay");
    let o =
        exercise(&["--decisions", live.join("decisions.ron").to_str().unwrap(), "--out", replay.to_str().unwrap()], "");
    assert!(o.status.success(), "stderr: {}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(!stdout.contains("choice:") && !stdout.contains("> "), "prompted in replay: {stdout}");
    for f in ["summary.json", "timeseries.csv", "events.csv", "decisions.ron"] {
        assert_eq!(read(&live, f), read(&replay, f), "{f} differs between the session and its replay");
    }
    assert!(read(&replay, "transcript.md").contains("too dear for now"));

    // The chosen path is not the default one.
    let default = dir.path().join("default");
    let o = exercise(&["chipsoft-2026", "--days", "12", "--out", default.to_str().unwrap()], "");
    assert!(o.status.success());
    assert_ne!(read(&live, "summary.json"), read(&default, "summary.json"));
}

#[test]
fn going_back_replays_from_the_start_with_the_new_choice() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("back");
    // As SESSION up to the surge decision (wait), then `b`, pick decision 2 (surge), re-decide
    // `call`, and take every default after that.
    let input = "\n\n\n\n\n\n\n\n\n\n\n\nwait\nfirst thought\nb\n2\n\ncall\nsecond thought\n";
    let o = exercise(&["chipsoft-2026", "--days", "12", "--out", out.to_str().unwrap()], input);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("Back to day 7"), "{stdout}");
    let transcript = read(&out, "transcript.md");
    assert!(transcript.contains("The room went back to the decision surge"), "{transcript}");
    assert!(transcript.contains("wait — Wait and see; rely on overtime | first thought"), "{transcript}");
    assert!(transcript.contains("call — Call in surge staff at hospitals and GP practices (default) | second thought"));
    let decisions = read(&out, "decisions.ron");
    assert!(decisions.contains(r#""surge": Choice(option: "call", note: "second thought"),"#), "{decisions}");

    // The replayed session equals a fresh run with the final choices.
    let replay = dir.path().join("replay");
    let o =
        exercise(&["--decisions", out.join("decisions.ron").to_str().unwrap(), "--out", replay.to_str().unwrap()], "");
    assert!(o.status.success());
    assert_eq!(read(&out, "summary.json"), read(&replay, "summary.json"));
}

#[test]
fn quitting_early_still_writes_the_whole_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("q");
    let o = exercise(&["pratenonline-2018", "--days", "20", "--out", out.to_str().unwrap()], "q\n");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(read(&out, "transcript.md").contains("The facilitator ended the exercise"));
    let summary: serde_json::Value = serde_json::from_str(&read(&out, "summary.json")).unwrap();
    assert_eq!(summary["days"], 20);
    assert!(read(&out, "decisions.ron").contains("choices: {\n    },"));
}

#[test]
fn counterfactual_differs_where_the_option_has_an_effect() {
    let mut s = builtin("chipsoft-2026");
    s.set_days(12);
    s.choose("surge", "wait").unwrap();
    let options = RunOptions { seed: 3, replication: 0 };
    let (incident, baseline) = sim::run_with_baseline(Arc::new(s.clone()), options);
    let chosen = kpi::compute(&incident, &baseline, None);
    let cf = counterfactual::compute(&s, options, &baseline, &chosen);
    let ids: Vec<&str> = cf.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["disconnect", "surge", "electives"], "decisions within 12 days, in timeline order");
    let surge = cf.iter().find(|c| c.id == "surge").unwrap();
    assert_eq!(surge.options[surge.chosen].0, "wait");
    assert_eq!(surge.options[surge.chosen].2, chosen, "the option taken shows the run's own KPIs");
    let call = &surge.options.iter().find(|o| o.0 == "call").unwrap().2;
    assert!(call.surge_cost_eur > 0.0 && chosen.surge_cost_eur == 0.0, "surge staff cost nothing");
    assert!(call.care_delivered >= chosen.care_delivered, "surge staff delivered less care");
    assert_ne!(call, &chosen);
    // Cancelling electives changes the hospitals' work.
    let electives = cf.iter().find(|c| c.id == "electives").unwrap();
    assert_ne!(electives.options[0].2, electives.options[1].2);
}

#[test]
fn malformed_decisions_file_exits_2_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.ron");
    std::fs::write(
        &bad,
        "Decisions(\n    scenario: \"chipsoft-2026\",\n    choices: {\"surge\": Choice(option: call)},\n)\n",
    )
    .unwrap();
    let o = exercise(&["--decisions", bad.to_str().unwrap(), "--out", dir.path().join("o").to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&format!("error: {}:3:", bad.display())), "{err}");

    // A well-formed file naming an option the decision does not have.
    let unknown = dir.path().join("unknown.ron");
    std::fs::write(
        &unknown,
        "Decisions(\n    scenario: \"chipsoft-2026\",\n    choices: {\n        \"surge\": Choice(option: \"maybe\"),\n        \"nope\": Choice(option: \"x\"),\n    },\n)\n",
    )
    .unwrap();
    let o = exercise(&["--decisions", unknown.to_str().unwrap(), "--out", dir.path().join("o").to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    let file = unknown.display().to_string();
    assert!(
        err.contains(&format!("error: {file}:4:33: decision `surge` has no option `maybe`; options: call, wait")),
        "{err}"
    );
    assert!(err.contains(&format!("error: {file}:5:9: the scenario has no decision `nope`")), "{err}");
    assert!(!dir.path().join("o").join("summary.json").exists(), "ran despite a bad decisions file");

    // Decisions taken in another scenario.
    let other = dir.path().join("other.ron");
    std::fs::write(&other, "Decisions(scenario: \"chipsoft-2026\")\n").unwrap();
    let o = exercise(
        &["pratenonline-2018", "--decisions", other.to_str().unwrap(), "--out", dir.path().join("o").to_str().unwrap()],
        "",
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "error: {}:1:21: these decisions were taken in scenario `chipsoft-2026`",
            other.display()
        )),
        "{err}"
    );
}

#[test]
fn stepping_to_the_horizon_gives_the_same_run() {
    let mut s = builtin("pratenonline-2018");
    s.set_days(25);
    let s = Arc::new(s);
    let options = RunOptions { seed: 11, replication: 0 };
    let mut stepped = Simulation::new(s.clone(), options);
    let mut expected = 0;
    for t in [0, 5, 5, 3, 30, 241, 700] {
        stepped.step_to(t);
        expected = expected.max(t.min(stepped.horizon()));
        assert_eq!(stepped.now(), expected);
    }
    let stepped = stepped.finish();
    let whole = sim::run(s.clone(), options);
    let baseline = sim::run(Arc::new(sim::baseline_of(&s)), options);
    let json = |o| serde_json::to_string(&RunSummary::new(o, &baseline)).unwrap();
    assert_eq!(json(&stepped), json(&whole));
}

#[test]
fn pratenonline_keeps_its_facts() {
    let s = builtin("pratenonline-2018");
    assert!(s.decisions().count() >= 3);
    let (incident, baseline) = sim::run_with_baseline(Arc::new(s), RunOptions { seed: 2018, replication: 0 });
    let k = kpi::compute(&incident, &baseline, None);
    // ref: the chats of more than 14,000 accounts, all of high sensitivity (mental health).
    assert_eq!(k.records_exfiltrated, 14_000);
    assert_eq!(k.records_exfiltrated_high_sensitivity, 14_000);
    assert!(k.care_delivered_pct < baseline_pct(&baseline), "taking the chat offline cost no care");
    assert!(k.diverted > 0, "no urgent chat went to the crisis line");
}

fn baseline_pct(baseline: &sim::Outcome) -> f64 {
    kpi::compute(baseline, baseline, None).care_delivered_pct
}
