//! Careful reads: only regular files (never a FIFO, device or symlink), and only up to a
//! size, so a damaged tree can neither block nor exhaust the importer.

use std::io::Read;
use std::path::Path;

/// The most a metadata or param/tag file may hold.
pub const MAX_SMALL_FILE: u64 = 1024 * 1024;

/// Is it a regular file, not following symlinks?
pub fn is_regular_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}

/// Is it a real folder, not following symlinks?
pub fn is_dir(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_dir())
}

/// Reads a small UTF-8 file, or says why not.
pub fn read_small(path: &Path) -> Result<String, String> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    let ft = meta.file_type();
    if ft.is_symlink() {
        return Err("a symlink: not followed".into());
    }
    if ft.is_dir() {
        return Err("a folder where a file belongs".into());
    }
    if !ft.is_file() {
        return Err("not a regular file (named pipe, socket or device): not opened".into());
    }
    if meta.len() > MAX_SMALL_FILE {
        return Err(format!("{} bytes, more than the {} allowed for this kind of file", meta.len(), MAX_SMALL_FILE));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_SMALL_FILE + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read: {e}"))?;
    String::from_utf8(bytes).map_err(|_| "not valid UTF-8 text".into())
}

/// A path that could not be read, and why.
pub type Problem = (std::path::PathBuf, String);

/// Every regular file under `dir` as (key, path), the key being the `/`-joined relative
/// path (MLflow stores `train/loss` as `metrics/train/loss`). Symlinks are reported, not
/// followed, so loops cannot trap the walk.
pub fn keyed_files(dir: &Path) -> (Vec<(String, std::path::PathBuf)>, Vec<Problem>) {
    let mut files = Vec::new();
    let mut bad = Vec::new();
    walk(dir, "", &mut files, &mut bad);
    files.sort();
    (files, bad)
}

fn walk(dir: &Path, prefix: &str, files: &mut Vec<(String, std::path::PathBuf)>, bad: &mut Vec<Problem>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            bad.push((dir.to_path_buf(), format!("cannot list: {e}")));
            return;
        }
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let key = if prefix.is_empty() { name.clone() } else { format!("{prefix}/{name}") };
        match entry.file_type() {
            Ok(ft) if ft.is_dir() => walk(&entry.path(), &key, files, bad),
            Ok(ft) if ft.is_file() => files.push((key, entry.path())),
            Ok(ft) if ft.is_symlink() => bad.push((entry.path(), "a symlink: not followed".into())),
            Ok(_) => bad.push((entry.path(), "not a regular file (named pipe, socket or device): not opened".into())),
            Err(e) => bad.push((entry.path(), format!("cannot read: {e}"))),
        }
    }
}
