// The real desktop window (runlens-desktop) through tauri-driver and WebKitWebDriver, under
// Xvfb. A run is logged into the window's own tracking server; the window must show it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, logRun, TARGET, tempDir, waitFor } from './lib.mjs';

const DRIVER = 'http://127.0.0.1:4444';
let driver;
let session;

async function wd(method, path, body) {
  const resp = await fetch(`${DRIVER}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await resp.json();
  if (!resp.ok) throw new Error(`${method} ${path}: ${resp.status} ${JSON.stringify(json.value ?? json)}`);
  return json.value;
}

/** The text of every element matching `selector` (textContent: WebKitWebDriver's element
 * text comes back empty under a window-manager-less Xvfb). */
async function texts(selector) {
  return wd('POST', `/session/${session}/execute/sync`, {
    script: 'return Array.from(document.querySelectorAll(arguments[0])).map((e) => e.textContent.trim());',
    args: [selector],
  });
}

/** Saves the screen as the X server shows it (the window at its top left). WebKitWebDriver's own
 * screenshot waits for the page's next presentation update, which the window (drawn without
 * the GPU, see tune_webview) sends only when something on it changes: up to a minute, until the
 * "1 min ago" texts move. */
async function screenshot(name) {
  await new Promise((r) => setTimeout(r, 300));
  const file = join(process.env.SCREENSHOT_DIR ?? tempDir('runlens-shot-'), name);
  execFileSync('import', ['-window', 'root', file]);
  assert.ok(statSync(file).size > 10000, `${name} holds the window`);
}

let port;

before(async () => {
  const data = tempDir('runlens-desktop-');
  port = await freePort();
  const bin = process.env.RUNLENS_DESKTOP_BIN ?? join(TARGET, 'debug', 'runlens-desktop');
  driver = spawn(process.env.TAURI_DRIVER ?? 'tauri-driver', [], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, RUNLENS_DATA_DIR: data, RUNLENS_PORT: String(port) },
  });
  await waitFor('tauri-driver', async () => (await fetch(`${DRIVER}/status`)).ok, 20000);
  const created = await wd('POST', '/session', {
    capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application: bin } } },
  });
  session = created.sessionId;
});

after(async () => {
  if (session) await wd('DELETE', `/session/${session}`).catch(() => {});
  // SIGTERM, not SIGKILL: tauri-driver then frees its ports.
  driver?.kill('SIGTERM');
});

test('the window shows an experiment logged into its tracking server', async () => {
  const base = `http://127.0.0.1:${port}`;
  await waitFor('the in-app tracking server', async () => (await fetch(`${base}/health`)).ok, 20000);
  const name = `desktop e2e ${Date.now()}`;
  await logRun(base, name, 'window-run', { lr: '0.5' });

  const links = await waitFor('the experiment in the sidebar', async () => {
    const names = await texts('[data-testid="experiment-list"] a');
    return names.includes(name) ? names : null;
  });
  assert.ok(links.includes('Default'));

  // Click the experiment's link in the sidebar.
  const clicked = await wd('POST', `/session/${session}/execute/sync`, {
    script: 'const a = Array.from(document.querySelectorAll(\'[data-testid="experiment-list"] a\')).find((e) => e.textContent.trim() === arguments[0]); if (a) a.click(); return !!a;',
    args: [name],
  });
  assert.ok(clicked);
  const rows = await waitFor('the run in the table', async () => {
    const t = await texts('[data-testid="runs-table"] [data-run-id]');
    return t.some((r) => r.includes('window-run')) ? t : null;
  });
  assert.equal(rows.length, 1);
  const title = await texts('[data-testid="experiment-name"]');
  assert.deepEqual(title, [name]);

  await screenshot('desktop.png');
});

test('the window imports an mlruns folder through its Import page', async () => {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const root = join(tempDir('runlens-desktop-mlruns-'), 'mlruns');
  const run = join(root, '777', 'abcdef00abcdef00abcdef00abcdef00');
  for (const d of ['metrics', 'params', 'tags']) mkdirSync(join(run, d), { recursive: true });
  writeFileSync(join(root, '777', 'meta.yaml'), "experiment_id: '777'\nlifecycle_stage: active\nname: desktop import\ncreation_time: 1\nlast_update_time: 1\n");
  writeFileSync(join(run, 'meta.yaml'), "run_id: abcdef00abcdef00abcdef00abcdef00\nexperiment_id: '777'\nrun_name: from-disk\nstatus: 3\nstart_time: 1\nlifecycle_stage: active\n");
  writeFileSync(join(run, 'metrics', 'loss'), '1 0.5 0\n');
  await wd('POST', `/session/${session}/execute/sync`, { script: "window.location.hash = '#/import'; return true;", args: [] });
  await waitFor('the import page', async () => (await texts('h1')).includes('Import from MLflow'));
  await wd('POST', `/session/${session}/execute/sync`, {
    script: `const input = document.querySelector('input[aria-label="Path to import"]');
             input.value = arguments[0]; input.dispatchEvent(new Event('input', { bubbles: true }));
             Array.from(document.querySelectorAll('button')).find((b) => b.textContent.trim() === 'Import').click();
             return true;`,
    args: [root],
  });
  const summary = await waitFor('the import summary', async () => {
    const t = await texts('[data-testid="import-summary"]');
    return t.length ? t[0] : null;
  });
  assert.match(summary, /1 experiments.*1 runs.*1 new metric points/s);
  const names = await waitFor('the experiment in the sidebar', async () => {
    const n = await texts('[data-testid="experiment-list"] a');
    return n.includes('desktop import') ? n : null;
  });
  assert.ok(names.includes('desktop import'));
});

