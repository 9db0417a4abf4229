// What the compare view's tabs share: the compared runs in a flat shape, fields (a param or a
// metric) and their values, which way a metric is better, and scales for the SVG plots.

import { toNumber, type Run } from '../api/types';
import { runColor } from '../lib/colors';
import { bestDirection } from '../table/model';

export type Direction = 'min' | 'max';

export interface CompareRun {
  id: string;
  /** The run's name, or its id when it has none. */
  name: string;
  color: string;
  experimentId: string;
  status: Run['info']['status'];
  deleted: boolean;
  params: Map<string, string>;
  /** Latest value of each metric (NaN and ±∞ kept). */
  metrics: Map<string, number>;
  /** Tags other than `mlflow.*`. */
  tags: Map<string, string>;
  run: Run;
}

export function toCompareRun(run: Run): CompareRun {
  const id = run.info.run_id;
  return {
    id,
    name: run.info.run_name || id,
    color: runColor(id),
    experimentId: run.info.experiment_id,
    status: run.info.status,
    deleted: run.info.lifecycle_stage === 'deleted',
    params: new Map((run.data.params ?? []).map((p) => [p.key, p.value])),
    metrics: new Map((run.data.metrics ?? []).map((m) => [m.key, toNumber(m.value)])),
    tags: new Map((run.data.tags ?? []).filter((t) => !t.key.startsWith('mlflow.')).map((t) => [t.key, t.value])),
    run,
  };
}

/** A param or a metric, as `param:<key>` or `metric:<key>` (what the pickers hold). */
export type FieldId = `param:${string}` | `metric:${string}`;

export interface Field {
  id: FieldId;
  kind: 'param' | 'metric';
  key: string;
}

export function field(id: FieldId): Field {
  const i = id.indexOf(':');
  return { id, kind: id.slice(0, i) as 'param' | 'metric', key: id.slice(i + 1) };
}

export function fieldLabel(id: FieldId): string {
  return field(id).key;
}

/** A param's value as a number when the whole string is one ("0.01", "1e-3", " 64 "). */
export function numericParam(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  if (t === '' || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** A field's raw value for a run: a metric's number or a param's string (undefined when absent). */
export function rawValue(r: CompareRun, f: Field): string | number | undefined {
  return f.kind === 'metric' ? r.metrics.get(f.key) : r.params.get(f.key);
}

/** A field's value as a finite number (undefined when absent, non-numeric or not finite). */
export function numberValue(r: CompareRun, f: Field): number | undefined {
  const v = rawValue(r, f);
  const n = typeof v === 'number' ? v : numericParam(v);
  return n !== undefined && Number.isFinite(n) ? n : undefined;
}

/** Sorted union of the keys of one kind over the runs. */
export function keysOf(runs: CompareRun[], kind: 'params' | 'metrics' | 'tags'): string[] {
  const s = new Set<string>();
  for (const r of runs) for (const k of r[kind].keys()) s.add(k);
  return [...s].sort(collator.compare);
}

export const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Whether every run that has the field has a number for it (and at least one has). */
export function isNumericField(runs: CompareRun[], f: Field): boolean {
  if (f.kind === 'metric') return runs.some((r) => numberValue(r, f) !== undefined);
  let any = false;
  for (const r of runs) {
    const v = r.params.get(f.key);
    if (v === undefined) continue;
    if (numericParam(v) === undefined) return false;
    any = true;
  }
  return any;
}

/** Whether the runs that have the field don't all share one value. */
export function varies(runs: CompareRun[], f: Field): boolean {
  const seen = new Set<string>();
  for (const r of runs) seen.add(String(rawValue(r, f) ?? '\u0000'));
  return seen.size > 1;
}

/** The direction of a metric: the user's choice, else the name's guess. */
export function direction(key: string, overrides: Record<string, Direction>): Direction {
  return bestDirection(key, overrides);
}

/** Indexes of the best values (ties all count); none when fewer than two runs have a number. */
export function bestIndexes(values: (number | undefined)[], dir: Direction): Set<number> {
  const finite = values.map((v, i) => [v, i] as const).filter((p): p is readonly [number, number] => p[0] !== undefined && !Number.isNaN(p[0]));
  if (finite.length < 2) return new Set();
  const best = dir === 'min' ? Math.min(...finite.map((p) => p[0])) : Math.max(...finite.map((p) => p[0]));
  if (finite.every((p) => p[0] === best)) return new Set();
  return new Set(finite.filter((p) => p[0] === best).map((p) => p[1]));
}

const DIRECTIONS_KEY = 'runlens.compare.directions';

export function loadDirections(): Record<string, Direction> {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(DIRECTIONS_KEY) ?? '{}');
    if (typeof v !== 'object' || v === null) return {};
    const out: Record<string, Direction> = {};
    for (const [k, d] of Object.entries(v)) if (d === 'min' || d === 'max') out[k] = d;
    return out;
  } catch {
    return {};
  }
}

