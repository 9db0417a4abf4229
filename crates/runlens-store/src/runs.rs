//! The `runs` table: creating, reading, updating and deleting runs.

use rusqlite::{params, OptionalExtension, Row};

use crate::model::{KeyValue, Lifecycle, Run, RunInfo, RunStatus};
use crate::{experiments, tags, Error, Read, Result, Write};

/// What is needed to create a run.
#[derive(Debug, Clone)]
pub struct NewRun {
    /// Keep this id (imports); `None` makes a fresh uuid4 hex.
    pub run_id: Option<String>,
    /// Owning experiment (must be active).
    pub experiment_id: i64,
    /// Display name; empty to take `mlflow.runName` from the tags or invent one.
    pub run_name: String,
    /// Who.
    pub user_id: String,
    /// Start (ms).
    pub start_time: Option<i64>,
    /// Initial tags.
    pub tags: Vec<KeyValue>,
}

/// The columns of [`RunInfo`], in [`info_from_row`] order, for a `runs r` alias.
const INFO_COLUMNS: &str = "r.run_uuid, r.experiment_id, r.name, r.user_id, r.status, r.start_time, r.end_time, r.artifact_uri, r.lifecycle_stage";

fn info_from_row(r: &Row<'_>) -> rusqlite::Result<RunInfo> {
    Ok(RunInfo {
        run_id: r.get(0)?,
        experiment_id: r.get(1)?,
        run_name: r.get(2)?,
        user_id: r.get(3)?,
        status: r.get::<_, String>(4)?.parse().unwrap_or(RunStatus::Running),
        start_time: r.get(5)?,
        end_time: r.get(6)?,
        artifact_uri: r.get(7)?,
        lifecycle_stage: Lifecycle::parse(&r.get::<_, String>(8)?),
    })
}

/// Word lists for the names MLflow gives unnamed runs (`adjective-noun-123`).
const ADJECTIVES: &[&str] = &[
    "amazing",
    "bold",
    "brave",
    "bright",
    "calm",
    "clever",
    "crisp",
    "dapper",
    "eager",
    "fancy",
    "gentle",
    "glamorous",
    "honest",
    "jolly",
    "keen",
    "lucky",
    "merciful",
    "nimble",
    "polite",
    "quick",
    "quirky",
    "rare",
    "silent",
    "smiling",
    "sneaky",
    "stately",
    "sunny",
    "tasteful",
    "thundering",
    "wise",
];
const NOUNS: &[&str] = &[
    "ant", "bass", "bat", "bear", "bee", "carp", "cat", "cod", "colt", "crab", "deer", "dog", "doe", "donkey", "eel",
    "fawn", "finch", "fox", "goat", "hare", "hawk", "hen", "hog", "jay", "lamb", "lark", "mole", "moth", "owl", "ox",
    "panda", "ram", "seal", "shrike", "slug", "snake", "sow", "squid", "stag", "swan", "toad", "trout", "whale",
    "wolf", "worm", "wren", "yak", "zebra",
];

fn generated_name(run_id: &str) -> String {
    // Derived from the random run id, so it needs no randomness of its own.
    let n = u128::from_str_radix(run_id, 16).unwrap_or(0);
    let adj = ADJECTIVES[(n % ADJECTIVES.len() as u128) as usize];
    let noun = NOUNS[((n >> 16) % NOUNS.len() as u128) as usize];
    format!("{adj}-{noun}-{}", (n >> 32) % 1000)
}

/// Creates a run in `RUNNING` state and returns it.
pub fn create(tx: &Write<'_>, new: NewRun) -> Result<Run> {
    let exp = experiments::require_active(tx, new.experiment_id)?;
    let run_id = new.run_id.unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let tag_name = new.tags.iter().find(|t| t.key == "mlflow.runName").map(|t| t.value.clone());
    if let Some(tag_name) = &tag_name {
        if !new.run_name.is_empty() && *tag_name != new.run_name {
            return Err(Error::Invalid(format!(
                "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='{}', mlflow.runName='{}').",
                new.run_name, tag_name
            )));
        }
    }
    let name = if !new.run_name.is_empty() {
        new.run_name.clone()
    } else {
        tag_name.unwrap_or_else(|| generated_name(&run_id))
    };
    let artifact_uri = format!("{}/{}/artifacts", exp.artifact_location.trim_end_matches('/'), run_id);
    let inserted = tx.execute(
        "INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, artifact_uri)
         VALUES (?1, ?2, ?3, ?4, 'RUNNING', ?5, ?6)
         ON CONFLICT (run_uuid) DO NOTHING",
        params![run_id, new.experiment_id, name, new.user_id, new.start_time, artifact_uri],
    )?;
    if inserted == 0 {
        return Err(Error::AlreadyExists(format!("Run with id={run_id} already exists")));
    }
    let handle = tx.last_insert_rowid();
    for tag in &new.tags {
        tags::set(tx, handle, &tag.key, &tag.value)?;
    }
    tags::set(tx, handle, "mlflow.runName", &name)?;
    get(tx, &run_id)
}

