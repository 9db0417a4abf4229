//! Metric series for charts: a run's whole history of one key read in one pass, put on an x
//! axis (step, wall time, time since the run started, or another metric), and downsampled so
//! that no extreme is lost: per pixel bucket, the first, smallest, largest and last points.

use crate::model::decode_value;
use crate::{keys, Read, Result};

/// What a chart's x axis shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum XAxis {
    /// The step.
    Step,
    /// Wall-clock time (epoch milliseconds).
    Time,
    /// Seconds since the run started.
    Relative,
    /// Another metric's value at the same step.
    Metric(String),
}

impl XAxis {
    /// Parses `step`, `time`, `relative` or `metric:<key>`.
    pub fn parse(s: &str) -> Option<XAxis> {
        Some(match s {
            "" | "step" => XAxis::Step,
            "time" | "wall" => XAxis::Time,
            "relative" => XAxis::Relative,
            other => XAxis::Metric(other.strip_prefix("metric:").filter(|k| !k.is_empty())?.to_string()),
        })
    }

    /// The axis title.
    pub fn label(&self) -> String {
        match self {
            XAxis::Step => "Step".into(),
            XAxis::Time => "Time".into(),
            XAxis::Relative => "Time since start (s)".into(),
            XAxis::Metric(k) => k.clone(),
        }
    }
}

/// One metric point: step, timestamp, value (NaN, ±inf and −0.0 as logged).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Step.
    pub step: i64,
    /// Epoch milliseconds.
    pub timestamp: i64,
    /// Value.
    pub value: f64,
}

/// Reads a history by step, then timestamp, then value (the table's key order), or only its
/// steps `lo..=hi`. Without `with_time` the timestamp column is not
/// read (it is 0): a step-axis chart of 1,000,000 points reads in half the time.
fn read_points(conn: &Read, run: i64, key: &str, steps: Option<(i64, i64)>, with_time: bool) -> Result<Vec<Point>> {
    let Some(key_id) = keys::lookup(conn, key)? else { return Ok(Vec::new()) };
    let columns = if with_time { "step, value, kind, timestamp" } else { "step, value, kind" };
    let range = if steps.is_some() { " AND step BETWEEN ?3 AND ?4" } else { "" };
    let mut stmt = conn.prepare_cached(&format!("SELECT {columns} FROM metrics WHERE run = ?1 AND key = ?2{range}"))?;
    let mut rows = match steps {
        Some((lo, hi)) => stmt.query(rusqlite::params![run, key_id, lo, hi])?,
        None => stmt.query(rusqlite::params![run, key_id])?,
    };
    let mut out = Vec::new();
    // Raw column access: the types are the table's own, checked by its schema.
    while let Some(r) = rows.next()? {
        let int = |i: usize| r.get_ref_unwrap(i).as_i64().unwrap_or(0);
        let value = r.get_ref_unwrap(1).as_f64().unwrap_or(f64::NAN);
        out.push(Point {
            step: int(0),
            timestamp: if with_time { int(3) } else { 0 },
            value: decode_value(value, int(2)),
        });
    }
    Ok(out)
}

