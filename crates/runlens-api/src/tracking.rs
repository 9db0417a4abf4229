//! Tracking operations: experiments, runs, metrics, params, tags, inputs and outputs.
//! One plain function per MLflow endpoint, typed request in, typed response out.

use serde::{Deserialize, Serialize};

use runlens_store::filter::{self, Dialect};
use runlens_store::search::{ExperimentQuery, RunQuery};
use runlens_store::{
    experiments, inputs, logged_models, metrics, params, runs, search, tags, Lifecycle, RunStatus, Store, ViewType,
};

use crate::error::{ApiError, ApiResult};
use crate::wire::{self, id_list, list, opt_i64, opt_id, KeyValue, Metric};
use crate::{now_ms, paging, validate, Empty};

fn required<T>(v: Option<T>, field: &str) -> ApiResult<T> {
    v.ok_or_else(|| ApiError::missing(field))
}

fn required_str(v: Option<String>, field: &str) -> ApiResult<String> {
    v.filter(|s| !s.is_empty()).ok_or_else(|| ApiError::missing(field))
}

fn view_type(v: Option<&str>) -> ApiResult<ViewType> {
    Ok(match v.unwrap_or("ACTIVE_ONLY") {
        "" | "ACTIVE_ONLY" | "1" => ViewType::ActiveOnly,
        "DELETED_ONLY" | "2" => ViewType::DeletedOnly,
        "ALL" | "3" => ViewType::All,
        other => {
            return Err(ApiError::invalid(format!(
                "Invalid view type '{other}'. Valid values are ACTIVE_ONLY, DELETED_ONLY, ALL"
            )))
        }
    })
}

fn order_keys(order_by: &[String]) -> ApiResult<Vec<filter::OrderKey>> {
    order_by
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| filter::parse_order(s).map_err(|e| ApiError::invalid(e.0)))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Experiments

/// `experiments/create`.
#[derive(Debug, Deserialize)]
pub struct CreateExperiment {
    /// Name.
    pub name: Option<String>,
    /// Artifact location; only `mlflow-artifacts:` locations are accepted.
    pub artifact_location: Option<String>,
    /// Tags.
    #[serde(default, deserialize_with = "list")]
    pub tags: Vec<KeyValue>,
}

/// The id of a created experiment.
#[derive(Debug, Serialize)]
pub struct CreateExperimentResponse {
    /// Id.
    pub experiment_id: String,
}

/// Checks an experiment artifact location. Locations pointing at the host's files are
/// refused: everything is stored under the store's own artifact folder.
fn artifact_location(location: Option<String>) -> ApiResult<Option<String>> {
    match location.filter(|l| !l.is_empty()) {
        None => Ok(None),
        Some(l) if l.starts_with("mlflow-artifacts:/") && !l.contains("..") && !l.contains('\\') => Ok(Some(l)),
        Some(l) => Err(ApiError::invalid(format!(
            "Invalid artifact_location '{l}': Runlens keeps artifacts in its own store; use an 'mlflow-artifacts:/' location or none"
        ))),
    }
}

/// Creates an experiment.
pub fn create_experiment(store: &Store, req: CreateExperiment) -> ApiResult<CreateExperimentResponse> {
    let name = required_str(req.name, "name")?;
    if name.trim().is_empty() {
        return Err(ApiError::invalid("Invalid experiment name: ''"));
    }
    let location = artifact_location(req.artifact_location)?;
    for t in &req.tags {
        validate::key("tag", &t.key)?;
        validate::value_length("Tag", &t.key, &t.value, validate::MAX_EXPERIMENT_TAG_VALUE_LENGTH)?;
    }
    let id = store.write(|tx| {
        experiments::create(
            tx,
            experiments::NewExperiment {
                name,
                artifact_location: location,
                tags: req.tags.into_iter().map(Into::into).collect(),
                experiment_id: None,
            },
            now_ms(),
        )
    })?;
    Ok(CreateExperimentResponse { experiment_id: id.to_string() })
}

