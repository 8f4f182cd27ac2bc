//! Observed outcomes carried by a scenario: published or recorded figures of the incident it
//! describes (a measure, a window, a value or range, a source), validated from
//! [`super::raw::RawObserved`]. [`crate::fit`] sets the model's value beside each.

use super::raw::{ObservedMeasure, ObservedProviders};
use crate::model::ProviderKind;

/// One observed figure, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    pub name: String,
    pub measure: ObservedMeasure,
    pub kind: Option<ProviderKind>,
    pub service: Option<String>,
    /// Urgency class index (urgent, soon, elective), if restricted.
    pub class: Option<usize>,
    pub providers: ObservedProviders,
    /// Vendor index, if restricted.
    pub vendor: Option<usize>,
    /// Days from the first compromise, inclusive.
    pub window: (i32, i32),
    /// The published figure as a range `low <= high` (equal for a single value).
    pub low: f64,
    pub high: f64,
    /// Largest relative error that counts as a fit.
    pub band: f64,
    pub source: String,
}

impl Observed {
    /// The published figure as written: one value or a range.
    pub fn value_text(&self) -> String {
        if self.low == self.high { format!("{}", self.low) } else { format!("{} to {}", self.low, self.high) }
    }

    /// Relative error of `model` against the figure: 0 inside a range, else the distance to the
    /// nearest end over that end's magnitude (at least 1, so a figure near 0 is not divided by
    /// almost nothing).
    pub fn relative_error(&self, model: f64) -> f64 {
        relative_error(self.low, self.high, model)
    }
}

/// Relative error of `model` against the range `low..=high`: 0 inside, else the distance to the
/// nearest end over that end's magnitude (at least 1).
pub fn relative_error(low: f64, high: f64, model: f64) -> f64 {
    let edge = if model < low {
        low
    } else if model > high {
        high
    } else {
        return 0.0;
    };
    (model - edge) / edge.abs().max(1.0)
}
