//! The `experiments` and `experiment_tags` tables.

use rusqlite::{params, OptionalExtension, Row};

use crate::model::{Experiment, KeyValue, Lifecycle};
use crate::{Error, Read, Result, Write};

/// What is needed to create an experiment.
#[derive(Debug, Clone)]
pub struct NewExperiment {
    /// Unique name.
    pub name: String,
    /// Artifact location; `None` gives `mlflow-artifacts:/<id>`.
    pub artifact_location: Option<String>,
    /// Initial tags.
    pub tags: Vec<KeyValue>,
    /// Keep this id (imports); `None` takes the next free one.
    pub experiment_id: Option<i64>,
}

const COLUMNS: &str = "experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Experiment> {
    Ok(Experiment {
        experiment_id: r.get(0)?,
        name: r.get(1)?,
        artifact_location: r.get(2)?,
        lifecycle_stage: Lifecycle::parse(&r.get::<_, String>(3)?),
        creation_time: r.get(4)?,
        last_update_time: r.get(5)?,
        tags: Vec::new(),
    })
}

/// Creates the `Default` experiment (id 0) if there is none.
pub fn ensure_default(tx: &Write<'_>, now: i64) -> Result<()> {
    let exists: bool =
        tx.query_row("SELECT EXISTS(SELECT 1 FROM experiments WHERE experiment_id = 0)", [], |r| r.get(0))?;
    let name_taken = get_by_name(tx, "Default")?.is_some();
    if !exists && !name_taken {
        create(
            tx,
            NewExperiment { name: "Default".into(), artifact_location: None, tags: vec![], experiment_id: Some(0) },
            now,
        )?;
    }
    Ok(())
}

/// Creates an experiment and returns its id. A taken name is [`Error::AlreadyExists`].
pub fn create(tx: &Write<'_>, new: NewExperiment, now: i64) -> Result<i64> {
    if let Some(existing) = get_by_name(tx, &new.name)? {
        return Err(Error::AlreadyExists(format!(
            "Experiment '{}' already exists.{}",
            new.name,
            if existing.lifecycle_stage == Lifecycle::Deleted {
                " It is deleted: restore it or delete it permanently to reuse the name."
            } else {
                ""
            }
        )));
    }
    let id = match new.experiment_id {
        Some(id) => id,
        None => tx.query_row(
            "SELECT COALESCE(MAX(experiment_id) + 1, 1) FROM experiments WHERE experiment_id < 1000000000",
            [],
            |r| r.get(0),
        )?,
    };
    let location = new.artifact_location.unwrap_or_else(|| format!("mlflow-artifacts:/{id}"));
    tx.execute(
        "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
         VALUES (?1, ?2, ?3, 'active', ?4, ?4)",
        params![id, new.name, location, now],
    )?;
    for tag in &new.tags {
        set_tag(tx, id, &tag.key, &tag.value)?;
    }
    Ok(id)
}

