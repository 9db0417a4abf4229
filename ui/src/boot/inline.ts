// The boot script, inlined into index.html's head by the build (vite.config.ts). It runs before
// the app's code has even been read: it asks the store the page's first questions at once, so
// the answers are there when the app asks them (handoff.ts), and on an experiment's page it
// draws the first rows from them (view.ts) while the app's code loads. The app starts after
// that frame (main.ts) and replaces it. In the desktop window there is no HTTP to ask over:
// the app asks itself.

import type { Experiment } from '../api/types';
import type { Keys, TablePage } from '../table/model';
import { pageArgs } from '../table/request';
import { EXPERIMENT_LIST, EXPERIMENT_SUMMARY, callKey, firstCalls, firstTable, keysCall, withKeys, type Call, type FirstTable } from './calls';
import type { BootAnswer, BootState } from './handoff';
import { bootHtml, type Summary } from './view';

function ask(op: string, args: Record<string, unknown>): Promise<BootAnswer> {
  return fetch(`/-/call/${op}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(args) }).then(
    async (resp) => ({ ok: resp.ok, status: resp.status, body: await resp.json().catch(() => null) }),
    (e: unknown) => ({ ok: false, status: 0, body: null, error: e instanceof Error ? e.message : String(e) }),
  );
}

// The page is parsed (not DOMContentLoaded: that waits for the app's code to run).
const parsed = () =>
  new Promise<void>((r) => {
    if (document.readyState !== 'loading') return r();
    document.addEventListener('readystatechange', () => r(), { once: true });
  });
// After the frame holding what was drawn is on screen.
const drawn = () => new Promise<void>((r) => requestAnimationFrame(() => setTimeout(r, 0)));

/** Starts reading the app's code (main.ts imports it after the paint's frame), once. */
let preloaded = false;
function preloadApp() {
  if (preloaded) return;
  preloaded = true;
  const modules = document.querySelector('meta[name="runlens-app-modules"]')?.getAttribute('content') ?? '';
  for (const href of modules.split(' ').filter(Boolean)) {
    const link = document.createElement('link');
    link.rel = 'modulepreload';
    link.crossOrigin = '';
    link.href = href;
    document.head.append(link);
  }
}

async function paint(state: BootState, table: FirstTable, answer: (call: Call) => Promise<BootAnswer>): Promise<void> {
  const [page, exp, list, summary] = await Promise.all([
    answer({ op: 'runlens/runs/table', args: pageArgs(table.body, 0) }),
    answer({ op: 'mlflow/experiments/get', args: { experiment_id: table.experimentIds[0] } }),
    answer(EXPERIMENT_LIST),
    answer(EXPERIMENT_SUMMARY),
  ]);
  if (!page.ok || !exp.ok) return;
  await parsed();
  const app = document.getElementById('app');
  if (state.started || !app || app.firstChild) return;
  const html = bootHtml({
    table,
    page: page.body as TablePage,
    experiment: (exp.body as { experiment: Experiment }).experiment,
    experiments: list.ok ? ((list.body as { experiments?: Experiment[] }).experiments ?? []) : null,
    summary: summary.ok ? ((summary.body as { experiments?: Summary[] }).experiments ?? []) : null,
    origin: location.origin,
    width: window.innerWidth,
    height: window.innerHeight,
    now: Date.now(),
  });
  if (!html) return;
  app.innerHTML = html;
  await drawn();
}

function boot() {
  // The desktop window reads the app's code from the app itself: nothing to ask early.
  if ('__TAURI_INTERNALS__' in window || !/^https?:$/.test(location.protocol)) return;
  const answers = new Map<string, Promise<BootAnswer>>();
  const table = firstTable(location.hash);
  const calls = table ? firstCalls(table) : [];
  if (calls.length > 0) {
    // One request for all of them (`/-/calls`): one round trip, one connection.
    const batch: Promise<{ status: number; body: unknown }[] | null> = fetch('/-/calls', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(calls),
    }).then(
      (resp) => (resp.ok ? resp.json() : null),
      () => null,
    );
    calls.forEach((c, i) => {
      const one = batch.then((list): BootAnswer => {
        const a = Array.isArray(list) ? list[i] : undefined;
        return a ? { ok: a.status >= 200 && a.status < 300, status: a.status, body: a.body } : { ok: false, status: 0, body: null, error: 'not answered' };
      });
      answers.set(callKey(c.op, c.args), one);
    });
  }
  const state: BootState = { at: performance.now(), answers, painted: Promise.resolve(), started: false };
  window.__runlensBoot = state;
  // An answer already asked for, or asked now (and kept for the app).
  const answer = (c: Call) => {
    const key = callKey(c.op, c.args);
    let a = answers.get(key);
    if (!a) answers.set(key, (a = ask(c.op, c.args)));
    return a;
  };
  if (!table) return preloadApp();
  // A first visit: the first rows show the runs' own fields (as the app's do); the app asks
  // again with the keys' default columns as soon as it has the keys, so ask that before it
  // starts (after the paint: asking costs the page's main thread too).
  const askWithKeys = async () => {
    if (table.columnsKnown) return;
    const keys = await answer(keysCall(table.experimentIds));
    if (keys.ok) void answer({ op: 'runlens/runs/table', args: pageArgs(withKeys(table, keys.body as Keys).body, 0) });
  };
  // Drawn (or nothing drawn): the app's code is wanted now, not before the paint's frame
  // (asking for the app's modules costs the page's main thread too).
  state.painted = paint(state, table, answer)
    .catch(() => {})
    .finally(() => {
      preloadApp();
      void askWithKeys();
    });
}

try {
  boot();
} catch {
  // Nothing asked early: the app asks for itself.
  preloadApp();
}
