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

/// Creates runs named `name` with params, metrics (each a list of steps) and an optional parent.
fn table_fixture() -> (tempfile::TempDir, Store, String, Vec<String>) {
    let (d, s) = store();
    let exp = call(&s, "mlflow/experiments/create", json!({"name": "table"})).unwrap()["experiment_id"]
        .as_str()
        .unwrap()
        .to_string();
    // name, model, depth, loss history, parent index
    type Spec<'a> = (&'a str, &'a str, &'a str, &'a [f64], Option<usize>);
    let spec: &[Spec] = &[
        ("a", "tree", "3", &[0.9, 0.5], None),
        ("b", "mlp", "10", &[0.7, 0.8], None),
        ("c", "tree", "2", &[f64::NAN], Some(0)),
        ("d", "svm", "x", &[], Some(0)),
        ("e", "mlp", "1", &[0.1, 0.2, 0.05], Some(2)),
    ];
    let mut ids: Vec<String> = Vec::new();
    for (i, (name, model, depth, losses, parent)) in spec.iter().enumerate() {
        let mut tags = vec![json!({"key": "team", "value": if i % 2 == 0 { "red" } else { "blue" }})];
        if let Some(p) = parent {
            tags.push(json!({"key": "mlflow.parentRunId", "value": ids[*p]}));
        }
        let run = call(
            &s,
            "mlflow/runs/create",
            json!({"experiment_id": exp, "run_name": name, "start_time": 1000 + i as i64, "tags": tags}),
        )
        .unwrap();
        let id = run["run"]["info"]["run_id"].as_str().unwrap().to_string();
        let metrics: Vec<Value> = losses
            .iter()
            .enumerate()
            .map(|(step, v)| {
                let value = if v.is_nan() { json!("NaN") } else { json!(v) };
                json!({"key": "loss", "value": value, "timestamp": 5, "step": step})
            })
            .collect();
        call(
            &s,
            "mlflow/runs/log-batch",
            json!({"run_id": id, "metrics": metrics,
                   "params": [{"key": "model", "value": model}, {"key": "depth", "value": depth}]}),
        )
        .unwrap();
        ids.push(id);
    }
    (d, s, exp, ids)
}

/// The run names (or `group:value`) of a table page, with depth marks for nested runs.
fn table_names(s: &Store, exp: &str, args: Value) -> Vec<String> {
    let mut req = json!({"experiment_ids": [exp], "columns": ["attributes.run_name"]});
    req.as_object_mut().unwrap().extend(args.as_object().unwrap().clone());
    let page = call(s, "runlens/runs/table", req).unwrap_or_else(|e| panic!("{args}: {e}"));
    page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| match r["kind"].as_str().unwrap() {
            "group" => format!("group:{}({})", r["value"].as_str().unwrap_or("-"), r["count"]),
            _ => format!(
                "{}{}{}",
                "  ".repeat(r["depth"].as_u64().unwrap() as usize),
                r["run_name"].as_str().unwrap(),
                if r["pinned"].as_bool().unwrap() { "*" } else { "" }
            ),
        })
        .collect()
}