/// `experiments/get`.
#[derive(Debug, Deserialize)]
pub struct GetExperiment {
    /// Id.
    #[serde(default, deserialize_with = "opt_id")]
    pub experiment_id: Option<String>,
}

/// One experiment.
#[derive(Debug, Serialize)]
pub struct ExperimentResponse {
    /// The experiment.
    pub experiment: wire::Experiment,
}

/// Gets an experiment by id.
pub fn get_experiment(store: &Store, req: GetExperiment) -> ApiResult<ExperimentResponse> {
    let id = validate::experiment_id(&required_str(req.experiment_id, "experiment_id")?)?;
    let exp = store.read(|c| experiments::get(c, id))?;
    Ok(ExperimentResponse { experiment: exp.into() })
}

/// `experiments/get-by-name`.
#[derive(Debug, Deserialize)]
pub struct GetExperimentByName {
    /// Name.
    pub experiment_name: Option<String>,
}

/// Gets an experiment by name.
pub fn get_experiment_by_name(store: &Store, req: GetExperimentByName) -> ApiResult<ExperimentResponse> {
    let name = required_str(req.experiment_name, "experiment_name")?;
    match store.read(|c| experiments::get_by_name(c, &name))? {
        Some(exp) => Ok(ExperimentResponse { experiment: exp.into() }),
        None => Err(ApiError::not_found(format!("Could not find experiment with name '{name}'"))),
    }
}

/// `experiments/search`.
#[derive(Debug, Deserialize)]
pub struct SearchExperiments {
    /// Page size.
    #[serde(default, deserialize_with = "opt_i64")]
    pub max_results: Option<i64>,
    /// Token from the previous page.
    pub page_token: Option<String>,
    /// Filter (MLflow grammar).
    pub filter: Option<String>,
    /// Order.
    #[serde(default, deserialize_with = "list")]
    pub order_by: Vec<String>,
    /// ACTIVE_ONLY, DELETED_ONLY or ALL.
    pub view_type: Option<String>,
}

