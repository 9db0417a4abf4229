"""Load and faults: eight clients logging at once while the UI searches and an import runs
(nothing lost, no request failed, p99 recorded); the server killed with SIGKILL while clients
log in batches (every acknowledged batch stored, no partial batch visible); a full disk during
an artifact upload (a clear error, a consistent store). SQLite's integrity check after each."""

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import threading
import time

import pytest
import requests

from conftest import integrity, runlens_bin
from test_import import generate

LOAD_SECONDS = float(os.environ.get("RUNLENS_LOAD_SECONDS", "60"))


def start(data, port=0, preexec=None):
    proc = subprocess.Popen([runlens_bin(), "--data-dir", data, "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, preexec_fn=preexec)
    line = proc.stdout.readline()
    m = re.search(r"http://(\S+)", line)
    assert m, f"runlens serve did not start: {line!r}"
    return proc, "http://" + m.group(1)


def post(session, base, op, body, timeout=30):
    return session.post(f"{base}/api/2.0/{op}", json=body, timeout=timeout)


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else 0.0


def test_eight_clients_log_for_a_minute_while_the_ui_searches_and_an_import_runs(tmp_path):
    data = str(tmp_path / "store")
    source = str(tmp_path / "src")
    generate("file", source)
    proc, base = start(data)
    try:
        s = requests.Session()
        exp = post(s, base, "mlflow/experiments/create", {"name": "load"}).json()["experiment_id"]
        runs = [post(s, base, "mlflow/runs/create", {"experiment_id": exp, "run_name": f"client-{i}"}).json()["run"]["info"]["run_id"]
                for i in range(8)]
        deadline = time.time() + LOAD_SECONDS
        latencies, failures, sent = [], [], {}
        lock = threading.Lock()

        def client(i):
            session = requests.Session()
            step = 0
            while time.time() < deadline:
                metrics = [{"key": "loss", "value": 1.0 / (step + k + 1), "timestamp": 1_700_000_000_000 + step + k, "step": step + k}
                           for k in range(50)]
                t0 = time.perf_counter()
                try:
                    r = post(session, base, "mlflow/runs/log-batch", {"run_id": runs[i], "metrics": metrics})
                    ok, why = r.ok, r.text
                except requests.RequestException as e:
                    ok, why = False, str(e)
                with lock:
                    latencies.append(time.perf_counter() - t0)
                    if ok:
                        sent[runs[i]] = step + 50
                    else:
                        failures.append(why)
                step += 50

        def ui():
            session = requests.Session()
            while time.time() < deadline:
                for op, body in [("runlens/runs/table", {"experiment_ids": [exp], "columns": ["metrics.loss"], "sort": [{"column": "metrics.loss", "ascending": True}]}),
                                 ("mlflow/runs/search", {"experiment_ids": [exp], "filter": "metrics.loss < 0.5", "max_results": 100})]:
                    r = post(session, base, op, body)
                    if not r.ok:
                        with lock:
                            failures.append(f"{op}: {r.text}")

        def importer():
            r = post(requests.Session(), base, "runlens/import", {"path": os.path.join(source, "mlruns")}, timeout=300)
            if not r.ok:
                with lock:
                    failures.append(f"import: {r.text}")

        threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
        threads += [threading.Thread(target=ui), threading.Thread(target=importer)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == [], failures[:5]
        # Every acknowledged point is there.
        for run_id, count in sent.items():
            r = s.get(f"{base}/api/2.0/mlflow/metrics/get-history", params={"run_id": run_id, "metric_key": "loss", "max_results": 1_000_000})
            points = r.json().get("metrics", [])
            assert len(points) == count, (run_id, len(points), count)
        total = sum(sent.values())
        p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
        summary = {"seconds": LOAD_SECONDS, "clients": 8, "batches": len(latencies), "points": total,
                   "p50_ms": round(p50 * 1000, 1), "p99_ms": round(p99 * 1000, 1)}
        print("load:", json.dumps(summary))
        out = os.environ.get("RUNLENS_LOAD_REPORT")
        if out:
            with open(out, "w") as f:
                json.dump(summary, f)
    finally:
        proc.terminate()
        proc.wait()
    assert integrity(data) == "ok"


def test_a_server_killed_while_clients_log_batches_keeps_every_acknowledged_batch_whole(tmp_path):
    data = str(tmp_path / "store")
    proc, base = start(data)
    port = base.rsplit(":", 1)[1]
    s = requests.Session()
    exp = post(s, base, "mlflow/experiments/create", {"name": "crash"}).json()["experiment_id"]
    runs = [post(s, base, "mlflow/runs/create", {"experiment_id": exp}).json()["run"]["info"]["run_id"] for _ in range(4)]
    acked = {r: [] for r in runs}
    attempted = {r: [] for r in runs}
    stop = time.time() + 60

    def client(run_id):
        session = requests.Session()
        batch = 0
        while time.time() < stop:
            # Each batch: 200 points under its own key, so a partial batch would show.
            metrics = [{"key": f"b{batch}", "value": float(k), "timestamp": 1, "step": k} for k in range(200)]
            attempted[run_id].append(batch)
            try:
                if post(session, base, "mlflow/runs/log-batch", {"run_id": run_id, "metrics": metrics}, timeout=5).ok:
                    acked[run_id].append(batch)
            except requests.RequestException:
                return
            batch += 1

    threads = [threading.Thread(target=client, args=(r,)) for r in runs]
    for t in threads:
        t.start()
    time.sleep(1.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    for t in threads:
        t.join()
    assert integrity(data) == "ok"
    assert sum(len(a) for a in acked.values()) > 0, "no batch was acknowledged before the kill"
    proc, base = start(data, port)
    try:
        for run_id in runs:
            run = s.get(f"{base}/api/2.0/mlflow/runs/get", params={"run_id": run_id}).json()["run"]
            keys = {m["key"] for m in run["data"].get("metrics", [])}
            for batch in acked[run_id]:
                assert f"b{batch}" in keys, (run_id, batch)
            for batch in attempted[run_id]:
                if f"b{batch}" in keys:
                    r = s.get(f"{base}/api/2.0/mlflow/metrics/get-history", params={"run_id": run_id, "metric_key": f"b{batch}"})
                    assert len(r.json()["metrics"]) == 200, f"batch {batch} of {run_id} is partial"
    finally:
        proc.terminate()
        proc.wait()


def small_disk(path, megabytes):
    """A filesystem of `megabytes` at `path` (a tmpfs; needs root), or None."""
    os.makedirs(path, exist_ok=True)
    if os.geteuid() != 0 or not shutil.which("mount"):
        return None
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", path], capture_output=True)
    return path if done.returncode == 0 else None


def test_a_full_disk_during_an_upload_is_a_clear_error_and_loses_nothing(tmp_path):
    data = str(tmp_path / "small")
    mounted = small_disk(data, 24)
    preexec = None
    if mounted is None:
        # No tmpfs here: a file size limit makes the same write fail (EFBIG, not ENOSPC).
        def preexec():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (8 << 20, 8 << 20))
    try:
        proc, base = start(data, preexec=preexec)
        try:
            s = requests.Session()
            exp = post(s, base, "mlflow/experiments/create", {"name": "disk"}).json()["experiment_id"]
            run = post(s, base, "mlflow/runs/create", {"experiment_id": exp}).json()["run"]["info"]["run_id"]
            post(s, base, "mlflow/runs/log-batch", {"run_id": run, "metrics": [{"key": "m", "value": 1.0, "timestamp": 1, "step": 0}]})
            path = f"{exp}/{run}/artifacts"
            ok = s.put(f"{base}/api/2.0/mlflow-artifacts/artifacts/{path}/small.txt", data=b"fits\n")
            assert ok.ok, ok.text
            big = s.put(f"{base}/api/2.0/mlflow-artifacts/artifacts/{path}/big.bin", data=b"\0" * (40 << 20))
            assert big.status_code == 500, big.text
            body = big.json()
            assert body["error_code"] == "INTERNAL_ERROR" and "full" in body["message"], body
            # Nothing half-written is left; what was there is intact; the server goes on.
            files = s.get(f"{base}/api/2.0/mlflow/artifacts/list", params={"run_id": run}).json()["files"]
            assert [f["path"] for f in files] == ["small.txt"]
            folder = os.path.join(data, "artifacts", path)
            assert sorted(os.listdir(folder)) == ["small.txt"]
            assert s.get(f"{base}/api/2.0/mlflow-artifacts/artifacts/{path}/small.txt").content == b"fits\n"
            logged = post(s, base, "mlflow/runs/log-batch", {"run_id": run, "metrics": [{"key": "m", "value": 2.0, "timestamp": 2, "step": 1}]})
            assert logged.ok, logged.text
            hist = s.get(f"{base}/api/2.0/mlflow/metrics/get-history", params={"run_id": run, "metric_key": "m"}).json()["metrics"]
            assert [m["value"] for m in hist] == [1.0, 2.0]
        finally:
            proc.terminate()
            proc.wait()
        assert integrity(data) == "ok"
    finally:
        if mounted:
            subprocess.run(["umount", "-l", mounted], check=False)
