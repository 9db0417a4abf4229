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

/// Rows per multi-row `INSERT` statement.
const ROWS_PER_INSERT: usize = 64;

fn insert_sql(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO metrics (run, key, step, timestamp, value, kind, model_id, dataset_name, dataset_digest) VALUES ",
    );
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str("(?, ?, ?, ?, ?, ?, ?, ?, ?)");
    }
    sql.push_str(" ON CONFLICT DO NOTHING");
    sql
}

/// Appends points to a run's history. An exact duplicate (same key, step, timestamp and
/// value) is stored once. The summary table is updated in the same transaction. Returns
/// how many points were new.
pub fn log(tx: &Write<'_>, run: i64, points: &[Metric]) -> Result<usize> {
    // Points of one key go in together, so the rows a statement adds count for that key.
    let mut by_key: Vec<(&str, Vec<&Metric>)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for m in points {
        match index.get(m.key.as_str()) {
            Some(&i) => by_key[i].1.push(m),
            None => {
                index.insert(&m.key, by_key.len());
                by_key.push((&m.key, vec![m]));
            }
        }
    }
    let mut inserted = 0;
    for (key, group) in by_key {
        let key_id = keys::intern(tx, key)?;
        let mut added = 0i64;
        for chunk in group.chunks(ROWS_PER_INSERT) {
            let mut stmt = tx.prepare_cached(&insert_sql(chunk.len()))?;
            // Bound in place: no list of owned values per row.
            for (i, m) in chunk.iter().enumerate() {
                let (value, kind) = encode_value(m.value);
                let at = i * 9;
                stmt.raw_bind_parameter(at + 1, run)?;
                stmt.raw_bind_parameter(at + 2, key_id)?;
                stmt.raw_bind_parameter(at + 3, m.step)?;
                stmt.raw_bind_parameter(at + 4, m.timestamp)?;
                stmt.raw_bind_parameter(at + 5, value)?;
                stmt.raw_bind_parameter(at + 6, kind)?;
                stmt.raw_bind_parameter(at + 7, m.model_id.as_deref())?;
                stmt.raw_bind_parameter(at + 8, m.dataset_name.as_deref())?;
                stmt.raw_bind_parameter(at + 9, m.dataset_digest.as_deref())?;
            }
            added += stmt.raw_execute()? as i64;
        }
        if added == 0 {
            continue;
        }
        inserted += added as usize;
        // Latest, min and max are the same whether or not a point was a duplicate.
        let mut latest = group[0];
        let (mut min, mut max) = (None, None);
        for m in &group {
            if is_later(m, latest) {
                latest = m;
            }
            let finite = (!m.value.is_nan()).then_some(m.value);
            min = fold_min(min, finite);
            max = fold_max(max, finite);
        }
        merge_summary(tx, run, key_id, Delta { latest: latest.clone(), min, max, count: added })?;
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
///
/// Rows are read in key order (step, timestamp, value), which needs no sort in SQLite; they
/// are almost always already in timestamp order too, and are sorted here when not.
pub fn history(conn: &Read, run: i64, key: &str, offset: i64, limit: i64) -> Result<Page<Metric>> {
    let Some(key_id) = keys::lookup(conn, key)? else {
        return Ok(Page { items: vec![], next_offset: None });
    };
    let mut stmt = conn.prepare_cached(
        "SELECT step, timestamp, value, kind, model_id, dataset_name, dataset_digest FROM metrics
         WHERE run = ?1 AND key = ?2",
    )?;
    let rows = stmt.query_map(params![run, key_id], |r| {
        Ok(Metric {
            key: String::new(),
            value: decode_value(r.get(2)?, r.get(3)?),
            timestamp: r.get(1)?,
            step: r.get(0)?,
            model_id: r.get(4)?,
            dataset_name: r.get(5)?,
            dataset_digest: r.get(6)?,
        })
    })?;
    let mut all: Vec<Metric> = rows.collect::<rusqlite::Result<_>>()?;
    let order = |a: &Metric, b: &Metric| {
        (a.timestamp, a.step)
            .cmp(&(b.timestamp, b.step))
            .then(encode_value(a.value).0.total_cmp(&encode_value(b.value).0))
    };
    if !all.windows(2).all(|w| order(&w[0], &w[1]).is_le()) {
        all.sort_by(order);
    }
    let total = all.len() as i64;
    let start = offset.clamp(0, total) as usize;
    let end = offset.saturating_add(limit).clamp(0, total) as usize;
    let items: Vec<Metric> = all
        .drain(start..end)
        .map(|mut m| {
            m.key = key.to_string();
            m
        })
        .collect();
    let next_offset = (end < total as usize).then_some(end as i64);
    Ok(Page { items, next_offset })
}
