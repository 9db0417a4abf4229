// One colour per run, used in the table, charts and compare views. It is derived from the
// run id, so it is the same everywhere and across sessions; the user may override it.

const PALETTE = [
  '#3b5bdb', '#e8590c', '#2b8a3e', '#c2255c', '#7048e8', '#0c8599', '#e67700', '#5c940d',
  '#d6336c', '#1971c2', '#9c36b5', '#087f5b', '#f08c00', '#495057', '#c92a2a', '#4263eb',
];

const OVERRIDES_KEY = 'runlens.runColors';

let cached: Record<string, string> | null = null;

function overrides(): Record<string, string> {
  if (cached) return cached;
  try {
    cached = JSON.parse(localStorage.getItem(OVERRIDES_KEY) ?? '{}') as Record<string, string>;
  } catch {
    cached = {};
  }
  return cached;
}

// Another window (or tab) changed the colours.
window.addEventListener('storage', (e) => {
  if (e.key === OVERRIDES_KEY) cached = null;
});

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

export function runColor(runId: string): string {
  return overrides()[runId] ?? PALETTE[hash(runId) % PALETTE.length];
}

export function setRunColor(runId: string, color: string | null) {
  const o = overrides();
  if (color) o[runId] = color;
  else delete o[runId];
  cached = o;
  localStorage.setItem(OVERRIDES_KEY, JSON.stringify(o));
}

export const palette = PALETTE;
