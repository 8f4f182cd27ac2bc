//! The staff-load chart, three panels over time: clinical utilisation, overtime hours against
//! the continuity plans' overtime cap, and the sick share against its normal level.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{BLUE, DrawResult, Figure, GREY, LIGHT, Marker, VERMILLION, draw_legend, draw_markers, inject_markers};
use super::{ORANGE, PURPLE, legend_line, nice_max, short_date, text, title_style};
use crate::kpi;
use crate::scenario::{Date, OpenDays, Scenario};
use crate::sim::Outcome;

/// File stem of the chart.
pub const STEM: &str = "staff-load";

/// Staff load per day, all providers together, incident against baseline.
pub struct Staff {
    pub start: Date,
    pub days: u32,
    /// Clinical minutes used / contracted, in %.
    pub utilisation: [Vec<f64>; 2],
    /// Overtime hours per day as a share of contracted staff hours, in %.
    pub overtime: [Vec<f64>; 2],
    /// The plans' overtime cap as a share of contracted staff hours, in % (provider-weighted).
    pub overtime_cap: f64,
    /// Mean sick share in %.
    pub sick: [Vec<f64>; 2],
    /// The normal sick-leave rate, in %.
    pub normal_sick: f64,
    pub markers: Vec<Marker>,
}

impl Staff {
    pub fn new(outcome: &Outcome, baseline: &Outcome) -> Self {
        let rows = [kpi::daily(outcome, None), kpi::daily(baseline, None)];
        let per =
            |f: &dyn Fn(&crate::model::DayRow) -> f64| rows.clone().map(|r| r.iter().map(f).collect::<Vec<f64>>());
        let utilisation = per(&|r| {
            let c = &r.counters;
            if c.clinical_capacity_minutes > 0.0 {
                100.0 * c.clinical_used_minutes / c.clinical_capacity_minutes
            } else {
                0.0
            }
        });
        let s = &outcome.scenario;
        let (contracted, cap) = contracted_hours(s);
        let overtime = rows.clone().map(|r| {
            r.iter()
                .zip(&contracted)
                .map(|(r, c)| if *c > 0.0 { 100.0 * r.counters.overtime_minutes / 60.0 / c } else { 0.0 })
                .collect::<Vec<f64>>()
        });
        let sick = per(&|r| 100.0 * r.sick_share);
        let mut markers = inject_markers(outcome);
        if let Some(d) = outcome.providers.iter().filter_map(|p| p.exhausted_day).min() {
            markers.push(Marker { day: f64::from(d) + 1.0, label: "protocol exhausted".into() });
            markers.sort_by(|a, b| a.day.total_cmp(&b.day));
        }
        Staff {
            start: s.start,
            days: outcome.days,
            utilisation,
            overtime,
            overtime_cap: cap,
            sick,
            normal_sick: normal_sick_share(s),
            markers,
        }
    }
}

/// Contracted staff hours per day (clinical and admin, every service's open hours), and the
/// overtime the plans allow as a share of them, in % (weighted by contracted hours).
pub fn contracted_hours(s: &Scenario) -> (Vec<f64>, f64) {
    // Per profile: (weekday hours, weekend hours, cap) of staff per patient.
    let per_profile: Vec<(f64, f64, f64)> = s
        .profiles
        .iter()
        .map(|p| {
            let mut week = 0.0;
            let mut weekend = 0.0;
            for sv in &p.services {
                let h = (sv.clinical_staff_per_1000 + sv.admin_staff_per_1000) / 1000.0
                    * f64::from(sv.close.saturating_sub(sv.open));
                week += h;
                if sv.days == OpenDays::AllWeek {
                    weekend += h;
                }
            }
            (week, weekend, p.plan.overtime_cap)
        })
        .collect();
    let (mut week, mut weekend, mut capped) = (0.0, 0.0, 0.0);
    for pr in &s.providers {
        let (a, b, cap) = per_profile[pr.profile];
        week += a * pr.patients as f64;
        weekend += b * pr.patients as f64;
        capped += a * cap * pr.patients as f64;
    }
    let w0 = s.start.weekday();
    let cap = if week > 0.0 { 100.0 * capped / week } else { 0.0 };
    ((0..s.days).map(|d| if (w0 + d) % 7 >= 5 { weekend } else { week }).collect(), cap)
}

