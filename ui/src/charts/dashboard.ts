// An experiment's chart layout (the chart view): which charts, in which order, how wide, with
// which settings. Saved per experiment (or set of experiments) in localStorage and exported
// or imported as a small JSON file:
//   {"kind": "runlens.dashboard", "version": 1,
//    "charts": [{metrics, x, smooth, log_x, log_y, clip_outliers, width: 1|2}]}

import type { ChartSpec, XAxis } from './api';

export interface ChartConfig {
  metrics: string[];
  x: XAxis;
  smooth: number;
  log_x: boolean;
  log_y: boolean;
  clip_outliers: boolean;
  /** Columns the card spans in the grid. */
  width: 1 | 2;
}

export interface DashboardFile {
  kind: 'runlens.dashboard';
  version: 1;
  charts: ChartConfig[];
}

export const KIND = 'runlens.dashboard';
/** Charts made when no layout is saved: one per metric, up to this many. */
export const DEFAULT_CHARTS = 12;

export function storageKey(experimentIds: string[]): string {
  return `runlens.charts.${[...experimentIds].sort().join(',')}`;
}

export function chartConfig(metrics: string[], x: XAxis = 'step'): ChartConfig {
  return { metrics, x, smooth: 0, log_x: false, log_y: false, clip_outliers: false, width: 1 };
}

export function defaultCharts(metricKeys: string[]): ChartConfig[] {
  return metricKeys.slice(0, DEFAULT_CHARTS).map((k) => chartConfig([k]));
}

function isX(v: unknown): v is XAxis {
  return v === 'step' || v === 'time' || v === 'relative' || (typeof v === 'string' && v.startsWith('metric:') && v.length > 7);
}

/** A chart from untrusted JSON (a file, an old save); null when it is not one. */
function normalize(v: unknown): ChartConfig | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (!Array.isArray(o.metrics)) return null;
  const metrics = [...new Set(o.metrics.filter((m): m is string => typeof m === 'string' && m.length > 0))];
  if (metrics.length === 0) return null;
  const smooth = typeof o.smooth === 'number' && Number.isFinite(o.smooth) ? Math.min(0.99, Math.max(0, o.smooth)) : 0;
  return {
    metrics,
    x: isX(o.x) ? o.x : 'step',
    smooth,
    log_x: o.log_x === true,
    log_y: o.log_y === true,
    clip_outliers: o.clip_outliers === true,
    width: o.width === 2 ? 2 : 1,
  };
}

/** Reads a dashboard file's text; throws an Error saying what is wrong. */
export function parseDashboard(text: string): ChartConfig[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error('This file is not JSON.');
  }
  const o = v as Partial<DashboardFile> | null;
  if (typeof o !== 'object' || o === null || o.kind !== KIND) throw new Error('This file is not a Runlens dashboard (its "kind" is not "runlens.dashboard").');
  if (o.version !== 1) throw new Error(`This dashboard is version ${String(o.version)}; this Runlens reads version 1.`);
  if (!Array.isArray(o.charts)) throw new Error('This dashboard has no "charts" list.');
  const charts = o.charts.map(normalize);
  if (charts.some((c) => c === null)) throw new Error('A chart in this dashboard has no metrics.');
  return charts as ChartConfig[];
}

export function dashboardJson(charts: ChartConfig[]): string {
  const file: DashboardFile = { kind: KIND, version: 1, charts };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** The saved layout, or null when none is saved (the default then applies). */
export function loadLayout(experimentIds: string[]): ChartConfig[] | null {
  try {
    const raw = localStorage.getItem(storageKey(experimentIds));
    return raw ? parseDashboard(raw) : null;
  } catch {
    return null;
  }
}

export function saveLayout(experimentIds: string[], charts: ChartConfig[] | null) {
  try {
    if (charts === null) localStorage.removeItem(storageKey(experimentIds));
    else localStorage.setItem(storageKey(experimentIds), JSON.stringify({ kind: KIND, version: 1, charts }));
  } catch {
    // Storage full or disabled: the layout lasts for this session.
  }
}

/** The spec of a chart for some runs: every run × every metric. */
export function chartSpec(c: ChartConfig, runIds: string[]): ChartSpec {
  return {
    series: c.metrics.flatMap((key) => runIds.map((run_id) => ({ run_id, key }))),
    x: c.x,
    smooth: c.smooth,
    log_x: c.log_x,
    log_y: c.log_y,
    clip_outliers: c.clip_outliers,
  };
}
