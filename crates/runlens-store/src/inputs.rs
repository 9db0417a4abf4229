//! Datasets, run inputs (datasets and models) and run outputs (logged models).

use rusqlite::{params, OptionalExtension};

use crate::model::{DatasetInput, ModelOutput};
use crate::{Result, Write};

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