/// What identifies the current state of a run's metric history: its point count and latest
/// point (a cache of anything derived from the history is valid while this is unchanged).
/// `None` when the run or key is unknown.
pub fn history_stamp(conn: &Read, run_id: &str, key: &str) -> Result<Option<String>> {
    let Some(key_id) = keys::lookup(conn, key)? else { return Ok(None) };
    let row = conn
        .prepare_cached(
            "SELECT l.count, l.step, l.timestamp, l.value, l.kind, r.start_time FROM latest_metrics l
             JOIN runs r ON r.id = l.run WHERE r.run_uuid = ?1 AND l.key = ?2",
        )?
        .query_row(rusqlite::params![run_id, key_id], |r| {
            Ok(format!(
                "{}/{}/{}/{}/{}/{:?}",
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, f64>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, Option<i64>>(5)?
            ))
        });
    match row {
        Ok(s) => Ok(Some(s)),
        Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Runs `read` over a run's whole history of `key`: a long one (over 200,000 points) in step
/// ranges on several reader connections at once (on a 2-core laptop a 1,000,000-point
/// history comes in about half the time), a short one in one read. The parts come back in
/// step order; they are read in separate snapshots, which a chart does not mind.
fn in_parts<T: Send>(
    store: &crate::Store,
    run: i64,
    key: &str,
    read: impl Fn(&Read, Option<(i64, i64)>) -> Result<T> + Sync,
) -> Result<Vec<T>> {
    let bounds = store.read(|c| {
        let Some(key_id) = keys::lookup(c, key)? else { return Ok(None) };
        let count: Option<i64> = c
            .query_row(
                "SELECT count FROM latest_metrics WHERE run = ?1 AND key = ?2",
                rusqlite::params![run, key_id],
                |r| r.get(0),
            )
            .ok();
        // Two queries: SQLite answers a lone MIN or MAX from the index, both at once by a scan.
        let bound =
            |sql: &str| -> Result<Option<i64>> { Ok(c.query_row(sql, rusqlite::params![run, key_id], |r| r.get(0))?) };
        let lo = bound("SELECT MIN(step) FROM metrics WHERE run = ?1 AND key = ?2")?;
        let hi = bound("SELECT MAX(step) FROM metrics WHERE run = ?1 AND key = ?2")?;
        Ok(Some((count.unwrap_or(0), lo, hi)))
    })?;
    let parts = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 4) as i64;
    match bounds {
        Some((count, Some(lo), Some(hi))) if count > 200_000 && parts > 1 && hi - lo >= parts => {
            let width = (hi - lo) / parts + 1;
            let ranges: Vec<(i64, i64)> = (0..parts)
                .map(|i| (lo + i * width, (lo + (i + 1) * width - 1).min(hi)))
                .filter(|(a, b)| a <= b)
                .collect();
            let read = &read;
            std::thread::scope(|scope| {
                let handles: Vec<_> =
                    ranges.iter().map(|&r| scope.spawn(move || store.read(|c| read(c, Some(r))))).collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|_| Err(crate::Error::Invalid("reading a history failed".into()))))
                    .collect()
            })
        }
        _ => Ok(vec![store.read(|c| read(c, None))?]),
    }
}

/// A run's whole history of `key` (see [`in_parts`]).
pub fn points_parallel(store: &crate::Store, run: i64, key: &str, with_time: bool) -> Result<Vec<Point>> {
    let chunks = in_parts(store, run, key, |c, steps| read_points(c, run, key, steps, with_time))?;
    let mut out = Vec::with_capacity(chunks.iter().map(Vec::len).sum());
    for chunk in chunks {
        out.extend(chunk);
    }
    Ok(out)
}

/// A run's whole history of `key` put straight on a step, time or relative axis (not another
/// metric's), sorted by x: the same as [`on_axis`] of [`points_parallel`], without the points
/// in between (a 1,000,000-point history: 24 MB of points and 16 MB of pairs less to fill).
/// `None` for an axis on another metric.
pub fn xy_parallel(
    store: &crate::Store,
    run: i64,
    key: &str,
    axis: &XAxis,
    start: Option<i64>,
) -> Result<Option<(Vec<f64>, Vec<f64>)>> {
    let by_step = match axis {
        XAxis::Step => true,
        XAxis::Time | XAxis::Relative => false,
        XAxis::Metric(_) => return Ok(None),
    };
    let chunks = in_parts(store, run, key, |c, steps| read_xy(c, run, key, steps, by_step))?;
    let n = chunks.iter().map(|(x, _)| x.len()).sum();
    let (mut x, mut y) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for (cx, cy) in chunks {
        x.extend(cx);
        y.extend(cy);
    }
    if by_step {
        return Ok(Some((x, y)));
    }
    if let XAxis::Relative = axis {
        // x holds epoch milliseconds (exact in an f64): seconds since the start, as on_axis.
        let t0 = start.or_else(|| x.iter().map(|&t| t as i64).min()).unwrap_or(0);
        for t in &mut x {
            *t = ((*t as i64) - t0) as f64 / 1000.0;
        }
    }
    if !x.is_sorted_by(|a, b| a.total_cmp(b).is_le()) {
        let mut xy: Vec<(f64, f64)> = x.into_iter().zip(y).collect();
        xy.sort_by(|a, b| a.0.total_cmp(&b.0));
        (x, y) = xy.into_iter().unzip();
    }
    Ok(Some((x, y)))
}

