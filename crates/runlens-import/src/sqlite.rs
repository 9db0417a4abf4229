//! `mlflow.db` (MLflow's SQL store on SQLite), read read-only. Its artifacts live in a folder
//! next to it (`mlruns/<exp>/<run>/artifacts` by default, `mlartifacts/…` behind a server);
//! recorded absolute paths are often stale after a move, so they are resolved against the
//! project folder. ±1.7976931348623157e308 is read as the ±inf it stands for.

use std::path::{Path, PathBuf};

use runlens_store::experiments::{self, ImportedExperiment};
use runlens_store::logged_models::ImportedLoggedModel;
use runlens_store::registry::ModelVersion;
use runlens_store::runs::ImportedRun;
use runlens_store::{Dataset, DatasetInput, KeyValue, Lifecycle, Metric, ModelOutput, RunInfo, Store};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::{copy_tree, count_files, Error, Options, Summary};

fn db_err(path: &Path) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |source| Error::Database { path: path.to_path_buf(), source }
}

/// SQLite stores ±inf as ±DBL_MAX in MLflow's schema.
fn float(v: f64, is_nan: bool) -> f64 {
    if is_nan {
        f64::NAN
    } else if v == f64::MAX {
        f64::INFINITY
    } else if v == f64::MIN {
        f64::NEG_INFINITY
    } else {
        v
    }
}

fn lifecycle(s: Option<String>) -> Lifecycle {
    if s.as_deref() == Some("deleted") {
        Lifecycle::Deleted
    } else {
        Lifecycle::Active
    }
}

/// Where the files of `<exp>/<tail>` are, trying the recorded location, then the same tail
/// under the project's `mlruns/` and `mlartifacts/` folders.
fn locate(project: &Path, recorded: &str, tail: &str) -> Option<PathBuf> {
    let recorded = recorded.strip_prefix("file://").unwrap_or(recorded);
    let mut candidates = Vec::new();
    if let Some(rest) = recorded.strip_prefix("mlflow-artifacts:") {
        let rest = rest.trim_start_matches('/');
        candidates.push(project.join("mlartifacts").join(rest));
        candidates.push(project.join("mlruns").join(rest));
    } else {
        let p = PathBuf::from(recorded);
        // A recorded path is trusted only inside the imported folder.
        if p.is_absolute() && p.starts_with(project) {
            candidates.push(p);
        }
        for marker in ["/mlruns/", "/mlartifacts/"] {
            if let Some(idx) = recorded.rfind(marker) {
                candidates.push(project.join(&marker[1..marker.len() - 1]).join(&recorded[idx + marker.len()..]));
            }
        }
    }
    candidates.push(project.join("mlruns").join(tail));
    candidates.push(project.join("mlartifacts").join(tail));
    let project_real = project.canonicalize().ok()?;
    candidates
        .into_iter()
        .find(|c| crate::fsread::is_dir(c) && c.canonicalize().is_ok_and(|real| real.starts_with(&project_real)))
}

/// `experiments`: id, name, lifecycle, created, updated.
type ExperimentRow = (i64, String, Option<String>, Option<i64>, Option<i64>);
/// `runs`: id, experiment, name, user, status, start, end, lifecycle, deleted, artifact URI.
type RunRow = (
    String,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<String>,
);
/// `registered_models`: name, created, updated, description.
type ModelRow = (String, Option<i64>, Option<i64>, Option<String>);

/// How many runs an `mlflow.db` holds (for progress); 0 if it cannot be read.
pub fn count_runs(db: &Path) -> usize {
    Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|c| c.query_row("SELECT COUNT(*) FROM runs", [], |r| r.get::<_, i64>(0)))
        .map(|n| n as usize)
        .unwrap_or(0)
}

