//! Care services and their queues: cohorts of waiting cases with deadlines.
//!
//! Cases are counted, not spawned: a queue holds cohorts `(deadline, count, flags)` in deadline
//! order, so memory stays bounded by the number of distinct deadlines, not the number of cases.

use std::collections::VecDeque;

use bevy_ecs::prelude::*;
use rand::{Rng, RngExt};
use rand_distr::{Distribution, Poisson};

use super::function::FunctionSet;
use super::provider::Functions;
use super::staff::Continuity;

/// A group of cases that arrived together and share a deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cohort {
    /// Tick by which the case should be served.
    pub deadline: u32,
    pub count: u32,
    pub flags: u8,
}

impl Cohort {
    /// Postponed at least once (counted in `postponed` already).
    pub const POSTPONED: u8 = 1;
    /// Diverted here from another provider (not diverted again).
    pub const TRANSFERRED: u8 = 2;
}

/// A queue of cohorts in arrival order whose first two cohorts live inline, so the usual queue
/// (one or two cohorts: this tick's and today's) costs no cache line of its own; longer
/// queues (a backlog) keep the rest on the heap. Replaces a `VecDeque` per queue, whose buffer
/// was a separate cache line visited on every open tick (three per service).
#[derive(Debug, Clone, Default)]
pub struct CohortQueue {
    head: [Cohort; 2],
    /// Cohorts in `head` (the rest is empty unless both are in use).
    inline: u8,
    /// Boxed on purpose: an empty `Option<Box<_>>` is 8 bytes in the service's hot lines,
    /// a `VecDeque` header 32.
    #[allow(clippy::box_collection)]
    rest: Option<Box<VecDeque<Cohort>>>,
}

impl CohortQueue {
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.inline == 0
    }

    /// Cohorts waiting.
    pub fn len(&self) -> usize {
        usize::from(self.inline) + self.rest.as_ref().map_or(0, |r| r.len())
    }

    #[inline]
    pub fn front(&self) -> Option<&Cohort> {
        (self.inline > 0).then(|| &self.head[0])
    }

    #[inline]
    pub fn front_mut(&mut self) -> Option<&mut Cohort> {
        (self.inline > 0).then(|| &mut self.head[0])
    }

    #[inline]
    pub fn back_mut(&mut self) -> Option<&mut Cohort> {
        if let Some(rest) = self.rest.as_deref_mut()
            && let Some(last) = rest.back_mut()
        {
            return Some(last);
        }
        match self.inline {
            0 => None,
            n => Some(&mut self.head[usize::from(n) - 1]),
        }
    }

    /// Add `count` cases due at `deadline`, merging with the last cohort when they share
    /// deadline and flags. A count of zero adds nothing and starts no cohort.
    #[inline(always)]
    pub fn add(&mut self, deadline: u32, count: u32, flags: u8) {
        // Zero cases join the last cohort harmlessly; they only must not start a new one.
        // (Checked in this order so that a count of zero, common and unpredictable, is not
        // branched on when the cases join the last cohort.)
        if let Some(last) = self.back_mut()
            && last.deadline == deadline
            && last.flags == flags
        {
            last.count += count;
            return;
        }
        self.push(Cohort { deadline, count, flags });
    }

    /// Push `cohort` unless it holds no cases. While the inline part has room this does not
    /// branch on the count: the cohort is written to the free slot either way and counted
    /// only if it holds cases.
    #[inline]
    fn push(&mut self, cohort: Cohort) {
        if self.inline < 2 {
            self.head[usize::from(self.inline)] = cohort;
            self.inline += u8::from(cohort.count > 0);
        } else if cohort.count > 0 {
            self.rest.get_or_insert_with(Default::default).push_back(cohort);
        }
    }

    #[inline]
    pub fn pop_front(&mut self) -> Option<Cohort> {
        if self.inline == 0 {
            return None;
        }
        let front = self.head[0];
        self.head[0] = self.head[1];
        match self.rest.as_deref_mut().and_then(VecDeque::pop_front) {
            Some(next) => self.head[1] = next,
            None => self.inline -= 1,
        }
        Some(front)
    }

    /// The cohorts, front first.
    pub fn iter(&self) -> impl Iterator<Item = &Cohort> {
        self.head[..usize::from(self.inline)].iter().chain(self.rest.iter().flat_map(|r| r.iter()))
    }
}

/// How a service runs this tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Normal,
    /// A needed function is down and the continuity plan covers it.
    Fallback,
    /// A needed function is down and the plan does not (yet) cover it.
    Blocked,
}

