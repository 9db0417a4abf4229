//! The `MLmodel` file of a logged model, summarised for the version page: flavors and their
//! settings, the signature's columns, where the input example is, and MLflow's bookkeeping.

use serde::Serialize;
use serde_json::Value as Json;
use serde_yaml_ng::Value as Yaml;

use crate::wire::KeyValue;

/// What the version page shows of an `MLmodel` file.
#[derive(Debug, Default, Serialize, PartialEq)]
pub struct MlModel {
    /// Each flavor with its settings (nested settings as `a.b`, lists as JSON).
    pub flavors: Vec<Flavor>,
    /// The signature, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
    /// MLflow 2's model id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_uuid: Option<String>,
    /// MLflow 3's logged model id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_id: Option<String>,
    /// The MLflow that wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mlflow_version: Option<String>,
    /// When it was written (UTC, as MLflow writes it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utc_time_created: Option<String>,
    /// The model's size as MLflow measured it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_size_bytes: Option<i64>,
    /// The input example's file, relative to the model folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_example_path: Option<String>,
}

/// One flavor.
#[derive(Debug, Serialize, PartialEq)]
pub struct Flavor {
    /// `sklearn`, `python_function`, …
    pub name: String,
    /// Its settings.
    pub settings: Vec<KeyValue>,
}

/// A model signature.
#[derive(Debug, Default, Serialize, PartialEq)]
pub struct Signature {
    /// Input columns or tensors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Vec<Field>>,
    /// Outputs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outputs: Option<Vec<Field>>,
    /// Inference params.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<Vec<Field>>,
    /// Parts that were not a list of fields, as written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub raw: Vec<KeyValue>,
}

/// One column, tensor or param of a signature.
#[derive(Debug, Default, Serialize, PartialEq)]
pub struct Field {
    /// Column or param name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `double`, `string`, `tensor<float64>`, `array<string>`, `object`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// Required (columns).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Shape, as `(-1, 4)` (tensors, params).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shape: Option<String>,
    /// Default value (params).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

/// A scalar as text; anything else as compact JSON.
fn text(v: &Yaml) -> Option<String> {
    match v {
        Yaml::Null => None,
        Yaml::Bool(b) => Some(b.to_string()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::String(s) => Some(s.clone()),
        Yaml::Tagged(t) => text(&t.value),
        other => serde_json::to_string(other).ok(),
    }
}

fn get<'a>(map: &'a Yaml, key: &str) -> Option<&'a Yaml> {
    map.as_mapping().and_then(|m| m.get(key))
}

/// Settings of a flavor, nested mappings flattened to `a.b`.
fn settings(prefix: &str, v: &Yaml, out: &mut Vec<KeyValue>) {
    match v.as_mapping() {
        Some(m) => {
            for (k, v) in m {
                let key = text(k).unwrap_or_default();
                let key = if prefix.is_empty() { key } else { format!("{prefix}.{key}") };
                settings(&key, v, out);
            }
        }
        None => {
            if let Some(value) = text(v) {
                out.push(KeyValue { key: prefix.to_string(), value });
            }
        }
    }
}

fn shape(v: &Json) -> Option<String> {
    let dims = v.as_array()?;
    let dims: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
    Some(if dims.len() == 1 { format!("({},)", dims[0]) } else { format!("({})", dims.join(", ")) })
}

/// `double`, `tensor<float64>`, `array<string>`, `object`…
fn type_name(spec: &Json) -> String {
    match spec.get("type").and_then(Json::as_str) {
        Some("tensor") => {
            let dtype = spec.pointer("/tensor-spec/dtype").and_then(Json::as_str).unwrap_or("?");
            format!("tensor<{dtype}>")
        }
        Some("array") => format!("array<{}>", spec.get("items").map(type_name).unwrap_or_else(|| "?".into())),
        Some("map") => format!("map<string, {}>", spec.get("values").map(type_name).unwrap_or_else(|| "?".into())),
        Some(t) => t.to_string(),
        None => "?".into(),
    }
}

fn field(spec: &Json) -> Field {
    Field {
        name: spec.get("name").and_then(Json::as_str).map(str::to_string),
        kind: type_name(spec),
        required: spec.get("required").and_then(Json::as_bool),
        shape: spec.pointer("/tensor-spec/shape").or_else(|| spec.get("shape")).and_then(shape),
        default: spec.get("default").filter(|d| !d.is_null()).map(|d| match d {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        }),
    }
}

/// A signature part: a JSON list of field specs as a string (how MLflow writes it).
fn fields(part: &str, v: &Yaml, raw: &mut Vec<KeyValue>) -> Option<Vec<Field>> {
    let written = text(v)?;
    match serde_json::from_str::<Json>(&written) {
        Ok(Json::Array(specs)) if specs.iter().all(Json::is_object) => Some(specs.iter().map(field).collect()),
        _ => {
            raw.push(KeyValue { key: part.to_string(), value: written });
            None
        }
    }
}

