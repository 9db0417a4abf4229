//! The full metric history (`metrics`) and the per-run, per-key summary (`latest_metrics`).

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension};

use crate::model::{decode_value, encode_value, Metric, MetricSummary, Page};
use crate::{keys, Read, Result, Write};

/// MLflow's order for "latest": greater step, then greater timestamp, then greater value
/// (NaN compares as its stored 0, as in MLflow's SQL store).
fn is_later(a: &Metric, b: &Metric) -> bool {
    let av = encode_value(a.value).0;
    let bv = encode_value(b.value).0;
    (a.step, a.timestamp) > (b.step, b.timestamp) || ((a.step, a.timestamp) == (b.step, b.timestamp) && av > bv)
}

/// What one batch adds to one key's summary.
struct Delta {
    latest: Metric,
    min: Option<f64>,
    max: Option<f64>,
    count: i64,
}

fn fold_min(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn fold_max(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Appends points to a run's history. An exact duplicate (same key, step, timestamp and
/// value) is stored once. The summary table is updated in the same transaction. Returns
/// how many points were new.
pub fn log(tx: &Write<'_>, run: i64, points: &[Metric]) -> Result<usize> {
    let mut deltas: HashMap<i64, Delta> = HashMap::new();
    let mut inserted = 0;
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO metrics (run, key, step, timestamp, value, kind, model_id, dataset_name, dataset_digest)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT DO NOTHING",
        )?;
        let mut key_ids: HashMap<&str, i64> = HashMap::new();
        for m in points {
            let key_id = match key_ids.get(m.key.as_str()) {
                Some(id) => *id,
                None => {
                    let id = keys::intern(tx, &m.key)?;
                    key_ids.insert(&m.key, id);
                    id
                }
            };
            let (value, kind) = encode_value(m.value);
            let n = insert.execute(params![
                run,
                key_id,
                m.step,
                m.timestamp,
                value,
                kind,
                m.model_id,
                m.dataset_name,
                m.dataset_digest
            ])?;
            if n == 0 {
                continue;
            }
            inserted += 1;
            let finite = (!m.value.is_nan()).then_some(m.value);
            match deltas.get_mut(&key_id) {
                Some(d) => {
                    if is_later(m, &d.latest) {
                        d.latest = m.clone();
                    }
                    d.min = fold_min(d.min, finite);
                    d.max = fold_max(d.max, finite);
                    d.count += 1;
                }
                None => {
                    deltas.insert(key_id, Delta { latest: m.clone(), min: finite, max: finite, count: 1 });
                }
            }
        }
    }
    for (key_id, d) in deltas {
        merge_summary(tx, run, key_id, d)?;
    }
    Ok(inserted)
}

fn merge_summary(tx: &Write<'_>, run: i64, key_id: i64, d: Delta) -> Result<()> {
    let current = tx
        .prepare_cached(
            "SELECT step, timestamp, value, kind, min_value, max_value, count FROM latest_metrics WHERE run = ?1 AND key = ?2",
        )?
        .query_row(params![run, key_id], |r| {
            Ok((
                Metric::new(String::new(), decode_value(r.get(2)?, r.get(3)?), r.get(1)?, r.get(0)?),
                r.get::<_, Option<f64>>(4)?,
                r.get::<_, Option<f64>>(5)?,
                r.get::<_, i64>(6)?,
            ))
        })
        .optional()?;
    let (latest, min, max, count) = match current {
        Some((cur, cmin, cmax, ccount)) => {
            let latest = if is_later(&d.latest, &cur) { d.latest } else { cur };
            (latest, fold_min(cmin, d.min), fold_max(cmax, d.max), ccount + d.count)
        }
        None => (d.latest, d.min, d.max, d.count),
    };
    let (value, kind) = encode_value(latest.value);
    tx.prepare_cached(
        "INSERT INTO latest_metrics (run, key, step, timestamp, value, kind, min_value, max_value, count)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (run, key) DO UPDATE SET step = excluded.step, timestamp = excluded.timestamp,
           value = excluded.value, kind = excluded.kind, min_value = excluded.min_value,
           max_value = excluded.max_value, count = excluded.count",
    )?
    .execute(params![run, key_id, latest.step, latest.timestamp, value, kind, min, max, count])?;
    Ok(())
}

/// The summary of every metric of a run, in key order.
pub fn latest(conn: &Read, run: i64) -> Result<Vec<MetricSummary>> {
    let mut stmt = conn.prepare_cached(
        "SELECT k.name, l.step, l.timestamp, l.value, l.kind, l.min_value, l.max_value, l.count
         FROM latest_metrics l JOIN keys k ON k.id = l.key WHERE l.run = ?1 ORDER BY k.name",
    )?;
    let rows = stmt.query_map(params![run], |r| {
        Ok(MetricSummary {
            latest: Metric::new(r.get::<_, String>(0)?, decode_value(r.get(3)?, r.get(4)?), r.get(2)?, r.get(1)?),
            min: r.get(5)?,
            max: r.get(6)?,
            count: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One page of a metric's history, in MLflow's order: timestamp, then step, then value.
pub fn history(conn: &Read, run: i64, key: &str, offset: i64, limit: i64) -> Result<Page<Metric>> {
    let Some(key_id) = keys::lookup(conn, key)? else {
        return Ok(Page { items: vec![], next_offset: None });
    };
    let mut stmt = conn.prepare_cached(
        "SELECT step, timestamp, value, kind, model_id, dataset_name, dataset_digest FROM metrics
         WHERE run = ?1 AND key = ?2 ORDER BY timestamp, step, value LIMIT ?3 OFFSET ?4",
    )?;
    let rows = stmt.query_map(params![run, key_id, limit + 1, offset], |r| {
        Ok(Metric {
            key: key.to_string(),
            value: decode_value(r.get(2)?, r.get(3)?),
            timestamp: r.get(1)?,
            step: r.get(0)?,
            model_id: r.get(4)?,
            dataset_name: r.get(5)?,
            dataset_digest: r.get(6)?,
        })
    })?;
    let mut items: Vec<Metric> = rows.collect::<rusqlite::Result<_>>()?;
    let next_offset = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        Some(offset + limit)
    } else {
        None
    };
    Ok(Page { items, next_offset })
}
