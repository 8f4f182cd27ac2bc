//! Policy sweeps: a base scenario and variants over policy levers, each run with the same
//! replications (common random numbers), with the HHI of each variant's market.
//!
//! A sweep file (RON) names a base scenario (a built-in or a path relative to the sweep file) and
//! a list of variants, each a list of levers applied in order to the base's raw form
//! ([`crate::scenario::raw::RawScenario`]), which is then validated like any scenario:
//!
//! - `AddVendor(id, like)`: a new vendor with copies of `like`'s platforms (ids `<id>-<platform>`).
//! - `MarketShares(groups, vendors)`: the vendor shares of the groups named (by group id or
//!   profile id; `[]` = every group).
//! - `HostingMix(groups, hosting)`: the hosting shares of those groups.
//! - `Plan(profiles, overtime_cap, activation_hours, fallback_efficiency)`: plan strength of the
//!   profiles named (`[]` = all). `fallback_efficiency` e in 0..=1 removes that share of every
//!   fallback's extra cost (clinical factor `1 + (f - 1)(1 - e)`, admin minutes `a (1 - e)`).
//! - `Compromise(Named("epic") | Largest | EachInTurn)`: move the incident from the vendor the
//!   base compromises to another (its platforms mapped by kind; injects on platforms the new
//!   vendor lacks are dropped). `Largest` is the vendor with most providers in the sweep's
//!   `market`; `EachInTurn` expands the variant into one per vendor with customers.
//! - `Exchange(Central | Federated)`: applied after validation, to every provider. Central: the
//!   first platform of kind `Exchange` carries the exchange function for all providers (a single
//!   point of failure); federated: every provider exchanges from its own side (`Source::Local`).
//!
//! The HHI of a variant is the sum of squared percentage vendor shares (0-10,000) of the
//! providers of the sweep's `market` kind (all providers when none is set), counting providers.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::batch::{self, BatchOptions, HEADLINE, Layout, Record, Stat, csv_field, fmt_num, round4};
use crate::error::{Error, Problem, ScenarioError};
use crate::experiment::{self, Partial, Shard, VariantRecords};
use crate::model::{DEFAULT_FALLBACK, Function, Hosting, ProviderKind, Source};
use crate::report::write_atomic;
use crate::scenario::locate::Locations;
use crate::scenario::raw::{PlatformKind, RawEvent, RawFallback, RawPlatform, RawScenario, RawScope, RawVendor};
use crate::scenario::{self, Scenario};
use crate::sim;

pub use crate::experiment::{SweepMeta, VariantMeta};

/// Most variants a sweep may expand to.
pub const MAX_VARIANTS: usize = 1_000;
/// Largest sweep file accepted, in bytes.
pub const MAX_SWEEP_BYTES: u64 = 1 << 20;

/// The sweep file: `Sweep(id: "...", base: "nl-national", variants: [...])`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename = "Sweep")]
pub struct RawSweep {
    /// Short identifier, used in the default output folder `reports/<id>-sweep/`.
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// A built-in scenario name or a path relative to the sweep file.
    pub base: String,
    /// Replications per variant when the command line gives none. Default 20.
    #[serde(default)]
    pub runs: Option<u64>,
    /// Master seed. Default: the base scenario's.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Horizon in days, overriding the base's.
    #[serde(default)]
    pub days: Option<u32>,
    /// The provider kind whose vendor market the HHI and `Largest` refer to. Default: all.
    #[serde(default)]
    pub market: Option<ProviderKind>,
    pub variants: Vec<RawVariant>,
}

/// One variant: a name and the levers that make it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename = "Variant")]
pub struct RawVariant {
    pub name: String,
    #[serde(default)]
    pub levers: Vec<Lever>,
}

/// A policy lever.
#[derive(Debug, Clone, Deserialize)]
pub enum Lever {
    AddVendor {
        id: String,
        like: String,
        #[serde(default)]
        name: Option<String>,
    },
    MarketShares {
        #[serde(default)]
        groups: Vec<String>,
        #[serde(deserialize_with = "crate::scenario::unique::map")]
        vendors: BTreeMap<String, f64>,
    },
    HostingMix {
        #[serde(default)]
        groups: Vec<String>,
        #[serde(deserialize_with = "crate::scenario::unique::map")]
        hosting: BTreeMap<Hosting, f64>,
    },
    Plan {
        #[serde(default)]
        profiles: Vec<String>,
        #[serde(default)]
        overtime_cap: Option<f64>,
        #[serde(default)]
        activation_hours: Option<f64>,
        #[serde(default)]
        fallback_efficiency: Option<f64>,
    },
    Compromise(Target),
    Exchange(ExchangeMode),
}

/// Which vendor the incident hits.
#[derive(Debug, Clone, Deserialize)]
pub enum Target {
    Named(String),
    Largest,
    EachInTurn,
}

/// Exchange architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ExchangeMode {
    Central,
    Federated,
}

/// A sweep ready to run.
pub struct Sweep {
    pub meta: SweepMeta,
    /// Each variant's description and how to build its scenario ([`Sweep::scenario`]).
    pub variants: Vec<(VariantMeta, Variant)>,
    /// Default replications per variant.
    pub runs: u64,
    base_text: String,
    base_name: String,
    days: Option<u32>,
    /// The base's uncertain parameters (`None` when it has none); variants are built at their
    /// nominal values.
    uncertain: Option<std::sync::Arc<crate::uncertain::Uncertain>>,
}

