//! Scenario files: the built-ins validate; broken files are rejected with exit code 2 and the
//! position of the problem; no input makes the loader panic.

use crate::common::bin;

/// A small valid scenario; each broken variant below changes one line of it.
const VALID: &str = r#"Scenario(
    id: "tiny",
    title: "A small test scenario",
    start: "2026-04-01",
    days: 20,
    regions: ["north", "south"],
    vendors: [Vendor(id: "acme"), Vendor(id: "other")],
    platforms: [
        Platform(id: "acme-cloud", vendor: "acme", kind: Cloud, functions: [RecordAccess]),
        Platform(id: "portal", vendor: "acme", kind: PatientPortal, functions: [OnlineBooking, RecordView]),
    ],
    profiles: [
        Profile(
            id: "gp",
            kind: GpPractice,
            services: [
                Service(
                    name: "consultations",
                    demand_per_1000: 20.0,
                    hours: (8, 17),
                    urgency: (
                        urgent: (share: 0.1, max_wait_hours: 4),
                        soon: (share: 0.3, max_wait_hours: 48),
                        elective: (share: 0.6, max_wait_hours: 336),
                    ),
                    clinical_minutes: 10,
                    admin_minutes: 5,
                    clinical_staff_per_1000: 0.5,
                    admin_staff_per_1000: 0.3,
                    needs: [RecordAccess, OnlineBooking],
                ),
            ],
        ),
    ],
    providers: [
        Provider(id: "gp-one", profile: "gp", region: "north", patients: 3000, vendor: "acme", hosting: VendorCloud),
    ],
    groups: [
        Group(id: "gp", profile: "gp", count: 10, patients: Fixed(3000), vendors: {"acme": 0.5, "other": 0.5}),
    ],
    timeline: [
        Inject(day: 2, event: Compromise(vendor: "acme")),
        Inject(day: 3, hour: 8, event: Disconnect(platforms: ["portal"])),
        Inject(day: 5, event: Restore(platforms: ["portal"])),
    ],
)
"#;

fn validate(text: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.ron");
    std::fs::write(&path, text).unwrap();
    let out = std::process::Command::new(bin()).arg("validate").arg(&path).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn the_valid_base_and_the_builtins_validate() {
    let (code, err) = validate(VALID);
    assert_eq!(code, 0, "{err}");
    for name in downtime::scenario::builtin::names() {
        let s = downtime::scenario::load(name);
        assert!(s.is_ok(), "{name}: {}", s.err().map(|e| e.to_string()).unwrap_or_default());
    }
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios")).unwrap();
    for f in files.flatten().filter(|f| f.path().extension().is_some_and(|e| e == "ron")) {
        let s = downtime::scenario::load(f.path().to_str().unwrap());
        assert!(s.is_ok(), "{}: {}", f.path().display(), s.err().map(|e| e.to_string()).unwrap_or_default());
    }
}

/// (what is broken, the text to replace, its replacement, the line of the error relative to
///  the replacement's line, a word the message must contain)
const BROKEN: &[(&str, &str, &str, i32, &str)] = &[
    ("syntax", r#"    days: 20,"#, r#"    days: 20"#, 1, "a comma is missing before `regions`"),
    ("misspelt field", r#"    days: 20,"#, r#"    dayz: 20,"#, 0, "dayz"),
    (
        "unknown vendor",
        r#"vendor: "acme", hosting: VendorCloud)"#,
        r#"vendor: "Acme", hosting: VendorCloud)"#,
        0,
        "did you mean `acme`",
    ),
    (
        "unknown platform",
        r#"Disconnect(platforms: ["portal"])"#,
        r#"Disconnect(platforms: ["portl"])"#,
        0,
        "unknown platform",
    ),
    ("negative rate", "demand_per_1000: 20.0,", "demand_per_1000: -5.0,", 0, "demand"),
    ("shares not summing to 1", r#"{"acme": 0.5, "other": 0.5}"#, r#"{"acme": 0.5, "other": 0.6}"#, 0, "sum to"),
    ("urgency shares", "elective: (share: 0.6,", "elective: (share: 0.9,", -3, "sum to"),
    ("impossible opening hours", "hours: (8, 17),", "hours: (17, 8),", 0, "opening hours"),
    ("restore before compromise", "Inject(day: 5, event: Restore", "Inject(day: 1, event: Restore", 0, "before"),
    ("inject past the horizon", "Inject(day: 2, event: Compromise", "Inject(day: 40, event: Compromise", 0, "horizon"),
    ("size that would exhaust memory", "count: 10,", "count: 4000000000,", 0, "count"),
    ("unknown region", r#"region: "north""#, r#"region: "nowhere""#, 0, "unknown region"),
    ("bad date", r#"start: "2026-04-01""#, r#"start: "2026-02-30""#, 0, "date"),
    ("id unfit for a folder", r#"id: "tiny""#, r#"id: "../../etc""#, 0, "folder"),
    (
        "cloud hosting without a cloud",
        r#"hosting: VendorCloud)"#,
        r#"hosting: VendorCloud, vendor: "other")"#,
        0,
        "is given twice",
    ),
];

#[test]
fn broken_scenarios_are_rejected_at_the_right_line() {
    for (what, from, to, line, word) in BROKEN {
        assert!(VALID.contains(from), "{what}: the base has no `{from}`");
        let text = VALID.replacen(from, to, 1);
        let (code, err) = validate(&text);
        assert_eq!(code, 2, "{what}: exit code {code}, stderr: {err}");
        assert!(!err.contains("panicked"), "{what}: panicked: {err}");
        let at = text.lines().position(|l| l.contains(to)).expect("replacement present") as i32 + 1 + line;
        let wanted = format!("case.ron:{at}:");
        assert!(err.contains(&wanted), "{what}: wanted an error at {wanted}, got: {err}");
        assert!(err.contains(word), "{what}: the message lacks `{word}`: {err}");
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = VALID.replacen("demand_per_1000: 20.0,", "demand_per_1000: -5.0,", 1).replacen(
        r#"Disconnect(platforms: ["portal"])"#,
        r#"Disconnect(platforms: ["portl"])"#,
        1,
    );
    let (code, err) = validate(&text);
    assert_eq!(code, 2);
    assert!(err.contains("demand per 1,000") && err.contains("unknown platform `portl`"), "want both problems: {err}");
}

#[test]
fn missing_file_and_garbage_exit_2_without_panic() {
    let out = std::process::Command::new(bin()).args(["validate", "/nonexistent/x.ron"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    for garbage in [
        "",
        "(",
        "Scenario(",
        "\u{0}\u{1}binary",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        "Scenario(id: 5)",
    ] {
        let (code, err) = validate(garbage);
        assert_eq!(code, 2, "{garbage:?}: {err}");
        assert!(err.contains("case.ron:"), "{garbage:?}: {err}");
        assert!(!err.contains("panicked"), "{garbage:?}: {err}");
    }
    let deep = "[".repeat(100_000);
    let (code, err) = validate(&deep);
    assert_eq!(code, 2, "{err}");
}
