//! Runlens's own operations for syncing with MLflow tracking servers from the UI: the saved
//! remotes (their tokens and passwords in the OS keyring, or for this session only where there
//! is none), the server's experiments, and sync jobs that run in the background and report
//! progress to whoever polls them (the window and the browser alike).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use serde::{Deserialize, Serialize};

use runlens_store::sync_state::{self, Remote as SavedRemote};
use runlens_store::Store;
use runlens_sync::{Credentials, Progress, Remote, Report};

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::wire::opt_bool;
use crate::{now_ms, Empty};

/// A remote's secret: a token or a password.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
struct Secret {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    password: Option<String>,
}

/// Secrets kept for this session where the system has no keyring.
static SESSION_SECRETS: LazyLock<Mutex<HashMap<String, Secret>>> = LazyLock::new(Default::default);

const KEYRING_SERVICE: &str = "runlens-sync";

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Keeps a secret: in the OS keyring when there is one (`"keyring"`), else for this session
/// (`"session"`).
fn keep_secret(url: &str, secret: &Secret) -> &'static str {
    let json = serde_json::to_string(secret).unwrap_or_default();
    let stored = keyring::Entry::new(KEYRING_SERVICE, url).and_then(|e| e.set_password(&json));
    if stored.is_ok() {
        lock(&SESSION_SECRETS).remove(url);
        "keyring"
    } else {
        lock(&SESSION_SECRETS).insert(url.to_string(), secret.clone());
        "session"
    }
}

/// A remote's secret and where it is kept, if anywhere.
fn find_secret(url: &str) -> Option<(Secret, &'static str)> {
    if let Some(s) = lock(&SESSION_SECRETS).get(url) {
        return Some((s.clone(), "session"));
    }
    let json = keyring::Entry::new(KEYRING_SERVICE, url).and_then(|e| e.get_password()).ok()?;
    serde_json::from_str(&json).ok().map(|s| (s, "keyring"))
}

fn forget_secret(url: &str) {
    lock(&SESSION_SECRETS).remove(url);
    if let Ok(e) = keyring::Entry::new(KEYRING_SERVICE, url) {
        let _ = e.delete_credential();
    }
}

fn normalize(url: &str) -> ApiResult<String> {
    let url = url.trim().trim_end_matches('/').to_string();
    if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() <= "https://".len() {
        return Err(ApiError::invalid(format!("'{url}' is not an http:// or https:// URL")));
    }
    Ok(url)
}

/// How to sign in to `url`: the MLflow client's environment variables when they name a token
/// or a user (as the client does), else a saved remote's way (its secret from the keyring).
pub fn credentials_for(store: &Store, url: &str) -> Credentials {
    let env = Credentials::from_env();
    if env.token.is_some() || env.username.is_some() {
        return env;
    }
    let saved = store.read(sync_state::remotes).unwrap_or_default().into_iter().find(|r| r.url == url);
    let Some(saved) = saved else { return env };
    let secret = find_secret(url).map(|(s, _)| s).unwrap_or_default();
    let insecure_tls = saved.insecure_tls || (saved.auth == "none" && env.insecure_tls);
    sign_in(&saved.auth, saved.username, secret, insecure_tls)
}

/// The credentials of a way to sign in (`none`, `token` or `basic`) with its secret.
fn sign_in(auth: &str, username: Option<String>, secret: Secret, insecure_tls: bool) -> Credentials {
    match auth {
        "token" => Credentials { token: secret.token, insecure_tls, ..Default::default() },
        "basic" => Credentials { username, password: secret.password, insecure_tls, ..Default::default() },
        _ => Credentials { insecure_tls, ..Default::default() },
    }
}

/// A saved remote.
#[derive(Debug, Serialize)]
pub struct RemoteJson {
    /// URL.
    pub url: String,
    /// `none`, `token` or `basic`.
    pub auth: String,
    /// Basic auth user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Accept any certificate.
    pub insecure_tls: bool,
    /// Where its secret is: `keyring`, `session`, or absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// When it was added (ms).
    pub added_time: i64,
}

/// The saved remotes.
#[derive(Debug, Serialize)]
pub struct RemotesResponse {
    /// By URL.
    pub remotes: Vec<RemoteJson>,
}

