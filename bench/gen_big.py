"""Writes an MLflow 3.17 `mlflow.db` holding one experiment of N runs (20 params and 10
metrics each, a few steps per metric), for the 100,000-run explorer benchmark.

MLflow's own client creates the database (so the schema is exactly MLflow's) and logs the
first run; the rest are copied in bulk with sqlite3 in the same shape, because logging 100,000
runs through the client would take hours."""

import os
import random
import sqlite3
import sys
import uuid

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

from mlflow import MlflowClient  # noqa: E402


def main(path, runs, steps=3):
    if os.path.exists(path):
        os.remove(path)
    client = MlflowClient(tracking_uri=f"sqlite:///{path}")
    exp = client.create_experiment("bench 100k")
    first = client.create_run(exp, run_name="seed")
    client.log_param(first.info.run_id, "seed", "1")
    client.log_metric(first.info.run_id, "seed_metric", 1.0)
    client.set_terminated(first.info.run_id)
    db = sqlite3.connect(path)
    artifact_root = db.execute("SELECT artifact_location FROM experiments WHERE experiment_id = ?", (exp,)).fetchone()[0]
    rnd = random.Random(7)
    t0 = 1_760_000_000_000
    models = ["tree", "mlp", "svm", "linear", "boost"]
    run_rows, params, metrics, latest, tags = [], [], [], [], []

    def flush():
        db.executemany(
            "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            run_rows,
        )
        db.executemany("INSERT INTO params (key, value, run_uuid) VALUES (?,?,?)", params)
        db.executemany("INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?,?,?,?,?,?)", metrics)
        db.executemany("INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?,?,?,?,?,?)", latest)
        db.executemany("INSERT INTO tags (key, value, run_uuid) VALUES (?,?,?)", tags)
        for lst in (run_rows, params, metrics, latest, tags):
            lst.clear()

    for i in range(runs - 1):
        rid = uuid.uuid4().hex
        start = t0 + i * 1000
        status = "FINISHED" if rnd.random() < 0.9 else "FAILED"
        name = f"run-{i:06d}"
        run_rows.append((rid, name, "LOCAL", "train.py", "", "bench", status, start, start + rnd.randint(10_000, 3_600_000), "", "active", f"{artifact_root}/{rid}/artifacts", exp))
        tags.append(("mlflow.runName", name, rid))
        tags.append(("mlflow.user", "bench", rid))
        params.append(("model", rnd.choice(models), rid))
        params.append(("lr", str(rnd.choice([0.1, 0.03, 0.01, 0.003, 0.001])), rid))
        for p in range(18):
            params.append((f"p{p:02d}", str(rnd.randint(0, 1000)), rid))
        for m in range(10):
            key = "loss" if m == 0 else "accuracy" if m == 1 else f"m{m:02d}"
            value = 0.0
            for s in range(steps):
                value = rnd.random()
                metrics.append((key, value, start + s, rid, s, 0))
            latest.append((key, value, start + steps - 1, steps - 1, 0, rid))
        if len(run_rows) >= 5000:
            flush()
    flush()
    db.commit()
    db.close()
    print(exp)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100_000)
