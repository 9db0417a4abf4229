//! Sync with a team's MLflow tracking server over its REST API.
//!
//! - [`pull`] copies experiments, runs (full metric histories), logged models, the registry
//!   and artifacts into the local store, keeping run ids (and experiment ids where they are
//!   free here). Each run is written in one transaction and marked complete only after its
//!   artifacts, so a pull that is interrupted and run again ends exact; a second pull fetches
//!   only runs whose fingerprint changed, and only the metric histories that grew.
//! - [`push`] sends runs made here (logged or imported, not pulled) to the server, creating
//!   the experiment by name when missing. The local-to-remote run mapping is recorded (and the
//!   remote run carries the tag `runlens.source_run_id`), so pushing again sends only what is
//!   new and never duplicates a run; metric points the server already has are not re-sent.
//! - A pulled run that changed here and on the server since the last sync is a conflict: it
//!   is reported and left as it is.
//!
//! Invariant: nothing local is deleted by a pull.

mod pull;
mod push;
pub mod remote;

use std::sync::atomic::{AtomicBool, Ordering};

pub use pull::pull;
pub use push::push;
pub use remote::{Credentials, Remote};

/// Why a sync stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Not a URL we can talk to.
    #[error("{0}")]
    BadUrl(String),
    /// The server could not be reached, or kept failing.
    #[error("{endpoint}: {message}")]
    Http {
        /// `METHOD /path`.
        endpoint: String,
        /// What went wrong.
        message: String,
    },
    /// The server refused the credentials.
    #[error(
        "{endpoint}: the server refused the request ({status}). Set MLFLOW_TRACKING_TOKEN, or \
         MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, as for the MLflow client"
    )]
    Unauthorized {
        /// `METHOD /path`.
        endpoint: String,
        /// 401 or 403.
        status: u16,
    },
    /// The server answered with an error.
    #[error("{endpoint}: {status} {code} {message}")]
    Server {
        /// `METHOD /path`.
        endpoint: String,
        /// HTTP status.
        status: u16,
        /// MLflow's `error_code`.
        code: String,
        /// MLflow's message.
        message: String,
    },
    /// The server's answer was not what MLflow answers.
    #[error("{0}")]
    Malformed(String),
    /// A local file could not be read or written.
    #[error("{0}")]
    Local(String),
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] runlens_store::Error),
    /// An experiment asked for is not there.
    #[error("{0}")]
    NotFound(String),
    /// Stopped on request.
    #[error("the sync was cancelled")]
    Cancelled,
}

impl Error {
    /// The same error, naming the endpoint it came from.
    pub(crate) fn at(self, endpoint: &str) -> Error {
        match self {
            Error::Server { status, code, message, .. } => {
                Error::Server { endpoint: endpoint.to_string(), status, code, message }
            }
            Error::Http { message, .. } => Error::Http { endpoint: endpoint.to_string(), message },
            Error::Malformed(why) => Error::Malformed(format!("{endpoint}: the answer is malformed: {why}")),
            other => other,
        }
    }

    /// A server error with this MLflow error code?
    pub(crate) fn is_code(&self, wanted: &str) -> bool {
        matches!(self, Error::Server { code, .. } if code == wanted)
    }
}

/// Where a sync is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// `experiments`, `runs`, `logged models`, `registry`.
    pub phase: String,
    /// The experiment being synced.
    pub experiment: String,
    /// Runs done in it.
    pub done: usize,
    /// Runs in it.
    pub total: usize,
    /// Metric points moved so far (all experiments).
    pub metric_points: usize,
    /// Artifact files moved so far.
    pub artifacts: usize,
}

/// What a sync should do, and who hears about it.
pub struct Options<'a> {
    /// Experiments by name or id (on the side being read); all when empty.
    pub experiments: Vec<String>,
    /// Told of progress after each run.
    pub progress: &'a (dyn Fn(&Progress) + Sync),
    /// Set to stop between two runs.
    pub cancel: &'a AtomicBool,
}

