//! Cache hints for the hot loop: ask for a line before it is needed, so that the wait for
//! memory overlaps with work. At ten times national scale the World is many times the caches,
//! and a first read of a provider's or service's data waits on memory.
//!
//! A prefetch is only a hint: it reads nothing, never faults, and changes no result.
//! Elsewhere than x86_64 these do nothing.

use crate::model::Service;

/// Ask the cache for the line holding `p`.
#[inline(always)]
pub(crate) fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: `_mm_prefetch` needs SSE, which every x86_64 processor has; it reads no
        // memory and cannot fault, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p.cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Ask the cache for the lines of `services` an open tick reads (those before
/// `normal_rate`, see [`Service`]'s layout, from the line the service starts in). The care
/// pass asks for an open provider's services (and its `Continuity`) four open providers
/// ahead of working on them (one ahead until `AHEAD` in the care pass: x10 then lost
/// 5-10 % more to memory on a host with a 2 MB L2), so their first reads do not wait on
/// memory: at ten times
/// national scale the median service-tick went from 53–56 to 52–53 ns (`bench_national 2 14
/// 10`, alternating builds; over 30 days on a noisier host the least of 4 runs went from
/// 58.1–59.1 to 55.8–60.7, within the noise); at national scale, where the World fits in the
/// last-level cache, it changes nothing measurable. (This replaced a hint for the next row's
/// `Continuity` alone, whose first read had been a third of the demand step's time at x10.)
/// Asking for the next row's `Staffing`, `BreachWork` and `CareServices` components (the
/// `Vec` header, not the services it points to) gained nothing: they are read in table order
/// and the hardware prefetches them.
#[inline(always)]
pub(crate) fn prefetch_services(services: &[Service]) {
    const HOT: usize = std::mem::offset_of!(Service, normal_rate);
    for service in services {
        let base = std::ptr::from_ref(service).cast::<u8>();
        // A service need not start on a line: its hot bytes then span one line more.
        let skew = base.addr() % 64;
        let line = base.wrapping_sub(skew);
        // A plain loop: with `step_by` a national replication ran 0.7 % more instructions.
        let mut offset = 0;
        while offset < skew + HOT {
            prefetch(line.wrapping_add(offset));
            offset += 64;
        }
    }
}
