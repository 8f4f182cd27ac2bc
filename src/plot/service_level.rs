//! The service-level chart: care delivered as a share of care demanded, for each provider kind
//! and for the baseline (all kinds, no incident), with the injects marked. Each day's value is
//! delivered / demanded over the 7 days ending that day (as in the time-to-recovery KPI), which
//! keeps weekends and small provider groups from drowning the signal in noise.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    DrawResult, Figure, GREY, LIGHT, Marker, PALETTE, draw_legend, draw_markers, inject_markers, kind_label,
    legend_line,
};
use super::{short_date, text, title_style};
use crate::kpi;
use crate::model::ProviderKind;
use crate::scenario::Date;
use crate::sim::Outcome;

/// File stem of the chart.
pub const STEM: &str = "service-level";

/// Service level per day: one line per provider kind, the baseline, injects.
pub struct ServiceLevel {
    pub title: String,
    pub start: Date,
    pub days: u32,
    /// (kind label, per-day level in % or `None` on days without demand).
    pub lines: Vec<(String, Vec<Option<f64>>)>,
    /// All kinds together, incident run and baseline.
    pub total: Vec<Option<f64>>,
    pub baseline: Vec<Option<f64>>,
    pub markers: Vec<Marker>,
}

/// The 7-day service level per day in %, `None` while nothing was demanded in the window.
fn levels(rows: &[crate::model::DayRow]) -> Vec<Option<f64>> {
    (0..rows.len())
        .map(|d| {
            let w = &rows[d.saturating_sub(6)..=d];
            let demand: u64 = w.iter().map(|r| r.counters.demand).sum();
            let served: u64 = w.iter().map(|r| r.counters.served).sum();
            (demand > 0).then(|| 100.0 * served as f64 / demand as f64)
        })
        .collect()
}

impl ServiceLevel {
    pub fn new(outcome: &Outcome, baseline: &Outcome) -> Self {
        let lines = ProviderKind::ALL
            .into_iter()
            .filter(|k| outcome.providers.iter().any(|p| p.kind == *k))
            .map(|k| (kind_label(k.key()).to_string(), levels(&kpi::daily(outcome, Some(k)))))
            .collect();
        ServiceLevel {
            title: "Service level: care delivered as a share of care demanded".into(),
            start: outcome.scenario.start,
            days: outcome.days,
            lines,
            total: levels(&kpi::daily(outcome, None)),
            baseline: levels(&kpi::daily(baseline, None)),
            markers: inject_markers(outcome),
        }
    }
}

/// Runs of consecutive `Some` values as (day, value) points, so days without demand break the line.
fn segments(values: &[Option<f64>]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (d, v) in values.iter().enumerate() {
        match v {
            Some(v) => out.last_mut().expect("non-empty").push((d as f64 + 0.5, *v)),
            None if out.last().is_some_and(|s| !s.is_empty()) => out.push(Vec::new()),
            None => {}
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

impl Figure for ServiceLevel {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let all = self.lines.iter().flat_map(|(_, v)| v).chain(&self.total).chain(&self.baseline).flatten();
        let lo = all.clone().fold(100.0f64, |a, &b| a.min(b));
        let hi = all.fold(100.0f64, |a, &b| a.max(b));
        let step = if hi - lo > 30.0 { 10.0 } else { 5.0 };
        // Room below for the legend (lower left: before the incident every line is near 100%)
        // and above for the inject labels.
        let range = (hi - lo).max(4.0);
        let y_min = ((lo - range * 0.3) / step).floor().max(0.0) * step;
        let y_max = ((hi + range * 0.35) / step).ceil() * step;
        let days = f64::from(self.days.max(1));
        let start = self.start;
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, title_style())
            .margin(20)
            .margin_right(40)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..days, y_min..y_max)?;
        chart
            .configure_mesh()
            .light_line_style(LIGHT.mix(0.0))
            .bold_line_style(LIGHT)
            .x_labels((days as usize / super::day_step(self.days) as usize).max(2))
            .x_label_formatter(&|x| short_date(start, *x))
            .y_label_formatter(&|y| format!("{y:.0}%"))
            .y_desc("delivered / demanded, 7 days to date")
            .x_desc("date (day 0 = scenario start)")
            .label_style(text(16.0))
            .axis_desc_style(text(17.0))
            .draw()?;
        // 100% reference.
        chart.draw_series(LineSeries::new([(0.0, 100.0), (days, 100.0)], GREY.mix(0.6).stroke_width(1)))?;
        draw_markers(&mut chart, &self.markers, true)?;

        let base = ShapeStyle { color: GREY.to_rgba(), filled: false, stroke_width: 3 };
        for (i, seg) in segments(&self.baseline).into_iter().enumerate() {
            let s = chart.draw_series(DashedLineSeries::new(seg, 10, 6, base))?;
            if i == 0 {
                s.label("Baseline, all kinds (no incident)").legend(legend_line(GREY, 3));
            }
        }
        for (i, seg) in segments(&self.total).into_iter().enumerate() {
            let s = chart.draw_series(LineSeries::new(seg, BLACK.stroke_width(3)))?;
            if i == 0 {
                s.label("All providers").legend(legend_line(BLACK, 3));
            }
        }
        for (k, (name, values)) in self.lines.iter().enumerate() {
            let color = PALETTE[k % 7];
            for (i, seg) in segments(values).into_iter().enumerate() {
                let s = chart.draw_series(LineSeries::new(seg, color.stroke_width(2)))?;
                if i == 0 {
                    s.label(name.as_str()).legend(legend_line(color, 3));
                }
            }
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerLeft, 16.0)?;
        Ok(())
    }
}
