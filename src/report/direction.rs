//! Which way is better for each KPI, its label and its unit, as the reports of batches,
//! comparisons and sweeps show them; and the verdict on a difference (better, worse, within
//! noise, no difference), marked with a sign and a word so that it reads without colour.

use serde::Serialize;

use super::format::Unit;
use super::stats::MeanCi;

/// Whether a higher value of a KPI is better or worse for patients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
}

/// A KPI as the policy reports show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KpiInfo {
    pub key: &'static str,
    pub label: &'static str,
    pub unit: Unit,
    pub direction: Direction,
}

const fn info(key: &'static str, label: &'static str, unit: Unit, direction: Direction) -> KpiInfo {
    KpiInfo { key, label, unit, direction }
}

use Direction::{HigherIsBetter as Higher, LowerIsBetter as Lower};

/// The KPIs of the policy reports, in the order shown.
pub const KPIS: [KpiInfo; 14] = [
    info("care_behind_peak", "Care behind normal at the peak (cases)", Unit::Count, Lower),
    info("care_lost", "Care lost within the horizon (cases)", Unit::Count, Lower),
    info("care_delivered_pct", "Care delivered (share of demand)", Unit::Percent, Higher),
    info("urgent_delayed", "Urgent cases delayed", Unit::Count, Lower),
    info("diverted", "Urgent cases diverted to another provider", Unit::Count, Lower),
    info("postponed", "Cases postponed", Unit::Count, Lower),
    info("peak_backlog", "Peak backlog (cases waiting)", Unit::Count, Lower),
    info("referrals_delayed", "Referrals delayed", Unit::Count, Lower),
    info("overtime_hours", "Overtime (staff hours)", Unit::Amount, Lower),
    info("providers_exhausted", "Providers whose protocol could not be staffed", Unit::Count, Lower),
    info("records_exfiltrated", "Patient records stolen", Unit::Count, Lower),
    info("records_exfiltrated_high_sensitivity", "of which high sensitivity", Unit::Count, Lower),
    info("time_to_recovery_days", "Time to recovery (days; 0: never below 95% of normal)", Unit::Days, Lower),
    info("notification_deadlines_met_pct", "Notification deadlines met", Unit::Percent, Higher),
];

/// The report's information on KPI `key`, if it is one the reports show.
pub fn kpi(key: &str) -> Option<&'static KpiInfo> {
    KPIS.iter().find(|k| k.key == key)
}

/// What a difference from the reference means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every replication gave the same value.
    NoDifference,
    /// The 95% interval of the mean difference contains zero.
    WithinNoise,
    Better,
    Worse,
}

impl Verdict {
    /// The verdict on the paired difference `ci` (variant − reference) of a KPI going `direction`.
    pub fn of(ci: &MeanCi, direction: Direction) -> Verdict {
        if ci.is_zero() {
            Verdict::NoDifference
        } else if ci.within_noise() {
            Verdict::WithinNoise
        } else if (ci.mean > 0.0) == (direction == Direction::HigherIsBetter) {
            Verdict::Better
        } else {
            Verdict::Worse
        }
    }

    /// A mark that reads without colour.
    pub fn mark(self) -> &'static str {
        match self {
            Verdict::NoDifference => "= no difference",
            Verdict::WithinNoise => "≈ within noise",
            Verdict::Better => "▲ better",
            Verdict::Worse => "▼ worse",
        }
    }

    /// The CSS class of the mark.
    pub fn class(self) -> &'static str {
        match self {
            Verdict::NoDifference => "same",
            Verdict::WithinNoise => "noise",
            Verdict::Better => "better",
            Verdict::Worse => "worse",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kpi_is_known_once() {
        for (i, k) in KPIS.iter().enumerate() {
            assert!(KPIS[..i].iter().all(|o| o.key != k.key), "{} twice", k.key);
        }
    }
}
