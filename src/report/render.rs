//! The template engine of every report (minijinja): the templates are files under
//! `src/report/templates/`, compiled into the binary, and each report kind renders one model
//! (a serde-serialisable struct) through a Markdown and an HTML template, so the two say the
//! same thing. Escaping is on by default and chosen by the template's name: `*.html` escapes
//! for HTML; `*.md` escapes for Markdown (table pipes, emphasis, angle brackets, line breaks).
//! Trusted markup (an inline SVG chart) is marked `|safe` in the template.
//!
//! The shared building blocks of the models live here too: a [`Table`] of [`Cell`]s, a
//! [`Figure`], and a [`Section`] (a titled block of paragraphs, a table and notes) that any
//! report can carry as an optional extra.

use std::sync::OnceLock;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, Value};
use serde::Serialize;

use crate::error::Error;

const TEMPLATES: [(&str, &str); 12] = [
    ("base.html", include_str!("templates/base.html")),
    ("macros.html", include_str!("templates/macros.html")),
    ("macros.md", include_str!("templates/macros.md")),
    ("run.html", include_str!("templates/run.html")),
    ("run.md", include_str!("templates/run.md")),
    ("batch.html", include_str!("templates/batch.html")),
    ("batch.md", include_str!("templates/batch.md")),
    ("policy.html", include_str!("templates/policy.html")),
    ("policy.md", include_str!("templates/policy.md")),
    ("sensitivity.html", include_str!("templates/sensitivity.html")),
    ("sensitivity.md", include_str!("templates/sensitivity.md")),
    ("style.css", include_str!("templates/style.css")),
];

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else if name.ends_with(".md") {
                AutoEscape::Custom("markdown".into())
            } else {
                AutoEscape::None
            }
        });
        env.set_formatter(|out, state, value| {
            if matches!(state.auto_escape(), AutoEscape::Custom(name) if name == "markdown") && !value.is_safe() {
                let text = if value.is_none() || value.is_undefined() { String::new() } else { value.to_string() };
                out.write_str(&super::markdown::escape(&text)).map_err(minijinja::Error::from)
            } else {
                minijinja::escape_formatter(out, state, value)
            }
        });
        // The syntax is fixed and valid; building it cannot fail.
        if let Ok(syntax) =
            SyntaxConfig::builder().trim_blocks(true).lstrip_blocks(true).keep_trailing_newline(true).build()
        {
            env.set_syntax(syntax);
        }
        for (name, source) in TEMPLATES {
            // The templates ship with the binary; a syntax error is caught by the tests.
            if let Err(e) = env.add_template(name, source) {
                panic!("template {name}: {e:#}");
            }
        }
        env
    })
}

/// Render template `name` with `model`.
pub fn render(name: &str, model: &impl Serialize) -> Result<String, Error> {
    let tmpl = env().get_template(name).map_err(|e| Error::Usage(format!("report template {name}: {e:#}")))?;
    tmpl.render(Value::from(Serde(model))).map_err(|e| Error::Usage(format!("report template {name}: {e:#}")))
}

/// One cell of a table: its text and, for a marked cell, a CSS class (`better`, `worse`,
/// `noise`, `same`, a rating `r-P`...).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Cell {
    pub text: String,
    /// A second line in smaller type (the interval under a mean, say).
    pub sub: String,
    pub class: String,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Self {
        Cell { text: text.into(), ..Default::default() }
    }
    pub fn with_sub(mut self, sub: impl Into<String>) -> Self {
        self.sub = sub.into();
        self
    }
    pub fn with_class(mut self, class: impl Into<String>) -> Self {
        self.class = class.into();
        self
    }
}

/// A column heading; `num` right-aligns the column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    pub label: String,
    pub num: bool,
}

impl Column {
    pub fn text(label: impl Into<String>) -> Self {
        Column { label: label.into(), num: false }
    }
    pub fn num(label: impl Into<String>) -> Self {
        Column { label: label.into(), num: true }
    }
}

/// A table.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

/// A chart: its file stem in `plots/`, a caption, and the SVG markup for the HTML report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    pub stem: String,
    pub caption: String,
    /// The chart as inline SVG (trusted: drawn by downtime); empty in Markdown-only uses.
    pub svg: String,
}

impl Figure {
    /// Read `plots/<stem>.svg` below `dir` and make it embeddable.
    pub fn load(dir: &std::path::Path, stem: &str, caption: &str) -> Result<Figure, Error> {
        let path = dir.join("plots").join(format!("{stem}.svg"));
        let svg = std::fs::read_to_string(&path)
            .map_err(|source| Error::Write { path: path.display().to_string(), source })?;
        Ok(Figure { stem: stem.into(), caption: caption.into(), svg: super::html::inline_svg(&svg, caption) })
    }
}

/// An optional block of a report: a title, paragraphs, a table, notes under it. Reports keep
/// a `Vec<Section>` so that a new block (such as observed figures against the model) is added
/// without touching the templates.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Section {
    /// A stable id (the HTML anchor).
    pub id: String,
    pub title: String,
    pub paragraphs: Vec<String>,
    pub table: Option<Table>,
    pub notes: Vec<String>,
}

/// The tool's version, shown in every report and written to every `summary.json`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The version of the `summary.json` layout; raised when a field changes meaning or goes away.
pub const SCHEMA: u32 = 2;
