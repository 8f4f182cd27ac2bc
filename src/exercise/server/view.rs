//! What the room's pages show, built from the session under its lock: the clock, the injects
//! before the room with their questions, answers and votes, the state of care beside the
//! baseline with charts (inline SVG), upcoming deadlines, the decisions taken, the
//! facilitator's notes and one named provider's state. The templates and assets are embedded
//! in the binary.

use std::fmt::Write as _;

use minijinja::Environment;
use serde::Serialize;

use super::{Live, Shared, Who};
use crate::exercise::session::{ROOM, Session};
use crate::exercise::state::{Day, Snapshot};
use crate::exercise::teams::addressed;
use crate::exercise::transcript::day_hour;
use crate::model::{BreachWork, CareServices, Function, Mode, Provider, Records, Staffing};
use crate::plot::fmt_count;
use crate::scenario::Event;

pub const CSS: &str = include_str!("assets/app.css");
pub const JS: &str = include_str!("assets/app.js");

/// The templates, by name.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("index.html", include_str!("templates/index.html")),
    ("room.html", include_str!("templates/room.html")),
    ("room_live.html", include_str!("templates/room_live.html")),
    ("facilitator.html", include_str!("templates/facilitator.html")),
    ("facilitator_live.html", include_str!("templates/facilitator_live.html")),
    ("team.html", include_str!("templates/team.html")),
    ("team_live.html", include_str!("templates/team_live.html")),
];

/// The template environment (HTML escaped by default).
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    for (name, source) in TEMPLATES {
        // The templates ship in the binary; a test renders each, so a broken one fails there.
        if let Err(e) = env.add_template(name, source) {
            eprintln!("warning: template {name}: {e}");
        }
    }
    env
}

/// Which view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Room,
    Facilitator,
    Team,
}

impl Kind {
    pub fn page(self) -> &'static str {
        match self {
            Kind::Room => "room.html",
            Kind::Facilitator => "facilitator.html",
            Kind::Team => "team.html",
        }
    }

    pub fn fragment(self) -> &'static str {
        match self {
            Kind::Room => "room_live.html",
            Kind::Facilitator => "facilitator_live.html",
            Kind::Team => "team_live.html",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Room => "room",
            Kind::Facilitator => "facilitator",
            Kind::Team => "team",
        }
    }
}

#[derive(Debug, Serialize, Default)]
pub struct View {
    pub kind: &'static str,
    pub title: String,
    pub scenario: String,
    /// The query string this viewer's links and requests carry.
    pub qs: String,
    /// The same codes as hidden form fields (for a GET form).
    pub auth: Vec<(String, String)>,
    /// The address of this view's live fragment.
    pub live: String,
    pub day: u32,
    pub date: String,
    pub weekday: String,
    pub time: String,
    pub when: String,
    pub progress_pct: f64,
    pub horizon_days: u32,
    pub cards: Vec<Card>,
    pub next_inject: String,
    pub state: Vec<Row>,
    pub charts: Vec<Chart>,
    pub deadlines: Vec<Deadline>,
    pub teams: Vec<TeamLink>,
    pub team: Option<TeamLink>,
    pub taken: Vec<TakenRow>,
    pub earlier_taken: Vec<TakenRow>,
    pub observations: Vec<Note>,
    pub hotwash: Vec<Note>,
    pub open: usize,
    pub at_horizon: bool,
    pub ended: bool,
    pub ended_error: String,
    pub providers: Vec<String>,
    pub provider: Option<ProviderView>,
}

#[derive(Debug, Serialize)]
pub struct Card {
    pub index: usize,
    pub title: String,
    pub text: String,
    pub event: String,
    pub teams: String,
    pub questions: Vec<Question>,
    pub decision: Option<DecisionView>,
}

#[derive(Debug, Serialize)]
pub struct Question {
    pub index: usize,
    pub text: String,
    pub answers: Vec<(String, String)>,
    /// This team's answer now, and the one it gave before the room went back.
    pub mine: String,
    pub earlier: String,
}

#[derive(Debug, Serialize)]
pub struct DecisionView {
    pub id: String,
    pub question: String,
    pub open: bool,
    pub options: Vec<OptionView>,
    pub votes: usize,
    pub taken: String,
    pub note: String,
}

