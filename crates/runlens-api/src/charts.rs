//! Charts: the series a chart draws (downsampled in the backend, extremes kept), the same
//! chart drawn to PNG/SVG by `runlens-chart` (window, browser and CLI export alike), and its
//! data as CSV. A [`ChartSpec`] says what a chart shows; the UI's dashboards and
//! presentations save specs.

use std::collections::HashMap;

use runlens_store::series::{self, XAxis};
use runlens_store::{runs, Store};
use serde::{Deserialize, Serialize};

use crate::wire::F64;
use crate::{ApiError, ApiResult, ErrorCode};

/// The most series one chart may hold.
pub const MAX_SERIES: usize = 200;

/// One line: a run's metric.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct SeriesRef {
    /// Run id.
    pub run_id: String,
    /// Metric key.
    pub key: String,
}

/// What a chart shows (ui/src/charts/api.ts has the same shape).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ChartSpec {
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Lines.
    #[serde(default)]
    pub series: Vec<SeriesRef>,
    /// `step` (default), `time`, `relative` or `metric:<key>`.
    #[serde(default)]
    pub x: Option<String>,
    /// EMA weight in [0, 1).
    #[serde(default)]
    pub smooth: Option<f64>,
    /// Logarithmic x.
    #[serde(default)]
    pub log_x: bool,
    /// Logarithmic y.
    #[serde(default)]
    pub log_y: bool,
    /// Only this x range.
    #[serde(default)]
    pub x_range: Option<[f64; 2]>,
    /// Fixed y range.
    #[serde(default)]
    pub y_range: Option<[f64; 2]>,
    /// y from the 5th to the 95th percentile.
    #[serde(default)]
    pub clip_outliers: bool,
    /// Colours by run id (`#rrggbb`); others get the UI's default colour for the run.
    #[serde(default)]
    pub colors: HashMap<String, String>,
}

/// The run colours of the UI (ui/src/lib/colors.ts): same palette, same hash of the run id.
const PALETTE: [&str; 16] = [
    "#3b5bdb", "#e8590c", "#2b8a3e", "#c2255c", "#7048e8", "#0c8599", "#e67700", "#5c940d", "#d6336c", "#1971c2",
    "#9c36b5", "#087f5b", "#f08c00", "#495057", "#c92a2a", "#4263eb",
];

/// The UI's default colour of a run (FNV-1a over the id's UTF-16 units, as colors.ts does).
pub fn run_color(run_id: &str) -> &'static str {
    let mut h: u32 = 2_166_136_261;
    for unit in run_id.encode_utf16() {
        h ^= u32::from(unit);
        h = h.wrapping_mul(16_777_619);
    }
    PALETTE[(h as usize) % PALETTE.len()]
}

/// A loaded line: its run and key, its points on the x axis.
struct Loaded {
    run_id: String,
    run_name: String,
    key: String,
    x: Vec<f64>,
    y: Vec<f64>,
    steps: Vec<(i64, i64)>,
}

fn axis(spec: &ChartSpec) -> ApiResult<XAxis> {
    let raw = spec.x.as_deref().unwrap_or("step");
    XAxis::parse(raw).ok_or_else(|| {
        ApiError::invalid(format!("Invalid x axis '{raw}': expected step, time, relative or metric:<key>"))
    })
}