/// How to build one variant's scenario: the base with its levers applied (raw) and the
/// exchange mode. A sweep keeps these rather than the validated scenarios, so that memory
/// holds a bounded block of validated scenarios whatever the number of variants.
#[derive(Debug, Clone)]
pub struct Variant {
    raw: RawScenario,
    exchange: Option<ExchangeMode>,
    /// The levers applied to the base's raw form (without `Compromise` and `Exchange`), and the
    /// vendor the incident is moved to: the recipe again at other parameter values.
    levers: Vec<Lever>,
    target: Option<String>,
}

impl Sweep {
    /// The validated scenario of variant `i` (checked when the sweep was loaded).
    pub fn scenario(&self, i: usize) -> Result<Scenario, Error> {
        let (_, v) = self.variants.get(i).ok_or_else(|| Error::Usage(format!("the sweep has no variant {i}")))?;
        let mut s = scenario::from_raw(v.raw.clone(), &self.base_text, &self.base_name)?;
        if let Some(d) = self.days {
            s.set_days(d);
        }
        if let Some(mode) = v.exchange {
            set_exchange(&mut s, mode).map_err(Error::Usage)?;
        }
        Ok(s)
    }

    /// The base's uncertain parameters, when it has any.
    pub fn uncertain(&self) -> Option<&crate::uncertain::Uncertain> {
        self.uncertain.as_deref()
    }

    /// Variant `i` at the base's parameter values `values` (one per uncertain parameter; empty
    /// for the nominal scenario): the variant's levers applied to the base's raw form at those
    /// values, so every variant sees the same parameter draw.
    pub fn scenario_at(&self, i: usize, values: &[f64]) -> Result<Scenario, Error> {
        let Some(u) = self.uncertain.as_deref().filter(|_| !values.is_empty()) else {
            return self.scenario(i);
        };
        let (meta, v) = self.variants.get(i).ok_or_else(|| Error::Usage(format!("the sweep has no variant {i}")))?;
        let text = u.text_at(values);
        let mut r = scenario::parse_raw(&text, &self.base_name)?;
        let mut cx = Ctx { file: self.base_name.clone(), loc: Locations::index(""), problems: Vec::new() };
        for lever in &v.levers {
            apply(&mut cx, "", &mut r, lever);
        }
        if let Some(to) = &v.target {
            retarget(&mut r, to).map_err(Error::Usage)?;
        }
        if !cx.problems.is_empty() {
            let msgs: Vec<String> = cx.problems.iter().map(|p| p.message.clone()).collect();
            return Err(Error::Usage(format!("variant `{}` at a parameter draw: {}", meta.name, msgs.join("; "))));
        }
        let mut s = scenario::from_raw(r, &text, &self.base_name)?;
        if let Some(d) = self.days {
            s.set_days(d);
        }
        if let Some(mode) = v.exchange {
            set_exchange(&mut s, mode).map_err(Error::Usage)?;
        }
        Ok(s)
    }
}

struct Ctx {
    file: String,
    loc: Locations,
    problems: Vec<Problem>,
}

impl Ctx {
    fn err(&mut self, path: &str, message: impl Into<String>) {
        let (line, column) = self.loc.at(path);
        self.problems.push(Problem::new(line, column, message));
    }
    fn fail(&mut self) -> ScenarioError {
        ScenarioError { file: self.file.clone(), problems: std::mem::take(&mut self.problems) }
    }
}

/// The built-in sweeps, embedded in the binary; the same files live in `scenarios/sweeps/`.
/// (name, one-line description, RON text).
pub const BUILTINS: &[(&str, &str, &str)] = &[(
    "diversification",
    "Dutch care under the ChipSoft timeline: today's hospital EHR market against 3 and 5 equal vendors, central against federated exchange",
    include_str!("../scenarios/sweeps/diversification.ron"),
)];

/// The text of a built-in sweep.
pub fn builtin(name: &str) -> Option<&'static str> {
    BUILTINS.iter().find(|(n, _, _)| *n == name).map(|(_, _, t)| *t)
}

/// Load a built-in sweep by name, else a sweep file. A name that is neither a built-in nor
/// something that looks like a file (no extension, no folder, not present) is a usage error
/// (exit code 2) listing the built-ins.
pub fn load_spec(spec: &Path) -> Result<Sweep, Error> {
    if let Some(name) = spec.to_str()
        && let Some(text) = builtin(name)
    {
        return Ok(from_str(text, &format!("<built-in sweep {name}>"), Path::new("."))?);
    }
    let bare = spec.extension().is_none() && spec.parent().is_none_or(|p| p.as_os_str().is_empty());
    if bare && !spec.exists() {
        let name = spec.display().to_string();
        let names: Vec<&str> = BUILTINS.iter().map(|(n, _, _)| *n).collect();
        let hint = match crate::scenario::validate::closest(&name, names.iter().copied()) {
            Some(n) => format!("did you mean `{n}`? "),
            None => String::new(),
        };
        return Err(Error::Usage(format!(
            "`{name}` is neither a built-in sweep nor a sweep file; {hint}built-in sweeps: {} (`downtime scenarios` lists them)",
            names.join(", ")
        )));
    }
    Ok(load(spec)?)
}

/// Load a sweep file and build its variants (every variant validated).
pub fn load(path: &Path) -> Result<Sweep, ScenarioError> {
    use std::io::Read;
    let file = path.display().to_string();
    let f = crate::input::open_regular(path)
        .map_err(|e| ScenarioError::single(&file, 0, 0, format!("cannot read the sweep file: {e}")))?;
    let mut text = String::new();
    f.take(MAX_SWEEP_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| ScenarioError::single(&file, 0, 0, format!("cannot read the sweep file as UTF-8 text: {e}")))?;
    crate::input::strip_bom(&mut text);
    if text.len() as u64 > MAX_SWEEP_BYTES {
        return Err(ScenarioError::single(&file, 1, 1, "the sweep file is larger than 1 MiB".into()));
    }
    from_str(&text, &file, path.parent().unwrap_or(Path::new(".")))
}

