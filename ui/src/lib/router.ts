// Hash routes, the same as MLflow's so the links its client prints open here:
//   #/experiments/E, #/experiments/E/runs            an experiment's runs
//   #/compare-experiments/s?experiments=["1","2"]    runs of several experiments together
//   #/experiments/E/runs/R                           a run
//   #/experiments/E/runs/R/artifacts/<path>          a run's artifact (segments percent-encoded)
//   #/compare-runs?runs=[...]&experiments=[...]      selected runs side by side
//   #/import                                         import from MLflow
//   #/models                                         the registered models
//   #/models/NAME[?at=<ms>]                          a model's stage board (at a past time)
//   #/models/NAME/versions/V                         one model version
//   #/presentations                                  the presentations
//   #/presentations/<id>                             one presentation's editor
//   #/presentations/<id>/present[?slide=N]           presenting it (full window), from slide N
//   #/settings                                       settings: the tracking servers to sync with

export type Route =
  | { kind: 'home' }
  | { kind: 'import' }
  | { kind: 'experiment'; experimentIds: string[]; experimentId: string }
  | { kind: 'run'; experimentId: string; runId: string; artifactPath: string | null }
  | { kind: 'compare-runs'; runIds: string[]; experimentIds: string[] }
  | { kind: 'models' }
  | { kind: 'model'; name: string; at: number | null }
  | { kind: 'model-version'; name: string; version: string }
  | { kind: 'presentations' }
  | { kind: 'presentation'; id: string }
  | { kind: 'present'; id: string; slide: number }
  | { kind: 'settings' }
  | { kind: 'not-found'; path: string };

function decode(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}

/** A JSON list of strings from a query value (`["a","b"]`); anything else gives []. */
function jsonList(v: string | null): string[] {
  if (!v) return [];
  try {
    const parsed: unknown = JSON.parse(v);
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return v.split(',').filter((s) => s.length > 0);
  }
}

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = q >= 0 ? raw.slice(0, q) : raw;
  const query = new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '');
  const rawParts = path.split('/').filter((p) => p.length > 0);
  const parts = rawParts.map(decode);
  if (parts.length === 0) return { kind: 'home' };
  if (parts.length === 1 && parts[0] === 'import') return { kind: 'import' };
  if (parts.length === 1 && parts[0] === 'settings') return { kind: 'settings' };
  if (parts[0] === 'presentations') {
    if (parts.length === 1) return { kind: 'presentations' };
    if (parts.length === 2) return { kind: 'presentation', id: parts[1] };
    if (parts.length === 3 && parts[2] === 'present') {
      const n = Number(query.get('slide') ?? '1');
      return { kind: 'present', id: parts[1], slide: Number.isInteger(n) && n >= 1 ? n : 1 };
    }
  }
  if (parts[0] === 'models') {
    if (parts.length === 1) return { kind: 'models' };
    if (parts.length === 2) {
      const at = Number(query.get('at') ?? '');
      return { kind: 'model', name: parts[1], at: query.has('at') && Number.isFinite(at) && at > 0 ? at : null };
    }
    if (parts.length === 4 && parts[2] === 'versions') return { kind: 'model-version', name: parts[1], version: parts[3] };
  }
  if (parts[0] === 'compare-runs') {
    return { kind: 'compare-runs', runIds: jsonList(query.get('runs')), experimentIds: jsonList(query.get('experiments')) };
  }
  if (parts[0] === 'compare-experiments') {
    const ids = jsonList(query.get('experiments'));
    if (ids.length > 0) return { kind: 'experiment', experimentIds: ids, experimentId: ids[0] };
  }
  if (parts[0] === 'experiments' && parts.length >= 2) {
    const experimentId = parts[1];
    if (parts.length === 2 || (parts.length === 3 && parts[2] === 'runs')) {
      return { kind: 'experiment', experimentIds: [experimentId], experimentId };
    }
    if (parts[2] === 'runs' && parts.length >= 4) {
      const runId = parts[3];
      if (parts.length === 4) return { kind: 'run', experimentId, runId, artifactPath: null };
      if (parts[4] === 'artifacts') {
        return { kind: 'run', experimentId, runId, artifactPath: parts.slice(5).join('/') };
      }
    }
  }
  return { kind: 'not-found', path };
}

export function experimentHref(id: string): string {
  return `#/experiments/${encodeURIComponent(id)}`;
}

export function experimentsHref(ids: string[]): string {
  if (ids.length === 1) return experimentHref(ids[0]);
  return `#/compare-experiments/s?experiments=${encodeURIComponent(JSON.stringify(ids))}`;
}

export function runHref(experimentId: string, runId: string): string {
  return `#/experiments/${encodeURIComponent(experimentId)}/runs/${encodeURIComponent(runId)}`;
}

/** A run's artifact page; each path segment is percent-encoded on its own. */
export function artifactHref(experimentId: string, runId: string, path: string): string {
  const segments = path.split('/').filter((s) => s.length > 0).map(encodeURIComponent);
  return `${runHref(experimentId, runId)}/artifacts${segments.length ? '/' + segments.join('/') : ''}`;
}

export function compareHref(runIds: string[], experimentIds: string[]): string {
  return `#/compare-runs?runs=${encodeURIComponent(JSON.stringify(runIds))}&experiments=${encodeURIComponent(JSON.stringify(experimentIds))}`;
}

export function presentationsHref(): string {
  return '#/presentations';
}

export function presentationHref(id: string): string {
  return `#/presentations/${encodeURIComponent(id)}`;
}

/** Presenting a presentation, from slide `slide` (1-based). */
export function presentHref(id: string, slide = 1): string {
  return `${presentationHref(id)}/present${slide > 1 ? `?slide=${slide}` : ''}`;
}

export function modelsHref(): string {
  return '#/models';
}

/** A model's stage board; with `at` (ms), the board as it was then. */
export function modelHref(name: string, at?: number | null): string {
  return `#/models/${encodeURIComponent(name)}${at ? `?at=${Math.round(at)}` : ''}`;
}

export function modelVersionHref(name: string, version: string): string {
  return `${modelHref(name)}/versions/${encodeURIComponent(version)}`;
}

export function settingsHref(): string {
  return '#/settings';
}
