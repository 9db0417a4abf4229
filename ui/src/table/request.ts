// What the run table asks the store for, built from the remembered view. Shared by the
// experiment page and by the boot script (src/boot/), which asks the same question before
// the app has loaded: the same view gives the same request, byte for byte.

import { serverColumn, type Keys, type SortKey } from './model';
import type { ViewState } from './viewState';

export interface TableRequest {
  experiment_ids: string[];
  filter: string;
  view_type: string;
  sort: SortKey[];
  pinned: string[];
  hidden: string[];
  tree: boolean;
  expanded: string[];
  group_by: string | null;
  expanded_groups: (string | null)[];
}

/** Rows per page the table asks for. */
export const PAGE = 200;

/** The columns runs can be grouped by. */
export function groupables(k: Keys): string[] {
  return [...k.params.map((p) => `params.${p}`), ...k.tags.filter((t) => !t.startsWith('mlflow.') || t === 'mlflow.user' || t === 'mlflow.source.git.branch').map((t) => `tags.${t}`), 'attributes.status', 'attributes.user_id'];
}

/** The columns shown until the user picks their own: status, times, the first metrics and params. */
export function defaultColumns(k: Keys): string[] {
  return [
    'attributes.status',
    'attributes.start_time',
    'attributes.duration',
    ...k.metrics.slice(0, 12).map((m) => `metrics.${m}`),
    ...k.params.slice(0, 12).map((p) => `params.${p}`),
  ];
}

// The default columns of the last visit are used until this visit's keys are read: the same
// keys give the same request, asked once.
export const defaultsKey = (ids: string[]) => `runlens.defaultColumns.${[...ids].sort().join(',')}`;

export function rememberedDefaults(ids: string[]): string[] | null {
  try {
    const v = JSON.parse(localStorage.getItem(defaultsKey(ids)) ?? 'null');
    return Array.isArray(v) && v.every((c) => typeof c === 'string') ? v : null;
  } catch {
    return null;
  }
}

/** Where the page shows an experiment's runs as a table or as charts (remembered per experiment). */
export const modeKey = (ids: string[]) => `runlens.experimentMode.${[...ids].sort().join(',')}`;

export function readMode(ids: string[]): 'table' | 'charts' {
  try {
    return localStorage.getItem(modeKey(ids)) === 'charts' ? 'charts' : 'table';
  } catch {
    return 'table';
  }
}

export interface RequestOptions {
  viewType: 'ACTIVE_ONLY' | 'DELETED_ONLY';
  showHidden: boolean;
  expanded: string[];
  expandedGroups: (string | null)[];
}

/** The rows' request for a view (what to list, in which order; not which cells). */
export function tableRequest(ids: string[], view: ViewState, o: RequestOptions): TableRequest {
  return {
    experiment_ids: ids,
    filter: view.filter,
    view_type: o.viewType,
    sort: view.sort.map((s) => ({ column: serverColumn(s.column, view.directions), ascending: s.ascending })),
    pinned: view.pinnedRuns,
    hidden: o.showHidden ? [] : view.hiddenRuns,
    tree: view.tree && !view.groupBy,
    expanded: o.expanded,
    group_by: view.groupBy,
    expanded_groups: o.expandedGroups,
  };
}

/** The columns whose cells come from the store (attributes come with every row). */
export function dataColumns(columns: string[]): string[] {
  return columns.filter((c) => !c.startsWith('attributes.'));
}

/** The request with its cells' columns, as a string: the table's key for "same question". */
export function requestBody(request: TableRequest, columns: string[], directions: Record<string, 'min' | 'max'>): string {
  return JSON.stringify({ ...request, columns: dataColumns(columns).map((c) => serverColumn(c, directions)) });
}

/** The arguments of `runlens/runs/table` for one page of a request body. */
export function pageArgs(body: string, page: number): Record<string, unknown> {
  return { ...JSON.parse(body), offset: page * PAGE, limit: PAGE };
}
