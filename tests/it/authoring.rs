//! Scenario authoring: `downtime new` templates validate and run as written; the scenario
//! reference (docs/scenario-reference.md) is generated from the doc comments of the schema
//! (src/scenario/raw.rs, evaluation.rs and the model enums a scenario names) and must not drift
//! from it; errors show the source line with a caret and suggest misspelt names.
//!
//! Regenerate the reference after changing the schema's doc comments with
//! `DOWNTIME_BLESS=1 cargo test --release --test it reference`.

use std::process::Command;

use crate::common::bin;

fn downtime(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin()).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_template_validates_and_runs_as_written() {
    let (code, list, err) = downtime(&["new", "--list"]);
    assert_eq!(code, 0, "{err}");
    let names = downtime::scenario::templates::names();
    assert_eq!(names, ["hospital", "gp-cooperative", "regional-network", "national-policy"]);
    let dir = tempfile::tempdir().unwrap();
    for name in names {
        assert!(list.lines().any(|l| l.starts_with(name)), "--list lacks {name}: {list}");
        let file = dir.path().join(format!("{name}.ron"));
        let file = file.to_str().unwrap();
        let (code, _, err) = downtime(&["new", name, "-o", file]);
        assert_eq!(code, 0, "{name}: {err}");
        let (code, _, err) = downtime(&["validate", file]);
        assert_eq!(code, 0, "{name} does not validate: {err}");
        let out = dir.path().join(format!("{name}-out"));
        let (code, _, err) = downtime(&["run", file, "--days", "10", "--out", out.to_str().unwrap(), "-q"]);
        assert_eq!(code, 0, "{name} does not run: {err}");
        assert!(out.join("summary.json").is_file(), "{name}: no summary.json");
        // Without -o the template goes to standard output, byte for byte.
        let (code, text, _) = downtime(&["new", name]);
        assert_eq!(code, 0);
        assert_eq!(text, std::fs::read_to_string(file).unwrap());
    }
}

#[test]
fn templates_say_where_their_numbers_come_from() {
    // Every line that sets a number (outside strings and comments) has a comment saying
    // "assumption" or "source" on it or within the few lines above it. Timeline positions,
    // the seed and the tick are choices, not data.
    let mut missing = Vec::new();
    for (name, _, text) in downtime::scenario::templates::TEMPLATES {
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let code: String = line.split("//").next().unwrap().split('"').step_by(2).collect();
            let words = code.split(|c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '_');
            if !words.clone().any(|w| w.parse::<f64>().is_ok()) {
                continue;
            }
            if ["day:", "hour:", "seed:", "tick_hours:", "count:"].iter().any(|k| code.contains(k))
                && !code.contains("patients")
            {
                continue;
            }
            let said = lines[i.saturating_sub(10)..=i].iter().any(|l| {
                let c = l.split_once("//").map_or("", |(_, c)| c).to_lowercase();
                c.contains("assumption") || c.contains("source")
            });
            if !said {
                missing.push(format!("{name}:{}: {}", i + 1, line.trim()));
            }
        }
        assert!(text.lines().filter(|l| l.trim_start().starts_with("//")).count() > 40, "{name}: too few comments");
    }
    assert!(missing.is_empty(), "numbers without `assumption` or `source` nearby:\n{}", missing.join("\n"));
}