/// A page of experiments.
#[derive(Debug, Serialize)]
pub struct SearchExperimentsResponse {
    /// Experiments.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub experiments: Vec<wire::Experiment>,
    /// Next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// Searches experiments.
pub fn search_experiments(store: &Store, req: SearchExperiments) -> ApiResult<SearchExperimentsResponse> {
    let limit = validate::max_results(
        req.max_results,
        validate::SEARCH_MAX_RESULTS_DEFAULT,
        validate::SEARCH_MAX_RESULTS_THRESHOLD,
    )?;
    let query = ExperimentQuery {
        filter: filter::parse(req.filter.as_deref().unwrap_or(""), Dialect::Mlflow)
            .map_err(|e| ApiError::invalid(e.0))?,
        order_by: order_keys(&req.order_by)?,
        view: view_type(req.view_type.as_deref())?,
        offset: paging::decode(req.page_token.as_deref())?,
        limit,
    };
    let page = store.read(|c| search::experiments(c, &query))?;
    Ok(SearchExperimentsResponse {
        experiments: page.items.into_iter().map(Into::into).collect(),
        next_page_token: page.next_offset.map(paging::encode),
    })
}

/// `experiments/update`.
#[derive(Debug, Deserialize)]
pub struct UpdateExperiment {
    /// Id.
    #[serde(default, deserialize_with = "opt_id")]
    pub experiment_id: Option<String>,
    /// New name.
    pub new_name: Option<String>,
}

/// Renames an experiment.
pub fn update_experiment(store: &Store, req: UpdateExperiment) -> ApiResult<Empty> {
    let id = validate::experiment_id(&required_str(req.experiment_id, "experiment_id")?)?;
    let name = required_str(req.new_name, "new_name")?;
    store.write(|tx| experiments::rename(tx, id, &name, now_ms()))?;
    Ok(Empty {})
}

/// `experiments/delete` and `experiments/restore`.
#[derive(Debug, Deserialize)]
pub struct ExperimentId {
    /// Id.
    #[serde(default, deserialize_with = "opt_id")]
    pub experiment_id: Option<String>,
}

/// Deletes an experiment (and its runs) to the bin.
pub fn delete_experiment(store: &Store, req: ExperimentId) -> ApiResult<Empty> {
    let id = validate::experiment_id(&required_str(req.experiment_id, "experiment_id")?)?;
    store.write(|tx| experiments::set_lifecycle(tx, id, Lifecycle::Deleted, now_ms()))?;
    Ok(Empty {})
}

/// Restores a deleted experiment (and the runs deleted with it).
pub fn restore_experiment(store: &Store, req: ExperimentId) -> ApiResult<Empty> {
    let id = validate::experiment_id(&required_str(req.experiment_id, "experiment_id")?)?;
    store.write(|tx| experiments::set_lifecycle(tx, id, Lifecycle::Active, now_ms()))?;
    Ok(Empty {})
}

/// `experiments/set-experiment-tag` and `experiments/delete-experiment-tag`.
#[derive(Debug, Deserialize)]
pub struct ExperimentTag {
    /// Id.
    #[serde(default, deserialize_with = "opt_id")]
    pub experiment_id: Option<String>,
    /// Key.
    pub key: Option<String>,
    /// Value (set only).
    pub value: Option<String>,
}

/// Sets an experiment tag.
pub fn set_experiment_tag(store: &Store, req: ExperimentTag) -> ApiResult<Empty> {
    let id = validate::experiment_id(&required_str(req.experiment_id, "experiment_id")?)?;
    let key = required_str(req.key, "key")?;
    let value = req.value.unwrap_or_default();
    validate::key("tag", &key)?;
    validate::value_length("Tag", &key, &value, validate::MAX_EXPERIMENT_TAG_VALUE_LENGTH)?;
    store.write(|tx| {
        let exp = experiments::get(tx, id)?;
        if exp.lifecycle_stage != Lifecycle::Active {
            return Err(runlens_store::Error::Invalid(format!(
                "The experiment {id} must be in the 'active' state. Current state is deleted."
            )));
        }
        experiments::set_tag(tx, id, &key, &value)
    })?;
    Ok(Empty {})
}

/// Deletes an experiment tag.
pub fn delete_experiment_tag(store: &Store, req: ExperimentTag) -> ApiResult<Empty> {
    let id = validate::experiment_id(&required_str(req.experiment_id, "experiment_id")?)?;
    let key = required_str(req.key, "key")?;
    store.write(|tx| {
        experiments::get(tx, id)?;
        experiments::delete_tag(tx, id, &key)
    })?;
    Ok(Empty {})
}

// ---------------------------------------------------------------------------------------
// Runs

/// `runs/create`.
#[derive(Debug, Deserialize)]
pub struct CreateRun {
    /// Experiment (default `0`).
    #[serde(default, deserialize_with = "opt_id")]
    pub experiment_id: Option<String>,
    /// User.
    pub user_id: Option<String>,
    /// Name.
    pub run_name: Option<String>,
    /// Start (ms).
    #[serde(default, deserialize_with = "opt_i64")]
    pub start_time: Option<i64>,
    /// Tags.
    #[serde(default, deserialize_with = "list")]
    pub tags: Vec<KeyValue>,
}

/// One run.
#[derive(Debug, Serialize)]
pub struct RunResponse {
    /// The run.
    pub run: wire::Run,
}

/// Creates a run in `RUNNING` state.
pub fn create_run(store: &Store, req: CreateRun) -> ApiResult<RunResponse> {
    let experiment_id = validate::experiment_id(req.experiment_id.as_deref().filter(|s| !s.is_empty()).unwrap_or("0"))?;
    for t in &req.tags {
        validate::key("tag", &t.key)?;
        validate::value_length("Tag", &t.key, &t.value, validate::MAX_TAG_VALUE_LENGTH)?;
    }
    let run_name = req.run_name.unwrap_or_default();
    if run_name.chars().count() > validate::MAX_KEY_LENGTH {
        return Err(ApiError::invalid(format!("Run name '{run_name}' exceeds the maximum length of 250 characters")));
    }
    let run = store.write(|tx| {
        runs::create(
            tx,
            runs::NewRun {
                run_id: None,
                experiment_id,
                run_name,
                user_id: req.user_id.unwrap_or_default(),
                start_time: Some(req.start_time.unwrap_or_else(now_ms)),
                tags: req.tags.into_iter().map(Into::into).collect(),
            },
        )
    })?;
    Ok(RunResponse { run: run.into() })
}

/// A request naming a run by `run_id` (or the legacy `run_uuid`).
#[derive(Debug, Deserialize)]
pub struct RunId {
    /// Id.
    pub run_id: Option<String>,
    /// Legacy id.
    pub run_uuid: Option<String>,
}

fn run_id(run_id: Option<String>, run_uuid: Option<String>) -> ApiResult<String> {
    run_id.filter(|s| !s.is_empty()).or(run_uuid.filter(|s| !s.is_empty())).ok_or_else(|| ApiError::missing("run_id"))
}

/// Gets a run.
pub fn get_run(store: &Store, req: RunId) -> ApiResult<RunResponse> {
    let id = run_id(req.run_id, req.run_uuid)?;
    let run = store.read(|c| runs::get(c, &id))?;
    Ok(RunResponse { run: run.into() })
}

/// `runs/update`.
#[derive(Debug, Deserialize)]
pub struct UpdateRun {
    /// Id.
    pub run_id: Option<String>,
    /// Legacy id.
    pub run_uuid: Option<String>,
    /// New status.
    pub status: Option<String>,
    /// End time (ms).
    #[serde(default, deserialize_with = "opt_i64")]
    pub end_time: Option<i64>,
    /// New name.
    pub run_name: Option<String>,
}

/// The updated attributes.
#[derive(Debug, Serialize)]
pub struct UpdateRunResponse {
    /// Attributes after the update.
    pub run_info: wire::RunInfo,
}

/// Updates a run's status, end time or name.
pub fn update_run(store: &Store, req: UpdateRun) -> ApiResult<UpdateRunResponse> {
    let id = run_id(req.run_id, req.run_uuid)?;
    let status = match req.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(s.parse::<RunStatus>().map_err(ApiError::invalid)?),
        None => None,
    };
    let info = store.write(|tx| {
        runs::update(tx, &id, runs::RunUpdate { status, end_time: req.end_time, run_name: req.run_name })
    })?;
    Ok(UpdateRunResponse { run_info: info.into() })
}