/// Poisson arrivals with a fixed mean per open tick, drawn cheaply.
///
/// Small means are drawn by inversion: the count is the number of CDF values below a uniform
/// draw. Walking the CDF up until it passes the uniform ends on a branch as unpredictable as
/// the draw itself; for means below 20 the first 4 to 32 steps are taken whatever the uniform,
/// counting as they go, and the walk goes on only in the rare case (at most about 1.6% of
/// draws) that the uniform lies beyond them. The counts are the same as the walk's, to the
/// bit, so the random numbers and every output are unchanged; measured, the floor program of
/// `examples/bench_national.rs` runs in 13–14 ns per service-tick instead of 19.4 (means up
/// to 9), then 11.4–11.5 instead of 12.1 with means below 20 (the pharmacies' 6–19; the
/// simulator itself gained about 1%).
///
/// The care pass reads the counts off a table of the CDF values, quantised to 16 bits, built
/// once per World ([`CdfTable`], [`Self::draw_tabulated`]): the same counts again, without
/// computing the CDF on every draw (the floor went from 11.4 to 7.0 ns per service-tick, the
/// simulator about 5% faster at national scale; docs/performance.md has the later
/// figures).
#[derive(Debug, Clone)]
pub struct Arrivals {
    pub mean: f64,
    exp_neg_mean: f64,
    /// Boxed: rarely needed, and large; keeping it out of line keeps services small.
    large: Option<Box<Poisson<f64>>>,
    /// Where this mean's cells start in the arrivals' [`CdfTable`], and how many chunks they
    /// take (0: none, draw as [`Self::draw`]); every cell of them is a CDF value. Valid only
    /// for the table [`Self::tabulate`] wrote them into: a clone drawn against another table
    /// would read the wrong cells.
    table: u32,
    chunks: u8,
}

impl Arrivals {
    /// Means above this use rand_distr's Poisson; below it, inversion (a few multiplications).
    const INVERSION_LIMIT: f64 = 20.0;

    pub fn new(mean: f64) -> Self {
        let mean = mean.max(0.0);
        let large = (mean >= Self::INVERSION_LIMIT).then(|| Poisson::new(mean).ok().map(Box::new)).flatten();
        Self { mean, exp_neg_mean: (-mean).exp(), large, table: 0, chunks: 0 }
    }

    /// The counting steps for this mean (see [`Self::invert`], which takes them), 0 when it
    /// walks or samples.
    fn steps(&self) -> usize {
        match self.mean {
            m if m <= 0.0 => 0,
            m if m <= 1.0 => 4,
            m if m <= 3.3 => 8,
            m if m <= 6.0 => 12,
            m if m <= 9.0 => 16,
            m if m <= 12.0 => 20,
            m if m <= 15.5 => 24,
            m if m < Self::INVERSION_LIMIT => 32,
            _ => 0,
        }
    }

    /// Write this mean's CDF values, quantised (see [`CdfTable`]), into `table`, and remember
    /// where: as many chunks as its counting steps need, every cell of them a CDF value (more
    /// values than the steps cost no more to compare, and leave fewer draws past every cell).
    pub fn tabulate(&mut self, table: &mut CdfTable) {
        let n = self.steps();
        if n == 0 || table.0.len() >= u32::MAX as usize / 2 {
            return;
        }
        let chunks = (n + 1).div_ceil(CdfChunk::CELLS);
        self.table = table.0.len() as u32;
        self.chunks = chunks as u8;
        // The same operations as the walk, so the same values to the bit: CDF(k) in cell k.
        let (mut p, mut cdf) = (self.exp_neg_mean, self.exp_neg_mean);
        let mut cells = std::iter::once(cdf).chain(INVERSE[1..].iter().map(|inverse| {
            p *= self.mean * inverse;
            cdf += p;
            cdf
        }));
        for _ in 0..chunks {
            let mut chunk = CdfChunk([0; CdfChunk::CELLS]);
            for (cell, value) in chunk.0.iter_mut().zip(&mut cells) {
                *cell = CdfTable::quantise(value);
            }
            table.0.push(chunk);
        }
    }

    /// A draw as [`Self::draw`]: the same count for the same random number, read off this
    /// mean's cells in `table` when it has some (see [`CdfTable`] for why that is exact), and
    /// counted on the exact values when the uniform's cell is level with a CDF value's or past
    /// every cell. `table` must be the one [`Self::tabulate`] wrote this mean into.
    // Inlined always: the compiler's choice flips with small edits, and a call per draw
    // costs about 3 % more instructions (measured).
    #[inline(always)]
    pub fn draw_tabulated<R: Rng + ?Sized>(&self, rng: &mut R, table: &CdfTable) -> u32 {
        if self.chunks == 0 {
            return self.draw(rng);
        }
        // The uniform's top 16 bits are its cell: no floating point unless the cell is level
        // with one of the CDF's.
        let bits = rng.next_u64();
        self.count_cells((bits >> 48) as u16, table).unwrap_or_else(|| self.invert_cold(unit_interval(bits)))
    }

