//! World-wide resources: the clock, random streams, the timeline, platform states, tallies.

use bevy_ecs::prelude::*;
use rand::rngs::ChaCha8Rng;
use serde::Serialize;

use super::provider::ProviderKind;
use crate::scenario::Inject;

/// Simulated time. Set the tick with [`Clock::set_tick`], which also works out the day, hour
/// and weekday once per tick (the hot loop asks for them per provider, and each is a division).
#[derive(Resource, Debug, Clone)]
pub struct Clock {
    /// The current tick: read it with [`Clock::tick`], set it with [`Clock::set_tick`].
    tick: u32,
    pub tick_hours: u32,
    pub ticks_per_day: u32,
    /// Weekday of day 0, 0 = Monday.
    pub start_weekday: u32,
    day: u32,
    hour: u32,
    weekday: u32,
}

impl Clock {
    /// The clock at tick 0.
    pub fn new(tick_hours: u32, ticks_per_day: u32, start_weekday: u32) -> Self {
        let mut clock = Clock { tick: 0, tick_hours, ticks_per_day, start_weekday, day: 0, hour: 0, weekday: 0 };
        clock.set_tick(0);
        clock
    }
    pub fn set_tick(&mut self, tick: u32) {
        self.tick = tick;
        self.day = tick / self.ticks_per_day;
        self.hour = (tick % self.ticks_per_day) * self.tick_hours;
        self.weekday = (self.start_weekday + self.day) % 7;
    }
    /// The current tick.
    #[inline]
    pub fn tick(&self) -> u32 {
        self.tick
    }
    #[inline]
    pub fn day(&self) -> u32 {
        self.day
    }
    #[inline]
    pub fn hour(&self) -> u32 {
        self.hour
    }
    #[inline]
    pub fn weekday(&self) -> u32 {
        self.weekday
    }
    pub fn is_last_tick_of_day(&self) -> bool {
        (self.tick + 1).is_multiple_of(self.ticks_per_day)
    }
}

/// One seeded random stream per purpose, so a change in one mechanism does not shift another's draws.
#[derive(Resource, Debug)]
pub struct Streams {
    pub arrivals: ChaCha8Rng,
    /// The CDF values the arrival draws read (see [`crate::model::Arrivals::draw_tabulated`]).
    pub cdf: crate::model::CdfTable,
    /// Incident timing and decision risks.
    pub incident: ChaCha8Rng,
}

/// The injects of this replication, times drawn, sorted by tick.
#[derive(Resource, Debug, Clone, Default)]
pub struct Timeline {
    pub injects: Vec<(u32, Inject)>,
    pub next: usize,
}

/// Injects that fired this tick (indices into [`Timeline::injects`]).
#[derive(Resource, Debug, Clone, Default)]
pub struct Fired(pub Vec<usize>);

/// Availability of a platform.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Availability {
    Up,
    /// Serving the share of customers whose rollout rank is below this capacity.
    Degraded(f64),
    Down,
}

/// Availability of every platform, by index.
#[derive(Resource, Debug, Clone, Default)]
pub struct PlatformStatus {
    pub states: Vec<Availability>,
    /// Set when a state changed this tick, so providers' functions are recomputed.
    pub changed: bool,
    /// Windows `(platform, from, until)` in which a platform is held down (a re-compromise):
    /// scheduled restores inside the window do not bring it back.
    pub holds: Vec<(usize, u32, u32)>,
    /// Throughput share of each platform while up (1: normal).
    pub throughput: Vec<f64>,
    /// Tick by which each platform is expected back, as announced at its disconnect (`None`:
    /// not announced, or up).
    pub expected_up: Vec<Option<u32>>,
    /// Restores under way along a straight line.
    pub ramps: Vec<Ramp>,
}

/// A restore that follows a straight line from `start` to `end` (ticks).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ramp {
    pub platform: usize,
    pub start: u32,
    pub end: u32,
    pub capacity: (f64, f64),
    pub throughput: (f64, f64),
}

