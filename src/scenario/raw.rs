//! The scenario file as written: RON structures deserialised with serde, before any checking.
//!
//! Every field a scenario author can write is declared here, with its unit and default. Stage two
//! ([`super::from_str`]) turns a [`RawScenario`] into a checked [`super::Scenario`] or a list of
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
    /// The breach aftermath: patient inquiries and notification work. Default: see [`RawAftermath`].
    #[serde(default)]
    pub aftermath: RawAftermath,
    /// The notification duties of the jurisdiction (who must notify whom, by when, after what).
    /// Default: the EU regime (GDPR art. 33 and NIS2 art. 23), with the work minutes of
    /// `aftermath`. See [`RawRegime`].
    #[serde(default)]
    pub notification: Option<RawRegime>,
    /// Published or recorded outcomes of the incident this scenario describes, to set the
    /// model's figures beside: `run` and `batch` report each with the model's value, the relative
    /// error and whether it falls within the band. Default: none.
    #[serde(default)]
    pub observed: Vec<RawObserved>,
}

/// A jurisdiction's notification regime: `Regime(name: "EU", duties: [...])`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename = "Regime")]
pub struct RawRegime {
    /// Name shown in reports, such as "EU: GDPR and NIS2" or "US: HIPAA".
    pub name: String,
    /// The duties, at most 16.
    pub duties: Vec<RawDuty>,
}

/// One notification duty: `Duty(name: "GDPR notification", trigger: Announce, applies_to: RecordsStolen, hours: 72, minutes: 240)`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename = "Duty")]
pub struct RawDuty {
    /// What is due, as shown in events and reports.
    pub name: String,
    /// What starts the clock.
    pub trigger: DutyTrigger,
    /// Who owes the duty.
    pub applies_to: DutyScope,
    /// Hours from the trigger to the deadline (0..=8760).
    pub hours: f64,
    /// Admin minutes the duty takes at each provider owing it (0..=100,000); 0 logs the
    /// deadline only (no work, not counted in `notification_deadlines_met_pct`).
    pub minutes: f64,
}

/// What starts a notification clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum DutyTrigger {
    /// The compromise is detected (awareness of an incident: NIS2).
    Detect,
    /// The theft is announced (awareness of a personal-data breach: GDPR); providers whose
    /// records are stolen later start their clock at once.
    Announce,
}

/// Who owes a notification duty.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub enum DutyScope {
    /// Providers whose records were stolen (data controllers).
    RecordsStolen,
    /// Customers of the compromised vendor of these kinds (essential entities, for example
    /// hospitals under NIS2).
    VendorCustomers(Vec<ProviderKind>),
}

/// An observed outcome: `Observed(name: "ED visits, week 1", measure: Change(Served), ...)`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename = "Observed")]
pub struct RawObserved {
    /// Short name shown in reports.
    pub name: String,
    /// What is measured.
    pub measure: ObservedMeasure,
    /// Providers of this kind only. Default: every kind.
    #[serde(default)]
    pub kind: Option<ProviderKind>,
    /// Services of this name only (in any profile). Default: every service.
    #[serde(default)]
    pub service: Option<String>,
    /// Cases of this urgency class only. Default: every class.
    #[serde(default)]
    pub class: Option<UrgencyClass>,
    /// Which providers: those the incident hits directly, those it does not, or all. Default `Affected`.
    #[serde(default)]
    pub providers: ObservedProviders,
    /// Providers of this EHR vendor only (its id). Default: every vendor.
    #[serde(default)]
    pub vendor: Option<String>,
    /// The window, in days counted from the first compromise (day 0 is the day of the
    /// compromise): `(from: 0, to: 6)` is the first week. Ignored by `RecoveryDay`.
    #[serde(default = "default_window")]
    pub window: (i32, i32),
    /// The published figure: `Value(-16.9)` or `Range(-22.0, -35.3)` (either order).
    pub value: ObservedValue,
    /// Largest relative error that counts as a fit, 0..=10. Default 0.3 (±30%).
    #[serde(default = "default_band")]
    pub band: f64,
    /// Where the figure comes from (publication, page, table).
    pub source: String,
}

