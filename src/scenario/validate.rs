//! Stage two of loading: check every meaning of a [`RawScenario`] and build a [`Scenario`].
//!
//! All problems are collected, not just the first, each at the position of the offending value.
//! Limits on counts and sizes keep memory bounded whatever the input.

use std::collections::BTreeMap;

use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, LogNormal};

use super::locate::Locations;
use super::observed::Observed;
use super::raw::*;
use super::{
    Aftermath, AmbulanceDiversionSpec, CancellationSpec, Date, DependencySpec, DutySpec, Effect, Event, Inject, Plan,
    Platform, Profile, ProviderSpec, ReferralSpec, Regime, Scenario, ServiceSpec, Surge, Vendor,
};
use crate::error::{Problem, ScenarioError};
use crate::model::{DEFAULT_FALLBACK, Function, FunctionSet, Hosting, Source};

/// Most providers a scenario may have (written plus generated).
pub const MAX_PROVIDERS: u64 = 100_000;
/// Most services per profile.
pub const MAX_SERVICES: usize = 16;
/// Longest horizon in days.
pub const MAX_DAYS: u32 = 3650;
/// Most injects on a timeline.
pub const MAX_INJECTS: usize = 10_000;
/// Most entries in any other list (vendors, platforms, profiles, regions, groups).
pub const MAX_LIST: usize = 10_000;
/// Most patients on record of one provider.
pub const MAX_PATIENTS: u64 = 50_000_000;
/// Most cases one service of one provider may demand over the horizon (bounds queue counters).
pub const MAX_SERVICE_CASES: f64 = 1.0e9;
/// Longest identifier or name (vendor, platform, profile, service, provider, group, region,
/// decision and option ids), in characters; group ids are copied into every generated id.
pub const MAX_ID_CHARS: usize = 100;
/// Longest title, description, question, label or text read to the room, in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;
/// Most options of one decision point.
pub const MAX_OPTIONS: usize = 26;
/// Most options of all decision points together (each other option costs the exercise one
/// counterfactual run).
pub const MAX_DECISION_OPTIONS: usize = 300;
/// Most services of all providers together (providers times their profiles' services).
pub const MAX_SERVICE_INSTANCES: u64 = 400_000;
/// Most service-ticks of a run (services of all providers times ticks in the horizon): bounds
/// the time a run takes.
pub const MAX_SERVICE_TICKS: f64 = 5.0e9;
/// Most provider entries the timeline's targets (exfiltration scopes, decision effects) may
/// resolve to, all together: bounds the memory they take.
pub const MAX_TARGETS: u64 = 20_000_000;

/// Parse and validate scenario text; `file` names it in errors. Syntax problems the parser
/// recovers from ([`super::syntax`]) are reported together with the meaning problems.
pub fn from_str(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    let (raw, syntax): (RawScenario, _) = super::syntax::parse(text, file)?;
    let mut v = Validator { loc: Locations::index(text), problems: Vec::new(), profile_services: Vec::new() };
    let scenario = v.scenario(raw);
    if v.problems.is_empty() && syntax.is_empty() {
        Ok(scenario)
    } else {
        // One problem per place: a repaired syntax problem may leave a meaning problem there too.
        v.problems.retain(|p| !syntax.iter().any(|s| (s.line, s.column) == (p.line, p.column)));
        v.problems.extend(syntax);
        v.problems.sort_by_key(|p| (p.line, p.column));
        Err(ScenarioError { file: file.to_string(), problems: v.problems })
    }
}

/// Parse scenario text into its raw form only; `file` names it in errors. With [`from_raw`],
/// callers (policy sweeps) can change a [`RawScenario`] before validating it.
pub fn parse_raw(text: &str, file: &str) -> Result<RawScenario, ScenarioError> {
    match super::syntax::parse(text, file)? {
        (raw, syntax) if syntax.is_empty() => Ok(raw),
        (_, syntax) => Err(ScenarioError { file: file.to_string(), problems: syntax }),
    }
}

/// Validate a (possibly changed) [`RawScenario`]; `text` is the source it was read from, for
/// positions, and `file` names it in errors.
pub fn from_raw(raw: RawScenario, text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    let mut v = Validator { loc: Locations::index(text), problems: Vec::new(), profile_services: Vec::new() };
    let scenario = v.scenario(raw);
    if v.problems.is_empty() {
        Ok(scenario)
    } else {
        v.problems.sort_by_key(|p| (p.line, p.column));
        Err(ScenarioError { file: file.to_string(), problems: v.problems })
    }
}

struct Validator {
    loc: Locations,
    problems: Vec<Problem>,
    /// Service names per profile, for checks of injects that name a service.
    profile_services: Vec<Vec<String>>,
}

impl Validator {
    fn err(&mut self, path: &str, message: impl Into<String>) {
        let (line, column) = self.loc.at(path);
        self.problems.push(Problem::new(line, column, message));
    }

    fn check_range(&mut self, path: &str, what: &str, v: f64, lo: f64, hi: f64) -> f64 {
        if !(v >= lo && v <= hi) {
            self.err(path, format!("{what} is {v}; it must be between {lo} and {hi}"));
            return lo.max(0.0);
        }
        v
    }