/// Imports an `mlflow.db`.
pub fn import(store: &Store, db: &Path, project: &Path, options: &Options, summary: &mut Summary) -> Result<(), Error> {
    let src = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(db_err(db))?;
    src.busy_timeout(std::time::Duration::from_secs(10)).map_err(db_err(db))?;
    let has_table = |name: &str| -> bool {
        src.query_row("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", [name], |_| Ok(()))
            .optional()
            .ok()
            .flatten()
            .is_some()
    };
    if !has_table("experiments") || !has_table("runs") {
        return Err(Error::NotMlflow(db.to_path_buf()));
    }
    // Experiments and their tags.
    let exps: Vec<ExperimentRow> = src
        .prepare("SELECT experiment_id, name, lifecycle_stage, creation_time, last_update_time FROM experiments ORDER BY experiment_id")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?.collect())
        .map_err(db_err(db))?;
    let mut imported_exps = Vec::new();
    for (id, name, stage, created, updated) in exps {
        let tags: Vec<KeyValue> = src
            .prepare("SELECT key, value FROM experiment_tags WHERE experiment_id = ?1")
            .and_then(|mut s| {
                s.query_map([id], |r| {
                    Ok(KeyValue::new(r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?.unwrap_or_default()))
                })?
                .collect()
            })
            .map_err(db_err(db))?;
        let exp = ImportedExperiment {
            experiment_id: id,
            name,
            lifecycle_stage: lifecycle(stage),
            creation_time: created,
            last_update_time: updated,
        };
        let result = store.write(|tx| {
            experiments::upsert_imported(tx, &exp)?;
            for t in &tags {
                experiments::set_tag(tx, id, &t.key, &t.value)?;
            }
            Ok(())
        });
        match result {
            Ok(()) => {
                summary.experiments += 1;
                imported_exps.push(id);
            }
            Err(runlens_store::Error::AlreadyExists(why)) => summary.skip(format!("experiment {id}"), db, why),
            Err(e) => return Err(e.into()),
        }
    }
    // Runs, one transaction each.
    let run_rows: Vec<RunRow> = src
        .prepare("SELECT run_uuid, experiment_id, name, user_id, status, start_time, end_time, lifecycle_stage, deleted_time, artifact_uri FROM runs ORDER BY start_time, run_uuid")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?)))?.collect())
        .map_err(db_err(db))?;
    for (run_id, exp_id, name, user, status, start, end, stage, deleted, uri) in run_rows {
        if !imported_exps.contains(&exp_id) {
            summary.skip(format!("run {run_id}"), db, format!("its experiment {exp_id} was not imported"));
            continue;
        }
        let status = match status.as_deref().unwrap_or("RUNNING").parse() {
            Ok(s) => s,
            Err(why) => {
                summary.skip(format!("run {run_id}"), db, why);
                continue;
            }
        };
        let kv = |sql: &str| -> Result<Vec<KeyValue>, Error> {
            src.prepare_cached(sql)
                .and_then(|mut s| {
                    s.query_map([&run_id], |r| {
                        Ok(KeyValue::new(r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?.unwrap_or_default()))
                    })?
                    .collect()
                })
                .map_err(db_err(db))
        };
        let run_params = kv("SELECT key, value FROM params WHERE run_uuid = ?1")?;
        let run_tags = kv("SELECT key, value FROM tags WHERE run_uuid = ?1")?;
        let points: Vec<Metric> = src
            .prepare_cached("SELECT key, value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ?1")
            .and_then(|mut s| {
                s.query_map([&run_id], |r| {
                    Ok(Metric::new(
                        r.get::<_, String>(0)?,
                        float(r.get(1)?, r.get::<_, Option<bool>>(4)?.unwrap_or(false)),
                        r.get::<_, Option<i64>>(2)?.unwrap_or(0),
                        r.get::<_, Option<i64>>(3)?.unwrap_or(0),
                    ))
                })?
                .collect()
            })
            .map_err(db_err(db))?;
        let mut dataset_inputs = Vec::new();
        let mut outputs = Vec::new();
        if has_table("inputs") && has_table("datasets") {
            let rows: Vec<(String, Dataset)> = src
                .prepare_cached(
                    "SELECT i.input_uuid, d.name, d.digest, d.dataset_source_type, d.dataset_source, d.dataset_schema, d.dataset_profile
                     FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id
                     WHERE i.source_type = 'DATASET' AND i.destination_type = 'RUN' AND i.destination_id = ?1",
                )
                .and_then(|mut s| {
                    s.query_map([&run_id], |r| {
                        Ok((r.get(0)?, Dataset { name: r.get(1)?, digest: r.get(2)?, source_type: r.get(3)?, source: r.get(4)?, schema: r.get(5)?, profile: r.get(6)? }))
                    })?
                    .collect()
                })
                .map_err(db_err(db))?;
            for (input_uuid, dataset) in rows {
                let tags: Vec<KeyValue> = src
                    .prepare_cached("SELECT name, value FROM input_tags WHERE input_uuid = ?1")
                    .and_then(|mut s| {
                        s.query_map([&input_uuid], |r| {
                            Ok(KeyValue::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                        })?
                        .collect()
                    })
                    .map_err(db_err(db))?;
                dataset_inputs.push(DatasetInput { tags, dataset });
            }
            outputs = src
                .prepare_cached("SELECT destination_id, step FROM inputs WHERE source_type = 'RUN_OUTPUT' AND source_id = ?1 AND destination_type = 'MODEL_OUTPUT'")
                .and_then(|mut s| s.query_map([&run_id], |r| Ok(ModelOutput { model_id: r.get(0)?, step: r.get::<_, Option<i64>>(1)?.unwrap_or(0) }))?.collect())
                .map_err(db_err(db))?;
        }
        let tail = format!("{exp_id}/{run_id}/artifacts");
        let found = locate(project, uri.as_deref().unwrap_or(""), &tail);
        let artifact_dir = match (&found, options.copy) {
            (Some(dir), true) => {
                match runlens_store::artifacts::resolve(&store.artifact_root(), &tail) {
                    Ok(dst) => summary.artifacts += copy_tree(dir, &dst, summary, &format!("run {run_id}")),
                    Err(e) => summary.skip(format!("run {run_id}"), dir, e.to_string()),
                }
                None
            }
            (Some(dir), false) => {
                summary.artifacts += count_files(dir);
                Some(dir.display().to_string())
            }
            (None, _) => Some(project.join("mlruns").join(&tail).display().to_string()),
        };
        let run = ImportedRun {
            info: RunInfo {
                run_id: run_id.clone(),
                experiment_id: exp_id,
                run_name: name.unwrap_or_default(),
                user_id: user.unwrap_or_default(),
                status,
                start_time: start,
                end_time: end,
                artifact_uri: String::new(),
                lifecycle_stage: lifecycle(stage),
            },
            deleted_time: deleted,
            artifact_dir,
        };
        let new_points = crate::write_run(
            store,
            &crate::RunData {
                run,
                params: run_params,
                tags: run_tags,
                points,
                dataset_inputs,
                outputs,
                offsets: Vec::new(),
            },
        )?;
        summary.runs += 1;
        summary.metric_points += new_points;
        options.tick(summary)?;
    }
    if has_table("logged_models") {
        import_logged_models(store, &src, db, project, options, summary, &imported_exps)?;
    }
    if has_table("registered_models") && has_table("model_versions") {
        import_registry(store, &src, db, summary)?;
    }
    Ok(())
}

