//! The output folder: downtime never touches what it did not write, never writes through a
//! symbolic link inside the folder, and never mixes two runs in one folder.
//!
//! - **Manifest.** Every file downtime writes into an output folder is listed, with the SHA-256
//!   of its bytes, in `.downtime-manifest.json` at the top of the folder. A folder may be written
//!   without `--force` only when it is missing, empty, or holds nothing but files listed there
//!   with the hash they still have (a user's own `report.md` or an edited one is refused), the
//!   `plots/` folder of such files, `shard-*/` folders that pass the same check with their own
//!   manifest, and downtime's own lock and temporary files.
//! - **Links.** `plots` (or any folder downtime writes into below the output folder) must be a
//!   real folder, not a symbolic link, even with `--force`; files are written through
//!   [`super::write_atomic`] as exclusively created temporaries renamed into place.
//! - **Lock.** [`prepare_output_dir`] takes an exclusive lock on `.downtime-lock` in the folder
//!   and holds it (in the returned [`OutputDir`]) for the whole run; a second run into the same
//!   folder is refused with a message saying so.

use std::collections::BTreeMap;
use std::fs::{File, TryLockError};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::error::Error;

/// The output folder this process prepared last, for the command line's `--json` (which prints
/// the summary the command wrote there).
static LAST_PREPARED: std::sync::Mutex<Option<std::path::PathBuf>> = std::sync::Mutex::new(None);

/// The output folder [`prepare_output_dir`] was last called for in this process, if any.
pub fn last_prepared() -> Option<std::path::PathBuf> {
    LAST_PREPARED.lock().ok().and_then(|l| l.clone())
}

/// The manifest of the files downtime wrote into a folder.
pub const MANIFEST: &str = ".downtime-manifest.json";
/// The lock file of an output folder.
pub const LOCK: &str = ".downtime-lock";
/// Format tag of the manifest.
const MANIFEST_FORMAT: &str = "downtime-manifest/1";
/// Largest manifest read (a folder holds a few dozen files).
const MAX_MANIFEST_BYTES: u64 = 1 << 20;
/// Prefix and suffix of the temporaries of [`super::write_atomic`].
pub const TEMP_PREFIX: &str = ".downtime-";
pub const TEMP_SUFFIX: &str = ".tmp";

/// Files downtime writes at the top of an output folder (run, batch, sweep, compare, exercise,
/// shard).
pub const OWN_FILES: &[&str] = &[
    "summary.json",
    "timeseries.csv",
    "events.csv",
    "services.csv",
    "weekly.csv",
    "providers.csv",
    "report.md",
    "report.html",
    "decisions.ron",
    "transcript.md",
    "results.csv",
    "results.md",
    "bands.csv",
    "compare.csv",
    "compare.md",
    "partial.json",
    "session.json",
    "room.json",
    "scenario.ron",
    "cards.html",
];

#[derive(serde::Serialize, serde::Deserialize, Default)]
struct Manifest {
    format: String,
    /// Path relative to the folder (`/`-separated) → SHA-256 of the bytes written, hex.
    files: BTreeMap<String, String>,
}

/// An output folder in use: registered for `record` and locked until dropped.
#[derive(Debug)]
pub struct OutputDir {
    root: PathBuf,
    id: u64,
    _lock: File,
}

impl OutputDir {
    /// The folder.
    pub fn path(&self) -> &Path {
        &self.root
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if let Ok(mut open) = OPEN.lock() {
            open.retain(|o| o.id != self.id);
        }
    }
}

struct Open {
    id: u64,
    root: PathBuf,
    manifest: BTreeMap<String, String>,
}

/// The output folders this process holds, with their manifests.
static OPEN: Mutex<Vec<Open>> = Mutex::new(Vec::new());
static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A temporary file of [`super::write_atomic`] left by an interrupted run (or the
/// `.NAME.tmp-PID` of earlier versions).
fn is_temp(name: &str) -> bool {
    (name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)) || (name.starts_with('.') && name.contains(".tmp-"))
}

/// The SHA-256 of `bytes`, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of a regular file, read in pieces (never whole); `None` when it cannot be read.
fn hash_file(path: &Path) -> Option<String> {
    let mut f = open_nofollow(path).ok()?;
    if !f.metadata().ok()?.is_file() {
        return None;
    }
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Some(hex(&h.finalize()))
}

/// Open `path` for reading without following a symbolic link at its last component.
fn open_nofollow(path: &Path) -> std::io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc_o_nofollow());
    }
    o.open(path)
}

/// `O_NOFOLLOW`: opening a symbolic link fails instead of opening its target.
#[cfg(unix)]
fn libc_o_nofollow() -> i32 {
    libc::O_NOFOLLOW
}

