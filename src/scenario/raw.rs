//! The scenario file as written: RON structures deserialised with serde, before any checking.
//!
//! Every field a scenario author can write is declared here, with its unit and default. Stage two
//! ([`super::validate`]) turns a [`RawScenario`] into a checked [`super::Scenario`] or a list of
//! positioned problems. Unknown fields are rejected so a misspelt name never silently falls back
//! to a default.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The top level of a scenario file: `Scenario( id: "...", ... )`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Scenario")]
pub struct RawScenario {
    /// Short identifier, used as the output folder name: lowercase letters, digits and `-`.
    pub id: String,
    /// One-line title shown in reports.
    pub title: String,
    /// A paragraph for the report's overview. Default: empty.
    #[serde(default)]
    pub description: String,
    /// Calendar date of day 0, `"YYYY-MM-DD"`. Sets the weekdays; day 0's midnight is tick 0.
    pub start: String,
    /// Horizon in days (1..=3650). Default 60.
    #[serde(default = "default_days")]
    pub days: u32,
    /// Hours per tick: one of 1, 2, 3, 4, 6, 8, 12, 24. Default 1.
    #[serde(default = "default_tick_hours")]
    pub tick_hours: u32,
    /// Master seed used when the command line gives none. Default 1.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Region names providers can be placed in. Default: one region `"all"`.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Software suppliers.
    pub vendors: Vec<RawVendor>,
    /// Services vendors run for many customers (cloud, portals, apps, exchange).
    #[serde(default)]
    pub platforms: Vec<RawPlatform>,
    /// Reusable provider descriptions: services, staffing, continuity plan, data.
    pub profiles: Vec<RawProfile>,
    /// Providers written one by one.
    #[serde(default)]
    pub providers: Vec<RawProvider>,
    /// Providers generated in groups (a national scenario in a few lines).
    #[serde(default)]
    pub groups: Vec<RawGroup>,
    /// The master scenario events list: injects at times.
    #[serde(default)]
    pub timeline: Vec<RawInject>,
    /// Thresholds for the after-action report's P / S / M / U ratings; every field optional.
    /// See [`super::evaluation::RawEvaluation`]. Default: the defaults listed there.
    #[serde(default)]
    pub evaluation: Option<super::evaluation::RawEvaluation>,
}

fn default_days() -> u32 {
    60
}
fn default_tick_hours() -> u32 {
    1
}
fn default_seed() -> u64 {
    1
}

/// `Vendor(id: "chipsoft", name: "ChipSoft")`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Vendor")]
pub struct RawVendor {
    pub id: String,
    /// Display name. Default: the id.
    #[serde(default)]
    pub name: Option<String>,
}

/// What kind of shared service a platform is. Informs defaults and reports only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum PlatformKind {
    /// Hosted EHR tenants (the vendor cloud).
    Cloud,
    PatientPortal,
    MobileApp,
    Exchange,
    Other,
}

/// `Platform(id: "zorgportaal", vendor: "chipsoft", kind: PatientPortal, functions: [OnlineBooking, RecordView])`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Platform")]
pub struct RawPlatform {
    pub id: String,
    /// Display name. Default: the id.
    #[serde(default)]
    pub name: Option<String>,
    /// The vendor that operates it.
    pub vendor: String,
    pub kind: PlatformKind,
    /// The functions it provides to the providers that use it.
    pub functions: Vec<crate::model::Function>,
}

/// Which kind of care organisation a provider is.
pub use crate::model::ProviderKind;

/// How sensitive a provider's records are; `High` counts in `records_exfiltrated_high_sensitivity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Sensitivity {
    Normal,
    High,
}

/// `Profile(id: "gp", kind: GpPractice, services: [...], plan: (...))`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Profile")]
pub struct RawProfile {
    pub id: String,
    pub kind: ProviderKind,
    /// Care services; at least one, at most 16.
    pub services: Vec<RawService>,
    /// The continuity plan. Default: see [`RawPlan`].
    #[serde(default)]
    pub plan: RawPlan,
    /// Data sensitivity. Default: `High` for mental-health and forensic care, else `Normal`.
    #[serde(default)]
    pub sensitivity: Option<Sensitivity>,
    /// Share of staff absent through sickness in normal times, 0..0.5. Default 0.06
    /// (assumption, near the Dutch health-care sector's sick-leave rate).
    #[serde(default)]
    pub sick_leave: Option<f64>,
}