export function saveDirections(d: Record<string, Direction>) {
  try {
    localStorage.setItem(DIRECTIONS_KEY, JSON.stringify(d));
  } catch {
    // Storage full or disabled: the choice lasts for this page only.
  }
}

// ---- scales ----------------------------------------------------------------------------

export interface Scale {
  (v: number): number;
  ticks: number[];
  format: (v: number) => string;
  domain: [number, number];
  log: boolean;
}

/** Short tick labels: 0.001, 1.5k, 2e-5. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(a >= 1e6 ? 1 : 0).replace('e+', 'e');
  if (a >= 1e4) return `${Number((v / 1000).toPrecision(3))}k`;
  return String(Number(v.toPrecision(4)));
}

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / mag;
  return (f >= 5 ? 10 : f >= 2 ? 5 : f >= 1 ? 2 : 1) * mag;
}

/** Linear (or log10) scale of `[lo, hi]` onto `[a, b]` with nice ticks; a single value is padded. */
export function makeScale(values: number[], a: number, b: number, log = false, count = 5): Scale {
  const vs = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  let lo = vs.length ? Math.min(...vs) : 0;
  let hi = vs.length ? Math.max(...vs) : 1;
  if (log) {
    let l0 = Math.log10(lo);
    let l1 = Math.log10(hi);
    if (l0 === l1) {
      l0 -= 0.5;
      l1 += 0.5;
    } else {
      const pad = (l1 - l0) * 0.04;
      l0 -= pad;
      l1 += pad;
    }
    const map = (v: number) => a + ((Math.log10(v) - l0) / (l1 - l0)) * (b - a);
    const decades = l1 - l0;
    const mults = decades >= 3 ? [1] : decades >= 1 ? [1, 2, 5] : [1, 2, 3, 4, 5, 6, 7, 8, 9];
    let ticks: number[] = [];
    for (let e = Math.floor(l0); e <= Math.ceil(l1); e++) {
      for (const m of mults) {
        const t = Number((m * Math.pow(10, e)).toPrecision(12));
        const lt = Math.log10(t);
        if (lt >= l0 - 1e-9 && lt <= l1 + 1e-9) ticks.push(t);
      }
    }
    // Every few decades when there are many.
    if (decades >= 3) {
      const every = Math.ceil(ticks.length / Math.max(2, count));
      ticks = ticks.filter((_, i) => i % every === 0);
    }
    // Less than a decade with few round values: linear ticks inside the range.
    if (ticks.length < 2) {
      const x0 = Math.pow(10, l0);
      const x1 = Math.pow(10, l1);
      const step = niceStep(x1 - x0, count);
      ticks = [];
      for (let t = Math.ceil(x0 / step) * step; t <= x1; t += step) ticks.push(Number(t.toPrecision(12)));
    }
    return Object.assign(map, { ticks, format: formatTick, domain: [Math.pow(10, l0), Math.pow(10, l1)] as [number, number], log: true });
  }
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  } else {
    const pad = (hi - lo) * 0.04;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, count);
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : Number(t.toPrecision(12)));
  const map = (v: number) => a + ((v - lo) / (hi - lo)) * (b - a);
  return Object.assign(map, { ticks, format: formatTick, domain: [lo, hi] as [number, number], log: false });
}

/** Distinct values in a natural order (numbers by value, text with numbers inside by them). */
export function categories(values: string[]): string[] {
  return [...new Set(values)].sort(collator.compare);
}

/** Evenly spaced positions for categories on `[a, b]` (one category sits in the middle). */
export function categoryPosition(cats: string[], a: number, b: number): (v: string) => number {
  const index = new Map(cats.map((c, i) => [c, i]));
  return (v) => {
    const i = index.get(v) ?? 0;
    return cats.length === 1 ? (a + b) / 2 : a + (i / (cats.length - 1)) * (b - a);
  };
}

/** A string cut to `n` characters with an ellipsis (the full text goes in a title). */
export function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}