#[test]
fn new_refuses_unknown_templates_and_existing_files() {
    let (code, _, err) = downtime(&["new", "hospitl"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `hospital`"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mine.ron");
    std::fs::write(&file, "my work").unwrap();
    let (code, _, err) = downtime(&["new", "hospital", "-o", file.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "my work");
    let (code, _, err) = downtime(&["new", "hospital", "-o", file.to_str().unwrap(), "--force"]);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read_to_string(&file).unwrap().contains("Scenario("));
}

#[test]
fn errors_show_the_line_and_a_caret() {
    let text = downtime::scenario::templates::get("hospital").unwrap().replacen(
        "vendor: \"other-vendor\", hosting",
        "vendor: \"Other-vendr\", hosting",
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.ron");
    std::fs::write(&file, &text).unwrap();
    let (code, _, err) = downtime(&["validate", file.to_str().unwrap()]);
    assert_eq!(code, 2);
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines[0].starts_with("error: ") && lines[0].contains("s.ron:"), "{err}");
    assert!(lines[0].contains("did you mean `other-vendor`"), "{err}");
    // error: FILE:LINE:COL: ..., then ` |`, `LINE | source`, ` | ^` with the caret under COL.
    let pos: Vec<usize> =
        lines[0].split("s.ron:").nth(1).unwrap().split(':').take(2).map(|n| n.parse().unwrap()).collect();
    let (line, col) = (pos[0], pos[1]);
    let source_line = text.lines().nth(line - 1).unwrap();
    assert_eq!(lines[2], format!("{line} | {}", source_line.trim_end()), "{err}");
    let caret = lines[3].find('^').expect("a caret");
    let bar = lines[3].find('|').unwrap();
    assert_eq!(caret - bar - 2, col - 1, "caret under column {col}: {err}");
    assert!(source_line[col - 1..].starts_with("\"Other-vendr\""), "{err}");
}

#[test]
fn misspelt_fields_and_variants_get_suggestions() {
    let base = downtime::scenario::templates::get("hospital").unwrap();
    for (from, to, want) in [
        ("    tick_hours: 1,", "    tick_hour: 1,", "did you mean `tick_hours`"),
        ("kind: PatientPortal,", "kind: PatientPortl,", "did you mean `PatientPortal`"),
        ("hosting: SelfHosted,", "hosting: SelfHostd,", "did you mean `SelfHosted`"),
        ("clinical_minutes: 60,", "clinical_minute: 60,", "did you mean `clinical_minutes`"),
    ] {
        assert!(base.contains(from), "{from}");
        let e = downtime::scenario::from_str(&base.replacen(from, to, 1), "t.ron").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains(want), "{to}: {msg}");
        assert!(e.problems[0].line >= 1);
    }
}

// ---------------------------------------------------------------------------------------------
// The scenario reference, generated from the schema's doc comments.

const REFERENCE: &str = "docs/scenario-reference.md";
const BEGIN: &str = "<!-- BEGIN GENERATED: do not edit by hand; see tests/it/authoring.rs -->";
const END: &str = "<!-- END GENERATED -->";

/// A struct or enum of the schema.
#[derive(Debug)]
struct Item {
    rust: String,
    /// The name written in a scenario file (serde rename), or the Rust name.
    name: String,
    doc: String,
    is_enum: bool,
    /// Fields (struct) or variants (enum, each with its inline fields as `Variant.field`).
    members: Vec<Member>,
}

#[derive(Debug)]
struct Member {
    name: String,
    ty: String,
    doc: String,
    optional: bool,
    /// A field of a one-line struct variant (`Detect { vendor: String }`), documented by its
    /// variant.
    inline: bool,
}

