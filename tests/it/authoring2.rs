//! Issue 14 (parts 1-3): natural units, the calibration check of `validate`, and
//! spreadsheets in and out.

use std::path::Path;
use std::sync::Arc;

use downtime::scenario;

use crate::common::bin;

fn downtime(args: &[&str]) -> (i32, String, String) {
    let o = std::process::Command::new(bin()).args(args).output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The first service of the first profile of `text`.
fn first_service(text: &str) -> scenario::ServiceSpec {
    scenario::from_str(text, "t.ron").unwrap_or_else(|e| panic!("{e}")).profiles[0].services[0].clone()
}

#[test]
fn natural_units_convert_to_the_internal_rates() {
    let base = scenario::templates::get("hospital").unwrap();
    // The template's emergency department: 75 visits a day, 4 on duty, for 250,000 patients.
    let natural = first_service(base);
    assert!(base.contains("demand: PerDay(75),") && base.contains("reference_patients: 250000,"));
    assert_eq!(natural.demand_per_1000, 0.3, "75 a day per 250,000 is 0.3 per 1,000");
    // The older per-1,000 form gives the same model, exactly.
    let old = base.replacen("demand: PerDay(75),", "demand_per_1000: 0.3,", 1);
    assert_eq!(first_service(&old).demand_per_1000, natural.demand_per_1000);
    // A week of demand is spread over the open days (the ED is open every day).
    let weekly = base.replacen("demand: PerDay(75),", "demand: PerWeek(525),", 1);
    assert!((first_service(&weekly).demand_per_1000 - 0.3).abs() < 1e-12);
    // Staff as full-time equivalents: 36 h a week, 88% at work, over 168 open hours a week.
    let fte = base.replacen("clinical_staff: PerShift(4.175),", "clinical_staff: Fte(20),", 1);
    assert!(base.contains("clinical_staff: PerShift(4.175),"));
    let on_duty = 20.0 * 36.0 * 0.88 / 168.0;
    assert!((first_service(&fte).clinical_staff_per_1000 - on_duty * 1000.0 / 250_000.0).abs() < 1e-12);
    // Waits in days.
    let days = base.replacen("soon: (share: 0.4, max_wait: Days(1))", "soon: (share: 0.4, max_wait: Days(2))", 1);
    assert_eq!(first_service(&days).max_wait_hours[1], 48.0);
    // A fallback ceiling in cases per hour: 2.5 an hour against 75 over 24 hours.
    let ceiling = base.replacen("walkout_share: 0.1,", "walkout_share: 0.1, fallback_cases_per_hour: 2.5,", 1);
    assert!((first_service(&ceiling).fallback_throughput.unwrap() - 0.8).abs() < 1e-12);
}

#[test]
fn natural_units_need_a_size_and_one_form() {
    let base = scenario::templates::get("gp-cooperative").unwrap();
    // GP practices of log-normal size: a figure per day needs the size it is for.
    let line = "reference_patients: 3000,";
    assert!(base.contains(line));
    let e = scenario::from_str(&base.replacen(line, "", 1), "g.ron").unwrap_err();
    let p = e.problems.iter().find(|p| p.message.contains("reference_patients")).unwrap_or_else(|| panic!("{e}"));
    let at = base.replacen(line, "", 1).lines().nth(p.line - 1).unwrap().to_string();
    assert!(at.contains("PerDay") || at.contains("PerShift"), "{at}");
    // Both forms at once.
    let both = base.replacen("demand: PerDay(60),", "demand: PerDay(60), demand_per_1000: 20,", 1);
    assert!(scenario::from_str(&both, "g.ron").unwrap_err().to_string().contains("not both"));
    // Neither.
    let neither = base.replacen("demand: PerDay(60),", "", 1);
    assert!(scenario::from_str(&neither, "g.ron").unwrap_err().to_string().contains("PerDay"));
}

/// The issue's case: staff cut tenfold still validates, and the baseline delivers a fraction
/// of care. The check warns (exit 0) and `--strict` fails (exit 2).
#[test]
fn validate_warns_when_staff_cannot_keep_up() {
    let base = scenario::templates::get("hospital").unwrap();
    let cut = base.replacen("clinical_staff: PerShift(57.75),", "clinical_staff: PerShift(5.775),", 1);
    assert_ne!(cut, base);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cut.ron");
    std::fs::write(&file, &cut).unwrap();
    let (code, out, err) = downtime(&["validate", s(&file)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ok"), "{out}");
    let line = cut.lines().position(|l| l.contains("PerShift(5.775)")).unwrap() + 1;
    // The utilisation warning at the staff figure: ten times the template's ~60%.
    let w = err.lines().find(|l| l.contains("outpatient") && l.contains("busy")).unwrap_or_else(|| panic!("{err}"));
    assert!(w.starts_with(&format!("warning: {}:{line}:", s(&file))), "{w}");
    let busy: f64 = w.split("would be ").nth(1).unwrap().split('%').next().unwrap().parse().unwrap();
    assert!(busy > 400.0 && busy < 1000.0, "{w}");
    // The baseline delivers far less than demanded: the hospital kind is warned about.
    assert!(err.contains("without any incident") && err.contains("Hospital"), "{err}");
    assert!(err.contains("calibration warning"), "{err}");
    let (code, _, err) = downtime(&["validate", "--strict", s(&file)]);
    assert_eq!(code, 2, "{err}");
    // The template as shipped: no warning, and --strict passes.
    std::fs::write(&file, base).unwrap();
    let (code, _, err) = downtime(&["validate", "--strict", s(&file)]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("warning"), "{err}");
}

/// With 24-hour ticks a service open 08:00–17:00 never opens (a tick opens a service when it
/// starts within its hours) and silently gets no demand: the check warns at its `hours`, for
/// each such service and no other, and `--strict` fails. At 8-hour ticks (one starts at 08:00)
/// it does not warn.
#[test]
fn validate_warns_when_no_tick_starts_in_opening_hours() {
    let base = scenario::templates::get("gp-cooperative").unwrap();
    let daily = base.replacen("tick_hours: 1,", "tick_hours: 24,", 1);
    assert_ne!(daily, base);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("daily.ron");
    std::fs::write(&file, &daily).unwrap();
    let (code, _, err) = downtime(&["validate", s(&file)]);
    assert_eq!(code, 0, "{err}");
    let warned: Vec<&str> = err.lines().filter(|l| l.contains("never opens")).collect();
    let day_services: Vec<usize> = daily
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("hours: (") && !l.contains("(0, 24)") && !l.contains("(0,24)"))
        .map(|(i, _)| i + 1)
        .collect();
    assert!(!day_services.is_empty());
    assert_eq!(warned.len(), day_services.len(), "{err}");
    for line in day_services {
        assert!(warned.iter().any(|w| w.starts_with(&format!("warning: {}:{line}:", s(&file)))), "{line}: {err}");
    }
    let (code, _, err) = downtime(&["validate", "--strict", s(&file)]);
    assert_eq!(code, 2, "{err}");
    std::fs::write(&file, base.replacen("tick_hours: 1,", "tick_hours: 8,", 1)).unwrap();
    let (code, _, err) = downtime(&["validate", "--strict", s(&file)]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("never opens"), "{err}");
}

/// `run` and `batch` say in one line when the checks that need no run warn (opening hours no
/// tick starts in, which leave services without demand; staff over 100% busy), and point at
/// `validate`; not for a calibrated scenario, not under `-q`, and never on standard output.
#[test]
fn run_and_batch_point_at_calibration_warnings() {
    let base = scenario::templates::get("gp-cooperative").unwrap();
    let daily = base.replacen("tick_hours: 1,", "tick_hours: 24,", 1);
    let day_services = daily
        .lines()
        .filter(|l| l.trim_start().starts_with("hours: (") && !l.contains("(0, 24)") && !l.contains("(0,24)"))
        .count();
    assert!(day_services > 1);
    let dir = tempfile::tempdir().unwrap();
    // A name with a space: the suggested command quotes it.
    let file = dir.path().join("daily ticks.ron");
    std::fs::write(&file, &daily).unwrap();
    let note = |n: usize, file: &Path| {
        format!(
            "note: {n} calibration warning{} from this scenario's figures; `downtime validate '{}'` shows {} and may find more",
            if n == 1 { "" } else { "s" },
            s(file),
            if n == 1 { "it" } else { "them" }
        )
    };
    let out = dir.path().join("r");
    let (code, stdout, err) = downtime(&["run", s(&file), "--days", "2", "--out", s(&out)]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(&note(day_services, &file)), "{err}");
    assert!(!stdout.contains("calibration"), "{stdout}");
    let out = dir.path().join("b");
    let (code, _, err) = downtime(&["batch", s(&file), "--runs", "2", "--days", "2", "--jobs", "1", "--out", s(&out)]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(&note(day_services, &file)), "{err}");
    // --json: standard output stays one JSON document.
    let (code, stdout, err) = downtime(&["--json", "run", s(&file), "--days", "2", "--out", s(&dir.path().join("j"))]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(&note(day_services, &file)), "{err}");
    serde_json::from_str::<serde_json::Value>(&stdout).expect("stdout is JSON");
    let (code, _, err) = downtime(&["-q", "run", s(&file), "--days", "2", "--out", s(&dir.path().join("q"))]);
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "{err}");
    // Staff cut tenfold (the utilisation check): one warning, at the hourly ticks of the template.
    let thin = base.replacen("clinical_staff: PerShift(1.389)", "clinical_staff: PerShift(0.1389)", 1);
    assert_ne!(thin, base);
    let file = dir.path().join("thin.ron");
    std::fs::write(&file, &thin).unwrap();
    let (code, _, err) = downtime(&["run", s(&file), "--days", "2", "--out", s(&dir.path().join("t"))]);
    assert_eq!(code, 0, "{err}");
    let expected = note(1, &file).replace(&format!("'{}'", s(&file)), s(&file));
    assert!(err.contains(&expected), "{err}");
    let (code, _, err) = downtime(&["run", "chipsoft-2026", "--days", "2", "--out", s(&dir.path().join("c"))]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("calibration warning"), "{err}");
}

/// Built-ins and templates validate without warnings, except nl-national's two documented
/// ones (docs/model.md, "Calibration check").
#[test]
fn built_ins_are_calibrated() {
    for name in scenario::builtin::names() {
        let (text, file) = scenario::source(name).unwrap();
        let sc = scenario::from_str(&text, &file).unwrap();
        let w = scenario::check::check(&sc, &text);
        if name == "nl-national" {
            assert!(
                w.len() <= 2 && w.iter().all(|w| w.message.contains("103%") || w.message.contains("102%")),
                "{w:?}"
            );
        } else {
            assert!(w.is_empty(), "{name}: {w:?}");
        }
    }
    for (name, _, text) in scenario::templates::TEMPLATES {
        let sc = scenario::from_str(text, name).unwrap();
        assert!(scenario::check::check(&sc, text).is_empty(), "{name}");
    }
}

/// Write a workbook with sheets of string/number cells.
fn workbook(path: &Path, sheets: &[(&str, Vec<Vec<String>>)], numbers: bool) {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let ws = book.add_worksheet();
        ws.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                match v.parse::<f64>() {
                    Ok(n) if numbers && r > 0 => ws.write_number(r as u32, c as u16, n).unwrap(),
                    _ => ws.write_string(r as u32, c as u16, v).unwrap(),
                };
            }
        }
    }
    book.save(path).unwrap();
}

