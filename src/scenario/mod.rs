//! Scenarios: the RON file format, its two-stage loading (raw → validated), and the built-ins.
//!
//! A scenario is read in two stages, as ripgrep turns raw flags into validated arguments:
//! [`raw`] is what serde reads from the file; the validator ([`from_str`]) checks every meaning (references,
//! shares, times, sizes) and either yields a [`Scenario`] the simulator can trust or a
//! [`ScenarioError`] listing every problem with its `FILE:LINE:COLUMN`.

pub mod builtin;
pub mod evaluation;
pub(crate) mod locate;
pub mod observed;
pub mod raw;
pub(crate) mod syntax;
pub mod templates;
pub mod unique;
pub(crate) mod validate;
// Issue 14: natural units and the calibration check.
pub mod check;
pub mod units;

use std::path::Path;

pub use crate::error::{Problem, ScenarioError};
pub use raw::{OpenDays, Sensitivity};
pub use validate::from_raw;

use crate::model::{FallbackCost, FunctionSet, Hosting, ProviderKind, Source};

/// A checked scenario, ready to simulate.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub id: String,
    pub title: String,
    pub description: String,
    /// Day 0 as (year, month, day).
    pub start: Date,
    pub days: u32,
    pub tick_hours: u32,
    pub seed: u64,
    pub regions: Vec<String>,
    pub vendors: Vec<Vendor>,
    pub platforms: Vec<Platform>,
    pub profiles: Vec<Profile>,
    pub providers: Vec<ProviderSpec>,
    pub timeline: Vec<Inject>,
    /// Thresholds for the after-action report's ratings.
    pub evaluation: evaluation::Evaluation,
    /// Inquiry and notification parameters of the breach aftermath.
    pub aftermath: Aftermath,
    /// The notification duties of the jurisdiction.
    pub regime: Regime,
    /// Published outcomes to set the model's figures beside.
    pub observed: Vec<observed::Observed>,
}

/// A jurisdiction's notification duties (validated [`raw::RawRegime`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Regime {
    pub name: String,
    pub duties: Vec<DutySpec>,
}

/// One notification duty (validated [`raw::RawDuty`]).
#[derive(Debug, Clone, PartialEq)]
pub struct DutySpec {
    pub name: String,
    pub trigger: raw::DutyTrigger,
    pub applies_to: raw::DutyScope,
    pub hours: f64,
    pub minutes: f64,
}

impl Regime {
    /// The EU regime: GDPR art. 33 (the supervisory authority within 72 h of awareness of a
    /// personal-data breach) and NIS2 art. 23 (early warning within 24 h, notification within
    /// 72 h, final report within one month of the notification), with the work minutes of the
    /// aftermath parameters.
    pub fn eu(a: &Aftermath) -> Regime {
        use raw::{DutyScope, DutyTrigger};
        let essential = DutyScope::VendorCustomers(vec![ProviderKind::Hospital, ProviderKind::EyeHospital]);
        let duty = |name: &str, trigger, applies_to: &DutyScope, hours: f64, minutes: f64| DutySpec {
            name: name.to_string(),
            trigger,
            applies_to: applies_to.clone(),
            hours,
            minutes,
        };
        Regime {
            name: "EU: GDPR art. 33 and NIS2 art. 23".to_string(),
            duties: vec![
                duty("NIS2 early warning", DutyTrigger::Detect, &essential, 24.0, a.nis2_early_warning_minutes),
                duty("NIS2 incident notification", DutyTrigger::Detect, &essential, 72.0, a.nis2_notification_minutes),
                duty("NIS2 final report", DutyTrigger::Detect, &essential, 72.0 + 30.0 * 24.0, 0.0),
                duty(
                    "GDPR art. 33 notification",
                    DutyTrigger::Announce,
                    &DutyScope::RecordsStolen,
                    72.0,
                    a.gdpr_notification_minutes,
                ),
            ],
        }
    }
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// The date as a `jiff` civil date. Dates come from [`validate`] (years 1900 to 2200, real
    /// days) plus at most a few thousand days; anything jiff cannot hold becomes 1970-01-01
    /// rather than a panic.
    fn civil(self) -> jiff::civil::Date {
        let (y, m, d) = (i16::try_from(self.year), i8::try_from(self.month), i8::try_from(self.day));
        match (y, m, d) {
            (Ok(y), Ok(m), Ok(d)) => jiff::civil::Date::new(y, m, d).unwrap_or(EPOCH),
            _ => EPOCH,
        }
    }

