//! Opening the database, the PRAGMAs, and the one-writer / many-readers discipline.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::{schema, Error, Result};

/// A read-only view of the database (a plain connection; no writes are made through it).
pub type Read = Connection;
/// A write transaction (`BEGIN IMMEDIATE`); committed when the closure returns `Ok`.
pub type Write<'a> = Transaction<'a>;

/// The store: the database file `runlens.db` and the artifact folder `artifacts/` in one
/// data directory.
pub struct Store {
    data_dir: PathBuf,
    db_path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("data_dir", &self.data_dir).finish()
    }
}

const MAX_IDLE_READERS: usize = 8;

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA synchronous = NORMAL;
         PRAGMA case_sensitive_like = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -32000;",
    )?;
    Ok(())
}

impl Store {
    /// Opens (creating if needed) the store in `data_dir`, migrating its schema forward.
    /// A database written by a newer Runlens is refused with [`Error::SchemaTooNew`].
    pub fn open(data_dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| Error::io(format!("creating data directory {}", data_dir.display()), e))?;
        let artifacts = data_dir.join("artifacts");
        std::fs::create_dir_all(&artifacts).map_err(|e| Error::io(format!("creating {}", artifacts.display()), e))?;
        let db_path = data_dir.join("runlens.db");
        let mut writer = Connection::open(&db_path)?;
        writer.busy_timeout(Duration::from_secs(10))?;
        // WAL lets readers go on while the one writer commits.
        writer.pragma_update(None, "journal_mode", "WAL")?;
        configure(&writer)?;
        schema::migrate(&mut writer, &db_path.display().to_string())?;
        Ok(Store {
            data_dir: data_dir.to_path_buf(),
            db_path,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// The data directory this store lives in.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The root of the store's own artifact folder.
    pub fn artifact_root(&self) -> PathBuf {
        self.data_dir.join("artifacts")
    }

    fn take_reader(&self) -> Result<Connection> {
        if let Some(conn) = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop() {
            return Ok(conn);
        }
        let conn = Connection::open_with_flags(
            &self.db_path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&conn)?;
        Ok(conn)
    }

    /// Runs `f` on a reader connection. Readers never block the writer (WAL).
    pub fn read<T>(&self, f: impl FnOnce(&Read) -> Result<T>) -> Result<T> {
        let conn = self.take_reader()?;
        // A read that spans several statements sees one snapshot.
        conn.execute_batch("BEGIN")?;
        let out = f(&conn);
        let _ = conn.execute_batch("COMMIT");
        let mut pool = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < MAX_IDLE_READERS {
            pool.push(conn);
        }
        out
    }

    /// Runs `f` in the one write transaction (`BEGIN IMMEDIATE`). It commits when `f` returns
    /// `Ok` and rolls back otherwise, so a failed request leaves nothing behind.
    pub fn write<T>(&self, f: impl FnOnce(&Write<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}