/// Parse and build a sweep from text; `dir` resolves a relative base path.
pub fn from_str(text: &str, file: &str, dir: &Path) -> Result<Sweep, ScenarioError> {
    let raw: RawSweep = crate::scenario::syntax::parse_strict(
        text,
        file,
        "; `downtime sweep diversification` is a built-in example (write your own from docs/distributed.md)",
    )?;
    let mut cx = Ctx { file: file.to_string(), loc: Locations::index(text), problems: Vec::new() };
    if raw.variants.is_empty() {
        cx.err("variants", "no variants; add at least one, such as Variant(name: \"today\")");
    }
    if raw.variants.len() > MAX_VARIANTS {
        cx.err("variants", format!("{} variants; at most {MAX_VARIANTS}", raw.variants.len()));
    }
    if raw.id.is_empty()
        || raw.id.len() > 64
        || raw.id.starts_with('-')
        || !raw.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        cx.err(
            "id",
            format!(
                "the id `{}` cannot name an output folder; use 1-64 lowercase letters, digits and `-`",
                raw.id.escape_default()
            ),
        );
    }
    if let Some(d) = raw.days
        && !(1..=3650).contains(&d)
    {
        cx.err("days", format!("the horizon is {d} days; use 1 to 3650"));
    }
    if let Some(r) = raw.runs
        && !(1..=batch::MAX_RUNS).contains(&r)
    {
        cx.err("runs", format!("{r} runs; use 1 to {}", batch::MAX_RUNS));
    }
    if !cx.problems.is_empty() {
        return Err(cx.fail());
    }
    // The base, as text (for positions) and raw.
    let (base_text, base_name) = match scenario::builtin::get(&raw.base) {
        Some(t) => (t.to_string(), format!("<built-in {}>", raw.base)),
        None => {
            let p: PathBuf = dir.join(&raw.base);
            // Read at most one byte past the limit: the base may name a device or a huge file.
            let read = crate::input::open_regular(&p).and_then(|f| {
                let mut t = String::new();
                std::io::Read::read_to_string(&mut std::io::Read::take(f, scenario::MAX_FILE_BYTES + 1), &mut t).map(
                    |_| {
                        crate::input::strip_bom(&mut t);
                        t
                    },
                )
            });
            match read {
                Ok(t) if t.len() as u64 <= scenario::MAX_FILE_BYTES => (t, p.display().to_string()),
                _ => {
                    cx.err(
                        "base",
                        format!(
                            "the base `{}` is neither a built-in ({}) nor a readable scenario file relative to the sweep file",
                            raw.base,
                            scenario::builtin::names().join(", ")
                        ),
                    );
                    return Err(cx.fail());
                }
            }
        }
    };
    // A base with uncertain parameters: the variants are checked at their nominal values.
    let uncertain = if base_text.contains("Uncertain(") {
        Some(std::sync::Arc::new(crate::uncertain::Uncertain::from_text(&base_text, &base_name)?))
    } else {
        None
    };
    let base_text = match &uncertain {
        Some(u) => u.text_at(&u.nominal_values()),
        None => base_text,
    };
    let base_raw = scenario::parse_raw(&base_text, &base_name)?;
    let base = scenario::from_raw(base_raw.clone(), &base_text, &base_name)?;
    let market = raw.market;
    let mut variants = Vec::new();
    for (i, v) in raw.variants.iter().enumerate() {
        let vp = format!("variants[{i}]");
        let mut r = base_raw.clone();
        let mut exchange = None;
        let mut target = None;
        for (j, lever) in v.levers.iter().enumerate() {
            let lp = format!("{vp}.levers[{j}]");
            match lever {
                Lever::Exchange(m) => exchange = Some(*m),
                Lever::Compromise(t) => target = Some((t.clone(), lp)),
                other => apply(&mut cx, &lp, &mut r, other),
            }
        }
        if !cx.problems.is_empty() {
            continue;
        }
        let validate = |r: &RawScenario| -> Result<Scenario, ScenarioError> {
            let mut s = scenario::from_raw(r.clone(), &base_text, &base_name).map_err(|mut e| {
                e.file = format!("{} (variant `{}` of {file})", e.file, v.name);
                e
            })?;
            if let Some(d) = raw.days {
                s.set_days(d);
            }
            Ok(s)
        };
        let first = validate(&r)?;
        let targets: Vec<Option<String>> = match &target {
            None => vec![None],
            Some((Target::Named(name), lp)) => {
                if !r.vendors.iter().any(|x| &x.id == name) {
                    cx.err(lp, format!("unknown vendor `{name}`; known: {}", vendor_list(&r)));
                    continue;
                }
                vec![Some(name.clone())]
            }
            Some((Target::Largest, _)) => vec![largest(&first, market)],
            Some((Target::EachInTurn, _)) => (0..first.vendors.len())
                .filter(|&x| first.providers.iter().any(|p| p.vendor == x))
                .map(|x| Some(first.vendors[x].id.clone()))
                .collect(),
        };
        for t in targets {
            if variants.len() >= MAX_VARIANTS {
                cx.err(&vp, format!("the variants expand to more than {MAX_VARIANTS}; use fewer variants or vendors"));
                break;
            }
            let (mut s, name, source) = match &t {
                None => (first.clone(), v.name.clone(), r.clone()),
                Some(vendor) => {
                    let mut rv = r.clone();
                    if let Err(msg) = retarget(&mut rv, vendor) {
                        let lp = target.as_ref().map_or(vp.clone(), |(_, lp)| lp.clone());
                        cx.err(&lp, msg);
                        continue;
                    }
                    let name = if matches!(target, Some((Target::EachInTurn, _))) {
                        format!("{} / {vendor} compromised", v.name)
                    } else {
                        v.name.clone()
                    };
                    (validate(&rv)?, name, rv)
                }
            };
            if let Some(mode) = exchange
                && let Err(msg) = set_exchange(&mut s, mode)
            {
                cx.err(&format!("{vp}.levers"), msg);
                continue;
            }
            let meta = VariantMeta {
                name,
                compromised: compromised(&s).unwrap_or_else(|| "none".into()),
                hhi: round4(hhi(&s, market)),
                providers: s.providers.len(),
            };
            // The recipe is kept, not the validated scenario: one is built at a time to run.
            drop(s);
            let levers =
                v.levers.iter().filter(|l| !matches!(l, Lever::Exchange(_) | Lever::Compromise(_))).cloned().collect();
            variants.push((meta, Variant { raw: source, exchange, levers, target: t.clone() }));
        }
        if variants.len() >= MAX_VARIANTS && !cx.problems.is_empty() {
            break;
        }
    }
    if variants.len() > MAX_VARIANTS {
        cx.err("variants", format!("the variants expand to {}; at most {MAX_VARIANTS}", variants.len()));
    }
    let mut names = std::collections::BTreeSet::new();
    for (i, v) in raw.variants.iter().enumerate() {
        if !names.insert(v.name.as_str()) {
            cx.err(
                &format!("variants[{i}].name"),
                format!("the variant name `{}` is used twice; names must be unique", v.name),
            );
        }
    }
    if !cx.problems.is_empty() {
        return Err(cx.fail());
    }
    let days = raw.days.unwrap_or(base.days);
    Ok(Sweep {
        meta: SweepMeta {
            sweep: raw.id.clone(),
            title: raw.title.clone(),
            description: raw.description.clone(),
            base: raw.base.clone(),
            seed: raw.seed.unwrap_or(base.seed),
            days,
            runs: 0,
            market: market.map_or("all".into(), |k| k.key().to_string()),
            draws: None,
        },
        variants,
        runs: raw.runs.unwrap_or(20),
        base_text,
        base_name,
        days: raw.days,
        uncertain: uncertain.filter(|u| !u.parameters().is_empty()),
    })
}

