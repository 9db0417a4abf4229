// The desktop memory benchmark's window side (run by bench/desktop.py under Xvfb): opens the
// real window (runlens-desktop through tauri-driver) on a store, shows an experiment's run
// table, scrolls it, and prints when the first rows were there.
//   node bench-desktop.mjs APP_BINARY DATA_DIR EXPERIMENT_ID

import { spawn } from 'node:child_process';
import { freePort, waitFor } from './lib.mjs';

const [app, data, exp] = process.argv.slice(2);
const DRIVER = 'http://127.0.0.1:4444';
const port = await freePort();
const driver = spawn(process.env.TAURI_DRIVER ?? 'tauri-driver', [], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, RUNLENS_DATA_DIR: data, RUNLENS_PORT: String(port) },
});

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

let session;
try {
  await waitFor('tauri-driver', async () => (await fetch(`${DRIVER}/status`)).ok, 20000);
  session = (await wd('POST', '/session', { capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application: app } } } })).sessionId;
  const run = (script, ...args) => wd('POST', `/session/${session}/execute/sync`, { script, args });
  // Timed inside the page, from the hash change to the first run row in the DOM (checked
  // every 5 ms), so the WebDriver round trips of the polling below do not count.
  await run(
    `window.__rlFirst = undefined;
     const t0 = performance.now();
     const check = () => (document.querySelector('[data-run-id]') ? (window.__rlFirst = performance.now() - t0) : setTimeout(check, 5));
     window.location.hash = arguments[0];
     check();
     return true;`,
    `#/experiments/${exp}/runs`,
  );
  await waitFor('the first rows', async () => run('return window.__rlFirst !== undefined;'), 60000, 50);
  const firstRows = Math.round(await run('return window.__rlFirst;'));
  // Scroll through a stretch of the table, as a user would.
  for (let i = 0; i < 20; i++) {
    await run('const s = document.querySelector("[data-testid=\\"runs-table\\"]"); if (s) s.scrollTop += 2000; return true;');
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 1000));
  console.log(JSON.stringify({ first_rows_ms: firstRows, port }));
  // Keep the window open until the caller has read the memory figures.
  await new Promise((r) => process.stdin.once('data', r));
} finally {
  if (session) await wd('DELETE', `/session/${session}`).catch(() => {});
  driver.kill('SIGTERM');
  process.stdin.destroy();
}
process.exit(0);
