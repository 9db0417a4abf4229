//! The HTTP transport: MLflow paths, both prefixes, statuses and error bodies.

use axum::http::StatusCode;
use serde_json::json;

use crate::util::TestServer;

#[tokio::test]
async fn health_and_version() {
    let s = TestServer::new();
    let (status, body) = s.get("/health").await;
    assert_eq!((status, body), (StatusCode::OK, json!("OK")));
    let (status, body) = s.get("/version").await;
    assert_eq!((status, body), (StatusCode::OK, json!("3.17.2")));
}

#[tokio::test]
async fn both_prefixes_serve_the_same_api() {
    let s = TestServer::new();
    let (status, body) = s.post("/api/2.0/mlflow/experiments/create", r#"{"name": "e"}"#).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"experiment_id": "1"})));
    for prefix in ["/api/2.0", "/ajax-api/2.0"] {
        let (status, body) = s.get(&format!("{prefix}/mlflow/experiments/get-by-name?experiment_name=e")).await;
        assert_eq!(status, StatusCode::OK, "{prefix}: {body}");
        assert_eq!(body["experiment"]["experiment_id"], "1");
    }
}

#[tokio::test]
async fn get_takes_the_query_string_and_repeated_keys() {
    let s = TestServer::new();
    let (_, run) = s.post("/api/2.0/mlflow/runs/create", r#"{"experiment_id": "0", "run_name": "q"}"#).await;
    let id = run["run"]["info"]["run_id"].as_str().unwrap().to_string();
    let (status, body) = s.get(&format!("/api/2.0/mlflow/runs/get?run_uuid={id}&run_id={id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["run"]["info"]["run_name"], "q");
    let (status, body) = s.get("/api/2.0/mlflow/experiments/search?max_results=1&order_by=name%20ASC").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["experiments"][0]["name"], "Default");
}

#[tokio::test]
async fn errors_carry_mlflow_codes_and_statuses() {
    let s = TestServer::new();
    let check = |status: StatusCode, body: serde_json::Value, want_status: StatusCode, code: &str| {
        assert_eq!(status, want_status, "{body}");
        assert_eq!(body["error_code"], code, "{body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    };
    let (st, b) = s.get("/api/2.0/mlflow/runs/get?run_id=doesnotexist").await;
    check(st, b.clone(), StatusCode::NOT_FOUND, "RESOURCE_DOES_NOT_EXIST");
    assert_eq!(b["message"], "Run with id=doesnotexist not found");
    let (st, b) = s.post("/api/2.0/mlflow/experiments/create", "{not json").await;
    check(st, b, StatusCode::BAD_REQUEST, "BAD_REQUEST");
    let (st, b) = s.post("/api/2.0/mlflow/experiments/create", "[1, 2]").await;
    check(st, b, StatusCode::BAD_REQUEST, "BAD_REQUEST");
    let (st, b) = s.post("/api/2.0/mlflow/experiments/create", r#"{"name": 5}"#).await;
    check(st, b, StatusCode::BAD_REQUEST, "INVALID_PARAMETER_VALUE");
    let (st, b) = s.post("/api/2.0/mlflow/experiments/create", r#"{"name": "Default"}"#).await;
    check(st, b, StatusCode::BAD_REQUEST, "RESOURCE_ALREADY_EXISTS");
    let (st, b) = s.post("/api/2.0/mlflow/no-such-thing", "{}").await;
    check(st, b, StatusCode::NOT_FOUND, "ENDPOINT_NOT_FOUND");
    let (st, _) = s.get("/api/2.0/mlflow/runs/create").await;
    assert_eq!(st, StatusCode::METHOD_NOT_ALLOWED);
    let big = format!(r#"{{"name": "{}"}}"#, "x".repeat(runlens_server::MAX_BODY + 10));
    let (st, _) = s.post("/api/2.0/mlflow/experiments/create", &big).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn the_ui_route_calls_any_operation_by_name() {
    let s = TestServer::new();
    let (status, body) = s.post("/-/call/mlflow/experiments/get", r#"{"experiment_id": "0"}"#).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["experiment"]["name"], "Default");
    let (status, body) = s.post("/-/call/mlflow/nothing", "{}").await;
    assert_eq!((status, body["error_code"].clone()), (StatusCode::NOT_FOUND, json!("ENDPOINT_NOT_FOUND")));
}

#[tokio::test]
async fn ui_calls_answer_several_calls_each_as_its_own_route_would() {
    let s = TestServer::new();
    let (status, body) = s
        .post(
            "/-/calls",
            r#"[{"op": "mlflow/experiments/get", "args": {"experiment_id": "0"}},
                {"op": "mlflow/experiments/get", "args": {"experiment_id": "404"}},
                {"op": "mlflow/nothing", "args": {}},
                {"op": "runlens/experiments/summary"}]"#,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (one, _) = s.post("/-/call/mlflow/experiments/get", r#"{"experiment_id": "0"}"#).await;
    assert_eq!(
        (body[0]["status"].clone(), body[0]["body"]["experiment"]["name"].clone()),
        (json!(one.as_u16()), json!("Default"))
    );
    assert_eq!(
        (body[1]["status"].clone(), body[1]["body"]["error_code"].clone()),
        (json!(404), json!("RESOURCE_DOES_NOT_EXIST"))
    );
    assert_eq!(
        (body[2]["status"].clone(), body[2]["body"]["error_code"].clone()),
        (json!(404), json!("ENDPOINT_NOT_FOUND"))
    );
    assert_eq!(body[3]["status"], 200, "{body}");
    assert!(body[3]["body"]["experiments"].is_array(), "{body}");

    let (status, body) = s.post("/-/calls", r#"{"op": "mlflow/experiments/get"}"#).await;
    assert_eq!((status, body["error_code"].clone()), (StatusCode::BAD_REQUEST, json!("INVALID_PARAMETER_VALUE")));
    let (status, body) = s.post("/-/calls", "[{").await;
    assert_eq!((status, body["error_code"].clone()), (StatusCode::BAD_REQUEST, json!("BAD_REQUEST")));
    let many = format!("[{}]", vec![r#"{"op": "runlens/experiments/summary"}"#; 17].join(","));
    let (status, body) = s.post("/-/calls", &many).await;
    assert_eq!(
        (status, body["error_code"].clone()),
        (StatusCode::BAD_REQUEST, json!("INVALID_PARAMETER_VALUE")),
        "{body}"
    );
}

#[tokio::test]
async fn the_ui_is_served_with_a_strict_csp() {
    let s = TestServer::new();
    let req = axum::http::Request::get("/").body(axum::body::Body::empty()).unwrap();
    let resp = tower::ServiceExt::oneshot(s.router.clone(), req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let csp = resp.headers().get("content-security-policy").unwrap().to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-eval"), "{csp}");
    let (_, ctype, body) =
        s.send(axum::http::Request::get("/index.html").body(axum::body::Body::empty()).unwrap()).await;
    assert!(ctype.starts_with("text/html"), "{ctype}");
    assert!(body.contains("<div id=\"app\">") || body.contains("Runlens"), "{body}");
}

#[tokio::test]
async fn logged_models_take_ids_from_the_path() {
    let s = TestServer::new();
    let (st, created) = s
        .post(
            "/api/2.0/mlflow/logged-models",
            r#"{"experiment_id": "0", "name": "clf", "params": [{"key": "C", "value": "1"}]}"#,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{created}");
    let id = created["model"]["info"]["model_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("m-"));
    assert_eq!(created["model"]["info"]["status"], "LOGGED_MODEL_PENDING");
    assert_eq!(created["model"]["info"]["artifact_uri"], format!("mlflow-artifacts:/0/models/{id}/artifacts"));
    let (st, body) =
        s.method("PATCH", &format!("/api/2.0/mlflow/logged-models/{id}"), r#"{"status": "LOGGED_MODEL_READY"}"#).await;
    assert_eq!((st, body["model"]["info"]["status"].clone()), (StatusCode::OK, json!("LOGGED_MODEL_READY")));
    let (st, _) = s
        .method(
            "PATCH",
            &format!("/api/2.0/mlflow/logged-models/{id}/tags"),
            r#"{"tags": [{"key": "a", "value": "b"}]}"#,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (_, got) = s.get(&format!("/api/2.0/mlflow/logged-models/{id}")).await;
    assert_eq!(got["model"]["info"]["tags"], json!([{"key": "a", "value": "b"}]));
    assert_eq!(got["model"]["data"]["params"], json!([{"key": "C", "value": "1"}]));
    let (st, _) = s.method("DELETE", &format!("/api/2.0/mlflow/logged-models/{id}/tags/a"), "{}").await;
    assert_eq!(st, StatusCode::OK);
    let (st, found) =
        s.post("/api/2.0/mlflow/logged-models/search", r#"{"experiment_ids": ["0"], "filter": "name = 'clf'"}"#).await;
    assert_eq!((st, found["models"].as_array().map(|m| m.len())), (StatusCode::OK, Some(1)));
    let (st, body) = s.get("/api/2.0/mlflow/logged-models/m-doesnotexist").await;
    assert_eq!((st, body["error_code"].clone()), (StatusCode::NOT_FOUND, json!("RESOURCE_DOES_NOT_EXIST")));
    let (st, _) = s.method("PUT", &format!("/api/2.0/mlflow/logged-models/{id}"), "{}").await;
    assert_eq!(st, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn server_info_and_bulk_history() {
    let s = TestServer::new();
    let (st, info) = s.get("/api/3.0/mlflow/server-info").await;
    assert_eq!((st, info["store_type"].clone()), (StatusCode::OK, json!("SqlStore")));
    let (_, run) = s.post("/api/2.0/mlflow/runs/create", r#"{"experiment_id": "0"}"#).await;
    let id = run["run"]["info"]["run_id"].as_str().unwrap().to_string();
    let metrics: Vec<_> = (0..1000).map(|i| json!({"key": "m", "value": i, "timestamp": i, "step": i})).collect();
    s.post("/api/2.0/mlflow/runs/log-batch", &json!({"run_id": id, "metrics": metrics}).to_string()).await;
    let (st, body) = s
        .get(&format!("/api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids={id}&metric_key=m&max_results=10"))
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let steps: Vec<i64> = body["metrics"].as_array().unwrap().iter().map(|m| m["step"].as_i64().unwrap()).collect();
    assert!(steps.len() <= 11 && steps.len() >= 10, "{steps:?}");
    assert_eq!((steps[0], *steps.last().unwrap()), (0, 999), "first and last steps are kept");
    assert_eq!(body["metrics"][0]["run_id"], json!(id));
}

/// Found by fuzzing: a PUT whose path runs through an existing file answered 500.
#[tokio::test]
async fn regression_upload_through_a_file_is_a_clear_400_not_a_500() {
    let s = TestServer::new();
    let (status, _) = s.method("PUT", "/api/2.0/mlflow-artifacts/artifacts/0/x/artifacts/a", "file").await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = s.method("PUT", "/api/2.0/mlflow-artifacts/artifacts/0/x/artifacts/a/b", "under a file").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error_code"], "INVALID_PARAMETER_VALUE");
    assert!(body["message"].as_str().unwrap().contains("in the way"), "{body}");
}
