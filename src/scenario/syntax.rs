//! Syntax problems of RON input in the scenario's words, and recovery past them.
//!
//! ron stops at the first syntax error, in its own words (`Expected comma`, `in enum
//! ProviderKind`). [`parse`] says what is wrong as a scenario author thinks of it (field names,
//! the allowed values as written in the file, `6%` → "write a share as 0.06"), then repairs the
//! text where the repair is certain and keeps every other position in place (the `%` after a
//! number becomes a space, an unknown or repeated field is blanked out, a missing comma takes the
//! place of the space before the next field, a decimal comma becomes a point, a misspelt
//! struct name is dropped) and parses again. So several syntax problems are found in one go,
//! and when the repaired text parses, the meaning checks run on it too. Where no repair is safe,
//! a scan of the brackets and quotes says which bracket is never closed or closed by the wrong
//! kind.

use serde::de::DeserializeOwned;

use crate::error::{Problem, ScenarioError};

/// Most syntax problems found in one file (each costs one more parse).
pub const MAX_REPAIRS: usize = 20;
/// Above this size, only the first syntax problem is reported (a parse per problem would take
/// long).
const MAX_REPAIR_BYTES: usize = 1 << 20;

/// Parse `text` as RON into `T`, failing on any syntax problem (all of them found, as in
/// [`parse`]); `hint` is added to the first problem (such as where an example file is).
pub(crate) fn parse_strict<T: DeserializeOwned>(text: &str, file: &str, hint: &str) -> Result<T, ScenarioError> {
    let with_hint = |mut problems: Vec<Problem>| {
        if let Some(p) = problems.first_mut() {
            p.message.push_str(hint);
        }
        ScenarioError { file: file.to_string(), problems }
    };
    match parse(text, file) {
        Ok((value, problems)) if problems.is_empty() => Ok(value),
        Ok((_, problems)) => Err(with_hint(problems)),
        Err(e) => Err(with_hint(e.problems)),
    }
}

/// Parse `text` as RON into `T`. On success, also the syntax problems that were repaired on the
/// way (then the value is that of the repaired text: check it for meaning, but never use it).
pub(crate) fn parse<T: DeserializeOwned>(text: &str, file: &str) -> Result<(T, Vec<Problem>), ScenarioError> {
    let options = ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    let mut work = text.to_string();
    let mut problems = Vec::new();
    let rounds = if text.len() > MAX_REPAIR_BYTES { 1 } else { MAX_REPAIRS };
    for _ in 0..rounds {
        match options.from_str::<T>(&work) {
            Ok(value) => return Ok((value, problems)),
            Err(e) => {
                let (problem, repaired) = explain(&e, &work);
                problems.push(problem);
                match repaired {
                    Some(r) if r != work => work = r,
                    _ => break,
                }
            }
        }
    }
    Err(ScenarioError { file: file.to_string(), problems })
}

