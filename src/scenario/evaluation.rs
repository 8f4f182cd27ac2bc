//! The scenario's evaluation criteria: the thresholds at which the after-action report rates
//! each capability P / S / M / U (HSEEP: performed without challenges, with some challenges,
//! with major challenges, unable to be performed). This module owns the RON schema
//! (`evaluation: (...)` in a scenario, every field optional), its defaults and its checks.
//!
//! ```ron
//! evaluation: (
//!     care_delivered_pct: (p: 99, s: 97, m: 90),   // at least, in %
//!     time_to_recovery_days: (p: 7, s: 14, m: 28), // at most
//! ),
//! ```
//!
//! For a measure where more is better (`care_delivered_pct`) a run at or above `p` is rated P,
//! at or above `s` S, at or above `m` M, and below `m` U. For the others (at most) a run at or
//! below `p` is P, at or below `s` S, at or below `m` M, above `m` U.

use serde::Deserialize;

/// Thresholds for the ratings P, S and M of one measure; beyond `m` the rating is U.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Levels")]
pub struct Levels {
    /// Threshold for P (performed without challenges).
    pub p: f64,
    /// Threshold for S (performed with some challenges).
    pub s: f64,
    /// Threshold for M (performed with major challenges); beyond it, U (unable to be performed).
    pub m: f64,
}

impl Levels {
    pub const fn new(p: f64, s: f64, m: f64) -> Self {
        Levels { p, s, m }
    }
}

/// `evaluation: (...)` as written in a scenario. Every field is optional; the defaults are
/// assumptions meant as a starting point for a provider to replace with its own plan's targets.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[serde(rename = "Evaluation")]
pub struct RawEvaluation {
    /// Continuity of care: share of demanded care delivered within the horizon, in %, at
    /// least. Default `(p: 99, s: 97, m: 90)`.
    pub care_delivered_pct: Option<Levels>,
    /// Continuity of care: urgent cases delayed (served past their maximum wait, or not at all,
    /// and not diverted) per 10,000 cases demanded, at most. Default `(p: 0, s: 1, m: 5)`.
    pub urgent_delayed_per_10k: Option<Levels>,
    /// Staffing: share of providers whose emergency protocol could no longer be staffed, in %,
    /// at most. Default `(p: 0, s: 5, m: 20)`.
    pub providers_exhausted_pct: Option<Levels>,
    /// Staffing: overtime hours worked beyond the baseline's, per provider, at most.
    /// Default `(p: 40, s: 120, m: 300)`.
    pub extra_overtime_hours_per_provider: Option<Levels>,
    /// Exchange and referrals: share of referrals, prescriptions and transfers that arrived late,
    /// in %, at most. Default `(p: 2, s: 10, m: 25)`. Not rated when the run has no referrals.
    pub referrals_delayed_pct: Option<Levels>,
    /// Breach response: hours from the first compromise until the breach is known (detection or
    /// announcement), at most. Default `(p: 24, s: 72, m: 168)`.
    pub detection_hours: Option<Levels>,
    /// Breach response: share of the patient records on file that were stolen, in %, at most.
    /// Default `(p: 0, s: 1, m: 10)`.
    pub records_stolen_pct: Option<Levels>,
    /// Recovery: days from the first compromise until the 7-day service level is back to 95% of
    /// normal for good, at most (never within the horizon rates U). Default `(p: 7, s: 14, m: 28)`.
    pub time_to_recovery_days: Option<Levels>,
    /// Recovery: share of providers disrupted for longer than their plan's maximum tolerable
    /// period, in %, at most. Default `(p: 0, s: 5, m: 20)`.
    pub mtpd_breached_pct: Option<Levels>,
    /// Recovery: days from the last restore until the backlog is back within 5% of normal, at most
    /// (never within the horizon rates U). Default `(p: 7, s: 14, m: 28)`.
    pub backlog_cleared_days: Option<Levels>,
}

/// The checked evaluation criteria (defaults filled in).
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub care_delivered_pct: Levels,
    pub urgent_delayed_per_10k: Levels,
    pub providers_exhausted_pct: Levels,
    pub extra_overtime_hours_per_provider: Levels,
    pub referrals_delayed_pct: Levels,
    pub detection_hours: Levels,
    pub records_stolen_pct: Levels,
    pub time_to_recovery_days: Levels,
    pub mtpd_breached_pct: Levels,
    pub backlog_cleared_days: Levels,
}

