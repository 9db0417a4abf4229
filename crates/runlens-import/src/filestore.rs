//! The FileStore (`mlruns/`): `<exp>/meta.yaml`, `<exp>/<run>/{meta.yaml, params/, tags/,
//! metrics/, inputs/, outputs/, artifacts/}`, `<exp>/models/m-…`, `<exp>/datasets/`,
//! `.trash/<exp>/`, and the file registry under `models/`. `shared/mlflow/FORMAT.md` (in the
//! steering repo) describes every quirk handled here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use runlens_store::experiments::{self, ImportedExperiment};
use runlens_store::import_state;
use runlens_store::logged_models::ImportedLoggedModel;
use runlens_store::registry::ModelVersion;
use runlens_store::runs::ImportedRun;
use runlens_store::{
    artifacts, Dataset, DatasetInput, KeyValue, Lifecycle, Metric, ModelOutput, RunInfo, RunStatus, Store,
};
use serde_yaml_ng::Value;

use crate::fsread::{self, is_dir, keyed_files, read_small};
use crate::{copy_tree, count_files, Error, Options, Summary};

/// Does this folder look like an `mlruns` FileStore (an experiment `meta.yaml` one level
/// down, or a `.trash` folder)?
pub fn looks_like_filestore(root: &Path) -> bool {
    if !is_dir(root) {
        return false;
    }
    let Ok(entries) = std::fs::read_dir(root) else { return false };
    entries.flatten().any(|e| {
        let p = e.path();
        if !is_dir(&p) {
            return false;
        }
        let meta = p.join("meta.yaml");
        fsread::is_regular_file(&meta)
            && read_small(&meta).is_ok_and(|t| t.contains("experiment_id") && !t.contains("run_id"))
    })
}

/// Parses a `meta.yaml` (size-capped; YAML aliases are bounded by the parser).
fn yaml(path: &Path) -> Result<Value, String> {
    let text = read_small(path)?;
    let v: Value = serde_yaml_ng::from_str(&text).map_err(|e| format!("invalid YAML: {e}"))?;
    if !v.is_mapping() {
        return Err("invalid meta.yaml: not a mapping".into());
    }
    Ok(v)
}