fn default_window() -> (i32, i32) {
    (0, 6)
}
fn default_band() -> f64 {
    0.3
}

/// A measure of care to compare with an observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ObservedMeasure {
    /// Percentage change against the baseline (same seed, no incident) over the window:
    /// `100 × (incident − baseline) / baseline`.
    Change(ObservedMetric),
    /// The incident run's count over the window.
    Total(ObservedMetric),
    /// Days from the first compromise until the 7-day total is back within 5% of the
    /// baseline's and stays there (`None` in the model if never within the horizon).
    RecoveryDay(ObservedMetric),
}

/// A count of cases, per day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ObservedMetric {
    /// Cases served (visits, admissions, dispensings).
    Served,
    /// Cases arriving (including referrals and diverted patients).
    Demand,
    /// Booked appointments cancelled ahead (precautionary cancellation).
    Cancelled,
    /// Cases postponed and rescheduled when their maximum wait passed.
    Postponed,
    /// Urgent cases sent to another provider (ambulance diversion, spillover, patients' choice).
    Diverted,
    /// Patients who left without being seen.
    WalkedOut,
}

/// Which providers an observation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum ObservedProviders {
    /// Providers the incident hits directly (a platform they use is disconnected or degraded,
    /// or their service capacity is cut).
    #[default]
    Affected,
    /// Providers it does not hit directly (neighbours).
    Unaffected,
    /// Every provider.
    All,
}

/// A published figure: one value or a range.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub enum ObservedValue {
    /// One value.
    Value(f64),
    /// A range (either order); the model fits exactly when inside it.
    Range(f64, f64),
}

/// What a breach costs afterwards in admin work.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default, rename = "Aftermath")]
pub struct RawAftermath {
    /// Share of affected patients who call their provider on the day of the announcement,
    /// 0..=1. Default 0.005 (assumption: with a 3-day half-life about 2% of patients call).
    pub inquiry_rate: f64,
    /// Largest share of a service's admin staff time that goes to inquiries in any hour, 0..=1;
    /// callers beyond it wait for a callback. Default 0.5 (assumption: the phones are staffed
    /// but care goes on).
    pub inquiry_share_cap: f64,
    /// Half-life of the inquiry wave in days (> 0). Default 3 (assumption).
    pub inquiry_half_life_days: f64,
    /// Admin minutes per inquiry (>= 0). Default 4 (assumption: one phone call).
    pub inquiry_minutes: f64,
    /// Admin minutes to prepare the data-protection authority notification (GDPR art. 33).
    /// Default 240 (assumption).
    pub gdpr_notification_minutes: f64,
    /// Admin minutes for the NIS2 early warning. Default 60 (assumption).
    pub nis2_early_warning_minutes: f64,
    /// Admin minutes for the NIS2 incident notification. Default 180 (assumption).
    pub nis2_notification_minutes: f64,
}

impl Default for RawAftermath {
    fn default() -> Self {
        Self {
            inquiry_rate: 0.005,
            inquiry_share_cap: 0.5,
            inquiry_half_life_days: 3.0,
            inquiry_minutes: 4.0,
            gdpr_notification_minutes: 240.0,
            nis2_early_warning_minutes: 60.0,
            nis2_notification_minutes: 180.0,
        }
    }
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
    /// Identifier other fields refer to, such as `"chipsoft"`; unique among vendors.
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
    /// The patients' portal: online booking, record view.
    PatientPortal,
    /// A mobile app (clinicians' or patients').
    MobileApp,
    /// The exchange platform for referrals and data between providers.
    Exchange,
    /// Anything else.
    Other,
}

/// `Platform(id: "zorgportaal", vendor: "chipsoft", kind: PatientPortal, functions: [OnlineBooking, RecordView])`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Platform")]
pub struct RawPlatform {
    /// Identifier used by injects and providers, such as `"zorgportaal"`; unique among platforms.
    pub id: String,
    /// Display name. Default: the id.
    #[serde(default)]
    pub name: Option<String>,
    /// The vendor that operates it.
    pub vendor: String,
    /// What kind of shared service it is (reports only; the functions decide the effect).
    pub kind: PlatformKind,
    /// The functions it provides to the providers that use it.
    pub functions: Vec<crate::model::Function>,
}

