//! The Runlens API: the one surface every client goes through.
//!
//! Each operation is a plain function `fn(&Store, Request) -> ApiResult<Response>` (see
//! [`tracking`]). [`OPS`] lists them by MLflow path (`mlflow/runs/create`, …) with their
//! HTTP methods; [`call`] decodes a JSON request, runs the operation and encodes the answer.
//! Both transports — the axum server and the Tauri commands — do nothing but hand a JSON
//! value to [`call`] and return what it gives back, so they cannot disagree.
//!
//! Invariant: errors leave here as [`ApiError`] (`{error_code, message}`), never as a panic.

mod answers;
pub mod artifacts;
pub mod board;
pub mod charts;
pub mod error;
pub mod explorer;
pub mod imports;
pub mod logged_models;
pub mod mlmodel;
pub mod paging;
pub mod registry;
pub mod sync;
pub mod tracking;
pub mod validate;
pub mod wire;

use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use error::{ApiError, ApiResult, ErrorCode};
pub use runlens_store::Store;

/// The empty answer `{}` of most write operations.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Empty {}

/// The current time in epoch milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// The default tracking server port of both the desktop app and `runlens serve`.
pub const DEFAULT_PORT: u16 = 5055;

/// Where the store lives: `RUNLENS_DATA_DIR` if set, else the platform data directory
/// (`$XDG_DATA_HOME/runlens`, or `~/.local/share/runlens` on Linux).
pub fn default_data_dir() -> std::path::PathBuf {
    if let Some(dir) = std::env::var_os("RUNLENS_DATA_DIR").filter(|d| !d.is_empty()) {
        return dir.into();
    }
    dirs::data_dir()
        .or_else(|| dirs::home_dir().map(|h| h.join(".local/share")))
        .unwrap_or_else(|| std::path::PathBuf::from("."))
        .join("runlens")
}

/// Opens the store in `data_dir` and makes sure MLflow's `Default` experiment exists.
pub fn open_store(data_dir: &Path) -> Result<Store, runlens_store::Error> {
    let store = Store::open(data_dir)?;
    store.write(|tx| runlens_store::experiments::ensure_default(tx, now_ms()))?;
    Ok(store)
}

/// An HTTP method an operation answers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Parameters in the query string.
    Get,
    /// JSON body.
    Post,
    /// JSON body.
    Patch,
    /// JSON body.
    Delete,
}

/// One operation: its unique name, its HTTP path under `/api/<version>/` (segments in braces
/// are taken from the path), methods, and the type-erased call.
pub struct Op {
    /// Unique name, e.g. `mlflow/runs/create` (the UI and Tauri call operations by name).
    pub name: &'static str,
    /// HTTP path under `/api/2.0/`, e.g. `mlflow/logged-models/{model_id}`.
    pub path: &'static str,
    /// Methods it answers to over HTTP.
    pub methods: &'static [Method],
    /// Decodes the request, runs the operation, encodes the answer (once: transports pass the
    /// encoded JSON through as it is).
    pub call: fn(&Store, serde_json::Value) -> ApiResult<Answer>,
    /// The same, decoded straight from a JSON request body (no intermediate JSON value: a
    /// `log-batch` of 1,000 points is read once). `None` when the body does not decode
    /// cleanly or the operation's answers are cached: [`call_body`] then takes `call`.
    pub call_body: fn(&Store, &[u8]) -> Option<ApiResult<Answer>>,
}

/// A request body decoded straight into `T`, or `None` (a body that is not one JSON object
/// of the right shape; [`call_body`] then decodes it the long way, for the exact error).
fn decode_body<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return None;
    }
    serde_json::from_slice(body).ok()
}

/// A JSON request body as an operation's arguments: an object, or nothing (empty body).
pub fn body_args(body: &[u8]) -> ApiResult<serde_json::Map<String, serde_json::Value>> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Default::default());
    }
    match serde_json::from_slice(body) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::new(ErrorCode::BadRequest, "The request body must be a JSON object")),
        Err(e) => Err(ApiError::new(ErrorCode::BadRequest, format!("Malformed JSON in request body: {e}"))),
    }
}

