//! Uncertain parameters (`Uncertain(...)` in scenario files): loading, nominal values, draws,
//! positioned errors.

use downtime::uncertain::{self, Distribution, Uncertain};

use crate::common;

/// The hospital template (plain numbers throughout).
fn hospital() -> &'static str {
    downtime::scenario::templates::get("hospital").unwrap()
}

/// The position (line, column) of the first `Uncertain` of `text`.
fn position(text: &str) -> (usize, usize) {
    let line = text.lines().position(|l| l.contains("Uncertain(")).unwrap();
    (line + 1, text.lines().nth(line).unwrap().find("Uncertain(").unwrap() + 1)
}

/// The hospital template with the hospital's `overtime_cap: 0.2` replaced by `replacement`.
fn with_overtime(replacement: &str) -> String {
    let text = hospital();
    let at = text.find("overtime_cap: 0.2").unwrap();
    format!("{}overtime_cap: {replacement}{}", &text[..at], &text[at + "overtime_cap: 0.2".len()..])
}

#[test]
fn a_scenario_without_distributions_has_no_parameters() {
    let u = uncertain::load("pratenonline-2018").unwrap();
    assert!(u.parameters().is_empty());
    assert!(u.draw(1, 0).is_empty());
    assert_eq!(u.nominal().providers.len(), common::builtin("pratenonline-2018").providers.len());
}

#[test]
fn built_in_ranges_keep_the_nominal_values_and_load() {
    let u = uncertain::load("chipsoft-2026").unwrap();
    assert!(u.parameters().len() >= 10);
    // Every range is a PERT with its mode at the value the scenario had.
    for p in u.parameters() {
        assert!(matches!(p.distribution, Distribution::Pert { .. }), "{}", p.name);
        assert!(!p.name.contains('['), "a built-in parameter has a written name: {}", p.name);
    }
    let cap = u.parameters().iter().find(|p| p.name == "hospital overtime cap").unwrap();
    assert_eq!(cap.distribution.nominal(), 0.2);
    assert_eq!(u.nominal().profiles[0].plan.overtime_cap, 0.2);
    // Draws of the whole set validate (independent ranges of independent fields).
    for d in 0..20 {
        u.scenario_at(&u.draw(7, d)).unwrap();
    }
}

#[test]
fn nominal_values_give_the_scenario_as_written_and_draws_stay_in_range() {
    let text = with_overtime("Uncertain(Pert(min: 0.1, mode: 0.2, max: 0.5))");
    let u = Uncertain::from_text(&text, "x.ron").unwrap();
    let p = &u.parameters()[0];
    assert_eq!(p.name, "profiles[hospital].plan.overtime_cap");
    assert_eq!((p.line, p.column), position(&text));
    assert!(!p.integer);
    // Nominal: the same simulation as the plain file.
    let plain = downtime::scenario::from_str(hospital(), "hospital.ron").unwrap();
    assert_eq!(u.nominal().profiles[0].plan.overtime_cap, 0.2);
    let (a, _) = common::run_pair(u.nominal(), 3);
    let (b, _) = common::run_pair(&plain, 3);
    assert_eq!(format!("{:?}", a.series), format!("{:?}", b.series));
    // Draws: reproducible, in range, different per draw index, and what the scenario gets.
    let draws: Vec<f64> = (0..200).map(|d| u.draw(11, d)[0]).collect();
    assert_eq!(draws[5], u.draw(11, 5)[0]);
    assert!(draws.iter().all(|&x| (0.1..=0.5).contains(&x)));
    let mean = draws.iter().sum::<f64>() / draws.len() as f64;
    // PERT(0.1, 0.2, 0.5) has mean (0.1 + 0.8 + 0.5)/6 = 0.2333.
    assert!((mean - 0.2333).abs() < 0.015, "{mean}");
    let s = u.scenario_at(&[0.37]).unwrap();
    assert_eq!(s.profiles[0].plan.overtime_cap, 0.37);
    let raw = u.raw_at(&[0.37]).unwrap();
    assert_eq!(raw.profiles[0].plan.overtime_cap, 0.37);
}

#[test]
fn a_range_that_reaches_an_invalid_value_is_a_positioned_error() {
    // The overtime cap must be at most 1.
    let text = with_overtime("Uncertain(Uniform(min: 0.1, max: 1.5), name: \"overtime\")");
    let e = Uncertain::from_text(&text, "x.ron").unwrap_err();
    assert_eq!((e.problems[0].line, e.problems[0].column), position(&text), "{e}");
    assert!(e.problems[0].message.contains("upper end") && e.problems[0].message.contains("1.5"), "{e}");
    // A normal without stated bounds is cut at the field's valid range [0, 1].
    let text = with_overtime("Uncertain(Normal(mean: 0.2, sd: 0.2))");
    let u = Uncertain::from_text(&text, "x.ron").unwrap();
    let (lo, hi) = u.parameters()[0].distribution.support();
    assert!(lo.abs() < 1e-9 && (hi - 1.0).abs() < 1e-9, "{lo} {hi}");
    assert!((0..100).all(|d| u.scenario_at(&u.draw(1, d)).is_ok()));
}

