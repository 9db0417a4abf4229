// The full history of each of a run's metrics, for its charts and the min/max columns.
// `sync` is called with the run's latest values after every refresh: only metrics whose
// latest point changed are read again, a few at a time, so a live run costs little.

import { SvelteMap } from 'svelte/reactivity';
import { metricHistory, toApiError } from '../api/backend';
import type { Metric } from '../api/types';

const PARALLEL = 4;

function signature(m: Metric): string {
  return `${m.step}|${m.timestamp}|${m.value}`;
}

export class MetricHistories {
  /** Points by metric key (absent until read). Each key is its own signal. */
  readonly points = new SvelteMap<string, Metric[]>();
  /** Why a metric's history could not be read. */
  readonly errors = new SvelteMap<string, string>();

  private seen = new Map<string, string>();
  private queue: string[] = [];
  private active = 0;
  private closed = false;

  constructor(private runId: string) {}

  /** Reads again the histories of the metrics whose latest value differs from the last read. */
  sync(latest: Metric[]) {
    if (this.closed) return;
    for (const m of latest) {
      const sig = signature(m);
      if (this.seen.get(m.key) === sig) continue;
      this.seen.set(m.key, sig);
      if (!this.queue.includes(m.key)) this.queue.push(m.key);
    }
    this.pump();
  }

  /** True once every metric in `latest` has a history (or an error). */
  loaded(keys: string[]): boolean {
    return keys.every((k) => this.points.has(k) || this.errors.has(k));
  }

  close() {
    this.closed = true;
    this.queue = [];
  }

  private pump() {
    while (!this.closed && this.active < PARALLEL && this.queue.length > 0) {
      const key = this.queue.shift()!;
      this.active++;
      metricHistory(this.runId, key)
        .then((points) => {
          if (this.closed) return;
          this.points.set(key, points);
          this.errors.delete(key);
        })
        .catch((e: unknown) => {
          if (this.closed) return;
          // Read again at the next sync.
          this.seen.delete(key);
          this.errors.set(key, toApiError(e).message);
        })
        .finally(() => {
          this.active--;
          this.pump();
        });
    }
  }
}
