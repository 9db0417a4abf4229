"""The web UI benchmark: the same 400 runs logged into MLflow's own server and into
`runlens serve`; each UI opened on the experiment in headless Chromium, timed from navigation
to the first run row on screen. Run alone: `python bench/webui.py`; `make bench` runs it too."""

import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from bench import Raw, start, stop  # noqa: E402

RUNS = 400


def call(raw, path, body):
    return json.loads(raw.post(path, body))


def fill(url):
    """400 finished runs, 5 params and 3 metrics of 10 steps each; returns the experiment id."""
    raw = Raw(url)
    exp = call(raw, "/api/2.0/mlflow/experiments/create", {"name": "webui-bench"})["experiment_id"]
    for i in range(RUNS):
        run = call(raw, "/api/2.0/mlflow/runs/create", {"experiment_id": exp, "run_name": f"bench-run-{i:03d}", "start_time": 1_700_000_000_000 + i})
        run_id = run["run"]["info"]["run_id"]
        metrics = [{"key": k, "value": (s + i) / 100, "timestamp": 1_700_000_000_000 + s, "step": s} for k in ("loss", "acc", "f1") for s in range(10)]
        params = [{"key": f"p{j}", "value": str(i * j)} for j in range(5)]
        call(raw, "/api/2.0/mlflow/runs/log-batch", {"run_id": run_id, "metrics": metrics, "params": params})
        call(raw, "/api/2.0/mlflow/runs/update", {"run_id": run_id, "status": "FINISHED", "end_time": 1_700_000_100_000 + i})
    return exp


# FIRSTS browsers, each with a fresh profile: its first page (on another origin), then a first
# visit on this one (a running browser, nothing cached or stored for the origin); LATER visits
# in the last browser (the cache warm). The figures are medians (one visit moves by tens of
# milliseconds with the machine).
FIRSTS = 5
LATER = 9


def first_row(url, exp):
    out = subprocess.run(
        ["node", "bench-webui.mjs", url, f"#/experiments/{exp}/runs", "bench-run-", str(LATER), str(FIRSTS)],
        cwd=os.path.join(ROOT, "tests", "e2e"), capture_output=True, text=True, timeout=900,
    )
    if out.returncode != 0:
        raise RuntimeError(f"bench-webui.mjs failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run():
    res = {}
    for kind in ("runlens", "mlflow"):
        work = tempfile.mkdtemp(prefix=f"bench-webui-{kind}-")
        proc, url, _ = start(kind, work)
        try:
            exp = fill(url)
            r = first_row(url, exp)
            res[kind] = {}
            for visit in ("first", "warm", "new_browser"):
                res[kind][f"{visit}_ms"] = statistics.median(r[f"{visit}_ms"])
                res[kind][f"{visit}_outside_ms"] = statistics.median(r[f"{visit}_outside_ms"])
                res[kind][f"{visit}_all_ms"] = [round(v) for v in r[f"{visit}_ms"]]
            print(kind, json.dumps(r), flush=True)
        finally:
            stop(proc)
    return res


def table(res):
    ml, rl = res["mlflow"], res["runlens"]
    rows = ["| Web UI, 400 runs: navigation to the first run row on screen (timed in the page) | MLflow 3.17.2 UI | Runlens UI | Ratio | Goal |", "|---|---:|---:|---:|---:|"]
    for label, key in (
        (f"First visit (a running browser, nothing cached for the site; median of {FIRSTS})", "first_ms"),
        (f"Later visits (cache warm; median of {LATER})", "warm_ms"),
        (f"A newly started browser's first page (fresh profile; median of {FIRSTS})", "new_browser_ms"),
    ):
        if key not in rl:
            continue
        ratio = ml[key] / max(rl[key], 1)
        rows.append(f"| {label} | {ml[key]:,.0f} ms | {rl[key]:,.0f} ms | {ratio:,.1f}× | ≥ 20× {'✅' if ratio >= 20 else '❌'} |")
    return "\n".join(rows)


if __name__ == "__main__":
    res = run()
    print(json.dumps(res))
    print(table(res))
