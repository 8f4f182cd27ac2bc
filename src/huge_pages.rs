//! Transparent huge pages for the heap (Linux with glibc): [`restart_with_huge_pages`].
//!
//! A World at ten times national scale is about 130 MB, and each tick reads the open
//! providers' data across tens of thousands of 4 KiB pages: more pages than the processor's
//! TLB maps, so many first reads wait on a page-table walk as well as on memory. glibc's
//! allocator backs its heap with 2 MiB transparent huge pages when the program starts with
//! `GLIBC_TUNABLES=glibc.malloc.hugetlb=1`; where the system's THP mode is `madvise` (Debian's
//! default) nothing else does. The tunable is read only at start-up, so the `downtime` binary
//! and the benchmark start themselves again with it, once, before anything else.
//!
//! Measured on the 2-core build machine (`bench_national 4 30 1,4,10`, builds alternating,
//! least of 4 over three pairs): ns per service-tick 38.6–39.4 with huge pages against
//! 41.2–42.2 without at ten times national scale, 36.7–37.4 against 38.1–40.1 at four times,
//! 33.2–33.8 against 34.0–34.4 at national scale; batches of nl-national and of chipsoft-2026
//! take the same time either way. Worlds take 12 → 13, 47 → 51 and 128 → 136 MB. A global
//! allocator with huge pages (jemalloc with `thp:always`, or mimalloc) gained less at ten
//! times national scale: their size classes scatter the providers' services, which glibc lays
//! out in build order. docs/performance.md has the figures.
//!
//! Set `GLIBC_TUNABLES` yourself to choose otherwise (`glibc.malloc.hugetlb=0` keeps 4 KiB
//! pages): the program then runs as started. Tools that follow a process (valgrind, say) see
//! only the first start unless told to follow children, or unless the tunable is set.

use std::ffi::{OsStr, OsString};

/// The glibc tunable that asks the allocator for transparent huge pages.
const TUNABLE: &str = "glibc.malloc.hugetlb";

/// Start this program again, with the same arguments, environment and standard streams and in
/// the same process, with `glibc.malloc.hugetlb=1` added to `GLIBC_TUNABLES`, unless that
/// tunable is set already (by the user or by an earlier start). Call it first thing in `main`,
/// before any thread starts. Returns only if nothing was done or the start failed; then the
/// program goes on with the pages it has. Does nothing outside Linux with glibc.
pub fn restart_with_huge_pages() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        let Some(tunables) = tunables_with_huge_pages(std::env::var_os("GLIBC_TUNABLES").as_deref()) else {
            return;
        };
        let Ok(exe) = std::env::current_exe() else { return };
        let mut args = std::env::args_os();
        let mut command = std::process::Command::new(exe);
        if let Some(arg0) = args.next() {
            command.arg0(arg0);
        }
        // `exec` returns only when it failed: go on as started.
        let _ = command.args(args).env("GLIBC_TUNABLES", tunables).exec();
    }
}

/// `GLIBC_TUNABLES` with huge pages asked for, given its value now; `None` when it names the
/// tunable already (whatever its value) or is not text.
fn tunables_with_huge_pages(current: Option<&OsStr>) -> Option<OsString> {
    let current = match current {
        None => "",
        Some(value) => value.to_str()?,
    };
    if current.split(':').any(|setting| setting.split('=').next() == Some(TUNABLE)) {
        return None;
    }
    let setting = format!("{TUNABLE}=1");
    Some(if current.is_empty() { setting } else { format!("{current}:{setting}") }.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tunable is added once, after any others, and never overrides the user's choice.
    #[test]
    fn huge_pages_are_asked_for_once_and_never_over_a_choice() {
        let with = |v: &str| tunables_with_huge_pages(Some(OsStr::new(v)));
        assert_eq!(tunables_with_huge_pages(None), Some("glibc.malloc.hugetlb=1".into()));
        assert_eq!(with(""), Some("glibc.malloc.hugetlb=1".into()));
        assert_eq!(with("glibc.malloc.arena_max=2"), Some("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1".into()));
        // Set already: by an earlier start, or by the user either way.
        assert_eq!(with("glibc.malloc.hugetlb=1"), None);
        assert_eq!(with("glibc.malloc.hugetlb=0"), None);
        assert_eq!(with("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=0"), None);
        // A tunable whose name only starts the same is another one.
        assert_eq!(with("glibc.malloc.hugetlbx=1"), Some("glibc.malloc.hugetlbx=1:glibc.malloc.hugetlb=1".into()));
    }
}
