//! The Runlens HTTP transport (axum).
//!
//! - `GET /health`, `GET /version`, `GET /api/3.0/mlflow/server-info`;
//! - every [`runlens_api::OPS`] operation at its MLflow path under `/api/2.0/` and
//!   `/ajax-api/2.0/` (GET reads the query string, other methods a JSON body);
//! - the artifact proxy: `GET|PUT|DELETE /api/2.0/mlflow-artifacts/artifacts/<path>`, streamed;
//! - `/get-artifact` and `/model-versions/get-artifact` (downloads for the UI);
//! - `POST /-/call/<name>`: the UI's own route, any operation by name (the HTTP twin of the
//!   desktop app's `call` command);
//! - the built UI at `/`.
//!
//! Invariant: no logic lives here. A handler turns the request into a JSON value (or, for
//! artifact bodies, a path the API crate resolved) and hands it to the API crate. The
//! [`guard`] middleware refuses foreign Hosts (DNS rebinding), cross-site writes and
//! oversized bodies before any handler runs.

mod artifacts;
mod guard;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{header, HeaderValue, Method as HttpMethod, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;
use runlens_api::{ApiError, ErrorCode, Method, RouteError, Store};

pub use guard::Config;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<Store>,
}

/// Largest JSON request body (MLflow's batch limit is 1 MB; artifacts stream separately and
/// have no limit but the disk).
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// The MLflow version whose REST API Runlens speaks.
pub const MLFLOW_VERSION: &str = "3.17.2";

/// The router with the default [`Config`] (loopback Hosts only).
pub fn router(store: Arc<Store>) -> Router {
    router_with(store, Config::default())
}

/// Builds the whole router. Tests call it with `oneshot`, no socket needed.
pub fn router_with(store: Arc<Store>, config: Config) -> Router {
    let state = AppState { store };
    let api = Router::new()
        .route("/api/2.0/{*op}", any(api))
        .route("/ajax-api/2.0/{*op}", any(api))
        .route("/-/call/{*op}", post(ui_call))
        .route("/-/calls", post(ui_calls))
        .layer(DefaultBodyLimit::max(MAX_BODY));
    let files = Router::new()
        .route("/api/2.0/mlflow-artifacts/artifacts/{*path}", any(artifacts::proxy))
        .route("/ajax-api/2.0/mlflow-artifacts/artifacts/{*path}", any(artifacts::proxy))
        .route("/get-artifact", get(artifacts::run_artifact))
        .route("/ajax-api/2.0/mlflow/get-artifact", get(artifacts::run_artifact))
        .route("/model-versions/get-artifact", get(artifacts::version_artifact))
        .route("/ajax-api/2.0/mlflow/model-versions/get-artifact", get(artifacts::version_artifact))
        .layer(DefaultBodyLimit::disable());
    Router::new()
        .route("/health", get(|| async { "OK" }))
        .route("/version", get(|| async { MLFLOW_VERSION }))
        .route("/api/3.0/mlflow/server-info", get(|| async { axum::Json(runlens_api::server_info()) }))
        .route("/ajax-api/3.0/mlflow/server-info", get(|| async { axum::Json(runlens_api::server_info()) }))
        .merge(api)
        .merge(files)
        .fallback(get(ui))
        .layer(axum::middleware::from_fn_with_state(Arc::new(config), guard::guard))
        .with_state(state)
}

pub(crate) fn error_response(e: ApiError) -> Response {
    let status = StatusCode::from_u16(e.error_code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(e)).into_response()
}

/// Turns a query string into a JSON object; a repeated key becomes a list.
pub(crate) fn query_to_json(query: Option<&str>) -> Result<serde_json::Map<String, serde_json::Value>, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or(""))
        .map_err(|e| ApiError::new(ErrorCode::BadRequest, format!("Malformed query string: {e}")))?;
    let mut map = serde_json::Map::new();
    for (k, v) in pairs {
        match map.get_mut(&k) {
            Some(serde_json::Value::Array(items)) => items.push(v.into()),
            Some(existing) => {
                let first = existing.take();
                *existing = serde_json::Value::Array(vec![first, v.into()]);
            }
            None => {
                map.insert(k, v.into());
            }
        }
    }
    Ok(map)
}

