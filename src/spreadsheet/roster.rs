//! The Providers and Services sheets: a planner's own organisation, one row per provider and
//! one row per service, in the units of their rosters and activity figures (visits per day,
//! staff per shift, waits in hours), merged into a base scenario (a template, a built-in or a
//! file) that supplies the vendors, platforms, neighbours and timeline.
//!
//! Each provider of the sheet gets a profile of its own (id = the provider's id) whose
//! figures are for its own size (`reference_patients`). A provider whose id is in the base
//! replaces it; the others are added. The continuity plan, sensitivity and sick leave are
//! copied from a base profile (the `Plan like` column, else the replaced provider's profile,
//! else the first of the same kind), and so is every field of a service of the same name that
//! the sheet leaves empty or has no column for (referrals, dependencies, bookings...).
//! The columns are listed in [`PROVIDER_COLUMNS`] and [`SERVICE_COLUMNS`] and documented in
//! docs/spreadsheets.md.

use std::collections::BTreeMap;

use super::span::{offset, ron_string, value_end};
use super::{Cell, CellError, SheetError, Table};
use crate::scenario::locate::Locations;
use crate::scenario::raw::RawScenario;

/// The Providers sheet's columns.
pub const PROVIDER_COLUMNS: [&str; 9] =
    ["Provider", "Kind", "Patients", "Vendor", "Hosting", "Region", "Latitude", "Longitude", "Plan like"];
/// The Services sheet's columns.
pub const SERVICE_COLUMNS: [&str; 17] = [
    "Provider",
    "Service",
    "Visits per day",
    "Open from",
    "Open to",
    "Open days",
    "Urgent share",
    "Urgent max wait (hours)",
    "Soon share",
    "Soon max wait (hours)",
    "Elective share",
    "Elective max wait (hours)",
    "Clinical minutes per case",
    "Admin minutes per case",
    "Clinical staff per shift",
    "Admin staff per shift",
    "Needs",
];

const KINDS: [&str; 9] = [
    "Hospital",
    "EyeHospital",
    "GpPractice",
    "Pharmacy",
    "Rehabilitation",
    "MentalHealth",
    "ForensicCare",
    "Lab",
    "Other",
];
const HOSTINGS: [&str; 3] = ["SelfHosted", "VendorCloud", "ThirdParty"];
const FUNCTIONS: [&str; 7] =
    ["RecordAccess", "OnlineBooking", "RecordView", "Exchange", "EPrescription", "LabOrders", "MobileAccess"];
/// Fields of a service that the sheet can set, and the older forms they replace.
const SHEET_FIELDS: [&str; 11] = [
    "name",
    "demand",
    "demand_per_1000",
    "hours",
    "days",
    "clinical_minutes",
    "admin_minutes",
    "clinical_staff",
    "clinical_staff_per_1000",
    "admin_staff",
    "admin_staff_per_1000",
];
/// Every other field of a service, copied from the base service of the same name.
const OTHER_FIELDS: [&str; 11] = [
    "urgency",
    "needs",
    "referrals",
    "booking",
    "fallback_throughput",
    "fallback_cases_per_hour",
    "ambulance_share",
    "walkout_share",
    "choice",
    "depends_on",
    "admin_minutes",
];

/// The spelling in `list` that `s` names (case, spaces and `-`/`_` ignored).
fn one_of(s: &str, list: &[&'static str]) -> Option<&'static str> {
    let norm = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase();
    list.iter().copied().find(|k| norm(k) == norm(s))
}

struct Source<'a> {
    text: &'a str,
    loc: Locations,
}

impl Source<'_> {
    /// The source text of the value at `path`, if written there.
    fn value(&self, path: &str, parent: &str) -> Option<&str> {
        let at = self.loc.at(path);
        if at == self.loc.at(parent) {
            return None;
        }
        let start = offset(self.text, at.0, at.1)?;
        Some(&self.text[start..value_end(self.text, start)])
    }

    /// The byte span of the value at `path` (which must be written).
    fn span(&self, path: &str) -> Option<(usize, usize)> {
        let (l, c) = self.loc.at(path);
        let start = offset(self.text, l, c)?;
        Some((start, value_end(self.text, start)))
    }
}

