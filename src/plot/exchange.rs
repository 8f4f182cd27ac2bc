//! The exchange chart: referrals, prescriptions and transfers sent per day (and how many went
//! the fallback way by phone or post, and how many arrived late), and below it the patients'
//! inquiries about the breach that land on admin staff.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    BLUE, DrawResult, Figure, GREY, Marker, ORANGE, PURPLE, VERMILLION, draw_dated_count_mesh, draw_legend,
    draw_markers, inject_markers,
};
use super::{legend_box, legend_line, nice_max, text, title_style};
use crate::scenario::Date;
use crate::sim::Outcome;

/// File stem of the chart.
pub const STEM: &str = "exchange";

/// Referral flows and breach inquiries per day, all providers together.
pub struct Exchange {
    pub start: Date,
    pub days: u32,
    pub sent: Vec<f64>,
    pub baseline_sent: Vec<f64>,
    pub fallback: Vec<f64>,
    pub delayed: Vec<f64>,
    pub inquiries: Vec<f64>,
    pub markers: Vec<Marker>,
}

/// Per-day sums of `f` over the rows of `outcome.series`.
fn per_day(outcome: &Outcome, f: impl Fn(&crate::model::Counters) -> f64) -> Vec<f64> {
    let mut out = vec![0.0; outcome.days as usize];
    for r in &outcome.series {
        if let Some(v) = out.get_mut(r.day as usize) {
            *v += f(&r.counters);
        }
    }
    out
}

impl Exchange {
    pub fn new(outcome: &Outcome, baseline: &Outcome) -> Self {
        Exchange {
            start: outcome.scenario.start,
            days: outcome.days,
            sent: per_day(outcome, |c| c.referrals_sent as f64),
            baseline_sent: per_day(baseline, |c| c.referrals_sent as f64),
            fallback: per_day(outcome, |c| c.referrals_fallback as f64),
            delayed: per_day(outcome, |c| c.referrals_delayed as f64),
            inquiries: per_day(outcome, |c| c.inquiries),
            markers: inject_markers(outcome),
        }
    }
}

fn points(values: &[f64]) -> Vec<(f64, f64)> {
    values.iter().enumerate().map(|(d, v)| (d as f64 + 0.5, *v)).collect()
}

impl Figure for Exchange {
    fn size(&self) -> (u32, u32) {
        (1200, 900)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let root = root.titled("Exchange between providers, and patients' inquiries", title_style())?;
        let (top, bottom) = root.split_vertically(480);
        let days = f64::from(self.days.max(1));
        let start = self.start;
        let x_labels = (days as usize / super::day_step(self.days) as usize).max(2);
        let empty = |values: &[f64]| values.iter().all(|v| *v == 0.0);

        let y_max = nice_max(self.sent.iter().chain(&self.baseline_sent).fold(10.0f64, |a, &b| a.max(b)) * 1.25);
        let mut chart = ChartBuilder::on(&top)
            .margin(20)
            .margin_right(40)
            .caption("Referrals, prescriptions and transfers per day", text(19.0))
            .x_label_area_size(40)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..days, 0.0..y_max)?;
        draw_dated_count_mesh(&mut chart, start, x_labels, "per day", None)?;
        draw_markers(&mut chart, &self.markers, true)?;
        chart
            .draw_series(AreaSeries::new(points(&self.fallback), 0.0, ORANGE.mix(0.45)))?
            .label("Sent the fallback way (phone, post)")
            .legend(legend_box(ORANGE.mix(0.45)));
        chart
            .draw_series(DashedLineSeries::new(
                points(&self.baseline_sent),
                10,
                6,
                ShapeStyle { color: GREY.to_rgba(), filled: false, stroke_width: 3 },
            ))?
            .label("Sent, baseline (no incident)")
            .legend(legend_line(GREY, 3));
        chart
            .draw_series(LineSeries::new(points(&self.sent), BLUE.stroke_width(3)))?
            .label("Sent, incident run")
            .legend(legend_line(BLUE, 3));
        chart
            .draw_series(LineSeries::new(points(&self.delayed), VERMILLION.stroke_width(3)))?
            .label("Arrived late")
            .legend(legend_line(VERMILLION, 3));
        if empty(&self.sent) {
            chart.draw_series(std::iter::once(Text::new(
                "No referrals in this scenario",
                (days * 0.5, y_max * 0.5),
                text(19.0).color(&GREY).pos(Pos::new(HPos::Center, VPos::Center)),
            )))?;
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 16.0)?;

        let y_max = nice_max(self.inquiries.iter().fold(10.0f64, |a, &b| a.max(b)));
        let mut chart = ChartBuilder::on(&bottom)
            .margin(20)
            .margin_right(40)
            .caption("Patients' inquiries about the breach per day (admin workload)", text(19.0))
            .x_label_area_size(50)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..days, 0.0..y_max)?;
        draw_dated_count_mesh(&mut chart, start, x_labels, "inquiries per day", Some("date"))?;
        draw_markers(&mut chart, &self.markers, false)?;
        chart
            .draw_series(
                AreaSeries::new(points(&self.inquiries), 0.0, PURPLE.mix(0.3)).border_style(PURPLE.stroke_width(3)),
            )?
            .label("Inquiries (calls, e-mails, portal messages)")
            .legend(legend_line(PURPLE, 3));
        if empty(&self.inquiries) {
            chart.draw_series(std::iter::once(Text::new(
                "No patients' inquiries in this run",
                (days * 0.5, y_max * 0.5),
                text(19.0).color(&GREY).pos(Pos::new(HPos::Center, VPos::Center)),
            )))?;
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 16.0)?;
        Ok(())
    }
}