    /// The count of this mean's cells below `q`, the quantised uniform; `None` when `q` equals
    /// a cell (only the exact values tell: about one draw in 65,536 per distinct cell, so at
    /// most about one in two thousand) or is past every cell (the walk goes on).
    #[inline(always)]
    fn count_cells(&self, q: u16, table: &CdfTable) -> Option<u32> {
        let start = self.table as usize;
        // Means up to 6 take one chunk, and four draws in five at national scale: the first
        // is compared outside the loop, which then only checks that there is no other.
        let (first, rest) = table.0[start..start + usize::from(self.chunks)].split_first()?;
        let (mut below, mut level) = first.count_below(q);
        for chunk in rest {
            let (b, l) = chunk.count_below(q);
            below += b;
            level |= l;
        }
        let cells = u32::from(self.chunks) * CdfChunk::CELLS as u32;
        (!level && below < cells).then_some(below)
    }

    #[cold]
    fn invert_cold(&self, u: f64) -> u32 {
        self.invert(u)
    }

    #[inline]
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> u32 {
        if self.mean <= 0.0 {
            return 0;
        }
        if let Some(p) = &self.large {
            return p.sample(rng).min(f64::from(u32::MAX / 4)) as u32;
        }
        self.invert(rng.random())
    }

    /// The count whose CDF interval holds `u`: the smallest `k` with `u ≤ CDF(k)` (at most 255).
    #[inline]
    fn invert(&self, u: f64) -> u32 {
        // Small means: count the CDF values below `u` over a fixed number of steps (no branch
        // to mispredict), walking on only past them (at most about 1.6% of draws).
        match self.steps() {
            4 => self.count_then_walk::<4>(u),
            8 => self.count_then_walk::<8>(u),
            12 => self.count_then_walk::<12>(u),
            16 => self.count_then_walk::<16>(u),
            20 => self.count_then_walk::<20>(u),
            24 => self.count_then_walk::<24>(u),
            32 => self.count_then_walk::<32>(u),
            _ => self.walk(u, 0, self.exp_neg_mean, self.exp_neg_mean),
        }
    }

    /// Inversion: walk the CDF up from count `k` (probability `p`, CDF `cdf`) until it passes
    /// `u` (about mean + 1 steps from 0).
    #[inline]
    fn walk(&self, u: f64, mut k: usize, mut p: f64, mut cdf: f64) -> u32 {
        while u > cdf && k < INVERSE.len() - 1 {
            k += 1;
            p *= self.mean * INVERSE[k];
            cdf += p;
        }
        k as u32
    }

    /// The same count as [`Self::walk`] from 0: the CDF never decreases, so the counts whose
    /// CDF is below `u` are exactly those the walk passes. The first `N` steps are taken
    /// whatever `u` is, with the same operations as the walk (so the same values to the bit).
    #[inline]
    fn count_then_walk<const N: usize>(&self, u: f64) -> u32 {
        let (mut p, mut cdf) = (self.exp_neg_mean, self.exp_neg_mean);
        let mut below = usize::from(u > cdf);
        for inverse in &INVERSE[1..=N] {
            p *= self.mean * inverse;
            cdf += p;
            below += usize::from(u > cdf);
        }
        if u > cdf { self.walk(u, N, p, cdf) } else { below as u32 }
    }
}

/// The CDF values of every service's arrival means below 20, one after another in the order
/// services are built (so the care pass reads them in memory order), each quantised to 16 bits.
///
/// A draw's uniform `u` and each CDF value `c` are quantised alike, `⌊x·2¹⁶⌋` (exact: a power
/// of two; values of 1 or more, which `u` never reaches, clamp to the top cell). If `q(u) >
/// q(c)` then `u > c`; if `q(u) < q(c)` then `u < c`. So when `q(u)` equals no cell, the count
/// of cells below it is the count of CDF values below `u`, which is the inversion's count, to
/// the bit. When it equals one (about one draw in 65,536 per distinct cell, at most about one
/// in two thousand), the draw counts on the exact values instead. Sixteen cells make a 32-byte
/// chunk, compared with four SSE2 compares and two masks; a mean takes one chunk (means up to
/// 6), two (up to 15.5) or three, where its CDF values as f64 would take four times the bytes:
/// measured, those made ten times national scale slower, as the World streams through memory
/// there.
#[derive(Debug, Clone, Default)]
pub struct CdfTable(pub Vec<CdfChunk>);

