//! Building a World from a [`Scenario`], running it tick by tick, and extracting the [`Outcome`].
//!
//! One World per replication. Randomness comes from seeded ChaCha8 streams, one per purpose
//! (arrivals, incident timing), each derived from `(seed, replication)`, so the same scenario,
//! seed and replication give the same outcome on any machine and thread count.

use std::collections::BTreeMap;
use std::sync::Arc;

use bevy_ecs::prelude::*;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

use crate::model::*;
use crate::scenario::{ELECTIVE, Event, SOON, Scenario, URGENT, raw::Delay};
use crate::systems;

/// Options for one replication.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// Master seed.
    pub seed: u64,
    /// Replication number (0 for a single run): selects the random streams.
    pub replication: u64,
}

/// The scenario, shared read-only by systems that need names.
#[derive(Resource, Clone)]
pub struct Roster(pub Arc<Scenario>);

impl Roster {
    /// A short description of what an event acts on, for `events.csv`.
    pub fn target(&self, e: &Event) -> String {
        let s = &self.0;
        match e {
            Event::Compromise { vendor } | Event::Detect { vendor } | Event::Announce { vendor } => {
                s.vendors[*vendor].name.clone()
            }
            Event::Disconnect { platforms, .. }
            | Event::Restore { platforms, .. }
            | Event::Degrade { platforms, .. } => {
                platforms.iter().map(|p| s.platforms[*p].name.as_str()).collect::<Vec<_>>().join(" ")
            }
            Event::Exfiltrate { providers, .. } | Event::ServiceCapacity { providers, .. } => {
                format!("{} providers", providers.len())
            }
            Event::Phishing { .. } => "patients".to_string(),
            Event::Decision(d) => d.id.clone(),
            Event::Note => String::new(),
        }
    }
}

/// Stream numbers per purpose within a replication.
const STREAM_ARRIVALS: u64 = 0;
const STREAM_INCIDENT: u64 = 1;
const STREAMS_PER_REPLICATION: u64 = 8;

fn stream(seed: u64, replication: u64, purpose: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(replication.wrapping_mul(STREAMS_PER_REPLICATION).wrapping_add(purpose));
    rng
}

/// What one provider went through.
#[derive(Debug, Clone)]
pub struct ProviderResult {
    pub kind: ProviderKind,
    pub hosting: Hosting,
    pub vendor: u16,
    pub records_stolen: u64,
    pub high_sensitivity: bool,
    pub exhausted_day: Option<u32>,
    pub disrupted_days: u32,
    pub max_tolerable_days: f64,
    pub queued_at_end: u64,
    /// Urgent cases diverted here from other providers.
    pub diverted_in: u64,
    /// Notification duties: (index in the regime, deadline tick, tick done).
    pub duties: Vec<(u8, u32, Option<u32>)>,
    pub surge_called: bool,
}

/// Everything a replication produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub scenario: Arc<Scenario>,
    pub seed: u64,
    pub replication: u64,
    pub days: u32,
    /// Per day, one row per provider kind present.
    pub series: Vec<DayRow>,
    /// Per day, one row per service slot with activity: (day, slot, counters).
    pub service_series: Vec<(u32, u32, ServiceDay)>,
    /// What each service slot is.
    pub slots: Vec<ServiceSlot>,
    /// Per day, one row per reported provider: (day, slot, counters).
    pub provider_series: Vec<(u32, u32, ProviderDay)>,
    /// Provider indices of the reported providers, by slot.
    pub reported: Vec<u32>,
    pub events: Vec<EventRow>,
    pub peak_backlog: i64,
    pub peak_backlog_by_kind: [i64; ProviderKind::COUNT],
    pub incident: Incident,
    pub providers: Vec<ProviderResult>,
    pub tick_hours: u32,
    /// Referrals arriving later than normal, by hours late (the last bucket holds the rest).
    pub referral_delay_histogram: Vec<u64>,
    /// Referrals not arrived by the end though due, by sender kind (stuck or on a slow path).
    pub referrals_late_at_end: [u64; ProviderKind::COUNT],
}

/// Run one replication of `scenario`.
pub fn run(scenario: Arc<Scenario>, options: RunOptions) -> Outcome {
    Simulation::new(scenario, options).finish()
}

/// The scenario with every incident inject removed: the "normal" comparison run.
pub fn baseline_of(scenario: &Scenario) -> Scenario {
    let mut base = scenario.clone();
    base.timeline.retain(|i| !i.is_incident());
    base
}