async fn api(
    State(state): State<AppState>,
    Path(path): Path<String>,
    method: HttpMethod,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let wanted = match method {
        HttpMethod::GET => Method::Get,
        HttpMethod::POST => Method::Post,
        HttpMethod::PATCH => Method::Patch,
        HttpMethod::DELETE => Method::Delete,
        _ => return (StatusCode::METHOD_NOT_ALLOWED, "Method not allowed").into_response(),
    };
    let (op, captured) = match runlens_api::route(&path, wanted) {
        Ok(found) => found,
        Err(RouteError::NotFound) => {
            return error_response(ApiError::new(
                ErrorCode::EndpointNotFound,
                format!("No API endpoint at /api/2.0/{path}"),
            ))
        }
        Err(RouteError::MethodNotAllowed) => {
            return (StatusCode::METHOD_NOT_ALLOWED, "Method not allowed").into_response()
        }
    };
    if wanted != Method::Get && captured.is_empty() {
        return run_op(state, op.name, move |store| op.run_body(store, &body)).await;
    }
    let args = if wanted == Method::Get { query_to_json(query.as_deref()) } else { runlens_api::body_args(&body) };
    let mut args = match args {
        Ok(a) => a,
        Err(e) => return error_response(e),
    };
    for (name, value) in captured {
        args.insert(name.to_string(), value.into());
    }
    let args = serde_json::Value::Object(args);
    let name = op.name;
    run_op(state, name, move |store| runlens_api::call(store, name, args)).await
}

/// The UI's route: every operation by name, JSON body in, JSON out, whatever its MLflow
/// method. The desktop app's `call` command is the same thing over IPC.
async fn ui_call(State(state): State<AppState>, Path(op): Path<String>, body: Bytes) -> Response {
    call_named(state, &op, body).await
}

/// Runs the UI operation named `name` on a JSON body (both UI routes).
async fn call_named(state: AppState, name: &str, body: Bytes) -> Response {
    let Some(op) = runlens_api::op(name) else {
        return error_response(ApiError::new(ErrorCode::EndpointNotFound, format!("No operation named '{name}'")));
    };
    run_op(state, op.name, move |store| op.run_body(store, &body)).await
}

/// Most calls one `/-/calls` request may carry.
const MAX_CALLS: usize = 16;

/// Several UI calls in one request: `[{"op": …, "args": {…}}, …]` answers
/// `[{"status": …, "body": …}, …]`, each exactly what `/-/call/<op>` answers, run at once.
/// A page's first questions then cost one round trip (the boot script asks them so).
async fn ui_calls(State(state): State<AppState>, body: Bytes) -> Response {
    let calls: Vec<serde_json::Value> = match serde_json::from_slice(&body) {
        Ok(serde_json::Value::Array(calls)) => calls,
        Ok(_) => return error_response(ApiError::new(ErrorCode::InvalidParameterValue, "Expected a list of calls")),
        Err(e) => return error_response(ApiError::new(ErrorCode::BadRequest, format!("Malformed JSON: {e}"))),
    };
    if calls.len() > MAX_CALLS {
        return error_response(ApiError::new(
            ErrorCode::InvalidParameterValue,
            format!("At most {MAX_CALLS} calls at once, not {}", calls.len()),
        ));
    }
    let answers = futures_util::future::join_all(calls.into_iter().map(|call| {
        let state = state.clone();
        async move {
            let name = call.get("op").and_then(|v| v.as_str()).unwrap_or_default();
            let args = serde_json::to_vec(call.get("args").unwrap_or(&serde_json::json!({}))).unwrap_or_default();
            let resp = call_named(state, name, Bytes::from(args)).await;
            let status = resp.status().as_u16();
            let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap_or_default();
            let body = if body.is_empty() { Bytes::from_static(b"null") } else { body };
            (status, body)
        }
    }))
    .await;
    let mut out = Vec::with_capacity(answers.iter().map(|(_, b)| b.len() + 24).sum::<usize>() + 2);
    out.push(b'[');
    for (i, (status, body)) in answers.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(format!("{{\"status\":{status},\"body\":").as_bytes());
        out.extend_from_slice(body);
        out.push(b'}');
    }
    out.push(b']');
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], out).into_response()
}

/// Operations that take a few dozen microseconds: run on the request's own worker when the
/// store's writer is free, which spares the two thread switches a trip to the blocking pool
/// costs — most of what a single logged metric costs. Everything else, and these too while a
/// write is under way (they would wait for it), goes to the blocking pool.
const QUICK: &[&str] = &[
    "mlflow/runs/log-metric",
    "mlflow/runs/log-parameter",
    "mlflow/runs/set-tag",
    "mlflow/runs/delete-tag",
    "mlflow/runs/update",
    "mlflow/runs/get",
    "mlflow/experiments/get",
    "mlflow/experiments/get-by-name",
];

/// Runs a store call on tokio's blocking pool, at most `store_slots()` at once. Without the
/// bound a burst of requests (the UI asks for a page's parts at once) starts a thread and a
/// reader connection per request; each thread may take its own malloc arena and each reader
/// fills its own page cache, memory that stays after the burst. More concurrent SQLite reads
/// than cores gain nothing. Both transports use it (the desktop's IPC commands too).
pub async fn store_task<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, tokio::task::JoinError> {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let slots = SLOTS.get_or_init(|| tokio::sync::Semaphore::new(store_slots()));
    // The semaphore is never closed, so acquiring only waits.
    let _permit = slots.acquire().await.ok();
    tokio::task::spawn_blocking(f).await
}

