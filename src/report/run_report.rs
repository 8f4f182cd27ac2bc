//! The report model of a run (and an exercise): the after-action report / improvement plan as
//! one serialisable struct, assembled from [`Report`] with every figure already formatted, and
//! rendered through `run.md` and `run.html`. Optional blocks go in [`RunView::sections`].

use std::path::Path;

use serde::Serialize;

use super::aar::{COUNTERFACTUAL_COLUMNS, EntryKind, Rating, Report, counterfactual_cells};
use super::format;
use super::render::{self, Figure, Section};
use super::write_atomic;
use crate::error::Error;

/// A rating as shown: letter, CSS class, meaning.
#[derive(Debug, Clone, Serialize)]
pub struct RatingView {
    pub code: &'static str,
    pub class: &'static str,
    pub meaning: &'static str,
}

impl From<Rating> for RatingView {
    fn from(r: Rating) -> Self {
        RatingView { code: r.code(), class: if r == Rating::NotRated { "N" } else { r.code() }, meaning: r.meaning() }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MeasureView {
    pub name: &'static str,
    pub value: String,
    pub baseline: String,
    pub target: String,
    pub rating: RatingView,
}

#[derive(Debug, Clone, Serialize)]
pub struct CapabilityView {
    pub number: usize,
    pub name: &'static str,
    pub objective: &'static str,
    pub rating: RatingView,
    pub measures: Vec<MeasureView>,
    pub notes: Vec<String>,
    pub figure: Option<Figure>,
}

/// A strength or an area for improvement.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub capability: &'static str,
    pub measure: String,
    pub value: String,
    pub baseline: String,
    pub target: String,
    pub rating: RatingView,
}

/// A headline figure with what it is compared with.
#[derive(Debug, Clone, Serialize)]
pub struct Card {
    pub value: String,
    pub label: &'static str,
    pub compared: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ParticipantView {
    pub kind: &'static str,
    pub providers: String,
    pub patients: String,
    pub hosting: [String; 3],
    pub sensitivity: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct EntryView {
    pub when: String,
    pub day: u32,
    pub kind: &'static str,
    pub event: String,
    pub target: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OptionView {
    pub key: String,
    pub label: String,
    pub taken: bool,
    pub default: bool,
    /// (value, difference from the option taken; empty for the option taken).
    pub cells: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CounterfactualView {
    pub id: String,
    pub when: String,
    pub day: u32,
    pub question: String,
    pub options: Vec<OptionView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImprovementView {
    pub number: usize,
    pub capability: &'static str,
    pub rating: RatingView,
    pub issue: String,
    pub action: &'static str,
    pub owner: &'static str,
    pub due: String,
}

/// The run report model: everything `run.md` and `run.html` show.
#[derive(Debug, Clone, Serialize)]
pub struct RunView {
    pub title: String,
    pub scenario: String,
    pub seed: u64,
    pub generated_by: &'static str,
    pub version: &'static str,
    pub start: String,
    pub end: String,
    pub days: String,
    pub providers: String,
    pub incident: Option<String>,
    pub vendors: String,
    pub platforms: String,
    pub description: String,
    /// The executive summary, what hurt most first.
    pub summary: Vec<String>,
    pub cards: Vec<Card>,
    pub capabilities: Vec<CapabilityView>,
    pub strengths: Vec<Finding>,
    pub weaknesses: Vec<Finding>,
    pub participants: Vec<ParticipantView>,
    pub timeline: Vec<EntryView>,
    pub counterfactual_columns: [&'static str; 6],
    pub counterfactuals: Vec<CounterfactualView>,
    pub improvements: Vec<ImprovementView>,
    /// Optional blocks after the analysis of capabilities.
    pub sections: Vec<Section>,
    /// Sections a command adds as ready-made Markdown and HTML (exercise: the room's answers,
    /// votes, observations, hot wash); the HTML is downtime's own, escaped where it was built.
    pub extra_md: String,
    pub extra_html: String,
    /// Every chart, for the appendix of the Markdown report.
    pub charts: Vec<Figure>,
}

fn finding(cap: &'static str, m: &super::aar::Measure) -> Finding {
    Finding {
        capability: cap,
        measure: m.name.to_string(),
        value: m.value.clone(),
        baseline: m.baseline.clone(),
        target: m.target.clone(),
        rating: m.rating.into(),
    }
}

impl RunView {
    /// The model of `r`; `charts` are the figures of `r.charts`, in order.
    pub fn new(r: &Report, charts: Vec<Figure>) -> Self {
        let s = &r.summary;
        let k = &s.kpis;
        let b = &s.baseline;
        let c = format::count;
        let figure = |stem: &str| charts.iter().find(|f| f.stem == stem).cloned();
        RunView {
            title: s.title.clone(),
            scenario: s.scenario.clone(),
            seed: s.seed,
            generated_by: r.generated_by,
            version: render::VERSION,
            start: r.start.to_string(),
            end: r.end.to_string(),
            days: format::days(f64::from(s.days)),
            providers: c(s.providers as f64),
            incident: r.facts.compromise_day.map(|d| {
                let until = r
                    .facts
                    .last_restore_day
                    .map_or("no full restore within the horizon".into(), |x| format!("last restore {}", r.date(x)));
                format!("first compromise {} (day {d}); {until}", r.date(d))
            }),
            vendors: r.vendors.join(", "),
            platforms: r.platforms.join(", "),
            description: r.description.trim().to_string(),
            summary: r.summary_sentences(),
            cards: vec![
                Card {
                    value: format::plural(k.care_behind_peak.max(0) as f64, "case"),
                    label: "behind normal at the peak",
                    compared: "against the baseline run".into(),
                },
                Card {
                    value: c(k.urgent_delayed as f64),
                    label: "urgent cases delayed",
                    compared: format!("baseline {}", c(b.urgent_delayed as f64)),
                },
                Card {
                    value: format::pct(k.care_delivered_pct),
                    label: "of care demanded delivered",
                    compared: format!("baseline {}", format::pct(b.care_delivered_pct)),
                },
                Card {
                    value: c(k.records_exfiltrated as f64),
                    label: "patient records stolen",
                    compared: format!("of {} on file", c(r.facts.records_on_file as f64)),
                },
            ],
            capabilities: r
                .capabilities
                .iter()
                .enumerate()
                .map(|(i, cap)| CapabilityView {
                    number: i + 1,
                    name: cap.name,
                    objective: cap.objective,
                    rating: cap.rating.into(),
                    measures: cap
                        .measures
                        .iter()
                        .map(|m| MeasureView {
                            name: m.name,
                            value: m.value.clone(),
                            baseline: m.baseline.clone(),
                            target: m.target.clone(),
                            rating: m.rating.into(),
                        })
                        .collect(),
                    notes: cap.measures.iter().filter(|m| !m.note.is_empty()).map(|m| m.note.clone()).collect(),
                    figure: cap.chart.and_then(figure),
                })
                .collect(),
            strengths: r.strengths().into_iter().map(|(cap, m)| finding(cap, m)).collect(),
            weaknesses: r.weaknesses().into_iter().map(|(cap, m)| finding(cap, m)).collect(),
            participants: r
                .participants
                .iter()
                .map(|p| ParticipantView {
                    kind: p.kind,
                    providers: c(p.providers as f64),
                    patients: c(p.patients as f64),
                    hosting: p.hosting.map(|h| c(h as f64)),
                    sensitivity: if p.high_sensitivity { "high" } else { "normal" },
                })
                .collect(),
            timeline: r
                .timeline
                .iter()
                .map(|e| EntryView {
                    when: format!("{} {:02}:00", r.date(e.day), e.hour),
                    day: e.day,
                    kind: match e.kind {
                        EntryKind::Inject => "inject",
                        EntryKind::Decision => "decision",
                        EntryKind::Deadline => "deadline",
                        EntryKind::Consequence => "consequence",
                    },
                    event: e.event.clone(),
                    target: e.target.clone(),
                    text: e.text.clone(),
                })
                .collect(),
            counterfactual_columns: COUNTERFACTUAL_COLUMNS,
            counterfactuals: r
                .counterfactuals
                .iter()
                .map(|cf| {
                    let taken = &cf.options[cf.chosen].2;
                    CounterfactualView {
                        id: cf.id.clone(),
                        when: format!("{} {:02}:00", r.date(cf.day), cf.hour),
                        day: cf.day,
                        question: cf.question.clone(),
                        options: cf
                            .options
                            .iter()
                            .enumerate()
                            .map(|(i, (key, label, k))| OptionView {
                                key: key.clone(),
                                label: label.clone(),
                                taken: i == cf.chosen,
                                default: i == cf.default,
                                cells: counterfactual_cells(k, taken, i == cf.chosen)
                                    .into_iter()
                                    .map(|(v, d)| (v, d.unwrap_or_default()))
                                    .collect(),
                            })
                            .collect(),
                    }
                })
                .collect(),
            improvements: r
                .improvements
                .iter()
                .enumerate()
                .map(|(i, m)| ImprovementView {
                    number: i + 1,
                    capability: m.capability,
                    rating: m.rating.into(),
                    issue: m.issue.clone(),
                    action: m.action,
                    owner: m.owner,
                    due: m.due.to_string(),
                })
                .collect(),
            sections: r.sections.clone(),
            extra_md: r.extra_md.clone(),
            extra_html: r.extra_html.clone(),
            charts,
        }
    }
}

/// Render `report.md` and `report.html` of `r` into `dir` (whose `plots/` holds its charts).
pub fn write(dir: &Path, r: &Report) -> Result<RunView, Error> {
    let charts =
        r.charts.iter().map(|(stem, caption)| Figure::load(dir, stem, caption)).collect::<Result<Vec<_>, _>>()?;
    let view = RunView::new(r, charts);
    write_atomic(&dir.join("report.md"), render::render("run.md", &view)?.as_bytes())?;
    write_atomic(&dir.join("report.html"), render::render("run.html", &view)?.as_bytes())?;
    Ok(view)
}
