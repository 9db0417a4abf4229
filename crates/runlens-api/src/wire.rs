//! MLflow's JSON shapes (proto3 JSON as MLflow's server writes it), and lenient decoding of
//! what clients send: int64 as numbers or strings, NaN/±inf as strings, a lone value where
//! a list is expected (query strings).
//!
//! Invariant: these are the only serializable types; the store's types are converted by
//! hand in [`From`] impls below.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use runlens_store as store;

/// A float as MLflow writes it: a JSON number, or `"NaN"`, `"Infinity"`, `"-Infinity"`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct F64(pub f64);

impl Serialize for F64 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if v.is_nan() {
            s.serialize_str("NaN")
        } else if v == f64::INFINITY {
            s.serialize_str("Infinity")
        } else if v == f64::NEG_INFINITY {
            s.serialize_str("-Infinity")
        } else {
            s.serialize_f64(v)
        }
    }
}

impl<'de> Deserialize<'de> for F64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<F64, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Number(n) => n.as_f64().map(F64).ok_or_else(|| de::Error::custom("not a number")),
            serde_json::Value::String(s) => {
                parse_float(&s).map(F64).ok_or_else(|| de::Error::custom(format!("'{s}' is not a number")))
            }
            other => Err(de::Error::custom(format!("expected a number, got {other}"))),
        }
    }
}

fn parse_float(s: &str) -> Option<f64> {
    match s.trim() {
        "NaN" | "nan" => Some(f64::NAN),
        "Infinity" | "inf" | "Inf" => Some(f64::INFINITY),
        "-Infinity" | "-inf" | "-Inf" => Some(f64::NEG_INFINITY),
        other => other.parse().ok(),
    }
}

/// Deserializes an optional int64 sent as a number or a string.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Number(n)) => match n.as_i64() {
            Some(v) => Ok(Some(v)),
            // Python clients may send 1.7e12 as a float; MLflow truncates.
            None => n
                .as_f64()
                .filter(|f| f.is_finite() && f.fract() == 0.0)
                .map(|f| Some(f as i64))
                .ok_or_else(|| de::Error::custom(format!("{n} is not an integer"))),
        },
        Some(serde_json::Value::String(s)) if s.is_empty() => Ok(None),
        Some(serde_json::Value::String(s)) => {
            s.trim().parse().map(Some).map_err(|_| de::Error::custom(format!("'{s}' is not an integer")))
        }
        Some(other) => Err(de::Error::custom(format!("expected an integer, got {other}"))),
    }
}

/// Deserializes an optional bool sent as a bool or a string.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Bool(b)) => Ok(Some(b)),
        Some(serde_json::Value::String(s)) => match s.to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(Some(true)),
            "false" | "0" | "" => Ok(Some(false)),
            _ => Err(de::Error::custom(format!("'{s}' is not a boolean"))),
        },
        Some(other) => Err(de::Error::custom(format!("expected a boolean, got {other}"))),
    }
}

