//! Hostile input: every attack class is refused and the server stays up. MLflow's CVE
//! history is the checklist (path traversal in artifact routes, sources and locations
//! pointing at the host's files, DNS rebinding, cross-site writes).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;

use crate::util::TestServer;

/// A secret outside the store that no request may read.
const SECRET: &str = "TOP-SECRET-CONTENT-7f3a";

async fn server_with_run() -> (TestServer, tempfile::TempDir, String, String) {
    let s = TestServer::new();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), SECRET).unwrap();
    let (_, run) = s.post("/api/2.0/mlflow/runs/create", r#"{"experiment_id": "0"}"#).await;
    let run_id = run["run"]["info"]["run_id"].as_str().unwrap().to_string();
    let req = Request::put(format!("/api/2.0/mlflow-artifacts/artifacts/0/{run_id}/artifacts/ok.txt"))
        .body(Body::from("fine"))
        .unwrap();
    assert_eq!(s.send(req).await.0, StatusCode::OK);
    let secret_path = outside.path().join("secret.txt").display().to_string();
    (s, outside, run_id, secret_path)
}

#[tokio::test]
async fn path_traversal_forms_never_reach_outside_files() {
    let (s, outside, run_id, secret_path) = server_with_run().await;
    // Plant a symlink inside the run's artifacts that points outside the store.
    let art = s._dir.path().join("artifacts/0").join(&run_id).join("artifacts");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.path(), art.join("escape")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.txt"), art.join("secret-link.txt")).unwrap();
    }
    let depth = "../".repeat(12);
    let enc = |p: &str| p.replace('/', "%2F");
    let base = format!("/api/2.0/mlflow-artifacts/artifacts/0/{run_id}/artifacts");
    let attempts = vec![
        format!("{base}/../../../../../../../../..{secret_path}"),
        format!("{base}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e{secret_path}"),
        format!("{base}/%252e%252e/%252e%252e{secret_path}"),
        format!("{base}/..%5c..%5c..%5c..%5c..{}", secret_path.replace('/', "%5c")),
        format!("{base}/{}", enc(&format!("{depth}{secret_path}"))),
        format!("/api/2.0/mlflow-artifacts/artifacts/{}", enc(&secret_path)),
        format!("/api/2.0/mlflow-artifacts/artifacts//{secret_path}"),
        format!("{base}/ok.txt%23/../../../../../../..{secret_path}"),
        format!("{base}/ok.txt;/../../../../../../..{secret_path}"),
        format!("/api/2.0/mlflow-artifacts/artifacts/file://{secret_path}"),
        format!("{base}/escape/secret.txt"),
        format!("{base}/secret-link.txt"),
        format!("/get-artifact?run_id={run_id}&path={}", enc(&format!("{depth}{secret_path}"))),
        format!("/get-artifact?run_id={run_id}&path=escape%2Fsecret.txt"),
        format!("/get-artifact?run_id={run_id}&path={}", enc(&secret_path)),
        format!(
            "/api/2.0/mlflow/artifacts/list?run_id={run_id}&path={}",
            enc(&format!("{depth}{}", outside.path().display()))
        ),
        format!("/api/2.0/mlflow-artifacts/artifacts?path={}", enc(&format!("{depth}{}", outside.path().display()))),
        format!("/api/2.0/mlflow-artifacts/artifacts?path=0/{run_id}/artifacts/escape"),
    ];
    for uri in attempts {
        let (status, _, body) = s.send(Request::get(&uri).body(Body::empty()).unwrap()).await;
        assert!(!body.contains(SECRET), "{uri} leaked the secret ({status})");
        let listed = body.contains("\"is_dir\"") && body.contains("secret");
        assert!(!listed, "{uri} listed an outside folder ({status}): {body}");
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{uri}: {body}");
    }
    // Writes and deletes through the same forms land nowhere outside either.
    for uri in [
        format!("{base}/../../../../../../../../..{}", outside.path().join("written.txt").display()),
        format!("{base}/escape/written.txt"),
    ] {
        let (status, _, _) = s.send(Request::put(&uri).body(Body::from("x")).unwrap()).await;
        assert_ne!(status, StatusCode::OK, "{uri} wrote outside");
        let (status, _, _) = s.send(Request::delete(&uri).body(Body::empty()).unwrap()).await;
        assert_ne!(status, StatusCode::OK, "{uri} deleted outside");
    }
    assert!(!outside.path().join("written.txt").exists());
    assert!(outside.path().join("secret.txt").exists());
    let (status, _) = s.get("/health").await;
    assert_eq!(status, StatusCode::OK, "the server stays up");
}

