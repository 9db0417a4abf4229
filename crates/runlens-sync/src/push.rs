//! `runlens sync push`: runs made here (logged or imported, not pulled) to a tracking server.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde_json::{json, Value};

use runlens_store::sync_state::{self, RunLink};
use runlens_store::{artifacts, metrics, runs, Metric, Read, Store};

use crate::pull::{history, kvs, opt_text, post_pages, remote_run_files, text};
use crate::remote::{encode_path, Remote};
use crate::{now_ms, selects, Error, Facts, Options, Progress, Report};

/// The tag a pushed run carries on the server: the id it has here.
pub const SOURCE_TAG: &str = "runlens.source_run_id";

/// MLflow's limits per `log-batch` request.
const METRICS_PER_BATCH: usize = 1000;
const PARAMS_PER_BATCH: usize = 100;
const TAGS_PER_BATCH: usize = 100;

/// The server's experiment for a local one: the one recorded, else the one with its name,
/// else a new one.
fn remote_experiment_for(store: &Store, remote: &Remote, local: i64, name: &str) -> Result<String, Error> {
    let url = remote.url();
    if let Some(id) = store.read(|c| sync_state::remote_experiment(c, url, local))? {
        match remote.get("/api/2.0/mlflow/experiments/get", &[("experiment_id", &id)]) {
            Ok(e) if text(&e["experiment"]["lifecycle_stage"]) != "deleted" => return Ok(id),
            Ok(_) => {
                return Err(Error::NotFound(format!("experiment '{name}' is deleted on {url}: restore it there first")))
            }
            Err(e) if e.is_code("RESOURCE_DOES_NOT_EXIST") => {}
            Err(e) => return Err(e),
        }
    }
    match remote.get("/api/2.0/mlflow/experiments/get-by-name", &[("experiment_name", name)]) {
        Ok(e) => {
            if text(&e["experiment"]["lifecycle_stage"]) == "deleted" {
                return Err(Error::NotFound(format!(
                    "experiment '{name}' is deleted on {url}: restore it there first"
                )));
            }
            Ok(text(&e["experiment"]["experiment_id"]))
        }
        Err(e) if e.is_code("RESOURCE_DOES_NOT_EXIST") => {
            let created = remote.post("/api/2.0/mlflow/experiments/create", &json!({"name": name}))?;
            opt_text(&created["experiment_id"])
                .ok_or_else(|| Error::Malformed("POST /api/2.0/mlflow/experiments/create: no experiment_id".into()))
        }
        Err(e) => Err(e),
    }
}

