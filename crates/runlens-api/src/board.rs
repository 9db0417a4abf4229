//! Runlens's own registry pages, each answered in one call: the models list, a model's stage
//! board (now or at a past time), and a version's page (its `MLmodel`, files and run). What
//! they change goes through MLflow's own operations (registry.rs), so the official client
//! and the board always agree.

use std::collections::HashMap;
use std::io::Read as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use runlens_store::registry::{self as reg, ModelSummary};
use runlens_store::{runs, Read, Store};

use crate::artifacts::{version_artifact_file, version_artifact_uri};
use crate::error::{ApiError, ApiResult};
use crate::mlmodel::{self, MlModel};
use crate::registry::{kvs, required, version_number, Alias, ModelVersion, VersionKey};
use crate::wire::{opt_i64, opt_id, KeyValue, F64};

/// `runlens/registered-models/list`.
#[derive(Debug, Deserialize)]
pub struct ListModels {
    /// Part of the name, any case; everything when empty.
    #[serde(default)]
    pub filter: Option<String>,
}

/// One row of the models list.
#[derive(Debug, Serialize)]
pub struct ModelRow {
    /// Name.
    pub name: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Creation (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<i64>,
    /// Last update (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_updated_timestamp: Option<i64>,
    /// Tags.
    pub tags: Vec<KeyValue>,
    /// Aliases and their versions.
    pub aliases: Vec<Alias>,
    /// The latest version number in each stage that has one.
    pub latest: HashMap<String, String>,
    /// Number of versions.
    pub version_count: i64,
}

/// The models list.
#[derive(Debug, Serialize)]
pub struct ListModelsResponse {
    /// Models by name.
    pub models: Vec<ModelRow>,
}

/// Every registered model (whose name contains `filter`), with what the list shows.
pub fn list_models(store: &Store, req: ListModels) -> ApiResult<ListModelsResponse> {
    let filter = req.filter.unwrap_or_default();
    let rows = store.read(|c| reg::summaries(c, filter.trim()))?;
    Ok(ListModelsResponse {
        models: rows
            .into_iter()
            .map(|ModelSummary { model: m, version_count }| ModelRow {
                latest: m.latest_versions.iter().map(|v| (v.current_stage.clone(), v.version.to_string())).collect(),
                name: m.name,
                description: m.description,
                creation_timestamp: m.creation_time,
                last_updated_timestamp: m.last_updated_time,
                tags: kvs(m.tags),
                aliases: m.aliases.into_iter().map(|(alias, v)| Alias { alias, version: v.to_string() }).collect(),
                version_count,
            })
            .collect(),
    })
}

/// `runlens/registered-models/board`.
#[derive(Debug, Deserialize)]
pub struct BoardRequest {
    /// Model name.
    pub name: Option<String>,
    /// A past time (ms): the board as it stood then.
    #[serde(default, deserialize_with = "opt_i64")]
    pub at: Option<i64>,
}

/// The model a board belongs to.
#[derive(Debug, Serialize)]
pub struct BoardModel {
    /// Name.
    pub name: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Creation (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<i64>,
    /// Last update (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_updated_timestamp: Option<i64>,
    /// Tags.
    pub tags: Vec<KeyValue>,
}

/// A version's card.
#[derive(Debug, Serialize)]
pub struct Card {
    /// Version, as a string.
    pub version: String,
    /// Stage at the board's time.
    pub stage: String,
    /// Aliases at the board's time.
    pub aliases: Vec<String>,
    /// Creation (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<i64>,
    /// Last update (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_updated_timestamp: Option<i64>,
    /// Creator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Tags.
    pub tags: Vec<KeyValue>,
    /// `READY`, … (empty for a version deleted since).
    pub status: String,
    /// Source URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Source run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// The run's name, when the run is in the store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_name: Option<String>,
    /// The run's experiment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experiment_id: Option<String>,
    /// The run's latest value of each of the board's metric keys it has.
    pub metrics: HashMap<String, F64>,
    /// Deleted after the board's time.
    pub deleted: bool,
}

/// A model's stage board.
#[derive(Debug, Serialize)]
pub struct BoardResponse {
    /// The model.
    pub model: BoardModel,
    /// The past time shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<i64>,
    /// The metrics each card shows.
    pub metric_keys: Vec<String>,
    /// Versions, newest first.
    pub versions: Vec<Card>,
}

/// How many metrics a card shows.
const CARD_METRICS: usize = 4;

/// A run's name, experiment and latest metrics, when it is in the store.
fn run_summary(conn: &Read, run_id: &str) -> Option<runlens_store::Run> {
    runs::get(conn, run_id).ok()
}

/// The metrics shared by most of the versions' runs (then by name): what every card shows.
fn common_metrics(runs: &[Option<runlens_store::Run>]) -> Vec<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for run in runs.iter().flatten() {
        for m in &run.metrics {
            *counts.entry(m.key.as_str()).or_default() += 1;
        }
    }
    let mut keys: Vec<(&str, usize)> = counts.into_iter().collect();
    keys.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    keys.into_iter().take(CARD_METRICS).map(|(k, _)| k.to_string()).collect()
}

/// A model's versions in columns by stage, now or at `at`, with each source run's key metrics.
pub fn board(store: &Store, req: BoardRequest) -> ApiResult<BoardResponse> {
    let name = required(req.name, "name")?;
    let (model, board, runs) = store.read(|c| {
        let model = reg::get_model(c, &name)?;
        let board = reg::board(c, &name, req.at)?;
        let runs: Vec<_> = board
            .iter()
            .map(|b| b.current.as_ref().and_then(|v| v.run_id.as_deref()).and_then(|r| run_summary(c, r)))
            .collect();
        Ok((model, board, runs))
    })?;
    let metric_keys = common_metrics(&runs);
    let versions = board
        .into_iter()
        .zip(runs)
        .map(|(b, run)| {
            let metrics = run
                .as_ref()
                .map(|r| {
                    r.metrics
                        .iter()
                        .filter(|m| metric_keys.contains(&m.key))
                        .map(|m| (m.key.clone(), F64(m.value)))
                        .collect()
                })
                .unwrap_or_default();
            let v = b.current;
            Card {
                version: b.version.to_string(),
                stage: b.stage,
                aliases: b.aliases,
                creation_timestamp: v.as_ref().and_then(|v| v.creation_time),
                last_updated_timestamp: v.as_ref().and_then(|v| v.last_updated_time),
                user_id: v.as_ref().and_then(|v| v.user_id.clone()).filter(|u| !u.is_empty()),
                description: v.as_ref().and_then(|v| v.description.clone()).filter(|d| !d.is_empty()),
                tags: v.as_ref().map(|v| kvs(v.tags.clone())).unwrap_or_default(),
                status: v.as_ref().map(|v| v.status.clone()).unwrap_or_default(),
                source: v.as_ref().and_then(|v| v.source.clone()),
                run_id: v.as_ref().and_then(|v| v.run_id.clone()).filter(|r| !r.is_empty()),
                run_name: run.as_ref().map(|r| r.info.run_name.clone()),
                experiment_id: run.as_ref().map(|r| r.info.experiment_id.to_string()),
                metrics,
                deleted: v.is_none(),
            }
        })
        .collect();
    Ok(BoardResponse {
        model: BoardModel {
            name: model.name,
            description: model.description,
            creation_timestamp: model.creation_time,
            last_updated_timestamp: model.last_updated_time,
            tags: kvs(model.tags),
        },
        at: req.at,
        metric_keys,
        versions,
    })
}

/// A version's source run, as its page shows it.
#[derive(Debug, Serialize)]
pub struct VersionRun {
    /// Run id.
    pub run_id: String,
    /// Name.
    pub run_name: String,
    /// Experiment.
    pub experiment_id: String,
    /// Status.
    pub status: String,
    /// Params.
    pub params: Vec<KeyValue>,
    /// Latest metrics.
    pub metrics: Vec<RunMetric>,
}

/// A run's latest value of a metric.
#[derive(Debug, Serialize)]
pub struct RunMetric {
    /// Key.
    pub key: String,
    /// Value.
    pub value: F64,
    /// Step.
    pub step: i64,
}

/// One of a model's files.
#[derive(Debug, Serialize)]
pub struct ModelFile {
    /// Path relative to the model folder.
    pub path: String,
    /// Size in bytes.
    pub file_size: u64,
}

/// An input example's text.
#[derive(Debug, Serialize)]
pub struct InputExample {
    /// Its path in the model folder.
    pub path: String,
    /// The text (first [`EXAMPLE_BYTES`]).
    pub text: String,
    /// Longer than that.
    pub truncated: bool,
}

/// A version's page.
#[derive(Debug, Serialize)]
pub struct VersionDetails {
    /// The version, with tags and aliases.
    pub model_version: ModelVersion,
    /// Its source run, when in the store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<VersionRun>,
    /// Where its files are.
    pub artifact_uri: String,
    /// Its files.
    pub files: Vec<ModelFile>,
    /// More files than [`MAX_FILES`].
    pub files_truncated: bool,
    /// The parsed `MLmodel`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mlmodel: Option<MlModel>,
    /// Why `MLmodel` could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mlmodel_error: Option<String>,
    /// Lines of `requirements.txt`.
    pub requirements: Vec<String>,
    /// The input example.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_example: Option<InputExample>,
}

/// The most files a version page lists.
pub const MAX_FILES: usize = 2000;
/// The most of an input example a version page shows.
pub const EXAMPLE_BYTES: u64 = 64 * 1024;
/// The most of a text file `read-file` returns.
pub const TEXT_BYTES: u64 = 1024 * 1024;

/// The first `limit` bytes of a regular file in a version's folder `root`, and its size.
fn read_start(root: &Path, path: &str, limit: u64) -> ApiResult<(Vec<u8>, u64)> {
    let file = runlens_store::artifacts::resolve(root, path).map_err(|e| ApiError::invalid(e.to_string()))?;
    let meta =
        std::fs::metadata(&file).map_err(|_| ApiError::not_found(format!("No file '{path}' in this version")))?;
    if !meta.is_file() {
        return Err(ApiError::invalid(format!("'{path}' is a folder or a special file, not a file")));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(&file)
        .and_then(|f| f.take(limit).read_to_end(&mut bytes))
        .map_err(|e| ApiError::invalid(format!("reading '{path}': {e}")))?;
    Ok((bytes, meta.len()))
}

/// Text from the start of a file: `None` when it is binary (NUL bytes, not UTF-8). A character
/// cut by the limit is dropped.
fn as_text(mut bytes: Vec<u8>, truncated: bool) -> Option<String> {
    if bytes.contains(&0) {
        return None;
    }
    match std::str::from_utf8(&bytes) {
        Ok(_) => {}
        Err(e) if truncated && e.error_len().is_none() => bytes.truncate(e.valid_up_to()),
        Err(_) => return None,
    }
    String::from_utf8(bytes).ok()
}

/// A version's page: the version, its source run, its files, `MLmodel`, requirements and
/// input example.
pub fn version_details(store: &Store, req: VersionKey) -> ApiResult<VersionDetails> {
    let name = required(req.name, "name")?;
    let version = version_number(req.version)?;
    let (v, run, artifact_uri) = store.read(|c| {
        let v = reg::get_version(c, &name, version)?;
        let run = v.run_id.as_deref().filter(|r| !r.is_empty()).and_then(|r| run_summary(c, r));
        Ok((v, run, version_artifact_uri(c, &name, version)?))
    })?;
    let root = version_artifact_file(store, &name, version, "").ok().filter(|p| p.is_dir());
    let (files, files_truncated) =
        root.as_deref().map(|r| runlens_store::artifacts::regular_files(r, MAX_FILES)).unwrap_or_default();
    let read = |path: &str, limit: u64| match &root {
        Some(r) => read_start(r, path, limit),
        None => Err(ApiError::not_found("This version has no files here")),
    };
    let files: Vec<ModelFile> = files.into_iter().map(|(path, file_size)| ModelFile { path, file_size }).collect();
    let has = |p: &str| files.iter().any(|f| f.path == p);

    let (mlmodel, mlmodel_error) = if !has("MLmodel") {
        (None, Some("This version has no MLmodel file".to_string()))
    } else {
        match read("MLmodel", TEXT_BYTES + 1) {
            Ok((bytes, size)) if size > TEXT_BYTES || bytes.len() as u64 > TEXT_BYTES => {
                (None, Some(format!("MLmodel is {size} bytes, more than a model description holds")))
            }
            Ok((bytes, _)) => match as_text(bytes, false) {
                Some(text) => match mlmodel::parse(&text) {
                    Ok(m) => (Some(m), None),
                    Err(e) => (None, Some(e)),
                },
                None => (None, Some("MLmodel is not text".to_string())),
            },
            Err(e) => (None, Some(e.message)),
        }
    };
    let requirements = if has("requirements.txt") {
        read("requirements.txt", EXAMPLE_BYTES)
            .ok()
            .and_then(|(b, size)| as_text(b, size > EXAMPLE_BYTES))
            .map(|t| t.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect())
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let example_path = mlmodel
        .as_ref()
        .and_then(|m| m.input_example_path.clone())
        .or_else(|| has("input_example.json").then(|| "input_example.json".to_string()))
        .filter(|p| has(p));
    let input_example = example_path.and_then(|path| {
        let (bytes, size) = read(&path, EXAMPLE_BYTES).ok()?;
        let truncated = size > EXAMPLE_BYTES;
        Some(InputExample { text: as_text(bytes, truncated)?, path, truncated })
    });
    Ok(VersionDetails {
        run: run.map(|r| VersionRun {
            run_id: r.info.run_id,
            run_name: r.info.run_name,
            experiment_id: r.info.experiment_id.to_string(),
            status: r.info.status.as_str().to_string(),
            params: kvs(r.params),
            metrics: r
                .metrics
                .into_iter()
                .map(|m| RunMetric { key: m.key, value: F64(m.value), step: m.step })
                .collect(),
        }),
        model_version: v.into(),
        artifact_uri,
        files,
        files_truncated,
        mlmodel,
        mlmodel_error,
        requirements,
        input_example,
    })
}

/// `runlens/model-versions/read-file`.
#[derive(Debug, Deserialize)]
pub struct ReadFile {
    /// Model name.
    pub name: Option<String>,
    /// Version.
    #[serde(default, deserialize_with = "opt_id")]
    pub version: Option<String>,
    /// Path in the model folder.
    pub path: Option<String>,
}

/// A text file of a version.
#[derive(Debug, Serialize)]
pub struct ReadFileResponse {
    /// Path.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Its text (first [`TEXT_BYTES`]); empty when binary.
    pub text: String,
    /// Longer than that.
    pub truncated: bool,
    /// Not text.
    pub binary: bool,
}

/// The start of one of a version's files, as text (binary files say so).
pub fn read_version_file(store: &Store, req: ReadFile) -> ApiResult<ReadFileResponse> {
    let name = required(req.name, "name")?;
    let version = version_number(req.version)?;
    let path = required(req.path, "path")?;
    let root = version_artifact_file(store, &name, version, "")?;
    let (bytes, size) = read_start(&root, &path, TEXT_BYTES)?;
    let truncated = size > TEXT_BYTES;
    let text = as_text(bytes, truncated);
    Ok(ReadFileResponse { binary: text.is_none(), text: text.unwrap_or_default(), path, size, truncated })
}