/// The problem `e` in the scenario's words, and `text` repaired past it when that is certain.
fn explain(e: &ron::error::SpannedError, text: &str) -> (Problem, Option<String>) {
    use ron::Error as E;
    // ron may point at the space before the value it could not read: point at the value.
    let at = offset_of(text, e.span.start.line, e.span.start.col);
    let at = at + text[at..].len() - text[at..].trim_start_matches([' ', '\t']).len();
    let (line, col) = position_of(text, at);
    let toks = tokens(text);
    let cx = context(&toks, text, at);
    let here = text[at..].chars().next();
    let before = text[..at].trim_end_matches([' ', '\t']);
    let p = |m: String| Problem::new(line, col, m);
    // A text that runs over a line end right before the problem: its closing quote is missing.
    if let Some(prev) = toks.iter().rev().find(|t| t.end <= at)
        && prev.kind == Kind::Str
        && text[prev.start..prev.end].contains('\n')
        && !matches!(e.code, E::ExpectedComma if text[prev.end..at].contains(','))
    {
        let (l, c) = position_of(text, prev.start);
        let problem = Problem::new(l, c, "this text has no closing `\"` on its line: the next `\"` ends it")
            .with_label(line, col, "so this is read as what follows the text");
        return (problem, None);
    }
    match &e.code {
        E::ExpectedComma if here == Some('%') && text[..at].ends_with(|c: char| c.is_ascii_digit()) => {
            let start = number_start(text, at);
            let number = &text[start..at];
            let share = number.parse::<f64>().map(|v| v / 100.0).unwrap_or(0.0);
            let (l, c) = position_of(text, start);
            let m = format!("`{number}%` is not a number here: write a share as a fraction, {}", trim_float(share));
            // The fraction in its place when the line has room; else the number without the `%`
            // (its range check is then left out: one problem per place).
            let repair =
                fit(&toks, text, start, at + 1, &trim_float(share)).unwrap_or_else(|| replace(text, at, at + 1, " "));
            (Problem::new(l, c, m), Some(repair))
        }
        E::ExpectedComma
            if here == Some('.')
                && before.ends_with(|c: char| c.is_ascii_digit())
                && text[at + 1..].starts_with(|c: char| c.is_ascii_digit()) =>
        {
            let start = number_start(text, at);
            let end = at + 1 + text[at + 1..].chars().take_while(char::is_ascii_digit).count();
            let (l, c) = position_of(text, start);
            let m = format!("{} takes a whole number; `{}` has a fraction", cx.what(), &text[start..end]);
            (Problem::new(l, c, m), Some(replace(text, at, end, &" ".repeat(end - at))))
        }
        E::ExpectedComma | E::Eof | E::ExpectedStructLikeEnd | E::ExpectedArrayEnd | E::ExpectedMapEnd
            if here.is_none_or(|c| ")]}".contains(c)) || text[at..].trim().is_empty() =>
        {
            (brackets(&toks, text).into_iter().next().unwrap_or_else(|| p("the file ends early".into())), None)
        }
        E::ExpectedComma => {
            let next = toks.iter().position(|t| t.start >= at);
            let is_field = next
                .is_some_and(|i| toks[i].kind == Kind::Ident && toks.get(i + 1).is_some_and(|t| t.kind == Kind::Colon));
            let found = token_text(&toks, text, at);
            if is_field || matches!(next.map(|i| toks[i].kind), Some(Kind::Ident | Kind::Str | Kind::Open(_))) {
                let prev = toks.iter().rev().find(|t| t.end <= at);
                let mut problem = p(format!("a comma is missing before `{found}`"));
                if let Some(prev) = prev {
                    let (l, c) = position_of(text, prev.start);
                    problem = problem.with_label(l, c, "add a comma after this value");
                }
                // The space before the next item becomes the comma: positions stay in place.
                let space = text[..at].ends_with([' ', '\t']).then(|| replace(text, at - 1, at, ","));
                (problem, space)
            } else {
                (p(format!("expected a comma or a closing bracket here, found `{found}`")), None)
            }
        }
        E::ExpectedStructLikeEnd | E::ExpectedArrayEnd | E::ExpectedMapEnd => {
            let close = match e.code {
                E::ExpectedArrayEnd => ']',
                E::ExpectedMapEnd => '}',
                _ => ')',
            };
            let found = token_text(&toks, text, at);
            (p(format!("a comma is missing before `{found}`, or a `{close}` to close what is open")), None)
        }
        E::SuggestRawIdentifier(digits) if before.ends_with(',') && digits.chars().all(|c| c.is_ascii_digit()) => {
            let comma = before.len() - 1;
            let whole = &text[number_start(text, comma)..comma];
            let (l, c) = position_of(text, comma);
            let m = format!("write decimals with a point: `{whole}.{digits}`, not `{whole},{digits}`");
            let repair = (!whole.is_empty() && text[comma + 1..].starts_with(digits.as_str()))
                .then(|| replace(text, comma, comma + 1, "."));
            (Problem::new(l, c, m), repair)
        }
        E::NoSuchStructField { found, .. }
            if toks.iter().find(|t| t.start > at).is_some_and(|t| t.kind == Kind::Open(b'(')) && cx.open.is_some() =>
        {
            // A value where a field name belongs: the bracket before it was not closed.
            let open = cx.open.unwrap_or(0);
            let (l, c) = position_of(text, open);
            let name = cx.name.unwrap_or("(");
            let problem = p(format!(
                "`{found}(...)` cannot come inside `{name}(...)`: is the `)` of the `{name}(` on line {l} missing?"
            ))
            .with_label(l, c, "this bracket is not closed before it");
            (problem, None)
        }
        E::NoSuchStructField { expected, found, outer } => {
            let mut m = match outer {
                Some(o) => format!("`{found}` is not a field of `{o}(...)`"),
                None => format!("`{found}` is not a field here"),
            };
            m.push_str(&suggest(found, expected));
            let end = at + found.len();
            // Renamed to the field meant, unless that field is there too (then left out).
            let renamed = crate::scenario::validate::closest(found, expected.iter().copied())
                .filter(|f| text.get(at..end) == Some(found.as_str()) && !has_field(&toks, text, at, f))
                .and_then(|f| fit(&toks, text, at, end, f));
            (p(m), renamed.or_else(|| blank_field(&toks, text, at)))
        }
        E::DuplicateStructField { field, outer } => {
            let o = outer.as_deref().map(|o| format!(" of `{o}(...)`")).unwrap_or_default();
            let mut problem = p(format!("the field `{field}`{o} is given twice; give it once"));
            if let Some(first) = first_field(&toks, text, at, field) {
                let (l, c) = position_of(text, first);
                problem = problem.with_label(l, c, "first given here");
            }
            (problem, blank_field(&toks, text, at))
        }
        E::NoSuchEnumVariant { expected, found, .. } => {
            let m = format!("{} takes {}, not `{found}`", cx.what(), one_of(expected));
            let fix = crate::scenario::validate::closest(found, expected.iter().copied());
            let end = at + found.len();
            let repair =
                fix.filter(|_| text.get(at..end) == Some(found.as_str())).and_then(|f| fit(&toks, text, at, end, f));
            let m = match fix {
                Some(f) => format!("{m}; did you mean `{f}`?"),
                None => m,
            };
            (p(m), repair)
        }
        E::MissingStructField { field, outer } => {
            let o = outer.as_deref().unwrap_or("this");
            let m = format!("`{o}(...)` needs the field `{field}` (see `downtime reference {o}`)");
            let problem = match cx.open {
                Some(open) if text[at..].starts_with(')') => {
                    let (l, c) = position_of(text, open);
                    Problem::new(l, c, m).with_label(line, col, format!("add `{field}: ...` before this"))
                }
                _ => p(m),
            };
            (problem, None)
        }
        // At the top: another kind of file altogether; reading on would only list its fields.
        E::ExpectedDifferentStructName { expected, found } if cx.open.is_none() => {
            (p(format!("this file holds a `{found}(...)`; a `{expected}(...)` is expected here")), None)
        }
        E::ExpectedDifferentStructName { expected, found } => {
            let m = format!("expected `{expected}(...)` here, not `{found}(...)`");
            let end = at + found.len();
            let repair =
                if text.get(at..end) == Some(found.as_str()) { fit(&toks, text, at, end, expected) } else { None };
            (p(m), repair)
        }
        E::ExpectedStringEnd => (p("this text has no closing `\"`".into()), None),
        E::ExpectedString => {
            (p(format!("{} takes text in double quotes, such as \"{}\"", cx.what(), token_text(&toks, text, at))), None)
        }
        E::ExpectedInteger | E::IntegerOutOfBounds | E::InvalidIntegerDigit { .. } => {
            let found = token_text(&toks, text, at);
            (p(format!("{} takes a whole number, 0 or more; found `{found}`", cx.what())), None)
        }
        E::ExpectedFloat => {
            let found = token_text(&toks, text, at);
            (p(format!("{} takes a number, such as 0.5; found `{found}`", cx.what())), None)
        }
        E::ExpectedBoolean => (p(format!("{} takes `true` or `false`", cx.what())), None),
        E::ExpectedArray => (p(format!("{} takes a list in square brackets: `[...]`", cx.what())), None),
        E::ExpectedMap => (p(format!("{} takes a map in braces: `{{\"key\": value, ...}}`", cx.what())), None),
        E::ExpectedStructLike | E::ExpectedNamedStructLike(_) => {
            (p(format!("{} takes a value in round brackets: `(...)`", cx.what())), None)
        }
        E::SuggestRawIdentifier(_) | E::ExpectedIdentifier => {
            let found = token_text(&toks, text, at);
            (
                p(format!(
                    "{} takes a name here, such as one of the values `downtime reference` lists; found `{found}`",
                    cx.what()
                )),
                None,
            )
        }
        E::InvalidValueForType { expected, found } => {
            (p(format!("{} takes {}; found {}", cx.what(), in_words(expected), scrub(found))), None)
        }
        E::ExpectedDifferentLength { expected, found } => {
            (p(format!("{} takes {}; found {found} item(s)", cx.what(), in_words(expected))), None)
        }
        E::TrailingCharacters => {
            (p("text after the end of the scenario: is there a closing bracket too many before it?".into()), None)
        }
        E::UnexpectedChar('\'') => (p("texts take double quotes (\"...\"), not single ones".into()), None),
        E::UnexpectedChar(c) => (p(format!("unexpected `{c}` here")), None),
        E::ExpectedStructName(name) => (p(format!("write the name before the bracket: `{name}(...)`")), None),
        E::Message(m) => (p(scrub(m)), None),
        other => (p(scrub(&other.to_string())), None),
    }
}

