//! The interval chart for sweeps and comparisons: one point (the mean) per variant with its
//! interval (e.g. p5–p95) as a whisker, over a light bar, variants side by side. Data-level:
//! callers pass plain slices.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{DrawResult, Figure, GREY, LIGHT, PALETTE, fmt_count, render, text, title_style};
use crate::error::Error;

/// An interval chart's data. `labels`, `mean`, `lo` and `hi` have the same length.
#[derive(Debug, Clone, Default)]
pub struct IntervalChart<'a> {
    pub title: &'a str,
    pub y_label: &'a str,
    pub labels: &'a [String],
    pub mean: &'a [f64],
    pub lo: &'a [f64],
    pub hi: &'a [f64],
}

/// Write `dir/stem.png` and `dir/stem.svg`: per label a bar to the mean and a `lo`–`hi` whisker.
pub fn interval_chart(
    dir: &Path,
    stem: &str,
    title: &str,
    y_label: &str,
    labels: &[String],
    mean: &[f64],
    lo: &[f64],
    hi: &[f64],
) -> Result<[PathBuf; 2], Error> {
    render(dir, stem, &IntervalChart { title, y_label, labels, mean, lo, hi })
}

impl Figure for IntervalChart<'_> {
    fn size(&self) -> (u32, u32) {
        let n = self.labels.len() as u32;
        ((300 + 110 * n).clamp(900, 2400), 680)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let n = self.labels.len().min(self.mean.len()).min(self.lo.len()).min(self.hi.len());
        let finite = |v: &f64| v.is_finite();
        let values = self.mean[..n].iter().chain(&self.lo[..n]).chain(&self.hi[..n]).copied().filter(finite);
        let (lo, hi) = values.fold((0.0f64, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
        let hi = if hi.is_finite() && hi > lo { hi } else { lo + 1.0 };
        let pad = (hi - lo) * 0.1;
        let y0 = if lo < 0.0 { lo - pad } else { 0.0 };
        let labels = &self.labels[..n];
        let mut chart = ChartBuilder::on(root)
            .caption(self.title, title_style())
            .margin(20)
            .x_label_area_size(70)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..(n.max(1) as f64), y0..hi + pad)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(LIGHT.mix(0.0))
            .bold_line_style(LIGHT)
            .x_labels(n.max(1) * 2 + 1)
            .x_label_formatter(&|x| {
                if (x - x.floor() - 0.5).abs() < 0.01 {
                    labels.get(x.floor() as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| super::count_tick(*y))
            .y_desc(self.y_label)
            .label_style(text(16.0))
            .axis_desc_style(text(17.0))
            .draw()?;
        for i in 0..n {
            let color = PALETTE[i % 7];
            let x = i as f64 + 0.5;
            let (m, l, h) = (self.mean[i], self.lo[i], self.hi[i]);
            if m.is_finite() {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x - 0.3, 0.0f64.max(y0)), (x + 0.3, m)],
                    color.mix(0.3).filled(),
                )))?;
            }
            if l.is_finite() && h.is_finite() {
                let style = BLACK.stroke_width(2);
                chart.draw_series(std::iter::once(PathElement::new(vec![(x, l), (x, h)], style)))?;
                chart.draw_series(std::iter::once(PathElement::new(vec![(x - 0.08, l), (x + 0.08, l)], style)))?;
                chart.draw_series(std::iter::once(PathElement::new(vec![(x - 0.08, h), (x + 0.08, h)], style)))?;
            }
            if m.is_finite() {
                chart.draw_series(std::iter::once(Circle::new((x, m), 7, color.filled())))?;
                chart.draw_series(std::iter::once(Text::new(fmt_count(m), (x + 0.1, m), text(16.0))))?;
            }
        }
        root.draw(&Text::new(
            "bar and dot: mean; whisker: interval (p5–p95 where the caller gives percentiles)",
            (20, self.size().1 as i32 - 26),
            text(16.0).color(&GREY),
        ))?;
        Ok(())
    }
}
