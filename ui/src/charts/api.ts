// The chart operations of the Rust side (crates/runlens-api/src/charts.rs). A ChartSpec says
// what a chart shows; the same spec draws in the UI (uPlot, from `runlens/metrics/series`),
// exports as PNG/SVG (`runlens/charts/render`, drawn by plotters in Rust, the same as the
// `runlens chart` CLI), exports its data as CSV (`runlens/charts/csv`), and is what dashboards
// and presentations save.

import { backend } from '../api/backend';
import { toNumber, type FloatJson } from '../api/types';

/** x axis: the step, wall-clock time (ms), seconds since the run started, or another metric
 * (its value at the same step). */
export type XAxis = 'step' | 'time' | 'relative' | `metric:${string}`;

export interface ChartSpec {
  title?: string;
  series: { run_id: string; key: string }[];
  x: XAxis;
  /** EMA weight in [0, 1): 0 is raw. Debiased like TensorBoard's. */
  smooth?: number;
  log_x?: boolean;
  log_y?: boolean;
  /** Only this x range (a zoom); the backend samples within it. */
  x_range?: [number, number] | null;
  y_range?: [number, number] | null;
  /** y range from the 5th to the 95th percentile of the points shown. */
  clip_outliers?: boolean;
  /** Colours by run id (`#rrggbb`) for exports; others get the run's default colour. */
  colors?: Record<string, string>;
}

export interface SeriesData {
  run_id: string;
  run_name: string;
  key: string;
  /** x in the spec's unit (steps; epoch ms for time; seconds for relative). */
  x: number[];
  /** y; NaN and ±inf kept as they were logged (draw them as gaps). */
  y: number[];
  /** Points of the history in range, before sampling. */
  points: number;
  /** Whether the points were reduced (per-pixel-bucket first/min/max/last: extremes kept). */
  sampled: boolean;
}

interface SeriesWire extends Omit<SeriesData, 'x' | 'y'> {
  x: FloatJson[];
  y: FloatJson[];
}

/** The series of a spec, sampled to about `width` pixels (4 points per pixel bucket at most). */
export async function fetchSeries(spec: ChartSpec, width: number): Promise<SeriesData[]> {
  const res = await backend.call<{ series: SeriesWire[] }>('runlens/metrics/series', { ...spec, width: Math.max(50, Math.round(width)) });
  return res.series.map((s) => ({ ...s, x: s.x.map(toNumber), y: s.y.map(toNumber) }));
}

/** A chart drawn by the Rust side: PNG bytes or SVG text. `scale` 2 for hi-DPI PNGs. */
export async function renderChart(spec: ChartSpec, format: 'png' | 'svg', width: number, height: number, scale = 1): Promise<Uint8Array> {
  const res = await backend.call<{ data_base64: string }>('runlens/charts/render', { spec, format, width, height, scale });
  const bin = atob(res.data_base64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The data behind a chart (full resolution, not sampled) as CSV: run_id, run_name, key, x, y. */
export async function chartCsv(spec: ChartSpec): Promise<string> {
  return (await backend.call<{ csv: string }>('runlens/charts/csv', { spec })).csv;
}

/** TensorBoard's debiased EMA; NaN and ±inf pass through untouched and do not enter the mean. */
export function smooth(y: number[], weight: number): number[] {
  if (!(weight > 0)) return y;
  let last = 0;
  let n = 0;
  return y.map((v) => {
    if (!Number.isFinite(v)) return v;
    last = last * weight + (1 - weight) * v;
    n++;
    return last / (1 - Math.pow(weight, n));
  });
}

/** The 5th–95th percentile range of finite values (for clipping outliers). */
export function percentileRange(values: number[]): [number, number] | null {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const at = (p: number) => v[Math.min(v.length - 1, Math.max(0, Math.round(p * (v.length - 1))))];
  return [at(0.05), at(0.95)];
}