/// A provider row, checked.
struct ProviderRow {
    id: String,
    kind: String,
    patients: u64,
    vendor: String,
    hosting: Option<&'static str>,
    region: Option<String>,
    location: Option<(f64, f64)>,
    plan_like: Option<String>,
}

/// Merge the Providers (and Services) sheets into the base scenario `text`; every bad cell is
/// reported at once. `text` must be a valid scenario.
pub fn merge(text: &str, file: &str, providers: &Table, services: &Table) -> Result<String, crate::Error> {
    crate::scenario::from_str(text, file)?;
    let raw: RawScenario = crate::scenario::parse_raw(text, file)?;
    let src = Source { text, loc: Locations::index(text) };
    let mut bad: Vec<CellError> = Vec::new();

    let need = |t: &Table, names: &[&str], bad: &mut Vec<CellError>| -> Option<usize> {
        let c = t.column(names);
        if c.is_none() {
            bad.push(CellError {
                file: t.file.clone(),
                sheet: t.sheet.clone(),
                row: 1,
                column: t.headers.len(),
                header: String::new(),
                message: format!("no `{}` column", names[0]),
            });
        }
        c
    };
    let p_id = need(providers, &["Provider", "Id"], &mut bad);
    let p_patients = need(providers, &["Patients", "Patients on record"], &mut bad);
    let s_provider = need(services, &["Provider"], &mut bad);
    let s_name = need(services, &["Service"], &mut bad);
    let (Some(p_id), Some(p_patients), Some(s_provider), Some(s_name)) = (p_id, p_patients, s_provider, s_name) else {
        return Err(SheetError::Cells(bad).into());
    };
    let pc = |n: &str| providers.column(&[n]);

    // Providers.
    let mut rows: Vec<ProviderRow> = Vec::new();
    let mut seen = BTreeMap::new();
    for (i, row) in providers.rows.iter().enumerate() {
        if row.iter().all(Cell::is_empty) {
            continue;
        }
        let id = row[p_id].text();
        if id.is_empty() {
            bad.push(providers.error(i, p_id, "no provider id; give a short name such as our-hospital"));
            continue;
        }
        if seen.insert(id.clone(), i).is_some() {
            bad.push(providers.error(i, p_id, format!("the provider `{id}` is listed twice")));
        }
        let base = raw.providers.iter().position(|p| p.id == id);
        let base_profile = base.and_then(|k| raw.profiles.iter().find(|q| q.id == raw.providers[k].profile));
        let kind = match pc("Kind").map(|c| (c, row[c].text())) {
            Some((c, k)) if !k.is_empty() => match one_of(&k, &KINDS) {
                Some(k) => k.to_string(),
                None => {
                    bad.push(providers.error(
                        i,
                        c,
                        format!("`{k}` is not a provider kind; one of {}", KINDS.join(", ")),
                    ));
                    continue;
                }
            },
            _ => match base_profile {
                Some(p) => format!("{:?}", p.kind),
                None => {
                    bad.push(providers.error(
                        i,
                        pc("Kind").unwrap_or(p_id),
                        "no kind; write Hospital, GpPractice, Pharmacy...",
                    ));
                    continue;
                }
            },
        };
        let patients = match row[p_patients].number() {
            Some(n) if n.fract() == 0.0 && (1.0..=50_000_000.0).contains(&n) => n as u64,
            _ => {
                bad.push(providers.error(i, p_patients, "not a number of patients on record (1 to 50,000,000)"));
                continue;
            }
        };
        let vendor = match pc("Vendor").map(|c| (c, row[c].text())) {
            Some((c, v)) if !v.is_empty() => {
                if !raw.vendors.iter().any(|x| x.id == v) {
                    let known: Vec<&str> = raw.vendors.iter().map(|x| x.id.as_str()).collect();
                    bad.push(providers.error(
                        i,
                        c,
                        format!("unknown vendor `{v}`; the base scenario has {}", known.join(", ")),
                    ));
                    continue;
                }
                v
            }
            _ => match base {
                Some(k) => raw.providers[k].vendor.clone(),
                None => {
                    bad.push(providers.error(i, pc("Vendor").unwrap_or(p_id), "no vendor (the id of the EHR vendor)"));
                    continue;
                }
            },
        };
        let hosting = match pc("Hosting").map(|c| (c, row[c].text())) {
            Some((c, h)) if !h.is_empty() => match one_of(&h, &HOSTINGS) {
                Some(h) => Some(h),
                None => {
                    bad.push(providers.error(i, c, format!("`{h}` is not a hosting; one of {}", HOSTINGS.join(", "))));
                    continue;
                }
            },
            _ => None,
        };
        let region = pc("Region").map(|c| row[c].text()).filter(|r| !r.is_empty());
        let location = match (pc("Latitude"), pc("Longitude")) {
            (Some(a), Some(b)) if !row[a].is_empty() || !row[b].is_empty() => {
                match (row[a].number(), row[b].number()) {
                    (Some(lat), Some(lon)) => Some((lat, lon)),
                    _ => {
                        bad.push(providers.error(i, a, "latitude and longitude must both be numbers (degrees)"));
                        continue;
                    }
                }
            }
            _ => None,
        };
        let plan_like = pc("Plan like").map(|c| (c, row[c].text())).filter(|(_, p)| !p.is_empty());
        if let Some((c, p)) = &plan_like
            && !raw.profiles.iter().any(|q| &q.id == p)
        {
            let known: Vec<&str> = raw.profiles.iter().map(|q| q.id.as_str()).collect();
            bad.push(providers.error(
                i,
                *c,
                format!("no profile `{p}` in the base scenario; one of {}", known.join(", ")),
            ));
            continue;
        }
        rows.push(ProviderRow {
            id,
            kind,
            patients,
            vendor,
            hosting,
            region,
            location,
            plan_like: plan_like.map(|(_, p)| p).or_else(|| base_profile.map(|p| p.id.clone())),
        });
    }

    // Services, by provider.
    let sc = |n: &str| services.column(&[n]);
    let mut by_provider: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (i, row) in services.rows.iter().enumerate() {
        if row.iter().all(Cell::is_empty) {
            continue;
        }
        let pid = row[s_provider].text();
        let Some(p) = rows.iter().find(|p| p.id == pid) else {
            bad.push(services.error(i, s_provider, format!("no provider `{pid}` in the Providers sheet")));
            continue;
        };
        let name = row[s_name].text();
        if name.is_empty() {
            bad.push(services.error(i, s_name, "no service name"));
            continue;
        }
        let profile = plan_source(&raw, p);
        let base_service = profile.and_then(|k| raw.profiles[k].services.iter().position(|s| s.name == name));
        let base_path = match (profile, base_service) {
            (Some(k), Some(j)) => Some(format!("profiles[{k}].services[{j}]")),
            _ => None,
        };
        let mut parts = vec![format!("name: {}", ron_string(&name))];
        let mut given: Vec<&str> = vec!["name"];
        let number = |c: Option<usize>, what: &str, lo: f64, hi: f64, bad: &mut Vec<CellError>| -> Option<f64> {
            let c = c?;
            if row[c].is_empty() {
                return None;
            }
            match row[c].number() {
                Some(n) if n >= lo && n <= hi => Some(n),
                _ => {
                    bad.push(services.error(i, c, format!("{what} must be a number from {lo} to {hi}")));
                    None
                }
            }
        };
        let visits = number(sc("Visits per day"), "visits per day", 0.0, 1.0e7, &mut bad);
        if let Some(v) = visits {
            parts.push(format!("demand: PerDay({v})"));
            given.extend(["demand", "demand_per_1000"]);
        }
        let from = number(sc("Open from"), "the opening hour", 0.0, 23.0, &mut bad);
        let to = number(sc("Open to"), "the closing hour", 1.0, 24.0, &mut bad);
        if let (Some(f), Some(t)) = (from, to) {
            parts.push(format!("hours: ({}, {})", f as u32, t as u32));
            given.push("hours");
        }
        if let Some(c) = sc("Open days")
            && !row[c].is_empty()
        {
            let d = row[c].text();
            match one_of(&d, &["Weekdays", "AllWeek"]) {
                Some(d) => {
                    parts.push(format!("days: {d}"));
                    given.push("days");
                }
                None => bad.push(services.error(i, c, format!("`{d}` is not Weekdays or All week"))),
            }
        }
        let classes = ["Urgent", "Soon", "Elective"].map(|k| {
            (
                number(sc(&format!("{k} share")), "a share", 0.0, 1.0, &mut bad),
                number(sc(&format!("{k} max wait (hours)")), "a wait in hours", 0.01, 8760.0, &mut bad),
            )
        });
        if classes.iter().all(|(s, w)| s.is_some() && w.is_some()) {
            let [u, s, e] =
                classes.map(|(s, w)| format!("(share: {}, max_wait: Hours({}))", s.unwrap_or(0.0), w.unwrap_or(1.0)));
            parts.push(format!("urgency: (urgent: {u}, soon: {s}, elective: {e})"));
            given.push("urgency");
        }
        for (col, field, lo) in
            [("Clinical minutes per case", "clinical_minutes", 0.01), ("Admin minutes per case", "admin_minutes", 0.0)]
        {
            if let Some(v) = number(sc(col), "minutes per case", lo, 100_000.0, &mut bad) {
                parts.push(format!("{field}: {v}"));
                given.push(field);
            }
        }
        for (col, field) in [("Clinical staff per shift", "clinical_staff"), ("Admin staff per shift", "admin_staff")] {
            if let Some(v) = number(sc(col), "staff on duty", 0.0, 1.0e6, &mut bad) {
                parts.push(format!("{field}: PerShift({v})"));
                given.extend([
                    field,
                    if field == "clinical_staff" { "clinical_staff_per_1000" } else { "admin_staff_per_1000" },
                ]);
            }
        }
        if let Some(c) = sc("Needs")
            && !row[c].is_empty()
        {
            let mut list = Vec::new();
            for f in row[c].text().split([',', ';']).map(str::trim).filter(|f| !f.is_empty()) {
                match one_of(f, &FUNCTIONS) {
                    Some(f) => list.push(f),
                    None => {
                        bad.push(services.error(i, c, format!("`{f}` is not a function; use {}", FUNCTIONS.join(", "))))
                    }
                }
            }
            parts.push(format!("needs: [{}]", list.join(", ")));
            given.push("needs");
        }
        // The rest from the base service of the same name.
        if let Some(bp) = &base_path {
            for field in SHEET_FIELDS.iter().chain(OTHER_FIELDS.iter()) {
                if given.contains(field) || parts.iter().any(|p| p.starts_with(&format!("{field}:"))) {
                    continue;
                }
                if let Some(v) = src.value(&format!("{bp}.{field}"), bp) {
                    parts.push(format!("{field}: {v}"));
                }
            }
        }
        // What a new service cannot do without.
        for (field, col) in [
            ("demand", "Visits per day"),
            ("urgency", "Urgent share"),
            ("clinical_minutes", "Clinical minutes per case"),
            ("clinical_staff", "Clinical staff per shift"),
        ] {
            let has = parts
                .iter()
                .any(|p| p.starts_with(&format!("{field}:")) || p.starts_with(&format!("{field}_per_1000:")));
            if !has {
                let c = sc(col).unwrap_or(s_name);
                bad.push(services.error(
                    i,
                    c,
                    format!("`{col}` is needed (no service `{name}` in the base profile to take it from)"),
                ));
            }
        }
        let body = parts.join(",\n                    ");
        by_provider
            .entry(pid)
            .or_default()
            .push(format!("                Service(\n                    {body},\n                ),\n"));
    }
    for (k, p) in rows.iter().enumerate() {
        if !by_provider.contains_key(&p.id) {
            bad.push(providers.error(
                seen[&p.id],
                p_id,
                format!("provider `{}` has no row in the Services sheet", rows[k].id),
            ));
        }
    }
    if !bad.is_empty() {
        return Err(SheetError::Cells(bad).into());
    }

    // The edits: new profiles and providers at the head of their lists, replaced ones removed.
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut profiles_text = String::new();
    let mut providers_text = String::new();
    for p in &rows {
        let mut prof = format!(
            "        // Imported from the providers and services sheets; figures for {} patients.\n        Profile(\n            id: {},\n            kind: {},\n            reference_patients: {},\n            services: [\n{}            ],\n",
            p.patients,
            ron_string(&p.id),
            p.kind,
            p.patients,
            by_provider[&p.id].concat()
        );
        if let Some(k) = plan_source(&raw, p) {
            let base = format!("profiles[{k}]");
            for field in ["plan", "sensitivity", "sick_leave"] {
                if let Some(v) = src.value(&format!("{base}.{field}"), &base) {
                    prof.push_str(&format!("            {field}: {v},\n"));
                }
            }
        }
        prof.push_str("        ),\n");
        profiles_text.push_str(&prof);
        let mut line = format!(
            "        Provider(id: {}, profile: {}, patients: {}, vendor: {}",
            ron_string(&p.id),
            ron_string(&p.id),
            p.patients,
            ron_string(&p.vendor)
        );
        if let Some(h) = p.hosting {
            line.push_str(&format!(", hosting: {h}"));
        }
        if let Some(r) = &p.region {
            line.push_str(&format!(", region: {}", ron_string(r)));
        }
        if let Some((a, b)) = p.location {
            line.push_str(&format!(", location: ({a}, {b})"));
        }
        if let Some(k) = raw.providers.iter().position(|q| q.id == p.id) {
            if raw.providers[k].report {
                line.push_str(", report: true");
            }
            if let Some(span) = src.span(&format!("providers[{k}]")) {
                edits.push(remove_item(text, span));
            }
        }
        line.push_str("),\n");
        providers_text.push_str(&line);
        if let Some(k) = raw.profiles.iter().position(|q| q.id == p.id)
            && let Some(span) = src.span(&format!("profiles[{k}]"))
        {
            edits.push(remove_item(text, span));
        }
    }
    let after_open = |path: &str| src.span(path).map(|(s, _)| s + 1);
    let Some(profiles_at) = after_open("profiles") else {
        return Err(crate::Error::Usage(format!("{file}: the base scenario has no profiles list")));
    };
    edits.push((profiles_at, profiles_at, format!("\n{profiles_text}")));
    let has_providers = src.value("providers", "").is_some();
    if has_providers && let Some(at) = after_open("providers") {
        edits.push((at, at, format!("\n{providers_text}")));
    }
    edits.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    let mut out = text.to_string();
    for (s, e, r) in edits {
        out.replace_range(s..e, &r);
    }
    if !has_providers {
        out = super::msel::replace_field(&out, "providers", &format!("[\n{providers_text}    ]"));
    }
    Ok(out)
}

/// The base profile a sheet provider takes its plan and unlisted service fields from.
fn plan_source(raw: &RawScenario, p: &ProviderRow) -> Option<usize> {
    match &p.plan_like {
        Some(id) => raw.profiles.iter().position(|q| &q.id == id),
        None => raw.profiles.iter().position(|q| format!("{:?}", q.kind) == p.kind),
    }
}

/// The edit that removes a list item at `span`, with its comma and the rest of its line.
fn remove_item(text: &str, (start, end): (usize, usize)) -> (usize, usize, String) {
    let b = text.as_bytes();
    let mut e = end;
    while e < b.len() && (b[e] == b' ' || b[e] == b'\t') {
        e += 1;
    }
    if e < b.len() && b[e] == b',' {
        e += 1;
    }
    // Start of the line if only white space is before the item.
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let s = if text[line_start..start].trim().is_empty() { line_start } else { start };
    // The rest of the line if it is only white space or a comment.
    let line_end = text[e..].find('\n').map_or(text.len(), |i| e + i + 1);
    let rest = text[e..line_end].trim();
    let e = if rest.is_empty() || rest.starts_with("//") { line_end } else { e };
    (s, e, String::new())
}