#[test]
fn syntax_errors_inside_a_distribution_point_into_the_file() {
    let text = with_overtime("Uncertain(Pert(min: 0.1, mod: 0.2, max: 0.5))");
    let e = Uncertain::from_text(&text, "x.ron").unwrap_err();
    assert_eq!(e.problems[0].line, position(&text).0, "{e}");
    assert!(e.problems[0].column > position(&text).1 && e.problems[0].message.contains("mod"), "{e}");
    let text = with_overtime("Uncertain(Pert(min: 0.3, mode: 0.2, max: 0.5))");
    let e = Uncertain::from_text(&text, "x.ron").unwrap_err();
    assert!(e.problems[0].message.contains("min <= mode <= max"), "{e}");
    // Positions after a replaced expression are the file's own.
    let text = hospital().replacen(
        "surge: Surge(share: 0.1, lead_hours: 48,",
        "surge: Surge(share: Uncertain(Pert(min: 0.05, mode: 0.1, max: 0.2)), lead_hours: -48,",
        1,
    );
    let e = Uncertain::from_text(&text, "x.ron").unwrap_err();
    let line = text.lines().position(|l| l.contains("lead_hours: -48")).unwrap();
    let column = text.lines().nth(line).unwrap().find("-48").unwrap() + 1;
    assert!(e.problems.iter().any(|p| (p.line, p.column) == (line + 1, column)), "{e}");
}

#[test]
fn whole_number_fields_get_whole_numbers() {
    let text =
        hospital().replacen("hours: (8, 17)", "hours: (Uncertain(Uniform(min: 6, max: 10), name: \"opening\"), 17)", 1);
    let u = Uncertain::from_text(&text, "x.ron").unwrap();
    let p = &u.parameters()[0];
    assert!(p.integer && p.name == "opening");
    let v = u.draw(2, 0);
    let s = u.scenario_at(&v).unwrap();
    let open = s.profiles[0].services.iter().find(|sv| sv.name == "outpatient").unwrap().open;
    assert_eq!(f64::from(open), v[0].round());
}

#[test]
fn fitted_distributions_replace_the_expressions() {
    let text = with_overtime("Uncertain(Pert(min: 0.1, mode: 0.2, max: 0.5), name: \"overtime\")");
    let u = Uncertain::from_text(&text, "x.ron").unwrap();
    let fitted = u.text_with(&[Distribution::Triangular { min: 0.15, mode: 0.25, max: 0.3 }]);
    let v = Uncertain::from_text(&fitted, "y.ron").unwrap();
    assert_eq!(v.parameters()[0].name, "overtime");
    assert_eq!(v.parameters()[0].distribution, Distribution::Triangular { min: 0.15, mode: 0.25, max: 0.3 });
    assert_eq!(v.nominal().profiles[0].plan.overtime_cap, 0.25);
}

#[test]
fn a_whole_number_field_with_a_fractional_mode_loads() {
    // The nominal value 21.3 of a day is rounded, not written as a fraction into the field.
    let text = hospital().replacen("hours: (8, 17)", "hours: (Uncertain(Pert(min: 6, mode: 7.6, max: 10)), 17)", 1);
    let u = Uncertain::from_text(&text, "x.ron").unwrap();
    assert!(u.parameters()[0].integer);
    let open = u.nominal().profiles[0].services.iter().find(|sv| sv.name == "outpatient").unwrap().open;
    assert_eq!(open, 8);
}

/// A malformed `Uncertain(...)` is reported in the scenario's words: the distributions it may
/// hold, never the names of the Rust types that read it.
#[test]
fn malformed_uncertain_expressions_speak_the_scenario_s_words() {
    for bad in [
        "Uncertain(Uncertain(Pert(min: 0.1, mode: 0.2, max: 0.3)))",
        "Uncertain(Pert(min: 0.1, mode: 0.2, max: 0.3), name: \"x\", name: \"y\")",
        "Uncertain(Gamma(shape: 2))",
    ] {
        let text = with_overtime(bad);
        let e = Uncertain::from_text(&text, "h.ron").unwrap_err();
        let message = &e.problems[0].message;
        assert_eq!(e.problems[0].line, position(&text).0, "{message}");
        assert!(!message.contains("Spec") && !message.contains("Extras"), "{message}");
        assert!(message.contains("Uncertain(...)"), "{message}");
    }
}