    fn from_civil(d: jiff::civil::Date) -> Date {
        Date { year: i32::from(d.year()), month: d.month() as u32, day: d.day() as u32 }
    }

    /// Day of the week, 0 = Monday.
    pub fn weekday(self) -> u32 {
        self.civil().weekday().to_monday_zero_offset() as u32
    }

    /// Days since 1970-01-01.
    pub fn days_from_civil(self) -> i64 {
        self.civil().since((jiff::Unit::Day, EPOCH)).map_or(0, |span| i64::from(span.get_days()))
    }

    /// The date `n` days later (the same date if that is outside the years jiff holds).
    pub fn plus_days(self, n: i64) -> Date {
        let civil = self.civil();
        jiff::Span::new().try_days(n).and_then(|span| civil.checked_add(span)).map_or(self, Date::from_civil)
    }

    /// Parse `YYYY-MM-DD` (month and day may have one digit); `None` for a date that does not
    /// exist, such as 31 February.
    pub fn parse(s: &str) -> Option<Date> {
        let tm = jiff::fmt::strtime::parse("%Y-%m-%d", s.trim()).ok()?;
        tm.to_date().ok().map(Date::from_civil)
    }
}

/// 1970-01-01, the origin of [`Date::days_from_civil`].
const EPOCH: jiff::civil::Date = jiff::civil::date(1970, 1, 1);

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[derive(Debug, Clone)]
pub struct Vendor {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Platform {
    pub id: String,
    pub name: String,
    pub vendor: usize,
    pub kind: raw::PlatformKind,
    pub functions: FunctionSet,
}

/// A provider description shared by many providers.
#[derive(Debug, Clone)]
pub struct Profile {
    pub id: String,
    pub kind: ProviderKind,
    pub services: Vec<ServiceSpec>,
    pub plan: Plan,
    pub high_sensitivity: bool,
    pub sick_leave: f64,
}

/// Urgency classes, in service order.
pub const URGENT: usize = 0;
pub const SOON: usize = 1;
pub const ELECTIVE: usize = 2;

#[derive(Debug, Clone)]
pub struct ServiceSpec {
    pub name: String,
    pub demand_per_1000: f64,
    pub open: u32,
    pub close: u32,
    pub days: OpenDays,
    /// Share and maximum wait (hours) per class: urgent, soon, elective.
    pub share: [f64; 3],
    pub max_wait_hours: [f64; 3],
    pub clinical_minutes: f64,
    pub admin_minutes: f64,
    pub clinical_staff_per_1000: f64,
    pub admin_staff_per_1000: f64,
    pub needs: FunctionSet,
    pub referrals: Vec<ReferralSpec>,
    /// Days ahead cases are booked, per class (0: not booked; urgent cases never are).
    pub booking_days: [u32; 3],
    /// Throughput ceiling in fallback, overriding the plan's per-function ceilings.
    pub fallback_throughput: Option<f64>,
    pub ambulance_share: f64,
    pub walkout_share: f64,
    /// Patients' choice: (expected wait in hours, share who go elsewhere).
    pub choice: Option<(f64, f64)>,
    pub depends_on: Vec<DependencySpec>,
}

/// A service's need for another provider's service (validated [`raw::RawDependency`]).
#[derive(Debug, Clone)]
pub struct DependencySpec {
    pub kind: ProviderKind,
    pub service: String,
    /// A named supplier (provider index).
    pub provider: Option<u32>,
    pub share: f64,
    pub mutual_aid: f64,
    pub aid_lead_hours: f64,
}

/// Precautionary cancellation (validated [`raw::RawCancellation`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CancellationSpec {
    /// Share cancelled; `None`: 1 − the service's fallback throughput.
    pub share: Option<f64>,
    pub ahead_days: u32,
    /// Classes cancelled, by index (urgent, soon, elective).
    pub classes: [bool; 3],
    pub when_blocked: bool,
    pub min_expected_outage_days: f64,
    pub rebook_after_days: f64,
}

/// Ambulance diversion (validated [`raw::RawAmbulanceDiversion`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AmbulanceDiversionSpec {
    pub in_fallback: bool,
    pub share: f64,
    pub max_days: Option<f64>,
}

