//! Fuzzing with proptest, each target for a bounded time (`RUNLENS_FUZZ_SECONDS`, 8 s by
//! default; `make fuzz` runs each for ten minutes). Inputs are built from the tokens each parser
//! cares about, mixed with arbitrary text, so the interesting paths are reached. A failure
//! prints the shrunk input; it then becomes a regression test named after what it found.
//!
//! Targets: the filter parser (and the SQL it compiles to), the FileStore readers (meta.yaml,
//! metric lines, param and tag files, through a real import), the artifact path resolver
//! (nothing it returns leaves the root), and the decoding of every API operation's request.

use std::path::Path;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// Runs `test` on inputs from `strategy` until the time budget is spent.
fn fuzz<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let seconds = std::env::var("RUNLENS_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(8);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut cases = 0u64;
    while Instant::now() < deadline {
        let mut runner = TestRunner::new(Config { cases: 128, failure_persistence: None, ..Config::default() });
        if let Err(e) = runner.run(&strategy, &test) {
            panic!("fuzz target {name} failed after {cases} cases: {e}");
        }
        cases += 128;
    }
    eprintln!("fuzz target {name}: {cases} cases in {seconds} s");
}

/// Text made of `tokens` and arbitrary characters.
fn soup(tokens: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => proptest::sample::select(tokens).prop_map(str::to_string),
        1 => "[ -~]{0,4}",
        1 => any::<char>().prop_map(|c| c.to_string()),
    ];
    proptest::collection::vec(piece, 0..max).prop_map(|v| v.concat())
}

const FILTER_TOKENS: &[&str] = &[
    "metrics.",
    "params.",
    "tags.",
    "attributes.",
    "attribute.",
    "metric.",
    "param.",
    "tag.",
    "run.",
    "datasets.",
    "dataset.",
    "loss",
    "acc",
    "name",
    "digest",
    "context",
    "run_name",
    "status",
    "start_time",
    "end_time",
    "run_id",
    "user_id",
    "artifact_uri",
    "`",
    "\"",
    "'",
    " ",
    " ",
    " = ",
    " != ",
    " < ",
    " <= ",
    " > ",
    " >= ",
    " LIKE ",
    " ILIKE ",
    " IN ",
    " NOT IN ",
    " IS NULL",
    " IS NOT NULL",
    " AND ",
    " OR ",
    " NOT ",
    "(",
    ")",
    ",",
    "'FINISHED'",
    "'a%'",
    "'%_\\'",
    "1.5e3",
    "-0",
    "NaN",
    "inf",
    "1e309",
    "9223372036854775808",
    "null",
];

#[test]
fn fuzz_the_filter_parser_and_the_sql_it_compiles_to() {
    use runlens_store::filter::{self, Dialect};
    use runlens_store::search::{self, RunQuery};
    let dir = tempfile::tempdir().unwrap();
    let store = runlens_store::Store::open(dir.path()).unwrap();
    fuzz("filter", (soup(FILTER_TOKENS, 24), any::<bool>(), soup(FILTER_TOKENS, 6)), |(text, extended, order)| {
        let dialect = if extended { Dialect::Extended } else { Dialect::Mlflow };
        let parsed = filter::parse(&text, dialect);
        let order = filter::parse_order(&order);
        if let (Ok(expr), Ok(order)) = (parsed, order) {
            let q = RunQuery {
                experiment_ids: vec![0],
                filter: expr,
                order_by: vec![order],
                view: runlens_store::ViewType::All,
                offset: 0,
                limit: 10,
            };
            // Either an answer or a clear error; never a panic or an SQL syntax error.
            if let Err(e) = store.read(|c| search::runs(c, &q)) {
                prop_assert!(!e.to_string().contains("syntax error"), "{text:?} compiled to bad SQL: {e}");
            }
        }
        Ok(())
    });
}

const PATH_TOKENS: &[&str] = &[
    "..",
    ".",
    "/",
    "//",
    "\\",
    "a",
    "b",
    "%2e%2e",
    "%2f",
    "%252e",
    "C:",
    "c:\\",
    "\0",
    "~",
    "file:",
    "#",
    ";",
    "?",
    " ",
    "é",
    "link",
    "..\\..",
    "/etc/passwd",
];

