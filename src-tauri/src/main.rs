//! `runlens-desktop`: the Runlens window.
//!
//! Invariant: nothing here but wiring. The window's one data command, [`call`], hands an
//! operation name and a JSON request to [`runlens_api::call`] — the same function the HTTP
//! server's routes use. The tracking server runs in-process on loopback while the window
//! is open, so a training script can log into the store the window shows.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use std::sync::atomic::{AtomicBool, Ordering};

use runlens_api::{ApiError, ErrorCode, Store};
use tauri::{Emitter, Manager, State};

/// What the commands share, managed once.
struct AppState {
    store: Arc<Store>,
    tracking_uri: Arc<Mutex<Option<String>>>,
    /// Set to cancel the import under way.
    cancel_import: Arc<AtomicBool>,
}

/// Imports a folder or `mlflow.db`, emitting `import-progress` events after each run (the
/// window's progress bar). The import itself is the API's; this only relays progress.
#[tauri::command]
async fn import_folder(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    path: String,
    copy: bool,
) -> Result<runlens_api::imports::ImportSummary, ApiError> {
    let store = state.store.clone();
    let cancel = state.cancel_import.clone();
    cancel.store(false, Ordering::Relaxed);
    let progress: runlens_import::ProgressFn = Arc::new(move |p: &runlens_import::Progress| {
        let _ = app.emit(
            "import-progress",
            serde_json::json!({
                "runs_done": p.runs_done, "runs_total": p.runs_total, "metric_points": p.metric_points,
                "artifacts": p.artifacts, "skipped": p.skipped
            }),
        );
    });
    let options = runlens_import::Options { copy, cancel: Some(cancel), progress: Some(progress) };
    let request = runlens_api::imports::ImportRequest { path: Some(path), copy: Some(copy) };
    tauri::async_runtime::spawn_blocking(move || runlens_api::imports::import_with(&store, request, options))
        .await
        .map_err(|e| ApiError::new(ErrorCode::InternalError, format!("the import failed unexpectedly: {e}")))?
}

/// Cancels the import under way, between two runs.
#[tauri::command]
fn cancel_import(state: State<'_, AppState>) {
    state.cancel_import.store(true, Ordering::Relaxed);
}

/// Opens the system's folder (or file, for an `mlflow.db`) picker.
#[tauri::command]
async fn pick_path(file: bool) -> Option<String> {
    let dialog =
        rfd::AsyncFileDialog::new().set_title(if file { "Import an mlflow.db" } else { "Import an MLflow folder" });
    let picked = if file {
        dialog.add_filter("MLflow database", &["db", "sqlite"]).pick_file().await
    } else {
        dialog.pick_folder().await
    };
    picked.map(|h| h.path().display().to_string())
}

/// Runs an API operation for the UI (the IPC twin of `POST /-/call/<op>`).
#[tauri::command]
async fn call(
    state: State<'_, AppState>,
    op: String,
    args: serde_json::Value,
) -> Result<runlens_api::Answer, ApiError> {
    let store = state.store.clone();
    runlens_server::store_task(move || runlens_api::call(&store, &op, args))
        .await
        .map_err(|e| ApiError::new(ErrorCode::InternalError, format!("the operation failed unexpectedly: {e}")))?
}

/// Bytes `[start, end)` of a run's artifact for the previews, as raw bytes: the file's size
/// (8 bytes, little-endian), then the data. At most 16 MiB per call.
#[tauri::command]
async fn read_artifact(
    state: State<'_, AppState>,
    run_id: String,
    path: String,
    start: u64,
    end: u64,
) -> Result<tauri::ipc::Response, ApiError> {
    let store = state.store.clone();
    let (bytes, size) = runlens_server::store_task(move || {
        runlens_api::artifacts::read_run_artifact(&store, &run_id, &path, start, end)
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::InternalError, format!("reading the artifact failed unexpectedly: {e}")))??;
    let mut out = Vec::with_capacity(bytes.len() + 8);
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&bytes);
    Ok(tauri::ipc::Response::new(out))
}

/// Opens the system's file manager at a run's artifact.
#[tauri::command]
async fn show_in_folder(state: State<'_, AppState>, run_id: String, path: String) -> Result<(), ApiError> {
    let store = state.store.clone();
    let file = runlens_server::store_task(move || runlens_api::artifacts::run_artifact_file(&store, &run_id, &path))
        .await
        .map_err(|e| ApiError::new(ErrorCode::InternalError, format!("locating the artifact failed: {e}")))??;
    let spawned = if cfg!(target_os = "macos") {
        std::process::Command::new("open").arg("-R").arg(&file).spawn()
    } else if cfg!(target_os = "windows") {
        std::process::Command::new("explorer").arg(format!("/select,{}", file.display())).spawn()
    } else {
        let dir =
            if file.is_dir() { file.clone() } else { file.parent().map(|p| p.to_path_buf()).unwrap_or(file.clone()) };
        std::process::Command::new("xdg-open").arg(dir).spawn()
    };
    spawned
        .map(|_| ())
        .map_err(|e| ApiError::new(ErrorCode::InternalError, format!("cannot open the file manager: {e}")))
}

/// Asks where to save a run's artifact, then copies it there (the window's Download).
#[tauri::command]
async fn save_artifact(state: State<'_, AppState>, run_id: String, path: String) -> Result<bool, ApiError> {
    let store = state.store.clone();
    let (file, _) =
        runlens_server::store_task(move || runlens_api::artifacts::run_artifact_regular_file(&store, &run_id, &path))
            .await
            .map_err(|e| ApiError::new(ErrorCode::InternalError, format!("locating the artifact failed: {e}")))??;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let Some(target) = rfd::AsyncFileDialog::new().set_file_name(&name).save_file().await else {
        return Ok(false);
    };
    let to = target.path().to_path_buf();
    tauri::async_runtime::spawn_blocking(move || std::fs::copy(&file, &to).map(|_| ()))
        .await
        .map_err(|e| ApiError::new(ErrorCode::InternalError, format!("copying failed unexpectedly: {e}")))?
        .map_err(|e| ApiError::invalid(format!("cannot write {}: {e}", target.path().display())))?;
    Ok(true)
}