/// Deletes a run to the bin.
pub fn delete_run(store: &Store, req: RunId) -> ApiResult<Empty> {
    let id = run_id(req.run_id, req.run_uuid)?;
    store.write(|tx| runs::set_lifecycle(tx, &id, Lifecycle::Deleted, now_ms()))?;
    Ok(Empty {})
}

/// Restores a deleted run.
pub fn restore_run(store: &Store, req: RunId) -> ApiResult<Empty> {
    let id = run_id(req.run_id, req.run_uuid)?;
    store.write(|tx| runs::set_lifecycle(tx, &id, Lifecycle::Active, now_ms()))?;
    Ok(Empty {})
}

/// `runs/search`.
#[derive(Debug, Deserialize)]
pub struct SearchRuns {
    /// Experiments.
    #[serde(default, deserialize_with = "id_list")]
    pub experiment_ids: Vec<String>,
    /// Filter (MLflow grammar).
    pub filter: Option<String>,
    /// ACTIVE_ONLY, DELETED_ONLY or ALL.
    pub run_view_type: Option<String>,
    /// Page size (default 1000, at most 50000).
    #[serde(default, deserialize_with = "opt_i64")]
    pub max_results: Option<i64>,
    /// Order.
    #[serde(default, deserialize_with = "list")]
    pub order_by: Vec<String>,
    /// Token from the previous page.
    pub page_token: Option<String>,
}

