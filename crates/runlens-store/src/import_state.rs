//! Import bookkeeping: read offsets of imported metric files, and watched folders.

use rusqlite::{params, OptionalExtension};

use crate::{Read, Result, Write};

/// How many bytes of a metric file were imported already.
pub fn offset(conn: &Read, path: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT offset FROM import_offsets WHERE path = ?1")?
        .query_row(params![path], |r| r.get(0))
        .optional()?)
}

/// Records how far a metric file of a run was imported.
pub fn set_offset(tx: &Write<'_>, path: &str, run: i64, offset: i64) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO import_offsets (path, run, offset) VALUES (?1, ?2, ?3)
         ON CONFLICT (path) DO UPDATE SET run = excluded.run, offset = excluded.offset",
    )?
    .execute(params![path, run, offset])?;
    Ok(())
}

/// A folder the desktop app keeps importing while it changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchedFolder {
    /// The folder or file.
    pub path: String,
    /// Being watched?
    pub enabled: bool,
    /// When it was added (ms).
    pub added_time: i64,
}

/// Adds (or re-enables) a watched folder.
pub fn add_watched(tx: &Write<'_>, path: &str, now: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO watched_folders (path, enabled, added_time) VALUES (?1, 1, ?2)
         ON CONFLICT (path) DO UPDATE SET enabled = 1",
        params![path, now],
    )?;
    Ok(())
}

/// Turns watching a folder on or off.
pub fn set_watched_enabled(tx: &Write<'_>, path: &str, enabled: bool) -> Result<bool> {
    Ok(tx.execute("UPDATE watched_folders SET enabled = ?2 WHERE path = ?1", params![path, enabled])? > 0)
}

/// Forgets a watched folder.
pub fn remove_watched(tx: &Write<'_>, path: &str) -> Result<bool> {
    Ok(tx.execute("DELETE FROM watched_folders WHERE path = ?1", params![path])? > 0)
}

/// All watched folders, oldest first.
pub fn watched(conn: &Read) -> Result<Vec<WatchedFolder>> {
    let mut stmt =
        conn.prepare_cached("SELECT path, enabled, added_time FROM watched_folders ORDER BY added_time, path")?;
    let rows =
        stmt.query_map([], |r| Ok(WatchedFolder { path: r.get(0)?, enabled: r.get(1)?, added_time: r.get(2)? }))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
