// Everything the run page shows about one run, loaded and kept fresh in one place: the run,
// its experiment's name, parent and children, logged models and registered versions, and
// its metric histories. Edits go through here and reload what they change.

import { backend, getExperiment, getRun, searchRuns, toApiError } from '../api/backend';
import type { ApiError, KeyValue, Run } from '../api/types';
import { MetricHistories } from './histories.svelte';

export interface LoggedModel {
  info: {
    model_id: string;
    experiment_id: string;
    name: string;
    artifact_uri: string;
    status: string;
    model_type?: string;
    source_run_id?: string;
    creation_timestamp_ms?: number;
    tags?: KeyValue[];
  };
  data?: { params?: KeyValue[] };
}

export interface ModelVersion {
  name: string;
  version: string;
  current_stage: string;
  status: string;
  source?: string;
  run_id?: string;
  creation_timestamp?: number;
  aliases?: string[];
}

/** An entry of the run tag `mlflow.log-model.history` (models logged by MLflow 2). */
export interface LoggedModelHistoryEntry {
  artifact_path: string;
  flavors: string[];
  model_uuid?: string;
  utc_time_created?: string;
}

export interface DatasetInput {
  dataset: { name: string; digest: string; source_type: string; source: string; schema?: string; profile?: string };
  tags?: KeyValue[];
}

/** Quotes a value for a search filter. */
export function quote(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Dispatched on `window` (detail: the run id) after the UI changed what relates to a run. */
export const RUN_RELATED_CHANGED = 'runlens:run-related-changed';

/** Tells the run page showing `runId` to reload its related lists (registered versions…) now. */
export function notifyRunRelatedChanged(runId: string) {
  window.dispatchEvent(new CustomEvent(RUN_RELATED_CHANGED, { detail: runId }));
}

/** Refreshes of the related lists while the run is not running: every this many polls. */
const IDLE_RELATED_EVERY = 10;

export class RunData {
  run = $state.raw<Run | null>(null);
  error = $state.raw<ApiError | null>(null);
  /** A refresh failed after the run was shown: it stays, with a notice. */
  stale = $state(false);
  experimentName = $state<string | null>(null);
  parentName = $state<string | null>(null);
  children = $state.raw<Run[]>([]);
  loggedModels = $state.raw<LoggedModel[]>([]);
  versions = $state.raw<ModelVersion[]>([]);
  relatedError = $state<string | null>(null);
  readonly histories: MetricHistories;

  private seq = 0;
  private signature = '';
  private polls = 0;
  private parentId: string | null = null;
  private closed = false;

  private onRelatedChanged = (e: Event) => {
    if ((e as CustomEvent<string>).detail === this.runId) void this.load(true);
  };

  constructor(readonly runId: string) {
    this.histories = new MetricHistories(runId);
    window.addEventListener(RUN_RELATED_CHANGED, this.onRelatedChanged);
  }

  close() {
    this.closed = true;
    window.removeEventListener(RUN_RELATED_CHANGED, this.onRelatedChanged);
    this.histories.close();
  }

  /** Reads the run (and, now and then, what relates to it). Later calls win over earlier ones. */
  async load(withRelated = true) {
    const mine = ++this.seq;
    try {
      const run = await getRun(this.runId);
      if (this.closed || mine !== this.seq) return;
      // An unchanged run keeps its object: nothing downstream recomputes.
      const signature = JSON.stringify(run);
      if (signature !== this.signature) {
        this.signature = signature;
        this.run = run;
      }
      this.error = null;
      this.stale = false;
      this.histories.sync(run.data.metrics ?? []);
      if (this.experimentName === null) {
        getExperiment(run.info.experiment_id)
          .then((e) => (this.experimentName = e.name))
          .catch(() => {});
      }
      if (withRelated) void this.loadRelated(run);
    } catch (e) {
      if (this.closed || mine !== this.seq) return;
      if (this.run) this.stale = true;
      else this.error = toApiError(e);
    }
  }

  /** The periodic refresh: cheap when the run is not running. */
  tick() {
    this.polls++;
    const running = this.run?.info.status === 'RUNNING';
    void this.load(running || this.polls % IDLE_RELATED_EVERY === 0);
  }

  private async loadRelated(run: Run) {
    const id = run.info.run_id;
    const experimentIds = [run.info.experiment_id];
    const parentId = run.data.tags?.find((t) => t.key === 'mlflow.parentRunId')?.value ?? null;
    const errors: string[] = [];
    const note = (what: string) => (e: unknown) => {
      errors.push(`${what}: ${toApiError(e).message}`);
    };
    const tasks: Promise<unknown>[] = [
      searchRuns(experimentIds, `tags.mlflow.parentRunId = ${quote(id)}`, [], 1000)
        .then((page) => (this.children = page.runs))
        .catch(note('Child runs')),
      backend
        .call<{ models?: LoggedModel[] }>('mlflow/logged-models/search', {
          experiment_ids: experimentIds,
          filter: `source_run_id = ${quote(id)}`,
          max_results: 1000,
        })
        .then((r) => (this.loggedModels = r.models ?? []))
        .catch(note('Logged models')),
      backend
        .call<{ model_versions?: ModelVersion[] }>('mlflow/model-versions/search', { filter: `run_id = ${quote(id)}`, max_results: 1000 })
        .then((r) => (this.versions = r.model_versions ?? []))
        .catch(note('Registered versions')),
    ];
    if (parentId !== this.parentId) {
      this.parentId = parentId;
      this.parentName = null;
      if (parentId) {
        tasks.push(
          getRun(parentId)
            .then((p) => (this.parentName = p.info.run_name || null))
            .catch(() => {}),
        );
      }
    }
    await Promise.all(tasks);
    if (!this.closed) this.relatedError = errors.length ? errors.join('; ') : null;
  }

  // Edits. Each rejects with the server's message; the run is read again after it.

  private async edit(op: string, args: Record<string, unknown>, withRelated = false) {
    try {
      await backend.call(op, { run_id: this.runId, ...args });
    } catch (e) {
      throw new Error(toApiError(e).message);
    }
    await this.load(withRelated);
  }

  rename(name: string) {
    return this.edit('mlflow/runs/update', { run_name: name });
  }

  setTag(key: string, value: string) {
    return this.edit('mlflow/runs/set-tag', { key, value });
  }

  deleteTag(key: string) {
    return this.edit('mlflow/runs/delete-tag', { key });
  }

  remove() {
    return this.edit('mlflow/runs/delete', {});
  }

  restore() {
    return this.edit('mlflow/runs/restore', {});
  }
}
