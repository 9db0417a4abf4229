//! The explorer's own operations (not MLflow's): the run table with server-side sort,
//! filter, tree and groups, its CSV export, the keys for the column chooser, and run counts
//! per experiment.
//!
//! The sorted list of matching runs is computed in SQLite once per data version and cached
//! in the store, so scrolling through 100,000 runs reads only the cells of each new page.

use std::collections::HashSet;
use std::sync::Arc;

use runlens_store::filter::{self, Dialect};
use runlens_store::table::{self, Arrange, Cell, Column, Matched, Row, Sort, ViewQuery};
use runlens_store::{Store, ViewType};
use serde::{Deserialize, Serialize};

use crate::wire::F64;
use crate::{ApiError, ApiResult};

/// The most rows one table request returns.
pub const MAX_ROWS: usize = 2000;

fn experiment_ids(ids: &[String]) -> ApiResult<Vec<i64>> {
    if ids.is_empty() {
        return Err(ApiError::invalid("experiment_ids must name at least one experiment"));
    }
    ids.iter()
        .map(|id| id.trim().parse::<i64>().map_err(|_| ApiError::invalid(format!("Invalid experiment id '{id}'"))))
        .collect()
}

fn internal(message: String) -> ApiError {
    ApiError::new(crate::ErrorCode::InternalError, message)
}

/// A number as the CSV shows it: NaN and ±inf spelled out, integers without `.0`.
fn format_float(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        v.to_string()
    }
}

fn column(id: &str) -> ApiResult<Column> {
    Column::parse(id).map_err(|e| ApiError::invalid(e.0))
}

/// A sort key: a column id and a direction.
#[derive(Debug, Clone, Deserialize)]
pub struct SortSpec {
    /// Column id (`metrics.loss`, `params.lr`, `attributes.start_time`, …).
    pub column: String,
    /// Smallest first.
    #[serde(default)]
    pub ascending: bool,
}

/// `runlens/runs/table`: one page of the run table.
#[derive(Debug, Clone, Deserialize)]
pub struct TableRequest {
    /// Experiments to show.
    #[serde(default)]
    pub experiment_ids: Vec<String>,
    /// MLflow filter syntax, plus `OR` and parentheses.
    #[serde(default)]
    pub filter: String,
    /// `ACTIVE_ONLY` (default), `DELETED_ONLY` or `ALL`.
    #[serde(default)]
    pub view_type: Option<String>,
    /// Sort keys, most significant first (default: newest first).
    #[serde(default)]
    pub sort: Vec<SortSpec>,
    /// Columns whose cells each run row carries, in order.
    #[serde(default)]
    pub columns: Vec<String>,
    /// Runs shown first.
    #[serde(default)]
    pub pinned: Vec<String>,
    /// Runs left out.
    #[serde(default)]
    pub hidden: Vec<String>,
    /// Nested runs under their parents.
    #[serde(default)]
    pub tree: bool,
    /// Expanded parents (tree mode).
    #[serde(default)]
    pub expanded: Vec<String>,
    /// Group by this column.
    #[serde(default)]
    pub group_by: Option<String>,
    /// Expanded groups, by value (`null`: the group without a value).
    #[serde(default)]
    pub expanded_groups: Vec<Option<String>>,
    /// First row.
    #[serde(default)]
    pub offset: usize,
    /// Rows (at most [`MAX_ROWS`]; default 200).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// A group's aggregate of one column.
#[derive(Debug, Serialize)]
pub struct AggregateJson {
    /// Column id.
    pub column: String,
    /// Runs with a value.
    pub count: usize,
    /// Smallest.
    pub min: Option<F64>,
    /// Largest.
    pub max: Option<F64>,
    /// Mean.
    pub mean: Option<F64>,
}

/// A cell: text, a number (`"NaN"`, `"Infinity"` as MLflow writes them) or null.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum CellJson {
    /// Text.
    Text(String),
    /// A metric value.
    Number(F64),
}

