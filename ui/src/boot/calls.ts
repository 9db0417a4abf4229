// The first questions a page asks, known from its address alone: the boot script (inline.ts)
// asks them while the app's code is still loading, and the app takes the answers
// (handoff.ts) instead of asking again.

import { experimentListArgs } from '../api/lists';
import { parseRoute } from '../lib/router';
import type { Keys } from '../table/model';
import { defaultColumns, pageArgs, readMode, rememberedDefaults, requestBody, tableRequest, type TableRequest } from '../table/request';
import { loadState, type ViewState } from '../table/viewState';

export interface Call {
  op: string;
  args: Record<string, unknown>;
}

/** The key of one call: its operation and its arguments exactly as they are sent. */
export function callKey(op: string, args: Record<string, unknown>): string {
  return `${op} ${JSON.stringify(args)}`;
}

/** The sidebar's list: every active experiment by name (api/backend.ts searchExperiments). */
export const EXPERIMENT_LIST: Call = { op: 'mlflow/experiments/search', args: experimentListArgs() };
export const EXPERIMENT_SUMMARY: Call = { op: 'runlens/experiments/summary', args: {} };

/** What an experiment's table shows first: its view, the columns and the first page's request. */
export interface FirstTable {
  experimentIds: string[];
  view: ViewState;
  request: TableRequest;
  columns: string[];
  /** False on a first visit: the columns are the defaults of keys not read yet. */
  columnsKnown: boolean;
  body: string;
}

/** The table an experiment page opens on, or null when it opens on something else (charts). */
export function firstTable(hash: string): FirstTable | null {
  const route = parseRoute(hash);
  if (route.kind !== 'experiment') return null;
  const ids = route.experimentIds;
  if (readMode(ids) !== 'table') return null;
  const view = loadState(ids);
  const known = view.columns ?? rememberedDefaults(ids);
  const columns = known ?? defaultColumns({ params: [], metrics: [], tags: [] });
  const request = tableRequest(ids, view, { viewType: 'ACTIVE_ONLY', showHidden: false, expanded: [], expandedGroups: [] });
  return { experimentIds: ids, view, request, columns, columnsKnown: known !== null, body: requestBody(request, columns, view.directions) };
}

/** The table once the keys are read: on a first visit the app asks again with their default columns. */
export function withKeys(t: FirstTable, keys: Keys): FirstTable {
  if (t.columnsKnown) return t;
  const columns = defaultColumns(keys);
  return { ...t, columns, columnsKnown: true, body: requestBody(t.request, columns, t.view.directions) };
}

export const keysCall = (ids: string[]): Call => ({ op: 'runlens/runs/keys', args: { experiment_ids: ids } });

/** The calls an experiment's table page makes first. */
export function firstCalls(t: FirstTable): Call[] {
  return [
    { op: 'runlens/runs/table', args: pageArgs(t.body, 0) },
    ...t.experimentIds.map((id) => ({ op: 'mlflow/experiments/get', args: { experiment_id: id } })),
    EXPERIMENT_LIST,
    EXPERIMENT_SUMMARY,
    keysCall(t.experimentIds),
  ];
}