/** Runs a script in the window and returns its value. */
async function run(script, ...args) {
  return wd('POST', `/session/${session}/execute/sync`, { script, args });
}

test('key screens in the window: run page, artifact previews through IPC and the loopback server', async () => {
  const base = `http://127.0.0.1:${port}`;
  const { experimentId, runId } = await logRun(base, `desktop screens ${Date.now()}`, 'screen-run', { lr: '0.1' });
  const put = async (path, body) => {
    const enc = path.split('/').map(encodeURIComponent).join('/');
    const resp = await fetch(`${base}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/${enc}`, { method: 'PUT', body });
    assert.ok(resp.ok, `upload ${path}`);
  };
  // A 1×1 PNG, a text file with an awkward name, and a scripted SVG.
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
  await put('plots/dot.png', png);
  await put('notes #1 + ü.txt', 'hello from the window\n');
  await put('evil.svg', '<svg xmlns="http://www.w3.org/2000/svg" onload="top.pwned=1"><script>top.pwned=2</script></svg>');

  // The run page.
  await run(`window.location.hash = arguments[0]; return true;`, `#/experiments/${experimentId}/runs/${runId}`);
  await waitFor('the run page', async () => (await texts('[data-testid="run-name"]'))[0] === 'screen-run');
  await waitFor('the params table', async () => (await texts('[data-testid="kv-params"]')).some((t) => t.includes('lr')));

  // A text artifact by its URL: read through the read_artifact command.
  const segs = ['notes #1 + ü.txt'].map(encodeURIComponent).join('/');
  await run(`window.location.hash = arguments[0]; return true;`, `#/experiments/${experimentId}/runs/${runId}/artifacts/${segs}`);
  await waitFor('the text preview', async () => (await texts('[data-testid="artifact-preview"] [data-testid="code"]'))[0] === 'hello from the window');

  // An image: loaded from the window's tracking server (the CSP allows it), decoded.
  await run(`window.location.hash = arguments[0]; return true;`, `#/experiments/${experimentId}/runs/${runId}/artifacts/plots/dot.png`);
  await waitFor('the image preview', async () =>
    run(`const img = document.querySelector('[data-testid="artifact-preview"] img'); return !!img && img.complete && img.naturalWidth === 1;`),
  );

  // A scripted SVG runs nothing.
  await run(`window.location.hash = arguments[0]; return true;`, `#/experiments/${experimentId}/runs/${runId}/artifacts/evil.svg`);
  await waitFor('the svg preview', async () => run(`return !!document.querySelector('[data-testid="artifact-preview"] img');`));
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await run('return window.pwned === undefined;'), true);

  await screenshot('desktop-artifacts.png');
});

test('the stage board in the window: a move made there reaches the client, a move by the client shows there', async () => {
  const base = `http://127.0.0.1:${port}`;
  const { runId } = await logRun(base, `desktop registry ${Date.now()}`, 'model-run', { lr: '0.1' });
  const name = `window-model-${Date.now()}`;
  const rest = async (path, body, method = 'POST') => {
    const resp = await fetch(`${base}/api/2.0/mlflow/${path}`, { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    assert.ok(resp.ok, `${path}: ${resp.status}`);
    return resp.json();
  };
  await rest('registered-models/create', { name });
  await rest('model-versions/create', { name, source: `runs:/${runId}/model`, run_id: runId });
  await rest('model-versions/create', { name, source: `runs:/${runId}/model`, run_id: runId });
  await run(`window.location.hash = arguments[0]; return true;`, `#/models/${encodeURIComponent(name)}`);
  const inColumn = (stage, version) =>
    run(`return !!document.querySelector('[data-testid="column-' + arguments[0] + '"] [data-testid="card-' + arguments[1] + '"]');`, stage, version);
  await waitFor('the board', async () => (await inColumn('None', '1')) && (await inColumn('None', '2')));

  // The window moves v1 to Staging (keyboard: Alt+→ on the focused card, then confirm).
  await run(`const card = document.querySelector('[data-testid="card-1"]'); card.focus();
    card.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', altKey: true, bubbles: true })); return true;`);
  await waitFor('the move dialog', async () => run(`return !!document.querySelector('[data-testid="transition-dialog"][open]');`));
  await run(`const d = document.querySelector('[data-testid="transition-dialog"]');
    [...d.querySelectorAll('button')].find((b) => b.textContent.includes('Move to')).click(); return true;`);
  await waitFor('the stage through REST', async () => {
    const resp = await fetch(`${base}/api/2.0/mlflow/model-versions/get?name=${encodeURIComponent(name)}&version=1`);
    return (await resp.json()).model_version?.current_stage === 'Staging';
  });

  // The client moves v2 to Production and points an alias at it: the board follows.
  await rest('model-versions/transition-stage', { name, version: '2', stage: 'Production' });
  await rest('registered-models/alias', { name, alias: 'champion', version: '2' });
  await waitFor('the board after the client moved', async () =>
    (await inColumn('Production', '2')) && (await texts('[data-testid="card-2"] [data-testid="alias-champion"]')).length === 1,
  );
  await screenshot('desktop-board.png');
});
