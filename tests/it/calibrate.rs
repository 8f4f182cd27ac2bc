//! `downtime calibrate`: recovering a parameter from synthetic observations it generated.

use std::sync::Arc;

use downtime::calibrate::{self, CalibrateCommand};
use downtime::sim::{self, RunOptions};
use downtime::uncertain::Uncertain;

/// us-ransomware-hospital with its observations replaced by what the model gives with
/// `name` at `value` (mean of 4 replications of another seed than the calibration's), each
/// with a 10% band: changes in cases served in the week after the systems return (day 10 from
/// the attack).
fn synthetic(name: &str, value: f64) -> String {
    // A uniform prior, so that the test is about the data, not the prior's pull.
    let text = downtime::scenario::builtin::get("us-ransomware-hospital").unwrap().replace(
        "Pert(min: 0.4, mode: 0.6, max: 0.8), name: \"throughput",
        "Uniform(min: 0.4, max: 0.8), name: \"throughput",
    );
    let start = text.find("    observed: [").unwrap();
    let with = |values: &[f64]| -> String {
        let observed: Vec<String> = [("emergency", (10, 16)), ("outpatient", (10, 16)), ("admissions", (10, 16))]
            .iter()
            .zip(values)
            .map(|((service, (from, to)), v)| {
                format!(
                    "Observed(name: \"{service}, days {from}-{to}\", measure: Change(Served), kind: Hospital, service: \"{service}\", window: ({from}, {to}), value: Value({v:.3}), band: 0.1, source: \"synthetic\")"
                )
            })
            .collect();
        format!("{}    observed: [\n        {},\n    ],\n)\n", &text[..start], observed.join(",\n        "))
    };
    let u = Uncertain::from_text(&with(&[0.0; 3]), "us.ron").unwrap();
    let k = u.parameters().iter().position(|p| p.name == name).unwrap();
    let mut values = u.nominal_values();
    values[k] = value;
    let s = Arc::new(u.scenario_at(&values).unwrap());
    let mut sums = vec![0.0; s.observed.len()];
    for r in 0..4 {
        let (inc, base) = sim::run_with_baseline(s.clone(), RunOptions { seed: 99, replication: 1000 + r });
        for (i, o) in s.observed.iter().enumerate() {
            sums[i] += downtime::fit::model_value(o, &inc, &base).unwrap() / 4.0;
        }
    }
    with(&sums)
}

/// Calibrate `name` on observations generated at `truth`; the posterior's 5-95% interval.
fn recover(name: &str, truth: f64) -> (f64, f64, f64, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("synthetic.ron");
    std::fs::write(&file, synthetic(name, truth)).unwrap();
    let out = dir.path().join("out");
    let c = CalibrateCommand {
        scenario: file.display().to_string(),
        params: Some(vec![name.to_string()]),
        particles: 24,
        generations: 5,
        runs: 2,
        seed: Some(5),
        jobs: Some(2),
        out: Some(out.clone()),
        force: false,
    };
    let printed = calibrate::command(&c).unwrap();
    eprintln!("{printed}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("calibration.json")).unwrap()).unwrap();
    let p = &json["parameters"][0];
    let (lo, hi) = (p["posterior_p5"].as_f64().unwrap(), p["posterior_p95"].as_f64().unwrap());
    let prior = p["prior_p95"].as_f64().unwrap() - p["prior_p5"].as_f64().unwrap();
    // The calibrated scenario loads, with the fitted range in place of the prior.
    let fitted = out.join("us-ransomware-hospital-calibrated.ron");
    let u = downtime::uncertain::load(&fitted.display().to_string()).unwrap();
    let q = u.parameters().iter().find(|q| q.name == name).unwrap();
    let (a, b) = q.distribution.support();
    let mode = q.distribution.nominal();
    assert!(a <= mode && mode <= b && (lo..=hi).contains(&mode) && b - a < 0.4, "fitted {a}..{b}, mode {mode}");
    assert!(std::fs::read_to_string(out.join("report.md")).unwrap().contains("## Fitted ranges"));
    (lo, hi, prior, printed)
}

#[test]
fn calibration_recovers_the_parameter_behind_synthetic_observations() {
    // The prior is uniform on [0.4, 0.8]; two truths on either side of its middle.
    let name = "throughput when systems return";
    for truth in [0.45, 0.72] {
        let (lo, hi, prior, printed) = recover(name, truth);
        assert!(lo <= truth && truth <= hi, "{truth} outside the posterior's 90% interval {lo}..{hi}\n{printed}");
        // The observations taught something: narrower than the prior's 90% interval.
        assert!(hi - lo < 0.7 * prior, "posterior {lo}..{hi} against a prior 90% width of {prior}\n{printed}");
    }
}

#[test]
fn calibrate_refuses_what_it_cannot_fit() {
    let dir = tempfile::tempdir().unwrap();
    let base = |params: Option<Vec<String>>, scenario: &str| CalibrateCommand {
        scenario: scenario.to_string(),
        params,
        particles: 4,
        generations: 1,
        runs: 1,
        seed: None,
        jobs: Some(1),
        out: Some(dir.path().join("x")),
        force: false,
    };
    // No observed figures.
    let e = calibrate::command(&base(None, "pratenonline-2018")).unwrap_err();
    assert!(e.to_string().contains("observed") || e.to_string().contains("uncertain"), "{e}");
    assert_eq!(e.exit_code(), 2);
    // A misspelt parameter name gets the closest one.
    let e = calibrate::command(&base(Some(vec!["overtime cop".into()]), "wannacry-2017")).unwrap_err();
    assert!(e.to_string().contains("did you mean \"overtime cap\""), "{e}");
    assert_eq!(e.exit_code(), 2);
}
