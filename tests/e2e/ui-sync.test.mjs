// Syncing with a team's MLflow tracking server from the UI, against MLflow's own server:
// a remote added and tested in Settings, an experiment pulled from it (progress, report,
// the sidebar, the experiment header, pulled runs marked in the table and on the run page),
// a run made here pushed to it (checked through MLflow's REST API) and pushed again, and an
// unreachable server's clear error.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, freePort, launchChromium, logRun, mlflow, startServer, tempDir, waitFor } from './lib.mjs';

let server;
let context;
let mlflowProc;
let mlflowUrl;
let mlflowHost;

/** Starts `mlflow server` on a fresh sqlite store; resolves once `/health` answers. */
async function startMlflow() {
  const dir = tempDir('runlens-sync-mlflow-');
  const port = await freePort();
  const proc = spawn(
    join(ROOT, '.venv', 'bin', 'mlflow'),
    ['server', '--backend-store-uri', `sqlite:///${join(dir, 'mlflow.db')}`, '--artifacts-destination', join(dir, 'art'), '--host', '127.0.0.1', '--port', String(port), '--workers', '1'],
    { env: { ...process.env, MLFLOW_DISABLE_TELEMETRY: 'true' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  proc.stderr.on('data', (chunk) => (log = (log + chunk).slice(-4000)));
  let exited = false;
  proc.on('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      'mlflow server /health',
      async () => {
        if (exited) throw new Error(`mlflow server exited: ${log}`);
        return (await fetch(`${url}/health`)).ok;
      },
      120_000,
      500,
    );
  } catch (e) {
    proc.kill('SIGTERM');
    throw e;
  }
  return { proc, url };
}

async function stopMlflow(proc) {
  if (!proc || proc.exitCode !== null) return;
  const gone = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
  if (proc.exitCode === null) proc.kill('SIGKILL');
}

/** The team's experiment on the MLflow server: 3 finished runs with params and metrics. */
async function fillMlflow(base) {
  const { experiment_id } = await mlflow(base, 'experiments/create', { name: 'team-exp' });
  for (let i = 1; i <= 3; i++) {
    const { run } = await mlflow(base, 'runs/create', { experiment_id, run_name: `team-run-${i}`, start_time: Date.now() });
    await mlflow(base, 'runs/log-batch', {
      run_id: run.info.run_id,
      params: [
        { key: 'lr', value: String(0.1 * i) },
        { key: 'layers', value: String(i + 1) },
      ],
      metrics: [0, 1, 2, 3].map((step) => ({ key: 'loss', value: 1 / (step + i), timestamp: Date.now(), step })),
    });
    await mlflow(base, 'runs/update', { run_id: run.info.run_id, status: 'FINISHED', end_time: Date.now() });
  }
  return experiment_id;
}

before(async () => {
  const [s, m] = await Promise.all([startServer(), startMlflow()]);
  server = s;
  mlflowProc = m.proc;
  mlflowUrl = m.url;
  mlflowHost = new URL(mlflowUrl).host;
  await fillMlflow(mlflowUrl);
  context = await launchChromium();
});

after(async () => {
  await context?.close();
  server?.stop();
  await stopMlflow(mlflowProc);
});

/** A page recording page errors and console errors (`allow`: request URLs expected to fail). */
async function openPage(allow = []) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const url = m.location()?.url ?? '';
    if (allow.some((re) => re.test(url))) return;
    errors.push(`${m.text()} (${url})`);
  });
  return { page, errors };
}

