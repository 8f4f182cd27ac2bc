//! Metrics: the backlog's peak every tick, and at the end of each day one row per provider kind,
//! one per service slot with activity, and one per reported provider.

use bevy_ecs::prelude::*;

use crate::model::{
    CareServices, Clock, Counters, DayRow, Mode, Provider, ProviderDay, ProviderKind, Series, ServiceDay, Staffing,
    Tally,
};

pub fn record_metrics(
    clock: Res<Clock>,
    mut tally: ResMut<Tally>,
    mut series: ResMut<Series>,
    providers: Query<(&Provider, &Staffing, &CareServices)>,
) {
    let total: i64 = tally.backlog.iter().sum();
    tally.peak_backlog_total = tally.peak_backlog_total.max(total);
    for k in 0..ProviderKind::COUNT {
        tally.peak_backlog[k] = tally.peak_backlog[k].max(tally.backlog[k]);
    }
    if !clock.is_last_tick_of_day() {
        return;
    }
    let day = clock.day();
    let mut rows: [DayRow; ProviderKind::COUNT] =
        std::array::from_fn(|k| DayRow { day, kind: k, ..Default::default() });
    let mut sick_weight = [0.0f64; ProviderKind::COUNT];
    for (provider, staff, services) in &providers {
        let k = provider.kind.index();
        let row = &mut rows[k];
        row.providers += 1;
        // Weighted by headcount: staff minutes of a whole tick (the open tick's at hourly ticks).
        let weight: f64 = services
            .0
            .iter()
            .map(|s| (s.clinical_capacity + s.admin_capacity) * s.whole_tick_scale(clock.tick_hours))
            .sum();
        row.sick_share += staff.sick_share() * weight;
        sick_weight[k] += weight;
        for s in &services.0 {
            match s.mode {
                Mode::Normal => {}
                Mode::Fallback => row.services_fallback += 1,
                Mode::Blocked => row.services_blocked += 1,
            }
        }
        if let Some(r) = provider.report {
            tally.reported[r as usize].backlog = services.0.iter().map(|s| u64::from(s.queued)).sum();
        }
    }
    for (k, row) in rows.iter_mut().enumerate() {
        if row.providers == 0 {
            continue;
        }
        row.counters = tally.today[k];
        row.backlog = tally.backlog[k];
        row.sick_share = if sick_weight[k] > 0.0 { row.sick_share / sick_weight[k] } else { 0.0 };
        series.kinds.push(*row);
    }
    tally.today = [Counters::default(); ProviderKind::COUNT];
    let Tally { services, reported, .. } = &mut *tally;
    for (slot, s) in services.iter_mut().enumerate() {
        if *s != ServiceDay::default() {
            series.services.push((day, slot as u32, *s));
            *s = ServiceDay::default();
        }
    }
    for (slot, p) in reported.iter_mut().enumerate() {
        series.providers.push((day, slot as u32, *p));
        *p = ProviderDay::default();
    }
}
