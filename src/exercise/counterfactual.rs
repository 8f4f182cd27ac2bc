//! Counterfactuals: for each decision point, what every other option would have done to the
//! headline KPIs — the same scenario and seed with that one choice changed, against the same
//! baseline.

use std::sync::Arc;

use rayon::prelude::*;

use crate::kpi::{self, Kpis};
use crate::report::aar::Counterfactual;
use crate::scenario::Scenario;
use crate::sim::{self, Outcome, RunOptions};

/// One counterfactual per decision of `scenario` (with the session's choices taken), in time
/// order, each option's KPIs: the chosen option's are `chosen`, the others are re-run in parallel.
pub fn compute(scenario: &Scenario, options: RunOptions, baseline: &Outcome, chosen: &Kpis) -> Vec<Counterfactual> {
    let mut decisions: Vec<_> = scenario
        .timeline
        .iter()
        .filter_map(|i| match &i.event {
            crate::scenario::Event::Decision(d) => Some((i.day, i.hour, d.clone())),
            _ => None,
        })
        .collect();
    decisions.sort_by_key(|(day, hour, _)| (*day, *hour));
    let runs: Vec<(usize, usize)> = decisions
        .iter()
        .enumerate()
        .flat_map(|(k, (_, _, d))| (0..d.options.len()).filter(move |o| *o != d.chosen).map(move |o| (k, o)))
        .collect();
    let results: Vec<((usize, usize), Kpis)> = runs
        .par_iter()
        .map(|&(k, o)| {
            let mut s = scenario.clone();
            let d = &decisions[k].2;
            s.choose(&d.id, &d.options[o].key).expect("the option exists");
            let outcome = sim::run(Arc::new(s), options);
            ((k, o), kpi::compute(&outcome, baseline, None))
        })
        .collect();
    decisions
        .into_iter()
        .enumerate()
        .map(|(k, (day, hour, d))| Counterfactual {
            id: d.id.clone(),
            question: d.question.clone(),
            day,
            hour,
            chosen: d.chosen,
            default: d.default,
            options: d
                .options
                .iter()
                .enumerate()
                .map(|(o, opt)| {
                    let kpis = if o == d.chosen {
                        chosen.clone()
                    } else {
                        results.iter().find(|(key, _)| *key == (k, o)).map(|(_, x)| x.clone()).unwrap_or_default()
                    };
                    (opt.key.clone(), opt.label.clone(), kpis)
                })
                .collect(),
        })
        .collect()
}
