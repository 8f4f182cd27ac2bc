//! Quantiles and means of a stream of values in memory that does not grow with the stream.
//!
//! Up to [`EXACT_LIMIT`] values are kept as they are, and the statistics are exact: the mean,
//! and quantiles by linear interpolation between order statistics (type 7), exactly as before
//! streaming. Beyond that the values move into a log-bucketed histogram (as in DDSketch): each
//! value falls into the bucket `ceil(log_γ |x|)` with `γ = 1.01`, kept apart by sign, zeros
//! counted; a bucket stands for `2 γ^k / (γ + 1)`, within 0.5% of every value in it, so a
//! quantile is within 0.5% (relative) of the exact one. The number of buckets depends on the
//! spread of the values (at most about 2 × 3,500 for values between 1e-6 and 1e9), not on how
//! many there are. The mean is always exact (a sum in the order the values came). The same
//! values in the same order give the same result, bit for bit, so statistics reduced in
//! replication order stay independent of threads and shards.

use std::collections::BTreeMap;

/// Values kept exactly per statistic before it switches to the histogram.
pub const EXACT_LIMIT: usize = 100;
const GAMMA: f64 = 1.01;

/// A stream's statistics.
#[derive(Debug, Clone, Default)]
pub struct Quantiles {
    exact: Vec<f64>,
    sketch: Option<Sketch>,
    /// Sum of the values in the order they came.
    sum: f64,
    count: u64,
}

#[derive(Debug, Clone, Default)]
struct Sketch {
    negative: BTreeMap<i32, u64>,
    zeros: u64,
    positive: BTreeMap<i32, u64>,
}

impl Sketch {
    fn add(&mut self, x: f64) {
        if x == 0.0 || !x.is_finite() {
            self.zeros += 1;
            return;
        }
        let key = (x.abs().ln() / GAMMA.ln()).ceil().clamp(-30_000.0, 30_000.0) as i32;
        let map = if x > 0.0 { &mut self.positive } else { &mut self.negative };
        *map.entry(key).or_insert(0) += 1;
    }

    fn value(key: i32) -> f64 {
        2.0 * GAMMA.powi(key) / (GAMMA + 1.0)
    }

    /// The value of 0-based rank `r` in ascending order.
    fn at(&self, mut r: u64) -> f64 {
        for (&k, &n) in self.negative.iter().rev() {
            if r < n {
                return -Self::value(k);
            }
            r -= n;
        }
        if r < self.zeros {
            return 0.0;
        }
        r -= self.zeros;
        for (&k, &n) in &self.positive {
            if r < n {
                return Self::value(k);
            }
            r -= n;
        }
        self.positive.keys().next_back().map_or(0.0, |&k| Self::value(k))
    }
}

impl Quantiles {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a value.
    pub fn push(&mut self, x: f64) {
        self.sum += x;
        self.count += 1;
        if let Some(s) = &mut self.sketch {
            s.add(x);
        } else if self.exact.len() < EXACT_LIMIT {
            self.exact.push(x);
        } else {
            let mut s = Sketch::default();
            for v in self.exact.drain(..) {
                s.add(v);
            }
            s.add(x);
            self.exact = Vec::new();
            self.sketch = Some(s);
        }
    }

    pub fn len(&self) -> u64 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Whether the statistics are exact (no more than [`EXACT_LIMIT`] values).
    pub fn is_exact(&self) -> bool {
        self.sketch.is_none()
    }

    /// The mean summed in the order the values came; `None` when empty.
    pub fn mean_in_order(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / self.count as f64)
    }

    /// The mean summed in ascending order while exact (as the batch summary always did), else
    /// in the order the values came; `None` when empty.
    pub fn mean_sorted(&self) -> Option<f64> {
        if self.sketch.is_none() {
            let mut xs = self.exact.clone();
            xs.sort_by(f64::total_cmp);
            return crate::batch::mean(&xs);
        }
        self.mean_in_order()
    }

    /// The `p` quantiles (each 0..=1) by type 7; `None` when empty.
    pub fn quantiles<const N: usize>(&self, ps: [f64; N]) -> Option<[f64; N]> {
        if self.count == 0 {
            return None;
        }
        Some(match &self.sketch {
            None => {
                let mut xs = self.exact.clone();
                xs.sort_by(f64::total_cmp);
                ps.map(|p| crate::batch::quantile(&xs, p))
            }
            Some(s) => ps.map(|p| {
                let h = (self.count - 1) as f64 * p.clamp(0.0, 1.0);
                let lo = h.floor() as u64;
                let hi = (lo + 1).min(self.count - 1);
                let frac = h - lo as f64;
                let a = s.at(lo);
                if frac == 0.0 { a } else { a + frac * (s.at(hi) - a) }
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_below_the_limit_and_close_above() {
        let mut q = Quantiles::new();
        for i in 0..EXACT_LIMIT {
            q.push(i as f64);
        }
        assert!(q.is_exact());
        let [p5, p50] = q.quantiles([0.05, 0.5]).unwrap();
        assert_eq!(p50, (EXACT_LIMIT - 1) as f64 / 2.0);
        assert_eq!(p5, crate::batch::quantile(&(0..EXACT_LIMIT).map(|i| i as f64).collect::<Vec<_>>(), 0.05));
        // Ten times more values, spread over negatives, zero and positives.
        let mut q = Quantiles::new();
        let mut all = Vec::new();
        for i in 0..100 * EXACT_LIMIT {
            let x = (i as f64 - 2000.0) * 1.7;
            q.push(x);
            all.push(x);
        }
        assert!(!q.is_exact());
        let in_order = all.iter().sum::<f64>() / all.len() as f64;
        all.sort_by(f64::total_cmp);
        for p in [0.05, 0.5, 0.95] {
            let exact = crate::batch::quantile(&all, p);
            let approx = q.quantiles([p]).unwrap()[0];
            assert!((approx - exact).abs() <= 0.006 * exact.abs() + 1.7, "p{p}: {approx} vs {exact}");
        }
        assert_eq!(q.mean_in_order(), Some(in_order));
    }

    #[test]
    fn memory_does_not_grow_with_the_values() {
        let mut q = Quantiles::new();
        let mut x = 0.37_f64;
        for _ in 0..1_000_000 {
            // A spread-out stream: values from about 1 to 20,000, some zeros.
            x = (x * 3.9 * (1.0 - x)).clamp(1e-9, 1.0 - 1e-9);
            q.push(if x < 0.01 { 0.0 } else { 20_000.0 * x * x });
        }
        let s = q.sketch.as_ref().unwrap();
        assert!(q.exact.capacity() == 0, "exact values are dropped");
        assert!(s.positive.len() + s.negative.len() < 1_500, "{} buckets", s.positive.len());
        assert_eq!(q.len(), 1_000_000);
    }
}