/// Reads an `MLmodel` file; a clear message when it is not a YAML mapping.
pub fn parse(yaml: &str) -> Result<MlModel, String> {
    let doc: Yaml = serde_yaml_ng::from_str(yaml).map_err(|e| format!("MLmodel is not valid YAML: {e}"))?;
    if !doc.is_mapping() {
        return Err("MLmodel is not a YAML mapping".into());
    }
    let mut out = MlModel::default();
    if let Some(flavors) = get(&doc, "flavors").and_then(Yaml::as_mapping) {
        for (name, v) in flavors {
            let mut s = Vec::new();
            settings("", v, &mut s);
            out.flavors.push(Flavor { name: text(name).unwrap_or_default(), settings: s });
        }
    }
    if let Some(sig) = get(&doc, "signature").filter(|s| s.is_mapping()) {
        let mut s = Signature::default();
        s.inputs = get(sig, "inputs").and_then(|v| fields("inputs", v, &mut s.raw));
        s.outputs = get(sig, "outputs").and_then(|v| fields("outputs", v, &mut s.raw));
        s.params = get(sig, "params").and_then(|v| fields("params", v, &mut s.raw));
        out.signature = Some(s);
    }
    let string = |k: &str| get(&doc, k).and_then(text);
    out.model_uuid = string("model_uuid");
    out.model_id = string("model_id");
    out.mlflow_version = string("mlflow_version");
    out.utc_time_created = string("utc_time_created");
    out.model_size_bytes = get(&doc, "model_size_bytes").and_then(Yaml::as_i64);
    out.input_example_path = get(&doc, "saved_input_example_info").and_then(|i| get(i, "artifact_path")).and_then(text);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SKLEARN: &str = r#"
artifact_path: mlflow-artifacts:/1/models/m-abc/artifacts
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    python_version: 3.11.7
  sklearn:
    code: null
    pickled_model: model.pkl
    sklearn_version: 1.5.0
mlflow_version: 3.17.2
model_id: m-abc
model_size_bytes: 1234
model_uuid: m-abc
saved_input_example_info:
  artifact_path: input_example.json
  type: ndarray
signature:
  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 4]}}]'
  outputs: '[{"type": "long", "name": "label", "required": true}]'
  params: '[{"name": "temperature", "type": "double", "default": 0.5, "shape": null}]'
utc_time_created: '2026-11-29 08:00:00.000000'
"#;

    #[test]
    fn an_sklearn_model_is_summarised() {
        let m = parse(SKLEARN).unwrap();
        let flavor = |name: &str| m.flavors.iter().find(|f| f.name == name).unwrap();
        let pyfunc: Vec<(&str, &str)> =
            flavor("python_function").settings.iter().map(|s| (s.key.as_str(), s.value.as_str())).collect();
        assert_eq!(
            pyfunc,
            [
                ("env.conda", "conda.yaml"),
                ("env.virtualenv", "python_env.yaml"),
                ("loader_module", "mlflow.sklearn"),
                ("python_version", "3.11.7")
            ]
        );
        // A null setting is left out.
        assert!(flavor("sklearn").settings.iter().all(|s| s.key != "code"));
        let sig = m.signature.unwrap();
        let input = &sig.inputs.unwrap()[0];
        assert_eq!((input.kind.as_str(), input.shape.as_deref()), ("tensor<float64>", Some("(-1, 4)")));
        let output = &sig.outputs.unwrap()[0];
        assert_eq!(
            (output.name.as_deref(), output.kind.as_str(), output.required),
            (Some("label"), "long", Some(true))
        );
        let param = &sig.params.unwrap()[0];
        assert_eq!((param.name.as_deref(), param.default.as_deref()), (Some("temperature"), Some("0.5")));
        assert_eq!(m.model_size_bytes, Some(1234));
        assert_eq!(m.input_example_path.as_deref(), Some("input_example.json"));
        assert_eq!(m.mlflow_version.as_deref(), Some("3.17.2"));
    }

    #[test]
    fn nested_column_types_are_named() {
        let spec: Json = serde_json::from_str(
            r#"{"type": "array", "items": {"type": "map", "values": {"type": "string"}}, "name": "x"}"#,
        )
        .unwrap();
        assert_eq!(field(&spec).kind, "array<map<string, string>>");
    }

    #[test]
    fn what_is_not_an_mlmodel_is_a_clear_error() {
        let check = |input: &str, expect: &str| {
            let err = parse(input).unwrap_err();
            assert!(err.contains(expect), "{input:?}: {err}");
        };
        check("- a\n- b\n", "not a YAML mapping");
        check("flavors: [unclosed", "not valid YAML");
        check("a: &a [*a, *a]\n", "not valid YAML");
    }

    #[test]
    fn a_signature_that_is_not_a_field_list_is_kept_as_written() {
        let m = parse("signature:\n  inputs: 'not json'\n").unwrap();
        let sig = m.signature.unwrap();
        assert!(sig.inputs.is_none());
        assert_eq!(sig.raw, [KeyValue { key: "inputs".into(), value: "not json".into() }]);
    }
}
