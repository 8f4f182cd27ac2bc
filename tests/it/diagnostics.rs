//! Error output for ten broken scenario files (tests/data/broken/, each a copy of the small
//! valid scenario of `scenarios.rs` with one or more mistakes): every problem at once, each at
//! the right place, in the scenario's words, as a compiler shows it.

use std::path::Path;
use std::process::Command;

use crate::common::bin;

/// (file, the `error:` lines expected, in order, with why each is right; text the excerpts must
/// hold: the labels of secondary places)
type Case = (&'static str, &'static [(&'static str, &'static str)], &'static [&'static str]);

const CASES: &[Case] = &[
    (
        "01-percent-share.ron",
        &[(
            "error: 01-percent-share.ron:22:41: `6%` is not a number here: write a share as a fraction, 0.06",
            "line 22 has `urgent: (share: 6%,`; `6` is at column 41; RON has no percent sign and the model reads shares as fractions (6% = 0.06). \
             The repaired text (0.06) is then valid, so nothing else is reported.",
        )],
        &[],
    ),
    (
        "02-missing-comma.ron",
        &[(
            "error: 02-missing-comma.ron:6:5: a comma is missing before `regions`",
            "line 5 `days: 20` lacks its comma; the parser notices at the next field, `regions` (line 6, column 5)",
        )],
        &["add a comma after this value"],
    ),
    (
        "03-misspelt-field.ron",
        &[(
            "error: 03-misspelt-field.ron:19:21: `demand_per_100` is not a field of `Service(...)`; did you mean `demand_per_1000`?",
            "the field on line 19 (column 21) is misspelt; `demand_per_1000` is the field of `Service` one edit away. \
             It is read as that field afterwards, so no `missing field` follows.",
        )],
        &[],
    ),
    (
        "04-unknown-kind.ron",
        &[(
            "error: 04-unknown-kind.ron:15:19: `kind` of `Profile(...)` takes one of `Hospital`, `EyeHospital`, `GpPractice`, `Pharmacy`, `Rehabilitation`, `MentalHealth`, `ForensicCare`, `Lab` or `Other`, not `GpPractise`; did you mean `GpPractice`?",
            "the values are the provider kinds as written in a file (docs/scenario-reference.md), with no Rust type name (`ProviderKind`)",
        )],
        &[],
    ),
    (
        "05-unclosed-bracket.ron",
        &[(
            "error: 05-unclosed-bracket.ron:10:9: `Platform(...)` cannot come inside `Platform(...)`: is the `)` of the `Platform(` on line 9 missing?",
            "line 9 ends `functions: [RecordAccess],` without the `)` that closes its `Platform(`; the parser meets the next `Platform(` on line 10 inside it",
        )],
        &["this bracket is not closed before it"],
    ),
    (
        "06-unterminated-text.ron",
        &[(
            "error: 06-unterminated-text.ron:3:12: this text has no closing `\"` on its line: the next `\"` ends it",
            "the title on line 3 opens a quote at column 12 and never closes it on its line; the text then ends at the quote on line 4",
        )],
        &["so this is read as what follows the text"],
    ),
    (
        "07-duplicate-id.ron",
        &[
            (
                "error: 07-duplicate-id.ron:10:22: the id `acme-cloud` is used twice in `platforms`; ids must be unique",
                "the second platform (line 10) repeats the id of the first (line 9, shown as a second place)",
            ),
            (
                "error: 07-duplicate-id.ron:43:63: unknown platform `portal`; known: `acme-cloud`",
                "with the second platform renamed there is no platform `portal` for the Disconnect inject",
            ),
            (
                "error: 07-duplicate-id.ron:44:51: unknown platform `portal`; known: `acme-cloud`",
                "nor for the Restore inject",
            ),
        ],
        &["first used here"],
    ),
    (
        "08-decimal-comma.ron",
        &[(
            "error: 08-decimal-comma.ron:19:40: write decimals with a point: `20.5`, not `20,5`",
            "`demand_per_1000: 20,5` uses a decimal comma (column 40), which RON reads as a separator",
        )],
        &[],
    ),
    (
        "09-missing-field.ron",
        &[(
            "error: 09-missing-field.ron:36:9: `Provider(...)` needs the field `patients` (see `downtime reference Provider`)",
            "the provider on line 36 (starting at column 9) has no `patients`, which has no default",
        )],
        &["add `patients: ...` before this"],
    ),
    (
        "10-several-at-once.ron",
        &[
            (
                "error: 10-several-at-once.ron:5:5: `dayz` is not a field of `Scenario(...)`; did you mean `days`?",
                "a syntax problem (unknown field) ...",
            ),
            (
                "error: 10-several-at-once.ron:23:39: `30%` is not a number here: write a share as a fraction, 0.3",
                "... a second one, found after repairing the first ...",
            ),
            (
                "error: 10-several-at-once.ron:36:88: unknown vendor `Acme`; did you mean `acme`?",
                "... then the meaning checks on the repaired text: vendor ids are case-sensitive ...",
            ),
            (
                "error: 10-several-at-once.ron:43:63: unknown platform `portl`; did you mean `portal`?",
                "... a misspelt platform ...",
            ),
            (
                "error: 10-several-at-once.ron:44:31: this restores a platform that is never disconnected or degraded; add a Disconnect inject or remove the restore",
                "... and its consequence: with the Disconnect naming no known platform, `portal` is restored without an outage",
            ),
        ],
        &[],
    ),
];

