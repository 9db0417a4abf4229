// Shared helpers for the end-to-end tests: start `runlens serve`, talk to its REST API.

import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import net from 'node:net';
import { chromium } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const TARGET = process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target');

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Debian's Chromium as the tests run it: headless, no sandbox, nothing phoning home. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** A fresh Chromium profile; `options` adds to playwright's (viewport, acceptDownloads…). */
export function launchChromium(options = {}, prefix = 'runlens-chromium-') {
  return chromium.launchPersistentContext(tempDir(prefix), {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    ...options,
  });
}

/** Starts `runlens serve --port 0` on a fresh store; resolves to { url, stop }. */
export function startServer() {
  const data = tempDir('runlens-e2e-');
  const bin = process.env.RUNLENS_BIN ?? join(TARGET, 'debug', 'runlens');
  const proc = spawn(bin, ['--data-dir', data, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolvePromise, reject) => {
    let out = '';
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/http:\/\/(\S+)/);
      if (m) resolvePromise({ url: `http://${m[1]}`, stop: () => proc.kill('SIGTERM') });
    });
    proc.on('exit', (code) => reject(new Error(`runlens serve exited with ${code}: ${out}`)));
  });
}

/** Calls an MLflow REST endpoint; throws on an error status. */
export async function mlflow(base, path, body) {
  const resp = await fetch(`${base}/api/2.0/mlflow/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await resp.json();
  if (!resp.ok) throw new Error(`${path}: ${resp.status} ${JSON.stringify(json)}`);
  return json;
}

/** Logs an experiment with one finished run; returns their ids. */
export async function logRun(base, experimentName, runName, params) {
  const { experiment_id } = await mlflow(base, 'experiments/create', { name: experimentName });
  const { run } = await mlflow(base, 'runs/create', { experiment_id, run_name: runName, start_time: Date.now() });
  const runId = run.info.run_id;
  await mlflow(base, 'runs/log-batch', {
    run_id: runId,
    params: Object.entries(params).map(([key, value]) => ({ key, value })),
    metrics: [0, 1, 2].map((step) => ({ key: 'loss', value: 1 / (step + 1), timestamp: Date.now(), step })),
  });
  await mlflow(base, 'runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() });
  return { experimentId: experiment_id, runId };
}

export function freePort() {
  return new Promise((resolvePromise) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePromise(port));
    });
  });
}

export async function waitFor(what, fn, timeoutMs = 20000, everyMs = 200) {
  const until = Date.now() + timeoutMs;
  let last;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}