impl Availability {
    /// The availability that serves a share `c` of customers.
    pub fn at(c: f64) -> Availability {
        if c >= 1.0 {
            Availability::Up
        } else if c <= 0.0 {
            Availability::Down
        } else {
            Availability::Degraded(c)
        }
    }

    /// The share of customers served.
    pub fn capacity(self) -> f64 {
        match self {
            Availability::Up => 1.0,
            Availability::Degraded(c) => c,
            Availability::Down => 0.0,
        }
    }
}

impl PlatformStatus {
    /// Whether platform `p` is held down at tick `now`.
    pub fn held(&self, p: usize, now: u32) -> bool {
        self.holds.iter().any(|&(q, from, until)| q == p && (from..until).contains(&now))
    }
}

/// Incident milestones of this replication.
#[derive(Resource, Debug, Clone, Default)]
pub struct Incident {
    pub first_compromise: Option<u32>,
    pub awareness: Option<u32>,
    pub last_restore: Option<u32>,
}

/// Flows and stocks of one provider kind, summed over a day (flows) or at its end (stocks).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Counters {
    pub demand: u64,
    pub served: u64,
    pub served_fallback: u64,
    pub postponed: u64,
    pub diverted: u64,
    pub urgent_delayed: u64,
    pub overtime_minutes: f64,
    pub clinical_capacity_minutes: f64,
    pub clinical_used_minutes: f64,
    pub admin_used_minutes: f64,
    pub records_stolen: u64,
    pub records_stolen_high: u64,
    /// Referrals, prescriptions and transfers sent by this kind.
    pub referrals_sent: u64,
    /// Of those arriving today (at any kind), the ones later than their normal transit time.
    pub referrals_delayed: u64,
    /// Referrals sent the fallback way (phone, post).
    pub referrals_fallback: u64,
    /// Patients' inquiries arriving, and admin minutes spent on inquiries and notifications.
    pub inquiries: f64,
    pub breach_admin_minutes: f64,
    /// Surge staff hours worked and their cost.
    pub surge_hours: f64,
    pub surge_cost: f64,
    /// Booked appointments cancelled ahead (precautionary cancellation).
    pub cancelled: u64,
    /// Patients who left without being seen.
    pub walked_out: u64,
    /// Walk-in patients who chose another provider because of the wait.
    pub went_elsewhere: u64,
    /// Ambulance patients diverted to another provider (also counted in `diverted`).
    pub ambulances_diverted: u64,
    /// Hours waited by the cases served today (from arrival or re-booking; approximate for
    /// waits of a day or more, whose deadlines are rounded to the end of a day).
    pub wait_hours: f64,
    /// Staff minutes spent entering paper records into the EHR after the restore.
    pub back_entry_minutes: f64,
}

impl Counters {
    /// Add another day's or kind's counters to these.
    pub fn add(&mut self, o: &Counters) {
        self.demand += o.demand;
        self.served += o.served;
        self.served_fallback += o.served_fallback;
        self.postponed += o.postponed;
        self.diverted += o.diverted;
        self.urgent_delayed += o.urgent_delayed;
        self.overtime_minutes += o.overtime_minutes;
        self.clinical_capacity_minutes += o.clinical_capacity_minutes;
        self.clinical_used_minutes += o.clinical_used_minutes;
        self.admin_used_minutes += o.admin_used_minutes;
        self.records_stolen += o.records_stolen;
        self.records_stolen_high += o.records_stolen_high;
        self.referrals_sent += o.referrals_sent;
        self.referrals_delayed += o.referrals_delayed;
        self.referrals_fallback += o.referrals_fallback;
        self.inquiries += o.inquiries;
        self.breach_admin_minutes += o.breach_admin_minutes;
        self.surge_hours += o.surge_hours;
        self.surge_cost += o.surge_cost;
        self.cancelled += o.cancelled;
        self.walked_out += o.walked_out;
        self.went_elsewhere += o.went_elsewhere;
        self.ambulances_diverted += o.ambulances_diverted;
        self.wait_hours += o.wait_hours;
        self.back_entry_minutes += o.back_entry_minutes;
    }
}