/// The bracket and quote problems of `text`: a closing bracket of the wrong kind, a bracket
/// never closed, a text never ended. The first comes first.
fn brackets(toks: &[Token], text: &str) -> Vec<Problem> {
    let mut stack: Vec<&Token> = Vec::new();
    let mut out = Vec::new();
    for t in toks {
        match t.kind {
            Kind::Open(_) => stack.push(t),
            Kind::Close(c) => match stack.pop() {
                Some(open) if matching(open.kind) == Some(c) => {}
                Some(open) => {
                    let (l, col) = position_of(text, t.start);
                    let (ol, oc) = position_of(text, open.start);
                    let want = matching(open.kind).map_or(' ', char::from);
                    out.push(
                        Problem::new(
                            l,
                            col,
                            format!(
                                "this `{}` closes the `{}` opened on line {ol}; a `{want}` is missing before it",
                                c as char,
                                opener(open.kind)
                            ),
                        )
                        .with_label(ol, oc, format!("opened here, closed by `{want}`")),
                    );
                    return out;
                }
                None => {
                    let (l, col) = position_of(text, t.start);
                    out.push(Problem::new(l, col, format!("this `{}` closes nothing: a bracket too many", c as char)));
                    return out;
                }
            },
            Kind::Unterminated => {
                let (l, col) = position_of(text, t.start);
                out.push(Problem::new(l, col, "this text has no closing `\"`: it runs to the end of the file"));
                return out;
            }
            _ => {}
        }
    }
    if let Some(open) = stack.last() {
        let (l, col) = position_of(text, open.start);
        let want = matching(open.kind).map_or(' ', char::from);
        let (el, ec) = position_of(text, text.trim_end().len());
        out.push(
            Problem::new(l, col, format!("this `{}` is never closed: a `{want}` is missing", opener(open.kind)))
                .with_label(el, ec, "the file ends here"),
        );
    }
    out
}