/// What the baseline run of `scenario` depends on, as text: two scenarios with the same key
/// have the same baseline outcome for a given seed and replication, so evaluations that differ
/// only in the incident can share it ([`crate::experiment::SharedBaselines`]).
///
/// The baseline keeps no incident inject, so no function ever goes down and no decision,
/// breach or capacity change happens. What acts only then is left out of the key: titles, the
/// breach aftermath, the notification regime, the ratings, the observed figures, and the
/// continuity plan's fallback costs and ceilings, activation time, cover, surge pool (called
/// only on a disruption or by a decision), precautionary cancellation, ambulance diversion and
/// back-entry. Every struct is destructured in full, so
/// a new field does not compile here until someone decides whether the baseline depends on it.
pub fn baseline_key(scenario: &Scenario) -> String {
    use crate::scenario::{Plan, Profile, ServiceSpec};
    let Scenario {
        id,
        title: _,
        description: _,
        start,
        days,
        tick_hours,
        seed,
        regions,
        vendors,
        platforms,
        profiles,
        providers,
        timeline,
        evaluation: _,
        aftermath: _,
        regime: _,
        observed: _,
    } = scenario;
    let notes: Vec<_> = timeline.iter().filter(|i| !i.is_incident()).collect();
    let profiles: Vec<String> = profiles
        .iter()
        .map(|p| {
            let Profile { id, kind, services, plan, high_sensitivity, sick_leave } = p;
            let Plan {
                activation_hours: _,
                covers: _,
                fallback: _,
                overtime_cap,
                max_tolerable_days,
                surge: _,
                cancellation: _,
                ambulance_diversion: _,
                back_entry_minutes: _,
                back_entry_share: _,
            } = plan;
            let services: Vec<String> = services
                .iter()
                .map(|s| {
                    let ServiceSpec {
                        name,
                        demand_per_1000,
                        open,
                        close,
                        days,
                        share,
                        max_wait_hours,
                        clinical_minutes,
                        admin_minutes,
                        clinical_staff_per_1000,
                        admin_staff_per_1000,
                        needs,
                        referrals,
                        booking_days,
                        fallback_throughput: _,
                        ambulance_share,
                        walkout_share,
                        choice,
                        depends_on,
                    } = s;
                    format!(
                        "{:?}",
                        (
                            (name, demand_per_1000, open, close, days, share, max_wait_hours),
                            (clinical_minutes, admin_minutes, clinical_staff_per_1000, admin_staff_per_1000, needs),
                            (referrals, booking_days, ambulance_share, walkout_share, choice, depends_on),
                        )
                    )
                })
                .collect();
            format!("{:?}", (id, kind, services, overtime_cap, max_tolerable_days, high_sensitivity, sick_leave))
        })
        .collect();
    format!("{:?}", (id, start, days, tick_hours, seed, regions, vendors, platforms, profiles, providers, notes))
}

/// Run the scenario and its baseline (same seed: common random numbers) side by side, or one
/// after the other when called from a worker of a rayon pool (calibration's evaluations): the
/// pool's workers already keep the cores busy, and `--jobs N` then means N threads.
pub fn run_with_baseline(scenario: Arc<Scenario>, options: RunOptions) -> (Outcome, Outcome) {
    let base = Arc::new(baseline_of(&scenario));
    if rayon::current_thread_index().is_some() {
        return (run(scenario, options), run(base, options));
    }
    std::thread::scope(|s| {
        let handle = s.spawn(|| run(base, options));
        let incident = run(scenario, options);
        let baseline = handle.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        (incident, baseline)
    })
}