impl CdfTable {
    #[inline]
    fn quantise(x: f64) -> u16 {
        (x * 65536.0).min(65535.0) as u16
    }
}

/// Sixteen cells of a [`CdfTable`], aligned so that one never spans two cache lines.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(32))]
pub struct CdfChunk([u16; CdfChunk::CELLS]);

impl CdfChunk {
    const CELLS: usize = 16;

    /// How many cells are below `q`, and whether one equals it. The cells ascend (a CDF), so
    /// those below are a prefix.
    #[inline(always)]
    fn count_below(&self, q: u16) -> (u32, bool) {
        #[cfg(target_arch = "x86_64")]
        {
            // Hand-written with SSE2 (every x86_64 has it): LLVM vectorised the portable loop
            // across chunks with scalar gathers, which made the simulator 3 % slower than
            // computing the CDF; this takes two compares per eight cells and two masks per chunk.
            use std::arch::x86_64::{
                __m128i, _mm_cmpeq_epi16, _mm_cmpgt_epi16, _mm_load_si128, _mm_movemask_epi8, _mm_or_si128,
                _mm_packs_epi16, _mm_set1_epi16, _mm_xor_si128,
            };
            let p = self.0.as_ptr().cast::<__m128i>();
            // SAFETY: SSE2 is part of x86_64; a chunk is 32 bytes aligned to 32, so both
            // 16-byte loads are in bounds and aligned.
            let (gt, eq) = unsafe {
                let bias = _mm_set1_epi16(i16::MIN);
                // Unsigned order as signed: flip the top bit of both sides.
                let lo = _mm_xor_si128(_mm_load_si128(p), bias);
                let hi = _mm_xor_si128(_mm_load_si128(p.add(1)), bias);
                let qv = _mm_set1_epi16((q ^ 0x8000) as i16);
                let gt = _mm_packs_epi16(_mm_cmpgt_epi16(qv, lo), _mm_cmpgt_epi16(qv, hi));
                let eq = _mm_or_si128(_mm_cmpeq_epi16(qv, lo), _mm_cmpeq_epi16(qv, hi));
                (_mm_movemask_epi8(gt) as u32, _mm_movemask_epi8(eq))
            };
            // A prefix of ones: its length is the first zero bit's place (bit 16 is zero).
            ((!gt).trailing_zeros(), eq != 0)
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            (self.0.iter().filter(|&&c| q > c).count() as u32, self.0.contains(&q))
        }
    }
}

