//! Importing what MLflow writes into the Runlens store: `mlruns` FileStore folders
//! ([`filestore`]) and `mlflow.db` SQLite files ([`sqlite`]), keeping MLflow's ids.
//!
//! Invariants:
//! - the importer writes through the store, never around it, one transaction per run (or
//!   experiment, model), so a kill at any moment leaves the store consistent and the same
//!   import afterwards ends with exactly the source's data;
//! - importing again adds only what is new (exact duplicate metric points are kept once);
//! - nothing in a damaged source stops the rest: each bad item is skipped with a [`Skip`]
//!   naming it, the file and the reason; a file is read only when it is a regular file, so a
//!   named pipe never blocks and a symlink never leads out of the imported tree;
//! - artifacts are referenced in place (the run's `artifacts/` folder inside the imported
//!   tree, whatever absolute path MLflow recorded), or copied with [`Options::copy`].

pub mod filestore;
mod fsread;
pub mod sqlite;
pub mod watch;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use runlens_store::Store;

/// Called after each run with the progress so far.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// How to import.
#[derive(Clone, Default)]
pub struct Options {
    /// Copy artifact files into the store instead of referencing them in place.
    pub copy: bool,
    /// Set to stop between two runs (what was imported stays, consistent).
    pub cancel: Option<Arc<AtomicBool>>,
    /// Told after each run.
    pub progress: Option<ProgressFn>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options").field("copy", &self.copy).finish_non_exhaustive()
    }
}

/// Where an import is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Runs imported so far.
    pub runs_done: usize,
    /// Runs in the source (as counted before starting).
    pub runs_total: usize,
    /// New metric points so far.
    pub metric_points: usize,
    /// Artifact files so far.
    pub artifacts: usize,
    /// Items skipped so far.
    pub skipped: usize,
}

impl Options {
    /// Reports progress and says whether to go on.
    pub(crate) fn tick(&self, summary: &Summary) -> Result<(), Error> {
        if let Some(p) = &self.progress {
            p(&Progress {
                runs_done: summary.runs,
                runs_total: summary.runs_total,
                metric_points: summary.metric_points,
                artifacts: summary.artifacts,
                skipped: summary.skipped.len(),
            });
        }
        if self.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(Error::Cancelled);
        }
        Ok(())
    }
}

/// One thing that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// What it was: `run 0485…`, `experiment 1027…`, `registered model iris`, `file`.
    pub what: String,
    /// The file or folder concerned.
    pub path: PathBuf,
    /// Why it was skipped.
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Experiments imported or updated.
    pub experiments: usize,
    /// Runs imported or updated.
    pub runs: usize,
    /// Metric points that were new.
    pub metric_points: usize,
    /// Artifact files referenced or copied.
    pub artifacts: usize,
    /// Logged models.
    pub logged_models: usize,
    /// Registered models.
    pub registered_models: usize,
    /// Model versions.
    pub model_versions: usize,
    /// What was skipped.
    pub skipped: Vec<Skip>,
    /// Runs in the source, counted before starting.
    pub runs_total: usize,
    /// Stopped before the end on request.
    pub cancelled: bool,
}

impl Summary {
    fn skip(&mut self, what: impl Into<String>, path: &Path, reason: impl Into<String>) {
        self.skipped.push(Skip { what: what.into(), path: path.to_path_buf(), reason: reason.into() });
    }
}

/// Why an import could not start or go on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The path holds nothing MLflow wrote.
    #[error("{0} is neither an mlruns folder, an mlflow.db file, nor a folder holding either")]
    NotMlflow(PathBuf),
    /// The path cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database cannot be opened or read.
    #[error("cannot read {path} as an MLflow database: {source}")]
    Database {
        /// The file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] runlens_store::Error),
    /// Stopped on request (see [`Options::cancel`]).
    #[error("the import was cancelled")]
    Cancelled,
}

/// What a path holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A FileStore `mlruns` folder.
    FileStore(PathBuf),
    /// An `mlflow.db`, with the folder its relative artifact paths are resolved against.
    Sqlite {
        /// The database file.
        db: PathBuf,
        /// The folder it sits in.
        project: PathBuf,
    },
}