/// One day of one service slot (a profile's service at the affected or the unaffected
/// providers), by urgency class where it applies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ServiceDay {
    pub demand: [u64; 3],
    pub served: [u64; 3],
    pub cancelled: [u64; 3],
    pub postponed: [u64; 3],
    pub walked_out: [u64; 3],
    pub diverted: u64,
    pub went_elsewhere: u64,
    pub wait_hours: f64,
}

/// One day of one reported provider.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ProviderDay {
    pub demand: u64,
    pub served: u64,
    pub served_fallback: u64,
    pub cancelled: u64,
    pub postponed: u64,
    pub diverted: u64,
    pub diverted_in: u64,
    pub walked_out: u64,
    pub backlog: u64,
}

/// Today's counters by provider kind, the running backlog, and its peaks.
#[derive(Resource, Debug, Clone, Default)]
pub struct Tally {
    pub today: [Counters; ProviderKind::COUNT],
    /// Today's counters per service slot (see [`crate::model::Service::slot`]).
    pub services: Vec<ServiceDay>,
    /// Today's counters per reported provider.
    pub reported: Vec<ProviderDay>,
    pub backlog: [i64; ProviderKind::COUNT],
    pub peak_backlog: [i64; ProviderKind::COUNT],
    pub peak_backlog_total: i64,
}

/// Cases that need another provider: urgent ones past their wait, new ones sent on by a
/// decision or by ambulance diversion, walk-ins who choose another provider.
#[derive(Debug, Clone, Copy)]
pub struct Diversion {
    pub from: u32,
    pub service: u16,
    pub count: u32,
    pub reason: DiversionReason,
    /// Urgency class of the cases.
    pub class: u8,
}

/// Why cases go to another provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiversionReason {
    /// Urgent cases past their maximum wait (already counted in the sender's queue).
    Overdue,
    /// New urgent cases sent on by a decision.
    Directed,
    /// New ambulance patients, by the plan's ambulance diversion.
    Ambulance,
    /// New walk-in patients who choose another provider because of the wait.
    Choice,
}

/// Diversions requested this tick, applied by the spillover system.
#[derive(Resource, Debug, Clone, Default)]
pub struct Diversions(pub Vec<Diversion>);

/// Entities of providers by index, and each provider's neighbours (same profile and region).
#[derive(Resource, Debug, Clone, Default)]
pub struct Network {
    pub providers: Vec<Entity>,
    pub neighbours: Vec<Vec<u32>>,
}

/// A referral rule with its possible receivers.
#[derive(Debug, Clone)]
pub struct ReferralRule {
    pub class: u8,
    pub per_case: f64,
    pub transit_ticks: u32,
    pub fallback_ticks: u32,
    pub fallback_admin_minutes: f64,
    /// Receivers (provider index, service index) per region, and a round-robin counter per region.
    pub receivers: Vec<Vec<(u32, u16)>>,
    pub next: Vec<u32>,
}

/// Whether any provider's plan cancels booked appointments: without one, the bookings system
/// only works at the start of a day.
#[derive(Resource, Debug, Clone, Copy, Default)]
pub struct CancellationPlans(pub bool);

/// Whether some provider lacks a function one of its services needs; kept by the availability
/// system. While none does, a closed provider has nothing to note (see the care system).
#[derive(Resource, Debug, Clone, Copy, Default)]
pub struct Unmet(pub bool);

/// Counts changes to providers' opening hours (a decision extending them), so the care system
/// knows when to list again which providers open at which hour.
#[derive(Resource, Debug, Clone, Copy, Default)]
pub struct OpenHoursVersion(pub u32);

/// Whether each provider (by index) has the exchange function now; kept by the availability system.
#[derive(Resource, Debug, Clone, Default)]
pub struct ExchangeUp(pub Vec<bool>);

/// Referrals on their way.
#[derive(Debug, Clone, Copy)]
pub struct Transit {
    pub from: u32,
    pub to: u32,
    pub to_service: u16,
    pub class: u8,
    pub count: u32,
    pub sender_kind: u8,
    /// Tick it would have arrived with exchange up.
    pub normal_arrival: u32,
    /// Extra admin minutes per referral at the receiver (fallback path).
    pub admin_minutes: f32,
}

