"""Importing what MLflow wrote: a FileStore and an mlflow.db are generated with the official
client, read by MLflow itself, moved, imported with `runlens import`, and read back through
`runlens serve` with MlflowClient: every fact must be equal. Also: a damaged corpus, and a
re-import that changes nothing."""

import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

import pytest
from mlflow import MlflowClient
from mlflow.entities import ViewType

from conftest import integrity, runlens_bin

HERE = os.path.dirname(os.path.abspath(__file__))


def generate(backend, target):
    subprocess.run([sys.executable, os.path.join(HERE, "gen_store.py"), backend, target], check=True, capture_output=True, text=True)


def snapshot(client):
    """Every fact a client can read, with run ids kept (imports keep MLflow's ids)."""
    facts = {}
    exps = client.search_experiments(view_type=ViewType.ALL)
    facts["experiments"] = sorted((e.experiment_id, e.name, e.lifecycle_stage, tuple(sorted(e.tags.items()))) for e in exps)
    for e in exps:
        for r in client.search_runs([e.experiment_id], run_view_type=ViewType.ALL, max_results=1000):
            i = r.info
            metrics = {}
            for key in r.data.metrics:
                metrics[key] = tuple((m.step, m.timestamp, "nan" if math.isnan(m.value) else m.value) for m in sorted(client.get_metric_history(i.run_id, key), key=lambda m: (m.step, m.timestamp, m.value)))
            facts[f"run {i.run_id}"] = (
                i.experiment_id, i.run_name, i.status, i.start_time, i.end_time, i.lifecycle_stage, i.user_id,
                tuple(sorted(r.data.params.items())), tuple(sorted(r.data.tags.items())),
                tuple(sorted((k, "nan" if math.isnan(v) else v) for k, v in r.data.metrics.items())),
                tuple(sorted(metrics.items())),
                tuple(sorted((d.dataset.name, d.dataset.digest) for d in r.inputs.dataset_inputs)),
                tuple(sorted(o.model_id for o in (r.outputs.model_outputs if r.outputs else []))),
            )
            facts[f"artifacts {i.run_id}"] = sorted((f.path, f.is_dir, f.file_size) for f in client.list_artifacts(i.run_id))
        for lm in client.search_logged_models(experiment_ids=[e.experiment_id]):
            facts[f"logged model {lm.model_id}"] = (
                lm.name, str(lm.status), lm.source_run_id, lm.experiment_id, tuple(sorted(lm.params.items())),
                tuple(sorted((k, v) for k, v in lm.tags.items())),
                tuple(sorted((m.key, m.step, m.value, m.run_id) for m in (lm.metrics or []))),
            )
    for m in client.search_registered_models():
        # Versions are strings over REST and ints from a local store: compare them as strings.
        facts[f"model {m.name}"] = (m.description, tuple(sorted(m.tags.items())), tuple(sorted((a, str(v)) for a, v in m.aliases.items())))
        for v in client.search_model_versions(f"name='{m.name}'"):
            facts[f"version {m.name}/{v.version}"] = (v.current_stage, v.description, v.source, v.run_id, v.status, tuple(sorted(v.tags.items())))
    return facts


def run_import(data, path, *extra):
    return subprocess.run([runlens_bin(), "--data-dir", data, "import", path, *extra], capture_output=True, text=True, timeout=300)


