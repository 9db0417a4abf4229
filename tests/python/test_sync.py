"""Sync with MLflow's own server (`mlflow server`, SQLite backend, artifact proxy) started on
loopback: filled through the official client, pulled into Runlens and compared fact by fact
through MlflowClient reading `runlens serve`; runs logged into Runlens are pushed and read
back from the server; pulling and pushing again duplicates nothing; a pull killed halfway and
run again ends complete; bad servers give clear errors."""

import http.server
import os
import re
import signal
import subprocess
import tempfile
import threading
import time

import mlflow
import numpy as np
import pytest
import requests
from mlflow import MlflowClient
from mlflow.entities import ViewType

from conftest import integrity, runlens_bin, start_mlflow_server
from test_import import serve, snapshot

pytest.importorskip("sklearn")
from sklearn.linear_model import LogisticRegression  # noqa: E402

ENV = dict(os.environ, MLFLOW_DISABLE_TELEMETRY="true", RUNLENS_SYNC_BACKOFF_MS="20")


def sync(data, *args, timeout=600):
    return subprocess.run([runlens_bin(), "--data-dir", data, "sync", *args], capture_output=True, text=True, timeout=timeout, env=ENV)


def counts(stdout):
    """The summary line's numbers by name."""
    return {name: int(n) for n, name in re.findall(r"(\d+) ([a-z][a-z ]*?)(?=,|\.| \()", stdout)}


def fill(url, workdir):
    """A team's server: two experiments, runs with histories, datasets, artifacts, a deleted
    run, a logged and registered model with a stage and an alias."""
    mlflow.set_tracking_uri(url)
    client = MlflowClient(url)
    mlflow.set_experiment("team-vision")
    ids = []
    for i in range(3):
        with mlflow.start_run(run_name=f"resnet-{i}") as run:
            ids.append(run.info.run_id)
            mlflow.log_params({"lr": 0.1 * (i + 1), "depth": 18 + i})
            mlflow.set_tags({"owner": "ann", "stage": "sweep"})
            for step in range(300):
                mlflow.log_metrics({"loss": 1.0 / (step + 1 + i), "acc": step / 300}, step=step)
            mlflow.log_metric("weird", float("nan"), step=1)
            mlflow.log_text(f"notes for {i}\n", "notes/read me.txt")
            mlflow.log_dict({"i": i}, "config/params.json")
            mlflow.log_input(mlflow.data.from_numpy(np.arange(6.0).reshape(3, 2), name="train"), context="training")
    deleted = client.create_run(mlflow.get_experiment_by_name("team-vision").experiment_id, run_name="abandoned")
    client.delete_run(deleted.info.run_id)
    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.9, 0.1]])
    y = np.array([0, 1, 0, 1])
    with mlflow.start_run(run_name="trained"):
        mlflow.sklearn.log_model(LogisticRegression().fit(X, y), name="clf", registered_model_name="team-clf")
    client.transition_model_version_stage("team-clf", 1, "Staging")
    client.set_registered_model_alias("team-clf", "candidate", 1)
    mlflow.set_experiment("team-nlp")
    with mlflow.start_run(run_name="bert"):
        mlflow.log_metric("f1", 0.7)
    mlflow.set_tracking_uri(None)
    return ids


@pytest.fixture(scope="module")
def team():
    root = tempfile.mkdtemp(prefix="mlflow-team-")
    url, proc = start_mlflow_server(root)
    ids = fill(url, tempfile.mkdtemp())
    yield url, ids
    proc.terminate()
    proc.wait(timeout=20)


