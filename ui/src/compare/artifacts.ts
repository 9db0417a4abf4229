// Walks the compared runs' artifact trees (folders recursively, at most MAX_ENTRIES entries a
// run, a few listings at a time across all runs) and finds the paths two or more runs share.

import { backend, toApiError } from '../api/backend';

export const MAX_ENTRIES = 2000;
const PARALLEL = 6;

export interface WalkedFile {
  path: string;
  size: number | null;
}

export interface Walk {
  files: WalkedFile[];
  /** The walk stopped at MAX_ENTRIES. */
  truncated: boolean;
  error?: string;
}

interface FileInfo {
  path?: string;
  is_dir?: boolean;
  file_size?: number | string | null;
}

// A small pool shared by every walk, so ten runs do not fire forty listings at once.
let active = 0;
const waiting: (() => void)[] = [];

async function limited<T>(f: () => Promise<T>): Promise<T> {
  if (active >= PARALLEL) await new Promise<void>((r) => waiting.push(r));
  active++;
  try {
    return await f();
  } finally {
    active--;
    waiting.shift()?.();
  }
}

function clean(p: string): string {
  return p.replace(/^\/+|\/+$/g, '');
}

/** Every file under a run's artifact root, breadth first, up to MAX_ENTRIES entries. */
export async function walkRun(runId: string): Promise<Walk> {
  const files: WalkedFile[] = [];
  let seen = 0;
  let truncated = false;
  let queue = [''];
  try {
    while (queue.length > 0 && !truncated) {
      const level = queue;
      queue = [];
      const listings = await Promise.all(
        level.map((dir) => limited(() => backend.call<{ files?: FileInfo[] }>('mlflow/artifacts/list', { run_id: runId, path: dir }))),
      );
      for (const res of listings) {
        for (const f of res.files ?? []) {
          if (typeof f.path !== 'string' || clean(f.path) === '') continue;
          if (seen >= MAX_ENTRIES) {
            truncated = true;
            break;
          }
          seen++;
          const path = clean(f.path);
          if (f.is_dir) queue.push(path);
          else files.push({ path, size: f.file_size === undefined || f.file_size === null ? null : Number(f.file_size) });
        }
        if (truncated) break;
      }
    }
    return { files, truncated };
  } catch (e) {
    return { files, truncated, error: toApiError(e).message };
  }
}

export interface SharedPath {
  path: string;
  /** Ids of the runs that have it, in the compare order. */
  runIds: string[];
  sizes: (number | null)[];
}

/** Paths present in two or more of the runs, sorted. */
export function sharedPaths(runIds: string[], walks: Map<string, Walk>): SharedPath[] {
  const by = new Map<string, SharedPath>();
  for (const id of runIds) {
    const w = walks.get(id);
    if (!w) continue;
    for (const f of w.files) {
      let s = by.get(f.path);
      if (!s) {
        s = { path: f.path, runIds: [], sizes: [] };
        by.set(f.path, s);
      }
      s.runIds.push(id);
      s.sizes.push(f.size);
    }
  }
  const collator = new Intl.Collator(undefined, { numeric: true });
  return [...by.values()].filter((s) => s.runIds.length >= 2).sort((a, b) => collator.compare(a.path, b.path));
}

// Walks are kept for a minute (switching tabs does not walk again); "Rescan" forces one.
const walkCache = new Map<string, { at: number; walk: Promise<Walk> }>();
const FRESH_MS = 60_000;

export function walkCached(runId: string, force = false): Promise<Walk> {
  const hit = walkCache.get(runId);
  if (!force && hit && Date.now() - hit.at < FRESH_MS) return hit.walk;
  const walk = walkRun(runId);
  walkCache.set(runId, { at: Date.now(), walk });
  // A failed walk is not kept.
  walk.then((w) => {
    if (w.error && walkCache.get(runId)?.walk === walk) walkCache.delete(runId);
  });
  return walk;
}