impl Default for Evaluation {
    fn default() -> Self {
        Evaluation {
            care_delivered_pct: Levels::new(99.0, 97.0, 90.0),
            urgent_delayed_per_10k: Levels::new(0.0, 1.0, 5.0),
            providers_exhausted_pct: Levels::new(0.0, 5.0, 20.0),
            extra_overtime_hours_per_provider: Levels::new(40.0, 120.0, 300.0),
            referrals_delayed_pct: Levels::new(2.0, 10.0, 25.0),
            detection_hours: Levels::new(24.0, 72.0, 168.0),
            records_stolen_pct: Levels::new(0.0, 1.0, 10.0),
            time_to_recovery_days: Levels::new(7.0, 14.0, 28.0),
            mtpd_breached_pct: Levels::new(0.0, 5.0, 20.0),
            backlog_cleared_days: Levels::new(7.0, 14.0, 28.0),
        }
    }
}

/// Check `raw` (absent: all defaults). Returns the criteria and the problems found as
/// (path below the scenario root, message).
pub fn check(raw: Option<&RawEvaluation>) -> (Evaluation, Vec<(String, String)>) {
    let mut e = Evaluation::default();
    let mut problems = Vec::new();
    let Some(raw) = raw else { return (e, problems) };
    // (name, given, target, higher is better, upper bound)
    let fields: [(&str, Option<Levels>, &mut Levels, bool, f64); 10] = [
        ("care_delivered_pct", raw.care_delivered_pct, &mut e.care_delivered_pct, true, 100.0),
        ("urgent_delayed_per_10k", raw.urgent_delayed_per_10k, &mut e.urgent_delayed_per_10k, false, 10_000.0),
        ("providers_exhausted_pct", raw.providers_exhausted_pct, &mut e.providers_exhausted_pct, false, 100.0),
        (
            "extra_overtime_hours_per_provider",
            raw.extra_overtime_hours_per_provider,
            &mut e.extra_overtime_hours_per_provider,
            false,
            1.0e6,
        ),
        ("referrals_delayed_pct", raw.referrals_delayed_pct, &mut e.referrals_delayed_pct, false, 100.0),
        ("detection_hours", raw.detection_hours, &mut e.detection_hours, false, 87_600.0),
        ("records_stolen_pct", raw.records_stolen_pct, &mut e.records_stolen_pct, false, 100.0),
        ("time_to_recovery_days", raw.time_to_recovery_days, &mut e.time_to_recovery_days, false, 3650.0),
        ("mtpd_breached_pct", raw.mtpd_breached_pct, &mut e.mtpd_breached_pct, false, 100.0),
        ("backlog_cleared_days", raw.backlog_cleared_days, &mut e.backlog_cleared_days, false, 3650.0),
    ];
    for (name, given, target, higher, max) in fields {
        let Some(l) = given else { continue };
        let path = format!("evaluation.{name}");
        let values = [("p", l.p), ("s", l.s), ("m", l.m)];
        if let Some((k, v)) = values.iter().find(|(_, v)| !(v.is_finite() && *v >= 0.0 && *v <= max)) {
            problems.push((format!("{path}.{k}"), format!("`{name}` {k} is {v}; it must be between 0 and {max}")));
            continue;
        }
        let ordered = if higher { l.p >= l.s && l.s >= l.m } else { l.p <= l.s && l.s <= l.m };
        if !ordered {
            let (word, example) =
                if higher { ("at least", "(p: 99, s: 97, m: 90)") } else { ("at most", "(p: 7, s: 14, m: 28)") };
            problems.push((
                path,
                format!(
                    "the levels of `{name}` (p: {}, s: {}, m: {}) are out of order; it is a value {word}, so write them as p {} s {} m, such as {example}",
                    l.p,
                    l.s,
                    l.m,
                    if higher { ">=" } else { "<=" },
                    if higher { ">=" } else { "<=" },
                ),
            ));
            continue;
        }
        *target = l;
    }
    (e, problems)
}