impl Op {
    /// Runs this operation on a JSON request body (see [`Op::call_body`]): the same answer and
    /// the same errors as `call` with [`body_args`]'s object.
    pub fn run_body(&self, store: &Store, body: &[u8]) -> ApiResult<Answer> {
        if let Some(answer) = (self.call_body)(store, body) {
            return answer;
        }
        (self.call)(store, serde_json::Value::Object(body_args(body)?))
    }
}

/// Runs the operation `name` on a JSON request body ([`Op::run_body`]).
pub fn call_body(store: &Store, name: &str, body: &[u8]) -> ApiResult<Answer> {
    match op(name) {
        Some(op) => op.run_body(store, body),
        None => Err(ApiError::new(ErrorCode::EndpointNotFound, format!("No operation named '{name}'"))),
    }
}

/// Decodes a request, naming the offending field in the error.
fn decode<T: DeserializeOwned>(args: serde_json::Value) -> ApiResult<T> {
    let args = if args.is_null() { serde_json::Value::Object(Default::default()) } else { args };
    serde_path_to_error::deserialize(args).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            ApiError::invalid(format!("Invalid request: {inner}"))
        } else {
            ApiError::invalid(format!("Invalid value for parameter '{path}': {inner}"))
        }
    })
}

/// An encoded JSON answer.
pub type Answer = Box<serde_json::value::RawValue>;

fn encode<T: Serialize>(resp: T) -> ApiResult<Answer> {
    serde_json::value::to_raw_value(&resp)
        .map_err(|e| ApiError::new(ErrorCode::InternalError, format!("encoding the answer failed: {e}")))
}

macro_rules! ops {
    ($( $name:literal $(@ $path:literal)? [$($method:ident),+] => $f:path ),* $(,)?) => {
        /// Every operation.
        pub static OPS: &[Op] = &[
            $( Op {
                name: $name,
                path: ops!(@path $name $(, $path)?),
                methods: &[$(Method::$method),+],
                call: |store, args| answers::through(store, $name, args, |store, args| encode($f(store, decode(args)?)?)),
                call_body: |store, body| {
                    if answers::CACHEABLE.contains(&$name) {
                        return None;
                    }
                    let req = decode_body(body)?;
                    Some($f(store, req).and_then(encode))
                },
            } ),*
        ];
    };
    (@path $name:literal) => { $name };
    (@path $name:literal, $path:literal) => { $path };
}

