//! `report.html`: the after-action report as one self-contained page — inline CSS, charts as
//! inline SVG, no scripts, no external references, printable. Every text that comes from a
//! scenario is HTML-escaped.

use std::fmt::Write as _;

use super::aar::{COUNTERFACTUAL_COLUMNS, EntryKind, Rating, Report, counterfactual_cells};
use crate::plot::fmt_count;

/// Escape text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
:root { --ink: #1d2327; --muted: #5b6770; --rule: #d9dee2; --band: #f4f6f8; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0; background: #eef1f4; color: var(--ink); font: 15px/1.5 "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width: 1040px; margin: 24px auto; background: #fff; padding: 40px 56px 56px; box-shadow: 0 1px 4px rgba(0,0,0,.12); }
header.cover { border-bottom: 4px solid var(--accent); padding-bottom: 18px; margin-bottom: 8px; }
.kicker { text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: var(--muted); margin: 0; }
h1 { font-size: 30px; line-height: 1.2; margin: 6px 0 8px; }
h2 { font-size: 21px; margin: 40px 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--rule); }
h3 { font-size: 17px; margin: 26px 0 8px; display: flex; align-items: center; gap: 10px; }
p { margin: 8px 0; }
.meta { color: var(--muted); font-size: 13px; }
table { border-collapse: collapse; width: 100%; margin: 10px 0 14px; font-size: 13.5px; }
th, td { text-align: left; vertical-align: top; padding: 6px 9px; border-bottom: 1px solid var(--rule); }
th { background: var(--band); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.facts th { width: 200px; background: none; color: var(--muted); font-weight: normal; }
.badge { display: inline-block; min-width: 30px; padding: 2px 8px; border-radius: 4px; font-weight: 700; text-align: center; color: #fff; font-size: 14px; }
.r-P { background: #009E73; } .r-S { background: #0072B2; } .r-M { background: #E69F00; color: #1d2327; } .r-U { background: #D55E00; } .r-N { background: #9aa3ab; }
.cards { display: grid; grid-template-columns: repeat(5, 1fr); gap: 10px; margin: 14px 0; }
.card { border: 1px solid var(--rule); border-radius: 6px; padding: 10px; text-align: center; }
.card .name { font-size: 12.5px; color: var(--muted); margin-top: 6px; line-height: 1.25; }
.card .badge { font-size: 20px; min-width: 44px; }
.kpis { display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; margin: 14px 0; }
.kpi { background: var(--band); border-radius: 6px; padding: 10px 12px; }
.kpi .v { font-size: 22px; font-weight: 700; }
.kpi .l { font-size: 12.5px; color: var(--muted); }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
ul { margin: 6px 0; padding-left: 20px; } li { margin: 3px 0; }
figure { margin: 14px 0 22px; } figure svg { width: 100%; height: auto; display: block; border: 1px solid var(--rule); }
figcaption { font-size: 13px; color: var(--muted); margin-top: 4px; }
table.cf { font-size: 12.5px; } table.cf td:first-child { min-width: 170px; } tr.k-deadline td { color: #7a4b00; } tr.k-consequence td { background: #fbf3ee; } tr.k-decision td { background: #eef6fb; }
.tag { font-size: 11.5px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.objective { color: var(--muted); font-style: italic; }
.legend { font-size: 13px; color: var(--muted); }
footer { margin-top: 40px; font-size: 12.5px; color: var(--muted); border-top: 1px solid var(--rule); padding-top: 10px; }
@media print { body { background: #fff; } main { box-shadow: none; margin: 0; max-width: none; padding: 0; } h2 { break-after: avoid; } figure, table { break-inside: avoid; } }
@media (max-width: 800px) { main { padding: 20px; } .cards, .kpis, .two { grid-template-columns: 1fr 1fr; } }
"#;

fn badge(r: Rating) -> String {
    let class = if r == Rating::NotRated { "N" } else { r.code() };
    format!("<span class=\"badge r-{class}\" title=\"{}\">{}</span>", r.meaning(), r.code())
}

/// Make a plotters SVG embeddable: no XML prolog, sized by its container, labelled.
fn inline_svg(svg: &str, caption: &str) -> String {
    let body = match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => return String::new(),
    };
    let Some(end) = body.find('>') else { return String::new() };
    let open = &body[..end];
    let view_box = open.split("viewBox=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("0 0 1200 680");
    format!(
        "<svg viewBox=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{}\"{}",
        escape(view_box),
        escape(caption),
        &body[end..]
    )
}

/// Render the report as one HTML page. `svgs` holds the SVG markup of `r.charts`, in order.
pub fn render(r: &Report, svgs: &[String]) -> String {
    let s = &r.summary;
    let k = &s.kpis;
    let b = &s.baseline;
    let chart = |stem: &str| -> String {
        r.charts
            .iter()
            .zip(svgs)
            .find(|((st, _), _)| *st == stem)
            .map(|((_, caption), svg)| {
                format!("<figure>{}<figcaption>{}</figcaption></figure>\n", inline_svg(svg, caption), escape(caption))
            })
            .unwrap_or_default()
    };
    let mut o = String::with_capacity(64 * 1024 + svgs.iter().map(String::len).sum::<usize>());
    let _ = writeln!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>After-action report: {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>",
        escape(&s.title)
    );
    let _ = writeln!(
        o,
        "<header class=\"cover\"><p class=\"kicker\">After-action report / improvement plan · simulated tabletop exercise</p><h1>{}</h1><p class=\"meta\">Scenario <code>{}</code> · {} to {} · {} providers · seed {} · generated by <code>{}</code></p></header>",
        escape(&s.title),
        escape(&s.scenario),
        r.start,
        r.end,
        s.providers,
        s.seed,
        r.generated_by
    );

    // Executive summary first for the board; the overview follows.
    let _ = writeln!(o, "<h2>Executive summary</h2>\n<p>{}</p>", escape(&r.headline()));
    o.push_str("<div class=\"cards\">");
    for c in &r.capabilities {
        let _ = write!(o, "<div class=\"card\">{}<div class=\"name\">{}</div></div>", badge(c.rating), c.name);
    }
    o.push_str("</div>\n<p class=\"legend\">P performed without challenges · S with some challenges · M with major challenges · U unable to be performed · — not exercised. Thresholds from the scenario's evaluation criteria.</p>\n");
    let kpi = |v: String, l: &str, base: String| {
        format!("<div class=\"kpi\"><div class=\"v\">{v}</div><div class=\"l\">{l}<br>baseline {base}</div></div>")
    };
    o.push_str("<div class=\"kpis\">");
    o.push_str(&kpi(
        format!("{:.1}%", k.care_delivered_pct),
        "care delivered",
        format!("{:.1}%", b.care_delivered_pct),
    ));
    o.push_str(&kpi(
        fmt_count(k.peak_backlog as f64),
        "peak backlog (cases waiting)",
        fmt_count(b.peak_backlog as f64),
    ));
    o.push_str(&kpi(fmt_count(k.overtime_hours), "overtime hours", fmt_count(b.overtime_hours)));
    o.push_str(&kpi(
        fmt_count(k.records_exfiltrated as f64),
        "patient records stolen",
        fmt_count(b.records_exfiltrated as f64),
    ));
    o.push_str("</div>\n<div class=\"two\"><div><h3>Major strengths</h3><ul>");
    let strengths = r.strengths();
    if strengths.is_empty() {
        o.push_str("<li>None of the measures met its target for P.</li>");
    }
    for (cap, m) in strengths {
        let _ = write!(o, "<li><b>{cap}</b>: {} — {}.</li>", m.name.to_lowercase(), escape(&m.value));
    }
    o.push_str("</ul></div><div><h3>Areas for improvement</h3><ul>");
    let weak = r.weaknesses();
    if weak.is_empty() {
        o.push_str("<li>Every measure met its target for P.</li>");
    }
    for (cap, m) in weak {
        let _ = write!(
            o,
            "<li>{} <b>{cap}</b>: {} — {} (target {}).</li>",
            badge(m.rating),
            m.name.to_lowercase(),
            escape(&m.value),
            escape(&m.target)
        );
    }
    o.push_str("</ul></div></div>\n");

    // Overview.
    o.push_str("<h2>1. Exercise overview</h2>\n<table class=\"facts\">");
    let _ = write!(o, "<tr><th>Exercise</th><td>{}</td></tr>", escape(&s.title));
    let _ = write!(o, "<tr><th>Scenario</th><td><code>{}</code></td></tr>", escape(&s.scenario));
    let _ = write!(o, "<tr><th>Dates (simulated)</th><td>{} to {} ({} days)</td></tr>", r.start, r.end, s.days);
    if let Some(c) = r.facts.compromise_day {
        let until =
            r.facts.last_restore_day.map_or("no full restore within the horizon".into(), |d| r.date(d).to_string());
        let _ = write!(
            o,
            "<tr><th>Incident</th><td>first compromise {} (day {c}); last restore {until}</td></tr>",
            r.date(c)
        );
    }
    let _ = write!(
        o,
        "<tr><th>Scope</th><td>{} providers; vendors: {}; platforms: {}</td></tr>",
        s.providers,
        escape(&r.vendors.join(", ")),
        escape(&r.platforms.join(", "))
    );
    let _ = writeln!(
        o,
        "<tr><th>Method</th><td>One seeded replication (seed {}) of the discrete-time model, compared with a baseline run of the same scenario and seed without the incident's injects.</td></tr></table>",
        s.seed
    );
    if !r.description.trim().is_empty() {
        let _ = writeln!(o, "<p>{}</p>", escape(r.description.trim()));
    }
    o.push_str("<h3>Objectives</h3><ul>");
    for c in &r.capabilities {
        let _ = write!(o, "<li><b>{}</b>: {}</li>", c.name, c.objective);
    }
    o.push_str("</ul>\n<h3>Participating provider kinds</h3>\n<table><tr><th>kind</th><th class=\"num\">providers</th><th class=\"num\">patients on record</th><th class=\"num\">in vendor cloud</th><th class=\"num\">self-hosted</th><th class=\"num\">third party</th><th>data sensitivity</th></tr>");
    for p in &r.participants {
        let _ = write!(
            o,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            p.kind,
            p.providers,
            fmt_count(p.patients as f64),
            p.hosting[0],
            p.hosting[1],
            p.hosting[2],
            if p.high_sensitivity { "high" } else { "normal" }
        );
    }
    o.push_str("</table>\n");

    // Timeline.
    o.push_str("<h2>2. Timeline</h2>\n<p>Injects, decisions, deadlines and the consequences the model observed, in time order.</p>\n<table><tr><th>when</th><th class=\"num\">day</th><th>type</th><th>event</th><th>target</th><th>description</th></tr>");
    for e in &r.timeline {
        let class = match e.kind {
            EntryKind::Inject => "k-inject",
            EntryKind::Decision => "k-decision",
            EntryKind::Deadline => "k-deadline",
            EntryKind::Consequence => "k-consequence",
        };
        let _ = write!(
            o,
            "<tr class=\"{class}\"><td class=\"num\">{} {:02}:00</td><td class=\"num\">{}</td><td><span class=\"tag\">{}</span></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            r.date(e.day),
            e.hour,
            e.day,
            e.kind.label(),
            escape(&e.event),
            escape(&e.target),
            escape(&e.text)
        );
    }
    o.push_str("</table>\n");

    o.push_str(&r.extra_html);
    if !r.counterfactuals.is_empty() {
        o.push_str("<h2>Decisions and counterfactuals</h2>\n<p>For each decision, the option the room took and what each other option would have done to the headline KPIs: the same scenario and seed with only that choice changed. Under each figure, its difference from the option taken.</p>\n");
        for c in &r.counterfactuals {
            let _ = write!(
                o,
                "<h3><code>{}</code> <span class=\"meta\">{} {:02}:00 · day {}</span></h3>\n<p>{}</p>\n<table class=\"cf\"><tr><th>option</th>",
                escape(&c.id),
                r.date(c.day),
                c.hour,
                c.day,
                escape(&c.question)
            );
            for h in COUNTERFACTUAL_COLUMNS {
                let _ = write!(o, "<th class=\"num\">{h}</th>");
            }
            o.push_str("</tr>");
            let taken = &c.options[c.chosen].2;
            for (i, (key, label, k)) in c.options.iter().enumerate() {
                let class = if i == c.chosen { " class=\"k-decision\"" } else { "" };
                let mut mark = String::new();
                if i == c.chosen {
                    mark.push_str(" <b>(taken)</b>");
                }
                if i == c.default {
                    mark.push_str(" <span class=\"tag\">default</span>");
                }
                let _ = write!(o, "<tr{class}><td><code>{}</code><br>{}{mark}</td>", escape(key), escape(label));
                for (value, delta) in counterfactual_cells(k, taken, i == c.chosen) {
                    let delta =
                        delta.map_or(String::new(), |d| format!("<br><span class=\"meta\">{}</span>", escape(&d)));
                    let _ = write!(o, "<td class=\"num\">{}{delta}</td>", escape(&value));
                }
                o.push_str("</tr>");
            }
            o.push_str("</table>\n");
        }
    }

    // Capabilities.
    o.push_str("<h2>3. Analysis of capabilities</h2>\n<p>Each capability takes the worst rating of its measures. Figures are this run's beside the baseline's.</p>\n");
    for (i, c) in r.capabilities.iter().enumerate() {
        let _ = writeln!(
            o,
            "<h3>{} 3.{} {} <span class=\"meta\">{}</span></h3>",
            badge(c.rating),
            i + 1,
            c.name,
            c.rating.meaning()
        );
        let _ = writeln!(o, "<p class=\"objective\">Objective: {}</p>", c.objective);
        o.push_str(
            "<table><tr><th>measure</th><th>this run</th><th>baseline</th><th>thresholds</th><th>rating</th></tr>",
        );
        for m in &c.measures {
            let _ = write!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                m.name,
                escape(&m.value),
                escape(&m.baseline),
                escape(&m.target),
                badge(m.rating)
            );
        }
        o.push_str("</table>\n");
        for m in c.measures.iter().filter(|m| !m.note.is_empty()) {
            let _ = writeln!(o, "<p class=\"meta\">{}</p>", escape(&m.note));
        }
        if let Some(stem) = c.chart {
            o.push_str(&chart(stem));
        }
    }

    // Improvement plan.
    o.push_str("<h2>4. Improvement plan</h2>\n");
    if r.improvements.is_empty() {
        o.push_str("<p>No measure fell short of its P threshold; no corrective actions are proposed.</p>\n");
    } else {
        o.push_str("<p>Seeded from the thresholds this run missed, worst first; owners and dates are proposals for the planning team to confirm.</p>\n<table><tr><th class=\"num\">#</th><th>capability</th><th>rating</th><th>issue / observation</th><th>corrective action</th><th>owner</th><th>date</th></tr>");
        for (i, m) in r.improvements.iter().enumerate() {
            let _ = write!(
                o,
                "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
                i + 1,
                m.capability,
                badge(m.rating),
                escape(&m.issue),
                escape(m.action),
                escape(m.owner),
                m.due
            );
        }
        o.push_str("</table>\n");
    }
    let _ = writeln!(
        o,
        "<footer>Generated by downtime from scenario <code>{}</code>, seed {}. The figures are model outputs for exercise use, not forecasts. Data: <code>summary.json</code>, <code>timeseries.csv</code>, <code>events.csv</code>; charts as PNG and SVG in <code>plots/</code>.</footer>\n</main>\n</body>\n</html>",
        escape(&s.scenario),
        s.seed
    );
    o
}