/// Which kind of care organisation a provider is.
pub use crate::model::ProviderKind;

/// How sensitive a provider's records are; `High` counts in `records_exfiltrated_high_sensitivity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Sensitivity {
    /// Ordinary medical records.
    Normal,
    /// Records whose theft weighs more (mental-health and forensic care, for example).
    High,
}

/// `Profile(id: "gp", kind: GpPractice, services: [...], plan: (...))`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Profile")]
pub struct RawProfile {
    /// Identifier providers and groups refer to, such as `"gp"`; unique among profiles.
    pub id: String,
    /// The kind of care organisation; referrals are addressed to kinds.
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
    /// Patients on record of the provider whose figures the services give in natural units
    /// (`PerDay`, `PerWeek`, `PerYear`, `PerShift`, `Fte`, `fallback_cases_per_hour`), 1..=50,000,000;
    /// providers of another size scale in proportion. Default: the patients of the profile's
    /// providers and groups when they all have the same fixed number.
    #[serde(default)]
    pub reference_patients: Option<u64>,
}

/// One care service of a provider.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Service")]
pub struct RawService {
    /// Name, unique within the profile.
    pub name: String,
    /// Cases demanded, in natural units: `PerDay(75)` (per open day), `PerWeek(375)`,
    /// `PerYear(19500)`, for a provider of the profile's `reference_patients`. Give this or
    /// `demand_per_1000`.
    #[serde(default)]
    pub demand: Option<RawDemand>,
    /// Cases demanded per open day per 1,000 patients on record (>= 0); the older form of
    /// `demand`.
    #[serde(default)]
    pub demand_per_1000: Option<f64>,
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
    /// Clinical staff, in natural units: `PerShift(4)` (on duty in every open hour) or
    /// `Fte(12.5)` (full-time equivalents employed for the service), for a provider of the
    /// profile's `reference_patients`. Give this or `clinical_staff_per_1000`.
    #[serde(default)]
    pub clinical_staff: Option<RawStaff>,
    /// Clinical staff on duty per open hour per 1,000 patients (> 0); the older form of
    /// `clinical_staff`.
    #[serde(default)]
    pub clinical_staff_per_1000: Option<f64>,
    /// Admin staff, in natural units: `PerShift(1)` or `Fte(3)`, as `clinical_staff`. Default:
    /// none (give this or `admin_staff_per_1000` when the service has admin minutes).
    #[serde(default)]
    pub admin_staff: Option<RawStaff>,
    /// Admin staff on duty per open hour per 1,000 patients (>= 0); the older form of
    /// `admin_staff`. Default 0.
    #[serde(default)]
    pub admin_staff_per_1000: Option<f64>,
    /// Functions the service needs to run normally.
    #[serde(default)]
    pub needs: Vec<crate::model::Function>,
    /// Referrals, prescriptions or transfers this service sends to other providers.
    #[serde(default)]
    pub referrals: Vec<RawReferral>,
    /// Appointments booked ahead: `Booking(soon_days: 2, elective_days: 14)`. Booked cases are
    /// drawn when their day enters the booking horizon and arrive on their appointment day; the
    /// plan's `cancellation` policy can cancel them ahead. Default: none (all cases walk in or
    /// are referred on the day).
    #[serde(default)]
    pub booking: Option<RawBooking>,
    /// Cases per hour the service can process in fallback, as a share of its normal volume,
    /// (0, 1]: paper ordering, phoned results, identity and medication checks by hand cap
    /// throughput whatever the staff. Default: the lowest of the plan's per-function
    /// `throughput` for the functions that are down (see `Fallback`).
    #[serde(default)]
    pub fallback_throughput: Option<f64>,
    /// The same ceiling in cases per hour while the service runs on its fallback, for a
    /// provider of the profile's `reference_patients` (> 0, at most its normal cases per open
    /// hour: `PerDay` over the opening hours; referrals in are not counted). Give this or
    /// `fallback_throughput`.
    #[serde(default)]
    pub fallback_cases_per_hour: Option<f64>,
    /// Share of urgent arrivals brought by ambulance, 0..=1; the plan's `ambulance_diversion`
    /// sends them to a neighbour. Default 0.
    #[serde(default)]
    pub ambulance_share: f64,
    /// Share of cases whose maximum wait has passed who leave without being seen (walk-outs),
    /// 0..=1; the rest are postponed (soon, elective) or diverted (urgent). Default 0.
    #[serde(default)]
    pub walkout_share: f64,
    /// Patients' choice: when the expected wait exceeds `wait_hours`, a `share` of new walk-in
    /// patients go to a neighbouring provider instead: `Choice(wait_hours: 4, share: 0.3)`.
    /// Default: none.
    #[serde(default)]
    pub choice: Option<RawChoice>,
    /// Tests or products this service needs from another provider's service (a lab, imaging,
    /// a pharmacy): `Dependency(kind: Lab, service: "tests", share: 0.4)`. Default: none.
    #[serde(default)]
    pub depends_on: Vec<RawDependency>,
}

