//! Charts (plotters), each written as PNG and SVG. This module owns the shipped font and its
//! registration, the colour palette, the date axis and the atomic rendering of a [`Figure`] to
//! both formats; one file per chart:
//!
//! - [`service_level`]: delivered / demanded per day by provider kind, baseline, injects marked;
//! - [`backlog`]: cases waiting, and the postponed, diverted and urgent-delayed cases per day;
//! - [`staff`]: utilisation, overtime against the plan's cap, sick share;
//! - [`records`]: records stolen by provider kind and sensitivity;
//! - [`exchange`]: referrals sent, sent the fallback way and late; patients' inquiries;
//! - [`fan`] and [`interval`]: data-level charts for batches, sweeps and comparisons.
//!
//! Text is drawn with DejaVu Sans, compiled into the binary (`assets/fonts/`), so rendering
//! needs no fontconfig, freetype or system fonts.

pub mod backlog;
pub mod exchange;
pub mod fan;
pub mod hbar;
pub mod interval;
pub mod records;
pub mod service_level;
pub mod staff;

use std::path::{Path, PathBuf};
use std::sync::Once;

use image::ImageEncoder as _;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

pub use fan::{FanChart, fan_chart};
pub use hbar::HBarChart;
pub use interval::{IntervalChart, interval_chart};

use crate::error::Error;
use crate::report::write_atomic;
use crate::scenario::Date;
use crate::sim::Outcome;

static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// The font family every chart uses (registered under this name and the generic ones).
pub const FONT: &str = "sans-serif";

/// Register the shipped font for every family name plotters may ask for. Idempotent.
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for family in ["sans-serif", "serif", "monospace", "DejaVu Sans"] {
            // The bytes are a valid TrueType font, checked by `fonts_register` in the tests.
            let _ = register_font(family, FontStyle::Normal, REGULAR);
            let _ = register_font(family, FontStyle::Bold, BOLD);
        }
    });
}

/// Okabe-Ito, the colour-blind-safe palette (Okabe & Ito 2008), black last.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(240, 228, 66),  // yellow
    RGBColor(0, 0, 0),       // black
];
/// Okabe-Ito blue.
pub const BLUE: RGBColor = PALETTE[0];
/// Okabe-Ito orange.
pub const ORANGE: RGBColor = PALETTE[1];
/// Okabe-Ito bluish green.
pub const GREEN: RGBColor = PALETTE[2];
/// Okabe-Ito reddish purple.
pub const PURPLE: RGBColor = PALETTE[3];
/// Okabe-Ito sky blue.
pub const SKY: RGBColor = PALETTE[4];
/// Okabe-Ito vermillion.
pub const VERMILLION: RGBColor = PALETTE[5];
/// Neutral grey for baselines and reference lines.
pub const GREY: RGBColor = RGBColor(120, 120, 120);
/// Light grey for grid lines.
pub const LIGHT: RGBColor = RGBColor(225, 225, 225);

/// Default chart size in pixels.
pub const SIZE: (u32, u32) = (1200, 680);

/// The result of drawing on backend `DB`.
pub type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A chart that can draw itself on any plotters backend.
pub trait Figure {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32) {
        SIZE
    }
    /// Draw on `root`, which is already filled white.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

/// Render `figure` to `dir/stem.png` and `dir/stem.svg`, each written atomically. Returns the
/// two paths.
pub fn render(dir: &Path, stem: &str, figure: &impl Figure) -> Result<[PathBuf; 2], Error> {
    register_fonts();
    let size = figure.size();
    let svg_path = dir.join(format!("{stem}.svg"));
    let png_path = dir.join(format!("{stem}.png"));
    let fail =
        |path: &Path, e: String| Error::Write { path: path.display().to_string(), source: std::io::Error::other(e) };

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)
            .and_then(|_| figure.draw(&root))
            .and_then(|_| root.present())
            .map_err(|e| fail(&svg_path, e.to_string()))?;
    }
    write_atomic(&svg_path, svg.as_bytes())?;

    // Drawn into memory and encoded there, then written like every other file (an exclusively
    // created temporary renamed into place): the PNG never goes through a path a link could
    // redirect.
    let (w, h) = size;
    let mut pixels = vec![0u8; (w as usize) * (h as usize) * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area();
        root.fill(&WHITE)
            .and_then(|_| figure.draw(&root))
            .and_then(|_| root.present())
            .map_err(|e| fail(&png_path, e.to_string()))?;
    }
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&pixels, w, h, image::ColorType::Rgb8)
        .map_err(|e| fail(&png_path, e.to_string()))?;
    write_atomic(&png_path, &png)?;
    Ok([png_path, svg_path])
}

