//! Opening input files (scenarios, sweeps, decisions, partial results): only regular files are
//! read. A FIFO, a device, a socket or a folder is refused at once, without blocking: the file
//! is opened non-blocking and checked on the open handle (so it cannot be swapped between the
//! check and the read). A UTF-8 byte-order mark at the start of a text is dropped.

use std::fs::File;
use std::path::Path;

/// Open `path` for reading if it is a regular file (a link to one is fine); anything else is an
/// `InvalidInput` error saying what it is.
pub fn open_regular(path: &Path) -> std::io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // A FIFO opened for reading would wait for a writer; non-blocking, it opens at once.
        o.custom_flags(libc::O_NONBLOCK);
    }
    let file = o.open(path)?;
    let kind = file.metadata()?.file_type();
    if !kind.is_file() {
        let what = describe(&kind);
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("it is {what}, not a regular file; give a file"),
        ));
    }
    Ok(file)
}

fn describe(kind: &std::fs::FileType) -> &'static str {
    if kind.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}

/// Drop a UTF-8 byte-order mark at the start of `text` (editors on Windows write one).
pub fn strip_bom(text: &mut String) {
    if text.starts_with('\u{FEFF}') {
        text.drain(..'\u{FEFF}'.len_utf8());
    }
}
