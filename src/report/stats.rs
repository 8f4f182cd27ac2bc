//! Intervals for the reports of batches, comparisons and sweeps: the 95% confidence interval
//! of a mean with Student's t on n − 1 degrees of freedom (statrs), for a sample of values or
//! of paired differences (common random numbers: the same replications under two variants).
//! A difference is "within noise" when its interval contains zero.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// The two-sided 95% quantile of Student's t with `df` degrees of freedom (t ≈ 2.776 for
/// df = 4, tending to 1.96). `None` when `df` is 0.
pub fn t95(df: u64) -> Option<f64> {
    if df == 0 {
        return None;
    }
    StudentsT::new(0.0, 1.0, df as f64).ok().map(|t| t.inverse_cdf(0.975))
}

/// The mean of a sample with its 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanCi {
    pub n: u64,
    pub mean: f64,
    /// Sample standard deviation (n − 1 in the denominator); 0 for one value.
    pub sd: f64,
    /// Half the width of the interval: t × sd / √n; 0 when every value is equal, NaN for n = 1.
    pub half_width: f64,
    pub low: f64,
    pub high: f64,
}

impl MeanCi {
    /// The interval of `xs`; `None` when empty.
    pub fn of(xs: &[f64]) -> Option<MeanCi> {
        let n = xs.len();
        if n == 0 {
            return None;
        }
        let mean = xs.iter().sum::<f64>() / n as f64;
        let sd = if n > 1 { (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt() } else { 0.0 };
        let half_width =
            if sd == 0.0 { 0.0 } else { t95(n as u64 - 1).map_or(f64::NAN, |t| t * sd / (n as f64).sqrt()) };
        Some(MeanCi { n: n as u64, mean, sd, half_width, low: mean - half_width, high: mean + half_width })
    }

    /// The interval of the paired differences `b[i] − a[i]` (pairs where either is missing are
    /// left out).
    pub fn paired(a: &[Option<f64>], b: &[Option<f64>]) -> Option<MeanCi> {
        let d: Vec<f64> = a.iter().zip(b).filter_map(|(x, y)| Some((*y)? - (*x)?)).collect();
        MeanCi::of(&d)
    }

    /// True when every difference was zero: the two sides are the same.
    pub fn is_zero(&self) -> bool {
        self.mean == 0.0 && self.sd == 0.0
    }

    /// True when the interval contains zero (or cannot be computed): the difference is within
    /// the noise between replications.
    pub fn within_noise(&self) -> bool {
        self.is_zero() || !self.half_width.is_finite() || (self.low <= 0.0 && self.high >= 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_the_tables() {
        assert!((t95(4).unwrap() - 2.776).abs() < 5e-4);
        assert!((t95(1).unwrap() - 12.706).abs() < 5e-3);
        assert!((t95(1_000_000).unwrap() - 1.960).abs() < 5e-4);
        assert_eq!(t95(0), None);
    }

    #[test]
    fn an_interval_of_five_values_uses_t_on_four_degrees_of_freedom() {
        // mean 3, sd sqrt(2.5); half width 2.776 * 1.5811 / sqrt(5) = 1.963
        let ci = MeanCi::of(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(ci.mean, 3.0);
        assert!((ci.half_width - 1.963).abs() < 1e-3, "{}", ci.half_width);
        assert!(!ci.within_noise());
    }

    #[test]
    fn identical_pairs_differ_by_nothing() {
        let a = [Some(1.0), Some(5.0), None];
        let ci = MeanCi::paired(&a, &a).unwrap();
        assert!(ci.is_zero() && ci.within_noise());
        assert_eq!(ci.n, 2);
    }
}