async function call(op, args = {}) {
  const resp = await fetch(`${server.url}/-/call/${op}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(args) });
  const body = await resp.json();
  assert.ok(resp.ok, `${op}: ${resp.status} ${JSON.stringify(body)}`);
  return body;
}

/** Waits for the sync dialog's report and returns its text. */
async function report(page) {
  const dialog = page.getByTestId('sync-dialog');
  await dialog.waitFor();
  const rep = dialog.getByTestId('sync-report');
  await rep.waitFor({ timeout: 60_000 });
  return rep.innerText();
}

test('a tracking server is added and tested in Settings, and an experiment pulled from it', async () => {
  const { page, errors } = await openPage();
  await page.goto(`${server.url}/#/`);
  await page.getByTestId('settings-link').click();
  await waitFor('the settings page', () => page.url().endsWith('#/settings'));
  const remotes = page.getByTestId('remotes');
  await remotes.getByTestId('no-remotes').waitFor();

  // Add: the URL, no sign-in; Test connection counts the server's experiments.
  await remotes.getByTestId('add-remote').click();
  const dialog = page.getByTestId('remote-dialog');
  await dialog.getByLabel('Server URL').fill(`${mlflowUrl}/`);
  assert.ok(await dialog.getByRole('radio', { name: 'None' }).isChecked(), 'no sign-in by default');
  await dialog.getByTestId('test-connection').click();
  const result = dialog.getByTestId('test-result');
  await result.waitFor({ timeout: 30_000 });
  // The server's Default experiment and team-exp.
  assert.match(await result.innerText(), /Connected: 2 experiments on the server/);
  assert.equal(await result.getAttribute('data-ok'), 'true');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor({ state: 'detached' });

  const row = remotes.getByTestId('remote-0');
  await row.waitFor();
  assert.equal(await row.getAttribute('data-url'), mlflowUrl, 'saved without the trailing slash');
  assert.match(await row.innerText(), /No sign-in/);
  assert.match(await row.innerText(), /never synced/);
  assert.deepEqual((await call('runlens/remotes/list')).remotes.map((r) => [r.url, r.auth]), [[mlflowUrl, 'none']]);

  // Pull: the server's experiments with checkboxes; pull team-exp only.
  await row.getByRole('button', { name: 'Pull…' }).click();
  const pull = page.getByTestId('pull-dialog');
  const list = pull.getByTestId('remote-experiments');
  await list.waitFor({ timeout: 30_000 });
  assert.equal(await list.locator('li').count(), 2);
  await list.locator('label', { hasText: 'team-exp' }).getByRole('checkbox').check();
  await pull.getByRole('button', { name: 'Pull selected (1)' }).click();
  await pull.waitFor({ state: 'detached' });

  // The progress dialog reaches the report: 3 new runs.
  const text = await report(page);
  assert.match(text, /3 new runs, 0 updated, 0 unchanged in 1 experiment/);
  assert.match(await page.getByTestId('sync-dialog').getByRole('heading').innerText(), new RegExp(`Pull from ${mlflowHost} finished`));
  await page.getByTestId('sync-dialog').getByRole('button', { name: 'Close' }).click();
  await page.getByTestId('sync-dialog').waitFor({ state: 'detached' });
  // The remote says when it was pulled; the session's syncs list the job.
  await waitFor('the last sync on the remote', async () => /pulled just now/.test(await row.innerText()));
  assert.match(await page.getByTestId('sync-jobs').innerText(), /3 new runs/);

  // The experiment is in the sidebar at once, its header says where it came from.
  const link = page.getByTestId('experiment-list').getByRole('link', { name: 'team-exp', exact: true });
  await link.waitFor({ timeout: 5000 });
  await link.click();
  const sync = page.getByTestId('experiment-sync');
  await sync.waitFor();
  assert.match(await sync.innerText(), new RegExp(`Pulled from ${mlflowHost} · just now`));

  // Its runs are marked as pulled.
  const table = page.getByTestId('runs-table');
  await waitFor('3 pulled markers', async () => (await table.getByTestId('pulled-marker').count()) === 3);
  assert.equal(await table.getByTestId('pulled-marker').first().getAttribute('title'), 'Pulled from a tracking server');

  // A run's page says where it came from.
  await table.getByRole('link', { name: 'team-run-2' }).click();
  const runSync = page.getByTestId('run-sync');
  await runSync.waitFor();
  assert.match(await runSync.innerText(), new RegExp(`Pulled from ${mlflowUrl.replace(/[.]/g, '\\.')} · just now`));
  assert.deepEqual(errors, []);
  await page.close();
});

