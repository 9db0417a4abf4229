//! Datasets, run inputs (datasets and models) and run outputs (logged models).

use rusqlite::{params, OptionalExtension};

use crate::model::{Dataset, DatasetInput, KeyValue, ModelOutput};
use crate::{Read, Result, Write};

/// Records that a run used a dataset (creating the dataset in the experiment if new) with
/// the input's tags. Logging the same input again replaces its tags.
pub fn log_dataset_input(tx: &Write<'_>, run: i64, experiment_id: i64, input: &DatasetInput) -> Result<()> {
    let ds = &input.dataset;
    let existing: Option<i64> = tx
        .prepare_cached("SELECT id FROM datasets WHERE experiment_id = ?1 AND name = ?2 AND digest = ?3")?
        .query_row(params![experiment_id, ds.name, ds.digest], |r| r.get(0))
        .optional()?;
    let dataset = match existing {
        Some(id) => id,
        None => {
            tx.prepare_cached(
                "INSERT INTO datasets (dataset_uuid, experiment_id, name, digest, source_type, source, schema, profile)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                uuid::Uuid::new_v4().to_string(),
                experiment_id,
                ds.name,
                ds.digest,
                ds.source_type,
                ds.source,
                ds.schema,
                ds.profile
            ])?;
            tx.last_insert_rowid()
        }
    };
    tx.prepare_cached("INSERT INTO run_inputs (run, dataset) VALUES (?1, ?2) ON CONFLICT DO NOTHING")?
        .execute(params![run, dataset])?;
    for tag in &input.tags {
        tx.prepare_cached(
            "INSERT INTO input_tags (run, dataset, key, value) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (run, dataset, key) DO UPDATE SET value = excluded.value",
        )?
        .execute(params![run, dataset, tag.key, tag.value])?;
    }
    Ok(())
}

/// Records that a run used a logged model.
pub fn log_model_input(tx: &Write<'_>, run: i64, model_id: &str) -> Result<()> {
    tx.prepare_cached("INSERT INTO run_model_inputs (run, model_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING")?
        .execute(params![run, model_id])?;
    Ok(())
}

/// Records that a run produced a logged model at a step.
pub fn log_model_output(tx: &Write<'_>, run: i64, output: &ModelOutput) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO run_outputs (run, model_id, step) VALUES (?1, ?2, ?3)
         ON CONFLICT (run, model_id) DO UPDATE SET step = excluded.step",
    )?
    .execute(params![run, output.model_id, output.step])?;
    Ok(())
}

/// The datasets a run used, with their input tags.
pub fn dataset_inputs(conn: &Read, run: i64) -> Result<Vec<DatasetInput>> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.id, d.name, d.digest, d.source_type, d.source, d.schema, d.profile
         FROM run_inputs i JOIN datasets d ON d.id = i.dataset WHERE i.run = ?1 ORDER BY d.id",
    )?;
    let rows = stmt.query_map(params![run], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            Dataset {
                name: r.get(1)?,
                digest: r.get(2)?,
                source_type: r.get(3)?,
                source: r.get(4)?,
                schema: r.get(5)?,
                profile: r.get(6)?,
            },
        ))
    })?;
    let datasets: Vec<(i64, Dataset)> = rows.collect::<rusqlite::Result<_>>()?;
    let mut tag_stmt =
        conn.prepare_cached("SELECT key, value FROM input_tags WHERE run = ?1 AND dataset = ?2 ORDER BY key")?;
    let mut out = Vec::with_capacity(datasets.len());
    for (id, dataset) in datasets {
        let tags = tag_stmt
            .query_map(params![run, id], |r| Ok(KeyValue::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        out.push(DatasetInput { tags, dataset });
    }
    Ok(out)
}

/// The logged models a run used.
pub fn model_inputs(conn: &Read, run: i64) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached("SELECT model_id FROM run_model_inputs WHERE run = ?1 ORDER BY model_id")?;
    let rows = stmt.query_map(params![run], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The logged models a run produced.
pub fn model_outputs(conn: &Read, run: i64) -> Result<Vec<ModelOutput>> {
    let mut stmt =
        conn.prepare_cached("SELECT model_id, step FROM run_outputs WHERE run = ?1 ORDER BY step, model_id")?;
    let rows = stmt.query_map(params![run], |r| Ok(ModelOutput { model_id: r.get(0)?, step: r.get(1)? }))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