fn rows(lines: &[&str]) -> Vec<Vec<String>> {
    lines.iter().map(|l| l.split('|').map(|c| c.trim().to_string()).collect()).collect()
}

/// A planner's path: a hospital described in a spreadsheet (visits per day, staff per shift)
/// imports, validates without a warning, runs, and its baseline delivers what the sheet implies.
#[test]
fn planner_path_from_a_spreadsheet() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("our-hospital.xlsx");
    workbook(
        &book,
        &[
            (
                "Providers",
                rows(&[
                    "Provider|Kind|Patients|Vendor|Hosting|Region",
                    "st-elsewhere|Hospital|180000|our-vendor|SelfHosted|our-region",
                ]),
            ),
            (
                "Services",
                rows(&[
                    "Provider|Service|Visits per day|Open from|Open to|Open days|Urgent share|Urgent max wait (hours)|Soon share|Soon max wait (hours)|Elective share|Elective max wait (hours)|Clinical minutes per case|Admin minutes per case|Clinical staff per shift|Admin staff per shift|Needs",
                    "st-elsewhere|emergency|60|0|24|All week|0.6|4|0.4|24|0|24|60|5|3.2|0.4|RecordAccess, LabOrders",
                    "st-elsewhere|outpatient|500|8|17|Weekdays|0.05|48|0.25|336|0.7|1008|20|6|25|7|RecordAccess, OnlineBooking",
                ]),
            ),
        ],
        true,
    );
    let out = dir.path().join("st-elsewhere.ron");
    let (code, stdout, err) = downtime(&["import", "--providers", s(&book), "-o", s(&out)]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("wrote") && !stdout.contains("warning"), "{stdout}");
    let (code, _, err) = downtime(&["validate", "--strict", s(&out)]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("warning"), "{err}");
    let text = std::fs::read_to_string(&out).unwrap();
    let mut sc = scenario::from_str(&text, "o.ron").unwrap();
    sc.set_days(28);
    let k = sc.providers.iter().position(|p| p.id == "st-elsewhere").unwrap();
    // The sheet's figures, converted for its own size.
    let profile = &sc.profiles[sc.providers[k].profile];
    assert_eq!(profile.services[0].demand_per_1000 * 180.0, 60.0);
    sc.providers[k].report = true;
    let base = downtime::sim::run(
        Arc::new(downtime::sim::baseline_of(&sc)),
        downtime::sim::RunOptions { seed: 5, replication: 0 },
    );
    let slot = base.reported.iter().position(|&p| p as usize == k).unwrap();
    let (mut demand, mut served) = (0u64, 0u64);
    for (_, sl, d) in &base.provider_series {
        if *sl as usize == slot {
            demand += d.demand;
            served += d.served;
        }
    }
    // What the sheet implies over 28 days from the start: 60 a day, 500 a weekday.
    let weekdays = (0..28).filter(|d| (sc.start.weekday() + d) % 7 < 5).count() as f64;
    let implied = 60.0 * 28.0 + 500.0 * weekdays;
    // Tolerance 4%: arrivals are Poisson (sd ≈ 1% of ~11,700 cases, so 3 sd ≈ 3%), and
    // cases that arrive on the last day may still wait at the end (under 1% of the total).
    let rel = |x: u64| (x as f64 - implied).abs() / implied;
    assert!(rel(demand) < 0.04, "demand {demand} vs {implied}");
    assert!(rel(served) < 0.04, "served {served} vs {implied}");
}

