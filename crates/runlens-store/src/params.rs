//! The `params` table. A param, once logged, never changes value.

use rusqlite::{params, OptionalExtension};

use crate::model::KeyValue;
use crate::{keys, Error, Read, Result, Write};

/// Logs a param. Logging the same value again is a no-op; a different value is
/// [`Error::Invalid`], with MLflow's message.
pub fn log(tx: &Write<'_>, run: i64, run_id: &str, key: &str, value: &str) -> Result<()> {
    let key_id = keys::intern(tx, key)?;
    let existing: Option<String> = tx
        .prepare_cached("SELECT value FROM params WHERE run = ?1 AND key = ?2")?
        .query_row(params![run, key_id], |r| r.get(0))
        .optional()?;
    match existing {
        Some(old) if old == value => Ok(()),
        Some(old) => Err(Error::Invalid(format!(
            "Changing param values is not allowed. Param with key='{key}' was already logged with value='{old}' for run ID='{run_id}'. Attempted logging new value '{value}'."
        ))),
        None => {
            tx.prepare_cached("INSERT INTO params (run, key, value) VALUES (?1, ?2, ?3)")?
                .execute(params![run, key_id, value])?;
            Ok(())
        }
    }
}

/// All params of a run, in key order.
pub fn list(conn: &Read, run: i64) -> Result<Vec<KeyValue>> {
    let mut stmt = conn.prepare_cached(
        "SELECT k.name, p.value FROM params p JOIN keys k ON k.id = p.key WHERE p.run = ?1 ORDER BY k.name",
    )?;
    let rows = stmt.query_map(params![run], |r| Ok(KeyValue::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Sets a param to the value a source store holds (imports: the source is the truth).
pub fn set_imported(tx: &Write<'_>, run: i64, key: &str, value: &str) -> Result<()> {
    let key_id = keys::intern(tx, key)?;
    tx.prepare_cached(
        "INSERT INTO params (run, key, value) VALUES (?1, ?2, ?3) ON CONFLICT (run, key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![run, key_id, value])?;
    Ok(())
}
