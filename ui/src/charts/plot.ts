// What ChartCard draws, computed from the backend's series: each series cleaned for the axes
// (x finite and ascending, time in seconds, nothing non-positive on a log axis), smoothed,
// and every series aligned on one x for uPlot. Pure functions, no DOM.

import type uPlot from 'uplot';
import { smooth, type ChartSpec, type SeriesData, type XAxis } from './api';
import { runColor } from '../lib/colors';
import { formatSeconds } from './series';
import { formatValue } from '../lib/format';

/** Dash patterns that tell the metrics of one chart apart (the first metric is solid). */
export const DASHES: number[][] = [[], [7, 4], [2, 3], [10, 4, 2, 4], [1, 5], [14, 5]];

/** One history as drawn: x in uPlot's unit (seconds for wall time), sorted. */
export interface Source {
  run_id: string;
  run_name: string;
  key: string;
  /** Index of the metric in the chart (its dash pattern). */
  metric: number;
  x: number[];
  /** Logged values (NaN and ±inf kept: gaps). */
  y: number[];
  /** Smoothed values (the same array when not smoothing). */
  smoothed: number[];
  /** Points of the history in range, before the backend sampled it. */
  points: number;
  sampled: boolean;
}

export interface PrepareOptions {
  x: XAxis;
  logX: boolean;
  smooth: number;
}

/** x values of the `time` axis are epoch ms on the wire and epoch seconds in uPlot. */
export function toPlotX(x: XAxis, v: number): number {
  return x === 'time' ? v / 1000 : v;
}

export function fromPlotX(x: XAxis, v: number): number {
  return x === 'time' ? v * 1000 : v;
}

/** The series in the order of the spec's metrics, ready to draw. */
export function prepare(series: SeriesData[], keys: string[], o: PrepareOptions): Source[] {
  return series.map((s) => {
    let idx: number[] = [];
    for (let i = 0; i < s.x.length; i++) {
      const v = s.x[i];
      if (Number.isFinite(v) && (!o.logX || v > 0)) idx.push(i);
    }
    // A metric on the x axis need not grow with the step: sort (stably) by x.
    let sorted = true;
    for (let i = 1; i < idx.length; i++) {
      if (s.x[idx[i]] < s.x[idx[i - 1]]) {
        sorted = false;
        break;
      }
    }
    if (!sorted) idx = [...idx].sort((a, b) => s.x[a] - s.x[b] || a - b);
    const x = idx.map((i) => toPlotX(o.x, s.x[i]));
    const y = idx.map((i) => s.y[i]);
    const metric = Math.max(0, keys.indexOf(s.key));
    return {
      run_id: s.run_id,
      run_name: s.run_name || s.run_id.slice(0, 8),
      key: s.key,
      metric,
      x,
      y,
      smoothed: o.smooth > 0 ? smooth(y, o.smooth) : y,
      points: s.points,
      sampled: s.sampled,
    };
  });
}

/** A y column for uPlot: non-finite values (and non-positive ones on a log axis) are gaps. */
export function column(y: number[], logY: boolean): (number | null)[] {
  return y.map((v) => (Number.isFinite(v) && (!logY || v > 0) ? v : null));
}

function sameArray(a: number[], b: number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * uPlot's aligned data: one shared ascending x, one column per line. Groups whose x differ
 * are joined; a slot a group has no point at is `undefined` (the line spans it), its own
 * gaps stay `null`. An x repeated within a group (two points at one step) gets as many slots,
 * so no point (and no spike) is lost.
 */
export function align(groups: { x: number[]; ys: (number | null)[][] }[]): uPlot.AlignedData {
  if (groups.length === 0) return [[]];
  const x0 = groups[0].x;
  if (groups.every((g) => sameArray(g.x, x0))) return [x0, ...groups.flatMap((g) => g.ys)] as uPlot.AlignedData;
  const mult = new Map<number, number>();
  for (const g of groups) {
    let prev = NaN;
    let k = 0;
    for (const v of g.x) {
      k = v === prev ? k + 1 : 1;
      prev = v;
      if ((mult.get(v) ?? 0) < k) mult.set(v, k);
    }
  }
  const uniq = [...mult.keys()].sort((a, b) => a - b);
  const start = new Map<number, number>();
  const xs: number[] = [];
  for (const v of uniq) {
    start.set(v, xs.length);
    for (let i = mult.get(v)!; i > 0; i--) xs.push(v);
  }
  const out: (number | null | undefined)[][] = [xs];
  for (const g of groups) {
    const cols = g.ys.map(() => new Array<number | null | undefined>(xs.length).fill(undefined));
    let prev = NaN;
    let k = 0;
    for (let i = 0; i < g.x.length; i++) {
      const v = g.x[i];
      k = v === prev ? k + 1 : 0;
      prev = v;
      const slot = start.get(v)! + k;
      for (let j = 0; j < cols.length; j++) cols[j][slot] = g.ys[j][i];
    }
    out.push(...cols);
  }
  return out as uPlot.AlignedData;
}

/** Index of the point of sorted `xs` nearest to `v` (-1 when empty). */
export function nearestIndex(xs: number[], v: number): number {
  if (xs.length === 0) return -1;
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(xs[lo - 1] - v) <= Math.abs(xs[lo] - v)) return lo - 1;
  return lo;
}

