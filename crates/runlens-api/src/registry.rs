//! Model registry operations: registered models, versions, stages, aliases, tags.

use serde::{Deserialize, Serialize};

use runlens_store::filter::{self, Dialect};
use runlens_store::registry::{self as reg, NewVersion};
use runlens_store::search::{self, RegistryQuery};
use runlens_store::{runs, Store};

use crate::error::{ApiError, ApiResult};
use crate::wire::{list, opt_bool, opt_i64, opt_id, KeyValue};
use crate::{now_ms, paging, validate, Empty};

pub(crate) fn required(v: Option<String>, field: &str) -> ApiResult<String> {
    v.filter(|s| !s.is_empty()).ok_or_else(|| ApiError::missing(field))
}

pub(crate) fn version_number(v: Option<String>) -> ApiResult<i64> {
    let v = required(v, "version")?;
    v.trim().parse().map_err(|_| ApiError::invalid(format!("Parameter 'version' must be an integer, got '{v}'.")))
}

pub(crate) fn kvs(v: Vec<runlens_store::KeyValue>) -> Vec<KeyValue> {
    v.into_iter().map(KeyValue::from).collect()
}

/// A model version as MLflow's server answers it (no `model_id`, as its SQL store).
#[derive(Debug, Clone, Serialize)]
pub struct ModelVersion {
    /// Model name.
    pub name: String,
    /// Version, as a string.
    pub version: String,
    /// Creation (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<i64>,
    /// Last update (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_updated_timestamp: Option<i64>,
    /// Creator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Stage.
    pub current_stage: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Source URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Source run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// Status.
    pub status: String,
    /// Status detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<KeyValue>,
    /// Run link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_link: Option<String>,
    /// Aliases pointing here.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

impl From<reg::ModelVersion> for ModelVersion {
    fn from(v: reg::ModelVersion) -> ModelVersion {
        ModelVersion {
            name: v.name,
            version: v.version.to_string(),
            creation_timestamp: v.creation_time,
            last_updated_timestamp: v.last_updated_time,
            user_id: v.user_id.filter(|s| !s.is_empty()),
            current_stage: v.current_stage,
            description: v.description,
            source: v.source,
            run_id: v.run_id.filter(|s| !s.is_empty()),
            status: v.status,
            status_message: v.status_message,
            tags: kvs(v.tags),
            run_link: Some(v.run_link.unwrap_or_default()),
            aliases: v.aliases,
        }
    }
}

/// An alias on a registered model.
#[derive(Debug, Clone, Serialize)]
pub struct Alias {
    /// Alias.
    pub alias: String,
    /// Version, as a string.
    pub version: String,
}

/// A registered model.
#[derive(Debug, Clone, Serialize)]
pub struct RegisteredModel {
    /// Name.
    pub name: String,
    /// Creation (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<i64>,
    /// Last update (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_updated_timestamp: Option<i64>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Latest version per stage.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub latest_versions: Vec<ModelVersion>,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<KeyValue>,
    /// Aliases.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<Alias>,
}

impl From<reg::RegisteredModel> for RegisteredModel {
    fn from(m: reg::RegisteredModel) -> RegisteredModel {
        RegisteredModel {
            name: m.name,
            creation_timestamp: m.creation_time,
            last_updated_timestamp: m.last_updated_time,
            description: m.description,
            latest_versions: m.latest_versions.into_iter().map(Into::into).collect(),
            tags: kvs(m.tags),
            aliases: m.aliases.into_iter().map(|(alias, v)| Alias { alias, version: v.to_string() }).collect(),
        }
    }
}

fn to_store_tags(tags: Vec<KeyValue>) -> ApiResult<Vec<runlens_store::KeyValue>> {
    for t in &tags {
        validate::key("tag", &t.key)?;
        validate::value_length("Tag", &t.key, &t.value, validate::MAX_TAG_VALUE_LENGTH)?;
    }
    Ok(tags.into_iter().map(Into::into).collect())
}

/// `registered-models/create`.
#[derive(Debug, Deserialize)]
pub struct CreateRegisteredModel {
    /// Name.
    pub name: Option<String>,
    /// Tags.
    #[serde(default, deserialize_with = "list")]
    pub tags: Vec<KeyValue>,
    /// Description.
    pub description: Option<String>,
}

/// A registered model answer.
#[derive(Debug, Serialize)]
pub struct RegisteredModelResponse {
    /// The model.
    pub registered_model: RegisteredModel,
}

/// Creates a registered model.
pub fn create_registered_model(store: &Store, req: CreateRegisteredModel) -> ApiResult<RegisteredModelResponse> {
    let name = required(req.name, "name")?;
    let tags = to_store_tags(req.tags)?;
    let m = store.write(|tx| reg::create_model(tx, &name, req.description.as_deref(), &tags, now_ms()))?;
    Ok(RegisteredModelResponse { registered_model: m.into() })
}

/// A request naming a registered model.
#[derive(Debug, Deserialize)]
pub struct ModelName {
    /// Name.
    pub name: Option<String>,
}

/// Gets a registered model.
pub fn get_registered_model(store: &Store, req: ModelName) -> ApiResult<RegisteredModelResponse> {
    let name = required(req.name, "name")?;
    Ok(RegisteredModelResponse { registered_model: store.read(|c| reg::get_model(c, &name))?.into() })
}

/// `registered-models/rename`.
#[derive(Debug, Deserialize)]
pub struct RenameRegisteredModel {
    /// Current name.
    pub name: Option<String>,
    /// New name.
    pub new_name: Option<String>,
}

/// Renames a registered model.
pub fn rename_registered_model(store: &Store, req: RenameRegisteredModel) -> ApiResult<RegisteredModelResponse> {
    let name = required(req.name, "name")?;
    let new_name = required(req.new_name, "new_name")?;
    let m = store.write(|tx| reg::rename_model(tx, &name, &new_name, now_ms()))?;
    Ok(RegisteredModelResponse { registered_model: m.into() })
}

/// `registered-models/update`.
#[derive(Debug, Deserialize)]
pub struct UpdateRegisteredModel {
    /// Name.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
}

/// Sets a registered model's description.
pub fn update_registered_model(store: &Store, req: UpdateRegisteredModel) -> ApiResult<RegisteredModelResponse> {
    let name = required(req.name, "name")?;
    let m = store.write(|tx| reg::update_model(tx, &name, req.description.as_deref(), now_ms()))?;
    Ok(RegisteredModelResponse { registered_model: m.into() })
}

/// Deletes a registered model and its versions.
pub fn delete_registered_model(store: &Store, req: ModelName) -> ApiResult<Empty> {
    let name = required(req.name, "name")?;
    store.write(|tx| reg::delete_model(tx, &name))?;
    Ok(Empty {})
}

/// `registered-models/set-tag` and `delete-tag`.
#[derive(Debug, Deserialize)]
pub struct ModelTag {
    /// Name.
    pub name: Option<String>,
    /// Key.
    pub key: Option<String>,
    /// Value (set only).
    pub value: Option<String>,
}

/// Sets a registered model tag.
pub fn set_registered_model_tag(store: &Store, req: ModelTag) -> ApiResult<Empty> {
    let name = required(req.name, "name")?;
    let key = required(req.key, "key")?;
    let value = req.value.unwrap_or_default();
    validate::key("tag", &key)?;
    validate::value_length("Tag", &key, &value, validate::MAX_TAG_VALUE_LENGTH)?;
    store.write(|tx| reg::set_model_tag(tx, &name, &key, &value))?;
    Ok(Empty {})
}

/// Deletes a registered model tag.
pub fn delete_registered_model_tag(store: &Store, req: ModelTag) -> ApiResult<Empty> {
    let name = required(req.name, "name")?;
    let key = required(req.key, "key")?;
    store.write(|tx| reg::delete_model_tag(tx, &name, &key))?;
    Ok(Empty {})
}

/// `registered-models/search` and `model-versions/search`.
#[derive(Debug, Deserialize)]
pub struct SearchRegistry {
    /// Filter.
    pub filter: Option<String>,
    /// Page size.
    #[serde(default, deserialize_with = "opt_i64")]
    pub max_results: Option<i64>,
    /// Order.
    #[serde(default, deserialize_with = "list")]
    pub order_by: Vec<String>,
    /// Token from the previous page.
    pub page_token: Option<String>,
}

fn registry_query(req: &SearchRegistry, default: i64, threshold: i64) -> ApiResult<RegistryQuery> {
    Ok(RegistryQuery {
        filter: filter::parse(req.filter.as_deref().unwrap_or(""), Dialect::Mlflow)
            .map_err(|e| ApiError::invalid(e.0))?,
        order_by: req
            .order_by
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| filter::parse_order(s).map_err(|e| ApiError::invalid(e.0)))
            .collect::<ApiResult<_>>()?,
        offset: paging::decode(req.page_token.as_deref())?,
        limit: validate::max_results(req.max_results, default, threshold)?,
    })
}