/// Reads the tags of one experiment, in key order.
fn load_tags(conn: &Read, id: i64) -> Result<Vec<KeyValue>> {
    let mut stmt =
        conn.prepare_cached("SELECT key, value FROM experiment_tags WHERE experiment_id = ?1 ORDER BY key")?;
    let rows = stmt.query_map(params![id], |r| Ok(KeyValue::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The experiment with this id, with its tags; [`Error::NotFound`] if there is none.
pub fn get(conn: &Read, id: i64) -> Result<Experiment> {
    find(conn, id)?.ok_or_else(|| Error::NotFound(format!("No Experiment with id={id} exists")))
}

/// The experiment with this id, if any.
pub fn find(conn: &Read, id: i64) -> Result<Option<Experiment>> {
    let exp = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM experiments WHERE experiment_id = ?1"))?
        .query_row(params![id], from_row)
        .optional()?;
    match exp {
        Some(mut e) => {
            e.tags = load_tags(conn, id)?;
            Ok(Some(e))
        }
        None => Ok(None),
    }
}

/// The experiment with this name (active or deleted), if any.
pub fn get_by_name(conn: &Read, name: &str) -> Result<Option<Experiment>> {
    let exp = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM experiments WHERE name = ?1"))?
        .query_row(params![name], from_row)
        .optional()?;
    match exp {
        Some(mut e) => {
            e.tags = load_tags(conn, e.experiment_id)?;
            Ok(Some(e))
        }
        None => Ok(None),
    }
}

/// Loads the experiments with these ids in the given order (tags included).
pub fn get_many(conn: &Read, ids: &[i64]) -> Result<Vec<Experiment>> {
    ids.iter().map(|id| get(conn, *id)).collect()
}

fn touch(tx: &Write<'_>, id: i64, now: i64) -> Result<()> {
    tx.execute("UPDATE experiments SET last_update_time = ?2 WHERE experiment_id = ?1", params![id, now])?;
    Ok(())
}

/// Renames an experiment.
pub fn rename(tx: &Write<'_>, id: i64, new_name: &str, now: i64) -> Result<()> {
    let exp = get(tx, id)?;
    if exp.lifecycle_stage != Lifecycle::Active {
        return Err(Error::Invalid(format!("Cannot rename a non-active experiment. Experiment id={id} is deleted.")));
    }
    if let Some(other) = get_by_name(tx, new_name)? {
        if other.experiment_id != id {
            return Err(Error::AlreadyExists(format!("Experiment '{new_name}' already exists.")));
        }
    }
    tx.execute("UPDATE experiments SET name = ?2 WHERE experiment_id = ?1", params![id, new_name])?;
    touch(tx, id, now)
}

/// Marks an experiment (and its active runs) deleted, or restores it.
pub fn set_lifecycle(tx: &Write<'_>, id: i64, stage: Lifecycle, now: i64) -> Result<()> {
    let exp = get(tx, id)?;
    if id == 0 && stage == Lifecycle::Deleted {
        return Err(Error::Invalid(
            "Cannot delete the default experiment '0'. This is an internally reserved experiment.".into(),
        ));
    }
    let (from, deleted_time) = match stage {
        Lifecycle::Deleted => ("active", Some(now)),
        Lifecycle::Active => ("deleted", None),
    };
    if exp.lifecycle_stage == stage {
        let what = if stage == Lifecycle::Deleted { "deleted" } else { "active" };
        return Err(Error::Invalid(format!(
            "Cannot {} experiment with id={id}: it is already {what}.",
            if stage == Lifecycle::Deleted { "delete" } else { "restore" }
        )));
    }
    tx.execute("UPDATE experiments SET lifecycle_stage = ?2 WHERE experiment_id = ?1", params![id, stage.as_str()])?;
    // Like MLflow's SQL store, the experiment's runs follow it into and out of the bin.
    tx.execute(
        "UPDATE runs SET lifecycle_stage = ?2, deleted_time = ?3 WHERE experiment_id = ?1 AND lifecycle_stage = ?4",
        params![id, stage.as_str(), deleted_time, from],
    )?;
    touch(tx, id, now)
}

/// Sets (or replaces) an experiment tag.
pub fn set_tag(tx: &Write<'_>, id: i64, key: &str, value: &str) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![id, key, value])?;
    Ok(())
}

/// Deletes an experiment tag; a missing tag is [`Error::NotFound`].
pub fn delete_tag(tx: &Write<'_>, id: i64, key: &str) -> Result<()> {
    let n = tx.execute("DELETE FROM experiment_tags WHERE experiment_id = ?1 AND key = ?2", params![id, key])?;
    if n == 0 {
        return Err(Error::NotFound(format!("No tag with name: {key} in experiment with id {id}")));
    }
    Ok(())
}

/// Checks that an experiment exists and is active (runs may only be created in active ones).
pub fn require_active(conn: &Read, id: i64) -> Result<Experiment> {
    let exp = get(conn, id)?;
    if exp.lifecycle_stage != Lifecycle::Active {
        return Err(Error::Invalid(format!(
            "The experiment {id} must be in the 'active' state. Current state is deleted."
        )));
    }
    Ok(exp)
}

/// An experiment as another store recorded it (imports keep MLflow's ids and times).
#[derive(Debug, Clone)]
pub struct ImportedExperiment {
    /// MLflow's id.
    pub experiment_id: i64,
    /// Name.
    pub name: String,
    /// Active or deleted.
    pub lifecycle_stage: Lifecycle,
    /// Creation (ms).
    pub creation_time: Option<i64>,
    /// Last update (ms).
    pub last_update_time: Option<i64>,
}

/// Creates or updates an imported experiment under its own id. A name already used by an
/// experiment with another id is [`Error::AlreadyExists`].
pub fn upsert_imported(tx: &Write<'_>, e: &ImportedExperiment) -> Result<()> {
    if let Some(other) = get_by_name(tx, &e.name)? {
        if other.experiment_id != e.experiment_id {
            return Err(Error::AlreadyExists(format!(
                "an experiment named '{}' already exists here with id {} (the imported one has id {})",
                e.name, other.experiment_id, e.experiment_id
            )));
        }
    }
    tx.execute(
        "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (experiment_id) DO UPDATE SET name = excluded.name, lifecycle_stage = excluded.lifecycle_stage,
           creation_time = COALESCE(excluded.creation_time, creation_time),
           last_update_time = MAX(COALESCE(excluded.last_update_time, 0), COALESCE(last_update_time, 0))",
        params![
            e.experiment_id,
            e.name,
            format!("mlflow-artifacts:/{}", e.experiment_id),
            e.lifecycle_stage.as_str(),
            e.creation_time,
            e.last_update_time
        ],
    )?;
    Ok(())
}