/// One care service of a provider.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Service")]
pub struct RawService {
    /// Name, unique within the profile.
    pub name: String,
    /// Cases demanded per open day per 1,000 patients on record (>= 0).
    pub demand_per_1000: f64,
    /// Opening hours `(from, to)` in whole hours, 0 <= from < to <= 24. Default `(0, 24)`.
    #[serde(default = "default_hours")]
    pub hours: (u32, u32),
    /// Open on `Weekdays` (Mon-Fri) or `AllWeek`. Default `AllWeek`.
    #[serde(default)]
    pub days: OpenDays,
    /// Urgency mix; the shares must sum to 1.
    pub urgency: RawUrgency,
    /// Clinical staff minutes per case in normal operation (> 0).
    pub clinical_minutes: f64,
    /// Admin staff minutes per case in normal operation (>= 0). Default 0.
    #[serde(default)]
    pub admin_minutes: f64,
    /// Clinical staff on duty per open hour per 1,000 patients (> 0).
    pub clinical_staff_per_1000: f64,
    /// Admin staff on duty per open hour per 1,000 patients (>= 0). Default 0.
    #[serde(default)]
    pub admin_staff_per_1000: f64,
    /// Functions the service needs to run normally.
    #[serde(default)]
    pub needs: Vec<crate::model::Function>,
}

fn default_hours() -> (u32, u32) {
    (0, 24)
}

/// The days of the week a service is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum OpenDays {
    Weekdays,
    #[default]
    AllWeek,
}

/// `(urgent: (share: 0.1, max_wait_hours: 4), soon: (...), elective: (...))`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Urgency")]
pub struct RawUrgency {
    pub urgent: RawClass,
    pub soon: RawClass,
    pub elective: RawClass,
}

/// The share of cases in an urgency class and how long they may wait.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Class")]
pub struct RawClass {
    /// Share of the service's cases, 0..=1.
    pub share: f64,
    /// Maximum wait in hours (> 0). Urgent cases past it are diverted or delayed; others are
    /// postponed and rescheduled.
    pub max_wait_hours: f64,
}

/// The continuity plan: what the emergency protocol covers and what it costs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[serde(rename = "Plan")]
pub struct RawPlan {
    /// Hours from a function going down until the fallback protocol runs (>= 0). Default 4.
    pub activation_hours: f64,
    /// Functions the protocol has a fallback for. Default: all.
    pub covers: Option<Vec<crate::model::Function>>,
    /// Cost of working without a function: `Fallback(function: RecordAccess, clinical_factor: 1.3, admin_minutes: 4)`.
    /// Functions not listed use the defaults in `crate::model::function::DEFAULT_FALLBACK`.
    pub fallback: Vec<RawFallback>,
    /// Overtime allowed as a share of contracted hours, 0..=1. Default 0.2 (assumption).
    pub overtime_cap: f64,
    /// Maximum tolerable period of disruption in days (> 0). Default 14 (assumption).
    pub max_tolerable_days: f64,
}

impl Default for RawPlan {
    fn default() -> Self {
        Self { activation_hours: 4.0, covers: None, fallback: Vec::new(), overtime_cap: 0.2, max_tolerable_days: 14.0 }
    }
}

/// Extra cost of one function's paper or phone fallback.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Fallback")]
pub struct RawFallback {
    pub function: crate::model::Function,
    /// Multiplier on clinical minutes per case (>= 1).
    pub clinical_factor: f64,
    /// Extra admin minutes per case (>= 0).
    pub admin_minutes: f64,
}

/// Where a provider's EHR runs.
pub use crate::model::Hosting;

