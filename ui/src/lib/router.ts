// Hash routes, the same as MLflow's so the links its client prints open here.

export type Route =
  | { kind: 'home' }
  | { kind: 'import' }
  | { kind: 'experiment'; experimentId: string }
  | { kind: 'run'; experimentId: string; runId: string }
  | { kind: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').split('?')[0];
  const parts = path.split('/').filter((p) => p.length > 0).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  if (parts.length === 0) return { kind: 'home' };
  if (parts.length === 1 && parts[0] === 'import') return { kind: 'import' };
  if (parts[0] === 'experiments' && parts.length >= 2) {
    const experimentId = parts[1];
    if (parts.length === 2 || (parts.length === 3 && parts[2] === 'runs')) return { kind: 'experiment', experimentId };
    if (parts[2] === 'runs' && parts.length >= 4) return { kind: 'run', experimentId, runId: parts[3] };
  }
  return { kind: 'not-found', path };
}

export function experimentHref(id: string): string {
  return `#/experiments/${encodeURIComponent(id)}`;
}

export function runHref(experimentId: string, runId: string): string {
  return `#/experiments/${encodeURIComponent(experimentId)}/runs/${encodeURIComponent(runId)}`;
}
