//! MLflow 3 logged models: create, get, finalize, search, tags, params, delete.

use serde::{Deserialize, Serialize};

use runlens_store::filter::{self, Dialect};
use runlens_store::logged_models::{self as lm, NewLoggedModel};
use runlens_store::search::{self, LoggedModelQuery};
use runlens_store::Store;

use crate::error::{ApiError, ApiResult};
use crate::wire::{id_list, list, opt_bool, opt_i64, opt_id, KeyValue, Metric, F64};
use crate::{now_ms, paging, validate, Empty};

/// A logged model's attributes.
#[derive(Debug, Serialize)]
pub struct LoggedModelInfo {
    /// `m-…`.
    pub model_id: String,
    /// Experiment.
    pub experiment_id: String,
    /// Name.
    pub name: String,
    /// Creation (ms).
    pub creation_timestamp_ms: i64,
    /// Last update (ms).
    pub last_updated_timestamp_ms: i64,
    /// `mlflow-artifacts:/<exp>/models/<id>/artifacts`.
    pub artifact_uri: String,
    /// Status.
    pub status: String,
    /// Status detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// Model type.
    pub model_type: String,
    /// Source run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_run_id: Option<String>,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<KeyValue>,
}

/// A logged model's params and metrics.
#[derive(Debug, Serialize)]
pub struct LoggedModelData {
    /// Params.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<KeyValue>,
    /// Metrics.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<Metric>,
}

/// A logged model.
#[derive(Debug, Serialize)]
pub struct LoggedModel {
    /// Attributes.
    pub info: LoggedModelInfo,
    /// Params and metrics.
    pub data: LoggedModelData,
}

impl From<lm::LoggedModel> for LoggedModel {
    fn from(m: lm::LoggedModel) -> LoggedModel {
        LoggedModel {
            info: LoggedModelInfo {
                model_id: m.model_id,
                experiment_id: m.experiment_id.to_string(),
                name: m.name,
                creation_timestamp_ms: m.creation_time,
                last_updated_timestamp_ms: m.last_updated_time,
                artifact_uri: m.artifact_location,
                status: m.status,
                status_message: m.status_message,
                model_type: m.model_type.unwrap_or_default(),
                source_run_id: m.source_run_id.filter(|s| !s.is_empty()),
                tags: m.tags.into_iter().map(KeyValue::from).collect(),
            },
            data: LoggedModelData {
                params: m.params.into_iter().map(KeyValue::from).collect(),
                metrics: m
                    .metrics
                    .into_iter()
                    .map(|(metric, run_id)| Metric {
                        key: metric.key,
                        value: Some(F64(metric.value)),
                        timestamp: Some(metric.timestamp),
                        step: Some(metric.step),
                        dataset_name: metric.dataset_name,
                        dataset_digest: metric.dataset_digest,
                        model_id: metric.model_id,
                        run_id: Some(run_id).filter(|r| !r.is_empty()),
                    })
                    .collect(),
            },
        }
    }
}

/// One logged model.
#[derive(Debug, Serialize)]
pub struct LoggedModelResponse {
    /// The model.
    pub model: LoggedModel,
}

/// `logged-models` (POST).
#[derive(Debug, Deserialize)]
pub struct CreateLoggedModel {
    /// Experiment.
    #[serde(default, deserialize_with = "opt_id")]
    pub experiment_id: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Model type.
    pub model_type: Option<String>,
    /// Source run.
    pub source_run_id: Option<String>,
    /// Params.
    #[serde(default, deserialize_with = "list")]
    pub params: Vec<KeyValue>,
    /// Tags.
    #[serde(default, deserialize_with = "list")]
    pub tags: Vec<KeyValue>,
}

/// Creates a logged model (status `LOGGED_MODEL_PENDING`).
pub fn create_logged_model(store: &Store, req: CreateLoggedModel) -> ApiResult<LoggedModelResponse> {
    let experiment_id = validate::experiment_id(
        &req.experiment_id.filter(|s| !s.is_empty()).ok_or_else(|| ApiError::missing("experiment_id"))?,
    )?;
    for t in &req.tags {
        validate::key("tag", &t.key)?;
    }
    for p in &req.params {
        validate::key("param", &p.key)?;
    }
    let name = req.name.filter(|n| !n.is_empty()).unwrap_or_else(|| "model".to_string());
    let m = store.write(|tx| {
        lm::create(
            tx,
            NewLoggedModel {
                model_id: None,
                experiment_id,
                name,
                model_type: req.model_type,
                source_run_id: req.source_run_id.filter(|s| !s.is_empty()),
                params: req.params.into_iter().map(Into::into).collect(),
                tags: req.tags.into_iter().map(Into::into).collect(),
            },
            now_ms(),
        )
    })?;
    Ok(LoggedModelResponse { model: m.into() })
}

/// A request naming a logged model.
#[derive(Debug, Deserialize)]
pub struct ModelId {
    /// `m-…`.
    pub model_id: Option<String>,
}

fn model_id(v: Option<String>) -> ApiResult<String> {
    v.filter(|s| !s.is_empty()).ok_or_else(|| ApiError::missing("model_id"))
}

/// Gets a logged model.
pub fn get_logged_model(store: &Store, req: ModelId) -> ApiResult<LoggedModelResponse> {
    let id = model_id(req.model_id)?;
    Ok(LoggedModelResponse { model: store.read(|c| lm::get(c, &id))?.into() })
}

/// Deletes a logged model.
pub fn delete_logged_model(store: &Store, req: ModelId) -> ApiResult<Empty> {
    let id = model_id(req.model_id)?;
    store.write(|tx| lm::delete(tx, &id, now_ms()))?;
    Ok(Empty {})
}