/// The uniform in [0, 1) that rand's `StandardUniform` makes of 64 random bits (its top 53,
/// scaled): so a draw made from the bits is the draw `rng.random::<f64>()` makes. Its cell in
/// a [`CdfTable`], `⌊u·2¹⁶⌋`, is then the bits' top 16 (a unit test checks both).
#[inline]
fn unit_interval(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// 1/k for the inversion loop, so it multiplies instead of dividing.
static INVERSE: [f64; 256] = {
    let mut t = [0.0; 256];
    let mut k = 1;
    while k < 256 {
        t[k] = 1.0 / k as f64;
        k += 1;
    }
    t
};

/// One care service of one provider, with its queues and staff balances.
///
/// Laid out by hand (`repr(C)`): the fields every open tick reads or writes come first,
/// together, so a service costs as few cache lines as possible in the care pass; fields used
/// only when something happens (an expiry, a throughput ceiling, a diversion, the protocol's
/// daily check) follow. At four and ten times national scale the World is many times the
/// last-level cache and every tick streams through it, so each line a service touches is a
/// cache miss; at national scale it fits there, and the cost per service-tick is the same as
/// for a sixteenth of the providers (see docs/performance.md).
#[derive(Debug, Clone)]
#[repr(C)]
pub struct Service {
    // --- Read or written on every open tick. ---
    /// Arrivals per open tick by class (urgent, soon, elective).
    pub arrivals: [Arrivals; 3],
    /// Staff minutes carried between ticks (negative: a case in progress).
    pub clinical_balance: f64,
    pub admin_balance: f64,
    /// Contracted staff minutes per open tick (before sick leave).
    pub clinical_capacity: f64,
    pub admin_capacity: f64,
    pub clinical_minutes: f64,
    pub admin_minutes: f64,
    /// Clinical factor and extra admin minutes of the current mode.
    pub cost: (f64, f64),
    /// Throughput share of the current mode (platform throughput in normal mode, the fallback
    /// ceiling in fallback, 0 when blocked), set with the mode.
    pub mode_cap: f64,
    /// Capacity share set by `ServiceCapacity` injects (1: full).
    pub capacity: f64,
    /// Share of cases the service's suppliers (labs, imaging) can support (1: all).
    pub supply: f64,
    /// Back-entry work owed (minutes): paper records of cases handled in fallback.
    pub back_entry: f64,
    /// Appointments booked ahead, if the service books.
    pub book: Option<Box<Book>>,
    /// Waiting cases by class, in arrival order (so usually, not always, earliest deadline
    /// first). Every change goes through [`Self::enqueue`], the care pass's serving or its
    /// expiries, which keep [`Self::due`] a lower bound on the fronts' deadlines.
    pub queues: [CohortQueue; 3],
    /// Maximum wait by class, in ticks.
    pub wait_ticks: [u32; 3],
    /// Cases waiting in all queues.
    pub queued: u32,
    /// Urgent cases already past their wait, served first.
    pub overdue: u32,
    /// Slot of this service in the per-service tally ([`crate::model::Tally::services`]).
    pub slot: u32,
    pub extended_until: u32,
    /// No queue's front cohort is due before this tick (a lower bound, exact after expiries):
    /// the care pass looks for expiries only from then.
    pub due: u32,
    pub open: u8,
    pub close: u8,
    pub weekdays_only: bool,
    pub needs: FunctionSet,
    pub mode: Mode,
    /// Extra opening hours after `close` (a decision), worked as overtime, until a tick.
    pub extra_hours: u8,
    /// Referral flows this service sends: rule index, referrals per case, and the fractional
    /// referral carried over.
    pub referrals: Vec<(u16, f64, f64)>,
    /// Patients' choice: (expected wait in ticks, share who go elsewhere).
    pub choice: Option<(f64, f64)>,
    // --- Read when something happens. ---
    /// Normal volume: expected cases per open tick, own demand and referrals in.
    pub normal_rate: f64,
    /// Cases the throughput ceiling still allows (carried between ticks while it binds).
    pub credit: f64,
    /// `supply` as of the previous tick: what new patients judge the wait by (the demand step
    /// runs inside the care pass, after this tick's supply is set; see the dependencies system).
    pub supply_before: f64,
    pub ambulance_share: f64,
    pub walkout_share: f64,
    /// Fractions carried so that shares of whole cases stay exact without random draws
    /// (which would shift the common random numbers): ambulances diverted, patients choosing
    /// elsewhere, walk-outs.
    pub carry: [f64; 3],
    /// Expected cases per open day (for the protocol's staffing need), and the elective share.
    pub daily_demand: f64,
    pub elective_share: f64,
    /// Fallback throughput ceiling set by the service itself (overrides the plan's).
    pub fallback_throughput: Option<f64>,
    /// Tick since which ambulances are diverted, if they are.
    pub diverting_since: Option<u32>,
    /// Open ticks per open day.
    pub open_ticks: u32,
    /// Index of the service in its profile.
    pub spec: u16,
}

impl Service {
    /// Set the mode for tick `now`: normal when every needed function is up; fallback when the
    /// plan covers every missing one and has had time to activate; blocked otherwise. The mode's
    /// throughput share comes with it.
    pub fn set_mode(&mut self, functions: &Functions, plan: &Continuity, now: u32) {
        // The usual case: every needed function up at full throughput.
        if self.needs.is_subset_of(functions.available.minus(functions.degraded)) {
            self.mode = Mode::Normal;
            self.cost = (1.0, 0.0);
            self.mode_cap = 1.0;
            return;
        }
        let missing = self.needs.minus(functions.available);
        let platform =
            self.needs.minus(missing).iter().map(|f| f64::from(functions.throughput[f.index()])).fold(1.0, f64::min);
        if missing.is_empty() {
            self.mode = Mode::Normal;
            self.cost = (1.0, 0.0);
            self.mode_cap = platform;
            return;
        }
        let activated =
            missing.iter().all(|f| now.saturating_sub(functions.down_since[f.index()]) >= plan.activation_ticks);
        if missing.is_subset_of(plan.covers) && activated {
            self.mode = Mode::Fallback;
            self.cost = plan.cost_without(missing);
            self.mode_cap = self.fallback_throughput.unwrap_or_else(|| plan.throughput_without(missing)) * platform;
        } else {
            self.mode = Mode::Blocked;
            self.mode_cap = 0.0;
        }
    }

    /// Staff minutes of a whole tick over those of an open tick: the tick's length over its
    /// share of the day's opening hours, the inverse of
    /// [`crate::scenario::staffed_minutes_per_tick`], which set the service's capacities.
    /// Exactly 1 at hourly ticks; above 1 when an open tick holds fewer staff hours than the
    /// tick is long (a clinic open 08:00–17:00 at 4-hour ticks: 4/3). For what is not shared
    /// over the opening hours: extended hours, worked whole ticks at a time, and weights by
    /// headcount.
    pub fn whole_tick_scale(&self, tick_hours: u32) -> f64 {
        let (open, close) = (u32::from(self.open), u32::from(self.close));
        match crate::scenario::ticks_opening(open, close, tick_hours) {
            // No tick starts within the hours: open ticks were given the whole tick.
            0 => 1.0,
            ticks => f64::from(tick_hours * ticks) / f64::from(close - open),
        }
    }

    /// The throughput share in force now: the mode's, the service's capacity, the suppliers'.
    #[inline]
    pub fn cap(&self) -> f64 {
        self.mode_cap * self.capacity * self.supply
    }

    /// Expected wait of a new case in ticks at the throughput known when it arrives (the mode
    /// and suppliers' share as of the previous tick, the capacity now).
    pub fn expected_wait_ticks(&self) -> f64 {
        let rate = self.normal_rate * (self.mode_cap * self.capacity * self.supply_before).min(1.0);
        if rate <= 1e-9 { f64::INFINITY } else { f64::from(self.queued) / rate }
    }
}

/// Appointments booked ahead by day, per urgency class: a ring over the booking horizon.
#[derive(Debug, Clone)]
pub struct Book {
    /// Days ahead each class is booked (0: not booked).
    pub days: [u32; 3],
    /// Bookings per open day, per class.
    pub daily: [Arrivals; 3],
    /// New appointments for day `d` at `fresh[d % len]`; re-booked ones (cancelled before) at
    /// `again[d % len]`.
    pub fresh: Vec<[u32; 3]>,
    pub again: Vec<[u32; 3]>,
    /// Last day reviewed for cancellation, per class (appointments up to it are not reviewed again).
    pub reviewed: [Option<u32>; 3],
    /// Cancelled patients waiting to be booked again: (day, class, count).
    pub rebook: VecDeque<(u32, u8, u32)>,
    /// Fraction of a cancellation carried to the next.
    pub carry: f64,
}

impl Book {
    pub fn new(days: [u32; 3], daily: [Arrivals; 3]) -> Self {
        let len = days.iter().max().copied().unwrap_or(0) as usize + 1;
        Book {
            days,
            daily,
            fresh: vec![[0; 3]; len],
            again: vec![[0; 3]; len],
            reviewed: [None; 3],
            rebook: VecDeque::new(),
            carry: 0.0,
        }
    }

    pub fn slot(&self, day: u32) -> usize {
        day as usize % self.fresh.len()
    }
}

impl Service {
    /// Whether patients arrive now (the normal opening hours).
    pub fn is_open(&self, weekday: u32, hour: u32) -> bool {
        (!self.weekdays_only || weekday < 5) && hour >= u32::from(self.open) && hour < u32::from(self.close)
    }

    /// Whether staff work extended hours now (after closing, by decision).
    pub fn is_extended(&self, weekday: u32, hour: u32, now: u32) -> bool {
        now < self.extended_until
            && (!self.weekdays_only || weekday < 5)
            && hour >= u32::from(self.close)
            && hour < u32::from(self.close) + u32::from(self.extra_hours)
    }

    /// The earliest deadline among the queues' front cohorts (`u32::MAX` when all are empty):
    /// what [`Self::due`] bounds from below.
    #[inline]
    pub fn earliest_front(&self) -> u32 {
        self.queues.iter().filter_map(CohortQueue::front).map(|c| c.deadline).min().unwrap_or(u32::MAX)
    }

    /// Add `count` cases of class `class` due at `deadline`, merging with the last cohort
    /// when they share deadline and flags. A count of zero adds nothing and starts no cohort.
    #[inline(always)]
    pub fn enqueue(&mut self, class: usize, deadline: u32, count: u32, flags: u8) {
        self.queued += count;
        self.due = self.due.min(deadline);
        self.queues[class].add(deadline, count, flags);
    }
}

/// When any of a provider's services is staffed: a bit per hour of the day, and whether that
/// is on weekdays only. Lets the hot loop skip a closed provider without touching its services.
#[derive(Component, Debug, Clone, Copy)]
pub struct OpenHours {
    pub hours: u32,
    pub weekdays_only: bool,
    /// Every function any service needs: a closed provider is disrupted when one is down.
    pub needs: FunctionSet,
}

impl OpenHours {
    pub fn of(services: &[Service]) -> Self {
        let mut hours = 0u32;
        let mut needs = FunctionSet::EMPTY;
        for s in services {
            for h in s.open..s.close {
                hours |= 1 << h;
            }
            needs = needs | s.needs;
        }
        OpenHours { hours, weekdays_only: services.iter().all(|s| s.weekdays_only), needs }
    }

    /// Whether some service may be staffed at this hour (the hours of a tick start at `hour`).
    #[inline]
    pub fn any_open(&self, weekday: u32, hour: u32, tick_hours: u32) -> bool {
        let span = ((1u64 << tick_hours) - 1) as u32;
        (!self.weekdays_only || weekday < 5) && (self.hours >> hour) & span != 0
    }

    /// Also staffed `extra` hours after `close` (a decision extending opening hours).
    pub fn extend(&mut self, close: u8, extra: u8) {
        for h in close..(close + extra).min(24) {
            self.hours |= 1 << h;
        }
    }
}

/// The care services of a provider.
#[derive(Component, Debug, Clone, Default)]
pub struct CareServices(pub Vec<Service>);

#[cfg(test)]
mod tests {
    use super::*;

    /// Counting the CDF values below `u` gives the count the walk from 0 gives, for any
    /// uniform and mean: a grid, random ones, and the CDF values themselves with their
    /// neighbours on either side (where a rounding difference would show), for means on both
    /// sides of every threshold between the step counts.
    #[test]
    fn counted_draws_give_what_the_walk_from_zero_gives() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(7);
        let mut means: Vec<f64> = (1..=400).map(|i| f64::from(i) * 0.05).collect(); // to 20
        for edge in [1.0f64, 3.3, 6.0, 9.0, 12.0, 15.5, 20.0] {
            means.extend([edge.next_down(), edge, edge.next_up()]);
        }
        for mean in means {
            let a = Arrivals::new(mean);
            let mut us: Vec<f64> = (0..=1000).map(|j| f64::from(j) / 1000.0).collect();
            us.extend((0..2000).map(|_| rng.random::<f64>()));
            us.push(1.0f64.next_down());
            let (mut p, mut cdf) = (a.exp_neg_mean, a.exp_neg_mean);
            for inverse in &INVERSE[1..] {
                us.extend([cdf, cdf.next_down(), cdf.next_up()]);
                p *= a.mean * inverse;
                cdf += p;
            }
            for u in us.into_iter().filter(|u| (0.0..1.0).contains(u)) {
                let from_zero = a.walk(u, 0, a.exp_neg_mean, a.exp_neg_mean);
                assert_eq!(a.invert(u), from_zero, "mean {mean}, u {u}");
            }
        }
    }

    /// The quantised table gives the walk's count whenever it answers, for means on both sides
    /// of every step-count threshold, at the CDF values, their neighbours and the edges of
    /// their cells; and it answers for nearly every uniform (else it would be exact and slow).
    #[test]
    fn tabulated_draws_give_what_the_walk_from_zero_gives() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(11);
        let mut means: Vec<f64> = (1..400).map(|i| f64::from(i) * 0.05).collect(); // below 20
        for edge in [1.0f64, 3.3, 6.0, 9.0, 12.0, 15.5, 20.0] {
            means.extend([edge.next_down(), edge, edge.next_up()]);
        }
        let mut table = CdfTable::default();
        let (mut answered, mut random, mut random_answered) = (0u64, 0u64, 0u64);
        for mean in means {
            let mut a = Arrivals::new(mean);
            a.tabulate(&mut table);
            assert_eq!(a.chunks > 0, mean < Arrivals::INVERSION_LIMIT, "mean {mean}");
            let randoms: Vec<f64> = (0..2000).map(|_| rng.random::<f64>()).collect();
            let mut us: Vec<f64> = (0..=1000).map(|j| f64::from(j) / 1000.0).collect();
            us.push(1.0f64.next_down());
            let (mut p, mut cdf) = (a.exp_neg_mean, a.exp_neg_mean);
            for inverse in &INVERSE[1..40] {
                let cell = f64::from(CdfTable::quantise(cdf)) / 65536.0;
                let next = cell + 1.0 / 65536.0;
                for x in [cdf, cell, next] {
                    us.extend([x, x.next_down(), x.next_up()]);
                }
                p *= a.mean * inverse;
                cdf += p;
            }
            for (k, u) in randoms.iter().chain(&us).copied().enumerate() {
                if !(0.0..1.0).contains(&u) {
                    continue;
                }
                let from_zero = a.walk(u, 0, a.exp_neg_mean, a.exp_neg_mean);
                let told = a.count_cells(CdfTable::quantise(u), &table);
                if let Some(n) = told {
                    assert_eq!(n, from_zero, "mean {mean}, u {u}");
                    answered += 1;
                }
                if k < randoms.len() && a.chunks > 0 {
                    random += 1;
                    random_answered += u64::from(told.is_some());
                }
            }
        }
        assert!(answered > 100_000, "{answered}");
        // Unanswered: past every cell (at most about 1.6 %) or level with one (rare).
        assert!(random_answered as f64 > 0.98 * random as f64, "{random_answered} of {random}");
    }

    /// A uniform made from 64 bits is the one rand makes from the same bits, and its top 16
    /// bits are its table cell.
    #[test]
    fn uniforms_from_bits_are_rands() {
        use rand::SeedableRng;
        let mut a = rand::rngs::ChaCha8Rng::seed_from_u64(3);
        let mut b = rand::rngs::ChaCha8Rng::seed_from_u64(3);
        let mut bits: Vec<u64> = (0..10_000).map(|_| a.next_u64()).collect();
        let from_rand: Vec<f64> = (0..10_000).map(|_| b.random::<f64>()).collect();
        for (&x, &u) in bits.iter().zip(&from_rand) {
            assert_eq!(unit_interval(x).to_bits(), u.to_bits());
        }
        bits.extend([0, u64::MAX, 1 << 48, (1 << 48) - 1, 0xFFFF_0000_0000_0000]);
        for x in bits {
            assert_eq!(CdfTable::quantise(unit_interval(x)), (x >> 48) as u16, "{x:#x}");
        }
    }

    /// Zero cases leave a queue as it was, whatever its state: empty, one or two cohorts
    /// inline, or the heap part in use; and cases still merge into the last cohort after them.
    #[test]
    fn adding_zero_cases_changes_nothing() {
        let mut q = CohortQueue::default();
        for cohorts in 0..5u32 {
            let before: Vec<Cohort> = q.iter().copied().collect();
            q.add(100 + cohorts, 0, 0); // a new deadline: must not start a cohort
            if let Some(last) = before.last() {
                q.add(last.deadline, 0, last.flags); // the last one's: no change
            }
            assert!(q.iter().copied().eq(before.iter().copied()), "{cohorts} cohorts");
            assert_eq!(q.len(), cohorts as usize);
            q.add(10 + cohorts, 3, 0);
            q.add(10 + cohorts, 2, 0); // merges
            assert_eq!(q.len(), cohorts as usize + 1);
            assert_eq!(q.iter().last().map(|c| c.count), Some(5));
        }
        // Other flags start a cohort of their own.
        q.add(14, 1, Cohort::POSTPONED);
        assert_eq!(q.len(), 6);
    }

    fn cohort(deadline: u32) -> Cohort {
        Cohort { deadline, count: deadline + 1, flags: 0 }
    }

    /// The inline queue behaves as the `VecDeque` it replaced: first in, first out across the
    /// inline and heap parts, the back being the last pushed, through any mix of pushes and pops.
    #[test]
    fn cohort_queue_is_a_fifo_across_its_inline_and_heap_parts() {
        let mut q = CohortQueue::default();
        let mut model = VecDeque::new();
        let mut next = 0;
        // Pushes and pops in a pattern that fills the heap part, drains it and refills it.
        let (mut longest, mut emptied) = (0, 0);
        for step in 0..200u32 {
            // Phases of 25 steps: mostly pushes (the heap part fills), then pops (it empties and
            // the inline part too), and again.
            let filling = (step / 25) % 2 == 0 && step % 5 != 4;
            if filling || model.is_empty() {
                q.add(next, next + 1, 0);
                model.push_back(cohort(next));
                next += 1;
            } else {
                assert_eq!(q.pop_front(), model.pop_front());
            }
            assert_eq!(q.len(), model.len());
            assert_eq!(q.is_empty(), model.is_empty());
            assert_eq!(q.front(), model.front());
            assert_eq!(q.back_mut().copied(), model.back_mut().copied());
            assert!(q.iter().eq(model.iter()));
            longest = longest.max(model.len());
            emptied += usize::from(model.is_empty());
        }
        assert!(longest > 10 && emptied > 2, "the pattern should fill the heap part and empty the queue");
        // A change through back_mut or front_mut lands on the right cohort (with the heap part
        // in use).
        for d in 1000..1005 {
            q.add(d, d + 1, 0);
            model.push_back(cohort(d));
        }
        q.back_mut().expect("not empty").count = 999;
        model.back_mut().expect("not empty").count = 999;
        q.front_mut().expect("not empty").flags = Cohort::POSTPONED;
        model.front_mut().expect("not empty").flags = Cohort::POSTPONED;
        while let Some(c) = model.pop_front() {
            assert_eq!(q.pop_front(), Some(c));
        }
        assert_eq!(q.pop_front(), None);
        assert!(q.back_mut().is_none() && q.front().is_none());
    }
}