/// Each series of a spec on its x axis, within its x range. A whole history on a step or time
/// axis is read straight onto it ([`series::xy_parallel`]); a zoom on steps reads only its
/// range; other histories are read with [`series::points_parallel`] (long ones on several
/// readers), timestamps only when the axis or the CSV needs them.
fn load(store: &Store, spec: &ChartSpec, with_steps: bool) -> runlens_store::Result<Vec<Loaded>> {
    let x_axis = XAxis::parse(spec.x.as_deref().unwrap_or("step")).unwrap_or(XAxis::Step);
    let with_time = with_steps || matches!(x_axis, XAxis::Time | XAxis::Relative);
    let mut out = Vec::with_capacity(spec.series.len());
    for s in &spec.series {
        let (handle, info) = store.read(|c| Ok((runs::handle(c, &s.run_id)?, runs::info(c, &s.run_id)?)))?;
        if !with_steps && spec.x_range.is_none() {
            // A whole history on a plain axis: read straight onto it.
            if let Some((x, y)) = series::xy_parallel(store, handle, &s.key, &x_axis, info.start_time)? {
                let (run_id, run_name, key) = (s.run_id.clone(), info.run_name, s.key.clone());
                out.push(Loaded { run_id, run_name, key, x, y, steps: Vec::new() });
                continue;
            }
        }
        let points = match (&x_axis, spec.x_range) {
            // A zoom on steps reads only its range (the PK is ordered by step).
            (XAxis::Step, Some([lo, hi])) if lo <= hi && lo.is_finite() && hi.is_finite() => {
                store.read(|c| series::points_in_steps(c, handle, &s.key, lo.ceil() as i64, hi.floor() as i64))?
            }
            _ => series::points_parallel(store, handle, &s.key, with_time)?,
        };
        let other = match &x_axis {
            XAxis::Metric(k) => series::points_parallel(store, handle, k, false)?,
            _ => Vec::new(),
        };
        let (mut x, mut y) = series::on_axis(&points, &x_axis, info.start_time, &other);
        let mut steps = Vec::new();
        if with_steps {
            // The CSV names each point's step and time; only the plain axes keep them aligned.
            if matches!(x_axis, XAxis::Step) {
                steps = points.iter().map(|p| (p.step, p.timestamp)).collect();
            } else if !matches!(x_axis, XAxis::Metric(_)) {
                let mut sorted = points.clone();
                sorted.sort_by_key(|p| p.timestamp);
                steps = sorted.iter().map(|p| (p.step, p.timestamp)).collect();
            }
        }
        if let Some([lo, hi]) = spec.x_range {
            if lo <= hi {
                let a = x.partition_point(|v| *v < lo);
                let b = x.partition_point(|v| *v <= hi);
                x = x[a..b].to_vec();
                y = y[a..b].to_vec();
                if !steps.is_empty() {
                    steps = steps[a..b].to_vec();
                }
            }
        }
        out.push(Loaded { run_id: s.run_id.clone(), run_name: info.run_name, key: s.key.clone(), x, y, steps });
    }
    Ok(out)
}

fn check_spec(spec: &ChartSpec) -> ApiResult<XAxis> {
    if spec.series.len() > MAX_SERIES {
        return Err(ApiError::invalid(format!("A chart holds at most {MAX_SERIES} series, not {}", spec.series.len())));
    }
    if let Some(w) = spec.smooth {
        if !(0.0..1.0).contains(&w) {
            return Err(ApiError::invalid(format!("smooth must be in [0, 1), not {w}")));
        }
    }
    axis(spec)
}

/// `runlens/metrics/series`: a chart's spec and the chart's width in pixels.
#[derive(Debug, Deserialize)]
pub struct SeriesRequest {
    /// The chart.
    #[serde(flatten)]
    pub spec: ChartSpec,
    /// Pixel buckets to sample to (default 1000, at most 10,000).
    #[serde(default)]
    pub width: Option<usize>,
}

/// One sampled line.
#[derive(Debug, Serialize)]
pub struct SeriesData {
    /// Run id.
    pub run_id: String,
    /// Run name.
    pub run_name: String,
    /// Metric key.
    pub key: String,
    /// x values.
    pub x: Vec<F64>,
    /// y values (NaN, ±inf as MLflow writes them).
    pub y: Vec<F64>,
    /// Points in range before sampling.
    pub points: usize,
    /// Whether sampling dropped points.
    pub sampled: bool,
}

/// The answer of `runlens/metrics/series`.
#[derive(Debug, Serialize)]
pub struct SeriesResponse {
    /// One entry per requested series, in order.
    pub series: Vec<SeriesData>,
    /// The x axis title.
    pub x_label: String,
}

/// Buckets of a history's cached overview: requests up to this width are answered from it.
const OVERVIEW_BUCKETS: usize = 4096;

/// A history sampled to [`OVERVIEW_BUCKETS`] (extremes kept), with its full point count.
struct Overview {
    points: usize,
    x: Vec<f64>,
    y: Vec<f64>,
}

