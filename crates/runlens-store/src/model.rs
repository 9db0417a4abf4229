//! Plain domain types. No serde here: the API crate converts them to MLflow's wire shapes.

use std::fmt;
use std::str::FromStr;

/// Whether an experiment or run is in use or in the bin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// In use.
    Active,
    /// Deleted (restorable).
    Deleted,
}

impl Lifecycle {
    /// MLflow's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Active => "active",
            Lifecycle::Deleted => "deleted",
        }
    }
    /// MLflow's spelling read back (anything but `deleted` is active).
    pub fn parse(s: &str) -> Lifecycle {
        if s == "deleted" {
            Lifecycle::Deleted
        } else {
            Lifecycle::Active
        }
    }
}

/// Which lifecycle stages a search covers (MLflow's `ViewType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ViewType {
    /// Active only (the default).
    #[default]
    ActiveOnly,
    /// Deleted only.
    DeletedOnly,
    /// Both.
    All,
}

impl ViewType {
    pub(crate) fn sql(self, column: &str) -> String {
        match self {
            ViewType::ActiveOnly => format!("{column} = 'active'"),
            ViewType::DeletedOnly => format!("{column} = 'deleted'"),
            ViewType::All => "1".to_string(),
        }
    }
}

/// A run's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Being logged.
    Running,
    /// Scheduled, not started.
    Scheduled,
    /// Ended normally.
    Finished,
    /// Ended with an error.
    Failed,
    /// Stopped.
    Killed,
}

impl RunStatus {
    /// MLflow's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "RUNNING",
            RunStatus::Scheduled => "SCHEDULED",
            RunStatus::Finished => "FINISHED",
            RunStatus::Failed => "FAILED",
            RunStatus::Killed => "KILLED",
        }
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RunStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "RUNNING" => RunStatus::Running,
            "SCHEDULED" => RunStatus::Scheduled,
            "FINISHED" => RunStatus::Finished,
            "FAILED" => RunStatus::Failed,
            "KILLED" => RunStatus::Killed,
            other => return Err(format!("Invalid run status '{other}'")),
        })
    }
}

/// A key/value pair: a tag or a param.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
}

impl KeyValue {
    /// Builds a pair.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> KeyValue {
        KeyValue { key: key.into(), value: value.into() }
    }
}

/// An experiment with its tags.
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    /// MLflow's id (an integer, spelled as a string on the wire).
    pub experiment_id: i64,
    /// Unique name.
    pub name: String,
    /// Where its runs' artifacts go, as MLflow reports it.
    pub artifact_location: String,
    /// Active or deleted.
    pub lifecycle_stage: Lifecycle,
    /// Creation time (ms).
    pub creation_time: Option<i64>,
    /// Last update (ms).
    pub last_update_time: Option<i64>,
    /// Tags, in key order.
    pub tags: Vec<KeyValue>,
}

/// The attributes of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunInfo {
    /// 32-hex run id.
    pub run_id: String,
    /// Owning experiment.
    pub experiment_id: i64,
    /// Display name.
    pub run_name: String,
    /// Who ran it.
    pub user_id: String,
    /// Status.
    pub status: RunStatus,
    /// Start (ms).
    pub start_time: Option<i64>,
    /// End (ms).
    pub end_time: Option<i64>,
    /// `mlflow-artifacts:/…` URI.
    pub artifact_uri: String,
    /// Active or deleted.
    pub lifecycle_stage: Lifecycle,
}

/// One metric point.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// Metric key.
    pub key: String,
    /// Value, NaN and ±inf included.
    pub value: f64,
    /// Wall time (ms).
    pub timestamp: i64,
    /// Step.
    pub step: i64,
    /// MLflow 3: the logged model this point belongs to.
    pub model_id: Option<String>,
    /// MLflow 3: the dataset it was computed on.
    pub dataset_name: Option<String>,
    /// MLflow 3: that dataset's digest.
    pub dataset_digest: Option<String>,
}

impl Metric {
    /// A plain point.
    pub fn new(key: impl Into<String>, value: f64, timestamp: i64, step: i64) -> Metric {
        Metric { key: key.into(), value, timestamp, step, model_id: None, dataset_name: None, dataset_digest: None }
    }
}

/// A run's latest value of one metric, with its min, max and point count.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSummary {
    /// The latest point (max by step, timestamp, value).
    pub latest: Metric,
    /// Smallest non-NaN value.
    pub min: Option<f64>,
    /// Largest non-NaN value.
    pub max: Option<f64>,
    /// Number of points.
    pub count: i64,
}

/// A dataset as MLflow describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Name.
    pub name: String,
    /// Digest.
    pub digest: String,
    /// Source type (`local`, `http`, …).
    pub source_type: String,
    /// Source (a JSON string).
    pub source: String,
    /// Schema (a JSON string).
    pub schema: Option<String>,
    /// Profile (a JSON string).
    pub profile: Option<String>,
}

/// A dataset used by a run, with the input's tags (e.g. `mlflow.data.context`).
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetInput {
    /// Input tags.
    pub tags: Vec<KeyValue>,
    /// The dataset.
    pub dataset: Dataset,
}

/// A logged model produced by a run.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelOutput {
    /// `m-…` id.
    pub model_id: String,
    /// Step it was logged at.
    pub step: i64,
}

/// A whole run: attributes, latest metrics, params, tags, inputs and outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// Attributes.
    pub info: RunInfo,
    /// Latest value of each metric, in key order.
    pub metrics: Vec<Metric>,
    /// Params, in key order.
    pub params: Vec<KeyValue>,
    /// Tags, in key order.
    pub tags: Vec<KeyValue>,
    /// Dataset inputs.
    pub dataset_inputs: Vec<DatasetInput>,
    /// Model inputs (logged model ids).
    pub model_inputs: Vec<String>,
    /// Model outputs.
    pub model_outputs: Vec<ModelOutput>,
}

/// A page of results and the offset of the next page, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Offset of the next page; `None` on the last page.
    pub next_offset: Option<i64>,
}

/// Encodes a float for SQLite, which turns NaN into NULL and -0.0 into 0: `(value, kind)`.
pub(crate) fn encode_value(v: f64) -> (f64, i64) {
    if v.is_nan() {
        (0.0, 1)
    } else if v == 0.0 && v.is_sign_negative() {
        (0.0, 2)
    } else {
        (v, 0)
    }
}

/// The inverse of [`encode_value`].
pub(crate) fn decode_value(v: f64, kind: i64) -> f64 {
    match kind {
        1 => f64::NAN,
        2 => -0.0,
        _ => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_floats_round_trip() {
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 0.0, 1e-300, -5.5] {
            let (stored, kind) = encode_value(v);
            let back = decode_value(stored, kind);
            assert_eq!(back.to_bits(), v.to_bits(), "{v} must come back bit for bit");
        }
    }
}
