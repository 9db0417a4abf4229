"""The explorer benchmark: one experiment of 100,000 runs (20 params, 10 metrics each), opened
in headless Chromium against `runlens serve`. Measures time to first rows, to sort by a metric,
to apply a filter, the scroll frame time, and the server's peak memory.

The store is generated once (an MLflow 3.17 `mlflow.db` written by bench/gen_big.py, then
`runlens import`) and kept in target/bench-cache, because generating and importing it takes
minutes. Run alone: `python bench/explorer.py [--runs N]`; `make bench` runs it too."""

import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
RUNLENS = os.environ.get("RUNLENS_BIN", os.path.join(TARGET, "release", "runlens"))
CACHE = os.path.join(TARGET, "bench-cache")

sys.path.insert(0, HERE)
from bench import free_port, stop, wait_health  # noqa: E402


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def store_for(runs):
    """A data directory holding one experiment of `runs` runs (built once, then reused)."""
    data = os.path.join(CACHE, f"store-{runs}")
    done = os.path.join(data, ".complete")
    if os.path.exists(done):
        return data, None
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(CACHE, exist_ok=True)
    db = os.path.join(CACHE, f"mlflow-{runs}.db")
    print(f"generating {runs:,} runs into {db} …", flush=True)
    subprocess.run([sys.executable, os.path.join(HERE, "gen_big.py"), db, str(runs)], check=True, stdout=subprocess.DEVNULL)
    print("importing it …", flush=True)
    t0 = time.time()
    subprocess.run([RUNLENS, "--data-dir", data, "import", db], check=True)
    seconds = time.time() - t0
    os.remove(db)
    with open(done, "w") as f:
        f.write(str(seconds))
    return data, seconds


def run(runs=100_000):
    data, import_s = store_for(runs)
    port = free_port()
    proc = subprocess.Popen([RUNLENS, "--data-dir", data, "serve", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_health(url, proc)
        exp = json.load(
            __import__("urllib.request").request.urlopen(f"{url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=bench%20100k")
        )["experiment"]["experiment_id"]
        out = subprocess.run(
            ["node", "bench-explorer.mjs", url, exp],
            cwd=os.path.join(ROOT, "tests", "e2e"),
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        result = json.loads(out.strip().splitlines()[-1])
        result["server_peak_mb"] = peak_rss_mb(proc.pid)
        result["runs"] = runs
        result["import_s"] = import_s
        return result
    finally:
        stop(proc)


def table(r):
    cold = r["samples"]["first_rows_ms"][0]
    rows = [
        ("Time to first rows, first visit (navigation to the first run row painted)", f"{cold:.0f} ms", "< 1,000 ms", cold < 1000),
        ("Time to first rows, later visits (median)", f"{r['first_rows_ms']:.0f} ms", "< 1,000 ms", r["first_rows_ms"] < 1000),
        ("Sort by a metric (click to the new first row, median of 3 metrics)", f"{r['sort_ms']:.0f} ms", "< 300 ms", r["sort_ms"] < 300),
        ("Apply a filter (Enter to the new count, median of 3)", f"{r['filter_ms']:.0f} ms", "< 300 ms", r["filter_ms"] < 300),
        ("Scroll frame time (600 px per frame, median / p95)", f"{r['scroll_frame_ms']:.0f} / {r['scroll_p95_ms']:.0f} ms", "", None),
        ("Peak memory of `runlens serve` (VmHWM)", f"{r['server_peak_mb']:.0f} MB", "", None),
    ]
    lines = [f"| Explorer, {r['runs']:,} runs × (20 params, 10 metrics) | Runlens | Goal |", "|---|---:|---:|"]
    for label, value, goal, ok in rows:
        mark = "" if ok is None else (" ✅" if ok else " ❌")
        lines.append(f"| {label} | {value} | {goal}{mark} |")
    return "\n".join(lines)


if __name__ == "__main__":
    n = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 100_000
    res = run(n)
    print(json.dumps(res, indent=1))
    print(table(res))
