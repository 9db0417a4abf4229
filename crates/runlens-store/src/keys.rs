//! Interned metric and param keys.

use rusqlite::{params, OptionalExtension};

use crate::{Read, Result, Write};

/// The id of `name`, interning it if new.
pub fn intern(tx: &Write<'_>, name: &str) -> Result<i64> {
    if let Some(id) = lookup(tx, name)? {
        return Ok(id);
    }
    tx.prepare_cached("INSERT INTO keys (name) VALUES (?1)")?.execute(params![name])?;
    Ok(tx.last_insert_rowid())
}

/// The id of `name`, if it was ever used.
pub fn lookup(conn: &Read, name: &str) -> Result<Option<i64>> {
    Ok(conn.prepare_cached("SELECT id FROM keys WHERE name = ?1")?.query_row(params![name], |r| r.get(0)).optional()?)
}
