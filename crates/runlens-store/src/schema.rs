//! Versioned schema migrations, tracked in `PRAGMA user_version`.
//!
//! Each migration is applied once, in order, inside one transaction. A database whose
//! version is newer than [`LATEST`] is refused rather than opened.

use rusqlite::Connection;

use crate::{Error, Result};

/// One step of the schema.
struct Migration {
    version: i64,
    sql: &'static str,
}

/// The whole MLflow data model, sized for 100k runs and 100M metric points: integer run
/// handles, interned metric/param keys, `WITHOUT ROWID` tables keyed the way they are read.
const V1: &str = r#"
CREATE TABLE experiments (
    experiment_id     INTEGER PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE,
    artifact_location TEXT NOT NULL,
    lifecycle_stage   TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
    creation_time     INTEGER,
    last_update_time  INTEGER
);

CREATE TABLE experiment_tags (
    experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE,
    key           TEXT NOT NULL,
    value         TEXT NOT NULL,
    PRIMARY KEY (experiment_id, key)
) WITHOUT ROWID;

-- Metric and param keys, interned: a 100M-point table stores an integer, not a string.
CREATE TABLE keys (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE runs (
    id              INTEGER PRIMARY KEY,
    run_uuid        TEXT NOT NULL UNIQUE,
    experiment_id   INTEGER NOT NULL REFERENCES experiments(experiment_id),
    name            TEXT NOT NULL DEFAULT '',
    user_id         TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED')),
    start_time      INTEGER,
    end_time        INTEGER,
    lifecycle_stage TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
    deleted_time    INTEGER,
    artifact_uri    TEXT NOT NULL,
    -- Where the run's artifact files live when they are not in the store's own folder
    -- (an imported mlruns tree referenced in place). NULL: <data>/artifacts/<exp>/<run>/artifacts.
    artifact_dir    TEXT,
    -- 'local' (logged here), 'imported' or 'pulled': sync pushes only local runs.
    origin          TEXT NOT NULL DEFAULT 'local'
);
CREATE INDEX runs_by_experiment ON runs (experiment_id, lifecycle_stage, start_time DESC);

CREATE TABLE params (
    run   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key   INTEGER NOT NULL REFERENCES keys(id),
    value TEXT NOT NULL,
    PRIMARY KEY (run, key)
) WITHOUT ROWID;
CREATE INDEX params_by_key ON params (key, value);

CREATE TABLE tags (
    run   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run, key)
) WITHOUT ROWID;
CREATE INDEX tags_by_key ON tags (key, value);

-- The full history. `kind` keeps what SQLite cannot: 0 an ordinary value (±inf included),
-- 1 NaN (value stored as 0), 2 negative zero (value stored as 0).
CREATE TABLE metrics (
    run            INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key            INTEGER NOT NULL REFERENCES keys(id),
    step           INTEGER NOT NULL,
    timestamp      INTEGER NOT NULL,
    value          REAL NOT NULL,
    kind           INTEGER NOT NULL DEFAULT 0,
    model_id       TEXT,
    dataset_name   TEXT,
    dataset_digest TEXT,
    PRIMARY KEY (run, key, step, timestamp, value, kind)
) WITHOUT ROWID;

-- One row per run and key: MLflow's latest (max by step, then timestamp, then value), plus
-- min, max (NaN ignored) and the number of points, kept up to date on every write.
CREATE TABLE latest_metrics (
    run       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key       INTEGER NOT NULL REFERENCES keys(id),
    step      INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    value     REAL NOT NULL,
    kind      INTEGER NOT NULL DEFAULT 0,
    min_value REAL,
    max_value REAL,
    count     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run, key)
) WITHOUT ROWID;
CREATE INDEX latest_metrics_by_key ON latest_metrics (key, value);