/// One row of the table.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TableRow {
    /// A run.
    Run {
        /// Id.
        run_id: String,
        /// Experiment.
        experiment_id: String,
        /// Name.
        run_name: String,
        /// Status.
        status: String,
        /// User.
        user_id: String,
        /// Start (ms).
        start_time: Option<i64>,
        /// End (ms).
        end_time: Option<i64>,
        /// `active` or `deleted`.
        lifecycle_stage: String,
        /// Nesting depth.
        depth: usize,
        /// Child runs in the view (tree mode).
        children: usize,
        /// Pinned to the top.
        pinned: bool,
        /// Pulled from a tracking server (a copy of the team's run).
        pulled: bool,
        /// One cell per requested column.
        cells: Vec<Option<CellJson>>,
    },
    /// A group header.
    Group {
        /// The group's value (null: runs without one).
        value: Option<String>,
        /// Runs in the group.
        count: usize,
        /// Whether its runs follow.
        expanded: bool,
        /// Aggregates of the requested metric columns.
        aggregates: Vec<AggregateJson>,
    },
}

/// The answer of `runlens/runs/table`.
#[derive(Debug, Serialize)]
pub struct TableResponse {
    /// Rows in the whole arranged view (runs and group headers).
    pub total_rows: usize,
    /// Matching runs (hidden ones excluded).
    pub runs: usize,
    /// Matching runs that are hidden.
    pub hidden: usize,
    /// The first row's index.
    pub offset: usize,
    /// The page.
    pub rows: Vec<TableRow>,
    /// Changes whenever the store does: a client polling for changes compares it.
    pub data_version: i64,
}

struct Prepared {
    matched: Arc<Matched>,
    arrange: Arrange,
    columns: Vec<Column>,
}

fn prepare(store: &Store, req: &TableRequest) -> ApiResult<Prepared> {
    let view = match req.view_type.as_deref().unwrap_or("") {
        "" | "ACTIVE_ONLY" => ViewType::ActiveOnly,
        "DELETED_ONLY" => ViewType::DeletedOnly,
        "ALL" => ViewType::All,
        other => return Err(ApiError::invalid(format!("Invalid view_type '{other}'"))),
    };
    let mut sort = Vec::with_capacity(req.sort.len());
    for s in &req.sort {
        let column = column(&s.column)?;
        if sort.iter().any(|x: &Sort| x.column == column) {
            return Err(ApiError::invalid(format!("The sort names {} twice", s.column)));
        }
        sort.push(Sort { column, ascending: s.ascending });
    }
    let query = ViewQuery {
        experiment_ids: experiment_ids(&req.experiment_ids)?,
        filter: filter::parse(&req.filter, Dialect::Extended).map_err(|e| ApiError::invalid(e.0))?,
        sort,
        view,
    };
    let key = format!("table:{query:?}");
    let matched = store.cached(&key, |c| table::matched(c, &query))?;
    let columns = req.columns.iter().map(|c| column(c)).collect::<ApiResult<Vec<_>>>()?;
    let group_by = req.group_by.as_deref().filter(|g| !g.is_empty()).map(column).transpose()?;
    let aggregate = if group_by.is_some() {
        let mut seen = HashSet::new();
        columns.iter().filter(|c| matches!(c, Column::Metric(..)) && seen.insert((*c).clone())).cloned().collect()
    } else {
        Vec::new()
    };
    let mut wanted: Vec<String> = req.pinned.clone();
    wanted.extend(req.hidden.iter().cloned());
    wanted.extend(req.expanded.iter().cloned());
    let handles = store.read(|c| table::handles_of(c, &wanted))?;
    let to_handles = |ids: &[String]| -> Vec<i64> { ids.iter().filter_map(|id| handles.get(id).copied()).collect() };
    let tree = if req.tree && group_by.is_none() { Some(store.cached("table:parents", table::parents)?) } else { None };
    let arrange = Arrange {
        pinned: to_handles(&req.pinned),
        hidden: to_handles(&req.hidden).into_iter().collect(),
        tree,
        expanded: to_handles(&req.expanded).into_iter().collect(),
        group_by,
        expanded_groups: req.expanded_groups.iter().cloned().collect(),
        aggregate,
    };
    Ok(Prepared { matched, arrange, columns })
}