fn get_str(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn get_i64(v: &Value, key: &str) -> Option<i64> {
    match v.get(key)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn lifecycle(v: &Value) -> Lifecycle {
    if get_str(v, "lifecycle_stage").as_deref() == Some("deleted") {
        Lifecycle::Deleted
    } else {
        Lifecycle::Active
    }
}

/// Run status as MLflow writes it: an int (1 RUNNING … 5 KILLED) or, in old stores, a name.
fn run_status(v: &Value) -> Result<RunStatus, String> {
    match v.get("status") {
        Some(Value::Number(n)) => match n.as_i64() {
            Some(1) => Ok(RunStatus::Running),
            Some(2) => Ok(RunStatus::Scheduled),
            Some(3) => Ok(RunStatus::Finished),
            Some(4) => Ok(RunStatus::Failed),
            Some(5) => Ok(RunStatus::Killed),
            _ => Err(format!("unknown run status {n}")),
        },
        Some(Value::String(s)) => s.trim().to_ascii_uppercase().parse(),
        _ => Err("run status missing".into()),
    }
}

/// Parses one metric line: `ts value [step [dataset_name dataset_digest]]` (2, 3 or 5
/// fields; logged-model metric files add the run id as a 4th field). Returns the point and
/// the run id (model metric files only).
pub fn parse_metric_line(key: &str, line: &str, model_file: bool) -> Result<(Metric, Option<String>), String> {
    let fields: Vec<&str> = line.split(' ').collect();
    let parse_value = |s: &str| -> Result<f64, String> {
        match s {
            "nan" | "NaN" => Ok(f64::NAN),
            "inf" | "Infinity" => Ok(f64::INFINITY),
            "-inf" | "-Infinity" => Ok(f64::NEG_INFINITY),
            other => other.parse::<f64>().map_err(|_| format!("'{other}' is not a number")),
        }
    };
    let timestamp: i64 = fields[0].parse().map_err(|_| format!("'{}' is not a timestamp", fields[0]))?;
    let value = parse_value(fields.get(1).ok_or("the value is missing")?)?;
    let mut m = Metric::new(key, value, timestamp, 0);
    let mut run_id = None;
    let rest = &fields[2..];
    let rest = if model_file {
        match rest {
            [step, run, tail @ ..] => {
                m.step = step.parse().map_err(|_| format!("'{step}' is not a step"))?;
                run_id = Some(run.to_string());
                tail
            }
            _ => return Err(format!("expected 4 or 6 fields, found {}", fields.len())),
        }
    } else {
        match rest {
            [] => rest,
            [step, tail @ ..] => {
                m.step = step.parse().map_err(|_| format!("'{step}' is not a step"))?;
                tail
            }
        }
    };
    match rest {
        [] => {}
        [name, digest] => {
            m.dataset_name = Some(name.to_string());
            m.dataset_digest = Some(digest.to_string());
        }
        _ => return Err(format!("unexpected number of fields ({})", fields.len())),
    }
    Ok((m, run_id))
}

/// A metric point and, in a logged model's files, the run that logged it.
type ModelPoint = (Metric, Option<String>);

/// What reading a metric file gave: points, unreadable lines, and the offset just past the
/// last complete line (a line still being written is left for the next read).
struct MetricRead {
    points: Vec<ModelPoint>,
    bad: Vec<String>,
    end: u64,
}

/// Reads a metric file from byte `from` on, skipping (and counting) lines that do not parse.
fn read_metric_file(key: &str, path: &Path, model_file: bool, from: u64) -> Result<MetricRead, String> {
    use std::io::{Read as _, Seek, SeekFrom};
    let meta = std::fs::symlink_metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if !meta.file_type().is_file() {
        return Err("not a regular file: not opened".into());
    }
    // A file shorter than what was read before was rewritten: read it again from the start.
    let from = if meta.len() < from { 0 } else { from };
    let mut file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    file.seek(SeekFrom::Start(from)).map_err(|e| format!("cannot read: {e}"))?;
    let mut bytes = Vec::with_capacity((meta.len() - from) as usize);
    file.read_to_end(&mut bytes).map_err(|e| format!("cannot read: {e}"))?;
    let complete = bytes.iter().rposition(|b| *b == b'\n').map(|i| i + 1).unwrap_or(0);
    let mut points = Vec::new();
    let mut bad = Vec::new();
    for (i, raw) in bytes[..complete].split(|b| *b == b'\n').enumerate() {
        if raw.is_empty() {
            continue;
        }
        let parsed = std::str::from_utf8(raw)
            .map_err(|_| "not UTF-8 text".to_string())
            .and_then(|line| parse_metric_line(key, line.trim_end_matches('\r'), model_file));
        match parsed {
            Ok(p) => points.push(p),
            Err(e) => bad.push(format!("line {}: {e}", i + 1)),
        }
    }
    Ok(MetricRead { points, bad, end: from + complete as u64 })
}

fn key_values(dir: &Path, what: &str, path_for_skip: &str, summary: &mut Summary) -> Vec<KeyValue> {
    if !is_dir(dir) {
        return Vec::new();
    }
    let (files, bad) = keyed_files(dir);
    for (p, why) in bad {
        summary.skip(format!("{what} {path_for_skip}"), &p, why);
    }
    let mut out = Vec::new();
    for (key, path) in files {
        match read_small(&path) {
            Ok(v) => out.push(KeyValue::new(key, v)),
            Err(why) => summary.skip(format!("{what} {path_for_skip}"), &path, why),
        }
    }
    out
}

/// How many run folders the experiments of a FileStore hold (for progress).
pub fn count_runs(root: &Path) -> usize {
    let mut exps: Vec<PathBuf> = std::fs::read_dir(root).into_iter().flatten().flatten().map(|e| e.path()).collect();
    exps.extend(std::fs::read_dir(root.join(".trash")).into_iter().flatten().flatten().map(|e| e.path()));
    exps.iter()
        .filter(|e| fsread::is_regular_file(&e.join("meta.yaml")))
        .map(|e| {
            std::fs::read_dir(e)
                .into_iter()
                .flatten()
                .flatten()
                .filter(|r| fsread::is_regular_file(&r.path().join("meta.yaml")) && r.file_name() != "models")
                .count()
        })
        .sum()
}

/// Imports a whole FileStore.
pub fn import(store: &Store, root: &Path, options: &Options, summary: &mut Summary) -> Result<(), Error> {
    let entries = std::fs::read_dir(root).map_err(|e| Error::Io { path: root.to_path_buf(), source: e })?;
    let mut experiment_dirs: Vec<PathBuf> = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        match name.as_str() {
            "models" => continue,
            ".trash" => {
                if let Ok(trash) = std::fs::read_dir(&path) {
                    experiment_dirs.extend(trash.flatten().map(|e| e.path()).filter(|p| is_dir(p)));
                }
            }
            _ if is_dir(&path) && fsread::is_regular_file(&path.join("meta.yaml")) => experiment_dirs.push(path),
            _ if name.starts_with('.') => continue,
            _ => summary.skip("file", &path, "a stray item at the mlruns root (not an experiment folder)"),
        }
    }
    experiment_dirs.sort();
    let mut dataset_dirs: HashMap<String, Dataset> = HashMap::new();
    for dir in experiment_dirs {
        import_experiment(store, &dir, options, summary, &mut dataset_dirs)?;
    }
    let registry_root = root.join("models");
    if is_dir(&registry_root) {
        import_registry(store, &registry_root, summary)?;
    }
    Ok(())
}

/// Imports an experiment's `meta.yaml` and tags; returns its id, or `None` when it was
/// skipped (the reason is in the summary).
fn experiment_meta(store: &Store, dir: &Path, summary: &mut Summary) -> Result<Option<i64>, Error> {
    let label = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let meta_path = dir.join("meta.yaml");
    let meta = match yaml(&meta_path) {
        Ok(m) => m,
        Err(why) => {
            summary.skip(format!("experiment {label}"), &meta_path, why);
            return Ok(None);
        }
    };
    let Some(id) = get_str(&meta, "experiment_id").and_then(|s| s.trim().parse::<i64>().ok()) else {
        summary.skip(format!("experiment {label}"), &meta_path, "experiment_id missing or not an integer");
        return Ok(None);
    };
    let Some(name) = get_str(&meta, "name").filter(|n| !n.is_empty()) else {
        summary.skip(format!("experiment {id}"), &meta_path, "name missing");
        return Ok(None);
    };
    let exp = ImportedExperiment {
        experiment_id: id,
        name,
        lifecycle_stage: lifecycle(&meta),
        creation_time: get_i64(&meta, "creation_time"),
        last_update_time: get_i64(&meta, "last_update_time"),
    };
    let exp_tags = key_values(&dir.join("tags"), "experiment", &id.to_string(), summary);
    let result = store.write(|tx| {
        experiments::upsert_imported(tx, &exp)?;
        for t in &exp_tags {
            experiments::set_tag(tx, id, &t.key, &t.value)?;
        }
        Ok(())
    });
    match result {
        Ok(()) => {
            summary.experiments += 1;
            Ok(Some(id))
        }
        Err(runlens_store::Error::AlreadyExists(why)) => {
            summary.skip(format!("experiment {id}"), &meta_path, why);
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// The datasets of an experiment, by folder name (runs' inputs refer to them).
fn experiment_datasets(dir: &Path, id: i64, summary: &mut Summary) -> HashMap<String, Dataset> {
    let mut datasets = HashMap::new();
    let ds_root = dir.join("datasets");
    if !is_dir(&ds_root) {
        return datasets;
    }
    for e in std::fs::read_dir(&ds_root).into_iter().flatten().flatten() {
        let p = e.path().join("meta.yaml");
        match yaml(&p) {
            Ok(m) => {
                let ds = Dataset {
                    name: get_str(&m, "name").unwrap_or_default(),
                    digest: get_str(&m, "digest").unwrap_or_default(),
                    source_type: get_str(&m, "source_type").unwrap_or_default(),
                    source: get_str(&m, "source").unwrap_or_default(),
                    schema: get_str(&m, "schema"),
                    profile: get_str(&m, "profile"),
                };
                datasets.insert(e.file_name().to_string_lossy().into_owned(), ds);
            }
            Err(why) => summary.skip(format!("dataset of experiment {id}"), &p, why),
        }
    }
    datasets
}

fn import_experiment(
    store: &Store,
    dir: &Path,
    options: &Options,
    summary: &mut Summary,
    _shared: &mut HashMap<String, Dataset>,
) -> Result<(), Error> {
    let Some(id) = experiment_meta(store, dir, summary)? else { return Ok(()) };
    let datasets = experiment_datasets(dir, id, summary);
    let mut run_dirs = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if matches!(name.as_str(), "tags" | "datasets" | "models" | "meta.yaml" | "traces") {
                continue;
            }
            let p = e.path();
            if is_dir(&p) {
                run_dirs.push(p);
            } else {
                summary.skip(format!("experiment {id}"), &p, "a stray item in the experiment folder");
            }
        }
    }
    run_dirs.sort();
    // Two threads: one reads and parses the next runs' files while this one writes; in run
    // order, a couple of runs ahead at most (a run can hold millions of points).
    std::thread::scope(|scope| -> Result<(), Error> {
        let (tx, rx) = std::sync::mpsc::sync_channel(2);
        let datasets = &datasets;
        let run_dirs = &run_dirs;
        scope.spawn(move || {
            for run_dir in run_dirs {
                let mut notes = Summary::default();
                let read = read_run(store, id, run_dir, datasets, &mut notes);
                // Nobody listening: the writes stopped (an error, or cancelled).
                if tx.send((run_dir, read, notes)).is_err() {
                    break;
                }
            }
        });
        for (run_dir, read, notes) in rx {
            write_read_run(store, id, run_dir, read?, notes, options, summary)?;
        }
        Ok(())
    })?;
    let models = dir.join("models");
    if is_dir(&models) {
        if let Ok(entries) = std::fs::read_dir(&models) {
            let mut dirs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| is_dir(p)).collect();
            dirs.sort();
            for m in dirs {
                import_logged_model(store, id, &m, options, summary)?;
            }
        }
    }
    Ok(())
}

/// Re-imports only what a set of changed paths (a watcher's events) touches: the runs,
/// logged models and experiments they lie in, and the registry. A new experiment is
/// imported whole.
pub fn import_changed(
    store: &Store,
    root: &Path,
    changed: &[PathBuf],
    options: &Options,
    summary: &mut Summary,
) -> Result<(), Error> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut experiments: BTreeMap<PathBuf, (bool, BTreeSet<PathBuf>, BTreeSet<PathBuf>)> = BTreeMap::new();
    let mut registry = false;
    for path in changed {
        let Ok(rel) = path.strip_prefix(root) else { continue };
        let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        let (exp_dir, rest) = match parts.as_slice() {
            [] => continue,
            [first, ..] if first == "models" => {
                registry = true;
                continue;
            }
            [trash, exp, rest @ ..] if trash == ".trash" => (root.join(trash).join(exp), rest.to_vec()),
            [trash] if trash == ".trash" => continue,
            [exp, rest @ ..] => (root.join(exp), rest.to_vec()),
        };
        if !is_dir(&exp_dir) {
            continue;
        }
        let entry = experiments.entry(exp_dir.clone()).or_default();
        match rest.first().map(String::as_str) {
            None | Some("meta.yaml") | Some("tags") | Some("datasets") => entry.0 = true,
            Some("models") => {
                if let Some(id) = rest.get(1) {
                    entry.2.insert(exp_dir.join("models").join(id));
                }
            }
            Some(run) => {
                entry.1.insert(exp_dir.join(run));
            }
        }
    }
    for (exp_dir, (_meta_changed, runs, models)) in experiments {
        let known_id = yaml(&exp_dir.join("meta.yaml"))
            .ok()
            .and_then(|m| get_str(&m, "experiment_id"))
            .and_then(|s| s.trim().parse::<i64>().ok())
            .filter(|id| store.read(|c| experiments::find(c, *id)).ok().flatten().is_some());
        if known_id.is_none() {
            // New to the store: import it whole.
            import_experiment(store, &exp_dir, options, summary, &mut HashMap::new())?;
            continue;
        }
        let Some(id) = experiment_meta(store, &exp_dir, summary)? else { continue };
        let datasets = experiment_datasets(&exp_dir, id, summary);
        for run in runs.iter().filter(|r| is_dir(r)) {
            import_run(store, id, run, options, summary, &datasets)?;
        }
        for m in models.iter().filter(|m| is_dir(m)) {
            import_logged_model(store, id, m, options, summary)?;
        }
    }
    if registry && is_dir(&root.join("models")) {
        import_registry(store, &root.join("models"), summary)?;
    }
    Ok(())
}

