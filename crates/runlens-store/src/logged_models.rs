//! MLflow 3 logged models (`m-…`): their params, tags and metrics.

use rusqlite::{params, OptionalExtension, Row};

use crate::model::{decode_value, encode_value, KeyValue, Metric};
use crate::{experiments, Error, Read, Result, Write};

/// A logged model.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedModel {
    /// `m-<uuid hex>`.
    pub model_id: String,
    /// Owning experiment.
    pub experiment_id: i64,
    /// Name (e.g. `model`).
    pub name: String,
    /// `mlflow-artifacts:/<exp>/models/<id>/artifacts`.
    pub artifact_location: String,
    /// Creation (ms).
    pub creation_time: i64,
    /// Last update (ms).
    pub last_updated_time: i64,
    /// `LOGGED_MODEL_PENDING`, `LOGGED_MODEL_READY`, `LOGGED_MODEL_UPLOAD_FAILED`.
    pub status: String,
    /// Status detail.
    pub status_message: Option<String>,
    /// Active or deleted.
    pub lifecycle_stage: String,
    /// Model type.
    pub model_type: Option<String>,
    /// The run that logged it.
    pub source_run_id: Option<String>,
    /// Tags.
    pub tags: Vec<KeyValue>,
    /// Params.
    pub params: Vec<KeyValue>,
    /// Metrics linked to it (with the run that logged each, in `Metric::model_id`'s place).
    pub metrics: Vec<(Metric, String)>,
}

/// What is needed to create a logged model.
#[derive(Debug, Clone, Default)]
pub struct NewLoggedModel {
    /// Keep this id (imports); `None` makes `m-<uuid>`.
    pub model_id: Option<String>,
    /// Owning experiment (must be active).
    pub experiment_id: i64,
    /// Name.
    pub name: String,
    /// Model type.
    pub model_type: Option<String>,
    /// Source run.
    pub source_run_id: Option<String>,
    /// Params.
    pub params: Vec<KeyValue>,
    /// Tags.
    pub tags: Vec<KeyValue>,
}

const COLUMNS: &str = "model_id, experiment_id, name, artifact_location, creation_time, last_updated_time, status, status_message, lifecycle_stage, model_type, source_run_id";

fn from_row(r: &Row<'_>) -> rusqlite::Result<LoggedModel> {
    Ok(LoggedModel {
        model_id: r.get(0)?,
        experiment_id: r.get(1)?,
        name: r.get(2)?,
        artifact_location: r.get(3)?,
        creation_time: r.get(4)?,
        last_updated_time: r.get(5)?,
        status: r.get(6)?,
        status_message: r.get(7)?,
        lifecycle_stage: r.get(8)?,
        model_type: r.get(9)?,
        source_run_id: r.get(10)?,
        tags: Vec::new(),
        params: Vec::new(),
        metrics: Vec::new(),
    })
}

/// Creates a logged model in `LOGGED_MODEL_PENDING` state.
pub fn create(tx: &Write<'_>, new: NewLoggedModel, now: i64) -> Result<LoggedModel> {
    let exp = experiments::require_active(tx, new.experiment_id)?;
    let id = new.model_id.unwrap_or_else(|| format!("m-{}", uuid::Uuid::new_v4().simple()));
    let location = format!("{}/models/{id}/artifacts", exp.artifact_location.trim_end_matches('/'));
    tx.execute(
        "INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_time, last_updated_time, status, model_type, source_run_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, 'LOGGED_MODEL_PENDING', ?6, ?7)",
        params![id, new.experiment_id, new.name, location, now, new.model_type, new.source_run_id],
    )?;
    for p in &new.params {
        log_param(tx, &id, &p.key, &p.value)?;
    }
    for t in &new.tags {
        set_tag(tx, &id, &t.key, &t.value)?;
    }
    get(tx, &id)
}