/// Days ahead appointments are booked, per urgency class (0: not booked).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename = "Booking")]
pub struct RawBooking {
    /// Days ahead `soon` cases are booked, 0..=28. Default 0.
    #[serde(default)]
    pub soon_days: u32,
    /// Days ahead elective cases are booked, 0..=28. Default 14.
    #[serde(default = "default_elective_days")]
    pub elective_days: u32,
}

fn default_elective_days() -> u32 {
    14
}

/// Patients choosing another provider when waits are long.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename = "Choice")]
pub struct RawChoice {
    /// Expected wait (hours) beyond which patients look elsewhere, > 0.
    pub wait_hours: f64,
    /// Share of new walk-in patients who then go elsewhere, 0..=1.
    pub share: f64,
}

/// A dependency on another provider's service.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename = "Dependency")]
pub struct RawDependency {
    /// The supplier's kind (for example `Lab`).
    pub kind: ProviderKind,
    /// The supplier's service name (in the suppliers' profiles).
    pub service: String,
    /// A named supplier (provider id). Default: a supplier of the kind in the same region, the
    /// nearest if it has a location (else the first in the region, else the first anywhere).
    #[serde(default)]
    pub provider: Option<String>,
    /// Share of this service's cases that need the supplier, 0..=1.
    pub share: f64,
    /// Share of the supplier's normal volume other suppliers of the kind can take under mutual
    /// aid when it is down, 0..=1. Default 0 (no mutual aid).
    #[serde(default)]
    pub mutual_aid: f64,
    /// Hours until mutual aid works (rerouting samples, transport), >= 0. Default 24 (assumption).
    #[serde(default)]
    pub aid_lead_hours: Option<f64>,
}

/// A flow of cases from a service to a service of another provider kind in the same region:
/// `Referral(to: Hospital, service: "outpatient", per_case: 0.05)`. It travels over the exchange
/// function; when exchange is down at either end it goes the fallback way (phone or post: extra
/// admin minutes at both ends, a longer transit) if the sender's plan covers exchange, or waits
/// until exchange is back.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename = "Referral")]
pub struct RawReferral {
    /// The receiving provider kind.
    pub to: ProviderKind,
    /// The receiving service's name (in the receivers' profiles).
    pub service: String,
    /// Referrals per case served, 0..=1.
    pub per_case: f64,
    /// The receiver's urgency class for the case. Default `Soon`.
    #[serde(default)]
    pub class: Option<UrgencyClass>,
    /// Normal transit time in hours (>= 0). Default 1.
    #[serde(default)]
    pub transit_hours: Option<f64>,
    /// Transit time by phone or post in hours (>= transit). Default 48 (assumption: post).
    #[serde(default)]
    pub fallback_transit_hours: Option<f64>,
    /// Extra admin minutes at each end for a referral sent the fallback way (>= 0). Default 10
    /// (assumption: a phone call and a letter).
    #[serde(default)]
    pub fallback_admin_minutes: Option<f64>,
}