def test_pull_copies_every_fact_then_only_what_changed(team, tmp_path):
    url, ids = team
    data = str(tmp_path / "laptop")
    done = sync(data, "pull", "--from", url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "team-vision" in done.stderr  # progress
    first = counts(done.stdout)
    assert (first["experiments"], first["new runs"], first["registered models"]) == (3, 6, 1), done.stdout
    expected = snapshot(MlflowClient(url))
    proc, local = serve(data)
    try:
        client = MlflowClient(local)
        assert snapshot(client) == expected
        # Artifacts were copied: read through Runlens with the official client.
        path = client.download_artifacts(ids[1], "notes/read me.txt", tempfile.mkdtemp())
        assert open(path).read() == "notes for 1\n"
        assert client.get_model_version_by_alias("team-clf", "candidate").current_stage == "Staging"
        # The logged model's files came too: the version page reads its MLmodel.
        page = requests.post(f"{local}/api/2.0/runlens/model-versions/details", json={"name": "team-clf", "version": "1"}, timeout=30).json()
        assert "MLmodel" in [f["path"] for f in page["files"]], page
        assert "sklearn" in [f["name"] for f in page["mlmodel"]["flavors"]]
        assert len(client.get_metric_history(ids[0], "loss")) == 300
    finally:
        proc.terminate()
        proc.wait()

    # Nothing changed: nothing is fetched again.
    again = sync(data, "pull", "--from", url)
    assert again.returncode == 0, again.stderr
    c = counts(again.stdout)
    assert (c["new runs"], c["updated"], c["metric points"], c["artifact files"]) == (0, 0, 0, 0), again.stdout

    # The team logs more: only that comes over.
    remote = MlflowClient(url)
    for step in range(300, 310):
        remote.log_metric(ids[2], "loss", 0.001, step=step)
    exp = remote.get_experiment_by_name("team-nlp").experiment_id
    fresh = remote.create_run(exp, run_name="roberta")
    remote.log_metric(fresh.info.run_id, "f1", 0.8)
    remote.set_terminated(fresh.info.run_id)
    third = sync(data, "pull", "--from", url)
    c = counts(third.stdout)
    assert (c["new runs"], c["updated"], c["metric points"]) == (1, 1, 11), third.stdout
    proc, local = serve(data)
    try:
        assert snapshot(MlflowClient(local)) == snapshot(remote)
    finally:
        proc.terminate()
        proc.wait()


def test_push_sends_local_runs_once_and_then_only_new_points(team, tmp_path):
    url, _ = team
    data = str(tmp_path / "laptop")
    proc, local = serve(data)
    try:
        mlflow.set_tracking_uri(local)
        mlflow.set_experiment("laptop-experiments")
        with mlflow.start_run(run_name="on the train") as run:
            mlflow.log_params({"batch": 32, "opt": "adam"})
            mlflow.set_tag("where", "train")
            for step in range(2500):  # more than one log-batch of 1,000
                mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
            mlflow.log_metric("odd", float("inf"), step=0)
            mlflow.log_text("from the laptop\n", "report/summary.txt")
        local_id = run.info.run_id
        mlflow.set_tracking_uri(None)
    finally:
        proc.terminate()
        proc.wait()

    done = sync(data, "push", "--to", url, "--experiment", "laptop-experiments")
    assert done.returncode == 0, done.stdout + done.stderr
    c = counts(done.stdout)
    assert (c["new runs"], c["metric points"], c["artifact files"]) == (1, 2501, 1), done.stdout
    remote = MlflowClient(url)
    exp = remote.get_experiment_by_name("laptop-experiments")
    pushed = remote.search_runs([exp.experiment_id])
    assert len(pushed) == 1
    r = pushed[0]
    assert r.info.run_name == "on the train" and r.info.status == "FINISHED"
    assert r.data.params == {"batch": "32", "opt": "adam"}
    assert r.data.tags["where"] == "train" and r.data.tags["runlens.source_run_id"] == local_id
    history = sorted((m.step, m.value) for m in remote.get_metric_history(r.info.run_id, "loss"))
    assert history == [(s, 1.0 / (s + 1)) for s in range(2500)]
    path = remote.download_artifacts(r.info.run_id, "report/summary.txt", tempfile.mkdtemp())
    assert open(path).read() == "from the laptop\n"

    # Again: nothing is sent, nothing is doubled.
    again = sync(data, "push", "--to", url, "--experiment", "laptop-experiments")
    c = counts(again.stdout)
    assert (c["new runs"], c["updated"], c["metric points"]) == (0, 0, 0), again.stdout
    assert len(remote.search_runs([exp.experiment_id])) == 1

    # More points here: only those go.
    proc, local = serve(data)
    try:
        client = MlflowClient(local)
        for step in range(2500, 2505):
            client.log_metric(local_id, "loss", 0.0001, step=step)
    finally:
        proc.terminate()
        proc.wait()
    third = sync(data, "push", "--to", url)
    c = counts(third.stdout)
    assert (c["new runs"], c["updated"], c["metric points"]) == (0, 1, 5), third.stdout
    assert len(remote.get_metric_history(r.info.run_id, "loss")) == 2505
    assert len(remote.search_runs([exp.experiment_id], run_view_type=ViewType.ALL)) == 1

    # Pulling from the server the runs pushed from here does not bring them back twice.
    pulled = sync(data, "pull", "--from", url, "--experiment", "laptop-experiments")
    assert pulled.returncode == 0, pulled.stderr
    assert counts(pulled.stdout)["new runs"] == 0, pulled.stdout


def test_a_pull_killed_halfway_then_run_again_is_complete(tmp_path):
    root = str(tmp_path / "server")
    os.makedirs(root)
    url, server = start_mlflow_server(root)
    try:
        client = MlflowClient(url)
        exp = client.create_experiment("many")
        for i in range(40):
            run = client.create_run(exp, run_name=f"r{i}")
            client.log_batch(run.info.run_id, metrics=[mlflow.entities.Metric("m", float(s), 0, s) for s in range(200)])
            f = tmp_path / f"a{i}.txt"
            f.write_text(f"artifact {i}\n")
            client.log_artifact(run.info.run_id, str(f))
            client.set_terminated(run.info.run_id)
        data = str(tmp_path / "laptop")
        proc = subprocess.Popen([runlens_bin(), "--data-dir", data, "sync", "pull", "--from", url],
                                stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=ENV)
        killed_at = None
        for line in proc.stderr:
            m = re.search(r"many: runs (\d+)/40", line)
            if m and 0 < int(m.group(1)) < 40:
                proc.send_signal(signal.SIGKILL)
                killed_at = int(m.group(1))
                break
        proc.wait()
        assert killed_at is not None, "the pull finished before it could be killed"
        assert integrity(data) == "ok"
        done = sync(data, "pull", "--from", url)
        assert done.returncode == 0, done.stdout + done.stderr
        assert counts(done.stdout)["new runs"] + counts(done.stdout)["updated"] >= 40 - killed_at - 1
        lproc, local = serve(data)
        try:
            assert snapshot(MlflowClient(local)) == snapshot(client)
            lc = MlflowClient(local)
            for r in lc.search_runs([exp]):
                assert len(lc.get_metric_history(r.info.run_id, "m")) == 200
                assert [a.path for a in lc.list_artifacts(r.info.run_id)] == [f"a{r.info.run_name[1:]}.txt"]
        finally:
            lproc.terminate()
            lproc.wait()
    finally:
        server.terminate()
        server.wait(timeout=20)


class Fake(http.server.BaseHTTPRequestHandler):
    """A server that answers every request the same way, and remembers the headers."""

    status, body, seen = 200, b"{}", []

    def do_GET(self):
        self.answer()

    def do_POST(self):
        self.answer()

    def answer(self):
        Fake.seen.append(self.headers.get("Authorization"))
        self.send_response(Fake.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(Fake.body)

    def log_message(self, *args):
        pass


def test_bad_servers_give_clear_errors_and_change_nothing(tmp_path):
    data = str(tmp_path / "laptop")
    # Unreachable.
    from conftest import free_port
    done = sync(data, "pull", "--from", f"http://127.0.0.1:{free_port()}")
    assert done.returncode == 1
    assert "POST /api/2.0/mlflow/experiments/search" in done.stderr and "attempts" in done.stderr, done.stderr
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Fake)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    fake = f"http://127.0.0.1:{srv.server_address[1]}"
    try:
        # Refused credentials, with the token sent as the MLflow client sends it.
        Fake.status, Fake.body, Fake.seen = 401, b'{"error_code": "UNAUTHENTICATED"}', []
        env = dict(ENV, MLFLOW_TRACKING_TOKEN="s3cret")
        done = subprocess.run([runlens_bin(), "--data-dir", data, "sync", "pull", "--from", fake], capture_output=True, text=True, env=env)
        assert done.returncode == 1 and "401" in done.stderr and "MLFLOW_TRACKING_TOKEN" in done.stderr, done.stderr
        assert Fake.seen == ["Bearer s3cret"]
        # A malformed answer names its endpoint.
        Fake.status, Fake.body = 200, b"<html>not mlflow</html>"
        done = sync(data, "pull", "--from", fake)
        assert done.returncode == 1 and "POST /api/2.0/mlflow/experiments/search" in done.stderr and "malformed" in done.stderr, done.stderr
        # A server that keeps failing is retried, then reported.
        Fake.status, Fake.body, Fake.seen = 503, b"busy", []
        done = sync(data, "push", "--to", fake)
        assert len(Fake.seen) in (0, 5), Fake.seen  # nothing to push, or five attempts
        # An experiment that is not there.
        Fake.status, Fake.body = 200, b'{"experiments": [{"experiment_id": "0", "name": "Default"}]}'
        done = sync(data, "pull", "--from", fake, "--experiment", "nope")
        assert done.returncode == 1 and "no experiment named or numbered 'nope'" in done.stderr, done.stderr
    finally:
        srv.shutdown()
    # The store was left as it was: just the Default experiment.
    proc, local = serve(data)
    try:
        assert [e.name for e in MlflowClient(local).search_experiments(view_type=ViewType.ALL)] == ["Default"]
    finally:
        proc.terminate()
        proc.wait()


def call(base, op, **args):
    resp = requests.post(f"{base}/api/2.0/{op}", json=args, timeout=60)
    assert resp.ok, (op, resp.status_code, resp.text)
    return resp.json()


def test_the_app_syncs_through_its_api_with_progress(team, tmp_path):
    url, ids = team
    data = str(tmp_path / "app")
    proc, local = serve(data)
    try:
        saved = call(local, "runlens/remotes/save", url=url + "/", auth="token", secret="not-needed")
        assert saved["url"] == url and saved["secret"] in ("keyring", "session")
        remotes = call(local, "runlens/remotes/list")["remotes"]
        assert [(r["url"], r["auth"], r.get("secret")) for r in remotes] == [(url, "token", saved["secret"])]
        names = [e["name"] for e in call(local, "runlens/remotes/experiments", url=url)["experiments"]]
        assert "team-vision" in names

        job = call(local, "runlens/sync/start", url=url, direction="pull", experiments=["team-vision"])
        assert job["state"] == "running"
        deadline = time.time() + 120
        while job["state"] == "running" and time.time() < deadline:
            time.sleep(0.2)
            job = call(local, "runlens/sync/status", job_id=job["job_id"])
        assert job["state"] == "done", job
        assert job["report"]["runs_new"] == 5 and job["progress"]["total"] == 5, job
        assert [j["job_id"] for j in call(local, "runlens/sync/jobs")["jobs"]] == [job["job_id"]]

        syncs = call(local, "runlens/experiments/sync-state")["experiments"]
        assert [(s["url"], "last_pull" in s) for s in syncs] == [(url, True)]
        exp = syncs[0]["experiment_id"]
        state = call(local, "runlens/runs/sync-state", run_id=ids[0])
        assert (state["origin"], state["url"], state["direction"], state["complete"]) == ("pulled", url, "pull", True)
        rows = call(local, "runlens/runs/table", experiment_ids=[exp], columns=[])["rows"]
        assert rows and all(r["pulled"] for r in rows)

        # A second sync while one runs is refused; an unknown job is a 404.
        resp = requests.post(f"{local}/api/2.0/runlens/sync/status", json={"job_id": "999"}, timeout=10)
        assert resp.status_code == 404
        call(local, "runlens/remotes/remove", url=url)
        assert call(local, "runlens/remotes/list")["remotes"] == []
    finally:
        proc.terminate()
        proc.wait()


def test_a_run_changed_on_both_sides_is_a_reported_conflict_not_overwritten(team, tmp_path):
    url, ids = team
    data = str(tmp_path / "laptop")
    first = sync(data, "pull", "--from", url, "--experiment", "team-vision")
    assert first.returncode == 0, first.stdout + first.stderr
    # Changed here...
    proc, local = serve(data)
    try:
        MlflowClient(local).set_tag(ids[0], "verdict", "mine")
    finally:
        proc.terminate()
        proc.wait()
    # ...and on the server.
    remote = MlflowClient(url)
    remote.set_tag(ids[0], "verdict", "theirs")
    remote.set_tag(ids[1], "verdict", "theirs")  # changed on the server only: comes over
    done = sync(data, "pull", "--from", url, "--experiment", "team-vision")
    assert done.returncode == 3, done.stdout + done.stderr
    assert f"conflict: run {ids[0]}" in done.stderr and "changed here and on the server" in done.stderr, done.stderr
    c = counts(done.stdout)
    assert (c["updated"], c["conflicts"]) == (1, 1), done.stdout
    proc, local = serve(data)
    try:
        client = MlflowClient(local)
        assert client.get_run(ids[0]).data.tags["verdict"] == "mine"
        assert client.get_run(ids[1]).data.tags["verdict"] == "theirs"
    finally:
        proc.terminate()
        proc.wait()