/// Like [`read_points`], straight into x (the step, or the timestamp in milliseconds) and y.
fn read_xy(conn: &Read, run: i64, key: &str, steps: Option<(i64, i64)>, by_step: bool) -> Result<(Vec<f64>, Vec<f64>)> {
    let Some(key_id) = keys::lookup(conn, key)? else { return Ok((Vec::new(), Vec::new())) };
    let x_col = if by_step { "step" } else { "timestamp" };
    let range = if steps.is_some() { " AND step BETWEEN ?3 AND ?4" } else { "" };
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {x_col}, value, kind FROM metrics WHERE run = ?1 AND key = ?2{range}"))?;
    let mut rows = match steps {
        Some((lo, hi)) => stmt.query(rusqlite::params![run, key_id, lo, hi])?,
        None => stmt.query(rusqlite::params![run, key_id])?,
    };
    let (mut x, mut y) = (Vec::new(), Vec::new());
    while let Some(r) = rows.next()? {
        let int = |i: usize| r.get_ref_unwrap(i).as_i64().unwrap_or(0);
        let value = r.get_ref_unwrap(1).as_f64().unwrap_or(f64::NAN);
        x.push(int(0) as f64);
        y.push(decode_value(value, int(2)));
    }
    Ok((x, y))
}

/// The points with `lo <= step <= hi` (a zoom on the step axis reads only its range).
pub fn points_in_steps(conn: &Read, run: i64, key: &str, lo: i64, hi: i64) -> Result<Vec<Point>> {
    read_points(conn, run, key, Some((lo, hi)), true)
}