#[test]
fn run_table_sorts_filters_nests_groups_and_pages() {
    let (_d, s, exp, ids) = table_fixture();
    #[track_caller]
    fn check_table(s: &Store, exp: &str, args: Value, expect: &[&str]) {
        assert_eq!(table_names(s, exp, args.clone()), expect, "{args}");
    }
    // Newest first by default.
    check_table(&s, &exp, json!({}), &["e", "d", "c", "b", "a"]);
    // Latest metric: numbers, then NaN, then runs without the metric, in either direction.
    check_table(&s, &exp, json!({"sort": [{"column": "metrics.loss", "ascending": true}]}), &["e", "a", "b", "c", "d"]);
    check_table(
        &s,
        &exp,
        json!({"sort": [{"column": "metrics.loss", "ascending": false}]}),
        &["b", "a", "e", "c", "d"],
    );
    check_table(
        &s,
        &exp,
        json!({"sort": [{"column": "metrics.loss@max", "ascending": false}]}),
        &["a", "b", "e", "d", "c"],
    );
    // Params sort as numbers when they are, text after.
    check_table(&s, &exp, json!({"sort": [{"column": "params.depth", "ascending": true}]}), &["e", "c", "a", "b", "d"]);
    check_table(
        &s,
        &exp,
        json!({"sort": [{"column": "params.model", "ascending": true}, {"column": "params.depth", "ascending": false}]}),
        &["b", "e", "d", "a", "c"],
    );
    // The extended filter (OR, parentheses), and its errors.
    check_table(&s, &exp, json!({"filter": "metrics.loss < 0.6 or params.model = 'svm'"}), &["e", "d", "a"]);
    check_table(
        &s,
        &exp,
        json!({"filter": "(params.model = 'tree' or params.model = 'mlp') and tags.team = 'red'"}),
        &["e", "c", "a"],
    );
    check_table(&s, &exp, json!({"filter": "params.model IS NULL"}), &[]);
    let e =
        call(&s, "runlens/runs/table", json!({"experiment_ids": [exp], "filter": "params.model = tree"})).unwrap_err();
    assert_eq!(e.error_code, ErrorCode::InvalidParameterValue);
    // The tree: roots, expanded parents with their children under them.
    check_table(&s, &exp, json!({"tree": true}), &["b", "a"]);
    check_table(&s, &exp, json!({"tree": true, "expanded": [ids[0]]}), &["b", "a", "  d", "  c"]);
    check_table(&s, &exp, json!({"tree": true, "expanded": [ids[0], ids[2]]}), &["b", "a", "  d", "  c", "    e"]);
    // A child whose parent is filtered out is a root.
    check_table(
        &s,
        &exp,
        json!({"tree": true, "filter": "params.model != 'svm' and attributes.run_name != 'a'"}),
        &["c", "b"],
    );
    // Pinned first, hidden out.
    check_table(&s, &exp, json!({"pinned": [ids[0]], "hidden": [ids[4]]}), &["a*", "d", "c", "b"]);
    // Groups, sorted by value, with aggregates; expanded groups list their runs.
    check_table(&s, &exp, json!({"group_by": "params.model"}), &["group:mlp(2)", "group:svm(1)", "group:tree(2)"]);
    check_table(
        &s,
        &exp,
        json!({"group_by": "params.model", "expanded_groups": ["tree"]}),
        &["group:mlp(2)", "group:svm(1)", "group:tree(2)", "  c", "  a"],
    );
    let page = call(
        &s,
        "runlens/runs/table",
        json!({"experiment_ids": [exp], "group_by": "params.model", "columns": ["metrics.loss"]}),
    )
    .unwrap();
    assert_eq!(
        page["rows"][0]["aggregates"],
        json!([{"column": "metrics.loss", "count": 2, "min": 0.05, "max": 0.8, "mean": 0.42500000000000004}])
    );
    // Paging.
    let page = call(&s, "runlens/runs/table", json!({"experiment_ids": [exp], "offset": 3, "limit": 10})).unwrap();
    assert_eq!(
        (page["total_rows"].as_u64(), page["offset"].as_u64(), page["rows"].as_array().unwrap().len()),
        (Some(5), Some(3), 2)
    );
    // A page of a plain view is cut from the sorted runs; of any other, from its layout.
    check_table(&s, &exp, json!({"offset": 1, "limit": 2}), &["d", "c"]);
    check_table(&s, &exp, json!({"offset": 9, "limit": 2}), &[]);
    check_table(&s, &exp, json!({"pinned": [ids[0]], "hidden": [ids[4]], "offset": 1, "limit": 2}), &["d", "c"]);
    check_table(&s, &exp, json!({"group_by": "params.model", "offset": 2, "limit": 5}), &["group:tree(2)"]);
    // Cells follow the requested columns; NaN as MLflow writes it.
    let page = call(
        &s,
        "runlens/runs/table",
        json!({"experiment_ids": [exp], "columns": ["params.model", "metrics.loss", "metrics.loss@min", "tags.team", "params.nope"],
               "filter": "attributes.run_name = 'c'"}),
    )
    .unwrap();
    assert_eq!(page["rows"][0]["cells"], json!(["tree", "NaN", null, "red", null]));
    // Deleted runs are their own view.
    call(&s, "mlflow/runs/delete", json!({"run_id": ids[1]})).unwrap();
    check_table(&s, &exp, json!({}), &["e", "d", "c", "a"]);
    check_table(&s, &exp, json!({"view_type": "DELETED_ONLY"}), &["b"]);
}