/// The providers' normal sick-leave share, in % (mean over providers).
fn normal_sick_share(s: &Scenario) -> f64 {
    if s.providers.is_empty() {
        return 0.0;
    }
    100.0 * s.providers.iter().map(|p| s.profiles[p.profile].sick_leave).sum::<f64>() / s.providers.len() as f64
}

fn points(values: &[f64]) -> Vec<(f64, f64)> {
    values.iter().enumerate().map(|(d, v)| (d as f64 + 0.5, *v)).collect()
}

impl Figure for Staff {
    fn size(&self) -> (u32, u32) {
        (1200, 1100)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let root = root.titled("Staff load under the emergency protocol", title_style())?;
        let panels = root.split_evenly((3, 1));
        let days = f64::from(self.days.max(1));
        let start = self.start;
        let x_labels = (days as usize / super::day_step(self.days) as usize).max(2);
        let dashed = |c: RGBColor, w: u32| ShapeStyle { color: c.to_rgba(), filled: false, stroke_width: w };

        type Panel<'a> = (&'a str, &'a str, &'a [Vec<f64>; 2], Option<(f64, &'a str)>);
        let specs: [Panel; 3] = [
            (
                "Clinical staff utilisation (minutes used / contracted)",
                "utilisation",
                &self.utilisation,
                Some((100.0, "contracted hours (100%)")),
            ),
            (
                "Overtime worked, as a share of contracted staff hours",
                "overtime",
                &self.overtime,
                Some((self.overtime_cap, "plans' overtime cap")),
            ),
            ("Staff off sick", "share of staff", &self.sick, Some((self.normal_sick, "normal sick leave"))),
        ];
        for (i, (caption, y_desc, series, reference)) in specs.into_iter().enumerate() {
            let area = &panels[i];
            let mut top = series.iter().flatten().fold(0.0f64, |a, &b| a.max(b));
            if let Some((r, _)) = reference {
                top = top.max(r);
            }
            let y_max = nice_max(top * 1.3);
            let mut chart = ChartBuilder::on(area)
                .margin(15)
                .margin_right(40)
                .caption(caption, text(19.0))
                .x_label_area_size(if i == 2 { 50 } else { 30 })
                .y_label_area_size(90)
                .build_cartesian_2d(0.0..days, 0.0..y_max)?;
            chart
                .configure_mesh()
                .light_line_style(LIGHT.mix(0.0))
                .bold_line_style(LIGHT)
                .x_labels(x_labels)
                .y_labels(6)
                .x_label_formatter(&|x| short_date(start, *x))
                .y_label_formatter(&|y| format!("{y:.0}%"))
                .y_desc(y_desc)
                .label_style(text(16.0))
                .axis_desc_style(text(16.0))
                .draw()?;
            draw_markers(&mut chart, &self.markers, i == 0)?;
            if let Some((r, name)) = reference {
                chart
                    .draw_series(DashedLineSeries::new([(0.0, r), (days, r)], 8, 5, dashed(VERMILLION, 2)))?
                    .label(name)
                    .legend(legend_line(VERMILLION, 2));
            }
            let color = [BLUE, ORANGE, PURPLE][i];
            chart
                .draw_series(LineSeries::new(points(&series[1]), GREY.stroke_width(2)))?
                .label("Baseline (no incident)")
                .legend(legend_line(GREY, 2));
            chart
                .draw_series(LineSeries::new(points(&series[0]), color.stroke_width(3)))?
                .label("Incident run")
                .legend(legend_line(color, 3));
            draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 16.0)?;
        }
        Ok(())
    }
}
