//! API tests as data: an operation, a JSON request, and the JSON answer (or error) expected.

use runlens_api::{open_store, ApiResult, ErrorCode, Store};
use serde_json::{json, Value};

/// Runs an operation and parses its encoded answer.
fn call(store: &Store, op: &str, args: Value) -> ApiResult<Value> {
    runlens_api::call(store, op, args).map(|a| serde_json::from_str(a.get()).expect("answers are JSON"))
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path()).unwrap();
    (dir, store)
}

/// Replaces values that change from run to run (ids, clocks) with placeholders.
fn redact(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                match k.as_str() {
                    "run_id" | "run_uuid" => *val = json!("<id>"),
                    "start_time" | "creation_time" | "last_update_time" => *val = json!("<time>"),
                    "artifact_uri" => *val = json!("<uri>"),
                    _ => redact(val),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

#[track_caller]
fn check(store: &Store, op: &str, args: Value, expect: Value) -> Value {
    let got = call(store, op, args.clone()).unwrap_or_else(|e| panic!("{op} {args} failed: {e}"));
    let mut shown = got.clone();
    redact(&mut shown);
    assert_eq!(shown, expect, "{op} {args}");
    got
}

#[track_caller]
fn check_err(store: &Store, op: &str, args: Value, code: ErrorCode, message: &str) {
    let e = call(store, op, args.clone()).expect_err("must fail");
    assert_eq!(e.error_code, code, "{op} {args}: {}", e.message);
    assert!(e.message.contains(message), "{op} {args}: message {:?} lacks {message:?}", e.message);
}

#[test]
fn experiments_round_trip() {
    let (_d, s) = store();
    check(
        &s,
        "mlflow/experiments/create",
        json!({"name": "iris", "tags": [{"key": "team", "value": "ml"}]}),
        json!({"experiment_id": "1"}),
    );
    check(
        &s,
        "mlflow/experiments/get",
        json!({"experiment_id": "1"}),
        json!({"experiment": {"experiment_id": "1", "name": "iris", "artifact_location": "mlflow-artifacts:/1",
            "lifecycle_stage": "active", "creation_time": "<time>", "last_update_time": "<time>",
            "tags": [{"key": "team", "value": "ml"}]}}),
    );
    check_err(
        &s,
        "mlflow/experiments/create",
        json!({"name": "iris"}),
        ErrorCode::ResourceAlreadyExists,
        "already exists",
    );
    check_err(
        &s,
        "mlflow/experiments/get",
        json!({"experiment_id": "42"}),
        ErrorCode::ResourceDoesNotExist,
        "No Experiment with id=42 exists",
    );
    check_err(
        &s,
        "mlflow/experiments/get",
        json!({}),
        ErrorCode::InvalidParameterValue,
        "Missing value for required parameter 'experiment_id'",
    );
    check_err(
        &s,
        "mlflow/experiments/create",
        json!({"name": "x", "artifact_location": "file:///etc"}),
        ErrorCode::InvalidParameterValue,
        "artifact_location",
    );
    check(&s, "mlflow/experiments/update", json!({"experiment_id": "1", "new_name": "iris-2"}), json!({}));
    check(&s, "mlflow/experiments/delete", json!({"experiment_id": 1}), json!({}));
    let active = check(
        &s,
        "mlflow/experiments/search",
        json!({}),
        json!({"experiments": [{"experiment_id": "0", "name": "Default",
        "artifact_location": "mlflow-artifacts:/0", "lifecycle_stage": "active", "creation_time": "<time>", "last_update_time": "<time>"}]}),
    );
    assert!(active.get("next_page_token").is_none());
    let deleted = call(&s, "mlflow/experiments/search", json!({"view_type": "DELETED_ONLY"})).unwrap();
    assert_eq!(deleted["experiments"][0]["name"], "iris-2");
    check_err(
        &s,
        "mlflow/experiments/delete",
        json!({"experiment_id": "0"}),
        ErrorCode::InvalidParameterValue,
        "default experiment",
    );
}

#[test]
fn runs_log_and_read_back() {
    let (_d, s) = store();
    let created = call(
        &s,
        "mlflow/runs/create",
        json!({"experiment_id": "0", "run_name": "r1", "start_time": 1700000000000i64, "user_id": "alice"}),
    )
    .unwrap();
    let id = created["run"]["info"]["run_id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 32);
    check(
        &s,
        "mlflow/runs/log-batch",
        json!({"run_id": id,
        "metrics": [{"key": "loss", "value": 0.5, "timestamp": 1, "step": 0}, {"key": "loss", "value": "NaN", "timestamp": 2, "step": 1},
                    {"key": "acc", "value": "Infinity", "timestamp": 3}],
        "params": [{"key": "lr", "value": "0.1"}], "tags": [{"key": "t", "value": "x"}]}),
        json!({}),
    );
    check(&s, "mlflow/runs/log-parameter", json!({"run_uuid": id, "key": "depth", "value": "3"}), json!({}));
    check_err(
        &s,
        "mlflow/runs/log-parameter",
        json!({"run_id": id, "key": "depth", "value": "4"}),
        ErrorCode::InvalidParameterValue,
        "Changing param values is not allowed",
    );
    check(
        &s,
        "mlflow/runs/update",
        json!({"run_id": id, "status": "FINISHED", "end_time": 1700000001000i64}),
        json!({"run_info": {
        "run_uuid": "<id>", "run_id": "<id>", "experiment_id": "0", "run_name": "r1", "user_id": "alice", "status": "FINISHED",
        "start_time": "<time>", "end_time": 1700000001000i64, "artifact_uri": "<uri>", "lifecycle_stage": "active"}}),
    );
    check(
        &s,
        "mlflow/runs/get",
        json!({"run_id": id}),
        json!({"run": {
        "info": {"run_uuid": "<id>", "run_id": "<id>", "experiment_id": "0", "run_name": "r1", "user_id": "alice", "status": "FINISHED",
                 "start_time": "<time>", "end_time": 1700000001000i64, "artifact_uri": "<uri>", "lifecycle_stage": "active"},
        "data": {"metrics": [{"key": "acc", "value": "Infinity", "timestamp": 3, "step": 0}, {"key": "loss", "value": "NaN", "timestamp": 2, "step": 1}],
                 "params": [{"key": "depth", "value": "3"}, {"key": "lr", "value": "0.1"}],
                 "tags": [{"key": "mlflow.runName", "value": "r1"}, {"key": "t", "value": "x"}]},
        "inputs": {}, "outputs": {}}}),
    );
    check(
        &s,
        "mlflow/metrics/get-history",
        json!({"run_id": id, "metric_key": "loss", "max_results": "1"}),
        json!({
        "metrics": [{"key": "loss", "value": 0.5, "timestamp": 1, "step": 0}], "next_page_token": "eyJvZmZzZXQiOiAxfQ=="}),
    );
    check(
        &s,
        "mlflow/metrics/get-history",
        json!({"run_id": id, "metric_key": "loss", "page_token": "eyJvZmZzZXQiOiAxfQ=="}),
        json!({
        "metrics": [{"key": "loss", "value": "NaN", "timestamp": 2, "step": 1}]}),
    );
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let (_d, s) = store();
    let id = call(&s, "mlflow/runs/create", json!({"experiment_id": "0"})).unwrap()["run"]["info"]["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    check_err(
        &s,
        "mlflow/runs/get",
        json!({"run_id": "doesnotexist"}),
        ErrorCode::ResourceDoesNotExist,
        "Run with id=doesnotexist not found",
    );
    check_err(
        &s,
        "mlflow/runs/log-metric",
        json!({"run_id": id, "key": "m", "value": "abc", "timestamp": 1}),
        ErrorCode::InvalidParameterValue,
        "value",
    );
    check_err(
        &s,
        "mlflow/runs/log-metric",
        json!({"run_id": id, "key": "m", "value": 1.0}),
        ErrorCode::InvalidParameterValue,
        "'timestamp'",
    );
    check_err(
        &s,
        "mlflow/runs/log-metric",
        json!({"run_id": id, "key": "../x", "value": 1.0, "timestamp": 1}),
        ErrorCode::InvalidParameterValue,
        "Invalid metric name",
    );
    check_err(
        &s,
        "mlflow/runs/set-tag",
        json!({"run_id": id, "key": "k".repeat(251), "value": "v"}),
        ErrorCode::InvalidParameterValue,
        "maximum length of 250",
    );
    check_err(
        &s,
        "mlflow/runs/log-parameter",
        json!({"run_id": id, "key": "p", "value": "v".repeat(6001)}),
        ErrorCode::InvalidParameterValue,
        "exceeded length limit of 6000",
    );
    let many: Vec<Value> = (0..1001).map(|i| json!({"key": "m", "value": 1.0, "timestamp": i})).collect();
    check_err(
        &s,
        "mlflow/runs/log-batch",
        json!({"run_id": id, "metrics": many}),
        ErrorCode::InvalidParameterValue,
        "at most 1000 metrics",
    );
    check_err(
        &s,
        "mlflow/runs/search",
        json!({"experiment_ids": ["0"], "filter": "metrics.a > 1 or metrics.b < 2"}),
        ErrorCode::InvalidParameterValue,
        "Invalid clause(s) in filter string: 'or'",
    );
    check_err(
        &s,
        "mlflow/runs/search",
        json!({"experiment_ids": ["0"], "max_results": 50001}),
        ErrorCode::InvalidParameterValue,
        "max_results",
    );
    check_err(
        &s,
        "mlflow/runs/search",
        json!({"experiment_ids": ["0"], "page_token": "%%%"}),
        ErrorCode::InvalidParameterValue,
        "page token",
    );
    check_err(
        &s,
        "mlflow/runs/search",
        json!({"experiment_ids": "0", "order_by": ["metrics.a DESCENDING"]}),
        ErrorCode::InvalidParameterValue,
        "Invalid ordering key",
    );
    check_err(
        &s,
        "mlflow/runs/create",
        json!({"experiment_id": {"x": 1}}),
        ErrorCode::InvalidParameterValue,
        "experiment_id",
    );
    check_err(&s, "no/such/op", json!({}), ErrorCode::EndpointNotFound, "no/such/op");
    // A failed batch leaves nothing behind.
    check_err(
        &s,
        "mlflow/runs/log-batch",
        json!({"run_id": id, "metrics": [{"key": "ok", "value": 1, "timestamp": 1}], "params": [{"key": "a", "value": "1"}, {"key": "a", "value": "2"}]}),
        ErrorCode::InvalidParameterValue,
        "Duplicate parameter keys",
    );
    let run = call(&s, "mlflow/runs/get", json!({"run_id": id})).unwrap();
    assert!(run["run"]["data"].get("metrics").is_none(), "no partial batch: {run}");
}

#[test]
fn extended_search_accepts_or_and_parentheses() {
    let (_d, s) = store();
    for (name, v) in [("a", 1.0), ("b", 2.0), ("c", 3.0)] {
        let id = call(&s, "mlflow/runs/create", json!({"experiment_id": "0", "run_name": name})).unwrap()["run"]
            ["info"]["run_id"]
            .as_str()
            .unwrap()
            .to_string();
        call(&s, "mlflow/runs/log-metric", json!({"run_id": id, "key": "m", "value": v, "timestamp": 1})).unwrap();
    }
    let out = call(&s, "runlens/runs/search", json!({"experiment_ids": ["0"], "filter": "(metrics.m < 1.5 or metrics.m > 2.5) and run_name != 'x'", "order_by": ["metrics.m"]})).unwrap();
    let names: Vec<&str> =
        out["runs"].as_array().unwrap().iter().map(|r| r["info"]["run_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["a", "c"]);
    let page = call(&s, "mlflow/runs/search", json!({"experiment_ids": ["0"], "max_results": 2})).unwrap();
    assert_eq!(page["runs"].as_array().unwrap().len(), 2);
    let token = page["next_page_token"].as_str().unwrap();
    let rest = call(&s, "mlflow/runs/search", json!({"experiment_ids": ["0"], "max_results": 2, "page_token": token}))
        .unwrap();
    assert_eq!(rest["runs"].as_array().unwrap().len(), 1);
    assert!(rest.get("next_page_token").is_none());
}