#[test]
fn run_table_csv_keys_and_counts() {
    let (_d, s, exp, _ids) = table_fixture();
    let csv = call(
        &s,
        "runlens/runs/table-csv",
        json!({"experiment_ids": [exp], "columns": ["attributes.run_name", "params.model", "metrics.loss"],
               "sort": [{"column": "attributes.run_name", "ascending": true}], "filter": "params.model != 'svm'"}),
    )
    .unwrap();
    let text = csv["csv"].as_str().unwrap();
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(lines[0], ["run_id", "attributes.run_name", "params.model", "metrics.loss"]);
    let rest: Vec<String> = lines[1..].iter().map(|l| l[1..].join(",")).collect();
    assert_eq!(rest, ["a,tree,0.5", "b,mlp,0.8", "c,tree,NaN", "e,mlp,0.05"]);
    assert_eq!(csv["runs"], 4);
    check(
        &s,
        "runlens/runs/keys",
        json!({"experiment_ids": [exp]}),
        json!({"params": ["depth", "model"], "metrics": ["loss"], "tags": ["mlflow.parentRunId", "mlflow.runName", "team"]}),
    );
    let summary = call(&s, "runlens/experiments/summary", json!({})).unwrap();
    assert_eq!(
        summary["experiments"],
        json!([{"experiment_id": exp, "runs": 5, "active_runs": 5, "last_run_time": 1004}])
    );
    // A column that is not one is refused clearly.
    check_err(
        &s,
        "runlens/runs/table",
        json!({"experiment_ids": [exp], "columns": ["bogus"]}),
        ErrorCode::InvalidParameterValue,
        "Invalid column 'bogus'",
    );
}

#[test]
fn metric_series_are_sampled_with_extremes_kept_and_drawn_and_exported() {
    let (_d, s) = store();
    let run =
        call(&s, "mlflow/runs/create", json!({"experiment_id": "0", "run_name": "long", "start_time": 0})).unwrap();
    let id = run["run"]["info"]["run_id"].as_str().unwrap().to_string();
    // 20,000 points with one spike and one NaN.
    for chunk in 0..20 {
        let metrics: Vec<Value> = (0..1000)
            .map(|i| {
                let step = chunk * 1000 + i;
                let value = match step {
                    12_345 => json!(1e9),
                    777 => json!("NaN"),
                    _ => json!((step % 97) as f64),
                };
                json!({"key": "loss", "value": value, "timestamp": step * 10, "step": step})
            })
            .collect();
        call(&s, "mlflow/runs/log-batch", json!({"run_id": id, "metrics": metrics})).unwrap();
    }
    let res =
        call(&s, "runlens/metrics/series", json!({"series": [{"run_id": id, "key": "loss"}], "width": 300})).unwrap();
    let series = &res["series"][0];
    assert_eq!(series["points"], 20_000);
    assert_eq!(series["sampled"], true);
    let y = series["y"].as_array().unwrap();
    assert!(y.len() <= 300 * 4 + 1, "{} points", y.len());
    assert!(y.contains(&json!(1e9)), "the spike survives");
    assert!(y.contains(&json!("NaN")), "NaN is kept");
    assert_eq!(series["run_name"], "long");
    // The sampled overview is kept, but a new point (or a rename) shows at once.
    call(
        &s,
        "mlflow/runs/log-metric",
        json!({"run_id": id, "key": "loss", "value": 5e9, "timestamp": 200_000, "step": 20_000}),
    )
    .unwrap();
    call(&s, "mlflow/runs/update", json!({"run_id": id, "run_name": "longer"})).unwrap();
    let res =
        call(&s, "runlens/metrics/series", json!({"series": [{"run_id": id, "key": "loss"}], "width": 300})).unwrap();
    assert_eq!(res["series"][0]["points"], 20_001);
    assert!(res["series"][0]["y"].as_array().unwrap().contains(&json!(5e9)));
    assert_eq!(res["series"][0]["run_name"], "longer");
    // A zoom: only the x range, exact when small.
    let res = call(
        &s,
        "runlens/metrics/series",
        json!({"series": [{"run_id": id, "key": "loss"}], "x_range": [100, 199], "width": 300}),
    )
    .unwrap();
    assert_eq!(res["series"][0]["points"], 100);
    assert_eq!(res["series"][0]["sampled"], false);
    assert_eq!(res["series"][0]["x"][0], 100.0);
    // Relative time in seconds since the start.
    let res = call(
        &s,
        "runlens/metrics/series",
        json!({"series": [{"run_id": id, "key": "loss"}], "x": "relative", "x_range": [0, 0.05]}),
    )
    .unwrap();
    assert_eq!(res["series"][0]["x"], json!([0.0, 0.01, 0.02, 0.03, 0.04, 0.05]));
    assert_eq!(res["x_label"], "Time since start (s)");
    // Render and CSV.
    let png = call(
        &s,
        "runlens/charts/render",
        json!({"spec": {"series": [{"run_id": id, "key": "loss"}]}, "format": "png", "width": 320, "height": 200}),
    )
    .unwrap();
    assert_eq!(png["content_type"], "image/png");
    let csv = call(
        &s,
        "runlens/charts/csv",
        json!({"spec": {"series": [{"run_id": id, "key": "loss"}], "x_range": [776, 778]}}),
    )
    .unwrap();
    assert_eq!(
        csv["csv"],
        format!("run_id,run_name,key,step,timestamp,x,y\n{id},longer,loss,776,7760,776,0\n{id},longer,loss,777,7770,777,NaN\n{id},longer,loss,778,7780,778,2\n")
    );
    check_err(
        &s,
        "runlens/metrics/series",
        json!({"series": [{"run_id": id, "key": "loss"}], "x": "nope"}),
        ErrorCode::InvalidParameterValue,
        "Invalid x axis",
    );
    check_err(
        &s,
        "runlens/metrics/series",
        json!({"series": [{"run_id": id, "key": "loss"}], "smooth": 1.5}),
        ErrorCode::InvalidParameterValue,
        "smooth",
    );
    check_err(
        &s,
        "runlens/charts/render",
        json!({"spec": {"series": []}, "format": "gif"}),
        ErrorCode::InvalidParameterValue,
        "Invalid format",
    );
}