/// `runlens/remotes/list`.
pub fn list_remotes(store: &Store, _req: Empty) -> ApiResult<RemotesResponse> {
    let remotes = store.read(sync_state::remotes)?;
    Ok(RemotesResponse {
        remotes: remotes
            .into_iter()
            .map(|r| RemoteJson {
                secret: (r.auth != "none").then(|| find_secret(&r.url).map(|(_, w)| w.to_string())).flatten(),
                url: r.url,
                auth: r.auth,
                username: r.username,
                insecure_tls: r.insecure_tls,
                added_time: r.added_time,
            })
            .collect(),
    })
}

/// `runlens/remotes/save`.
#[derive(Debug, Deserialize)]
pub struct SaveRemote {
    /// URL.
    pub url: Option<String>,
    /// `none`, `token` or `basic`.
    pub auth: Option<String>,
    /// Basic auth user.
    pub username: Option<String>,
    /// The token or password; absent keeps the one saved.
    pub secret: Option<String>,
    /// Accept any certificate.
    #[serde(default, deserialize_with = "opt_bool")]
    pub insecure_tls: Option<bool>,
}

/// Where the secret went.
#[derive(Debug, Serialize)]
pub struct SaveRemoteResponse {
    /// The remote's URL as saved.
    pub url: String,
    /// `keyring`, `session`, or absent when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// Saves a remote; its token or password goes to the OS keyring (or is kept for this session
/// where there is none), never into the store.
pub fn save_remote(store: &Store, req: SaveRemote) -> ApiResult<SaveRemoteResponse> {
    let url = normalize(&req.url.unwrap_or_default())?;
    let auth = req.auth.unwrap_or_else(|| "none".into());
    if !matches!(auth.as_str(), "none" | "token" | "basic") {
        return Err(ApiError::invalid(format!("auth must be none, token or basic, not '{auth}'")));
    }
    let username = req.username.filter(|u| !u.trim().is_empty());
    if auth == "basic" && username.is_none() {
        return Err(ApiError::invalid("A user name is needed to sign in with a password"));
    }
    let added_time = store
        .read(sync_state::remotes)?
        .into_iter()
        .find(|r| r.url == url)
        .map(|r| r.added_time)
        .unwrap_or_else(now_ms);
    let remote = SavedRemote {
        url: url.clone(),
        auth: auth.clone(),
        username: if auth == "basic" { username } else { None },
        insecure_tls: req.insecure_tls.unwrap_or(false),
        added_time,
    };
    store.write(|tx| sync_state::save_remote(tx, &remote))?;
    let secret = match (auth.as_str(), req.secret.filter(|s| !s.is_empty())) {
        ("none", _) => {
            forget_secret(&url);
            None
        }
        ("token", Some(s)) => Some(keep_secret(&url, &Secret { token: Some(s), password: None }).to_string()),
        (_, Some(s)) => Some(keep_secret(&url, &Secret { token: None, password: Some(s) }).to_string()),
        (_, None) => find_secret(&url).map(|(_, w)| w.to_string()),
    };
    Ok(SaveRemoteResponse { url, secret })
}

/// A request naming a remote.
#[derive(Debug, Deserialize)]
pub struct RemoteUrl {
    /// URL.
    pub url: Option<String>,
}

/// Forgets a remote and its secret (what was pulled from it stays).
pub fn remove_remote(store: &Store, req: RemoteUrl) -> ApiResult<Empty> {
    let url = normalize(&req.url.unwrap_or_default())?;
    if !store.write(|tx| sync_state::remove_remote(tx, &url))? {
        return Err(ApiError::not_found(format!("No remote {url}")));
    }
    forget_secret(&url);
    Ok(Empty {})
}

fn sync_error(e: runlens_sync::Error) -> ApiError {
    let code = match &e {
        runlens_sync::Error::NotFound(_) => ErrorCode::ResourceDoesNotExist,
        runlens_sync::Error::BadUrl(_) => ErrorCode::InvalidParameterValue,
        runlens_sync::Error::Unauthorized { .. } => ErrorCode::PermissionDenied,
        _ => ErrorCode::TemporarilyUnavailable,
    };
    ApiError::new(code, e.to_string())
}

/// One of the server's experiments, with its local counterpart.
#[derive(Debug, Serialize)]
pub struct RemoteExperiment {
    /// Its id on the server.
    pub experiment_id: String,
    /// Name.
    pub name: String,
    /// `active` or `deleted`.
    pub lifecycle_stage: String,
    /// The local experiment it was pulled or pushed as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_id: Option<String>,
    /// Last pull (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_pull: Option<i64>,
}

/// The server's experiments.
#[derive(Debug, Serialize)]
pub struct RemoteExperimentsResponse {
    /// By name.
    pub experiments: Vec<RemoteExperiment>,
}

/// `runlens/remotes/experiments`.
#[derive(Debug, Deserialize)]
pub struct RemoteExperimentsRequest {
    /// The server.
    pub url: Option<String>,
    /// Settings not saved yet (a connection test): `none`, `token` or `basic`. Absent: the
    /// saved remote's, else the MLflow client's variables.
    pub auth: Option<String>,
    /// Basic auth user (with `auth`).
    pub username: Option<String>,
    /// Token or password (with `auth`); absent keeps the saved one.
    pub secret: Option<String>,
    /// Accept any certificate (with `auth`).
    #[serde(default, deserialize_with = "opt_bool")]
    pub insecure_tls: Option<bool>,
    /// Try once, without retries (a connection test).
    #[serde(default, deserialize_with = "opt_bool")]
    pub quick: Option<bool>,
}

/// `runlens/remotes/experiments`: what the server has (also how a remote is checked, with
/// settings not saved yet).
pub fn remote_experiments(store: &Store, req: RemoteExperimentsRequest) -> ApiResult<RemoteExperimentsResponse> {
    let url = normalize(&req.url.unwrap_or_default())?;
    let credentials = match req.auth.as_deref() {
        None => credentials_for(store, &url),
        Some(auth) => {
            if !matches!(auth, "none" | "token" | "basic") {
                return Err(ApiError::invalid(format!("auth must be none, token or basic, not '{auth}'")));
            }
            // The secret typed, else the one kept.
            let secret = match req.secret.filter(|s| !s.is_empty()) {
                Some(s) => Secret { token: Some(s.clone()), password: Some(s) },
                None => find_secret(&url).map(|(s, _)| s).unwrap_or_default(),
            };
            let username = req.username.filter(|u| !u.trim().is_empty());
            sign_in(auth, username, secret, req.insecure_tls.unwrap_or(false))
        }
    };
    let mut remote = Remote::new(&url, &credentials).map_err(sync_error)?;
    if req.quick.unwrap_or(false) {
        remote = remote.without_retries();
    }
    let found = runlens_sync::remote_experiments(&remote).map_err(sync_error)?;
    let syncs = store.read(sync_state::experiment_syncs)?;
    let mut experiments: Vec<RemoteExperiment> = found
        .into_iter()
        .map(|(id, name, stage)| {
            let s = syncs.iter().find(|s| s.remote == url && s.remote_id == id);
            RemoteExperiment {
                local_id: s.map(|s| s.experiment_id.to_string()),
                last_pull: s.and_then(|s| s.last_pull),
                experiment_id: id,
                name,
                lifecycle_stage: stage,
            }
        })
        .collect();
    experiments.sort_by_key(|e| e.name.to_lowercase());
    Ok(RemoteExperimentsResponse { experiments })
}

/// A sync running (or run) in the background.
struct Job {
    id: u64,
    url: String,
    direction: String,
    experiments: Vec<String>,
    started: i64,
    cancel: AtomicBool,
    state: Mutex<JobState>,
}

#[derive(Default)]
struct JobState {
    progress: Progress,
    finished: Option<i64>,
    report: Option<Report>,
    error: Option<String>,
}

static JOBS: LazyLock<Mutex<Vec<Arc<Job>>>> = LazyLock::new(Default::default);

/// `runlens/sync/start`.
#[derive(Debug, Deserialize)]
pub struct StartSync {
    /// The server.
    pub url: Option<String>,
    /// `pull` or `push`.
    pub direction: Option<String>,
    /// Experiments by name or id (on the side read); all when empty.
    #[serde(default)]
    pub experiments: Vec<String>,
}

/// A job's progress and outcome.
#[derive(Debug, Serialize)]
pub struct JobJson {
    /// Id.
    pub job_id: String,
    /// Server.
    pub url: String,
    /// `pull` or `push`.
    pub direction: String,
    /// The experiments asked for.
    pub experiments: Vec<String>,
    /// `running`, `done`, `failed` or `cancelled`.
    pub state: String,
    /// Started (ms).
    pub started: i64,
    /// Finished (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished: Option<i64>,
    /// Where it is.
    pub progress: ProgressJson,
    /// What it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<ReportJson>,
    /// Why it stopped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// [`Progress`] on the wire.
#[derive(Debug, Serialize)]
pub struct ProgressJson {
    /// Phase.
    pub phase: String,
    /// Experiment.
    pub experiment: String,
    /// Runs done in it.
    pub done: usize,
    /// Runs in it.
    pub total: usize,
    /// Metric points so far.
    pub metric_points: usize,
    /// Artifact files so far.
    pub artifacts: usize,
}

/// [`Report`] on the wire.
#[derive(Debug, Serialize)]
pub struct ReportJson {
    /// Experiments.
    pub experiments: usize,
    /// New runs.
    pub runs_new: usize,
    /// Updated runs.
    pub runs_updated: usize,
    /// Unchanged runs.
    pub runs_unchanged: usize,
    /// Metric points.
    pub metric_points: usize,
    /// Artifact files.
    pub artifacts: usize,
    /// Logged models.
    pub logged_models: usize,
    /// Registered models.
    pub registered_models: usize,
    /// Model versions.
    pub model_versions: usize,
    /// Conflicts.
    pub conflicts: Vec<String>,
    /// Skipped.
    pub skipped: Vec<String>,
}

impl Job {
    fn json(&self) -> JobJson {
        let s = lock(&self.state);
        let p = &s.progress;
        JobJson {
            job_id: self.id.to_string(),
            url: self.url.clone(),
            direction: self.direction.clone(),
            experiments: self.experiments.clone(),
            state: match (&s.finished, &s.error) {
                (None, _) => "running",
                (Some(_), Some(_)) if self.cancel.load(Ordering::Relaxed) => "cancelled",
                (Some(_), Some(_)) => "failed",
                (Some(_), None) => "done",
            }
            .into(),
            started: self.started,
            finished: s.finished,
            progress: ProgressJson {
                phase: p.phase.clone(),
                experiment: p.experiment.clone(),
                done: p.done,
                total: p.total,
                metric_points: p.metric_points,
                artifacts: p.artifacts,
            },
            report: s.report.as_ref().map(|r| ReportJson {
                experiments: r.experiments,
                runs_new: r.runs_new,
                runs_updated: r.runs_updated,
                runs_unchanged: r.runs_unchanged,
                metric_points: r.metric_points,
                artifacts: r.artifacts,
                logged_models: r.logged_models,
                registered_models: r.registered_models,
                model_versions: r.model_versions,
                conflicts: r.conflicts.clone(),
                skipped: r.skipped.clone(),
            }),
            error: s.error.clone(),
        }
    }
}

/// Starts a pull or push in the background; one at a time.
pub fn start_sync(store: &Store, req: StartSync) -> ApiResult<JobJson> {
    let url = normalize(&req.url.unwrap_or_default())?;
    let direction = req.direction.unwrap_or_default();
    if direction != "pull" && direction != "push" {
        return Err(ApiError::invalid(format!("direction must be pull or push, not '{direction}'")));
    }
    let remote = Remote::new(&url, &credentials_for(store, &url)).map_err(sync_error)?;
    let mut jobs = lock(&JOBS);
    if let Some(running) = jobs.iter().find(|j| lock(&j.state).finished.is_none()) {
        return Err(ApiError::new(
            ErrorCode::RequestLimitExceeded,
            format!("A {} with {} is running; wait for it or cancel it", running.direction, running.url),
        ));
    }
    let job = Arc::new(Job {
        id: jobs.iter().map(|j| j.id).max().unwrap_or(0) + 1,
        url,
        direction,
        experiments: req.experiments,
        started: now_ms(),
        cancel: AtomicBool::new(false),
        state: Mutex::new(JobState::default()),
    });
    jobs.push(job.clone());
    // Keep the last few finished jobs to show.
    while jobs.len() > 20 {
        jobs.remove(0);
    }
    drop(jobs);
    let data_dir = store.data_dir().to_path_buf();
    let worker = job.clone();
    std::thread::Builder::new()
        .name(format!("sync-{}", job.id))
        .spawn(move || {
            let job = worker;
            let result = runlens_store::Store::open(&data_dir).map_err(runlens_sync::Error::from).and_then(|store| {
                let progress = |p: &Progress| lock(&job.state).progress = p.clone();
                let options = runlens_sync::Options {
                    experiments: job.experiments.clone(),
                    progress: &progress,
                    cancel: &job.cancel,
                };
                if job.direction == "pull" {
                    runlens_sync::pull(&store, &remote, &options)
                } else {
                    runlens_sync::push(&store, &remote, &options)
                }
            });
            let mut s = lock(&job.state);
            match result {
                Ok(r) => s.report = Some(r),
                Err(e) => s.error = Some(e.to_string()),
            }
            s.finished = Some(now_ms());
        })
        .map_err(|e| ApiError::new(ErrorCode::InternalError, format!("starting the sync failed: {e}")))?;
    Ok(job.json())
}

/// A request naming a job.
#[derive(Debug, Deserialize)]
pub struct JobId {
    /// Id.
    #[serde(default, deserialize_with = "crate::wire::opt_id")]
    pub job_id: Option<String>,
}

fn find_job(req: JobId) -> ApiResult<Arc<Job>> {
    let id = req.job_id.unwrap_or_default();
    lock(&JOBS)
        .iter()
        .find(|j| j.id.to_string() == id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("No sync job {id}")))
}

/// `runlens/sync/status`.
pub fn sync_status(_store: &Store, req: JobId) -> ApiResult<JobJson> {
    Ok(find_job(req)?.json())
}

/// `runlens/sync/cancel`: stops the job between two runs (what was synced stays).
pub fn cancel_sync(_store: &Store, req: JobId) -> ApiResult<JobJson> {
    let job = find_job(req)?;
    job.cancel.store(true, Ordering::Relaxed);
    Ok(job.json())
}

/// The jobs of this session, newest first.
#[derive(Debug, Serialize)]
pub struct JobsResponse {
    /// Jobs.
    pub jobs: Vec<JobJson>,
}

/// `runlens/sync/jobs`.
pub fn sync_jobs(_store: &Store, _req: Empty) -> ApiResult<JobsResponse> {
    Ok(JobsResponse { jobs: lock(&JOBS).iter().rev().map(|j| j.json()).collect() })
}

/// When each experiment was last synced.
#[derive(Debug, Serialize)]
pub struct ExperimentSyncJson {
    /// Local experiment.
    pub experiment_id: String,
    /// Server.
    pub url: String,
    /// Its id there.
    pub remote_id: String,
    /// Last pull (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_pull: Option<i64>,
    /// Last push (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_push: Option<i64>,
}

/// The answer of `runlens/experiments/sync-state`.
#[derive(Debug, Serialize)]
pub struct ExperimentSyncsResponse {
    /// By experiment.
    pub experiments: Vec<ExperimentSyncJson>,
}

/// `runlens/experiments/sync-state`.
pub fn experiment_syncs(store: &Store, _req: Empty) -> ApiResult<ExperimentSyncsResponse> {
    Ok(ExperimentSyncsResponse {
        experiments: store
            .read(sync_state::experiment_syncs)?
            .into_iter()
            .map(|s| ExperimentSyncJson {
                experiment_id: s.experiment_id.to_string(),
                url: s.remote,
                remote_id: s.remote_id,
                last_pull: s.last_pull,
                last_push: s.last_push,
            })
            .collect(),
    })
}

/// `runlens/runs/sync-state`.
#[derive(Debug, Deserialize)]
pub struct RunIdRequest {
    /// Run.
    pub run_id: Option<String>,
}

/// Where a run came from and how it was last synced.
#[derive(Debug, Serialize)]
pub struct RunSyncResponse {
    /// `local`, `imported` or `pulled`.
    pub origin: String,
    /// The server it was last pulled from or pushed to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `pull` or `push`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// Its id there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_run_id: Option<String>,
    /// When (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub synced_time: Option<i64>,
    /// Everything was transferred.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complete: Option<bool>,
}

/// `runlens/runs/sync-state`: where a run came from and how it was last synced.
pub fn run_sync_state(store: &Store, req: RunIdRequest) -> ApiResult<RunSyncResponse> {
    let run_id = req.run_id.filter(|r| !r.is_empty()).ok_or_else(|| ApiError::missing("run_id"))?;
    let (origin, link) = store.read(|c| {
        let h = runlens_store::runs::handle(c, &run_id)?;
        Ok((runlens_store::runs::origin(c, h)?, sync_state::run_sync(c, h)?))
    })?;
    Ok(RunSyncResponse {
        origin,
        url: link.as_ref().map(|(u, _)| u.clone()),
        direction: link.as_ref().map(|(_, l)| l.direction.clone()),
        remote_run_id: link.as_ref().map(|(_, l)| l.remote_run_id.clone()),
        synced_time: link.as_ref().map(|(_, l)| l.synced_time),
        complete: link.as_ref().map(|(_, l)| l.complete),
    })
}