fn matching(k: Kind) -> Option<u8> {
    match k {
        Kind::Open(b'(') => Some(b')'),
        Kind::Open(b'[') => Some(b']'),
        Kind::Open(b'{') => Some(b'}'),
        _ => None,
    }
}

fn opener(k: Kind) -> char {
    match k {
        Kind::Open(c) => c as char,
        _ => ' ',
    }
}

/// Where a position is: the struct it is in and the field it is the value of.
struct Context<'a> {
    name: Option<&'a str>,
    field: Option<&'a str>,
    /// Byte offset of the innermost open bracket's name (or the bracket).
    open: Option<usize>,
}

impl Context<'_> {
    /// "`share` of `Vendor(...)`", "`share`", or "this value".
    fn what(&self) -> String {
        match (self.field, self.name) {
            (Some(f), Some(n)) => format!("`{f}` of `{n}(...)`"),
            (Some(f), None) => format!("`{f}`"),
            (None, Some(n)) => format!("`{n}(...)`"),
            (None, None) => "this value".to_string(),
        }
    }
}

fn context<'a>(toks: &[Token], text: &'a str, at: usize) -> Context<'a> {
    struct Frame<'a> {
        name: Option<&'a str>,
        field: Option<&'a str>,
        open: usize,
    }
    let mut stack: Vec<Frame> = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        if t.start >= at {
            break;
        }
        match t.kind {
            Kind::Open(c) => {
                let named = (c == b'(' && i > 0 && toks[i - 1].kind == Kind::Ident).then(|| &toks[i - 1]);
                let inherited = if c == b'(' && named.is_some() { None } else { stack.last().and_then(|f| f.field) };
                let outer_name = stack.last().and_then(|f| f.name);
                stack.push(Frame {
                    name: named.map(|n| &text[n.start..n.end]).or(if c == b'[' { outer_name } else { None }),
                    field: if c == b'[' { inherited } else { None },
                    open: named.map_or(t.start, |n| n.start),
                });
            }
            Kind::Close(_) => {
                stack.pop();
            }
            Kind::Ident if toks.get(i + 1).is_some_and(|n| n.kind == Kind::Colon) => {
                if let Some(f) = stack.last_mut() {
                    f.field = Some(&text[t.start..t.end]);
                }
            }
            _ => {}
        }
    }
    match stack.last() {
        Some(f) => Context { name: f.name, field: f.field, open: Some(f.open) },
        None => Context { name: None, field: None, open: None },
    }
}