fn vendor_list(r: &RawScenario) -> String {
    r.vendors.iter().map(|v| format!("`{}`", v.id)).collect::<Vec<_>>().join(", ")
}

fn selected(sel: &[String], id: &str, profile: &str) -> bool {
    sel.is_empty() || sel.iter().any(|s| s == id || s == profile)
}

fn check_selectors(cx: &mut Ctx, lp: &str, sel: &[String], known: &[(&str, &str)]) {
    for (k, s) in sel.iter().enumerate() {
        if !known.iter().any(|(id, profile)| id == s || profile == s) {
            let list: Vec<String> = known.iter().map(|(id, _)| format!("`{id}`")).collect();
            cx.err(&format!("{lp}.groups[{k}]"), format!("no group or profile `{s}`; groups: {}", list.join(", ")));
        }
    }
}

fn check_shares(cx: &mut Ctx, lp: &str, values: impl Iterator<Item = f64>) {
    let mut sum = 0.0;
    for v in values {
        if !(0.0..=1.0).contains(&v) {
            cx.err(lp, format!("a share is {v}; shares must be between 0 and 1"));
            return;
        }
        sum += v;
    }
    if (sum - 1.0).abs() > 1e-6 {
        cx.err(lp, format!("the shares sum to {sum:.4}; they must sum to 1"));
    }
}