/// An urgency class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum UrgencyClass {
    /// Must be seen within hours; diverted or delayed past its maximum wait.
    Urgent,
    /// Within days.
    Soon,
    /// Planned care that can wait weeks.
    Elective,
}

fn default_hours() -> (u32, u32) {
    (0, 24)
}

/// The days of the week a service is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum OpenDays {
    /// Monday to Friday.
    Weekdays,
    /// Every day.
    #[default]
    AllWeek,
}

/// `(urgent: (share: 0.1, max_wait_hours: 4), soon: (...), elective: (...))`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Urgency")]
pub struct RawUrgency {
    /// Urgent cases: share and maximum wait.
    pub urgent: RawClass,
    /// Cases to be seen soon: share and maximum wait.
    pub soon: RawClass,
    /// Elective cases: share and maximum wait.
    pub elective: RawClass,
}

/// The share of cases in an urgency class and how long they may wait.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Class")]
pub struct RawClass {
    /// Share of the service's cases, 0..=1.
    pub share: f64,
    /// Maximum wait: `Hours(4)`, `Days(2)` or `Weeks(6)` (> 0). Urgent cases past it are
    /// diverted or delayed; others are postponed and rescheduled. Give this or `max_wait_hours`.
    #[serde(default)]
    pub max_wait: Option<RawWait>,
    /// Maximum wait in hours (> 0); the older form of `max_wait`.
    #[serde(default)]
    pub max_wait_hours: Option<f64>,
}

/// Demand in the units a planner counts: `PerDay(75)`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub enum RawDemand {
    /// Cases per open day (a weekday for a `Weekdays` service), >= 0.
    PerDay(f64),
    /// Cases per week, >= 0; spread over the open days (5 or 7).
    PerWeek(f64),
    /// Cases per year, >= 0; spread over the open days of a year of 365.25 days (260.9 for a
    /// `Weekdays` service; public holidays are not modelled).
    PerYear(f64),
}

/// Staff in the units a roster uses: `PerShift(4)` or `Fte(12.5)`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub enum RawStaff {
    /// People on duty at any open hour (each shift), > 0 (>= 0 for admin staff).
    PerShift(f64),
    /// Full-time equivalents employed for the service: each works 36 hours a week, 88% of weeks
    /// (the rest is leave and training; sickness is drawn separately), spread over the service's
    /// open hours. See docs/model.md, "Natural units".
    Fte(f64),
}

/// A wait in hours, days or weeks: `Hours(4)`, `Days(2)`, `Weeks(6)`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub enum RawWait {
    /// Hours.
    Hours(f64),
    /// Days of 24 hours.
    Days(f64),
    /// Weeks of 7 days.
    Weeks(f64),
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
    /// A surge pool (agency staff, other sites). Default: none.
    pub surge: Option<RawSurge>,
    /// Precautionary cancellation of booked appointments while services run on the emergency
    /// protocol. Default: none.
    pub cancellation: Option<RawCancellation>,
    /// Ambulance diversion: while a service with ambulance arrivals is blocked (or in fallback,
    /// if `in_fallback`), new ambulance patients go to the nearest neighbour that is not
    /// diverting. Default: none.
    pub ambulance_diversion: Option<RawAmbulanceDiversion>,
    /// Minutes of clinical and admin time per case handled on paper (in fallback while record
    /// access was down) to enter its records into the EHR after the restore (>= 0), worked in
    /// the weeks after.
    /// Default 4 (assumption, see docs/model.md).
    pub back_entry_minutes: f64,
    /// Largest share of staff time spent on back-entry per hour, 0..=1. Default 0.15
    /// (assumption).
    pub back_entry_share: f64,
}

impl Default for RawPlan {
    fn default() -> Self {
        Self {
            activation_hours: 4.0,
            covers: None,
            fallback: Vec::new(),
            overtime_cap: 0.2,
            max_tolerable_days: 14.0,
            surge: None,
            cancellation: None,
            ambulance_diversion: None,
            back_entry_minutes: 4.0,
            back_entry_share: 0.15,
        }
    }
}