#[test]
fn fuzz_the_artifact_path_resolver_never_leaves_its_root() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("a/b")).unwrap();
    std::fs::create_dir_all(dir.path().join("outside")).unwrap();
    // A symlink inside the root that leads out of it.
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path().join("outside"), root.join("link")).unwrap();
    let real_root = root.canonicalize().unwrap();
    fuzz("artifact path", soup(PATH_TOKENS, 12), |rel| {
        if let Ok(p) = runlens_store::artifacts::resolve(&root, &rel) {
            prop_assert!(p.starts_with(&root), "{rel:?} resolved to {p:?}");
            // What exists of it really is inside the root once links are followed.
            let mut probe = p.clone();
            while !probe.exists() && probe.pop() {}
            if let Ok(real) = probe.canonicalize() {
                prop_assert!(real.starts_with(&real_root), "{rel:?} resolved through a link to {real:?}");
            }
        }
        Ok(())
    });
}

const YAML_TOKENS: &[&str] = &[
    "experiment_id: ",
    "run_id: ",
    "run_uuid: ",
    "name: ",
    "run_name: ",
    "status: ",
    "start_time: ",
    "end_time: ",
    "lifecycle_stage: ",
    "artifact_uri: ",
    "artifact_location: ",
    "user_id: ",
    "deleted_time: ",
    "tags: ",
    "active",
    "deleted",
    "FINISHED",
    "3",
    "5",
    "-1",
    "1e400",
    "99999999999999999999",
    "'7'",
    "\"x\"",
    "\n",
    "\n  ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "&a ",
    "*a",
    "!!binary ",
    "~",
    "null",
    "file:///etc",
    "../../..",
    ": ",
    "#",
    "\t",
];

const METRIC_TOKENS: &[&str] =
    &["1700000000000", " ", "0.5", "-0.0", "NaN", "inf", "-inf", "1e309", "3", "-7", "ds", "d1g3st", "\n", "x", "  "];

/// Writes a FileStore whose files hold fuzzed text.
fn fuzzed_mlruns(root: &Path, exp_meta: &str, run_meta: &str, metric: &str, param: &[u8], tag: &[u8]) {
    let exp = root.join("mlruns/12");
    let run = exp.join("0123456789abcdef0123456789abcdef");
    for d in ["metrics", "params", "tags", "artifacts"] {
        std::fs::create_dir_all(run.join(d)).unwrap();
    }
    std::fs::write(exp.join("meta.yaml"), exp_meta).unwrap();
    std::fs::write(run.join("meta.yaml"), run_meta).unwrap();
    std::fs::write(run.join("metrics/loss"), metric).unwrap();
    std::fs::write(run.join("params/lr"), param).unwrap();
    std::fs::write(run.join("tags/mlflow.runName"), tag).unwrap();
}

#[test]
fn fuzz_the_filestore_readers_through_an_import() {
    let dir = tempfile::tempdir().unwrap();
    let store = runlens_store::Store::open(&dir.path().join("store")).unwrap();
    let valid_exp = "experiment_id: '12'\nname: fuzz\nlifecycle_stage: active\nartifact_location: file:///x\n";
    let valid_run = "run_id: 0123456789abcdef0123456789abcdef\nexperiment_id: '12'\nstatus: 3\nlifecycle_stage: active\nstart_time: 1\n";
    let strategy = (
        prop_oneof![1 => Just(valid_exp.to_string()), 2 => soup(YAML_TOKENS, 30)],
        prop_oneof![1 => Just(valid_run.to_string()), 2 => soup(YAML_TOKENS, 30)],
        soup(METRIC_TOKENS, 30),
        proptest::collection::vec(any::<u8>(), 0..40),
        proptest::collection::vec(any::<u8>(), 0..40),
    );
    let n = std::sync::atomic::AtomicUsize::new(0);
    fuzz("filestore", strategy, |(exp, run, metric, param, tag)| {
        let i = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let src = dir.path().join(format!("src{i}"));
        fuzzed_mlruns(&src, &exp, &run, &metric, &param, &tag);
        // Whatever the files hold: an import that reports, never a panic.
        let _ = runlens_import::import(&store, &src.join("mlruns"), &runlens_import::Options::default());
        let _ = std::fs::remove_dir_all(&src);
        Ok(())
    });
    // And the store is still whole, every row's parent there (imports skip row-by-row checks).
    let ok: String = store.read(|c| Ok(c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?)).unwrap();
    assert_eq!(ok, "ok");
    let orphans: i64 =
        store.read(|c| Ok(c.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0))?)).unwrap();
    assert_eq!(orphans, 0);
}

