//! Transparent huge pages for the heap (Linux with glibc): [`restart_with_huge_pages`].
//!
//! A World at ten times national scale is about 130 MB, and each tick reads the open
//! providers' data across tens of thousands of 4 KiB pages: more pages than the processor's
//! TLB maps, so many first reads wait on a page-table walk as well as on memory. glibc's
//! allocator (2.35 and later) backs its heap with 2 MiB transparent huge pages when the program
//! starts with `GLIBC_TUNABLES=glibc.malloc.hugetlb=1`; where the system's THP mode is
//! `madvise` (as on this project's machine) nothing else does. The tunable is read only at
//! start-up, so the `downtime` binary and the benchmark start themselves again with it, once,
//! before anything else (about 2 ms per start).
//!
//! Measured on the 2-core build machine (`bench_national 4 30 1,4,10`, builds alternating,
//! least of 4 over three pairs): ns per service-tick 38.6–39.4 with huge pages against
//! 41.2–42.2 without at ten times national scale, 36.7–37.4 against 38.1–40.1 at four times,
//! 33.2–33.8 against 34.0–34.4 at national scale; batches of nl-national and of chipsoft-2026
//! take the same time either way. Worlds take 12 → 13, 47 → 51 and 128 → 136 MB. A global
//! allocator with huge pages (jemalloc with `thp:always`, or mimalloc) gained less at ten
//! times national scale: their size classes scatter the providers' services, which glibc lays
//! out in build order. docs/performance.md has the figures. The gain depends on the host: the
//! kernel grants huge pages only where it finds (or makes, by compaction) free 2 MiB blocks, so
//! on a host whose memory is fragmented a World may get few of them, and take longer to build.
//!
//! Set `GLIBC_TUNABLES` yourself to choose otherwise (`glibc.malloc.hugetlb=0` keeps 4 KiB
//! pages): the program then runs as started. So does a secure start (setuid, or file
//! capabilities), where glibc drops the variable. valgrind without `--trace-children=yes`
//! measures only the first start unless the tunable is set (gdb, strace and perf follow the
//! exec).

use std::ffi::{OsStr, OsString};

/// The glibc tunable that asks the allocator for transparent huge pages.
const TUNABLE: &str = "glibc.malloc.hugetlb";

/// Start this program again, with the same arguments, environment and standard streams and in
/// the same process, with `glibc.malloc.hugetlb=1` added to `GLIBC_TUNABLES`, unless that
/// tunable is set already (by the user or by an earlier start) or the start is a secure one.
/// Call it first thing in `main`, before any thread starts. Returns only if nothing was done or
/// the start failed; then the program goes on with the pages it has. Does nothing outside
/// Linux with glibc.
pub fn restart_with_huge_pages() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        // A secure start (setuid, file capabilities): glibc removes GLIBC_TUNABLES from the
        // environment, so every start would look like the first one, without end.
        // SAFETY: getauxval reads the auxiliary vector the kernel gave the process; no
        // pointers are involved.
        if unsafe { libc::getauxval(libc::AT_SECURE) } != 0 {
            return;
        }
        let Some(tunables) = tunables_with_huge_pages(std::env::var_os("GLIBC_TUNABLES").as_deref()) else {
            return;
        };
        // By path, not /proc/self/exe: the process keeps its name (`ps`, `pgrep`, `killall`
        // see `downtime`, not `exe`). If the file was replaced in the moment since the start
        // (a rebuild), the new one runs; if removed, the exec fails and this one goes on.
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
        // Not text: left as it is.
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            assert_eq!(tunables_with_huge_pages(Some(OsStr::from_bytes(b"\xff"))), None);
        }
        // Set already: by an earlier start, or by the user either way.
        assert_eq!(with("glibc.malloc.hugetlb=1"), None);
        assert_eq!(with("glibc.malloc.hugetlb=0"), None);
        assert_eq!(with("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=0"), None);
        // A tunable whose name only starts the same is another one.
        assert_eq!(with("glibc.malloc.hugetlbx=1"), Some("glibc.malloc.hugetlbx=1:glibc.malloc.hugetlb=1".into()));
    }
}
