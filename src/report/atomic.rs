//! Atomic file writes: write beside the target into an exclusively created temporary with an
//! unpredictable name, flush it to disk, rename it into place, flush the folder. An interrupted
//! run never leaves a half-written file under a final name, and a link planted in the folder
//! cannot redirect the write: the temporary is created with `O_EXCL` (never through a link), the
//! rename replaces a link rather than writing through it, and inside a registered output folder
//! ([`super::prepare_output_dir`]) every folder on the way must be a real folder. Files written
//! into a registered output folder are listed in its manifest.

use std::io::Write;
use std::path::Path;

use super::output_dir;
use crate::error::Error;

/// Write `bytes` to `path` atomically, creating parent folders (inside a registered output
/// folder: never through a link). An existing device, folder or other special file at `path` is
/// refused (usage error, exit code 2).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let root = output_dir::root_of(path);
    if let Some(root) = &root {
        output_dir::make_dirs_nofollow(root, parent(path))?;
    }
    write_file(path, bytes)?;
    if let Some(root) = &root {
        output_dir::record(root, path, bytes)?;
    }
    Ok(())
}

fn parent(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// The write itself, without the manifest.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let err = |source| Error::Write { path: path.display().to_string(), source };
    let dir = parent(path);
    std::fs::create_dir_all(dir).map_err(err)?;
    if let Ok(m) = std::fs::symlink_metadata(path) {
        let t = m.file_type();
        if !t.is_file() && !t.is_symlink() {
            return Err(Error::Usage(format!(
                "`{}` is a folder, device or other special file, not a regular file; downtime replaces only regular files",
                path.display()
            )));
        }
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // Keep the temporary's name well below the 255-byte limit of most file systems.
    let stem: String = name.chars().take(64).collect();
    let mut builder = tempfile::Builder::new();
    // Readable as any file the user creates (the umask applies), not tempfile's owner-only 0600.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder
        .prefix(&format!("{}{stem}.", output_dir::TEMP_PREFIX))
        .suffix(output_dir::TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    // On failure the temporary is removed when `tmp` (or the error holding it) is dropped.
    tmp.persist(path).map_err(|e| err(e.error))?;
    sync_dir(dir);
    Ok(())
}

/// Flush a folder's entries (the rename) to disk; best effort where folders cannot be opened.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}