fn build_world(scenario: Arc<Scenario>, options: RunOptions) -> World {
    let mut world = World::new();
    let tick_hours = scenario.tick_hours;
    let ticks_per_day = 24 / tick_hours;
    world.insert_resource(Clock::new(tick_hours, ticks_per_day, scenario.start.weekday()));
    // The timeline, with random delays drawn from the incident stream.
    let mut incident_rng = stream(options.seed, options.replication, STREAM_INCIDENT);
    let mut injects: Vec<(u32, crate::scenario::Inject)> = scenario
        .timeline
        .iter()
        .map(|inj| {
            let hours = f64::from(inj.day * 24 + inj.hour)
                + inj.delay.as_ref().map_or(0.0, |d| draw_delay(d, &mut incident_rng));
            ((hours / f64::from(tick_hours)).floor() as u32, inj.clone())
        })
        .collect();
    injects.sort_by_key(|(t, _)| *t);
    world.insert_resource(Timeline { injects, next: 0 });
    let mut arrivals_rng = stream(options.seed, options.replication, STREAM_ARRIVALS);
    world.insert_resource(Aftermath {
        params: scenario.aftermath,
        announced: None,
        phishing: Vec::new(),
        affected: Vec::new(),
    });
    let (referrals, rule_of) = referral_network(&scenario);
    world.insert_resource(Fired::default());
    let platforms = scenario.platforms.len();
    world.insert_resource(PlatformStatus {
        states: vec![Availability::Up; platforms],
        changed: false,
        holds: Vec::new(),
        throughput: vec![1.0; platforms],
        expected_up: vec![None; platforms],
        ramps: Vec::new(),
    });
    world.insert_resource(Incident::default());
    let (slots, slot_offset) = service_slots(&scenario);
    let reported: Vec<u32> =
        scenario.providers.iter().enumerate().filter(|(_, p)| p.report).map(|(i, _)| i as u32).collect();
    world.insert_resource(Tally {
        services: vec![ServiceDay::default(); slots.len()],
        reported: vec![ProviderDay::default(); reported.len()],
        ..Default::default()
    });
    world.insert_resource(Diversions::default());
    world.insert_resource(EventLog::default());
    world.insert_resource(Series {
        kinds: Vec::with_capacity(scenario.days as usize * ProviderKind::COUNT),
        ..Default::default()
    });
    world.insert_resource(Roster(scenario.clone()));
    world.insert_resource(Unmet::default());
    world.insert_resource(OpenHoursVersion::default());
    world.insert_resource(CancellationPlans(scenario.profiles.iter().any(|p| p.plan.cancellation.is_some())));
    world.insert_resource(SlotTable(slots));
    let inflow = referral_inflow(&scenario);

    let mut entities = Vec::with_capacity(scenario.providers.len());
    let mut cdf = CdfTable::default();
    for (index, spec) in scenario.providers.iter().enumerate() {
        let profile = &scenario.profiles[spec.profile];
        let scale = spec.patients as f64 / 1000.0;
        let mut services = profile
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let open_ticks = s.open_ticks(tick_hours).max(1);
                let daily = s.demand_per_1000 * scale;
                let per_tick = daily / f64::from(open_ticks);
                // Staff work the opening hours, shared over the open ticks (the tick's length
                // with hourly ticks).
                let staffed_minutes = s.staffed_minutes_per_tick(tick_hours);
                let open_days = if s.days == crate::scenario::OpenDays::Weekdays { 5.0 } else { 7.0 };
                let normal_daily = daily + inflow[index][i] * 7.0 / open_days;
                let booked = |c: usize| s.booking_days[c] > 0;
                let book = s.booking_days.iter().any(|d| *d > 0).then(|| {
                    let mut book = Book::new(
                        s.booking_days,
                        [URGENT, SOON, ELECTIVE]
                            .map(|c| Arrivals::new(if booked(c) { daily * s.share[c] } else { 0.0 })),
                    );
                    // The appointments already in the book at the start.
                    for c in [SOON, ELECTIVE] {
                        for d in 0..s.booking_days[c] {
                            let open_day =
                                s.days == crate::scenario::OpenDays::AllWeek || (scenario.start.weekday() + d) % 7 < 5;
                            if open_day {
                                let slot = book.slot(d);
                                book.fresh[slot][c] = book.daily[c].draw(&mut arrivals_rng);
                            }
                        }
                    }
                    Box::new(book)
                });
                Service {
                    spec: i as u16,
                    open: s.open as u8,
                    close: s.close as u8,
                    weekdays_only: s.days == crate::scenario::OpenDays::Weekdays,
                    open_ticks,
                    needs: s.needs,
                    arrivals: [URGENT, SOON, ELECTIVE]
                        .map(|c| Arrivals::new(if booked(c) { 0.0 } else { per_tick * s.share[c] })),
                    wait_ticks: s.max_wait_hours.map(|h| ((h / f64::from(tick_hours)).ceil() as u32).max(1)),
                    clinical_minutes: s.clinical_minutes,
                    admin_minutes: s.admin_minutes,
                    clinical_capacity: s.clinical_staff_per_1000 * scale * staffed_minutes,
                    admin_capacity: s.admin_staff_per_1000 * scale * staffed_minutes,
                    daily_demand: daily,
                    elective_share: s.share[ELECTIVE],
                    queues: Default::default(),
                    overdue: 0,
                    queued: 0,
                    clinical_balance: 0.0,
                    admin_balance: 0.0,
                    mode: Mode::Normal,
                    cost: (1.0, 0.0),
                    extra_hours: 0,
                    extended_until: 0,
                    due: u32::MAX,
                    referrals: rule_of[spec.profile][i]
                        .iter()
                        .map(|&r| (r, referrals.rules[usize::from(r)].per_case, 0.0))
                        .collect(),
                    slot: (slot_offset[index] + i) as u32,
                    normal_rate: normal_daily / f64::from(open_ticks),
                    fallback_throughput: s.fallback_throughput,
                    mode_cap: 1.0,
                    capacity: 1.0,
                    supply: 1.0,
                    supply_before: 1.0,
                    credit: 0.0,
                    book,
                    ambulance_share: s.ambulance_share,
                    walkout_share: s.walkout_share,
                    choice: s.choice.map(|(hours, share)| (hours / f64::from(tick_hours), share)),
                    carry: [0.0; 3],
                    diverting_since: None,
                    back_entry: 0.0,
                }
            })
            .collect::<Vec<Service>>();
        for service in &mut services {
            for arrivals in &mut service.arrivals {
                arrivals.tabulate(&mut cdf);
            }
        }
        let plan = &profile.plan;
        let hours = OpenHours::of(&services);
        // One bundle for every provider, spawned in index order: the systems read the providers
        // by position in their one table (`systems::ONE_TABLE`).
        let entity = world
            .spawn((
                Provider {
                    index: index as u32,
                    kind: spec.kind,
                    region: spec.region as u16,
                    vendor: spec.vendor as u16,
                    hosting: spec.hosting,
                    rollout_rank: rollout_rank(index as u64),
                    report: reported.iter().position(|&r| r as usize == index).map(|p| p as u32),
                    affected: spec.affected,
                },
                Functions {
                    sources: spec.sources,
                    available: FunctionSet::ALL,
                    down_since: [0; Function::COUNT],
                    throughput: [1.0; Function::COUNT],
                    degraded: FunctionSet::EMPTY,
                },
                Records { patients: spec.patients, high_sensitivity: spec.high_sensitivity, stolen: 0 },
                staffing(profile, spec.patients),
                Continuity {
                    activation_ticks: (plan.activation_hours / f64::from(tick_hours)).ceil() as u32,
                    covers: plan.covers,
                    fallback: plan.fallback,
                    overtime_cap: plan.overtime_cap,
                    max_tolerable_days: plan.max_tolerable_days,
                    disrupted_today: false,
                    disrupted_days: 0,
                    exhausted_day: None,
                    surge: plan.surge,
                    surge_lead_ticks: plan.surge.map_or(0, |g| (g.lead_hours / f64::from(tick_hours)).ceil() as u32),
                    surge_called: None,
                    electives_cancelled_until: 0,
                    divert_until: 0,
                    divert_to: Vec::new(),
                    cancellation: plan.cancellation,
                    ambulance_diversion: plan.ambulance_diversion,
                    back_entry_minutes: plan.back_entry_minutes,
                    back_entry_share: plan.back_entry_share,
                },
                BreachWork { inquiry_share_cap: scenario.aftermath.inquiry_share_cap, ..Default::default() },
                hours,
                CareServices(services),
            ))
            .id();
        entities.push(entity);
    }
    world.insert_resource(Streams { arrivals: arrivals_rng, cdf, incident: incident_rng });
    world.insert_resource(referrals);
    world.insert_resource(ExchangeUp(vec![true; entities.len()]));
    let neighbours = neighbours(&scenario);
    world.insert_resource(dependencies(&scenario, &entities, tick_hours));
    world.insert_resource(Network { providers: entities, neighbours });
    world.insert_resource(ReportedProviders(reported));
    world
}