/// `logged-models/{id}` (PATCH): finalize.
#[derive(Debug, Deserialize)]
pub struct FinalizeLoggedModel {
    /// `m-…`.
    pub model_id: Option<String>,
    /// New status.
    pub status: Option<String>,
}

/// Sets a logged model's final status.
pub fn finalize_logged_model(store: &Store, req: FinalizeLoggedModel) -> ApiResult<LoggedModelResponse> {
    let id = model_id(req.model_id)?;
    let status = req.status.filter(|s| !s.is_empty()).ok_or_else(|| ApiError::missing("status"))?;
    if !matches!(status.as_str(), "LOGGED_MODEL_READY" | "LOGGED_MODEL_UPLOAD_FAILED" | "LOGGED_MODEL_PENDING") {
        return Err(ApiError::invalid(format!("Invalid logged model status '{status}'")));
    }
    let m = store.write(|tx| lm::set_status(tx, &id, &status, now_ms()))?;
    Ok(LoggedModelResponse { model: m.into() })
}

/// `logged-models/{id}/tags` (PATCH).
#[derive(Debug, Deserialize)]
pub struct SetLoggedModelTags {
    /// `m-…`.
    pub model_id: Option<String>,
    /// Tags.
    #[serde(default, deserialize_with = "list")]
    pub tags: Vec<KeyValue>,
}

/// Sets tags on a logged model.
pub fn set_logged_model_tags(store: &Store, req: SetLoggedModelTags) -> ApiResult<LoggedModelResponse> {
    let id = model_id(req.model_id)?;
    for t in &req.tags {
        validate::key("tag", &t.key)?;
    }
    let m = store.write(|tx| {
        lm::get(tx, &id)?;
        for t in &req.tags {
            lm::set_tag(tx, &id, &t.key, &t.value)?;
        }
        lm::get(tx, &id)
    })?;
    Ok(LoggedModelResponse { model: m.into() })
}

/// `logged-models/{id}/tags/{tag_key}` (DELETE).
#[derive(Debug, Deserialize)]
pub struct DeleteLoggedModelTag {
    /// `m-…`.
    pub model_id: Option<String>,
    /// Key.
    pub tag_key: Option<String>,
}

/// Deletes a logged model tag.
pub fn delete_logged_model_tag(store: &Store, req: DeleteLoggedModelTag) -> ApiResult<Empty> {
    let id = model_id(req.model_id)?;
    let key = req.tag_key.filter(|s| !s.is_empty()).ok_or_else(|| ApiError::missing("tag_key"))?;
    store.write(|tx| lm::delete_tag(tx, &id, &key))?;
    Ok(Empty {})
}

/// `logged-models/{id}/params` (POST).
#[derive(Debug, Deserialize)]
pub struct LogLoggedModelParams {
    /// `m-…`.
    pub model_id: Option<String>,
    /// Params.
    #[serde(default, deserialize_with = "list")]
    pub params: Vec<KeyValue>,
}

/// Logs params on a logged model.
pub fn log_logged_model_params(store: &Store, req: LogLoggedModelParams) -> ApiResult<Empty> {
    let id = model_id(req.model_id)?;
    store.write(|tx| {
        lm::get(tx, &id)?;
        for p in &req.params {
            lm::log_param(tx, &id, &p.key, &p.value)?;
        }
        Ok(())
    })?;
    Ok(Empty {})
}

/// One order_by entry of `logged-models/search`.
#[derive(Debug, Deserialize)]
pub struct OrderBy {
    /// Field, e.g. `creation_timestamp`.
    pub field_name: Option<String>,
    /// Ascending? (default true)
    #[serde(default, deserialize_with = "opt_bool")]
    pub ascending: Option<bool>,
}

/// `logged-models/search`.
#[derive(Debug, Deserialize)]
pub struct SearchLoggedModels {
    /// Experiments.
    #[serde(default, deserialize_with = "id_list")]
    pub experiment_ids: Vec<String>,
    /// Filter.
    pub filter: Option<String>,
    /// Order.
    #[serde(default, deserialize_with = "list")]
    pub order_by: Vec<OrderBy>,
    /// Page size (default 50).
    #[serde(default, deserialize_with = "opt_i64")]
    pub max_results: Option<i64>,
    /// Token from the previous page.
    pub page_token: Option<String>,
}

/// A page of logged models.
#[derive(Debug, Serialize)]
pub struct SearchLoggedModelsResponse {
    /// Models.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<LoggedModel>,
    /// Next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// Searches logged models.
pub fn search_logged_models(store: &Store, req: SearchLoggedModels) -> ApiResult<SearchLoggedModelsResponse> {
    let experiment_ids = req
        .experiment_ids
        .iter()
        .map(|id| id.trim().parse::<i64>().map_err(|_| ApiError::invalid(format!("Invalid experiment id '{id}'"))))
        .collect::<ApiResult<Vec<_>>>()?;
    let q = LoggedModelQuery {
        experiment_ids,
        filter: filter::parse(req.filter.as_deref().unwrap_or(""), Dialect::Mlflow)
            .map_err(|e| ApiError::invalid(e.0))?,
        order_by: req
            .order_by
            .into_iter()
            .filter_map(|o| {
                o.field_name.map(|f| (f.trim_start_matches("attributes.").to_string(), o.ascending.unwrap_or(true)))
            })
            .collect(),
        offset: paging::decode(req.page_token.as_deref())?,
        limit: validate::max_results(req.max_results, 50, 1000)?,
    };
    let page = store.read(|c| search::logged_models(c, &q))?;
    Ok(SearchLoggedModelsResponse {
        models: page.items.into_iter().map(Into::into).collect(),
        next_page_token: page.next_offset.map(paging::encode),
    })
}