impl Options<'_> {
    pub(crate) fn check_cancel(&self) -> Result<(), Error> {
        if self.cancel.load(Ordering::Relaxed) {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Experiments synced.
    pub experiments: usize,
    /// Runs new on the receiving side.
    pub runs_new: usize,
    /// Runs brought up to date.
    pub runs_updated: usize,
    /// Runs that had not changed.
    pub runs_unchanged: usize,
    /// Metric points moved.
    pub metric_points: usize,
    /// Artifact files moved.
    pub artifacts: usize,
    /// Logged models pulled.
    pub logged_models: usize,
    /// Registered models pulled.
    pub registered_models: usize,
    /// Model versions pulled.
    pub model_versions: usize,
    /// Runs changed on both sides since the last sync: left as they are.
    pub conflicts: Vec<String>,
    /// What was left out, and why.
    pub skipped: Vec<String>,
}

/// The facts of a run that tell whether it changed: attributes, params, tags and each
/// metric's latest point. The same on both sides after a sync.
#[derive(Debug, Default, Clone)]
pub(crate) struct Facts {
    pub name: String,
    pub user: String,
    pub status: String,
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub lifecycle: String,
    pub params: Vec<(String, String)>,
    pub tags: Vec<(String, String)>,
    /// Key, step, timestamp, value.
    pub latest: Vec<(String, i64, i64, f64)>,
}

impl Facts {
    pub(crate) fn of_local(run: &runlens_store::Run) -> Facts {
        let i = &run.info;
        Facts {
            name: i.run_name.clone(),
            user: i.user_id.clone(),
            status: i.status.as_str().to_string(),
            start: i.start_time,
            end: i.end_time,
            lifecycle: i.lifecycle_stage.as_str().to_string(),
            params: run.params.iter().map(|p| (p.key.clone(), p.value.clone())).collect(),
            tags: run.tags.iter().map(|t| (t.key.clone(), t.value.clone())).collect(),
            latest: run.metrics.iter().map(|m| (m.key.clone(), m.step, m.timestamp, m.value)).collect(),
        }
    }

    /// A stable hash (FNV-1a, 64 bits) of the facts in a canonical order.
    pub(crate) fn fingerprint(&self) -> String {
        let mut f = self.clone();
        f.params.sort();
        f.tags.sort();
        f.latest.sort_by(|a, b| a.0.cmp(&b.0));
        let mut text = format!(
            "{}\u{1f}{}\u{1f}{}\u{1f}{:?}\u{1f}{:?}\u{1f}{}",
            f.name, f.user, f.status, f.start, f.end, f.lifecycle
        );
        for (k, v) in &f.params {
            text.push_str(&format!("\u{1e}p{k}\u{1f}{v}"));
        }
        for (k, v) in &f.tags {
            text.push_str(&format!("\u{1e}t{k}\u{1f}{v}"));
        }
        for (k, step, ts, v) in &f.latest {
            let v = if v.is_nan() { "NaN".to_string() } else { format!("{v:?}") };
            text.push_str(&format!("\u{1e}m{k}\u{1f}{step}\u{1f}{ts}\u{1f}{v}"));
        }
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for b in text.as_bytes() {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        format!("{hash:016x}")
    }
}

/// Now, in ms since the epoch.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Does `selector` (a name or an id) name this experiment?
pub(crate) fn selects(selectors: &[String], id: &str, name: &str) -> bool {
    selectors.is_empty() || selectors.iter().any(|s| s == id || s == name)
}

/// The server's experiments (deleted ones too) as id, name and lifecycle stage.
pub fn remote_experiments(remote: &Remote) -> Result<Vec<(String, String, String)>, Error> {
    Ok(pull::remote_experiments(remote)?
        .iter()
        .map(|e| (pull::text(&e["experiment_id"]), pull::text(&e["name"]), pull::text(&e["lifecycle_stage"])))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_ignores_order_and_sees_every_fact() {
        let base = Facts {
            name: "r".into(),
            status: "FINISHED".into(),
            params: vec![("a".into(), "1".into()), ("b".into(), "2".into())],
            latest: vec![("loss".into(), 3, 10, 0.5), ("acc".into(), 3, 10, f64::NAN)],
            ..Default::default()
        };
        let mut reordered = base.clone();
        reordered.params.reverse();
        reordered.latest.reverse();
        assert_eq!(base.fingerprint(), reordered.fingerprint());
        let mut grown = base.clone();
        grown.latest[0].1 = 4;
        assert_ne!(base.fingerprint(), grown.fingerprint());
        let mut tagged = base.clone();
        tagged.tags.push(("note".into(), "x".into()));
        assert_ne!(base.fingerprint(), tagged.fingerprint());
        let mut negative_zero = base.clone();
        negative_zero.latest[0].3 = -0.0;
        let mut zero = base.clone();
        zero.latest[0].3 = 0.0;
        assert_ne!(negative_zero.fingerprint(), zero.fingerprint());
    }

    #[test]
    fn selectors_match_names_or_ids() {
        assert!(selects(&[], "1", "a"));
        assert!(selects(&["a".into()], "1", "a"));
        assert!(selects(&["1".into()], "1", "a"));
        assert!(!selects(&["b".into()], "1", "a"));
    }
}