/// The integer handle of a run (any lifecycle); [`Error::NotFound`] if there is none.
pub fn handle(conn: &Read, run_id: &str) -> Result<i64> {
    conn.prepare_cached("SELECT id FROM runs WHERE run_uuid = ?1")?
        .query_row(params![run_id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("Run with id={run_id} not found")))
}

/// The handle of a run that may be written to: it must exist and be active.
pub fn active_handle(conn: &Read, run_id: &str) -> Result<i64> {
    let (id, stage): (i64, String) = conn
        .prepare_cached("SELECT id, lifecycle_stage FROM runs WHERE run_uuid = ?1")?
        .query_row(params![run_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("Run with id={run_id} not found")))?;
    if stage != "active" {
        return Err(Error::Invalid(format!(
            "The run {run_id} must be in the 'active' state. Current state is {stage}."
        )));
    }
    Ok(id)
}

/// The attributes of one run.
pub fn info(conn: &Read, run_id: &str) -> Result<RunInfo> {
    conn.prepare_cached(&format!("SELECT {INFO_COLUMNS} FROM runs r WHERE r.run_uuid = ?1"))?
        .query_row(params![run_id], info_from_row)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("Run with id={run_id} not found")))
}

/// A whole run: attributes, latest metrics, params, tags, inputs, outputs.
pub fn get(conn: &Read, run_id: &str) -> Result<Run> {
    let handle = handle(conn, run_id)?;
    load_many(conn, &[handle])?.pop().ok_or_else(|| Error::NotFound(format!("Run with id={run_id} not found")))
}

/// What `runs/update` may change.
#[derive(Debug, Clone, Default)]
pub struct RunUpdate {
    /// New status.
    pub status: Option<RunStatus>,
    /// New end time.
    pub end_time: Option<i64>,
    /// New name (also written to the `mlflow.runName` tag).
    pub run_name: Option<String>,
}

/// Updates a run's status, end time and name; returns the new attributes.
pub fn update(tx: &Write<'_>, run_id: &str, update: RunUpdate) -> Result<RunInfo> {
    let handle = active_handle(tx, run_id)?;
    if let Some(status) = update.status {
        tx.execute("UPDATE runs SET status = ?2 WHERE id = ?1", params![handle, status.as_str()])?;
    }
    if let Some(end) = update.end_time {
        tx.execute("UPDATE runs SET end_time = ?2 WHERE id = ?1", params![handle, end])?;
    }
    if let Some(name) = update.run_name.filter(|n| !n.is_empty()) {
        tx.execute("UPDATE runs SET name = ?2 WHERE id = ?1", params![handle, name])?;
        tags::set(tx, handle, "mlflow.runName", &name)?;
    }
    info(tx, run_id)
}

/// Deletes (to the bin) or restores a run.
pub fn set_lifecycle(tx: &Write<'_>, run_id: &str, stage: Lifecycle, now: i64) -> Result<()> {
    let handle = handle(tx, run_id)?;
    let deleted_time = (stage == Lifecycle::Deleted).then_some(now);
    tx.execute(
        "UPDATE runs SET lifecycle_stage = ?2, deleted_time = ?3 WHERE id = ?1",
        params![handle, stage.as_str(), deleted_time],
    )?;
    Ok(())
}

/// Renames a run when its `mlflow.runName` tag is set, as MLflow does.
pub(crate) fn sync_name_from_tag(tx: &Write<'_>, handle: i64, name: &str) -> Result<()> {
    tx.prepare_cached("UPDATE runs SET name = ?2 WHERE id = ?1")?.execute(params![handle, name])?;
    Ok(())
}