/// Pushes the runs made here in every experiment (or those `options` names) to `remote`.
pub fn push(store: &Store, remote: &Remote, options: &Options<'_>) -> Result<Report, Error> {
    let url = remote.url().to_string();
    let mut report = Report::default();
    let experiments: Vec<(i64, String, String)> = store.read(|c: &Read| {
        let mut stmt =
            c.prepare("SELECT experiment_id, name, lifecycle_stage FROM experiments ORDER BY experiment_id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<Vec<_>, runlens_store::rusqlite_error::Error>>()?)
    })?;
    for s in &options.experiments {
        if !experiments.iter().any(|(id, name, _)| selects(std::slice::from_ref(s), &id.to_string(), name)) {
            return Err(Error::NotFound(format!("there is no experiment named or numbered '{s}' here")));
        }
    }
    let mut progress = Progress { phase: "runs".into(), ..Default::default() };
    for (local, name, stage) in &experiments {
        if !selects(&options.experiments, &local.to_string(), name) {
            continue;
        }
        let all = store.read(|c| runs::origins(c, *local))?;
        // Pulled runs are the server's; a pulled run changed here is reported, not sent.
        for r in all.iter().filter(|r| r.origin == "pulled") {
            let changed = store.read(|c| {
                let Some(link) = sync_state::run_link(c, &url, r.handle)? else { return Ok(false) };
                let now = Facts::of_local(&runs::get(c, &r.run_id)?).fingerprint();
                Ok(link.direction == "pull" && link.local_fingerprint != now)
            })?;
            if changed {
                report.conflicts.push(format!(
                    "run {} was pulled from {url} and changed here since: push sends only runs made here",
                    r.run_id
                ));
            }
        }
        let mine: Vec<_> = all.into_iter().filter(|r| r.origin != "pulled").collect();
        if mine.is_empty() && options.experiments.is_empty() {
            continue;
        }
        if stage == "deleted" && options.experiments.is_empty() {
            continue;
        }
        options.check_cancel()?;
        let remote_exp = match remote_experiment_for(store, remote, *local, name) {
            Ok(id) => id,
            Err(Error::NotFound(why)) => {
                report.skipped.push(why);
                continue;
            }
            Err(e) => return Err(e),
        };
        store.write(|tx| sync_state::link_experiment(tx, &url, &remote_exp, *local, None, None))?;
        report.experiments += 1;
        // Runs pushed before whose record was lost here: found by the tag they carry there.
        let unlinked = store.read(|c| {
            let mut n = 0;
            for r in &mine {
                if sync_state::run_link(c, &url, r.handle)?.is_none() {
                    n += 1;
                }
            }
            Ok(n)
        })?;
        let mut recovered: HashMap<String, String> = HashMap::new();
        if unlinked > 0 {
            let filter = format!("tags.`{SOURCE_TAG}` LIKE '%'");
            let body =
                json!({"experiment_ids": [remote_exp], "filter": filter, "run_view_type": "ALL", "max_results": 1000});
            for r in post_pages(remote, "/api/2.0/mlflow/runs/search", "runs", body)? {
                let source = kvs(&r["data"]["tags"]).into_iter().find(|(k, _)| k == SOURCE_TAG).map(|(_, v)| v);
                if let Some(source) = source {
                    recovered.insert(source, text(&r["info"]["run_id"]));
                }
            }
        }
        progress.experiment = name.clone();
        progress.total = mine.len();
        progress.done = 0;
        (options.progress)(&progress);
        for r in &mine {
            options.check_cancel()?;
            push_run(store, remote, &remote_exp, r.handle, &r.run_id, recovered.get(&r.run_id), &mut report)?;
            progress.done += 1;
            progress.metric_points = report.metric_points;
            progress.artifacts = report.artifacts;
            (options.progress)(&progress);
        }
        store.write(|tx| sync_state::link_experiment(tx, &url, &remote_exp, *local, None, Some(now_ms())))?;
    }
    Ok(report)
}

/// A point as both sides can compare it. MLflow's SQL stores keep ±inf as ±DBL_MAX: read back,
/// those stand for the ±inf that was sent.
fn point_key(step: i64, timestamp: i64, value: f64) -> (i64, i64, u64) {
    let value = if value == f64::MAX {
        f64::INFINITY
    } else if value == -f64::MAX {
        f64::NEG_INFINITY
    } else {
        value
    };
    (step, timestamp, if value.is_nan() { f64::NAN.to_bits() } else { value.to_bits() })
}

fn metric_json(m: &Metric) -> Value {
    let value = if m.value.is_nan() {
        json!("NaN")
    } else if m.value == f64::INFINITY {
        json!("Infinity")
    } else if m.value == f64::NEG_INFINITY {
        json!("-Infinity")
    } else {
        json!(m.value)
    };
    let mut v = json!({"key": m.key, "value": value, "timestamp": m.timestamp, "step": m.step});
    if let Some(d) = &m.dataset_name {
        v["dataset_name"] = json!(d);
    }
    if let Some(d) = &m.dataset_digest {
        v["dataset_digest"] = json!(d);
    }
    v
}

/// One run: created on the server the first time (and recorded at once), then params, tags,
/// the metric points the server does not have yet, status, and the artifact files it lacks.
fn push_run(
    store: &Store,
    remote: &Remote,
    remote_exp: &str,
    handle: i64,
    run_id: &str,
    recovered: Option<&String>,
    report: &mut Report,
) -> Result<(), Error> {
    let url = remote.url();
    let (run, link) = store.read(|c| Ok((runs::get(c, run_id)?, sync_state::run_link(c, url, handle)?)))?;
    let local_fp = Facts::of_local(&run).fingerprint();
    if let Some(l) = &link {
        if l.complete && l.local_fingerprint == local_fp {
            report.runs_unchanged += 1;
            return Ok(());
        }
    }
    let record = |remote_run_id: &str, complete: bool, fp: &str| -> Result<(), Error> {
        let link = RunLink {
            run: handle,
            remote_run_id: remote_run_id.to_string(),
            direction: "push".into(),
            remote_fingerprint: fp.to_string(),
            local_fingerprint: fp.to_string(),
            complete,
            synced_time: now_ms(),
        };
        Ok(store.write(|tx| sync_state::set_run_link(tx, url, &link))?)
    };
    let known = link.as_ref().map(|l| l.remote_run_id.clone()).or_else(|| recovered.cloned());
    let (remote_run, fresh) = match known {
        Some(id) => match remote.get("/api/2.0/mlflow/runs/get", &[("run_id", &id)]) {
            Ok(r) => (r["run"].clone(), false),
            Err(e) if e.is_code("RESOURCE_DOES_NOT_EXIST") => (create_run(remote, remote_exp, &run)?, true),
            Err(e) => return Err(e),
        },
        None => (create_run(remote, remote_exp, &run)?, true),
    };
    let remote_id = text(&remote_run["info"]["run_id"]);
    if remote_id.is_empty() {
        return Err(Error::Malformed("POST /api/2.0/mlflow/runs/create: the answer has no run id".into()));
    }
    // Recorded before anything else is sent: pushing again continues this run, never makes another.
    record(&remote_id, false, "")?;
    if fresh {
        report.runs_new += 1;
    } else {
        report.runs_updated += 1;
    }
    let batch = |body: Value| remote.post("/api/2.0/mlflow/runs/log-batch", &body).map(|_| ());

    let remote_params: HashMap<String, String> = kvs(&remote_run["data"]["params"]).into_iter().collect();
    let mut params = Vec::new();
    for p in &run.params {
        match remote_params.get(&p.key) {
            None => params.push(json!({"key": p.key, "value": p.value})),
            Some(v) if *v == p.value => {}
            Some(v) => report.conflicts.push(format!(
                "run {run_id}: param '{}' is '{}' here and '{v}' on the server (params cannot change); not sent",
                p.key, p.value
            )),
        }
    }
    for chunk in params.chunks(PARAMS_PER_BATCH) {
        batch(json!({"run_id": remote_id, "params": chunk}))?;
    }
    let remote_tags: HashMap<String, String> = kvs(&remote_run["data"]["tags"]).into_iter().collect();
    let tags: Vec<Value> = run
        .tags
        .iter()
        .filter(|t| remote_tags.get(&t.key) != Some(&t.value))
        .map(|t| json!({"key": t.key, "value": t.value}))
        .collect();
    for chunk in tags.chunks(TAGS_PER_BATCH) {
        batch(json!({"run_id": remote_id, "tags": chunk}))?;
    }

    for latest in &run.metrics {
        let key = &latest.key;
        let there: HashSet<(i64, i64, u64)> = if fresh {
            HashSet::new()
        } else {
            history(remote, &remote_id, key)?.iter().map(|m| point_key(m.step, m.timestamp, m.value)).collect()
        };
        let mut offset = 0;
        loop {
            let page = store.read(|c| metrics::history(c, handle, key, offset, 25_000))?;
            let missing: Vec<Value> = page
                .items
                .iter()
                .filter(|m| !there.contains(&point_key(m.step, m.timestamp, m.value)))
                .map(metric_json)
                .collect();
            for chunk in missing.chunks(METRICS_PER_BATCH) {
                batch(json!({"run_id": remote_id, "metrics": chunk}))?;
                report.metric_points += chunk.len();
            }
            match page.next_offset {
                Some(next) => offset = next,
                None => break,
            }
        }
    }

    let i = &run.info;
    let mut update = json!({"run_id": remote_id, "status": i.status.as_str(), "run_name": i.run_name});
    if let Some(end) = i.end_time {
        update["end_time"] = json!(end);
    }
    remote.post("/api/2.0/mlflow/runs/update", &update)?;
    let remote_stage = text(&remote_run["info"]["lifecycle_stage"]);
    if i.lifecycle_stage.as_str() == "deleted" && remote_stage != "deleted" {
        remote.post("/api/2.0/mlflow/runs/delete", &json!({"run_id": remote_id}))?;
    }

    let folder = store.read(|c| runs::artifact_folder(c, &store.artifact_root(), run_id))?;
    let uri = text(&remote_run["info"]["artifact_uri"]);
    let (files, _) = artifacts::regular_files(&folder, usize::MAX);
    if !files.is_empty() {
        match uri.strip_prefix("mlflow-artifacts:") {
            Some(root) => {
                report.artifacts += push_files(remote, &remote_id, root.trim_start_matches('/'), &folder, &files)?
            }
            None => report.skipped.push(format!(
                "artifacts of run {run_id}: the server keeps them at {uri}, not behind its artifact proxy (start it with --serve-artifacts)"
            )),
        }
    }
    let fp = store.read(|c| Ok(Facts::of_local(&runs::get(c, run_id)?).fingerprint()))?;
    record(&remote_id, true, &fp)
}

fn create_run(remote: &Remote, remote_exp: &str, run: &runlens_store::Run) -> Result<Value, Error> {
    let i = &run.info;
    let mut body = json!({
        "experiment_id": remote_exp,
        "run_name": i.run_name,
        "tags": [{"key": SOURCE_TAG, "value": i.run_id}],
    });
    if let Some(start) = i.start_time {
        body["start_time"] = json!(start);
    }
    if !i.user_id.is_empty() {
        body["user_id"] = json!(i.user_id);
    }
    Ok(remote.post("/api/2.0/mlflow/runs/create", &body)?["run"].clone())
}

/// Uploads the files the server does not have (same path and size) through its artifact proxy.
fn push_files(
    remote: &Remote,
    remote_run: &str,
    root: &str,
    folder: &Path,
    files: &[(String, u64)],
) -> Result<usize, Error> {
    let there: HashMap<String, Option<i64>> = remote_run_files(remote, remote_run)?.into_iter().collect();
    let mut sent = 0;
    for (rel, size) in files {
        if there.get(rel) == Some(&Some(*size as i64)) {
            continue;
        }
        let to = format!("/api/2.0/mlflow-artifacts/artifacts/{}", encode_path(&format!("{root}/{rel}")));
        remote.upload(&to, &folder.join(rel))?;
        sent += 1;
    }
    Ok(sent)
}
