//! Following a folder while a training script writes into it (`notify`): each batch of file
//! events re-imports just the runs it touched, appended metric lines read from where the last
//! read stopped.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use runlens_store::Store;

use crate::{detect, filestore, sqlite, Error, Options, Source, Summary};

/// How long events are gathered before they are applied together.
const SETTLE: Duration = Duration::from_millis(150);

/// Watches `path` until `stop` is set, calling `on_update` with what each batch of changes
/// imported. The initial import is the caller's.
pub fn watch(
    store: &Store,
    path: &Path,
    options: &Options,
    stop: &AtomicBool,
    mut on_update: impl FnMut(Summary),
) -> Result<(), Error> {
    let sources = detect(path)?;
    let (tx, rx) = std::sync::mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(event) = res {
            let _ = tx.send(event.paths);
        }
    })
    .map_err(|e| Error::Io { path: path.to_path_buf(), source: std::io::Error::other(e.to_string()) })?;
    for source in &sources {
        let (target, mode) = match source {
            Source::FileStore(root) => (root.clone(), RecursiveMode::Recursive),
            Source::Sqlite { project, .. } => (project.clone(), RecursiveMode::NonRecursive),
        };
        watcher
            .watch(&target, mode)
            .map_err(|e| Error::Io { path: target.clone(), source: std::io::Error::other(e.to_string()) })?;
    }
    while !stop.load(Ordering::Relaxed) {
        let Ok(first) = rx.recv_timeout(Duration::from_millis(250)) else { continue };
        let mut changed: Vec<PathBuf> = first;
        let until = std::time::Instant::now() + SETTLE;
        while let Some(left) = until.checked_duration_since(std::time::Instant::now()) {
            match rx.recv_timeout(left) {
                Ok(more) => changed.extend(more),
                Err(_) => break,
            }
        }
        changed.sort();
        changed.dedup();
        let mut summary = Summary::default();
        for source in &sources {
            match source {
                Source::FileStore(root) => filestore::import_changed(store, root, &changed, options, &mut summary)?,
                Source::Sqlite { db, project } => {
                    let touched = changed.iter().any(|p| {
                        p.file_name().is_some_and(|n| {
                            n.to_string_lossy().starts_with(&*db.file_name().unwrap_or_default().to_string_lossy())
                        })
                    });
                    if touched {
                        sqlite::import(store, db, project, options, &mut summary)?;
                    }
                }
            }
        }
        if summary.runs + summary.experiments + summary.registered_models + summary.logged_models > 0
            || !summary.skipped.is_empty()
        {
            on_update(summary);
        }
    }
    Ok(())
}

/// Keeps one watcher thread per enabled folder of the store's `watched_folders`, checking
/// the table every two seconds (so any transport can change it). Each watcher imports its
/// folder once, then follows it.
pub fn spawn_manager(store: std::sync::Arc<Store>) -> std::thread::JoinHandle<()> {
    use std::collections::HashMap;
    use std::sync::Arc;
    std::thread::spawn(move || {
        let mut running: HashMap<String, (Arc<AtomicBool>, std::thread::JoinHandle<()>)> = HashMap::new();
        loop {
            let wanted: Vec<String> = store
                .read(runlens_store::import_state::watched)
                .map(|all| all.into_iter().filter(|w| w.enabled).map(|w| w.path).collect())
                .unwrap_or_default();
            running.retain(|path, (stop, handle)| {
                let keep = wanted.contains(path) && !handle.is_finished();
                if !keep {
                    stop.store(true, Ordering::Relaxed);
                }
                keep
            });
            for path in wanted {
                if running.contains_key(&path) {
                    continue;
                }
                let stop = Arc::new(AtomicBool::new(false));
                let (store, flag, folder) = (store.clone(), stop.clone(), path.clone());
                let handle = std::thread::spawn(move || {
                    let options = Options::default();
                    let p = Path::new(&folder);
                    let result =
                        crate::import(&store, p, &options).and_then(|_| watch(&store, p, &options, &flag, |_| {}));
                    if let Err(e) = result {
                        eprintln!("runlens: watching {folder}: {e}");
                        // Wait before the manager tries again.
                        for _ in 0..50 {
                            if flag.load(Ordering::Relaxed) {
                                break;
                            }
                            std::thread::sleep(Duration::from_millis(200));
                        }
                    }
                });
                running.insert(path, (stop, handle));
            }
            std::thread::sleep(Duration::from_secs(2));
        }
    })
}
