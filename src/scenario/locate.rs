//! Source positions for scenario values, so that meaning errors found after deserialisation can
//! still say `FILE:LINE:COLUMN`.
//!
//! serde forgets where a value came from. [`Locations::index`] scans the RON text once more (the
//! text is already known to parse) and records the start of every value under a path such as
//! `providers[2].vendor` or `groups[0].vendors.chipsoft`. Conventions: struct fields add `.name`,
//! list and tuple items add `[i]`, map entries add `.key`; the first item inside a named
//! wrapper (`Some(x)`, `Fixed(5)`, `CloudTenants("v")`) keeps the wrapper's own path.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
enum Tok<'a> {
    Open(u8),
    Close(u8),
    Comma,
    Colon,
    Ident(&'a str),
    Str(String),
    Other,
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    line: usize,
    col: usize,
}

impl<'a> Lexer<'a> {
    fn bump(&mut self) -> Option<char> {
        let c = self.src[self.pos..].chars().next()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }
    fn peek2(&self) -> Option<char> {
        let mut it = self.src[self.pos..].chars();
        it.next();
        it.next()
    }

    fn skip_trivia(&mut self) {
        loop {
            match (self.peek(), self.peek2()) {
                (Some(c), _) if c.is_whitespace() => {
                    self.bump();
                }
                (Some('/'), Some('/')) => {
                    while let Some(c) = self.bump() {
                        if c == '\n' {
                            break;
                        }
                    }
                }
                (Some('/'), Some('*')) => {
                    self.bump();
                    self.bump();
                    let mut depth = 1;
                    while depth > 0 {
                        match (self.bump(), self.peek()) {
                            (None, _) => return,
                            (Some('*'), Some('/')) => {
                                self.bump();
                                depth -= 1;
                            }
                            (Some('/'), Some('*')) => {
                                self.bump();
                                depth += 1;
                            }
                            _ => {}
                        }
                    }
                }
                _ => return,
            }
        }
    }

