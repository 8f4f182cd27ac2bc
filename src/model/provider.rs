//! Care providers: their kind, hosting, records and how their functions are sourced.

use bevy_ecs::prelude::*;
use serde::Deserialize;

use super::function::{Function, FunctionSet};

/// Which kind of care organisation a provider is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub enum ProviderKind {
    Hospital,
    EyeHospital,
    GpPractice,
    Pharmacy,
    Rehabilitation,
    MentalHealth,
    ForensicCare,
    Lab,
    Other,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 9] = [
        ProviderKind::Hospital,
        ProviderKind::EyeHospital,
        ProviderKind::GpPractice,
        ProviderKind::Pharmacy,
        ProviderKind::Rehabilitation,
        ProviderKind::MentalHealth,
        ProviderKind::ForensicCare,
        ProviderKind::Lab,
        ProviderKind::Other,
    ];
    pub const COUNT: usize = 9;

    pub fn index(self) -> usize {
        self as usize
    }

    /// The name used in output files.
    pub fn key(self) -> &'static str {
        match self {
            ProviderKind::Hospital => "hospital",
            ProviderKind::EyeHospital => "eye_hospital",
            ProviderKind::GpPractice => "gp_practice",
            ProviderKind::Pharmacy => "pharmacy",
            ProviderKind::Rehabilitation => "rehabilitation",
            ProviderKind::MentalHealth => "mental_health",
            ProviderKind::ForensicCare => "forensic_care",
            ProviderKind::Lab => "lab",
            ProviderKind::Other => "other",
        }
    }

    /// Whether records of this kind are high-sensitivity by default.
    pub fn high_sensitivity(self) -> bool {
        matches!(self, ProviderKind::MentalHealth | ProviderKind::ForensicCare)
    }
}

/// Where a provider's EHR runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Deserialize)]
pub enum Hosting {
    /// A tenant in the vendor's cloud.
    VendorCloud,
    /// On the provider's own servers.
    #[default]
    SelfHosted,
    /// At a third-party hosting firm.
    ThirdParty,
}

impl Hosting {
    pub fn key(self) -> &'static str {
        match self {
            Hosting::VendorCloud => "vendor_cloud",
            Hosting::SelfHosted => "self_hosted",
            Hosting::ThirdParty => "third_party",
        }
    }
}

/// Where a function comes from for one provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The provider's own infrastructure (never affected by vendor platforms).
    Local,
    /// A platform, by index.
    Platform(u16),
}

/// Who a provider is: fixed for the run.
#[derive(Component, Debug, Clone)]
pub struct Provider {
    /// Index in the scenario's provider list (a stable id for ordering and random draws).
    pub index: u32,
    pub kind: ProviderKind,
    pub region: u16,
    pub vendor: u16,
    pub hosting: Hosting,
    /// Rank in [0, 1) used for staged restores: a platform at capacity `c` serves the
    /// customers whose rank is below `c`.
    pub rollout_rank: f64,
    /// Slot in the reported providers' daily series, if its series is written.
    pub report: Option<u32>,
    /// Whether the timeline hits it directly (see [`crate::scenario::ProviderSpec::affected`]).
    pub affected: bool,
}

/// How the provider's functions are sourced and which are up now. The two sets every open
/// tick reads come first (`repr(C)`).
#[derive(Component, Debug, Clone)]
#[repr(C)]
pub struct Functions {
    /// Functions up this tick.
    pub available: FunctionSet,
    /// Functions whose throughput share is below 1 (kept with `throughput`, so that a service
    /// whose needs are all up at full throughput is seen at a glance).
    pub degraded: FunctionSet,
    pub sources: [Source; Function::COUNT],
    /// Tick at which each function last went down (meaningful only while it is down).
    pub down_since: [u32; Function::COUNT],
    /// Throughput share of each function while up (a degraded or partly restored platform).
    pub throughput: [f32; Function::COUNT],
}

/// Admin work a breach brings to a provider: patients' inquiries and notification duties.
#[derive(Component, Debug, Clone, Default)]
pub struct BreachWork {
    /// Admin minutes of inquiries waiting to be answered (calls, callbacks).
    pub inquiry_minutes: f64,
    /// Largest share of a service's admin time per tick that inquiries may take.
    pub inquiry_share_cap: f64,
    /// Notification duties, worked in order, before inquiries.
    pub duties: Vec<Duty>,
    /// Urgent cases diverted here from other providers.
    pub diverted_in: u64,
}

impl BreachWork {
    /// Whether any notification duty or inquiry still waits for admin time.
    pub fn pending(&self) -> bool {
        self.inquiry_minutes > 0.0 || self.duties.iter().any(|d| d.done.is_none())
    }

    /// Spend positive admin balance on duties (in order), then on inquiries up to
    /// `inquiry_limit` minutes; returns minutes used.
    pub fn answer(&mut self, admin_balance: &mut f64, inquiry_limit: f64, now: u32) -> f64 {
        let mut used = 0.0;
        for duty in self.duties.iter_mut().filter(|d| d.done.is_none()) {
            if *admin_balance <= 0.0 {
                return used;
            }
            let t = duty.minutes_left.min(*admin_balance);
            duty.minutes_left -= t;
            *admin_balance -= t;
            used += t;
            if duty.minutes_left <= 1e-9 {
                duty.done = Some(now);
            }
        }
        if *admin_balance > 0.0 && self.inquiry_minutes > 0.0 {
            let t = self.inquiry_minutes.min(*admin_balance).min(inquiry_limit);
            self.inquiry_minutes -= t;
            *admin_balance -= t;
            used += t;
        }
        used
    }
}

/// A notification duty with its deadline.
#[derive(Debug, Clone)]
pub struct Duty {
    /// Index of the duty in the scenario's regime.
    pub what: u8,
    pub due: u32,
    pub minutes_left: f64,
    pub done: Option<u32>,
}

/// The provider's patient records and what was stolen.
#[derive(Component, Debug, Clone)]
pub struct Records {
    pub patients: u64,
    pub high_sensitivity: bool,
    pub stolen: u64,
}