/// The byte range of the field (`name: value,`) whose name starts at `at`, blanked out with
/// spaces (line breaks kept).
fn blank_field(toks: &[Token], text: &str, at: usize) -> Option<String> {
    let i = toks.iter().position(|t| t.start == at && t.kind == Kind::Ident)?;
    if toks.get(i + 1)?.kind != Kind::Colon {
        return None;
    }
    let mut j = i + 2;
    let mut depth = 0usize;
    while let Some(t) = toks.get(j) {
        match t.kind {
            Kind::Open(_) => depth += 1,
            Kind::Close(_) if depth == 0 => break,
            Kind::Close(_) => {
                depth -= 1;
                if depth == 0 {
                    j += 1;
                    break;
                }
            }
            Kind::Comma if depth == 0 => break,
            Kind::Unterminated => return None,
            _ if depth == 0 && j > i + 2 && toks[j - 1].kind != Kind::Ident => break,
            _ => {}
        }
        j += 1;
    }
    let mut end = toks.get(j - 1)?.end;
    if toks.get(j).is_some_and(|t| t.kind == Kind::Comma) {
        end = toks[j].end;
    }
    // Line breaks stay; anything else becomes as many spaces as it had bytes (offsets kept).
    let blank: String = text[at..end]
        .chars()
        .flat_map(|c| {
            if c == '\n' || c == '\r' { std::iter::repeat_n(c, 1) } else { std::iter::repeat_n(' ', c.len_utf8()) }
        })
        .collect();
    Some(replace(text, at, end, &blank))
}