/// Bad cells are all reported, by sheet, row and column, and nothing is written.
#[test]
fn bad_cells_are_reported_by_position() {
    let dir = tempfile::tempdir().unwrap();
    let msel = dir.path().join("msel.csv");
    std::fs::write(
        &msel,
        "Date,Time,Inject,Target,Title,Text,Questions,Teams,Details,Delay\n\
         2026-04-07,09:00,Compromise,chipsoft,,,,,,\n\
         2026-13-07,09:00,Detect,chipsoft,,,,,,\n\
         2026-04-08,09:30,Announce,chipsoft,,,,,,\n\
         2026-04-08,10:00,Hack,chipsoft,,,,,,\n\
         2026-04-09,10:00,Restore,zorgportaal,,,,,capacity: lots,\n",
    )
    .unwrap();
    let out = dir.path().join("out.ron");
    let (code, _, err) = downtime(&["import", "--msel", s(&msel), "--into", "chipsoft-2026", "-o", s(&out)]);
    assert_eq!(code, 2, "{err}");
    let f = s(&msel);
    for want in [
        format!("{f}:MSEL:3:A (Date): not a date"),
        format!("{f}:MSEL:4:B (Time): the model runs in whole hours"),
        format!("{f}:MSEL:5:C (Inject): `Hack` is not an inject"),
        format!("{f}:MSEL:6:I (Details):"),
    ] {
        assert!(err.lines().any(|l| l.starts_with("error: ") && l.contains(&want)), "{want}\n{err}");
    }
    assert!(!out.exists());
}