/** The axis title of an x mode. */
export function xAxisLabel(x: XAxis): string {
  if (x === 'step') return 'Step';
  if (x === 'time') return 'Wall time';
  if (x === 'relative') return 'Time since start';
  return x.slice('metric:'.length);
}

/** An x value as the tooltip shows it (x in uPlot's unit). */
export function formatX(x: XAxis, v: number): string {
  if (x === 'time') {
    return new Date(v * 1000).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }
  if (x === 'relative') return formatSeconds(v);
  if (x === 'step') return formatValue(Math.round(v));
  return formatValue(v);
}

/** A short tick label: 0.25, 1.5k, 2e-5. */
export function formatTick(v: number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const a = Math.abs(v);
  if (a >= 1e6 || (a > 0 && a < 1e-3)) return v.toExponential(1);
  if (a >= 1e4) return `${Number((v / 1000).toPrecision(3))}k`;
  return String(Number(v.toPrecision(4)));
}

/** Moves [lo, hi] by `fraction` of its width (in log space on a log axis). */
export function shiftRange([lo, hi]: [number, number], fraction: number, log: boolean): [number, number] {
  if (log && lo > 0 && hi > 0) {
    const d = (Math.log10(hi) - Math.log10(lo)) * fraction;
    return [lo * Math.pow(10, d), hi * Math.pow(10, d)];
  }
  const d = (hi - lo) * fraction;
  return [lo + d, hi + d];
}

/** Scales [lo, hi] around its middle by `factor` (0.5 zooms in twice). */
export function scaleRange([lo, hi]: [number, number], factor: number, log: boolean): [number, number] {
  if (log && lo > 0 && hi > 0) {
    const a = Math.log10(lo);
    const b = Math.log10(hi);
    const mid = (a + b) / 2;
    const half = ((b - a) / 2) * factor;
    return [Math.pow(10, mid - half), Math.pow(10, mid + half)];
  }
  const mid = (lo + hi) / 2;
  const half = ((hi - lo) / 2) * factor;
  return [mid - half, mid + half];
}

/** Whether two answers hold the same points (a live refresh that changed nothing). */
export function sameSeries(a: SeriesData[] | null, b: SeriesData[] | null): boolean {
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const s = a[i];
    const t = b[i];
    if (s.run_id !== t.run_id || s.key !== t.key || s.run_name !== t.run_name || s.points !== t.points) return false;
    if (!sameArray(s.x, t.x)) return false;
    if (s.y.length !== t.y.length) return false;
    for (let j = 0; j < s.y.length; j++) if (!Object.is(s.y[j], t.y[j])) return false;
  }
  return true;
}

/** A file name from a chart's title. */
export function fileStem(title: string): string {
  const stem = title
    .replace(/[^\p{L}\p{N}._-]+/gu, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 80);
  return stem || 'chart';
}

/** A spec for the Rust renderer with each run's colour as the UI draws it (a colour the user
 *  picked included; the renderer knows only the default palette). */
export function withColors(spec: ChartSpec): ChartSpec & { colors: Record<string, string> } {
  const colors: Record<string, string> = {};
  for (const s of spec.series) {
    const c = runColor(s.run_id);
    if (/^#[0-9a-f]{6}$/i.test(c)) colors[s.run_id] = c;
  }
  return { ...spec, colors };
}
