//! The `runs` table: creating, reading, updating and deleting runs.

use rusqlite::{params, OptionalExtension, Row};

use crate::model::{KeyValue, Lifecycle, Run, RunInfo, RunStatus};
use crate::{experiments, inputs, metrics, params as run_params, tags, Error, Read, Result, Write};

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
pub(crate) const INFO_COLUMNS: &str = "r.run_uuid, r.experiment_id, r.name, r.user_id, r.status, r.start_time, r.end_time, r.artifact_uri, r.lifecycle_stage";

pub(crate) fn info_from_row(r: &Row<'_>) -> rusqlite::Result<RunInfo> {
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
    "ant", "bass", "bat", "bear", "bee", "carp", "cat", "cod", "colt", "crab", "deer", "dog",
    "doe", "donkey", "eel", "fawn", "finch", "fox", "goat", "hare", "hawk", "hen", "hog", "jay",
    "lamb", "lark", "mole", "moth", "owl", "ox", "panda", "ram", "seal", "shrike", "slug", "snake",
    "sow", "squid", "stag", "swan", "toad", "trout", "whale", "wolf", "worm", "wren", "yak",
    "zebra",
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
    let run_id = new
        .run_id
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let tag_name = new
        .tags
        .iter()
        .find(|t| t.key == "mlflow.runName")
        .map(|t| t.value.clone());
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
    let artifact_uri = format!(
        "{}/{}/artifacts",
        exp.artifact_location.trim_end_matches('/'),
        run_id
    );
    let inserted = tx.execute(
        "INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, artifact_uri)
         VALUES (?1, ?2, ?3, ?4, 'RUNNING', ?5, ?6)
         ON CONFLICT (run_uuid) DO NOTHING",
        params![run_id, new.experiment_id, name, new.user_id, new.start_time, artifact_uri],
    )?;
    if inserted == 0 {
        return Err(Error::AlreadyExists(format!(
            "Run with id={run_id} already exists"
        )));
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
    conn.prepare_cached(&format!(
        "SELECT {INFO_COLUMNS} FROM runs r WHERE r.run_uuid = ?1"
    ))?
    .query_row(params![run_id], info_from_row)
    .optional()?
    .ok_or_else(|| Error::NotFound(format!("Run with id={run_id} not found")))
}

/// A whole run: attributes, latest metrics, params, tags, inputs, outputs.
pub fn get(conn: &Read, run_id: &str) -> Result<Run> {
    let info = info(conn, run_id)?;
    let handle = handle(conn, run_id)?;
    load(conn, handle, info)
}

/// Completes a [`RunInfo`] into a [`Run`].
pub(crate) fn load(conn: &Read, handle: i64, info: RunInfo) -> Result<Run> {
    Ok(Run {
        info,
        metrics: metrics::latest(conn, handle)?
            .into_iter()
            .map(|s| s.latest)
            .collect(),
        params: run_params::list(conn, handle)?,
        tags: tags::list(conn, handle)?,
        dataset_inputs: inputs::dataset_inputs(conn, handle)?,
        model_inputs: inputs::model_inputs(conn, handle)?,
        model_outputs: inputs::model_outputs(conn, handle)?,
    })
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
        tx.execute(
            "UPDATE runs SET status = ?2 WHERE id = ?1",
            params![handle, status.as_str()],
        )?;
    }
    if let Some(end) = update.end_time {
        tx.execute(
            "UPDATE runs SET end_time = ?2 WHERE id = ?1",
            params![handle, end],
        )?;
    }
    if let Some(name) = update.run_name.filter(|n| !n.is_empty()) {
        tx.execute(
            "UPDATE runs SET name = ?2 WHERE id = ?1",
            params![handle, name],
        )?;
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
    tx.prepare_cached("UPDATE runs SET name = ?2 WHERE id = ?1")?
        .execute(params![handle, name])?;
    Ok(())
}
