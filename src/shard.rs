//! `downtime merge` for batches and sweeps: the commands' layer above [`crate::experiment`]
//! (which defines shards and partial results) that knows how to write each command's outputs.
//!
//! Shard `I/N` runs the replications `r` with `r % N == I` of a batch or sweep and writes
//! `partial.json`: the identity of the run, the shard, and one [`Record`] per replication (floats
//! as exact decimal strings). [`merge`] reads the partials of all `N` shards, checks that they
//! belong to the same run and cover every replication exactly once, sorts the records by
//! replication and writes the outputs with the same code as the unsharded run, so the merged
//! `summary.json` and CSVs are byte-identical to it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::batch;
use crate::error::Error;
use crate::experiment::{self, Record};
use crate::sweep;

pub use crate::experiment::partial::{FORMAT, MAX_PARTIAL_BYTES, PARTIAL_FILE, Partial, VariantRecords, write_partial};
pub use crate::experiment::plan::Shard;

/// Read a partial result of a batch or sweep: `path` is a shard's folder or its `partial.json`.
pub fn read_partial(path: &Path) -> Result<Partial, Error> {
    let (name, partial): (String, Partial) = experiment::partial::read_json(path, "batch/sweep")?;
    let bad = |line: usize, column: usize, msg: String| {
        Error::Scenario(crate::ScenarioError::single(&name, line, column, msg))
    };
    check_partial(&partial).map_err(|msg| bad(1, 1, format!("inconsistent partial result: {msg}; rerun the shard")))?;
    let format = match &partial {
        Partial::Batch { format, .. } | Partial::Sweep { format, .. } => format,
    };
    if format != FORMAT {
        return Err(bad(
            1,
            1,
            format!("partial format `{format}` is not `{FORMAT}`; rerun the shard with this version"),
        ));
    }
    Ok(partial)
}

/// Check a partial result for consistency with itself before anything is sized from it: the
/// shard and run counts, the horizon, the KPI names and provider kinds of the layout, and every
/// record's arrays against them; values must be finite.
pub fn check_partial(p: &Partial) -> Result<(), String> {
    let (shard, runs, days, layout) = match p {
        Partial::Batch { shard, meta, layout, .. } => (shard, meta.runs, meta.days, layout),
        Partial::Sweep { shard, meta, layout, .. } => (shard, meta.runs, meta.days, layout),
    };
    if !(1..=batch::MAX_RUNS).contains(&runs) {
        return Err(format!("the header says {runs} runs; a run has 1 to {}", batch::MAX_RUNS));
    }
    if shard.count == 0 || shard.index >= shard.count || shard.count > runs {
        return Err(format!("shard {shard} of a run of {runs} replications does not exist"));
    }
    if !(1..=crate::scenario::validate::MAX_DAYS).contains(&days) {
        return Err(format!("the header says {days} days; a horizon is 1 to {}", crate::scenario::validate::MAX_DAYS));
    }
    if layout.kpis != batch::kpi_names() {
        return Err("the KPI names are not those of this version of downtime".into());
    }
    let known: Vec<&str> = crate::model::ProviderKind::ALL.iter().map(|k| k.key()).collect();
    let mut pos = 0;
    for k in &layout.kinds {
        match known[pos..].iter().position(|x| x == k) {
            Some(i) => pos += i + 1,
            None => {
                return Err(format!(
                    "the provider kinds are unknown, repeated or out of order (at `{}`)",
                    crate::text::terminal_line(k)
                ));
            }
        }
    }
    // Shard I/N owns the replications I, I + N, ... below the run count.
    let most = (runs - shard.index).div_ceil(shard.count);
    let check_records = |records: &[Record], what: &str| -> Result<(), String> {
        if records.len() as u64 > most {
            return Err(format!(
                "{what} holds {} records; shard {shard} of {runs} runs has at most {most}",
                records.len()
            ));
        }
        for (i, r) in records.iter().enumerate() {
            let at = format!("{what}.records[{i}]");
            if i > 0 && r.replication <= records[i - 1].replication {
                return Err(format!("{at} repeats a replication or is out of order"));
            }
            if r.replication >= runs || !shard.owns(r.replication) {
                return Err(format!(
                    "{at} is replication {}, which is not shard {shard}'s of {runs} runs",
                    r.replication
                ));
            }
            if r.kpis.len() != layout.kpis.len() {
                return Err(format!("{at} has {} KPIs; the header names {}", r.kpis.len(), layout.kpis.len()));
            }
            if r.by_kind.len() != layout.kinds.len() || r.by_kind.iter().any(|k| k.len() != layout.kpis.len()) {
                return Err(format!(
                    "{at}.by_kind does not match the {} kinds and {} KPIs of the header",
                    layout.kinds.len(),
                    layout.kpis.len()
                ));
            }
            if r.daily.len() != layout.kinds.len() + 1 || r.daily.iter().any(|d| d.len() != days as usize) {
                return Err(format!(
                    "{at}.daily does not hold {days} days for `all` and each of the {} kinds",
                    layout.kinds.len()
                ));
            }
            if r.observed.len() != layout.observed.len() {
                return Err(format!(
                    "{at}.observed holds {} values; the header lists {} observed figures",
                    r.observed.len(),
                    layout.observed.len()
                ));
            }
            let finite = r
                .kpis
                .iter()
                .chain(r.by_kind.iter().flatten())
                .chain(r.observed.iter())
                .flatten()
                .all(|x| x.0.is_finite());
            if !finite {
                return Err(format!("{at} holds a value that is not a finite number"));
            }
            if r.daily.iter().flatten().flatten().any(|x| *x < 0) {
                return Err(format!("{at}.daily holds a negative count"));
            }
        }
        Ok(())
    };
    match p {
        Partial::Batch { records, .. } => check_records(records, "records"),
        Partial::Sweep { variants, .. } => {
            if variants.is_empty() || variants.len() > sweep::MAX_VARIANTS {
                return Err(format!("{} variants; a sweep has 1 to {}", variants.len(), sweep::MAX_VARIANTS));
            }
            let mut names = std::collections::BTreeSet::new();
            for (v, vr) in variants.iter().enumerate() {
                if !names.insert(vr.variant.name.as_str()) {
                    return Err(format!("variants[{v}] repeats the name of another variant"));
                }
                if !vr.variant.hhi.is_finite() {
                    return Err(format!("variants[{v}].variant.hhi is not a finite number"));
                }
                check_records(&vr.records, &format!("variants[{v}]"))?;
            }
            Ok(())
        }
    }
}