fn decode_base64(data: &str) -> Result<Vec<u8>, ApiError> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(data).map_err(|e| ApiError::invalid(format!("bad file data: {e}")))
}

/// Asks where to save, then writes the bytes there (chart PNG/SVG exports).
#[tauri::command]
async fn save_bytes(suggested_name: String, data_base64: String) -> Result<bool, ApiError> {
    let bytes = decode_base64(&data_base64)?;
    let Some(target) = rfd::AsyncFileDialog::new().set_file_name(&suggested_name).save_file().await else {
        return Ok(false);
    };
    std::fs::write(target.path(), bytes)
        .map(|_| true)
        .map_err(|e| ApiError::invalid(format!("cannot write {}: {e}", target.path().display())))
}

/// One file of [`save_files`].
#[derive(serde::Deserialize)]
struct NamedFile {
    name: String,
    data_base64: String,
}

/// Asks for a folder, then writes every file into it (a dashboard's slide-sized PNGs). Names
/// are file names only: anything with a path separator or `..` is refused.
#[tauri::command]
async fn save_files(files: Vec<NamedFile>) -> Result<Option<String>, ApiError> {
    for f in &files {
        if f.name.is_empty() || f.name.contains(['/', '\\', '\0']) || f.name == "." || f.name == ".." {
            return Err(ApiError::invalid(format!("not a file name: {:?}", f.name)));
        }
    }
    let Some(folder) = rfd::AsyncFileDialog::new().set_title("Export into a folder").pick_folder().await else {
        return Ok(None);
    };
    for f in &files {
        let path = folder.path().join(&f.name);
        std::fs::write(&path, decode_base64(&f.data_base64)?)
            .map_err(|e| ApiError::invalid(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(Some(folder.path().display().to_string()))
}

/// Asks where to save, then writes `text` there (CSV exports). Cancelling saves nothing.
#[tauri::command]
async fn save_text(suggested_name: String, text: String) -> Result<bool, ApiError> {
    let Some(target) = rfd::AsyncFileDialog::new().set_file_name(&suggested_name).save_file().await else {
        return Ok(false);
    };
    std::fs::write(target.path(), text)
        .map(|_| true)
        .map_err(|e| ApiError::invalid(format!("cannot write {}: {e}", target.path().display())))
}

/// The URI a Python script should pass to `mlflow.set_tracking_uri`, if the server is up.
#[tauri::command]
fn tracking_uri(state: State<'_, AppState>) -> Option<String> {
    state.tracking_uri.lock().ok().and_then(|u| u.clone())
}

fn port() -> u16 {
    std::env::var("RUNLENS_PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(runlens_api::DEFAULT_PORT)
}

/// Draws the window without the GPU unless `RUNLENS_GPU=1`: WebKitGTK's accelerated
/// compositing costs ~120 MB in the web process (more where it falls back to software GL)
/// and is behind most blank-window reports on Linux drivers; a table and charts scroll
/// smoothly without it.
fn tune_webview(window: &tauri::WebviewWindow) {
    #[cfg(target_os = "linux")]
    {
        if std::env::var("RUNLENS_GPU").is_ok_and(|v| v == "1") {
            return;
        }
        let _ = window.with_webview(|webview| {
            use webkit2gtk::{CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt};
            let view = webview.inner();
            if let Some(settings) = view.settings() {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
            // Everything the window shows comes from the app itself: no web browser's caches.
            if let Some(context) = view.context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}

fn main() {
    let data_dir = runlens_api::default_data_dir();
    let store = match runlens_api::open_store(&data_dir) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("runlens-desktop: cannot open the store in {}: {e}", data_dir.display());
            std::process::exit(1);
        }
    };
    let uri: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));

    let server_store = store.clone();
    let server_uri = uri.clone();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port()));
    tauri::async_runtime::spawn(async move {
        let bound = move |a: SocketAddr| {
            if let Ok(mut u) = server_uri.lock() {
                *u = Some(format!("http://{a}"));
            }
            eprintln!("runlens-desktop: tracking server on http://{a}");
        };
        if let Err(e) = runlens_server::serve(
            server_store,
            addr,
            runlens_server::Config::default(),
            bound,
            std::future::pending::<()>(),
        )
        .await
        {
            // The window works without it (IPC); only logging from scripts is unavailable.
            eprintln!("runlens-desktop: tracking server not started on {addr}: {e}");
        }
    });

    runlens_import::watch::spawn_manager(store.clone());

    let result = tauri::Builder::default()
        .manage(AppState { store, tracking_uri: uri, cancel_import: Arc::new(AtomicBool::new(false)) })
        .invoke_handler(tauri::generate_handler![
            call,
            tracking_uri,
            import_folder,
            cancel_import,
            pick_path,
            read_artifact,
            show_in_folder,
            save_text,
            save_artifact,
            save_bytes,
            save_files
        ])
        .setup(|app| {
            if let Some(window) = app.get_webview_window("main") {
                tune_webview(&window);
            }
            Ok(())
        })
        .on_window_event(|window, event| {
            // A folder or .db dropped on the window goes to the UI, which imports it.
            if let tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
                let paths: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                let _ = window.emit("paths-dropped", paths);
            }
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("runlens-desktop: {e}");
        std::process::exit(1);
    }
}
