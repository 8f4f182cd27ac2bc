//! The teams of a room: named on the command line (`--teams`), else the names the scenario's
//! injects are addressed to, else a board, a GP cooperative, the vendor and the regulator.
//! Each team has an id for its address (`/team/ID`) and sees the injects meant for it.

use super::session::Team;
use crate::error::Error;
use crate::scenario::{Inject, Scenario};

/// Most teams in one room.
pub const MAX_TEAMS: usize = 20;

/// Teams used when neither the command line nor the scenario names any.
pub const DEFAULT: [&str; 4] = ["Hospital board", "GP cooperative", "Vendor", "Regulator"];

/// The teams of a session.
pub fn of(scenario: &Scenario, named: &[String]) -> Result<Vec<Team>, Error> {
    let mut names: Vec<String> = named.iter().flat_map(|n| n.split(',')).map(|n| n.trim().to_string()).collect();
    names.retain(|n| !n.is_empty());
    if names.is_empty() {
        for inj in &scenario.timeline {
            for t in &inj.teams {
                if !names.contains(t) {
                    names.push(t.clone());
                }
            }
        }
    }
    if names.is_empty() {
        names = DEFAULT.iter().map(|s| s.to_string()).collect();
    }
    if names.len() > MAX_TEAMS {
        return Err(Error::Usage(format!("{} teams; a room has at most {MAX_TEAMS}", names.len())));
    }
    let mut teams: Vec<Team> = Vec::new();
    for name in names {
        if name.chars().count() > 60 {
            return Err(Error::Usage(format!("the team name `{name}` is longer than 60 characters")));
        }
        let base = slug(&name);
        if base.is_empty() {
            return Err(Error::Usage(format!("the team name `{name}` needs a letter or digit")));
        }
        let mut id = base.clone();
        let mut n = 2;
        while teams.iter().any(|t| t.id == id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        teams.push(Team { id, name });
    }
    Ok(teams)
}

/// Lower-case letters and digits joined by `-`.
pub fn slug(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.is_empty() && !s.ends_with('-') {
            s.push('-');
        }
    }
    s.trim_end_matches('-').to_string()
}

/// Whether `inject` is meant for the team named `name` (an inject addressed to no team is
/// meant for all).
pub fn addressed(inject: &Inject, name: &str) -> bool {
    inject.teams.is_empty() || inject.teams.iter().any(|t| t.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_unique_ids() {
        assert_eq!(slug("Hospital board"), "hospital-board");
        assert_eq!(slug("  GP  co-op! "), "gp-co-op");
        let s = crate::scenario::load("chipsoft-2026").unwrap();
        let t = of(&s, &["Board, board".into()]).unwrap();
        assert_eq!(t.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), ["board", "board-2"]);
        assert!(of(&s, &["!!".into()]).is_err());
    }
}