/// What merge wrote.
#[derive(Debug, Clone)]
pub enum Merged {
    Batch(batch::BatchSummary),
    Sweep(sweep::SweepSummary),
}

/// Combine the partial results in `inputs` into `out`, exactly as the unsharded run writes it.
pub fn merge(inputs: &[PathBuf], out: &Path) -> Result<Merged, Error> {
    if inputs.is_empty() {
        return Err(Error::Usage("merge needs at least one shard folder".into()));
    }
    let partials: Vec<(String, Partial)> =
        inputs.iter().map(|p| read_partial(p).map(|x| (p.display().to_string(), x))).collect::<Result<_, _>>()?;
    let mismatch = |what: &str, a: &str, b: &str| {
        Error::Usage(format!("{b} is from a different run than {a} ({what} differ); merge the shards of one run only"))
    };
    let (first_name, first) = &partials[0];
    let count = first.shard().count;
    let mut seen: BTreeMap<u64, String> = BTreeMap::new();
    for (name, p) in &partials {
        let s = p.shard();
        if s.count != count {
            return Err(mismatch("shard counts", first_name, name));
        }
        if let Some(other) = seen.insert(s.index, name.clone()) {
            return Err(Error::Usage(format!("{other} and {name} are both shard {s}; give each shard once")));
        }
    }
    let absent = count - seen.len() as u64;
    if absent > 0 {
        let missing: Vec<String> =
            (0..count).filter(|i| !seen.contains_key(i)).take(10).map(|i| format!("{i}/{count}")).collect();
        let more = if absent > 10 { format!(" and {} more", absent - 10) } else { String::new() };
        return Err(Error::Usage(format!("shards missing: {}{more}; merge needs all {count}", missing.join(", "))));
    }
    match first {
        Partial::Batch { meta, layout, .. } => {
            let mut records = Vec::new();
            for (name, p) in &partials {
                match p {
                    Partial::Batch { meta: m, layout: l, records: r, .. } if m == meta && l == layout => {
                        records.extend(r.iter().cloned())
                    }
                    _ => return Err(mismatch("scenario, seed, runs or command", first_name, name)),
                }
            }
            let records = complete(records, meta.runs)?;
            Ok(Merged::Batch(batch::write_batch(out, meta, layout, &records)?))
        }
        Partial::Sweep { meta, layout, variants, .. } => {
            let mut per_variant: Vec<Vec<Record>> = vec![Vec::new(); variants.len()];
            for (name, p) in &partials {
                match p {
                    Partial::Sweep { meta: m, layout: l, variants: v, .. }
                        if m == meta
                            && l == layout
                            && v.len() == variants.len()
                            && v.iter().zip(variants).all(|(a, b)| a.variant == b.variant) =>
                    {
                        for (acc, vr) in per_variant.iter_mut().zip(v) {
                            acc.extend(vr.records.iter().cloned());
                        }
                    }
                    _ => return Err(mismatch("sweep, variants, seed, runs or command", first_name, name)),
                }
            }
            let results = variants
                .iter()
                .zip(per_variant)
                .map(|(v, records)| complete(records, meta.runs).map(|r| (v.variant.clone(), r)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Merged::Sweep(sweep::write_sweep(out, meta, layout, &results)?))
        }
    }
}

/// Sort records by replication and check that each of `0..runs` is there exactly once.
fn complete(mut records: Vec<Record>, runs: u64) -> Result<Vec<Record>, Error> {
    records.sort_by_key(|r| r.replication);
    let ok = records.len() as u64 == runs && records.iter().enumerate().all(|(i, r)| r.replication == i as u64);
    if !ok {
        return Err(Error::Usage(format!(
            "the shards hold {} records for {runs} replications; some are missing or repeated",
            records.len()
        )));
    }
    Ok(records)
}

/// `downtime merge`: merge and write; returns the text to print.
pub fn command(inputs: &[PathBuf], out: &Path, csv_delimiter: char) -> Result<String, Error> {
    if let Some(first) = inputs.first()
        && crate::sensitivity::is_partial(first)
    {
        let summary = crate::sensitivity::merge(inputs, out)?;
        crate::report::csv::apply(out, csv_delimiter)?;
        return Ok(format!(
            "{}merged {} shards into {}\nopen {}\n",
            crate::sensitivity::summary_table(&summary),
            inputs.len(),
            out.display(),
            out.join("report.html").display()
        ));
    }
    let merged = merge(inputs, out)?;
    crate::report::csv::apply(out, csv_delimiter)?;
    let text = match merged {
        Merged::Batch(s) => batch::summary_table(&s),
        Merged::Sweep(s) => sweep::summary_table(&s),
    };
    Ok(format!(
        "{text}merged {} shards into {}\nopen {}\n",
        inputs.len(),
        out.display(),
        out.join("report.html").display()
    ))
}
