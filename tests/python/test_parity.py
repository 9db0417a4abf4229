"""One client session, run against MLflow's own server and against Runlens: every observable
fact must be the same. Ids and clocks differ by nature, so each answer is normalised (run ids
become run names, model ids become model names, times are dropped) before comparing."""

import os
import math
import re

import mlflow
import numpy as np
import pytest
import requests
from mlflow import MlflowClient
from mlflow.entities import ViewType
from mlflow.exceptions import MlflowException


pytest.importorskip("sklearn")
from sklearn.linear_model import LogisticRegression  # noqa: E402


def error_of(fn):
    try:
        fn()
    except MlflowException as e:
        return e.error_code
    return "no error"


def session(uri, workdir):
    """Everything a scientist's scripts do, returning what they can observe."""
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)
    facts = {}
    names = {}  # run id -> run name, for normalising
    os.makedirs(workdir, exist_ok=True)

    # Experiments: create, tags, rename, delete and restore.
    exp_id = client.create_experiment("parity", tags={"team": "vision", "mlflow.note.content": "**notes**"})
    other = client.create_experiment("scratch")
    client.rename_experiment(other, "scratch-renamed")
    client.set_experiment_tag(other, "k", "v")
    client.delete_experiment(other)
    facts["deleted_experiments"] = sorted(e.name for e in client.search_experiments(view_type=ViewType.DELETED_ONLY))
    client.restore_experiment(other)
    facts["experiments"] = sorted((e.name, e.lifecycle_stage, tuple(sorted(e.tags.items()))) for e in client.search_experiments())
    facts["experiments_filtered"] = [e.name for e in client.search_experiments(filter_string="name LIKE 'par%'")]
    facts["experiments_ordered"] = [e.name for e in client.search_experiments(order_by=["name DESC"])]

    # Fluent runs: a sweep with nested children, one that raises.
    mlflow.set_experiment("parity")
    with mlflow.start_run(run_name="sweep") as parent:
        names[parent.info.run_id] = "sweep"
        mlflow.log_params({"model": "tree", "grid": "small"})
        for depth in range(1, 7):
            with mlflow.start_run(run_name=f"depth-{depth}", nested=True) as child:
                names[child.info.run_id] = f"depth-{depth}"
                mlflow.log_params({"max_depth": depth, "model": "tree" if depth % 2 else "forest"})
                for step in range(20):
                    mlflow.log_metrics({"rmse": 1.0 / depth + 0.01 * (20 - step), "train/loss": 2.0 / (step + 1)}, step=step)
                if depth == 3:
                    mlflow.log_metric("rmse", float("nan"), step=20)
                mlflow.set_tags({"family": "trees" if depth < 4 else "Forests", "depth_tag": str(depth)})
    try:
        with mlflow.start_run(run_name="crash") as crash:
            names[crash.info.run_id] = "crash"
            mlflow.log_metric("rmse", 5.0)
            raise ValueError("diverged")
    except ValueError:
        pass

    # Artifacts of every kind.
    with mlflow.start_run(run_name="artifacts") as art:
        names[art.info.run_id] = "artifacts"
        mlflow.log_text("plain text\n", "notes/read me.txt")
        mlflow.log_dict({"lr": 0.1, "layers": [1, 2]}, "config/params.json")
        mlflow.log_dict({"lr": 0.1}, "config/params.yaml")
        blob = os.path.join(workdir, "blob.bin")
        with open(blob, "wb") as f:
            f.write(bytes(range(256)) * (3 * 1024 * 1024 // 256))
        mlflow.log_artifact(blob, "blobs")
        folder = os.path.join(workdir, "folder")
        os.makedirs(os.path.join(folder, "sub dir"), exist_ok=True)
        for name in ("a.txt", "sub dir/résumé #1.md", "sub dir/x+y.csv"):
            with open(os.path.join(folder, name), "w") as f:
                f.write(name)
        mlflow.log_artifacts(folder, "folder")
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots()
        ax.plot([1, 2, 3])
        mlflow.log_figure(fig, "plots/line.png")
        mlflow.log_image(np.zeros((8, 8, 3), dtype=np.uint8), "images/black.png")

        def tree(path=None):
            out = []
            for f in client.list_artifacts(art.info.run_id, path):
                out.append((f.path, f.is_dir, None if f.is_dir else f.file_size))
                if f.is_dir:
                    out.extend(tree(f.path))
            return out

        facts["artifact_tree"] = sorted(tree())
        down = client.download_artifacts(art.info.run_id, "folder", workdir)
        facts["downloaded"] = sorted(
            (os.path.relpath(os.path.join(d, f), down), open(os.path.join(d, f), "rb").read().decode("utf-8", "replace"))
            for d, _, fs in os.walk(down) for f in fs
        )
        blob_back = client.download_artifacts(art.info.run_id, "blobs/blob.bin", workdir)
        facts["blob_equal"] = open(blob_back, "rb").read() == open(blob, "rb").read()
        facts["dict_back"] = mlflow.artifacts.load_dict(f"runs:/{art.info.run_id}/config/params.json")

    # A logged model, registered; stages with archiving, aliases, loading.
    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.9, 0.1]])
    y = np.array([0, 1, 0, 1])
    for i, c in enumerate((0.5, 1.0, 2.0)):
        with mlflow.start_run(run_name=f"model-{i}") as mr:
            names[mr.info.run_id] = f"model-{i}"
            mlflow.log_param("C", c)
            mlflow.sklearn.log_model(LogisticRegression(C=c).fit(X, y), name="clf", registered_model_name="parity-model", input_example=X[:1])
    client.transition_model_version_stage("parity-model", 1, "Staging")
    client.transition_model_version_stage("parity-model", 2, "Staging", archive_existing_versions=True)
    client.transition_model_version_stage("parity-model", 3, "Production")
    client.set_registered_model_alias("parity-model", "champion", 3)
    client.set_registered_model_alias("parity-model", "challenger", 2)
    client.set_registered_model_alias("parity-model", "challenger", 1)
    client.update_model_version("parity-model", 1, description="first")
    client.set_model_version_tag("parity-model", 1, "validated", "true")
    client.update_registered_model("parity-model", description="the model")
    client.set_registered_model_tag("parity-model", "task", "clf")

    def version_facts(v):
        return (v.version, v.current_stage, v.description or "", tuple(sorted(v.aliases)), tuple(sorted(v.tags.items())),
                names.get(v.run_id, v.run_id), v.status, v.source.startswith("models:/m-"))

    facts["versions"] = sorted(version_facts(v) for v in client.search_model_versions("name='parity-model'"))
    facts["latest"] = sorted(version_facts(v) for v in client.get_latest_versions("parity-model"))
    facts["latest_production"] = [v.version for v in client.get_latest_versions("parity-model", stages=["Production"])]
    facts["by_alias"] = version_facts(client.get_model_version_by_alias("parity-model", "challenger"))
    rm = client.get_registered_model("parity-model")
    facts["registered"] = (rm.name, rm.description, tuple(sorted(rm.tags.items())), tuple(sorted(rm.aliases.items())))
    facts["predict_alias"] = mlflow.pyfunc.load_model("models:/parity-model@champion").predict(X).tolist()
    facts["predict_stage"] = mlflow.pyfunc.load_model("models:/parity-model/Production").predict(X).tolist()
    facts["predict_version"] = mlflow.pyfunc.load_model("models:/parity-model/1").predict(X).tolist()
    client.rename_registered_model("parity-model", "parity-renamed")
    facts["renamed"] = [m.name for m in client.search_registered_models()]
    facts["renamed_versions"] = sorted(v.version for v in client.search_model_versions("name='parity-renamed'"))
    facts["logged_models"] = sorted((m.name, m.status.to_proto() if hasattr(m.status, "to_proto") else str(m.status), names.get(m.source_run_id))
                                    for m in mlflow.search_logged_models(experiment_ids=[exp_id], output_format="list"))

    # Reading runs back.
    runs = {names[r.info.run_id]: r for r in client.search_runs([exp_id], max_results=1000)}
    facts["runs"] = sorted(
        (n, r.info.status, r.info.run_name, tuple(sorted(r.data.params.items())),
         tuple(sorted((k, "nan" if math.isnan(v) else v) for k, v in r.data.metrics.items())),
         tuple(sorted((k, v) for k, v in r.data.tags.items() if k not in ("mlflow.parentRunId", "mlflow.source.name", "mlflow.log-model.history"))),
         names.get(r.data.tags.get("mlflow.parentRunId")))
        for n, r in runs.items()
    )
    facts["history"] = [(m.step, round(m.value, 12)) for m in client.get_metric_history(runs["depth-2"].info.run_id, "train/loss")]
    facts["history_nan"] = [(m.step, "nan" if math.isnan(m.value) else m.value) for m in client.get_metric_history(runs["depth-3"].info.run_id, "rmse")][-2:]

    # A dozen filters and order_bys, and paging by 4.
    queries = [
        ("metrics.rmse < 1 and params.model = 'tree'", None),
        ("params.max_depth = '3'", None),
        ("params.model != 'tree'", None),
        ("tags.family ILIKE 'forest%'", None),
        ("tags.family LIKE 'Forest%'", None),
        ("tags.`mlflow.parentRunId` IS NOT NULL", ["metrics.rmse ASC"]),
        ("params.max_depth IS NULL", ["attributes.run_name ASC"]),
        ("attributes.status = 'FAILED'", None),
        ("run_name LIKE 'depth-%'", ["params.max_depth DESC"]),
        ("metrics.`train/loss` <= 0.2", ["metrics.rmse DESC"]),
        ("metrics.rmse >= 0.3 AND metrics.rmse <= 0.6", None),
        ("", ["metrics.rmse DESC", "run_name ASC"]),
        ("", ["tags.depth_tag DESC"]),
        ("attributes.run_id IN ('%s', '%s')" % (runs["depth-1"].info.run_id, runs["crash"].info.run_id), ["run_name"]),
    ]
    for flt, order in queries:
        found = client.search_runs([exp_id], filter_string=flt, order_by=order, max_results=1000)
        key = (flt.replace(runs["depth-1"].info.run_id, "<d1>").replace(runs["crash"].info.run_id, "<crash>"), tuple(order or ()))
        if order:
            facts[f"search {key}"] = [names[r.info.run_id] for r in found]
        else:
            facts[f"search {key}"] = sorted(names[r.info.run_id] for r in found)
    pages, token = [], None
    while True:
        page = client.search_runs([exp_id], order_by=["run_name ASC"], max_results=4, page_token=token)
        pages.append([names[r.info.run_id] for r in page])
        token = page.token
        if not token:
            break
    facts["pages"] = pages

    # Deleting and restoring runs.
    client.delete_run(runs["crash"].info.run_id)
    facts["after_delete"] = sorted(names[r.info.run_id] for r in client.search_runs([exp_id], run_view_type=ViewType.DELETED_ONLY))
    client.restore_run(runs["crash"].info.run_id)
    facts["after_restore"] = len(client.search_runs([exp_id], max_results=1000))

    # Errors for the same mistakes.
    facts["errors"] = {
        "unknown run": error_of(lambda: client.get_run("0" * 32)),
        "unknown experiment": error_of(lambda: client.get_experiment("987654")),
        "duplicate experiment": error_of(lambda: client.create_experiment("parity")),
        "duplicate model": error_of(lambda: client.create_registered_model("parity-renamed")),
        "unknown model": error_of(lambda: client.get_registered_model("nope")),
        "unknown version": error_of(lambda: client.get_model_version("parity-renamed", 99)),
        "unknown alias": error_of(lambda: client.get_model_version_by_alias("parity-renamed", "nope")),
        "param change": error_of(lambda: client.log_param(runs["depth-1"].info.run_id, "max_depth", "99")),
        "or filter": error_of(lambda: client.search_runs([exp_id], "metrics.a > 1 or metrics.b < 1")),
        "unquoted param": error_of(lambda: client.search_runs([exp_id], "params.max_depth = 3")),
        "quoted metric": error_of(lambda: client.search_runs([exp_id], "metrics.rmse > '1'")),
        "bad comparator": error_of(lambda: client.search_runs([exp_id], "metrics.rmse >< 1")),
        "bad order": error_of(lambda: client.search_runs([exp_id], order_by=["metrics.rmse DESCENDING"])),
        "bad stage": error_of(lambda: client.transition_model_version_stage("parity-renamed", 1, "Prod")),
    }
    messages = {}
    for label, fn in [
        ("or filter", lambda: client.search_runs([exp_id], "metrics.a > 1 or metrics.b < 1")),
        ("unquoted param", lambda: client.search_runs([exp_id], "params.max_depth = 3")),
        ("quoted metric", lambda: client.search_runs([exp_id], "metrics.rmse > '1'")),
        ("param change", lambda: client.log_param(runs["depth-1"].info.run_id, "max_depth", "99")),
        ("unknown run", lambda: client.get_run("0" * 32)),
    ]:
        try:
            fn()
        except MlflowException as e:
            messages[label] = re.sub(r"[0-9a-f]{32}", "<id>", e.message)
    facts["error_messages"] = messages
    mlflow.set_tracking_uri(None)
    return facts


def test_runlens_answers_like_mlflow(server, mlflow_server, tmp_path):
    expected = session(mlflow_server, str(tmp_path / "ref"))
    got = session(server, str(tmp_path / "runlens"))
    assert set(got) == set(expected)
    mismatches = {k: (expected[k], got[k]) for k in expected if expected[k] != got[k]}
    assert not mismatches, "\n".join(f"{k}:\n  mlflow:  {e!r}\n  runlens: {g!r}" for k, (e, g) in mismatches.items())
