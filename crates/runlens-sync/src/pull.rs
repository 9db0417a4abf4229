//! `runlens sync pull`: a tracking server's experiments, runs, logged models, registry and
//! artifacts into the local store.

use std::collections::HashSet;
use std::path::Path;

use serde_json::{json, Value};

use runlens_store::experiments::{self, ImportedExperiment};
use runlens_store::logged_models::{self, ImportedLoggedModel};
use runlens_store::registry::{self, ModelVersion};
use runlens_store::runs::{self, ImportedRun};
use runlens_store::sync_state::{self, RunLink};
use runlens_store::{
    artifacts, inputs, metrics, params, tags, Dataset, DatasetInput, KeyValue, Lifecycle, Metric, ModelOutput, Read,
    RunInfo, Store, Write,
};

use crate::remote::{encode_path, Remote};
use crate::{now_ms, selects, Error, Facts, Options, Progress, Report};

// Lenient readers of MLflow's JSON: int64 as a number or a string, floats as numbers or
// "NaN"/"Infinity"/"-Infinity", missing fields as empty.

pub(crate) fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

pub(crate) fn opt_text(v: &Value) -> Option<String> {
    Some(text(v)).filter(|s| !s.is_empty())
}

pub(crate) fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

pub(crate) fn float(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            other => other.parse().ok(),
        },
        _ => None,
    }
}

pub(crate) fn items(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

pub(crate) fn kvs(v: &Value) -> Vec<(String, String)> {
    items(v).iter().map(|kv| (text(&kv["key"]), text(&kv["value"]))).collect()
}

/// The facts of a run as the server answers it.
pub(crate) fn remote_facts(run: &Value) -> Facts {
    let i = &run["info"];
    let d = &run["data"];
    Facts {
        name: text(&i["run_name"]),
        user: text(&i["user_id"]),
        status: text(&i["status"]),
        start: int(&i["start_time"]),
        end: int(&i["end_time"]),
        lifecycle: opt_text(&i["lifecycle_stage"]).unwrap_or_else(|| "active".into()),
        params: kvs(&d["params"]),
        tags: kvs(&d["tags"]),
        latest: items(&d["metrics"])
            .iter()
            .map(|m| {
                (
                    text(&m["key"]),
                    int(&m["step"]).unwrap_or(0),
                    int(&m["timestamp"]).unwrap_or(0),
                    float(&m["value"]).unwrap_or(f64::NAN),
                )
            })
            .collect(),
    }
}

/// Every page of a paged answer: `page` gets the page token (or none) and answers a page.
fn all_pages(field: &str, mut page: impl FnMut(Option<&str>) -> Result<Value, Error>) -> Result<Vec<Value>, Error> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let answer = page(token.as_deref())?;
        out.extend(items(&answer[field]).iter().cloned());
        match opt_text(&answer["next_page_token"]) {
            Some(t) if Some(&t) != token.as_ref() => token = Some(t),
            _ => return Ok(out),
        }
    }
}

/// Every item (`field`) of a paged POST search, `body` sent with each page's token.
pub(crate) fn post_pages(remote: &Remote, path: &str, field: &str, body: Value) -> Result<Vec<Value>, Error> {
    all_pages(field, |token| {
        let mut body = body.clone();
        if let Some(t) = token {
            body["page_token"] = json!(t);
        }
        remote.post(path, &body)
    })
}

/// Every item (`field`) of a paged GET, `query` sent with each page's token.
pub(crate) fn get_pages(remote: &Remote, path: &str, field: &str, query: &[(&str, &str)]) -> Result<Vec<Value>, Error> {
    all_pages(field, |token| {
        let mut q = query.to_vec();
        if let Some(t) = token {
            q.push(("page_token", t));
        }
        remote.get(path, &q)
    })
}

/// The server's experiments (deleted ones too).
pub(crate) fn remote_experiments(remote: &Remote) -> Result<Vec<Value>, Error> {
    post_pages(
        remote,
        "/api/2.0/mlflow/experiments/search",
        "experiments",
        json!({"max_results": 1000, "view_type": "ALL"}),
    )
}

