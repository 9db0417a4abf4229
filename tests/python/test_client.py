"""The official MLflow client (3.17.2) logs into `runlens serve` and reads back exactly what it logged."""

import math

import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException


@pytest.fixture(autouse=True)
def tracking(server):
    mlflow.set_tracking_uri(server)
    yield
    mlflow.set_tracking_uri(None)


def history(client, run_id, key):
    return [(m.step, m.value) for m in sorted(client.get_metric_history(run_id, key), key=lambda m: (m.step, m.timestamp))]


def test_fluent_session_reads_back_exactly(server):
    exp_id = mlflow.set_experiment("fluent session").experiment_id
    params = {"lr": 0.01, "optimizer": "adam", "layers": 3, "name/with/slash": "x y"}
    losses = [1.0 / (s + 1) for s in range(50)]
    with mlflow.start_run(run_name="parent") as parent:
        mlflow.log_params(params)
        for step, loss in enumerate(losses):
            mlflow.log_metrics({"loss": loss, "acc": 1 - loss}, step=step)
        mlflow.set_tags({"team": "vision", "stage": "sweep"})
        children = []
        for depth in (2, 3):
            with mlflow.start_run(run_name=f"child-{depth}", nested=True) as child:
                mlflow.log_param("depth", depth)
                mlflow.log_metric("score", depth * 0.1, step=0)
                mlflow.log_metric("score", float("nan"), step=1)
                mlflow.log_metric("score", float("inf"), step=2)
                mlflow.log_metric("score", -0.0, step=3)
                children.append(child.info.run_id)

    client = MlflowClient()
    run = client.get_run(parent.info.run_id)
    assert run.info.experiment_id == exp_id
    assert run.info.run_name == "parent"
    assert run.info.status == "FINISHED"
    assert run.info.end_time is not None and run.info.end_time >= run.info.start_time
    assert run.data.params == {k: str(v) for k, v in params.items()}
    assert run.data.metrics == {"loss": losses[-1], "acc": 1 - losses[-1]}
    assert run.data.tags["team"] == "vision" and run.data.tags["stage"] == "sweep"
    assert run.data.tags["mlflow.runName"] == "parent"
    assert history(client, run.info.run_id, "loss") == list(enumerate(losses))
    assert history(client, run.info.run_id, "acc") == [(s, 1 - l) for s, l in enumerate(losses)]

    for depth, child_id in zip((2, 3), children):
        child = client.get_run(child_id)
        assert child.data.tags["mlflow.parentRunId"] == parent.info.run_id
        assert child.data.params == {"depth": str(depth)}
        points = history(client, child_id, "score")
        assert [s for s, _ in points] == [0, 1, 2, 3]
        assert points[0][1] == depth * 0.1
        assert math.isnan(points[1][1])
        assert points[2][1] == math.inf
        assert points[3][1] == 0.0 and math.copysign(1, points[3][1]) == -1.0

    found = mlflow.search_runs([exp_id], filter_string="tags.`mlflow.parentRunId` IS NOT NULL", output_format="list")
    assert sorted(r.info.run_id for r in found) == sorted(children)
    found = mlflow.search_runs([exp_id], filter_string="metrics.loss < 1 and params.optimizer = 'adam'", output_format="list")
    assert [r.info.run_id for r in found] == [parent.info.run_id]
    ordered = client.search_runs([exp_id], order_by=["params.depth DESC"], max_results=2)
    assert [r.data.params.get("depth") for r in ordered] == ["3", "2"]
    assert ordered.token
    rest = client.search_runs([exp_id], order_by=["params.depth DESC"], max_results=2, page_token=ordered.token)
    assert [r.info.run_id for r in rest] == [parent.info.run_id]


def test_a_run_that_raises_is_failed(server):
    mlflow.set_experiment("failures")
    with pytest.raises(RuntimeError):
        with mlflow.start_run(run_name="boom") as run:
            mlflow.log_metric("before", 1.0)
            raise RuntimeError("training diverged")
    got = MlflowClient().get_run(run.info.run_id)
    assert got.info.status == "FAILED"
    assert got.data.metrics == {"before": 1.0}


def test_errors_are_mlflow_errors(server):
    client = MlflowClient()
    with pytest.raises(MlflowException) as e:
        client.get_run("doesnotexist")
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    client.create_experiment("dup")
    with pytest.raises(MlflowException) as e:
        client.create_experiment("dup")
    assert e.value.error_code == "RESOURCE_ALREADY_EXISTS"
    run = client.create_run(client.get_experiment_by_name("dup").experiment_id)
    client.log_param(run.info.run_id, "p", "1")
    with pytest.raises(MlflowException) as e:
        client.log_param(run.info.run_id, "p", "2")
    assert e.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as e:
        client.search_runs([run.info.experiment_id], filter_string="metrics.a > 1 or metrics.b < 1")
    assert "Invalid clause(s) in filter string: 'or'" in str(e.value)


def test_experiment_lifecycle(server):
    client = MlflowClient()
    exp_id = client.create_experiment("to rename", tags={"owner": "alice"})
    client.rename_experiment(exp_id, "renamed")
    client.set_experiment_tag(exp_id, "priority", "high")
    exp = client.get_experiment_by_name("renamed")
    assert exp.experiment_id == exp_id
    assert exp.tags == {"owner": "alice", "priority": "high"}
    client.delete_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "deleted"
    names = [e.name for e in client.search_experiments(view_type=mlflow.entities.ViewType.DELETED_ONLY)]
    assert "renamed" in names
    client.restore_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "active"
