//! Printable inject cards and a facilitator guide (`cards.html`): one inject per page in time
//! order with its text, discussion questions and decision options, and, once a session has
//! taken a decision, what the room chose. Written to the session folder at the end and served
//! to the facilitator at `/cards`.

use serde::Serialize;

use super::session::Session;
use super::transcript::day_hour;
use crate::scenario::Event;

const TEMPLATE: &str = include_str!("server/templates/cards.html");

#[derive(Debug, Clone, Serialize)]
struct Card {
    when: String,
    event: String,
    teams: String,
    title: String,
    text: String,
    questions: Vec<String>,
    decision: String,
    options: Vec<String>,
    room: String,
    /// The question as it reads after earlier choices.
    after: Vec<String>,
}

/// The cards of `session`'s scenario as one HTML document.
pub fn render(session: &Session) -> String {
    let sc = session.scenario();
    let mut order: Vec<usize> = (0..sc.timeline.len()).collect();
    order.sort_by_key(|&i| (sc.timeline[i].day, sc.timeline[i].hour));
    let cards: Vec<Card> = order
        .iter()
        .map(|&i| {
            let inj = &sc.timeline[i];
            let tick = (inj.day * 24 + inj.hour) / sc.tick_hours;
            let (mut decision, mut options, mut room) = (String::new(), Vec::new(), String::new());
            let mut options_after = Vec::new();
            if let Event::Decision(d) = &inj.event {
                decision = d.question.clone();
                for (id, key, q) in &d.question_after {
                    options_after.push(format!("If the room chose {key} at {id}: {q}"));
                }
                options = d
                    .options
                    .iter()
                    .enumerate()
                    .map(|(k, o)| format!("{}{}", o.label, if k == d.default { " (default)" } else { "" }))
                    .collect();
                if let Some(t) = session.rec.taken.iter().find(|t| t.id == d.id) {
                    room = format!(
                        "the room chose “{}”{}",
                        d.options.get(t.option).map_or("", |o| o.label.as_str()),
                        if t.note.is_empty() { String::new() } else { format!(": {}", t.note) }
                    );
                }
            }
            let (day, hour) = day_hour(tick, sc.tick_hours);
            let date = sc.start.plus_days(i64::from(day));
            Card {
                when: format!(
                    "Day {day} · {date} {hour:02}:00{}",
                    if inj.delay.is_some() { " (time varies)" } else { "" }
                ),
                event: inj.event.key().to_string(),
                teams: inj.teams.join(", "),
                title: inj.title.clone(),
                text: inj.text.clone(),
                questions: inj.questions.clone(),
                decision,
                options,
                room,
                after: options_after,
            }
        })
        .collect();
    let mut env = minijinja::Environment::new();
    let ctx = minijinja::context! {
        title => sc.title.clone(),
        description => sc.description.trim().to_string(),
        id => sc.id.clone(),
        days => sc.days,
        start => sc.start.to_string(),
        decisions => sc.decisions().count(),
        teams => session.rec.teams.iter().map(|t| t.name.clone()).collect::<Vec<_>>().join(", "),
        cards => minijinja::Value::from(minijinja::value::Serde(&cards)),
    };
    env.add_template("cards.html", TEMPLATE)
        .and_then(|()| env.get_template("cards.html"))
        .and_then(|t| t.render(ctx))
        .unwrap_or_else(|e| format!("<!doctype html><p>the inject cards could not be rendered: {e}</p>"))
}