/// Puts points on an x axis, sorted by x. `start` is the run's start (relative time); `other`
/// the x metric's points (its last value at each step is used; steps it lacks are dropped).
pub fn on_axis(points: &[Point], axis: &XAxis, start: Option<i64>, other: &[Point]) -> (Vec<f64>, Vec<f64>) {
    let mut xy: Vec<(f64, f64)> = match axis {
        XAxis::Step => points.iter().map(|p| (p.step as f64, p.value)).collect(),
        XAxis::Time => points.iter().map(|p| (p.timestamp as f64, p.value)).collect(),
        XAxis::Relative => {
            let t0 = start.or_else(|| points.iter().map(|p| p.timestamp).min()).unwrap_or(0);
            points.iter().map(|p| ((p.timestamp - t0) as f64 / 1000.0, p.value)).collect()
        }
        XAxis::Metric(_) => {
            let mut at: std::collections::HashMap<i64, f64> = std::collections::HashMap::with_capacity(other.len());
            for p in other {
                at.insert(p.step, p.value);
            }
            points.iter().filter_map(|p| at.get(&p.step).filter(|x| x.is_finite()).map(|&x| (x, p.value))).collect()
        }
    };
    if !matches!(axis, XAxis::Step) {
        xy.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    xy.into_iter().unzip()
}

/// Downsamples a series (x sorted) to at most `buckets` equal-width x buckets, keeping per
/// bucket the first, the smallest, the largest and the last point, in x order, and every
/// point whose value is NaN or infinite (a chart shows those as gaps or marks; they must not
/// vanish either). A series with no more than `4 × buckets` points is returned as it is.
pub fn downsample(x: &[f64], y: &[f64], buckets: usize) -> (Vec<f64>, Vec<f64>) {
    let n = x.len().min(y.len());
    let buckets = buckets.max(1);
    if n <= buckets * 4 {
        return (x[..n].to_vec(), y[..n].to_vec());
    }
    let (lo, hi) = (x[0], x[n - 1]);
    let width = hi - lo;
    let bucket_of = |v: f64| -> usize {
        if width.is_nan() || width <= 0.0 {
            return 0;
        }
        (((v - lo) / width * buckets as f64) as usize).min(buckets - 1)
    };
    let mut keep: Vec<usize> = Vec::with_capacity(buckets * 4);
    let mut i = 0;
    while i < n {
        let b = bucket_of(x[i]);
        let first = i;
        let (mut min_i, mut max_i) = (usize::MAX, usize::MAX);
        let mut last = i;
        let mut odd: Vec<usize> = Vec::new();
        while i < n && bucket_of(x[i]) == b {
            let v = y[i];
            if v.is_finite() {
                if min_i == usize::MAX || v < y[min_i] {
                    min_i = i;
                }
                if max_i == usize::MAX || v > y[max_i] {
                    max_i = i;
                }
            } else {
                odd.push(i);
            }
            last = i;
            i += 1;
        }
        let mut picked = vec![first, last];
        if min_i != usize::MAX {
            picked.push(min_i);
            picked.push(max_i);
        }
        picked.extend(odd);
        picked.sort_unstable();
        picked.dedup();
        keep.extend(picked);
    }
    (keep.iter().map(|&k| x[k]).collect(), keep.iter().map(|&k| y[k]).collect())
}

/// TensorBoard's debiased exponential moving average with weight `w` in `[0, 1)`; NaN and
/// ±inf pass through and do not enter the average. The UI applies the same formula.
pub fn smooth(y: &[f64], w: f64) -> Vec<f64> {
    if w.is_nan() || w <= 0.0 {
        return y.to_vec();
    }
    let w = w.min(0.999);
    let (mut last, mut n) = (0.0f64, 0i32);
    y.iter()
        .map(|&v| {
            if !v.is_finite() {
                return v;
            }
            last = last * w + (1.0 - w) * v;
            n += 1;
            last / (1.0 - w.powi(n))
        })
        .collect()
}

/// The 5th–95th percentile range of the finite values (for clipping outliers).
pub fn percentile_range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let mut v: Vec<f64> = values.filter(|v| v.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let at = |p: f64| v[((p * (v.len() - 1) as f64).round() as usize).min(v.len() - 1)];
    Some((at(0.05), at(0.95)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(x: &[f64], y: &[f64], buckets: usize, expect_x: &[f64]) {
        let (dx, dy) = downsample(x, y, buckets);
        assert_eq!(dx, expect_x, "x");
        for (a, b) in dx.iter().zip(&dy) {
            let i = x.iter().position(|v| v == a).unwrap();
            assert!(y[i].to_bits() == b.to_bits(), "y at {a}");
        }
    }

    #[test]
    fn downsample_keeps_every_extreme() {
        // 1,000,000 points of noise with one spike up and one down: both survive 500 buckets.
        let n = 1_000_000;
        let x: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let mut y: Vec<f64> = (0..n as u64).map(|i| ((i * 7919) % 1000) as f64 / 1000.0).collect();
        y[123_457] = 1e6;
        y[876_543] = -1e6;
        let (dx, dy) = downsample(&x, &y, 500);
        assert!(dx.len() <= 500 * 4, "at most four points per bucket: {}", dx.len());
        assert!(dy.contains(&1e6) && dy.contains(&-1e6), "spikes kept");
        assert_eq!(dx.first(), Some(&0.0));
        assert_eq!(dx.last(), Some(&((n - 1) as f64)), "first and last points kept");
        // Every bucket's min and max are there: the sampled range equals the full range.
        let max = dy.iter().cloned().fold(f64::MIN, f64::max);
        let min = dy.iter().cloned().fold(f64::MAX, f64::min);
        assert_eq!((min, max), (-1e6, 1e6));
        assert!(dx.windows(2).all(|w| w[0] <= w[1]), "in x order");
    }

    #[test]
    fn downsample_bucket_counts() {
        // Small series come back as they are.
        check(&[0.0, 1.0, 2.0], &[3.0, 1.0, 2.0], 1, &[0.0, 1.0, 2.0]);
        // 10 points, 2 buckets (x 0–4 and 5–9): first, min, max, last of each.
        let x: Vec<f64> = (0..10).map(f64::from).collect();
        let y = [5.0, 9.0, 1.0, 4.0, 3.0, 2.0, 8.0, 0.0, 7.0, 6.0];
        check(&x, &y, 2, &[0.0, 1.0, 2.0, 4.0, 5.0, 6.0, 7.0, 9.0]);
        // One bucket holding everything: first, max, min, last.
        check(&x, &y, 1, &[0.0, 1.0, 7.0, 9.0]);
        // All points at one x (a single-step metric logged many times).
        let same = vec![3.0; 20];
        let (dx, _) = downsample(&same, &(0..20).map(f64::from).collect::<Vec<_>>(), 2);
        assert_eq!(dx.len(), 2, "first (= min) and last (= max) of the one bucket: {dx:?}");
    }

    #[test]
    fn downsample_keeps_nan_and_infinities() {
        let x: Vec<f64> = (0..100).map(f64::from).collect();
        let mut y: Vec<f64> = x.iter().map(|v| v * 0.5).collect();
        y[10] = f64::NAN;
        y[50] = f64::INFINITY;
        y[51] = f64::NEG_INFINITY;
        let (dx, dy) = downsample(&x, &y, 5);
        assert!(dx.len() <= 5 * 4 + 3);
        assert!(dy.iter().any(|v| v.is_nan()), "NaN kept");
        assert!(dy.contains(&f64::INFINITY) && dy.contains(&f64::NEG_INFINITY), "±inf kept");
        // Non-finite values never count as a bucket's min or max.
        let finite: Vec<f64> = dy.iter().cloned().filter(|v| v.is_finite()).collect();
        assert_eq!(finite.iter().cloned().fold(f64::MAX, f64::min), 0.0);
        assert_eq!(finite.iter().cloned().fold(f64::MIN, f64::max), 49.5);
    }

    #[test]
    fn axes_smoothing_and_percentiles() {
        let pts = [
            Point { step: 0, timestamp: 1000, value: 1.0 },
            Point { step: 1, timestamp: 3000, value: 2.0 },
            Point { step: 2, timestamp: 2000, value: 3.0 },
        ];
        assert_eq!(on_axis(&pts, &XAxis::Step, None, &[]), (vec![0.0, 1.0, 2.0], vec![1.0, 2.0, 3.0]));
        assert_eq!(on_axis(&pts, &XAxis::Relative, Some(500), &[]), (vec![0.5, 1.5, 2.5], vec![1.0, 3.0, 2.0]));
        let other = [Point { step: 0, timestamp: 0, value: 10.0 }, Point { step: 2, timestamp: 0, value: 5.0 }];
        assert_eq!(on_axis(&pts, &XAxis::Metric("lr".into()), None, &other), (vec![5.0, 10.0], vec![3.0, 1.0]));
        assert_eq!(XAxis::parse("metric:lr"), Some(XAxis::Metric("lr".into())));
        assert_eq!(XAxis::parse("metric:"), None);
        let s = smooth(&[1.0, f64::NAN, 1.0, 3.0], 0.5);
        assert_eq!(s[0], 1.0, "debiased: the first value is itself");
        assert!(s[1].is_nan());
        assert!((s[3] - (0.125 * 1.0 + 0.25 * 1.0 + 0.5 * 3.0) / 0.875).abs() < 1e-12);
        assert_eq!(percentile_range((0..=100).map(f64::from)), Some((5.0, 95.0)));
    }
}