/// Apply one raw-level lever.
fn apply(cx: &mut Ctx, lp: &str, r: &mut RawScenario, lever: &Lever) {
    match lever {
        Lever::AddVendor { id, like, name } => {
            if r.vendors.iter().any(|v| &v.id == id) {
                cx.err(&format!("{lp}.id"), format!("the vendor `{id}` already exists"));
                return;
            }
            if !r.vendors.iter().any(|v| &v.id == like) {
                cx.err(&format!("{lp}.like"), format!("unknown vendor `{like}`; known: {}", vendor_list(r)));
                return;
            }
            r.vendors.push(RawVendor { id: id.clone(), name: name.clone() });
            let copies: Vec<RawPlatform> = r
                .platforms
                .iter()
                .filter(|p| &p.vendor == like)
                .map(|p| RawPlatform {
                    id: format!("{id}-{}", p.id),
                    name: Some(format!("{} ({})", name.as_deref().unwrap_or(id), p.name.as_deref().unwrap_or(&p.id))),
                    vendor: id.clone(),
                    kind: p.kind,
                    functions: p.functions.clone(),
                })
                .collect();
            r.platforms.extend(copies);
        }
        Lever::MarketShares { groups, vendors } => {
            if r.groups.is_empty() {
                cx.err(lp, "the base scenario has no `groups`, so market shares change nothing; use a base with groups (such as nl-national) or AddVendor and per-provider vendors");
                return;
            }
            let known: Vec<(&str, &str)> = r.groups.iter().map(|g| (g.id.as_str(), g.profile.as_str())).collect();
            check_selectors(cx, lp, groups, &known);
            for name in vendors.keys() {
                if !r.vendors.iter().any(|v| &v.id == name) {
                    cx.err(
                        &format!("{lp}.vendors.{name}"),
                        format!("unknown vendor `{name}`; known: {} (add one with AddVendor)", vendor_list(r)),
                    );
                }
            }
            check_shares(cx, &format!("{lp}.vendors"), vendors.values().copied());
            for g in r.groups.iter_mut().filter(|g| selected(groups, &g.id, &g.profile)) {
                g.vendors = vendors.clone();
            }
        }
        Lever::HostingMix { groups, hosting } => {
            if r.groups.is_empty() {
                cx.err(lp, "the base scenario has no `groups`, so a hosting mix changes nothing; use a base with groups (such as nl-national)");
                return;
            }
            let known: Vec<(&str, &str)> = r.groups.iter().map(|g| (g.id.as_str(), g.profile.as_str())).collect();
            check_selectors(cx, lp, groups, &known);
            check_shares(cx, &format!("{lp}.hosting"), hosting.values().copied());
            for g in r.groups.iter_mut().filter(|g| selected(groups, &g.id, &g.profile)) {
                g.hosting = Some(hosting.clone());
            }
        }
        Lever::Plan { profiles, overtime_cap, activation_hours, fallback_efficiency } => {
            for (k, s) in profiles.iter().enumerate() {
                if !r.profiles.iter().any(|p| &p.id == s) {
                    cx.err(&format!("{lp}.profiles[{k}]"), format!("no profile `{s}`"));
                }
            }
            if let Some(e) = fallback_efficiency
                && !(0.0..=1.0).contains(e)
            {
                cx.err(&format!("{lp}.fallback_efficiency"), format!("{e}; use 0 (as planned) to 1 (no extra cost)"));
                return;
            }
            for p in r.profiles.iter_mut().filter(|p| selected(profiles, &p.id, &p.id)) {
                if let Some(x) = overtime_cap {
                    p.plan.overtime_cap = *x;
                }
                if let Some(x) = activation_hours {
                    p.plan.activation_hours = *x;
                }
                if let Some(e) = fallback_efficiency {
                    for f in Function::ALL {
                        if !p.plan.fallback.iter().any(|x| x.function == f) {
                            let d = DEFAULT_FALLBACK[f.index()];
                            p.plan.fallback.push(RawFallback {
                                function: f,
                                clinical_factor: Some(d.clinical_factor),
                                admin_minutes: Some(d.admin_minutes),
                                throughput: Some(d.throughput),
                            });
                        }
                    }
                    // Efficiency e closes that share of the gap to normal work: extra cost and
                    // lost throughput alike.
                    for x in &mut p.plan.fallback {
                        let d = DEFAULT_FALLBACK[x.function.index()];
                        x.clinical_factor =
                            Some(1.0 + (x.clinical_factor.unwrap_or(d.clinical_factor) - 1.0) * (1.0 - e));
                        x.admin_minutes = Some(x.admin_minutes.unwrap_or(d.admin_minutes) * (1.0 - e));
                        x.throughput = Some(1.0 - (1.0 - x.throughput.unwrap_or(d.throughput)) * (1.0 - e));
                    }
                }
            }
        }
        Lever::Compromise(_) | Lever::Exchange(_) => {}
    }
}

/// The vendor the first Compromise inject hits.
fn compromised(s: &Scenario) -> Option<String> {
    s.timeline.iter().find_map(|i| match i.event {
        scenario::Event::Compromise { vendor } => Some(s.vendors[vendor].id.clone()),
        _ => None,
    })
}

/// Move the incident from the compromised vendor to `to`, mapping platforms by kind.
fn retarget(r: &mut RawScenario, to: &str) -> Result<(), String> {
    let from = r
        .timeline
        .iter()
        .find_map(|i| match &i.event {
            RawEvent::Compromise { vendor } => Some(vendor.clone()),
            _ => None,
        })
        .ok_or("the base scenario has no Compromise inject to move to another vendor")?;
    if from == to {
        return Ok(());
    }
    let kind_of: BTreeMap<String, (String, PlatformKind)> =
        r.platforms.iter().map(|p| (p.id.clone(), (p.vendor.clone(), p.kind))).collect();
    let map_platform = |id: &String| -> Option<String> {
        match kind_of.get(id) {
            Some((v, kind)) if *v == from => {
                r.platforms.iter().find(|p| p.vendor == to && p.kind == *kind).map(|p| p.id.clone())
            }
            _ => Some(id.clone()),
        }
    };
    let map_list = |list: &[String]| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in list.iter().filter_map(map_platform) {
            if !out.contains(&p) {
                out.push(p);
            }
        }
        out
    };
    let swap = |v: &mut String| {
        if *v == from {
            *v = to.to_string();
        }
    };
    let mut timeline = Vec::with_capacity(r.timeline.len());
    for mut inj in r.timeline.clone() {
        match &mut inj.event {
            RawEvent::Compromise { vendor } | RawEvent::Detect { vendor } | RawEvent::Announce { vendor } => {
                swap(vendor)
            }
            RawEvent::Disconnect { platforms, .. }
            | RawEvent::Restore { platforms, .. }
            | RawEvent::Degrade { platforms, .. } => {
                *platforms = map_list(platforms);
                if platforms.is_empty() {
                    continue;
                }
            }
            RawEvent::Exfiltrate { scope, .. } => match scope {
                RawScope::CloudTenants(v) | RawScope::Customers(v) => swap(v),
                RawScope::Providers(_) => {}
            },
            RawEvent::Phishing { .. }
            | RawEvent::Decision { .. }
            | RawEvent::Note
            | RawEvent::ServiceCapacity { .. } => {}
        }
        timeline.push(inj);
    }
    r.timeline = timeline;
    Ok(())
}

