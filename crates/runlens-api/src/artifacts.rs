//! Artifacts: where a `mlflow-artifacts:/…` path lives on disk, listing, deleting, and the
//! artifact URIs of model versions. Reading and writing file bodies is streamed by the
//! transport; every path it touches comes from [`locate`], which never leaves the store's
//! artifact root (or an imported run's own folder).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use runlens_store::{artifacts, logged_models, registry, runs, Read, Store};

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::Empty;

/// Splits a proxy path (`<exp>/<run>/artifacts/<rest>` or `<exp>/models/<id>/artifacts/<rest>`)
/// and returns the folder that holds it plus the rest, when that run or model keeps its files
/// outside the store (an import referenced in place).
fn external_root(conn: &Read, path: &str) -> runlens_store::Result<Option<(PathBuf, String)>> {
    let parts: Vec<&str> = path.splitn(5, '/').collect();
    let (dir, rest) = match parts.as_slice() {
        [_, run, "artifacts", rest @ ..] if *run != "models" => {
            let dir: Option<String> = conn
                .query_row("SELECT artifact_dir FROM runs WHERE run_uuid = ?1", [run], |r| r.get(0))
                .unwrap_or(None);
            (dir, rest.join("/"))
        }
        [_, "models", id, "artifacts", rest @ ..] => {
            let dir: Option<String> = conn
                .query_row("SELECT artifact_dir FROM logged_models WHERE model_id = ?1", [id], |r| r.get(0))
                .unwrap_or(None);
            (dir, rest.join("/"))
        }
        _ => (None, String::new()),
    };
    Ok(dir.map(|d| (PathBuf::from(d), rest)))
}

/// The file or folder a proxy path names. Refuses anything that would leave its root.
pub fn locate(store: &Store, path: &str) -> ApiResult<PathBuf> {
    let path = path.trim_start_matches('/');
    let external = store.read(|c| external_root(c, path))?;
    let resolved = match external {
        Some((root, rest)) => artifacts::resolve(&root, &rest),
        None => artifacts::resolve(&store.artifact_root(), path),
    };
    resolved.map_err(|e| ApiError::invalid(e.to_string()))
}

/// One entry of a listing.
#[derive(Debug, Clone, Serialize)]
pub struct FileInfo {
    /// Name (proxy listing) or path relative to the run's root (tracking listing).
    pub path: String,
    /// Folder?
    pub is_dir: bool,
    /// Size in bytes (files only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_size: Option<u64>,
}

