// Chart data shared by every chart in the app: a series is one line (one run's metric, or
// one metric of several), with its own x values; MetricChart aligns them.

import { toNumber, type Metric } from '../api/types';

export interface ChartSeries {
  /** Shown in the tooltip and the legend. */
  label: string;
  /** CSS colour of the line (usually `runColor(runId)`). */
  color: string;
  /** Ascending x values (steps, epoch seconds or seconds since the start). */
  x: number[];
  /** One y per x; NaN and ±Infinity are drawn as gaps. */
  y: number[];
}

/** What the x axis measures. */
export type XAxisKind = 'step' | 'relative' | 'time';

export const X_AXIS_LABELS: Record<XAxisKind, string> = {
  step: 'Step',
  relative: 'Time since start',
  time: 'Wall time',
};

/** How MetricChart formats x values: plain numbers, epoch seconds, or a duration in seconds. */
export type XFormat = 'number' | 'time' | 'duration';

export function xFormatOf(kind: XAxisKind): XFormat {
  return kind === 'time' ? 'time' : kind === 'relative' ? 'duration' : 'number';
}

/** True when every point has the same step, so a step axis would stack them all on one x. */
export function stepsDegenerate(points: Metric[]): boolean {
  if (points.length < 2) return false;
  const first = points[0].step ?? 0;
  return points.every((p) => (p.step ?? 0) === first);
}

/**
 * A metric's history as a series. `start` (epoch ms) is the zero of the relative axis;
 * the first point's timestamp when absent.
 */
export function historySeries(points: Metric[], kind: XAxisKind, label: string, color: string, start?: number): ChartSeries {
  const sorted = [...points];
  if (kind === 'step') sorted.sort((a, b) => (a.step ?? 0) - (b.step ?? 0) || a.timestamp - b.timestamp);
  else sorted.sort((a, b) => a.timestamp - b.timestamp);
  const zero = start ?? (sorted.length ? sorted[0].timestamp : 0);
  const x = sorted.map((p) => (kind === 'step' ? (p.step ?? 0) : kind === 'time' ? p.timestamp / 1000 : (p.timestamp - zero) / 1000));
  const y = sorted.map((p) => toNumber(p.value));
  return { label, color, x, y };
}

/** Smallest and largest finite values of a history (undefined when it has none). */
export function finiteRange(points: Metric[]): { min: number; max: number } | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const p of points) {
    const v = toNumber(p.value);
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? { min, max } : undefined;
}

/** Seconds as a short duration: 45s, 12m 05s, 3h 20m. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return String(s);
  const sign = s < 0 ? '-' : '';
  s = Math.abs(s);
  if (s < 1) return `${sign}${Number((s * 1000).toPrecision(3))}ms`;
  if (s < 60) return `${sign}${Number(s.toPrecision(3))}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${sign}${m}m ${String(Math.round(s % 60)).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${sign}${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${sign}${Math.floor(h / 24)}d ${h % 24}h`;
}