/// Title text style.
pub fn title_style() -> TextStyle<'static> {
    FontDesc::new(FontFamily::Name(FONT), 26.0, FontStyle::Bold).color(&BLACK)
}

/// Body text style of `size` points.
pub fn text(size: f64) -> TextStyle<'static> {
    FontDesc::new(FontFamily::Name(FONT), size, FontStyle::Normal).color(&RGBColor(40, 40, 40))
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `7 Apr` for day `d` after `start`.
pub fn short_date(start: Date, d: f64) -> String {
    let date = start.plus_days(d.floor() as i64);
    format!("{} {}", date.day, MONTHS[(date.month as usize).saturating_sub(1).min(11)])
}

/// A day axis label every `step` days: `7 Apr` under the tick, for a horizon of `days`.
pub fn day_step(days: u32) -> u32 {
    match days {
        0..=21 => 2,
        22..=70 => 7,
        71..=200 => 14,
        _ => 30,
    }
}

/// An inject (or any dated event) to mark on a time axis.
#[derive(Debug, Clone)]
pub struct Marker {
    /// Days from day 0 (fractional: the hour).
    pub day: f64,
    /// A short label, such as "disconnect".
    pub label: String,
}

/// The incident's injects as markers: compromise, detection, disconnections, exfiltration,
/// announcement, restores. Several on the same day are joined with "+".
pub fn inject_markers(outcome: &Outcome) -> Vec<Marker> {
    const SHOWN: [&str; 6] = ["compromise", "detect", "disconnect", "exfiltrate", "announce", "restore"];
    let mut out: Vec<Marker> = Vec::new();
    for e in &outcome.events {
        if !SHOWN.contains(&e.event.as_str()) {
            continue;
        }
        let day = f64::from(e.tick * outcome.tick_hours) / 24.0;
        let label = short_label(&e.event, &e.text);
        match out.last_mut() {
            Some(m) if (m.day - day).abs() < 0.5 && !m.label.contains(&label) => {
                m.label = format!("{} + {}", m.label, label);
            }
            Some(m) if (m.day - day).abs() < 0.5 => {}
            _ => out.push(Marker { day, label }),
        }
    }
    out
}

fn short_label(event: &str, text: &str) -> String {
    if event == "restore" {
        // "restore ... 50% ..." keeps its share when the text gives one.
        if let Some(p) = text.split_whitespace().find(|w| w.ends_with('%')) {
            return format!("restore {}", p.trim_matches(|c: char| !c.is_ascii_digit() && c != '%'));
        }
    }
    event.to_string()
}

/// Draw vertical dashed lines at `markers` across a chart's plotting area, with labels in
/// staggered rows at the top so that neighbours do not overlap.
pub fn draw_markers<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    markers: &[Marker],
    labels: bool,
) -> DrawResult<DB> {
    let (x_range, y_range) = (chart.x_range(), chart.y_range());
    let (y0, y1) = (y_range.start, y_range.end);
    let style = ShapeStyle { color: GREY.mix(0.9), filled: false, stroke_width: 1 };
    let mut rows_end: Vec<f64> = Vec::new();
    let span = (x_range.end - x_range.start).max(1e-9);
    let (px_x, px_y) = chart.plotting_area().get_pixel_range();
    let (width_px, height_px) = (f64::from((px_x.end - px_x.start).max(1)), f64::from((px_y.end - px_y.start).max(1)));
    // Label metrics at 16 px (12 px or more as the HTML report shows a chart): about 9.1 px
    // per character, 20 px per row.
    let per_char = 9.1 * span / width_px;
    let row_height = 20.0 * (y1 - y0) / height_px;
    let shown: Vec<&Marker> = markers.iter().filter(|m| m.day >= x_range.start && m.day <= x_range.end).collect();
    for m in &shown {
        chart.draw_series(DashedLineSeries::new([(m.day, y0), (m.day, y1)], 6, 4, style))?;
    }
    if !labels {
        return Ok(());
    }
    // Labels after every line, each on a backdrop, so that no line crosses a label.
    for m in shown {
        let width = (m.label.chars().count() as f64 + 2.0) * per_char;
        let row = rows_end.iter().position(|&end| end < m.day).unwrap_or(rows_end.len());
        if row == rows_end.len() {
            rows_end.push(0.0);
        }
        rows_end[row] = m.day + width;
        let y = y1 - 6.0 * row_height / 20.0 - row_height * row as f64;
        let x = m.day + 4.0 * span / width_px;
        let backdrop =
            [(x - span / width_px, y + 2.0 * row_height / 20.0), (x + width - 1.5 * per_char, y - row_height)];
        chart.draw_series(std::iter::once(Rectangle::new(backdrop, WHITE.mix(0.85).filled())))?;
        chart.draw_series(std::iter::once(Text::new(
            m.label.clone(),
            (x, y),
            text(16.0).color(&RGBColor(60, 60, 60)),
        )))?;
    }
    Ok(())
}