fn import_logged_models(
    store: &Store,
    src: &Connection,
    db: &Path,
    project: &Path,
    options: &Options,
    summary: &mut Summary,
    experiments: &[i64],
) -> Result<(), Error> {
    type Row = (String, i64, String, String, i64, i64, Option<i64>, Option<String>, Option<String>, Option<String>);
    let rows: Vec<Row> = src
        .prepare("SELECT model_id, experiment_id, name, artifact_location, creation_timestamp_ms, last_updated_timestamp_ms, status, model_type, source_run_id, status_message FROM logged_models")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?)))?.collect())
        .map_err(db_err(db))?;
    for (model_id, exp_id, name, location, created, updated, status, model_type, source_run_id, status_message) in rows
    {
        if !experiments.contains(&exp_id) {
            summary.skip(format!("logged model {model_id}"), db, format!("its experiment {exp_id} was not imported"));
            continue;
        }
        let kv = |sql: &str| -> Result<Vec<KeyValue>, Error> {
            src.prepare_cached(sql)
                .and_then(|mut s| {
                    s.query_map([&model_id], |r| Ok(KeyValue::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
                        .collect()
                })
                .map_err(db_err(db))
        };
        let params = kv("SELECT param_key, param_value FROM logged_model_params WHERE model_id = ?1")?;
        let tags = kv("SELECT tag_key, tag_value FROM logged_model_tags WHERE model_id = ?1")?;
        let points: Vec<(Metric, String)> = src
            .prepare_cached("SELECT metric_name, metric_value, metric_timestamp_ms, metric_step, run_id, dataset_name, dataset_digest FROM logged_model_metrics WHERE model_id = ?1")
            .and_then(|mut s| {
                s.query_map([&model_id], |r| {
                    let mut m = Metric::new(r.get::<_, String>(0)?, float(r.get::<_, Option<f64>>(1)?.unwrap_or(f64::NAN), false), r.get(2)?, r.get(3)?);
                    m.dataset_name = r.get(5)?;
                    m.dataset_digest = r.get(6)?;
                    Ok((m, r.get::<_, String>(4)?))
                })?
                .collect()
            })
            .map_err(db_err(db))?;
        let tail = format!("{exp_id}/models/{model_id}/artifacts");
        let artifact_dir = match locate(project, &location, &tail) {
            Some(dir) if options.copy => {
                if let Ok(dst) = runlens_store::artifacts::resolve(&store.artifact_root(), &tail) {
                    summary.artifacts += copy_tree(&dir, &dst, summary, &format!("logged model {model_id}"));
                }
                None
            }
            Some(dir) => {
                summary.artifacts += count_files(&dir);
                Some(dir.display().to_string())
            }
            None => None,
        };
        let model = ImportedLoggedModel {
            model_id: model_id.clone(),
            experiment_id: exp_id,
            name,
            creation_time: created,
            last_updated_time: updated,
            status: match status {
                Some(2) => "LOGGED_MODEL_READY",
                Some(3) => "LOGGED_MODEL_UPLOAD_FAILED",
                _ => "LOGGED_MODEL_PENDING",
            }
            .into(),
            status_message,
            model_type,
            source_run_id,
            artifact_dir,
        };
        crate::write_logged_model(store, &model, &params, &tags, &points)?;
        summary.logged_models += 1;
    }
    Ok(())
}

fn import_registry(store: &Store, src: &Connection, db: &Path, summary: &mut Summary) -> Result<(), Error> {
    let models: Vec<ModelRow> = src
        .prepare("SELECT name, creation_time, last_updated_time, description FROM registered_models ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect())
        .map_err(db_err(db))?;
    for (name, created, updated, description) in models {
        let tags: Vec<KeyValue> = src
            .prepare_cached("SELECT key, value FROM registered_model_tags WHERE name = ?1")
            .and_then(|mut s| {
                s.query_map([&name], |r| {
                    Ok(KeyValue::new(r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?.unwrap_or_default()))
                })?
                .collect()
            })
            .map_err(db_err(db))?;
        let mut versions: Vec<ModelVersion> = src
            .prepare_cached(
                "SELECT version, creation_time, last_updated_time, description, user_id, current_stage, source, run_id, status, status_message, run_link
                 FROM model_versions WHERE name = ?1 ORDER BY version",
            )
            .and_then(|mut s| {
                s.query_map([&name], |r| {
                    let source: Option<String> = r.get(6)?;
                    let model_id = source.as_deref().and_then(|s| s.strip_prefix("models:/")).filter(|s| s.starts_with("m-")).map(|s| s.split('/').next().unwrap_or(s).to_string());
                    Ok(ModelVersion {
                        name: name.clone(),
                        version: r.get(0)?,
                        creation_time: r.get(1)?,
                        last_updated_time: r.get(2)?,
                        description: r.get(3)?,
                        user_id: r.get(4)?,
                        current_stage: r.get::<_, Option<String>>(5)?.unwrap_or_else(|| "None".into()),
                        source,
                        run_id: r.get(7)?,
                        run_link: r.get(10)?,
                        model_id,
                        status: r.get::<_, Option<String>>(8)?.unwrap_or_else(|| "READY".into()),
                        status_message: r.get(9)?,
                        tags: Vec::new(),
                        aliases: Vec::new(),
                    })
                })?
                .collect()
            })
            .map_err(db_err(db))?;
        for v in &mut versions {
            v.tags = src
                .prepare_cached("SELECT key, value FROM model_version_tags WHERE name = ?1 AND version = ?2")
                .and_then(|mut s| {
                    s.query_map(rusqlite::params![name, v.version], |r| {
                        Ok(KeyValue::new(r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?.unwrap_or_default()))
                    })?
                    .collect()
                })
                .map_err(db_err(db))?;
        }
        let aliases: Vec<(String, i64)> = src
            .prepare_cached("SELECT alias, version FROM registered_model_aliases WHERE name = ?1")
            .and_then(|mut s| s.query_map([&name], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
            .map_err(db_err(db))?;
        let model = crate::ModelData {
            name,
            creation_time: created,
            last_updated_time: updated,
            description,
            tags,
            versions,
            aliases,
        };
        crate::write_registered_model(store, &model, summary, db)?;
    }
    Ok(())
}