/// A page of runs.
#[derive(Debug, Serialize)]
pub struct SearchRunsResponse {
    /// Runs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<wire::Run>,
    /// Next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// Builds the store query for a run search, in either filter dialect.
pub(crate) fn run_query(req: &SearchRuns, dialect: Dialect) -> ApiResult<RunQuery> {
    let experiment_ids = req
        .experiment_ids
        .iter()
        .map(|id| id.trim().parse::<i64>().map_err(|_| ApiError::invalid(format!("Invalid experiment id '{id}'"))))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(RunQuery {
        experiment_ids,
        filter: filter::parse(req.filter.as_deref().unwrap_or(""), dialect).map_err(|e| ApiError::invalid(e.0))?,
        order_by: order_keys(&req.order_by)?,
        view: view_type(req.run_view_type.as_deref())?,
        offset: paging::decode(req.page_token.as_deref())?,
        limit: validate::max_results(
            req.max_results,
            validate::SEARCH_MAX_RESULTS_DEFAULT,
            validate::SEARCH_MAX_RESULTS_THRESHOLD,
        )?,
    })
}

/// Searches runs with MLflow's grammar; `OR` and parentheses are refused as MLflow does.
pub fn search_runs(store: &Store, req: SearchRuns) -> ApiResult<SearchRunsResponse> {
    search_runs_in(store, req, Dialect::Mlflow)
}

/// Searches runs, accepting `OR` and parentheses too (Runlens's UI).
pub fn search_runs_extended(store: &Store, req: SearchRuns) -> ApiResult<SearchRunsResponse> {
    search_runs_in(store, req, Dialect::Extended)
}

fn search_runs_in(store: &Store, req: SearchRuns, dialect: Dialect) -> ApiResult<SearchRunsResponse> {
    let query = run_query(&req, dialect)?;
    let page = store.read(|c| search::runs(c, &query))?;
    Ok(SearchRunsResponse {
        runs: page.items.into_iter().map(Into::into).collect(),
        next_page_token: page.next_offset.map(paging::encode),
    })
}

// ---------------------------------------------------------------------------------------
// Logging

fn to_store_metric(m: Metric) -> ApiResult<runlens_store::Metric> {
    validate::key("metric", &m.key)?;
    let value = required(m.value, "value")?.0;
    let timestamp = required(m.timestamp, "timestamp")?;
    Ok(runlens_store::Metric {
        key: m.key,
        value,
        timestamp,
        step: m.step.unwrap_or(0),
        model_id: m.model_id.filter(|s| !s.is_empty()),
        dataset_name: m.dataset_name.filter(|s| !s.is_empty()),
        dataset_digest: m.dataset_digest.filter(|s| !s.is_empty()),
    })
}

/// `runs/log-metric`.
#[derive(Debug, Deserialize)]
pub struct LogMetric {
    /// Id.
    pub run_id: Option<String>,
    /// Legacy id.
    pub run_uuid: Option<String>,
    /// Key.
    #[serde(default)]
    pub key: String,
    /// Value.
    pub value: Option<wire::F64>,
    /// Wall time (ms).
    #[serde(default, deserialize_with = "opt_i64")]
    pub timestamp: Option<i64>,
    /// Step (0 when absent).
    #[serde(default, deserialize_with = "opt_i64")]
    pub step: Option<i64>,
    /// Logged model (MLflow 3).
    pub model_id: Option<String>,
    /// Dataset name (MLflow 3).
    pub dataset_name: Option<String>,
    /// Dataset digest (MLflow 3).
    pub dataset_digest: Option<String>,
}

/// Logs one metric point.
pub fn log_metric(store: &Store, req: LogMetric) -> ApiResult<Empty> {
    let id = run_id(req.run_id, req.run_uuid)?;
    if req.key.is_empty() {
        return Err(ApiError::missing("key"));
    }
    let point = to_store_metric(Metric {
        key: req.key,
        value: req.value,
        timestamp: req.timestamp,
        step: req.step,
        dataset_name: req.dataset_name,
        dataset_digest: req.dataset_digest,
        model_id: req.model_id,
        run_id: None,
    })?;
    store.write(|tx| {
        let run = runs::active_handle(tx, &id)?;
        metrics::log(tx, run, std::slice::from_ref(&point))?;
        logged_models::link_metrics(tx, &id, std::slice::from_ref(&point))
    })?;
    Ok(Empty {})
}

/// `runs/log-parameter`.
#[derive(Debug, Deserialize)]
pub struct LogParam {
    /// Id.
    pub run_id: Option<String>,
    /// Legacy id.
    pub run_uuid: Option<String>,
    /// Key.
    pub key: Option<String>,
    /// Value.
    #[serde(default)]
    pub value: Option<String>,
}

/// Logs a param (immutable once logged).
pub fn log_param(store: &Store, req: LogParam) -> ApiResult<Empty> {
    let id = run_id(req.run_id, req.run_uuid)?;
    let key = required_str(req.key, "key")?;
    let value = req.value.unwrap_or_default();
    validate::key("param", &key)?;
    validate::value_length("Param", &key, &value, validate::MAX_PARAM_VALUE_LENGTH)?;
    store.write(|tx| {
        let run = runs::active_handle(tx, &id)?;
        params::log(tx, run, &id, &key, &value)
    })?;
    Ok(Empty {})
}

/// `runs/set-tag` and `runs/delete-tag`.
#[derive(Debug, Deserialize)]
pub struct RunTag {
    /// Id.
    pub run_id: Option<String>,
    /// Legacy id.
    pub run_uuid: Option<String>,
    /// Key.
    pub key: Option<String>,
    /// Value (set only).
    pub value: Option<String>,
}

/// Sets a run tag.
pub fn set_tag(store: &Store, req: RunTag) -> ApiResult<Empty> {
    let id = run_id(req.run_id, req.run_uuid)?;
    let key = required_str(req.key, "key")?;
    let value = req.value.unwrap_or_default();
    validate::key("tag", &key)?;
    validate::value_length("Tag", &key, &value, validate::MAX_TAG_VALUE_LENGTH)?;
    store.write(|tx| {
        let run = runs::active_handle(tx, &id)?;
        tags::set(tx, run, &key, &value)
    })?;
    Ok(Empty {})
}

/// Deletes a run tag.
pub fn delete_tag(store: &Store, req: RunTag) -> ApiResult<Empty> {
    let id = run_id(req.run_id, req.run_uuid)?;
    let key = required_str(req.key, "key")?;
    store.write(|tx| {
        let run = runs::active_handle(tx, &id)?;
        tags::delete(tx, run, &id, &key)
    })?;
    Ok(Empty {})
}

/// `runs/log-batch`.
#[derive(Debug, Deserialize)]
pub struct LogBatch {
    /// Id.
    pub run_id: Option<String>,
    /// Metric points.
    #[serde(default, deserialize_with = "list")]
    pub metrics: Vec<Metric>,
    /// Params.
    #[serde(default, deserialize_with = "list")]
    pub params: Vec<KeyValue>,
    /// Tags.
    #[serde(default, deserialize_with = "list")]
    pub tags: Vec<KeyValue>,
}

/// Logs metrics, params and tags in one transaction: all of it or none.
pub fn log_batch(store: &Store, req: LogBatch) -> ApiResult<Empty> {
    let id = run_id(req.run_id, None)?;
    validate::batch(req.metrics.len(), req.params.len(), req.tags.len())?;
    let points = req.metrics.into_iter().map(to_store_metric).collect::<ApiResult<Vec<_>>>()?;
    for p in &req.params {
        validate::key("param", &p.key)?;
        validate::value_length("Param", &p.key, &p.value, validate::MAX_PARAM_VALUE_LENGTH)?;
    }
    for (i, p) in req.params.iter().enumerate() {
        if let Some(other) = req.params[..i].iter().find(|q| q.key == p.key && q.value != p.value) {
            return Err(ApiError::invalid(format!(
                "Duplicate parameter keys have been submitted: ['{}'] with values '{}' and '{}'. Please ensure the request contains only one param value per param key.",
                p.key, other.value, p.value
            )));
        }
    }
    for t in &req.tags {
        validate::key("tag", &t.key)?;
        validate::value_length("Tag", &t.key, &t.value, validate::MAX_TAG_VALUE_LENGTH)?;
    }
    // Every row hangs from the run looked up here, keys interned here, or a logged model
    // `link_metrics` finds first: the per-row foreign key checks would only repeat that.
    store.write_unchecked(|tx| {
        let run = runs::active_handle(tx, &id)?;
        for p in &req.params {
            params::log(tx, run, &id, &p.key, &p.value)?;
        }
        metrics::log(tx, run, &points)?;
        logged_models::link_metrics(tx, &id, &points)?;
        for t in &req.tags {
            tags::set(tx, run, &t.key, &t.value)?;
        }
        Ok(())
    })?;
    Ok(Empty {})
}

/// `runs/log-inputs`.
#[derive(Debug, Deserialize)]
pub struct LogInputs {
    /// Id.
    pub run_id: Option<String>,
    /// Datasets.
    #[serde(default, deserialize_with = "list")]
    pub datasets: Vec<wire::DatasetInput>,
    /// Models.
    #[serde(default, deserialize_with = "list")]
    pub models: Vec<wire::ModelRef>,
}

/// Records the datasets and models a run used.
pub fn log_inputs(store: &Store, req: LogInputs) -> ApiResult<Empty> {
    let id = run_id(req.run_id, None)?;
    let mut datasets = Vec::with_capacity(req.datasets.len());
    for d in req.datasets {
        let ds = d.dataset.ok_or_else(|| ApiError::missing("dataset"))?;
        if ds.name.is_empty() {
            return Err(ApiError::missing("dataset.name"));
        }
        if ds.digest.is_empty() {
            return Err(ApiError::missing("dataset.digest"));
        }
        datasets.push(runlens_store::DatasetInput {
            tags: d.tags.into_iter().map(Into::into).collect(),
            dataset: runlens_store::Dataset {
                name: ds.name,
                digest: ds.digest,
                source_type: ds.source_type,
                source: ds.source,
                schema: ds.schema,
                profile: ds.profile,
            },
        });
    }
    store.write(|tx| {
        let run = runs::active_handle(tx, &id)?;
        let experiment_id = runs::info(tx, &id)?.experiment_id;
        for d in &datasets {
            inputs::log_dataset_input(tx, run, experiment_id, d)?;
        }
        for m in &req.models {
            inputs::log_model_input(tx, run, &m.model_id)?;
        }
        Ok(())
    })?;
    Ok(Empty {})
}

/// `runs/outputs`.
#[derive(Debug, Deserialize)]
pub struct LogOutputs {
    /// Id.
    pub run_id: Option<String>,
    /// Models.
    #[serde(default, deserialize_with = "list")]
    pub models: Vec<wire::ModelRef>,
}

/// Records the logged models a run produced.
pub fn log_outputs(store: &Store, req: LogOutputs) -> ApiResult<Empty> {
    let id = run_id(req.run_id, None)?;
    store.write(|tx| {
        let run = runs::active_handle(tx, &id)?;
        for m in &req.models {
            inputs::log_model_output(
                tx,
                run,
                &runlens_store::ModelOutput { model_id: m.model_id.clone(), step: m.step.unwrap_or(0) },
            )?;
        }
        Ok(())
    })?;
    Ok(Empty {})
}

/// `metrics/get-history`.
#[derive(Debug, Deserialize)]
pub struct GetMetricHistory {
    /// Id.
    pub run_id: Option<String>,
    /// Legacy id.
    pub run_uuid: Option<String>,
    /// Key.
    pub metric_key: Option<String>,
    /// Page size; all points when absent.
    #[serde(default, deserialize_with = "opt_i64")]
    pub max_results: Option<i64>,
    /// Token from the previous page.
    pub page_token: Option<String>,
}

/// A page of a metric's history.
#[derive(Debug, Serialize)]
pub struct GetMetricHistoryResponse {
    /// Points, by step.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<Metric>,
    /// Next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// Reads a metric's full history, paged.
pub fn get_metric_history(store: &Store, req: GetMetricHistory) -> ApiResult<GetMetricHistoryResponse> {
    let id = run_id(req.run_id, req.run_uuid)?;
    let key = required_str(req.metric_key, "metric_key")?;
    let limit = match req.max_results {
        Some(n) if n <= 0 => {
            return Err(ApiError::invalid(format!(
                "Invalid value {n} for parameter 'max_results' supplied. It must be a positive integer"
            )))
        }
        Some(n) => n,
        None => i64::MAX / 2,
    };
    let offset = paging::decode(req.page_token.as_deref())?;
    let page = store.read(|c| {
        let run = runs::handle(c, &id)?;
        metrics::history(c, run, &key, offset, limit)
    })?;
    Ok(GetMetricHistoryResponse {
        metrics: page.items.into_iter().map(Metric::from).collect(),
        next_page_token: page.next_offset.map(paging::encode),
    })
}

/// `metrics/get-history-bulk-interval`.
#[derive(Debug, Deserialize)]
pub struct GetHistoryBulkInterval {
    /// Runs.
    #[serde(default, deserialize_with = "list")]
    pub run_ids: Vec<String>,
    /// Key.
    pub metric_key: Option<String>,
    /// First step (inclusive).
    #[serde(default, deserialize_with = "opt_i64")]
    pub start_step: Option<i64>,
    /// Last step (inclusive).
    #[serde(default, deserialize_with = "opt_i64")]
    pub end_step: Option<i64>,
    /// Points per run (default 320, at most 1000... as MLflow).
    #[serde(default, deserialize_with = "opt_i64")]
    pub max_results: Option<i64>,
}

/// Points of several runs, each run sampled to at most `max_results` evenly spaced steps
/// (its first and last step always kept).
pub fn get_metric_history_bulk_interval(
    store: &Store,
    req: GetHistoryBulkInterval,
) -> ApiResult<GetMetricHistoryResponse> {
    let key = required_str(req.metric_key, "metric_key")?;
    if req.run_ids.is_empty() {
        return Err(ApiError::missing("run_ids"));
    }
    if req.run_ids.len() > 100 {
        return Err(ApiError::invalid("GetMetricHistoryBulkInterval request must specify at most 100 run_ids."));
    }
    let max = validate::max_results(req.max_results, 320, 1000)?;
    let start = req.start_step.unwrap_or(i64::MIN);
    let end = req.end_step.unwrap_or(i64::MAX);
    let mut out = Vec::new();
    store.read(|c| {
        for run_id in &req.run_ids {
            let run = runs::handle(c, run_id)?;
            let all = metrics::history(c, run, &key, 0, i64::MAX / 2)?.items;
            let mut points: Vec<_> = all.into_iter().filter(|m| m.step >= start && m.step <= end).collect();
            points.sort_by_key(|m| (m.step, m.timestamp));
            let mut steps: Vec<i64> = points.iter().map(|m| m.step).collect();
            steps.dedup();
            let keep: std::collections::HashSet<i64> = if steps.len() as i64 <= max {
                steps.iter().copied().collect()
            } else {
                let n = steps.len();
                let mut keep: std::collections::HashSet<i64> =
                    (0..max as usize).map(|i| steps[i * (n - 1) / (max as usize - 1).max(1)]).collect();
                keep.insert(steps[0]);
                keep.insert(steps[n - 1]);
                keep
            };
            for m in points.into_iter().filter(|m| keep.contains(&m.step)) {
                let mut wire = Metric::from(m);
                wire.run_id = Some(run_id.clone());
                out.push(wire);
            }
        }
        Ok(())
    })?;
    Ok(GetMetricHistoryResponse { metrics: out, next_page_token: None })
}