/// A model whose versions come from two runs, each with a `model/` folder of files.
fn registry_fixture() -> (tempfile::TempDir, Store, Vec<String>) {
    let (dir, s) = store();
    let exp = call(&s, "mlflow/experiments/create", json!({"name": "reg"})).unwrap()["experiment_id"].clone();
    let mut run_ids = Vec::new();
    for (i, acc) in [0.8, 0.9].iter().enumerate() {
        let run =
            call(&s, "mlflow/runs/create", json!({"experiment_id": exp, "run_name": format!("run-{i}")})).unwrap();
        let id = run["run"]["info"]["run_id"].as_str().unwrap().to_string();
        let metrics = json!([{"key": "acc", "value": acc, "timestamp": 1, "step": 0},
                             {"key": "loss", "value": 1.0 - acc, "timestamp": 1, "step": 0}]);
        call(
            &s,
            "mlflow/runs/log-batch",
            json!({"run_id": id, "metrics": metrics, "params": [{"key": "C", "value": i.to_string()}]}),
        )
        .unwrap();
        let folder = s.artifact_root().join(exp.as_str().unwrap()).join(&id).join("artifacts/model");
        std::fs::create_dir_all(folder.join("sub")).unwrap();
        std::fs::write(
            folder.join("MLmodel"),
            "flavors:\n  sklearn:\n    sklearn_version: 1.5.0\nsaved_input_example_info:\n  artifact_path: input_example.json\n\
             signature:\n  inputs: '[{\"type\": \"double\", \"name\": \"x\", \"required\": true}]'\n",
        )
        .unwrap();
        std::fs::write(folder.join("requirements.txt"), "mlflow==3.17.2\n\nscikit-learn==1.5.0\n").unwrap();
        std::fs::write(folder.join("input_example.json"), "{\"x\": [1.5]}").unwrap();
        std::fs::write(folder.join("sub/model.pkl"), [0u8, 1, 2, 3]).unwrap();
        run_ids.push(id);
    }
    call(&s, "mlflow/registered-models/create", json!({"name": "clf", "description": "the classifier"})).unwrap();
    call(&s, "mlflow/registered-models/create", json!({"name": "Other"})).unwrap();
    for id in &run_ids {
        call(
            &s,
            "mlflow/model-versions/create",
            json!({"name": "clf", "source": format!("runs:/{id}/model"), "run_id": id}),
        )
        .unwrap();
    }
    (dir, s, run_ids)
}