/// The model, with params, tags and metrics.
pub fn get(conn: &Read, model_id: &str) -> Result<LoggedModel> {
    let mut m = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM logged_models WHERE model_id = ?1"))?
        .query_row(params![model_id], from_row)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("Logged model with ID '{model_id}' not found.")))?;
    let kv = |sql: &str| -> Result<Vec<KeyValue>> {
        let mut stmt = conn.prepare_cached(sql)?;
        let rows =
            stmt.query_map(params![model_id], |r| Ok(KeyValue::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    };
    m.tags = kv("SELECT key, value FROM logged_model_tags WHERE model_id = ?1 ORDER BY key")?;
    m.params = kv("SELECT key, value FROM logged_model_params WHERE model_id = ?1 ORDER BY key")?;
    let mut stmt = conn.prepare_cached(
        "SELECT key, value, kind, timestamp, step, run_id, dataset_name, dataset_digest FROM logged_model_metrics
         WHERE model_id = ?1 ORDER BY key, step, timestamp",
    )?;
    m.metrics = stmt
        .query_map(params![model_id], |r| {
            let metric = Metric {
                key: r.get(0)?,
                value: decode_value(r.get(1)?, r.get(2)?),
                timestamp: r.get(3)?,
                step: r.get(4)?,
                model_id: Some(model_id.to_string()),
                dataset_name: r.get(6)?,
                dataset_digest: r.get(7)?,
            };
            Ok((metric, r.get::<_, String>(5)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(m)
}

fn touch(tx: &Write<'_>, model_id: &str, now: i64) -> Result<()> {
    tx.execute("UPDATE logged_models SET last_updated_time = ?2 WHERE model_id = ?1", params![model_id, now])?;
    Ok(())
}

/// Sets a model's status (`finalize`).
pub fn set_status(tx: &Write<'_>, model_id: &str, status: &str, now: i64) -> Result<LoggedModel> {
    get(tx, model_id)?;
    tx.execute("UPDATE logged_models SET status = ?2 WHERE model_id = ?1", params![model_id, status])?;
    touch(tx, model_id, now)?;
    get(tx, model_id)
}

/// Sets (or replaces) a tag.
pub fn set_tag(tx: &Write<'_>, model_id: &str, key: &str, value: &str) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO logged_model_tags (model_id, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![model_id, key, value])?;
    Ok(())
}

/// Deletes a tag.
pub fn delete_tag(tx: &Write<'_>, model_id: &str, key: &str) -> Result<()> {
    get(tx, model_id)?;
    let n = tx.execute("DELETE FROM logged_model_tags WHERE model_id = ?1 AND key = ?2", params![model_id, key])?;
    if n == 0 {
        return Err(Error::NotFound(format!("No tag with key '{key}' found for logged model with ID '{model_id}'.")));
    }
    Ok(())
}

/// Logs a param (a different value for the same key replaces it, as in MLflow).
pub fn log_param(tx: &Write<'_>, model_id: &str, key: &str, value: &str) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO logged_model_params (model_id, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![model_id, key, value])?;
    Ok(())
}

/// Records metric points that name a logged model (`Metric::model_id`) against that model.
/// Points naming a model that does not exist are kept in the run's history only.
pub fn link_metrics(tx: &Write<'_>, run_id: &str, points: &[Metric]) -> Result<()> {
    for m in points {
        let Some(model_id) = &m.model_id else {
            continue;
        };
        let exists: bool = tx
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM logged_models WHERE model_id = ?1)")?
            .query_row(params![model_id], |r| r.get(0))?;
        if !exists {
            continue;
        }
        let (value, kind) = encode_value(m.value);
        tx.prepare_cached(
            "INSERT INTO logged_model_metrics (model_id, key, step, timestamp, value, kind, run_id, dataset_name, dataset_digest)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (model_id, key, step, timestamp, run_id) DO UPDATE SET value = excluded.value, kind = excluded.kind",
        )?
        .execute(params![model_id, m.key, m.step, m.timestamp, value, kind, run_id, m.dataset_name, m.dataset_digest])?;
    }
    Ok(())
}

/// Marks a model deleted.
pub fn delete(tx: &Write<'_>, model_id: &str, now: i64) -> Result<()> {
    get(tx, model_id)?;
    tx.execute("UPDATE logged_models SET lifecycle_stage = 'deleted' WHERE model_id = ?1", params![model_id])?;
    touch(tx, model_id, now)
}

/// A logged model as another store recorded it.
#[derive(Debug, Clone)]
pub struct ImportedLoggedModel {
    /// `m-…`.
    pub model_id: String,
    /// Owning experiment.
    pub experiment_id: i64,
    /// Name.
    pub name: String,
    /// Creation (ms).
    pub creation_time: i64,
    /// Last update (ms).
    pub last_updated_time: i64,
    /// `LOGGED_MODEL_*`.
    pub status: String,
    /// Status detail.
    pub status_message: Option<String>,
    /// Model type.
    pub model_type: Option<String>,
    /// Source run.
    pub source_run_id: Option<String>,
    /// Where its files are, or `None` for the store's own folder.
    pub artifact_dir: Option<String>,
}

/// Creates or updates an imported logged model under its own id.
pub fn upsert_imported(tx: &Write<'_>, m: &ImportedLoggedModel) -> Result<()> {
    let exp = experiments::get(tx, m.experiment_id)?;
    let location = format!("{}/models/{}/artifacts", exp.artifact_location.trim_end_matches('/'), m.model_id);
    tx.execute(
        "INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, artifact_dir, creation_time, last_updated_time, status, status_message, model_type, source_run_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (model_id) DO UPDATE SET name = excluded.name, artifact_location = excluded.artifact_location,
           artifact_dir = excluded.artifact_dir, last_updated_time = excluded.last_updated_time, status = excluded.status,
           status_message = excluded.status_message, model_type = excluded.model_type, source_run_id = excluded.source_run_id",
        params![
            m.model_id,
            m.experiment_id,
            m.name,
            location,
            m.artifact_dir,
            m.creation_time,
            m.last_updated_time,
            m.status,
            m.status_message,
            m.model_type,
            m.source_run_id
        ],
    )?;
    Ok(())
}

/// Adds a metric point to a logged model (imports).
pub fn log_metric(tx: &Write<'_>, model_id: &str, run_id: &str, m: &Metric) -> Result<()> {
    let (value, kind) = encode_value(m.value);
    tx.prepare_cached(
        "INSERT INTO logged_model_metrics (model_id, key, step, timestamp, value, kind, run_id, dataset_name, dataset_digest)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (model_id, key, step, timestamp, run_id) DO UPDATE SET value = excluded.value, kind = excluded.kind",
    )?
    .execute(params![model_id, m.key, m.step, m.timestamp, value, kind, run_id, m.dataset_name, m.dataset_digest])?;
    Ok(())
}
