// A comparison slide's table: one column per run, a row per param and per metric (latest
// value), the best value of each metric row marked. Used by the slide in the app and by the
// HTML export, so both show the same table.

import { backend, toApiError } from '../api/backend';
import { toNumber, type Run } from '../api/types';
import { runColor } from '../lib/colors';
import { formatValue } from '../lib/format';
import { bestDirection } from '../table/model';
import type { CompareSlide } from './model';

/** Rows shown at most (a slide is not a spreadsheet); the rest are counted. */
export const MAX_ROWS = 24;

export interface CompareRun {
  run_id: string;
  name: string;
  color: string;
  /** The run could not be loaded (deleted, or from another store). */
  missing: string | null;
}

export interface CompareRow {
  section: 'param' | 'metric';
  key: string;
  cells: string[];
  /** Indexes of the best cells (metrics only; none when fewer than two runs have a number). */
  best: number[];
  direction?: 'min' | 'max';
}

export interface CompareTable {
  runs: CompareRun[];
  rows: CompareRow[];
  /** Rows left out (beyond MAX_ROWS). */
  hidden: number;
}

function directions(): Record<string, 'min' | 'max'> {
  // The compare view's choices of "lower is better" / "higher is better", when the user made some.
  try {
    const v: unknown = JSON.parse(localStorage.getItem('runlens.compare.directions') ?? '{}');
    const out: Record<string, 'min' | 'max'> = {};
    if (typeof v === 'object' && v !== null) for (const [k, d] of Object.entries(v)) if (d === 'min' || d === 'max') out[k] = d;
    return out;
  } catch {
    return {};
  }
}

function bestOf(values: (number | undefined)[], dir: 'min' | 'max'): number[] {
  const finite = values.map((v, i) => [v, i] as const).filter((p): p is readonly [number, number] => p[0] !== undefined && Number.isFinite(p[0]));
  if (finite.length < 2) return [];
  const best = dir === 'min' ? Math.min(...finite.map((p) => p[0])) : Math.max(...finite.map((p) => p[0]));
  if (finite.every((p) => p[0] === best)) return [];
  return finite.filter((p) => p[0] === best).map((p) => p[1]);
}

/** Loads the slide's runs and builds its table. Runs that fail to load are kept as "missing". */
export async function loadCompare(slide: CompareSlide): Promise<CompareTable> {
  const loaded = await Promise.all(
    slide.run_ids.map(async (id) => {
      try {
        return { id, run: (await backend.call<{ run: Run }>('mlflow/runs/get', { run_id: id })).run, error: null };
      } catch (e) {
        return { id, run: null, error: toApiError(e).message };
      }
    }),
  );
  const runs: CompareRun[] = loaded.map((l) => ({
    run_id: l.id,
    name: l.run?.info.run_name || l.id.slice(0, 8),
    color: runColor(l.id),
    missing: l.error,
  }));
  const params = loaded.map((l) => new Map((l.run?.data.params ?? []).map((p) => [p.key, p.value])));
  const metrics = loaded.map((l) => new Map((l.run?.data.metrics ?? []).map((m) => [m.key, toNumber(m.value)])));

  const allParams = [...new Set(params.flatMap((m) => [...m.keys()]))].sort();
  const allMetrics = [...new Set(metrics.flatMap((m) => [...m.keys()]))].sort();
  // Without a choice: the params that tell the runs apart (all of them for one run), every metric.
  const paramKeys =
    slide.keys?.params ??
    allParams.filter((k) => loaded.length < 2 || new Set(params.map((m) => m.get(k) ?? '\u0000')).size > 1);
  const metricKeys = slide.keys?.metrics ?? allMetrics;

  // Metrics keep at least half the rows when params are many.
  const metricCount = Math.min(metricKeys.length, Math.max(MAX_ROWS - paramKeys.length, MAX_ROWS / 2));
  const paramCount = Math.min(paramKeys.length, MAX_ROWS - metricCount);
  const hidden = paramKeys.length - paramCount + (metricKeys.length - metricCount);

  const dirs = directions();
  const rows: CompareRow[] = [
    ...paramKeys.slice(0, paramCount).map((key): CompareRow => ({ section: 'param', key, cells: params.map((m) => m.get(key) ?? '—'), best: [] })),
    ...metricKeys.slice(0, metricCount).map((key): CompareRow => {
      const values = metrics.map((m) => m.get(key));
      const direction = bestDirection(key, dirs);
      return {
        section: 'metric',
        key,
        cells: values.map((v) => (v === undefined ? '—' : formatValue(v))),
        best: bestOf(values, direction),
        direction,
      };
    }),
  ];
  return { runs, rows, hidden };
}