fn is_sqlite_file(path: &Path) -> bool {
    use std::io::Read;
    if !fsread::is_regular_file(path) {
        return false;
    }
    let mut header = [0u8; 16];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut header)).is_ok() && &header == b"SQLite format 3\0"
}

/// Finds what `path` holds: an `mlflow.db` (or any SQLite file), an `mlruns` folder, or a
/// project folder with `mlflow.db` next to `mlruns/` (both are imported then).
pub fn detect(path: &Path) -> Result<Vec<Source>, Error> {
    let meta = std::fs::metadata(path).map_err(|e| Error::Io { path: path.to_path_buf(), source: e })?;
    if meta.is_file() {
        if is_sqlite_file(path) {
            let project = path.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
            return Ok(vec![Source::Sqlite { db: path.to_path_buf(), project }]);
        }
        return Err(Error::NotMlflow(path.to_path_buf()));
    }
    let mut out = Vec::new();
    let db = path.join("mlflow.db");
    if is_sqlite_file(&db) {
        out.push(Source::Sqlite { db, project: path.to_path_buf() });
    }
    if filestore::looks_like_filestore(path) {
        out.push(Source::FileStore(path.to_path_buf()));
    } else if filestore::looks_like_filestore(&path.join("mlruns")) {
        out.push(Source::FileStore(path.join("mlruns")));
    }
    if out.is_empty() {
        return Err(Error::NotMlflow(path.to_path_buf()));
    }
    Ok(out)
}