/// Parse the `Deserialize` structs and enums of a Rust source file (the schema's simple style:
/// one field or variant per line, inline struct variants on one line or spread over several).
fn parse_schema(src: &str, only: Option<&[&str]>) -> Vec<Item> {
    let mut items = Vec::new();
    let mut doc: Vec<String> = Vec::new();
    let mut attrs = String::new();
    let mut cur: Option<(Item, bool)> = None; // (item, struct-level serde default)
    let mut variant: Option<String> = None;
    let mut skipping = false;
    for line in src.lines() {
        let t = line.trim();
        if skipping {
            if line.starts_with('}') {
                skipping = false;
            }
            continue;
        }
        if let Some(d) = t.strip_prefix("///") {
            doc.push(d.strip_prefix(' ').unwrap_or(d).to_string());
            continue;
        }
        if t.starts_with("#[") {
            attrs.push_str(t);
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        match &mut cur {
            None => {
                let head = t
                    .strip_prefix("pub struct ")
                    .map(|r| (r, false))
                    .or(t.strip_prefix("pub enum ").map(|r| (r, true)));
                if let Some((rest, is_enum)) = head.filter(|_| attrs.contains("Deserialize") && t.ends_with('{')) {
                    let rust = rest.trim_end_matches('{').trim().to_string();
                    let name = attrs
                        .split("rename = \"")
                        .nth(1)
                        .and_then(|r| r.split('"').next())
                        .map_or_else(|| rust.trim_start_matches("Raw").to_string(), str::to_string);
                    let default = attrs.contains("serde(")
                        && attrs
                            .split("serde(")
                            .skip(1)
                            .any(|a| a.split(')').next().unwrap().split(',').any(|w| w.trim() == "default"));
                    cur = Some((Item { rust, name, doc: doc.join(" "), is_enum, members: Vec::new() }, default));
                } else if (t.starts_with("impl") || t.starts_with("fn ") || t.starts_with("pub fn "))
                    && t.ends_with('{')
                {
                    skipping = true;
                }
                doc.clear();
                attrs.clear();
            }
            Some((item, struct_default)) => {
                if line.starts_with('}') {
                    let (item, _) = cur.take().unwrap();
                    if only.is_none_or(|o| o.contains(&item.rust.as_str())) {
                        items.push(item);
                    }
                    variant = None;
                } else if t.is_empty() || t.starts_with("//") {
                } else if !item.is_enum {
                    let (name, ty) = t.strip_prefix("pub ").unwrap_or(t).split_once(": ").expect("a field");
                    let ty = ty.trim_end_matches(',').to_string();
                    let optional = *struct_default || attrs.contains("default") || ty.starts_with("Option<");
                    item.members.push(Member {
                        name: name.to_string(),
                        ty,
                        doc: doc.join(" "),
                        optional,
                        inline: false,
                    });
                } else if indent == 4 && t == "}," {
                    variant = None;
                } else if indent == 4 {
                    let (vname, rest) = t.split_at(t.find(['(', '{', ',']).unwrap_or(t.len()));
                    let rest = rest.trim().trim_end_matches(',');
                    let ty = if rest.starts_with('(') { rest.to_string() } else { String::new() };
                    item.members.push(Member {
                        name: vname.trim().to_string(),
                        ty,
                        doc: doc.join(" "),
                        optional: false,
                        inline: false,
                    });
                    if rest == "{" {
                        variant = Some(vname.trim().to_string());
                    } else if let Some(inner) = rest.strip_prefix('{') {
                        for f in inner.trim_end_matches('}').split(',').filter(|f| !f.trim().is_empty()) {
                            let (n, ty) = f.split_once(':').unwrap();
                            item.members.push(Member {
                                name: format!("{}.{}", vname.trim(), n.trim()),
                                ty: ty.trim().to_string(),
                                doc: String::new(),
                                optional: false,
                                inline: true,
                            });
                        }
                    }
                } else if let Some(v) = &variant {
                    let (n, ty) = t.split_once(": ").expect("a variant field");
                    let ty = ty.trim_end_matches(',').to_string();
                    let optional = attrs.contains("default") || ty.starts_with("Option<");
                    item.members.push(Member {
                        name: format!("{v}.{n}"),
                        ty,
                        doc: doc.join(" "),
                        optional,
                        inline: false,
                    });
                }
                doc.clear();
                attrs.clear();
            }
        }
    }
    items
}

/// A Rust type as a scenario author reads it, linking schema types to their sections.
fn render_type(ty: &str, names: &[(String, String)]) -> String {
    let ty = ty.trim().replace("crate::model::", "").replace("super::evaluation::", "").replace("super::", "");
    let inner = |s: &str, open: &str| s.strip_prefix(open).and_then(|r| r.strip_suffix('>')).map(str::to_string);
    if let Some(t) = inner(&ty, "Option<") {
        return render_type(&t, names);
    }
    if let Some(t) = inner(&ty, "Vec<") {
        return format!("[{}]", render_type(&t, names));
    }
    if let Some(t) = inner(&ty, "BTreeMap<") {
        let (k, v) = t.split_once(',').unwrap();
        return format!("{{{}: {}}}", render_type(k, names), render_type(v, names));
    }
    if let Some(t) = ty.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        return format!("({})", t.split(',').map(|p| render_type(p, names)).collect::<Vec<_>>().join(", "));
    }
    match ty.as_str() {
        "String" => "text".into(),
        "u32" | "u64" => "integer".into(),
        "f64" => "number".into(),
        "bool" => "bool".into(),
        other => match names.iter().find(|(rust, _)| rust == other) {
            Some((_, name)) => format!("[{name}](#{})", name.to_lowercase()),
            None => other.to_string(),
        },
    }
}

fn schema() -> Vec<Item> {
    let root = env!("CARGO_MANIFEST_DIR");
    let read = |p: &str| std::fs::read_to_string(format!("{root}/{p}")).unwrap();
    let mut items = parse_schema(&read("src/scenario/raw.rs"), None);
    items.extend(parse_schema(&read("src/scenario/evaluation.rs"), None));
    items.extend(parse_schema(&read("src/model/function.rs"), Some(&["Function"])));
    items.extend(parse_schema(&read("src/model/provider.rs"), Some(&["ProviderKind", "Hosting"])));
    items
}