fn artifact_dir(
    store: &Store,
    dir: &Path,
    store_rel: &str,
    options: &Options,
    summary: &mut Summary,
    what: &str,
) -> Option<String> {
    let src = dir.join("artifacts");
    if !is_dir(&src) {
        return None;
    }
    if options.copy {
        match artifacts::resolve(&store.artifact_root(), store_rel) {
            Ok(dst) => summary.artifacts += copy_tree(&src, &dst, summary, what),
            Err(e) => summary.skip(what, &src, e.to_string()),
        }
        None
    } else {
        summary.artifacts += count_files(&src);
        Some(src.display().to_string())
    }
}

fn import_run(
    store: &Store,
    experiment_id: i64,
    dir: &Path,
    options: &Options,
    summary: &mut Summary,
    datasets: &HashMap<String, Dataset>,
) -> Result<(), Error> {
    let mut notes = Summary::default();
    let read = read_run(store, experiment_id, dir, datasets, &mut notes)?;
    write_read_run(store, experiment_id, dir, read, notes, options, summary)
}

/// Reads one run's folder (meta, params, tags, metric files, inputs, outputs) into what
/// [`write_read_run`] writes; `None` when the run is skipped. What could not be read is noted
/// in `notes`. Touches nothing, so it can run on another thread than the writes.
fn read_run(
    store: &Store,
    experiment_id: i64,
    dir: &Path,
    datasets: &HashMap<String, Dataset>,
    summary: &mut Summary,
) -> Result<Option<crate::RunData>, Error> {
    let label = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let what = format!("run {label}");
    let meta_path = dir.join("meta.yaml");
    let meta = match yaml(&meta_path) {
        Ok(m) => m,
        Err(why) => {
            summary.skip(what, &meta_path, why);
            return Ok(None);
        }
    };
    let run_id = get_str(&meta, "run_id").or_else(|| get_str(&meta, "run_uuid")).unwrap_or_default();
    if run_id.is_empty() || run_id.len() > 64 || !run_id.chars().all(|c| c.is_ascii_alphanumeric()) {
        summary.skip(what, &meta_path, "run_id missing or malformed");
        return Ok(None);
    }
    let status = match run_status(&meta) {
        Ok(s) => s,
        Err(why) => {
            summary.skip(what, &meta_path, why);
            return Ok(None);
        }
    };
    let params = key_values(&dir.join("params"), "run", &run_id, summary);
    let tags = key_values(&dir.join("tags"), "run", &run_id, summary);
    let run_name = get_str(&meta, "run_name")
        .filter(|n| !n.is_empty())
        .or_else(|| tags.iter().find(|t| t.key == "mlflow.runName").map(|t| t.value.clone()))
        .unwrap_or_default();
    let mut points = Vec::new();
    let mut offsets = Vec::new();
    let metrics_dir = dir.join("metrics");
    if is_dir(&metrics_dir) {
        let (files, bad) = keyed_files(&metrics_dir);
        for (p, why) in bad {
            summary.skip(format!("run {run_id}"), &p, why);
        }
        for (key, path) in files {
            let path_text = path.display().to_string();
            let from = store.read(|c| import_state::offset(c, &path_text))?.unwrap_or(0).max(0) as u64;
            match read_metric_file(&key, &path, false, from) {
                Ok(read) => {
                    if let Some(first) = read.bad.first() {
                        summary.skip(
                            format!("run {run_id}"),
                            &path,
                            format!("{} unreadable line(s), first: {first}", read.bad.len()),
                        );
                    }
                    points.extend(read.points.into_iter().map(|(m, _)| m));
                    offsets.push((path_text, read.end as i64));
                }
                Err(why) => summary.skip(format!("run {run_id}"), &path, why),
            }
        }
    }
    let mut dataset_inputs = Vec::new();
    let inputs_dir = dir.join("inputs");
    if is_dir(&inputs_dir) {
        for e in std::fs::read_dir(&inputs_dir).into_iter().flatten().flatten() {
            let p = e.path().join("meta.yaml");
            match yaml(&p) {
                Ok(m) => {
                    let source = get_str(&m, "source_id").unwrap_or_default();
                    let Some(ds) = datasets.get(&source) else {
                        summary.skip(
                            format!("run {run_id}"),
                            &p,
                            format!("input names dataset {source}, which is not in the experiment"),
                        );
                        continue;
                    };
                    let mut input_tags = Vec::new();
                    if let Some(Value::Mapping(t)) = m.get("tags") {
                        for (k, v) in t {
                            if let (Some(k), Some(v)) = (k.as_str(), v.as_str()) {
                                input_tags.push(KeyValue::new(k, v));
                            }
                        }
                    }
                    dataset_inputs.push(DatasetInput { tags: input_tags, dataset: ds.clone() });
                }
                Err(why) => summary.skip(format!("run {run_id}"), &p, why),
            }
        }
    }
    let mut outputs = Vec::new();
    let outputs_dir = dir.join("outputs");
    if is_dir(&outputs_dir) {
        for e in std::fs::read_dir(&outputs_dir).into_iter().flatten().flatten() {
            let p = e.path().join("meta.yaml");
            match yaml(&p) {
                Ok(m) => outputs.push(ModelOutput {
                    model_id: get_str(&m, "destination_id")
                        .unwrap_or_else(|| e.file_name().to_string_lossy().into_owned()),
                    step: get_i64(&m, "step").unwrap_or(0),
                }),
                Err(why) => summary.skip(format!("run {run_id}"), &p, why),
            }
        }
    }
    let run = ImportedRun {
        info: RunInfo {
            run_id: run_id.clone(),
            experiment_id,
            run_name,
            user_id: get_str(&meta, "user_id").unwrap_or_default(),
            status,
            start_time: get_i64(&meta, "start_time"),
            end_time: get_i64(&meta, "end_time"),
            artifact_uri: String::new(),
            lifecycle_stage: lifecycle(&meta),
        },
        deleted_time: get_i64(&meta, "deleted_time"),
        // Filed (or copied) when written.
        artifact_dir: None,
    };
    Ok(Some(crate::RunData { run, params, tags, points, dataset_inputs, outputs, offsets }))
}