/// Read the manifest of `dir`; an absent, unreadable or malformed one is empty (so every file
/// counts as foreign, the safe side).
fn read_manifest(dir: &Path) -> BTreeMap<String, String> {
    let path = dir.join(MANIFEST);
    let Ok(f) = open_nofollow(&path) else { return BTreeMap::new() };
    if !f.metadata().is_ok_and(|m| m.is_file()) {
        return BTreeMap::new();
    }
    let mut text = String::new();
    if f.take(MAX_MANIFEST_BYTES).read_to_string(&mut text).is_err() {
        return BTreeMap::new();
    }
    match serde_json::from_str::<Manifest>(&text) {
        Ok(m) if m.format == MANIFEST_FORMAT => m.files,
        _ => BTreeMap::new(),
    }
}

/// Check that `dir` may be written, lock it for the life of the returned [`OutputDir`], and
/// register it so that every file [`super::write_atomic`] puts there is listed in its manifest.
///
/// Refused with a usage error (exit code 2): a path that is not a folder, a folder holding
/// files downtime did not write (unless `force`), a `plots` that is a link or a file (even with
/// `force`), a folder that cannot be created (below a file, a name too long). A folder another
/// run holds is refused with exit code 1.
pub fn prepare_output_dir(dir: &Path, force: bool) -> Result<OutputDir, Error> {
    if let Ok(mut last) = LAST_PREPARED.lock() {
        *last = Some(dir.to_path_buf());
    }
    let meta = std::fs::metadata(dir);
    if meta.as_ref().is_ok_and(|m| !m.is_dir()) {
        return Err(Error::Usage(format!("the output path `{}` is a file, not a folder", dir.display())));
    }
    let exists = meta.is_ok();
    // An existing lock held by a running downtime: say so before anything else.
    let mut lock = None;
    if exists && std::fs::symlink_metadata(dir.join(LOCK)).is_ok() {
        lock = Some(take_lock(dir)?);
    }
    if exists {
        for sub in ["plots"] {
            if std::fs::symlink_metadata(dir.join(sub)).is_ok_and(|m| !m.is_dir()) {
                return Err(Error::Usage(format!(
                    "`{}` is a symbolic link or a file, not a folder; downtime never writes through links \
                     into or out of its output folder: remove it or choose another folder with --out",
                    dir.join(sub).display()
                )));
            }
        }
        if !force {
            let mut foreign = Vec::new();
            scan(dir, "", 0, &read_manifest(dir), &mut foreign);
            if !foreign.is_empty() {
                return Err(foreign_error(dir, foreign));
            }
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        Error::Usage(format!(
            "cannot create the output folder `{}`: {e}; choose another folder with --out",
            dir.display()
        ))
    })?;
    let lock = match lock {
        Some(l) => l,
        None => take_lock(dir)?,
    };
    let mut manifest = read_manifest(dir);
    manifest.retain(|rel, _| std::fs::symlink_metadata(dir.join(rel)).is_ok_and(|m| m.is_file()));
    let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    OPEN.lock()
        .map_err(|_| Error::Busy("the output folder registry is unusable after an earlier failure".into()))?
        .push(Open { id, root: dir.to_path_buf(), manifest });
    Ok(OutputDir { root: dir.to_path_buf(), id, _lock: lock })
}

/// Open (creating) the lock file of `dir` without following a link, and lock it exclusively.
fn take_lock(dir: &Path) -> Result<File, Error> {
    let path = dir.join(LOCK);
    let mut o = std::fs::OpenOptions::new();
    o.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc_o_nofollow());
    }
    let file = o.open(&path).map_err(|e| {
        Error::Usage(format!(
            "cannot lock the output folder `{}` ({}: {e}); choose another folder with --out",
            dir.display(),
            path.display()
        ))
    })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(Error::Busy(format!(
            "another downtime run is writing into `{}` (it holds {}); wait for it to finish or choose another folder with --out",
            dir.display(),
            path.display()
        ))),
        Err(TryLockError::Error(e)) => Err(Error::Write { path: path.display().to_string(), source: e }),
    }
}

fn foreign_error(dir: &Path, mut foreign: Vec<String>) -> Error {
    foreign.sort();
    let more = foreign.len().saturating_sub(5);
    let mut list: Vec<String> = foreign.iter().take(5).map(|f| format!("`{f}`")).collect();
    if more > 0 {
        list.push(format!("and {more} more"));
    }
    Error::Usage(format!(
        "the output folder `{}` holds files downtime did not write, or that were changed since ({}); choose another folder with --out, or pass --force to write into it anyway",
        crate::text::terminal(&dir.display().to_string()),
        crate::text::terminal(&list.join(", "))
    ))
}

