// Typed calls for syncing with MLflow tracking servers (crates/runlens-api/src/sync.rs):
// the saved remotes, the server's experiments, background sync jobs, and what was synced.

import { backend } from '../api/backend';

export type Auth = 'none' | 'token' | 'basic';

export interface Remote {
  url: string;
  auth: Auth;
  username?: string;
  insecure_tls: boolean;
  /** Where the token or password is kept; absent when none is saved. */
  secret?: 'keyring' | 'session';
  added_time: number;
}

export interface RemoteExperiment {
  /** Its id on the server. */
  experiment_id: string;
  name: string;
  lifecycle_stage: string;
  /** The local experiment it was pulled or pushed as. */
  local_id?: string;
  last_pull?: number;
}

export type Direction = 'pull' | 'push';
export type JobState = 'running' | 'done' | 'failed' | 'cancelled';

export interface JobProgress {
  /** 'experiments' | 'runs' | 'logged models' | 'registry' ('' before it starts). */
  phase: string;
  experiment: string;
  /** Runs of the current experiment done, of `total`. */
  done: number;
  total: number;
  metric_points: number;
  artifacts: number;
}

export interface SyncReport {
  experiments: number;
  runs_new: number;
  runs_updated: number;
  runs_unchanged: number;
  metric_points: number;
  artifacts: number;
  logged_models: number;
  registered_models: number;
  model_versions: number;
  conflicts: string[];
  skipped: string[];
}

export interface Job {
  job_id: string;
  url: string;
  direction: Direction;
  experiments: string[];
  state: JobState;
  started: number;
  finished?: number;
  progress: JobProgress;
  report?: SyncReport;
  error?: string;
}

export interface ExperimentSync {
  /** The local experiment. */
  experiment_id: string;
  url: string;
  /** Its id on the server. */
  remote_id: string;
  last_pull?: number;
  last_push?: number;
}

export interface RunSync {
  origin: 'local' | 'imported' | 'pulled';
  url?: string;
  direction?: Direction;
  remote_run_id?: string;
  synced_time?: number;
  complete?: boolean;
}

export async function listRemotes(): Promise<Remote[]> {
  return (await backend.call<{ remotes?: Remote[] }>('runlens/remotes/list', {})).remotes ?? [];
}

export interface SaveRemote {
  url: string;
  auth: Auth;
  username?: string;
  /** The token or password; omitted keeps the saved one. */
  secret?: string;
  insecure_tls?: boolean;
}

export async function saveRemote(r: SaveRemote): Promise<{ url: string; secret?: 'keyring' | 'session' }> {
  const args: Record<string, unknown> = { url: r.url, auth: r.auth, insecure_tls: !!r.insecure_tls };
  if (r.auth === 'basic') args.username = r.username ?? '';
  if (r.auth !== 'none' && r.secret) args.secret = r.secret;
  return backend.call('runlens/remotes/save', args);
}

export async function removeRemote(url: string): Promise<void> {
  await backend.call('runlens/remotes/remove', { url });
}

/** Sign-in settings not saved yet, for a connection test (the secret, when absent, is the saved one). */
export interface TrySettings {
  auth: Auth;
  username?: string;
  secret?: string;
  insecure_tls: boolean;
}

/**
 * The server's experiments; also how a remote is checked (errors say why it cannot be
 * reached). With `settings`, a test of settings not saved yet, tried once without retries.
 */
export async function remoteExperiments(url: string, settings?: TrySettings): Promise<RemoteExperiment[]> {
  const args = settings ? { url, ...settings, quick: true } : { url };
  return (await backend.call<{ experiments?: RemoteExperiment[] }>('runlens/remotes/experiments', args)).experiments ?? [];
}

/** Starts a sync job; `experiments` by name or id (on the server for a pull, here for a push), [] for all. */
export async function startSync(url: string, direction: Direction, experiments: string[]): Promise<Job> {
  return backend.call<Job>('runlens/sync/start', { url, direction, experiments });
}

export async function jobStatus(jobId: string): Promise<Job> {
  return backend.call<Job>('runlens/sync/status', { job_id: jobId });
}

export async function cancelJob(jobId: string): Promise<Job> {
  return backend.call<Job>('runlens/sync/cancel', { job_id: jobId });
}

/** This app session's jobs, newest first. */
export async function listJobs(): Promise<Job[]> {
  return (await backend.call<{ jobs?: Job[] }>('runlens/sync/jobs', {})).jobs ?? [];
}

export async function experimentSyncs(): Promise<ExperimentSync[]> {
  return (await backend.call<{ experiments?: ExperimentSync[] }>('runlens/experiments/sync-state', {})).experiments ?? [];
}

export async function runSync(runId: string): Promise<RunSync> {
  return backend.call<RunSync>('runlens/runs/sync-state', { run_id: runId });
}

/** The server's host (and port) for short labels: `mlflow.example.com`. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}

/** The same address the server saves: trimmed, without a trailing slash. */
export function normalizeUrl(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

/**
 * How a job names an experiment: the backend matches a selector against ids and names both, so
 * a name (unique, and readable in reports) unless it is a number that could be taken for an id.
 */
export function selector(id: string, name: string): string {
  return /^\d+$/.test(name) ? id : name;
}

/** What a job synced, in words: the experiments asked for, or everything. */
export function jobWhat(job: Job, everything = 'everything'): string {
  if (job.experiments.length === 0) return everything;
  // One experiment asked for by id: the name it reported reads better.
  if (job.experiments.length === 1 && job.progress.experiment) return job.progress.experiment;
  return job.experiments.join(', ');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** Where a remote's secret is kept, in words; null when there is nothing to say. */
export function secretText(r: Remote): string | null {
  if (r.auth === 'none') return null;
  if (r.secret === 'keyring') return 'in the system keyring';
  if (r.secret === 'session') return 'for this session only: no keyring on this system';
  return r.auth === 'token' ? 'no token saved' : 'no password saved';
}

export function authText(r: Remote): string {
  if (r.auth === 'token') return 'Token';
  if (r.auth === 'basic') return `User ${r.username ?? ''}`.trim();
  return 'No sign-in';
}