ops! {
    "mlflow/experiments/create" [Post] => tracking::create_experiment,
    "mlflow/experiments/get" [Get] => tracking::get_experiment,
    "mlflow/experiments/get-by-name" [Get] => tracking::get_experiment_by_name,
    "mlflow/experiments/search" [Post, Get] => tracking::search_experiments,
    "mlflow/experiments/update" [Post] => tracking::update_experiment,
    "mlflow/experiments/delete" [Post] => tracking::delete_experiment,
    "mlflow/experiments/restore" [Post] => tracking::restore_experiment,
    "mlflow/experiments/set-experiment-tag" [Post] => tracking::set_experiment_tag,
    "mlflow/experiments/delete-experiment-tag" [Post] => tracking::delete_experiment_tag,
    "mlflow/runs/create" [Post] => tracking::create_run,
    "mlflow/runs/get" [Get] => tracking::get_run,
    "mlflow/runs/update" [Post] => tracking::update_run,
    "mlflow/runs/delete" [Post] => tracking::delete_run,
    "mlflow/runs/restore" [Post] => tracking::restore_run,
    "mlflow/runs/search" [Post] => tracking::search_runs,
    "mlflow/runs/log-metric" [Post] => tracking::log_metric,
    "mlflow/runs/log-batch" [Post] => tracking::log_batch,
    "mlflow/runs/log-parameter" [Post] => tracking::log_param,
    "mlflow/runs/set-tag" [Post] => tracking::set_tag,
    "mlflow/runs/delete-tag" [Post] => tracking::delete_tag,
    "mlflow/runs/log-inputs" [Post] => tracking::log_inputs,
    "mlflow/runs/outputs" [Post] => tracking::log_outputs,
    "mlflow/metrics/get-history" [Get] => tracking::get_metric_history,
    "mlflow/metrics/get-history-bulk-interval" [Get] => tracking::get_metric_history_bulk_interval,
    "mlflow/artifacts/list" [Get] => artifacts::list_artifacts,
    "mlflow-artifacts/artifacts/list" @ "mlflow-artifacts/artifacts" [Get] => artifacts::proxy_list,
    "mlflow/logged-models/create" @ "mlflow/logged-models" [Post] => logged_models::create_logged_model,
    "mlflow/logged-models/search" [Post] => logged_models::search_logged_models,
    "mlflow/logged-models/get" @ "mlflow/logged-models/{model_id}" [Get] => logged_models::get_logged_model,
    "mlflow/logged-models/finalize" @ "mlflow/logged-models/{model_id}" [Patch] => logged_models::finalize_logged_model,
    "mlflow/logged-models/delete" @ "mlflow/logged-models/{model_id}" [Delete] => logged_models::delete_logged_model,
    "mlflow/logged-models/set-tags" @ "mlflow/logged-models/{model_id}/tags" [Patch] => logged_models::set_logged_model_tags,
    "mlflow/logged-models/delete-tag" @ "mlflow/logged-models/{model_id}/tags/{tag_key}" [Delete] => logged_models::delete_logged_model_tag,
    "mlflow/logged-models/log-params" @ "mlflow/logged-models/{model_id}/params" [Post] => logged_models::log_logged_model_params,
    "mlflow/registered-models/create" [Post] => registry::create_registered_model,
    "mlflow/registered-models/get" [Get] => registry::get_registered_model,
    "mlflow/registered-models/rename" [Post] => registry::rename_registered_model,
    "mlflow/registered-models/update" [Patch] => registry::update_registered_model,
    "mlflow/registered-models/delete" [Delete] => registry::delete_registered_model,
    "mlflow/registered-models/search" [Get] => registry::search_registered_models,
    "mlflow/registered-models/set-tag" [Post] => registry::set_registered_model_tag,
    "mlflow/registered-models/delete-tag" [Delete] => registry::delete_registered_model_tag,
    "mlflow/registered-models/get-latest-versions" [Post, Get] => registry::get_latest_versions,
    "mlflow/registered-models/alias/set" @ "mlflow/registered-models/alias" [Post] => registry::set_registered_model_alias,
    "mlflow/registered-models/alias/get" @ "mlflow/registered-models/alias" [Get] => registry::get_model_version_by_alias,
    "mlflow/registered-models/alias/delete" @ "mlflow/registered-models/alias" [Delete] => registry::delete_registered_model_alias,
    "mlflow/model-versions/create" [Post] => registry::create_model_version,
    "mlflow/model-versions/get" [Get] => registry::get_model_version,
    "mlflow/model-versions/update" [Patch] => registry::update_model_version,
    "mlflow/model-versions/delete" [Delete] => registry::delete_model_version,
    "mlflow/model-versions/search" [Get] => registry::search_model_versions,
    "mlflow/model-versions/set-tag" [Post] => registry::set_model_version_tag,
    "mlflow/model-versions/delete-tag" [Delete] => registry::delete_model_version_tag,
    "mlflow/model-versions/transition-stage" [Post] => registry::transition_model_version_stage,
    "mlflow/model-versions/get-download-uri" [Get] => registry::get_model_version_download_uri,
    // Runlens's own: the UI's run search (with OR and parentheses) and the registry history.
    "runlens/runs/search" [Post] => tracking::search_runs_extended,
    "runlens/registered-models/history" [Get, Post] => registry::registry_history,
    "runlens/registered-models/list" [Get, Post] => board::list_models,
    "runlens/registered-models/board" [Get, Post] => board::board,
    "runlens/model-versions/details" [Get, Post] => board::version_details,
    "runlens/model-versions/read-file" [Get, Post] => board::read_version_file,
    "runlens/runs/table" [Post] => explorer::runs_table,
    "runlens/runs/table-csv" [Post] => explorer::runs_table_csv,
    "runlens/runs/keys" [Post] => explorer::run_keys,
    "runlens/experiments/summary" [Get, Post] => explorer::experiments_summary,
    "runlens/metrics/series" [Post] => charts::metrics_series,
    "runlens/charts/render" [Post] => charts::render,
    "runlens/charts/csv" [Post] => charts::csv,
    "runlens/remotes/list" [Get, Post] => sync::list_remotes,
    "runlens/remotes/save" [Post] => sync::save_remote,
    "runlens/remotes/remove" [Post] => sync::remove_remote,
    "runlens/remotes/experiments" [Get, Post] => sync::remote_experiments,
    "runlens/sync/start" [Post] => sync::start_sync,
    "runlens/sync/status" [Get, Post] => sync::sync_status,
    "runlens/sync/cancel" [Post] => sync::cancel_sync,
    "runlens/sync/jobs" [Get, Post] => sync::sync_jobs,
    "runlens/experiments/sync-state" [Get, Post] => sync::experiment_syncs,
    "runlens/runs/sync-state" [Get, Post] => sync::run_sync_state,
    "runlens/import" [Post] => imports::import,
    "runlens/watched/list" [Get] => imports::watched_list,
    "runlens/watched/add" [Post] => imports::watched_add,
    "runlens/watched/set-enabled" [Post] => imports::watched_set_enabled,
    "runlens/watched/remove" [Post] => imports::watched_remove,
}