/// Point every provider's exchange function at one central platform, or at its own side.
fn set_exchange(s: &mut Scenario, mode: ExchangeMode) -> Result<(), String> {
    let source = match mode {
        ExchangeMode::Federated => Source::Local,
        ExchangeMode::Central => {
            let p = s
                .platforms
                .iter()
                .position(|p| p.kind == PlatformKind::Exchange)
                .ok_or("Exchange(Central) needs a platform of kind Exchange in the base scenario")?;
            Source::Platform(p as u16)
        }
    };
    for p in &mut s.providers {
        p.sources[Function::Exchange.index()] = source;
    }
    Ok(())
}

/// Provider counts per vendor in the market (providers of `market` kind, or all).
fn market_counts(s: &Scenario, market: Option<ProviderKind>) -> Vec<u64> {
    let mut counts = vec![0u64; s.vendors.len()];
    for p in s.providers.iter().filter(|p| market.is_none_or(|k| p.kind == k)) {
        counts[p.vendor] += 1;
    }
    counts
}

/// Herfindahl-Hirschman index of the market: sum of squared percentage shares, 0-10,000.
pub fn hhi(s: &Scenario, market: Option<ProviderKind>) -> f64 {
    let counts = market_counts(s, market);
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return 0.0;
    }
    counts.iter().map(|&c| (100.0 * c as f64 / total as f64).powi(2)).sum()
}

fn largest(s: &Scenario, market: Option<ProviderKind>) -> Option<String> {
    let counts = market_counts(s, market);
    let best = counts.iter().enumerate().rev().max_by_key(|(_, c)| **c).map(|(i, _)| i)?;
    Some(s.vendors[best].id.clone())
}

/// One variant's row in the results.
#[derive(Debug, Clone, Serialize)]
pub struct VariantSummary {
    #[serde(flatten)]
    pub variant: VariantMeta,
    pub kpis: BTreeMap<String, Stat>,
}

/// `summary.json` of a sweep.
#[derive(Debug, Clone, Serialize)]
pub struct SweepSummary {
    /// The tool's version.
    pub version: &'static str,
    /// The layout version of `summary.json`.
    pub schema: u32,
    #[serde(flatten)]
    pub meta: SweepMeta,
    pub quantiles: &'static str,
    pub variants: Vec<VariantSummary>,
}

/// Each variant with its records in replication order.
pub type VariantResults = Vec<(VariantMeta, Vec<Record>)>;

/// Run the sweep's replications (of `options`' shard) for every variant.
pub fn run(sweep: &Sweep, options: &BatchOptions) -> Result<(Layout, VariantResults), Error> {
    run_all(sweep, options, false)
}

/// Run a nested sweep: every variant runs the same units (parameter draw `d`, replication `r`)
/// of `options`' shard, so the variants are paired on the parameters as on chance. Records
/// carry the unit's index as their replication; `slim` drops their daily series.
pub fn run_drawn(
    sweep: &Sweep,
    options: &BatchOptions,
    draws: u64,
    slim: bool,
) -> Result<(Layout, VariantResults), Error> {
    options.check()?;
    let u = sweep.uncertain().ok_or_else(|| {
        Error::Usage(format!(
            "--draws {draws} needs uncertain parameters in the sweep's base {}, and it has none; leave out --draws",
            sweep.meta.base
        ))
    })?;
    let layout = batch::layout(&sweep.scenario(0)?);
    let plan = experiment::Plan { runs: options.runs, draws, shard: options.shard };
    // Variants (and draws) that differ only in what acts during the incident share baselines.
    let baselines = experiment::SharedBaselines::for_scenario(&sweep.scenario(0)?, plan.units().count(), options.jobs);
    // Unit by unit, every variant in turn on one worker, so the variants of a unit find its
    // shared baseline (see `experiment::shared_order`).
    let mut rows: Vec<Vec<Record>> = vec![Vec::new(); sweep.variants.len()];
    experiment::try_run_plan(
        options.jobs,
        &plan,
        options.progress,
        |unit| -> Result<Vec<Record>, Error> {
            let values = u.draw(options.seed, unit.draw);
            (0..sweep.variants.len())
                .map(|i| {
                    let s = sweep.scenario_at(i, &values)?;
                    let rec = batch::unit_record(s, &layout, options.seed, unit, Some(&baselines));
                    Ok(if slim { rec.slim() } else { rec })
                })
                .collect()
        },
        |records| rows.iter_mut().zip(records).for_each(|(row, rec)| row.push(rec)),
    )?;
    let metas = sweep.variants.iter().map(|(meta, _)| meta.clone());
    Ok((layout, metas.zip(rows).collect()))
}

/// The partial result of a sharded sweep.
pub fn partial(meta: &SweepMeta, shard: Shard, layout: Layout, results: Vec<(VariantMeta, Vec<Record>)>) -> Partial {
    Partial::Sweep {
        format: experiment::FORMAT.to_string(),
        shard,
        meta: meta.clone(),
        layout,
        variants: results.into_iter().map(|(variant, records)| VariantRecords { variant, records }).collect(),
    }
}

/// Run the whole sweep (no shard), keeping each replication's headline KPIs only (the
/// report's paired differences need them, a few hundred bytes a run): its daily series and
/// per-kind figures are dropped as it arrives, so memory grows by little with the runs.
pub fn run_reduced(sweep: &Sweep, options: &BatchOptions) -> Result<Vec<(VariantMeta, Vec<Record>)>, Error> {
    Ok(run_all(sweep, options, true)?.1)
}

/// Validated scenarios of a sweep held at once, in bytes (with their baselines): variants are
/// built a block at a time within this, so memory does not grow with the number of variants.
/// Measured: about 2.1 MB a variant of nl-national (6,948 providers), so about 300 bytes a
/// provider; a block is then 15 national variants, or all of a sweep over chipsoft-2026 up to
/// 155.
const SCENARIO_BUDGET: usize = 32 << 20;

