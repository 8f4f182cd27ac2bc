//! Cache hints for the hot loop: ask for a line before it is needed, so that the wait for
//! memory overlaps with work. At ten times national scale the World is many times the caches,
//! and a first read of a provider's or service's data waits on memory.
//!
//! A prefetch is only a hint: it reads nothing, never faults, and changes no result, so an
//! address past an allocation costs nothing but the hint. Elsewhere than x86_64 these do
//! nothing.

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

/// Ask the cache for the component of the next row of the table, the provider the dense pass
/// visits next, while this one is worked on: each provider's `Continuity` is first read at the
/// start of its visit, and at ten times national scale that read waited on memory (a third of
/// the demand step's time in a profile; x10 went from 67–71 to 60–61 ns per service-tick).
/// Prefetching the next `Staffing`, `BreachWork` and `CareServices` as well gained nothing
/// more: they are read in table order and the hardware prefetches them. Past the table's end,
/// or on a row the sparse pass skips, the hint is wasted, nothing more.
#[inline(always)]
pub(crate) fn prefetch_next<T>(current: &T) {
    prefetch(std::ptr::from_ref(current).wrapping_add(1));
}
