//! The `params` table. A param, once logged, never changes value.

use rusqlite::{params, OptionalExtension};

use crate::{keys, Error, Result, Write};

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

/// Sets a param to the value a source store holds (imports: the source is the truth).
pub fn set_imported(tx: &Write<'_>, run: i64, key: &str, value: &str) -> Result<()> {
    let key_id = keys::intern(tx, key)?;
    tx.prepare_cached(
        "INSERT INTO params (run, key, value) VALUES (?1, ?2, ?3) ON CONFLICT (run, key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![run, key_id, value])?;
    Ok(())
}
