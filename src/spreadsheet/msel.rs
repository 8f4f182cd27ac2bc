//! The master scenario events list (MSEL) as a spreadsheet: one row per inject, in the
//! columns a trainer keeps (docs/spreadsheets.md), written from a scenario's timeline and read
//! back into one.
//!
//! Each cell holds the inject as written in the scenario file: the event's target and its other
//! fields (`Details`) are copied from the source text, so that export followed by import gives
//! the same scenario. Import replaces the scenario's `timeline` and leaves every other byte of
//! the file as it was (comments inside the old timeline go with it).

use std::path::Path;

use super::span::{compact, fields, offset, ron_string, value_end};
use super::{Cell, CellError, SheetError, Table};
use crate::scenario::{Date, ScenarioError, locate::Locations};

/// The sheet's name in a workbook.
pub const SHEET: &str = "MSEL";

/// The columns, in order.
pub const HEADERS: [&str; 10] =
    ["Date", "Time", "Inject", "Target", "Title", "Text", "Questions", "Teams", "Details", "Delay"];

/// The field of each event kind that names its target, if any.
fn target_field(kind: &str) -> Option<&'static str> {
    match kind {
        "Compromise" | "Detect" | "Announce" => Some("vendor"),
        "Disconnect" | "Degrade" | "Restore" => Some("platforms"),
        "ServiceCapacity" | "Exfiltrate" => Some("scope"),
        "Decision" => Some("id"),
        _ => None,
    }
}

const KINDS: [&str; 11] = [
    "Compromise",
    "Detect",
    "Disconnect",
    "Degrade",
    "ServiceCapacity",
    "Exfiltrate",
    "Announce",
    "Restore",
    "Phishing",
    "Decision",
    "Note",
];

/// The source text of the value at `path`, if written.
fn source_of<'a>(text: &'a str, loc: &Locations, path: &str, parent: &str) -> Option<&'a str> {
    let (l, c) = loc.at(path);
    if (l, c) == loc.at(parent) {
        return None;
    }
    let start = offset(text, l, c)?;
    Some(&text[start..value_end(text, start)])
}