/// A page of registered models.
#[derive(Debug, Serialize)]
pub struct SearchRegisteredModelsResponse {
    /// Models.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub registered_models: Vec<RegisteredModel>,
    /// Next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// Searches registered models.
pub fn search_registered_models(store: &Store, req: SearchRegistry) -> ApiResult<SearchRegisteredModelsResponse> {
    let q = registry_query(&req, 100, 1000)?;
    let page = store.read(|c| search::registered_models(c, &q))?;
    Ok(SearchRegisteredModelsResponse {
        registered_models: page.items.into_iter().map(Into::into).collect(),
        next_page_token: page.next_offset.map(paging::encode),
    })
}

/// `registered-models/get-latest-versions`.
#[derive(Debug, Deserialize)]
pub struct GetLatestVersions {
    /// Name.
    pub name: Option<String>,
    /// Stages (all when empty).
    #[serde(default, deserialize_with = "list")]
    pub stages: Vec<String>,
}

/// Model versions.
#[derive(Debug, Serialize)]
pub struct ModelVersionsResponse {
    /// Versions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub model_versions: Vec<ModelVersion>,
}

/// The latest version in each stage.
pub fn get_latest_versions(store: &Store, req: GetLatestVersions) -> ApiResult<ModelVersionsResponse> {
    let name = required(req.name, "name")?;
    let stages = req.stages.iter().map(|s| reg::canonical_stage(s)).collect::<Result<Vec<_>, _>>()?;
    let versions = store.read(|c| {
        reg::get_model(c, &name)?;
        reg::latest_versions(c, &name, &stages)
    })?;
    Ok(ModelVersionsResponse { model_versions: versions.into_iter().map(Into::into).collect() })
}

/// `registered-models/alias` (POST).
#[derive(Debug, Deserialize)]
pub struct SetAlias {
    /// Name.
    pub name: Option<String>,
    /// Alias.
    pub alias: Option<String>,
    /// Version.
    #[serde(default, deserialize_with = "opt_id")]
    pub version: Option<String>,
}

fn check_alias(alias: &str) -> ApiResult<()> {
    let lower = alias.to_ascii_lowercase();
    if lower == "latest" || (lower.starts_with('v') && lower[1..].parse::<u64>().is_ok()) {
        return Err(ApiError::invalid(format!(
            "'{alias}' is a reserved word and cannot be used as an alias (it would be ambiguous with 'latest' or a version)."
        )));
    }
    if !alias.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-') || alias.len() > 255 {
        return Err(ApiError::invalid(format!(
            "Invalid alias name: '{alias}'. Aliases may only contain alphanumerics, underscores and dashes."
        )));
    }
    Ok(())
}

