//! The built-in scenarios, embedded in the binary; the same files live in `scenarios/`.

/// (name, one-line description, RON text).
pub const BUILTINS: &[(&str, &str, &str)] = &[
    (
        "chipsoft-2026",
        "The April 2026 ChipSoft breach: portals, app and exchange down for every customer; 1.8 M dossiers stolen from cloud tenants",
        include_str!("../../scenarios/chipsoft-2026.ron"),
    ),
    (
        "nl-national",
        "The Dutch care system at national scale (~7,000 providers, 2024 hospital EHR shares) under a compromise of the largest vendor",
        include_str!("../../scenarios/nl-national.ron"),
    ),
    (
        "pratenonline-2018",
        "A youth mental-health chat platform hacked and extorted (2018): taken offline; chats of more than 14,000 accounts at risk",
        include_str!("../../scenarios/pratenonline-2018.ron"),
    ),
    (
        "us-ransomware-hospital",
        "Calibration: a US community hospital under ransomware, beside Medicare claims (Neprash et al. 2024)",
        include_str!("../../scenarios/us-ransomware-hospital.ron"),
    ),
    (
        "california-ransomware",
        "Calibration: a Californian hospital under ransomware and its neighbours (Abouk and Powell 2024)",
        include_str!("../../scenarios/california-ransomware.ron"),
    ),
    (
        "wannacry-2017",
        "Calibration: WannaCry in NHS England, May 2017 (Ghafur et al. 2019; National Audit Office 2018)",
        include_str!("../../scenarios/wannacry-2017.ron"),
    ),
];

/// The text of a built-in scenario.
pub fn get(name: &str) -> Option<&'static str> {
    BUILTINS.iter().find(|(n, _, _)| *n == name).map(|(_, _, t)| *t)
}

/// Names of all built-ins.
pub fn names() -> Vec<&'static str> {
    BUILTINS.iter().map(|(n, _, _)| *n).collect()
}
