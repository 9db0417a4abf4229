//! Opening the database, the PRAGMAs, and the one-writer / many-readers discipline.

use std::any::Any;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
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
    writer: Mutex<Writers>,
    readers: Mutex<Vec<Connection>>,
    /// A connection that only asks `PRAGMA data_version`, which changes whenever any other
    /// connection (this process's writer or another process) commits.
    watcher: Mutex<Connection>,
    /// Derived results (a sorted view of 100k runs, the key lists) valid for one data version.
    cache: Mutex<Vec<CacheEntry>>,
    /// Unique among the stores this process opened (data versions are per store).
    id: u64,
}

/// The writing connections, behind one lock: one write at a time, whichever is used.
struct Writers {
    /// Every write but [`Store::write_unchecked`]'s.
    checked: Connection,
    /// The same database with foreign keys off, opened on first use. A connection of its own:
    /// switching the pragma on one connection would recompile its cached statements each time.
    unchecked: Option<Connection>,
}

struct CacheEntry {
    key: String,
    version: i64,
    value: Arc<dyn Any + Send + Sync>,
}

const CACHE_ENTRIES: usize = 256;

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("data_dir", &self.data_dir).finish()
    }
}

/// Readers kept open between reads. The pool hands out the reader used last, whose cache is
/// the warmest; readers opened for a burst beyond these are closed with their caches (the
/// transports run at most a few store calls at once).
const MAX_IDLE_READERS: usize = 2;

/// Page cache per connection, in KiB: the writer keeps more of the trees it appends to; a
/// reader's pages are in the OS's file cache anyway. At 100,000 runs a reader's 8 MB keep the
/// runs table that every new sort and filter scans (2 MB made those 2–3× slower), and keeping
/// only two readers idle bounds what scrolling leaves behind.
const WRITER_CACHE_KIB: i64 = 32_000;
const READER_CACHE_KIB: i64 = 8_000;

fn configure(conn: &Connection, cache_kib: i64) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA synchronous = NORMAL;
         PRAGMA case_sensitive_like = ON;
         PRAGMA temp_store = MEMORY;",
    )?;
    conn.pragma_update(None, "cache_size", -cache_kib)?;
    Ok(())
}

/// Runs `f` in a write transaction (`BEGIN IMMEDIATE`) on `conn`: committed when it returns
/// `Ok`, rolled back otherwise.
fn in_transaction<T>(conn: &mut Connection, f: impl FnOnce(&Write<'_>) -> Result<T>) -> Result<T> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let out = f(&tx)?;
    tx.commit()?;
    Ok(out)
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
        configure(&writer, WRITER_CACHE_KIB)?;
        schema::migrate(&mut writer, &db_path.display().to_string())?;
        let watcher = Connection::open_with_flags(&db_path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        static OPENED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        Ok(Store {
            id: OPENED.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            data_dir: data_dir.to_path_buf(),
            db_path,
            writer: Mutex::new(Writers { checked: writer, unchecked: None }),
            readers: Mutex::new(Vec::new()),
            watcher: Mutex::new(watcher),
            cache: Mutex::new(Vec::new()),
        })
    }

    /// The data directory this store lives in.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// This store's number among those the process opened: what its data versions are
    /// relative to (each store counts its own).
    pub fn id(&self) -> u64 {
        self.id
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
        configure(&conn, READER_CACHE_KIB)?;
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
        let mut writers = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        in_transaction(&mut writers.checked, f)
    }

    /// [`Store::write`] without foreign keys checked row by row, for writes whose every row
    /// references a parent they wrote or looked up in the same transaction and that delete
    /// nothing (cascades are off too): the importer, `log-batch`. A bulk import spends a third
    /// less time this way.
    pub fn write_unchecked<T>(&self, f: impl FnOnce(&Write<'_>) -> Result<T>) -> Result<T> {
        let mut writers = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        if writers.unchecked.is_none() {
            let conn = Connection::open(&self.db_path)?;
            configure(&conn, WRITER_CACHE_KIB)?;
            conn.pragma_update(None, "foreign_keys", false)?;
            writers.unchecked = Some(conn);
        }
        in_transaction(writers.unchecked.as_mut().expect("opened above"), f)
    }

    /// Whether no write of this process is under way (a hint: it may change at once).
    pub fn writer_idle(&self) -> bool {
        self.writer.try_lock().is_ok()
    }

    /// A number that changes whenever anything commits to the database, from this process
    /// or another one (SQLite's `PRAGMA data_version`).
    pub fn data_version(&self) -> Result<i64> {
        let conn = self.watcher.lock().unwrap_or_else(|p| p.into_inner());
        Ok(conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// `compute`'s answer for `key`, whatever commits happen: for results whose key says when
    /// they are still valid (a history's overview keyed by its point count and latest point),
    /// so writes elsewhere do not throw them away. Least recently used entries go first.
    pub fn memo<T: Any + Send + Sync>(&self, key: &str, compute: impl FnOnce(&Store) -> Result<T>) -> Result<Arc<T>> {
        const ANY_VERSION: i64 = i64::MIN;
        if let Some(v) = self.cache_get::<T>(key, ANY_VERSION) {
            return Ok(v);
        }
        let value = Arc::new(compute(self)?);
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.retain(|e| e.key != key);
        if cache.len() >= CACHE_ENTRIES {
            cache.remove(0);
        }
        cache.push(CacheEntry { key: key.to_string(), version: ANY_VERSION, value: value.clone() });
        Ok(value)
    }

    fn cache_get<T: Any + Send + Sync>(&self, key: &str, version: i64) -> Option<Arc<T>> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let i = cache.iter().position(|e| e.key == key && e.version == version)?;
        let entry = cache.remove(i);
        let value = entry.value.clone();
        cache.push(entry);
        value.downcast::<T>().ok()
    }

    fn cache_put(&self, key: &str, version: i64, value: Arc<dyn Any + Send + Sync>) {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.retain(|e| e.key != key && (e.version == version || e.version == i64::MIN));
        if cache.len() >= CACHE_ENTRIES {
            cache.remove(0);
        }
        cache.push(CacheEntry { key: key.to_string(), version, value });
    }

    /// `compute`'s answer for `key`, computed once per data version: a second call with the
    /// same key and no commit in between returns the same value without reading again.
    pub fn cached<T: Any + Send + Sync>(&self, key: &str, compute: impl FnOnce(&Read) -> Result<T>) -> Result<Arc<T>> {
        let version = self.data_version()?;
        if let Some(v) = self.cache_get::<T>(key, version) {
            return Ok(v);
        }
        let value = Arc::new(self.read(compute)?);
        self.cache_put(key, version, value.clone());
        Ok(value)
    }
}