/// Points an alias at a version.
pub fn set_registered_model_alias(store: &Store, req: SetAlias) -> ApiResult<Empty> {
    let name = required(req.name, "name")?;
    let alias = required(req.alias, "alias")?;
    check_alias(&alias)?;
    let version = version_number(req.version)?;
    store.write(|tx| reg::set_alias(tx, &name, &alias, version, now_ms()))?;
    Ok(Empty {})
}

/// `registered-models/alias` (GET and DELETE).
#[derive(Debug, Deserialize)]
pub struct AliasName {
    /// Name.
    pub name: Option<String>,
    /// Alias.
    pub alias: Option<String>,
}

/// Removes an alias.
pub fn delete_registered_model_alias(store: &Store, req: AliasName) -> ApiResult<Empty> {
    let name = required(req.name, "name")?;
    let alias = required(req.alias, "alias")?;
    store.write(|tx| reg::delete_alias(tx, &name, &alias, now_ms()))?;
    Ok(Empty {})
}

/// One model version.
#[derive(Debug, Serialize)]
pub struct ModelVersionResponse {
    /// The version.
    pub model_version: ModelVersion,
}

/// The version an alias points at.
pub fn get_model_version_by_alias(store: &Store, req: AliasName) -> ApiResult<ModelVersionResponse> {
    let name = required(req.name, "name")?;
    let alias = required(req.alias, "alias")?;
    Ok(ModelVersionResponse { model_version: store.read(|c| reg::version_by_alias(c, &name, &alias))?.into() })
}

/// `model-versions/create`.
#[derive(Debug, Deserialize)]
pub struct CreateModelVersion {
    /// Model name.
    pub name: Option<String>,
    /// Source URI.
    pub source: Option<String>,
    /// Source run.
    pub run_id: Option<String>,
    /// Tags.
    #[serde(default, deserialize_with = "list")]
    pub tags: Vec<KeyValue>,
    /// Run link.
    pub run_link: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Logged model (MLflow 3).
    pub model_id: Option<String>,
}