fn cell_json(c: Cell) -> CellJson {
    match c {
        Cell::Text(t) => CellJson::Text(t),
        Cell::Number { value, .. } => CellJson::Number(F64(value)),
    }
}

/// `runlens/runs/table`: filters and sorts every matching run in SQLite (cached per data
/// version), arranges them, and loads the cells of the requested page only.
pub fn runs_table(store: &Store, req: TableRequest) -> ApiResult<TableResponse> {
    let data_version = store.data_version()?;
    let p = prepare(store, &req)?;
    let limit = req.limit.unwrap_or(200).min(MAX_ROWS);
    store
        .read(|c| {
            let (arranged, total_rows) = table::arrange_page(c, &p.matched, &p.arrange, req.offset, limit)?;
            let start = req.offset.min(total_rows);
            let page = &arranged.rows;
            let handles: Vec<i64> = page
                .iter()
                .filter_map(|r| if let Row::Run { handle, .. } = r { Some(*handle) } else { None })
                .collect();
            let mut loaded: std::collections::HashMap<i64, table::RunCells> =
                handles.iter().copied().zip(table::cells(c, &handles, &p.columns)?).collect();
            let pulled = runlens_store::runs::pulled_among(c, &handles)?;
            let rows = page
                .iter()
                .filter_map(|r| match r {
                    Row::Run { handle, depth, children, pinned } => {
                        let rc = loaded.remove(handle)?;
                        Some(TableRow::Run {
                            run_id: rc.info.run_id,
                            experiment_id: rc.info.experiment_id.to_string(),
                            run_name: rc.info.run_name,
                            status: rc.info.status.as_str().to_string(),
                            user_id: rc.info.user_id,
                            start_time: rc.info.start_time,
                            end_time: rc.info.end_time,
                            lifecycle_stage: rc.info.lifecycle_stage.as_str().to_string(),
                            depth: *depth,
                            children: *children,
                            pinned: *pinned,
                            pulled: pulled.contains(handle),
                            cells: rc.cells.into_iter().map(|c| c.map(cell_json)).collect(),
                        })
                    }
                    Row::Group { value, count, aggregates, expanded } => Some(TableRow::Group {
                        value: value.clone(),
                        count: *count,
                        expanded: *expanded,
                        aggregates: aggregates
                            .iter()
                            .map(|a| AggregateJson {
                                column: a.column.id(),
                                count: a.count,
                                min: a.min.map(F64),
                                max: a.max.map(F64),
                                mean: a.mean.map(F64),
                            })
                            .collect(),
                    }),
                })
                .collect();
            Ok(TableResponse {
                total_rows,
                runs: arranged.runs,
                hidden: arranged.hidden,
                offset: start,
                rows,
                data_version,
            })
        })
        .map_err(Into::into)
}

/// The answer of `runlens/runs/table-csv`.
#[derive(Debug, Serialize)]
pub struct CsvResponse {
    /// The CSV text: a header of column ids, then one line per run of the view.
    pub csv: String,
    /// Runs written.
    pub runs: usize,
}

