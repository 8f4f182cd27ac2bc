//! What software provides for care: the functions a service needs and a platform provides.

use serde::Deserialize;

/// A function software provides for care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub enum Function {
    /// Reading and writing the electronic health record.
    RecordAccess,
    /// Patients booking appointments online (the patient portal).
    OnlineBooking,
    /// Patients viewing their own record online (the patient portal).
    RecordView,
    /// Referrals and data exchange between providers.
    Exchange,
    /// Electronic prescribing.
    EPrescription,
    /// Lab orders and results.
    LabOrders,
    /// Clinicians' mobile access.
    MobileAccess,
}

impl Function {
    pub const ALL: [Function; 7] = [
        Function::RecordAccess,
        Function::OnlineBooking,
        Function::RecordView,
        Function::Exchange,
        Function::EPrescription,
        Function::LabOrders,
        Function::MobileAccess,
    ];
    pub const COUNT: usize = 7;

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn bit(self) -> FunctionSet {
        FunctionSet(1 << self as u8)
    }

    pub fn name(self) -> &'static str {
        match self {
            Function::RecordAccess => "record access",
            Function::OnlineBooking => "online booking",
            Function::RecordView => "patient record view",
            Function::Exchange => "exchange",
            Function::EPrescription => "e-prescription",
            Function::LabOrders => "lab orders",
            Function::MobileAccess => "mobile access",
        }
    }
}

/// A set of functions as a bit mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FunctionSet(pub u8);

impl FunctionSet {
    pub const EMPTY: FunctionSet = FunctionSet(0);
    pub const ALL: FunctionSet = FunctionSet((1 << Function::COUNT) - 1);

    pub fn of(functions: &[Function]) -> Self {
        functions.iter().fold(Self::EMPTY, |s, f| s | f.bit())
    }
    pub fn contains(self, f: Function) -> bool {
        self.0 & f.bit().0 != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn is_subset_of(self, other: FunctionSet) -> bool {
        self.0 & !other.0 == 0
    }
    pub fn minus(self, other: FunctionSet) -> FunctionSet {
        FunctionSet(self.0 & !other.0)
    }
    pub fn iter(self) -> impl Iterator<Item = Function> {
        Function::ALL.into_iter().filter(move |f| self.contains(*f))
    }
}

impl std::ops::BitOr for FunctionSet {
    type Output = FunctionSet;
    fn bitor(self, rhs: Self) -> Self {
        FunctionSet(self.0 | rhs.0)
    }
}

/// The cost of running one function's fallback (paper records, phone booking, post).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FallbackCost {
    /// Multiplier on clinical minutes per case.
    pub clinical_factor: f64,
    /// Extra admin minutes per case.
    pub admin_minutes: f64,
    /// Throughput ceiling while the function is down: cases per hour as a share of normal volume.
    pub throughput: f64,
}

/// Default fallback costs per function, per case of a service that needs the function, used
/// where a plan does not set its own. They are averages over all cases of the service, since only
/// some cases use the function (not every patient books online or is referred).
///
/// Sources and assumptions:
/// - RecordAccess: 1.3x clinical minutes, +3 admin minutes (paper records, re-entry later).
///   Assumption, informed by: ED length of stay rose 19–76 minutes during a 96 h EHR downtime
///   (Wretborn et al., Front Public Health 2019).
/// - OnlineBooking: +1.5 admin minutes. Assumption: about a third of bookings are made online and
///   a phone booking takes about 4 minutes (reference case: "booking moves to the phone").
/// - RecordView: +0.5 admin minutes. Assumption: some patients phone for what they would read.
/// - Exchange: 1.02x clinical, +1 admin minute. Assumption: about one case in ten involves a
///   referral or transfer, which takes about 10 minutes by phone or post.
/// - EPrescription: 1.05x clinical, +1 admin minute. Assumption (paper or phoned prescriptions).
/// - LabOrders: 1.1x clinical, +1 admin minute. Assumption, informed by: lab results were 62%
///   slower during downtime (Larsen et al., Appl Clin Inform 2019).
/// - MobileAccess: 1.05x clinical. Assumption (clinicians walk to a workstation).
///
/// Throughput ceilings (cases per hour as a share of normal volume while the function is down;
/// the lowest of the missing functions' sets the pace):
/// - RecordAccess 0.8. From Wretborn et al. (Front Public Health 2019): ED length of stay rose
///   19–76 minutes in a 96 h EHR downtime; with a length of stay of about 3 h (assumption) a
///   fixed number of treatment places then processes 1 / (1 + Δ/LOS) = 0.71–0.90 of normal.
/// - LabOrders 0.9. Informed by Larsen et al. (Appl Clin Inform 2019): results 62% later in
///   downtime; about a third of cases wait on a result (assumption), so about 0.9.
/// - EPrescription 0.9 (assumption: hand checks of medication at the counter).
/// - Exchange 1.0: referrals by phone and post cost admin time (above and in the referral
///   network), not throughput (assumption).
/// - OnlineBooking, RecordView, MobileAccess 1.0 (the phone and the workstation stand in).
pub const DEFAULT_FALLBACK: [FallbackCost; Function::COUNT] = [
    FallbackCost { clinical_factor: 1.3, admin_minutes: 3.0, throughput: 0.8 },
    FallbackCost { clinical_factor: 1.0, admin_minutes: 1.5, throughput: 1.0 },
    FallbackCost { clinical_factor: 1.0, admin_minutes: 0.5, throughput: 1.0 },
    FallbackCost { clinical_factor: 1.02, admin_minutes: 1.0, throughput: 1.0 },
    FallbackCost { clinical_factor: 1.05, admin_minutes: 1.0, throughput: 0.9 },
    FallbackCost { clinical_factor: 1.1, admin_minutes: 1.0, throughput: 0.9 },
    FallbackCost { clinical_factor: 1.05, admin_minutes: 0.0, throughput: 1.0 },
];