/// Arbitrary JSON, shallow.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        any::<f64>().prop_map(|f| serde_json::json!(f)),
        soup(FILTER_TOKENS, 4).prop_map(serde_json::Value::String),
        "[a-z0-9_]{0,8}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            proptest::collection::hash_map("[a-z_]{1,12}", inner, 0..5)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Request fields the operations read, so the fuzzer gets past "missing field".
const FIELDS: &[&str] = &[
    "experiment_id",
    "experiment_ids",
    "run_id",
    "run_uuid",
    "name",
    "key",
    "value",
    "values",
    "metrics",
    "params",
    "tags",
    "filter",
    "filter_string",
    "order_by",
    "max_results",
    "page_token",
    "version",
    "stage",
    "alias",
    "path",
    "model_id",
    "timestamp",
    "step",
    "source",
    "columns",
    "sort",
    "view_type",
    "run_view_type",
    "new_name",
    "description",
    "at",
    "runs",
    "x",
    "width",
    "height",
    "start",
    "end",
    "offset",
    "limit",
    "group_by",
];

#[test]
fn fuzz_every_operations_request_decoding() {
    let dir = tempfile::tempdir().unwrap();
    let store = runlens_api::open_store(dir.path()).unwrap();
    // Operations that reach outside the store (files on the host, the network, the keyring)
    // are fuzzed elsewhere or not at all.
    let skip = ["runlens/import", "runlens/watched/", "runlens/remotes/", "runlens/sync/start"];
    let ops: Vec<&'static str> =
        runlens_api::OPS.iter().map(|o| o.name).filter(|n| !skip.iter().any(|s| n.starts_with(s))).collect();
    let request = proptest::collection::hash_map(
        prop_oneof![3 => proptest::sample::select(FIELDS).prop_map(str::to_string), 1 => "[a-z_]{1,10}"],
        json_value(),
        0..6,
    );
    fuzz("api requests", (proptest::sample::select(ops), request), |(op, fields)| {
        let args = serde_json::Value::Object(fields.into_iter().collect());
        // An answer or an MLflow error: never a panic, never an internal error.
        if let Err(e) = runlens_api::call(&store, op, args.clone()) {
            prop_assert!(
                e.error_code != runlens_api::ErrorCode::InternalError,
                "{op} {args} gave an internal error: {}",
                e.message
            );
        }
        Ok(())
    });
}

const URL_TOKENS: &[&str] = &[
    "/api/2.0/mlflow/",
    "/ajax-api/2.0/mlflow/",
    "/api/2.0/mlflow-artifacts/artifacts/",
    "/get-artifact",
    "/model-versions/get-artifact",
    "/-/call/",
    "/api/3.0/mlflow/",
    "runs/",
    "experiments/",
    "registered-models/",
    "model-versions/",
    "logged-models/",
    "search",
    "get",
    "create",
    "log-batch",
    "alias",
    "m-1",
    "0",
    "1",
    "/",
    "?",
    "&",
    "=",
    "run_id",
    "path",
    "name",
    "version",
    "max_results",
    "preview",
    "%2e%2e",
    "%2F",
    "%00",
    "..",
    "%",
    "%zz",
    "+",
    "#",
    ";",
    "~",
    "é",
];

#[test]
fn fuzz_http_requests_to_every_route() {
    use axum::body::Body;
    use axum::http::Request;
    let server = crate::util::TestServer::new();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
    let body = prop_oneof![
        json_value().prop_map(|v| v.to_string().into_bytes()),
        proptest::collection::vec(any::<u8>(), 0..64),
    ];
    fuzz(
        "http",
        (proptest::sample::select(METHODS), soup(URL_TOKENS, 10), body, any::<bool>()),
        |(m, url, body, json)| {
            let Ok(req) = Request::builder()
                .method(m)
                .uri(if url.starts_with('/') { url.clone() } else { format!("/{url}") })
                .header("content-type", if json { "application/json" } else { "application/octet-stream" })
                .body(Body::from(body))
            else {
                return Ok(()); // Not a URI at all: no server ever sees it.
            };
            let (status, _, text) = rt.block_on(server.send(req));
            prop_assert!(status.as_u16() != 500, "{m} {url} answered 500: {text}");
            Ok(())
        },
    );
}
