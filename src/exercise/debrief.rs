//! The room's part of the after-action report: each team's answers to the discussion
//! questions, the decisions taken with the teams' votes beside them, the facilitator's
//! observations (evaluator notes) and the hot wash, plus what was said before the room went
//! back. Rendered as Markdown and as an HTML fragment for the report's two forms.

use std::fmt::Write as _;

use super::session::{ROOM, Session};
use crate::report::html::escape as h;
use crate::report::markdown::escape as m;

/// The Markdown and HTML sections, empty when the room left nothing to report.
pub fn render(s: &Session) -> (String, String) {
    let rec = &s.rec;
    let team = |t: &str| if t == ROOM { "The room".to_string() } else { s.team_name(t) };
    if rec.answers.is_empty()
        && rec.taken.is_empty()
        && rec.observations.is_empty()
        && rec.hotwash.is_empty()
        && rec.earlier.is_empty()
    {
        return (String::new(), String::new());
    }
    let (mut md, mut html) = (String::from("\n## The room\n\n"), String::from("<h2>The room</h2>\n"));
    let intro = "What the room said and decided during the exercise, in time order.";
    let _ = writeln!(md, "{intro}\n");
    let _ = writeln!(html, "<p>{intro}</p>");

    // Answers, grouped by inject and question in the order given.
    if !rec.answers.is_empty() {
        let _ = writeln!(md, "### Answers to the discussion questions\n");
        let _ = writeln!(html, "<h3>Answers to the discussion questions</h3>");
        let mut groups: Vec<(u32, &str, &str)> = Vec::new();
        for a in &rec.answers {
            if !groups.iter().any(|g| g.0 == a.tick && g.1 == a.inject && g.2 == a.question) {
                groups.push((a.tick, &a.inject, &a.question));
            }
        }
        groups.sort_by_key(|g| g.0);
        for (tick, inject, question) in groups {
            let _ = writeln!(md, "**{}** — {} ({})\n", m(question), m(inject), s.when(tick));
            let _ = writeln!(
                html,
                "<p><b>{}</b> <span class=\"meta\">{} · {}</span></p><ul>",
                h(question),
                h(inject),
                h(&s.when(tick))
            );
            for a in rec.answers.iter().filter(|a| a.tick == tick && a.inject == inject && a.question == question) {
                let _ = writeln!(md, "- {}: {}", m(&team(&a.team)), m(&a.note));
                let _ = writeln!(html, "<li><b>{}</b>: {}</li>", h(&team(&a.team)), h(&a.note));
            }
            let _ = writeln!(md);
            let _ = writeln!(html, "</ul>");
        }
    }

    // Decisions with the votes beside them.
    if !rec.taken.is_empty() {
        let _ = writeln!(md, "### Decisions and the teams' votes\n");
        let _ = writeln!(md, "| time | decision | taken | votes | note |\n|---|---|---|---|---|");
        let _ = writeln!(
            html,
            "<h3>Decisions and the teams' votes</h3>\n<table><tr><th>time</th><th>decision</th><th>taken</th><th>votes</th><th>note</th></tr>"
        );
        for t in &rec.taken {
            let d = s.scenario().decisions().find(|d| d.id == t.id);
            let label = d.and_then(|d| d.options.get(t.option)).map_or(String::new(), |o| o.label.clone());
            let mut votes: Vec<String> = t.votes.iter().map(|(tm, o)| format!("{} → {o}", team(tm))).collect();
            if votes.is_empty() {
                votes.push("no votes".into());
            }
            let key = d.and_then(|d| d.options.get(t.option)).map_or("", |o| o.key.as_str());
            let agreed = t.votes.iter().filter(|(_, o)| o == key).count();
            let verdict = if t.votes.is_empty() {
                String::new()
            } else {
                format!(" ({agreed} of {} votes for the option taken)", t.votes.len())
            };
            let _ = writeln!(
                md,
                "| {} | `{}` | {} | {}{} | {} |",
                s.when(t.tick),
                m(&t.id),
                m(&label),
                m(&votes.join("; ")),
                verdict,
                m(&t.note)
            );
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}{}</td><td>{}</td></tr>",
                h(&s.when(t.tick)),
                h(&t.id),
                h(&label),
                h(&votes.join("; ")),
                h(&verdict),
                h(&t.note)
            );
        }
        let _ = writeln!(md);
        let _ = writeln!(html, "</table>");
    }

    let list = |md: &mut String, html: &mut String, title: &str, empty: &str, items: &[(String, String)]| {
        let _ = writeln!(md, "### {title}\n");
        let _ = writeln!(html, "<h3>{}</h3>", h(title));
        if items.is_empty() {
            let _ = writeln!(md, "{empty}\n");
            let _ = writeln!(html, "<p>{}</p>", h(empty));
            return;
        }
        let _ = writeln!(html, "<ul>");
        for (when, text) in items {
            if when.is_empty() {
                let _ = writeln!(md, "- {}", m(text));
                let _ = writeln!(html, "<li>{}</li>", h(text));
            } else {
                let _ = writeln!(md, "- {}: {}", m(when), m(text));
                let _ = writeln!(html, "<li><span class=\"meta\">{}</span> {}</li>", h(when), h(text));
            }
        }
        let _ = writeln!(md);
        let _ = writeln!(html, "</ul>");
    };
    let obs: Vec<(String, String)> = rec.observations.iter().map(|o| (s.when(o.tick), o.text.clone())).collect();
    list(&mut md, &mut html, "Facilitator's observations", "The facilitator recorded no observations.", &obs);
    let wash: Vec<(String, String)> = rec.hotwash.iter().map(|o| (String::new(), o.text.clone())).collect();
    list(
        &mut md,
        &mut html,
        "Hot wash",
        "No hot-wash notes were recorded. Ask the room now: what went well, what should improve, who follows up.",
        &wash,
    );
    if !rec.earlier.is_empty() || !rec.earlier_taken.is_empty() {
        let mut items: Vec<(String, String)> = rec
            .earlier_taken
            .iter()
            .map(|t| {
                let d = s.scenario().decisions().find(|d| d.id == t.id);
                let key = d.and_then(|d| d.options.get(t.option)).map_or("", |o| o.key.as_str());
                (s.when(t.tick), format!("decision {} first taken as {key}", t.id))
            })
            .collect();
        items.extend(
            rec.earlier.iter().map(|a| (s.when(a.tick), format!("{} on “{}”: {}", team(&a.team), a.question, a.note))),
        );
        list(&mut md, &mut html, "Before the room went back", "", &items);
    }
    (md, html)
}