/// The byte offset of the first `field:` in the same brackets as the one at `at`.
fn first_field(toks: &[Token], text: &str, at: usize, field: &str) -> Option<usize> {
    let i = toks.iter().position(|t| t.start == at)?;
    let mut depth = 0i64;
    let mut first = None;
    for j in (0..i).rev() {
        match toks[j].kind {
            Kind::Close(_) => depth += 1,
            Kind::Open(_) if depth == 0 => break,
            Kind::Open(_) => depth -= 1,
            Kind::Ident
                if depth == 0
                    && &text[toks[j].start..toks[j].end] == field
                    && toks.get(j + 1).is_some_and(|t| t.kind == Kind::Colon) =>
            {
                first = Some(toks[j].start)
            }
            _ => {}
        }
    }
    first
}

/// Whether the brackets around the token at `at` hold a `field:` at their own level.
fn has_field(toks: &[Token], text: &str, at: usize, field: &str) -> bool {
    let Some(i) = toks.iter().position(|t| t.start == at) else { return false };
    let is_it = |j: usize| {
        toks[j].kind == Kind::Ident
            && &text[toks[j].start..toks[j].end] == field
            && toks.get(j + 1).is_some_and(|t| t.kind == Kind::Colon)
    };
    let mut depth = 0i64;
    for (j, t) in toks.iter().enumerate().skip(i + 1) {
        match t.kind {
            Kind::Open(_) => depth += 1,
            Kind::Close(_) if depth == 0 => break,
            Kind::Close(_) => depth -= 1,
            _ if depth == 0 && is_it(j) => return true,
            _ => {}
        }
    }
    first_field(toks, text, at, field).is_some()
}

/// "; did you mean `x`?" or "; fields: a, b, c".
fn suggest(found: &str, expected: &[&str]) -> String {
    if expected.is_empty() {
        return String::new();
    }
    match crate::scenario::validate::closest(found, expected.iter().copied()) {
        Some(f) => format!("; did you mean `{f}`?"),
        None => format!("; it takes {}", one_of(expected).replacen("one of", "the fields", 1)),
    }
}

