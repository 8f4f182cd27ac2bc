//! Natural units of the scenario format: demand per day, week or year, staff per shift or in
//! full-time equivalents, waits in hours, days or weeks, and fallback throughput in cases per
//! hour, converted into the model's internal rates (per open day and per open hour, per 1,000
//! patients on record), so that the simulation itself never sees them.
//!
//! The constants here are documented in docs/model.md, "Natural units".

use super::raw::{OpenDays, RawDemand, RawStaff, RawWait};

/// Contracted hours of one full-time equivalent a week. Source: the Dutch hospitals'
/// collective agreement (CAO Ziekenhuizen), whose full-time week is 36 hours.
pub const FTE_HOURS_PER_WEEK: f64 = 36.0;
/// Share of contracted weeks a full-time equivalent is at work, leave and training taken
/// off; sickness is not taken off here because the model draws it (`sick_leave`). Assumption:
/// about 6 weeks of leave, public holidays and training a year (46 of 52 weeks ≈ 0.88).
pub const FTE_PRESENT_SHARE: f64 = 0.88;
/// Days in a year, for `PerYear`.
pub const DAYS_PER_YEAR: f64 = 365.25;

/// Open days in a week: 5 for a `Weekdays` service, 7 for `AllWeek`.
pub fn open_days_per_week(days: OpenDays) -> f64 {
    match days {
        OpenDays::Weekdays => 5.0,
        OpenDays::AllWeek => 7.0,
    }
}

/// Cases per open day of a provider of the reference size.
pub fn demand_per_open_day(d: RawDemand, days: OpenDays) -> f64 {
    match d {
        RawDemand::PerDay(n) => n,
        RawDemand::PerWeek(n) => n / open_days_per_week(days),
        RawDemand::PerYear(n) => n / (DAYS_PER_YEAR / 7.0 * open_days_per_week(days)),
    }
}

/// Staff on duty in each open hour, from a roster figure; `open_hours_per_week` is the
/// service's opening hours a day times its open days a week.
pub fn on_duty(s: RawStaff, open_hours_per_week: f64) -> f64 {
    match s {
        RawStaff::PerShift(n) => n,
        RawStaff::Fte(n) => n * FTE_HOURS_PER_WEEK * FTE_PRESENT_SHARE / open_hours_per_week.max(1.0),
    }
}

/// A wait in hours.
pub fn wait_hours(w: RawWait) -> f64 {
    match w {
        RawWait::Hours(h) => h,
        RawWait::Days(d) => d * 24.0,
        RawWait::Weeks(w) => w * 24.0 * 7.0,
    }
}

/// The number for one provider of `patients` expressed per 1,000 patients on record.
pub fn per_1000(absolute: f64, patients: u64) -> f64 {
    absolute * 1000.0 / patients.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        // 75 a day for 250,000 patients is 0.3 per 1,000, exactly as the literal.
        assert_eq!(per_1000(75.0, 250_000), 0.3);
        assert_eq!(demand_per_open_day(RawDemand::PerWeek(375.0), OpenDays::Weekdays), 75.0);
        assert!((demand_per_open_day(RawDemand::PerYear(36_525.0), OpenDays::AllWeek) - 100.0).abs() < 1e-9);
        // 10 FTE over a 24/7 service: 10 x 36 x 0.88 / 168 on duty.
        assert!((on_duty(RawStaff::Fte(10.0), 168.0) - 1.885_714).abs() < 1e-5);
        assert_eq!(on_duty(RawStaff::PerShift(4.0), 168.0), 4.0);
        assert_eq!(wait_hours(RawWait::Days(2.0)), 48.0);
        assert_eq!(wait_hours(RawWait::Weeks(1.0)), 168.0);
    }
}
