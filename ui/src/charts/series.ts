// Small helpers shared by the chart cards and the run page: x-axis kinds and their labels,
// ranges of a history, durations.

import { toNumber, type Metric } from '../api/types';

/** What the x axis measures. */
export type XAxisKind = 'step' | 'relative' | 'time';

export const X_AXIS_LABELS: Record<XAxisKind, string> = {
  step: 'Step',
  relative: 'Time since start',
  time: 'Wall time',
};

/** True when every point has the same step, so a step axis would stack them all on one x. */
export function stepsDegenerate(points: Metric[]): boolean {
  if (points.length < 2) return false;
  const first = points[0].step ?? 0;
  return points.every((p) => (p.step ?? 0) === first);
}

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
