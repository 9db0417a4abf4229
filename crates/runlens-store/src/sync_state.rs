//! Sync bookkeeping (tables `remotes`, `sync_experiments`, `sync_runs`): the MLflow servers
//! the user syncs with, which local experiment stands for which remote one, and which local
//! run was pulled from or pushed as which remote run, with the run's fingerprint at that time.

use rusqlite::{params, OptionalExtension};

use crate::{Read, Result, Write};

/// A run's sync record with one server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunLink {
    /// The local run's handle.
    pub run: i64,
    /// The run's id on the server (the same id for pulled runs).
    pub remote_run_id: String,
    /// `pull` or `push`.
    pub direction: String,
    /// The run's fingerprint on the server when it was last synced.
    pub remote_fingerprint: String,
    /// Its fingerprint here then.
    pub local_fingerprint: String,
    /// Everything (metrics, artifacts) was transferred.
    pub complete: bool,
    /// When (ms).
    pub synced_time: i64,
}

fn link_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunLink> {
    Ok(RunLink {
        run: r.get(0)?,
        remote_run_id: r.get(1)?,
        direction: r.get(2)?,
        remote_fingerprint: r.get(3)?,
        local_fingerprint: r.get(4)?,
        complete: r.get(5)?,
        synced_time: r.get(6)?,
    })
}

/// The sync record of a local run with a server.
pub fn run_link(conn: &Read, remote: &str, run: i64) -> Result<Option<RunLink>> {
    Ok(conn
        .prepare_cached(
            "SELECT run, remote_run_id, direction, remote_fingerprint, local_fingerprint, complete, synced_time FROM sync_runs
             WHERE remote = ?1 AND run = ?2",
        )?
        .query_row(params![remote, run], link_from_row)
        .optional()?)
}

/// The local run that was pushed as (or pulled from) a server's run.
pub fn run_by_remote_id(conn: &Read, remote: &str, remote_run_id: &str) -> Result<Option<RunLink>> {
    Ok(conn
        .prepare_cached(
            "SELECT run, remote_run_id, direction, remote_fingerprint, local_fingerprint, complete, synced_time FROM sync_runs
             WHERE remote = ?1 AND remote_run_id = ?2",
        )?
        .query_row(params![remote, remote_run_id], link_from_row)
        .optional()?)
}

/// Records (or updates) a run's sync record.
pub fn set_run_link(tx: &Write<'_>, remote: &str, link: &RunLink) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO sync_runs (remote, run, remote_run_id, direction, remote_fingerprint, local_fingerprint, complete, synced_time)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (remote, run) DO UPDATE SET remote_run_id = excluded.remote_run_id, direction = excluded.direction,
           remote_fingerprint = excluded.remote_fingerprint, local_fingerprint = excluded.local_fingerprint,
           complete = excluded.complete, synced_time = excluded.synced_time",
    )?
    .execute(params![
        remote,
        link.run,
        link.remote_run_id,
        link.direction,
        link.remote_fingerprint,
        link.local_fingerprint,
        link.complete,
        link.synced_time
    ])?;
    Ok(())
}

/// The local experiment that stands for a server's experiment.
pub fn local_experiment(conn: &Read, remote: &str, remote_id: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT local_id FROM sync_experiments WHERE remote = ?1 AND remote_id = ?2")?
        .query_row(params![remote, remote_id], |r| r.get(0))
        .optional()?)
}

/// The server's experiment a local experiment stands for.
pub fn remote_experiment(conn: &Read, remote: &str, local_id: i64) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT remote_id FROM sync_experiments WHERE remote = ?1 AND local_id = ?2")?
        .query_row(params![remote, local_id], |r| r.get(0))
        .optional()?)
}

/// Records that a local experiment stands for a server's one; `pulled` or `pushed` sets the
/// time of that sync.
pub fn link_experiment(
    tx: &Write<'_>,
    remote: &str,
    remote_id: &str,
    local_id: i64,
    pulled: Option<i64>,
    pushed: Option<i64>,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO sync_experiments (remote, remote_id, local_id, last_pull, last_push) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (remote, remote_id) DO UPDATE SET local_id = excluded.local_id,
           last_pull = COALESCE(excluded.last_pull, last_pull), last_push = COALESCE(excluded.last_push, last_push)",
    )?
    .execute(params![remote, remote_id, local_id, pulled, pushed])?;
    Ok(())
}

/// When an experiment was last synced with any server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExperimentSync {
    /// The local experiment.
    pub experiment_id: i64,
    /// The server.
    pub remote: String,
    /// Its id there.
    pub remote_id: String,
    /// Last pull (ms).
    pub last_pull: Option<i64>,
    /// Last push (ms).
    pub last_push: Option<i64>,
}

/// Every experiment's sync record, by experiment.
pub fn experiment_syncs(conn: &Read) -> Result<Vec<ExperimentSync>> {
    let mut stmt = conn.prepare_cached(
        "SELECT local_id, remote, remote_id, last_pull, last_push FROM sync_experiments ORDER BY local_id, remote",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ExperimentSync {
            experiment_id: r.get(0)?,
            remote: r.get(1)?,
            remote_id: r.get(2)?,
            last_pull: r.get(3)?,
            last_push: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A server the user syncs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    /// Its URL.
    pub url: String,
    /// `none`, `token` or `basic`.
    pub auth: String,
    /// The user name to sign in with (the password or token is kept in the OS keyring).
    pub username: Option<String>,
    /// Accept any TLS certificate.
    pub insecure_tls: bool,
    /// When it was added (ms).
    pub added_time: i64,
}

/// Every remote, by URL.
pub fn remotes(conn: &Read) -> Result<Vec<Remote>> {
    let mut stmt =
        conn.prepare_cached("SELECT url, auth, username, insecure_tls, added_time FROM remotes ORDER BY url")?;
    let rows = stmt.query_map([], |r| {
        Ok(Remote {
            url: r.get(0)?,
            auth: r.get(1)?,
            username: r.get(2)?,
            insecure_tls: r.get(3)?,
            added_time: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Adds a remote or changes how to sign in to it.
pub fn save_remote(tx: &Write<'_>, remote: &Remote) -> Result<()> {
    tx.execute(
        "INSERT INTO remotes (url, auth, username, insecure_tls, added_time) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (url) DO UPDATE SET auth = excluded.auth, username = excluded.username,
           insecure_tls = excluded.insecure_tls",
        params![remote.url, remote.auth, remote.username, remote.insecure_tls, remote.added_time],
    )?;
    Ok(())
}

/// Removes a remote (the runs pulled from it stay).
pub fn remove_remote(tx: &Write<'_>, url: &str) -> Result<bool> {
    Ok(tx.execute("DELETE FROM remotes WHERE url = ?1", params![url])? > 0)
}

/// The sync record of a run with whichever server it was last synced with.
pub fn run_sync(conn: &Read, run: i64) -> Result<Option<(String, RunLink)>> {
    Ok(conn
        .prepare_cached(
            "SELECT remote, run, remote_run_id, direction, remote_fingerprint, local_fingerprint, complete, synced_time
             FROM sync_runs WHERE run = ?1 ORDER BY synced_time DESC LIMIT 1",
        )?
        .query_row(params![run], |r| {
            Ok((
                r.get(0)?,
                RunLink {
                    run: r.get(1)?,
                    remote_run_id: r.get(2)?,
                    direction: r.get(3)?,
                    remote_fingerprint: r.get(4)?,
                    local_fingerprint: r.get(5)?,
                    complete: r.get(6)?,
                    synced_time: r.get(7)?,
                },
            ))
        })
        .optional()?)
}