#[derive(Debug, Serialize)]
pub struct OptionView {
    pub key: String,
    pub label: String,
    pub votes: usize,
    pub pct: f64,
    pub voters: String,
    pub default: bool,
    pub majority: bool,
    pub mine: bool,
    pub taken: bool,
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub name: String,
    pub now: String,
    pub base: String,
    /// Worse than the baseline.
    pub worse: bool,
}

#[derive(Debug, Serialize)]
pub struct Chart {
    pub title: String,
    /// Markup built from numbers only (see [`line_chart`]); the template marks it safe.
    pub svg: String,
}

#[derive(Debug, Serialize)]
pub struct Deadline {
    pub when: String,
    pub text: String,
    pub hours: u32,
}

#[derive(Debug, Serialize)]
pub struct TeamLink {
    pub id: String,
    pub name: String,
    pub url: String,
    pub answers: usize,
    pub votes: usize,
}

#[derive(Debug, Serialize)]
pub struct TakenRow {
    pub k: usize,
    pub when: String,
    pub id: String,
    pub option: String,
    pub label: String,
    pub note: String,
    pub votes: String,
}

#[derive(Debug, Serialize)]
pub struct Note {
    pub when: String,
    pub text: String,
}

#[derive(Debug, Serialize, Default)]
pub struct ProviderView {
    pub id: String,
    pub kind: String,
    pub hosting: String,
    pub services: Vec<(String, String, u32)>,
    pub functions_down: String,
    pub waiting: u64,
    pub sick_pct: f64,
    pub records: String,
    pub duties: Vec<(String, String)>,
}

/// The start page: links to the views this viewer may open.
pub(super) fn index(app: &Shared, live: &Live, facilitator: bool) -> View {
    let s = &live.session;
    View {
        kind: "index",
        title: s.scenario().title.clone(),
        qs: app.qs(if facilitator { &Who::Facilitator } else { &Who::Viewer }, None),
        teams: if facilitator || !app.secured { team_links(app, s) } else { Vec::new() },
        ended: live.ended.is_some(),
        ..Default::default()
    }
}

fn team_links(app: &Shared, s: &Session) -> Vec<TeamLink> {
    s.rec
        .teams
        .iter()
        .map(|t| TeamLink {
            id: t.id.clone(),
            name: t.name.clone(),
            url: format!("/team/{}{}", t.id, app.qs(&Who::Viewer, Some(&t.id))),
            answers: s.rec.answers.iter().filter(|a| a.team == t.id && a.tick == s.now()).count(),
            votes: s.rec.votes.iter().filter(|v| v.team == t.id).count(),
        })
        .collect()
}

