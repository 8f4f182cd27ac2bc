//! Numbers as people read them, in one place for the terminal, Markdown, HTML and charts: case
//! counts as integers with thousands separators ("12,345", never "543.70 cases"), percentages
//! with a precision that fits their size, "1 day" and "2 days", signed differences with a true
//! minus sign. Raw precision stays in the CSV and JSON files, which do not use this module.

/// An integer with thousands separators: 1234567.4 → "1,234,567"; -1500 → "−1,500".
pub fn count(x: f64) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    let n = x.round() as i128;
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('−');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count for a chart axis or a tight cell: "950", "12,500", "1.8 M".
pub fn compact(x: f64) -> String {
    if x.abs() >= 1e6 {
        let s = format!("{:.1}", x / 1e6);
        format!("{} M", s.strip_suffix(".0").unwrap_or(&s)).replace('-', "−")
    } else {
        count(x)
    }
}

/// A number of hours or euros and the like: integers from 100 up, one decimal below.
pub fn amount(x: f64) -> String {
    if !x.is_finite() {
        "—".into()
    } else if x.abs() >= 100.0 || x.fract() == 0.0 {
        count(x)
    } else {
        format!("{x:.1}").replace('-', "−")
    }
}

/// A percentage (0–100 scale) with one decimal, or two when it sits within 1 of 0 or 100 and
/// one decimal would round it to a bound: "99.7%", "99.96%", "12.0%".
pub fn pct(x: f64) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    let one = format!("{x:.1}");
    let s = if (one == "100.0" && x < 100.0) || (one == "0.0" && x > 0.0) { format!("{x:.2}") } else { one };
    format!("{}%", s.replace('-', "−"))
}

/// A whole number of something with its unit in singular or plural: `plural(1.0, "day")` →
/// "1 day", `plural(2.0, "day")` → "2 days", `plural(1500.0, "case")` → "1,500 cases".
pub fn plural(n: f64, unit: &str) -> String {
    let c = count(n);
    if c == "1" || c == "−1" { format!("{c} {unit}") } else { format!("{c} {unit}s") }
}

/// Days: "1 day", "14 days".
pub fn days(n: f64) -> String {
    plural(n, "day")
}

/// What a KPI counts, for formatting its values and differences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Whole cases, records, referrals: integers with separators.
    Count,
    /// A percentage on the 0–100 scale; differences in percentage points.
    Percent,
    /// Days.
    Days,
    /// Hours, euros: integers from 100 up.
    Amount,
}

impl Unit {
    /// A value of this unit. Means of counts keep one decimal below 10 so that "0.4 of a case
    /// on average" does not read as zero.
    pub fn value(self, x: f64) -> String {
        match self {
            Unit::Count if x.abs() < 10.0 && x.fract().abs() > 1e-9 => format!("{x:.1}").replace('-', "−"),
            Unit::Count => count(x),
            Unit::Percent => pct(x),
            Unit::Days if x.fract().abs() > 1e-9 => format!("{x:.1} days").replace('-', "−"),
            Unit::Days => days(x),
            Unit::Amount => amount(x),
        }
    }

    /// A difference of this unit, always signed: "+1,250", "−0.35 pp", "±0".
    pub fn diff(self, d: f64) -> String {
        if !d.is_finite() {
            return "—".into();
        }
        let (small, body) = match self {
            Unit::Percent => (d.abs() < 0.005, format!("{:.2} pp", d.abs())),
            Unit::Days => {
                (d.abs() < 0.05, if d.abs().fract() > 1e-9 { format!("{:.1} d", d.abs()) } else { days(d.abs()) })
            }
            Unit::Count if d.abs() < 10.0 => {
                (d.abs() < 0.05, format!("{:.1}", d.abs()).trim_end_matches(".0").to_string())
            }
            _ => (d.abs() < 0.5, amount(d.abs())),
        };
        if small {
            return "±0".into();
        }
        format!("{}{body}", if d > 0.0 { "+" } else { "−" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_separators_and_no_decimals() {
        assert_eq!(count(543.7), "544");
        assert_eq!(count(1_234_567.0), "1,234,567");
        assert_eq!(count(-1500.0), "−1,500");
        assert_eq!(count(999.0), "999");
        assert_eq!(count(1000.0), "1,000");
        assert_eq!(compact(1_800_000.0), "1.8 M");
        assert_eq!(compact(2_000_000.0), "2 M");
    }

    #[test]
    fn days_agree_in_number() {
        assert_eq!(days(1.0), "1 day");
        assert_eq!(days(0.0), "0 days");
        assert_eq!(days(2.0), "2 days");
        assert_eq!(Unit::Days.diff(1.0), "+1 day");
        assert_eq!(Unit::Days.diff(-3.0), "−3 days");
    }

    #[test]
    fn percentages_keep_what_matters() {
        assert_eq!(pct(99.72), "99.7%");
        assert_eq!(pct(99.96), "99.96%");
        assert_eq!(pct(0.02), "0.02%");
        assert_eq!(pct(100.0), "100.0%");
        assert_eq!(Unit::Percent.diff(-0.354), "−0.35 pp");
        assert_eq!(Unit::Percent.diff(0.001), "±0");
    }
}