/// `runlens/runs/table-csv`: exactly the current view (same request as the table, without
/// paging) as CSV: the group column first when grouped, then `run_id` and the columns.
pub fn runs_table_csv(store: &Store, req: TableRequest) -> ApiResult<CsvResponse> {
    let p = prepare(store, &req)?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| internal(format!("writing CSV: {e}"));
    let grouped = p.arrange.group_by.is_some();
    let mut header: Vec<String> = Vec::new();
    if let Some(g) = &p.arrange.group_by {
        header.push(format!("group: {}", g.id()));
    }
    header.push("run_id".into());
    header.extend(p.columns.iter().map(Column::id));
    out.write_record(&header).map_err(csv_err)?;
    let mut runs = 0;
    store.read(|c| {
        let arranged = table::arrange(c, &p.matched, &p.arrange)?;
        let mut group: Option<String> = None;
        let mut batch: Vec<(i64, Option<String>)> = Vec::new();
        let mut flush = |batch: &mut Vec<(i64, Option<String>)>,
                         out: &mut csv::Writer<Vec<u8>>|
         -> runlens_store::Result<()> {
            let handles: Vec<i64> = batch.iter().map(|b| b.0).collect();
            let groups: std::collections::HashMap<i64, Option<String>> = batch.drain(..).collect();
            for rc in table::cells(c, &handles, &p.columns)? {
                let group = groups.get(&rc.handle).cloned().flatten();
                let mut record: Vec<String> = Vec::with_capacity(header.len());
                if grouped {
                    record.push(group.unwrap_or_default());
                }
                record.push(rc.info.run_id);
                record.extend(rc.cells.into_iter().map(|cell| match cell {
                    None => String::new(),
                    Some(Cell::Text(t)) => t,
                    Some(Cell::Number { value, .. }) => format_float(value),
                }));
                out.write_record(&record).map_err(|e| runlens_store::Error::Invalid(format!("writing CSV: {e}")))?;
                runs += 1;
            }
            Ok(())
        };
        for row in &arranged.rows {
            match row {
                Row::Group { value, .. } => group = value.clone(),
                Row::Run { handle, pinned, .. } => {
                    let g = if *pinned { Some("(pinned)".to_string()) } else { group.clone() };
                    batch.push((*handle, g));
                    if batch.len() >= 2000 {
                        flush(&mut batch, &mut out)?;
                    }
                }
            }
        }
        flush(&mut batch, &mut out)
    })?;
    let bytes = out.into_inner().map_err(|e| internal(format!("writing CSV: {e}")))?;
    let csv = String::from_utf8(bytes).map_err(|e| internal(format!("writing CSV: {e}")))?;
    Ok(CsvResponse { csv, runs })
}

/// `runlens/runs/keys`: the keys the experiments' runs use.
#[derive(Debug, Deserialize)]
pub struct KeysRequest {
    /// Experiments.
    #[serde(default)]
    pub experiment_ids: Vec<String>,
}

/// The answer of `runlens/runs/keys`.
#[derive(Debug, Serialize)]
pub struct KeysResponse {
    /// Param keys.
    pub params: Vec<String>,
    /// Metric keys.
    pub metrics: Vec<String>,
    /// Tag keys.
    pub tags: Vec<String>,
}

/// `runlens/runs/keys`: param, metric and tag keys, for the column chooser and completion.
pub fn run_keys(store: &Store, req: KeysRequest) -> ApiResult<KeysResponse> {
    let ids = experiment_ids(&req.experiment_ids)?;
    let keys = store.cached(&format!("keys:{ids:?}"), |c| table::keys_of(c, &ids))?;
    Ok(KeysResponse { params: keys.params.clone(), metrics: keys.metrics.clone(), tags: keys.tags.clone() })
}

/// Run counts of one experiment.
#[derive(Debug, Serialize)]
pub struct ExperimentSummary {
    /// Experiment id.
    pub experiment_id: String,
    /// Runs, deleted ones included.
    pub runs: i64,
    /// Active runs.
    pub active_runs: i64,
    /// The newest run's start (ms).
    pub last_run_time: Option<i64>,
}

/// The answer of `runlens/experiments/summary`.
#[derive(Debug, Serialize)]
pub struct SummaryResponse {
    /// Experiments that have runs.
    pub experiments: Vec<ExperimentSummary>,
}

/// `runlens/experiments/summary`: run counts per experiment, for the sidebar.
pub fn experiments_summary(store: &Store, _req: crate::Empty) -> ApiResult<SummaryResponse> {
    let counts = store.cached("experiment-counts", table::experiment_counts)?;
    Ok(SummaryResponse {
        experiments: counts
            .iter()
            .map(|c| ExperimentSummary {
                experiment_id: c.experiment_id.to_string(),
                runs: c.runs,
                active_runs: c.active_runs,
                last_run_time: c.last_run_time,
            })
            .collect(),
    })
}