/// A referral flow from a service (validated [`raw::RawReferral`]).
#[derive(Debug, Clone)]
pub struct ReferralSpec {
    pub to: ProviderKind,
    pub service: String,
    pub per_case: f64,
    /// Urgency class at the receiver: [`URGENT`], [`SOON`] or [`ELECTIVE`].
    pub class: usize,
    pub transit_hours: f64,
    pub fallback_transit_hours: f64,
    pub fallback_admin_minutes: f64,
}

/// A surge pool (validated [`raw::RawSurge`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Surge {
    pub share: f64,
    pub lead_hours: f64,
    pub cost_per_hour: f64,
    pub automatic: bool,
}

/// Breach aftermath parameters (validated [`raw::RawAftermath`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Aftermath {
    pub inquiry_rate: f64,
    pub inquiry_share_cap: f64,
    pub inquiry_half_life_days: f64,
    pub inquiry_minutes: f64,
    pub gdpr_notification_minutes: f64,
    pub nis2_early_warning_minutes: f64,
    pub nis2_notification_minutes: f64,
}

/// A decision point on the timeline, with the option that will be taken.
#[derive(Debug, Clone)]
pub struct Decision {
    pub id: String,
    pub question: String,
    pub options: Vec<DecisionOption>,
    /// Index of the option taken (the default until someone chooses).
    pub chosen: usize,
    /// Index of the default option.
    pub default: usize,
    /// The question after an earlier choice: (decision id, option key, question), in order.
    pub question_after: Vec<(String, String, String)>,
}

