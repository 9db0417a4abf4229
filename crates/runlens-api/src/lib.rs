//! The Runlens API: the one surface every client goes through.
//!
//! Each operation is a plain function `fn(&Store, Request) -> ApiResult<Response>` (see
//! [`tracking`]). [`OPS`] lists them by MLflow path (`mlflow/runs/create`, …) with their
//! HTTP methods; [`call`] decodes a JSON request, runs the operation and encodes the answer.
//! Both transports — the axum server and the Tauri commands — do nothing but hand a JSON
//! value to [`call`] and return what it gives back, so they cannot disagree.
//!
//! Invariant: errors leave here as [`ApiError`] (`{error_code, message}`), never as a panic.

pub mod error;
pub mod paging;
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
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
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

/// One operation: its path under `/api/2.0/`, methods, and the type-erased call.
pub struct Op {
    /// E.g. `mlflow/runs/create`.
    pub name: &'static str,
    /// Methods it answers to over HTTP.
    pub methods: &'static [Method],
    /// Decodes the request, runs the operation, encodes the answer.
    pub call: fn(&Store, serde_json::Value) -> ApiResult<serde_json::Value>,
}

/// Decodes a request, naming the offending field in the error.
fn decode<T: DeserializeOwned>(args: serde_json::Value) -> ApiResult<T> {
    let args = if args.is_null() {
        serde_json::Value::Object(Default::default())
    } else {
        args
    };
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

fn encode<T: Serialize>(resp: T) -> ApiResult<serde_json::Value> {
    serde_json::to_value(resp).map_err(|e| {
        ApiError::new(
            ErrorCode::InternalError,
            format!("encoding the answer failed: {e}"),
        )
    })
}

macro_rules! ops {
    ($( $name:literal [$($method:ident),+] => $f:path ),* $(,)?) => {
        /// Every operation, by MLflow path.
        pub static OPS: &[Op] = &[
            $( Op {
                name: $name,
                methods: &[$(Method::$method),+],
                call: |store, args| encode($f(store, decode(args)?)?),
            } ),*
        ];
    };
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
    // Runlens's own: the UI's run search, with OR and parentheses.
    "runlens/runs/search" [Post] => tracking::search_runs_extended,
}

/// Looks an operation up by name.
pub fn op(name: &str) -> Option<&'static Op> {
    OPS.iter().find(|o| o.name == name)
}

/// Runs the named operation on a JSON request. An unknown name is `ENDPOINT_NOT_FOUND`.
pub fn call(store: &Store, name: &str, args: serde_json::Value) -> ApiResult<serde_json::Value> {
    match op(name) {
        Some(op) => (op.call)(store, args),
        None => Err(ApiError::new(
            ErrorCode::EndpointNotFound,
            format!("No operation named '{name}'"),
        )),
    }
}