/// Run the replications of `options`' shard for every variant, a block of variants at a time
/// ([`SCENARIO_BUDGET`]), within a block replication by replication with every variant in turn
/// ([`experiment::shared_order`]), so that variants whose baselines are the same run (they
/// differ only in what acts during the incident) run it once per block. `slim` keeps each
/// record's headline KPIs only.
fn run_all(sweep: &Sweep, options: &BatchOptions, slim: bool) -> Result<(Layout, VariantResults), Error> {
    options.check()?;
    if sweep.variants.is_empty() {
        return Err(Error::Usage("the sweep has no variants".into()));
    }
    let first = sweep.scenario(0)?;
    let layout = batch::layout(&first);
    let reps = options.replications();
    let baselines = experiment::SharedBaselines::for_scenario(&first, reps.len(), options.jobs);
    let block = (SCENARIO_BUDGET / (300 * first.providers.len()).max(1)).max(1);
    drop(first);
    let mut records: Vec<Vec<Record>> = vec![Vec::new(); sweep.variants.len()];
    for start in (0..sweep.variants.len()).step_by(block) {
        let end = (start + block).min(sweep.variants.len());
        let pairs = (start..end)
            .map(|i| {
                let s = sweep.scenario(i)?;
                let b = sim::baseline_of(&s);
                Ok((Arc::new(s), Arc::new(b)))
            })
            .collect::<Result<Vec<(Arc<Scenario>, Arc<Scenario>)>, Error>>()?;
        experiment::par_stream(
            options.jobs,
            &experiment::shared_order(pairs.len(), &reps),
            options.progress,
            |&(i, r)| {
                let (s, b) = &pairs[i];
                let record = batch::record(s, b, &layout, options.seed, r, Some(&baselines), None);
                (i, if slim { record.slim() } else { record })
            },
            |(i, record)| records[start + i].push(record),
        )?;
    }
    let metas = sweep.variants.iter().map(|(meta, _)| meta.clone());
    Ok((layout, metas.zip(records).collect()))
}

/// Reduce and write `summary.json`, `results.csv` and `results.md` into `dir`.
pub fn write_sweep(
    dir: &Path,
    meta: &SweepMeta,
    layout: &Layout,
    results: &[(VariantMeta, Vec<Record>)],
) -> Result<SweepSummary, Error> {
    let variants: Vec<VariantSummary> = results
        .iter()
        .map(|(v, records)| {
            let mut r = batch::Reducer::new(layout, 0);
            records.iter().for_each(|x| r.push(x));
            VariantSummary { variant: v.clone(), kpis: r.kpi_stats() }
        })
        .collect();
    let summary = SweepSummary {
        version: crate::report::render::VERSION,
        schema: crate::report::render::SCHEMA,
        meta: meta.clone(),
        quantiles: batch::QUANTILE_METHOD,
        variants,
    };
    let json = serde_json::to_string_pretty(&summary).expect("summary serialises");
    write_atomic(&dir.join("summary.json"), format!("{json}\n").as_bytes())?;
    write_atomic(&dir.join("results.csv"), results_csv(layout, &summary).as_bytes())?;
    write_atomic(&dir.join("results.md"), results_md(&summary).as_bytes())?;
    let fmt = crate::report::format::count;
    let labels: Vec<String> = results.iter().map(|(v, _)| v.name.clone()).collect();
    let mut intro = vec![format!(
        "Variants of the base scenario {} set against the first, {}, as the reference.{}",
        meta.base,
        labels.first().cloned().unwrap_or_default(),
        if meta.description.is_empty() { String::new() } else { format!(" {}", meta.description) }
    )];
    intro.push(format!(
        "The market concentration (HHI: the sum of squared percentage shares of the vendors, counting {} providers; 10,000 is a single vendor) and the vendor the incident compromises, per variant: {}.",
        if meta.market == "all" { "all".to_string() } else { meta.market.replace('_', " ") },
        results
            .iter()
            .map(|(v, _)| format!("{} (HHI {}, {} compromised)", v.name, fmt(v.hhi), v.compromised))
            .collect::<Vec<_>>()
            .join("; ")
    ));
    let input = crate::report::policy::PolicyInput {
        kind: "Policy sweep",
        title: meta.title.clone(),
        subtitle: format!(
            "Sweep {} over {} · {} variants · {} each from seed {} · {}",
            meta.sweep,
            meta.base,
            results.len(),
            crate::report::format::plural(meta.runs as f64, "replication"),
            meta.seed,
            crate::report::format::days(f64::from(meta.days))
        ),
        generated_by: "downtime sweep".into(),
        intro,
        labels,
        extra: vec![
            ("compromised".into(), results.iter().map(|(v, _)| v.compromised.clone()).collect()),
            ("HHI".into(), results.iter().map(|(v, _)| fmt(v.hhi)).collect()),
        ],
        layout,
        records: results.iter().map(|(_, r)| r.as_slice()).collect(),
        seed: meta.seed,
        data_files: "summary.json, results.csv".into(),
    };
    let view = crate::report::policy::policy_view(dir, &input)?;
    crate::report::policy::write_policy(dir, &view)?;
    Ok(summary)
}

fn cell(x: Option<f64>) -> String {
    x.map_or(String::new(), |v| v.to_string())
}

