"""Starts `runlens serve` on a free loopback port with a fresh data dir for each test module."""

import os
import re
import subprocess
import tempfile

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