/// Read every cell of an XLSX sheet as text (the export writes text cells).
fn read_cells(path: &Path, sheet: &str) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    let range = book.worksheet_range(sheet).unwrap();
    range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

/// MSEL export -> edit one cell -> import gives the edited scenario and nothing else changed.
#[test]
fn msel_round_trip_changes_only_the_edited_cell() {
    let dir = tempfile::tempdir().unwrap();
    let x = dir.path().join("msel.xlsx");
    let (code, _, err) = downtime(&["export", "chipsoft-2026", "-o", s(&x)]);
    assert_eq!(code, 0, "{err}");
    let original = scenario::load("chipsoft-2026").unwrap();
    let mut cells = read_cells(&x, "MSEL");
    assert_eq!(cells[0][..6], ["Date", "Time", "Inject", "Target", "Title", "Text"]);
    assert_eq!(cells.len(), original.timeline.len() + 1);
    // Unedited: the same scenario.
    let same = dir.path().join("same.ron");
    let (code, _, err) = downtime(&["import", "--msel", s(&x), "--into", "chipsoft-2026", "-o", s(&same)]);
    assert_eq!(code, 0, "{err}");
    let back = scenario::from_str(&std::fs::read_to_string(&same).unwrap(), "same.ron").unwrap();
    assert_eq!(format!("{back:?}"), format!("{original:?}"));
    // Edit the text of the third inject, and the time of the fifth.
    cells[3][5] = "Edited in the spreadsheet.".to_string();
    cells[5][1] = "22:00".to_string();
    let edited = dir.path().join("edited.xlsx");
    workbook(&edited, &[("MSEL", cells)], false);
    let out = dir.path().join("edited.ron");
    let (code, _, err) = downtime(&["import", "--msel", s(&edited), "--into", "chipsoft-2026", "-o", s(&out)]);
    assert_eq!(code, 0, "{err}");
    let imported = scenario::from_str(&std::fs::read_to_string(&out).unwrap(), "edited.ron").unwrap();
    let mut expected = original.clone();
    expected.timeline[2].text = "Edited in the spreadsheet.".to_string();
    expected.timeline[4].hour = 22;
    assert_ne!(format!("{expected:?}"), format!("{original:?}"));
    assert_eq!(format!("{imported:?}"), format!("{expected:?}"));
    // The CSV export reads back the same.
    let c = dir.path().join("msel.csv");
    assert_eq!(downtime(&["export", "chipsoft-2026", "-o", s(&c)]).0, 0);
    let from_csv = dir.path().join("csv.ron");
    let (code, _, err) = downtime(&["import", "--msel", s(&c), "--into", "chipsoft-2026", "-o", s(&from_csv)]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read_to_string(&from_csv).unwrap(), std::fs::read_to_string(&same).unwrap());
}