/// Deserializes a list that a query string may carry as one value. Items are decoded straight
/// from the request (no intermediate JSON value), so a large `log-batch` costs one pass.
pub fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    use serde::de::value::{BoolDeserializer, F64Deserializer, I64Deserializer, StrDeserializer, U64Deserializer};
    use serde::de::{IntoDeserializer, MapAccess, SeqAccess, Visitor};
    use std::marker::PhantomData;

    struct List<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for List<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_none<E: de::Error>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Vec<T>, D2::Error> {
            d.deserialize_any(self)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
            while let Some(item) = seq.next_element()? {
                out.push(item);
            }
            Ok(out)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Vec<T>, A::Error> {
            Ok(vec![T::deserialize(de::value::MapAccessDeserializer::new(map))?])
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<T>, E> {
            Ok(vec![T::deserialize(StrDeserializer::<E>::new(v))?])
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Vec<T>, E> {
            Ok(vec![T::deserialize(v.into_deserializer())?])
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Vec<T>, E> {
            Ok(vec![T::deserialize(I64Deserializer::<E>::new(v))?])
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Vec<T>, E> {
            Ok(vec![T::deserialize(U64Deserializer::<E>::new(v))?])
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Vec<T>, E> {
            Ok(vec![T::deserialize(F64Deserializer::<E>::new(v))?])
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Vec<T>, E> {
            Ok(vec![T::deserialize(BoolDeserializer::<E>::new(v))?])
        }
    }
    d.deserialize_any(List(PhantomData))
}

/// Deserializes an id (experiment id, version) sent as a string or a number.
pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s)),
        Some(serde_json::Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(de::Error::custom(format!("expected a string, got {other}"))),
    }
}

/// A list of ids sent as strings or numbers.
pub fn id_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let values: Vec<serde_json::Value> = list(d)?;
    values
        .into_iter()
        .map(|v| match v {
            serde_json::Value::String(s) => Ok(s),
            serde_json::Value::Number(n) => Ok(n.to_string()),
            other => Err(de::Error::custom(format!("expected an id, got {other}"))),
        })
        .collect()
}

/// A `{key, value}` pair (tags, params).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyValue {
    /// Key.
    #[serde(default)]
    pub key: String,
    /// Value (a missing value is the empty string, as in proto3).
    #[serde(default, deserialize_with = "string_or_scalar")]
    pub value: String,
}

/// Accepts a string, or a number/bool that a hand-written client sent unquoted.
fn string_or_scalar<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => Ok(String::new()),
        Some(serde_json::Value::String(s)) => Ok(s),
        Some(serde_json::Value::Number(n)) => Ok(n.to_string()),
        Some(serde_json::Value::Bool(b)) => Ok(b.to_string()),
        Some(other) => Err(de::Error::custom(format!("expected a string, got {other}"))),
    }
}

impl From<store::KeyValue> for KeyValue {
    fn from(kv: store::KeyValue) -> KeyValue {
        KeyValue { key: kv.key, value: kv.value }
    }
}

impl From<KeyValue> for store::KeyValue {
    fn from(kv: KeyValue) -> store::KeyValue {
        store::KeyValue { key: kv.key, value: kv.value }
    }
}

fn kvs(v: Vec<store::KeyValue>) -> Vec<KeyValue> {
    v.into_iter().map(KeyValue::from).collect()
}

/// An experiment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Experiment {
    /// Id, as a string.
    pub experiment_id: String,
    /// Name.
    pub name: String,
    /// Artifact location.
    pub artifact_location: String,
    /// `active` or `deleted`.
    pub lifecycle_stage: String,
    /// Last update (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_update_time: Option<i64>,
    /// Creation (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_time: Option<i64>,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<KeyValue>,
}

impl From<store::Experiment> for Experiment {
    fn from(e: store::Experiment) -> Experiment {
        Experiment {
            experiment_id: e.experiment_id.to_string(),
            name: e.name,
            artifact_location: e.artifact_location,
            lifecycle_stage: e.lifecycle_stage.as_str().to_string(),
            last_update_time: e.last_update_time,
            creation_time: e.creation_time,
            tags: kvs(e.tags),
        }
    }
}

/// A run's attributes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunInfo {
    /// Legacy name of `run_id`.
    pub run_uuid: String,
    /// Experiment id.
    pub experiment_id: String,
    /// Name.
    pub run_name: String,
    /// User.
    pub user_id: String,
    /// Status.
    pub status: String,
    /// Start (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<i64>,
    /// End (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<i64>,
    /// `mlflow-artifacts:/…`.
    pub artifact_uri: String,
    /// `active` or `deleted`.
    pub lifecycle_stage: String,
    /// Id.
    pub run_id: String,
}