/// How many store calls run at once: twice the cores, at least four.
fn store_slots() -> usize {
    std::thread::available_parallelism().map(|n| n.get() * 2).unwrap_or(4).max(4)
}

async fn run_op(
    state: AppState,
    op: &'static str,
    call: impl FnOnce(&Store) -> runlens_api::ApiResult<runlens_api::Answer> + Send + 'static,
) -> Response {
    let store = state.store.clone();
    let multi_thread = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    let result = if multi_thread && QUICK.contains(&op) && store.writer_idle() {
        Ok(call(&store))
    } else {
        store_task(move || call(&store)).await
    };
    match result {
        Ok(Ok(answer)) => {
            let body: Box<str> = answer.into();
            ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body.into_string()).into_response()
        }
        Ok(Err(e)) => error_response(e),
        Err(join) => {
            tracing::error!("operation {op} failed: {join}");
            error_response(ApiError::new(ErrorCode::InternalError, format!("The operation {op} failed unexpectedly")))
        }
    }
}

#[derive(rust_embed::RustEmbed)]
#[folder = "../../ui/dist/"]
struct UiAssets;

/// The CSP of the UI's files: no inline or foreign scripts, no framing, no plugins.
const UI_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; frame-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'none'";

/// The CSP of an HTML page of the UI: [`UI_CSP`], and its own inline scripts allowed by
/// their SHA-256 (the build inlines the boot script into index.html); no other inline script.
fn page_csp(html: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    let text = String::from_utf8_lossy(html);
    let mut hashes = String::new();
    let mut rest = text.as_ref();
    while let Some(start) = rest.find("<script>") {
        let body = &rest[start + "<script>".len()..];
        let Some(end) = body.find("</script>") else { break };
        let digest = sha2::Sha256::digest(&body.as_bytes()[..end]);
        hashes.push_str(&format!(" 'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest)));
        rest = &body[end..];
    }
    UI_CSP.replacen("script-src 'self'", &format!("script-src 'self'{hashes}"), 1)
}

async fn ui(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let (file, path) = match UiAssets::get(path) {
        Some(f) if !path.is_empty() => (f, path),
        // Every other path is the app: its routes live in the hash.
        _ => match UiAssets::get("index.html") {
            Some(f) => (f, "index.html"),
            None => return (StatusCode::NOT_FOUND, "The UI is not built: run `make build`.").into_response(),
        },
    };
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    // Pages say how they are encoded (the hashes of their inline scripts depend on it).
    let mime =
        if mime.essence_str() == "text/html" { "text/html; charset=utf-8".to_string() } else { mime.to_string() };
    let csp = if path.ends_with(".html") { HeaderValue::from_str(&page_csp(&file.data)).ok() } else { None };
    let mut resp = file.data.into_owned().into_response();
    if let Ok(v) = HeaderValue::from_str(&mime) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    // Vite names every asset after its content: a browser may keep it for good, and then
    // starts the app without asking (and reuses its compiled code). The page itself is
    // always asked again, so a new build is seen at once.
    let cache = if path.starts_with("assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    resp.headers_mut().insert(header::CONTENT_SECURITY_POLICY, csp.unwrap_or(HeaderValue::from_static(UI_CSP)));
    resp.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    resp.headers_mut().insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    resp
}

/// Binds `addr` and serves until `shutdown` resolves, calling `on_bound` with the bound
/// address (useful with port 0). Hosts other than loopback are accepted only when bound to
/// a non-loopback address (its own address) or listed in `config`.
pub async fn serve(
    store: Arc<Store>,
    addr: SocketAddr,
    mut config: Config,
    on_bound: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    if !bound.ip().is_loopback() && !bound.ip().is_unspecified() {
        config.allowed_hosts.push(bound.ip().to_string());
    }
    on_bound(bound);
    axum::serve(listener, router_with(store, config)).with_graceful_shutdown(shutdown).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_allows_exactly_its_own_inline_scripts() {
        // echo -n 'boot()' | openssl dgst -sha256 -binary | base64
        let html = b"<head><script>boot()</script><script type=\"module\" src=\"./a.js\"></script></head>";
        let csp = page_csp(html);
        assert!(csp.contains("script-src 'self' 'sha256-MeZS89WlF0u+o0hCvHTBt4q1WHU+U+sJKgbdRUc36mY=';"), "{csp}");
        assert_eq!(csp.matches("sha256-").count(), 1, "{csp}");
        assert_eq!(page_csp(b"<head></head>"), UI_CSP);
        // A script left open is not allowed.
        assert_eq!(page_csp(b"<script>boot()"), UI_CSP);
    }
}