/// The referral network: rules, referrals in transit (a calendar ring by arrival tick), and
/// those stuck until exchange returns.
#[derive(Resource, Debug, Clone, Default)]
pub struct Referrals {
    pub rules: Vec<ReferralRule>,
    pub calendar: Vec<Vec<Transit>>,
    pub stuck: Vec<Transit>,
    /// Delays beyond normal transit, in hours, bucketed by hour (the last bucket collects the rest).
    pub delay_histogram: Vec<u64>,
    /// This tick's arrivals, summed per receiving service before they are queued.
    pub arriving: Arriving,
}

/// Referrals arriving this tick, summed per receiving service and class, so each receiving
/// service is looked up and queued to once per tick, not once per referral.
///
/// Every referral arriving at a service in one tick joins the same cohort of its class (the
/// same deadline, no flags), and the tallies are whole counts, so summing first changes nothing
/// in the outputs. Services are numbered densely, provider by provider.
#[derive(Debug, Clone, Default)]
pub struct Arriving {
    /// The number of each provider's first service.
    first: Vec<u32>,
    /// The provider of each service number.
    owner: Vec<u32>,
    /// Cases arriving this tick by service number and class.
    count: Vec<[u32; 3]>,
    /// A bit per service number with arrivals this tick. Reading it word by word hands the
    /// services out in number order without sorting (a sort of the touched list cost 1.4% of
    /// a national run), and marking a service needs no check whether it was marked.
    touched: Vec<u64>,
}

impl Arriving {
    /// Number the services of providers with the given service counts.
    pub fn new(services_per_provider: impl IntoIterator<Item = usize>) -> Self {
        let (mut first, mut owner) = (Vec::new(), Vec::new());
        for (provider, n) in services_per_provider.into_iter().enumerate() {
            first.push(owner.len() as u32);
            owner.extend(std::iter::repeat_n(provider as u32, n));
        }
        let count = vec![[0; 3]; owner.len()];
        let touched = vec![0; owner.len().div_ceil(64)];
        Arriving { first, owner, count, touched }
    }

    /// Add `count` cases of `class` arriving at service `service` of provider `provider`.
    #[inline]
    pub fn add(&mut self, provider: u32, service: u16, class: u8, count: u32) {
        let p = provider as usize;
        let n = (self.first[p] + u32::from(service)) as usize;
        debug_assert!(n < self.first.get(p + 1).map_or(self.owner.len(), |&next| next as usize), "no such service");
        self.count[n][usize::from(class)] += count;
        self.touched[n / 64] |= 1 << (n % 64);
    }

    /// Hand out each service's arrivals once, in service-number order (the order services lie
    /// in memory, so lookups go forward), as (provider, service index, cases by class); clears
    /// the sums.
    pub fn drain(&mut self, mut deliver: impl FnMut(u32, usize, [u32; 3])) {
        for (w, word) in self.touched.iter_mut().enumerate() {
            let mut bits = std::mem::take(word);
            while bits != 0 {
                let n = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let provider = self.owner[n];
                let service = n - self.first[provider as usize] as usize;
                deliver(provider, service, std::mem::take(&mut self.count[n]));
            }
        }
    }
}

/// The breach aftermath in this replication: parameters, the announcement, phishing waves,
/// and the providers whose records were stolen.
#[derive(Resource, Debug, Clone)]
pub struct Aftermath {
    pub params: crate::scenario::Aftermath,
    pub announced: Option<u32>,
    /// (until tick, multiplier)
    pub phishing: Vec<(u32, f64)>,
    pub affected: Vec<u32>,
}

/// A row of `events.csv`.
#[derive(Debug, Clone, Serialize)]
pub struct EventRow {
    pub tick: u32,
    pub event: String,
    pub target: String,
    pub text: String,
}

/// The timeline as it happened.
#[derive(Resource, Debug, Clone, Default)]
pub struct EventLog(pub Vec<EventRow>);