/// Looks an operation up by name.
pub fn op(name: &str) -> Option<&'static Op> {
    OPS.iter().find(|o| o.name == name)
}

/// Why an HTTP path found no operation.
#[derive(Debug, PartialEq, Eq)]
pub enum RouteError {
    /// No operation has this path.
    NotFound,
    /// Operations have this path, but not for this method.
    MethodNotAllowed,
}

/// The values of an operation's `{segments}`, by name.
pub type PathParams = Vec<(&'static str, String)>;

/// Finds the operation for an HTTP path (under `/api/<version>/`) and method, with the
/// values of its `{segments}` as JSON fields.
pub fn route(path: &str, method: Method) -> Result<(&'static Op, PathParams), RouteError> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut path_matched = false;
    for op in OPS {
        let pattern: Vec<&str> = op.path.split('/').collect();
        if pattern.len() != parts.len() {
            continue;
        }
        let mut captured = Vec::new();
        let matches =
            pattern.iter().zip(&parts).all(|(p, actual)| match p.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) => {
                    captured.push((name, (*actual).to_string()));
                    !actual.is_empty()
                }
                None => p == actual,
            });
        if !matches {
            continue;
        }
        path_matched = true;
        if op.methods.contains(&method) {
            return Ok((op, captured));
        }
    }
    Err(if path_matched { RouteError::MethodNotAllowed } else { RouteError::NotFound })
}

/// Runs the named operation on a JSON request. An unknown name is `ENDPOINT_NOT_FOUND`.
pub fn call(store: &Store, name: &str, args: serde_json::Value) -> ApiResult<Answer> {
    match op(name) {
        Some(op) => (op.call)(store, args),
        None => Err(ApiError::new(ErrorCode::EndpointNotFound, format!("No operation named '{name}'"))),
    }
}

/// `GET /api/3.0/mlflow/server-info`, as MLflow 3.17.2's server answers it.
pub fn server_info() -> serde_json::Value {
    serde_json::json!({
        "features_enabled": {"gateway": false},
        "multipart_downloads_enabled": false,
        "multipart_uploads_enabled": false,
        "presigned_upload_model_id_supported": false,
        "presigned_upload_run_id_supported": false,
        "store_type": "SqlStore",
        "trace_archival_enabled": false,
        "workspaces_enabled": false
    })
}