/// The service slots of the per-service tally: one per profile, service, vendor and whether the
/// timeline hits the provider directly, for the combinations present; and for each provider
/// the slot of its first service (its services' slots follow in order).
fn service_slots(scenario: &Scenario) -> (Vec<ServiceSlot>, Vec<usize>) {
    let mut index: BTreeMap<(usize, usize, bool), usize> = BTreeMap::new();
    let mut slots = Vec::new();
    let mut first = Vec::with_capacity(scenario.providers.len());
    for p in &scenario.providers {
        let profile = &scenario.profiles[p.profile];
        let start = *index.entry((p.profile, p.vendor, p.affected)).or_insert_with(|| {
            let at = slots.len();
            for s in &profile.services {
                slots.push(ServiceSlot {
                    kind: profile.kind,
                    service: s.name.clone(),
                    affected: p.affected,
                    vendor: p.vendor as u16,
                });
            }
            at
        });
        first.push(start);
    }
    (slots, first)
}

/// Expected referrals arriving per day (a 7-day average) at each provider's services: every
/// sender's own daily demand times its referrals per case, shared among the receivers of its
/// region (or the nearest region with receivers), as the referral system routes them.
pub(crate) fn referral_inflow(scenario: &Scenario) -> Vec<Vec<f64>> {
    let regions = scenario.regions.len().max(1);
    let mut inflow: Vec<Vec<f64>> =
        scenario.providers.iter().map(|p| vec![0.0; scenario.profiles[p.profile].services.len()]).collect();
    for profile in &scenario.profiles {
        for service in &profile.services {
            for r in &service.referrals {
                let mut receivers: Vec<Vec<(usize, usize)>> = vec![Vec::new(); regions];
                for (i, p) in scenario.providers.iter().enumerate() {
                    if p.kind != r.to {
                        continue;
                    }
                    if let Some(s) = scenario.profiles[p.profile].services.iter().position(|s| s.name == r.service) {
                        receivers[p.region.min(regions - 1)].push((i, s));
                    }
                }
                let open_days = if service.days == crate::scenario::OpenDays::Weekdays { 5.0 } else { 7.0 };
                let mut sent = vec![0.0; regions];
                for p in scenario.providers.iter().filter(|p| std::ptr::eq(&scenario.profiles[p.profile], profile)) {
                    sent[p.region.min(regions - 1)] +=
                        service.demand_per_1000 * p.patients as f64 / 1000.0 * open_days / 7.0 * r.per_case;
                }
                for (region, amount) in sent.iter().enumerate() {
                    let Some(list) = (0..regions).map(|d| &receivers[(region + d) % regions]).find(|l| !l.is_empty())
                    else {
                        continue;
                    };
                    for &(i, s) in list {
                        inflow[i][s] += amount / list.len() as f64;
                    }
                }
            }
        }
    }
    inflow
}