/// The view `kind` (for `team`) of the session now.
pub(super) fn build(app: &Shared, live: &mut Live, kind: Kind, team: Option<&str>) -> View {
    let ended = live.ended.is_some();
    let ended_error = match &live.ended {
        Some(Err(e)) => e.clone(),
        _ => String::new(),
    };
    let s = &mut live.session;
    let sc = s.scenario().clone();
    let now = s.now();
    let (day, hour) = day_hour(now, sc.tick_hours);
    let date = sc.start.plus_days(i64::from(day));
    const WEEKDAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
    let who = if kind == Kind::Facilitator { Who::Facilitator } else { Who::Viewer };
    let qs = app.qs(&who, team);
    let team_name = team.map(|t| s.team_name(t));
    let mut v = View {
        kind: kind.name(),
        title: sc.title.clone(),
        scenario: sc.id.clone(),
        live: match team {
            Some(t) => format!("/live/team/{t}{qs}"),
            None => format!("/live/{}{qs}", kind.name()),
        },
        auth: app.auth_fields(&who, team),
        qs,
        day,
        date: date.to_string(),
        weekday: WEEKDAYS[date.weekday() as usize % 7].to_string(),
        time: format!("{hour:02}:00"),
        when: s.when(now),
        progress_pct: 100.0 * f64::from(now) / f64::from(s.horizon().max(1)),
        horizon_days: sc.days,
        next_inject: s.next_inject().map(|t| s.when(t)).unwrap_or_default(),
        open: s.open_decisions().len(),
        at_horizon: now >= s.horizon(),
        ended,
        ended_error,
        team: team.and_then(|t| team_links(app, s).into_iter().find(|l| l.id == t)),
        ..Default::default()
    };

    // The injects before the room.
    let open: Vec<String> = s.open_decisions().into_iter().map(|d| d.id).collect();
    for (index, inj) in s.current() {
        if let Some(name) = &team_name
            && !addressed(&inj, name)
        {
            continue;
        }
        let questions = inj
            .questions
            .iter()
            .enumerate()
            .map(|(qi, q)| Question {
                index: qi,
                text: q.clone(),
                answers: s
                    .rec
                    .answers
                    .iter()
                    .filter(|a| a.tick == now && a.inject == inj.title && &a.question == q)
                    .map(|a| (if a.team == ROOM { "Room".to_string() } else { s.team_name(&a.team) }, a.note.clone()))
                    .collect(),
                mine: team.and_then(|t| s.answer_of(t, &inj.title, q)).unwrap_or_default().to_string(),
                earlier: team.and_then(|t| s.earlier_answer(t, &inj.title, q)).unwrap_or_default().to_string(),
            })
            .collect();
        let decision = match &inj.event {
            Event::Decision(d) => {
                let votes = s.votes_at(&d.id);
                let taken = s.rec.taken.iter().rev().find(|t| t.tick == now && t.id == d.id);
                let shown_votes = if let Some(t) = taken { t.votes.clone() } else { votes };
                let majority = if taken.is_none() { s.majority(d) } else { None };
                let total = shown_votes.len();
                let options = d
                    .options
                    .iter()
                    .enumerate()
                    .map(|(i, o)| {
                        let voters: Vec<String> =
                            shown_votes.iter().filter(|(_, k)| k == &o.key).map(|(t, _)| s.team_name(t)).collect();
                        OptionView {
                            key: o.key.clone(),
                            label: o.label.clone(),
                            votes: voters.len(),
                            pct: if total == 0 { 0.0 } else { 100.0 * voters.len() as f64 / total as f64 },
                            voters: voters.join(", "),
                            default: i == d.default,
                            majority: majority == Some(i),
                            mine: team.is_some_and(|t| shown_votes.iter().any(|(tt, k)| tt == t && k == &o.key)),
                            taken: taken.is_some_and(|t| t.option == i),
                        }
                    })
                    .collect();
                Some(DecisionView {
                    id: d.id.clone(),
                    question: s.question(d),
                    open: open.contains(&d.id),
                    options,
                    votes: total,
                    taken: taken.and_then(|t| d.options.get(t.option)).map(|o| o.label.clone()).unwrap_or_default(),
                    note: taken.map(|t| t.note.clone()).unwrap_or_default(),
                })
            }
            _ => None,
        };
        v.cards.push(Card {
            index,
            title: inj.title.clone(),
            text: inj.text.clone(),
            event: inj.event.key().to_string(),
            teams: inj.teams.join(", "),
            questions,
            decision,
        });
    }

    // The state of care beside the baseline, and charts.
    let (a, b) = s.snapshots();
    v.state = rows(&a, &b);
    v.charts = charts(&a, &b, sc.days);
    v.deadlines = s
        .deadlines()
        .into_iter()
        .take(6)
        .map(|(t, text)| Deadline { when: s.when(t), text, hours: (t - now) * sc.tick_hours })
        .collect();

    let views = s.taken_views();
    if kind == Kind::Room {
        v.taken = views
            .into_iter()
            .rev()
            .take(3)
            .map(|tv| TakenRow {
                k: 0,
                when: tv.when,
                id: tv.id,
                option: tv.option,
                label: tv.label,
                note: String::new(),
                votes: String::new(),
            })
            .collect();
    } else if kind == Kind::Facilitator {
        v.teams = team_links(app, s);
        v.taken = s
            .rec
            .taken
            .iter()
            .zip(views)
            .enumerate()
            .map(|(k, (t, tv))| TakenRow {
                k,
                when: tv.when,
                id: tv.id,
                option: tv.option,
                label: tv.label,
                note: t.note.clone(),
                votes: t
                    .votes
                    .iter()
                    .map(|(team, o)| format!("{} {o}", s.team_name(team)))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect();
        v.earlier_taken = s
            .rec
            .earlier_taken
            .iter()
            .rev()
            .take(10)
            .map(|t| TakenRow {
                k: 0,
                when: s.when(t.tick),
                id: t.id.clone(),
                option: sc
                    .decisions()
                    .find(|d| d.id == t.id)
                    .and_then(|d| d.options.get(t.option))
                    .map(|o| o.key.clone())
                    .unwrap_or_default(),
                label: String::new(),
                note: t.note.clone(),
                votes: String::new(),
            })
            .collect();
        v.observations =
            s.rec.observations.iter().rev().map(|o| Note { when: s.when(o.tick), text: o.text.clone() }).collect();
        v.hotwash = s.rec.hotwash.iter().map(|o| Note { when: s.when(o.tick), text: o.text.clone() }).collect();
        v.providers = sc.providers.iter().take(500).map(|p| p.id.clone()).collect();
    }
    v
}

/// The state of one named provider (the facilitator's view).
pub(super) fn provider(s: &mut Session, id: &str) -> Option<ProviderView> {
    let sc = s.scenario().clone();
    let index = sc.providers.iter().position(|p| p.id == id)?;
    let spec = &sc.providers[index];
    let now = s.now();
    let world = s.sim_mut().world_mut();
    let mut q = world.query::<(&Provider, &CareServices, &Staffing, &Records, &crate::model::Functions, &BreachWork)>();
    let (p, services, staff, records, functions, work) = q.iter(world).find(|(p, ..)| p.index as usize == index)?;
    let profile = sc.profiles.get(spec.profile);
    let mut v = ProviderView {
        id: spec.id.clone(),
        kind: p.kind.key().replace('_', " "),
        hosting: p.hosting.key().replace('_', " "),
        sick_pct: 100.0 * staff.sick_share(),
        records: if records.stolen > 0 {
            format!("{} of {} stolen", fmt_count(records.stolen as f64), fmt_count(records.patients as f64))
        } else {
            format!("{} on record, none stolen", fmt_count(records.patients as f64))
        },
        ..Default::default()
    };
    for svc in &services.0 {
        let name = profile
            .and_then(|pr| pr.services.get(svc.spec as usize))
            .map_or_else(|| "service".into(), |x| x.name.clone());
        let mode = match svc.mode {
            Mode::Normal => "normal",
            Mode::Fallback => "fallback",
            Mode::Blocked => "blocked",
        };
        v.waiting += u64::from(svc.queued);
        v.services.push((name, mode.to_string(), svc.queued));
    }
    let down: Vec<&str> =
        Function::ALL.iter().filter(|f| !functions.available.contains(**f)).map(|f| f.name()).collect();
    v.functions_down = if down.is_empty() { "none".into() } else { down.join(", ") };
    for d in &work.duties {
        let state = match d.done {
            Some(t) if t <= d.due => "met".to_string(),
            Some(_) => "met late".to_string(),
            None if d.due < now => "overdue".to_string(),
            None => format!("due {}", s_when(&sc, d.due)),
        };
        v.duties.push((d.what.to_string(), state));
    }
    Some(v)
}

fn s_when(sc: &crate::scenario::Scenario, tick: u32) -> String {
    let (day, hour) = day_hour(tick, sc.tick_hours);
    format!("day {day} {hour:02}:00")
}

fn rows(a: &Snapshot, b: &Snapshot) -> Vec<Row> {
    let pct = |x: f64| format!("{x:.1}%");
    vec![
        Row {
            name: "Care delivered, last 7 days".into(),
            now: pct(a.service_level_7d()),
            base: pct(b.service_level_7d()),
            worse: a.service_level_7d() < b.service_level_7d() - 0.5,
        },
        Row {
            name: "Cases waiting".into(),
            now: fmt_count(a.backlog as f64),
            base: fmt_count(b.backlog as f64),
            worse: a.backlog as f64 > 1.05 * b.backlog as f64 + 1.0,
        },
        Row {
            name: "Services in fallback / blocked".into(),
            now: format!("{} / {}", a.services_fallback, a.services_blocked),
            base: format!("{} / {}", b.services_fallback, b.services_blocked),
            worse: a.services_fallback + a.services_blocked > b.services_fallback + b.services_blocked,
        },
        Row {
            name: "Overtime hours".into(),
            now: fmt_count(a.overtime_hours.round()),
            base: fmt_count(b.overtime_hours.round()),
            worse: a.overtime_hours > 1.05 * b.overtime_hours + 1.0,
        },
        Row {
            name: "Staff off sick".into(),
            now: pct(100.0 * a.sick_share),
            base: pct(100.0 * b.sick_share),
            worse: a.sick_share > b.sick_share + 0.005,
        },
        Row {
            name: "Patient records stolen".into(),
            now: fmt_count(a.records_stolen as f64),
            base: fmt_count(b.records_stolen as f64),
            worse: a.records_stolen > b.records_stolen,
        },
    ]
}

fn charts(a: &Snapshot, b: &Snapshot, days: u32) -> Vec<Chart> {
    let level = |d: &Day| if d.demand == 0 { f64::NAN } else { 100.0 * d.served as f64 / d.demand as f64 };
    let backlog = |d: &Day| d.backlog as f64;
    vec![
        Chart {
            title: "Care delivered per day, % of demand".into(),
            svg: line_chart(
                &a.days.iter().map(level).collect::<Vec<_>>(),
                &b.days.iter().map(level).collect::<Vec<_>>(),
                days,
                false,
            ),
        },
        Chart {
            title: "Cases waiting at the end of each day".into(),
            svg: line_chart(
                &a.days.iter().map(backlog).collect::<Vec<_>>(),
                &b.days.iter().map(backlog).collect::<Vec<_>>(),
                days,
                true,
            ),
        },
    ]
}

/// An inline SVG line chart of `now` (the incident) beside `base` over `days` days: numbers and
/// coordinates only, so nothing from the scenario reaches the markup.
pub fn line_chart(now: &[f64], base: &[f64], days: u32, from_zero: bool) -> String {
    // Wide and low like the space the room view gives it, so its text scales up to be read
    // from the back of the room.
    const W: f64 = 400.0;
    const H: f64 = 84.0;
    const L: f64 = 44.0;
    const R: f64 = 8.0;
    const T: f64 = 6.0;
    const B: f64 = 17.0;
    let all = now.iter().chain(base).copied().filter(|v| v.is_finite());
    let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    let (mut lo, mut hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    if from_zero {
        lo = 0.0;
        hi = hi.max(1.0) * 1.1;
    } else {
        lo = (lo - 2.0).min(hi - 10.0).floor();
        hi = hi.max(lo + 10.0).ceil();
    }
    let span = (hi - lo).max(1e-9);
    let x = |d: usize| L + (W - L - R) * (d as f64 + 0.5) / f64::from(days.max(1));
    let y = |v: f64| T + (H - T - B) * (1.0 - (v - lo) / span);
    let line = |vals: &[f64]| {
        let mut p = String::new();
        for (d, v) in vals.iter().enumerate().filter(|(_, v)| v.is_finite()) {
            let _ = write!(p, "{:.1},{:.1} ", x(d), y(*v));
        }
        p
    };
    let fmt = |v: f64| if from_zero { fmt_count(v.round()) } else { format!("{v:.0}%") };
    let mut o = String::new();
    let _ = write!(
        o,
        r#"<svg viewBox="0 0 {W} {H}" preserveAspectRatio="xMidYMid meet" role="img" class="chart" xmlns="http://www.w3.org/2000/svg">"#
    );
    for (v, label) in [(hi, fmt(hi)), (lo, fmt(lo)), ((hi + lo) / 2.0, fmt((hi + lo) / 2.0))] {
        let _ = write!(
            o,
            r#"<line x1="{L}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" class="grid"/><text x="{:.1}" y="{:.1}" class="axis" text-anchor="end">{label}</text>"#,
            W - R,
            L - 6.0,
            y(v) + 4.0,
            y = y(v)
        );
    }
    let _ = write!(
        o,
        r#"<text x="{L}" y="{:.1}" class="axis">day 0</text><text x="{:.1}" y="{:.1}" class="axis" text-anchor="end">day {days}</text>"#,
        H - 3.0,
        W - R,
        H - 3.0
    );
    if let Some(last) = now.len().checked_sub(1) {
        let _ = write!(o, r#"<line x1="{0:.1}" x2="{0:.1}" y1="{T}" y2="{1:.1}" class="today"/>"#, x(last), H - B);
    }
    let _ = write!(o, r#"<polyline points="{}" class="base"/>"#, line(base));
    let _ = write!(o, r#"<polyline points="{}" class="now"/>"#, line(now));
    o.push_str("</svg>");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_parse_and_charts_draw_numbers_only() {
        let env = environment();
        for (name, _) in TEMPLATES {
            env.get_template(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let svg = line_chart(&[100.0, 90.0], &[100.0, 100.0], 10, false);
        assert!(svg.contains("<polyline") && svg.contains("day 10") && !svg.contains("NaN"));
        let empty = line_chart(&[], &[], 10, true);
        assert!(empty.starts_with("<svg") && !empty.contains("NaN"));
    }
}