/// `runlens/metrics/series`: each history on the chart's x axis, within its x range, sampled
/// to about `width` pixel buckets keeping each bucket's first, min, max and last point.
///
/// The whole-range view of a history is sampled once per data version to 4,096 buckets and
/// kept ([`Store::cached`]): sampling that again keeps every extreme (each bucket's extremes
/// are among the kept points), so redraws, resizes and other charts of the same run cost
/// microseconds; a zoom reads only its range again, exactly.
pub fn metrics_series(store: &Store, req: SeriesRequest) -> ApiResult<SeriesResponse> {
    let x_axis = check_spec(&req.spec)?;
    let buckets = req.width.unwrap_or(1000).clamp(10, 10_000);
    let sampled = |run_id: String, run_name: String, key: String, points: usize, x: &[f64], y: &[f64]| {
        let (x, y) = series::downsample(x, y, buckets);
        SeriesData {
            run_id,
            run_name,
            key,
            sampled: x.len() < points,
            points,
            x: x.into_iter().map(F64).collect(),
            y: y.into_iter().map(F64).collect(),
        }
    };
    let mut out = Vec::with_capacity(req.spec.series.len());
    if req.spec.x_range.is_none() && buckets <= OVERVIEW_BUCKETS {
        for s in &req.spec.series {
            // Valid while the history is unchanged: its count and latest point say so (and
            // those of the x metric, when x is another metric).
            let stamp = |key: &str| -> ApiResult<String> {
                Ok(store.read(|c| series::history_stamp(c, &s.run_id, key))?.unwrap_or_default())
            };
            let mut key = format!("overview:{}:{}:{:?}:{}", s.run_id, s.key, x_axis, stamp(&s.key)?);
            if let XAxis::Metric(k) = &x_axis {
                key.push_str(&stamp(k)?);
            }
            let o = store.memo(&key, |store| {
                let one = ChartSpec { series: vec![s.clone()], x: req.spec.x.clone(), ..ChartSpec::default() };
                let l = load(store, &one, false)?
                    .pop()
                    .ok_or_else(|| runlens_store::Error::NotFound(format!("no history for {}", s.key)))?;
                let points = l.x.len();
                let (x, y) = series::downsample(&l.x, &l.y, OVERVIEW_BUCKETS);
                Ok(Overview { points, x, y })
            })?;
            // The name is read fresh: a rename does not change the history.
            let name = store.read(|c| runs::info(c, &s.run_id))?.run_name;
            out.push(sampled(s.run_id.clone(), name, s.key.clone(), o.points, &o.x, &o.y));
        }
    } else {
        let loaded = load(store, &req.spec, false)?;
        for l in loaded {
            let points = l.x.len();
            out.push(sampled(l.run_id, l.run_name, l.key, points, &l.x, &l.y));
        }
    }
    Ok(SeriesResponse { series: out, x_label: x_axis.label() })
}

/// Builds the drawing of a spec (sampled to the image's width: extremes kept, so it looks
/// the same as every point drawn).
pub fn chart_of(store: &Store, spec: &ChartSpec, width: u32) -> ApiResult<runlens_chart::Chart> {
    let x_axis = check_spec(spec)?;
    let loaded = load(store, spec, false)?;
    let mut keys: Vec<&str> = Vec::new();
    for l in &loaded {
        if !keys.contains(&l.key.as_str()) {
            keys.push(&l.key);
        }
    }
    let several_metrics = keys.len() > 1;
    let smooth = spec.smooth.filter(|w| *w > 0.0);
    let mut lines = Vec::new();
    let mut all_y = Vec::new();
    for l in &loaded {
        let (x, y) = series::downsample(&l.x, &l.y, width.max(10) as usize);
        let color = spec.colors.get(&l.run_id).cloned().unwrap_or_else(|| run_color(&l.run_id).to_string());
        let name = if l.run_name.is_empty() { l.run_id.clone() } else { l.run_name.clone() };
        let label = if several_metrics { format!("{name} · {}", l.key) } else { name };
        let dashed = keys.iter().position(|k| *k == l.key).unwrap_or(0) > 0;
        if let Some(w) = smooth {
            lines.push(runlens_chart::Line {
                label: String::new(),
                color: color.clone(),
                dashed,
                faint: true,
                x: x.clone(),
                y: y.clone(),
            });
            let s = series::smooth(&y, w);
            all_y.extend(s.iter().copied());
            lines.push(runlens_chart::Line { label, color, dashed, faint: false, x, y: s });
        } else {
            all_y.extend(y.iter().copied());
            lines.push(runlens_chart::Line { label, color, dashed, faint: false, x, y });
        }
    }
    let y_range = match spec.y_range {
        Some([a, b]) => Some((a, b)),
        None if spec.clip_outliers => series::percentile_range(all_y.into_iter()).map(|(lo, hi)| {
            let pad = ((hi - lo) * 0.05).max(f64::EPSILON);
            (lo - pad, hi + pad)
        }),
        None => None,
    };
    Ok(runlens_chart::Chart {
        title: spec.title.clone().or_else(|| Some(keys.join(", "))).filter(|t| !t.is_empty()),
        x_label: x_axis.label(),
        y_label: keys.join(", "),
        x_kind: match x_axis {
            XAxis::Time => runlens_chart::XKind::EpochMs,
            XAxis::Relative => runlens_chart::XKind::Seconds,
            _ => runlens_chart::XKind::Number,
        },
        lines,
        log_x: spec.log_x,
        log_y: spec.log_y,
        x_range: spec.x_range.map(|[a, b]| (a, b)),
        y_range,
    })
}