/// "one of `A`, `B` or `C`".
fn one_of(values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    match quoted.split_last() {
        None => "nothing".to_string(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("one of {} or {last}", rest.join(", ")),
    }
}

/// serde's description of an expected type in the scenario's words.
fn in_words(expected: &str) -> String {
    let e = expected.trim();
    if let Some(name) = e.strip_prefix("enum ") {
        let values = values_of(name);
        if !values.is_empty() {
            let refs: Vec<&str> = values.iter().map(String::as_str).collect();
            return one_of(&refs);
        }
        return format!("a {} (see `downtime reference {name}`)", words_of(name));
    }
    if let Some(name) = e.strip_prefix("struct ") {
        return format!("`{}(...)`", name.trim_start_matches("Raw"));
    }
    match e {
        "u8" | "u16" | "u32" | "u64" | "usize" | "i32" | "i64" => "a whole number".to_string(),
        "f32" | "f64" => "a number".to_string(),
        "a string" | "string" => "text in double quotes".to_string(),
        "a boolean" | "bool" => "`true` or `false`".to_string(),
        "a sequence" => "a list in square brackets: `[...]`".to_string(),
        "a map" => "a map in braces: `{...}`".to_string(),
        other => scrub(other),
    }
}

/// The values a type from the scenario reference takes, as written in a file.
fn values_of(name: &str) -> Vec<String> {
    let heading = format!("### {}", name.trim_start_matches("Raw"));
    let Some(start) = crate::reference::TEXT.find(&format!("{heading}\n")) else { return Vec::new() };
    let section = &crate::reference::TEXT[start + heading.len()..];
    let section = &section[..section.find("\n### ").unwrap_or(section.len())];
    if !section.contains("| variant | written as |") {
        return Vec::new();
    }
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split(" | ").nth(1))
        .map(|w| w.trim_matches('`').split('(').next().unwrap_or("").to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

/// `ProviderKind` → "provider kind".
fn words_of(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.trim_start_matches("Raw").chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// A message with Rust's type names turned into the scenario's words.
fn scrub(message: &str) -> String {
    let mut out = message.to_string();
    for (from, to) in [("enum ", ""), ("struct ", ""), ("`Raw", "`"), (" Raw", " ")] {
        out = out.replace(from, to);
    }
    for t in ["u32", "u64", "usize", "f64"] {
        out = out.replace(&format!("`{t}`"), if t == "f64" { "a number" } else { "a whole number" });
    }
    out
}

fn trim_float(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0');
    s.strip_suffix('.').map_or_else(|| s.to_string(), |s| format!("{s}.0"))
}

/// `text` with bytes `from..to` replaced by `with`, every other line unchanged and the line's
/// length kept: a shorter `with` is padded with spaces; a longer one takes its room from the
/// spaces between later tokens on the same line (a gap beside punctuation may close, one
/// between two words keeps a space). `None` when the line has no room.
fn fit(toks: &[Token], text: &str, from: usize, to: usize, with: &str) -> Option<String> {
    let old = to - from;
    if with.len() <= old {
        return Some(replace(text, from, to, &format!("{with:<old$}")));
    }
    let mut need = with.len() - old;
    let line_end = text[to..].find('\n').map_or(text.len(), |i| to + i);
    let mut bounds = vec![to];
    bounds.extend(toks.iter().filter(|t| t.start >= to && t.end <= line_end).flat_map(|t| [t.start, t.end]));
    bounds.push(line_end);
    // (gap start, bytes taken from it)
    let mut taken = Vec::new();
    for pair in bounds.chunks(2) {
        let (a, b) = (pair[0], *pair.get(1).unwrap_or(&line_end));
        if need == 0 {
            break;
        }
        if b <= a || !text[a..b].bytes().all(|c| c == b' ' || c == b'\t') {
            continue;
        }
        let punct = |c: Option<char>| c.is_none_or(|c| "()[]{},:".contains(c));
        let keep = usize::from(!(punct(text[..a].chars().next_back()) || punct(text[b..].chars().next())));
        let n = (b - a).saturating_sub(keep).min(need);
        if n > 0 {
            taken.push((a, n));
            need -= n;
        }
    }
    if need > 0 {
        return None;
    }
    let mut s = String::with_capacity(text.len());
    s.push_str(&text[..from]);
    s.push_str(with);
    let mut at = to;
    for (a, n) in taken {
        s.push_str(&text[at..a]);
        at = a + n;
    }
    s.push_str(&text[at..]);
    Some(s)
}

fn replace(text: &str, from: usize, to: usize, with: &str) -> String {
    let mut s = String::with_capacity(text.len());
    s.push_str(&text[..from]);
    s.push_str(with);
    s.push_str(&text[to..]);
    s
}

/// Where the number ending just before byte `end` starts.
fn number_start(text: &str, end: usize) -> usize {
    let before = &text[..end];
    let digits = before.chars().rev().take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '_').count();
    let start = end - digits;
    if before[..start].ends_with(['-', '+']) { start - 1 } else { start }
}

/// The text of the token at byte `at` (or the rest of its line), for messages.
fn token_text<'a>(toks: &[Token], text: &'a str, at: usize) -> &'a str {
    match toks.iter().find(|t| t.start >= at) {
        Some(t) if t.start == at && t.end - t.start <= 60 => &text[t.start..t.end],
        _ => {
            let rest = &text[at..];
            let end = rest.find(['\n', ',', ')', ']', '}']).unwrap_or(rest.len()).min(60);
            rest[..rest.floor_char_boundary(end)].trim()
        }
    }
}

/// The byte offset of 1-based `line` and character `col` (clamped to the text).
fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let mut start = 0;
    for _ in 1..line.max(1) {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let rest = &text[start..];
    let end = rest.find('\n').unwrap_or(rest.len());
    start + rest[..end].char_indices().nth(col.max(1) - 1).map_or(end, |(i, _)| i)
}

