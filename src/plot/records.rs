//! The records chart: patient records stolen per provider kind, split by sensitivity
//! (normal or high: mental-health, forensic care and others the scenario marks high), as
//! horizontal bars with the records on file but not stolen for scale.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    BLUE, DrawResult, Figure, GREY, LIGHT, VERMILLION, draw_legend, fmt_count, kind_label, legend_box, nice_max,
};
use super::{text, title_style};
use crate::model::ProviderKind;
use crate::sim::Outcome;

/// File stem of the chart.
pub const STEM: &str = "records-stolen";

/// Records stolen per provider kind.
pub struct Records {
    /// (kind label, normal records stolen, high-sensitivity stolen, records on file).
    pub rows: Vec<(String, f64, f64, f64)>,
}

impl Records {
    pub fn new(outcome: &Outcome) -> Self {
        let s = &outcome.scenario;
        let rows = ProviderKind::ALL
            .into_iter()
            .filter(|k| outcome.providers.iter().any(|p| p.kind == *k))
            .map(|k| {
                let (mut normal, mut high, mut on_file) = (0.0, 0.0, 0.0);
                for (p, spec) in outcome.providers.iter().zip(&s.providers).filter(|(p, _)| p.kind == k) {
                    if p.high_sensitivity {
                        high += p.records_stolen as f64;
                    } else {
                        normal += p.records_stolen as f64;
                    }
                    on_file += spec.patients as f64;
                }
                (kind_label(k.key()).to_string(), normal, high, on_file)
            })
            .collect();
        Records { rows }
    }
}

impl Figure for Records {
    fn size(&self) -> (u32, u32) {
        (1200, (260 + 70 * self.rows.len() as u32).max(420))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let total: f64 = self.rows.iter().map(|r| r.1 + r.2).sum();
        let high: f64 = self.rows.iter().map(|r| r.2).sum();
        let title =
            format!("Patient records stolen: {} in total, {} of high sensitivity", fmt_count(total), fmt_count(high));
        let n = self.rows.len().max(1) as f64;
        let x_max = nice_max(self.rows.iter().fold(0.0f64, |a, r| a.max(r.3)));
        let labels: Vec<String> = self.rows.iter().map(|r| r.0.clone()).collect();
        let mut chart = ChartBuilder::on(root)
            .caption(title, title_style())
            .margin(20)
            .margin_right(60)
            .x_label_area_size(50)
            .y_label_area_size(170)
            .build_cartesian_2d(0.0..x_max, 0.0..n)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(LIGHT.mix(0.0))
            .bold_line_style(LIGHT)
            .y_labels(self.rows.len().max(1) * 2 + 1)
            .y_label_formatter(&|y| {
                let i = (n - y - 0.5).round();
                if (y - y.floor() - 0.5).abs() < 0.01 && i >= 0.0 {
                    labels.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .x_label_formatter(&|x| super::count_tick(*x))
            .x_desc("patient records (dossiers)")
            .label_style(text(16.0))
            .axis_desc_style(text(17.0))
            .draw()?;
        // Any records stolen show as at least a sliver.
        let visible = |v: f64| if v > 0.0 { v.max(0.004 * x_max) } else { 0.0 };
        // Row i is drawn from the top.
        let band = |i: usize, a: f64, b: f64, h: f64| {
            let y = n - i as f64 - 0.5;
            [(a, y - h / 2.0), (b, y + h / 2.0)]
        };
        chart
            .draw_series(
                self.rows
                    .iter()
                    .enumerate()
                    .map(|(i, r)| Rectangle::new(band(i, 0.0, r.3, 0.62), LIGHT.mix(0.8).filled())),
            )?
            .label("Records on file, not stolen")
            .legend(legend_box(LIGHT.to_rgba()));
        chart
            .draw_series(
                self.rows
                    .iter()
                    .enumerate()
                    .map(|(i, r)| Rectangle::new(band(i, 0.0, visible(r.1), 0.62), BLUE.filled())),
            )?
            .label("Stolen, normal sensitivity")
            .legend(legend_box(BLUE.to_rgba()));
        chart
            .draw_series(self.rows.iter().enumerate().map(|(i, r)| {
                Rectangle::new(band(i, visible(r.1), visible(r.1) + visible(r.2), 0.62), VERMILLION.filled())
            }))?
            .label("Stolen, high sensitivity")
            .legend(legend_box(VERMILLION.to_rgba()));
        chart.draw_series(self.rows.iter().enumerate().map(|(i, r)| {
            let stolen = r.1 + r.2;
            let share = if r.3 > 0.0 { 100.0 * stolen / r.3 } else { 0.0 };
            let label = if stolen > 0.0 {
                format!("{} stolen ({share:.0}% of {} on file)", fmt_count(stolen), fmt_count(r.3))
            } else {
                format!("none stolen ({} on file)", fmt_count(r.3))
            };
            let x = (stolen + 0.01 * x_max).min(x_max * 0.62);
            Text::new(label, (x, n - i as f64 - 0.5 + 0.12), text(16.0).color(&RGBColor(30, 30, 30)))
        }))?;
        if total == 0.0 {
            chart.draw_series(std::iter::once(Text::new(
                "No patient records were stolen in this run",
                (x_max * 0.3, n * 0.5),
                text(22.0).color(&GREY),
            )))?;
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerRight, 16.0)?;
        Ok(())
    }
}