#[tokio::test]
async fn artifacts_round_trip_with_awkward_names() {
    let (s, _outside, run_id, _) = server_with_run().await;
    for (name, body) in [("dir%20x/hello.txt", "a"), ("r%C3%A9sum%C3%A9/%231%20x%2By.md", "b"), ("a%3Bb.txt", "c")] {
        let uri = format!("/api/2.0/mlflow-artifacts/artifacts/0/{run_id}/artifacts/{name}");
        let (status, _, _) = s.send(Request::put(&uri).body(Body::from(body)).unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        let (status, _, got) = s.send(Request::get(&uri).body(Body::empty()).unwrap()).await;
        assert_eq!((status, got.as_str()), (StatusCode::OK, body), "{uri}");
    }
    let (status, list) = s.get(&format!("/api/2.0/mlflow/artifacts/list?run_id={run_id}&path=r%C3%A9sum%C3%A9")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["files"], json!([{"path": "résumé/#1 x+y.md", "is_dir": false, "file_size": 1}]));
    // Artifact responses are downloads that cannot run as pages of this origin.
    let uri = format!("/api/2.0/mlflow-artifacts/artifacts/0/{run_id}/artifacts/ok.txt");
    let resp =
        tower::ServiceExt::oneshot(s.router.clone(), Request::get(&uri).body(Body::empty()).unwrap()).await.unwrap();
    assert!(resp.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert!(resp.headers()["content-security-policy"].to_str().unwrap().contains("sandbox"));
}

#[tokio::test]
async fn sources_and_locations_on_the_host_are_refused() {
    let s = TestServer::new();
    for location in ["file:///etc", "/etc", "http:///#/../..", "mlflow-artifacts:/../../etc", "s3://bucket/x"] {
        let body = json!({"name": format!("e {location}"), "artifact_location": location}).to_string();
        let (status, b) = s.post("/api/2.0/mlflow/experiments/create", &body).await;
        assert_eq!(
            (status, b["error_code"].clone()),
            (StatusCode::BAD_REQUEST, json!("INVALID_PARAMETER_VALUE")),
            "{location}"
        );
    }
    s.post("/api/2.0/mlflow/registered-models/create", r#"{"name": "m"}"#).await;
    for source in [
        "file:///etc",
        "/etc/passwd",
        "http:///#/../..",
        "runs:/../../etc",
        "models:/m-1#/../..",
        "mlflow-artifacts:/0/../../../etc",
    ] {
        let body = json!({"name": "m", "source": source}).to_string();
        let (status, b) = s.post("/api/2.0/mlflow/model-versions/create", &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{source}: {b}");
    }
}

#[tokio::test]
async fn dns_rebinding_and_cross_site_writes_are_refused() {
    let s = TestServer::new();
    let req = |method: &str, uri: &str, headers: &[(&str, &str)], body: &str| {
        let mut b = Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(Body::from(body.to_string())).unwrap()
    };
    let create = "/api/2.0/mlflow/experiments/create";
    let json_ct = ("content-type", "application/json");
    let cases = [
        (req("GET", "/api/2.0/mlflow/experiments/search", &[("host", "evil.example:5055")], ""), StatusCode::FORBIDDEN),
        (req("GET", "/", &[("host", "127.0.0.1.evil.example")], ""), StatusCode::FORBIDDEN),
        (
            req("POST", create, &[json_ct, ("origin", "https://evil.example")], r#"{"name": "x1"}"#),
            StatusCode::FORBIDDEN,
        ),
        (req("POST", create, &[json_ct, ("origin", "null")], r#"{"name": "x2"}"#), StatusCode::FORBIDDEN),
        (
            req("POST", create, &[("content-type", "text/plain")], r#"{"name": "x3"}"#),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            req(
                "POST",
                "/-/call/mlflow/experiments/create",
                &[("content-type", "application/x-www-form-urlencoded")],
                r#"{"name": "x4"}"#,
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            req("POST", create, &[("content-type", "multipart/form-data; boundary=x")], r#"{"name": "x5"}"#),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ];
    for (r, want) in cases {
        let what = format!("{} {} {:?}", r.method(), r.uri(), r.headers());
        let (status, _, body) = s.send(r).await;
        assert_eq!(status, want, "{what}: {body}");
    }
    // None of the refused writes happened.
    let (_, found) = s.get("/api/2.0/mlflow/experiments/search?filter=name%20LIKE%20%27x%25%27").await;
    assert!(found.get("experiments").is_none(), "{found}");
    // Same-origin and loopback requests go through; a preflight gets no CORS permission.
    let ok = req(
        "POST",
        create,
        &[json_ct, ("host", "localhost:5055"), ("origin", "http://localhost:5055")],
        r#"{"name": "ok"}"#,
    );
    assert_eq!(s.send(ok).await.0, StatusCode::OK);
    let resp = tower::ServiceExt::oneshot(
        s.router.clone(),
        req("OPTIONS", create, &[("origin", "https://evil.example"), ("access-control-request-method", "POST")], ""),
    )
    .await
    .unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn malformed_and_hostile_bodies_are_clear_errors_and_the_server_stays_up() {
    let s = TestServer::new();
    let create = "/api/2.0/mlflow/experiments/create";
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_object = format!("{{\"name\": {}1{}}}", "{\"a\":".repeat(50_000), "}".repeat(50_000));
    let bodies = [
        "",
        "{",
        "null",
        "[]",
        "\"just a string\"",
        "{\"name\": 1e400}",
        "{\"name\": \"\\ud800\"}",
        "{\"name\": \"x\", \"name\": \"y\", \"tags\": {\"not\": \"a list\"}}",
        deep.as_str(),
        deep_object.as_str(),
    ];
    for body in bodies {
        let (status, b) = s.post(create, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{:.60}: {b}", body);
        assert!(b["error_code"].is_string(), "{:.60}: {b}", body);
    }
    // Invalid UTF-8 and NUL bytes in JSON and in query strings.
    let req = Request::post(create)
        .header("content-type", "application/json")
        .body(Body::from(vec![b'{', 0xff, 0xfe, b'}']))
        .unwrap();
    assert_eq!(s.send(req).await.0, StatusCode::BAD_REQUEST);
    let (status, _) = s.get("/api/2.0/mlflow/experiments/get-by-name?experiment_name=%00%ff").await;
    assert!(status.is_client_error(), "{status}");
    // The model-version file routes refuse the same traversal forms as the run routes.
    s.post("/api/2.0/mlflow/registered-models/create", r#"{"name": "m"}"#).await;
    let (_, run) = s.post("/api/2.0/mlflow/runs/create", r#"{"experiment_id": "0"}"#).await;
    let run_id = run["run"]["info"]["run_id"].as_str().unwrap().to_string();
    let body = json!({"name": "m", "source": format!("runs:/{run_id}/model"), "run_id": run_id}).to_string();
    s.post("/api/2.0/mlflow/model-versions/create", &body).await;
    for path in [
        "../../../../../../etc/passwd",
        "%2e%2e/%2e%2e/etc/passwd",
        "/etc/passwd",
        "..\\..\\etc\\passwd",
        "file:///etc/passwd",
    ] {
        let enc = path.replace('%', "%25").replace('/', "%2F");
        let (status, _, b) = s
            .send(
                Request::get(format!("/model-versions/get-artifact?name=m&version=1&path={enc}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert!(!b.contains("root:"), "{path} leaked /etc/passwd");
        assert!(status.is_client_error(), "{path}: {status}");
        let (status, b) = s
            .post(
                "/api/2.0/runlens/model-versions/read-file",
                &json!({"name": "m", "version": "1", "path": path}).to_string(),
            )
            .await;
        assert!(status.is_client_error() && !b.to_string().contains("root:"), "{path}: {status} {b}");
    }
    let (status, _) = s.get("/health").await;
    assert_eq!(status, StatusCode::OK, "the server stays up");
}
