"""The registry board over a registry MLflow wrote: a FileStore and an mlflow.db are generated
with the official client and imported; the board shows them; moves made the way the board makes
them are seen by the client, moves made by the client are seen on the board, and both are in
the history."""

import os
import time

import pytest
import requests
from mlflow import MlflowClient

from test_import import generate, run_import, serve

MODEL = "iris-classifier"


def op(url, endpoint, **args):
    resp = requests.post(f"{url}/api/2.0/{endpoint}", json=args, timeout=30)
    assert resp.ok, (endpoint, resp.status_code, resp.text)
    return resp.json()


def cards(url, **args):
    board = op(url, "runlens/registered-models/board", name=MODEL, **args)
    return {c["version"]: (c["stage"], sorted(c["aliases"])) for c in board["versions"]}


@pytest.mark.parametrize("backend", ["file", "sqlite"])
def test_an_imported_registry_is_a_board_the_client_and_history_agree_with(backend, tmp_path):
    source = str(tmp_path / "mlflow")
    generate(backend, source)
    data = str(tmp_path / "store")
    done = run_import(data, os.path.join(source, "mlruns" if backend == "file" else "mlflow.db"))
    assert done.returncode == 0, done.stdout + done.stderr
    proc, url = serve(data)
    try:
        client = MlflowClient(url, url)
        assert cards(url) == {"2": ("Production", ["champion"]), "1": ("Staging", [])}
        board = op(url, "runlens/registered-models/board", name=MODEL)
        assert {c["run_name"] for c in board["versions"]} == {"model-0", "model-1"}

        # The version page reads the logged model's files where the import left them.
        page = op(url, "runlens/model-versions/details", name=MODEL, version="2")
        assert {"sklearn", "python_function"} <= {f["name"] for f in page["mlmodel"]["flavors"]}
        assert "MLmodel" in [f["path"] for f in page["files"]]
        assert any(r.startswith("scikit-learn") for r in page["requirements"]), page["requirements"]
        assert page["run"]["params"] == [{"key": "C", "value": "2.0"}]

        before = int(time.time() * 1000)
        time.sleep(0.01)
        # What the board's drag does (with "archive the versions in Production")...
        op(url, "mlflow/model-versions/transition-stage", name=MODEL, version="1", stage="Production", archive_existing_versions=True)
        # ...the client sees.
        assert [v.version for v in client.get_latest_versions(MODEL, ["Production"])] == ["1"]
        assert client.get_model_version(MODEL, "2").current_stage == "Archived"
        assert {v.version: v.current_stage for v in client.search_model_versions(f"name='{MODEL}'")} == {"1": "Production", "2": "Archived"}

        # What the client does, the board shows.
        client.set_registered_model_alias(MODEL, "champion", "1")
        client.set_registered_model_alias(MODEL, "challenger", "2")
        assert client.get_model_version_by_alias(MODEL, "champion").version == "1"
        assert cards(url) == {"1": ("Production", ["champion"]), "2": ("Archived", ["challenger"])}

        # Both are in the history; the board before them is the imported one.
        events = op(url, "runlens/registered-models/history", name=MODEL)["events"]
        assert [(e["kind"], e.get("version"), e.get("old_value"), e.get("new_value")) for e in events] == [
            ("version_deleted", "3", None, None),
            ("stage", "2", "Production", "Archived"),
            ("stage", "1", "Staging", "Production"),
            ("alias_set", "1", "champion@2", "champion"),
            ("alias_set", "2", None, "challenger"),
        ]
        assert cards(url, at=before) == {"2": ("Production", ["champion"]), "1": ("Staging", [])}

        # The version MLflow deleted is not on the board, and its number is not given again.
        source = page["model_version"]["source"]
        new = op(url, "mlflow/model-versions/create", name=MODEL, source=source, model_id=source.split("/")[-1])
        assert new["model_version"]["version"] == "4"
    finally:
        proc.terminate()
        proc.wait()
