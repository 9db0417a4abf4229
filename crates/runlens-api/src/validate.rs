//! MLflow's input limits (`mlflow/utils/validation.py`), checked before anything is written.

use crate::error::{ApiError, ApiResult};

/// Longest metric, param or tag key.
pub const MAX_KEY_LENGTH: usize = 250;
/// Longest param value.
pub const MAX_PARAM_VALUE_LENGTH: usize = 6000;
/// Longest run tag value.
pub const MAX_TAG_VALUE_LENGTH: usize = 8000;
/// Longest experiment tag value.
pub const MAX_EXPERIMENT_TAG_VALUE_LENGTH: usize = 5000;
/// Most metrics in one `log-batch`.
pub const MAX_METRICS_PER_BATCH: usize = 1000;
/// Most params plus tags in one `log-batch`.
pub const MAX_PARAMS_TAGS_PER_BATCH: usize = 100;
/// Most entities in one `log-batch`.
pub const MAX_ENTITIES_PER_BATCH: usize = 1000;
/// Largest `max_results` for searches.
pub const SEARCH_MAX_RESULTS_THRESHOLD: i64 = 50000;
/// Default `max_results` for searches.
pub const SEARCH_MAX_RESULTS_DEFAULT: i64 = 1000;

fn valid_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ' ' | '/' | ':')
}

/// Checks a metric, param or tag key.
pub fn key(kind: &str, key: &str) -> ApiResult<()> {
    if key.is_empty() {
        return Err(ApiError::missing("key"));
    }
    if !key.chars().all(valid_name_char) {
        return Err(ApiError::invalid(format!(
            "Invalid {kind} name: '{key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/)."
        )));
    }
    // Keys become file names in MLflow's FileStore; refuse the ones that would climb.
    if key.starts_with('/') || key.split('/').any(|p| p == ".." || p == ".") {
        return Err(ApiError::invalid(format!(
            "Invalid {kind} name: '{key}'. Names cannot contain '..', '.' as a path segment or start with '/'."
        )));
    }
    if key.chars().count() > MAX_KEY_LENGTH {
        return Err(ApiError::invalid(format!("'key' exceeds the maximum length of {MAX_KEY_LENGTH} characters")));
    }
    Ok(())
}

/// Checks a value's length.
pub fn value_length(what: &str, key: &str, value: &str, limit: usize) -> ApiResult<()> {
    let len = value.chars().count();
    if len > limit {
        return Err(ApiError::invalid(format!(
            "{what} value '{}' had length {len}, which exceeded length limit of {limit} (key '{key}')",
            value.chars().take(40).collect::<String>() + "..."
        )));
    }
    Ok(())
}

/// Checks `max_results` against MLflow's threshold.
pub fn max_results(value: Option<i64>, default: i64, threshold: i64) -> ApiResult<i64> {
    let v = value.unwrap_or(default);
    if v <= 0 || v > threshold {
        return Err(ApiError::invalid(format!(
            "Invalid value {v} for parameter 'max_results' supplied. It must be a positive integer at most {threshold}"
        )));
    }
    Ok(v)
}

/// Checks a `log-batch` against MLflow's size limits.
pub fn batch(metrics: usize, params: usize, tags: usize) -> ApiResult<()> {
    if metrics > MAX_METRICS_PER_BATCH {
        return Err(ApiError::invalid(format!(
            "A batch logging request can contain at most {MAX_METRICS_PER_BATCH} metrics. Got {metrics} metrics. Please split up metrics across multiple requests and try again."
        )));
    }
    if params + tags > MAX_PARAMS_TAGS_PER_BATCH {
        return Err(ApiError::invalid(format!(
            "A batch logging request can contain at most {MAX_PARAMS_TAGS_PER_BATCH} params and tags combined. Got {} params and tags. Please split up params and tags across multiple requests and try again.",
            params + tags
        )));
    }
    if metrics + params + tags > MAX_ENTITIES_PER_BATCH {
        return Err(ApiError::invalid(format!(
            "A batch logging request can contain at most {MAX_ENTITIES_PER_BATCH} metrics, params, and tags in total. Got {} in total.",
            metrics + params + tags
        )));
    }
    Ok(())
}

/// Parses an experiment id; a non-integer id names no experiment.
pub fn experiment_id(id: &str) -> ApiResult<i64> {
    id.trim().parse().map_err(|_| ApiError::not_found(format!("No Experiment with id={id} exists")))
}