fn generate(items: &[Item]) -> String {
    let names: Vec<(String, String)> = items.iter().map(|i| (i.rust.clone(), i.name.clone())).collect();
    // Rustdoc links read as plain code in the reference.
    let cell = |s: &str| {
        s.replace('|', "\\|")
            .replace("[`", "`")
            .replace("`]", "`")
            .replace("super::evaluation::", "")
            .replace("crate::model::function::", "")
            .replace("crate::model::", "")
            .replace("super::", "")
    };
    let mut out = String::new();
    for item in items {
        out.push_str(&format!("\n### {}\n\n", item.name));
        let file = if item.rust == "Function" || item.rust == "ProviderKind" || item.rust == "Hosting" {
            "src/model"
        } else if item.rust.contains("Evaluation") || item.rust == "Levels" {
            "src/scenario/evaluation.rs"
        } else {
            "src/scenario/raw.rs"
        };
        let kind = if item.is_enum { "enum" } else { "struct" };
        out.push_str(format!("{} (`{}`, {kind} in {file})\n\n", cell(&item.doc), item.rust).trim_start());
        if item.is_enum {
            out.push_str("| variant | written as | meaning |\n| --- | --- | --- |\n");
            for m in &item.members {
                let written = if m.name.contains('.') {
                    let ty = render_type(&m.ty, &names);
                    format!("{ty}{}", if m.optional { ", optional" } else { "" })
                } else if m.ty.starts_with('(') {
                    format!("`{}(...)` {}", m.name, render_type(&m.ty, &names))
                } else if item.members.iter().any(|n| n.name.starts_with(&format!("{}.", m.name))) {
                    format!("`{}(...)`", m.name)
                } else {
                    format!("`{}`", m.name)
                };
                let doc = if m.inline { "(see the variant)".to_string() } else { cell(&m.doc) };
                out.push_str(&format!("| `{}` | {} | {} |\n", m.name, written, doc));
            }
        } else {
            out.push_str("| field | type | required | meaning, unit, default, range |\n| --- | --- | --- | --- |\n");
            for m in &item.members {
                let req = if m.optional { "optional" } else { "required" };
                out.push_str(&format!(
                    "| `{}` | {} | {req} | {} |\n",
                    m.name,
                    render_type(&m.ty, &names),
                    cell(&m.doc)
                ));
            }
        }
    }
    out
}

#[test]
fn reference_is_generated_from_the_schema() {
    let items = schema();
    // The schema as the test sees it: every struct and field a scenario can hold.
    for must in ["RawScenario", "RawService", "RawEvent", "RawEffect", "RawEvaluation", "Levels", "Function"] {
        assert!(items.iter().any(|i| i.rust == must), "the parser missed {must}");
    }
    let scenario = items.iter().find(|i| i.rust == "RawScenario").unwrap();
    for f in ["id", "start", "providers", "groups", "timeline", "evaluation", "aftermath"] {
        assert!(scenario.members.iter().any(|m| m.name == f), "the parser missed RawScenario.{f}");
    }
    // Every field and variant is documented at its source (that is where the reference comes from).
    let undocumented: Vec<String> = items
        .iter()
        .filter(|i| !["Function", "ProviderKind", "Hosting"].contains(&i.rust.as_str()))
        .flat_map(|i| {
            i.members.iter().filter(|m| m.doc.is_empty() && !m.inline).map(move |m| format!("{}.{}", i.rust, m.name))
        })
        .collect();
    let generated = generate(&items);
    let path = format!("{}/{REFERENCE}", env!("CARGO_MANIFEST_DIR"));
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    let (Some(b), Some(e)) = (current.find(BEGIN), current.find(END)) else {
        panic!("{REFERENCE} lacks the markers `{BEGIN}` and `{END}`")
    };
    let expected = format!("{}{BEGIN}\n{generated}\n{}", &current[..b], &current[e..]);
    if std::env::var_os("DOWNTIME_BLESS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    } else {
        assert!(
            current == expected,
            "{REFERENCE} has drifted from the doc comments of src/scenario/raw.rs and evaluation.rs; regenerate it with `DOWNTIME_BLESS=1 cargo test --release --test it reference`"
        );
    }
    assert!(undocumented.is_empty(), "fields without a doc comment (the reference needs one): {undocumented:?}");
    // Both ways, by name: each schema field sits under its heading, and each row names a field.
    let doc = std::fs::read_to_string(&path).unwrap();
    for item in &items {
        let section = doc.split(&format!("\n### {}\n", item.name)).nth(1).expect("a heading per item");
        let section = section.split("\n### ").next().unwrap();
        for m in &item.members {
            assert!(
                section.contains(&format!("| `{}` |", m.name)),
                "{}.{} missing from the reference",
                item.name,
                m.name
            );
        }
        for row in section.lines().filter(|l| l.starts_with("| `")) {
            let name = row[3..].split('`').next().unwrap();
            assert!(
                item.members.iter().any(|m| m.name == name),
                "the reference lists {}.{name}, which the source lacks",
                item.name
            );
        }
    }
}