/// `Cancellation(share: 0.5, ahead_days: 2, classes: [Elective], min_expected_outage_days: 2, rebook_after_days: 14)`:
/// reviewed when the disruption starts and then daily; while a service with bookings is in fallback or blocked, and the outage is
/// expected to last at least `min_expected_outage_days`, `share` of its booked appointments in
/// the next `ahead_days` are cancelled and re-booked `rebook_after_days` after the day of the
/// cancellation. Appointments already reviewed are not cancelled again; when the service is
/// back to normal, no new cancellations are made.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename = "Cancellation")]
pub struct RawCancellation {
    /// Share of booked appointments cancelled, 0..=1. Default: the share the service cannot
    /// do in fallback (1 − its fallback throughput).
    #[serde(default)]
    pub share: Option<f64>,
    /// Days ahead reviewed, counted from today, 1..=28. Default 2 (calibrated on WannaCry, see
    /// docs/model.md: lists are cancelled a day or two at a time while the outage lasts).
    #[serde(default)]
    pub ahead_days: Option<u32>,
    /// Urgency classes cancelled. Default `[Elective]`.
    #[serde(default)]
    pub classes: Option<Vec<UrgencyClass>>,
    /// Also cancel while blocked (not only in fallback). Default true.
    #[serde(default)]
    pub when_blocked: Option<bool>,
    /// Expected outage (days) at or above which cancellations are made, >= 0; an outage whose
    /// length is not announced counts as long. Default 1.
    #[serde(default)]
    pub min_expected_outage_days: Option<f64>,
    /// Days from the cancellation until the patient is booked again, >= 0. Default 14
    /// (assumption).
    #[serde(default)]
    pub rebook_after_days: Option<f64>,
}

/// `AmbulanceDiversion(in_fallback: true)`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename = "AmbulanceDiversion")]
pub struct RawAmbulanceDiversion {
    /// Divert while in fallback too, not only while blocked. Default true.
    #[serde(default)]
    pub in_fallback: Option<bool>,
    /// Share of ambulances diverted, 0..=1. Default 0.15 (from WannaCry: ambulances were
    /// diverted from 5 of the 34 infected trusts, National Audit Office 2018).
    #[serde(default)]
    pub share: Option<f64>,
    /// Longest diversion in days from its start, after which ambulances come back even if the
    /// protocol still runs (> 0). Default: as long as the trigger lasts.
    #[serde(default)]
    pub max_days: Option<f64>,
}

/// Surge staff: `Surge(share: 0.15, lead_hours: 48, cost_per_hour: 75, automatic: true)`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename = "Surge")]
pub struct RawSurge {
    /// Extra staff as a share of contracted staff, 0..=1 (the cap).
    pub share: f64,
    /// Hours from the call until they work (>= 0).
    pub lead_hours: f64,
    /// Cost per surge staff hour, in euros (>= 0). Default 0.
    #[serde(default)]
    pub cost_per_hour: f64,
    /// Called in as soon as the protocol activates; otherwise only by a decision. Default false.
    #[serde(default)]
    pub automatic: bool,
}

/// Extra cost of one function's paper or phone fallback.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Fallback")]
pub struct RawFallback {
    /// The function worked around.
    pub function: crate::model::Function,
    /// Multiplier on clinical minutes per case (>= 1). Default: see docs/model.md.
    #[serde(default)]
    pub clinical_factor: Option<f64>,
    /// Extra admin minutes per case (>= 0). Default: see docs/model.md.
    #[serde(default)]
    pub admin_minutes: Option<f64>,
    /// Throughput ceiling while this function is down: cases per hour as a share of normal
    /// volume, (0, 1]. Default: see docs/model.md.
    #[serde(default)]
    pub throughput: Option<f64>,
}

/// Where a provider's EHR runs.
pub use crate::model::Hosting;

/// A provider written out: `Provider(id: "umc-a", profile: "hospital", vendor: "chipsoft", ...)`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Provider")]
pub struct RawProvider {
    /// Identifier used by injects and decisions, such as `"umc-a"`; unique among providers.
    pub id: String,
    /// The profile (services, staffing, plan) this provider follows.
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
    /// Where it is, as `(latitude, longitude)` in degrees: neighbours (diversion, patients'
    /// choice, suppliers) are then the nearest providers with a location. Default: none
    /// (neighbours by region, in file order).
    #[serde(default)]
    pub location: Option<(f64, f64)>,
    /// Write this provider's own daily series to `providers.csv`. Default false (providers
    /// named in `observed` blocks are always written).
    #[serde(default)]
    pub report: bool,
}

