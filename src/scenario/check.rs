//! The calibration check of `downtime validate`: warnings (not errors) about a scenario that is
//! valid but implausible in normal times, before any incident.
//!
//! A file can pass every check of `validate` and still describe a provider that cannot
//! keep up on an ordinary day (staff cut tenfold by a slip of a decimal point) or one whose
//! staff sit idle; every incident result of such a scenario is then wrong. Four checks:
//!
//! 1. **Staff utilisation** of each service in normal times, computed from the figures (own
//!    demand plus referrals in, minutes per case, staff on duty after normal sick leave): a
//!    warning above [`MAX_UTILISATION`] at any provider, or below [`MIN_UTILISATION`] at all
//!    of them (clinical staff; admin staff only above the maximum).
//! 2. **Care delivered** by a short baseline run (the incident removed, the scenario's seed, at
//!    most [`BASELINE_DAYS`] days): a warning per provider kind below [`MIN_DELIVERED_PCT`].
//! 3. **Urgent cases in time** in that baseline: a warning per provider kind when more than
//!    [`MAX_URGENT_LATE_SHARE`] of urgent cases are served late, diverted or not at all.
//! 4. **Opening hours the ticks miss**: a service is open for a tick when the tick starts within
//!    its hours, so with long ticks (`tick_hours` of 8, 12 or 24) hours that hold no tick's
//!    start never open the service, and it gets no demand at all (a clinic open 08:00–17:00 at
//!    24-hour ticks). A warning per such service; checks 1–3 cannot see it, as nothing is
//!    demanded there.
//!
//! Each warning carries the position of the figure to look at. The thresholds are
//! assumptions, documented in docs/model.md ("Calibration check").

use std::sync::Arc;

use super::locate::Locations;
use super::{Scenario, URGENT};
use crate::model::ProviderKind;

/// Highest plausible share of staff time busy in normal times. Assumption: above 100% the
/// staff cannot do the normal day's work at all.
pub const MAX_UTILISATION: f64 = 1.0;
/// Lowest plausible share of clinical staff time busy in normal times. Assumption: below 30%
/// the staffing or the demand is most likely mistyped.
pub const MIN_UTILISATION: f64 = 0.3;
/// Lowest plausible share of demanded care a provider kind delivers without an incident, in %.
/// Assumption: the baseline leaves only the cases of the last days in the queue.
pub const MIN_DELIVERED_PCT: f64 = 90.0;
/// Highest plausible share of urgent cases served late, diverted or not at all without an
/// incident. Assumption.
pub const MAX_URGENT_LATE_SHARE: f64 = 0.05;
/// Longest baseline run of the check, in days: enough for queues to settle, cheap to run.
pub const BASELINE_DAYS: u32 = 28;

/// One warning, at a position in the scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Check a valid `scenario` read from `text` (for positions).
pub fn check(scenario: &Scenario, text: &str) -> Vec<Warning> {
    let mut warnings = quick(scenario, text);
    warnings.extend(baseline(scenario, &Locations::index(text)));
    warnings.sort_by_key(|w| (w.line, w.column));
    warnings
}

/// The checks that need no run (1 and 4), for `run` and `batch` to point at before they
/// start: computed from the figures alone, in well under a millisecond at national scale.
pub fn quick(scenario: &Scenario, text: &str) -> Vec<Warning> {
    let loc = Locations::index(text);
    let mut warnings = utilisation(scenario, &loc);
    warnings.extend(hours_without_ticks(scenario, &loc));
    warnings.sort_by_key(|w| (w.line, w.column));
    warnings
}

/// The position of the first of `fields` written under `base`, else of `base` itself.
fn position(loc: &Locations, base: &str, fields: &[&str]) -> (usize, usize) {
    let at_base = loc.at(base);
    fields.iter().map(|f| loc.at(&format!("{base}.{f}"))).find(|p| *p != at_base).unwrap_or(at_base)
}

fn utilisation(scenario: &Scenario, loc: &Locations) -> Vec<Warning> {
    let inflow = crate::sim::referral_inflow(scenario);
    let mut out = Vec::new();
    for (pi, profile) in scenario.profiles.iter().enumerate() {
        let available = 1.0 - profile.sick_leave;
        for (si, s) in profile.services.iter().enumerate() {
            let open_days = super::units::open_days_per_week(s.days);
            let minutes = f64::from(s.open_hours_per_day()) * 60.0 * available;
            // (lowest, highest clinical, highest admin, provider at the highest clinical, providers)
            let mut lo = f64::INFINITY;
            let mut hi = (f64::NEG_INFINITY, String::new());
            let mut admin_hi = (f64::NEG_INFINITY, String::new());
            let mut n = 0;
            for (k, p) in scenario.providers.iter().enumerate().filter(|(_, p)| p.profile == pi) {
                let scale = p.patients as f64 / 1000.0;
                let cases = s.demand_per_1000 * scale + inflow[k][si] * 7.0 / open_days;
                let clinical = cases * s.clinical_minutes / (s.clinical_staff_per_1000 * scale * minutes);
                lo = lo.min(clinical);
                if clinical > hi.0 {
                    hi = (clinical, p.id.clone());
                }
                if s.admin_minutes > 0.0 && s.admin_staff_per_1000 > 0.0 {
                    let admin = cases * s.admin_minutes / (s.admin_staff_per_1000 * scale * minutes);
                    if admin > admin_hi.0 {
                        admin_hi = (admin, p.id.clone());
                    }
                }
                n += 1;
            }
            if n == 0 {
                continue;
            }
            let base = format!("profiles[{pi}].services[{si}]");
            let what = format!("service `{}` of profile `{}`", s.name, profile.id);
            if hi.0 > MAX_UTILISATION {
                let (line, column) = position(loc, &base, &["clinical_staff", "clinical_staff_per_1000"]);
                out.push(Warning {
                    line,
                    column,
                    message: format!(
                        "{what}: clinical staff would be {:.0}% busy in normal times (at `{}`): more work than staff even without an incident; check the staff, the demand and the minutes per case",
                        hi.0 * 100.0,
                        hi.1
                    ),
                });
            } else if hi.0 < MIN_UTILISATION {
                let (line, column) = position(loc, &base, &["clinical_staff", "clinical_staff_per_1000"]);
                out.push(Warning {
                    line,
                    column,
                    message: format!(
                        "{what}: clinical staff would be at most {:.0}% busy in normal times (lowest {:.0}%): below {:.0}% the staff or the demand is most likely mistyped",
                        hi.0 * 100.0,
                        lo * 100.0,
                        MIN_UTILISATION * 100.0
                    ),
                });
            }
            if admin_hi.0 > MAX_UTILISATION {
                let (line, column) = position(loc, &base, &["admin_staff", "admin_staff_per_1000"]);
                out.push(Warning {
                    line,
                    column,
                    message: format!(
                        "{what}: admin staff would be {:.0}% busy in normal times (at `{}`): more work than staff even without an incident",
                        admin_hi.0 * 100.0,
                        admin_hi.1
                    ),
                });
            }
        }
    }
    out
}

