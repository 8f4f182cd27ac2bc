//! The plan of an experiment: which runs exist and which of them a shard owns.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// A deterministic slice of the replications: those with `r % count == index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// The whole run.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    pub fn owns(&self, replication: u64) -> bool {
        replication % self.count.max(1) == self.index
    }

    pub fn check(&self) -> Result<(), Error> {
        if self.count == 0 || self.index >= self.count {
            return Err(Error::Usage(format!(
                "shard {}/{} does not exist; write I/N with 0 <= I < N, such as 0/4",
                self.index, self.count
            )));
        }
        Ok(())
    }

    /// The folder name of this shard below a run's default output folder.
    pub fn folder(&self) -> String {
        format!("shard-{}-of-{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not a shard; write I/N with 0 <= I < N, such as 0/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let shard = Shard { index: i.trim().parse().map_err(|_| bad())?, count: n.trim().parse().map_err(|_| bad())? };
        shard.check().map_err(|_| bad())?;
        Ok(shard)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// One run of an experiment: replication `replication` (its chance streams: `(seed,
/// replication)`) under parameter draw `draw` (the parameter stream of
/// [`crate::uncertain::Uncertain::draw`]). `index` is its place in the plan, the number shards
/// slice by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    pub draw: u64,
    pub replication: u64,
    pub index: u64,
}

/// The runs of an experiment for one variant: `draws × runs` units, draw-major (unit `index =
/// draw × runs + replication`), of which a shard owns those with `index % N == I`. With one draw,
/// unit `r` is replication `r` (the slicing of batches and sweeps since shards existed). Every
/// variant of a comparison or sweep runs the same units, so differences stay paired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Replications per draw (chance).
    pub runs: u64,
    /// Parameter draws (1 when nothing is uncertain).
    pub draws: u64,
    pub shard: Shard,
}

impl Plan {
    /// Units in the whole plan (all shards).
    pub fn total(&self) -> u64 {
        self.runs.saturating_mul(self.draws)
    }

    /// The unit at `index`.
    pub fn unit(&self, index: u64) -> Unit {
        let runs = self.runs.max(1);
        Unit { draw: index / runs, replication: index % runs, index }
    }

    /// The units this shard owns, in plan order, generated as they are needed (a plan of a
    /// million units holds none of them).
    pub fn units(&self) -> impl ExactSizeIterator<Item = Unit> + '_ {
        let count = self.shard.count.max(1);
        let first = self.shard.index.min(self.total());
        let n = (self.total() - first).div_ceil(count) as usize;
        (0..n).map(move |k| self.unit(first + k as u64 * count))
    }
}