/// Collect the entries of `dir` (its path relative to `root` is `rel`) that downtime did not
/// write: not in `manifest` with the hash they have now. Links and special files are foreign.
fn scan(dir: &Path, rel: &str, depth: u32, manifest: &BTreeMap<String, String>, foreign: &mut Vec<String>) {
    let show = |name: &str| if rel.is_empty() { name.to_string() } else { format!("{rel}/{name}") };
    let Ok(entries) = std::fs::read_dir(dir) else {
        foreign.push(if rel.is_empty() { ".".into() } else { rel.to_string() });
        return;
    };
    for entry in entries.flatten() {
        if foreign.len() > 100 {
            return;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let key = show(&name);
        // file_type does not follow symbolic links.
        let Ok(kind) = entry.file_type() else {
            foreign.push(key);
            continue;
        };
        let own = if kind.is_file() {
            (depth == 0 && (name == MANIFEST || name == LOCK))
                || is_temp(&name)
                || manifest.get(&key).is_some_and(|h| hash_file(&entry.path()).as_ref() == Some(h))
        } else if kind.is_dir() && depth == 0 && name == "plots" {
            scan(&entry.path(), &key, depth + 1, manifest, foreign);
            true
        } else if kind.is_dir() && depth == 0 && name.starts_with("shard-") {
            // A shard's folder below a batch or sweep folder: its own manifest.
            let mut inner = Vec::new();
            let path = entry.path();
            scan(&path, "", 0, &read_manifest(&path), &mut inner);
            foreign.extend(inner.into_iter().map(|f| format!("{key}/{f}")));
            true
        } else {
            false
        };
        if !own {
            foreign.push(key);
        }
    }
}

/// The registered output folder that holds `path` (the deepest), as its path.
pub(crate) fn root_of(path: &Path) -> Option<PathBuf> {
    let open = OPEN.lock().ok()?;
    open.iter()
        .filter(|o| path.starts_with(&o.root))
        .max_by_key(|o| o.root.components().count())
        .map(|o| o.root.clone())
}

/// Create the folders from `root` down to `dir`, refusing any that is a link or not a folder.
pub(crate) fn make_dirs_nofollow(root: &Path, dir: &Path) -> Result<(), Error> {
    let Ok(rest) = dir.strip_prefix(root) else { return Ok(()) };
    let mut cur = root.to_path_buf();
    for part in std::iter::once(None).chain(rest.components().map(Some)) {
        if let Some(c) = part {
            cur.push(c);
        }
        match std::fs::symlink_metadata(&cur) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(Error::Usage(format!(
                    "`{}` is a symbolic link or a file, not a folder; downtime never writes through links: remove it",
                    cur.display()
                )));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::create_dir(&cur)
                .or_else(|e| if e.kind() == std::io::ErrorKind::AlreadyExists { Ok(()) } else { Err(e) })
                .map_err(|source| Error::Write { path: cur.display().to_string(), source })?,
            Err(source) => return Err(Error::Write { path: cur.display().to_string(), source }),
        }
    }
    Ok(())
}

/// List `path` (inside the registered folder `root`) in that folder's manifest with the hash
/// of `bytes`, and write the manifest.
pub(crate) fn record(root: &Path, path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let Ok(rel) = path.strip_prefix(root) else { return Ok(()) };
    let key: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    let key = key.join("/");
    let hash = sha256_hex(bytes);
    let mut open = OPEN.lock().map_err(|_| Error::Busy("the output folder registry is unusable".into()))?;
    let Some(o) = open.iter_mut().filter(|o| o.root == root).max_by_key(|o| o.id) else { return Ok(()) };
    o.manifest.insert(key, hash);
    let m = Manifest { format: MANIFEST_FORMAT.to_string(), files: o.manifest.clone() };
    let json = serde_json::to_string_pretty(&m).map_err(|e| Error::Write {
        path: root.join(MANIFEST).display().to_string(),
        source: std::io::Error::other(e),
    })?;
    // Written under the registry lock so that concurrent writers leave the last state.
    super::atomic::write_file(&root.join(MANIFEST), format!("{json}\n").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_files_pass_and_foreign_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        {
            let _o = prepare_output_dir(&out, false).expect("a missing folder is fine");
            crate::report::write_atomic(&out.join("summary.json"), b"{}").unwrap();
            crate::report::write_atomic(&out.join("plots/backlog.png"), b"png").unwrap();
        }
        drop(prepare_output_dir(&out, false).expect("a previous run is fine"));
        std::fs::write(out.join("thesis.docx"), "").unwrap();
        let e = prepare_output_dir(&out, false).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("thesis.docx") && e.to_string().contains("--force"), "{e}");
        drop(prepare_output_dir(&out, true).unwrap());
        std::fs::remove_file(out.join("thesis.docx")).unwrap();
        std::fs::write(out.join("plots/notes.txt"), "").unwrap();
        assert!(prepare_output_dir(&out, false).is_err(), "foreign files inside plots/ count too");
        std::fs::remove_file(out.join("plots/notes.txt")).unwrap();
        // A file with one of our names that downtime did not write, or changed since.
        std::fs::write(out.join("summary.json"), "{\"mine\": 1}").unwrap();
        let e = prepare_output_dir(&out, false).unwrap_err();
        assert!(e.to_string().contains("summary.json"), "{e}");
    }

    #[test]
    fn a_held_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let held = prepare_output_dir(&out, false).unwrap();
        let e = prepare_output_dir(&out, true).unwrap_err();
        assert_eq!(e.exit_code(), 1);
        assert!(e.to_string().contains("another downtime run"), "{e}");
        drop(held);
        drop(prepare_output_dir(&out, false).unwrap());
    }
}
