// The import under way, shared by the Import page and the window's drag and drop.

import { backend, toApiError, type ImportProgress, type ImportResult } from '../api/backend';

class ImportState {
  running = $state(false);
  path = $state('');
  progress = $state<ImportProgress | null>(null);
  startedAt = $state(0);
  result = $state<ImportResult | null>(null);
  error = $state<string | null>(null);
  /** Bumped after each import, so views showing the store refresh at once. */
  completed = $state(0);

  async start(path: string, copy: boolean) {
    if (this.running || !path.trim()) return;
    this.running = true;
    this.path = path.trim();
    this.progress = null;
    this.result = null;
    this.error = null;
    this.startedAt = Date.now();
    try {
      this.result = await backend.importPath(this.path, copy, (p) => (this.progress = p));
    } catch (e) {
      this.error = toApiError(e).message;
    } finally {
      this.running = false;
      this.completed += 1;
    }
  }
}

export const imports = new ImportState();

/** Runs per second and seconds left, from the progress so far. */
export function rate(p: ImportProgress | null, startedAt: number, now = Date.now()): { perSecond: number; secondsLeft: number | null } {
  if (!p || p.runs_done === 0) return { perSecond: 0, secondsLeft: null };
  const elapsed = Math.max(0.001, (now - startedAt) / 1000);
  const perSecond = p.runs_done / elapsed;
  return { perSecond, secondsLeft: p.runs_total > p.runs_done ? (p.runs_total - p.runs_done) / perSecond : 0 };
}
