//! The scenario reference (docs/scenario-reference.md), embedded in the binary for
//! `downtime reference [FIELD]`: the whole text, or only the sections naming a type or field.

use crate::error::Error;

/// The whole reference, as in docs/scenario-reference.md.
pub const TEXT: &str = include_str!("../docs/scenario-reference.md");

/// A `##` or `###` section: its heading name and its text (heading included).
struct Section<'a> {
    name: &'a str,
    text: &'a str,
}

/// The sections of the reference, in order (the text before the first heading is left out).
fn sections() -> Vec<Section<'static>> {
    let mut starts: Vec<(usize, &str)> = Vec::new();
    let mut at = 0;
    for line in TEXT.split_inclusive('\n') {
        let name = line.strip_prefix("### ").or_else(|| line.strip_prefix("## "));
        if let Some(name) = name {
            starts.push((at, name.trim()));
        }
        at += line.len();
    }
    let mut out = Vec::with_capacity(starts.len());
    for (i, &(start, name)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(TEXT.len(), |&(s, _)| s);
        let text = TEXT[start..end].trim_end().trim_end_matches("<!-- END GENERATED -->").trim_end();
        out.push(Section { name, text });
    }
    out
}

/// The name in the first column of a table row (`| \`name\` | ...`), if the line is one.
fn row_name(line: &str) -> Option<&str> {
    line.strip_prefix("| `")?.split('`').next()
}

/// Whether a row's name is `query`: the field itself, or an enum variant's inline field
/// (`Detect.vendor` is found as `vendor`). Case-sensitive, so that a type (`Booking`, matched
/// case-insensitively by its heading) does not also bring every field named after it (`booking`).
fn row_matches(name: &str, query: &str) -> bool {
    name == query || name.rsplit_once('.').is_some_and(|(_, f)| f == query)
}

/// Every name that can be looked up: section headings and table rows.
fn known_names() -> Vec<&'static str> {
    let mut names = Vec::new();
    for s in sections() {
        names.push(s.name);
        for line in s.text.lines() {
            if let Some(n) = row_name(line) {
                names.push(n.rsplit_once('.').map_or(n, |(_, f)| f));
            }
        }
    }
    names.sort_unstable();
    names.dedup();
    names
}

/// `downtime reference [FIELD]`: the whole reference, or the sections about `field`: a type's
/// whole section (`Booking`), or for a field (`fallback_throughput`) each type that has it, with
/// its description, the table header and the matching rows. An unknown name is a usage error
/// (exit code 2) with the closest known name.
pub fn lookup(field: Option<&str>) -> Result<String, Error> {
    let Some(query) = field.map(str::trim) else { return Ok(TEXT.to_string()) };
    let query = query.trim_matches('`');
    let mut parts: Vec<String> = Vec::new();
    for s in sections() {
        if s.name.eq_ignore_ascii_case(query) {
            parts.push(s.text.to_string());
            continue;
        }
        let rows: Vec<&str> = s.text.lines().filter(|l| row_name(l).is_some_and(|n| row_matches(n, query))).collect();
        if rows.is_empty() {
            continue;
        }
        // Heading and description: every line before the table.
        let lines: Vec<&str> = s.text.lines().collect();
        let table = lines.iter().position(|l| l.starts_with('|')).unwrap_or(lines.len());
        let mut part: Vec<&str> = lines[..table].to_vec();
        part.extend(lines[table..].iter().take(2));
        part.extend(rows);
        parts.push(part.join("\n"));
    }
    if parts.is_empty() {
        let names = known_names();
        let hint = match crate::scenario::validate::closest(query, names.iter().copied()) {
            Some(n) => format!("did you mean `{n}`? "),
            None => String::new(),
        };
        return Err(Error::Usage(format!(
            "no field or type `{query}` in the scenario reference; {hint}(`downtime reference` prints it all)"
        )));
    }
    Ok(parts.join("\n\n") + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_type_gives_its_whole_section() {
        let t = lookup(Some("Booking")).unwrap();
        assert!(t.starts_with("### Booking\n"), "{t}");
        assert!(t.contains("`soon_days`") && t.contains("`elective_days`"), "{t}");
        assert!(!t.contains("### Choice"), "{t}");
    }

    #[test]
    fn a_field_gives_only_its_rows() {
        let t = lookup(Some("fallback_throughput")).unwrap();
        assert!(t.starts_with("### Service\n"), "{t}");
        assert!(t.contains("| field | type |"), "{t}");
        assert!(t.contains("| `fallback_throughput` |"), "{t}");
        assert!(!t.contains("`demand_per_1000`"), "{t}");
    }

    #[test]
    fn an_inline_variant_field_is_found() {
        let t = lookup(Some("vendor")).unwrap();
        assert!(t.contains("`Detect.vendor`"), "{t}");
    }

    #[test]
    fn unknown_names_suggest_the_closest() {
        let e = lookup(Some("fallback_througput")).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("did you mean `fallback_throughput`?"), "{e}");
    }
}
