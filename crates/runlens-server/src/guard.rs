//! Safety before any handler runs: a Host allow-list against DNS rebinding, refusal of
//! cross-site writes (a foreign `Origin`, or a CORS-"simple" content type such as
//! `text/plain` that a page could send without a preflight), and no CORS headers at all, so
//! no foreign page can read an answer.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use runlens_api::{ApiError, ErrorCode};

/// Which Host names the server answers besides loopback ones.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Extra Host names (without port), e.g. a LAN address given with `--host`.
    pub allowed_hosts: Vec<String>,
}

/// The host part of a `Host` header or an origin's authority, lower-cased, without port.
fn host_of(authority: &str) -> String {
    let a = authority.trim().to_ascii_lowercase();
    if let Some(rest) = a.strip_prefix('[') {
        // [::1]:5055
        return rest.split(']').next().unwrap_or("").to_string();
    }
    a.rsplit_once(':')
        .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        .map(|(h, _)| h.to_string())
        .unwrap_or(a)
}

fn is_allowed_host(host: &str, config: &Config) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "::1"
        || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
        || config.allowed_hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
}

fn refuse(status: StatusCode, code: ErrorCode, message: String) -> Response {
    (status, axum::Json(ApiError::new(code, message))).into_response()
}

fn is_simple_content_type(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let ct = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    matches!(ct.as_str(), "text/plain" | "application/x-www-form-urlencoded" | "multipart/form-data")
}

/// The middleware.
pub async fn guard(State(config): State<Arc<Config>>, req: Request<Body>, next: Next) -> Response {
    let headers = req.headers();
    if let Some(host) = headers.get(header::HOST) {
        let host = host_of(host.to_str().unwrap_or(""));
        if !is_allowed_host(&host, &config) {
            return refuse(
                StatusCode::FORBIDDEN,
                ErrorCode::PermissionDenied,
                format!(
                    "Host '{host}' is not allowed. Runlens answers only to its own address (DNS rebinding protection)."
                ),
            );
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("null");
        let origin_host = origin.split_once("://").map(|(_, rest)| host_of(rest)).unwrap_or_default();
        // Tauri's own origins are the desktop window.
        let tauri = origin.starts_with("tauri://") || origin_host == "tauri.localhost";
        if !tauri && !is_allowed_host(&origin_host, &config) {
            return refuse(
                StatusCode::FORBIDDEN,
                ErrorCode::PermissionDenied,
                format!("Requests from origin '{origin}' are not allowed (cross-site request protection)."),
            );
        }
    }
    // Only POST can cross sites without a preflight (PUT, PATCH and DELETE always get one,
    // which fails here: no CORS). Artifact uploads by PUT may carry any content type.
    if *req.method() == Method::POST && is_simple_content_type(headers) {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::BadRequest,
            "State-changing requests must not be sent as text/plain or a form (cross-site request protection); send application/json.".into(),
        );
    }
    if *req.method() == Method::OPTIONS {
        // No CORS: a preflight from any page gets no permission.
        return StatusCode::NO_CONTENT.into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        let c = Config { allowed_hosts: vec!["10.0.0.5".into()] };
        for ok in
            ["localhost:5055", "127.0.0.1", "127.0.0.1:80", "[::1]:5055", "LOCALHOST", "10.0.0.5:5055", "app.localhost"]
        {
            assert!(is_allowed_host(&host_of(ok), &c), "{ok} should be allowed");
        }
        for bad in ["evil.com", "127.0.0.1.evil.com", "localhost.evil.com:5055", "10.0.0.6", "0.0.0.0"] {
            assert!(!is_allowed_host(&host_of(bad), &c), "{bad} should be refused");
        }
    }
}