/// The dependency links between services, with their suppliers: a named supplier, else the
/// provider of the kind with the service nearest the dependent (by location when both have one,
/// else the first in its region, else the first anywhere).
///
/// The providers offering each (kind, service name) are listed once, in provider order, so a
/// dependent looks only at its candidates: with thousands of dependents (every GP practice
/// depending on a pharmacy, say) the scan over every provider per dependent had cost about
/// 0.12 s per World.
fn dependencies(scenario: &Scenario, entities: &[Entity], tick_hours: u32) -> Dependencies {
    let mut deps = Dependencies::default();
    let wanted: std::collections::BTreeSet<(ProviderKind, &str)> = scenario
        .profiles
        .iter()
        .flat_map(|profile| &profile.services)
        .flat_map(|service| &service.depends_on)
        .map(|d| (d.kind, d.service.as_str()))
        .collect();
    if wanted.is_empty() {
        return deps;
    }
    // Providers offering each wanted (kind, service), with the service's index (its first of
    // that name), in provider order.
    let mut offering: BTreeMap<(ProviderKind, &str), Vec<(u32, u16)>> = BTreeMap::new();
    for (j, q) in scenario.providers.iter().enumerate() {
        for (t, x) in scenario.profiles[q.profile].services.iter().enumerate() {
            let key = (q.kind, x.name.as_str());
            if !wanted.contains(&key) {
                continue;
            }
            let list = offering.entry(key).or_default();
            if list.last().is_none_or(|&(last, _)| last != j as u32) {
                list.push((j as u32, t as u16));
            }
        }
    }
    let mut supplier_index: BTreeMap<(u32, u16), u32> = BTreeMap::new();
    for (i, p) in scenario.providers.iter().enumerate() {
        for (s, service) in scenario.profiles[p.profile].services.iter().enumerate() {
            for d in &service.depends_on {
                let offered = offering.get(&(d.kind, d.service.as_str())).map_or(&[][..], Vec::as_slice);
                let mut candidates = offered.iter().copied().filter(|&(j, _)| j as usize != i);
                let chosen = match d.provider {
                    Some(named) => candidates.clone().find(|(j, _)| *j == named),
                    None => {
                        let distance = |j: u32| {
                            let q = &scenario.providers[j as usize];
                            match (p.location, q.location) {
                                (Some(a), Some(b)) => km(a, b),
                                _ if q.region == p.region => 1e9,
                                _ => 2e9,
                            }
                        };
                        if p.location.is_none() {
                            // Every distance is 1e9 (same region) or 2e9: the first in the
                            // region, else the first, as the minimum over all would pick.
                            let first = candidates.clone().next();
                            candidates
                                .clone()
                                .find(|&(j, _)| scenario.providers[j as usize].region == p.region)
                                .or(first)
                        } else {
                            candidates.clone().min_by(|a, b| distance(a.0).total_cmp(&distance(b.0)))
                        }
                    }
                };
                let Some((j, t)) = chosen else { continue };
                let has_alternative = candidates.nth(1).is_some();
                let next = deps.suppliers.len() as u32;
                let supplier = *supplier_index.entry((j, t)).or_insert_with(|| {
                    deps.suppliers.push(Supplier {
                        entity: entities[j as usize],
                        service: t,
                        has_alternative,
                        cap: 1.0,
                        short_since: None,
                    });
                    next
                });
                deps.links.push(Link {
                    dependent: entities[i],
                    service: s as u16,
                    supplier,
                    share: d.share,
                    mutual_aid: d.mutual_aid,
                    aid_lead_ticks: (d.aid_lead_hours / f64::from(tick_hours)).ceil() as u32,
                });
            }
        }
    }
    deps
}

/// Great-circle distance in kilometres between two (latitude, longitude) points.
pub(crate) fn km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (a.0.to_radians(), a.1.to_radians(), b.0.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().min(1.0).asin()
}

/// What each service slot of the per-service tally is.
#[derive(Resource, Debug, Clone, Default)]
pub struct SlotTable(pub Vec<ServiceSlot>);

