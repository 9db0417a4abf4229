"""The chart benchmark: a 1,000,000-step history and 50 runs × 10,000 steps, drawn in headless
Chromium from `runlens serve` (series sampled in the backend, drawn by uPlot), and the CLI's
1600×900 PNG export. Run alone: `python bench/charts.py`; `make bench` runs it too."""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
RUNLENS = os.environ.get("RUNLENS_BIN", os.path.join(TARGET, "release", "runlens"))
CACHE = os.path.join(TARGET, "bench-cache")

sys.path.insert(0, HERE)
from bench import free_port, stop, wait_health  # noqa: E402

EXP = "223456789012345678"
BIG = "00000000" + "cd" * 12


def write_corpus(root):
    """An mlruns folder: run BIG with a 1,000,000-step `loss`, 50 runs with 10,000 steps."""
    exp = os.path.join(root, EXP)
    os.makedirs(exp, exist_ok=True)
    with open(os.path.join(exp, "meta.yaml"), "w") as f:
        f.write(f"artifact_location: file://{exp}\ncreation_time: 1700000000000\nexperiment_id: '{EXP}'\n"
                f"last_update_time: 1700000000000\nlifecycle_stage: active\nname: chart bench\n")

    def run(run_id, name, steps, phase):
        d = os.path.join(exp, run_id)
        for sub in ("metrics", "params", "tags", "artifacts"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        with open(os.path.join(d, "meta.yaml"), "w") as f:
            f.write(f"artifact_uri: file://{d}/artifacts\nend_time: 1700000100000\nentry_point_name: ''\n"
                    f"experiment_id: '{EXP}'\nlifecycle_stage: active\nrun_id: '{run_id}'\nrun_name: {name}\n"
                    f"source_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: 1700000000000\nstatus: 3\ntags: []\nuser_id: bench\n")
        with open(os.path.join(d, "metrics", "loss"), "w") as f:
            for s in range(0, steps, 10_000):
                f.write("".join(f"{1700000000000 + t} {1.0 / (1 + t / 1000) + ((t * 7919 + phase) % 101) / 5000} {t}\n" for t in range(s, min(steps, s + 10_000))))

    run(BIG, "million", 1_000_000, 0)
    for r in range(50):
        run(f"{r + 1:08x}" + "cd" * 12, f"r{r:02d}", 10_000, r)


def store():
    data = os.path.join(CACHE, "store-charts")
    if os.path.exists(os.path.join(data, ".complete")):
        return data
    shutil.rmtree(data, ignore_errors=True)
    corpus = os.path.join(CACHE, "charts-mlruns")
    shutil.rmtree(corpus, ignore_errors=True)
    print("writing the chart corpus …", flush=True)
    write_corpus(corpus)
    subprocess.run([RUNLENS, "--data-dir", data, "import", corpus], check=True, stdout=subprocess.DEVNULL)
    shutil.rmtree(corpus, ignore_errors=True)
    open(os.path.join(data, ".complete"), "w").close()
    return data


def post(url, op, body):
    req = urllib.request.Request(f"{url}/-/call/{op}", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def median(xs):
    return sorted(xs)[len(xs) // 2]


def run():
    data = store()
    port = free_port()
    proc = subprocess.Popen([RUNLENS, "--data-dir", data, "serve", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_health(url, proc)
        many = [f"{r + 1:08x}" + "cd" * 12 for r in range(50)]
        # The backend's part alone: sampling a 1M-point history to 1,600 pixels.
        # A fresh server: the first request reads the whole history.
        t0 = time.perf_counter()
        res = post(url, "runlens/metrics/series", {"series": [{"run_id": BIG, "key": "loss"}], "x": "time", "width": 1600})
        series_cold = (time.perf_counter() - t0) * 1000
        assert res["series"][0]["points"] == 1_000_000, res["series"][0]["points"]
        out = subprocess.run(
            ["node", "bench-charts.mjs", url, EXP, BIG, ",".join(many)],
            cwd=os.path.join(ROOT, "tests", "e2e"), check=True, capture_output=True, text=True,
        ).stdout
        browser = json.loads(out.strip().splitlines()[-1])
        cli = []
        png = os.path.join(CACHE, "chart-bench.png")
        for _ in range(3):
            t0 = time.perf_counter()
            subprocess.run([RUNLENS, "--data-dir", data, "chart", "--run", BIG, "--metric", "loss", "--out", png, "--width", "1600", "--height", "900"],
                           check=True, stdout=subprocess.DEVNULL)
            cli.append((time.perf_counter() - t0) * 1000)
        return {"series_cold_ms": series_cold, "cli_png_ms": median(cli), **browser}
    finally:
        stop(proc)


def table(r):
    rows = [
        ("Draw a 1,000,000-step history, first time (x-axis change to chart drawn, in Chromium)", f"{r['million_ms']:.0f} ms", "< 200 ms", r["million_ms"] < 200),
        ("Draw it again (the backend's sampled overview of the history is kept)", f"{r['million_warm_ms']:.0f} ms", "< 200 ms", r["million_warm_ms"] < 200),
        ("Backend sampling of the 1,000,000 points to 1,600 px, whole history read (HTTP round trip)", f"{r['series_cold_ms']:.0f} ms", "", None),
        ("Draw 50 runs × 10,000 steps in one chart, first time / again", f"{r['fifty_ms']:.0f} / {r['fifty_warm_ms']:.0f} ms", "", None),
        ("`runlens chart` 1600×900 PNG of the 1,000,000-step history (process start to file written)", f"{r['cli_png_ms']:.0f} ms", "", None),
    ]
    lines = ["| Charts | Runlens | Goal |", "|---|---:|---:|"]
    for label, value, goal, ok in rows:
        lines.append(f"| {label} | {value} | {goal}{'' if ok is None else (' ✅' if ok else ' ❌')} |")
    return "\n".join(lines)


if __name__ == "__main__":
    res = run()
    print(json.dumps(res, indent=1))
    print(table(res))