/// Writes a run [`read_run`] read, with its artifacts (referenced in place or copied), and
/// adds its notes to the summary.
fn write_read_run(
    store: &Store,
    experiment_id: i64,
    dir: &Path,
    read: Option<crate::RunData>,
    notes: Summary,
    options: &Options,
    summary: &mut Summary,
) -> Result<(), Error> {
    summary.skipped.extend(notes.skipped);
    let Some(mut data) = read else { return Ok(()) };
    let run_id = data.run.info.run_id.clone();
    let store_rel = format!("{experiment_id}/{run_id}/artifacts");
    data.run.artifact_dir = artifact_dir(store, dir, &store_rel, options, summary, &format!("run {run_id}"));
    let new_points = crate::write_run(store, &data)?;
    summary.runs += 1;
    summary.metric_points += new_points;
    options.tick(summary)
}

fn import_logged_model(
    store: &Store,
    experiment_id: i64,
    dir: &Path,
    options: &Options,
    summary: &mut Summary,
) -> Result<(), Error> {
    let label = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let what = format!("logged model {label}");
    let meta_path = dir.join("meta.yaml");
    let meta = match yaml(&meta_path) {
        Ok(m) => m,
        Err(why) => {
            summary.skip(what, &meta_path, why);
            return Ok(());
        }
    };
    let Some(model_id) = get_str(&meta, "model_id").filter(|m| m.starts_with("m-")) else {
        summary.skip(what, &meta_path, "model_id missing");
        return Ok(());
    };
    let status = match get_i64(&meta, "status") {
        Some(2) => "LOGGED_MODEL_READY",
        Some(3) => "LOGGED_MODEL_UPLOAD_FAILED",
        _ => match get_str(&meta, "status").as_deref() {
            Some("READY") | Some("LOGGED_MODEL_READY") => "LOGGED_MODEL_READY",
            Some("FAILED") | Some("LOGGED_MODEL_UPLOAD_FAILED") => "LOGGED_MODEL_UPLOAD_FAILED",
            _ => "LOGGED_MODEL_PENDING",
        },
    };
    let params = key_values(&dir.join("params"), "logged model", &model_id, summary);
    let tags = key_values(&dir.join("tags"), "logged model", &model_id, summary);
    let mut points = Vec::new();
    let metrics_dir = dir.join("metrics");
    if is_dir(&metrics_dir) {
        let (files, bad) = keyed_files(&metrics_dir);
        for (p, why) in bad {
            summary.skip(format!("logged model {model_id}"), &p, why);
        }
        for (key, path) in files {
            match read_metric_file(&key, &path, true, 0) {
                Ok(read) => {
                    if let Some(first) = read.bad.first() {
                        summary.skip(
                            format!("logged model {model_id}"),
                            &path,
                            format!("{} unreadable line(s), first: {first}", read.bad.len()),
                        );
                    }
                    points.extend(read.points);
                }
                Err(why) => summary.skip(format!("logged model {model_id}"), &path, why),
            }
        }
    }
    let store_rel = format!("{experiment_id}/models/{model_id}/artifacts");
    let artifact_dir = artifact_dir(store, dir, &store_rel, options, summary, &format!("logged model {model_id}"));
    let created = get_i64(&meta, "creation_timestamp").unwrap_or(0);
    let model = ImportedLoggedModel {
        model_id: model_id.clone(),
        experiment_id,
        name: get_str(&meta, "name").unwrap_or_else(|| "model".into()),
        creation_time: created,
        last_updated_time: get_i64(&meta, "last_updated_timestamp").unwrap_or(created),
        status: status.into(),
        status_message: get_str(&meta, "status_message"),
        model_type: get_str(&meta, "model_type"),
        source_run_id: get_str(&meta, "source_run_id"),
        artifact_dir,
    };
    let points: Vec<(Metric, String)> = points.into_iter().map(|(m, run)| (m, run.unwrap_or_default())).collect();
    crate::write_logged_model(store, &model, &params, &tags, &points)?;
    summary.logged_models += 1;
    Ok(())
}