CREATE TABLE datasets (
    id            INTEGER PRIMARY KEY,
    dataset_uuid  TEXT NOT NULL,
    experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    digest        TEXT NOT NULL,
    source_type   TEXT NOT NULL,
    source        TEXT NOT NULL,
    schema        TEXT,
    profile       TEXT,
    UNIQUE (experiment_id, name, digest)
);

CREATE TABLE run_inputs (
    run     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    dataset INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    PRIMARY KEY (run, dataset)
) WITHOUT ROWID;

CREATE TABLE input_tags (
    run     INTEGER NOT NULL,
    dataset INTEGER NOT NULL,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (run, dataset, key),
    FOREIGN KEY (run, dataset) REFERENCES run_inputs(run, dataset) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE logged_models (
    model_id          TEXT PRIMARY KEY,
    experiment_id     INTEGER NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    artifact_location TEXT NOT NULL,
    artifact_dir      TEXT,
    creation_time     INTEGER NOT NULL,
    last_updated_time INTEGER NOT NULL,
    status            TEXT NOT NULL DEFAULT 'LOGGED_MODEL_PENDING',
    status_message    TEXT,
    lifecycle_stage   TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
    model_type        TEXT,
    source_run_id     TEXT
);
CREATE INDEX logged_models_by_experiment ON logged_models (experiment_id);

CREATE TABLE logged_model_params (
    model_id TEXT NOT NULL REFERENCES logged_models(model_id) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (model_id, key)
) WITHOUT ROWID;

CREATE TABLE logged_model_tags (
    model_id TEXT NOT NULL REFERENCES logged_models(model_id) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (model_id, key)
) WITHOUT ROWID;

CREATE TABLE logged_model_metrics (
    model_id       TEXT NOT NULL REFERENCES logged_models(model_id) ON DELETE CASCADE,
    key            TEXT NOT NULL,
    step           INTEGER NOT NULL,
    timestamp      INTEGER NOT NULL,
    value          REAL NOT NULL,
    kind           INTEGER NOT NULL DEFAULT 0,
    run_id         TEXT NOT NULL DEFAULT '',
    dataset_name   TEXT,
    dataset_digest TEXT,
    PRIMARY KEY (model_id, key, step, timestamp, run_id)
) WITHOUT ROWID;

-- Model inputs of a run (RunInputs.model_inputs) and outputs (RunOutputs.model_outputs).
CREATE TABLE run_model_inputs (
    run      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    model_id TEXT NOT NULL,
    PRIMARY KEY (run, model_id)
) WITHOUT ROWID;

CREATE TABLE run_outputs (
    run      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    model_id TEXT NOT NULL,
    step     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run, model_id)
) WITHOUT ROWID;

CREATE TABLE registered_models (
    name              TEXT PRIMARY KEY,
    creation_time     INTEGER,
    last_updated_time INTEGER,
    description       TEXT
);

CREATE TABLE registered_model_tags (
    name  TEXT NOT NULL REFERENCES registered_models(name) ON DELETE CASCADE ON UPDATE CASCADE,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (name, key)
) WITHOUT ROWID;

CREATE TABLE model_versions (
    name              TEXT NOT NULL REFERENCES registered_models(name) ON DELETE CASCADE ON UPDATE CASCADE,
    version           INTEGER NOT NULL,
    creation_time     INTEGER,
    last_updated_time INTEGER,
    description       TEXT,
    user_id           TEXT,
    current_stage     TEXT NOT NULL DEFAULT 'None',
    source            TEXT,
    run_id            TEXT,
    run_link          TEXT,
    model_id          TEXT,
    status            TEXT NOT NULL DEFAULT 'READY',
    status_message    TEXT,
    storage_location  TEXT,
    PRIMARY KEY (name, version)
) WITHOUT ROWID;
CREATE INDEX model_versions_by_run ON model_versions (run_id);

CREATE TABLE model_version_tags (
    name    TEXT NOT NULL,
    version INTEGER NOT NULL,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (name, version, key),
    FOREIGN KEY (name, version) REFERENCES model_versions(name, version) ON DELETE CASCADE ON UPDATE CASCADE
) WITHOUT ROWID;

