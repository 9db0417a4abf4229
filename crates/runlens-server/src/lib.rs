//! The Runlens HTTP transport (axum).
//!
//! - `GET /health`, `GET /version`;
//! - every [`runlens_api::OPS`] operation under `/api/2.0/<name>` and `/ajax-api/2.0/<name>`
//!   (MLflow's paths; Runlens's own operations live under the `runlens/` name);
//! - `POST /-/call/<name>`: the UI's own route, any operation with a JSON body (the HTTP twin
//!   of the desktop app's `call` command);
//! - the built UI (`ui/dist`, embedded in release builds) at `/`.
//!
//! Invariant: no logic lives here. A handler turns the query string or JSON body into a
//! JSON value, hands it to [`runlens_api::call`] on a blocking thread, and writes back what
//! it returns, with the HTTP status of the error code.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{header, HeaderValue, Method as HttpMethod, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;
use runlens_api::{ApiError, ErrorCode, Method, Store};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<Store>,
}

/// Largest request body the API accepts (MLflow's batch limit is 1 MB; artifacts stream
/// separately).
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// The MLflow version whose REST API Runlens speaks.
pub const MLFLOW_VERSION: &str = "3.17.2";

/// Builds the whole router. Tests call it with `oneshot`, no socket needed.
pub fn router(store: Arc<Store>) -> Router {
    let state = AppState { store };
    Router::new()
        .route("/health", get(|| async { "OK" }))
        .route("/version", get(|| async { MLFLOW_VERSION }))
        .route("/api/2.0/{*op}", any(api))
        .route("/ajax-api/2.0/{*op}", any(api))
        .route("/-/call/{*op}", post(ui_call))
        .fallback(get(ui))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

fn error_response(e: ApiError) -> Response {
    let status = StatusCode::from_u16(e.error_code.http_status())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(e)).into_response()
}

/// Turns a query string into a JSON object; a repeated key becomes a list.
fn query_to_json(query: Option<&str>) -> Result<serde_json::Value, ApiError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.unwrap_or("")).map_err(|e| {
            ApiError::new(
                ErrorCode::BadRequest,
                format!("Malformed query string: {e}"),
            )
        })?;
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
    Ok(serde_json::Value::Object(map))
}

fn body_to_json(body: &Bytes) -> Result<serde_json::Value, ApiError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(serde_json::Value::Object(Default::default()));
    }
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            ErrorCode::BadRequest,
            format!("Malformed JSON in request body: {e}"),
        )
    })?;
    if !value.is_object() {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "The request body must be a JSON object",
        ));
    }
    Ok(value)
}

async fn api(
    State(state): State<AppState>,
    Path(op): Path<String>,
    method: HttpMethod,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let Some(found) = runlens_api::op(&op) else {
        return error_response(ApiError::new(
            ErrorCode::EndpointNotFound,
            format!("No API endpoint at /api/2.0/{op}"),
        ));
    };
    let wanted = match method {
        HttpMethod::GET => Method::Get,
        HttpMethod::POST => Method::Post,
        HttpMethod::PATCH => Method::Patch,
        HttpMethod::DELETE => Method::Delete,
        _ => return (StatusCode::METHOD_NOT_ALLOWED, "Method not allowed").into_response(),
    };
    if !found.methods.contains(&wanted) {
        return (StatusCode::METHOD_NOT_ALLOWED, "Method not allowed").into_response();
    }
    let args = if wanted == Method::Get {
        query_to_json(query.as_deref())
    } else {
        body_to_json(&body)
    };
    let args = match args {
        Ok(a) => a,
        Err(e) => return error_response(e),
    };
    run_op(state, op, args).await
}

/// The UI's route: every operation by name, JSON body in, JSON out, whatever its MLflow
/// method. The desktop app's `call` command is the same thing over IPC.
async fn ui_call(State(state): State<AppState>, Path(op): Path<String>, body: Bytes) -> Response {
    let args = match body_to_json(&body) {
        Ok(a) => a,
        Err(e) => return error_response(e),
    };
    run_op(state, op, args).await
}

async fn run_op(state: AppState, op: String, args: serde_json::Value) -> Response {
    let store = state.store.clone();
    let name = op.clone();
    let result = tokio::task::spawn_blocking(move || runlens_api::call(&store, &name, args)).await;
    match result {
        Ok(Ok(value)) => axum::Json(value).into_response(),
        Ok(Err(e)) => error_response(e),
        Err(join) => {
            tracing::error!("operation {op} failed: {join}");
            error_response(ApiError::new(
                ErrorCode::InternalError,
                format!("The operation {op} failed unexpectedly"),
            ))
        }
    }
}

#[derive(rust_embed::RustEmbed)]
#[folder = "../../ui/dist/"]
struct UiAssets;

async fn ui(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let (file, path) = match UiAssets::get(path) {
        Some(f) if !path.is_empty() => (f, path),
        // Every other path is the app: its routes live in the hash.
        _ => match UiAssets::get("index.html") {
            Some(f) => (f, "index.html"),
            None => {
                return (
                    StatusCode::NOT_FOUND,
                    "The UI is not built: run `make build`.",
                )
                    .into_response()
            }
        },
    };
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let mut resp = file.data.into_owned().into_response();
    if let Ok(v) = HeaderValue::from_str(mime.as_ref()) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; object-src 'none'",
        ),
    );
    resp.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

/// Binds `addr` and serves until `shutdown` resolves. Returns the bound address through
/// `on_bound` (useful with port 0).
pub async fn serve(
    store: Arc<Store>,
    addr: SocketAddr,
    on_bound: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    on_bound(listener.local_addr()?);
    axum::serve(listener, router(store))
        .with_graceful_shutdown(shutdown)
        .await
}