impl Decision {
    /// The question as put to the room, given the choices taken so far (decision id, option key).
    pub fn question_given<'a>(&'a self, taken: &[(&str, &str)]) -> &'a str {
        self.question_after
            .iter()
            .find(|(d, o, _)| taken.iter().any(|(td, to)| td == d && to == o))
            .map_or(self.question.as_str(), |(_, _, q)| q.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct DecisionOption {
    pub key: String,
    pub label: String,
    pub effects: Vec<Effect>,
}

/// A model change made by a decision, with its targets resolved to provider indices.
#[derive(Debug, Clone)]
pub enum Effect {
    SurgeStaff { providers: Vec<u32> },
    ExtendHours { providers: Vec<u32>, hours: u32, days: f64 },
    CancelElectives { providers: Vec<u32>, days: f64 },
    DivertUrgent { from: Vec<u32>, to: Vec<u32>, days: f64 },
    ReconnectEarly { platforms: Vec<usize>, risk: f64, after_days: f64, outage_days: f64 },
}

impl ServiceSpec {
    pub fn open_hours_per_day(&self) -> u32 {
        self.close - self.open
    }
    pub fn is_open(&self, weekday: u32, hour: u32) -> bool {
        (self.days == OpenDays::AllWeek || weekday < 5) && hour >= self.open && hour < self.close
    }
    /// Ticks of `tick_hours` hours per open day that open the service (see [`ticks_opening`]).
    pub fn open_ticks(&self, tick_hours: u32) -> u32 {
        ticks_opening(self.open, self.close, tick_hours)
    }
    /// Staff minutes per open tick, per member of staff (see [`staffed_minutes_per_tick`]).
    pub fn staffed_minutes_per_tick(&self, tick_hours: u32) -> f64 {
        staffed_minutes_per_tick(self.open, self.close, tick_hours)
    }
}

/// Ticks of `tick_hours` hours per open day that open a service open from hour `open` to
/// `close`: those starting within its hours (0 when none does; the simulator then counts one,
/// and validate warns).
pub fn ticks_opening(open: u32, close: u32, tick_hours: u32) -> u32 {
    // The multiples of `tick_hours` in `open..close` (hours end by 24, so every one is a tick
    // of the day), counted without a loop: the daily metrics ask once per service.
    let tick_hours = tick_hours.clamp(1, 24);
    close.min(24).div_ceil(tick_hours).saturating_sub(open.div_ceil(tick_hours))
}

/// Staff minutes per open tick, per member of staff, of a service open from hour `open` to
/// `close`: the day's opening hours shared over its open ticks, so that staff work the
/// service's hours whatever the tick length (a clinic open 08:00–17:00 has three 4-hour ticks
/// starting within its hours: 3 hours of work each, 9 in the day, not 12). With hourly ticks,
/// or hours that begin and end on a tick's start, that is the tick's length. The whole tick
/// when no tick starts within the hours (validate warns: the service never opens).
pub fn staffed_minutes_per_tick(open: u32, close: u32, tick_hours: u32) -> f64 {
    match ticks_opening(open, close, tick_hours) {
        0 => 60.0 * f64::from(tick_hours),
        ticks => 60.0 * f64::from(close - open) / f64::from(ticks),
    }
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub activation_hours: f64,
    pub covers: FunctionSet,
    pub fallback: [FallbackCost; crate::model::Function::COUNT],
    pub overtime_cap: f64,
    pub max_tolerable_days: f64,
    pub surge: Option<Surge>,
    pub cancellation: Option<CancellationSpec>,
    pub ambulance_diversion: Option<AmbulanceDiversionSpec>,
    pub back_entry_minutes: f64,
    pub back_entry_share: f64,
}

#[derive(Debug, Clone)]
pub struct ProviderSpec {
    pub id: String,
    pub profile: usize,
    pub kind: ProviderKind,
    pub region: usize,
    pub patients: u64,
    pub vendor: usize,
    pub hosting: Hosting,
    pub sources: [Source; crate::model::Function::COUNT],
    pub high_sensitivity: bool,
    /// (latitude, longitude) in degrees, if given.
    pub location: Option<(f64, f64)>,
    /// Whether its own daily series is written to `providers.csv`.
    pub report: bool,
    /// Whether the timeline hits it directly (a platform it uses is disconnected or degraded,
    /// or its service capacity is cut): the `Affected` providers of `observed` blocks.
    pub affected: bool,
}

/// An inject with references resolved.
#[derive(Debug, Clone)]
pub struct Inject {
    pub day: u32,
    pub hour: u32,
    pub delay: Option<raw::Delay>,
    pub event: Event,
    pub title: String,
    pub text: String,
    /// Discussion questions for the room (exercise mode only).
    pub questions: Vec<String>,
    /// The teams the inject is addressed to (exercise rooms); empty: every team.
    pub teams: Vec<String>,
}

impl Inject {
    /// Whether this inject changes the model (rather than only informing the room).
    pub fn is_incident(&self) -> bool {
        !matches!(self.event, Event::Note)
    }
}

#[derive(Debug, Clone)]
pub enum Event {
    Compromise { vendor: usize },
    Detect { vendor: usize },
    Disconnect { platforms: Vec<usize>, expected_days: Option<f64> },
    Degrade { platforms: Vec<usize>, throughput: f64 },
    ServiceCapacity { providers: Vec<u32>, service: Option<String>, capacity: f64 },
    Exfiltrate { providers: Vec<u32>, share: f64 },
    Announce { vendor: usize },
    Restore { platforms: Vec<usize>, capacity: f64, throughput: f64, ramp_days: f64 },
    Phishing { multiplier: f64, days: f64 },
    Decision(Decision),
    Note,
}

impl Event {
    pub fn key(&self) -> &'static str {
        match self {
            Event::Compromise { .. } => "compromise",
            Event::Detect { .. } => "detect",
            Event::Disconnect { .. } => "disconnect",
            Event::Degrade { .. } => "degrade",
            Event::ServiceCapacity { .. } => "service_capacity",
            Event::Exfiltrate { .. } => "exfiltrate",
            Event::Announce { .. } => "announce",
            Event::Restore { .. } => "restore",
            Event::Phishing { .. } => "phishing",
            Event::Decision(_) => "decision",
            Event::Note => "note",
        }
    }
}

/// Parse and validate scenario text; `file` names it in errors. Uncertain parameters
/// (`Uncertain(...)`, see [`crate::uncertain`]) take their nominal values.
pub fn from_str(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    if crate::uncertain::mentions(text) {
        return crate::uncertain::Uncertain::nominal_only(text, file).map(|u| u.nominal().clone());
    }
    validate::from_str(text, file)
}

/// Parse scenario text into its raw form only (uncertain parameters at their nominal values);
/// with [`from_raw`], callers (policy sweeps) can change a [`raw::RawScenario`] before
/// validating it.
pub fn parse_raw(text: &str, file: &str) -> Result<raw::RawScenario, ScenarioError> {
    if crate::uncertain::mentions(text) {
        let u = crate::uncertain::Uncertain::nominal_only(text, file)?;
        return u.raw_at(&u.nominal_values());
    }
    validate::parse_raw(text, file)
}

/// Where a scenario comes from: a file path or a built-in name.
pub fn load(spec: &str) -> Result<Scenario, ScenarioError> {
    // Uncertain parameters take their nominal values, with every range checked.
    crate::uncertain::load(spec).map(crate::uncertain::Uncertain::into_nominal)
}

