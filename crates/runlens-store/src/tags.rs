//! The run `tags` table.

use rusqlite::params;

use crate::{runs, Error, Result, Write};

/// Sets (or replaces) a run tag. Setting `mlflow.runName` renames the run, as in MLflow.
pub fn set(tx: &Write<'_>, run: i64, key: &str, value: &str) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO tags (run, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (run, key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![run, key, value])?;
    if key == "mlflow.runName" {
        runs::sync_name_from_tag(tx, run, value)?;
    }
    Ok(())
}

/// Deletes a run tag; a missing one is [`Error::NotFound`].
pub fn delete(tx: &Write<'_>, run: i64, run_id: &str, key: &str) -> Result<()> {
    let n = tx.execute("DELETE FROM tags WHERE run = ?1 AND key = ?2", params![run, key])?;
    if n == 0 {
        return Err(Error::NotFound(format!("No tag with name: {key} in run with id {run_id}")));
    }
    Ok(())
}