/// Providers generated in a group.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Group")]
pub struct RawGroup {
    /// Prefix of the generated ids (`prefix-0001`...).
    pub id: String,
    /// The profile (services, staffing, plan) of every provider in the group.
    pub profile: String,
    /// How many providers (1..=100,000).
    pub count: u32,
    /// Patients on record per provider.
    pub patients: Size,
    /// Vendor market shares; must sum to 1. Assigned by largest remainder, so counts are exact.
    #[serde(deserialize_with = "super::unique::map")]
    pub vendors: BTreeMap<String, f64>,
    /// Hosting shares; must sum to 1. Default: all `SelfHosted`.
    #[serde(default, deserialize_with = "super::unique::opt_map")]
    pub hosting: Option<BTreeMap<Hosting, f64>>,
    /// Regions to spread the providers over, round robin. Default: all regions.
    #[serde(default)]
    pub regions: Option<Vec<String>>,
}

/// A size distribution.
#[derive(Debug, Clone, Deserialize)]
pub enum Size {
    /// Every provider the same number of patients (1..=50,000,000).
    Fixed(u64),
    /// Uniform between the two bounds, in patients (1 <= low <= high <= 50,000,000).
    Uniform(u64, u64),
    /// Log-normal with this median (patients) and log-scale sigma (0..=3).
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
    /// Discussion questions the facilitator puts to the room when the inject comes up in
    /// exercise mode (`downtime exercise`); the room's answers go into `transcript.md`. They do
    /// not change the model. Default: none.
    #[serde(default)]
    pub questions: Vec<String>,
    /// The teams this inject and its questions are addressed to in a room
    /// (`downtime exercise --serve`), by name, for example `["Hospital board", "Vendor"]`; the
    /// room's teams are the names used across the timeline. Default: every team.
    #[serde(default)]
    pub teams: Vec<String>,
}

/// A random delay in hours.
#[derive(Debug, Clone, Deserialize)]
pub enum Delay {
    /// Uniform between min and max hours, 0 <= min <= max <= 8760.
    Uniform { min: f64, max: f64 },
    /// Triangular with min, mode and max hours, 0 <= min <= mode <= max <= 8760.
    Triangular { min: f64, mode: f64, max: f64 },
}