/// `runlens/charts/render`.
#[derive(Debug, Deserialize)]
pub struct RenderRequest {
    /// The chart.
    pub spec: ChartSpec,
    /// `png` (default) or `svg`.
    #[serde(default)]
    pub format: Option<String>,
    /// Width in CSS pixels (default 1600).
    #[serde(default)]
    pub width: Option<u32>,
    /// Height in CSS pixels (default 900).
    #[serde(default)]
    pub height: Option<u32>,
    /// Pixel density of a PNG (1–4; 2 for hi-DPI slides).
    #[serde(default)]
    pub scale: Option<f64>,
}

/// The answer of `runlens/charts/render`.
#[derive(Debug, Serialize)]
pub struct RenderResponse {
    /// `image/png` or `image/svg+xml`.
    pub content_type: String,
    /// The file, base64.
    pub data_base64: String,
}

/// Draws a chart to PNG or SVG bytes (the CLI's `runlens chart` calls this too).
pub fn render_bytes(store: &Store, req: &RenderRequest) -> ApiResult<(Vec<u8>, &'static str)> {
    let (format, content_type) = match req.format.as_deref().unwrap_or("png") {
        "png" => (runlens_chart::Format::Png, "image/png"),
        "svg" => (runlens_chart::Format::Svg, "image/svg+xml"),
        other => return Err(ApiError::invalid(format!("Invalid format '{other}': expected png or svg"))),
    };
    let (w, h) = (req.width.unwrap_or(1600), req.height.unwrap_or(900));
    let chart = chart_of(store, &req.spec, w)?;
    let bytes = runlens_chart::render(&chart, format, w, h, req.scale.unwrap_or(1.0)).map_err(ApiError::invalid)?;
    Ok((bytes, content_type))
}

/// `runlens/charts/render`: the chart as PNG or SVG, drawn by the Rust side.
pub fn render(store: &Store, req: RenderRequest) -> ApiResult<RenderResponse> {
    use base64::Engine as _;
    let (bytes, content_type) = render_bytes(store, &req)?;
    Ok(RenderResponse {
        content_type: content_type.to_string(),
        data_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
    })
}

/// `runlens/charts/csv`.
#[derive(Debug, Deserialize)]
pub struct CsvRequest {
    /// The chart.
    pub spec: ChartSpec,
}

/// The answer of `runlens/charts/csv`.
#[derive(Debug, Serialize)]
pub struct CsvResponse {
    /// `run_id,run_name,key,step,timestamp,x,y`, every point in range (not sampled).
    pub csv: String,
}

/// `runlens/charts/csv`: the data behind a chart, every point.
pub fn csv(store: &Store, req: CsvRequest) -> ApiResult<CsvResponse> {
    check_spec(&req.spec)?;
    let loaded = load(store, &req.spec, true)?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::new(ErrorCode::InternalError, format!("writing CSV: {e}"));
    w.write_record(["run_id", "run_name", "key", "step", "timestamp", "x", "y"]).map_err(fail)?;
    let num = |v: f64| {
        if v.is_nan() {
            "NaN".to_string()
        } else if v.is_infinite() {
            if v > 0.0 { "Infinity" } else { "-Infinity" }.to_string()
        } else {
            v.to_string()
        }
    };
    for l in &loaded {
        for (i, (x, y)) in l.x.iter().zip(&l.y).enumerate() {
            let (step, ts) = l.steps.get(i).map(|(s, t)| (s.to_string(), t.to_string())).unwrap_or_default();
            w.write_record([l.run_id.as_str(), &l.run_name, &l.key, &step, &ts, &num(*x), &num(*y)]).map_err(fail)?;
        }
    }
    let bytes = w.into_inner().map_err(|e| ApiError::new(ErrorCode::InternalError, format!("writing CSV: {e}")))?;
    Ok(CsvResponse { csv: String::from_utf8_lossy(&bytes).into_owned() })
}