/// The 1-based line and character column of byte `offset`.
fn position_of(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..text.floor_char_boundary(offset.min(text.len()))];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Open(u8),
    Close(u8),
    Comma,
    Colon,
    Ident,
    Str,
    /// A text whose closing quote never comes.
    Unterminated,
    Other,
}

#[derive(Debug)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

/// The tokens of `text` with their byte ranges (comments and attributes skipped). At most a few
/// million: the text is at most a few MiB.
fn tokens(text: &str) -> Vec<Token> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() && out.len() < 4_000_000 {
        let c = b[i];
        let start = i;
        let kind = match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(b.len(), |n| i + n);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2);
                continue;
            }
            b'#' => {
                i = text[i..].find(']').map_or(b.len(), |n| i + n + 1);
                continue;
            }
            b'(' | b'[' | b'{' => {
                i += 1;
                Kind::Open(c)
            }
            b')' | b']' | b'}' => {
                i += 1;
                Kind::Close(c)
            }
            b',' => {
                i += 1;
                Kind::Comma
            }
            b':' => {
                i += 1;
                Kind::Colon
            }
            b'"' => {
                i += 1;
                let mut closed = false;
                while i < b.len() {
                    match b[i] {
                        b'\\' => i += 2,
                        b'"' => {
                            i += 1;
                            closed = true;
                            break;
                        }
                        _ => i += 1,
                    }
                }
                i = i.min(b.len());
                if closed { Kind::Str } else { Kind::Unterminated }
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                Kind::Ident
            }
            _ => {
                i += text[i..].chars().next().map_or(1, char::len_utf8);
                while i < b.len() && !b" \t\r\n()[]{},:\"".contains(&b[i]) {
                    i += 1;
                }
                Kind::Other
            }
        };
        out.push(Token { kind, start, end: i });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields, rename = "Scenario")]
    #[allow(dead_code)]
    struct S {
        id: String,
        days: u32,
        #[serde(default)]
        share: f64,
    }

    fn problems(text: &str) -> Vec<Problem> {
        match parse::<S>(text, "f.ron") {
            Ok((_, p)) => p,
            Err(e) => e.problems,
        }
    }

    #[test]
    fn several_syntax_problems_at_once() {
        let p = problems("Scenario(\n  id: \"x\",\n  dayz: 3,\n  days: 20\n  share: 6%,\n)");
        let m: Vec<&str> = p.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(p.len(), 3, "{m:?}");
        assert!(m[0].contains("`dayz` is not a field of `Scenario(...)`; did you mean `days`?"), "{m:?}");
        assert_eq!((p[0].line, p[0].column), (3, 3));
        assert!(m[1].contains("a comma is missing before `share`"), "{m:?}");
        assert_eq!((p[1].line, p[1].column), (5, 3));
        assert_eq!((p[1].labels[0].line, p[1].labels[0].column), (4, 9));
        assert!(m[2].contains("`6%`") && m[2].contains("0.06"), "{m:?}");
        assert_eq!((p[2].line, p[2].column), (5, 10));
    }

    #[test]
    fn brackets_and_quotes() {
        let p = problems("Scenario(\n  id: \"x\",\n  days: 2,\n  share: 0.5\n");
        assert!(p[0].message.contains("`(` is never closed"), "{p:?}");
        assert_eq!((p[0].line, p[0].column), (1, 9));
        let p = problems("Scenario(id: \"x, days: 2)");
        assert!(p[0].message.contains("no closing `\"`"), "{p:?}");
        let p = problems("Scenario(id: \"x\", days: 2, share: 0,5)");
        assert!(p[0].message.contains("0.5"), "{p:?}");
        let p = problems("Scenario(id: \"x\", days: 2.5)");
        assert!(p[0].message.contains("`days` of `Scenario(...)` takes a whole number"), "{p:?}");
        let p = problems("Scenario(id: \"x\", days: 2, days: 3)");
        assert!(p[0].message.contains("given twice"), "{p:?}");
        assert_eq!(p[0].labels[0].column, 19);
    }
}
