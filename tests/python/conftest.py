"""Starts `runlens serve` on a free loopback port with a fresh data dir for each test module."""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


def runlens_bin():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.environ.get("RUNLENS_BIN", os.path.join(target, "debug", "runlens"))


@pytest.fixture(scope="module")
def server():
    data = tempfile.mkdtemp(prefix="runlens-py-")
    proc = subprocess.Popen(
        [runlens_bin(), "--data-dir", data, "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    match = re.search(r"http://(\S+)", line)
    if not match:
        proc.kill()
        raise RuntimeError(f"runlens serve did not start: {line!r} {proc.stderr.read()}")
    url = f"http://{match.group(1)}"
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_mlflow_server(root, port=None):
    """MLflow's own server: SQLite backend in `root`, artifact proxy, one worker, on loopback.
    Returns (url, process)."""
    port = port or free_port()
    mlflow_bin = os.path.join(os.path.dirname(sys.executable), "mlflow")
    proc = subprocess.Popen(
        [mlflow_bin, "server", "--backend-store-uri", f"sqlite:///{root}/mlflow.db",
         "--artifacts-destination", f"{root}/artifacts", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=root,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/health", timeout=1).status == 200:
                return url, proc
        except Exception:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("mlflow server did not start")


@pytest.fixture(scope="module")
def mlflow_server():
    """A fresh MLflow server for each test module."""
    root = tempfile.mkdtemp(prefix="mlflow-ref-")
    url, proc = start_mlflow_server(root)
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    shutil.rmtree(root, ignore_errors=True)


def integrity(data_dir):
    """SQLite's own check of a Runlens store: 'ok' when whole and every row's parent is there
    (the importer writes without row-by-row foreign key checks)."""
    import sqlite3
    con = sqlite3.connect(os.path.join(data_dir, "runlens.db"))
    try:
        ok = con.execute("PRAGMA integrity_check").fetchone()[0]
        orphans = con.execute("PRAGMA foreign_key_check").fetchall()
        return ok if not orphans else f"rows without a parent: {orphans[:5]}"
    finally:
        con.close()
