//! Horizontal bar chart for sweeps and comparisons: one bar per variant, its label written in
//! full on the left (no rotated or clipped axis labels), the value at the end of the bar and an
//! optional interval as a whisker. For differences the axis always includes zero (drawn as a
//! solid line) and each bar can take its own colour (better, worse, within noise). Counts get
//! whole-number ticks only. Data-level: callers pass plain slices.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{DrawResult, Figure, GREY, LIGHT, render, text, title_style};
use crate::error::Error;
use crate::report::format;

/// A horizontal bar chart's data. `labels`, `value`, `lo`, `hi` and `colors` have one entry
/// per bar; `lo`/`hi` may be NaN (no whisker).
#[derive(Debug, Clone)]
pub struct HBarChart<'a> {
    pub title: &'a str,
    /// What the x axis measures, e.g. "difference from today (cases)".
    pub x_label: &'a str,
    /// A line under the chart in plain words (what the bar and whisker are).
    pub footer: &'a str,
    pub labels: &'a [String],
    pub value: &'a [f64],
    pub lo: &'a [f64],
    pub hi: &'a [f64],
    pub colors: &'a [RGBColor],
    /// Whole-number ticks only (cases, records).
    pub integer: bool,
    /// Text written at the end of each bar; the value when empty.
    pub value_labels: &'a [String],
}

impl HBarChart<'_> {
    /// Write `dir/stem.png` and `dir/stem.svg`.
    pub fn write(&self, dir: &Path, stem: &str) -> Result<[PathBuf; 2], Error> {
        render(dir, stem, self)
    }

    fn label_width(&self) -> u32 {
        let longest = self.labels.iter().map(|l| l.chars().count()).max().unwrap_or(4) as u32;
        (longest * 11 + 30).clamp(140, 520)
    }
}

impl Figure for HBarChart<'_> {
    fn size(&self) -> (u32, u32) {
        let n = self.labels.len() as u32;
        (1200, 200 + 64 * n.max(1))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let n = self.labels.len().min(self.value.len());
        let finite = |v: &f64| v.is_finite();
        let all =
            self.value[..n].iter().chain(self.lo.iter().take(n)).chain(self.hi.iter().take(n)).copied().filter(finite);
        let (lo, mut hi) = all.fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
        if hi - lo < 1e-9 {
            hi = lo + 1.0;
        }
        // Room for the value text beside the bar ends (about 9.5 px a character at 17 px),
        // on the side each bar points to; zero always in range.
        let text_px = |want_negative: bool| -> f64 {
            (0..n)
                .filter(|&i| self.value[i].is_finite() && (self.value[i] < 0.0) == want_negative)
                .map(|i| {
                    let label = self.value_labels.get(i).map_or(12, |l| l.chars().count());
                    label as f64 * 9.5 + 24.0
                })
                .fold(12.0, f64::max)
        };
        let plot_px = f64::from(self.size().0 - self.label_width() - 60);
        let (need_lo, need_hi) = (text_px(true), text_px(false));
        let total = (hi - lo) / (1.0 - (need_lo + need_hi) / plot_px).max(0.2);
        let (lo, hi) = (lo - need_lo / plot_px * total, hi + need_hi / plot_px * total);
        let (width, height) = self.size();
        let footer_h = 44;
        let (body, foot) = root.split_vertically(height - footer_h);
        let mut chart = ChartBuilder::on(&body)
            .caption(self.title, title_style())
            .margin(20)
            .margin_right(40)
            .x_label_area_size(70)
            .y_label_area_size(self.label_width())
            .build_cartesian_2d(lo..hi, 0.0..(n.max(1) as f64))?;
        let integer = self.integer;
        // Shares and other small fractional values get decimals on the axis.
        let span = hi - lo;
        let x_fmt = move |x: &f64| {
            if integer && (x - x.round()).abs() > 1e-6 {
                String::new()
            } else if !integer && span < 2.0 {
                format!("{:.2}", if x.abs() < 5e-3 { 0.0 } else { *x })
            } else if !integer && span < 10.0 {
                format!("{:.1}", if x.abs() < 5e-2 { 0.0 } else { *x })
            } else {
                format::compact(*x)
            }
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .disable_y_axis()
            .light_line_style(LIGHT.mix(0.0))
            .bold_line_style(LIGHT)
            .x_labels(8)
            .x_label_formatter(&x_fmt)
            .x_desc(self.x_label)
            .label_style(text(18.0))
            .axis_desc_style(text(18.0))
            .draw()?;
        // Zero line.
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (0.0, n.max(1) as f64)],
            BLACK.stroke_width(2),
        )))?;
        for i in 0..n {
            // First bar at the top.
            let y = (n - 1 - i) as f64 + 0.5;
            let v = self.value[i];
            let color = self.colors.get(i).copied().unwrap_or(super::BLUE);
            if v.is_finite() {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(0.0, y - 0.3), (v, y + 0.3)],
                    color.mix(0.75).filled(),
                )))?;
            }
            let (l, h) = (self.lo.get(i).copied().unwrap_or(f64::NAN), self.hi.get(i).copied().unwrap_or(f64::NAN));
            if l.is_finite() && h.is_finite() && h > l {
                let style = BLACK.stroke_width(2);
                chart.draw_series(std::iter::once(PathElement::new(vec![(l, y), (h, y)], style)))?;
                chart.draw_series(std::iter::once(PathElement::new(vec![(l, y - 0.12), (l, y + 0.12)], style)))?;
                chart.draw_series(std::iter::once(PathElement::new(vec![(h, y - 0.12), (h, y + 0.12)], style)))?;
            }
            if v.is_finite() {
                let label = self.value_labels.get(i).cloned().unwrap_or_else(|| format::compact(v));
                let end = if h.is_finite() && v >= 0.0 {
                    h.max(v)
                } else if l.is_finite() && v < 0.0 {
                    l.min(v)
                } else {
                    v
                };
                let (px, py) = chart.backend_coord(&(end, y));
                let (anchor, dx) = if v < 0.0 { (HPos::Right, -8) } else { (HPos::Left, 8) };
                body.draw(&Text::new(label, (px + dx, py), text(17.0).pos(Pos::new(anchor, VPos::Center))))?;
            }
            // The variant's name, right-aligned beside the axis.
            let (px, py) = chart.backend_coord(&(lo, y));
            body.draw(&Text::new(
                self.labels[i].clone(),
                (px - 10, py),
                text(18.0).pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
        }
        let _ = width;
        foot.draw(&Text::new(self.footer, (20, 6), text(18.0).color(&GREY)))?;
        Ok(())
    }
}
