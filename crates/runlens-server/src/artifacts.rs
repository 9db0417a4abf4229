//! Artifact bodies: streamed downloads (with ranges) and uploads. The API crate decides
//! which file a path names ([`runlens_api::artifacts::locate`]); this module only moves bytes.

use std::path::{Path as FsPath, PathBuf};

use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use runlens_api::{ApiError, ErrorCode};
use tokio::io::AsyncWriteExt;
use tower::ServiceExt;

use crate::{error_response, AppState};

/// What artifact responses may do in a browser: nothing. They are downloads, never pages
/// of this origin, so a scripted SVG or HTML artifact cannot run here.
const ARTIFACT_CSP: &str = "default-src 'none'; sandbox";
/// The CSP of a file previewed inline in the UI's frame (`/get-artifact?…&preview=1`): an
/// opaque origin (`sandbox` without `allow-same-origin`), so a script in an HTML artifact
/// can draw its own page but reach neither the app, its storage, nor the network.
const PREVIEW_CSP: &str = "sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; media-src data: blob:; font-src data:; frame-ancestors 'self' tauri://localhost http://tauri.localhost";

/// `GET|PUT|DELETE /api/2.0/mlflow-artifacts/artifacts/<path>`.
pub async fn proxy(State(state): State<AppState>, Path(path): Path<String>, req: Request) -> Response {
    let store = state.store.clone();
    match *req.method() {
        Method::GET | Method::HEAD => {
            let p = path.clone();
            match blocking(move || runlens_api::artifacts::locate(&store, &p)).await {
                Ok(file) => download(file, req).await,
                Err(e) => error_response(e),
            }
        }
        Method::PUT => {
            let p = path.clone();
            match blocking(move || runlens_api::artifacts::locate(&store, &p)).await {
                Ok(file) => upload(file, req.into_body()).await,
                Err(e) => error_response(e),
            }
        }
        Method::DELETE => match blocking(move || runlens_api::artifacts::proxy_delete(&store, &path)).await {
            Ok(_) => axum::Json(serde_json::json!({})).into_response(),
            Err(e) => error_response(e),
        },
        _ => (StatusCode::METHOD_NOT_ALLOWED, "Method not allowed").into_response(),
    }
}

/// `GET /get-artifact?run_id=&path=`.
pub async fn run_artifact(
    State(state): State<AppState>,
    Query(q): Query<std::collections::HashMap<String, String>>,
    req: Request,
) -> Response {
    let run_id = q.get("run_id").or(q.get("run_uuid")).cloned().unwrap_or_default();
    let path = q.get("path").cloned().unwrap_or_default();
    let preview = q.get("preview").is_some_and(|v| v == "1" || v == "true");
    let store = state.store.clone();
    match blocking(move || runlens_api::artifacts::run_artifact_file(&store, &run_id, &path)).await {
        Ok(file) if preview => download_as(file, req, true).await,
        Ok(file) => download(file, req).await,
        Err(e) => error_response(e),
    }
}

/// `GET /model-versions/get-artifact?name=&version=&path=`.
pub async fn version_artifact(
    State(state): State<AppState>,
    Query(q): Query<std::collections::HashMap<String, String>>,
    req: Request,
) -> Response {
    let name = q.get("name").cloned().unwrap_or_default();
    let version: i64 = match q.get("version").and_then(|v| v.parse().ok()) {
        Some(v) => v,
        None => return error_response(ApiError::invalid("Parameter 'version' must be an integer")),
    };
    let path = q.get("path").cloned().unwrap_or_default();
    let store = state.store.clone();
    match blocking(move || runlens_api::artifacts::version_artifact_file(&store, &name, version, &path)).await {
        Ok(file) => download(file, req).await,
        Err(e) => error_response(e),
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, ApiError> + Send + 'static) -> Result<T, ApiError> {
    crate::store_task(f)
        .await
        .unwrap_or_else(|e| Err(ApiError::new(ErrorCode::InternalError, format!("artifact operation failed: {e}"))))
}

fn content_disposition(name: &str) -> HeaderValue {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string();
    HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// Streams a regular file (ranges and conditional requests included). Folders, named pipes
/// and devices are refused without being opened.
async fn download(file: PathBuf, req: Request) -> Response {
    download_as(file, req, false).await
}

/// Like [`download`]; with `preview`, inline under [`PREVIEW_CSP`] for the UI's sandboxed frame.
async fn download_as(file: PathBuf, req: Request, preview: bool) -> Response {
    let meta = match tokio::fs::metadata(&file).await {
        Ok(m) => m,
        Err(_) => return error_response(ApiError::not_found("No artifact at this path")),
    };
    if !meta.is_file() {
        return error_response(ApiError::invalid("The artifact path names a folder or a special file, not a file"));
    }
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut resp = match tower_http::services::ServeFile::new(&file).oneshot(req).await {
        Ok(r) => r.map(Body::new),
        Err(e) => {
            return error_response(ApiError::new(ErrorCode::InternalError, format!("reading the artifact failed: {e}")))
        }
    };
    let h = resp.headers_mut();
    if preview {
        h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline"));
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PREVIEW_CSP));
    } else {
        h.insert(header::CONTENT_DISPOSITION, content_disposition(&name));
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(ARTIFACT_CSP));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    resp
}

/// Writes an upload to a temporary file beside the target, then renames it into place, so a
/// broken upload leaves no partial artifact.
async fn upload(target: PathBuf, body: Body) -> Response {
    match write_atomically(&target, body).await {
        Ok(()) => axum::Json(serde_json::json!({})).into_response(),
        Err(e) => error_response(e),
    }
}

/// A failed write as the client should read it: a name in the way is the request's fault, a
/// full disk is said plainly.
fn write_error(what: &str, e: std::io::Error) -> ApiError {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotADirectory | K::IsADirectory | K::AlreadyExists => {
            ApiError::invalid(format!("{what} failed: a file or folder of that name is in the way ({e})"))
        }
        K::StorageFull | K::QuotaExceeded | K::FileTooLarge => ApiError::new(
            ErrorCode::InternalError,
            format!("{what} failed: the disk holding the Runlens store is full ({e}); nothing was kept"),
        ),
        _ => ApiError::new(ErrorCode::InternalError, format!("{what} failed: {e}")),
    }
}

async fn write_atomically(target: &FsPath, body: Body) -> Result<(), ApiError> {
    let io = write_error;
    if tokio::fs::metadata(target).await.is_ok_and(|m| m.is_dir()) {
        return Err(ApiError::invalid("The artifact path names an existing folder"));
    }
    let parent = target.parent().ok_or_else(|| ApiError::invalid("Invalid artifact path"))?;
    tokio::fs::create_dir_all(parent).await.map_err(|e| io("creating the artifact folder", e))?;
    let temp = parent.join(format!("{}{}", runlens_store::artifacts::UPLOAD_PREFIX, uuid::Uuid::new_v4().simple()));
    let result = async {
        let mut out = tokio::fs::File::create(&temp).await.map_err(|e| io("creating the artifact", e))?;
        let mut stream = body.into_data_stream();
        while let Some(chunk) = stream.next().await {
            let chunk =
                chunk.map_err(|e| ApiError::new(ErrorCode::BadRequest, format!("the upload was interrupted: {e}")))?;
            out.write_all(&chunk).await.map_err(|e| io("writing the artifact", e))?;
        }
        out.sync_all().await.map_err(|e| io("writing the artifact", e))?;
        tokio::fs::rename(&temp, target).await.map_err(|e| io("storing the artifact", e))
    }
    .await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(&temp).await;
    }
    result
}
