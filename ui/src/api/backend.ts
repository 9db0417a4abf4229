// One interface, two transports: Tauri IPC in the desktop window, HTTP in a browser.
// Both hand an operation name and a JSON request to the same Rust function
// (runlens_api::call), so they cannot disagree.

import { ApiError, type ApiErrorBody, type Experiment, type Metric, type Run } from './types';
import { experimentListArgs } from './lists';
import { HttpBackend } from './http';
import { TauriBackend } from './tauri';

export interface ImportProgress {
  runs_done: number;
  runs_total: number;
  metric_points: number;
  artifacts: number;
  skipped: number;
}

export interface Backend {
  /** Runs an API operation such as `mlflow/runs/search`. Rejects with an ApiError. */
  call<T>(op: string, args?: Record<string, unknown>): Promise<T>;
  /** Where a Python script should point `mlflow.set_tracking_uri`. */
  trackingUri(): Promise<string | null>;
  /** Is this the desktop app (file pickers, drag and drop, progress)? */
  readonly desktop: boolean;
  /** Imports a folder or mlflow.db, reporting progress where the transport can. */
  importPath(path: string, copy: boolean, onProgress: (p: ImportProgress) => void): Promise<ImportResult>;
  /** Stops the import under way between two runs (desktop). */
  cancelImport(): Promise<void>;
  /** The system's picker (desktop); null when cancelled or unavailable. */
  pickPath(file: boolean): Promise<string | null>;
  /** Calls `cb` with paths dropped on the window (desktop). */
  onPathsDropped(cb: (paths: string[]) => void): Promise<() => void>;
  /**
   * A URL the webview can load directly in `<img>`, `<video>`, `<audio>` or a sandboxed
   * `<iframe>`. With `preview`, the server answers inline under a `sandbox` CSP (an opaque
   * origin: scripts in the file cannot reach the app), for HTML and PDF frames.
   */
  artifactUrl(runId: string, path: string, preview?: boolean): Promise<string>;
  /** Reads bytes `[start, end)` of a run's artifact (from 0, up to 16 MiB), with the file's size. */
  readArtifact(runId: string, path: string, start?: number, end?: number): Promise<ArtifactBytes>;
  /**
   * Downloads an artifact: the browser's download in a browser, a save dialog in the desktop
   * app (a link to the loopback server would navigate the window away).
   */
  saveArtifact(runId: string, path: string): Promise<void>;
  /** Opens the system's file manager at the artifact (desktop only). */
  showInFolder(runId: string, path: string): Promise<void>;
  /** Saves bytes to a file: a save dialog on the desktop, a download in a browser. */
  saveBytes(suggestedName: string, bytes: Uint8Array, mime: string): Promise<void>;
  /**
   * Saves several files into one folder (a dashboard's slide-sized PNGs): a folder picker on
   * the desktop, one download per file in a browser. Resolves to the folder (desktop) or null.
   */
  saveFiles(files: { name: string; bytes: Uint8Array }[]): Promise<string | null>;
  /** Saves text to a file: a save dialog on the desktop, a download in a browser. */
  saveText(suggestedName: string, text: string, mime: string): Promise<void>;
}

export interface ArtifactBytes {
  bytes: Uint8Array;
  /** The whole file's size in bytes. */
  size: number;
}

/** The most `readArtifact` returns at once; previews page through bigger files. */
export const MAX_READ = 16 * 1024 * 1024;

/** Starts a browser download of `text` (used by the HTTP backend). */
export function downloadText(name: string, text: string, mime: string) {
  downloadBytes(name, new TextEncoder().encode(text), mime);
}

/** Starts a browser download of `bytes` (used by the HTTP backend). */
export function downloadBytes(name: string, bytes: Uint8Array, mime: string) {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Base64 of bytes (IPC carries them as a string). */
export function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

export function artifactQuery(runId: string, path: string, preview?: boolean): string {
  const q = new URLSearchParams({ run_uuid: runId, path });
  if (preview) q.set('preview', '1');
  return `/get-artifact?${q.toString()}`;
}

export interface SkippedItem {
  what: string;
  path: string;
  reason: string;
}

export interface ImportResult {
  experiments: number;
  runs: number;
  runs_total: number;
  metric_points: number;
  artifacts: number;
  logged_models: number;
  registered_models: number;
  model_versions: number;
  skipped: SkippedItem[];
  cancelled: boolean;
}

export function isApiErrorBody(v: unknown): v is ApiErrorBody {
  return typeof v === 'object' && v !== null && 'error_code' in v && 'message' in v;
}

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (isApiErrorBody(e)) return new ApiError(e.error_code, e.message);
  return new ApiError('INTERNAL_ERROR', e instanceof Error ? e.message : String(e));
}

function detect(): Backend {
  return '__TAURI_INTERNALS__' in window ? new TauriBackend() : new HttpBackend();
}

export const backend: Backend = detect();

// Typed helpers over the operations the UI uses.

export async function searchExperiments(viewType = 'ACTIVE_ONLY'): Promise<Experiment[]> {
  const out: Experiment[] = [];
  let token: string | undefined;
  do {
    const page = await backend.call<{ experiments?: Experiment[]; next_page_token?: string }>(
      'mlflow/experiments/search',
      experimentListArgs(viewType, token),
    );
    out.push(...(page.experiments ?? []));
    token = page.next_page_token;
  } while (token);
  return out;
}

export async function getExperiment(id: string): Promise<Experiment> {
  return (await backend.call<{ experiment: Experiment }>('mlflow/experiments/get', { experiment_id: id })).experiment;
}

export interface RunPage {
  runs: Run[];
  next_page_token?: string;
}

export async function searchRuns(experimentIds: string[], filter: string, orderBy: string[], maxResults = 1000, pageToken?: string): Promise<RunPage> {
  const page = await backend.call<RunPage>('runlens/runs/search', {
    experiment_ids: experimentIds,
    filter,
    order_by: orderBy,
    max_results: maxResults,
    page_token: pageToken,
  });
  return { runs: page.runs ?? [], next_page_token: page.next_page_token };
}

export async function getRun(runId: string): Promise<Run> {
  return (await backend.call<{ run: Run }>('mlflow/runs/get', { run_id: runId })).run;
}

export async function metricHistory(runId: string, key: string): Promise<Metric[]> {
  const out = await backend.call<{ metrics?: Metric[] }>('mlflow/metrics/get-history', { run_id: runId, metric_key: key });
  return out.metrics ?? [];
}

export interface WatchedFolder {
  path: string;
  enabled: boolean;
  added_time: number;
}

export async function watchedFolders(): Promise<WatchedFolder[]> {
  return (await backend.call<{ folders: WatchedFolder[] }>('runlens/watched/list')).folders;
}