/// What an inject does to the model.
#[derive(Debug, Clone, Deserialize)]
pub enum RawEvent {
    /// Attackers compromise the vendor (its id; starts the incident clock).
    Compromise { vendor: String },
    /// The compromise of the vendor (its id) is detected; awareness starts the notification clocks.
    Detect { vendor: String },
    /// Platforms (their ids, at least one) are taken offline.
    Disconnect {
        /// The platforms.
        platforms: Vec<String>,
        /// How long the outage is expected to last, in days, as announced (>= 0); precautionary
        /// cancellation uses it. Default: not announced (counts as long).
        #[serde(default)]
        expected_days: Option<f64>,
    },
    /// Platforms stay up but work at part of their capacity (a read-only record, a slow
    /// network): services needing them process at most `throughput` of their normal volume.
    Degrade {
        /// The platforms (ids, at least one).
        platforms: Vec<String>,
        /// Share of normal throughput, 0..=1.
        throughput: f64,
    },
    /// Services of the providers in scope work at part of their capacity (a lab's analysers
    /// down, a ward closed): `ServiceCapacity(scope: Providers(["lab-a"]), service: "tests", capacity: 0.2)`.
    ServiceCapacity {
        /// Which providers.
        scope: RawTarget,
        /// The service name. Default: every service of those providers.
        #[serde(default)]
        service: Option<String>,
        /// Share of normal throughput, 0..=1 (1 restores it).
        capacity: f64,
    },
    /// Records are stolen from every provider in scope.
    Exfiltrate {
        /// Which providers lose records.
        scope: RawScope,
        /// Share of the records in scope that are taken, 0..=1. Default 1.
        #[serde(default)]
        share: Option<f64>,
    },
    /// The breach at the vendor (its id) is announced to the public.
    Announce { vendor: String },
    /// Platforms come back, to a share of their customers (staged restore).
    Restore {
        /// The platforms (ids, at least one), each disconnected earlier on the timeline.
        platforms: Vec<String>,
        /// Share of customers served again, 0..=1. Default 1.
        #[serde(default)]
        capacity: Option<f64>,
        /// Share of normal throughput the restored platforms give, 0..=1 (a partial restore).
        /// Default 1.
        #[serde(default)]
        throughput: Option<f64>,
        /// Days over which capacity and throughput rise in a straight line from their current
        /// values to these (>= 0): a restore curve; several restores make a piecewise-linear
        /// one. Default 0 (at once).
        #[serde(default)]
        ramp_days: Option<f64>,
    },
    /// A phishing wave using the stolen data: inquiries rise by `multiplier` for `days`.
    Phishing {
        /// Factor on the inquiry rate, 1..=100. Default 2.
        #[serde(default)]
        multiplier: Option<f64>,
        /// Length of the wave in days, 0.01..=3650. Default 7.
        #[serde(default)]
        days: Option<f64>,
    },
    /// A decision point: the room (or a decision script) picks one option; its effects apply.
    Decision {
        /// Identifier used by decision scripts.
        id: String,
        /// The question put to the room.
        question: String,
        /// The choices, 1 to 26, keys unique.
        options: Vec<RawOption>,
        /// The option taken when nobody decides (its `key`).
        default: String,
        /// The question as put to the room after an earlier choice, by `"DECISION:OPTION"`, for
        /// example `{"disconnect:reconnect-now": "The portals are back for ..."}`; the first
        /// that matches a choice the room took replaces `question`. Default: none.
        #[serde(default)]
        question_after: BTreeMap<String, String>,
    },
    /// Text for the room only.
    Note,
}

/// One option of a decision: `Option(key: "surge", label: "Call in agency staff", effects: [...])`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename = "Option")]
pub struct RawOption {
    /// Short key, unique within the decision, used by `default` and decision scripts.
    pub key: String,
    /// The option as read to the room.
    pub label: String,
    /// What taking the option changes in the model. Default: nothing.
    #[serde(default)]
    pub effects: Vec<RawEffect>,
}

/// What a decision changes in the model.
#[derive(Debug, Clone, Deserialize)]
pub enum RawEffect {
    /// Call in the surge pool of the providers in scope (their plans' share, lead time, cost).
    SurgeStaff { scope: RawTarget },
    /// Keep services open `hours` (1..=16) longer each day for `days` (0.01..=3650), worked as
    /// overtime.
    ExtendHours { scope: RawTarget, hours: u32, days: f64 },
    /// Cancel elective work for `days` (0.01..=3650): staff serve urgent and soon cases only.
    CancelElectives { scope: RawTarget, days: f64 },
    /// Send new urgent cases of `from` to the named providers (ids) for `days` (0.01..=3650).
    DivertUrgent { from: RawTarget, to: Vec<String>, days: f64 },
    /// Reconnect platforms now; with chance `risk` they are compromised again after
    /// `after_days` and stay down `outage_days`.
    ReconnectEarly {
        /// The platforms (ids) to reconnect.
        platforms: Vec<String>,
        /// Chance of a new compromise, 0..=1.
        risk: f64,
        /// Days until the new compromise, 0..=3650. Default 3.
        #[serde(default)]
        after_days: Option<f64>,
        /// Days the platforms stay down after it, 0..=3650. Default 7.
        #[serde(default)]
        outage_days: Option<f64>,
    },
}

/// Which providers an effect applies to.
#[derive(Debug, Clone, Deserialize)]
pub enum RawTarget {
    /// Every provider.
    All,
    /// Every provider of a kind.
    Kind(ProviderKind),
    /// Every customer of a vendor.
    Vendor(String),
    /// Named providers.
    Providers(Vec<String>),
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