/// Lists one folder level; a missing folder or a file lists nothing (as MLflow).
fn list_dir(dir: &Path, prefix: &str) -> ApiResult<Vec<FileInfo>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // Half-written uploads are not artifacts yet.
        if name.starts_with(runlens_store::artifacts::UPLOAD_PREFIX) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        // symlink_metadata would hide links; metadata follows them, and a link leading out
        // of the root is refused when its content is requested.
        let is_dir = meta.is_dir();
        if !is_dir && !meta.is_file() {
            continue;
        }
        out.push(FileInfo {
            path: if prefix.is_empty() { name } else { format!("{prefix}/{name}") },
            is_dir,
            file_size: (!is_dir).then_some(meta.len()),
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// `GET /api/2.0/mlflow-artifacts/artifacts?path=`.
#[derive(Debug, Deserialize)]
pub struct ProxyList {
    /// Folder, relative to the artifact root.
    pub path: Option<String>,
}

/// A listing.
#[derive(Debug, Serialize)]
pub struct ProxyListResponse {
    /// Entries.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileInfo>,
}

/// Lists a folder through the artifact proxy (names relative to it).
pub fn proxy_list(store: &Store, req: ProxyList) -> ApiResult<ProxyListResponse> {
    let dir = locate(store, req.path.as_deref().unwrap_or(""))?;
    Ok(ProxyListResponse { files: list_dir(&dir, "")? })
}

/// Deletes a file or folder through the artifact proxy.
pub fn proxy_delete(store: &Store, path: &str) -> ApiResult<Empty> {
    let target = locate(store, path)?;
    if target == store.artifact_root() {
        return Err(ApiError::invalid("Refusing to delete the artifact root"));
    }
    let meta =
        std::fs::symlink_metadata(&target).map_err(|_| ApiError::not_found(format!("No artifact at '{path}'")))?;
    let result = if meta.is_dir() { std::fs::remove_dir_all(&target) } else { std::fs::remove_file(&target) };
    result.map_err(|e| ApiError::new(ErrorCode::InternalError, format!("Deleting '{path}' failed: {e}")))?;
    Ok(Empty {})
}

/// The proxy path (`<exp>/<run>/artifacts`) of a run's artifact root.
fn run_proxy_root(conn: &Read, run_id: &str) -> runlens_store::Result<(String, String)> {
    let info = runs::info(conn, run_id)?;
    let root = info
        .artifact_uri
        .strip_prefix("mlflow-artifacts:/")
        .unwrap_or(&info.artifact_uri)
        .trim_start_matches('/')
        .to_string();
    Ok((info.artifact_uri, root))
}

/// `artifacts/list` (tracking side).
#[derive(Debug, Deserialize)]
pub struct ListArtifacts {
    /// Run.
    pub run_id: Option<String>,
    /// Legacy run id.
    pub run_uuid: Option<String>,
    /// Folder, relative to the run's root.
    pub path: Option<String>,
    /// Ignored (listings are not paged).
    pub page_token: Option<String>,
}

/// A run's listing.
#[derive(Debug, Serialize)]
pub struct ListArtifactsResponse {
    /// The run's artifact URI.
    pub root_uri: String,
    /// Entries, paths relative to the run's root.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileInfo>,
}

/// Lists a folder of a run's artifacts.
pub fn list_artifacts(store: &Store, req: ListArtifacts) -> ApiResult<ListArtifactsResponse> {
    let run_id = req.run_id.or(req.run_uuid).filter(|s| !s.is_empty()).ok_or_else(|| ApiError::missing("run_id"))?;
    let (root_uri, root) = store.read(|c| run_proxy_root(c, &run_id))?;
    let sub = req.path.unwrap_or_default();
    let sub = sub.trim_matches('/');
    let dir = locate(store, &format!("{root}/{sub}"))?;
    Ok(ListArtifactsResponse { root_uri, files: list_dir(&dir, sub)? })
}

/// The file behind `/get-artifact?run_id=&path=` (the UI's download route).
pub fn run_artifact_file(store: &Store, run_id: &str, path: &str) -> ApiResult<PathBuf> {
    let (_, root) = store.read(|c| run_proxy_root(c, run_id))?;
    locate(store, &format!("{root}/{}", path.trim_start_matches('/')))
}

/// A run's artifact that is a regular file (not a folder, pipe or device), with its size: what
/// the window reads, saves or shows.
pub fn run_artifact_regular_file(store: &Store, run_id: &str, path: &str) -> ApiResult<(PathBuf, u64)> {
    let file = run_artifact_file(store, run_id, path)?;
    let meta = std::fs::metadata(&file).map_err(|_| ApiError::not_found("No artifact at this path"))?;
    if !meta.is_file() {
        return Err(ApiError::invalid("The artifact path names a folder or a special file, not a file"));
    }
    Ok((file, meta.len()))
}

/// The most [`read_run_artifact`] returns at once.
pub const MAX_READ: u64 = 16 * 1024 * 1024;

/// Bytes `[start, end)` of a run's artifact (at most [`MAX_READ`]) and the file's size: how
/// the desktop window's previews page through files without reading them whole.
pub fn read_run_artifact(store: &Store, run_id: &str, path: &str, start: u64, end: u64) -> ApiResult<(Vec<u8>, u64)> {
    use std::io::{Read as _, Seek, SeekFrom};
    let (file, size) = run_artifact_regular_file(store, run_id, path)?;
    let start = start.min(size);
    let end = end.min(size).min(start.saturating_add(MAX_READ)).max(start);
    let mut f = std::fs::File::open(&file).map_err(|e| ApiError::invalid(format!("opening the artifact: {e}")))?;
    f.seek(SeekFrom::Start(start)).map_err(|e| ApiError::invalid(format!("reading the artifact: {e}")))?;
    let mut bytes = Vec::with_capacity((end - start) as usize);
    f.take(end - start).read_to_end(&mut bytes).map_err(|e| ApiError::invalid(format!("reading the artifact: {e}")))?;
    Ok((bytes, size))
}

/// The proxy path of a `mlflow-artifacts:/…` URI.
fn proxy_path(uri: &str) -> Option<&str> {
    uri.strip_prefix("mlflow-artifacts:").map(|p| p.trim_start_matches('/'))
}

/// The artifact URI of a model version: its logged model's location for `models:/m-…`
/// sources, the run's artifact URI plus the path for `runs:/` sources.
pub fn version_artifact_uri(conn: &Read, name: &str, version: i64) -> runlens_store::Result<String> {
    let v = registry::get_version(conn, name, version)?;
    let source = v.source.unwrap_or_default();
    if let Some(model_id) = v.model_id.as_deref().filter(|m| !m.is_empty()) {
        if let Ok(m) = logged_models::get(conn, model_id) {
            return Ok(m.artifact_location);
        }
    }
    if let Some(rest) = source.strip_prefix("models:/") {
        let id = rest.split('/').next().unwrap_or("");
        return Ok(logged_models::get(conn, id)?.artifact_location);
    }
    if let Some(rest) = source.strip_prefix("runs:/") {
        let (run_id, sub) = rest.split_once('/').unwrap_or((rest, ""));
        let info = runs::info(conn, run_id)?;
        return Ok(if sub.is_empty() {
            info.artifact_uri
        } else {
            format!("{}/{}", info.artifact_uri, sub.trim_matches('/'))
        });
    }
    Ok(source)
}

/// The file behind `/model-versions/get-artifact?name=&version=&path=`.
pub fn version_artifact_file(store: &Store, name: &str, version: i64, path: &str) -> ApiResult<PathBuf> {
    let uri = store.read(|c| version_artifact_uri(c, name, version))?;
    let root = proxy_path(&uri)
        .ok_or_else(|| ApiError::invalid(format!("Model version source '{uri}' is not served by Runlens")))?;
    locate(store, &format!("{root}/{}", path.trim_start_matches('/')))
}