/// Checks a version source: only URIs that resolve inside Runlens (`runs:/`, `models:/`,
/// `mlflow-artifacts:/`) are accepted, never a path on the host.
fn check_source(source: &str, model_id: Option<&str>) -> ApiResult<()> {
    let ok_scheme = ["runs:/", "models:/", "mlflow-artifacts:/"].iter().any(|s| source.starts_with(s));
    let suspicious = source.contains("..") || source.contains('\\') || source.contains('#') || source.contains('\0');
    if !ok_scheme || suspicious {
        return Err(ApiError::invalid(format!(
            "Invalid model version source: '{source}'. Runlens accepts runs:/, models:/ and mlflow-artifacts:/ sources, not paths on this machine."
        )));
    }
    if let Some(rest) = source.strip_prefix("models:/m-") {
        let id = format!("m-{}", rest.split('/').next().unwrap_or(""));
        if model_id != Some(id.as_str()) {
            return Err(ApiError::invalid(
                "The model_id request parameter must identify the resource that contains the source",
            ));
        }
    }
    Ok(())
}

/// Creates the next version of a registered model.
pub fn create_model_version(store: &Store, req: CreateModelVersion) -> ApiResult<ModelVersionResponse> {
    let name = required(req.name, "name")?;
    let source = required(req.source, "source")?;
    check_source(&source, req.model_id.as_deref())?;
    let tags = to_store_tags(req.tags)?;
    let model_id = req.model_id.filter(|s| !s.is_empty());
    let v = store.write(|tx| {
        // A version of a logged model comes from the run that logged it, as in MLflow.
        let run_id = match req.run_id.filter(|s| !s.is_empty()) {
            Some(r) => Some(r),
            None => match &model_id {
                Some(m) => runlens_store::logged_models::get(tx, m)?.source_run_id,
                None => None,
            },
        };
        if let Some(run_id) = &run_id {
            runs::handle(tx, run_id)?;
        }
        reg::create_version(
            tx,
            NewVersion {
                name,
                source,
                run_id,
                run_link: req.run_link,
                description: req.description,
                model_id,
                user_id: None,
                tags,
                version: None,
            },
            now_ms(),
        )
    })?;
    Ok(ModelVersionResponse { model_version: v.into() })
}

/// A request naming a model version.
#[derive(Debug, Deserialize)]
pub struct VersionKey {
    /// Model name.
    pub name: Option<String>,
    /// Version.
    #[serde(default, deserialize_with = "opt_id")]
    pub version: Option<String>,
}

/// Gets a model version.
pub fn get_model_version(store: &Store, req: VersionKey) -> ApiResult<ModelVersionResponse> {
    let name = required(req.name, "name")?;
    let version = version_number(req.version)?;
    Ok(ModelVersionResponse { model_version: store.read(|c| reg::get_version(c, &name, version))?.into() })
}

/// Deletes a model version.
pub fn delete_model_version(store: &Store, req: VersionKey) -> ApiResult<Empty> {
    let name = required(req.name, "name")?;
    let version = version_number(req.version)?;
    store.write(|tx| reg::delete_version(tx, &name, version, now_ms()))?;
    Ok(Empty {})
}

/// `model-versions/update`.
#[derive(Debug, Deserialize)]
pub struct UpdateModelVersion {
    /// Model name.
    pub name: Option<String>,
    /// Version.
    #[serde(default, deserialize_with = "opt_id")]
    pub version: Option<String>,
    /// Description.
    pub description: Option<String>,
}

/// Sets a version's description.
pub fn update_model_version(store: &Store, req: UpdateModelVersion) -> ApiResult<ModelVersionResponse> {
    let name = required(req.name, "name")?;
    let version = version_number(req.version)?;
    let v = store.write(|tx| reg::update_version(tx, &name, version, req.description.as_deref(), now_ms()))?;
    Ok(ModelVersionResponse { model_version: v.into() })
}

/// `model-versions/transition-stage`.
#[derive(Debug, Deserialize)]
pub struct TransitionStage {
    /// Model name.
    pub name: Option<String>,
    /// Version.
    #[serde(default, deserialize_with = "opt_id")]
    pub version: Option<String>,
    /// Target stage.
    pub stage: Option<String>,
    /// Archive the versions now in that stage.
    #[serde(default, deserialize_with = "opt_bool")]
    pub archive_existing_versions: Option<bool>,
}

