//! Fuzz target: any bytes through the scenario loader and validator. A reject must carry a
//! position for every problem and render without panicking; a valid scenario is simulated for
//! two days. The property tests in tests/it/hardening.rs run the same checks on a fixed budget.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match downtime::scenario::from_str(&text, "fuzz.ron") {
        Ok(mut scenario) => {
            scenario.set_days(2);
            let _ = downtime::sim::run(Arc::new(scenario), downtime::sim::RunOptions { seed: 1, replication: 0 });
        }
        Err(e) => {
            assert!(e.problems.iter().all(|p| p.line >= 1 && p.column >= 1), "{e}");
            let _ = e.render(Some(&text));
        }
    }
});
