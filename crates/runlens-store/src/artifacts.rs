//! The artifact folder, and the one function every artifact path goes through.
//!
//! Invariant: no path leaves [`resolve`] pointing outside the root it was given, whatever
//! the input: `..`, absolute paths, backslashes, NUL bytes or symlinks that lead out.

use std::path::{Component, Path, PathBuf};

use crate::{Error, Result};

/// Resolves `relative` (a `/`-separated path, already percent-decoded) inside `root`.
///
/// Refused: absolute paths, `..`, backslashes, NUL bytes, Windows drive prefixes, and any
/// path whose existing part leads outside `root` through a symlink. An empty path is the
/// root itself.
pub fn resolve(root: &Path, relative: &str) -> Result<PathBuf> {
    let refuse = |why: &str| Err(Error::Invalid(format!("Invalid artifact path '{relative}': {why}")));
    if relative.contains('\0') {
        return refuse("it contains a NUL byte");
    }
    if relative.contains('\\') {
        return refuse("backslashes are not allowed");
    }
    if relative.starts_with('/') {
        return refuse("it must be relative");
    }
    let mut out = root.to_path_buf();
    for part in relative.split('/') {
        match part {
            "" | "." => continue,
            ".." => return refuse("'..' is not allowed"),
            p if p.len() >= 2 && p.as_bytes()[1] == b':' && p.as_bytes()[0].is_ascii_alphabetic() => {
                return refuse("drive prefixes are not allowed")
            }
            p => {
                // A single segment must be a plain name on this platform too.
                let seg = Path::new(p);
                if seg.components().count() != 1 || !matches!(seg.components().next(), Some(Component::Normal(_))) {
                    return refuse("invalid segment");
                }
                out.push(p);
            }
        }
    }
    contained(root, &out).map_err(|_| {
        Error::Invalid(format!("Invalid artifact path '{relative}': it leads outside the artifact root"))
    })?;
    Ok(out)
}

/// Checks that the existing part of `path` really lies under `root` once symlinks are
/// followed.
fn contained(root: &Path, path: &Path) -> std::result::Result<(), ()> {
    let Ok(real_root) = root.canonicalize() else {
        // A root that does not exist yet cannot contain a symlink out.
        return Ok(());
    };
    let mut probe = path.to_path_buf();
    loop {
        if let Ok(real) = probe.canonicalize() {
            return if real.starts_with(&real_root) { Ok(()) } else { Err(()) };
        }
        if !probe.pop() {
            return Ok(());
        }
    }
}

/// The regular files under `root` (paths relative to it, `/`-separated, with sizes), at most
/// `max`, depth-first: a folder's files in name order, then its subfolders. Links, special
/// files and half-written uploads are left out: what a folder holds, not what a link points
/// at. The flag says the list stopped at `max`.
pub fn regular_files(root: &Path, max: usize) -> (Vec<(String, u64)>, bool) {
    let mut files = Vec::new();
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|e| std::cmp::Reverse(e.file_name()));
        let mut subdirs = Vec::new();
        let mut here = Vec::new();
        for e in entries {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(UPLOAD_PREFIX) {
                continue;
            }
            let Ok(meta) = std::fs::symlink_metadata(e.path()) else { continue };
            let path = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
            if meta.is_dir() {
                subdirs.push((e.path(), path));
            } else if meta.is_file() {
                here.push((path, meta.len()));
            }
        }
        here.reverse();
        for f in here {
            if files.len() == max {
                return (files, true);
            }
            files.push(f);
        }
        stack.extend(subdirs);
    }
    (files, false)
}

/// How the server names an upload while it is being written (renamed into place when whole).
pub const UPLOAD_PREFIX: &str = ".runlens-upload-";

/// The store's own folder for a run's artifacts: `<root>/<experiment>/<run>/artifacts`.
pub fn run_dir(root: &Path, experiment_id: i64, run_id: &str) -> Result<PathBuf> {
    resolve(root, &format!("{experiment_id}/{run_id}/artifacts"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, ok: bool) {
        let dir = tempfile::tempdir().unwrap();
        let got = resolve(dir.path(), input);
        assert_eq!(got.is_ok(), ok, "resolve({input:?}) gave {got:?}");
        if let Ok(p) = got {
            assert!(p.starts_with(dir.path()), "{p:?} escapes the root");
        }
    }

    #[test]
    fn traversal_forms_are_refused() {
        for bad in ["../x", "a/../../x", "/etc/passwd", "a\\..\\b", "C:/x", "a/\0b", "..", "a/.."] {
            check(bad, false);
        }
    }

    #[test]
    fn ordinary_paths_resolve() {
        for good in ["", "a.txt", "dir x/hello.txt", "r\u{e9}sum\u{e9}/a+b#c;d.txt", "a/./b", "a//b", "..hidden"] {
            check(good, true);
        }
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_root_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).unwrap();
        assert!(resolve(dir.path(), "link/secret").is_err());
        std::fs::create_dir(dir.path().join("real")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("inner")).unwrap();
        assert!(resolve(dir.path(), "inner/file").is_ok());
    }
}