/// The board as `version:stage[@alias…]` cards, newest first.
fn board_cards(s: &Store, args: Value) -> Vec<String> {
    let b = call(s, "runlens/registered-models/board", args).unwrap();
    b["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let aliases: String =
                c["aliases"].as_array().unwrap().iter().map(|a| format!("@{}", a.as_str().unwrap())).collect();
            format!(
                "{}:{}{aliases}{}",
                c["version"].as_str().unwrap(),
                c["stage"].as_str().unwrap(),
                if c["deleted"] == json!(true) { "†" } else { "" }
            )
        })
        .collect()
}

#[test]
fn the_board_shows_stages_aliases_and_key_metrics_now_and_in_the_past() {
    let (_dir, s, runs) = registry_fixture();
    let b = call(&s, "runlens/registered-models/board", json!({"name": "clf"})).unwrap();
    assert_eq!(b["metric_keys"], json!(["acc", "loss"]));
    assert_eq!(b["model"]["description"], json!("the classifier"));
    let card = &b["versions"][0];
    assert_eq!(
        (card["version"].clone(), card["run_name"].clone(), card["metrics"]["acc"].clone()),
        (json!("2"), json!("run-1"), json!(0.9))
    );
    assert_eq!(card["run_id"], json!(runs[1]));

    call(&s, "mlflow/model-versions/transition-stage", json!({"name": "clf", "version": "1", "stage": "Production"}))
        .unwrap();
    call(&s, "mlflow/registered-models/alias/set", json!({"name": "clf", "alias": "champion", "version": "1"}))
        .unwrap();
    let before = call(&s, "runlens/registered-models/history", json!({"name": "clf"})).unwrap()["events"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()["timestamp"]
        .as_i64()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    call(
        &s,
        "mlflow/model-versions/transition-stage",
        json!({"name": "clf", "version": "2", "stage": "production", "archive_existing_versions": true}),
    )
    .unwrap();
    call(&s, "mlflow/registered-models/alias/set", json!({"name": "clf", "alias": "champion", "version": "2"}))
        .unwrap();
    assert_eq!(board_cards(&s, json!({"name": "clf"})), ["2:Production@champion", "1:Archived"]);
    assert_eq!(board_cards(&s, json!({"name": "clf", "at": before})), ["2:None", "1:Production@champion"]);
    assert_eq!(board_cards(&s, json!({"name": "clf", "at": 1})), Vec::<String>::new());

    let kinds: Vec<String> = call(&s, "runlens/registered-models/history", json!({"name": "clf"})).unwrap()["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} v{} {}→{}",
                e["kind"].as_str().unwrap(),
                e["version"].as_str().unwrap_or("-"),
                e["old_value"].as_str().unwrap_or(""),
                e["new_value"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "version_created v1 →None",
            "version_created v2 →None",
            "stage v1 None→Production",
            "alias_set v1 →champion",
            "stage v1 Production→Archived",
            "stage v2 None→Production",
            "alias_set v2 champion@1→champion",
        ]
    );
    check_err(&s, "runlens/registered-models/board", json!({"name": "nope"}), ErrorCode::ResourceDoesNotExist, "nope");
    check_err(&s, "runlens/registered-models/board", json!({}), ErrorCode::InvalidParameterValue, "name");
}

#[test]
fn the_models_list_filters_by_name_and_counts_versions() {
    let (_dir, s, _) = registry_fixture();
    call(&s, "mlflow/model-versions/transition-stage", json!({"name": "clf", "version": "1", "stage": "Staging"}))
        .unwrap();
    call(&s, "mlflow/registered-models/alias/set", json!({"name": "clf", "alias": "best", "version": "2"})).unwrap();
    let all = call(&s, "runlens/registered-models/list", json!({})).unwrap();
    let names: Vec<&str> = all["models"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["clf", "Other"]);
    let clf = &all["models"][0];
    assert_eq!(clf["version_count"], json!(2));
    assert_eq!(clf["latest"], json!({"None": "2", "Staging": "1"}));
    assert_eq!(clf["aliases"], json!([{"alias": "best", "version": "2"}]));
    let some = call(&s, "runlens/registered-models/list", json!({"filter": "OTH"})).unwrap();
    assert_eq!(some["models"].as_array().unwrap().len(), 1);
}

#[test]
fn a_version_page_reads_its_mlmodel_files_and_run() {
    let (_dir, s, runs) = registry_fixture();
    let d = call(&s, "runlens/model-versions/details", json!({"name": "clf", "version": "1"})).unwrap();
    assert_eq!(
        d["mlmodel"]["flavors"],
        json!([{"name": "sklearn", "settings": [{"key": "sklearn_version", "value": "1.5.0"}]}])
    );
    assert_eq!(d["mlmodel"]["signature"]["inputs"], json!([{"name": "x", "type": "double", "required": true}]));
    assert_eq!(d["requirements"], json!(["mlflow==3.17.2", "scikit-learn==1.5.0"]));
    assert_eq!(d["input_example"], json!({"path": "input_example.json", "text": "{\"x\": [1.5]}", "truncated": false}));
    let files: Vec<&str> = d["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(files, ["MLmodel", "input_example.json", "requirements.txt", "sub/model.pkl"]);
    assert_eq!(d["run"]["run_id"], json!(runs[0]));
    assert_eq!(d["run"]["params"], json!([{"key": "C", "value": "0"}]));
    assert_eq!(d["model_version"]["version"], json!("1"));

    let f =
        call(&s, "runlens/model-versions/read-file", json!({"name": "clf", "version": 1, "path": "requirements.txt"}))
            .unwrap();
    assert_eq!(
        (f["text"].as_str().unwrap().lines().next(), f["binary"].clone()),
        (Some("mlflow==3.17.2"), json!(false))
    );
    let f = call(&s, "runlens/model-versions/read-file", json!({"name": "clf", "version": 1, "path": "sub/model.pkl"}))
        .unwrap();
    assert_eq!((f["binary"].clone(), f["size"].clone(), f["text"].clone()), (json!(true), json!(4), json!("")));
    check_err(
        &s,
        "runlens/model-versions/read-file",
        json!({"name": "clf", "version": 1, "path": "../../../../etc/passwd"}),
        ErrorCode::InvalidParameterValue,
        "",
    );
    check_err(
        &s,
        "runlens/model-versions/read-file",
        json!({"name": "clf", "version": 1, "path": "nothing.txt"}),
        ErrorCode::ResourceDoesNotExist,
        "nothing.txt",
    );
    check_err(
        &s,
        "runlens/model-versions/read-file",
        json!({"name": "clf", "version": 1, "path": "sub"}),
        ErrorCode::InvalidParameterValue,
        "not a file",
    );
    check_err(
        &s,
        "runlens/model-versions/details",
        json!({"name": "clf", "version": "9"}),
        ErrorCode::ResourceDoesNotExist,
        "version=9",
    );

    // A version whose MLmodel is missing or broken says why.
    let folder = s.artifact_root();
    let mlmodel = walkdir_find(&folder, "MLmodel");
    std::fs::write(&mlmodel[0], "flavors: [unclosed").unwrap();
    std::fs::write(&mlmodel[1], "flavors: [unclosed").unwrap();
    let d = call(&s, "runlens/model-versions/details", json!({"name": "clf", "version": "1"})).unwrap();
    assert!(d["mlmodel"].is_null());
    assert!(d["mlmodel_error"].as_str().unwrap().contains("not valid YAML"), "{}", d["mlmodel_error"]);
}

/// Every file called `name` under `dir`.
fn walkdir_find(dir: &std::path::Path, name: &str) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walkdir_find(&p, name));
        } else if e.file_name() == name {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_deleted_version_number_is_not_given_again() {
    let (_dir, s, runs) = registry_fixture();
    call(&s, "mlflow/model-versions/delete", json!({"name": "clf", "version": "2"})).unwrap();
    let v =
        call(&s, "mlflow/model-versions/create", json!({"name": "clf", "source": format!("runs:/{}/model", runs[0])}))
            .unwrap();
    assert_eq!(v["model_version"]["version"], json!("3"));
}

/// A body decoded straight into the request (`call_body`) answers and fails exactly as the
/// same body read into a JSON object first (`call`): every body here goes both ways.
#[test]
fn call_body_matches_call() {
    let (_d, s) = store();
    let exp = call(&s, "mlflow/experiments/create", json!({"name": "bodies"})).unwrap()["experiment_id"].clone();
    let run = call(&s, "mlflow/runs/create", json!({"experiment_id": exp})).unwrap()["run"]["info"]["run_id"].clone();
    let run = run.as_str().unwrap();
    let bodies = [
        format!(r#"{{"run_id": "{run}", "metrics": [{{"key": "m", "value": 1.5, "timestamp": 1, "step": 0}}]}}"#),
        // A lone metric where a list is expected, numbers as strings, NaN as a string.
        format!(r#"{{"run_id": "{run}", "metrics": {{"key": "m", "value": "NaN", "timestamp": "2", "step": "1"}}}}"#),
        // A duplicate field: the last one counts, as in a JSON object.
        format!(r#"{{"run_id": "nope", "run_id": "{run}", "params": [{{"key": "p", "value": "1"}}]}}"#),
        format!(r#"{{"run_id": "{run}", "metrics": [{{"key": "m", "value": "high", "timestamp": 1, "step": 0}}]}}"#),
        format!(r#"["{run}", []]"#),
        r#"{"run_id": "#.to_string(),
        "null".to_string(),
        "   ".to_string(),
        r#"{"run_id": "0123456789abcdef0123456789abcdef"}"#.to_string(),
    ];
    for body in &bodies {
        let direct = runlens_api::call_body(&s, "mlflow/runs/log-batch", body.as_bytes()).map(|a| a.get().to_string());
        let long_way = runlens_api::body_args(body.as_bytes())
            .and_then(|args| runlens_api::call(&s, "mlflow/runs/log-batch", Value::Object(args)))
            .map(|a| a.get().to_string());
        match (&direct, &long_way) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{body}"),
            (Err(a), Err(b)) => assert_eq!((a.error_code, &a.message), (b.error_code, &b.message), "{body}"),
            _ => panic!("{body}: {direct:?} but {long_way:?}"),
        }
    }
    let history = call(&s, "mlflow/metrics/get-history", json!({"run_id": run, "metric_key": "m"})).unwrap();
    assert_eq!(history["metrics"].as_array().unwrap().len(), 2, "{history}");
    let got = call(&s, "mlflow/runs/get", json!({"run_id": run})).unwrap();
    assert_eq!(got["run"]["data"]["params"], json!([{"key": "p", "value": "1"}]));
}

/// The keys of an experiment holding most of the store's runs (asked key by key) and of one
/// holding few (read from its runs) are each that experiment's own, not the other's.
#[test]
fn run_keys_of_a_large_and_a_small_experiment() {
    let (_d, s) = store();
    let exp =
        |name: &str| call(&s, "mlflow/experiments/create", json!({"name": name})).unwrap()["experiment_id"].clone();
    let (big, small) = (exp("big"), exp("small"));
    let run = |e: &Value, param: &str, metric: &str, tag: &str| {
        let id = call(&s, "mlflow/runs/create", json!({"experiment_id": e})).unwrap()["run"]["info"]["run_id"].clone();
        call(
            &s,
            "mlflow/runs/log-batch",
            json!({"run_id": id, "params": [{"key": param, "value": "1"}],
                   "metrics": [{"key": metric, "value": 1.0, "timestamp": 1, "step": 0}],
                   "tags": [{"key": tag, "value": "x"}]}),
        )
        .unwrap();
    };
    for i in 0..5 {
        run(&big, &format!("bp{}", i % 2), "bm", "btag");
    }
    run(&small, "sp", "sm", "stag");
    check(
        &s,
        "runlens/runs/keys",
        json!({"experiment_ids": [big]}),
        json!({"params": ["bp0", "bp1"], "metrics": ["bm"], "tags": ["btag", "mlflow.runName"]}),
    );
    check(
        &s,
        "runlens/runs/keys",
        json!({"experiment_ids": [small]}),
        json!({"params": ["sp"], "metrics": ["sm"], "tags": ["mlflow.runName", "stag"]}),
    );
    check(
        &s,
        "runlens/runs/keys",
        json!({"experiment_ids": [big, small]}),
        json!({"params": ["bp0", "bp1", "sp"], "metrics": ["bm", "sm"], "tags": ["btag", "mlflow.runName", "stag"]}),
    );
}