/// Providers and services sheets with bad cells, and files that are not spreadsheets: exit 2,
/// every problem positioned, nothing written.
#[test]
fn bad_provider_sheets_and_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("providers.csv");
    let sv = dir.path().join("services.csv");
    std::fs::write(&p, "Provider,Kind,Patients,Vendor\nours,Hospitl,250000,our-vendor\ntheirs,Hospital,lots,nobody\n")
        .unwrap();
    std::fs::write(
        &sv,
        "Provider,Service,Visits per day,Clinical staff per shift\nours,emergency,-3,4\nelse,emergency,1,1\n",
    )
    .unwrap();
    let out = dir.path().join("out.ron");
    let (code, _, err) = downtime(&["import", "--providers", s(&p), "--services", s(&sv), "-o", s(&out)]);
    assert_eq!(code, 2, "{err}");
    for want in [
        format!("{}:Providers:2:B (Kind): `Hospitl` is not a provider kind", s(&p)),
        format!("{}:Providers:3:C (Patients):", s(&p)),
        format!("{}:Services:3:A (Provider): no provider `else`", s(&sv)),
    ] {
        assert!(err.contains(&want), "{want}\n{err}");
    }
    assert!(!out.exists());
    // Not a workbook, though named like one; a missing sheet.
    let fake = dir.path().join("fake.xlsx");
    std::fs::write(&fake, "Date,Time\n").unwrap();
    let (code, _, err) = downtime(&["import", "--msel", s(&fake), "--into", "chipsoft-2026", "-o", s(&out)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not an XLSX workbook"), "{err}");
    let book = dir.path().join("book.xlsx");
    workbook(&book, &[("Other", rows(&["a|b"]))], false);
    let (code, _, err) = downtime(&["import", "--msel", s(&book), "--into", "chipsoft-2026", "-o", s(&out)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no sheet named MSEL"), "{err}");
    // Too large.
    let big = dir.path().join("big.csv");
    std::fs::write(&big, vec![b'a'; (16 << 20) + 1]).unwrap();
    let (code, _, err) = downtime(&["import", "--msel", s(&big), "--into", "chipsoft-2026", "-o", s(&out)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bytes"), "{err}");
}

/// Every built-in and template survives export and import unchanged (every inject kind, random
/// delays, decisions with their options, teams and questions).
#[test]
fn every_timeline_round_trips() {
    use downtime::spreadsheet::{Cell, Table, msel};
    let mut all: Vec<(String, String)> = scenario::builtin::names()
        .iter()
        .map(|n| (n.to_string(), scenario::builtin::get(n).unwrap().to_string()))
        .collect();
    all.extend(scenario::templates::TEMPLATES.iter().map(|(n, _, t)| (n.to_string(), t.to_string())));
    for (name, text) in all {
        let mut rows = msel::rows(&text, &name).unwrap();
        let headers = rows.remove(0);
        let table = Table {
            file: "m.csv".into(),
            sheet: "MSEL".into(),
            headers,
            rows: rows
                .into_iter()
                .map(|r| r.into_iter().map(|c| if c.is_empty() { Cell::Empty } else { Cell::Text(c) }).collect())
                .collect(),
        };
        let merged = msel::merge(&text, &name, &table).unwrap_or_else(|e| panic!("{name}: {e}"));
        let a = scenario::from_str(&text, &name).unwrap();
        let b = scenario::from_str(&merged, &name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(format!("{b:?}"), format!("{a:?}"), "{name}");
    }
}