/// Imports everything `path` holds into `store`.
pub fn import(store: &Store, path: &Path, options: &Options) -> Result<Summary, Error> {
    let mut summary = Summary::default();
    let sources = detect(path)?;
    summary.runs_total = sources
        .iter()
        .map(|s| match s {
            Source::FileStore(root) => filestore::count_runs(root),
            Source::Sqlite { db, .. } => sqlite::count_runs(db),
        })
        .sum();
    for source in sources {
        let result = match source {
            Source::FileStore(root) => filestore::import(store, &root, options, &mut summary),
            Source::Sqlite { db, project } => sqlite::import(store, &db, &project, options, &mut summary),
        };
        match result {
            Ok(()) => {}
            Err(Error::Cancelled) => {
                summary.cancelled = true;
                break;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(summary)
}

/// Everything one run brings, written in one transaction by [`write_run`].
pub(crate) struct RunData {
    pub run: runlens_store::runs::ImportedRun,
    pub params: Vec<runlens_store::KeyValue>,
    pub tags: Vec<runlens_store::KeyValue>,
    pub points: Vec<runlens_store::Metric>,
    pub dataset_inputs: Vec<runlens_store::DatasetInput>,
    pub outputs: Vec<runlens_store::ModelOutput>,
    /// How far each metric file was read (FileStore only).
    pub offsets: Vec<(String, i64)>,
}

/// Writes one run and all it brings in one transaction (a kill leaves it whole or absent);
/// returns how many metric points were new.
pub(crate) fn write_run(store: &Store, data: &RunData) -> Result<usize, Error> {
    use runlens_store::{import_state, inputs, metrics, params, runs, tags};
    let experiment_id = data.run.info.experiment_id;
    // Its rows hang from the run and keys written here, or the experiment and datasets the
    // import wrote before.
    Ok(store.write_unchecked(|tx| {
        let handle = runs::upsert_imported(tx, &data.run)?;
        for p in &data.params {
            params::set_imported(tx, handle, &p.key, &p.value)?;
        }
        for t in &data.tags {
            tags::set(tx, handle, &t.key, &t.value)?;
        }
        let mut new_points = 0;
        for chunk in data.points.chunks(10_000) {
            new_points += metrics::log(tx, handle, chunk)?;
        }
        for d in &data.dataset_inputs {
            inputs::log_dataset_input(tx, handle, experiment_id, d)?;
        }
        for o in &data.outputs {
            inputs::log_model_output(tx, handle, o)?;
        }
        for (path, end) in &data.offsets {
            import_state::set_offset(tx, path, handle, *end)?;
        }
        Ok(new_points)
    })?)
}

/// Writes a logged model with its params, tags and metrics (each with the run that logged
/// it) in one transaction.
pub(crate) fn write_logged_model(
    store: &Store,
    model: &runlens_store::logged_models::ImportedLoggedModel,
    params: &[runlens_store::KeyValue],
    tags: &[runlens_store::KeyValue],
    points: &[(runlens_store::Metric, String)],
) -> Result<(), Error> {
    use runlens_store::logged_models;
    let id = &model.model_id;
    store.write(|tx| {
        logged_models::upsert_imported(tx, model)?;
        for p in params {
            logged_models::log_param(tx, id, &p.key, &p.value)?;
        }
        for t in tags {
            logged_models::set_tag(tx, id, &t.key, &t.value)?;
        }
        for (m, run) in points {
            logged_models::log_metric(tx, id, run, m)?;
        }
        Ok(())
    })?;
    Ok(())
}

/// A registered model with everything it brings, written by [`write_registered_model`].
pub(crate) struct ModelData {
    pub name: String,
    pub creation_time: Option<i64>,
    pub last_updated_time: Option<i64>,
    pub description: Option<String>,
    pub tags: Vec<runlens_store::KeyValue>,
    pub versions: Vec<runlens_store::registry::ModelVersion>,
    /// Alias and version; aliases naming a version that is not imported are dropped.
    pub aliases: Vec<(String, i64)>,
}

/// Writes a registered model, its versions and aliases in one transaction; a failure is
/// reported as a skip against `source`.
pub(crate) fn write_registered_model(
    store: &Store,
    m: &ModelData,
    summary: &mut Summary,
    source: &Path,
) -> Result<(), Error> {
    use runlens_store::registry;
    let result = store.write(|tx| {
        registry::upsert_imported_model(tx, &m.name, m.creation_time, m.last_updated_time, m.description.as_deref())?;
        for t in &m.tags {
            registry::set_model_tag(tx, &m.name, &t.key, &t.value)?;
        }
        for v in &m.versions {
            if v.current_stage == registry::DELETED_INTERNAL {
                registry::record_imported_deletion(tx, &m.name, v.version, v.last_updated_time)?;
            } else {
                registry::upsert_imported_version(tx, v)?;
            }
        }
        for (alias, version) in &m.aliases {
            if m.versions.iter().any(|v| v.version == *version && v.current_stage != registry::DELETED_INTERNAL) {
                registry::set_imported_alias(tx, &m.name, alias, *version)?;
            }
        }
        Ok(())
    });
    match result {
        Ok(()) => {
            summary.registered_models += 1;
            summary.model_versions +=
                m.versions.iter().filter(|v| v.current_stage != registry::DELETED_INTERNAL).count();
        }
        Err(e) => summary.skip(format!("registered model {}", m.name), source, e.to_string()),
    }
    Ok(())
}

/// Copies a folder of artifacts into the store's own folder (regular files only; symlinks
/// and special files are skipped), returning how many files were copied.
pub(crate) fn copy_tree(from: &Path, to: &Path, summary: &mut Summary, what: &str) -> usize {
    let mut copied = 0;
    let Ok(entries) = std::fs::read_dir(from) else { return 0 };
    for entry in entries.flatten() {
        let Ok(ft) = entry.file_type() else { continue };
        let src = entry.path();
        let dst = to.join(entry.file_name());
        if ft.is_dir() {
            copied += copy_tree(&src, &dst, summary, what);
        } else if ft.is_file() {
            let ok = std::fs::create_dir_all(to).and_then(|_| std::fs::copy(&src, &dst));
            match ok {
                Ok(_) => copied += 1,
                Err(e) => summary.skip(what, &src, format!("copying failed: {e}")),
            }
        } else {
            summary.skip(what, &src, "not a regular file (symlink, pipe or device): not copied");
        }
    }
    copied
}

/// Counts the regular files under a folder (without following symlinks).
pub(crate) fn count_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(ft) if ft.is_dir() => count_files(&e.path()),
            Ok(ft) if ft.is_file() => 1,
            _ => 0,
        })
        .sum()
}