CREATE TABLE registered_model_aliases (
    name    TEXT NOT NULL REFERENCES registered_models(name) ON DELETE CASCADE ON UPDATE CASCADE,
    alias   TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (name, alias)
) WITHOUT ROWID;

-- Every stage transition and alias change, with its time (MLflow keeps no such history).
CREATE TABLE registry_events (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL,
    version   INTEGER,
    kind      TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    time      INTEGER NOT NULL
);
CREATE INDEX registry_events_by_model ON registry_events (name, version, time);
"#;

/// Import bookkeeping: how far each metric file of an imported tree has been read (appended
/// lines are read from there on), and the folders the desktop app watches.
const V2: &str = r#"
CREATE TABLE import_offsets (
    path   TEXT PRIMARY KEY,
    run    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    offset INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE watched_folders (
    path       TEXT PRIMARY KEY,
    enabled    INTEGER NOT NULL DEFAULT 1,
    added_time INTEGER NOT NULL
);
"#;

/// The run table sorts and filters 100,000 runs by a metric's latest, min or max value: an
/// index holding all of them (and the NaN marker) answers from the index alone.
const V3: &str = r#"
DROP INDEX latest_metrics_by_key;
CREATE INDEX latest_metrics_by_key ON latest_metrics (key, value, kind, min_value, max_value);
"#;

/// Sync with MLflow tracking servers: the servers (remotes), which local experiment stands for
/// which remote one, and which local run was pulled from or pushed as which remote run, with
/// a fingerprint of the run as it was when last synced (what changed on which side since).
const V4: &str = r#"
CREATE TABLE remotes (
    url          TEXT PRIMARY KEY,
    -- 'none', 'token' or 'basic'; the token or password is kept in the OS keyring.
    auth         TEXT NOT NULL DEFAULT 'none' CHECK (auth IN ('none', 'token', 'basic')),
    username     TEXT,
    insecure_tls INTEGER NOT NULL DEFAULT 0,
    added_time   INTEGER NOT NULL
);

CREATE TABLE sync_experiments (
    remote     TEXT NOT NULL,
    remote_id  TEXT NOT NULL,
    local_id   INTEGER NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE,
    last_pull  INTEGER,
    last_push  INTEGER,
    PRIMARY KEY (remote, remote_id)
) WITHOUT ROWID;
CREATE INDEX sync_experiments_by_local ON sync_experiments (local_id);

CREATE TABLE sync_runs (
    remote        TEXT NOT NULL,
    run           INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    remote_run_id TEXT NOT NULL,
    direction     TEXT NOT NULL CHECK (direction IN ('pull', 'push')),
    -- The run's fingerprint on the server and here when last synced: which side changed since.
    remote_fingerprint TEXT NOT NULL,
    local_fingerprint  TEXT NOT NULL,
    complete      INTEGER NOT NULL DEFAULT 0,
    synced_time   INTEGER NOT NULL,
    PRIMARY KEY (remote, run)
) WITHOUT ROWID;
CREATE INDEX sync_runs_by_remote_run ON sync_runs (remote, remote_run_id);
"#;

const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, sql: V1 },
    Migration { version: 2, sql: V2 },
    Migration { version: 3, sql: V3 },
    Migration { version: 4, sql: V4 },
];

/// The newest schema version this build writes.
pub const LATEST: i64 = 4;

/// Brings the database to [`LATEST`], or refuses a database from the future.
pub(crate) fn migrate(conn: &mut Connection, path: &str) -> Result<()> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > LATEST {
        return Err(Error::SchemaTooNew { path: path.to_string(), found, supported: LATEST });
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Read again under the write lock: another process may have migrated meanwhile.
    let found: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for m in MIGRATIONS.iter().filter(|m| m.version > found) {
        tx.execute_batch(m.sql)?;
        tx.pragma_update(None, "user_version", m.version)?;
    }
    tx.commit()?;
    Ok(())
}