/// `results.csv`: one row per variant; `hhi` and, per KPI, mean, p5, p50 and p95.
pub fn results_csv(layout: &Layout, s: &SweepSummary) -> String {
    let mut out = String::from("variant,compromised,hhi,providers");
    for k in &layout.kpis {
        let _ = write!(out, ",{k}_mean,{k}_p5,{k}_p50,{k}_p95");
    }
    out.push('\n');
    for v in &s.variants {
        let m = &v.variant;
        let _ = write!(out, "{},{},{},{}", csv_field(&m.name), csv_field(&m.compromised), m.hhi, m.providers);
        for k in &layout.kpis {
            let st = v.kpis.get(k);
            let _ = write!(
                out,
                ",{},{},{},{}",
                cell(st.and_then(|s| s.mean)),
                cell(st.and_then(|s| s.p5)),
                cell(st.and_then(|s| s.p50)),
                cell(st.and_then(|s| s.p95))
            );
        }
        out.push('\n');
    }
    out
}

/// `results.md`: the headline KPIs per variant, mean with the 5th–95th percentile.
/// Sweep text (titles, variant and vendor names) for Markdown: no HTML, links or table breaks.
fn md(s: &str) -> String {
    crate::report::markdown::escape(s)
}

pub fn results_md(s: &SweepSummary) -> String {
    let m = &s.meta;
    let mut out = format!(
        "# {}\n\nBase {}, {} replications per variant from seed {} (the same for every variant), {} days. \
         HHI over the `{}` market (providers counted; 10,000 = one vendor). Cells: mean (p5 … p95).\n\n",
        md(&m.title),
        md(&m.base),
        m.runs,
        m.seed,
        m.days,
        md(&m.market)
    );
    out.push_str("| variant | compromised | HHI |");
    for (_, label) in HEADLINE {
        let _ = write!(out, " {} |", label.trim());
    }
    out.push_str("\n| --- | --- | ---: |");
    for _ in HEADLINE {
        out.push_str(" ---: |");
    }
    out.push('\n');
    for v in &s.variants {
        let _ = write!(out, "| {} | {} | {:.0} |", md(&v.variant.name), md(&v.variant.compromised), v.variant.hhi);
        for (key, _) in HEADLINE {
            match v.kpis.get(key) {
                Some(st) => {
                    let _ = write!(out, " {} ({} … {}) |", fmt_num(st.mean), fmt_num(st.p5), fmt_num(st.p95));
                }
                None => out.push_str(" — |"),
            }
        }
        out.push('\n');
    }
    out
}

/// The terminal table of a sweep.
pub fn summary_table(s: &SweepSummary) -> String {
    let mut out = format!("{} — {} runs per variant, seed {}\n", s.meta.title, s.meta.runs, s.meta.seed);
    let rows: Vec<Vec<String>> = s
        .variants
        .iter()
        .map(|v| {
            let get = |k: &str| fmt_num(v.kpis.get(k).and_then(|s| s.mean));
            vec![
                v.variant.name.clone(),
                format!("{:.0}", v.variant.hhi),
                get(batch::CARE_BEHIND),
                get(batch::CARE_LOST),
                get("care_delivered_pct"),
                get("records_exfiltrated"),
            ]
        })
        .collect();
    out.push_str(&crate::text::table(
        &["variant", "HHI", "care behind", "care lost", "delivered %", "records stolen"],
        &rows,
    ));
    out
}

/// `downtime sweep`: load, run and write the sweep folder (or, with a shard, its `partial.json`);
/// returns the text to print.
pub fn command(
    file: &Path,
    runs: Option<u64>,
    jobs: Option<usize>,
    out: Option<PathBuf>,
    force: bool,
    shard: Option<Shard>,
    csv_delimiter: char,
    draws: u64,
) -> Result<String, Error> {
    let mut sweep = load_spec(file)?;
    let runs = runs.unwrap_or(sweep.runs);
    sweep.meta.runs = runs;
    if draws > 1 {
        let total = draws.checked_mul(runs).filter(|t| *t <= batch::MAX_RUNS).ok_or_else(|| {
            Error::Usage(format!("--draws {draws} × --runs {runs} is more than {} runs", batch::MAX_RUNS))
        })?;
        sweep.meta.runs = total;
        sweep.meta.draws = Some(draws);
    }
    let options = BatchOptions {
        runs,
        seed: sweep.meta.seed,
        jobs: jobs.unwrap_or_else(experiment::default_jobs),
        shard: shard.unwrap_or(Shard::ALL),
        progress: true,
    };
    let default = PathBuf::from("reports").join(format!("{}-sweep", sweep.meta.sweep));
    let out = out.unwrap_or_else(|| shard.map_or_else(|| default.clone(), |s| default.join(s.folder())));
    let _out_dir = crate::report::prepare_output_dir(&out, force)?;
    match shard {
        Some(s) if draws > 1 => {
            let (layout, results) = run_drawn(&sweep, &options, draws, false)?;
            let path = experiment::write_partial(&out, &partial(&sweep.meta, s, layout, results))?;
            Ok(format!("shard {s}: wrote {}\n", path.display()))
        }
        Some(s) => {
            let (layout, results) = run(&sweep, &options)?;
            let path = experiment::write_partial(&out, &partial(&sweep.meta, s, layout, results))?;
            Ok(format!("shard {s}: wrote {}\n", path.display()))
        }
        None => {
            let (layout, results) = if draws > 1 {
                run_drawn(&sweep, &options, draws, true)?
            } else {
                (batch::layout(&sweep.scenario(0)?), run_reduced(&sweep, &options)?)
            };
            let summary = write_sweep(&out, &sweep.meta, &layout, &results)?;
            crate::report::csv::apply(&out, csv_delimiter)?;
            Ok(format!(
                "{}wrote {}\nopen {}\n",
                summary_table(&summary),
                out.display(),
                out.join("report.html").display()
            ))
        }
    }
}
