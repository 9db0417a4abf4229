"""Writes a small but realistic MLflow store with the official client, for the import tests.

Usage: python gen_store.py BACKEND DIR   (BACKEND: file | sqlite). Runs with DIR as the working
directory, so a SQLite store keeps its artifacts in DIR/mlruns as MLflow 3.7+ does."""

import os
import sys

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"

import mlflow  # noqa: E402
import numpy as np  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

backend, target = sys.argv[1], os.path.abspath(sys.argv[2])
os.makedirs(target, exist_ok=True)
os.chdir(target)
uri = f"file://{target}/mlruns" if backend == "file" else f"sqlite:///{target}/mlflow.db"
mlflow.set_tracking_uri(uri)
mlflow.set_registry_uri(uri)
client = MlflowClient(uri, uri)

exp = client.create_experiment("Iris classification", tags={"team": "vision", "mlflow.note.content": "Baseline **iris**"})
mlflow.set_experiment(experiment_id=exp)
with mlflow.start_run(run_name="sweep") as parent:
    mlflow.log_params({"grid": "small", "optimizer/lr": 0.01})
    for depth in (2, 3):
        with mlflow.start_run(run_name=f"depth-{depth}", nested=True):
            mlflow.log_param("max_depth", depth)
            for step in range(50):
                mlflow.log_metrics({"train/loss": 1.0 / (step + 1), "acc": depth * 0.1 + step / 100}, step=step)
            mlflow.set_tag("family", "trees")
with mlflow.start_run(run_name="with data") as with_data:
    features = np.arange(12, dtype=np.float64).reshape(4, 3)
    train = mlflow.data.from_numpy(features, name="iris-train")
    mlflow.log_input(train, context="training", tags={"split": "train"})
    mlflow.log_input(mlflow.data.from_numpy(features[:2], name="iris-eval"), context="eval")
    mlflow.log_metric("accuracy", 0.9)
with mlflow.start_run(run_name="edge values") as edge:
    for step, v in enumerate([float("nan"), float("inf"), float("-inf"), -0.0, 1e-300, 12345678901234.5]):
        mlflow.log_metric("edge", v, step=step)
    mlflow.log_metric("neg", 0.25, step=-1)
    mlflow.log_param("empty", "")
    mlflow.log_param("précision", "élevée")
    mlflow.set_tag("ünïcode", "日本語")
    mlflow.log_text("hello\n", "notes/read me.txt")
    mlflow.log_dict({"a": 1}, "config/params.json")
with mlflow.start_run(run_name="long") as long_run:
    for start in range(0, 5000, 1000):
        client.log_batch(long_run.info.run_id, metrics=[mlflow.entities.Metric("loss", 1 / (s + 1), 1700000000000 + s, s) for s in range(start, start + 1000)])
try:
    with mlflow.start_run(run_name="crashed"):
        raise RuntimeError("diverged")
except RuntimeError:
    pass
deleted = client.create_run(exp, run_name="deleted run")
client.set_terminated(deleted.info.run_id)
client.delete_run(deleted.info.run_id)

X = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.9, 0.1]])
y = np.array([0, 1, 0, 1])
for i, c in enumerate((0.5, 2.0)):
    with mlflow.start_run(run_name=f"model-{i}"):
        mlflow.log_param("C", c)
        mlflow.sklearn.log_model(LogisticRegression(C=c).fit(X, y), name="clf", registered_model_name="iris-classifier")
client.transition_model_version_stage("iris-classifier", 1, "Staging")
client.transition_model_version_stage("iris-classifier", 2, "Production")
client.set_registered_model_alias("iris-classifier", "champion", 2)
client.set_registered_model_tag("iris-classifier", "owner", "alice")
client.update_registered_model("iris-classifier", description="Production iris classifier.\nMulti-line.")
client.set_model_version_tag("iris-classifier", 1, "validated", "false")
# A third version, deleted: MLflow keeps its row as Deleted_Internal.
client.create_model_version("iris-classifier", client.get_model_version("iris-classifier", 1).source)
client.delete_model_version("iris-classifier", 3)

gone = client.create_experiment("to be deleted")
r = client.create_run(gone, run_name="in the bin")
client.log_metric(r.info.run_id, "x", 1.0)
client.set_terminated(r.info.run_id)
client.delete_experiment(gone)
print("generated", backend, target)
