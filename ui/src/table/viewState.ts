// What the user set up in an experiment's run table, remembered per experiment (or set of
// experiments) in localStorage: columns, widths, pinned columns, sort, filter, grouping,
// nesting, pinned and hidden runs, and which way each metric is better.

import type { SortKey } from './model';

export interface ViewState {
  /** Visible columns in order; null until the user changes them (then defaults apply). */
  columns: string[] | null;
  widths: Record<string, number>;
  pinnedColumns: string[];
  sort: SortKey[];
  filter: string;
  groupBy: string | null;
  tree: boolean;
  pinnedRuns: string[];
  hiddenRuns: string[];
  directions: Record<string, 'min' | 'max'>;
}

export function emptyState(): ViewState {
  return {
    columns: null,
    widths: {},
    pinnedColumns: [],
    sort: [],
    filter: '',
    groupBy: null,
    tree: true,
    pinnedRuns: [],
    hiddenRuns: [],
    directions: {},
  };
}

function storageKey(experimentIds: string[]): string {
  return `runlens.table.${[...experimentIds].sort().join(',')}`;
}

export function loadState(experimentIds: string[]): ViewState {
  try {
    const raw = localStorage.getItem(storageKey(experimentIds));
    if (!raw) return emptyState();
    const parsed = JSON.parse(raw) as Partial<ViewState>;
    return { ...emptyState(), ...parsed };
  } catch {
    return emptyState();
  }
}

export function saveState(experimentIds: string[], state: ViewState) {
  try {
    localStorage.setItem(storageKey(experimentIds), JSON.stringify(state));
  } catch {
    // Storage full or disabled: the view still works, it is just not remembered.
  }
}