/// The attributes of the runs whose handles `ids` lists (a JSON array), by handle.
pub(crate) fn infos_by_handle(conn: &Read, ids: &str) -> Result<std::collections::HashMap<i64, RunInfo>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {INFO_COLUMNS}, r.id FROM runs r WHERE r.id IN (SELECT value FROM json_each(?1))"
    ))?;
    let rows = stmt.query_map([ids], |r| Ok((r.get::<_, i64>(9)?, info_from_row(r)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Loads many runs at once, in the order of `handles`: one query per table instead of one
/// per run and table (the run table and searches load hundreds of runs per page).
pub fn load_many(conn: &Read, handles: &[i64]) -> Result<Vec<Run>> {
    use std::collections::HashMap;

    use crate::model::{decode_value, Dataset, DatasetInput, Metric, ModelOutput};

    if handles.is_empty() {
        return Ok(Vec::new());
    }
    let ids = format!("[{}]", handles.iter().map(|h| h.to_string()).collect::<Vec<_>>().join(","));
    let mut infos = infos_by_handle(conn, &ids)?;
    let mut metrics: HashMap<i64, Vec<Metric>> = HashMap::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT l.run, k.name, l.step, l.timestamp, l.value, l.kind FROM latest_metrics l JOIN keys k ON k.id = l.key
             WHERE l.run IN (SELECT value FROM json_each(?1)) ORDER BY k.name",
        )?;
        let rows = stmt.query_map([&ids], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                Metric::new(r.get::<_, String>(1)?, decode_value(r.get(4)?, r.get(5)?), r.get(3)?, r.get(2)?),
            ))
        })?;
        for row in rows {
            let (h, m) = row?;
            metrics.entry(h).or_default().push(m);
        }
    }
    let key_values = |sql: &str| -> Result<HashMap<i64, Vec<KeyValue>>> {
        let mut out: HashMap<i64, Vec<KeyValue>> = HashMap::new();
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map([&ids], |r| {
            Ok((r.get::<_, i64>(0)?, KeyValue::new(r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
        })?;
        for row in rows {
            let (h, kv) = row?;
            out.entry(h).or_default().push(kv);
        }
        Ok(out)
    };
    let mut params = key_values(
        "SELECT p.run, k.name, p.value FROM params p JOIN keys k ON k.id = p.key
         WHERE p.run IN (SELECT value FROM json_each(?1)) ORDER BY k.name",
    )?;
    let mut tags =
        key_values("SELECT run, key, value FROM tags WHERE run IN (SELECT value FROM json_each(?1)) ORDER BY key")?;
    let mut dataset_inputs: HashMap<i64, Vec<DatasetInput>> = HashMap::new();
    {
        let mut input_tags: HashMap<(i64, i64), Vec<KeyValue>> = HashMap::new();
        let mut stmt = conn.prepare_cached(
            "SELECT run, dataset, key, value FROM input_tags WHERE run IN (SELECT value FROM json_each(?1)) ORDER BY key",
        )?;
        let rows = stmt.query_map([&ids], |r| {
            Ok((
                (r.get::<_, i64>(0)?, r.get::<_, i64>(1)?),
                KeyValue::new(r.get::<_, String>(2)?, r.get::<_, String>(3)?),
            ))
        })?;
        for row in rows {
            let (k, kv) = row?;
            input_tags.entry(k).or_default().push(kv);
        }
        let mut stmt = conn.prepare_cached(
            "SELECT i.run, d.id, d.name, d.digest, d.source_type, d.source, d.schema, d.profile
             FROM run_inputs i JOIN datasets d ON d.id = i.dataset
             WHERE i.run IN (SELECT value FROM json_each(?1)) ORDER BY d.id",
        )?;
        let rows = stmt.query_map([&ids], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                Dataset {
                    name: r.get(2)?,
                    digest: r.get(3)?,
                    source_type: r.get(4)?,
                    source: r.get(5)?,
                    schema: r.get(6)?,
                    profile: r.get(7)?,
                },
            ))
        })?;
        for row in rows {
            let (h, ds_id, dataset) = row?;
            let tags = input_tags.remove(&(h, ds_id)).unwrap_or_default();
            dataset_inputs.entry(h).or_default().push(DatasetInput { tags, dataset });
        }
    }
    let mut model_inputs: HashMap<i64, Vec<String>> = HashMap::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT run, model_id FROM run_model_inputs WHERE run IN (SELECT value FROM json_each(?1)) ORDER BY model_id",
        )?;
        for row in stmt.query_map([&ids], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
            let (h, m) = row?;
            model_inputs.entry(h).or_default().push(m);
        }
    }
    let mut model_outputs: HashMap<i64, Vec<ModelOutput>> = HashMap::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT run, model_id, step FROM run_outputs WHERE run IN (SELECT value FROM json_each(?1)) ORDER BY step, model_id",
        )?;
        for row in
            stmt.query_map([&ids], |r| Ok((r.get::<_, i64>(0)?, ModelOutput { model_id: r.get(1)?, step: r.get(2)? })))?
        {
            let (h, o) = row?;
            model_outputs.entry(h).or_default().push(o);
        }
    }
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        let Some(info) = infos.remove(h) else {
            continue;
        };
        out.push(Run {
            info,
            metrics: metrics.remove(h).unwrap_or_default(),
            params: params.remove(h).unwrap_or_default(),
            tags: tags.remove(h).unwrap_or_default(),
            dataset_inputs: dataset_inputs.remove(h).unwrap_or_default(),
            model_inputs: model_inputs.remove(h).unwrap_or_default(),
            model_outputs: model_outputs.remove(h).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// A run as another store recorded it.
#[derive(Debug, Clone)]
pub struct ImportedRun {
    /// Attributes (the artifact URI is recomputed).
    pub info: RunInfo,
    /// When it was deleted, if it was.
    pub deleted_time: Option<i64>,
    /// Where its artifact files are (an imported folder), or `None` for the store's own.
    pub artifact_dir: Option<String>,
}

/// Creates or updates an imported run under its own id and returns its handle. Attributes
/// are the source's (a re-import brings status, end time and name up to date).
pub fn upsert_imported(tx: &Write<'_>, run: &ImportedRun) -> Result<i64> {
    let i = &run.info;
    let exp = experiments::get(tx, i.experiment_id)?;
    let artifact_uri = format!("{}/{}/artifacts", exp.artifact_location.trim_end_matches('/'), i.run_id);
    tx.execute(
        "INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, end_time, lifecycle_stage, deleted_time, artifact_uri, artifact_dir, origin)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'imported')
         ON CONFLICT (run_uuid) DO UPDATE SET experiment_id = excluded.experiment_id, name = excluded.name,
           user_id = excluded.user_id, status = excluded.status, start_time = excluded.start_time,
           end_time = excluded.end_time, lifecycle_stage = excluded.lifecycle_stage,
           deleted_time = excluded.deleted_time, artifact_uri = excluded.artifact_uri, artifact_dir = excluded.artifact_dir",
        params![
            i.run_id,
            i.experiment_id,
            i.run_name,
            i.user_id,
            i.status.as_str(),
            i.start_time,
            i.end_time,
            i.lifecycle_stage.as_str(),
            run.deleted_time,
            artifact_uri,
            run.artifact_dir
        ],
    )?;
    handle(tx, &i.run_id)
}

/// Where a run came from: `local` (logged here), `imported` or `pulled`.
pub fn set_origin(tx: &Write<'_>, run: i64, origin: &str) -> Result<()> {
    tx.execute("UPDATE runs SET origin = ?2 WHERE id = ?1", params![run, origin])?;
    Ok(())
}

/// A run of an experiment as sync sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOrigin {
    /// Handle.
    pub handle: i64,
    /// Run id.
    pub run_id: String,
    /// `local`, `imported` or `pulled`.
    pub origin: String,
    /// Active or deleted.
    pub lifecycle_stage: String,
}

/// Every run of an experiment with where it came from, oldest first.
pub fn origins(conn: &Read, experiment_id: i64) -> Result<Vec<RunOrigin>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, run_uuid, origin, lifecycle_stage FROM runs WHERE experiment_id = ?1 ORDER BY start_time, id",
    )?;
    let rows = stmt.query_map(params![experiment_id], |r| {
        Ok(RunOrigin { handle: r.get(0)?, run_id: r.get(1)?, origin: r.get(2)?, lifecycle_stage: r.get(3)? })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The folder holding a run's artifact files: an imported folder referenced in place, else
/// `<root>/<experiment>/<run>/artifacts`.
pub fn artifact_folder(conn: &Read, root: &std::path::Path, run_id: &str) -> Result<std::path::PathBuf> {
    let (dir, exp): (Option<String>, i64) = conn
        .prepare_cached("SELECT artifact_dir, experiment_id FROM runs WHERE run_uuid = ?1")?
        .query_row(params![run_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("Run with id={run_id} not found")))?;
    match dir {
        Some(d) => Ok(std::path::PathBuf::from(d)),
        None => crate::artifacts::run_dir(root, exp, run_id),
    }
}

/// Which of these runs were pulled from a tracking server.
pub fn pulled_among(conn: &Read, handles: &[i64]) -> Result<std::collections::HashSet<i64>> {
    let mut out = std::collections::HashSet::new();
    let mut stmt = conn.prepare_cached("SELECT origin = 'pulled' FROM runs WHERE id = ?1")?;
    for h in handles {
        if stmt.query_row(params![h], |r| r.get::<_, bool>(0)).optional()?.unwrap_or(false) {
            out.insert(*h);
        }
    }
    Ok(out)
}

/// Where a run came from: `local`, `imported` or `pulled`.
pub fn origin(conn: &Read, run: i64) -> Result<String> {
    Ok(conn.prepare_cached("SELECT origin FROM runs WHERE id = ?1")?.query_row(params![run], |r| r.get(0))?)
}