/// Moves a version to a stage.
pub fn transition_model_version_stage(store: &Store, req: TransitionStage) -> ApiResult<ModelVersionResponse> {
    let name = required(req.name, "name")?;
    let version = version_number(req.version)?;
    let stage = required(req.stage, "stage")?;
    let archive = req.archive_existing_versions.unwrap_or(false);
    let v = store.write(|tx| reg::transition_stage(tx, &name, version, &stage, archive, now_ms()))?;
    Ok(ModelVersionResponse { model_version: v.into() })
}

/// `model-versions/set-tag` and `delete-tag`.
#[derive(Debug, Deserialize)]
pub struct VersionTag {
    /// Model name.
    pub name: Option<String>,
    /// Version.
    #[serde(default, deserialize_with = "opt_id")]
    pub version: Option<String>,
    /// Key.
    pub key: Option<String>,
    /// Value (set only).
    pub value: Option<String>,
}

/// Sets a version tag.
pub fn set_model_version_tag(store: &Store, req: VersionTag) -> ApiResult<Empty> {
    let name = required(req.name, "name")?;
    let version = version_number(req.version)?;
    let key = required(req.key, "key")?;
    let value = req.value.unwrap_or_default();
    validate::key("tag", &key)?;
    validate::value_length("Tag", &key, &value, validate::MAX_TAG_VALUE_LENGTH)?;
    store.write(|tx| reg::set_version_tag(tx, &name, version, &key, &value))?;
    Ok(Empty {})
}

/// Deletes a version tag.
pub fn delete_model_version_tag(store: &Store, req: VersionTag) -> ApiResult<Empty> {
    let name = required(req.name, "name")?;
    let version = version_number(req.version)?;
    let key = required(req.key, "key")?;
    store.write(|tx| reg::delete_version_tag(tx, &name, version, &key))?;
    Ok(Empty {})
}

/// A page of model versions.
#[derive(Debug, Serialize)]
pub struct SearchModelVersionsResponse {
    /// Versions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub model_versions: Vec<ModelVersion>,
    /// Next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// Searches model versions.
pub fn search_model_versions(store: &Store, req: SearchRegistry) -> ApiResult<SearchModelVersionsResponse> {
    let q = registry_query(&req, 10_000, 200_000)?;
    let page = store.read(|c| search::model_versions(c, &q))?;
    Ok(SearchModelVersionsResponse {
        // MLflow's server leaves aliases out of search results (they come with `get`).
        model_versions: page
            .items
            .into_iter()
            .map(|mut v| {
                v.aliases.clear();
                v.into()
            })
            .collect(),
        next_page_token: page.next_offset.map(paging::encode),
    })
}

/// Where a version's files can be downloaded from.
#[derive(Debug, Serialize)]
pub struct DownloadUriResponse {
    /// An `mlflow-artifacts:/` URI.
    pub artifact_uri: String,
}

/// The artifact URI of a version: its logged model's or its run's artifact location.
pub fn get_model_version_download_uri(store: &Store, req: VersionKey) -> ApiResult<DownloadUriResponse> {
    let name = required(req.name, "name")?;
    let version = version_number(req.version)?;
    let uri = store.read(|c| crate::artifacts::version_artifact_uri(c, &name, version))?;
    Ok(DownloadUriResponse { artifact_uri: uri })
}

/// Runlens's own: the recorded stage and alias history of a model.
#[derive(Debug, Serialize)]
pub struct RegistryEventJson {
    /// Version concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// What happened.
    pub kind: String,
    /// Before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_value: Option<String>,
    /// After.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_value: Option<String>,
    /// When (ms).
    pub timestamp: i64,
}

/// The history answer.
#[derive(Debug, Serialize)]
pub struct RegistryHistoryResponse {
    /// Events, oldest first.
    pub events: Vec<RegistryEventJson>,
}

/// Every stage transition and alias change of a model, oldest first.
pub fn registry_history(store: &Store, req: ModelName) -> ApiResult<RegistryHistoryResponse> {
    let name = required(req.name, "name")?;
    let events = store.read(|c| {
        reg::get_model(c, &name)?;
        reg::events(c, &name)
    })?;
    Ok(RegistryHistoryResponse {
        events: events
            .into_iter()
            .map(|e| RegistryEventJson {
                version: e.version.map(|v| v.to_string()),
                kind: e.kind,
                old_value: e.old_value,
                new_value: e.new_value,
                timestamp: e.time,
            })
            .collect(),
    })
}