impl From<store::RunInfo> for RunInfo {
    fn from(i: store::RunInfo) -> RunInfo {
        RunInfo {
            run_uuid: i.run_id.clone(),
            experiment_id: i.experiment_id.to_string(),
            run_name: i.run_name,
            user_id: i.user_id,
            status: i.status.as_str().to_string(),
            start_time: i.start_time,
            end_time: i.end_time,
            artifact_uri: i.artifact_uri,
            lifecycle_stage: i.lifecycle_stage.as_str().to_string(),
            run_id: i.run_id,
        }
    }
}

/// A metric point, as sent and as answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// Key.
    #[serde(default)]
    pub key: String,
    /// Value.
    pub value: Option<F64>,
    /// Wall time (ms).
    #[serde(default, deserialize_with = "opt_i64", skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<i64>,
    /// Step (0 when absent).
    #[serde(default, deserialize_with = "opt_i64", skip_serializing_if = "Option::is_none")]
    pub step: Option<i64>,
    /// Dataset name (MLflow 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset_name: Option<String>,
    /// Dataset digest (MLflow 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset_digest: Option<String>,
    /// Logged model (MLflow 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_id: Option<String>,
    /// Run (on logged-model metrics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
}

impl From<store::Metric> for Metric {
    fn from(m: store::Metric) -> Metric {
        Metric {
            key: m.key,
            value: Some(F64(m.value)),
            timestamp: Some(m.timestamp),
            step: Some(m.step),
            dataset_name: m.dataset_name,
            dataset_digest: m.dataset_digest,
            model_id: m.model_id,
            run_id: None,
        }
    }
}

/// A run's metrics (latest values), params and tags.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct RunData {
    /// Latest value per key.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<Metric>,
    /// Params.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<KeyValue>,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<KeyValue>,
}

/// A dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Digest.
    #[serde(default)]
    pub digest: String,
    /// Source type.
    #[serde(default)]
    pub source_type: String,
    /// Source (JSON string).
    #[serde(default)]
    pub source: String,
    /// Schema (JSON string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Profile (JSON string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// A dataset input with its tags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetInput {
    /// Input tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "list")]
    pub tags: Vec<KeyValue>,
    /// The dataset.
    pub dataset: Option<Dataset>,
}

/// A model used or produced by a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelRef {
    /// `m-…`.
    #[serde(default)]
    pub model_id: String,
    /// Step (outputs only).
    #[serde(default, deserialize_with = "opt_i64", skip_serializing_if = "Option::is_none")]
    pub step: Option<i64>,
}

/// A run's inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct RunInputs {
    /// Datasets.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dataset_inputs: Vec<DatasetInput>,
    /// Models.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub model_inputs: Vec<ModelRef>,
}

/// A run's outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct RunOutputs {
    /// Logged models.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub model_outputs: Vec<ModelRef>,
}

/// A whole run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    /// Attributes.
    pub info: RunInfo,
    /// Metrics, params, tags.
    pub data: RunData,
    /// Inputs.
    pub inputs: RunInputs,
    /// Outputs.
    pub outputs: RunOutputs,
}

impl From<store::Run> for Run {
    fn from(r: store::Run) -> Run {
        Run {
            info: r.info.into(),
            data: RunData {
                metrics: r.metrics.into_iter().map(Metric::from).collect(),
                params: kvs(r.params),
                tags: kvs(r.tags),
            },
            inputs: RunInputs {
                dataset_inputs: r
                    .dataset_inputs
                    .into_iter()
                    .map(|i| DatasetInput {
                        tags: kvs(i.tags),
                        dataset: Some(Dataset {
                            name: i.dataset.name,
                            digest: i.dataset.digest,
                            source_type: i.dataset.source_type,
                            source: i.dataset.source,
                            schema: i.dataset.schema,
                            profile: i.dataset.profile,
                        }),
                    })
                    .collect(),
                model_inputs: r.model_inputs.into_iter().map(|model_id| ModelRef { model_id, step: None }).collect(),
            },
            outputs: RunOutputs {
                model_outputs: r
                    .model_outputs
                    .into_iter()
                    .map(|o| ModelRef { model_id: o.model_id, step: Some(o.step) })
                    .collect(),
            },
        }
    }
}
