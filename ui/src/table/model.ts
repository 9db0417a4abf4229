// The run table's wire types (crates/runlens-api/src/explorer.rs) and column helpers.

import type { FloatJson } from '../api/types';

export type CellValue = string | FloatJson | null;

export interface RunRow {
  kind: 'run';
  run_id: string;
  experiment_id: string;
  run_name: string;
  status: 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
  user_id: string;
  start_time: number | null;
  end_time: number | null;
  lifecycle_stage: 'active' | 'deleted';
  depth: number;
  children: number;
  pinned: boolean;
  /** Pulled from a tracking server (older servers leave it out). */
  pulled?: boolean;
  cells: CellValue[];
}

export interface Aggregate {
  column: string;
  count: number;
  min: FloatJson | null;
  max: FloatJson | null;
  mean: FloatJson | null;
}

export interface GroupRow {
  kind: 'group';
  value: string | null;
  count: number;
  expanded: boolean;
  aggregates: Aggregate[];
}

export type TableRow = RunRow | GroupRow;

export interface TablePage {
  total_rows: number;
  runs: number;
  hidden: number;
  offset: number;
  rows: TableRow[];
  data_version: number;
}

export interface Keys {
  params: string[];
  metrics: string[];
  tags: string[];
}

export interface SortKey {
  column: string;
  ascending: boolean;
}

/** Attribute columns the table renders from a row's own fields. */
export const ATTRIBUTES: { id: string; label: string; width: number }[] = [
  { id: 'attributes.status', label: 'Status', width: 104 },
  { id: 'attributes.start_time', label: 'Created', width: 150 },
  { id: 'attributes.duration', label: 'Duration', width: 120 },
  { id: 'attributes.user_id', label: 'User', width: 120 },
  { id: 'attributes.end_time', label: 'Ended', width: 150 },
  { id: 'attributes.run_id', label: 'Run ID', width: 150 },
  { id: 'attributes.experiment_id', label: 'Experiment', width: 110 },
];

export type Entity = 'attributes' | 'params' | 'metrics' | 'tags';

export interface ColumnParts {
  entity: Entity;
  key: string;
  agg: 'latest' | 'min' | 'max' | 'best';
}

export function parseColumn(id: string): ColumnParts {
  const dot = id.indexOf('.');
  const entity = id.slice(0, dot) as Entity;
  let key = id.slice(dot + 1);
  let agg: ColumnParts['agg'] = 'latest';
  if (entity === 'metrics') {
    const at = key.lastIndexOf('@');
    if (at > 0) {
      const a = key.slice(at + 1);
      if (a === 'min' || a === 'max' || a === 'best') {
        agg = a;
        key = key.slice(0, at);
      }
    }
  }
  return { entity, key, agg };
}

export function columnLabel(id: string, directions: Record<string, 'min' | 'max'> = {}): string {
  const p = parseColumn(id);
  if (p.entity === 'attributes') return ATTRIBUTES.find((a) => a.id === id)?.label ?? p.key;
  if (p.entity === 'metrics') {
    if (p.agg === 'min') return `${p.key} (min)`;
    if (p.agg === 'max') return `${p.key} (max)`;
    if (p.agg === 'best') return `${p.key} (best ${bestDirection(p.key, directions) === 'min' ? '↓' : '↑'})`;
  }
  return p.key;
}

/** Which way is better for a metric: the user's choice, else a guess from its name. */
export function bestDirection(key: string, directions: Record<string, 'min' | 'max'>): 'min' | 'max' {
  if (directions[key]) return directions[key];
  return /loss|err|rmse|mse|mae|perplexity|wer|cer|time|latency/i.test(key) ? 'min' : 'max';
}

/** The column id the server understands (`@best` resolved to `@min` or `@max`). */
export function serverColumn(id: string, directions: Record<string, 'min' | 'max'>): string {
  const p = parseColumn(id);
  if (p.entity === 'metrics' && p.agg === 'best') return `metrics.${p.key}@${bestDirection(p.key, directions)}`;
  return id;
}

export function defaultWidth(id: string): number {
  const a = ATTRIBUTES.find((x) => x.id === id);
  if (a) return a.width;
  return id.startsWith('metrics.') ? 140 : 132;
}

export function isNumericColumn(id: string): boolean {
  return id.startsWith('metrics.');
}