/// The local experiment that stands for a server's: the one recorded, else the one with its
/// name, else its own id when free here, else a new id.
fn local_experiment_for(tx: &Write<'_>, url: &str, remote_id: &str, name: &str) -> runlens_store::Result<i64> {
    if let Some(local) = sync_state::local_experiment(tx, url, remote_id)? {
        if experiments::find(tx, local)?.is_some() {
            return Ok(local);
        }
    }
    if let Some(e) = experiments::get_by_name(tx, name)? {
        return Ok(e.experiment_id);
    }
    if let Ok(id) = remote_id.parse::<i64>() {
        if experiments::find(tx, id)?.is_none() {
            return Ok(id);
        }
    }
    tx.query_row(
        "SELECT COALESCE(MAX(experiment_id) + 1, 1) FROM experiments WHERE experiment_id < 1000000000",
        [],
        |r| r.get(0),
    )
    .map_err(Into::into)
}

/// Pulls everything (or the experiments `options` names) from `remote` into `store`.
pub fn pull(store: &Store, remote: &Remote, options: &Options<'_>) -> Result<Report, Error> {
    let url = remote.url().to_string();
    let mut report = Report::default();
    let mut progress = Progress { phase: "experiments".into(), ..Default::default() };
    (options.progress)(&progress);
    let all = remote_experiments(remote)?;
    for s in &options.experiments {
        if !all.iter().any(|e| selects(std::slice::from_ref(s), &text(&e["experiment_id"]), &text(&e["name"]))) {
            return Err(Error::NotFound(format!("{url} has no experiment named or numbered '{s}'")));
        }
    }
    let chosen: Vec<&Value> =
        all.iter().filter(|e| selects(&options.experiments, &text(&e["experiment_id"]), &text(&e["name"]))).collect();
    let mut pulled_runs = HashSet::new();
    let mut pulled_models = HashSet::new();
    for e in chosen {
        options.check_cancel()?;
        let remote_id = text(&e["experiment_id"]);
        let name = text(&e["name"]);
        let written = store.write(|tx| {
            let local = local_experiment_for(tx, &url, &remote_id, &name)?;
            experiments::upsert_imported(
                tx,
                &ImportedExperiment {
                    experiment_id: local,
                    name: name.clone(),
                    lifecycle_stage: Lifecycle::parse(&text(&e["lifecycle_stage"])),
                    creation_time: int(&e["creation_time"]),
                    last_update_time: int(&e["last_update_time"]),
                },
            )?;
            for (k, v) in kvs(&e["tags"]) {
                experiments::set_tag(tx, local, &k, &v)?;
            }
            sync_state::link_experiment(tx, &url, &remote_id, local, None, None)?;
            Ok(local)
        });
        let local = match written {
            Ok(local) => local,
            Err(runlens_store::Error::AlreadyExists(why)) => {
                report.skipped.push(format!("experiment '{name}' ({remote_id}): {why}"));
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        report.experiments += 1;
        progress.phase = "runs".into();
        progress.experiment = name.clone();
        let body = json!({"experiment_ids": [remote_id], "run_view_type": "ALL", "max_results": 1000});
        let runs = post_pages(remote, "/api/2.0/mlflow/runs/search", "runs", body)?;
        progress.total = runs.len();
        progress.done = 0;
        (options.progress)(&progress);
        for run in &runs {
            options.check_cancel()?;
            pull_run(store, remote, run, local, &mut report)?;
            pulled_runs.insert(text(&run["info"]["run_id"]));
            progress.done += 1;
            progress.metric_points = report.metric_points;
            progress.artifacts = report.artifacts;
            (options.progress)(&progress);
        }
        progress.phase = "logged models".into();
        (options.progress)(&progress);
        pulled_models.extend(pull_logged_models(store, remote, &remote_id, local, &mut report)?);
        store.write(|tx| sync_state::link_experiment(tx, &url, &remote_id, local, Some(now_ms()), None))?;
    }
    progress.phase = "registry".into();
    (options.progress)(&progress);
    let everything = options.experiments.is_empty();
    pull_registry(store, remote, &mut report, |v| {
        everything
            || v.run_id.as_ref().is_some_and(|r| pulled_runs.contains(r))
            || v.model_id.as_ref().is_some_and(|m| pulled_models.contains(m))
    })?;
    Ok(report)
}

/// A metric's whole history on the server.
pub(crate) fn history(remote: &Remote, run_id: &str, key: &str) -> Result<Vec<Metric>, Error> {
    let q = [("run_id", run_id), ("metric_key", key), ("max_results", "25000")];
    let points = get_pages(remote, "/api/2.0/mlflow/metrics/get-history", "metrics", &q)?;
    Ok(points.iter().map(metric_of).collect())
}

fn metric_of(m: &Value) -> Metric {
    let mut p = Metric::new(
        text(&m["key"]),
        float(&m["value"]).unwrap_or(f64::NAN),
        int(&m["timestamp"]).unwrap_or(0),
        int(&m["step"]).unwrap_or(0),
    );
    p.model_id = opt_text(&m["model_id"]);
    p.dataset_name = opt_text(&m["dataset_name"]);
    p.dataset_digest = opt_text(&m["dataset_digest"]);
    p
}

fn same_point(a: &Metric, b: &(String, i64, i64, f64)) -> bool {
    a.key == b.0
        && a.step == b.1
        && a.timestamp == b.2
        && (a.value.to_bits() == b.3.to_bits() || (a.value.is_nan() && b.3.is_nan()))
}

/// One run: skipped when unchanged since the last pull, reported when it changed on both
/// sides, else written whole in one transaction, then its artifacts, then marked complete.
fn pull_run(store: &Store, remote: &Remote, run: &Value, local_exp: i64, report: &mut Report) -> Result<(), Error> {
    let url = remote.url();
    let info = &run["info"];
    let run_id = opt_text(&info["run_id"]).or_else(|| opt_text(&info["run_uuid"])).ok_or_else(|| {
        Error::Malformed("POST /api/2.0/mlflow/runs/search: the answer is malformed: a run without run_id".into())
    })?;
    let facts = remote_facts(run);
    let remote_fp = facts.fingerprint();
    type Local = (Option<i64>, Option<RunLink>, Option<runlens_store::Run>, bool);
    let (handle, link, existing, pushed_from_here): Local = store.read(|c: &Read| {
        if let Some(l) = sync_state::run_by_remote_id(c, url, &run_id)? {
            if l.direction == "push" {
                return Ok((None, None, None, true));
            }
        }
        match runs::handle(c, &run_id) {
            Ok(h) => Ok((Some(h), sync_state::run_link(c, url, h)?, Some(runs::get(c, &run_id)?), false)),
            Err(runlens_store::Error::NotFound(_)) => Ok((None, None, None, false)),
            Err(e) => Err(e),
        }
    })?;
    if pushed_from_here {
        // A run pushed from here, seen again on the server: it is already here as the original.
        report.runs_unchanged += 1;
        return Ok(());
    }
    if let (Some(_), Some(local)) = (handle, &existing) {
        let local_fp = Facts::of_local(local).fingerprint();
        match &link {
            Some(l) if l.direction == "pull" => {
                let remote_changed = remote_fp != l.remote_fingerprint;
                let local_changed = local_fp != l.local_fingerprint;
                if !remote_changed && l.complete {
                    report.runs_unchanged += 1;
                    return Ok(());
                }
                if remote_changed && local_changed {
                    report.conflicts.push(format!(
                        "run {run_id} ('{}'): changed here and on the server since the last pull; left as it is here",
                        facts.name
                    ));
                    return Ok(());
                }
            }
            _ if local_fp == remote_fp => {}
            _ => {
                report.conflicts.push(format!(
                    "run {run_id} ('{}'): already here (not pulled from this server) with other facts; left as it is here",
                    facts.name
                ));
                return Ok(());
            }
        }
    }
    // Histories: only those whose latest point is not already here.
    let mut points = Vec::new();
    for latest in &facts.latest {
        let known = existing.as_ref().is_some_and(|r| r.metrics.iter().any(|m| same_point(m, latest)));
        if !known {
            points.extend(history(remote, &run_id, &latest.0)?);
        }
    }
    let dataset_inputs: Vec<DatasetInput> = items(&run["inputs"]["dataset_inputs"])
        .iter()
        .map(|d| DatasetInput {
            tags: kvs(&d["tags"]).into_iter().map(|(k, v)| KeyValue::new(k, v)).collect(),
            dataset: Dataset {
                name: text(&d["dataset"]["name"]),
                digest: text(&d["dataset"]["digest"]),
                source_type: text(&d["dataset"]["source_type"]),
                source: text(&d["dataset"]["source"]),
                schema: opt_text(&d["dataset"]["schema"]),
                profile: opt_text(&d["dataset"]["profile"]),
            },
        })
        .collect();
    let outputs: Vec<ModelOutput> = items(&run["outputs"]["model_outputs"])
        .iter()
        .map(|o| ModelOutput { model_id: text(&o["model_id"]), step: int(&o["step"]).unwrap_or(0) })
        .collect();
    let status = facts.status.parse().unwrap_or(runlens_store::RunStatus::Finished);
    let imported = ImportedRun {
        info: RunInfo {
            run_id: run_id.clone(),
            experiment_id: local_exp,
            run_name: facts.name.clone(),
            user_id: facts.user.clone(),
            status,
            start_time: facts.start,
            end_time: facts.end,
            artifact_uri: String::new(),
            lifecycle_stage: Lifecycle::parse(&facts.lifecycle),
        },
        deleted_time: None,
        artifact_dir: None,
    };
    let (handle, new_points) = store.write(|tx| {
        let h = runs::upsert_imported(tx, &imported)?;
        runs::set_origin(tx, h, "pulled")?;
        for (k, v) in &facts.params {
            params::set_imported(tx, h, k, v)?;
        }
        for (k, v) in &facts.tags {
            tags::set(tx, h, k, v)?;
        }
        let mut new_points = 0;
        for chunk in points.chunks(10_000) {
            new_points += metrics::log(tx, h, chunk)?;
        }
        for d in &dataset_inputs {
            inputs::log_dataset_input(tx, h, local_exp, d)?;
        }
        for o in &outputs {
            inputs::log_model_output(tx, h, o)?;
        }
        Ok((h, new_points))
    })?;
    report.metric_points += new_points;
    if existing.is_some() {
        report.runs_updated += 1;
    } else {
        report.runs_new += 1;
    }
    let record = |complete: bool| -> Result<(), Error> {
        store.write(|tx| {
            let local_fp = Facts::of_local(&runs::get(tx, &run_id)?).fingerprint();
            let link = RunLink {
                run: handle,
                remote_run_id: run_id.clone(),
                direction: "pull".into(),
                remote_fingerprint: remote_fp.clone(),
                local_fingerprint: local_fp,
                complete,
                synced_time: now_ms(),
            };
            sync_state::set_run_link(tx, url, &link)
        })?;
        Ok(())
    };
    // Recorded before the artifacts (incomplete), so an interrupted pull resumes this run.
    record(false)?;
    let dir = artifacts::run_dir(&store.artifact_root(), local_exp, &run_id)?;
    match pull_run_artifacts(remote, &run_id, &dir) {
        Ok(n) => {
            report.artifacts += n;
            record(true)?;
        }
        Err(e @ (Error::Unauthorized { .. } | Error::Local(_))) => return Err(e),
        Err(e) => report.skipped.push(format!("artifacts of run {run_id}: {e} (tried again on the next pull)")),
    }
    Ok(())
}

/// Every artifact file of a run on the server (paths relative to the run's root), with its
/// size when the server gives one.
pub(crate) fn remote_run_files(remote: &Remote, run_id: &str) -> Result<Vec<(String, Option<i64>)>, Error> {
    let mut files = Vec::new();
    let mut folders = vec![String::new()];
    while let Some(folder) = folders.pop() {
        let mut q = vec![("run_id", run_id)];
        if !folder.is_empty() {
            q.push(("path", folder.as_str()));
        }
        for f in items(&remote.get("/api/2.0/mlflow/artifacts/list", &q)?["files"]) {
            if f["is_dir"].as_bool().unwrap_or(false) {
                folders.push(text(&f["path"]));
            } else {
                files.push((text(&f["path"]), int(&f["file_size"])));
            }
        }
    }
    Ok(files)
}

/// Downloads the run's artifact files that are not here yet (or differ in size).
fn pull_run_artifacts(remote: &Remote, run_id: &str, dir: &Path) -> Result<usize, Error> {
    let mut copied = 0;
    for (path, size) in remote_run_files(remote, run_id)? {
        let dest = artifacts::resolve(dir, &path)
            .map_err(|e| Error::Malformed(format!("the server named an artifact '{path}' that leaves its run: {e}")))?;
        if std::fs::metadata(&dest).is_ok_and(|m| m.is_file() && Some(m.len() as i64) == size) {
            continue;
        }
        remote.download("/get-artifact", &[("run_id", run_id), ("run_uuid", run_id), ("path", &path)], &dest)?;
        copied += 1;
    }
    Ok(copied)
}

/// Downloads a folder served by the artifact proxy (`mlflow-artifacts:/<root>`) into `dir`.
fn pull_proxy_folder(remote: &Remote, root: &str, dir: &Path) -> Result<usize, Error> {
    let mut copied = 0;
    let mut folders = vec![String::new()];
    while let Some(folder) = folders.pop() {
        let path = if folder.is_empty() { root.to_string() } else { format!("{root}/{folder}") };
        let listing = remote.get("/api/2.0/mlflow-artifacts/artifacts", &[("path", &path)])?;
        for f in items(&listing["files"]) {
            let name = text(&f["path"]);
            let rel = if folder.is_empty() { name } else { format!("{folder}/{name}") };
            if f["is_dir"].as_bool().unwrap_or(false) {
                folders.push(rel);
                continue;
            }
            let dest = artifacts::resolve(dir, &rel).map_err(|e| {
                Error::Malformed(format!("the server named a file '{rel}' that leaves its folder: {e}"))
            })?;
            let size = int(&f["file_size"]);
            if std::fs::metadata(&dest).is_ok_and(|m| m.is_file() && Some(m.len() as i64) == size) {
                continue;
            }
            let from = format!("/api/2.0/mlflow-artifacts/artifacts/{}", encode_path(&format!("{root}/{rel}")));
            remote.download(&from, &[], &dest)?;
            copied += 1;
        }
    }
    Ok(copied)
}

/// The experiment's logged models with params, tags, metrics and files; their ids.
fn pull_logged_models(
    store: &Store,
    remote: &Remote,
    remote_exp: &str,
    local_exp: i64,
    report: &mut Report,
) -> Result<Vec<String>, Error> {
    let body = json!({"experiment_ids": [remote_exp], "max_results": 100});
    let models = match post_pages(remote, "/api/2.0/mlflow/logged-models/search", "models", body) {
        Ok(m) => m,
        // An MLflow 2 server has no logged models.
        Err(e) if e.is_code("ENDPOINT_NOT_FOUND") || matches!(e, Error::Server { status: 404, .. }) => {
            return Ok(Vec::new())
        }
        Err(e) => return Err(e),
    };
    let mut ids = Vec::new();
    for m in &models {
        let i = &m["info"];
        let id = text(&i["model_id"]);
        if id.is_empty() {
            continue;
        }
        let status = match &i["status"] {
            Value::Number(n) => match n.as_i64() {
                Some(2) => "LOGGED_MODEL_READY",
                Some(3) => "LOGGED_MODEL_UPLOAD_FAILED",
                _ => "LOGGED_MODEL_PENDING",
            }
            .to_string(),
            other => opt_text(other).unwrap_or_else(|| "LOGGED_MODEL_PENDING".into()),
        };
        let model = ImportedLoggedModel {
            model_id: id.clone(),
            experiment_id: local_exp,
            name: text(&i["name"]),
            creation_time: int(&i["creation_timestamp_ms"]).unwrap_or(0),
            last_updated_time: int(&i["last_updated_timestamp_ms"]).unwrap_or(0),
            status,
            status_message: opt_text(&i["status_message"]),
            model_type: opt_text(&i["model_type"]),
            source_run_id: opt_text(&i["source_run_id"]),
            artifact_dir: None,
        };
        let points: Vec<(Metric, String)> =
            items(&m["data"]["metrics"]).iter().map(|p| (metric_of(p), text(&p["run_id"]))).collect();
        store.write(|tx| {
            logged_models::upsert_imported(tx, &model)?;
            for (k, v) in kvs(&m["data"]["params"]) {
                logged_models::log_param(tx, &id, &k, &v)?;
            }
            for (k, v) in kvs(&i["tags"]) {
                logged_models::set_tag(tx, &id, &k, &v)?;
            }
            for (p, run) in &points {
                logged_models::log_metric(tx, &id, run, p)?;
            }
            Ok(())
        })?;
        report.logged_models += 1;
        let uri = text(&i["artifact_uri"]);
        match uri.strip_prefix("mlflow-artifacts:") {
            Some(root) => {
                let dir = artifacts::resolve(&store.artifact_root(), &format!("{local_exp}/models/{id}/artifacts"))?;
                match pull_proxy_folder(remote, root.trim_start_matches('/'), &dir) {
                    Ok(n) => report.artifacts += n,
                    Err(e @ (Error::Unauthorized { .. } | Error::Local(_))) => return Err(e),
                    Err(e) => report.skipped.push(format!("files of logged model {id}: {e}")),
                }
            }
            None => report.skipped.push(format!(
                "files of logged model {id}: stored at {uri}, which the server does not serve through its artifact proxy"
            )),
        }
        ids.push(id);
    }
    Ok(ids)
}

/// Registered models with their versions, tags, stages and aliases. Stage and alias changes
/// since the last pull go into the local history, at the server's update time.
fn pull_registry(
    store: &Store,
    remote: &Remote,
    report: &mut Report,
    wanted: impl Fn(&ModelVersion) -> bool,
) -> Result<(), Error> {
    let q = [("max_results", "1000")];
    let models = match get_pages(remote, "/api/2.0/mlflow/registered-models/search", "registered_models", &q) {
        Ok(m) => m,
        Err(Error::Server { status: 404, .. }) => return Ok(()),
        Err(e) => return Err(e),
    };
    for m in &models {
        let name = text(&m["name"]);
        let filter = format!("name='{}'", name.replace('\'', "\\'"));
        let q = [("filter", filter.as_str()), ("max_results", "10000")];
        let versions: Vec<ModelVersion> =
            get_pages(remote, "/api/2.0/mlflow/model-versions/search", "model_versions", &q)?
                .iter()
                .map(|v| {
                    let source = opt_text(&v["source"]);
                    let model_id = opt_text(&v["model_id"]).or_else(|| {
                        source
                            .as_deref()
                            .and_then(|s| s.strip_prefix("models:/"))
                            .filter(|s| s.starts_with("m-"))
                            .map(|s| s.split('/').next().unwrap_or(s).to_string())
                    });
                    ModelVersion {
                        name: name.clone(),
                        version: int(&v["version"]).unwrap_or(0),
                        creation_time: int(&v["creation_timestamp"]),
                        last_updated_time: int(&v["last_updated_timestamp"]),
                        description: v["description"].as_str().map(str::to_string),
                        user_id: opt_text(&v["user_id"]),
                        current_stage: opt_text(&v["current_stage"]).unwrap_or_else(|| "None".into()),
                        source,
                        run_id: opt_text(&v["run_id"]),
                        run_link: opt_text(&v["run_link"]),
                        model_id,
                        status: opt_text(&v["status"]).unwrap_or_else(|| "READY".into()),
                        status_message: opt_text(&v["status_message"]),
                        tags: kvs(&v["tags"]).into_iter().map(|(k, v)| KeyValue::new(k, v)).collect(),
                        aliases: Vec::new(),
                    }
                })
                .filter(|v| v.version > 0)
                .collect();
        if !versions.iter().any(&wanted) {
            continue;
        }
        // Aliases come with `get`, not with the search.
        let full = remote.get("/api/2.0/mlflow/registered-models/get", &[("name", &name)])?;
        let full = &full["registered_model"];
        let aliases: Vec<(String, i64)> =
            items(&full["aliases"]).iter().filter_map(|a| Some((text(&a["alias"]), int(&a["version"])?))).collect();
        let now = now_ms();
        store.write(|tx| {
            let before: Vec<ModelVersion> = registry::versions_of(tx, &name).unwrap_or_default();
            registry::upsert_imported_model(
                tx,
                &name,
                int(&full["creation_timestamp"]),
                int(&full["last_updated_timestamp"]),
                full["description"].as_str(),
            )?;
            for (k, v) in kvs(&full["tags"]) {
                registry::set_model_tag(tx, &name, &k, &v)?;
            }
            for v in &versions {
                let old = before.iter().find(|b| b.version == v.version);
                registry::upsert_imported_version(tx, v)?;
                let when = v.last_updated_time.unwrap_or(now);
                match old {
                    None => registry::record(
                        tx,
                        &name,
                        Some(v.version),
                        "version_created",
                        None,
                        Some("None"),
                        v.creation_time.unwrap_or(when),
                    )?,
                    Some(o) if o.current_stage != v.current_stage => registry::record(
                        tx,
                        &name,
                        Some(v.version),
                        "stage",
                        Some(&o.current_stage),
                        Some(&v.current_stage),
                        when,
                    )?,
                    _ => {}
                }
                if old.is_none() && v.current_stage != "None" {
                    registry::record(tx, &name, Some(v.version), "stage", Some("None"), Some(&v.current_stage), when)?;
                }
            }
            let old_aliases: Vec<(String, i64)> =
                before.iter().flat_map(|v| v.aliases.iter().map(|a| (a.clone(), v.version))).collect();
            for (alias, version) in &aliases {
                let was = old_aliases.iter().find(|(a, _)| a == alias).map(|(_, v)| *v);
                if was != Some(*version) {
                    registry::set_alias(tx, &name, alias, *version, now)?;
                }
            }
            for (alias, _) in old_aliases.iter().filter(|(a, _)| !aliases.iter().any(|(b, _)| b == a)) {
                registry::delete_alias(tx, &name, alias, now)?;
            }
            Ok(())
        })?;
        report.registered_models += 1;
        report.model_versions += versions.len();
    }
    Ok(())
}