/// Provider indices of the providers whose own series is written, by slot.
#[derive(Resource, Debug, Clone, Default)]
pub struct ReportedProviders(pub Vec<u32>);

/// Staff strain starts at the normal sick share; roles are weighed by their contracted minutes.
fn staffing(profile: &crate::scenario::Profile, patients: u64) -> Staffing {
    let scale = patients as f64 / 1000.0;
    let mut weight = [0.0; 2];
    for s in &profile.services {
        let hours = f64::from(s.open_hours_per_day()) * scale * 60.0;
        weight[CLINICAL] += s.clinical_staff_per_1000 * hours;
        weight[ADMIN] += s.admin_staff_per_1000 * hours;
    }
    Staffing::new(profile.sick_leave, weight)
}

/// Neighbours per provider, nearest first: with locations, the six nearest providers of the
/// same profile that have one; otherwise up to four providers of the same profile in its region,
/// then up to two in the next region (regions in scenario order, wrapping round).
fn neighbours(scenario: &Scenario) -> Vec<Vec<u32>> {
    const IN_REGION: usize = 4;
    const NEXT_REGION: usize = 2;
    const NEAREST: usize = 6;
    let mut located: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
    for (i, p) in scenario.providers.iter().enumerate() {
        if p.location.is_some() {
            located.entry(p.profile).or_default().push(i as u32);
        }
    }
    let regions = scenario.regions.len().max(1);
    let mut groups: BTreeMap<(usize, usize), Vec<u32>> = BTreeMap::new();
    for (i, p) in scenario.providers.iter().enumerate() {
        groups.entry((p.profile, p.region)).or_default().push(i as u32);
    }
    let mut out = vec![Vec::new(); scenario.providers.len()];
    for (&(profile, region), members) in &groups {
        let n = members.len();
        let next = if regions > 1 { groups.get(&(profile, (region + 1) % regions)) } else { None };
        for (k, &m) in members.iter().enumerate() {
            let list = &mut out[m as usize];
            list.extend((1..n.min(IN_REGION + 1)).map(|j| members[(k + j) % n]));
            if let Some(next) = next {
                list.extend((0..next.len().min(NEXT_REGION)).map(|j| next[(k + j) % next.len()]));
            }
        }
    }
    // Geography, where given: the nearest of the same profile (a few thousand providers at most
    // have locations in practice; this is quadratic in them, once per run).
    for members in located.values() {
        for &m in members {
            let here = scenario.providers[m as usize].location.unwrap_or_default();
            let mut others: Vec<(f64, u32)> = members
                .iter()
                .filter(|&&o| o != m)
                .map(|&o| (km(here, scenario.providers[o as usize].location.unwrap_or_default()), o))
                .collect();
            others.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            out[m as usize] = others.into_iter().take(NEAREST).map(|(_, o)| o).collect();
        }
    }
    out
}

/// Referral rules (one per referral of a profile's service) with their receivers per region,
/// and for each profile and service the rules it sends on.
fn referral_network(scenario: &Scenario) -> (Referrals, Vec<Vec<Vec<u16>>>) {
    let th = f64::from(scenario.tick_hours);
    let regions = scenario.regions.len().max(1);
    let mut rules = Vec::new();
    let mut rule_of = Vec::new();
    let mut longest = 1;
    for profile in &scenario.profiles {
        let mut per_service = Vec::new();
        for service in &profile.services {
            let mut ids = Vec::new();
            for r in &service.referrals {
                let mut receivers = vec![Vec::new(); regions];
                for (i, p) in scenario.providers.iter().enumerate() {
                    let prof = &scenario.profiles[p.profile];
                    if p.kind != r.to {
                        continue;
                    }
                    if let Some(s) = prof.services.iter().position(|s| s.name == r.service) {
                        receivers[p.region].push((i as u32, s as u16));
                    }
                }
                // A region without receivers refers to the nearest region that has some.
                for region in 0..regions {
                    if receivers[region].is_empty()
                        && let Some(other) =
                            (1..regions).map(|d| (region + d) % regions).find(|o| !receivers[*o].is_empty())
                    {
                        receivers[region] = receivers[other].clone();
                    }
                }
                let transit_ticks = (r.transit_hours / th).ceil() as u32;
                let fallback_ticks = ((r.fallback_transit_hours / th).ceil() as u32).max(transit_ticks);
                longest = longest.max(fallback_ticks as usize + 1);
                ids.push(rules.len() as u16);
                rules.push(ReferralRule {
                    class: r.class as u8,
                    per_case: r.per_case,
                    transit_ticks,
                    fallback_ticks,
                    fallback_admin_minutes: r.fallback_admin_minutes,
                    receivers,
                    next: vec![0; regions],
                });
            }
            per_service.push(ids);
        }
        rule_of.push(per_service);
    }
    let referrals = Referrals {
        rules,
        calendar: vec![Vec::new(); longest + 1],
        delay_histogram: vec![0; 24 * 31],
        arriving: Arriving::new(scenario.providers.iter().map(|p| scenario.profiles[p.profile].services.len())),
        ..Default::default()
    };
    (referrals, rule_of)
}

