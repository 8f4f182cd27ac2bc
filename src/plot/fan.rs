//! The fan chart for Monte Carlo batches: a p5–p95 band and the median line of a quantity over
//! an x axis (usually days), with, when given, dates on the x axis, the injects marked and the
//! baseline (no incident) as a dashed grey line, as in the run charts. Data-level: callers pass
//! plain slices, not batch types.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    BLUE, DrawResult, Figure, GREY, LIGHT, Marker, draw_legend, draw_markers, legend_box, legend_line, render,
    short_date, text, title_style,
};
use crate::error::Error;
use crate::report::format;
use crate::scenario::Date;

/// A fan chart's data. `x`, `p5`, `p50` and `p95` have the same length.
#[derive(Debug, Clone, Default)]
pub struct FanChart<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub x: &'a [f64],
    pub p5: &'a [f64],
    pub p50: &'a [f64],
    pub p95: &'a [f64],
    /// The scenario's start: x values are days from it and the axis shows dates.
    pub start: Option<Date>,
    /// Injects to mark (days from the start).
    pub markers: &'a [Marker],
    /// The baseline per x value (no incident); empty for none.
    pub baseline: &'a [f64],
    /// Format y values as percentages.
    pub percent: bool,
    /// The 5th–95th percentile band from chance alone (parameters known), drawn darker inside
    /// the band of all runs; empty for none.
    pub chance: &'a [(f64, f64)],
}

/// Write `dir/stem.png` and `dir/stem.svg`: the p5–p95 band and the median over `x` (days).
pub fn fan_chart(
    dir: &Path,
    stem: &str,
    title: &str,
    y_label: &str,
    x: &[f64],
    p5: &[f64],
    p50: &[f64],
    p95: &[f64],
) -> Result<[PathBuf; 2], Error> {
    let chart = FanChart {
        title,
        x_label: "day",
        y_label,
        x,
        p5,
        p50,
        p95,
        start: None,
        markers: &[],
        baseline: &[],
        percent: false,
        chance: &[],
    };
    render(dir, stem, &chart)
}

fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) =
        values.filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if lo > hi {
        (0.0, 1.0)
    } else if (hi - lo).abs() < 1e-12 {
        (lo - 1.0, hi + 1.0)
    } else {
        (lo, hi)
    }
}

impl Figure for FanChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let n = self.x.len().min(self.p5.len()).min(self.p50.len()).min(self.p95.len());
        let (x0, x1) = range(self.x[..n].iter().copied());
        let (lo, hi) =
            range(self.p5[..n].iter().chain(&self.p95[..n]).chain(&self.p50[..n]).chain(self.baseline).copied());
        let pad = (hi - lo) * 0.08;
        let y0 = if lo >= 0.0 { (lo - pad).max(0.0) } else { lo - pad };
        // Room above for the inject labels.
        let hi = if self.markers.is_empty() { hi } else { hi + (hi - lo) * 0.25 };
        let mut chart = ChartBuilder::on(root)
            .caption(self.title, title_style())
            .margin(20)
            .margin_right(40)
            .x_label_area_size(50)
            .y_label_area_size(90)
            .build_cartesian_2d(x0..x1, y0..hi + pad)?;
        let start = self.start;
        let percent = self.percent;
        let x_fmt = move |x: &f64| match start {
            Some(s) => short_date(s, *x),
            None => format::count(*x),
        };
        let y_fmt = move |y: &f64| if percent { format!("{y:.0}%") } else { format::compact(*y) };
        let days = (x1 - x0).max(1.0) as u32;
        chart
            .configure_mesh()
            .light_line_style(LIGHT.mix(0.0))
            .bold_line_style(LIGHT)
            .x_labels((days as usize / super::day_step(days) as usize).clamp(2, 12))
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_desc(if start.is_some() { "date" } else { self.x_label })
            .y_desc(self.y_label)
            .label_style(text(18.0))
            .axis_desc_style(text(18.0))
            .draw()?;
        draw_markers(&mut chart, self.markers, true)?;
        let band: Vec<(f64, f64)> = (0..n)
            .map(|i| (self.x[i], self.p95[i]))
            .chain((0..n).rev().map(|i| (self.x[i], self.p5[i])))
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect();
        let total_label = if self.chance.is_empty() {
            "5th–95th percentile of runs"
        } else {
            "5th–95th percentile of runs: chance and parameters"
        };
        chart
            .draw_series(std::iter::once(Polygon::new(band, BLUE.mix(0.25).filled())))?
            .label(total_label)
            .legend(legend_box(BLUE.mix(0.25)));
        if !self.chance.is_empty() {
            let m = n.min(self.chance.len());
            let inner: Vec<(f64, f64)> = (0..m)
                .map(|i| (self.x[i], self.chance[i].1))
                .chain((0..m).rev().map(|i| (self.x[i], self.chance[i].0)))
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .collect();
            chart
                .draw_series(std::iter::once(Polygon::new(inner, BLUE.mix(0.55).filled())))?
                .label("5th–95th percentile from chance alone")
                .legend(legend_box(BLUE.mix(0.55)));
        }
        chart
            .draw_series(LineSeries::new(
                (0..n).map(|i| (self.x[i], self.p50[i])).filter(|(x, y)| x.is_finite() && y.is_finite()),
                BLUE.stroke_width(3),
            ))?
            .label("Median of runs")
            .legend(legend_line(BLUE, 3));
        if !self.baseline.is_empty() {
            let base = ShapeStyle { color: GREY.to_rgba(), filled: false, stroke_width: 3 };
            chart
                .draw_series(DashedLineSeries::new(
                    self.x
                        .iter()
                        .zip(self.baseline)
                        .map(|(x, y)| (*x, *y))
                        .filter(|(x, y)| x.is_finite() && y.is_finite()),
                    10,
                    6,
                    base,
                ))?
                .label("Baseline (no incident)")
                .legend(legend_line(GREY, 3));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 18.0)?;
        Ok(())
    }
}