fn import_registry(store: &Store, root: &Path, summary: &mut Summary) -> Result<(), Error> {
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(root).into_iter().flatten().flatten().map(|e| e.path()).filter(|p| is_dir(p)).collect();
    dirs.sort();
    for dir in dirs {
        let meta_path = dir.join("meta.yaml");
        let label = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let meta = match yaml(&meta_path) {
            Ok(m) => m,
            Err(why) => {
                summary.skip(format!("registered model {label}"), &meta_path, why);
                continue;
            }
        };
        let name = get_str(&meta, "name").unwrap_or(label.clone());
        let model_tags = key_values(&dir.join("tags"), "registered model", &name, summary);
        let mut versions = Vec::new();
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let vname = e.file_name().to_string_lossy().into_owned();
            if !vname.starts_with("version-") || !is_dir(&e.path()) {
                continue;
            }
            let vmeta_path = e.path().join("meta.yaml");
            let vmeta = match yaml(&vmeta_path) {
                Ok(m) => m,
                Err(why) => {
                    summary.skip(format!("model version {name}/{vname}"), &vmeta_path, why);
                    continue;
                }
            };
            let Some(version) = get_i64(&vmeta, "version").or_else(|| vname["version-".len()..].parse().ok()) else {
                summary.skip(format!("model version {name}/{vname}"), &vmeta_path, "version number missing");
                continue;
            };
            versions.push(ModelVersion {
                name: name.clone(),
                version,
                creation_time: get_i64(&vmeta, "creation_timestamp"),
                last_updated_time: get_i64(&vmeta, "last_updated_timestamp"),
                description: get_str(&vmeta, "description"),
                user_id: get_str(&vmeta, "user_id"),
                current_stage: get_str(&vmeta, "current_stage").unwrap_or_else(|| "None".into()),
                source: get_str(&vmeta, "source"),
                run_id: get_str(&vmeta, "run_id"),
                run_link: get_str(&vmeta, "run_link"),
                model_id: get_str(&vmeta, "model_id"),
                status: get_str(&vmeta, "status").unwrap_or_else(|| "READY".into()),
                status_message: get_str(&vmeta, "status_message"),
                tags: key_values(&e.path().join("tags"), "model version", &format!("{name}/{version}"), summary),
                aliases: Vec::new(),
            });
        }
        versions.sort_by_key(|v| v.version);
        let mut aliases: Vec<(String, i64)> = Vec::new();
        if let Some(Value::Mapping(m)) = meta.get("aliases") {
            for (k, v) in m {
                let version = match v {
                    Value::Number(n) => n.as_i64(),
                    Value::String(s) => s.parse().ok(),
                    _ => None,
                };
                if let (Some(k), Some(version)) = (k.as_str(), version) {
                    aliases.push((k.to_string(), version));
                }
            }
        }
        let model = crate::ModelData {
            name,
            creation_time: get_i64(&meta, "creation_timestamp"),
            last_updated_time: get_i64(&meta, "last_updated_timestamp"),
            description: get_str(&meta, "description"),
            tags: model_tags,
            versions,
            aliases,
        };
        crate::write_registered_model(store, &model, summary, &meta_path)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_metric_line;

    fn check(line: &str, model: bool, expect: &str) {
        let got = match parse_metric_line("k", line, model) {
            Ok((m, run)) => format!(
                "{} {} {} {:?} {:?} {:?}",
                m.timestamp,
                if m.value.is_nan() { "NaN".to_string() } else { format!("{:?}", m.value) },
                m.step,
                m.dataset_name,
                m.dataset_digest,
                run
            ),
            Err(e) => format!("error: {e}"),
        };
        assert_eq!(got, expect, "{line:?}");
    }

    #[test]
    fn metric_lines() {
        check("1700003600000 2.5 3", false, "1700003600000 2.5 3 None None None");
        check("1700003600000 nan 0", false, "1700003600000 NaN 0 None None None");
        check("1700003600000 -inf 2", false, "1700003600000 -inf 2 None None None");
        check("1700003600000 -0.0 3", false, "1700003600000 -0.0 3 None None None");
        check("1700003600000 0.25 -1", false, "1700003600000 0.25 -1 None None None");
        check("1700003600000 1.5", false, "1700003600000 1.5 0 None None None");
        check(
            "1700000722000 0.97 5 iris-eval 89cdf788",
            false,
            "1700000722000 0.97 5 Some(\"iris-eval\") Some(\"89cdf788\") None",
        );
        check("1700000722000 0.97 0 abc123", true, "1700000722000 0.97 0 None None Some(\"abc123\")");
        check("garbage", false, "error: 'garbage' is not a timestamp");
        check("1700003600000 abc 0", false, "error: 'abc' is not a number");
        check("1700003600000 1.0 0 a b c", false, "error: unexpected number of fields (6)");
    }
}