/// One day of one provider kind.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct DayRow {
    pub day: u32,
    pub kind: usize,
    pub counters: Counters,
    pub backlog: i64,
    pub sick_share: f64,
    pub services_fallback: u32,
    pub services_blocked: u32,
    pub providers: u32,
}

/// Daily rows written by the metrics system: per provider kind; per service slot (day, slot,
/// counters); per reported provider (day, slot, counters).
#[derive(Resource, Debug, Clone, Default)]
pub struct Series {
    pub kinds: Vec<DayRow>,
    pub services: Vec<(u32, u32, ServiceDay)>,
    pub providers: Vec<(u32, u32, ProviderDay)>,
}

/// A service slot: which profile's service, at the providers of one vendor that the incident
/// hits directly or does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSlot {
    pub kind: ProviderKind,
    pub service: String,
    pub affected: bool,
    /// The providers' EHR vendor (index).
    pub vendor: u16,
}

/// A dependency of a service on a supplier's service, resolved to entities.
#[derive(Debug, Clone, Copy)]
pub struct Link {
    pub dependent: Entity,
    pub service: u16,
    /// Index into [`Dependencies::suppliers`].
    pub supplier: u32,
    pub share: f64,
    pub mutual_aid: f64,
    pub aid_lead_ticks: u32,
}

/// Dependencies between services (labs, imaging, pharmacy): the suppliers, each with its
/// current capacity share, and the links from dependent services to them.
#[derive(Resource, Debug, Clone, Default)]
pub struct Dependencies {
    /// (provider entity, service index, whether another supplier of its kind could help,
    /// capacity share last tick, tick since which it has been short).
    pub suppliers: Vec<Supplier>,
    pub links: Vec<Link>,
    /// Whether any supplier was short last tick (dependents then carry a factor below 1).
    pub any_short: bool,
    /// Whether dependents' supply was recomputed last tick (their `supply_before` then lags).
    pub changed_last_tick: bool,
}

/// A supplying service.
#[derive(Debug, Clone, Copy)]
pub struct Supplier {
    pub entity: Entity,
    pub service: u16,
    /// Another provider of the kind has the service: mutual aid is possible.
    pub has_alternative: bool,
    pub cap: f64,
    pub short_since: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Arrivals are summed per service and class, each service handed out once, in service
    /// order, with the right provider and service index; nothing is lost or handed out twice.
    #[test]
    fn arriving_sums_per_service_and_hands_each_out_once() {
        // Providers with 2, 0, 3, 1 and 100 services: numbers 0-1, 2-4, 5, 6-105 (two words
        // of the bit set).
        let mut a = Arriving::new([2, 0, 3, 1, 100]);
        let adds = [
            (4, 99, 0, 6),
            (3, 0, 1, 4),
            (0, 1, 0, 2),
            (2, 2, 1, 5),
            (0, 1, 0, 3),
            (2, 2, 2, 1),
            (0, 0, 2, 7),
            (4, 57, 1, 1),
        ];
        for (provider, service, class, count) in adds {
            a.add(provider, service, class, count);
        }
        let mut out = Vec::new();
        a.drain(|provider, service, counts| out.push((provider, service, counts)));
        assert_eq!(
            out,
            vec![
                (0, 0, [0, 0, 7]),
                (0, 1, [5, 0, 0]),
                (2, 2, [0, 5, 1]),
                (3, 0, [0, 4, 0]),
                (4, 57, [0, 1, 0]),
                (4, 99, [6, 0, 0])
            ]
        );
        let total: u32 = out.iter().flat_map(|(_, _, c)| c).sum();
        assert_eq!(total, adds.iter().map(|a| a.3).sum::<u32>());
        // Drained: the next tick starts empty.
        let mut again = 0;
        a.drain(|_, _, _| again += 1);
        assert_eq!(again, 0);
        a.add(2, 0, 0, 1);
        a.drain(|provider, service, counts| assert_eq!((provider, service, counts), (2, 0, [1, 0, 0])));
    }
}