/// A legend entry drawn as a short line of `color` and `width`.
/// Draw the house-style mesh of a chart of case counts (y) over days from the scenario start
/// (x, labelled with dates).
pub fn draw_dated_count_mesh<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    start: Date,
    x_labels: usize,
    y_desc: &str,
    x_desc: Option<&str>,
) -> DrawResult<DB> {
    let x_format = |x: &f64| short_date(start, *x);
    let y_format = |y: &f64| count_tick(*y);
    let mut mesh = chart.configure_mesh();
    mesh.light_line_style(LIGHT.mix(0.0))
        .bold_line_style(LIGHT)
        .x_labels(x_labels)
        .x_label_formatter(&x_format)
        .y_label_formatter(&y_format)
        .y_desc(y_desc)
        .label_style(text(16.0))
        .axis_desc_style(text(17.0));
    if let Some(x_desc) = x_desc {
        mesh.x_desc(x_desc);
    }
    mesh.draw()
}

/// Draw a chart's legend in the house style: a light box with a grey border.
pub fn draw_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
    font_size: f64,
) -> DrawResult<DB> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(GREY)
        .label_font(text(font_size))
        .draw()
}

pub fn legend_line(color: RGBColor, width: u32) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| {
        PathElement::new(
            vec![(x, y), (x + 24, y)],
            ShapeStyle { color: color.to_rgba(), filled: false, stroke_width: width },
        )
    }
}

/// A legend entry drawn as a filled square of `color`.
pub fn legend_box(color: RGBAColor) -> impl Fn((i32, i32)) -> Rectangle<(i32, i32)> {
    move |(x, y)| Rectangle::new([(x, y - 7), (x + 18, y + 7)], color.filled())
}

/// A human name for a provider kind key (`gp_practice` → "GP practices").
pub fn kind_label(key: &str) -> &'static str {
    match key {
        "hospital" => "Hospitals",
        "eye_hospital" => "Eye hospitals",
        "gp_practice" => "GP practices",
        "pharmacy" => "Pharmacies",
        "rehabilitation" => "Rehabilitation",
        "mental_health" => "Mental health",
        "forensic_care" => "Forensic care",
        "lab" => "Labs",
        _ => "Other",
    }
}

/// A "nice" upper bound for an axis holding values up to `max`.
pub fn nice_max(max: f64) -> f64 {
    if !(max.is_finite()) || max <= 0.0 {
        return 1.0;
    }
    let mag = 10f64.powf(max.log10().floor());
    for m in [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        if max * 1.05 <= m * mag {
            return m * mag;
        }
    }
    10.0 * mag
}

/// A number as the reports write it ([`crate::report::format`]): "1,234,567" shortened to
/// "1.2 M" from a million, one decimal below 10 when it has a fraction.
pub fn fmt_count(x: f64) -> String {
    use crate::report::format;
    if x.abs() >= 1e6 {
        format::compact(x)
    } else if x.abs() >= 10.0 || x.fract() == 0.0 {
        format::count(x)
    } else {
        format!("{x:.1}")
    }
}

/// A tick label on an axis of whole things (cases, records): blank between whole numbers, so
/// that no axis reads "0.2 patient dossiers".
pub fn count_tick(x: f64) -> String {
    if (x - x.round()).abs() > 1e-6 { String::new() } else { fmt_count(x) }
}

/// Write every chart of a single run into `dir` (the run folder's `plots/`). Returns the
/// written paths, PNG then SVG per chart, in a fixed order.
pub fn write_run_charts(dir: &Path, outcome: &Outcome, baseline: &Outcome) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    out.extend(render(dir, service_level::STEM, &service_level::ServiceLevel::new(outcome, baseline))?);
    out.extend(render(dir, backlog::STEM, &backlog::Backlog::new(outcome, baseline))?);
    out.extend(render(dir, staff::STEM, &staff::Staff::new(outcome, baseline))?);
    out.extend(render(dir, records::STEM, &records::Records::new(outcome))?);
    out.extend(render(dir, exchange::STEM, &exchange::Exchange::new(outcome, baseline))?);
    Ok(out)
}

/// The stems (file names without extension) of the charts [`write_run_charts`] writes, with
/// a caption for each.
pub const RUN_CHARTS: [(&str, &str); 5] = [
    (service_level::STEM, "Service level by provider kind"),
    (backlog::STEM, "Backlog, postponed and diverted patients"),
    (staff::STEM, "Staff load against the continuity plan's limits"),
    (records::STEM, "Records stolen by sensitivity"),
    (exchange::STEM, "Referrals between providers and patients' inquiries"),
];