/// The text of a scenario (a built-in name or a file, read within [`MAX_FILE_BYTES`]) and the
/// name its errors and warnings give it.
pub fn source(spec: &str) -> Result<(String, String), ScenarioError> {
    if let Some(text) = builtin::get(spec) {
        return Ok((text.to_string(), format!("<built-in {spec}>")));
    }
    let path = Path::new(spec);
    Ok((read_bounded(path)?, path.display().to_string()))
}

/// `error`'s problems as a compiler shows them, without colour (see
/// [`ScenarioError::render`]); the text is read again from the built-in or the file it names.
pub fn render_error(error: &ScenarioError) -> String {
    render_error_styled(error, false)
}

/// [`render_error`], in colour when `color` (for a terminal).
pub fn render_error_styled(error: &ScenarioError, color: bool) -> String {
    let source = match error.file.strip_prefix("<built-in ").and_then(|s| s.strip_suffix('>')) {
        Some(name) => builtin::get(name).map(str::to_string),
        // Regular files only: reading a pipe or a terminal again would wait for input.
        None => {
            let path = Path::new(&error.file);
            path.metadata().is_ok_and(|m| m.is_file()).then(|| read_bounded(path).ok()).flatten()
        }
    };
    error.render_styled(source.as_deref(), color)
}

/// Largest scenario file accepted, in bytes.
pub const MAX_FILE_BYTES: u64 = 8 << 20;

pub(crate) fn read_bounded(path: &Path) -> Result<String, ScenarioError> {
    use std::io::Read;
    let name = path.display().to_string();
    let file = crate::input::open_regular(path).map_err(|e| {
        let hint = if path.extension().is_none() && e.kind() == std::io::ErrorKind::NotFound {
            format!("; `{}` is not a built-in either (built-ins: {})", name, builtin::names().join(", "))
        } else {
            String::new()
        };
        ScenarioError::single(&name, 0, 0, format!("cannot read the file: {e}{hint}"))
    })?;
    let mut text = String::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| ScenarioError::single(&name, 0, 0, format!("cannot read the file as UTF-8 text: {e}")))?;
    crate::input::strip_bom(&mut text);
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(ScenarioError::single(
            &name,
            1,
            1,
            format!(
                "the file is larger than {} MiB; a scenario should be a few hundred lines (use `groups` for many providers)",
                MAX_FILE_BYTES >> 20
            ),
        ));
    }
    Ok(text)
}

impl Scenario {
    /// The decision points on the timeline, in timeline order.
    pub fn decisions(&self) -> impl Iterator<Item = &Decision> {
        self.timeline.iter().filter_map(|i| match &i.event {
            Event::Decision(d) => Some(d),
            _ => None,
        })
    }

    /// Take option `key` at decision point `id`.
    pub fn choose(&mut self, id: &str, key: &str) -> Result<(), String> {
        let decision = self
            .timeline
            .iter_mut()
            .find_map(|i| match &mut i.event {
                Event::Decision(d) if d.id == id => Some(d),
                _ => None,
            })
            .ok_or_else(|| format!("the scenario has no decision `{id}`"))?;
        let option = decision.options.iter().position(|o| o.key == key).ok_or_else(|| {
            let keys: Vec<&str> = decision.options.iter().map(|o| o.key.as_str()).collect();
            format!("decision `{id}` has no option `{key}`; options: {}", keys.join(", "))
        })?;
        decision.chosen = option;
        Ok(())
    }

    /// Change the horizon, dropping injects that would fall past it.
    pub fn set_days(&mut self, days: u32) {
        self.days = days.clamp(1, validate::MAX_DAYS);
        self.timeline.retain(|i| i.day < self.days);
    }
}

#[cfg(test)]
mod tests {
    /// The count without a loop is the count of tick starts within the hours, for every
    /// opening span and tick length.
    #[test]
    fn ticks_opening_counts_the_tick_starts_within_the_hours() {
        for tick_hours in [1, 2, 3, 4, 6, 8, 12, 24] {
            for open in 0..24 {
                for close in open + 1..=24 {
                    let starts = (0..24).step_by(tick_hours as usize).filter(|h| (open..close).contains(h)).count();
                    assert_eq!(
                        super::ticks_opening(open, close, tick_hours) as usize,
                        starts,
                        "{open}-{close} at {tick_hours} h"
                    );
                }
            }
        }
    }
}