/// The MSEL rows of a scenario (validated first), header first.
pub fn rows(text: &str, file: &str) -> Result<Vec<Vec<String>>, ScenarioError> {
    let scenario = crate::scenario::from_str(text, file)?;
    let raw = crate::scenario::parse_raw(text, file)?;
    let loc = Locations::index(text);
    let mut out = vec![HEADERS.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    for (i, inj) in raw.timeline.iter().enumerate() {
        let path = format!("timeline[{i}]");
        let event = source_of(text, &loc, &format!("{path}.event"), &path).map(compact).unwrap_or_default();
        let (kind, args) = match event.find('(') {
            Some(p) if event.ends_with(')') => {
                (event[..p].trim().to_string(), event[p + 1..event.len() - 1].to_string())
            }
            _ => (event.trim().to_string(), String::new()),
        };
        let mut target = String::new();
        let mut details = Vec::new();
        for (name, value) in fields(&args) {
            if Some(name.as_str()) == target_field(&kind) && target.is_empty() {
                target = match name.as_str() {
                    "vendor" | "id" => ron::from_str::<String>(&value).unwrap_or(value),
                    "platforms" => ron::from_str::<Vec<String>>(&value).map(|v| v.join(", ")).unwrap_or(value),
                    _ => value,
                };
            } else if name.is_empty() {
                details.push(value);
            } else {
                details.push(format!("{name}: {value}"));
            }
        }
        let delay = source_of(text, &loc, &format!("{path}.delay"), &path).map(compact).unwrap_or_default();
        let date = scenario.start.plus_days(i64::from(inj.day));
        out.push(vec![
            date.to_string(),
            format!("{:02}:00", inj.hour),
            kind,
            target,
            inj.title.clone().unwrap_or_default(),
            inj.text.clone(),
            inj.questions.join("\n"),
            inj.teams.join(", "),
            details.join(", "),
            delay,
        ]);
    }
    Ok(out)
}

/// Write `rows` as CSV (by a `.csv` extension) or XLSX to `path`, atomically.
pub fn write(path: &Path, rows: &[Vec<String>]) -> Result<(), crate::Error> {
    let bytes = if super::is_xlsx(path) { xlsx(rows) } else { csv(rows) }
        .map_err(|e| crate::Error::Write { path: path.display().to_string(), source: std::io::Error::other(e) })?;
    crate::report::write_atomic(path, &bytes)
}

fn csv(rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.write_record(r).map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

fn xlsx(rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, FormatAlign, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    sheet.set_name(SHEET).map_err(e)?;
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            if r == 0 {
                sheet.write_string_with_format(r, c, value, &bold).map_err(e)?;
            } else {
                sheet.write_string_with_format(r, c, value, &wrap).map_err(e)?;
            }
        }
    }
    for (c, width) in [11.0, 7.0, 14.0, 22.0, 30.0, 60.0, 50.0, 18.0, 50.0, 20.0].into_iter().enumerate() {
        sheet.set_column_width(c as u16, width).map_err(e)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(e)?;
    book.save_to_buffer().map_err(e)
}

/// Read the MSEL sheet of `path` (an XLSX workbook's `MSEL` sheet, or a CSV file).
pub fn read(path: &Path) -> Result<Table, SheetError> {
    super::read(path, SHEET)?.ok_or_else(|| SheetError::File {
        file: path.display().to_string(),
        message: format!("the workbook has no sheet named {SHEET}"),
    })
}

/// A date cell: `YYYY-MM-DD` text or a spreadsheet date.
fn date_of(cell: &Cell) -> Option<Date> {
    match cell {
        Cell::Serial(s) | Cell::Number(s) if *s >= 1.0 && *s < 2_958_466.0 => {
            Some(Date { year: 1899, month: 12, day: 30 }.plus_days(s.floor() as i64))
        }
        Cell::Text(t) => {
            let t = t.trim();
            let t = t.split(['T', ' ']).next().unwrap_or(t);
            let p: Vec<&str> = t.split('-').collect();
            if p.len() != 3 {
                return None;
            }
            let (y, m, d) = (p[0].parse().ok()?, p[1].parse().ok()?, p[2].parse().ok()?);
            let date = Date { year: y, month: m, day: d };
            // Only real dates: the day after the day before is the same date.
            (date.plus_days(0) == date && (1..=12).contains(&m) && (1..=31).contains(&d)).then_some(date)
        }
        _ => None,
    }
}

/// A time-of-day cell as a whole hour: `HH:MM` (minutes 00), `H`, or a spreadsheet time.
fn hour_of(cell: &Cell) -> Result<u32, String> {
    let wrong = || "not a time of day; write HH:00, such as 09:00".to_string();
    match cell {
        Cell::Empty => Ok(0),
        Cell::Serial(s) => {
            let minutes = (s.fract() * 24.0 * 60.0).round() as u32;
            if !minutes.is_multiple_of(60) {
                return Err("the model runs in whole hours; write HH:00".to_string());
            }
            Ok((minutes / 60) % 24)
        }
        Cell::Number(n) if n.fract() == 0.0 && (0.0..24.0).contains(n) => Ok(*n as u32),
        Cell::Number(n) if (0.0..1.0).contains(n) => hour_of(&Cell::Serial(*n)),
        Cell::Number(_) => Err(wrong()),
        Cell::Text(t) => {
            let t = t.trim();
            let (h, m) = t.split_once(':').unwrap_or((t, "00"));
            let m = m.split(':').next().unwrap_or("00");
            let (h, m): (u32, u32) = (h.trim().parse().map_err(|_| wrong())?, m.trim().parse().map_err(|_| wrong())?);
            if h > 23 || m > 59 {
                return Err(wrong());
            }
            if m != 0 {
                return Err("the model runs in whole hours; write HH:00".to_string());
            }
            Ok(h)
        }
    }
}

/// The scenario text with its timeline replaced by the injects of `table`; every bad cell is
/// reported. `text` must be a valid scenario.
pub fn merge(text: &str, file: &str, table: &Table) -> Result<String, crate::Error> {
    let scenario = crate::scenario::from_str(text, file)?;
    let col = |names: &[&str]| table.column(names);
    let (Some(c_inject), date, day) = (col(&["Inject", "Event"]), col(&["Date"]), col(&["Day"])) else {
        return Err(SheetError::File {
            file: table.file.clone(),
            message: format!("sheet {} has no `Inject` column; the columns are {}", table.sheet, HEADERS.join(", ")),
        }
        .into());
    };
    if date.is_none() && day.is_none() {
        return Err(SheetError::File {
            file: table.file.clone(),
            message: format!("sheet {} has no `Date` (or `Day`) column", table.sheet),
        }
        .into());
    }
    let c_time = col(&["Time", "Hour"]);
    let [c_target, c_title, c_text, c_questions, c_teams, c_details, c_delay] =
        ["Target", "Title", "Text", "Questions", "Teams", "Details", "Delay"].map(|h| col(&[h]));
    let cell = |row: &Vec<Cell>, c: Option<usize>| c.map_or(Cell::Empty, |c| row[c].clone());
    let mut bad: Vec<CellError> = Vec::new();
    let mut injects = Vec::new();
    let options = ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    for (i, row) in table.rows.iter().enumerate() {
        if row.iter().all(Cell::is_empty) {
            continue;
        }
        // When.
        let day = match (date, day) {
            (Some(c), _) => match date_of(&row[c]) {
                Some(d) => {
                    let n = d.days_from_civil() - scenario.start.days_from_civil();
                    if n < 0 || n >= i64::from(scenario.days) {
                        bad.push(table.error(
                            i,
                            c,
                            format!(
                                "{d} is outside the scenario ({} to {})",
                                scenario.start,
                                scenario.start.plus_days(i64::from(scenario.days) - 1)
                            ),
                        ));
                        0
                    } else {
                        n as u32
                    }
                }
                None => {
                    bad.push(table.error(i, c, "not a date; write YYYY-MM-DD, such as 2026-04-08"));
                    0
                }
            },
            (None, Some(c)) => match row[c].number() {
                Some(n) if n.fract() == 0.0 && n >= 0.0 && n < f64::from(scenario.days) => n as u32,
                _ => {
                    bad.push(table.error(i, c, format!("not a day of the scenario; write 0 to {}", scenario.days - 1)));
                    0
                }
            },
            (None, None) => 0,
        };
        let hour = match c_time.map(|c| (c, hour_of(&row[c]))) {
            Some((c, Err(m))) => {
                bad.push(table.error(i, c, m));
                0
            }
            Some((_, Ok(h))) => h,
            None => 0,
        };
        // What.
        let kind = row[c_inject].text();
        let Some(kind) = KINDS.iter().find(|k| k.eq_ignore_ascii_case(&kind)) else {
            let hint = crate::scenario::validate::closest(&kind, KINDS.iter().copied())
                .map(|k| format!("did you mean `{k}`?"))
                .unwrap_or_else(|| format!("one of {}", KINDS.join(", ")));
            bad.push(table.error(i, c_inject, format!("`{kind}` is not an inject; {hint}")));
            continue;
        };
        let target = cell(row, c_target).text();
        let mut args = Vec::new();
        match target_field(kind) {
            Some(field) if !target.is_empty() => {
                let value = match field {
                    "vendor" | "id" => ron_string(&target),
                    "platforms" => format!(
                        "[{}]",
                        target
                            .split(',')
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(ron_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    _ => target.clone(),
                };
                args.push(format!("{field}: {value}"));
            }
            Some(field) => {
                bad.push(table.error(i, c_target.unwrap_or(c_inject), format!("{kind} needs a target ({field})")));
                continue;
            }
            None if !target.is_empty() => {
                bad.push(table.error(
                    i,
                    c_target.unwrap_or(c_inject),
                    format!("{kind} has no target; leave the cell empty"),
                ));
                continue;
            }
            None => {}
        }
        let details = cell(row, c_details).text();
        if !details.is_empty() {
            args.push(details);
        }
        let event = if kind == &"Note" && args.is_empty() {
            "Note".to_string()
        } else {
            format!("{kind}({})", args.join(", "))
        };
        // Uncertain numbers (`Uncertain(Pert(...))`) are checked at their nominal value.
        let readable = crate::uncertain::nominal_text(&event)
            .and_then(|t| options.from_str::<crate::scenario::raw::RawEvent>(&t).map_err(|e| e.code.to_string()));
        if let Err(e) = readable {
            let c =
                if c_details.is_some_and(|c| !row[c].is_empty()) { c_details } else { c_target }.unwrap_or(c_inject);
            bad.push(table.error(i, c, format!("the inject `{event}` does not read: {e}")));
            continue;
        }
        let delay = cell(row, c_delay).text();
        if !delay.is_empty() && options.from_str::<crate::scenario::raw::Delay>(&delay).is_err() {
            bad.push(table.error(
                i,
                c_delay.unwrap_or(c_inject),
                "not a delay; write Uniform(min: 0, max: 12) or Triangular(min: 0, mode: 4, max: 12), in hours",
            ));
            continue;
        }
        let title = cell(row, c_title).text();
        let body = match cell(row, c_text) {
            Cell::Text(t) => t,
            c => c.text(),
        };
        let questions: Vec<String> =
            cell(row, c_questions).text().lines().map(str::trim).filter(|q| !q.is_empty()).map(ron_string).collect();
        let teams: Vec<String> =
            cell(row, c_teams).text().split(',').map(str::trim).filter(|t| !t.is_empty()).map(ron_string).collect();
        let mut s = format!("        Inject(day: {day}, hour: {hour}, ");
        if !delay.is_empty() {
            s.push_str(&format!("delay: {delay}, "));
        }
        s.push_str(&format!("event: {event}"));
        if !title.is_empty() {
            s.push_str(&format!(",\n               title: {}", ron_string(&title)));
        }
        if !body.is_empty() {
            s.push_str(&format!(",\n               text: {}", ron_string(&body)));
        }
        if !questions.is_empty() {
            s.push_str(&format!(",\n               questions: [{}]", questions.join(", ")));
        }
        if !teams.is_empty() {
            s.push_str(&format!(",\n               teams: [{}]", teams.join(", ")));
        }
        s.push_str("),\n");
        injects.push(s);
    }
    if !bad.is_empty() {
        return Err(SheetError::Cells(bad).into());
    }
    let timeline = format!("[\n{}    ]", injects.concat());
    Ok(replace_field(text, "timeline", &timeline))
}

/// `text` with the top-level field `name` set to `value` (replaced where written, else added
/// before the scenario's closing bracket).
pub fn replace_field(text: &str, name: &str, value: &str) -> String {
    let loc = Locations::index(text);
    let (l, c) = loc.at(name);
    if (l, c) != loc.at("")
        && let Some(start) = offset(text, l, c)
    {
        let end = value_end(text, start);
        return format!("{}{}{}", &text[..start], value, &text[end..]);
    }
    // Not written: add it before the last closing bracket (the scenario's own).
    let close = last_close(text);
    let before = text[..close].trim_end();
    let comma = if before.ends_with(',') || before.ends_with('(') { "" } else { "," };
    format!("{before}{comma}\n    {name}: {value},\n{}", &text[close..])
}

/// The offset of the scenario's closing bracket: the last `)` outside comments.
fn last_close(text: &str) -> usize {
    let mut at = text.len();
    for (i, line) in text.lines().scan(0usize, |o, l| {
        let start = *o;
        *o += l.len() + 1;
        Some((start, l))
    }) {
        let code = line.split("//").next().unwrap_or("");
        if let Some(p) = code.rfind(')') {
            at = i + p;
        }
    }
    at.min(text.len())
}
