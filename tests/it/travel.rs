//! Starting points that travel with the binary (issue 14, part 4) and its generated
//! conventions (part 7): `new --from`, built-in sweeps by name, `reference [FIELD]`,
//! `completions SHELL` and `man`, all driven through the built binary from a folder that holds
//! no copy of the repository's docs or scenarios.

use std::path::Path;
use std::process::{Command, Output};

use super::common::bin;

/// Run the binary in `dir` (a temporary folder, so nothing is found next to it by accident).
fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin()).args(args).current_dir(dir).output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 on stdout")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn new_from_builtin_writes_the_builtin_text_which_validates() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_in(dir.path(), &["new", "--from", "chipsoft-2026", "-o", "mine.ron"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("downtime reference"), "{}", stdout(&o));
    let written = std::fs::read_to_string(dir.path().join("mine.ron")).unwrap();
    assert_eq!(written, downtime::scenario::builtin::get("chipsoft-2026").unwrap());
    let v = run_in(dir.path(), &["validate", "mine.ron"]);
    assert!(v.status.success(), "{}", stderr(&v));
    assert!(stdout(&v).starts_with("mine.ron: ok"), "{}", stdout(&v));

    // Without -o, the text goes to standard output.
    let p = run_in(dir.path(), &["new", "--from", "wannacry-2017"]);
    assert!(p.status.success(), "{}", stderr(&p));
    assert_eq!(stdout(&p), downtime::scenario::builtin::get("wannacry-2017").unwrap());
}

#[test]
fn new_from_refuses_an_existing_file_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mine.ron");
    std::fs::write(&file, "my own work").unwrap();
    let o = run_in(dir.path(), &["new", "--from", "chipsoft-2026", "-o", "mine.ron"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "my own work");

    let f = run_in(dir.path(), &["new", "--from", "chipsoft-2026", "-o", "mine.ron", "--force"]);
    assert!(f.status.success(), "{}", stderr(&f));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), downtime::scenario::builtin::get("chipsoft-2026").unwrap());

    // A folder is never replaced, forced or not.
    std::fs::create_dir(dir.path().join("folder.ron")).unwrap();
    let d = run_in(dir.path(), &["new", "--from", "chipsoft-2026", "-o", "folder.ron", "--force"]);
    assert_eq!(d.status.code(), Some(2), "{}", stderr(&d));
    assert!(dir.path().join("folder.ron").is_dir());
}

