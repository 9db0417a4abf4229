//! Shared helpers: a fresh store and an in-process client for the router.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// A router over a fresh store in a temporary directory.
pub struct TestServer {
    pub _dir: tempfile::TempDir,
    pub router: axum::Router,
}

impl TestServer {
    pub fn new() -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let store = runlens_api::open_store(dir.path()).unwrap();
        TestServer { router: runlens_server::router(Arc::new(store)), _dir: dir }
    }

    /// Sends a request and returns the status, content type and body text.
    pub async fn send(&self, req: Request<Body>) -> (StatusCode, String, String) {
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let ctype = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, ctype, String::from_utf8_lossy(&bytes).into_owned())
    }

    pub async fn get(&self, uri: &str) -> (StatusCode, Value) {
        let (status, _, body) = self.send(Request::get(uri).body(Body::empty()).unwrap()).await;
        (status, serde_json::from_str(&body).unwrap_or(Value::String(body)))
    }

    pub async fn post(&self, uri: &str, body: &str) -> (StatusCode, Value) {
        self.method("POST", uri, body).await
    }

    pub async fn method(&self, method: &str, uri: &str, body: &str) -> (StatusCode, Value) {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let (status, _, body) = self.send(req).await;
        (status, serde_json::from_str(&body).unwrap_or(Value::String(body)))
    }
}