/// A stable pseudo-random rank in [0, 1) for staged restores (splitmix64 of the index).
fn rollout_rank(index: u64) -> f64 {
    let mut z = index.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

fn draw_delay(d: &Delay, rng: &mut ChaCha8Rng) -> f64 {
    match *d {
        Delay::Uniform { min, max } => {
            if max > min {
                rng.random_range(min..max)
            } else {
                min
            }
        }
        Delay::Triangular { min, mode, max } => {
            if max <= min {
                return min;
            }
            let u: f64 = rng.random();
            let c = (mode - min) / (max - min);
            if u < c {
                min + (u * (max - min) * (mode - min)).sqrt()
            } else {
                max - ((1.0 - u) * (max - min) * (max - mode)).sqrt()
            }
        }
    }
}

fn extract(mut world: World, scenario: Arc<Scenario>, options: RunOptions) -> Outcome {
    let mut results: Vec<(u32, ProviderResult)> = world
        .query::<(&Provider, &Records, &Continuity, &CareServices, &BreachWork)>()
        .iter(&world)
        .map(|(p, r, c, s, w)| {
            (
                p.index,
                ProviderResult {
                    kind: p.kind,
                    hosting: p.hosting,
                    vendor: p.vendor,
                    records_stolen: r.stolen,
                    high_sensitivity: r.high_sensitivity,
                    exhausted_day: c.exhausted_day,
                    disrupted_days: c.disrupted_days,
                    max_tolerable_days: c.max_tolerable_days,
                    queued_at_end: s.0.iter().map(|s| u64::from(s.queued)).sum(),
                    diverted_in: w.diverted_in,
                    duties: w.duties.iter().map(|d| (d.what, d.due, d.done)).collect(),
                    surge_called: c.surge_called.is_some(),
                },
            )
        })
        .collect();
    results.sort_by_key(|(i, _)| *i);
    let tally = world.resource::<Tally>().clone();
    let horizon_tick = scenario.days * (24 / scenario.tick_hours);
    let referrals = world.resource::<Referrals>();
    let mut referrals_late_at_end = [0u64; ProviderKind::COUNT];
    for t in referrals.stuck.iter().chain(referrals.calendar.iter().flatten()) {
        if t.normal_arrival < horizon_tick {
            referrals_late_at_end[usize::from(t.sender_kind)] += u64::from(t.count);
        }
    }
    let referral_delay_histogram = referrals.delay_histogram.clone();
    let mut events = std::mem::take(&mut world.resource_mut::<EventLog>().0);
    let horizon = scenario.days * (24 / scenario.tick_hours);
    events.retain(|e| e.tick < horizon);
    events.sort_by_key(|e| e.tick);
    Outcome {
        seed: options.seed,
        replication: options.replication,
        days: scenario.days,
        tick_hours: scenario.tick_hours,
        series: std::mem::take(&mut world.resource_mut::<Series>().kinds),
        service_series: std::mem::take(&mut world.resource_mut::<Series>().services),
        provider_series: std::mem::take(&mut world.resource_mut::<Series>().providers),
        slots: world.resource::<SlotTable>().0.clone(),
        reported: world.resource::<ReportedProviders>().0.clone(),
        events,
        peak_backlog: tally.peak_backlog_total,
        peak_backlog_by_kind: tally.peak_backlog,
        incident: world.resource::<Incident>().clone(),
        referral_delay_histogram,
        referrals_late_at_end,
        providers: results.into_iter().map(|(_, r)| r).collect(),
        scenario,
    }
}

/// One replication advanced step by step, for exercise mode: the same World and schedule as
/// [`run`], so stepping to the horizon and calling [`Simulation::finish`] gives the same
/// [`Outcome`] as [`run`]. Between steps the World can be read (the state of care so far) and
/// the pending injects changed (the room's choice at a decision point not yet fired).
pub struct Simulation {
    world: World,
    schedule: Schedule,
    scenario: Arc<Scenario>,
    options: RunOptions,
    now: u32,
    horizon: u32,
}

impl Simulation {
    /// A replication at tick 0, nothing run yet.
    pub fn new(scenario: Arc<Scenario>, options: RunOptions) -> Self {
        let world = build_world(scenario.clone(), options);
        let horizon = scenario.days * (24 / scenario.tick_hours);
        Simulation { world, schedule: systems::schedule(), scenario, options, now: 0, horizon }
    }

    /// The next tick to run (ticks `0..now` have run).
    pub fn now(&self) -> u32 {
        self.now
    }

    /// Ticks in the horizon.
    pub fn horizon(&self) -> u32 {
        self.horizon
    }

    pub fn scenario(&self) -> &Arc<Scenario> {
        &self.scenario
    }

    /// Run every tick before `tick` (at most to the horizon).
    pub fn step_to(&mut self, tick: u32) {
        while self.now < tick.min(self.horizon) {
            self.world.resource_mut::<Clock>().set_tick(self.now);
            self.schedule.run(&mut self.world);
            self.now += 1;
        }
    }

    pub fn world(&self) -> &World {
        &self.world
    }

    pub fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    /// Run to the horizon and extract the outcome.
    pub fn finish(mut self) -> Outcome {
        self.step_to(self.horizon);
        extract(self.world, self.scenario, self.options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A clinic in region `north` depending on a lab, with four labs: two in the south, two in
    /// the north, each lab depending on a lab too. `clinic_at` and `labs_at` are extra provider
    /// fields (a location, or nothing), `named` an extra dependency field (a named supplier).
    fn with_labs(clinic_at: &str, labs_at: [&str; 4], named: &str) -> Scenario {
        let lab = |i: usize, region: &str| {
            format!(
                r#"Provider(id: "lab-{i}", profile: "lab", patients: 100000, vendor: "v", region: "{region}" {})"#,
                labs_at[i]
            )
        };
        let text = format!(
            r#"Scenario(
    id: "deps", title: "deps", start: "2026-01-05", days: 2, seed: 1, regions: ["south", "north"],
    vendors: [Vendor(id: "v")],
    platforms: [Platform(id: "sys", vendor: "v", kind: Other, functions: [RecordAccess])],
    profiles: [
        Profile(id: "clinic", kind: GpPractice,
            services: [Service(name: "consultations", demand_per_1000: 1.0,
                urgency: (urgent: (share: 0.2, max_wait_hours: 4), soon: (share: 0.3, max_wait_hours: 48), elective: (share: 0.5, max_wait_hours: 336)),
                clinical_minutes: 10, clinical_staff_per_1000: 0.01,
                depends_on: [Dependency(kind: Lab, service: "tests", share: 0.5 {named})])]),
        Profile(id: "lab", kind: Lab,
            services: [Service(name: "tests", demand_per_1000: 1.0,
                urgency: (urgent: (share: 0.2, max_wait_hours: 4), soon: (share: 0.3, max_wait_hours: 48), elective: (share: 0.5, max_wait_hours: 336)),
                clinical_minutes: 5, clinical_staff_per_1000: 0.005,
                depends_on: [Dependency(kind: Lab, service: "tests", share: 0.1)])]),
    ],
    providers: [
        {}, {}, {}, {},
        Provider(id: "clinic", profile: "clinic", patients: 10000, vendor: "v", region: "north" {clinic_at}),
    ],
)"#,
            lab(0, "south"),
            lab(1, "south"),
            lab(2, "north"),
            lab(3, "north"),
        );
        crate::scenario::from_str(&text, "deps.ron").unwrap_or_else(|e| panic!("{}", crate::scenario::render_error(&e)))
    }

    /// (dependent provider, supplier provider, supplier has an alternative) for every link.
    fn links(s: &Scenario) -> Vec<(u32, u32, bool)> {
        let entities: Vec<Entity> =
            (0..s.providers.len() as u32).map(Entity::from_raw_u32).map(Option::unwrap).collect();
        let deps = dependencies(s, &entities, 1);
        let index = |e: Entity| entities.iter().position(|&x| x == e).unwrap() as u32;
        deps.links
            .iter()
            .map(|l| {
                let sup = &deps.suppliers[l.supplier as usize];
                (index(l.dependent), index(sup.entity), sup.has_alternative)
            })
            .collect()
    }

    #[test]
    fn suppliers_are_the_first_in_the_region_the_nearest_or_the_named_one_never_oneself() {
        // No locations: the first lab of the dependent's region, else the first anywhere; a lab
        // never supplies itself.
        let plain = links(&with_labs("", [""; 4], ""));
        assert_eq!(plain, vec![(0, 1, true), (1, 0, true), (2, 3, true), (3, 2, true), (4, 2, true)]);
        // Locations: the nearest lab, whatever its region.
        let far = ", location: (52.0, 4.0)";
        let near = ", location: (51.0, 5.0)";
        let placed = links(&with_labs(", location: (51.1, 5.1)", [far, near, far, far], ""));
        assert_eq!(placed[4], (4, 1, true));
        // A named supplier wins over the nearest.
        let named = links(&with_labs(", location: (51.1, 5.1)", [far, near, far, far], r#", provider: "lab-3""#));
        assert_eq!(named[4], (4, 3, true));
    }
}