#[test]
fn new_from_an_unknown_builtin_exits_2_listing_the_builtins() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_in(dir.path(), &["new", "--from", "chipsoft-2027", "-o", "x.ron"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.starts_with("error: unknown built-in scenario `chipsoft-2027`"), "{e}");
    assert!(e.contains("did you mean `chipsoft-2026`?"), "{e}");
    for name in downtime::scenario::builtin::names() {
        assert!(e.contains(name), "{name} missing from {e}");
    }
    assert!(!dir.path().join("x.ron").exists());
    // A template and --from together are a usage error too (clap's, also exit 2).
    let both = run_in(dir.path(), &["new", "hospital", "--from", "chipsoft-2026"]);
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn sweep_by_name_resolves_without_the_repository() {
    // The built-in sweep loads (with its base and every variant validated): the command gets as
    // far as the output folder, which it refuses because it holds a file downtime did not write.
    // This stops before the (slow, national) replications run.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    std::fs::write(dir.path().join("out/foreign.txt"), "not ours").unwrap();
    let o = run_in(dir.path(), &["sweep", "diversification", "--runs", "1", "--out", "out"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("holds files downtime did not write"), "{}", stderr(&o));

    let sweep = downtime::sweep::load_spec(Path::new("diversification")).expect("the built-in sweep loads");
    assert_eq!(sweep.meta.sweep, "diversification");

    // The embedded text is the repository's file.
    let file =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/sweeps/diversification.ron")).unwrap();
    assert_eq!(downtime::sweep::builtin("diversification"), Some(file.as_str()));

    // `downtime scenarios` lists it under its own heading.
    let l = run_in(dir.path(), &["scenarios"]);
    let list = stdout(&l);
    let heading = list.find("Sweeps").expect("a sweeps heading");
    assert!(list[heading..].contains("\ndiversification "), "{list}");
}

#[test]
fn sweep_with_an_unknown_name_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_in(dir.path(), &["sweep", "diversifcation", "--runs", "1"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("neither a built-in sweep nor a sweep file"), "{e}");
    assert!(e.contains("did you mean `diversification`?"), "{e}");
    assert!(!dir.path().join("reports").exists());
    // A missing file (it has an extension) is reported as a file that cannot be read.
    let m = run_in(dir.path(), &["sweep", "missing.ron"]);
    assert_eq!(m.status.code(), Some(2));
    assert!(stderr(&m).contains("cannot read the sweep file"), "{}", stderr(&m));
}

#[test]
fn reference_prints_all_or_the_sections_of_one_name() {
    let dir = tempfile::tempdir().unwrap();
    let all = run_in(dir.path(), &["reference"]);
    assert!(all.status.success());
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/scenario-reference.md")).unwrap();
    assert_eq!(stdout(&all), doc);

    // A type: its whole section, and no other.
    let t = stdout(&run_in(dir.path(), &["reference", "Observed"]));
    assert!(t.starts_with("### Observed\n"), "{t}");
    assert_eq!(t.matches("\n### ").count(), 0, "{t}");
    assert!(t.contains("| field | type |"), "{t}");

    // A field: the type holding it, its table header and that row only.
    let f = stdout(&run_in(dir.path(), &["reference", "fallback_throughput"]));
    assert!(f.starts_with("### Service\n"), "{f}");
    assert!(f.contains("| `fallback_throughput` | number | optional |"), "{f}");
    assert!(!f.contains("`demand_per_1000`"), "{f}");
    // `Booking` is a type: the Service section's `booking` field does not come with it.
    let b = stdout(&run_in(dir.path(), &["reference", "Booking"]));
    assert!(b.starts_with("### Booking\n") && b.contains("`elective_days`") && !b.contains("### Service"), "{b}");
}

#[test]
fn reference_with_an_unknown_name_exits_2_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_in(dir.path(), &["reference", "fallback_througput"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    let e = stderr(&o);
    assert!(e.starts_with("error: no field or type `fallback_througput`"), "{e}");
    assert!(e.contains("did you mean `fallback_throughput`?"), "{e}");
}

#[test]
fn templates_and_errors_point_to_the_reference_command_not_a_docs_file() {
    for (name, _, text) in downtime::scenario::templates::TEMPLATES {
        assert!(!text.contains("scenario-reference.md"), "template {name} points to a docs file");
        assert!(text.contains("`downtime reference`"), "template {name} does not mention `downtime reference`");
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.ron"), "Scenario(id: \"x\")").unwrap();
    let o = run_in(dir.path(), &["validate", "x.ron"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    // (`downtime reference Scenario`: the command, narrowed to the type the field belongs to.)
    assert!(e.contains("see `downtime reference") && !e.contains("docs/"), "{e}");
}

#[test]
fn completions_and_man_page_come_from_the_cli_definitions() {
    let dir = tempfile::tempdir().unwrap();
    let bash = run_in(dir.path(), &["completions", "bash"]);
    assert!(bash.status.success(), "{}", stderr(&bash));
    let b = stdout(&bash);
    assert!(b.contains("_downtime()") && b.contains("complete -F _downtime"), "{b}");
    // Subcommands and options, including this round's.
    for word in ["reference", "completions", "--from", "--csv-delimiter"] {
        assert!(b.contains(word), "`{word}` missing from the bash completions");
    }
    let zsh = run_in(dir.path(), &["completions", "zsh"]);
    assert!(zsh.status.success() && stdout(&zsh).starts_with("#compdef downtime"), "{}", stdout(&zsh));
    let bad = run_in(dir.path(), &["completions", "cmd.exe"]);
    assert_eq!(bad.status.code(), Some(2));

    let man = run_in(dir.path(), &["man"]);
    assert!(man.status.success(), "{}", stderr(&man));
    let m = stdout(&man);
    assert!(m.starts_with('.'), "not roff: {}", &m[..m.len().min(200)]);
    let th = m.lines().find(|l| l.starts_with(".TH ")).expect("a .TH title line");
    assert!(th.starts_with(".TH downtime 1"), "{th}");
    assert!(m.contains(".SH NAME") && m.contains(".SH SUBCOMMANDS") && m.contains("downtime\\-reference"), "{m}");
}
