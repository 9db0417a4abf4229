// A summary of each of a run's metric histories, for the metrics table (min and max), the
// run page's "logged once" tiles and its charts. Each history is read through
// `runlens/metrics/series` sampled to a few hundred points (per-bucket first, min, max and
// last: the extremes are exact), so a metric with a million points costs what a short one
// does. `sync` is called with the run's latest values after every refresh: only metrics whose
// latest point changed are read again, several in one call, so a live run costs little.

import { SvelteMap } from 'svelte/reactivity';
import { toApiError } from '../api/backend';
import type { Metric } from '../api/types';
import { fetchSeries } from '../charts/api';

/** Histories read per call, and calls at once. */
const BATCH = 24;
const PARALLEL = 2;
/** Pixel buckets per history (at most 4 points each). */
const WIDTH = 64;

/** The run a points array of a MetricHistories belongs to (a card given only the points finds its run). */
const owners = new WeakMap<Metric[], string>();

export function runOfPoints(points: Metric[] | undefined): string | undefined {
  return points ? owners.get(points) : undefined;
}

function signature(m: Metric): string {
  return `${m.step}|${m.timestamp}|${m.value}`;
}

export class MetricHistories {
  /**
   * Points by metric key, absent until read: the sampled history (step, value; extremes
   * kept, so min and max are the history's). Each key is its own signal.
   */
  readonly points = new SvelteMap<string, Metric[]>();
  /** How many points each history has (before sampling). */
  readonly counts = new SvelteMap<string, number>();
  /** Why a metric's history could not be read. */
  readonly errors = new SvelteMap<string, string>();

  private seen = new Map<string, string>();
  private queue: string[] = [];
  private active = 0;
  private closed = false;

  constructor(readonly runId: string) {}

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
      const keys = this.queue.splice(0, BATCH);
      this.active++;
      fetchSeries({ series: keys.map((key) => ({ run_id: this.runId, key })), x: 'step' }, WIDTH)
        .then((series) => {
          if (this.closed) return;
          const got = new Set<string>();
          for (const s of series) {
            got.add(s.key);
            const points: Metric[] = s.x.map((step, i) => ({ key: s.key, value: s.y[i], step, timestamp: 0 }));
            owners.set(points, this.runId);
            this.points.set(s.key, points);
            this.counts.set(s.key, s.points);
            this.errors.delete(s.key);
          }
          for (const k of keys) {
            if (got.has(k)) continue;
            this.seen.delete(k);
            this.errors.set(k, 'No history');
          }
        })
        .catch((e: unknown) => {
          if (this.closed) return;
          const message = toApiError(e).message;
          for (const k of keys) {
            // Read again at the next sync.
            this.seen.delete(k);
            this.errors.set(k, message);
          }
        })
        .finally(() => {
          this.active--;
          this.pump();
        });
    }
  }
}
