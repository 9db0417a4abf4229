//! Runlens's own operations for importing MLflow folders and for the watched folders.

use std::path::Path;

use serde::{Deserialize, Serialize};

use runlens_store::{import_state, Store};

use crate::error::{ApiError, ApiResult};
use crate::wire::opt_bool;
use crate::{now_ms, Empty};

/// One skipped item of an import.
#[derive(Debug, Serialize)]
pub struct SkipJson {
    /// Run, experiment, model or file.
    pub what: String,
    /// The file concerned.
    pub path: String,
    /// Why.
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Serialize)]
pub struct ImportSummary {
    /// Experiments.
    pub experiments: usize,
    /// Runs.
    pub runs: usize,
    /// Runs in the source.
    pub runs_total: usize,
    /// New metric points.
    pub metric_points: usize,
    /// Artifact files referenced or copied.
    pub artifacts: usize,
    /// Logged models.
    pub logged_models: usize,
    /// Registered models.
    pub registered_models: usize,
    /// Model versions.
    pub model_versions: usize,
    /// Skipped items.
    pub skipped: Vec<SkipJson>,
    /// Stopped on request.
    pub cancelled: bool,
}

impl From<runlens_import::Summary> for ImportSummary {
    fn from(s: runlens_import::Summary) -> ImportSummary {
        ImportSummary {
            experiments: s.experiments,
            runs: s.runs,
            runs_total: s.runs_total,
            metric_points: s.metric_points,
            artifacts: s.artifacts,
            logged_models: s.logged_models,
            registered_models: s.registered_models,
            model_versions: s.model_versions,
            skipped: s
                .skipped
                .into_iter()
                .map(|k| SkipJson { what: k.what, path: k.path.display().to_string(), reason: k.reason })
                .collect(),
            cancelled: s.cancelled,
        }
    }
}

/// `runlens/import`.
#[derive(Debug, Deserialize)]
pub struct ImportRequest {
    /// A folder or an `mlflow.db`.
    pub path: Option<String>,
    /// Copy artifacts into the store.
    #[serde(default, deserialize_with = "opt_bool")]
    pub copy: Option<bool>,
}

fn import_error(e: runlens_import::Error) -> ApiError {
    match e {
        runlens_import::Error::Store(s) => s.into(),
        other => ApiError::invalid(other.to_string()),
    }
}

/// Imports a folder or database with progress and cancellation (the desktop app's import).
pub fn import_with(store: &Store, req: ImportRequest, options: runlens_import::Options) -> ApiResult<ImportSummary> {
    let path = req.path.filter(|p| !p.trim().is_empty()).ok_or_else(|| ApiError::missing("path"))?;
    let options = runlens_import::Options { copy: req.copy.unwrap_or(false), ..options };
    runlens_import::import(store, Path::new(path.trim()), &options).map(Into::into).map_err(import_error)
}

/// Imports an `mlruns` folder, an `mlflow.db` or a folder holding either.
pub fn import(store: &Store, req: ImportRequest) -> ApiResult<ImportSummary> {
    import_with(store, req, runlens_import::Options::default())
}

/// A watched folder.
#[derive(Debug, Serialize)]
pub struct WatchedJson {
    /// Path.
    pub path: String,
    /// Being watched.
    pub enabled: bool,
    /// Added (ms).
    pub added_time: i64,
}

/// The watched folders.
#[derive(Debug, Serialize)]
pub struct WatchedList {
    /// Folders.
    pub folders: Vec<WatchedJson>,
}

/// Lists the watched folders.
pub fn watched_list(store: &Store, _req: Empty) -> ApiResult<WatchedList> {
    let all = store.read(import_state::watched)?;
    Ok(WatchedList {
        folders: all
            .into_iter()
            .map(|w| WatchedJson { path: w.path, enabled: w.enabled, added_time: w.added_time })
            .collect(),
    })
}

/// `runlens/watched/*`.
#[derive(Debug, Deserialize)]
pub struct WatchedRequest {
    /// The folder.
    pub path: Option<String>,
    /// On or off (set-enabled).
    #[serde(default, deserialize_with = "opt_bool")]
    pub enabled: Option<bool>,
}

fn watched_path(p: Option<String>) -> ApiResult<String> {
    p.map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).ok_or_else(|| ApiError::missing("path"))
}

/// Adds a folder to watch; it must hold something MLflow wrote.
pub fn watched_add(store: &Store, req: WatchedRequest) -> ApiResult<Empty> {
    let path = watched_path(req.path)?;
    runlens_import::detect(Path::new(&path)).map_err(import_error)?;
    store.write(|tx| import_state::add_watched(tx, &path, now_ms()))?;
    Ok(Empty {})
}

/// Turns watching a folder on or off.
pub fn watched_set_enabled(store: &Store, req: WatchedRequest) -> ApiResult<Empty> {
    let path = watched_path(req.path)?;
    let enabled = req.enabled.ok_or_else(|| ApiError::missing("enabled"))?;
    if !store.write(|tx| import_state::set_watched_enabled(tx, &path, enabled))? {
        return Err(ApiError::not_found(format!("'{path}' is not a watched folder")));
    }
    Ok(Empty {})
}

/// Stops watching a folder (what was imported stays).
pub fn watched_remove(store: &Store, req: WatchedRequest) -> ApiResult<Empty> {
    let path = watched_path(req.path)?;
    if !store.write(|tx| import_state::remove_watched(tx, &path))? {
        return Err(ApiError::not_found(format!("'{path}' is not a watched folder")));
    }
    Ok(Empty {})
}