    fn ids<'a>(&mut self, section: &str, ids: impl Iterator<Item = &'a str>) -> BTreeMap<String, usize> {
        let mut map = BTreeMap::new();
        for (i, id) in ids.enumerate() {
            let path = format!("{section}[{i}].id");
            if id.is_empty() {
                self.err(&path, "the id is empty; give a short name such as \"chipsoft\"");
            } else if let Some(first) = map.insert(id.to_string(), i) {
                self.err(&path, format!("the id `{id}` is used twice in `{section}`; ids must be unique"));
                let (line, column) = self.loc.at(&format!("{section}[{first}].id"));
                if let Some(p) = self.problems.last_mut() {
                    p.labels.push(crate::error::Label { line, column, message: "first used here".into() });
                }
                map.insert(id.to_string(), first);
            }
        }
        map
    }

    fn lookup(&mut self, path: &str, what: &str, name: &str, map: &BTreeMap<String, usize>) -> Option<usize> {
        if let Some(&i) = map.get(name) {
            return Some(i);
        }
        // Suggestions for the first problems only: thousands of misspellings against thousands
        // of names would take long, and nobody reads that far.
        if self.problems.len() >= 200 {
            self.err(path, format!("unknown {what} `{name}`"));
            return None;
        }
        let known: Vec<&String> = map.keys().collect(); // in order: the map is sorted
        let suggestion = closest(name, known.iter().map(|s| s.as_str()))
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| {
                let list: Vec<String> = known.iter().take(8).map(|s| format!("`{s}`")).collect();
                format!("known: {}", if list.is_empty() { "none".to_string() } else { list.join(", ") })
            });
        self.err(path, format!("unknown {what} `{name}`; {suggestion}"));
        None
    }

    fn shares(&mut self, path: &str, what: &str, values: impl Iterator<Item = f64>) {
        let mut sum = 0.0;
        for v in values {
            if !(0.0..=1.0).contains(&v) {
                self.err(path, format!("a {what} share is {v}; shares must be between 0 and 1"));
                return;
            }
            sum += v;
        }
        if (sum - 1.0).abs() > 1e-6 {
            self.err(path, format!("the {what} shares sum to {sum:.4}; they must sum to 1"));
        }
    }

    fn scenario(&mut self, raw: RawScenario) -> Scenario {
        if raw.id.is_empty()
            || raw.id.len() > 64
            || !raw.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            || raw.id.starts_with('-')
        {
            self.err(
                "id",
                format!("the id `{}` cannot name an output folder; use 1-64 lowercase letters, digits and `-`, such as \"my-hospital\"", raw.id.escape_default()),
            );
        }
        let start = parse_date(&raw.start).unwrap_or_else(|| {
            self.err(
                "start",
                format!(
                    "the start date `{}` is not a date; write it as \"YYYY-MM-DD\", such as \"2026-04-01\"",
                    raw.start.escape_default()
                ),
            );
            Date { year: 2026, month: 1, day: 1 }
        });
        if raw.days == 0 || raw.days > MAX_DAYS {
            self.err("days", format!("the horizon is {} days; it must be 1 to {MAX_DAYS}", raw.days));
        }
        if ![1, 2, 3, 4, 6, 8, 12, 24].contains(&raw.tick_hours) {
            self.err(
                "tick_hours",
                format!("a tick of {} hours does not divide the day; use 1, 2, 3, 4, 6, 8, 12 or 24", raw.tick_hours),
            );
        }
        let days = raw.days.clamp(1, MAX_DAYS);

        for (name, len) in [
            ("regions", raw.regions.len()),
            ("vendors", raw.vendors.len()),
            ("platforms", raw.platforms.len()),
            ("profiles", raw.profiles.len()),
            ("providers", raw.providers.len()),
            ("groups", raw.groups.len()),
        ] {
            if len > MAX_LIST {
                self.err(name, format!("{len} entries; at most {MAX_LIST} are allowed"));
                return empty(raw, start, days);
            }
        }

        if !self.lengths(&raw) {
            return empty(raw, start, days);
        }

        let regions = if raw.regions.is_empty() { vec!["all".to_string()] } else { raw.regions.clone() };
        let region_ids = {
            let mut m = BTreeMap::new();
            for (i, r) in regions.iter().enumerate() {
                if m.insert(r.clone(), i).is_some() {
                    self.err(&format!("regions[{i}]"), format!("the region `{r}` is listed twice"));
                }
            }
            m
        };

        if raw.vendors.is_empty() {
            self.err("vendors", "no vendors; a scenario needs at least one, such as Vendor(id: \"chipsoft\")");
        }
        let vendor_ids = self.ids("vendors", raw.vendors.iter().map(|v| v.id.as_str()));
        let vendors: Vec<Vendor> = raw
            .vendors
            .iter()
            .map(|v| Vendor { id: v.id.clone(), name: v.name.clone().unwrap_or_else(|| v.id.clone()) })
            .collect();

        let platform_ids = self.ids("platforms", raw.platforms.iter().map(|p| p.id.as_str()));
        let mut platforms = Vec::new();
        for (i, p) in raw.platforms.iter().enumerate() {
            let vendor = self.lookup(&format!("platforms[{i}].vendor"), "vendor", &p.vendor, &vendor_ids).unwrap_or(0);
            if p.functions.is_empty() {
                self.err(
                    &format!("platforms[{i}].functions"),
                    "a platform must provide at least one function, such as [OnlineBooking]",
                );
            }
            platforms.push(Platform {
                id: p.id.clone(),
                name: p.name.clone().unwrap_or_else(|| p.id.clone()),
                vendor,
                kind: p.kind,
                functions: FunctionSet::of(&p.functions),
            });
        }
        for (i, p) in platforms.iter().enumerate() {
            if p.kind == PlatformKind::Cloud
                && platforms[..i].iter().any(|q| q.kind == PlatformKind::Cloud && q.vendor == p.vendor)
            {
                self.err(
                    &format!("platforms[{i}].kind"),
                    format!(
                        "vendor `{}` already has a Cloud platform; one per vendor",
                        vendors.get(p.vendor).map_or("", |v| &v.id)
                    ),
                );
            }
        }

        if raw.profiles.is_empty() {
            self.err("profiles", "no profiles; providers need a profile describing their services");
        }
        let profile_ids = self.ids("profiles", raw.profiles.iter().map(|p| p.id.as_str()));
        let profiles: Vec<Profile> = raw
            .profiles
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let reference = self.reference_patients(i, p, &raw);
                self.profile(i, p, reference)
            })
            .collect();
        self.profile_services = profiles.iter().map(|p| p.services.iter().map(|s| s.name.clone()).collect()).collect();

        // Providers written out, then groups.
        let mut providers = Vec::new();
        let mut provider_ids: BTreeMap<String, usize> = BTreeMap::new();
        let mut total: u64 = raw.providers.len() as u64;
        for (g, group) in raw.groups.iter().enumerate() {
            if group.count == 0 || u64::from(group.count) > MAX_PROVIDERS {
                self.err(
                    &format!("groups[{g}].count"),
                    format!("the count is {}; it must be 1 to {MAX_PROVIDERS}", group.count),
                );
            }
            total += u64::from(group.count.min(MAX_PROVIDERS as u32));
        }
        if total > MAX_PROVIDERS {
            self.err("groups", format!("the scenario has {total} providers; at most {MAX_PROVIDERS} are allowed"));
            return empty(raw, start, days);
        }

        for (i, p) in raw.providers.iter().enumerate() {
            let path = format!("providers[{i}]");
            if p.id.is_empty() {
                self.err(&format!("{path}.id"), "the id is empty");
            }
            if provider_ids.insert(p.id.clone(), providers.len()).is_some() {
                self.err(&format!("{path}.id"), format!("the provider id `{}` is used twice", p.id));
            }
            let profile = self.lookup(&format!("{path}.profile"), "profile", &p.profile, &profile_ids);
            let vendor = self.lookup(&format!("{path}.vendor"), "vendor", &p.vendor, &vendor_ids);
            let region = match &p.region {
                Some(r) => self.lookup(&format!("{path}.region"), "region", r, &region_ids).unwrap_or(0),
                None => 0,
            };
            if p.patients == 0 || p.patients > MAX_PATIENTS {
                self.err(
                    &format!("{path}.patients"),
                    format!("{} patients; it must be 1 to {MAX_PATIENTS}", p.patients),
                );
            }
            let hosting = p.hosting.unwrap_or_default();
            let (Some(profile), Some(vendor)) = (profile, vendor) else { continue };
            let used = match &p.platforms {
                Some(list) => list
                    .iter()
                    .enumerate()
                    .filter_map(|(j, name)| {
                        self.lookup(&format!("{path}.platforms[{j}]"), "platform", name, &platform_ids)
                    })
                    .collect(),
                None => default_platforms(&platforms, vendor, hosting),
            };
            let sources = self.sources(&format!("{path}.hosting"), &platforms, &used, vendor, hosting, &vendors);
            let prof = &profiles[profile];
            let location = p.location.and_then(|(lat, lon)| {
                if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) {
                    Some((lat, lon))
                } else {
                    self.err(&format!("{path}.location"), format!("({lat}, {lon}) is not a place; write (latitude, longitude) in degrees, latitude -90 to 90, longitude -180 to 180"));
                    None
                }
            });
            providers.push(ProviderSpec {
                id: p.id.clone(),
                profile,
                kind: prof.kind,
                region,
                patients: p.patients.clamp(1, MAX_PATIENTS),
                vendor,
                hosting,
                sources,
                high_sensitivity: prof.high_sensitivity,
                location,
                report: p.report,
                affected: false,
            });
        }

        let mut population = rand::rngs::ChaCha8Rng::seed_from_u64(raw.seed ^ 0x05ee_d9e0_u64);
        for (g, group) in raw.groups.iter().enumerate() {
            self.group(
                g,
                group,
                &mut population,
                &profile_ids,
                &vendor_ids,
                &region_ids,
                &platforms,
                &vendors,
                &profiles,
                &mut providers,
                &mut provider_ids,
            );
        }
        let mut profiles = profiles;
        self.dependencies(&raw, &mut profiles, &provider_ids, &providers);
        self.demand_bounds(&profiles, &providers, days);
        if !self.work_bounds(&raw, &profiles, &providers, days) {
            return empty(raw, start, days);
        }
        if providers.is_empty() && self.problems.is_empty() {
            self.err("providers", "the scenario has no providers; add `providers` or `groups`");
        }

        // Timeline.
        if raw.timeline.len() > MAX_INJECTS {
            self.err("timeline", format!("{} injects; at most {MAX_INJECTS} are allowed", raw.timeline.len()));
            return empty(raw, start, days);
        }
        let mut timeline = Vec::new();
        for (i, inj) in raw.timeline.iter().enumerate() {
            let path = format!("timeline[{i}]");
            if inj.day >= days {
                self.err(
                    &format!("{path}.day"),
                    format!("day {} is past the horizon of {days} days; use 0 to {}", inj.day, days - 1),
                );
            }
            if inj.hour > 23 {
                self.err(&format!("{path}.hour"), format!("hour {} does not exist; use 0 to 23", inj.hour));
            }
            if let Some(d) = &inj.delay {
                self.delay(&format!("{path}.delay"), d);
            }
            let event =
                self.event(&format!("{path}.event"), &inj.event, &vendor_ids, &platform_ids, &provider_ids, &providers);
            let title = inj.title.clone().unwrap_or_else(|| default_title(&event, &vendors, &platforms));
            timeline.push(Inject {
                day: inj.day.min(days - 1),
                hour: inj.hour.min(23),
                delay: inj.delay.clone(),
                event,
                title,
                text: inj.text.clone(),
                questions: inj.questions.clone(),
                teams: inj.teams.clone(),
            });
        }
        self.timeline_order(&timeline);
        self.restores_never_lower(&timeline);
        self.question_after(&timeline);
        self.referral_targets(&profiles);
        mark_affected(&mut providers, &timeline);
        let aftermath = self.aftermath(&raw.aftermath);
        let regime = match &raw.notification {
            Some(r) => self.regime(r),
            None => Regime::eu(&aftermath),
        };
        let observed = self.observed(&raw.observed, &profiles, &vendor_ids);
        let (evaluation, problems) = super::evaluation::check(raw.evaluation.as_ref());
        for (path, message) in problems {
            self.err(&path, message);
        }

        Scenario {
            id: raw.id,
            title: raw.title,
            description: raw.description,
            start,
            days,
            tick_hours: raw.tick_hours,
            seed: raw.seed,
            regions,
            vendors,
            platforms,
            profiles,
            providers,
            timeline,
            evaluation,
            aftermath,
            regime,
            observed,
        }
    }

    fn regime(&mut self, r: &RawRegime) -> Regime {
        if r.duties.len() > 16 {
            self.err("notification.duties", format!("{} duties; at most 16 are allowed", r.duties.len()));
        }
        let duties = r
            .duties
            .iter()
            .take(16)
            .enumerate()
            .map(|(i, d)| {
                let p = format!("notification.duties[{i}]");
                if d.name.is_empty() || d.name.chars().count() > MAX_ID_CHARS * 2 {
                    self.err(&format!("{p}.name"), "give the duty a name of 1 to 200 characters");
                }
                if let super::raw::DutyScope::VendorCustomers(kinds) = &d.applies_to
                    && kinds.is_empty()
                {
                    self.err(
                        &format!("{p}.applies_to"),
                        "name at least one provider kind, such as VendorCustomers([Hospital])",
                    );
                }
                DutySpec {
                    name: d.name.clone(),
                    trigger: d.trigger,
                    applies_to: d.applies_to.clone(),
                    hours: self.check_range(&format!("{p}.hours"), "the deadline in hours", d.hours, 0.0, 8760.0),
                    minutes: self.check_range(&format!("{p}.minutes"), "the duty's minutes", d.minutes, 0.0, 100_000.0),
                }
            })
            .collect();
        Regime { name: r.name.clone(), duties }
    }

    fn observed(
        &mut self,
        list: &[RawObserved],
        profiles: &[Profile],
        vendor_ids: &BTreeMap<String, usize>,
    ) -> Vec<Observed> {
        if list.len() > 200 {
            self.err("observed", format!("{} observations; at most 200 are allowed", list.len()));
            return Vec::new();
        }
        let mut out = Vec::new();
        for (i, o) in list.iter().enumerate() {
            let p = format!("observed[{i}]");
            if let Some(name) = &o.service {
                let exists = profiles
                    .iter()
                    .filter(|q| o.kind.is_none_or(|k| q.kind == k))
                    .any(|q| q.services.iter().any(|s| &s.name == name));
                if !exists {
                    let names: Vec<&str> = profiles
                        .iter()
                        .filter(|q| o.kind.is_none_or(|k| q.kind == k))
                        .flat_map(|q| q.services.iter().map(|s| s.name.as_str()))
                        .collect();
                    let hint = closest(name, names.iter().copied())
                        .map_or_else(|| format!("services: {}", names.join(", ")), |n| format!("did you mean `{n}`?"));
                    self.err(
                        &format!("{p}.service"),
                        format!("no provider of that kind has a service `{name}`; {hint}"),
                    );
                }
            }
            let (from, to) = o.window;
            if from > to || from < -3650 || to > 3650 {
                self.err(&format!("{p}.window"), format!("the window ({from}, {to}) is empty or too long; write (from, to) in days from the compromise with from <= to"));
            }
            let (low, high) = match o.value {
                ObservedValue::Value(v) => (v, v),
                ObservedValue::Range(a, b) => (a.min(b), a.max(b)),
            };
            if !low.is_finite() || !high.is_finite() {
                self.err(&format!("{p}.value"), "the value must be a finite number");
            }
            for (field, text) in [("name", &o.name), ("source", &o.source)] {
                if text.trim().is_empty() {
                    self.err(&format!("{p}.{field}"), format!("the {field} is empty; every observation needs one"));
                } else if text.chars().count() > MAX_TEXT_CHARS {
                    self.err(&format!("{p}.{field}"), format!("at most {MAX_TEXT_CHARS} characters"));
                }
            }
            let band = self.check_range(&format!("{p}.band"), "the band", o.band, 0.0, 10.0);
            out.push(Observed {
                name: o.name.clone(),
                measure: o.measure,
                kind: o.kind,
                service: o.service.clone(),
                class: o.class.map(class_index),
                providers: o.providers,
                vendor: o.vendor.as_ref().and_then(|v| self.lookup(&format!("{p}.vendor"), "vendor", v, vendor_ids)),
                window: (from, to),
                low,
                high,
                band,
                source: o.source.clone(),
            });
        }
        out
    }

    /// Resolve each service's dependencies: the supplier service must exist, a named supplier
    /// must be of the kind and have the service.
    fn dependencies(
        &mut self,
        raw: &RawScenario,
        profiles: &mut [Profile],
        provider_ids: &BTreeMap<String, usize>,
        providers: &[ProviderSpec],
    ) {
        let kinds: Vec<ProviderKind> = profiles.iter().map(|p| p.kind).collect();
        let service_names: Vec<Vec<String>> =
            profiles.iter().map(|p| p.services.iter().map(|s| s.name.clone()).collect()).collect();
        for (i, rp) in raw.profiles.iter().enumerate() {
            for (j, rs) in rp.services.iter().enumerate().take(MAX_SERVICES) {
                let mut deps = Vec::new();
                if rs.depends_on.len() > MAX_SERVICES {
                    self.err(
                        &format!("profiles[{i}].services[{j}].depends_on"),
                        format!("at most {MAX_SERVICES} dependencies"),
                    );
                    continue;
                }
                for (k, d) in rs.depends_on.iter().enumerate() {
                    let p = format!("profiles[{i}].services[{j}].depends_on[{k}]");
                    let exists = kinds
                        .iter()
                        .zip(&service_names)
                        .any(|(kind, names)| *kind == d.kind && names.contains(&d.service));
                    if !exists {
                        self.err(
                            &format!("{p}.service"),
                            format!("no {:?} provider has a service `{}`", d.kind, d.service),
                        );
                    }
                    let provider = d.provider.as_ref().and_then(|name| {
                        let idx = self.lookup(&format!("{p}.provider"), "provider", name, provider_ids)?;
                        let spec = providers.get(idx)?;
                        if spec.kind != d.kind || !service_names[spec.profile].contains(&d.service) {
                            self.err(
                                &format!("{p}.provider"),
                                format!("`{name}` is not a {:?} provider with a service `{}`", d.kind, d.service),
                            );
                            return None;
                        }
                        Some(idx as u32)
                    });
                    deps.push(DependencySpec {
                        kind: d.kind,
                        service: d.service.clone(),
                        provider,
                        share: self.check_range(&format!("{p}.share"), "the dependent share", d.share, 0.0, 1.0),
                        mutual_aid: self.check_range(
                            &format!("{p}.mutual_aid"),
                            "the mutual-aid share",
                            d.mutual_aid,
                            0.0,
                            1.0,
                        ),
                        aid_lead_hours: self.check_range(
                            &format!("{p}.aid_lead_hours"),
                            "the mutual-aid lead time",
                            d.aid_lead_hours.unwrap_or(24.0),
                            0.0,
                            24.0 * 365.0,
                        ),
                    });
                }
                if let Some(s) = profiles.get_mut(i).and_then(|p| p.services.get_mut(j)) {
                    s.depends_on = deps;
                }
            }
        }
    }

    fn referral(&mut self, path: &str, r: &RawReferral) -> ReferralSpec {
        let transit = r.transit_hours.unwrap_or(1.0);
        let fallback = r.fallback_transit_hours.unwrap_or(48.0_f64.max(transit));
        if fallback < transit {
            self.err(&format!("{path}.fallback_transit_hours"), format!("the fallback transit ({fallback} h) is shorter than the normal one ({transit} h); phone or post is not faster"));
        }
        ReferralSpec {
            to: r.to,
            service: r.service.clone(),
            per_case: self.check_range(&format!("{path}.per_case"), "referrals per case", r.per_case, 0.0, 1.0),
            class: match r.class.unwrap_or(UrgencyClass::Soon) {
                UrgencyClass::Urgent => super::URGENT,
                UrgencyClass::Soon => super::SOON,
                UrgencyClass::Elective => super::ELECTIVE,
            },
            transit_hours: self.check_range(
                &format!("{path}.transit_hours"),
                "the transit time",
                transit,
                0.0,
                24.0 * 60.0,
            ),
            fallback_transit_hours: self.check_range(
                &format!("{path}.fallback_transit_hours"),
                "the fallback transit time",
                fallback,
                0.0,
                24.0 * 60.0,
            ),
            fallback_admin_minutes: self.check_range(
                &format!("{path}.fallback_admin_minutes"),
                "the fallback admin minutes",
                r.fallback_admin_minutes.unwrap_or(10.0),
                0.0,
                1_000.0,
            ),
        }
    }

    /// Every referral must name a service that some profile of the receiving kind has.
    fn referral_targets(&mut self, profiles: &[Profile]) {
        for (i, p) in profiles.iter().enumerate() {
            for (j, s) in p.services.iter().enumerate() {
                for (k, r) in s.referrals.iter().enumerate() {
                    let exists =
                        profiles.iter().any(|q| q.kind == r.to && q.services.iter().any(|t| t.name == r.service));
                    if !exists {
                        let names: Vec<&str> = profiles
                            .iter()
                            .filter(|q| q.kind == r.to)
                            .flat_map(|q| q.services.iter().map(|t| t.name.as_str()))
                            .collect();
                        let hint = closest(&r.service, names.iter().copied()).map_or_else(
                            || {
                                if names.is_empty() {
                                    format!("no profile has kind {:?}", r.to)
                                } else {
                                    format!("services of kind {:?}: {}", r.to, names.join(", "))
                                }
                            },
                            |n| format!("did you mean `{n}`?"),
                        );
                        self.err(
                            &format!("profiles[{i}].services[{j}].referrals[{k}].service"),
                            format!("no {:?} provider has a service `{}`; {hint}", r.to, r.service),
                        );
                    }
                }
            }
        }
    }

    fn aftermath(&mut self, a: &RawAftermath) -> Aftermath {
        let p = "aftermath";
        Aftermath {
            inquiry_rate: self.check_range(&format!("{p}.inquiry_rate"), "the inquiry rate", a.inquiry_rate, 0.0, 1.0),
            inquiry_share_cap: self.check_range(
                &format!("{p}.inquiry_share_cap"),
                "the inquiry share cap",
                a.inquiry_share_cap,
                0.0,
                1.0,
            ),
            inquiry_half_life_days: self.check_range(
                &format!("{p}.inquiry_half_life_days"),
                "the inquiry half-life",
                a.inquiry_half_life_days,
                0.01,
                365.0,
            ),
            inquiry_minutes: self.check_range(
                &format!("{p}.inquiry_minutes"),
                "minutes per inquiry",
                a.inquiry_minutes,
                0.0,
                600.0,
            ),
            gdpr_notification_minutes: self.check_range(
                &format!("{p}.gdpr_notification_minutes"),
                "notification minutes",
                a.gdpr_notification_minutes,
                0.0,
                100_000.0,
            ),
            nis2_early_warning_minutes: self.check_range(
                &format!("{p}.nis2_early_warning_minutes"),
                "notification minutes",
                a.nis2_early_warning_minutes,
                0.0,
                100_000.0,
            ),
            nis2_notification_minutes: self.check_range(
                &format!("{p}.nis2_notification_minutes"),
                "notification minutes",
                a.nis2_notification_minutes,
                0.0,
                100_000.0,
            ),
        }
    }

    /// Resolve a target to provider indices.
    fn target(
        &mut self,
        path: &str,
        t: &RawTarget,
        vendor_ids: &BTreeMap<String, usize>,
        provider_ids: &BTreeMap<String, usize>,
        providers: &[ProviderSpec],
    ) -> Vec<u32> {
        let all = |f: &dyn Fn(&ProviderSpec) -> bool| {
            providers.iter().enumerate().filter(|(_, p)| f(p)).map(|(i, _)| i as u32).collect::<Vec<u32>>()
        };
        let list = match t {
            RawTarget::All => all(&|_| true),
            RawTarget::Kind(k) => all(&|p| p.kind == *k),
            RawTarget::Vendor(v) => match self.lookup(path, "vendor", v, vendor_ids) {
                Some(v) => all(&|p| p.vendor == v),
                None => return Vec::new(),
            },
            RawTarget::Providers(names) => names
                .iter()
                .enumerate()
                .filter_map(|(j, n)| {
                    self.lookup(&format!("{path}[{j}]"), "provider", n, provider_ids).map(|i| i as u32)
                })
                .collect(),
        };
        if list.is_empty() {
            self.err(path, "this target matches no provider");
        }
        list
    }

    fn effect(
        &mut self,
        path: &str,
        e: &RawEffect,
        vendor_ids: &BTreeMap<String, usize>,
        platform_ids: &BTreeMap<String, usize>,
        provider_ids: &BTreeMap<String, usize>,
        providers: &[ProviderSpec],
    ) -> Option<Effect> {
        Some(match e {
            RawEffect::SurgeStaff { scope } => Effect::SurgeStaff {
                providers: self.target(&format!("{path}.scope"), scope, vendor_ids, provider_ids, providers),
            },
            RawEffect::ExtendHours { scope, hours, days } => {
                if *hours == 0 || *hours > 16 {
                    self.err(&format!("{path}.hours"), format!("{hours} extra hours a day; use 1 to 16"));
                }
                Effect::ExtendHours {
                    providers: self.target(&format!("{path}.scope"), scope, vendor_ids, provider_ids, providers),
                    hours: (*hours).clamp(1, 16),
                    days: self.check_range(&format!("{path}.days"), "the number of days", *days, 0.01, 3650.0),
                }
            }
            RawEffect::CancelElectives { scope, days } => Effect::CancelElectives {
                providers: self.target(&format!("{path}.scope"), scope, vendor_ids, provider_ids, providers),
                days: self.check_range(&format!("{path}.days"), "the number of days", *days, 0.01, 3650.0),
            },
            RawEffect::DivertUrgent { from, to, days } => Effect::DivertUrgent {
                from: self.target(&format!("{path}.from"), from, vendor_ids, provider_ids, providers),
                to: self.target(
                    &format!("{path}.to"),
                    &RawTarget::Providers(to.clone()),
                    vendor_ids,
                    provider_ids,
                    providers,
                ),
                days: self.check_range(&format!("{path}.days"), "the number of days", *days, 0.01, 3650.0),
            },
            RawEffect::ReconnectEarly { platforms, risk, after_days, outage_days } => Effect::ReconnectEarly {
                platforms: platforms
                    .iter()
                    .enumerate()
                    .filter_map(|(j, p)| self.lookup(&format!("{path}.platforms[{j}]"), "platform", p, platform_ids))
                    .collect(),
                risk: self.check_range(&format!("{path}.risk"), "the risk", *risk, 0.0, 1.0),
                after_days: self.check_range(
                    &format!("{path}.after_days"),
                    "the days until re-compromise",
                    after_days.unwrap_or(3.0),
                    0.0,
                    3650.0,
                ),
                outage_days: self.check_range(
                    &format!("{path}.outage_days"),
                    "the outage days",
                    outage_days.unwrap_or(7.0),
                    0.0,
                    3650.0,
                ),
            },
        })
    }

    /// Patients on record of the provider a profile's natural-unit figures describe: the
    /// profile's `reference_patients`, else the size every provider and group using it shares.
    fn reference_patients(&mut self, i: usize, p: &RawProfile, raw: &RawScenario) -> Option<u64> {
        if let Some(n) = p.reference_patients {
            if n == 0 || n > MAX_PATIENTS {
                self.err(
                    &format!("profiles[{i}].reference_patients"),
                    format!("{n} patients; it must be 1 to {MAX_PATIENTS}"),
                );
                return None;
            }
            return Some(n);
        }
        let mut sizes = raw.providers.iter().filter(|q| q.profile == p.id).map(|q| Some(q.patients)).chain(
            raw.groups.iter().filter(|g| g.profile == p.id).map(|g| match g.patients {
                Size::Fixed(n) => Some(n),
                _ => None,
            }),
        );
        let first = sizes.next()??;
        sizes.all(|n| n == Some(first)).then_some(first).filter(|n| (1..=MAX_PATIENTS).contains(n))
    }

    /// The reference size for a natural-unit figure at `path`, or a problem saying how to give it.
    fn need_reference(&mut self, path: &str, reference: Option<u64>, profile: &str) -> Option<u64> {
        if reference.is_none() {
            self.err(
                path,
                format!(
                    "this figure is for one provider, but the providers of profile `{profile}` differ in size (or there are none); add `reference_patients: N` to the profile: the patients on record of the provider the figures describe (others scale in proportion)"
                ),
            );
        }
        reference
    }

    /// A service's demand per open day per 1,000 patients, from `demand` or `demand_per_1000`.
    fn demand(&mut self, sp: &str, s: &RawService, reference: Option<u64>, profile: &str) -> f64 {
        match (s.demand, s.demand_per_1000) {
            (Some(d), None) => {
                let path = format!("{sp}.demand");
                let per_day = super::units::demand_per_open_day(d, s.days);
                let per_day = self.check_range(&path, "the demand in cases per open day", per_day, 0.0, 1.0e7);
                let Some(n) = self.need_reference(&path, reference, profile) else { return 0.0 };
                let v = super::units::per_1000(per_day, n);
                self.check_range(&path, "the demand per 1,000 patients", v, 0.0, 100_000.0)
            }
            (None, Some(v)) => {
                self.check_range(&format!("{sp}.demand_per_1000"), "demand per 1,000 patients", v, 0.0, 100_000.0)
            }
            (Some(_), Some(_)) => {
                self.err(&format!("{sp}.demand_per_1000"), "give `demand` or `demand_per_1000`, not both");
                0.0
            }
            (None, None) => {
                self.err(sp, "the service has no demand; add `demand: PerDay(N)` (cases per open day), `PerWeek(N)` or `PerYear(N)`");
                0.0
            }
        }
    }

    /// Staff of one role on duty per open hour per 1,000 patients, from `ROLE_staff` or
    /// `ROLE_staff_per_1000`; clinical staff are required, admin staff default to none.
    fn staff(
        &mut self,
        sp: &str,
        role: &str,
        natural: Option<RawStaff>,
        per_1000: Option<f64>,
        open_hours_week: f64,
        reference: Option<u64>,
        profile: &str,
    ) -> f64 {
        let lo = if role == "clinical" { 1e-6 } else { 0.0 };
        match (natural, per_1000) {
            (Some(st), None) => {
                let path = format!("{sp}.{role}_staff");
                let on_duty = super::units::on_duty(st, open_hours_week);
                if !(0.0..=1.0e6).contains(&on_duty) || (role == "clinical" && on_duty <= 0.0) {
                    let least = if role == "clinical" { "above 0" } else { "0 or more" };
                    self.err(
                        &path,
                        format!("{role} staff on duty is {on_duty}; it must be {least} (and at most 1,000,000)"),
                    );
                    return lo;
                }
                let Some(n) = self.need_reference(&path, reference, profile) else { return lo };
                let v = super::units::per_1000(on_duty, n);
                self.check_range(&path, &format!("{role} staff per 1,000 patients"), v, lo, 1_000.0)
            }
            (None, Some(v)) => self.check_range(
                &format!("{sp}.{role}_staff_per_1000"),
                &format!("{role} staff per 1,000 patients"),
                v,
                lo,
                1_000.0,
            ),
            (Some(_), Some(_)) => {
                self.err(
                    &format!("{sp}.{role}_staff_per_1000"),
                    format!("give `{role}_staff` or `{role}_staff_per_1000`, not both"),
                );
                lo
            }
            (None, None) if role == "clinical" => {
                self.err(sp, "the service has no clinical staff; add `clinical_staff: PerShift(N)` (people on duty in each open hour) or `Fte(N)`");
                lo
            }
            (None, None) => 0.0,
        }
    }

    /// The fallback throughput share from a ceiling in cases per hour: the ceiling over the
    /// service's normal cases per open hour (its own demand, referrals in not counted).
    fn fallback_cases(
        &mut self,
        sp: &str,
        cases_per_hour: f64,
        demand_per_1000: f64,
        open_hours: f64,
        reference: Option<u64>,
        profile: &str,
    ) -> Option<f64> {
        let path = format!("{sp}.fallback_cases_per_hour");
        if !(cases_per_hour > 0.0 && cases_per_hour <= 1.0e7) {
            self.err(&path, format!("{cases_per_hour} cases an hour; it must be above 0"));
            return None;
        }
        let n = self.need_reference(&path, reference, profile)?;
        let normal = demand_per_1000 * n as f64 / 1000.0 / open_hours;
        let share = cases_per_hour / normal;
        if !(share > 0.0 && share <= 1.0 + 1e-9) {
            self.err(
                &path,
                format!(
                    "{cases_per_hour} cases an hour is more than the service's normal {normal:.2} an hour; the ceiling can be at most its normal volume (leave it out for no ceiling)"
                ),
            );
            return None;
        }
        Some(share.clamp(0.01, 1.0))
    }

    fn profile(&mut self, i: usize, p: &RawProfile, reference: Option<u64>) -> Profile {
        let path = format!("profiles[{i}]");
        if p.services.is_empty() || p.services.len() > MAX_SERVICES {
            self.err(
                &format!("{path}.services"),
                format!("{} services; a profile needs 1 to {MAX_SERVICES}", p.services.len()),
            );
        }
        let mut services = Vec::new();
        let mut names = BTreeMap::new();
        for (j, s) in p.services.iter().enumerate().take(MAX_SERVICES) {
            let sp = format!("{path}.services[{j}]");
            if names.insert(s.name.clone(), j).is_some() {
                self.err(&format!("{sp}.name"), format!("the service `{}` is listed twice in this profile", s.name));
            }
            let (open, close) = s.hours;
            if open >= close || close > 24 {
                self.err(&format!("{sp}.hours"), format!("opening hours ({open}, {close}) are impossible; write (from, to) with 0 <= from < to <= 24, such as (8, 17)"));
            }
            let open_hours = f64::from(close.min(24).saturating_sub(open).max(1));
            let open_hours_week = open_hours * super::units::open_days_per_week(s.days);
            let demand = self.demand(&sp, s, reference, &p.id);
            let u = &s.urgency;
            self.shares(
                &format!("{sp}.urgency"),
                "urgency",
                [u.urgent.share, u.soon.share, u.elective.share].into_iter(),
            );
            let mut waits = [0.0; 3];
            for (k, (name, class)) in
                [("urgent", &u.urgent), ("soon", &u.soon), ("elective", &u.elective)].into_iter().enumerate()
            {
                let (field, hours) = match (class.max_wait, class.max_wait_hours) {
                    (Some(w), None) => ("max_wait", super::units::wait_hours(w)),
                    (None, Some(h)) => ("max_wait_hours", h),
                    (Some(_), Some(_)) => {
                        self.err(
                            &format!("{sp}.urgency.{name}.max_wait"),
                            "give `max_wait` or `max_wait_hours`, not both",
                        );
                        ("max_wait", 1.0)
                    }
                    (None, None) => {
                        self.err(
                            &format!("{sp}.urgency.{name}"),
                            "no maximum wait; add `max_wait: Hours(4)` (or `Days(2)`, `Weeks(6)`)",
                        );
                        ("max_wait", 1.0)
                    }
                };
                waits[k] = self.check_range(
                    &format!("{sp}.urgency.{name}.{field}"),
                    "the maximum wait in hours",
                    hours,
                    0.01,
                    24.0 * 365.0,
                );
            }
            let clinical = self.check_range(
                &format!("{sp}.clinical_minutes"),
                "clinical minutes per case",
                s.clinical_minutes,
                0.01,
                100_000.0,
            );
            let admin = self.check_range(
                &format!("{sp}.admin_minutes"),
                "admin minutes per case",
                s.admin_minutes,
                0.0,
                100_000.0,
            );
            let cstaff = self.staff(
                &sp,
                "clinical",
                s.clinical_staff,
                s.clinical_staff_per_1000,
                open_hours_week,
                reference,
                &p.id,
            );
            let astaff =
                self.staff(&sp, "admin", s.admin_staff, s.admin_staff_per_1000, open_hours_week, reference, &p.id);
            if admin > 0.0 && astaff == 0.0 {
                self.err(
                    &format!("{sp}.admin_staff"),
                    "the service needs admin minutes but has no admin staff; set `admin_staff: PerShift(N)` (or `Fte(N)`) above 0",
                );
            }
            let booking_days = match &s.booking {
                Some(b) => [
                    0,
                    self.check_range(
                        &format!("{sp}.booking.soon_days"),
                        "days booked ahead",
                        f64::from(b.soon_days),
                        0.0,
                        28.0,
                    ) as u32,
                    self.check_range(
                        &format!("{sp}.booking.elective_days"),
                        "days booked ahead",
                        f64::from(b.elective_days),
                        0.0,
                        28.0,
                    ) as u32,
                ],
                None => [0; 3],
            };
            let fallback_throughput = match (s.fallback_throughput, s.fallback_cases_per_hour) {
                (Some(t), None) => Some(self.check_range(
                    &format!("{sp}.fallback_throughput"),
                    "the fallback throughput",
                    t,
                    0.01,
                    1.0,
                )),
                (None, Some(c)) => self.fallback_cases(&sp, c, demand, open_hours, reference, &p.id),
                (Some(_), Some(_)) => {
                    self.err(
                        &format!("{sp}.fallback_cases_per_hour"),
                        "give `fallback_cases_per_hour` or `fallback_throughput`, not both",
                    );
                    None
                }
                (None, None) => None,
            };
            let choice = s.choice.as_ref().map(|c| {
                (
                    self.check_range(
                        &format!("{sp}.choice.wait_hours"),
                        "the wait patients accept",
                        c.wait_hours,
                        0.01,
                        24.0 * 365.0,
                    ),
                    self.check_range(&format!("{sp}.choice.share"), "the share who go elsewhere", c.share, 0.0, 1.0),
                )
            });
            services.push(ServiceSpec {
                booking_days,
                fallback_throughput,
                ambulance_share: self.check_range(
                    &format!("{sp}.ambulance_share"),
                    "the ambulance share",
                    s.ambulance_share,
                    0.0,
                    1.0,
                ),
                walkout_share: self.check_range(
                    &format!("{sp}.walkout_share"),
                    "the walk-out share",
                    s.walkout_share,
                    0.0,
                    1.0,
                ),
                choice,
                depends_on: Vec::new(),
                name: s.name.clone(),
                demand_per_1000: demand,
                open: open.min(23),
                close: close.clamp(open.min(23) + 1, 24),
                days: s.days,
                share: [u.urgent.share, u.soon.share, u.elective.share].map(|x| x.clamp(0.0, 1.0)),
                max_wait_hours: waits,
                clinical_minutes: clinical,
                admin_minutes: admin,
                clinical_staff_per_1000: cstaff,
                admin_staff_per_1000: astaff,
                needs: FunctionSet::of(&s.needs),
                referrals: s
                    .referrals
                    .iter()
                    .enumerate()
                    .map(|(k, r)| self.referral(&format!("{sp}.referrals[{k}]"), r))
                    .collect(),
            });
        }
        let plan = &p.plan;
        let pp = format!("{path}.plan");
        let mut fallback = DEFAULT_FALLBACK;
        for (k, f) in plan.fallback.iter().enumerate() {
            let fp = format!("{pp}.fallback[{k}]");
            let d = DEFAULT_FALLBACK[f.function.index()];
            let cf = self.check_range(
                &format!("{fp}.clinical_factor"),
                "the clinical factor",
                f.clinical_factor.unwrap_or(d.clinical_factor),
                1.0,
                10.0,
            );
            let am = self.check_range(
                &format!("{fp}.admin_minutes"),
                "extra admin minutes",
                f.admin_minutes.unwrap_or(d.admin_minutes),
                0.0,
                1_000.0,
            );
            let tp = self.check_range(
                &format!("{fp}.throughput"),
                "the fallback throughput",
                f.throughput.unwrap_or(d.throughput),
                0.01,
                1.0,
            );
            fallback[f.function.index()] =
                crate::model::FallbackCost { clinical_factor: cf, admin_minutes: am, throughput: tp };
        }
        let sick = p.sick_leave.unwrap_or(0.06);
        Profile {
            id: p.id.clone(),
            kind: p.kind,
            services,
            plan: Plan {
                activation_hours: self.check_range(
                    &format!("{pp}.activation_hours"),
                    "the activation delay",
                    plan.activation_hours,
                    0.0,
                    24.0 * 365.0,
                ),
                covers: plan.covers.as_ref().map_or(FunctionSet::ALL, |c| FunctionSet::of(c)),
                fallback,
                overtime_cap: self.check_range(
                    &format!("{pp}.overtime_cap"),
                    "the overtime cap",
                    plan.overtime_cap,
                    0.0,
                    1.0,
                ),
                max_tolerable_days: self.check_range(
                    &format!("{pp}.max_tolerable_days"),
                    "the maximum tolerable period",
                    plan.max_tolerable_days,
                    0.01,
                    3650.0,
                ),
                surge: plan.surge.as_ref().map(|g| Surge {
                    share: self.check_range(&format!("{pp}.surge.share"), "the surge share", g.share, 0.0, 1.0),
                    lead_hours: self.check_range(
                        &format!("{pp}.surge.lead_hours"),
                        "the surge lead time",
                        g.lead_hours,
                        0.0,
                        24.0 * 365.0,
                    ),
                    cost_per_hour: self.check_range(
                        &format!("{pp}.surge.cost_per_hour"),
                        "the surge cost per hour",
                        g.cost_per_hour,
                        0.0,
                        100_000.0,
                    ),
                    automatic: g.automatic,
                }),
                cancellation: plan.cancellation.as_ref().map(|c| self.cancellation(&format!("{pp}.cancellation"), c)),
                ambulance_diversion: plan.ambulance_diversion.as_ref().map(|a| AmbulanceDiversionSpec {
                    in_fallback: a.in_fallback.unwrap_or(true),
                    share: self.check_range(
                        &format!("{pp}.ambulance_diversion.share"),
                        "the diverted share",
                        a.share.unwrap_or(0.15),
                        0.0,
                        1.0,
                    ),
                    max_days: a.max_days.map(|d| {
                        self.check_range(
                            &format!("{pp}.ambulance_diversion.max_days"),
                            "the longest diversion",
                            d,
                            0.01,
                            3650.0,
                        )
                    }),
                }),
                back_entry_minutes: self.check_range(
                    &format!("{pp}.back_entry_minutes"),
                    "back-entry minutes per case",
                    plan.back_entry_minutes,
                    0.0,
                    1_000.0,
                ),
                back_entry_share: self.check_range(
                    &format!("{pp}.back_entry_share"),
                    "the back-entry share",
                    plan.back_entry_share,
                    0.0,
                    1.0,
                ),
            },
            high_sensitivity: p.sensitivity.map_or(p.kind.high_sensitivity(), |s| s == Sensitivity::High),
            sick_leave: self.check_range(&format!("{path}.sick_leave"), "the sick-leave share", sick, 0.0, 0.5),
        }
    }

    fn cancellation(&mut self, p: &str, c: &RawCancellation) -> CancellationSpec {
        let mut classes = [false, false, true];
        if let Some(list) = &c.classes {
            classes = [false; 3];
            for k in list {
                classes[class_index(*k)] = true;
            }
            if list.is_empty() {
                self.err(&format!("{p}.classes"), "no classes; name at least one, such as [Elective]");
            }
        }
        CancellationSpec {
            share: c.share.map(|s| self.check_range(&format!("{p}.share"), "the cancelled share", s, 0.0, 1.0)),
            ahead_days: self.check_range(
                &format!("{p}.ahead_days"),
                "days reviewed ahead",
                f64::from(c.ahead_days.unwrap_or(2)),
                1.0,
                28.0,
            ) as u32,
            classes,
            when_blocked: c.when_blocked.unwrap_or(true),
            min_expected_outage_days: self.check_range(
                &format!("{p}.min_expected_outage_days"),
                "the expected outage",
                c.min_expected_outage_days.unwrap_or(1.0),
                0.0,
                3650.0,
            ),
            rebook_after_days: self.check_range(
                &format!("{p}.rebook_after_days"),
                "days until re-booking",
                c.rebook_after_days.unwrap_or(14.0),
                0.0,
                3650.0,
            ),
        }
    }

    /// Where each function of a provider comes from.
    fn sources(
        &mut self,
        path: &str,
        platforms: &[Platform],
        used: &[usize],
        vendor: usize,
        hosting: Hosting,
        vendors: &[Vendor],
    ) -> [Source; Function::COUNT] {
        let mut sources = [Source::Local; Function::COUNT];
        if hosting == Hosting::VendorCloud
            && !platforms.iter().any(|p| p.vendor == vendor && p.kind == PlatformKind::Cloud)
        {
            self.err(
                path,
                format!(
                    "hosting is VendorCloud but vendor `{}` has no platform of kind Cloud; add one or use SelfHosted",
                    vendors[vendor].id
                ),
            );
        }
        for f in Function::ALL {
            // The first used platform that provides the function; the vendor cloud only for
            // tenants (self-hosted providers run record access, prescribing and lab locally).
            for &p in used {
                let plat = &platforms[p];
                if plat.kind == PlatformKind::Cloud && !(hosting == Hosting::VendorCloud && plat.vendor == vendor) {
                    continue;
                }
                if plat.functions.contains(f) {
                    sources[f.index()] = Source::Platform(p as u16);
                    break;
                }
            }
        }
        sources
    }

    #[allow(clippy::too_many_arguments)]
    fn group(
        &mut self,
        g: usize,
        group: &RawGroup,
        rng: &mut rand::rngs::ChaCha8Rng,
        profile_ids: &BTreeMap<String, usize>,
        vendor_ids: &BTreeMap<String, usize>,
        region_ids: &BTreeMap<String, usize>,
        platforms: &[Platform],
        vendors: &[Vendor],
        profiles: &[Profile],
        providers: &mut Vec<ProviderSpec>,
        provider_ids: &mut BTreeMap<String, usize>,
    ) {
        let path = format!("groups[{g}]");
        let profile = self.lookup(&format!("{path}.profile"), "profile", &group.profile, profile_ids);
        let mut vendor_shares = Vec::new();
        for (name, share) in &group.vendors {
            if let Some(v) = self.lookup(&format!("{path}.vendors.{name}"), "vendor", name, vendor_ids) {
                vendor_shares.push((v, *share));
            }
        }
        self.shares(&format!("{path}.vendors"), "vendor", group.vendors.values().copied());
        let hosting_shares: Vec<(Hosting, f64)> = match &group.hosting {
            Some(h) => {
                self.shares(&format!("{path}.hosting"), "hosting", h.values().copied());
                h.iter().map(|(k, v)| (*k, *v)).collect()
            }
            None => vec![(Hosting::SelfHosted, 1.0)],
        };
        let regions: Vec<usize> = match &group.regions {
            Some(list) => list
                .iter()
                .enumerate()
                .filter_map(|(j, r)| self.lookup(&format!("{path}.regions[{j}]"), "region", r, region_ids))
                .collect(),
            None => (0..region_ids.len().max(1)).collect(),
        };
        match group.patients {
            Size::Fixed(n) if n == 0 || n > MAX_PATIENTS => {
                self.err(&format!("{path}.patients"), format!("{n} patients; it must be 1 to {MAX_PATIENTS}"))
            }
            Size::Uniform(a, b) if a == 0 || a > b || b > MAX_PATIENTS => self.err(
                &format!("{path}.patients"),
                format!("Uniform({a}, {b}) is not a range of patients; use 1 <= min <= max <= {MAX_PATIENTS}"),
            ),
            Size::LogNormal { median, sigma } => {
                self.check_range(&format!("{path}.patients.median"), "the median", median, 1.0, MAX_PATIENTS as f64);
                self.check_range(&format!("{path}.patients.sigma"), "sigma", sigma, 0.0, 3.0);
            }
            _ => {}
        }
        let (Some(profile), false) = (profile, vendor_shares.is_empty() || regions.is_empty()) else { return };
        let count = group.count.min(MAX_PROVIDERS as u32) as usize;
        let vendor_of = apportion(count, &vendor_shares.iter().map(|s| s.1).collect::<Vec<_>>());
        let hosting_of = apportion(count, &hosting_shares.iter().map(|s| s.1).collect::<Vec<_>>());
        let lognormal = match group.patients {
            Size::LogNormal { median, sigma } if median >= 1.0 && (0.0..=3.0).contains(&sigma) => {
                LogNormal::new(median.ln(), sigma).ok()
            }
            _ => None,
        };
        // Spread hosting across vendors with a stride coprime to the count, so both mixes hold.
        let stride = [7919, 7907, 7901, 1].into_iter().find(|s| gcd(*s, count) == 1).unwrap_or(1);
        let width = count.to_string().len().max(3);
        let prof = &profiles[profile];
        let mut checked_hosting = [false; 3];
        for k in 0..count {
            let vendor = vendor_shares[vendor_of[k]].0;
            let hosting = hosting_shares[hosting_of[(k * stride) % count]].0;
            let patients = match group.patients {
                Size::Fixed(n) => n,
                Size::Uniform(a, b) if a >= 1 && a <= b => rng.random_range(a..=b),
                Size::LogNormal { .. } => lognormal.map_or(1.0, |d| d.sample(rng)).round() as u64,
                _ => 1,
            }
            .clamp(1, MAX_PATIENTS);
            let id = format!("{}-{:0width$}", group.id, k + 1);
            if provider_ids.insert(id.clone(), providers.len()).is_some() {
                self.err(
                    &format!("{path}.id"),
                    format!("the generated id `{id}` clashes with another provider; choose another prefix"),
                );
                return;
            }
            let used = default_platforms(platforms, vendor, hosting);
            let hp = format!("{path}.hosting");
            let sources = if !checked_hosting[hosting as usize] || hosting == Hosting::VendorCloud {
                let before = self.problems.len();
                let s = self.sources(&hp, platforms, &used, vendor, hosting, vendors);
                checked_hosting[hosting as usize] = true;
                if self.problems.len() > before {
                    return;
                }
                s
            } else {
                self.sources(&hp, platforms, &used, vendor, hosting, vendors)
            };
            providers.push(ProviderSpec {
                id,
                profile,
                kind: prof.kind,
                region: regions[k % regions.len()],
                patients,
                vendor,
                hosting,
                sources,
                high_sensitivity: prof.high_sensitivity,
                location: None,
                report: false,
                affected: false,
            });
        }
    }

    /// Keep every service's total demand over the horizon countable.
    fn demand_bounds(&mut self, profiles: &[Profile], providers: &[ProviderSpec], days: u32) {
        let mut largest = vec![0u64; profiles.len()];
        for p in providers {
            largest[p.profile] = largest[p.profile].max(p.patients);
        }
        for (i, profile) in profiles.iter().enumerate() {
            for (j, s) in profile.services.iter().enumerate() {
                let cases = s.demand_per_1000 * largest[i] as f64 / 1000.0 * f64::from(days);
                if cases > MAX_SERVICE_CASES {
                    self.err(
                        &format!("profiles[{i}].services[{j}].demand_per_1000"),
                        format!("the largest provider with this profile would see {cases:.3e} cases over the horizon; at most {MAX_SERVICE_CASES:.0e} are supported: lower the demand or split the provider"),
                    );
                }
            }
        }
    }

    /// Identifiers, names and texts within their length limits, and decisions within their
    /// option limit. Returns false when a problem was found (then nothing more is built).
    fn lengths(&mut self, raw: &RawScenario) -> bool {
        let before = self.problems.len();
        let check = |this: &mut Self, path: String, s: &str, max: usize| {
            let n = s.chars().count();
            if n > max {
                this.err(&path, format!("this is {n} characters long; at most {max} are allowed here"));
            }
        };
        let (id, text) = (MAX_ID_CHARS, MAX_TEXT_CHARS);
        check(self, "title".into(), &raw.title, text);
        check(self, "description".into(), &raw.description, text);
        for (i, r) in raw.regions.iter().enumerate() {
            check(self, format!("regions[{i}]"), r, id);
        }
        for (i, v) in raw.vendors.iter().enumerate() {
            check(self, format!("vendors[{i}].id"), &v.id, id);
            check(self, format!("vendors[{i}].name"), v.name.as_deref().unwrap_or(""), text);
        }
        for (i, p) in raw.platforms.iter().enumerate() {
            check(self, format!("platforms[{i}].id"), &p.id, id);
            check(self, format!("platforms[{i}].name"), p.name.as_deref().unwrap_or(""), text);
        }
        for (i, p) in raw.profiles.iter().enumerate() {
            check(self, format!("profiles[{i}].id"), &p.id, id);
            for (j, s) in p.services.iter().enumerate().take(MAX_SERVICES + 1) {
                check(self, format!("profiles[{i}].services[{j}].name"), &s.name, id);
            }
        }
        for (i, p) in raw.providers.iter().enumerate() {
            check(self, format!("providers[{i}].id"), &p.id, id);
        }
        for (i, g) in raw.groups.iter().enumerate() {
            check(self, format!("groups[{i}].id"), &g.id, id);
        }
        let mut decision_ids = std::collections::BTreeSet::new();
        let mut decision_options = 0usize;
        for (i, inj) in raw.timeline.iter().enumerate().take(MAX_INJECTS + 1) {
            let path = format!("timeline[{i}]");
            if let RawEvent::Decision { id: did, options, .. } = &inj.event {
                decision_options += options.len();
                if decision_options > MAX_DECISION_OPTIONS && decision_options - options.len() <= MAX_DECISION_OPTIONS {
                    self.err(
                        &format!("{path}.event.options"),
                        format!("the decisions have more than {MAX_DECISION_OPTIONS} options in all (each costs the exercise a counterfactual run); use fewer decisions or options"),
                    );
                }
                if !decision_ids.insert(did.as_str()) {
                    self.err(
                        &format!("{path}.event.id"),
                        format!("the decision id `{did}` is used twice; ids must be unique"),
                    );
                }
            }
            check(self, format!("{path}.title"), inj.title.as_deref().unwrap_or(""), text);
            check(self, format!("{path}.text"), &inj.text, text);
            if inj.questions.len() > MAX_OPTIONS {
                self.err(
                    &format!("{path}.questions"),
                    format!("{} questions; an inject may have at most {MAX_OPTIONS}", inj.questions.len()),
                );
            }
            for (j, q) in inj.questions.iter().enumerate().take(MAX_OPTIONS + 1) {
                check(self, format!("{path}.questions[{j}]"), q, text);
            }
            if inj.teams.len() > MAX_OPTIONS {
                self.err(
                    &format!("{path}.teams"),
                    format!("{} teams; an inject may address at most {MAX_OPTIONS}", inj.teams.len()),
                );
            }
            for (j, t) in inj.teams.iter().enumerate().take(MAX_OPTIONS + 1) {
                check(self, format!("{path}.teams[{j}]"), t, id);
            }
            if let RawEvent::Decision { id: did, question, options, question_after, .. } = &inj.event {
                let ep = format!("{path}.event");
                if question_after.len() > MAX_OPTIONS {
                    self.err(
                        &format!("{ep}.question_after"),
                        format!("{} questions; a decision may have at most {MAX_OPTIONS}", question_after.len()),
                    );
                }
                for (k, q) in question_after.iter().take(MAX_OPTIONS + 1) {
                    check(self, format!("{ep}.question_after"), k, 2 * id + 1);
                    check(self, format!("{ep}.question_after"), q, text);
                }
                check(self, format!("{ep}.id"), did, id);
                check(self, format!("{ep}.question"), question, text);
                if options.len() > MAX_OPTIONS {
                    self.err(
                        &format!("{ep}.options"),
                        format!("{} options; a decision may have at most {MAX_OPTIONS}", options.len()),
                    );
                }
                for (j, o) in options.iter().enumerate().take(MAX_OPTIONS + 1) {
                    check(self, format!("{ep}.options[{j}].key"), &o.key, id);
                    check(self, format!("{ep}.options[{j}].label"), &o.label, text);
                }
            }
        }
        self.problems.len() == before
    }

    /// The run's size: services of all providers, service-ticks, and the provider entries the
    /// timeline's targets resolve to (an upper bound, before resolving them). Returns false when
    /// a limit is exceeded.
    fn work_bounds(&mut self, raw: &RawScenario, profiles: &[Profile], providers: &[ProviderSpec], days: u32) -> bool {
        let before = self.problems.len();
        let instances: u64 =
            providers.iter().map(|p| profiles.get(p.profile).map_or(0, |q| q.services.len()) as u64).sum();
        if instances > MAX_SERVICE_INSTANCES {
            self.err(
                "profiles",
                format!("the providers have {instances} services together; at most {MAX_SERVICE_INSTANCES} are supported: use fewer providers or services"),
            );
        }
        let ticks = f64::from(days) * 24.0 / f64::from(raw.tick_hours.clamp(1, 24));
        if instances as f64 * ticks > MAX_SERVICE_TICKS {
            self.err(
                "days",
                format!("{instances} services over {ticks} ticks is {:.2e} service-ticks; at most {MAX_SERVICE_TICKS:.0e} are supported: shorten the horizon, raise tick_hours or use fewer providers", instances as f64 * ticks),
            );
        }
        let n = providers.len() as u64;
        let target = |t: &RawTarget| match t {
            RawTarget::Providers(list) => list.len() as u64,
            _ => n,
        };
        let mut total: u64 = 0;
        for inj in raw.timeline.iter().take(MAX_INJECTS) {
            total += match &inj.event {
                RawEvent::Exfiltrate { scope: RawScope::Providers(list), .. } => list.len() as u64,
                RawEvent::Exfiltrate { .. } => n,
                RawEvent::Decision { options, .. } => options
                    .iter()
                    .flat_map(|o| &o.effects)
                    .map(|e| match e {
                        RawEffect::SurgeStaff { scope }
                        | RawEffect::ExtendHours { scope, .. }
                        | RawEffect::CancelElectives { scope, .. } => target(scope),
                        RawEffect::DivertUrgent { from, to, .. } => target(from) + to.len() as u64,
                        RawEffect::ReconnectEarly { .. } => 0,
                    })
                    .sum(),
                _ => 0,
            };
        }
        if total > MAX_TARGETS {
            self.err(
                "timeline",
                format!("the timeline's targets (exfiltration scopes and decision effects) cover {total} providers together; at most {MAX_TARGETS} are supported: use fewer injects or narrower targets"),
            );
        }
        self.problems.len() == before
    }

    fn delay(&mut self, path: &str, d: &Delay) {
        let ok = match *d {
            Delay::Uniform { min, max } => min >= 0.0 && min <= max && max <= 24.0 * 365.0,
            Delay::Triangular { min, mode, max } => min >= 0.0 && min <= mode && mode <= max && max <= 24.0 * 365.0,
        };
        if !ok {
            self.err(path, "the delay is not a valid distribution; use hours with 0 <= min <= (mode <=) max <= 8760");
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn event(
        &mut self,
        path: &str,
        e: &RawEvent,
        vendor_ids: &BTreeMap<String, usize>,
        platform_ids: &BTreeMap<String, usize>,
        provider_ids: &BTreeMap<String, usize>,
        providers: &[ProviderSpec],
    ) -> Event {
        let platforms_of = |this: &mut Self, list: &[String]| -> Vec<usize> {
            if list.is_empty() {
                this.err(&format!("{path}.platforms"), "no platforms listed; name at least one");
            }
            list.iter()
                .enumerate()
                .filter_map(|(j, p)| this.lookup(&format!("{path}.platforms[{j}]"), "platform", p, platform_ids))
                .collect()
        };
        match e {
            RawEvent::Compromise { vendor } => Event::Compromise {
                vendor: self.lookup(&format!("{path}.vendor"), "vendor", vendor, vendor_ids).unwrap_or(0),
            },
            RawEvent::Detect { vendor } => Event::Detect {
                vendor: self.lookup(&format!("{path}.vendor"), "vendor", vendor, vendor_ids).unwrap_or(0),
            },
            RawEvent::Announce { vendor } => Event::Announce {
                vendor: self.lookup(&format!("{path}.vendor"), "vendor", vendor, vendor_ids).unwrap_or(0),
            },
            RawEvent::Disconnect { platforms, expected_days } => Event::Disconnect {
                platforms: platforms_of(self, platforms),
                expected_days: expected_days
                    .map(|d| self.check_range(&format!("{path}.expected_days"), "the expected outage", d, 0.0, 3650.0)),
            },
            RawEvent::Degrade { platforms, throughput } => Event::Degrade {
                platforms: platforms_of(self, platforms),
                throughput: self.check_range(&format!("{path}.throughput"), "the throughput", *throughput, 0.0, 1.0),
            },
            RawEvent::ServiceCapacity { scope, service, capacity } => {
                let targets = self.target(&format!("{path}.scope"), scope, vendor_ids, provider_ids, providers);
                if let Some(name) = service {
                    let profiles_hit: Vec<usize> =
                        targets.iter().filter_map(|&i| providers.get(i as usize)).map(|p| p.profile).collect();
                    if !profiles_hit.is_empty()
                        && self
                            .profile_services
                            .iter()
                            .enumerate()
                            .all(|(k, names)| !profiles_hit.contains(&k) || !names.contains(name))
                    {
                        self.err(&format!("{path}.service"), format!("none of these providers has a service `{name}`"));
                    }
                }
                Event::ServiceCapacity {
                    providers: targets,
                    service: service.clone(),
                    capacity: self.check_range(
                        &format!("{path}.capacity"),
                        "the service capacity",
                        *capacity,
                        0.0,
                        1.0,
                    ),
                }
            }
            RawEvent::Restore { platforms, capacity, throughput, ramp_days } => {
                let capacity = self.check_range(
                    &format!("{path}.capacity"),
                    "the restored capacity",
                    capacity.unwrap_or(1.0),
                    0.0,
                    1.0,
                );
                Event::Restore {
                    platforms: platforms_of(self, platforms),
                    capacity,
                    throughput: self.check_range(
                        &format!("{path}.throughput"),
                        "the restored throughput",
                        throughput.unwrap_or(1.0),
                        0.0,
                        1.0,
                    ),
                    ramp_days: self.check_range(
                        &format!("{path}.ramp_days"),
                        "the ramp",
                        ramp_days.unwrap_or(0.0),
                        0.0,
                        365.0,
                    ),
                }
            }
            RawEvent::Exfiltrate { scope, share } => {
                let share =
                    self.check_range(&format!("{path}.share"), "the stolen share", share.unwrap_or(1.0), 0.0, 1.0);
                let sp = format!("{path}.scope");
                let providers: Vec<u32> = match scope {
                    RawScope::CloudTenants(v) => match self.lookup(&sp, "vendor", v, vendor_ids) {
                        Some(v) => providers
                            .iter()
                            .enumerate()
                            .filter(|(_, p)| p.vendor == v && p.hosting == Hosting::VendorCloud)
                            .map(|(i, _)| i as u32)
                            .collect(),
                        None => Vec::new(),
                    },
                    RawScope::Customers(v) => match self.lookup(&sp, "vendor", v, vendor_ids) {
                        Some(v) => {
                            providers.iter().enumerate().filter(|(_, p)| p.vendor == v).map(|(i, _)| i as u32).collect()
                        }
                        None => Vec::new(),
                    },
                    RawScope::Providers(list) => list
                        .iter()
                        .enumerate()
                        .filter_map(|(j, p)| {
                            self.lookup(&format!("{sp}[{j}]"), "provider", p, provider_ids).map(|i| i as u32)
                        })
                        .collect(),
                };
                Event::Exfiltrate { providers, share }
            }
            RawEvent::Phishing { multiplier, days } => Event::Phishing {
                multiplier: self.check_range(
                    &format!("{path}.multiplier"),
                    "the phishing multiplier",
                    multiplier.unwrap_or(2.0),
                    1.0,
                    100.0,
                ),
                days: self.check_range(
                    &format!("{path}.days"),
                    "the phishing wave's days",
                    days.unwrap_or(7.0),
                    0.01,
                    3650.0,
                ),
            },
            RawEvent::Decision { id, question, options, default, question_after } => {
                if options.is_empty() {
                    self.err(&format!("{path}.options"), "a decision needs at least one option");
                }
                let mut keys = BTreeMap::new();
                let mut opts = Vec::new();
                for (j, o) in options.iter().enumerate() {
                    if keys.insert(o.key.clone(), j).is_some() {
                        self.err(
                            &format!("{path}.options[{j}].key"),
                            format!("the option key `{}` is used twice", o.key),
                        );
                    }
                    let effects = o
                        .effects
                        .iter()
                        .enumerate()
                        .filter_map(|(k, e)| {
                            self.effect(
                                &format!("{path}.options[{j}].effects[{k}]"),
                                e,
                                vendor_ids,
                                platform_ids,
                                provider_ids,
                                providers,
                            )
                        })
                        .collect();
                    opts.push(super::DecisionOption { key: o.key.clone(), label: o.label.clone(), effects });
                }
                let d = self.lookup(&format!("{path}.default"), "option", default, &keys).unwrap_or(0);
                let mut after = Vec::new();
                for (k, q) in question_after {
                    match k.split_once(':') {
                        Some((d, o)) if !d.is_empty() && !o.is_empty() => {
                            after.push((d.to_string(), o.to_string(), q.clone()))
                        }
                        _ => self.err(
                            &format!("{path}.question_after"),
                            format!("`{k}` should name an earlier decision and its option as \"DECISION:OPTION\""),
                        ),
                    }
                }
                Event::Decision(super::Decision {
                    id: id.clone(),
                    question: question.clone(),
                    options: opts,
                    chosen: d,
                    default: d,
                    question_after: after,
                })
            }
            RawEvent::Note => Event::Note,
        }
    }

    /// A restore that would lower a platform's capacity (below an earlier restore, with no
    /// disconnect between) is ignored by the model, so it is an error. Injects with a random
    /// delay are left out of this check (their order is not known before the run).
    fn restores_never_lower(&mut self, timeline: &[Inject]) {
        let mut order: Vec<usize> = (0..timeline.len()).filter(|&k| timeline[k].delay.is_none()).collect();
        order.sort_by_key(|&k| (timeline[k].day * 24 + timeline[k].hour, k));
        let mut capacity: BTreeMap<usize, f64> = BTreeMap::new();
        for k in order {
            match &timeline[k].event {
                Event::Disconnect { platforms, .. } => {
                    for &p in platforms {
                        capacity.insert(p, 0.0);
                    }
                }
                Event::Restore { platforms, capacity: c, .. } => {
                    for &p in platforms {
                        let now = capacity.get(&p).copied().unwrap_or(1.0);
                        if *c < now {
                            self.err(
                                &format!("timeline[{k}].event.capacity"),
                                format!("this restore would lower a platform's capacity from {now} to {c}, which the model ignores (a restore only raises capacity); raise it, or disconnect the platform first"),
                            );
                        } else {
                            capacity.insert(p, *c);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// A decision's `question_after` names an earlier decision of the timeline and one of its
    /// options.
    fn question_after(&mut self, timeline: &[Inject]) {
        let at = |i: &Inject| i.day * 24 + i.hour;
        for (i, inj) in timeline.iter().enumerate() {
            let Event::Decision(d) = &inj.event else { continue };
            for (id, key, _) in &d.question_after {
                let path = format!("timeline[{i}].event.question_after");
                let earlier = timeline.iter().find_map(|j| match &j.event {
                    Event::Decision(e) if &e.id == id && at(j) <= at(inj) && e.id != d.id => Some(e),
                    _ => None,
                });
                match earlier {
                    None => self.err(&path, format!("`{id}` is not a decision before `{}`", d.id)),
                    Some(e) if !e.options.iter().any(|o| &o.key == key) => {
                        let keys: Vec<&str> = e.options.iter().map(|o| o.key.as_str()).collect();
                        self.err(&path, format!("`{key}` is not an option of `{id}` ({})", keys.join(", ")))
                    }
                    Some(_) => {}
                }
            }
        }
    }

    /// Restores must not come before the disconnects they undo, and nothing before a compromise.
    fn timeline_order(&mut self, timeline: &[Inject]) {
        let hour = |i: &Inject| i.day * 24 + i.hour;
        let first_compromise = timeline.iter().filter(|i| matches!(i.event, Event::Compromise { .. })).map(hour).min();
        for (k, inj) in timeline.iter().enumerate() {
            let path = format!("timeline[{k}].day");
            match &inj.event {
                Event::Restore { platforms, .. } => {
                    for p in platforms {
                        let disconnect = timeline
                            .iter()
                            .filter(|i| matches!(&i.event, Event::Disconnect { platforms, .. } | Event::Degrade { platforms, .. } if platforms.contains(p)))
                            .map(hour)
                            .min();
                        match disconnect {
                            Some(d) if d > hour(inj) => self.err(&path, format!("this restore (day {}, hour {}) comes before the platform is disconnected (day {}, hour {}); move it later", inj.day, inj.hour, d / 24, d % 24)),
                            None => self.err(&format!("timeline[{k}].event"), "this restores a platform that is never disconnected or degraded; add a Disconnect inject or remove the restore"),
                            _ => {}
                        }
                    }
                    if let Some(c) = first_compromise
                        && hour(inj) < c
                    {
                        self.err(
                            &path,
                            format!(
                                "this restore comes before the first compromise (day {}, hour {}); restore after it",
                                c / 24,
                                c % 24
                            ),
                        );
                    }
                }
                Event::Exfiltrate { .. } | Event::Announce { .. } | Event::Detect { .. } => {
                    if let Some(c) = first_compromise
                        && hour(inj) < c
                    {
                        self.err(
                            &path,
                            format!(
                                "this {} comes before the first compromise (day {}, hour {}); move it later",
                                inj.event.key(),
                                c / 24,
                                c % 24
                            ),
                        );
                    }
                }
                _ => {}
            }
        }
    }
}

/// An empty scenario to return alongside fatal problems.
fn empty(raw: RawScenario, start: Date, days: u32) -> Scenario {
    Scenario {
        id: raw.id,
        title: raw.title,
        description: raw.description,
        start,
        days,
        tick_hours: raw.tick_hours,
        seed: raw.seed,
        regions: Vec::new(),
        vendors: Vec::new(),
        platforms: Vec::new(),
        profiles: Vec::new(),
        providers: Vec::new(),
        timeline: Vec::new(),
        evaluation: Default::default(),
        aftermath: super::Aftermath {
            inquiry_rate: 0.0,
            inquiry_share_cap: 0.0,
            inquiry_half_life_days: 1.0,
            inquiry_minutes: 0.0,
            gdpr_notification_minutes: 0.0,
            nis2_early_warning_minutes: 0.0,
            nis2_notification_minutes: 0.0,
        },
        regime: Regime { name: String::new(), duties: Vec::new() },
        observed: Vec::new(),
    }
}

fn class_index(c: UrgencyClass) -> usize {
    match c {
        UrgencyClass::Urgent => super::URGENT,
        UrgencyClass::Soon => super::SOON,
        UrgencyClass::Elective => super::ELECTIVE,
    }
}

/// Mark the providers the timeline hits directly: a platform they take a function from is
/// disconnected or degraded, or their service capacity is cut.
fn mark_affected(providers: &mut [ProviderSpec], timeline: &[Inject]) {
    let mut platforms_hit: Vec<usize> = Vec::new();
    let mut named = std::collections::BTreeSet::new();
    for inj in timeline {
        match &inj.event {
            Event::Disconnect { platforms, .. } => platforms_hit.extend(platforms),
            Event::Degrade { platforms, throughput } if *throughput < 1.0 => platforms_hit.extend(platforms),
            Event::ServiceCapacity { providers, capacity, .. } if *capacity < 1.0 => {
                named.extend(providers.iter().copied())
            }
            _ => {}
        }
    }
    for (i, p) in providers.iter_mut().enumerate() {
        p.affected = named.contains(&(i as u32))
            || p.sources.iter().any(|s| matches!(s, Source::Platform(q) if platforms_hit.contains(&usize::from(*q))));
    }
}

/// Platforms a provider uses by default: its vendor's shared platforms, and the vendor cloud
/// when it is a tenant there.
fn default_platforms(platforms: &[Platform], vendor: usize, hosting: Hosting) -> Vec<usize> {
    platforms
        .iter()
        .enumerate()
        .filter(|(_, p)| p.vendor == vendor && (p.kind != PlatformKind::Cloud || hosting == Hosting::VendorCloud))
        .map(|(i, _)| i)
        .collect()
}

/// Assign `count` items to categories with the given shares by largest remainder, spread evenly
/// (item k gets the category whose cumulative share first exceeds (k + 0.5) / count).
pub(crate) fn apportion(count: usize, shares: &[f64]) -> Vec<usize> {
    let total: f64 = shares.iter().sum::<f64>().max(1e-12);
    let mut out = Vec::with_capacity(count);
    let mut cumulative = Vec::with_capacity(shares.len());
    let mut acc = 0.0;
    for s in shares {
        acc += s / total;
        cumulative.push(acc);
    }
    for k in 0..count {
        let x = (k as f64 + 0.5) / count as f64;
        out.push(cumulative.iter().position(|&c| x < c).unwrap_or(shares.len() - 1));
    }
    out
}

fn default_title(e: &Event, vendors: &[Vendor], platforms: &[Platform]) -> String {
    let vname = |v: &usize| vendors.get(*v).map_or("?", |v| v.name.as_str()).to_string();
    let pnames = |ps: &[usize]| {
        ps.iter().map(|p| platforms.get(*p).map_or("?", |p| p.name.as_str())).collect::<Vec<_>>().join(", ")
    };
    match e {
        Event::Compromise { vendor } => format!("{} compromised", vname(vendor)),
        Event::Detect { vendor } => format!("{} detects the attack", vname(vendor)),
        Event::Announce { vendor } => format!("{} announces the breach", vname(vendor)),
        Event::Disconnect { platforms, .. } => format!("Disconnected: {}", pnames(platforms)),
        Event::Degrade { platforms, throughput } => {
            format!("Degraded to {:.0}% throughput: {}", throughput * 100.0, pnames(platforms))
        }
        Event::ServiceCapacity { providers, capacity, .. } => {
            format!("Service capacity {:.0}% at {} providers", capacity * 100.0, providers.len())
        }
        Event::Restore { platforms, capacity, .. } => {
            format!("Restored to {:.0}%: {}", capacity * 100.0, pnames(platforms))
        }
        Event::Exfiltrate { providers, .. } => format!("Data stolen from {} providers", providers.len()),
        Event::Phishing { .. } => "Phishing wave".to_string(),
        Event::Decision(d) => d.question.clone(),
        Event::Note => "Note".to_string(),
    }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s).filter(|d| (1900..=2200).contains(&d.year))
}

/// The closest known name within a small edit distance, for "did you mean" hints.
pub(crate) fn closest<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    let len = lower.chars().count();
    known
        // The distance is at least the difference in length: skip hopeless names unmeasured, so a
        // huge name costs nothing.
        .filter(|k| len.abs_diff(k.chars().count()) <= (k.len() / 3).max(2))
        .map(|k| (strsim::levenshtein(&lower, &k.to_lowercase()), k))
        .filter(|(d, k)| *d <= (k.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_is_exact() {
        let a = apportion(69, &[0.72, 0.14, 0.11, 0.03]);
        let counts: Vec<usize> = (0..4).map(|c| a.iter().filter(|&&x| x == c).count()).collect();
        assert_eq!(counts.iter().sum::<usize>(), 69);
        assert!((counts[0] as f64 - 69.0 * 0.72).abs() <= 1.0, "{counts:?}");
        assert!((counts[1] as f64 - 69.0 * 0.14).abs() <= 1.0, "{counts:?}");
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("2026-04-07").unwrap().weekday(), 1); // a Tuesday
        assert!(parse_date("2026-02-30").is_none());
        assert!(parse_date("2026-13-01").is_none() && parse_date("1800-01-01").is_none());
        assert!(parse_date("2026-4-7").is_some_and(|d| d.to_string() == "2026-04-07"));
        assert_eq!(parse_date("2024-02-28").unwrap().plus_days(1).to_string(), "2024-02-29");
        assert_eq!(parse_date("1970-01-02").unwrap().days_from_civil(), 1);
        assert_eq!(parse_date("2026-04-01").unwrap().plus_days(30).to_string(), "2026-05-01");
    }

    #[test]
    fn suggestions() {
        assert_eq!(closest("Chipsoft", ["ChipSoft", "epic"].into_iter()), Some("ChipSoft"));
        assert_eq!(closest("zzz", ["ChipSoft", "epic"].into_iter()), None);
    }
}
