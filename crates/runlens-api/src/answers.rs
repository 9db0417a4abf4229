//! Answers of pure reads kept until the next write: the same search asked again (the UI's
//! live refresh every two seconds, a dashboard polling the client) is answered from memory.
//! An answer is kept under its operation, its exact request and the store's data version
//! (which any commit, from any process, changes), so it is never stale; the cache holds at
//! most [`BUDGET`] bytes, least recently used answers going first.

use std::collections::VecDeque;
use std::sync::{Arc, LazyLock, Mutex};

use runlens_store::Store;

use crate::error::ApiResult;
use crate::Answer;

/// Operations whose answer depends only on the request and the database (not on files).
pub(crate) const CACHEABLE: &[&str] = &[
    "mlflow/experiments/search",
    "mlflow/experiments/get",
    "mlflow/experiments/get-by-name",
    "mlflow/runs/get",
    "mlflow/runs/search",
    "mlflow/metrics/get-history",
    "mlflow/metrics/get-history-bulk-interval",
    "runlens/runs/search",
    "mlflow/registered-models/search",
    "mlflow/model-versions/search",
];

/// The most bytes of answers kept.
const BUDGET: usize = 32 * 1024 * 1024;
/// A bigger answer is not kept.
const LARGEST: usize = 4 * 1024 * 1024;

struct Entry {
    /// The store it came from (its id), the operation and the request.
    key: String,
    version: i64,
    answer: Arc<Answer>,
}

static CACHE: LazyLock<Mutex<VecDeque<Entry>>> = LazyLock::new(Default::default);

/// `compute`'s answer to `name` with `args`, or the one kept from an identical request made
/// since the last write.
pub(crate) fn through(
    store: &Store,
    name: &'static str,
    args: serde_json::Value,
    compute: impl FnOnce(&Store, serde_json::Value) -> ApiResult<Answer>,
) -> ApiResult<Answer> {
    if !CACHEABLE.contains(&name) {
        return compute(store, args);
    }
    let Ok(version) = store.data_version() else { return compute(store, args) };
    let key = format!("{}\u{0}{name}\u{0}{args}", store.id());
    {
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = cache.iter().position(|e| e.version == version && e.key == key) {
            let entry = cache.remove(i).expect("the position is in the cache");
            let answer = (*entry.answer).clone();
            cache.push_back(entry);
            return Ok(answer);
        }
    }
    let answer = compute(store, args)?;
    let size = answer.get().len();
    if size <= LARGEST {
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        // Answers of an older version of this store will never be asked for again.
        let prefix = format!("{}\u{0}", store.id());
        cache.retain(|e| e.version == version || !e.key.starts_with(&prefix));
        cache.push_back(Entry { key, version, answer: Arc::new(answer.clone()) });
        let mut total: usize = cache.iter().map(|e| e.answer.get().len()).sum();
        while total > BUDGET {
            let Some(old) = cache.pop_front() else { break };
            total -= old.answer.get().len();
        }
    }
    Ok(answer)
}
