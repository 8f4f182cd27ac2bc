//! The backlog chart: cases waiting at the end of each day (incident against baseline), and
//! below it the patients postponed, diverted to another provider and urgently delayed per day.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    BLUE, DrawResult, Figure, GREY, Marker, ORANGE, VERMILLION, draw_dated_count_mesh, draw_legend, draw_markers,
    inject_markers,
};
use super::{PURPLE, legend_box, legend_line, nice_max, text, title_style};
use crate::kpi;
use crate::scenario::Date;
use crate::sim::Outcome;

/// File stem of the chart.
pub const STEM: &str = "backlog";

/// Backlog and its consequences per day, all providers together.
pub struct Backlog {
    pub start: Date,
    pub days: u32,
    pub backlog: Vec<f64>,
    pub baseline_backlog: Vec<f64>,
    pub postponed: Vec<f64>,
    pub diverted: Vec<f64>,
    pub urgent_delayed: Vec<f64>,
    pub markers: Vec<Marker>,
}

impl Backlog {
    pub fn new(outcome: &Outcome, baseline: &Outcome) -> Self {
        let inc = kpi::daily(outcome, None);
        let base = kpi::daily(baseline, None);
        Backlog {
            start: outcome.scenario.start,
            days: outcome.days,
            backlog: inc.iter().map(|r| r.backlog as f64).collect(),
            baseline_backlog: base.iter().map(|r| r.backlog as f64).collect(),
            postponed: inc.iter().map(|r| r.counters.postponed as f64).collect(),
            diverted: inc.iter().map(|r| r.counters.diverted as f64).collect(),
            urgent_delayed: inc.iter().map(|r| r.counters.urgent_delayed as f64).collect(),
            markers: inject_markers(outcome),
        }
    }
}

fn points(values: &[f64]) -> Vec<(f64, f64)> {
    values.iter().enumerate().map(|(d, v)| (d as f64 + 1.0, *v)).collect()
}

impl Figure for Backlog {
    fn size(&self) -> (u32, u32) {
        (1200, 900)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let root = root.titled("Backlog: patients waiting, postponed and diverted", title_style())?;
        let (top, bottom) = root.split_vertically(480);
        let days = f64::from(self.days.max(1));
        let start = self.start;
        let x_labels = (days as usize / super::day_step(self.days) as usize).max(2);

        let y_max = nice_max(self.backlog.iter().chain(&self.baseline_backlog).fold(0.0f64, |a, &b| a.max(b)));
        let mut chart = ChartBuilder::on(&top)
            .margin(20)
            .margin_right(40)
            .caption("Cases waiting at the end of the day, all providers", text(19.0))
            .x_label_area_size(40)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..days, 0.0..y_max)?;
        draw_dated_count_mesh(&mut chart, start, x_labels, "cases waiting", None)?;
        draw_markers(&mut chart, &self.markers, true)?;
        chart
            .draw_series(
                AreaSeries::new(points(&self.backlog), 0.0, BLUE.mix(0.25)).border_style(BLUE.stroke_width(3)),
            )?
            .label("Incident run")
            .legend(legend_line(BLUE, 3));
        chart
            .draw_series(DashedLineSeries::new(
                points(&self.baseline_backlog),
                10,
                6,
                ShapeStyle { color: GREY.to_rgba(), filled: false, stroke_width: 3 },
            ))?
            .label("Baseline (no incident)")
            .legend(legend_line(GREY, 3));
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 16.0)?;

        let y_max = nice_max(
            self.postponed.iter().chain(&self.diverted).chain(&self.urgent_delayed).fold(10.0f64, |a, &b| a.max(b)),
        );
        let mut chart = ChartBuilder::on(&bottom)
            .margin(20)
            .margin_right(40)
            .caption("Patients per day: postponed, diverted, urgent care delayed", text(19.0))
            .x_label_area_size(50)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..days, 0.0..y_max)?;
        draw_dated_count_mesh(&mut chart, start, x_labels, "patients per day", Some("date"))?;
        draw_markers(&mut chart, &self.markers, false)?;
        for (name, values, color) in [
            ("Postponed (elective or soon, rescheduled)", &self.postponed, ORANGE),
            ("Diverted to another provider (urgent)", &self.diverted, PURPLE),
            ("Urgent care delayed (harm proxy)", &self.urgent_delayed, VERMILLION),
        ] {
            let bar_w = 0.28;
            let offset = match color {
                c if c == ORANGE => -bar_w,
                c if c == PURPLE => 0.0,
                _ => bar_w,
            };
            chart
                .draw_series(values.iter().enumerate().filter(|(_, v)| **v > 0.0).map(|(d, v)| {
                    let x = d as f64 + 0.5 + offset;
                    Rectangle::new([(x - bar_w / 2.0, 0.0), (x + bar_w / 2.0, *v)], color.filled())
                }))?
                .label(name)
                .legend(legend_box(color.to_rgba()));
        }
        let none: Vec<&str> =
            [("postponed", &self.postponed), ("diverted", &self.diverted), ("urgently delayed", &self.urgent_delayed)]
                .into_iter()
                .filter(|(_, v)| v.iter().all(|x| *x == 0.0))
                .map(|(name, _)| name)
                .collect();
        if !none.is_empty() {
            let list = match none.as_slice() {
                [a] => a.to_string(),
                [a, b] => format!("{a} or {b}"),
                [a, b, c] => format!("{a}, {b} or {c}"),
                _ => String::new(),
            };
            let style = text(19.0).color(&GREY).pos(Pos::new(HPos::Center, VPos::Center));
            chart.draw_series(std::iter::once(Text::new(
                format!("No patients were {list} in this run"),
                (days * 0.5, y_max * 0.5),
                style,
            )))?;
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 16.0)?;
        Ok(())
    }
}