test('a run made here is pushed to the server from the experiment header, and pushed again', async () => {
  const { experimentId, runId } = await logRun(server.url, 'made-here', 'local-run', { alpha: '0.5', optimizer: 'adam' });
  const { page, errors } = await openPage();
  await page.goto(`${server.url}/#/experiments/${experimentId}`);
  const sync = page.getByTestId('experiment-sync');
  await sync.waitFor();
  // Not linked yet: no "Pulled from" / "Pushed to" line, only the menu.
  assert.doesNotMatch(await sync.innerText(), /Pulled from|Pushed to/);
  await sync.getByTestId('sync-menu').click();
  await sync.getByRole('menuitem', { name: new RegExp(`Push to ${mlflowHost}`) }).click();
  const text = await report(page);
  assert.match(text, /1 new run, 0 updated, 0 unchanged in 1 experiment/);
  await page.keyboard.press('Escape');
  await page.getByTestId('sync-dialog').waitFor({ state: 'detached' });
  await waitFor('the "Pushed to" line', async () => new RegExp(`Pushed to ${mlflowHost}`).test(await sync.innerText()));

  // On the server: the experiment and the run with its params.
  const resp = await fetch(`${mlflowUrl}/api/2.0/mlflow/experiments/get-by-name?experiment_name=made-here`);
  assert.equal(resp.status, 200);
  const remoteExp = (await resp.json()).experiment;
  const { runs } = await mlflow(mlflowUrl, 'runs/search', { experiment_ids: [remoteExp.experiment_id] });
  assert.equal(runs.length, 1);
  assert.equal(runs[0].info.run_name, 'local-run');
  const params = Object.fromEntries(runs[0].data.params.map((p) => [p.key, p.value]));
  assert.deepEqual(params, { alpha: '0.5', optimizer: 'adam' });
  assert.equal(runs[0].data.metrics.find((m) => m.key === 'loss')?.value, 1 / 3);

  // Pushed again: nothing new. The dialog closed at once leaves the job to the sidebar's
  // indicator, which opens the report again.
  await sync.getByTestId('sync-menu').click();
  await sync.getByRole('menuitem', { name: new RegExp(`Push to ${mlflowHost}`) }).first().click();
  await page.getByTestId('sync-dialog').waitFor();
  await page.keyboard.press('Escape');
  await page.getByTestId('sync-dialog').waitFor({ state: 'detached' });
  const indicator = page.getByTestId('sync-indicator');
  await indicator.waitFor({ timeout: 10_000 });
  await waitFor('the finished indicator', async () => /Sync finished/.test(await indicator.innerText()));
  await indicator.click();
  const again = await report(page);
  assert.match(again, /0 new runs, 0 updated, 1 unchanged in 1 experiment/);
  await page.getByTestId('sync-dialog').getByRole('button', { name: 'Close' }).click();
  await indicator.waitFor({ state: 'detached' });
  assert.equal((await mlflow(mlflowUrl, 'runs/search', { experiment_ids: [remoteExp.experiment_id] })).runs.length, 1);

  // The run's page says where it went, as which run.
  await page.goto(`${server.url}/#/experiments/${experimentId}/runs/${runId}`);
  const runSync = page.getByTestId('run-sync');
  await runSync.waitFor();
  assert.match(await runSync.innerText(), new RegExp(`Pushed to ${mlflowUrl.replace(/[.]/g, '\\.')} as ${runs[0].info.run_id}`));
  // A run never synced says nothing.
  const quiet = await logRun(server.url, 'never synced', 'quiet-run', { a: '1' });
  await page.goto(`${server.url}/#/experiments/${quiet.experimentId}/runs/${quiet.runId}`);
  await page.getByTestId('run-details').waitFor();
  await page.waitForTimeout(300);
  assert.equal(await page.getByTestId('run-sync').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('an unreachable tracking server gives a clear error on Test connection', async () => {
  const { page, errors } = await openPage([/\/-\/call\/runlens\/remotes\/experiments$/]);
  const dead = `http://127.0.0.1:${await freePort()}`;
  await page.goto(`${server.url}/#/settings`);
  await page.getByTestId('remote-0').waitFor();
  await page.getByTestId('add-remote').click();
  const dialog = page.getByTestId('remote-dialog');
  await dialog.getByLabel('Server URL').fill(dead);
  await dialog.getByTestId('test-connection').click();
  const result = dialog.getByTestId('test-result');
  await result.waitFor({ timeout: 60_000 });
  assert.equal(await result.getAttribute('data-ok'), 'false');
  const text = await result.innerText();
  assert.match(text, /Could not reach the server/);
  assert.match(text, /refused/i);

  // A URL already saved is refused before asking the server.
  await dialog.getByLabel('Server URL').fill(mlflowUrl);
  await dialog.getByRole('button', { name: 'Save' }).click();
  assert.match(await dialog.getByRole('alert').innerText(), /saved already/);

  // Cancel takes the test's save back.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.deepEqual((await call('runlens/remotes/list')).remotes.map((r) => r.url), [mlflowUrl]);
  assert.equal(await page.getByTestId('remote-1').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});
