//! Escaping text for where it goes, one function per output format:
//!
//! - [`terminal`]: scenario text (titles, inject texts, names, file names in errors) shown on a
//!   terminal, with control characters and escape sequences neutralised, so a scenario cannot
//!   move the cursor, recolour, retitle the window or hide text;
//! - [`csv_field`]: one CSV cell, neutralised for spreadsheets (a leading `=`, `+`, `-`, `@`,
//!   tab or carriage return gets a `'`, so the cell is text and never a formula) and quoted by
//!   the `csv` crate;
//! - [`shell_word`]: a file name in a command the user is told to run.

/// `s` for a terminal: every control character other than newline and tab (C0, DEL, C1, hence
/// every escape sequence, which starts with ESC or a C1 control) and every bidirectional
/// override becomes U+FFFD, shown rather than obeyed.
pub fn terminal(s: &str) -> String {
    if !s.chars().any(unsafe_char) {
        return s.to_string();
    }
    s.chars().map(|c| if unsafe_char(c) { '\u{FFFD}' } else { c }).collect()
}

/// [`terminal`] for one line: newlines and tabs become spaces too.
pub fn terminal_line(s: &str) -> String {
    terminal(s).replace(['\n', '\t'], " ")
}

/// `word` as one word for a POSIX shell: as it is when it holds only characters no shell
/// treats specially, else in single quotes (a `'` inside as `'\''`). (A few lines, for a
/// suggested command: not worth a dependency such as `shlex`.)
pub fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "._/-+=:,@%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// One CSV cell holding text: a formula-starting character first (`=`, `+`, `-`, `@`, tab,
/// carriage return) gets a `'` before it, then the cell is quoted as the `csv` crate quotes
/// (when it holds a comma, quote, or line break).
pub fn csv_field(s: &str) -> String {
    let neutral = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() };
    if neutral.is_empty() {
        // (The csv crate writes a lone empty field as `""`, so that the record is not empty.)
        return neutral;
    }
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    if w.write_record([neutral.as_bytes()]).is_err() {
        return String::new();
    }
    let mut bytes = w.into_inner().unwrap_or_default();
    bytes.pop(); // the record's terminator
    String::from_utf8(bytes).unwrap_or_default()
}

/// A table for the terminal (by `comfy-table`): a header row, the first column left-aligned and
/// the others right-aligned, no borders, indented by two spaces. Cells are shown as given
/// (neutralise scenario text with [`terminal`] first).
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    use comfy_table::{CellAlignment, Table, presets};
    let mut t = Table::new();
    t.load_style(presets::NOTHING).set_header(header.iter().copied());
    for row in rows {
        t.add_row(row.iter().map(String::as_str));
    }
    for (i, column) in t.column_iter_mut().enumerate() {
        column.set_cell_alignment(if i == 0 { CellAlignment::Left } else { CellAlignment::Right });
    }
    let mut out = String::new();
    for line in t.lines() {
        out.push(' ');
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_shown_not_obeyed() {
        assert_eq!(terminal("a\x1b[2Jb\u{9b}31m\u{7}c\nd"), "a\u{FFFD}[2Jb\u{FFFD}31m\u{FFFD}c\nd");
        assert_eq!(terminal_line("a\nb\u{202E}c"), "a b\u{FFFD}c");
        assert_eq!(terminal("plain — ü"), "plain — ü");
    }

    #[test]
    fn tables_align_columns() {
        let t = table(
            &["", "a", "b"],
            &[vec!["first".into(), "1".into(), "—".into()], vec!["x".into(), "1,000".into(), "22".into()]],
        );
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3, "{t}");
        // Right-aligned numbers end in the same column, whatever their width.
        let end = |l: &str, s: &str| l.find(s).map(|i| l[..i].chars().count() + s.chars().count());
        assert_eq!(end(lines[1], "1"), end(lines[2], "1,000"), "{t}");
        assert!(lines[1].starts_with("  first"), "{t}");
    }

    #[test]
    fn shell_words_are_quoted_when_a_shell_would_split_or_expand_them() {
        assert_eq!(shell_word("scenarios/nl-national.ron"), "scenarios/nl-national.ron");
        assert_eq!(shell_word("my scenario.ron"), "'my scenario.ron'");
        assert_eq!(shell_word("it's.ron"), "'it'\\''s.ron'");
        assert_eq!(shell_word("$HOME;rm"), "'$HOME;rm'");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn cells_are_neutralised_and_quoted() {
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field("\t=cmd"), "'\t=cmd");
        assert_eq!(csv_field("\r@SUM(A1)"), "\"'\r@SUM(A1)\"");
        assert_eq!(csv_field("-5"), "'-5");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field(""), "");
    }
}
