//! Morris elementary effects (Morris 1991, Technometrics 33:161), screened by `mu*`, the mean
//! absolute effect (Campolongo, Cariboni & Saltelli 2007, Environ. Model. Softw. 22:1509).
//!
//! Each of `r` trajectories starts at a random point of a `p`-level grid in the unit cube
//! ([`LEVELS`] = 4, so levels 0, 1/3, 2/3, 1 and a step `Δ = p / (2 (p − 1)) = 2/3`) and moves
//! one factor at a time, in a random order, by `±Δ`: `k + 1` points, `k` elementary effects
//! `EE_i = (f(x + Δ e_i) − f(x)) / Δ` in output units per whole range of the factor. Over the
//! trajectories, `mu*_i` is the mean of `|EE_i|` (how much the factor matters) and `sigma_i` the
//! standard deviation of `EE_i` (how much its effect depends on the others, or is non-linear).
//! Points are evaluated in a fixed order ([`Design::point`]: trajectory by trajectory), drawn
//! from a fixed ChaCha8 stream.

use rand::Rng;
use serde::Serialize;

/// Grid levels (Morris 1991; 4 levels with Δ = 2/3 is the recommendation of Saltelli et al.
/// 2004, "Sensitivity analysis in practice", section 4.2).
pub const LEVELS: u32 = 4;

/// Purpose constant of the trajectories' stream.
const MORRIS_PURPOSE: u64 = 0x6d6f_7272_6973_0015;

/// The trajectories: `r (k + 1)` points and, for each step, the factor moved and its sign.
#[derive(Debug, Clone)]
pub struct Design {
    pub r: usize,
    pub k: usize,
    points: Vec<Vec<f64>>,
    /// Per trajectory, per step: (factor, +1 or −1).
    steps: Vec<Vec<(usize, f64)>>,
}

/// The step between two levels the design moves by.
pub fn delta() -> f64 {
    f64::from(LEVELS) / (2.0 * f64::from(LEVELS - 1))
}

impl Design {
    pub fn new(r: usize, k: usize, seed: u64) -> Design {
        let mut rng = super::sobol::stream(seed, MORRIS_PURPOSE);
        let d = delta();
        let grid = f64::from(LEVELS - 1);
        let mut points = Vec::with_capacity(r * (k + 1));
        let mut steps = Vec::with_capacity(r);
        for _ in 0..r {
            // Start anywhere a step of Δ up stays in the grid; go down instead where chosen.
            let mut x: Vec<f64> = (0..k).map(|_| f64::from(rng.next_u32() % (LEVELS / 2)) / grid).collect();
            let signs: Vec<f64> = (0..k).map(|_| if rng.next_u32().is_multiple_of(2) { 1.0 } else { -1.0 }).collect();
            for i in 0..k {
                if signs[i] < 0.0 {
                    x[i] += d;
                }
            }
            // A random order of the factors (Fisher-Yates).
            let mut order: Vec<usize> = (0..k).collect();
            for i in (1..k).rev() {
                let j = (rng.next_u64() % (i as u64 + 1)) as usize;
                order.swap(i, j);
            }
            points.push(x.clone());
            let mut t = Vec::with_capacity(k);
            for &i in &order {
                x[i] += signs[i] * d;
                // Keep grid values exact (thirds), whatever the rounding of the sum.
                x[i] = (x[i] * grid).round() / grid;
                points.push(x.clone());
                t.push((i, signs[i]));
            }
            steps.push(t);
        }
        Design { r, k, points, steps }
    }

    /// Model evaluations the design needs: `r (k + 1)`.
    pub fn evaluations(&self) -> usize {
        self.points.len()
    }

    /// The point of evaluation `e` (trajectory `e / (k + 1)`, step `e % (k + 1)`), in [0, 1]^k.
    pub fn point(&self, e: usize) -> Vec<f64> {
        self.points[e].clone()
    }
}

