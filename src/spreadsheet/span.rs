//! Source spans of RON values, so that parts of a scenario file can be copied, replaced or
//! shown in a spreadsheet cell exactly as written.

/// The byte offset of a 1-based (line, column) position in `text` (columns count characters).
pub fn offset(text: &str, line: usize, column: usize) -> Option<usize> {
    let start = if line <= 1 { 0 } else { text.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)? };
    let rest = &text[start..];
    let skip: usize = rest.chars().take(column.saturating_sub(1)).map(char::len_utf8).sum();
    (start + skip <= text.len()).then_some(start + skip)
}

/// The end (exclusive byte offset) of the RON value that starts at `start`: an identifier,
/// number or string, with a bracketed part after an identifier (`Fixed(5)`, `Restore(...)`).
/// Strings and comments are skipped while brackets are counted.
pub fn value_end(text: &str, start: usize) -> usize {
    let b = text.as_bytes();
    let mut i = start;
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i = string_end(b, i);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
                continue;
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                i += 1;
                continue;
            }
            b')' | b']' | b'}' => {
                if depth == 0 {
                    return i;
                }
                depth -= 1;
                i += 1;
                if depth == 0 {
                    // A bracketed value ends with its bracket, unless more follows at once.
                    return i;
                }
                continue;
            }
            b',' if depth == 0 => return i,
            b'\n' if depth == 0 => return i,
            _ => {}
        }
        i += 1;
    }
    i.min(b.len())
}

/// The offset just past the string literal opening at `i`.
fn string_end(b: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// `value` on one line: comments dropped, runs of white space outside strings made one space,
/// no space just inside brackets or before a comma.
pub fn compact(value: &str) -> String {
    let b = value.as_bytes();
    let mut out = String::with_capacity(value.len());
    let mut i = 0;
    let mut space = false;
    while i < b.len() {
        let c = b[i];
        if c == b'"' {
            let end = string_end(b, i);
            if space && !out.is_empty() && !out.ends_with(['(', '[', '{']) {
                out.push(' ');
            }
            space = false;
            out.push_str(&value[i..end]);
            i = end;
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            space = true;
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
            space = true;
            continue;
        }
        if c.is_ascii_whitespace() {
            space = true;
            i += 1;
            continue;
        }
        let ch = value[i..].chars().next().unwrap_or(' ');
        if space && !out.is_empty() && !out.ends_with(['(', '[', '{']) && ![')', ']', '}', ','].contains(&ch) {
            out.push(' ');
        }
        space = false;
        out.push(ch);
        i += ch.len_utf8();
    }
    // A trailing comma before a closing bracket says nothing in a cell.
    out.replace(",)", ")").replace(",]", "]").replace(",}", "}")
}

/// The top-level `name: value` parts of a struct-like argument list (`a: 1, b: [2, 3]`), in
/// order; a part without a name has an empty name.
pub fn fields(args: &str) -> Vec<(String, String)> {
    let b = args.as_bytes();
    let mut parts = Vec::new();
    let (mut depth, mut start, mut i) = (0usize, 0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'"' => {
                i = string_end(b, i);
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                parts.push(&args[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(&args[start..]);
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let colon = p.find(':').filter(|&c| {
                let name = p[..c].trim();
                !name.is_empty() && name.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
            });
            match colon {
                Some(c) => (p[..c].trim().to_string(), p[c + 1..].trim().to_string()),
                None => (String::new(), p.to_string()),
            }
        })
        .collect()
}

/// A RON string literal for `s`.
pub fn ron_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_fields() {
        let t = "a: Restore(platforms: [\"p\", \"q\"], // c\n capacity: 0.5), b: 1";
        let s = t.find("Restore").unwrap();
        let e = value_end(t, s);
        assert_eq!(&t[s..e], "Restore(platforms: [\"p\", \"q\"], // c\n capacity: 0.5)");
        assert_eq!(compact(&t[s..e]), "Restore(platforms: [\"p\", \"q\"], capacity: 0.5)");
        let f = fields("platforms: [\"p\", \"q\"], capacity: 0.5");
        assert_eq!(f[0], ("platforms".to_string(), "[\"p\", \"q\"]".to_string()));
        assert_eq!(f[1], ("capacity".to_string(), "0.5".to_string()));
        assert_eq!(offset("ab\ncd", 2, 2), Some(4));
        assert_eq!(ron_string("a \"b\"\n"), "\"a \\\"b\\\"\\n\"");
        assert_eq!(value_end("12, x", 0), 2);
    }
}