    /// The next token and its 1-based (line, column).
    fn next(&mut self) -> Option<(Tok<'a>, usize, usize)> {
        self.skip_trivia();
        let (line, col) = (self.line, self.col);
        let c = self.peek()?;
        let tok = match c {
            '(' | '[' | '{' => {
                self.bump();
                Tok::Open(c as u8)
            }
            ')' | ']' | '}' => {
                self.bump();
                Tok::Close(c as u8)
            }
            ',' => {
                self.bump();
                Tok::Comma
            }
            ':' => {
                self.bump();
                Tok::Colon
            }
            '"' => {
                self.bump();
                let mut s = String::new();
                while let Some(c) = self.bump() {
                    match c {
                        '\\' => {
                            if let Some(e) = self.bump() {
                                s.push(e);
                            }
                        }
                        '"' => break,
                        c => s.push(c),
                    }
                }
                Tok::Str(s)
            }
            'r' if matches!(self.peek2(), Some('"') | Some('#')) => {
                self.bump();
                let mut hashes = 0;
                while self.peek() == Some('#') {
                    self.bump();
                    hashes += 1;
                }
                self.bump(); // opening quote
                let closing: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
                let rest = &self.src[self.pos..];
                let end = rest.find(&closing).unwrap_or(rest.len());
                let s = rest[..end].to_string();
                let target = self.pos + (end + closing.len()).min(rest.len());
                while self.pos < target {
                    self.bump();
                }
                Tok::Str(s)
            }
            '#' => {
                // An attribute such as #![enable(implicit_some)]: skip to its closing bracket.
                let mut depth = 0;
                while let Some(c) = self.bump() {
                    match c {
                        '[' => depth += 1,
                        ']' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                return self.next();
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = self.pos;
                while matches!(self.peek(), Some(c) if c.is_alphanumeric() || c == '_' || c == '#') {
                    self.bump();
                }
                Tok::Ident(&self.src[start..self.pos])
            }
            _ => {
                // Numbers, chars and anything else: one scalar token up to a delimiter.
                if c == '\'' {
                    self.bump();
                    while let Some(c) = self.bump() {
                        if c == '\'' {
                            break;
                        }
                    }
                } else {
                    while matches!(self.peek(), Some(c) if !c.is_whitespace() && !"()[]{},:".contains(c)) {
                        self.bump();
                    }
                }
                Tok::Other
            }
        };
        Some((tok, line, col))
    }
}

/// Map from value path to its 1-based (line, column).
#[derive(Debug, Default)]
pub struct Locations {
    map: BTreeMap<String, (usize, usize)>,
}

impl Locations {
    /// Index every value of `src`. Stops quietly at anything it does not understand.
    pub fn index(src: &str) -> Self {
        let mut lexer = Lexer { src, pos: 0, line: 1, col: 1 };
        let mut toks = Vec::new();
        while let Some(t) = lexer.next() {
            toks.push(t);
            if toks.len() > 4_000_000 {
                break;
            }
        }
        let mut this = Self::default();
        let mut i = 0;
        this.value(&toks, &mut i, String::new(), 0);
        this
    }

    /// The position of `path`, or of its nearest recorded ancestor.
    pub fn at(&self, path: &str) -> (usize, usize) {
        let mut p = path;
        loop {
            if let Some(&pos) = self.map.get(p) {
                return pos;
            }
            match p.rfind(['.', '[']) {
                Some(i) => p = &p[..i],
                None => return self.map.get("").copied().unwrap_or((1, 1)),
            }
        }
    }

    fn record(&mut self, path: &str, line: usize, col: usize) {
        self.map.entry(path.to_string()).or_insert((line, col));
    }

    fn value(&mut self, toks: &[(Tok, usize, usize)], i: &mut usize, path: String, depth: u32) {
        if depth > 200 {
            return;
        }
        let Some((tok, line, col)) = toks.get(*i).cloned() else { return };
        self.record(&path, line, col);
        *i += 1;
        match tok {
            Tok::Ident(_) => {
                if let Some((Tok::Open(b'('), ..)) = toks.get(*i) {
                    *i += 1;
                    self.parens(toks, i, &path, true, depth);
                }
            }
            Tok::Open(b'(') => self.parens(toks, i, &path, false, depth),
            Tok::Open(b'[') => {
                let mut n = 0;
                while let Some((t, ..)) = toks.get(*i) {
                    match t {
                        Tok::Close(_) => {
                            *i += 1;
                            return;
                        }
                        Tok::Comma => *i += 1,
                        _ => {
                            self.value(toks, i, format!("{path}[{n}]"), depth + 1);
                            n += 1;
                        }
                    }
                }
            }
            Tok::Open(b'{') => {
                while let Some((t, kl, kc)) = toks.get(*i).cloned() {
                    match t {
                        Tok::Close(_) => {
                            *i += 1;
                            return;
                        }
                        Tok::Comma => *i += 1,
                        _ => {
                            let key = match &t {
                                Tok::Str(s) => s.clone(),
                                Tok::Ident(s) => s.to_string(),
                                _ => String::from("?"),
                            };
                            let kpath = join(&path, &key);
                            self.record(&kpath, kl, kc);
                            *i += 1;
                            if let Some((Tok::Colon, ..)) = toks.get(*i) {
                                *i += 1;
                            }
                            self.value(toks, i, kpath, depth + 1);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn parens(&mut self, toks: &[(Tok, usize, usize)], i: &mut usize, path: &str, named: bool, depth: u32) {
        let mut n = 0;
        while let Some((t, ..)) = toks.get(*i).cloned() {
            match t {
                Tok::Close(_) => {
                    *i += 1;
                    return;
                }
                Tok::Comma => *i += 1,
                Tok::Ident(name) if matches!(toks.get(*i + 1), Some((Tok::Colon, ..))) => {
                    *i += 2;
                    self.value(toks, i, join(path, name), depth + 1);
                }
                _ => {
                    let p = if named && n == 0 { path.to_string() } else { format!("{path}[{n}]") };
                    self.value(toks, i, p, depth + 1);
                    n += 1;
                }
            }
        }
    }
}

/// Reverse look-ups, for the uncertain parameters of [`crate::uncertain`].
impl Locations {
    /// The position recorded for exactly `path`, if any.
    pub fn exact(&self, path: &str) -> Option<(usize, usize)> {
        self.map.get(path).copied()
    }

    /// The path of the value that starts last at or before (line, column): the value a token
    /// there belongs to (the longest such path when several start at the same place).
    pub fn path_before(&self, line: usize, column: usize) -> Option<&str> {
        let mut best: Option<(&(usize, usize), &String)> = None;
        for (path, pos) in &self.map {
            if *pos > (line, column) {
                continue;
            }
            let better = match best {
                None => true,
                Some((bpos, bpath)) => pos > bpos || (pos == bpos && path.len() > bpath.len()),
            };
            if better {
                best = Some((pos, path));
            }
        }
        best.map(|(_, p)| p.as_str())
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() { name.to_string() } else { format!("{path}.{name}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_point_at_values() {
        let src = "Scenario(\n  id: \"x\", // comment\n  vendors: [\n    Vendor(id: \"a\"),\n    Vendor(id: \"b\"),\n  ],\n  shares: { \"a\": 0.5 },\n  size: LogNormal(median: 3.0, sigma: 1.0),\n  hours: (8, 17),\n)";
        let loc = Locations::index(src);
        assert_eq!(loc.at("id"), (2, 7));
        assert_eq!(loc.at("vendors[1].id"), (5, 16));
        assert_eq!(loc.at("shares.a"), (7, 13));
        assert_eq!(loc.at("size.sigma"), (8, 39));
        assert_eq!(loc.at("hours[1]"), (9, 14));
        // A missing path falls back to its nearest ancestor.
        assert_eq!(loc.at("vendors[1].name"), (5, 5));
    }
}