/// Services whose opening hours hold no tick's start (check 4).
fn hours_without_ticks(scenario: &Scenario, loc: &Locations) -> Vec<Warning> {
    let tick_hours = scenario.tick_hours.clamp(1, 24);
    let starts = (0..24).step_by(tick_hours as usize).map(|h| format!("{h}:00")).collect::<Vec<_>>().join(", ");
    let mut out = Vec::new();
    for (pi, profile) in scenario.profiles.iter().enumerate() {
        for (si, s) in profile.services.iter().enumerate() {
            if s.open_ticks(tick_hours) > 0 {
                continue;
            }
            let (line, column) = position(loc, &format!("profiles[{pi}].services[{si}]"), &["hours"]);
            out.push(Warning {
                line,
                column,
                message: format!(
                    "service `{}` of profile `{}`: open {}:00–{}:00, but ticks of {tick_hours} hours start at {starts}: a service opens for a tick that starts within its hours, so this one never opens and gets no demand; use shorter ticks or hours that hold a tick's start",
                    s.name, profile.id, s.open, s.close
                ),
            });
        }
    }
    out
}

fn baseline(scenario: &Scenario, loc: &Locations) -> Vec<Warning> {
    let mut base = crate::sim::baseline_of(scenario);
    base.set_days(scenario.days.min(BASELINE_DAYS));
    let seed = scenario.seed;
    let outcome = crate::sim::run(Arc::new(base), crate::sim::RunOptions { seed, replication: 0 });
    let mut out = Vec::new();
    for kind in ProviderKind::ALL {
        let Some(pi) = scenario.profiles.iter().position(|p| p.kind == kind) else { continue };
        if !scenario.providers.iter().any(|p| p.kind == kind) {
            continue;
        }
        let k = crate::kpi::compute(&outcome, &outcome, Some(kind));
        let base = format!("profiles[{pi}]");
        if k.care_demand > 0 && k.care_delivered_pct < MIN_DELIVERED_PCT {
            let (line, column) = loc.at(&base);
            out.push(Warning {
                line,
                column,
                message: format!(
                    "without any incident, providers of kind {:?} deliver only {:.1}% of demanded care over {} days (below {:.0}%): the service figures do not describe a working provider; check staff and demand",
                    kind,
                    k.care_delivered_pct,
                    outcome.days,
                    MIN_DELIVERED_PCT
                ),
            });
        }
        let urgent: u64 = outcome
            .service_series
            .iter()
            .filter(|(_, slot, _)| outcome.slots[*slot as usize].kind == kind)
            .map(|(_, _, d)| d.demand[URGENT])
            .sum();
        let late = k.urgent_delayed + k.diverted;
        if urgent > 0 && late as f64 > MAX_URGENT_LATE_SHARE * urgent as f64 {
            let (line, column) = loc.at(&format!("{base}.services"));
            out.push(Warning {
                line,
                column,
                message: format!(
                    "without any incident, {:.1}% of urgent cases at providers of kind {:?} are not served within their maximum wait ({late} of {urgent} over {} days; at most {:.0}% is plausible): check urgent staffing, opening hours and `max_wait`",
                    100.0 * late as f64 / urgent as f64,
                    kind,
                    outcome.days,
                    MAX_URGENT_LATE_SHARE * 100.0
                ),
            });
        }
    }
    out
}

/// The warnings as `downtime validate` prints them: `warning: FILE:LINE:COLUMN: message` first,
/// then the source excerpt, by the same renderer as errors.
pub fn render(file: &str, warnings: &[Warning], text: &str, color: bool) -> String {
    crate::diagnostic::render(file, &problems(warnings), Some(text), color)
}

/// The warnings as problems of severity warning, for the diagnostics renderer and `--json`.
pub fn problems(warnings: &[Warning]) -> Vec<crate::error::Problem> {
    warnings.iter().map(|w| crate::error::Problem::warning(w.line, w.column, w.message.clone())).collect()
}