/// The screening measures of one factor for one output.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Effects {
    /// Mean absolute elementary effect.
    pub mu_star: f64,
    /// Mean elementary effect (signed).
    pub mu: f64,
    /// Standard deviation of the elementary effects (n − 1 in the denominator; 0 for one
    /// trajectory).
    pub sigma: f64,
}

/// The effects of each factor from the values `y` at the design's points (in its order).
pub fn estimate(design: &Design, y: &[f64]) -> Vec<Effects> {
    assert_eq!(y.len(), design.evaluations(), "one value per point of the design");
    let d = delta();
    let k = design.k;
    let mut ee: Vec<Vec<f64>> = vec![Vec::with_capacity(design.r); k];
    for (t, steps) in design.steps.iter().enumerate() {
        let base = t * (k + 1);
        for (s, &(i, sign)) in steps.iter().enumerate() {
            ee[i].push((y[base + s + 1] - y[base + s]) / (sign * d));
        }
    }
    ee.iter()
        .map(|e| {
            let n = e.len().max(1) as f64;
            let mu = e.iter().sum::<f64>() / n;
            let mu_star = e.iter().map(|x| x.abs()).sum::<f64>() / n;
            let sigma =
                if e.len() > 1 { (e.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / (n - 1.0)).sqrt() } else { 0.0 };
            Effects { mu_star, mu, sigma }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(r: usize, k: usize, f: impl Fn(&[f64]) -> f64) -> Vec<Effects> {
        let d = Design::new(r, k, 3);
        let y: Vec<f64> = (0..d.evaluations()).map(|e| f(&d.point(e))).collect();
        estimate(&d, &y)
    }

    /// A linear model's effects are its coefficients exactly, with no spread; an ignored
    /// factor's are zero.
    #[test]
    fn linear_effects_are_the_coefficients() {
        let e = run(10, 3, |x| 5.0 * x[0] - 2.0 * x[1]);
        assert!((e[0].mu - 5.0).abs() < 1e-9 && (e[0].mu_star - 5.0).abs() < 1e-9 && e[0].sigma < 1e-9);
        assert!((e[1].mu + 2.0).abs() < 1e-9 && (e[1].mu_star - 2.0).abs() < 1e-9);
        assert_eq!((e[2].mu_star, e[2].sigma), (0.0, 0.0));
    }

    /// Every point stays in the unit cube on the grid, and consecutive points differ in one
    /// factor by Δ.
    #[test]
    fn trajectories_move_one_factor_by_delta() {
        let d = Design::new(20, 6, 11);
        for t in 0..20 {
            for s in 0..6 {
                let (a, b) = (d.point(t * 7 + s), d.point(t * 7 + s + 1));
                assert!(b.iter().all(|x| (0.0..=1.0).contains(x)));
                let moved: Vec<usize> = (0..6).filter(|i| a[*i] != b[*i]).collect();
                assert_eq!(moved.len(), 1);
                assert!(((a[moved[0]] - b[moved[0]]).abs() - delta()).abs() < 1e-12);
            }
        }
    }

    /// An interaction shows as spread: in x0·x1 the effect of x0 depends on x1.
    #[test]
    fn interactions_show_as_sigma() {
        let e = run(30, 2, |x| x[0] * x[1]);
        assert!(e[0].sigma > 0.1 && e[1].sigma > 0.1, "{e:?}");
        // The Ishigami ordering by mu*: x1 and x2 matter, and x3 matters through x1 only.
        let pi = std::f64::consts::PI;
        let e = run(50, 4, |u| {
            let x: Vec<f64> = u.iter().map(|v| -pi + 2.0 * pi * v).collect();
            x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
        });
        assert_eq!(e[3].mu_star, 0.0);
        assert!(e[0].mu_star > 0.5 && e[1].mu_star > 0.5 && e[2].mu_star > 0.5, "{e:?}");
    }
}