fn validate(dir: &Path, file: &str, extra: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(bin());
    cmd.current_dir(dir).args(extra).args(["validate", file]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn broken_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/broken"))
}

#[test]
fn ten_broken_files_name_the_right_places_in_the_scenarios_words() {
    for (file, expected, labels) in CASES {
        let (code, _, err) = validate(broken_dir(), file, &[], &[("NO_COLOR", "")]);
        assert_eq!(code, 2, "{file}: {err}");
        let headers: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
        let wanted: Vec<&str> = expected.iter().map(|(line, _why)| *line).collect();
        assert_eq!(headers, wanted, "{file}:\n{err}");
        for label in *labels {
            assert!(err.contains(label), "{file}: no label `{label}`:\n{err}");
        }
        // Each problem shows its source line with the place underlined.
        assert!(err.contains(" | ") && err.contains('^'), "{file}: no excerpt:\n{err}");
        // Never a Rust type name.
        for rust in ["Raw", "ProviderKind", "PlatformKind", "u32", "f64", "Expected comma"] {
            assert!(!err.contains(rust), "{file}: `{rust}` in:\n{err}");
        }
    }
}

#[test]
fn the_valid_base_of_the_broken_files_is_valid() {
    // Each broken file is the base with the mistakes named in CASES; the base itself is fine.
    let (code, _, err) = validate(broken_dir(), "base.ron", &[], &[]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn colour_only_when_asked_and_never_with_no_color() {
    let dir = broken_dir();
    let file = "07-duplicate-id.ron";
    // Piped (not a terminal): no escape codes.
    let (_, _, plain) = validate(dir, file, &[], &[]);
    assert!(!plain.contains('\u{1b}'), "{plain}");
    let (_, _, never) = validate(dir, file, &["--color", "never"], &[]);
    assert!(!never.contains('\u{1b}'), "{never}");
    // --color always colours even a pipe; the first line still names FILE:LINE:COLUMN.
    let (_, _, always) = validate(dir, file, &["--color", "always"], &[]);
    assert!(always.contains("\u{1b}["), "{always}");
    assert!(always.contains("07-duplicate-id.ron:10:22: the id `acme-cloud`"), "{always}");
    // NO_COLOR turns auto off (auto on a pipe is off anyway; this checks it is honoured, not that
    // a terminal is detected).
    let (_, _, no_color) = validate(dir, file, &["--color", "auto"], &[("NO_COLOR", "1")]);
    assert!(!no_color.contains('\u{1b}'), "{no_color}");
}

#[test]
fn json_lists_every_problem_and_nothing_else_on_stdout() {
    let (code, out, _) = validate(broken_dir(), "10-several-at-once.ron", &["--json"], &[]);
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(&out).expect("stdout is one JSON document");
    let problems = v["files"][0]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 5, "{out}");
    assert_eq!(problems[0]["line"], 5);
    assert_eq!(problems[0]["severity"], "error");
    assert_eq!(v["files"][0]["valid"], false);
}