/// A provider written out: `Provider(id: "umc-a", profile: "hospital", vendor: "chipsoft", ...)`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Provider")]
pub struct RawProvider {
    pub id: String,
    pub profile: String,
    /// Region name. Default: the first region.
    #[serde(default)]
    pub region: Option<String>,
    /// Patients on record (1..=50,000,000); scales demand and staff.
    pub patients: u64,
    /// The EHR vendor.
    pub vendor: String,
    /// Where the EHR runs. Default `SelfHosted`.
    #[serde(default)]
    pub hosting: Option<Hosting>,
    /// Platforms the provider uses. Default: every non-cloud platform of its vendor, plus the
    /// vendor cloud when hosted there.
    #[serde(default)]
    pub platforms: Option<Vec<String>>,
}

/// Providers generated in a group.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Group")]
pub struct RawGroup {
    /// Prefix of the generated ids (`prefix-0001`...).
    pub id: String,
    pub profile: String,
    /// How many providers (1..=100,000).
    pub count: u32,
    /// Patients on record per provider.
    pub patients: Size,
    /// Vendor market shares; must sum to 1. Assigned by largest remainder, so counts are exact.
    pub vendors: BTreeMap<String, f64>,
    /// Hosting shares; must sum to 1. Default: all `SelfHosted`.
    #[serde(default)]
    pub hosting: Option<BTreeMap<Hosting, f64>>,
    /// Regions to spread the providers over, round robin. Default: all regions.
    #[serde(default)]
    pub regions: Option<Vec<String>>,
}

/// A size distribution.
#[derive(Debug, Clone, Deserialize)]
pub enum Size {
    /// Every provider the same.
    Fixed(u64),
    /// Uniform between the two bounds.
    Uniform(u64, u64),
    /// Log-normal with this median and log-scale sigma (0..=3).
    LogNormal { median: f64, sigma: f64 },
}

/// One inject on the timeline.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Inject")]
pub struct RawInject {
    /// Day (0-based) on which it happens.
    pub day: u32,
    /// Hour of that day, 0..=23. Default 0.
    #[serde(default)]
    pub hour: u32,
    /// Optional random delay added to day/hour, drawn per replication.
    #[serde(default)]
    pub delay: Option<Delay>,
    /// What happens.
    pub event: RawEvent,
    /// Short headline for the room and the report. Default: derived from the event.
    #[serde(default)]
    pub title: Option<String>,
    /// Text read to the room.
    #[serde(default)]
    pub text: String,
}

/// A random delay in hours.
#[derive(Debug, Clone, Deserialize)]
pub enum Delay {
    /// Uniform between min and max hours.
    Uniform { min: f64, max: f64 },
    /// Triangular with min, mode and max hours.
    Triangular { min: f64, mode: f64, max: f64 },
}

/// What an inject does to the model.
#[derive(Debug, Clone, Deserialize)]
pub enum RawEvent {
    /// Attackers compromise the vendor (starts the incident clock).
    Compromise { vendor: String },
    /// The compromise is detected; awareness starts the notification clocks.
    Detect { vendor: String },
    /// Platforms are taken offline.
    Disconnect { platforms: Vec<String> },
    /// Records are stolen from every provider in scope.
    Exfiltrate {
        scope: RawScope,
        /// Share of the records in scope that are taken, 0..=1. Default 1.
        #[serde(default)]
        share: Option<f64>,
    },
    /// The breach is announced to the public.
    Announce { vendor: String },
    /// Platforms come back, to a share of their customers (staged restore).
    Restore {
        platforms: Vec<String>,
        /// Share of customers served again, 0..=1. Default 1.
        #[serde(default)]
        capacity: Option<f64>,
    },
    /// Text for the room only.
    Note,
}

/// Which providers an exfiltration hits.
#[derive(Debug, Clone, Deserialize)]
pub enum RawScope {
    /// Providers whose EHR runs in this vendor's cloud.
    CloudTenants(String),
    /// Every customer of the vendor, however hosted.
    Customers(String),
    /// Named providers.
    Providers(Vec<String>),
}