def serve(data):
    proc = subprocess.Popen([runlens_bin(), "--data-dir", data, "serve", "--port", "0"], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    return proc, "http://" + re.search(r"http://(\S+)", line).group(1)


@pytest.mark.parametrize("backend", ["file", "sqlite"])
def test_moved_store_imports_with_every_fact_equal(backend, tmp_path):
    original = str(tmp_path / "original")
    generate(backend, original)
    uri = f"file://{original}/mlruns" if backend == "file" else f"sqlite:///{original}/mlflow.db"
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    expected = snapshot(MlflowClient(uri, uri))
    # Moved, as when a folder is rsynced off a cluster: recorded absolute paths go stale.
    moved = str(tmp_path / "elsewhere" / "project")
    shutil.move(original, moved)
    data = str(tmp_path / "store")
    source = os.path.join(moved, "mlruns") if backend == "file" else os.path.join(moved, "mlflow.db")
    done = run_import(data, source)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "skipped" in done.stdout
    proc, url = serve(data)
    try:
        got = snapshot(MlflowClient(url, url))
        # Artifacts are read from the moved folder through Runlens.
        edge = next(k.split()[1] for k, v in got.items() if k.startswith("run ") and v[1] == "edge values")
        client = MlflowClient(url, url)
        path = client.download_artifacts(edge, "notes/read me.txt", tempfile.mkdtemp())
        assert open(path).read() == "hello\n"
    finally:
        proc.terminate()
        proc.wait()
    if backend == "sqlite":
        # MLflow's SQLite store gives ±inf back as ±DBL_MAX and -0.0 as 0.0; Runlens reads the
        # ±DBL_MAX it finds as the ±inf it stands for.
        def fix(v):
            if v == 1.7976931348623157e308:
                return math.inf
            if v == -1.7976931348623157e308:
                return -math.inf
            return v
        for k, v in expected.items():
            if k.startswith("run "):
                metrics = tuple((key, tuple((s, t, fix(x)) for s, t, x in pts)) for key, pts in v[10])
                latest = tuple((key, fix(x)) for key, x in v[9])
                expected[k] = v[:9] + (latest, metrics) + v[11:]
    assert set(got) == set(expected), (sorted(set(expected) - set(got)), sorted(set(got) - set(expected)))
    mismatches = {k: (expected[k], got[k]) for k in expected if expected[k] != got[k]}
    assert not mismatches, "\n".join(f"{k}:\n  mlflow:  {e!r}\n  runlens: {g!r}" for k, (e, g) in mismatches.items())
    # Importing the same source again adds nothing.
    again = run_import(data, source)
    assert again.returncode == 0, again.stderr
    assert " 0 new metric points" in again.stdout, again.stdout


def test_damaged_corpus_imports_the_rest_and_reports_each_skip(tmp_path):
    root = tmp_path / "mlruns"
    exp = root / "1"
    (exp / "tags").mkdir(parents=True)
    (exp / "meta.yaml").write_text("artifact_location: file:///nowhere\nexperiment_id: '1'\nlifecycle_stage: active\nname: damaged\ncreation_time: 1\nlast_update_time: 1\n")

    def run(run_id, meta=True, status=3):
        d = exp / run_id
        for sub in ("metrics", "params", "tags", "artifacts"):
            (d / sub).mkdir(parents=True)
        if meta:
            (d / "meta.yaml").write_text(f"run_id: {run_id}\nexperiment_id: '1'\nrun_name: {run_id[:4]}\nstatus: {status}\nstart_time: 10\nend_time: 20\nlifecycle_stage: active\nuser_id: u\nartifact_uri: file:///gone/{run_id}/artifacts\n")
        return d

    good = run("a" * 32)
    (good / "metrics" / "loss").write_text("1 0.5 0\n2 0.25 1\n")
    (good / "params" / "p").write_text("v")
    bad_lines = run("b" * 32)
    (bad_lines / "metrics" / "m").write_bytes(b"1 0.5 0\nnot a line\n\xff\xfe garbage\n3 1.5 2\n")
    (bad_lines / "metrics" / "empty").write_text("")
    os.mkfifo(bad_lines / "params" / "fifo")
    os.symlink("/etc/passwd", bad_lines / "tags" / "link")
    os.symlink(bad_lines / "params", bad_lines / "params" / "loop")
    no_meta = run("c" * 32, meta=False)
    bad_yaml = run("d" * 32, meta=False)
    (bad_yaml / "meta.yaml").write_text("run_id: [unclosed\n")
    bomb = run("e" * 32, meta=False)
    (bomb / "meta.yaml").write_text("a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n")
    (root / "stray.txt").write_text("not an experiment")
    dir_meta = run("9" * 32, meta=False)
    (dir_meta / "meta.yaml").mkdir()
    binary = run("f" * 32, meta=False)
    (binary / "meta.yaml").write_bytes(os.urandom(200))

    data = str(tmp_path / "store")
    done = run_import(data, str(root))
    assert done.returncode == 3, done.stdout + done.stderr
    err = done.stderr
    for needle in [
        f"run {'b' * 32}", "unreadable line", "fifo", "not opened", "symlink", "a folder where a file belongs",
        f"run {'c' * 32}", f"run {'d' * 32}", f"run {'e' * 32}", f"run {'f' * 32}", "stray.txt",
    ]:
        assert needle in err, f"{needle!r} not reported:\n{err}"
    proc, url = serve(data)
    try:
        client = MlflowClient(url, url)
        good_run = client.get_run("a" * 32)
        assert good_run.data.params == {"p": "v"}
        assert [m.value for m in client.get_metric_history("a" * 32, "loss")] == [0.5, 0.25]
        partial = client.get_metric_history("b" * 32, "m")
        assert [(m.step, m.value) for m in partial] == [(0, 0.5), (2, 1.5)]
    finally:
        proc.terminate()
        proc.wait()


def test_an_import_killed_midway_then_rerun_ends_exact(tmp_path):
    source = str(tmp_path / "src")
    generate("file", source)
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    uri = f"file://{source}/mlruns"
    expected = snapshot(MlflowClient(uri, uri))
    data = str(tmp_path / "store")
    for delay in (0.05, 0.2):
        proc = subprocess.Popen([runlens_bin(), "--data-dir", data, "import", os.path.join(source, "mlruns")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import time
        time.sleep(delay)
        proc.kill()
        proc.wait()
        assert integrity(data) == "ok"
    done = run_import(data, os.path.join(source, "mlruns"))
    assert done.returncode == 0, done.stdout + done.stderr
    proc, url = serve(data)
    try:
        got = snapshot(MlflowClient(url, url))
    finally:
        proc.terminate()
        proc.wait()
    assert got == expected


def test_watch_follows_a_training_script(tmp_path):
    import time

    root = str(tmp_path / "live" / "mlruns")
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    writer = MlflowClient(f"file://{root}")
    exp = writer.create_experiment("live")
    data = str(tmp_path / "store")
    watcher = subprocess.Popen([runlens_bin(), "--data-dir", data, "import", "--watch", root], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in watcher.stdout:
            if line.startswith("Watching"):
                break
        proc, url = serve(data)
        try:
            reader = MlflowClient(url, url)
            run = writer.create_run(exp, run_name="training")
            run_id = run.info.run_id
            for step in range(5):
                writer.log_metric(run_id, "loss", 1.0 / (step + 1), step=step)
                time.sleep(0.1)
            written = time.time()
            deadline = written + 10
            seen = []
            while time.time() < deadline:
                try:
                    seen = [m.value for m in reader.get_metric_history(run_id, "loss")]
                except Exception:
                    seen = []
                if len(seen) == 5:
                    break
                time.sleep(0.05)
            lag = time.time() - written
            assert seen == [1.0, 0.5, 1 / 3, 0.25, 0.2], seen
            assert lag < 5, f"the last point took {lag:.2f} s to arrive"
            writer.set_terminated(run_id)
            deadline = time.time() + 10
            while time.time() < deadline and reader.get_run(run_id).info.status != "FINISHED":
                time.sleep(0.05)
            assert reader.get_run(run_id).info.status == "FINISHED"
            assert reader.get_run(run_id).info.run_name == "training"
        finally:
            proc.terminate()
            proc.wait()
    finally:
        watcher.terminate()
        watcher.wait(timeout=10)


def test_copy_keeps_artifacts_after_the_source_is_gone(tmp_path):
    root = tmp_path / "mlruns"
    run = root / "5" / ("9" * 32)
    for sub in ("metrics", "params", "tags", "artifacts/sub dir"):
        (run / sub).mkdir(parents=True)
    (root / "5" / "meta.yaml").write_text("experiment_id: '5'\nlifecycle_stage: active\nname: copied\ncreation_time: 1\nlast_update_time: 1\n")
    (run / "meta.yaml").write_text(f"run_id: '{'9' * 32}'\nexperiment_id: '5'\nrun_name: c\nstatus: 3\nstart_time: 1\nlifecycle_stage: active\n")
    (run / "artifacts" / "sub dir" / "résumé.txt").write_text("kept")
    os.symlink("/etc/passwd", run / "artifacts" / "outside")
    data = str(tmp_path / "store")
    done = run_import(data, str(root), "--copy")
    # The symlink is not copied, and says so.
    assert done.returncode == 3 and "outside" in done.stderr, done.stdout + done.stderr
    assert "1 artifact files copied" in done.stdout, done.stdout
    shutil.rmtree(root)
    proc, url = serve(data)
    try:
        client = MlflowClient(url, url)
        path = client.download_artifacts("9" * 32, "sub dir/résumé.txt", tempfile.mkdtemp())
        assert open(path).read() == "kept"
        assert [f.path for f in client.list_artifacts("9" * 32)] == ["sub dir"]
    finally:
        proc.terminate()
        proc.wait()
